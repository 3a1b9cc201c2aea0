// Unit tests for the room log: the records RelayCore makes, both drivers (in-memory and SQLite) answering alike,
// deletion, paging, restore after a restart, comment ids that never repeat, and the stream-time estimate.
#include <doctest/doctest.h>

#include <livescope/server/common/token.h>
#include <livescope/server/relay/relay_core.h>
#include <livescope/server/relay/room_log.h>
#include <livescope/server/relay/room_log_sqlite.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

using namespace livescope;

namespace {
constexpr int64_t T0 = 1764000000000; // ms since the epoch
constexpr int64_t Lag = 4000;         // ms; the viewers watch 4 s behind the relay's clock

// A relay core writing into `Log` once per tick, as the edge does.
struct LogHarness
{
    InProcessRoomBus Bus;
    RoomLog& Log;
    RelayCore Core;
    std::map<ConnId, std::vector<ServerMessage>> Inbox;
    int64_t Now = T0;

    static RelayConfig MakeConfig(uint64_t first_comment)
    {
        RelayConfig c;
        c.Secret = "test-secret";
        c.Seed = 7;
        c.FirstCommentNumber = first_comment;
        return c;
    }
    explicit LogHarness(RoomLog& log) : Log(log), Core(MakeConfig(log.FirstCommentNumber()), Bus)
    {
        Core.EnableLog([this](const std::string& room) { return Log.Restore(room); });
    }

    void Pump()
    {
        for (const Outgoing& o : Core.TakeOutgoing())
        {
            const auto decoded = DecodeServerFrame(*o.Frame);
            REQUIRE_MESSAGE(decoded.Ok(), *o.Frame);
            for (const ServerMessage& m : decoded.Value)
                Inbox[o.Conn].push_back(m);
        }
        Core.TakeCloses();
    }
    void Send(ConnId id, const ClientMessage& m)
    {
        Core.Receive(id, EncodeClientMessage(m), Now);
        Pump();
    }
    void SendRaw(ConnId id, const std::string& frame)
    {
        Core.Receive(id, frame, Now);
        Pump();
    }
    void Tick(int64_t advance_ms = 200)
    {
        Now += advance_ms;
        Core.Tick(Now);
        Pump();
        std::vector<LogRecord> records = Core.TakeLogRecords();
        REQUIRE(Log.Append(records));
    }
    ConnId Enter(const std::string& subject, Role role = Role::Viewer)
    {
        const ConnId id = Core.Open();
        Send(id, Join{"room", MintToken("test-secret", TokenClaims{subject, role, T0 / 1000 + 36000, subject, std::nullopt}), std::nullopt});
        return id;
    }
    void Say(ConnId id, const std::string& text, bool question = false)
    {
        CommentPost p;
        p.Text = text;
        p.Question = question;
        p.StreamTime = Now - Lag;
        Send(id, p);
    }
    std::string LastCommentId(ConnId id)
    {
        std::string last;
        for (const ServerMessage& m : Inbox[id])
            if (const auto* c = std::get_if<livescope::Comment>(&m))
                last = c->Id;
        REQUIRE_FALSE(last.empty());
        return last;
    }
    std::vector<LogRecord> All()
    {
        LogQuery q;
        q.Room = "room";
        q.Limit = 100000;
        return Log.Events(q);
    }
};

std::vector<std::string> Types(const std::vector<LogRecord>& records)
{
    std::vector<std::string> out;
    for (const LogRecord& r : records)
        out.push_back(LogTypeName(r.Type));
    return out;
}

std::string TempDb(const char* tag)
{
    const auto path = std::filesystem::temp_directory_path() / ("livescope-roomlog-" + std::string(tag) + "-" + std::to_string(::getpid()) + ".sqlite");
    for (const char* suffix : {"", "-wal", "-shm"})
        std::filesystem::remove(path.string() + suffix);
    return path.string();
}

// Runs `body` once with each driver.
void ForEachDriver(const std::function<void(RoomLog&, const char*)>& body)
{
    {
        MemoryRoomLog memory;
        body(memory, "memory");
    }
    std::string error;
    const std::string path = TempDb("drivers");
    auto sqlite = SqliteRoomLog::Open(path, error);
    REQUIRE_MESSAGE(sqlite, error);
    body(*sqlite, "sqlite");
}
} // namespace

TEST_SUITE_BEGIN("server/relay/room_log");

