// Pure playlist logic: delta-update merge, start point and live edge, what to load at a position, blocking-reload URLs,
// reload timing, staleness and the ABR throughput estimator. No I/O, no clocks: times are passed in as seconds.
//
// [SECTION] Delta updates (EXT-X-SKIP)
// [SECTION] Positions, live edge and start point
// [SECTION] Replay (VOD), DVR and seeking
// [SECTION] Media items: what to load at a position
// [SECTION] Blocking reload and reload timing
// [SECTION] ABR
#pragma once

#include "m3u8.h"

namespace livescope {

// [SECTION] Delta updates (EXT-X-SKIP)

struct HlsMergeResult
{
    bool Ok = false;
    HlsPlaylist Playlist; // the full playlist, valid when Ok
    std::string Reason;   // why it cannot merge (the caller then reloads without _HLS_skip)
};

// Merges `update` into `previous`. A full update (no EXT-X-SKIP) is returned as is. A delta update
// takes its skipped segments from `previous` (which must hold all of them), renumbers discontinuity
// sequences across them, extrapolates program date-times and drops date ranges listed as removed.
HlsMergeResult MergePlaylistUpdate(const HlsPlaylist& previous, const HlsPlaylist& update);

// [SECTION] Positions, live edge and start point

struct HlsPosition
{
    int64_t Msn = 0;
    int Part = -1; // part index inside the segment; -1 = the whole segment
    bool operator==(const HlsPosition&) const = default;
};

// Total duration of the playlist, trailing parts included (seconds).
double PlaylistDuration(const HlsPlaylist& pl);

// True when parts should be loaded: the playlist has EXT-X-PART-INF, low latency is wanted and no segment
// is AES-128 encrypted (encrypted streams are played by whole segments).
bool IsLowLatency(const HlsPlaylist& pl, bool low_latency_wanted);

// Hold back per spec: PART-HOLD-BACK in low-latency mode, else HOLD-BACK, else 3 x target duration.
// In low-latency mode without PART-HOLD-BACK, 3 x PART-TARGET (the spec's minimum) is used (seconds).
double HoldBack(const HlsPlaylist& pl, bool low_latency);

struct HlsStartPoint
{
    bool Ok = false;
    HlsPosition Position;  // the first segment or independent part to load
    double Offset = 0.0;   // seconds from the start of the playlist to Position
    double Distance = 0.0; // seconds from Position to the live edge (end of the last part)
};

// Where to start: EXT-X-START when present; VOD/ENDLIST from the beginning; live at edge - hold back,
// rounded back to a segment start, or in low-latency mode to an independent part.
HlsStartPoint ComputeStartPoint(const HlsPlaylist& pl, bool low_latency);

// The position that follows the last one in the playlist: (last msn, last part + 1) when the playlist
// ends in parts of an unfinished segment, else (last complete msn + 1, 0). Works when that msn is 0.
HlsPosition NextPosition(const HlsPlaylist& pl, bool low_latency);

// True when the playlist contains `pos` (a part of a segment, or a complete segment for Part == -1).
bool PlaylistHas(const HlsPlaylist& pl, const HlsPosition& pos);

// [SECTION] Replay (VOD), DVR and seeking

// True when `pl` is a recording played as a replay: EXT-X-ENDLIST or EXT-X-PLAYLIST-TYPE:VOD.
bool IsReplayPlaylist(const HlsPlaylist& pl);

// Where a seek lands: the complete, non-gap segment that contains `position` (seconds from the start of the playlist,
// clamped to [0, duration)); past the last one, the last. Position is the whole segment, or its part 0 in low-latency
// mode (a segment without parts is then still loaded whole). Not Ok when the playlist has no complete segment.
struct HlsSeekPoint
{
    bool Ok = false;
    HlsPosition Position;
    double Offset = 0.0;                   // seconds from the start of the playlist to the segment's start
    double Target = 0.0;                   // seconds from the start of the playlist: the clamped target
    std::optional<double> TargetPdt;       // epoch seconds at Target (segment PDT + Target - Offset), when known
    std::optional<double> SegmentPdt;      // epoch seconds of the segment's start, when known
};
HlsSeekPoint SeekPointAt(const HlsPlaylist& pl, double position, bool low_latency);

// Seconds from the start of `pl` to the sample with PROGRAM-DATE-TIME `pdt` (epoch seconds), from the segment whose
// PDT span holds it (before the first: 0; after the last: the duration). Nothing without any PDT.
std::optional<double> PlaylistPositionOfPdt(const HlsPlaylist& pl, double pdt);

// What a player shows about a playlist's time span.
struct HlsTimeline
{
    bool Replay = false;             // IsReplayPlaylist
    double Duration = 0.0;           // seconds: complete segments (a live playlist's DVR window)
    std::optional<double> StartPdt;  // epoch seconds of the first segment's start
    std::optional<double> EndPdt;    // epoch seconds of the end of the last complete segment
};
HlsTimeline TimelineOf(const HlsPlaylist& pl);

// [SECTION] Media items: what to load at a position

// One thing to load: a whole segment (Pos.Part == -1) or one part.
struct HlsMediaItem
{
    HlsPosition Pos;
    bool IsPart = false;
    std::string Uri; // absolute
    std::optional<HlsByteRange> Range;
    std::optional<HlsMap> Map; // the EXT-X-MAP in effect
    std::optional<HlsKey> Key; // the AES-128 key of its segment
    bool Independent = false;  // a whole segment, an INDEPENDENT=YES part or a segment's first part
    int64_t DiscontinuitySeq = 0;
    std::optional<double> ProgramDateTime; // epoch seconds of its first sample (a part's: its segment's + offset)
    double Duration = 0.0;                 // seconds
};

enum class HlsItemLookup
{
    Ready,   // Item is what to load now
    NotYet,  // the playlist does not list it yet (or only as an unfinished segment): wait for a reload
    Skip,    // move on to SkipTo: an EXT-X-GAP segment or part (Gap), or past the last part of a finished segment
    Restart, // the position is older than the playlist's first segment: pick a new start point
};

struct HlsItemResult
{
    HlsItemLookup Lookup = HlsItemLookup::NotYet;
    HlsMediaItem Item;  // valid when Ready
    HlsPosition SkipTo; // valid when Skip
    bool Gap = false;   // when Skip: true for EXT-X-GAP, false when the segment's parts ran out
};

// What to load at `pos` in `pl`. Part -1 (or part 0 of a segment without parts) asks for the whole
// segment; low_latency only decides where a skipped gap segment leads (PositionAfter).
HlsItemResult LookupMediaItem(const HlsPlaylist& pl, const HlsPosition& pos, bool low_latency);

// The position after `pos`: the next part, or after a whole segment the next segment (from its part 0
// in low-latency mode, whole otherwise).
HlsPosition PositionAfter(const HlsPosition& pos, bool low_latency);

// [SECTION] Blocking reload and reload timing

enum class HlsSkipRequest
{
    No,
    Yes,
    V2
}; // _HLS_skip=YES / v2 (date ranges skipped too)

// Adds delivery directives to `url` in the spec's order: _HLS_msn, then _HLS_part, then _HLS_skip,
// after any query the URL already has (existing _HLS_ parameters are dropped). part < 0 = none.
std::string BuildReloadUrl(const std::string& url, std::optional<int64_t> msn, int part, HlsSkipRequest skip);

// Which skip to request: only when the server can skip and our copy is younger than half the skip boundary.
HlsSkipRequest ChooseSkip(const HlsPlaylist& pl, double playlist_age);

// Non-blocking reload delay (seconds from when the last load began): the target duration after a
// change, half of it when the playlist did not change.
double ReloadDelay(const HlsPlaylist& pl, bool changed);

// A live playlist is stale when it has not changed for more than 1.5 x its target duration.
bool IsPlaylistStale(const HlsPlaylist& pl, double last_change_time, double now);

// [SECTION] ABR

// Two exponentially weighted moving averages of throughput (fast and slow, weighted by transfer
// time); the estimate is the lower of the two. Samples exclude time to first byte.
struct HlsBandwidthEstimator
{
    double FastHalfLife = 0.5; // seconds of transfer
    double SlowHalfLife = 3.0; // seconds of transfer
    double MinSampleWeight = 0.05; // seconds: the least a sample weighs, however fast it came (as hls.js's 50 ms)
    double Fast = 0.0, Slow = 0.0, FastWeight = 0.0, SlowWeight = 0.0;
    int Samples = 0;
    void AddSample(double bytes, double seconds);
    double Estimate() const; // bits per second; 0 when no sample yet
};

// Picks a variant index for `estimate` bits/s: the highest BANDWIDTH <= estimate x `safety`, else the
// lowest. Switching up needs the estimate to exceed the target's bandwidth by `up_margin`.
int ChooseVariant(const std::vector<HlsVariant>& variants, int current, double estimate, double safety = 0.8, double up_margin = 1.2);

} // namespace livescope
