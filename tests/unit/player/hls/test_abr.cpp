// Tests for the pure ABR controller (src/player/hls/abr.h).
#include <livescope/player/hls/abr.h>
#include <livescope/player/hls/playlist_logic.h>

#include <utility>

#include <doctest/doctest.h>

using namespace livescope;

TEST_SUITE_BEGIN("player/hls/abr");

namespace {

std::vector<HlsVariant> Ladder() // 360p 0.8 Mbit/s, 540p 1.6 Mbit/s, 720p 3 Mbit/s
{
    std::vector<HlsVariant> v(3);
    v[0].Bandwidth = 800000;
    v[1].Bandwidth = 1600000;
    v[2].Bandwidth = 3000000;
    return v;
}

HlsAbrHealth Healthy() { return {60, 0.0, 0.2}; }

} // namespace

TEST_CASE("a fast link steps up from the lowest variant soon after start, straight to what it affords")
{
    HlsAbrConfig config;
    HlsAbrState state;
    const auto v = Ladder();
    CHECK(HlsAbrDecide(config, state, v, 0, 20e6, 1, Healthy(), 10.0).Variant == 0); // one sample is not enough
    CHECK(HlsAbrDecide(config, state, v, 0, 20e6, 2, Healthy(), 10.2).Variant == 0); // too soon after start
    const HlsAbrDecision d = HlsAbrDecide(config, state, v, 0, 20e6, 2, Healthy(), 10.6);
    CHECK(d.Variant == 2);
    CHECK(d.Reason == HlsAbrReason::Throughput);
}

TEST_CASE("a throttle below the current variant steps down within a second of the last switch")
{
    HlsAbrConfig config;
    HlsAbrState state;
    const auto v = Ladder();
    state.Started = true; // playback began at 0
    REQUIRE(HlsAbrDecide(config, state, v, 0, 20e6, 3, Healthy(), 1.0).Variant == 2);
    CHECK(HlsAbrDecide(config, state, v, 2, 1.5e6, 5, Healthy(), 1.5).Variant == 2); // too soon after the switch
    const HlsAbrDecision d = HlsAbrDecide(config, state, v, 2, 1.5e6, 5, Healthy(), 2.1);
    CHECK(d.Variant == 0); // 1.5 Mbit/s x 0.8 affords 0.8 Mbit/s only
}

TEST_CASE("after a step down, a recovered link steps back up only once the hold has passed")
{
    HlsAbrConfig config;
    HlsAbrState state;
    const auto v = Ladder();
    state.Started = true;
    REQUIRE(HlsAbrDecide(config, state, v, 2, 1.0e6, 5, Healthy(), 100.0).Variant == 0); // down
    CHECK(HlsAbrDecide(config, state, v, 0, 20e6, 9, Healthy(), 105.0).Variant == 0);    // within UpHoldBase
    CHECK(HlsAbrDecide(config, state, v, 0, 20e6, 9, Healthy(), 108.5).Variant == 2);    // after it
}

TEST_CASE("a link that flaps doubles the hold each time, up to its maximum, and counts the oscillations")
{
    HlsAbrConfig config;
    HlsAbrState state;
    const auto v = Ladder();
    state.Started = true;
    double now = 0.0;
    int current = 0;
    double hold_seen = 0.0;
    for (int round = 0; round < 6; round++)
    {
        // wait until an up-switch happens
        int up = current;
        for (int i = 0; i < 400 && up == current; i++)
        {
            now += 0.5;
            up = HlsAbrDecide(config, state, v, current, 20e6, 9, Healthy(), now).Variant;
        }
        REQUIRE(up == 2);
        const double waited = now - state.LastDownAt;
        if (round > 0) CHECK(waited >= hold_seen - 0.5);
        current = 2;
        now += 2.0;
        REQUIRE(HlsAbrDecide(config, state, v, current, 1.0e6, 9, Healthy(), now).Variant == 0);
        current = 0;
        hold_seen = state.UpHold;
    }
    // The first round's down follows the start-up step and is throttle-forced (1 Mbit/s cannot carry 3 Mbit/s): no oscillation.
    CHECK(state.Oscillations == 5);
    CHECK(state.UpHold == doctest::Approx(config.UpHoldMax));
}