TEST_CASE("every room event becomes a record with its stream time, in the order it was applied")
{
    ForEachDriver([](RoomLog& log, const char* driver) {
        CAPTURE(driver);
        LogHarness h(log);
        const ConnId host = h.Enter("host", Role::Broadcaster);
        const ConnId ann = h.Enter("ann");
        h.Tick();
        h.Say(ann, "hello");
        h.Say(ann, "why?", true);
        HeartsTap tap;
        tap.Count = 3;
        tap.StreamTime = h.Now - 3000;
        h.Send(ann, tap);
        h.Tick();
        const std::string question = h.LastCommentId(ann);
        VoteRequest vote{question, true, h.Now - 2500};
        h.Send(host, vote);
        h.Tick();
        h.Send(host, AnswerRequest{question});
        h.Tick();
        h.Send(host, AnsweredRequest{question});
        h.Send(host, PinRequest{question});
        h.Send(host, MuteRequest{"u-ann", 60});
        h.Send(host, EndRequest{});
        h.Tick();

        const auto all = h.All();
        auto by_seq = all;
        std::sort(by_seq.begin(), by_seq.end(), [](const LogRecord& a, const LogRecord& b) { return a.Seq < b.Seq; });
        std::vector<std::string> types = Types(by_seq);
        // Viewer counts: one record when they changed (joins), none while they stay.
        CHECK(std::count(types.begin(), types.end(), "viewers") == 1);
        std::erase(types, "viewers");
        CHECK(types == std::vector<std::string>{"comment", "comment", "hearts", "vote", "answering", "answered", "pinned", "muted", "ended"});
        std::vector<LogRecord> by_type;
        for (const LogRecord& r : by_seq)
            if (r.Type != LogType::Viewers)
                by_type.push_back(r);
        CHECK(by_type[0].Text == "hello");
        CHECK(by_type[0].T == T0 + 200 - Lag);
        CHECK(by_type[0].At == T0 + 200);
        CHECK(by_type[0].Author.Id == "u-ann");
        CHECK_FALSE(by_type[0].Question);
        CHECK(by_type[1].Question);
        CHECK(by_type[2].Hearts == std::vector<HeartCount>{{by_type[0].Author.Color, 3}});
        CHECK(by_type[2].T == T0 + 200 - 3000);
        CHECK(by_type[3].Ref == question);
        CHECK(by_type[3].Num == 1);
        CHECK(by_type[3].T == T0 + 400 - 2500);
        CHECK(by_type[7].Ref == "u-ann");
        CHECK(by_type[7].Num == T0 + 1000 + 60000);
        // Sorted by (t, seq): the page is in stream-time order.
        for (size_t i = 1; i < all.size(); i++)
            CHECK((all[i - 1].T < all[i].T || (all[i - 1].T == all[i].T && all[i - 1].Seq < all[i].Seq)));
    });
}

TEST_CASE("a message without a stream time gets the room's median offset, or the server time when none is known")
{
    MemoryRoomLog log;
    LogHarness h(log);
    const ConnId v1 = h.Core.Open();
    h.SendRaw(v1, R"({"type":"join","v":1,"room":"room","client_id":"old"})");
    h.SendRaw(v1, R"({"type":"comment","v":1,"text":"no time yet"})");
    h.Tick();
    const ConnId ann = h.Enter("ann");
    h.Say(ann, "with a time");
    h.Tick(1000);
    h.SendRaw(v1, R"({"type":"comment","v":1,"text":"estimated"})");
    h.Tick(2000);
    std::vector<LogRecord> comments;
    for (const LogRecord& r : h.All())
        if (r.Type == LogType::Comment)
            comments.push_back(r);
    std::sort(comments.begin(), comments.end(), [](const LogRecord& a, const LogRecord& b) { return a.Seq < b.Seq; });
    REQUIRE(comments.size() == 3);
    CHECK(comments[0].Text == "no time yet");
    CHECK(comments[0].T == T0);                // nothing known: the relay's clock when it accepted it
    CHECK(comments[2].Text == "estimated");
    CHECK(comments[2].T == T0 + 1200 - Lag);   // server time minus the room's median lag
}

