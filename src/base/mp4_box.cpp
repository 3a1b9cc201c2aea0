// ISO BMFF box header reading (see livescope/base/mp4_box.h).
#include <livescope/base/mp4_box.h>

namespace livescope {

namespace {
bool PrintableType(uint32_t t)
{
    for (int i = 0; i < 4; ++i)
    {
        const uint32_t c = (t >> (8 * i)) & 0xFF;
        if (c < 0x20 || c > 0x7E)
            return false;
    }
    return true;
}
} // namespace

BoxHeader ReadBoxHeader(std::span<const uint8_t> data) { return ReadBoxHeader(data, BoxHeaderOptions{}); }

BoxHeader ReadBoxHeader(std::span<const uint8_t> data, BoxHeaderOptions options)
{
    BoxHeader h;
    if (data.size() < 8)
        return h;
    const uint32_t size32 = ReadBe32(data.data());
    h.Type = ReadBe32(data.data() + 4);
    if ((!options.AnyType && !PrintableType(h.Type)) || (size32 == 0 && !options.SizeZeroToEnd))
    {
        h.Status = BoxStatus::Invalid;
        return h;
    }
    if (size32 == 0)
    {
        h.Size = data.size();
        h.HeaderSize = 8;
    }
    else if (size32 == 1)
    {
        if (data.size() < 16)
            return h;
        h.Size = ReadBe64(data.data() + 8);
        h.HeaderSize = 16;
    }
    else
    {
        h.Size = size32;
        h.HeaderSize = 8;
    }
    h.Status = h.Size < h.HeaderSize ? BoxStatus::Invalid : BoxStatus::Ok;
    return h;
}

} // namespace livescope
