// The decoder module split (issue 16): the decoder modules' video decoder C API (ls_vdec_*: the full module's, and
// livescope_decoder_hevc's, which is this section alone) and, in the worker modules, ExternalVideoDecoder, which drives it
// through the worker's JS bridge (web/runtime/player-worker.js, Module.lsDecoders), and WasmVideoDecoder, which picks
// the module by the stream's codec.
//
// [SECTION] Full and HEVC modules: ls_vdec_* (a wasm VideoDecoder fed packets from another module)
// [SECTION] Full module: ls_adec_* (FFmpeg's AAC decoder + swresample fed packets from the light module)
// [SECTION] Worker modules: ExternalVideoDecoder, WasmVideoDecoder and ls_worker_decoder_ready
// [SECTION] Light module: ExternalAudioDecoder
//
// Records: ls_vdec_info's 16 doubles are width, height, pts (s), duration (s), serial, tag, matrix, matrix guessed,
// range, key frame, then Y, U, V as (pointer, stride) pairs in the full module's heap. The bridge copies the planes,
// tightly packed I420, into the light module's pool and releases the picture. ls_adec_info's 6 doubles are frames,
// channels, rate (Hz), pts (s), serial, tag; the interleaved float samples are at ls_adec_samples.
// Packets: `codec_id` is a MediaCodec value (media_packet.h), the parameters and bytes those of the light module's pure
// demuxer (fMP4: avcC/hvcC or the AudioSpecificConfig as extradata; TS: Annex B video, raw AAC frames with the ADTS
// header's AudioSpecificConfig), which FFmpeg's decoders take as they are.

#include "worker_app.h"
#include "worker_decode_ext.h"

#include <cmath>
#include <cstring>
#include <memory>

#ifndef LIVESCOPE_WORKER_LIGHT
extern "C" {
#include <libavcodec/avcodec.h>
}
#endif

#ifdef __EMSCRIPTEN__
#include <emscripten.h>
#else
// The native twin (the decode pipeline's unit tests): no decoder module is ever loaded, so each bridge call answers
// "none" (0, or nothing), and the pipeline keeps to its own FFmpeg decoders (DecoderModule::Own).
#pragma GCC diagnostic ignored "-Wunused-parameter"
#define EM_JS(ret, name, params, ...) inline ret name params { return ret(); }
#endif

using namespace livescope;

#ifndef LIVESCOPE_WORKER_LIGHT
// [SECTION] Full and HEVC modules -------------------------------------------------------------------

namespace {
// The stream record of `generation` (renewed when it changes): what the light module's pure demuxer said about it, as
// VideoDecoder/AudioDecoder take it. `codec` is a MediaCodec value.
void RenewInfo(std::shared_ptr<MediaStreamInfo>& info, int generation, bool video, int codec, const uint8_t* extra, int extra_size,
               int a, int b)
{
    if (info && info->Generation == generation) return;
    info = std::make_shared<MediaStreamInfo>();
    info->Video = video;
    info->Codec = codec >= 0 && codec <= static_cast<int>(MediaCodec::Aac) ? static_cast<MediaCodec>(codec) : MediaCodec::Unknown;
    if (extra_size > 0) info->Extradata.assign(extra, extra + extra_size);
    if (video)
    {
        info->Width = a;
        info->Height = b;
    }
    else
    {
        info->SampleRate = a;
        info->Channels = b;
    }
    info->Generation = generation;
}

MediaPacket PacketOf(const MediaStreamInfo* info, int serial, const uint8_t* data, int size, double pts, double dts, double duration,
                     bool key, double tag)
{
    MediaPacket p;
    p.Info = info;
    p.Data = std::span<const uint8_t>(data, static_cast<size_t>(size));
    p.Pts = pts;
    p.Dts = dts;
    p.Duration = duration;
    p.Keyframe = key;
    p.Serial = serial;
    p.Tag = static_cast<int64_t>(tag);
    return p;
}

struct ExtDecoderState
{
    VideoDecoder Dec{VideoDecoderConfig{8, 1}};
    std::shared_ptr<MediaStreamInfo> Stream;
    const VideoFrame* Last = nullptr;
    double Info[16] = {};
    std::string Reason;
    ~ExtDecoderState()
    {
        if (Last) Dec.ReleaseFrame(Last);
    }
};
} // namespace

