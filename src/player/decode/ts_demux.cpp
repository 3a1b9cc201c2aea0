// Pure MPEG-TS demuxer: 188-byte packets with resync, PAT/PMT sections, PES reassembly, access units and ADTS frames.
#include <livescope/player/decode/ts_demux.h>
#include <livescope/player/decode/container_scan.h>
#include <livescope/player/decode/webcodecs.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <string>
#include <vector>

// [SECTION] Helpers (CRC, bit reader, SPS)
// [SECTION] Impl state
// [SECTION] Packets and sections
// [SECTION] PES out: access units and ADTS frames
// [SECTION] Public API

namespace livescope {

// [SECTION] Helpers (CRC, bit reader, SPS) ----------------------------------------------------------

uint32_t TsCrc32(std::span<const uint8_t> bytes)
{
    uint32_t crc = 0xFFFFFFFFu;
    for (const uint8_t b : bytes)
    {
        crc ^= static_cast<uint32_t>(b) << 24;
        for (int i = 0; i < 8; ++i)
            crc = (crc & 0x80000000u) ? (crc << 1) ^ 0x04C11DB7u : crc << 1;
    }
    return crc;
}

namespace {

constexpr int64_t kPtsWrap = int64_t{1} << 33; // 90 kHz ticks: the PTS/DTS field width
constexpr double kTicks = 90000.0;             // ticks per second
constexpr size_t kMaxSection = 1024;           // bytes: PSI section_length is at most 1021
constexpr size_t kMaxAdtsFrame = 8191;         // bytes: the 13-bit frame_length
constexpr size_t kItemOverhead = 64;           // bytes counted per queued item (bounds a queue of error values)
constexpr size_t kMaxSpsBytes = 512;           // bytes of an SPS read for its size (the fields needed come first)
constexpr size_t kMaxOtherPrograms = 16;       // programs after the first whose PMT is read (for a refusal)

// Exp-Golomb bit reader over an RBSP; reads past the end set Bad and return 0.
struct BitReader
{
    std::span<const uint8_t> Data;
    size_t Pos = 0; // bits
    bool Bad = false;

