// Pure rules for the origin's /control endpoints: access, token, JSON replies and the encoder restart policy.
#include <livescope/server/origin/control.h>

#include <nlohmann/json.hpp>

namespace livescope {

ControlVerdict DecideControlAccess(std::string_view token, ControlMethod method, std::string_view authorization)
{
    if (token.empty())
        return ControlVerdict::NotFound;
    if (method == ControlMethod::Options)
        return ControlVerdict::Preflight;
    if (method != ControlMethod::Post)
        return ControlVerdict::MethodNotAllowed;
    const std::string_view presented = BearerToken(authorization);
    if (presented.empty())
        return ControlVerdict::Unauthorized;
    return TokensEqual(presented, token) ? ControlVerdict::Allowed : ControlVerdict::Forbidden;
}

std::string_view BearerToken(std::string_view authorization)
{
    // RFC 6750: "Bearer" is case-insensitive, then one or more spaces, then the token.
    constexpr std::string_view scheme = "bearer";
    if (authorization.size() <= scheme.size())
        return {};
    for (size_t i = 0; i < scheme.size(); i++)
        if ((authorization[i] | 0x20) != scheme[i])
            return {};
    std::string_view presented = authorization.substr(scheme.size());
    if (presented.front() != ' ')
        return {};
    while (!presented.empty() && (presented.front() == ' ' || presented.front() == '\t'))
        presented.remove_prefix(1);
    while (!presented.empty() && (presented.back() == ' ' || presented.back() == '\t'))
        presented.remove_suffix(1);
    return presented;
}

bool TokensEqual(std::string_view presented, std::string_view expected)
{
    // Walk the longer of the two whole, so neither the content nor the shorter length decides when the loop stops.
    const size_t length = presented.size() > expected.size() ? presented.size() : expected.size();
    unsigned difference = presented.size() == expected.size() ? 0u : 1u;
    for (size_t i = 0; i < length; i++)
    {
        const unsigned a = i < presented.size() ? static_cast<unsigned char>(presented[i]) : 0u;
        const unsigned b = i < expected.size() ? static_cast<unsigned char>(expected[i]) : 0u;
        difference |= a ^ b;
    }
    return difference == 0;
}

std::string TrimControlToken(std::string_view text)
{
    const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; };
    while (!text.empty() && space(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && space(text.back()))
        text.remove_suffix(1);
    return std::string(text);
}

bool ValidateControlToken(std::string_view token, std::string& error)
{
    if (token.size() < ControlTokenMinBytes || token.size() > ControlTokenMaxBytes)
    {
        error = "the control token must be " + std::to_string(ControlTokenMinBytes) + " to " + std::to_string(ControlTokenMaxBytes) +
                " characters long (it is " + std::to_string(token.size()) + ")";
        return false;
    }
    for (const char c : token)
        if (c <= ' ' || c > '~')
        {
            error = "the control token may hold only visible ASCII characters (no spaces or control characters)";
            return false;
        }
    return true;
}

std::string ControlErrorJson(std::string_view message)
{
    // Invalid UTF-8 in a message (it quotes the request) is replaced, never a throw.
    return nlohmann::json{{"error", std::string(message)}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string RestartReplyJson(bool restarting) { return nlohmann::json{{"restarting", restarting}}.dump() + "\n"; }

EncoderExitDecision DecideEncoderExit(int consecutive_failures, bool produced_media, bool restart_requested, int max_failures)
{
    EncoderExitDecision decision;
    if (restart_requested)
    {
        decision.ConsecutiveFailures = produced_media ? 0 : consecutive_failures;
        return decision;
    }
    decision.ConsecutiveFailures = produced_media ? 0 : consecutive_failures + 1;
    decision.GiveUp = decision.ConsecutiveFailures >= max_failures;
    return decision;
}

} // namespace livescope
