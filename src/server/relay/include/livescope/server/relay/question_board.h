// QuestionBoard: one room's questions, votes deduplicated per identity, and answer-now/answered/dismiss (pure, no I/O).
// Every relay node applies the same bus events to its own board, so the boards agree.
#pragma once
#include "livescope/protocol/messages.h"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace livescope {

struct QuestionBoardLimits
{
    size_t MaxOpen = 500;              // open questions kept; beyond it the lowest-ranked one leaves the board
    size_t MaxAnswered = MaxBoardAnswered; // answered questions kept (the latest); older ones are forgotten
    size_t MaxVoteEntries = 500000;    // (question, voter) pairs kept per room; beyond it new votes are refused
};

enum class VoteResult
{
    Changed,   // the count moved
    Unchanged, // a repeat (already voted / not voted), or a vote on an answered question
    NotFound,  // no such open or answering question
    Full,      // the room holds MaxVoteEntries votes
};

class QuestionBoard
{
public:
    explicit QuestionBoard(QuestionBoardLimits limits = {}) : Limits(limits) {}

    // A comment asked as a question goes on the board (its id is the question id). A repeat id is ignored.
    // Returns true when the board changed.
    bool Ask(const Comment& comment);
    // One identity's vote on a question; on:false takes it back. Repeats are no-ops.
    VoteResult Vote(const std::string& question_id, const std::string& voter_id, bool on);
    // Answer now: the question becomes `answering`; a question answering before becomes answered at `now_ms`.
    bool Answer(const std::string& question_id, int64_t now_ms);
    // The question (open or answering) becomes answered at `now_ms`.
    bool MarkAnswered(const std::string& question_id, int64_t now_ms);
    // Hidden from the board (its comment stays). Returns true when it was on the board.
    bool Dismiss(const std::string& question_id);
    // The question's comment was deleted: gone from the board.
    bool Remove(const std::string& question_id) { return Dismiss(question_id); }

    // On the board and still open to votes (open or answering).
    bool IsVotable(const std::string& question_id) const;
    // On the board in any state.
    bool Has(const std::string& question_id) const { return Entries.count(question_id) > 0; }

    // What viewers see: open sorted by votes descending then older first (at most MaxBoardOpen), the answering
    // question, and the latest MaxBoardAnswered answered ones, latest first.
    BoardState Snapshot() const;
    // Ids of the board's questions `voter_id` voted for (at most MaxYourVotes).
    std::vector<std::string> VotesOf(const std::string& voter_id) const;

    // The question's vote count (0 when it is not on the board).
    int64_t VotesFor(const std::string& question_id) const;
    // The question answering now (empty when none).
    const std::string& AnsweringQuestion() const { return AnsweringId; }
    // After a restart (the room log): the count the log last had. The voters are not known, so someone who voted
    // before the restart may vote once more.
    void RestoreVotes(const std::string& question_id, int64_t votes);

    size_t OpenCount() const;
    size_t VoteEntries() const { return Votes; }

private:
    enum class State
    {
        Open,
        Answering,
        Answered,
    };
    struct Entry
    {
        Question Q;
        State S = State::Open;
        std::unordered_set<std::string> Voters;
    };
    static bool Ranks(const Entry& a, const Entry& b); // a before b on the open list
    void SetAnswered(Entry& e, int64_t now_ms);
    void EvictOverflow();

    QuestionBoardLimits Limits;
    std::unordered_map<std::string, Entry> Entries;
    std::deque<std::string> AnsweredOrder; // ids, oldest answered first
    std::string AnsweringId;
    size_t Votes = 0; // (question, voter) pairs held
};

} // namespace livescope
