// Tests for the pure WebCodecs decisions (src/player/decode/webcodecs.cpp): codec strings, the decode path policy, the timestamp map,
// and the audio path's pieces (ADTS headers, AAC chunks in flight).
#include <doctest/doctest.h>
#include <livescope/player/decode/webcodecs.h>

#include <string>
#include <vector>

using namespace livescope;

TEST_SUITE_BEGIN("player_decode/webcodecs");

TEST_CASE("an avcC record gives avc1 with its profile, constraint flags and level")
{
    const std::vector<uint8_t> avcc = {0x01, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0x00, 0x04, 0x67, 0x64, 0x00, 0x1f};
    CHECK(AvcIsAvcC(avcc));
    CHECK(AvcCodecString(avcc) == "avc1.64001f");
}

TEST_CASE("Annex B bytes give avc1 from their SPS, after other NAL units and with 3- or 4-byte start codes")
{
    const std::vector<uint8_t> annexb = {0, 0, 0, 1, 0x09, 0xf0,                // access unit delimiter
                                         0, 0, 1, 0x67, 0x42, 0xc0, 0x1e, 0x8d, // SPS: baseline, constrained, 3.0
                                         0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80,    // PPS
                                         0, 0, 1, 0x65, 0x88};                  // IDR slice
    CHECK_FALSE(AvcIsAvcC(annexb));
    CHECK(AvcCodecString(annexb) == "avc1.42c01e");
    CHECK(AnnexBHasNal(annexb, 7));
    CHECK(AnnexBHasNal(annexb, 8));
    CHECK(AnnexBHasNal(annexb, 5));
    CHECK_FALSE(AnnexBHasNal(annexb, 6));
}

TEST_CASE("the SPS and PPS of an Annex B key frame are taken out with 4-byte start codes, the rest left")
{
    const std::vector<uint8_t> annexb = {0, 0, 0, 1, 0x09, 0xf0,                // access unit delimiter
                                         0, 0, 1, 0x67, 0x42, 0xc0, 0x1e, 0x8d, // SPS (3-byte start code)
                                         0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80,    // PPS
                                         0, 0, 1, 0x65, 0x88};                  // IDR slice
    const std::vector<uint8_t> sets = {0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1e, 0x8d, 0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80};
    CHECK(AnnexBParameterSets(annexb) == sets);
    const std::vector<uint8_t> slice_only = {0, 0, 1, 0x65, 0x88, 0x84};
    CHECK(AnnexBParameterSets(slice_only).empty());
    CHECK(AnnexBParameterSets({}).empty());
}

TEST_CASE("bytes without an SPS, truncated or empty give no codec string")
{
    CHECK(AvcCodecString({}) == "");
    const std::vector<uint8_t> slice_only = {0, 0, 1, 0x65, 0x88, 0x84};
    CHECK(AvcCodecString(slice_only) == "");
    const std::vector<uint8_t> short_sps = {0, 0, 1, 0x67, 0x64};
    CHECK(AvcCodecString(short_sps) == "");
    const std::vector<uint8_t> short_avcc = {0x01, 0x64, 0x00};
    CHECK(AvcCodecString(short_avcc) == "");
}

TEST_CASE("an hvcC record gives hvc1 with reversed compatibility flags, tier, level and constraint bytes")
{
    std::vector<uint8_t> hvcc(23, 0);
    hvcc[0] = 1;
    hvcc[1] = 0x01; // space 0, tier Main, profile 1 (Main)
    hvcc[2] = 0x60; // compatibility flags 0x60000000: profiles 1 and 2
    hvcc[6] = 0xb0; // progressive, interlaced=0, non-packed, frame-only
    hvcc[12] = 93;  // level 3.1
    CHECK(HevcCodecString(hvcc) == "hvc1.1.6.L93.B0");
    hvcc[1] = 0x22; // tier High, profile 2 (Main 10)
    hvcc[2] = 0x20;
    hvcc[12] = 120;
    hvcc[6] = 0x90;
    hvcc[7] = 0x01;
    CHECK(HevcCodecString(hvcc) == "hvc1.2.4.H120.90.1");
    CHECK(HevcCodecString(std::vector<uint8_t>(10, 1)) == "");
}

