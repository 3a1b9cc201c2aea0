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
    CHECK_FALSE(FastStartKeepsAudio(start, map.PdtAt(1, 5.0))); // not yet placed in time
    map.Add(1, 4.0, now - 3.0);
    CHECK_FALSE(FastStartKeepsAudio(start, map.PdtAt(1, 5.0))); // now - 2 s: too old
    CHECK(FastStartKeepsAudio(start, map.PdtAt(1, 6.0)));       // now - 1 s
    CHECK(FastStartKeepsAudio(0.0, std::nullopt));              // no cut
}

TEST_SUITE_END();
