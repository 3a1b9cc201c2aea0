// Tests for the pure fMP4 demuxer and the pure demuxer facade (src/player/decode/fmp4_demux.cpp, pure_demuxer.cpp) on
// hand-built boxes: every tfhd/trun/tfdt field variant, edit lists, generations, encryption, corrupt input and recovery.
#include <doctest/doctest.h>
#include <livescope/player/decode/demux_switch.h>
#include <livescope/player/decode/fmp4_demux.h>
#include <livescope/player/decode/pure_demuxer.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

using namespace livescope;

namespace {

using Bytes = std::vector<uint8_t>;

void Put8(Bytes& b, uint32_t v) { b.push_back(static_cast<uint8_t>(v)); }
void Put16(Bytes& b, uint32_t v)
{
    Put8(b, v >> 8);
    Put8(b, v);
}
void Put32(Bytes& b, uint32_t v)
{
    Put16(b, v >> 16);
    Put16(b, v);
}
void Put64(Bytes& b, uint64_t v)
{
    Put32(b, static_cast<uint32_t>(v >> 32));
    Put32(b, static_cast<uint32_t>(v));
}
void Append(Bytes& b, const Bytes& more) { b.insert(b.end(), more.begin(), more.end()); }
Bytes Zeros(size_t n) { return Bytes(n, 0); }

Bytes MakeBox(const char* type, const Bytes& payload)
{
    Bytes b;
    Put32(b, static_cast<uint32_t>(payload.size() + 8));
    b.insert(b.end(), type, type + 4);
    Append(b, payload);
    return b;
}
Bytes MakeFullBox(const char* type, uint8_t version, uint32_t flags, const Bytes& payload)
{
    Bytes p;
    Put8(p, version);
    Put8(p, flags >> 16);
    Put16(p, flags & 0xFFFF);
    Append(p, payload);
    return MakeBox(type, p);
}

const Bytes kAvcC = {0x01, 0x64, 0x00, 0x1F, 0xFF, 0xE1, 0x00, 0x04, 0x67, 0x64, 0x00, 0x1F, 0x01, 0x00, 0x02, 0x68, 0xEE};
const Bytes kHvcC = {0x01, 0x01, 0x60, 0x00, 0x00, 0x00, 0x90, 0x00, 0x00, 0x00, 0x00, 0x00, 0x5D, 0xF0, 0x00, 0xFC, 0xFD, 0xF8, 0xF8, 0x00, 0x00, 0x0F, 0x00};
const Bytes kAscLc48kStereo = {0x11, 0x90}; // AAC LC, 48000 Hz, 2 channels

struct TrackSpec
{
    uint32_t Id = 1;
    bool Video = true;
    uint32_t Timescale = 90000;
    const char* Entry = "avc1"; // sample entry type
    Bytes Config = kAvcC;       // avcC/hvcC payload, or the AudioSpecificConfig for mp4a
    int Width = 320, Height = 240;
    uint32_t TrexDuration = 0, TrexSize = 0, TrexFlags = 0;
    uint32_t TrexDescription = 1; // trex default_sample_description_index
    std::optional<std::pair<uint32_t, int64_t>> Elst; // (empty edit in movie ticks, media start)
    std::vector<std::pair<const char*, Bytes>> MoreEntries; // stsd entries after the first: (type, config)
};

Bytes MakeEsds(const Bytes& asc)
{
    Bytes dsi = {0x05, static_cast<uint8_t>(asc.size())};
    Append(dsi, asc);
    Bytes dcd = {0x04, static_cast<uint8_t>(13 + dsi.size()), 0x40, 0x15, 0, 0, 0};
    Append(dcd, Zeros(8));
    Append(dcd, dsi);
    Bytes es = {0x03, static_cast<uint8_t>(3 + dcd.size() + 3), 0x00, 0x01, 0x00};
    Append(es, dcd);
    Append(es, {0x06, 0x01, 0x02});
    return MakeFullBox("esds", 0, 0, es);
}

// One sample entry of stsd: t.Entry with its dimensions or audio fields and t.Config in its configuration box.
Bytes MakeEntry(const TrackSpec& t)
{
    Bytes entry = Zeros(6);
    Put16(entry, 1); // data_reference_index
    if (t.Video)
    {
        Append(entry, Zeros(16));
        Put16(entry, static_cast<uint32_t>(t.Width));
        Put16(entry, static_cast<uint32_t>(t.Height));
        Append(entry, Zeros(50));
        const bool hevc = std::string(t.Entry) == "hvc1" || std::string(t.Entry) == "hev1";
        Append(entry, MakeBox(hevc ? "hvcC" : "avcC", t.Config));
    }
    else
    {
        Append(entry, Zeros(8));
        Put16(entry, 1); // channelcount (the ASC says 2)
        Put16(entry, 16);
        Put32(entry, 0);
        Put32(entry, 44100u << 16); // the ASC says 48000
        Append(entry, MakeEsds(t.Config));
    }
    return MakeBox(t.Entry, entry);
}

Bytes MakeTrak(const TrackSpec& t)
{
    Bytes tkhd;
    Put32(tkhd, 0);
    Put32(tkhd, 0);
    Put32(tkhd, t.Id);
    Append(tkhd, Zeros(68));
    Bytes mdhd;
    Put32(mdhd, 0);
    Put32(mdhd, 0);
    Put32(mdhd, t.Timescale);
    Put32(mdhd, 0);
    Put32(mdhd, 0x55C40000);
    Bytes hdlr;
    Put32(hdlr, 0);
    const std::string handler = t.Video ? "vide" : "soun";
    hdlr.insert(hdlr.end(), handler.begin(), handler.end());
    Append(hdlr, Zeros(13));
    Bytes stsd;
    Put32(stsd, static_cast<uint32_t>(1 + t.MoreEntries.size()));
    Append(stsd, MakeEntry(t));
    for (const auto& [type, config] : t.MoreEntries)
    {
        TrackSpec other = t;
        other.Entry = type;
        other.Config = config;
        Append(stsd, MakeEntry(other));
    }
    const Bytes stbl = MakeBox("stbl", MakeFullBox("stsd", 0, 0, stsd));
    Bytes mdia = MakeFullBox("mdhd", 0, 0, mdhd);
    Append(mdia, MakeFullBox("hdlr", 0, 0, hdlr));
    Append(mdia, MakeBox("minf", stbl));
    Bytes trak = MakeFullBox("tkhd", 0, 3, tkhd);
    if (t.Elst)
    {
        Bytes elst;
        Put32(elst, t.Elst->first ? 2 : 1);
        if (t.Elst->first)
        {
            Put32(elst, t.Elst->first);
            Put32(elst, 0xFFFFFFFF);
            Put32(elst, 0x00010000);
        }
        Put32(elst, 0);
        Put32(elst, static_cast<uint32_t>(t.Elst->second));
        Put32(elst, 0x00010000);
        Append(trak, MakeBox("edts", MakeFullBox("elst", 0, 0, elst)));
    }
    Append(trak, MakeBox("mdia", mdia));
    return MakeBox("trak", trak);
}

Bytes MakeInit(const std::vector<TrackSpec>& tracks)
{
    Bytes ftyp;
    ftyp.insert(ftyp.end(), {'i', 's', 'o', '6', 0, 0, 2, 0, 'i', 's', 'o', '6'});
    Bytes mvhd;
    Put32(mvhd, 0);
    Put32(mvhd, 0);
    Put32(mvhd, 1000);
    Append(mvhd, Zeros(84));
    Bytes moov = MakeFullBox("mvhd", 0, 0, mvhd);
    Bytes mvex;
    for (const TrackSpec& t : tracks)
    {
        Append(moov, MakeTrak(t));
        Bytes trex;
        Put32(trex, t.Id);
        Put32(trex, t.TrexDescription);
        Put32(trex, t.TrexDuration);
        Put32(trex, t.TrexSize);
        Put32(trex, t.TrexFlags);
        Append(mvex, MakeFullBox("trex", 0, 0, trex));
    }
    Append(moov, MakeBox("mvex", mvex));
    Bytes out = MakeBox("ftyp", ftyp);
    Append(out, MakeBox("moov", moov));
    return out;
}

constexpr uint32_t kSync = 0x02000000;    // sample_depends_on = 2 (an I picture)
constexpr uint32_t kNonSync = 0x01010000; // depends on others, sample_is_non_sync_sample

struct SampleSpec
{
    uint32_t Duration = 3000;
    Bytes Data = {1, 2, 3};
    uint32_t Flags = kSync;
    int32_t Cts = 0;
};

enum class BaseMode
{
    Moof,     // tfhd default-base-is-moof, trun data-offset from the moof
    Explicit, // tfhd base-data-offset (from the fragment's first byte), trun data-offset from it
    Implicit, // neither: the first traf's trun has a data-offset from the moof, later trafs continue after it
};

struct TrafSpec
{
    uint32_t Track = 1;
    std::optional<uint64_t> Tfdt = 0;
    bool TfdtV1 = false;
    std::vector<SampleSpec> Samples;
    BaseMode Base = BaseMode::Moof;
    bool PerDuration = true, PerSize = true, PerFlags = true, PerCts = false;
    uint8_t TrunVersion = 0;
    std::optional<uint32_t> FirstFlags;
    std::optional<uint32_t> DefDuration, DefSize, DefFlags; // tfhd defaults
    std::optional<uint32_t> Description;                    // tfhd sample_description_index
    bool Tfhd = true;
    int Truns = 1; // samples split evenly over this many truns (the later ones without data-offset)
};

Bytes MakeMoof(uint32_t seq, const std::vector<TrafSpec>& trafs, size_t moof_size, size_t prefix, size_t mdat_header)
{
    Bytes moof;
    Bytes mfhd;
    Put32(mfhd, seq);
    Append(moof, MakeFullBox("mfhd", 0, 0, mfhd));
    size_t data_pos = 0; // bytes, of this traf's data in the mdat payload
    for (size_t k = 0; k < trafs.size(); ++k)
    {
        const TrafSpec& t = trafs[k];
        Bytes traf;
        uint32_t tf_flags = 0;
        Bytes tfhd;
        Put32(tfhd, t.Track);
        if (t.Base == BaseMode::Explicit)
        {
            tf_flags |= 0x1;
            Put64(tfhd, prefix + moof_size + mdat_header);
        }
        if (t.Description)
        {
            tf_flags |= 0x2;
            Put32(tfhd, *t.Description);
        }
        if (t.DefDuration)
        {
            tf_flags |= 0x8;
            Put32(tfhd, *t.DefDuration);
        }
        if (t.DefSize)
        {
            tf_flags |= 0x10;
            Put32(tfhd, *t.DefSize);
        }
        if (t.DefFlags)
        {
            tf_flags |= 0x20;
            Put32(tfhd, *t.DefFlags);
        }
        if (t.Base == BaseMode::Moof)
            tf_flags |= 0x20000;
        if (t.Tfhd)
            Append(traf, MakeFullBox("tfhd", 0, tf_flags, tfhd));
        if (t.Tfdt)
        {
            Bytes tfdt;
            if (t.TfdtV1)
                Put64(tfdt, *t.Tfdt);
            else
                Put32(tfdt, static_cast<uint32_t>(*t.Tfdt));
            Append(traf, MakeFullBox("tfdt", t.TfdtV1 ? 1 : 0, 0, tfdt));
        }
        const size_t per_run = (t.Samples.size() + static_cast<size_t>(t.Truns) - 1) / static_cast<size_t>(t.Truns);
        for (int run = 0; run < t.Truns; ++run)
        {
            const size_t first = static_cast<size_t>(run) * per_run;
            const size_t last = std::min(t.Samples.size(), first + per_run);
            uint32_t flags = (t.PerDuration ? 0x100 : 0) | (t.PerSize ? 0x200 : 0) | (t.PerFlags ? 0x400 : 0) | (t.PerCts ? 0x800 : 0);
            const bool offset = run == 0 && !(t.Base == BaseMode::Implicit && k > 0);
            if (offset)
                flags |= 0x1;
            if (run == 0 && t.FirstFlags)
                flags |= 0x4;
            Bytes trun;
            Put32(trun, static_cast<uint32_t>(last - first));
            if (offset)
            {
                // From the moof for Moof and Implicit, from the mdat payload for Explicit.
                const size_t from_moof = moof_size + mdat_header + data_pos;
                Put32(trun, static_cast<uint32_t>(t.Base == BaseMode::Explicit ? data_pos : from_moof));
            }
            if (run == 0 && t.FirstFlags)
                Put32(trun, *t.FirstFlags);
            for (size_t i = first; i < last; ++i)
            {
                const SampleSpec& s = t.Samples[i];
                if (t.PerDuration)
                    Put32(trun, s.Duration);
                if (t.PerSize)
                    Put32(trun, static_cast<uint32_t>(s.Data.size()));
                if (t.PerFlags)
                    Put32(trun, s.Flags);
                if (t.PerCts)
                    Put32(trun, static_cast<uint32_t>(s.Cts));
            }
            Append(traf, MakeFullBox("trun", t.TrunVersion, flags, trun));
        }
        for (const SampleSpec& s : t.Samples)
            data_pos += s.Data.size();
        Append(moof, MakeBox("traf", traf));
    }
    return MakeBox("moof", moof);
}

// styp (optional) + moof + mdat (optionally with a 64-bit size) holding every traf's sample bytes in order.
Bytes MakeFragment(uint32_t seq, const std::vector<TrafSpec>& trafs, bool styp = false, bool large_mdat = false)
{
    Bytes prefix;
    if (styp)
        prefix = MakeBox("styp", {'m', 's', 'd', 'h', 0, 0, 0, 0});
    const size_t header = large_mdat ? 16 : 8;
    const size_t moof_size = MakeMoof(seq, trafs, 0, prefix.size(), header).size();
    Bytes out = prefix;
    Append(out, MakeMoof(seq, trafs, moof_size, prefix.size(), header));
    Bytes mdat;
    for (const TrafSpec& t : trafs)
        for (const SampleSpec& s : t.Samples)
            Append(mdat, s.Data);
    if (large_mdat)
    {
        Put32(out, 1);
        out.insert(out.end(), {'m', 'd', 'a', 't'});
        Put64(out, mdat.size() + 16);
        Append(out, mdat);
    }
    else
        Append(out, MakeBox("mdat", mdat));
    return out;
}

struct Got
{
    bool Video = true;
    Bytes Data;
    double Pts = 0, Dts = 0, Duration = 0;
    bool Keyframe = false;
    int Serial = 0;
    int64_t Tag = 0;
    int Generation = 0;
    bool operator==(const Got& o) const
    {
        return Video == o.Video && Data == o.Data && Pts == o.Pts && Dts == o.Dts && Duration == o.Duration &&
               Keyframe == o.Keyframe && Serial == o.Serial && Tag == o.Tag && Generation == o.Generation;
    }
};

struct Drained
{
    std::vector<Got> Packets;
    std::vector<DecodeCode> Errors;
    DecodeCode Last = DecodeCode::Ok;
};

template <class Demux>
Drained Drain(Demux& d)
{
    Drained r;
    MediaPacket p;
    for (int i = 0; i < 100000; ++i)
    {
        const DecodeStatus st = d.ReadPacket(p);
        if (st.Code == DecodeCode::NeedMore || st.Code == DecodeCode::EndOfStream)
        {
            r.Last = st.Code;
            return r;
        }
        if (!st.IsOk())
        {
            r.Errors.push_back(st.Code);
            continue;
        }
        REQUIRE(p.Info != nullptr);
        r.Packets.push_back({p.Info->Video, Bytes(p.Data.begin(), p.Data.end()), p.Pts, p.Dts, p.Duration, p.Keyframe, p.Serial, p.Tag,
                             p.Info->Generation});
    }
    FAIL("the demuxer never said NeedMore");
    return r;
}

Drained DemuxAll(const Bytes& stream, bool end = true)
{
    Fmp4Demux d;
    d.Push(stream, 0, 0);
    if (end)
        d.PushEnd();
    return Drain(d);
}

std::vector<SampleSpec> VideoSamples(int n, uint8_t seed = 0x10)
{
    std::vector<SampleSpec> s;
    for (int i = 0; i < n; ++i)
        s.push_back({3000, Bytes(static_cast<size_t>(5 + i), static_cast<uint8_t>(seed + i)), i == 0 ? kSync : kNonSync, 0});
    return s;
}

TrackSpec AudioTrack(uint32_t id = 2)
{
    TrackSpec a;
    a.Id = id;
    a.Video = false;
    a.Timescale = 48000;
    a.Entry = "mp4a";
    a.Config = kAscLc48kStereo;
    return a;
}

// Offset of the first box type `type` (its fourcc) in `b`.
size_t FindType(const Bytes& b, const std::string& type)
{
    const auto it = std::search(b.begin(), b.end(), type.begin(), type.end());
    REQUIRE(it != b.end());
    return static_cast<size_t>(it - b.begin());
}

Bytes Cat(std::initializer_list<Bytes> parts)
{
    Bytes out;
    for (const Bytes& p : parts)
        Append(out, p);
    return out;
}

} // namespace

