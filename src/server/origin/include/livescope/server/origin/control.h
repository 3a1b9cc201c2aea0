// Pure rules for the origin's /control endpoints: who may call them (token, method), the control token itself,
// the JSON replies, and whether an encoder exit counts as a failed run.
#pragma once
#include <string>
#include <string_view>

namespace livescope {

// What to answer to a request for a /control/ path, before looking at which endpoint it names.
enum class ControlVerdict
{
    NotFound,         // control is off (no token configured): 404, as for any unknown path
    Preflight,        // OPTIONS: 204 with Allow: POST and no CORS headers, so browsers refuse cross-origin calls
    MethodNotAllowed, // anything but POST and OPTIONS: 405 with Allow: POST
    Unauthorized,     // no "Authorization: Bearer ..." header: 401 with WWW-Authenticate: Bearer
    Forbidden,        // a bearer token that is not the configured one: 403
    Allowed,
};

enum class ControlMethod
{
    Post,
    Options,
    Other,
};

// `token` is the configured control token (empty = control off); `authorization` the request's Authorization header.
ControlVerdict DecideControlAccess(std::string_view token, ControlMethod method, std::string_view authorization);

// The credential of an Authorization header value "Bearer <token>" (RFC 6750: the scheme in any case, then one or more
// spaces; spaces and tabs around the token trimmed); empty when absent or another scheme. Used by /control and by
// DELETE /vod/ (the broadcaster's stream key).
std::string_view BearerToken(std::string_view authorization);

// Compares in time that depends only on the lengths, never on where the first difference is.
bool TokensEqual(std::string_view presented, std::string_view expected);

// The token from a token file or the environment: surrounding whitespace trimmed.
std::string TrimControlToken(std::string_view text);
// A usable token: ControlTokenMinBytes..ControlTokenMaxBytes of visible ASCII (no spaces or controls). False with a reason.
bool ValidateControlToken(std::string_view token, std::string& error);
constexpr size_t ControlTokenMinBytes = 16;
constexpr size_t ControlTokenMaxBytes = 1024;

// {"error":"..."} with the message escaped, one line.
std::string ControlErrorJson(std::string_view message);
// {"restarting":true|false}, one line.
std::string RestartReplyJson(bool restarting);

// What the origin does when an encoder run ends.
struct EncoderExitDecision
{
    int ConsecutiveFailures = 0; // failed runs in a row after this one
    bool GiveUp = false;         // exit with status 2
};

// A run that produced media resets the count; one stopped on request (/control/restart-encoder) never counts as failed,
// whatever it produced; any other run without media counts, and max_failures of them in a row give up.
EncoderExitDecision DecideEncoderExit(int consecutive_failures, bool produced_media, bool restart_requested, int max_failures);

} // namespace livescope
