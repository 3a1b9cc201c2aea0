// Pure fMP4 stream splitting and box inspection (ISO/IEC 14496-12): no I/O, errors as values.
// [SECTION] Byte reading
// [SECTION] Init segment (moov)
// [SECTION] Fragment (moof)
// [SECTION] Stream splitter
#include <livescope/server/origin/fmp4.h>

#include <livescope/base/mp4_box.h>

#include <cstdio>
#include <cstring>

namespace livescope {

// [SECTION] Byte reading

namespace {

bool TypeIs(const uint8_t* type, const char* name) { return std::memcmp(type, name, 4) == 0; }

// One box inside a byte range: header and payload bounds.
struct BoxView
{
    const uint8_t* Type = nullptr;
    const uint8_t* Payload = nullptr;
    size_t PayloadSize = 0;
    size_t TotalSize = 0;
};

// Reads the box at data[0..size) (livescope::base's header reader: any type, size 0 runs to the end of the range).
// Returns false when the header or declared size is malformed or the box overruns the range.
bool ReadBoxView(const uint8_t* data, size_t size, BoxView& box)
{
    const BoxHeader h = ReadBoxHeader(std::span<const uint8_t>(data, size), BoxHeaderOptions{.AnyType = true, .SizeZeroToEnd = true});
    if (h.Status != BoxStatus::Ok || h.Size > size)
        return false;
    box.Type = data + 4;
    box.Payload = data + h.HeaderSize;
    box.PayloadSize = size_t(h.Size) - h.HeaderSize;
    box.TotalSize = size_t(h.Size);
    return true;
}

// Iterates the child boxes of a payload, calling fn(BoxView) for each. Returns false on a malformed child.
template <typename Fn>
bool ForEachBox(const uint8_t* data, size_t size, Fn&& fn)
{
    size_t offset = 0;
    while (offset < size)
    {
        BoxView box;
        if (!ReadBoxView(data + offset, size - offset, box))
            return false;
        if (!fn(box))
            return true;
        offset += box.TotalSize;
    }
    return true;
}

bool FindChild(const uint8_t* data, size_t size, const char* type, BoxView& found)
{
    bool hit = false;
    ForEachBox(data, size, [&](const BoxView& box) {
        if (TypeIs(box.Type, type))
        {
            found = box;
            hit = true;
            return false;
        }
        return true;
    });
    return hit;
}

bool Fail(Mp4Error& error, const char* reason)
{
    error.Failed = true;
    error.Reason = reason;
    return false;
}

// ISO 14496-12 sample_is_non_sync_sample bit.
constexpr uint32_t NonSyncSampleFlag = 0x00010000u;

} // namespace

// [SECTION] Init segment (moov)

const Mp4Track* Mp4InitInfo::VideoTrack() const
{
    for (const Mp4Track& track : Tracks)
        if (track.IsVideo)
            return &track;
    return nullptr;
}

std::string Mp4InitInfo::CodecsAttribute() const
{
    std::string codecs;
    for (const Mp4Track& track : Tracks)
    {
        if (track.Codec.empty())
            continue;
        if (!codecs.empty())
            codecs += ',';
        codecs += track.Codec;
    }
    return codecs;
}

namespace {

// Reads the sample entry (stsd) of a track: size and RFC 6381 codec string.
void ParseSampleEntry(const BoxView& stsd, Mp4Track& track)
{
    if (stsd.PayloadSize < 8)
        return;
    const uint8_t* entries = stsd.Payload + 8; // version/flags, entry_count
    size_t entries_size = stsd.PayloadSize - 8;
    BoxView entry;
    if (!ReadBoxView(entries, entries_size, entry))
        return;
    if (TypeIs(entry.Type, "avc1") || TypeIs(entry.Type, "avc3"))
    {
        // VisualSampleEntry: 6 reserved + 2 dref index + 16 predefined/reserved, then width, height; 78 bytes total.
        if (entry.PayloadSize < 78)
            return;
        track.Width = ReadBe16(entry.Payload + 24);
        track.Height = ReadBe16(entry.Payload + 26);
        BoxView avcc;
        char codec[32];
        if (FindChild(entry.Payload + 78, entry.PayloadSize - 78, "avcC", avcc) && avcc.PayloadSize >= 4)
            std::snprintf(codec, sizeof(codec), "%.4s.%02x%02x%02x", reinterpret_cast<const char*>(entry.Type), avcc.Payload[1], avcc.Payload[2], avcc.Payload[3]);
        else
            std::snprintf(codec, sizeof(codec), "%.4s", reinterpret_cast<const char*>(entry.Type));
        track.Codec = codec;
    }
    else if (TypeIs(entry.Type, "mp4a"))
    {
        // AudioSampleEntry is 28 bytes; the esds descriptor names the object type. AAC-LC is by far the usual case.
        track.Codec = "mp4a.40.2";
        BoxView esds;
        if (entry.PayloadSize > 28 && FindChild(entry.Payload + 28, entry.PayloadSize - 28, "esds", esds))
        {
            // Scan for DecoderConfigDescriptor (tag 4): objectTypeIndication, then later DecoderSpecificInfo (tag 5).
            const uint8_t* p = esds.Payload;
            size_t n = esds.PayloadSize;
            for (size_t i = 4; i + 2 < n; i++)
            {
                if (p[i] == 0x05)
                {
                    size_t j = i + 1;
                    while (j < n && (p[j] & 0x80))
                        j++;
                    j++;
                    if (j < n)
                    {
                        int aot = p[j] >> 3;
                        if (aot > 0 && aot < 31)
                            track.Codec = "mp4a.40." + std::to_string(aot);
                    }
                    break;
                }
            }
        }
    }
    else
    {
        char codec[8];
        std::snprintf(codec, sizeof(codec), "%.4s", reinterpret_cast<const char*>(entry.Type));
        track.Codec = codec;
    }
}

bool ParseTrak(const BoxView& trak, Mp4Track& track)
{
    BoxView tkhd, mdia;
    if (!FindChild(trak.Payload, trak.PayloadSize, "tkhd", tkhd) || !FindChild(trak.Payload, trak.PayloadSize, "mdia", mdia))
        return false;
    if (tkhd.PayloadSize < 4)
        return false;
    const size_t id_offset = tkhd.Payload[0] == 1 ? 4 + 16 : 4 + 8;
    if (tkhd.PayloadSize < id_offset + 4)
        return false;
    track.TrackId = ReadBe32(tkhd.Payload + id_offset);

    BoxView mdhd, hdlr, minf, stbl, stsd;
    if (FindChild(mdia.Payload, mdia.PayloadSize, "mdhd", mdhd) && mdhd.PayloadSize >= 4)
    {
        const size_t ts_offset = mdhd.Payload[0] == 1 ? 4 + 16 : 4 + 8;
        if (mdhd.PayloadSize >= ts_offset + 4)
            track.Timescale = ReadBe32(mdhd.Payload + ts_offset);
    }
    if (FindChild(mdia.Payload, mdia.PayloadSize, "hdlr", hdlr) && hdlr.PayloadSize >= 12)
    {
        track.IsVideo = TypeIs(hdlr.Payload + 8, "vide");
        track.IsAudio = TypeIs(hdlr.Payload + 8, "soun");
    }
    if (FindChild(mdia.Payload, mdia.PayloadSize, "minf", minf) && FindChild(minf.Payload, minf.PayloadSize, "stbl", stbl) &&
        FindChild(stbl.Payload, stbl.PayloadSize, "stsd", stsd))
        ParseSampleEntry(stsd, track);
    return track.TrackId != 0 && track.Timescale != 0;
}

} // namespace

bool ParseMp4Init(const uint8_t* data, size_t size, Mp4InitInfo& out, Mp4Error& error)
{
    out = Mp4InitInfo{};
    BoxView moov;
    if (!FindChild(data, size, "moov", moov))
        return Fail(error, "init segment has no moov box");
    bool ok = ForEachBox(moov.Payload, moov.PayloadSize, [&](const BoxView& box) {
        if (TypeIs(box.Type, "trak"))
        {
            Mp4Track track;
            if (ParseTrak(box, track))
                out.Tracks.push_back(track);
        }
        return true;
    });
    if (!ok)
        return Fail(error, "malformed box inside moov");
    BoxView mvex;
    if (FindChild(moov.Payload, moov.PayloadSize, "mvex", mvex))
    {
        ForEachBox(mvex.Payload, mvex.PayloadSize, [&](const BoxView& box) {
            if (TypeIs(box.Type, "trex") && box.PayloadSize >= 24)
            {
                const uint32_t id = ReadBe32(box.Payload + 4);
                for (Mp4Track& track : out.Tracks)
                    if (track.TrackId == id)
                    {
                        track.DefaultSampleDuration = ReadBe32(box.Payload + 12);
                        track.DefaultSampleFlags = ReadBe32(box.Payload + 20);
                    }
            }
            return true;
        });
    }
    if (out.Tracks.empty())
        return Fail(error, "moov has no usable trak");
    return true;
}

// [SECTION] Fragment (moof)

namespace {

struct TrafFacts
{
    uint32_t TrackId = 0;
    bool HasTfdt = false;
    uint64_t BaseDecodeTime = 0;
    uint64_t Duration = 0; // ticks
    uint32_t SampleCount = 0;
    bool HaveFirstFlags = false;
    uint32_t FirstFlags = 0;
};

bool ParseTraf(const BoxView& traf, const Mp4InitInfo& init, TrafFacts& facts)
{
    BoxView tfhd;
    if (!FindChild(traf.Payload, traf.PayloadSize, "tfhd", tfhd) || tfhd.PayloadSize < 8)
        return false;
    const uint32_t tfhd_flags = ReadBe32(tfhd.Payload) & 0xffffffu;
    facts.TrackId = ReadBe32(tfhd.Payload + 4);
    uint32_t default_duration = 0, default_flags = 0;
    bool have_default_flags = false;
    for (const Mp4Track& track : init.Tracks)
        if (track.TrackId == facts.TrackId)
        {
            default_duration = track.DefaultSampleDuration;
            default_flags = track.DefaultSampleFlags;
            have_default_flags = true;
        }
    size_t p = 8;
    auto take = [&](size_t n) -> const uint8_t* {
        if (p + n > tfhd.PayloadSize)
            return nullptr;
        const uint8_t* at = tfhd.Payload + p;
        p += n;
        return at;
    };
    if ((tfhd_flags & 0x01) && !take(8))
        return false;
    if ((tfhd_flags & 0x02) && !take(4))
        return false;
    if (tfhd_flags & 0x08)
    {
        const uint8_t* v = take(4);
        if (!v)
            return false;
        default_duration = ReadBe32(v);
    }
    if ((tfhd_flags & 0x10) && !take(4))
        return false;
    if (tfhd_flags & 0x20)
    {
        const uint8_t* v = take(4);
        if (!v)
            return false;
        default_flags = ReadBe32(v);
        have_default_flags = true;
    }

    BoxView tfdt;
    if (FindChild(traf.Payload, traf.PayloadSize, "tfdt", tfdt) && tfdt.PayloadSize >= 8)
    {
        facts.HasTfdt = true;
        facts.BaseDecodeTime = tfdt.Payload[0] == 1 ? (tfdt.PayloadSize >= 12 ? ReadBe64(tfdt.Payload + 4) : 0) : ReadBe32(tfdt.Payload + 4);
    }

    bool ok = true;
    ForEachBox(traf.Payload, traf.PayloadSize, [&](const BoxView& trun) {
        if (!TypeIs(trun.Type, "trun"))
            return true;
        if (trun.PayloadSize < 8)
        {
            ok = false;
            return false;
        }
        const uint32_t flags = ReadBe32(trun.Payload) & 0xffffffu;
        const uint32_t count = ReadBe32(trun.Payload + 4);
        size_t q = 8;
        if (flags & 0x001)
            q += 4;
        bool first_flags_present = false;
        uint32_t first_flags = 0;
        if (flags & 0x004)
        {
            if (q + 4 > trun.PayloadSize)
            {
                ok = false;
                return false;
            }
            first_flags = ReadBe32(trun.Payload + q);
            first_flags_present = true;
            q += 4;
        }
        size_t per_sample = 0;
        for (uint32_t bit : {0x100u, 0x200u, 0x400u, 0x800u})
            if (flags & bit)
                per_sample += 4;
        if (q > trun.PayloadSize || (per_sample > 0 && count > (trun.PayloadSize - q) / per_sample))
        {
            ok = false;
            return false;
        }
        // Without per-sample fields every sample uses the defaults: no need to walk them (count may be huge).
        const uint32_t walk = per_sample > 0 ? count : (count > 0 ? 1u : 0u);
        if (per_sample == 0 && count > 1)
            facts.Duration += uint64_t(default_duration) * (count - 1);
        for (uint32_t i = 0; i < walk; i++)
        {
            size_t r = q + size_t(i) * per_sample;
            uint32_t duration = default_duration;
            uint32_t sample_flags = default_flags;
            if (flags & 0x100)
            {
                duration = ReadBe32(trun.Payload + r);
                r += 4;
            }
            if (flags & 0x200)
                r += 4;
            if (flags & 0x400)
                sample_flags = ReadBe32(trun.Payload + r);
            if (i == 0 && first_flags_present)
                sample_flags = first_flags;
            if (facts.SampleCount == 0 && i == 0)
            {
                facts.HaveFirstFlags = first_flags_present || (flags & 0x400) || have_default_flags;
                facts.FirstFlags = sample_flags;
            }
            facts.Duration += duration;
        }
        facts.SampleCount += count;
        return true;
    });
    return ok;
}

} // namespace

bool ParseMp4Fragment(const uint8_t* data, size_t size, const Mp4InitInfo& init, Mp4FragmentInfo& out, Mp4Error& error)
{
    out = Mp4FragmentInfo{};
    BoxView moof;
    if (!FindChild(data, size, "moof", moof))
        return Fail(error, "fragment has no moof box");
    const Mp4Track* video = init.VideoTrack();
    const Mp4Track* measured = video ? video : (init.Tracks.empty() ? nullptr : &init.Tracks.front());
    if (!measured)
        return Fail(error, "no track to measure");
    bool found = false, bad = false;
    ForEachBox(moof.Payload, moof.PayloadSize, [&](const BoxView& traf) {
        if (!TypeIs(traf.Type, "traf"))
            return true;
        TrafFacts facts;
        if (!ParseTraf(traf, init, facts))
        {
            bad = true;
            return false;
        }
        if (facts.TrackId != measured->TrackId)
            return true;
        found = true;
        out.BaseDecodeTime = facts.BaseDecodeTime;
        out.SampleCount = facts.SampleCount;
        out.StartTime = double(facts.BaseDecodeTime) / measured->Timescale;
        out.Duration = double(facts.Duration) / measured->Timescale;
        // Without any flags the trex default applies; an audio-only stream is always independent.
        out.Independent = !measured->IsVideo || !facts.HaveFirstFlags || (facts.FirstFlags & NonSyncSampleFlag) == 0;
        return false;
    });
    if (bad)
        return Fail(error, "malformed traf");
    (void)found; // a moof without the measured track (audio only) is valid: zero samples, not independent
    return true;
}

bool FindMdatPayload(const uint8_t* data, size_t size, size_t& offset, size_t& length)
{
    size_t at = 0;
    while (at < size)
    {
        BoxView box;
        if (!ReadBoxView(data + at, size - at, box))
            return false;
        if (TypeIs(box.Type, "mdat"))
        {
            offset = at + size_t(box.Payload - (data + at));
            length = box.PayloadSize;
            return true;
        }
        at += box.TotalSize;
    }
    return false;
}

// [SECTION] Stream splitter

void Fmp4StreamSplitter::Reset()
{
    Pending.clear();
    Consumed = 0;
    Building.clear();
    BuildingHasMoof = false;
    BuildingIsInit = false;
    Error = Mp4Error{};
}

void Fmp4StreamSplitter::EmitBox(const uint8_t* box, size_t size, std::vector<Fmp4Chunk>& out)
{
    const uint8_t* type = box + 4;
    if (TypeIs(type, "ftyp"))
    {
        Building.assign(box, box + size);
        BuildingIsInit = true;
        BuildingHasMoof = false;
        return;
    }
    if (TypeIs(type, "moov"))
    {
        if (!BuildingIsInit)
            Building.clear();
        Building.insert(Building.end(), box, box + size);
        out.push_back(Fmp4Chunk{Fmp4Chunk::Kind::Init, std::move(Building)});
        Building.clear();
        BuildingIsInit = false;
        return;
    }
    if (TypeIs(type, "moof"))
    {
        if (BuildingIsInit || BuildingHasMoof)
            Building.clear(); // an unterminated init or a moof without mdat: drop it
        BuildingIsInit = false;
        BuildingHasMoof = true;
        Building.insert(Building.end(), box, box + size);
        return;
    }
    if (TypeIs(type, "mdat"))
    {
        if (BuildingHasMoof)
        {
            Building.insert(Building.end(), box, box + size);
            out.push_back(Fmp4Chunk{Fmp4Chunk::Kind::Fragment, std::move(Building)});
        }
        Building.clear();
        BuildingHasMoof = false;
        BuildingIsInit = false;
        return;
    }
    if (TypeIs(type, "mfra"))
        return;                                       // random-access index at the end of a file: not part of any chunk
    Building.insert(Building.end(), box, box + size); // styp, prft, sidx, emsg, free ...: travel with the next chunk
}

bool Fmp4StreamSplitter::Feed(const uint8_t* data, size_t size, std::vector<Fmp4Chunk>& out)
{
    if (Error.Failed)
        return false;
    if (size > 0)
        Pending.insert(Pending.end(), data, data + size);
    for (;;)
    {
        const size_t available = Pending.size() - Consumed;
        if (available < 8)
            break;
        const uint8_t* head = Pending.data() + Consumed;
        if (ReadBe32(head) == 0)
            return Fail(Error, "box of size 0 (to end of file) in a live stream");
        const BoxHeader h = ReadBoxHeader(std::span<const uint8_t>(head, available), BoxHeaderOptions{.AnyType = true, .SizeZeroToEnd = false});
        if (h.Status == BoxStatus::NeedMore)
            break;
        if (h.Status != BoxStatus::Ok)
            return Fail(Error, "box size smaller than its header");
        const uint64_t total = h.Size;
        if (total > MaxBoxSize)
            return Fail(Error, "box larger than the limit");
        if (available < total)
            break;
        EmitBox(head, size_t(total), out);
        Consumed += size_t(total);
    }
    if (Consumed > 0 && (Consumed == Pending.size() || Consumed > Pending.size() / 2))
    {
        Pending.erase(Pending.begin(), Pending.begin() + std::ptrdiff_t(Consumed));
        Consumed = 0;
    }
    return true;
}

} // namespace livescope