    uint32_t Bit()
    {
        if (Pos >= Data.size() * 8)
        {
            Bad = true;
            return 0;
        }
        const uint32_t v = (Data[Pos / 8] >> (7 - Pos % 8)) & 1u;
        ++Pos;
        return v;
    }
    uint32_t Bits(int n)
    {
        uint32_t v = 0;
        for (int i = 0; i < n; ++i)
            v = (v << 1) | Bit();
        return v;
    }
    void Skip(size_t n)
    {
        Pos += n;
        if (Pos > Data.size() * 8)
            Bad = true;
    }
    uint32_t Ue()
    {
        int zeros = 0;
        while (Bit() == 0 && !Bad)
            if (++zeros > 31)
            {
                Bad = true;
                return 0;
            }
        if (Bad)
            return 0;
        return ((1u << zeros) - 1u) + Bits(zeros);
    }
    int32_t Se()
    {
        const uint32_t k = Ue();
        return (k & 1u) ? static_cast<int32_t>((k + 1) / 2) : -static_cast<int32_t>(k / 2);
    }
};

// The RBSP of a NAL unit's payload (after its `header` bytes), emulation prevention bytes removed, at most kMaxSpsBytes.
std::vector<uint8_t> Rbsp(std::span<const uint8_t> nal, size_t header)
{
    std::vector<uint8_t> out;
    int zeros = 0;
    for (size_t i = header; i < nal.size() && out.size() < kMaxSpsBytes; ++i)
    {
        if (zeros >= 2 && nal[i] == 3)
        {
            zeros = 0;
            continue;
        }
        zeros = nal[i] == 0 ? zeros + 1 : 0;
        out.push_back(nal[i]);
    }
    return out;
}

std::optional<VideoSize> ParseAvcSps(std::span<const uint8_t> nal)
{
    const std::vector<uint8_t> rbsp = Rbsp(nal, 1);
    BitReader r{rbsp};
    const uint32_t profile = r.Bits(8);
    r.Skip(16); // constraint flags, level
    r.Ue();     // seq_parameter_set_id
    uint32_t chroma = 1;
    bool separate_planes = false;
    switch (profile)
    {
        case 100: case 110: case 122: case 244: case 44: case 83: case 86: case 118: case 128: case 138: case 139: case 134: case 135:
        {
            chroma = r.Ue();
            if (chroma > 3)
                return std::nullopt;
            if (chroma == 3)
                separate_planes = r.Bit() != 0;
            r.Ue();   // bit_depth_luma_minus8
            r.Ue();   // bit_depth_chroma_minus8
            r.Bit();  // qpprime_y_zero_transform_bypass_flag
            if (r.Bit() != 0) // seq_scaling_matrix_present_flag
                for (int i = 0; i < (chroma == 3 ? 12 : 8) && !r.Bad; ++i)
                    if (r.Bit() != 0)
                    {
                        int last = 8, next = 8;
                        for (int j = 0; j < (i < 6 ? 16 : 64) && !r.Bad; ++j)
                        {
                            if (next != 0)
                                next = (last + r.Se() + 256) % 256;
                            last = next == 0 ? last : next;
                        }
                    }
            break;
        }
        default: break;
    }
    r.Ue(); // log2_max_frame_num_minus4
    const uint32_t poc_type = r.Ue();
    if (poc_type == 0)
        r.Ue(); // log2_max_pic_order_cnt_lsb_minus4
    else if (poc_type == 1)
    {
        r.Bit(); // delta_pic_order_always_zero_flag
        r.Se();  // offset_for_non_ref_pic
        r.Se();  // offset_for_top_to_bottom_field
        const uint32_t n = r.Ue();
        if (n > 255)
            return std::nullopt;
        for (uint32_t i = 0; i < n && !r.Bad; ++i)
            r.Se();
    }
    else if (poc_type > 2)
        return std::nullopt;
    r.Ue();  // max_num_ref_frames
    r.Bit(); // gaps_in_frame_num_value_allowed_flag
    const uint32_t w_mbs = r.Ue() + 1;
    const uint32_t h_units = r.Ue() + 1;
    const uint32_t frame_mbs_only = r.Bit();
    if (frame_mbs_only == 0)
        r.Bit(); // mb_adaptive_frame_field_flag
    r.Bit();     // direct_8x8_inference_flag
    uint32_t crop[4] = {0, 0, 0, 0};
    if (r.Bit() != 0)
        for (uint32_t& c : crop)
            c = r.Ue();
    if (r.Bad || w_mbs > 1024 || h_units > 1024)
        return std::nullopt;
    const int64_t unit_x = (chroma == 0 || separate_planes) ? 1 : (chroma == 3 ? 1 : 2);
    const int64_t unit_y = ((chroma == 0 || separate_planes) ? 1 : (chroma == 1 ? 2 : 1)) * (2 - static_cast<int64_t>(frame_mbs_only));
    const int64_t w = int64_t{w_mbs} * 16 - unit_x * (int64_t{crop[0]} + crop[1]);
    const int64_t h = int64_t{h_units} * 16 * (2 - static_cast<int64_t>(frame_mbs_only)) - unit_y * (int64_t{crop[2]} + crop[3]);
    if (w <= 0 || h <= 0)
        return std::nullopt;
    return VideoSize{static_cast<int>(w), static_cast<int>(h)};
}

std::optional<VideoSize> ParseHevcSps(std::span<const uint8_t> nal)
{
    const std::vector<uint8_t> rbsp = Rbsp(nal, 2);
    BitReader r{rbsp};
    r.Skip(4); // sps_video_parameter_set_id
    const uint32_t max_sub_layers_minus1 = r.Bits(3);
    r.Skip(1);  // sps_temporal_id_nesting_flag
    r.Skip(96); // profile_tier_level: general profile (88 bits) and level (8 bits)
    bool profile_present[8] = {}, level_present[8] = {};
    for (uint32_t i = 0; i < max_sub_layers_minus1; ++i)
    {
        profile_present[i] = r.Bit() != 0;
        level_present[i] = r.Bit() != 0;
    }
    if (max_sub_layers_minus1 > 0)
        r.Skip(2 * (8 - max_sub_layers_minus1)); // reserved_zero_2bits
    for (uint32_t i = 0; i < max_sub_layers_minus1; ++i)
        r.Skip((profile_present[i] ? 88 : 0) + (level_present[i] ? 8 : 0));
    r.Ue(); // sps_seq_parameter_set_id
    const uint32_t chroma = r.Ue();
    if (chroma > 3)
        return std::nullopt;
    bool separate_planes = false;
    if (chroma == 3)
        separate_planes = r.Bit() != 0;
    const uint32_t w = r.Ue();
    const uint32_t h = r.Ue();
    uint32_t win[4] = {0, 0, 0, 0}; // left, right, top, bottom
    if (r.Bit() != 0)
        for (uint32_t& c : win)
            c = r.Ue();
    if (r.Bad || w == 0 || h == 0 || w > 16888 || h > 16888)
        return std::nullopt;
    const int64_t sub_w = (chroma == 1 || chroma == 2) && !separate_planes ? 2 : 1;
    const int64_t sub_h = chroma == 1 && !separate_planes ? 2 : 1;
    const int64_t cw = int64_t{w} - sub_w * (int64_t{win[0]} + win[1]);
    const int64_t ch = int64_t{h} - sub_h * (int64_t{win[2]} + win[3]);
    if (cw <= 0 || ch <= 0)
        return std::nullopt;
    return VideoSize{static_cast<int>(cw), static_cast<int>(ch)};
}

// What an access unit holds: an IDR/IRAP picture, and the size from its SPS if it has one.
struct AuScan
{
    bool Key = false;
    std::optional<VideoSize> Size;
};

AuScan ScanAccessUnit(std::span<const uint8_t> au, bool hevc)
{
    AuScan scan;
    // NAL units start after each 00 00 01 (a 4-byte start code is a zero byte and a 3-byte one).
    size_t i = 0;
    auto next_start = [&](size_t from) {
        for (size_t k = from; k + 3 <= au.size(); ++k)
            if (au[k] == 0 && au[k + 1] == 0 && au[k + 2] == 1)
                return k;
        return au.size();
    };
    i = next_start(0);
    while (i < au.size())
    {
        const size_t nal_begin = i + 3;
        size_t nal_end = next_start(nal_begin);
        const size_t next = nal_end;
        while (nal_end > nal_begin && au[nal_end - 1] == 0)
            --nal_end; // trailing zero bytes (the next 4-byte start code's first byte)
        if (nal_begin < nal_end)
        {
            const std::span<const uint8_t> nal = au.subspan(nal_begin, nal_end - nal_begin);
            const int type = hevc ? (nal[0] >> 1) & 0x3F : nal[0] & 0x1F;
            if (hevc ? (type >= 16 && type <= 21) : type == 5)
                scan.Key = true;
            if (!scan.Size && (hevc ? type == 33 : type == 7))
                scan.Size = ParseSpsSize(nal, hevc);
        }
        i = next;
    }
    return scan;
}

uint64_t ReadTimestamp(const uint8_t* b)
{
    return (static_cast<uint64_t>((b[0] >> 1) & 7) << 30) | (static_cast<uint64_t>(b[1]) << 22) |
           (static_cast<uint64_t>(b[2] >> 1) << 15) | (static_cast<uint64_t>(b[3]) << 7) | (b[4] >> 1);
}

// The played kind of a PMT entry: video, audio, or none (data, subtitles: ignored).
enum class EsKind
{
    None,
    Video,
    Audio,
};

EsKind KindOf(uint8_t stream_type, std::span<const uint8_t> descriptors)
{
    switch (stream_type)
    {
        case 0x01: case 0x02: case 0x10: case 0x1B: case 0x20: case 0x24: case 0x33: case 0x42: case 0xD1: case 0xEA:
            return EsKind::Video;
        case 0x03: case 0x04: case 0x0F: case 0x11: case 0x1C: case 0x81: case 0x82: case 0x83: case 0x84: case 0x85:
        case 0x86: case 0x87:
            return EsKind::Audio;
        case 0x06: // PES private data: audio when a descriptor says so (AC-3, E-AC-3, DTS, AAC, Opus)
            for (size_t i = 0; i + 2 <= descriptors.size();)
            {
                const uint8_t tag = descriptors[i];
                const size_t len = descriptors[i + 1];
                if (i + 2 + len > descriptors.size())
                    break;
                if (tag == 0x6A || tag == 0x7A || tag == 0x7B || tag == 0x7C)
                    return EsKind::Audio;
                if (tag == 0x05 && len >= 4)
                {
                    const std::string id(descriptors.begin() + static_cast<std::ptrdiff_t>(i + 2), descriptors.begin() + static_cast<std::ptrdiff_t>(i + 6));
                    if (id == "Opus" || id == "AC-3" || id == "EAC3" || id == "DTS1" || id == "DTS2" || id == "DTS3")
                        return EsKind::Audio;
                }
                i += 2 + len;
            }
            return EsKind::None;
        default: return EsKind::None;
    }
}

MediaCodec CodecOf(uint8_t stream_type)
{
    switch (stream_type)
    {
        case 0x1B: return MediaCodec::H264;
        case 0x24: return MediaCodec::Hevc;
        case 0x0F: return MediaCodec::Aac;
        default: return MediaCodec::Unknown;
    }
}

std::string Hex(unsigned v)
{
    static constexpr char kDigits[] = "0123456789ABCDEF";
    std::string s = "0x";
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4)
    {
        const unsigned d = (v >> shift) & 0xF;
        if (d != 0 || started || shift == 0)
        {
            s.push_back(kDigits[d]);
            started = true;
        }
    }
    return s;
}

} // namespace

