// Worker LL-HLS driver: src/player/hls's HlsSession polled from JS (fetch() does the I/O), its media chunks fed to the decode pipeline.
//
// [SECTION] WorkerHls (session + chunk glue)
// [SECTION] Health (no-media watchdog over the session and the decode pipeline)
// [SECTION] C API (ls_worker_hls_*)
//
// JS performs the requests listed by ls_worker_hls_requests() with fetch() and a streaming body reader, and
// reports headers, each body chunk (through the ls_worker_input staging buffer), completion or failure.
// Every callback hands finished media to the pipeline at once, so a part is decoded while it downloads.
// Thread: the Worker's thread only. Times `now` are seconds on the Worker's monotonic clock.
#include "worker_app.h"

#include <livescope/player/hls/hls_session.h>

#include <livescope/player/decode/aes128.h>

#include <algorithm>
#include <deque>
#include <cstdio>
#include <optional>
#include <string>

namespace livescope {

// [SECTION] WorkerHls

struct WorkerHls
{
    std::unique_ptr<HlsSession> Session;
    std::string Url;
    int Serial = 1; // bumped at restarts (jumps), discontinuities and variant switches that do not continue the timeline
    int64_t LastDiscontinuity = -1;
    int LastVariant = -2;
    livescope::HlsSwitchPoint LastItem; // the last media item handed out (a variant switch continues it: HlsSwitchIsSeamless)
    int64_t SeamlessSwitches = 0;       // variant switches that kept the serial (decoder reconfigured, nothing dropped)
    int64_t HardSwitches = 0;           // variant switches that bumped it (decoders flushed, the page's queue dropped)
    bool ChunkOpen = false;
    std::string Json;          // last JSON answer, owned here
    HlsMediaWatchdog Watchdog; // no media for HlsLimits::NoMediaTimeout -> error, media again -> recovered
    bool WatchdogStarted = false;
    int64_t MediaMark = -1;        // decode progress counted at the last health check
    int64_t DecodeErrorMark = 0;   // decode errors counted at the last health check
    std::string HealthJson;        // last answer of ls_worker_hls_health, owned here
    bool MediaSeen = false;        // a session of this Worker handed out media (a restart does not start over)
    int LastState = -1;            // BroadcastState last reported by ls_worker_hls_state; -1 = none yet
    double LastPartHoldBack = 0.0; // seconds, PART-HOLD-BACK of the last session's playlist (fast start); 0 = unknown
    bool Abr = true;               // ABR on (ls_worker_hls_set_abr); off: the first variant throughout
    double HealthDecodeMsMark = 0; // ms, Counters.DecodeMsSum at the last playback health report
    // Replay and DVR (ls_worker_hls_seek, _hold, _playhead): decided at the first media playlist of each session.
    bool ModeKnown = false;
    bool Replay = false;                  // the playlist is a replay: no fast-start cut, playback from 0
    std::optional<double> PendingSeek;    // seconds: a seek asked before the playlist loaded (its cut is set then)
    std::string TimelineJson;             // last answer of ls_worker_hls_timeline
    bool Held = false;                    // a paused replay: no media on purpose (the watchdog stays quiet)
    // Paced feeding (a replay, or a DVR position after a seek): the session loads up to MaxBufferAhead (30 s) ahead, but
    // the decoders' queues hold about 3 s (the page's 32 frames, the wasm pool's 64, the WebCodecs queues), so media
    // waits here, compressed, and the next part or segment goes to the pipeline only while less than kFeedAhead of
    // media fed lies beyond the frame on the page's screen (so at most kFeedAhead + one item is ahead). Live at the
    // edge is fed as it arrives.
    static constexpr double kFeedAhead = 1.5; // seconds
    bool Paced = false;
    double FeedPlayhead = 0.0;                // epoch seconds: the page's frame on screen (or the seek target); 0 unknown
    double FedEnd = 0.0;                      // epoch seconds: the end of the last item fed while paced
    std::deque<livescope::HlsMediaChunk> Waiting;
    // A session started before the page's 'start' (the worker's 'prefetch', web/runtime/player-worker.js): its requests run,
    // its media waits here, compressed, until the page has said its audio output (ls_worker_hls_feed_hold(app, 0)), or
    // kFeedHoldMax bytes wait (a page that never says: fed with the default output then).
    static constexpr size_t kFeedHoldMax = 8u << 20; // bytes
    bool FeedHeld = false;
};

WorkerApp::~WorkerApp() { delete Hls; }

namespace {

void AppendEscaped(std::string& out, const std::string& s)
{
    for (char c : s)
    {
        if (c == '"' || c == '\\')
        {
            out += '\\';
            out += c;
        }
        else if (static_cast<unsigned char>(c) < 0x20)
        {
            char b[8];
            std::snprintf(b, sizeof b, "\\u%04x", c);
            out += b;
        }
        else
            out += c;
    }
}

// Moves the session's finished media into the pipeline (chunks in order; First opens, Last closes).
void PumpMedia(WorkerApp* app)
{
    WorkerHls& h = *app->Hls;
    if (!h.ModeKnown && h.Session->MediaPlaylist())
    {
        // Decided before any media of this session is handed out: a replay plays from its start (or the seek asked
        // for), so the fast-start cut (media older than the latency target is never shown) does not apply.
        h.ModeKnown = true;
        h.Replay = h.Session->IsReplay();
        const livescope::HlsPlaylist& pl = *h.Session->MediaPlaylist();
        if (h.PendingSeek)
            app->StartPdt = SeekPointAt(pl, *h.PendingSeek, IsLowLatency(pl, true)).TargetPdt.value_or(0.0);
        else if (h.Replay)
            app->StartPdt = 0.0;
        if (h.PendingSeek || h.Replay) app->StillWanted = false; // the still is the live fast start's only
        h.PendingSeek.reset();
        if (h.Replay) h.Paced = true;
    }
    for (HlsMediaChunk& c : h.Session->TakeMedia()) h.Waiting.push_back(std::move(c));
    if (h.FeedHeld)
    {
        size_t bytes = 0;
        for (const HlsMediaChunk& c : h.Waiting) bytes += c.Bytes.size();
        if (bytes <= WorkerHls::kFeedHoldMax) return;
        h.FeedHeld = false;
    }
    while (!h.Waiting.empty())
    {
        HlsMediaChunk& c = h.Waiting.front();
        if (h.Paced && c.First && !c.IsInit && c.ProgramDateTime)
        {
            if (h.FeedPlayhead <= 0.0) h.FeedPlayhead = *c.ProgramDateTime; // no frame on screen yet: from the first item
            if (h.FedEnd - h.FeedPlayhead >= WorkerHls::kFeedAhead) break;
            h.FedEnd = *c.ProgramDateTime + c.Duration;
        }
        if (c.First)
        {
            if (h.ChunkOpen) app->Pipeline.EndChunk(false);
            const bool is_ts = !c.IsInit && !c.Bytes.empty() && c.Bytes[0] == 0x47;
            if (!c.IsInit)
            {
                const livescope::HlsSwitchPoint item{c.DiscontinuitySeq, c.ProgramDateTime.value_or(0.0), c.Duration, c.Independent, is_ts};
                const bool discontinuity = h.LastDiscontinuity >= 0 && c.DiscontinuitySeq != h.LastDiscontinuity;
                const bool switched = h.LastVariant != -2 && c.Variant != h.LastVariant;
                // A variant switch whose timeline continues the old one keeps the serial: the pipeline reconfigures its
                // decoder at the key frame, and the frames already decoded or queued on the page still play.
                const bool seamless = switched && !discontinuity && livescope::HlsSwitchIsSeamless(h.LastItem, item);
                if (switched) (seamless ? h.SeamlessSwitches : h.HardSwitches)++;
                if (discontinuity || (switched && !seamless)) h.Serial++;
                h.LastDiscontinuity = c.DiscontinuitySeq;
                h.LastVariant = c.Variant;
                h.LastItem = item;
            }
            app->Pipeline.BeginChunk(c.IsInit, is_ts, h.Serial, c.ProgramDateTime.value_or(0.0));
            h.ChunkOpen = true;
        }
        app->Pipeline.Feed(c.Bytes.data(), c.Bytes.size());
        if (c.Last)
        {
            app->Pipeline.EndChunk(true);
            h.ChunkOpen = false;
        }
        h.Waiting.pop_front();
    }
}

// [SECTION] Health

// Feeds the watchdog with the pipeline's progress and returns its state change as JSON ("" when none):
// {"failed":true,"code":"source-timeout","message":"..."} or {"failed":false}. Media progress is any
// decoded frame, or a packet demuxed while video is off (a paused widget is not a dead source).
const char* CheckHealth(WorkerApp* app, double now)
{
    WorkerHls& h = *app->Hls;
    h.HealthJson.clear();
    const DecodeCounters& c = app->Pipeline.Counters;
    const int64_t media = c.VideoFrames + c.AudioFrames + c.SkippedPackets;
    if (h.MediaMark >= 0 && media > h.MediaMark) h.Watchdog.OnMedia(now);
    h.MediaMark = media;
    if (c.Errors > h.DecodeErrorMark) h.Watchdog.OnProblem(HlsErrorCode::Undecodable, c.LastError, now);
    h.DecodeErrorMark = c.Errors;
    if (h.Session && h.Session->Ended()) h.Watchdog.OnEnded();
    // No error while the source says why there is no media: not started yet, or the publisher away (grace period).
    if (h.Session && (h.Held || h.Session->WaitingForStart() || h.Session->PublisherAway(now))) h.Watchdog.OnSourceWaiting(now);
    const std::optional<HlsMediaWatchdog::Change> change = h.Watchdog.Tick(now);
    if (!change) return h.HealthJson.c_str();
    if (!change->Failed)
    {
        h.HealthJson = "{\"failed\":false}";
        return h.HealthJson.c_str();
    }
    h.HealthJson = std::string("{\"failed\":true,\"code\":\"") + HlsErrorCodeName(change->Code) + "\",\"message\":\"";
    AppendEscaped(h.HealthJson, change->Message);
    h.HealthJson += "\"}";
    return h.HealthJson.c_str();
}

} // namespace
} // namespace livescope

