// Tests of room_replay.h: reading the relay log's pages, the timing of due events, rebuilds after seeks (back and
// forward, nothing from later), deleted comments absent, paging with `next`, prefetch order and bounded memory,
// the heat strip, and malformed input as an error value.
#include <doctest/doctest.h>

#include <livescope/room/room_replay.h>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

using namespace livescope;
using Json = nlohmann::json;

namespace {

constexpr std::int64_t kStart = 1'800'000'000'000; // stream ms at position 0
constexpr std::int64_t kEnd = kStart + 60'000;     // a 60 s broadcast

std::int64_t At(double s) { return kStart + static_cast<std::int64_t>(s * 1000.0); }

Json Comment(std::int64_t seq, double s, const std::string& id, const std::string& text, bool question = false, const std::string& user = "u1")
{
    return {{"seq", seq}, {"t", At(s)}, {"at", At(s) + 500}, {"type", "comment"}, {"id", id}, {"author", {{"id", user}, {"name", "Ann " + user}, {"color", "#4fc3f7"}}}, {"text", text}, {"question", question}};
}
Json Hearts(std::int64_t seq, double s, int count) { return {{"seq", seq}, {"t", At(s)}, {"type", "hearts"}, {"counts", Json::array({{{"color", "#ff3b5c"}, {"count", count}}})}}; }
Json Simple(std::int64_t seq, double s, const char* type, const std::string& id) { return {{"seq", seq}, {"t", At(s)}, {"type", type}, {"id", id}}; }
Json Vote(std::int64_t seq, double s, const std::string& id, int votes) { return {{"seq", seq}, {"t", At(s)}, {"type", "vote"}, {"id", id}, {"votes", votes}}; }
Json Viewers(std::int64_t seq, double s, int live, int total) { return {{"seq", seq}, {"t", At(s)}, {"type", "viewers"}, {"live", live}, {"total", total}}; }

std::string Page(const Json& events, const Json& next = nullptr) { return Json{{"room", "r"}, {"events", events}, {"next", next}}.dump(); }

// The broadcast's log as the relay answers it (comment "c3" was deleted: absent, with its votes).
Json Log()
{
    return Json::array({Viewers(1, 1.0, 3, 3), Comment(2, 5.0, "c1", "hello"), Hearts(3, 6.0, 10), Comment(4, 12.0, "q1", "first question?", true, "u2"),
                        Vote(5, 14.0, "q1", 1), Comment(6, 20.0, "c2", "nice"), Viewers(7, 21.0, 5, 6), Hearts(8, 22.0, 40),
                        Comment(9, 30.0, "q2", "second question?", true, "u3"), Simple(10, 33.0, "answering", "q1"), Simple(11, 38.0, "answered", "q1"),
                        Comment(12, 39.5, "c4", "at 39.5"), Comment(13, 45.0, "c5", "later"), Vote(14, 46.0, "q2", 2), Hearts(15, 50.0, 5),
                        Comment(16, 55.0, "c6", "bye")});
}

// A replay whose fetches are answered from `log` at once (each page holds at most `per_page` events).
struct Harness
{
    RoomReplay R;
    Json LogEvents;
    std::size_t PerPage = 1000;
    std::vector<ReplayFetch> Asked;
    double Now = 0;

    explicit Harness(Json log, RoomReplayConfig cfg = {}) : LogEvents(std::move(log))
    {
        RoomReplayInit(R, cfg);
        RoomReplaySetSpan(R, kStart, kEnd);
    }

    std::string Answer(const ReplayFetch& f) const
    {
        Json out = Json::array();
        std::size_t skip = f.After.empty() ? 0 : std::stoul(f.After);
        std::size_t seen = 0, next = 0;
        for (const Json& e : LogEvents)
        {
            const auto t = e["t"].get<std::int64_t>();
            if (t < f.From || t >= f.To) continue;
            if (seen++ < skip) continue;
            if (out.size() == PerPage)
            {
                next = skip + PerPage;
                break;
            }
            out.push_back(e);
        }
        return next ? Page(out, std::to_string(next)) : Page(out);
    }

