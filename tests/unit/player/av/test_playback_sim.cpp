// A pure end-to-end simulation of the playback core: latency controller -> audio clock speed -> video scheduler.
#include <doctest/doctest.h>
#include <livescope/player/av/clock.h>
#include <livescope/player/av/latency.h>
#include <livescope/player/av/pdt.h>
#include <livescope/player/av/stats.h>

#include <cmath>
#include <iterator>

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

// A DVR seek (issue 13): the target lies 1.1 s into a 2 s segment. The segment comes whole; the worker decodes its audio
// at once as one batch from the segment's start, while the browser's video decoder gives the first frame (the PDT
// anchor) a drain later. The fast-start cut decides each drain; the audio clock starts where the first kept sample is.
TEST_CASE("after a seek into a segment the sound starts at the target, so the picture plays on from there at 1x")
{
    const int out_rate = 48000; // frames per second
    const double fps = 30.0;
    const double seg_pts = 30.0;         // seconds, the segment's first frame (and audio)
    const double seg_pdt = 1.7e9 + 30.0; // its PROGRAM-DATE-TIME
    const double target_pts = seg_pts + 1.1;
    const double target_pdt = seg_pdt + 1.1; // the cut
    PdtMap anchors;                          // the worker's
    struct Batch
    {
        double Pts;
        int Frames;
    };
    const Batch batches[] = {{seg_pts, 2 * out_rate}, {seg_pts + 2.0, 2 * out_rate}}; // this segment's audio, the next one's
    // Drain 0: the segment's audio is decoded, its video is still in the browser's decoder (no anchor). Drain 1: the
    // first frame came out and anchored the segment. Drain 2: the next segment.
    double audio_start_pts = NAN; // the first sample sent to the page
    double audio_start_t = NAN;   // seconds after the first frame was shown
    size_t next = 0;
    for (int drain = 0; drain < 3 && next < std::size(batches) && std::isnan(audio_start_pts); ++drain)
    {
        if (drain == 1) anchors.Add(1, seg_pts, seg_pdt);
        if (drain == 2) ++next; // what was decoded before is gone or sent; the next segment's batch
        const Batch& b = batches[next];
        const FastStartAudioCut cut = FastStartCutAudio(target_pdt, anchors.PdtAt(1, b.Pts), b.Frames, out_rate, 1.0);
        if (cut.Hold) continue;
        if (cut.Drop < b.Frames)
        {
            audio_start_pts = b.Pts + cut.Drop / static_cast<double>(out_rate);
            audio_start_t = 0.03 * drain;
        }
    }
    REQUIRE(std::isfinite(audio_start_pts));
    CHECK(audio_start_pts == doctest::Approx(target_pts).epsilon(1e-6));

    // The page: the first frame at or after the target is shown at t = 0; the audio clock runs from its first sample.
    Clock audio; // not set: video paces itself until the sound starts
    VideoScheduler sched;
    int frame = static_cast<int>(std::ceil((target_pts - seg_pts) * fps - 1e-9)); // index in the segment
    const double refresh = 1.0 / 60.0;
    double t = 0.0;
    for (; t < 3.0; t += refresh)
    {
        if (audio.Serial < 0 && t >= audio_start_t) ClockSet(audio, audio_start_pts, t, 1);
        for (int guard = 0; guard < 8; ++guard)
        {
            const FrameInfo candidate{seg_pts + frame / fps, 1.0 / fps, 1};
            const FrameInfo later{seg_pts + (frame + 1) / fps, 1.0 / fps, 1};
            const FrameDecision d = VideoSchedulerStep(sched, t, candidate, &later, audio, 1);
            if (d.Action == FrameAction::Wait) break;
            ++frame;
        }
    }
    // Three seconds after the first frame the picture is three seconds on from the target: stream time advanced at 1x
    // (a sound starting at the next segment would have pulled it ~0.9 s further, by dropping frames).
    const double played = sched.Shown.Pts - target_pts;
    CHECK(played == doctest::Approx(t).epsilon(0.03));
    CHECK(sched.Dropped <= 2);
}

TEST_SUITE_END();
