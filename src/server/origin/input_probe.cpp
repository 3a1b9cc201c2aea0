// Pure first look at a publisher's stream: MPEG-TS (PAT then PMT stream types) or Matroska/WebM (EBML Tracks, TrackType).
#include <livescope/server/origin/input_probe.h>

#include <cstdint>

namespace livescope {

namespace {

constexpr size_t TsPacketBytes = 188;

InputLayout Decided(bool video, bool audio)
{
    InputLayout layout;
    layout.LayoutKind = video || audio ? InputLayout::Kind::Known : InputLayout::Kind::Unknown;
    layout.Video = video;
    layout.Audio = audio;
    return layout;
}

InputLayout Result(InputLayout::Kind kind)
{
    InputLayout layout;
    layout.LayoutKind = kind;
    return layout;
}

uint8_t At(std::string_view bytes, size_t i) { return static_cast<uint8_t>(bytes[i]); }

// [SECTION] MPEG-TS

bool TsVideoType(uint8_t type)
{
    // MPEG-1/2 video, MPEG-4 part 2, H.264, HEVC, CAVS, VC-1 (private), AVS2.
    return type == 0x01 || type == 0x02 || type == 0x10 || type == 0x1B || type == 0x24 || type == 0x42 || type == 0xD1 || type == 0xEA;
}

bool TsAudioType(uint8_t type)
{
    // MPEG-1/2 audio, AAC (ADTS, LATM), MPEG-4 audio, AC-3/E-AC-3/DTS/TrueHD (ATSC and private).
    return type == 0x03 || type == 0x04 || type == 0x0F || type == 0x11 || type == 0x1C || (type >= 0x81 && type <= 0x87) || type == 0x8A;
}

// A private-data stream (0x06) is audio when a descriptor says so: AC-3 / E-AC-3 / DTS / AAC (DVB) or Opus (registration).
bool TsPrivateAudio(std::string_view descriptors)
{
    size_t i = 0;
    while (i + 2 <= descriptors.size())
    {
        const uint8_t tag = At(descriptors, i);
        const size_t length = At(descriptors, i + 1);
        if (i + 2 + length > descriptors.size())
            break;
        if (tag == 0x6A || tag == 0x7A || tag == 0x7B || tag == 0x7C)
            return true;
        if (tag == 0x05 && length >= 4 && descriptors.substr(i + 2, 4) == "Opus")
            return true;
        i += 2 + length;
    }
    return false;
}

// The section a packet's payload starts (pointer field skipped), or empty when it does not fit in this packet.
std::string_view TsSection(std::string_view payload)
{
    if (payload.empty())
        return {};
    const size_t pointer = At(payload, 0);
    if (1 + pointer + 3 > payload.size())
        return {};
    const std::string_view section = payload.substr(1 + pointer);
    const size_t length = ((At(section, 1) & 0x0F) << 8) | At(section, 2);
    if (3 + length > section.size() || length < 9)
        return {};
    return section.substr(0, 3 + length);
}

InputLayout ProbeTs(std::string_view bytes, size_t offset)
{
    int pmt_pid = -1;
    for (size_t at = offset; at + TsPacketBytes <= bytes.size(); at += TsPacketBytes)
    {
        const std::string_view packet = bytes.substr(at, TsPacketBytes);
        if (At(packet, 0) != 0x47)
            return Result(InputLayout::Kind::Unknown); // lost sync before the program map
        const bool unit_start = (At(packet, 1) & 0x40) != 0;
        const int pid = ((At(packet, 1) & 0x1F) << 8) | At(packet, 2);
        const uint8_t adaptation = (At(packet, 3) >> 4) & 3;
        if (!unit_start || (adaptation & 1) == 0)
            continue;
        size_t start = 4;
        if (adaptation & 2)
            start += 1 + At(packet, 4);
        if (start >= TsPacketBytes)
            continue;
        const std::string_view section = TsSection(packet.substr(start));
        if (section.empty())
            continue;
        const size_t end = section.size() - 4; // before the CRC
        if (pid == 0 && pmt_pid < 0 && At(section, 0) == 0x00)
        {
            for (size_t i = 8; i + 4 <= end; i += 4)
            {
                const int program = (At(section, i) << 8) | At(section, i + 1);
                if (program != 0) // 0 is the network PID
                {
                    pmt_pid = ((At(section, i + 2) & 0x1F) << 8) | At(section, i + 3);
                    break;
                }
            }
            continue;
        }
        if (pid == pmt_pid && At(section, 0) == 0x02 && section.size() >= 16)
        {
            const size_t info_length = ((At(section, 10) & 0x0F) << 8) | At(section, 11);
            bool video = false, audio = false;
            for (size_t i = 12 + info_length; i + 5 <= end;)
            {
                const uint8_t type = At(section, i);
                const size_t es_info = ((At(section, i + 3) & 0x0F) << 8) | At(section, i + 4);
                if (i + 5 + es_info > end)
                    break;
                video = video || TsVideoType(type);
                audio = audio || TsAudioType(type) || (type == 0x06 && TsPrivateAudio(section.substr(i + 5, es_info)));
                i += 5 + es_info;
            }
            return Decided(video, audio);
        }
    }
    return Result(InputLayout::Kind::NeedMore);
}

// [SECTION] Matroska / WebM

constexpr uint32_t EbmlHeaderId = 0x1A45DFA3;
constexpr uint32_t SegmentId = 0x18538067;
constexpr uint32_t TracksId = 0x1654AE6B;
constexpr uint32_t TrackEntryId = 0xAE;
constexpr uint32_t TrackTypeId = 0x83;
constexpr uint32_t ClusterId = 0x1F43B675;
constexpr uint64_t UnknownSize = ~uint64_t(0);

struct EbmlHeader
{
    enum class Status
    {
        Ok,
        NeedMore,
        Bad,
    };
    Status HeaderStatus = Status::NeedMore;
    uint32_t Id = 0;
    uint64_t Size = 0; // UnknownSize when all its value bits are 1
    size_t HeaderBytes = 0;
};

// The element header at `at`: an ID (1..4 bytes, marker kept) and a size (1..8 bytes, marker removed).
EbmlHeader ReadEbmlHeader(std::string_view bytes, size_t at)
{
    EbmlHeader header;
    if (at >= bytes.size())
        return header;
    const uint8_t first = At(bytes, at);
    size_t id_length = 1;
    while (id_length <= 4 && !(first & (0x80 >> (id_length - 1))))
        id_length++;
    if (id_length > 4)
    {
        header.HeaderStatus = EbmlHeader::Status::Bad;
        return header;
    }
    if (at + id_length >= bytes.size())
        return header;
    for (size_t i = 0; i < id_length; i++)
        header.Id = (header.Id << 8) | At(bytes, at + i);
    const size_t size_at = at + id_length;
    const uint8_t size_first = At(bytes, size_at);
    size_t size_length = 1;
    while (size_length <= 8 && !(size_first & (0x80 >> (size_length - 1))))
        size_length++;
    if (size_length > 8)
    {
        header.HeaderStatus = EbmlHeader::Status::Bad;
        return header;
    }
    if (size_at + size_length > bytes.size())
        return header;
    uint64_t size = size_first & (0xFF >> size_length);
    bool all_ones = size == (0xFFu >> size_length);
    for (size_t i = 1; i < size_length; i++)
    {
        size = (size << 8) | At(bytes, size_at + i);
        all_ones = all_ones && At(bytes, size_at + i) == 0xFF;
    }
    header.Size = all_ones ? UnknownSize : size;
    header.HeaderBytes = id_length + size_length;
    header.HeaderStatus = EbmlHeader::Status::Ok;
    return header;
}

// Video and audio track types in a complete Tracks element's body.
InputLayout ProbeTracks(std::string_view tracks)
{
    bool video = false, audio = false;
    size_t at = 0;
    while (at < tracks.size())
    {
        const EbmlHeader entry = ReadEbmlHeader(tracks, at);
        if (entry.HeaderStatus != EbmlHeader::Status::Ok || entry.Size == UnknownSize || entry.Size > tracks.size() - at - entry.HeaderBytes)
            return Result(InputLayout::Kind::Unknown);
        const std::string_view body = tracks.substr(at + entry.HeaderBytes, entry.Size);
        if (entry.Id == TrackEntryId)
            for (size_t in = 0; in < body.size();)
            {
                const EbmlHeader field = ReadEbmlHeader(body, in);
                if (field.HeaderStatus != EbmlHeader::Status::Ok || field.Size == UnknownSize || field.Size > body.size() - in - field.HeaderBytes)
                    return Result(InputLayout::Kind::Unknown);
                if (field.Id == TrackTypeId && field.Size >= 1)
                {
                    const uint8_t type = At(body, in + field.HeaderBytes + field.Size - 1); // 1 video, 2 audio
                    video = video || type == 1;
                    audio = audio || type == 2;
                }
                in += field.HeaderBytes + field.Size;
            }
        at += entry.HeaderBytes + entry.Size;
    }
    return Decided(video, audio);
}

InputLayout ProbeMatroska(std::string_view bytes)
{
    const EbmlHeader ebml = ReadEbmlHeader(bytes, 0);
    if (ebml.HeaderStatus != EbmlHeader::Status::Ok)
        return Result(ebml.HeaderStatus == EbmlHeader::Status::Bad ? InputLayout::Kind::Unknown : InputLayout::Kind::NeedMore);
    if (ebml.Id != EbmlHeaderId || ebml.Size == UnknownSize)
        return Result(InputLayout::Kind::Unknown);
    size_t at = ebml.HeaderBytes + ebml.Size;
    const EbmlHeader segment = ReadEbmlHeader(bytes, at);
    if (segment.HeaderStatus != EbmlHeader::Status::Ok)
        return Result(segment.HeaderStatus == EbmlHeader::Status::Bad ? InputLayout::Kind::Unknown : InputLayout::Kind::NeedMore);
    if (segment.Id != SegmentId)
        return Result(InputLayout::Kind::Unknown);
    at += segment.HeaderBytes;
    for (;;)
    {
        const EbmlHeader child = ReadEbmlHeader(bytes, at);
        if (child.HeaderStatus != EbmlHeader::Status::Ok)
            return Result(child.HeaderStatus == EbmlHeader::Status::Bad ? InputLayout::Kind::Unknown : InputLayout::Kind::NeedMore);
        if (child.Id == ClusterId || child.Size == UnknownSize)
            return Result(InputLayout::Kind::Unknown); // media before any track list
        const size_t body = at + child.HeaderBytes;
        if (child.Size > bytes.size() - body)
            return Result(InputLayout::Kind::NeedMore);
        if (child.Id == TracksId)
            return ProbeTracks(bytes.substr(body, child.Size));
        at = body + child.Size;
    }
}

InputLayout ProbeAny(std::string_view bytes)
{
    if (bytes.size() < 4)
        return Result(InputLayout::Kind::NeedMore);
    if (At(bytes, 0) == 0x1A && At(bytes, 1) == 0x45 && At(bytes, 2) == 0xDF && At(bytes, 3) == 0xA3)
        return ProbeMatroska(bytes);
    // MPEG-TS: three sync bytes 188 apart, starting within the first packet.
    if (bytes.size() < 4 * TsPacketBytes)
        return Result(InputLayout::Kind::NeedMore);
    for (size_t offset = 0; offset < TsPacketBytes; offset++)
        if (At(bytes, offset) == 0x47 && At(bytes, offset + TsPacketBytes) == 0x47 && At(bytes, offset + 2 * TsPacketBytes) == 0x47)
            return ProbeTs(bytes, offset);
    return Result(InputLayout::Kind::Unknown);
}

} // namespace

InputLayout ProbeInputLayout(std::string_view bytes)
{
    const InputLayout layout = ProbeAny(bytes);
    if (layout.LayoutKind == InputLayout::Kind::NeedMore && bytes.size() >= InputProbeMaxBytes)
        return Result(InputLayout::Kind::Unknown);
    return layout;
}

} // namespace livescope
