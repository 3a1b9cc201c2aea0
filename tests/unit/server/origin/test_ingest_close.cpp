// Tests for refused publishers' close codes, reasons and subprotocol answer (src/server/origin/include/livescope/server/origin/ingest_close.h).
#include <livescope/server/origin/broadcasts.h>
#include <livescope/server/origin/ingest_close.h>

#include <livescope/server/common/token.h>

#include <doctest/doctest.h>

using namespace livescope;

TEST_SUITE_BEGIN("origin/ingest_close");

TEST_CASE("each refusal of the origin gets its own 4xxx close code")
{
    const std::string secret = "a test secret";
    TokenClaims claims;
    claims.Name = "show";
    claims.UserRole = Role::Broadcaster;
    claims.ExpiresAt = 1000;
    const std::string key = MintToken(secret, claims);
    KeyCheck check = CheckStreamKey(secret, key, "show", 2000); // expired
    CHECK(IngestCloseCode(check.Status, check.Message) == 4410);
    check = CheckStreamKey("another secret", key, "show", 10);
    CHECK(IngestCloseCode(check.Status, check.Message) == 4401);
    check = CheckStreamKey(secret, "", "show", 10);
    CHECK(IngestCloseCode(check.Status, check.Message) == 4401);
    check = CheckStreamKey(secret, key, "other", 10);
    CHECK(IngestCloseCode(check.Status, check.Message) == 4403);
    check = CheckStreamKey("", key, "show", 10);
    CHECK(IngestCloseCode(check.Status, check.Message) == 4503);
    CHECK(IngestCloseCode(409, PublishRefusal(PublishVerdict::Busy, "show", 4)) == 4409);
    CHECK(IngestCloseCode(503, PublishRefusal(PublishVerdict::Full, "show", 4)) == 4429);
    CHECK(IngestCloseCode(400, PublishRefusal(PublishVerdict::BadName, "Bad_Name", 4)) == 4400);
    CHECK(IngestCloseCode(503, "the origin is stopping") == 4503);
    CHECK(IngestCloseCode(200, "") == 4500);
}

TEST_CASE("a close reason fits a close frame and never splits a character")
{
    CHECK(IngestCloseReason("short") == "short");
    const std::string long_ascii(300, 'a');
    CHECK(IngestCloseReason(long_ascii).size() == 123);
    std::string accents;
    for (int i = 0; i < 100; i++)
        accents += "\xC3\xA9"; // é, 2 bytes each
    const std::string cut = IngestCloseReason(accents);
    CHECK(cut.size() == 122);
    CHECK(cut == accents.substr(0, 122));
}

TEST_CASE("a refused handshake answers with the livescope-ingest protocol, else the first offered")
{
    CHECK(IngestRefusalSubprotocol("livescope-ingest, abc.def") == "livescope-ingest");
    CHECK(IngestRefusalSubprotocol("abc.def, livescope-ingest") == "livescope-ingest");
    CHECK(IngestRefusalSubprotocol(" abc.def ") == "abc.def");
    CHECK(IngestRefusalSubprotocol("") == "");
    CHECK(IngestRefusalSubprotocol(" , ") == "");
}
