// Tests for the origin's control rules (src/server/origin/control.h): access, token, JSON replies, restart policy.
#include <livescope/server/origin/control.h>
#include <livescope/server/origin/faults.h>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace livescope;

namespace {

const char* const Token = "0123456789abcdef-token";

} // namespace

TEST_SUITE_BEGIN("origin/control");

TEST_CASE("without a token every control request is not found, whatever it carries")
{
    CHECK(DecideControlAccess("", ControlMethod::Post, "Bearer 0123456789abcdef-token") == ControlVerdict::NotFound);
    CHECK(DecideControlAccess("", ControlMethod::Post, "") == ControlVerdict::NotFound);
    CHECK(DecideControlAccess("", ControlMethod::Options, "") == ControlVerdict::NotFound);
    CHECK(DecideControlAccess("", ControlMethod::Other, "") == ControlVerdict::NotFound);
}

TEST_CASE("only POST is taken, an OPTIONS preflight is answered without granting anything")
{
    CHECK(DecideControlAccess(Token, ControlMethod::Other, std::string("Bearer ") + Token) == ControlVerdict::MethodNotAllowed);
    CHECK(DecideControlAccess(Token, ControlMethod::Options, "") == ControlVerdict::Preflight);
    CHECK(DecideControlAccess(Token, ControlMethod::Post, std::string("Bearer ") + Token) == ControlVerdict::Allowed);
}

TEST_CASE("a missing or malformed Authorization is unauthorized, a wrong token forbidden")
{
    CHECK(DecideControlAccess(Token, ControlMethod::Post, "") == ControlVerdict::Unauthorized);
    CHECK(DecideControlAccess(Token, ControlMethod::Post, "Bearer") == ControlVerdict::Unauthorized);
    CHECK(DecideControlAccess(Token, ControlMethod::Post, "Bearer ") == ControlVerdict::Unauthorized);
    CHECK(DecideControlAccess(Token, ControlMethod::Post, std::string("Basic ") + Token) == ControlVerdict::Unauthorized);
    CHECK(DecideControlAccess(Token, ControlMethod::Post, std::string("Bearer") + Token) == ControlVerdict::Unauthorized);
    CHECK(DecideControlAccess(Token, ControlMethod::Post, "Bearer 0123456789abcdef-tokeN") == ControlVerdict::Forbidden);
    CHECK(DecideControlAccess(Token, ControlMethod::Post, "Bearer 0123456789abcdef-token-and-more") == ControlVerdict::Forbidden);
    CHECK(DecideControlAccess(Token, ControlMethod::Post, "Bearer 0123456789abcdef") == ControlVerdict::Forbidden);
    // The scheme is case-insensitive and extra spaces around the token are allowed (RFC 6750 / RFC 9110).
    CHECK(DecideControlAccess(Token, ControlMethod::Post, std::string("bearer   ") + Token + " ") == ControlVerdict::Allowed);
}

TEST_CASE("tokens compare equal only when every byte and the length match")
{
    CHECK(TokensEqual("abc", "abc"));
    CHECK_FALSE(TokensEqual("abc", "abd"));
    CHECK_FALSE(TokensEqual("abc", "abcd"));
    CHECK_FALSE(TokensEqual("abcd", "abc"));
    CHECK_FALSE(TokensEqual("", "abc"));
    CHECK(TokensEqual("", ""));
    CHECK_FALSE(TokensEqual(std::string_view("ab\0c", 4), std::string_view("ab\0d", 4)));
    CHECK_FALSE(TokensEqual(std::string_view("abc\0", 4), "abc"));
}

TEST_CASE("the token is trimmed, and must be 16 to 1024 visible ASCII characters")
{
    CHECK(TrimControlToken("  0123456789abcdef\r\n") == "0123456789abcdef");
    CHECK(TrimControlToken("\n\t ") == "");
    std::string error;
    CHECK(ValidateControlToken("0123456789abcdef", error));
    CHECK_FALSE(ValidateControlToken("0123456789abcde", error));
    CHECK(error.find("16") != std::string::npos);
    CHECK_FALSE(ValidateControlToken(std::string(1025, 'a'), error));
    CHECK(ValidateControlToken(std::string(1024, 'a'), error));
    CHECK_FALSE(ValidateControlToken("0123456789 abcdef", error));
    CHECK_FALSE(ValidateControlToken("0123456789\x01"
                                     "abcdef",
                                     error));
    CHECK_FALSE(ValidateControlToken("0123456789\xc3\xa9"
                                     "abcdef",
                                     error));
}

