// Pure fitting rules for the overlay: WCAG contrast of text over a translucent backing, the title
// wrapped into at most N lines, labels shortened by a fixed rule, letterboxing and rectangle overlap.
// No ImGui: text is measured through a TextMeasureFn (comments.h). docs/overlay.md names the rules.
#pragma once

#include <livescope/overlay/comments.h>
#include <livescope/overlay/overlay_types.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace livescope {

// [SECTION] contrast (WCAG 2.x)

// The comment and title backing: black at this opacity. Over a white picture it composites to
// 0x474747, against which white text has 9.2:1 and every lifted author colour at least 4.5:1.
inline constexpr float kOverlayBackingAlpha = 0.72f;
inline constexpr float kOverlayMinContrast = 4.5f; // WCAG AA for normal text

// Relative luminance of an sRGB colour, 0 (black) .. 1 (white).
float OverlayLuminance(OverlayRgb rgb);
// (L1 + 0.05) / (L2 + 0.05) with L1 the lighter: 1 .. 21.
float OverlayContrast(OverlayRgb a, OverlayRgb b);
// `top` at `alpha` over `under`, blended on the sRGB values as WebGL's blending does.
OverlayRgb OverlayBlend(OverlayRgb top, float alpha, OverlayRgb under);
// `rgb` mixed towards white in 1/32 steps until its contrast against `background` reaches `ratio`
// (white itself when no step does). Colours that already reach it are returned unchanged.
OverlayRgb OverlayLiftForContrast(OverlayRgb rgb, OverlayRgb background, float ratio);
// The worst background a comment's text meets: the backing over a white picture.
OverlayRgb OverlayWorstBacking();
// The colour an author name (or any coloured text) is drawn in on a comment backing.
OverlayRgb OverlayReadableOnBacking(OverlayRgb rgb);

// [SECTION] title and labels

struct TitleFit
{
    std::vector<std::string> Lines; // as drawn, at most the max_lines asked for
    bool Fits = false;              // the whole title is in Lines, nothing cut, nothing scrolled
    bool Truncated = false;         // the last line was cut and ends with "…"
    bool Marquee = false;           // the last line holds the whole rest of the title: it scrolls
    float Width = 0.0f;             // pixels, the widest line (the marquee line counts as `width`)
};

// Wraps `title` at spaces (WrapText) into lines of `width`. When more than `max_lines` would be
// needed, the last line is either the whole rest (allow_marquee: the drawing code scrolls it) or
// the rest cut with "…" (reduced motion). Empty title: no lines, Fits.
TitleFit OverlayFitTitle(std::string_view title, float width, std::size_t max_lines, bool allow_marquee,
                         const TextMeasureFn& measure);

// `s` cut at a code point boundary with "…" appended so it fits `width` ("…" alone, or nothing, when
// even that does not fit). Unchanged when it fits.
std::string OverlayEllipsize(std::string_view s, float width, const TextMeasureFn& measure);

enum class LabelForm
{
    Full,       // the label as written
    Short,      // the language's short form
    Ellipsized, // the short form (or the full one when there is none) cut with "…"
};

struct LabelFit
{
    std::string Text;
    LabelForm Form = LabelForm::Full;
};

// The rule for every label: the full form when it fits, else the short form, else the short form
// ellipsized. An empty `short_form` means the full form is ellipsized.
LabelFit OverlayFitLabel(std::string_view full, std::string_view short_form, float width, const TextMeasureFn& measure);

// [SECTION] geometry

// The largest rect of `aspect` (width / height) centred in w x h; empty when aspect is not positive.
OverlayRect OverlayLetterbox(float w, float h, float aspect);
// True when the two rects share a positive area (touching edges do not overlap).
bool OverlayRectsOverlap(const OverlayRect& a, const OverlayRect& b);
inline bool OverlayRectEmpty(const OverlayRect& r) { return !(r.W > 0.0f && r.H > 0.0f); }

} // namespace livescope
