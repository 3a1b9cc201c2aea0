// Overlay core: frame step, input entry points and the pure screen layout (see overlay_core.h).
#include "overlay_core.h"

#include <algorithm>
#include <utility>

namespace livescope {

namespace {
constexpr double kViewerPulseSeconds = 0.6;
constexpr int kHeartArcSegments = 5; // per lobe: 12 outline points per heart
} // namespace

OverlayLayout OverlayComputeLayout(float width, float height, float font_size, const OverlayState& s)
{
    OverlayLayout l;
    width = std::max(width, 1.0f);
    height = std::max(height, 1.0f);
    const float u = std::max(font_size, 4.0f);
    l.Unit = u;
    l.Pad = 0.75f * u;
    l.Header = { l.Pad, l.Pad, std::max(0.0f, width - 2.0f * l.Pad), 1.6f * u };
    const float viewers_w = std::min(7.0f * u, l.Header.W * 0.4f);
    l.Viewers = { l.Header.Right() - viewers_w, l.Pad, viewers_w, 2.6f * u };

    const float button = 2.6f * u;
    l.HeartButton = { width - l.Pad - button, height - l.Pad - button, button, button };
    if (!s.HeartsEnabled)
        l.HeartButton = { l.HeartButton.X, l.HeartButton.Y, 0.0f, 0.0f };
    l.HeartEmitter = { l.HeartButton.X + 0.5f * button, l.HeartButton.Y };
    l.HeartRise = std::max(2.0f * u, std::min(height * 0.6f, l.HeartButton.Y - l.Header.Bottom() - u));
    l.HeartSize = 1.6f * u;

    const float column_w = std::max(0.0f, std::min(24.0f * u, width - 3.0f * l.Pad - button));
    const float compose_h = 2.2f * u;
    const float bottom_y = height - l.Pad;
    if (s.CommentsEnabled) {
        l.Compose = { l.Pad, bottom_y - compose_h, column_w, compose_h };
        const float send_w = std::min(4.5f * u, l.Compose.W * 0.4f);
        l.SendButton = { l.Compose.Right() - send_w, l.Compose.Y, send_w, compose_h };
        const float top = l.Header.Bottom() + 2.0f * u; // below the header and the total-viewers line
        const float bottom = l.Compose.Y - 0.5f * u;
        l.Comments = { l.Pad, top, std::min(column_w, std::max(0.0f, width * 0.62f)), std::max(0.0f, bottom - top) };
    } else {
        l.Compose = { l.Pad, bottom_y, 0.0f, 0.0f };
        l.SendButton = l.Compose;
        l.Comments = { l.Pad, bottom_y, 0.0f, 0.0f };
    }
    return l;
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
    if (o.State.HeartsEnabled) {
        for (const OverlayHeartBatch& b : o.State.HeartBatches)
            HeartsAddBatch(o.Hearts, b.Counts, b.WindowMs / 1000.0, now);
    } else {
        HeartsClear(o.Hearts);
    }
    o.State.HeartBatches.clear();
    HeartsUpdate(o.Hearts, now);

    if (!o.ViewersSeen) {
        o.ViewersSeen = true;
        o.LastViewers = o.State.ViewersLive;
    } else if (o.State.ViewersLive != o.LastViewers) {
        o.LastViewers = o.State.ViewersLive;
        o.ViewerPulseStart = now;
    }
    if (!o.State.CommentsEnabled && o.Focus == OverlayFocus::Compose)
        OverlaySetFocus(o, OverlayFocus::None);
    if (!o.State.HeartsEnabled && o.Focus == OverlayFocus::HeartButton)
        OverlaySetFocus(o, OverlayFocus::None);
    o.Layout = OverlayComputeLayout(width, height, o.FontSize, o.State);
}

void OverlaySetFocus(Overlay& o, OverlayFocus focus)
{
    if (focus == o.Focus)
        return;
    const bool was_compose = o.Focus == OverlayFocus::Compose;
    o.Focus = focus;
    const bool is_compose = focus == OverlayFocus::Compose;
    if (was_compose != is_compose) {
        o.Actions.ComposeFocusChanged = true;
        o.Actions.ComposeFocused = is_compose;
    }
}

void OverlaySendHeart(Overlay& o)
{
    if (!o.State.HeartsEnabled)
        return;
    o.Hearts.ReducedMotion = o.State.ReducedMotion;
    HeartsAddOwn(o.Hearts, o.State.OwnRgb, o.Now);
    ++o.Actions.HeartsToSend;
}

namespace {
void SubmitCompose(Overlay& o)
{
    std::string text;
    if (ComposeSubmit(o.Compose, text)) {
        o.Actions.Comments.push_back(std::move(text));
        o.Actions.ComposeTextChanged = true;
    }
}
} // namespace

bool OverlayOnPointerDown(Overlay& o, float x, float y)
{
    if (!(x >= 0.0f && y >= 0.0f && x < o.Width && y < o.Height))
        return false;
    if (o.State.CommentsEnabled && o.Layout.Compose.Contains(x, y)) {
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
    if (o.Focus != OverlayFocus::Compose || !o.State.CommentsEnabled)
        return false;
    if (ComposeInsert(o.Compose, utf8) > 0)
        o.Actions.ComposeTextChanged = true;
    return true;
}

bool OverlayOnKey(Overlay& o, OverlayKey key)
{
    switch (key) {
    case OverlayKey::Tab: {
        OverlayFocus next = OverlayFocus::None;
        if (o.Focus == OverlayFocus::None && o.State.HeartsEnabled)
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
        if (o.Focus == OverlayFocus::HeartButton) {
            OverlaySendHeart(o);
            return true;
        }
        if (o.Focus == OverlayFocus::Compose && key == OverlayKey::Enter) {
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
