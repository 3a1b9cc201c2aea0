// The typed records the wasm modules hand to web/runtime/*.js: each record is defined once, here.
//
// Why this form: a hot record (one per video frame) must stay a flat array of doubles in the wasm heap (no
// JSON, no allocation), and its layout must not be written twice. So each record is an X-macro list of
// (CppName, "jsName") fields. C++ writes a record through the enum generated from the list
// (`o[Field(VideoFrameField::Pts)] = ...`); ls_abi_schema() (app_abi.cpp, linked into both modules) serialises
// the same lists to JSON, and web/emlib/livescope_abi.post.js (appended to both modules) reads a record
// pointer into a plain object with those names: `mod.abiRecord('videoFrame', ptr).pts`. A field added
// here reaches both sides; nobody counts positions by hand. Colder results (poll, info, fatal, health) are
// JSON with named keys.
#pragma once

#include <cstddef>

// ls_worker_video_info: the oldest decoded frame (pooled I420; JS copies the planes before popping it).
#define LS_ABI_VIDEO_FRAME(X)                                   \
    X(Pts, "pts")           /* seconds, stream time */          \
    X(Duration, "duration") /* seconds, 0 = unknown */          \
    X(Serial, "serial")                                         \
    X(Pdt, "pdt")             /* epoch seconds, 0 = unknown */  \
    X(Width, "width")         /* pixels */                      \
    X(Height, "height")       /* pixels */                      \
    X(Matrix, "matrix")       /* 601 or 709 */                  \
    X(FullRange, "fullRange") /* 1 = full (JPEG) range */       \
    X(DecodeMs, "decodeMs")   /* milliseconds in the decoder */ \
    X(YPtr, "yPtr")                                             \
    X(YStride, "yStride") X(UPtr, "uPtr") X(UStride, "uStride") X(VPtr, "vPtr") X(VStride, "vStride")

// ls_worker_stats: the worker's counters and windows for the page's stats.
#define LS_ABI_WORKER_STATS(X)                                                                    \
    X(DecodedFrames, "decodedFrames")                                                             \
    X(AudioFrames, "audioFrames")                                                                 \
    X(Fragments, "fragments")                                                                     \
    X(Errors, "errors")           /* failed requests and loads, and decode errors */              \
    X(Skipped, "skipped")         /* packets not decoded (hidden tab, waiting for a key frame) */ \
    X(DecodeMsAvg, "decodeMsAvg") /* milliseconds per frame since start */                        \
    X(Bytes, "bytes")             /* media and playlist bytes received since start */             \
    X(Bitrate, "bitrate")         /* bits per second received over the last 2 s */

// ls_playback_stats: the page's playback state, latency and windows (web/runtime/playback.js widget.stats).
#define LS_ABI_PLAYBACK_STATS(X)                                                               \
    X(Latency, "latency")       /* seconds, now - PDT of the frame on screen; NaN = unknown */ \
    X(Target, "target")         /* seconds, the latency controller's target */                 \
    X(Buffer, "buffer")         /* seconds buffered past the playhead */                       \
    X(DecodedFps, "decodedFps") /* frames per second received from the worker, last 2 s */     \
    X(DroppedFps, "droppedFps") /* frames per second dropped, last 2 s */                      \
    X(Dropped, "dropped")       /* frames dropped since start */                               \
    X(Rate, "rate")             /* playback rate applied */                                    \
    X(Playing, "playing")       /* 1 once a frame was shown */                                 \
    X(Waiting, "waiting")       /* 1 while stalled */                                          \
    X(FramesShown, "framesShown")                                                              \
    X(ShownPts, "shownPts") /* seconds, stream time of the frame on screen; NaN = none */      \
    X(Stalls, "stalls")     /* stall onsets the latency controller saw */                       \
    X(TargetBase, "targetBase")   /* seconds, the target without the stall back-off */           \
    X(Backoff, "backoff")         /* seconds the target is backed off after stalls */            \
    X(BackoffHold, "backoffHold") /* seconds of stall-free play before a step is given back */  \
    X(Relapses, "relapses")       /* stalls soon after a give-back (each doubled the hold) */   \
    X(Jumps, "jumps")             /* jumps to the live edge decided */                          \
    X(FramesReceived, "framesDecoded") /* frames received from the worker since start */        \
    X(CostMs, "costMs")               /* page frame cost, ms per frame, last 2 s (docs/playback.md) */ \
    X(CostImGuiMs, "costImguiMs")     /* of it in ImGui (NewFrame .. Render) */                 \
    X(CostUploadMs, "costUploadMs")   /* of it in video uploads */                              \
    X(CostComposeMs, "costComposeMs") /* of it in composition (clear, video quad, ImGui draws) */ \
    X(CostMaxMs, "costMaxMs")         /* the costliest page frame since start, ms */            \
    X(CostFrames, "costFrames")       /* page frames timed since start */                       \
    X(CostImGuiSumMs, "costImguiSumMs")     /* ms since start (the bench divides deltas) */     \
    X(CostUploadSumMs, "costUploadSumMs")   /* ms since start */                                \
    X(CostComposeSumMs, "costComposeSumMs") /* ms since start */                                \
    X(DropStale, "dropStale")         /* frames dropped as stale (another serial) since start */ \
    X(DropLateClock, "dropLateClock") /* frames dropped behind the audio clock since start */  \
    X(DropMissed, "dropMissed")       /* frames dropped because their refresh slot was missed */

// ls_worker_wc_chunk_info: the oldest encoded video chunk for the browser's VideoDecoder (docs/decode.md).
#define LS_ABI_WC_CHUNK(X)                                                                  \
    X(Ptr, "ptr")               /* heap address of the chunk's bytes */                     \
    X(Size, "size")             /* bytes */                                                 \
    X(Timestamp, "timestamp")   /* microseconds: the pts, also the output VideoFrame's */   \
    X(DurationUs, "duration")   /* microseconds, 0 = unknown */                             \
    X(Key, "key")               /* 1 = key frame */                                         \
    X(Generation, "generation") /* the configuration (ls_worker_wc_config) it belongs to */ \
    X(Epoch, "epoch")           /* bumps when the browser's decoder must be reset first */

// Every record, by its JS name.
#define LS_ABI_RECORDS(R)                                         \
    R(VideoFrameField, "videoFrame", LS_ABI_VIDEO_FRAME)          \
    R(WorkerStatsField, "workerStats", LS_ABI_WORKER_STATS)       \
    R(PlaybackStatsField, "playbackStats", LS_ABI_PLAYBACK_STATS) \
    R(WcChunkField, "wcChunk", LS_ABI_WC_CHUNK)

namespace livescope {

#define LS_ABI_ENUM_FIELD(name, js) name,
#define LS_ABI_ENUM(type, js, list) enum class type : std::size_t \
{                                                                 \
    list(LS_ABI_ENUM_FIELD) Count                                 \
};
LS_ABI_RECORDS(LS_ABI_ENUM)
#undef LS_ABI_ENUM
#undef LS_ABI_ENUM_FIELD

// The array index of a field.
template <typename E>
constexpr std::size_t Field(E e) { return static_cast<std::size_t>(e); }
// The number of doubles in a record.
template <typename E>
constexpr std::size_t FieldCount() { return static_cast<std::size_t>(E::Count); }

// JSON {"videoFrame":["pts",...],...}: the field names of every record, in array order.
const char* AbiSchemaJson();

} // namespace livescope
