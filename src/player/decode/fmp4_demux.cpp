// Pure fMP4 demuxer: moov (tracks, sample entries, trex, simple edit lists) and moof/mdat fragments to MediaPackets.
#include <livescope/player/decode/fmp4_demux.h>
#include <livescope/player/decode/container_scan.h>
#include <livescope/player/decode/tagged_bytes.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

// [SECTION] Byte reading
// [SECTION] Init segment (moov)
// [SECTION] Fragment (moof + mdat)
// [SECTION] Impl
// [SECTION] Public API

namespace livescope {

namespace {

// [SECTION] Byte reading ---------------------------------------------------------------------------

// Sequential big-endian reader over a span: reads past the end return 0 and clear Ok.
struct Reader
{
    std::span<const uint8_t> D;
    size_t Pos = 0;
    bool Ok = true;

    size_t Left() const { return D.size() - Pos; }
    bool Need(size_t n)
    {
        if (!Ok || n > Left())
            Ok = false;
        return Ok;
    }
    uint8_t U8() { return Need(1) ? D[Pos++] : 0; }
    uint16_t U16()
    {
        if (!Need(2))
            return 0;
        const uint16_t v = ReadBe16(D.data() + Pos);
        Pos += 2;
        return v;
    }
    uint32_t U24()
    {
        if (!Need(3))
            return 0;
        const uint32_t v = (static_cast<uint32_t>(D[Pos]) << 16) | (static_cast<uint32_t>(D[Pos + 1]) << 8) | D[Pos + 2];
        Pos += 3;
        return v;
    }
    uint32_t U32()
    {
        if (!Need(4))
            return 0;
        const uint32_t v = ReadBe32(D.data() + Pos);
        Pos += 4;
        return v;
    }
    uint64_t U64()
    {
        if (!Need(8))
            return 0;
        const uint64_t v = ReadBe64(D.data() + Pos);
        Pos += 8;
        return v;
    }
    void Skip(size_t n)
    {
        if (Need(n))
            Pos += n;
    }
};

struct Box
{
    uint32_t Type = 0;
    std::span<const uint8_t> Payload;
    size_t Offset = 0; // bytes, of the box header in the span iterated
};

// Calls fn(box) for each child box of `data` (a box payload). False when a header is invalid or a box overruns `data`,
// or when fn returns false. Fewer than 8 trailing bytes (padding some muxers leave) are ignored. Not recursive: the
// callers nest a fixed number of levels.
template <class Fn>
bool ForEachBox(std::span<const uint8_t> data, Fn&& fn)
{
    size_t pos = 0;
    while (data.size() - pos >= 8)
    {
        const BoxHeader h = ReadBoxHeader(data.subspan(pos), BoxHeaderOptions{true, true});
        if (h.Status != BoxStatus::Ok || h.Size > data.size() - pos || h.Size < h.HeaderSize)
            return false;
        Box b;
        b.Type = h.Type;
        b.Payload = data.subspan(pos + h.HeaderSize, static_cast<size_t>(h.Size) - h.HeaderSize);
        b.Offset = pos;
        if (!fn(b))
            return false;
        pos += static_cast<size_t>(h.Size);
    }
    return true;
}

// The first child of type `type`, or an empty optional-like Box (Type 0).
Box FindBox(std::span<const uint8_t> data, uint32_t type)
{
    Box found;
    ForEachBox(data, [&](const Box& b) {
        if (b.Type != type)
            return true;
        found = b;
        return false;
    });
    return found;
}

constexpr uint32_t kTrak = FourCC('t', 'r', 'a', 'k');
constexpr uint32_t kMvhd = FourCC('m', 'v', 'h', 'd');
constexpr uint32_t kMvex = FourCC('m', 'v', 'e', 'x');
constexpr uint32_t kTrex = FourCC('t', 'r', 'e', 'x');
constexpr uint32_t kTkhd = FourCC('t', 'k', 'h', 'd');
constexpr uint32_t kEdts = FourCC('e', 'd', 't', 's');
constexpr uint32_t kElst = FourCC('e', 'l', 's', 't');
constexpr uint32_t kMdia = FourCC('m', 'd', 'i', 'a');
constexpr uint32_t kMdhd = FourCC('m', 'd', 'h', 'd');
constexpr uint32_t kHdlr = FourCC('h', 'd', 'l', 'r');
constexpr uint32_t kMinf = FourCC('m', 'i', 'n', 'f');
constexpr uint32_t kStbl = FourCC('s', 't', 'b', 'l');
constexpr uint32_t kStsd = FourCC('s', 't', 's', 'd');
constexpr uint32_t kMoof = FourCC('m', 'o', 'o', 'f');
constexpr uint32_t kMdat = FourCC('m', 'd', 'a', 't');
constexpr uint32_t kTraf = FourCC('t', 'r', 'a', 'f');
constexpr uint32_t kTfhd = FourCC('t', 'f', 'h', 'd');
constexpr uint32_t kTfdt = FourCC('t', 'f', 'd', 't');
constexpr uint32_t kTrun = FourCC('t', 'r', 'u', 'n');

// [SECTION] Init segment (moov) ---------------------------------------------------------------------

struct Track
{
    uint32_t Id = 0;
    int Slot = -1;            // 0 video, 1 audio, -1 not output
    bool Video = false;       // hdlr vide (else soun)
    uint32_t Timescale = 0;   // mdhd ticks per second
    int64_t TimeOffset = 0;   // ticks subtracted from decode times (a simple edit list, as libavformat applies it)
    uint32_t DefDuration = 0; // ticks (trex)
    uint32_t DefSize = 0;     // bytes (trex)
    uint32_t DefFlags = 0;    // sample flags (trex)
    MediaStreamInfo Info;     // parameters parsed from the sample entry (Generation unused here)
    int64_t NextDts = 0;      // ticks: where the next fragment starts when it has no tfdt
    // The codec of each stsd entry read (the first is Info's): a fragment whose sample_description_index names an entry
    // of another codec is a refusal (FFmpeg's demuxer skips that entry's samples and plays the rest).
    std::vector<MediaCodec> EntryCodecs;
    uint32_t DefDescription = 1; // trex default_sample_description_index (1-based)
};

constexpr uint32_t kMaxDescriptions = 64; // stsd entries read per track (a later index counts as no entry: the first)

// Reads an MPEG-4 descriptor header (tag, expandable length); false when it overruns.
bool ReadDescriptor(Reader& r, uint8_t& tag, size_t& len)
{
    tag = r.U8();
    len = 0;
    for (int i = 0; i < 4; ++i)
    {
        const uint8_t b = r.U8();
        len = (len << 7) | (b & 0x7F);
        if ((b & 0x80) == 0)
            break;
    }
    return r.Ok && len <= r.Left();
}

// esds payload: the DecoderSpecificInfo (AudioSpecificConfig) and whether the object type is AAC.
void ParseEsds(std::span<const uint8_t> esds, Track& t)
{
    Reader r{esds};
    r.Skip(4); // version, flags
    uint8_t tag = 0;
    size_t len = 0;
    if (!ReadDescriptor(r, tag, len) || tag != 0x03)
        return;
    Reader es{r.D.subspan(r.Pos, len)};
    es.Skip(2); // ES_ID
    const uint8_t flags = es.U8();
    if (flags & 0x80)
        es.Skip(2);
    if (flags & 0x40)
        es.Skip(es.U8());
    if (flags & 0x20)
        es.Skip(2);
    if (!ReadDescriptor(es, tag, len) || tag != 0x04)
        return;
    Reader dc{es.D.subspan(es.Pos, len)};
    const uint8_t object_type = dc.U8();
    dc.Skip(12); // streamType, bufferSizeDB, maxBitrate, avgBitrate
    const bool aac = object_type == 0x40 || object_type == 0x66 || object_type == 0x67 || object_type == 0x68;
    if (!dc.Ok || !aac)
        return;
    t.Info.Codec = MediaCodec::Aac;
    if (ReadDescriptor(dc, tag, len) && tag == 0x05)
        t.Info.Extradata.assign(dc.D.begin() + static_cast<std::ptrdiff_t>(dc.Pos),
                                dc.D.begin() + static_cast<std::ptrdiff_t>(dc.Pos + len));
}

// AudioSpecificConfig: sample rate (the SBR extension rate when signalled explicitly) and channels (0: unknown).
void ApplyAudioSpecificConfig(std::span<const uint8_t> asc, Track& t)
{
    static constexpr int kRates[13] = {96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350};
    uint64_t bits = 0;
    int have = 0;
    size_t pos = 0;
    bool ok = true;
    auto take = [&](int n) -> uint32_t {
        while (have < n)
        {
            if (pos >= asc.size())
            {
                ok = false;
                return 0;
            }
            bits = (bits << 8) | asc[pos++];
            have += 8;
        }
        have -= n;
        return static_cast<uint32_t>((bits >> have) & ((uint64_t{1} << n) - 1));
    };
    auto rate = [&]() -> int {
        const uint32_t idx = take(4);
        if (idx == 15)
            return static_cast<int>(take(24));
        return idx < 13 ? kRates[idx] : 0;
    };
    uint32_t aot = take(5);
    if (aot == 31)
        aot = 32 + take(6);
    int sample_rate = rate();
    const uint32_t channel_config = take(4);
    if (aot == 5 || aot == 29)
    {
        const int ext = rate();
        if (ok && ext > 0)
            sample_rate = ext;
    }
    if (!ok)
        return;
    if (sample_rate > 0)
        t.Info.SampleRate = sample_rate;
    static constexpr int kChannels[8] = {0, 1, 2, 3, 4, 5, 6, 8};
    if (channel_config > 0 && channel_config < 8)
        t.Info.Channels = kChannels[channel_config];
}

void ParseSampleEntry(const Box& entry, Track& t);

// stsd: the first sample entry gives the track's codec, dimensions or audio format and codec configuration; the codecs
// of the others (up to kMaxDescriptions) are kept in EntryCodecs.
void ParseStsd(std::span<const uint8_t> stsd, Track& t)
{
    Reader r{stsd};
    r.Skip(4); // version, flags
    const uint32_t count = r.U32();
    if (!r.Ok || count == 0)
        return;
    ForEachBox(stsd.subspan(r.Pos), [&](const Box& b) {
        if (t.EntryCodecs.empty())
        {
            ParseSampleEntry(b, t);
            t.EntryCodecs.push_back(t.Info.Codec);
        }
        else
        {
            Track other;
            other.Video = t.Video;
            ParseSampleEntry(b, other);
            t.EntryCodecs.push_back(other.Info.Codec);
        }
        return t.EntryCodecs.size() < std::min(count, kMaxDescriptions);
    });
}

// One sample entry: codec, dimensions or audio format, and its codec configuration box, into t.Info.
void ParseSampleEntry(const Box& entry, Track& t)
{
    const uint32_t type = entry.Type;
    Reader e{entry.Payload};
    if (t.Video)
    {
        // VisualSampleEntry: 8 (reserved, data_reference_index) + 16 + width, height + 50, then child boxes.
        e.Skip(24);
        t.Info.Width = e.U16();
        t.Info.Height = e.U16();
        e.Skip(50);
        if (!e.Ok)
            return;
        uint32_t config = 0;
        if (type == FourCC('a', 'v', 'c', '1') || type == FourCC('a', 'v', 'c', '3'))
            config = FourCC('a', 'v', 'c', 'C');
        else if (type == FourCC('h', 'v', 'c', '1') || type == FourCC('h', 'e', 'v', '1'))
            config = FourCC('h', 'v', 'c', 'C');
        if (config == 0)
            return;
        const Box c = FindBox(entry.Payload.subspan(e.Pos), config);
        if (c.Type != config)
            return;
        t.Info.Codec = config == FourCC('a', 'v', 'c', 'C') ? MediaCodec::H264 : MediaCodec::Hevc;
        t.Info.Extradata.assign(c.Payload.begin(), c.Payload.end());
        return;
    }
    // AudioSampleEntry: 8 + version(2) + 6 + channelcount, samplesize, pre_defined, reserved + samplerate (16.16);
    // QuickTime versions 1 and 2 append 16 and 36 bytes.
    e.Skip(8);
    const uint16_t version = e.U16();
    e.Skip(6);
    t.Info.Channels = e.U16();
    e.Skip(6);
    t.Info.SampleRate = static_cast<int>(e.U32() >> 16);
    if (version == 1)
        e.Skip(16);
    else if (version == 2)
        e.Skip(36);
    if (!e.Ok || type != FourCC('m', 'p', '4', 'a'))
        return;
    const Box esds = FindBox(entry.Payload.subspan(e.Pos), FourCC('e', 's', 'd', 's'));
    if (esds.Type == 0)
        return;
    ParseEsds(esds.Payload, t);
    if (t.Info.Codec == MediaCodec::Aac)
        ApplyAudioSpecificConfig(t.Info.Extradata, t);
}

// elst: one optional leading empty edit, then the first media edit's start; libavformat's time_offset.
void ParseElst(std::span<const uint8_t> elst, uint32_t movie_timescale, Track& t)
{
    Reader r{elst};
    const uint8_t version = r.U8();
    r.Skip(3);
    const uint32_t count = r.U32();
    int64_t empty = 0; // movie ticks
    int64_t start = 0; // media ticks
    for (uint32_t i = 0; i < count && r.Ok && i < 64; ++i)
    {
        const uint64_t duration = version == 1 ? r.U64() : r.U32();
        const int64_t media_time = version == 1 ? static_cast<int64_t>(r.U64()) : static_cast<int32_t>(r.U32());
        r.Skip(4); // rate
        if (!r.Ok)
            return;
        if (i == 0 && media_time == -1)
            empty = static_cast<int64_t>(std::min<uint64_t>(duration, uint64_t{1} << 30));
        else
        {
            start = std::clamp<int64_t>(media_time, 0, int64_t{1} << 40);
            break;
        }
    }
    // av_rescale(empty, timescale, movie_timescale), rounding half away from zero.
    const int64_t empty_media =
        movie_timescale == 0 ? 0 : (empty * t.Timescale + movie_timescale / 2) / static_cast<int64_t>(movie_timescale);
    t.TimeOffset = start - std::min<int64_t>(empty_media, int64_t{1} << 40); // both bounded: dts math stays in 63 bits
}

DecodeStatus ParseTrak(std::span<const uint8_t> trak, uint32_t movie_timescale, Track& t)
{
    const Box tkhd = FindBox(trak, kTkhd);
    Reader h{tkhd.Payload};
    const uint8_t version = h.U8();
    h.Skip(3 + (version == 1 ? 16 : 8));
    t.Id = h.U32();
    if (tkhd.Type == 0 || !h.Ok)
        return {DecodeCode::InvalidData, "fMP4 init: trak without a valid tkhd"};
    const Box mdia = FindBox(trak, kMdia);
    const Box mdhd = FindBox(mdia.Payload, kMdhd);
    Reader m{mdhd.Payload};
    const uint8_t mv = m.U8();
    m.Skip(3 + (mv == 1 ? 16 : 8));
    t.Timescale = m.U32();
    if (mdhd.Type == 0 || !m.Ok || t.Timescale == 0)
        return {DecodeCode::InvalidData, "fMP4 init: track " + std::to_string(t.Id) + " without a valid mdhd timescale"};
    const Box hdlr = FindBox(mdia.Payload, kHdlr);
    Reader hr{hdlr.Payload};
    hr.Skip(8);
    const uint32_t handler = hr.U32();
    if (handler == FourCC('v', 'i', 'd', 'e'))
        t.Video = true;
    else if (handler != FourCC('s', 'o', 'u', 'n'))
        return {}; // not media we output (subtitles, metadata): Slot stays -1
    t.Slot = t.Video ? 0 : 1;
    t.Info.Video = t.Video;
    t.Info.Timescale = t.Timescale;
    const Box edts = FindBox(trak, kEdts);
    if (edts.Type != 0)
    {
        const Box elst = FindBox(edts.Payload, kElst);
        if (elst.Type != 0)
            ParseElst(elst.Payload, movie_timescale, t);
    }
    const Box stsd = FindBox(FindBox(FindBox(mdia.Payload, kMinf).Payload, kStbl).Payload, kStsd);
    if (stsd.Type != 0)
        ParseStsd(stsd.Payload, t);
    return {};
}

DecodeStatus ParseInit(std::span<const uint8_t> unit, const Fmp4DemuxLimits& limits, std::vector<Track>& tracks)
{
    tracks.clear();
    Box moov;
    ForEachBox(unit, [&](const Box& b) {
        if (b.Type == FourCC('m', 'o', 'o', 'v'))
            moov = b;
        return true;
    });
    if (moov.Type == 0)
        return {DecodeCode::InvalidData, "fMP4 init: no moov"};
    const Box mvhd = FindBox(moov.Payload, kMvhd);
    Reader mr{mvhd.Payload};
    const uint8_t mv = mr.U8();
    mr.Skip(3 + (mv == 1 ? 16 : 8));
    const uint32_t movie_timescale = mr.Ok ? mr.U32() : 0;
    DecodeStatus st;
    const bool ok = ForEachBox(moov.Payload, [&](const Box& b) {
        if (b.Type != kTrak)
            return true;
        if (tracks.size() >= limits.MaxTracks)
        {
            st = {DecodeCode::InvalidData, "fMP4 init: more than " + std::to_string(limits.MaxTracks) + " tracks"};
            return false;
        }
        Track t;
        st = ParseTrak(b.Payload, movie_timescale, t);
        if (!st.IsOk())
            return false;
        tracks.push_back(std::move(t));
        return true;
    });
    if (!st.IsOk())
        return st;
    if (!ok)
        return {DecodeCode::InvalidData, "fMP4 init: invalid box in moov"};
    const Box mvex = FindBox(moov.Payload, kMvex);
    ForEachBox(mvex.Payload, [&](const Box& b) {
        if (b.Type != kTrex)
            return true;
        Reader r{b.Payload};
        r.Skip(4);
        const uint32_t id = r.U32();
        const uint32_t description = r.U32();
        const uint32_t duration = r.U32(), size = r.U32(), flags = r.U32();
        if (!r.Ok)
            return true;
        for (Track& t : tracks)
            if (t.Id == id)
            {
                t.DefDescription = description;
                t.DefDuration = duration;
                t.DefSize = size;
                t.DefFlags = flags;
            }
        return true;
    });
    // Output the first video and the first audio track, as the FFmpeg-backed Demuxer does.
    bool slot_taken[2] = {false, false};
    for (Track& t : tracks)
        if (t.Slot >= 0)
        {
            if (slot_taken[t.Slot])
                t.Slot = -1;
            else
                slot_taken[t.Slot] = true;
        }
    return {};
}

// [SECTION] Fragment (moof + mdat) ------------------------------------------------------------------

struct Sample
{
    int Track = 0;         // index into the tracks
    size_t Offset = 0;     // bytes, in the fragment unit
    uint32_t Size = 0;     // bytes
    int64_t Dts = 0;       // ticks
    int64_t Cts = 0;       // ticks, composition offset
    uint32_t Duration = 0; // ticks
    bool Keyframe = false;
    // Not 0: the sample's sample_description_index (1-based), naming an stsd entry of another codec than the first:
    // not handed out, a refusal instead (Fmp4Demux::Impl::OnFragment).
    uint32_t OtherDescription = 0;
    bool Refusal = false; // the refusal handed out in place of such samples
};

constexpr uint32_t kTfhdBaseDataOffset = 0x1, kTfhdSampleDescription = 0x2, kTfhdDuration = 0x8, kTfhdSize = 0x10,
                   kTfhdFlags = 0x20, kTfhdDefaultBaseIsMoof = 0x20000;
constexpr uint32_t kTrunDataOffset = 0x1, kTrunFirstFlags = 0x4, kTrunDuration = 0x100, kTrunSize = 0x200, kTrunFlags = 0x400,
                   kTrunCts = 0x800;
constexpr int64_t kMaxTicks = int64_t{1} << 62;

// Parses one fragment unit into per-track sample lists (decode order). Sample bytes must lie in the unit's mdat payload.
DecodeStatus ParseFragment(std::span<const uint8_t> unit, const Fmp4DemuxLimits& limits, std::vector<Track>& tracks,
                           std::vector<std::vector<Sample>>& out)
{
    out.assign(tracks.size(), {});
    Box moof, mdat;
    ForEachBox(unit, [&](const Box& b) {
        if (b.Type == kMoof && moof.Type == 0)
            moof = b;
        else if (b.Type == kMdat && moof.Type != 0)
        {
            mdat = b;
            return false;
        }
        return true;
    });
    if (moof.Type == 0 || mdat.Type == 0)
        return {DecodeCode::InvalidData, "fMP4 fragment without moof and mdat"};
    const size_t mdat_begin = static_cast<size_t>(mdat.Payload.data() - unit.data());
    const size_t mdat_end = mdat_begin + mdat.Payload.size();
    const size_t moof_pos = moof.Offset;
    size_t implicit_offset = moof_pos; // where a traf without a base starts: after the previous traf's data
    size_t total_samples = 0;
    DecodeStatus st;
    auto fail = [&](std::string why) {
        st = {DecodeCode::InvalidData, "fMP4 fragment: " + std::move(why)};
        return false;
    };
    const bool boxes_ok = ForEachBox(moof.Payload, [&](const Box& traf) {
        if (traf.Type != kTraf)
            return true;
        const Box tfhd = FindBox(traf.Payload, kTfhd);
        if (tfhd.Type == 0)
            return fail("traf without tfhd");
        Reader h{tfhd.Payload};
        const uint32_t tf_flags = h.U32() & 0xFFFFFF;
        const uint32_t id = h.U32();
        uint64_t base_data_offset = 0;
        if (tf_flags & kTfhdBaseDataOffset)
            base_data_offset = h.U64();
        uint32_t description = 0;
        if (tf_flags & kTfhdSampleDescription)
            description = h.U32();
        int ti = -1;
        for (size_t i = 0; i < tracks.size(); ++i)
            if (tracks[i].Id == id)
                ti = static_cast<int>(i);
        if (ti < 0)
            return fail("tfhd names track " + std::to_string(id) + ", not in the init segment");
        Track& t = tracks[static_cast<size_t>(ti)];
        if (!(tf_flags & kTfhdSampleDescription))
            description = t.DefDescription;
        // An index past the entries read (or 0) names no entry: the first is used, as before (FFmpeg's demuxer, with one
        // entry, skips such samples; with several of one codec it plays them).
        const uint32_t other_description =
            description >= 2 && description <= t.EntryCodecs.size() && t.EntryCodecs[description - 1] != t.EntryCodecs[0] ? description : 0;
        uint32_t def_duration = t.DefDuration, def_size = t.DefSize, def_flags = t.DefFlags;
        if (tf_flags & kTfhdDuration)
            def_duration = h.U32();
        if (tf_flags & kTfhdSize)
            def_size = h.U32();
        if (tf_flags & kTfhdFlags)
            def_flags = h.U32();
        if (!h.Ok)
            return fail("tfhd too short");
        // Base: explicit (taken from the start of the fragment unit: a segment's first byte), moof, or implicit.
        size_t base = implicit_offset;
        if (tf_flags & kTfhdBaseDataOffset)
        {
            if (base_data_offset > unit.size())
                return fail("base-data-offset past the fragment");
            base = static_cast<size_t>(base_data_offset);
        }
        else if (tf_flags & kTfhdDefaultBaseIsMoof)
            base = moof_pos;
        int64_t dts = t.NextDts;
        const Box tfdt = FindBox(traf.Payload, kTfdt);
        if (tfdt.Type != 0)
        {
            Reader d{tfdt.Payload};
            const uint8_t v = d.U8();
            d.Skip(3);
            const uint64_t base_time = v == 1 ? d.U64() : d.U32();
            if (!d.Ok || base_time > static_cast<uint64_t>(kMaxTicks))
                return fail("invalid tfdt");
            dts = static_cast<int64_t>(base_time) - t.TimeOffset;
        }
        if (dts > kMaxTicks || dts < -kMaxTicks)
            return fail("decode time out of range");
        size_t next_offset = base; // a trun without data-offset continues after the previous one
        const bool runs_ok = ForEachBox(traf.Payload, [&](const Box& trun) {
            if (trun.Type != kTrun)
                return true;
            Reader r{trun.Payload};
            r.Skip(1); // version: 1 only promises signed composition offsets, which are read signed anyway
            const uint32_t flags = r.U24();
            const uint32_t count = r.U32();
            int64_t data_offset = 0;
            bool has_offset = false;
            if (flags & kTrunDataOffset)
            {
                data_offset = static_cast<int32_t>(r.U32());
                has_offset = true;
            }
            uint32_t first_flags = def_flags;
            const bool has_first = (flags & kTrunFirstFlags) != 0;
            if (has_first)
                first_flags = r.U32();
            if (!r.Ok)
                return fail("trun too short");
            const size_t per_sample = 4u * (((flags & kTrunDuration) != 0) + ((flags & kTrunSize) != 0) + ((flags & kTrunFlags) != 0) +
                                            ((flags & kTrunCts) != 0));
            if (per_sample > 0 && count > r.Left() / per_sample)
                return fail("trun sample count past its box");
            if (count > limits.MaxSamplesPerFragment - total_samples)
                return fail("more than " + std::to_string(limits.MaxSamplesPerFragment) + " samples");
            size_t offset = next_offset;
            if (has_offset)
            {
                const int64_t o = static_cast<int64_t>(base) + data_offset;
                if (o < 0 || static_cast<uint64_t>(o) > unit.size())
                    return fail("trun data-offset outside the fragment");
                offset = static_cast<size_t>(o);
            }
            std::vector<Sample>& list = out[static_cast<size_t>(ti)];
            list.reserve(list.size() + count);
            for (uint32_t i = 0; i < count; ++i)
            {
                Sample s;
                s.Track = ti;
                s.Duration = (flags & kTrunDuration) ? r.U32() : def_duration;
                s.Size = (flags & kTrunSize) ? r.U32() : def_size;
                // A sample's own flags win over first-sample-flags, as in libavformat.
                const uint32_t sample_flags = (flags & kTrunFlags) ? r.U32() : (i == 0 && has_first ? first_flags : def_flags);
                // Composition offsets are signed in both versions, as libavformat reads them (version 0 muxers that
                // wrap negative offsets mean them signed).
                if (flags & kTrunCts)
                    s.Cts = static_cast<int32_t>(r.U32());
                if (offset < mdat_begin || s.Size > mdat_end - offset)
                    return fail("sample " + std::to_string(i) + " of track " + std::to_string(id) + " outside the mdat");
                s.Offset = offset;
                offset += s.Size;
                s.Dts = dts;
                dts += s.Duration;
                s.Keyframe = !t.Video || ((sample_flags & 0x10000) == 0 && ((sample_flags >> 24) & 3) != 1);
                s.OtherDescription = other_description;
                list.push_back(s);
            }
            total_samples += count;
            next_offset = offset;
            implicit_offset = offset;
            return true;
        });
        if (!runs_ok)
            return st.IsOk() ? fail("invalid box in traf") : false;
        t.NextDts = dts;
        return true;
    });
    if (!st.IsOk())
        return st;
    if (!boxes_ok)
        return {DecodeCode::InvalidData, "fMP4 fragment: invalid box in moof"};
    return {};
}

// True when `data` is a sequence of complete boxes (what a stream may end with after its last fragment: mfra, free).
bool WholeBoxes(std::span<const uint8_t> data)
{
    size_t pos = 0;
    while (pos < data.size())
    {
        const BoxHeader h = ReadBoxHeader(data.subspan(pos));
        if (h.Status != BoxStatus::Ok || h.Size > data.size() - pos)
            return false;
        pos += static_cast<size_t>(h.Size);
    }
    return true;
}

} // namespace

// [SECTION] Impl -------------------------------------------------------------------------------------

struct Fmp4Demux::Impl : TaggedBytes // the push buffer: Buf, Head, BufBase, Tags
{
    Fmp4DemuxLimits Limits;
    int Serial = 0;
    bool SerialSet = false;
    bool Ended = false;
    bool Encrypted = false;
    int Errors = 0;

