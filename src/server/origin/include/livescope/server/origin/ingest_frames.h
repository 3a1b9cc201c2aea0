// Pure: the studio's WebCodecs framing on the /ingest WebSocket (subprotocol `livescope-frames`, docs/studio.md) and
// its conversion into one Matroska byte stream that the broadcast's ffmpeg reads: the frame parser
// (ParseIngestMessage), the Matroska writer (WriteMatroska*), the Annex B → avcC conversion, and FrameMuxer, which
// ties them together and fixes the capture clock (the capture wall time of media time 0). No I/O, no clock.
#pragma once
#include <livescope/server/origin/encoder_args.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace livescope {

constexpr size_t IngestFrameHeaderBytes = 15;   // 'F', track, flags, capture µs (8), duration µs (4)
constexpr size_t IngestTrackEntryBytes = 11;    // id, codec, width, height, sample rate, channels
constexpr size_t IngestHeaderV2TrailerBytes = 8; // version 2: u32 key frame interval ms, u32 video bitrate bit/s
constexpr int64_t MatroskaClusterSpanMs = 5000; // ms: a new cluster at least this often (and at each video keyframe)
constexpr int64_t KeyframeLateMaxMs = 400;      // ms: a promised key frame may come this late after its boundary (a dropped frame)
constexpr int64_t KeyframeEarlyMaxMs = 100;     // ms: a key frame this close before a boundary counts for it (timestamp jitter)
constexpr uint64_t HeldMaxMs = 1000;            // ms: copy mode holds a video frame at most this long past it (no next frame: a stall)
constexpr size_t HeldMaxFrames = 256;           // copy mode: frames held behind one video frame, at most

// The WebSocket subprotocol that declares the framing. A studio offers it after `livescope-ingest` and its key
// (['livescope-ingest', key, 'livescope-frames']): an origin that knows it answers `livescope-frames`, an older one
// answers `livescope-ingest` and the studio falls back to MediaRecorder's WebM.
constexpr const char* IngestFramesSubprotocol = "livescope-frames";

// `protocols` (a Sec-WebSocket-Protocol list) without IngestFramesSubprotocol; `offered` says whether it was there.
std::string RemoveFramesSubprotocol(std::string_view protocols, bool& offered);

enum class IngestCodec : uint8_t
{
    H264AnnexB = 1, // video: H.264 in Annex B byte-stream format (VideoEncoder avc.format 'annexb')
    Opus = 2,       // audio: Opus packets
    AacLc = 3,      // audio: raw AAC-LC access units (AudioEncoder aac.format 'aac')
};

struct IngestTrack
{
    uint8_t Id = 0;
    IngestCodec Codec = IngestCodec::H264AnnexB;
    uint16_t Width = 0, Height = 0; // pixels (video)
    uint32_t SampleRate = 0;        // Hz (audio)
    uint8_t Channels = 0;           // (audio)
    bool Video() const { return Codec == IngestCodec::H264AnnexB; }
};

// One binary WebSocket message of the framing: a stream header ('S') or one encoded frame ('F'). Big-endian.
//   'S' u8 version (1 or 2), u8 track count (1..2), then per track: u8 id, u8 codec, u16 width, u16 height,
//       u32 sample rate, u8 channels; version 2 then adds u32 key frame interval (ms: a key frame at each multiple of
//       it from media time 0, 0 for no promise) and u32 video bitrate (bit/s asked of the encoder, 0 unknown).
//   'F' u8 track id, u8 flags (bit 0: keyframe), i64 capture time (µs since the Unix epoch, the publisher's clock),
//       u32 duration (µs, 0 if unknown), then the encoded frame (at least one byte).
struct IngestMessage
{
    enum class Kind
    {
        StreamHeader,
        Frame,
    } MessageKind = Kind::Frame;
    std::vector<IngestTrack> Tracks; // StreamHeader
    uint32_t KeyframeMs = 0;         // StreamHeader version 2: the promised key frame cadence, ms (0: none)
    uint32_t VideoBitrate = 0;       // StreamHeader version 2: bit/s (0: unknown)
    uint8_t Track = 0;               // Frame
    bool Key = false;
    int64_t CaptureUs = 0;            // µs since the epoch
    uint32_t DurationUs = 0;          // µs
    const uint8_t* Payload = nullptr; // points into the parsed message
    size_t PayloadSize = 0;
};

// Parses one message; on failure returns false with a one-line reason in `error`. Checks: the type byte, the
// version, the sizes, one video track at most and one audio track at most, known codecs, sane sizes and rates.
bool ParseIngestMessage(const uint8_t* data, size_t size, IngestMessage& out, std::string& error);

// Encoders of the framing (the studio's JS writes the same bytes; tests and the bench use these).
std::string EncodeIngestStreamHeader(const std::vector<IngestTrack>& tracks);
// Version 2: with the key frame cadence (ms) and the video bitrate (bit/s).
std::string EncodeIngestStreamHeaderV2(const std::vector<IngestTrack>& tracks, uint32_t keyframe_ms, uint32_t video_bitrate);

// The origin's first (text) message on a livescope-frames connection, so the studio matches it:
// {"segment_ms","part_ms","width","height","video_kbps","frame_rate"} of the top rendition (docs/studio.md).
std::string IngestHelloMessage(const EncoderConfig& config);
std::string EncodeIngestFrame(uint8_t track, bool key, int64_t capture_us, uint32_t duration_us, const std::string& payload);

