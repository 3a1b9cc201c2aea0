// libFuzzer target: the fMP4 unit scanner and the MPEG-TS cut scanner must always make progress and stay in bounds.
#include <livescope/player/decode/container_scan.h>

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace livescope;
    std::span<const uint8_t> rest(data, size);
    while (!rest.empty())
    {
        const Mp4Unit u = ScanMp4Unit(rest, 1u << 20);
        if (u.Kind == Mp4UnitKind::NeedMore)
            break;
        if (u.Size == 0 || u.Size > rest.size())
            std::abort(); // a unit must consume bytes and stay inside the data
        rest = rest.subspan(u.Size);
    }
    const TsCut cut = ScanTsCut(std::span<const uint8_t>(data, size));
    if (cut.SafeEnd > size || cut.Packets * kTsPacketSize > size)
        std::abort();
    (void)LooksLikeTs(std::span<const uint8_t>(data, size));
    return 0;
}