    std::vector<Track> Tracks; // from the last init segment
    MediaStreamInfo Streams[2];
    bool HaveStream[2] = {false, false};
    MediaStreamInfo Refused[2]; // the record of the refusal handed out for each kind (Codec Unknown)

    // The fragment being handed out: its bytes (packets point into them) and its samples in output order.
    std::vector<uint8_t> Frag;
    std::vector<Sample> Pending;
    size_t Next = 0;
    int64_t FragTag = 0;
    std::vector<std::vector<Sample>> PerTrack; // scratch

    void DropBuffered()
    {
        BufBase += static_cast<int64_t>(Buf.size());
        Buf.clear();
        Head = 0;
        Tags.clear();
        Pending.clear();
        Next = 0;
    }

    DecodeStatus OnInit(std::span<const uint8_t> unit)
    {
        if (Mp4HasEncryption(unit))
        {
            Encrypted = true;
            Tracks.clear();
            return {DecodeCode::UnsupportedFormat, "encrypted fMP4 (Common Encryption: encv/enca/tenc) is not supported"};
        }
        std::vector<Track> tracks;
        DecodeStatus st = ParseInit(unit, Limits, tracks);
        if (!st.IsOk())
        {
            ++Errors;
            return st; // the previous init segment stays in force
        }
        Encrypted = false;
        Tracks = std::move(tracks);
        for (Track& t : Tracks)
        {
            if (t.Slot < 0)
                continue;
            MediaStreamInfo& s = Streams[t.Slot];
            if (!HaveStream[t.Slot] || !s.SameParams(t.Info))
            {
                const int generation = s.Generation + 1;
                s = t.Info;
                s.Generation = generation;
                HaveStream[t.Slot] = true;
            }
        }
        return {};
    }