TEST_CASE("a throttle-forced step down after the start-up step is no oscillation: the hold after it stays at its base")
{
    HlsAbrConfig config;
    HlsAbrState state;
    const auto v = Ladder();
    state.Started = true;
    REQUIRE(HlsAbrDecide(config, state, v, 0, 20e6, 3, Healthy(), 1.0).Variant == 2); // the start-up step
    CHECK(state.LastUpWasStartup);
    // A throttle to 1 Mbit/s, well below 720p's 3 Mbit/s, 5 s later.
    REQUIRE(HlsAbrDecide(config, state, v, 2, 1.0e6, 9, Healthy(), 6.0).Variant == 0);
    CHECK(state.Oscillations == 0);
    CHECK(state.UpHold == 0.0); // UpHoldBase
    // Released: back up once UpHoldBase (8 s) has passed, not 16 s.
    CHECK(HlsAbrDecide(config, state, v, 0, 20e6, 9, Healthy(), 13.0).Variant == 0);
    CHECK(HlsAbrDecide(config, state, v, 0, 20e6, 9, Healthy(), 14.5).Variant == 2);
    CHECK_FALSE(state.LastUpWasStartup);
}

TEST_CASE("a step down after the start-up step is throttle-forced when the last sample is below the current variant, while the average still falls")
{
    HlsAbrConfig config;
    HlsAbrState state;
    const auto v = Ladder();
    state.Started = true;
    REQUIRE(HlsAbrDecide(config, state, v, 0, 20e6, 3, Healthy(), 1.0).Variant == 2);
    // The average is still above 720p's 3 Mbit/s (it no longer affords it with the margin); the link measured 1 Mbit/s.
    REQUIRE(HlsAbrDecide(config, state, v, 2, 3.4e6, 9, Healthy(), 6.0, 1.0e6).Variant == 1);
    CHECK(state.Oscillations == 0);
    CHECK(state.UpHold == 0.0);
}

TEST_CASE("frames dropped while the link measures below the variant step down as a throttle: no cap, and no oscillation after the start-up step")
{
    HlsAbrConfig config;
    HlsAbrState state;
    const auto v = Ladder();
    state.Started = true;
    REQUIRE(HlsAbrDecide(config, state, v, 0, 20e6, 3, Healthy(), 1.0).Variant == 2);
    // Late frames under a throttle: the average (3.5 Mbit/s) still affords 720p, the last sample says 1 Mbit/s.
    const HlsAbrDecision d = HlsAbrDecide(config, state, v, 2, 3.5e6, 9, HlsAbrHealth{60, 0.3, 0.2}, 8.0, 1.0e6);
    CHECK(d.Variant == 1);
    CHECK(d.Reason == HlsAbrReason::Throughput);
    CHECK(state.Oscillations == 0);
    CHECK(state.HealthCapBandwidth == 0);
    // Released: 720p comes back after the base hold, not after HealthCapHold.
    CHECK(HlsAbrDecide(config, state, v, 1, 20e6, 12, Healthy(), 16.5, 20e6).Variant == 2);
}

TEST_CASE("a step down after the start-up step while the link still carries the current variant is an oscillation")
{
    HlsAbrConfig config;
    HlsAbrState state;
    const auto v = Ladder();
    state.Started = true;
    REQUIRE(HlsAbrDecide(config, state, v, 0, 20e6, 3, Healthy(), 1.0).Variant == 2);
    // 3.2 Mbit/s still carries 720p (3 Mbit/s) but not with the safety margin: the step up overreached.
    REQUIRE(HlsAbrDecide(config, state, v, 2, 3.2e6, 9, Healthy(), 6.0, 3.2e6).Variant == 1);
    CHECK(state.Oscillations == 1);
    CHECK(state.UpHold == doctest::Approx(2 * config.UpHoldBase));
}

TEST_CASE("a throttle-forced step down after a later step up still counts as an oscillation")
{
    HlsAbrConfig config;
    HlsAbrState state;
    const auto v = Ladder();
    state.Started = true;
    REQUIRE(HlsAbrDecide(config, state, v, 0, 20e6, 3, Healthy(), 1.0).Variant == 2); // start-up step
    REQUIRE(HlsAbrDecide(config, state, v, 2, 1.0e6, 9, Healthy(), 3.0).Variant == 0); // exempt
    REQUIRE(HlsAbrDecide(config, state, v, 0, 20e6, 9, Healthy(), 11.5).Variant == 2); // up again after the hold
    REQUIRE(HlsAbrDecide(config, state, v, 2, 1.0e6, 9, Healthy(), 14.0).Variant == 0); // the link flaps
    CHECK(state.Oscillations == 1);
}

