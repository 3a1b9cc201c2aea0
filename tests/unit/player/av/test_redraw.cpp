// Tests for the redraw gate (src/player/av/redraw.cpp): the canvas is redrawn only when its picture changed.
#include <doctest/doctest.h>
#include <livescope/player/av/redraw.h>

#include <cstring>

using namespace livescope;

TEST_SUITE_BEGIN("player_av/redraw");

TEST_CASE("a 30 fps stream on a 60 Hz display with a still overlay redraws once per video frame")
{
    RedrawGate g;
    const char overlay[] = "still overlay";
    const uint64_t h = RedrawHash(kRedrawHashSeed, overlay, sizeof overlay);
    int redraws = 0;
    for (int refresh = 0; refresh < 600; ++refresh) // 10 s at 60 Hz
        redraws += RedrawNeeded(g, refresh % 2 == 0, h, 800, 600) ? 1 : 0;
    CHECK(redraws == 300);
    CHECK(g.Skips == 300);
}

TEST_CASE("the first frame, a new size, a changed overlay and a forced redraw each redraw")
{
    RedrawGate g;
    const uint64_t a = RedrawHash(kRedrawHashSeed, "a", 1), b = RedrawHash(kRedrawHashSeed, "b", 1);
    CHECK(a != b);
    CHECK(RedrawNeeded(g, false, a, 800, 600)); // first frame
    CHECK_FALSE(RedrawNeeded(g, false, a, 800, 600));
    CHECK(RedrawNeeded(g, false, a, 1600, 1200)); // resize (device pixel ratio 2)
    CHECK_FALSE(RedrawNeeded(g, false, a, 1600, 1200));
    CHECK(RedrawNeeded(g, false, b, 1600, 1200)); // an animating heart, a new stats line
    CHECK_FALSE(RedrawNeeded(g, false, b, 1600, 1200));
    g.Force = true; // WebGL context restored
    CHECK(RedrawNeeded(g, false, b, 1600, 1200));
    CHECK_FALSE(RedrawNeeded(g, false, b, 1600, 1200));
    CHECK(RedrawNeeded(g, true, b, 1600, 1200)); // a new video frame
}

TEST_CASE("the overlay hash depends on every byte and on the order")
{
    const unsigned char x[4] = {1, 2, 3, 4}, y[4] = {1, 2, 4, 3};
    CHECK(RedrawHash(kRedrawHashSeed, x, 4) != RedrawHash(kRedrawHashSeed, y, 4));
    CHECK(RedrawHash(RedrawHash(kRedrawHashSeed, x, 2), x + 2, 2) == RedrawHash(kRedrawHashSeed, x, 4));
    CHECK(RedrawHash(kRedrawHashSeed, x, 0) == kRedrawHashSeed);
}
