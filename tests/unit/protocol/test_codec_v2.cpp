// Tests of protocol v2 in messages.h: the new messages round-trip, limits are refused as values, and a v1 peer
// gets exactly v1 frames (no v2 fields, v2-only messages left out, v2 codes and roles mapped).
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <livescope/protocol/messages.h>

#include <string>

using namespace livescope;

namespace {

ClientMessage RoundTripClient(const ClientMessage& m)
{
    const auto d = DecodeClientMessage(EncodeClientMessage(m));
    REQUIRE(d.Ok());
    CHECK(d.Version == 2);
    return d.Value;
}

ServerMessage RoundTripServer(const ServerMessage& m)
{
    const auto d = DecodeServerFrame(EncodeServerMessage(m));
    REQUIRE(d.Ok());
    REQUIRE(d.Value.size() == 1);
    return d.Value[0];
}

Question MakeQuestion(const std::string& id, int64_t votes, int64_t asked_at)
{
    Question q;
    q.Id = id;
    q.Author = User{"u-" + id, "Asker " + id, "#112233"};
    q.Text = "why " + id + "?";
    q.Votes = votes;
    q.AskedAt = asked_at;
    return q;
}

ErrorCode ClientErrorOf(const std::string& text)
{
    const auto d = DecodeClientMessage(text);
    REQUIRE_FALSE(d.Ok());
    return d.Error->Code;
}

} // namespace

TEST_SUITE_BEGIN("protocol/codec_v2");

TEST_CASE("the v2 client messages round-trip")
{
    CommentPost ask;
    ask.Text = "what codec is this?";
    ask.Question = true;
    ask.Nonce = "n7";
    CHECK(RoundTripClient(ask) == ClientMessage(ask));
    CHECK(RoundTripClient(VoteRequest{"c-3", true}) == ClientMessage(VoteRequest{"c-3", true}));
    CHECK(RoundTripClient(VoteRequest{"c-3", false}) == ClientMessage(VoteRequest{"c-3", false}));
    CHECK(RoundTripClient(AnswerRequest{"c-1"}) == ClientMessage(AnswerRequest{"c-1"}));
    CHECK(RoundTripClient(AnsweredRequest{"c-1"}) == ClientMessage(AnsweredRequest{"c-1"}));
    CHECK(RoundTripClient(DismissRequest{"c-1"}) == ClientMessage(DismissRequest{"c-1"}));
    CHECK(RoundTripClient(ApproveRequest{"c-9"}) == ClientMessage(ApproveRequest{"c-9"}));
    CHECK(RoundTripClient(RejectRequest{"c-9"}) == ClientMessage(RejectRequest{"c-9"}));
    CHECK(RoundTripClient(EndRequest{}) == ClientMessage(EndRequest{}));
    MuteRequest mute;
    mute.UserId = "g-1";
    mute.DurationS = 600;
    CHECK(RoundTripClient(mute) == ClientMessage(mute));
    ModesRequest modes;
    modes.SlowS = 30;
    modes.Hold = true;
    modes.BlockedWords = std::vector<std::string>{"spam", "Ärger"};
    CHECK(RoundTripClient(modes) == ClientMessage(modes));
    ModesRequest partial;
    partial.Hold = false;
    CHECK(RoundTripClient(partial) == ClientMessage(partial)); // absent fields stay absent (unchanged)
}

TEST_CASE("the v2 server messages round-trip")
{
    BoardState b;
    b.Open = {MakeQuestion("c-2", 5, 100), MakeQuestion("c-1", 1, 50)};
    b.Answering = MakeQuestion("c-4", 9, 10);
    Question done = MakeQuestion("c-0", 2, 5);
    done.AnsweredAt = 200;
    b.Answered = {done};
    CHECK(RoundTripServer(Board{b}) == ServerMessage(Board{b}));
    CHECK(RoundTripServer(Board{}) == ServerMessage(Board{}));
    CHECK(RoundTripServer(ModesChanged{RoomModes{30, true}}) == ServerMessage(ModesChanged{RoomModes{30, true}}));
    Comment held;
    held.Id = "c-5";
    held.Author = User{"g-1", "Guest 1001", "#aabbcc"};
    held.Text = "hello";
    held.ServerTime = 7;
    held.Question = true;
    CHECK(RoundTripServer(Held{held}) == ServerMessage(Held{held}));
    CHECK(RoundTripServer(held) == ServerMessage(held));
    CHECK(RoundTripServer(Ended{}) == ServerMessage(Ended{}));
    ErrorMessage e;
    e.Code = ErrorCode::SlowMode;
    e.Message = "slow mode: one comment every 30 s";
    e.RetryAfterMs = 12000;
    e.Nonce = "n1";
    CHECK(RoundTripServer(e) == ServerMessage(e));
    Welcome w;
    w.You = User{"u-mod", "Mod", "#010203"};
    w.YourRole = Role::Moderator;
    w.Board = b;
    w.YourVotes = {"c-2"};
    w.Modes = RoomModes{0, true};
    CHECK(RoundTripServer(w) == ServerMessage(w));
}

