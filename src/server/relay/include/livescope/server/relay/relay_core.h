// RelayCore: the relay's pure core. Connections, rooms, identity, limits, moderation and the batching tick, no I/O.
// The network edge (server.h) feeds it frames and the clock, and carries out what it queues.
#pragma once
#include "livescope/protocol/messages.h"
#include <livescope/server/relay/blocked_words.h>
#include <livescope/server/relay/hearts.h>
#include <livescope/server/relay/question_board.h>
#include <livescope/server/relay/rate_limit.h>
#include <livescope/server/relay/room_bus.h>
#include <livescope/server/relay/room_log.h>
#include <livescope/server/relay/tick_policy.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace livescope {

using ConnId = uint64_t;

struct RelayConfig
{
    int64_t TickMs = 200;             // ms between broadcast frames (and heart windows) with the fixed tick; with the adaptive one, the longest a Tick waits
    bool AdaptiveTick = true;         // each room flushes when TickPolicy says (tick_policy.h); false: every room on every Tick (the fixed tick)
    TickLimits Adaptive;              // the adaptive tick's gaps (docs/relay.md "The tick")
    double CommentRate = 1.0;         // comments per second per user in a room (all its connections, on all nodes)
    double CommentBurst = 3.0;        // comments
    double HeartRate = 20.0;          // taps per second per user in a room
    double HeartBurst = 20.0;         // taps
    double FrameRate = 50.0;          // frames per second per connection, any type; beyond it the connection is closed
    double FrameBurst = 100.0;        // frames
    size_t MaxCommentsPerTick = 50;   // comments per broadcast frame; the rest wait for the next tick
    size_t MaxCommentBacklog = 250;   // comments waiting beyond this are dropped (oldest first) and counted
    size_t MaxPresencePerTick = 5;    // presence lines per tick
    size_t PresenceMaxMembers = 500;  // rooms larger than this get no presence lines (noise, and a frame per tick)
    int64_t ViewersEveryMs = 1000;    // ms; viewer counts go out at most this often
    int64_t EmptyRoomKeepMs = 600000; // ms an empty room with history or a pin keeps them; an empty room with neither goes at the next tick
    // Per-address budgets: one address (a client IP, an IPv6 /64, see ClientAddressKey) shares them over all its
    // connections. Sized for a classroom or an office of ~300 people behind one NAT (docs/relay.md).
    size_t MaxConnsPerAddress = 400;   // connections open at once
    double AddressCommentRate = 10.0;  // comments per second, summed over the address's connections
    double AddressCommentBurst = 60.0; // comments
    double AddressHeartRate = 200.0;   // taps per second, summed
    double AddressHeartBurst = 400.0;  // taps
    double AddressJoinRate = 20.0;     // joins per second, summed (each join costs a welcome with the history)
    double AddressJoinBurst = 400.0;   // joins (a whole class opening the page at once)
    size_t MaxRooms = 2000;            // rooms held at once, relay-wide
    size_t MaxRoomsPerAddress = 20;    // rooms held at once that one address created
    // Q&A (v2)
    double VoteRate = 5.0;                      // votes per second per user in a room
    double VoteBurst = 10.0;                    // votes
    size_t MaxHeldComments = 200;               // comments awaiting review per room; beyond it the oldest is dropped
    QuestionBoardLimits Board;                  // questions and votes kept per room
    uint64_t FirstCommentNumber = 1;   // comment ids start at "c-<this>" (the room log reserves a fresh block per run)
    std::string Secret;                // token secret; empty: tokens are refused
    uint64_t Seed = 0;                 // guest names/ids for connections without client_id
};

// One frame for one connection. Frames fanned out to a room share one string.
struct Outgoing
{
    ConnId Conn = 0;
    std::shared_ptr<const std::string> Frame;
};

// A connection the edge must close with a WebSocket close code.
struct CloseRequest
{
    ConnId Conn = 0;
    uint16_t Code = 1008; // 1008: policy violation
    std::string Reason;
};

