// Replay (VOD) and live DVR decisions of the page (replay.h).
#include <livescope/player/av/replay.h>

#include <algorithm>

namespace livescope {

bool ReplayHasDvr(const ReplayTimeline& t) { return !t.Replay && t.StartPdt > 0.0 && t.Duration >= kDvrMinWindow; }

double ReplayPositionOf(const ReplayTimeline& t, double shown_pdt)
{
    if (!(t.StartPdt > 0.0) || !(shown_pdt > 0.0) || !std::isfinite(shown_pdt)) return NAN;
    const double p = shown_pdt - t.StartPdt;
    return t.Replay && t.Duration > 0.0 ? std::clamp(p, 0.0, t.Duration) : std::max(0.0, p);
}

double ReplayClampTarget(const ReplayTimeline& t, double position)
{
    if (!std::isfinite(position)) position = 0.0;
    const double end = t.Replay ? std::max(0.0, t.Duration - 0.1) : std::max(0.0, t.Duration);
    return std::clamp(position, 0.0, end);
}

double ReplayTargetPdt(const ReplayTimeline& t, double position)
{
    return t.StartPdt > 0.0 ? t.StartPdt + ReplayClampTarget(t, position) : 0.0;
}

bool ReplayPlayedOut(const ReplayTimeline& t, double position)
{
    if (!t.Replay || !std::isfinite(position) || !(t.Duration > 0.0)) return true;
    return position >= t.Duration - kReplayEndSlack;
}

bool TimeUpdateGate::Due(double now, double position)
{
    if (now - LastAt < kTimeUpdateInterval) return false;
    if (std::isfinite(position) && std::isfinite(LastPosition) && std::fabs(position - LastPosition) < 1e-6) return false;
    if (!std::isfinite(position) && !std::isfinite(LastPosition)) return false;
    LastAt = now;
    LastPosition = position;
    return true;
}

} // namespace livescope
