// Pure decision: the light worker module's demuxer refused a stream; switch to the full module (FFmpeg's demuxer) or fail.
#include <livescope/player/decode/demux_switch.h>

#include <livescope/player/decode/webcodecs.h> // WasmDecoderModule: which codecs a module decodes

namespace livescope {

DemuxRefusalAction DecideDemuxRefusal(const DemuxRefusal& refusal)
{
    if (!refusal.PureDemuxer || refusal.Switched) return DemuxRefusalAction::Fatal;
    if (refusal.Declared == MediaCodec::Unknown) return DemuxRefusalAction::Fatal;
    // Some module's FFmpeg decoder (or the browser's) decodes the codec: FFmpeg's demuxer is what is missing.
    if (WasmDecoderModule(refusal.Declared, false) == DecoderModule::Own) return DemuxRefusalAction::Fatal;
    return DemuxRefusalAction::SwitchToFull;
}

std::string DemuxSwitchReason(const DemuxRefusal& refusal)
{
    if (!refusal.Why.empty()) return refusal.Why;
    switch (refusal.Declared)
    {
        case MediaCodec::H264: return "h264 the pure demuxer does not read";
        case MediaCodec::Hevc: return "hevc the pure demuxer does not read";
        case MediaCodec::Aac: return "aac the pure demuxer does not read";
        case MediaCodec::Unknown: break;
    }
    return "a stream the pure demuxer does not read";
}

} // namespace livescope