struct RelayStats
{
    int64_t Connections = 0; // open now
    int64_t FramesIn = 0;    // frames received
    int64_t FramesOut = 0;   // frames queued (one per connection per frame)
    int64_t CommentsAccepted = 0;
    int64_t HeartsAccepted = 0;  // taps
    int64_t HeartsExcess = 0;    // taps over the limit, counted and not broadcast
    int64_t Errors = 0;          // error messages sent
    int64_t Floods = 0;          // connections closed for flooding
    int64_t CommentsDropped = 0; // comments left out of a tick's batch to bound the rate
    int64_t Refused = 0;         // connections refused: their address holds MaxConnsPerAddress already
    int64_t Rooms = 0;           // rooms held now
    int64_t VotesAccepted = 0;   // votes passed on to the board (repeats included)
    int64_t VotesDropped = 0;    // votes over the rate limit
    int64_t Boards = 0;          // board messages built (one per room per tick when changed, shared by its members)
    int64_t LogRecords = 0;      // room log records handed to the edge (TakeLogRecords)
};

// What each role may do (v2 permissions table, docs/protocol.md).
bool RoleMay(Role role, const ClientMessage& message);

class RelayCore
{
public:
    RelayCore(RelayConfig config, RoomBus& bus);

    // A new WebSocket connection (not in a room until it sends `join`) from `address`, the client's address key
    // (ClientAddressKey). An empty address shares budgets with no other connection. Returns 0 when the address
    // already holds MaxConnsPerAddress connections: the edge refuses the connection.
    ConnId Open(std::string_view address = {});
    // The connection is gone (closed by either side). Unknown ids are ignored.
    void Close(ConnId conn, int64_t now_ms);
    // One text frame from `conn`. `now_ms`: wall clock, ms since the Unix epoch. May queue replies or a close.
    void Receive(ConnId conn, std::string_view frame, int64_t now_ms);
    // Drains the bus and queues one frame per connection per room with news (comments, moderation,
    // presence, hearts window, viewer counts). Fixed tick: call every TickMs. Adaptive tick: only the rooms whose
    // TickPolicy says so flush; call at NextTickMs() at the latest and soon after the bus's wakeup.
    // `every_room`: every room flushes now whatever the policy says (the last tick at shutdown).
    void Tick(int64_t now_ms, bool every_room = false);
    // When Tick must run next at the latest (ms since the epoch): the earliest room due, or TickMs after the last Tick.
    int64_t NextTickMs() const;

    // What the edge must send or close now; the caller owns the result.
    std::vector<Outgoing> TakeOutgoing();
    std::vector<CloseRequest> TakeCloses();

    // The room log (docs/relay.md "Room log"). Once enabled, every applied room event becomes a LogRecord (a value)
    // that the edge takes with TakeLogRecords after each Tick and hands to the RoomLog driver in one batch.
    // `restore` is called (synchronously, like RoomBus::Enter) when a join creates a room, so a room recreated after
    // a restart starts from what the log holds. An empty function: records only.
    void EnableLog(std::function<RoomRestore(const std::string& room)> restore);
    // The records made since the last call, in the order they were applied; the caller owns the result.
    std::vector<LogRecord> TakeLogRecords();
    // True when the queued records hold more than hearts and viewer counts (a comment, vote, moderation...): the edge
    // writes those before the frames that show them go out, so a kill -9 never loses what viewers saw.
    bool LogHasUrgent() const;

    const RelayStats& Stats() const { return Counters; }
    const RelayConfig& Config() const { return Cfg; }