TEST_CASE("hearts of one tick are one record at the median stream time of its taps")
{
    MemoryRoomLog log;
    LogHarness h(log);
    std::vector<ConnId> fans;
    for (int i = 0; i < 3; i++)
        fans.push_back(h.Enter("fan" + std::to_string(i)));
    h.Tick();
    const int64_t times[3] = {h.Now - 9000, h.Now - 5000, h.Now - 1000};
    for (int i = 0; i < 3; i++)
    {
        HeartsTap tap;
        tap.Count = 2;
        tap.StreamTime = times[i];
        h.Send(fans[static_cast<size_t>(i)], tap);
    }
    h.Tick();
    h.Tick(); // no taps: no record
    std::vector<LogRecord> hearts;
    for (const LogRecord& r : h.All())
        if (r.Type == LogType::Hearts)
            hearts.push_back(r);
    REQUIRE(hearts.size() == 1);
    CHECK(hearts[0].T == times[1]);
    int64_t total = 0;
    for (const HeartCount& c : hearts[0].Hearts)
        total += c.Count;
    CHECK(total == 6);
}

TEST_CASE("a deleted comment leaves the log with its question, votes, answer events and pin")
{
    ForEachDriver([](RoomLog& log, const char* driver) {
        CAPTURE(driver);
        LogHarness h(log);
        const ConnId host = h.Enter("host", Role::Broadcaster);
        const ConnId ann = h.Enter("ann");
        h.Say(ann, "keep me");
        h.Tick();
        h.Say(ann, "delete me?", true);
        h.Tick();
        const std::string doomed = h.LastCommentId(ann);
        h.Send(host, VoteRequest{doomed, true});
        h.Tick();
        h.Send(host, AnswerRequest{doomed});
        h.Send(host, PinRequest{doomed});
        h.Tick();
        h.Send(host, DeleteRequest{doomed});
        h.Tick();
        for (const LogRecord& r : h.All())
        {
            CHECK(r.Ref != doomed);
            CHECK(r.Text != "delete me?");
        }
        CHECK(log.Questions("room", 0, INT64_MAX, 100).empty());
        const RoomRestore restore = log.Restore("room");
        REQUIRE(restore.History.size() == 1);
        CHECK(restore.History[0].Text == "keep me");
        CHECK_FALSE(restore.Pinned.has_value());
    });
}

TEST_CASE("events page by (t, seq) with a cursor, within [from, to)")
{
    ForEachDriver([](RoomLog& log, const char* driver) {
        CAPTURE(driver);
        std::vector<LogRecord> batch;
        for (int i = 0; i < 10; i++)
        {
            LogRecord r;
            r.Room = "room";
            r.T = 1000 + (i / 2) * 100; // pairs share a stream time
            r.At = 5000 + i;
            r.Type = LogType::Comment;
            r.Ref = "c-" + std::to_string(i + 1);
            r.Author = User{"u-a", "A", "#112233"};
            r.Text = "n" + std::to_string(i);
            batch.push_back(r);
        }
        LogRecord other = batch[0];
        other.Room = "other";
        batch.push_back(other);
        REQUIRE(log.Append(batch));
        std::vector<std::string> seen;
        LogQuery q;
        q.Room = "room";
        q.From = 1100;
        q.To = 1400; // exclusive: 1100, 1200, 1300 -> 6 records
        q.Limit = 4;
        for (int page = 0; page < 5; page++)
        {
            const auto got = log.Events(q);
            for (const LogRecord& r : got)
                seen.push_back(r.Text);
            if (got.size() < q.Limit)
                break;
            q.AfterT = got.back().T;
            q.AfterSeq = got.back().Seq;
        }
        CHECK(seen == std::vector<std::string>{"n2", "n3", "n4", "n5", "n6", "n7"});
        LogQuery unknown;
        unknown.Room = "nobody";
        CHECK(log.Events(unknown).empty());
    });
}

