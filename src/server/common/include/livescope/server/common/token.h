// Signed tokens shared by the relay (join tokens) and the origin (stream keys): base64url(JSON claims) "." base64url(HMAC-SHA256).
#pragma once
#include "livescope/protocol/messages.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace livescope {

struct TokenClaims
{
    std::string Name; // display name, 1..32 code points
    Role UserRole = Role::Viewer;
    int64_t ExpiresAt = 0;              // seconds since the Unix epoch
    std::optional<std::string> Subject; // stable user id; default: derived from the name
    std::optional<std::string> Room;    // when set, the token is valid only for this room
    bool operator==(const TokenClaims&) const = default;
};

enum class TokenError
{
    None,
    Malformed,    // not two base64url parts, or the payload is not the expected JSON
    BadSignature, // the HMAC does not match (forged, or signed with another secret)
    Expired,      // ExpiresAt <= now
    NoSecret,     // the relay has no secret configured, so no token can be trusted
};
const char* TokenErrorName(TokenError error);

struct TokenResult
{
    TokenClaims Claims;
    TokenError Error = TokenError::None;
    bool Ok() const { return Error == TokenError::None; }
};

std::string Base64UrlEncode(std::string_view bytes);
std::optional<std::string> Base64UrlDecode(std::string_view text); // nullopt on any non-alphabet byte or bad length

// HMAC-SHA256(secret, data), 32 raw bytes.
std::string HmacSha256(std::string_view secret, std::string_view data);

// Signs `claims`. Returns an empty string when the secret is empty.
std::string MintToken(std::string_view secret, const TokenClaims& claims);
// Checks signature (constant-time), then claims, then expiry against `now_s` (seconds since the epoch). Never throws.
TokenResult VerifyToken(std::string_view secret, std::string_view token, int64_t now_s);

} // namespace livescope