std::optional<VideoSize> ParseSpsSize(std::span<const uint8_t> nal, bool hevc)
{
    if (nal.size() < (hevc ? 3u : 2u))
        return std::nullopt;
    if (hevc ? ((nal[0] >> 1) & 0x3F) != 33 : (nal[0] & 0x1F) != 7)
        return std::nullopt;
    return hevc ? ParseHevcSps(nal) : ParseAvcSps(nal);
}

// [SECTION] Impl state ----------------------------------------------------------------------------

struct TsDemux::Impl
{
    // One queued result: a packet or an error value, in input order.
    struct Item
    {
        DecodeStatus Status;
        std::shared_ptr<const MediaStreamInfo> Info;
        std::vector<uint8_t> Data;
        double Pts = NAN, Dts = NAN, Duration = 0.0; // seconds
        bool Keyframe = false;
        int64_t Tag = 0;
    };

    // A PSI section being assembled (PAT or PMT).
    struct Section
    {
        std::vector<uint8_t> Buf;
        bool Active = false;
    };

    // The played stream of one kind: its PID, type and the PES being built.
    struct Es
    {
        int Pid = -1;
        uint8_t Type = 0;
        MediaCodec Codec = MediaCodec::Unknown;
        bool Disabled = false; // reported Unknown: its packets are ignored
        std::vector<uint8_t> Pes;
        bool Active = false;  // a PES is being built
        size_t Expected = 0;  // bytes of the whole PES (6 + PES_packet_length), 0 = unbounded
        int64_t Tag = 0;      // tag of the TS packet the PES started in
        VideoSize Size;       // video: last SPS size
        // Audio: the bytes of an ADTS frame that continues in the next PES, and its pts.
        std::vector<uint8_t> Carry;
        int64_t CarryTag = 0;
        double NextPts = NAN; // seconds: the pts of the frame after the last one handed out
    };

    int Serial = 0;
    bool SerialSet = false;
    bool Ended = false;
    int ErrorCount = 0;

    // Input bytes not parsed yet (less than a packet, or bytes being resynchronised); Pending[0] is at logical offset Base.
    std::vector<uint8_t> Pending;
    int64_t Base = 0;
    std::vector<std::pair<int64_t, int64_t>> Tags; // (logical offset where a tag starts, tag)
    bool LostSync = false;

    struct PidState
    {
        int8_t Cc = -1;
        bool Scrambled = false;
    };
    std::vector<PidState> Pids = std::vector<PidState>(8192);
    int Program = -1; // program_number from the PAT
    int PmtPid = -1;
    Section Pat, Pmt;
    Es Streams[2]; // video, audio
    bool PmtApplied = false; // the first program's PMT was read (Streams say what it has)

    // The PAT's other programs (not played): their PMTs are read only to find media the first program lacks, which
    // FFmpeg's demuxer (it takes the first video and audio stream of any program) plays: a refusal (docs/decode.md).
    struct OtherProgram
    {
        int Number = 0;
        int Pid = -1;
        bool Seen = false;                // its PMT was read
        MediaCodec Codec[2] = {};          // the first video / audio stream's codec
        bool Has[2] = {false, false};      // it has a video / audio stream
    };
    std::vector<OtherProgram> Others;                   // at most kMaxOtherPrograms
    std::vector<std::pair<int, Section>> OtherSections; // per PMT PID of the other programs (not the first's)
    int ProgramCount = 0;                               // programs in the PAT (the network PID not counted)
    bool ProgramsRefused = false;                       // the refusal was reported (once)

