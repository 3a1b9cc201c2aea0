// Tests for the overlay's live Q&A (src/overlay/overlay_core.h): the questions tab and view (beside the chat or in
// its place), vote taps, the "Now answering" banner, the compose box's question toggle, and refusals that put the
// text back.
#include <doctest/doctest.h>

#include <livescope/overlay/overlay_core.h>

#include <string>
#include <string_view>

using namespace livescope;

namespace {

OverlayQuestion Q(std::string id, std::string text, std::int64_t votes, bool voted = false)
{
    OverlayQuestion q;
    q.Id = std::move(id);
    q.Author = "Guest " + q.Id;
    q.AuthorRgb = 0x4FC3F7;
    q.Text = std::move(text);
    q.Votes = votes;
    q.Voted = voted;
    return q;
}

bool EndsInQuestionMark(std::string_view t)
{
    while (!t.empty() && t.back() == ' ')
        t.remove_suffix(1);
    return !t.empty() && t.back() == '?';
}

Overlay MakeOverlay(float w, float h, int questions = 3)
{
    Overlay o;
    OverlayInit(o, OverlayConfig{7, 16.0f});
    o.LooksLikeQuestion = EndsInQuestionMark;
    o.State.QuestionsEnabled = true;
    for (int i = 0; i < questions; ++i)
        o.State.Questions.push_back(Q("q" + std::to_string(i), "Question number " + std::to_string(i) + ", with a few words to wrap?", 10 - i));
    OverlayNewFrame(o, 10.0, w, h);
    return o;
}

void Frame(Overlay& o, double now) { OverlayNewFrame(o, now, o.Width, o.Height); }

struct Size
{
    float W, H;
};
constexpr Size kSizes[] = {{300.0f, 250.0f}, {280.0f, 498.0f}, {360.0f, 640.0f}, {420.0f, 747.0f}, {1280.0f, 720.0f}};

} // namespace

