// RoomBus: the driver that carries room events and viewer counts between relay nodes, and its in-process implementation.
#pragma once
#include "livescope/protocol/messages.h"

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

namespace livescope {

// Taps accepted from one connection (after its rate limit).
struct HeartsEvent
{
    std::string Color; // "#rrggbb", the tapper's colour
    int64_t Count = 0; // taps
    std::optional<int64_t> StreamTime{}; // ms since the Unix epoch, the frame the tapper watched (room log)
};

// One identity's vote (v2), deduplicated by every node's QuestionBoard.
struct VoteEvent
{
    std::string QuestionId;
    std::string VoterId; // user id: "u-<subject>", or a guest's stable "g-..." id
    bool On = true;
    std::optional<int64_t> StreamTime{}; // ms since the Unix epoch, the frame the voter watched (room log)
};

// A board action by the broadcaster or a moderator (v2).
struct BoardEvent
{
    enum class Action
    {
        Answer,
        Answered,
        Dismiss,
    };
    Action What = Action::Answer;
    std::string QuestionId;
    int64_t AtMs = 0; // ms since the Unix epoch, when the relay accepted it
};

// A node that starts serving a room asks the nodes already serving it for the moderation state it missed: the
// room's modes and mutes (docs/relay.md "Limits across nodes").
struct RoomStateAsk
{
    uint64_t Asker = 0; // the asking node's sync id (RelayCore's, random per process)
};
inline constexpr size_t MaxStateMutes = 1000; // mutes in one RoomStateTell (the most recent are not chosen: any 1,000)

// The answer; only the asker applies it.
struct RoomStateTell
{
    uint64_t Asker = 0;
    RoomModes Modes;
    std::vector<std::string> BlockedWords;
    std::vector<std::pair<std::string, int64_t>> Mutes; // user id, muted until (ms since the epoch; 0: the rest of the broadcast)
};

// What travels on the bus: comments, accepted taps, moderation and presence; v2: votes, board actions, modes,
// held comments, rejections and the end. Fired when a local connection's input passes validation, rate limits
// and permission checks. An approved held comment travels as a Comment with the held comment's id.
using RoomEvent = std::variant<Comment, HeartsEvent, Pinned, Unpinned, Deleted, Muted, Presence, VoteEvent, BoardEvent, ModesRequest, Held,
                               RejectRequest, Ended, RoomStateAsk, RoomStateTell>;

// What one node accepted from each user of a room since its last report. The other nodes charge it to the users'
// budgets, so a user's limits hold over all the nodes it is connected to (docs/relay.md "Limits across nodes").
struct UsageReport
{
    struct Entry
    {
        std::string UserId;
        int64_t Comments = 0; // comments accepted
        int64_t Hearts = 0;   // taps accepted
        int64_t Votes = 0;    // votes accepted
        bool operator==(const Entry&) const = default;
    };
    std::vector<Entry> Users;
    bool operator==(const UsageReport&) const = default;
};

// The bus driver (mpv style: the relay core polls it on its tick; the bus only signals a wakeup).
// Every member is called on the relay's io thread only. The single-process implementation below is the default;
// a Redis one (pub/sub for events, sets for counts) lets several relay nodes share rooms.
class RoomBus
{
public:
    virtual ~RoomBus() = default;

    // Queues `event` for every node serving `room`, this one included. Returns at once; never blocks on I/O.
    // Events from one node reach each node in publish order. The bus copies what it keeps.
    virtual void Publish(const std::string& room, RoomEvent event) = 0;

    // Returns, and forgets, the events for `room` that arrived since the last Drain of that room, oldest first.
    // The caller owns the result.
    virtual std::vector<RoomEvent> Drain(const std::string& room) = 0;
    // Whether event `index` of the last Drain was published by this node (true) or came from another node (false).
    // The shared room log writes only this node's own events (docs/scale-out.md "Shared room log").
    virtual bool DrainedHere(size_t /*index*/) const { return true; }

