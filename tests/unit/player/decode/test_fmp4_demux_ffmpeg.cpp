// Differential tests: the pure fMP4 demuxer (fmp4_demux.cpp) against the FFmpeg-backed Demuxer on clips made by the
// ffmpeg CLI: every packet's bytes, times (within one tick), key flag, tag and stream parameters must agree.
#include <doctest/doctest.h>
#include "test_media.h"
#include <livescope/player/decode/demuxer.h>
#include <livescope/player/decode/fmp4_demux.h>
#include <livescope/player/decode/pure_demuxer.h>

extern "C" {
#include <libavcodec/avcodec.h>
}

#include <cmath>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

using namespace livescope;

namespace {

using Bytes = std::vector<uint8_t>;

struct Chunk
{
    Bytes Data;
    int64_t Tag = 0;
};

// An HLS fMP4 playlist's init segment and media segments, in order, each tagged with its index.
std::vector<Chunk> ReadHls(const std::string& dir)
{
    std::vector<Chunk> out;
    out.push_back({ReadMedia(dir + "/init.mp4"), 0});
    const Bytes m3u8 = ReadMedia(dir + "/live.m3u8");
    std::string line;
    for (size_t i = 0; i <= m3u8.size(); ++i)
    {
        if (i < m3u8.size() && m3u8[i] != '\n')
        {
            line.push_back(static_cast<char>(m3u8[i]));
            continue;
        }
        if (!line.empty() && line[0] != '#')
            out.push_back({ReadMedia(dir + "/" + line), static_cast<int64_t>(out.size())});
        line.clear();
    }
    REQUIRE(out.size() >= 3);
    return out;
}

struct Pkt
{
    bool Video = true;
    Bytes Data;
    double Pts = 0, Dts = 0, Duration = 0;
    bool Keyframe = false;
    int64_t Tag = 0;
    int Generation = 0;
    MediaCodec Codec = MediaCodec::Unknown;
    Bytes Extradata;
    int Width = 0, Height = 0, SampleRate = 0, Channels = 0;
    uint32_t Timescale = 0;
};

MediaCodec CodecOf(int id)
{
    switch (id)
    {
        case AV_CODEC_ID_H264: return MediaCodec::H264;
        case AV_CODEC_ID_HEVC: return MediaCodec::Hevc;
        case AV_CODEC_ID_AAC: return MediaCodec::Aac;
        default: return MediaCodec::Unknown;
    }
}

// Reads packets until the demuxer needs more: the times, key flag and tag are common, `fill` copies the rest (the
// FFmpeg Demuxer and the pure one describe a packet with different types).
template <class Packet, class Demux, class Fill>
void DrainPackets(Demux& d, std::vector<Pkt>& out, Fill&& fill)
{
    Packet p;
    for (int i = 0; i < 100000; ++i)
    {
        const DecodeStatus st = d.ReadPacket(p);
        if (st.Code == DecodeCode::NeedMore || st.Code == DecodeCode::EndOfStream)
            return;
        REQUIRE_MESSAGE(st.IsOk(), st.Reason);
        Pkt k;
        k.Pts = p.Pts;
        k.Dts = p.Dts;
        k.Duration = p.Duration;
        k.Keyframe = p.Keyframe;
        k.Tag = p.Tag;
        fill(p, k);
        out.push_back(std::move(k));
    }
}

std::vector<Pkt> RunFfmpeg(const std::vector<Chunk>& chunks)
{
    Demuxer d;
    std::vector<Pkt> out;
    auto drain = [&] {
        DrainPackets<DemuxedPacket>(d, out, [](const DemuxedPacket& p, Pkt& k) {
            k.Video = p.Kind == MediaKind::Video;
            k.Data.assign(p.Packet->data, p.Packet->data + p.Packet->size);
            k.Generation = p.ParamsGeneration;
            k.Codec = CodecOf(p.Params->codec_id);
            if (p.Params->extradata != nullptr)
                k.Extradata.assign(p.Params->extradata, p.Params->extradata + p.Params->extradata_size);
            k.Width = p.Params->width;
            k.Height = p.Params->height;
            k.SampleRate = p.Params->sample_rate;
            k.Channels = p.Params->ch_layout.nb_channels;
        });
    };
    for (const Chunk& c : chunks)
    {
        d.Push(c.Data, 0, c.Tag);
        drain();
    }
    d.PushEnd();
    drain();
    CHECK(d.Errors() == 0);
    return out;
}

// Pushes each chunk in pieces of random sizes (seeded) through the pure facade.
std::vector<Pkt> RunPure(const std::vector<Chunk>& chunks, unsigned seed)
{
    PureDemuxer d;
    std::mt19937 rng(seed);
    std::vector<Pkt> out;
    auto drain = [&] {
        DrainPackets<MediaPacket>(d, out, [](const MediaPacket& p, Pkt& k) {
            k.Video = p.Info->Video;
            k.Data.assign(p.Data.begin(), p.Data.end());
            k.Generation = p.Info->Generation;
            k.Codec = p.Info->Codec;
            k.Extradata = p.Info->Extradata;
            k.Width = p.Info->Width;
            k.Height = p.Info->Height;
            k.SampleRate = p.Info->SampleRate;
            k.Channels = p.Info->Channels;
            k.Timescale = p.Info->Timescale;
        });
    };
    for (const Chunk& c : chunks)
    {
        size_t pos = 0;
        while (pos < c.Data.size())
        {
            const size_t n = std::min<size_t>(c.Data.size() - pos, 1 + rng() % 9000);
            d.Push(std::span<const uint8_t>(c.Data.data() + pos, n), 0, c.Tag);
            pos += n;
            drain();
        }
    }
    d.PushEnd();
    drain();
    CHECK(d.Errors() == 0);
    CHECK(d.Container() == ContainerKind::Fmp4);
    return out;
}

// `video_pts_shift`: seconds libavformat adds to every video pts beyond dts + cts (see the negative offsets case).
void Compare(const std::vector<Chunk>& chunks, bool expect_audio, MediaCodec video_codec, double video_pts_shift = 0.0)
{
    const std::vector<Pkt> ref = RunFfmpeg(chunks);
    REQUIRE(ref.size() >= 10);
    int audio = 0;
    for (unsigned seed : {1u, 2u})
    {
        const std::vector<Pkt> got = RunPure(chunks, seed);
        REQUIRE(got.size() == ref.size());
        for (size_t i = 0; i < ref.size(); ++i)
        {
            const Pkt& a = ref[i];
            const Pkt& b = got[i];
            INFO("packet " << i << (a.Video ? " video" : " audio") << " pts " << a.Pts);
            REQUIRE(b.Video == a.Video);
            CHECK(b.Data.size() == a.Data.size());
            CHECK(b.Data == a.Data);
            REQUIRE(b.Timescale > 0);
            const double tick = 1.0 / b.Timescale + 1e-9;
            CHECK(std::fabs(b.Pts + (a.Video ? video_pts_shift : 0.0) - a.Pts) <= tick);
            CHECK(std::fabs(b.Dts - a.Dts) <= tick);
            // libavformat leaves the duration 0 (unknown) on the last sample of each track in a fragment (the Demuxer
            // opens one fragment at a time); where it has one, it is the trun's.
            if (a.Duration > 0)
                CHECK(std::fabs(b.Duration - a.Duration) <= tick);
            CHECK(b.Keyframe == a.Keyframe);
            CHECK(b.Tag == a.Tag);
            CHECK(b.Generation == a.Generation);
            CHECK(b.Codec == a.Codec);
            if (b.Codec == MediaCodec::Unknown)
                continue; // the caller falls back to FFmpeg for this stream: its parameters are not ours to give
            CHECK(b.Extradata == a.Extradata);
            if (a.Video)
            {
                CHECK(b.Codec == video_codec);
                CHECK(b.Width == a.Width);
                CHECK(b.Height == a.Height);
            }
            else
            {
                ++audio;
                CHECK(b.SampleRate == a.SampleRate);
                CHECK(b.Channels == a.Channels);
            }
        }
    }
    CHECK((audio > 0) == expect_audio);
}

} // namespace

