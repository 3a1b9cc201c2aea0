// RelayCore implementation: joins and identity, per-user limits (shared by relay nodes), moderation, Q&A (v2), and the per-room batching tick.
// [SECTION] Identity
// [SECTION] Connections
// [SECTION] Input
// [SECTION] Tick
// [SECTION] Limits across nodes
#include <livescope/server/relay/relay_core.h>
#include <livescope/server/common/token.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdio>
#include <iterator>
#include <utility>

namespace livescope {

//-----------------------------------------------------------------------------
// [SECTION] Identity
//-----------------------------------------------------------------------------

namespace {
// A pleasant palette: saturated but soft, all readable on dark video.
constexpr std::array<const char*, 12> Palette = {
    "#e85d75",
    "#f08a5d",
    "#f9c74f",
    "#90be6d",
    "#43aa8b",
    "#4cc9f0",
    "#4895ef",
    "#7b6cf6",
    "#b5179e",
    "#f15bb5",
    "#00bbf9",
    "#fee440",
};

uint64_t Fnv1a64(std::string_view text)
{
    uint64_t h = 1469598103934665603ull;
    for (const char c : text)
    {
        h ^= static_cast<uint8_t>(c);
        h *= 1099511628211ull;
    }
    return h;
}

uint64_t Mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

std::string Hex(uint64_t v, int digits)
{
    char buf[17];
    std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(v));
    return std::string(buf + 16 - digits);
}
} // namespace

User RelayCore::GuestFromSeed(uint64_t seed)
{
    const uint64_t h = Mix64(seed);
    User u;
    u.Id = "g-" + Hex(h, 12);
    u.Name = "Guest " + std::to_string(1000 + (h >> 20) % 9000);
    u.Color = Palette[(h >> 40) % Palette.size()];
    return u;
}

//-----------------------------------------------------------------------------
// [SECTION] Connections
//-----------------------------------------------------------------------------

RelayCore::RelayCore(RelayConfig config, RoomBus& bus) : Cfg(std::move(config)), Bus(bus), NextComment(Cfg.FirstCommentNumber), Rng(Cfg.Seed)
{
    SyncId = Mix64(Cfg.Seed ^ 0x9e3779b97f4a7c15ull) | 1;
}

ConnId RelayCore::Open(std::string_view address)
{
    const ConnId id = NextConn;
    // No address: a budget of its own (tests, or an edge that cannot tell clients apart).
    std::string key = address.empty() ? "#" + std::to_string(id) : std::string(address);
    Address& addr = AddressOf(key);
    if (addr.Conns >= Cfg.MaxConnsPerAddress)
    {
        Counters.Refused++;
        return 0;
    }
    NextConn++;
    addr.Conns++;
    Connection conn{std::move(key), std::string(), User{}, Role::Viewer, TokenBucket(Cfg.FrameRate, Cfg.FrameBurst), 0, false};
    Conns.emplace(id, std::move(conn));
    Counters.Connections++;
    return id;
}

void RelayCore::Close(ConnId id, int64_t now_ms)
{
    const auto it = Conns.find(id);
    if (it == Conns.end())
        return;
    Connection& c = it->second;
    if (c.Joined)
    {
        Bus.Leave(c.Room, c.Who.Id);
        Bus.Publish(c.Room, Presence{PresenceEvent::Left, c.Who});
        NoteInput(c, now_ms);
        if (Room* room = FindRoom(c.Room))
        {
            room->Members.erase(id);
            if (room->Members.empty())
                room->EmptySinceMs = now_ms > 0 ? now_ms : 1;
        }
    }
    const auto ait = Addresses.find(c.Addr);
    if (ait != Addresses.end() && ait->second.Conns > 0)
        ait->second.Conns--;
    Conns.erase(it);
    Counters.Connections--;
}

RelayCore::Room* RelayCore::FindRoom(const std::string& name)
{
    const auto it = Rooms.find(name);
    return it == Rooms.end() ? nullptr : it->second.get();
}

RelayCore::Address& RelayCore::AddressOf(const std::string& key)
{
    auto it = Addresses.find(key);
    if (it == Addresses.end())
        it = Addresses.emplace(key, Address{TokenBucket(Cfg.AddressCommentRate, Cfg.AddressCommentBurst), TokenBucket(Cfg.AddressHeartRate, Cfg.AddressHeartBurst),
                                            TokenBucket(Cfg.AddressJoinRate, Cfg.AddressJoinBurst), 0, 0})
                 .first;
    return it->second;
}

void RelayCore::DropRoom(std::string name)
{
    const auto it = Rooms.find(name);
    if (it == Rooms.end())
        return;
    const auto ait = Addresses.find(it->second->CreatorAddr);
    if (ait != Addresses.end() && ait->second.Rooms > 0)
        ait->second.Rooms--;
    Rooms.erase(it);
    Bus.Forget(name);
    Counters.Rooms = static_cast<int64_t>(Rooms.size());
}

void RelayCore::SweepAddresses(int64_t now_ms)
{
    // An address with no connection and no room goes once its budgets are full again, so leaving and coming
    // back never refills them faster than waiting would.
    for (auto it = Addresses.begin(); it != Addresses.end();)
    {
        Address& a = it->second;
        const bool idle = a.Conns == 0 && a.Rooms == 0 && a.Comments.Available(now_ms) >= Cfg.AddressCommentBurst - 1e-6 &&
                          a.Hearts.Available(now_ms) >= Cfg.AddressHeartBurst - 1e-6 && a.Joins.Available(now_ms) >= Cfg.AddressJoinBurst - 1e-6;
        it = idle ? Addresses.erase(it) : std::next(it);
    }
}

namespace {
// -1: not muted (an expired entry is forgotten); 0: for the rest of the broadcast; > 0: ms left.
int64_t MuteLeft(std::unordered_map<std::string, int64_t>& mutes, const std::string& key, int64_t now_ms)
{
    const auto it = mutes.find(key);
    if (it == mutes.end())
        return -1;
    if (it->second == 0)
        return 0;
    if (it->second > now_ms)
        return it->second - now_ms;
    mutes.erase(it);
    return -1;
}
} // namespace

int64_t RelayCore::MutedFor(Room& room, const Connection& c, int64_t now_ms) const
{
    const int64_t user = MuteLeft(room.MutedUsers, c.Who.Id, now_ms);
    if (user >= 0)
        return user;
    // A guest is muted by address: reconnecting without its client_id (a new guest id) does not shed the mute.
    if (c.Who.Id.rfind("g-", 0) == 0)
        return MuteLeft(room.MutedAddresses, c.Addr, now_ms);
    return -1;
}

