// libFuzzer target: the studio's framed messages (ParseIngestMessage, FrameMuxer → Matroska) and the publisher's text
// control message must never crash or hang on any bytes; a muxer that failed stays failed; its output grows at most
// by a bounded overhead per message (in copy mode, over the whole input: a held frame comes out with a later message).
#include <livescope/server/origin/capture_clock.h>
#include <livescope/server/origin/ingest_frames.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    livescope::IngestMessage message;
    std::string error;
    (void)livescope::ParseIngestMessage(data, size, message, error);
    int64_t capture_ms = 0;
    (void)livescope::ParseIngestControl(std::string_view(reinterpret_cast<const char*>(data), size), capture_ms, error);

    // The input cut into messages: each starts with a 1-byte length (0: the rest). A valid header first lets the
    // fuzzer reach the muxer quickly.
    // Bit 1 of the first byte: copy mode (a version 2 header, the origin says copy), which holds frames.
    livescope::FrameMuxer muxer;
    const bool copy = size > 0 && (data[0] & 2);
    if (copy)
        muxer.SetCopyDecider([](void*, const livescope::TopCopyFacts&) { return true; }, nullptr);
    std::string out;
    const std::vector<livescope::IngestTrack> tracks = {{0, livescope::IngestCodec::H264AnnexB, 640, 360, 0, 0},
                                                        {1, livescope::IngestCodec::Opus, 0, 0, 48000, 1}};
    const std::string header = copy ? livescope::EncodeIngestStreamHeaderV2(tracks, 2000, 1000000) : livescope::EncodeIngestStreamHeader(tracks);
    if (size > 0 && (data[0] & 1))
        (void)muxer.Feed(reinterpret_cast<const uint8_t*>(header.data()), header.size(), out);
    size_t at = size > 0 ? 1 : 0;
    bool failed = false;
    while (at < size)
    {
        size_t length = data[at++];
        if (length == 0 || length > size - at)
            length = size - at;
        const size_t before = out.size();
        const bool ok = muxer.Feed(data + at, length, out);
        if (failed && ok)
            std::abort(); // a failed muxer must stay failed
        failed = failed || !ok;
        if (!copy && out.size() - before > 3 * length + 512)
            std::abort(); // output bounded by the input (header + cluster + block overhead)
        at += length;
    }
    muxer.Finish(out); // the stream's end: what copy mode still holds is written
    if (copy && out.size() > 3 * size + 512 * (size + 1))
        std::abort(); // everything written came from the input, with bounded overhead per message
    return 0;
}
