// HlsSession: the LL-HLS client engine as a pure, I/O-free state machine that the caller polls (mpv style).
//
// [SECTION] Requests the caller performs
// [SECTION] Media handed out
// [SECTION] Events and stats
// [SECTION] Limits: caps, timeouts, backoff, no-media watchdog (pure policy)
// [SECTION] HlsSession
//
// The caller (the probe's Beast client, the browser Worker's fetch()) owns all I/O and the clock:
//   session.Start(url, now);
//   loop: perform TakeRequests(), abort TakeCancellations(), feed OnResponse/OnData/OnComplete/OnError,
//         call Tick(now) at NextWakeup() at the latest, and consume TakeMedia() and TakeEvents().
// Thread: an HlsSession is used from one thread at a time; it holds no globals and never blocks.
// Times are seconds on any monotonic clock the caller chooses; the session never reads a clock.
#pragma once

#include <livescope/player/hls/abr.h>
#include <livescope/player/hls/hls_decrypt.h>
#include <livescope/player/hls/m3u8.h>
#include <livescope/player/hls/playlist_logic.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace livescope {

// [SECTION] Requests the caller performs

enum class HlsRequestKind
{
    Multivariant,  // the URL given to Start() (may turn out to be a media playlist)
    MediaPlaylist, // a variant's media playlist, possibly a blocking reload with delivery directives
    Map,           // EXT-X-MAP init segment
    Part,          // an EXT-X-PART
    Segment,       // a whole media segment
    PreloadPart,   // the EXT-X-PRELOAD-HINT TYPE=PART, requested before the playlist lists it
    Key,           // an EXT-X-KEY METHOD=AES-128 key (16 bytes), requested once per URI
};
const char* HlsRequestKindName(HlsRequestKind kind);

struct HlsRequestRange
{
    int64_t Offset = 0;            // bytes
    std::optional<int64_t> Length; // bytes; absent = to the end of the resource ("bytes=N-")
};

struct HlsLoadRequest
{
    uint64_t Id = 0; // unique per session, never 0
    HlsRequestKind Kind = HlsRequestKind::MediaPlaylist;
    std::string Url;
    std::optional<HlsRequestRange> Range;
    bool Blocking = false; // carries _HLS_msn: the server holds the response until it has Expect
    HlsPosition Expect;    // for blocking playlist requests: the position asked for
};

// [SECTION] Media handed out

struct HlsMediaChunk
{
    std::vector<uint8_t> Bytes;
    bool IsInit = false; // EXT-X-MAP data (precedes the media that uses it)
    int64_t Msn = 0;
    int Part = -1;                    // -1 = whole segment
    bool Independent = false;         // the part/segment starts with an independent frame
    bool First = false, Last = false; // first / last chunk of this part, segment or map
    int64_t DiscontinuitySeq = 0;
    std::optional<double> ProgramDateTime; // epoch seconds of the part's start, when known
    double Duration = 0.0;                 // seconds, of the whole part or segment
    int Variant = -1;                      // index in the multivariant playlist; -1 without one
};

// [SECTION] Events and stats

enum class HlsEvent
{
    MultivariantLoaded,   // fired when the multivariant playlist was parsed and a variant chosen
    PlaylistLoaded,       // fired when the first media playlist of a rendition was parsed
    PlaylistUpdated,      // fired when a reload brought new segments or parts
    PlaylistUnchanged,    // fired when a reload brought nothing new
    PlaylistStale,        // fired when a live playlist has not changed for 1.5 x target duration
    DeltaMergeFailed,     // fired when an EXT-X-SKIP update could not be merged (a full reload follows)
    BlockingMiss,         // fired when a blocking reload came back without the part it asked for
    StartPointChosen,     // fired when the start position was computed from the first playlist
    HintRequested,        // fired when a preload-hint part request is issued
    HintUsed,             // fired when a hinted request turns out to be the part the playlist lists
    HintCancelled,        // fired when a hinted request is cancelled because the update does not list it
    VariantSwitchStarted, // fired when ABR (or SelectVariant) starts loading another variant's playlist
    VariantSwitched,      // fired when media switches to the new variant (at an independent part)
    MediaLoaded,          // fired when a part or segment was fully handed out
    MediaSkipped,         // fired when a GAP part/segment or a failed one is skipped
    FellBehind,           // fired when the position fell off the playlist and playback jumps to the start point
    RequestFailed,        // fired when a request fails (HTTP >= 400 or transport error)
    ParseFailed,          // fired when a playlist does not parse (the detail has "line N: reason")
    EndOfStream,          // fired when an ENDLIST playlist has been handed out completely
    Fatal,                // fired once when playback cannot continue (see HlsSession::FatalError)
};
const char* HlsEventName(HlsEvent event);

