// Comment stream: entries, UTF-8 word wrapping and the pure layout of the lower-left stream with the
// pinned question on top. Text is measured through a callback, so this runs without ImGui.
#pragma once

#include <livescope/overlay/overlay_types.h>

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace livescope {

enum class CommentKind
{
    Message, // a viewer's comment or question: "Author text..."
    Join,    // "Author joined", drawn faint
};

struct CommentEntry
{
    CommentKind Kind = CommentKind::Message;
    std::string Author; // UTF-8 display name
    OverlayRgb AuthorRgb = 0xFFFFFF;
    std::string Text;  // UTF-8 body (unused for Join)
    double Time = 0.0; // seconds, overlay clock, when it arrived (non-decreasing)
};

struct PinnedQuestion
{
    std::string Author; // UTF-8; may be empty
    OverlayRgb AuthorRgb = 0xFFFFFF;
    std::string Text; // UTF-8
};

// Width in pixels of a UTF-8 run, on one line. Must be monotonic in the run's length.
using TextMeasureFn = std::function<float(std::string_view utf8)>;

// A wrapped line: bytes [Begin, End) of the source text, without the breaking spaces.
struct WrappedLine
{
    std::size_t Begin = 0;
    std::size_t End = 0;
};

// Greedy word wrap. The first line has `first_width` pixels (less when a prefix such as the author
// name shares it), the others `width`. Breaks at spaces; a word wider than `width` is hard-broken
// between code points (never inside one), with at least one code point per line so it always ends.
// When the first word does not fit `first_width` the first line is left empty (Begin == End).
void WrapText(std::string_view text, float first_width, float width, const TextMeasureFn& measure,
              std::vector<WrappedLine>& out);

enum class TextRunRole
{
    Author,      // the author's name, in their colour
    Body,        // comment text
    JoinName,    // the joining viewer's name (faint)
    JoinText,    // the localised "joined" (faint)
    PinnedLabel, // the localised "Pinned" label of the pinned card
    PinnedAuthor,
    PinnedBody,
};

// One run of text to draw. Text views point into the entries, the pinned question or the params'
// strings: valid while those are not modified.
struct TextRun
{
    float X = 0.0f; // pixels from the layout box's left edge
    float Y = 0.0f; // pixels from the layout box's top edge, top of the line
    std::string_view Text;
    OverlayRgb Rgb = 0xFFFFFF;
    float Alpha = 1.0f; // [0, 1], fade and faintness applied
    TextRunRole Role = TextRunRole::Body;
};

struct CommentLayoutParams
{
    float Width = 300.0f;             // pixels, the stream's box
    float Height = 300.0f;            // pixels, the stream's box (pinned card included)
    float LineHeight = 18.0f;         // pixels
    float EntryGap = 4.0f;            // pixels between entries
    float PinnedPadding = 6.0f;       // pixels inside the pinned card
    float PinnedGap = 8.0f;           // pixels between the pinned card and the stream
    std::size_t PinnedMaxLines = 4;   // body lines of the pinned question
    double FadeAfter = 8.0;           // seconds fully visible
    double FadeDuration = 1.0;        // seconds to fade out after that
    std::size_t MaxVisibleLines = 10; // wrapped lines in the stream, pinned card excluded
    float JoinAlpha = 0.55f;          // faintness of join lines
    OverlayRgb BodyRgb = 0xFFFFFF;
    OverlayRgb JoinRgb = 0xD8D8D8;
    OverlayRgb PinnedLabelRgb = 0xFFD54A;
    std::string_view JoinedText = "joined";
    std::string_view PinnedLabel = "Pinned";
    // Each stream entry on its own translucent backing (Periscope style): text inset by the padding and
    // every text colour lifted to fit.h's contrast minimum against the worst case (backing over white).
    bool Backing = false;
    float BackingPadX = 6.0f; // pixels inside the backing, left and right
    float BackingPadY = 2.0f; // pixels inside the backing, above and below the lines
};

// One stream entry's backing, in the layout box's coordinates.
struct CommentBacking
{
    OverlayRect Rect;
    float Alpha = 1.0f;       // the entry's fade, [0, 1]
    std::size_t FirstRun = 0; // its runs: Runs[FirstRun, FirstRun + RunCount)
    std::size_t RunCount = 0;
    std::size_t Entry = 0; // index of its entry in the entries laid out (hit tests: a long press on a comment)
};

struct CommentLayout
{
    std::vector<TextRun> Runs;
    OverlayRect PinnedRect;               // card behind the pinned question; H == 0 when none
    std::vector<CommentBacking> Backings; // one per stream entry when params.Backing, newest first
    std::size_t VisibleEntries = 0;       // stream entries laid out
    std::size_t VisibleLines = 0;         // stream lines laid out
    float StreamTop = 0.0f;               // pixels from the box top, top of the topmost stream line
};

// Alpha of an entry `age` seconds old: 1, then a linear fade to 0 over FadeDuration.
float CommentAlpha(double age, const CommentLayoutParams& p);

// Lays out the pinned question (top of the box) and the newest entries (bottom up, newest at the
// bottom), honouring the line cap and the fade. Entries that do not fit whole are left out.
void LayoutComments(std::span<const CommentEntry> entries, const PinnedQuestion* pinned, double now,
                    const CommentLayoutParams& p, const TextMeasureFn& measure, CommentLayout& out);

} // namespace livescope
