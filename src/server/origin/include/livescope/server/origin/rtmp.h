// Pure rules of RTMP ingest (docs/ingest.md): the nginx configuration and command line (Debian's nginx with its RTMP
// module, run by the origin as a child), the ffmpeg command that pulls an admitted stream back from nginx over loopback,
// and the reading of nginx-rtmp's HTTP callbacks (on_publish, on_publish_done, on_update) and what to answer them.
#pragma once
#include <livescope/server/origin/input_probe.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace livescope {

constexpr uint16_t RtmpDefaultPort = 1935;
constexpr const char* RtmpApplication = "live"; // rtmp://HOST:PORT/live, the stream key as the stream name
constexpr size_t RtmpKeyMaxBytes = 255;         // nginx-rtmp keeps stream names in 256-byte buffers (NGX_RTMP_MAX_NAME)
constexpr size_t RtmpCallbackMaxBytes = 16384;  // bytes, one callback request body from nginx
constexpr size_t RtmpQueueMaxBytes = 8u << 20;  // bytes of pulled MPEG-TS waiting for the encoder before the publisher is cut
constexpr int RtmpTimeoutS = 15;                // s: nginx closes an RTMP connection silent this long
constexpr int RtmpIdlePublisherS = 10;          // s: nginx drops a publisher that sends no media this long
constexpr int RtmpUpdateS = 2;                  // s between on_update callbacks: how soon a kicked publisher is cut
constexpr int RtmpWorkerConnections = 512;      // nginx connections at once (publishers, internal pullers, callbacks)
constexpr int RtmpStartTimeoutMs = 5000;        // ms nginx has to accept connections at start
constexpr int RtmpFirstMediaS = 10;             // s an admitted publisher has to get its first video keyframe to the puller
constexpr int RtmpDrainMs = 500;                // ms a puller has, after its publisher's stream ended, to pass on what it has

struct RtmpOptions
{
    bool Enabled = false;
    uint16_t Port = RtmpDefaultPort; // 0 = pick a free one
    std::string NginxPath = "/usr/sbin/nginx";
    std::string ModulePath = "/usr/lib/nginx/modules/ngx_rtmp_module.so"; // Debian's libnginx-mod-rtmp
};

// What the generated nginx.conf says.
struct NginxRtmpConfig
{
    std::string ModulePath;  // ngx_rtmp_module.so
    std::string Dir;         // private folder: nginx.conf, nginx.pid, error.log
    std::string Host;        // the address RTMP listens on (the origin's --host)
    uint16_t Port = 0;       // the RTMP port (already chosen: never 0 here)
    std::string CallbackUrl; // http://127.0.0.1:PORT/rtmp/<secret>: on_publish, on_publish_done and on_update all go there
};

// nginx.conf text: the module, no daemon, one process, pid and error log in Dir, no http block; one rtmp server with
// application "live" (live on; play only from loopback or Host itself, where the origin's pullers come from; the
// callbacks; RtmpTimeoutS, RtmpIdlePublisherS, RtmpUpdateS). Players start at a video keyframe, audio with it
// (wait_key, wait_video): the puller's MPEG-TS then opens with both, so the encoder's 1 s probe finds them (audio
// alone first would hide a video track whose keyframe comes later). So RTMP streams need video.
// False with a reason when a value could break out of its directive (paths and URL: letters, digits and /._-:[]).
bool BuildNginxRtmpConfig(const NginxRtmpConfig& config, std::string& text, std::string& error);
// argv of nginx running Dir/nginx.conf, its prefix and early error log in Dir.
std::vector<std::string> BuildNginxArgs(const std::string& nginx_path, const std::string& dir);
// "host:port", the host in brackets when it is IPv6.
std::string RtmpListenAddress(std::string_view host, uint16_t port);
// Where a local client reaches a server bound to `host`: the loopback of its family for a wildcard address.
std::string RtmpLocalHost(std::string_view host);

// An admitted publish is answered with this status and a random stream name in Location: nginx renames the stream
// (any 3xx whose Location is not an rtmp:// URL), so the origin's puller plays it without knowing or showing the key.
constexpr int RtmpRenameStatus = 302;