// How a player reports an event: Quiet ones only feed stats, Info ones are logged, Warning ones are logged
// as recoverable problems, Error ones also count in the player's error statistic (a failure).
enum class HlsEventSeverity
{
    Quiet,
    Info,
    Warning,
    Error
};
HlsEventSeverity HlsEventSeverityOf(HlsEvent event);
const char* HlsEventSeverityName(HlsEventSeverity severity); // "quiet", "info", "warn", "error"
// True for the events after which the rendition's timing or variant may have changed (the player re-reads them).
bool HlsEventChangesRendition(HlsEvent event);

// Why the source fails, as the widget's `error` event names it (docs/widget-limits.md lists the codes).
enum class HlsErrorCode
{
    None,
    Network,     // "source-unreachable": transport failure (refused, reset, DNS, redirect loop, CORS)
    Http,        // "source-http-error": HTTP status >= 400
    TooLarge,    // "source-too-large": a body went over its cap (HlsResponseCap) and was aborted
    TimedOut,    // "source-timeout": no progress, or the whole body not done by its deadline (HlsTimeoutsFor)
    Invalid,     // "source-invalid": a playlist that does not parse or cannot be played
    Undecodable, // "media-undecodable": media arrives but does not demux or decode (corrupt init segment)
    NoMedia,     // "no-media": no media for the watchdog's time, and no better reason known
};
const char* HlsErrorCodeName(HlsErrorCode code);

struct HlsEventRecord
{
    HlsEvent Type;
    double Time = 0.0; // seconds, caller's clock
    std::string Detail;
    HlsErrorCode Code = HlsErrorCode::None; // set on RequestFailed and ParseFailed
};

struct HlsStats
{
    int64_t Requests = 0, Errors = 0;
    int64_t PlaylistLoads = 0, PlaylistChanges = 0, BlockingRequests = 0, BlockingMisses = 0;
    int64_t DeltaUpdates = 0, DeltaMergeFailures = 0;
    int64_t HintsRequested = 0, HintsUsed = 0, HintsCancelled = 0;
    int64_t HintLeadCount = 0;
    double HintLeadSum = 0.0; // seconds; lead = playlist listing time - first byte time
    int64_t PartsLoaded = 0, SegmentsLoaded = 0, MediaBytes = 0;
    int64_t PartsRequestedAhead = 0; // listed parts requested before the cursor reached them (HlsSessionConfig::MediaLookahead)
    double PlaylistAge = 0.0;        // seconds since the playlist last changed (at the last Tick)
    double PlaylistAgeAverage = 0.0; // seconds, time-weighted over the session
    int64_t PartEdgeDelayCount = 0;
    double PartEdgeDelaySum = 0.0; // seconds; per part: last byte handed out - arrival of the playlist that first listed it
    // Bits per second. Samples exclude time to first byte; for hinted parts, which a live origin streams at
    // the encoding rate, only the bytes that arrive after the playlist lists the part are counted.
    double ThroughputEstimate = 0.0;
    int CurrentVariant = -1;
    int64_t VariantSwitches = 0;
    int64_t AbrUpSwitches = 0;     // ABR decisions to a higher variant
    int64_t AbrDownSwitches = 0;   // ABR decisions to a lower variant (throughput or health)
    int64_t AbrHealthSwitches = 0; // of those, for dropped frames or slow decoding
    int64_t AbrOscillations = 0;   // down-switches that followed an up-switch within the oscillation window
    int64_t AbrProbes = 0;         // parts fetched whole (not from their hint) to measure the link (HlsAbrWantsProbe)
    int64_t ThroughputSamples = 0; // media bodies that measured the link (HlsAbrSampleOf)
};

