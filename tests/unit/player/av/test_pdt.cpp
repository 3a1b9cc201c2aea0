// Tests for the PTS to PROGRAM-DATE-TIME map (src/player/av/pdt.cpp).
#include <doctest/doctest.h>
#include <livescope/player/av/pdt.h>

#include <cmath>

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

TEST_SUITE_END();
