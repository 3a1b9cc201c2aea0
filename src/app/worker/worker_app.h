// Worker-side app state shared by the C API files: the decode pipeline and (when linked) the LL-HLS session driver.
#pragma once

#include "worker_decode.h"

#include <livescope/app/app_export.h> // LS_EXPORT: the C API the worker module exports to web/runtime/player-worker.js

#include <memory>
#include <string>
#include <vector>

namespace livescope {

double WorkerNowMs(); // milliseconds, monotonic

struct WorkerHls; // worker_hls.cpp: HlsSession + the chunk -> pipeline glue

struct WorkerApp {
  std::string InfoJson;              // last answer of ls_worker_info, owned here
  DecodePipeline Pipeline{WorkerNowMs};
  std::vector<uint8_t> Input;        // staging buffer JS writes fetched bytes into
  double VideoInfo[16] = {};         // see ls_worker_video_info
  double Counters[10] = {};          // see ls_worker_counters
  WorkerHls* Hls = nullptr;          // owned; null until ls_worker_hls_start
  ~WorkerApp();
};

} // namespace livescope
