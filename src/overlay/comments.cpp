// Comment stream wrapping and layout (see comments.h).
#include <livescope/overlay/comments.h>

#include <livescope/overlay/fit.h>
#include <livescope/base/utf8.h>

#include <algorithm>

namespace livescope {

namespace {

std::size_t SkipSpaces(std::string_view s, std::size_t i)
{
    while (i < s.size() && s[i] == ' ')
        ++i;
    return i;
}

std::size_t WordEnd(std::string_view s, std::size_t i)
{
    while (i < s.size() && s[i] != ' ')
        ++i;
    return i;
}

} // namespace

void WrapText(std::string_view text, float first_width, float width, const TextMeasureFn& measure,
              std::vector<WrappedLine>& out)
{
    out.clear();
    std::size_t pos = SkipSpaces(text, 0);
    std::size_t line_begin = pos;
    std::size_t line_end = pos; // end of the last word that fits
    float limit = first_width;
    const auto emit = [&](std::size_t b, std::size_t e) {
        out.push_back({b, e});
        limit = width;
    };
    while (pos < text.size())
    {
        const std::size_t word_end = WordEnd(text, pos);
        if (measure(text.substr(line_begin, word_end - line_begin)) <= limit)
        {
            line_end = word_end;
            pos = SkipSpaces(text, word_end);
            continue;
        }
        if (line_end > line_begin)
        { // the word starts the next line
            emit(line_begin, line_end);
            line_begin = line_end = pos;
            continue;
        }
        if (limit < width)
        { // a short first line cannot hold the word: leave it empty
            emit(line_begin, line_begin);
            continue;
        }
        // Hard break: as many code points as fit, at least one.
        std::size_t e = line_begin;
        for (;;)
        {
            const std::size_t next = Utf8Next(text, e);
            if (next > word_end || (e > line_begin && measure(text.substr(line_begin, next - line_begin)) > limit))
                break;
            e = next;
        }
        emit(line_begin, e);
        pos = e;
        line_begin = line_end = pos;
    }
    if (line_end > line_begin)
        out.push_back({line_begin, line_end});
}

float CommentAlpha(double age, const CommentLayoutParams& p)
{
    if (age <= p.FadeAfter)
        return 1.0f;
    if (p.FadeDuration <= 0.0)
        return 0.0f;
    const double a = 1.0 - (age - p.FadeAfter) / p.FadeDuration;
    return static_cast<float>(std::clamp(a, 0.0, 1.0));
}

void LayoutComments(std::span<const CommentEntry> entries, const PinnedQuestion* pinned, double now,
                    const CommentLayoutParams& p, const TextMeasureFn& measure, CommentLayout& out)
{
    out.Runs.clear();
    out.PinnedRect = OverlayRect{};
    out.Backings.clear();
    out.VisibleEntries = 0;
    out.VisibleLines = 0;
    out.StreamTop = p.Height;
    std::vector<WrappedLine> lines;
    const float space = measure(" ");
    const auto colour = [&p](OverlayRgb rgb) { return p.Backing ? OverlayReadableOnBacking(rgb) : rgb; };

    // [1] Pinned question: a card at the top of the box.
    float stream_min_y = 0.0f;
    if (pinned != nullptr && !pinned->Text.empty())
    {
        const float pad = p.PinnedPadding;
        const float inner = std::max(1.0f, p.Width - 2.0f * pad);
        float y = pad;
        out.Runs.push_back({pad, y, p.PinnedLabel, p.PinnedLabelRgb, 1.0f, TextRunRole::PinnedLabel});
        if (!pinned->Author.empty())
        {
            const float x = pad + measure(p.PinnedLabel) + space;
            out.Runs.push_back({x, y, pinned->Author, colour(pinned->AuthorRgb), 1.0f, TextRunRole::PinnedAuthor});
        }
        y += p.LineHeight;
        WrapText(pinned->Text, inner, inner, measure, lines);
        const std::size_t shown = std::min(lines.size(), p.PinnedMaxLines);
        for (std::size_t i = 0; i < shown; ++i)
        {
            const std::string_view t = std::string_view(pinned->Text).substr(lines[i].Begin, lines[i].End - lines[i].Begin);
            out.Runs.push_back({pad, y, t, p.BodyRgb, 1.0f, TextRunRole::PinnedBody});
            y += p.LineHeight;
        }
        out.PinnedRect = OverlayRect{0.0f, 0.0f, p.Width, y + pad};
        stream_min_y = out.PinnedRect.Bottom() + p.PinnedGap;
    }

    // [2] Stream, newest at the bottom, built upwards.
    const float pad_x = p.Backing ? p.BackingPadX : 0.0f;
    const float pad_y = p.Backing ? p.BackingPadY : 0.0f;
    const float inner = std::max(1.0f, p.Width - 2.0f * pad_x);
    float bottom = p.Height;
    std::size_t lines_used = 0;
    for (std::size_t k = entries.size(); k-- > 0;)
    {
        const CommentEntry& e = entries[k];
        const float alpha = CommentAlpha(now - e.Time, p);
        if (alpha <= 0.0f)
            continue;
        const bool join = e.Kind == CommentKind::Join;
        const std::string_view body = join ? p.JoinedText : std::string_view(e.Text);
        float indent = e.Author.empty() ? 0.0f : measure(e.Author) + space;
        if (indent > inner * 0.6f)
            indent = inner; // a very long name takes the first line alone
        WrapText(body, std::max(0.0f, inner - indent), inner, measure, lines);
        const std::size_t n = std::max<std::size_t>(1, lines.size());
        const float height = static_cast<float>(n) * p.LineHeight + 2.0f * pad_y;
        const float top = bottom - height;
        if (lines_used + n > p.MaxVisibleLines || top < stream_min_y)
            break;
        const float a = join ? alpha * p.JoinAlpha : alpha;
        const std::size_t first_run = out.Runs.size();
        float right = 0.0f; // pixels, right end of the widest line
        if (!e.Author.empty())
        {
            out.Runs.push_back({pad_x, top + pad_y, e.Author, colour(e.AuthorRgb), a, join ? TextRunRole::JoinName : TextRunRole::Author});
            right = std::min(inner, measure(e.Author));
        }
        for (std::size_t i = 0; i < lines.size(); ++i)
        {
            const WrappedLine& l = lines[i];
            if (l.End == l.Begin)
                continue;
            const float x = i == 0 ? std::min(indent, inner) : 0.0f;
            const std::string_view t = body.substr(l.Begin, l.End - l.Begin);
            out.Runs.push_back({pad_x + x, top + pad_y + static_cast<float>(i) * p.LineHeight, t,
                                colour(join ? p.JoinRgb : p.BodyRgb), a, join ? TextRunRole::JoinText : TextRunRole::Body});
            right = std::max(right, std::min(inner, x + measure(t)));
        }
        if (p.Backing)
            out.Backings.push_back({OverlayRect{0.0f, top, right + 2.0f * pad_x, height}, alpha, first_run, out.Runs.size() - first_run, k});
        lines_used += n;
        ++out.VisibleEntries;
        out.StreamTop = top;
        bottom = top - p.EntryGap;
    }
    out.VisibleLines = lines_used;
}

} // namespace livescope
