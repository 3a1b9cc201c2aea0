// Unit tests for the shared room log's pure parts: a record as stream fields and back, malformed entries refused,
// RelayCore marking which records are this node's own (LogRecord::Local), and the driver with Redis unreachable.
#include <doctest/doctest.h>

#include <livescope/server/common/token.h>
#include <livescope/server/relay/relay_core.h>
#include <livescope/server/relay/room_log_redis.h>

#include <deque>
#include <string>
#include <utility>
#include <vector>

using namespace livescope;

namespace {
std::vector<std::string> Flat(const LogRecord& r, int64_t seq)
{
    std::vector<std::string> out = {"seq", std::to_string(seq)};
    for (const auto& [name, value] : EncodeLogFields(r))
    {
        out.push_back(name);
        out.push_back(value);
    }
    return out;
}

std::optional<LogRecord> Decode(const std::vector<std::string>& flat)
{
    std::vector<std::string_view> views(flat.begin(), flat.end());
    return DecodeLogFields("room", views);
}

LogRecord Record(LogType type)
{
    LogRecord r;
    r.Room = "room";
    r.T = 1764000000000;
    r.At = 1764000004000;
    r.Type = type;
    return r;
}

// A bus of two nodes seen from one: Publish is this node's own event; Remote() is another node's.
struct TwoNodeBus final : RoomBus
{
    std::deque<std::pair<RoomEvent, bool>> Pending;
    std::vector<bool> LastHere;
    Viewers Own{};
    void Publish(const std::string&, RoomEvent event) override { Pending.emplace_back(std::move(event), true); }
    void Remote(RoomEvent event) { Pending.emplace_back(std::move(event), false); }
    std::vector<RoomEvent> Drain(const std::string&) override
    {
        std::vector<RoomEvent> out;
        LastHere.clear();
        for (auto& [event, here] : Pending)
        {
            out.push_back(std::move(event));
            LastHere.push_back(here);
        }
        Pending.clear();
        return out;
    }
    bool DrainedHere(size_t index) const override { return LastHere.at(index); }
    Viewers Enter(const std::string&, const std::string&) override { return Own = Viewers{Own.Live + 1, Own.Total + 1}; }
    Viewers Leave(const std::string&, const std::string&) override { return Own = Viewers{Own.Live - 1, Own.Total}; }
    Viewers Counts(const std::string&) const override { return Own; }
    void Forget(const std::string&) override {}
    void SetWakeup(std::function<void()>) override {}
};
} // namespace

TEST_SUITE_BEGIN("server/relay/room_log_redis");

TEST_CASE("every record type survives the trip to stream fields and back")
{
    LogRecord comment = Record(LogType::Comment);
    comment.Ref = "c-1000000000001";
    comment.Author = User{"g-1", "Ann \"A\" é", "#ff0000"};
    comment.Text = "hello, world: 1,2 \n and =";
    comment.Question = true;
    LogRecord hearts = Record(LogType::Hearts);
    hearts.Hearts = {HeartCount{"#ff0000", 3}, HeartCount{"#00ff00", 12}};
    LogRecord viewers = Record(LogType::Viewers);
    viewers.Num = 350;
    viewers.Num2 = 600;
    LogRecord vote = Record(LogType::Vote);
    vote.Ref = "c-7";
    vote.Num = -1; // any integer survives
    LogRecord muted = Record(LogType::Muted);
    muted.Ref = "u-bob";
    muted.Num = 1764000064000;
    LogRecord empty_comment = Record(LogType::Comment);
    empty_comment.Ref = "c-8";
    int64_t seq = 1;
    for (LogRecord r : {comment, hearts, viewers, vote, muted, empty_comment, Record(LogType::Unpinned), Record(LogType::Ended)})
    {
        r.Seq = ++seq;
        const std::optional<LogRecord> back = Decode(Flat(r, r.Seq));
        REQUIRE_MESSAGE(back.has_value(), LogTypeName(r.Type));
        CHECK(*back == r);
    }
}

