// QuestionBoard implementation (see question_board.h): a map of entries, sorted only when a snapshot is taken.
#include <livescope/server/relay/question_board.h>

#include <algorithm>

namespace livescope {

bool QuestionBoard::Ranks(const Entry& a, const Entry& b)
{
    if (a.Q.Votes != b.Q.Votes)
        return a.Q.Votes > b.Q.Votes;
    if (a.Q.AskedAt != b.Q.AskedAt)
        return a.Q.AskedAt < b.Q.AskedAt;
    return a.Q.Id < b.Q.Id;
}

bool QuestionBoard::Ask(const Comment& comment)
{
    if (comment.Id.empty() || Entries.count(comment.Id))
        return false;
    Entry e;
    e.Q.Id = comment.Id;
    e.Q.Author = comment.Author;
    e.Q.Text = comment.Text;
    e.Q.AskedAt = comment.ServerTime;
    Entries.emplace(comment.Id, std::move(e));
    EvictOverflow();
    return true;
}

void QuestionBoard::EvictOverflow()
{
    while (OpenCount() > Limits.MaxOpen)
    {
        const Entry* worst = nullptr;
        for (const auto& [id, e] : Entries)
            if (e.S == State::Open && (!worst || Ranks(*worst, e)))
                worst = &e;
        if (!worst)
            return;
        Dismiss(worst->Q.Id);
    }
}

VoteResult QuestionBoard::Vote(const std::string& question_id, const std::string& voter_id, bool on)
{
    const auto it = Entries.find(question_id);
    if (it == Entries.end())
        return VoteResult::NotFound;
    Entry& e = it->second;
    if (e.S == State::Answered)
        return VoteResult::Unchanged;
    if (on)
    {
        if (e.Voters.count(voter_id))
            return VoteResult::Unchanged;
        if (Votes >= Limits.MaxVoteEntries)
            return VoteResult::Full;
        e.Voters.insert(voter_id);
        Votes++;
        e.Q.Votes++;
        return VoteResult::Changed;
    }
    if (e.Voters.erase(voter_id) == 0)
        return VoteResult::Unchanged;
    Votes--;
    e.Q.Votes--;
    return VoteResult::Changed;
}

int64_t QuestionBoard::VotesFor(const std::string& question_id) const
{
    const auto it = Entries.find(question_id);
    return it == Entries.end() ? 0 : it->second.Q.Votes;
}

void QuestionBoard::RestoreVotes(const std::string& question_id, int64_t votes)
{
    const auto it = Entries.find(question_id);
    if (it != Entries.end() && votes >= 0)
        it->second.Q.Votes = std::max<int64_t>(votes, static_cast<int64_t>(it->second.Voters.size()));
}

void QuestionBoard::SetAnswered(Entry& e, int64_t now_ms)
{
    if (e.S == State::Answering)
        AnsweringId.clear();
    e.S = State::Answered;
    e.Q.AnsweredAt = now_ms;
    // Votes on an answered question no longer move anything: free them.
    Votes -= e.Voters.size();
    e.Voters.clear();
    AnsweredOrder.push_back(e.Q.Id);
    while (AnsweredOrder.size() > Limits.MaxAnswered)
    {
        Entries.erase(AnsweredOrder.front());
        AnsweredOrder.pop_front();
    }
}

bool QuestionBoard::Answer(const std::string& question_id, int64_t now_ms)
{
    const auto it = Entries.find(question_id);
    if (it == Entries.end() || it->second.S == State::Answering)
        return false;
    if (it->second.S == State::Answered)
        std::erase(AnsweredOrder, question_id); // answering it again: back on the air
    if (!AnsweringId.empty())
        if (const auto prev = Entries.find(AnsweringId); prev != Entries.end())
            SetAnswered(prev->second, now_ms); // may forget the oldest answered question, never this one
    const auto again = Entries.find(question_id);
    if (again == Entries.end())
        return false;
    again->second.S = State::Answering;
    again->second.Q.AnsweredAt.reset();
    AnsweringId = question_id;
    return true;
}

bool QuestionBoard::MarkAnswered(const std::string& question_id, int64_t now_ms)
{
    const auto it = Entries.find(question_id);
    if (it == Entries.end() || it->second.S == State::Answered)
        return false;
    SetAnswered(it->second, now_ms);
    return true;
}

bool QuestionBoard::Dismiss(const std::string& question_id)
{
    const auto it = Entries.find(question_id);
    if (it == Entries.end())
        return false;
    if (it->second.S == State::Answering)
        AnsweringId.clear();
    if (it->second.S == State::Answered)
        std::erase(AnsweredOrder, question_id);
    Votes -= it->second.Voters.size();
    Entries.erase(it);
    return true;
}

bool QuestionBoard::IsVotable(const std::string& question_id) const
{
    const auto it = Entries.find(question_id);
    return it != Entries.end() && it->second.S != State::Answered;
}

size_t QuestionBoard::OpenCount() const
{
    size_t n = 0;
    for (const auto& [id, e] : Entries)
        n += e.S == State::Open ? 1 : 0;
    return n;
}

BoardState QuestionBoard::Snapshot() const
{
    BoardState out;
    std::vector<const Entry*> open;
    for (const auto& [id, e] : Entries)
        if (e.S == State::Open)
            open.push_back(&e);
    const size_t n = std::min(open.size(), MaxBoardOpen);
    std::partial_sort(open.begin(), open.begin() + static_cast<std::ptrdiff_t>(n), open.end(),
                      [](const Entry* a, const Entry* b) { return Ranks(*a, *b); });
    for (size_t i = 0; i < n; i++)
        out.Open.push_back(open[i]->Q);
    if (!AnsweringId.empty())
        if (const auto it = Entries.find(AnsweringId); it != Entries.end())
            out.Answering = it->second.Q;
    for (auto it = AnsweredOrder.rbegin(); it != AnsweredOrder.rend() && out.Answered.size() < MaxBoardAnswered; ++it)
        if (const auto e = Entries.find(*it); e != Entries.end())
            out.Answered.push_back(e->second.Q);
    return out;
}

std::vector<std::string> QuestionBoard::VotesOf(const std::string& voter_id) const
{
    std::vector<std::string> ids;
    const BoardState shown = Snapshot();
    auto add = [&](const Question& q) {
        const auto it = Entries.find(q.Id);
        if (it != Entries.end() && it->second.Voters.count(voter_id) && ids.size() < MaxYourVotes)
            ids.push_back(q.Id);
    };
    for (const Question& q : shown.Open)
        add(q);
    if (shown.Answering)
        add(*shown.Answering);
    return ids;
}

} // namespace livescope
