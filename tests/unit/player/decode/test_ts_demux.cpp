// Tests for the pure MPEG-TS demuxer (src/player/decode/ts_demux.cpp) on hand-built packets.
#include <doctest/doctest.h>
#include <livescope/player/decode/container_scan.h>
#include <livescope/player/decode/demux_switch.h>
#include <livescope/player/decode/ts_demux.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

using namespace livescope;

namespace {

using Bytes = std::vector<uint8_t>;

constexpr uint16_t kPmtPid = 0x1000;
constexpr uint16_t kVideoPid = 0x100;
constexpr uint16_t kAudioPid = 0x101;

// MSB-first bit writer with exp-Golomb codes, for parameter sets.
struct BitWriter
{
    Bytes Out;
    int Used = 8;
    void Bit(uint32_t b)
    {
        if (Used == 8)
        {
            Out.push_back(0);
            Used = 0;
        }
        if (b != 0)
            Out.back() = static_cast<uint8_t>(Out.back() | (0x80 >> Used));
        ++Used;
    }
    void Bits(uint32_t v, int n)
    {
        for (int i = n - 1; i >= 0; --i)
            Bit((v >> i) & 1u);
    }
    void Ue(uint32_t v)
    {
        const uint32_t x = v + 1;
        int len = 0;
        while ((x >> len) > 1)
            ++len;
        Bits(0, len);
        Bits(x, len + 1);
    }
    Bytes Finish()
    {
        Bit(1); // rbsp_stop_one_bit
        while (Used != 8)
            Bit(0);
        return Out;
    }
};

// An H.264 SPS NAL (header included): baseline, 4:2:0, frame_cropping to width x height.
Bytes AvcSps(int width, int height)
{
    BitWriter w;
    w.Bits(0x67, 8); // nal_ref_idc 3, type 7
    w.Bits(66, 8);   // profile_idc baseline
    w.Bits(0, 8);    // constraint flags
    w.Bits(30, 8);   // level_idc
    w.Ue(0);         // seq_parameter_set_id
    w.Ue(0);         // log2_max_frame_num_minus4
    w.Ue(2);         // pic_order_cnt_type
    w.Ue(1);         // max_num_ref_frames
    w.Bit(0);        // gaps
    const int mbs_w = (width + 15) / 16, mbs_h = (height + 15) / 16;
    w.Ue(static_cast<uint32_t>(mbs_w - 1));
    w.Ue(static_cast<uint32_t>(mbs_h - 1));
    w.Bit(1); // frame_mbs_only_flag
    w.Bit(1); // direct_8x8_inference_flag
    const bool crop = mbs_w * 16 != width || mbs_h * 16 != height;
    w.Bit(crop ? 1 : 0);
    if (crop)
    {
        w.Ue(0);
        w.Ue(static_cast<uint32_t>((mbs_w * 16 - width) / 2));
        w.Ue(0);
        w.Ue(static_cast<uint32_t>((mbs_h * 16 - height) / 2));
    }
    w.Bit(0); // vui_parameters_present_flag
    return w.Finish();
}

// An HEVC SPS NAL (header included): Main, 4:2:0, one sub-layer, conformance window to width x height.
Bytes HevcSps(int width, int height)
{
    BitWriter w;
    w.Bits(33 << 1, 8); // type 33
    w.Bits(1, 8);       // nuh_temporal_id_plus1
    w.Bits(0, 4);       // sps_video_parameter_set_id
    w.Bits(0, 3);       // sps_max_sub_layers_minus1
    w.Bit(1);           // sps_temporal_id_nesting_flag
    w.Bits(0, 2);       // general_profile_space
    w.Bit(0);           // general_tier_flag
    w.Bits(1, 5);       // general_profile_idc (Main)
    w.Bits(0x60000000u, 32);
    w.Bits(0, 24);
    w.Bits(0, 24); // 48 constraint bits
    w.Bits(93, 8); // general_level_idc
    w.Ue(0);       // sps_seq_parameter_set_id
    w.Ue(1);       // chroma_format_idc 4:2:0
    const int cw = (width + 7) / 8 * 8, ch = (height + 7) / 8 * 8;
    w.Ue(static_cast<uint32_t>(cw));
    w.Ue(static_cast<uint32_t>(ch));
    const bool win = cw != width || ch != height;
    w.Bit(win ? 1 : 0);
    if (win)
    {
        w.Ue(0);
        w.Ue(static_cast<uint32_t>((cw - width) / 2));
        w.Ue(0);
        w.Ue(static_cast<uint32_t>((ch - height) / 2));
    }
    w.Ue(0); // bit_depth_luma_minus8 (not read by the demuxer)
    return w.Finish();
}

Bytes StartCode(const Bytes& nal)
{
    Bytes b = {0, 0, 0, 1};
    b.insert(b.end(), nal.begin(), nal.end());
    return b;
}

// An H.264 access unit: AUD, optional SPS, and one slice of `slice_size` bytes (IDR or not).
Bytes AvcAccessUnit(bool idr, size_t slice_size, uint8_t fill, bool with_sps = false)
{
    Bytes au = {0, 0, 0, 1, 0x09, 0xF0};
    if (with_sps)
    {
        const Bytes sps = StartCode(AvcSps(640, 360));
        au.insert(au.end(), sps.begin(), sps.end());
    }
    au.insert(au.end(), {0, 0, 1, static_cast<uint8_t>(idr ? 0x65 : 0x41)});
    for (size_t i = 0; i < slice_size; ++i)
        au.push_back(static_cast<uint8_t>(fill + i % 7 + 4)); // never 0..3: no start code inside
    return au;
}

void PutTimestamp(Bytes& b, unsigned prefix, uint64_t t)
{
    b.push_back(static_cast<uint8_t>((prefix << 4) | (((t >> 30) & 7) << 1) | 1));
    b.push_back(static_cast<uint8_t>(t >> 22));
    b.push_back(static_cast<uint8_t>(((t >> 15) & 0x7F) << 1 | 1));
    b.push_back(static_cast<uint8_t>(t >> 7));
    b.push_back(static_cast<uint8_t>((t & 0x7F) << 1 | 1));
}

// A PES: stream_id, PTS (and DTS when dts >= 0), payload; bounded (PES_packet_length set) or not (0).
Bytes Pes(uint8_t stream_id, const Bytes& payload, int64_t pts, int64_t dts = -1, bool bounded = false)
{
    Bytes b = {0, 0, 1, stream_id, 0, 0, 0x80};
    if (pts < 0)
    {
        b.push_back(0x00);
        b.push_back(0);
    }
    else if (dts < 0)
    {
        b.push_back(0x80);
        b.push_back(5);
        PutTimestamp(b, 2, static_cast<uint64_t>(pts));
    }
    else
    {
        b.push_back(0xC0);
        b.push_back(10);
        PutTimestamp(b, 3, static_cast<uint64_t>(pts));
        PutTimestamp(b, 1, static_cast<uint64_t>(dts));
    }
    b.insert(b.end(), payload.begin(), payload.end());
    if (bounded)
    {
        const size_t len = b.size() - 6;
        b[4] = static_cast<uint8_t>(len >> 8);
        b[5] = static_cast<uint8_t>(len);
    }
    return b;
}

// Writes a payload (a PES, or a PSI section with its pointer field) as TS packets on `pid`: payload_unit_start on
// the first, continuity counter from `cc`, the last packet padded by adaptation field stuffing. `first_stuffing`
// bytes of adaptation field stuffing in the first packet, and a random_access_indicator when `rai`.
struct Muxer
{
    Bytes Out;
    uint8_t Cc[8192] = {};

