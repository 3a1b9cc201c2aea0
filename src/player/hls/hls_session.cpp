// HlsSession implementation: playlist loop (blocking reloads, delta updates, staleness), preload hints,
// in-order media hand-out, throughput estimation and variant switching at independent parts.
//
// [SECTION] Names
// [SECTION] Limits (pure policy: caps, timeouts, backoff, no-media watchdog)
// [SECTION] Broadcast state
// [SECTION] State
// [SECTION] Requests
// [SECTION] Playlists
// [SECTION] Hints
// [SECTION] Media pump
// [SECTION] Keys, decryption and fatal errors
// [SECTION] ABR and switching
// [SECTION] Public API
#include <livescope/player/hls/hls_session.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace livescope {

// [SECTION] Names

const char* HlsRequestKindName(HlsRequestKind kind)
{
    switch (kind)
    {
        case HlsRequestKind::Multivariant: return "multivariant";
        case HlsRequestKind::MediaPlaylist: return "playlist";
        case HlsRequestKind::Map: return "map";
        case HlsRequestKind::Part: return "part";
        case HlsRequestKind::Segment: return "segment";
        case HlsRequestKind::PreloadPart: return "preload-part";
        case HlsRequestKind::Key: return "key";
    }
    return "?";
}

const char* HlsEventName(HlsEvent event)
{
    switch (event)
    {
        case HlsEvent::MultivariantLoaded: return "MultivariantLoaded";
        case HlsEvent::PlaylistLoaded: return "PlaylistLoaded";
        case HlsEvent::PlaylistUpdated: return "PlaylistUpdated";
        case HlsEvent::PlaylistUnchanged: return "PlaylistUnchanged";
        case HlsEvent::PlaylistStale: return "PlaylistStale";
        case HlsEvent::DeltaMergeFailed: return "DeltaMergeFailed";
        case HlsEvent::BlockingMiss: return "BlockingMiss";
        case HlsEvent::StartPointChosen: return "StartPointChosen";
        case HlsEvent::HintRequested: return "HintRequested";
        case HlsEvent::HintUsed: return "HintUsed";
        case HlsEvent::HintCancelled: return "HintCancelled";
        case HlsEvent::VariantSwitchStarted: return "VariantSwitchStarted";
        case HlsEvent::VariantSwitched: return "VariantSwitched";
        case HlsEvent::MediaLoaded: return "MediaLoaded";
        case HlsEvent::MediaSkipped: return "MediaSkipped";
        case HlsEvent::FellBehind: return "FellBehind";
        case HlsEvent::RequestFailed: return "RequestFailed";
        case HlsEvent::ParseFailed: return "ParseFailed";
        case HlsEvent::EndOfStream: return "EndOfStream";
        case HlsEvent::Fatal: return "Fatal";
    }
    return "?";
}

HlsEventSeverity HlsEventSeverityOf(HlsEvent event)
{
    switch (event)
    {
        case HlsEvent::DeltaMergeFailed:
        case HlsEvent::RequestFailed:
        case HlsEvent::ParseFailed: return HlsEventSeverity::Error;
        case HlsEvent::PlaylistStale:
        case HlsEvent::BlockingMiss:
        case HlsEvent::MediaSkipped:
        case HlsEvent::FellBehind: return HlsEventSeverity::Warning;
        case HlsEvent::MultivariantLoaded:
        case HlsEvent::PlaylistLoaded:
        case HlsEvent::StartPointChosen:
        case HlsEvent::VariantSwitchStarted:
        case HlsEvent::VariantSwitched:
        case HlsEvent::EndOfStream: return HlsEventSeverity::Info;
        case HlsEvent::PlaylistUpdated:
        case HlsEvent::PlaylistUnchanged:
        case HlsEvent::HintRequested:
        case HlsEvent::HintUsed:
        case HlsEvent::HintCancelled:
        case HlsEvent::MediaLoaded:
        case HlsEvent::Fatal: return HlsEventSeverity::Quiet; // Fatal: reported through FatalError()
    }
    return HlsEventSeverity::Quiet;
}

const char* HlsEventSeverityName(HlsEventSeverity severity)
{
    switch (severity)
    {
        case HlsEventSeverity::Quiet: return "quiet";
        case HlsEventSeverity::Info: return "info";
        case HlsEventSeverity::Warning: return "warn";
        case HlsEventSeverity::Error: return "error";
    }
    return "quiet";
}

bool HlsEventChangesRendition(HlsEvent event)
{
    return event == HlsEvent::MultivariantLoaded || event == HlsEvent::PlaylistLoaded || event == HlsEvent::StartPointChosen ||
           event == HlsEvent::VariantSwitchStarted || event == HlsEvent::VariantSwitched;
}

const char* HlsErrorCodeName(HlsErrorCode code)
{
    switch (code)
    {
        case HlsErrorCode::None: return "none";
        case HlsErrorCode::Network: return "source-unreachable";
        case HlsErrorCode::Http: return "source-http-error";
        case HlsErrorCode::TooLarge: return "source-too-large";
        case HlsErrorCode::TimedOut: return "source-timeout";
        case HlsErrorCode::Invalid: return "source-invalid";
        case HlsErrorCode::Undecodable: return "media-undecodable";
        case HlsErrorCode::NoMedia: return "no-media";
    }
    return "?";
}

// [SECTION] Limits

int64_t HlsResponseCap(HlsRequestKind kind, double bandwidth, double duration, double target_duration, const HlsLimits& limits)
{
    switch (kind)
    {
        case HlsRequestKind::Multivariant:
        case HlsRequestKind::MediaPlaylist: return limits.MaxPlaylistBytes;
        case HlsRequestKind::Map: return limits.MediaCapFloor;
        case HlsRequestKind::Key: return limits.MaxKeyBytes;
        case HlsRequestKind::Part:
        case HlsRequestKind::Segment:
        case HlsRequestKind::PreloadPart: break;
    }
    const double span = std::max({duration, target_duration, 0.0}); // seconds
    if (!(bandwidth > 0.0) || !(span > 0.0) || !std::isfinite(bandwidth * span)) return limits.MediaCapCeiling;
    const double allowed = limits.MediaCapHeadroom * bandwidth * span / 8.0; // bytes
    if (!(allowed < static_cast<double>(limits.MediaCapCeiling))) return limits.MediaCapCeiling;
    return std::max(limits.MediaCapFloor, static_cast<int64_t>(allowed));
}

HlsRequestTimeouts HlsTimeoutsFor(HlsRequestKind kind, double target_duration, const HlsLimits& limits)
{
    const double td = target_duration > 0.0 && std::isfinite(target_duration) ? target_duration : 0.0;
    HlsRequestTimeouts t;
    const bool playlist = kind == HlsRequestKind::Multivariant || kind == HlsRequestKind::MediaPlaylist;
    t.Progress = playlist ? std::max(limits.PlaylistProgressTimeout, 3.0 * td) : std::max(limits.MediaProgressTimeout, td);
    t.Deadline = std::max({limits.BodyDeadline, limits.BodyDeadlineTargets * td, t.Progress});
    return t;
}

double HlsBackoffDelay(int failures, double random01, const HlsLimits& limits)
{
    if (failures <= 0) return 0.0;
    if (failures == 1) return std::min(limits.BackoffBase, limits.BackoffMax);
    const double delay = std::min(limits.BackoffMax, limits.BackoffBase * std::ldexp(1.0, std::min(failures - 1, 30)));
    const double u = std::clamp(std::isfinite(random01) ? random01 : 0.0, 0.0, 1.0);
    return delay * (1.0 - std::clamp(limits.BackoffJitter, 0.0, 1.0) * u);
}

void HlsMediaWatchdog::Start(double now)
{
    Running = true;
    FailedFlag = false;
    MediaSinceFailure = false;
    MediaSeen = false;
    LastMediaAt = now;
    SourceCode = DecodeCode = HlsErrorCode::None;
    SourceDetail.clear();
    DecodeDetail.clear();
}

void HlsMediaWatchdog::OnMedia(double now)
{
    LastMediaAt = now;
    MediaSeen = true;
    SourceCode = DecodeCode = HlsErrorCode::None;
    SourceDetail.clear();
    DecodeDetail.clear();
    if (FailedFlag) MediaSinceFailure = true;
}

void HlsMediaWatchdog::OnProblem(HlsErrorCode code, const std::string& detail, double)
{
    if (code == HlsErrorCode::None) return;
    if (code == HlsErrorCode::Undecodable)
    {
        DecodeCode = code;
        DecodeDetail = detail;
    }
    else
    {
        SourceCode = code;
        SourceDetail = detail;
    }
}

