// Tests for the overlay's read-only look (a replay, OverlayState::ReadOnly): no compose box, heart button, question
// toggle or vote buttons; the comments and the board still show; taps and keys send nothing; and the broadcast card's
// layout (the title wrapped, the action slot under its text for "Watch the replay").
#include <doctest/doctest.h>

#include <livescope/overlay/overlay_core.h>
#include <livescope/overlay/playback_bar.h>

#include <string>

using namespace livescope;

namespace {
struct Size
{
    float W, H;
};
const Size kSizes[] = {{280, 498}, {300, 533}, {300, 250}, {360, 640}, {420, 747}, {1280, 720}};

OverlayQuestion Q(std::string id, std::string text, std::int64_t votes)
{
    OverlayQuestion q;
    q.Id = std::move(id);
    q.Author = "Guest";
    q.Text = std::move(text);
    q.Votes = votes;
    return q;
}

// A replay with a question board, the bar reserved at the bottom (as the page sets it).
Overlay MakeReplay(float w, float h, bool read_only = true)
{
    Overlay o;
    OverlayInit(o, OverlayConfig{7, 16.0f});
    o.State.QuestionsEnabled = true;
    o.State.Questions = {Q("a", "What is the plan?", 3), Q("b", "When is the next talk?", 1)};
    o.State.ReadOnly = read_only;
    o.State.IsLive = false;
    o.State.ReserveBottom = PlaybackBarHeight(16.0f) + 0.75f * 16.0f;
    o.State.Title = "Replay";
    OverlayNewFrame(o, 1.0, w, h);
    return o;
}

bool Empty(const OverlayRect& r) { return OverlayRectEmpty(r); }
} // namespace

TEST_SUITE_BEGIN("overlay/read_only");

TEST_CASE("a replay lays out no compose box, heart button or question toggle, and the comments reach down to the bar")
{
    for (const Size& z : kSizes)
    {
        CAPTURE(z.W);
        CAPTURE(z.H);
        const Overlay live = MakeReplay(z.W, z.H, false);
        const Overlay o = MakeReplay(z.W, z.H);
        CHECK_FALSE(Empty(live.Layout.Compose)); // the same state, not read-only, has them
        CHECK_FALSE(Empty(live.Layout.HeartButton));
        CHECK_FALSE(Empty(live.Layout.AskToggle));
        CHECK(Empty(o.Layout.Compose));
        CHECK(Empty(o.Layout.SendButton));
        CHECK(Empty(o.Layout.HeartButton));
        CHECK(Empty(o.Layout.AskToggle));
        CHECK_FALSE(Empty(o.Layout.Comments));
        CHECK_FALSE(Empty(o.Layout.QuestionsTab)); // the board can still be opened
        // The comments take the compose row's place: they end lower than before, and above the bar.
        CHECK(o.Layout.Comments.Bottom() > live.Layout.Comments.Bottom());
        PlaybackBarState replay;
        replay.Replay = true;
        const PlaybackBarLayout bar = OverlayPlaybackBarLayout(z.W, z.H, 16.0f, replay, {});
        CHECK(o.Layout.Comments.Bottom() <= bar.Bar.Y);
        // Hearts still rise from the bottom right, above the bar.
        CHECK(o.Layout.HeartEmitter.Y <= bar.Bar.Y);
        CHECK(o.Layout.HeartEmitter.X > o.Layout.Comments.Right());
    }
}

TEST_CASE("a replayed board has rows with their counts but no vote buttons")
{
    Overlay o = MakeReplay(360, 640);
    OverlaySetQuestionsOpen(o, true);
    OverlayNewFrame(o, 2.0, 360, 640);
    REQUIRE(o.Layout.QuestionRows.size() == 2);
    for (const QuestionRow& r : o.Layout.QuestionRows)
    {
        CHECK(Empty(r.Vote));
        CHECK_FALSE(Empty(r.Count));
    }
    // A tap where the count is votes nothing and sends no heart.
    const QuestionRow r = o.Layout.QuestionRows[0];
    OverlayOnPointerDown(o, r.Count.X + 2.0f, r.Count.Y + 2.0f);
    OverlayVoteTap(o, "a");
    const OverlayActions a = OverlayTakeActions(o);
    CHECK(a.Votes.empty());
    CHECK(a.HeartsToSend == 0);
}