LS_EXPORT ExtDecoderState* ls_vdec_create() { return new ExtDecoderState(); }
LS_EXPORT void ls_vdec_destroy(ExtDecoderState* d) { delete d; }

// One packet: `codec_id` a MediaCodec; `generation` changes with the stream's parameters (codec, extradata, size), which
// then reopen the codec.
// Returns a DecodeCode (0 = Ok); ls_vdec_reason says why otherwise.
LS_EXPORT int ls_vdec_send(ExtDecoderState* d, int codec_id, const uint8_t* extra, int extra_size, int width, int height,
                           int generation, int serial, const uint8_t* data, int size, double pts, double dts, double duration,
                           int key, double tag)
{
    if (!d || size < 0 || extra_size < 0) return static_cast<int>(DecodeCode::Internal);
    RenewInfo(d->Stream, generation, true, codec_id, extra, extra_size, width, height);
    const DecodeStatus st = d->Dec.SendPacket(PacketOf(d->Stream.get(), serial, data, size, pts, dts, duration, key != 0, tag));
    d->Reason = st.Reason;
    return static_cast<int>(st.Code);
}

// The next picture (its record through ls_vdec_info) or NeedMore / an error. The previous picture is released.
LS_EXPORT int ls_vdec_receive(ExtDecoderState* d)
{
    if (!d) return static_cast<int>(DecodeCode::Internal);
    if (d->Last)
    {
        d->Dec.ReleaseFrame(d->Last);
        d->Last = nullptr;
    }
    const VideoFrame* f = nullptr;
    const DecodeStatus st = d->Dec.ReceiveFrame(f);
    d->Reason = st.Reason;
    if (!st.IsOk() || !f) return static_cast<int>(st.IsOk() ? DecodeCode::NeedMore : st.Code);
    d->Last = f;
    const double info[16] = {double(f->Width), double(f->Height), f->Pts, f->Duration, double(f->Serial), double(f->Tag),
                             double(static_cast<int>(f->Matrix)), f->MatrixGuessed ? 1.0 : 0.0, double(static_cast<int>(f->Range)),
                             f->Keyframe ? 1.0 : 0.0,
                             double(reinterpret_cast<uintptr_t>(f->Planes[0])), double(f->Strides[0]),
                             double(reinterpret_cast<uintptr_t>(f->Planes[1])), double(f->Strides[1]),
                             double(reinterpret_cast<uintptr_t>(f->Planes[2])), double(f->Strides[2])};
    std::memcpy(d->Info, info, sizeof info);
    return 0;
}
LS_EXPORT const double* ls_vdec_info(ExtDecoderState* d) { return d ? d->Info : nullptr; }
LS_EXPORT void ls_vdec_release(ExtDecoderState* d)
{
    if (d && d->Last)
    {
        d->Dec.ReleaseFrame(d->Last);
        d->Last = nullptr;
    }
}
LS_EXPORT void ls_vdec_flush(ExtDecoderState* d)
{
    if (d) d->Dec.Flush();
}
LS_EXPORT const char* ls_vdec_reason(ExtDecoderState* d) { return d ? d->Reason.c_str() : ""; }

#ifndef LIVESCOPE_DECODER_MODULE // livescope_decoder_hevc has no AAC decoder
// [SECTION] Full module: ls_adec_* ------------------------------------------------------------------

namespace {
struct ExtAudioState
{
    AudioDecoder Dec;
    std::shared_ptr<MediaStreamInfo> Stream;
    AudioChunk Out;
    double Rate = 1.0;
    double Info[6] = {};
    std::string Reason;
    explicit ExtAudioState(const AudioDecoderConfig& c) : Dec(c) {}
};
} // namespace

LS_EXPORT ExtAudioState* ls_adec_create(int out_rate, int out_channels) { return new ExtAudioState(AudioDecoderConfig{out_rate, out_channels}); }
LS_EXPORT void ls_adec_destroy(ExtAudioState* d) { delete d; }

