// Pure fitting rules: contrast, title wrapping, label shortening, letterboxing (see fit.h).
#include <livescope/overlay/fit.h>

#include <livescope/base/utf8.h>

#include <algorithm>
#include <cmath>

namespace livescope {

namespace {
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";

float Channel(unsigned v)
{
    const float c = static_cast<float>(v) / 255.0f;
    return c <= 0.04045f ? c / 12.92f : std::pow((c + 0.055f) / 1.055f, 2.4f);
}
unsigned R(OverlayRgb c) { return (c >> 16) & 0xFF; }
unsigned G(OverlayRgb c) { return (c >> 8) & 0xFF; }
unsigned B(OverlayRgb c) { return c & 0xFF; }
OverlayRgb Rgb(unsigned r, unsigned g, unsigned b) { return (r << 16) | (g << 8) | b; }
} // namespace

// [SECTION] contrast

float OverlayLuminance(OverlayRgb rgb)
{
    return 0.2126f * Channel(R(rgb)) + 0.7152f * Channel(G(rgb)) + 0.0722f * Channel(B(rgb));
}

float OverlayContrast(OverlayRgb a, OverlayRgb b)
{
    const float la = OverlayLuminance(a), lb = OverlayLuminance(b);
    return (std::max(la, lb) + 0.05f) / (std::min(la, lb) + 0.05f);
}

OverlayRgb OverlayBlend(OverlayRgb top, float alpha, OverlayRgb under)
{
    const float a = std::clamp(alpha, 0.0f, 1.0f);
    const auto mix = [a](unsigned t, unsigned u) {
        return static_cast<unsigned>(std::lround(static_cast<float>(t) * a + static_cast<float>(u) * (1.0f - a)));
    };
    return Rgb(mix(R(top), R(under)), mix(G(top), G(under)), mix(B(top), B(under)));
}

OverlayRgb OverlayLiftForContrast(OverlayRgb rgb, OverlayRgb background, float ratio)
{
    for (int step = 0; step <= 32; ++step)
    {
        const OverlayRgb c = OverlayBlend(0xFFFFFF, static_cast<float>(step) / 32.0f, rgb);
        if (OverlayContrast(c, background) >= ratio)
            return c;
    }
    return 0xFFFFFF;
}

OverlayRgb OverlayWorstBacking() { return OverlayBlend(0x000000, kOverlayBackingAlpha, 0xFFFFFF); }

OverlayRgb OverlayReadableOnBacking(OverlayRgb rgb)
{
    return OverlayLiftForContrast(rgb, OverlayWorstBacking(), kOverlayMinContrast);
}

// [SECTION] title and labels

std::string OverlayEllipsize(std::string_view s, float width, const TextMeasureFn& measure)
{
    if (measure(s) <= width)
        return std::string(s);
    const float budget = width - measure(kEllipsis);
    if (budget < 0.0f)
        return std::string();
    std::size_t end = s.size();
    while (end > 0 && measure(s.substr(0, end)) > budget)
        end = Utf8Prev(s, end);
    while (end > 0 && s[end - 1] == ' ') // no space before the ellipsis
        --end;
    return std::string(s.substr(0, end)).append(kEllipsis);
}

TitleFit OverlayFitTitle(std::string_view title, float width, std::size_t max_lines, bool allow_marquee,
                         const TextMeasureFn& measure)
{
    TitleFit f;
    std::vector<WrappedLine> lines;
    WrapText(title, width, width, measure, lines);
    if (lines.empty())
    {
        f.Fits = true;
        return f;
    }
    max_lines = std::max<std::size_t>(1, max_lines);
    const std::size_t shown = std::min(lines.size(), max_lines);
    for (std::size_t i = 0; i < shown; ++i)
    {
        f.Lines.emplace_back(title.substr(lines[i].Begin, lines[i].End - lines[i].Begin));
        f.Width = std::max(f.Width, measure(f.Lines.back()));
    }
    if (lines.size() <= max_lines)
    {
        f.Fits = true;
        return f;
    }
    // The rest does not fit: the last line takes everything from its start.
    std::string rest(title.substr(lines[shown - 1].Begin));
    while (!rest.empty() && rest.back() == ' ')
        rest.pop_back();
    if (allow_marquee)
    {
        f.Marquee = true;
        f.Lines.back() = std::move(rest);
    }
    else
    {
        f.Truncated = true;
        f.Lines.back() = OverlayEllipsize(rest, width, measure);
    }
    f.Width = width;
    return f;
}

LabelFit OverlayFitLabel(std::string_view full, std::string_view short_form, float width, const TextMeasureFn& measure)
{
    if (measure(full) <= width)
        return LabelFit{std::string(full), LabelForm::Full};
    if (!short_form.empty() && measure(short_form) <= width)
        return LabelFit{std::string(short_form), LabelForm::Short};
    return LabelFit{OverlayEllipsize(short_form.empty() ? full : short_form, width, measure), LabelForm::Ellipsized};
}

// [SECTION] geometry

OverlayRect OverlayLetterbox(float w, float h, float aspect)
{
    if (!(aspect > 0.0f) || !(w > 0.0f) || !(h > 0.0f) || !std::isfinite(aspect))
        return OverlayRect{};
    if (w / h > aspect)
    {
        const float pw = h * aspect;
        return OverlayRect{(w - pw) * 0.5f, 0.0f, pw, h};
    }
    const float ph = w / aspect;
    return OverlayRect{0.0f, (h - ph) * 0.5f, w, ph};
}

bool OverlayRectsOverlap(const OverlayRect& a, const OverlayRect& b)
{
    if (OverlayRectEmpty(a) || OverlayRectEmpty(b))
        return false;
    return a.X < b.Right() && b.X < a.Right() && a.Y < b.Bottom() && b.Y < a.Bottom();
}

} // namespace livescope
