// Push-fed demuxer: fMP4 fragments re-opened one at a time behind their init segment, MPEG-TS fed up to PES boundaries.
#include <livescope/player/decode/demuxer.h>
#include <livescope/player/decode/container_scan.h>
#include <livescope/player/decode/tagged_bytes.h>
#include "av_error.h"

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libavutil/log.h>
}

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

// [SECTION] Helpers
// [SECTION] Impl state and AVIO callbacks
// [SECTION] Open/close
// [SECTION] Public API

namespace livescope {

// [SECTION] Helpers ------------------------------------------------------------------------------

namespace {

constexpr int kAvioBufferSize = 32 * 1024;    // bytes
constexpr size_t kTsTrimThreshold = 4u << 20; // bytes consumed before the TS buffer is compacted

bool SameParams(const AVCodecParameters* a, const AVCodecParameters* b)
{
    if (a->codec_type != b->codec_type || a->codec_id != b->codec_id || a->width != b->width || a->height != b->height ||
        a->sample_rate != b->sample_rate || a->ch_layout.nb_channels != b->ch_layout.nb_channels || a->format != b->format ||
        a->extradata_size != b->extradata_size)
        return false;
    return a->extradata_size == 0 || std::memcmp(a->extradata, b->extradata, static_cast<size_t>(a->extradata_size)) == 0;
}

} // namespace

const char* DecodeCodeName(DecodeCode code)
{
    switch (code)
    {
        case DecodeCode::Ok: return "ok";
        case DecodeCode::NeedMore: return "need-more";
        case DecodeCode::EndOfStream: return "end-of-stream";
        case DecodeCode::InvalidData: return "invalid-data";
        case DecodeCode::UnsupportedFormat: return "unsupported-format";
        case DecodeCode::UnsupportedCodec: return "unsupported-codec";
        case DecodeCode::DecodeError: return "decode-error";
        case DecodeCode::PoolExhausted: return "pool-exhausted";
        case DecodeCode::NotConfigured: return "not-configured";
        case DecodeCode::OutOfMemory: return "out-of-memory";
        case DecodeCode::Internal: return "internal";
    }
    return "unknown";
}

void DecodeSetLogLevel(int level) { av_log_set_level(level); }

// [SECTION] Impl state and AVIO callbacks ---------------------------------------------------------

struct Demuxer::Impl : TaggedBytes // the push buffer: Buf[Head..] live, BufBase, Tags (the caller's tags)
{
    ContainerKind Kind = ContainerKind::Unknown;
    int Serial = 0;
    bool SerialSet = false;
    bool Ended = false;
    bool Boundary = false; // PushBoundary() since the last UpdateTsSafe()
    int Errors = 0;

    int64_t FragTag = 0; // tag of the fMP4 fragment being demuxed

    // fMP4: the init segment, and the fragment being demuxed (a virtual file Init + Frag).
    std::vector<uint8_t> Init;
    std::vector<uint8_t> Frag;
    int64_t VPos = 0; // bytes, position in the virtual file

    // TS: logical read position and safe end; the AVIO context's position 0 is at TsOpenOffset.
    int64_t TsOpenOffset = 0;
    int64_t TsRead = 0;
    int64_t TsSafe = 0;
    int64_t TsScanned = 0; // logical offset where the next cut scan starts (a packet boundary)
    int64_t TsLastErrorPos = -1;

    AVFormatContext* Fmt = nullptr;
    AVIOContext* Avio = nullptr;
    AVPacket* Pkt = nullptr;
    int StreamVideo = -1;
    int StreamAudio = -1;
    AVCodecParameters* Params[2] = {nullptr, nullptr}; // Video, Audio
    int Generation[2] = {0, 0};

    Impl()
    {
        Pkt = av_packet_alloc();
        Params[0] = avcodec_parameters_alloc();
        Params[1] = avcodec_parameters_alloc();
    }
    ~Impl()
    {
        Close();
        av_packet_free(&Pkt);
        avcodec_parameters_free(&Params[0]);
        avcodec_parameters_free(&Params[1]);
    }

    static int ReadCb(void* opaque, uint8_t* dst, int size)
    {
        auto* self = static_cast<Impl*>(opaque);
        return self->Read(dst, size);
    }
    static int64_t SeekCb(void* opaque, int64_t offset, int whence)
    {
        auto* self = static_cast<Impl*>(opaque);
        return self->Seek(offset, whence);
    }

