// Worker-side app: runs in a Web Worker, owns FFmpeg demux/decode; exported C API (ls_worker_*) for web/runtime/player-worker.js.
//
// [SECTION] WorkerApp
// [SECTION] C API: decode pipeline
// [SECTION] C API: WebCodecs (the path decisions are DecodePathPolicy's; player-worker.js moves chunks and frames)
// (the LL-HLS session driver's C API, ls_worker_hls_*, is in worker_hls.cpp)
//
// Thread: every function is called from the Worker's thread only. Pointers returned stay valid until
// the next call that feeds, pops or resets.
#include "worker_app.h"

#include <livescope/player/decode/decoders.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

extern "C" {
#include <libavutil/log.h>
}

#ifndef __EMSCRIPTEN__
#include <chrono>
#endif

namespace livescope {

// [SECTION] WorkerApp

double WorkerNowMs()
{
#ifdef __EMSCRIPTEN__
    return emscripten_get_now();
#else
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
#endif
}

} // namespace livescope

using livescope::WorkerApp;

// FFmpeg's own log level is process-wide; this module instance serves one Worker, so errors only.
LS_EXPORT WorkerApp* ls_worker_create()
{
    av_log_set_level(AV_LOG_ERROR);
    return new WorkerApp();
}

// [SECTION] C API: decode pipeline

LS_EXPORT void ls_worker_set_audio(WorkerApp* app, int sample_rate, int channels) { app->Pipeline.SetAudioOutput(sample_rate, channels); }
LS_EXPORT void ls_worker_set_rate(WorkerApp* app, double rate) { app->Pipeline.SetRate(rate); }
LS_EXPORT void ls_worker_set_video(WorkerApp* app, int enabled) { app->Pipeline.SetVideoEnabled(enabled != 0); }
// A staging buffer of at least `size` bytes in the heap; JS copies fetched bytes there, then calls ls_worker_hls_data.
LS_EXPORT uint8_t* ls_worker_input(WorkerApp* app, int size)
{
    if (!app) return nullptr;
    if (size > 0 && app->Input.size() < static_cast<size_t>(size)) app->Input.resize(static_cast<size_t>(size));
    return app->Input.data();
}

// Decoded frames ready for the page (0 or 1: JS takes them one at a time). Frames before the fast-start
// cut are dropped here: decoded (the decoder needs them from the key frame), never sent; the first of a live start is
// sent as the still (FastStartCutVideo: the pts and PDT to send are kept in VideoOut).
LS_EXPORT int ls_worker_video_count(WorkerApp* app)
{
    if (!app) return 0;
    while (app->Pipeline.HasVideo())
    {
        const livescope::DecodedVideo& v = app->Pipeline.PeekVideo();
        const livescope::FastStartVideoCut cut = livescope::FastStartCutVideo(app->StartPdt, app->StillWanted, v.Pts, v.Duration, v.ProgramDateTime);
        if (cut.Send)
        {
            app->VideoOut[0] = cut.Pts;
            app->VideoOut[1] = cut.Pdt;
            return 1;
        }
        app->Pipeline.PopVideo();
    }
    return 0;
}
// The oldest decoded frame as a videoFrame record (app_abi.h). Null when none.
LS_EXPORT const double* ls_worker_video_info(WorkerApp* app)
{
    using livescope::Field;
    using F = livescope::VideoFrameField;
    if (!app || !app->Pipeline.HasVideo()) return nullptr;
    const livescope::DecodedVideo& v = app->Pipeline.PeekVideo();
    const livescope::VideoFrame* f = v.Frame; // pooled I420: JS copies the planes out before popping
    double* o = app->VideoInfo;
    o[Field(F::Pts)] = app->VideoOut[0]; // set by ls_worker_video_count: the frame's own, or the still's
    o[Field(F::Duration)] = v.Duration;
    o[Field(F::Serial)] = v.Serial;
    o[Field(F::Pdt)] = app->VideoOut[1];
    o[Field(F::Width)] = f->Width;
    o[Field(F::Height)] = f->Height;
    o[Field(F::Matrix)] = v.ColorMatrix;
    o[Field(F::FullRange)] = v.FullRange;
    o[Field(F::DecodeMs)] = v.DecodeMs;
    const F planes[3][2] = {{F::YPtr, F::YStride}, {F::UPtr, F::UStride}, {F::VPtr, F::VStride}};
    for (int i = 0; i < 3; ++i)
    {
        o[Field(planes[i][0])] = static_cast<double>(reinterpret_cast<uintptr_t>(f->Planes[i]));
        o[Field(planes[i][1])] = f->Strides[i];
    }
    return o;
}
LS_EXPORT void ls_worker_video_pop(WorkerApp* app)
{
    if (!app || !app->Pipeline.HasVideo()) return;
    app->Pipeline.PopVideo();
    app->StillWanted = false; // JS pops a frame once it was sent
}