TEST_CASE("v2 limits are refused as values")
{
    CHECK(ClientErrorOf(R"({"type":"vote","v":2,"id":"c-1"})") == ErrorCode::BadMessage);
    CHECK(ClientErrorOf(R"({"type":"vote","v":2,"id":"c-1","on":1})") == ErrorCode::BadMessage);
    CHECK(ClientErrorOf(R"({"type":"vote","v":2,"on":true})") == ErrorCode::BadMessage);
    CHECK(ClientErrorOf(R"({"type":"modes","v":2,"slow_s":3601})") == ErrorCode::BadMessage);
    CHECK(ClientErrorOf(R"({"type":"modes","v":2,"slow_s":-1})") == ErrorCode::BadMessage);
    CHECK(ClientErrorOf(R"({"type":"modes","v":2,"hold":"yes"})") == ErrorCode::BadMessage);
    CHECK(ClientErrorOf(R"({"type":"modes","v":2,"blocked_words":[""]})") == ErrorCode::BadMessage);
    CHECK(ClientErrorOf(R"({"type":"modes","v":2,"blocked_words":[3]})") == ErrorCode::BadMessage);
    CHECK(ClientErrorOf(R"({"type":"modes","v":2,"blocked_words":["a\u0001"]})") == ErrorCode::BadMessage);
    CHECK(ClientErrorOf(R"({"type":"modes","v":2,"blocked_words":[")" + std::string(41, 'x') + R"("]})") == ErrorCode::TooLarge);
    std::string many = R"({"type":"modes","v":2,"blocked_words":[)";
    for (int i = 0; i < 101; i++)
        many += std::string(i ? "," : "") + "\"w" + std::to_string(i) + "\"";
    CHECK(ClientErrorOf(many + "]}") == ErrorCode::TooLarge);
    CHECK(ClientErrorOf(R"({"type":"mute","v":2,"user_id":"g-1","duration_s":0})") == ErrorCode::BadMessage);
    CHECK(ClientErrorOf(R"({"type":"mute","v":2,"user_id":"g-1","duration_s":604801})") == ErrorCode::BadMessage);
    CHECK(ClientErrorOf(R"({"type":"comment","v":2,"text":"hi","question":"yes"})") == ErrorCode::BadMessage);
    CHECK(ClientErrorOf(R"({"type":"comment","v":2,"text":"hi","nonce":""})") == ErrorCode::BadMessage);
    CHECK(ClientErrorOf(R"({"type":"comment","v":2,"text":"hi","nonce":")" + std::string(65, 'n') + R"("})") == ErrorCode::TooLarge);
    // 64 code points of 2 bytes each are 128 bytes: over the nonce's byte limit.
    std::string wide;
    for (int i = 0; i < 64; i++)
        wide += "\xC3\xA9";
    CHECK(ClientErrorOf(R"({"type":"comment","v":2,"text":"hi","nonce":")" + wide + R"("})") == ErrorCode::BadMessage);
}

TEST_CASE("a full blocked-words list fits in a modes frame, and only modes may be that large")
{
    ModesRequest modes;
    modes.BlockedWords = std::vector<std::string>(MaxBlockedWords, std::string(MaxBlockedWordChars, 'w'));
    const std::string frame = EncodeClientMessage(modes);
    CHECK(frame.size() > MaxClientFrameBytes);
    CHECK(DecodeClientMessage(frame).Ok());
    const std::string big_comment = R"({"type":"comment","v":2,"text":"hi","pad":")" + std::string(MaxClientFrameBytes, 'x') + R"("})";
    CHECK(ClientErrorOf(big_comment) == ErrorCode::TooLarge);
}

TEST_CASE("v1 frames are still read, and the frame's version is reported")
{
    const auto d = DecodeClientMessage(R"({"type":"comment","v":1,"text":"old client"})");
    REQUIRE(d.Ok());
    CHECK(d.Version == 1);
    CHECK(std::get<CommentPost>(d.Value).Text == "old client");
    CHECK_FALSE(std::get<CommentPost>(d.Value).Question);
}

TEST_CASE("a frame without v is a v1 frame")
{
    const auto d = DecodeClientMessage(R"({"type":"ping"})");
    REQUIRE(d.Ok());
    CHECK(d.Version == 1);
    CHECK(DecodeServerFrame(R"({"type":"pong"})").Version == 1);
}