    void Payload(uint16_t pid, const Bytes& data, size_t first_stuffing = 0, bool rai = false)
    {
        size_t pos = 0;
        bool first = true;
        do
        {
            Bytes p = {0x47, static_cast<uint8_t>((first ? 0x40 : 0) | (pid >> 8)), static_cast<uint8_t>(pid), 0};
            const size_t left = data.size() - pos;
            size_t af = 0; // adaptation field bytes including its length byte (0 = none)
            if (first && (first_stuffing > 0 || rai))
                af = 2 + first_stuffing;
            size_t room = 184 - af;
            if (left < room)
            {
                af = 184 - left; // pad the last packet
                room = left;
            }
            p[3] = static_cast<uint8_t>((af > 0 ? 0x30 : 0x10) | (Cc[pid]++ & 0xF));
            if (af == 1)
                p.push_back(0);
            else if (af > 1)
            {
                p.push_back(static_cast<uint8_t>(af - 1));
                p.push_back(first && rai ? 0x40 : 0x00);
                p.insert(p.end(), af - 2, 0xFF);
            }
            p.insert(p.end(), data.begin() + static_cast<std::ptrdiff_t>(pos), data.begin() + static_cast<std::ptrdiff_t>(pos + room));
            pos += room;
            REQUIRE(p.size() == kTsPacketSize);
            Out.insert(Out.end(), p.begin(), p.end());
            first = false;
        } while (pos < data.size());
    }

    void Section(uint16_t pid, Bytes section)
    {
        const size_t len = section.size() + 4 - 3;
        section[1] = static_cast<uint8_t>(0xB0 | (len >> 8));
        section[2] = static_cast<uint8_t>(len);
        const uint32_t crc = TsCrc32(section);
        for (int s = 24; s >= 0; s -= 8)
            section.push_back(static_cast<uint8_t>(crc >> s));
        Bytes payload = {0}; // pointer_field
        payload.insert(payload.end(), section.begin(), section.end());
        Payload(pid, payload);
    }

    void Pat(uint16_t pmt_pid = kPmtPid)
    {
        Section(0, {0x00, 0, 0, 0x00, 0x01, 0xC1, 0, 0, 0x00, 0x01, static_cast<uint8_t>(0xE0 | (pmt_pid >> 8)), static_cast<uint8_t>(pmt_pid)});
    }

    // A PAT of several programs: (program_number, PMT PID), in order (0 is the network PID).
    void PatPrograms(std::vector<std::pair<uint16_t, uint16_t>> programs)
    {
        Bytes s = {0x00, 0, 0, 0x00, 0x01, 0xC1, 0, 0};
        for (auto [program, pid] : programs)
        {
            s.push_back(static_cast<uint8_t>(program >> 8));
            s.push_back(static_cast<uint8_t>(program));
            s.push_back(static_cast<uint8_t>(0xE0 | (pid >> 8)));
            s.push_back(static_cast<uint8_t>(pid));
        }
        Section(0, s);
    }

    // streams: (stream_type, pid); the PMT of `program` on `pmt_pid`.
    void Pmt(std::vector<std::pair<uint8_t, uint16_t>> streams, uint8_t version = 0, uint16_t program = 1, uint16_t pmt_pid = kPmtPid)
    {
        Bytes s = {0x02, 0, 0, static_cast<uint8_t>(program >> 8), static_cast<uint8_t>(program), static_cast<uint8_t>(0xC1 | (version << 1)),
                   0, 0, 0xE1, 0x00, 0xF0, 0x00};
        for (auto [type, pid] : streams)
        {
            s.push_back(type);
            s.push_back(static_cast<uint8_t>(0xE0 | (pid >> 8)));
            s.push_back(static_cast<uint8_t>(pid));
            s.push_back(0xF0);
            s.push_back(0x00);
        }
        Section(pmt_pid, s);
    }