// Audio produced since the last clear: interleaved float32 samples (count = frames * channels). The fast-start cut
// (FastStartCutAudio, placed in time through the pipeline's PdtMap): audio before it is dropped (a batch straddling it
// is trimmed to start there), audio not yet placed is held back (0 here) until its video anchor is known.
LS_EXPORT int ls_worker_audio_samples(WorkerApp* app)
{
    if (!app) return 0;
    livescope::DecodePipeline& p = app->Pipeline;
    if (p.AudioOut.empty() || app->StartPdt == 0.0) return static_cast<int>(p.AudioOut.size());
    const int channels = std::max(1, p.AudioOutChannels);
    const int frames = static_cast<int>(p.AudioOut.size()) / channels;
    const livescope::FastStartAudioCut cut =
        livescope::FastStartCutAudio(app->StartPdt, p.Pdts.PdtAt(p.AudioSerial, p.AudioPts), frames, p.AudioOutRate, p.AudioRate);
    if (cut.Hold) return 0;
    if (cut.Drop >= frames)
        p.ClearAudio();
    else if (cut.Drop > 0)
    {
        p.AudioOut.erase(p.AudioOut.begin(), p.AudioOut.begin() + static_cast<long>(cut.Drop) * channels);
        p.AudioPts += cut.Drop * p.AudioRate / std::max(1, p.AudioOutRate);
    }
    return static_cast<int>(p.AudioOut.size());
}
LS_EXPORT const float* ls_worker_audio_data(WorkerApp* app) { return app ? app->Pipeline.AudioOut.data() : nullptr; }
LS_EXPORT double ls_worker_audio_pts(WorkerApp* app) { return app ? app->Pipeline.AudioPts : 0.0; }
LS_EXPORT double ls_worker_audio_rate(WorkerApp* app) { return app ? app->Pipeline.AudioRate : 1.0; }
LS_EXPORT int ls_worker_audio_serial(WorkerApp* app) { return app ? app->Pipeline.AudioSerial : 0; }
LS_EXPORT void ls_worker_audio_clear(WorkerApp* app)
{
    if (app) app->Pipeline.ClearAudio();
}

// 0 = fine; otherwise a livescope::DecodeFatal value, with ls_worker_fatal_name / _detail giving the code and reason.
LS_EXPORT int ls_worker_fatal(WorkerApp* app) { return app ? static_cast<int>(app->Pipeline.Fatal) : 0; }
LS_EXPORT const char* ls_worker_fatal_name(WorkerApp* app) { return app ? livescope::DecodeFatalName(app->Pipeline.Fatal) : ""; }
LS_EXPORT const char* ls_worker_fatal_detail(WorkerApp* app) { return app ? app->Pipeline.FatalDetail.c_str() : ""; }