    int Read(uint8_t* dst, int size)
    {
        if (size <= 0)
            return 0;
        if (Kind == ContainerKind::Fmp4)
        {
            const auto total = static_cast<int64_t>(Init.size() + Frag.size());
            if (VPos >= total)
                return AVERROR_EOF;
            int done = 0;
            while (done < size && VPos < total)
            {
                const bool in_init = VPos < static_cast<int64_t>(Init.size());
                const uint8_t* src = in_init ? Init.data() + VPos : Frag.data() + (VPos - static_cast<int64_t>(Init.size()));
                const int64_t avail = in_init ? static_cast<int64_t>(Init.size()) - VPos : total - VPos;
                const int n = static_cast<int>(std::min<int64_t>(avail, size - done));
                std::memcpy(dst + done, src, static_cast<size_t>(n));
                done += n;
                VPos += n;
            }
            return done;
        }
        // TS: never past the safe end.
        const int64_t avail = TsSafe - TsRead;
        if (avail <= 0)
            return AVERROR_EOF;
        const int n = static_cast<int>(std::min<int64_t>(avail, size));
        std::memcpy(dst, Buf.data() + (TsRead - BufBase), static_cast<size_t>(n));
        TsRead += n;
        return n;
    }

    int64_t Seek(int64_t offset, int whence)
    {
        whence &= ~AVSEEK_FORCE;
        if (Kind == ContainerKind::Fmp4)
        {
            const auto total = static_cast<int64_t>(Init.size() + Frag.size());
            if (whence == AVSEEK_SIZE)
                return total;
            int64_t target = offset;
            if (whence == SEEK_CUR)
                target = VPos + offset;
            else if (whence == SEEK_END)
                target = total + offset;
            else if (whence != SEEK_SET)
                return AVERROR(EINVAL);
            if (target < 0 || target > total)
                return AVERROR(EINVAL);
            VPos = target;
            return VPos;
        }
        if (whence == AVSEEK_SIZE)
            return AVERROR(ENOSYS);
        int64_t target = offset + TsOpenOffset;
        if (whence == SEEK_CUR)
            target = TsRead + offset;
        else if (whence != SEEK_SET)
            return AVERROR(ENOSYS);
        if (target < BufBase || target > TsSafe)
            return AVERROR(EINVAL);
        TsRead = target;
        return TsRead - TsOpenOffset;
    }

    // [SECTION] Open/close ---------------------------------------------------------------------------

    void Close()
    {
        if (Fmt != nullptr)
            avformat_close_input(&Fmt);
        if (Avio != nullptr)
        {
            av_freep(&Avio->buffer);
            avio_context_free(&Avio);
        }
        StreamVideo = -1;
        StreamAudio = -1;
    }

    DecodeStatus Open(const char* format_name, bool seekable)
    {
        Close();
        const AVInputFormat* fmt = av_find_input_format(format_name);
        if (fmt == nullptr)
            return {DecodeCode::UnsupportedFormat, std::string("FFmpeg built without the ") + format_name + " demuxer"};
        auto* buffer = static_cast<uint8_t*>(av_malloc(kAvioBufferSize));
        if (buffer == nullptr)
            return {DecodeCode::OutOfMemory, "avio buffer"};
        Avio = avio_alloc_context(buffer, kAvioBufferSize, 0, this, &Impl::ReadCb, nullptr, &Impl::SeekCb);
        if (Avio == nullptr)
        {
            av_free(buffer);
            return {DecodeCode::OutOfMemory, "avio context"};
        }
        Avio->seekable = seekable ? AVIO_SEEKABLE_NORMAL : 0;
        Fmt = avformat_alloc_context();
        if (Fmt == nullptr)
        {
            Close();
            return {DecodeCode::OutOfMemory, "format context"};
        }
        Fmt->pb = Avio;
        Fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
        const int err = avformat_open_input(&Fmt, nullptr, fmt, nullptr);
        if (err < 0)
        {
            Fmt = nullptr; // freed by avformat_open_input
            Close();
            return {DecodeCode::InvalidData, std::string(format_name) + " open failed: " + AvErrorString(err)};
        }
        MapStreams();
        return {};
    }

    // Picks the first video and first audio stream; TS may add streams while reading.
    void MapStreams()
    {
        for (unsigned i = 0; i < Fmt->nb_streams; ++i)
        {
            const AVCodecParameters* par = Fmt->streams[i]->codecpar;
            if (par->codec_type == AVMEDIA_TYPE_VIDEO && StreamVideo < 0)
                StreamVideo = static_cast<int>(i);
            else if (par->codec_type == AVMEDIA_TYPE_AUDIO && StreamAudio < 0)
                StreamAudio = static_cast<int>(i);
        }
        if (StreamVideo >= 0)
            UpdateParams(0, Fmt->streams[StreamVideo]->codecpar);
        if (StreamAudio >= 0)
            UpdateParams(1, Fmt->streams[StreamAudio]->codecpar);
    }