// [SECTION] H.264
// The NAL units of an Annex B access unit (start codes removed); empty units are skipped.
std::vector<std::pair<const uint8_t*, size_t>> SplitAnnexB(const uint8_t* data, size_t size);
// An avcC record (AVCDecoderConfigurationRecord) from the first SPS and PPS of an access unit; false when either is missing.
bool BuildAvcC(const uint8_t* data, size_t size, std::string& avcc);
// The access unit with each NAL unit prefixed by its 4-byte big-endian length (the avcC form).
std::string AnnexBToLengthPrefixed(const uint8_t* data, size_t size);

// [SECTION] Matroska
// The codec private data Matroska wants for an audio track: OpusHead, or the AAC AudioSpecificConfig.
std::string OpusHead(uint8_t channels, uint32_t sample_rate);
bool AacLcAudioSpecificConfig(uint32_t sample_rate, uint8_t channels, std::string& out);
// EBML header + Segment (unknown size) + Info (1 ms timestamps) + Tracks. Track numbers are the index + 1.
// `codec_private[i]` belongs to tracks[i].
std::string WriteMatroskaHeader(const std::vector<IngestTrack>& tracks, const std::vector<std::string>& codec_private);
std::string WriteMatroskaCluster(uint64_t timestamp_ms); // a Cluster of unknown size and its Timestamp
std::string WriteMatroskaSimpleBlock(uint64_t track_number, int16_t relative_ms, bool key, const uint8_t* data, size_t size);
// A BlockGroup with a BlockDuration (ms); a non-key frame carries a ReferenceBlock (`reference_ms`, relative, nonzero).
std::string WriteMatroskaBlockGroup(uint64_t track_number, int16_t relative_ms, bool key, uint64_t duration_ms, int64_t reference_ms,
                                    const uint8_t* data, size_t size);

// [SECTION] FrameMuxer
// Turns a publisher's framed messages into one Matroska stream. The stream starts at the first video keyframe (or
// the first audio frame of an audio-only stream): its capture time is media time 0 (CaptureAnchorUs) and every later
// frame's Matroska timestamp is its capture time minus that, in ms (video kept strictly increasing). Frames before the
// start, or captured before it, are dropped (counted). A bad message is an error: the connection is then closed with
// the reason.
//
// Copy mode (the origin copies this video into its top rendition; decided by `decide` at the stream's start, from
// CopyFacts): each video frame is held until the next one, then written with its BlockDuration (so the copied
// fMP4 has the true variable frame durations), and whatever came meanwhile follows it in order. The promised key
// frame cadence is enforced: the first key frame at or after each boundary (at most KeyframeLateMaxMs late, or at
// most KeyframeEarlyMaxMs early) is the segment's key; another key frame in the same window is written as a non-key frame (no early segment); a window
// whose key frame is later than that is an error. A video frame with no successor for HeldMaxMs of later audio (or
// HeldMaxFrames frames behind it) is written with the last frame duration, so memory stays bounded.
class FrameMuxer
{
public:
    // Called once, when the stream starts (before any byte is written): true to write it in copy mode.
    using CopyDecider = bool (*)(void* context, const TopCopyFacts& facts);
    void SetCopyDecider(CopyDecider decide, void* context)
    {
        Decide = decide;
        DecideContext = context;
    }
    // Feeds one message; appends Matroska bytes (possibly none) to `out`. False on bad input (see Error()); every
    // later call fails too.
    bool Feed(const uint8_t* data, size_t size, std::string& out);
    // The stream ended (its publisher closed): appends what copy mode still holds (the last video frame, written with
    // the last frame duration, and what came after it), so the end of a broadcast keeps its last frame. Nothing after a
    // failure; later Feed calls may go on (a no-op when nothing is held).
    void Finish(std::string& out);
    bool Started() const { return StartedFlag; }
    bool CopyMode() const { return Copy; }
    int64_t CaptureAnchorUs() const { return AnchorUs; } // µs since the epoch at media time 0 (valid once Started)
    uint64_t DroppedFrames() const { return Dropped; }
    uint64_t ClearedKeyFrames() const { return ClearedKeys; } // copy mode: key frames written as non-key (off cadence)
    const std::string& Error() const { return ErrorText; }
    // What the stream declares (valid once the header and its first key frame are in; Started).
    const TopCopyFacts& CopyFacts() const { return Facts; }

private:
    bool Fail(std::string reason);
    void WriteBlock(size_t index, uint64_t at_ms, bool key, uint64_t duration_ms, const uint8_t* data, size_t size, std::string& out);
    void FlushHeld(uint64_t next_video_ms, std::string& out);

    struct HeldFrame
    {
        size_t Index = 0; // track index
        uint64_t AtMs = 0;
        bool Key = false;
        std::string Bytes; // the block's payload (length-prefixed H.264, or audio)
    };
    std::vector<HeldFrame> Held; // copy mode: the last video frame first, then what came after it
    CopyDecider Decide = nullptr;
    void* DecideContext = nullptr;
    TopCopyFacts Facts;
    uint32_t KeyframeMs = 0;
    uint32_t VideoBitrate = 0;
    bool Copy = false;
    int64_t KeyWindow = 0;       // copy mode: the last cadence window that got its key frame
    bool HaveVideo = false;
    uint64_t LastVideoMs = 0;    // ms, the last video frame's timestamp
    uint64_t LastVideoDurationMs = 0;
    uint64_t ClearedKeys = 0;

    std::vector<IngestTrack> Tracks;
    bool HaveHeader = false;
    bool StartedFlag = false;
    bool Failed = false;
    bool HaveCluster = false;
    int64_t AnchorUs = 0;
    uint64_t ClusterMs = 0;
    uint64_t Dropped = 0;
    std::string ErrorText;
};

} // namespace livescope