TEST_CASE("a malformed stream entry is refused, never half read")
{
    const std::vector<std::string> good = Flat(Record(LogType::Ended), 5);
    REQUIRE(Decode(good).has_value());
    CHECK_FALSE(Decode({"seq", "5", "t", "1", "at", "2"}).has_value());                      // no type
    CHECK_FALSE(Decode({"t", "1", "at", "2", "type", "ended"}).has_value());                 // no seq
    CHECK_FALSE(Decode({"seq", "0", "t", "1", "at", "2", "type", "ended"}).has_value());     // seq starts at 1
    CHECK_FALSE(Decode({"seq", "5", "t", "1x", "at", "2", "type", "ended"}).has_value());    // not an integer
    CHECK_FALSE(Decode({"seq", "5", "t", "", "at", "2", "type", "ended"}).has_value());
    CHECK_FALSE(Decode({"seq", "5", "t", "99999999999999999999", "at", "2", "type", "ended"}).has_value()); // out of range
    CHECK_FALSE(Decode({"seq", "5", "t", "1", "at", "2", "type", "deleted"}).has_value());   // never stored
    CHECK_FALSE(Decode({"seq", "5", "t", "1", "at", "2", "type", "party"}).has_value());
    CHECK_FALSE(Decode({"seq", "5", "t", "1", "at", "2", "type"}).has_value());              // odd list
    for (const char* hearts : {"#ff0000", "#ff0000:", ":3", "#ff0000:3,", "#ff0000:x", ",#ff0000:3"})
        CHECK_FALSE(Decode({"seq", "5", "t", "1", "at", "2", "type", "hearts", "hearts", hearts}).has_value());
    // A newer writer's extra field is ignored.
    std::optional<LogRecord> extra = Decode({"seq", "5", "t", "1", "at", "2", "type", "ended", "future", "x"});
    REQUIRE(extra.has_value());
    CHECK(extra->Type == LogType::Ended);
}

TEST_CASE("records of events from another node are marked, so a shared log writes each event once")
{
    TwoNodeBus bus;
    RelayConfig config;
    config.Secret = "test-secret";
    config.Seed = 7;
    RelayCore core(config, bus);
    core.EnableLog([](const std::string&) { return RoomRestore{}; });
    int64_t now = 1764000000000;
    const ConnId ann = core.Open();
    core.Receive(ann, EncodeClientMessage(Join{"room", MintToken("test-secret", TokenClaims{"ann", Role::Moderator, now / 1000 + 3600, "ann", std::nullopt}), std::nullopt}), now);
    core.Tick(now += 200);
    core.TakeLogRecords();

    CommentPost post;
    post.Text = "mine";
    core.Receive(ann, EncodeClientMessage(post), now);
    bus.Remote(Comment{"c-2000000000001", User{"g-9", "Bob", "#00ff00"}, "theirs", now, std::nullopt, false});
    HeartsTap tap;
    tap.Count = 2;
    core.Receive(ann, EncodeClientMessage(tap), now);
    bus.Remote(HeartsEvent{"#123456", 5, std::nullopt});
    bus.Remote(Deleted{"c-2000000000001"});
    core.Tick(now += 200);
    std::vector<LogRecord> records = core.TakeLogRecords();

    std::vector<std::pair<std::string, bool>> seen;
    int64_t local_taps = 0, remote_taps = 0;
    for (const LogRecord& r : records)
    {
        seen.emplace_back(LogTypeName(r.Type), r.Local);
        if (r.Type == LogType::Hearts)
            for (const HeartCount& c : r.Hearts)
                (r.Local ? local_taps : remote_taps) += c.Count;
    }
    const std::vector<std::pair<std::string, bool>> want = {{"comment", true}, {"comment", false}, {"deleted", false}, {"hearts", true}, {"hearts", false}};
    CHECK(seen == want);
    CHECK(local_taps == 2);
    CHECK(remote_taps == 5);

    // Taps of one colour from both nodes in one tick: each record has its own node's share.
    std::string color;
    for (const LogRecord& r : records)
        if (r.Type == LogType::Hearts && r.Local)
            color = r.Hearts.at(0).Color;
    REQUIRE_FALSE(color.empty());
    tap.Count = 1;
    core.Receive(ann, EncodeClientMessage(tap), now);
    bus.Remote(HeartsEvent{color, 4, std::nullopt});
    core.Tick(now += 200);
    std::vector<std::pair<bool, std::vector<HeartCount>>> split;
    for (const LogRecord& r : core.TakeLogRecords())
        if (r.Type == LogType::Hearts)
            split.emplace_back(r.Local, r.Hearts);
    const std::vector<std::pair<bool, std::vector<HeartCount>>> want_split = {{true, {HeartCount{color, 1}}}, {false, {HeartCount{color, 4}}}};
    CHECK(split == want_split);
}

TEST_CASE("with Redis unreachable the shared log fails at once, counts it and says why")
{
    RedisRoomLog log("127.0.0.1", 1); // nothing listens on port 1
    CHECK(log.FirstCommentNumber() > RedisRoomLog::CommentBlock);
    CHECK(log.Failures() == 1); // the comment-number block could not be reserved
    CHECK(log.Health().find("room log redis://127.0.0.1:1") == 0);
    std::vector<LogRecord> batch = {Record(LogType::Ended)};
    CHECK_FALSE(log.Append(batch));
    CHECK(log.Failures() == 2);
    LogQuery q;
    q.Room = "room";
    CHECK(log.Events(q).empty());
    CHECK(log.Restore("room").History.empty());
    CHECK(log.Failures() == 4);
    // A batch with nothing of this node's own touches nothing and is no failure.
    std::vector<LogRecord> theirs = {Record(LogType::Ended)};
    theirs[0].Local = false;
    CHECK(log.Append(theirs));
    CHECK(log.Skipped() == 1);
}