    // Answers every request the model makes now.
    void Serve(int max = 1000)
    {
        for (int k = 0; k < max; k++)
        {
            auto f = RoomReplayNextFetch(R, Now);
            if (!f) return;
            Asked.push_back(*f);
            REQUIRE(RoomReplayOnPage(R, Answer(*f), Now));
        }
    }
};

std::vector<std::string> CommentIds(const std::vector<RoomReplayUpdate>& u, bool history)
{
    std::vector<std::string> ids;
    for (const RoomReplayUpdate& x : u)
        if (!x.Reset && x.Update.Kind == RoomUpdateKind::Comment && x.History == history) ids.push_back(x.Update.Id);
    return ids;
}

std::optional<RoomReplayUpdate> Last(const std::vector<RoomReplayUpdate>& u, RoomUpdateKind k)
{
    std::optional<RoomReplayUpdate> found;
    for (const RoomReplayUpdate& x : u)
        if (!x.Reset && x.Update.Kind == k) found = x;
    return found;
}

} // namespace

TEST_SUITE_BEGIN("room/room_replay");

TEST_CASE("a page of the relay log is read into events, with its next cursor")
{
    const ReplayPageResult p = ReplayParsePage(Page(Log(), "42"));
    REQUIRE(p.Ok);
    CHECK(p.Page.Next == "42");
    REQUIRE(p.Page.Events.size() == Log().size());
    const ReplayEvent& c = p.Page.Events[1];
    CHECK(c.Kind == ReplayEventKind::Comment);
    CHECK(c.Id == "c1");
    CHECK(c.Author == "Ann u1");
    CHECK(c.UserId == "u1");
    CHECK(c.Rgb == 0x4FC3F7);
    CHECK(c.T == At(5.0));
    CHECK(p.Page.Events[2].Hearts.at(0).Count == 10);
    CHECK(ReplayParsePage(Page(Json::array(), 7)).Page.Next == "7");
    CHECK(ReplayParsePage(Page(Json::array())).Page.Next.empty());
}

TEST_CASE("malformed pages are an error value and malformed events are skipped, never a crash")
{
    for (const char* bad : {"", "{", "[]", "null", "{\"events\":3}", "{\"room\":\"r\"}", "{\"events\":[],\"next\":{}}", "\xff\xfe"})
    {
        const ReplayPageResult p = ReplayParsePage(bad);
        CHECK_FALSE(p.Ok);
        CHECK_FALSE(p.Error.empty());
    }
    const Json events = Json::array({Json{{"t", "soon"}, {"type", "comment"}}, Json{{"t", 5}, {"type", "dance"}}, Json(7), Json{{"t", At(1.0)}, {"type", "comment"}, {"id", "x"}},
                                     Json{{"t", At(1.0)}, {"type", "hearts"}, {"counts", Json::array({{{"count", -3}}})}}, Comment(1, 2.0, "ok", "fine")});
    const ReplayPageResult p = ReplayParsePage(Page(events));
    REQUIRE(p.Ok);
    CHECK(p.Page.Events.size() == 1);
    CHECK(p.Page.Skipped == 5);
}

TEST_CASE("comment texts from the log are sanitised UTF-8")
{
    // nlohmann refuses invalid UTF-8 in its own dump, so build the text by hand.
    const std::string raw = std::string("{\"events\":[{\"seq\":1,\"t\":") + std::to_string(At(1.0)) + ",\"type\":\"comment\",\"id\":\"c\",\"text\":\"a\\u0000b\"}],\"next\":null}";
    const ReplayPageResult q = ReplayParsePage(raw);
    REQUIRE(q.Ok);
    REQUIRE(q.Page.Events.size() == 1);
    CHECK(q.Page.Events[0].Text.find('\0') == std::string::npos);
}

