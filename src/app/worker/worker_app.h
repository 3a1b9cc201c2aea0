// Worker-side app state shared by the C API files: the decode pipeline and (when linked) the LL-HLS session driver.
#pragma once

#include "worker_decode.h"

#include <livescope/app/app_abi.h>    // the records the C API returns (VideoFrameField, WorkerStatsField)
#include <livescope/app/app_export.h> // LS_EXPORT: the C API the worker module exports to web/runtime/player-worker.js

#include <livescope/player/av/stats.h>

#include <memory>
#include <string>
#include <vector>

namespace livescope {

double WorkerNowMs(); // milliseconds, monotonic

struct WorkerHls; // worker_hls.cpp: HlsSession + the chunk -> pipeline glue

struct WorkerApp
{
    DecodePipeline Pipeline{WorkerNowMs};
    std::vector<uint8_t> Input;                           // staging buffer JS writes fetched bytes into
    double VideoInfo[FieldCount<VideoFrameField>()] = {}; // see ls_worker_video_info
    double StatsOut[FieldCount<WorkerStatsField>()] = {}; // see ls_worker_stats
    double WcChunkOut[FieldCount<WcChunkField>()] = {};   // see ls_worker_wc_chunk_info
    std::string WcJson;                                   // last answer of ls_worker_wc_question / _config
    double StartPdt = 0.0;                                // epoch seconds: the fast-start cut (FastStartPdt); 0 = none
    bool StillWanted = false;                             // a live start sent no frame yet: its first is the still (FastStartCutVideo)
    double VideoOut[2] = {};                              // pts (seconds) and PDT (epoch seconds) to send for the queued frame
    StatsAccumulator Received;                            // bytes received, for the bitrate window
    int64_t Bytes = 0;                                    // bytes received since start
    int64_t LoadErrors = 0;                               // failed requests and loads (Error-severity session events, network errors)
    int64_t DecodeErrorMark = 0;                          // decode errors already reported by ls_worker_take_decode_error
    WorkerHls* Hls = nullptr;                             // owned; null until ls_worker_hls_start
    // Audio through AudioDecoder (worker_audio.cpp): the last JSON answer, the chunk record, the PCM staging planes.
    std::string AdJson;
    double AdChunkOut[FieldCount<WcChunkField>()] = {};
    std::vector<float> AdPcm;
    ~WorkerApp();
};

} // namespace livescope
