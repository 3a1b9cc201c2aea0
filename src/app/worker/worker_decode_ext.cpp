// The decoder module split (issue 16): the full module's video decoder C API (ls_vdec_*) and, in the light module,
// ExternalVideoDecoder, which drives it through the worker's JS bridge (web/runtime/player-worker.js, Module.lsDecoder).
//
// [SECTION] Full module: ls_vdec_* (a wasm VideoDecoder fed packets from the light module)
// [SECTION] Light module: ExternalVideoDecoder and ls_worker_decoder_ready
//
// Records: ls_vdec_info's 16 doubles are width, height, pts (s), duration (s), serial, tag, matrix, matrix guessed,
// range, key frame, then Y, U, V as (pointer, stride) pairs in the full module's heap. The bridge copies the planes,
// tightly packed I420, into the light module's pool and releases the picture.

#include "worker_app.h"
#include "worker_decode_ext.h"

#include <cstring>

extern "C" {
#include <libavcodec/avcodec.h>
}

#ifdef __EMSCRIPTEN__
#include <emscripten.h>
#endif

using namespace livescope;

#ifndef LIVESCOPE_WORKER_LIGHT
// [SECTION] Full module -----------------------------------------------------------------------------

namespace {
struct ExtDecoderState
{
    VideoDecoder Dec{VideoDecoderConfig{8, 1}};
    AVCodecParameters* Par = avcodec_parameters_alloc();
    int ParGeneration = -1;
    AVPacket* Pkt = av_packet_alloc();
    const VideoFrame* Last = nullptr;
    double Info[16] = {};
    std::string Reason;
    ~ExtDecoderState()
    {
        if (Last) Dec.ReleaseFrame(Last);
        avcodec_parameters_free(&Par);
        av_packet_free(&Pkt);
    }
};
} // namespace

LS_EXPORT ExtDecoderState* ls_vdec_create() { return new ExtDecoderState(); }
LS_EXPORT void ls_vdec_destroy(ExtDecoderState* d) { delete d; }