std::optional<HlsMediaWatchdog::Change> HlsMediaWatchdog::Tick(double now)
{
    if (!Running) return std::nullopt;
    if (FailedFlag && MediaSinceFailure)
    {
        FailedFlag = false;
        MediaSinceFailure = false;
        return Change{false, HlsErrorCode::None, {}};
    }
    if (FailedFlag || now - LastMediaAt < Timeout) return std::nullopt;
    FailedFlag = true;
    Change c;
    c.Failed = true;
    c.Code = SourceCode != HlsErrorCode::None ? SourceCode : DecodeCode != HlsErrorCode::None ? DecodeCode
                                                                                              : HlsErrorCode::NoMedia;
    const std::string& detail = SourceCode != HlsErrorCode::None ? SourceDetail : DecodeDetail;
    const char* why = "the stream has no media yet";
    switch (c.Code)
    {
        case HlsErrorCode::Network: why = "the stream's server cannot be reached"; break;
        case HlsErrorCode::Http: why = "the stream's server answers with an error"; break;
        case HlsErrorCode::TooLarge: why = "the stream's server sends far more data than the stream allows"; break;
        case HlsErrorCode::TimedOut: why = "the stream's server is too slow to answer"; break;
        case HlsErrorCode::Invalid: why = "the stream's playlist is not valid"; break;
        case HlsErrorCode::Undecodable: why = "the stream's media cannot be decoded"; break;
        case HlsErrorCode::None:
        case HlsErrorCode::NoMedia: break;
    }
    char head[64];
    std::snprintf(head, sizeof head, "No video for %.0f s: ", Timeout);
    c.Message = head + std::string(why);
    if (!detail.empty()) c.Message += " (" + (detail.size() > 120 ? detail.substr(0, 117) + "..." : detail) + ")";
    c.Message += ". Still trying.";
    return c;
}

void HlsMediaWatchdog::OnSourceWaiting(double now)
{
    if (!Running) return;
    LastMediaAt = now;
    SourceCode = DecodeCode = HlsErrorCode::None;
    SourceDetail.clear();
    DecodeDetail.clear();
    if (FailedFlag) MediaSinceFailure = true; // the failure is explained: the next Tick reports it over
}

double HlsMediaWatchdog::NextWakeup() const
{
    if (!Running) return std::numeric_limits<double>::infinity();
    if (FailedFlag) return MediaSinceFailure ? LastMediaAt : std::numeric_limits<double>::infinity();
    return LastMediaAt + Timeout;
}

// [SECTION] Broadcast state

const char* BroadcastStateName(BroadcastState state)
{
    switch (state)
    {
        case BroadcastState::Starting: return "starting";
        case BroadcastState::Live: return "live";
        case BroadcastState::Reconnecting: return "reconnecting";
        case BroadcastState::Ended: return "ended";
        case BroadcastState::Error: return "error";
    }
    return "error";
}

BroadcastState BroadcastStateOf(const BroadcastSignals& s)
{
    if (s.Fatal || s.WatchdogFailed) return BroadcastState::Error;
    if (s.Ended) return BroadcastState::Ended;
    if (s.WaitingForStart || !s.MediaSeen) return BroadcastState::Starting;
    if (s.PublisherAway) return BroadcastState::Reconnecting;
    return BroadcastState::Live;
}

// [SECTION] State

namespace {
constexpr double kNever = std::numeric_limits<double>::infinity();

struct Request
{
    HlsLoadRequest R;
    double IssuedAt = 0.0;
    double FirstByteAt = -1.0;
    double LastActivityAt = 0.0; // issue time, then each response/data callback
    int Status = 0;
    std::vector<uint8_t> Body; // bytes received and not yet handed out (media), or the whole body (playlists)
    size_t Base = 0;           // bytes dropped from Body's front once handed out (Body[0] is byte Base)
    size_t Received = 0;       // bytes received (after SkipBytes) = Base + Body.size()
    size_t Delivered = 0;      // bytes already handed out (media) or consumed
    int64_t Cap = 0;           // bytes: a body over this is aborted (HlsResponseCap)
    HlsRequestTimeouts Timeouts;
    int64_t SkipBytes = 0; // bytes to drop (server ignored our Range)
    bool Complete = false;
    bool Ahead = false;        // a listed part requested before the cursor reached it (IssueAhead), not claimed yet
    bool IssuedAhead = false;  // it was (no throughput sample: it shared the link with the cursor's request)
    double CompletedAt = -1.0; // seconds: when the body completed (its bytes may wait for the init segment's)
    int Rendition = 0; // generation of the rendition that issued it
    // Hint bookkeeping
    bool Listed = false;
    double ListedAt = -1.0;
    size_t BytesAtListed = 0;
    // AES-128: Delivered counts ciphertext; the decryptor holds at most one block back
    std::shared_ptr<HlsDecryptor> Decrypt;
    bool DecryptFinished = false, PlainEmitted = false;
};

struct Item
{ // the media position being handed out
    HlsPosition Pos;
    HlsRequestKind Kind = HlsRequestKind::Part;
    std::string Uri;
    std::optional<HlsByteRange> Range;
    std::optional<HlsMap> Map;
    bool Independent = false;
    int64_t DiscontinuitySeq = 0;
    std::optional<double> ProgramDateTime;
    double Duration = 0.0;
    int Retries = 0;
    std::optional<HlsKey> Key; // AES-128 key of its segment
};

struct Rendition
{
    int Generation = 0;
    int Variant = -1;
    std::string Url;
    bool HavePlaylist = false;
    HlsPlaylist Pl;
    uint64_t PlaylistReq = 0;
    double LastLoadStart = 0.0;
    double LastChange = 0.0;
    double NextReloadAt = kNever;
    bool NoSkipNext = false;
    bool StaleReported = false;
    int Failures = 0; // consecutive failed loads of this rendition's playlist (backoff)
};

bool SameMap(const std::optional<HlsMap>& a, const std::optional<HlsMap>& b)
{
    if (!a || !b) return !a && !b;
    return *a == *b;
}
} // namespace

struct HlsSession::Impl
{
    HlsSessionConfig Cfg;
    HlsStats& St;
    bool& Ended;
    std::map<uint64_t, Request> Reqs;
    uint64_t NextId = 1;
    std::vector<HlsLoadRequest> OutRequests;
    std::vector<uint64_t> OutCancels;
    std::vector<HlsMediaChunk> OutMedia;
    std::vector<HlsEventRecord> OutEvents;
    std::string StartUrl;
    bool Started = false;
    uint64_t MultivariantReq = 0;
    double MultivariantRetryAt = kNever;
    std::optional<HlsPlaylist> Mv;
    Rendition Active;
    std::optional<Rendition> Pending;
    int NextGeneration = 1;
    bool Positioned = false;
    HlsPosition Cursor;
    std::optional<Item> Cur;
    uint64_t CurReq = 0, MapReq = 0;
    std::optional<HlsMap> MapReqFor; // the map MapReq loads
    std::vector<uint64_t> AheadReqs; // parts requested ahead of the cursor (IssueAhead), oldest first
    std::optional<HlsMap> DeliveredMap;
    bool MapStarted = false;
    bool ManualVariant = false;
    double LastSwitchAt = -kNever;
    double LastSampleAt = 0.0; // seconds: the last throughput sample (the session's start counts as one)
    double LastSampleBps = 0.0; // bits/s of that sample (0: none yet)
    static constexpr double SwitchHoldMax = 1.5; // seconds Pump waits at a segment start for the pending variant
    HlsPosition SwitchHoldAt{-1, -1};            // the segment start being waited at
    double SwitchHoldUntil = -kNever;            // seconds
    double FirstChangeAt = -1.0, AgeIntegral = 0.0, LastAgeMark = 0.0;
    HlsBandwidthEstimator Bw;
    HlsAbrState Abr;
    HlsAbrHealth Health;
    int PlaylistFailures = 0;                  // consecutive failed multivariant loads (backoff)
    bool PlaylistNotFound = false;             // the last answer to a playlist request was 404 or 410 (not started yet)
    bool PlaylistUnreachable = false;          // the last playlist request failed in transport (not "publisher away")
    int MediaFailures = 0;                     // consecutive failed media requests (backoff from the second)
    double MediaRetryAt = -kNever;             // no new media request before this (seconds)
    bool MediaWaiting = false;                 // the last Pump stopped at MediaRetryAt
    uint64_t RandomState = 0;                  // xorshift64* state for the default jitter source
    std::map<std::string, double> FirstListed; // part URI + '@' + offset -> arrival of the playlist that first listed it (-1: initial load)
    // AES-128 keys and errors that end the session (see the [SECTION] Keys, decryption and fatal errors)
    std::map<std::string, std::array<uint8_t, 16>> Keys; // key URI -> key
    std::deque<std::string> KeyOrder;                    // oldest first, for eviction
    uint64_t KeyReq = 0;
    std::optional<HlsSessionError> FatalErr;
    std::optional<HlsParseError> LastParseErr;
    int InvalidLoads = 0;
    // Replay and DVR (Seek, SetHold, SetPlayhead)
    std::optional<double> PendingSeek; // seconds: a seek asked before the first media playlist
    bool Held = false;
    std::optional<double> PlayheadPdt; // epoch seconds: the frame on screen (or the last seek's target)
    bool BufferFull = false;           // the last Pump stopped MaxBufferAhead beyond the playhead
    std::optional<bool> Replay;        // decided at the first media playlist

    HlsSeekPoint SeekNow(double position, double now)
    {
        const HlsSeekPoint sp = SeekPointAt(Active.Pl, position, LowLatency(Active.Pl));
        if (!sp.Ok) return sp;
        Cancel(CurReq);
        CurReq = 0;
        Cancel(MapReq);
        MapReq = 0;
        CancelAhead();
        Cur.reset();
        DeliveredMap.reset(); // the decoder restarts: the init segment goes out again
        MapStarted = false;
        Cursor = sp.Position;
        Positioned = true;
        Ended = false;
        Held = false;
        MediaRetryAt = -kNever;
        MediaFailures = 0;
        PlayheadPdt = sp.TargetPdt;
        Event(HlsEvent::StartPointChosen, now, "seek to " + std::to_string(sp.Target) + " s: msn " + std::to_string(Cursor.Msn));
        return sp;
    }