TEST_CASE("error replies are valid JSON whatever the message holds")
{
    const std::string hostile = "unknown fault 'x\\q\"}, {\"injected\":1' \x01 \xff";
    const std::string reply = ControlErrorJson(hostile);
    CHECK(reply.back() == '\n');
    const nlohmann::json parsed = nlohmann::json::parse(reply);
    REQUIRE(parsed.is_object());
    CHECK(parsed.size() == 1);
    const std::string text = parsed.at("error").get<std::string>();
    CHECK(text.find("x\\q\"}, {\"injected\":1'") != std::string::npos);

    // A fault query's error quotes the query: the reply still parses.
    FaultPlan plan;
    std::string error;
    REQUIRE_FALSE(plan.Configure("x\\q\"=1", error));
    CHECK(nlohmann::json::parse(ControlErrorJson(error)).at("error").get<std::string>() == error);
    CHECK(nlohmann::json::parse(RestartReplyJson(true)).at("restarting") == true);
    CHECK(nlohmann::json::parse(RestartReplyJson(false)).at("restarting") == false);
}

TEST_CASE("the fault plan is described as JSON")
{
    FaultPlan plan;
    std::string error;
    REQUIRE(plan.Configure("drop=2&delay_ms=300&count=4&status=503", error));
    const nlohmann::json described = nlohmann::json::parse(plan.DescribeJson());
    CHECK(described.at("drop") == 2);
    CHECK(described.at("corrupt") == 0);
    CHECK(described.at("delay").at("ms") == 300);
    CHECK(described.at("delay").at("left") == 4);
    CHECK(described.at("status").at("code") == 503);
    CHECK(described.at("status").at("left") == 4);
    CHECK(described.at("rate_kbps") == 0);
}

TEST_CASE("the restart policy gives up after the limit of runs in a row without media")
{
    int failures = 0;
    for (int run = 1; run <= 2; run++)
    {
        const EncoderExitDecision d = DecideEncoderExit(failures, false, false, 3);
        CHECK_FALSE(d.GiveUp);
        CHECK(d.ConsecutiveFailures == run);
        failures = d.ConsecutiveFailures;
    }
    const EncoderExitDecision third = DecideEncoderExit(failures, false, false, 3);
    CHECK(third.GiveUp);
    CHECK(third.ConsecutiveFailures == 3);
}

TEST_CASE("a run with media resets the restart policy's count")
{
    const EncoderExitDecision d = DecideEncoderExit(2, true, false, 3);
    CHECK_FALSE(d.GiveUp);
    CHECK(d.ConsecutiveFailures == 0);
}

TEST_CASE("a restart asked for never counts as a failed run, even 90 in a row without media")
{
    int failures = 0;
    for (int run = 0; run < 90; run++)
    {
        const EncoderExitDecision d = DecideEncoderExit(failures, false, true, 3);
        REQUIRE_FALSE(d.GiveUp);
        failures = d.ConsecutiveFailures;
    }
    CHECK(failures == 0);
    // Real failures before and after still count, and are not reset by the requested restarts in between.
    EncoderExitDecision d = DecideEncoderExit(0, false, false, 3);
    d = DecideEncoderExit(d.ConsecutiveFailures, false, true, 3);
    CHECK(d.ConsecutiveFailures == 1);
    d = DecideEncoderExit(d.ConsecutiveFailures, false, false, 3);
    CHECK_FALSE(d.GiveUp);
    d = DecideEncoderExit(d.ConsecutiveFailures, false, false, 3);
    CHECK(d.GiveUp);
}

TEST_CASE("the bearer token is taken from an Authorization header (for /control and DELETE /vod/)")
{
    CHECK(BearerToken("Bearer abc.def") == "abc.def");
    CHECK(BearerToken("Bearer  abc ") == "abc");
    CHECK(BearerToken("bearer abc") == "abc"); // the scheme in any case (RFC 6750)
    CHECK(BearerToken("Basic abc").empty());
    CHECK(BearerToken("Bearerabc").empty());
    CHECK(BearerToken("Bearer ").empty());
    CHECK(BearerToken("").empty());
}

TEST_SUITE_END();