    // Timeline: the last unwrapped timestamp (90 kHz ticks), for the next one to land next to it.
    bool HaveRef = false;
    int64_t Ref = 0;

    // Stream parameters, kept across Reset() so that unchanged parameters keep their Generation.
    std::shared_ptr<const MediaStreamInfo> Info[2];
    int Generation[2] = {0, 0};

    std::deque<Item> Out;
    size_t OutBytes = 0;
    Item Current; // the item last handed out (owns its Data)

    void Clear()
    {
        Pending.clear();
        Base = 0;
        Tags.clear();
        LostSync = false;
        std::fill(Pids.begin(), Pids.end(), PidState{});
        Program = -1;
        PmtPid = -1;
        Pat = {};
        Pmt = {};
        Streams[0] = {};
        Streams[1] = {};
        PmtApplied = false;
        Others.clear();
        OtherSections.clear();
        ProgramCount = 0;
        ProgramsRefused = false;
        HaveRef = false;
        Ref = 0;
        Out.clear();
        OutBytes = 0;
        Current = {};
        Ended = false;
    }

    int64_t TagAt(int64_t offset) const
    {
        for (size_t i = Tags.size(); i-- > 0;)
            if (Tags[i].first <= offset)
                return Tags[i].second;
        return Tags.empty() ? 0 : Tags.front().second;
    }

    void Queue(Item item)
    {
        const size_t cost = item.Data.size() + kItemOverhead;
        if (OutBytes + cost > kTsMaxBuffered)
        {
            const size_t dropped = Out.size();
            Out.clear();
            OutBytes = 0;
            Error(DecodeCode::InvalidData, "MPEG-TS: more than " + std::to_string(kTsMaxBuffered >> 20) + " MiB demuxed and not read: " +
                                               std::to_string(dropped) + " results dropped");
        }
        OutBytes += cost;
        Out.push_back(std::move(item));
    }

    void Error(DecodeCode code, std::string reason)
    {
        ++ErrorCount;
        Item item;
        item.Status = {code, std::move(reason)};
        Queue(std::move(item));
    }

    int64_t Unwrap(uint64_t raw)
    {
        const auto v = static_cast<int64_t>(raw & (kPtsWrap - 1));
        if (!HaveRef)
        {
            HaveRef = true;
            Ref = v;
            return v;
        }
        const int64_t ref_mod = ((Ref % kPtsWrap) + kPtsWrap) % kPtsWrap;
        int64_t delta = v - ref_mod;
        if (delta >= kPtsWrap / 2)
            delta -= kPtsWrap;
        else if (delta < -kPtsWrap / 2)
            delta += kPtsWrap;
        Ref += delta;
        return Ref;
    }

    std::shared_ptr<const MediaStreamInfo> UpdateInfo(int k, MediaStreamInfo info)
    {
        if (Info[k] && Info[k]->SameParams(info))
            return Info[k];
        info.Generation = ++Generation[k];
        Info[k] = std::make_shared<const MediaStreamInfo>(std::move(info));
        return Info[k];
    }

    // [SECTION] Packets and sections -------------------------------------------------------------

    void Parse(bool at_end)
    {
        size_t pos = 0;
        while (pos + kTsPacketSize <= Pending.size())
        {
            bool sync = Pending[pos] == 0x47;
            if (sync && LostSync)
            {
                // Resynchronising: a sync byte counts when another one follows a packet later (or at the end, when
                // it starts the last whole packet). Without the bytes to tell yet, wait for them.
                if (pos + kTsPacketSize < Pending.size())
                    sync = Pending[pos + kTsPacketSize] == 0x47;
                else if (!at_end)
                    break;
            }
            if (!sync)
            {
                if (!LostSync)
                {
                    LostSync = true;
                    Error(DecodeCode::InvalidData, "MPEG-TS: lost packet sync at byte " + std::to_string(Base + static_cast<int64_t>(pos)));
                }
                // Resync at a sync byte followed by another one a packet later (or, at the end, a last whole packet).
                size_t next = pos + 1;
                while (next + kTsPacketSize < Pending.size() && !(Pending[next] == 0x47 && Pending[next + kTsPacketSize] == 0x47))
                    ++next;
                if (next + kTsPacketSize >= Pending.size())
                {
                    if (at_end && next + kTsPacketSize == Pending.size() && Pending[next] == 0x47)
                    {
                        pos = next; // the last whole packet
                        continue;
                    }
                    pos = next; // keep the tail: a sync byte may be in it
                    break;
                }
                pos = next;
                continue;
            }
            LostSync = false;
            Packet(Pending.data() + pos, TagAt(Base + static_cast<int64_t>(pos)));
            pos += kTsPacketSize;
        }
        Pending.erase(Pending.begin(), Pending.begin() + static_cast<std::ptrdiff_t>(pos));
        Base += static_cast<int64_t>(pos);
        size_t keep = 0;
        while (keep + 1 < Tags.size() && Tags[keep + 1].first <= Base)
            ++keep;
        Tags.erase(Tags.begin(), Tags.begin() + static_cast<std::ptrdiff_t>(keep));
    }

