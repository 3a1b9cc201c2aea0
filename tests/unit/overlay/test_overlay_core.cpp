// Tests for src/overlay/overlay_core.h: layout, input entry points and actions.
#include <doctest/doctest.h>

#include <livescope/overlay/overlay_core.h>

using namespace livescope;

namespace {
Overlay MakeOverlay()
{
    Overlay o;
    OverlayInit(o, OverlayConfig{1234, 16.0f});
    OverlayNewFrame(o, 10.0, 960.0f, 540.0f);
    return o;
}
} // namespace

TEST_SUITE("overlay/core")
{
    TEST_CASE("the overlay's built-in strings are the English column of the shared UI strings table")
    {
        const OverlayStrings s;
        CHECK(s.Live == kUiStringsEn.Live);
        CHECK(s.Send == kUiStringsEn.Send);
        CHECK(s.Placeholder == kUiStringsEn.Placeholder);
        CHECK(s.PlaceholderShort == kUiStringsEn.PlaceholderShort);
        CHECK(s.Joined == kUiStringsEn.Joined);
        CHECK(s.Pinned == kUiStringsEn.Pinned);
        CHECK(s.TotalViewers == kUiStringsEn.Total);
        CHECK(s.SendHeart == kUiStringsEn.SendHeart);
        const OverlayStrings fr = OverlayStringsFrom(kUiStringsFr);
        CHECK(fr.Live == std::string(kUiStringsFr.Live));
        CHECK(fr.TotalViewers == std::string(kUiStringsFr.Total));
        CHECK(fr.Live != s.Live);
    }

    TEST_CASE("the layout puts hearts lower right, comments and compose lower left, the header on top")
    {
        const Overlay o = MakeOverlay();
        const OverlayLayout& l = o.Layout;
        CHECK(l.HeartButton.X > 960.0f * 0.8f);
        CHECK(l.HeartButton.Y > 540.0f * 0.8f);
        CHECK(l.Compose.X < 960.0f * 0.1f);
        CHECK(l.Compose.Bottom() <= 540.0f);
        CHECK(l.Compose.Y > 540.0f * 0.8f);
        CHECK(l.Comments.Bottom() <= l.Compose.Y);
        CHECK(l.Comments.Right() < l.HeartButton.X);
        CHECK(l.Header.Bottom() < l.Comments.Y);
        CHECK(l.HeartEmitter.Y - l.HeartRise >= l.Header.Bottom());
    }

    TEST_CASE("a tap on the video sends a heart that is shown at once")
    {
        Overlay o = MakeOverlay();
        CHECK(OverlayOnPointerDown(o, 600.0f, 200.0f));
        CHECK(o.Hearts.Live.size() == 1);
        OverlayActions a = OverlayTakeActions(o);
        CHECK(a.HeartsToSend == 1);
        CHECK(OverlayTakeActions(o).HeartsToSend == 0);
        CHECK_FALSE(OverlayOnPointerDown(o, -1.0f, 200.0f));
    }

    TEST_CASE("typing in the compose box and pressing Enter submits a comment")
    {
        Overlay o = MakeOverlay();
        const OverlayRect box = o.Layout.Compose;
        CHECK(OverlayOnPointerDown(o, box.X + 5.0f, box.Y + 5.0f));
        CHECK(o.Focus == OverlayFocus::Compose);
        CHECK(o.Hearts.Live.empty());
        CHECK(OverlayOnKeyText(o, "Bonjour \xC3\xA0 tous"));
        CHECK(OverlayOnKey(o, OverlayKey::Backspace));
        CHECK(OverlayOnKey(o, OverlayKey::Enter));
        OverlayActions a = OverlayTakeActions(o);
        REQUIRE(a.Comments.size() == 1);
        CHECK(a.Comments[0] == "Bonjour \xC3\xA0 tou");
        CHECK(a.ComposeFocused);
        CHECK(a.ComposeFocusChanged);
        CHECK(o.Compose.Text.empty());
    }

    TEST_CASE("typing without compose focus is ignored")
    {
        Overlay o = MakeOverlay();
        CHECK_FALSE(OverlayOnKeyText(o, "x"));
        CHECK(o.Compose.Text.empty());
    }

    TEST_CASE("the heart button takes keyboard focus and Enter or Space sends hearts")
    {
        Overlay o = MakeOverlay();
        CHECK(OverlayOnKey(o, OverlayKey::Tab));
        CHECK(o.Focus == OverlayFocus::HeartButton);
        CHECK(OverlayOnKey(o, OverlayKey::Enter));
        CHECK(OverlayOnKey(o, OverlayKey::Space));
        CHECK(OverlayTakeActions(o).HeartsToSend == 2);
        CHECK(OverlayOnKey(o, OverlayKey::Tab));
        CHECK(o.Focus == OverlayFocus::Compose);
        CHECK(OverlayOnKey(o, OverlayKey::Escape));
        CHECK(o.Focus == OverlayFocus::None);
    }

    TEST_CASE("with hearts disabled a tap sends nothing and batches are ignored")
    {
        Overlay o = MakeOverlay();
        o.State.HeartsEnabled = false;
        OverlayNewFrame(o, 11.0, 960.0f, 540.0f);
        CHECK_FALSE(OverlayOnPointerDown(o, 600.0f, 200.0f));
        const HeartColorCount counts[] = {{0xFF0000, 10}};
        OverlayAddHeartBatch(o, counts, 200.0, 11.0);
        OverlayNewFrame(o, 12.0, 960.0f, 540.0f);
        CHECK(o.Hearts.Live.empty());
        CHECK(OverlayTakeActions(o).HeartsToSend == 0);
    }

    TEST_CASE("queued heart batches are drained by the next frame")
    {
        Overlay o = MakeOverlay();
        o.State.HeartBatches.push_back({{{0x00FF00, 4}}, 200.0});
        OverlayNewFrame(o, 20.0, 960.0f, 540.0f);
        CHECK(o.State.HeartBatches.empty());
        OverlayNewFrame(o, 20.25, 960.0f, 540.0f);
        CHECK(o.Hearts.Live.size() == 4);
    }

    TEST_CASE("a viewer count change starts the pulse")
    {
        Overlay o = MakeOverlay();
        CHECK(OverlayViewerPulse(o) == 1.0f);
        o.State.ViewersLive = 1500;
        OverlayNewFrame(o, 30.0, 960.0f, 540.0f);
        CHECK(OverlayViewerPulse(o) == 0.0f);
        OverlayNewFrame(o, 30.3, 960.0f, 540.0f);
        CHECK(OverlayViewerPulse(o) == doctest::Approx(0.5f));
        OverlayNewFrame(o, 31.0, 960.0f, 540.0f);
        CHECK(OverlayViewerPulse(o) == 1.0f);
    }

    TEST_CASE("the comment list keeps only the newest entries")
    {
        Overlay o = MakeOverlay();
        for (int i = 0; i < 10; ++i)
            OverlayAddComment(o, CommentEntry{CommentKind::Message, "u", 0xFFFFFF, std::to_string(i), 0.0}, 4);
        REQUIRE(o.State.Comments.size() == 4);
        CHECK(o.State.Comments.front().Text == "6");
        CHECK(o.State.Comments.back().Text == "9");
    }
}