    void UpdateParams(int k, const AVCodecParameters* par)
    {
        if (Generation[k] > 0 && SameParams(Params[k], par))
            return;
        if (avcodec_parameters_copy(Params[k], par) >= 0)
            ++Generation[k];
    }

    // fMP4: takes the next complete unit off the buffer. Returns Ok when a fragment is open.
    DecodeStatus NextFragment()
    {
        for (;;)
        {
            const Mp4Unit unit = ScanMp4Unit(std::span<const uint8_t>(Buf.data() + Head, Live()));
            if (unit.Kind == Mp4UnitKind::NeedMore)
                return {Ended ? DecodeCode::EndOfStream : DecodeCode::NeedMore, {}};
            const uint8_t* begin = Buf.data() + Head;
            FragTag = TagAt(BufBase + static_cast<int64_t>(Head));
            Head += unit.Size;
            if (unit.Kind == Mp4UnitKind::Corrupt)
            {
                ++Errors;
                return {DecodeCode::InvalidData, unit.Reason};
            }
            if (unit.Kind == Mp4UnitKind::Init)
            {
                Init.assign(begin, begin + unit.Size);
                continue;
            }
            if (Init.empty())
            {
                ++Errors;
                return {DecodeCode::InvalidData, "fMP4 fragment before any init segment"};
            }
            Frag.assign(begin, begin + unit.Size);
            VPos = 0;
            DecodeStatus st = Open("mov", true);
            if (!st.IsOk())
            {
                ++Errors;
                return st;
            }
            return {};
        }
    }

    bool TryDetect()
    {
        const std::span<const uint8_t> live(Buf.data() + Head, Live());
        if (live.empty())
            return false;
        if (live[0] == 0x47)
        {
            if (live.size() < 3 * kTsPacketSize && !Ended)
                return false;
            if (LooksLikeTs(live))
            {
                Kind = ContainerKind::Ts;
                TsRead = TsSafe = TsScanned = BufBase + static_cast<int64_t>(Head);
                return true;
            }
        }
        const BoxHeader h = ReadBoxHeader(live);
        if (h.Status == BoxStatus::NeedMore && !Ended)
            return false;
        Kind = ContainerKind::Fmp4; // invalid headers are handled (skipped) by the fragment scanner
        return true;
    }