    DecodeStatus OnFragment()
    {
        if (Encrypted)
            return {DecodeCode::NeedMore, {}}; // dropped: the encrypted init segment was reported
        if (Tracks.empty())
        {
            ++Errors;
            return {DecodeCode::InvalidData, "fMP4 fragment before any init segment"};
        }
        DecodeStatus st = ParseFragment(Frag, Limits, Tracks, PerTrack);
        if (!st.IsOk())
        {
            ++Errors;
            return st;
        }
        // Merge the output tracks as libavformat's mov demuxer picks its next sample: the lower file position when
        // the decode times are within a second of each other, else the lower decode time.
        Pending.clear();
        Next = 0;
        size_t head[2] = {0, 0};
        const std::vector<Sample>* lists[2] = {nullptr, nullptr};
        for (size_t i = 0; i < Tracks.size(); ++i)
            if (Tracks[i].Slot >= 0)
                lists[Tracks[i].Slot] = &PerTrack[i];
        for (;;)
        {
            int best = -1;
            double best_time = 0.0;
            for (int k = 0; k < 2; ++k)
            {
                if (lists[k] == nullptr || head[k] >= lists[k]->size())
                    continue;
                const Sample& s = (*lists[k])[head[k]];
                const double time = static_cast<double>(s.Dts) / Tracks[static_cast<size_t>(s.Track)].Timescale;
                if (best < 0)
                {
                    best = k;
                    best_time = time;
                    continue;
                }
                const Sample& b = (*lists[best])[head[best]];
                if ((std::fabs(best_time - time) <= 1.0 && s.Offset < b.Offset) || (std::fabs(best_time - time) > 1.0 && time < best_time))
                {
                    best = k;
                    best_time = time;
                }
            }
            if (best < 0)
                break;
            Pending.push_back((*lists[best])[head[best]++]);
        }
        RefuseOtherDescriptions();
        return {};
    }

