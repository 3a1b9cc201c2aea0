// Live latency controller: target from PART-HOLD-BACK, smooth catch-up with hysteresis, jumps, a stall back-off that probes back down.
#include <livescope/player/av/latency.h>

#include <algorithm>
#include <cmath>

namespace livescope {

namespace {

double Finite(double v, double fallback) { return std::isfinite(v) ? v : fallback; }

double StallStep(const LatencyConfig& config, double part_target)
{
    if (config.StallStep > 0.0)
        return config.StallStep;
    return std::max(0.2, part_target);
}

} // namespace

double LatencyBaseTarget(const LatencyConfig& config, double part_hold_back, double part_target)
{
    part_hold_back = std::max(0.0, Finite(part_hold_back, 0.0));
    part_target = std::max(0.0, Finite(part_target, 0.0));
    const double floor = std::max(0.0, config.MinTargetParts) * part_target;
    const double configured = Finite(config.TargetLatency, 0.0);
    if (configured > 0.0)
        return std::max(configured, floor);
    if (part_hold_back > 0.0)
        return part_hold_back;
    if (floor > 0.0)
        return floor;
    return 3.0;
}

double CatchUpRate(double excess, double exit, double ramp, double max_rate)
{
    if (!std::isfinite(excess) || excess <= exit)
        return 1.0;
    if (!(ramp > 0.0))
        return max_rate;
    // Ease-out: slope 2/ramp near zero (so the last centimetres still converge quickly, with a
    // step of only 2*(max-1)*exit/ramp at the exit threshold) and zero slope at MaxRate.
    const double x = std::min(1.0, excess / ramp);
    return 1.0 + (max_rate - 1.0) * x * (2.0 - x);
}

void LatencyControllerOnJump(LatencyController& ctl, double now)
{
    ctl.LastJump = now;
    ctl.CatchingUp = false;
}

LatencyDecision LatencyControllerUpdate(LatencyController& ctl, const LatencyObservation& obs)
{
    const LatencyConfig& cfg = ctl.Config;
    LatencyDecision out;
    const double now = Finite(obs.Now, ctl.LastUpdate < 0.0 ? 0.0 : ctl.LastUpdate);
    const double part_target = std::max(0.0, Finite(obs.PartTarget, 0.0));
    ctl.LastUpdate = now;

    // Stall back-off (docs/playback.md, "Latency control"): one step per stall onset, capped. After a quiet hold one
    // step is given back (a probe of the lower target). A stall within RelapseWindow of a give-back means the lower
    // target does not hold here: the hold doubles (up to MaxBackoffHold), so the controller backs off until it stops
    // stalling instead of decaying into the next stall every few seconds. Fully given back, each further quiet hold (and
    // at least RelapseWindow) halves the hold again.
    const double base_hold = std::max(0.0, cfg.BackoffHold);
    if (!(ctl.Hold >= base_hold))
        ctl.Hold = base_hold;
    const double step = StallStep(cfg, part_target);
    if (obs.Stalled && !ctl.WasStalled)
    {
        ++ctl.Stalls;
        if (now - ctl.LastGiveBack <= cfg.RelapseWindow)
        {
            ++ctl.Relapses;
            ctl.Hold = std::min(std::max(base_hold, cfg.MaxBackoffHold), std::max(ctl.Hold * 2.0, 1.0));
            ctl.LastGiveBack = -1e300; // one relapse per give-back
        }
        ctl.LastStall = now;
        ctl.LastChange = now;
        ctl.Backoff = std::min(std::max(0.0, cfg.MaxBackoff), ctl.Backoff + step);
    }
    else if (!obs.Stalled && now - ctl.LastChange >= ctl.Hold)
    {
        if (ctl.Backoff > 0.0)
        {
            ctl.Backoff = std::max(0.0, ctl.Backoff - step);
            if (ctl.Backoff < 1e-9)
                ctl.Backoff = 0.0;
            ctl.LastGiveBack = now;
            ctl.LastChange = now;
        }
        else if (ctl.Hold > base_hold && now - ctl.LastChange >= std::max(ctl.Hold, cfg.RelapseWindow))
        {
            ctl.Hold = std::max(base_hold, ctl.Hold * 0.5);
            ctl.LastChange = now;
        }
    }
    ctl.WasStalled = obs.Stalled;

    out.BaseTarget = LatencyBaseTarget(cfg, obs.PartHoldBack, part_target);
    out.Backoff = ctl.Backoff;
    out.BackoffHold = ctl.Hold;
    out.TargetLatency = out.BaseTarget + ctl.Backoff;

    const double latency = Finite(obs.Latency, out.TargetLatency);
    const double excess = latency - out.TargetLatency;

    // Far behind: jump to the live edge (rate-limited, never while stalled).
    if (!obs.Stalled && excess > cfg.JumpThreshold && now - ctl.LastJump >= cfg.JumpCooldown)
    {
        ++ctl.Jumps;
        LatencyControllerOnJump(ctl, now);
        out.Jump = true;
        out.Rate = 1.0;
        return out;
    }

    // Hysteresis: start above CatchUpEnter, stop at CatchUpExit.
    if (ctl.CatchingUp && excess <= cfg.CatchUpExit)
        ctl.CatchingUp = false;
    else if (!ctl.CatchingUp && excess > cfg.CatchUpEnter)
        ctl.CatchingUp = true;

    const double min_buffer = cfg.MinBufferForCatchUp > 0.0 ? cfg.MinBufferForCatchUp : part_target;
    const double max_rate = std::clamp(Finite(cfg.MaxRate, 1.2), 1.1, 1.25);
    out.CatchingUp = ctl.CatchingUp;
    if (ctl.CatchingUp && !obs.Stalled && Finite(obs.BufferAhead, 0.0) > min_buffer)
        out.Rate = CatchUpRate(excess, cfg.CatchUpExit, cfg.RateRamp, max_rate);
    return out;
}

double ResampleRatioForRate(double rate)
{
    if (!std::isfinite(rate) || rate <= 0.0)
        return 1.0;
    return rate;
}

ResampleCompensation ResampleCompensationForRate(double rate, int distance)
{
    ResampleCompensation out;
    if (distance <= 0)
        return out;
    const double ratio = ResampleRatioForRate(rate);
    // swr scales its input step per output sample by (1 - delta / distance); that factor must be r.
    const double delta = static_cast<double>(distance) * (1.0 - ratio);
    out.SampleDelta = static_cast<int>(std::lround(delta));
    out.Distance = distance;
    return out;
}

} // namespace livescope
