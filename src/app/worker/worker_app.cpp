// Worker-side app: runs in a Web Worker, owns FFmpeg demux/decode; exported C API (ls_worker_*) for web/runtime/player-worker.js.
//
// [SECTION] WorkerApp
// [SECTION] C API: build info
// [SECTION] C API: decode pipeline
// (the LL-HLS session driver's C API, ls_worker_hls_*, is in worker_hls.cpp)
//
// Thread: every function is called from the Worker's thread only. Pointers returned stay valid until
// the next call that feeds, pops or resets.
#include "worker_app.h"

#include <livescope/player/decode/decoders.h>

#include <cstdio>
#include <string>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/log.h>
#include <libswresample/swresample.h>
}

#ifndef __EMSCRIPTEN__
#include <chrono>
#endif

namespace livescope {

// [SECTION] WorkerApp

double WorkerNowMs() {
#ifdef __EMSCRIPTEN__
  return emscripten_get_now();
#else
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
#endif
}

} // namespace livescope

using livescope::WorkerApp;

// FFmpeg's own log level is process-wide; this module instance serves one Worker, so errors only.
LS_EXPORT WorkerApp* ls_worker_create() { av_log_set_level(AV_LOG_ERROR); return new WorkerApp(); }
LS_EXPORT void ls_worker_destroy(WorkerApp* app) { delete app; }

// [SECTION] C API: build info

// JSON describing the FFmpeg build: versions and the decoders/demuxers it was configured with.
LS_EXPORT const char* ls_worker_info(WorkerApp* app) {
  std::string decoders, demuxers;
  void* it = nullptr;
  while (const AVCodec* c = av_codec_iterate(&it))
    if (av_codec_is_decoder(c)) decoders += (decoders.empty() ? "\"" : ",\"") + std::string(c->name) + "\"";
  it = nullptr;
  while (const AVInputFormat* f = av_demuxer_iterate(&it))
    demuxers += (demuxers.empty() ? "\"" : ",\"") + std::string(f->name) + "\"";
  char versions[160];
  std::snprintf(versions, sizeof versions, "\"avcodec\":%u,\"avformat\":%u,\"swresample\":%u",
                avcodec_version(), avformat_version(), swresample_version());
  app->InfoJson = std::string("{") + versions + ",\"decoders\":[" + decoders + "],\"demuxers\":[" + demuxers + "]}";
  return app->InfoJson.c_str();
}

// [SECTION] C API: decode pipeline

LS_EXPORT void ls_worker_set_audio(WorkerApp* app, int sample_rate, int channels) { app->Pipeline.SetAudioOutput(sample_rate, channels); }
LS_EXPORT void ls_worker_set_rate(WorkerApp* app, double rate) { app->Pipeline.SetRate(rate); }
LS_EXPORT void ls_worker_set_video(WorkerApp* app, int enabled) { app->Pipeline.SetVideoEnabled(enabled != 0); }
LS_EXPORT void ls_worker_reset(WorkerApp* app) { app->Pipeline.Reset(); }

// Starts a chunk: init segment, TS or fMP4 media; `pdt` epoch seconds (0 = unknown).
LS_EXPORT void ls_worker_begin(WorkerApp* app, int is_init, int is_ts, int serial, double pdt) {
  app->Pipeline.BeginChunk(is_init != 0, is_ts != 0, serial, pdt);
}
// A staging buffer of at least `size` bytes in the heap; JS copies fetched bytes there, then calls ls_worker_feed.
LS_EXPORT uint8_t* ls_worker_input(WorkerApp* app, int size) {
  if (size > 0 && app->Input.size() < static_cast<size_t>(size)) app->Input.resize(static_cast<size_t>(size));
  return app->Input.data();
}
LS_EXPORT void ls_worker_feed(WorkerApp* app, int size) {
  if (size > 0 && static_cast<size_t>(size) <= app->Input.size()) app->Pipeline.Feed(app->Input.data(), static_cast<size_t>(size));
}
LS_EXPORT void ls_worker_end(WorkerApp* app, int ok) { app->Pipeline.EndChunk(ok != 0); }

LS_EXPORT int ls_worker_video_count(WorkerApp* app) { return app->Pipeline.HasVideo() ? 1 : 0; }
// The oldest decoded frame: [pts, duration, serial, pdt, width, height, matrix (601/709), full_range,
// decode_ms, y_ptr, y_stride, u_ptr, u_stride, v_ptr, v_stride]. Null when none.
LS_EXPORT const double* ls_worker_video_info(WorkerApp* app) {
  if (!app->Pipeline.HasVideo()) return nullptr;
  const livescope::DecodedVideo& v = app->Pipeline.PeekVideo();
  const livescope::VideoFrame* f = v.Frame; // pooled I420: JS copies the planes out before popping
  double* o = app->VideoInfo;
  o[0] = v.Pts; o[1] = v.Duration; o[2] = v.Serial; o[3] = v.ProgramDateTime;
  o[4] = f->Width; o[5] = f->Height; o[6] = v.ColorMatrix; o[7] = v.FullRange; o[8] = v.DecodeMs;
  for (int i = 0; i < 3; ++i) {
    o[9 + 2 * i] = static_cast<double>(reinterpret_cast<uintptr_t>(f->Planes[i]));
    o[10 + 2 * i] = f->Strides[i];
  }
  return o;
}
LS_EXPORT void ls_worker_video_pop(WorkerApp* app) { if (app->Pipeline.HasVideo()) app->Pipeline.PopVideo(); }

// Audio produced since the last clear: interleaved float32 samples (count = frames * channels).
LS_EXPORT const float* ls_worker_audio_data(WorkerApp* app) { return app->Pipeline.AudioOut.data(); }
LS_EXPORT int ls_worker_audio_samples(WorkerApp* app) { return static_cast<int>(app->Pipeline.AudioOut.size()); }
LS_EXPORT double ls_worker_audio_pts(WorkerApp* app) { return app->Pipeline.AudioPts; }
LS_EXPORT double ls_worker_audio_rate(WorkerApp* app) { return app->Pipeline.AudioRate; }
LS_EXPORT int ls_worker_audio_serial(WorkerApp* app) { return app->Pipeline.AudioSerial; }
LS_EXPORT void ls_worker_audio_clear(WorkerApp* app) { app->Pipeline.ClearAudio(); }

// 0 = fine; otherwise a livescope::DecodeFatal value, with ls_worker_fatal_detail giving the reason.
LS_EXPORT int ls_worker_fatal(WorkerApp* app) { return static_cast<int>(app->Pipeline.Fatal); }
LS_EXPORT const char* ls_worker_fatal_name(WorkerApp* app) { return livescope::DecodeFatalName(app->Pipeline.Fatal); }
LS_EXPORT const char* ls_worker_fatal_detail(WorkerApp* app) { return app->Pipeline.FatalDetail.c_str(); }
// [video_frames, audio_frames, fragments, errors, skipped_packets, decode_ms_sum, width, height]
LS_EXPORT const double* ls_worker_counters(WorkerApp* app) {
  const livescope::DecodeCounters& c = app->Pipeline.Counters;
  double* o = app->Counters;
  o[0] = static_cast<double>(c.VideoFrames); o[1] = static_cast<double>(c.AudioFrames);
  o[2] = static_cast<double>(c.Fragments); o[3] = static_cast<double>(c.Errors);
  o[4] = static_cast<double>(c.SkippedPackets); o[5] = c.DecodeMsSum; o[6] = c.Width; o[7] = c.Height;
  return o;
}
LS_EXPORT const char* ls_worker_last_error(WorkerApp* app) { return app->Pipeline.Counters.LastError.c_str(); }
