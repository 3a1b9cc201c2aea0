// libFuzzer target: the pure fMP4 demuxer and its facade on any bytes in any split (with boundaries, serial changes and
// resets): in bounds, always progressing, and (when a whole push had no error) the same packets whatever the split.
#include <livescope/player/decode/fmp4_demux.h>
#include <livescope/player/decode/pure_demuxer.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

namespace {

struct Seen
{
    size_t Size = 0;
    double Pts = 0, Dts = 0;
    bool Key = false;
    bool operator==(const Seen& o) const
    {
        // NaN never appears (times come from integers), so plain comparison is exact.
        return Size == o.Size && Pts == o.Pts && Dts == o.Dts && Key == o.Key;
    }
};

template <class Demux>
void Drain(Demux& d, std::vector<Seen>& out, bool ended)
{
    livescope::MediaPacket p;
    for (int i = 0; i < 1000000; ++i)
    {
        const livescope::DecodeStatus st = d.ReadPacket(p);
        if (st.Code == livescope::DecodeCode::NeedMore)
        {
            if (ended)
                std::abort(); // after PushEnd the demuxer must reach EndOfStream
            return;
        }
        if (st.Code == livescope::DecodeCode::EndOfStream)
            return;
        if (st.Code == livescope::DecodeCode::Internal)
            std::abort(); // "made no progress"
        if (!st.IsOk())
            continue;
        if (p.Info == nullptr || p.Info->Timescale == 0)
            std::abort();
        volatile uint8_t sink = 0;
        for (uint8_t b : p.Data)
            sink = static_cast<uint8_t>(sink ^ b); // ASan: the span must be readable
        out.push_back({p.Data.size(), p.Pts, p.Dts, p.Keyframe});
    }
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace livescope;
    const std::span<const uint8_t> all(data, size);

    Fmp4Demux whole(Fmp4DemuxLimits{1u << 20, 4096, 8});
    std::vector<Seen> a;
    whole.Push(all, 0, 0);
    Drain(whole, a, false);
    whole.PushEnd();
    Drain(whole, a, true);
    if (whole.BufferedBytes() != 0)
        std::abort();

    // The same bytes in pieces of pseudo-random sizes (seeded by the input size), through the facade.
    Fmp4Demux split(Fmp4DemuxLimits{1u << 20, 4096, 8});
    PureDemuxer pure;
    std::vector<Seen> b, c;
    uint32_t x = static_cast<uint32_t>(size) * 2654435761u + 1;
    size_t pos = 0;
    while (pos < size)
    {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        const size_t n = std::min<size_t>(size - pos, 1 + x % 97);
        split.Push(all.subspan(pos, n), 0, static_cast<int64_t>(pos));
        pure.Push(all.subspan(pos, n), 0, static_cast<int64_t>(pos));
        pos += n;
        Drain(split, b, false);
        Drain(pure, c, false);
    }
    split.PushEnd();
    pure.PushEnd();
    Drain(split, b, true);
    Drain(pure, c, true);
    if (whole.Errors() == 0 && a != b)
        std::abort(); // a clean stream gives the same packets in any split
    (void)pure.SawUnknownCodec();

    // Boundaries, serial changes and resets between the pieces: no crash, no hang, EndOfStream after PushEnd.
    PureDemuxer ops;
    std::vector<Seen> d;
    int serial = 0;
    pos = 0;
    while (pos < size)
    {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        const size_t n = std::min<size_t>(size - pos, 1 + x % 251);
        if (x % 13 == 0)
            ops.PushBoundary();
        if (x % 29 == 0)
            ++serial;
        if (x % 61 == 0)
            ops.Reset();
        ops.Push(all.subspan(pos, n), serial, static_cast<int64_t>(pos));
        pos += n;
        Drain(ops, d, false);
    }
    ops.PushEnd();
    Drain(ops, d, true);
    if (ops.BufferedBytes() > size)
        std::abort();
    return 0;
}