    // Counts one more live connection of `viewer_key` in `room` and adds the key to the broadcast's unique set.
    // Returns the counts after the change.
    virtual Viewers Enter(const std::string& room, const std::string& viewer_key) = 0;
    // Undoes the live part of one Enter. Returns the counts after the change.
    virtual Viewers Leave(const std::string& room, const std::string& viewer_key) = 0;
    // Current counts of `room` over all nodes (zeros for an unknown room).
    virtual Viewers Counts(const std::string& room) const = 0;
    // This node no longer serves `room` (it was empty and dropped): forget what is kept for it locally.
    virtual void Forget(const std::string& room) = 0;

    // Sets the callback run when events arrive for a room whose queue was empty (may be called from another
    // thread by a networked bus). The owner only schedules a Drain from it. An empty function disables it.
    virtual void SetWakeup(std::function<void()> wakeup) = 0;

    // Scale-out (a networked bus): empty when healthy, else why this node serves only its own viewers (/healthz
    // says "degraded: <reason>").
    virtual std::string Health() const { return std::string(); }
    // Added to the first comment number so that nodes sharing rooms never hand out the same comment id (0: alone).
    virtual uint64_t CommentNumberBase() const { return 0; }

    // Shared limits: sends `report` to the other nodes serving `room` (not to this one). Never blocks; a report sent
    // while the bus is down is lost (each node then enforces what it saw itself). A single node has no one to tell.
    virtual void ShareUsage(const std::string& /*room*/, UsageReport /*report*/) {}
    // The reports other nodes sent for `room` since the last call, oldest first; the caller owns the result.
    virtual std::vector<UsageReport> DrainUsage(const std::string& /*room*/) { return {}; }
};

// Single-process bus: events go straight into per-room queues.
class InProcessRoomBus final : public RoomBus
{
public:
    void Publish(const std::string& room, RoomEvent event) override
    {
        auto& state = Rooms[room];
        const bool was_empty = state.Pending.empty();
        state.Pending.push_back(std::move(event));
        if (was_empty && Wakeup)
            Wakeup();
    }

    std::vector<RoomEvent> Drain(const std::string& room) override
    {
        std::vector<RoomEvent> out;
        const auto it = Rooms.find(room);
        if (it == Rooms.end())
            return out;
        out.assign(std::make_move_iterator(it->second.Pending.begin()), std::make_move_iterator(it->second.Pending.end()));
        it->second.Pending.clear();
        return out;
    }

    Viewers Enter(const std::string& room, const std::string& viewer_key) override
    {
        auto& state = Rooms[room];
        state.Live++;
        if (state.Unique.size() < MaxUniqueKeys)
            state.Unique.insert(viewer_key);
        else if (!state.Unique.count(viewer_key))
            state.UniqueOverflow++; // counted, not kept: the set's memory stays bounded
        return Viewers{state.Live, state.Total()};
    }

    Viewers Leave(const std::string& room, const std::string& /*viewer_key*/) override
    {
        auto& state = Rooms[room];
        if (state.Live > 0)
            state.Live--;
        return Viewers{state.Live, state.Total()};
    }

    Viewers Counts(const std::string& room) const override
    {
        const auto it = Rooms.find(room);
        if (it == Rooms.end())
            return Viewers{};
        return Viewers{it->second.Live, it->second.Total()};
    }

    void Forget(const std::string& room) override { Rooms.erase(room); }

