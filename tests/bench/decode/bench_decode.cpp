// Decode benchmark: demux + decode every video frame of a clip with livescope's Demuxer and VideoDecoder; prints fps. For
// the browser bench it also demuxes a clip's video into WebCodecs chunks (livescope_bench_demux).
#include <livescope/player/decode/decoders.h>
#include <livescope/player/decode/demuxer.h>
#include <livescope/player/decode/webcodecs.h>

extern "C" {
#include <libavcodec/avcodec.h>
}

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#ifdef __EMSCRIPTEN__
#include <emscripten/emscripten.h>
#define LIVESCOPE_EXPORT EMSCRIPTEN_KEEPALIVE
#else
#define LIVESCOPE_EXPORT
#endif

namespace livescope {

struct BenchResult
{
    int Frames = 0;
    int Errors = 0;
    double Seconds = 0.0;           // wall time of demux + decode (+ copy into the frame pool)
    double FirstFrameSeconds = 0.0; // wall time from the start to the first decoded picture
};

// Whole clip pushed at once, then read and decoded; audio packets are skipped.
BenchResult BenchDecode(const uint8_t* data, size_t size, int threads)
{
    BenchResult r;
    const auto t0 = std::chrono::steady_clock::now();
    Demuxer demux;
    VideoDecoderConfig cfg;
    cfg.Threads = threads;
    VideoDecoder video(cfg);
    demux.Push(std::span<const uint8_t>(data, size), 0);
    demux.PushEnd();
    auto drain = [&] {
        for (;;)
        {
            const VideoFrame* f = nullptr;
            const DecodeStatus st = video.ReceiveFrame(f);
            if (!st.IsOk())
                return;
            if (r.Frames == 0)
                r.FirstFrameSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            ++r.Frames;
            video.ReleaseFrame(f);
        }
    };
    for (;;)
    {
        DemuxedPacket pkt;
        const DecodeStatus st = demux.ReadPacket(pkt);
        if (st.Code == DecodeCode::EndOfStream || st.Code == DecodeCode::NeedMore)
            break;
        if (!st.IsOk())
        {
            ++r.Errors;
            continue;
        }
        if (pkt.Kind != MediaKind::Video)
            continue;
        if (!video.SendPacket(pkt).IsOk())
            ++r.Errors;
        drain();
    }
    if (video.SendEndOfStream().IsOk())
        drain();
    r.Seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

} // namespace livescope

namespace {
double g_first_frame_ms = 0.0;      // milliseconds, of the last livescope_bench_decode run
std::vector<uint8_t> g_demux_bytes; // livescope_bench_demux: the chunks' bytes, back to back
std::string g_demux_json;
} // namespace

// For a browser page: decodes `size` bytes at `data` (allocated with _malloc) and returns fps (< 0 on failure).
extern "C" LIVESCOPE_EXPORT double livescope_bench_decode(const uint8_t* data, int size)
{
    if (data == nullptr || size <= 0)
        return -1.0;
    const livescope::BenchResult r = livescope::BenchDecode(data, static_cast<size_t>(size), 1);
    g_first_frame_ms = r.FirstFrameSeconds * 1000.0;
    return r.Frames > 0 && r.Seconds > 0.0 ? r.Frames / r.Seconds : -1.0;
}
// Milliseconds from the start of the last livescope_bench_decode run to its first decoded picture.
extern "C" LIVESCOPE_EXPORT double livescope_bench_first_frame_ms() { return g_first_frame_ms; }

// Demuxes the clip's H.264 video into WebCodecs chunks, as the worker does: returns a NUL-terminated JSON string
// {"codec","description":[offset,size],"packets":[[offset,size,timestamp_us,key],...]} whose offsets point into
// livescope_bench_demux_bytes(). The avcC record (fMP4) is the description.
extern "C" LIVESCOPE_EXPORT const char* livescope_bench_demux(const uint8_t* data, int size)
{
    using namespace livescope;
    g_demux_bytes.clear();
    g_demux_json = "{}";
    if (data == nullptr || size <= 0)
        return g_demux_json.c_str();
    Demuxer demux;
    demux.Push(std::span<const uint8_t>(data, static_cast<size_t>(size)), 0);
    demux.PushEnd();
    std::string codec, packets;
    size_t desc_offset = 0, desc_size = 0;
    for (;;)
    {
        DemuxedPacket pkt;
        const DecodeStatus st = demux.ReadPacket(pkt);
        if (st.Code == DecodeCode::EndOfStream || st.Code == DecodeCode::NeedMore)
            break;
        if (!st.IsOk() || pkt.Kind != MediaKind::Video || !pkt.Packet)
            continue;
        if (codec.empty() && pkt.Params)
        {
            const std::span<const uint8_t> extra(pkt.Params->extradata, static_cast<size_t>(std::max(0, pkt.Params->extradata_size)));
            codec = AvcCodecString(extra);
            if (AvcIsAvcC(extra))
            {
                desc_offset = g_demux_bytes.size();
                desc_size = extra.size();
                g_demux_bytes.insert(g_demux_bytes.end(), extra.begin(), extra.end());
            }
        }
        const size_t offset = g_demux_bytes.size();
        g_demux_bytes.insert(g_demux_bytes.end(), pkt.Packet->data, pkt.Packet->data + pkt.Packet->size);
        packets += (packets.empty() ? "[" : ",[") + std::to_string(offset) + "," + std::to_string(pkt.Packet->size) + "," +
                   std::to_string(WebCodecsTimeline::TimestampOf(pkt.Pts)) + "," + (pkt.Keyframe ? "1" : "0") + "]";
    }
    g_demux_json = "{\"codec\":\"" + codec + "\",\"description\":[" + std::to_string(desc_offset) + "," + std::to_string(desc_size) +
                   "],\"packets\":[" + packets + "]}";
    return g_demux_json.c_str();
}
extern "C" LIVESCOPE_EXPORT const uint8_t* livescope_bench_demux_bytes() { return g_demux_bytes.data(); }

#ifndef LIVESCOPE_BENCH_NO_MAIN
int main(int argc, char** argv)
{
    if (argc < 2)
    {
        std::fprintf(stderr, "usage: bench_decode <clip> [threads] [repeats]\n");
        return 2;
    }
    const int threads = argc > 2 ? std::atoi(argv[2]) : 1;
    const int repeats = argc > 3 ? std::max(1, std::atoi(argv[3])) : 1;
    std::ifstream f(argv[1], std::ios::binary);
    if (!f)
    {
        std::fprintf(stderr, "cannot read %s\n", argv[1]);
        return 1;
    }
    const std::vector<uint8_t> clip((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    livescope::DecodeSetLogLevel(16); // errors only
    double best = 0.0;
    livescope::BenchResult last;
    for (int i = 0; i < repeats; ++i)
    {
        last = livescope::BenchDecode(clip.data(), clip.size(), threads);
        if (last.Seconds > 0.0 && last.Frames / last.Seconds > best)
            best = last.Frames / last.Seconds;
    }
    std::printf("frames=%d errors=%d seconds=%.3f fps=%.1f\n", last.Frames, last.Errors, last.Seconds, best);
    return last.Frames > 0 ? 0 : 1;
}
#endif