TEST_SUITE_BEGIN("player_decode/fmp4_demux");

TEST_CASE("an init segment and a video fragment give one packet per sample with its bytes, times and key flag")
{
    TrafSpec v;
    v.Tfdt = 90000;
    v.Samples = VideoSamples(3);
    const Drained r = DemuxAll(Cat({MakeInit({TrackSpec{}}), MakeFragment(1, {v})}));
    CHECK(r.Errors.empty());
    CHECK(r.Last == DecodeCode::EndOfStream);
    REQUIRE(r.Packets.size() == 3);
    for (size_t i = 0; i < 3; ++i)
    {
        CHECK(r.Packets[i].Data == v.Samples[i].Data);
        CHECK(r.Packets[i].Dts == doctest::Approx(1.0 + static_cast<double>(i) * 3000 / 90000));
        CHECK(r.Packets[i].Pts == r.Packets[i].Dts);
        CHECK(r.Packets[i].Duration == doctest::Approx(3000.0 / 90000));
        CHECK(r.Packets[i].Keyframe == (i == 0));
        CHECK(r.Packets[i].Video);
        CHECK(r.Packets[i].Generation == 1);
    }
}

TEST_CASE("the stream parameters come from the sample entries: avcC, dimensions, the AudioSpecificConfig's rate and channels")
{
    TrafSpec v;
    v.Samples = VideoSamples(1);
    Fmp4Demux d;
    d.Push(Cat({MakeInit({TrackSpec{}, AudioTrack()}), MakeFragment(1, {v})}), 0);
    CHECK(d.VideoStream() == nullptr);
    const Drained r = Drain(d);
    REQUIRE(d.VideoStream() != nullptr);
    REQUIRE(d.AudioStream() != nullptr);
    const MediaStreamInfo& vi = *d.VideoStream();
    CHECK(vi.Codec == MediaCodec::H264);
    CHECK(vi.Extradata == kAvcC);
    CHECK(vi.Width == 320);
    CHECK(vi.Height == 240);
    CHECK(vi.Timescale == 90000);
    CHECK_FALSE(vi.AnnexB);
    const MediaStreamInfo& ai = *d.AudioStream();
    CHECK_FALSE(ai.Video);
    CHECK(ai.Codec == MediaCodec::Aac);
    CHECK(ai.Extradata == kAscLc48kStereo);
    CHECK(ai.SampleRate == 48000); // the ASC wins over the entry's 44100
    CHECK(ai.Channels == 2);       // and over the entry's 1
    CHECK(ai.Timescale == 48000);
    CHECK(r.Packets.size() == 1);
}

