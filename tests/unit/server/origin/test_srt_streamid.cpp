// Tests for the origin's SRT ingest rules (src/server/origin/srt_streamid.h): stream id forms, the pre-accept key check
// and the reject codes a refused publisher gets.
#include <livescope/server/origin/srt_streamid.h>

#include <livescope/server/common/token.h>

#include <doctest/doctest.h>

using namespace livescope;

namespace {

constexpr int64_t Now = 1764000000; // s
const char* const Secret = "shared-secret-for-srt-tests";

std::string Key(std::string name, Role role = Role::Broadcaster, int64_t expires_s = Now + 600, std::optional<std::string> room = std::nullopt,
                const char* secret = Secret)
{
    TokenClaims claims;
    claims.Name = std::move(name);
    claims.UserRole = role;
    claims.ExpiresAt = expires_s;
    claims.Room = std::move(room);
    return MintToken(secret, claims);
}

SrtStreamId Parse(std::string_view text, bool expect_ok = true, int expect_status = 400)
{
    SrtStreamId out;
    std::string error;
    int status = 0;
    const bool ok = ParseSrtStreamId(text, out, error, status);
    CHECK(ok == expect_ok);
    if (!ok)
    {
        CHECK(status == expect_status);
        CHECK_FALSE(error.empty());
    }
    return out;
}

} // namespace

TEST_SUITE_BEGIN("origin/srt");

TEST_CASE("a plain stream id is the stream key itself")
{
    const std::string key = Key("my-show");
    const SrtStreamId id = Parse(key);
    CHECK(id.Key == key);
    CHECK(id.Name.empty());
    CHECK(Parse("").Key.empty());
}

TEST_CASE("the access control form names the broadcast with r= and carries the key in s=")
{
    SrtStreamId id = Parse("#!::r=my-show,s=abc.def");
    CHECK(id.Name == "my-show");
    CHECK(id.Key == "abc.def");
    id = Parse("#!::u=alice,r=live/my-show,m=publish,t=stream,h=example,s=abc.def,x-custom=1");
    CHECK(id.Name == "my-show"); // "live/" is the RTMP-style application some tools add
    CHECK(id.Key == "abc.def");
    id = Parse("#!::s=abc.def");
    CHECK(id.Name.empty());
    CHECK(id.Key == "abc.def");
}

TEST_CASE("a malformed access control stream id is refused with a reason")
{
    Parse("#!::r=a,r=b,s=k", false, 400);
    Parse("#!::s=k,s=k", false, 400);
    Parse("#!::r,s=k", false, 400);
    Parse("#!::=x,s=k", false, 400);
    Parse("#!::r=,s=k", false, 400);
    Parse("#!::r=live/,s=k", false, 400);
    Parse("#!::r=a,s=k,m=request", false, 405);
    Parse("#!::r=a,s=k,t=file", false, 415);
    Parse(std::string(513, 'k'), false, 400);
}

TEST_CASE("a valid broadcaster key is accepted for the broadcast it names")
{
    const std::string key = Key("my-show");
    SrtKeyCheck check = CheckSrtStreamId(Secret, key, Now);
    CHECK(check.Status == 200);
    CHECK(check.Name == "my-show");
    CHECK(check.Key == key);
    check = CheckSrtStreamId(Secret, "#!::r=my-show,s=" + key, Now);
    CHECK(check.Status == 200);
    CHECK(check.Name == "my-show");
    // A token with a room claim publishes that room's broadcast, as on the WebSocket path.
    check = CheckSrtStreamId(Secret, Key("Alice Smith", Role::Broadcaster, Now + 600, "alice-live"), Now);
    CHECK(check.Status == 200);
    CHECK(check.Name == "alice-live");
}

TEST_CASE("wrong, expired and other keys are refused before the connection is accepted")
{
    CHECK(CheckSrtStreamId(Secret, "", Now).Status == 401);
    CHECK(CheckSrtStreamId(Secret, "#!::r=my-show", Now).Status == 401);
    CHECK(CheckSrtStreamId(Secret, "not-a-token", Now).Status == 401);
    CHECK(CheckSrtStreamId(Secret, Key("my-show", Role::Broadcaster, Now + 600, std::nullopt, "another-secret"), Now).Status == 401);
    const SrtKeyCheck expired = CheckSrtStreamId(Secret, Key("my-show", Role::Broadcaster, Now - 1), Now);
    CHECK(expired.Status == 401);
    CHECK(expired.Message.find("expired") != std::string::npos);
    CHECK(CheckSrtStreamId(Secret, Key("my-show", Role::Viewer), Now).Status == 403);
    CHECK(CheckSrtStreamId(Secret, "#!::r=other-show,s=" + Key("my-show"), Now).Status == 403);
    CHECK(CheckSrtStreamId("", Key("my-show"), Now).Status == 503);
}

TEST_CASE("a name that is no broadcast name, or the demo's, is refused")
{
    CHECK(CheckSrtStreamId(Secret, "#!::r=Bad_Name,s=" + Key("Bad_Name"), Now).Status == 400);
    CHECK(CheckSrtStreamId(Secret, "#!::r=demo,s=" + Key("demo"), Now).Status == 400);
    CHECK(CheckSrtStreamId(Secret, Key("demo"), Now).Status == 400);
    // A valid key whose name claim is a display name, not a broadcast name.
    const SrtKeyCheck display = CheckSrtStreamId(Secret, Key("Alice Smith"), Now);
    CHECK(display.Status == 400);
    CHECK_FALSE(display.Message.empty());
}

TEST_CASE("a refusal's SRT reject reason is libsrt's predefined code for its status")
{
    CHECK(SrtRejectReason(400) == 1400); // SRT_REJX_BAD_REQUEST
    CHECK(SrtRejectReason(401) == 1401); // SRT_REJX_UNAUTHORIZED
    CHECK(SrtRejectReason(403) == 1403); // SRT_REJX_FORBIDDEN
    CHECK(SrtRejectReason(409) == 1409); // SRT_REJX_CONFLICT
    CHECK(SrtRejectReason(503) == 1503); // SRT_REJX_DOWN
    CHECK(SrtRejectReason(200) == 1000); // SRT_REJX_FALLBACK
}

TEST_SUITE_END();