TEST_CASE("a hinted part's bytes paced by the encoder never measure the link; a body fetched whole does, from its first byte")
{
    // Hinted, streamed as the part was made (0.5 s for 30 kB), complete when the playlist listed it: no sample.
    HlsTransfer paced;
    paced.Hinted = true;
    paced.FirstByteAt = 10.0;
    paced.ListedAt = 10.5;
    paced.CompleteAt = 10.5;
    paced.Bytes = 30000;
    paced.BytesAtListed = 30000;
    CHECK_FALSE(HlsAbrSampleOf(paced).Ok);
    // Listed mid-body (a slow link lags the encoder): the tail after the listing, over the time after it.
    HlsTransfer lagging = paced;
    lagging.BytesAtListed = 10000;
    lagging.CompleteAt = 10.9;
    const HlsThroughputSample tail = HlsAbrSampleOf(lagging);
    REQUIRE(tail.Ok);
    CHECK(tail.Bytes == doctest::Approx(20000));
    CHECK(tail.Seconds == doctest::Approx(0.4));
    // A hinted request never listed was paced throughout.
    HlsTransfer unlisted = lagging;
    unlisted.ListedAt = -1;
    CHECK_FALSE(HlsAbrSampleOf(unlisted).Ok);
    // Fetched whole once listed (a probe): from the first byte, time to first byte excluded.
    HlsTransfer whole;
    whole.FirstByteAt = 20.05;
    whole.CompleteAt = 20.06;
    whole.Bytes = 30000;
    const HlsThroughputSample w = HlsAbrSampleOf(whole);
    REQUIRE(w.Ok);
    CHECK(8.0 * w.Bytes / w.Seconds == doctest::Approx(24e6));
    // Too small, or no time: nothing.
    whole.Bytes = 1000;
    CHECK_FALSE(HlsAbrSampleOf(whole).Ok);
    whole.Bytes = 30000;
    whole.CompleteAt = whole.FirstByteAt;
    CHECK_FALSE(HlsAbrSampleOf(whole).Ok);
}

TEST_CASE("below the top variant, a link without a sample for ProbeAfter seconds is probed, at most once per ProbeAfter")
{
    HlsAbrConfig config;
    HlsAbrState state;
    const auto v = Ladder();
    CHECK_FALSE(HlsAbrWantsProbe(config, state, v, 0, 9.0, 10.0)); // a sample 1 s ago
    CHECK(HlsAbrWantsProbe(config, state, v, 0, 7.5, 10.0));        // 2.5 s without one
    CHECK(HlsAbrWantsProbe(config, state, v, 1, 7.5, 10.0));
    CHECK_FALSE(HlsAbrWantsProbe(config, state, v, 2, 0.0, 10.0)); // the top variant: nothing to step up to
    state.LastProbeAt = 9.0;
    CHECK_FALSE(HlsAbrWantsProbe(config, state, v, 0, 0.0, 10.0)); // probed 1 s ago
    CHECK(HlsAbrWantsProbe(config, state, v, 0, 0.0, 11.0));
    CHECK_FALSE(HlsAbrWantsProbe(config, state, {v[0]}, 0, 0.0, 11.0)); // one variant
}

TEST_CASE("a variant switch is seamless only when the new variant's timeline continues the old one")
{
    const HlsSwitchPoint last{3, 1000.0, 0.2, true, false};
    HlsSwitchPoint next{3, 1000.2, 0.2, true, false};
    CHECK(HlsSwitchIsSeamless(last, next));
    next.Pdt = 1000.25; // PDT rounding in the playlists
    CHECK(HlsSwitchIsSeamless(last, next));
    next.Pdt = 999.8; // it would go back in time
    CHECK_FALSE(HlsSwitchIsSeamless(last, next));
    next.Pdt = 1001.2; // a hole
    CHECK_FALSE(HlsSwitchIsSeamless(last, next));
    next.Pdt = 1000.2;
    next.DiscontinuitySeq = 4; // EXT-X-DISCONTINUITY between them
    CHECK_FALSE(HlsSwitchIsSeamless(last, next));
    next.DiscontinuitySeq = 3;
    next.Independent = false; // no key frame to reconfigure at
    CHECK_FALSE(HlsSwitchIsSeamless(last, next));
    next.Independent = true;
    next.Ts = true; // MPEG-TS: parameters change in band
    CHECK_FALSE(HlsSwitchIsSeamless(last, next));
    next.Ts = false;
    CHECK_FALSE(HlsSwitchIsSeamless({3, 0.0, 0.2, true, false}, next)); // no PDT: nothing says the timelines match
}

