// Unit tests for join tokens: base64url, minting, verification, expiry and forgery.
#include <doctest/doctest.h>

#include <livescope/server/common/token.h>

#include <string>

using namespace livescope;

TEST_SUITE_BEGIN("server_common/token");

TEST_CASE("base64url round-trips every length and rejects foreign characters")
{
    std::string bytes;
    for (int i = 0; i < 40; i++)
    {
        const std::string enc = Base64UrlEncode(bytes);
        CHECK(enc.find_first_of("+/=") == std::string::npos);
        const auto dec = Base64UrlDecode(enc);
        REQUIRE(dec.has_value());
        CHECK(*dec == bytes);
        bytes += static_cast<char>(i * 37 + 200);
    }
    CHECK_FALSE(Base64UrlDecode("ab+c").has_value());
    CHECK_FALSE(Base64UrlDecode("abcde").has_value());
    CHECK_FALSE(Base64UrlDecode("ab=").has_value());
}

TEST_CASE("HMAC-SHA256 matches the RFC 4231 test case 2")
{
    const std::string mac = HmacSha256("Jefe", "what do ya want for nothing?");
    CHECK(Base64UrlEncode(mac) == "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM");
}

TEST_CASE("a minted token verifies and carries its claims")
{
    TokenClaims claims;
    claims.Name = "Ann Broadcaster";
    claims.UserRole = Role::Broadcaster;
    claims.ExpiresAt = 2000;
    claims.Subject = "ann";
    claims.Room = "demo";
    const std::string token = MintToken("s3cret", claims);
    REQUIRE(token.find('.') != std::string::npos);
    const TokenResult r = VerifyToken("s3cret", token, 1000);
    REQUIRE(r.Ok());
    CHECK(r.Claims == claims);
}

TEST_CASE("expired tokens are refused")
{
    const std::string token = MintToken("s3cret", TokenClaims{"Bob", Role::Viewer, 1000, std::nullopt, std::nullopt});
    CHECK(VerifyToken("s3cret", token, 999).Ok());
    CHECK(VerifyToken("s3cret", token, 1000).Error == TokenError::Expired);
    CHECK(VerifyToken("s3cret", token, 5000).Error == TokenError::Expired);
}

TEST_CASE("forged, altered and malformed tokens are refused")
{
    const TokenClaims viewer{"Eve", Role::Viewer, 5000, std::nullopt, std::nullopt};
    const std::string token = MintToken("s3cret", viewer);
    // Signed with another secret.
    CHECK(VerifyToken("s3cret", MintToken("guess", viewer), 1000).Error == TokenError::BadSignature);
    // Payload swapped for a broadcaster claim, old signature kept.
    TokenClaims promoted = viewer;
    promoted.UserRole = Role::Broadcaster;
    const std::string other = MintToken("guess", promoted);
    const std::string forged = other.substr(0, other.find('.')) + token.substr(token.find('.'));
    CHECK(VerifyToken("s3cret", forged, 1000).Error == TokenError::BadSignature);
    // One flipped signature character.
    std::string flipped = token;
    flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
    CHECK(VerifyToken("s3cret", flipped, 1000).Error == TokenError::BadSignature);
    // Shapes that are not tokens at all.
    for (const char* bad : {"", ".", "abc", "a.b.c", "!!!.???", "eyJ.", ".abc"})
    {
        CAPTURE(bad);
        CHECK_FALSE(VerifyToken("s3cret", bad, 1000).Ok());
    }
    // A correctly signed payload that is not a claims object.
    const std::string payload = Base64UrlEncode("[1,2]");
    const std::string signed_junk = payload + "." + Base64UrlEncode(HmacSha256("s3cret", payload));
    CHECK(VerifyToken("s3cret", signed_junk, 1000).Error == TokenError::Malformed);
    // No secret: nothing verifies.
    CHECK(VerifyToken("", token, 1000).Error == TokenError::NoSecret);
    CHECK(MintToken("", viewer).empty());
}

TEST_CASE("a moderator token carries the moderator role")
{
    const TokenClaims claims{"Mo", Role::Moderator, 2000000000, std::string("mo"), std::nullopt};
    const TokenResult r = VerifyToken("k", MintToken("k", claims), 1900000000);
    REQUIRE(r.Ok());
    CHECK(r.Claims.UserRole == Role::Moderator);
    CHECK(std::string(RoleName(Role::Moderator)) == "moderator");
}

TEST_SUITE_END();