TEST_CASE("before the span is known nothing is fetched; then the chunk under the playhead comes first")
{
    RoomReplay r;
    RoomReplayInit(r);
    CHECK_FALSE(RoomReplayNextFetch(r, 0).has_value());
    RoomReplaySetSpan(r, kStart, kEnd);
    RoomReplaySeek(r, At(40.0));
    const auto f = RoomReplayNextFetch(r, 0);
    REQUIRE(f.has_value());
    CHECK(f->From <= At(40.0));
    CHECK(f->To > At(40.0));
    CHECK(f->After.empty());
    CHECK_FALSE(RoomReplayNextFetch(r, 0).has_value()); // one request at a time
}

TEST_CASE("each event comes due when the playhead reaches its stream time, not before")
{
    Harness h(Log());
    RoomReplayAdvance(h.R, At(0.0));
    h.Serve();
    RoomReplayTakeUpdates(h.R);
    RoomReplayAdvance(h.R, At(4.9));
    auto u = RoomReplayTakeUpdates(h.R);
    CHECK(CommentIds(u, false).empty());
    REQUIRE(Last(u, RoomUpdateKind::Viewers).has_value()); // t = 1 s
    RoomReplayAdvance(h.R, At(5.0));
    u = RoomReplayTakeUpdates(h.R);
    CHECK(CommentIds(u, false) == std::vector<std::string>{"c1"});
    CHECK(u.at(0).T == At(5.0));
    RoomReplayAdvance(h.R, At(5.016));
    CHECK(RoomReplayTakeUpdates(h.R).empty()); // each event once
    RoomReplayAdvance(h.R, At(6.0));
    u = RoomReplayTakeUpdates(h.R);
    REQUIRE(Last(u, RoomUpdateKind::Hearts).has_value());
    CHECK(Last(u, RoomUpdateKind::Hearts)->Update.Hearts.at(0).Count == 10);
    // Played in small steps to the end: every comment once, in order, each at its time.
    std::vector<std::string> ids;
    for (double s = 6.25; s <= 60.0; s += 0.25)
    {
        RoomReplayAdvance(h.R, At(s));
        for (const RoomReplayUpdate& x : RoomReplayTakeUpdates(h.R))
        {
            CHECK_FALSE(x.Reset);
            if (x.Update.Kind == RoomUpdateKind::Comment)
            {
                ids.push_back(x.Update.Id);
                CHECK(x.T <= At(s));
                CHECK(x.T > At(s - 0.25));
            }
        }
        h.Serve();
    }
    CHECK(ids == std::vector<std::string>{"q1", "c2", "q2", "c4", "c5", "c6"});
}

TEST_CASE("the board follows questions, votes, answering and answered as they come due")
{
    Harness h(Log());
    RoomReplayAdvance(h.R, At(0.0));
    h.Serve();
    for (double s = 0.5; s <= 13.0; s += 0.5) RoomReplayAdvance(h.R, At(s));
    REQUIRE(h.R.Board.Open.size() == 1);
    CHECK(h.R.Board.Open[0].Id == "q1");
    CHECK(h.R.Board.Open[0].Votes == 0);
    for (double s = 13.5; s <= 35.0; s += 0.5)
    {
        RoomReplayAdvance(h.R, At(s));
        h.Serve();
    }
    REQUIRE(h.R.Board.Answering.has_value());
    CHECK(h.R.Board.Answering->Id == "q1");
    CHECK(h.R.Board.Answering->Votes == 1);
    REQUIRE(h.R.Board.Open.size() == 1);
    CHECK(h.R.Board.Open[0].Id == "q2");
    for (double s = 35.5; s <= 47.0; s += 0.5)
    {
        RoomReplayAdvance(h.R, At(s));
        h.Serve();
    }
    CHECK_FALSE(h.R.Board.Answering.has_value());
    REQUIRE(h.R.Board.Answered.size() == 1);
    CHECK(h.R.Board.Answered[0].AnsweredAtMs == At(38.0));
    CHECK(h.R.Board.Open.at(0).Votes == 2);
}

