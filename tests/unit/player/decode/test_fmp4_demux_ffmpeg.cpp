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

#include <array>
#include <cmath>
#include <fstream>
#include <functional>
#include <optional>
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
    MediaCodec Refused = MediaCodec::Unknown; // pure, Codec Unknown: the declared codec of a refusal
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
            k.Refused = p.Info->Refused;
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

uint32_t Be32(const uint8_t* p)
{
    return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) | (static_cast<uint32_t>(p[2]) << 8) | p[3];
}
void PutBe32(Bytes& b, uint32_t v)
{
    for (int shift = 24; shift >= 0; shift -= 8)
        b.push_back(static_cast<uint8_t>(v >> shift));
}

// The boxes of `data` again (32-bit sizes), the containers down to stsd walked into, and `leaf(type, payload)` may
// give another payload for a box (nullopt: kept). Sizes are recomputed, so a payload may grow.
using Leaf = std::function<std::optional<Bytes>(const std::string&, std::span<const uint8_t>)>;
Bytes Rewrite(std::span<const uint8_t> data, const Leaf& leaf)
{
    Bytes out;
    size_t pos = 0;
    while (pos + 8 <= data.size())
    {
        const uint32_t size = Be32(data.data() + pos);
        REQUIRE(size >= 8);
        REQUIRE(pos + size <= data.size());
        const std::string type(data.begin() + static_cast<std::ptrdiff_t>(pos + 4), data.begin() + static_cast<std::ptrdiff_t>(pos + 8));
        const std::span<const uint8_t> payload = data.subspan(pos + 8, size - 8);
        Bytes next;
        if (type == "moov" || type == "trak" || type == "mdia" || type == "minf" || type == "stbl" || type == "edts" || type == "mvex")
            next = Rewrite(payload, leaf);
        else if (std::optional<Bytes> r = leaf(type, payload))
            next = std::move(*r);
        else
            next.assign(payload.begin(), payload.end());
        PutBe32(out, static_cast<uint32_t>(next.size() + 8));
        out.insert(out.end(), type.begin(), type.end());
        out.insert(out.end(), next.begin(), next.end());
        pos += size;
    }
    return out;
}

} // namespace

TEST_SUITE_BEGIN("player_decode/fmp4_demux_ffmpeg");

TEST_CASE("edit lists beyond the simple form demux as FFmpeg's do: both apply the first empty and media edit, nothing else")
{
    // libavformat (5.1) on fragmented MP4: mov_build_index takes time_offset from a leading empty edit and the first media
    // edit, warns about the rest ("multiple edit list entries") and ignores media_rate; mov_fix_index never runs on an
    // empty sample table. The pure demuxer does the same, so these are no refusal: the full module would play them alike.
    const std::vector<Chunk> base = ReadHls("hls_h264");
    struct Variant
    {
        const char* Name;
        bool LeadingEmpty, SecondMedia, Rate2;
    };
    for (const Variant v : {Variant{"media_rate 2", false, false, true}, Variant{"a second media edit", false, true, false},
                            Variant{"an empty edit, two media edits, media_rate 2", true, true, true}})
    {
        CAPTURE(v.Name);
        int edited = 0;
        std::vector<Chunk> chunks = base;
        chunks[0].Data = Rewrite(base[0].Data, [&](const std::string& type, std::span<const uint8_t> p) -> std::optional<Bytes> {
            if (type != "elst")
                return std::nullopt;
            REQUIRE(p.size() >= 8);
            REQUIRE(p[0] == 0); // version 0: 12-byte entries
            const uint32_t count = Be32(p.data() + 4);
            REQUIRE(p.size() == 8 + 12 * size_t{count});
            std::vector<std::array<uint32_t, 3>> entries; // duration, media_time, rate (16.16)
            if (v.LeadingEmpty && (count == 0 || Be32(p.data() + 12) != 0xFFFFFFFFu))
                entries.push_back({500, 0xFFFFFFFFu, 0x00010000});
            for (uint32_t i = 0; i < count; ++i)
                entries.push_back({Be32(p.data() + 8 + 12 * i), Be32(p.data() + 12 + 12 * i), Be32(p.data() + 16 + 12 * i)});
            if (v.SecondMedia)
                entries.push_back({1000, 0, 0x00010000});
            if (v.Rate2)
                for (auto& e : entries)
                    e[2] = 0x00020000;
            Bytes out(p.begin(), p.begin() + 4);
            PutBe32(out, static_cast<uint32_t>(entries.size()));
            for (const auto& e : entries)
                for (const uint32_t x : e)
                    PutBe32(out, x);
            ++edited;
            return out;
        });
        REQUIRE(edited >= 1); // ffmpeg's HLS muxer writes an elst per track
        Compare(chunks, true, MediaCodec::H264);
    }
}

