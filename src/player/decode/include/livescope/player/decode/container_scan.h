// Pure container scanners: split pushed fMP4 bytes into init segments and complete fragments, find safe MPEG-TS cut points.
#pragma once

// [SECTION] ISO BMFF (fMP4) boxes
// [SECTION] MPEG-TS packets

#include <livescope/base/mp4_box.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace livescope {

// [SECTION] ISO BMFF (fMP4) boxes -----------------------------------------------------------------

// FourCC, BoxHeader and ReadBoxHeader come from livescope/base/mp4_box.h.

enum class Mp4UnitKind
{
    NeedMore, // no complete unit yet: push more bytes
    Init,     // an init segment: top-level boxes up to and including moov
    Fragment, // a media fragment: optional styp/sidx/prft/emsg/free, then moof, then mdat
    Corrupt,  // bytes to skip to resynchronise at the next plausible moof, ftyp or styp
};

struct Mp4Unit
{
    Mp4UnitKind Kind = Mp4UnitKind::NeedMore;
    size_t Size = 0;    // bytes from the start of the scanned data
    std::string Reason; // for Corrupt: why, with the byte offset
};

// Finds the first unit at the start of `data`. Pure, bounded by the data size (no hang on any input).
Mp4Unit ScanMp4Unit(std::span<const uint8_t> data, uint64_t max_box_size = uint64_t{1} << 28);

// True when ISO BMFF bytes (an init segment) carry a protected sample entry (encv, enca) or a track
// encryption box (tenc): Common Encryption, which livescope does not play. Pure byte search.
bool Mp4HasEncryption(std::span<const uint8_t> data);

// [SECTION] MPEG-TS packets -----------------------------------------------------------------------

constexpr size_t kTsPacketSize = 188;

// True when `data` starts like MPEG-TS (sync bytes at 0 and, where present, at 188 and 376).
bool LooksLikeTs(std::span<const uint8_t> data);

struct TsCut
{
    size_t SafeEnd = 0; // bytes that can be given to a demuxer now (a PES boundary)
    size_t Packets = 0; // whole 188-byte packets seen
    size_t Resyncs = 0; // sync losses skipped
};

// Finds how many bytes of `data` (which starts at a packet boundary) end on a PES boundary: the
// start of the last packet that begins an unbounded (video) PES, or, if there is none, the start
// of the last packet that begins any PES. Bytes past it stay buffered until the next PES starts.
TsCut ScanTsCut(std::span<const uint8_t> data);

// True when any whole packet of `data` (which starts at a packet boundary) has a sync byte and its
// transport_scrambling_control bits set: a scrambled (encrypted) stream, which livescope does not play.
bool TsIsScrambled(std::span<const uint8_t> data);

} // namespace livescope
