// Tests for the pure demuxer-switch decision (src/player/decode/demux_switch.cpp): when the light module's pure demuxer
// refuses a stream, the worker switches once to the full module (FFmpeg's demuxer), or reports the fatal as before.
#include <doctest/doctest.h>
#include <livescope/player/decode/demux_switch.h>

#include <string>

using namespace livescope;

TEST_SUITE_BEGIN("player_decode/demux_switch");

namespace {
DemuxRefusal Refusal(MediaCodec declared, bool pure = true, bool switched = false, std::string why = {})
{
    DemuxRefusal r;
    r.PureDemuxer = pure;
    r.Switched = switched;
    r.Declared = declared;
    r.Why = std::move(why);
    return r;
}
} // namespace

TEST_CASE("AAC the pure demuxer refuses (channel configuration 0) switches to the full module, with the demuxer's reason")
{
    const DemuxRefusal r = Refusal(MediaCodec::Aac, true, false, "aac channel configuration 0");
    CHECK(DecideDemuxRefusal(r) == DemuxRefusalAction::SwitchToFull);
    CHECK(DemuxSwitchReason(r) == "aac channel configuration 0");
}

TEST_CASE("every codec some module decodes switches: H.264 and HEVC too, with a reason named after the codec")
{
    CHECK(DecideDemuxRefusal(Refusal(MediaCodec::H264)) == DemuxRefusalAction::SwitchToFull);
    CHECK(DecideDemuxRefusal(Refusal(MediaCodec::Hevc)) == DemuxRefusalAction::SwitchToFull);
    CHECK(DemuxSwitchReason(Refusal(MediaCodec::Hevc)).find("hevc") == 0);
}

TEST_CASE("a codec no module decodes is the fatal at once: the full module is not loaded for it")
{
    CHECK(DecideDemuxRefusal(Refusal(MediaCodec::Unknown)) == DemuxRefusalAction::Fatal);
    CHECK(DecideDemuxRefusal(Refusal(MediaCodec::Unknown, true, false, "stream type 0x10")) == DemuxRefusalAction::Fatal);
}

TEST_CASE("a refusal in the module switched to is the fatal: the worker switches once and never loops")
{
    CHECK(DecideDemuxRefusal(Refusal(MediaCodec::Aac, true, true)) == DemuxRefusalAction::Fatal);
    CHECK(DecideDemuxRefusal(Refusal(MediaCodec::H264, true, true)) == DemuxRefusalAction::Fatal);
}

TEST_CASE("FFmpeg's demuxer (the full module) refusing a stream is the fatal: there is no module to switch to")
{
    CHECK(DecideDemuxRefusal(Refusal(MediaCodec::Aac, false, false)) == DemuxRefusalAction::Fatal);
    CHECK(DecideDemuxRefusal(Refusal(MediaCodec::H264, false, false)) == DemuxRefusalAction::Fatal);
}

TEST_SUITE_END();