bool RoleMay(Role role, const ClientMessage& message)
{
    if (std::holds_alternative<PinRequest>(message) || std::holds_alternative<UnpinRequest>(message) ||
        std::holds_alternative<AnswerRequest>(message) || std::holds_alternative<AnsweredRequest>(message) ||
        std::holds_alternative<ModesRequest>(message) || std::holds_alternative<EndRequest>(message))
        return role == Role::Broadcaster;
    if (std::holds_alternative<DeleteRequest>(message) || std::holds_alternative<MuteRequest>(message) ||
        std::holds_alternative<DismissRequest>(message) || std::holds_alternative<ApproveRequest>(message) ||
        std::holds_alternative<RejectRequest>(message))
        return role == Role::Broadcaster || role == Role::Moderator;
    return true; // join, comment, hearts, vote, ping, pong
}

void RelayCore::RememberGuest(Room& room, const std::string& guest_id, const std::string& address)
{
    room.GuestAddresses[guest_id] = address;
    if (room.GuestAddresses.size() <= 4 * HistoryComments + 2 * room.Members.size())
        return;
    // Bounded: keep the guests a broadcaster can still name (members and authors of the history).
    std::unordered_set<std::string> keep;
    for (const ConnId member : room.Members)
        if (const auto cit = Conns.find(member); cit != Conns.end())
            keep.insert(cit->second.Who.Id);
    for (const Comment& h : room.History)
        keep.insert(h.Author.Id);
    keep.insert(guest_id);
    std::erase_if(room.GuestAddresses, [&](const auto& entry) { return keep.count(entry.first) == 0; });
}

void RelayCore::SendTo(ConnId id, std::string frame)
{
    OutQueue.push_back(Outgoing{id, std::make_shared<const std::string>(std::move(frame))});
    Counters.FramesOut++;
}

void RelayCore::SendError(ConnId id, ErrorCode code, std::string message, std::optional<int64_t> retry_after_ms, std::optional<std::string> nonce)
{
    Counters.Errors++;
    const auto it = Conns.find(id);
    const int version = it == Conns.end() ? ProtocolVersion : it->second.Version;
    SendTo(id, EncodeServerMessage(ErrorMessage{code, std::move(message), retry_after_ms, std::move(nonce)}, version));
}

std::vector<Outgoing> RelayCore::TakeOutgoing()
{
    std::vector<Outgoing> out;
    out.swap(OutQueue);
    return out;
}

std::vector<CloseRequest> RelayCore::TakeCloses()
{
    std::vector<CloseRequest> out;
    out.swap(CloseQueue);
    return out;
}

//-----------------------------------------------------------------------------
// [SECTION] Input
//-----------------------------------------------------------------------------

void RelayCore::Receive(ConnId id, std::string_view frame, int64_t now_ms)
{
    const auto it = Conns.find(id);
    if (it == Conns.end())
        return;
    Connection& c = it->second;
    Counters.FramesIn++;
    if (!c.Frames.TryTake(now_ms))
    {
        // Far beyond any honest client: a flood. Close rather than answer every frame.
        Counters.Floods++;
        CloseQueue.push_back(CloseRequest{id, 1008, "flood"});
        return;
    }
    auto decoded = DecodeClientMessage(frame);
    if (!decoded.Ok())
    {
        SendError(id, decoded.Error->Code, decoded.Error->Reason);
        return;
    }
    ClientMessage& m = decoded.Value;
    if (!c.Joined)
        c.Version = decoded.Version; // a connection's version is its join's
    if (std::holds_alternative<Ping>(m))
    {
        SendTo(id, EncodeServerMessage(Pong{}, c.Version));
        return;
    }
    if (std::holds_alternative<Pong>(m))
        return;
    if (const Join* join = std::get_if<Join>(&m))
    {
        HandleJoin(id, c, *join, now_ms);
        NoteInput(c, now_ms);
        return;
    }
    if (!c.Joined)
    {
        SendError(id, ErrorCode::NotJoined, std::string("send join before ") + MessageTypeName(m));
        return;
    }
    if (const CommentPost* post = std::get_if<CommentPost>(&m))
        HandleComment(c, id, *post, now_ms);
    else if (const HeartsTap* tap = std::get_if<HeartsTap>(&m))
        HandleHearts(c, id, *tap, now_ms);
    else if (const VoteRequest* vote = std::get_if<VoteRequest>(&m))
        HandleVote(c, id, *vote, now_ms);
    else
        HandleModeration(c, id, m, now_ms);
    NoteInput(c, now_ms);
}

void RelayCore::NoteInput(const Connection& c, int64_t now_ms)
{
    // The adaptive tick holds lazy output from LazySinceMs: from the input's arrival, not the Tick that drains it.
    if (Room* room = c.Joined ? FindRoom(c.Room) : nullptr; room && room->LazySinceMs == 0)
        room->LazySinceMs = now_ms;
}

