// Unit tests for the room log's HTTP side (pure): target parsing with errors as values, event pages, and the
// Q&A transcript in JSON and Markdown.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <livescope/server/relay/room_log.h>
#include <livescope/server/relay/room_log_http.h>

#include <string>
#include <vector>

using namespace livescope;

namespace {
std::string ErrorOf(std::string_view target, std::string_view accept = {})
{
    const auto parsed = ParseRoomLogRequest(target, accept);
    REQUIRE_FALSE(parsed.Ok());
    return parsed.Error;
}

LogRecord Record(LogType type, int64_t t, const std::string& ref = {}, int64_t num = 0)
{
    LogRecord r;
    r.Room = "talk";
    r.T = t;
    r.At = t + 4000;
    r.Type = type;
    r.Ref = ref;
    r.Num = num;
    if (type == LogType::Comment)
    {
        r.Author = User{"u-ann", "Ann", "#e85d75"};
        r.Text = "text of " + ref;
    }
    return r;
}
} // namespace

TEST_SUITE_BEGIN("server/relay/room_log_http");

TEST_CASE("event and transcript targets parse with their defaults")
{
    const auto events = ParseRoomLogRequest("/rooms/talk-1/events");
    REQUIRE(events.Ok());
    CHECK(events.Value->What == RoomLogRequest::Kind::Events);
    CHECK(events.Value->Room == "talk-1");
    CHECK(events.Value->Limit == DefaultEventsLimit);
    CHECK_FALSE(events.Value->From.has_value());

    const auto page = ParseRoomLogRequest("/rooms/talk/events?from=1000&to=2000&after=1500_42&limit=1000&cb=123");
    REQUIRE(page.Ok());
    CHECK(page.Value->From == 1000);
    CHECK(page.Value->To == 2000);
    CHECK(page.Value->AfterT == 1500);
    CHECK(page.Value->AfterSeq == 42);
    CHECK(page.Value->Limit == 1000);

    const auto md = ParseRoomLogRequest("/rooms/talk/transcript?format=md&replay=https%3A%2F%2Fblog.example%2Fv%3Fid%3D1");
    REQUIRE(md.Ok());
    CHECK(md.Value->Markdown);
    CHECK(md.Value->Replay == "https://blog.example/v?id=1");
    CHECK(ParseRoomLogRequest("/rooms/talk/transcript", "text/markdown, */*").Value->Markdown);
    CHECK_FALSE(ParseRoomLogRequest("/rooms/talk/transcript?format=json", "text/markdown").Value->Markdown);
    CHECK_FALSE(ParseRoomLogRequest("/rooms/talk/transcript").Value->Markdown);
}

TEST_CASE("bad parameters are refused with a message naming them")
{
    CHECK(ErrorOf("/rooms/talk/events?limit=0").find("limit") != std::string::npos);
    CHECK(ErrorOf("/rooms/talk/events?limit=1001").find("limit") != std::string::npos);
    CHECK(ErrorOf("/rooms/talk/events?limit=abc").find("limit") != std::string::npos);
    CHECK(ErrorOf("/rooms/talk/events?from=-5").find("from") != std::string::npos);
    CHECK(ErrorOf("/rooms/talk/events?from=99999999999999999999").find("from") != std::string::npos);
    CHECK(ErrorOf("/rooms/talk/events?to=").find("to") != std::string::npos);
    CHECK(ErrorOf("/rooms/talk/events?from=2000&to=1000").find("before") != std::string::npos);
    CHECK(ErrorOf("/rooms/talk/events?after=12").find("after") != std::string::npos);
    CHECK(ErrorOf("/rooms/talk/events?from=1&from=2").find("twice") != std::string::npos);
    CHECK(ErrorOf("/rooms/talk/events?from=%4").find("escape") != std::string::npos);
    CHECK(ErrorOf("/rooms/talk/transcript?format=pdf").find("format") != std::string::npos);
    CHECK(ErrorOf("/rooms/talk/transcript?replay=javascript:alert(1)").find("replay") != std::string::npos);
    CHECK(ErrorOf("/rooms/talk/transcript?replay=https://x/a)b").find("replay") != std::string::npos);
    CHECK(ErrorOf("/rooms/bad%20room/events").find("room") != std::string::npos);
    CHECK(ErrorOf("/rooms/talk").find("path") != std::string::npos);
    CHECK(ErrorOf("/rooms/talk/other").find("path") != std::string::npos);
    CHECK(ErrorOf("/rooms/" + std::string(70, 'a') + "/events").find("room") != std::string::npos);
    CHECK(ErrorOf("/rooms/talk/events?x=" + std::string(5000, 'a')).find("4096") != std::string::npos);
}

