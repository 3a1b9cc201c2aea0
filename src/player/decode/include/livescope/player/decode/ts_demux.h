// Pure push-fed MPEG-TS demuxer: PAT/PMT, PES reassembly, H.264/HEVC access units and AAC frames with no FFmpeg.
#pragma once

// [SECTION] Limits
// [SECTION] TsDemux
// [SECTION] Helpers (exposed for tests)

#include <livescope/player/decode/media_packet.h>
#include <livescope/player/decode/status.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

namespace livescope {

// [SECTION] Limits -------------------------------------------------------------------------------------

constexpr size_t kTsMaxPes = size_t{8} << 20;       // bytes: a PES growing past this is dropped (InvalidData)
constexpr size_t kTsMaxBuffered = size_t{16} << 20; // bytes: unread output past this is dropped (InvalidData)

// [SECTION] TsDemux ------------------------------------------------------------------------------------

// Contract (as Demuxer's for MPEG-TS): single-threaded; Push() copies and parses the bytes at once and never blocks;
// ReadPacket() hands out what is ready. The first video and the first audio stream of the first program are played:
// H.264 (stream_type 0x1B) and HEVC (0x24) as one Annex B access unit per PES, AAC in ADTS (0x0F) as raw AAC frames
// (the ADTS header stripped; the stream's Extradata is the AudioSpecificConfig of the ADTS header). A played stream of
// another type is reported once as a packet whose Info->Codec is MediaCodec::Unknown and whose Data is empty, then
// ignored. Timestamps: 90 kHz, unwrapped into one continuous timeline (both streams), in seconds; NaN without a PTS.
// Bad input gives error values (InvalidData: a dropped PES or section, a sync loss; UnsupportedFormat: a scrambled
// packet), never a crash, a hang or unbounded memory.
class TsDemux
{
public:
    TsDemux();
    ~TsDemux();
    TsDemux(const TsDemux&) = delete;
    TsDemux& operator=(const TsDemux&) = delete;

    // Appends bytes (any split). A serial different from the current one drops everything (a discontinuity or a
    // variant switch). `tag` comes back on the packets whose PES starts in a TS packet that starts in these bytes.
    void Push(std::span<const uint8_t> bytes, int serial, int64_t tag = 0);
    // The bytes pushed so far end on a frame boundary (a complete LL-HLS part): the video PES being built (unbounded,
    // it would otherwise wait for the next PES start) is handed out now.
    void PushBoundary();
    // No more bytes for this serial: every PES being built is handed out (an incomplete bounded one is dropped).
    void PushEnd();
    // Drops everything: bytes, streams, timeline (stream parameters are kept only to decide Generation).
    void Reset();

    // Ok with `out` filled, NeedMore, EndOfStream (after PushEnd, once everything was read), or an error value after
    // which the next call goes on with the next packet. `out` is valid until the next ReadPacket() or Reset().
    DecodeStatus ReadPacket(MediaPacket& out);

    size_t BufferedBytes() const; // bytes pushed but not handed out yet (a partial TS packet, PES being built, ready packets)
    int Errors() const;           // error values so far (InvalidData, UnsupportedFormat)

private:
    struct Impl;
    std::unique_ptr<Impl> P;
};

// [SECTION] Helpers (exposed for tests) ----------------------------------------------------------------

struct VideoSize
{
    int Width = 0;  // pixels, after the cropping / conformance window
    int Height = 0; // pixels
};
// The picture size from a sequence parameter set NAL unit (its NAL header included, emulation prevention bytes in
// place): H.264 (type 7) or HEVC (type 33). nullopt when it is not one or does not parse.
std::optional<VideoSize> ParseSpsSize(std::span<const uint8_t> nal, bool hevc);

// The MPEG-2 CRC-32 of PSI sections (polynomial 0x04C11DB7, no reflection, initial value 0xFFFFFFFF): 0 over a whole
// section, its CRC included, when it is intact.
uint32_t TsCrc32(std::span<const uint8_t> bytes);

} // namespace livescope
