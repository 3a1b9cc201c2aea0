// FFmpeg video (H.264/HEVC to pooled I420 frames) and audio (AAC to float PCM via swresample) decoders.
#pragma once

#include <livescope/player/decode/demuxer.h>
#include <livescope/player/decode/media_packet.h>
#include <livescope/player/decode/status.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace livescope {

// [SECTION] Video

enum class ColorMatrix
{
    Bt601,
    Bt709,
};

enum class ColorRange
{
    Limited, // 16..235 luma ("TV")
    Full,    // 0..255 ("PC", JPEG)
};

// One decoded picture, I420 (three 8-bit planes, chroma at half resolution), in a pooled buffer.
// Owned by the VideoDecoder; valid until ReleaseFrame() (or the decoder's destruction).
struct VideoFrame
{
    double Pts = 0.0;      // seconds, stream time (best-effort timestamp)
    double Duration = 0.0; // seconds; 0 if unknown
    int Serial = 0;
    int Width = 0;                                          // pixels
    int Height = 0;                                         // pixels
    const uint8_t* Planes[3] = {nullptr, nullptr, nullptr}; // Y, U, V
    int Strides[3] = {0, 0, 0};                             // bytes per row
    ColorMatrix Matrix = ColorMatrix::Bt709;
    bool MatrixGuessed = false; // the stream did not signal its matrix: Matrix was guessed from the height
    ColorRange Range = ColorRange::Limited;
    bool Keyframe = false;
    int64_t Tag = 0;    // Demuxer::Push() tag of the packet the picture came from
    int PoolIndex = -1; // slot in the decoder's pool
};

struct VideoDecoderConfig
{
    int PoolSize = 8; // frames; the caller may hold at most this many at once
    int Threads = 1;  // decoder threads (1 = single-threaded, as in the wasm build)
};

// Contract: single-threaded. Send packets, then receive frames until NeedMore. Frames come from a
// fixed pool; after the first frame of a given size there is no allocation per frame.
class VideoDecoder
{
public:
    explicit VideoDecoder(const VideoDecoderConfig& config = {});
    ~VideoDecoder();
    VideoDecoder(const VideoDecoder&) = delete;
    VideoDecoder& operator=(const VideoDecoder&) = delete;

    // Opens (or re-opens, when ParamsGeneration changed) the codec for the packet's stream and
    // sends it. UnsupportedCodec if the codec is not H.264/HEVC or absent from this build;
    // DecodeError if the codec rejects the packet (decoding goes on with the next one).
    DecodeStatus SendPacket(const DemuxedPacket& packet);
    // The same from the pure demuxers (PureDemuxer): the codec opens (again) when Info->Generation changes; a stream
    // with MediaCodec::Unknown is UnsupportedCodec. The bytes are copied (with FFmpeg's padding) before decoding.
    DecodeStatus SendPacket(const MediaPacket& packet);
    // Drains the codec at end of stream (the last frames then come out of ReceiveFrame).
    DecodeStatus SendEndOfStream();
    // Ok with `out` pointing into the pool, NeedMore, PoolExhausted or an error value.
    DecodeStatus ReceiveFrame(const VideoFrame*& out);
    // Gives a frame back to the pool.
    void ReleaseFrame(const VideoFrame* frame);
    // Drops queued frames in the codec (seek, discontinuity). Pool frames held by the caller stay valid.
    void Flush();

    int FramesInUse() const;
    int PoolAllocations() const; // times a pool buffer was (re)allocated: stays flat in steady state

private:
    struct Impl;
    std::unique_ptr<Impl> P;
};

// [SECTION] Audio

struct AudioDecoderConfig
{
    int OutRate = 48000; // Hz
    int OutChannels = 2; // 1 (mono) or 2 (stereo), float32 interleaved
};

// Decoded, resampled PCM. Samples is reused between calls (no allocation in steady state).
struct AudioChunk
{
    std::vector<float> Samples; // interleaved; the first Frames * Channels values are valid (capacity is reused)
    int Frames = 0;             // samples per channel
    int Channels = 0;
    int Rate = 0;     // Hz
    double Pts = 0.0; // seconds, stream time of the first sample (NaN if unknown)
    int Serial = 0;
    int64_t Tag = 0; // Demuxer::Push() tag of the packet the samples came from
};

// Contract: single-threaded. Same send/receive pattern as VideoDecoder.
class AudioDecoder
{
public:
    explicit AudioDecoder(const AudioDecoderConfig& config = {});
    ~AudioDecoder();
    AudioDecoder(const AudioDecoder&) = delete;
    AudioDecoder& operator=(const AudioDecoder&) = delete;

    DecodeStatus SendPacket(const DemuxedPacket& packet);
    DecodeStatus SendPacket(const MediaPacket& packet); // as VideoDecoder's (raw AAC frames, AudioSpecificConfig as extradata)
    DecodeStatus SendEndOfStream();
    // Ok with `out` filled (out.Frames may be 0 while the resampler fills up), NeedMore or an error.
    DecodeStatus ReceiveSamples(AudioChunk& out);
    void Flush();
    // Plays `rate` times faster by resampling (pitch follows): 1.0 = off. For latency catch-up.
    void SetRateFactor(double rate);
    double RateFactor() const;

private:
    struct Impl;
    std::unique_ptr<Impl> P;
};

// [SECTION] PcmResampler

// Decoded PCM from elsewhere (the browser's AudioDecoder: planar float32 at the stream's rate) to the same output as
// AudioDecoder's: interleaved float32 at OutRate with OutChannels, the same rate factor for catch-up, the same
// timestamps (the first output sample's stream time, the resampler's delay taken off). Contract: single-threaded.
class PcmResampler
{
public:
    explicit PcmResampler(const AudioDecoderConfig& config = {});
    ~PcmResampler();
    PcmResampler(const PcmResampler&) = delete;
    PcmResampler& operator=(const PcmResampler&) = delete;

    // `channels` planes (1..8) of `frames` float samples each at `rate` Hz, the first at `pts` (seconds, stream time).
    // Ok with `out` filled (out.Frames may be 0 while the resampler fills up), or InvalidData / Internal.
    DecodeStatus Convert(const float* const* planes, int channels, int frames, int rate, double pts, AudioChunk& out);
    // Drops the samples the resampler holds (a seek, a new serial, a switch of decoder).
    void Flush();
    // Plays `rate` times faster by resampling (pitch follows): 1.0 = off. As AudioDecoder::SetRateFactor.
    void SetRateFactor(double rate);

private:
    struct Impl;
    std::unique_ptr<Impl> P;
};

} // namespace livescope