TEST_CASE("hvc1 and hev1 entries are HEVC with the hvcC payload; an unknown entry is MediaCodec::Unknown")
{
    for (const char* entry : {"hvc1", "hev1"})
    {
        TrackSpec t;
        t.Entry = entry;
        t.Config = kHvcC;
        TrafSpec v;
        v.Samples = VideoSamples(2);
        Fmp4Demux d;
        d.Push(Cat({MakeInit({t}), MakeFragment(1, {v})}), 0);
        CHECK(Drain(d).Packets.size() == 2);
        REQUIRE(d.VideoStream() != nullptr);
        CHECK(d.VideoStream()->Codec == MediaCodec::Hevc);
        CHECK(d.VideoStream()->Extradata == kHvcC);
    }
    TrackSpec t;
    t.Entry = "mp4v";
    TrafSpec v;
    v.Samples = VideoSamples(2);
    PureDemuxer pd;
    pd.Push(Cat({MakeInit({t}), MakeFragment(1, {v})}), 0);
    const Drained r = Drain(pd);
    CHECK(r.Packets.size() == 2);
    CHECK(pd.SawUnknownCodec());
}

TEST_CASE("a version 1 trun's negative composition offsets give presentation times before the decode times")
{
    TrafSpec v;
    v.TrunVersion = 1;
    v.PerCts = true;
    v.Tfdt = 0;
    v.Samples = VideoSamples(3);
    v.Samples[0].Cts = 0;
    v.Samples[1].Cts = 6000;
    v.Samples[2].Cts = -3000;
    const Drained r = DemuxAll(Cat({MakeInit({TrackSpec{}}), MakeFragment(1, {v})}));
    REQUIRE(r.Packets.size() == 3);
    CHECK(r.Packets[1].Pts == doctest::Approx(9000.0 / 90000));
    CHECK(r.Packets[2].Dts == doctest::Approx(6000.0 / 90000));
    CHECK(r.Packets[2].Pts == doctest::Approx(3000.0 / 90000));
}

