// Worker decode pipeline: the worker's chunk-oriented adapter over livescope::player_decode (a demuxer, VideoDecoder, AudioDecoder).
//
// [SECTION] Output records
// [SECTION] DecodePipeline
//
// No I/O and no clock reads except the decode-time measurement (a `now_ms` callback the caller passes in).
// Thread: one pipeline is used from one thread (the Worker); it holds no globals.
#pragma once

#include <livescope/player/av/pdt.h>
#include <livescope/player/decode/webcodecs.h>

#include <cstdint>
#include <deque>
#include <optional>
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
    // The pure demuxer refused a stream the full module's FFmpeg demuxer may play (DecideDemuxRefusal): the pipeline stops
    // as for a fatal, and DemuxSwitch() says why; the worker restarts on the full module. Named "unsupported-codec" (with
    // FatalDetail as before) where the worker cannot switch.
    DemuxRefused,
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

// What the browser's VideoDecoder is configured with (VideoDecoderConfig), for one demuxed configuration.
struct WebCodecsConfig
{
    int Generation = -1;
    std::string Codec;                // "avc1.64001f", "hvc1...."
    std::vector<uint8_t> Description; // avcC / hvcC (fMP4); empty for Annex B (TS: parameter sets in band)
    int Width = 0, Height = 0;        // coded size, pixels (0 = unknown)
};

// One encoded video chunk for VideoDecoder.decode (EncodedVideoChunk).
struct WebCodecsChunk
{
    std::vector<uint8_t> Data;
    int64_t Timestamp = 0;  // microseconds (WebCodecsTimeline: the pts)
    int64_t DurationUs = 0; // microseconds, 0 = unknown
    bool Key = false;
    int Generation = -1;
    int Epoch = 0;
};

struct DecodeCounters
{
    int64_t VideoFrames = 0, AudioFrames = 0, Fragments = 0, Errors = 0, SkippedPackets = 0;
    double DecodeMsSum = 0.0; // milliseconds, video only
    // Audio output that starts more than kAudioGapS after the end of the output before it, on the same serial (a lost
    // packet: 1024 samples are 21 ms at 48 kHz); either decode path, and across a switch between them.
    int64_t AudioGaps = 0;
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

    // Starts a part/segment/init. `serial` bumps at discontinuities, jumps and variant switches that do not continue the
    // timeline (decoders are flushed and wait for a key frame); a seamless switch keeps it, and the new init segment's
    // parameters reconfigure the decoder at the next key frame. `pdt` = epoch seconds of its start, 0 if unknown.
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
    int AudioOutRate = 48000, AudioOutChannels = 2; // frames per second and channels of AudioOut (SetAudioOutput)
    void ClearAudio() { AudioOut.clear(); }

    // Stream time to PROGRAM-DATE-TIME: the first video frame of each chunk with a PDT is an anchor. Frames'
    // ProgramDateTime and the audio's place in time (fast start) come from it. Cleared by Reset.
    PdtMap Pdts;

    // "pure" (the light module: PureDemuxer) or "ffmpeg" (the full module: FFmpeg's demuxer as MediaPackets).
    static const char* DemuxerName();

    DecodeFatal Fatal = DecodeFatal::None;
    std::string FatalDetail;

    // [SECTION] Demuxer switch (docs/decode.md "The demuxer switch"; the decision is demux_switch.h's)
    // Non-empty once Fatal is DemuxRefused: why the pure demuxer refused the stream ("aac channel configuration 0").
    const std::string& DemuxSwitch() const { return DemuxSwitchWhy; }
    // This pipeline is the one switched to after a refusal (`reason`): a refusal here is the fatal, never a second switch.
    void SetDemuxSwitched(const std::string& reason) { DemuxSwitchedWhy = reason.empty() ? "switched" : reason; }
    // The reason this pipeline's module was switched to (stats.demuxSwitch); "" when it was not.
    const std::string& DemuxSwitched() const { return DemuxSwitchedWhy; }
    DecodeCounters Counters;

