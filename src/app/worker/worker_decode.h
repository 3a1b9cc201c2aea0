// Worker decode pipeline: the worker's chunk-oriented adapter over livescope::player_decode (Demuxer, VideoDecoder, AudioDecoder).
//
// [SECTION] Output records
// [SECTION] DecodePipeline
//
// No I/O and no clock reads except the decode-time measurement (a `now_ms` callback the caller passes in).
// Thread: one pipeline is used from one thread (the Worker); it holds no globals.
#pragma once

#include <livescope/player/av/pdt.h>

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace livescope {

struct VideoFrame;

// [SECTION] Output records

enum class DecodeFatal
{
    None,
    UnsupportedCodec,  // fired when a stream's codec has no decoder in this build
    Encrypted,         // fired when a sample entry is encv/enca (CENC) or TS packets are scrambled
    UnsupportedPixels, // fired when the decoder outputs a pixel format other than 8-bit 4:2:0
};
const char* DecodeFatalName(DecodeFatal fatal);

struct DecodedVideo
{
    const VideoFrame* Frame = nullptr; // pooled I420 picture owned by the pipeline; valid until PopVideo/Reset
    double Pts = 0.0;                  // seconds, stream time
    double Duration = 0.0;             // seconds, 0 if unknown
    int Serial = 0;
    double ProgramDateTime = 0.0; // epoch seconds of this frame (part PDT + offset), 0 if unknown
    int ColorMatrix = 601;        // 601 or 709
    int FullRange = 0;            // 1 = full (JPEG) range
    double DecodeMs = 0.0;        // milliseconds spent in the decoder for this frame
};

struct DecodeCounters
{
    int64_t VideoFrames = 0, AudioFrames = 0, Fragments = 0, Errors = 0, SkippedPackets = 0;
    double DecodeMsSum = 0.0; // milliseconds, video only
    int Width = 0, Height = 0;
    std::string LastError; // reason of the last recoverable error
};

// [SECTION] DecodePipeline

class DecodePipeline
{
public:
    using NowMsFn = double (*)();
    explicit DecodePipeline(NowMsFn now_ms);
    ~DecodePipeline();
    DecodePipeline(const DecodePipeline&) = delete;
    DecodePipeline& operator=(const DecodePipeline&) = delete;

    // Output audio format: interleaved float32 at `sample_rate` with `channels` (1 or 2).
    void SetAudioOutput(int sample_rate, int channels);
    // Playback rate (1.0 .. 1.25): audio is resampled so it plays this much faster (pitch rises).
    void SetRate(double rate);
    // Video decoding on/off (tab hidden). Turning it on waits for the next key frame.
    void SetVideoEnabled(bool enabled);

    // Starts a part/segment/init. `serial` bumps at discontinuities and variant switches (decoders
    // are flushed and wait for a key frame). `pdt` = epoch seconds of its start, 0 if unknown.
    void BeginChunk(bool is_init, bool is_ts, int serial, double pdt);
    // Bytes of the current chunk, as they arrive. fMP4 fragments are demuxed as soon as a moof+mdat
    // pair is complete; TS is demuxed at EndChunk.
    void Feed(const uint8_t* bytes, size_t size);
    // The current chunk is complete (or aborted when `ok` is false: its tail is dropped).
    void EndChunk(bool ok);
    // Drops buffered bytes and decoder state (after a jump); the next video starts at a key frame.
    void Reset();

    // Decoded video frames waiting to be taken, oldest first.
    bool HasVideo() const { return !Video.empty(); }
    const DecodedVideo& PeekVideo() const { return Video.front(); }
    void PopVideo();
    // Audio produced since the last call: interleaved float32, first sample at AudioPts (seconds,
    // stream time); each output sample advances stream time by AudioRate / sample_rate.
    std::vector<float> AudioOut;
    double AudioPts = 0.0;
    double AudioRate = 1.0;
    int AudioSerial = 0;
    void ClearAudio() { AudioOut.clear(); }

    // Stream time to PROGRAM-DATE-TIME: the first video frame of each chunk with a PDT is an anchor. Frames'
    // ProgramDateTime and the audio's place in time (fast start) come from it. Cleared by Reset.
    PdtMap Pdts;

    DecodeFatal Fatal = DecodeFatal::None;
    std::string FatalDetail;
    DecodeCounters Counters;

private:
    struct Impl;
    Impl* P;
    std::deque<DecodedVideo> Video;
    friend struct Impl;
};

} // namespace livescope