    Impl(HlsSessionConfig cfg, HlsStats& st, bool& ended) : Cfg(cfg), St(st), Ended(ended) {}

    bool LowLatency(const HlsPlaylist& pl) const { return IsLowLatency(pl, Cfg.LowLatency); }

    void Event(HlsEvent e, double now, std::string detail = {}, HlsErrorCode code = HlsErrorCode::None) { OutEvents.push_back({e, now, std::move(detail), code}); }

    // [SECTION] Limits applied

    double Random01()
    {
        if (Cfg.Random) return Cfg.Random();
        RandomState ^= RandomState >> 12;
        RandomState ^= RandomState << 25;
        RandomState ^= RandomState >> 27;
        return static_cast<double>((RandomState * 0x2545F4914F6CDD1DULL) >> 11) * 0x1.0p-53;
    }
    void SeedRandom(const std::string& url, double now)
    {
        uint64_t h = 1469598103934665603ULL; // FNV-1a over the URL, mixed with the start time's bits
        for (unsigned char c : url)
        {
            h ^= c;
            h *= 1099511628211ULL;
        }
        uint64_t t = 0;
        std::memcpy(&t, &now, sizeof t);
        RandomState = (h ^ (t * 0x9E3779B97F4A7C15ULL)) | 1;
    }
    double Backoff(int failures) { return HlsBackoffDelay(failures, Random01(), Cfg.Limits); }
    double ActiveTargetDuration() const { return Active.HavePlaylist && Active.Pl.TargetDuration > 0 ? Active.Pl.TargetDuration : 0.0; }
    double ActiveBandwidth() const
    {
        if (!Mv || Active.Variant < 0 || static_cast<size_t>(Active.Variant) >= Mv->Variants.size()) return 0.0;
        return static_cast<double>(Mv->Variants[static_cast<size_t>(Active.Variant)].Bandwidth);
    }

    // [SECTION] Requests

    // `duration` (seconds) of the part or segment asked for, 0 when unknown: it sizes the cap.
    uint64_t Issue(HlsRequestKind kind, const std::string& url, std::optional<HlsRequestRange> range, double now, int generation, double duration = 0.0)
    {
        HlsLoadRequest r;
        r.Id = NextId++;
        r.Kind = kind;
        r.Url = url;
        r.Range = range;
        Request q;
        q.R = r;
        q.IssuedAt = now;
        q.LastActivityAt = now;
        q.Rendition = generation;
        const double td = ActiveTargetDuration();
        q.Cap = HlsResponseCap(kind, ActiveBandwidth(), duration, td, Cfg.Limits);
        q.Timeouts = HlsTimeoutsFor(kind, td, Cfg.Limits);
        Reqs.emplace(r.Id, q);
        OutRequests.push_back(r);
        St.Requests++;
        return r.Id;
    }

    void Cancel(uint64_t id)
    {
        if (id == 0) return;
        if (Reqs.erase(id)) OutCancels.push_back(id);
    }

    Request* Find(uint64_t id)
    {
        auto it = Reqs.find(id);
        return it == Reqs.end() ? nullptr : &it->second;
    }

    // [SECTION] Playlists

    void RequestPlaylist(Rendition& rd, double now, bool blocking)
    {
        const HlsPlaylist* pl = rd.HavePlaylist ? &rd.Pl : nullptr;
        std::string url = rd.Url;
        HlsPosition expect;
        bool is_blocking = false;
        if (pl && blocking && pl->ServerControl.CanBlockReload && !pl->EndList)
        {
            const bool ll = LowLatency(*pl);
            expect = NextPosition(*pl, ll);
            const HlsSkipRequest skip = rd.NoSkipNext ? HlsSkipRequest::No : ChooseSkip(*pl, now - rd.LastLoadStart);
            url = BuildReloadUrl(rd.Url, expect.Msn, ll ? expect.Part : -1, skip);
            is_blocking = true;
            St.BlockingRequests++;
        }
        else if (pl && !rd.NoSkipNext)
        {
            const HlsSkipRequest skip = ChooseSkip(*pl, now - rd.LastLoadStart);
            if (skip != HlsSkipRequest::No) url = BuildReloadUrl(rd.Url, std::nullopt, -1, skip);
        }
        rd.NoSkipNext = false;
        rd.PlaylistReq = Issue(HlsRequestKind::MediaPlaylist, url, std::nullopt, now, rd.Generation);
        Request& q = Reqs[rd.PlaylistReq];
        q.R.Blocking = is_blocking;
        q.R.Expect = expect;
        OutRequests.back().Blocking = is_blocking;
        OutRequests.back().Expect = expect;
        rd.LastLoadStart = now;
        rd.NextReloadAt = kNever;
    }

    Rendition* RenditionFor(int generation)
    {
        if (Active.Generation == generation) return &Active;
        if (Pending && Pending->Generation == generation) return &*Pending;
        return nullptr;
    }

    void OnMultivariantBody(const std::string& text, double issued_at, double now)
    {
        HlsParseResult pr = ParsePlaylist(text, StartUrl);
        if (!pr.Ok)
        {
            St.Errors++;
            Event(HlsEvent::ParseFailed, now, "line " + std::to_string(pr.Error.Line) + ": " + pr.Error.Reason, HlsErrorCode::Invalid);
            if (OnParseError(pr.Error, now)) return;
            MultivariantRetryAt = now + Backoff(++PlaylistFailures);
            return;
        }
        if (pr.Playlist.Kind == HlsPlaylistKind::Media)
        {
            PlaylistFailures = 0;
            Active = Rendition{};
            Active.Generation = NextGeneration++;
            Active.Url = StartUrl;
            Active.LastLoadStart = issued_at;
            OnMediaPlaylist(Active, std::move(pr.Playlist), false, HlsPosition{}, now);
            return;
        }
        if (pr.Playlist.Variants.empty())
        {
            St.Errors++;
            Event(HlsEvent::ParseFailed, now, "line 0: multivariant playlist has no playable variant", HlsErrorCode::Invalid);
            MultivariantRetryAt = now + Backoff(++PlaylistFailures);
            return;
        }
        PlaylistFailures = 0;
        Mv = std::move(pr.Playlist);
        const int v = HlsAbrStartVariant(Mv->Variants, Cfg.StartVariant, Cfg.AutoAbr);
        Active = Rendition{};
        Active.Generation = NextGeneration++;
        Active.Variant = v;
        Active.Url = Mv->Variants[static_cast<size_t>(v)].Uri;
        St.CurrentVariant = v;
        Event(HlsEvent::MultivariantLoaded, now, std::to_string(Mv->Variants.size()) + " variants, playing " + std::to_string(v));
        RequestPlaylist(Active, now, false);
    }

    void OnPlaylistFailed(Rendition& rd, double now)
    {
        rd.PlaylistReq = 0;
        rd.NoSkipNext = true;
        rd.NextReloadAt = now + Backoff(++rd.Failures);
    }

    void OnMediaPlaylistBody(Rendition& rd, const Request& q, const std::string& text, double now)
    {
        rd.PlaylistReq = 0;
        HlsParseResult pr = ParsePlaylist(text, rd.Url);
        if (!pr.Ok || pr.Playlist.Kind != HlsPlaylistKind::Media)
        {
            St.Errors++;
            Event(HlsEvent::ParseFailed, now, pr.Ok ? "line 0: expected a media playlist" : "line " + std::to_string(pr.Error.Line) + ": " + pr.Error.Reason, HlsErrorCode::Invalid);
            if (OnParseError(pr.Ok ? HlsParseError{0, "expected a media playlist", HlsParseErrorKind::Invalid} : pr.Error, now)) return;
            OnPlaylistFailed(rd, now);
            return;
        }
        OnMediaPlaylist(rd, std::move(pr.Playlist), q.R.Blocking, q.R.Expect, now);
    }

