// RoomLog helpers shared by the drivers (type names, restore and transcript from records) and the in-memory twin.
#include <livescope/server/relay/room_log.h>

#include <algorithm>
#include <charconv>
#include <array>
#include <deque>
#include <unordered_map>
#include <unordered_set>

namespace livescope {

namespace {
constexpr std::array<const char*, 12> TypeNames = {"comment", "hearts", "vote", "answering", "answered", "dismissed",
                                                   "viewers", "pinned", "unpinned", "muted", "ended", "deleted"};

bool RecordOfComment(const LogRecord& r, const std::string& comment_id)
{
    switch (r.Type)
    {
    case LogType::Comment:
    case LogType::Vote:
    case LogType::Answering:
    case LogType::Answered:
    case LogType::Dismissed:
    case LogType::Pinned: return r.Ref == comment_id;
    default: return false;
    }
}

bool Before(const LogRecord& a, int64_t t, int64_t seq)
{
    return a.T < t || (a.T == t && a.Seq <= seq);
}
} // namespace

const char* LogTypeName(LogType type)
{
    return TypeNames[static_cast<size_t>(type)];
}

std::optional<LogType> LogTypeFromName(std::string_view name)
{
    for (size_t i = 0; i < TypeNames.size(); i++)
        if (name == TypeNames[i])
            return static_cast<LogType>(i);
    return std::nullopt;
}

Comment CommentOfRecord(const LogRecord& record)
{
    Comment c;
    c.Id = record.Ref;
    c.Author = record.Author;
    c.Text = record.Text;
    c.ServerTime = record.At;
    c.StreamTime = record.T;
    c.Question = record.Question;
    return c;
}

namespace {
bool ParseCount(std::string_view text, int64_t& out)
{
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, out);
    return !text.empty() && ec == std::errc() && ptr == end;
}
} // namespace

// "#rrggbb:N,#rrggbb:N"; a colour never holds ':' or ',' (the protocol accepts "#rrggbb" only).
std::string EncodeHearts(const std::vector<HeartCount>& hearts)
{
    std::string out;
    for (const HeartCount& h : hearts)
    {
        if (!out.empty())
            out += ',';
        out += h.Color + ":" + std::to_string(h.Count);
    }
    return out;
}

bool DecodeHearts(std::string_view text, std::vector<HeartCount>& out)
{
    constexpr size_t max_colors = 256; // more than any window carries (HeartAggregator::MaxColors)
    while (!text.empty())
    {
        const size_t comma = text.find(',');
        const std::string_view item = text.substr(0, comma);
        const size_t colon = item.rfind(':');
        int64_t count = 0;
        if (colon == std::string_view::npos || colon == 0 || !ParseCount(item.substr(colon + 1), count) || out.size() >= max_colors)
            return false;
        out.push_back(HeartCount{std::string(item.substr(0, colon)), count});
        if (comma == std::string_view::npos)
            break;
        text.remove_prefix(comma + 1);
        if (text.empty())
            return false; // a trailing comma
    }
    return true;
}
RoomRestore BuildRestore(const std::vector<LogRecord>& records)
{
    RoomRestore out;
    std::deque<Comment> history;
    for (const LogRecord& r : records)
    {
        out.LastAt = std::max(out.LastAt, r.At);
        switch (r.Type)
        {
        case LogType::Comment:
            history.push_back(CommentOfRecord(r));
            while (history.size() > HistoryComments)
                history.pop_front();
            if (r.Question)
                out.Board.push_back(r);
            break;
        case LogType::Vote:
        case LogType::Answering:
        case LogType::Answered:
        case LogType::Dismissed: out.Board.push_back(r); break;
        case LogType::Pinned:
        {
            // The pinned comment is one of the room's comments (maybe older than the history).
            out.Pinned.reset();
            for (auto it = records.rbegin(); it != records.rend(); ++it)
                if (it->Type == LogType::Comment && it->Ref == r.Ref)
                {
                    out.Pinned = CommentOfRecord(*it);
                    break;
                }
            break;
        }
        case LogType::Unpinned: out.Pinned.reset(); break;
        case LogType::Muted: out.Mutes.push_back(r); break;
        case LogType::Ended: out.Ended = true; break;
        default: break;
        }
    }
    out.History.assign(history.begin(), history.end());
    // The questions before the votes and answers that name them (a shared log may hold a vote before its question).
    std::stable_partition(out.Board.begin(), out.Board.end(), [](const LogRecord& r) { return r.Type == LogType::Comment; });
    return out;
}

