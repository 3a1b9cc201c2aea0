// Join-token minting and verification (HMAC-SHA256 via OpenSSL; the rest is pure).
#include <livescope/server/common/token.h>

#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace livescope {
namespace {
constexpr char Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int DecodeChar(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}
} // namespace

const char* TokenErrorName(TokenError error)
{
    switch (error)
    {
        case TokenError::None: return "ok";
        case TokenError::Malformed: return "malformed token";
        case TokenError::BadSignature: return "bad token signature";
        case TokenError::Expired: return "token expired";
        case TokenError::NoSecret: return "this relay accepts no tokens (no secret configured)";
    }
    return "bad token";
}

std::string Base64UrlEncode(std::string_view bytes)
{
    std::string out;
    out.reserve((bytes.size() * 4 + 2) / 3);
    size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3)
    {
        const uint32_t v = (static_cast<uint32_t>(static_cast<uint8_t>(bytes[i])) << 16) |
                           (static_cast<uint32_t>(static_cast<uint8_t>(bytes[i + 1])) << 8) |
                           static_cast<uint32_t>(static_cast<uint8_t>(bytes[i + 2]));
        out += Alphabet[(v >> 18) & 63];
        out += Alphabet[(v >> 12) & 63];
        out += Alphabet[(v >> 6) & 63];
        out += Alphabet[v & 63];
    }
    const size_t rest = bytes.size() - i;
    if (rest == 1)
    {
        const uint32_t v = static_cast<uint32_t>(static_cast<uint8_t>(bytes[i])) << 16;
        out += Alphabet[(v >> 18) & 63];
        out += Alphabet[(v >> 12) & 63];
    }
    else if (rest == 2)
    {
        const uint32_t v = (static_cast<uint32_t>(static_cast<uint8_t>(bytes[i])) << 16) |
                           (static_cast<uint32_t>(static_cast<uint8_t>(bytes[i + 1])) << 8);
        out += Alphabet[(v >> 18) & 63];
        out += Alphabet[(v >> 12) & 63];
        out += Alphabet[(v >> 6) & 63];
    }
    return out;
}

std::optional<std::string> Base64UrlDecode(std::string_view text)
{
    if (text.size() % 4 == 1)
        return std::nullopt;
    std::string out;
    out.reserve(text.size() * 3 / 4);
    uint32_t acc = 0;
    int bits = 0;
    for (const char c : text)
    {
        const int d = DecodeChar(c);
        if (d < 0)
            return std::nullopt;
        acc = (acc << 6) | static_cast<uint32_t>(d);
        bits += 6;
        if (bits >= 8)
        {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xFF);
        }
    }
    // Leftover bits must be zero (canonical encoding), so one token has one spelling.
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
        return std::nullopt;
    return out;
}

std::string HmacSha256(std::string_view secret, std::string_view data)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    const unsigned char* ok = HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
                                   reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &md_len);
    if (!ok)
        return std::string();
    return std::string(reinterpret_cast<const char*>(md), md_len);
}

std::string MintToken(std::string_view secret, const TokenClaims& claims)
{
    if (secret.empty())
        return std::string();
    nlohmann::json j = {{"name", claims.Name}, {"role", RoleName(claims.UserRole)}, {"exp", claims.ExpiresAt}};
    if (claims.Subject)
        j["sub"] = *claims.Subject;
    if (claims.Room)
        j["room"] = *claims.Room;
    const std::string payload = Base64UrlEncode(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return payload + "." + Base64UrlEncode(HmacSha256(secret, payload));
}

TokenResult VerifyToken(std::string_view secret, std::string_view token, int64_t now_s)
{
    TokenResult result;
    if (secret.empty())
    {
        result.Error = TokenError::NoSecret;
        return result;
    }
    const size_t dot = token.find('.');
    if (dot == std::string_view::npos || token.size() > MaxTokenBytes || token.find('.', dot + 1) != std::string_view::npos)
    {
        result.Error = TokenError::Malformed;
        return result;
    }
    const std::string_view payload = token.substr(0, dot);
    const auto signature = Base64UrlDecode(token.substr(dot + 1));
    const std::string expected = HmacSha256(secret, payload);
    if (!signature || signature->size() != expected.size() || expected.empty() ||
        CRYPTO_memcmp(signature->data(), expected.data(), expected.size()) != 0)
    {
        result.Error = TokenError::BadSignature;
        return result;
    }
    const auto json_text = Base64UrlDecode(payload);
    if (!json_text)
    {
        result.Error = TokenError::Malformed;
        return result;
    }
    const auto j = nlohmann::json::parse(*json_text, nullptr, false);
    try
    {
        if (j.is_discarded() || !j.is_object() || !j.contains("name") || !j["name"].is_string() || !j.contains("exp") ||
            !j["exp"].is_number_integer() || !j.contains("role") || !j["role"].is_string())
        {
            result.Error = TokenError::Malformed;
            return result;
        }
        TokenClaims& c = result.Claims;
        c.Name = j["name"].get<std::string>();
        c.ExpiresAt = j["exp"].get<int64_t>();
        const std::string role = j["role"].get<std::string>();
        if (role == "broadcaster")
            c.UserRole = Role::Broadcaster;
        else if (role == "viewer")
            c.UserRole = Role::Viewer;
        else if (role == "moderator")
            c.UserRole = Role::Moderator;
        else
            result.Error = TokenError::Malformed;
        if (j.contains("sub") && j["sub"].is_string())
            c.Subject = j["sub"].get<std::string>();
        if (j.contains("room") && j["room"].is_string())
            c.Room = j["room"].get<std::string>();
        if (!IsValidDisplayName(c.Name) || (c.Subject && (c.Subject->empty() || c.Subject->size() > MaxIdChars - 2)))
            result.Error = TokenError::Malformed;
    }
    catch (...)
    {
        result.Error = TokenError::Malformed;
        return result;
    }
    if (result.Ok() && result.Claims.ExpiresAt <= now_s)
        result.Error = TokenError::Expired;
    return result;
}

} // namespace livescope