    void OnMediaPlaylist(Rendition& rd, HlsPlaylist pl, bool blocking, HlsPosition expect, double now)
    {
        St.PlaylistLoads++;
        rd.Failures = 0;
        InvalidLoads = 0;
        if (pl.Skip)
        {
            St.DeltaUpdates++;
            if (!rd.HavePlaylist)
            {
                St.DeltaMergeFailures++;
                Event(HlsEvent::DeltaMergeFailed, now, "no previous playlist");
                rd.NoSkipNext = true;
                RequestPlaylist(rd, now, false);
                return;
            }
            HlsMergeResult m = MergePlaylistUpdate(rd.Pl, pl);
            if (!m.Ok)
            {
                St.DeltaMergeFailures++;
                Event(HlsEvent::DeltaMergeFailed, now, m.Reason);
                rd.NoSkipNext = true;
                RequestPlaylist(rd, now, false);
                return;
            }
            pl = std::move(m.Playlist);
        }
        const bool first = !rd.HavePlaylist;
        bool changed = first;
        if (!first)
        {
            const bool ll = LowLatency(pl);
            const HlsPosition a = NextPosition(rd.Pl, ll), b = NextPosition(pl, ll);
            changed = b.Msn > a.Msn || (b.Msn == a.Msn && b.Part > a.Part) || pl.EndList != rd.Pl.EndList ||
                      pl.PreloadHints.size() != rd.Pl.PreloadHints.size() ||
                      (!pl.PreloadHints.empty() && !rd.Pl.PreloadHints.empty() && pl.PreloadHints[0].Uri != rd.Pl.PreloadHints[0].Uri);
        }
        if (blocking && !PlaylistHas(pl, expect))
        {
            St.BlockingMisses++;
            Event(HlsEvent::BlockingMiss, now, "asked for msn " + std::to_string(expect.Msn) + " part " + std::to_string(expect.Part));
        }
        rd.Pl = std::move(pl);
        rd.HavePlaylist = true;
        const bool is_active = &rd == &Active;
        if (changed)
        {
            if (is_active)
            {
                if (FirstChangeAt < 0)
                {
                    FirstChangeAt = now;
                    LastAgeMark = now;
                }
                else { AgeIntegral += (now - rd.LastChange) * (now - rd.LastChange) / 2.0; }
                St.PlaylistChanges++;
            }
            rd.LastChange = now;
            rd.StaleReported = false;
        }
        Event(first ? HlsEvent::PlaylistLoaded : (changed ? HlsEvent::PlaylistUpdated : HlsEvent::PlaylistUnchanged), now,
              std::to_string(rd.Pl.Segments.size()) + " segments");
        if (is_active && !Replay) Replay = IsReplayPlaylist(rd.Pl);
        if (is_active && !Positioned && PendingSeek)
        {
            const double target = *PendingSeek;
            PendingSeek.reset();
            SeekNow(target, now);
        }
        if (is_active && !Positioned)
        {
            const bool ll = LowLatency(rd.Pl);
            HlsStartPoint sp = ComputeStartPoint(rd.Pl, ll);
            if (sp.Ok)
            {
                Positioned = true;
                Cursor = sp.Position;
                Event(HlsEvent::StartPointChosen, now, "msn " + std::to_string(Cursor.Msn) + " part " + std::to_string(Cursor.Part) + ", " + std::to_string(sp.Distance) + " s from the edge");
            }
        }
        if (is_active) RecordListing(first, now);
        if (is_active) UpdateHints(now);
        // The first playlist: the start point's init segment and parts are asked for before the blocking reload and the
        // hint, which the origin holds open (a browser queues what passes its connections per host, in order).
        if (is_active && first) Pump(now);
        // Next reload.
        if (!rd.Pl.EndList)
        {
            if (rd.Pl.ServerControl.CanBlockReload)
                RequestPlaylist(rd, now, true);
            else
                rd.NextReloadAt = rd.LastLoadStart + ReloadDelay(rd.Pl, changed);
        }
        if (is_active) IssueHint(now);
    }

    static std::string PartKey(const std::string& uri, int64_t offset) { return uri + "@" + std::to_string(offset); }

    void RecordListing(bool initial, double now)
    {
        std::map<std::string, double> next;
        for (const HlsSegment& s : Active.Pl.Segments)
        {
            for (const HlsPart& p : s.Parts)
            {
                const std::string key = PartKey(p.Uri, p.Range ? p.Range->Offset : 0);
                auto it = FirstListed.find(key);
                next[key] = it != FirstListed.end() ? it->second : (initial ? -1.0 : now);
            }
        }
        FirstListed = std::move(next);
    }

    // [SECTION] Hints

    static int64_t RangeStart(const std::optional<HlsRequestRange>& r) { return r ? r->Offset : 0; }

    bool ListedInActive(const Request& q) const
    {
        for (const HlsSegment& s : Active.Pl.Segments)
        {
            for (const HlsPart& p : s.Parts)
            {
                if (p.Uri == q.R.Url && (p.Range ? p.Range->Offset : 0) == RangeStart(q.R.Range)) return true;
            }
        }
        return false;
    }

    bool MatchesHint(const Request& q, const HlsPreloadHint& h) const
    {
        return q.R.Url == h.Uri && RangeStart(q.R.Range) == h.ByteRangeStart;
    }

    const HlsPreloadHint* PartHint() const
    {
        for (const HlsPreloadHint& h : Active.Pl.PreloadHints)
            if (h.Type == HlsHintType::Part) return &h;
        return nullptr;
    }

    void UpdateHints(double now)
    {
        const HlsPreloadHint* hint = PartHint();
        std::vector<uint64_t> cancel;
        std::vector<uint64_t> forget;
        for (auto& [id, q] : Reqs)
        {
            if (q.R.Kind != HlsRequestKind::PreloadPart) continue;
            if (q.Listed)
            {
                // A hinted part that has left the playlist unused (the position moved on) is dropped.
                if (id != CurReq && !ListedInActive(q)) forget.push_back(id);
                continue;
            }
            if (ListedInActive(q))
            {
                MarkListed(q, now);
                continue;
            }
            if (hint && MatchesHint(q, *hint)) continue;
            if (id == CurReq) continue;
            cancel.push_back(id);
        }
        for (uint64_t id : cancel)
        {
            Cancel(id);
            St.HintsCancelled++;
            Event(HlsEvent::HintCancelled, now, "not referenced by the update");
        }
        for (uint64_t id : forget)
        {
            if (Reqs[id].Complete)
                Reqs.erase(id); // nothing left to abort
            else
                Cancel(id);
        }
    }

    void IssueHint(double now)
    {
        if (!Cfg.UsePreloadHints || !LowLatency(Active.Pl) || Active.Pl.EndList) return;
        const HlsPreloadHint* hint = PartHint();
        if (!hint) return;
        if (AbrProbe(hint, now)) return; // this part is fetched whole once listed: its body measures the link
        for (const auto& [id, q] : Reqs)
        {
            if (q.R.Kind == HlsRequestKind::PreloadPart && MatchesHint(q, *hint)) return;
            if ((q.R.Kind == HlsRequestKind::Part) && MatchesHint(q, *hint)) return;
        }
        HlsRequestRange range{hint->ByteRangeStart, hint->ByteRangeLength};
        const bool ranged = hint->ByteRangeStart != 0 || hint->ByteRangeLength.has_value();
        Issue(HlsRequestKind::PreloadPart, hint->Uri, ranged ? std::optional<HlsRequestRange>(range) : std::nullopt, now, Active.Generation,
              Active.Pl.PartTarget.value_or(0.0));
        St.HintsRequested++;
        Event(HlsEvent::HintRequested, now, hint->Uri);
    }

    // [SECTION] Media pump

    // The session's item for a media item that LookupMediaItem (playlist_logic.h) found Ready.
    static Item ToItem(const HlsMediaItem& m)
    {
        Item it;
        it.Pos = m.Pos;
        it.Kind = m.IsPart ? HlsRequestKind::Part : HlsRequestKind::Segment;
        it.Uri = m.Uri;
        it.Range = m.Range;
        it.Map = m.Map;
        it.Independent = m.Independent;
        it.DiscontinuitySeq = m.DiscontinuitySeq;
        it.ProgramDateTime = m.ProgramDateTime;
        it.Duration = m.Duration;
        it.Key = m.Key;
        return it;
    }

    HlsPosition After(const HlsPosition& pos, const HlsPlaylist& pl) const { return PositionAfter(pos, LowLatency(pl)); }

    void Emit(Request& q, const Item& it, bool init, bool last, double now)
    {
        if (const std::optional<HlsKey>& key = init ? (it.Map ? it.Map->Key : std::nullopt) : it.Key)
        {
            EmitDecrypted(q, it, *key, init, last, now);
            return;
        }
        size_t avail = q.Received;
        if (!init && it.Range && q.Received > static_cast<size_t>(it.Range->Length)) avail = static_cast<size_t>(it.Range->Length);
        if (avail <= q.Delivered && !last) return;
        const auto at = [&](size_t offset) { return q.Body.begin() + static_cast<std::ptrdiff_t>(offset - q.Base); };
        PushChunk(it, init, q.Delivered == 0, last, std::vector<uint8_t>(at(q.Delivered), at(std::max(avail, q.Delivered))));
        q.Delivered = std::max(avail, q.Delivered);
        // What was handed out is not kept: a long body never sits twice in memory.
        q.Body.erase(q.Body.begin(), at(q.Delivered));
        q.Base = q.Delivered;
    }

    // A hinted request the playlist now lists: from here its bytes count as the listed part's (hint lead stats).
    void MarkListed(Request& q, double now)
    {
        q.Listed = true;
        q.ListedAt = now;
        q.BytesAtListed = q.Received;
        if (q.FirstByteAt >= 0)
        {
            St.HintLeadSum += now - q.FirstByteAt;
            St.HintLeadCount++;
        }
    }

    // Hands one chunk of the item `it` to the caller (OutMedia), tagged with its place in the stream.
    void PushChunk(const Item& it, bool init, bool first, bool last, std::vector<uint8_t> bytes)
    {
        HlsMediaChunk c;
        c.Bytes = std::move(bytes);
        c.IsInit = init;
        c.Msn = it.Pos.Msn;
        c.Part = it.Pos.Part;
        c.Independent = it.Independent;
        c.First = first;
        c.Last = last;
        c.DiscontinuitySeq = it.DiscontinuitySeq;
        c.ProgramDateTime = it.ProgramDateTime;
        c.Duration = it.Duration;
        c.Variant = Active.Variant;
        St.MediaBytes += static_cast<int64_t>(c.Bytes.size());
        OutMedia.push_back(std::move(c));
    }