// One packet, as ls_vdec_send (`generation` reopens the codec; `rate` the playback rate factor). Returns a DecodeCode.
LS_EXPORT int ls_adec_send(ExtAudioState* d, int codec_id, const uint8_t* extra, int extra_size, int sample_rate, int channels,
                           int generation, int serial, const uint8_t* data, int size, double pts, double dts, double duration,
                           double tag, double rate)
{
    if (!d || size < 0 || extra_size < 0) return static_cast<int>(DecodeCode::Internal);
    if (rate != d->Rate)
    {
        d->Rate = rate;
        d->Dec.SetRateFactor(rate);
    }
    RenewInfo(d->Stream, generation, false, codec_id, extra, extra_size, sample_rate, channels);
    const DecodeStatus st = d->Dec.SendPacket(PacketOf(d->Stream.get(), serial, data, size, pts, dts, duration, true, tag));
    d->Reason = st.Reason;
    return static_cast<int>(st.Code);
}

// The next resampled PCM (its record through ls_adec_info, the samples at ls_adec_samples) or NeedMore / an error.
LS_EXPORT int ls_adec_receive(ExtAudioState* d)
{
    if (!d) return static_cast<int>(DecodeCode::Internal);
    const DecodeStatus st = d->Dec.ReceiveSamples(d->Out);
    d->Reason = st.Reason;
    if (!st.IsOk()) return static_cast<int>(st.Code);
    const AudioChunk& o = d->Out;
    const double info[6] = {double(o.Frames), double(o.Channels), double(o.Rate), o.Pts, double(o.Serial), double(o.Tag)};
    std::memcpy(d->Info, info, sizeof info);
    return 0;
}
LS_EXPORT const double* ls_adec_info(ExtAudioState* d) { return d ? d->Info : nullptr; }
LS_EXPORT const float* ls_adec_samples(ExtAudioState* d) { return d ? d->Out.Samples.data() : nullptr; }
LS_EXPORT void ls_adec_flush(ExtAudioState* d)
{
    if (d) d->Dec.Flush();
}
LS_EXPORT const char* ls_adec_reason(ExtAudioState* d) { return d ? d->Reason.c_str() : ""; }
#endif // LIVESCOPE_DECODER_MODULE
#endif // LIVESCOPE_WORKER_LIGHT

#ifndef LIVESCOPE_DECODER_MODULE
// [SECTION] Worker modules --------------------------------------------------------------------------

// `m` is a DecoderModule: the bridge of each loaded decoder module is Module.lsDecoders[m]. Audio is the full module's.
// clang-format off
EM_JS(int, ls_ext_available, (int m), { return Module.lsDecoders && Module.lsDecoders[m] ? 1 : 0; });
EM_JS(void, ls_ext_request, (int m, const char* name), { if (Module.lsRequestDecoder) Module.lsRequestDecoder(m, UTF8ToString(name)); });
EM_JS(int, ls_ext_send, (int m, int codec_id, const uint8_t* extra, int extra_size, int width, int height, int generation,
                         int serial, const uint8_t* data, int size, double pts, double dts, double duration, int key, double tag), {
  var d = Module.lsDecoders && Module.lsDecoders[m];
  return d ? d.send(codec_id, extra, extra_size, width, height, generation, serial, data, size, pts, dts, duration, key, tag)
           : 8; /* NotConfigured */
});
EM_JS(int, ls_ext_receive, (int m, double* info), { var d = Module.lsDecoders && Module.lsDecoders[m]; return d ? d.receive(info) : 1; /* NeedMore */ });
EM_JS(void, ls_ext_copy, (int m, uint8_t* dst), { var d = Module.lsDecoders && Module.lsDecoders[m]; if (d) d.copy(dst); });
EM_JS(void, ls_ext_flush, (int m), { var d = Module.lsDecoders && Module.lsDecoders[m]; if (d) d.flush(); });
EM_JS(void, ls_ext_reason, (int m, char* buf, int cap), { var d = Module.lsDecoders && Module.lsDecoders[m]; stringToUTF8(d ? d.reason() : "", buf, cap); });
EM_JS(int, ls_ext_aopen, (int m, int out_rate, int out_channels), { var d = Module.lsDecoders && Module.lsDecoders[m]; return d ? d.aopen(out_rate, out_channels) : 0; });
EM_JS(void, ls_ext_aclose, (int m, int h), { var d = Module.lsDecoders && Module.lsDecoders[m]; if (d && h) d.aclose(h); });
EM_JS(int, ls_ext_asend, (int m, int h, int codec_id, const uint8_t* extra, int extra_size, int sample_rate, int channels,
                          int generation, int serial, const uint8_t* data, int size, double pts, double dts, double duration,
                          double tag, double rate), {
  var d = Module.lsDecoders && Module.lsDecoders[m];
  return d ? d.asend(h, codec_id, extra, extra_size, sample_rate, channels, generation, serial, data, size, pts, dts, duration, tag,
                     rate) : 8; /* NotConfigured */
});
EM_JS(int, ls_ext_areceive, (int m, int h, double* info), { var d = Module.lsDecoders && Module.lsDecoders[m]; return d ? d.areceive(h, info) : 1; /* NeedMore */ });
EM_JS(void, ls_ext_acopy, (int m, int h, float* dst, int count), { var d = Module.lsDecoders && Module.lsDecoders[m]; if (d) d.acopy(h, dst, count); });
EM_JS(void, ls_ext_aflush, (int m, int h), { var d = Module.lsDecoders && Module.lsDecoders[m]; if (d) d.aflush(h); });
EM_JS(void, ls_ext_areason, (int m, int h, char* buf, int cap), { var d = Module.lsDecoders && Module.lsDecoders[m]; stringToUTF8(d ? d.areason(h) : "", buf, cap); });
// clang-format on

