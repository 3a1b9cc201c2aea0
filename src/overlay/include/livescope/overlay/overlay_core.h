// Overlay core: the one struct holding all of an overlay's state, its frame step and its input entry
// points, plus the pure screen layout. No ImGui here; overlay.h draws it.
//
// Threading: all functions run on the page's main thread. Several overlays may coexist; nothing is
// shared between them.
//
// Order per frame: input calls (any time) -> OverlayNewFrame -> OverlayDraw (overlay.h) ->
// OverlayTakeActions.
#pragma once

#include <livescope/overlay/compose.h>
#include <livescope/overlay/fit.h>
#include <livescope/overlay/overlay_state.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

namespace livescope {

inline constexpr float kOverlaySmallText = 0.75f;                    // small text (total line, counter), in font sizes
inline constexpr std::string_view kOverlayWidestElapsed = "0:00:00"; // the header reserves this much

enum class TitlePlacement
{
    None,       // no title
    Header,     // one line in the header row, between the elapsed time and the viewer counter
    Band,       // up to 2 lines in the letterbox band above the picture
    HeaderRows, // up to 2 lines under the header row, left of the total-viewers line
};

// One question's row in the questions view.
struct QuestionRow
{
    std::size_t Index = 0; // into OverlayState::Questions
    OverlayRect Rect;      // the whole row (its backing)
    OverlayRect Vote;      // the vote button at its left: the count, and an arrow filled when voted (empty read-only)
    OverlayRect Count;     // read-only (a replay): the count alone at its left, no button (empty otherwise)
    TitleFit Lines;        // the question's text, at most 2 lines, cut with "…"
    OverlayPoint AuthorAt; // where the author's name (small text) starts
    OverlayPoint TextAt;   // where the first text line starts
};

inline constexpr float kQuestionsBesideMin = 14.0f; // font sizes: the narrowest questions view beside the chat
inline constexpr float kQuestionsMaxWidth = 22.0f;  // font sizes: the widest questions view
inline constexpr std::size_t kQuestionRowLines = 2; // text lines per question row
inline constexpr std::size_t kBannerLines = 2;      // text lines of the "Now answering" banner
inline constexpr double kNoticeSeconds = 6.0;       // a refusal's reason stays this long
inline constexpr float kBannerCompactBelow = 30.0f; // font sizes: a widget less tall gets the one-line banner

// Where everything goes, in pixels relative to the overlay's top-left corner. Computed by the pure
// OverlayComputeLayout; the drawing code draws exactly this, and the app reports it (ls_room_layout).
struct OverlayLayout
{
    float Unit = 16.0f;       // pixels, the font size everything scales with
    float Pad = 12.0f;        // pixels, margin from the edges
    float LineHeight = 20.0f; // pixels, of title lines
    OverlayRect Header;       // top strip: LIVE badge, elapsed time, title; viewers at the right
    OverlayRect Viewers;      // the viewer counter, right end of the header, with the total line under it
    OverlayRect Picture;      // the letterboxed video; empty while the picture's aspect is unknown
    TitlePlacement TitlePlace = TitlePlacement::None;
    TitleFit Title;               // the title's lines as drawn
    OverlayRect TitleRect;        // the lines' box (a marquee line spans the full width)
    OverlayRect Controls;         // where the DOM controls row (sound, fullscreen) goes; empty if none
    bool ControlsCompact = false; // the row is too wide with its full labels: icon-only buttons
    OverlayRect Comments;         // comment stream (pinned card on top), lower left
    OverlayRect Compose;          // the compose box (text field + counter + send button)
    OverlayRect ComposeText;      // inside Compose: where the placeholder or the typed text goes
    OverlayRect CharCounter;      // inside Compose: the remaining-characters counter (shown while typing)
    OverlayRect SendButton;       // inside Compose, at its right end
    bool SendIcon = false;        // the Send button shows an arrow instead of its label (narrow box)
    LabelFit Placeholder;         // the compose placeholder as drawn
    OverlayRect HeartButton;      // round, lower right
    OverlayPoint HeartEmitter;    // where hearts start (top centre of the heart button)
    float HeartRise = 200.0f;     // pixels, how far hearts rise
    float HeartSize = 24.0f;      // pixels, nominal heart width
    // Live Q&A (empty rects when not shown).
    OverlayRect Banner;                    // "Now answering": full width under the header block
    TitleFit BannerText;                   // the answered question's text as drawn in the banner
    bool BannerCompact = false;            // short widget: the label and one line of text share the banner's line
    OverlayRect QuestionsTab;              // the tab that opens / closes the questions view (top of the chat)
    LabelFit QuestionsTabLabel;            // "Questions 3", or the short form
    OverlayRect Questions;                 // the questions view; empty while closed
    bool QuestionsBeside = false;          // wide: the view sits beside the chat; narrow: it replaces it
    std::vector<QuestionRow> QuestionRows; // the rows that fit, top first (the board's order)
    OverlayRect AskToggle;                 // inside Compose, at its left end: "Ask as a question"
    OverlayRect Notice;                    // a refusal's reason, just above the compose box
    // The broadcast card (Starting, Reconnecting, Ended; empty with none): OverlayBroadcastCardLayout.
    OverlayRect Card;
    OverlayRect CardAction; // under the card's text: where a button offered with the card goes ("Watch the replay")
};

// The broadcast card: centred, the title wrapped on up to kCardTitleLines lines (cut with "…") over the state's message.
inline constexpr std::size_t kCardTitleLines = 3;
struct BroadcastCardLayout
{
    OverlayRect Card; // the dark card
    std::vector<std::string> TitleLines;
    float TitleSize = 0.0f;    // pixels, font size of the title lines
    float TitleY = 0.0f;       // pixels, top of the first title line
    std::string_view Message;  // the state's message (empty: no card)
    float MessageSize = 0.0f;  // pixels
    float MessageWidth = 0.0f; // pixels, as drawn (at most the card's text width)
    float MessageY = 0.0f;     // pixels
    OverlayRect Action;        // below the card: a 2.6u-high slot, the card's width (at least 12u), never over its text
};
BroadcastCardLayout OverlayBroadcastCardLayout(float width, float height, float font_size, const OverlayState& s,
                                               const TextMeasureFn& measure = {});

// `measure` gives the width of a UTF-8 run at `font_size` (the drawing code passes the font's); when
// empty, an estimate of 0.55 * font_size per code point is used.
OverlayLayout OverlayComputeLayout(float width, float height, float font_size, const OverlayState& s,
                                   const TextMeasureFn& measure = {});

enum class OverlayFocus
{
    None,
    HeartButton, // Enter or Space sends a heart
    Compose,     // text goes to the compose model; Enter submits
};

enum class OverlayKey
{
    Enter,
    Backspace,
    Escape, // leaves the compose box / heart button
    Tab,    // moves focus: heart button -> compose -> none
    Space,
};

struct OverlayConfig
{
    std::uint64_t Seed = 1; // hearts PRNG seed
    float FontSize = 16.0f; // pixels, the default layout unit before the first draw
};

struct Overlay
{
    OverlayState State; // written by the app
    ComposeModel Compose;
    HeartsSim Hearts;
    OverlayFocus Focus = OverlayFocus::None;
    OverlayActions Actions;
    OverlayLayout Layout;   // computed by OverlayNewFrame from the last size; read by input calls
    float Width = 0.0f;     // pixels, size given to the last OverlayNewFrame
    float Height = 0.0f;    // pixels
    float FontSize = 16.0f; // pixels
    double Now = 0.0;       // seconds, overlay clock, of the last OverlayNewFrame
    std::uint64_t LastViewers = 0;
    double ViewerPulseStart = -1e9; // seconds, when the live count last changed
    bool ViewersSeen = false;
    // Scratch reused by the drawing code to avoid per-frame allocations.
    std::vector<HeartSample> HeartSamples;
    std::vector<OverlayPoint> HeartShape; // unit outline, from HeartOutline
    CommentLayout Comments;
    TextMeasureFn Measure;                                   // the drawing font's measure at FontSize, set by OverlayDraw; empty before
    ComposeQuestion QuestionChoice = ComposeQuestion::Auto;  // the compose toggle
    std::function<bool(std::string_view)> LooksLikeQuestion; // Auto's rule (the app sets RoomLooksLikeQuestion); empty: never
};

// Whether the compose box's text would be sent as a question now (the toggle, Auto resolved on the text).
bool OverlayComposeIsQuestion(const Overlay& o);
// Sets the compose toggle (a tap on it flips the resolved state; sending resets it to Auto).
void OverlaySetComposeQuestion(Overlay& o, ComposeQuestion choice);
void OverlayToggleComposeQuestion(Overlay& o);
// Opens or closes the questions view (as a tap on its tab).
void OverlaySetQuestionsOpen(Overlay& o, bool open);
// A vote tap on question `id` (as a tap on its vote button): queues OverlayVote{id, !voted}.
void OverlayVoteTap(Overlay& o, std::string_view id);
// A refused comment: shows `reason` over the compose box for kNoticeSeconds and puts `text` back into the box
// (in front of anything typed since, cut at the limit). Sets ComposeTextChanged.
void OverlayRefused(Overlay& o, std::string_view reason, std::string_view text);
// Shows `message` over the compose box for kNoticeSeconds (e.g. "awaiting review"); nothing goes back.
void OverlayShowNotice(Overlay& o, std::string_view message);

// What is under (x, y) for a long press or a context menu: the comment entry (index into State.Comments) or
// the question (index into State.Questions) whose backing / row holds the point; -1 when none.
int OverlayCommentAt(const Overlay& o, float x, float y);
int OverlayQuestionAt(const Overlay& o, float x, float y);

// The message of the broadcast card in the state's language ("" when no card is drawn: None).
std::string_view OverlayBroadcastMessage(const OverlayState& s);

void OverlayInit(Overlay& o, const OverlayConfig& cfg = {});

// Steps the overlay to `now` (seconds, any monotonic clock shared with the State's times) for a
// `width` x `height` pixel area: drains State.HeartBatches, advances the hearts, computes the layout,
// notices viewer-count changes.
void OverlayNewFrame(Overlay& o, double now, float width, float height);

// Other viewers' hearts (also reachable by queueing into State.HeartBatches).
void OverlayAddHeartBatch(Overlay& o, std::span<const HeartColorCount> counts, double window_ms, double now);

// Appends a comment or join line, keeping at most `max_kept` entries.
void OverlayAddComment(Overlay& o, CommentEntry entry, std::size_t max_kept = 100);

// Input, in pixels relative to the overlay's top-left corner. Returns true when the overlay used it.
// A tap on the compose box focuses it; a tap on the heart button or anywhere else on the video
// sends a heart (when hearts are enabled) and blurs the compose box.
bool OverlayOnPointerDown(Overlay& o, float x, float y);
bool OverlayOnKeyText(Overlay& o, std::string_view utf8); // typed text; used only while composing
bool OverlayOnKey(Overlay& o, OverlayKey key);
void OverlaySetFocus(Overlay& o, OverlayFocus focus);
void OverlaySendHeart(Overlay& o); // as a tap on the heart button

// 0..1 progress of the viewer-count pulse animation (1 = idle).
float OverlayViewerPulse(const Overlay& o);

// Returns and clears the actions accumulated since the last call.
OverlayActions OverlayTakeActions(Overlay& o);

} // namespace livescope