    void Tables(uint8_t video_type = 0x1B, uint8_t audio_type = 0x0F)
    {
        Pat();
        Pmt({{video_type, kVideoPid}, {audio_type, kAudioPid}});
    }
};

// An ADTS frame: AAC-LC, `rate_index` (3 = 48 kHz), `channels`, raw payload of `raw` bytes; CRC-protected when `crc`.
Bytes Adts(size_t raw, uint8_t fill, bool crc = false, int rate_index = 3, int channels = 2)
{
    const size_t header = crc ? 9 : 7;
    const size_t len = header + raw;
    Bytes b = {0xFF, static_cast<uint8_t>(crc ? 0xF0 : 0xF1), static_cast<uint8_t>((1 << 6) | (rate_index << 2) | (channels >> 2)),
               static_cast<uint8_t>(((channels & 3) << 6) | ((len >> 11) & 3)), static_cast<uint8_t>(len >> 3),
               static_cast<uint8_t>(((len & 7) << 5) | 0x1F), 0xFC};
    if (crc)
    {
        b.push_back(0xAB);
        b.push_back(0xCD);
    }
    for (size_t i = 0; i < raw; ++i)
        b.push_back(static_cast<uint8_t>(fill + i));
    return b;
}

struct Got
{
    DecodeCode Code = DecodeCode::Ok;
    bool Video = false;
    MediaCodec Codec = MediaCodec::Unknown;
    Bytes Data;
    double Pts = 0, Dts = 0, Duration = 0;
    bool Key = false;
    int Generation = 0, Width = 0, Height = 0, Serial = 0;
    int64_t Tag = 0;
    Bytes Extradata;
    MediaCodec Refused = MediaCodec::Unknown; // Codec Unknown: the codec declared for the refused stream, and why
    std::string RefusedWhy;
    bool operator==(const Got& o) const
    {
        auto same = [](double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; };
        return Code == o.Code && Video == o.Video && Codec == o.Codec && Data == o.Data && same(Pts, o.Pts) && same(Dts, o.Dts) &&
               Key == o.Key && Generation == o.Generation && Width == o.Width && Height == o.Height && Tag == o.Tag;
    }
};

// Reads until NeedMore/EndOfStream; error values are kept in the list (Code set, no data).
std::vector<Got> ReadAll(TsDemux& d, bool with_errors = false)
{
    std::vector<Got> out;
    for (int guard = 0; guard < 100000; ++guard)
    {
        MediaPacket p;
        const DecodeStatus st = d.ReadPacket(p);
        if (st.Code == DecodeCode::NeedMore || st.Code == DecodeCode::EndOfStream)
            break;
        Got g;
        g.Code = st.Code;
        if (st.IsOk())
        {
            REQUIRE(p.Info != nullptr);
            g.Video = p.Info->Video;
            g.Codec = p.Info->Codec;
            g.Data.assign(p.Data.begin(), p.Data.end());
            g.Pts = p.Pts;
            g.Dts = p.Dts;
            g.Duration = p.Duration;
            g.Key = p.Keyframe;
            g.Generation = p.Info->Generation;
            g.Width = p.Info->Width;
            g.Height = p.Info->Height;
            g.Extradata = p.Info->Extradata;
            g.Refused = p.Info->Refused;
            g.RefusedWhy = p.Info->RefusedWhy;
            g.Serial = p.Serial;
            g.Tag = p.Tag;
        }
        if (st.IsOk() || with_errors)
            out.push_back(std::move(g));
    }
    return out;
}

std::vector<Got> DemuxWhole(const Bytes& ts, bool boundary = true)
{
    TsDemux d;
    d.Push(ts, 0);
    if (boundary)
        d.PushBoundary();
    d.PushEnd();
    return ReadAll(d, true);
}

} // namespace

TEST_SUITE_BEGIN("player_decode/ts_demux");

TEST_CASE("an H.264 PES with and without DTS comes out as one access unit with its timestamps in seconds")
{
    Muxer m;
    m.Tables();
    const Bytes au1 = AvcAccessUnit(true, 300, 10, true);
    const Bytes au2 = AvcAccessUnit(false, 200, 20);
    m.Payload(kVideoPid, Pes(0xE0, au1, 180000 + 3000, 180000), 0, true);
    m.Payload(kVideoPid, Pes(0xE0, au2, 189000));
    TsDemux d;
    d.Push(m.Out, 3, 7);
    d.PushEnd();
    const std::vector<Got> got = ReadAll(d);
    REQUIRE(got.size() == 2);
    CHECK(got[0].Video);
    CHECK(got[0].Codec == MediaCodec::H264);
    CHECK(got[0].Data == au1);
    CHECK(got[0].Pts == doctest::Approx(183000 / 90000.0));
    CHECK(got[0].Dts == doctest::Approx(2.0));
    CHECK(got[0].Key);
    CHECK(got[0].Width == 640);
    CHECK(got[0].Height == 360);
    CHECK(got[0].Serial == 3);
    CHECK(got[0].Tag == 7);
    CHECK(got[1].Data == au2);
    CHECK(got[1].Pts == doctest::Approx(2.1));
    CHECK(got[1].Dts == got[1].Pts); // no DTS: the PTS
    CHECK_FALSE(got[1].Key);
    CHECK(got[1].Generation == got[0].Generation);
    CHECK(d.Errors() == 0);
    MediaPacket p;
    CHECK(d.ReadPacket(p).Code == DecodeCode::EndOfStream);
}

TEST_CASE("the picture size comes from the SPS for H.264 (cropped) and HEVC (conformance window)")
{
    const std::optional<VideoSize> avc = ParseSpsSize(AvcSps(1280, 720), false);
    REQUIRE(avc);
    CHECK(avc->Width == 1280);
    CHECK(avc->Height == 720);
    const std::optional<VideoSize> avc2 = ParseSpsSize(AvcSps(320, 180), false);
    REQUIRE(avc2);
    CHECK(avc2->Height == 180);
    const std::optional<VideoSize> hevc = ParseSpsSize(HevcSps(640, 360), true);
    REQUIRE(hevc);
    CHECK(hevc->Width == 640);
    CHECK(hevc->Height == 360);
    CHECK_FALSE(ParseSpsSize(AvcSps(640, 360), true));           // not an HEVC SPS
    CHECK_FALSE(ParseSpsSize(Bytes{0x67, 66, 0, 30}, false));    // cut short
    CHECK_FALSE(ParseSpsSize(Bytes{}, false));
}

