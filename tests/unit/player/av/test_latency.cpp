// Tests for the live latency controller (src/player/av/latency.cpp): fake-clock simulations, bounds only.
#include <doctest/doctest.h>
#include <livescope/player/av/latency.h>

#include <algorithm>
#include <cmath>

using namespace livescope;

namespace {

// A tiny live-playback simulation: the live edge advances with host time, the playhead at `rate`.
struct Sim
{
    LatencyController Ctl;
    double Now = 0.0;     // seconds, host time
    double Latency = 0.0; // seconds
    double Buffer = 2.0;  // seconds
    double PartHoldBack = 1.0;
    double PartTarget = 0.333;
    LatencyDecision Last;

    void Step(double dt, bool stalled = false)
    {
        Now += dt;
        LatencyObservation obs{Now, Latency, Buffer, PartHoldBack, PartTarget, stalled};
        Last = LatencyControllerUpdate(Ctl, obs);
        if (Last.Jump)
        {
            Latency = Last.TargetLatency; // jump lands at the newest independent part
            return;
        }
        if (stalled)
            Latency += dt; // frozen picture, live edge moves on
        else
            Latency -= (Last.Rate - 1.0) * dt; // catch-up eats latency
    }
};

} // namespace

TEST_SUITE_BEGIN("player_av/latency");

TEST_CASE("the base target follows PART-HOLD-BACK and a configured target is floored at three parts")
{
    LatencyConfig c;
    CHECK(LatencyBaseTarget(c, 1.2, 0.4) == doctest::Approx(1.2));
    CHECK(LatencyBaseTarget(c, 0.0, 0.4) == doctest::Approx(1.2));
    CHECK(LatencyBaseTarget(c, 0.0, 0.0) == doctest::Approx(3.0));
    c.TargetLatency = 0.5;
    CHECK(LatencyBaseTarget(c, 1.2, 0.4) == doctest::Approx(1.2)); // 3 parts of 0.4
    c.TargetLatency = 2.5;
    CHECK(LatencyBaseTarget(c, 1.2, 0.4) == doctest::Approx(2.5));
    c.TargetLatency = NAN;
    CHECK(LatencyBaseTarget(c, 1.2, 0.4) == doctest::Approx(1.2));
}

TEST_CASE("the catch-up rate is smooth, bounded and 1.0 at the exit threshold")
{
    double prev = 1.0;
    for (double e = 0.0; e < 5.0; e += 0.01)
    {
        const double r = CatchUpRate(e, 0.05, 1.0, 1.2);
        CHECK(r >= 1.0);
        CHECK(r <= 1.2 + 1e-12);
        CHECK(r >= prev - 1e-12); // monotonic
        CHECK(r - prev <= 0.025); // no step but the small one at the exit threshold
        prev = r;
    }
    CHECK(CatchUpRate(0.05, 0.05, 1.0, 1.2) == 1.0);
    CHECK(CatchUpRate(10.0, 0.05, 1.0, 1.2) == doctest::Approx(1.2));
}

TEST_CASE("excess latency is caught up with hysteresis and the rate returns to 1.0 at target")
{
    Sim s;
    s.Latency = 2.5; // 1.5 s over the 1.0 s target
    double max_rate = 1.0;
    for (int i = 0; i < 60 * 20; ++i)
    { // 20 s at 60 Hz
        s.Step(1.0 / 60.0);
        max_rate = std::max(max_rate, s.Last.Rate);
        CHECK(s.Last.Rate >= 1.0);
        CHECK(s.Last.Rate <= 1.25);
        CHECK_FALSE(s.Last.Jump);
    }
    CHECK(max_rate > 1.1);
    CHECK(s.Last.Rate == 1.0);
    CHECK(s.Latency <= 1.0 + 0.05 + 1e-9);
    CHECK(s.Latency >= 1.0 - 0.01);
    // Hysteresis: a small excess (under CatchUpEnter) does not restart catch-up.
    s.Latency = 1.3;
    for (int i = 0; i < 60; ++i)
        s.Step(1.0 / 60.0);
    CHECK(s.Last.Rate == 1.0);
    CHECK(s.Latency == doctest::Approx(1.3));
}

TEST_CASE("catch-up never speeds up while the buffer is below one part")
{
    Sim s;
    s.Latency = 2.0;
    s.Buffer = 0.2;
    s.Step(0.1);
    CHECK(s.Last.CatchingUp);
    CHECK(s.Last.Rate == 1.0);
    s.Buffer = 1.0;
    s.Step(0.1);
    CHECK(s.Last.Rate > 1.0);
}

TEST_CASE("far behind the live edge the controller jumps once, then not again within the cooldown")
{
    Sim s;
    s.Latency = 6.0;
    s.Step(0.1);
    CHECK(s.Last.Jump);
    CHECK(s.Latency == doctest::Approx(1.0));
    s.Latency = 6.0; // the estimate lags just after the jump
    s.Step(0.1);
    CHECK_FALSE(s.Last.Jump);
    for (int i = 0; i < 30; ++i)
        s.Step(0.1);
    CHECK(s.Ctl.Jumps <= 2);
}

