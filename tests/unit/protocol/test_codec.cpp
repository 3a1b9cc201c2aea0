// Unit tests for the room protocol codec: one round-trip case per message type, and table-driven rejections.
#include <doctest/doctest.h>

#include <livescope/protocol/messages.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

using namespace livescope;

namespace {
Comment SampleComment()
{
    Comment c;
    c.Id = "c-42";
    c.Author = User{"g-1f", "Guest 4821", "#e85d75"};
    c.Text = "hello \xE2\x9D\xA4 \"quoted\"";
    c.ServerTime = 1764000000123;
    c.StreamTime = 1764000000001;
    return c;
}

ClientMessage RoundTripClient(const ClientMessage& m)
{
    const std::string text = EncodeClientMessage(m);
    const auto decoded = DecodeClientMessage(text);
    REQUIRE_MESSAGE(decoded.Ok(), text << " -> " << decoded.Error->Reason);
    return decoded.Value;
}

ServerMessage RoundTripServer(const ServerMessage& m)
{
    const std::string text = EncodeServerMessage(m);
    const auto decoded = DecodeServerFrame(text);
    REQUIRE_MESSAGE(decoded.Ok(), text << " -> " << decoded.Error->Reason);
    REQUIRE(decoded.Value.size() == 1);
    return decoded.Value[0];
}

ErrorCode ClientErrorOf(const std::string& text)
{
    const auto decoded = DecodeClientMessage(text);
    REQUIRE_MESSAGE(!decoded.Ok(), "accepted: " << text);
    return decoded.Error->Code;
}
} // namespace

TEST_SUITE_BEGIN("protocol/codec");

TEST_CASE("join round-trips with and without its optional token")
{
    const Join a{"demo-room", std::nullopt, std::nullopt};
    CHECK(RoundTripClient(a) == ClientMessage(a));
    const Join b{"demo.room_2", std::string("eyJ.abc"), std::string("browser-7")};
    CHECK(RoundTripClient(b) == ClientMessage(b));
    CHECK(std::string(MessageTypeName(ClientMessage(b))) == "join");
}

TEST_CASE("client comment round-trips with and without stream time")
{
    const CommentPost a{"first! \xF0\x9F\x98\x80", std::nullopt};
    CHECK(RoundTripClient(a) == ClientMessage(a));
    const CommentPost b{"at the goal", int64_t{1764000000500}};
    CHECK(RoundTripClient(b) == ClientMessage(b));
}

TEST_CASE("hearts tap round-trips")
{
    const HeartsTap m{7};
    CHECK(RoundTripClient(m) == ClientMessage(m));
}

TEST_CASE("moderation requests round-trip")
{
    CHECK(RoundTripClient(PinRequest{"c-1"}) == ClientMessage(PinRequest{"c-1"}));
    CHECK(RoundTripClient(UnpinRequest{}) == ClientMessage(UnpinRequest{}));
    CHECK(RoundTripClient(DeleteRequest{"c-2"}) == ClientMessage(DeleteRequest{"c-2"}));
    CHECK(RoundTripClient(MuteRequest{"g-9"}) == ClientMessage(MuteRequest{"g-9"}));
}

TEST_CASE("ping and pong round-trip both ways")
{
    CHECK(RoundTripClient(Ping{}) == ClientMessage(Ping{}));
    CHECK(RoundTripClient(Pong{}) == ClientMessage(Pong{}));
    CHECK(RoundTripServer(Ping{}) == ServerMessage(Ping{}));
    CHECK(RoundTripServer(Pong{}) == ServerMessage(Pong{}));
}

TEST_CASE("welcome round-trips with history and pinned comment")
{
    Welcome w;
    w.You = User{"t-ann", "Ann", "#112233"};
    w.YourRole = Role::Broadcaster;
    w.Counts = Viewers{3, 10};
    w.Comments = {SampleComment(), SampleComment()};
    w.Comments[1].Id = "c-43";
    w.Comments[1].StreamTime.reset();
    w.Pinned = SampleComment();
    CHECK(RoundTripServer(w) == ServerMessage(w));
    w.Pinned.reset();
    w.Comments.clear();
    CHECK(RoundTripServer(w) == ServerMessage(w));
}

TEST_CASE("server comment round-trips and keeps its stream time")
{
    const Comment c = SampleComment();
    const ServerMessage back = RoundTripServer(c);
    CHECK(back == ServerMessage(c));
    CHECK(std::get<Comment>(back).StreamTime == int64_t{1764000000001});
}

