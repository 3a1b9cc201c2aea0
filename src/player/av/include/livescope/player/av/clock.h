// A/V sync core in the style of ffplay.c: clocks as pure functions of an injected time, frame timing and drop rules.
#pragma once

// [SECTION] Clock
// [SECTION] Frame timing (ComputeTargetDelay, ShouldDropFrame)
// [SECTION] VideoScheduler (the per-refresh decision: wait, show or drop)

namespace livescope {

// [SECTION] Clock ------------------------------------------------------------------------------

// A clock that runs at Speed from Pts, set at LastUpdated. Audio is the master clock.
// All times are seconds; "now" is always passed in (no global time source).
struct Clock
{
    double Pts = 0.0;         // seconds, stream time at LastUpdated
    double PtsDrift = 0.0;    // seconds, Pts - LastUpdated
    double LastUpdated = 0.0; // seconds, host time of the last ClockSet
    double Speed = 1.0;       // playback rate; 0 freezes the clock (pause)
    int Serial = -1;          // serial of the data that set the clock; -1 = never set
};

// Sets the clock to `pts` at host time `now`, for data of `serial`.
void ClockSet(Clock& clock, double pts, double now, int serial);
// Stream time at host time `now`. Meaningless if ClockIsCurrent() is false.
double ClockGet(const Clock& clock, double now);
// True when the clock was set by data of `current_serial` (stale clocks must not drive sync).
bool ClockIsCurrent(const Clock& clock, int current_serial);
// Changes the speed at `now` without a jump in the clock's value.
void ClockSetSpeed(Clock& clock, double speed, double now);

// How ClockSync treats a report that is close to the clock's own extrapolation.
struct ClockFilter
{
    double Tolerance = 0.05; // seconds; a report further off than this (or of another serial) sets the clock at once
    double Gain = 0.125;     // the share of a report's error taken per report within the tolerance
};

// Sets the clock from a report of `pts` at host time `now` (the audio output's played position, about every 50 ms):
// within the filter's tolerance of the clock's extrapolation, the clock moves by Gain x the error (report jitter: the
// message's delay, the output's render bursts, averaged out over ~8 reports), else (first report, a new serial, a jump,
// an underrun) it is set to the report. Keeps Speed.
void ClockSync(Clock& clock, double pts, double now, int serial, const ClockFilter& filter = {});

// [SECTION] Frame timing -----------------------------------------------------------------------

struct SyncParams
{
    double SyncThresholdMin = 0.04; // seconds; below this A/V difference nothing is corrected
    double SyncThresholdMax = 0.1;  // seconds; the threshold never exceeds this
    double FrameDupThreshold = 0.1; // seconds; longer frames are stretched by the diff, not doubled
    double NoSyncThreshold = 10.0;  // seconds; larger differences are treated as a clock reset
};

// How long to keep the current frame on screen (seconds). `frame_delay` is the nominal duration of
// the frame on screen; `diff` = video clock - master clock (seconds; NaN or huge = do not sync).
double ComputeTargetDelay(double frame_delay, double diff, const SyncParams& params = {});

// Late-frame rule: the frame waiting to be shown should be dropped when a newer one is queued and
// host time has already passed the end of its display slot.
bool ShouldDropFrame(double now, double frame_timer, double frame_duration, bool has_later_frame);

// Nominal duration of a frame from its and the next frame's pts, with the fallback when the
// pts difference is invalid (discontinuity, non-monotonic or larger than `max_frame_duration`).
double FrameDuration(double pts, double next_pts, double fallback_duration, double max_frame_duration);

// [SECTION] VideoScheduler ---------------------------------------------------------------------

struct FrameInfo
{
    double Pts = 0.0;      // seconds, stream time
    double Duration = 0.0; // seconds, nominal (from the frame rate); 0 if unknown
    int Serial = 0;
};

enum class FrameAction
{
    Wait, // fired when the frame on screen must stay; call again after WaitTime
    Show, // fired when the candidate frame should be shown now
    Drop, // fired when the candidate frame is late (or stale) and must be discarded without showing
};

struct FrameDecision
{
    FrameAction Action = FrameAction::Wait;
    double WaitTime = 0.0; // seconds; for Wait, how long until the candidate is due
};

// Per-refresh state of video display (ffplay's frame_timer and friends). Pure: no queue ownership.
struct VideoScheduler
{
    SyncParams Params;
    double MaxFrameDuration = 10.0; // seconds; pts gaps above this are discontinuities
    double FrameTimer = 0.0;        // seconds, host time when the frame on screen was due
    FrameInfo Shown;                // the frame on screen
    double ShownAt = 0.0;           // seconds, host time when Shown was put on screen
    bool HasShown = false;
    double LastShowAt = -1.0; // seconds, host time (the refresh's `now`) of the last Show: one Show per refresh
    bool FrameDrop = true; // allow the late-frame rule
    int Dropped = 0;       // count of frames dropped by the late-frame rule or as stale
    // Dropped, by cause (docs/playback.md, "Frame scheduling"): the rule that dropped each frame.
    int DroppedStale = 0;     // rule 1: from another serial (before a seek or a jump)
    int DroppedLateClock = 0; // rule 2: its slot ended more than the sync threshold before the master clock
    int DroppedMissed = 0;    // rule 4: the display missed its whole slot
};

// Decides what to do with `candidate`, the oldest queued frame. `later` is the frame after it, or
// null. `master` is the master (audio) clock, `current_serial` the serial now playing; frames of
// another serial are dropped. Frame durations are paced at the master's Speed (catch-up), and
// a master of another serial (no audio yet) leaves pacing to frame durations alone. On Show the
// scheduler records the candidate as the frame on screen. A refresh is one `now`: after a Show at `now`, every further
// call with the same `now` waits (one frame per refresh; the page uploads only frames the screen will show).
FrameDecision VideoSchedulerStep(VideoScheduler& sched, double now, const FrameInfo& candidate, const FrameInfo* later,
                                 const Clock& master, int current_serial);

} // namespace livescope
