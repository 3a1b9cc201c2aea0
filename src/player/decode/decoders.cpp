// FFmpeg decoders: H.264/HEVC into a fixed pool of I420 buffers, AAC through swresample to float PCM.
#include <livescope/player/decode/decoders.h>
#include <livescope/player/av/latency.h>
#include "av_error.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/channel_layout.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
#include <libswresample/swresample.h>
}

#include <cmath>
#include <cstring>
#include <climits>
#include <initializer_list>
#include <string>

// [SECTION] Shared helpers
// [SECTION] VideoDecoder
// [SECTION] AudioDecoder
// [SECTION] PcmResampler

namespace livescope {

// [SECTION] Shared helpers -----------------------------------------------------------------------

namespace {
// The playback rate as swresample's compensation (1.0: none): one rule for the FFmpeg AAC path and the AudioDecoder one.
void ApplyResampleRate(SwrContext* swr, double rate, int out_rate)
{
    if (swr == nullptr)
        return;
    const ResampleCompensation c = ResampleCompensationForRate(rate, out_rate * 60);
    if (rate == 1.0)
        swr_set_compensation(swr, 0, 0);
    else
        swr_set_compensation(swr, c.SampleDelta, c.Distance);
}


constexpr AVRational kMicros = {1, 1000000};

int64_t ToMicros(double seconds)
{
    return std::isfinite(seconds) ? static_cast<int64_t>(std::llround(seconds * 1e6)) : AV_NOPTS_VALUE;
}

double FromMicros(int64_t us) { return us == AV_NOPTS_VALUE ? NAN : static_cast<double>(us) * 1e-6; }

// A reference to the demuxed packet with timestamps rescaled to microseconds (the decoders'
// pkt_timebase), so that frames come out in seconds whatever the container's time base.
int RefPacketMicros(AVPacket* dst, const DemuxedPacket& src)
{
    av_packet_unref(dst);
    const int err = av_packet_ref(dst, src.Packet);
    if (err < 0)
        return err;
    dst->pts = ToMicros(src.Pts);
    dst->dts = ToMicros(src.Dts);
    dst->duration = src.Duration > 0.0 ? ToMicros(src.Duration) : 0;
    dst->pos = src.Tag; // carried to AVFrame.pkt_pos, through reordering and frame threads
    dst->time_base = kMicros;
    return 0;
}

// Opens a decoder for `par`, accepting only `allowed` codec ids. Ctx is freed on failure.
DecodeStatus OpenCodec(AVCodecContext*& ctx, const AVCodecParameters* par, std::initializer_list<AVCodecID> allowed, int threads)
{
    avcodec_free_context(&ctx);
    bool ok = false;
    for (AVCodecID id : allowed)
        ok = ok || par->codec_id == id;
    const char* name = avcodec_get_name(par->codec_id);
    if (!ok)
        return {DecodeCode::UnsupportedCodec, std::string("codec not supported: ") + name};
    const AVCodec* codec = avcodec_find_decoder(par->codec_id);
    if (codec == nullptr)
        return {DecodeCode::UnsupportedCodec, std::string("decoder not in this build: ") + name};
    ctx = avcodec_alloc_context3(codec);
    if (ctx == nullptr)
        return {DecodeCode::OutOfMemory, "codec context"};
    int err = avcodec_parameters_to_context(ctx, par);
    if (err >= 0)
    {
        ctx->pkt_timebase = kMicros;
        ctx->thread_count = threads > 0 ? threads : 1;
        err = avcodec_open2(ctx, codec, nullptr);
    }
    if (err < 0)
    {
        avcodec_free_context(&ctx);
        return {DecodeCode::Internal, std::string("cannot open ") + name + ": " + AvErrorString(err)};
    }
    return {};
}

// The send half both decoders share: (re)open on new stream parameters, flush on a new serial, then send.
// `what` names the stream in messages ("video"/"audio"), `unit` what the caller must receive first.
template <typename ImplT, typename FlushFn>
DecodeStatus SendToCodec(ImplT& s, const DemuxedPacket& packet, MediaKind kind, std::initializer_list<AVCodecID> allowed,
                         int threads, FlushFn flush, const char* what, const char* unit)
{
    if (packet.Params == nullptr || packet.Packet == nullptr)
        return {DecodeCode::NotConfigured, "packet without stream parameters"};
    if (packet.Kind != kind)
        return {DecodeCode::UnsupportedCodec, std::string("not a ") + what + " packet"};
    if (s.Ctx == nullptr || s.Generation != packet.ParamsGeneration)
    {
        DecodeStatus st = OpenCodec(s.Ctx, packet.Params, allowed, threads);
        if (!st.IsOk())
            return st;
        s.Generation = packet.ParamsGeneration;
        s.Serial = packet.Serial;
    }
    if (packet.Serial != s.Serial)
    {
        flush();
        s.Serial = packet.Serial;
    }
    int err = RefPacketMicros(s.Pkt, packet);
    if (err >= 0)
        err = avcodec_send_packet(s.Ctx, s.Pkt);
    av_packet_unref(s.Pkt);
    if (err == AVERROR(EAGAIN))
        return {DecodeCode::Internal, std::string("receive ") + unit + " before sending more packets"};
    if (err < 0)
        return {DecodeCode::DecodeError, std::string(what) + " packet rejected: " + AvErrorString(err)};
    return {};
}

// Drains the decoder: the frames still inside come out of the following receive calls.
DecodeStatus SendCodecEndOfStream(AVCodecContext* ctx)
{
    if (ctx == nullptr)
        return {DecodeCode::NotConfigured, "no stream"};
    const int err = avcodec_send_packet(ctx, nullptr);
    if (err < 0 && err != AVERROR_EOF)
        return {DecodeCode::DecodeError, AvErrorString(err)};
    return {};
}

AVCodecID CodecIdOf(MediaCodec codec)
{
    switch (codec)
    {
        case MediaCodec::H264: return AV_CODEC_ID_H264;
        case MediaCodec::Hevc: return AV_CODEC_ID_HEVC;
        case MediaCodec::Aac: return AV_CODEC_ID_AAC;
        case MediaCodec::Unknown: break;
    }
    return AV_CODEC_ID_NONE;
}

// What both decoders hold of FFmpeg: the codec (opened on the first packet), one frame and one packet,
// and the stream parameters' generation and serial they were opened for. Owns and frees all three, and the codec
// parameters and packet view that a pure demuxer's MediaPacket is described with (AsDemuxed).
struct CodecState
{
    AVCodecContext* Ctx = nullptr;
    AVFrame* Frame = av_frame_alloc();
    AVPacket* Pkt = av_packet_alloc();
    int Generation = -1;
    int Serial = 0;
    AVCodecParameters* MediaPar = nullptr;
    int MediaParGeneration = -1;
    AVPacket* View = av_packet_alloc(); // points at the MediaPacket's bytes (not reference-counted: FFmpeg copies them)

