// Room replay, pure: reads the relay log's pages and plays the room back in step with the recording
// (see room_replay.h). No browser or OS calls.
//
// [SECTION] Reading a page
// [SECTION] The board at a time
// [SECTION] Chunks and fetching
// [SECTION] Playing: due events and rebuilds
// [SECTION] Heat strip
#include <livescope/room/room_replay.h>

#include <livescope/base/utf8.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace livescope {

namespace {

//-----------------------------------------------------------------------------
// [SECTION] Reading a page
//-----------------------------------------------------------------------------

constexpr std::size_t kMaxTextBytes = 2048;  // a comment's text (the relay caps at 280 code points)
constexpr std::size_t kMaxNameBytes = 256;   // author names and ids
constexpr std::size_t kMaxHeartColours = 16; // colours per hearts event
constexpr std::int64_t kMaxHeartCount = 100000;
constexpr std::size_t kMaxBoardOpen = 50;     // as the relay's `board` (protocol MaxBoardOpen)
constexpr std::size_t kMaxBoardAnswered = 20; // as the relay's `board` (protocol MaxBoardAnswered)
constexpr std::int64_t kOnScreenMs = 10000;   // a comment stays on screen about this long (overlay: 8 s, then a 1 s fade)

using Json = nlohmann::json;

// An integer field (integral, or a finite float within int64), or nothing.
std::optional<std::int64_t> Int(const Json& o, const char* key)
{
    const auto it = o.find(key);
    if (it == o.end()) return std::nullopt;
    if (it->is_number_integer()) return it->get<std::int64_t>();
    if (it->is_number_unsigned())
    {
        const auto u = it->get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
        return static_cast<std::int64_t>(u);
    }
    if (it->is_number_float())
    {
        const double d = it->get<double>();
        if (!std::isfinite(d) || std::fabs(d) > 9.0e18) return std::nullopt;
        return static_cast<std::int64_t>(d);
    }
    return std::nullopt;
}

// A string field, sanitised and cut (on a code point) at `max` bytes; nothing when absent or not a string.
std::optional<std::string> Str(const Json& o, const char* key, std::size_t max)
{
    const auto it = o.find(key);
    if (it == o.end() || !it->is_string()) return std::nullopt;
    std::string s = Utf8Sanitize(it->get_ref<const std::string&>());
    if (s.size() > max)
    {
        std::size_t cut = max;
        while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) cut--;
        s.resize(cut);
    }
    return s;
}

bool Bool(const Json& o, const char* key)
{
    const auto it = o.find(key);
    return it != o.end() && it->is_boolean() && it->get<bool>();
}

bool KindOf(std::string_view type, ReplayEventKind& kind)
{
    static const std::pair<std::string_view, ReplayEventKind> kKinds[] = {
        {"comment", ReplayEventKind::Comment},     {"hearts", ReplayEventKind::Hearts},       {"vote", ReplayEventKind::Vote},
        {"answering", ReplayEventKind::Answering}, {"answered", ReplayEventKind::Answered},   {"dismissed", ReplayEventKind::Dismissed},
        {"viewers", ReplayEventKind::Viewers},     {"pinned", ReplayEventKind::Pinned},       {"unpinned", ReplayEventKind::Unpinned},
        {"muted", ReplayEventKind::Muted},         {"ended", ReplayEventKind::Ended},         {"deleted", ReplayEventKind::Deleted}};
    for (const auto& [name, k] : kKinds)
        if (type == name)
        {
            kind = k;
            return true;
        }
    return false;
}