// argv of the ffmpeg that plays rtmp://LOCAL:PORT/live/STREAM from nginx (LOCAL = RtmpLocalHost(host)) and writes it,
// copied, as MPEG-TS to fd 3. It writes as soon as its probe has found the tracks nginx's metadata announces (both, from
// nginx's rebuilt onMetaData), without reading 40 frames first to estimate the frame rate (-fpsprobesize 0): its first
// bytes then arrive with the stream's first media, and their arrival dates the broadcast (capture_clock.h); with that
// estimate they arrived about 0.8 s late and the PROGRAM-DATE-TIME ran that far ahead. It probes at most 1 s (a stream
// whose metadata announces a track it never sends, such as video only, would otherwise wait 5 s for it). It does not
// end by itself when the publisher leaves (nginx keeps players of an idle stream) and ignores SIGTERM while it waits, so
// the origin ends it with SIGKILL, RtmpDrainMs after nginx's publish_done.
std::vector<std::string> BuildRtmpPullArgs(const std::string& ffmpeg_path, const std::string& log_level, std::string_view host, uint16_t port,
                                           std::string_view stream);

constexpr int64_t RtmpPullProbeMs = 1000; // ms: the puller's -analyzeduration (media time, so wall time at real-time pace)

// When the media of the puller's first output bytes was pushed, for a broadcast's PROGRAM-DATE-TIME (given to the origin
// as the publisher's capture stamp; capture_clock.h). A stream with both tracks is written as soon as they are found:
// its first bytes arrive with its first media and the input-arrival anchor stands (returns 0: no stamp). A stream with
// one track (video only: nginx takes no audio-only stream) keeps the puller probing its whole RtmpPullProbeMs, since the
// FLV demuxer cannot tell that no second track will follow: its media time 0 was pushed that long before the first
// bytes arrived at `first_bytes_ms` (ms since the epoch). 0 too while the layout is not known, or not readable.
int64_t RtmpMediaStartMs(int64_t first_bytes_ms, const InputLayout& layout);

// Callback path: /rtmp/<secret>. True when `target` is exactly that (compared in constant time).
std::string RtmpCallbackPath(std::string_view secret);
bool RtmpCallbackAuthorized(std::string_view target, std::string_view secret);

enum class RtmpCall
{
    Publish,       // a publisher asks to publish: 2xx lets it, anything else drops it
    PublishDone,   // a publisher's stream ended (it left, or nginx dropped it)
    UpdatePublish, // every RtmpUpdateS while publishing: non-2xx drops the publisher
    UpdatePlay,    // the same for players (only the origin's own pullers can play)
    Other,
};

// One callback, from its application/x-www-form-urlencoded body. nginx writes its own fields first and appends the
// publisher's stream-name arguments ("KEY?title=..."), so the first occurrence of a field wins.
struct RtmpCallback
{
    RtmpCall Call = RtmpCall::Other;
    std::string ClientId; // nginx's connection id: names one publisher across its callbacks
    std::string App;
    std::string Key;   // the stream name: the stream key
    std::string Title; // ?title= after the key, when given
    std::string Address;
};
RtmpCallback ParseRtmpCallback(std::string_view body);

// What to do with a publish callback before the origin's admission.
struct RtmpPublishPlan
{
    int Status = 200;      // 200: go on with admission; else the refusal (401, 403, 400, 503)
    std::string Message;   // the refusal, one line
    std::string Broadcast; // the key's broadcast: its "room" claim when it has one, else its "name"
    std::string Query;     // "token=<key>[&title=<title>]" for the origin's admission (SessionHost::AdmitPublisher)
};
// The key must be a token signed with `secret` that has not expired (role and name are the admission's checks).
RtmpPublishPlan PlanRtmpPublish(std::string_view secret, const RtmpCallback& callback, int64_t now_s);

// The answer to an update: a publisher the origin does not know (nginx restarted, or it was never admitted) or one it
// has dropped is cut (403); players and known publishers go on (200).
int RtmpUpdateStatus(RtmpCall call, bool known, bool dropped);

// Percent-encoding of a query value (unreserved characters kept).
std::string PercentEncode(std::string_view text);

} // namespace livescope
