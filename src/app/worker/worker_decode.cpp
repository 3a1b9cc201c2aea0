// Worker decode pipeline: chunk-oriented adapter over livescope::player_decode (a demuxer + VideoDecoder + AudioDecoder).
//
// [SECTION] Impl (chunk bookkeeping, packet pump, the video path: wasm, probing or WebCodecs)
// [SECTION] DecodePipeline
// [SECTION] WebCodecs
// [SECTION] Audio through AudioDecoder
//
// The demuxing (the light module: the pure fMP4/TS demuxers, no libavformat; the full module: FFmpeg's, behind the same
// MediaPacket interface; docs/decode.md "The module split") and decoding themselves live in src/player/decode (unit-tested and fuzzed), and so do the WebCodecs
// decisions (webcodecs.h: codec strings, DecodePathPolicy, the timestamp map). This file only adds what the Worker needs
// on top: chunk boundaries, serials, fatal detection, per-frame PDT, counters, and the packets kept since the last key
// frame (held while the browser is asked about a codec, replayed through the wasm decoder when WebCodecs fails).

#include "worker_decode.h"

#include <livescope/player/decode/container_scan.h>
#include <livescope/player/decode/decoders.h>
#include <livescope/player/decode/demux_switch.h>
#include <livescope/player/decode/pure_demuxer.h>
#if !defined(LIVESCOPE_WORKER_LIGHT) && !defined(LIVESCOPE_WORKER_PURE_DEMUX)
#include <livescope/player/decode/ffmpeg_media_demuxer.h>
#endif
#include <livescope/player/decode/fmp4_demux.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "worker_decode_ext.h" // the wasm decoder by codec: this module's, or a decoder module's (issue 16)

namespace livescope {

const char* DecodeFatalName(DecodeFatal fatal)
{
    switch (fatal)
    {
        case DecodeFatal::None: return "none";
        case DecodeFatal::UnsupportedCodec: return "unsupported-codec";
        case DecodeFatal::Encrypted: return "encrypted";
        case DecodeFatal::UnsupportedPixels: return "unsupported-pixel-format";
        case DecodeFatal::DemuxRefused: return "unsupported-codec"; // where the worker does not switch: today's fatal
    }
    return "?";
}

// [SECTION] Impl ----------------------------------------------------------------------------------

namespace {
// The demuxer: the light module (the WebCodecs path, issue 16's byte budget) links no libavformat and demuxes with the
// pure demuxers; the full module (the wasm path) with FFmpeg's, which plays more (docs/decode.md "The module split").
// LIVESCOPE_WORKER_PURE_DEMUX builds the full configuration with the pure demuxers (the native tests compare both).
#if defined(LIVESCOPE_WORKER_LIGHT) || defined(LIVESCOPE_WORKER_PURE_DEMUX)
using WorkerDemuxer = PureDemuxer;
constexpr const char* kDemuxerName = "pure";
constexpr bool kPureDemuxer = true; // a refusal may switch to the full module (DecideDemuxRefusal)
#else
using WorkerDemuxer = FfmpegMediaDemuxer;
constexpr const char* kDemuxerName = "ffmpeg";
constexpr bool kPureDemuxer = false;
#endif
constexpr int kPoolFrames = 64;      // pooled pictures; buffers are allocated only when used
constexpr size_t kChunkHistory = 64; // chunks remembered for per-frame PDT
// bytes: the most fMP4 bytes the demuxer may hold waiting for a fragment to complete. A fragment never spans
// more than one part or segment, and HlsSession caps those at 16 MiB (docs/widget-limits.md), so more is junk.
constexpr size_t kMaxDemuxBuffered = 16u << 20;
// Packets kept since the last key frame while WebCodecs decodes (or is being asked about): a GOP of a few seconds.
// Past either bound the GOP is not kept, and a fallback then waits for the next key frame.
constexpr size_t kMaxHeldPackets = 600;    // 20 s at 30 fps
constexpr size_t kMaxHeldBytes = 8u << 20; // bytes
constexpr size_t kMaxWcChunks = 240;       // chunks waiting for the browser's decoder (8 s at 30 fps); past it, dropped
// Audio packets not yet out of the browser's AudioDecoder (held while it is asked about, then in flight): about 11 s of
// 48 kHz AAC. A decoder that outputs nothing for that long counts as failed, and FFmpeg takes over.
constexpr size_t kMaxAudioHeld = AudioChunkTracker::kCapacity;
constexpr double kAudioGapS = 0.015; // seconds: a jump in the audio output counted as a gap (DecodeCounters::AudioGaps)
} // namespace

struct DecodePipeline::Impl
{
    struct ChunkTime
    {
        int64_t Tag = 0;
        double Pdt = 0.0;      // epoch seconds of the chunk's start, 0 if unknown
        double FirstPts = NAN; // seconds, first decoded video pts of the chunk
    };