    void UpdateTsSafe()
    {
        const int64_t end = BufBase + static_cast<int64_t>(Buf.size());
        if (Ended || Boundary)
        {
            // Whole packets only; a partial packet waits for the rest.
            const int64_t whole = TsScanned + (end - TsScanned) / static_cast<int64_t>(kTsPacketSize) * static_cast<int64_t>(kTsPacketSize);
            TsSafe = std::max(TsSafe, Ended ? end : whole);
            TsScanned = std::max(TsScanned, TsSafe);
            Boundary = false;
            return;
        }
        const std::span<const uint8_t> tail(Buf.data() + (TsScanned - BufBase), static_cast<size_t>(end - TsScanned));
        const TsCut cut = ScanTsCut(tail);
        if (cut.SafeEnd > 0)
        {
            TsSafe = std::max(TsSafe, TsScanned + static_cast<int64_t>(cut.SafeEnd));
            TsScanned = TsSafe;
        }
    }
};

// [SECTION] Public API ---------------------------------------------------------------------------

Demuxer::Demuxer() : P(std::make_unique<Impl>()) {}
Demuxer::~Demuxer() = default;

void Demuxer::Push(std::span<const uint8_t> bytes, int serial, int64_t tag)
{
    if (P->SerialSet && serial != P->Serial)
    {
        // Discontinuity or variant switch: drop the old bytes, keep the init segment (a new one may follow).
        std::vector<uint8_t> init = std::move(P->Init);
        Reset();
        P->Init = std::move(init);
    }
    P->Serial = serial;
    P->SerialSet = true;
    P->Ended = false;
    if (P->Kind == ContainerKind::Fmp4 && P->Head > (1u << 20))
        P->Compact();
    P->Append(bytes, tag);
}

void Demuxer::PushBoundary() { P->Boundary = true; }

void Demuxer::PushEnd() { P->Ended = true; }

void Demuxer::Reset()
{
    P->Close();
    P->Kind = ContainerKind::Unknown;
    P->Buf.clear();
    P->Head = 0;
    P->Init.clear();
    P->Frag.clear();
    P->VPos = 0;
    P->BufBase = P->TsRead = P->TsSafe = P->TsScanned = P->TsOpenOffset = 0;
    P->Tags.clear();
    P->FragTag = 0;
    P->TsLastErrorPos = -1;
    P->Ended = false;
    P->Boundary = false;
}

DecodeStatus Demuxer::ReadPacket(DemuxedPacket& out)
{
    Impl& s = *P;
    if (s.Kind == ContainerKind::Unknown && !s.TryDetect())
        return {s.Ended && s.Live() == 0 ? DecodeCode::EndOfStream : DecodeCode::NeedMore, {}};

    for (int guard = 0; guard < 1000000; ++guard)
    {
        if (s.Kind == ContainerKind::Fmp4 && s.Fmt == nullptr)
        {
            DecodeStatus st = s.NextFragment();
            if (!st.IsOk())
                return st;
        }
        if (s.Kind == ContainerKind::Ts)
        {
            s.UpdateTsSafe();
            if (s.Fmt == nullptr)
            {
                if (s.TsSafe <= s.TsRead)
                    return {s.Ended ? DecodeCode::EndOfStream : DecodeCode::NeedMore, {}};
                s.TsOpenOffset = s.TsRead;
                DecodeStatus st = s.Open("mpegts", false);
                if (!st.IsOk())
                {
                    ++s.Errors;
                    // Drop what was tried; the next push starts a fresh attempt.
                    s.Head = s.Buf.size();
                    s.Compact();
                    s.TsRead = s.TsSafe = s.TsScanned = s.BufBase;
                    return st;
                }
            }
        }

        av_packet_unref(s.Pkt);
        const int err = av_read_frame(s.Fmt, s.Pkt);
        if (err == AVERROR_EOF || (err < 0 && s.Kind == ContainerKind::Ts && s.Avio->eof_reached))
        {
            if (s.Kind == ContainerKind::Fmp4)
            {
                s.Close();
                if (s.Head > (1u << 20))
                    s.Compact();
                continue; // next fragment
            }
            // TS: everything safe was consumed. Clear EOF so reading resumes after the next push.
            s.Avio->eof_reached = 0;
            s.Avio->error = 0;
            if (s.Ended && s.TsRead >= s.BufBase + static_cast<int64_t>(s.Buf.size()))
                return {DecodeCode::EndOfStream, {}};
            if (s.TsRead - s.BufBase > static_cast<int64_t>(kTsTrimThreshold))
            {
                s.Head = static_cast<size_t>(s.TsRead - s.BufBase);
                s.Compact();
            }
            return {DecodeCode::NeedMore, {}};
        }
        if (err < 0)
        {
            ++s.Errors;
            if (s.Kind == ContainerKind::Fmp4)
            {
                s.Close(); // skip the rest of this fragment
                return {DecodeCode::InvalidData, "fMP4 fragment: " + AvErrorString(err)};
            }
            if (s.TsLastErrorPos == s.TsRead)
                return {DecodeCode::NeedMore, {}};
            s.TsLastErrorPos = s.TsRead;
            return {DecodeCode::InvalidData, "MPEG-TS: " + AvErrorString(err)};
        }
        if (s.Kind == ContainerKind::Ts && (s.StreamVideo < 0 || s.StreamAudio < 0))
            s.MapStreams();
        const int idx = s.Pkt->stream_index;
        int k = -1;
        if (idx == s.StreamVideo)
            k = 0;
        else if (idx == s.StreamAudio)
            k = 1;
        if (k < 0)
            continue;
        const AVStream* st = s.Fmt->streams[idx];
        if (s.Kind == ContainerKind::Ts)
            s.UpdateParams(k, st->codecpar);
        const double tb = av_q2d(st->time_base);
        out.Kind = k == 0 ? MediaKind::Video : MediaKind::Audio;
        out.Packet = s.Pkt;
        out.Params = s.Params[k];
        out.ParamsGeneration = s.Generation[k];
        out.Pts = s.Pkt->pts == AV_NOPTS_VALUE ? NAN : static_cast<double>(s.Pkt->pts) * tb;
        out.Dts = s.Pkt->dts == AV_NOPTS_VALUE ? out.Pts : static_cast<double>(s.Pkt->dts) * tb;
        out.Duration = static_cast<double>(s.Pkt->duration) * tb;
        out.Keyframe = (s.Pkt->flags & AV_PKT_FLAG_KEY) != 0;
        out.Serial = s.Serial;
        if (s.Kind == ContainerKind::Fmp4)
            out.Tag = s.FragTag;
        else
            out.Tag = s.TagAt(s.Pkt->pos >= 0 ? s.Pkt->pos + s.TsOpenOffset : s.TsRead);
        return {};
    }
    return {DecodeCode::Internal, "demuxer made no progress"};
}

ContainerKind Demuxer::Container() const { return P->Kind; }
int Demuxer::Serial() const { return P->Serial; }
size_t Demuxer::BufferedBytes() const
{
    if (P->Kind == ContainerKind::Ts)
        return static_cast<size_t>(P->BufBase + static_cast<int64_t>(P->Buf.size()) - P->TsRead);
    return P->Live();
}
int Demuxer::Errors() const { return P->Errors; }

} // namespace livescope