    // Samples that name an stsd entry of another codec than the first are not handed out: the first of them becomes one
    // refusal for its track (Codec Unknown, the declared codec the first entry's), so the worker switches to FFmpeg's
    // demuxer, which skips them and plays the rest of the track (it reads only the first of the differing entries).
    void RefuseOtherDescriptions()
    {
        if (std::none_of(Pending.begin(), Pending.end(), [](const Sample& x) { return x.OtherDescription != 0; }))
            return;
        std::vector<Sample> kept;
        kept.reserve(Pending.size());
        bool refused[2] = {false, false};
        for (const Sample& x : Pending)
        {
            if (x.OtherDescription == 0)
            {
                kept.push_back(x);
                continue;
            }
            const Track& t = Tracks[static_cast<size_t>(x.Track)];
            if (refused[t.Slot])
                continue;
            refused[t.Slot] = true;
            MediaStreamInfo& info = Refused[t.Slot];
            info = {};
            info.Video = t.Video;
            info.Codec = MediaCodec::Unknown;
            info.Timescale = t.Timescale;
            info.Generation = 1;
            info.Refused = t.Info.Codec;
            info.RefusedWhy = "fmp4 track " + std::to_string(t.Id) + ": sample description " + std::to_string(x.OtherDescription) +
                              " of " + std::to_string(t.EntryCodecs.size()) + " is another codec";
            Sample marker = x;
            marker.Size = 0;
            marker.Refusal = true;
            kept.push_back(marker);
        }
        Pending = std::move(kept);
    }
};

// [SECTION] Public API -----------------------------------------------------------------------------

Fmp4Demux::Fmp4Demux(Fmp4DemuxLimits limits) : P(std::make_unique<Impl>())
{
    P->Limits = limits;
}
Fmp4Demux::~Fmp4Demux() = default;

void Fmp4Demux::Push(std::span<const uint8_t> bytes, int serial, int64_t tag)
{
    Impl& s = *P;
    if (s.SerialSet && serial != s.Serial)
        s.DropBuffered(); // the init segment (Tracks) stays
    s.Serial = serial;
    s.SerialSet = true;
    s.Ended = false;
    if (s.Head > 0 && (s.Head == s.Buf.size() || s.Head > (1u << 20)))
        s.Compact();
    s.Append(bytes, tag);
}

void Fmp4Demux::PushBoundary() {}

void Fmp4Demux::PushEnd() { P->Ended = true; }

void Fmp4Demux::Reset()
{
    Impl& s = *P;
    s.DropBuffered();
    s.BufBase = 0;
    s.Tracks.clear();
    s.HaveStream[0] = s.HaveStream[1] = false;
    s.Encrypted = false;
    s.Ended = false;
    s.Frag.clear();
    s.FragTag = 0;
}

DecodeStatus Fmp4Demux::ReadPacket(MediaPacket& out)
{
    Impl& s = *P;
    // Each pass consumes bytes or returns, so the loop ends; the guard is a second fence.
    for (int guard = 0; guard < 1000000; ++guard)
    {
        if (s.Next < s.Pending.size())
        {
            const Sample& smp = s.Pending[s.Next++];
            const Track& t = s.Tracks[static_cast<size_t>(smp.Track)];
            const double scale = 1.0 / t.Timescale;
            out.Info = smp.Refusal ? &s.Refused[t.Slot] : &s.Streams[t.Slot];
            out.Data = smp.Refusal ? std::span<const uint8_t>() : std::span<const uint8_t>(s.Frag.data() + smp.Offset, smp.Size);
            out.Dts = static_cast<double>(smp.Dts) * scale;
            out.Pts = static_cast<double>(smp.Dts + smp.Cts) * scale;
            out.Duration = static_cast<double>(smp.Duration) * scale;
            out.Keyframe = smp.Keyframe;
            out.Serial = s.Serial;
            out.Tag = s.FragTag;
            return {};
        }
        const std::span<const uint8_t> live(s.Buf.data() + s.Head, s.Live());
        const Mp4Unit unit = ScanMp4Unit(live, s.Limits.MaxUnitBytes);
        if (unit.Kind == Mp4UnitKind::NeedMore)
        {
            if (!s.Ended)
                return {DecodeCode::NeedMore, {}};
            const size_t left = s.Live();
            s.Head = s.Buf.size();
            if (left == 0 || WholeBoxes(live))
                return {DecodeCode::EndOfStream, {}}; // e.g. a file's trailing mfra: boxes outside any fragment
            ++s.Errors;
            return {DecodeCode::InvalidData, "fMP4: " + std::to_string(left) + " bytes of an incomplete box at the end of the stream"};
        }
        const size_t size = std::clamp<size_t>(unit.Size, 1, live.size());
        const int64_t unit_tag = s.TagAt(s.BufBase + static_cast<int64_t>(s.Head));
        s.Head += size;
        if (unit.Kind == Mp4UnitKind::Corrupt)
        {
            ++s.Errors;
            return {DecodeCode::InvalidData, "fMP4: " + unit.Reason};
        }
        if (unit.Kind == Mp4UnitKind::Init)
        {
            DecodeStatus st = s.OnInit(live.first(size));
            if (!st.IsOk())
                return st;
            continue;
        }
        s.Frag.assign(live.begin(), live.begin() + static_cast<std::ptrdiff_t>(size));
        s.FragTag = unit_tag;
        DecodeStatus st = s.OnFragment();
        if (st.Code == DecodeCode::NeedMore)
            continue; // dropped (encrypted stream)
        if (!st.IsOk())
            return st;
    }
    return {DecodeCode::Internal, "fMP4 demuxer made no progress"};
}

int Fmp4Demux::Serial() const { return P->Serial; }
size_t Fmp4Demux::BufferedBytes() const { return P->Live(); }
int Fmp4Demux::Errors() const { return P->Errors; }
const MediaStreamInfo* Fmp4Demux::VideoStream() const { return P->HaveStream[0] ? &P->Streams[0] : nullptr; }
const MediaStreamInfo* Fmp4Demux::AudioStream() const { return P->HaveStream[1] ? &P->Streams[1] : nullptr; }

} // namespace livescope
