// Tests for the worker's decode pipeline (src/app/worker/worker_decode.cpp, the full module's configuration, built
// natively) on clips made by the ffmpeg CLI, built twice: with FFmpeg's demuxer as the full module has it
// (test_player_decode_pipeline) and with the light module's pure demuxers (test_player_decode_pipeline_pure,
// LIVESCOPE_WORKER_PURE_DEMUX). Either demuxer's packets go to FFmpeg's decoders and to the WebCodecs queues in one
// shape, an unsupported codec is a clear fatal error, and what only FFmpeg's demuxer plays plays on the full module.
#include <doctest/doctest.h>
#include "test_media.h"

#include "worker_decode.h"

#include <livescope/player/decode/decoders.h>
#include <livescope/player/decode/webcodecs.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using namespace livescope;

namespace {

double NowMs() { return 0.0; }

// Feeds a whole file as one chunk (TS: one TS chunk; fMP4: a media chunk holding its own init segment), in pieces.
void FeedFile(DecodePipeline& p, const std::vector<uint8_t>& bytes, bool ts)
{
    p.BeginChunk(false, ts, 1, 0.0);
    for (size_t at = 0; at < bytes.size(); at += 4000) p.Feed(bytes.data() + at, std::min<size_t>(4000, bytes.size() - at));
    p.EndChunk(true);
}

int TakeVideo(DecodePipeline& p)
{
    int n = 0;
    while (p.HasVideo())
    {
        CHECK(p.PeekVideo().Frame != nullptr);
        p.PopVideo();
        ++n;
    }
    return n;
}

// 48 kHz stereo out, both decoders FFmpeg's, then the whole file in.
void FeedOnWasm(DecodePipeline& p, const char* file, bool ts)
{
    p.SetAudioOutput(48000, 2);
    p.SetDecoder(DecoderChoice::Wasm, false);
    p.SetAudioDecoder(DecoderChoice::Wasm, false);
    FeedFile(p, ReadMedia(file), ts);
}

} // namespace

TEST_CASE("the pipeline decodes MPEG-TS and fMP4 from the pure demuxers on the wasm path: every frame and the audio")
{
    for (const bool ts : {true, false})
    {
        CAPTURE(ts);
        DecodePipeline p(NowMs);
        FeedOnWasm(p, ts ? "clip.ts" : "clip.mp4", ts);
        CHECK(p.Fatal == DecodeFatal::None);
        CHECK(p.Counters.Errors == 0);
        const int frames = TakeVideo(p);
        // 2 s at 30 fps; TS holds back at most its last PES until the next chunk or boundary (EndChunk marks one).
        CHECK(frames >= 58);
        CHECK(p.Counters.Width == 320);
        CHECK(p.Counters.Height == 240);
        CHECK(p.AudioOut.size() > 48000u * 2u * 3u / 2u); // more than 1.5 s of stereo 48 kHz
    }
}

TEST_CASE("HEVC from the pure demuxers decodes on the wasm path, in fMP4 and in MPEG-TS")
{
    for (const bool ts : {true, false})
    {
        CAPTURE(ts);
        DecodePipeline p(NowMs);
        FeedOnWasm(p, ts ? "hevc.ts" : "hevc.mp4", ts);
        CHECK(p.Fatal == DecodeFatal::None);
        CHECK(TakeVideo(p) >= 25); // 1 s at 30 fps, less what the decoder still holds (no end-of-stream drain)
        CHECK(p.Counters.Width == 320);
    }
}