namespace {

// 0.55 of the font size per code point, as the layout's own estimate; titles and strings of both languages.
struct Lang
{
    const char* Name;
    const char* Title;
    OverlayStrings Strings;
    float ControlsW, ControlsCompactW; // pixels, as the DOM measures the sound + fullscreen row
};

Lang English()
{
    return Lang{"en", "Soldering the new board", OverlayStrings{}, 150.0f, 72.0f};
}

Lang French()
{
    Lang l{"fr", "La tarte aux pommes, pas \xC3\xA0 pas", OverlayStrings{}, 190.0f, 72.0f};
    l.Strings = OverlayStringsFrom(kUiStringsFr); // web/ui_strings.json
    return l;
}

OverlayState StateFor(const Lang& lang, float picture_aspect)
{
    OverlayState s;
    s.Title = lang.Title;
    s.Strings = lang.Strings;
    s.PictureAspect = picture_aspect;
    s.ControlsWidth = lang.ControlsW;
    s.ControlsCompactWidth = lang.ControlsCompactW;
    s.ControlsHeight = 28.0f;
    s.ViewersLive = 12;
    s.ViewersTotal = 345;
    return s;
}

// Nothing overlaps the compose box or the viewer counter, and everything stays inside the widget.
void CheckNoOverlap(const OverlayLayout& l, float w, float h)
{
    const OverlayRect others[] = {l.TitleRect, l.Controls, l.Comments, l.HeartButton, l.Viewers};
    for (const OverlayRect& r : others)
        CHECK_FALSE(OverlayRectsOverlap(r, l.Compose));
    for (const OverlayRect& r : {l.TitleRect, l.Controls, l.Comments, l.HeartButton, l.Compose})
        CHECK_FALSE(OverlayRectsOverlap(r, l.Viewers));
    CHECK_FALSE(OverlayRectsOverlap(l.TitleRect, l.Controls));
    CHECK_FALSE(OverlayRectsOverlap(l.TitleRect, l.Comments));
    CHECK_FALSE(OverlayRectsOverlap(l.Controls, l.Comments));
    for (const OverlayRect& r : {l.TitleRect, l.Controls, l.Comments, l.HeartButton, l.Compose, l.Viewers})
    {
        CHECK(r.X >= 0.0f);
        CHECK(r.Y >= 0.0f);
        CHECK(r.Right() <= w + 0.01f);
        CHECK(r.Bottom() <= h + 0.01f);
    }
    // The counter and the Send button are inside the compose box, side by side.
    CHECK(l.SendButton.Right() <= l.Compose.Right() + 0.01f);
    CHECK(l.CharCounter.Right() <= l.SendButton.X + 0.01f);
    CHECK(l.ComposeText.X >= l.Compose.X);
    CHECK(l.ComposeText.Right() <= l.SendButton.X + 0.01f);
}

} // namespace

