// ISO BMFF (ISO/IEC 14496-12) box reading shared by every area: big-endian integers, fourcc codes and the box
// header (32-bit or 64-bit size). Pure; never reads past the span it is given.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace livescope {

inline constexpr uint16_t ReadBe16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
inline constexpr uint32_t ReadBe32(const uint8_t* p)
{
    return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) | (static_cast<uint32_t>(p[2]) << 8) | p[3];
}
inline constexpr uint64_t ReadBe64(const uint8_t* p) { return (static_cast<uint64_t>(ReadBe32(p)) << 32) | ReadBe32(p + 4); }

constexpr uint32_t FourCC(char a, char b, char c, char d)
{
    return (static_cast<uint32_t>(static_cast<unsigned char>(a)) << 24) | (static_cast<uint32_t>(static_cast<unsigned char>(b)) << 16) |
           (static_cast<uint32_t>(static_cast<unsigned char>(c)) << 8) | static_cast<uint32_t>(static_cast<unsigned char>(d));
}

enum class BoxStatus
{
    Ok,       // a whole header is present and plausible
    NeedMore, // fewer bytes than the header needs
    Invalid,  // size below the header, size 0 ("to end of file") or a non-printable type
};

struct BoxHeader
{
    BoxStatus Status = BoxStatus::NeedMore;
    uint32_t Type = 0;       // fourcc
    uint64_t Size = 0;       // bytes, whole box including header
    uint32_t HeaderSize = 0; // bytes, 8 or 16
};

// Reads the box header at the start of `data`. Never reads past `data`. Size 0 ("to the end of the file")
// is Invalid here: a reader of a bounded range that allows it treats it as the range's end itself.
BoxHeader ReadBoxHeader(std::span<const uint8_t> data);

// What a reader may accept beyond the strict header above.
struct BoxHeaderOptions
{
    bool AnyType = false;       // any four bytes are a type (a reader that only compares types it knows)
    bool SizeZeroToEnd = false; // size 0 is a box running to the end of `data` (Size = data.size())
};
// The same header reading with `options` relaxing the two checks; ReadBoxHeader(data) is ReadBoxHeader(data, {}).
BoxHeader ReadBoxHeader(std::span<const uint8_t> data, BoxHeaderOptions options);

} // namespace livescope
