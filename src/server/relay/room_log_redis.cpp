// RedisRoomLog: the shared room log on Redis Streams (hiredis synchronous, short timeouts, one Lua script per Append).
// [SECTION] The append script
// [SECTION] Connection
// [SECTION] The driver
#include <livescope/server/relay/room_log_redis.h>

#include <hiredis/hiredis.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <map>
#include <random>
#include <unordered_set>

namespace livescope {

namespace {
//-----------------------------------------------------------------------------
// [SECTION] The append script
//-----------------------------------------------------------------------------

// KEYS: the room's stream, its ids hash (comment id -> its entry id), its deleted set, the seq counter.
// A deletion removes the comment's own entry (its text is gone) and adds a tombstone: its other records (votes,
// answers, pin) stay in the stream but every read drops them, and later records of it are not written.
// ARGV: maxlen, retention (s), record count, then per record: type, ref, lease second ('' for none), field count, fields.
// Returns each record's seq (0: not written: a deletion, a record of a deleted comment, a viewers lease held by another
// node, or a comment already written, as after a retried batch).
constexpr const char* AppendScript = R"lua(
local stream, ids, deleted, seqkey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local maxlen, ttl, n = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local of_comment = {comment = true, vote = true, answering = true, answered = true, dismissed = true, pinned = true}
local out = {}
local i = 4
for r = 1, n do
  local kind, ref, lease, nf = ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3])
  local fields = {}
  for f = 1, nf do fields[f] = ARGV[i + 3 + f] end
  i = i + 4 + nf
  local seq = 0
  local tied = of_comment[kind] and ref ~= ''
  if kind == 'deleted' then
    redis.call('SADD', deleted, ref)
    local id = redis.call('HGET', ids, ref)
    if id then
      redis.call('XDEL', stream, id)
    end
  elseif tied and redis.call('SISMEMBER', deleted, ref) == 1 then
    seq = 0
  elseif kind == 'comment' and redis.call('HEXISTS', ids, ref) == 1 then
    seq = 0
  elseif lease ~= '' and not redis.call('SET', stream .. ':viewers:' .. lease, '1', 'NX', 'EX', 10) then
    seq = 0
  else
    seq = redis.call('INCR', seqkey)
    local id = redis.call('XADD', stream, 'MAXLEN', '~', maxlen, '*', 'seq', seq, unpack(fields))
    if kind == 'comment' then redis.call('HSET', ids, ref, id) end
  end
  out[r] = seq
end
redis.call('EXPIRE', stream, ttl)
redis.call('EXPIRE', ids, ttl)
redis.call('EXPIRE', deleted, ttl)
return out
)lua";

std::string RoomKey(const std::string& room) { return "livescope:log:room:" + room; }

int64_t SteadyMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct ReplyDeleter
{
    void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;
} // namespace

//-----------------------------------------------------------------------------
// [SECTION] Connection
//-----------------------------------------------------------------------------

// One synchronous hiredis context, reconnected lazily (at most one attempt per RetryEveryMs).
struct RedisRoomLog::Conn
{
    std::string Host;
    int Port = 0;
    redisContext* Ctx = nullptr;
    int64_t LastAttemptMs = INT64_MIN / 2; // ms, steady
    std::string LastError = "connecting";
    int64_t LastOkMs = INT64_MIN / 2; // ms, steady: the last reply
    int64_t RetryMs = RedisRoomLog::RetryEveryMs; // ms before the next connection attempt (doubles after a timeout)

    // What this node has read of a room's stream: a read fetches only the entries after LastId (entry ids only grow:
    // the append script is atomic), so a room's stream is scanned once, not per page.
    struct RoomCache
    {
        std::string LastId;                // the last entry read ("": none)
        std::deque<LogRecord> Records;     // in stream (= seq) order, at most MaxRecordsPerRoom
        uint64_t UsedAt = 0;               // read number, for evicting the least recently read room
    };
    std::map<std::string, RoomCache> Rooms;
    uint64_t Reads = 0;

    ~Conn() { Drop(); }