void RelayCore::HandleJoin(ConnId id, Connection& c, const Join& m, int64_t now_ms)
{
    if (c.Joined)
    {
        SendError(id, ErrorCode::AlreadyJoined, "this connection already joined room " + c.Room);
        return;
    }
    Address& addr = AddressOf(c.Addr);
    if (!addr.Joins.TryTake(now_ms))
    {
        SendError(id, ErrorCode::RateLimited, "too many joins from your network address; try again in a few seconds");
        return;
    }
    if (m.Token)
    {
        const TokenResult verified = VerifyToken(Cfg.Secret, *m.Token, now_ms / 1000);
        if (!verified.Ok())
        {
            SendError(id, ErrorCode::BadToken, TokenErrorName(verified.Error));
            return;
        }
        if (verified.Claims.Room && *verified.Claims.Room != m.Room)
        {
            SendError(id, ErrorCode::BadToken, "token is for another room");
            return;
        }
        const std::string subject = verified.Claims.Subject.value_or(Hex(Fnv1a64(verified.Claims.Name), 12));
        c.Who.Id = "u-" + subject;
        c.Who.Name = verified.Claims.Name;
        c.Who.Color = Palette[Mix64(Fnv1a64(c.Who.Id)) % Palette.size()];
        c.UserRole = verified.Claims.UserRole;
    }
    else
    {
        const uint64_t seed = m.ClientId ? Fnv1a64(*m.ClientId) : Rng();
        c.Who = GuestFromSeed(seed);
        c.UserRole = Role::Viewer;
    }
    Room* room = FindRoom(m.Room);
    if (!room)
    {
        // A new room: bounded relay-wide and per creating address, so one client cannot make the relay hold
        // thousands of rooms.
        if (Rooms.size() >= Cfg.MaxRooms)
        {
            SendError(id, ErrorCode::RateLimited, "the relay holds its maximum of " + std::to_string(Cfg.MaxRooms) + " rooms; try again later");
            return;
        }
        if (addr.Rooms >= Cfg.MaxRoomsPerAddress)
        {
            SendError(id, ErrorCode::RateLimited, "your network address holds its maximum of " + std::to_string(Cfg.MaxRoomsPerAddress) + " rooms");
            return;
        }
        auto& slot = Rooms[m.Room];
        slot = std::make_unique<Room>(now_ms, Cfg.Board);
        slot->Name = m.Room;
        slot->CreatorAddr = c.Addr;
        addr.Rooms++;
        Counters.Rooms = static_cast<int64_t>(Rooms.size());
        room = slot.get();
        if (LogOn && LogRestore)
            RestoreRoom(*room, now_ms);
        Bus.Publish(m.Room, RoomStateAsk{SyncId}); // other nodes serving the room tell it its modes and mutes
    }
    c.Joined = true;
    c.Room = m.Room;
    room->Members.insert(id);
    room->EmptySinceMs = 0;
    if (c.UserRole == Role::Viewer && c.Who.Id.rfind("g-", 0) == 0)
        RememberGuest(*room, c.Who.Id, c.Addr);
    Welcome w;
    w.You = c.Who;
    w.YourRole = c.UserRole;
    w.Counts = Bus.Enter(m.Room, c.Who.Id);
    w.Comments.assign(room->History.begin(), room->History.end());
    w.Pinned = room->PinnedComment;
    if (c.Version >= 2)
    {
        w.Board = room->Board.Snapshot();
        w.YourVotes = room->Board.VotesOf(c.Who.Id);
        w.Modes = room->Modes;
        if (c.Staff()) // a console that reloads shows the list again (viewers never learn it)
            w.BlockedWords = room->WordList;
    }
    SendTo(id, EncodeServerMessage(w, c.Version));
    if (c.Version >= 2)
    {
        // A late moderator gets the review queue; anyone joining an ended broadcast is told at once.
        std::vector<ServerMessage> extra;
        if (c.Staff())
            for (const Comment& h : room->HeldComments)
                if (extra.size() + 1 < MaxBatchMessages)
                    extra.push_back(Held{h});
        if (room->Ended)
            extra.push_back(Ended{});
        if (!extra.empty())
            SendTo(id, EncodeServerBatch(extra, 0, c.Version));
    }
    Bus.Publish(m.Room, Presence{PresenceEvent::Joined, c.Who});
}

void RelayCore::HandleComment(Connection& c, ConnId id, const CommentPost& m, int64_t now_ms)
{
    Room* room = FindRoom(c.Room);
    if (!room)
        return; // cannot happen: a member's room is held while it has members
    // Every refusal echoes the comment's nonce, so the sender can put its text back in the box.
    const auto refuse = [&](ErrorCode code, std::string message, std::optional<int64_t> retry_after_ms = std::nullopt) {
        SendError(id, code, std::move(message), retry_after_ms, m.Nonce);
    };
    if (room->Ended)
        return refuse(ErrorCode::Ended, "the broadcast has ended");
    if (const int64_t left = MutedFor(*room, c, now_ms); left >= 0)
    {
        if (left > 0)
            return refuse(ErrorCode::Muted, "you were muted for a while", left);
        return refuse(ErrorCode::Muted, "you were muted by the broadcaster");
    }
    const int64_t slow_ms = room->Modes.SlowS * 1000; // ms
    if (!c.Staff() && slow_ms > 0)
    {
        const auto last = room->LastCommentAt.find(c.Who.Id);
        if (last != room->LastCommentAt.end() && now_ms - last->second < slow_ms)
            return refuse(ErrorCode::SlowMode, "slow mode: one comment every " + std::to_string(room->Modes.SlowS) + " s",
                          slow_ms - (now_ms - last->second));
    }
    ApplyUsage(*room, now_ms); // what the user's other connections spent on other nodes
    TokenBucket& own = BudgetOf(*room, c.Who.Id, true)->Comments;
    if (!own.TryTake(now_ms))
        return refuse(ErrorCode::RateLimited, "at most 1 comment per second (burst 3); this one was dropped", own.RetryAfterMs(now_ms));
    Unreported(*room, c.Who.Id).Comments++;
    Address& addr = AddressOf(c.Addr);
    if (!addr.Comments.TryTake(now_ms))
        return refuse(ErrorCode::RateLimited, "your network address is over its comment budget; this one was dropped", addr.Comments.RetryAfterMs(now_ms));
    if (!c.Staff() && room->Words.Matches(m.Text))
        return refuse(ErrorCode::Blocked, "your comment holds a word this room does not allow");
    NoteStreamTime(*room, m.StreamTime, now_ms);
    Comment out;
    out.Id = "c-" + std::to_string(NextComment++);
    out.Author = c.Who;
    out.Text = m.Text;
    out.ServerTime = now_ms;
    out.StreamTime = m.StreamTime;
    out.Question = m.Question;
    if (slow_ms > 0 && !c.Staff())
    {
        room->LastCommentAt[c.Who.Id] = now_ms;
        if (room->LastCommentAt.size() > 2 * room->Members.size() + 64) // bounded: forget who may speak again anyway
            std::erase_if(room->LastCommentAt, [&](const auto& e) { return now_ms - e.second >= slow_ms; });
    }
    Counters.CommentsAccepted++;
    const bool guest = c.UserRole == Role::Viewer && c.Who.Id.rfind("g-", 0) == 0;
    if (room->Modes.Hold && guest)
    {
        Bus.Publish(c.Room, Held{std::move(out)});
        return refuse(ErrorCode::Held, "your comment awaits a moderator's review");
    }
    Bus.Publish(c.Room, std::move(out));
}