    CodecState() = default;
    CodecState(const CodecState&) = delete;
    CodecState& operator=(const CodecState&) = delete;
    ~CodecState()
    {
        avcodec_free_context(&Ctx);
        av_frame_free(&Frame);
        av_packet_free(&Pkt);
        avcodec_parameters_free(&MediaPar);
        av_packet_free(&View);
    }

    // A MediaPacket described as a DemuxedPacket: codec parameters built from its Info (again when Info->Generation
    // changes), the packet a view of its bytes. False when out of memory.
    bool AsDemuxed(const MediaPacket& m, DemuxedPacket& out)
    {
        const MediaStreamInfo& info = *m.Info;
        if (MediaPar == nullptr || MediaParGeneration != info.Generation)
        {
            avcodec_parameters_free(&MediaPar);
            MediaPar = avcodec_parameters_alloc();
            if (MediaPar == nullptr || View == nullptr)
                return false;
            MediaPar->codec_type = info.Video ? AVMEDIA_TYPE_VIDEO : AVMEDIA_TYPE_AUDIO;
            MediaPar->codec_id = CodecIdOf(info.Codec);
            if (info.Video)
            {
                MediaPar->width = info.Width;
                MediaPar->height = info.Height;
            }
            else
            {
                MediaPar->sample_rate = info.SampleRate;
                if (info.Channels > 0)
                    av_channel_layout_default(&MediaPar->ch_layout, info.Channels);
            }
            if (!info.Extradata.empty())
            {
                const size_t n = info.Extradata.size();
                MediaPar->extradata = static_cast<uint8_t*>(av_mallocz(n + AV_INPUT_BUFFER_PADDING_SIZE));
                if (MediaPar->extradata == nullptr)
                    return false;
                std::memcpy(MediaPar->extradata, info.Extradata.data(), n);
                MediaPar->extradata_size = static_cast<int>(n);
            }
            MediaParGeneration = info.Generation;
        }
        av_packet_unref(View);
        View->data = const_cast<uint8_t*>(m.Data.data());
        View->size = static_cast<int>(m.Data.size());
        if (m.Keyframe)
            View->flags |= AV_PKT_FLAG_KEY;
        out.Kind = info.Video ? MediaKind::Video : MediaKind::Audio;
        out.Packet = View;
        out.Params = MediaPar;
        out.ParamsGeneration = info.Generation;
        out.Pts = m.Pts;
        out.Dts = m.Dts;
        out.Duration = m.Duration;
        out.Keyframe = m.Keyframe;
        out.Serial = m.Serial;
        out.Tag = m.Tag;
        return true;
    }