// [SECTION] Limits: caps, timeouts, backoff, no-media watchdog
//
// Every figure here is documented in docs/widget-limits.md; keep the two in step.

struct HlsLimits
{
    int64_t MaxPlaylistBytes = 4 << 20;   // bytes: a multivariant or media playlist body above this is aborted
    int64_t MaxKeyBytes = 1024;           // bytes: an AES-128 key is 16; a larger key response is aborted
    double MediaCapHeadroom = 4.0;        // a part/segment may be this many times what BANDWIDTH allows over max(duration, target duration)
    int64_t MediaCapFloor = 4 << 20;      // bytes: no media cap below this (also the init segment's cap)
    int64_t MediaCapCeiling = 16 << 20;   // bytes: no media cap above this; the cap when BANDWIDTH is unknown
    double PlaylistProgressTimeout = 6.0; // seconds without a byte before a playlist request fails (at least 3 x target duration)
    double MediaProgressTimeout = 4.0;    // seconds without a byte before a media request fails (at least 1 x target duration)
    double BodyDeadline = 10.0;           // seconds from issue for the whole body (at least BodyDeadlineTargets x target duration)
    double BodyDeadlineTargets = 3.0;     // target durations
    double BackoffBase = 0.5;             // seconds: the first retry of a failed playlist, doubled per further failure
    double BackoffMax = 8.0;              // seconds: the longest wait between retries
    double BackoffJitter = 0.5;           // fraction of the delay taken off at random (from the 2nd failure on)
    double NoMediaTimeout = 15.0;         // seconds without decoded media before the widget reports an error
};

// The most bytes a response may have: playlists MaxPlaylistBytes; init segments MediaCapFloor; parts and
// segments headroom x bandwidth (bit/s; <= 0 unknown) x max(duration, target_duration) (seconds) / 8,
// clamped to [MediaCapFloor, MediaCapCeiling] (the ceiling when the bandwidth is unknown).
int64_t HlsResponseCap(HlsRequestKind kind, double bandwidth, double duration, double target_duration, const HlsLimits& limits);

struct HlsRequestTimeouts
{
    double Progress = 0.0; // seconds without any callback (headers or bytes) before the request fails
    double Deadline = 0.0; // seconds from issue for the whole body (catches a body that trickles)
};
// Timeouts of a request of `kind` on a rendition with `target_duration` (seconds; 0 unknown).
HlsRequestTimeouts HlsTimeoutsFor(HlsRequestKind kind, double target_duration, const HlsLimits& limits);

// Seconds to wait before the retry that follows `failures` consecutive failures (0: none, no wait).
// The first retry waits BackoffBase exactly; then BackoffBase x 2^(failures-1), at most BackoffMax, less
// up to BackoffJitter of it at random: `random01` is uniform in [0, 1).
double HlsBackoffDelay(int failures, double random01, const HlsLimits& limits);

// Decides when the player has gone too long without media, and when media came back. Pure: the caller
// reports media progress and problems, and asks at any time (Tick) whether the state changed.
class HlsMediaWatchdog
{
public:
    struct Change
    {
        bool Failed = false; // true: the error starts (Code, Message); false: media came back (recovered)
        HlsErrorCode Code = HlsErrorCode::None;
        std::string Message; // one sentence for the person watching
    };
    explicit HlsMediaWatchdog(double timeout = HlsLimits{}.NoMediaTimeout) : Timeout(timeout) {}
    void Start(double now);   // the clock starts (playback begins); a running watchdog restarts clean
    void OnMedia(double now); // media was decoded (or demuxed while video is off)
    // A problem that may explain a lack of media: source problems name the error before decode ones.
    void OnProblem(HlsErrorCode code, const std::string& detail, double now);
    // The stream ended (ENDLIST played out): no more errors if it had media; one that ended without any
    // media still fails when its time is up (a stream nobody could watch).
    void OnEnded()
    {
        if (MediaSeen) Running = false;
    }
    // The source explains why there is no media (the broadcast has not started, or its publisher is away within
    // the grace period): no error while it says so; the clock restarts from `now`, and a failure it explains ends.
    void OnSourceWaiting(double now);
    std::optional<Change> Tick(double now);
    double NextWakeup() const; // +infinity when no error can start
    bool Failed() const { return FailedFlag; }

private:
    double Timeout; // seconds
    bool Running = false, FailedFlag = false, MediaSinceFailure = false, MediaSeen = false;
    double LastMediaAt = 0.0; // seconds, or the start
    HlsErrorCode SourceCode = HlsErrorCode::None, DecodeCode = HlsErrorCode::None;
    std::string SourceDetail, DecodeDetail;
};