    DecodePipeline* Owner = nullptr;
    NowMsFn NowMs = nullptr;
    WorkerDemuxer Demux;
    // The parameters of the current video [0] and audio [1] stream, as the pipeline keeps them: a copy per configuration
    // (held packets keep theirs), whose Generation is the pipeline's own count (unique across containers and demuxers).
    std::shared_ptr<MediaStreamInfo> Streams[2];
    const MediaStreamInfo* StreamSource[2] = {nullptr, nullptr}; // the demuxer's record it was copied from
    int StreamSourceGeneration[2] = {-1, -1};
    int Generations = 0;
    WasmVideoDecoder VideoDec{VideoDecoderConfig{kPoolFrames, 1}}; // this module's FFmpeg decoder or a decoder module's, by codec
#ifdef LIVESCOPE_WORKER_LIGHT
    using WasmAudioDecoder = ExternalAudioDecoder; // FFmpeg's AAC decoder is in the full module (issue 16)
    static constexpr bool kOwnAudioDecoder = false;
#else
    using WasmAudioDecoder = AudioDecoder;
    static constexpr bool kOwnAudioDecoder = true;
#endif
    std::unique_ptr<WasmAudioDecoder> AudioDec = std::make_unique<WasmAudioDecoder>();
    std::unique_ptr<PcmResampler> AudioResampler = std::make_unique<PcmResampler>(); // AudioDecoder's PCM, as FFmpeg's
    AudioChunk Pcm;
    std::vector<uint8_t> Pending; // init or TS chunk bytes, handed over at EndChunk
    bool ChunkIsInit = false, ChunkIsTs = false;
    int Serial = 0;
    int DemuxSerial = 0; // bumped to drop the demuxer's buffered bytes (keeps the init segment)
    int64_t ChunkTag = 0;
    std::vector<ChunkTime> Chunks;
    bool VideoEnabled = true, WaitKey = true;
    int VideoGeneration = -1;
    int64_t LastPacketTag = -1;
    double LastVideoPts = NAN; // seconds, for a duration when the container gives none
    double DurationHint = 0.0; // seconds
    int OutRate = 48000, OutChannels = 2;
    double Rate = 1.0;

    // The video path (DecodePathPolicy decides; see webcodecs.h).
    struct HeldPacket
    {
        std::shared_ptr<const MediaStreamInfo> Info; // the pipeline's copy of the packet's stream parameters
        std::vector<uint8_t> Bytes;                  // a copy of the packet's data (the demuxer's is gone at its next read)
        MediaPacket Meta;                            // times, flags, serial, tag (Info and Data: see Packet())
        MediaPacket Packet() const
        {
            MediaPacket p = Meta;
            p.Info = Info.get();
            p.Data = Bytes;
            return p;
        }
    };
    // A copy of `pkt` to hold: its bytes, and its stream parameters shared with the current stream's copy when they are
    // that (a replayed packet of an older configuration gets its own copy).
    HeldPacket Copy(const MediaPacket& pkt) const
    {
        HeldPacket h;
        const std::shared_ptr<MediaStreamInfo>& current = Streams[pkt.Info->Video ? 0 : 1];
        if (current.get() == pkt.Info)
            h.Info = current;
        else
            h.Info = std::make_shared<const MediaStreamInfo>(*pkt.Info);
        h.Bytes.assign(pkt.Data.begin(), pkt.Data.end());
        h.Meta = pkt;
        h.Meta.Info = nullptr;
        h.Meta.Data = {};
        return h;
    }
    std::deque<HeldPacket> Held; // since the last key frame, while WebCodecs decodes or is being asked
    size_t HeldBytes = 0;
    bool HeldValid = false;          // Held starts at a key frame of the current GOP
    bool ConfigPending = true;       // the next key frame opens a new configuration (its codec string)
    std::vector<uint8_t> AnnexBSets; // H.264 Annex B extradata (SPS/PPS), put before key frames that lack them
    bool HasWcOutput = false;        // the last frame WebCodecs output (fallback replay: not shown twice)
    int WcOutSerial = 0;
    double WcOutPts = 0.0; // seconds

    // The audio path (a second DecodePathPolicy): packets not yet out of AudioDecoder, replayed through FFmpeg on a fallback.
    std::deque<HeldPacket> AudioHeld; // oldest first; the front AudioTracker.InFlight() of them were handed to the browser
    AudioChunkTracker AudioTracker;
    int AudioGeneration = -1;
    bool AudioConfigPending = true;
    double NextAudioPts = NAN;   // seconds: the pts of a packet that has none (TS: the frames after the first of a PES)
    double AudioEndPts = NAN;    // seconds: stream time just after the last audio output (AudioGaps)

    ~Impl()
    {
        ClearHeld();
        ClearAudioHeld();
    }
    void ClearAudioHeld()
    {
        AudioHeld.clear();
        AudioTracker.Clear();
        Owner->AudioChunks.clear();
        Owner->AudioEpoch++; // the browser's AudioDecoder is reset before its next chunk
    }
    void ClearHeld()
    {
        Held.clear();
        HeldBytes = 0;
        HeldValid = false;
    }
    bool Hold(const MediaPacket& pkt)
    {
        if (pkt.Keyframe)
        {
            ClearHeld();
            HeldValid = true;
        }
        if (!HeldValid) return false;
        const size_t size = pkt.Data.size();
        if (Held.size() >= kMaxHeldPackets || HeldBytes + size > kMaxHeldBytes)
        {
            ClearHeld();
            return false;
        }
        Held.push_back(Copy(pkt));
        HeldBytes += size;
        return true;
    }