TEST_CASE("an HEVC stream marks IRAP access units as key frames and takes its size from the SPS")
{
    Muxer m;
    m.Tables(0x24);
    Bytes au = {0, 0, 0, 1, 0x46, 0x01, 0x10}; // AUD (type 35)
    const Bytes sps = StartCode(HevcSps(640, 360));
    au.insert(au.end(), sps.begin(), sps.end());
    au.insert(au.end(), {0, 0, 1, 19 << 1, 0x01, 0xAA, 0xBB}); // IDR_W_RADL
    Bytes trail = {0, 0, 0, 1, 0x02, 0x01, 0xCC, 0xDD};       // TRAIL_R (type 1)
    m.Payload(kVideoPid, Pes(0xE0, au, 9000));
    m.Payload(kVideoPid, Pes(0xE0, trail, 12000));
    const std::vector<Got> got = DemuxWhole(m.Out);
    REQUIRE(got.size() == 2);
    CHECK(got[0].Codec == MediaCodec::Hevc);
    CHECK(got[0].Key);
    CHECK(got[0].Width == 640);
    CHECK_FALSE(got[1].Key);
}

TEST_CASE("adaptation fields with stuffing are skipped and a PES split over many packets comes out whole")
{
    Muxer m;
    m.Tables();
    const Bytes au = AvcAccessUnit(true, 20000, 3);
    m.Payload(kVideoPid, Pes(0xE0, au, 90000), 120, true); // a long stuffed adaptation field in the first packet
    const Bytes small = AvcAccessUnit(false, 5, 9);
    m.Payload(kVideoPid, Pes(0xE0, small, 93000)); // padded by stuffing in its only packet
    const std::vector<Got> got = DemuxWhole(m.Out);
    REQUIRE(got.size() == 2);
    CHECK(got[0].Code == DecodeCode::Ok);
    CHECK(got[0].Data == au);
    CHECK(got[1].Data == small);
}

TEST_CASE("timestamps that wrap at 2^33 ticks go on increasing")
{
    Muxer m;
    m.Tables();
    const int64_t wrap = int64_t{1} << 33;
    const int64_t first = wrap - 3000;
    m.Payload(kVideoPid, Pes(0xE0, AvcAccessUnit(true, 10, 1), first));
    m.Payload(kVideoPid, Pes(0xE0, AvcAccessUnit(false, 10, 2), 0)); // wrap - 3000 + 3000
    m.Payload(kVideoPid, Pes(0xE0, AvcAccessUnit(false, 10, 3), 3000 + 3000, 3000));
    m.Payload(kAudioPid, Pes(0xC0, Adts(10, 1), wrap - 1000, -1, true)); // just before the wrap, after it in stream order
    const std::vector<Got> got = DemuxWhole(m.Out);
    REQUIRE(got.size() == 4);
    CHECK(got[0].Pts == doctest::Approx(first / 90000.0));
    CHECK(got[1].Pts == doctest::Approx(wrap / 90000.0));
    CHECK(got[2].Pts == doctest::Approx((wrap + 6000) / 90000.0));
    CHECK(got[2].Dts == doctest::Approx((wrap + 3000) / 90000.0));
    CHECK(got[3].Pts == doctest::Approx((wrap - 1000) / 90000.0));
}

TEST_CASE("a continuity counter gap drops the broken PES and counts an error; the next PES comes out")
{
    Muxer m;
    m.Tables();
    const Bytes a = AvcAccessUnit(true, 1000, 1);
    const Bytes b = AvcAccessUnit(false, 1000, 2);
    const Bytes c = AvcAccessUnit(false, 100, 3);
    m.Payload(kVideoPid, Pes(0xE0, a, 9000));
    const size_t b_start = m.Out.size();
    m.Payload(kVideoPid, Pes(0xE0, b, 12000));
    m.Payload(kVideoPid, Pes(0xE0, c, 15000));
    Bytes ts = m.Out;
    // Lose the third packet of b.
    ts.erase(ts.begin() + static_cast<std::ptrdiff_t>(b_start + 2 * kTsPacketSize), ts.begin() + static_cast<std::ptrdiff_t>(b_start + 3 * kTsPacketSize));
    TsDemux d;
    d.Push(ts, 0);
    d.PushBoundary();
    const std::vector<Got> got = ReadAll(d, true);
    REQUIRE(got.size() == 3);
    CHECK(got[0].Data == a);
    CHECK(got[1].Code == DecodeCode::InvalidData);
    CHECK(got[2].Data == c);
    CHECK(d.Errors() == 1);
}

TEST_CASE("a duplicate packet is ignored")
{
    Muxer m;
    m.Tables();
    const Bytes a = AvcAccessUnit(true, 500, 1);
    m.Payload(kVideoPid, Pes(0xE0, a, 9000));
    Bytes ts = m.Out;
    const size_t second = ts.size() - 2 * kTsPacketSize; // a's second packet
    ts.insert(ts.begin() + static_cast<std::ptrdiff_t>(second + kTsPacketSize), ts.begin() + static_cast<std::ptrdiff_t>(second),
              ts.begin() + static_cast<std::ptrdiff_t>(second + kTsPacketSize));
    const std::vector<Got> got = DemuxWhole(ts);
    REQUIRE(got.size() == 1);
    CHECK(got[0].Data == a);
}