    // Takes the next decoded frame into Frame: ok, or NeedMore / EndOfStream / DecodeError ("<what> decode: ...").
    DecodeStatus ReceiveFrame(const char* what)
    {
        if (Ctx == nullptr)
            return {DecodeCode::NeedMore, {}};
        const int err = avcodec_receive_frame(Ctx, Frame);
        if (err == AVERROR(EAGAIN))
            return {DecodeCode::NeedMore, {}};
        if (err == AVERROR_EOF)
            return {DecodeCode::EndOfStream, {}};
        if (err < 0)
            return {DecodeCode::DecodeError, std::string(what) + " decode: " + AvErrorString(err)};
        return {};
    }
};

// A pure demuxer's packet: checked, described as FFmpeg's (CodecState::AsDemuxed), then given to `send` (the decoder's
// own SendPacket(const DemuxedPacket&)). `unsupported`: the message for a codec livescope does not play.
template <class SendT>
DecodeStatus SendMediaPacket(CodecState& state, const MediaPacket& packet, const char* unsupported, SendT send)
{
    if (packet.Info == nullptr || packet.Data.size() > static_cast<size_t>(INT32_MAX / 2))
        return {DecodeCode::NotConfigured, "packet without stream parameters"};
    if (packet.Info->Codec == MediaCodec::Unknown)
        return {DecodeCode::UnsupportedCodec, unsupported};
    DemuxedPacket p;
    if (!state.AsDemuxed(packet, p))
        return {DecodeCode::OutOfMemory, "codec parameters"};
    return send(p);
}

} // namespace

// [SECTION] VideoDecoder -------------------------------------------------------------------------

struct VideoDecoder::Impl : CodecState
{
    struct Slot
    {
        std::vector<uint8_t> Buffer;
        VideoFrame Frame;
        bool InUse = false;
    };

    VideoDecoderConfig Config;
    bool Held = false; // Frame holds a decoded picture waiting for a free slot
    std::vector<Slot> Pool;
    int InUse = 0;
    int Allocations = 0;

    explicit Impl(const VideoDecoderConfig& config) : Config(config)
    {
        if (Config.PoolSize < 1)
            Config.PoolSize = 1;
        Pool.resize(static_cast<size_t>(Config.PoolSize));
        for (size_t i = 0; i < Pool.size(); ++i)
            Pool[i].Frame.PoolIndex = static_cast<int>(i);
    }

