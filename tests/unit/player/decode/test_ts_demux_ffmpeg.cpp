// Differential test: the pure MPEG-TS demuxer (ts_demux.cpp) against the FFmpeg-backed Demuxer on ffmpeg-made TS HLS.
#include <doctest/doctest.h>
#include <livescope/player/decode/demuxer.h>
#include <livescope/player/decode/ts_demux.h>

extern "C" {
#include <libavcodec/packet.h>
}

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using namespace livescope;

namespace {

using Bytes = std::vector<uint8_t>;

// The HLS segments (seg0.ts, seg1.ts, ...) that the test build makes with the ffmpeg CLI (libx264 + aac, as the
// playback bench's live source).
std::vector<Bytes> ReadSegments(const char* dir)
{
    std::vector<Bytes> segs;
    for (int i = 0;; ++i)
    {
        std::ifstream f(std::string(LIVESCOPE_TEST_MEDIA) + "/" + dir + "/seg" + std::to_string(i) + ".ts", std::ios::binary);
        if (!f.good())
            break;
        segs.emplace_back(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    }
    return segs;
}

struct Pkt
{
    Bytes Data;
    double Pts = 0, Dts = 0;
    bool Key = false;
    int64_t Tag = 0;
    bool PtsFilled = false; // FFmpeg: an AAC frame after the first of its PES (no pts of its own)
};

struct Streams
{
    std::vector<Pkt> Video, Audio;
    int Width = 0, Height = 0, SampleRate = 0, Channels = 0;
    Bytes Asc;
    int AudioPtsFilled = 0; // FFmpeg audio packets without a pts of their own
};

// FFmpeg's packets; AAC ones lose their ADTS header (7 bytes, 9 with a CRC) to compare with the pure demuxer's.
void DrainFfmpeg(Demuxer& d, Streams& s)
{
    for (int guard = 0; guard < 100000; ++guard)
    {
        DemuxedPacket p;
        const DecodeStatus st = d.ReadPacket(p);
        if (st.Code == DecodeCode::NeedMore || st.Code == DecodeCode::EndOfStream)
            return;
        REQUIRE(st.IsOk());
        Pkt k;
        k.Data.assign(p.Packet->data, p.Packet->data + p.Packet->size);
        k.Pts = p.Pts;
        k.Dts = p.Dts;
        k.Key = p.Keyframe;
        k.Tag = p.Tag;
        if (p.Kind == MediaKind::Audio)
        {
            // FFmpeg's parser splits a PES into its AAC frames and only the first carries the PES's pts: the others
            // get the previous frame's pts plus its duration, as the worker does (and as the pure demuxer gives them).
            if (std::isnan(k.Pts) && !s.Audio.empty())
            {
                k.Pts = k.Dts = s.Audio.back().Pts + (p.Duration > 0 ? p.Duration : 1024.0 / 48000.0);
                k.PtsFilled = true;
                ++s.AudioPtsFilled;
            }
            REQUIRE(k.Data.size() >= 7);
            const size_t header = (k.Data[1] & 1) ? 7 : 9;
            k.Data.erase(k.Data.begin(), k.Data.begin() + static_cast<std::ptrdiff_t>(header));
            s.Audio.push_back(std::move(k));
        }
        else
            s.Video.push_back(std::move(k));
    }
}

void DrainPure(TsDemux& d, Streams& s)
{
    for (int guard = 0; guard < 100000; ++guard)
    {
        MediaPacket p;
        const DecodeStatus st = d.ReadPacket(p);
        if (st.Code == DecodeCode::NeedMore || st.Code == DecodeCode::EndOfStream)
            return;
        REQUIRE(st.IsOk());
        REQUIRE(p.Info != nullptr);
        Pkt k;
        k.Data.assign(p.Data.begin(), p.Data.end());
        k.Pts = p.Pts;
        k.Dts = p.Dts;
        k.Key = p.Keyframe;
        k.Tag = p.Tag;
        if (p.Info->Video)
        {
            s.Width = p.Info->Width;
            s.Height = p.Info->Height;
            s.Video.push_back(std::move(k));
        }
        else
        {
            s.SampleRate = p.Info->SampleRate;
            s.Channels = p.Info->Channels;
            s.Asc = p.Info->Extradata;
            s.Audio.push_back(std::move(k));
        }
    }
}

// Same packets in the same order: bytes, pts/dts (to the 90 kHz tick), key flags, tags. The tag of an AAC frame after
// the first of its PES is the PES's for the pure demuxer, and where FFmpeg's parser was when it split it for FFmpeg's:
// the same when a PES does not straddle two pushes (HLS parts), compared then only.
void Compare(const std::vector<Pkt>& ff, const std::vector<Pkt>& pure, const std::string& kind, bool every_tag = true)
{
    CAPTURE(kind);
    CHECK(pure.size() == ff.size());
    int mismatches = 0;
    for (size_t i = 0; i < std::min(ff.size(), pure.size()) && mismatches < 5; ++i)
    {
        CAPTURE(i);
        const bool same = ff[i].Data == pure[i].Data && std::abs(ff[i].Pts - pure[i].Pts) < 0.5 / 90000 &&
                          std::abs(ff[i].Dts - pure[i].Dts) < 0.5 / 90000 && ff[i].Key == pure[i].Key &&
                          (ff[i].Tag == pure[i].Tag || (!every_tag && ff[i].PtsFilled));
        if (!same)
        {
            ++mismatches;
            size_t diff = 0; // first differing byte
            while (diff < ff[i].Data.size() && diff < pure[i].Data.size() && ff[i].Data[diff] == pure[i].Data[diff])
                ++diff;
            CAPTURE(diff);
            CHECK(ff[i].Data.size() == pure[i].Data.size());
            CHECK(ff[i].Data == pure[i].Data);
            CHECK(ff[i].Pts == doctest::Approx(pure[i].Pts));
            CHECK(ff[i].Dts == doctest::Approx(pure[i].Dts));
            CHECK(ff[i].Key == pure[i].Key);
            CHECK((ff[i].Tag == pure[i].Tag || (!every_tag && ff[i].PtsFilled)));
        }
    }
}

} // namespace

TEST_SUITE_BEGIN("player_decode/ts_demux_ffmpeg");

TEST_CASE("the pure TS demuxer gives FFmpeg's packets on ffmpeg-made HLS: bytes, timestamps, key flags and tags")
{
    DecodeSetLogLevel(-8);
    const std::vector<Bytes> segs = ReadSegments("hls_ts");
    REQUIRE(segs.size() >= 3);
    Demuxer ff;
    TsDemux pure;
    Streams a, b;
    for (size_t i = 0; i < segs.size(); ++i)
    {
        // Each segment in two pushes with a tag each, as parts; a part boundary after each segment.
        const size_t half = segs[i].size() / 2 + 77;
        const std::span<const uint8_t> seg(segs[i]);
        for (int k = 0; k < 2; ++k)
        {
            const std::span<const uint8_t> piece = k == 0 ? seg.first(half) : seg.subspan(half);
            const auto tag = static_cast<int64_t>(i * 2 + static_cast<size_t>(k));
            ff.Push(piece, 5, tag);
            pure.Push(piece, 5, tag);
        }
        ff.PushBoundary();
        pure.PushBoundary();
        DrainFfmpeg(ff, a);
        DrainPure(pure, b);
    }
    ff.PushEnd();
    pure.PushEnd();
    DrainFfmpeg(ff, a);
    DrainPure(pure, b);
    REQUIRE(a.Video.size() >= 90);
    REQUIRE(a.Audio.size() >= 180);
    Compare(a.Video, b.Video, "video");
    Compare(a.Audio, b.Audio, "audio");
    CHECK(static_cast<int>(a.Audio.size()) - a.AudioPtsFilled >= 8); // PES starts: FFmpeg's own pts compared
    CHECK(b.Width == 640);
    CHECK(b.Height == 360);
    CHECK(b.SampleRate == 48000);
    CHECK(b.Channels == 1);
    CHECK(b.Asc == Bytes{0x11, 0x88}); // AAC-LC, 48 kHz, mono
    CHECK(pure.Errors() == 0);
    CHECK(ff.Errors() == 0);
}

Bytes ReadClip(const char* name)
{
    std::ifstream f(std::string(LIVESCOPE_TEST_MEDIA) + "/" + name, std::ios::binary);
    REQUIRE(f.good());
    return Bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

TEST_CASE("the pure TS demuxer gives FFmpeg's packets on HEVC in TS (remuxed from the HEVC clip), key flags included")
{
    DecodeSetLogLevel(-8);
    const Bytes clip = ReadClip("hevc.ts");
    Demuxer ff;
    TsDemux pure;
    Streams a, b;
    ff.Push(clip, 1, 3);
    pure.Push(clip, 1, 3);
    ff.PushEnd();
    pure.PushEnd();
    DrainFfmpeg(ff, a);
    DrainPure(pure, b);
    REQUIRE(a.Video.size() == 30);
    // FFmpeg's HEVC parser cuts access units at the 3-byte start code, so the first zero byte of the next unit's
    // 4-byte start code ends each of its packets; the pure demuxer hands out each PES whole (an access unit with its
    // own 4-byte start code). Compared without the zero bytes at either end.
    auto trim = [](std::vector<Pkt>& v) {
        for (Pkt& p : v)
        {
            while (!p.Data.empty() && p.Data.back() == 0)
                p.Data.pop_back();
            size_t lead = 0;
            while (lead < p.Data.size() && p.Data[lead] == 0)
                ++lead;
            p.Data.erase(p.Data.begin(), p.Data.begin() + static_cast<std::ptrdiff_t>(lead));
        }
    };
    CHECK(b.Video[0].Data.size() + 1 == a.Video[0].Data.size());
    trim(a.Video);
    trim(b.Video);
    Compare(a.Video, b.Video, "video");
    int keys = 0;
    for (const Pkt& p : b.Video)
        keys += p.Key ? 1 : 0;
    CHECK(keys == 2); // keyint 15 over 30 frames
    CHECK(b.Width == 320);
    CHECK(b.Height == 240);
}

TEST_CASE("the pure TS demuxer gives FFmpeg's packets on a TS file pushed in small pieces without part boundaries")
{
    DecodeSetLogLevel(-8);
    const Bytes clip = ReadClip("clip.ts");
    Demuxer ff;
    TsDemux pure;
    Streams a, b;
    size_t pos = 0;
    for (int64_t tag = 0; pos < clip.size(); ++tag)
    {
        const size_t n = std::min<size_t>(clip.size() - pos, 1000 + static_cast<size_t>(tag % 7) * 333);
        const std::span<const uint8_t> piece(clip.data() + pos, n);
        ff.Push(piece, 1, tag);
        pure.Push(piece, 1, tag);
        DrainFfmpeg(ff, a);
        DrainPure(pure, b);
        pos += n;
    }
    ff.PushEnd();
    pure.PushEnd();
    DrainFfmpeg(ff, a);
    DrainPure(pure, b);
    REQUIRE(a.Video.size() == 60);
    Compare(a.Video, b.Video, "video");
    Compare(a.Audio, b.Audio, "audio", false);
    CHECK(b.Width == 320);
    CHECK(b.Height == 240);
    CHECK(b.Channels == 2);
    CHECK(pure.Errors() == 0);
}

TEST_CASE("TS with the audio in a second program: FFmpeg's demuxer gives both, the pure one the video and one refusal naming AAC")
{
    // FFmpeg's Demuxer takes the first video and the first audio stream whatever their program: it plays the stream
    // whole. The pure demuxer plays the first program, so it refuses (the worker then switches to FFmpeg's demuxer).
    DecodeSetLogLevel(-8);
    const Bytes clip = ReadClip("two_programs.ts");
    Demuxer ff;
    ff.Push(clip, 1, 0);
    ff.PushEnd();
    Streams a;
    DrainFfmpeg(ff, a);
    CHECK(a.Video.size() == 60);
    CHECK(a.Audio.size() >= 90); // 2 s of 48 kHz AAC: 94 frames
    TsDemux pure;
    pure.Push(clip, 1, 0);
    pure.PushEnd();
    Streams b;
    int refusals = 0;
    for (int guard = 0; guard < 100000; ++guard)
    {
        MediaPacket p;
        const DecodeStatus st = pure.ReadPacket(p);
        if (st.Code == DecodeCode::NeedMore || st.Code == DecodeCode::EndOfStream)
            break;
        REQUIRE(st.IsOk());
        if (p.Info->Codec == MediaCodec::Unknown)
        {
            ++refusals;
            CHECK_FALSE(p.Info->Video);
            CHECK(p.Info->Refused == MediaCodec::Aac);
            CHECK(p.Info->RefusedWhy == "mpeg-ts audio in program 2, not in the first (2 programs)");
            CHECK(b.Video.empty()); // at the PMTs, before any media
            continue;
        }
        REQUIRE(p.Info->Video);
        b.Video.push_back({Bytes(p.Data.begin(), p.Data.end()), p.Pts, p.Dts, p.Keyframe, p.Tag});
    }
    CHECK(refusals == 1);
    Compare(a.Video, b.Video, "video");
}

TEST_SUITE_END();