// One event object, or nothing when it is unknown or malformed.
std::optional<ReplayEvent> ReadEvent(const Json& o)
{
    if (!o.is_object()) return std::nullopt;
    const auto t = Int(o, "t");
    const auto type = Str(o, "type", 32);
    if (!t || !type || *t < 0) return std::nullopt;
    ReplayEvent e;
    if (!KindOf(*type, e.Kind)) return std::nullopt;
    e.T = *t;
    e.Seq = Int(o, "seq").value_or(0);
    const auto id = [&]() -> bool {
        auto v = Str(o, "id", kMaxNameBytes);
        if (!v || v->empty()) return false;
        e.Id = std::move(*v);
        return true;
    };
    switch (e.Kind)
    {
        case ReplayEventKind::Comment: {
            if (!id()) return std::nullopt;
            auto text = Str(o, "text", kMaxTextBytes);
            if (!text) return std::nullopt;
            e.Text = std::move(*text);
            e.Question = Bool(o, "question");
            const auto a = o.find("author");
            if (a != o.end() && a->is_object())
            {
                e.UserId = Str(*a, "id", kMaxNameBytes).value_or("");
                e.Author = Str(*a, "name", kMaxNameBytes).value_or("");
                e.Rgb = RoomParseColor(Str(*a, "color", 16).value_or(""), 0xFFFFFF);
            }
            break;
        }
        case ReplayEventKind::Hearts: {
            const auto c = o.find("counts");
            if (c == o.end() || !c->is_array()) return std::nullopt;
            for (const Json& h : *c)
            {
                if (!h.is_object() || e.Hearts.size() >= kMaxHeartColours) continue;
                const auto n = Int(h, "count");
                if (!n || *n <= 0) continue;
                RoomHeart rh;
                rh.Rgb = RoomParseColor(Str(h, "color", 16).value_or(""), 0xFF3B5C);
                rh.Count = static_cast<std::uint32_t>(std::min(*n, kMaxHeartCount));
                e.Hearts.push_back(rh);
            }
            if (e.Hearts.empty()) return std::nullopt;
            break;
        }
        case ReplayEventKind::Vote: {
            if (!id()) return std::nullopt;
            const auto v = Int(o, "votes");
            if (!v) return std::nullopt;
            e.Votes = std::max<std::int64_t>(0, *v);
            break;
        }
        case ReplayEventKind::Answering:
        case ReplayEventKind::Answered:
        case ReplayEventKind::Dismissed:
        case ReplayEventKind::Pinned:
        case ReplayEventKind::Deleted:
            if (!id()) return std::nullopt;
            break;
        case ReplayEventKind::Viewers: {
            const auto live = Int(o, "live");
            const auto total = Int(o, "total");
            if (!live || !total) return std::nullopt;
            e.Live = std::max<std::int64_t>(0, *live);
            e.Total = std::max<std::int64_t>(0, *total);
            break;
        }
        case ReplayEventKind::Muted: {
            auto u = Str(o, "user", kMaxNameBytes);
            if (!u || u->empty()) return std::nullopt;
            e.UserId = std::move(*u);
            break;
        }
        case ReplayEventKind::Unpinned:
        case ReplayEventKind::Ended: break;
    }
    return e;
}

//-----------------------------------------------------------------------------
// [SECTION] The board at a time
//-----------------------------------------------------------------------------

// Events kept whatever the playhead (the board, the pin, the count and mutes are state, rebuilt from the start).
bool Sticky(const ReplayEvent& e)
{
    return (e.Kind != ReplayEventKind::Comment || e.Question) && e.Kind != ReplayEventKind::Hearts;
}

RoomQuestion QuestionOf(const ReplayEvent& e)
{
    RoomQuestion q;
    q.Id = e.Id;
    q.UserId = e.UserId;
    q.Author = e.Author;
    q.AuthorRgb = e.Rgb;
    q.Text = e.Text;
    q.AskedAtMs = e.T;
    return q;
}

// The whole board as questions by state (the RoomBoard is built from it, sorted as the relay sorts).
struct BoardBuilder
{
    std::map<std::string, RoomQuestion> Questions; // by id
    std::vector<std::string> AnsweredOrder;        // oldest first
    std::string AnsweringId;

    void SetAnswered(RoomQuestion& q, std::int64_t t)
    {
        if (q.State == RoomQuestionState::Answering && AnsweringId == q.Id) AnsweringId.clear();
        q.State = RoomQuestionState::Answered;
        q.AnsweredAtMs = t;
        std::erase(AnsweredOrder, q.Id);
        AnsweredOrder.push_back(q.Id);
    }