    DecodeStatus CopyToSlot(const VideoFrame*& out)
    {
        const auto fmt = static_cast<AVPixelFormat>(Frame->format);
        if (fmt != AV_PIX_FMT_YUV420P && fmt != AV_PIX_FMT_YUVJ420P)
        {
            const char* name = av_get_pix_fmt_name(fmt);
            av_frame_unref(Frame);
            Held = false;
            return {DecodeCode::UnsupportedCodec, std::string("pixel format not supported: ") + (name != nullptr ? name : "?")};
        }
        Slot* slot = nullptr;
        for (Slot& s : Pool)
            if (!s.InUse)
            {
                slot = &s;
                break;
            }
        if (slot == nullptr)
        {
            Held = true;
            return {DecodeCode::PoolExhausted, "all pooled frames are held by the caller"};
        }
        const int w = Frame->width;
        const int h = Frame->height;
        const int cw = (w + 1) / 2;
        const int ch = (h + 1) / 2;
        const int ys = (w + 31) & ~31;
        const int cs = (cw + 31) & ~31;
        const size_t need = static_cast<size_t>(ys) * static_cast<size_t>(h) + 2 * static_cast<size_t>(cs) * static_cast<size_t>(ch);
        VideoFrame& f = slot->Frame;
        if (slot->Buffer.size() != need || f.Width != w || f.Height != h)
        {
            slot->Buffer.assign(need, 0);
            ++Allocations;
        }
        uint8_t* y = slot->Buffer.data();
        uint8_t* u = y + static_cast<size_t>(ys) * static_cast<size_t>(h);
        uint8_t* v = u + static_cast<size_t>(cs) * static_cast<size_t>(ch);
        av_image_copy_plane(y, ys, Frame->data[0], Frame->linesize[0], w, h);
        av_image_copy_plane(u, cs, Frame->data[1], Frame->linesize[1], cw, ch);
        av_image_copy_plane(v, cs, Frame->data[2], Frame->linesize[2], cw, ch);
        f.Planes[0] = y;
        f.Planes[1] = u;
        f.Planes[2] = v;
        f.Strides[0] = ys;
        f.Strides[1] = cs;
        f.Strides[2] = cs;
        f.Width = w;
        f.Height = h;
        f.Pts = FromMicros(Frame->best_effort_timestamp);
        f.Duration = Frame->pkt_duration > 0 ? FromMicros(Frame->pkt_duration) : 0.0;
        f.Serial = Serial;
        f.Tag = Frame->pkt_pos;
        f.Keyframe = Frame->key_frame != 0;
        f.MatrixGuessed = false;
        switch (Frame->colorspace)
        {
            case AVCOL_SPC_BT709: f.Matrix = ColorMatrix::Bt709; break;
            case AVCOL_SPC_BT470BG:
            case AVCOL_SPC_SMPTE170M:
            case AVCOL_SPC_FCC:
            case AVCOL_SPC_SMPTE240M: f.Matrix = ColorMatrix::Bt601; break;
            default:
                f.Matrix = h >= 720 ? ColorMatrix::Bt709 : ColorMatrix::Bt601;
                f.MatrixGuessed = true;
                break;
        }
        f.Range = (Frame->color_range == AVCOL_RANGE_JPEG || fmt == AV_PIX_FMT_YUVJ420P) ? ColorRange::Full : ColorRange::Limited;
        slot->InUse = true;
        ++InUse;
        av_frame_unref(Frame);
        Held = false;
        out = &f;
        return {};
    }
};

VideoDecoder::VideoDecoder(const VideoDecoderConfig& config) : P(std::make_unique<Impl>(config)) {}
VideoDecoder::~VideoDecoder() = default;

DecodeStatus VideoDecoder::SendPacket(const DemuxedPacket& packet)
{
    return SendToCodec(
        *P, packet, MediaKind::Video, {AV_CODEC_ID_H264, AV_CODEC_ID_HEVC}, P->Config.Threads, [this] { Flush(); },
        "video", "frames");
}

DecodeStatus VideoDecoder::SendPacket(const MediaPacket& packet)
{
    return SendMediaPacket(*P, packet, "codec not supported (livescope plays H.264 and HEVC video)", [this](const DemuxedPacket& p) { return SendPacket(p); });
}

DecodeStatus VideoDecoder::SendEndOfStream() { return SendCodecEndOfStream(P->Ctx); }

DecodeStatus VideoDecoder::ReceiveFrame(const VideoFrame*& out)
{
    Impl& s = *P;
    out = nullptr;
    if (s.Ctx == nullptr)
        return {DecodeCode::NeedMore, {}};
    if (!s.Held)
    {
        DecodeStatus received = s.ReceiveFrame("video");
        if (!received.IsOk())
            return received;
        s.Held = true;
    }
    return s.CopyToSlot(out);
}

void VideoDecoder::ReleaseFrame(const VideoFrame* frame)
{
    if (frame == nullptr || frame->PoolIndex < 0 || frame->PoolIndex >= static_cast<int>(P->Pool.size()))
        return;
    auto& slot = P->Pool[static_cast<size_t>(frame->PoolIndex)];
    if (&slot.Frame != frame || !slot.InUse)
        return;
    slot.InUse = false;
    --P->InUse;
}

void VideoDecoder::Flush()
{
    if (P->Held)
    {
        av_frame_unref(P->Frame);
        P->Held = false;
    }
    if (P->Ctx != nullptr)
        avcodec_flush_buffers(P->Ctx);
}

int VideoDecoder::FramesInUse() const { return P->InUse; }
int VideoDecoder::PoolAllocations() const { return P->Allocations; }

// [SECTION] AudioDecoder -------------------------------------------------------------------------

struct AudioDecoder::Impl : CodecState
{
    AudioDecoderConfig Config;
    SwrContext* Swr = nullptr;
    int InRate = 0;
    int InFormat = -1;
    AVChannelLayout InLayout{};
    double Rate = 1.0;