TEST_CASE("a 64-bit tfdt gives the same times as a 32-bit one, and a missing tfdt continues the previous fragment")
{
    TrafSpec a;
    a.Tfdt = 180000;
    a.Samples = VideoSamples(2);
    TrafSpec b = a;
    b.TfdtV1 = true;
    const Drained r32 = DemuxAll(Cat({MakeInit({TrackSpec{}}), MakeFragment(1, {a})}));
    const Drained r64 = DemuxAll(Cat({MakeInit({TrackSpec{}}), MakeFragment(1, {b})}));
    CHECK(r32.Packets == r64.Packets);
    TrafSpec big = b;
    big.Tfdt = (uint64_t{1} << 33) + 90000; // past 32 bits: 95444.6 s
    const Drained rbig = DemuxAll(Cat({MakeInit({TrackSpec{}}), MakeFragment(1, {big})}));
    REQUIRE(rbig.Packets.size() == 2);
    CHECK(rbig.Packets[0].Dts == doctest::Approx(static_cast<double>((uint64_t{1} << 33) + 90000) / 90000));
    TrafSpec next = a;
    next.Tfdt.reset();
    const Drained r = DemuxAll(Cat({MakeInit({TrackSpec{}}), MakeFragment(1, {a}), MakeFragment(2, {next})}));
    REQUIRE(r.Packets.size() == 4);
    CHECK(r.Packets[2].Dts == doctest::Approx((180000.0 + 6000) / 90000));
}

