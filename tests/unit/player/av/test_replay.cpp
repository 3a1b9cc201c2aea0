// Unit tests for the page's replay and DVR decisions (replay.h).
#include <doctest/doctest.h>

#include <livescope/player/av/replay.h>

#include <cmath>

using namespace livescope;

TEST_SUITE_BEGIN("player_av/replay");

TEST_CASE("a replay's position is the frame's PDT minus the first segment's, within the recording")
{
    ReplayTimeline t{true, 75.0, 1800000000.0, 1800000075.0};
    CHECK(ReplayPositionOf(t, 1800000040.5) == doctest::Approx(40.5));
    CHECK(ReplayPositionOf(t, 1800000100.0) == doctest::Approx(75.0));
    CHECK(std::isnan(ReplayPositionOf(t, 0.0)));
    CHECK(std::isnan(ReplayPositionOf(ReplayTimeline{true, 75.0, 0.0, 0.0}, 1800000040.0)));
}

TEST_CASE("seek targets clamp into the playlist and map to PDT")
{
    ReplayTimeline t{true, 75.0, 1800000000.0, 1800000075.0};
    CHECK(ReplayClampTarget(t, -4.0) == doctest::Approx(0.0));
    CHECK(ReplayClampTarget(t, 500.0) == doctest::Approx(74.9));
    CHECK(ReplayClampTarget(t, NAN) == doctest::Approx(0.0));
    CHECK(ReplayTargetPdt(t, 40.0) == doctest::Approx(1800000040.0));
    CHECK(ReplayTargetPdt(ReplayTimeline{true, 75.0, 0.0, 0.0}, 40.0) == 0.0);
}

TEST_CASE("a live playlist is a rewind window from kDvrMinWindow of dated media")
{
    CHECK_FALSE(ReplayHasDvr(ReplayTimeline{false, 12.0, 1800000000.0, 1800000012.0}));
    CHECK(ReplayHasDvr(ReplayTimeline{false, 7200.0, 1800000000.0, 1800007200.0}));
    CHECK_FALSE(ReplayHasDvr(ReplayTimeline{true, 7200.0, 1800000000.0, 1800007200.0}));
    CHECK_FALSE(ReplayHasDvr(ReplayTimeline{false, 7200.0, 0.0, 0.0}));
}

TEST_CASE("the latency controller acts only on live at the edge")
{
    CHECK(ReplayLatencyControlAllowed(ReplayTimeline{false, 12.0, 1.0, 13.0}, false));
    CHECK_FALSE(ReplayLatencyControlAllowed(ReplayTimeline{false, 600.0, 1.0, 601.0}, true));
    CHECK_FALSE(ReplayLatencyControlAllowed(ReplayTimeline{true, 600.0, 1.0, 601.0}, false));
}

TEST_CASE("timeupdate fires at most four times a second and only when the position moved")
{
    TimeUpdateGate g;
    CHECK(g.Due(10.0, 1.0));
    CHECK_FALSE(g.Due(10.1, 1.1));
    CHECK(g.Due(10.26, 1.26));
    CHECK_FALSE(g.Due(11.0, 1.26)); // paused: no change, no event
    CHECK(g.Due(11.1, 1.4));
}

TEST_CASE("a replay has played out only once its position reaches the last second")
{
    ReplayTimeline t{true, 75.0, 1800000000.0, 1800000075.0};
    CHECK_FALSE(ReplayPlayedOut(t, 45.0));
    CHECK(ReplayPlayedOut(t, 74.2));
    CHECK(ReplayPlayedOut(t, NAN));
    CHECK(ReplayPlayedOut(ReplayTimeline{false, 12.0, 1.0, 13.0}, 2.0));
}
