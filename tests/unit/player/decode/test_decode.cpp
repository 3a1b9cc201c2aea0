// Tests for the push-fed demuxer and the FFmpeg decoders on clips made by the ffmpeg CLI (src/player/decode).
#include <doctest/doctest.h>
#include "test_media.h"
#include <livescope/player/decode/container_scan.h>
#include <livescope/player/decode/decoders.h>
#include <livescope/player/decode/demuxer.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

using namespace livescope;

namespace {

struct Outcome
{
    int VideoFrames = 0;
    int VideoPackets = 0;
    int Width = 0;
    int Height = 0;
    ColorMatrix Matrix = ColorMatrix::Bt601;
    bool MatrixGuessed = true;
    ColorRange Range = ColorRange::Full;
    std::vector<uint8_t> FirstY, FirstU, FirstV; // tight planes of the first frame
    std::vector<double> VideoPts;
    std::vector<int> Serials;
    std::vector<float> Left; // left channel of all audio
    int AudioRate = 0;
    int DemuxErrors = 0;
    int DecodeErrors = 0;
    int Unsupported = 0;
    std::string LastReason;
};

struct Player
{
    Demuxer Demux;
    VideoDecoder Video;
    AudioDecoder Audio;
    AudioChunk Chunk;
    Outcome Out;

    void TakeFrames()
    {
        for (;;)
        {
            const VideoFrame* f = nullptr;
            DecodeStatus st = Video.ReceiveFrame(f);
            if (st.Code == DecodeCode::DecodeError)
            {
                ++Out.DecodeErrors;
                continue;
            }
            if (!st.IsOk())
                break;
            if (Out.VideoFrames == 0)
            {
                Out.Width = f->Width;
                Out.Height = f->Height;
                Out.Matrix = f->Matrix;
                Out.MatrixGuessed = f->MatrixGuessed;
                Out.Range = f->Range;
                for (int p = 0; p < 3; ++p)
                {
                    const int w = p == 0 ? f->Width : (f->Width + 1) / 2;
                    const int h = p == 0 ? f->Height : (f->Height + 1) / 2;
                    auto& dst = p == 0 ? Out.FirstY : p == 1 ? Out.FirstU
                                                             : Out.FirstV;
                    for (int y = 0; y < h; ++y)
                        dst.insert(dst.end(), f->Planes[p] + y * f->Strides[p], f->Planes[p] + y * f->Strides[p] + w);
                }
            }
            ++Out.VideoFrames;
            Out.VideoPts.push_back(f->Pts);
            Out.Serials.push_back(f->Serial);
            Video.ReleaseFrame(f);
        }
        for (;;)
        {
            DecodeStatus st = Audio.ReceiveSamples(Chunk);
            if (st.Code == DecodeCode::DecodeError)
            {
                ++Out.DecodeErrors;
                continue;
            }
            if (!st.IsOk())
                break;
            Out.AudioRate = Chunk.Rate;
            for (int i = 0; i < Chunk.Frames; ++i)
                Out.Left.push_back(Chunk.Samples[static_cast<size_t>(i * Chunk.Channels)]);
        }
    }

    void Drain()
    {
        for (;;)
        {
            DemuxedPacket pkt;
            DecodeStatus st = Demux.ReadPacket(pkt);
            if (st.Code == DecodeCode::NeedMore || st.Code == DecodeCode::EndOfStream)
                return;
            if (!st.IsOk())
            {
                ++Out.DemuxErrors;
                Out.LastReason = st.Reason;
                continue;
            }
            if (pkt.Kind == MediaKind::Video)
                ++Out.VideoPackets;
            DecodeStatus sent = pkt.Kind == MediaKind::Video ? Video.SendPacket(pkt) : Audio.SendPacket(pkt);
            if (sent.Code == DecodeCode::DecodeError)
                ++Out.DecodeErrors;
            else if (sent.Code == DecodeCode::UnsupportedCodec)
            {
                ++Out.Unsupported;
                Out.LastReason = sent.Reason;
            }
            TakeFrames();
        }
    }