    explicit Impl(const AudioDecoderConfig& config) : Config(config)
    {
        if (Config.OutChannels != 1)
            Config.OutChannels = 2;
        if (Config.OutRate < 8000 || Config.OutRate > 192000)
            Config.OutRate = 48000;
    }
    ~Impl()
    {
        swr_free(&Swr);
        av_channel_layout_uninit(&InLayout);
    }

    void ApplyRate() { ApplyResampleRate(Swr, Rate, Config.OutRate); }

    DecodeStatus EnsureSwr()
    {
        if (Swr != nullptr && InRate == Frame->sample_rate && InFormat == Frame->format &&
            av_channel_layout_compare(&InLayout, &Frame->ch_layout) == 0)
            return {};
        swr_free(&Swr);
        AVChannelLayout out_layout{};
        av_channel_layout_default(&out_layout, Config.OutChannels);
        int err = swr_alloc_set_opts2(&Swr, &out_layout, AV_SAMPLE_FMT_FLT, Config.OutRate, &Frame->ch_layout,
                                      static_cast<AVSampleFormat>(Frame->format), Frame->sample_rate, 0, nullptr);
        av_channel_layout_uninit(&out_layout);
        if (err >= 0)
            err = swr_init(Swr);
        if (err < 0)
        {
            swr_free(&Swr);
            return {DecodeCode::Internal, "swresample init: " + AvErrorString(err)};
        }
        InRate = Frame->sample_rate;
        InFormat = Frame->format;
        av_channel_layout_uninit(&InLayout);
        av_channel_layout_copy(&InLayout, &Frame->ch_layout);
        ApplyRate();
        return {};
    }
};

AudioDecoder::AudioDecoder(const AudioDecoderConfig& config) : P(std::make_unique<Impl>(config)) {}
AudioDecoder::~AudioDecoder() = default;

DecodeStatus AudioDecoder::SendPacket(const DemuxedPacket& packet)
{
    return SendToCodec(
        *P, packet, MediaKind::Audio, {AV_CODEC_ID_AAC}, 1, [this] { Flush(); }, "audio", "samples");
}

DecodeStatus AudioDecoder::SendPacket(const MediaPacket& packet)
{
    return SendMediaPacket(*P, packet, "codec not supported (livescope plays AAC audio)", [this](const DemuxedPacket& p) { return SendPacket(p); });
}

DecodeStatus AudioDecoder::SendEndOfStream() { return SendCodecEndOfStream(P->Ctx); }

DecodeStatus AudioDecoder::ReceiveSamples(AudioChunk& out)
{
    Impl& s = *P;
    out.Frames = 0;
    DecodeStatus received = s.ReceiveFrame("audio");
    if (!received.IsOk())
        return received;
    DecodeStatus st = s.EnsureSwr();
    if (!st.IsOk())
    {
        av_frame_unref(s.Frame);
        return st;
    }
    if (s.Rate != 1.0)
        s.ApplyRate(); // keeps the compensation from running out
    const int64_t delay_us = swr_get_delay(s.Swr, 1000000);
    const int cap = swr_get_out_samples(s.Swr, s.Frame->nb_samples) + 32;
    const size_t need = static_cast<size_t>(cap) * static_cast<size_t>(s.Config.OutChannels);
    if (out.Samples.size() < need)
        out.Samples.resize(need);
    uint8_t* dst = reinterpret_cast<uint8_t*>(out.Samples.data());
    const int n = swr_convert(s.Swr, &dst, cap, const_cast<const uint8_t**>(s.Frame->extended_data), s.Frame->nb_samples);
    const double pts = FromMicros(s.Frame->best_effort_timestamp);
    const int64_t tag = s.Frame->pkt_pos;
    av_frame_unref(s.Frame);
    if (n < 0)
        return {DecodeCode::Internal, "swresample: " + AvErrorString(n)};
    out.Frames = n;
    out.Channels = s.Config.OutChannels;
    out.Rate = s.Config.OutRate;
    out.Pts = pts - static_cast<double>(delay_us) * 1e-6;
    out.Serial = s.Serial;
    out.Tag = tag;
    return {};
}

void AudioDecoder::Flush()
{
    if (P->Ctx != nullptr)
        avcodec_flush_buffers(P->Ctx);
    if (P->Swr != nullptr)
    {
        swr_free(&P->Swr); // drops buffered samples; re-created on the next frame
        P->InRate = 0;
    }
}

void AudioDecoder::SetRateFactor(double rate)
{
    if (!std::isfinite(rate) || rate < 0.5 || rate > 2.0)
        return;
    P->Rate = rate;
    P->ApplyRate();
}

double AudioDecoder::RateFactor() const { return P->Rate; }

// [SECTION] PcmResampler -------------------------------------------------------------------------

struct PcmResampler::Impl
{
    AudioDecoderConfig Config;
    SwrContext* Swr = nullptr;
    int InRate = 0, InChannels = 0;
    double Rate = 1.0;

