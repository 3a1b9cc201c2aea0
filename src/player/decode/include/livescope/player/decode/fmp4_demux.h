// Pure push-fed fMP4 (ISO BMFF fragments, as LL-HLS uses) demuxer: init segment + moof/mdat fragments to MediaPackets.
#pragma once

#include <livescope/player/decode/media_packet.h>
#include <livescope/player/decode/status.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace livescope {

// Bounds of one demuxer: no input makes it allocate past the pushed bytes and these.
struct Fmp4DemuxLimits
{
    uint64_t MaxUnitBytes = 16u << 20;         // bytes: an init segment or fragment (styp..moof+mdat) larger is skipped as corrupt
    uint32_t MaxSamplesPerFragment = 1u << 16; // samples of every track of one fragment together
    uint32_t MaxTracks = 16;                   // trak boxes in one moov
};

// Contract (the same as Demuxer's): single-threaded; Push() copies and never blocks; ReadPacket() never reads past what
// was pushed. Push what arrived, then call ReadPacket() until it returns NeedMore. Packets come out per fragment in
// libavformat's order (by file position when the tracks' decode times are within a second, else by decode time).
// Only the first video and the first audio track are output; a track whose codec is not H.264, HEVC or AAC comes out
// with MediaCodec::Unknown (the worker reports an unsupported codec).
class Fmp4Demux
{
public:
    explicit Fmp4Demux(Fmp4DemuxLimits limits = {});
    ~Fmp4Demux();
    Fmp4Demux(const Fmp4Demux&) = delete;
    Fmp4Demux& operator=(const Fmp4Demux&) = delete;

    // Appends bytes (any split). A serial different from the current one drops every buffered byte and packet not yet
    // returned, but keeps the init segment (a new one may follow). `tag` comes back on the packets of the fragments
    // that start in these bytes.
    void Push(std::span<const uint8_t> bytes, int serial, int64_t tag = 0);
    void PushBoundary(); // no-op for fMP4 (a fragment is complete when its mdat is)
    void PushEnd();      // no more bytes for this serial: a trailing partial box is reported, then EndOfStream
    void Reset();        // drops everything, including the init segment (stream Generations keep counting)

    // Ok with `out` filled; NeedMore; EndOfStream (after PushEnd, all returned); InvalidData (the bad fragment or
    // bytes were skipped: the next call resumes at the next fragment); UnsupportedFormat for an encrypted init
    // segment (encv/enca/tenc: its fragments are then dropped until a clear init segment).
    DecodeStatus ReadPacket(MediaPacket& out);

    int Serial() const;
    size_t BufferedBytes() const; // bytes pushed but not yet consumed
    int Errors() const;           // InvalidData results so far
    // The stream of each kind as last parsed from an init segment; nullptr before one.
    const MediaStreamInfo* VideoStream() const;
    const MediaStreamInfo* AudioStream() const;

private:
    struct Impl;
    std::unique_ptr<Impl> P;
};

} // namespace livescope