void RelayCore::HandleHearts(Connection& c, ConnId id, const HeartsTap& m, int64_t now_ms)
{
    int64_t own = 0;
    if (Room* room = FindRoom(c.Room))
    {
        ApplyUsage(*room, now_ms);
        own = BudgetOf(*room, c.Who.Id, true)->Hearts.TakeUpTo(now_ms, m.Count);
        Unreported(*room, c.Who.Id).Hearts += own;
    }
    const int64_t taken = own > 0 ? AddressOf(c.Addr).Hearts.TakeUpTo(now_ms, own) : 0;
    const int64_t excess = m.Count - taken;
    if (taken > 0)
    {
        Counters.HeartsAccepted += taken;
        if (Room* room = FindRoom(c.Room))
            NoteStreamTime(*room, m.StreamTime, now_ms);
        Bus.Publish(c.Room, HeartsEvent{c.Who.Color, taken, m.StreamTime});
    }
    if (excess > 0)
    {
        Counters.HeartsExcess += excess;
        if (now_ms - c.LastHeartErrorMs >= 1000)
        {
            c.LastHeartErrorMs = now_ms;
            SendError(id, ErrorCode::RateLimited, "at most 20 hearts per second; the excess was counted, not shown");
        }
    }
}

void RelayCore::HandleVote(Connection& c, ConnId id, const VoteRequest& m, int64_t now_ms)
{
    Room* room = FindRoom(c.Room);
    if (!room)
        return;
    if (room->Ended)
    {
        SendError(id, ErrorCode::Ended, "the broadcast has ended");
        return;
    }
    ApplyUsage(*room, now_ms);
    TokenBucket& own = BudgetOf(*room, c.Who.Id, true)->Votes;
    if (!own.TryTake(now_ms))
    {
        Counters.VotesDropped++;
        if (now_ms - c.LastVoteErrorMs >= 1000)
        {
            c.LastVoteErrorMs = now_ms;
            SendError(id, ErrorCode::RateLimited, "at most 5 votes per second (burst 10); the excess was dropped", own.RetryAfterMs(now_ms));
        }
        return;
    }
    Unreported(*room, c.Who.Id).Votes++;
    if (!room->Board.IsVotable(m.QuestionId))
    {
        SendError(id, ErrorCode::NotFound, "no open question " + m.QuestionId);
        return;
    }
    Counters.VotesAccepted++;
    NoteStreamTime(*room, m.StreamTime, now_ms);
    Bus.Publish(c.Room, VoteEvent{m.QuestionId, c.Who.Id, m.On, m.StreamTime});
}

void RelayCore::HandleModeration(Connection& c, ConnId id, const ClientMessage& m, int64_t now_ms)
{
    if (!RoleMay(c.UserRole, m))
    {
        const bool broadcaster_only = !RoleMay(Role::Moderator, m);
        SendError(id, ErrorCode::Forbidden, std::string(broadcaster_only ? "only the broadcaster may " : "only moderators and the broadcaster may ") +
                                                MessageTypeName(m));
        return;
    }
    Room* room_ptr = FindRoom(c.Room);
    if (!room_ptr)
        return;
    Room& room = *room_ptr;
    auto find_comment = [&room](const std::string& comment_id) -> const Comment* {
        for (const Comment& h : room.History)
            if (h.Id == comment_id)
                return &h;
        return nullptr;
    };
    if (const PinRequest* pin = std::get_if<PinRequest>(&m))
    {
        const Comment* target = find_comment(pin->CommentId);
        if (!target)
        {
            SendError(id, ErrorCode::NotFound, "no comment " + pin->CommentId + " in the recent history");
            return;
        }
        Bus.Publish(c.Room, Pinned{*target});
    }
    else if (std::holds_alternative<UnpinRequest>(m))
        Bus.Publish(c.Room, Unpinned{});
    else if (const DeleteRequest* del = std::get_if<DeleteRequest>(&m))
    {
        const bool held = std::any_of(room.HeldComments.begin(), room.HeldComments.end(), [&](const Comment& h) { return h.Id == del->CommentId; });
        if (!find_comment(del->CommentId) && !room.Board.Has(del->CommentId) && !held)
        {
            SendError(id, ErrorCode::NotFound, "no comment " + del->CommentId + " in the recent history");
            return;
        }
        Bus.Publish(c.Room, Deleted{del->CommentId});
    }
    else if (const MuteRequest* mute = std::get_if<MuteRequest>(&m))
        Bus.Publish(c.Room, Muted{mute->UserId, mute->DurationS});
    else if (const AnswerRequest* answer = std::get_if<AnswerRequest>(&m))
    {
        if (!room.Board.Has(answer->QuestionId))
            return SendError(id, ErrorCode::NotFound, "no question " + answer->QuestionId + " on the board");
        Bus.Publish(c.Room, BoardEvent{BoardEvent::Action::Answer, answer->QuestionId, now_ms});
    }
    else if (const AnsweredRequest* answered = std::get_if<AnsweredRequest>(&m))
    {
        if (!room.Board.Has(answered->QuestionId))
            return SendError(id, ErrorCode::NotFound, "no question " + answered->QuestionId + " on the board");
        Bus.Publish(c.Room, BoardEvent{BoardEvent::Action::Answered, answered->QuestionId, now_ms});
    }
    else if (const DismissRequest* dismiss = std::get_if<DismissRequest>(&m))
    {
        if (!room.Board.Has(dismiss->QuestionId))
            return SendError(id, ErrorCode::NotFound, "no question " + dismiss->QuestionId + " on the board");
        Bus.Publish(c.Room, BoardEvent{BoardEvent::Action::Dismiss, dismiss->QuestionId, now_ms});
    }
    else if (const ModesRequest* modes = std::get_if<ModesRequest>(&m))
        Bus.Publish(c.Room, *modes);
    else if (const ApproveRequest* approve = std::get_if<ApproveRequest>(&m))
    {
        const auto it = std::find_if(room.HeldComments.begin(), room.HeldComments.end(), [&](const Comment& h) { return h.Id == approve->CommentId; });
        if (it == room.HeldComments.end())
            return SendError(id, ErrorCode::NotFound, "no held comment " + approve->CommentId);
        Bus.Publish(c.Room, Comment(*it)); // released as a normal comment; every node drops it from its queue
    }
    else if (const RejectRequest* reject = std::get_if<RejectRequest>(&m))
    {
        const bool held = std::any_of(room.HeldComments.begin(), room.HeldComments.end(), [&](const Comment& h) { return h.Id == reject->CommentId; });
        if (!held)
            return SendError(id, ErrorCode::NotFound, "no held comment " + reject->CommentId);
        Bus.Publish(c.Room, *reject);
    }
    else if (std::holds_alternative<EndRequest>(m))
        Bus.Publish(c.Room, Ended{});
}

//-----------------------------------------------------------------------------
// [SECTION] Tick
//-----------------------------------------------------------------------------

