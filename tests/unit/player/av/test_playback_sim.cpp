// A pure end-to-end simulation of the playback core: latency controller -> audio clock speed -> video scheduler.
#include <doctest/doctest.h>
#include <livescope/player/av/clock.h>
#include <livescope/player/av/latency.h>
#include <livescope/player/av/pdt.h>
#include <livescope/player/av/stats.h>

#include <cmath>

using namespace livescope;

TEST_SUITE_BEGIN("player_av/playback_sim");

TEST_CASE("catch-up speeds the audio clock, video follows it without drops, and latency settles at target")
{
    const double fps = 30.0;
    const double refresh = 1.0 / 120.0; // seconds per display refresh
    const double wall0 = 1.7e9;         // seconds since the epoch at t = 0
    PdtMap pdt;
    pdt.Add(1, 0.0, wall0 - 2.5); // the first part's PDT: 2.5 s behind live at t = 0
    LatencyController ctl;
    Clock audio;
    ClockSet(audio, 0.0, 0.0, 1);
    VideoScheduler sched;
    StatsAccumulator stats;

    int next = 0; // index of the oldest queued frame
    int shown = 0;
    double max_rate = 1.0;
    double latency = 0.0;
    LatencyDecision d;
    for (double t = 0.0; t < 40.0; t += refresh)
    {
        const FrameInfo candidate{next / fps, 1.0 / fps, 1};
        const FrameInfo later{(next + 1) / fps, 1.0 / fps, 1};
        const FrameDecision fd = VideoSchedulerStep(sched, t, candidate, &later, audio, 1);
        if (fd.Action == FrameAction::Show)
        {
            ++shown;
            ++next;
        }
        else if (fd.Action == FrameAction::Drop)
        {
            stats.OnFrameDropped(t);
            ++next;
        }
        if (sched.HasShown)
            latency = LiveLatency(pdt, wall0 + t, 1, sched.Shown.Pts).value_or(0.0);
        LatencyObservation obs;
        obs.Now = t;
        obs.Latency = latency;
        obs.BufferAhead = latency - 0.3; // everything up to 0.3 s from the live edge is buffered
        obs.PartHoldBack = 1.0;
        obs.PartTarget = 0.333;
        d = LatencyControllerUpdate(ctl, obs);
        if (d.Rate != audio.Speed)
            ClockSetSpeed(audio, d.Rate, t);
        max_rate = std::max(max_rate, d.Rate);
        // Audio and video stay together the whole time: the frame on screen is the one whose
        // slot contains the audio clock, give or take a refresh.
        if (sched.HasShown && t > 0.1)
        {
            const double av = ClockGet(audio, t) - sched.Shown.Pts;
            CHECK(av > -0.03);
            CHECK(av < 1.0 / fps + 0.03);
        }
    }
    CHECK(max_rate > 1.1);
    CHECK(max_rate <= 1.25);
    CHECK(d.Rate == 1.0);
    CHECK(latency == doctest::Approx(1.0).epsilon(0.1));
    CHECK(sched.Dropped <= 2);
    CHECK(shown > 40 * 30); // more frames than real time: it played faster
    CHECK(ctl.Jumps == 0);
}

TEST_SUITE_END();