TEST_CASE("WebCodecs gets avcC and raw AAC from fMP4, Annex B and ADTS-stripped AAC with its AudioSpecificConfig from TS")
{
    for (const bool ts : {true, false})
    {
        CAPTURE(ts);
        DecodePipeline p(NowMs);
        p.SetAudioOutput(48000, 2);
        p.SetDecoder(DecoderChoice::Auto, true);
        p.SetAudioDecoder(DecoderChoice::Auto, true);
        // The browser answers after the first part of the file (while it is asked, only the GOP being demuxed is held).
        const std::vector<uint8_t> bytes = ReadMedia(ts ? "clip.ts" : "clip.mp4");
        const size_t split = ts ? 128 * 188 : bytes.size() / 3; // TS: whole packets; fMP4: past the first fragment
        REQUIRE(bytes.size() > split);
        FeedFile(p, std::vector<uint8_t>(bytes.begin(), bytes.begin() + split), ts);
        REQUIRE(p.Fatal == DecodeFatal::None);
        const WebCodecsConfig* q = p.TakeQuestion();
        REQUIRE(q != nullptr);
        CHECK(q->Codec.rfind("avc1.", 0) == 0);
        CHECK(q->Description.empty() == ts); // TS: Annex B, no description
        // FFmpeg's TS demuxer (no stream probing) leaves the size for the decoder to find: 0 = unknown, as before the pure one.
        if (!ts || std::string(DecodePipeline::DemuxerName()) == "pure") CHECK(q->Width == 320);
        const WebCodecsConfig* a = p.TakeAudioQuestion();
        REQUIRE(a != nullptr);
        CHECK(a->Codec == "mp4a.40.2");
        CHECK(a->Description.size() == (ts ? 2u : 5u)); // TS: from the ADTS header; fMP4: ffmpeg's esds (with SBR signalling)
        CHECK(a->Width == 48000);
        CHECK(a->Height == 2);
        p.OnWebCodecsSupport(q->Generation, true);
        p.OnAudioSupport(a->Generation, true);
        FeedFile(p, std::vector<uint8_t>(bytes.begin() + split, bytes.end()), ts);
        REQUIRE(p.Fatal == DecodeFatal::None);
        REQUIRE(p.HasWebCodecsChunk());
        const WebCodecsChunk& first = p.PeekWebCodecsChunk();
        CHECK(first.Key);
        if (ts) CHECK(AnnexBHasNal(first.Data, 7)); // the SPS is in band
        int chunks = 0;
        while (p.HasWebCodecsChunk())
        {
            p.PopWebCodecsChunk();
            ++chunks;
        }
        CHECK(chunks >= 58);
        REQUIRE(p.HasAudioChunk());
        int audio = 0;
        while (p.HasAudioChunk())
        {
            const WebCodecsChunk& c = p.PeekAudioChunk();
            REQUIRE(c.Data.size() >= 2u);
            CHECK_FALSE((c.Data[0] == 0xFF && (c.Data[1] & 0xF0) == 0xF0)); // no ADTS header left
            p.PopAudioChunk();
            ++audio;
        }
        CHECK(audio >= 90); // 2 s of 1024-sample frames at 48 kHz: 94
    }
}

TEST_CASE("a WebCodecs error replays the held packets through the wasm decoder: pictures from the same key frame")
{
    DecodePipeline p(NowMs);
    p.SetAudioOutput(48000, 2);
    p.SetDecoder(DecoderChoice::Auto, true);
    p.SetAudioDecoder(DecoderChoice::Wasm, false);
    const std::vector<uint8_t> ts = ReadMedia("clip.ts");
    FeedFile(p, ts, true);
    const WebCodecsConfig* q = p.TakeQuestion();
    REQUIRE(q != nullptr);
    p.OnWebCodecsSupport(q->Generation, true);
    CHECK(TakeVideo(p) == 0); // the browser decodes
    p.OnWebCodecsError("forced");
    CHECK(p.Path().Path() == DecodePath::Wasm);
    // The packets since the last key frame (-g 15: at most 15) are decoded now, from their own copies of the bytes.
    const int frames = TakeVideo(p);
    CHECK(frames >= 1);
    CHECK(frames <= 15);
    CHECK(p.Fatal == DecodeFatal::None);
}

