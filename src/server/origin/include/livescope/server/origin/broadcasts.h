// Pure broadcast rules of the origin: names, the life of a broadcast (starting, live, stalled, ended), who may publish,
// the /live/ path split (which broadcast a request is for) and /live/index.json. No clocks: callers pass times in.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace livescope {

constexpr size_t BroadcastNameMaxBytes = 64;
constexpr size_t BroadcastTitleMaxBytes = 200;
constexpr const char* DemoBroadcastName = "demo";

// [a-z0-9-]{1,64}
bool ValidBroadcastName(std::string_view name);

enum class BroadcastPhase
{
    Starting, // a publisher is connected, no complete part yet (not listed)
    Live,     // media flows
    Stalled,  // the publisher dropped; viewers keep the playlist and wait for it (listed as live) until the grace ends
    Ended,    // the playlist carries EXT-X-ENDLIST; nothing more will be added
};

// "starting", "live" (Live and Stalled), "ended".
const char* BroadcastStateName(BroadcastPhase phase);

// The life of one broadcast. Times are ms since the Unix epoch.
struct BroadcastLife
{
    BroadcastPhase Phase = BroadcastPhase::Starting;
    bool Publishing = false; // a publisher is connected now
    int64_t StartedMs = 0;   // first complete part (Live)
    int64_t EndedMs = 0;     // when it ended
    int64_t GoneSinceMs = 0; // when the publisher last dropped

    void PublisherConnected();
    // A complete part arrived. True the first time (the broadcast just started: announce it).
    // first_pdt_ms: the PROGRAM-DATE-TIME of that first part (0: unknown). `StartedMs` becomes it when it is not in the
    // future, so a broadcast's stream times (its PDTs, the room log's stream_time) all lie in [StartedMs, EndedMs].
    bool PartArrived(int64_t now_ms, int64_t first_pdt_ms = 0);
    // The publisher dropped. True when the broadcast had never gone live: it is simply forgotten.
    bool PublisherGone(int64_t now_ms);
    // Past the grace period without a publisher: the broadcast ends now (true once; announce it).
    bool Expire(int64_t now_ms, int64_t grace_ms);
    bool Active() const { return Phase != BroadcastPhase::Ended; }
};

enum class PublishVerdict
{
    Start,   // a new broadcast (or a new life for an ended name)
    Resume,  // the same broadcast continues after EXT-X-DISCONTINUITY (its publisher came back within the grace)
    BadName, // 400
    Busy,    // 409: a publisher is already connected for this name
    Full,    // 503: --max-broadcasts broadcasts are active
};
// `existing` is the broadcast of that name (nullptr when none); `active` counts the broadcasts not ended.
PublishVerdict DecidePublish(std::string_view name, const BroadcastLife* existing, size_t active, size_t max_broadcasts);
// The message a refused publisher gets, one line.
std::string PublishRefusal(PublishVerdict verdict, std::string_view name, size_t max_broadcasts);

// Which broadcast a /live/ path is for.
struct LivePath
{
    enum class Kind
    {
        Other,     // not a /live/ path the split knows: route as is
        Index,     // /live/index.json
        Broadcast, // Broadcast's media: route Inner (a path of the single-broadcast form) on its state
    };
    Kind PathKind = Kind::Other;
    std::string Broadcast;
    std::string Inner; // "/live/master.m3u8", "/live/720p/index.m3u8", "/live/720p/part-....m4s"
};
// /live/<name>/master.m3u8 and /live/<name>/<rendition>/<file> are broadcast <name>'s; the older /live/master.m3u8 and
// /live/<rendition>/<file> are the demo's (an alias; told apart by the number of path components).
LivePath SplitLivePath(std::string_view path);

struct BroadcastSummary
{
    std::string Name;
    std::string Title;
    BroadcastPhase Phase = BroadcastPhase::Starting;
    bool Publishing = false;
    int64_t StartedMs = 0; // ms since the epoch
    int64_t EndedMs = 0;   // ms since the epoch, when ended
    std::string Id;        // the run id (recording.h); empty: none
    std::string Replay;    // "/vod/<name>/<id>/master.m3u8" once ended and recorded; empty: none
    std::string Top;       // published: "copy" or "transcode" (the top rendition's video); empty: the demo
};
// {"broadcasts":[{"name","title","state","publishing","started_at","ended_at"?,"master","id"?,"started","ended"?,
// "replay"?,"top"?}...]} (started/ended: ms since the epoch); starting ones are left out.
std::string RenderBroadcastIndex(const std::vector<BroadcastSummary>& broadcasts);

// A publisher's stream key: a broadcaster token of the shared token library (<livescope/server/common/token.h>) for this broadcast.
struct KeyCheck
{
    int Status = 200;    // 200 accepted; 401 no key, malformed, bad signature or expired; 403 not a broadcaster or not this
                         // broadcast's key; 503 the origin has no secret (ingest off)
    std::string Message; // the refusal, one line
};
// The token must verify with `secret` (signature, expiry against now_s, seconds since the epoch), have role broadcaster,
// and name this broadcast: its "room" claim when it has one, else its "name" claim.
KeyCheck CheckStreamKey(std::string_view secret, std::string_view token, std::string_view name, int64_t now_s);
// The key from the query ("token=...") or else from the Sec-WebSocket-Protocol list ("livescope-ingest, <key>" or just
// "<key>"). `subprotocol` is what the handshake must answer with (empty when the key came in the query).
std::string FindStreamKey(std::string_view query, std::string_view protocols, std::string& subprotocol);
// The tokens of a Sec-WebSocket-Protocol list, trimmed of spaces and tabs, empty ones left out (views into `protocols`).
std::vector<std::string_view> SplitSubprotocols(std::string_view protocols);
constexpr const char* IngestSubprotocol = "livescope-ingest";

// Webhooks: {"event":"broadcast.started"|"broadcast.ended","name","title","state","started_at","ended_at"?,"at","id"?,
// "replay"?}.
std::string WebhookBody(std::string_view event, const BroadcastSummary& broadcast, int64_t now_ms);
// "sha256=" + lowercase hex of HMAC-SHA256(secret, body): the X-Livescope-Signature header.
std::string WebhookSignature(std::string_view secret, std::string_view body);

struct HttpUrl
{
    std::string Host;
    std::string Port = "80";
    std::string Target = "/"; // path and query
};
// http://host[:port][/path]; false with a reason (https and anything else are refused).
bool ParseHttpUrl(std::string_view url, HttpUrl& out, std::string& error);


} // namespace livescope
