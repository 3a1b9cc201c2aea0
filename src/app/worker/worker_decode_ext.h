// The decoder module split (issue 16): the light worker module (demux, AAC, the WebCodecs path; no FFmpeg video
// decoder) drives the full module's wasm VideoDecoder through the worker's JS when it needs one; and HEVC's decoder is a
// module of its own (livescope_decoder_hevc), which the light and the full module drive the same way.
//
// [SECTION] ExternalVideoDecoder (light module: VideoDecoder's interface, the decoding done in the full module)
//
// The light module is the same worker code linked against an FFmpeg codec list without the video decoders
// (src/app/CMakeLists.txt, LIVESCOPE_WORKER_LIGHT). When its video path becomes wasm (a codec the browser refuses, a
// WebCodecs error mid-stream), DecodePipeline holds the packets since the last key frame, asks the worker to load
// the full module (RequestModule), and replays them through it once loaded (DecodePipeline::OnDecoderModuleReady):
// no packet is skipped, so the switch stays at the last independent part, as without the split.
// Packets (the light module's pure-demuxed MediaPackets) go to the full module's ls_vdec_* C API (worker_decode_ext.cpp)
// through web/runtime/player-worker.js's bridge (Module.lsDecoders[module]); decoded pictures are copied back, tightly
// packed I420, into this module's own pool.
//
// [SECTION] WasmVideoDecoder (both worker modules: the wasm path's video decoder, chosen by the stream's codec)
//
// Which module decodes a codec is WasmDecoderModule's decision (webcodecs.h): the running module's own FFmpeg decoder
// where it has one (the full module's H.264), else a decoder module: livescope_worker (the light module's H.264) or
// livescope_decoder_hevc (HEVC, in either worker module). The codec comes from the demuxed packet's parameters (the init
// segment's, or the first packet's in TS), so a module is asked for only when a stream of its codec needs it.
//
// [SECTION] ExternalAudioDecoder (light module: AudioDecoder's interface, FFmpeg's AAC decoder in the full module)
//
// The light module has no FFmpeg AAC decoder either (its codec list is empty): AAC goes through the browser's
// AudioDecoder, and where that is missing, refuses the stream or fails, the light module loads the full module (the same
// request as the video's) and decodes AAC there through ls_adec_* (resampled there as on FFmpeg's path: the PCM comes
// back interleaved at the output rate). The audio packets stay held meanwhile (DecodePipeline's AudioHeld).
#pragma once

#include <livescope/player/decode/decoders.h>
#include <livescope/player/decode/media_packet.h>
#include <livescope/player/decode/webcodecs.h>

#include <memory>
#include <string>
#include <vector>

namespace livescope {

// [SECTION] ExternalVideoDecoder

class ExternalVideoDecoder
{
public:
    explicit ExternalVideoDecoder(const VideoDecoderConfig& config = {});
    ~ExternalVideoDecoder();
    ExternalVideoDecoder(const ExternalVideoDecoder&) = delete;
    ExternalVideoDecoder& operator=(const ExternalVideoDecoder&) = delete;

    // The decoder module is loaded and its decoder created (the worker set Module.lsDecoders[module]).
    static bool Available(DecoderModule module);
    // Asks the worker to load the decoder module (Module.lsRequestDecoder(module, name); the worker loads each once).
    static void RequestModule(DecoderModule module);
    // Which module the decoder drives (Worker until set).
    void SetModule(DecoderModule module) { Module = module; }

    // As VideoDecoder's: NotConfigured while the full module is not loaded.
    DecodeStatus SendPacket(const MediaPacket& packet);
    DecodeStatus ReceiveFrame(const VideoFrame*& out);
    void ReleaseFrame(const VideoFrame* frame);
    void Flush();

private:
    struct Slot
    {
        std::vector<uint8_t> Buffer;
        VideoFrame Frame;
        bool InUse = false;
    };
    std::vector<Slot> Pool;
    std::string Reason;
    DecoderModule Module = DecoderModule::Worker;
};

// True when `module`'s decoders are here (Own: always; a decoder module: once loaded). Otherwise asks the worker for it
// (once) and says false: the caller holds its packets until the module is ready (DecodePipeline::OnDecoderModuleReady).
bool DecoderModuleReady(DecoderModule module);

// [SECTION] WasmVideoDecoder

class WasmVideoDecoder
{
public:
    explicit WasmVideoDecoder(const VideoDecoderConfig& config = {});

    // Picks the decoder for `packet`'s codec: true when it is here, else its module is asked for (DecoderModuleReady).
    bool Ready(const MediaPacket& packet);
    // As VideoDecoder's; frames come from the decoder of the last packet's codec.
    DecodeStatus SendPacket(const MediaPacket& packet);
    DecodeStatus ReceiveFrame(const VideoFrame*& out);
    void ReleaseFrame(const VideoFrame* frame); // either decoder's frame
    void Flush();

private:
    void Pick(const MediaPacket& packet);
#ifndef LIVESCOPE_WORKER_LIGHT
    VideoDecoder Own;
#endif
    ExternalVideoDecoder Ext;
    DecoderModule Current = DecoderModule::Own;
    int CodecId = -1; // the AVCodecID Current was picked for
};

// [SECTION] ExternalAudioDecoder

class ExternalAudioDecoder
{
public:
    explicit ExternalAudioDecoder(const AudioDecoderConfig& config = {});
    ~ExternalAudioDecoder();
    ExternalAudioDecoder(const ExternalAudioDecoder&) = delete;
    ExternalAudioDecoder& operator=(const ExternalAudioDecoder&) = delete;

    // As AudioDecoder's: NotConfigured while the full module is not loaded (ExternalVideoDecoder::Available(Worker)).
    DecodeStatus SendPacket(const MediaPacket& packet);
    DecodeStatus ReceiveSamples(AudioChunk& out);
    void Flush();
    void SetRateFactor(double rate);

private:
    bool Open(); // the full module's decoder, created at the first packet once the module is there
    AudioDecoderConfig Config;
    double Rate = 1.0;
    int Handle = 0; // the full module's ls_adec state (a pointer in its heap), 0 until opened
};

} // namespace livescope
