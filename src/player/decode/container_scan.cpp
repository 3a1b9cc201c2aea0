// Pure container scanners: ISO BMFF top-level boxes grouped into init/fragment units, MPEG-TS PES-boundary cuts.
#include <livescope/player/decode/container_scan.h>

#include <algorithm>
#include <initializer_list>

namespace livescope {

namespace {

// Offset of the next plausible unit start (moof, ftyp or styp with a valid header) after `from`,
// or data.size() - 7 (keep a possible partial header) when there is none.
size_t FindResync(std::span<const uint8_t> data, size_t from, uint64_t max_box_size)
{
    for (size_t i = from; i + 8 <= data.size(); ++i)
    {
        const uint32_t t = ReadBe32(data.data() + i + 4);
        if (t != FourCC('m', 'o', 'o', 'f') && t != FourCC('f', 't', 'y', 'p') && t != FourCC('s', 't', 'y', 'p'))
            continue;
        const BoxHeader h = ReadBoxHeader(data.subspan(i));
        if (h.Status == BoxStatus::Ok && h.Size <= max_box_size)
            return i;
    }
    return data.size() > 7 ? std::max(from, data.size() - 7) : from;
}

} // namespace

Mp4Unit ScanMp4Unit(std::span<const uint8_t> data, uint64_t max_box_size)
{
    Mp4Unit unit;
    size_t pos = 0;
    bool seen_moof = false;
    while (pos < data.size())
    {
        const BoxHeader h = ReadBoxHeader(data.subspan(pos));
        if (h.Status == BoxStatus::NeedMore)
            return unit;
        if (h.Status == BoxStatus::Invalid || h.Size > max_box_size)
        {
            unit.Kind = Mp4UnitKind::Corrupt;
            unit.Size = FindResync(data, pos + 1, max_box_size);
            unit.Reason = "invalid box header at byte " + std::to_string(pos);
            return unit;
        }
        if (h.Size > data.size() - pos)
            return unit; // box not complete yet (bounded by max_box_size)
        const size_t end = pos + static_cast<size_t>(h.Size);
        switch (h.Type)
        {
            case FourCC('m', 'o', 'o', 'v'):
                if (seen_moof)
                {
                    unit.Kind = Mp4UnitKind::Corrupt;
                    unit.Size = FindResync(data, pos, max_box_size);
                    unit.Reason = "moov inside a fragment at byte " + std::to_string(pos);
                    return unit;
                }
                unit.Kind = Mp4UnitKind::Init;
                unit.Size = end;
                return unit;
            case FourCC('m', 'o', 'o', 'f'):
                if (seen_moof)
                {
                    // moof without its mdat: skip the first one.
                    unit.Kind = Mp4UnitKind::Corrupt;
                    unit.Size = pos;
                    unit.Reason = "moof without mdat before byte " + std::to_string(pos);
                    return unit;
                }
                seen_moof = true;
                break;
            case FourCC('m', 'd', 'a', 't'):
                if (!seen_moof)
                {
                    unit.Kind = Mp4UnitKind::Corrupt;
                    unit.Size = end;
                    unit.Reason = "mdat without moof at byte " + std::to_string(pos);
                    return unit;
                }
                unit.Kind = Mp4UnitKind::Fragment;
                unit.Size = end;
                return unit;
            default:
                break; // ftyp, styp, sidx, prft, emsg, free, ...: part of the unit being built
        }
        pos = end;
    }
    return unit;
}

bool Mp4HasEncryption(std::span<const uint8_t> data)
{
    for (const char* tag : {"encv", "enca", "tenc"})
        if (std::search(data.begin(), data.end(), tag, tag + 4) != data.end())
            return true;
    return false;
}

bool LooksLikeTs(std::span<const uint8_t> data)
{
    if (data.empty() || data[0] != 0x47)
        return false;
    for (size_t off = kTsPacketSize; off < data.size() && off <= 2 * kTsPacketSize; off += kTsPacketSize)
        if (data[off] != 0x47)
            return false;
    return true;
}

TsCut ScanTsCut(std::span<const uint8_t> data)
{
    TsCut cut;
    size_t last_unbounded = 0;
    size_t last_any = 0;
    bool have_unbounded = false;
    bool have_any = false;
    size_t pos = 0;
    while (pos + kTsPacketSize <= data.size())
    {
        const uint8_t* p = data.data() + pos;
        if (p[0] != 0x47)
        {
            // Lost sync: look for two sync bytes one packet apart.
            size_t next = pos + 1;
            while (next + kTsPacketSize < data.size() && !(data[next] == 0x47 && data[next + kTsPacketSize] == 0x47))
                ++next;
            ++cut.Resyncs;
            if (next + kTsPacketSize >= data.size())
                break;
            pos = next;
            continue;
        }
        ++cut.Packets;
        const bool pusi = (p[1] & 0x40) != 0;
        const uint16_t pid = static_cast<uint16_t>(((p[1] & 0x1F) << 8) | p[2]);
        const uint8_t afc = (p[3] >> 4) & 0x3;
        size_t payload = 4;
        if (afc == 2 || afc == 3)
            payload = 5 + p[4];
        if (pusi && pid >= 0x20 && pid != 0x1FFF && (afc == 1 || afc == 3) && payload + 6 <= kTsPacketSize)
        {
            const uint8_t* pes = p + payload;
            if (pes[0] == 0 && pes[1] == 0 && pes[2] == 1)
            { // a PES start (not a PSI section)
                const unsigned pes_len = (static_cast<unsigned>(pes[4]) << 8) | pes[5];
                last_any = pos;
                have_any = true;
                if (pes_len == 0)
                {
                    last_unbounded = pos;
                    have_unbounded = true;
                }
            }
        }
        pos += kTsPacketSize;
    }
    if (have_unbounded)
        cut.SafeEnd = last_unbounded;
    else if (have_any)
        cut.SafeEnd = last_any;
    return cut;
}

bool TsIsScrambled(std::span<const uint8_t> data)
{
    for (size_t i = 0; i + kTsPacketSize <= data.size(); i += kTsPacketSize)
        if (data[i] == 0x47 && (data[i + 3] & 0xC0) != 0)
            return true;
    return false;
}

} // namespace livescope