TEST_CASE("a seek rebuilds the state at that time: the last comments, the board, the count, nothing later")
{
    Harness h(Log());
    RoomReplaySeek(h.R, At(40.0));
    h.Serve();
    const auto u = RoomReplayTakeUpdates(h.R);
    REQUIRE_FALSE(u.empty());
    // The last rebuild's batch (the first one ran before anything was loaded).
    std::size_t reset = 0;
    for (std::size_t k = 0; k < u.size(); k++)
        if (u[k].Reset) reset = k;
    const std::vector<RoomReplayUpdate> state(u.begin() + static_cast<std::ptrdiff_t>(reset), u.end());
    CHECK(CommentIds(state, true) == std::vector<std::string>{"c1", "q1", "c2", "q2", "c4"});
    CHECK(CommentIds(state, false).empty()); // history: no `comment` events
    for (const RoomReplayUpdate& x : state) CHECK(x.T <= At(40.0));
    REQUIRE(Last(state, RoomUpdateKind::Viewers).has_value());
    CHECK(Last(state, RoomUpdateKind::Viewers)->Update.Live == 5);
    REQUIRE(Last(state, RoomUpdateKind::Board).has_value());
    CHECK_FALSE(h.R.Board.Answering.has_value());
    REQUIRE(h.R.Board.Answered.size() == 1);
    CHECK(h.R.Board.Answered[0].Id == "q1");
    REQUIRE(h.R.Board.Open.size() == 1);
    CHECK(h.R.Board.Open[0].Votes == 0); // q2's vote comes at 46 s
}

TEST_CASE("seeking back then forward rebuilds each time, and playing on from there fires only later events")
{
    Harness h(Log());
    RoomReplaySeek(h.R, At(50.0));
    h.Serve();
    RoomReplayTakeUpdates(h.R);
    RoomReplayAdvance(h.R, At(13.0)); // back: a seek
    h.Serve();
    auto u = RoomReplayTakeUpdates(h.R);
    REQUIRE_FALSE(u.empty());
    CHECK(u.front().Reset);
    CHECK(h.R.Board.Open.size() == 1);
    CHECK(h.R.Board.Open[0].Id == "q1");
    CHECK(CommentIds(u, true).back() == "q1");
    RoomReplayAdvance(h.R, At(20.0)); // forward 7 s: a jump, so a rebuild
    u = RoomReplayTakeUpdates(h.R);
    REQUIRE_FALSE(u.empty());
    CHECK(u.front().Reset);
    CHECK(CommentIds(u, true).back() == "c2");
    RoomReplayAdvance(h.R, At(21.0));
    u = RoomReplayTakeUpdates(h.R);
    CHECK(CommentIds(u, false).empty());
    REQUIRE(Last(u, RoomUpdateKind::Viewers).has_value());
    RoomReplayAdvance(h.R, At(20.5)); // 0.5 s back: jitter, ignored
    CHECK(RoomReplayTakeUpdates(h.R).empty());
}

TEST_CASE("a deleted comment is never shown: absent from the log, or named by a deleted event")
{
    Json log = Log();
    log.push_back(Comment(17, 57.0, "gone", "to be deleted"));
    log.push_back(Simple(18, 57.5, "deleted", "gone"));
    Harness h(log);
    std::vector<std::string> ids;
    for (double s = 0.0; s <= 60.0; s += 0.25)
    {
        RoomReplayAdvance(h.R, At(s));
        h.Serve();
        for (const RoomReplayUpdate& x : RoomReplayTakeUpdates(h.R))
            if (!x.Reset && x.Update.Kind == RoomUpdateKind::Comment) ids.push_back(x.Update.Id);
    }
    CHECK(std::find(ids.begin(), ids.end(), "gone") == ids.end());
    CHECK(std::find(ids.begin(), ids.end(), "c3") == ids.end());
    RoomReplaySeek(h.R, At(59.0));
    CHECK(CommentIds(RoomReplayTakeUpdates(h.R), true).back() == "c6");
}