TEST_SUITE("overlay/layout")
{
    TEST_CASE("at every publisher size, in both languages, the title is whole and nothing overlaps")
    {
        struct Size
        {
            float W, H;
        };
        for (const Size sz : {Size{280, 498}, Size{300, 533}, Size{360, 640}, Size{420, 747}, Size{1280, 720}, Size{498, 280}})
        {
            for (const Lang& lang : {English(), French()})
            {
                CAPTURE(sz.W);
                CAPTURE(sz.H);
                CAPTURE(lang.Name);
                const OverlayLayout l = OverlayComputeLayout(sz.W, sz.H, 16.0f, StateFor(lang, 16.0f / 9.0f));
                CHECK(l.Title.Fits);
                CHECK(l.Title.Lines.size() <= 2);
                CHECK_FALSE(l.Title.Truncated);
                CHECK_FALSE(l.Title.Marquee);
                CHECK(l.Placeholder.Form != LabelForm::Ellipsized);
                CHECK_FALSE(l.ControlsCompact);
                CheckNoOverlap(l, sz.W, sz.H);
            }
        }
    }

    TEST_CASE("a title too wide for the header goes to the band above a letterboxed picture")
    {
        const OverlayLayout l = OverlayComputeLayout(300.0f, 533.0f, 16.0f, StateFor(English(), 16.0f / 9.0f));
        CHECK(l.TitlePlace == TitlePlacement::Band);
        CHECK(l.TitleRect.Bottom() <= l.Picture.Y);
        CHECK(l.TitleRect.Y >= l.Controls.Bottom());
        // No picture yet: under the header row instead.
        const OverlayLayout n = OverlayComputeLayout(300.0f, 533.0f, 16.0f, StateFor(English(), 0.0f));
        CHECK(n.TitlePlace == TitlePlacement::HeaderRows);
        CHECK(n.TitleRect.Y >= n.Header.Bottom());
        CHECK(n.Controls.Y >= n.TitleRect.Bottom());
        // A short title stays in the header row, on one line.
        OverlayState s = StateFor(English(), 16.0f / 9.0f);
        s.Title = "AMA";
        const OverlayLayout h = OverlayComputeLayout(300.0f, 533.0f, 16.0f, s);
        CHECK(h.TitlePlace == TitlePlacement::Header);
        CHECK(h.TitleRect.Right() <= h.Viewers.X);
        REQUIRE(h.Title.Lines.size() == 1);
    }

    TEST_CASE("a title longer than two lines scrolls, and never under reduced motion")
    {
        OverlayState s = StateFor(English(), 16.0f / 9.0f);
        s.Title = "A very long broadcast title about soldering boards, testing them, and answering every question live";
        const OverlayLayout m = OverlayComputeLayout(280.0f, 498.0f, 16.0f, s);
        CHECK(m.Title.Marquee);
        CHECK(m.Title.Lines.size() == 2);
        CHECK(m.TitlePlace == TitlePlacement::Band); // the widest place it can have
        CHECK(m.TitleRect.W == doctest::Approx(280.0f - 2.0f * m.Pad));
        s.ReducedMotion = true;
        const OverlayLayout r = OverlayComputeLayout(280.0f, 498.0f, 16.0f, s);
        CHECK_FALSE(r.Title.Marquee);
        CHECK(r.Title.Truncated);
        CheckNoOverlap(r, 280.0f, 498.0f);
    }

    TEST_CASE("a narrow compose box trades the word Send for an arrow, then the placeholder for its short form")
    {
        OverlayState s = StateFor(French(), 16.0f / 9.0f);
        const OverlayLayout wide = OverlayComputeLayout(420.0f, 747.0f, 16.0f, s);
        CHECK_FALSE(wide.SendIcon);
        CHECK(wide.Placeholder.Form == LabelForm::Full);
        const OverlayLayout narrow = OverlayComputeLayout(280.0f, 498.0f, 16.0f, s);
        CHECK(narrow.SendIcon);
        CHECK(narrow.Placeholder.Text == (narrow.Placeholder.Form == LabelForm::Full ? s.Strings.Placeholder : s.Strings.PlaceholderShort));
        const OverlayLayout tiny = OverlayComputeLayout(200.0f, 356.0f, 16.0f, s);
        CHECK(tiny.SendIcon);
        CHECK(tiny.Placeholder.Form != LabelForm::Full);
        CheckNoOverlap(tiny, 200.0f, 356.0f);
    }

    TEST_CASE("the controls row turns icon-only when its labels do not fit the width")
    {
        OverlayState s = StateFor(French(), 16.0f / 9.0f);
        s.ControlsWidth = 400.0f;
        const OverlayLayout l = OverlayComputeLayout(300.0f, 533.0f, 16.0f, s);
        CHECK(l.ControlsCompact);
        CHECK(l.Controls.W == doctest::Approx(72.0f));
        CHECK(l.Controls.Right() <= 300.0f);
        s.ControlsWidth = s.ControlsHeight = 0.0f;
        CHECK(OverlayRectEmpty(OverlayComputeLayout(300.0f, 533.0f, 16.0f, s).Controls));
    }
}