TEST_SUITE_BEGIN("player_decode/fmp4_demux_ffmpeg");

TEST_CASE("H.264 and AAC HLS fMP4 segments demux exactly as FFmpeg's Demuxer does")
{
    Compare(ReadHls("hls_h264"), true, MediaCodec::H264);
}

TEST_CASE("HEVC and AAC HLS fMP4 segments demux exactly as FFmpeg's Demuxer does")
{
    Compare(ReadHls("hls_hevc"), true, MediaCodec::Hevc);
}

TEST_CASE("a fragmented MP4 file with version 1 truns and negative composition offsets demuxes as FFmpeg's does")
{
    // libavformat (5.1) adds the fragment's largest negative composition offset (its dts_shift, one frame here: 512
    // ticks of 15360) to every pts; the pure demuxer keeps pts = dts + cts, the encoder's own times.
    const std::vector<Chunk> chunks = {{ReadMedia("negcts.mp4"), 5}};
    Compare(chunks, true, MediaCodec::H264, 512.0 / 15360);
    const std::vector<Pkt> got = RunPure(chunks, 3);
    REQUIRE_FALSE(got.empty());
    REQUIRE(got[0].Video);
    CHECK(got[0].Pts == 0.0); // testsrc2's first frame
    CHECK(got[0].Dts == 0.0);
}

