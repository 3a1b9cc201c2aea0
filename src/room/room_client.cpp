// Room client (see room_client.h): protocol messages <-> neutral updates and outgoing frames.
// The only page file that includes the protocol headers (the overlay's types live elsewhere).
#include <livescope/room/room_client.h>

#include <livescope/protocol/messages.h>

#include <algorithm>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace livescope {

namespace {

constexpr std::size_t kMaxPendingComments = 3;

void Queue(RoomClient& c, const ClientMessage& m) { c.Outgoing.push_back(EncodeClientMessage(m)); }

RoomUpdate CommentUpdate(RoomUpdateKind kind, const Comment& m)
{
    RoomUpdate u;
    u.Kind = kind;
    u.Id = m.Id;
    u.UserId = m.Author.Id;
    u.Author = m.Author.Name;
    u.AuthorRgb = RoomParseColor(m.Author.Color, 0xFFFFFF);
    u.Text = m.Text;
    return u;
}

// The dedupe key: the server id plus the server time, because ids are unique per relay process only,
// and a restarted relay hands out the same ids again for new comments.
std::string DedupeKey(const Comment& m) { return m.Id + "@" + std::to_string(m.ServerTime); }

void PushComment(RoomClient& c, const Comment& m)
{
    if (DedupeInsert(c.Seen, DedupeKey(m))) c.Updates.push_back(CommentUpdate(RoomUpdateKind::Comment, m));
}

void FlushPending(RoomClient& c)
{
    for (std::string& text : c.PendingComments) Queue(c, CommentPost{std::move(text), std::nullopt});
    c.PendingComments.clear();
}

void Apply(RoomClient& c, const ServerMessage& message)
{
    std::visit([&c](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, Welcome>)
        {
            c.State = RoomConnState::Joined;
            c.Joins++;
            BackoffReset(c.Backoff);
            c.YourId = m.You.Id;
            RoomUpdate u;
            u.Kind = RoomUpdateKind::Welcome;
            u.UserId = m.You.Id;
            u.Author = m.You.Name;
            u.AuthorRgb = RoomParseColor(m.You.Color, 0xFF3B5C);
            u.Live = m.Counts.Live;
            u.Total = m.Counts.Total;
            u.Broadcaster = m.YourRole == Role::Broadcaster;
            if (m.Pinned)
            {
                u.HasPinned = true;
                u.PinnedAuthor = m.Pinned->Author.Name;
                u.PinnedRgb = RoomParseColor(m.Pinned->Author.Color, 0xFFFFFF);
                u.PinnedText = m.Pinned->Text;
            }
            c.Updates.push_back(std::move(u));
            RoomUpdate v;
            v.Kind = RoomUpdateKind::Viewers;
            v.Live = m.Counts.Live;
            v.Total = m.Counts.Total;
            c.Updates.push_back(std::move(v));
            for (const Comment& h : m.Comments) PushComment(c, h); // history: only what was not shown yet
            FlushPending(c);
        }
        else if constexpr (std::is_same_v<T, Comment>)
        {
            PushComment(c, m);
        }
        else if constexpr (std::is_same_v<T, HeartsWindow>)
        {
            RoomUpdate u;
            u.Kind = RoomUpdateKind::Hearts;
            u.WindowMs = m.WindowMs > 0 ? static_cast<double>(m.WindowMs) : 200.0;
            for (const HeartCount& h : m.Counts)
            {
                if (h.Count <= 0) continue;
                const auto n = static_cast<std::uint32_t>(std::min<std::int64_t>(h.Count, 100000));
                u.Hearts.push_back(RoomHeart{RoomParseColor(h.Color, 0xFF3B5C), n});
            }
            if (!u.Hearts.empty()) c.Updates.push_back(std::move(u));
        }
        else if constexpr (std::is_same_v<T, Viewers>)
        {
            RoomUpdate u;
            u.Kind = RoomUpdateKind::Viewers;
            u.Live = m.Live;
            u.Total = m.Total;
            c.Updates.push_back(std::move(u));
        }
        else if constexpr (std::is_same_v<T, Pinned>)
        {
            c.Updates.push_back(CommentUpdate(RoomUpdateKind::Pinned, m.Item));
        }
        else if constexpr (std::is_same_v<T, Unpinned>)
        {
            RoomUpdate u;
            u.Kind = RoomUpdateKind::Unpinned;
            c.Updates.push_back(std::move(u));
        }
        else if constexpr (std::is_same_v<T, Deleted>)
        {
            RoomUpdate u;
            u.Kind = RoomUpdateKind::Deleted;
            u.Id = m.CommentId;
            c.Updates.push_back(std::move(u));
        }
        else if constexpr (std::is_same_v<T, Muted>)
        {
            RoomUpdate u;
            u.Kind = RoomUpdateKind::Muted;
            u.UserId = m.UserId;
            c.Updates.push_back(std::move(u));
        }
        else if constexpr (std::is_same_v<T, Presence>)
        {
            if (m.Event != PresenceEvent::Joined || m.Who.Id == c.YourId) return;
            RoomUpdate u;
            u.Kind = RoomUpdateKind::Presence;
            u.UserId = m.Who.Id;
            u.Author = m.Who.Name;
            u.AuthorRgb = RoomParseColor(m.Who.Color, 0xFFFFFF);
            c.Updates.push_back(std::move(u));
        }
        else if constexpr (std::is_same_v<T, ErrorMessage>)
        {
            RoomUpdate u;
            u.Kind = RoomUpdateKind::Error;
            u.Code = ErrorCodeName(m.Code);
            u.Text = m.Message;
            c.Updates.push_back(std::move(u));
        }
        else if constexpr (std::is_same_v<T, Ping>)
        {
            Queue(c, Pong{});
        }
        else if constexpr (std::is_same_v<T, Pong>)
        {
            // keep-alive answer: nothing to do
        }
    },
               message);
}

} // namespace