// [SECTION] C API

using livescope::WorkerApp;
using livescope::WorkerHls;

// (Re)starts the session on `url` (a jump to the live edge is a restart): new serial, pipeline reset. Sets the
// fast-start cut (FastStartPdt) from `wall_now` (epoch seconds), the widget's `latency_option` (seconds; 0 =
// none) and the PART-HOLD-BACK of the playlist played before the restart.
LS_EXPORT void ls_worker_hls_start(WorkerApp* app, const char* url, double now, double wall_now, double latency_option)
{
    if (!app) return;
    if (!app || !app->Hls) app->Hls = new WorkerHls();
    WorkerHls& h = *app->Hls;
    if (h.Session)
    {
        h.Serial++;
        const livescope::HlsPlaylist* m = h.Session->MediaPlaylist();
        if (m && m->ServerControl.PartHoldBack) h.LastPartHoldBack = *m->ServerControl.PartHoldBack;
    }
    app->StartPdt = livescope::FastStartPdt(wall_now, latency_option, h.LastPartHoldBack);
    app->StillWanted = true; // the first frame decoded is shown at once (FastStartCutVideo)
    h.Url = url ? url : "";
    h.ModeKnown = false;
    h.PendingSeek.reset();
    h.Paced = false;
    h.FeedPlayhead = 0.0;
    h.FedEnd = 0.0;
    h.Waiting.clear();
    h.ChunkOpen = false;
    h.LastDiscontinuity = -1;
    h.LastVariant = -2;
    livescope::HlsSessionConfig config;
    config.AutoAbr = h.Abr; // the first (lowest) variant, then up on throughput, down on throughput or playback health (abr.h)
    config.Decryptor = livescope::MakeAes128CbcDecryptor; // METHOD=AES-128 with FFmpeg's av_aes
    h.Session = std::make_unique<livescope::HlsSession>(config);
    app->Pipeline.Reset();
    h.Session->Start(h.Url, now);
    // The watchdog runs from the first start; a restart (a jump to the live edge) does not reset it.
    if (!h.WatchdogStarted)
    {
        h.Watchdog.Start(now);
        h.WatchdogStarted = true;
    }
}