void RelayCore::ApplyEvent(Room& room, RoomEvent& event, int64_t now_ms)
{
    const auto drop_held = [&room](const std::string& comment_id) {
        const auto it = std::find_if(room.HeldComments.begin(), room.HeldComments.end(), [&](const Comment& h) { return h.Id == comment_id; });
        if (it == room.HeldComments.end())
            return false;
        room.HeldComments.erase(it);
        return true;
    };
    if (Comment* comment = std::get_if<Comment>(&event))
    {
        drop_held(comment->Id); // an approved held comment
        NoteSlowComment(room, comment->Author.Id, comment->ServerTime); // slow mode holds over the nodes
        if (MuteLeft(room.MutedUsers, comment->Author.Id, now_ms) >= 0)
            return;
        if (comment->Question && room.Board.Ask(*comment))
            room.BoardDirty = true;
        if (LogOn)
        {
            LogRecord r;
            r.Room = room.Name;
            r.T = comment->StreamTime.value_or(EstimateStreamTime(room, comment->ServerTime)); // estimated as of its acceptance
            r.At = comment->ServerTime;
            r.Type = LogType::Comment;
            r.Ref = comment->Id;
            r.Author = comment->Author;
            r.Text = comment->Text;
            r.Question = comment->Question;
            r.Local = ApplyingHere;
            LogQueue.push_back(std::move(r));
        }
        room.History.push_back(*comment);
        while (room.History.size() > HistoryComments)
            room.History.pop_front();
        room.PendingComments.push_back(std::move(*comment));
    }
    else if (const VoteEvent* vote = std::get_if<VoteEvent>(&event))
    {
        if (room.Board.Vote(vote->QuestionId, vote->VoterId, vote->On) == VoteResult::Changed)
        {
            room.BoardDirty = true;
            Log(room, LogType::Vote, vote->StreamTime.value_or(EstimateStreamTime(room, now_ms)), now_ms, vote->QuestionId,
                room.Board.VotesFor(vote->QuestionId));
        }
    }
    else if (const BoardEvent* action = std::get_if<BoardEvent>(&event))
    {
        bool changed = false;
        const std::string was_answering = room.Board.AnsweringQuestion();
        const int64_t t = EstimateStreamTime(room, action->AtMs > 0 ? action->AtMs : now_ms);
        switch (action->What)
        {
        case BoardEvent::Action::Answer:
            changed = room.Board.Answer(action->QuestionId, action->AtMs);
            if (changed && !was_answering.empty() && was_answering != action->QuestionId)
                Log(room, LogType::Answered, t, now_ms, was_answering); // the one answering before is answered now
            if (changed)
                Log(room, LogType::Answering, t, now_ms, action->QuestionId);
            break;
        case BoardEvent::Action::Answered:
            changed = room.Board.MarkAnswered(action->QuestionId, action->AtMs);
            if (changed)
                Log(room, LogType::Answered, t, now_ms, action->QuestionId);
            break;
        case BoardEvent::Action::Dismiss:
            changed = room.Board.Dismiss(action->QuestionId);
            if (changed)
                Log(room, LogType::Dismissed, t, now_ms, action->QuestionId);
            break;
        }
        room.BoardDirty = room.BoardDirty || changed;
    }
    else if (const ModesRequest* modes = std::get_if<ModesRequest>(&event))
    {
        RoomModes next = room.Modes;
        if (modes->SlowS)
            next.SlowS = *modes->SlowS;
        if (modes->Hold)
            next.Hold = *modes->Hold;
        room.ModesSet = true;
        if (modes->BlockedWords)
        {
            room.Words.Set(*modes->BlockedWords);
            room.WordList = *modes->BlockedWords;
        }
        if (!(next == room.Modes))
        {
            room.Modes = next;
            room.ModesDirty = true;
        }
    }
    else if (Held* held = std::get_if<Held>(&event))
    {
        NoteSlowComment(room, held->Item.Author.Id, held->Item.ServerTime);
        room.HeldComments.push_back(held->Item);
        while (room.HeldComments.size() > Cfg.MaxHeldComments)
            room.HeldComments.pop_front();
        room.PendingStaff.push_back(std::move(*held));
    }
    else if (const RejectRequest* reject = std::get_if<RejectRequest>(&event))
    {
        if (drop_held(reject->CommentId))
            room.PendingStaff.push_back(Deleted{reject->CommentId}); // other moderators drop it from their queue
    }
    else if (std::holds_alternative<Ended>(event))
    {
        if (!room.Ended)
        {
            room.Ended = true;
            room.PendingModeration.push_back(Ended{});
            Log(room, LogType::Ended, EstimateStreamTime(room, now_ms), now_ms);
        }
    }
    else if (const HeartsEvent* hearts = std::get_if<HeartsEvent>(&event))
    {
        room.Hearts.Add(hearts->Color, hearts->Count);
        if (!ApplyingHere)
            room.RemoteTaps.Add(hearts->Color, hearts->Count);
        if (LogOn && room.TapStreamTimes.size() < MaxStreamSamples)
            room.TapStreamTimes.push_back(hearts->StreamTime.value_or(EstimateStreamTime(room, now_ms)));
    }
    else if (Pinned* pinned = std::get_if<Pinned>(&event))
    {
        room.PinnedComment = pinned->Item;
        Log(room, LogType::Pinned, EstimateStreamTime(room, now_ms), now_ms, pinned->Item.Id);
        room.PendingModeration.push_back(std::move(*pinned));
    }
    else if (std::holds_alternative<Unpinned>(event))
    {
        room.PinnedComment.reset();
        Log(room, LogType::Unpinned, EstimateStreamTime(room, now_ms), now_ms);
        room.PendingModeration.push_back(Unpinned{});
    }
    else if (Deleted* deleted = std::get_if<Deleted>(&event))
    {
        for (auto it = room.History.begin(); it != room.History.end(); ++it)
        {
            if (it->Id == deleted->CommentId)
            {
                room.History.erase(it);
                break;
            }
        }
        std::erase_if(room.PendingComments, [&](const Comment& p) { return p.Id == deleted->CommentId; });
        if (room.Board.Remove(deleted->CommentId))
            room.BoardDirty = true;
        drop_held(deleted->CommentId);
        // The log forgets every record of the comment (its question, votes, answer events, pin).
        Log(room, LogType::Deleted, EstimateStreamTime(room, now_ms), now_ms, deleted->CommentId);
        if (room.PinnedComment && room.PinnedComment->Id == deleted->CommentId)
        {
            room.PinnedComment.reset();
            Log(room, LogType::Unpinned, EstimateStreamTime(room, now_ms), now_ms);
            room.PendingModeration.push_back(Unpinned{});
        }
        room.PendingModeration.push_back(std::move(*deleted));
    }
    else if (Muted* muted = std::get_if<Muted>(&event))
    {
        const int64_t until = muted->DurationS ? now_ms + *muted->DurationS * 1000 : 0; // ms; 0: the rest of the broadcast
        room.MutedUsers[muted->UserId] = until;
        // A guest's mute also binds its address (every node resolves the guests it served).
        if (const auto git = room.GuestAddresses.find(muted->UserId); git != room.GuestAddresses.end())
            room.MutedAddresses[git->second] = until;
        std::erase_if(room.HeldComments, [&](const Comment& h) { return h.Author.Id == muted->UserId; });
        Log(room, LogType::Muted, EstimateStreamTime(room, now_ms), now_ms, muted->UserId, until);
        room.PendingModeration.push_back(std::move(*muted));
    }
    else if (const RoomStateAsk* ask = std::get_if<RoomStateAsk>(&event))
    {
        if (ask->Asker != SyncId)
            TellRoomState(room, ask->Asker, now_ms);
    }
    else if (const RoomStateTell* tell = std::get_if<RoomStateTell>(&event))
    {
        if (tell->Asker == SyncId)
            ApplyRoomState(room, *tell, now_ms);
    }
    else if (Presence* presence = std::get_if<Presence>(&event))
    {
        if (room.PendingPresence.size() < Cfg.MaxPresencePerTick && room.Members.size() <= Cfg.PresenceMaxMembers)
            room.PendingPresence.push_back(std::move(*presence));
    }
}