    void Drop()
    {
        if (Ctx)
            redisFree(Ctx);
        Ctx = nullptr;
    }

    // False (with LastError) while Redis cannot be reached; never waits longer than ConnectTimeoutMs.
    bool Ensure()
    {
        if (Ctx)
            return true;
        const int64_t now = SteadyMs();
        if (now - LastAttemptMs < RetryMs)
            return false;
        LastAttemptMs = now;
        const timeval connect_timeout{0, static_cast<suseconds_t>(RedisRoomLog::ConnectTimeoutMs * 1000)};
        Ctx = redisConnectWithTimeout(Host.c_str(), Port, connect_timeout);
        if (!Ctx || Ctx->err)
        {
            LastError = Ctx ? Ctx->errstr : "out of memory";
            Drop();
            return false;
        }
        const timeval command_timeout{0, static_cast<suseconds_t>(RedisRoomLog::CommandTimeoutMs * 1000)};
        redisSetTimeout(Ctx, command_timeout);
        return true;
    }

    // One command; null (with LastError) when Redis could not be reached or answered an error. `sent` tells whether
    // the command may have run (a reply was lost) or surely did not (no connection).
    Reply Command(const std::vector<std::string>& args, bool* sent = nullptr)
    {
        if (sent)
            *sent = false;
        if (!Ensure())
            return nullptr;
        if (sent)
            *sent = true;
        std::vector<const char*> argv;
        std::vector<size_t> lens;
        argv.reserve(args.size());
        lens.reserve(args.size());
        for (const std::string& a : args)
        {
            argv.push_back(a.data());
            lens.push_back(a.size());
        }
        Reply reply(static_cast<redisReply*>(redisCommandArgv(Ctx, static_cast<int>(args.size()), argv.data(), lens.data())));
        if (!reply)
        {
            // hiredis 0.14 reports a reply timeout as an I/O error with EAGAIN's text.
            const bool timed_out = Ctx->err == REDIS_ERR_IO && std::string_view(Ctx->errstr) == std::strerror(EAGAIN);
            LastError = timed_out ? "no reply within " + std::to_string(RedisRoomLog::CommandTimeoutMs) + " ms" : Ctx->errstr[0] ? Ctx->errstr : "no reply";
            Drop(); // the context is unusable after an I/O error or a timeout
            // A Redis that accepts connections but does not answer (stopped, overloaded) costs a reply timeout per
            // attempt: wait longer and longer between attempts (up to MaxRetryMs), so the io thread rarely waits.
            LastAttemptMs = SteadyMs();
            RetryMs = std::min(RetryMs * 2, RedisRoomLog::MaxRetryMs);
            return nullptr;
        }
        if (reply->type == REDIS_REPLY_ERROR)
        {
            LastError = std::string(reply->str, reply->len);
            return nullptr;
        }
        LastError.clear();
        LastOkMs = SteadyMs();
        RetryMs = RedisRoomLog::RetryEveryMs;
        return reply;
    }
};

//-----------------------------------------------------------------------------
// [SECTION] The driver
//-----------------------------------------------------------------------------

RedisRoomLog::RedisRoomLog(std::string host, int port) : Link(std::make_unique<Conn>())
{
    Link->Host = std::move(host);
    Link->Port = port;
    // This run's block of comment numbers: the shared counter never repeats a block across nodes or restarts.
    if (Reply run = Link->Command({"INCR", "livescope:log:runs"}); run && run->type == REDIS_REPLY_INTEGER)
        FirstComment = static_cast<uint64_t>(run->integer) * CommentBlock + 1;
    else
    {
        // Redis down at start: a random block (the bus's per-node base keeps nodes apart; docs/scale-out.md).
        std::random_device seed;
        FirstComment = (1000 + seed() % 1000000) * CommentBlock + 1;
        FailureCount++;
    }
}

RedisRoomLog::~RedisRoomLog() = default;