    // Applies one event; returns true when the board changed.
    bool Apply(const ReplayEvent& e, std::size_t max_questions)
    {
        switch (e.Kind)
        {
            case ReplayEventKind::Comment:
                if (!e.Question || Questions.count(e.Id) || Questions.size() >= max_questions) return false;
                Questions.emplace(e.Id, QuestionOf(e));
                return true;
            case ReplayEventKind::Vote: {
                const auto it = Questions.find(e.Id);
                if (it == Questions.end()) return false;
                it->second.Votes = e.Votes;
                return true;
            }
            case ReplayEventKind::Answering: {
                const auto it = Questions.find(e.Id);
                if (it == Questions.end() || it->second.State == RoomQuestionState::Answering) return false;
                if (!AnsweringId.empty())
                    if (const auto prev = Questions.find(AnsweringId); prev != Questions.end()) SetAnswered(prev->second, e.T);
                std::erase(AnsweredOrder, e.Id);
                it->second.State = RoomQuestionState::Answering;
                it->second.AnsweredAtMs = 0;
                AnsweringId = e.Id;
                return true;
            }
            case ReplayEventKind::Answered: {
                const auto it = Questions.find(e.Id);
                if (it == Questions.end() || it->second.State == RoomQuestionState::Answered) return false;
                SetAnswered(it->second, e.T);
                return true;
            }
            case ReplayEventKind::Dismissed: {
                const auto it = Questions.find(e.Id);
                if (it == Questions.end()) return false;
                if (AnsweringId == e.Id) AnsweringId.clear();
                std::erase(AnsweredOrder, e.Id);
                Questions.erase(it);
                return true;
            }
            default: return false;
        }
    }

    RoomBoard Board() const
    {
        RoomBoard b;
        for (const auto& [id, q] : Questions)
            if (q.State == RoomQuestionState::Open) b.Open.push_back(q);
        std::stable_sort(b.Open.begin(), b.Open.end(), [](const RoomQuestion& x, const RoomQuestion& y) {
            if (x.Votes != y.Votes) return x.Votes > y.Votes;
            if (x.AskedAtMs != y.AskedAtMs) return x.AskedAtMs < y.AskedAtMs;
            return x.Id < y.Id;
        });
        if (b.Open.size() > kMaxBoardOpen) b.Open.resize(kMaxBoardOpen);
        if (!AnsweringId.empty())
            if (const auto it = Questions.find(AnsweringId); it != Questions.end()) b.Answering = it->second;
        for (auto it = AnsweredOrder.rbegin(); it != AnsweredOrder.rend() && b.Answered.size() < kMaxBoardAnswered; ++it)
            if (const auto q = Questions.find(*it); q != Questions.end()) b.Answered.push_back(q->second);
        return b;
    }
};

// The board as it stood at t (every kept board event up to t, in order).
RoomBoard BoardAt(const RoomReplay& r, std::int64_t t)
{
    BoardBuilder b;
    for (const auto& [key, e] : r.Events)
    {
        if (e.T > t) break;
        b.Apply(e, r.Config.MaxQuestions);
    }
    return b.Board();
}

//-----------------------------------------------------------------------------
// [SECTION] Chunks and fetching
//-----------------------------------------------------------------------------

int ChunkAt(const RoomReplay& r, std::int64_t t)
{
    if (r.Chunks.empty()) return -1;
    if (t < r.Start) return 0;
    const auto k = static_cast<std::size_t>((t - r.Start) / r.Config.ChunkMs);
    return static_cast<int>(std::min(k, r.Chunks.size() - 1));
}

std::size_t BucketOf(const RoomReplay& r, std::int64_t t)
{
    const std::size_t n = r.Heat.size();
    if (n == 0 || t <= r.Start) return 0;
    const double span = static_cast<double>(std::max<std::int64_t>(1, r.End - r.Start));
    const auto b = static_cast<std::size_t>(static_cast<double>(t - r.Start) / span * static_cast<double>(n));
    return std::min(b, n - 1);
}

// The stream-time window whose comments and hearts are kept: behind the playhead, and ahead as far as prefetched.
std::pair<std::int64_t, std::int64_t> KeepWindow(const RoomReplay& r)
{
    const std::int64_t t = r.HasT ? r.T : r.Start;
    return {t - r.Config.KeepBehindMs, t + r.Config.AheadMs + r.Config.ChunkMs};
}

bool InWindow(const std::pair<std::int64_t, std::int64_t>& w, std::int64_t from, std::int64_t to) { return to > w.first && from < w.second; }