void RelayCore::FanOut(Room& room, const std::vector<ServerMessage>& messages, int64_t dropped)
{
    if (room.Members.empty() || (messages.empty() && room.PendingStaff.empty()))
        return;
    // One frame per group, shared by its members: v1 connections (v1 messages only), v2 viewers, and v2 staff
    // (moderators and the broadcaster: also the held comments).
    std::shared_ptr<const std::string> frames[3];
    const auto encode = [&](const std::vector<ServerMessage>& list, int version) -> std::shared_ptr<const std::string> {
        size_t visible = 0;
        for (const ServerMessage& m : list)
            visible += (version >= 2 || !IsV2Only(m)) ? 1 : 0;
        if (visible == 0 && dropped == 0)
            return nullptr;
        if (list.size() == 1 && dropped == 0)
            return std::make_shared<const std::string>(EncodeServerMessage(list[0], version));
        return std::make_shared<const std::string>(EncodeServerBatch(list, dropped, version));
    };
    bool built[3] = {false, false, false};
    for (const ConnId member : room.Members)
    {
        const auto cit = Conns.find(member);
        if (cit == Conns.end())
            continue;
        const Connection& c = cit->second;
        const int group = c.Version < 2 ? 0 : c.Staff() ? 2 : 1;
        if (!built[group])
        {
            built[group] = true;
            if (group == 2 && !room.PendingStaff.empty())
            {
                std::vector<ServerMessage> staff = messages;
                staff.insert(staff.end(), room.PendingStaff.begin(), room.PendingStaff.end());
                frames[group] = encode(staff, ProtocolVersion);
            }
            else
                frames[group] = encode(messages, group == 0 ? 1 : ProtocolVersion);
        }
        if (frames[group])
        {
            OutQueue.push_back(Outgoing{member, frames[group]});
            Counters.FramesOut++;
        }
    }
}