TEST_CASE("after a minute of stalls and recoveries the target decays back to the base (hls.js 6350)")
{
    Sim s;
    s.Latency = 1.0;
    const double dt = 0.05;
    double max_target = 0.0;
    // 60 s: a 0.5 s stall every 4 s.
    for (int cycle = 0; cycle < 15; ++cycle)
    {
        for (int i = 0; i < 10; ++i)
            s.Step(dt, true);
        for (int i = 0; i < 70; ++i)
            s.Step(dt, false);
        max_target = std::max(max_target, s.Last.TargetLatency);
        CHECK(s.Last.Backoff <= s.Ctl.Config.MaxBackoff + 1e-9);
    }
    CHECK(s.Ctl.Stalls == 15);
    CHECK(max_target > 1.5); // it did back off
    CHECK(max_target <= 1.0 + s.Ctl.Config.MaxBackoff + 1e-9);
    // Then 2 minutes without stalls: the back-off is fully given back.
    for (int i = 0; i < 120 * 20; ++i)
        s.Step(dt, false);
    CHECK(s.Last.Backoff == 0.0);
    CHECK(s.Last.TargetLatency == doctest::Approx(1.0));
    CHECK(s.Latency <= 1.0 + 0.5 + 1e-9); // within the hysteresis band of the base
    CHECK_FALSE(s.Last.Jump);
}

TEST_CASE("repeated stalls back the target off and hold it there instead of decaying into the next stall")
{
    // A 10-minute run where the network hiccups every 30 s: a hiccup stalls playback unless the target is at least
    // 0.6 s above the base (three 0.2 s steps of back-off). A controller that gives its back-off back after a few
    // seconds stalls at every hiccup; this one probes, relapses, doubles its hold and stays backed off.
    Sim s;
    s.PartHoldBack = 0.6;
    s.PartTarget = 0.2;
    s.Latency = 0.6;
    const double dt = 0.05;
    const double needed = 0.6; // seconds of back-off that ride out a hiccup
    double stalled_until = -1.0;
    int stalls_in_last_five_minutes = 0;
    for (int i = 1; i <= 600 * 20; ++i)
    {
        const double t = i * dt;
        if (i % (30 * 20) == 0 && s.Last.Backoff < needed - 1e-9)
        {
            stalled_until = t + 1.0;
            if (t > 300.0)
                ++stalls_in_last_five_minutes;
        }
        s.Step(dt, t < stalled_until);
    }
    CHECK(s.Ctl.Stalls <= 10);                 // a give-back-after-5-s controller stalls at all 20 hiccups
    CHECK(stalls_in_last_five_minutes <= 2);   // at steady state it holds the backed-off target
    CHECK(s.Ctl.Relapses >= 1);
    CHECK(s.Last.BackoffHold > s.Ctl.Config.BackoffHold);
    CHECK(s.Last.TargetLatency >= 0.6 + 0.4 - 1e-9);
    CHECK(s.Last.TargetLatency == doctest::Approx(s.Last.BaseTarget + s.Last.Backoff));
}

TEST_CASE("without stalls the target is held at the base and a relaxed hold comes back to its start")
{
    Sim s;
    for (int i = 0; i < 20 * 60; ++i)
        s.Step(0.05);
    CHECK(s.Ctl.Stalls == 0);
    CHECK(s.Last.Backoff == 0.0);
    CHECK(s.Last.TargetLatency == doctest::Approx(s.Last.BaseTarget));
    // One stall, a give-back, a relapse: the hold doubles; a long quiet time brings it back to BackoffHold.
    s.Step(0.05, true);
    for (int i = 0; i < 20 * 6; ++i)
        s.Step(0.05);
    CHECK(s.Last.Backoff == 0.0); // given back after the 5 s hold
    s.Step(0.05, true);
    s.Step(0.05);
    CHECK(s.Ctl.Relapses == 1);
    CHECK(s.Last.BackoffHold == doctest::Approx(10.0));
    for (int i = 0; i < 20 * 120; ++i)
        s.Step(0.05);
    CHECK(s.Last.Backoff == 0.0);
    CHECK(s.Last.BackoffHold == doctest::Approx(s.Ctl.Config.BackoffHold));
}

TEST_CASE("the resample helpers give ratio r and a compensation that scales the step by r")
{
    CHECK(ResampleRatioForRate(1.2) == doctest::Approx(1.2));
    CHECK(ResampleRatioForRate(NAN) == 1.0);
    CHECK(ResampleRatioForRate(-1.0) == 1.0);
    ResampleCompensation c = ResampleCompensationForRate(1.25, 48000);
    CHECK(c.Distance == 48000);
    CHECK(c.SampleDelta == -12000);
    CHECK(1.0 - static_cast<double>(c.SampleDelta) / c.Distance == doctest::Approx(1.25));
    CHECK(ResampleCompensationForRate(1.0, 48000).SampleDelta == 0);
    CHECK(ResampleCompensationForRate(1.1, 0).Distance == 0);
}

TEST_SUITE_END();