// The workerStats record (app_abi.h) at `now` (seconds, the Worker's clock: the bitrate window).
LS_EXPORT const double* ls_worker_stats(WorkerApp* app, double now)
{
    using livescope::Field;
    using F = livescope::WorkerStatsField;
    if (!app) return nullptr;
    const livescope::DecodeCounters& c = app->Pipeline.Counters;
    double* o = app->StatsOut;
    o[Field(F::DecodedFrames)] = static_cast<double>(c.VideoFrames);
    o[Field(F::AudioFrames)] = static_cast<double>(c.AudioFrames);
    o[Field(F::Fragments)] = static_cast<double>(c.Fragments);
    o[Field(F::Errors)] = static_cast<double>(c.Errors + app->LoadErrors);
    o[Field(F::Skipped)] = static_cast<double>(c.SkippedPackets);
    o[Field(F::DecodeMsAvg)] = c.VideoFrames > 0 ? c.DecodeMsSum / static_cast<double>(c.VideoFrames) : 0.0;
    o[Field(F::Bytes)] = static_cast<double>(app->Bytes);
    o[Field(F::Bitrate)] = app->Received.Snapshot(now).Bitrate;
    return o;
}
// The reason of a decode error not yet reported, once; "" when there is none new.
LS_EXPORT const char* ls_worker_take_decode_error(WorkerApp* app)
{
    if (!app || app->Pipeline.Counters.Errors <= app->DecodeErrorMark) return "";
    app->DecodeErrorMark = app->Pipeline.Counters.Errors;
    return app->Pipeline.Counters.LastError.c_str();
}

// [SECTION] C API: WebCodecs

namespace {

std::string WcConfigJson(const livescope::WebCodecsConfig& c)
{
    char buf[256];
    std::snprintf(buf, sizeof buf, "{\"generation\":%d,\"codec\":\"%s\",\"codedWidth\":%d,\"codedHeight\":%d,\"descriptionSize\":%zu}",
                  c.Generation, c.Codec.c_str(), c.Width, c.Height, c.Description.size());
    return buf;
}

} // namespace

// The widget's `decoder` option ("auto", "webcodecs", "wasm") and whether the Worker has VideoDecoder. Returns 0 for an
// unknown name (auto is used).
LS_EXPORT int ls_worker_set_decoder(WorkerApp* app, const char* choice, int webcodecs_available)
{
    if (!app) return 0;
    const std::optional<livescope::DecoderChoice> c = livescope::DecoderChoiceFromName(choice ? choice : "");
    app->Pipeline.SetDecoder(c.value_or(livescope::DecoderChoice::Auto), webcodecs_available != 0);
    return c ? 1 : 0;
}
// The active video path ("wasm", "probing", "webcodecs") and why (DecodePathPolicy::Reason).
LS_EXPORT const char* ls_worker_decode_path(WorkerApp* app) { return app ? livescope::DecodePathName(app->Pipeline.Path().ReportedPath()) : ""; }
LS_EXPORT const char* ls_worker_decode_reason(WorkerApp* app) { return app ? app->Pipeline.Path().Reason().c_str() : ""; }
LS_EXPORT int ls_worker_decode_switches(WorkerApp* app) { return app ? app->Pipeline.Path().Switches() : 0; }
// The demuxer of this module: "pure" (light) or "ffmpeg" (full), docs/decode.md "The module split".
LS_EXPORT const char* ls_worker_demuxer() { return livescope::DecodePipeline::DemuxerName(); }

// A configuration to ask VideoDecoder.isConfigSupported about, as JSON {generation, codec, codedWidth, codedHeight,
// descriptionSize} (the description's bytes at ls_worker_wc_description); "" when there is no new question.
LS_EXPORT const char* ls_worker_wc_question(WorkerApp* app)
{
    if (!app) return "";
    const livescope::WebCodecsConfig* q = app->Pipeline.TakeQuestion();
    app->WcJson = q ? WcConfigJson(*q) : "";
    return app->WcJson.c_str();
}
// The configuration the queued chunks decode with (same JSON); its description at ls_worker_wc_description.
LS_EXPORT const char* ls_worker_wc_config(WorkerApp* app)
{
    if (!app) return "";
    app->WcJson = WcConfigJson(app->Pipeline.CurrentConfig());
    return app->WcJson.c_str();
}
LS_EXPORT const uint8_t* ls_worker_wc_description(WorkerApp* app) { return app ? app->Pipeline.CurrentConfig().Description.data() : nullptr; }
LS_EXPORT void ls_worker_wc_answer(WorkerApp* app, int generation, int supported)
{
    if (app) app->Pipeline.OnWebCodecsSupport(generation, supported != 0);
}
// WebCodecs failed (error callback, configure or decode threw): the wasm decoder takes over from the last key frame.
LS_EXPORT void ls_worker_wc_error(WorkerApp* app, const char* reason)
{
    if (app) app->Pipeline.OnWebCodecsError(reason ? reason : "error");
}