    void Error(const std::string& reason)
    {
        Owner->Counters.Errors++;
        Owner->Counters.LastError = reason;
    }
    void SetFatal(DecodeFatal fatal, const std::string& detail)
    {
        Owner->Fatal = fatal;
        Owner->FatalDetail = detail;
    }
    void DropDemuxBuffer()
    {
        ClearHeld(); // what was held belongs to the bytes being dropped
        ClearAudioHeld();
        Demux.Push({}, ++DemuxSerial, ChunkTag);
    }
    void FlushDecoders()
    {
        VideoDec.Flush();
        AudioDec->Flush();
        AudioResampler->Flush();
        WaitKey = true;
        ClearHeld();
        ClearAudioHeld();
        NextAudioPts = NAN;
        AudioEndPts = NAN;
        // The browser's decoder is reset too (a new epoch), and its frames still in flight are unknown from now on.
        Owner->WcChunks.clear();
        Owner->Timeline.Clear();
        Owner->WcEpoch++;
        HasWcOutput = false;
    }
    ChunkTime* FindChunk(int64_t tag)
    {
        for (ChunkTime& c : Chunks)
            if (c.Tag == tag) return &c;
        return nullptr;
    }

    // A decoded picture of either path: its duration, serial and PDT (the chunk's first frame anchors the chunk's
    // PDT), counted in the stats.
    DecodedVideo MakeVideo(double pts, double duration, int64_t tag, int width, int height, double decode_ms)
    {
        DecodedVideo v;
        v.Pts = std::isfinite(pts) ? pts : 0.0;
        if (std::isfinite(LastVideoPts) && v.Pts > LastVideoPts) DurationHint = v.Pts - LastVideoPts;
        LastVideoPts = v.Pts;
        v.Duration = duration > 0.0 ? duration : DurationHint;
        v.Serial = Serial;
        if (ChunkTime* c = FindChunk(tag))
        {
            // The chunk's first frame anchors its PDT; every frame (and the audio) is placed through the map.
            if (!std::isfinite(c->FirstPts))
            {
                c->FirstPts = v.Pts;
                if (c->Pdt > 0.0) Owner->Pdts.Add(Serial, v.Pts, c->Pdt);
            }
            if (c->Pdt > 0.0) v.ProgramDateTime = Owner->Pdts.PdtAt(Serial, v.Pts).value_or(0.0);
        }
        v.DecodeMs = decode_ms;
        Owner->Counters.VideoFrames++;
        Owner->Counters.DecodeMsSum += decode_ms;
        Owner->Counters.Width = width;
        Owner->Counters.Height = height;
        return v;
    }

    void PushVideo(const VideoFrame* f, double decode_ms)
    {
        DecodedVideo v = MakeVideo(f->Pts, f->Duration, f->Tag, f->Width, f->Height, decode_ms);
        v.Frame = f;
        v.ColorMatrix = (f->Matrix == ColorMatrix::Bt709 && !f->MatrixGuessed) ? 709 : 601;
        v.FullRange = f->Range == ColorRange::Full ? 1 : 0;
        Owner->Video.push_back(v);
    }

    // A new configuration at its first key frame: its codec string and description for WebCodecs, and the path.
    void NewConfig(const MediaPacket& pkt)
    {
        WebCodecsConfig c;
        const MediaStreamInfo& info = *pkt.Info;
        c.Generation = info.Generation;
        AnnexBSets.clear();
        c.Width = info.Width;
        c.Height = info.Height;
        const std::span<const uint8_t> extra(info.Extradata);
        if (info.Codec == MediaCodec::H264)
        {
            if (!info.AnnexB && AvcIsAvcC(extra))
            {
                c.Codec = AvcCodecString(extra);
                c.Description.assign(extra.begin(), extra.end()); // fMP4: length-prefixed samples, avcC describes them
            }
            else
            {
                // TS: Annex B, parameter sets in band: the key frame's SPS/PPS go before a later key frame without them.
                AnnexBSets = AnnexBParameterSets(pkt.Data);
                c.Codec = AvcCodecString(pkt.Data);
            }
        }
        else if (info.Codec == MediaCodec::Hevc && !info.AnnexB && !extra.empty() && extra[0] == 1)
        {
            c.Codec = HevcCodecString(extra); // hvcC (fMP4); HEVC in Annex B stays on wasm
            c.Description.assign(extra.begin(), extra.end());
        }
        // Chunks of the previous configuration not yet taken stay queued (a seamless variant switch keeps the serial): the
        // browser's decoder, still configured for them, decodes them before it is configured anew at this key frame.
        Owner->WcConfig = c;
        Owner->QuestionPending = Owner->Policy.OnConfig(c.Generation, c.Codec) == DecodePath::Probing;
    }