// [SECTION] Broadcast state (what the widget shows and its `statechange` event names)

enum class BroadcastState
{
    Starting,     // "starting": the source says the broadcast has not started (404, or a live playlist with no media yet)
    Live,         // "live": media flows
    Reconnecting, // "reconnecting": a live playlist that had media stopped growing, no ENDLIST yet (publisher away)
    Ended,        // "ended": an ENDLIST playlist has been handed out completely
    Error,        // "error": fatal, or the no-media watchdog failed
};
const char* BroadcastStateName(BroadcastState state);

struct BroadcastSignals
{
    bool Fatal = false;           // the session stopped for good
    bool WatchdogFailed = false;  // the no-media error is on
    bool Ended = false;           // HlsSession::Ended()
    bool WaitingForStart = false; // HlsSession::WaitingForStart()
    bool MediaSeen = false;       // media was handed out at least once
    bool PublisherAway = false;   // HlsSession::PublisherAway(now)
};
// Pure: fatal or watchdog error > ended > starting (waiting, or no media yet) > reconnecting > live.
BroadcastState BroadcastStateOf(const BroadcastSignals& signals);

struct HlsSessionConfig
{
    bool LowLatency = true;         // load parts when the playlist has EXT-X-PART-INF
    bool AutoAbr = true;            // switch variants from the throughput estimate
    bool UsePreloadHints = true;    // request EXT-X-PRELOAD-HINT parts with the blocking reload (false: as hls.js)
    int StartVariant = -1;          // -1: with AutoAbr the lowest BANDWIDTH (then a fast step up), else the first listed
    double MinSwitchInterval = 4.0; // seconds between ABR switches up (Abr.MinSwitchInterval is taken from here)
    HlsAbrConfig Abr;               // the rest of the ABR tuning (abr.h)
    int MaxMediaRetries = 2;
    HlsLimits Limits; // caps, timeouts and backoff
    // Uniform [0, 1) source for the backoff jitter; empty: a generator seeded from the start URL and time.
    std::function<double()> Random;
    // AES-128 decryption (METHOD=AES-128). Without one, an encrypted stream is a fatal "unsupported-playlist".
    HlsDecryptorFactory Decryptor;
    int MaxInvalidPlaylists = 3; // invalid playlists in a row, before any media playlist loaded, that are fatal
    // Media is not loaded more than this far (seconds of PROGRAM-DATE-TIME) beyond the playhead the caller reports with
    // SetPlayhead(), so a replay or a DVR position far from the edge does not download the whole recording. Items
    // without a PDT are never held back; nothing is held back before the first SetPlayhead() or Seek().
    double MaxBufferAhead = 30.0;
    // Listed parts requested ahead of the cursor while it is behind the live edge (the start point is up to a segment
    // behind it, at an independent part), beside the cursor's own request, once a first item has loaded and while none
    // fails; 0: one at a time. 2 keeps a start within the 6 connections per host of an HTTP/1.1 browser (blocking reload,
    // preload hint, init segment, the cursor's part, 2 ahead).
    int MediaLookahead = 2;
};

// Why playback stopped for good. Code: "unsupported-playlist" (Kind Unsupported: valid, but what livescope
// does not play, e.g. SAMPLE-AES) or "invalid-playlist" (Kind Invalid: the playlist breaks the spec).
struct HlsSessionError
{
    HlsParseErrorKind Kind = HlsParseErrorKind::Invalid;
    std::string Code;
    std::string Message; // "line N: reason" for a playlist
};

// [SECTION] HlsSession

class HlsSession
{
public:
    explicit HlsSession(HlsSessionConfig config = {});
    ~HlsSession();
    HlsSession(const HlsSession&) = delete;
    HlsSession& operator=(const HlsSession&) = delete;