    // Pushes `bytes` in random chunk sizes (1 byte to 16 KiB), draining after each chunk.
    void Feed(const std::vector<uint8_t>& bytes, uint32_t seed, int serial)
    {
        std::mt19937 rng(seed);
        std::uniform_int_distribution<size_t> size(1, 16384);
        size_t pos = 0;
        while (pos < bytes.size())
        {
            const size_t n = std::min(size(rng), bytes.size() - pos);
            Demux.Push(std::span<const uint8_t>(bytes.data() + pos, n), serial);
            pos += n;
            Drain();
        }
    }

    void Finish()
    {
        Demux.PushEnd();
        Drain();
        if (Video.SendEndOfStream().IsOk() || Audio.SendEndOfStream().IsOk())
        {
            (void)Audio.SendEndOfStream();
            TakeFrames();
        }
    }
};

double Goertzel(const std::vector<float>& x, size_t begin, size_t n, double freq, double rate)
{
    const double w = 2.0 * M_PI * freq / rate;
    const double c = 2.0 * std::cos(w);
    double s1 = 0.0, s2 = 0.0;
    for (size_t i = begin; i < begin + n && i < x.size(); ++i)
    {
        const double s0 = x[i] + c * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    return s1 * s1 + s2 * s2 - c * s1 * s2;
}

void CheckTone(const Outcome& o)
{
    REQUIRE(o.AudioRate == 48000);
    REQUIRE(o.Left.size() > 48000);
    const size_t n = 24000;
    const size_t begin = 12000;
    const double p440 = Goertzel(o.Left, begin, n, 440.0, 48000.0);
    for (double other : {220.0, 330.0, 550.0, 880.0, 1000.0})
        CHECK(p440 > 100.0 * Goertzel(o.Left, begin, n, other, 48000.0));
}

void CheckFirstFrame(const Outcome& o)
{
    const std::vector<uint8_t> ref = ReadMedia("first.yuv");
    const size_t ys = 320 * 240, cs = 160 * 120;
    REQUIRE(ref.size() == ys + 2 * cs);
    REQUIRE(o.FirstY.size() == ys);
    REQUIRE(o.FirstU.size() == cs);
    // Sampled points on a grid over the colour bars: same decoder, same bytes, so exact.
    int checked = 0;
    for (int y = 5; y < 240; y += 23)
        for (int x = 3; x < 320; x += 17)
        {
            CHECK(o.FirstY[static_cast<size_t>(y * 320 + x)] == ref[static_cast<size_t>(y * 320 + x)]);
            const size_t ci = static_cast<size_t>((y / 2) * 160 + x / 2);
            CHECK(o.FirstU[ci] == ref[ys + ci]);
            CHECK(o.FirstV[ci] == ref[ys + cs + ci]);
            ++checked;
        }
    CHECK(checked > 100);
}

} // namespace

TEST_SUITE_BEGIN("player_decode/decode");

TEST_CASE("fMP4 fed in random chunks decodes every frame, the colour bars and a 440 Hz tone")
{
    DecodeSetLogLevel(-8);
    const std::vector<uint8_t> clip = ReadMedia("clip.mp4");
    for (uint32_t seed : {1u, 2u, 3u})
    {
        Player p;
        p.Feed(clip, seed, 7);
        p.Finish();
        CHECK(p.Demux.Container() == ContainerKind::Fmp4);
        CHECK(p.Out.VideoFrames == 60);
        CHECK(p.Out.Width == 320);
        CHECK(p.Out.Height == 240);
        CHECK(p.Out.Matrix == ColorMatrix::Bt709);
        CHECK_FALSE(p.Out.MatrixGuessed); // the clip signals BT.709
        CHECK(p.Out.Range == ColorRange::Limited);
        CHECK(p.Out.DemuxErrors == 0);
        CHECK(p.Out.DecodeErrors == 0);
        CHECK(p.Out.Serials.front() == 7);
        CHECK(p.Out.VideoPts.front() == doctest::Approx(2.0 / 30.0)); // what ffprobe says: no edit list with B-frames
        // Presentation order: pts rise by one frame (1/30 s).
        for (size_t i = 1; i < p.Out.VideoPts.size(); ++i)
            CHECK(p.Out.VideoPts[i] - p.Out.VideoPts[i - 1] == doctest::Approx(1.0 / 30.0).epsilon(0.01));
        CheckFirstFrame(p.Out);
        CheckTone(p.Out);
    }
}

TEST_CASE("MPEG-TS fed in random chunks decodes every frame, the colour bars and a 440 Hz tone")
{
    DecodeSetLogLevel(-8);
    const std::vector<uint8_t> clip = ReadMedia("clip.ts");
    for (uint32_t seed : {4u, 5u})
    {
        Player p;
        p.Feed(clip, seed, 1);
        p.Finish();
        CHECK(p.Demux.Container() == ContainerKind::Ts);
        CHECK(p.Out.VideoFrames == 60);
        CHECK(p.Out.Width == 320);
        CHECK(p.Out.Height == 240);
        CHECK(p.Out.DecodeErrors == 0);
        CheckFirstFrame(p.Out);
        CheckTone(p.Out);
    }
}

TEST_CASE("TS frames come out before the end of the stream, held back by one PES at most")
{
    DecodeSetLogLevel(-8);
    const std::vector<uint8_t> clip = ReadMedia("clip.ts");
    Player p;
    p.Feed(clip, 9, 1); // no PushEnd
    CHECK(p.Out.VideoFrames >= 50);
    p.Finish();
    CHECK(p.Out.VideoFrames == 60);
}

TEST_CASE("a corrupted fMP4 fragment in the middle does not stop later fragments")
{
    DecodeSetLogLevel(-8);
    std::vector<uint8_t> clip = ReadMedia("clip.mp4");
    // Find the fragments (moof boxes) with the scanner.
    std::vector<size_t> moofs;
    size_t pos = 0;
    while (pos < clip.size())
    {
        const Mp4Unit u = ScanMp4Unit(std::span<const uint8_t>(clip.data() + pos, clip.size() - pos));
        if (u.Kind == Mp4UnitKind::NeedMore)
            break; // the trailing mfra box
        REQUIRE(u.Size > 0);
        if (u.Kind == Mp4UnitKind::Fragment)
            moofs.push_back(pos);
        pos += u.Size;
    }
    REQUIRE(moofs.size() >= 4); // -g 15 at 30 fps: a fragment per half second

    SUBCASE("a broken box header is skipped to the next moof")
    {
        const size_t at = moofs[1];
        for (size_t i = 0; i < 8; ++i)
            clip[at + i] = 0xEE;
        Player p;
        p.Feed(clip, 11, 1);
        p.Finish();
        CHECK(p.Out.DemuxErrors >= 1);
        CHECK(p.Out.VideoFrames >= 45); // one fragment (15 frames) lost at most
        CHECK(p.Out.VideoFrames < 60);
        CHECK(p.Out.VideoPts.back() - p.Out.VideoPts.front() == doctest::Approx(59.0 / 30.0).epsilon(0.01)); // the last frame
    }
    SUBCASE("garbage inside a fragment is an error value and decoding resumes at the next keyframe")
    {
        const size_t at = moofs[1] + 40;
        std::mt19937 rng(5);
        for (size_t i = 0; i < 3000 && at + i < moofs[2]; ++i)
            clip[at + i] = static_cast<uint8_t>(rng());
        Player p;
        p.Feed(clip, 12, 1);
        p.Finish();
        CHECK(p.Out.VideoFrames >= 45);
        CHECK(p.Out.VideoPts.back() - p.Out.VideoPts.front() == doctest::Approx(59.0 / 30.0).epsilon(0.01)); // the last frame
    }
}

TEST_CASE("a new serial re-opens the demuxer and decoders cleanly")
{
    DecodeSetLogLevel(-8);
    const std::vector<uint8_t> clip = ReadMedia("clip.mp4");
    const std::vector<uint8_t> ts = ReadMedia("clip.ts");
    Player p;
    // Half of the fMP4, then a discontinuity to TS, then fMP4 again from its init segment.
    p.Feed(std::vector<uint8_t>(clip.begin(), clip.begin() + static_cast<std::ptrdiff_t>(clip.size() / 2)), 21, 1);
    const int first = p.Out.VideoFrames;
    CHECK(first > 0);
    p.Feed(ts, 22, 2);
    p.Demux.PushEnd();
    p.Drain();
    CHECK(p.Demux.Container() == ContainerKind::Ts);
    const int second = p.Out.VideoFrames;
    p.Feed(clip, 23, 3);
    p.Finish();
    // Frames still in the decoder's reorder queue at a serial change are stale and dropped.
    CHECK(second - first >= 56);
    CHECK(p.Out.VideoFrames - second == 60);
    CHECK(p.Out.Serials.back() == 3);
    CHECK(p.Out.DecodeErrors == 0);
}

TEST_CASE("an unsupported codec and non-media bytes are distinct error values")
{
    DecodeSetLogLevel(-8);
    Player p;
    p.Feed(ReadMedia("mpeg4.mp4"), 31, 1);
    p.Finish();
    CHECK(p.Out.Unsupported > 0);
    CHECK(p.Out.VideoFrames == 0);
    CHECK(p.Out.LastReason.find("mpeg4") != std::string::npos);

    Demuxer d;
    std::vector<uint8_t> junk(5000);
    std::mt19937 rng(3);
    for (auto& b : junk)
        b = static_cast<uint8_t>(rng());
    d.Push(junk, 1);
    d.PushEnd();
    int errors = 0;
    for (int i = 0; i < 10000; ++i)
    {
        DemuxedPacket pkt;
        DecodeStatus st = d.ReadPacket(pkt);
        if (st.Code == DecodeCode::EndOfStream || st.Code == DecodeCode::NeedMore)
            break;
        CHECK_FALSE(st.IsOk());
        ++errors;
    }
    CHECK(errors >= 1);
    CHECK(errors < 10000); // no hang

    VideoDecoder v;
    DemuxedPacket empty;
    CHECK(v.SendPacket(empty).Code == DecodeCode::NotConfigured);
}

TEST_CASE("decoded frames come from a fixed pool: exhausting it is an error value, not an allocation")
{
    DecodeSetLogLevel(-8);
    const std::vector<uint8_t> clip = ReadMedia("clip.mp4");
    Demuxer d;
    VideoDecoderConfig cfg;
    cfg.PoolSize = 3;
    VideoDecoder v(cfg);
    d.Push(clip, 1);
    d.PushEnd();
    std::vector<const VideoFrame*> held;
    int exhausted = 0;
    int total = 0;
    for (;;)
    {
        DemuxedPacket pkt;
        DecodeStatus st = d.ReadPacket(pkt);
        if (!st.IsOk())
            break;
        if (pkt.Kind != MediaKind::Video)
            continue;
        REQUIRE(v.SendPacket(pkt).IsOk());
        for (;;)
        {
            const VideoFrame* f = nullptr;
            DecodeStatus r = v.ReceiveFrame(f);
            if (r.Code == DecodeCode::PoolExhausted)
            {
                ++exhausted;
                CHECK(v.FramesInUse() == 3);
                for (const VideoFrame* h : held)
                    v.ReleaseFrame(h);
                held.clear();
                continue; // the held picture is delivered on the next call
            }
            if (!r.IsOk())
                break;
            held.push_back(f);
            ++total;
        }
    }
    CHECK(exhausted > 0);
    CHECK(total >= 50);
    CHECK(v.PoolAllocations() == 3);
}

TEST_CASE("the audio rate factor resamples to fewer samples for catch-up")
{
    DecodeSetLogLevel(-8);
    const std::vector<uint8_t> clip = ReadMedia("clip.mp4");
    auto samples = [&](double rate) {
        Player p;
        p.Audio.SetRateFactor(rate);
        p.Feed(clip, 41, 1);
        p.Finish();
        CHECK(p.Audio.RateFactor() == doctest::Approx(rate));
        return static_cast<double>(p.Out.Left.size());
    };
    const double normal = samples(1.0);
    const double fast = samples(1.25);
    CHECK(normal == doctest::Approx(96000).epsilon(0.05));
    CHECK(fast / normal == doctest::Approx(0.8).epsilon(0.03));
}

TEST_CASE("HEVC in fMP4 decodes too, with its full colour range from the stream")
{
    DecodeSetLogLevel(-8);
    Player p;
    p.Feed(ReadMedia("hevc.mp4"), 51, 1);
    p.Finish();
    CHECK(p.Out.Unsupported == 0);
    CHECK(p.Out.VideoFrames == 30);
    CHECK(p.Out.Width == 320);
    CHECK(p.Out.Height == 240);
    CHECK(p.Out.Range == ColorRange::Full);
    // The clip signals no matrix: below 720 lines the guess is BT.601, and it says it guessed.
    CHECK(p.Out.Matrix == ColorMatrix::Bt601);
    CHECK(p.Out.MatrixGuessed);
}

TEST_CASE("a new init segment with a new codec, on the same serial, re-opens the video decoder")
{
    DecodeSetLogLevel(-8);
    Player p;
    p.Feed(ReadMedia("clip.mp4"), 61, 4);
    p.Demux.PushEnd();
    p.Drain();
    const int h264 = p.Out.VideoFrames;
    CHECK(h264 >= 57);
    p.Feed(ReadMedia("hevc.mp4"), 62, 4);
    p.Finish();
    CHECK(p.Out.Unsupported == 0);
    CHECK(p.Out.VideoFrames - h264 == 30);
}

TEST_CASE("audio resamples to a requested rate in mono")
{
    DecodeSetLogLevel(-8);
    Player p{Demuxer{}, VideoDecoder{}, AudioDecoder{AudioDecoderConfig{44100, 1}}, AudioChunk{}, Outcome{}};
    p.Feed(ReadMedia("clip.mp4"), 71, 1);
    p.Finish();
    CHECK(p.Chunk.Channels == 1);
    CHECK(p.Out.AudioRate == 44100);
    CHECK(static_cast<double>(p.Out.Left.size()) == doctest::Approx(88200).epsilon(0.05));
    const double p440 = Goertzel(p.Out.Left, 11025, 22050, 440.0, 44100.0);
    CHECK(p440 > 100.0 * Goertzel(p.Out.Left, 11025, 22050, 1000.0, 44100.0));
}

TEST_CASE("PCM from the browser's AudioDecoder resamples like the FFmpeg path: rate, channels, catch-up factor and pts")
{
    // 2 s of a 440 Hz tone, planar stereo at 44.1 kHz, in 1024-sample blocks as AudioData brings them.
    constexpr int kIn = 44100, kBlock = 1024, kBlocks = 86;
    auto run = [&](double factor, int out_rate, int out_channels, std::vector<float>& left, double& first_pts) {
        PcmResampler r(AudioDecoderConfig{out_rate, out_channels});
        r.SetRateFactor(factor);
        AudioChunk out;
        std::vector<float> l(kBlock), rr(kBlock);
        first_pts = NAN;
        for (int b = 0; b < kBlocks; ++b)
        {
            for (int i = 0; i < kBlock; ++i)
                l[static_cast<size_t>(i)] = rr[static_cast<size_t>(i)] = 0.5f * static_cast<float>(std::sin(2 * M_PI * 440.0 * (b * kBlock + i) / kIn));
            const float* planes[2] = {l.data(), rr.data()};
            REQUIRE(r.Convert(planes, 2, kBlock, kIn, 10.0 + b * kBlock / double(kIn), out).IsOk());
            if (out.Frames > 0 && std::isnan(first_pts)) first_pts = out.Pts;
            CHECK(out.Channels == out_channels);
            CHECK(out.Rate == out_rate);
            for (int i = 0; i < out.Frames; ++i) left.push_back(out.Samples[static_cast<size_t>(i * out_channels)]);
        }
    };
    std::vector<float> normal, fast, mono;
    double pts_normal = 0, pts_fast = 0, pts_mono = 0;
    run(1.0, 48000, 2, normal, pts_normal);
    run(1.25, 48000, 2, fast, pts_fast);
    run(1.0, 48000, 1, mono, pts_mono);
    const double expected = kBlocks * kBlock * 48000.0 / kIn;
    CHECK(static_cast<double>(normal.size()) == doctest::Approx(expected).epsilon(0.01));
    CHECK(static_cast<double>(fast.size()) / static_cast<double>(normal.size()) == doctest::Approx(0.8).epsilon(0.03));
    CHECK(static_cast<double>(mono.size()) == doctest::Approx(expected).epsilon(0.01));
    CHECK(pts_normal == doctest::Approx(10.0).epsilon(0.001)); // the first sample's stream time, less the resampler's delay
    CHECK(pts_normal <= 10.0);
    const double p440 = Goertzel(normal, 24000, 48000, 440.0, 48000.0);
    CHECK(p440 > 100.0 * Goertzel(normal, 24000, 48000, 1000.0, 48000.0));
    CHECK(Goertzel(mono, 24000, 48000, 440.0, 48000.0) > 100.0 * Goertzel(mono, 24000, 48000, 1000.0, 48000.0));
}

TEST_CASE("PCM the resampler cannot play is an error value")
{
    PcmResampler r;
    AudioChunk out;
    std::vector<float> l(16);
    const float* planes[1] = {l.data()};
    CHECK(r.Convert(planes, 1, 16, 1000, 0.0, out).Code == DecodeCode::InvalidData);
    CHECK(r.Convert(planes, 0, 16, 48000, 0.0, out).Code == DecodeCode::InvalidData);
    CHECK(r.Convert(nullptr, 1, 16, 48000, 0.0, out).Code == DecodeCode::InvalidData);
    CHECK(r.Convert(planes, 1, 16, 48000, 0.0, out).IsOk());
}

TEST_CASE("with part boundaries marked, TS hands out every complete frame at once")
{
    DecodeSetLogLevel(-8);
    const std::vector<uint8_t> clip = ReadMedia("clip.ts");
    // Offsets of the packets that start a video (unbounded) PES: frame boundaries.
    std::vector<size_t> starts;
    for (size_t pos = kTsPacketSize; pos + kTsPacketSize <= clip.size(); pos += kTsPacketSize)
    {
        const TsCut cut = ScanTsCut(std::span<const uint8_t>(clip.data(), pos + kTsPacketSize));
        if (cut.SafeEnd == pos)
            starts.push_back(pos);
    }
    REQUIRE(starts.size() == 60);
    Player held;
    Player marked;
    size_t prev = 0;
    for (size_t k = 1; k < starts.size(); ++k)
    {
        const std::span<const uint8_t> part(clip.data() + prev, starts[k] - prev);
        held.Demux.Push(part, 1);
        held.Drain();
        marked.Demux.Push(part, 1);
        marked.Demux.PushBoundary();
        marked.Drain();
        prev = starts[k];
        CHECK(marked.Out.VideoPackets == static_cast<int>(k));   // frames 0..k-1 are all out
        CHECK(held.Out.VideoPackets == static_cast<int>(k) - 1); // the last one waits for the next PES
    }
}

TEST_CASE("randomly damaged fMP4 and TS streams never crash or hang, and later data still decodes")
{
    DecodeSetLogLevel(-8);
    for (const char* name : {"clip.mp4", "clip.ts"})
    {
        const std::vector<uint8_t> clean = ReadMedia(name);
        for (uint32_t seed = 100; seed < 112; ++seed)
        {
            std::vector<uint8_t> bytes = clean;
            std::mt19937 rng(seed);
            // Damage only the first half, past the fMP4 init segment (without which nothing can
            // decode until a new one comes): bit flips, a zeroed run and a cut-out.
            const Mp4Unit init = ScanMp4Unit(bytes);
            const size_t from = init.Kind == Mp4UnitKind::Init ? init.Size : 0;
            std::uniform_int_distribution<size_t> at(from, bytes.size() / 2);
            for (int i = 0; i < 40; ++i)
                bytes[at(rng)] ^= static_cast<uint8_t>(1u << (rng() % 8));
            const size_t z = at(rng);
            std::fill(bytes.begin() + static_cast<std::ptrdiff_t>(z), bytes.begin() + static_cast<std::ptrdiff_t>(std::min(z + 500, bytes.size())), 0);
            const size_t cut = at(rng);
            bytes.erase(bytes.begin() + static_cast<std::ptrdiff_t>(cut), bytes.begin() + static_cast<std::ptrdiff_t>(cut + 333));
            Player p;
            p.Feed(bytes, seed, 1);
            p.Finish();
            INFO(std::string(name), " seed ", seed);
            CHECK(p.Out.VideoFrames >= 25); // the undamaged second half at least
        }
    }
}

TEST_CASE("push tags come back on packets and frames: the fragment's tag for fMP4, the PES's for TS")
{
    DecodeSetLogLevel(-8);
    const std::vector<uint8_t> clip = ReadMedia("clip.mp4");
    Demuxer d;
    VideoDecoder v;
    AudioDecoder a;
    AudioChunk chunk;
    std::vector<int64_t> frame_tags;
    std::vector<int64_t> audio_tags;
    auto drain = [&] {
        for (;;)
        {
            DemuxedPacket pkt;
            if (!d.ReadPacket(pkt).IsOk())
                return;
            if (pkt.Kind == MediaKind::Video)
            {
                REQUIRE(v.SendPacket(pkt).IsOk());
                const VideoFrame* f = nullptr;
                while (v.ReceiveFrame(f).IsOk())
                {
                    frame_tags.push_back(f->Tag);
                    v.ReleaseFrame(f);
                }
            }
            else
            {
                REQUIRE(a.SendPacket(pkt).IsOk());
                while (a.ReceiveSamples(chunk).IsOk())
                    audio_tags.push_back(chunk.Tag);
            }
        }
    };
    // Each unit (init = tag 100, fragment k = tag k) pushed in 3 pieces with its tag.
    size_t pos = 0;
    int64_t k = 0;
    while (pos < clip.size())
    {
        const Mp4Unit u = ScanMp4Unit(std::span<const uint8_t>(clip.data() + pos, clip.size() - pos));
        if (u.Kind == Mp4UnitKind::NeedMore)
            break;
        const int64_t tag = u.Kind == Mp4UnitKind::Init ? 100 : ++k;
        const size_t third = u.Size / 3;
        d.Push(std::span<const uint8_t>(clip.data() + pos, third), 1, tag);
        d.Push(std::span<const uint8_t>(clip.data() + pos + third, third), 1, tag);
        drain();
        d.Push(std::span<const uint8_t>(clip.data() + pos + 2 * third, u.Size - 2 * third), 1, tag);
        drain();
        pos += u.Size;
    }
    d.PushEnd();
    drain();
    REQUIRE(v.SendEndOfStream().IsOk());
    const VideoFrame* f = nullptr;
    while (v.ReceiveFrame(f).IsOk())
    {
        frame_tags.push_back(f->Tag);
        v.ReleaseFrame(f);
    }
    REQUIRE(k == 4);
    REQUIRE(frame_tags.size() == 60);
    for (int64_t t = 1; t <= 4; ++t)
        CHECK(std::count(frame_tags.begin(), frame_tags.end(), t) == 15); // one GOP per fragment
    CHECK(std::is_sorted(frame_tags.begin(), frame_tags.end()));
    REQUIRE_FALSE(audio_tags.empty());
    CHECK(audio_tags.front() == 1);
    CHECK(audio_tags.back() == 4);

    // TS: tag = chunk index; packets' tags rise with the stream and stay within the chunks pushed.
    const std::vector<uint8_t> ts = ReadMedia("clip.ts");
    Demuxer t;
    std::vector<int64_t> pkt_tags;
    std::mt19937 rng(77);
    int64_t chunk_index = 0;
    for (size_t at = 0; at < ts.size();)
    {
        const size_t n = std::min<size_t>(1000 + rng() % 6000, ts.size() - at);
        t.Push(std::span<const uint8_t>(ts.data() + at, n), 1, ++chunk_index);
        at += n;
        DemuxedPacket pkt;
        while (t.ReadPacket(pkt).IsOk())
            if (pkt.Kind == MediaKind::Video)
            {
                CHECK(pkt.Tag >= 1);
                CHECK(pkt.Tag <= chunk_index);
                pkt_tags.push_back(pkt.Tag);
            }
    }
    CHECK(pkt_tags.size() >= 50);
    CHECK(std::is_sorted(pkt_tags.begin(), pkt_tags.end()));
    CHECK(pkt_tags.back() >= chunk_index - 3);
}

TEST_SUITE_END();