TEST_CASE("a segment whose video names a second sample description of another codec: FFmpeg skips it, the pure one refuses")
{
    // The init segment's video track gets a second stsd entry ('hvc1', a copy of the first's fields); a second init
    // segment sets its trex default_sample_description_index to 2, for the middle segment. libavformat (5.1) reads only
    // the first of differing fourccs ("multiple fourcc not supported") and skips the samples of the other: it plays the
    // rest. The pure demuxer gives the same packets, and one refusal (H.264 declared) in place of each skipped fragment's
    // video, so the worker switches to FFmpeg's demuxer.
    const std::vector<Chunk> base = ReadHls("hls_h264");
    REQUIRE(base.size() >= 4);
    auto with = [&](uint32_t description) {
        int entries = 0, trex = 0;
        Bytes init = Rewrite(base[0].Data, [&](const std::string& type, std::span<const uint8_t> p) -> std::optional<Bytes> {
            if (type == "stsd" && p.size() >= 16 && std::string(p.begin() + 12, p.begin() + 16) == "avc1")
            {
                REQUIRE(Be32(p.data() + 4) == 1);
                const uint32_t size = Be32(p.data() + 8);
                REQUIRE(size >= 8);
                REQUIRE(p.size() >= 8 + size_t{size});
                Bytes out(p.begin(), p.begin() + 4);
                PutBe32(out, 2); // entry_count
                out.insert(out.end(), p.begin() + 8, p.end());
                PutBe32(out, size); // the first entry again, as hvc1
                out.insert(out.end(), {'h', 'v', 'c', '1'});
                out.insert(out.end(), p.begin() + 16, p.begin() + 8 + size);
                ++entries;
                return out;
            }
            if (type == "trex" && p.size() >= 24 && Be32(p.data() + 4) == 1) // track 1: the video (ffmpeg's first stream)
            {
                Bytes out(p.begin(), p.begin() + 8);
                PutBe32(out, description); // default_sample_description_index
                out.insert(out.end(), p.begin() + 12, p.end());
                ++trex;
                return out;
            }
            return std::nullopt;
        });
        REQUIRE(entries == 1);
        REQUIRE(trex == 1);
        return init;
    };
    const std::vector<Chunk> chunks = {{with(1), 0}, base[1], {with(2), 10}, base[2], {with(1), 20}, base[3]};
    const int64_t middle = base[2].Tag;
    const std::vector<Pkt> ref = RunFfmpeg(chunks);
    const std::vector<Pkt> got = RunPure(chunks, 1);
    int ref_middle_video = 0, ref_middle_audio = 0, refusals = 0;
    for (const Pkt& k : ref)
        if (k.Tag == middle)
            ++(k.Video ? ref_middle_video : ref_middle_audio);
    CHECK(ref_middle_video == 0); // FFmpeg skipped them
    CHECK(ref_middle_audio > 0);
    std::vector<Pkt> played;
    for (const Pkt& k : got)
    {
        if (k.Codec != MediaCodec::Unknown)
        {
            played.push_back(k);
            continue;
        }
        ++refusals;
        CHECK(k.Video);
        CHECK(k.Tag == middle);
        CHECK(k.Refused == MediaCodec::H264);
        CHECK(k.Data.empty());
    }
    CHECK(refusals >= 1);
    REQUIRE(played.size() == ref.size());
    for (size_t i = 0; i < ref.size(); ++i)
    {
        INFO("packet " << i << (ref[i].Video ? " video" : " audio") << " pts " << ref[i].Pts);
        CHECK(played[i].Video == ref[i].Video);
        CHECK(played[i].Data == ref[i].Data);
        CHECK(played[i].Tag == ref[i].Tag);
        CHECK(played[i].Keyframe == ref[i].Keyframe);
        CHECK(std::fabs(played[i].Dts - ref[i].Dts) <= 1.0 / played[i].Timescale + 1e-9);
        CHECK(std::fabs(played[i].Pts - ref[i].Pts) <= 1.0 / played[i].Timescale + 1e-9);
    }
}

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
