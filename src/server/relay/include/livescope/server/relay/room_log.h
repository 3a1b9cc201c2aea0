// RoomLog: the driver that keeps every room event on disk (the log is the truth for late joiners and replays),
// its record values, and the in-memory twin. The SQLite driver is room_log_sqlite.h.
#pragma once
#include "livescope/protocol/messages.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace livescope {

enum class LogType
{
    Comment,   // "comment": Ref = comment id, Author, Text, Question
    Hearts,    // "hearts": Hearts (one record per relay tick that had taps)
    Vote,      // "vote": Ref = question id, Num = the total after it
    Answering, // "answering": Ref = question id (answer now)
    Answered,  // "answered": Ref = question id
    Dismissed, // "dismissed": Ref = question id
    Viewers,   // "viewers": Num = live, Num2 = total
    Pinned,    // "pinned": Ref = comment id
    Unpinned,  // "unpinned"
    Muted,     // "muted": Ref = user id, Num = muted until (ms since the epoch; 0: the rest of the broadcast)
    Ended,     // "ended"
    Deleted,   // never stored: Append removes every record of comment Ref (the comment, its question, votes, answer
               // events, pin) instead; a deleted comment never replays
};
const char* LogTypeName(LogType type);
std::optional<LogType> LogTypeFromName(std::string_view name);

// One room event as the log keeps it. Values only; RelayCore makes them, the edge hands them to the driver.
struct LogRecord
{
    std::string Room;
    int64_t Seq = 0; // assigned by the driver on Append (increasing over the whole log); 0 before
    int64_t T = 0;   // ms since the Unix epoch: stream time (PROGRAM-DATE-TIME the viewer watched, or the relay's estimate)
    int64_t At = 0;  // ms since the Unix epoch: server time
    LogType Type = LogType::Comment;
    std::string Ref; // comment / question / user id (see LogType)
    int64_t Num = 0;
    int64_t Num2 = 0;
    User Author{};                  // comment
    std::string Text{};             // comment
    bool Question = false;          // comment
    std::vector<HeartCount> Hearts{}; // hearts
    // Scale-out: the event came from this node's own client (or is this node's own record, as viewer counts). A
    // shared log (RedisRoomLog) writes only these, so each event is written once; a per-node log writes all.
    bool Local = true;
    bool operator==(const LogRecord&) const = default;
};

// A read of one room's events: stream times in [From, To), after cursor After (a seq), at most Limit, sorted by
// (T, Seq). Cursor: the answer's Next is the (T, Seq) of its last record encoded as one string by the caller.
struct LogQuery
{
    std::string Room;
    int64_t From = 0;                   // ms, inclusive
    int64_t To = INT64_MAX;             // ms, exclusive
    std::optional<int64_t> AfterT{};    // resume after (AfterT, AfterSeq) in (T, Seq) order
    int64_t AfterSeq = 0;
    size_t Limit = 500;
};

// A question as the transcript shows it.
struct LogQuestion
{
    std::string Id;
    User Author;
    std::string Text;
    int64_t Votes = 0;
    int64_t AskedT = 0;                    // ms, stream time
    std::optional<int64_t> AnsweredT{};    // ms, stream time of its first `answered`
    bool operator==(const LogQuestion&) const = default;
};

// What a room held when the relay last saw it: restored into a room the relay creates (after a restart, or after
// an empty room was dropped).
struct RoomRestore
{
    std::vector<Comment> History;   // the last HistoryComments comments (not deleted), oldest first
    std::optional<Comment> Pinned;
    std::vector<LogRecord> Board;   // questions' comments, votes, answering/answered/dismissed, in log order
    std::vector<LogRecord> Mutes;   // muted records in log order
    bool Ended = false;
    int64_t LastAt = 0;             // ms since the epoch: server time of the room's last record (0: none)
};

// The log driver. Every member is called on the relay's io thread (the SQLite driver is synchronous; it batches:
// the edge calls Append once per tick with that tick's records, one transaction). Errors are values: a driver that
// cannot write counts the failure (Failures) and drops the batch rather than stalling the relay.
class RoomLog
{
public:
    virtual ~RoomLog() = default;
    // Writes `records` in order (a `Deleted` record removes the comment's records). Assigns Seq to the records
    // it keeps. Returns false when the batch could not be written (it is lost; counted in Failures()).
    virtual bool Append(std::vector<LogRecord>& records) = 0;
    // One page of a room's events (never the deleted ones). The caller owns the result.
    virtual std::vector<LogRecord> Events(const LogQuery& query) = 0;
    // Questions (comments asked as questions, not deleted or dismissed) asked in [from, to), in asked order
    // (T, Seq), at most `limit`, with their latest vote total and first answered time.
    virtual std::vector<LogQuestion> Questions(const std::string& room, int64_t from, int64_t to, size_t limit) = 0;
    // What a room the relay creates now starts from.
    virtual RoomRestore Restore(const std::string& room) = 0;
    // The comment number (the N of "c-N") to start from, so ids never repeat after a restart, even one whose last
    // records were not committed: each open reserves a fresh block (see docs/relay.md).
    virtual uint64_t FirstCommentNumber() = 0;
    virtual int64_t Failures() const = 0;
    // Empty when healthy, else why records are not being written now (/healthz says "degraded: <reason>").
    virtual std::string Health() const { return std::string(); }
};

// The null/in-memory twin (`--no-log`, `--log-db :memory:`, tests): the same answers, nothing on disk.
class MemoryRoomLog final : public RoomLog
{
public:
    bool Append(std::vector<LogRecord>& records) override;
    std::vector<LogRecord> Events(const LogQuery& query) override;
    std::vector<LogQuestion> Questions(const std::string& room, int64_t from, int64_t to, size_t limit) override;
    RoomRestore Restore(const std::string& room) override;
    uint64_t FirstCommentNumber() override { return 1; }
    int64_t Failures() const override { return FailureCount; }

    static constexpr size_t MaxRecords = 1000000; // records held over all rooms; beyond it batches are refused (counted)

private:
    std::map<std::string, std::vector<LogRecord>> Rooms; // by room, in Seq order
    int64_t NextSeq = 1;
    size_t Held = 0;
    int64_t FailureCount = 0;
};

// Shared by the drivers: the restore state from one room's records in Seq order.
RoomRestore BuildRestore(const std::vector<LogRecord>& records);
// Shared by the drivers: the transcript questions from one room's records in Seq order.
std::vector<LogQuestion> BuildQuestions(const std::vector<LogRecord>& records, int64_t from, int64_t to, size_t limit);
// Shared by the drivers: a hearts record's counts as text, "#rrggbb:N,#rrggbb:N", and back. Decode is false (with
// what it read before) on malformed text or more than 256 colours.
std::string EncodeHearts(const std::vector<HeartCount>& hearts);
bool DecodeHearts(std::string_view text, std::vector<HeartCount>& out);
// The comment a comment record stands for.
Comment CommentOfRecord(const LogRecord& record);

} // namespace livescope
