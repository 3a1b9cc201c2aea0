// Worker-side app: runs in a Web Worker, owns the LL-HLS engine and FFmpeg; exported C API for web/runtime.
#include <cstdio>
#include <string>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libswresample/swresample.h>
}

#ifdef __EMSCRIPTEN__
#include <emscripten/emscripten.h>
#define LS_EXPORT extern "C" EMSCRIPTEN_KEEPALIVE
#else
#define LS_EXPORT extern "C"
#endif

namespace livescope {

struct WorkerApp {
  std::string InfoJson; // last answer of ls_worker_info, owned here
};

} // namespace livescope

using livescope::WorkerApp;

LS_EXPORT WorkerApp* ls_worker_create() { return new WorkerApp(); }
LS_EXPORT void ls_worker_destroy(WorkerApp* app) { delete app; }

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
