// Pure LL-HLS origin state: a sliding window of segments and parts per rendition, playlist rendering and blocking-request decisions.
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace livescope {

using SharedBytes = std::shared_ptr<const std::vector<uint8_t>>;

// One LL-HLS part (one moof+mdat). Its URI is PartUri(session, Number).
struct LivePart
{
    uint64_t Number = 0;   // global part number, never reused within one origin session
    double Duration = 0.0; // seconds
    bool Independent = false;
    SharedBytes Bytes;
};

// One media segment: the parts from one independent part up to the next segment.
struct LiveSegment
{
    uint64_t Msn = 0;              // media sequence number
    double Duration = 0.0;         // seconds, sum of its parts
    int64_t ProgramDateTimeMs = 0; // ms since the Unix epoch (UTC), wall time of its first sample
    bool Discontinuity = false;    // first segment of a new encoder generation
    uint32_t InitId = 0;           // which init segment (EXT-X-MAP) applies
    bool Complete = false;         // no more parts will be added
    std::vector<LivePart> Parts;
    size_t ByteSize = 0; // bytes, sum of its parts
};

struct LiveWindowConfig
{
    double PartTarget = 0.2;       // seconds (EXT-X-PART-INF PART-TARGET)
    double SegmentTarget = 2.0;    // seconds, nominal segment length
    size_t WindowSegments = 10;    // complete segments kept (and listed)
    size_t PartWindowSegments = 3; // trailing segments (open one included) whose parts are listed
};

// Playlist request parameters (_HLS_msn, _HLS_part, _HLS_skip).
enum class SkipMode
{
    None,
    Yes, // _HLS_skip=YES
    V2,  // _HLS_skip=v2 (also skip date ranges; we have none)
};

struct PlaylistRequest
{
    bool HasMsn = false;
    uint64_t Msn = 0;
    bool HasPart = false;
    uint64_t Part = 0;
    SkipMode Skip = SkipMode::None;
};

// Parses a query string ("a=1&_HLS_msn=5"). Unknown keys are ignored; bad values fail with a reason (answer 400).
bool ParsePlaylistQuery(std::string_view query, PlaylistRequest& out, std::string& error);

// URIs, relative to the media playlist. `session` is the origin's boot id, so a restarted origin never reuses a URI.
std::string PartUri(std::string_view session, uint64_t number);
std::string SegmentUri(std::string_view session, uint64_t msn);
std::string InitUri(std::string_view session, uint32_t init_id);

struct MediaUri
{
    enum class Kind
    {
        Invalid,
        Part,
        Segment,
        Init,
    };
    Kind UriKind = Kind::Invalid;
    uint64_t Number = 0; // part number, msn or init id
};
// Parses a file name made by the functions above; another session's names are Invalid.
MediaUri ParseMediaUri(std::string_view name, std::string_view session);

// "2026-11-24T14:10:22.123Z"
std::string FormatProgramDateTime(int64_t unix_ms);

// The live window of one rendition. Single-threaded; the caller serializes access.
class LiveRendition
{
public:
    explicit LiveRendition(LiveWindowConfig config = {});

    // Starts a new encoder generation whose parts use this init segment. When segments already exist, the open one is
    // closed and the next part starts a segment tagged EXT-X-DISCONTINUITY.
    void SetInit(SharedBytes bytes, uint32_t init_id);
    // Appends one part. A new segment starts at an independent part once the open one is long enough, after SetInit,
    // or (safety net) when the open one would outgrow the target duration. Ignored before the first SetInit.
    void AddPart(SharedBytes bytes, double duration, bool independent, int64_t pdt_ms);
    // CMAF-chunk path: appends one chunk (one moof+mdat, typically one video frame) to the part being built. A chunk
    // whose first video sample is a keyframe starts a new part; a part closes (AddPart) once its video duration reaches
    // PART-TARGET, or before a chunk that would take it past PART-TARGET (variable frame rates). Chunks without video samples (has_video false) join the part being built. The part being built can
    // be read (ReadPartBytes) before it closes, so a hinted part can be streamed while it is encoded.
    void AppendChunk(const uint8_t* data, size_t size, double duration, bool has_video, bool independent, int64_t pdt_ms);
    // Closes the part being built, if any (a part without video is dropped and its number skipped).
    void CloseOpenPart();
    // Marks the open segment complete (the encoder stopped). Closes the part being built first.
    void CloseOpenSegment();
    // The stream is over for good: closes the open segment; the playlist then ends with EXT-X-ENDLIST, has no preload
    // hint, and requests past the end are answered at once (no hold). Later SetInit/AppendChunk calls are ignored.
    void End();
    bool Ended() const { return EndedFlag; }
    // Bytes of part `number` from `offset` on: a complete part (complete = true) or the part being built (complete =
    // false, more will follow). False when the part is gone, skipped or not started.
    bool ReadPartBytes(uint64_t number, size_t offset, std::vector<uint8_t>& out, bool& complete) const;
    // True while part `number` is being built.
    bool IsBuildingPart(uint64_t number) const { return Building.Active && Building.Number == number; }

    const LiveWindowConfig& Config() const { return WindowConfig; }
    const std::deque<LiveSegment>& Segments() const { return Window; }
    bool HasInit() const { return CurrentInit != nullptr; }
    uint32_t CurrentInitId() const { return CurrentInitIdValue; }
    SharedBytes FindInit(uint32_t init_id) const;
    const LiveSegment* FindSegment(uint64_t msn) const;
    const LivePart* FindPart(uint64_t number) const;
    uint64_t NextPartNumber() const { return NextPart; }
    uint64_t DiscontinuitySequence() const { return DiscontinuitySeq; }
    int TargetDuration() const;        // seconds (EXT-X-TARGETDURATION)
    double CanSkipUntil() const;       // seconds, 6 x target duration
    double PartHoldBack() const;       // seconds, 3 x part target
    uint64_t AdvancePartLimit() const; // parts a request may run ahead of the last part
    size_t CompleteSegmentCount() const;
    // Last listed position: the msn of the last segment and index of its last part. False when nothing is listed.
    bool LastPosition(uint64_t& msn, uint64_t& part_index) const;

private:
    void StartSegment(int64_t pdt_ms);
    void Trim();

    LiveWindowConfig WindowConfig;
    std::deque<LiveSegment> Window;
    struct InitEntry
    {
        uint32_t Id = 0;
        SharedBytes Bytes;
    };
    std::vector<InitEntry> Inits; // init segments still referenced by the window (and the current one)
    struct BuildingPart
    {
        bool Active = false;
        uint64_t Number = 0; // the part number it will get (== NextPart)
        std::vector<uint8_t> Bytes;
        double Duration = 0.0; // seconds of video
        bool HasVideo = false;
        bool Independent = false; // its first video sample is a keyframe
        int64_t PdtMs = 0;        // wall time of its first video sample
    };
    BuildingPart Building;
    SharedBytes CurrentInit;
    uint32_t CurrentInitIdValue = 0;
    bool PendingDiscontinuity = false;
    bool EndedFlag = false;
    uint64_t NextMsn = 0;
    uint64_t NextPart = 0;
    uint64_t DiscontinuitySeq = 0;
};

// A complete segment as the recording keeps it (no parts, no bytes): what the DVR window lists and what the
// recording's segment log (recording.h) holds, one line per segment.
struct DvrSegment
{
    uint64_t Msn = 0;
    double Duration = 0.0;         // seconds
    int64_t ProgramDateTimeMs = 0; // ms since the Unix epoch
    bool Discontinuity = false;
    uint32_t InitId = 0;
    uint64_t ByteSize = 0; // bytes of the segment file
};

// The DVR window of one live rendition: the recorded segments of the last `seconds` (0 = the whole broadcast).
// Segments older than the live window (LiveRendition) are listed from here, without parts, and served from disk.
class DvrWindow
{
public:
    explicit DvrWindow(double seconds = 0.0) : WindowSeconds(seconds < 0.0 ? 0.0 : seconds) {}
    // Appends a recorded segment (msn increasing); drops the oldest while the rest still span the window.
    void Add(const DvrSegment& segment);
    const std::deque<DvrSegment>& Segments() const { return List; }
    const DvrSegment* Find(uint64_t msn) const;
    // Discontinuity tags that slid out of the window (EXT-X-DISCONTINUITY-SEQUENCE when the first listed is ours).
    uint64_t DiscontinuitySequence() const { return DroppedDiscontinuities; }
    // True while every segment since the start is kept (0 = whole broadcast): the playlist may say EVENT.
    bool KeepsAll() const { return WindowSeconds <= 0.0; }
    double Seconds() const { return WindowSeconds; }

private:
    double WindowSeconds = 0.0; // seconds; 0 = whole broadcast
    double TotalSeconds = 0.0;  // sum of the listed durations
    std::deque<DvrSegment> List;
    uint64_t DroppedDiscontinuities = 0;
};

// Another rendition's last position, for EXT-X-RENDITION-REPORT.
struct RenditionReport
{
    std::string Uri; // relative to this media playlist, e.g. "../360p/index.m3u8"
    uint64_t LastMsn = 0;
    uint64_t LastPart = 0;
};

// Renders the media playlist (delta update when skip != None and segments are old enough to skip). With a DVR window,
// its segments older than the live window are listed first (no parts; EVENT when it keeps the whole broadcast).
std::string RenderMediaPlaylist(const LiveRendition& rendition, std::string_view session, SkipMode skip,
                                const std::vector<RenditionReport>& reports, const DvrWindow* dvr = nullptr);

struct VariantEntry
{
    std::string Uri;        // "720p/index.m3u8"
    uint32_t Bandwidth = 0; // bits per second, peak
    uint16_t Width = 0;     // pixels
    uint16_t Height = 0;    // pixels
    double FrameRate = 0.0; // frames per second
    std::string Codecs;     // "avc1.42c01f,mp4a.40.2"
};
std::string RenderMultivariantPlaylist(const std::vector<VariantEntry>& variants);

// What to do with a playlist request right now.
enum class RequestVerdict
{
    Serve,      // answer now
    Stream,     // the part is being built: send what exists now, then the rest as it arrives
    Hold,       // wait for more media (until the hold timeout, then 503)
    BadRequest, // answer 400
    NotFound,   // answer 404
};
RequestVerdict DecidePlaylistRequest(const LiveRendition& rendition, const PlaylistRequest& request, std::string& reason);
// A part request: Serve when it exists, Stream while it is being built, Hold when it is the hinted part (or a little
// ahead) and not started, NotFound otherwise.
RequestVerdict DecidePartRequest(const LiveRendition& rendition, uint64_t number);
// A full-segment request: Serve when complete, Hold while it is the open segment, NotFound otherwise.
RequestVerdict DecideSegmentRequest(const LiveRendition& rendition, uint64_t msn);

} // namespace livescope
