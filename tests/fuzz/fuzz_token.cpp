// libFuzzer target: VerifyToken (src/server/common) never crashes on any token text; a token it accepts re-mints to the
// same claims, a token never verifies under another secret, and base64url decoding round-trips through the encoder.
#include <livescope/server/common/token.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace livescope;

namespace {

// MintToken writes invalid UTF-8 as U+FFFD (nlohmann's replace handler), so only valid text comes back unchanged.
bool ValidUtf8(const std::string& text)
{
    try
    {
        (void)nlohmann::json(text).dump();
        return true;
    }
    catch (const nlohmann::json::exception&)
    {
        return false;
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size < 2)
        return 0;
    // Byte 0: secret length (0..15, 0 tests the "no secret" path); byte 1: the clock. Then the secret, then the token.
    const size_t secret_len = std::min<size_t>(data[0] % 16, size - 2);
    const int64_t now_s = int64_t(data[1]) * 1000;
    const std::string_view secret(reinterpret_cast<const char*>(data + 2), secret_len);
    const std::string_view token(reinterpret_cast<const char*>(data + 2 + secret_len), size - 2 - secret_len);

    const TokenResult result = VerifyToken(secret, token, now_s);
    if (secret.empty() && result.Error != TokenError::NoSecret)
        std::abort();
    if (result.Ok())
    {
        if (result.Claims.ExpiresAt <= now_s)
            std::abort();
        // What verifies re-mints to a token that verifies to the same claims.
        const TokenResult again = VerifyToken(secret, MintToken(secret, result.Claims), now_s);
        if (!again.Ok() || !(again.Claims == result.Claims))
            std::abort();
        // And the same token never verifies under another secret.
        if (VerifyToken(std::string(secret) + "x", token, now_s).Ok())
            std::abort();
    }

    // Claims built from the input: minting then verifying gives them back (text that is valid UTF-8 unchanged), or
    // refuses them as Malformed (a name the verifier does not accept); never another error: signature and clock are right.
    if (!secret.empty())
    {
        TokenClaims claims;
        claims.Name = std::string(token.substr(0, 40));
        claims.UserRole = data[1] & 1 ? Role::Broadcaster : Role::Viewer;
        claims.ExpiresAt = now_s + 1;
        if (data[1] & 2)
            claims.Room = std::string(token.substr(token.size() / 2, 16));
        const TokenResult minted = VerifyToken(secret, MintToken(secret, claims), now_s);
        if (!minted.Ok() && minted.Error != TokenError::Malformed)
            std::abort();
        if (minted.Ok() && (minted.Claims.UserRole != claims.UserRole || minted.Claims.ExpiresAt != claims.ExpiresAt ||
                            minted.Claims.Room.has_value() != claims.Room.has_value()))
            std::abort();
        if (minted.Ok() && ValidUtf8(claims.Name) && (!claims.Room || ValidUtf8(*claims.Room)) && !(minted.Claims == claims))
            std::abort();
    }

    // base64url: encode then decode is the identity; what decodes re-decodes the same after a re-encode.
    const auto decoded_back = Base64UrlDecode(Base64UrlEncode(token));
    if (!decoded_back || *decoded_back != token)
        std::abort();
    if (const auto decoded = Base64UrlDecode(token))
    {
        const auto twice = Base64UrlDecode(Base64UrlEncode(*decoded));
        if (!twice || *twice != *decoded)
            std::abort();
    }
    return 0;
}