// Replay and DVR: plays from `position` (seconds from the start of the media playlist), or when `pdt` > 0 from the
// sample with that PROGRAM-DATE-TIME (epoch seconds; a live DVR window slides, so the page names the moment, not the
// offset). The session picks the segment that holds it (SeekPointAt); the pipeline restarts with a new serial, and
// frames and audio before the target are decoded (from the segment's key frame) but never sent: the cut is the
// target's PDT, as for the fast start. Returns the new serial.
LS_EXPORT int ls_worker_hls_seek(WorkerApp* app, double position, double pdt, double now)
{
    if (!app || !app->Hls || !app->Hls->Session) return 0;
    WorkerHls& h = *app->Hls;
    const livescope::HlsPlaylist* pl = h.Session->MediaPlaylist();
    if (pl && pdt > 0.0)
        if (const std::optional<double> at = livescope::PlaylistPositionOfPdt(*pl, pdt)) position = *at;
    h.Serial++;
    h.ChunkOpen = false;
    h.Held = false;
    h.Waiting.clear(); // media of the old position
    h.Paced = true;
    h.FeedPlayhead = 0.0;
    h.FedEnd = 0.0;
    app->Pipeline.Reset();
    app->StillWanted = false; // a seek shows the target's picture first (a paused seek holds it)
    const livescope::HlsSeekPoint sp = h.Session->Seek(position, now);
    if (sp.Ok)
    {
        app->StartPdt = sp.TargetPdt.value_or(0.0);
        h.FeedPlayhead = sp.TargetPdt.value_or(0.0);
    }
    else
    {
        h.PendingSeek = position; // applied when the playlist arrives (PumpMedia)
        h.ModeKnown = false;
    }
    livescope::PumpMedia(app);
    return h.Serial;
}