TEST_CASE("a relay restarted on the same SQLite file restores history, pin, board and mutes, and never reuses a comment id")
{
    const std::string path = TempDb("restart");
    std::string error;
    std::string first_id, question_id;
    {
        auto log = SqliteRoomLog::Open(path, error);
        REQUIRE_MESSAGE(log, error);
        LogHarness h(*log);
        const ConnId host = h.Enter("host", Role::Broadcaster);
        const ConnId ann = h.Enter("ann");
        const ConnId bob = h.Enter("bob");
        h.Say(ann, "first");
        h.Tick();
        first_id = h.LastCommentId(ann);
        h.Say(ann, "how?", true);
        h.Tick();
        question_id = h.LastCommentId(ann);
        h.Send(bob, VoteRequest{question_id, true});
        h.Send(host, PinRequest{first_id});
        h.Send(host, MuteRequest{"u-bob", std::nullopt});
        h.Tick();
        // Accepted but never ticked: the relay dies before this reaches the log (the documented window).
        h.Say(host, "lost in the crash");
    } // no shutdown: the process is gone
    auto log = SqliteRoomLog::Open(path, error);
    REQUIRE_MESSAGE(log, error);
    LogHarness h(*log);
    const ConnId late = h.Enter("late");
    const auto& inbox = h.Inbox[late];
    REQUIRE_FALSE(inbox.empty());
    const Welcome* w = std::get_if<Welcome>(&inbox.front());
    REQUIRE(w);
    REQUIRE(w->Comments.size() == 2);
    CHECK(w->Comments[0].Id == first_id);
    CHECK(w->Comments[1].Id == question_id);
    CHECK(w->Comments[0].StreamTime == T0 - Lag);
    REQUIRE(w->Pinned.has_value());
    CHECK(w->Pinned->Id == first_id);
    REQUIRE(w->Board.has_value());
    REQUIRE(w->Board->Open.size() == 1);
    CHECK(w->Board->Open[0].Id == question_id);
    CHECK(w->Board->Open[0].Votes == 1);
    // The mute survived: bob stays muted.
    const ConnId bob = h.Enter("bob");
    h.Say(bob, "am I back?");
    bool muted = false;
    for (const ServerMessage& m : h.Inbox[bob])
        if (const auto* e = std::get_if<ErrorMessage>(&m))
            muted = muted || e->Code == ErrorCode::Muted;
    CHECK(muted);
    // A new comment gets an id no earlier run handed out (not even the one lost in the crash).
    h.Say(late, "after the restart");
    h.Tick();
    const std::string fresh = h.LastCommentId(late);
    CHECK(fresh != first_id);
    CHECK(fresh != question_id);
    CHECK(std::stoull(fresh.substr(2)) > std::stoull(question_id.substr(2)) + 3);
    CHECK(log->FirstCommentNumber() >= 2 * SqliteRoomLog::CommentBlock);
}

TEST_CASE("the transcript questions come in asked order with votes and the first answered time; dismissed ones are left out")
{
    ForEachDriver([](RoomLog& log, const char* driver) {
        CAPTURE(driver);
        LogHarness h(log);
        const ConnId host = h.Enter("host", Role::Broadcaster);
        const ConnId ann = h.Enter("ann");
        const ConnId bob = h.Enter("bob");
        h.Say(ann, "first question?", true);
        h.Tick(1000);
        const std::string q1 = h.LastCommentId(ann);
        h.Say(bob, "second question?", true);
        h.Tick(1000);
        const std::string q2 = h.LastCommentId(bob);
        h.Say(ann, "noise?", true);
        h.Tick(1000);
        const std::string q3 = h.LastCommentId(ann);
        h.Send(ann, VoteRequest{q2, true});
        h.Send(bob, VoteRequest{q2, true});
        h.Send(host, AnswerRequest{q2});
        h.Send(host, DismissRequest{q3});
        h.Tick(1000);
        h.Send(host, AnswerRequest{q1}); // q2 becomes answered here
        h.Tick(1000);
        const auto questions = log.Questions("room", 0, INT64_MAX, 100);
        REQUIRE(questions.size() == 2);
        CHECK(questions[0].Id == q1);
        CHECK(questions[0].Text == "first question?");
        CHECK_FALSE(questions[0].AnsweredT.has_value());
        CHECK(questions[1].Id == q2);
        CHECK(questions[1].Votes == 2);
        REQUIRE(questions[1].AnsweredT.has_value());
        CHECK(*questions[1].AnsweredT == T0 + 4000 - Lag); // when the host acted, minus the room's lag
        CHECK(log.Questions("room", T0 + 1000 - Lag, INT64_MAX, 100).size() == 1); // from: asked at or after it
        CHECK(log.Questions("room", 0, INT64_MAX, 1).size() == 1);
    });
}

