// Unit tests for question_board.h and blocked_words.h: ordering, vote dedupe, answer-now/answered/dismiss, bounds,
// and whole-word, case-insensitive matching.
#include <doctest/doctest.h>

#include <livescope/server/relay/blocked_words.h>
#include <livescope/server/relay/question_board.h>

#include <string>

using namespace livescope;

namespace {
Comment Asked(const std::string& id, int64_t at_ms)
{
    Comment c;
    c.Id = id;
    c.Author = User{"u-" + id, "Asker", "#112233"};
    c.Text = "why " + id + "?";
    c.ServerTime = at_ms;
    c.Question = true;
    return c;
}

std::vector<std::string> OpenIds(const QuestionBoard& b)
{
    std::vector<std::string> ids;
    for (const Question& q : b.Snapshot().Open)
        ids.push_back(q.Id);
    return ids;
}
} // namespace

TEST_SUITE_BEGIN("relay/question_board");

TEST_CASE("open questions are ordered by votes, then older first")
{
    QuestionBoard b;
    CHECK(b.Ask(Asked("q1", 100)));
    CHECK(b.Ask(Asked("q2", 200)));
    CHECK(b.Ask(Asked("q3", 300)));
    CHECK_FALSE(b.Ask(Asked("q1", 400))); // a repeat id
    CHECK(OpenIds(b) == std::vector<std::string>{"q1", "q2", "q3"});
    CHECK(b.Vote("q3", "a", true) == VoteResult::Changed);
    CHECK(b.Vote("q2", "a", true) == VoteResult::Changed);
    CHECK(b.Vote("q3", "b", true) == VoteResult::Changed);
    CHECK(OpenIds(b) == std::vector<std::string>{"q3", "q2", "q1"});
    CHECK(b.Snapshot().Open[0].Votes == 2);
}

TEST_CASE("votes are deduplicated per identity and can be taken back")
{
    QuestionBoard b;
    b.Ask(Asked("q1", 100));
    CHECK(b.Vote("q1", "a", true) == VoteResult::Changed);
    CHECK(b.Vote("q1", "a", true) == VoteResult::Unchanged);
    CHECK(b.Vote("q1", "b", true) == VoteResult::Changed);
    CHECK(b.Snapshot().Open[0].Votes == 2);
    CHECK(b.Vote("q1", "a", false) == VoteResult::Changed);
    CHECK(b.Vote("q1", "a", false) == VoteResult::Unchanged);
    CHECK(b.Snapshot().Open[0].Votes == 1);
    CHECK(b.Vote("nope", "a", true) == VoteResult::NotFound);
    CHECK(b.VotesOf("b") == std::vector<std::string>{"q1"});
    CHECK(b.VotesOf("a").empty());
}

TEST_CASE("answer now keeps one question answering and moves the previous one to answered")
{
    QuestionBoard b;
    b.Ask(Asked("q1", 100));
    b.Ask(Asked("q2", 200));
    CHECK(b.Answer("q1", 1000));
    BoardState s = b.Snapshot();
    REQUIRE(s.Answering.has_value());
    CHECK(s.Answering->Id == "q1");
    CHECK(s.Open.size() == 1);
    CHECK(b.Answer("q2", 2000));
    s = b.Snapshot();
    CHECK(s.Answering->Id == "q2");
    REQUIRE(s.Answered.size() == 1);
    CHECK(s.Answered[0].Id == "q1");
    CHECK(s.Answered[0].AnsweredAt == 2000);
    CHECK(b.MarkAnswered("q2", 3000));
    s = b.Snapshot();
    CHECK_FALSE(s.Answering.has_value());
    REQUIRE(s.Answered.size() == 2);
    CHECK(s.Answered[0].Id == "q2"); // latest first
    CHECK(b.Vote("q2", "a", true) == VoteResult::Unchanged);
}

TEST_CASE("dismiss and delete take a question off the board")
{
    QuestionBoard b;
    b.Ask(Asked("q1", 100));
    b.Ask(Asked("q2", 200));
    b.Answer("q2", 300);
    CHECK(b.Dismiss("q1"));
    CHECK(b.Remove("q2"));
    const BoardState s = b.Snapshot();
    CHECK(s.Open.empty());
    CHECK_FALSE(s.Answering.has_value());
    CHECK_FALSE(b.Dismiss("q1"));
}

TEST_CASE("the snapshot holds at most 50 open and 20 answered, and the board is bounded")
{
    QuestionBoardLimits limits;
    limits.MaxOpen = 60;
    QuestionBoard b(limits);
    for (int i = 0; i < 100; i++)
        b.Ask(Asked("q" + std::to_string(i), i));
    CHECK(b.OpenCount() == 60);
    CHECK(b.Snapshot().Open.size() == MaxBoardOpen);
    for (int i = 0; i < 30; i++)
        b.MarkAnswered("q" + std::to_string(i), 1000 + i);
    const BoardState s = b.Snapshot();
    CHECK(s.Answered.size() == MaxBoardAnswered);
    CHECK(s.Answered[0].Id == "q29");
}

TEST_CASE("the vote store is bounded")
{
    QuestionBoardLimits limits;
    limits.MaxVoteEntries = 3;
    QuestionBoard b(limits);
    b.Ask(Asked("q1", 1));
    for (int i = 0; i < 3; i++)
        CHECK(b.Vote("q1", "v" + std::to_string(i), true) == VoteResult::Changed);
    CHECK(b.Vote("q1", "v9", true) == VoteResult::Full);
    CHECK(b.Vote("q1", "v0", false) == VoteResult::Changed);
    CHECK(b.Vote("q1", "v9", true) == VoteResult::Changed);
}

TEST_CASE("blocked words match whole words, case-insensitively")
{
    BlockedWords w;
    w.Set({"Spam", "Ärger", "bad phrase"});
    CHECK(w.Matches("this is SPAM!"));
    CHECK(w.Matches("spam"));
    CHECK(w.Matches("so much ärger here"));
    CHECK(w.Matches("a BAD PHRASE indeed"));
    CHECK_FALSE(w.Matches("spammer"));
    CHECK_FALSE(w.Matches("antispam"));
    CHECK_FALSE(w.Matches("bad phrases"));
    CHECK_FALSE(w.Matches("fine text"));
    w.Set({});
    CHECK_FALSE(w.Matches("spam"));
}

TEST_SUITE_END();