TEST_CASE("an AudioSpecificConfig gives mp4a.40 with its object type, and ADTS (no config) is AAC-LC")
{
    CHECK(AacCodecString(std::vector<uint8_t>{0x12, 0x10}) == "mp4a.40.2");  // LC, 44.1 kHz, stereo
    CHECK(AacCodecString(std::vector<uint8_t>{0x2b, 0x92}) == "mp4a.40.5");  // HE-AAC (SBR)
    CHECK(AacCodecString(std::vector<uint8_t>{0xf8, 0x20}) == "mp4a.40.33"); // escaped object type 32 + 1
    CHECK(AacCodecString({}) == "mp4a.40.2");
    CHECK(AacCodecString(std::vector<uint8_t>{0x00, 0x00}) == "");
}

TEST_CASE("the decoder option parses its three names and refuses others")
{
    CHECK(DecoderChoiceFromName("auto") == DecoderChoice::Auto);
    CHECK(DecoderChoiceFromName("") == DecoderChoice::Auto);
    CHECK(DecoderChoiceFromName("webcodecs") == DecoderChoice::WebCodecs);
    CHECK(DecoderChoiceFromName("wasm") == DecoderChoice::Wasm);
    CHECK_FALSE(DecoderChoiceFromName("WebCodecs").has_value());
    CHECK_FALSE(DecoderChoiceFromName("ffmpeg").has_value());
    CHECK(std::string(DecoderChoiceName(DecoderChoice::WebCodecs)) == "webcodecs");
    CHECK(std::string(DecodePathName(DecodePath::Probing)) == "probing");
}

TEST_CASE("auto asks the browser about a new codec, then decodes with WebCodecs when it is supported")
{
    DecodePathPolicy p({DecoderChoice::Auto, true, 3});
    CHECK(p.OnConfig(1, "avc1.64001f") == DecodePath::Probing);
    CHECK(p.Codec() == "avc1.64001f");
    CHECK(p.OnSupport(0, false) == DecodePath::Probing); // a stale answer changes nothing
    CHECK(p.OnSupport(1, true) == DecodePath::WebCodecs);
    CHECK(p.Reason() == "supported");
    // The same codec again (a new init segment) is not asked twice.
    CHECK(p.OnConfig(2, "avc1.64001f") == DecodePath::WebCodecs);
    CHECK(p.Switches() == 0);
}

TEST_CASE("the reported path is probing until a first configuration is decided, not the wasm default")
{
    DecodePathPolicy p({DecoderChoice::Auto, true, 3});
    CHECK(p.Path() == DecodePath::Wasm); // the default before any stream
    CHECK(p.ReportedPath() == DecodePath::Probing);
    p.OnConfig(1, "avc1.64001f");
    CHECK(p.ReportedPath() == DecodePath::Probing);
    p.OnSupport(1, true);
    CHECK(p.ReportedPath() == DecodePath::WebCodecs);
    DecodePathPolicy forced({DecoderChoice::Wasm, true, 3});
    CHECK(forced.ReportedPath() == DecodePath::Probing);
    forced.OnConfig(1, "avc1.64001f");
    CHECK(forced.ReportedPath() == DecodePath::Wasm);
}

TEST_CASE("auto falls back to wasm for a refused codec, an undescribed one, or a browser without WebCodecs")
{
    DecodePathPolicy p({DecoderChoice::Auto, true, 3});
    CHECK(p.OnConfig(1, "hvc1.1.6.L93.B0") == DecodePath::Probing);
    CHECK(p.OnSupport(1, false) == DecodePath::Wasm);
    CHECK(p.Reason() == "unsupported codec hvc1.1.6.L93.B0");
    CHECK(p.OnConfig(2, "hvc1.1.6.L93.B0") == DecodePath::Wasm); // cached answer
    CHECK(p.OnConfig(3, "") == DecodePath::Wasm);
    DecodePathPolicy none({DecoderChoice::Auto, false, 3});
    CHECK(none.OnConfig(1, "avc1.64001f") == DecodePath::Wasm);
    CHECK(none.Reason() == "no WebCodecs");
}