TEST_CASE("a chunk answered in several pages is read to the end through next, each event once")
{
    Harness h(Log());
    h.PerPage = 2;
    RoomReplayAdvance(h.R, At(0.0));
    h.Serve();
    bool continued = false;
    for (const ReplayFetch& f : h.Asked) continued = continued || !f.After.empty();
    CHECK(continued);
    std::vector<std::string> ids;
    for (double s = 0.25; s <= 60.0; s += 0.25)
    {
        RoomReplayAdvance(h.R, At(s));
        h.Serve();
        for (const RoomReplayUpdate& x : RoomReplayTakeUpdates(h.R))
            if (!x.Reset && x.Update.Kind == RoomUpdateKind::Comment) ids.push_back(x.Update.Id);
    }
    INFO(Json(ids).dump());
    CHECK(ids == std::vector<std::string>{"c1", "q1", "c2", "q2", "c4", "c5", "c6"});
}

TEST_CASE("prefetch: the chunk under the playhead, then ahead, then the rest; memory far behind is dropped")
{
    RoomReplayConfig cfg;
    cfg.ChunkMs = 10000;
    cfg.AheadMs = 10000;
    cfg.KeepBehindMs = 10000;
    Json log = Json::array();
    for (int k = 0; k < 60; k++) log.push_back(Comment(k + 1, k + 0.5, "c" + std::to_string(k), "text"));
    Harness h(log, cfg);
    RoomReplaySeek(h.R, At(30.0));
    h.Serve();
    REQUIRE(h.Asked.size() >= 4);
    CHECK(h.Asked[0].From == At(30.0)); // under the playhead
    CHECK(h.Asked[1].From == At(20.0)); // 10 s behind: comments still on screen
    CHECK(h.Asked[2].From == At(40.0)); // ahead
    CHECK(h.Asked[3].From == At(0.0));  // then from the start, for the heat strip and the board
    // Comments are kept only near the playhead (question-free log: nothing sticky).
    for (const auto& [key, e] : h.R.Events) CHECK(e.T >= At(20.0));
    CHECK(h.R.Events.size() <= 40);
    // Everything summarised: nothing more to fetch until the playhead moves.
    CHECK_FALSE(RoomReplayNextFetch(h.R, 0).has_value());
    RoomReplaySeek(h.R, At(5.0));
    const auto f = RoomReplayNextFetch(h.R, 0);
    REQUIRE(f.has_value());
    CHECK(f->From == At(0.0));
    // Seeking just past a chunk's start: the chunk before it comes next (comments still on screen).
    Harness g(log, cfg);
    RoomReplaySeek(g.R, At(32.0));
    g.Serve();
    REQUIRE(g.Asked.size() >= 3);
    CHECK(g.Asked[0].From == At(30.0));
    CHECK(g.Asked[1].From == At(20.0));
    CHECK(g.Asked[2].From == At(40.0));
    RoomReplayTakeUpdates(g.R);
    RoomReplaySeek(g.R, At(32.0));
    CHECK(CommentIds(RoomReplayTakeUpdates(g.R), true).front() == "c24"); // the last 8: 24.5 .. 31.5 s
}

