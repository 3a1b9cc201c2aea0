// Pure SRT ingest rules of the origin: what a publisher's SRT stream id says (the stream key alone, or the SRT access
// control form "#!::r=<name>,s=<key>"), the admission check done before libsrt accepts a connection (signature,
// expiry, role broadcaster, the broadcast name), and the SRT reject code a refusal carries. No libsrt, no clocks.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace livescope {

constexpr size_t SrtStreamIdMaxBytes = 512; // bytes, libsrt's limit on SRTO_STREAMID

// What a stream id asks for.
struct SrtStreamId
{
    std::string Name; // the broadcast named by "r=" (empty: the one the key names)
    std::string Key;  // the stream key (a broadcaster token); empty when none was given
};

// "<key>": the whole stream id is the key. "#!::k=v,k=v...": r = the broadcast ("live/<name>" also accepted),
// s = the key; m, when present, must be "publish" and t "stream"; other keys (u, h, ...) are ignored.
// False with a one-line reason (and `status` 400, or 405 for another mode, 415 for another type) when malformed.
bool ParseSrtStreamId(std::string_view text, SrtStreamId& out, std::string& error, int& status);

// The check libsrt's listen callback makes before accepting a publisher.
struct SrtKeyCheck
{
    int Status = 200;    // 200 accepted; else as the WebSocket ingest answers (docs/ingest.md): 400 malformed stream id or
                         // bad name, 401 no key / malformed / bad signature / expired, 403 not a broadcaster or another
                         // broadcast's key, 405 / 415 another mode / type, 503 the origin has no secret
    std::string Name;    // the broadcast (accepted: a valid name, never the demo's)
    std::string Key;     // the stream key
    std::string Message; // the refusal, one line
};
// Parses `stream_id`, finds the broadcast (its "r=" or else the key's own "room" claim, else its "name" claim) and checks
// the key with CheckStreamKey (broadcasts.h) against `secret` at `now_s` (seconds since the epoch).
SrtKeyCheck CheckSrtStreamId(std::string_view secret, std::string_view stream_id, int64_t now_s);

// The SRT reject reason for a refusal of HTTP-like `status`: SRT_REJC_PREDEFINED (1000) + status, the codes of libsrt's
// access_control.h (1401 unauthorized, 1403 forbidden, 1409 conflict, ...).
int SrtRejectReason(int status);

} // namespace livescope
