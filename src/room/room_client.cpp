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
constexpr std::size_t kMaxSentTexts = 32; // comments remembered by nonce until refused or forgotten

RoomRole ToRoomRole(Role role)
{
    switch (role)
    {
    case Role::Broadcaster: return RoomRole::Broadcaster;
    case Role::Moderator: return RoomRole::Moderator;
    default: return RoomRole::Viewer;
    }
}

RoomQuestion ToRoomQuestion(const Question& q, RoomQuestionState state, const RoomClient& c)
{
    RoomQuestion r;
    r.Id = q.Id;
    r.UserId = q.Author.Id;
    r.Author = q.Author.Name;
    r.AuthorRgb = RoomParseColor(q.Author.Color, 0xFFFFFF);
    r.Text = q.Text;
    r.Votes = q.Votes;
    r.VotedByMe = c.MyVotes.count(q.Id) > 0;
    r.AskedAtMs = q.AskedAt;
    r.AnsweredAtMs = q.AnsweredAt.value_or(0);
    r.State = state;
    return r;
}

// The board's order: votes descending, then older first (then by id, so equal questions keep one order).
void SortOpen(std::vector<RoomQuestion>& open)
{
    std::stable_sort(open.begin(), open.end(), [](const RoomQuestion& a, const RoomQuestion& b) {
        if (a.Votes != b.Votes) return a.Votes > b.Votes;
        if (a.AskedAtMs != b.AskedAtMs) return a.AskedAtMs < b.AskedAtMs;
        return a.Id < b.Id;
    });
}

void PushBoardUpdate(RoomClient& c)
{
    RoomUpdate u;
    u.Kind = RoomUpdateKind::Board;
    c.Updates.push_back(std::move(u));
}

void SetBoard(RoomClient& c, const BoardState& b)
{
    RoomBoard board;
    for (const Question& q : b.Open) board.Open.push_back(ToRoomQuestion(q, RoomQuestionState::Open, c));
    if (b.Answering) board.Answering = ToRoomQuestion(*b.Answering, RoomQuestionState::Answering, c);
    for (const Question& q : b.Answered) board.Answered.push_back(ToRoomQuestion(q, RoomQuestionState::Answered, c));
    c.Board = std::move(board);
    PushBoardUpdate(c);
}

// A question of the board by id (open, answering or answered), or null.
RoomQuestion* FindQuestion(RoomClient& c, std::string_view id)
{
    for (RoomQuestion& q : c.Board.Open)
        if (q.Id == id) return &q;
    if (c.Board.Answering && c.Board.Answering->Id == id) return &*c.Board.Answering;
    for (RoomQuestion& q : c.Board.Answered)
        if (q.Id == id) return &q;
    return nullptr;
}

std::string RememberSent(RoomClient& c, std::string_view text)
{
    std::string nonce = "n" + std::to_string(c.NextNonce++);
    c.SentTexts[nonce] = std::string(text);
    c.SentOrder.push_back(nonce);
    while (c.SentOrder.size() > kMaxSentTexts)
    {
        c.SentTexts.erase(c.SentOrder.front());
        c.SentOrder.erase(c.SentOrder.begin());
    }
    return nonce;
}

