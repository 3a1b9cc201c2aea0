// Pure rules of the origin's recordings (docs/replay.md "Origin"): the on-disk layout and its text formats (segment log,
// recording.json), broadcast run ids, /vod/ paths, VOD playlists, crash recovery and retention. No files, no clocks:
// the edge (vod_store.h) reads and writes, callers pass times in.
#pragma once
#include <livescope/server/origin/live_playlist.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace livescope {

// Layout under --data-dir:
//   <name>/<id>/recording.json          RecordingMeta (rewritten whole: tmp file + rename)
//   <name>/<id>/<rendition>/init-<n>.mp4 init segment of encoder run n
//   <name>/<id>/<rendition>/seg-<msn>.m4s one complete segment (its parts, concatenated)
//   <name>/<id>/<rendition>/segments.log  one SegmentLogLine per segment, appended after its file is written
constexpr const char* RecordingMetaFile = "recording.json";
constexpr const char* SegmentLogFile = "segments.log";
constexpr size_t RecordingIdMaxBytes = 64;
constexpr size_t SegmentLogMaxLines = 1000000; // ~23 days of 2 s segments; past it the rest of a log is ignored

// [a-z0-9-]{1,64}: a broadcast run id (also a rendition name's alphabet, plus none of '.', '/').
bool ValidRecordingId(std::string_view id);
// A rendition directory name as the encoder specs name them ("720p"): [a-z0-9]{1,16}.
bool ValidRenditionName(std::string_view name);

// The id of a run started at `started_ms`: "20261129t144500z", or with "-2", "-3"... when one of `taken` has it.
std::string AllocateRecordingId(int64_t started_ms, const std::vector<std::string>& taken);

// "seg-<msn>.m4s" / "init-<n>.mp4" (the VOD's relative URIs, also the file names).
std::string RecordedSegmentName(uint64_t msn);
std::string RecordedInitName(uint32_t init_id);

// One segment log line: "<msn> <duration s> <pdt ms> <discontinuity 0|1> <init id> <bytes>\n".
std::string SegmentLogLine(const DvrSegment& segment);
// Parses a segment log. A last line without '\n' (a crash while appending) is ignored; a malformed line is an error
// (what came before it is kept in `out`); msns must increase.
bool ParseSegmentLog(std::string_view text, std::vector<DvrSegment>& out, std::string& error);

struct RecordedRendition
{
    std::string Name;       // "720p"
    uint32_t Bandwidth = 0; // bits per second, peak
    uint16_t Width = 0;     // pixels
    uint16_t Height = 0;    // pixels
    double FrameRate = 0.0; // frames per second
    std::string Codecs;     // "avc1.42c01f,mp4a.40.2" (empty until its init segment came)
};

struct RecordingMeta
{
    std::string Name;
    std::string Id;
    std::string Title;
    int64_t StartedMs = 0; // ms since the epoch
    bool Ended = false;
    int64_t EndedMs = 0;    // ms since the epoch, when ended
    bool Recovered = false; // ended by the start-up recovery (the origin stopped without ending it)
    std::vector<RecordedRendition> Renditions;
};
std::string RenderRecordingMeta(const RecordingMeta& meta);
bool ParseRecordingMeta(std::string_view text, RecordingMeta& out, std::string& error);

// "/vod/<name>/<id>/master.m3u8": the replay URL path.
std::string ReplayPath(std::string_view name, std::string_view id);

// A /vod/ path, split and checked (no '..', no other names reach the disk).
struct VodPath
{
    enum class Kind
    {
        Invalid,   // 404
        Index,     // /vod/index.json
        Recording, // /vod/<name>/<id> (DELETE)
        Master,    // /vod/<name>/<id>/master.m3u8
        Media,     // /vod/<name>/<id>/<rendition>/index.m3u8
        File,      // /vod/<name>/<id>/<rendition>/seg-<msn>.m4s | init-<n>.mp4
    };
    Kind PathKind = Kind::Invalid;
    std::string Name;
    std::string Id;
    std::string Rendition;
    std::string File; // a name made by RecordedSegmentName / RecordedInitName
};
VodPath SplitVodPath(std::string_view path);

// The VOD media playlist of one rendition's segments: PLAYLIST-TYPE VOD, EXT-X-MAP per encoder run, PROGRAM-DATE-TIME
// on every segment, EXT-X-DISCONTINUITY where the live one had one, EXT-X-ENDLIST. No parts.
std::string RenderVodMediaPlaylist(const std::vector<DvrSegment>& segments);
// The VOD multivariant playlist (variants "<rendition>/index.m3u8"; renditions without codecs are left out).
std::string RenderVodMaster(const RecordingMeta& meta);

// Crash recovery: the end of a recording the origin never ended: the end of its last segment (over all renditions),
// else its start.
int64_t RecoveredEndMs(const RecordingMeta& meta, const std::vector<std::vector<DvrSegment>>& renditions);

// One recording as /vod/index.json lists it.
struct RecordingSummary
{
    RecordingMeta Meta;
    uint64_t Bytes = 0; // on disk, all files
};
// {"recordings":[{"name","id","title","started","ended","state","replay","bytes"}...]}, newest first.
std::string RenderVodIndex(std::vector<RecordingSummary> recordings);

// Retention: indices of the recordings to delete now: ended, and ended more than `retention_ms` before `now_ms`.
// retention_ms <= 0 keeps everything. A recording still being written (not ended) is never chosen.
std::vector<size_t> ExpiredRecordings(const std::vector<RecordingMeta>& recordings, int64_t now_ms, int64_t retention_ms);
// How often the retention sweep runs: half the retention, between 1 s and 60 s.
int64_t RetentionSweepMs(int64_t retention_ms);


} // namespace livescope