    void Packet(const uint8_t* p, int64_t tag)
    {
        const int pid = ((p[1] & 0x1F) << 8) | p[2];
        if (pid == 0x1FFF)
            return;
        Es* es = nullptr;
        Section* sec = nullptr;
        if (pid == 0)
            sec = &Pat;
        else if (pid == PmtPid)
            sec = &Pmt;
        else if (pid == Streams[0].Pid && !Streams[0].Disabled)
            es = &Streams[0];
        else if (pid == Streams[1].Pid && !Streams[1].Disabled)
            es = &Streams[1];
        else
        {
            for (auto& [other_pid, other] : OtherSections)
                if (other_pid == pid)
                    sec = &other;
            if (sec == nullptr)
                return;
        }
        PidState& st = Pids[static_cast<size_t>(pid)];
        const bool pusi = (p[1] & 0x40) != 0;
        const uint8_t afc = (p[3] >> 4) & 3;
        const auto cc = static_cast<int8_t>(p[3] & 0xF);

        auto drop = [&](const std::string& why) {
            if (es != nullptr && es->Active)
            {
                Error(DecodeCode::InvalidData, "MPEG-TS: PID " + Hex(static_cast<unsigned>(pid)) + ": " + why + ", PES dropped");
                DropPes(*es);
                return;
            }
            if (sec != nullptr)
                *sec = {};
            Error(DecodeCode::InvalidData, "MPEG-TS: PID " + Hex(static_cast<unsigned>(pid)) + ": " + why);
        };

        if ((p[3] & 0xC0) != 0)
        {
            if (!st.Scrambled)
            {
                st.Scrambled = true;
                if (es != nullptr)
                    DropPes(*es);
                if (sec != nullptr)
                    *sec = {};
                Error(DecodeCode::UnsupportedFormat, "MPEG-TS: scrambled packets on PID " + Hex(static_cast<unsigned>(pid)) + " (an encrypted stream)");
            }
            st.Cc = -1;
            return;
        }
        st.Scrambled = false;
        if ((p[1] & 0x80) != 0)
        {
            drop("transport error indicator");
            st.Cc = -1;
            return;
        }
        if (afc == 0)
        {
            drop("reserved adaptation_field_control");
            st.Cc = -1;
            return;
        }
        size_t off = 4;
        bool discontinuity = false;
        if ((afc & 2) != 0)
        {
            const size_t len = p[4];
            if (len > (afc == 3 ? 182u : 183u))
            {
                drop("adaptation field of " + std::to_string(len) + " bytes");
                st.Cc = -1;
                return;
            }
            if (len > 0)
                discontinuity = (p[5] & 0x80) != 0;
            off = 5 + len;
        }
        if ((afc & 1) == 0)
            return; // adaptation field only: the counter does not move
        if (st.Cc >= 0 && !discontinuity)
        {
            if (cc == st.Cc)
                return; // a duplicate packet
            if (cc != ((st.Cc + 1) & 0xF))
            {
                const int prev = st.Cc;
                st.Cc = cc;
                drop("continuity counter jumped from " + std::to_string(prev) + " to " + std::to_string(cc));
                if (!pusi)
                    return;
            }
        }
        st.Cc = cc;
        const std::span<const uint8_t> payload(p + off, kTsPacketSize - off);
        if (sec != nullptr)
            SectionPayload(*sec, pid == 0, payload, pusi);
        else
            PesPayload(*es, es == &Streams[0], payload, pusi, tag);
    }

    void SectionPayload(Section& sec, bool pat, std::span<const uint8_t> payload, bool pusi)
    {
        if (pusi)
        {
            if (payload.empty() || static_cast<size_t>(payload[0]) + 1 > payload.size())
            {
                sec = {};
                Error(DecodeCode::InvalidData, "MPEG-TS: PSI pointer_field past the packet");
                return;
            }
            const size_t ptr = payload[0];
            if (sec.Active)
                SectionBytes(sec, pat, payload.subspan(1, ptr));
            sec.Buf.clear();
            sec.Active = true;
            SectionBytes(sec, pat, payload.subspan(1 + ptr));
        }
        else if (sec.Active)
            SectionBytes(sec, pat, payload);
    }

    void SectionBytes(Section& sec, bool pat, std::span<const uint8_t> bytes)
    {
        if (!sec.Active)
            return;
        sec.Buf.insert(sec.Buf.end(), bytes.begin(), bytes.end());
        while (sec.Active && sec.Buf.size() >= 3)
        {
            if (sec.Buf[0] == 0xFF)
            {
                sec = {}; // stuffing: no more sections in this packet
                return;
            }
            const size_t total = 3 + (static_cast<size_t>(sec.Buf[1] & 0x0F) << 8 | sec.Buf[2]);
            if (total > kMaxSection)
            {
                sec = {};
                Error(DecodeCode::InvalidData, "MPEG-TS: PSI section longer than 1024 bytes");
                return;
            }
            if (sec.Buf.size() < total)
                return;
            const std::vector<uint8_t> section(sec.Buf.begin(), sec.Buf.begin() + static_cast<std::ptrdiff_t>(total));
            sec.Buf.erase(sec.Buf.begin(), sec.Buf.begin() + static_cast<std::ptrdiff_t>(total));
            HandleSection(section, pat);
        }
    }