TEST_CASE("events render as the contract writes them, with a cursor when the page is full")
{
    LogRecord hearts = Record(LogType::Hearts, 1100);
    hearts.Hearts = {{"#e85d75", 3}, {"#43aa8b", 1}};
    LogRecord viewers = Record(LogType::Viewers, 1200, {}, 12);
    viewers.Num2 = 30;
    std::vector<LogRecord> events = {Record(LogType::Comment, 1000, "c-1"), hearts, viewers, Record(LogType::Vote, 1300, "c-1", 2),
                                     Record(LogType::Answering, 1400, "c-1"), Record(LogType::Muted, 1500, "u-bob"), Record(LogType::Ended, 1600)};
    for (size_t i = 0; i < events.size(); i++)
        events[i].Seq = static_cast<int64_t>(i + 1);
    const auto page = nlohmann::json::parse(RenderEventsPage("talk", events, true));
    CHECK(page["room"] == "talk");
    CHECK(page["next"] == "1600_7");
    const auto& e = page["events"];
    REQUIRE(e.size() == 7);
    CHECK(e[0] == nlohmann::json::parse(R"({"seq":1,"t":1000,"at":5000,"type":"comment","id":"c-1",
        "author":{"id":"u-ann","name":"Ann","color":"#e85d75"},"text":"text of c-1","question":false})"));
    CHECK(e[1]["counts"] == nlohmann::json::parse(R"([{"color":"#e85d75","count":3},{"color":"#43aa8b","count":1}])"));
    CHECK(e[2]["live"] == 12);
    CHECK(e[2]["total"] == 30);
    CHECK(e[3]["id"] == "c-1");
    CHECK(e[3]["votes"] == 2);
    CHECK(e[4]["type"] == "answering");
    CHECK(e[5]["user"] == "u-bob");
    CHECK(e[6] == nlohmann::json::parse(R"({"seq":7,"t":1600,"at":5600,"type":"ended"})"));
    CHECK(nlohmann::json::parse(RenderEventsPage("talk", events, false))["next"].is_null());
    CHECK(nlohmann::json::parse(RenderEventsPage("talk", {}, true))["next"].is_null());
}

TEST_CASE("the transcript lists questions with answered times and replay offsets, as JSON and as Markdown")
{
    std::vector<LogQuestion> qs = {{"c-1", User{"u-ann", "Ann *bold*", "#e85d75"}, "How does [this] work?", 3, 10000, 70500},
                                   {"c-2", User{"u-bob", "Bob", "#43aa8b"}, "Still open?", 1, 20000, std::nullopt}};
    RoomLogRequest r;
    r.What = RoomLogRequest::Kind::Transcript;
    r.Room = "talk";
    const auto plain = nlohmann::json::parse(RenderTranscriptJson(r, qs));
    CHECK(plain["room"] == "talk");
    REQUIRE(plain["questions"].size() == 2);
    CHECK(plain["questions"][0]["asked_t"] == 10000);
    CHECK(plain["questions"][0]["answered_t"] == 70500);
    CHECK(plain["questions"][0]["replay_offset_s"].is_null()); // no `from`: no offset
    CHECK(plain["questions"][1]["answered_t"].is_null());

    r.From = 500;
    r.Replay = "https://blog.example/replay";
    const auto linked = nlohmann::json::parse(RenderTranscriptJson(r, qs));
    CHECK(linked["questions"][0]["replay_offset_s"] == doctest::Approx(70.0));
    CHECK(linked["questions"][0]["link"] == "https://blog.example/replay#t=70.0");
    CHECK(linked["questions"][1]["replay_offset_s"].is_null());
    CHECK_FALSE(linked["questions"][1].contains("link"));

    const std::string md = RenderTranscriptMarkdown(r, qs);
    CHECK(md.find("1. **How does \\[this\\] work?** (Ann \\*bold\\*, 3 votes): answered at 1:10 ([watch](https://blog.example/replay#t=70.0))") !=
          std::string::npos);
    CHECK(md.find("2. **Still open?** (Bob, 1 vote): not answered") != std::string::npos);
    CHECK(md.find("1. ") < md.find("2. "));
    RoomLogRequest none = r;
    CHECK(RenderTranscriptMarkdown(none, {}).find("No questions") != std::string::npos);
}

TEST_CASE("answers: 400 for bad input, 503 with the log off, 200 and nothing for an unknown room")
{
    MemoryRoomLog log;
    std::vector<LogRecord> batch = {Record(LogType::Comment, 1000, "c-1")};
    batch[0].Question = true;
    batch.push_back(Record(LogType::Answered, 2000, "c-1"));
    REQUIRE(log.Append(batch));
    const RoomLogAnswer bad = AnswerRoomLog("/rooms/talk/events?limit=5000", {}, &log);
    CHECK(bad.Status == 400);
    CHECK(nlohmann::json::parse(bad.Body)["error"].get<std::string>().find("limit") != std::string::npos);
    CHECK(AnswerRoomLog("/rooms/talk/events", {}, nullptr).Status == 503);
    const RoomLogAnswer unknown = AnswerRoomLog("/rooms/nobody/events", {}, &log);
    CHECK(unknown.Status == 200);
    CHECK(nlohmann::json::parse(unknown.Body) == nlohmann::json::parse(R"({"room":"nobody","events":[],"next":null})"));
    const RoomLogAnswer one = AnswerRoomLog("/rooms/talk/events?limit=1", {}, &log);
    CHECK(nlohmann::json::parse(one.Body)["next"] == "1000_1");
    const RoomLogAnswer rest = AnswerRoomLog("/rooms/talk/events?limit=1&after=1000_1", {}, &log);
    CHECK(nlohmann::json::parse(rest.Body)["events"][0]["type"] == "answered");
    const RoomLogAnswer md = AnswerRoomLog("/rooms/talk/transcript?from=0", "text/markdown", &log);
    CHECK(md.ContentType.find("text/markdown") == 0);
    CHECK(md.Body.find("answered at 0:02") != std::string::npos);
}

TEST_SUITE_END();