// Encoded chunks for the browser's decoder, oldest first: count (0 or 1), the wcChunk record (app_abi.h), pop.
LS_EXPORT int ls_worker_wc_chunk_count(WorkerApp* app) { return app && app->Pipeline.HasWebCodecsChunk() ? 1 : 0; }
LS_EXPORT const double* ls_worker_wc_chunk_info(WorkerApp* app)
{
    using livescope::Field;
    using F = livescope::WcChunkField;
    if (!app || !app->Pipeline.HasWebCodecsChunk()) return nullptr;
    const livescope::WebCodecsChunk& c = app->Pipeline.PeekWebCodecsChunk();
    double* o = app->WcChunkOut;
    o[Field(F::Ptr)] = static_cast<double>(reinterpret_cast<uintptr_t>(c.Data.data()));
    o[Field(F::Size)] = static_cast<double>(c.Data.size());
    o[Field(F::Timestamp)] = static_cast<double>(c.Timestamp);
    o[Field(F::DurationUs)] = static_cast<double>(c.DurationUs);
    o[Field(F::Key)] = c.Key ? 1.0 : 0.0;
    o[Field(F::Generation)] = c.Generation;
    o[Field(F::Epoch)] = c.Epoch;
    return o;
}
LS_EXPORT void ls_worker_wc_chunk_pop(WorkerApp* app)
{
    if (app && app->Pipeline.HasWebCodecsChunk()) app->Pipeline.PopWebCodecsChunk();
}

// A VideoFrame came out with `timestamp` (microseconds) at `width` x `height`: its videoFrame record (no planes: the
// page uploads the VideoFrame itself), or null when it must be closed unshown (unknown, stale, before the fast-start cut).
LS_EXPORT const double* ls_worker_wc_output(WorkerApp* app, double timestamp, int width, int height)
{
    using livescope::Field;
    using F = livescope::VideoFrameField;
    if (!app) return nullptr;
    const std::optional<livescope::DecodedVideo> v = app->Pipeline.OnWebCodecsOutput(static_cast<int64_t>(timestamp), width, height);
    if (!v) return nullptr;
    const livescope::FastStartVideoCut cut = livescope::FastStartCutVideo(app->StartPdt, app->StillWanted, v->Pts, v->Duration, v->ProgramDateTime);
    if (!cut.Send) return nullptr;
    app->StillWanted = false;
    double* o = app->VideoInfo;
    for (double& x : app->VideoInfo) x = 0.0;
    o[Field(F::Pts)] = cut.Pts; // the frame's own, or the still's (one frame before the cut)
    o[Field(F::Duration)] = v->Duration;
    o[Field(F::Serial)] = v->Serial;
    o[Field(F::Pdt)] = cut.Pdt;
    o[Field(F::Width)] = width;
    o[Field(F::Height)] = height;
    o[Field(F::Matrix)] = 709;
    o[Field(F::DecodeMs)] = v->DecodeMs;
    return o;
}

// [SECTION] C API: demuxer switch (docs/decode.md "The demuxer switch"; the decision is DecideDemuxRefusal's)

// Why the pure demuxer refused the stream when the pipeline asks for the full module's FFmpeg demuxer (ls_worker_fatal
// then says DemuxRefused); "" otherwise. player-worker.js restarts the session on livescope_worker.
LS_EXPORT const char* ls_worker_demux_switch(WorkerApp* app)
{
    return app && app->Pipeline.Fatal == livescope::DecodeFatal::DemuxRefused ? app->Pipeline.DemuxSwitch().c_str() : "";
}
// This worker app runs on the module switched to, for `reason`: a refusal here is the fatal (no second switch).
LS_EXPORT void ls_worker_set_demux_switched(WorkerApp* app, const char* reason)
{
    if (app) app->Pipeline.SetDemuxSwitched(reason ? reason : "");
}
// The reason this module was switched to (stats.demuxSwitch); "" when it was not.
LS_EXPORT const char* ls_worker_demux_switched(WorkerApp* app) { return app ? app->Pipeline.DemuxSwitched().c_str() : ""; }
