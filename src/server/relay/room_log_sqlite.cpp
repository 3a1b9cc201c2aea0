// SqliteRoomLog implementation: schema, WAL, one transaction per Append (a tick), prepared statements, reads.
#include <livescope/server/relay/room_log_sqlite.h>

#include <sqlite3.h>

#include <algorithm>
#include <cstdlib>

namespace livescope {

namespace {
constexpr const char* Schema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS events(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  room TEXT NOT NULL,
  t INTEGER NOT NULL,
  at INTEGER NOT NULL,
  type TEXT NOT NULL,
  ref TEXT NOT NULL DEFAULT '',
  num INTEGER NOT NULL DEFAULT 0,
  num2 INTEGER NOT NULL DEFAULT 0,
  author_id TEXT, author_name TEXT, author_color TEXT,
  body TEXT,
  question INTEGER NOT NULL DEFAULT 0,
  hearts TEXT);
CREATE INDEX IF NOT EXISTS events_room_t ON events(room, t, seq);
CREATE INDEX IF NOT EXISTS events_room_ref ON events(room, ref);
)sql";

constexpr const char* Columns = "seq, room, t, at, type, ref, num, num2, author_id, author_name, author_color, body, question, hearts";

std::string ColumnText(sqlite3_stmt* s, int i)
{
    const unsigned char* text = sqlite3_column_text(s, i);
    return text ? std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(sqlite3_column_bytes(s, i))) : std::string();
}

LogRecord ReadRecord(sqlite3_stmt* s)
{
    LogRecord r;
    r.Seq = sqlite3_column_int64(s, 0);
    r.Room = ColumnText(s, 1);
    r.T = sqlite3_column_int64(s, 2);
    r.At = sqlite3_column_int64(s, 3);
    r.Type = LogTypeFromName(ColumnText(s, 4)).value_or(LogType::Ended);
    r.Ref = ColumnText(s, 5);
    r.Num = sqlite3_column_int64(s, 6);
    r.Num2 = sqlite3_column_int64(s, 7);
    r.Author = User{ColumnText(s, 8), ColumnText(s, 9), ColumnText(s, 10)};
    r.Text = ColumnText(s, 11);
    r.Question = sqlite3_column_int64(s, 12) != 0;
    DecodeHearts(ColumnText(s, 13), r.Hearts); // written by EncodeHearts: never malformed
    return r;
}

// One prepared statement, finalized with its owner.
struct Statement
{
    sqlite3_stmt* S = nullptr;
    Statement() = default;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement() { sqlite3_finalize(S); }
    bool Prepare(sqlite3* db, const std::string& sql) { return sqlite3_prepare_v3(db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &S, nullptr) == SQLITE_OK; }
    void Reset()
    {
        sqlite3_reset(S);
        sqlite3_clear_bindings(S);
    }
    void Bind(int i, int64_t v) { sqlite3_bind_int64(S, i, v); }
    void Bind(int i, const std::string& v) { sqlite3_bind_text(S, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT); }
    // Steps a bound query of log rows to its end, then resets it for the next use.
    std::vector<LogRecord> Records()
    {
        std::vector<LogRecord> out;
        while (sqlite3_step(S) == SQLITE_ROW)
            out.push_back(ReadRecord(S));
        Reset();
        return out;
    }
};
} // namespace

struct SqliteRoomLog::Db
{
    sqlite3* Conn = nullptr;
    Statement Insert, DeleteComment, Page, QuestionRows, RestoreRows, LastAt;
    ~Db() { sqlite3_close_v2(Conn); } // the statements finalize after this; close_v2 waits for them
    bool Exec(const char* sql) { return sqlite3_exec(Conn, sql, nullptr, nullptr, nullptr) == SQLITE_OK; }
    std::string Error() const { return Conn ? sqlite3_errmsg(Conn) : "out of memory"; }
};