    void SetWakeup(std::function<void()> wakeup) override { Wakeup = std::move(wakeup); }

private:
    static constexpr size_t MaxUniqueKeys = 100000; // viewer keys kept per room; beyond it new keys are counted without being kept
    struct RoomState
    {
        std::deque<RoomEvent> Pending;
        int64_t Live = 0;                       // connections
        std::unordered_set<std::string> Unique; // viewer keys seen over the broadcast
        int64_t UniqueOverflow = 0;             // viewer keys beyond MaxUniqueKeys (may count a key twice)
        int64_t Total() const { return static_cast<int64_t>(Unique.size()) + UniqueOverflow; }
    };
    std::unordered_map<std::string, RoomState> Rooms;
    std::function<void()> Wakeup;
};

// The in-process twin of a networked bus (tests): several "nodes" in one process, each with a RoomBus of its own.
// As with Redis, a node hears the rooms it serves (from its first Enter or Publish until Forget), its own events at
// once, the others' while the hub is linked (SetLinked(false): Redis down, each node alone); counts are summed.
class InProcessBusHub
{
public:
    explicit InProcessBusHub(size_t nodes)
    {
        for (size_t i = 0; i < nodes; i++)
            Nodes.push_back(std::make_unique<NodeBus>(*this));
    }
    RoomBus& Node(size_t i) { return *Nodes.at(i); }
    void SetLinked(bool linked) { Linked = linked; }

private:
    struct NodeBus final : RoomBus
    {
        struct RoomState
        {
            std::deque<RoomEvent> Pending;
            std::deque<UsageReport> Usage;
            int64_t Live = 0;                       // this node's connections
            std::unordered_set<std::string> Unique; // this node's viewer keys
        };
        explicit NodeBus(InProcessBusHub& hub) : Hub(hub) {}

        void Publish(const std::string& room, RoomEvent event) override
        {
            Rooms[room];
            for (auto& node : Hub.Nodes)
                if (node.get() == this || Hub.Linked)
                    if (const auto it = node->Rooms.find(room); it != node->Rooms.end())
                        it->second.Pending.push_back(event);
        }
        std::vector<RoomEvent> Drain(const std::string& room) override
        {
            std::vector<RoomEvent> out;
            if (const auto it = Rooms.find(room); it != Rooms.end())
            {
                out.assign(std::make_move_iterator(it->second.Pending.begin()), std::make_move_iterator(it->second.Pending.end()));
                it->second.Pending.clear();
            }
            return out;
        }
        Viewers Enter(const std::string& room, const std::string& viewer_key) override
        {
            auto& state = Rooms[room];
            state.Live++;
            state.Unique.insert(viewer_key);
            return Counts(room);
        }
        Viewers Leave(const std::string& room, const std::string& /*viewer_key*/) override
        {
            auto& state = Rooms[room];
            if (state.Live > 0)
                state.Live--;
            return Counts(room);
        }
        Viewers Counts(const std::string& room) const override
        {
            Viewers sum;
            if (!Rooms.count(room))
                return sum;
            for (const auto& node : Hub.Nodes)
                if (node.get() == this || Hub.Linked)
                    if (const auto it = node->Rooms.find(room); it != node->Rooms.end())
                    {
                        sum.Live += it->second.Live;
                        sum.Total += static_cast<int64_t>(it->second.Unique.size());
                    }
            return sum;
        }
        void Forget(const std::string& room) override { Rooms.erase(room); }
        void SetWakeup(std::function<void()> /*wakeup*/) override {}
        void ShareUsage(const std::string& room, UsageReport report) override
        {
            if (!Hub.Linked)
                return;
            for (auto& node : Hub.Nodes)
                if (node.get() != this)
                    if (const auto it = node->Rooms.find(room); it != node->Rooms.end())
                        it->second.Usage.push_back(report);
        }
        std::vector<UsageReport> DrainUsage(const std::string& room) override
        {
            std::vector<UsageReport> out;
            if (const auto it = Rooms.find(room); it != Rooms.end())
            {
                out.assign(std::make_move_iterator(it->second.Usage.begin()), std::make_move_iterator(it->second.Usage.end()));
                it->second.Usage.clear();
            }
            return out;
        }

        InProcessBusHub& Hub;
        std::unordered_map<std::string, RoomState> Rooms;
    };
    std::vector<std::unique_ptr<NodeBus>> Nodes;
    bool Linked = true;
};

} // namespace livescope