TEST_CASE("default-base-is-moof, an explicit base-data-offset and the implicit base find the same sample bytes")
{
    std::vector<TrafSpec> trafs(2);
    trafs[0].Samples = VideoSamples(3);
    trafs[1].Track = 2;
    trafs[1].Samples = {{1024, {0xA1, 0xA2}, 0, 0}, {1024, {0xB1, 0xB2, 0xB3}, 0, 0}};
    const Bytes init = MakeInit({TrackSpec{}, AudioTrack()});
    const Drained moof = DemuxAll(Cat({init, MakeFragment(1, trafs)}));
    REQUIRE(moof.Packets.size() == 5);
    CHECK(moof.Errors.empty());
    for (BaseMode mode : {BaseMode::Explicit, BaseMode::Implicit})
    {
        std::vector<TrafSpec> t = trafs;
        for (TrafSpec& x : t)
            x.Base = mode;
        for (bool styp : {false, true})
        {
            const Drained r = DemuxAll(Cat({init, MakeFragment(1, t, styp)}));
            CHECK(r.Errors.empty());
            CHECK(r.Packets == moof.Packets);
        }
    }
}

TEST_CASE("an mdat with a 64-bit size gives the same packets")
{
    TrafSpec v;
    v.Samples = VideoSamples(3);
    const Bytes init = MakeInit({TrackSpec{}});
    const Drained small = DemuxAll(Cat({init, MakeFragment(1, {v})}));
    const Drained large = DemuxAll(Cat({init, MakeFragment(1, {v}, false, true)}));
    CHECK(large.Errors.empty());
    REQUIRE(small.Packets.size() == 3);
    CHECK(large.Packets == small.Packets);
}

TEST_CASE("several truns of one traf continue where the previous one's data ended")
{
    TrafSpec v;
    v.Samples = VideoSamples(5);
    const Bytes init = MakeInit({TrackSpec{}});
    const Drained one = DemuxAll(Cat({init, MakeFragment(1, {v})}));
    v.Truns = 3;
    const Drained three = DemuxAll(Cat({init, MakeFragment(1, {v})}));
    CHECK(three.Errors.empty());
    REQUIRE(one.Packets.size() == 5);
    CHECK(three.Packets == one.Packets);
}

TEST_CASE("trex defaults apply when neither tfhd nor trun carries a value, and tfhd defaults override them")
{
    TrackSpec t;
    t.TrexDuration = 1500;
    t.TrexSize = 4;
    t.TrexFlags = kNonSync;
    TrafSpec v;
    v.PerDuration = v.PerSize = v.PerFlags = false;
    v.FirstFlags = kSync;
    v.Samples = {{1500, {1, 1, 1, 1}, 0, 0}, {1500, {2, 2, 2, 2}, 0, 0}, {1500, {3, 3, 3, 3}, 0, 0}};
    Drained r = DemuxAll(Cat({MakeInit({t}), MakeFragment(1, {v})}));
    REQUIRE(r.Packets.size() == 3);
    CHECK(r.Packets[2].Data == Bytes{3, 3, 3, 3});
    CHECK(r.Packets[1].Dts == doctest::Approx(1500.0 / 90000));
    CHECK(r.Packets[0].Keyframe); // first-sample-flags
    CHECK_FALSE(r.Packets[1].Keyframe);
    CHECK_FALSE(r.Packets[2].Keyframe);

    v.DefDuration = 2000;
    v.DefSize = 2;
    v.DefFlags = kSync;
    v.FirstFlags.reset();
    v.Samples = {{2000, {1, 1}, 0, 0}, {2000, {2, 2}, 0, 0}};
    r = DemuxAll(Cat({MakeInit({t}), MakeFragment(1, {v})}));
    REQUIRE(r.Packets.size() == 2);
    CHECK(r.Packets[1].Data == Bytes{2, 2});
    CHECK(r.Packets[1].Dts == doctest::Approx(2000.0 / 90000));
    CHECK(r.Packets[1].Keyframe);
}

TEST_CASE("audio packets are always keyframes whatever their sample flags say")
{
    TrafSpec a;
    a.Track = 2;
    a.Samples = {{1024, {1, 2}, kNonSync, 0}, {1024, {3, 4}, kNonSync, 0}};
    const Drained r = DemuxAll(Cat({MakeInit({TrackSpec{}, AudioTrack()}), MakeFragment(1, {a})}));
    REQUIRE(r.Packets.size() == 2);
    CHECK_FALSE(r.Packets[0].Video);
    CHECK(r.Packets[0].Keyframe);
    CHECK(r.Packets[1].Keyframe);
    CHECK(r.Packets[1].Dts == doctest::Approx(1024.0 / 48000));
}

TEST_CASE("two tracks in one moof come out by file position while their times are within a second, else by time")
{
    std::vector<TrafSpec> trafs(2);
    trafs[0].Samples = VideoSamples(3); // 0 .. 0.067 s
    trafs[1].Track = 2;
    trafs[1].Samples = {{1024, {0xA1}, 0, 0}, {1024, {0xA2}, 0, 0}};
    const Bytes init = MakeInit({TrackSpec{}, AudioTrack()});
    Drained r = DemuxAll(Cat({init, MakeFragment(1, trafs)}));
    REQUIRE(r.Packets.size() == 5);
    CHECK(r.Packets[0].Video);
    CHECK(r.Packets[2].Video);
    CHECK_FALSE(r.Packets[3].Video); // the audio data follows the video data in the mdat

    // Audio two seconds earlier than the video: decode time decides.
    trafs[0].Tfdt = 3 * 90000;
    trafs[1].Tfdt = 48000;
    r = DemuxAll(Cat({init, MakeFragment(1, trafs)}));
    REQUIRE(r.Packets.size() == 5);
    CHECK_FALSE(r.Packets[0].Video);
    CHECK_FALSE(r.Packets[1].Video);
    CHECK(r.Packets[2].Video);
}