    void QueueChunk(const MediaPacket& pkt)
    {
        if (Owner->WcChunks.size() >= kMaxWcChunks)
        {
            // The browser's decoder takes nothing (stuck): drop and restart at the next key frame.
            Owner->Counters.SkippedPackets += static_cast<int64_t>(Owner->WcChunks.size());
            Owner->WcChunks.clear();
            WaitKey = true;
            return;
        }
        WebCodecsChunk ch;
        const std::span<const uint8_t> data = pkt.Data;
        if (pkt.Keyframe && !AnnexBSets.empty() && !AnnexBHasNal(data, 7)) ch.Data = AnnexBSets; // SPS/PPS before a bare IDR
        ch.Data.insert(ch.Data.end(), data.begin(), data.end());
        WebCodecsChunkMeta meta;
        meta.Pts = std::isfinite(pkt.Pts) ? pkt.Pts : pkt.Dts;
        meta.Duration = pkt.Duration;
        meta.Serial = Serial;
        meta.Tag = pkt.Tag;
        meta.SubmitMs = NowMs();
        ch.Timestamp = Owner->Timeline.Submit(meta);
        ch.DurationUs = pkt.Duration > 0.0 ? std::llround(pkt.Duration * 1e6) : 0;
        ch.Key = pkt.Keyframe;
        ch.Generation = VideoGeneration;
        ch.Epoch = Owner->WcEpoch;
        Owner->WcChunks.push_back(std::move(ch));
    }

    // The light module has no FFmpeg AAC decoder until the full module is loaded: asks for it (once) and says false
    // meanwhile, while the audio packets are held (OnDecoderModuleReady replays them).
    static bool AudioDecoderReady() { return DecoderModuleReady(WasmDecoderModule(MediaCodec::Aac, kOwnAudioDecoder)); }

    // The wasm decoder takes over: the held packets (from the last key frame) are decoded now (where the codec's decoder is
    // in a decoder module, once that is loaded: they stay held until then, VideoDec.Ready asks for it).
    void ReplayHeld()
    {
        if (!Held.empty() && !VideoDec.Ready(Held.front().Packet())) return;
        VideoDec.Flush();
        std::deque<HeldPacket> held;
        held.swap(Held);
        HeldBytes = 0;
        HeldValid = false;
        if (held.empty()) WaitKey = true; // nothing kept: the wasm decoder starts at the next key frame
        for (const HeldPacket& h : held)
            if (Owner->Fatal == DecodeFatal::None) DecodeWasm(h.Packet());
    }

    void DecodeVideo(const MediaPacket& pkt)
    {
        if (!VideoEnabled)
        {
            Owner->Counters.SkippedPackets++;
            return;
        }
        if (pkt.Info->Generation != VideoGeneration)
        {
            VideoGeneration = pkt.Info->Generation;
            WaitKey = true;
        }
        if (WaitKey && !pkt.Keyframe)
        {
            Owner->Counters.SkippedPackets++;
            return;
        }
        WaitKey = false;
        if (ConfigPending || pkt.Info->Generation != Owner->WcConfig.Generation)
        {
            ConfigPending = false;
            NewConfig(pkt);
        }
        switch (Owner->Policy.Path())
        {
            case DecodePath::Wasm: DecodeWasm(pkt); return;
            case DecodePath::Probing:
                if (Hold(pkt)) return;
                // Too much to hold while the browser has not answered: decode on wasm.
                Owner->Policy.OnError("no answer from isConfigSupported");
                ReplayHeld();
                DecodeWasm(pkt);
                return;
            case DecodePath::WebCodecs:
                Hold(pkt); // for a fallback without a stall; a GOP too long to keep is not kept
                QueueChunk(pkt);
                return;
        }
    }

    void DecodeWasm(const MediaPacket& pkt)
    {
        if (!VideoDec.Ready(pkt))
        {
            if (!Hold(pkt)) Owner->Counters.SkippedPackets++; // a GOP too long to keep: from the next key frame
            return;
        }
        const double t0 = NowMs();
        DecodeStatus st = VideoDec.SendPacket(pkt);
        if (st.Code == DecodeCode::UnsupportedCodec)
        {
            SetFatal(DecodeFatal::UnsupportedCodec, st.Reason);
            return;
        }
        if (!st.IsOk())
        {
            Error(st.Reason + " (skipping to the next key frame)");
            WaitKey = true;
            return;
        }
        for (;;)
        {
            const VideoFrame* f = nullptr;
            st = VideoDec.ReceiveFrame(f);
            if (st.Code == DecodeCode::PoolExhausted && !Owner->Video.empty())
            {
                Owner->Counters.SkippedPackets++; // JS fell far behind: the oldest picture goes
                Owner->PopVideo();
                continue;
            }
            if (st.Code == DecodeCode::NeedMore || st.Code == DecodeCode::EndOfStream) break;
            if (st.Code == DecodeCode::UnsupportedCodec)
            {
                SetFatal(DecodeFatal::UnsupportedPixels, st.Reason);
                return;
            }
            if (!st.IsOk())
            {
                Error(st.Reason);
                WaitKey = true;
                break;
            }
            if (std::isfinite(f->Pts) && !FallbackKeepsFrame(Serial, f->Pts, HasWcOutput, WcOutSerial, WcOutPts))
            {
                VideoDec.ReleaseFrame(f); // replayed after a fallback: WebCodecs already output it
                continue;
            }
            PushVideo(f, NowMs() - t0);
        }
    }