    // Begins with `url` (multivariant or media playlist). Queues the first request.
    void Start(const std::string& url, double now);
    // Runs timers (reloads, retries, staleness). Call at NextWakeup() at the latest, or any time.
    void Tick(double now);
    // Earliest time Tick() has work; +infinity when only responses can make progress.
    double NextWakeup() const;

    // Requests to perform now; ownership moves to the caller. Perform them concurrently.
    std::vector<HlsLoadRequest> TakeRequests();
    // Ids of requests to abort; later callbacks for them are ignored.
    std::vector<uint64_t> TakeCancellations();

    // Response callbacks for request `id` (unknown or cancelled ids are ignored).
    void OnResponse(uint64_t id, int status, double now);                    // headers arrived (HTTP status)
    void OnData(uint64_t id, const uint8_t* bytes, size_t size, double now); // a body chunk; bytes are copied
    void OnComplete(uint64_t id, double now);                                // body finished
    void OnError(uint64_t id, const std::string& reason, double now);        // transport failure

    // In-order media chunks ready so far; ownership moves to the caller.
    std::vector<HlsMediaChunk> TakeMedia();
    std::vector<HlsEventRecord> TakeEvents();

    // Replay and DVR. Seek moves playback to `position` (seconds from the start of the current media playlist): the
    // segment that holds it (SeekPointAt) is loaded next, with its init segment again, anything in flight is cancelled,
    // Ended() clears and the hold ends. Before the first media playlist, the seek is kept and replaces the start point.
    // The result says where media restarts and the PDT of the target (the caller drops what comes before it).
    HlsSeekPoint Seek(double position, double now);
    // Holds media loading (a paused replay): the media request in flight is cancelled and none is issued until
    // SetHold(false) or Seek(). Playlist reloads go on.
    void SetHold(bool hold, double now);
    // The PDT (epoch seconds) of the frame on screen: media starting more than MaxBufferAhead after it waits.
    void SetPlayhead(double pdt, double now);
    // True when the media playlist played is a replay (IsReplayPlaylist of its first load).
    bool IsReplay() const;
    // The media playlist's time span (TimelineOf); empty before the first load.
    HlsTimeline Timeline() const;

    // Pins a variant (disables ABR); -1 re-enables ABR. Takes effect at the next independent part.
    void SelectVariant(int variant, double now);
    // How playback copes (dropped frames, decode load) over the last window; ABR steps down when it is too heavy.
    void SetPlaybackHealth(const HlsAbrHealth& health, double now);

    const HlsStats& Stats() const { return StatsData; }
    const HlsPlaylist* Multivariant() const;
    const HlsPlaylist* MediaPlaylist() const; // the rendition being played, or null before the first load
    bool Ended() const { return EndedFlag; }
    // True while the source says the broadcast has not started, before any media was handed out: the last answer
    // to a playlist request was 404 or 410, or the media playlist is live and lists no segment and no part yet.
    bool WaitingForStart() const;
    // True when the live media playlist has not changed for PublisherAwayAfter() seconds (no ENDLIST): the
    // publisher stopped; the origin adds ENDLIST after its grace period, or the playlist grows again. Not while
    // the last playlist request failed in transport (refused, reset: the server is gone, the watchdog's error).
    bool PublisherAway(double now) const;
    // Seconds without a playlist change that mean the publisher is away: max(2, 5 x PART-TARGET) on a low-latency
    // playlist (parts every PART-TARGET), else 1.5 x target duration (the stale rule); +infinity before a playlist.
    double PublisherAwayAfter() const;
    // True once media (a part or segment) was handed out.
    bool MediaSeen() const { return StatsData.PartsLoaded + StatsData.SegmentsLoaded > 0; }
    // Set when playback cannot continue: an unsupported playlist (at once), or an invalid one MaxInvalidPlaylists
    // times in a row before any media playlist loaded. The session then requests nothing more.
    const std::optional<HlsSessionError>& FatalError() const;
    // The last playlist parse error (also while retrying), with its kind.
    const std::optional<HlsParseError>& LastParseError() const;

private:
    struct Impl;
    std::unique_ptr<Impl> P;
    HlsStats StatsData;
    bool EndedFlag = false;
};

} // namespace livescope