TEST_CASE("an unbounded video PES waits for the next PES start or PushBoundary")
{
    Muxer m;
    m.Tables();
    const Bytes a = AvcAccessUnit(true, 400, 1);
    m.Payload(kVideoPid, Pes(0xE0, a, 9000));
    TsDemux d;
    d.Push(m.Out, 0);
    MediaPacket p;
    CHECK(d.ReadPacket(p).Code == DecodeCode::NeedMore);
    CHECK(d.BufferedBytes() > a.size());
    d.PushBoundary();
    REQUIRE(d.ReadPacket(p).IsOk());
    CHECK(Bytes(p.Data.begin(), p.Data.end()) == a);
    CHECK(d.ReadPacket(p).Code == DecodeCode::NeedMore);
    CHECK(d.BufferedBytes() == 0);

    // A boundary inside a packet is not a frame boundary: nothing is handed out early.
    Muxer m2;
    m2.Tables();
    m2.Payload(kVideoPid, Pes(0xE0, a, 9000));
    TsDemux d2;
    d2.Push(std::span<const uint8_t>(m2.Out.data(), m2.Out.size() - 10), 0);
    d2.PushBoundary();
    CHECK(d2.ReadPacket(p).Code == DecodeCode::NeedMore);
    d2.Push(std::span<const uint8_t>(m2.Out.data() + m2.Out.size() - 10, 10), 0);
    d2.PushBoundary();
    REQUIRE(d2.ReadPacket(p).IsOk());
    CHECK(Bytes(p.Data.begin(), p.Data.end()) == a);
}

TEST_CASE("a bounded PES comes out as soon as its last byte is in")
{
    Muxer m;
    m.Tables();
    const Bytes a = AvcAccessUnit(true, 400, 1);
    m.Payload(kVideoPid, Pes(0xE0, a, 9000, -1, true));
    TsDemux d;
    d.Push(m.Out, 0);
    MediaPacket p;
    REQUIRE(d.ReadPacket(p).IsOk());
    CHECK(Bytes(p.Data.begin(), p.Data.end()) == a);
}

TEST_CASE("several ADTS frames in one PES become raw AAC packets 1024 samples apart, the config as extradata")
{
    Muxer m;
    m.Tables();
    Bytes frames;
    for (int i = 0; i < 3; ++i)
    {
        const Bytes f = Adts(100 + static_cast<size_t>(i), static_cast<uint8_t>(i * 10));
        frames.insert(frames.end(), f.begin(), f.end());
    }
    m.Payload(kAudioPid, Pes(0xC0, frames, 90000, -1, true));
    const std::vector<Got> got = DemuxWhole(m.Out);
    REQUIRE(got.size() == 3);
    for (int i = 0; i < 3; ++i)
    {
        const Bytes f = Adts(100 + static_cast<size_t>(i), static_cast<uint8_t>(i * 10));
        CHECK_FALSE(got[static_cast<size_t>(i)].Video);
        CHECK(got[static_cast<size_t>(i)].Codec == MediaCodec::Aac);
        CHECK(got[static_cast<size_t>(i)].Data == Bytes(f.begin() + 7, f.end()));
        CHECK(got[static_cast<size_t>(i)].Pts == doctest::Approx(1.0 + i * 1024.0 / 48000.0));
        CHECK(got[static_cast<size_t>(i)].Duration == doctest::Approx(1024.0 / 48000.0));
        CHECK(got[static_cast<size_t>(i)].Key);
        CHECK(got[static_cast<size_t>(i)].Extradata == Bytes{0x11, 0x90}); // AAC-LC, 48 kHz, stereo
    }
}

TEST_CASE("a CRC-protected ADTS header is stripped too (9 bytes)")
{
    Muxer m;
    m.Tables();
    const Bytes f = Adts(50, 1, true);
    m.Payload(kAudioPid, Pes(0xC0, f, 0, -1, true));
    const std::vector<Got> got = DemuxWhole(m.Out);
    REQUIRE(got.size() == 1);
    CHECK(got[0].Data == Bytes(f.begin() + 9, f.end()));
}

TEST_CASE("an ADTS frame split across two PES comes out whole, timed after the previous frame")
{
    Muxer m;
    m.Tables();
    const Bytes f1 = Adts(60, 1), f2 = Adts(70, 2), f3 = Adts(80, 3);
    Bytes first = f1;
    first.insert(first.end(), f2.begin(), f2.begin() + 30);
    Bytes second(f2.begin() + 30, f2.end());
    second.insert(second.end(), f3.begin(), f3.end());
    m.Payload(kAudioPid, Pes(0xC0, first, 90000, -1, true));
    m.Payload(kAudioPid, Pes(0xC0, second, 90000 + 2 * 1920, -1, true)); // the PTS of f3, the first frame starting in it
    const std::vector<Got> got = DemuxWhole(m.Out);
    REQUIRE(got.size() == 3);
    CHECK(got[1].Data == Bytes(f2.begin() + 7, f2.end()));
    CHECK(got[1].Pts == doctest::Approx(1.0 + 1024.0 / 48000.0));
    CHECK(got[2].Pts == doctest::Approx(1.0 + 2048.0 / 48000.0));
}

TEST_CASE("another ADTS configuration bumps the audio Generation, the same one keeps it")
{
    Muxer m;
    m.Tables();
    m.Payload(kAudioPid, Pes(0xC0, Adts(10, 1), 0, -1, true));
    m.Payload(kAudioPid, Pes(0xC0, Adts(10, 2), 1920, -1, true));
    m.Payload(kAudioPid, Pes(0xC0, Adts(10, 3, false, 4, 1), 3840, -1, true)); // 44.1 kHz mono
    const std::vector<Got> got = DemuxWhole(m.Out);
    REQUIRE(got.size() == 3);
    CHECK(got[0].Generation == got[1].Generation);
    CHECK(got[2].Generation == got[1].Generation + 1);
    CHECK(got[2].Extradata == Bytes{0x12, 0x08});
}