// Drops comments and hearts outside the keep window (and chunks that held them go back to Missing), then the
// oldest bulky events while over MaxEvents.
void Evict(RoomReplay& r)
{
    const auto w = KeepWindow(r);
    for (auto& c : r.Chunks)
        if (c.State == ReplayChunkState::Loaded && !InWindow(w, c.From, c.To)) c.State = ReplayChunkState::Missing;
    for (auto it = r.Events.begin(); it != r.Events.end();)
    {
        const bool far = it->second.T < w.first || it->second.T >= w.second;
        if (far && !Sticky(it->second))
        {
            it = r.Events.erase(it);
            r.Dropped++;
        }
        else
            ++it;
    }
    for (auto it = r.Events.begin(); r.Events.size() > r.Config.MaxEvents && it != r.Events.end();)
    {
        if (!Sticky(it->second) || it->second.Kind == ReplayEventKind::Viewers)
        {
            const int k = ChunkAt(r, it->second.T);
            if (k >= 0) r.Chunks[static_cast<std::size_t>(k)].State = ReplayChunkState::Missing;
            it = r.Events.erase(it);
            r.Dropped++;
        }
        else
            ++it;
    }
}

void Fail(RoomReplay& r, double now)
{
    r.Failures++;
    if (r.InFlight >= 0)
    {
        ReplayChunk& c = r.Chunks[static_cast<std::size_t>(r.InFlight)];
        c.State = ReplayChunkState::Missing; // asked again from its first page
        c.After.clear();
        c.PendingHeat.clear();
        c.PendingAnswers.clear();
    }
    r.InFlight = -1;
    r.NextFetchAt = now + BackoffNextDelay(r.Backoff);
}

void PushUpdate(RoomReplay& r, RoomUpdate u, std::int64_t t, bool history)
{
    RoomReplayUpdate out;
    out.Update = std::move(u);
    out.T = t;
    out.History = history;
    r.Updates.push_back(std::move(out));
}

//-----------------------------------------------------------------------------
// [SECTION] Playing: due events and rebuilds
//-----------------------------------------------------------------------------

RoomUpdate CommentUpdateOf(const ReplayEvent& e)
{
    RoomUpdate u;
    u.Kind = RoomUpdateKind::Comment;
    u.Id = e.Id;
    u.UserId = e.UserId;
    u.Author = e.Author;
    u.AuthorRgb = e.Rgb;
    u.Text = e.Text;
    u.Question = e.Question;
    return u;
}

// A pinned event's card: the comment it names, when known (kept or on the board).
bool PinnedCard(const RoomReplay& r, const ReplayEvent& e, RoomUpdate& u)
{
    for (const auto& [key, c] : r.Events)
    {
        if (c.T > e.T) break;
        if (c.Kind == ReplayEventKind::Comment && c.Id == e.Id)
        {
            u.Kind = RoomUpdateKind::Pinned;
            u.Id = c.Id;
            u.Author = c.Author;
            u.AuthorRgb = c.Rgb;
            u.Text = c.Text;
            return true;
        }
    }
    return false;
}

// One event that came due while playing.
void Play(RoomReplay& r, const ReplayEvent& e)
{
    RoomUpdate u;
    switch (e.Kind)
    {
        case ReplayEventKind::Comment: PushUpdate(r, CommentUpdateOf(e), e.T, false); break;
        case ReplayEventKind::Hearts:
            u.Kind = RoomUpdateKind::Hearts;
            u.Hearts = e.Hearts;
            u.WindowMs = 200.0;
            PushUpdate(r, std::move(u), e.T, false);
            break;
        case ReplayEventKind::Viewers:
            u.Kind = RoomUpdateKind::Viewers;
            u.Live = e.Live;
            u.Total = e.Total;
            PushUpdate(r, std::move(u), e.T, false);
            break;
        case ReplayEventKind::Pinned:
            if (PinnedCard(r, e, u)) PushUpdate(r, std::move(u), e.T, false);
            break;
        case ReplayEventKind::Unpinned:
            u.Kind = RoomUpdateKind::Unpinned;
            PushUpdate(r, std::move(u), e.T, false);
            break;
        case ReplayEventKind::Muted:
            u.Kind = RoomUpdateKind::Muted;
            u.UserId = e.UserId;
            PushUpdate(r, std::move(u), e.T, false);
            break;
        default: break; // board events: the caller rebuilds the board once per batch
    }
}

