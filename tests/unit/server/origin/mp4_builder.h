// Test helper: builds small synthetic fMP4 boxes (init segment, moof+mdat fragments) byte by byte.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace livescope::test {

using Bytes = std::vector<uint8_t>;

inline void PutU32(Bytes& out, uint32_t v)
{
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(uint8_t(v >> shift));
}
inline void PutU16(Bytes& out, uint16_t v)
{
    out.push_back(uint8_t(v >> 8));
    out.push_back(uint8_t(v));
}
inline void PutU64(Bytes& out, uint64_t v)
{
    PutU32(out, uint32_t(v >> 32));
    PutU32(out, uint32_t(v));
}
inline Bytes Box(const char* type, const Bytes& payload)
{
    Bytes out;
    PutU32(out, uint32_t(payload.size() + 8));
    out.insert(out.end(), type, type + 4);
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}
inline Bytes Cat(std::initializer_list<Bytes> parts)
{
    Bytes out;
    for (const Bytes& part : parts)
        out.insert(out.end(), part.begin(), part.end());
    return out;
}
inline Bytes Zeros(size_t n) { return Bytes(n, 0); }

inline Bytes Trak(uint32_t track_id, uint32_t timescale, const char* handler, const Bytes& sample_entry)
{
    Bytes tkhd = Zeros(4 + 8);
    PutU32(tkhd, track_id);
    tkhd.resize(84, 0);
    Bytes mdhd = Zeros(4 + 8);
    PutU32(mdhd, timescale);
    mdhd.resize(24, 0);
    Bytes hdlr = Zeros(8);
    hdlr.insert(hdlr.end(), handler, handler + 4);
    hdlr.resize(25, 0);
    Bytes stsd = Zeros(4);
    PutU32(stsd, 1);
    stsd.insert(stsd.end(), sample_entry.begin(), sample_entry.end());
    const Bytes stbl = Box("stbl", Box("stsd", stsd));
    return Box("trak", Cat({Box("tkhd", tkhd), Box("mdia", Cat({Box("mdhd", mdhd), Box("hdlr", hdlr), Box("minf", stbl)}))}));
}

inline Bytes Avc1Entry(uint16_t width, uint16_t height)
{
    Bytes entry = Zeros(24);
    PutU16(entry, width);
    PutU16(entry, height);
    entry.resize(78, 0);
    const Bytes avcc = {1, 0x42, 0xc0, 0x1f, 0xff};
    entry = Cat({entry, Box("avcC", avcc)});
    return Box("avc1", entry);
}

inline Bytes Mp4aEntry()
{
    Bytes entry = Zeros(28);
    // esds: version/flags, ES_Descriptor(3) .. DecoderConfigDescriptor(4) .. DecoderSpecificInfo(5): AOT 2 (AAC-LC)
    const Bytes esds = {0, 0, 0, 0, 0x03, 0x19, 0, 1, 0, 0x04, 0x11, 0x40, 0x15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x05, 0x02, 0x11, 0x90};
    return Box("mp4a", Cat({entry, Box("esds", esds)}));
}

inline Bytes Trex(uint32_t track_id, uint32_t default_duration, uint32_t default_flags)
{
    Bytes trex = Zeros(4);
    PutU32(trex, track_id);
    PutU32(trex, 1);
    PutU32(trex, default_duration);
    PutU32(trex, 0);
    PutU32(trex, default_flags);
    return Box("trex", trex);
}

// ftyp + moov with video track 1 (timescale 15360, 1280x720) and audio track 2 (48 kHz).
inline Bytes InitSegment()
{
    const Bytes ftyp = Box("ftyp", Bytes{'i', 's', 'o', '5', 0, 0, 2, 0, 'i', 's', 'o', '6'});
    const Bytes mvhd = Box("mvhd", Zeros(100));
    const Bytes moov = Box("moov", Cat({mvhd, Trak(1, 15360, "vide", Avc1Entry(1280, 720)), Trak(2, 48000, "soun", Mp4aEntry()),
                                        Box("mvex", Cat({Trex(1, 0, 0), Trex(2, 0, 0)}))}));
    return Cat({ftyp, moov});
}

// moof (video traf: `frames` samples of 512 ticks; audio traf: 9 samples of 1024) + mdat of `mdat_size` bytes.
inline Bytes Fragment(uint64_t video_decode_time, uint32_t frames, bool keyframe, size_t mdat_size = 64, uint32_t sequence = 1)
{
    Bytes mfhd = Zeros(4);
    PutU32(mfhd, sequence);
    // Video: tfhd with default duration and default flags (non-sync), trun with first-sample-flags when keyframe.
    Bytes tfhd = {0, 0x02, 0, 0x28};
    PutU32(tfhd, 1);
    PutU32(tfhd, 512);
    PutU32(tfhd, 0x01010000u);
    Bytes tfdt = {1, 0, 0, 0};
    PutU64(tfdt, video_decode_time);
    Bytes trun = {0, 0, 0x02, uint8_t(keyframe ? 0x05 : 0x01)};
    PutU32(trun, frames);
    PutU32(trun, 0);
    if (keyframe)
        PutU32(trun, 0x02000000u);
    for (uint32_t i = 0; i < frames; i++)
        PutU32(trun, 100);
    const Bytes video = Box("traf", Cat({Box("tfhd", tfhd), Box("tfdt", tfdt), Box("trun", trun)}));
    // Audio: per-sample durations.
    Bytes atfhd = {0, 0x02, 0, 0};
    PutU32(atfhd, 2);
    Bytes atfdt = {0, 0, 0, 0};
    PutU32(atfdt, uint32_t(video_decode_time * 48000 / 15360));
    Bytes atrun = {0, 0, 0x03, 0x01};
    PutU32(atrun, 9);
    PutU32(atrun, 0);
    for (int i = 0; i < 9; i++)
    {
        PutU32(atrun, 1024);
        PutU32(atrun, 10);
    }
    const Bytes audio = Box("traf", Cat({Box("tfhd", atfhd), Box("tfdt", atfdt), Box("trun", atrun)}));
    Bytes payload(mdat_size);
    for (size_t i = 0; i < mdat_size; i++)
        payload[i] = uint8_t(i * 7 + 3);
    return Cat({Box("moof", Cat({Box("mfhd", mfhd), video, audio})), Box("mdat", payload)});
}

} // namespace livescope::test
