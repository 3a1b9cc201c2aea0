// Unit tests for the replay / DVR controls bar: layout at the overlay's tested sizes, the seek hit rule, the time format,
// and the room it keeps free under the rest of the overlay (OverlayState::ReserveBottom).
#include <doctest/doctest.h>

#include <livescope/overlay/overlay_core.h>
#include <livescope/overlay/playback_bar.h>

#include <cmath>

using namespace livescope;

namespace {
struct Size
{
    float W, H;
};
const Size kSizes[] = {{280, 498}, {300, 533}, {300, 250}, {360, 640}, {420, 747}, {1280, 720}};

bool Inside(const OverlayRect& in, const OverlayRect& out)
{
    return in.X >= out.X - 0.01f && in.Y >= out.Y - 0.01f && in.Right() <= out.Right() + 0.01f && in.Bottom() <= out.Bottom() + 0.01f;
}
} // namespace

TEST_SUITE_BEGIN("overlay/playback_bar");

TEST_CASE("the time reads m:ss below an hour and h:mm:ss from an hour")
{
    CHECK(OverlayFormatPlaybackTime(0.0) == "0:00");
    CHECK(OverlayFormatPlaybackTime(59.9) == "0:59");
    CHECK(OverlayFormatPlaybackTime(61.0) == "1:01");
    CHECK(OverlayFormatPlaybackTime(3599.0) == "59:59");
    CHECK(OverlayFormatPlaybackTime(3661.0) == "1:01:01");
    CHECK(OverlayFormatPlaybackTime(-3.0) == "0:00");
    CHECK(OverlayFormatPlaybackTime(NAN) == "0:00");
}

TEST_CASE("no bar for a live stream without a rewind window")
{
    PlaybackBarState s;
    CHECK_FALSE(OverlayPlaybackBarLayout(360, 640, 16, s, {}).Visible);
}

TEST_CASE("the replay bar fits every tested size with play, seek bar and time side by side")
{
    PlaybackBarState s;
    s.Replay = true;
    s.Position = 40.0;
    s.Duration = 75.0;
    for (const Size& z : kSizes)
    {
        CAPTURE(z.W);
        const PlaybackBarLayout l = OverlayPlaybackBarLayout(z.W, z.H, 16, s, {});
        REQUIRE(l.Visible);
        CHECK(Inside(l.Bar, {0, 0, z.W, z.H}));
        CHECK(Inside(l.Play, l.Bar));
        CHECK(Inside(l.Seek, l.Bar));
        CHECK(Inside(l.Time, l.Bar));
        CHECK_FALSE(OverlayRectsOverlap(l.Play, l.Seek));
        CHECK_FALSE(OverlayRectsOverlap(l.Seek, l.Time));
        CHECK(l.Track.W >= 80.0f); // still a usable seek bar at the smallest post card
        CHECK(l.TimeText == "0:40 / 1:15");
    }
}

TEST_CASE("the DVR bar has -30 s and Live around the seek bar")
{
    PlaybackBarState s;
    s.Dvr = true;
    s.Duration = 7200.0;
    PlaybackBarStrings fr;
    fr.Live = "Direct";
    for (const Size& z : kSizes)
    {
        CAPTURE(z.W);
        const PlaybackBarLayout l = OverlayPlaybackBarLayout(z.W, z.H, 16, s, fr);
        REQUIRE(l.Visible);
        CHECK(Inside(l.Back, l.Bar));
        CHECK(Inside(l.Live, l.Bar));
        CHECK_FALSE(OverlayRectsOverlap(l.Back, l.Seek));
        CHECK_FALSE(OverlayRectsOverlap(l.Seek, l.Live));
        CHECK(l.LiveLabel.Form == LabelForm::Full);
        CHECK(l.BackLabel.Form == LabelForm::Full);
    }
}

TEST_CASE("the DVR bar goes when the live broadcast ended, a replay's bar stays")
{
    PlaybackBarState s;
    s.Dvr = true;
    s.Duration = 120.0;
    CHECK(OverlayPlaybackBarShown(s));
    s.BroadcastEnded = true; // the ended card shows: nothing to rewind or go live to any more
    CHECK_FALSE(OverlayPlaybackBarShown(s));
    CHECK_FALSE(OverlayPlaybackBarLayout(640, 360, 16, s, {}).Visible);
    PlaybackBarState r;
    r.Replay = true;
    r.Duration = 120.0;
    r.BroadcastEnded = true;
    CHECK(OverlayPlaybackBarShown(r));
    CHECK(OverlayPlaybackBarLayout(640, 360, 16, r, {}).Visible);
}

TEST_CASE("a click on the seek bar maps its x to a position, clamped to the duration")
{
    PlaybackBarState s;
    s.Replay = true;
    s.Duration = 100.0;
    const PlaybackBarLayout l = OverlayPlaybackBarLayout(360, 640, 16, s, {});
    CHECK(OverlaySeekPositionAt(l, l.Track.X, 100.0) == doctest::Approx(0.0));
    CHECK(OverlaySeekPositionAt(l, l.Track.X + l.Track.W * 0.4f, 100.0) == doctest::Approx(40.0).epsilon(0.001));
    CHECK(OverlaySeekPositionAt(l, l.Track.Right() + 50.0f, 100.0) == doctest::Approx(100.0));
    CHECK(OverlaySeekPositionAt(l, l.Track.X - 50.0f, 100.0) == doctest::Approx(0.0));
    CHECK(OverlaySeekPositionAt(l, 100.0f, 0.0) == doctest::Approx(0.0));
}

TEST_CASE("with the bar's room reserved, the compose box and heart button sit above the bar")
{
    PlaybackBarState bar;
    bar.Dvr = true;
    bar.Duration = 600.0;
    for (const Size& z : kSizes)
    {
        CAPTURE(z.W);
        OverlayState st;
        st.Title = "Replay test";
        st.ReserveBottom = PlaybackBarHeight(16) + 0.75f * 16;
        const OverlayLayout ov = OverlayComputeLayout(z.W, z.H, 16, st);
        const PlaybackBarLayout l = OverlayPlaybackBarLayout(z.W, z.H, 16, bar, {});
        CHECK_FALSE(OverlayRectsOverlap(ov.Compose, l.Bar));
        CHECK_FALSE(OverlayRectsOverlap(ov.HeartButton, l.Bar));
        CHECK_FALSE(OverlayRectsOverlap(ov.Comments, l.Bar));
        // Without the reservation the compose box would be covered: the test can fail.
        OverlayState none = st;
        none.ReserveBottom = 0.0f;
        CHECK(OverlayRectsOverlap(OverlayComputeLayout(z.W, z.H, 16, none).Compose, l.Bar));
    }
}
