// RelayCore implementation: joins and identity, per-connection limits, moderation, and the per-room batching tick.
// [SECTION] Identity
// [SECTION] Connections
// [SECTION] Input
// [SECTION] Tick
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

RelayCore::RelayCore(RelayConfig config, RoomBus& bus) : Cfg(std::move(config)), Bus(bus), Rng(Cfg.Seed) {}

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
    Conns.emplace(id, Connection{std::move(key), std::string(), User{}, Role::Viewer, TokenBucket(Cfg.CommentRate, Cfg.CommentBurst),
                                 TokenBucket(Cfg.HeartRate, Cfg.HeartBurst), TokenBucket(Cfg.FrameRate, Cfg.FrameBurst), 0, false});
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

bool RelayCore::IsMuted(const Room& room, const Connection& c) const
{
    if (room.MutedUsers.count(c.Who.Id))
        return true;
    // A guest is muted by address: reconnecting without its client_id (a new guest id) does not shed the mute.
    return c.Who.Id.rfind("g-", 0) == 0 && room.MutedAddresses.count(c.Addr) > 0;
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

void RelayCore::SendError(ConnId id, ErrorCode code, std::string message)
{
    Counters.Errors++;
    SendTo(id, EncodeServerMessage(ErrorMessage{code, std::move(message)}));
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
    if (std::holds_alternative<Ping>(m))
    {
        SendTo(id, EncodeServerMessage(Pong{}));
        return;
    }
    if (std::holds_alternative<Pong>(m))
        return;
    if (const Join* join = std::get_if<Join>(&m))
    {
        HandleJoin(id, c, *join, now_ms);
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
    else
        HandleModeration(c, id, m);
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
        slot = std::make_unique<Room>(now_ms);
        slot->Name = m.Room;
        slot->CreatorAddr = c.Addr;
        addr.Rooms++;
        Counters.Rooms = static_cast<int64_t>(Rooms.size());
        room = slot.get();
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
    SendTo(id, EncodeServerMessage(w));
    Bus.Publish(m.Room, Presence{PresenceEvent::Joined, c.Who});
}

void RelayCore::HandleComment(Connection& c, ConnId id, const CommentPost& m, int64_t now_ms)
{
    Room* room = FindRoom(c.Room);
    if (!room)
        return; // cannot happen: a member's room is held while it has members
    if (IsMuted(*room, c))
    {
        SendError(id, ErrorCode::Muted, "you were muted by the broadcaster");
        return;
    }
    if (!c.Comments.TryTake(now_ms))
    {
        SendError(id, ErrorCode::RateLimited, "at most 1 comment per second (burst 3); this one was dropped");
        return;
    }
    if (!AddressOf(c.Addr).Comments.TryTake(now_ms))
    {
        SendError(id, ErrorCode::RateLimited, "your network address is over its comment budget; this one was dropped");
        return;
    }
    Comment out;
    out.Id = "c-" + std::to_string(NextComment++);
    out.Author = c.Who;
    out.Text = m.Text;
    out.ServerTime = now_ms;
    out.StreamTime = m.StreamTime;
    Counters.CommentsAccepted++;
    Bus.Publish(c.Room, std::move(out));
}

void RelayCore::HandleHearts(Connection& c, ConnId id, const HeartsTap& m, int64_t now_ms)
{
    const int64_t own = c.Hearts.TakeUpTo(now_ms, m.Count);
    const int64_t taken = own > 0 ? AddressOf(c.Addr).Hearts.TakeUpTo(now_ms, own) : 0;
    const int64_t excess = m.Count - taken;
    if (taken > 0)
    {
        Counters.HeartsAccepted += taken;
        Bus.Publish(c.Room, HeartsEvent{c.Who.Color, taken});
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

void RelayCore::HandleModeration(Connection& c, ConnId id, const ClientMessage& m)
{
    if (c.UserRole != Role::Broadcaster)
    {
        SendError(id, ErrorCode::Forbidden, std::string("only the broadcaster may ") + MessageTypeName(m));
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
        if (!find_comment(del->CommentId))
        {
            SendError(id, ErrorCode::NotFound, "no comment " + del->CommentId + " in the recent history");
            return;
        }
        Bus.Publish(c.Room, Deleted{del->CommentId});
    }
    else if (const MuteRequest* mute = std::get_if<MuteRequest>(&m))
        Bus.Publish(c.Room, Muted{mute->UserId});
}

//-----------------------------------------------------------------------------
// [SECTION] Tick
//-----------------------------------------------------------------------------

void RelayCore::ApplyEvent(Room& room, RoomEvent& event)
{
    if (Comment* comment = std::get_if<Comment>(&event))
    {
        if (room.MutedUsers.count(comment->Author.Id))
            return;
        room.History.push_back(*comment);
        while (room.History.size() > HistoryComments)
            room.History.pop_front();
        room.PendingComments.push_back(std::move(*comment));
    }
    else if (const HeartsEvent* hearts = std::get_if<HeartsEvent>(&event))
        room.Hearts.Add(hearts->Color, hearts->Count);
    else if (Pinned* pinned = std::get_if<Pinned>(&event))
    {
        room.PinnedComment = pinned->Item;
        room.PendingModeration.push_back(std::move(*pinned));
    }
    else if (std::holds_alternative<Unpinned>(event))
    {
        room.PinnedComment.reset();
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
        if (room.PinnedComment && room.PinnedComment->Id == deleted->CommentId)
        {
            room.PinnedComment.reset();
            room.PendingModeration.push_back(Unpinned{});
        }
        room.PendingModeration.push_back(std::move(*deleted));
    }
    else if (Muted* muted = std::get_if<Muted>(&event))
    {
        room.MutedUsers.insert(muted->UserId);
        // A guest's mute also binds its address (every node resolves the guests it served).
        if (const auto git = room.GuestAddresses.find(muted->UserId); git != room.GuestAddresses.end())
            room.MutedAddresses.insert(git->second);
        room.PendingModeration.push_back(std::move(*muted));
    }
    else if (Presence* presence = std::get_if<Presence>(&event))
    {
        if (room.PendingPresence.size() < Cfg.MaxPresencePerTick && room.Members.size() <= Cfg.PresenceMaxMembers)
            room.PendingPresence.push_back(std::move(*presence));
    }
}

void RelayCore::Tick(int64_t now_ms)
{
    for (auto it = Rooms.begin(); it != Rooms.end();)
    {
        Room& room = *it->second;
        std::vector<RoomEvent> events = Bus.Drain(room.Name);
        for (RoomEvent& e : events)
            ApplyEvent(room, e);

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
        const size_t send_now = std::min(room.PendingComments.size(), Cfg.MaxCommentsPerTick);
        for (size_t i = 0; i < send_now; i++)
            messages.push_back(std::move(room.PendingComments[i]));
        // The rest wait for the next tick, so a short stall does not lose comments.
        room.PendingComments.erase(room.PendingComments.begin(), room.PendingComments.begin() + static_cast<std::ptrdiff_t>(send_now));
        for (Presence& p : room.PendingPresence)
            messages.push_back(std::move(p));
        if (auto window = room.Hearts.Flush(now_ms))
            messages.push_back(std::move(*window));
        const Viewers counts = Bus.Counts(room.Name);
        if (!(counts == room.LastSentCounts) && now_ms - room.LastCountsMs >= Cfg.ViewersEveryMs)
        {
            room.LastSentCounts = counts;
            room.LastCountsMs = now_ms;
            messages.push_back(counts);
        }
        room.PendingModeration.clear();
        room.PendingPresence.clear();
        Counters.CommentsDropped += dropped;

        if (!messages.empty() && !room.Members.empty())
        {
            auto frame = std::make_shared<const std::string>(messages.size() == 1 && dropped == 0
                                                                 ? EncodeServerMessage(messages[0])
                                                                 : EncodeServerBatch(messages, dropped));
            for (const ConnId member : room.Members)
                OutQueue.push_back(Outgoing{member, frame});
            Counters.FramesOut += static_cast<int64_t>(room.Members.size());
        }

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
    }
}

} // namespace livescope