std::string RedisRoomLog::Health() const
{
    constexpr int64_t probe_after_ms = 1000; // ms without a reply before /healthz asks Redis itself
    if (SteadyMs() - Link->LastOkMs > probe_after_ms)
        Link->Command({"PING"});
    if (Link->LastError.empty())
        return std::string();
    return "room log redis://" + Link->Host + ":" + std::to_string(Link->Port) + ": " + Link->LastError;
}

bool RedisRoomLog::Append(std::vector<LogRecord>& records)
{
    // One script per room in the batch (its keys), records in batch order within each room.
    std::vector<std::string> rooms;
    for (const LogRecord& r : records)
        if (r.Local && std::find(rooms.begin(), rooms.end(), r.Room) == rooms.end())
            rooms.push_back(r.Room);
    for (const LogRecord& r : records)
        SkippedCount += r.Local ? 0 : 1;
    bool ok = true;
    for (const std::string& room : rooms)
    {
        const std::string key = RoomKey(room);
        std::vector<std::string> args = {"EVAL", AppendScript, "4", key, key + ":ids", key + ":deleted", "livescope:log:seq",
                                         std::to_string(MaxRecordsPerRoom), std::to_string(RetentionS), "0"};
        std::vector<LogRecord*> sent_records;
        for (LogRecord& r : records)
        {
            if (!r.Local || r.Room != room)
                continue;
            sent_records.push_back(&r);
            args.push_back(LogTypeName(r.Type));
            args.push_back(r.Ref);
            args.push_back(r.Type == LogType::Viewers ? std::to_string(r.At / 1000) : std::string());
            if (r.Type == LogType::Deleted)
            {
                args.push_back("0");
                continue;
            }
            const auto fields = EncodeLogFields(r);
            args.push_back(std::to_string(fields.size() * 2));
            for (const auto& [name, value] : fields)
            {
                args.push_back(name);
                args.push_back(value);
            }
        }
        args[9] = std::to_string(sent_records.size());
        Reply reply = Link->Command(args);
        if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != sent_records.size())
        {
            ok = false;
            continue;
        }
        for (size_t i = 0; i < sent_records.size(); i++)
        {
            const redisReply* seq = reply->element[i];
            const int64_t value = seq->type == REDIS_REPLY_INTEGER ? seq->integer : 0;
            sent_records[i]->Seq = value;
            if (value > 0)
                WrittenCount++;
            else if (sent_records[i]->Type != LogType::Deleted)
                SkippedCount++;
        }
    }
    if (!ok)
        FailureCount++; // the batch (or part of it) is lost: the relay never waits for Redis
    return ok;
}