    void HandleSection(std::span<const uint8_t> s, bool pat)
    {
        // table_id, flags+length (2), id (2), version (1), section numbers (2), ..., CRC (4)
        if ((s[1] & 0x80) == 0 || s.size() < 12)
            return; // not a long-form section: not a PAT or PMT
        if (TsCrc32(s) != 0)
        {
            Error(DecodeCode::InvalidData, std::string("MPEG-TS: ") + (pat ? "PAT" : "PMT") + " CRC mismatch");
            return;
        }
        if ((s[5] & 1) == 0)
            return; // current_next_indicator 0: not applicable yet
        const size_t end = s.size() - 4;
        if (pat)
        {
            if (s[0] != 0x00)
                return;
            int count = 0;
            std::vector<OtherProgram> others;
            for (size_t i = 8; i + 4 <= end; i += 4)
            {
                const int program = (s[i] << 8) | s[i + 1];
                const int pid = ((s[i + 2] & 0x1F) << 8) | s[i + 3];
                if (program == 0)
                    continue; // the network PID
                if (++count == 1)
                {
                    // The first program is the one played.
                    if (pid != PmtPid || program != Program)
                    {
                        Program = program;
                        PmtPid = pid;
                        Pmt = {};
                        PmtApplied = false;
                    }
                    continue;
                }
                if (others.size() >= kMaxOtherPrograms)
                    continue;
                OtherProgram o;
                o.Number = program;
                o.Pid = pid;
                for (const OtherProgram& old : Others)
                    if (old.Number == program && old.Pid == pid)
                        o = old; // the same PMT: what was read of it stays
                others.push_back(o);
            }
            ProgramCount = count;
            Others = std::move(others);
            // One section assembler per PMT PID of the other programs (a PID shared with the first's uses Pmt).
            std::vector<std::pair<int, Section>> sections;
            for (const OtherProgram& o : Others)
            {
                if (o.Pid == PmtPid || std::any_of(sections.begin(), sections.end(), [&](const auto& x) { return x.first == o.Pid; }))
                    continue;
                Section sec;
                for (auto& [old_pid, old_sec] : OtherSections)
                    if (old_pid == o.Pid)
                        sec = std::move(old_sec);
                sections.emplace_back(o.Pid, std::move(sec));
            }
            OtherSections = std::move(sections);
            CheckPrograms();
            return;
        }
        if (s[0] != 0x02)
            return;
        if (((s[3] << 8) | s[4]) != Program)
        {
            OtherPmt(s, end);
            return;
        }
        const size_t info_len = (static_cast<size_t>(s[10] & 0x0F) << 8) | s[11];
        int found_pid[2] = {-1, -1};
        uint8_t found_type[2] = {0, 0};
        for (size_t i = 12 + info_len; i + 5 <= end;)
        {
            const uint8_t type = s[i];
            const int pid = ((s[i + 1] & 0x1F) << 8) | s[i + 2];
            const size_t es_len = (static_cast<size_t>(s[i + 3] & 0x0F) << 8) | s[i + 4];
            if (i + 5 + es_len > end)
                break;
            const EsKind kind = KindOf(type, s.subspan(i + 5, es_len));
            const int k = kind == EsKind::Video ? 0 : kind == EsKind::Audio ? 1 : -1;
            if (k >= 0 && found_pid[k] < 0)
            {
                found_pid[k] = pid;
                found_type[k] = type;
            }
            i += 5 + es_len;
        }
        for (int k = 0; k < 2; ++k)
        {
            Es& es = Streams[k];
            if (es.Pid == found_pid[k] && es.Type == found_type[k])
                continue;
            if (es.Active && es.Expected == 0 && !es.Disabled)
                FinishPes(es, k == 0, true); // an unbounded PES of the old stream ends here: nothing more comes on its PID
            es = {};
            es.Pid = found_pid[k];
            es.Type = found_type[k];
            es.Codec = CodecOf(es.Type);
            if (es.Pid >= 0)
                Pids[static_cast<size_t>(es.Pid)] = {};
            if (es.Pid >= 0 && es.Codec == MediaCodec::Unknown)
                ReportUnknown(k);
        }
        PmtApplied = true;
        CheckPrograms();
    }

    // A PMT of another program than the first: what media it has (the first video and audio stream's codec).
    void OtherPmt(std::span<const uint8_t> s, size_t end)
    {
        const int number = (s[3] << 8) | s[4];
        OtherProgram* o = nullptr;
        for (OtherProgram& x : Others)
            if (x.Number == number)
                o = &x;
        if (o == nullptr)
            return;
        const size_t info_len = (static_cast<size_t>(s[10] & 0x0F) << 8) | s[11];
        o->Seen = true;
        o->Has[0] = o->Has[1] = false;
        o->Codec[0] = o->Codec[1] = MediaCodec::Unknown;
        for (size_t i = 12 + info_len; i + 5 <= end;)
        {
            const uint8_t type = s[i];
            const size_t es_len = (static_cast<size_t>(s[i + 3] & 0x0F) << 8) | s[i + 4];
            if (i + 5 + es_len > end)
                break;
            const EsKind kind = KindOf(type, s.subspan(i + 5, es_len));
            const int k = kind == EsKind::Video ? 0 : kind == EsKind::Audio ? 1 : -1;
            if (k >= 0 && !o->Has[k])
            {
                o->Has[k] = true;
                o->Codec[k] = CodecOf(type);
            }
            i += 5 + es_len;
        }
        CheckPrograms();
    }

    // Several programs: the first is played, unless another program has a kind of media (video, audio) the first lacks,
    // in a codec some module decodes. FFmpeg's demuxer plays that stream (it takes the first video and the first audio
    // stream of every program), this one would play it without that media: a refusal naming that codec, reported once
    // on the missing kind. Decided once the first program's PMT and the other one's were read.
    void CheckPrograms()
    {
        if (ProgramsRefused || !PmtApplied || Others.empty())
            return;
        for (int k = 0; k < 2; ++k)
        {
            if (Streams[k].Pid >= 0)
                continue;
            for (const OtherProgram& o : Others)
                if (o.Seen && o.Has[k] && o.Codec[k] != MediaCodec::Unknown)
                {
                    ProgramsRefused = true;
                    ReportUnknown(k, o.Codec[k], std::string("mpeg-ts ") + (k == 0 ? "video" : "audio") + " in program " +
                                                     std::to_string(o.Number) + ", not in the first (" +
                                                     std::to_string(ProgramCount) + " programs)");
                    return;
                }
        }
    }

    // A played stream this demuxer does not handle: one packet with Codec Unknown (the worker reports an unsupported
    // codec), then its packets are ignored.
    // `refused`, `why`: a codec the PMT declares that this demuxer could not read (MediaStreamInfo::Refused).
    void ReportUnknown(int k, MediaCodec refused = MediaCodec::Unknown, std::string why = {})
    {
        Es& es = Streams[k];
        es.Disabled = true;
        DropPes(es);
        MediaStreamInfo info;
        info.Video = k == 0;
        info.Codec = MediaCodec::Unknown;
        info.Timescale = 90000;
        info.Refused = refused;
        info.RefusedWhy = std::move(why);
        Item item;
        item.Info = UpdateInfo(k, info);
        item.Keyframe = k == 1;
        Queue(std::move(item));
    }