TEST_CASE("forcing wasm never asks; forcing webcodecs still plays on wasm where the browser cannot")
{
    DecodePathPolicy wasm({DecoderChoice::Wasm, true, 3});
    CHECK(wasm.OnConfig(1, "avc1.64001f") == DecodePath::Wasm);
    CHECK(wasm.Reason() == "forced");
    DecodePathPolicy wc({DecoderChoice::WebCodecs, false, 3});
    CHECK(wc.OnConfig(1, "avc1.64001f") == DecodePath::Wasm);
    DecodePathPolicy wc2({DecoderChoice::WebCodecs, true, 3});
    CHECK(wc2.OnConfig(1, "avc1.64001f") == DecodePath::Probing);
    CHECK(wc2.OnSupport(1, true) == DecodePath::WebCodecs);
}

TEST_CASE("a WebCodecs error moves to wasm, a new configuration tries again, and repeated errors stop trying")
{
    DecodePathPolicy p({DecoderChoice::Auto, true, 2});
    p.OnConfig(1, "avc1.64001f");
    p.OnSupport(1, true);
    CHECK(p.OnError("EncodingError: decode failed") == DecodePath::Wasm);
    CHECK(p.Reason() == "WebCodecs error: EncodingError: decode failed");
    CHECK(p.Failures() == 1);
    CHECK(p.Switches() == 1);
    CHECK(p.OnError("again") == DecodePath::Wasm); // already on wasm: not counted twice
    CHECK(p.Failures() == 1);
    CHECK(p.OnConfig(2, "avc1.64001f") == DecodePath::WebCodecs);
    CHECK(p.Switches() == 2);
    CHECK(p.OnError("second") == DecodePath::Wasm);
    CHECK(p.OnConfig(3, "avc1.64001f") == DecodePath::Wasm);
    CHECK(p.Reason() == "WebCodecs failed 2 times");
}

TEST_CASE("an error while probing falls back to wasm")
{
    DecodePathPolicy p({DecoderChoice::Auto, true, 3});
    CHECK(p.OnConfig(1, "avc1.64001f") == DecodePath::Probing);
    CHECK(p.OnError("isConfigSupported threw") == DecodePath::Wasm);
    CHECK(p.OnSupport(1, true) == DecodePath::Wasm); // the late answer does not undo the fallback
}

TEST_CASE("after a fallback, replayed frames WebCodecs already output are not shown again")
{
    CHECK(FallbackKeepsFrame(3, 10.0, false, 0, 0.0));
    CHECK_FALSE(FallbackKeepsFrame(3, 10.0, true, 3, 10.0));
    CHECK_FALSE(FallbackKeepsFrame(3, 9.9, true, 3, 10.0));
    CHECK(FallbackKeepsFrame(3, 10.0333, true, 3, 10.0));
    CHECK(FallbackKeepsFrame(4, 1.0, true, 3, 10.0)); // a new serial starts over
}

TEST_CASE("the timestamp map returns each chunk's metadata once, in any output order")
{
    WebCodecsTimeline t;
    CHECK(WebCodecsTimeline::TimestampOf(1.5) == 1500000);
    CHECK(WebCodecsTimeline::TimestampOf(0.0333333) == 33333);
    const int64_t a = t.Submit({10.0, 1.0 / 30, 2, 7, 100.0});
    const int64_t b = t.Submit({10.0666667, 1.0 / 30, 2, 7, 101.0}); // a B-frame order: P before B
    const int64_t c = t.Submit({10.0333333, 1.0 / 30, 2, 8, 102.0});
    CHECK(t.Size() == 3);
    auto mc = t.Output(c);
    REQUIRE(mc.has_value());
    CHECK(mc->Tag == 8);
    CHECK(mc->SubmitMs == 102.0);
    CHECK(t.Output(a)->Pts == 10.0);
    CHECK_FALSE(t.Output(a).has_value()); // once
    CHECK(t.Output(b)->Serial == 2);
    CHECK_FALSE(t.Output(123).has_value());
    CHECK(t.Size() == 0);
}

TEST_CASE("the timestamp map stays bounded when frames never come back")
{
    WebCodecsTimeline t;
    for (int i = 0; i < 1000; ++i) t.Submit({i / 30.0, 0.0, 1, i, 0.0});
    CHECK(t.Size() == WebCodecsTimeline::kCapacity);
    CHECK_FALSE(t.Output(WebCodecsTimeline::TimestampOf(0.0)).has_value()); // evicted
    CHECK(t.Output(WebCodecsTimeline::TimestampOf(999 / 30.0)).has_value());
    t.Clear();
    CHECK(t.Size() == 0);
}

