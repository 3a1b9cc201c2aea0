// OverlayState: the plain data the app layer fills from protocol messages and the page (no protocol
// or player types here), and OverlayActions: what the overlay asks the app to send.
#pragma once

#include <livescope/overlay/comments.h>
#include <livescope/overlay/hearts.h>
#include <livescope/overlay/overlay_types.h>
#include <livescope/overlay/ui_strings.h> // generated from web/ui_strings.json

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace livescope {

// Every user-visible string, so the app can localise them. The defaults are the English column of
// web/ui_strings.json, the one source of the widget's UI strings (ui_strings.h is generated from it; the
// loader sends the page's language through ls_room_set_strings with the same keys).
struct OverlayStrings
{
    std::string Live = kUiStringsEn.Live;                         // "live"
    std::string Send = kUiStringsEn.Send;                         // "send"
    std::string Placeholder = kUiStringsEn.Placeholder;           // "placeholder"
    std::string PlaceholderShort = kUiStringsEn.PlaceholderShort; // "placeholderShort", when the full one does not fit
    std::string Joined = kUiStringsEn.Joined;                     // "joined": "<name> joined"
    std::string Pinned = kUiStringsEn.Pinned;                     // "pinned"
    std::string TotalViewers = kUiStringsEn.Total;                // "total": "<n> total" under the live count
    std::string SendHeart = kUiStringsEn.SendHeart;               // "sendHeart": heart button's accessible name
    std::string Starting = kUiStringsEn.Starting;                 // "starting": before the broadcast's first part
    std::string Reconnecting = kUiStringsEn.Reconnecting;         // "reconnecting": publisher away, within the grace
    std::string Ended = kUiStringsEn.Ended;                       // "ended": after EXT-X-ENDLIST played out
    std::string Questions = kUiStringsEn.Questions;               // "questions": the questions view's tab and list name
    std::string QuestionsShort = kUiStringsEn.QuestionsShort;     // "questionsShort": the tab when "questions" does not fit
    std::string Vote = kUiStringsEn.Vote;                         // "vote": each question's vote button
    std::string NowAnswering = kUiStringsEn.NowAnswering;         // "nowAnswering": the banner's label
    std::string AskAsQuestion = kUiStringsEn.AskAsQuestion;       // "askAsQuestion": the compose toggle's name
    std::string NoQuestions = kUiStringsEn.NoQuestions;           // "noQuestions": the empty questions view
};

// The overlay's strings in one language of the shared table (kUiStringsEn, kUiStringsFr, ...).
inline OverlayStrings OverlayStringsFrom(const UiStrings& ui)
{
    return OverlayStrings{ui.Live, ui.Send, ui.Placeholder, ui.PlaceholderShort, ui.Joined, ui.Pinned, ui.Total, ui.SendHeart,
                          ui.Starting, ui.Reconnecting, ui.Ended, ui.Questions, ui.QuestionsShort, ui.Vote, ui.NowAnswering,
                          ui.AskAsQuestion, ui.NoQuestions};
}

// The broadcast's life as the player decides it (src/player/hls BroadcastStateOf; docs/states.md): the overlay
// draws a message card for Starting, Reconnecting and Ended. None: no source, Live or an error (drawn elsewhere).
enum class OverlayBroadcast
{
    None,
    Starting,
    Reconnecting,
    Ended
};

// The state named by the player ("starting", "live", "reconnecting", "ended", "error"); anything else is None.
inline OverlayBroadcast OverlayBroadcastFromName(std::string_view name)
{
    if (name == "starting") return OverlayBroadcast::Starting;
    if (name == "reconnecting") return OverlayBroadcast::Reconnecting;
    if (name == "ended") return OverlayBroadcast::Ended;
    return OverlayBroadcast::None;
}

// A batch of other viewers' hearts, queued by the app and consumed by OverlayNewFrame.
struct OverlayHeartBatch
{
    std::vector<HeartColorCount> Counts;
    double WindowMs = 200.0; // milliseconds the relay aggregated over
};

// A question on the room's board as the overlay shows it (the app copies it from the room client's board).
struct OverlayQuestion
{
    std::string Id;     // the question's (= its comment's) id
    std::string Author; // display name
    OverlayRgb AuthorRgb = 0xFFFFFF;
    std::string Text; // UTF-8
    std::int64_t Votes = 0;
    bool Voted = false; // this viewer's vote is on it
};

// The compose box's "Ask as a question" toggle: Auto follows the text (a question when it looks like one, e.g. it
// ends in "?"); a tap sets it On or Off for this draft; sending resets it to Auto.
enum class ComposeQuestion
{
    Auto,
    On,
    Off
};

struct OverlayState
{
    std::string Title;          // broadcast title or theme, UTF-8
    bool IsLive = true;         // shows the LIVE badge and the elapsed time
    float ReserveBottom = 0.0f; // pixels kept free at the bottom (the replay / DVR bar, playback_bar.h): the rest is laid out above it
    // A replay (set by the page while it plays a recording): read-only. Comments, hearts, the board and the count still
    // show, but no compose box, no heart button, no question toggle and no vote buttons; taps and keys send nothing.
    bool ReadOnly = false;
    double StartTime = 0.0;             // seconds, overlay clock, when the broadcast began
    std::uint64_t ViewersLive = 0;      // watching now
    std::uint64_t ViewersTotal = 0;     // watched at some point
    std::string ViewersLiveLabel;       // localised compact form of ViewersLive (e.g. "1,2 k"); empty = built-in English
    std::string ViewersTotalLabel;      // likewise for ViewersTotal
    std::vector<CommentEntry> Comments; // oldest first; see OverlayAddComment
    bool HasPinned = false;
    PinnedQuestion Pinned;
    std::vector<OverlayHeartBatch> HeartBatches; // drained by OverlayNewFrame
    OverlayRgb OwnRgb = 0xFF3B5C;                // this viewer's heart colour
    bool ReducedMotion = false;                  // from prefers-reduced-motion
    bool HeartsEnabled = true;
    bool CommentsEnabled = true;
    float PictureAspect = 0.0f; // width / height of the video frame; 0 = no picture yet
    // The DOM controls row (sound and fullscreen buttons) the layout places: its size with the full
    // labels and with the short (icon-only) ones, in pixels. 0 x 0: there is none.
    float ControlsWidth = 0.0f;        // pixels
    float ControlsCompactWidth = 0.0f; // pixels
    float ControlsHeight = 0.0f;       // pixels
    OverlayStrings Strings;
    OverlayBroadcast Broadcast = OverlayBroadcast::None; // the message card drawn over the video (and the title)
    // Live Q&A (docs/overlay.md "Questions"). QuestionsEnabled: the room has a question board (protocol v2): the
    // questions tab and the compose box's question toggle show.
    bool QuestionsEnabled = false;
    bool QuestionsOpen = false;             // the questions view is open (beside the chat, or in its place)
    std::vector<OverlayQuestion> Questions; // the open questions, in the board's order (votes, then age)
    bool HasAnswering = false;              // the broadcaster is answering `Answering` now: the banner shows
    OverlayQuestion Answering;
    std::string Notice;       // why the last comment was refused (drawn over the compose box)
    double NoticeUntil = 0.0; // seconds, overlay clock: the notice shows until then
};

// A vote (or taking one back) the viewer tapped in the questions view.
struct OverlayVote
{
    std::string Id; // question id
    bool On = true; // false: take the vote back
};

// What the overlay asks the app to do, accumulated until OverlayTakeActions.
struct OverlayActions
{
    int HeartsToSend = 0;               // own hearts tapped (already shown locally)
    std::vector<std::string> Comments;  // submitted compose texts, trimmed UTF-8, <= 280 code points
    std::vector<bool> CommentQuestions; // parallel to Comments: sent as a question (the toggle, resolved)
    std::vector<OverlayVote> Votes;     // vote taps in the questions view, oldest first
    bool QuestionsOpenChanged = false;  // the questions tab was tapped (State.QuestionsOpen already toggled)
    bool ComposeFocusChanged = false;   // ComposeFocused changed since the last take
    bool ComposeFocused = false;        // the glue should focus its hidden <input> while true
    bool ComposeTextChanged = false;    // the model text changed from the overlay side
};

} // namespace livescope