    // Uses a hinted request for the current item when one matches, else issues a fresh request (0 while
    // repeated media failures back off).
    uint64_t AcquireMediaRequest(const Item& it, double now)
    {
        const int64_t start = it.Range ? it.Range->Offset : 0;
        for (auto& [id, q] : Reqs)
        {
            if (q.Ahead && q.R.Url == it.Uri && RangeStart(q.R.Range) == start)
            {
                q.Ahead = false; // the cursor's own request from here
                AheadReqs.erase(std::remove(AheadReqs.begin(), AheadReqs.end(), id), AheadReqs.end());
                return id;
            }
            if (q.R.Kind == HlsRequestKind::PreloadPart && q.R.Url == it.Uri && RangeStart(q.R.Range) == start)
            {
                St.HintsUsed++;
                if (!q.Listed)
                    MarkListed(q, now);
                Event(HlsEvent::HintUsed, now, it.Uri);
                return id;
            }
        }
        if (now < MediaRetryAt)
        {
            MediaWaiting = true;
            return 0;
        }
        std::optional<HlsRequestRange> range;
        if (it.Range) range = HlsRequestRange{it.Range->Offset, it.Range->Length};
        return Issue(it.Kind, it.Uri, range, now, Active.Generation, it.Duration);
    }

    // Catching up (the start point, a restart): the listed parts after the cursor's are requested now, up to
    // Cfg.MediaLookahead of them, rather than each after the previous one completes; their bytes are still handed out in
    // order, when the cursor reaches them (AcquireMediaRequest). Only parts of a live low-latency playlist, on the cursor's
    // init segment; never beyond the buffer-ahead bound; only once a media item has loaded and while the last one did not
    // fail (a source whose parts break their caps or time out is not asked for three at once). At the live edge nothing is
    // listed ahead (the hint covers the next).
    void IssueAhead(double now)
    {
        PruneAhead();
        if (Cfg.MediaLookahead <= 0 || !Cur || Cur->Kind != HlsRequestKind::Part || Active.Pl.EndList || Replay.value_or(false) ||
            !LowLatency(Active.Pl) || now < MediaRetryAt || St.PartsLoaded + St.SegmentsLoaded == 0 || MediaFailures > 0)
            return;
        HlsPosition pos = After(Cur->Pos, Active.Pl);
        for (int n = 0, guard = 0; n < Cfg.MediaLookahead && guard < 8; n++, pos = After(pos, Active.Pl))
        {
            HlsItemResult found = LookupMediaItem(Active.Pl, pos, true);
            while (found.Lookup == HlsItemLookup::Skip && !found.Gap && ++guard < 8) // past a segment's last part
            {
                pos = found.SkipTo;
                found = LookupMediaItem(Active.Pl, pos, true);
            }
            if (found.Lookup != HlsItemLookup::Ready || !found.Item.IsPart || !SameMap(found.Item.Map, Cur->Map)) return;
            if (PlayheadPdt && found.Item.ProgramDateTime && *found.Item.ProgramDateTime > *PlayheadPdt + Cfg.MaxBufferAhead) return;
            const int64_t start = found.Item.Range ? found.Item.Range->Offset : 0;
            bool have = false;
            for (const auto& [id, q] : Reqs)
                if ((q.Ahead || q.R.Kind == HlsRequestKind::PreloadPart) && q.R.Url == found.Item.Uri && RangeStart(q.R.Range) == start) have = true;
            if (have) continue;
            if (static_cast<int>(AheadReqs.size()) >= Cfg.MediaLookahead) return;
            std::optional<HlsRequestRange> range;
            if (found.Item.Range) range = HlsRequestRange{found.Item.Range->Offset, found.Item.Range->Length};
            const uint64_t id = Issue(HlsRequestKind::Part, found.Item.Uri, range, now, Active.Generation, found.Item.Duration);
            Reqs[id].Ahead = Reqs[id].IssuedAhead = true;
            AheadReqs.push_back(id);
            St.PartsRequestedAhead++;
        }
    }

    // Drops the ahead requests that failed, or that the cursor will not reach (it moved past them: a restart, a skip).
    void PruneAhead()
    {
        std::vector<uint64_t> keep;
        for (uint64_t id : AheadReqs)
        {
            Request* q = Find(id);
            if (!q || !q->Ahead) continue;
            bool listed_after = false;
            if (Positioned)
            {
                for (const HlsSegment& seg : Active.Pl.Segments)
                    for (size_t j = 0; j < seg.Parts.size(); j++)
                        if (seg.Parts[j].Uri == q->R.Url && (seg.Parts[j].Range ? seg.Parts[j].Range->Offset : 0) == RangeStart(q->R.Range) &&
                            (seg.Msn > Cursor.Msn || (seg.Msn == Cursor.Msn && static_cast<int>(j) >= Cursor.Part)))
                            listed_after = true;
            }
            if (listed_after && q->Rendition == Active.Generation)
                keep.push_back(id);
            else if (q->Complete)
                Reqs.erase(id); // nothing left to abort
            else
                Cancel(id);
        }
        AheadReqs = std::move(keep);
    }

    void CancelAhead()
    {
        for (uint64_t id : AheadReqs)
            if (Find(id)) Cancel(id);
        AheadReqs.clear();
    }

    // Switches to the pending rendition when the cursor is at one of its independent items. Returns true when Pump
    // should wait instead: the cursor is at a segment start the pending playlist does not list yet. At the live edge
    // the active rendition's hinted parts run ahead of the pending playlist's reloads, so without the wait every
    // segment start would go by on the old variant; the wait ends when the pending playlist lists it (its blocking
    // reload answers then) or after SwitchHoldMax, when the active rendition goes on.
    bool MaybeSwitchAt(double now)
    {
        if (!Pending || !Pending->HavePlaylist || !Positioned) return false;
        const HlsItemResult probe = LookupMediaItem(Pending->Pl, Cursor, LowLatency(Pending->Pl));
        const bool behind = probe.Lookup == HlsItemLookup::Restart;
        if (!(probe.Lookup == HlsItemLookup::Ready && probe.Item.Independent) && !behind)
        {
            if (probe.Lookup != HlsItemLookup::NotYet || Cursor.Part > 0) return false;
            if (!(SwitchHoldAt == Cursor))
            {
                SwitchHoldAt = Cursor;
                SwitchHoldUntil = now + SwitchHoldMax;
            }
            if (now < SwitchHoldUntil) return true;
            SwitchHoldUntil = -kNever; // waited long enough at this position: the active rendition goes on
            return false;
        }
        SwitchHoldUntil = -kNever;
        // Switch: the old rendition's playlist and hints are dropped.
        Cancel(Active.PlaylistReq);
        std::vector<uint64_t> hints;
        for (const auto& [id, q] : Reqs)
            if (q.Rendition == Active.Generation && id != CurReq && id != MapReq) hints.push_back(id);
        for (uint64_t id : hints) Cancel(id);
        Active = std::move(*Pending);
        Pending.reset();
        St.CurrentVariant = Active.Variant;
        St.VariantSwitches++;
        LastSwitchAt = now;
        if (behind)
        {
            HlsStartPoint sp = ComputeStartPoint(Active.Pl, LowLatency(Active.Pl));
            if (sp.Ok) Cursor = sp.Position;
        }
        Event(HlsEvent::VariantSwitched, now, "variant " + std::to_string(Active.Variant) + " at msn " + std::to_string(Cursor.Msn) + " part " + std::to_string(Cursor.Part));
        if (Active.PlaylistReq == 0 && Active.NextReloadAt == kNever && !Active.Pl.EndList) RequestPlaylist(Active, now, true);
        IssueHint(now);
        return false;
    }