TEST_CASE("an ADTS header gives its size, frame length and the AudioSpecificConfig it stands for")
{
    // AAC-LC, 48 kHz (index 3), stereo, no CRC, frame of 0x173 bytes: the header ffmpeg's TS muxer writes.
    const std::vector<uint8_t> adts = {0xFF, 0xF1, 0x4C, 0x80, 0x2E, 0x7F, 0xFC, 0x21};
    const std::optional<AdtsHeader> h = ParseAdtsHeader(adts);
    REQUIRE(h.has_value());
    CHECK(h->HeaderSize == 7);
    CHECK(h->FrameSize == 0x173);
    CHECK(h->ObjectType == 2);
    CHECK(h->SampleRate == 48000);
    CHECK(h->Channels == 2);
    CHECK(h->Asc[0] == 0x11); // 00010 0011 0010 000: LC, 48 kHz, 2 channels
    CHECK(h->Asc[1] == 0x90);
    CHECK(AacCodecString(std::span<const uint8_t>(h->Asc, 2)) == "mp4a.40.2");
    // With a CRC (protection_absent = 0) the header is 9 bytes; 44.1 kHz mono.
    const std::vector<uint8_t> crc = {0xFF, 0xF0, 0x50, 0x40, 0x2E, 0x7F, 0xFC, 0x00, 0x00};
    const std::optional<AdtsHeader> c = ParseAdtsHeader(crc);
    REQUIRE(c.has_value());
    CHECK(c->HeaderSize == 9);
    CHECK(c->SampleRate == 44100);
    CHECK(c->Channels == 1);
    CHECK(c->Asc[0] == 0x12);
    CHECK(c->Asc[1] == 0x08);
    // Channel configuration 7 is 7.1: 8 channels, and 7 in the AudioSpecificConfig.
    const std::optional<AdtsHeader> surround = ParseAdtsHeader(std::vector<uint8_t>{0xFF, 0xF1, 0x4D, 0xC0, 0x2E, 0x7F, 0xFC});
    REQUIRE(surround.has_value());
    CHECK(surround->Channels == 8);
    CHECK(surround->Asc[1] == 0xB8);
}

TEST_CASE("bytes that are not an ADTS header, or one whose layout is in the stream, give none")
{
    CHECK_FALSE(ParseAdtsHeader({}).has_value());
    CHECK_FALSE(ParseAdtsHeader(std::vector<uint8_t>{0xFF, 0xF1, 0x4C, 0x80}).has_value());                   // short
    CHECK_FALSE(ParseAdtsHeader(std::vector<uint8_t>{0x21, 0x10, 0x04, 0x60, 0x8C, 0x1C, 0x00}).has_value()); // raw AAC
    CHECK_FALSE(ParseAdtsHeader(std::vector<uint8_t>{0xFF, 0xF1, 0x4C, 0x00, 0x2E, 0x7F, 0xFC}).has_value()); // channels 0
    CHECK_FALSE(ParseAdtsHeader(std::vector<uint8_t>{0xFF, 0xF1, 0x7C, 0x80, 0x2E, 0x7F, 0xFC}).has_value()); // rate 15
    CHECK_FALSE(ParseAdtsHeader(std::vector<uint8_t>{0xFF, 0xF1, 0x4C, 0x80, 0x00, 0x1F, 0xFC}).has_value()); // length < header
}

TEST_CASE("the audio path follows the decoder option like the video path")
{
    // One DecodePathPolicy per media kind; the audio one is told whether the worker has AudioDecoder.
    DecodePathPolicy a({DecoderChoice::Auto, true, 3});
    CHECK(a.OnConfig(1, "mp4a.40.2") == DecodePath::Probing);
    CHECK(a.OnSupport(1, true) == DecodePath::WebCodecs);
    CHECK(a.OnError("EncodingError: bad AAC") == DecodePath::Wasm);
    CHECK(a.Switches() == 1);
    DecodePathPolicy forced({DecoderChoice::Wasm, true, 3});
    CHECK(forced.OnConfig(1, "mp4a.40.2") == DecodePath::Wasm);
    DecodePathPolicy no_audio_decoder({DecoderChoice::WebCodecs, false, 3});
    CHECK(no_audio_decoder.OnConfig(1, "mp4a.40.2") == DecodePath::Wasm);
    CHECK(no_audio_decoder.Reason() == "no WebCodecs");
}