    void DecodeAudioWasm(const MediaPacket& pkt)
    {
        if (!AudioDecoderReady())
        {
            // Light module: FFmpeg's AAC decoder comes with the full module; the packets wait for it (ReplayAudio).
            if (!HoldAudio(pkt)) Error("audio: the decoder module is not loaded yet, " + std::to_string(kMaxAudioHeld) + " packets held: skipped");
            return;
        }
        DecodeStatus st = AudioDec->SendPacket(pkt);
        if (st.Code == DecodeCode::UnsupportedCodec)
        {
            SetFatal(DecodeFatal::UnsupportedCodec, st.Reason);
            return;
        }
        if (!st.IsOk())
        {
            Error(st.Reason);
            return;
        }
        for (;;)
        {
            st = AudioDec->ReceiveSamples(Pcm);
            if (st.Code == DecodeCode::NeedMore || st.Code == DecodeCode::EndOfStream) break;
            if (!st.IsOk())
            {
                Error(st.Reason);
                break;
            }
            AppendPcm();
        }
    }

    // PCM of either path (in Pcm) to AudioOut: interleaved float32 at the output rate, the first sample at AudioPts.
    void AppendPcm()
    {
        std::vector<float>& out = Owner->AudioOut;
        if (out.empty())
        {
            Owner->AudioPts = std::isfinite(Pcm.Pts) ? Pcm.Pts : 0.0;
            Owner->AudioRate = Rate;
            Owner->AudioSerial = Serial;
        }
        out.insert(out.end(), Pcm.Samples.begin(), Pcm.Samples.begin() + static_cast<long>(Pcm.Frames) * Pcm.Channels);
        Owner->Counters.AudioFrames++;
        if (Pcm.Frames > 0 && std::isfinite(Pcm.Pts) && Pcm.Rate > 0)
        {
            if (std::isfinite(AudioEndPts) && Pcm.Pts - AudioEndPts > kAudioGapS) Owner->Counters.AudioGaps++;
            AudioEndPts = Pcm.Pts + Pcm.Frames * Rate / Pcm.Rate;
        }
    }

    // [SECTION] Audio through AudioDecoder

    const WebCodecsConfig& AudioConfig() const { return Owner->AudioConfig; }

    // The session's first init segment (fMP4): its AAC track's configuration, read now (Fmp4Demux, the init segment alone),
    // is asked about before the first audio packet, and where the audio path is wasm (no AudioDecoder) the decoder module
    // starts loading now; a refusal starts it at the answer (OnAudioSupport). The first packet's own configuration then
    // finds the answer cached (same codec string), or asks again if it came first. Not for TS (no init segment). Light module
    // only (the full module has FFmpeg's AAC decoder: nothing to load early, and no Fmp4Demux otherwise).
    void AskAudioEarly([[maybe_unused]] std::span<const uint8_t> init)
    {
#ifdef LIVESCOPE_WORKER_LIGHT
        if (AudioGeneration != -1 || Owner->AudioPolicy.Generation() != -1) return; // only before the first audio configuration
        Fmp4Demux probe;
        probe.Push(init, 0);
        MediaPacket none;
        probe.ReadPacket(none); // parses the init segment (then NeedMore: no fragment)
        const MediaStreamInfo* a = probe.AudioStream();
        if (!a || a->Codec != MediaCodec::Aac || a->Extradata.empty() || a->SampleRate <= 0 || a->Channels <= 0) return;
        WebCodecsConfig c;
        c.Generation = -2; // none of the demuxer's (they count from 0): the first packet's configuration is a new one
        c.Description = a->Extradata;
        c.Codec = AacCodecString(c.Description);
        c.Width = a->SampleRate;
        c.Height = a->Channels;
        Owner->AudioConfig = c;
        const DecodePath path = Owner->AudioPolicy.OnConfig(c.Generation, c.Codec);
        Owner->AudioQuestionPending = path == DecodePath::Probing;
        if (path == DecodePath::Wasm) AudioDecoderReady(); // asks for the module that has FFmpeg's AAC decoder, if not here
#endif
    }

    bool HoldAudio(const MediaPacket& pkt)
    {
        if (AudioHeld.size() >= kMaxAudioHeld) return false;
        AudioHeld.push_back(Copy(pkt));
        return true;
    }

    // A new audio configuration: its codec string and AudioSpecificConfig for AudioDecoder, and the path.
    void NewAudioConfig(const MediaPacket& pkt)
    {
        WebCodecsConfig c;
        const MediaStreamInfo& info = *pkt.Info;
        c.Generation = info.Generation;
        if (info.Codec == MediaCodec::Aac)
        {
            // Raw AAC frames from both containers (TS: the pure demuxer strips the ADTS headers and gives the first one's
            // AudioSpecificConfig as extradata; fMP4: the esds AudioSpecificConfig).
            c.Width = info.SampleRate;
            c.Height = info.Channels;
            if (!info.Extradata.empty())
            {
                c.Description = info.Extradata;
                c.Codec = AacCodecString(info.Extradata);
            }
            if (c.Width <= 0 || c.Height <= 0) c.Codec.clear(); // AudioDecoder needs both
        }
        Owner->AudioConfig = c;
        Owner->AudioQuestionPending = Owner->AudioPolicy.OnConfig(c.Generation, c.Codec) == DecodePath::Probing;
    }