    void DropPes(Es& es)
    {
        es.Pes.clear();
        es.Active = false;
        es.Expected = 0;
        es.Carry.clear();
    }

    void PesPayload(Es& es, bool video, std::span<const uint8_t> payload, bool pusi, int64_t tag)
    {
        if (pusi)
        {
            if (es.Active)
                FinishPes(es, video, false);
            es.Pes.assign(payload.begin(), payload.end());
            es.Active = true;
            es.Expected = 0;
            es.Tag = tag;
        }
        else
        {
            if (!es.Active)
                return; // waiting for a PES start
            if (es.Pes.size() + payload.size() > kTsMaxPes)
            {
                DropPes(es);
                Error(DecodeCode::InvalidData, "MPEG-TS: a PES over " + std::to_string(kTsMaxPes >> 20) + " MiB, dropped");
                return;
            }
            es.Pes.insert(es.Pes.end(), payload.begin(), payload.end());
        }
        if (es.Expected == 0 && es.Pes.size() >= 6)
        {
            if (es.Pes[0] != 0 || es.Pes[1] != 0 || es.Pes[2] != 1)
            {
                DropPes(es);
                Error(DecodeCode::InvalidData, "MPEG-TS: PES without a start code");
                return;
            }
            const size_t len = (static_cast<size_t>(es.Pes[4]) << 8) | es.Pes[5];
            es.Expected = len == 0 ? 0 : 6 + len;
        }
        if (es.Expected > 0 && es.Pes.size() >= es.Expected)
        {
            es.Pes.resize(es.Expected);
            FinishPes(es, video, true);
        }
    }

    // [SECTION] PES out: access units and ADTS frames ------------------------------------------

    // Hands out the PES being built. `complete`: it ended where it should (its length reached, or the next PES start
    // for an unbounded one, or a frame boundary); a bounded PES cut short is dropped.
    void FinishPes(Es& es, bool video, bool complete)
    {
        std::vector<uint8_t> pes = std::move(es.Pes);
        const int64_t tag = es.Tag;
        es.Pes.clear();
        es.Active = false;
        const size_t expected = es.Expected;
        es.Expected = 0;
        if (pes.size() < 6 || (!complete && expected > 0 && pes.size() < expected))
        {
            es.Carry.clear();
            Error(DecodeCode::InvalidData, "MPEG-TS: PES cut short (" + std::to_string(pes.size()) + " of " + std::to_string(expected) + " bytes), dropped");
            return;
        }
        const uint8_t stream_id = pes[3];
        size_t payload = 6;
        double pts = NAN, dts = NAN;
        const bool has_header = stream_id != 0xBC && stream_id != 0xBE && stream_id != 0xBF && stream_id != 0xF0 && stream_id != 0xF1 &&
                                stream_id != 0xFF && stream_id != 0xF2 && stream_id != 0xF8;
        if (has_header)
        {
            if (pes.size() < 9 || (pes[6] & 0xC0) != 0x80 || static_cast<size_t>(9) + pes[8] > pes.size())
            {
                es.Carry.clear();
                Error(DecodeCode::InvalidData, "MPEG-TS: bad PES header, PES dropped");
                return;
            }
            const unsigned flags = pes[7] >> 6;
            const size_t header_len = pes[8];
            if (flags >= 2 && header_len >= 5)
                pts = static_cast<double>(Unwrap(ReadTimestamp(&pes[9]))) / kTicks;
            if (flags == 3 && header_len >= 10)
                dts = static_cast<double>(Unwrap(ReadTimestamp(&pes[14]))) / kTicks;
            payload = 9 + header_len;
        }
        if (std::isnan(dts))
            dts = pts;
        const std::span<const uint8_t> data(pes.data() + payload, pes.size() - payload);
        if (video)
            VideoOut(es, data, pts, dts, tag);
        else
            AudioOut(es, data, pts, tag);
    }

    void VideoOut(Es& es, std::span<const uint8_t> data, double pts, double dts, int64_t tag)
    {
        if (data.empty())
            return;
        const bool hevc = es.Codec == MediaCodec::Hevc;
        const AuScan scan = ScanAccessUnit(data, hevc);
        if (scan.Size)
            es.Size = *scan.Size;
        MediaStreamInfo info;
        info.Video = true;
        info.Codec = es.Codec;
        info.AnnexB = true;
        info.Width = es.Size.Width;
        info.Height = es.Size.Height;
        info.Timescale = 90000;
        Item item;
        item.Info = UpdateInfo(0, info);
        item.Data.assign(data.begin(), data.end());
        item.Pts = pts;
        item.Dts = dts;
        item.Keyframe = scan.Key;
        item.Tag = tag;
        Queue(std::move(item));
    }

