// The replay / DVR controls bar: pure layout, hit rule and time format (playback_bar.h).
#include <livescope/overlay/playback_bar.h>

#include <livescope/base/utf8.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace livescope {

std::string OverlayFormatPlaybackTime(double seconds)
{
    if (!std::isfinite(seconds) || seconds < 0.0) seconds = 0.0;
    const long long s = static_cast<long long>(std::floor(seconds));
    char buf[32];
    if (s >= 3600)
        std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
    else
        std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
    return buf;
}

PlaybackBarLayout OverlayPlaybackBarLayout(float width, float height, float unit, const PlaybackBarState& s,
                                           const PlaybackBarStrings& strings, const TextMeasureFn& measure_in)
{
    PlaybackBarLayout l;
    if (!OverlayPlaybackBarShown(s)) return l;
    const float u = std::max(unit, 4.0f);
    const TextMeasureFn measure = measure_in ? measure_in : TextMeasureFn([u](std::string_view t) {
        return 0.55f * u * static_cast<float>(Utf8CountCodePoints(t));
    });
    const float pad = 0.75f * u, gap = 0.5f * u, h = PlaybackBarHeight(u);
    l.Visible = true;
    l.Bar = {pad, std::max(0.0f, height - pad - h), std::max(0.0f, width - 2.0f * pad), h};
    float x = l.Bar.X + 0.25f * u, right = l.Bar.Right() - 0.25f * u;
    if (s.Replay)
    {
        l.Play = {x, l.Bar.Y, h, h};
        x = l.Play.Right() + gap;
        // The time in small text (0.75u): the longest form of this duration, so the track does not jump as it plays.
        const std::string widest = OverlayFormatPlaybackTime(s.Duration) + " / " + OverlayFormatPlaybackTime(s.Duration);
        const float time_w = std::min(0.75f * measure(widest) + 0.25f * u, std::max(0.0f, (right - x) * 0.5f));
        l.Time = {right - time_w, l.Bar.Y, time_w, h};
        l.TimeText = OverlayFormatPlaybackTime(s.Position) + " / " + OverlayFormatPlaybackTime(s.Duration);
        right = l.Time.X - gap;
    }
    else
    {
        // DVR: "−30 s" at the left, "Live" at the right, each at most 30 % of the bar.
        const float max_label = std::max(0.0f, l.Bar.W * 0.3f);
        l.BackLabel = OverlayFitLabel(strings.Back30, "", max_label - u, measure);
        l.LiveLabel = OverlayFitLabel(strings.Live, "", max_label - u, measure);
        const float back_w = std::min(max_label, measure(l.BackLabel.Text) + u);
        const float live_w = std::min(max_label, measure(l.LiveLabel.Text) + u);
        l.Back = {x, l.Bar.Y + 0.2f * u, back_w, h - 0.4f * u};
        l.Live = {right - live_w, l.Bar.Y + 0.2f * u, live_w, h - 0.4f * u};
        x = l.Back.Right() + gap;
        right = l.Live.X - gap;
    }
    l.Seek = {x, l.Bar.Y, std::max(0.0f, right - x), h};
    const float track_h = 0.5f * u;
    l.Track = {l.Seek.X, l.Seek.Y + (h - track_h) * 0.5f, l.Seek.W, track_h};
    return l;
}

double OverlaySeekPositionAt(const PlaybackBarLayout& l, float x, double duration)
{
    if (!(duration > 0.0) || !(l.Track.W > 0.0f)) return 0.0;
    const double f = std::clamp(static_cast<double>(x - l.Track.X) / static_cast<double>(l.Track.W), 0.0, 1.0);
    return f * duration;
}

} // namespace livescope
