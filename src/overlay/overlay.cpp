// Overlay drawing with Dear ImGui ImDrawList primitives, and font loading (see overlay.h).
//
// [SECTION] fonts
// [SECTION] helpers
// [SECTION] header and viewer counter
// [SECTION] comments
// [SECTION] compose box
// [SECTION] live Q&A: banner, questions tab and view, notice
// [SECTION] hearts
// [SECTION] broadcast card
// [SECTION] OverlayDraw
#include <livescope/overlay/overlay.h>

#include "font/overlay_font_data.h"
#include <livescope/overlay/format.h>
#include <livescope/base/utf8.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <string>

namespace livescope {

// [SECTION] fonts

// Keep in sync with the subset's --unicodes in CMakeLists.txt. Immutable; the atlas keeps a pointer.
constexpr ImWchar kOverlayGlyphRanges[] = {
    0x0020,
    0x007E,
    0x00A0,
    0x017F,
    0x2010,
    0x2027,
    0x2030,
    0x203A,
    0x20AC,
    0x20AC,
    0x2665,
    0x2665,
    0xFFFD,
    0xFFFD,
    0,
};

ImFont* OverlayLoadFonts(ImGuiIO& io, float dpi_scale, float base_size)
{
    if (!(dpi_scale > 0.0f) || !std::isfinite(dpi_scale))
        dpi_scale = 1.0f;
    ImFontConfig cfg;
    cfg.FontDataOwnedByAtlas = false;
    cfg.OversampleH = 2;
    cfg.OversampleV = 1;
    cfg.PixelSnapH = false;
    std::snprintf(cfg.Name, sizeof(cfg.Name), "DejaVu Sans subset, %.0fpx", static_cast<double>(base_size * dpi_scale));
    // ImGui takes a non-const pointer but never writes through it when it does not own the data.
    void* data = const_cast<unsigned char*>(kOverlayFontData);
    ImFont* font = io.Fonts->AddFontFromMemoryTTF(data, static_cast<int>(kOverlayFontDataSize), base_size * dpi_scale, &cfg,
                                                  kOverlayGlyphRanges);
    if (font != nullptr)
        font->Scale = 1.0f / dpi_scale;
    return font;
}

std::size_t OverlayFontDataSize() { return kOverlayFontDataSize; }

// [SECTION] helpers

namespace {

constexpr float kPi = std::numbers::pi_v<float>;
constexpr double kMarqueePause = 2.0;  // seconds the marquee line holds still before each loop
constexpr float kMarqueeSpeed = 30.0f; // pixels per second

ImU32 Col(OverlayRgb rgb, float alpha)
{
    const auto a = static_cast<unsigned>(std::clamp(alpha, 0.0f, 1.0f) * 255.0f + 0.5f);
    return IM_COL32((rgb >> 16) & 0xFF, (rgb >> 8) & 0xFF, rgb & 0xFF, a);
}

struct DrawCtx
{
    ImDrawList* Dl = nullptr;
    ImFont* Font = nullptr;
    float FontSize = 16.0f; // pixels
    ImVec2 Origin;          // pixels, draw-list coordinates of the overlay's top-left
};

float Measure(const DrawCtx& c, std::string_view s, float size)
{
    if (s.empty())
        return 0.0f;
    return c.Font->CalcTextSizeA(size, 1e9f, 0.0f, s.data(), s.data() + s.size()).x;
}

void Text(const DrawCtx& c, float x, float y, std::string_view s, ImU32 col, float size, bool shadow = true)
{
    if (s.empty())
        return;
    const ImVec2 p(c.Origin.x + x, c.Origin.y + y);
    if (shadow)
    {
        const auto a = static_cast<unsigned>((col >> IM_COL32_A_SHIFT) & 0xFF) * 3 / 5;
        c.Dl->AddText(c.Font, size, ImVec2(p.x + 1.0f, p.y + 1.0f), IM_COL32(0, 0, 0, a), s.data(), s.data() + s.size());
    }
    c.Dl->AddText(c.Font, size, p, col, s.data(), s.data() + s.size());
}

// The tail of `s` that fits `width`, starting on a code point boundary (the compose box scrolls so
// its end, where the caret is, stays visible).
std::string_view TailThatFits(const DrawCtx& c, std::string_view s, float width, float size)
{
    float w = Measure(c, s, size);
    std::size_t start = 0;
    while (start < s.size() && w > width)
    {
        const std::size_t next = Utf8Next(s, start);
        w -= Measure(c, s.substr(start, next - start), size);
        start = next;
    }
    return s.substr(start);
}

ImVec2 At(const DrawCtx& c, float x, float y) { return ImVec2(c.Origin.x + x, c.Origin.y + y); }

void FillHeart(const DrawCtx& c, const Overlay& o, float cx, float cy, float size, ImU32 col)
{
    for (const OverlayPoint& p : o.HeartShape)
        c.Dl->PathLineTo(ImVec2(cx + p.X * size, cy + p.Y * size));
    c.Dl->PathFillConvex(col); // a fan from the tip (point 0) covers the heart exactly
}

// [SECTION] header and viewer counter

void DrawEye(const DrawCtx& c, float cx, float cy, float w, ImU32 col)
{
    const float h = w * 0.36f;                            // half-height of the almond
    const float r = (w * w * 0.25f + h * h) / (2.0f * h); // radius of each arc through the corners
    const float half = std::asin(std::min(1.0f, (w * 0.5f) / r));
    c.Dl->PathArcTo(ImVec2(cx, cy + (r - h)), r, -kPi * 0.5f - half, -kPi * 0.5f + half, 10);
    c.Dl->PathArcTo(ImVec2(cx, cy - (r - h)), r, kPi * 0.5f - half, kPi * 0.5f + half, 10);
    c.Dl->PathStroke(col, ImDrawFlags_Closed, std::max(1.0f, w * 0.09f));
    c.Dl->AddCircleFilled(ImVec2(cx, cy), h * 0.55f, col, 12);
}

// The title's lines from the layout, each on a backing; a marquee line scrolls inside its width.
void DrawTitle(const DrawCtx& c, const Overlay& o)
{
    const OverlayLayout& l = o.Layout;
    if (l.TitlePlace == TitlePlacement::None || l.Title.Lines.empty())
        return;
    const float fs = c.FontSize;
    const float lh = l.TitlePlace == TitlePlacement::Header ? l.TitleRect.H : l.LineHeight;
    const ImU32 backing = Col(0x000000, kOverlayBackingAlpha);
    const float bx = 0.3f * fs; // backing overhang left and right
    for (std::size_t i = 0; i < l.Title.Lines.size(); ++i)
    {
        const std::string& line = l.Title.Lines[i];
        const float y = l.TitleRect.Y + static_cast<float>(i) * lh;
        const float ty = y + (lh - fs) * 0.5f;
        const bool marquee = l.Title.Marquee && i + 1 == l.Title.Lines.size();
        const float w = marquee ? l.TitleRect.W : Measure(c, line, fs);
        c.Dl->AddRectFilled(At(c, l.TitleRect.X - bx, y + 0.05f * lh), At(c, l.TitleRect.X + w + bx, y + 0.95f * lh), backing, 0.25f * fs);
        if (!marquee)
        {
            Text(c, l.TitleRect.X, ty, line, IM_COL32_WHITE, fs, false);
            continue;
        }
        // Marquee: holds still for kMarqueePause seconds, then scrolls one loop at kMarqueeSpeed.
        const float loop = Measure(c, line, fs) + 2.0f * fs;
        const double period = kMarqueePause + loop / kMarqueeSpeed;
        const double t = std::fmod(std::max(0.0, o.Now - o.State.StartTime), period) - kMarqueePause;
        const float offset = t > 0.0 ? static_cast<float>(t) * kMarqueeSpeed : 0.0f;
        c.Dl->PushClipRect(At(c, l.TitleRect.X, y), At(c, l.TitleRect.X + w, y + lh), true);
        Text(c, l.TitleRect.X - offset, ty, line, IM_COL32_WHITE, fs, false);
        Text(c, l.TitleRect.X - offset + loop, ty, line, IM_COL32_WHITE, fs, false);
        c.Dl->PopClipRect();
    }
}

void DrawHeader(const DrawCtx& c, const Overlay& o)
{
    const OverlayLayout& l = o.Layout;
    const OverlayState& s = o.State;
    const float fs = c.FontSize;
    // Shade behind the header for legibility over bright video.
    c.Dl->AddRectFilledMultiColor(At(c, 0, 0), At(c, o.Width, l.Header.Bottom() + 2.5f * fs), IM_COL32(0, 0, 0, 110),
                                  IM_COL32(0, 0, 0, 110), IM_COL32(0, 0, 0, 0), IM_COL32(0, 0, 0, 0));
    float x = l.Header.X;
    const float y = l.Header.Y;
    const float h = l.Header.H;
    if (s.IsLive)
    {
        const float tw = Measure(c, s.Strings.Live, fs * 0.85f);
        const float bw = tw + fs;
        c.Dl->AddRectFilled(At(c, x, y), At(c, x + bw, y + h), IM_COL32(232, 28, 60, 235), h * 0.2f);
        Text(c, x + 0.5f * fs, y + (h - fs * 0.85f) * 0.5f, s.Strings.Live, IM_COL32_WHITE, fs * 0.85f, false);
        x += bw + 0.5f * fs;
        const std::string elapsed = FormatElapsed(o.Now - s.StartTime);
        c.Dl->AddRectFilled(At(c, x - 0.3f * fs, y), At(c, x + Measure(c, elapsed, fs) + 0.3f * fs, y + h), Col(0x000000, kOverlayBackingAlpha),
                            0.25f * fs);
        Text(c, x, y + (h - fs) * 0.5f, elapsed, IM_COL32_WHITE, fs, false);
    }
    DrawTitle(c, o);

    // Viewer counter: eye + compact live count (pulsing on change), total underneath.
    const float pulse = OverlayViewerPulse(o);
    const float bump = pulse < 1.0f ? std::sin(pulse * kPi) : 0.0f;
    const float count_size = s.ReducedMotion ? fs : fs * (1.0f + 0.25f * bump);
    const std::string live = s.ViewersLiveLabel.empty() ? FormatCompactCount(s.ViewersLive) : s.ViewersLiveLabel;
    const float lw = Measure(c, live, count_size);
    const float right = l.Viewers.Right();
    const float eye_w = 1.2f * fs;
    const ImU32 count_col = Col(bump > 0.0f ? 0xFFD54A : 0xFFFFFF, 1.0f);
    const std::string total = (s.ViewersTotalLabel.empty() ? FormatCompactCount(s.ViewersTotal) : s.ViewersTotalLabel) + " " + s.Strings.TotalViewers;
    const float small = fs * kOverlaySmallText;
    const float total_w = Measure(c, total, small);
    // One backing behind the count and the total line under it.
    const float counter_left = std::min(right - Measure(c, live, fs) - 0.4f * fs - eye_w, right - total_w) - 0.3f * fs;
    c.Dl->AddRectFilled(At(c, counter_left, y), At(c, right + 0.3f * fs, y + h + 0.3f * fs + small * 1.1f), Col(0x000000, kOverlayBackingAlpha),
                        0.25f * fs);
    Text(c, right - lw, y + (h - count_size) * 0.5f, live, count_col, count_size, false);
    DrawEye(c, c.Origin.x + right - lw - 0.4f * fs - eye_w * 0.5f, c.Origin.y + y + h * 0.5f, eye_w, count_col);
    Text(c, right - total_w, y + h + 0.15f * fs, total, IM_COL32(255, 255, 255, 210), small, false);
}

// [SECTION] comments

void DrawComments(const DrawCtx& c, Overlay& o)
{
    const OverlayLayout& l = o.Layout;
    if (l.Comments.W <= 0.0f || l.Comments.H <= 0.0f)
        return;
    CommentLayoutParams p;
    p.Width = l.Comments.W;
    p.Height = l.Comments.H;
    p.LineHeight = c.FontSize * 1.2f;
    p.EntryGap = c.FontSize * 0.3f;
    p.PinnedPadding = c.FontSize * 0.45f;
    p.PinnedGap = c.FontSize * 0.5f;
    p.JoinedText = o.State.Strings.Joined;
    p.PinnedLabel = o.State.Strings.Pinned;
    p.Backing = true;
    p.BackingPadX = 0.4f * c.FontSize;
    p.BackingPadY = 0.15f * c.FontSize;
    p.EntryGap = 0.25f * c.FontSize;
    p.JoinAlpha = 1.0f; // join lines stay readable: faint by colour, not by transparency
    p.JoinRgb = 0xC8C8C8;
    const float fs = c.FontSize;
    const TextMeasureFn measure = [&c, fs](std::string_view s) { return Measure(c, s, fs); };
    LayoutComments(o.State.Comments, o.State.HasPinned ? &o.State.Pinned : nullptr, o.Now, p, measure, o.Comments);

    // Bottom shade behind the stream, then each entry's own backing, then the pinned card.
    const float shade_top = l.Comments.Y + o.Comments.StreamTop - fs;
    c.Dl->AddRectFilledMultiColor(At(c, 0, shade_top), At(c, o.Width, o.Height), IM_COL32(0, 0, 0, 0), IM_COL32(0, 0, 0, 0),
                                  IM_COL32(0, 0, 0, 120), IM_COL32(0, 0, 0, 120));
    const OverlayRect& pr = o.Comments.PinnedRect;
    for (const CommentBacking& b : o.Comments.Backings)
    {
        float alpha = b.Alpha;
        const float y = l.Comments.Y + b.Rect.Y;
        if (pr.H > 0.0f && y < l.Comments.Y + pr.Bottom() + p.LineHeight) // fades as its lines do, below
            alpha *= std::clamp((y - l.Comments.Y - pr.Bottom()) / p.LineHeight, 0.0f, 1.0f);
        c.Dl->AddRectFilled(At(c, l.Comments.X + b.Rect.X, y), At(c, l.Comments.X + b.Rect.Right(), y + b.Rect.H),
                            Col(0x000000, kOverlayBackingAlpha * alpha), 0.35f * fs);
    }
    if (pr.H > 0.0f)
        c.Dl->AddRectFilled(At(c, l.Comments.X + pr.X, l.Comments.Y + pr.Y), At(c, l.Comments.X + pr.Right(), l.Comments.Y + pr.Bottom()),
                            Col(0x000000, kOverlayBackingAlpha), fs * 0.4f);
    const float top_bound = l.Comments.Y + pr.Bottom();
    for (const TextRun& r : o.Comments.Runs)
    {
        const bool pinned = r.Role == TextRunRole::PinnedLabel || r.Role == TextRunRole::PinnedAuthor || r.Role == TextRunRole::PinnedBody;
        float alpha = r.Alpha;
        // Lines scrolling towards the pinned card fade out over one line height.
        const float y = l.Comments.Y + r.Y;
        if (!pinned && pr.H > 0.0f && y < top_bound + p.LineHeight)
            alpha *= std::clamp((y - top_bound) / p.LineHeight, 0.0f, 1.0f);
        const float size = r.Role == TextRunRole::PinnedLabel ? fs * 0.85f : fs;
        Text(c, l.Comments.X + r.X, y + (fs - size), r.Text, Col(r.Rgb, alpha), size, false);
    }
}

// [SECTION] compose box

void DrawCompose(const DrawCtx& c, const Overlay& o)
{
    const OverlayLayout& l = o.Layout;
    if (l.Compose.W <= 0.0f)
        return;
    const float fs = c.FontSize;
    const bool focused = o.Focus == OverlayFocus::Compose;
    const OverlayRect& b = l.Compose;
    c.Dl->AddRectFilled(At(c, b.X, b.Y), At(c, b.Right(), b.Bottom()), Col(0x000000, focused ? 0.8f : kOverlayBackingAlpha), b.H * 0.5f);
    c.Dl->AddRect(At(c, b.X, b.Y), At(c, b.Right(), b.Bottom()), IM_COL32(255, 255, 255, focused ? 220 : 110), b.H * 0.5f, 0,
                  focused ? 2.0f : 1.0f);

    // Send button (its word, or an arrow in a narrow box) and the remaining-characters counter.
    const OverlayRect& sb = l.SendButton;
    const bool can_send = o.Compose.Text.find_first_not_of(' ') != std::string::npos;
    const ImU32 send_col = can_send ? IM_COL32(255, 213, 74, 255) : IM_COL32(255, 255, 255, 170);
    if (l.SendIcon)
    {
        const float cx = sb.X + sb.W * 0.45f, cy = sb.Y + sb.H * 0.5f, r = 0.42f * fs;
        c.Dl->AddTriangleFilled(At(c, cx - r * 0.8f, cy - r), At(c, cx + r, cy), At(c, cx - r * 0.8f, cy + r), send_col);
    }
    else
    {
        const float send_w = Measure(c, o.State.Strings.Send, fs);
        Text(c, sb.X + (sb.W - send_w) * 0.5f, sb.Y + (sb.H - fs) * 0.5f, o.State.Strings.Send, send_col, fs, false);
    }
    const bool typing = focused || !o.Compose.Text.empty();
    const std::size_t remaining = ComposeRemaining(o.Compose);
    const OverlayRect& cr = l.CharCounter;
    if (typing)
    {
        const std::string counter = std::to_string(remaining);
        const float small = fs * kOverlaySmallText;
        Text(c, cr.Right() - Measure(c, counter, small), cr.Y + (cr.H - small) * 0.5f, counter,
             remaining < 20 ? IM_COL32(255, 120, 120, 255) : IM_COL32(255, 255, 255, 190), small, false);
    }

    // "Ask as a question": a round "?" chip at the left end, filled when the text goes as a question.
    if (l.AskToggle.W > 0.0f)
    {
        const OverlayRect& q = l.AskToggle;
        const ImVec2 qc = At(c, q.X + 0.5f * q.W, q.Y + 0.5f * q.H);
        const bool on = OverlayComposeIsQuestion(o);
        if (on)
            c.Dl->AddCircleFilled(qc, 0.5f * q.W, IM_COL32(255, 213, 74, 255), 20);
        else
            c.Dl->AddCircle(qc, 0.5f * q.W - 0.5f, IM_COL32(255, 255, 255, 170), 20, 1.5f);
        const float qw = Measure(c, "?", fs);
        Text(c, q.X + 0.5f * (q.W - qw), q.Y + 0.5f * (q.H - fs), "?", on ? IM_COL32(0, 0, 0, 255) : IM_COL32(255, 255, 255, 220), fs, false);
    }

    // The placeholder as the layout fitted it, or the model's text scrolled so its end (the caret) shows.
    const OverlayRect& t = l.ComposeText;
    const float tx = t.X;
    const float avail = std::max(0.0f, (typing ? cr.X - 0.3f * fs : t.Right()) - tx);
    const float ty = b.Y + (b.H - fs) * 0.5f;
    if (o.Compose.Text.empty())
    {
        if (!focused)
            Text(c, tx, ty, l.Placeholder.Text, IM_COL32(255, 255, 255, 200), fs, false);
    }
    else
    {
        Text(c, tx, ty, TailThatFits(c, o.Compose.Text, avail, fs), IM_COL32_WHITE, fs, false);
    }
    if (focused && std::fmod(o.Now, 1.0) < 0.6)
    {
        const float cx = tx + std::min(avail, Measure(c, o.Compose.Text, fs)) + 1.0f;
        c.Dl->AddLine(At(c, cx, ty), At(c, cx, ty + fs), IM_COL32_WHITE, 1.5f);
    }
}

// [SECTION] live Q&A: banner, questions tab and view, notice

// "Now answering" under the header block: a label in the accent colour and the question's text.
void DrawBanner(const DrawCtx& c, const Overlay& o)
{
    const OverlayLayout& l = o.Layout;
    if (l.Banner.W <= 0.0f || !o.State.HasAnswering)
        return;
    const float fs = c.FontSize, small = fs * kOverlaySmallText;
    const OverlayRect& b = l.Banner;
    c.Dl->AddRectFilled(At(c, b.X, b.Y), At(c, b.Right(), b.Bottom()), Col(0x000000, 0.82f), 0.4f * fs);
    c.Dl->AddRectFilled(At(c, b.X, b.Y), At(c, b.X + 0.25f * fs, b.Bottom()), IM_COL32(255, 213, 74, 255), 0.4f * fs, ImDrawFlags_RoundCornersLeft);
    float x = b.X + 0.6f * fs;
    float y = l.BannerCompact ? b.Y + 0.5f * (b.H - small) : b.Y + 0.35f * fs;
    Text(c, x, y, o.State.Strings.NowAnswering, IM_COL32(255, 213, 74, 255), small, false);
    const OverlayRgb author = OverlayReadableOnBacking(o.State.Answering.AuthorRgb);
    const float label_w = Measure(c, o.State.Strings.NowAnswering, small);
    const std::string name = OverlayEllipsize(o.State.Answering.Author, std::max(0.0f, b.Right() - 0.6f * fs - x - label_w - 0.5f * fs),
                                              [&c, small](std::string_view t) { return Measure(c, t, small); });
    if (l.BannerCompact)
    { // one line: the label, then the text
        const std::string_view line = l.BannerText.Lines.empty() ? std::string_view() : std::string_view(l.BannerText.Lines[0]);
        Text(c, x + label_w + 0.5f * fs, b.Y + 0.5f * (b.H - fs), line, IM_COL32_WHITE, fs, false);
        return;
    }
    Text(c, x + label_w + 0.5f * fs, y, name, Col(author, 1.0f), small, false);
    y += 1.2f * small;
    for (const std::string& line : l.BannerText.Lines)
    {
        Text(c, x, y + 0.1f * fs, line, IM_COL32_WHITE, fs, false);
        y += 1.2f * fs;
    }
}

void DrawQuestions(const DrawCtx& c, const Overlay& o)
{
    const OverlayLayout& l = o.Layout;
    const OverlayState& s = o.State;
    const float fs = c.FontSize, small = fs * kOverlaySmallText;
    if (l.QuestionsTab.W > 0.0f)
    { // the tab: label and a small arrow (down: closed, up: open)
        const OverlayRect& t = l.QuestionsTab;
        c.Dl->AddRectFilled(At(c, t.X, t.Y), At(c, t.Right(), t.Bottom()), s.QuestionsOpen ? IM_COL32(255, 213, 74, 235) : Col(0x000000, kOverlayBackingAlpha),
                            0.5f * t.H);
        const ImU32 ink = s.QuestionsOpen ? IM_COL32(0, 0, 0, 255) : IM_COL32_WHITE;
        Text(c, t.X + 0.6f * fs, t.Y + 0.5f * (t.H - fs), l.QuestionsTabLabel.Text, ink, fs, false);
        const float ax = t.Right() - 0.5f * fs - 0.3f * t.H, ay = t.Y + 0.5f * t.H, r = 0.2f * t.H;
        if (s.QuestionsOpen)
            c.Dl->AddTriangleFilled(At(c, ax - r, ay + 0.5f * r), At(c, ax + r, ay + 0.5f * r), At(c, ax, ay - 0.6f * r), ink);
        else
            c.Dl->AddTriangleFilled(At(c, ax - r, ay - 0.5f * r), At(c, ax + r, ay - 0.5f * r), At(c, ax, ay + 0.6f * r), ink);
    }
    if (l.Questions.W <= 0.0f)
        return;
    if (s.Questions.empty())
    {
        const OverlayRect& q = l.Questions;
        const float w = Measure(c, s.Strings.NoQuestions, fs);
        c.Dl->AddRectFilled(At(c, q.X, q.Y), At(c, q.X + w + 1.2f * fs, q.Y + 1.8f * fs), Col(0x000000, kOverlayBackingAlpha), 0.35f * fs);
        Text(c, q.X + 0.6f * fs, q.Y + 0.4f * fs, s.Strings.NoQuestions, IM_COL32(220, 220, 220, 255), fs, false);
        return;
    }
    const TextMeasureFn small_measure = [&c, small](std::string_view t) { return Measure(c, t, small); };
    for (const QuestionRow& r : l.QuestionRows)
    {
        const OverlayQuestion& q = s.Questions[r.Index];
        c.Dl->AddRectFilled(At(c, r.Rect.X, r.Rect.Y), At(c, r.Rect.Right(), r.Rect.Bottom()), Col(0x000000, 0.8f), 0.35f * fs);
        if (r.Vote.W <= 0.0f)
        { // read-only (a replay): the count alone, no button
            const std::string n = FormatCompactCount(static_cast<std::uint64_t>(std::max<std::int64_t>(0, q.Votes)));
            const float nw = Measure(c, n, fs);
            Text(c, r.Count.X + 0.5f * (r.Count.W - nw), r.Count.Y + 0.5f * (r.Count.H - fs), n, IM_COL32(220, 220, 220, 255), fs, false);
        }
        else
        {
            // Vote button: an arrow over the count; filled in the accent colour when this viewer voted.
            const OverlayRect& v = r.Vote;
            const ImU32 accent = IM_COL32(255, 213, 74, 255);
            if (q.Voted)
                c.Dl->AddRectFilled(At(c, v.X + 0.15f * fs, v.Y + 0.15f * fs), At(c, v.Right() - 0.15f * fs, v.Bottom() - 0.15f * fs), IM_COL32(255, 213, 74, 60),
                                    0.3f * fs);
            c.Dl->AddRect(At(c, v.X + 0.15f * fs, v.Y + 0.15f * fs), At(c, v.Right() - 0.15f * fs, v.Bottom() - 0.15f * fs),
                          q.Voted ? accent : IM_COL32(255, 255, 255, 140), 0.3f * fs, 0, q.Voted ? 2.0f : 1.0f);
            const std::string count = FormatCompactCount(static_cast<std::uint64_t>(std::max<std::int64_t>(0, q.Votes)));
            const float cw = Measure(c, count, fs);
            const float block = 0.55f * fs + 0.2f * fs + fs; // arrow, gap, count
            const float top = v.Y + 0.5f * (v.H - block);
            const float ax = v.X + 0.5f * v.W, ar = 0.45f * fs;
            if (q.Voted)
                c.Dl->AddTriangleFilled(At(c, ax - ar, top + 0.55f * fs), At(c, ax + ar, top + 0.55f * fs), At(c, ax, top), accent);
            else
                c.Dl->AddTriangle(At(c, ax - ar, top + 0.55f * fs), At(c, ax + ar, top + 0.55f * fs), At(c, ax, top), IM_COL32_WHITE, 1.5f);
            Text(c, ax - 0.5f * cw, top + 0.75f * fs, count, q.Voted ? accent : IM_COL32_WHITE, fs, false);
        }
        // Author (small, in their colour) and the text.
        const float text_w = r.Rect.Right() - 0.4f * fs - r.AuthorAt.X;
        Text(c, r.AuthorAt.X, r.AuthorAt.Y, OverlayEllipsize(q.Author, text_w, small_measure), Col(OverlayReadableOnBacking(q.AuthorRgb), 1.0f), small, false);
        float y = r.TextAt.Y;
        for (const std::string& line : r.Lines.Lines)
        {
            Text(c, r.TextAt.X, y + 0.1f * fs, line, IM_COL32_WHITE, fs, false);
            y += 1.2f * fs;
        }
    }
}

// A refusal's reason (or "awaiting review") just above the compose box.
void DrawNotice(const DrawCtx& c, const Overlay& o)
{
    const OverlayRect& n = o.Layout.Notice;
    if (n.W <= 0.0f || o.State.Notice.empty())
        return;
    const float fs = c.FontSize;
    c.Dl->AddRectFilled(At(c, n.X, n.Y), At(c, n.Right(), n.Bottom()), IM_COL32(120, 20, 30, 235), 0.4f * fs);
    const std::string text = OverlayEllipsize(o.State.Notice, n.W - 1.2f * fs, [&c, fs](std::string_view t) { return Measure(c, t, fs); });
    Text(c, n.X + 0.6f * fs, n.Y + 0.5f * (n.H - fs), text, IM_COL32_WHITE, fs, false);
}

// [SECTION] hearts

void DrawHearts(const DrawCtx& c, Overlay& o)
{
    const OverlayLayout& l = o.Layout;
    if (!o.State.HeartsEnabled)
        return;
    // Heart button (focusable: a ring shows keyboard focus).
    const OverlayRect& hb = l.HeartButton;
    if (hb.W > 0.0f) // none in a replay (read-only): only the replayed hearts rise
    {
        const ImVec2 hc = At(c, hb.X + hb.W * 0.5f, hb.Y + hb.H * 0.5f);
        c.Dl->AddCircleFilled(hc, hb.W * 0.5f, IM_COL32(0, 0, 0, 120), 24);
        if (o.Focus == OverlayFocus::HeartButton)
            c.Dl->AddCircle(hc, hb.W * 0.5f + 2.0f, IM_COL32_WHITE, 24, 2.0f);
        FillHeart(c, o, hc.x, hc.y, hb.W * 0.5f, Col(o.State.OwnRgb, 1.0f));
    }

    HeartsSample(o.Hearts, o.Now, o.HeartSamples);
    const ImVec2 e = At(c, l.HeartEmitter.X, l.HeartEmitter.Y);
    for (const HeartSample& s : o.HeartSamples)
    {
        if (s.Alpha <= 0.0f || s.Scale <= 0.0f)
            continue;
        const float size = l.HeartSize * s.Scale;
        const float x = std::min(e.x + s.X * l.HeartRise, c.Origin.x + o.Width - 0.55f * size); // stay inside the edge
        FillHeart(c, o, x, e.y + s.Y * l.HeartRise, size, Col(s.Rgb, s.Alpha));
    }
}

// [SECTION] broadcast card

// The card laid out by OverlayBroadcastCardLayout (overlay_core.h): the title wrapped on up to 3 lines over the state's
// message, centred on a dark card. Also records the card and its action slot in o.Layout (reported to the page).
void DrawBroadcastCard(const DrawCtx& c, Overlay& o, float width, float height)
{
    const float fs = c.FontSize;
    const BroadcastCardLayout l = OverlayBroadcastCardLayout(width, height, fs, o.State, [&c, fs](std::string_view t) { return Measure(c, t, fs); });
    o.Layout.Card = l.Card;
    o.Layout.CardAction = l.Action;
    if (l.Message.empty())
        return;
    const OverlayRect& k = l.Card;
    c.Dl->AddRectFilled(At(c, k.X, k.Y), At(c, k.Right(), k.Bottom()), Col(0x000000, 0.72f), 0.5f * fs);
    c.Dl->PushClipRect(At(c, k.X + 0.5f * fs, k.Y), At(c, k.Right() - 0.5f * fs, k.Bottom()), true);
    float ty = l.TitleY;
    for (const std::string& line : l.TitleLines)
    {
        const float tw = Measure(c, line, l.TitleSize);
        Text(c, 0.5f * (width - tw), ty, line, Col(0xD0D0D0, 1.0f), l.TitleSize, false);
        ty += 1.2f * fs;
    }
    Text(c, 0.5f * (width - l.MessageWidth), l.MessageY, l.Message, IM_COL32_WHITE, l.MessageSize, false);
    c.Dl->PopClipRect();
}

} // namespace

namespace {
// The drawing context for a frame: false when there is no draw list or no font to draw with.
bool BeginDrawCtx(DrawCtx& c, ImDrawList* draw_list, const ImVec2& origin, ImFont* font)
{
    if (draw_list == nullptr)
        return false;
    if (font == nullptr)
        font = ImGui::GetFont();
    if (font == nullptr)
        return false;
    c.Dl = draw_list;
    c.Font = font;
    c.FontSize = font->FontSize * font->Scale;
    c.Origin = origin;
    return true;
}
} // namespace

void OverlayDrawBroadcast(Overlay& o, ImDrawList* draw_list, const ImVec2& origin, const ImVec2& size, ImFont* font)
{
    DrawCtx c;
    if (!BeginDrawCtx(c, draw_list, origin, font))
        return;
    draw_list->PushClipRect(origin, ImVec2(origin.x + size.x, origin.y + size.y), true);
    DrawBroadcastCard(c, o, size.x, size.y);
    draw_list->PopClipRect();
}

// [SECTION] OverlayDraw

void OverlayDraw(Overlay& o, ImDrawList* draw_list, const ImVec2& origin, const ImVec2& size, ImFont* font)
{
    DrawCtx c;
    if (!BeginDrawCtx(c, draw_list, origin, font))
        return;
    font = c.Font;
    o.FontSize = c.FontSize;
    o.Width = size.x;
    o.Height = size.y;
    const float fs = c.FontSize;
    o.Measure = [font, fs](std::string_view t) {
        return t.empty() ? 0.0f : font->CalcTextSizeA(fs, 1e9f, 0.0f, t.data(), t.data() + t.size()).x;
    };
    o.Layout = OverlayComputeLayout(size.x, size.y, c.FontSize, o.State, o.Measure);

    draw_list->PushClipRect(origin, ImVec2(origin.x + size.x, origin.y + size.y), true);
    const bool chat_hidden = o.State.QuestionsOpen && o.Layout.Questions.W > 0.0f && !o.Layout.QuestionsBeside;
    if (o.State.CommentsEnabled && !chat_hidden)
        DrawComments(c, o);
    else
        o.Comments = CommentLayout{};
    DrawHeader(c, o);
    DrawBanner(c, o);
    if (o.State.CommentsEnabled)
    {
        DrawQuestions(c, o);
        DrawCompose(c, o);
        DrawNotice(c, o);
    }
    DrawHearts(c, o);
    DrawBroadcastCard(c, o, size.x, size.y);
    draw_list->PopClipRect();
}

// [SECTION] Replay / DVR bar

void OverlayDrawPlaybackBar(ImDrawList* draw_list, const ImVec2& origin, const PlaybackBarLayout& l, const PlaybackBarState& s,
                            bool hot_seek, ImFont* font)
{
    DrawCtx c;
    if (!l.Visible || !BeginDrawCtx(c, draw_list, origin, font))
        return;
    const float u = c.FontSize;
    const ImU32 white = Col(0xFFFFFF, 1.0f), dim = Col(0xFFFFFF, 0.35f), backing = Col(0x000000, kOverlayBackingAlpha);
    draw_list->AddRectFilled(At(c, l.Bar.X, l.Bar.Y), At(c, l.Bar.Right(), l.Bar.Bottom()), backing, 0.5f * u);
    if (l.Play.W > 0.0f)
    {
        const float cx = l.Play.X + l.Play.W * 0.5f, cy = l.Play.Y + l.Play.H * 0.5f, r = 0.45f * u;
        if (s.Ended)
        { // play again: an open circle with an arrow head
            draw_list->PathArcTo(At(c, cx, cy), r, -0.25f * kPi, 1.5f * kPi, 20);
            draw_list->PathStroke(white, 0, 0.16f * u);
            const ImVec2 tip = At(c, cx + r * 0.7071f, cy - r * 0.7071f);
            draw_list->AddTriangleFilled(ImVec2(tip.x + 0.3f * u, tip.y - 0.05f * u), ImVec2(tip.x - 0.05f * u, tip.y - 0.3f * u),
                                         ImVec2(tip.x - 0.05f * u, tip.y + 0.25f * u), white);
        }
        else if (s.Paused)
            draw_list->AddTriangleFilled(At(c, cx - 0.7f * r, cy - r), At(c, cx + r, cy), At(c, cx - 0.7f * r, cy + r), white);
        else
        {
            draw_list->AddRectFilled(At(c, cx - 0.8f * r, cy - r), At(c, cx - 0.2f * r, cy + r), white);
            draw_list->AddRectFilled(At(c, cx + 0.2f * r, cy - r), At(c, cx + 0.8f * r, cy + r), white);
        }
    }
    const OverlayRect& t = l.Track;
    if (t.W > 0.0f)
    {
        draw_list->AddRectFilled(At(c, t.X, t.Y), At(c, t.Right(), t.Bottom()), dim, 0.25f * u);
        if (s.Duration > 0.0)
        {
            const auto x_of = [&](double pos) { return t.X + t.W * static_cast<float>(std::clamp(pos / s.Duration, 0.0, 1.0)); };
            // Heat strip: a column per heart sample over the track, taller and brighter where the audience loved it.
            const size_t n = std::min(s.HeartTimes.size(), s.HeartWeights.size());
            const float col_w = std::max(2.0f, t.W / 120.0f);
            for (size_t i = 0; i < n; i++)
            {
                const float w = std::clamp(s.HeartWeights[i], 0.0f, 1.0f);
                if (w <= 0.0f) continue;
                const float x = x_of(s.HeartTimes[i]);
                const float top = t.Y - w * 0.45f * u;
                draw_list->AddRectFilled(At(c, x - col_w * 0.5f, top), At(c, x + col_w * 0.5f, t.Bottom()), Col(0xFF4D6D, 0.35f + 0.6f * w));
            }
            const float played = x_of(s.Position);
            draw_list->AddRectFilled(At(c, t.X, t.Y + t.H * 0.3f), At(c, played, t.Bottom() - t.H * 0.3f), white, 0.1f * u);
            for (float a : s.Answers)
            {
                const float x = x_of(a);
                draw_list->AddRectFilled(At(c, x - 1.5f, t.Y - 0.3f * u), At(c, x + 1.5f, t.Bottom() + 0.3f * u), Col(0xFFD43B, 1.0f));
            }
            draw_list->AddCircleFilled(At(c, played, t.Y + t.H * 0.5f), (hot_seek ? 0.5f : 0.38f) * u, white, 16);
        }
    }
    if (l.Time.W > 0.0f)
    {
        const float size = 0.75f * u;
        const float w = Measure(c, l.TimeText, size);
        Text(c, l.Time.Right() - w - 0.1f * u, l.Time.Y + (l.Time.H - size) * 0.5f, l.TimeText, white, size, false);
    }
    const auto button = [&](const OverlayRect& r, const LabelFit& label, bool filled) {
        if (r.W <= 0.0f) return;
        draw_list->AddRectFilled(At(c, r.X, r.Y), At(c, r.Right(), r.Bottom()), filled ? Col(0xE0245E, 1.0f) : Col(0xFFFFFF, 0.18f), 0.4f * u);
        const float size = 0.8f * u;
        const float w = Measure(c, label.Text, size);
        Text(c, r.X + (r.W - w) * 0.5f, r.Y + (r.H - size) * 0.5f, label.Text, white, size, false);
    };
    button(l.Back, l.BackLabel, false);
    button(l.Live, l.LiveLabel, s.AtLiveEdge);
}

} // namespace livescope
