// Tests for src/overlay/comments.h: wrapping and the comment stream layout, with a fixed-width measure.
#include <doctest/doctest.h>

#include <livescope/overlay/comments.h>
#include <livescope/overlay/fit.h>
#include <livescope/base/utf8.h>

#include <algorithm>
#include <string>
#include <vector>

using namespace livescope;

namespace {
// 10 pixels per code point, so multi-byte characters are as wide as ASCII ones.
const TextMeasureFn kMeasure = [](std::string_view s) { return 10.0f * static_cast<float>(Utf8CountCodePoints(s)); };

std::vector<std::string> Wrap(std::string_view text, float first, float width)
{
    std::vector<WrappedLine> lines;
    WrapText(text, first, width, kMeasure, lines);
    std::vector<std::string> out;
    for (const WrappedLine& l : lines)
        out.emplace_back(text.substr(l.Begin, l.End - l.Begin));
    return out;
}

CommentEntry Message(std::string author, std::string text, double time)
{
    CommentEntry e;
    e.Author = std::move(author);
    e.AuthorRgb = 0x00FF00;
    e.Text = std::move(text);
    e.Time = time;
    return e;
}

std::vector<const TextRun*> RunsWithRole(const CommentLayout& l, TextRunRole role)
{
    std::vector<const TextRun*> out;
    for (const TextRun& r : l.Runs)
        if (r.Role == role)
            out.push_back(&r);
    return out;
}
} // namespace