// One packet: `generation` changes with the stream's parameters (codec, extradata, size), which then reopen the codec.
// Returns a DecodeCode (0 = Ok); ls_vdec_reason says why otherwise.
LS_EXPORT int ls_vdec_send(ExtDecoderState* d, int codec_id, const uint8_t* extra, int extra_size, int width, int height,
                           int generation, int serial, const uint8_t* data, int size, double pts, double dts, double duration,
                           int key, double tag)
{
    if (!d || size < 0 || extra_size < 0) return static_cast<int>(DecodeCode::Internal);
    if (generation != d->ParGeneration || !d->Par)
    {
        avcodec_parameters_free(&d->Par);
        d->Par = avcodec_parameters_alloc();
        if (!d->Par) return static_cast<int>(DecodeCode::OutOfMemory);
        d->Par->codec_type = AVMEDIA_TYPE_VIDEO;
        d->Par->codec_id = static_cast<AVCodecID>(codec_id);
        d->Par->width = width;
        d->Par->height = height;
        if (extra_size > 0)
        {
            d->Par->extradata = static_cast<uint8_t*>(av_mallocz(static_cast<size_t>(extra_size) + AV_INPUT_BUFFER_PADDING_SIZE));
            if (!d->Par->extradata) return static_cast<int>(DecodeCode::OutOfMemory);
            std::memcpy(d->Par->extradata, extra, static_cast<size_t>(extra_size));
            d->Par->extradata_size = extra_size;
        }
        d->ParGeneration = generation;
    }
    av_packet_unref(d->Pkt);
    if (av_new_packet(d->Pkt, size) < 0) return static_cast<int>(DecodeCode::OutOfMemory);
    if (size > 0) std::memcpy(d->Pkt->data, data, static_cast<size_t>(size));
    if (key) d->Pkt->flags |= AV_PKT_FLAG_KEY;
    DemuxedPacket p;
    p.Kind = MediaKind::Video;
    p.Packet = d->Pkt;
    p.Params = d->Par;
    p.ParamsGeneration = generation;
    p.Pts = pts;
    p.Dts = dts;
    p.Duration = duration;
    p.Keyframe = key != 0;
    p.Serial = serial;
    p.Tag = static_cast<int64_t>(tag);
    const DecodeStatus st = d->Dec.SendPacket(p);
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

#else
// [SECTION] Light module ----------------------------------------------------------------------------

// clang-format off
EM_JS(int, ls_ext_available, (), { return Module.lsDecoder ? 1 : 0; });
EM_JS(void, ls_ext_request, (), { if (Module.lsRequestDecoder) Module.lsRequestDecoder(); });
EM_JS(int, ls_ext_send, (int codec_id, const uint8_t* extra, int extra_size, int width, int height, int generation, int serial,
                         const uint8_t* data, int size, double pts, double dts, double duration, int key, double tag), {
  return Module.lsDecoder ? Module.lsDecoder.send(codec_id, extra, extra_size, width, height, generation, serial, data, size,
                                                  pts, dts, duration, key, tag) : 8; /* NotConfigured */
});
EM_JS(int, ls_ext_receive, (double* info), { return Module.lsDecoder ? Module.lsDecoder.receive(info) : 1; /* NeedMore */ });
EM_JS(void, ls_ext_copy, (uint8_t* dst), { if (Module.lsDecoder) Module.lsDecoder.copy(dst); });
EM_JS(void, ls_ext_flush, (), { if (Module.lsDecoder) Module.lsDecoder.flush(); });
EM_JS(void, ls_ext_reason, (char* buf, int cap), { stringToUTF8(Module.lsDecoder ? Module.lsDecoder.reason() : "", buf, cap); });
// clang-format on

namespace livescope {

ExternalVideoDecoder::ExternalVideoDecoder(const VideoDecoderConfig& config)
    : Pool(static_cast<size_t>(config.PoolSize < 1 ? 1 : config.PoolSize))
{
    for (size_t i = 0; i < Pool.size(); ++i) Pool[i].Frame.PoolIndex = static_cast<int>(i);
}
ExternalVideoDecoder::~ExternalVideoDecoder() = default;

bool ExternalVideoDecoder::Available() { return ls_ext_available() != 0; }
void ExternalVideoDecoder::RequestModule() { ls_ext_request(); }

namespace {
DecodeStatus StatusOf(int code)
{
    if (code == 0) return {};
    const auto c = static_cast<DecodeCode>(code);
    if (c == DecodeCode::NeedMore || c == DecodeCode::EndOfStream) return {c, {}};
    char reason[256] = {};
    ls_ext_reason(reason, sizeof reason);
    return {c, reason};
}
} // namespace

DecodeStatus ExternalVideoDecoder::SendPacket(const DemuxedPacket& packet)
{
    if (!packet.Params || !packet.Packet) return {DecodeCode::NotConfigured, "packet without stream parameters"};
    const AVCodecParameters* par = packet.Params;
    return StatusOf(ls_ext_send(static_cast<int>(par->codec_id), par->extradata, par->extradata ? par->extradata_size : 0,
                                par->width, par->height, packet.ParamsGeneration, packet.Serial, packet.Packet->data,
                                packet.Packet->size, packet.Pts, packet.Dts, packet.Duration, packet.Keyframe ? 1 : 0,
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
    const int code = ls_ext_receive(info);
    if (code != 0) return StatusOf(code);
    const int w = static_cast<int>(info[0]), h = static_cast<int>(info[1]);
    const int cw = (w + 1) / 2, ch = (h + 1) / 2;
    slot->Buffer.resize(static_cast<size_t>(w) * static_cast<size_t>(h) + 2u * static_cast<size_t>(cw) * static_cast<size_t>(ch));
    ls_ext_copy(slot->Buffer.data());
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

void ExternalVideoDecoder::Flush() { ls_ext_flush(); }

} // namespace livescope

// The worker loaded the full module and set Module.lsDecoder: the packets held since the last key frame decode now.
LS_EXPORT void ls_worker_decoder_ready(WorkerApp* app)
{
    if (app) app->Pipeline.OnDecoderModuleReady();
}
#endif
