// SqliteRoomLog: the default RoomLog driver, one SQLite file (Debian's libsqlite3) in WAL mode, one transaction per tick.
#pragma once
#include <livescope/server/relay/room_log.h>

#include <memory>
#include <string>

namespace livescope {

class SqliteRoomLog final : public RoomLog
{
public:
    // Opens (or creates) the database at `path` and reserves this run's block of comment numbers. Returns null with
    // `error` set when the file cannot be opened or is not a room log. The caller owns the result.
    static std::unique_ptr<SqliteRoomLog> Open(const std::string& path, std::string& error);
    ~SqliteRoomLog() override;
    SqliteRoomLog(const SqliteRoomLog&) = delete;
    SqliteRoomLog& operator=(const SqliteRoomLog&) = delete;

    bool Append(std::vector<LogRecord>& records) override;
    std::vector<LogRecord> Events(const LogQuery& query) override;
    std::vector<LogQuestion> Questions(const std::string& room, int64_t from, int64_t to, size_t limit) override;
    RoomRestore Restore(const std::string& room) override;
    uint64_t FirstCommentNumber() override { return FirstComment; }
    int64_t Failures() const override { return FailureCount; }

    // Comment numbers reserved per run: a run that hands out more keeps counting past the block; the next run
    // still starts past every number committed to the log.
    static constexpr uint64_t CommentBlock = 1000000000ull;

    struct Db;

private:
    SqliteRoomLog() = default;
    std::unique_ptr<Db> Handle;
    uint64_t FirstComment = 1;
    int64_t FailureCount = 0;
};

} // namespace livescope
