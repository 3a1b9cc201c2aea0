// Pure decision: the light worker module's demuxer (PureDemuxer) refused a stream; switch to the full module (FFmpeg's demuxer) or fail.
#pragma once

// No FFmpeg and no browser call here: the worker's decode pipeline (src/app/worker/worker_decode.cpp) asks it when the
// demuxer hands out a stream it could not read (MediaStreamInfo::Codec Unknown), and web/runtime/player-worker.js only
// reloads the module it is told to (docs/decode.md "The demuxer switch").

#include <livescope/player/decode/media_packet.h>

#include <string>

namespace livescope {

// What the pipeline knows when its demuxer hands out a stream it could not read.
struct DemuxRefusal
{
    bool PureDemuxer = false;  // the running module demuxes with PureDemuxer (the light module); false: FFmpeg's
    bool Switched = false;     // this worker already switched module once for a refusal (the running module is the second)
    MediaCodec Declared = MediaCodec::Unknown; // the codec the container declares for it (MediaStreamInfo::Refused)
    std::string Why;           // the demuxer's reason (MediaStreamInfo::RefusedWhy), e.g. "aac channel configuration 0"
};

enum class DemuxRefusalAction
{
    Fatal,        // unsupported-codec, as without the switch: no module plays it, or this is the second refusal
    SwitchToFull, // the full module (livescope_worker, FFmpeg's demuxer) restarts the session and plays the stream
};

// SwitchToFull only when all hold: the refusal comes from the pure demuxer, no switch happened before (so a refusal in
// the module switched to is the fatal, and nothing loops), and the declared codec is one some module decodes
// (WasmDecoderModule: H.264, HEVC, AAC). A codec no module decodes (MPEG-4 Part 2, MP3, AC-3...) stays a fatal at once,
// without loading the full module. Encrypted streams never get here (DecodeFatal::Encrypted comes first).
DemuxRefusalAction DecideDemuxRefusal(const DemuxRefusal& refusal);

// The reason the worker reports (stats.demuxSwitch) for a switch: the demuxer's, or the declared codec's name.
std::string DemuxSwitchReason(const DemuxRefusal& refusal);

} // namespace livescope