TEST_CASE("the decode tests' fragmented clips demux as FFmpeg's do, MPEG-4 Part 2 as MediaCodec::Unknown")
{
    Compare({{ReadMedia("clip.mp4"), 1}}, true, MediaCodec::H264);
    Compare({{ReadMedia("hevc.mp4"), 1}}, false, MediaCodec::Hevc);
    Compare({{ReadMedia("mpeg4.mp4"), 1}}, false, MediaCodec::Unknown);
}

TEST_SUITE_END();

#if defined(LIVESCOPE_HAVE_TS_DEMUX)
#include <livescope/player/decode/ts_demux.h>

TEST_SUITE_BEGIN("player_decode/pure_demuxer");

namespace {
Pkt Brief(const MediaPacket& p)
{
    Pkt k;
    k.Video = p.Info->Video;
    k.Data.assign(p.Data.begin(), p.Data.end());
    k.Pts = p.Pts;
    k.Dts = p.Dts;
    return k;
}
} // namespace

TEST_CASE("the pure demuxer hands MPEG-TS to TsDemux, and a serial change from fMP4 to TS detects the container again")
{
    const Bytes ts = ReadMedia("clip.ts");
    std::vector<Pkt> want;
    {
        TsDemux d;
        d.Push(ts, 0, 9);
        d.PushEnd();
        MediaPacket p;
        for (int i = 0; i < 100000 && d.ReadPacket(p).IsOk(); ++i)
            want.push_back(Brief(p));
    }
    REQUIRE(want.size() > 10);
    PureDemuxer d;
    MediaPacket p;
    d.Push(ReadMedia("clip.mp4"), 0, 1);
    int fmp4 = 0;
    for (int i = 0; i < 100000 && d.ReadPacket(p).IsOk(); ++i)
        ++fmp4;
    CHECK(fmp4 > 10);
    CHECK(d.Container() == ContainerKind::Fmp4);
    for (size_t pos = 0; pos < ts.size(); pos += 1000)
        d.Push(std::span<const uint8_t>(ts.data() + pos, std::min<size_t>(1000, ts.size() - pos)), 1, 9);
    d.PushEnd();
    std::vector<Pkt> got;
    for (int i = 0; i < 100000; ++i)
    {
        const DecodeStatus st = d.ReadPacket(p);
        if (st.Code == DecodeCode::EndOfStream)
            break;
        REQUIRE_MESSAGE(st.IsOk(), st.Reason);
        got.push_back(Brief(p));
        CHECK(p.Serial == 1);
    }
    CHECK(d.Container() == ContainerKind::Ts);
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i < got.size(); ++i)
    {
        CHECK(got[i].Video == want[i].Video);
        CHECK(got[i].Data == want[i].Data);
        CHECK(got[i].Pts == want[i].Pts);
    }
}

TEST_SUITE_END();
#endif
