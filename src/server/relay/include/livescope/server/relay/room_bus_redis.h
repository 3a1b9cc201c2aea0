// RedisRoomBus: the RoomBus driver that shares rooms between relay nodes through Redis pub/sub (hiredis, async on
// the relay's io_context), and its pure parts: the envelope codec, the per-node dedupe and the count table.
#pragma once
#include <livescope/server/relay/room_bus.h>

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace livescope {

//-----------------------------------------------------------------------------
// [SECTION] Pure parts (unit-tested without Redis)
//-----------------------------------------------------------------------------

// What one node puts on a room's channel: a room event, a usage report (shared limits), or that node's own viewer
// counts for the room.
struct BusEnvelope
{
    uint64_t Node = 0; // the sending node's id (random per process start)
    uint64_t Seq = 0;  // the sending node's message number, 1, 2, ... over all rooms, in publish order
    std::string Room;
    std::optional<RoomEvent> Event{}; // set for an event
    std::optional<UsageReport> Usage{}; // set for a usage report (when Event is empty)
    std::vector<RoomEvent> Batch{};     // set for a batch: one outbox flush's hearts and presence (BusOutbox)
    Viewers Counts{};                 // the sender's own counts (when Event and Usage are empty)
    int64_t TtlMs = 0;                // ms the counts stay valid after arrival (with Counts)
};

inline constexpr size_t MaxBatchEvents = 64;         // events in one batch; a longer one is malformed
inline constexpr size_t MaxUsageUsers = 10000;       // users in one usage report; a longer one is malformed
inline constexpr int64_t MaxUsagePerUser = 1000000; // per count of one user in one report; beyond: malformed

// JSON text of the envelope (compact; only relay nodes read it).
std::string EncodeBusEnvelope(const BusEnvelope& envelope);
// The envelope, or nullopt for anything malformed (never throws).
std::optional<BusEnvelope> DecodeBusEnvelope(std::string_view text);

// Drops messages already seen: per sending node, only a number above the last accepted one passes (one node's
// messages reach a subscriber in publish order, so a repeat or a replay is always at or below it). Nodes not heard
// from for ForgetAfterMs are forgotten; at most MaxNodes are kept (the stalest goes first).
class BusDedupe
{
public:
    static constexpr size_t MaxNodes = 4096;
    static constexpr int64_t ForgetAfterMs = 10 * 60 * 1000; // ms

    // True when (node, seq) is new (and remembers it); false for a repeat.
    bool Accept(uint64_t node, uint64_t seq, int64_t now_ms);
    size_t Nodes() const { return Last.size(); }

private:
    struct Seen
    {
        uint64_t Seq = 0;
        int64_t AtMs = 0; // ms, steady
    };
    std::unordered_map<uint64_t, Seen> Last;
    int64_t LastPruneMs = 0;
};

// Other nodes' counts per room, each valid until its expiry; the sum is what this node shows with its own.
class NodeCountTable
{
public:
    void Set(const std::string& room, uint64_t node, Viewers counts, int64_t expires_at_ms);
    // The sum of the unexpired counts of `room` (zeros when none).
    Viewers Sum(const std::string& room, int64_t now_ms) const;
    // Forgets expired entries (and rooms left with none).
    void Prune(int64_t now_ms);
    void Forget(const std::string& room) { Rooms.erase(room); }
    size_t Entries() const;

private:
    struct Entry
    {
        Viewers Counts;
        int64_t ExpiresAtMs = 0; // ms, steady
    };
    std::unordered_map<std::string, std::map<uint64_t, Entry>> Rooms;
};

// Hearts and presence on their way to Redis, gathered between flushes (the driver flushes every FlushEveryMs) and sent
// as one batch per room per flush: the room's hearts as one HeartsEvent per colour (counts summed, the latest stream
// time), and at most MaxPresencePerFlush joins and leaves (receivers show at most a few presence lines per tick, and
// none in rooms above PresenceMaxMembers: the rest is noise that would cost Redis a message each). Everything else is
// order-sensitive (comments, votes, moderation) and goes out at once. This node's own viewers see every event at once:
// the outbox only delays what other nodes receive, by at most FlushEveryMs.
class BusOutbox
{
public:
    static constexpr int64_t FlushEveryMs = 100;    // ms
    static constexpr size_t MaxPresencePerFlush = 8; // per room
    static constexpr size_t MaxRooms = 100000;       // rooms with something gathered; past it events go out at once

    // True when the outbox took `event` for `room` (it goes out at the next Flush); false: send it now.
    bool Take(const std::string& room, const RoomEvent& event);
    bool Empty() const { return Rooms.empty(); }
    // One batch per room (hearts in colour order, then presence in arrival order; at most MaxBatchEvents: the palette
    // has 12 colours); empties the outbox.
    std::vector<std::pair<std::string, std::vector<RoomEvent>>> Flush();
    int64_t TakenHearts() const { return HeartsTaken; }       // hearts messages gathered so far
    int64_t PresenceDropped() const { return PresenceDrops; } // joins and leaves not sent (past the cap)

private:
    struct Gathered
    {
        std::map<std::string, HeartsEvent> Hearts; // by colour
        std::vector<Presence> Joins;               // joins and leaves, in arrival order (at most MaxPresencePerFlush)
    };
    std::map<std::string, Gathered> Rooms;
    int64_t HeartsTaken = 0;
    int64_t PresenceDrops = 0;
};

// "redis://host:port" (port defaults to 6379). False for anything else.
bool ParseRedisUrl(std::string_view url, std::string& host, int& port);

//-----------------------------------------------------------------------------
// [SECTION] The driver
//-----------------------------------------------------------------------------

// Channel of a room: "livescope:room:<room>". One PUBLISH per comment, vote or moderation act, per outbox flush
// (hearts and presence: BusOutbox) and per counts refresh; a node SUBSCRIBEs to the rooms it serves (from the first
// Enter or Publish until Forget).
// Unique viewers ("total"): each node PFADDs the keys first seen on it into "livescope:viewers:<room>" (a HyperLogLog,
// EXPIRE UniqueTtlS refreshed while the node has viewers) and reads PFCOUNT back with every counts refresh; without an
// answer yet (or with Redis away) total is the sum of the nodes' own unique counts.
//
// Contract (as every RoomBus): every member runs on the io thread that runs `io`, returns at once and never blocks
// on Redis: commands are queued in hiredis's output buffer and written when the socket is writable, replies and
// messages are read by asio handlers on the same io_context (no other thread). The bus copies what it keeps; Drain's
// result belongs to the caller. Events reach this node's own queue at once, whatever Redis's state; other nodes get
// them while Redis is up (events published while it is down stay local). Counts: this node's own, plus every other
// node's last published counts for the room that are younger than CountsTtlMs.
class RedisRoomBus final : public RoomBus
{
public:
    static constexpr int64_t CountsEveryMs = 500;  // ms between two publications of this node's counts of a room
    static constexpr int64_t UniqueTtlS = 600;    // seconds the room's unique-viewer HyperLogLog outlives its last viewer
    static constexpr int64_t CountsTtlMs = 2000;   // ms another node's counts stay valid without a refresh
    static constexpr int64_t ConnectTimeoutMs = 2000; // ms for a connection attempt
    static constexpr int64_t BackoffMinMs = 100;   // ms before the first reconnection attempt
    static constexpr int64_t BackoffMaxMs = 2000;  // ms, the longest wait between attempts

    // Starts connecting at once (in the background). Must outlive nothing that uses it: destroy it after the server.
    RedisRoomBus(boost::asio::io_context& io, std::string host, int port);
    ~RedisRoomBus() override;
    RedisRoomBus(const RedisRoomBus&) = delete;
    RedisRoomBus& operator=(const RedisRoomBus&) = delete;

    void Publish(const std::string& room, RoomEvent event) override;
    std::vector<RoomEvent> Drain(const std::string& room) override;
    bool DrainedHere(size_t index) const override;
    Viewers Enter(const std::string& room, const std::string& viewer_key) override;
    Viewers Leave(const std::string& room, const std::string& viewer_key) override;
    Viewers Counts(const std::string& room) const override;
    void Forget(const std::string& room) override;
    void SetWakeup(std::function<void()> wakeup) override;
    void ShareUsage(const std::string& room, UsageReport report) override;
    std::vector<UsageReport> DrainUsage(const std::string& room) override;
    std::string Health() const override;
    uint64_t CommentNumberBase() const override;

    uint64_t NodeId() const;

    struct Impl;

private:
    std::shared_ptr<Impl> State;
};

} // namespace livescope