// 1: the session's media waits in the worker, compressed, while its requests go on (a session started before the page
// said its audio output); 0: it goes to the decoders now. Bounded by WorkerHls::kFeedHoldMax.
LS_EXPORT void ls_worker_hls_feed_hold(WorkerApp* app, int hold)
{
    if (!app) return;
    if (!app->Hls) app->Hls = new WorkerHls();
    app->Hls->FeedHeld = hold != 0;
    if (!hold && app->Hls->Session) livescope::PumpMedia(app);
}

// Paused replay: 1 holds media loading (what is in flight is cancelled), 0 lets it go on. The page resumes with a seek
// to the paused position, so nothing stale is shown.
LS_EXPORT void ls_worker_hls_hold(WorkerApp* app, int hold, double now)
{
    if (!app || !app->Hls || !app->Hls->Session) return;
    app->Hls->Held = hold != 0;
    app->Hls->Session->SetHold(hold != 0, now);
    livescope::PumpMedia(app);
}

// The PDT (epoch seconds) of the frame on the page's screen: media is loaded at most HlsSessionConfig::MaxBufferAhead
// beyond it.
LS_EXPORT void ls_worker_hls_playhead(WorkerApp* app, double pdt, double now)
{
    if (!app || !app->Hls || !app->Hls->Session) return;
    if (pdt > 0.0) app->Hls->FeedPlayhead = pdt;
    app->Hls->Session->SetPlayhead(pdt, now);
    livescope::PumpMedia(app);
}

// JSON {replay, duration, startPdt, endPdt}: whether the media playlist is a replay, its duration (seconds; a live
// playlist's DVR window) and the PDTs (epoch seconds; 0 unknown) of its start and of the end of its last segment.
LS_EXPORT const char* ls_worker_hls_timeline(WorkerApp* app)
{
    if (!app || !app->Hls || !app->Hls->Session || !app->Hls->Session->MediaPlaylist()) return "";
    const livescope::HlsTimeline tl = app->Hls->Session->Timeline();
    char buf[200];
    std::snprintf(buf, sizeof buf, "{\"replay\":%s,\"duration\":%.3f,\"startPdt\":%.3f,\"endPdt\":%.3f}", app->Hls->Session->IsReplay() ? "true" : "false",
                  tl.Duration, tl.StartPdt.value_or(0.0), tl.EndPdt.value_or(0.0));
    app->Hls->TimelineJson = buf;
    return app->Hls->TimelineJson.c_str();
}

