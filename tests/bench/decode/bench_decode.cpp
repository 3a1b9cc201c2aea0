// Decode benchmark: demux + decode every video frame of a clip with livescope's Demuxer and VideoDecoder; prints fps.
#include <livescope/player/decode/decoders.h>
#include <livescope/player/decode/demuxer.h>

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
    double Seconds = 0.0; // wall time of demux + decode (+ copy into the frame pool)
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

// For a browser page: decodes `size` bytes at `data` (allocated with _malloc) and returns fps (< 0 on failure).
extern "C" LIVESCOPE_EXPORT double livescope_bench_decode(const uint8_t* data, int size)
{
    if (data == nullptr || size <= 0)
        return -1.0;
    const livescope::BenchResult r = livescope::BenchDecode(data, static_cast<size_t>(size), 1);
    return r.Frames > 0 && r.Seconds > 0.0 ? r.Frames / r.Seconds : -1.0;
}

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