TEST_CASE("a v1 peer gets v1 frames: no v2 fields, no v2-only messages, v1 codes and roles")
{
    Comment q;
    q.Id = "c-1";
    q.Author = User{"g-1", "Guest 1001", "#aabbcc"};
    q.Text = "a question?";
    q.ServerTime = 1;
    q.Question = true;
    const auto j = nlohmann::json::parse(EncodeServerMessage(q, 1));
    CHECK(j["v"] == 1);
    CHECK_FALSE(j.contains("question"));
    CHECK(nlohmann::json::parse(EncodeServerMessage(q, 2))["question"] == true);

    CHECK(EncodeServerMessage(Board{}, 1).empty());
    CHECK(EncodeServerMessage(Ended{}, 1).empty());
    CHECK(EncodeServerMessage(ModesChanged{}, 1).empty());
    CHECK(EncodeServerMessage(Held{q}, 1).empty());

    ErrorMessage slow;
    slow.Code = ErrorCode::SlowMode;
    slow.Message = "slow";
    slow.RetryAfterMs = 5000;
    slow.Nonce = "n1";
    const auto e = nlohmann::json::parse(EncodeServerMessage(slow, 1));
    CHECK(e["code"] == "rate_limited");
    CHECK_FALSE(e.contains("retry_after_ms"));
    CHECK_FALSE(e.contains("nonce"));
    for (const ErrorCode code : {ErrorCode::Blocked, ErrorCode::Held, ErrorCode::Ended})
        CHECK(V1ErrorCode(code) == ErrorCode::Forbidden);

    Welcome w;
    w.You = User{"u-m", "Mod", "#010203"};
    w.YourRole = Role::Moderator;
    w.Board = BoardState{};
    w.Modes = RoomModes{5, false};
    w.YourVotes = {"c-1"};
    const auto wj = nlohmann::json::parse(EncodeServerMessage(w, 1));
    CHECK(wj["you"]["role"] == "viewer");
    CHECK_FALSE(wj.contains("board"));
    CHECK_FALSE(wj.contains("your_votes"));
    CHECK_FALSE(wj.contains("modes"));

    const auto batch = nlohmann::json::parse(EncodeServerBatch({q, Board{}, Ended{}, Viewers{1, 2}}, 0, 1));
    CHECK(batch["v"] == 1);
    REQUIRE(batch["messages"].size() == 2);
    CHECK(batch["messages"][0]["type"] == "comment");
    CHECK(batch["messages"][1]["type"] == "viewers");
    CHECK(nlohmann::json::parse(EncodeServerBatch({q, Board{}, Ended{}}, 0, 2))["messages"].size() == 3);
}

TEST_CASE("the board keeps at most 50 open and 20 answered questions")
{
    BoardState b;
    for (int i = 0; i < 51; i++)
        b.Open.push_back(MakeQuestion("c-" + std::to_string(i), 0, i));
    CHECK_FALSE(DecodeServerFrame(EncodeServerMessage(Board{b})).Ok());
    b.Open.pop_back();
    CHECK(DecodeServerFrame(EncodeServerMessage(Board{b})).Ok());
}

TEST_SUITE_END();

TEST_SUITE_BEGIN("protocol/codec_v2_stream_time");

TEST_CASE("hearts and votes carry an optional stream_time in v2 and a v1 peer never sees it")
{
    HeartsTap tap;
    tap.Count = 4;
    tap.StreamTime = 1764427200123;
    CHECK(RoundTripClient(tap) == ClientMessage(tap));
    const auto v1 = nlohmann::json::parse(EncodeClientMessage(tap, 1));
    CHECK_FALSE(v1.contains("stream_time"));
    CHECK(v1["count"] == 4);
    // A v1 frame (no field) still decodes, without a stream time.
    const auto old = DecodeClientMessage(R"({"type":"hearts","v":1,"count":2})");
    REQUIRE(old.Ok());
    CHECK_FALSE(std::get<HeartsTap>(old.Value).StreamTime.has_value());

    VoteRequest vote{"c-3", true, 1764427200456};
    CHECK(RoundTripClient(vote) == ClientMessage(vote));
    CHECK(nlohmann::json::parse(EncodeClientMessage(vote))["stream_time"] == 1764427200456);
    CHECK_FALSE(nlohmann::json::parse(EncodeClientMessage(VoteRequest{"c-3", true}))["stream_time"].is_number());

    CHECK(ClientErrorOf(R"({"type":"hearts","v":2,"count":1,"stream_time":-1})") == ErrorCode::BadMessage);
    CHECK(ClientErrorOf(R"({"type":"vote","v":2,"id":"c-1","on":true,"stream_time":"x"})") == ErrorCode::BadMessage);
}

TEST_SUITE_END();