TEST_CASE("a new PMT with another video codec bumps the video Generation")
{
    Muxer m;
    m.Tables();
    m.Payload(kVideoPid, Pes(0xE0, AvcAccessUnit(true, 10, 1), 0));
    m.Pmt({{0x24, 0x102}, {0x0F, kAudioPid}}, 1);
    m.Payload(0x102, Pes(0xE0, Bytes{0, 0, 0, 1, 19 << 1, 1, 0xAA}, 3000));
    const std::vector<Got> got = DemuxWhole(m.Out);
    REQUIRE(got.size() == 2);
    CHECK(got[0].Codec == MediaCodec::H264);
    CHECK(got[1].Codec == MediaCodec::Hevc);
    CHECK(got[1].Generation == got[0].Generation + 1);
}

TEST_CASE("a stream of a codec the demuxer does not handle is reported once as Unknown, then ignored")
{
    Muxer m;
    m.Pat();
    m.Pmt({{0x1B, kVideoPid}, {0x03, kAudioPid}, {0x15, 0x102}}); // H.264, MP3, ID3 metadata
    m.Pmt({{0x1B, kVideoPid}, {0x03, kAudioPid}, {0x15, 0x102}}); // the PMT repeats
    m.Payload(kAudioPid, Pes(0xC0, Bytes(100, 0x55), 0, -1, true));
    m.Payload(0x102, Pes(0xBD, Bytes(50, 0x11), 0, -1, true));
    m.Payload(kVideoPid, Pes(0xE0, AvcAccessUnit(true, 10, 1), 0));
    const std::vector<Got> got = DemuxWhole(m.Out);
    REQUIRE(got.size() == 2);
    CHECK(got[0].Code == DecodeCode::Ok);
    CHECK_FALSE(got[0].Video);
    CHECK(got[0].Codec == MediaCodec::Unknown);
    CHECK(got[0].Data.empty());
    CHECK(got[1].Codec == MediaCodec::H264);
}

namespace {
// What the worker decides on a packet the pure demuxer handed out with Codec Unknown (worker_decode.cpp's Pump).
DemuxRefusalAction Decide(const Got& g)
{
    DemuxRefusal r;
    r.PureDemuxer = true;
    r.Declared = g.Refused;
    r.Why = g.RefusedWhy;
    return DecideDemuxRefusal(r);
}
} // namespace

TEST_CASE("audio in a second program only is a refusal naming AAC, which switches to FFmpeg's demuxer; the first program's video comes before it")
{
    for (const bool pmt2_first : {false, true})
    {
        CAPTURE(pmt2_first);
        Muxer m;
        m.PatPrograms({{1, kPmtPid}, {2, 0x1001}});
        if (pmt2_first)
            m.Pmt({{0x0F, kAudioPid}}, 0, 2, 0x1001);
        m.Pmt({{0x1B, kVideoPid}});
        if (!pmt2_first)
            m.Pmt({{0x0F, kAudioPid}}, 0, 2, 0x1001);
        m.Payload(kVideoPid, Pes(0xE0, AvcAccessUnit(true, 10, 1), 0));
        m.Payload(kAudioPid, Pes(0xC0, Adts(10, 1), 0, -1, true));
        m.Payload(kVideoPid, Pes(0xE0, AvcAccessUnit(false, 10, 2), 3000));
        const std::vector<Got> got = DemuxWhole(m.Out);
        std::vector<Got> refusals;
        int video = 0;
        for (const Got& g : got)
        {
            REQUIRE(g.Code == DecodeCode::Ok);
            if (g.Codec == MediaCodec::Unknown)
                refusals.push_back(g);
            else
            {
                CHECK(g.Video); // no audio from the other program
                ++video;
            }
        }
        REQUIRE(refusals.size() == 1); // once, though the PAT and PMTs would repeat
        CHECK_FALSE(refusals[0].Video);
        CHECK(refusals[0].Data.empty());
        CHECK(refusals[0].Refused == MediaCodec::Aac);
        CHECK(refusals[0].RefusedWhy == "mpeg-ts audio in program 2, not in the first (2 programs)");
        CHECK(Decide(refusals[0]) == DemuxRefusalAction::SwitchToFull);
        CHECK(got[0].Codec == MediaCodec::Unknown); // decided at the PMTs, before any media
        CHECK(video == 2);
    }
}

TEST_CASE("media in a second program only (the first has none we play) is a refusal naming the video codec")
{
    Muxer m;
    m.PatPrograms({{0, 0x10}, {1, kPmtPid}, {2, 0x1001}}); // a network PID first: not a program
    m.Pmt({{0x15, 0x102}});                                  // the first program: ID3 timed metadata only
    m.Pmt({{0x24, kVideoPid}, {0x0F, kAudioPid}}, 0, 2, 0x1001);
    m.Pmt({{0x24, kVideoPid}, {0x0F, kAudioPid}}, 0, 2, 0x1001); // the PMT repeats
    m.Payload(kVideoPid, Pes(0xE0, Bytes{0, 0, 0, 1, 19 << 1, 1, 0xAA}, 0));
    const std::vector<Got> got = DemuxWhole(m.Out);
    REQUIRE(got.size() == 1);
    CHECK(got[0].Codec == MediaCodec::Unknown);
    CHECK(got[0].Video);
    CHECK(got[0].Refused == MediaCodec::Hevc);
    CHECK(got[0].RefusedWhy == "mpeg-ts video in program 2, not in the first (2 programs)");
    CHECK(Decide(got[0]) == DemuxRefusalAction::SwitchToFull);
}

