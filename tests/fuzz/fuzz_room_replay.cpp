// Fuzz target: the room replay's page reader (ReplayParsePage) and the model fed with the page
// (RoomReplayOnPage, then playing and seeking over it). Must never crash, hang or grow without bound.
#include <livescope/room/room_replay.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)livescope::ReplayParsePage(text);

    livescope::RoomReplay r;
    livescope::RoomReplayConfig cfg;
    cfg.ChunkMs = 1000;
    livescope::RoomReplayInit(r, cfg);
    // The span the fuzzer's seeds use: stream times 1 800 000 000 000 .. +60 s.
    const std::int64_t start = 1'800'000'000'000;
    livescope::RoomReplaySetSpan(r, start, start + 60'000);
    livescope::RoomReplaySeek(r, start + 30'000);
    for (int k = 0; k < 4; k++)
    {
        if (!livescope::RoomReplayNextFetch(r, 1e9)) break;
        livescope::RoomReplayOnPage(r, text, 1e9);
    }
    for (std::int64_t t = start; t <= start + 60'000; t += 700) livescope::RoomReplayAdvance(r, t);
    livescope::RoomReplaySeek(r, start + 10'000);
    (void)livescope::RoomReplayTakeUpdates(r);
    (void)livescope::RoomReplayMarksJson(r);
    return 0;
}