    void Pump(double now)
    {
        MediaWaiting = false;
        BufferFull = false;
        if (!Active.HavePlaylist || !Positioned || Ended || FatalErr || Held) return;
        for (int guard = 0; guard < 10000; guard++)
        {
            if (!Cur)
            {
                if (MaybeSwitchAt(now)) return; // waiting at a segment start for the pending variant (Tick retries)
                const HlsItemResult found = LookupMediaItem(Active.Pl, Cursor, LowLatency(Active.Pl));
                if (found.Lookup == HlsItemLookup::NotYet)
                {
                    if (Active.Pl.EndList && (Active.Pl.Segments.empty() || Cursor.Msn > Active.Pl.Segments.back().Msn))
                    {
                        Ended = true;
                        Event(HlsEvent::EndOfStream, now);
                    }
                    return;
                }
                if (found.Lookup == HlsItemLookup::Skip)
                {
                    if (found.Gap) Event(HlsEvent::MediaSkipped, now, "gap at msn " + std::to_string(Cursor.Msn) + " part " + std::to_string(Cursor.Part));
                    Cursor = found.SkipTo;
                    continue;
                }
                if (found.Lookup == HlsItemLookup::Restart)
                {
                    HlsStartPoint sp = ComputeStartPoint(Active.Pl, LowLatency(Active.Pl));
                    Event(HlsEvent::FellBehind, now, "msn " + std::to_string(Cursor.Msn) + " left the playlist");
                    if (!sp.Ok) return;
                    Cursor = sp.Position;
                    continue;
                }
                if (PlayheadPdt && found.Item.ProgramDateTime && *found.Item.ProgramDateTime > *PlayheadPdt + Cfg.MaxBufferAhead)
                {
                    BufferFull = true; // enough ahead of the playhead: SetPlayhead() resumes
                    return;
                }
                Cur = ToItem(found.Item);
                MapStarted = false;
            }
            if (!KeysReady(now)) return;
            // Init segment first when the map changes.
            if (Cur->Map && !SameMap(Cur->Map, DeliveredMap))
            {
                if (MapReq != 0 && !SameMap(Cur->Map, MapReqFor))
                { // the init segment in flight is another item's (that item's part failed and was skipped meanwhile)
                    Cancel(MapReq);
                    MapReq = 0;
                }
                if (MapReq == 0)
                {
                    if (now < MediaRetryAt)
                    {
                        MediaWaiting = true;
                        return;
                    }
                    std::optional<HlsRequestRange> range;
                    if (Cur->Map->Range) range = HlsRequestRange{Cur->Map->Range->Offset, Cur->Map->Range->Length};
                    MapReq = Issue(HlsRequestKind::Map, Cur->Map->Uri, range, now, Active.Generation);
                    MapReqFor = Cur->Map;
                }
                Request* mq = Find(MapReq);
                if (!mq)
                {
                    MapReq = 0;
                    return;
                }
                Item map_item = *Cur;
                map_item.Range = Cur->Map->Range;
                Emit(*mq, map_item, true, false, now);
                if (!mq->Complete)
                {
                    // The item's own request goes out beside its init segment (no round trip chained on the other: the
                    // first frame waits for both); its bytes are handed out after the init segment's, in order.
                    if (CurReq == 0) CurReq = AcquireMediaRequest(*Cur, now);
                    IssueAhead(now);
                    return;
                }
                HlsMediaChunk end;
                end.IsInit = true;
                end.First = mq->Delivered == 0;
                end.Last = true;
                end.Msn = Cur->Pos.Msn;
                end.Part = Cur->Pos.Part;
                end.Variant = Active.Variant;
                end.DiscontinuitySeq = Cur->DiscontinuitySeq;
                OutMedia.push_back(std::move(end));
                DeliveredMap = Cur->Map;
                Reqs.erase(MapReq);
                MapReq = 0;
            }
            if (CurReq == 0) CurReq = AcquireMediaRequest(*Cur, now);
            IssueAhead(now);
            Request* q = Find(CurReq);
            if (!q)
            {
                CurReq = 0;
                return;
            }
            const bool range_full = Cur->Range && q->Received >= static_cast<size_t>(Cur->Range->Length);
            const bool done = q->Complete || range_full;
            Emit(*q, *Cur, false, done, now);
            if (!done) return;
            // Finished: sample throughput (HlsAbrSampleOf: time to first byte excluded; a hinted part's bytes paced by the
            // encoder never count).
            const HlsThroughputSample sample = HlsAbrSampleOf({q->R.Kind == HlsRequestKind::PreloadPart, q->FirstByteAt, q->ListedAt,
                                                               q->Complete ? q->CompletedAt : now,
                                                               static_cast<double>(q->Received), static_cast<double>(q->BytesAtListed)},
                                                              Cfg.Abr.MinSampleBytes);
            if (sample.Ok && !q->IssuedAhead)
            {
                Bw.AddSample(sample.Bytes, sample.Seconds);
                LastSampleAt = now;
                LastSampleBps = 8.0 * sample.Bytes / sample.Seconds;
                St.ThroughputSamples++;
            }
            St.ThroughputEstimate = Bw.Estimate();
            if (Cur->Kind == HlsRequestKind::Segment)
                St.SegmentsLoaded++;
            else
                St.PartsLoaded++;
            if (Cur->Kind == HlsRequestKind::Part)
            {
                auto listed = FirstListed.find(PartKey(Cur->Uri, Cur->Range ? Cur->Range->Offset : 0));
                if (listed != FirstListed.end() && listed->second >= 0)
                {
                    St.PartEdgeDelaySum += now - listed->second;
                    St.PartEdgeDelayCount++;
                }
            }
            MediaFailures = 0;
            Event(HlsEvent::MediaLoaded, now, q->R.Url);
            if (!q->Complete)
                Cancel(CurReq);
            else
                Reqs.erase(CurReq);
            CurReq = 0;
            Cursor = After(Cur->Pos, Active.Pl);
            Cur.reset();
            ConsiderAbr(now);
        }
    }

    // The earliest time request `q` times out: no progress, or its whole-body deadline.
    static double TimeoutAt(const Request& q) { return std::min(q.LastActivityAt + q.Timeouts.Progress, q.IssuedAt + q.Timeouts.Deadline); }

    // Consecutive media failures back off from the second on (the first failed part is skipped at once).
    void OnMediaFailure(double now)
    {
        MediaFailures++;
        MediaRetryAt = now + Backoff(MediaFailures - 1);
    }

    void OnMediaFailed(double now)
    {
        Cancel(CurReq);
        CurReq = 0;
        OnMediaFailure(now);
        if (!Cur) return;
        if (++Cur->Retries > Cfg.MaxMediaRetries || Cur->Kind == HlsRequestKind::Part)
        {
            // Parts are not retried: by then the next one is due. Skip it.
            Event(HlsEvent::MediaSkipped, now, "failed: " + Cur->Uri);
            Cursor = After(Cur->Pos, Active.Pl);
            Cur.reset();
        }
    }

    // [SECTION] Keys, decryption and fatal errors

    // True when the keys of the current item (and of its map, when that is still to be delivered) are
    // known; else requests the missing one (one at a time) and returns false.
    bool KeysReady(double now)
    {
        if (KeyReq != 0 && !Find(KeyReq)) KeyReq = 0; // cancelled (a variant switch): ask again
        const bool map_due = Cur->Map && !SameMap(Cur->Map, DeliveredMap);
        for (const std::optional<HlsKey>* key : {map_due ? &Cur->Map->Key : nullptr, &Cur->Key})
        {
            if (!key || !*key || Keys.count((*key)->Uri)) continue;
            if (!Cfg.Decryptor)
            {
                SetFatal(HlsParseErrorKind::Unsupported, "EXT-X-KEY METHOD=AES-128: this build has no AES-128 decryptor", now);
                return false;
            }
            if (KeyReq == 0) KeyReq = Issue(HlsRequestKind::Key, (*key)->Uri, std::nullopt, now, Active.Generation);
            return false;
        }
        return true;
    }

    void OnKeyBody(uint64_t id, double now)
    {
        Request* q = Find(id);
        if (!q || id != KeyReq)
        {
            Reqs.erase(id);
            return;
        }
        if (q->Body.size() != 16)
        {
            St.Errors++;
            Event(HlsEvent::RequestFailed, now, "key " + q->R.Url + ": " + std::to_string(q->Body.size()) + " bytes, an AES-128 key has 16");
            Reqs.erase(id);
            OnKeyFailed(now);
            return;
        }
        std::array<uint8_t, 16> key{};
        std::copy(q->Body.begin(), q->Body.end(), key.begin());
        if (!Keys.count(q->R.Url)) KeyOrder.push_back(q->R.Url);
        Keys[q->R.Url] = key;
        while (KeyOrder.size() > 32)
        {
            Keys.erase(KeyOrder.front());
            KeyOrder.pop_front();
        } // keys rotate: keep the recent ones
        Reqs.erase(id);
        KeyReq = 0;
    }

    // A key that cannot be had: retried like the item's media, then the item is skipped.
    void OnKeyFailed(double now)
    {
        KeyReq = 0;
        if (Cur && ++Cur->Retries > Cfg.MaxMediaRetries)
        {
            Event(HlsEvent::MediaSkipped, now, "no key for: " + Cur->Uri);
            Cursor = After(Cur->Pos, Active.Pl);
            Cur.reset();
        }
    }

    // Emit() for AES-128 media: the ciphertext in q.Body is decrypted as it arrives; the last block waits
    // for the end of the body (PKCS#7). A map's end is its request's completion.
    void EmitDecrypted(Request& q, const Item& it, const HlsKey& key, bool init, bool last, double now)
    {
        if (q.DecryptFinished) return;
        size_t avail = q.Received;
        if (!init && it.Range && avail > static_cast<size_t>(it.Range->Length)) avail = static_cast<size_t>(it.Range->Length);
        const bool finish = last || (init && q.Complete);
        if (avail <= q.Delivered && !finish) return;
        if (!q.Decrypt)
        {
            auto k = Keys.find(key.Uri);
            if (k == Keys.end() || !Cfg.Decryptor) return; // KeysReady() made sure of both
            q.Decrypt = Cfg.Decryptor(k->second, HlsKeyIv(key, it.Pos.Msn));
        }
        std::vector<uint8_t> plain;
        if (avail > q.Delivered) q.Decrypt->Update(q.Body.data() + (q.Delivered - q.Base), avail - q.Delivered, plain);
        q.Delivered = std::max(avail, q.Delivered);
        // What was handed to the decryptor is not kept (as in Emit).
        q.Body.erase(q.Body.begin(), q.Body.begin() + static_cast<std::ptrdiff_t>(q.Delivered - q.Base));
        q.Base = q.Delivered;
        if (finish)
        {
            q.DecryptFinished = true;
            if (!q.Decrypt->Finish(plain))
            {
                St.Errors++;
                Event(HlsEvent::RequestFailed, now, std::string(HlsRequestKindName(q.R.Kind)) + " " + q.R.Url + ": AES-128 padding is invalid (wrong key or truncated body)");
            }
        }
        if (plain.empty() && !last) return;
        PushChunk(it, init, !q.PlainEmitted, last, std::move(plain));
        q.PlainEmitted = true;
    }