namespace livescope {

ExternalVideoDecoder::ExternalVideoDecoder(const VideoDecoderConfig& config)
    : Pool(static_cast<size_t>(config.PoolSize < 1 ? 1 : config.PoolSize))
{
    for (size_t i = 0; i < Pool.size(); ++i) Pool[i].Frame.PoolIndex = static_cast<int>(i);
}
ExternalVideoDecoder::~ExternalVideoDecoder() = default;

bool ExternalVideoDecoder::Available(DecoderModule module) { return ls_ext_available(static_cast<int>(module)) != 0; }
void ExternalVideoDecoder::RequestModule(DecoderModule module) { ls_ext_request(static_cast<int>(module), DecoderModuleName(module)); }

bool DecoderModuleReady(DecoderModule module)
{
    if (module == DecoderModule::Own || ExternalVideoDecoder::Available(module)) return true;
    ExternalVideoDecoder::RequestModule(module);
    return false;
}

namespace {
constexpr int kAudioModule = static_cast<int>(DecoderModule::Worker); // FFmpeg's AAC decoder is the full module's

DecodeStatus StatusOf(int module, int code)
{
    if (code == 0) return {};
    const auto c = static_cast<DecodeCode>(code);
    if (c == DecodeCode::NeedMore || c == DecodeCode::EndOfStream) return {c, {}};
    char reason[256] = {};
    ls_ext_reason(module, reason, sizeof reason);
    return {c, reason};
}
} // namespace

DecodeStatus ExternalVideoDecoder::SendPacket(const MediaPacket& packet)
{
    if (!packet.Info) return {DecodeCode::NotConfigured, "packet without stream parameters"};
    const MediaStreamInfo& info = *packet.Info;
    const int m = static_cast<int>(Module);
    return StatusOf(m, ls_ext_send(m, static_cast<int>(info.Codec), info.Extradata.data(), static_cast<int>(info.Extradata.size()),
                                   info.Width, info.Height, info.Generation, packet.Serial, packet.Data.data(),
                                   static_cast<int>(packet.Data.size()), packet.Pts, packet.Dts, packet.Duration, packet.Keyframe ? 1 : 0,
                                   static_cast<double>(packet.Tag)));
}

DecodeStatus ExternalVideoDecoder::ReceiveFrame(const VideoFrame*& out)
{
    out = nullptr;
    Slot* slot = nullptr;
    for (Slot& s : Pool)
        if (!s.InUse)
        {
            slot = &s;
            break;
        }
    if (!slot) return {DecodeCode::PoolExhausted, "every pooled frame is held"};
    double info[10] = {};
    const int code = ls_ext_receive(static_cast<int>(Module), info);
    if (code != 0) return StatusOf(static_cast<int>(Module), code);
    const int w = static_cast<int>(info[0]), h = static_cast<int>(info[1]);
    const int cw = (w + 1) / 2, ch = (h + 1) / 2;
    slot->Buffer.resize(static_cast<size_t>(w) * static_cast<size_t>(h) + 2u * static_cast<size_t>(cw) * static_cast<size_t>(ch));
    ls_ext_copy(static_cast<int>(Module), slot->Buffer.data());
    VideoFrame& f = slot->Frame;
    f.Width = w;
    f.Height = h;
    f.Pts = info[2];
    f.Duration = info[3];
    f.Serial = static_cast<int>(info[4]);
    f.Tag = static_cast<int64_t>(info[5]);
    f.Matrix = static_cast<ColorMatrix>(static_cast<int>(info[6]));
    f.MatrixGuessed = info[7] != 0.0;
    f.Range = static_cast<ColorRange>(static_cast<int>(info[8]));
    f.Keyframe = info[9] != 0.0;
    uint8_t* y = slot->Buffer.data();
    f.Planes[0] = y;
    f.Planes[1] = y + static_cast<size_t>(w) * static_cast<size_t>(h);
    f.Planes[2] = f.Planes[1] + static_cast<size_t>(cw) * static_cast<size_t>(ch);
    f.Strides[0] = w;
    f.Strides[1] = f.Strides[2] = cw;
    slot->InUse = true;
    out = &f;
    return {};
}

void ExternalVideoDecoder::ReleaseFrame(const VideoFrame* frame)
{
    if (!frame || frame->PoolIndex < 0 || frame->PoolIndex >= static_cast<int>(Pool.size())) return;
    Slot& s = Pool[static_cast<size_t>(frame->PoolIndex)];
    if (&s.Frame == frame) s.InUse = false;
}

void ExternalVideoDecoder::Flush() { ls_ext_flush(static_cast<int>(Module)); }

// [SECTION] Worker modules: WasmVideoDecoder ---------------------------------------------------------

#ifndef LIVESCOPE_WORKER_LIGHT
namespace {
// Whether this module's FFmpeg has a decoder for `codec` (the full module: H.264 and AAC, not HEVC).
bool OwnDecoder(MediaCodec codec)
{
    const AVCodecID id = codec == MediaCodec::H264   ? AV_CODEC_ID_H264
                         : codec == MediaCodec::Hevc ? AV_CODEC_ID_HEVC
                         : codec == MediaCodec::Aac  ? AV_CODEC_ID_AAC
                                                     : AV_CODEC_ID_NONE;
    return id != AV_CODEC_ID_NONE && avcodec_find_decoder(id) != nullptr;
}
} // namespace
#endif

#ifdef LIVESCOPE_WORKER_LIGHT
WasmVideoDecoder::WasmVideoDecoder(const VideoDecoderConfig& config) : Ext(config)
{}
#else
WasmVideoDecoder::WasmVideoDecoder(const VideoDecoderConfig& config) : Own(config), Ext(config)
{}
#endif

void WasmVideoDecoder::Pick(const MediaPacket& packet)
{
    const MediaCodec codec = packet.Info ? packet.Info->Codec : MediaCodec::Unknown;
    const int id = static_cast<int>(codec);
    if (id == CodecId) return;
    CodecId = id;
#ifdef LIVESCOPE_WORKER_LIGHT
    const bool own = false; // no FFmpeg decoder in the light module
#else
    const bool own = OwnDecoder(codec);
#endif
    Current = WasmDecoderModule(codec, own);
    Ext.SetModule(Current);
}

bool WasmVideoDecoder::Ready(const MediaPacket& packet)
{
    Pick(packet);
    return DecoderModuleReady(Current);
}

DecodeStatus WasmVideoDecoder::SendPacket(const MediaPacket& packet)
{
    Pick(packet);
    if (Current != DecoderModule::Own) return Ext.SendPacket(packet);
#ifdef LIVESCOPE_WORKER_LIGHT
    return {DecodeCode::UnsupportedCodec, "codec not supported by livescope (no wasm decoder for it)"};
#else
    return Own.SendPacket(packet);
#endif
}

DecodeStatus WasmVideoDecoder::ReceiveFrame(const VideoFrame*& out)
{
#ifndef LIVESCOPE_WORKER_LIGHT
    if (Current == DecoderModule::Own) return Own.ReceiveFrame(out);
#endif
    if (Current == DecoderModule::Own)
    {
        out = nullptr;
        return {DecodeCode::NeedMore, {}};
    }
    return Ext.ReceiveFrame(out);
}

void WasmVideoDecoder::ReleaseFrame(const VideoFrame* frame)
{
#ifndef LIVESCOPE_WORKER_LIGHT
    Own.ReleaseFrame(frame); // each decoder ignores a frame not from its own pool
#endif
    Ext.ReleaseFrame(frame);
}

void WasmVideoDecoder::Flush()
{
#ifndef LIVESCOPE_WORKER_LIGHT
    Own.Flush();
#endif
    Ext.Flush();
}

// [SECTION] Light module: ExternalAudioDecoder ------------------------------------------------------
// (compiled in the full module too, unused there: it has FFmpeg's AAC decoder)

ExternalAudioDecoder::ExternalAudioDecoder(const AudioDecoderConfig& config) : Config(config) {}
ExternalAudioDecoder::~ExternalAudioDecoder() { ls_ext_aclose(kAudioModule, Handle); }

bool ExternalAudioDecoder::Open()
{
    if (Handle == 0 && ExternalVideoDecoder::Available(DecoderModule::Worker)) Handle = ls_ext_aopen(kAudioModule, Config.OutRate, Config.OutChannels);
    return Handle != 0;
}

DecodeStatus ExternalAudioDecoder::SendPacket(const MediaPacket& packet)
{
    if (!packet.Info) return {DecodeCode::NotConfigured, "packet without stream parameters"};
    if (packet.Info->Video) return {DecodeCode::UnsupportedCodec, "not an audio packet"};
    if (!Open()) return {DecodeCode::NotConfigured, "the decoder module is not loaded"};
    const MediaStreamInfo& info = *packet.Info;
    const int code = ls_ext_asend(kAudioModule, Handle, static_cast<int>(info.Codec), info.Extradata.data(), static_cast<int>(info.Extradata.size()),
                                  info.SampleRate, info.Channels, info.Generation, packet.Serial, packet.Data.data(),
                                  static_cast<int>(packet.Data.size()), packet.Pts, packet.Dts, packet.Duration,
                                  static_cast<double>(packet.Tag), Rate);
    if (code == 0) return {};
    const auto c = static_cast<DecodeCode>(code);
    if (c == DecodeCode::NeedMore || c == DecodeCode::EndOfStream) return {c, {}};
    char reason[256] = {};
    ls_ext_areason(kAudioModule, Handle, reason, sizeof reason);
    return {c, reason};
}

DecodeStatus ExternalAudioDecoder::ReceiveSamples(AudioChunk& out)
{
    out.Frames = 0;
    if (Handle == 0) return {DecodeCode::NeedMore, {}};
    double info[6] = {};
    const int code = ls_ext_areceive(kAudioModule, Handle, info);
    if (code != 0)
    {
        const auto c = static_cast<DecodeCode>(code);
        if (c == DecodeCode::NeedMore || c == DecodeCode::EndOfStream) return {c, {}};
        char reason[256] = {};
        ls_ext_areason(kAudioModule, Handle, reason, sizeof reason);
        return {c, reason};
    }
    const int frames = static_cast<int>(info[0]), channels = static_cast<int>(info[1]);
    if (frames < 0 || channels < 1 || channels > 2) return {DecodeCode::Internal, "decoder module: bad PCM record"};
    const size_t n = static_cast<size_t>(frames) * static_cast<size_t>(channels);
    if (out.Samples.size() < n) out.Samples.resize(n);
    ls_ext_acopy(kAudioModule, Handle, out.Samples.data(), static_cast<int>(n));
    out.Frames = frames;
    out.Channels = channels;
    out.Rate = static_cast<int>(info[2]);
    out.Pts = info[3];
    out.Serial = static_cast<int>(info[4]);
    out.Tag = static_cast<int64_t>(info[5]);
    return {};
}

void ExternalAudioDecoder::Flush()
{
    if (Handle != 0) ls_ext_aflush(kAudioModule, Handle);
}

void ExternalAudioDecoder::SetRateFactor(double rate)
{
    if (std::isfinite(rate) && rate >= 0.5 && rate <= 2.0) Rate = rate; // sent with each packet (ls_adec_send)
}

} // namespace livescope

// The worker loaded a decoder module and set Module.lsDecoders[module]: the packets held for it decode now.
LS_EXPORT void ls_worker_decoder_ready(WorkerApp* app)
{
    if (app) app->Pipeline.OnDecoderModuleReady();
}
#endif
