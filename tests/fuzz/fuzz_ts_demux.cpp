// libFuzzer target: the pure MPEG-TS demuxer must give the same results for any split of the pushed bytes, stay within
// its memory caps, hand out readable packets only, and never crash or hang (boundaries and serial changes included).
#include <livescope/player/decode/ts_demux.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace {

using namespace livescope;

struct Result
{
    DecodeCode Code = DecodeCode::Ok;
    std::string Reason;
    std::vector<uint8_t> Data;
    double Pts = 0, Dts = 0, Duration = 0;
    bool Key = false, Video = false;
    MediaCodec Codec = MediaCodec::Unknown;
    int Generation = 0;
    int64_t Tag = 0;

    bool operator==(const Result& o) const
    {
        auto same = [](double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; };
        return Code == o.Code && Reason == o.Reason && Data == o.Data && same(Pts, o.Pts) && same(Dts, o.Dts) &&
               same(Duration, o.Duration) && Key == o.Key && Video == o.Video && Codec == o.Codec && Generation == o.Generation &&
               Tag == o.Tag;
    }
};

void Check(bool ok)
{
    if (!ok)
        __builtin_trap();
}

void Drain(TsDemux& d, std::vector<Result>& out)
{
    for (int guard = 0;; ++guard)
    {
        Check(guard < 1000000); // every call hands out a queued result: the queue is finite
        MediaPacket p;
        const DecodeStatus st = d.ReadPacket(p);
        if (st.Code == DecodeCode::NeedMore || st.Code == DecodeCode::EndOfStream)
            return;
        Result r;
        r.Code = st.Code;
        r.Reason = st.Reason;
        if (st.IsOk())
        {
            Check(p.Info != nullptr);
            r.Data.assign(p.Data.begin(), p.Data.end()); // reads every byte: ASan checks the span
            r.Pts = p.Pts;
            r.Dts = p.Dts;
            r.Duration = p.Duration;
            r.Key = p.Keyframe;
            r.Video = p.Info->Video;
            r.Codec = p.Info->Codec;
            r.Generation = p.Info->Generation;
            r.Tag = p.Tag;
            Check(p.Info->Codec != MediaCodec::Unknown || p.Data.empty());
            Check(p.Info->Codec != MediaCodec::Aac || p.Info->Extradata.size() == 2);
        }
        else
            Check(!st.Reason.empty());
        out.push_back(std::move(r));
    }
}

constexpr size_t kBound = kTsMaxBuffered + 2 * kTsMaxPes + 2 * 8192 + 4 * 188; // bytes: the demuxer's caps together

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size < 2)
        return 0;
    const size_t chunk = (static_cast<size_t>(data[0]) << 2) % 701 + 1;
    const uint8_t mode = data[1];
    const std::span<const uint8_t> stream(data + 2, size - 2);

    // One push against pushes of `chunk` bytes (tags by push in both, one tag for all): same results.
    std::vector<Result> whole, split;
    {
        TsDemux d;
        d.Push(stream, 1, 0);
        Check(d.BufferedBytes() <= kBound);
        Drain(d, whole);
        d.PushEnd();
        Drain(d, whole);
        Check(d.BufferedBytes() == 0);
    }
    {
        TsDemux d;
        for (size_t at = 0; at < stream.size(); at += chunk)
        {
            d.Push(stream.subspan(at, std::min(chunk, stream.size() - at)), 1, 0);
            Check(d.BufferedBytes() <= kBound);
            Drain(d, split);
        }
        d.PushEnd();
        Drain(d, split);
    }
    Check(whole == split);

    // Boundaries, serial changes and resets at chunk ends chosen by `mode`: only no crash and the bounds.
    TsDemux d;
    int serial = 0;
    std::vector<Result> any;
    for (size_t at = 0, i = 0; at < stream.size(); at += chunk, ++i)
    {
        d.Push(stream.subspan(at, std::min(chunk, stream.size() - at)), serial, static_cast<int64_t>(i));
        if (((mode >> (i % 8)) & 1) != 0)
            d.PushBoundary();
        if (i % 5 == 4 && (mode & 0x80) != 0)
            ++serial;
        if (i % 7 == 6 && (mode & 0x40) != 0)
            d.Reset();
        Check(d.BufferedBytes() <= kBound);
        Drain(d, any);
    }
    d.PushEnd();
    Drain(d, any);
    return 0;
}
