// Tests for src/overlay/fit.h: WCAG contrast, the comment backing's colours, title wrapping, label
// shortening, letterboxing and rect overlap.
#include <doctest/doctest.h>

#include <livescope/overlay/fit.h>
#include <livescope/base/utf8.h>

#include <string>

using namespace livescope;

namespace {
// 8 pixels per code point: a stand-in for the font.
const TextMeasureFn kMeasure = [](std::string_view s) { return 8.0f * static_cast<float>(Utf8CountCodePoints(s)); };
} // namespace

TEST_SUITE("overlay/fit")
{
    TEST_CASE("contrast follows WCAG: black on white is 21, a colour on itself is 1")
    {
        CHECK(OverlayContrast(0x000000, 0xFFFFFF) == doctest::Approx(21.0f).epsilon(0.001));
        CHECK(OverlayContrast(0xFFFFFF, 0x000000) == doctest::Approx(21.0f).epsilon(0.001));
        CHECK(OverlayContrast(0xFF00FF, 0xFF00FF) == doctest::Approx(1.0f));
        // White text on the yellow bar of the test pattern: unreadable without a backing.
        CHECK(OverlayContrast(0xFFFFFF, 0xFFFF00) < 1.1f);
        CHECK(OverlayLuminance(0x777777) == doctest::Approx(0.184f).epsilon(0.01));
    }

    TEST_CASE("blending happens on sRGB values, as WebGL blends")
    {
        CHECK(OverlayBlend(0x000000, kOverlayBackingAlpha, 0xFFFFFF) == 0x474747u);
        CHECK(OverlayBlend(0x000000, 1.0f, 0xFFFF00) == 0x000000u);
        CHECK(OverlayBlend(0x000000, 0.0f, 0xFFFF00) == 0xFFFF00u);
        CHECK(OverlayWorstBacking() == 0x474747u);
    }

    TEST_CASE("white comment text on the backing holds 4.5:1 even over a white picture")
    {
        CHECK(OverlayContrast(0xFFFFFF, OverlayWorstBacking()) >= kOverlayMinContrast);
        // And over each bar of the test pattern.
        for (OverlayRgb bar : {0xFFFFFFu, 0xFFFF00u, 0x00FFFFu, 0x00FF00u, 0xFF00FFu, 0xFF0000u, 0x0000FFu})
            CHECK(OverlayContrast(0xFFFFFF, OverlayBlend(0x000000, kOverlayBackingAlpha, bar)) >= kOverlayMinContrast);
    }

    TEST_CASE("author colours are lifted towards white until they read on the backing")
    {
        // The purple that vanished on the magenta bar, and other saturated names.
        for (OverlayRgb c : {0xBA68C8u, 0x7B1FA2u, 0xF01080u, 0x0000FFu, 0xFF0000u, 0x2E7D32u, 0x000000u})
        {
            const OverlayRgb lifted = OverlayReadableOnBacking(c);
            CHECK(OverlayContrast(lifted, OverlayWorstBacking()) >= kOverlayMinContrast);
            CHECK(OverlayContrast(lifted, OverlayBlend(0x000000, kOverlayBackingAlpha, 0x000000)) >= kOverlayMinContrast);
        }
        // Already readable colours keep their hue exactly.
        CHECK(OverlayReadableOnBacking(0xFFFFFF) == 0xFFFFFFu);
        CHECK(OverlayReadableOnBacking(0xFFD54A) == 0xFFD54Au);
        // A lifted colour is still its colour, not white.
        CHECK(OverlayReadableOnBacking(0xBA68C8) != 0xFFFFFFu);
    }

    TEST_CASE("a title that fits two lines is wrapped at spaces and kept whole")
    {
        const TitleFit f = OverlayFitTitle("Soldering the new board", 120.0f, 2, true, kMeasure);
        REQUIRE(f.Lines.size() == 2);
        CHECK(f.Lines[0] == "Soldering the");
        CHECK(f.Lines[1] == "new board");
        CHECK(f.Fits);
        CHECK_FALSE(f.Truncated);
        CHECK_FALSE(f.Marquee);
        CHECK(f.Width == doctest::Approx(13 * 8.0f));

        const TitleFit one = OverlayFitTitle("La tarte aux pommes", 400.0f, 2, true, kMeasure);
        REQUIRE(one.Lines.size() == 1);
        CHECK(one.Fits);
        CHECK(OverlayFitTitle("", 100.0f, 2, true, kMeasure).Lines.empty());
    }

    TEST_CASE("a title longer than two lines scrolls its last line, or is cut under reduced motion")
    {
        const std::string title = "Questions and answers about the new board, live from the workshop bench";
        const TitleFit m = OverlayFitTitle(title, 120.0f, 2, true, kMeasure);
        REQUIRE(m.Lines.size() == 2);
        CHECK(m.Marquee);
        CHECK_FALSE(m.Fits);
        CHECK_FALSE(m.Truncated);
        CHECK(m.Lines[0] + " " + m.Lines[1] == title); // the scrolling line holds all the rest

        const TitleFit r = OverlayFitTitle(title, 120.0f, 2, false, kMeasure);
        REQUIRE(r.Lines.size() == 2);
        CHECK(r.Truncated);
        CHECK_FALSE(r.Marquee);
        CHECK(kMeasure(r.Lines[1]) <= 120.0f);
        CHECK(r.Lines[1].ends_with("\xE2\x80\xA6"));
    }

    TEST_CASE("labels keep their full form, else the short one, else an ellipsized short one")
    {
        const LabelFit full = OverlayFitLabel("Posez une question\xE2\x80\xA6", "Une question ?", 200.0f, kMeasure);
        CHECK(full.Form == LabelForm::Full);
        CHECK(full.Text == "Posez une question\xE2\x80\xA6");
        const LabelFit shorter = OverlayFitLabel("Posez une question\xE2\x80\xA6", "Une question ?", 120.0f, kMeasure);
        CHECK(shorter.Form == LabelForm::Short);
        CHECK(shorter.Text == "Une question ?");
        const LabelFit cut = OverlayFitLabel("Posez une question\xE2\x80\xA6", "Une question ?", 60.0f, kMeasure);
        CHECK(cut.Form == LabelForm::Ellipsized);
        CHECK(kMeasure(cut.Text) <= 60.0f);
        CHECK(cut.Text == "Une qu\xE2\x80\xA6");
        CHECK(OverlayFitLabel("Posez une question", "Une question ?", 40.0f, kMeasure).Text == "Une\xE2\x80\xA6"); // no space before "…"
        CHECK(OverlayFitLabel("Send", "", 8.0f, kMeasure).Text == "\xE2\x80\xA6");
        CHECK(OverlayFitLabel("Send", "", 4.0f, kMeasure).Text.empty());
    }

    TEST_CASE("ellipsizing never splits a code point")
    {
        const std::string s = "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"; // éééé é
        const std::string e = OverlayEllipsize(s, 24.0f, kMeasure);
        CHECK(e == "\xC3\xA9\xC3\xA9\xE2\x80\xA6");
        CHECK(Utf8Sanitize(e) == e);
    }

    TEST_CASE("a 16:9 picture in a 9:16 widget is letterboxed with bands above and below")
    {
        const OverlayRect r = OverlayLetterbox(300.0f, 533.0f, 16.0f / 9.0f);
        CHECK(r.X == 0.0f);
        CHECK(r.W == 300.0f);
        CHECK(r.H == doctest::Approx(168.75f));
        CHECK(r.Y == doctest::Approx((533.0f - 168.75f) / 2.0f));
        const OverlayRect p = OverlayLetterbox(1280.0f, 720.0f, 16.0f / 9.0f);
        CHECK(p.Y == doctest::Approx(0.0f));
        CHECK(p.H == doctest::Approx(720.0f));
        CHECK(OverlayRectEmpty(OverlayLetterbox(300.0f, 533.0f, 0.0f)));
    }

    TEST_CASE("rects overlap only when they share area")
    {
        const OverlayRect a{0, 0, 10, 10};
        CHECK(OverlayRectsOverlap(a, OverlayRect{5, 5, 10, 10}));
        CHECK_FALSE(OverlayRectsOverlap(a, OverlayRect{10, 0, 10, 10})); // touching
        CHECK_FALSE(OverlayRectsOverlap(a, OverlayRect{2, 2, 0, 5}));    // empty
    }
}