bool IsBoardEvent(const ReplayEvent& e)
{
    return (e.Kind == ReplayEventKind::Comment && e.Question) || e.Kind == ReplayEventKind::Vote || e.Kind == ReplayEventKind::Answering ||
           e.Kind == ReplayEventKind::Answered || e.Kind == ReplayEventKind::Dismissed;
}

void PushBoard(RoomReplay& r, std::int64_t t, bool history)
{
    r.Board = BoardAt(r, t);
    RoomUpdate u;
    u.Kind = RoomUpdateKind::Board;
    PushUpdate(r, std::move(u), t, history);
}

// The state at r.T, from scratch: a Reset, the pin, the count, the last few comments (none by a user muted
// since), the board. Nothing from later.
using EventKey = std::pair<std::int64_t, std::int64_t>;

// `fire`: keys (sorted) of comments that arrived a little late and were never shown: shown as live, not as history.
void Rebuild(RoomReplay& r, const std::vector<EventKey>* fire = nullptr)
{
    r.NeedRebuild = false;
    const std::int64_t t = r.T;
    RoomReplayUpdate reset;
    reset.Reset = true;
    reset.History = true;
    reset.T = t;
    r.Updates.push_back(std::move(reset));
    const ReplayEvent* viewers = nullptr;
    const ReplayEvent* pin = nullptr;
    bool unpinned = false;
    std::vector<const ReplayEvent*> comments; // newest last
    std::unordered_map<std::string, std::int64_t> muted_at; // user -> last mute up to t
    for (const auto& [key, e] : r.Events)
    {
        if (e.T > t) break;
        switch (e.Kind)
        {
            case ReplayEventKind::Viewers: viewers = &e; break;
            case ReplayEventKind::Pinned:
                pin = &e;
                unpinned = false;
                break;
            case ReplayEventKind::Unpinned: unpinned = true; break;
            case ReplayEventKind::Muted: muted_at[e.UserId] = e.T; break;
            case ReplayEventKind::Comment:
                if (e.T > t - r.Config.RecentMs) comments.push_back(&e);
                break;
            default: break;
        }
    }
    RoomUpdate u;
    if (viewers != nullptr)
    {
        u.Kind = RoomUpdateKind::Viewers;
        u.Live = viewers->Live;
        u.Total = viewers->Total;
        PushUpdate(r, u, viewers->T, true);
    }
    RoomUpdate p;
    if (pin != nullptr && !unpinned && PinnedCard(r, *pin, p))
        PushUpdate(r, std::move(p), pin->T, true);
    else
    {
        RoomUpdate none;
        none.Kind = RoomUpdateKind::Unpinned;
        PushUpdate(r, std::move(none), t, true);
    }
    std::erase_if(comments, [&](const ReplayEvent* c) {
        const auto it = muted_at.find(c->UserId);
        return !c->UserId.empty() && it != muted_at.end() && it->second >= c->T;
    });
    const std::size_t n = std::min(comments.size(), r.Config.RebuildComments);
    for (std::size_t k = comments.size() - n; k < comments.size(); k++)
    {
        const bool live = fire != nullptr && std::binary_search(fire->begin(), fire->end(), EventKey{comments[k]->T, comments[k]->Seq});
        PushUpdate(r, CommentUpdateOf(*comments[k]), comments[k]->T, !live);
    }
    PushBoard(r, t, true);
}

// A deleted comment: gone from what is kept, and refused if it comes again.
void Forget(RoomReplay& r, const std::string& id)
{
    if (r.DeletedIds.size() < 100000) r.DeletedIds.insert(id);
    bool was_shown = false;
    for (auto it = r.Events.begin(); it != r.Events.end();)
    {
        if (it->second.Kind == ReplayEventKind::Comment && it->second.Id == id)
        {
            was_shown = was_shown || (r.HasT && it->second.T <= r.T);
            it = r.Events.erase(it);
        }
        else
            ++it;
    }
    if (was_shown)
    {
        RoomUpdate u;
        u.Kind = RoomUpdateKind::Deleted;
        u.Id = id;
        PushUpdate(r, std::move(u), r.T, false);
        r.NeedRebuild = true; // the board may have held it
    }
}

