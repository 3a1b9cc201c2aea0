// Tests for the pure WebCodecs decisions (src/player/decode/webcodecs.cpp): codec strings, the decode path policy, the timestamp map.
#include <doctest/doctest.h>
#include <livescope/player/decode/webcodecs.h>

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

TEST_SUITE_END();
