// The pure demuxer facade: container detection (as Demuxer does it), serial handling and dispatch to Fmp4Demux/TsDemux.
#include <livescope/player/decode/pure_demuxer.h>
#include <livescope/player/decode/container_scan.h>
#include <livescope/player/decode/fmp4_demux.h>

// LIVESCOPE_HAVE_TS_DEMUX comes from CMake when ts_demux.cpp is in the tree (a compile flag, so that its arrival
// rebuilds this file: a bare __has_include would leave a stale object behind in an existing build directory).
#if defined(LIVESCOPE_HAVE_TS_DEMUX) && __has_include(<livescope/player/decode/ts_demux.h>)
#include <livescope/player/decode/ts_demux.h>
#define LIVESCOPE_PURE_TS 1
#else
#define LIVESCOPE_PURE_TS 0
#endif

#include <utility>
#include <vector>

namespace livescope {

struct PureDemuxer::Impl
{
    ContainerKind Kind = ContainerKind::Unknown;
    int Serial = 0;
    bool SerialSet = false;
    bool Ended = false;
    bool Boundary = false;
    bool UnknownCodec = false;
    // Bytes held until the container is known: (bytes, tag) in push order. Detection needs at most 3 TS packets.
    std::vector<std::pair<std::vector<uint8_t>, int64_t>> Held;
    size_t HeldBytes = 0;
    Fmp4Demux Fmp4;
#if LIVESCOPE_PURE_TS
    TsDemux Ts;
#endif

    // Demuxer::TryDetect's rule: sync bytes at 0, 188 and 376 are MPEG-TS; anything else is fMP4 (whose scanner skips
    // invalid headers). Decides once 3 TS packets or a box header are in, or at PushEnd.
    bool TryDetect()
    {
        std::vector<uint8_t> head;
        for (const auto& [bytes, tag] : Held)
        {
            head.insert(head.end(), bytes.begin(), bytes.end());
            if (head.size() >= 3 * kTsPacketSize)
                break;
        }
        if (head.empty())
            return false;
        if (head[0] == 0x47)
        {
            if (head.size() < 3 * kTsPacketSize && !Ended)
                return false;
            if (LooksLikeTs(head))
            {
                Kind = ContainerKind::Ts;
                return true;
            }
        }
        if (ReadBoxHeader(head).Status == BoxStatus::NeedMore && !Ended)
            return false;
        Kind = ContainerKind::Fmp4;
        return true;
    }

    // Hands the held bytes to the detected demuxer.
    void Release()
    {
        for (auto& [bytes, tag] : Held)
        {
            if (Kind == ContainerKind::Fmp4)
                Fmp4.Push(bytes, Serial, tag);
#if LIVESCOPE_PURE_TS
            else
                Ts.Push(bytes, Serial, tag);
#endif
        }
        Held.clear();
        HeldBytes = 0;
        if (Kind == ContainerKind::Fmp4 && Ended)
            Fmp4.PushEnd();
#if LIVESCOPE_PURE_TS
        if (Kind == ContainerKind::Ts)
        {
            if (Boundary)
                Ts.PushBoundary();
            if (Ended)
                Ts.PushEnd();
        }
#endif
        Boundary = false;
    }
};

PureDemuxer::PureDemuxer() : P(std::make_unique<Impl>()) {}
PureDemuxer::~PureDemuxer() = default;

void PureDemuxer::Push(std::span<const uint8_t> bytes, int serial, int64_t tag)
{
    Impl& s = *P;
    if (s.SerialSet && serial != s.Serial)
    {
        // Discontinuity or variant switch: drop what is buffered and detect again; Fmp4Demux keeps its init segment
        // (its own Push drops its bytes on the new serial).
        s.Kind = ContainerKind::Unknown;
        s.Held.clear();
        s.HeldBytes = 0;
        s.Boundary = false;
#if LIVESCOPE_PURE_TS
        s.Ts.Reset();
#endif
        s.Fmp4.Push({}, serial, tag);
    }
    s.Serial = serial;
    s.SerialSet = true;
    s.Ended = false;
    if (s.Kind == ContainerKind::Fmp4)
    {
        s.Fmp4.Push(bytes, serial, tag);
        return;
    }
#if LIVESCOPE_PURE_TS
    if (s.Kind == ContainerKind::Ts)
    {
        s.Ts.Push(bytes, serial, tag);
        return;
    }
#endif
    if (s.Kind == ContainerKind::Ts || bytes.empty())
        return; // Ts here: no pure TS demuxer in this build (ReadPacket said so), the bytes are dropped
    s.Held.emplace_back(std::vector<uint8_t>(bytes.begin(), bytes.end()), tag);
    s.HeldBytes += bytes.size();
}

void PureDemuxer::PushBoundary()
{
    Impl& s = *P;
#if LIVESCOPE_PURE_TS
    if (s.Kind == ContainerKind::Ts)
    {
        s.Ts.PushBoundary();
        return;
    }
#endif
    if (s.Kind == ContainerKind::Unknown)
        s.Boundary = true;
}

void PureDemuxer::PushEnd()
{
    Impl& s = *P;
    s.Ended = true;
    if (s.Kind == ContainerKind::Fmp4)
        s.Fmp4.PushEnd();
#if LIVESCOPE_PURE_TS
    if (s.Kind == ContainerKind::Ts)
        s.Ts.PushEnd();
#endif
}

void PureDemuxer::Reset()
{
    Impl& s = *P;
    s.Kind = ContainerKind::Unknown;
    s.Held.clear();
    s.HeldBytes = 0;
    s.Ended = false;
    s.Boundary = false;
    s.UnknownCodec = false;
    s.Fmp4.Reset();
#if LIVESCOPE_PURE_TS
    s.Ts.Reset();
#endif
}

DecodeStatus PureDemuxer::ReadPacket(MediaPacket& out)
{
    Impl& s = *P;
    if (s.Kind == ContainerKind::Unknown)
    {
        if (!s.TryDetect())
            return {s.Ended && s.HeldBytes == 0 ? DecodeCode::EndOfStream : DecodeCode::NeedMore, {}};
#if !LIVESCOPE_PURE_TS
        if (s.Kind == ContainerKind::Ts)
        {
            s.Held.clear();
            s.HeldBytes = 0;
            return {DecodeCode::UnsupportedFormat, "MPEG-TS: this build has no pure TS demuxer"};
        }
#endif
        s.Release();
    }
    DecodeStatus st;
    if (s.Kind == ContainerKind::Fmp4)
        st = s.Fmp4.ReadPacket(out);
#if LIVESCOPE_PURE_TS
    else if (s.Kind == ContainerKind::Ts)
        st = s.Ts.ReadPacket(out);
#endif
    else
        st = {s.Ended ? DecodeCode::EndOfStream : DecodeCode::NeedMore, {}};
    if (st.IsOk() && out.Info != nullptr && out.Info->Codec == MediaCodec::Unknown)
        s.UnknownCodec = true;
    return st;
}

ContainerKind PureDemuxer::Container() const { return P->Kind; }
int PureDemuxer::Serial() const { return P->Serial; }
size_t PureDemuxer::BufferedBytes() const
{
    size_t n = P->HeldBytes + P->Fmp4.BufferedBytes();
#if LIVESCOPE_PURE_TS
    n += P->Ts.BufferedBytes();
#endif
    return n;
}
int PureDemuxer::Errors() const
{
    int n = P->Fmp4.Errors();
#if LIVESCOPE_PURE_TS
    n += P->Ts.Errors();
#endif
    return n;
}
bool PureDemuxer::SawUnknownCodec() const { return P->UnknownCodec; }

} // namespace livescope