// Events that arrived a little after their time: shown now, in order; or the rebuild they asked for.
void PlayLate(RoomReplay& r, std::vector<EventKey>& late)
{
    std::sort(late.begin(), late.end());
    if (r.NeedRebuild && r.HasT)
    { // the late comments among the rebuilt state are shown as live; late hearts still burst
        Rebuild(r, &late);
        for (const auto& key : late)
            if (const auto it = r.Events.find(key); it != r.Events.end() && it->second.Kind == ReplayEventKind::Hearts) Play(r, it->second);
        return;
    }
    bool board = false;
    for (const auto& key : late)
        if (const auto it = r.Events.find(key); it != r.Events.end())
        {
            Play(r, it->second);
            board = board || IsBoardEvent(it->second);
        }
    if (board) PushBoard(r, r.T, false);
}

} // namespace

//-----------------------------------------------------------------------------
// Public API
//-----------------------------------------------------------------------------

ReplayPageResult ReplayParsePage(std::string_view json)
{
    ReplayPageResult out;
    if (json.size() > kReplayMaxPageBytes)
    {
        out.Error = "page too large";
        return out;
    }
    const Json j = Json::parse(json.begin(), json.end(), nullptr, false);
    if (j.is_discarded())
    {
        out.Error = "not JSON";
        return out;
    }
    if (!j.is_object())
    {
        out.Error = "not an object";
        return out;
    }
    const auto ev = j.find("events");
    if (ev == j.end() || !ev->is_array())
    {
        out.Error = "no events array";
        return out;
    }
    const auto next = j.find("next");
    if (next != j.end() && !next->is_null())
    {
        if (next->is_string())
            out.Page.Next = Utf8Sanitize(next->get_ref<const std::string&>()).substr(0, kMaxNameBytes);
        else if (const auto n = Int(j, "next"); n && (next->is_number_integer() || next->is_number_unsigned()))
            out.Page.Next = std::to_string(*n);
        else
        {
            out.Error = "bad next cursor";
            return out;
        }
    }
    for (const Json& e : *ev)
    {
        if (out.Page.Events.size() >= kReplayMaxPageEvents)
        {
            out.Page.Skipped++;
            continue;
        }
        if (auto r = ReadEvent(e))
            out.Page.Events.push_back(std::move(*r));
        else
            out.Page.Skipped++;
    }
    out.Ok = true;
    return out;
}

void RoomReplayInit(RoomReplay& r, const RoomReplayConfig& config, std::uint64_t seed)
{
    r = RoomReplay{};
    r.Config = config;
    r.Config.ChunkMs = std::max<std::int64_t>(1000, r.Config.ChunkMs);
    r.Config.HeatBuckets = std::clamp<std::size_t>(r.Config.HeatBuckets, 1, 1000);
    BackoffInit(r.Backoff, seed);
    r.Backoff.BaseDelay = 1.0;
    r.Backoff.MaxDelay = 30.0;
}

void RoomReplaySetSpan(RoomReplay& r, std::int64_t start_ms, std::int64_t end_ms)
{
    if (end_ms < start_ms) std::swap(start_ms, end_ms);
    end_ms = std::max(end_ms, start_ms + 1);
    if (r.HasSpan && r.Start == start_ms && r.End == end_ms) return;
    // A span that only grew by a little (the player's duration settling) keeps what is loaded when chunks align.
    const RoomReplayConfig config = r.Config;
    ReconnectBackoff backoff = r.Backoff;
    RoomReplayInit(r, config);
    r.Backoff = backoff;
    r.HasSpan = true;
    r.Start = start_ms;
    r.End = end_ms;
    const std::int64_t span = end_ms - start_ms;
    constexpr std::int64_t kMaxChunks = 100000;
    const std::int64_t chunk = std::max(r.Config.ChunkMs, (span + kMaxChunks - 1) / kMaxChunks);
    r.Config.ChunkMs = chunk;
    for (std::int64_t from = start_ms; from < end_ms; from += chunk)
    {
        ReplayChunk c;
        c.From = from;
        c.To = std::min(end_ms, from + chunk);
        r.Chunks.push_back(std::move(c));
    }
    // The last chunk reaches one second past the end: comments sent while the last frames were on screen.
    r.Chunks.back().To = end_ms + 1000;
    const auto buckets = static_cast<std::size_t>(std::clamp<std::int64_t>(span / 1000, 1, static_cast<std::int64_t>(r.Config.HeatBuckets)));
    r.Heat.assign(buckets, 0.0);
    r.MarksDirty = true;
}

