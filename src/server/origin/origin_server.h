// The livescope-origin edge: Boost.Beast HTTP server, ffmpeg child process and the glue to the pure live window.
#pragma once
#include <livescope/server/origin/encoder_args.h>
#include <livescope/server/origin/rtmp.h>

#include <cstdint>
#include <string>

namespace livescope {

struct OriginOptions
{
    std::string Host = "127.0.0.1";
    uint16_t Port = 0; // 0 = pick one
    EncoderConfig Encoder;
    size_t WindowSegments = 10; // complete segments kept per rendition
    int MaxEncoderFailures = 3; // consecutive ffmpeg runs that produce nothing before giving up (restarts asked for never count)
    std::string ControlToken;   // bearer token for POST /control/...; empty = control off (every /control/ path is 404)
    bool Demo = true;           // serve the test pattern (Encoder.Source) as broadcast "demo", also at /live/master.m3u8
    size_t MaxBroadcasts = 4;   // broadcasts not ended at once, the demo included; past it a publisher is refused (docs/ingest.md: measured)
    int GraceMs = 30000;        // ms a dropped publisher has to come back before the broadcast ends
    size_t KeepEnded = 16;      // ended broadcasts kept (playlist with EXT-X-ENDLIST, listed in index.json), oldest dropped
    std::string Secret;         // HMAC secret of stream keys and webhook signatures; empty = ingest refused
    std::string WebhookUrl;     // http://host:port/path POSTed broadcast.started / broadcast.ended; empty = none
    int SrtPort = -1;           // UDP port of SRT ingest (srt_ingest.h; 0 = pick one); -1 = no SRT
    RtmpOptions Rtmp;           // RTMP ingest through an nginx child (rtmp_ingest.h); off unless --rtmp / --rtmp-port
    // Recording, VOD, DVR, retention (docs/replay.md "Origin").
    std::string DataDir = "./livescope-data"; // recordings (<name>/<id>/...); empty = recording off (--no-record)
    bool DataDirGiven = false;                // --data-dir was given: the demo test pattern is recorded too
    double DvrWindowSeconds = 7200.0;         // seconds of recorded segments listed in live playlists; 0 = whole broadcast
    int64_t RetentionSeconds = 0;             // recordings whose end is older are deleted by a sweep; 0 = keep forever
};

// Runs the origin until SIGINT/SIGTERM (returns 0) or a fatal error (returns non-zero, reason on stderr).
// Thread: blocks the calling thread, which runs the single-threaded io_context; ffmpeg is forked from it.
int RunOrigin(const OriginOptions& options);

} // namespace livescope