// ABR on (1, the default) or off (0: the first variant throughout). Takes effect at the next ls_worker_hls_start.
LS_EXPORT void ls_worker_hls_set_abr(WorkerApp* app, int on)
{
    if (!app) return;
    if (!app->Hls) app->Hls = new WorkerHls();
    app->Hls->Abr = on != 0;
}

// The page's playback over the last `window` seconds: `frames` due on screen and `dropped` of them. With the decode
// time this worker spent meanwhile, it is the ABR's health input (a variant too heavy to play steps down).
LS_EXPORT void ls_worker_hls_playback_health(WorkerApp* app, double frames, double dropped, double window, double now)
{
    if (!app || !app->Hls || !app->Hls->Session) return;
    WorkerHls& h = *app->Hls;
    const double decode_ms = app->Pipeline.Counters.DecodeMsSum - h.HealthDecodeMsMark;
    h.HealthDecodeMsMark = app->Pipeline.Counters.DecodeMsSum;
    h.Session->SetPlaybackHealth(livescope::HlsAbrHealthOf(static_cast<int64_t>(frames), static_cast<int64_t>(dropped), decode_ms, window), now);
}

// The ABR's throughput estimate, bits per second (0 before any sample).
LS_EXPORT double ls_worker_hls_throughput(WorkerApp* app)
{
    return app && app->Hls && app->Hls->Session ? app->Hls->Session->Stats().ThroughputEstimate : 0.0;
}

// The session's fatal error as JSON {"code","kind","message"} ("unsupported-playlist" or "invalid-playlist"); "" while it can go on.
LS_EXPORT const char* ls_worker_hls_fatal(WorkerApp* app)
{
    if (!app || !app->Hls || !app->Hls->Session || !app->Hls->Session->FatalError()) return "";
    const livescope::HlsSessionError& e = *app->Hls->Session->FatalError();
    std::string& j = app->Hls->Json;
    j = "{\"code\":\"" + e.Code + "\",\"kind\":\"" + livescope::HlsParseErrorKindName(e.Kind) + "\",\"message\":\"";
    livescope::AppendEscaped(j, e.Message);
    j += "\"}";
    return j.c_str();
}

LS_EXPORT int ls_worker_hls_serial(WorkerApp* app) { return app && app->Hls ? app->Hls->Serial : 0; }

LS_EXPORT void ls_worker_hls_tick(WorkerApp* app, double now)
{
    if (!app || !app->Hls || !app->Hls->Session) return;
    app->Hls->Session->Tick(now);
    livescope::PumpMedia(app);
}
// Seconds (Worker clock) of the next Tick the session needs; a large value when only responses can help.
LS_EXPORT double ls_worker_hls_next_wakeup(WorkerApp* app, double now)
{
    if (!app || !app->Hls || !app->Hls->Session) return 1e18;
    const livescope::HlsSession& s = *app->Hls->Session;
    double t = std::min(s.NextWakeup(), app->Hls->Watchdog.NextWakeup());
    if (s.MediaSeen() && !s.PublisherAway(now)) t = std::min(t, now + 0.25); // notice "reconnecting" promptly
    return t < 1e18 ? t : 1e18;
}

// The no-media watchdog's state change since the last call, as JSON ("" when none); see CheckHealth.
LS_EXPORT const char* ls_worker_hls_health(WorkerApp* app, double now)
{
    if (!app->Hls || !app->Hls->Session) return "";
    return livescope::CheckHealth(app, now);
}

// The broadcast's state (BroadcastStateName: "starting", "live", "reconnecting", "ended", "error") when it
// changed since the last call, else "". Call after ls_worker_hls_health (it reads the watchdog's state).
LS_EXPORT const char* ls_worker_hls_state(WorkerApp* app, double now)
{
    if (!app || !app->Hls || !app->Hls->Session) return "";
    WorkerHls& h = *app->Hls;
    livescope::BroadcastSignals s;
    s.Fatal = h.Session->FatalError().has_value();
    s.WatchdogFailed = h.Watchdog.Failed();
    s.Ended = h.Session->Ended();
    s.WaitingForStart = h.Session->WaitingForStart();
    h.MediaSeen = h.MediaSeen || h.Session->MediaSeen();
    s.MediaSeen = h.MediaSeen;
    s.PublisherAway = h.Session->PublisherAway(now);
    const livescope::BroadcastState state = livescope::BroadcastStateOf(s);
    if (static_cast<int>(state) == h.LastState) return "";
    h.LastState = static_cast<int>(state);
    return livescope::BroadcastStateName(state);
}

