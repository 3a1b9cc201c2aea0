// The pure demuxer facade: detects fMP4 or MPEG-TS from the first bytes and feeds the pure Fmp4Demux or TsDemux.
#pragma once

#include <livescope/player/decode/demuxer.h> // ContainerKind (the header names FFmpeg types only as declarations)
#include <livescope/player/decode/media_packet.h>
#include <livescope/player/decode/status.h>

#include <cstdint>
#include <memory>
#include <span>

namespace livescope {

// The same contract as Demuxer (single-threaded, Push copies and never blocks, poll ReadPacket until NeedMore) with
// MediaPackets instead of AVPackets. A packet whose Info->Codec is MediaCodec::Unknown (e.g. MPEG-4 Part 2 video, MP3
// audio) is returned as is (SawUnknownCodec()): the worker, which demuxes only with this class, stops with a clear
// unsupported-codec error (FFmpeg's decoders in the widget are H.264, HEVC and AAC only).
class PureDemuxer
{
public:
    PureDemuxer();
    ~PureDemuxer();
    PureDemuxer(const PureDemuxer&) = delete;
    PureDemuxer& operator=(const PureDemuxer&) = delete;

    // Any split. A serial different from the current one is a discontinuity or a variant switch: everything buffered
    // is dropped and the container is detected again on the new bytes; the fMP4 init segment is kept (as Demuxer does).
    void Push(std::span<const uint8_t> bytes, int serial, int64_t tag = 0);
    void PushBoundary(); // a frame boundary (a complete LL-HLS part): MPEG-TS hands out its last PES now
    void PushEnd();      // no more bytes for this serial
    void Reset();        // drops everything, including the fMP4 init segment

    // Ok, NeedMore, EndOfStream, InvalidData (skipped to the next fragment or packet), UnsupportedFormat (an encrypted
    // fMP4 init segment; MPEG-TS in a build without the pure TS demuxer).
    DecodeStatus ReadPacket(MediaPacket& out);

    ContainerKind Container() const; // Unknown until enough bytes decided it (again after a serial change)
    int Serial() const;
    size_t BufferedBytes() const; // bytes pushed but not yet consumed
    int Errors() const;           // InvalidData results so far
    bool SawUnknownCodec() const; // a packet with MediaCodec::Unknown was returned since the last Reset()

private:
    struct Impl;
    std::unique_ptr<Impl> P;
};

} // namespace livescope
