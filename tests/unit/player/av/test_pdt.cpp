// Tests for the PTS to PROGRAM-DATE-TIME map (src/player/av/pdt.cpp).
#include <doctest/doctest.h>
#include <livescope/player/av/clock.h>
#include <livescope/player/av/pdt.h>

#include <cmath>
#include <vector>

using namespace livescope;

TEST_SUITE_BEGIN("player_av/pdt");

TEST_CASE("a frame's PDT comes from the part anchor at or before its pts, per serial")
{
    PdtMap map;
    CHECK_FALSE(map.PdtAt(0, 1.0).has_value());
    const double t0 = 1.7e9; // seconds since the epoch
    for (int part = 0; part < 10; ++part)
        map.Add(0, 10.0 + part * 0.5, t0 + part * 0.5 + (part >= 5 ? 0.02 : 0.0)); // a 20 ms PDT step at part 5
    CHECK(*map.PdtAt(0, 10.25) == doctest::Approx(t0 + 0.25));
    CHECK(*map.PdtAt(0, 12.6) == doctest::Approx(t0 + 2.62)); // uses part 5's anchor
    CHECK(*map.PdtAt(0, 9.9) == doctest::Approx(t0 - 0.1));   // before the first anchor: the earliest
    CHECK_FALSE(map.PdtAt(1, 10.0).has_value());              // other serial
    map.Add(1, 0.0, t0 + 100.0);
    CHECK(*map.PdtAt(1, 0.5) == doctest::Approx(t0 + 100.5));
    CHECK(*LiveLatency(map, t0 + 3.0, 0, 11.0) == doctest::Approx(2.0));
    CHECK_FALSE(LiveLatency(map, NAN, 0, 11.0).has_value());
    map.Add(0, NAN, t0);
    CHECK(map.Size() == 11);
}

TEST_CASE("the anchor ring keeps the newest anchors only")
{
    PdtMap map;
    for (int i = 0; i < 200; ++i)
        map.Add(0, i * 1.0, 1000.0 + 2.0 * i); // anchors drift apart: which one is used shows
    CHECK(map.Size() == PdtMap::kCapacity);
    // Anchor 0 was overwritten; pts 0 now maps through the earliest kept anchor, 136.
    CHECK(*map.PdtAt(0, 0.0) == doctest::Approx(1000.0 + 272.0 - 136.0));
    CHECK(*map.PdtAt(0, 199.5) == doctest::Approx(1000.0 + 398.0 + 0.5));
    map.Clear();
    CHECK(map.Size() == 0);
    CHECK_FALSE(map.PdtAt(0, 5.0).has_value());
}

TEST_CASE("fast start cuts media older than the latency target: option, then PART-HOLD-BACK, then 1 s")
{
    const double now = 1.7e9; // epoch seconds
    CHECK(FastStartPdt(now, 2.0, 1.5) == doctest::Approx(now - 2.1));
    CHECK(FastStartPdt(now, 0.0, 1.5) == doctest::Approx(now - 1.6));
    CHECK(FastStartPdt(now, 0.0, 0.0) == doctest::Approx(now - 1.1));
    const double start = FastStartPdt(now, 0.0, 1.0);
    CHECK_FALSE(FastStartKeepsVideo(start, now - 3.0)); // older than the target: decoded, not shown
    CHECK(FastStartKeepsVideo(start, now - 1.0));
    CHECK(FastStartKeepsVideo(start, 0.0)); // unknown PDT: shown
    PdtMap map;
    map.Add(1, 4.0, now - 3.0);
    // now - 2 s, 0.1 s long: it ends before the cut, all of it goes
    const FastStartAudioCut old = FastStartCutAudio(start, map.PdtAt(1, 5.0), 4800, 48000, 1.0);
    CHECK_FALSE(old.Hold);
    CHECK(old.Drop == 4800);
    const FastStartAudioCut fresh = FastStartCutAudio(start, map.PdtAt(1, 6.0), 4800, 48000, 1.0); // now - 1 s
    CHECK_FALSE(fresh.Hold);
    CHECK(fresh.Drop == 0);
    const FastStartAudioCut none = FastStartCutAudio(0.0, std::nullopt, 4800, 48000, 1.0); // no cut
    CHECK_FALSE(none.Hold);
    CHECK(none.Drop == 0);
}