TEST_CASE("hearts window round-trips with counts per colour")
{
    const HeartsWindow h{200, {{"#e85d75", 12}, {"#4cc9f0", 3}}};
    CHECK(RoundTripServer(h) == ServerMessage(h));
}

TEST_CASE("viewers round-trips")
{
    CHECK(RoundTripServer(Viewers{2, 5}) == ServerMessage(Viewers{2, 5}));
}

TEST_CASE("moderation broadcasts round-trip")
{
    CHECK(RoundTripServer(Pinned{SampleComment()}) == ServerMessage(Pinned{SampleComment()}));
    CHECK(RoundTripServer(Unpinned{}) == ServerMessage(Unpinned{}));
    CHECK(RoundTripServer(Deleted{"c-7"}) == ServerMessage(Deleted{"c-7"}));
    CHECK(RoundTripServer(Muted{"g-3"}) == ServerMessage(Muted{"g-3"}));
}

TEST_CASE("presence round-trips for join and leave")
{
    const Presence a{PresenceEvent::Joined, User{"g-1", "Guest 1", "#aabbcc"}};
    const Presence b{PresenceEvent::Left, User{"g-1", "Guest 1", "#aabbcc"}};
    CHECK(RoundTripServer(a) == ServerMessage(a));
    CHECK(RoundTripServer(b) == ServerMessage(b));
}

TEST_CASE("error round-trips every code by name")
{
    for (ErrorCode code : {ErrorCode::BadJson, ErrorCode::RateLimited, ErrorCode::Forbidden, ErrorCode::BadToken, ErrorCode::UnknownType})
    {
        const ErrorMessage e{code, "because"};
        CHECK(RoundTripServer(e) == ServerMessage(e));
        CHECK(ErrorCodeFromName(ErrorCodeName(code)) == code);
    }
}

TEST_CASE("a batch frame decodes into its messages in order")
{
    const std::vector<ServerMessage> messages = {SampleComment(), HeartsWindow{200, {{"#e85d75", 1}}}, Viewers{1, 1}};
    const std::string text = EncodeServerBatch(messages, 4);
    CHECK(nlohmann::json::parse(text)["dropped"] == 4);
    const auto decoded = DecodeServerFrame(text);
    REQUIRE(decoded.Ok());
    CHECK(decoded.Value == messages);
    CHECK_FALSE(DecodeServerFrame(R"({"type":"batch","v":1,"messages":[{"type":"batch","v":1,"messages":[]}]})").Ok());
}

TEST_CASE("unknown fields are ignored")
{
    const auto decoded = DecodeClientMessage(R"({"type":"hearts","v":1,"count":2,"extra":{"a":[1,2]}})");
    REQUIRE(decoded.Ok());
    CHECK(std::get<HeartsTap>(decoded.Value).Count == 2);
}

