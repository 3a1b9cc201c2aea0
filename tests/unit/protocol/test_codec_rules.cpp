// Unit tests for codec rules the round-trip and rejection tables leave out: absent and null optionals, list caps,
// unknown error codes, the time range, batch counters, and reasons that name the nested field at fault.
#include <doctest/doctest.h>

#include "livescope/protocol/messages.h"

#include <string>

using namespace livescope;

namespace {
const std::string kUser = R"({"id":"u","name":"Ann","color":"#112233"})";
const std::string kComment = R"({"id":"c","author":)" + kUser + R"(,"text":"hi","server_time":1})";

std::string Repeat(const std::string& item, size_t n)
{
    std::string s;
    for (size_t i = 0; i < n; i++)
        s += (i ? "," : "") + item;
    return s;
}

std::string WelcomeFrame(const std::string& comments, const std::string& tail = "")
{
    return R"({"type":"welcome","v":1,"you":{"id":"u","name":"Ann","color":"#112233","role":"viewer"},"viewers":{"live":1,"total":1},"comments":[)" +
           comments + "]" + tail + "}";
}
} // namespace

TEST_SUITE_BEGIN("protocol/codec_rules");

TEST_CASE("a null optional field reads as absent, in both directions")
{
    const auto join = DecodeClientMessage(R"({"type":"join","v":1,"room":"r","token":null,"client_id":null})");
    REQUIRE(join.Ok());
    CHECK_FALSE(std::get<Join>(join.Value).Token.has_value());
    CHECK_FALSE(std::get<Join>(join.Value).ClientId.has_value());
    const auto post = DecodeClientMessage(R"({"type":"comment","v":1,"text":"hi","stream_time":null})");
    REQUIRE(post.Ok());
    CHECK_FALSE(std::get<CommentPost>(post.Value).StreamTime.has_value());
    const auto missing = DecodeServerFrame(WelcomeFrame(""));
    REQUIRE(missing.Ok());
    CHECK_FALSE(std::get<Welcome>(missing.Value[0]).Pinned.has_value());
    CHECK(EncodeServerMessage(missing.Value[0]).find(R"("pinned":null)") != std::string::npos);
}

TEST_CASE("list fields are capped: 50 history comments and 64 heart colours")
{
    CHECK(DecodeServerFrame(WelcomeFrame(Repeat(kComment, HistoryComments))).Ok());
    const auto over = DecodeServerFrame(WelcomeFrame(Repeat(kComment, HistoryComments + 1)));
    REQUIRE_FALSE(over.Ok());
    CHECK(over.Error->Code == ErrorCode::TooLarge);
    const std::string count = R"({"color":"#aabbcc","count":1})";
    CHECK(DecodeServerFrame(R"({"type":"hearts","v":1,"window_ms":200,"counts":[)" + Repeat(count, 64) + "]}").Ok());
    const auto hearts = DecodeServerFrame(R"({"type":"hearts","v":1,"window_ms":200,"counts":[)" + Repeat(count, 65) + "]}");
    REQUIRE_FALSE(hearts.Ok());
    CHECK(hearts.Error->Code == ErrorCode::TooLarge);
}

TEST_CASE("an error code from a newer relay reads as internal, and an empty message is allowed")
{
    const auto decoded = DecodeServerFrame(R"({"type":"error","v":1,"code":"brand_new_code","message":""})");
    REQUIRE(decoded.Ok());
    const auto& e = std::get<ErrorMessage>(decoded.Value[0]);
    CHECK(e.Code == ErrorCode::Internal);
    CHECK(e.Message.empty());
}

TEST_CASE("times go up to 2^53 ms and no further")
{
    CHECK(DecodeClientMessage(R"({"type":"comment","v":1,"text":"hi","stream_time":9007199254740992})").Ok());
    const auto over = DecodeClientMessage(R"({"type":"comment","v":1,"text":"hi","stream_time":9007199254740993})");
    REQUIRE_FALSE(over.Ok());
    CHECK(over.Error->Code == ErrorCode::BadMessage);
}

TEST_CASE("a batch's dropped counter is optional but never negative")
{
    CHECK(DecodeServerFrame(R"({"type":"batch","v":1,"messages":[]})").Ok());
    const auto negative = DecodeServerFrame(R"({"type":"batch","v":1,"dropped":-1,"messages":[]})");
    REQUIRE_FALSE(negative.Ok());
    CHECK(negative.Error->Code == ErrorCode::BadMessage);
}

TEST_CASE("a refused nested field is named in the reason, with the object it is in")
{
    struct Case
    {
        std::string Text;
        std::string Names;
    };
    const Case cases[] = {
        {WelcomeFrame("", R"(,"pinned":{"id":"c","author":{"id":"u","name":"Ann","color":"red"},"text":"t","server_time":1})"), "author: field 'color'"},
        {WelcomeFrame("7"), "field 'comments' must hold objects"},
        {WelcomeFrame("", R"(,"pinned":7)"), "field 'pinned' must be an object"},
        {R"({"type":"hearts","v":1,"window_ms":200,"counts":[{"color":"#aabbcc"}]})", "hearts: counts: missing field 'count'"},
        {R"({"type":"presence","v":1,"event":"join","user":{"id":"u","name":"","color":"#000000"}})", "user: field 'name'"},
    };
    for (const Case& c : cases)
    {
        CAPTURE(c.Text);
        const auto decoded = DecodeServerFrame(c.Text);
        REQUIRE_FALSE(decoded.Ok());
        CHECK(decoded.Error->Code == ErrorCode::BadMessage);
        CHECK(decoded.Error->Reason.find(c.Names) != std::string::npos);
    }
}

TEST_SUITE_END();
