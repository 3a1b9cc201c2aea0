// Tests for the stats accumulator and its JSON form (src/player/av/stats.cpp).
#include <doctest/doctest.h>
#include <livescope/player/av/stats.h>
#include <nlohmann/json.hpp>

#include <cmath>

using namespace livescope;

TEST_SUITE_BEGIN("player_av/stats");

TEST_CASE("decoded and dropped fps come from a sliding window that forgets old frames")
{
    StatsAccumulator acc(2.0);
    double now = 0.0;
    for (int i = 0; i < 300; ++i)
    { // 10 s at 30 fps, every 10th dropped
        now = i / 30.0;
        acc.OnFrameDecoded(now, 4.0, 1280, 720);
        if (i % 10 == 0)
            acc.OnFrameDropped(now);
    }
    PlaybackStats s = acc.Snapshot(now);
    CHECK(s.DecodedFps == doctest::Approx(30.0).epsilon(0.06));
    CHECK(s.DroppedFps == doctest::Approx(3.0).epsilon(0.2));
    CHECK(s.DecodeMsPerFrame == doctest::Approx(4.0));
    CHECK(s.FramesDecoded == 300);
    CHECK(s.FramesDropped == 30);
    CHECK(s.Width == 1280);
    CHECK(s.Height == 720);
    // 5 s later with nothing decoded the window is empty.
    s = acc.Snapshot(now + 5.0);
    CHECK(s.DecodedFps == 0.0);
    CHECK(s.DecodeMsPerFrame == 0.0);
}

TEST_CASE("bitrate is bits per second of media bytes over the window")
{
    StatsAccumulator acc(2.0);
    for (int i = 0; i <= 40; ++i)
        acc.OnMediaBytes(i * 0.25, 62500); // 250 kB/s = 2 Mbit/s
    acc.SetVariant(2, 2.5e6);
    PlaybackStats s = acc.Snapshot(10.0);
    CHECK(s.Bitrate == doctest::Approx(2.0e6).epsilon(0.15));
    CHECK(s.VariantIndex == 2);
    CHECK(s.VariantBandwidth == 2.5e6);
}

TEST_CASE("stats serialise to JSON with finite numbers only")
{
    StatsAccumulator acc;
    acc.SetPlayback(1.4, 1.0, NAN, 1.1);
    acc.OnStall();
    acc.OnFrameDecoded(0.0, INFINITY, 640, 360);
    nlohmann::json j = StatsToJson(acc.Snapshot(0.5));
    CHECK(j["latency"].get<double>() == doctest::Approx(1.4));
    CHECK(j["buffer"].get<double>() == 0.0);
    CHECK(j["rate"].get<double>() == doctest::Approx(1.1));
    CHECK(j["stalls"].get<int>() == 1);
    CHECK(j["width"].get<int>() == 640);
    CHECK(j["framesDecoded"].get<uint64_t>() == 1);
    const std::string text = j.dump();
    CHECK(text.find("null") == std::string::npos);
    CHECK(nlohmann::json::parse(text) == j);
}

TEST_CASE("play state fires playing at the first frame and after a stall, waiting once per stall while visible")
{
    PlayState st;
    CHECK_FALSE(PlayStateTick(st, 5.0, true)); // nothing shown yet: no stall
    CHECK(PlayStateOnShown(st, 10.0, false));  // first frame: playing
    CHECK_FALSE(PlayStateOnShown(st, 10.03, false));
    CHECK_FALSE(PlayStateTick(st, 10.9, true));  // under StallAfter
    CHECK_FALSE(PlayStateTick(st, 12.0, false)); // hidden: no stall
    CHECK(PlayStateTick(st, 12.0, true));        // stall onset
    CHECK(st.Waiting);
    CHECK_FALSE(PlayStateTick(st, 13.0, true)); // fires once
    CHECK(PlayStateOnShown(st, 13.5, false));   // playing again
    CHECK_FALSE(st.Waiting);
    CHECK(PlayStateOnShown(st, 13.6, true)); // a source error clears with the next frame
    CHECK(st.FramesShown == 4);
}

TEST_CASE("buffer ahead is the audio buffer with an audio clock, else queued video past the clock")
{
    CHECK(BufferAhead(true, 0.4, true, 20.0, 10.0, 10.0) == doctest::Approx(0.4));
    CHECK(BufferAhead(false, 0.4, true, 12.0, 10.0, 10.5) == doctest::Approx(1.5));
    CHECK(BufferAhead(false, 0.4, true, 12.0, 10.0, NAN) == doctest::Approx(2.0)); // no clock: past the frame on screen
    CHECK(BufferAhead(false, 0.4, false, 12.0, 10.0, 10.5) == 0.0);
    CHECK(BufferAhead(false, 0.0, true, 9.0, 10.0, 10.5) == 0.0); // never negative
}

TEST_SUITE_END();

TEST_CASE("the page frame cost is a mean per frame by part over the window, with run sums and the largest frame")
{
    FrameCostAccumulator c(2.0);
    CHECK(c.Window(0.0).Frames == 0.0);
    CHECK(c.Window(0.0).TotalMs == 0.0);
    // 60 frames a second for 3 s: ImGui 1 ms, composition 0.5 ms, an upload of 2 ms on every other frame.
    for (int i = 0; i < 180; ++i)
        c.OnFrame(i / 60.0, 1.0, i % 2 == 0 ? 2.0 : 0.0, 0.5);
    const FrameCost w = c.Window(179 / 60.0);
    CHECK(w.Frames == doctest::Approx(120.0).epsilon(0.05)); // the last 2 s
    CHECK(w.ImGuiMs == doctest::Approx(1.0));
    CHECK(w.UploadMs == doctest::Approx(1.0).epsilon(0.05));
    CHECK(w.ComposeMs == doctest::Approx(0.5));
    CHECK(w.TotalMs == doctest::Approx(w.ImGuiMs + w.UploadMs + w.ComposeMs));
    const FrameCost t = c.Totals();
    CHECK(t.Frames == 180.0);
    CHECK(t.UploadMs == doctest::Approx(180.0));
    CHECK(t.TotalMs == doctest::Approx(180.0 * 2.5));
    CHECK(c.Max().TotalMs == doctest::Approx(3.5));
    // Bad timings (a clock that went backwards, NaN) count as 0, never as negative cost.
    c.OnFrame(3.0, -5.0, NAN, 0.5);
    CHECK(c.Totals().ImGuiMs == doctest::Approx(180.0));
    CHECK(c.Totals().Frames == 181.0);
}