TEST_CASE("a codec the pure demuxers do not know is a clear unsupported-codec error, not a silent stall")
{
    DecodePipeline p(NowMs);
    p.SetAudioOutput(48000, 2);
    p.SetDecoder(DecoderChoice::Auto, true);
    p.SetAudioDecoder(DecoderChoice::Auto, true);
    FeedFile(p, ReadMedia("mpeg4.mp4"), false); // MPEG-4 Part 2 video
    CHECK(p.Fatal == DecodeFatal::UnsupportedCodec);
    CHECK(p.FatalDetail.find("video codec is not supported") != std::string::npos);
    CHECK(std::string(DecodeFatalName(p.Fatal)) == "unsupported-codec");
    CHECK_FALSE(p.HasWebCodecsChunk());
    CHECK(p.TakeQuestion() == nullptr);
}

TEST_CASE("the full module demuxes with FFmpeg's demuxer, the pure build with the pure demuxers")
{
#ifdef LIVESCOPE_WORKER_PURE_DEMUX
    CHECK(std::string(DecodePipeline::DemuxerName()) == "pure");
#else
    CHECK(std::string(DecodePipeline::DemuxerName()) == "ffmpeg");
#endif
}

TEST_CASE("AAC in MPEG-TS with channel configuration 0 plays on FFmpeg's demuxer; the pure one asks for the switch to it, once")
{
    // -aac_pce: the channel layout is a PCE inside each ADTS frame, which no 2-byte AudioSpecificConfig describes.
    DecodePipeline p(NowMs);
    p.SetAudioOutput(48000, 2);
    p.SetDecoder(DecoderChoice::Wasm, false);
    p.SetAudioDecoder(DecoderChoice::Auto, true);
    FeedFile(p, ReadMedia("aac_pce.ts"), true);
#ifdef LIVESCOPE_WORKER_PURE_DEMUX
    // The pipeline stops and names the refusal (the worker restarts on the full module); where it cannot switch, the
    // fatal is today's unsupported-codec.
    CHECK(p.Fatal == DecodeFatal::DemuxRefused);
    CHECK(p.DemuxSwitch() == "aac channel configuration 0");
    CHECK(std::string(DecodeFatalName(p.Fatal)) == "unsupported-codec");
    CHECK(p.FatalDetail.find("audio codec is not supported") != std::string::npos);
    // The module switched to refusing the same stream: the fatal, never a second switch.
    DecodePipeline again(NowMs);
    again.SetAudioOutput(48000, 2);
    again.SetDecoder(DecoderChoice::Wasm, false);
    again.SetDemuxSwitched(p.DemuxSwitch());
    FeedFile(again, ReadMedia("aac_pce.ts"), true);
    CHECK(again.Fatal == DecodeFatal::UnsupportedCodec);
    CHECK(again.DemuxSwitch().empty());
    CHECK(again.DemuxSwitched() == "aac channel configuration 0");
#else
    REQUIRE(p.Fatal == DecodeFatal::None);
    CHECK(p.Counters.Errors == 0);
    CHECK(TakeVideo(p) >= 58);
    // No AudioDecoder question (no AudioSpecificConfig for the browser): the ADTS frames go whole to FFmpeg's decoder.
    CHECK(p.TakeAudioQuestion() == nullptr);
    CHECK(p.AudioPath().Path() == DecodePath::Wasm);
    CHECK_FALSE(p.HasAudioChunk());
    CHECK(p.AudioOut.size() > 48000u * 2u * 3u / 2u); // more than 1.5 s of stereo 48 kHz
#endif
}

TEST_CASE("TS with the audio in a second program plays whole on FFmpeg's demuxer; the pure one asks for the switch to it")
{
    DecodePipeline p(NowMs);
    FeedOnWasm(p, "two_programs.ts", true);
#ifdef LIVESCOPE_WORKER_PURE_DEMUX
    // The first program alone would play without sound: the pure demuxer refuses, naming the audio's AAC.
    CHECK(p.Fatal == DecodeFatal::DemuxRefused);
    CHECK(p.DemuxSwitch() == "mpeg-ts audio in program 2, not in the first (2 programs)");
#else
    REQUIRE(p.Fatal == DecodeFatal::None);
    CHECK(p.Counters.Errors == 0);
    CHECK(TakeVideo(p) >= 58);
    CHECK(p.AudioOut.size() > 48000u * 2u * 3u / 2u); // more than 1.5 s of stereo 48 kHz
#endif
}
