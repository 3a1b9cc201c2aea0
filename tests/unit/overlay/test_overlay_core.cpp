// Tests for src/overlay/overlay_core.h: layout, input entry points and actions.
#include <doctest/doctest.h>

#include "overlay/overlay_core.h"

using namespace livescope;

namespace {
Overlay MakeOverlay()
{
    Overlay o;
    OverlayInit(o, OverlayConfig{ 1234, 16.0f });
    OverlayNewFrame(o, 10.0, 960.0f, 540.0f);
    return o;
}
} // namespace

TEST_SUITE("overlay/core") {

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
    const HeartColorCount counts[] = { { 0xFF0000, 10 } };
    OverlayAddHeartBatch(o, counts, 200.0, 11.0);
    OverlayNewFrame(o, 12.0, 960.0f, 540.0f);
    CHECK(o.Hearts.Live.empty());
    CHECK(OverlayTakeActions(o).HeartsToSend == 0);
}

TEST_CASE("queued heart batches are drained by the next frame")
{
    Overlay o = MakeOverlay();
    o.State.HeartBatches.push_back({ { { 0x00FF00, 4 } }, 200.0 });
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
        OverlayAddComment(o, CommentEntry{ CommentKind::Message, "u", 0xFFFFFF, std::to_string(i), 0.0 }, 4);
    REQUIRE(o.State.Comments.size() == 4);
    CHECK(o.State.Comments.front().Text == "6");
    CHECK(o.State.Comments.back().Text == "9");
}

}