TEST_SUITE("overlay/questions")
{
    TEST_CASE("without a question board there is no tab, no toggle and no questions view")
    {
        Overlay o = MakeOverlay(360.0f, 640.0f);
        o.State.QuestionsEnabled = false;
        o.State.QuestionsOpen = true;
        Frame(o, 11.0);
        CHECK(o.Layout.QuestionsTab.W == 0.0f);
        CHECK(o.Layout.AskToggle.W == 0.0f);
        CHECK(o.Layout.Questions.W == 0.0f);
        CHECK(o.Layout.QuestionRows.empty());
    }

    TEST_CASE("a tap on the tab opens the questions view and a second tap closes it")
    {
        Overlay o = MakeOverlay(360.0f, 640.0f);
        const OverlayRect tab = o.Layout.QuestionsTab;
        REQUIRE(tab.W > 0.0f);
        CHECK(o.Layout.Questions.W == 0.0f);
        CHECK(o.Layout.QuestionsTabLabel.Text == "Questions 3");
        CHECK(OverlayOnPointerDown(o, tab.X + 4.0f, tab.Y + 4.0f));
        CHECK(o.State.QuestionsOpen);
        CHECK(OverlayTakeActions(o).QuestionsOpenChanged);
        CHECK(o.Hearts.Live.empty()); // the tab is not the video: no heart
        Frame(o, 11.0);
        CHECK(o.Layout.Questions.W > 0.0f);
        CHECK(o.Layout.QuestionRows.size() == 3);
        CHECK(OverlayOnPointerDown(o, tab.X + 4.0f, tab.Y + 4.0f));
        CHECK_FALSE(o.State.QuestionsOpen);
        Frame(o, 12.0);
        CHECK(o.Layout.Questions.W == 0.0f);
    }

    TEST_CASE("on a phone the questions view takes the chat's place; fullscreen puts it beside the chat")
    {
        Overlay phone = MakeOverlay(360.0f, 640.0f);
        phone.State.QuestionsOpen = true;
        Frame(phone, 11.0);
        CHECK_FALSE(phone.Layout.QuestionsBeside);
        CHECK(phone.Layout.Questions.X == doctest::Approx(phone.Layout.Comments.X));
        CHECK(OverlayRectsOverlap(phone.Layout.Questions, phone.Layout.Comments));

        Overlay wide = MakeOverlay(1280.0f, 720.0f);
        wide.State.QuestionsOpen = true;
        Frame(wide, 11.0);
        CHECK(wide.Layout.QuestionsBeside);
        CHECK_FALSE(OverlayRectsOverlap(wide.Layout.Questions, wide.Layout.Comments));
        CHECK(wide.Layout.Questions.Right() <= wide.Layout.HeartButton.X);
        CHECK(wide.Layout.Questions.W <= kQuestionsMaxWidth * 16.0f + 0.01f);
    }

    TEST_CASE("at every publisher size the open view, its rows and the banner stay clear of the header, compose box and heart button")
    {
        for (const Size sz : kSizes)
            for (const bool controls : {false, true})
            {
                CAPTURE(sz.W);
                CAPTURE(sz.H);
                CAPTURE(controls);
                Overlay o = MakeOverlay(sz.W, sz.H, 12);
                if (controls)
                { // the sound and fullscreen buttons (web/livescope.js), as measured in Chromium
                    o.State.ControlsWidth = 170.0f;
                    o.State.ControlsCompactWidth = 70.0f;
                    o.State.ControlsHeight = 30.0f;
                }
                o.State.QuestionsOpen = true;
                o.State.HasAnswering = true;
                o.State.Answering = Q("a", "What is the plan for the next release, and when does it ship to everyone?", 40);
                Frame(o, 11.0);
                const OverlayLayout& l = o.Layout;
                REQUIRE(l.Banner.W > 0.0f);
                CHECK(l.Banner.Y >= l.Viewers.Bottom());
                CHECK_FALSE(OverlayRectsOverlap(l.Banner, l.Controls));
                CHECK(l.Questions.Bottom() <= l.Compose.Y);
                CHECK_FALSE(OverlayRectsOverlap(l.Questions, l.HeartButton));
                CHECK_FALSE(OverlayRectsOverlap(l.Questions, l.Banner));
                CHECK_FALSE(OverlayRectsOverlap(l.QuestionsTab, l.Viewers));
                CHECK_FALSE(OverlayRectsOverlap(l.QuestionsTab, l.Controls));
                CHECK_FALSE(OverlayRectsOverlap(l.QuestionsTab, l.Banner));
                CHECK(l.Questions.Y >= l.Banner.Bottom());
                CHECK(l.QuestionsTab.Right() <= sz.W);
                CHECK_FALSE(l.QuestionRows.empty()); // at least one question shows, even on the 300x250 post card
                for (const QuestionRow& r : l.QuestionRows)
                {
                    CHECK(r.Rect.Y >= l.Questions.Y);
                    CHECK(r.Rect.Bottom() <= l.Questions.Bottom());
                    CHECK(r.Vote.W >= 2.75f * 16.0f - 0.01f); // a touch target
                    CHECK(r.Lines.Lines.size() <= kQuestionRowLines);
                }
                CHECK(l.BannerText.Lines.size() <= kBannerLines);
            }
    }

    TEST_CASE("the tab shares the controls row when it fits left of it, and gets a row of its own otherwise")
    {
        Overlay o = MakeOverlay(300.0f, 250.0f);
        const float own_row_y = o.Layout.QuestionsTab.Y;
        o.State.ControlsWidth = 170.0f;
        o.State.ControlsCompactWidth = 70.0f;
        o.State.ControlsHeight = 30.0f;
        Frame(o, 11.0);
        const OverlayLayout& l = o.Layout;
        CHECK(l.QuestionsTab.Y < l.Controls.Bottom());
        CHECK(l.QuestionsTab.Right() < l.Controls.X);
        CHECK(l.QuestionsTab.Y < own_row_y + 30.0f);
        CHECK(l.Comments.Y >= l.Controls.Bottom());
        o.State.ControlsWidth = 280.0f; // a row as wide as the widget: no room beside it
        o.State.ControlsCompactWidth = 270.0f;
        Frame(o, 12.0);
        CHECK(o.Layout.QuestionsTab.Y >= o.Layout.Controls.Bottom());
    }

    TEST_CASE("the sound button goes icon-only when that lets the tab share the controls row, and keeps its label otherwise")
    {
        Overlay o = MakeOverlay(300.0f, 533.0f);
        o.State.ControlsHeight = 30.0f;
        o.State.ControlsWidth = 200.0f; // "Touchez pour le son" + fullscreen: no room left for the tab beside it
        o.State.ControlsCompactWidth = 70.0f;
        Frame(o, 11.0);
        CHECK(o.Layout.ControlsCompact);
        CHECK(o.Layout.QuestionsTab.Y < o.Layout.Controls.Bottom());
        CHECK(o.Layout.QuestionsTab.Right() < o.Layout.Controls.X);
        o.State.QuestionsEnabled = false; // no tab: the label stays
        Frame(o, 12.0);
        CHECK_FALSE(o.Layout.ControlsCompact);
        o.State.QuestionsEnabled = true;
        o.State.ControlsWidth = 120.0f; // room for both: the label stays
        Frame(o, 13.0);
        CHECK_FALSE(o.Layout.ControlsCompact);
        CHECK(o.Layout.QuestionsTab.Y < o.Layout.Controls.Bottom());
    }

    TEST_CASE("rows follow the board's order and stop at the last one that fits whole")
    {
        Overlay o = MakeOverlay(360.0f, 640.0f, 40);
        o.State.QuestionsOpen = true;
        Frame(o, 11.0);
        const OverlayLayout& l = o.Layout;
        REQUIRE(l.QuestionRows.size() >= 2);
        CHECK(l.QuestionRows.size() < 40);
        for (std::size_t i = 0; i < l.QuestionRows.size(); ++i)
        {
            CHECK(l.QuestionRows[i].Index == i);
            if (i > 0)
                CHECK(l.QuestionRows[i].Rect.Y >= l.QuestionRows[i - 1].Rect.Bottom());
        }
    }

    TEST_CASE("one tap on a vote button votes, and a tap on a voted question takes the vote back")
    {
        Overlay o = MakeOverlay(360.0f, 640.0f);
        o.State.QuestionsOpen = true;
        o.State.Questions[1].Voted = true;
        Frame(o, 11.0);
        const OverlayRect v0 = o.Layout.QuestionRows[0].Vote;
        const OverlayRect v1 = o.Layout.QuestionRows[1].Vote;
        CHECK(OverlayOnPointerDown(o, v0.X + 5.0f, v0.Y + 5.0f));
        CHECK(OverlayOnPointerDown(o, v1.X + 5.0f, v1.Y + 5.0f));
        OverlayActions a = OverlayTakeActions(o);
        REQUIRE(a.Votes.size() == 2);
        CHECK(a.Votes[0].Id == "q0");
        CHECK(a.Votes[0].On);
        CHECK(a.Votes[1].Id == "q1");
        CHECK_FALSE(a.Votes[1].On);
        CHECK(a.HeartsToSend == 0);
        // A tap on a row's text is the view's, not the video's: no heart, no vote.
        const OverlayRect row = o.Layout.QuestionRows[2].Rect;
        CHECK(OverlayOnPointerDown(o, row.Right() - 4.0f, row.Y + 4.0f));
        a = OverlayTakeActions(o);
        CHECK(a.Votes.empty());
        CHECK(a.HeartsToSend == 0);
        CHECK(OverlayQuestionAt(o, row.Right() - 4.0f, row.Y + 4.0f) == 2);
        CHECK(OverlayQuestionAt(o, 1.0f, 1.0f) == -1);
    }

    TEST_CASE("a vote tap for a question no longer on the board sends nothing")
    {
        Overlay o = MakeOverlay(360.0f, 640.0f);
        OverlayVoteTap(o, "gone");
        CHECK(OverlayTakeActions(o).Votes.empty());
    }

    TEST_CASE("text ending in a question mark is offered as a question; the toggle overrides it for this draft only")
    {
        Overlay o = MakeOverlay(360.0f, 640.0f);
        OverlaySetFocus(o, OverlayFocus::Compose);
        OverlayOnKeyText(o, "hello");
        CHECK_FALSE(OverlayComposeIsQuestion(o));
        OverlayOnKeyText(o, "?");
        CHECK(OverlayComposeIsQuestion(o));
        const OverlayRect t = o.Layout.AskToggle;
        REQUIRE(t.W > 0.0f);
        CHECK(o.Layout.Compose.Contains(t.X + 1.0f, t.Y + 1.0f));
        CHECK(t.Right() < o.Layout.ComposeText.X);
        CHECK(OverlayOnPointerDown(o, t.X + 2.0f, t.Y + 2.0f)); // the tap turns it off
        CHECK_FALSE(OverlayComposeIsQuestion(o));
        CHECK(o.Focus == OverlayFocus::Compose);
        CHECK(OverlayOnKey(o, OverlayKey::Enter));
        OverlayActions a = OverlayTakeActions(o);
        REQUIRE(a.Comments.size() == 1);
        REQUIRE(a.CommentQuestions.size() == 1);
        CHECK_FALSE(a.CommentQuestions[0]);
        // The next draft starts from Auto again; a tap turns a statement into a question.
        CHECK(o.QuestionChoice == ComposeQuestion::Auto);
        OverlayOnKeyText(o, "Tell us about the roadmap");
        CHECK_FALSE(OverlayComposeIsQuestion(o));
        OverlayToggleComposeQuestion(o);
        CHECK(OverlayComposeIsQuestion(o));
        OverlayOnKey(o, OverlayKey::Enter);
        a = OverlayTakeActions(o);
        REQUIRE(a.CommentQuestions.size() == 1);
        CHECK(a.CommentQuestions[0]);
        OverlayOnKeyText(o, "Why?");
        o.State.QuestionsEnabled = false; // a v1 room: nothing is a question
        CHECK_FALSE(OverlayComposeIsQuestion(o));
    }

    TEST_CASE("a refused comment shows why and goes back into the box, in front of anything typed since")
    {
        Overlay o = MakeOverlay(360.0f, 640.0f);
        OverlayRefused(o, "Slow mode: wait 12 s", "My question?");
        CHECK(o.Compose.Text == "My question?");
        CHECK(OverlayTakeActions(o).ComposeTextChanged);
        Frame(o, 11.0);
        CHECK(o.State.Notice == "Slow mode: wait 12 s");
        CHECK(o.Layout.Notice.W > 0.0f);
        CHECK(o.Layout.Notice.Bottom() <= o.Layout.Compose.Y);
        // Typed more meanwhile: the refused text goes in front, nothing is lost.
        ComposeSetText(o.Compose, "and more");
        OverlayRefused(o, "Too fast: wait 1 s", "first");
        CHECK(o.Compose.Text == "first and more");
        // The notice goes after kNoticeSeconds.
        Frame(o, 11.0 + kNoticeSeconds + 0.1);
        CHECK(o.State.Notice.empty());
        CHECK(o.Layout.Notice.W == 0.0f);
        // A notice with nothing to put back ("awaiting review") leaves the box alone.
        ComposeSetText(o.Compose, "");
        OverlayShowNotice(o, "Sent: awaiting review");
        CHECK(o.Compose.Text.empty());
        CHECK(o.State.Notice == "Sent: awaiting review");
    }

    TEST_CASE("the banner shows the answered question under the header and pushes the chat down")
    {
        Overlay o = MakeOverlay(360.0f, 640.0f);
        const float chat_top = o.Layout.Comments.Y;
        o.State.HasAnswering = true;
        o.State.Answering = Q("a", "Short one?", 3);
        Frame(o, 11.0);
        CHECK(o.Layout.Banner.W > 0.0f);
        CHECK(o.Layout.BannerText.Lines.size() == 1);
        CHECK(o.Layout.Comments.Y > chat_top);
        CHECK(o.Layout.Comments.Y >= o.Layout.Banner.Bottom());
        o.State.HasAnswering = false;
        Frame(o, 12.0);
        CHECK(o.Layout.Banner.W == 0.0f);
        CHECK(o.Layout.Comments.Y == doctest::Approx(chat_top));
    }

    TEST_CASE("a long press finds the comment under the finger from the drawn backings")
    {
        Overlay o = MakeOverlay(360.0f, 640.0f, 0);
        for (int i = 0; i < 3; ++i)
        {
            CommentEntry e;
            e.Author = "A" + std::to_string(i);
            e.Text = "comment " + std::to_string(i);
            e.Time = 10.0;
            OverlayAddComment(o, e);
        }
        CommentLayoutParams p;
        p.Width = o.Layout.Comments.W;
        p.Height = o.Layout.Comments.H;
        p.Backing = true;
        LayoutComments(
            o.State.Comments, nullptr, 10.0, p, [](std::string_view t) { return 8.0f * static_cast<float>(t.size()); }, o.Comments);
        REQUIRE(o.Comments.Backings.size() == 3);
        const CommentBacking& newest = o.Comments.Backings[0];
        CHECK(newest.Entry == 2);
        CHECK(OverlayCommentAt(o, o.Layout.Comments.X + newest.Rect.X + 2.0f, o.Layout.Comments.Y + newest.Rect.Y + 2.0f) == 2);
        const CommentBacking& oldest = o.Comments.Backings[2];
        CHECK(OverlayCommentAt(o, o.Layout.Comments.X + oldest.Rect.X + 2.0f, o.Layout.Comments.Y + oldest.Rect.Y + 2.0f) == 0);
        CHECK(OverlayCommentAt(o, 1.0f, 1.0f) == -1);
    }
}