void QueueComment(RoomClient& c, std::string_view text, bool question, std::optional<std::int64_t> stream_time)
{
    CommentPost post;
    post.Text = std::string(text);
    post.Question = question;
    post.StreamTime = stream_time;
    post.Nonce = RememberSent(c, text);
    c.Outgoing.push_back(EncodeClientMessage(post));
}

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
    u.Question = m.Question;
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
    for (std::size_t i = 0; i < c.PendingComments.size(); i++)
        QueueComment(c, c.PendingComments[i], i < c.PendingQuestions.size() && c.PendingQuestions[i],
                     i < c.PendingStreamTimes.size() ? c.PendingStreamTimes[i] : std::nullopt);
    c.PendingComments.clear();
    c.PendingQuestions.clear();
    c.PendingStreamTimes.clear();
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
            c.Role = ToRoomRole(m.YourRole);
            u.Role = c.Role;
            u.Broadcaster = c.Role == RoomRole::Broadcaster;
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
            if (m.Board)
            {
                c.MyVotes.clear();
                c.MyVotes.insert(m.YourVotes.begin(), m.YourVotes.end());
                SetBoard(c, *m.Board);
            }
            if (m.Modes)
            {
                c.SlowS = m.Modes->SlowS;
                c.Hold = m.Modes->Hold;
                RoomUpdate md;
                md.Kind = RoomUpdateKind::Modes;
                md.SlowS = c.SlowS;
                md.Hold = c.Hold;
                md.BlockedWords = m.BlockedWords;
                c.Updates.push_back(std::move(md));
            }
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
            // A deleted question leaves the board at once (the relay's next board says the same).
            const auto before = c.Board.Open.size() + c.Board.Answered.size() + (c.Board.Answering ? 1u : 0u);
            std::erase_if(c.Board.Open, [&](const RoomQuestion& q) { return q.Id == m.CommentId; });
            std::erase_if(c.Board.Answered, [&](const RoomQuestion& q) { return q.Id == m.CommentId; });
            if (c.Board.Answering && c.Board.Answering->Id == m.CommentId) c.Board.Answering.reset();
            if (before != c.Board.Open.size() + c.Board.Answered.size() + (c.Board.Answering ? 1u : 0u)) PushBoardUpdate(c);
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
            u.RetryAfterMs = m.RetryAfterMs.value_or(0);
            if (m.Nonce)
            {
                // It answers one of your comments: a refusal (its text goes back to the box) or "awaiting review".
                if (const auto it = c.SentTexts.find(*m.Nonce); it != c.SentTexts.end())
                {
                    u.Original = it->second;
                    c.SentTexts.erase(it);
                    std::erase(c.SentOrder, *m.Nonce);
                    u.Kind = m.Code == ErrorCode::Held ? RoomUpdateKind::Notice : RoomUpdateKind::Refused;
                }
            }
            c.Updates.push_back(std::move(u));
        }
        else if constexpr (std::is_same_v<T, Board>)
        {
            SetBoard(c, m.State);
        }
        else if constexpr (std::is_same_v<T, ModesChanged>)
        {
            c.SlowS = m.Modes.SlowS;
            c.Hold = m.Modes.Hold;
            RoomUpdate u;
            u.Kind = RoomUpdateKind::Modes;
            u.SlowS = c.SlowS;
            u.Hold = c.Hold;
            c.Updates.push_back(std::move(u));
        }
        else if constexpr (std::is_same_v<T, Held>)
        {
            c.Updates.push_back(CommentUpdate(RoomUpdateKind::Held, m.Item));
        }
        else if constexpr (std::is_same_v<T, Ended>)
        {
            c.Ended = true;
            RoomUpdate u;
            u.Kind = RoomUpdateKind::Ended;
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

void RoomClientSetStreamTime(RoomClient& c, std::optional<std::int64_t> stream_time_ms)
{
    // A PDT before the epoch or past 2^53 ms is no stream time (the relay would refuse the whole message).
    if (stream_time_ms && (*stream_time_ms < 0 || *stream_time_ms > (std::int64_t{1} << 53))) stream_time_ms.reset();
    c.StreamTimeMs = stream_time_ms;
}

void RoomClientSendHearts(RoomClient& c, int taps)
{
    if (c.State != RoomConnState::Joined) return;
    while (taps > 0)
    {
        HeartsTap tap;
        tap.Count = std::min(taps, MaxHeartsPerTap);
        tap.StreamTime = c.StreamTimeMs;
        const int n = static_cast<int>(tap.Count);
        Queue(c, tap);
        taps -= n;
    }
}

void RoomClientSendComment(RoomClient& c, std::string_view text, bool question)
{
    if (text.empty()) return;
    if (c.State == RoomConnState::Joined)
    {
        QueueComment(c, text, question, c.StreamTimeMs);
        return;
    }
    c.PendingComments.emplace_back(text);
    c.PendingQuestions.resize(c.PendingComments.size() - 1, false);
    c.PendingQuestions.push_back(question);
    c.PendingStreamTimes.resize(c.PendingComments.size() - 1);
    c.PendingStreamTimes.push_back(c.StreamTimeMs);
    if (c.PendingComments.size() > kMaxPendingComments)
    {
        c.PendingComments.erase(c.PendingComments.begin());
        c.PendingQuestions.erase(c.PendingQuestions.begin());
        c.PendingStreamTimes.erase(c.PendingStreamTimes.begin());
    }
}

void RoomClientVote(RoomClient& c, std::string_view question_id, bool on)
{
    if (c.State != RoomConnState::Joined || question_id.empty()) return;
    const bool had = c.MyVotes.count(std::string(question_id)) > 0;
    if (had == on) return; // a repeat: nothing changes, nothing is sent
    if (on)
        c.MyVotes.insert(std::string(question_id));
    else
        c.MyVotes.erase(std::string(question_id));
    if (RoomQuestion* q = FindQuestion(c, question_id))
    {
        q->Votes = std::max<std::int64_t>(0, q->Votes + (on ? 1 : -1));
        q->VotedByMe = on;
        SortOpen(c.Board.Open);
        PushBoardUpdate(c);
    }
    VoteRequest v;
    v.QuestionId = std::string(question_id);
    v.On = on;
    v.StreamTime = c.StreamTimeMs;
    Queue(c, v);
}

void RoomClientModerate(RoomClient& c, const RoomModeration& m)
{
    if (c.State != RoomConnState::Joined) return;
    switch (m.Action)
    {
    case RoomAction::Pin: Queue(c, PinRequest{m.Id}); break;
    case RoomAction::Unpin: Queue(c, UnpinRequest{}); break;
    case RoomAction::Delete: Queue(c, DeleteRequest{m.Id}); break;
    case RoomAction::Mute:
    {
        MuteRequest r;
        r.UserId = m.Id;
        if (m.DurationS > 0) r.DurationS = std::min<std::int64_t>(m.DurationS, MaxMuteDurationS);
        Queue(c, r);
        break;
    }
    case RoomAction::Answer: Queue(c, AnswerRequest{m.Id}); break;
    case RoomAction::Answered: Queue(c, AnsweredRequest{m.Id}); break;
    case RoomAction::Dismiss: Queue(c, DismissRequest{m.Id}); break;
    case RoomAction::Approve: Queue(c, ApproveRequest{m.Id}); break;
    case RoomAction::Reject: Queue(c, RejectRequest{m.Id}); break;
    case RoomAction::Modes:
    {
        ModesRequest r;
        if (m.SlowS >= 0) r.SlowS = std::min<std::int64_t>(m.SlowS, MaxSlowModeS);
        if (m.Hold >= 0) r.Hold = m.Hold != 0;
        if (m.SetWords) r.BlockedWords = m.BlockedWords;
        Queue(c, r);
        break;
    }
    case RoomAction::End: Queue(c, EndRequest{}); break;
    }
}

bool RoomLooksLikeQuestion(std::string_view text)
{
    // Trailing white space (ASCII, and the ideographic space U+3000) does not count.
    while (!text.empty())
    {
        const unsigned char last = static_cast<unsigned char>(text.back());
        if (last == ' ' || last == '\t' || last == '\n' || last == '\r')
            text.remove_suffix(1);
        else if (text.size() >= 3 && text.substr(text.size() - 3) == "\xE3\x80\x80")
            text.remove_suffix(3);
        else
            break;
    }
    if (text.empty()) return false;
    if (text.back() == '?') return true;
    return text.size() >= 3 && text.substr(text.size() - 3) == "\xEF\xBC\x9F"; // U+FF1F FULLWIDTH QUESTION MARK
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
