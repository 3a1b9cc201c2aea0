// Tests for the A/V clock, target delay, drop rule and video scheduler (src/player/av/clock.cpp).
#include <doctest/doctest.h>
#include <livescope/player/av/clock.h>

#include <cmath>
#include <vector>

using namespace livescope;

TEST_SUITE_BEGIN("player_av/clock");

TEST_CASE("a clock advances with injected time at its speed and keeps its value across speed changes")
{
    Clock c;
    CHECK_FALSE(ClockIsCurrent(c, 0));
    ClockSet(c, 10.0, 100.0, 3);
    CHECK(ClockIsCurrent(c, 3));
    CHECK_FALSE(ClockIsCurrent(c, 4));
    CHECK(ClockGet(c, 100.0) == doctest::Approx(10.0));
    CHECK(ClockGet(c, 101.5) == doctest::Approx(11.5));
    ClockSetSpeed(c, 1.25, 102.0);
    CHECK(ClockGet(c, 102.0) == doctest::Approx(12.0));
    CHECK(ClockGet(c, 106.0) == doctest::Approx(17.0));
    ClockSetSpeed(c, 0.0, 106.0); // paused
    CHECK(ClockGet(c, 200.0) == doctest::Approx(17.0));
    ClockSetSpeed(c, -1.0, 200.0); // rejected
    CHECK(c.Speed == 0.0);
}

TEST_CASE("the target delay shortens late video, lengthens early video and ignores huge gaps")
{
    const double d = 1.0 / 30.0;
    CHECK(ComputeTargetDelay(d, 0.0) == doctest::Approx(d));
    CHECK(ComputeTargetDelay(d, 0.01) == doctest::Approx(d));   // inside threshold
    CHECK(ComputeTargetDelay(d, -0.2) == doctest::Approx(0.0)); // far behind: no wait
    CHECK(ComputeTargetDelay(d, -0.05) == doctest::Approx(0.0));
    CHECK(ComputeTargetDelay(d, 0.05) == doctest::Approx(2 * d));  // ahead, short frame: double
    CHECK(ComputeTargetDelay(0.2, 0.15) == doctest::Approx(0.35)); // ahead, long frame: stretch
    CHECK(ComputeTargetDelay(d, 50.0) == doctest::Approx(d));      // no-sync threshold
    CHECK(ComputeTargetDelay(d, NAN) == doctest::Approx(d));
    CHECK(ComputeTargetDelay(NAN, 0.0) == doctest::Approx(0.0));
}

TEST_CASE("a frame is dropped only when a later frame exists and its slot has passed")
{
    CHECK(ShouldDropFrame(10.1, 10.0, 0.033, true));
    CHECK_FALSE(ShouldDropFrame(10.1, 10.0, 0.033, false));
    CHECK_FALSE(ShouldDropFrame(10.02, 10.0, 0.033, true));
    CHECK(FrameDuration(1.0, 1.04, 0.033, 10.0) == doctest::Approx(0.04));
    CHECK(FrameDuration(1.0, 0.5, 0.033, 10.0) == doctest::Approx(0.033));
    CHECK(FrameDuration(1.0, 100.0, 0.033, 10.0) == doctest::Approx(0.033));
}

TEST_CASE("the video scheduler paces frames on the audio clock and drops stale serials")
{
    VideoScheduler s;
    Clock audio;
    const double fd = 0.04;
    std::vector<FrameInfo> frames;
    for (int i = 0; i < 50; ++i)
        frames.push_back({i * fd, fd, 1});
    // A stale frame from serial 0 comes first.
    FrameDecision first = VideoSchedulerStep(s, 0.0, FrameInfo{5.0, fd, 0}, &frames[0], audio, 1);
    CHECK(first.Action == FrameAction::Drop);

    double now = 0.0;
    size_t next = 0;
    int shown = 0;
    int dropped = 0;
    while (next < frames.size() && now < 3.0)
    {
        ClockSet(audio, now, now, 1); // audio runs in step with host time, from pts 0
        const FrameInfo* later = next + 1 < frames.size() ? &frames[next + 1] : nullptr;
        FrameDecision d = VideoSchedulerStep(s, now, frames[next], later, audio, 1);
        if (d.Action == FrameAction::Wait)
        {
            CHECK(d.WaitTime > 0.0);
            now += std::min(d.WaitTime, 0.005);
            continue;
        }
        if (d.Action == FrameAction::Show)
        {
            // Shown frames are within one frame of the audio clock.
            CHECK(std::fabs(frames[next].Pts - now) <= fd + 1e-9);
            ++shown;
        }
        else
        {
            ++dropped;
        }
        ++next;
    }
    CHECK(shown == 50);
    CHECK(dropped == 0);
}

TEST_CASE("the video scheduler drops late frames when video falls behind audio")
{
    VideoScheduler s;
    Clock audio;
    const double fd = 0.04;
    // Frames 0..9; the host (and audio) jumps 0.3 s ahead after the first frame.
    std::vector<FrameInfo> frames;
    for (int i = 0; i < 10; ++i)
        frames.push_back({i * fd, fd, 2});
    ClockSet(audio, 0.0, 0.0, 2);
    CHECK(VideoSchedulerStep(s, 0.0, frames[0], &frames[1], audio, 2).Action == FrameAction::Show);
    const double now = 0.3;
    ClockSet(audio, now, now, 2);
    int dropped = 0;
    size_t i = 1;
    for (; i + 1 < frames.size(); ++i)
    {
        FrameDecision d = VideoSchedulerStep(s, now, frames[i], &frames[i + 1], audio, 2);
        if (d.Action != FrameAction::Drop)
        {
            CHECK(d.Action == FrameAction::Show);
            break;
        }
        ++dropped;
    }
    CHECK(dropped >= 5);
    CHECK(frames[i].Pts >= 0.2);
    CHECK(s.Dropped == dropped);
}

TEST_SUITE_END();
