// Push-fed demuxer for LL-HLS media (fMP4 with its init segment, or MPEG-TS) over FFmpeg with a custom AVIOContext.
#pragma once

#include <livescope/player/decode/status.h>

#include <cstdint>
#include <memory>
#include <span>

struct AVPacket;
struct AVCodecParameters;

namespace livescope {

enum class MediaKind
{
    Video,
    Audio,
};

enum class ContainerKind
{
    Unknown, // nothing pushed yet since the last reset
    Fmp4,    // ISO BMFF fragments (the init segment is pushed like any other bytes)
    Ts,      // MPEG-TS
};

// One demuxed packet. Valid until the next ReadPacket() or Reset() on the same demuxer.
struct DemuxedPacket
{
    MediaKind Kind = MediaKind::Video;
    const AVPacket* Packet = nullptr;          // owned by the demuxer
    const AVCodecParameters* Params = nullptr; // owned by the demuxer; stable while ParamsGeneration holds
    int ParamsGeneration = 0;                  // bumps when this stream's codec parameters change
    double Pts = 0.0;                          // seconds, stream time (NaN when the container has none)
    double Dts = 0.0;                          // seconds, stream time
    double Duration = 0.0;                     // seconds; 0 if unknown
    bool Keyframe = false;
    int Serial = 0;  // the serial the bytes were pushed with
    int64_t Tag = 0; // the Push() tag of the bytes the packet (fMP4: its fragment) starts in
};

// Contract: single-threaded (call from one thread, e.g. the decode worker). Push() never blocks and
// copies the bytes; ReadPacket() never reads past what was pushed and never blocks. The core polls:
// push what arrived, then call ReadPacket() until it returns NeedMore.
class Demuxer
{
public:
    Demuxer();
    ~Demuxer();
    Demuxer(const Demuxer&) = delete;
    Demuxer& operator=(const Demuxer&) = delete;

    // Appends bytes (any split: partial parts are fine). A serial different from the current one is
    // a discontinuity (or a variant switch): everything buffered is dropped and the demuxer
    // re-opens on the new bytes. fMP4 init segments (ftyp+moov) are recognised in the stream.
    // `tag` is the caller's label for these bytes (e.g. an index into its table of LL-HLS parts,
    // to find a frame's PROGRAM-DATE-TIME); it comes back on packets and decoded frames.
    void Push(std::span<const uint8_t> bytes, int serial, int64_t tag = 0);
    // The bytes pushed so far end on a frame boundary (e.g. a complete LL-HLS part): MPEG-TS hands
    // them all out now instead of holding the last PES until the next one starts. No-op for fMP4.
    void PushBoundary();
    // No more bytes for this serial: lets the demuxer return what it held back at a PES boundary.
    void PushEnd();
    // Drops everything, including the fMP4 init segment.
    void Reset();

    // Ok with `out` filled, NeedMore, EndOfStream (after PushEnd), or an error value after which
    // the next call resumes at the next fragment (fMP4) or packet (TS).
    DecodeStatus ReadPacket(DemuxedPacket& out);

    ContainerKind Container() const;
    int Serial() const;
    size_t BufferedBytes() const; // bytes pushed but not yet consumed
    int Errors() const;           // InvalidData results so far

private:
    struct Impl;
    std::unique_ptr<Impl> P;
};

// Sets FFmpeg's (process-wide) log level, e.g. to silence corrupt-input chatter in tests: quiet = -8.
void DecodeSetLogLevel(int level);

} // namespace livescope