TEST_CASE("a simple edit list shifts the track's times as libavformat does")
{
    TrackSpec t;
    t.Timescale = 15360;
    t.Elst = std::make_pair(66u, int64_t{1024}); // empty 66 ms, then media from 1024
    TrafSpec v;
    v.Samples = VideoSamples(1);
    v.PerCts = true;
    v.Samples[0].Cts = 1024;
    const Drained r = DemuxAll(Cat({MakeInit({t}), MakeFragment(1, {v})}));
    REQUIRE(r.Packets.size() == 1);
    // time_offset = 1024 - round(66 * 15360 / 1000) = 10 ticks
    CHECK(r.Packets[0].Dts == doctest::Approx(-10.0 / 15360));
    CHECK(r.Packets[0].Pts == doctest::Approx(1014.0 / 15360));
}

namespace {
struct Described
{
    MediaCodec Codec = MediaCodec::Unknown;
    bool Video = true;
    size_t Size = 0;
    double Dts = 0;
    MediaCodec Refused = MediaCodec::Unknown;
    std::string RefusedWhy;
};

// Every packet's codec and refusal (the worker stops at a Codec Unknown one and asks DecideDemuxRefusal).
std::vector<Described> Describe(const Bytes& stream)
{
    Fmp4Demux d;
    d.Push(stream, 0, 0);
    d.PushEnd();
    std::vector<Described> out;
    MediaPacket p;
    for (int i = 0; i < 1000; ++i)
    {
        const DecodeStatus st = d.ReadPacket(p);
        if (st.Code == DecodeCode::EndOfStream)
            return out;
        REQUIRE_MESSAGE(st.IsOk(), st.Reason);
        REQUIRE(p.Info != nullptr);
        CHECK(p.Info->Timescale > 0);
        out.push_back({p.Info->Codec, p.Info->Video, p.Data.size(), p.Dts, p.Info->Refused, p.Info->RefusedWhy});
    }
    FAIL("no EndOfStream");
    return out;
}

DemuxRefusalAction Decide(const Described& g)
{
    DemuxRefusal r;
    r.PureDemuxer = true;
    r.Declared = g.Refused;
    r.Why = g.RefusedWhy;
    return DecideDemuxRefusal(r);
}
} // namespace

TEST_CASE("a fragment naming a sample description of another codec is a refusal naming the track's codec, which switches")
{
    TrackSpec v;
    v.MoreEntries = {{"hvc1", kHvcC}};
    const Bytes init = MakeInit({v, AudioTrack()});
    std::vector<TrafSpec> trafs(2);
    trafs[0].Samples = VideoSamples(3);
    trafs[0].Description = 1;
    trafs[1].Track = 2;
    trafs[1].Samples = {{1024, {0xA1, 0xA2}, 0, 0}, {1024, {0xA3}, 0, 0}};
    const Bytes first = MakeFragment(1, trafs);
    trafs[0].Description = 2; // the hvc1 entry
    for (TrafSpec& t : trafs)
        t.Tfdt = *t.Tfdt + (t.Track == 1 ? 9000 : 2048);
    const Bytes second = MakeFragment(2, trafs);
    const std::vector<Described> got = Describe(Cat({init, first, second}));
    // The first fragment (description 1) plays; in the second the video is one refusal, the audio plays.
    REQUIRE(got.size() == 5 + 1 + 2);
    for (size_t i = 0; i < 5; ++i)
        CHECK(got[i].Codec == (got[i].Video ? MediaCodec::H264 : MediaCodec::Aac));
    std::vector<Described> refusals;
    for (size_t i = 5; i < got.size(); ++i)
    {
        if (got[i].Codec == MediaCodec::Unknown)
            refusals.push_back(got[i]);
        else
            CHECK((!got[i].Video && got[i].Codec == MediaCodec::Aac));
    }
    REQUIRE(refusals.size() == 1);
    CHECK(refusals[0].Video);
    CHECK(refusals[0].Size == 0);
    CHECK(refusals[0].Dts == doctest::Approx(0.1));
    CHECK(refusals[0].Refused == MediaCodec::H264);
    CHECK(refusals[0].RefusedWhy == "fmp4 track 1: sample description 2 of 2 is another codec");
    CHECK(Decide(refusals[0]) == DemuxRefusalAction::SwitchToFull);
}

TEST_CASE("trex's default sample description naming another codec's entry is a refusal too; an AAC track declares AAC")
{
    TrackSpec a = AudioTrack(1);
    a.MoreEntries = {{"ac-3", {}}};
    a.TrexDescription = 2;
    TrafSpec t;
    t.Track = 1;
    t.Samples = {{1024, {0xA1, 0xA2}, 0, 0}, {1024, {0xA3}, 0, 0}};
    const std::vector<Described> got = Describe(Cat({MakeInit({a}), MakeFragment(1, {t})}));
    REQUIRE(got.size() == 1);
    CHECK(got[0].Codec == MediaCodec::Unknown);
    CHECK_FALSE(got[0].Video);
    CHECK(got[0].Refused == MediaCodec::Aac);
    CHECK(Decide(got[0]) == DemuxRefusalAction::SwitchToFull);
    // A tfhd naming the first entry overrides trex's default: it plays.
    t.Description = 1;
    const std::vector<Described> again = Describe(Cat({MakeInit({a}), MakeFragment(1, {t})}));
    REQUIRE(again.size() == 2);
    CHECK(again[0].Codec == MediaCodec::Aac);
}

TEST_CASE("several descriptions of one codec, or an index naming no entry, play with the first entry's parameters, as before")
{
    // FFmpeg's demuxer (5.1) also gives a fragment's samples the first entry's parameters when the entries share a
    // codec (it switches descriptions only through stsc, which fragments do not have): no refusal, nothing to gain.
    Bytes other_avcc = kAvcC;
    other_avcc[3] = 0x28; // another level
    for (const uint32_t index : {2u, 3u, 0u})
    {
        CAPTURE(index);
        TrackSpec v;
        v.MoreEntries = {{"avc1", other_avcc}};
        TrafSpec t;
        t.Samples = VideoSamples(2);
        t.Description = index;
        const std::vector<Described> got = Describe(Cat({MakeInit({v}), MakeFragment(1, {t})}));
        REQUIRE(got.size() == 2);
        for (const Described& g : got)
            CHECK(g.Codec == MediaCodec::H264);
    }
}