TEST_CASE("bad client frames are rejected with the right error code")
{
    struct BadCase
    {
        std::string Text;
        ErrorCode Code;
    };
    const std::string long_comment(281, 'x');
    std::string emoji_comment;
    for (int i = 0; i < 280; i++)
        emoji_comment += "\xF0\x9F\x98\x80"; // 280 code points, 1120 bytes: allowed
    const std::vector<BadCase> cases = {
        {"", ErrorCode::BadJson},
        {"not json", ErrorCode::BadJson},
        {"{\"type\":\"ping\",\"v\":1", ErrorCode::BadJson},
        {"[1,2,3]", ErrorCode::BadJson},
        {"\"ping\"", ErrorCode::BadJson},
        {"{\"type\":\"comment\",\"v\":1,\"text\":\"\xC3(\"}", ErrorCode::BadUtf8},
        {"{\"type\":\"ping\",\"v\":1,\"x\":\"\xED\xA0\x80\"}", ErrorCode::BadUtf8},
        {R"({"v":1})", ErrorCode::BadMessage},
        {R"({"type":"ping"})", ErrorCode::BadMessage},
        {R"({"type":"ping","v":"1"})", ErrorCode::BadMessage},
        {R"({"type":"ping","v":3})", ErrorCode::UnsupportedVersion},
        {R"({"type":"ping","v":0})", ErrorCode::UnsupportedVersion},
        {R"({"type":7,"v":1})", ErrorCode::BadMessage},
        {R"({"type":"dance","v":1})", ErrorCode::UnknownType},
        {R"({"type":"welcome","v":1})", ErrorCode::UnknownType},
        {R"({"type":"join","v":1})", ErrorCode::BadMessage},
        {R"({"type":"join","v":1,"room":""})", ErrorCode::BadMessage},
        {R"({"type":"join","v":1,"room":"a b"})", ErrorCode::BadMessage},
        {R"({"type":"join","v":1,"room":42})", ErrorCode::BadMessage},
        {R"({"type":"join","v":1,"room":"r","token":5})", ErrorCode::BadMessage},
        {R"({"type":"join","v":1,"room":")" + std::string(65, 'r') + "\"}", ErrorCode::TooLarge},
        {R"({"type":"comment","v":1})", ErrorCode::BadMessage},
        {R"({"type":"comment","v":1,"text":""})", ErrorCode::BadMessage},
        {R"({"type":"comment","v":1,"text":"   "})", ErrorCode::BadMessage},
        {R"({"type":"comment","v":1,"text":"a\u0007b"})", ErrorCode::BadMessage},
        {R"({"type":"comment","v":1,"text":["hi"]})", ErrorCode::BadMessage},
        {R"({"type":"comment","v":1,"text":")" + long_comment + "\"}", ErrorCode::TooLarge},
        {R"({"type":"comment","v":1,"text":"hi","stream_time":"soon"})", ErrorCode::BadMessage},
        {R"({"type":"comment","v":1,"text":"hi","stream_time":-5})", ErrorCode::BadMessage},
        {R"({"type":"comment","v":1,"text":"hi","stream_time":1.5})", ErrorCode::BadMessage},
        {R"({"type":"hearts","v":1})", ErrorCode::BadMessage},
        {R"({"type":"hearts","v":1,"count":0})", ErrorCode::BadMessage},
        {R"({"type":"hearts","v":1,"count":101})", ErrorCode::BadMessage},
        {R"({"type":"hearts","v":1,"count":"3"})", ErrorCode::BadMessage},
        {R"({"type":"hearts","v":1,"count":18446744073709551615})", ErrorCode::BadMessage},
        {R"({"type":"pin","v":1})", ErrorCode::BadMessage},
        {R"({"type":"delete","v":1,"comment_id":null})", ErrorCode::BadMessage},
        {R"({"type":"mute","v":1,"user_id":{}})", ErrorCode::BadMessage},
        {"{\"type\":\"ping\",\"v\":1,\"pad\":\"" + std::string(5000, 'p') + "\"}", ErrorCode::TooLarge},
    };
    for (const BadCase& c : cases)
    {
        CAPTURE(c.Text.substr(0, 120));
        CHECK(ClientErrorOf(c.Text) == c.Code);
    }
    const auto ok = DecodeClientMessage(R"({"type":"comment","v":1,"text":")" + emoji_comment + "\"}");
    CHECK(ok.Ok());
}

TEST_CASE("bad server frames are rejected, never thrown")
{
    const std::vector<std::string> cases = {
        R"({"type":"welcome","v":1})",
        R"({"type":"welcome","v":1,"you":{"id":"a","name":"A","color":"red","role":"viewer"},"viewers":{"live":1,"total":1},"comments":[]})",
        R"({"type":"welcome","v":1,"you":{"id":"a","name":"A","color":"#000000","role":"king"},"viewers":{"live":1,"total":1},"comments":[]})",
        R"({"type":"comment","v":1,"id":"c","author":{"id":"a","name":"A","color":"#000000"},"text":"t"})",
        R"({"type":"hearts","v":1,"window_ms":200,"counts":[1]})",
        R"({"type":"viewers","v":1,"live":-1,"total":0})",
        R"({"type":"presence","v":1,"event":"dance","user":{"id":"a","name":"A","color":"#000000"}})",
        R"({"type":"error","v":1,"code":"forbidden"})",
        R"({"type":"batch","v":1,"messages":[1]})",
        R"({"type":"join","v":1,"room":"r"})",
    };
    for (const std::string& text : cases)
    {
        CAPTURE(text);
        CHECK_FALSE(DecodeServerFrame(text).Ok());
    }
}

TEST_CASE("validators accept only well-formed colours, rooms and names")
{
    CHECK(IsValidColor("#A1b2C3"));
    CHECK_FALSE(IsValidColor("#12345"));
    CHECK_FALSE(IsValidColor("123456#"));
    CHECK(IsValidRoomName("live-1.main_2"));
    CHECK_FALSE(IsValidRoomName("../etc"));
    CHECK(IsValidDisplayName("Zo\xC3\xAB"));
    CHECK_FALSE(IsValidDisplayName(std::string(33, 'n')));
    CHECK_FALSE(IsValidDisplayName("tab\there"));
}

TEST_SUITE_END();