TEST_CASE("in a replay taps, keys and the heart call send nothing and focus nothing")
{
    Overlay o = MakeReplay(360, 640);
    CHECK_FALSE(OverlayOnPointerDown(o, 180.0f, 300.0f)); // the middle of the picture: no heart
    CHECK_FALSE(OverlayOnPointerDown(o, 30.0f, 560.0f));  // where the compose box was
    CHECK_FALSE(OverlayOnKey(o, OverlayKey::Tab));
    OverlaySetFocus(o, OverlayFocus::Compose);
    OverlayNewFrame(o, 2.0, 360, 640); // the frame drops any focus a read-only overlay cannot have
    CHECK(o.Focus == OverlayFocus::None);
    CHECK_FALSE(OverlayOnKeyText(o, "hello"));
    CHECK_FALSE(OverlayOnKey(o, OverlayKey::Enter));
    OverlaySendHeart(o);
    const OverlayActions a = OverlayTakeActions(o);
    CHECK(a.HeartsToSend == 0);
    CHECK(a.Comments.empty());
    CHECK(o.Compose.Text.empty());
}

TEST_CASE("the questions tab still opens and closes a replayed board")
{
    Overlay o = MakeReplay(360, 640);
    const OverlayRect tab = o.Layout.QuestionsTab;
    CHECK(OverlayOnPointerDown(o, tab.X + 2.0f, tab.Y + 2.0f));
    CHECK(o.State.QuestionsOpen);
}

TEST_CASE("the ended card wraps a long title and keeps its action slot under the text, inside the widget")
{
    OverlayState s;
    s.Broadcast = OverlayBroadcast::Ended;
    s.Title = "A very long broadcast title that goes on and on about the many things we will talk about today, and then some more";
    for (const Size& z : kSizes)
    {
        CAPTURE(z.W);
        CAPTURE(z.H);
        const BroadcastCardLayout c = OverlayBroadcastCardLayout(z.W, z.H, 16.0f, s);
        REQUIRE_FALSE(c.Message.empty());
        CHECK(c.TitleLines.size() >= (z.W < 1000.0f ? 2u : 1u)); // wrapped in every post card and phone size
        CHECK(c.TitleLines.size() <= kCardTitleLines);
        CHECK(c.Card.X >= 0.0f);
        CHECK(c.Card.Right() <= z.W);
        CHECK(c.MessageY + c.MessageSize <= c.Card.Bottom());
        CHECK(c.Action.Y >= c.Card.Bottom()); // never over the card's text
        CHECK(c.Action.Bottom() <= z.H);
        CHECK(c.Action.H >= 2.6f * 16.0f - 0.01f);
        CHECK(c.Action.X >= 0.0f);
        CHECK(c.Action.Right() <= z.W);
    }
    // The overlay's layout carries the same card and slot (what the page reports to the "Watch the replay" button).
    Overlay o;
    OverlayInit(o);
    o.State = s;
    OverlayNewFrame(o, 1.0, 280, 498);
    const BroadcastCardLayout c = OverlayBroadcastCardLayout(280, 498, 16.0f, s);
    CHECK(o.Layout.Card.Y == doctest::Approx(c.Card.Y));
    CHECK(o.Layout.CardAction.Y == doctest::Approx(c.Action.Y));
}

TEST_CASE("no card and no action slot while the broadcast is live")
{
    OverlayState s;
    s.Title = "Live now";
    const BroadcastCardLayout c = OverlayBroadcastCardLayout(360, 640, 16.0f, s);
    CHECK(c.Message.empty());
    CHECK(Empty(c.Card));
    CHECK(Empty(c.Action));
}