TEST_CASE("several programs whose first has video and audio play the first, as FFmpeg's first streams: no refusal")
{
    Muxer m;
    m.PatPrograms({{1, kPmtPid}, {2, 0x1001}});
    m.Pmt({{0x1B, kVideoPid}, {0x0F, kAudioPid}});
    m.Pmt({{0x1B, 0x200}, {0x0F, 0x201}, {0x03, 0x202}}, 0, 2, 0x1001);
    m.Payload(kVideoPid, Pes(0xE0, AvcAccessUnit(true, 10, 1), 0));
    m.Payload(0x200, Pes(0xE0, AvcAccessUnit(true, 10, 9), 0));
    m.Payload(kAudioPid, Pes(0xC0, Adts(10, 1), 0, -1, true));
    m.Payload(0x201, Pes(0xC0, Adts(10, 9), 0, -1, true));
    const std::vector<Got> got = DemuxWhole(m.Out);
    REQUIRE(got.size() == 2); // the audio (a bounded PES) first, then the video (unbounded: at the end)
    CHECK(got[0].Codec == MediaCodec::Aac);
    const Bytes adts = Adts(10, 1);
    CHECK(got[0].Data == Bytes(adts.begin() + 7, adts.end()));
    CHECK(got[1].Codec == MediaCodec::H264);
    CHECK(got[1].Data == AvcAccessUnit(true, 10, 1));
}

TEST_CASE("a second program whose missing media is of a codec no module decodes is no refusal: the first program plays")
{
    Muxer m;
    m.PatPrograms({{1, kPmtPid}, {2, 0x1001}});
    m.Pmt({{0x1B, kVideoPid}});
    m.Pmt({{0x03, kAudioPid}}, 0, 2, 0x1001); // MP3
    m.Payload(kVideoPid, Pes(0xE0, AvcAccessUnit(true, 10, 1), 0));
    const std::vector<Got> got = DemuxWhole(m.Out);
    REQUIRE(got.size() == 1);
    CHECK(got[0].Codec == MediaCodec::H264);
}

TEST_CASE("scrambled packets are an error value")
{
    Muxer m;
    m.Tables();
    m.Payload(kVideoPid, Pes(0xE0, AvcAccessUnit(true, 400, 1), 0));
    Bytes ts = m.Out;
    ts[ts.size() - kTsPacketSize + 3] |= 0x80; // transport_scrambling_control on the last packet
    CHECK(TsIsScrambled(ts));
    TsDemux d;
    d.Push(ts, 0);
    d.PushEnd();
    const std::vector<Got> got = ReadAll(d, true);
    REQUIRE(got.size() == 1);
    CHECK(got[0].Code == DecodeCode::UnsupportedFormat);
    CHECK(d.Errors() == 1);
}

TEST_CASE("a PMT with a bad CRC is ignored and counted")
{
    Muxer m;
    m.Pat();
    m.Pmt({{0x1B, kVideoPid}});
    m.Out.back() ^= 0x01; // the PMT's last CRC byte (its packet is padded at the front)
    m.Payload(kVideoPid, Pes(0xE0, AvcAccessUnit(true, 10, 1), 0));
    TsDemux d;
    d.Push(m.Out, 0);
    d.PushEnd();
    const std::vector<Got> got = ReadAll(d, true);
    REQUIRE(got.size() == 1);
    CHECK(got[0].Code == DecodeCode::InvalidData);
}

TEST_CASE("pushes split at every offset give the same packets as one push")
{
    Muxer m;
    m.Tables();
    m.Payload(kVideoPid, Pes(0xE0, AvcAccessUnit(true, 500, 1, true), 3000, 0), 10, true);
    Bytes frames;
    for (int i = 0; i < 2; ++i)
    {
        const Bytes f = Adts(90, static_cast<uint8_t>(i), i == 1);
        frames.insert(frames.end(), f.begin(), f.end());
    }
    m.Payload(kAudioPid, Pes(0xC0, frames, 100, -1, true));
    m.Payload(kVideoPid, Pes(0xE0, AvcAccessUnit(false, 300, 2), 6000, 3000));
    const std::vector<Got> whole = DemuxWhole(m.Out, false);
    REQUIRE(whole.size() == 4);
    for (size_t cut = 0; cut <= m.Out.size(); ++cut)
    {
        TsDemux d;
        d.Push(std::span<const uint8_t>(m.Out.data(), cut), 0);
        std::vector<Got> got = ReadAll(d, true);
        d.Push(std::span<const uint8_t>(m.Out.data() + cut, m.Out.size() - cut), 0);
        d.PushEnd();
        const std::vector<Got> rest = ReadAll(d, true);
        got.insert(got.end(), rest.begin(), rest.end());
        if (!(got == whole))
        {
            FAIL("split at byte " << cut << " gives " << got.size() << " results");
            break;
        }
    }
}

TEST_CASE("garbage between packets costs one error per sync loss and the packets after it still come out")
{
    Muxer m;
    m.Tables();
    const Bytes a = AvcAccessUnit(true, 300, 1);
    const Bytes b = AvcAccessUnit(false, 300, 2);
    m.Payload(kVideoPid, Pes(0xE0, a, 9000));
    const size_t b_start = m.Out.size();
    m.Payload(kVideoPid, Pes(0xE0, b, 12000));
    Bytes ts = m.Out;
    Bytes garbage(1000);
    for (size_t i = 0; i < garbage.size(); ++i)
        garbage[i] = static_cast<uint8_t>(i * 37 + 11);
    ts.insert(ts.begin() + static_cast<std::ptrdiff_t>(b_start), garbage.begin(), garbage.end());
    ts.insert(ts.begin(), garbage.begin(), garbage.begin() + 100); // and before the first packet
    TsDemux d;
    for (size_t i = 0; i < ts.size(); i += 97)
        d.Push(std::span<const uint8_t>(ts.data() + i, std::min<size_t>(97, ts.size() - i)), 0);
    d.PushEnd();
    std::vector<Got> got = ReadAll(d, true);
    std::vector<Bytes> data;
    int errors = 0;
    for (const Got& g : got)
        if (g.Code == DecodeCode::Ok)
            data.push_back(g.Data);
        else
            ++errors;
    REQUIRE(data.size() == 2);
    CHECK(data[0] == a);
    CHECK(data[1] == b);
    CHECK(errors >= 2); // the garbage made at least the two sync losses
    CHECK(errors == d.Errors());
}