TEST_CASE("a vote or answer written before its question (two nodes sharing one log) still counts in the transcript and the restore")
{
    LogRecord vote{};
    vote.Room = "room";
    vote.Seq = 1;
    vote.T = 2000;
    vote.Type = LogType::Vote;
    vote.Ref = "c-7";
    vote.Num = 1;
    LogRecord answered = vote;
    answered.Seq = 2;
    answered.Type = LogType::Answered;
    answered.Num = 0;
    LogRecord question{};
    question.Room = "room";
    question.Seq = 3; // the asker's node committed its batch after the voter's node
    question.T = 1000;
    question.Type = LogType::Comment;
    question.Ref = "c-7";
    question.Text = "why?";
    question.Question = true;
    const std::vector<LogRecord> records{vote, answered, question};
    const auto questions = BuildQuestions(records, 0, INT64_MAX, 10);
    REQUIRE(questions.size() == 1);
    CHECK(questions[0].Votes == 1);
    REQUIRE(questions[0].AnsweredT.has_value());
    CHECK(*questions[0].AnsweredT == 2000);
    const RoomRestore restore = BuildRestore(records);
    REQUIRE(restore.Board.size() == 3);
    CHECK(restore.Board[0].Type == LogType::Comment); // the question before what names it
    CHECK(restore.Board[1].Type == LogType::Vote);
    CHECK(restore.Board[2].Type == LogType::Answered);
}

TEST_CASE("a core without the log makes no records")
{
    InProcessRoomBus bus;
    RelayCore core(RelayConfig{}, bus);
    const ConnId id = core.Open();
    core.Receive(id, EncodeClientMessage(Join{"room", std::nullopt, std::string("x")}), T0);
    core.Receive(id, EncodeClientMessage(CommentPost{"hi", T0, false, std::nullopt}), T0);
    core.Tick(T0 + 200);
    CHECK(core.TakeLogRecords().empty());
}

TEST_CASE("the SQLite driver refuses a file that is not a database, as a value")
{
    const std::string path = TempDb("garbage");
    {
        std::FILE* f = std::fopen(path.c_str(), "wb");
        REQUIRE(f);
        std::fputs("this is not a database, just text long enough to be read as a header................................", f);
        std::fclose(f);
    }
    std::string error;
    CHECK_FALSE(SqliteRoomLog::Open(path, error));
    CHECK_FALSE(error.empty());
    CHECK_FALSE(SqliteRoomLog::Open("/nonexistent-dir/x/rooms.sqlite", error));
}

TEST_SUITE_END();

TEST_SUITE_BEGIN("server/relay/room_log");

TEST_CASE("a room quiet for longer than an empty room is kept starts afresh from the log, as without a restart")
{
    MemoryRoomLog log;
    {
        LogHarness h(log);
        const ConnId host = h.Enter("host", Role::Broadcaster);
        h.Say(host, "last week's talk");
        h.Send(host, EndRequest{});
        h.Tick();
    }
    LogHarness next(log);
    next.Now = T0 + RelayConfig{}.EmptyRoomKeepMs + 60000;
    const ConnId viewer = next.Enter("ann");
    const Welcome* w = std::get_if<Welcome>(&next.Inbox[viewer].front());
    REQUIRE(w);
    CHECK(w->Comments.empty());
    next.Say(viewer, "this week's talk");
    next.Tick();
    bool ended = false;
    for (const ServerMessage& m : next.Inbox[viewer])
        ended = ended || std::holds_alternative<Ended>(m);
    CHECK_FALSE(ended);
    CHECK(next.LastCommentId(viewer).size() > 2);
}

TEST_SUITE_END();

TEST_SUITE_BEGIN("server/relay/room_log");

TEST_CASE("restore gives the last 50 comments, an older pinned comment and older questions, from either driver")
{
    ForEachDriver([](RoomLog& log, const char* driver) {
        CAPTURE(driver);
        std::vector<LogRecord> batch;
        for (int i = 1; i <= 120; i++)
        {
            LogRecord r;
            r.Room = "room";
            r.T = r.At = T0 + i;
            r.Type = LogType::Comment;
            r.Ref = "c-" + std::to_string(i);
            r.Author = User{"u-a", "A", "#112233"};
            r.Text = "n" + std::to_string(i);
            r.Question = i == 3;
            batch.push_back(r);
        }
        LogRecord pin;
        pin.Room = "room";
        pin.T = pin.At = T0 + 200;
        pin.Type = LogType::Pinned;
        pin.Ref = "c-5";
        batch.push_back(pin);
        REQUIRE(log.Append(batch));
        const RoomRestore r = log.Restore("room");
        REQUIRE(r.History.size() == HistoryComments);
        CHECK(r.History.front().Id == "c-71");
        CHECK(r.History.back().Id == "c-120");
        REQUIRE(r.Pinned.has_value());
        CHECK(r.Pinned->Text == "n5");
        REQUIRE(r.Board.size() == 1);
        CHECK(r.Board[0].Ref == "c-3");
        CHECK(r.LastAt == T0 + 200);
    });
}

TEST_SUITE_END();
