// A/V sync core: clocks, target delay, late-frame drop and the per-refresh video scheduler.
#include <livescope/player/av/clock.h>

#include <algorithm>
#include <cmath>

namespace livescope {

void ClockSet(Clock& clock, double pts, double now, int serial)
{
    clock.Pts = pts;
    clock.LastUpdated = now;
    clock.PtsDrift = pts - now;
    clock.Serial = serial;
}

double ClockGet(const Clock& clock, double now)
{
    // Value advances at Speed since LastUpdated: Pts + (now - LastUpdated) * Speed.
    return clock.PtsDrift + now - (now - clock.LastUpdated) * (1.0 - clock.Speed);
}

bool ClockIsCurrent(const Clock& clock, int current_serial)
{
    return clock.Serial >= 0 && clock.Serial == current_serial;
}

void ClockSetSpeed(Clock& clock, double speed, double now)
{
    if (!std::isfinite(speed) || speed < 0.0)
        return;
    ClockSet(clock, ClockGet(clock, now), now, clock.Serial);
    clock.Speed = speed;
}

void ClockSync(Clock& clock, double pts, double now, int serial, const ClockFilter& filter)
{
    if (!std::isfinite(pts) || !std::isfinite(now))
        return;
    if (clock.Serial != serial || clock.Serial < 0)
    {
        ClockSet(clock, pts, now, serial);
        return;
    }
    const double extrapolated = ClockGet(clock, now);
    const double error = pts - extrapolated;
    if (!(std::fabs(error) <= filter.Tolerance))
    {
        ClockSet(clock, pts, now, serial);
        return;
    }
    ClockSet(clock, extrapolated + std::clamp(filter.Gain, 0.0, 1.0) * error, now, serial);
}

double ComputeTargetDelay(double frame_delay, double diff, const SyncParams& params)
{
    if (!std::isfinite(frame_delay) || frame_delay < 0.0)
        frame_delay = 0.0;
    if (!std::isfinite(diff) || std::fabs(diff) >= params.NoSyncThreshold)
        return frame_delay;
    // The threshold scales with the frame duration, within [min, max].
    const double threshold = std::max(params.SyncThresholdMin, std::min(params.SyncThresholdMax, frame_delay));
    if (diff <= -threshold)
        return std::max(0.0, frame_delay + diff); // video behind: shorten (to 0: catch up by dropping)
    if (diff >= threshold && frame_delay > params.FrameDupThreshold)
        return frame_delay + diff; // video ahead, long frame: stretch by the difference
    if (diff >= threshold)
        return 2.0 * frame_delay; // video ahead, short frame: show it twice as long
    return frame_delay;
}

bool ShouldDropFrame(double now, double frame_timer, double frame_duration, bool has_later_frame)
{
    return has_later_frame && now > frame_timer + frame_duration;
}

double FrameDuration(double pts, double next_pts, double fallback_duration, double max_frame_duration)
{
    const double d = next_pts - pts;
    if (!std::isfinite(d) || d <= 0.0 || d > max_frame_duration)
        return std::isfinite(fallback_duration) && fallback_duration > 0.0 ? fallback_duration : 0.0;
    return d;
}

FrameDecision VideoSchedulerStep(VideoScheduler& sched, double now, const FrameInfo& candidate, const FrameInfo* later,
                                 const Clock& master, int current_serial)
{
    FrameDecision out;
    if (candidate.Serial != current_serial)
    {
        ++sched.Dropped;
        ++sched.DroppedStale;
        out.Action = FrameAction::Drop;
        return out;
    }
    // First frame, or first frame after a discontinuity: show at once and restart the timer.
    if (!sched.HasShown || sched.Shown.Serial != candidate.Serial)
    {
        sched.FrameTimer = now;
        sched.Shown = candidate;
        sched.ShownAt = now;
        sched.HasShown = true;
        sched.LastShowAt = now;
        out.Action = FrameAction::Show;
        return out;
    }
    // Late against the master clock: the candidate's slot ended more than the sync threshold ago, so even shown now it
    // would be out of sync. Skip it while a later frame can take its place (stream-time form of the late-frame rule).
    // Within the threshold the timing below re-syncs without a drop: a clock reported a frame ahead (message delay,
    // render bursts, output latency) must not drop every other frame. The dropped frame becomes the timing reference
    // (Shown, FrameTimer = now), as ffplay's frame_timer advances over a dropped frame: else the next candidate would
    // be timed from the older frame on screen, due exactly when this rule drops it, and every frame would go.
    if (later != nullptr && sched.FrameDrop && later->Serial == current_serial && ClockIsCurrent(master, current_serial))
    {
        const double duration = FrameDuration(candidate.Pts, later->Pts, candidate.Duration, sched.MaxFrameDuration);
        const double threshold = std::max(sched.Params.SyncThresholdMin, std::min(sched.Params.SyncThresholdMax, duration));
        if (ShouldDropFrame(ClockGet(master, now), candidate.Pts + threshold, duration, true))
        {
            sched.Shown = candidate;
            sched.ShownAt = now;
            sched.FrameTimer = now;
            ++sched.Dropped;
            ++sched.DroppedLateClock;
            out.Action = FrameAction::Drop;
            return out;
        }
    }
    // Media durations become host durations at the master clock's speed (catch-up plays at 1.1-1.25x).
    const bool synced = ClockIsCurrent(master, current_serial);
    const double speed = synced ? master.Speed : 1.0;
    if (!(speed > 0.0))
    {
        out.Action = FrameAction::Wait; // master paused
        out.WaitTime = 0.01;
        return out;
    }
    const double last_duration = FrameDuration(sched.Shown.Pts, candidate.Pts, sched.Shown.Duration, sched.MaxFrameDuration) / speed;
    double diff = NAN;
    if (synced)
        diff = (sched.Shown.Pts + (now - sched.ShownAt) * speed - ClockGet(master, now)) / speed; // host seconds
    const double delay = ComputeTargetDelay(last_duration, diff, sched.Params);
    if (now < sched.FrameTimer + delay)
    {
        out.Action = FrameAction::Wait;
        out.WaitTime = sched.FrameTimer + delay - now;
        return out;
    }
    // One frame per refresh (ffplay's video_refresh shows one and returns): a frame shown at this `now` stays on screen
    // for at least this refresh, so a candidate due at once waits for the next one. Stepping on after a show would
    // upload a frame the screen never shows (replaced within the same refresh) and count it as shown: with video behind
    // the clock or a page that gets fewer refreshes than the stream has frames, two or three a refresh.
    if (now == sched.LastShowAt)
    {
        out.Action = FrameAction::Wait;
        out.WaitTime = 0.001; // due now: at the next refresh (a nominal wait for callers that poll)
        return out;
    }
    sched.FrameTimer += delay;
    if (delay > 0.0 && now - sched.FrameTimer > sched.Params.SyncThresholdMax)
        sched.FrameTimer = now; // far behind (stall, tab in background): resynchronise the timer
    if (later != nullptr && sched.FrameDrop && later->Serial == current_serial)
    {
        const double stream_duration = FrameDuration(candidate.Pts, later->Pts, candidate.Duration, sched.MaxFrameDuration);
        const double duration = stream_duration / speed;
        // The candidate's slot starts when it is due, but never before the frame on screen went up: one frame per
        // refresh, so a frame made due at once (video behind the clock by more than the threshold: delay 0) could not
        // be shown before the refresh after the last show. Counted from FrameTimer alone, the slot of such a frame had
        // passed at a normal refresh gap whenever the frame on screen had itself gone up a refresh after its due time
        // (clock jitter around the threshold: 0.1-0.4 dropped fps at 60 Hz, docs/playback.md).
        const double slot_start = std::max(sched.FrameTimer, sched.LastShowAt);
        // Synced to the master clock, a frame whose stream slot the clock has not left yet is the right one to show now,
        // however late the refresh: dropping it would leave the older frame on screen (a refresh 41 ms after the last
        // one dropped the frame the clock was in, at idle in the bench).
        const bool clock_past = !synced || ClockGet(master, now) >= candidate.Pts + stream_duration;
        if (clock_past && ShouldDropFrame(now, slot_start, duration, true))
        {
            // The candidate's slot is over already; it counts as shown for timing, but is not drawn.
            sched.Shown = candidate;
            sched.ShownAt = now;
            ++sched.Dropped;
            ++sched.DroppedMissed;
            out.Action = FrameAction::Drop;
            return out;
        }
    }
    sched.Shown = candidate;
    sched.ShownAt = now;
    sched.LastShowAt = now;
    out.Action = FrameAction::Show;
    return out;
}

} // namespace livescope