std::vector<LogQuestion> BuildQuestions(const std::vector<LogRecord>& records, int64_t from, int64_t to, size_t limit)
{
    std::vector<LogQuestion> asked;
    std::unordered_map<std::string, size_t> index;
    std::unordered_set<std::string> dismissed;
    // The questions first: with nodes sharing one log, a vote written by one node may come before the question its
    // asker's node wrote (each node commits its own batches).
    for (const LogRecord& r : records)
        if (r.Type == LogType::Comment && r.Question && r.T >= from && r.T < to && !index.count(r.Ref))
        {
            index.emplace(r.Ref, asked.size());
            asked.push_back(LogQuestion{r.Ref, r.Author, r.Text, 0, r.T, std::nullopt});
        }
    for (const LogRecord& r : records)
    {
        if (r.Type == LogType::Comment)
            continue;
        const auto it = index.find(r.Ref);
        if (it == index.end())
            continue;
        LogQuestion& q = asked[it->second];
        if (r.Type == LogType::Vote)
            q.Votes = r.Num;
        else if (r.Type == LogType::Answered && !q.AnsweredT)
            q.AnsweredT = r.T;
        else if (r.Type == LogType::Dismissed)
            dismissed.insert(r.Ref);
    }
    std::erase_if(asked, [&](const LogQuestion& q) { return dismissed.count(q.Id) > 0; });
    // Asked order: stream time, then the log's order (stable sort keeps Seq order for equal times).
    std::stable_sort(asked.begin(), asked.end(), [](const LogQuestion& a, const LogQuestion& b) { return a.AskedT < b.AskedT; });
    if (asked.size() > limit)
        asked.resize(limit);
    return asked;
}

//-----------------------------------------------------------------------------
// MemoryRoomLog
//-----------------------------------------------------------------------------

bool MemoryRoomLog::Append(std::vector<LogRecord>& records)
{
    if (Held + records.size() > MaxRecords)
    {
        FailureCount++;
        return false;
    }
    for (LogRecord& r : records)
    {
        auto& room = Rooms[r.Room];
        if (r.Type == LogType::Deleted)
        {
            Held -= std::erase_if(room, [&](const LogRecord& kept) { return RecordOfComment(kept, r.Ref); });
            continue;
        }
        r.Seq = NextSeq++;
        room.push_back(r);
        Held++;
    }
    return true;
}

std::vector<LogRecord> MemoryRoomLog::Events(const LogQuery& query)
{
    std::vector<LogRecord> out;
    const auto it = Rooms.find(query.Room);
    if (it == Rooms.end())
        return out;
    for (const LogRecord& r : it->second)
        if (r.T >= query.From && r.T < query.To && (!query.AfterT || !Before(r, *query.AfterT, query.AfterSeq)))
            out.push_back(r);
    std::sort(out.begin(), out.end(), [](const LogRecord& a, const LogRecord& b) { return a.T != b.T ? a.T < b.T : a.Seq < b.Seq; });
    if (out.size() > query.Limit)
        out.resize(query.Limit);
    return out;
}

std::vector<LogQuestion> MemoryRoomLog::Questions(const std::string& room, int64_t from, int64_t to, size_t limit)
{
    const auto it = Rooms.find(room);
    if (it == Rooms.end())
        return {};
    return BuildQuestions(it->second, from, to, limit);
}

RoomRestore MemoryRoomLog::Restore(const std::string& room)
{
    const auto it = Rooms.find(room);
    if (it == Rooms.end())
        return {};
    return BuildRestore(it->second);
}

} // namespace livescope