    void QueueAudioChunk(const MediaPacket& pkt)
    {
        WebCodecsChunk ch;
        ch.Data.assign(pkt.Data.begin(), pkt.Data.end());
        WebCodecsChunkMeta meta;
        meta.Pts = std::isfinite(pkt.Pts) ? pkt.Pts : pkt.Dts;
        meta.Duration = pkt.Duration;
        meta.Serial = Serial;
        meta.Tag = pkt.Tag;
        meta.SubmitMs = NowMs();
        ch.Timestamp = AudioTracker.Submit(meta);
        ch.DurationUs = pkt.Duration > 0.0 ? std::llround(pkt.Duration * 1e6) : 0;
        ch.Key = true;
        ch.Generation = AudioGeneration;
        ch.Epoch = Owner->AudioEpoch;
        Owner->AudioChunks.push_back(std::move(ch));
    }

    // FFmpeg takes over: the packets not yet out of the browser's decoder are decoded now, so no audio is lost (those
    // of an older configuration, whose codec parameters are gone, excepted). Light module: they stay held (DecodeAudioWasm
    // holds them again) until the full module is loaded, and OnDecoderModuleReady replays them.
    void ReplayAudio()
    {
        std::deque<HeldPacket> held;
        held.swap(AudioHeld);
        ClearAudioHeld();
        AudioResampler->Flush();
        AudioDec->Flush(); // no state left from an earlier stretch on FFmpeg
        for (const HeldPacket& h : held)
            if (Owner->Fatal == DecodeFatal::None && h.Info->Generation == AudioGeneration) DecodeAudioWasm(h.Packet());
    }

    void DecodeAudio(const MediaPacket& demuxed)
    {
        if (demuxed.Info->Generation != AudioGeneration)
        {
            AudioGeneration = demuxed.Info->Generation;
            AudioConfigPending = true;
        }
        if (AudioConfigPending)
        {
            AudioConfigPending = false;
            NewAudioConfig(demuxed);
        }
        // AudioDecoder's chunks need a timestamp each: a packet without one (the pure TS demuxer gives every AAC frame
        // one; this is for a PES without a PTS) follows the one before it.
        MediaPacket pkt = demuxed;
        if (!std::isfinite(pkt.Pts)) pkt.Pts = std::isfinite(NextAudioPts) ? NextAudioPts : pkt.Dts;
        const int rate = AudioConfig().Width;
        const double duration = pkt.Duration > 0.0 ? pkt.Duration : rate > 0 ? 1024.0 / rate
                                                                             : 0.0; // AAC: 1024 samples a frame
        NextAudioPts = std::isfinite(pkt.Pts) ? pkt.Pts + duration : NAN;
        switch (Owner->AudioPolicy.Path())
        {
            case DecodePath::Wasm: DecodeAudioWasm(demuxed); return; // FFmpeg places packets without a pts itself
            case DecodePath::Probing:
                if (HoldAudio(pkt)) return;
                Owner->AudioPolicy.OnError("no answer from isConfigSupported");
                ReplayAudio();
                DecodeAudioWasm(pkt);
                return;
            case DecodePath::WebCodecs:
                if (HoldAudio(pkt))
                {
                    QueueAudioChunk(pkt);
                    return;
                }
                Owner->OnAudioError("no output for " + std::to_string(kMaxAudioHeld) + " chunks");
                DecodeAudioWasm(pkt);
                return;
        }
    }

    // The pipeline's copy of the demuxer's stream record `info` (a new copy, with a new generation, when it changed).
    MediaStreamInfo* Adopt(const MediaStreamInfo& info)
    {
        const int k = info.Video ? 0 : 1;
        if (Streams[k] && StreamSource[k] == &info && StreamSourceGeneration[k] == info.Generation) return Streams[k].get();
        StreamSource[k] = &info;
        StreamSourceGeneration[k] = info.Generation;
        if (!Streams[k] || !Streams[k]->SameParams(info))
        {
            Streams[k] = std::make_shared<MediaStreamInfo>(info);
            Streams[k]->Generation = ++Generations;
        }
        return Streams[k].get();
    }

    // Reads and decodes every packet the demuxer can give now.
    void Pump()
    {
        MediaPacket pkt;
        for (int guard = 0; guard < 100000 && Owner->Fatal == DecodeFatal::None; ++guard)
        {
            const DecodeStatus st = Demux.ReadPacket(pkt);
            if (st.Code == DecodeCode::NeedMore || st.Code == DecodeCode::EndOfStream) return;
            if (st.Code != DecodeCode::Ok)
            {
                Error("demux: " + st.Reason + ", skipped");
                if (st.Code == DecodeCode::InvalidData) continue;
                return;
            }
            if (!pkt.Info) continue;
            if (pkt.Info->Codec == MediaCodec::Unknown)
            {
                // FFmpeg's decoders in the widget are H.264, HEVC and AAC only (and the light module's pure demuxers
                // know no other codec): the stream cannot play. Unless the pure demuxer refused a codec that FFmpeg's
                // demuxer reads (MediaStreamInfo::Refused): the worker switches to the full module (demux_switch.h).
                const std::string detail = std::string("the stream's ") + (pkt.Info->Video ? "video" : "audio") +
                                           " codec is not supported (livescope plays H.264 or HEVC video with AAC audio)";
                DemuxRefusal refusal;
                refusal.PureDemuxer = kPureDemuxer;
                refusal.Switched = !Owner->DemuxSwitchedWhy.empty();
                refusal.Declared = pkt.Info->Refused;
                refusal.Why = pkt.Info->RefusedWhy;
                if (DecideDemuxRefusal(refusal) == DemuxRefusalAction::SwitchToFull)
                {
                    Owner->DemuxSwitchWhy = DemuxSwitchReason(refusal);
                    SetFatal(DecodeFatal::DemuxRefused, detail + " (" + Owner->DemuxSwitchWhy + ")");
                }
                else
                    SetFatal(DecodeFatal::UnsupportedCodec, detail + (refusal.Why.empty() ? "" : " (" + refusal.Why + ")"));
                return;
            }
            pkt.Info = Adopt(*pkt.Info);
            if (pkt.Tag != LastPacketTag)
            {
                LastPacketTag = pkt.Tag;
                Owner->Counters.Fragments++;
            }
            pkt.Serial = Serial; // decoders flush on the pipeline's serial, not on demuxer buffer drops
            if (pkt.Info->Video)
                DecodeVideo(pkt);
            else
                DecodeAudio(pkt);
        }
    }