    // [SECTION] WebCodecs (the worker's VideoDecoder edge moves chunks and frames; decisions are DecodePathPolicy's)
    // The `decoder` option and whether the worker has VideoDecoder. Call before the first chunk.
    void SetDecoder(DecoderChoice choice, bool webcodecs_available);
    const DecodePathPolicy& Path() const { return Policy; }
    // The configuration to ask VideoDecoder.isConfigSupported about, once per probed configuration; null when none.
    const WebCodecsConfig* TakeQuestion();
    // The configuration chunks of the current generation decode with.
    const WebCodecsConfig& CurrentConfig() const { return WcConfig; }
    // The browser's answer for `generation`: WebCodecs decodes the held packets, or the wasm decoder does.
    void OnWebCodecsSupport(int generation, bool supported);
    // WebCodecs failed: the wasm decoder takes over at once, replaying the packets since the last key frame (frames
    // WebCodecs already output are not shown twice), so the switch costs no stall.
    void OnWebCodecsError(const std::string& reason);
    bool HasWebCodecsChunk() const { return !WcChunks.empty(); }
    const WebCodecsChunk& PeekWebCodecsChunk() const { return WcChunks.front(); }
    void PopWebCodecsChunk() { WcChunks.pop_front(); }
    // A VideoFrame came out of the browser's decoder with `timestamp` (microseconds): the frame's record (Frame null),
    // or nullopt when it must be dropped (unknown timestamp: after a flush, or a stale serial).
    std::optional<DecodedVideo> OnWebCodecsOutput(int64_t timestamp, int width, int height);
    // A decoder module is loaded (worker_decode_ext.h: the full one, or HEVC's): the packets held for it decode now.
    void OnDecoderModuleReady();

    // [SECTION] Audio through the browser's AudioDecoder (decisions: a second DecodePathPolicy; FFmpeg's AAC decoder is
    // the fallback). The PCM comes back through OnAudioOutput and leaves by AudioOut like FFmpeg's.
    // The `decoder` option (same as the video's) and whether the worker has AudioDecoder. Call before the first chunk.
    void SetAudioDecoder(DecoderChoice choice, bool audio_decoder_available);
    const DecodePathPolicy& AudioPath() const { return AudioPolicy; }
    // The audio configuration to ask AudioDecoder.isConfigSupported about (Codec "mp4a.40.N", Description = the
    // AudioSpecificConfig, Width = sample rate, Height = channels), once; null when none.
    const WebCodecsConfig* TakeAudioQuestion();
    const WebCodecsConfig& CurrentAudioConfig() const { return AudioConfig; }
    void OnAudioSupport(int generation, bool supported);
    // AudioDecoder failed (error callback, configure or decode threw, or no output for AudioChunkTracker::kCapacity
    // chunks): FFmpeg decodes the chunks still in flight and everything after, so no audio is lost.
    void OnAudioError(const std::string& reason);
    bool HasAudioChunk() const { return !AudioChunks.empty(); }
    const WebCodecsChunk& PeekAudioChunk() const { return AudioChunks.front(); }
    void PopAudioChunk() { AudioChunks.pop_front(); }
    // AudioData came out with `timestamp` (microseconds): `channels` planes of `frames` float samples at `rate` Hz.
    // Resampled into AudioOut (same format, timestamps and rate factor as FFmpeg's); dropped when stale.
    void OnAudioOutput(int64_t timestamp, const float* const* planes, int channels, int frames, int rate);

private:
    std::string DemuxSwitchWhy, DemuxSwitchedWhy; // see DemuxSwitch(), DemuxSwitched()
    DecodePathPolicy AudioPolicy;
    WebCodecsConfig AudioConfig;
    bool AudioQuestionPending = false;
    std::deque<WebCodecsChunk> AudioChunks;
    int AudioEpoch = 0;

    DecodePathPolicy Policy;
    WebCodecsConfig WcConfig;
    bool QuestionPending = false;
    std::deque<WebCodecsChunk> WcChunks;
    WebCodecsTimeline Timeline;
    int WcEpoch = 0;

    struct Impl;
    Impl* P;
    std::deque<DecodedVideo> Video;
    friend struct Impl;
};

} // namespace livescope
