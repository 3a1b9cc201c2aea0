// RedisRoomLog: the RoomLog driver that relay nodes share (Redis Streams with persistence on, hiredis synchronous
// with short timeouts), and its pure parts: a record as stream fields and back.
#pragma once
#include <livescope/server/relay/room_log.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace livescope {

//-----------------------------------------------------------------------------
// [SECTION] Pure parts (unit-tested and fuzzed without Redis; room_log_redis_fields.cpp)
//-----------------------------------------------------------------------------

// The fields one record is stored as in its room's stream (XADD field value ...), without "seq" (the append script
// adds it) and without the room (the stream's key names it). Integers in decimal; empty fields left out.
std::vector<std::pair<std::string, std::string>> EncodeLogFields(const LogRecord& record);
// A record of `room` from a stream entry's flat field/value list (with "seq"). Nullopt for anything malformed: a
// missing or non-integer seq/t/at, an unknown or "deleted" type, an odd list, a bad hearts list (never throws).
// Unknown fields are ignored (a newer writer's).
std::optional<LogRecord> DecodeLogFields(std::string_view room, const std::vector<std::string_view>& flat);

//-----------------------------------------------------------------------------
// [SECTION] The driver
//-----------------------------------------------------------------------------

// Keys ("livescope:log:" prefix): room:<room> (the stream, one entry per record), room:<room>:ids (hash: comment id ->
// its entry id, for deletion), room:<room>:deleted (set: deleted comment ids; their records never replay),
// room:<room>:viewers:<second> (the one-writer lease of a second's viewer counts), seq (the Seq counter, shared by
// every node) and runs (comment-number blocks).
//
// Who writes what: each node writes only the records of events its own clients caused (LogRecord::Local); a viewers
// record is written by the first node to take that second's lease (SET NX). One Append is one Lua script (atomic:
// seq, XADD, deletion and tombstones together), so a deletion racing another node's vote still never replays.
//
// Contract (as every RoomLog): every member runs on the relay's io thread and is synchronous, bounded by
// ConnectTimeoutMs / CommandTimeoutMs. While Redis is down, at most one connection attempt is made per RetryEveryMs
// (doubling up to MaxRetryMs after each reply timeout: a hung Redis costs the io thread at most one CommandTimeoutMs
// per MaxRetryMs); every other call fails at once (Failures counts the lost batches, Health says why).
class RedisRoomLog final : public RoomLog
{
public:
    static constexpr int64_t ConnectTimeoutMs = 200;   // ms for a connection attempt
    static constexpr int64_t CommandTimeoutMs = 500;   // ms for one command's reply
    static constexpr int64_t RetryEveryMs = 1000;      // ms between connection attempts while Redis is down
    static constexpr int64_t MaxRetryMs = 8000;        // ms between attempts after repeated reply timeouts
    static constexpr int64_t MaxRecordsPerRoom = 100000; // XADD MAXLEN ~: a room's stream keeps about this many records
    static constexpr int64_t RetentionS = 7 * 24 * 3600; // s a room's keys live after its last record
    static constexpr int64_t MaxCachedRecords = 200000;  // records this node keeps between reads, over all rooms
    static constexpr uint64_t CommentBlock = 1000000000ull; // comment numbers per run (as the SQLite driver)

    // Connects to redis://host:port and reserves this run's block of comment numbers (INCR). Never fails: with Redis
    // down it starts degraded (a random block) and keeps retrying.
    RedisRoomLog(std::string host, int port);
    ~RedisRoomLog() override;
    RedisRoomLog(const RedisRoomLog&) = delete;
    RedisRoomLog& operator=(const RedisRoomLog&) = delete;

    bool Append(std::vector<LogRecord>& records) override;
    std::vector<LogRecord> Events(const LogQuery& query) override;
    std::vector<LogQuestion> Questions(const std::string& room, int64_t from, int64_t to, size_t limit) override;
    RoomRestore Restore(const std::string& room) override;
    uint64_t FirstCommentNumber() override { return FirstComment; }
    int64_t Failures() const override { return FailureCount; }
    std::string Health() const override;

    int64_t Written() const { return WrittenCount; } // records written by this node
    int64_t Skipped() const { return SkippedCount; } // records left to another node (not Local, or a viewers lease held elsewhere)

    struct Conn;

private:
    // Every record of `room` (not deleted), in Seq order; null when Redis could not be read. Reads only the entries
    // added since this node's last read of the room (kept in memory, least recently read rooms evicted). The result
    // stays valid until the next call.
    const std::deque<LogRecord>* ReadRoom(const std::string& room);

    std::unique_ptr<Conn> Link;
    uint64_t FirstComment = 1;
    int64_t FailureCount = 0;
    int64_t WrittenCount = 0;
    int64_t SkippedCount = 0;
};

} // namespace livescope