// JSON: {"requests":[{id,kind,url,offset,length}],"cancel":[ids],"events":[{type,level,rendition,detail}]}, owned
// by the app. `level` is the event's severity ("quiet", "info", "warn", "error": HlsEventSeverityOf; "error"
// ones are counted in the stats' errors); `rendition` says the timing or variant may have changed (re-read info).
LS_EXPORT const char* ls_worker_hls_poll(WorkerApp* app)
{
    if (!app || !app->Hls || !app->Hls->Session) return "{\"requests\":[],\"cancel\":[],\"events\":[]}";
    std::string& j = app->Hls->Json;
    j = "{\"requests\":[";
    livescope::HlsSession& s = *app->Hls->Session;
    bool first = true;
    for (const livescope::HlsLoadRequest& r : s.TakeRequests())
    {
        char head[160];
        std::snprintf(head, sizeof head, "%s{\"id\":%llu,\"kind\":\"%s\",\"offset\":%lld,\"length\":%lld,\"url\":\"", first ? "" : ",",
                      static_cast<unsigned long long>(r.Id), livescope::HlsRequestKindName(r.Kind),
                      static_cast<long long>(r.Range ? r.Range->Offset : -1), static_cast<long long>(r.Range && r.Range->Length ? *r.Range->Length : -1));
        j += head;
        livescope::AppendEscaped(j, r.Url);
        j += "\"}";
        first = false;
    }
    j += "],\"cancel\":[";
    first = true;
    for (uint64_t id : s.TakeCancellations())
    {
        j += (first ? "" : ",") + std::to_string(id);
        first = false;
    }
    j += "],\"events\":[";
    first = true;
    for (const livescope::HlsEventRecord& e : s.TakeEvents())
    {
        app->Hls->Watchdog.OnProblem(e.Code, e.Detail, e.Time); // failures name the no-media error, if one comes
        const livescope::HlsEventSeverity severity = livescope::HlsEventSeverityOf(e.Type);
        if (severity == livescope::HlsEventSeverity::Error) app->LoadErrors++;
        j += first ? "{\"type\":\"" : ",{\"type\":\"";
        j += livescope::HlsEventName(e.Type);
        j += "\",\"level\":\"";
        j += livescope::HlsEventSeverityName(severity);
        j += livescope::HlsEventChangesRendition(e.Type) ? "\",\"rendition\":true" : "\",\"rendition\":false";
        j += ",\"detail\":\"";
        livescope::AppendEscaped(j, e.Detail);
        j += "\"}";
        first = false;
    }
    j += "]}";
    return j.c_str();
}