    // Records a playlist parse error; returns true when it ends the session (unsupported, or invalid too often
    // before any media playlist loaded).
    bool OnParseError(const HlsParseError& e, double now)
    {
        LastParseErr = e;
        if (!Active.HavePlaylist && e.Kind == HlsParseErrorKind::Invalid) InvalidLoads++;
        const std::string message = "line " + std::to_string(e.Line) + ": " + e.Reason;
        if (e.Kind == HlsParseErrorKind::Unsupported || InvalidLoads >= std::max(1, Cfg.MaxInvalidPlaylists))
        {
            SetFatal(e.Kind, message, now);
            return true;
        }
        return false;
    }

    void SetFatal(HlsParseErrorKind kind, const std::string& message, double now)
    {
        if (FatalErr) return;
        FatalErr = HlsSessionError{kind, kind == HlsParseErrorKind::Unsupported ? "unsupported-playlist" : "invalid-playlist", message};
        std::vector<uint64_t> ids;
        for (const auto& [id, q] : Reqs) ids.push_back(id);
        for (uint64_t id : ids) Cancel(id);
        CurReq = MapReq = KeyReq = 0;
        AheadReqs.clear();
        MultivariantReq = 0;
        MultivariantRetryAt = kNever;
        Active.NextReloadAt = kNever;
        Active.PlaylistReq = 0;
        Pending.reset();
        Event(HlsEvent::Fatal, now, FatalErr->Code + ": " + message);
    }

    // [SECTION] ABR and switching

    void ConsiderAbr(double now)
    {
        if (!Mv || ManualVariant || !Cfg.AutoAbr || Pending || Mv->Variants.size() < 2) return;
        HlsAbrConfig config = Cfg.Abr;
        config.MinSwitchInterval = Cfg.MinSwitchInterval;
        const int current = Active.Variant;
        const HlsAbrDecision d = HlsAbrDecide(config, Abr, Mv->Variants, current, Bw.Estimate(), Bw.Samples, Health, now, LastSampleBps);
        St.AbrOscillations = Abr.Oscillations;
        if (d.Variant < 0 || d.Variant == current) return;
        if (Mv->Variants[static_cast<size_t>(d.Variant)].Bandwidth > Mv->Variants[static_cast<size_t>(current)].Bandwidth)
            St.AbrUpSwitches++;
        else
            St.AbrDownSwitches++;
        if (d.Reason == HlsAbrReason::Health) St.AbrHealthSwitches++;
        char why[120];
        std::snprintf(why, sizeof why, " (%s: estimate %.0f kbit/s, last sample %.0f kbit/s, oscillations %lld)",
                      d.Reason == HlsAbrReason::Health ? "health" : "throughput", Bw.Estimate() / 1000.0, LastSampleBps / 1000.0,
                      static_cast<long long>(Abr.Oscillations));
        BeginSwitch(d.Variant, now, why);
    }

    // A probe (HlsAbrWantsProbe): hinted parts stream at the encoding rate, so on a link faster than the encoder they
    // never measure it; every ProbeAfter seconds without a sample the hinted part is not asked for, and is fetched whole
    // once the playlist lists it (a part later by at most a part's duration, which the buffer covers).
    bool AbrProbe(const HlsPreloadHint* hint, double now)
    {
        if (!Mv || ManualVariant || !Cfg.AutoAbr || Pending || Active.Pl.EndList) return false;
        if (!HlsAbrWantsProbe(Cfg.Abr, Abr, Mv->Variants, Active.Variant, LastSampleAt, now)) return false;
        for (const auto& [id, q] : Reqs)
            if (q.R.Kind == HlsRequestKind::PreloadPart && MatchesHint(q, *hint)) return false; // asked for already
        Abr.LastProbeAt = now;
        St.AbrProbes++;
        return true;
    }

    void BeginSwitch(int variant, double now, const char* why = "")
    {
        if (!Mv || variant < 0 || variant >= static_cast<int>(Mv->Variants.size())) return;
        if (Pending)
        {
            Cancel(Pending->PlaylistReq);
            Pending.reset();
        }
        if (variant == Active.Variant) return;
        Rendition rd;
        rd.Generation = NextGeneration++;
        rd.Variant = variant;
        rd.Url = Mv->Variants[static_cast<size_t>(variant)].Uri;
        // EXT-X-RENDITION-REPORT tells where the other rendition is: ask for exactly that (answers at once).
        const HlsRenditionReport* report = nullptr;
        for (const HlsRenditionReport& r : Active.Pl.RenditionReports)
            if (r.Uri == rd.Url) report = &r;
        std::string url = rd.Url;
        HlsPosition expect;
        bool blocking = false;
        if (report && report->LastMsn && Active.Pl.ServerControl.CanBlockReload)
        {
            const bool ll = LowLatency(Active.Pl) && report->LastPart.has_value();
            expect = {*report->LastMsn, ll ? static_cast<int>(*report->LastPart) : -1};
            url = BuildReloadUrl(rd.Url, expect.Msn, expect.Part, HlsSkipRequest::No);
            blocking = true;
            St.BlockingRequests++;
        }
        rd.PlaylistReq = Issue(HlsRequestKind::MediaPlaylist, url, std::nullopt, now, rd.Generation);
        Reqs[rd.PlaylistReq].R.Blocking = blocking;
        Reqs[rd.PlaylistReq].R.Expect = expect;
        OutRequests.back().Blocking = blocking;
        OutRequests.back().Expect = expect;
        rd.LastLoadStart = now;
        Pending = std::move(rd);
        Event(HlsEvent::VariantSwitchStarted, now, "to variant " + std::to_string(variant) + (report ? " via rendition report" : "") + why);
    }

    // [SECTION] Public API helpers

    void Complete(uint64_t id, double now)
    {
        Request* q = Find(id);
        if (!q) return;
        q->Complete = true;
        q->CompletedAt = now;
        if (q->R.Kind == HlsRequestKind::Multivariant || q->R.Kind == HlsRequestKind::MediaPlaylist) PlaylistUnreachable = false;
        if (q->R.Kind == HlsRequestKind::Multivariant)
        {
            const std::string text(q->Body.begin(), q->Body.end());
            const double issued_at = q->IssuedAt;
            Reqs.erase(id);
            MultivariantReq = 0;
            OnMultivariantBody(text, issued_at, now);
        }
        else if (q->R.Kind == HlsRequestKind::Key)
        {
            OnKeyBody(id, now);
        }
        else if (q->R.Kind == HlsRequestKind::MediaPlaylist)
        {
            Rendition* rd = RenditionFor(q->Rendition);
            const Request copy = *q;
            Reqs.erase(id);
            if (rd && rd->PlaylistReq == id) OnMediaPlaylistBody(*rd, copy, std::string(copy.Body.begin(), copy.Body.end()), now);
        }
        Pump(now);
    }

    void Fail(uint64_t id, HlsErrorCode code, const std::string& reason, double now)
    {
        Request* q = Find(id);
        if (!q) return;
        St.Errors++;
        Event(HlsEvent::RequestFailed, now, std::string(HlsRequestKindName(q->R.Kind)) + " " + q->R.Url + ": " + reason, code);
        const HlsRequestKind kind = q->R.Kind;
        const int generation = q->Rendition;
        if (kind == HlsRequestKind::Multivariant || kind == HlsRequestKind::MediaPlaylist)
            PlaylistUnreachable = code == HlsErrorCode::Network;
        Cancel(id);
        if (kind == HlsRequestKind::Multivariant)
        {
            MultivariantReq = 0;
            MultivariantRetryAt = now + Backoff(++PlaylistFailures);
        }
        else if (kind == HlsRequestKind::MediaPlaylist)
        {
            if (Rendition* rd = RenditionFor(generation); rd && rd->PlaylistReq == id) OnPlaylistFailed(*rd, now);
        }
        else if (id == KeyReq)
        {
            OnKeyFailed(now);
        }
        else if (id == MapReq)
        {
            MapReq = 0;
            OnMediaFailure(now);
            if (Cur) Cur->Retries++;
            if (Cur && Cur->Retries > Cfg.MaxMediaRetries) { DeliveredMap = Cur->Map; }
        }
        else if (id == CurReq)
        {
            OnMediaFailed(now);
        }
        Pump(now);
    }
};

// [SECTION] Public API

HlsSession::HlsSession(HlsSessionConfig config) : P(std::make_unique<Impl>(config, StatsData, EndedFlag)) {}
HlsSession::~HlsSession() = default;

void HlsSession::Start(const std::string& url, double now)
{
    P->StartUrl = url;
    P->Started = true;
    P->LastSampleAt = now; // no probe before the start's own samples could come
    P->SeedRandom(url, now);
    P->MultivariantReq = P->Issue(HlsRequestKind::Multivariant, url, std::nullopt, now, 0);
}