TEST_CASE("resynchronising after garbage with stray sync bytes gives the same results for any split of the pushes")
{
    Muxer m;
    m.Tables();
    m.Payload(kVideoPid, Pes(0xE0, AvcAccessUnit(true, 300, 1), 9000));
    const size_t cut_at = m.Out.size();
    m.Payload(kVideoPid, Pes(0xE0, AvcAccessUnit(false, 300, 2), 12000));
    m.Payload(kAudioPid, Pes(0xC0, Adts(30, 1), 12000, -1, true));
    Bytes ts = m.Out;
    Bytes garbage(450, 0x00);
    for (size_t i = 0; i < garbage.size(); i += 41)
        garbage[i] = 0x47; // sync bytes with none a packet after them
    ts.insert(ts.begin() + static_cast<std::ptrdiff_t>(cut_at), garbage.begin(), garbage.end());
    const std::vector<Got> whole = DemuxWhole(ts, false);
    for (size_t cut = 0; cut <= ts.size(); ++cut)
    {
        TsDemux d;
        d.Push(std::span<const uint8_t>(ts.data(), cut), 0);
        std::vector<Got> got = ReadAll(d, true);
        d.Push(std::span<const uint8_t>(ts.data() + cut, ts.size() - cut), 0);
        d.PushEnd();
        const std::vector<Got> rest = ReadAll(d, true);
        got.insert(got.end(), rest.begin(), rest.end());
        if (!(got == whole))
        {
            FAIL("split at byte " << cut << " gives " << got.size() << " results, one push " << whole.size());
            break;
        }
    }
}

TEST_CASE("tags and serials come back on packets; a new serial drops what was buffered")
{
    Muxer m;
    m.Tables();
    m.Payload(kVideoPid, Pes(0xE0, AvcAccessUnit(true, 300, 1), 0));
    const size_t second = m.Out.size();
    m.Payload(kVideoPid, Pes(0xE0, AvcAccessUnit(false, 300, 2), 3000));
    TsDemux d;
    d.Push(std::span<const uint8_t>(m.Out.data(), second), 1, 100);
    d.Push(std::span<const uint8_t>(m.Out.data() + second, m.Out.size() - second), 1, 101);
    d.PushBoundary();
    const std::vector<Got> got = ReadAll(d);
    REQUIRE(got.size() == 2);
    CHECK(got[0].Tag == 100);
    CHECK(got[1].Tag == 101);

    // A half-built PES of serial 1 is dropped when serial 2 starts; serial 2 plays from its own PAT/PMT.
    d.Push(std::span<const uint8_t>(m.Out.data(), second), 1, 102);
    d.Push(m.Out, 2, 200);
    d.PushBoundary();
    const std::vector<Got> after = ReadAll(d);
    REQUIRE(after.size() == 2);
    CHECK(after[0].Serial == 2);
    CHECK(after[0].Tag == 200);
    CHECK(after[0].Generation == got[0].Generation); // same parameters: same generation
}

TEST_CASE("a PES growing past the cap is dropped, and buffered bytes stay bounded")
{
    Muxer m;
    m.Tables();
    Bytes huge(kTsMaxPes + 1000, 0x42);
    m.Payload(kVideoPid, Pes(0xE0, huge, 0));
    m.Payload(kVideoPid, Pes(0xE0, AvcAccessUnit(true, 10, 1), 3000));
    TsDemux d;
    d.Push(m.Out, 0);
    CHECK(d.BufferedBytes() <= kTsMaxPes + 2 * kTsPacketSize);
    d.PushEnd();
    const std::vector<Got> got = ReadAll(d, true);
    REQUIRE(got.size() == 2);
    CHECK(got[0].Code == DecodeCode::InvalidData);
    CHECK(got[1].Code == DecodeCode::Ok);
}

TEST_CASE("packets pushed and never read are dropped past the output cap, with an error value first")
{
    Muxer m;
    m.Tables();
    const Bytes au = AvcAccessUnit(true, 1 << 20, 1);
    const int count = static_cast<int>(kTsMaxBuffered / au.size()) + 2;
    TsDemux d;
    d.Push(m.Out, 0);
    for (int i = 0; i < count; ++i)
    {
        Muxer one;
        one.Payload(kVideoPid, Pes(0xE0, au, 3000 * i)); // unbounded (a length field holds 64 KiB at most)
        for (size_t k = 0; k < one.Out.size(); k += kTsPacketSize) // the continuity counter goes on
            one.Out[k + 3] = static_cast<uint8_t>((one.Out[k + 3] & 0xF0) | ((m.Cc[kVideoPid] + k / kTsPacketSize) & 0xF));
        m.Cc[kVideoPid] = static_cast<uint8_t>(m.Cc[kVideoPid] + one.Out.size() / kTsPacketSize);
        d.Push(one.Out, 0);
        CHECK(d.BufferedBytes() <= kTsMaxBuffered + au.size() + kTsPacketSize); // the cap and the PES being built
    }
    const std::vector<Got> got = ReadAll(d, true);
    REQUIRE(!got.empty());
    CHECK(got[0].Code == DecodeCode::InvalidData);
    CHECK(got.size() < static_cast<size_t>(count) - 1);
    CHECK(got.back().Code == DecodeCode::Ok);
    CHECK(d.Errors() == 1);
}

TEST_CASE("nothing but random bytes gives error values, no packet and no hang")
{
    Bytes noise(50000);
    uint32_t x = 12345;
    for (uint8_t& b : noise)
    {
        x = x * 1664525u + 1013904223u;
        b = static_cast<uint8_t>(x >> 24);
    }
    TsDemux d;
    d.Push(noise, 0);
    d.PushEnd();
    for (const Got& g : ReadAll(d, true))
        CHECK(g.Code != DecodeCode::Ok);
    MediaPacket p;
    CHECK(d.ReadPacket(p).Code == DecodeCode::EndOfStream);
    CHECK(d.BufferedBytes() == 0);
}

TEST_SUITE_END();