void RoomClientInit(RoomClient& c, const RoomClientConfig& config)
{
    c = RoomClient{};
    c.Config = config;
    BackoffInit(c.Backoff, config.Seed);
}

bool RoomClientWantsConnect(RoomClient& c, double now)
{
    if (c.State != RoomConnState::Waiting || now < c.NextConnectAt || c.Config.Room.empty()) return false;
    c.State = RoomConnState::Connecting;
    return true;
}

void RoomClientOnOpen(RoomClient& c)
{
    c.State = RoomConnState::Open;
    c.Outgoing.clear();
    Join join;
    join.Room = c.Config.Room;
    if (!c.Config.Token.empty()) join.Token = c.Config.Token;
    if (!c.Config.ClientId.empty()) join.ClientId = c.Config.ClientId;
    Queue(c, join);
}

void RoomClientOnClose(RoomClient& c, double now)
{
    if (c.State == RoomConnState::Waiting) return; // already scheduled
    c.State = RoomConnState::Waiting;
    c.Outgoing.clear();
    c.NextConnectAt = now + BackoffNextDelay(c.Backoff);
}

void RoomClientOnFrame(RoomClient& c, std::string_view text)
{
    if (c.State != RoomConnState::Open && c.State != RoomConnState::Joined) return;
    Decoded<std::vector<ServerMessage>> d = DecodeServerFrame(text);
    if (!d.Ok())
    {
        c.BadFrames++;
        return;
    }
    for (const ServerMessage& m : d.Value)
    {
        // Before `welcome` only a welcome, an error or a keep-alive means anything.
        if (c.State != RoomConnState::Joined && !std::holds_alternative<Welcome>(m) &&
            !std::holds_alternative<ErrorMessage>(m) && !std::holds_alternative<Ping>(m)) continue;
        Apply(c, m);
    }
}

void RoomClientSendHearts(RoomClient& c, int taps)
{
    if (c.State != RoomConnState::Joined) return;
    while (taps > 0)
    {
        const int n = std::min(taps, MaxHeartsPerTap);
        Queue(c, HeartsTap{n});
        taps -= n;
    }
}

void RoomClientSendComment(RoomClient& c, std::string_view text)
{
    if (text.empty()) return;
    if (c.State == RoomConnState::Joined)
    {
        Queue(c, CommentPost{std::string(text), std::nullopt});
        return;
    }
    c.PendingComments.emplace_back(text);
    if (c.PendingComments.size() > kMaxPendingComments) c.PendingComments.erase(c.PendingComments.begin());
}

std::vector<std::string> RoomClientTakeOutgoing(RoomClient& c) { return std::exchange(c.Outgoing, {}); }
std::vector<RoomUpdate> RoomClientTakeUpdates(RoomClient& c) { return std::exchange(c.Updates, {}); }

std::uint32_t RoomParseColor(std::string_view color, std::uint32_t fallback)
{
    if (color.size() != 7 || color[0] != '#') return fallback;
    std::uint32_t v = 0;
    for (std::size_t i = 1; i < 7; i++)
    {
        const char ch = color[i];
        std::uint32_t d = 0;
        if (ch >= '0' && ch <= '9')
            d = static_cast<std::uint32_t>(ch - '0');
        else if (ch >= 'a' && ch <= 'f')
            d = static_cast<std::uint32_t>(ch - 'a' + 10);
        else if (ch >= 'A' && ch <= 'F')
            d = static_cast<std::uint32_t>(ch - 'A' + 10);
        else
            return fallback;
        v = (v << 4) | d;
    }
    return v;
}

} // namespace livescope