TEST_SUITE("overlay/comments")
{
    TEST_CASE("text wraps at spaces to the width")
    {
        CHECK(Wrap("hello world foo", 120, 120) == std::vector<std::string>{"hello world", "foo"});
        CHECK(Wrap("hello world foo", 60, 60) == std::vector<std::string>{"hello", "world", "foo"});
        CHECK(Wrap("  spaced   out  ", 200, 200) == std::vector<std::string>{"spaced   out"});
        CHECK(Wrap("", 100, 100).empty());
    }

    TEST_CASE("the first line can be shorter than the others")
    {
        CHECK(Wrap("aa bb cc dd", 50, 80) == std::vector<std::string>{"aa bb", "cc dd"});
        CHECK(Wrap("aaaa bb", 30, 80) == std::vector<std::string>{"", "aaaa bb"});
    }

    TEST_CASE("a long word is hard-broken between code points, never inside one")
    {
        const std::string word = "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"; // 9 x é
        const auto lines = Wrap(word, 40, 40);
        REQUIRE(lines.size() == 3);
        CHECK(lines[0].size() == 8);
        CHECK(lines[1].size() == 8);
        CHECK(lines[2].size() == 2);
        for (const std::string& l : lines)
            CHECK(Utf8Sanitize(l) == l); // still valid UTF-8
    }

    TEST_CASE("multi-byte text is measured in code points, not bytes")
    {
        // 17 code points but 24 bytes: a byte-based wrap would break it.
        const std::string polish = "Za\xC5\xBC\xC3\xB3\xC5\x82\xC4\x87 g\xC4\x99\xC5\x9Bl\xC4\x85 ja\xC5\xBA\xC5\x84";
        CHECK(Wrap(polish, 170, 170).size() == 1);
        CHECK(Wrap(polish, 110, 110).size() == 2);
    }

    TEST_CASE("the wrap always ends, even narrower than one character")
    {
        CHECK(Wrap("abc", 1, 1) == std::vector<std::string>{"a", "b", "c"});
    }

    TEST_CASE("the newest comment is at the bottom, the author first in their colour")
    {
        const std::vector<CommentEntry> entries = {Message("ann", "first", 0.0), Message("bob", "second", 1.0)};
        CommentLayoutParams p;
        p.Width = 200;
        p.Height = 200;
        p.LineHeight = 20;
        p.EntryGap = 0;
        CommentLayout l;
        LayoutComments(entries, nullptr, 2.0, p, kMeasure, l);
        const auto authors = RunsWithRole(l, TextRunRole::Author);
        const auto bodies = RunsWithRole(l, TextRunRole::Body);
        REQUIRE(authors.size() == 2);
        REQUIRE(bodies.size() == 2);
        CHECK(authors[0]->Text == "bob");
        CHECK(authors[0]->Y == doctest::Approx(180.0f));
        CHECK(authors[0]->Rgb == 0x00FF00u);
        CHECK(authors[1]->Text == "ann");
        CHECK(authors[1]->Y == doctest::Approx(160.0f));
        CHECK(bodies[0]->Text == "second");
        CHECK(bodies[0]->X == doctest::Approx(40.0f)); // "bob" + space
        CHECK(l.VisibleEntries == 2);
    }

    TEST_CASE("wrapped comments stack their lines upwards")
    {
        const std::vector<CommentEntry> entries = {Message("al", "one two three four", 0.0)};
        CommentLayoutParams p;
        p.Width = 100;
        p.Height = 100;
        p.LineHeight = 10;
        CommentLayout l;
        LayoutComments(entries, nullptr, 0.0, p, kMeasure, l);
        const auto bodies = RunsWithRole(l, TextRunRole::Body);
        REQUIRE(bodies.size() == 2); // the first line has 70 px beside "al ", the second the full 100
        CHECK(bodies[0]->Text == "one two");
        CHECK(bodies[0]->Y == doctest::Approx(80.0f));
        CHECK(bodies[1]->Text == "three four");
        CHECK(bodies[1]->X == 0.0f);
        CHECK(bodies[1]->Y == doctest::Approx(90.0f));
        CHECK(l.VisibleLines == 2);
    }

    TEST_CASE("comments fade after eight seconds and then disappear")
    {
        CommentLayoutParams p;
        CHECK(CommentAlpha(7.9, p) == 1.0f);
        CHECK(CommentAlpha(8.5, p) == doctest::Approx(0.5f));
        CHECK(CommentAlpha(9.0, p) == 0.0f);
        const std::vector<CommentEntry> entries = {Message("old", "gone", 0.0), Message("mid", "fading", 1.5), Message("new", "here", 9.0)};
        CommentLayout l;
        LayoutComments(entries, nullptr, 10.0, p, kMeasure, l);
        const auto authors = RunsWithRole(l, TextRunRole::Author);
        REQUIRE(authors.size() == 2);
        CHECK(authors[0]->Text == "new");
        CHECK(authors[0]->Alpha == 1.0f);
        CHECK(authors[1]->Text == "mid");
        CHECK(authors[1]->Alpha == doctest::Approx(0.5f));
    }

    TEST_CASE("the visible line cap keeps only the newest whole entries")
    {
        std::vector<CommentEntry> entries;
        for (int i = 0; i < 20; ++i)
            entries.push_back(Message("u" + std::to_string(i), "hi", 0.0));
        CommentLayoutParams p;
        p.Height = 1000;
        p.MaxVisibleLines = 5;
        CommentLayout l;
        LayoutComments(entries, nullptr, 0.0, p, kMeasure, l);
        CHECK(l.VisibleEntries == 5);
        CHECK(l.VisibleLines == 5);
        const auto authors = RunsWithRole(l, TextRunRole::Author);
        REQUIRE(authors.size() == 5);
        CHECK(authors[0]->Text == "u19");
        CHECK(authors[4]->Text == "u15");
    }

    TEST_CASE("the box height also caps the stream")
    {
        std::vector<CommentEntry> entries;
        for (int i = 0; i < 20; ++i)
            entries.push_back(Message("u", "hi", 0.0));
        CommentLayoutParams p;
        p.Height = 65;
        p.LineHeight = 20;
        p.EntryGap = 0;
        CommentLayout l;
        LayoutComments(entries, nullptr, 0.0, p, kMeasure, l);
        CHECK(l.VisibleEntries == 3);
        for (const TextRun& r : l.Runs)
            CHECK(r.Y >= 0.0f);
    }

    TEST_CASE("join lines are faint and read name joined")
    {
        CommentEntry join;
        join.Kind = CommentKind::Join;
        join.Author = "Zo\xC3\xAB";
        const std::vector<CommentEntry> entries = {join};
        CommentLayoutParams p;
        p.JoinedText = "a rejoint";
        CommentLayout l;
        LayoutComments(entries, nullptr, 0.0, p, kMeasure, l);
        const auto names = RunsWithRole(l, TextRunRole::JoinName);
        const auto texts = RunsWithRole(l, TextRunRole::JoinText);
        REQUIRE(names.size() == 1);
        REQUIRE(texts.size() == 1);
        CHECK(names[0]->Text == "Zo\xC3\xAB");
        CHECK(texts[0]->Text == "a rejoint");
        CHECK(texts[0]->X == doctest::Approx(40.0f));
        CHECK(names[0]->Alpha == doctest::Approx(p.JoinAlpha));
        CHECK(texts[0]->Alpha < 1.0f);
        CHECK(RunsWithRole(l, TextRunRole::Author).empty());
    }

    TEST_CASE("the pinned question sits on top and the stream stays below it")
    {
        std::vector<CommentEntry> entries;
        for (int i = 0; i < 30; ++i)
            entries.push_back(Message("u", "hello there", 0.0));
        PinnedQuestion pin;
        pin.Author = "host";
        pin.Text = "What should we cook next week?";
        CommentLayoutParams p;
        p.Width = 200;
        p.Height = 200;
        p.LineHeight = 20;
        p.MaxVisibleLines = 100;
        CommentLayout l;
        LayoutComments(entries, &pin, 0.0, p, kMeasure, l);
        CHECK(l.PinnedRect.Y == 0.0f);
        CHECK(l.PinnedRect.H > 0.0f);
        const auto label = RunsWithRole(l, TextRunRole::PinnedLabel);
        const auto body = RunsWithRole(l, TextRunRole::PinnedBody);
        REQUIRE(label.size() == 1);
        REQUIRE(body.size() == 2); // 30 code points in 188 px of text width
        CHECK(label[0]->Y < body[0]->Y);
        CHECK(l.StreamTop >= l.PinnedRect.Bottom() + p.PinnedGap);
        for (const TextRun& r : l.Runs)
        {
            const bool pinned = r.Role == TextRunRole::PinnedLabel || r.Role == TextRunRole::PinnedAuthor || r.Role == TextRunRole::PinnedBody;
            if (pinned)
                CHECK(r.Y < l.PinnedRect.Bottom());
            else
                CHECK(r.Y >= l.PinnedRect.Bottom());
        }
    }
}