    void Push(const uint8_t* bytes, size_t size)
    {
        Demux.Push(std::span<const uint8_t>(bytes, size), DemuxSerial, ChunkTag);
    }
};

// [SECTION] DecodePipeline --------------------------------------------------------------------------

DecodePipeline::DecodePipeline(NowMsFn now_ms) : P(new Impl())
{
    P->Owner = this;
    P->NowMs = now_ms;
}

const char* DecodePipeline::DemuxerName() { return kDemuxerName; }

DecodePipeline::~DecodePipeline()
{
    while (!Video.empty()) PopVideo();
    delete P;
}

void DecodePipeline::SetAudioOutput(int sample_rate, int channels)
{
    P->OutRate = std::clamp(sample_rate, 8000, 192000);
    P->OutChannels = std::clamp(channels, 1, 2);
    AudioOutRate = P->OutRate;
    AudioOutChannels = P->OutChannels;
    P->AudioDec = std::make_unique<Impl::WasmAudioDecoder>(AudioDecoderConfig{P->OutRate, P->OutChannels});
    P->AudioDec->SetRateFactor(P->Rate);
    P->AudioResampler = std::make_unique<PcmResampler>(AudioDecoderConfig{P->OutRate, P->OutChannels});
    P->AudioResampler->SetRateFactor(P->Rate);
}

void DecodePipeline::SetRate(double rate)
{
    P->Rate = std::clamp(rate, 0.5, 1.5);
    P->AudioDec->SetRateFactor(P->Rate);
    P->AudioResampler->SetRateFactor(P->Rate);
}

void DecodePipeline::SetVideoEnabled(bool enabled)
{
    if (enabled && !P->VideoEnabled) P->FlushDecoders();
    P->VideoEnabled = enabled;
}

void DecodePipeline::BeginChunk(bool is_init, bool is_ts, int serial, double pdt)
{
    P->Pending.clear();
    P->ChunkIsInit = is_init;
    P->ChunkIsTs = is_ts;
    if (serial != P->Serial)
    {
        P->Serial = serial;
        P->FlushDecoders();
    }
    P->ChunkTag++;
    if (P->Chunks.size() >= kChunkHistory) P->Chunks.erase(P->Chunks.begin());
    P->Chunks.push_back({P->ChunkTag, pdt, NAN});
}

void DecodePipeline::Feed(const uint8_t* bytes, size_t size)
{
    if (Fatal != DecodeFatal::None || size == 0) return;
    if (P->ChunkIsInit || P->ChunkIsTs)
    {
        P->Pending.insert(P->Pending.end(), bytes, bytes + size);
        return;
    }
    P->Push(bytes, size); // fMP4 media: each moof+mdat is decoded as soon as it is complete
    P->Pump();
    if (P->Demux.BufferedBytes() > kMaxDemuxBuffered)
    {
        P->Error("demux: no complete fragment in " + std::to_string(kMaxDemuxBuffered >> 20) + " MiB, dropped");
        P->DropDemuxBuffer();
    }
}

void DecodePipeline::EndChunk(bool ok)
{
    if (Fatal != DecodeFatal::None) return;
    const std::span<const uint8_t> bytes(P->Pending);
    if (P->ChunkIsInit)
    {
        if (ok && !bytes.empty())
        {
            if (Mp4HasEncryption(bytes))
                P->SetFatal(DecodeFatal::Encrypted, "the stream is encrypted (CENC), which livescope does not play");
            else
            {
                P->Push(bytes.data(), bytes.size());
                P->AskAudioEarly(bytes);
            }
        }
    }
    else if (P->ChunkIsTs)
    {
        if (!bytes.empty())
        {
            if (TsIsScrambled(bytes))
            {
                P->SetFatal(DecodeFatal::Encrypted, "the transport stream is scrambled, which livescope does not play");
            }
            else
            {
                P->Push(bytes.data(), bytes.size());
                P->Demux.PushBoundary();
                P->Pump();
            }
        }
    }
    else if (!ok && P->Demux.BufferedBytes() > 0)
    {
        P->Error("part aborted with a partial fragment, tail skipped");
        P->DropDemuxBuffer();
    }
    P->Pending.clear();
}

void DecodePipeline::Reset()
{
    P->Pending.clear();
    while (!Video.empty()) PopVideo();
    AudioOut.clear();
    Pdts.Clear();
    P->DropDemuxBuffer();
    P->FlushDecoders();
}

void DecodePipeline::PopVideo()
{
    P->VideoDec.ReleaseFrame(Video.front().Frame);
    Video.pop_front();
}

// [SECTION] WebCodecs -------------------------------------------------------------------------------

void DecodePipeline::SetDecoder(DecoderChoice choice, bool webcodecs_available)
{
    Policy = DecodePathPolicy({choice, webcodecs_available, 3});
    P->ConfigPending = true;
}

const WebCodecsConfig* DecodePipeline::TakeQuestion()
{
    if (!QuestionPending || Policy.Path() != DecodePath::Probing) return nullptr;
    QuestionPending = false;
    return &WcConfig;
}

void DecodePipeline::OnWebCodecsSupport(int generation, bool supported)
{
    if (Policy.Path() != DecodePath::Probing) return;
    const DecodePath now = Policy.OnSupport(generation, supported);
    if (now == DecodePath::WebCodecs)
    {
        for (const Impl::HeldPacket& h : P->Held) P->QueueChunk(h.Packet());
    }
    else if (now == DecodePath::Wasm)
        P->ReplayHeld();
}

void DecodePipeline::OnWebCodecsError(const std::string& reason)
{
    const DecodePath before = Policy.Path();
    if (Policy.OnError(reason) != DecodePath::Wasm || before == DecodePath::Wasm) return;
    P->Error("WebCodecs: " + reason + " (the wasm decoder takes over from the last key frame)");
    WcChunks.clear();
    Timeline.Clear();
    WcEpoch++;
    P->ReplayHeld();
}

void DecodePipeline::OnDecoderModuleReady()
{
    if (Policy.Path() == DecodePath::Wasm) P->ReplayHeld();
    if (AudioPolicy.Path() == DecodePath::Wasm && !P->AudioHeld.empty()) P->ReplayAudio(); // FFmpeg's AAC decoder is there now
}

std::optional<DecodedVideo> DecodePipeline::OnWebCodecsOutput(int64_t timestamp, int width, int height)
{
    const std::optional<WebCodecsChunkMeta> meta = Timeline.Output(timestamp);
    if (!meta || meta->Serial != P->Serial) return std::nullopt;
    DecodedVideo v = P->MakeVideo(meta->Pts, meta->Duration, meta->Tag, width, height, P->NowMs() - meta->SubmitMs);
    P->HasWcOutput = true;
    P->WcOutSerial = meta->Serial;
    P->WcOutPts = meta->Pts;
    return v;
}

// [SECTION] Audio through AudioDecoder --------------------------------------------------------------

void DecodePipeline::SetAudioDecoder(DecoderChoice choice, bool audio_decoder_available)
{
    AudioPolicy = DecodePathPolicy({choice, audio_decoder_available, 3});
    P->AudioConfigPending = true;
}

const WebCodecsConfig* DecodePipeline::TakeAudioQuestion()
{
    if (!AudioQuestionPending || AudioPolicy.Path() != DecodePath::Probing) return nullptr;
    AudioQuestionPending = false;
    return &AudioConfig;
}

void DecodePipeline::OnAudioSupport(int generation, bool supported)
{
    if (AudioPolicy.Path() != DecodePath::Probing) return;
    const DecodePath now = AudioPolicy.OnSupport(generation, supported);
    if (now == DecodePath::WebCodecs)
    {
        // The held packets not yet handed to the browser (those in flight, of the configuration before, are at the front).
        for (size_t i = P->AudioTracker.InFlight(); i < P->AudioHeld.size(); ++i) P->QueueAudioChunk(P->AudioHeld[i].Packet());
    }
    else if (now == DecodePath::Wasm)
    {
        P->ReplayAudio();
        Impl::AudioDecoderReady(); // refused: the module with FFmpeg's AAC decoder loads now, even with no packet held yet
    }
}

void DecodePipeline::OnAudioError(const std::string& reason)
{
    const DecodePath before = AudioPolicy.Path();
    if (AudioPolicy.OnError(reason) != DecodePath::Wasm || before == DecodePath::Wasm) return;
    P->Error("AudioDecoder: " + reason + " (FFmpeg's AAC decoder takes over)");
    P->ReplayAudio();
}

void DecodePipeline::OnAudioOutput(int64_t timestamp, const float* const* planes, int channels, int frames, int rate)
{
    const AudioChunkTracker::Output o = P->AudioTracker.OnOutput(timestamp);
    for (size_t i = 0; i < o.Done && !P->AudioHeld.empty(); ++i)
    {
        P->AudioHeld.pop_front();
    }
    if (!o.Meta || o.Meta->Serial != P->Serial || AudioPolicy.Path() == DecodePath::Wasm) return;
    const DecodeStatus st = P->AudioResampler->Convert(planes, channels, frames, rate, o.Meta->Pts, P->Pcm);
    if (!st.IsOk())
    {
        P->Error("AudioDecoder output: " + st.Reason);
        return;
    }
    P->AppendPcm();
}

} // namespace livescope