void RelayCore::Tick(int64_t now_ms, bool every_room)
{
    LastTickMs = now_ms;
    NextDueMs = NeverMs;
    for (auto it = Rooms.begin(); it != Rooms.end();)
    {
        Room& room = *it->second;
        ApplyUsage(room, now_ms);
        ReportUsage(room); // before this tick's frames: a client that saw its echo knows the report is on its way
        std::vector<RoomEvent> events = Bus.Drain(room.Name);
        for (size_t i = 0; i < events.size(); i++)
        {
            ApplyingHere = Bus.DrainedHere(i); // the shared room log writes this node's own events only
            ApplyEvent(room, events[i], now_ms);
        }
        ApplyingHere = true;
        if (Cfg.AdaptiveTick && !every_room)
        {
            // The adaptive tick (tick_policy.h): a room not due yet keeps its output for a later Tick.
            const PendingOutput pending = PendingOf(room, now_ms);
            // Lazy output waits from its input's arrival (NoteInput), events from other nodes from now, counts not at all.
            if (pending == PendingOutput::None || room.LazySinceMs == 0)
                room.LazySinceMs = pending == PendingOutput::None ? 0 : events.empty() ? now_ms - Cfg.Adaptive.LazyHoldMs : now_ms;
            const int64_t due = FlushAtMs(Cfg.Adaptive, room.Members.size(), room.LastFlushMs, pending, room.LazySinceMs);
            if (due != NeverMs && due > now_ms)
            {
                NextDueMs = std::min(NextDueMs, due);
                ++it;
                continue;
            }
        }

        std::vector<ServerMessage> messages;
        int64_t dropped = 0;
        for (ServerMessage& m : room.PendingModeration)
            messages.push_back(std::move(m));
        if (room.PendingComments.size() > Cfg.MaxCommentBacklog)
        {
            // A sustained flood of comments: drop the oldest (they stay in the history for late joiners).
            dropped = static_cast<int64_t>(room.PendingComments.size() - Cfg.MaxCommentBacklog);
            room.PendingComments.erase(room.PendingComments.begin(), room.PendingComments.begin() + dropped);
        }
        const size_t per_flush = Cfg.AdaptiveTick ? CommentsPerFlush(Cfg.MaxCommentsPerTick, Cfg.TickMs, now_ms - room.LastFlushMs) : Cfg.MaxCommentsPerTick;
        const size_t send_now = std::min(room.PendingComments.size(), per_flush);
        for (size_t i = 0; i < send_now; i++)
            messages.push_back(std::move(room.PendingComments[i]));
        // The rest wait for the next tick, so a short stall does not lose comments.
        room.PendingComments.erase(room.PendingComments.begin(), room.PendingComments.begin() + static_cast<std::ptrdiff_t>(send_now));
        if (room.BoardDirty)
        {
            // One board per room per tick however many votes arrived: the fan-out cost does not grow with voters.
            room.BoardDirty = false;
            Counters.Boards++;
            messages.push_back(Board{room.Board.Snapshot()});
        }
        if (room.ModesDirty)
        {
            room.ModesDirty = false;
            messages.push_back(ModesChanged{room.Modes});
        }
        for (Presence& p : room.PendingPresence)
            messages.push_back(std::move(p));
        std::optional<HeartsWindow> remote_taps = room.RemoteTaps.Flush(now_ms);
        if (auto window = room.Hearts.Flush(now_ms))
        {
            if (LogOn)
            {
                // One record per tick that had taps, at the median stream time of its taps.
                LogRecord r;
                r.Room = room.Name;
                r.T = EstimateStreamTime(room, now_ms);
                if (!room.TapStreamTimes.empty())
                {
                    auto mid = room.TapStreamTimes.begin() + static_cast<std::ptrdiff_t>(room.TapStreamTimes.size() / 2);
                    std::nth_element(room.TapStreamTimes.begin(), mid, room.TapStreamTimes.end());
                    r.T = *mid;
                }
                r.At = now_ms;
                r.Type = LogType::Hearts;
                r.Hearts = window->Counts;
                if (remote_taps)
                {
                    // Scale-out: this node's own taps and other nodes' taps go in two records (a shared log keeps
                    // only the first; each node writes its own).
                    LogRecord remote = r;
                    remote.Hearts = remote_taps->Counts;
                    remote.Local = false;
                    for (HeartCount& h : r.Hearts)
                        for (const HeartCount& o : remote.Hearts)
                            if (o.Color == h.Color)
                                h.Count -= o.Count;
                    std::erase_if(r.Hearts, [](const HeartCount& h) { return h.Count <= 0; });
                    if (!r.Hearts.empty())
                        LogQueue.push_back(std::move(r));
                    LogQueue.push_back(std::move(remote));
                }
                else
                    LogQueue.push_back(std::move(r));
            }
            messages.push_back(std::move(*window));
        }
        room.TapStreamTimes.clear();
        const Viewers counts = Bus.Counts(room.Name);
        if (!(counts == room.LastSentCounts) && now_ms - room.LastCountsMs >= Cfg.ViewersEveryMs)
        {
            room.LastSentCounts = counts;
            room.LastCountsMs = now_ms;
            Log(room, LogType::Viewers, EstimateStreamTime(room, now_ms), now_ms, {}, counts.Live, counts.Total);
            messages.push_back(counts);
        }
        room.PendingModeration.clear();
        room.PendingPresence.clear();
        Counters.CommentsDropped += dropped;

        if (!messages.empty() || !room.PendingStaff.empty())
            room.LastFlushMs = now_ms;
        FanOut(room, messages, dropped);
        room.PendingStaff.clear();
        room.LazySinceMs = 0;
        if (Cfg.AdaptiveTick) // comments beyond this flush's share
            NextDueMs = std::min(NextDueMs, FlushAtMs(Cfg.Adaptive, room.Members.size(), room.LastFlushMs, PendingOf(room, now_ms), now_ms));

        // An empty room with nothing to keep goes now; one with history or a pin waits EmptyRoomKeepMs for its
        // audience to come back.
        const bool keeps = !room.History.empty() || room.PinnedComment.has_value();
        const bool expired = room.Members.empty() && room.EmptySinceMs > 0 && (!keeps || now_ms - room.EmptySinceMs > Cfg.EmptyRoomKeepMs);
        ++it;
        if (expired)
            DropRoom(room.Name);
    }
    if (now_ms - LastSweepMs >= 10000)
    {
        LastSweepMs = now_ms;
        SweepAddresses(now_ms);
        for (auto& [name, room] : Rooms)
            SweepBudgets(*room, now_ms);
    }
}

int64_t RelayCore::NextTickMs() const
{
    const int64_t periodic = LastTickMs + Cfg.TickMs; // counts from other nodes, empty rooms, address budgets
    return Cfg.AdaptiveTick ? std::min(periodic, NextDueMs) : periodic;
}

PendingOutput RelayCore::PendingOf(const Room& room, int64_t now_ms) const
{
    if (!room.PendingModeration.empty() || !room.PendingComments.empty() || room.BoardDirty || room.ModesDirty || !room.PendingStaff.empty())
        return PendingOutput::Urgent;
    const bool counts_due = now_ms - room.LastCountsMs >= Cfg.ViewersEveryMs && !(Bus.Counts(room.Name) == room.LastSentCounts);
    if (room.Hearts.Pending() > 0 || !room.PendingPresence.empty() || counts_due)
        return PendingOutput::Lazy;
    return PendingOutput::None;
}

//-----------------------------------------------------------------------------
// [SECTION] Limits across nodes
//-----------------------------------------------------------------------------
// A user's budgets live per room on every node that hears of the user. Each node charges what it accepts at once
// and tells the other nodes once per tick (UsageReport on the bus); they charge it to the same budgets, into debt
// if need be. The bound this gives is in docs/relay.md "Limits across nodes".

RelayCore::UserBudget* RelayCore::BudgetOf(Room& room, const std::string& user_id, bool create)
{
    auto it = room.Budgets.find(user_id);
    if (it != room.Budgets.end())
        return &it->second;
    if (!create)
        return nullptr;
    return &room.Budgets
                .emplace(user_id, UserBudget{TokenBucket(Cfg.CommentRate, Cfg.CommentBurst), TokenBucket(Cfg.HeartRate, Cfg.HeartBurst),
                                             TokenBucket(Cfg.VoteRate, Cfg.VoteBurst)})
                .first->second;
}

UsageReport::Entry& RelayCore::Unreported(Room& room, const std::string& user_id)
{
    UsageReport::Entry& e = room.Unreported[user_id];
    e.UserId = user_id;
    return e;
}

void RelayCore::ApplyUsage(Room& room, int64_t now_ms)
{
    const auto charge = [now_ms](TokenBucket& bucket, int64_t n) {
        if (n > 0)
            bucket.Charge(now_ms, static_cast<double>(n), bucket.Capacity() + bucket.RatePerS() * MaxDebtS);
    };
    for (const UsageReport& report : Bus.DrainUsage(room.Name))
        for (const UsageReport::Entry& e : report.Users)
        {
            // Bounded: a budget for a user this node never saw only while the room holds fewer than MaxBudgetsPerRoom.
            UserBudget* budget = BudgetOf(room, e.UserId, room.Budgets.size() < MaxBudgetsPerRoom);
            if (!budget)
                continue;
            charge(budget->Comments, e.Comments);
            charge(budget->Hearts, e.Hearts);
            charge(budget->Votes, e.Votes);
        }
}

