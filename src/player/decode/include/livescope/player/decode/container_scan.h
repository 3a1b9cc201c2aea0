// Pure container scanners: split pushed fMP4 bytes into init segments and complete fragments, find safe MPEG-TS cut points.
#pragma once

// [SECTION] ISO BMFF (fMP4) boxes
// [SECTION] MPEG-TS packets

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace livescope {

// [SECTION] ISO BMFF (fMP4) boxes -----------------------------------------------------------------

constexpr uint32_t FourCC(char a, char b, char c, char d)
{
    return (static_cast<uint32_t>(static_cast<unsigned char>(a)) << 24) | (static_cast<uint32_t>(static_cast<unsigned char>(b)) << 16) |
           (static_cast<uint32_t>(static_cast<unsigned char>(c)) << 8) | static_cast<uint32_t>(static_cast<unsigned char>(d));
}

enum class BoxStatus
{
    Ok,        // a whole header is present and plausible
    NeedMore,  // fewer bytes than the header needs
    Invalid,   // size below the header, size 0 ("to end of file") or a non-printable type
};

struct BoxHeader
{
    BoxStatus Status = BoxStatus::NeedMore;
    uint32_t Type = 0;        // fourcc
    uint64_t Size = 0;        // bytes, whole box including header
    uint32_t HeaderSize = 0;  // bytes, 8 or 16
};

// Reads the box header at the start of `data`. Never reads past `data`.
BoxHeader ReadBoxHeader(std::span<const uint8_t> data);

enum class Mp4UnitKind
{
    NeedMore,  // no complete unit yet: push more bytes
    Init,      // an init segment: top-level boxes up to and including moov
    Fragment,  // a media fragment: optional styp/sidx/prft/emsg/free, then moof, then mdat
    Corrupt,   // bytes to skip to resynchronise at the next plausible moof, ftyp or styp
};

struct Mp4Unit
{
    Mp4UnitKind Kind = Mp4UnitKind::NeedMore;
    size_t Size = 0;       // bytes from the start of the scanned data
    std::string Reason;    // for Corrupt: why, with the byte offset
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
    size_t SafeEnd = 0;   // bytes that can be given to a demuxer now (a PES boundary)
    size_t Packets = 0;   // whole 188-byte packets seen
    size_t Resyncs = 0;   // sync losses skipped
};

// Finds how many bytes of `data` (which starts at a packet boundary) end on a PES boundary: the
// start of the last packet that begins an unbounded (video) PES, or, if there is none, the start
// of the last packet that begins any PES. Bytes past it stay buffered until the next PES starts.
TsCut ScanTsCut(std::span<const uint8_t> data);

// True when any whole packet of `data` (which starts at a packet boundary) has a sync byte and its
// transport_scrambling_control bits set: a scrambled (encrypted) stream, which livescope does not play.
bool TsIsScrambled(std::span<const uint8_t> data);

} // namespace livescope