    ~Impl() { swr_free(&Swr); }

    void ApplyRate() { ApplyResampleRate(Swr, Rate, Config.OutRate); }

    DecodeStatus EnsureSwr(int rate, int channels)
    {
        if (Swr != nullptr && InRate == rate && InChannels == channels)
            return {};
        swr_free(&Swr);
        AVChannelLayout in_layout{}, out_layout{};
        av_channel_layout_default(&in_layout, channels);
        av_channel_layout_default(&out_layout, Config.OutChannels);
        int err = swr_alloc_set_opts2(&Swr, &out_layout, AV_SAMPLE_FMT_FLT, Config.OutRate, &in_layout, AV_SAMPLE_FMT_FLTP, rate, 0, nullptr);
        av_channel_layout_uninit(&in_layout);
        av_channel_layout_uninit(&out_layout);
        if (err >= 0)
            err = swr_init(Swr);
        if (err < 0)
        {
            swr_free(&Swr);
            return {DecodeCode::Internal, "swresample init: " + AvErrorString(err)};
        }
        InRate = rate;
        InChannels = channels;
        ApplyRate();
        return {};
    }
};

PcmResampler::PcmResampler(const AudioDecoderConfig& config) : P(std::make_unique<Impl>())
{
    P->Config = config;
    if (P->Config.OutChannels != 1)
        P->Config.OutChannels = 2;
    if (P->Config.OutRate < 8000 || P->Config.OutRate > 192000)
        P->Config.OutRate = 48000;
}

PcmResampler::~PcmResampler() = default;

DecodeStatus PcmResampler::Convert(const float* const* planes, int channels, int frames, int rate, double pts, AudioChunk& out)
{
    Impl& s = *P;
    out.Frames = 0;
    if (planes == nullptr || channels < 1 || channels > 8 || frames < 0 || frames > (1 << 20) || rate < 8000 || rate > 192000)
        return {DecodeCode::InvalidData, "PCM: " + std::to_string(channels) + " channels, " + std::to_string(frames) + " frames at " +
                                             std::to_string(rate) + " Hz is not playable"};
    DecodeStatus st = s.EnsureSwr(rate, channels);
    if (!st.IsOk())
        return st;
    if (s.Rate != 1.0)
        s.ApplyRate(); // keeps the compensation from running out
    const int64_t delay_us = swr_get_delay(s.Swr, 1000000);
    const int cap = swr_get_out_samples(s.Swr, frames) + 32;
    const size_t need = static_cast<size_t>(cap) * static_cast<size_t>(s.Config.OutChannels);
    if (out.Samples.size() < need)
        out.Samples.resize(need);
    uint8_t* dst = reinterpret_cast<uint8_t*>(out.Samples.data());
    const int n = swr_convert(s.Swr, &dst, cap, const_cast<const uint8_t**>(reinterpret_cast<const uint8_t* const*>(planes)), frames);
    if (n < 0)
        return {DecodeCode::Internal, "swresample: " + AvErrorString(n)};
    out.Frames = n;
    out.Channels = s.Config.OutChannels;
    out.Rate = s.Config.OutRate;
    out.Pts = pts - static_cast<double>(delay_us) * 1e-6;
    return {};
}

void PcmResampler::Flush()
{
    swr_free(&P->Swr); // re-created on the next Convert
    P->InRate = 0;
    P->InChannels = 0;
}

void PcmResampler::SetRateFactor(double rate)
{
    if (!std::isfinite(rate) || rate < 0.5 || rate > 2.0)
        return;
    P->Rate = rate;
    P->ApplyRate();
}

} // namespace livescope