TEST_CASE("audio straddling the fast-start cut is trimmed to start at the cut, at the rate it was resampled at")
{
    const double cut_pdt = 1000.5; // epoch seconds
    // Two seconds at 48 kHz from 1000.0: the first half second goes.
    FastStartAudioCut c = FastStartCutAudio(cut_pdt, 1000.0, 96000, 48000, 1.0);
    CHECK_FALSE(c.Hold);
    CHECK(c.Drop == 24000);
    // Resampled for 1.2x: each output frame is 1.2 / 48000 s of media, so 0.5 s is 20000 frames.
    c = FastStartCutAudio(cut_pdt, 1000.0, 96000, 48000, 1.2);
    CHECK(c.Drop == 20000);
    // At 44.1 kHz output.
    c = FastStartCutAudio(cut_pdt, 1000.0, 88200, 44100, 1.0);
    CHECK(c.Drop == 22050);
    // A batch that ends exactly at the cut goes whole; one that starts at it stays whole.
    CHECK(FastStartCutAudio(cut_pdt, 1000.0, 24000, 48000, 1.0).Drop == 24000);
    CHECK(FastStartCutAudio(cut_pdt, cut_pdt, 24000, 48000, 1.0).Drop == 0);
}

TEST_CASE("audio not yet placed in time is held for its video anchor, within a bound")
{
    const double cut_pdt = 1000.5;
    const FastStartAudioCut held = FastStartCutAudio(cut_pdt, std::nullopt, 96000, 48000, 1.0); // 2 s
    CHECK(held.Hold);
    CHECK(held.Drop == 0);
    // Past kFastStartAudioHold of media (no video to place it: audio only, or video off) it goes.
    const int long_frames = static_cast<int>((kFastStartAudioHold + 0.5) * 48000);
    const FastStartAudioCut gone = FastStartCutAudio(cut_pdt, std::nullopt, long_frames, 48000, 1.0);
    CHECK_FALSE(gone.Hold);
    CHECK(gone.Drop == long_frames);
    // Bad figures never break it: an empty batch, a zero rate or sample rate.
    CHECK(FastStartCutAudio(cut_pdt, 1000.0, 0, 48000, 1.0).Drop == 0);
    CHECK(FastStartCutAudio(cut_pdt, 1000.0, 96000, 0, 0.0).Drop == 24000);
}

TEST_CASE("the fast start's first decoded frame before the cut is sent at once as a still standing just before the cut")
{
    const double cut_pdt = 1000.0;                // epoch seconds
    const double key_pts = 50.0, key_pdt = 998.5; // the key frame: 1.5 s before the cut
    const FastStartVideoCut still = FastStartCutVideo(cut_pdt, true, key_pts, 1.0 / 30.0, key_pdt);
    CHECK(still.Send);
    CHECK(still.Still);
    CHECK(still.Pts == doctest::Approx(key_pts + 1.5 - 1.0 / 30.0)); // one frame before the cut's stream time
    CHECK(still.Pdt == 0.0);                                         // anchors nothing
    // Once something of this start was sent (or after a seek), frames before the cut are dropped as before.
    const FastStartVideoCut later = FastStartCutVideo(cut_pdt, false, key_pts + 0.5, 1.0 / 30.0, key_pdt + 0.5);
    CHECK_FALSE(later.Send);
    CHECK_FALSE(later.Still);
    // At or after the cut, and of unknown PDT: sent as they are, still wanted or not.
    for (const bool wanted : {true, false})
    {
        const FastStartVideoCut at = FastStartCutVideo(cut_pdt, wanted, key_pts + 1.5, 1.0 / 30.0, cut_pdt);
        CHECK(at.Send);
        CHECK_FALSE(at.Still);
        CHECK(at.Pts == key_pts + 1.5);
        CHECK(at.Pdt == cut_pdt);
        const FastStartVideoCut unknown = FastStartCutVideo(cut_pdt, wanted, key_pts, 1.0 / 30.0, 0.0);
        CHECK(unknown.Send);
        CHECK_FALSE(unknown.Still);
        CHECK(unknown.Pts == key_pts);
    }
    // No cut: everything as it is.
    CHECK(FastStartCutVideo(0.0, true, key_pts, 1.0 / 30.0, key_pdt).Pts == key_pts);
    // An unknown frame duration counts as 40 ms; a key frame a few ms before the cut never goes back in time.
    CHECK(FastStartCutVideo(cut_pdt, true, key_pts, 0.0, key_pdt).Pts == doctest::Approx(key_pts + 1.5 - 0.04));
    CHECK(FastStartCutVideo(cut_pdt, true, key_pts, 5.0, key_pdt).Pts == doctest::Approx(key_pts + 1.5 - 0.04));
    CHECK(FastStartCutVideo(cut_pdt, true, key_pts, 1.0 / 30.0, cut_pdt - 0.01).Pts == key_pts);
    // Bad figures: dropped, never sent with a NaN pts.
    CHECK_FALSE(FastStartCutVideo(cut_pdt, true, NAN, 1.0 / 30.0, key_pdt).Send);
}

