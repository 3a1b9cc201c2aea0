// Page-side interaction: joins the overlay (hearts, comments, counter, compose) with the room protocol
// through RoomClient, and exports the C API the web edge (web/runtime/room*.js) drives.
//
// [SECTION] State
// [SECTION] Room updates -> overlay state
// [SECTION] Overlay actions -> room frames, and the poll result
// [SECTION] Lifetime and drawing
// [SECTION] C API for web/runtime/room.js (ls_room_*)
//
// Protocol types never appear here (room_client.h translates them), and the overlay never sees the
// protocol. All calls run on the page's main thread; every `now` is performance.now() on one clock.
#include "interaction.h"

#include "page_app.h"
#include "playback.h"
#include <livescope/room/room_client.h>
#include <livescope/room/room_replay.h>

#include <livescope/overlay/overlay.h>
#include <livescope/base/utf8.h>

#include <imgui.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <livescope/app/app_export.h>

namespace livescope {

//-----------------------------------------------------------------------------
// [SECTION] State
//-----------------------------------------------------------------------------

// Ids of an overlay comment entry, kept parallel to Overlay::State.Comments (for delete and mute).
struct CommentMeta
{
    std::string Id;     // server comment id; empty for join lines
    std::string UserId; // author
};

constexpr std::size_t kMaxKeptComments = 100;

struct PageInteraction
{
    PageApp* App = nullptr;
    Overlay Ov;
    RoomClient Room;
    ImFont* Font = nullptr; // owned by the context's atlas
    bool Active = false;    // a room or title is set: the overlay is drawn
    bool OnAir = false;     // the broadcast is live (not starting, ended or replayed): the LIVE badge, unless behind the edge
    bool HasRoom = false;
    bool Started = false;                            // Ov.State.StartTime set from the first drawn frame
    double Now = 0.0;                                // seconds, the last clock value seen
    std::vector<CommentMeta> Meta;                   // parallel to Ov.State.Comments
    nlohmann::json Events = nlohmann::json::array(); // widget events for the edge, oldest first
    std::string ComposeTextOut;                      // ls_room_compose_text's result
    std::string PollOut;                             // ls_room_poll's result
    std::string LayoutOut;                           // ls_room_layout's result
    bool ComposeTextDirty = false;                   // the model changed from this side: the edge syncs its <input>
    bool ComposeFocusDirty = false;
    bool ComposeFocused = false;
    double LastDrawMs = 0.0; // milliseconds, CPU time of the last OverlayNewFrame + OverlayDraw
    std::string HitOut;      // ls_room_hit's result
    // Refusal reasons in the widget's language (web/ui_strings.json keys refused*, heldForReview), "{s}" = seconds.
    nlohmann::json Reasons = nlohmann::json::object();
    std::unique_ptr<RoomReplay> Replay; // while the widget plays a recording: the room replayed in step (ls_room_replay_*)
    std::string ReplayPollOut;          // ls_room_replay_poll's result
};

//-----------------------------------------------------------------------------
// [SECTION] Room updates -> overlay state
//-----------------------------------------------------------------------------

namespace {

void AddEntry(PageInteraction& in, CommentEntry entry, CommentMeta meta)
{
    OverlayAddComment(in.Ov, std::move(entry), kMaxKeptComments);
    in.Meta.push_back(std::move(meta));
    const std::size_t kept = in.Ov.State.Comments.size();
    if (in.Meta.size() > kept) in.Meta.erase(in.Meta.begin(), in.Meta.begin() + static_cast<std::ptrdiff_t>(in.Meta.size() - kept));
}

template <class Pred>
void RemoveEntries(PageInteraction& in, Pred pred)
{
    std::vector<CommentEntry>& c = in.Ov.State.Comments;
    std::size_t w = 0;
    for (std::size_t r = 0; r < c.size() && r < in.Meta.size(); r++)
    {
        if (pred(in.Meta[r]))
        {
            in.Events.push_back({{"type", "comment-removed"}, {"id", in.Meta[r].Id}});
            continue;
        }
        if (w != r)
        {
            c[w] = std::move(c[r]);
            in.Meta[w] = std::move(in.Meta[r]);
        }
        w++;
    }
    c.resize(w);
    in.Meta.resize(w);
}

const char* RoleName(RoomRole r)
{
    switch (r)
    {
        case RoomRole::Moderator: return "moderator";
        case RoomRole::Broadcaster: return "broadcaster";
        case RoomRole::Viewer: break;
    }
    return "viewer";
}

std::string HexColor(std::uint32_t rgb)
{
    char b[8];
    std::snprintf(b, sizeof b, "#%06x", static_cast<unsigned>(rgb & 0xFFFFFF));
    return b;
}

nlohmann::json QuestionJson(const RoomQuestion& q)
{
    return {{"id", q.Id}, {"userId", q.UserId}, {"author", q.Author}, {"color", HexColor(q.AuthorRgb)}, {"text", q.Text}, {"votes", q.Votes}, {"voted", q.VotedByMe}, {"askedAt", q.AskedAtMs}, {"answeredAt", q.AnsweredAtMs}};
}

OverlayQuestion ToOverlay(const RoomQuestion& q) { return OverlayQuestion{q.Id, q.Author, q.AuthorRgb, q.Text, q.Votes, q.VotedByMe}; }

// The room client's board -> the overlay's questions and banner, and the widget's `board` event.
void ApplyBoard(PageInteraction& in)
{
    OverlayState& s = in.Ov.State;
    const RoomBoard& b = in.Room.Board;
    s.QuestionsEnabled = true;
    s.Questions.clear();
    for (const RoomQuestion& q : b.Open) s.Questions.push_back(ToOverlay(q));
    s.HasAnswering = b.Answering.has_value();
    if (b.Answering) s.Answering = ToOverlay(*b.Answering);
    nlohmann::json open = nlohmann::json::array(), answered = nlohmann::json::array();
    for (const RoomQuestion& q : b.Open) open.push_back(QuestionJson(q));
    for (const RoomQuestion& q : b.Answered) answered.push_back(QuestionJson(q));
    in.Events.push_back({{"type", "board"}, {"open", std::move(open)}, {"answering", b.Answering ? QuestionJson(*b.Answering) : nlohmann::json()}, {"answered", std::move(answered)}});
}

// The reason shown for a refusal: the language's sentence for the code, "{s}" replaced by the wait in seconds.
std::string Reason(const PageInteraction& in, const std::string& code, std::int64_t retry_ms, const std::string& fallback)
{
    std::string key = code == "slow_mode"      ? "refusedSlowMode"
                      : code == "muted"        ? (retry_ms > 0 ? "refusedMutedFor" : "refusedMuted")
                      : code == "rate_limited" ? "refusedRateLimited"
                      : code == "blocked"      ? "refusedBlocked"
                      : code == "ended"        ? "refusedEnded"
                      : code == "forbidden"    ? "refusedForbidden"
                      : code == "held"         ? "heldForReview"
                                               : "";
    auto it = key.empty() ? in.Reasons.end() : in.Reasons.find(key);
    std::string text = it != in.Reasons.end() && it->is_string() ? it->get<std::string>() : fallback;
    const std::size_t at = text.find("{s}");
    if (at != std::string::npos)
        text.replace(at, 3, std::to_string(std::max<std::int64_t>(1, (retry_ms + 999) / 1000)));
    return text;
}

void ApplyUpdate(PageInteraction& in, RoomUpdate& u, double now)
{
    OverlayState& s = in.Ov.State;
    switch (u.Kind)
    {
        case RoomUpdateKind::Welcome:
            s.OwnRgb = u.AuthorRgb;
            s.HasPinned = u.HasPinned;
            if (u.HasPinned) s.Pinned = PinnedQuestion{u.PinnedAuthor, u.PinnedRgb, u.PinnedText};
            in.Events.push_back({{"type", "joined"}, {"id", u.UserId}, {"name", u.Author}, {"broadcaster", u.Broadcaster}, {"role", RoleName(u.Role)}});
            break;
        case RoomUpdateKind::Comment: {
            in.Events.push_back({{"type", "comment"}, {"id", u.Id}, {"userId", u.UserId}, {"author", u.Author}, {"text", u.Text}, {"question", u.Question}});
            CommentEntry e;
            e.Kind = CommentKind::Message;
            e.Author = std::move(u.Author);
            e.AuthorRgb = u.AuthorRgb;
            e.Text = std::move(u.Text);
            e.Time = now;
            AddEntry(in, std::move(e), CommentMeta{std::move(u.Id), std::move(u.UserId)});
            break;
        }
        case RoomUpdateKind::Presence: {
            CommentEntry e;
            e.Kind = CommentKind::Join;
            e.Author = std::move(u.Author);
            e.AuthorRgb = u.AuthorRgb;
            e.Time = now;
            AddEntry(in, std::move(e), CommentMeta{std::string(), std::move(u.UserId)});
            break;
        }
        case RoomUpdateKind::Hearts: {
            const std::size_t n = u.Hearts.size();
            std::vector<HeartColorCount> counts(n);
            std::uint64_t total = 0;
            for (std::size_t k = 0; k < n; k++)
            {
                counts[k] = HeartColorCount{u.Hearts[k].Rgb, u.Hearts[k].Count};
                total += u.Hearts[k].Count;
            }
            OverlayAddHeartBatch(in.Ov, std::span<const HeartColorCount>(counts), u.WindowMs, now);
            in.Events.push_back({{"type", "heart"}, {"count", total}, {"own", false}});
            break;
        }
        case RoomUpdateKind::Viewers:
            s.ViewersLive = static_cast<std::uint64_t>(std::max<std::int64_t>(u.Live, 0));
            s.ViewersTotal = static_cast<std::uint64_t>(std::max<std::int64_t>(u.Total, 0));
            in.Events.push_back({{"type", "viewers"}, {"live", s.ViewersLive}, {"total", s.ViewersTotal}});
            break;
        case RoomUpdateKind::Pinned:
            s.HasPinned = true;
            s.Pinned = PinnedQuestion{std::move(u.Author), u.AuthorRgb, std::move(u.Text)};
            break;
        case RoomUpdateKind::Unpinned:
            s.HasPinned = false;
            break;
        case RoomUpdateKind::Deleted:
            RemoveEntries(in, [&u](const CommentMeta& m) { return !m.Id.empty() && m.Id == u.Id; });
            break;
        case RoomUpdateKind::Muted:
            RemoveEntries(in, [&u](const CommentMeta& m) { return !m.Id.empty() && m.UserId == u.UserId; });
            break;
        case RoomUpdateKind::Error:
            in.Events.push_back({{"type", "room-error"}, {"code", u.Code}, {"message", u.Text}});
            if (u.Code == "forbidden" || u.Code == "rate_limited" || u.Code == "ended")
            { // a moderation request or a vote refused: say why (nothing to put back)
                OverlayShowNotice(in.Ov, Reason(in, u.Code, u.RetryAfterMs, u.Text));
                in.Events.push_back({{"type", "refused"}, {"code", u.Code}, {"message", u.Text}, {"retryAfterMs", u.RetryAfterMs}, {"text", ""}});
            }
            break;
        case RoomUpdateKind::Board:
            ApplyBoard(in);
            break;
        case RoomUpdateKind::Refused:
            OverlayRefused(in.Ov, Reason(in, u.Code, u.RetryAfterMs, u.Text), u.Original);
            in.Events.push_back({{"type", "refused"}, {"code", u.Code}, {"message", u.Text}, {"retryAfterMs", u.RetryAfterMs}, {"text", u.Original}});
            break;
        case RoomUpdateKind::Notice:
            OverlayShowNotice(in.Ov, Reason(in, u.Code, u.RetryAfterMs, u.Text));
            in.Events.push_back({{"type", "refused"}, {"code", u.Code}, {"message", u.Text}, {"retryAfterMs", 0}, {"text", u.Original}});
            break;
        case RoomUpdateKind::Held:
            in.Events.push_back({{"type", "held"}, {"id", u.Id}, {"userId", u.UserId}, {"author", u.Author}, {"text", u.Text}});
            break;
        case RoomUpdateKind::Modes:
            in.Events.push_back({{"type", "modes"}, {"slowS", u.SlowS}, {"hold", u.Hold}});
            if (u.BlockedWords) in.Events.back()["blockedWords"] = *u.BlockedWords;
            break;
        case RoomUpdateKind::Ended:
            in.Events.push_back({{"type", "roomended"}});
            break;
    }
}

void ApplyUpdates(PageInteraction& in, double now)
{
    std::vector<RoomUpdate> updates = RoomClientTakeUpdates(in.Room);
    for (RoomUpdate& u : updates) ApplyUpdate(in, u, now);
}

//-----------------------------------------------------------------------------
// [SECTION] Overlay actions -> room frames, and the poll result
//-----------------------------------------------------------------------------

void TakeActions(PageInteraction& in)
{
    OverlayActions a = OverlayTakeActions(in.Ov);
    if (a.HeartsToSend > 0)
    {
        RoomClientSendHearts(in.Room, a.HeartsToSend);
        in.Events.push_back({{"type", "heart"}, {"count", a.HeartsToSend}, {"own", true}});
    }
    for (std::size_t k = 0; k < a.Comments.size(); k++)
        RoomClientSendComment(in.Room, a.Comments[k], k < a.CommentQuestions.size() && a.CommentQuestions[k]);
    for (const OverlayVote& v : a.Votes) RoomClientVote(in.Room, v.Id, v.On);
    if (!a.Votes.empty()) ApplyUpdates(in, in.Now); // the optimistic board, drawn at once
    if (a.QuestionsOpenChanged) in.Events.push_back({{"type", "questions-open"}, {"open", in.Ov.State.QuestionsOpen}});
    if (a.ComposeTextChanged) in.ComposeTextDirty = true;
    if (a.ComposeFocusChanged)
    {
        in.ComposeFocusDirty = true;
        in.ComposeFocused = a.ComposeFocused;
    }
}

nlohmann::json Rect(const OverlayRect& r) { return nlohmann::json::array({r.X, r.Y, r.W, r.H}); }

const char* Poll(PageInteraction& in, double now)
{
    in.Now = now;
    // What the viewer acts on is the frame on screen: comments, hearts and votes carry its PDT (stream_time).
    std::int64_t stream_time_ms = 0;
    const bool known = in.App != nullptr && PagePlaybackStreamTimeMs(in.App->Playback, &stream_time_ms);
    RoomClientSetStreamTime(in.Room, known ? std::optional<std::int64_t>(stream_time_ms) : std::nullopt);
    TakeActions(in);
    nlohmann::json out = nlohmann::json::object();
    out["connect"] = in.HasRoom && RoomClientWantsConnect(in.Room, now);
    // While waiting to reconnect: when to poll again, so hidden tabs (no animation frames) reconnect too.
    if (in.HasRoom && in.Room.State == RoomConnState::Waiting)
        out["wakeMs"] = std::max(0.0, (in.Room.NextConnectAt - now) * 1000.0);
    out["send"] = RoomClientTakeOutgoing(in.Room);
    out["events"] = std::move(in.Events);
    in.Events = nlohmann::json::array();
    if (in.ComposeTextDirty)
    {
        out["text"] = in.Ov.Compose.Text;
        in.ComposeTextDirty = false;
    }
    if (in.ComposeFocusDirty)
    {
        out["focus"] = in.ComposeFocused;
        in.ComposeFocusDirty = false;
    }
    if (in.Active && in.Ov.Width > 0.0f)
    {
        out["compose"] = Rect(in.Ov.Layout.Compose);
        out["sendButton"] = Rect(in.Ov.Layout.SendButton);
        out["heart"] = Rect(in.Ov.State.HeartsEnabled ? in.Ov.Layout.HeartButton : OverlayRect{});
        out["comments"] = Rect(in.Ov.Layout.Comments);
        out["controls"] = Rect(in.Ov.Layout.Controls);
        out["controlsCompact"] = in.Ov.Layout.ControlsCompact;
        // Live Q&A: the DOM mirror places its tab, toggle and vote buttons over these.
        const OverlayLayout& l = in.Ov.Layout;
        out["role"] = RoleName(in.Room.Role);
        out["questionsTab"] = Rect(l.QuestionsTab);
        out["questionsTabLabel"] = l.QuestionsTabLabel.Text;
        out["questionsOpen"] = in.Ov.State.QuestionsOpen;
        out["askToggle"] = Rect(l.AskToggle);
        out["askOn"] = OverlayComposeIsQuestion(in.Ov);
        out["questionsView"] = Rect(l.Questions);
        out["banner"] = Rect(l.Banner);
        nlohmann::json rows = nlohmann::json::array();
        for (const QuestionRow& r : l.QuestionRows)
            if (r.Index < in.Ov.State.Questions.size())
                rows.push_back({{"id", in.Ov.State.Questions[r.Index].Id}, {"rect", Rect(r.Rect)}, {"vote", Rect(r.Vote)}});
        out["questionRows"] = std::move(rows);
        out["notice"] = in.Ov.State.Notice;
        out["readOnly"] = in.Ov.State.ReadOnly; // a replay: room.js hides its compose, heart, ask, vote and moderation controls
    }
    in.PollOut = out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return in.PollOut.c_str();
}

const char* PlacementName(TitlePlacement p)
{
    switch (p)
    {
        case TitlePlacement::Header: return "header";
        case TitlePlacement::Band: return "band";
        case TitlePlacement::HeaderRows: return "header-rows";
        case TitlePlacement::None: break;
    }
    return "none";
}

std::string Hex(OverlayRgb rgb)
{
    char b[8];
    std::snprintf(b, sizeof b, "#%06x", static_cast<unsigned>(rgb & 0xFFFFFF));
    return b;
}

// What the overlay laid out and drew in its last frame (rects [x, y, w, h] in CSS pixels from the
// canvas' top-left): for tests and debugging, see docs/overlay.md.
nlohmann::json LayoutReport(const PageInteraction& in)
{
    const Overlay& o = in.Ov;
    const OverlayLayout& l = o.Layout;
    nlohmann::json j = nlohmann::json::object();
    j["width"] = o.Width;
    j["height"] = o.Height;
    j["unit"] = l.Unit;
    j["active"] = in.Active;
    j["title"] = {{"text", o.State.Title}, {"lines", l.Title.Lines}, {"placement", PlacementName(l.TitlePlace)}, {"fits", l.Title.Fits}, {"truncated", l.Title.Truncated}, {"marquee", l.Title.Marquee}, {"rect", Rect(l.TitleRect)}};
    j["header"] = Rect(l.Header);
    j["viewers"] = Rect(l.Viewers);
    j["picture"] = Rect(l.Picture);
    j["controls"] = Rect(l.Controls);
    j["controlsCompact"] = l.ControlsCompact;
    j["comments"] = Rect(l.Comments);
    nlohmann::json backings = nlohmann::json::array();
    const CommentLayout& c = o.Comments;
    for (const CommentBacking& b : c.Backings)
    {
        nlohmann::json colours = nlohmann::json::array();
        std::string text;
        for (std::size_t k = b.FirstRun; k < b.FirstRun + b.RunCount && k < c.Runs.size(); k++)
        {
            colours.push_back(Hex(c.Runs[k].Rgb));
            if (!text.empty()) text += ' ';
            text.append(c.Runs[k].Text);
        }
        OverlayRect r = b.Rect;
        r.X += l.Comments.X;
        r.Y += l.Comments.Y;
        backings.push_back({{"rect", Rect(r)}, {"alpha", b.Alpha}, {"colours", std::move(colours)}, {"text", std::move(text)}});
    }
    j["commentBackings"] = std::move(backings);
    j["backingAlpha"] = kOverlayBackingAlpha;
    j["compose"] = Rect(l.Compose);
    j["composeText"] = Rect(l.ComposeText);
    j["charCounter"] = Rect(l.CharCounter);
    j["sendButton"] = Rect(l.SendButton);
    j["sendIcon"] = l.SendIcon;
    j["send"] = o.State.Strings.Send;
    j["placeholder"] = {{"text", l.Placeholder.Text},
                        {"form", l.Placeholder.Form == LabelForm::Full ? "full" : l.Placeholder.Form == LabelForm::Short ? "short"
                                                                                                                         : "ellipsized"}};
    j["heart"] = Rect(o.State.HeartsEnabled ? l.HeartButton : OverlayRect{});
    j["questionsTab"] = Rect(l.QuestionsTab);
    j["questionsTabLabel"] = {{"text", l.QuestionsTabLabel.Text}, {"form", l.QuestionsTabLabel.Form == LabelForm::Full ? "full" : l.QuestionsTabLabel.Form == LabelForm::Short ? "short"
                                                                                                                                                                               : "ellipsized"}};
    j["questions"] = Rect(l.Questions);
    j["questionsBeside"] = l.QuestionsBeside;
    nlohmann::json rows = nlohmann::json::array();
    for (const QuestionRow& r : l.QuestionRows)
        rows.push_back({{"rect", Rect(r.Rect)}, {"vote", Rect(r.Vote)}, {"lines", r.Lines.Lines}});
    j["questionRows"] = std::move(rows);
    j["banner"] = Rect(l.Banner);
    j["bannerLines"] = l.BannerText.Lines;
    j["askToggle"] = Rect(l.AskToggle);
    j["notice"] = Rect(l.Notice);
    j["readOnly"] = o.State.ReadOnly;
    j["card"] = Rect(l.Card);             // the broadcast card (empty without one)
    j["cardAction"] = Rect(l.CardAction); // under the card's text: where "Watch the replay" goes
    return j;
}

} // namespace

//-----------------------------------------------------------------------------
// [SECTION] Lifetime and drawing
//-----------------------------------------------------------------------------

PageInteraction* PageInteractionCreate(PageApp* app)
{
    auto* in = new PageInteraction();
    in->App = app;
    OverlayInit(in->Ov, OverlayConfig{});
    // Runs before the renderer's first NewFrame builds the atlas. ImGui's default font stays first, so
    // the app's own panels look as before; the overlay draws with its subset font.
    ImGuiIO& io = ImGui::GetIO();
    if (io.Fonts->Fonts.empty()) io.Fonts->AddFontDefault();
    in->Font = OverlayLoadFonts(io, app->Config.DevicePixelRatio, 16.0f);
    RoomClientInit(in->Room, RoomClientConfig{});
    in->Ov.LooksLikeQuestion = [](std::string_view t) { return RoomLooksLikeQuestion(t); };
    const UiStrings& en = kUiStringsEn;
    in->Reasons = {{"refusedSlowMode", en.RefusedSlowMode}, {"refusedMuted", en.RefusedMuted}, {"refusedMutedFor", en.RefusedMutedFor}, {"refusedRateLimited", en.RefusedRateLimited}, {"refusedBlocked", en.RefusedBlocked}, {"refusedEnded", en.RefusedEnded}, {"refusedForbidden", en.RefusedForbidden}, {"heldForReview", en.HeldForReview}};
    return in;
}

void PageInteractionDestroy(PageInteraction* interaction) { delete interaction; }

void PageInteractionDraw(PageInteraction* in, double now, float css_width, float css_height)
{
    if (in == nullptr) return;
    if (!in->Active)
    { // no room or title: only the broadcast card, when the player set a state that has one
        if (in->Ov.State.Broadcast != OverlayBroadcast::None)
            OverlayDrawBroadcast(in->Ov, ImGui::GetBackgroundDrawList(), ImVec2(0.0f, 0.0f), ImVec2(css_width, css_height), in->Font);
        return;
    }
    in->Now = now;
    if (!in->Started)
    {
        in->Ov.State.StartTime = now;
        in->Started = true;
    }
    const auto t0 = std::chrono::steady_clock::now();
    int frame_w = 0, frame_h = 0;
    in->Ov.State.PictureAspect = PagePlaybackFrameSize(in->App->Playback, &frame_w, &frame_h) && frame_h > 0
                                     ? static_cast<float>(frame_w) / static_cast<float>(frame_h)
                                     : 0.0f;
    in->Ov.State.ReserveBottom = PagePlaybackReserveBottom(in->App->Playback, in->Ov.FontSize > 0.0f ? in->Ov.FontSize : 16.0f); // replay / DVR bar
    // No LIVE badge on a recording, nor while a DVR window plays behind its edge.
    in->Ov.State.IsLive = in->OnAir && !PagePlaybackIsReplay(in->App->Playback) && !PagePlaybackBehindLive(in->App->Playback);
    in->Ov.State.ReadOnly = PagePlaybackIsReplay(in->App->Playback) || in->Replay != nullptr; // a replay sends nothing (docs/replay.md)
    OverlayNewFrame(in->Ov, now, css_width, css_height);
    // The background list: under any ImGui window the app or the playback layer opens.
    OverlayDraw(in->Ov, ImGui::GetBackgroundDrawList(), ImVec2(0.0f, 0.0f), ImVec2(css_width, css_height), in->Font);
    in->LastDrawMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

} // namespace livescope

//-----------------------------------------------------------------------------
// [SECTION] C API for web/runtime/room.js (ls_room_*). `app` is the PageApp handle of ls_page_create.
// Strings in are UTF-8 (copied); strings out stay valid until the next call of the same function.
//-----------------------------------------------------------------------------

using livescope::PageApp;
using livescope::PageInteraction;

namespace {
PageInteraction* In(PageApp* app) { return app != nullptr ? app->Interaction : nullptr; }
std::string Str(const char* s) { return s != nullptr ? std::string(s) : std::string(); }
} // namespace

// Sets the room (empty: none, the overlay may still show a title), the join token and client id, the
// title, and which features are on. Hides the app's status panel once the overlay draws.
LS_EXPORT void ls_room_configure(PageApp* app, const char* room, const char* token, const char* client_id,
                                 const char* title, int hearts, int comments, double seed)
{
    PageInteraction* in = In(app);
    if (in == nullptr) return;
    livescope::RoomClientConfig cfg;
    cfg.Room = Str(room);
    cfg.Token = Str(token);
    cfg.ClientId = Str(client_id);
    cfg.Seed = seed > 0.0 && seed < 1.8e19 ? static_cast<std::uint64_t>(seed) : 1;
    livescope::RoomClientInit(in->Room, cfg);
    in->HasRoom = !cfg.Room.empty();
    in->Ov.State.Title = livescope::Utf8Sanitize(Str(title));
    in->Ov.State.HeartsEnabled = hearts != 0;
    in->Ov.State.CommentsEnabled = comments != 0;
    in->OnAir = true;
    in->Active = in->HasRoom || !in->Ov.State.Title.empty();
    if (in->Active) app->ShowStatus = false;
}

LS_EXPORT void ls_room_set_reduced_motion(PageApp* app, int reduced)
{
    if (PageInteraction* in = In(app)) in->Ov.State.ReducedMotion = reduced != 0;
}

// Localised viewer counts (Intl.NumberFormat compact notation in the widget's language), drawn in place of
// the built-in English compact form. Null or empty strings restore the built-in form.
LS_EXPORT void ls_room_set_viewer_labels(PageApp* app, const char* live, const char* total)
{
    if (PageInteraction* in = In(app))
    {
        in->Ov.State.ViewersLiveLabel = live ? livescope::Utf8Sanitize(live) : std::string();
        in->Ov.State.ViewersTotalLabel = total ? livescope::Utf8Sanitize(total) : std::string();
    }
}

// Localised UI strings: a JSON object with any of live, send, placeholder, placeholderShort, joined, pinned,
// total, sendHeart, starting, reconnecting, ended.
LS_EXPORT void ls_room_set_strings(PageApp* app, const char* json_text)
{
    PageInteraction* in = In(app);
    if (in == nullptr || json_text == nullptr) return;
    const nlohmann::json j = nlohmann::json::parse(json_text, nullptr, false);
    if (!j.is_object()) return;
    livescope::OverlayStrings& s = in->Ov.State.Strings;
    const auto set = [&j](const char* key, std::string& out) {
        auto it = j.find(key);
        if (it != j.end() && it->is_string()) out = it->get<std::string>();
    };
    set("live", s.Live);
    set("send", s.Send);
    set("placeholder", s.Placeholder);
    set("placeholderShort", s.PlaceholderShort);
    set("joined", s.Joined);
    set("pinned", s.Pinned);
    set("total", s.TotalViewers);
    set("sendHeart", s.SendHeart);
    set("starting", s.Starting);
    set("reconnecting", s.Reconnecting);
    set("ended", s.Ended);
    set("questions", s.Questions);
    set("questionsShort", s.QuestionsShort);
    set("vote", s.Vote);
    set("nowAnswering", s.NowAnswering);
    set("askAsQuestion", s.AskAsQuestion);
    set("noQuestions", s.NoQuestions);
    for (const char* key : {"refusedSlowMode", "refusedMuted", "refusedMutedFor", "refusedRateLimited", "refusedBlocked", "refusedEnded",
                            "refusedForbidden", "heldForReview"})
    {
        auto it = j.find(key);
        if (it != j.end() && it->is_string()) in->Reasons[key] = *it;
    }
}

// The broadcast's state as the player decided it (web/runtime/playback.js forwards the Worker's BroadcastStateOf:
// "starting", "live", "reconnecting", "ended", "error"): the overlay draws its card, and the LIVE badge only
// shows while the broadcast is live or reconnecting.
LS_EXPORT void ls_page_set_broadcast_state(PageApp* app, const char* state)
{
    PageInteraction* in = In(app);
    if (in == nullptr) return;
    const std::string name = Str(state);
    in->Ov.State.Broadcast = livescope::OverlayBroadcastFromName(name);
    in->OnAir = in->Ov.State.Broadcast != livescope::OverlayBroadcast::Starting && in->Ov.State.Broadcast != livescope::OverlayBroadcast::Ended;
    if (in->App) livescope::PagePlaybackSetBroadcastEnded(in->App->Playback, in->Ov.State.Broadcast == livescope::OverlayBroadcast::Ended);
}

// The DOM controls row (sound, fullscreen) as the edge measured it: width with full labels, width with
// short (icon-only) labels, height, in CSS pixels. The layout places it (poll: controls, controlsCompact).
LS_EXPORT void ls_room_set_controls(PageApp* app, float width, float compact_width, float height)
{
    PageInteraction* in = In(app);
    if (in == nullptr) return;
    const auto clean = [](float v) { return std::isfinite(v) && v > 0.0f ? std::min(v, 1e5f) : 0.0f; };
    in->Ov.State.ControlsWidth = clean(width);
    in->Ov.State.ControlsCompactWidth = clean(compact_width);
    in->Ov.State.ControlsHeight = clean(height);
}

// The layout report (JSON) of the last drawn frame: title lines and placement, whether the title was cut
// or scrolls, and the rects of header, viewer counter, picture, controls, comments and their backings,
// compose box, Send button, placeholder, heart button. docs/overlay.md describes it.
LS_EXPORT const char* ls_room_layout(PageApp* app)
{
    PageInteraction* in = In(app);
    if (in == nullptr) return "{}";
    in->LayoutOut = livescope::LayoutReport(*in).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return in->LayoutOut.c_str();
}

// WebSocket edge: the socket opened / a text frame arrived / the socket closed or failed.
LS_EXPORT void ls_room_socket_open(PageApp* app)
{
    if (PageInteraction* in = In(app)) livescope::RoomClientOnOpen(in->Room);
}
LS_EXPORT void ls_room_socket_frame(PageApp* app, const char* text, double now_ms)
{
    PageInteraction* in = In(app);
    if (in == nullptr || text == nullptr) return;
    livescope::RoomClientOnFrame(in->Room, text);
    livescope::ApplyUpdates(*in, now_ms / 1000.0);
}
LS_EXPORT void ls_room_socket_close(PageApp* app, double now_ms)
{
    if (PageInteraction* in = In(app)) livescope::RoomClientOnClose(in->Room, now_ms / 1000.0);
}

// A primary-button press on the canvas (CSS pixels from its top-left). Returns 1 when the overlay
// used it (a heart, or the compose box focused), 0 when it is left to the app (e.g. an ImGui window).
LS_EXPORT int ls_room_pointer_down(PageApp* app, float x, float y)
{
    PageInteraction* in = In(app);
    if (in == nullptr || !in->Active) return 0;
    ImGui::SetCurrentContext(app->Imgui);
    if (ImGui::GetIO().WantCaptureMouse) return 0;
    return livescope::OverlayOnPointerDown(in->Ov, x, y) ? 1 : 0;
}

// The heart button (DOM) was activated: as a tap on the overlay's heart button.
LS_EXPORT void ls_room_heart(PageApp* app)
{
    PageInteraction* in = In(app);
    if (in != nullptr && in->Active) livescope::OverlaySendHeart(in->Ov);
}

// DOM focus moved: 0 none, 1 the heart button, 2 the compose input.
LS_EXPORT void ls_room_focus(PageApp* app, int which)
{
    PageInteraction* in = In(app);
    if (in == nullptr) return;
    const livescope::OverlayFocus f = which == 1   ? livescope::OverlayFocus::HeartButton
                                      : which == 2 ? livescope::OverlayFocus::Compose
                                                   : livescope::OverlayFocus::None;
    livescope::OverlaySetFocus(in->Ov, f);
    // The DOM already has this focus: no need to echo it back.
    livescope::OverlayActions& a = in->Ov.Actions;
    a.ComposeFocusChanged = false;
}

// The hidden <input>'s value (after `input` or `compositionend`). Returns 1 when the model differs
// from it (sanitised or cut at 280 code points): the edge then reads ls_room_compose_text back.
LS_EXPORT int ls_room_compose_set_text(PageApp* app, const char* utf8)
{
    PageInteraction* in = In(app);
    if (in == nullptr || utf8 == nullptr) return 0;
    livescope::ComposeSetText(in->Ov.Compose, utf8);
    return in->Ov.Compose.Text == utf8 ? 0 : 1;
}
LS_EXPORT const char* ls_room_compose_text(PageApp* app)
{
    PageInteraction* in = In(app);
    if (in == nullptr) return "";
    in->ComposeTextOut = in->Ov.Compose.Text;
    return in->ComposeTextOut.c_str();
}
// Enter in the compose input: submits when it holds text. Returns 1 when a comment was submitted.
LS_EXPORT int ls_room_compose_submit(PageApp* app)
{
    PageInteraction* in = In(app);
    if (in == nullptr || !in->Active) return 0;
    livescope::OverlaySetFocus(in->Ov, livescope::OverlayFocus::Compose);
    in->Ov.Actions.ComposeFocusChanged = false;
    const std::size_t before = in->Ov.Actions.Comments.size();
    livescope::OverlayOnKey(in->Ov, livescope::OverlayKey::Enter);
    return in->Ov.Actions.Comments.size() > before ? 1 : 0;
}

// Once per frame (and after input that sends): a JSON object
//   {connect: bool, wakeMs?: number, send: [frames], events: [{type, ...}], text?: string, focus?: bool,
//    compose?: [x,y,w,h], sendButton?: [x,y,w,h], heart?: [x,y,w,h], comments?: [x,y,w,h],
//    controls?: [x,y,w,h], controlsCompact?: bool, role?: string, questionsTab?: [x,y,w,h], questionsTabLabel?: string,
//    questionsOpen?: bool, askToggle?: [x,y,w,h], askOn?: bool, questionsView?: [x,y,w,h], banner?: [x,y,w,h],
//    questionRows?: [{id, rect, vote}], notice?: string}
// (rects in CSS pixels from the canvas' top-left)
LS_EXPORT const char* ls_room_poll(PageApp* app, double now_ms)
{
    PageInteraction* in = In(app);
    if (in == nullptr) return "{}";
    return livescope::Poll(*in, now_ms / 1000.0);
}

// Live Q&A (the widget's JS API, QA-SPEC.md). `el.ask(text)`: sends `text` as a question (the compose box untouched).
LS_EXPORT void ls_room_ask(PageApp* app, const char* utf8)
{
    PageInteraction* in = In(app);
    if (in == nullptr || utf8 == nullptr || !in->HasRoom) return;
    livescope::ComposeModel m; // the box's rules: sanitised, cut at 280 code points, trimmed
    livescope::ComposeSetText(m, utf8);
    std::string text;
    if (livescope::ComposeSubmit(m, text)) livescope::RoomClientSendComment(in->Room, text, true);
}

// `el.vote(id, on)`, and the DOM vote buttons: votes for (on != 0) or takes back the vote on a question.
LS_EXPORT void ls_room_vote(PageApp* app, const char* id, int on)
{
    PageInteraction* in = In(app);
    if (in == nullptr || id == nullptr || !in->HasRoom) return;
    livescope::RoomClientVote(in->Room, id, on != 0);
    livescope::ApplyUpdates(*in, in->Now);
}

// `el.moderate(action, args)`: a JSON object {action, id?, userId?, durationS?, slowS?, hold?, blockedWords?}.
// Returns 0 when the action is unknown or its id is missing (nothing sent); the relay refuses what the role may not do.
LS_EXPORT int ls_room_moderate(PageApp* app, const char* json_text)
{
    PageInteraction* in = In(app);
    if (in == nullptr || json_text == nullptr || !in->HasRoom) return 0;
    const nlohmann::json j = nlohmann::json::parse(json_text, nullptr, false);
    if (!j.is_object()) return 0;
    const std::string action = j.value("action", std::string());
    using livescope::RoomAction;
    static const std::pair<const char*, RoomAction> kActions[] = {
        {"pin", RoomAction::Pin}, {"unpin", RoomAction::Unpin}, {"delete", RoomAction::Delete}, {"mute", RoomAction::Mute}, {"answer", RoomAction::Answer}, {"answered", RoomAction::Answered}, {"dismiss", RoomAction::Dismiss}, {"approve", RoomAction::Approve}, {"reject", RoomAction::Reject}, {"modes", RoomAction::Modes}, {"end", RoomAction::End}};
    livescope::RoomModeration m;
    bool known = false;
    for (const auto& [name, a] : kActions)
        if (action == name)
        {
            m.Action = a;
            known = true;
        }
    if (!known) return 0;
    const auto str = [&j](const char* key) { auto it = j.find(key); return it != j.end() && it->is_string() ? it->get<std::string>() : std::string(); };
    const auto num = [&j](const char* key, std::int64_t fallback) { auto it = j.find(key); return it != j.end() && it->is_number() ? it->get<std::int64_t>() : fallback; };
    m.Id = m.Action == RoomAction::Mute ? str("userId") : str("id");
    if (m.Action == RoomAction::Mute && m.Id.empty()) m.Id = str("id");
    const bool needs_id = m.Action != RoomAction::Unpin && m.Action != RoomAction::Modes && m.Action != RoomAction::End;
    if (needs_id && m.Id.empty()) return 0;
    m.DurationS = std::max<std::int64_t>(0, num("durationS", 0));
    m.SlowS = num("slowS", -1);
    if (auto it = j.find("hold"); it != j.end() && it->is_boolean()) m.Hold = it->get<bool>() ? 1 : 0;
    if (auto it = j.find("blockedWords"); it != j.end() && it->is_array())
    {
        m.SetWords = true;
        for (const auto& w : *it)
            if (w.is_string()) m.BlockedWords.push_back(w.get<std::string>());
    }
    livescope::RoomClientModerate(in->Room, m);
    return 1;
}

// The questions tab (DOM button) was activated, or the JS API asks: opens (1) or closes (0) the questions view.
LS_EXPORT void ls_room_set_questions_open(PageApp* app, int open)
{
    PageInteraction* in = In(app);
    if (in == nullptr) return;
    livescope::OverlaySetQuestionsOpen(in->Ov, open != 0);
    in->Ov.Actions.QuestionsOpenChanged = false; // the DOM already knows
}

// The "Ask as a question" toggle (DOM button) was activated: flips the resolved state for this draft.
LS_EXPORT void ls_room_toggle_question(PageApp* app)
{
    if (PageInteraction* in = In(app)) livescope::OverlayToggleComposeQuestion(in->Ov);
}

// What a long press or a context menu at (x, y) (CSS px) is on: JSON {kind: "comment"|"question", id, userId, author,
// text} or {} when nothing is. The edge offers the moderation menu for it.
LS_EXPORT const char* ls_room_hit(PageApp* app, float x, float y)
{
    PageInteraction* in = In(app);
    if (in == nullptr || !in->Active) return "{}";
    nlohmann::json j = nlohmann::json::object();
    const int q = livescope::OverlayQuestionAt(in->Ov, x, y);
    const int c = q < 0 ? livescope::OverlayCommentAt(in->Ov, x, y) : -1;
    if (q >= 0)
    {
        const livescope::OverlayQuestion& oq = in->Ov.State.Questions[static_cast<std::size_t>(q)];
        std::string user;
        for (const livescope::RoomQuestion& rq : in->Room.Board.Open)
            if (rq.Id == oq.Id) user = rq.UserId;
        j = {{"kind", "question"}, {"id", oq.Id}, {"userId", user}, {"author", oq.Author}, {"text", oq.Text}};
    }
    else if (c >= 0 && static_cast<std::size_t>(c) < in->Meta.size() && !in->Meta[static_cast<std::size_t>(c)].Id.empty())
    {
        const auto k = static_cast<std::size_t>(c);
        const livescope::CommentEntry& e = in->Ov.State.Comments[k];
        j = {{"kind", "comment"}, {"id", in->Meta[k].Id}, {"userId", in->Meta[k].UserId}, {"author", e.Author}, {"text", e.Text}};
    }
    in->HitOut = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return in->HitOut.c_str();
}

// Diagnostics for tests/bench/interaction.sh: CPU milliseconds the overlay took in the last frame.
LS_EXPORT double ls_room_overlay_ms(PageApp* app)
{
    PageInteraction* in = In(app);
    return in != nullptr ? in->LastDrawMs : 0.0;
}

// Benchmark load (tests/bench/interaction.sh), never called by the runtime: raises the hearts cap to
// `hearts`, tops the live hearts up to `hearts` (spawned now, in the palette's colours) and the
// comment list up to `comments` lines. Call once per frame to hold the load steady. Returns the live
// hearts before the top-up (what the previous frame drew).
LS_EXPORT int ls_room_debug_fill(PageApp* app, int hearts, int comments, double now_ms)
{
    PageInteraction* in = In(app);
    if (in == nullptr || !in->Active) return 0;
    const double now = now_ms / 1000.0;
    livescope::HeartsSim& h = in->Ov.Hearts;
    const int live_before = static_cast<int>(h.Live.size());
    const std::size_t want = static_cast<std::size_t>(std::clamp(hearts, 0, 100000));
    h.Normal.MaxParticles = std::max(h.Normal.MaxParticles, want);
    constexpr livescope::OverlayRgb kColours[] = {0xFF3B5C, 0x4FC3F7, 0xFFD54A, 0x81C784, 0xBA68C8};
    for (std::size_t k = 0; h.Live.size() < want; k++) livescope::HeartsAddOwn(h, kColours[k % 5], now);
    while (in->Ov.State.Comments.size() < static_cast<std::size_t>(std::clamp(comments, 0, 100)))
    {
        livescope::CommentEntry e;
        e.Author = "Guest " + std::to_string(in->Ov.State.Comments.size() + 1000);
        e.AuthorRgb = kColours[in->Ov.State.Comments.size() % 5];
        e.Text = "A fairly long question about the broadcast, with some words to wrap onto a second line \xC3\xA9\xC3\xB1";
        e.Time = now;
        livescope::AddEntry(*in, std::move(e), livescope::CommentMeta{});
    }
    for (livescope::CommentEntry& e : in->Ov.State.Comments) e.Time = now; // keep them from fading out
    return live_before;
}

//-----------------------------------------------------------------------------
// [SECTION] Room replay (ls_room_replay_*): the room of a recording, replayed in step by RoomReplay
// (src/room/room_replay.h) and applied through the same overlay paths as the live room. The edge
// (web/runtime/room-replay.js) fetches the relay log's pages and passes the playhead's stream time.
//-----------------------------------------------------------------------------

namespace livescope {
namespace {

void ApplyReplayUpdate(PageInteraction& in, RoomReplayUpdate& ru, double now)
{
    OverlayState& s = in.Ov.State;
    if (ru.Reset)
    { // a rebuild: the stream shows only what was on screen at that time
        s.Comments.clear();
        in.Meta.clear();
        s.HasPinned = false;
        in.Events.push_back({{"type", "replay-reset"}, {"streamTime", ru.T}});
        return;
    }
    RoomUpdate& u = ru.Update;
    switch (u.Kind)
    {
        case RoomUpdateKind::Comment: {
            in.Events.push_back({{"type", "comment"}, {"id", u.Id}, {"userId", u.UserId}, {"author", u.Author}, {"text", u.Text}, {"question", u.Question},
                                 {"streamTime", ru.T}, {"history", ru.History}});
            CommentEntry e;
            e.Kind = CommentKind::Message;
            e.Author = std::move(u.Author);
            e.AuthorRgb = u.AuthorRgb;
            e.Text = std::move(u.Text);
            // As old on screen as it was at the playhead (a rebuilt comment fades as it did then).
            const double age = ru.History && in.Replay ? static_cast<double>(std::max<std::int64_t>(0, in.Replay->T - ru.T)) / 1000.0 : 0.0;
            e.Time = now - age;
            AddEntry(in, std::move(e), CommentMeta{std::move(u.Id), std::move(u.UserId)});
            break;
        }
        case RoomUpdateKind::Board:
            if (in.Replay) in.Room.Board = in.Replay->Board;
            ApplyBoard(in);
            break;
        default: ApplyUpdate(in, u, now); break;
    }
}

void ApplyReplayUpdates(PageInteraction& in, double now)
{
    if (!in.Replay) return;
    std::vector<RoomReplayUpdate> updates = RoomReplayTakeUpdates(*in.Replay);
    for (RoomReplayUpdate& u : updates) ApplyReplayUpdate(in, u, now);
}

} // namespace
} // namespace livescope

// The widget plays a recording (its `replay` event) and has a room: no socket is opened from now on, the room
// comes from RoomReplay. Idempotent.
LS_EXPORT void ls_room_replay_start(PageApp* app)
{
    PageInteraction* in = In(app);
    if (in == nullptr || in->Replay) return;
    in->Replay = std::make_unique<livescope::RoomReplay>();
    livescope::RoomReplayInit(*in->Replay, livescope::RoomReplayConfig{}, in->Room.Config.Seed);
    in->HasRoom = false; // never connect: a replay is read-only
    in->OnAir = false;
    in->Ov.State.QuestionsEnabled = true;
}

// The recording's stream-time span (epoch ms): start = the stream time at position 0, end = start + duration.
LS_EXPORT void ls_room_replay_span(PageApp* app, double start_ms, double end_ms)
{
    PageInteraction* in = In(app);
    if (in == nullptr || !in->Replay || !std::isfinite(start_ms) || !std::isfinite(end_ms) || start_ms <= 0 || end_ms - start_ms > 864e5 * 30) return;
    livescope::RoomReplaySetSpan(*in->Replay, static_cast<std::int64_t>(start_ms), static_cast<std::int64_t>(end_ms));
}

// The playhead's stream time (epoch ms of the frame on screen), each frame; `seeked` != 0 after a seek.
LS_EXPORT void ls_room_replay_time(PageApp* app, double stream_ms, int seeked, double now_ms)
{
    PageInteraction* in = In(app);
    if (in == nullptr || !in->Replay || !std::isfinite(stream_ms) || stream_ms <= 0) return;
    const auto t = static_cast<std::int64_t>(stream_ms);
    if (seeked != 0)
        livescope::RoomReplaySeek(*in->Replay, t);
    else
        livescope::RoomReplayAdvance(*in->Replay, t);
    livescope::ApplyReplayUpdates(*in, now_ms / 1000.0);
}

// What to do next, as JSON: {fetch: {from, to, after} | null, marks?: <heat strip JSON for _ls_set_seek_marks>,
// wakeMs?: ms until a retry is due, failures, skipped}.
LS_EXPORT const char* ls_room_replay_poll(PageApp* app, double now_ms)
{
    PageInteraction* in = In(app);
    if (in == nullptr || !in->Replay) return "{}";
    livescope::RoomReplay& r = *in->Replay;
    const double now = now_ms / 1000.0;
    nlohmann::json out = nlohmann::json::object();
    if (const auto f = livescope::RoomReplayNextFetch(r, now))
        out["fetch"] = {{"from", f->From}, {"to", f->To}, {"after", f->After}};
    else
        out["fetch"] = nullptr;
    if (r.InFlight < 0 && r.NextFetchAt > now) out["wakeMs"] = (r.NextFetchAt - now) * 1000.0;
    if (livescope::RoomReplayTakeMarksDirty(r)) out["marks"] = livescope::RoomReplayMarksJson(r);
    out["failures"] = r.Failures;
    out["skipped"] = r.Skipped;
    in->ReplayPollOut = out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return in->ReplayPollOut.c_str();
}

// The answer to the last fetch: the body (ok != 0), or a failure (ok == 0: network error or HTTP status).
// Returns 1 when the body was a page of events, 0 when it failed (retried after a backoff).
LS_EXPORT int ls_room_replay_page(PageApp* app, const char* body, int ok, double now_ms)
{
    PageInteraction* in = In(app);
    if (in == nullptr || !in->Replay) return 0;
    const double now = now_ms / 1000.0;
    int result = 0;
    if (ok != 0 && body != nullptr)
        result = livescope::RoomReplayOnPage(*in->Replay, body, now) ? 1 : 0;
    else
        livescope::RoomReplayOnFetchFailed(*in->Replay, now);
    livescope::ApplyReplayUpdates(*in, now);
    return result;
}