// JSON: the playing rendition's timing and the variant: {partTarget, partHoldBack, holdBack, targetDuration, variant, bandwidth, width, height}.
LS_EXPORT const char* ls_worker_hls_info(WorkerApp* app)
{
    if (!app || !app->Hls || !app->Hls->Session) return "{}";
    std::string& j = app->Hls->Json;
    const livescope::HlsSession& s = *app->Hls->Session;
    const livescope::HlsPlaylist* m = s.MediaPlaylist();
    const livescope::HlsPlaylist* mv = s.Multivariant();
    const int v = s.Stats().CurrentVariant;
    double bandwidth = 0;
    int w = 0, hgt = 0;
    if (mv && v >= 0 && static_cast<size_t>(v) < mv->Variants.size())
    {
        bandwidth = static_cast<double>(mv->Variants[static_cast<size_t>(v)].Bandwidth);
        if (mv->Variants[static_cast<size_t>(v)].Resolution)
        {
            w = mv->Variants[static_cast<size_t>(v)].Resolution->Width;
            hgt = mv->Variants[static_cast<size_t>(v)].Resolution->Height;
        }
    }
    const livescope::HlsStats& st = s.Stats();
    char buf[640];
    std::snprintf(buf, sizeof buf,
                  "{\"partTarget\":%g,\"partHoldBack\":%g,\"holdBack\":%g,\"targetDuration\":%g,\"variant\":%d,\"bandwidth\":%g,\"width\":%d,\"height\":%d,"
                  "\"variants\":%d,\"abr\":%d,\"switches\":%lld,\"abrUp\":%lld,\"abrDown\":%lld,\"abrHealth\":%lld,\"abrOscillations\":%lld,"
                  "\"abrSeamless\":%lld,\"abrHard\":%lld,\"abrProbes\":%lld,\"abrSamples\":%lld}",
                  m && m->PartTarget ? *m->PartTarget : 0.0, m && m->ServerControl.PartHoldBack ? *m->ServerControl.PartHoldBack : 0.0,
                  m && m->ServerControl.HoldBack ? *m->ServerControl.HoldBack : 0.0, m ? m->TargetDuration : 0.0, v, bandwidth, w, hgt,
                  mv ? static_cast<int>(mv->Variants.size()) : 1, app->Hls->Abr ? 1 : 0, static_cast<long long>(st.VariantSwitches),
                  static_cast<long long>(st.AbrUpSwitches), static_cast<long long>(st.AbrDownSwitches), static_cast<long long>(st.AbrHealthSwitches),
                  static_cast<long long>(st.AbrOscillations), static_cast<long long>(app->Hls->SeamlessSwitches),
                  static_cast<long long>(app->Hls->HardSwitches), static_cast<long long>(st.AbrProbes), static_cast<long long>(st.ThroughputSamples));
    j = buf;
    return j.c_str();
}

LS_EXPORT void ls_worker_hls_response(WorkerApp* app, double id, int status, double now)
{
    if (!app || !app->Hls || !app->Hls->Session) return;
    app->Hls->Session->OnResponse(static_cast<uint64_t>(id), status, now);
    livescope::PumpMedia(app);
}
// A body chunk of `size` bytes, already copied into the ls_worker_input staging buffer.
LS_EXPORT void ls_worker_hls_data(WorkerApp* app, double id, int size, double now)
{
    if (!app || !app->Hls || !app->Hls->Session || size <= 0 || static_cast<size_t>(size) > app->Input.size()) return;
    app->Bytes += size;
    app->Received.OnMediaBytes(now, static_cast<uint64_t>(size));
    app->Hls->Session->OnData(static_cast<uint64_t>(id), app->Input.data(), static_cast<size_t>(size), now);
    livescope::PumpMedia(app);
}
LS_EXPORT void ls_worker_hls_complete(WorkerApp* app, double id, double now)
{
    if (!app || !app->Hls || !app->Hls->Session) return;
    app->Hls->Session->OnComplete(static_cast<uint64_t>(id), now);
    livescope::PumpMedia(app);
}
LS_EXPORT void ls_worker_hls_error(WorkerApp* app, double id, const char* reason, double now)
{
    if (!app || !app->Hls || !app->Hls->Session) return;
    app->LoadErrors++;
    app->Hls->Session->OnError(static_cast<uint64_t>(id), reason ? reason : "error", now);
    livescope::PumpMedia(app);
}

// [SECTION] C API: demuxer switch (docs/decode.md "The demuxer switch")

// What a session carries into the module switched to: the broadcast state last reported (BroadcastState, -1 none) and
// whether media was seen, packed as (state + 1) * 2 + seen (so the page gets no second 'starting' or 'live').
LS_EXPORT int ls_worker_hls_carry(WorkerApp* app)
{
    if (!app || !app->Hls) return 0;
    return (app->Hls->LastState + 1) * 2 + (app->Hls->MediaSeen ? 1 : 0);
}
// The session of the module switched to continues another's: its serial goes on after `serial` (the page drops what
// the refusing module sent as an older serial) and it takes `carry` (ls_worker_hls_carry). Call before ls_worker_hls_start.
LS_EXPORT void ls_worker_hls_continue(WorkerApp* app, int serial, int carry)
{
    if (!app) return;
    if (!app->Hls) app->Hls = new WorkerHls();
    WorkerHls& h = *app->Hls;
    h.Serial = std::max(h.Serial, serial + 1);
    h.LastState = std::max(0, carry) / 2 - 1;
    h.MediaSeen = h.MediaSeen || (carry & 1) != 0;
}