// The worker decodes a GOP from its key frame, 1.5 s before the cut, one frame every 5 ms; the page runs the scheduler
// each 60 Hz refresh, the audio clock from the cut once the sound comes (or never: video only).
namespace {
struct FastStartRun
{
    double FirstShownAt = NAN; // seconds after the key frame was decoded
    double CutShownAt = NAN;   // when the first frame at or after the cut was shown
    double PtsAt2s = NAN;      // pts on screen 2 s after the start
    double LatencyAt2s = NAN;  // seconds, through the page's PdtMap
    double FirstLatency = NAN; // the first latency the page could measure
    int Dropped = 0;           // by the page's scheduler
};
FastStartRun RunFastStart(bool with_still, bool with_audio)
{
    const double fps = 30.0, frame = 1.0 / fps;
    const double key_pts = 50.0, key_pdt = 1.7e9;
    const double cut_pdt = key_pdt + 1.5;
    const double wall0 = cut_pdt + 0.7; // the cut is 0.7 s behind the wall clock at t = 0 (the latency target)
    const double decode_step = 0.005;   // seconds per decoded frame
    const double audio_at = 0.3;        // seconds: the sound starts (its first sample at the cut)
    struct Sent
    {
        double At, Pts, Pdt;
    };
    std::vector<Sent> sent;
    bool still_wanted = true;
    for (int i = 0; i < 150; ++i) // 5 s of frames
    {
        const double pts = key_pts + i * frame, pdt = key_pdt + i * frame;
        FastStartVideoCut c{FastStartKeepsVideo(cut_pdt, pdt), false, pts, pdt};
        if (with_still) c = FastStartCutVideo(cut_pdt, still_wanted, pts, frame, pdt);
        if (!c.Send) continue;
        still_wanted = false;
        sent.push_back({i * decode_step, c.Pts, c.Pdt});
    }
    FastStartRun r;
    Clock audio;
    VideoScheduler sched;
    PdtMap page_pdts;
    size_t queued = 0, next = 0; // frames arrived at the page, the oldest not yet decided
    for (double t = 0.0; t < 2.0 + 1e-9; t += 1.0 / 60.0)
    {
        if (with_audio && audio.Serial < 0 && t >= audio_at) ClockSet(audio, key_pts + 1.5, t, 1);
        while (queued < sent.size() && sent[queued].At <= t)
        {
            if (sent[queued].Pdt > 0.0) page_pdts.Add(1, sent[queued].Pts, sent[queued].Pdt);
            ++queued;
        }
        for (int guard = 0; guard < 64 && next < queued; ++guard)
        {
            const FrameInfo cand{sent[next].Pts, frame, 1};
            const FrameInfo later{next + 1 < queued ? sent[next + 1].Pts : 0.0, frame, 1};
            const FrameDecision d = VideoSchedulerStep(sched, t, cand, next + 1 < queued ? &later : nullptr, audio, 1);
            if (d.Action == FrameAction::Wait) break;
            if (d.Action == FrameAction::Show)
            {
                if (std::isnan(r.FirstShownAt)) r.FirstShownAt = t;
                if (std::isnan(r.CutShownAt) && sent[next].Pdt >= cut_pdt) r.CutShownAt = t;
            }
            ++next;
        }
        if (sched.HasShown && std::isnan(r.FirstLatency))
            r.FirstLatency = LiveLatency(page_pdts, wall0 + t, 1, sched.Shown.Pts).value_or(NAN);
    }
    r.PtsAt2s = sched.Shown.Pts;
    r.LatencyAt2s = LiveLatency(page_pdts, wall0 + 2.0, 1, sched.Shown.Pts).value_or(NAN);
    r.Dropped = sched.Dropped;
    return r;
}
} // namespace

TEST_CASE("with the still the first picture comes with the first decoded frame, and playback still starts at the cut")
{
    for (const bool with_audio : {true, false})
    {
        INFO("audio " << with_audio);
        const FastStartRun old = RunFastStart(false, with_audio);
        const FastStartRun now = RunFastStart(true, with_audio);
        // Before: nothing on screen until the decoder reached the cut (45 frames at 5 ms).
        CHECK(old.FirstShownAt >= 45 * 0.005 - 1e-9);
        // Now: the key frame is on screen at the first refresh, and the frame at the cut follows as soon as it is decoded.
        CHECK(now.FirstShownAt == doctest::Approx(0.0));
        CHECK(now.CutShownAt <= old.FirstShownAt + 1.0 / 30.0 + 1e-9);
        // Same latency as before: the picture at 2 s is where it would have been, and the first latency the page
        // measured is the target's, not the key frame's age.
        CHECK(std::fabs(now.PtsAt2s - old.PtsAt2s) <= 0.04);
        CHECK(std::fabs(now.LatencyAt2s - old.LatencyAt2s) <= 0.04);
        CHECK(now.FirstLatency < 0.7 + 0.3); // the key frame's own PDT would say 0.7 + 1.5 s
        CHECK(now.Dropped <= old.Dropped + 1);
    }
}

TEST_SUITE_END();
