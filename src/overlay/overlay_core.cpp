// Overlay core: frame step, input entry points and the pure screen layout (see overlay_core.h).
#include <livescope/overlay/overlay_core.h>

#include <livescope/overlay/format.h>
#include <livescope/base/utf8.h>

#include <algorithm>
#include <utility>

namespace livescope {

namespace {
constexpr double kViewerPulseSeconds = 0.6;
constexpr int kHeartArcSegments = 5; // per lobe: 12 outline points per heart
// The questions view: beside the chat (at the right, left of the heart column) when there is room, else in the chat's place
// (the chat hides while it is open). Rows top first, as many whole rows as fit.
void LayoutQuestions(OverlayLayout& l, const OverlayState& s, float width, const TextMeasureFn& measure)
{
    const float u = l.Unit;
    const float small = kOverlaySmallText;
    const float top = l.Comments.Y; // under the tab, or under the banner when the tab shares the controls row
    const float bottom = l.Compose.Y - 0.5f * u;
    const float beside_x = l.Comments.Right() + l.Pad;
    const float right_limit = (s.HeartsEnabled ? l.HeartButton.X : width) - l.Pad;
    const float beside_w = std::min(kQuestionsMaxWidth * u, right_limit - beside_x);
    if (beside_w >= kQuestionsBesideMin * u)
    {
        l.QuestionsBeside = true;
        // At the right, next to the heart column: the middle of the picture (usually the speaker) stays clear.
        l.Questions = {right_limit - beside_w, top, beside_w, std::max(0.0f, bottom - top)};
    }
    else
    {
        l.Questions = {l.Comments.X, top, l.Comments.W, std::max(0.0f, bottom - top)};
    }
    // Read-only (a replay): no vote button, only the count in a narrower column.
    const float vote_w = s.ReadOnly ? 2.0f * u : 2.75f * u; // 44 px at 16 px: a touch target
    const float text_x = l.Questions.X + vote_w + 0.5f * u;
    const float text_w = l.Questions.Right() - 0.4f * u - text_x;
    if (text_w < 2.0f * u)
        return;
    float y = l.Questions.Y;
    for (std::size_t i = 0; i < s.Questions.size(); ++i)
    {
        QuestionRow r;
        r.Index = i;
        const auto row_h = [&](const TitleFit& f) {
            const float lines = static_cast<float>(std::max<std::size_t>(1, f.Lines.size()));
            return std::max(vote_w, 0.6f * u + 1.2f * small * u + lines * 1.2f * u);
        };
        r.Lines = OverlayFitTitle(s.Questions[i].Text, text_w, kQuestionRowLines, false, measure);
        float h = row_h(r.Lines);
        if (y + h > l.Questions.Bottom() && r.Lines.Lines.size() > 1)
        { // the last row that fits at all gets one line
            r.Lines = OverlayFitTitle(s.Questions[i].Text, text_w, 1, false, measure);
            h = row_h(r.Lines);
        }
        if (y + h > l.Questions.Bottom())
            break;
        r.Rect = {l.Questions.X, y, l.Questions.W, h};
        if (s.ReadOnly)
            r.Count = {l.Questions.X, y, vote_w, h};
        else
            r.Vote = {l.Questions.X, y, vote_w, h};
        r.AuthorAt = {text_x, y + 0.3f * u};
        r.TextAt = {text_x, y + 0.3f * u + 1.2f * small * u};
        l.QuestionRows.push_back(std::move(r));
        y += h + 0.3f * u;
    }
}

} // namespace

OverlayLayout OverlayComputeLayout(float width, float height, float font_size, const OverlayState& s,
                                   const TextMeasureFn& measure_in)
{
    OverlayLayout l;
    width = std::max(width, 1.0f);
    height = std::max(height, 1.0f);
    const float u = std::max(font_size, 4.0f);
    const TextMeasureFn measure = measure_in ? measure_in : TextMeasureFn([u](std::string_view t) {
        return 0.55f * u * static_cast<float>(Utf8CountCodePoints(t));
    });
    const float small = kOverlaySmallText; // the total line and the characters counter
    l.Unit = u;
    l.Pad = 0.75f * u;
    l.LineHeight = 1.25f * u;
    l.Picture = OverlayLetterbox(width, height, s.PictureAspect);
    // The replay / DVR bar takes the bottom row: everything below is laid out in the height above it.
    height = std::max(height - std::max(0.0f, s.ReserveBottom), 1.0f);

    // [1] Header row: LIVE badge and elapsed time at the left, the viewer counter at the right.
    l.Header = {l.Pad, l.Pad, std::max(0.0f, width - 2.0f * l.Pad), 1.6f * u};
    // The counter column: as wide as the pulsing live count with its eye, or the total line under it.
    const std::string live = s.ViewersLiveLabel.empty() ? FormatCompactCount(s.ViewersLive) : s.ViewersLiveLabel;
    const std::string total = (s.ViewersTotalLabel.empty() ? FormatCompactCount(s.ViewersTotal) : s.ViewersTotalLabel) + " " +
                              s.Strings.TotalViewers;
    const float total_w = small * measure(total);
    const float viewers_w = std::min(l.Header.W * 0.4f, std::max(total_w, 1.25f * measure(live) + 1.6f * u) + 0.25f * u);
    l.Viewers = {l.Header.Right() - viewers_w, l.Pad, viewers_w, l.Header.H + 0.15f * u + 1.2f * small * u};
    float title_x = l.Header.X;
    if (s.IsLive)
        title_x += 0.85f * measure(s.Strings.Live) + u + 0.5f * u + measure(kOverlayWidestElapsed) + 0.75f * u;

    // [2] The DOM controls row: right-aligned under the viewer counter, icon-only when too wide, or when going
    // icon-only lets the questions tab (its short label) share the row instead of dropping onto the picture.
    const bool questions = s.QuestionsEnabled && s.CommentsEnabled;
    const float tab_h = 1.8f * u;
    const std::string tab_count = s.Questions.empty() ? std::string() : " " + std::to_string(s.Questions.size());
    const float controls_avail = std::max(0.0f, width - 2.0f * l.Pad);
    const float tab_short_w = questions ? measure(s.Strings.QuestionsShort + tab_count) + 1.1f * u + tab_h * 0.9f + 0.5f * u : 0.0f;
    l.ControlsCompact = s.ControlsWidth > controls_avail ||
                        (questions && s.ControlsWidth + tab_short_w > controls_avail && s.ControlsCompactWidth + tab_short_w <= controls_avail);
    const float controls_w = std::min(controls_avail, l.ControlsCompact ? s.ControlsCompactWidth : s.ControlsWidth);
    const auto place_controls = [&](float y) {
        if (controls_w > 0.0f && s.ControlsHeight > 0.0f)
            l.Controls = {width - l.Pad - controls_w, y, controls_w, s.ControlsHeight};
        else
            l.Controls = {width - l.Pad, y, 0.0f, 0.0f};
    };
    const float gap = 0.4f * u;

    // [3] The title: one line in the header row; else up to 2 lines in the band above the picture;
    // else up to 2 lines under the header row; past 2 lines the last one scrolls (ellipsized under
    // reduced motion).
    const bool marquee_ok = !s.ReducedMotion;
    const float inline_w = l.Viewers.X - 0.5f * u - title_x;
    if (s.Title.empty())
    {
        place_controls(l.Viewers.Bottom() + gap);
    }
    else if (measure(s.Title) <= inline_w)
    {
        l.TitlePlace = TitlePlacement::Header;
        l.Title = OverlayFitTitle(s.Title, inline_w, 1, false, measure);
        l.TitleRect = {title_x, l.Header.Y, l.Title.Width, l.Header.H};
        place_controls(l.Viewers.Bottom() + gap);
    }
    else
    {
        place_controls(l.Viewers.Bottom() + gap);
        const float band_w = width - 2.0f * l.Pad;
        const float band_top = std::max(l.Viewers.Bottom(), l.Controls.Bottom()) + gap;
        const float band_bottom = l.Picture.Y - gap;
        TitleFit band = OverlayFitTitle(s.Title, band_w, 2, marquee_ok, measure);
        const float band_h = static_cast<float>(band.Lines.size()) * l.LineHeight;
        // The band is the widest place: a title that fits nowhere scrolls (or is cut) there too.
        if (!OverlayRectEmpty(l.Picture) && band_bottom - band_top >= band_h)
        {
            l.TitlePlace = TitlePlacement::Band;
            l.Title = std::move(band);
            l.TitleRect = {l.Pad, band_bottom - band_h, l.Title.Width, band_h};
        }
        else
        {
            l.TitlePlace = TitlePlacement::HeaderRows;
            const float rows_w = std::max(u, l.Viewers.X - 0.5f * u - l.Pad);
            l.Title = OverlayFitTitle(s.Title, rows_w, 2, marquee_ok, measure);
            const float rows_h = static_cast<float>(l.Title.Lines.size()) * l.LineHeight;
            l.TitleRect = {l.Pad, l.Header.Bottom() + 0.2f * u, l.Title.Width, rows_h};
            place_controls(std::max(l.TitleRect.Bottom(), l.Viewers.Bottom()) + gap);
        }
    }

    // [4] Bottom: the heart button at the right, the compose box left of it, comments above.
    const float button = 2.6f * u;
    l.HeartButton = {width - l.Pad - button, height - l.Pad - button, button, button};
    if (!s.HeartsEnabled || s.ReadOnly)
        l.HeartButton = {l.HeartButton.X, l.HeartButton.Y, 0.0f, 0.0f};
    // Read-only: no button, the replayed hearts rise from where it would be (its bottom: the column is free).
    l.HeartEmitter = {l.HeartButton.X + 0.5f * button, s.ReadOnly ? height - l.Pad : l.HeartButton.Y};
    l.HeartRise = std::max(2.0f * u, std::min(height * 0.6f, l.HeartButton.Y - l.Header.Bottom() - u));
    l.HeartSize = 1.6f * u;

    const float column_w = std::max(0.0f, std::min(24.0f * u, width - 3.0f * l.Pad - button));
    const float compose_h = 2.2f * u;
    const float bottom_y = height - l.Pad;
    float top_block = l.Viewers.Bottom();
    if (l.TitlePlace == TitlePlacement::HeaderRows || l.TitlePlace == TitlePlacement::Band)
        top_block = std::max(top_block, l.TitleRect.Bottom());
    top_block = std::max(top_block, l.Controls.Bottom());
    // [5] Live Q&A: the questions tab at the left of the controls row when it fits there (no row of its own: small
    // widgets keep room for the view), the "Now answering" banner under the header block, else the tab on top of the chat.
    const auto fit_tab = [&](float room) {
        const float label_room = std::max(0.0f, room - 1.1f * u - tab_h * 0.9f); // padding, and the open/closed arrow
        l.QuestionsTabLabel = OverlayFitLabel(s.Strings.Questions + tab_count, s.Strings.QuestionsShort + tab_count, label_room, measure);
        return std::min(room, measure(l.QuestionsTabLabel.Text) + 1.1f * u + tab_h * 0.9f);
    };
    if (questions && l.Controls.H > 0.0f)
    {
        const float room = l.Controls.X - 0.5f * u - l.Pad;
        const float w = fit_tab(room);
        if (l.QuestionsTabLabel.Form != LabelForm::Ellipsized && room > 0.0f)
            l.QuestionsTab = {l.Pad, l.Controls.Y + 0.5f * (l.Controls.H - tab_h), w, tab_h};
    }
    if (s.HasAnswering)
    {
        const float banner_w = std::max(0.0f, std::min(width - 2.0f * l.Pad, 32.0f * u));
        l.BannerCompact = height < kBannerCompactBelow * u;
        if (l.BannerCompact)
        { // one line: the label, then the text cut with "…"
            const float label_w = small * measure(s.Strings.NowAnswering) + 0.5f * u;
            l.BannerText = OverlayFitTitle(s.Answering.Text, std::max(u, banner_w - 1.2f * u - label_w), 1, false, measure);
            l.Banner = {l.Pad, top_block + 0.4f * u, banner_w, 0.7f * u + 1.2f * u};
        }
        else
        {
            l.BannerText = OverlayFitTitle(s.Answering.Text, std::max(u, banner_w - 1.2f * u), kBannerLines, false, measure);
            const float lines = static_cast<float>(std::max<std::size_t>(1, l.BannerText.Lines.size()));
            l.Banner = {l.Pad, top_block + 0.4f * u, banner_w, 0.7f * u + 1.2f * small * u + lines * 1.2f * u};
        }
        top_block = l.Banner.Bottom();
    }
    if (questions && l.QuestionsTab.W <= 0.0f)
    {
        const float w = fit_tab(column_w);
        l.QuestionsTab = {l.Pad, top_block + 0.5f * u, w, tab_h};
        top_block = l.QuestionsTab.Bottom();
    }

    if (s.CommentsEnabled && s.ReadOnly)
    { // a replay: no compose box; the comments (and the questions view) go down to the bottom (the bar is under it)
        l.Compose = {l.Pad, bottom_y + 0.5f * u, 0.0f, 0.0f};
        l.SendButton = l.Compose;
        l.ComposeText = l.Compose;
        l.CharCounter = l.Compose;
        const float top = top_block + 0.5f * u;
        l.Comments = {l.Pad, top, std::min(column_w, std::max(0.0f, width * 0.72f)), std::max(0.0f, bottom_y - top)};
        if (questions && s.QuestionsOpen)
            LayoutQuestions(l, s, width, measure);
    }
    else if (s.CommentsEnabled)
    {
        l.Compose = {l.Pad, bottom_y - compose_h, column_w, compose_h};
        // Inside: the question toggle, text from the rounded end, the counter, the Send button. Label rule: the full
        // placeholder beside the word Send; else beside an arrow; else the short placeholder (then ellipsized)
        // beside the arrow.
        const float inset = 0.5f * compose_h;
        const float counter_w = small * measure("280") + 0.3f * u;
        const float send_text_w = std::min(measure(s.Strings.Send) + 1.2f * u, l.Compose.W * 0.45f);
        const float text_end_limit = l.Compose.Right() - 0.25f * u;
        float text_x = l.Compose.X + inset;
        if (questions)
        {
            const float t = compose_h - 0.4f * u;
            l.AskToggle = {l.Compose.X + 0.2f * u, l.Compose.Y + 0.2f * u, t, t};
            text_x = l.AskToggle.Right() + 0.35f * u;
        }
        const float with_text = text_end_limit - send_text_w - text_x;
        const float with_icon = text_end_limit - compose_h - text_x;
        float send_w = send_text_w;
        if (measure(s.Strings.Placeholder) <= with_text && measure(s.Strings.Send) + 0.4f * u <= send_text_w)
        {
            l.Placeholder = LabelFit{s.Strings.Placeholder, LabelForm::Full};
        }
        else
        {
            l.SendIcon = true;
            send_w = compose_h;
            l.Placeholder = OverlayFitLabel(s.Strings.Placeholder, s.Strings.PlaceholderShort, std::max(0.0f, with_icon), measure);
        }
        l.SendButton = {l.Compose.Right() - send_w, l.Compose.Y, send_w, compose_h};
        l.ComposeText = {text_x, l.Compose.Y, std::max(0.0f, l.SendButton.X - 0.25f * u - text_x), compose_h};
        l.CharCounter = {l.SendButton.X - counter_w, l.Compose.Y + 0.5f * (compose_h - 1.2f * small * u), counter_w - 0.3f * u,
                         1.2f * small * u};
        const float top = top_block + 0.5f * u;
        const float bottom = l.Compose.Y - 0.5f * u;
        l.Comments = {l.Pad, top, std::min(column_w, std::max(0.0f, width * 0.72f)), std::max(0.0f, bottom - top)};
        if (!s.Notice.empty())
        {
            const float h = 1.8f * u;
            l.Notice = {l.Compose.X, l.Compose.Y - 0.4f * u - h, std::min(column_w, measure(s.Notice) + 1.2f * u), h};
        }
        if (questions && s.QuestionsOpen)
            LayoutQuestions(l, s, width, measure);
    }
    else
    {
        l.Compose = {l.Pad, bottom_y, 0.0f, 0.0f};
        l.SendButton = l.Compose;
        l.ComposeText = l.Compose;
        l.CharCounter = l.Compose;
        l.Comments = {l.Pad, bottom_y, 0.0f, 0.0f};
    }
    if (s.Broadcast != OverlayBroadcast::None)
    {
        const BroadcastCardLayout card = OverlayBroadcastCardLayout(width, height + std::max(0.0f, s.ReserveBottom), u, s, measure);
        l.Card = card.Card;
        l.CardAction = card.Action;
    }
    return l;
}

BroadcastCardLayout OverlayBroadcastCardLayout(float width, float height, float font_size, const OverlayState& s,
                                               const TextMeasureFn& measure_in)
{
    BroadcastCardLayout c;
    c.Message = OverlayBroadcastMessage(s);
    if (c.Message.empty())
        return c;
    width = std::max(width, 1.0f);
    height = std::max(height, 1.0f);
    const float fs = std::max(font_size, 4.0f);
    const TextMeasureFn measure = measure_in ? measure_in : TextMeasureFn([fs](std::string_view t) {
        return 0.55f * fs * static_cast<float>(Utf8CountCodePoints(t));
    });
    const float pad = 0.75f * fs;
    const float avail = std::max(fs, 0.85f * width - 2.0f * fs);
    // The message: 1.25 x the font size, shrunk to fit down to 0.6 x that (clipped below).
    const float msg_full = 1.25f * measure(c.Message);
    c.MessageSize = msg_full > avail && msg_full > 0.0f ? std::max(0.6f * 1.25f * fs, 1.25f * fs * avail / msg_full) : 1.25f * fs;
    c.MessageWidth = std::min(avail, msg_full * c.MessageSize / (1.25f * fs));
    // The title: wrapped at the font size, at most kCardTitleLines lines, the last cut with "…".
    float title_w = 0.0f;
    if (!s.Title.empty())
    {
        TitleFit t = OverlayFitTitle(s.Title, avail, kCardTitleLines, false, measure);
        c.TitleLines = std::move(t.Lines);
        title_w = std::min(avail, t.Width);
        c.TitleSize = fs;
    }
    const float line_h = 1.2f * fs;
    const float title_h = static_cast<float>(c.TitleLines.size()) * line_h;
    const float gap = c.TitleLines.empty() ? 0.0f : 0.4f * fs;
    const float text_w = std::min(avail, std::max(c.MessageWidth, title_w));
    const float card_w = text_w + 2.0f * fs;
    const float card_h = 0.8f * fs + title_h + gap + c.MessageSize + 0.8f * fs;
    float y = 0.5f * (height - card_h);
    // The action slot under the card: the card moves up (not above the margin) when the slot would leave the widget.
    const float action_h = 2.6f * fs, action_gap = 0.6f * fs;
    const float overflow = y + card_h + action_gap + action_h - (height - pad);
    if (overflow > 0.0f)
        y = std::max(std::min(pad, y), y - overflow);
    c.Card = {0.5f * (width - card_w), y, card_w, card_h};
    c.TitleY = y + 0.8f * fs;
    c.MessageY = c.TitleY + title_h + gap;
    const float action_w = std::min(std::max(card_w, 12.0f * fs), std::max(0.0f, width - 2.0f * pad));
    c.Action = {0.5f * (width - action_w), c.Card.Bottom() + action_gap, action_w, action_h};
    return c;
}

std::string_view OverlayBroadcastMessage(const OverlayState& s)
{
    switch (s.Broadcast)
    {
        case OverlayBroadcast::Starting: return s.Strings.Starting;
        case OverlayBroadcast::Reconnecting: return s.Strings.Reconnecting;
        case OverlayBroadcast::Ended: return s.Strings.Ended;
        case OverlayBroadcast::None: break;
    }
    return {};
}

void OverlayInit(Overlay& o, const OverlayConfig& cfg)
{
    o.FontSize = cfg.FontSize;
    HeartsInit(o.Hearts, cfg.Seed);
    HeartOutline(kHeartArcSegments, o.HeartShape);
    o.Focus = OverlayFocus::None;
    o.Actions = OverlayActions{};
    o.ViewersSeen = false;
}

void OverlayAddHeartBatch(Overlay& o, std::span<const HeartColorCount> counts, double window_ms, double now)
{
    if (!o.State.HeartsEnabled)
        return;
    o.Hearts.ReducedMotion = o.State.ReducedMotion;
    HeartsAddBatch(o.Hearts, counts, window_ms / 1000.0, now);
}

void OverlayAddComment(Overlay& o, CommentEntry entry, std::size_t max_kept)
{
    std::vector<CommentEntry>& c = o.State.Comments;
    c.push_back(std::move(entry));
    if (c.size() > max_kept)
        c.erase(c.begin(), c.begin() + static_cast<std::ptrdiff_t>(c.size() - max_kept));
}

void OverlayNewFrame(Overlay& o, double now, float width, float height)
{
    o.Now = now;
    o.Width = width;
    o.Height = height;
    o.Hearts.ReducedMotion = o.State.ReducedMotion;
    if (o.State.HeartsEnabled)
    {
        for (const OverlayHeartBatch& b : o.State.HeartBatches)
            HeartsAddBatch(o.Hearts, b.Counts, b.WindowMs / 1000.0, now);
    }
    else
    {
        HeartsClear(o.Hearts);
    }
    o.State.HeartBatches.clear();
    HeartsUpdate(o.Hearts, now);

    if (!o.ViewersSeen)
    {
        o.ViewersSeen = true;
        o.LastViewers = o.State.ViewersLive;
    }
    else if (o.State.ViewersLive != o.LastViewers)
    {
        o.LastViewers = o.State.ViewersLive;
        o.ViewerPulseStart = now;
    }
    if (!o.State.Notice.empty() && now >= o.State.NoticeUntil)
        o.State.Notice.clear();
    if (!o.State.CommentsEnabled && o.Focus == OverlayFocus::Compose)
        OverlaySetFocus(o, OverlayFocus::None);
    if (!o.State.HeartsEnabled && o.Focus == OverlayFocus::HeartButton)
        OverlaySetFocus(o, OverlayFocus::None);
    if (o.State.ReadOnly)
        OverlaySetFocus(o, OverlayFocus::None);
    o.Layout = OverlayComputeLayout(width, height, o.FontSize, o.State, o.Measure);
}

void OverlaySetFocus(Overlay& o, OverlayFocus focus)
{
    if (focus == o.Focus)
        return;
    const bool was_compose = o.Focus == OverlayFocus::Compose;
    o.Focus = focus;
    const bool is_compose = focus == OverlayFocus::Compose;
    if (was_compose != is_compose)
    {
        o.Actions.ComposeFocusChanged = true;
        o.Actions.ComposeFocused = is_compose;
    }
}

void OverlaySendHeart(Overlay& o)
{
    if (!o.State.HeartsEnabled || o.State.ReadOnly)
        return;
    o.Hearts.ReducedMotion = o.State.ReducedMotion;
    HeartsAddOwn(o.Hearts, o.State.OwnRgb, o.Now);
    ++o.Actions.HeartsToSend;
}

namespace {
void SubmitCompose(Overlay& o)
{
    if (o.State.ReadOnly)
        return;
    std::string text;
    const bool question = OverlayComposeIsQuestion(o);
    if (ComposeSubmit(o.Compose, text))
    {
        o.Actions.Comments.push_back(std::move(text));
        o.Actions.CommentQuestions.push_back(question);
        o.Actions.ComposeTextChanged = true;
        o.QuestionChoice = ComposeQuestion::Auto;
    }
}
} // namespace

bool OverlayComposeIsQuestion(const Overlay& o)
{
    if (!o.State.QuestionsEnabled)
        return false;
    switch (o.QuestionChoice)
    {
        case ComposeQuestion::On: return true;
        case ComposeQuestion::Off: return false;
        case ComposeQuestion::Auto: break;
    }
    return o.LooksLikeQuestion && o.LooksLikeQuestion(o.Compose.Text);
}

void OverlaySetComposeQuestion(Overlay& o, ComposeQuestion choice) { o.QuestionChoice = choice; }

void OverlayToggleComposeQuestion(Overlay& o)
{
    o.QuestionChoice = OverlayComposeIsQuestion(o) ? ComposeQuestion::Off : ComposeQuestion::On;
}

void OverlaySetQuestionsOpen(Overlay& o, bool open)
{
    if (o.State.QuestionsOpen == open)
        return;
    o.State.QuestionsOpen = open;
    o.Actions.QuestionsOpenChanged = true;
}

void OverlayVoteTap(Overlay& o, std::string_view id)
{
    if (o.State.ReadOnly)
        return; // a replayed board is inert
    for (const OverlayQuestion& q : o.State.Questions)
    {
        if (q.Id == id)
        {
            o.Actions.Votes.push_back(OverlayVote{q.Id, !q.Voted});
            return;
        }
    }
}

void OverlayShowNotice(Overlay& o, std::string_view message)
{
    o.State.Notice = Utf8Sanitize(message);
    o.State.NoticeUntil = o.Now + kNoticeSeconds;
}

void OverlayRefused(Overlay& o, std::string_view reason, std::string_view text)
{
    OverlayShowNotice(o, reason);
    if (text.empty())
        return;
    std::string back(text);
    if (!o.Compose.Text.empty() && o.Compose.Text != back)
        back += " " + o.Compose.Text;
    if (back != o.Compose.Text)
    {
        ComposeSetText(o.Compose, back);
        o.Actions.ComposeTextChanged = true;
    }
}

int OverlayCommentAt(const Overlay& o, float x, float y)
{
    const OverlayRect& box = o.Layout.Comments;
    if (o.State.QuestionsOpen && !o.Layout.QuestionsBeside && o.Layout.Questions.W > 0.0f)
        return -1; // the questions view covers the chat
    for (const CommentBacking& b : o.Comments.Backings)
    {
        const OverlayRect r{box.X + b.Rect.X, box.Y + b.Rect.Y, b.Rect.W, b.Rect.H};
        if (b.Alpha > 0.0f && r.Contains(x, y) && b.Entry < o.State.Comments.size())
            return static_cast<int>(b.Entry);
    }
    return -1;
}

int OverlayQuestionAt(const Overlay& o, float x, float y)
{
    for (const QuestionRow& r : o.Layout.QuestionRows)
        if (r.Rect.Contains(x, y) && r.Index < o.State.Questions.size())
            return static_cast<int>(r.Index);
    return -1;
}

bool OverlayOnPointerDown(Overlay& o, float x, float y)
{
    if (!(x >= 0.0f && y >= 0.0f && x < o.Width && y < o.Height))
        return false;
    const OverlayLayout& l = o.Layout;
    if (o.State.QuestionsEnabled && o.State.CommentsEnabled)
    {
        if (l.QuestionsTab.Contains(x, y))
        {
            OverlaySetQuestionsOpen(o, !o.State.QuestionsOpen);
            return true;
        }
        if (o.State.QuestionsOpen && l.Questions.Contains(x, y))
        {
            for (const QuestionRow& r : l.QuestionRows) // read-only rows have no Vote rect
                if (r.Vote.Contains(x, y) && r.Index < o.State.Questions.size())
                    OverlayVoteTap(o, o.State.Questions[r.Index].Id);
            return true; // the view takes its taps: no heart
        }
        if (l.AskToggle.Contains(x, y))
        {
            OverlayToggleComposeQuestion(o);
            OverlaySetFocus(o, OverlayFocus::Compose);
            return true;
        }
    }
    if (o.State.ReadOnly)
    { // a replay: nothing to send, nothing to focus (the questions tab above still opens the view)
        OverlaySetFocus(o, OverlayFocus::None);
        return false;
    }
    if (o.State.CommentsEnabled && o.Layout.Compose.Contains(x, y))
    {
        if (o.Layout.SendButton.Contains(x, y))
            SubmitCompose(o);
        OverlaySetFocus(o, OverlayFocus::Compose);
        return true;
    }
    OverlaySetFocus(o, OverlayFocus::None);
    if (!o.State.HeartsEnabled)
        return false;
    OverlaySendHeart(o);
    return true;
}

bool OverlayOnKeyText(Overlay& o, std::string_view utf8)
{
    if (o.Focus != OverlayFocus::Compose || !o.State.CommentsEnabled || o.State.ReadOnly)
        return false;
    if (ComposeInsert(o.Compose, utf8) > 0)
        o.Actions.ComposeTextChanged = true;
    return true;
}

bool OverlayOnKey(Overlay& o, OverlayKey key)
{
    switch (key)
    {
        case OverlayKey::Tab: {
            OverlayFocus next = OverlayFocus::None;
            if (o.State.ReadOnly)
                next = OverlayFocus::None; // a replay has no heart button and no compose box
            else if (o.Focus == OverlayFocus::None && o.State.HeartsEnabled)
                next = OverlayFocus::HeartButton;
            else if (o.Focus != OverlayFocus::Compose && o.State.CommentsEnabled)
                next = OverlayFocus::Compose;
            OverlaySetFocus(o, next);
            return next != OverlayFocus::None;
        }
        case OverlayKey::Escape:
            if (o.Focus == OverlayFocus::None)
                return false;
            OverlaySetFocus(o, OverlayFocus::None);
            return true;
        case OverlayKey::Enter:
        case OverlayKey::Space:
            if (o.Focus == OverlayFocus::HeartButton)
            {
                OverlaySendHeart(o);
                return true;
            }
            if (o.Focus == OverlayFocus::Compose && key == OverlayKey::Enter)
            {
                SubmitCompose(o);
                return true;
            }
            return false;
        case OverlayKey::Backspace:
            if (o.Focus != OverlayFocus::Compose)
                return false;
            if (ComposeBackspace(o.Compose))
                o.Actions.ComposeTextChanged = true;
            return true;
    }
    return false;
}

float OverlayViewerPulse(const Overlay& o)
{
    const double t = (o.Now - o.ViewerPulseStart) / kViewerPulseSeconds;
    return static_cast<float>(std::clamp(t, 0.0, 1.0));
}

OverlayActions OverlayTakeActions(Overlay& o)
{
    OverlayActions a = std::move(o.Actions);
    a.ComposeFocused = o.Focus == OverlayFocus::Compose;
    o.Actions = OverlayActions{};
    return a;
}

} // namespace livescope