std::optional<ReplayFetch> RoomReplayNextFetch(RoomReplay& r, double now)
{
    if (!r.HasSpan || r.InFlight >= 0 || now < r.NextFetchAt || r.Chunks.empty()) return std::nullopt;
    if (r.Continue >= 0)
    { // the next page of the chunk being read
        r.InFlight = std::exchange(r.Continue, -1);
        const ReplayChunk& c = r.Chunks[static_cast<std::size_t>(r.InFlight)];
        return ReplayFetch{c.From, c.To, c.After};
    }
    const std::int64_t t = r.HasT ? std::clamp(r.T, r.Start, r.End) : r.Start;
    int pick = -1;
    const int here = ChunkAt(r, t);
    const int behind = ChunkAt(r, t - kOnScreenMs); // comments still on screen at the playhead may lie there
    const int ahead = ChunkAt(r, t + r.Config.AheadMs);
    const auto missing = [&r](int k) { return r.Chunks[static_cast<std::size_t>(k)].State == ReplayChunkState::Missing; };
    if (missing(here)) pick = here;
    else if (missing(behind)) pick = behind;
    for (int k = here + 1; k <= ahead && pick < 0; k++)
        if (missing(k)) pick = k;
    for (std::size_t k = 0; k < r.Chunks.size() && pick < 0; k++)
        if (!r.Chunks[k].Summarised && r.Chunks[k].State == ReplayChunkState::Missing) pick = static_cast<int>(k);
    if (pick < 0) return std::nullopt;
    ReplayChunk& c = r.Chunks[static_cast<std::size_t>(pick)];
    c.State = ReplayChunkState::Loading;
    c.After.clear();
    c.PendingHeat.assign(r.Heat.size(), 0.0);
    c.PendingAnswers.clear();
    r.InFlight = pick;
    return ReplayFetch{c.From, c.To, std::string()};
}

bool RoomReplayOnPage(RoomReplay& r, std::string_view json, double now)
{
    if (r.InFlight < 0) return false;
    ReplayPageResult page = ReplayParsePage(json);
    if (!page.Ok)
    {
        Fail(r, now);
        return false;
    }
    BackoffReset(r.Backoff);
    r.Skipped += page.Page.Skipped;
    const auto k = static_cast<std::size_t>(r.InFlight);
    ReplayChunk& c = r.Chunks[k];
    const auto w = KeepWindow(r);
    const bool keep = InWindow(w, c.From, c.To);
    std::vector<EventKey> late; // keys of events a little late
    for (ReplayEvent& e : page.Page.Events)
    {
        if (e.T < c.From || e.T >= c.To) continue; // not what was asked: never shown out of its time
        if (!c.Summarised)
        {
            if (e.Kind == ReplayEventKind::Hearts && !c.PendingHeat.empty())
            {
                double n = 0;
                for (const RoomHeart& h : e.Hearts) n += h.Count;
                c.PendingHeat[BucketOf(r, e.T)] += n;
            }
            if (e.Kind == ReplayEventKind::Answered) c.PendingAnswers.push_back(e.T);
        }
        if (!keep && !Sticky(e)) continue;
        const auto key = std::make_pair(e.T, e.Seq);
        if (r.Events.count(key) || (e.Kind == ReplayEventKind::Comment && r.DeletedIds.count(e.Id))) continue;
        if (e.Kind == ReplayEventKind::Deleted)
        { // not in the contract's answers (a deleted comment is absent), but never show one if a log says so
            Forget(r, e.Id);
            continue;
        }
        // Something that should already be on screen arrived late: played now when only a little late, else a
        // rebuild (hearts long gone are not replayed).
        if (r.HasT && e.T <= r.T)
        {
            if (r.T - e.T <= r.Config.LateMs) late.push_back(key);
            else if (Sticky(e) || e.T > r.T - r.Config.RecentMs) r.NeedRebuild = true;
        }
        r.Events.emplace(key, std::move(e));
    }
    if (!page.Page.Next.empty())
    {
        c.After = page.Page.Next; // RoomReplayNextFetch asks for the next page before anything else
        r.InFlight = -1;
        r.Continue = static_cast<int>(k);
        PlayLate(r, late);
        return true;
    }
    c.After.clear();
    c.State = keep ? ReplayChunkState::Loaded : ReplayChunkState::Missing;
    if (!c.Summarised)
    {
        c.Summarised = true;
        for (std::size_t b = 0; b < c.PendingHeat.size() && b < r.Heat.size(); b++) r.Heat[b] += c.PendingHeat[b];
        for (std::int64_t a : c.PendingAnswers) r.Answers.push_back(a);
        std::sort(r.Answers.begin(), r.Answers.end());
        r.MarksDirty = true;
    }
    c.PendingHeat.clear();
    c.PendingAnswers.clear();
    r.InFlight = -1;
    Evict(r);
    PlayLate(r, late);
    return true;
}