const std::deque<LogRecord>* RedisRoomLog::ReadRoom(const std::string& room)
{
    const std::string key = RoomKey(room);
    Reply tombstones = Link->Command({"SMEMBERS", key + ":deleted"});
    if (!tombstones)
    {
        FailureCount++;
        return nullptr;
    }
    std::unordered_set<std::string> deleted;
    for (size_t i = 0; i < tombstones->elements; i++)
        deleted.emplace(tombstones->element[i]->str, tombstones->element[i]->len);
    Conn::RoomCache& cache = Link->Rooms[room];
    cache.UsedAt = ++Link->Reads;
    if (!cache.LastId.empty())
    {
        // The last entry read is gone (the room expired, Redis lost its data, or it was a deleted comment): read afresh.
        Reply last = Link->Command({"XRANGE", key, cache.LastId, cache.LastId});
        if (!last)
        {
            FailureCount++;
            return nullptr;
        }
        if (last->type != REDIS_REPLY_ARRAY || last->elements == 0)
            cache = Conn::RoomCache{std::string(), {}, cache.UsedAt};
    }
    // The new entries, in pages of 1000, at most about MaxRecordsPerRoom per read (MAXLEN ~ may keep a few more).
    constexpr int64_t page = 1000;
    for (int64_t read = 0; read < MaxRecordsPerRoom * 2;)
    {
        Reply entries = Link->Command({"XRANGE", key, cache.LastId.empty() ? "-" : "(" + cache.LastId, "+", "COUNT", std::to_string(page)});
        if (!entries || entries->type != REDIS_REPLY_ARRAY)
        {
            FailureCount++;
            return nullptr;
        }
        for (size_t i = 0; i < entries->elements; i++)
        {
            const redisReply* entry = entries->element[i];
            if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 || entry->element[0]->type != REDIS_REPLY_STRING ||
                entry->element[1]->type != REDIS_REPLY_ARRAY)
                continue;
            cache.LastId.assign(entry->element[0]->str, entry->element[0]->len);
            const redisReply* fields = entry->element[1];
            std::vector<std::string_view> flat;
            flat.reserve(fields->elements);
            for (size_t f = 0; f < fields->elements; f++)
                flat.emplace_back(fields->element[f]->str ? fields->element[f]->str : "", fields->element[f]->len);
            if (std::optional<LogRecord> record = DecodeLogFields(room, flat))
                cache.Records.push_back(std::move(*record));
            // else: not ours (or damaged): skipped, never fatal
        }
        read += static_cast<int64_t>(entries->elements);
        if (entries->elements < static_cast<size_t>(page))
            break;
    }
    while (cache.Records.size() > static_cast<size_t>(MaxRecordsPerRoom))
        cache.Records.pop_front(); // trimmed in Redis too (MAXLEN ~)
    const auto tied = [](const LogRecord& r) {
        return r.Type == LogType::Comment || r.Type == LogType::Vote || r.Type == LogType::Answering || r.Type == LogType::Answered ||
               r.Type == LogType::Dismissed || r.Type == LogType::Pinned;
    };
    if (!deleted.empty())
        std::erase_if(cache.Records, [&](const LogRecord& r) { return tied(r) && deleted.count(r.Ref) > 0; });
    // Bounded memory: the least recently read rooms go until the cache holds at most MaxCachedRecords (this room stays).
    size_t held = 0;
    for (const auto& [name, kept] : Link->Rooms)
        held += kept.Records.size();
    while (held > static_cast<size_t>(MaxCachedRecords) && Link->Rooms.size() > 1)
    {
        auto stalest = std::min_element(Link->Rooms.begin(), Link->Rooms.end(), [](const auto& a, const auto& b) { return a.second.UsedAt < b.second.UsedAt; });
        held -= stalest->second.Records.size();
        Link->Rooms.erase(stalest); // never this room: it was just used
    }
    return &cache.Records;
}

std::vector<LogRecord> RedisRoomLog::Events(const LogQuery& query)
{
    std::vector<LogRecord> out;
    const std::deque<LogRecord>* all = ReadRoom(query.Room);
    if (!all)
        return out;
    std::vector<const LogRecord*> page; // the matching records, then the first Limit of them in (T, Seq) order
    for (const LogRecord& r : *all)
    {
        const bool after = !query.AfterT || r.T > *query.AfterT || (r.T == *query.AfterT && r.Seq > query.AfterSeq);
        if (r.T >= query.From && r.T < query.To && after)
            page.push_back(&r);
    }
    const auto order = [](const LogRecord* a, const LogRecord* b) { return a->T != b->T ? a->T < b->T : a->Seq < b->Seq; };
    const size_t keep = std::min(page.size(), query.Limit);
    std::partial_sort(page.begin(), page.begin() + static_cast<std::ptrdiff_t>(keep), page.end(), order);
    for (size_t i = 0; i < keep; i++)
        out.push_back(*page[i]);
    return out;
}

std::vector<LogQuestion> RedisRoomLog::Questions(const std::string& room, int64_t from, int64_t to, size_t limit)
{
    const std::deque<LogRecord>* all = ReadRoom(room);
    if (!all)
        return {};
    return BuildQuestions(std::vector<LogRecord>(all->begin(), all->end()), from, to, limit);
}

RoomRestore RedisRoomLog::Restore(const std::string& room)
{
    const std::deque<LogRecord>* all = ReadRoom(room);
    if (!all)
        return {};
    return BuildRestore(std::vector<LogRecord>(all->begin(), all->end()));
}

} // namespace livescope
