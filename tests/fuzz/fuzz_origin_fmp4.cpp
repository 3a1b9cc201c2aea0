// libFuzzer target: the origin's fMP4 splitter must cut any byte stream the same way for any chunking, and its parsers
// (init, fragment, mdat, playlist query, media URI, fault query) must never crash or hang.
#include <livescope/server/origin/faults.h>
#include <livescope/server/origin/fmp4.h>
#include <livescope/server/origin/live_playlist.h>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace {

std::vector<livescope::Fmp4Chunk> Split(const uint8_t* data, size_t size, size_t chunk, bool& ok)
{
    livescope::Fmp4StreamSplitter splitter;
    std::vector<livescope::Fmp4Chunk> out;
    ok = true;
    for (size_t at = 0; at < size && ok; at += chunk)
        ok = splitter.Feed(data + at, chunk < size - at ? chunk : size - at, out);
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size == 0)
        return 0;
    const size_t chunk = size_t(data[0] % 17) + 1;
    bool whole_ok = false, chunked_ok = false;
    const std::vector<livescope::Fmp4Chunk> whole = Split(data + 1, size - 1, size, whole_ok);
    const std::vector<livescope::Fmp4Chunk> chunked = Split(data + 1, size - 1, chunk, chunked_ok);
    if (whole_ok && chunked_ok)
    {
        if (whole.size() != chunked.size())
            __builtin_trap();
        for (size_t i = 0; i < whole.size(); i++)
            if (whole[i].Bytes != chunked[i].Bytes || whole[i].ChunkKind != chunked[i].ChunkKind)
                __builtin_trap();
    }

    livescope::Mp4InitInfo init;
    livescope::Mp4Error error;
    for (const livescope::Fmp4Chunk& c : chunked)
    {
        if (c.ChunkKind == livescope::Fmp4Chunk::Kind::Init)
            livescope::ParseMp4Init(c.Bytes.data(), c.Bytes.size(), init, error);
        else
        {
            livescope::Mp4FragmentInfo info;
            livescope::ParseMp4Fragment(c.Bytes.data(), c.Bytes.size(), init, info, error);
            std::vector<uint8_t> copy = c.Bytes;
            livescope::CorruptMdat(copy);
        }
    }
    // The raw input as a whole init and fragment too (the parsers see unsplit bytes in tests).
    livescope::ParseMp4Init(data, size, init, error);
    livescope::Mp4FragmentInfo info;
    livescope::ParseMp4Fragment(data, size, init, info, error);

    const std::string_view text(reinterpret_cast<const char*>(data), size);
    livescope::PlaylistRequest request;
    std::string reason;
    livescope::ParsePlaylistQuery(text, request, reason);
    livescope::ParseMediaUri(text, "1a2b");
    livescope::FaultPlan plan;
    plan.Configure(text, reason);
    plan.Next();
    return 0;
}