void HlsSession::Tick(double now)
{
    Impl& p = *P;
    if (!p.Started || p.FatalErr) return;
    if (p.MultivariantReq == 0 && !p.Mv && !p.Active.HavePlaylist && now >= p.MultivariantRetryAt)
    {
        p.MultivariantRetryAt = kNever;
        p.MultivariantReq = p.Issue(HlsRequestKind::Multivariant, p.StartUrl, std::nullopt, now, 0);
    }
    for (Rendition* rd : {&p.Active, p.Pending ? &*p.Pending : nullptr})
    {
        if (!rd || rd->Url.empty()) continue;
        if (rd->PlaylistReq == 0 && now >= rd->NextReloadAt) p.RequestPlaylist(*rd, now, true);
        if (rd->HavePlaylist && IsPlaylistStale(rd->Pl, rd->LastChange, now) && !rd->StaleReported)
        {
            rd->StaleReported = true;
            p.Event(HlsEvent::PlaylistStale, now, "unchanged for " + std::to_string(now - rd->LastChange) + " s");
            // A blocking request that has waited this long is not going to be answered: reload without directives.
            Request* q = p.Find(rd->PlaylistReq);
            if (q && q->R.Blocking)
            {
                p.Cancel(rd->PlaylistReq);
                rd->PlaylistReq = 0;
                rd->NoSkipNext = true;
                p.RequestPlaylist(*rd, now, false);
            }
        }
    }
    // Requests without progress for too long fail (a stalled connection must not stall playback).
    std::vector<uint64_t> stalled;
    for (const auto& [id, q] : p.Reqs)
    {
        if (!q.Complete && now >= Impl::TimeoutAt(q)) stalled.push_back(id);
    }
    for (uint64_t id : stalled)
    {
        const Request& q = p.Reqs.at(id);
        char reason[96];
        if (now - q.LastActivityAt >= q.Timeouts.Progress)
            std::snprintf(reason, sizeof reason, "timed out: no progress for %.1f s", q.Timeouts.Progress);
        else
            std::snprintf(reason, sizeof reason, "timed out: body not complete after %.1f s (%zu bytes)", q.Timeouts.Deadline, q.Received);
        p.Fail(id, HlsErrorCode::TimedOut, reason, now);
    }
    if (p.Active.HavePlaylist)
    {
        StatsData.PlaylistAge = now - p.Active.LastChange;
        if (p.FirstChangeAt >= 0 && now > p.FirstChangeAt)
        {
            const double age = now - p.Active.LastChange;
            StatsData.PlaylistAgeAverage = (p.AgeIntegral + age * age / 2.0) / (now - p.FirstChangeAt);
        }
    }
    p.Pump(now);
}

double HlsSession::NextWakeup() const
{
    const Impl& p = *P;
    if (p.FatalErr) return kNever;
    double t = p.MultivariantReq == 0 && !p.Mv && !p.Active.HavePlaylist ? p.MultivariantRetryAt : kNever;
    for (const Rendition* rd : {&p.Active, p.Pending ? &*p.Pending : nullptr})
    {
        if (!rd || rd->Url.empty()) continue;
        if (rd->PlaylistReq == 0) t = std::min(t, rd->NextReloadAt);
        if (rd->HavePlaylist && !rd->StaleReported && !rd->Pl.EndList)
        {
            t = std::min(t, rd->LastChange + 1.5 * (rd->Pl.TargetDuration > 0 ? rd->Pl.TargetDuration : 1.0) + 1e-3);
        }
    }
    for (const auto& [id, q] : p.Reqs)
    {
        if (!q.Complete) t = std::min(t, Impl::TimeoutAt(q));
    }
    if (p.MediaWaiting) t = std::min(t, p.MediaRetryAt);
    if (p.Pending && p.SwitchHoldUntil > -kNever) t = std::min(t, p.SwitchHoldUntil);
    return t;
}

std::vector<HlsLoadRequest> HlsSession::TakeRequests() { return std::exchange(P->OutRequests, {}); }
std::vector<uint64_t> HlsSession::TakeCancellations() { return std::exchange(P->OutCancels, {}); }
std::vector<HlsMediaChunk> HlsSession::TakeMedia() { return std::exchange(P->OutMedia, {}); }
std::vector<HlsEventRecord> HlsSession::TakeEvents() { return std::exchange(P->OutEvents, {}); }

void HlsSession::OnResponse(uint64_t id, int status, double now)
{
    Request* q = P->Find(id);
    if (!q) return;
    if (q->R.Kind == HlsRequestKind::Multivariant || q->R.Kind == HlsRequestKind::MediaPlaylist) P->PlaylistNotFound = status == 404 || status == 410;
    q->Status = status;
    q->LastActivityAt = now;
    if (status >= 400 || status < 100)
    {
        P->Fail(id, HlsErrorCode::Http, "HTTP " + std::to_string(status), now);
        return;
    }
    if (status == 200 && q->R.Range && q->R.Range->Offset > 0) q->SkipBytes = q->R.Range->Offset;
}

void HlsSession::OnData(uint64_t id, const uint8_t* bytes, size_t size, double now)
{
    Request* q = P->Find(id);
    if (!q || size == 0) return;
    q->LastActivityAt = now;
    if (q->FirstByteAt < 0)
    {
        q->FirstByteAt = now;
        if (q->Listed && q->R.Kind == HlsRequestKind::PreloadPart)
        {
            StatsData.HintLeadSum += q->ListedAt - now;
            StatsData.HintLeadCount++;
        }
    }
    if (q->SkipBytes > 0)
    {
        const size_t skip = std::min(size, static_cast<size_t>(q->SkipBytes));
        q->SkipBytes -= static_cast<int64_t>(skip);
        bytes += skip;
        size -= skip;
    }
    if (size == 0) return;
    // The cap is enforced as bytes arrive: the body over it is never stored, and the caller aborts the fetch.
    if (static_cast<int64_t>(q->Received + size) > q->Cap)
    {
        P->Fail(id, HlsErrorCode::TooLarge, "larger than its cap of " + std::to_string(q->Cap) + " bytes", now);
        return;
    }
    q->Body.insert(q->Body.end(), bytes, bytes + size);
    q->Received += size;
    const bool media = q->R.Kind == HlsRequestKind::Part || q->R.Kind == HlsRequestKind::Segment ||
                       q->R.Kind == HlsRequestKind::PreloadPart || q->R.Kind == HlsRequestKind::Map;
    if (media) P->Pump(now);
}

void HlsSession::OnComplete(uint64_t id, double now) { P->Complete(id, now); }
void HlsSession::OnError(uint64_t id, const std::string& reason, double now) { P->Fail(id, HlsErrorCode::Network, reason, now); }

HlsSeekPoint HlsSession::Seek(double position, double now)
{
    Impl& p = *P;
    if (!p.Active.HavePlaylist)
    {
        p.PendingSeek = position;
        p.Held = false;
        return {};
    }
    HlsSeekPoint sp = p.SeekNow(position, now);
    p.Pump(now);
    return sp;
}

void HlsSession::SetHold(bool hold, double now)
{
    Impl& p = *P;
    if (hold == p.Held) return;
    p.Held = hold;
    if (hold)
    {
        // The item in flight starts over when the hold ends (its bytes handed out so far stay handed out).
        p.Cancel(p.CurReq);
        p.CurReq = 0;
        p.Cancel(p.MapReq);
        p.MapReq = 0;
        p.CancelAhead();
        p.Cur.reset();
        p.DeliveredMap.reset();
        return;
    }
    p.Pump(now);
}

void HlsSession::SetPlayhead(double pdt, double now)
{
    Impl& p = *P;
    if (!std::isfinite(pdt) || pdt <= 0.0) return;
    p.PlayheadPdt = pdt;
    if (p.BufferFull) p.Pump(now);
}

bool HlsSession::IsReplay() const { return P->Replay.value_or(false); }

HlsTimeline HlsSession::Timeline() const { return P->Active.HavePlaylist ? TimelineOf(P->Active.Pl) : HlsTimeline{}; }

void HlsSession::SelectVariant(int variant, double now)
{
    P->ManualVariant = variant >= 0;
    if (variant >= 0) P->BeginSwitch(variant, now);
}

void HlsSession::SetPlaybackHealth(const HlsAbrHealth& health, double now)
{
    // A window that saw a variant switch says nothing of the new variant (a switch drops the frames queued on the
    // old one): it is not judged.
    P->Health = now - P->LastSwitchAt < health.Window + 0.5 ? HlsAbrHealth{} : health;
    P->ConsiderAbr(now);
}

bool HlsSession::WaitingForStart() const
{
    if (MediaSeen() || P->FatalErr) return false;
    if (P->PlaylistNotFound) return true;
    const HlsPlaylist* m = MediaPlaylist();
    if (!m || m->EndList) return false;
    for (const HlsSegment& seg : m->Segments)
        if (seg.IsComplete() || !seg.Parts.empty()) return false;
    return true;
}

double HlsSession::PublisherAwayAfter() const
{
    const HlsPlaylist* m = MediaPlaylist();
    if (!m) return kNever;
    if (m->PartTarget && *m->PartTarget > 0.0 && P->Cfg.LowLatency) return std::max(2.0, 5.0 * *m->PartTarget);
    return 1.5 * (m->TargetDuration > 0 ? m->TargetDuration : 1.0);
}

bool HlsSession::PublisherAway(double now) const
{
    const HlsPlaylist* m = MediaPlaylist();
    if (!m || m->EndList || !MediaSeen() || P->PlaylistUnreachable) return false;
    return now - P->Active.LastChange > PublisherAwayAfter();
}

const std::optional<HlsSessionError>& HlsSession::FatalError() const { return P->FatalErr; }
const std::optional<HlsParseError>& HlsSession::LastParseError() const { return P->LastParseErr; }

const HlsPlaylist* HlsSession::Multivariant() const { return P->Mv ? &*P->Mv : nullptr; }
const HlsPlaylist* HlsSession::MediaPlaylist() const { return P->Active.HavePlaylist ? &P->Active.Pl : nullptr; }

} // namespace livescope