TEST_SUITE("overlay/comments")
{
    TEST_CASE("with backings on, each entry gets its own backing holding all of its runs")
    {
        std::vector<CommentEntry> entries;
        entries.push_back(Message("ann", "hello there everyone", 9.0));
        entries.push_back(Message("bob", "hi", 9.5));
        CommentLayoutParams p;
        p.Width = 150.0f;
        p.Height = 200.0f;
        p.LineHeight = 20.0f;
        p.EntryGap = 4.0f;
        p.Backing = true;
        p.BackingPadX = 6.0f;
        p.BackingPadY = 3.0f;
        CommentLayout out;
        LayoutComments(entries, nullptr, 10.0, p, kMeasure, out);
        REQUIRE(out.Backings.size() == 2);
        for (const CommentBacking& b : out.Backings)
        {
            CHECK(b.Rect.X == 0.0f);
            CHECK(b.Rect.Right() <= p.Width);
            CHECK(b.Rect.Bottom() <= p.Height);
            REQUIRE(b.RunCount > 0);
            for (std::size_t k = b.FirstRun; k < b.FirstRun + b.RunCount; ++k)
            {
                const TextRun& r = out.Runs[k];
                CHECK(r.X >= b.Rect.X + p.BackingPadX);
                CHECK(r.X + kMeasure(r.Text) <= b.Rect.Right() - p.BackingPadX + 0.01f);
                CHECK(r.Y >= b.Rect.Y + p.BackingPadY);
                CHECK(r.Y + p.LineHeight <= b.Rect.Bottom() - p.BackingPadY + 0.01f);
            }
        }
        // Newest first, at the bottom; backings do not overlap each other.
        CHECK(out.Backings[0].Rect.Bottom() == doctest::Approx(p.Height));
        CHECK(out.Backings[1].Rect.Bottom() <= out.Backings[0].Rect.Y - p.EntryGap + 0.01f);
        // A short comment gets a short backing: "bob hi" is 6 code points.
        CHECK(out.Backings[0].Rect.W == doctest::Approx(60.0f + 2.0f * p.BackingPadX));
    }

    TEST_CASE("with backings on, author colours are lifted to read on them; without, they are kept")
    {
        std::vector<CommentEntry> entries{Message("ann", "hi", 9.0)};
        entries[0].AuthorRgb = 0x7B1FA2; // deep purple
        CommentLayoutParams p;
        CommentLayout out;
        LayoutComments(entries, nullptr, 10.0, p, kMeasure, out);
        REQUIRE(!RunsWithRole(out, TextRunRole::Author).empty());
        CHECK(RunsWithRole(out, TextRunRole::Author)[0]->Rgb == 0x7B1FA2u);
        CHECK(out.Backings.empty());
        p.Backing = true;
        LayoutComments(entries, nullptr, 10.0, p, kMeasure, out);
        const OverlayRgb drawn = RunsWithRole(out, TextRunRole::Author)[0]->Rgb;
        CHECK(drawn != 0x7B1FA2u);
        CHECK(OverlayContrast(drawn, OverlayWorstBacking()) >= kOverlayMinContrast);
    }
}