void RoomReplayOnFetchFailed(RoomReplay& r, double now)
{
    if (r.InFlight >= 0) Fail(r, now);
}

void RoomReplayAdvance(RoomReplay& r, std::int64_t t_ms)
{
    if (!r.HasT || t_ms > r.T + r.Config.JumpMs || t_ms < r.T - r.Config.BackMs)
    {
        RoomReplaySeek(r, t_ms);
        return;
    }
    if (t_ms <= r.T) return; // jitter back, or no progress
    bool board = false;
    for (auto it = r.Events.upper_bound({r.T, std::numeric_limits<std::int64_t>::max()}); it != r.Events.end() && it->second.T <= t_ms; ++it)
    {
        Play(r, it->second);
        board = board || IsBoardEvent(it->second);
    }
    r.T = t_ms;
    if (board) PushBoard(r, t_ms, false);
    if (r.NeedRebuild) Rebuild(r);
    const int chunk = ChunkAt(r, t_ms);
    if (chunk != r.EvictedAt)
    { // once per chunk crossed: memory stays bounded without a scan every frame
        r.EvictedAt = chunk;
        Evict(r);
    }
}

void RoomReplaySeek(RoomReplay& r, std::int64_t t_ms)
{
    r.HasT = true;
    r.T = t_ms;
    Evict(r);
    Rebuild(r);
}

std::vector<RoomReplayUpdate> RoomReplayTakeUpdates(RoomReplay& r)
{
    std::vector<RoomReplayUpdate> out;
    out.swap(r.Updates);
    return out;
}

//-----------------------------------------------------------------------------
// [SECTION] Heat strip
//-----------------------------------------------------------------------------

std::string RoomReplayMarksJson(const RoomReplay& r)
{
    Json hearts = Json::array(), answers = Json::array();
    double max = 0;
    for (double h : r.Heat) max = std::max(max, h);
    const double span = static_cast<double>(std::max<std::int64_t>(1, r.End - r.Start));
    const double n = static_cast<double>(std::max<std::size_t>(1, r.Heat.size()));
    for (std::size_t b = 0; b < r.Heat.size(); b++)
    {
        if (r.Heat[b] <= 0 || max <= 0) continue;
        const double t0 = static_cast<double>(b) * span / n / 1000.0; // position seconds
        hearts.push_back(Json::array({std::round(t0 * 1000.0) / 1000.0, std::round(r.Heat[b] / max * 1000.0) / 1000.0}));
    }
    std::int64_t last = std::numeric_limits<std::int64_t>::min();
    for (std::int64_t a : r.Answers)
    {
        if (a == last) continue;
        last = a;
        answers.push_back(std::round(static_cast<double>(a - r.Start)) / 1000.0);
    }
    return Json{{"hearts", std::move(hearts)}, {"answers", std::move(answers)}}.dump();
}

bool RoomReplayTakeMarksDirty(RoomReplay& r)
{
    const bool d = r.MarksDirty;
    r.MarksDirty = false;
    return d;
}

} // namespace livescope
