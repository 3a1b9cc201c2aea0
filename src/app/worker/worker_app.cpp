// Worker-side app: runs in a Web Worker, owns FFmpeg demux/decode; exported C API (ls_worker_*) for web/runtime/player-worker.js.
//
// [SECTION] WorkerApp
// [SECTION] C API: decode pipeline
// (the LL-HLS session driver's C API, ls_worker_hls_*, is in worker_hls.cpp)
//
// Thread: every function is called from the Worker's thread only. Pointers returned stay valid until
// the next call that feeds, pops or resets.
#include "worker_app.h"

#include <livescope/player/decode/decoders.h>

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
// cut are dropped here: decoded (the decoder needs them from the key frame), never sent.
LS_EXPORT int ls_worker_video_count(WorkerApp* app)
{
    if (!app) return 0;
    while (app->Pipeline.HasVideo() && !livescope::FastStartKeepsVideo(app->StartPdt, app->Pipeline.PeekVideo().ProgramDateTime))
        app->Pipeline.PopVideo();
    return app->Pipeline.HasVideo() ? 1 : 0;
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
    o[Field(F::Pts)] = v.Pts;
    o[Field(F::Duration)] = v.Duration;
    o[Field(F::Serial)] = v.Serial;
    o[Field(F::Pdt)] = v.ProgramDateTime;
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
    if (app && app->Pipeline.HasVideo()) app->Pipeline.PopVideo();
}

// Audio produced since the last clear: interleaved float32 samples (count = frames * channels). Audio not yet
// known to be at or after the fast-start cut (placed in time through the pipeline's PdtMap) is dropped here.
LS_EXPORT int ls_worker_audio_samples(WorkerApp* app)
{
    if (!app) return 0;
    livescope::DecodePipeline& p = app->Pipeline;
    if (!p.AudioOut.empty() && !livescope::FastStartKeepsAudio(app->StartPdt, p.Pdts.PdtAt(p.AudioSerial, p.AudioPts))) p.ClearAudio();
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