TEST_CASE("a failed fetch is retried after a growing backoff; the replay goes on without the room meanwhile")
{
    Harness h(Log());
    RoomReplayAdvance(h.R, At(0.0));
    auto f = RoomReplayNextFetch(h.R, 0);
    REQUIRE(f.has_value());
    RoomReplayOnFetchFailed(h.R, 0);
    CHECK_FALSE(RoomReplayNextFetch(h.R, 0.1).has_value());
    const double first = h.R.NextFetchAt;
    f = RoomReplayNextFetch(h.R, first);
    REQUIRE(f.has_value());
    CHECK_FALSE(RoomReplayOnPage(h.R, "<html>502</html>", first)); // a proxy's error page: a failure too
    CHECK(h.R.NextFetchAt - first > first - 0.0);
    CHECK(h.R.Failures == 2);
    RoomReplayAdvance(h.R, At(1.0)); // playing on: nothing breaks
    h.Now = h.R.NextFetchAt;
    h.Serve();
    CHECK(h.R.Failures == 2);
    RoomReplayAdvance(h.R, At(5.0));
    CHECK(CommentIds(RoomReplayTakeUpdates(h.R), false) == std::vector<std::string>{"c1"});
}

TEST_CASE("events that arrive a little late are shown at once; much later ones rebuild the state")
{
    Harness h(Log());
    RoomReplayAdvance(h.R, At(0.0));
    RoomReplayAdvance(h.R, At(1.5));
    RoomReplayAdvance(h.R, At(3.0));
    RoomReplayAdvance(h.R, At(5.5)); // c1 (5 s) not loaded yet
    RoomReplayTakeUpdates(h.R);
    h.Serve();
    auto u = RoomReplayTakeUpdates(h.R);
    CHECK(CommentIds(u, false) == std::vector<std::string>{"c1"});
    Harness g(Log());
    RoomReplayAdvance(g.R, At(0.0));
    for (double s = 0.5; s <= 13.0; s += 0.5) RoomReplayAdvance(g.R, At(s));
    RoomReplayTakeUpdates(g.R);
    g.Serve();
    u = RoomReplayTakeUpdates(g.R);
    REQUIRE_FALSE(u.empty());
    CHECK(u.front().Reset);
    CHECK(CommentIds(u, true) == std::vector<std::string>{"c1"});  // 8 s late: what was on screen
    CHECK(CommentIds(u, false) == std::vector<std::string>{"q1"}); // 1 s late: shown now, as it comes
    CHECK(g.R.Board.Open.size() == 1);
}

TEST_CASE("the heat strip gives hearts per bucket normalised to the peak, and the answered moments")
{
    Harness h(Log());
    RoomReplayAdvance(h.R, At(0.0));
    h.Serve();
    CHECK(RoomReplayTakeMarksDirty(h.R));
    CHECK_FALSE(RoomReplayTakeMarksDirty(h.R));
    const Json m = Json::parse(RoomReplayMarksJson(h.R));
    REQUIRE(m["hearts"].size() == 3);
    CHECK(m["hearts"][0][0].get<double>() == doctest::Approx(6.0));
    CHECK(m["hearts"][0][1].get<double>() == doctest::Approx(0.25));
    CHECK(m["hearts"][1][0].get<double>() == doctest::Approx(22.0));
    CHECK(m["hearts"][1][1].get<double>() == doctest::Approx(1.0));
    CHECK(m["hearts"][2][1].get<double>() == doctest::Approx(0.125));
    CHECK(m["answers"] == Json::array({38.0}));
}

TEST_CASE("memory stays bounded however long the log")
{
    RoomReplayConfig cfg;
    cfg.MaxEvents = 500;
    RoomReplay r;
    RoomReplayInit(r, cfg);
    RoomReplaySetSpan(r, kStart, kStart + 3'600'000);
    RoomReplaySeek(r, At(100.0));
    for (int round = 0; round < 4; round++)
    {
        auto f = RoomReplayNextFetch(r, 0);
        REQUIRE(f.has_value());
        Json events = Json::array();
        for (int k = 0; k < 1000; k++)
            events.push_back(Viewers(k + 1, (static_cast<double>(f->From - kStart) + k * 10.0) / 1000.0, k, k));
        CHECK(RoomReplayOnPage(r, Page(events), 0));
    }
    CHECK(r.Events.size() <= 500);
}
