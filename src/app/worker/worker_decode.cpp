// Worker decode pipeline: chunk-oriented adapter over livescope::player_decode (Demuxer + VideoDecoder + AudioDecoder).
//
// [SECTION] Impl (chunk bookkeeping, packet pump)
// [SECTION] DecodePipeline
//
// The demuxing and decoding themselves live in src/player/decode (unit-tested and fuzzed). This file only
// adds what the Worker needs on top: chunk boundaries, serials, fatal detection, per-frame PDT, counters.

#include "worker_decode.h"

#include <livescope/player/decode/container_scan.h>
#include <livescope/player/decode/decoders.h>
#include <livescope/player/decode/demuxer.h>

#include <algorithm>
#include <cmath>
#include <memory>

namespace livescope {

const char* DecodeFatalName(DecodeFatal fatal)
{
    switch (fatal)
    {
        case DecodeFatal::None: return "none";
        case DecodeFatal::UnsupportedCodec: return "unsupported-codec";
        case DecodeFatal::Encrypted: return "encrypted";
        case DecodeFatal::UnsupportedPixels: return "unsupported-pixel-format";
    }
    return "?";
}

// [SECTION] Impl ----------------------------------------------------------------------------------

namespace {
constexpr int kPoolFrames = 64;      // pooled pictures; buffers are allocated only when used
constexpr size_t kChunkHistory = 64; // chunks remembered for per-frame PDT
// bytes: the most fMP4 bytes the demuxer may hold waiting for a fragment to complete. A fragment never spans
// more than one part or segment, and HlsSession caps those at 16 MiB (docs/widget-limits.md), so more is junk.
constexpr size_t kMaxDemuxBuffered = 16u << 20;
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
    Demuxer Demux;
    VideoDecoder VideoDec{VideoDecoderConfig{kPoolFrames, 1}};
    std::unique_ptr<AudioDecoder> AudioDec = std::make_unique<AudioDecoder>();
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
    void DropDemuxBuffer() { Demux.Push({}, ++DemuxSerial, ChunkTag); }
    void FlushDecoders()
    {
        VideoDec.Flush();
        AudioDec->Flush();
        WaitKey = true;
    }
    ChunkTime* FindChunk(int64_t tag)
    {
        for (ChunkTime& c : Chunks)
            if (c.Tag == tag) return &c;
        return nullptr;
    }

    void PushVideo(const VideoFrame* f, double decode_ms)
    {
        DecodedVideo v;
        v.Frame = f;
        v.Pts = std::isfinite(f->Pts) ? f->Pts : 0.0;
        if (std::isfinite(LastVideoPts) && v.Pts > LastVideoPts) DurationHint = v.Pts - LastVideoPts;
        LastVideoPts = v.Pts;
        v.Duration = f->Duration > 0.0 ? f->Duration : DurationHint;
        v.Serial = Serial;
        if (ChunkTime* c = FindChunk(f->Tag))
        {
            // The chunk's first frame anchors its PDT; every frame (and the audio) is placed through the map.
            if (!std::isfinite(c->FirstPts))
            {
                c->FirstPts = v.Pts;
                if (c->Pdt > 0.0) Owner->Pdts.Add(Serial, v.Pts, c->Pdt);
            }
            if (c->Pdt > 0.0) v.ProgramDateTime = Owner->Pdts.PdtAt(Serial, v.Pts).value_or(0.0);
        }
        v.ColorMatrix = (f->Matrix == ColorMatrix::Bt709 && !f->MatrixGuessed) ? 709 : 601;
        v.FullRange = f->Range == ColorRange::Full ? 1 : 0;
        v.DecodeMs = decode_ms;
        Owner->Counters.VideoFrames++;
        Owner->Counters.DecodeMsSum += decode_ms;
        Owner->Counters.Width = f->Width;
        Owner->Counters.Height = f->Height;
        Owner->Video.push_back(v);
    }

    void DecodeVideo(const DemuxedPacket& pkt)
    {
        if (!VideoEnabled)
        {
            Owner->Counters.SkippedPackets++;
            return;
        }
        if (pkt.ParamsGeneration != VideoGeneration)
        {
            VideoGeneration = pkt.ParamsGeneration;
            WaitKey = true;
        }
        if (WaitKey && !pkt.Keyframe)
        {
            Owner->Counters.SkippedPackets++;
            return;
        }
        WaitKey = false;
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
            PushVideo(f, NowMs() - t0);
        }
    }

    void DecodeAudio(const DemuxedPacket& pkt)
    {
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
            std::vector<float>& out = Owner->AudioOut;
            if (out.empty())
            {
                Owner->AudioPts = std::isfinite(Pcm.Pts) ? Pcm.Pts : 0.0;
                Owner->AudioRate = Rate;
                Owner->AudioSerial = Serial;
            }
            out.insert(out.end(), Pcm.Samples.begin(), Pcm.Samples.begin() + static_cast<long>(Pcm.Frames) * Pcm.Channels);
            Owner->Counters.AudioFrames++;
        }
    }

    // Reads and decodes every packet the demuxer can give now.
    void Pump()
    {
        DemuxedPacket pkt;
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
            if (pkt.Tag != LastPacketTag)
            {
                LastPacketTag = pkt.Tag;
                Owner->Counters.Fragments++;
            }
            pkt.Serial = Serial; // decoders flush on the pipeline's serial, not on demuxer buffer drops
            if (pkt.Kind == MediaKind::Video)
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

DecodePipeline::~DecodePipeline()
{
    while (!Video.empty()) PopVideo();
    delete P;
}

void DecodePipeline::SetAudioOutput(int sample_rate, int channels)
{
    P->OutRate = std::clamp(sample_rate, 8000, 192000);
    P->OutChannels = std::clamp(channels, 1, 2);
    P->AudioDec = std::make_unique<AudioDecoder>(AudioDecoderConfig{P->OutRate, P->OutChannels});
    P->AudioDec->SetRateFactor(P->Rate);
}

void DecodePipeline::SetRate(double rate)
{
    P->Rate = std::clamp(rate, 0.5, 1.5);
    P->AudioDec->SetRateFactor(P->Rate);
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
                P->Push(bytes.data(), bytes.size());
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

} // namespace livescope