    // The name and colour a guest gets from a seed (exposed for tests and docs).
    static User GuestFromSeed(uint64_t seed);

private:
    // What one client address holds and may still do; lives while it has connections or rooms, or spent budget.
    struct Address
    {
        TokenBucket Comments;
        TokenBucket Hearts;
        TokenBucket Joins;
        size_t Conns = 0; // connections open
        size_t Rooms = 0; // rooms held that it created
    };
    struct Connection
    {
        std::string Addr; // address key (budgets, guest mutes)
        std::string Room; // empty until joined
        User Who;
        Role UserRole = Role::Viewer;
        TokenBucket Frames;
        int64_t LastHeartErrorMs = 0; // ms; one rate_limited error per second at most
        bool Joined = false;
        int64_t LastVoteErrorMs = 0;      // ms; one rate_limited error per second at most
        int Version = ProtocolVersion;    // the join's `v` (before join: the last frame's)
        bool Staff() const { return UserRole == Role::Broadcaster || UserRole == Role::Moderator; }
    };
    // One user's limits in one room, shared by all its connections there and, through usage reports on the bus,
    // by the other relay nodes (docs/relay.md "Limits across nodes").
    struct UserBudget
    {
        TokenBucket Comments;
        TokenBucket Hearts;
        TokenBucket Votes;
    };
    struct Room
    {
        std::string Name;
        std::unordered_set<ConnId> Members;
        std::deque<Comment> History; // newest last, at most HistoryComments
        std::optional<Comment> PinnedComment;
        std::string CreatorAddr;                                     // the address charged for holding this room
        std::unordered_map<std::string, int64_t> MutedUsers;         // user id -> muted until (ms since the epoch; 0: the rest of the broadcast)
        std::unordered_map<std::string, int64_t> MutedAddresses;     // addresses of muted guests (same values): a new guest id does not shed a mute
        std::unordered_map<std::string, std::string> GuestAddresses; // guest id -> address it joined from (bounded)
        HeartAggregator Hearts;
        HeartAggregator RemoteTaps{0}; // the taps of Hearts that came from other nodes (room log: LogRecord::Local)
        std::vector<Comment> PendingComments;
        std::vector<ServerMessage> PendingModeration;
        std::vector<Presence> PendingPresence;
        Viewers LastSentCounts;
        int64_t LastCountsMs = 0; // ms; when counts last went out
        int64_t LastFlushMs = 0;  // ms; when the room's last broadcast frame went out (0: never; the adaptive tick)
        int64_t LazySinceMs = 0;  // ms; when its hearts/presence/counts began to wait (0: none wait; the adaptive tick)
        int64_t EmptySinceMs = 0; // ms; 0 while it has members
        // Q&A (v2)
        QuestionBoard Board;
        bool BoardDirty = false;  // a board goes out at the next tick
        RoomModes Modes;
        bool ModesDirty = false;  // a modes message goes out at the next tick
        BlockedWords Words;
        bool Ended = false;
        std::unordered_map<std::string, int64_t> LastCommentAt; // user id -> ms of the last accepted comment (slow mode)
        std::deque<Comment> HeldComments;                       // awaiting review, oldest first
        // Room log: recent (server time - stream time) offsets from messages that carried a stream time, and the
        // stream times of this tick's taps (bounded samples).
        std::deque<int64_t> StreamOffsets;
        std::vector<int64_t> TapStreamTimes;
        std::vector<ServerMessage> PendingStaff;                // held comments (and rejections) for moderators and the broadcaster
        // Limits across nodes: user id -> budget (swept when full again), and what this node accepted since its
        // last usage report.
        std::unordered_map<std::string, UserBudget> Budgets;
        std::unordered_map<std::string, UsageReport::Entry> Unreported;
        std::vector<std::string> WordList; // the blocked words as set (told to a node that starts serving the room later)
        bool ModesSet = false;             // a modes change was applied here (a late answer to this node's RoomStateAsk loses to it)
        Room(int64_t now_ms, const QuestionBoardLimits& limits) : Hearts(now_ms), Board(limits) {}
    };