std::unique_ptr<SqliteRoomLog> SqliteRoomLog::Open(const std::string& path, std::string& error)
{
    std::unique_ptr<SqliteRoomLog> log(new SqliteRoomLog());
    log->Handle = std::make_unique<Db>();
    Db& db = *log->Handle;
    if (sqlite3_open_v2(path.c_str(), &db.Conn, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK)
    {
        error = "cannot open the room log " + path + ": " + db.Error();
        return nullptr;
    }
    sqlite3_busy_timeout(db.Conn, 1000);
    // WAL: a commit appends to the -wal file (one write, no fsync with synchronous=NORMAL); readers never block the
    // writer. A process killed with SIGKILL keeps every committed transaction (the OS has the pages); a power cut
    // may lose the last commits before a checkpoint (synchronous=NORMAL's trade, docs/relay.md).
    if (!db.Exec("PRAGMA journal_mode=WAL;") || !db.Exec("PRAGMA synchronous=NORMAL;") || !db.Exec(Schema))
    {
        error = "the room log " + path + " cannot be used: " + db.Error();
        return nullptr;
    }
    // Reserve this run's block of comment numbers (committed before any comment is handed out).
    if (!db.Exec("BEGIN IMMEDIATE; INSERT INTO meta(key, value) VALUES('runs', 1) ON CONFLICT(key) DO UPDATE SET value = value + 1; COMMIT;"))
    {
        error = "the room log " + path + " cannot be written: " + db.Error();
        return nullptr;
    }
    {
        Statement runs;
        int64_t run = 1;
        if (runs.Prepare(db.Conn, "SELECT value FROM meta WHERE key = 'runs'") && sqlite3_step(runs.S) == SQLITE_ROW)
            run = sqlite3_column_int64(runs.S, 0);
        Statement max_id;
        int64_t highest = 0;
        if (max_id.Prepare(db.Conn, "SELECT MAX(CAST(substr(ref, 3) AS INTEGER)) FROM events WHERE type = 'comment'") && sqlite3_step(max_id.S) == SQLITE_ROW)
            highest = sqlite3_column_int64(max_id.S, 0);
        log->FirstComment = std::max<uint64_t>(static_cast<uint64_t>(run) * CommentBlock + 1, static_cast<uint64_t>(highest) + 1);
    }
    const std::string cols = Columns;
    const bool ok =
        db.Insert.Prepare(db.Conn, "INSERT INTO events(room, t, at, type, ref, num, num2, author_id, author_name, author_color, body, question, hearts) "
                                   "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)") &&
        db.DeleteComment.Prepare(db.Conn, "DELETE FROM events WHERE room = ?1 AND ref = ?2 AND type IN ('comment','vote','answering','answered','dismissed','pinned')") &&
        db.Page.Prepare(db.Conn, "SELECT " + cols + " FROM events WHERE room = ?1 AND t >= ?2 AND t < ?3 AND (t, seq) > (?4, ?5) ORDER BY t, seq LIMIT ?6") &&
        db.QuestionRows.Prepare(db.Conn, "SELECT " + cols + " FROM events WHERE room = ?1 AND ((type = 'comment' AND question = 1) OR type IN ('answered','dismissed') OR "
                                         "(type = 'vote' AND seq IN (SELECT MAX(seq) FROM events WHERE room = ?1 AND type = 'vote' GROUP BY ref))) ORDER BY seq") &&
        db.LastAt.Prepare(db.Conn, "SELECT MAX(at) FROM events WHERE room = ?1") &&
        // Restore reads what a room starts from, not its whole past: the last HistoryComments comments, the questions,
        // pinned comments, board events, the latest vote of each question, mutes and the end.
        db.RestoreRows.Prepare(db.Conn, "SELECT " + cols + " FROM events WHERE room = ?1 AND ("
                                        "(type = 'comment' AND (question = 1 OR seq >= (SELECT MIN(seq) FROM (SELECT seq FROM events WHERE room = ?1 AND "
                                        "type = 'comment' ORDER BY seq DESC LIMIT " + std::to_string(HistoryComments) + ")) OR "
                                        "ref IN (SELECT ref FROM events WHERE room = ?1 AND type = 'pinned'))) OR "
                                        "type IN ('answering','answered','dismissed','pinned','unpinned','muted','ended') OR "
                                        "(type = 'vote' AND seq IN (SELECT MAX(seq) FROM events WHERE room = ?1 AND type = 'vote' GROUP BY ref))) ORDER BY seq");
    if (!ok)
    {
        error = "the room log " + path + ": " + db.Error();
        return nullptr;
    }
    return log;
}

SqliteRoomLog::~SqliteRoomLog() = default;

bool SqliteRoomLog::Append(std::vector<LogRecord>& records)
{
    if (records.empty())
        return true;
    Db& db = *Handle;
    if (!db.Exec("BEGIN"))
    {
        FailureCount++;
        return false;
    }
    bool ok = true;
    for (LogRecord& r : records)
    {
        Statement& s = r.Type == LogType::Deleted ? db.DeleteComment : db.Insert;
        s.Reset();
        s.Bind(1, r.Room);
        if (r.Type == LogType::Deleted)
            s.Bind(2, r.Ref);
        else
        {
            s.Bind(2, r.T);
            s.Bind(3, r.At);
            s.Bind(4, std::string(LogTypeName(r.Type)));
            s.Bind(5, r.Ref);
            s.Bind(6, r.Num);
            s.Bind(7, r.Num2);
            if (r.Type == LogType::Comment)
            {
                s.Bind(8, r.Author.Id);
                s.Bind(9, r.Author.Name);
                s.Bind(10, r.Author.Color);
                s.Bind(11, r.Text);
                s.Bind(12, r.Question ? 1 : 0);
            }
            else
                s.Bind(12, 0);
            if (!r.Hearts.empty())
                s.Bind(13, EncodeHearts(r.Hearts));
        }
        if (sqlite3_step(s.S) != SQLITE_DONE)
        {
            ok = false;
            break;
        }
        if (r.Type != LogType::Deleted)
            r.Seq = sqlite3_last_insert_rowid(db.Conn);
    }
    if (!ok || !db.Exec("COMMIT"))
    {
        db.Exec("ROLLBACK");
        FailureCount++;
        return false;
    }
    return true;
}

std::vector<LogRecord> SqliteRoomLog::Events(const LogQuery& query)
{
    Statement& s = Handle->Page;
    s.Reset();
    s.Bind(1, query.Room);
    s.Bind(2, query.From);
    s.Bind(3, query.To);
    s.Bind(4, query.AfterT.value_or(INT64_MIN));
    s.Bind(5, query.AfterT ? query.AfterSeq : INT64_MIN);
    s.Bind(6, static_cast<int64_t>(query.Limit));
    return s.Records();
}

std::vector<LogQuestion> SqliteRoomLog::Questions(const std::string& room, int64_t from, int64_t to, size_t limit)
{
    Statement& s = Handle->QuestionRows;
    s.Reset();
    s.Bind(1, room);
    return BuildQuestions(s.Records(), from, to, limit);
}

RoomRestore SqliteRoomLog::Restore(const std::string& room)
{
    Statement& s = Handle->RestoreRows;
    s.Reset();
    s.Bind(1, room);
    RoomRestore out = BuildRestore(s.Records());
    Statement& last = Handle->LastAt; // hearts and viewer counts count as activity too
    last.Reset();
    last.Bind(1, room);
    if (sqlite3_step(last.S) == SQLITE_ROW)
        out.LastAt = std::max<int64_t>(out.LastAt, sqlite3_column_int64(last.S, 0));
    last.Reset();
    return out;
}

} // namespace livescope
