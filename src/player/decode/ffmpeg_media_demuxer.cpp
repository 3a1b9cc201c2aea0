// FfmpegMediaDemuxer: FFmpeg's Demuxer packets converted to MediaPackets (the pure demuxers' shape, see the header).
#include <livescope/player/decode/ffmpeg_media_demuxer.h>
#include <livescope/player/decode/webcodecs.h> // ParseAdtsHeader

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavcodec/packet.h>
}

#include <cmath>
#include <optional>

namespace livescope {

namespace {

MediaCodec CodecOf(AVCodecID id)
{
    switch (id)
    {
        case AV_CODEC_ID_H264: return MediaCodec::H264;
        case AV_CODEC_ID_HEVC: return MediaCodec::Hevc;
        case AV_CODEC_ID_AAC: return MediaCodec::Aac;
        default: return MediaCodec::Unknown;
    }
}

} // namespace

void FfmpegMediaDemuxer::Reset()
{
    Demux.Reset();
    UnknownCodec = false;
}

DecodeStatus FfmpegMediaDemuxer::ReadPacket(MediaPacket& out)
{
    DemuxedPacket d;
    const DecodeStatus st = Demux.ReadPacket(d);
    if (!st.IsOk())
        return st;
    if (d.Packet == nullptr || d.Params == nullptr)
        return {DecodeCode::Internal, "FFmpeg demuxer: a packet without codec parameters"};
    const bool video = d.Kind == MediaKind::Video;
    const bool ts = Demux.Container() == ContainerKind::Ts;
    const AVCodecParameters& par = *d.Params;
    std::span<const uint8_t> data(d.Packet->data, d.Packet->data != nullptr ? static_cast<size_t>(d.Packet->size) : 0u);

    MediaStreamInfo info;
    info.Video = video;
    info.Codec = CodecOf(par.codec_id);
    if (par.extradata != nullptr && par.extradata_size > 0)
        info.Extradata.assign(par.extradata, par.extradata + par.extradata_size);
    info.AnnexB = video && ts;
    if (video)
    {
        info.Width = par.width;
        info.Height = par.height;
    }
    else
    {
        info.SampleRate = par.sample_rate;
        info.Channels = par.ch_layout.nb_channels;
    }
    info.Timescale = ts ? 90000u : 0u;
    if (!video && info.Codec == MediaCodec::Aac && info.Extradata.empty())
    {
        // ADTS (MPEG-TS): raw frames and their AudioSpecificConfig where 2 bytes describe them (one raw data block, a
        // channel configuration); otherwise the whole ADTS frame for FFmpeg's decoder, no extradata.
        const std::optional<AdtsHeader> h = ParseAdtsHeader(data);
        if (h && (data[6] & 3) == 0 && h->FrameSize == data.size())
        {
            info.Extradata.assign(h->Asc, h->Asc + 2);
            info.SampleRate = h->SampleRate;
            info.Channels = h->Channels;
            data = data.subspan(h->HeaderSize);
        }
    }
    const int k = video ? 0 : 1;
    if (SourceGeneration[k] < 0 || !Info[k].SameParams(info))
    {
        info.Generation = Info[k].Generation + 1;
        Info[k] = std::move(info);
    }
    SourceGeneration[k] = d.ParamsGeneration;
    if (Info[k].Codec == MediaCodec::Unknown)
        UnknownCodec = true;

    out.Info = &Info[k];
    out.Data = data;
    out.Pts = d.Pts;
    out.Dts = std::isfinite(d.Dts) ? d.Dts : d.Pts;
    out.Duration = d.Duration > 0.0 ? d.Duration : 0.0;
    out.Keyframe = video ? d.Keyframe : true;
    out.Serial = d.Serial;
    out.Tag = d.Tag;
    return {};
}

} // namespace livescope
