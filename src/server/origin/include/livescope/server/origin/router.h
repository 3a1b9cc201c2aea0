// Pure HTTP routing of the origin: a request and a view of the live state in, what to answer out (status, body,
// headers, or hold / drop / stream). No sockets and no clocks: the HTTP session (http_session.h) carries it out.
#pragma once
#include <livescope/server/origin/encoder_args.h>
#include <livescope/server/origin/faults.h>
#include <livescope/server/origin/fmp4.h>
#include <livescope/server/origin/live_playlist.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace livescope {

struct RouterRequest
{
    std::string_view Path;  // "/live/720p/index.m3u8"
    std::string_view Query; // without '?'
    bool Head = false;
    unsigned Version = 11; // HTTP version x 10
    bool TimedOut = false; // the hold timeout has passed: answer 503 instead of holding again
};

// One rendition as the router sees it (pointers into the origin's state, valid for the call).
struct RouterRendition
{
    const RenditionSpec* Spec = nullptr;
    const LiveRendition* Live = nullptr;
    const Mp4InitInfo* Init = nullptr; // meaningful when HaveInit
    bool HaveInit = false;
    const DvrWindow* Dvr = nullptr; // recorded segments (DVR window); nullptr when the broadcast is not recorded
    std::string RecordDir;          // its recording directory ("<data-dir>/<name>/<id>/<rendition>"), with Dvr
};

struct RouterState
{
    std::string_view Session; // boot id in media URIs
    bool Ready = false;       // every rendition has a complete segment
    bool Stopping = false;
    int FrameRate = 30; // frames per second, for the multivariant playlist
    std::vector<RouterRendition> Renditions;
};

struct RouteDecision
{
    enum class Kind
    {
        Respond,    // Status, ContentType, CacheControl, Body (after DelayMs)
        Hold,       // wait for new media (or the hold timeout) and route again
        Drop,       // close the connection without answering (after DelayMs), fault injection
        StreamPart, // chunked response of part StreamNumber of rendition StreamRendition while it is built
        Control,    // a /control/ path: the origin answers it (it changes the origin, not the stream)
        SendFile,   // a recorded file (FilePath, video/mp4, immutable): a DVR segment older than the live window
    };
    Kind DecisionKind = Kind::Respond;
    int Status = 200;
    std::string ContentType;
    std::string CacheControl;
    std::string Body;
    uint32_t DelayMs = 0;        // ms, fault injection
    uint32_t RateKbps = 0;       // kbit/s, fault injection: pace the body (Respond, StreamPart); 0 = unpaced
    std::string StreamBroadcast; // set by the origin (the router sees one broadcast)
    size_t StreamRendition = 0;
    uint64_t StreamNumber = 0;
    std::string FilePath; // SendFile
    std::string ContentRange; // "bytes <first>-<last>/<size>" (206) or "bytes */<size>" (416); empty: none (ApplyByteRange)
    bool AcceptRanges = false; // says "Accept-Ranges: bytes" (a file that takes Range requests)
};

// [SECTION] Byte ranges (RFC 9110 section 14; the recorded files under /vod/)

// One Range header against a representation of `size` bytes. Single ranges only: "bytes=a-b", "bytes=a-" and the
// suffix "bytes=-n"; a `last` past the end is cut to it.
struct ByteRange
{
    enum class Kind
    {
        Whole,         // no Range header, another unit, or several ranges: the whole file (200)
        Partial,       // First..Last (inclusive): 206
        Unsatisfiable, // a malformed bytes range, or one that starts at or past the end: 416
    };
    Kind RangeKind = Kind::Whole;
    uint64_t First = 0, Last = 0; // bytes, inclusive
};
ByteRange ParseByteRange(std::string_view header, uint64_t size);

// A 200 reply with its whole body, answered as the Range header asks: 206 with the slice and Content-Range, 416 with
// "bytes */<size>", or unchanged (200, Accept-Ranges). Other statuses are returned as they are.
RouteDecision ApplyByteRange(RouteDecision whole, std::string_view range_header);

// Routes one request. Media parts and segments consume the fault plan (one FaultPlan::Next per answered request).
RouteDecision Route(const RouterRequest& request, const RouterState& state, FaultPlan& faults);

} // namespace livescope