TEST_CASE("any split of the pushed bytes gives the same packets, with the tag of the push each fragment starts in")
{
    std::vector<TrafSpec> trafs(2);
    trafs[0].Samples = VideoSamples(2);
    trafs[1].Track = 2;
    trafs[1].Samples = {{1024, {0xA1, 0xA2}, 0, 0}};
    const Bytes init = MakeInit({TrackSpec{}, AudioTrack()});
    const Bytes frag = MakeFragment(1, trafs, true);
    const Bytes stream = Cat({init, frag, frag});
    const Drained whole = DemuxAll(stream);
    REQUIRE(whole.Packets.size() == 6);
    for (size_t cut = 0; cut <= stream.size(); ++cut)
    {
        Fmp4Demux d;
        std::vector<Got> got;
        d.Push(std::span<const uint8_t>(stream.data(), cut), 0, 0);
        Drained a = Drain(d);
        d.Push(std::span<const uint8_t>(stream.data() + cut, stream.size() - cut), 0, 0);
        d.PushEnd();
        Drained b = Drain(d);
        CHECK(a.Errors.empty());
        CHECK(b.Errors.empty());
        got = a.Packets;
        got.insert(got.end(), b.Packets.begin(), b.Packets.end());
        CHECK(got == whole.Packets);
        CHECK(b.Last == DecodeCode::EndOfStream);
    }
    // Byte by byte, each fragment tagged with the push it starts in.
    Fmp4Demux d;
    std::vector<Got> got;
    for (size_t i = 0; i < stream.size(); ++i)
    {
        const int64_t tag = i < init.size() + frag.size() ? 1 : 2;
        d.Push(std::span<const uint8_t>(stream.data() + i, 1), 0, tag);
        const Drained r = Drain(d);
        got.insert(got.end(), r.Packets.begin(), r.Packets.end());
    }
    REQUIRE(got.size() == 6);
    CHECK(got[0].Tag == 1);
    CHECK(got[3].Tag == 2);
    CHECK(d.BufferedBytes() == 0);
}

TEST_CASE("a new init segment with other parameters bumps the generation; the same one again does not")
{
    TrafSpec v;
    v.Samples = VideoSamples(1);
    TrackSpec big;
    big.Width = 1280;
    big.Height = 720;
    const Bytes frag = MakeFragment(1, {v});
    const Drained r = DemuxAll(Cat({MakeInit({TrackSpec{}}), frag, MakeInit({TrackSpec{}}), frag, MakeInit({big}), frag}));
    REQUIRE(r.Packets.size() == 3);
    CHECK(r.Packets[0].Generation == 1);
    CHECK(r.Packets[1].Generation == 1);
    CHECK(r.Packets[2].Generation == 2);
}

TEST_CASE("an encrypted init segment is reported once and its fragments dropped until a clear init segment")
{
    TrackSpec enc;
    enc.Entry = "encv";
    TrafSpec v;
    v.Samples = VideoSamples(2);
    const Bytes frag = MakeFragment(1, {v});
    const Drained r = DemuxAll(Cat({MakeInit({enc}), frag, frag, MakeInit({TrackSpec{}}), frag}));
    REQUIRE(r.Errors.size() == 1);
    CHECK(r.Errors[0] == DecodeCode::UnsupportedFormat);
    CHECK(r.Packets.size() == 2);
}

TEST_CASE("a serial change drops the buffered partial fragment but keeps the init segment")
{
    TrafSpec v;
    v.Samples = VideoSamples(2);
    const Bytes frag = MakeFragment(1, {v});
    Fmp4Demux d;
    d.Push(MakeInit({TrackSpec{}}), 1);
    d.Push(std::span<const uint8_t>(frag.data(), frag.size() / 2), 1);
    CHECK(Drain(d).Packets.empty());
    d.Push(frag, 2);
    const Drained r = Drain(d);
    CHECK(r.Errors.empty());
    REQUIRE(r.Packets.size() == 2);
    CHECK(r.Packets[0].Serial == 2);
    d.Reset();
    d.Push(frag, 3);
    const Drained after_reset = Drain(d);
    REQUIRE(after_reset.Errors.size() == 1); // the init segment went with Reset()
    CHECK(after_reset.Errors[0] == DecodeCode::InvalidData);
}