void RelayCore::ReportUsage(Room& room)
{
    if (room.Unreported.empty())
        return;
    UsageReport report;
    for (auto& [user, entry] : room.Unreported)
    {
        if (entry.Comments + entry.Hearts + entry.Votes == 0)
            continue;
        report.Users.push_back(std::move(entry));
        if (report.Users.size() == MaxReportUsers)
        {
            Bus.ShareUsage(room.Name, std::move(report));
            report = UsageReport{};
        }
    }
    if (!report.Users.empty())
        Bus.ShareUsage(room.Name, std::move(report));
    room.Unreported.clear();
}

void RelayCore::SweepBudgets(Room& room, int64_t now_ms)
{
    // A budget full again is the same as none: forgetting it lets no one send more.
    for (auto it = room.Budgets.begin(); it != room.Budgets.end();)
    {
        UserBudget& b = it->second;
        const bool full = b.Comments.Full(now_ms) && b.Hearts.Full(now_ms) && b.Votes.Full(now_ms);
        it = full ? room.Budgets.erase(it) : std::next(it);
    }
}

void RelayCore::TellRoomState(Room& room, uint64_t asker, int64_t now_ms)
{
    // Only what differs from a new room: most rooms have no modes and no mutes, and then no answer goes out.
    RoomStateTell tell;
    tell.Asker = asker;
    tell.Modes = room.Modes;
    tell.BlockedWords = room.WordList;
    for (const auto& [user, until] : room.MutedUsers)
        if ((until == 0 || until > now_ms) && tell.Mutes.size() < MaxStateMutes)
            tell.Mutes.emplace_back(user, until);
    if (tell.Modes == RoomModes{} && tell.BlockedWords.empty() && tell.Mutes.empty())
        return;
    Bus.Publish(room.Name, std::move(tell));
}

void RelayCore::ApplyRoomState(Room& room, const RoomStateTell& tell, int64_t now_ms)
{
    for (const auto& [user, until] : tell.Mutes)
        if (until == 0 || until > now_ms)
        {
            room.MutedUsers.try_emplace(user, until); // a mute this node knows already stays as it is
            if (const auto git = room.GuestAddresses.find(user); git != room.GuestAddresses.end())
                room.MutedAddresses.try_emplace(git->second, until);
        }
    if (room.ModesSet)
        return; // a modes change applied here since the ask is newer
    if (!(tell.Modes == room.Modes))
    {
        room.Modes = tell.Modes;
        room.ModesDirty = true; // this node's members joined with the default modes: they get the room's
    }
    if (!tell.BlockedWords.empty() && room.WordList.empty())
    {
        room.Words.Set(tell.BlockedWords);
        room.WordList = tell.BlockedWords;
    }
}

void RelayCore::NoteSlowComment(Room& room, const std::string& user_id, int64_t at_ms)
{
    // Every node records every author's last comment (its own and those from other nodes), so one comment per slow
    // period holds over the nodes. Bounded as in HandleComment.
    const int64_t slow_ms = room.Modes.SlowS * 1000; // ms
    if (slow_ms <= 0)
        return;
    int64_t& last = room.LastCommentAt[user_id];
    last = std::max(last, at_ms);
    if (room.LastCommentAt.size() > 2 * room.Members.size() + 64)
        std::erase_if(room.LastCommentAt, [&](const auto& e) { return at_ms - e.second >= slow_ms; });
}

//-----------------------------------------------------------------------------
// [SECTION] Room log
//-----------------------------------------------------------------------------

void RelayCore::EnableLog(std::function<RoomRestore(const std::string& room)> restore)
{
    LogOn = true;
    LogRestore = std::move(restore);
}

bool RelayCore::LogHasUrgent() const
{
    return std::any_of(LogQueue.begin(), LogQueue.end(), [](const LogRecord& r) { return r.Type != LogType::Hearts && r.Type != LogType::Viewers; });
}

std::vector<LogRecord> RelayCore::TakeLogRecords()
{
    std::vector<LogRecord> out;
    Counters.LogRecords += static_cast<int64_t>(LogQueue.size());
    out.swap(LogQueue);
    return out;
}

void RelayCore::NoteStreamTime(Room& room, std::optional<int64_t> stream_time, int64_t now_ms)
{
    if (!LogOn || !stream_time)
        return;
    room.StreamOffsets.push_back(now_ms - *stream_time);
    while (room.StreamOffsets.size() > MaxStreamSamples)
        room.StreamOffsets.pop_front();
}

int64_t RelayCore::EstimateStreamTime(const Room& room, int64_t now_ms) const
{
    // Server time minus the room's recent median (server time - stream time); server time when none is known.
    if (room.StreamOffsets.empty())
        return now_ms;
    std::vector<int64_t> offsets(room.StreamOffsets.begin(), room.StreamOffsets.end());
    auto mid = offsets.begin() + static_cast<std::ptrdiff_t>(offsets.size() / 2);
    std::nth_element(offsets.begin(), mid, offsets.end());
    return now_ms - *mid;
}

void RelayCore::Log(const Room& room, LogType type, int64_t t, int64_t now_ms, std::string ref, int64_t num, int64_t num2)
{
    if (!LogOn)
        return;
    LogRecord r;
    r.Room = room.Name;
    r.T = t;
    r.At = now_ms;
    r.Type = type;
    r.Ref = std::move(ref);
    r.Num = num;
    r.Num2 = num2;
    r.Local = ApplyingHere;
    LogQueue.push_back(std::move(r));
}

void RelayCore::RestoreRoom(Room& room, int64_t now_ms)
{
    RoomRestore restored = LogRestore(room.Name);
    // A room quiet for longer than an empty room is kept starts afresh, as it would have without a restart (the
    // next broadcast in the same room does not inherit the last one's history, board or end).
    if (restored.LastAt > 0 && now_ms - restored.LastAt > Cfg.EmptyRoomKeepMs)
        return;
    room.History.assign(restored.History.begin(), restored.History.end());
    room.PinnedComment = std::move(restored.Pinned);
    room.Ended = restored.Ended;
    for (const LogRecord& m : restored.Mutes)
        if (m.Num == 0 || m.Num > now_ms)
            room.MutedUsers[m.Ref] = m.Num;
    for (const LogRecord& r : restored.Board)
    {
        switch (r.Type)
        {
        case LogType::Comment: room.Board.Ask(CommentOfRecord(r)); break;
        case LogType::Vote: room.Board.RestoreVotes(r.Ref, r.Num); break;
        case LogType::Answering: room.Board.Answer(r.Ref, r.At); break;
        case LogType::Answered: room.Board.MarkAnswered(r.Ref, r.At); break;
        case LogType::Dismissed: room.Board.Dismiss(r.Ref); break;
        default: break;
        }
    }
}

} // namespace livescope