TEST_CASE("audio chunks complete in order: each AudioData finds its chunk, and what is left in flight is replayed")
{
    AudioChunkTracker t;
    const double d = 1024.0 / 48000; // seconds per AAC frame
    std::vector<int64_t> ts;
    for (int i = 0; i < 4; ++i) ts.push_back(t.Submit({10.0 + i * d, d, 3, 100 + i, 0.0}));
    CHECK(t.InFlight() == 4);
    AudioChunkTracker::Output o = t.OnOutput(ts[0]);
    CHECK(o.Done == 1);
    REQUIRE(o.Meta.has_value());
    CHECK(o.Meta->Tag == 100);
    CHECK(o.Meta->Pts == doctest::Approx(10.0));
    // A decoder that outputs two chunks' worth at once: both are complete, the data starts at the second's time.
    o = t.OnOutput(ts[2]);
    CHECK(o.Done == 2);
    CHECK(o.Meta->Tag == 102);
    CHECK(t.InFlight() == 1); // a fallback now replays only the last chunk through FFmpeg
    t.Clear();
    CHECK(t.InFlight() == 0);
    CHECK_FALSE(t.OnOutput(ts[3]).Meta.has_value()); // nothing known after a reset: dropped
}

TEST_CASE("audio output split or shifted by the decoder still finds its chunk")
{
    AudioChunkTracker t;
    const int64_t a = t.Submit({5.0, 0.02, 1, 7, 0.0});
    const int64_t b = t.Submit({5.02, 0.02, 1, 8, 0.0});
    // A decoder that shifts its output back (priming removed from the timestamps): the oldest chunk.
    AudioChunkTracker::Output o = t.OnOutput(a - 500);
    CHECK(o.Done == 1);
    CHECK(o.Meta->Tag == 7);
    CHECK(o.Meta->Pts == doctest::Approx(5.0 - 0.0005));
    // The rest of chunk a split into a second AudioData (between a and b): chunk a again, nothing completes.
    o = t.OnOutput(a + 10000);
    CHECK(o.Done == 0);
    CHECK(o.Meta->Tag == 7);
    CHECK(o.Meta->Pts == doctest::Approx(5.01));
    CHECK(t.OnOutput(b).Meta->Tag == 8);
    CHECK(t.InFlight() == 0);
    // A timestamp rounded 1 us low (as Chromium's) completes its chunk, not the one before it again.
    const int64_t c = t.Submit({5.0466667, 0.02, 1, 9, 0.0});
    o = t.OnOutput(c - 1);
    CHECK(o.Done == 1);
    CHECK(o.Meta->Tag == 9);
    CHECK(t.InFlight() == 0);
}

TEST_CASE("the audio chunks in flight stay bounded when the decoder outputs nothing")
{
    AudioChunkTracker t;
    for (size_t i = 0; i < AudioChunkTracker::kCapacity + 10; ++i) t.Submit({i * 0.02, 0.02, 1, 0, 0.0});
    CHECK(t.Full());
    CHECK(t.InFlight() == AudioChunkTracker::kCapacity);
}

TEST_CASE("the wasm path decodes in the running module when its FFmpeg has the decoder, else in the module that has it")
{
    // The full module (H.264 and AAC decoders): its own for those, livescope_decoder_hevc for HEVC.
    CHECK(WasmDecoderModule(MediaCodec::H264, true) == DecoderModule::Own);
    CHECK(WasmDecoderModule(MediaCodec::Aac, true) == DecoderModule::Own);
    CHECK(WasmDecoderModule(MediaCodec::Hevc, false) == DecoderModule::Hevc);
    // The light module (no decoder): the full module for H.264 and AAC, the HEVC module for HEVC.
    CHECK(WasmDecoderModule(MediaCodec::H264, false) == DecoderModule::Worker);
    CHECK(WasmDecoderModule(MediaCodec::Aac, false) == DecoderModule::Worker);
    // No module has a decoder for an unknown codec: the running module reports it, nothing is loaded for it.
    CHECK(WasmDecoderModule(MediaCodec::Unknown, false) == DecoderModule::Own);
    CHECK(std::string(DecoderModuleName(DecoderModule::Worker)) == "livescope_worker");
    CHECK(std::string(DecoderModuleName(DecoderModule::Hevc)) == "livescope_decoder_hevc");
    CHECK(std::string(DecoderModuleName(DecoderModule::Own)).empty());
}

TEST_SUITE_END();