TEST_CASE("dropped frames or slow decoding step down whatever the link affords, and keep that variant out of reach")
{
    HlsAbrConfig config;
    HlsAbrState state;
    const auto v = Ladder();
    state.Started = true;
    const HlsAbrHealth dropping{60, 0.3, 0.5};
    HlsAbrDecision d = HlsAbrDecide(config, state, v, 2, 50e6, 9, dropping, 10.0);
    CHECK(d.Variant == 1);
    CHECK(d.Reason == HlsAbrReason::Health);
    // The link still affords 720p, but it stays out of reach for HealthCapHold.
    CHECK(HlsAbrDecide(config, state, v, 1, 50e6, 9, Healthy(), 25.0).Variant == 1);
    CHECK(HlsAbrDecide(config, state, v, 1, 50e6, 9, Healthy(), 41.0).Variant == 2);
    // Slow decoding alone also counts; too few frames do not.
    HlsAbrState other;
    other.Started = true;
    CHECK(HlsAbrDecide(config, other, v, 2, 50e6, 9, HlsAbrHealth{60, 0.0, 1.4}, 5.0).Reason == HlsAbrReason::Health);
    HlsAbrState few;
    few.Started = true;
    CHECK(HlsAbrDecide(config, few, v, 2, 50e6, 9, HlsAbrHealth{5, 0.9, 2.0}, 5.0).Variant == 2);
}

TEST_CASE("frames dropped just after a switch are not held against the new variant")
{
    HlsAbrConfig config;
    HlsAbrState state;
    const auto v = Ladder();
    state.Started = true;
    REQUIRE(HlsAbrDecide(config, state, v, 0, 20e6, 9, Healthy(), 1.0).Variant == 2); // up
    const HlsAbrHealth dropping{60, 0.3, 0.5};
    CHECK(HlsAbrDecide(config, state, v, 2, 20e6, 9, dropping, 4.0).Variant == 2); // settling
    CHECK(HlsAbrDecide(config, state, v, 2, 20e6, 9, dropping, 7.5).Variant == 1); // still dropping: too heavy
}

TEST_CASE("one variant, no estimate or an unknown current variant never switch")
{
    HlsAbrConfig config;
    HlsAbrState state;
    auto v = Ladder();
    CHECK(HlsAbrDecide(config, state, v, 1, 0.0, 9, Healthy(), 10.0).Variant == 1);
    CHECK(HlsAbrDecide(config, state, v, -1, 20e6, 9, Healthy(), 10.0).Variant == -1);
    v.resize(1);
    CHECK(HlsAbrDecide(config, state, v, 0, 20e6, 9, HlsAbrHealth{60, 0.9, 3.0}, 10.0).Variant == 0);
    CHECK(HlsAbrStepDown(Ladder(), 0) == 0);
    CHECK(HlsAbrStepDown(Ladder(), 2) == 1);
}

TEST_CASE("health over a window: the dropped share of the frames due, and the decoder's busy share of the time")
{
    const HlsAbrHealth h = HlsAbrHealthOf(60, 15, 1800.0, 2.0);
    CHECK(h.Frames == 60);
    CHECK(h.DroppedFraction == doctest::Approx(0.25));
    CHECK(h.DecodeLoad == doctest::Approx(0.9));
    CHECK(h.Window == doctest::Approx(2.0));
    CHECK(HlsAbrHealthOf(0, 5, 100.0, 0.0).DroppedFraction == 0.0);
    CHECK(HlsAbrHealthOf(10, 50, 0.0, 1.0).DroppedFraction == 1.0);
}

TEST_CASE("with ABR playback starts on the lowest bandwidth, without it on the first listed or the configured one")
{
    std::vector<HlsVariant> v = Ladder();
    std::swap(v[0], v[2]); // listed highest first, as livescope-origin does
    CHECK(HlsAbrStartVariant(v, -1, true) == 2);
    CHECK(HlsAbrStartVariant(v, -1, false) == 0);
    CHECK(HlsAbrStartVariant(v, 1, true) == 1);
    CHECK(HlsAbrStartVariant({}, -1, true) == -1);
}

TEST_CASE("after a slow stretch, fast parts bring the estimate back within a few seconds of parts")
{
    HlsBandwidthEstimator bw;
    for (int i = 0; i < 20; i++) bw.AddSample(14000, 0.2); // 560 kbit/s, 200 ms parts
    CHECK(bw.Estimate() == doctest::Approx(560000).epsilon(0.01));
    for (int i = 0; i < 40; i++) bw.AddSample(20000, 0.001); // loopback: 160 Mbit/s, 1 ms each
    CHECK(bw.Estimate() > 2.0e6);
}

TEST_SUITE_END();