    void HandleJoin(ConnId id, Connection& c, const Join& m, int64_t now_ms);
    void HandleComment(Connection& c, ConnId id, const CommentPost& m, int64_t now_ms);
    void HandleHearts(Connection& c, ConnId id, const HeartsTap& m, int64_t now_ms);
    void HandleModeration(Connection& c, ConnId id, const ClientMessage& m, int64_t now_ms);
    void HandleVote(Connection& c, ConnId id, const VoteRequest& m, int64_t now_ms);
    void ApplyEvent(Room& room, RoomEvent& event, int64_t now_ms);
    void FanOut(Room& room, const std::vector<ServerMessage>& messages, int64_t dropped);
    void SendTo(ConnId id, std::string frame);
    void SendError(ConnId id, ErrorCode code, std::string message, std::optional<int64_t> retry_after_ms = std::nullopt,
                   std::optional<std::string> nonce = std::nullopt);
    Room* FindRoom(const std::string& name);
    Address& AddressOf(const std::string& key);
    // -1: not muted; 0: muted for the rest of the broadcast; > 0: ms left of a timed mute.
    int64_t MutedFor(Room& room, const Connection& c, int64_t now_ms) const;
    void RememberGuest(Room& room, const std::string& guest_id, const std::string& address);
    // Limits across nodes.
    UserBudget* BudgetOf(Room& room, const std::string& user_id, bool create);
    UsageReport::Entry& Unreported(Room& room, const std::string& user_id);
    void ApplyUsage(Room& room, int64_t now_ms);
    void ReportUsage(Room& room);
    void SweepBudgets(Room& room, int64_t now_ms);
    static void NoteSlowComment(Room& room, const std::string& user_id, int64_t at_ms);
    void TellRoomState(Room& room, uint64_t asker, int64_t now_ms);
    void ApplyRoomState(Room& room, const RoomStateTell& tell, int64_t now_ms);
    void DropRoom(std::string name); // by value: the caller may pass the room's own name
    void SweepAddresses(int64_t now_ms);
    // Room log helpers.
    void NoteStreamTime(Room& room, std::optional<int64_t> stream_time, int64_t now_ms);
    int64_t EstimateStreamTime(const Room& room, int64_t now_ms) const;
    void Log(const Room& room, LogType type, int64_t t, int64_t now_ms, std::string ref = {}, int64_t num = 0, int64_t num2 = 0);
    void RestoreRoom(Room& room, int64_t now_ms);
    PendingOutput PendingOf(const Room& room, int64_t now_ms) const; // the adaptive tick's view of a room's output
    void NoteInput(const Connection& c, int64_t now_ms);             // input for c's room arrived (LazySinceMs)

    static constexpr size_t MaxStreamSamples = 64; // stream-time samples kept per room (offsets; taps per tick)
    static constexpr size_t MaxBudgetsPerRoom = 50000; // user budgets per room; beyond it other nodes' reports about new users are ignored
    static constexpr size_t MaxReportUsers = 2000;     // users per usage report (more go in the next one)
    static constexpr double MaxDebtS = 60.0;           // s of a user's rate that other nodes' reports may charge beyond an empty bucket

    RelayConfig Cfg;
    RoomBus& Bus;
    std::unordered_map<ConnId, Connection> Conns;
    std::unordered_map<std::string, std::unique_ptr<Room>> Rooms;
    std::unordered_map<std::string, Address> Addresses;
    int64_t LastSweepMs = 0; // ms
    int64_t LastTickMs = 0;  // ms; the last Tick
    int64_t NextDueMs = NeverMs; // ms; the earliest room due after the last Tick (adaptive tick)
    std::vector<Outgoing> OutQueue;
    std::vector<CloseRequest> CloseQueue;
    RelayStats Counters;
    ConnId NextConn = 1;
    uint64_t NextComment = 1;
    bool LogOn = false;
    std::function<RoomRestore(const std::string&)> LogRestore;
    std::vector<LogRecord> LogQueue;
    bool ApplyingHere = true; // the event being applied was published by this node (LogRecord::Local)
    std::mt19937_64 Rng;
    uint64_t SyncId = 0; // this node's id in RoomStateAsk (from the seed)
};

} // namespace livescope