TEST_CASE("corrupt input gives an error and the next good fragment plays")
{
    TrafSpec v;
    v.Samples = VideoSamples(2);
    const Bytes init = MakeInit({TrackSpec{}});
    const Bytes good = MakeFragment(7, {v});

    SUBCASE("a trun whose samples overflow the mdat")
    {
        TrafSpec bad = v;
        bad.PerSize = false;
        bad.DefSize = 1000;
        const Drained r = DemuxAll(Cat({init, MakeFragment(1, {bad}), good}));
        CHECK(r.Errors == std::vector<DecodeCode>{DecodeCode::InvalidData});
        CHECK(r.Packets.size() == 2);
    }
    SUBCASE("a trun sample count past its own box")
    {
        Bytes bad = MakeFragment(1, {v});
        const size_t trun = FindType(bad, "trun");
        bad[trun + 8] = 0x7F; // sample_count high byte
        const Drained r = DemuxAll(Cat({init, bad, good}));
        CHECK(r.Errors == std::vector<DecodeCode>{DecodeCode::InvalidData});
        CHECK(r.Packets.size() == 2);
    }
    SUBCASE("a traf without tfhd")
    {
        TrafSpec bad = v;
        bad.Tfhd = false;
        const Drained r = DemuxAll(Cat({init, MakeFragment(1, {bad}), good}));
        CHECK(r.Errors == std::vector<DecodeCode>{DecodeCode::InvalidData});
        CHECK(r.Packets.size() == 2);
    }
    SUBCASE("a traf naming a track the init segment lacks")
    {
        TrafSpec bad = v;
        bad.Track = 9;
        const Drained r = DemuxAll(Cat({init, MakeFragment(1, {bad}), good}));
        CHECK(r.Errors == std::vector<DecodeCode>{DecodeCode::InvalidData});
        CHECK(r.Packets.size() == 2);
    }
    SUBCASE("a box of size 0 between fragments")
    {
        Bytes junk = MakeBox("free", Zeros(8));
        junk[3] = 0;
        const Drained r = DemuxAll(Cat({init, good, junk, good}));
        CHECK(r.Errors.size() == 1);
        CHECK(r.Packets.size() == 4);
    }
    SUBCASE("a 64-bit size past the limit")
    {
        Bytes junk = {0, 0, 0, 1, 'f', 'r', 'e', 'e', 0x7F, 0, 0, 0, 0, 0, 0, 0};
        const Drained r = DemuxAll(Cat({init, good, junk, good}));
        CHECK(r.Errors.size() == 1);
        CHECK(r.Packets.size() == 4);
    }
    SUBCASE("a 32-bit size past the limit")
    {
        Bytes junk = {0x40, 0, 0, 0, 'm', 'd', 'a', 't'};
        const Drained r = DemuxAll(Cat({init, good, junk, good}));
        CHECK(r.Errors.size() == 1);
        CHECK(r.Packets.size() == 4);
    }
    SUBCASE("a moof whose child overruns it")
    {
        Bytes bad = MakeFragment(1, {v});
        const size_t traf = FindType(bad, "traf");
        bad[traf - 1] = static_cast<uint8_t>(bad[traf - 1] + 40);
        const Drained r = DemuxAll(Cat({init, bad, good}));
        CHECK(r.Errors == std::vector<DecodeCode>{DecodeCode::InvalidData});
        CHECK(r.Packets.size() == 2);
    }
    SUBCASE("a truncated fragment at the end of the stream")
    {
        const Bytes whole = Cat({init, good, good});
        const Drained r = DemuxAll(Bytes(whole.begin(), whole.end() - 5));
        CHECK(r.Errors == std::vector<DecodeCode>{DecodeCode::InvalidData});
        CHECK(r.Packets.size() == 2);
        CHECK(r.Last == DecodeCode::EndOfStream);
    }
    SUBCASE("complete boxes after the last fragment (a file's mfra) are no error, an incomplete one is")
    {
        const Drained r = DemuxAll(Cat({init, good, MakeBox("mfra", Zeros(16))}));
        CHECK(r.Errors.empty());
        CHECK(r.Packets.size() == 2);
        CHECK(r.Last == DecodeCode::EndOfStream);
        const Bytes cut = MakeBox("mfra", Zeros(16));
        const Drained t = DemuxAll(Cat({init, good, Bytes(cut.begin(), cut.end() - 1)}));
        CHECK(t.Errors == std::vector<DecodeCode>{DecodeCode::InvalidData});
    }
    SUBCASE("a fragment before any init segment")
    {
        const Drained r = DemuxAll(Cat({good, init, good}));
        CHECK(r.Errors == std::vector<DecodeCode>{DecodeCode::InvalidData});
        CHECK(r.Packets.size() == 2);
    }
    SUBCASE("more samples than the per-fragment limit")
    {
        Fmp4Demux d(Fmp4DemuxLimits{16u << 20, 3, 16});
        TrafSpec many = v;
        many.Samples = VideoSamples(4);
        d.Push(Cat({init, MakeFragment(1, {many}), good}), 0);
        const Drained r = Drain(d);
        CHECK(r.Errors == std::vector<DecodeCode>{DecodeCode::InvalidData});
        CHECK(r.Packets.size() == 2);
        CHECK(d.Errors() == 1);
    }
}

TEST_CASE("the pure demuxer detects fMP4 from the first bytes and gives the Fmp4Demux packets")
{
    std::vector<TrafSpec> trafs(2);
    trafs[0].Samples = VideoSamples(2);
    trafs[1].Track = 2;
    trafs[1].Samples = {{1024, {0xA1, 0xA2}, 0, 0}};
    const Bytes stream = Cat({MakeInit({TrackSpec{}, AudioTrack()}), MakeFragment(1, trafs)});
    const Drained want = DemuxAll(stream);
    PureDemuxer d;
    std::vector<Got> got;
    for (size_t i = 0; i < stream.size(); i += 5)
    {
        d.Push(std::span<const uint8_t>(stream.data() + i, std::min<size_t>(5, stream.size() - i)), 0);
        const Drained r = Drain(d);
        CHECK(r.Errors.empty());
        got.insert(got.end(), r.Packets.begin(), r.Packets.end());
    }
    CHECK(d.Container() == ContainerKind::Fmp4);
    CHECK(got == want.Packets);
    CHECK_FALSE(d.SawUnknownCodec());
    d.PushEnd();
    MediaPacket p;
    CHECK(d.ReadPacket(p).Code == DecodeCode::EndOfStream);
    // A new serial keeps the init segment: a bare fragment plays.
    d.Push(MakeFragment(2, trafs), 1);
    const Drained again = Drain(d);
    CHECK(again.Errors.empty());
    CHECK(again.Packets.size() == 3);
}

#if !defined(LIVESCOPE_HAVE_TS_DEMUX)
TEST_CASE("without the pure TS demuxer the facade says MPEG-TS is unsupported so the caller can fall back")
{
    Bytes ts(3 * 188, 0xFF);
    ts[0] = ts[188] = ts[376] = 0x47;
    PureDemuxer d;
    d.Push(ts, 0);
    MediaPacket p;
    CHECK(d.ReadPacket(p).Code == DecodeCode::UnsupportedFormat);
    CHECK(d.Container() == ContainerKind::Ts);
    CHECK(d.ReadPacket(p).Code == DecodeCode::NeedMore);
}
#endif

TEST_SUITE_END();