    void AudioOut(Es& es, std::span<const uint8_t> payload, double pes_pts, int64_t tag)
    {
        std::vector<uint8_t> buf = std::move(es.Carry);
        es.Carry.clear();
        const size_t carried = buf.size();
        const int64_t carry_tag = es.CarryTag;
        buf.insert(buf.end(), payload.begin(), payload.end());
        bool pes_pts_used = std::isnan(pes_pts);
        size_t skipped = 0;
        size_t pos = 0;
        while (pos < buf.size())
        {
            const size_t left = buf.size() - pos;
            const uint8_t* b = buf.data() + pos;
            const bool sync = b[0] == 0xFF && (left < 2 || (b[1] & 0xF6) == 0xF0);
            if (!sync)
            {
                ++pos;
                ++skipped;
                continue;
            }
            if (left < 7)
            {
                es.Carry.assign(b, b + left); // a header continues in the next PES
                es.CarryTag = pos < carried ? carry_tag : tag;
                break;
            }
            const size_t header = (b[1] & 1) ? 7 : 9;
            const size_t frame = (static_cast<size_t>(b[3] & 3) << 11) | (static_cast<size_t>(b[4]) << 3) | (b[5] >> 5);
            if (frame < header)
            {
                ++pos;
                ++skipped;
                continue;
            }
            if (frame > left)
            {
                es.Carry.assign(b, b + left); // the frame continues in the next PES
                es.CarryTag = pos < carried ? carry_tag : tag;
                break;
            }
            const std::optional<AdtsHeader> h = ParseAdtsHeader(std::span<const uint8_t>(b, frame));
            if (!h)
            {
                // An ADTS header without a sample rate or a channel configuration: AAC that FFmpeg's demuxer plays.
                const int channel_config = ((b[2] & 1) << 2) | (b[3] >> 6);
                ReportUnknown(1, MediaCodec::Aac, channel_config == 0 ? "aac channel configuration 0"
                                                                      : "aac sampling frequency index " + std::to_string((b[2] >> 2) & 0xF));
                return;
            }
            double pts = es.NextPts;
            if (!pes_pts_used && pos >= carried)
            {
                pts = pes_pts;
                pes_pts_used = true;
            }
            const int blocks = (b[6] & 3) + 1;
            const double duration = 1024.0 * blocks / h->SampleRate;
            MediaStreamInfo info;
            info.Video = false;
            info.Codec = MediaCodec::Aac;
            info.Extradata.assign(h->Asc, h->Asc + 2);
            info.SampleRate = h->SampleRate;
            info.Channels = h->Channels;
            info.Timescale = 90000;
            Item item;
            item.Info = UpdateInfo(1, info);
            item.Data.assign(b + h->HeaderSize, b + frame);
            item.Pts = pts;
            item.Dts = pts;
            item.Duration = duration;
            item.Keyframe = true;
            item.Tag = pos < carried ? carry_tag : tag;
            Queue(std::move(item));
            es.NextPts = pts + duration;
            pos += frame;
        }
        if (es.Carry.size() > kMaxAdtsFrame)
            es.Carry.clear();
        if (skipped > 0)
            Error(DecodeCode::InvalidData, "MPEG-TS: " + std::to_string(skipped) + " bytes without an ADTS sync word skipped");
    }

    // Hands out the unbounded PES being built (PushBoundary: all of them end here; PushEnd: every PES).
    void FlushPes(bool at_end)
    {
        for (int k = 0; k < 2; ++k)
        {
            Es& es = Streams[k];
            if (es.Active && (at_end || es.Expected == 0))
                FinishPes(es, k == 0, es.Expected == 0);
            if (at_end && !es.Carry.empty())
            {
                es.Carry.clear();
                Error(DecodeCode::InvalidData, "MPEG-TS: the stream ends inside an ADTS frame");
            }
        }
    }
};

// [SECTION] Public API ---------------------------------------------------------------------------

TsDemux::TsDemux() : P(std::make_unique<Impl>()) {}
TsDemux::~TsDemux() = default;

void TsDemux::Push(std::span<const uint8_t> bytes, int serial, int64_t tag)
{
    Impl& s = *P;
    if (s.SerialSet && serial != s.Serial)
        Reset();
    s.Serial = serial;
    s.SerialSet = true;
    s.Ended = false;
    if (bytes.empty())
        return;
    const int64_t at = s.Base + static_cast<int64_t>(s.Pending.size());
    if (s.Tags.empty() || s.Tags.back().second != tag)
        s.Tags.emplace_back(at, tag);
    s.Pending.insert(s.Pending.end(), bytes.begin(), bytes.end());
    s.Parse(false);
}

void TsDemux::PushBoundary()
{
    // Only at a packet boundary: a partial packet means the bytes do not end where a frame does.
    if (P->Pending.empty())
        P->FlushPes(false);
}

void TsDemux::PushEnd()
{
    Impl& s = *P;
    s.Parse(true);
    if (!s.Pending.empty())
    {
        s.Error(DecodeCode::InvalidData, "MPEG-TS: " + std::to_string(s.Pending.size()) + " trailing bytes (a partial packet) dropped");
        s.Base += static_cast<int64_t>(s.Pending.size());
        s.Pending.clear();
    }
    s.FlushPes(true);
    s.Ended = true;
}

void TsDemux::Reset()
{
    P->Clear();
}

DecodeStatus TsDemux::ReadPacket(MediaPacket& out)
{
    Impl& s = *P;
    if (s.Out.empty())
    {
        s.Current = {};
        return {s.Ended ? DecodeCode::EndOfStream : DecodeCode::NeedMore, {}};
    }
    s.Current = std::move(s.Out.front());
    s.Out.pop_front();
    s.OutBytes -= std::min(s.OutBytes, s.Current.Data.size() + kItemOverhead);
    if (!s.Current.Status.IsOk())
        return s.Current.Status;
    out = {};
    out.Info = s.Current.Info.get();
    out.Data = s.Current.Data;
    out.Pts = s.Current.Pts;
    out.Dts = s.Current.Dts;
    out.Duration = s.Current.Duration;
    out.Keyframe = s.Current.Keyframe;
    out.Serial = s.Serial;
    out.Tag = s.Current.Tag;
    return {};
}

size_t TsDemux::BufferedBytes() const
{
    const Impl& s = *P;
    size_t n = s.Pending.size() + s.OutBytes;
    for (const Impl::Es& es : s.Streams)
        n += es.Pes.size() + es.Carry.size();
    return n;
}

int TsDemux::Errors() const { return P->ErrorCount; }

} // namespace livescope
