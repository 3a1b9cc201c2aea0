// Live latency controller: from observations (latency, buffer, playlist timing, stalls) to a playback rate and jumps.
#pragma once

// [SECTION] Config, observation, decision
// [SECTION] Controller
// [SECTION] Audio helpers (resample ratio for a playback rate)

namespace livescope {

// [SECTION] Config, observation, decision --------------------------------------------------------

struct LatencyConfig
{
    double TargetLatency = 0.0;       // seconds; 0 = what the playlist's PART-HOLD-BACK allows
    double MinTargetParts = 3.0;      // part targets; the configured target is never below this
    double MaxRate = 1.2;             // catch-up ceiling, clamped to [1.1, 1.25]
    double CatchUpEnter = 0.5;        // seconds of excess latency that start catching up
    double CatchUpExit = 0.05;        // seconds of excess latency at which the rate is back to 1.0
    double RateRamp = 1.0;            // seconds of excess at which the rate reaches MaxRate (ease-out curve)
    double MinBufferForCatchUp = 0.0; // seconds of buffer below which no speed-up; 0 = one part target
    double JumpThreshold = 3.0;       // seconds above target that trigger a jump to the live edge
    double JumpCooldown = 2.0;        // seconds; no second jump sooner (the latency estimate lags)
    double StallStep = 0.0;           // seconds added to the target per stall; 0 = one part target (>= 0.2 s)
    double MaxBackoff = 3.0;          // seconds; the stall back-off never exceeds this
    double BackoffHold = 5.0;         // seconds without stalls before one step of back-off is given back (the first hold)
    double MaxBackoffHold = 300.0;    // seconds; the hold doubles after each relapse up to this
    double RelapseWindow = 60.0;      // seconds; a stall this soon after a give-back was a relapse: the hold doubles
};

struct LatencyObservation
{
    double Now = 0.0;          // seconds, host time
    double Latency = 0.0;      // seconds, now minus PROGRAM-DATE-TIME of the frame on screen
    double BufferAhead = 0.0;  // seconds of media buffered past the playhead
    double PartHoldBack = 0.0; // seconds, playlist's PART-HOLD-BACK (0 = unknown)
    double PartTarget = 0.0;   // seconds, playlist's PART-INF PART-TARGET (0 = unknown)
    bool Stalled = false;      // true while playback waits for data (the onset counts as one stall)
};

struct LatencyDecision
{
    double Rate = 1.0;          // playback rate to apply now
    bool Jump = false;          // true: seek to the newest independent part now
    double TargetLatency = 0.0; // seconds, current target (base + back-off)
    double BaseTarget = 0.0;    // seconds, target without stall back-off
    double Backoff = 0.0;       // seconds added after stalls
    double BackoffHold = 0.0;   // seconds of stall-free play before the next step is given back
    bool CatchingUp = false;    // true while the hysteresis band says "speed up"
};

// [SECTION] Controller -------------------------------------------------------------------------

struct LatencyController
{
    LatencyConfig Config;
    double Backoff = 0.0;      // seconds
    double Hold = 0.0;         // seconds, the current back-off hold; 0 = Config.BackoffHold
    double LastChange = -1e300; // seconds, host time of the last stall onset or give-back
    double LastGiveBack = -1e300; // seconds, host time of the last step given back
    double LastStall = -1e300; // seconds, host time of the last stall onset
    double LastUpdate = -1.0;  // seconds, host time of the last update; < 0 = none yet
    double LastJump = -1e300;  // seconds, host time of the last jump decision
    bool WasStalled = false;
    bool CatchingUp = false;
    int Stalls = 0;    // stall onsets seen
    int Relapses = 0;  // stalls within RelapseWindow of a give-back (each doubled the hold)
    int Jumps = 0;     // jumps decided
};

// The base target: Config.TargetLatency clamped to >= MinTargetParts part targets, or the
// playlist's PART-HOLD-BACK (or 3 part targets, or 3 s, when the playlist does not say).
double LatencyBaseTarget(const LatencyConfig& config, double part_hold_back, double part_target);

// The catch-up rate for `excess` seconds above target: 1.0 up to `exit`, then rising smoothly to
// `max_rate` at `ramp` seconds of excess.
double CatchUpRate(double excess, double exit, double ramp, double max_rate);

// Feeds one observation (call every frame or every few hundred ms) and returns what to do.
// Pure: the result depends only on the controller state and the observation.
LatencyDecision LatencyControllerUpdate(LatencyController& ctl, const LatencyObservation& obs);

// Tells the controller a jump happened (the caller performed it); resets catch-up state.
void LatencyControllerOnJump(LatencyController& ctl, double now);

// [SECTION] Audio helpers ----------------------------------------------------------------------

// Resample ratio (input samples consumed per output sample) to play at `rate` without a time
// stretcher: audio at 1.2x consumes 1.2 input samples per output sample (pitch rises accordingly).
double ResampleRatioForRate(double rate);

// swr_set_compensation() arguments that play at `rate` for the next `distance` output samples
// (swr steps through input (1 - SampleDelta / Distance) times as fast): SampleDelta is negative
// when speeding up.
struct ResampleCompensation
{
    int SampleDelta = 0; // samples added (negative: removed) over Distance
    int Distance = 0;    // output samples
};
ResampleCompensation ResampleCompensationForRate(double rate, int distance);

} // namespace livescope
