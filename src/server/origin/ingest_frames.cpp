// Pure: the studio's framed WebCodecs messages → one Matroska stream (parser, H.264 Annex B → avcC, EBML writer, muxer).
#include <livescope/server/origin/ingest_frames.h>

#include <livescope/server/origin/broadcasts.h>

#include <algorithm>
#include <cstring>

namespace livescope {

namespace {

uint32_t ReadU32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]); }
uint16_t ReadU16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }

void PutU16(std::string& out, uint16_t v)
{
    out.push_back(char(v >> 8));
    out.push_back(char(v & 0xff));
}
void PutU32(std::string& out, uint32_t v)
{
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(char((v >> shift) & 0xff));
}
void PutU64(std::string& out, uint64_t v)
{
    for (int shift = 56; shift >= 0; shift -= 8)
        out.push_back(char((v >> shift) & 0xff));
}

// [SECTION] EBML

void PutId(std::string& out, uint32_t id)
{
    // IDs are written with their marker bits, as in the spec tables (0x1A45DFA3 is four bytes, 0xE7 one).
    int bytes = id > 0xffffff ? 4 : id > 0xffff ? 3
                                : id > 0xff     ? 2
                                                : 1;
    for (int i = bytes - 1; i >= 0; i--)
        out.push_back(char((id >> (8 * i)) & 0xff));
}

void PutSize(std::string& out, uint64_t size)
{
    // The shortest vint that holds `size` (all ones is reserved for "unknown" at each length).
    int length = 1;
    while (length < 8 && size >= (uint64_t(1) << (7 * length)) - 1)
        length++;
    const uint64_t marked = size | (uint64_t(1) << (7 * length));
    for (int i = length - 1; i >= 0; i--)
        out.push_back(char((marked >> (8 * i)) & 0xff));
}

void PutUnknownSize(std::string& out) { out.append("\x01\xff\xff\xff\xff\xff\xff\xff", 8); }

void PutElement(std::string& out, uint32_t id, const std::string& body)
{
    PutId(out, id);
    PutSize(out, body.size());
    out += body;
}

void PutUint(std::string& out, uint32_t id, uint64_t value)
{
    std::string body;
    int bytes = 1;
    while (bytes < 8 && (value >> (8 * bytes)) != 0)
        bytes++;
    for (int i = bytes - 1; i >= 0; i--)
        body.push_back(char((value >> (8 * i)) & 0xff));
    PutElement(out, id, body);
}

void PutFloat(std::string& out, uint32_t id, double value)
{
    uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof(bits));
    std::string body;
    PutU64(body, bits);
    PutElement(out, id, body);
}

const char* CodecIdOf(IngestCodec codec)
{
    switch (codec)
    {
        case IngestCodec::H264AnnexB:
            return "V_MPEG4/ISO/AVC";
        case IngestCodec::Opus:
            return "A_OPUS";
        case IngestCodec::AacLc:
            return "A_AAC";
    }
    return "";
}

constexpr uint32_t AacSampleRates[] = {96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350};

} // namespace

// [SECTION] Framing

std::string RemoveFramesSubprotocol(std::string_view protocols, bool& offered)
{
    offered = false;
    std::string kept;
    for (std::string_view trimmed : SplitSubprotocols(protocols))
    {
        if (trimmed == IngestFramesSubprotocol)
        {
            offered = true;
            continue;
        }
        if (!kept.empty())
            kept += ", ";
        kept += trimmed;
    }
    return kept;
}

bool ParseIngestMessage(const uint8_t* data, size_t size, IngestMessage& out, std::string& error)
{
    out = IngestMessage();
    if (size == 0)
    {
        error = "empty message";
        return false;
    }
    if (data[0] == 'S')
    {
        if (size < 3 || (data[1] != 1 && data[1] != 2))
        {
            error = size < 3 ? "stream header too short" : "unknown framing version " + std::to_string(data[1]);
            return false;
        }
        const size_t count = data[2];
        const size_t trailer = data[1] == 2 ? IngestHeaderV2TrailerBytes : 0;
        if (count < 1 || count > 2 || size != 3 + count * IngestTrackEntryBytes + trailer)
        {
            error = data[1] == 2 ? "stream header (version 2) must list 1 or 2 tracks of 11 bytes, then 8 bytes"
                                 : "stream header must list 1 or 2 tracks of 11 bytes";
            return false;
        }
        if (trailer > 0)
        {
            const uint8_t* t = data + 3 + count * IngestTrackEntryBytes;
            out.KeyframeMs = ReadU32(t);
            out.VideoBitrate = ReadU32(t + 4);
            if (out.KeyframeMs > 60000)
            {
                error = "key frame interval out of range (0..60000 ms)";
                return false;
            }
        }
        out.MessageKind = IngestMessage::Kind::StreamHeader;
        int videos = 0, audios = 0;
        for (size_t i = 0; i < count; i++)
        {
            const uint8_t* p = data + 3 + i * IngestTrackEntryBytes;
            IngestTrack track;
            track.Id = p[0];
            if (p[1] < 1 || p[1] > 3)
            {
                error = "unknown codec " + std::to_string(p[1]);
                return false;
            }
            track.Codec = IngestCodec(p[1]);
            track.Width = ReadU16(p + 2);
            track.Height = ReadU16(p + 4);
            track.SampleRate = ReadU32(p + 6);
            track.Channels = p[10];
            for (const IngestTrack& other : out.Tracks)
                if (other.Id == track.Id)
                {
                    error = "track id listed twice";
                    return false;
                }
            if (track.Video())
            {
                videos++;
                if (track.Width < 16 || track.Height < 16 || track.Width > 7680 || track.Height > 4320)
                {
                    error = "video size out of range (16x16 to 7680x4320)";
                    return false;
                }
            }
            else
            {
                audios++;
                if (track.SampleRate < 8000 || track.SampleRate > 192000 || track.Channels < 1 || track.Channels > 8)
                {
                    error = "audio rate or channels out of range (8000..192000 Hz, 1..8 channels)";
                    return false;
                }
            }
            out.Tracks.push_back(track);
        }
        if (videos > 1 || audios > 1)
        {
            error = "at most one video and one audio track";
            return false;
        }
        return true;
    }
    if (data[0] == 'F')
    {
        if (size <= IngestFrameHeaderBytes)
        {
            error = "frame too short";
            return false;
        }
        out.MessageKind = IngestMessage::Kind::Frame;
        out.Track = data[1];
        out.Key = (data[2] & 1) != 0;
        uint64_t capture = 0;
        for (int i = 0; i < 8; i++)
            capture = capture << 8 | data[3 + i];
        out.CaptureUs = int64_t(capture);
        out.DurationUs = ReadU32(data + 11);
        out.Payload = data + IngestFrameHeaderBytes;
        out.PayloadSize = size - IngestFrameHeaderBytes;
        return true;
    }
    error = "unknown message type";
    return false;
}

std::string EncodeIngestStreamHeader(const std::vector<IngestTrack>& tracks)
{
    std::string out = "S";
    out.push_back(1);
    out.push_back(char(tracks.size()));
    for (const IngestTrack& track : tracks)
    {
        out.push_back(char(track.Id));
        out.push_back(char(track.Codec));
        PutU16(out, track.Width);
        PutU16(out, track.Height);
        PutU32(out, track.SampleRate);
        out.push_back(char(track.Channels));
    }
    return out;
}

std::string EncodeIngestStreamHeaderV2(const std::vector<IngestTrack>& tracks, uint32_t keyframe_ms, uint32_t video_bitrate)
{
    std::string out = EncodeIngestStreamHeader(tracks);
    out[1] = 2;
    PutU32(out, keyframe_ms);
    PutU32(out, video_bitrate);
    return out;
}

std::string IngestHelloMessage(const EncoderConfig& config)
{
    const RenditionSpec top = config.Renditions.empty() ? RenditionSpec{} : config.Renditions.front();
    return "{\"segment_ms\":" + std::to_string(config.SegmentMs) + ",\"part_ms\":" + std::to_string(config.PartMs) + ",\"width\":" +
           std::to_string(top.Width) + ",\"height\":" + std::to_string(top.Height) + ",\"video_kbps\":" + std::to_string(top.VideoKbps) +
           ",\"frame_rate\":" + std::to_string(config.FrameRate) + "}";
}

std::string EncodeIngestFrame(uint8_t track, bool key, int64_t capture_us, uint32_t duration_us, const std::string& payload)
{
    std::string out = "F";
    out.push_back(char(track));
    out.push_back(key ? 1 : 0);
    PutU64(out, uint64_t(capture_us));
    PutU32(out, duration_us);
    return out + payload;
}

// [SECTION] H.264

std::vector<std::pair<const uint8_t*, size_t>> SplitAnnexB(const uint8_t* data, size_t size)
{
    std::vector<std::pair<const uint8_t*, size_t>> units;
    size_t i = 0, start = size; // start: first byte of the current unit (size: none yet)
    auto close_unit = [&](size_t end) {
        if (start < end)
        {
            size_t e = end;
            while (e > start && data[e - 1] == 0) // trailing zeros belong to the next 4-byte start code
                e--;
            if (e > start)
                units.emplace_back(data + start, e - start);
        }
    };
    while (i + 3 <= size)
    {
        if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1)
        {
            close_unit(i);
            i += 3;
            start = i;
            continue;
        }
        i++;
    }
    close_unit(size);
    return units;
}

bool BuildAvcC(const uint8_t* data, size_t size, std::string& avcc)
{
    std::pair<const uint8_t*, size_t> sps{nullptr, 0}, pps{nullptr, 0};
    for (const auto& unit : SplitAnnexB(data, size))
    {
        const int type = unit.first[0] & 0x1f;
        if (type == 7 && !sps.first && unit.second >= 4 && unit.second <= 0xffff)
            sps = unit;
        else if (type == 8 && !pps.first && unit.second >= 1 && unit.second <= 0xffff)
            pps = unit;
    }
    if (!sps.first || !pps.first)
        return false;
    avcc.clear();
    avcc.push_back(1);                  // configurationVersion
    avcc.push_back(char(sps.first[1])); // profile
    avcc.push_back(char(sps.first[2])); // constraint flags
    avcc.push_back(char(sps.first[3])); // level
    avcc.push_back(char(0xff));         // 6 reserved bits + lengthSizeMinusOne = 3
    avcc.push_back(char(0xe1));         // 3 reserved bits + one SPS
    PutU16(avcc, uint16_t(sps.second));
    avcc.append(reinterpret_cast<const char*>(sps.first), sps.second);
    avcc.push_back(1); // one PPS
    PutU16(avcc, uint16_t(pps.second));
    avcc.append(reinterpret_cast<const char*>(pps.first), pps.second);
    return true;
}

std::string AnnexBToLengthPrefixed(const uint8_t* data, size_t size)
{
    std::string out;
    out.reserve(size + 16);
    for (const auto& unit : SplitAnnexB(data, size))
    {
        PutU32(out, uint32_t(unit.second));
        out.append(reinterpret_cast<const char*>(unit.first), unit.second);
    }
    return out;
}

// [SECTION] Matroska

std::string OpusHead(uint8_t channels, uint32_t sample_rate)
{
    std::string head = "OpusHead";
    head.push_back(1); // version
    head.push_back(char(channels));
    head.append("\0\0", 2); // pre-skip (little-endian): none, so capture time and media time stay equal
    for (int i = 0; i < 4; i++)
        head.push_back(char((sample_rate >> (8 * i)) & 0xff)); // input sample rate, little-endian
    head.append("\0\0", 2);                                    // output gain
    head.push_back(0);                                         // channel mapping family 0 (mono or stereo)
    return head;
}

bool AacLcAudioSpecificConfig(uint32_t sample_rate, uint8_t channels, std::string& out)
{
    int index = -1;
    for (int i = 0; i < int(sizeof(AacSampleRates) / sizeof(AacSampleRates[0])); i++)
        if (AacSampleRates[i] == sample_rate)
            index = i;
    if (index < 0 || channels < 1 || channels > 7)
        return false;
    const uint16_t config = uint16_t(2 << 11 | index << 7 | channels << 3); // object type 2 (LC), rate index, channels
    out.clear();
    PutU16(out, config);
    return true;
}

std::string WriteMatroskaHeader(const std::vector<IngestTrack>& tracks, const std::vector<std::string>& codec_private)
{
    std::string out;
    std::string ebml;
    PutUint(ebml, 0x4286, 1); // EBMLVersion
    PutUint(ebml, 0x42F7, 1); // EBMLReadVersion
    PutUint(ebml, 0x42F2, 4); // EBMLMaxIDLength
    PutUint(ebml, 0x42F3, 8); // EBMLMaxSizeLength
    PutElement(ebml, 0x4282, "matroska");
    PutUint(ebml, 0x4287, 4); // DocTypeVersion
    PutUint(ebml, 0x4285, 2); // DocTypeReadVersion
    PutElement(out, 0x1A45DFA3, ebml);

    PutId(out, 0x18538067); // Segment, unknown size (a live stream)
    PutUnknownSize(out);
    std::string info;
    PutUint(info, 0x2AD7B1, 1000000); // TimestampScale: 1 ms
    PutElement(info, 0x4D80, "livescope-origin");
    PutElement(info, 0x5741, "livescope-origin");
    PutElement(out, 0x1549A966, info);

    std::string list;
    for (size_t i = 0; i < tracks.size(); i++)
    {
        const IngestTrack& track = tracks[i];
        std::string entry;
        PutUint(entry, 0xD7, i + 1);                 // TrackNumber
        PutUint(entry, 0x73C5, i + 1);               // TrackUID
        PutUint(entry, 0x83, track.Video() ? 1 : 2); // TrackType
        PutUint(entry, 0x9C, 0);                     // FlagLacing
        PutElement(entry, 0x86, CodecIdOf(track.Codec));
        if (i < codec_private.size() && !codec_private[i].empty())
            PutElement(entry, 0x63A2, codec_private[i]);
        std::string detail;
        if (track.Video())
        {
            PutUint(detail, 0xB0, track.Width);
            PutUint(detail, 0xBA, track.Height);
            PutElement(entry, 0xE0, detail);
        }
        else
        {
            PutFloat(detail, 0xB5, double(track.SampleRate));
            PutUint(detail, 0x9F, track.Channels);
            PutElement(entry, 0xE1, detail);
        }
        PutElement(list, 0xAE, entry);
    }
    PutElement(out, 0x1654AE6B, list);
    return out;
}

std::string WriteMatroskaCluster(uint64_t timestamp_ms)
{
    std::string out;
    PutId(out, 0x1F43B675);
    PutUnknownSize(out);
    PutUint(out, 0xE7, timestamp_ms);
    return out;
}

std::string WriteMatroskaSimpleBlock(uint64_t track_number, int16_t relative_ms, bool key, const uint8_t* data, size_t size)
{
    std::string body;
    PutSize(body, track_number); // the track number is a vint too
    PutU16(body, uint16_t(relative_ms));
    body.push_back(char(key ? 0x80 : 0x00));
    body.append(reinterpret_cast<const char*>(data), size);
    std::string out;
    PutElement(out, 0xA3, body);
    return out;
}

std::string WriteMatroskaBlockGroup(uint64_t track_number, int16_t relative_ms, bool key, uint64_t duration_ms, int64_t reference_ms,
                                    const uint8_t* data, size_t size)
{
    std::string block;
    PutSize(block, track_number);
    PutU16(block, uint16_t(relative_ms));
    block.push_back(0); // Block flags: key frames are the blocks without a ReferenceBlock
    block.append(reinterpret_cast<const char*>(data), size);
    std::string group;
    PutElement(group, 0xA1, block);
    PutUint(group, 0x9B, duration_ms); // BlockDuration
    if (!key)
    {
        const int64_t reference = reference_ms == 0 ? -1 : std::max<int64_t>(-32768, std::min<int64_t>(32767, reference_ms));
        std::string value;
        PutU16(value, uint16_t(int16_t(reference))); // a signed integer, two bytes
        PutElement(group, 0xFB, value);              // ReferenceBlock
    }
    std::string out;
    PutElement(out, 0xA0, group);
    return out;
}

// [SECTION] FrameMuxer

bool FrameMuxer::Fail(std::string reason)
{
    Failed = true;
    ErrorText = std::move(reason);
    return false;
}

void FrameMuxer::WriteBlock(size_t index, uint64_t at_ms, bool key, uint64_t duration_ms, const uint8_t* data, size_t size, std::string& out)
{
    const bool video = Tracks[index].Video();
    if (!HaveCluster || (video && key) || at_ms < ClusterMs || at_ms - ClusterMs >= uint64_t(MatroskaClusterSpanMs))
    {
        out += WriteMatroskaCluster(at_ms);
        ClusterMs = at_ms;
        HaveCluster = true;
    }
    const int16_t relative = int16_t(at_ms - ClusterMs);
    if (duration_ms > 0)
        out += WriteMatroskaBlockGroup(index + 1, relative, key, duration_ms, -int64_t(LastVideoDurationMs), data, size);
    else
        out += WriteMatroskaSimpleBlock(index + 1, relative, video ? key : true, data, size);
    if (video && duration_ms > 0)
        LastVideoDurationMs = duration_ms;
}

void FrameMuxer::FlushHeld(uint64_t next_video_ms, std::string& out)
{
    if (Held.empty())
        return;
    const HeldFrame& video = Held.front();
    WriteBlock(video.Index, video.AtMs, video.Key, std::max<uint64_t>(1, next_video_ms - video.AtMs), reinterpret_cast<const uint8_t*>(video.Bytes.data()),
               video.Bytes.size(), out);
    for (size_t i = 1; i < Held.size(); i++)
        WriteBlock(Held[i].Index, Held[i].AtMs, true, 0, reinterpret_cast<const uint8_t*>(Held[i].Bytes.data()), Held[i].Bytes.size(), out);
    Held.clear();
}

void FrameMuxer::Finish(std::string& out)
{
    if (Failed || Held.empty())
        return;
    FlushHeld(Held.front().AtMs + (LastVideoDurationMs > 0 ? LastVideoDurationMs : 33), out); // its duration: the last one's
}

bool FrameMuxer::Feed(const uint8_t* data, size_t size, std::string& out)
{
    if (Failed)
        return false;
    IngestMessage message;
    std::string error;
    if (!ParseIngestMessage(data, size, message, error))
        return Fail(error);
    if (message.MessageKind == IngestMessage::Kind::StreamHeader)
    {
        if (HaveHeader)
            return Fail("a second stream header");
        Tracks = message.Tracks;
        KeyframeMs = message.KeyframeMs;
        VideoBitrate = message.VideoBitrate;
        HaveHeader = true;
        return true;
    }
    if (!HaveHeader)
        return Fail("a frame before the stream header");
    size_t index = Tracks.size();
    for (size_t i = 0; i < Tracks.size(); i++)
        if (Tracks[i].Id == message.Track)
            index = i;
    if (index == Tracks.size())
        return Fail("a frame of an unknown track");
    const IngestTrack& track = Tracks[index];
    bool has_video = false;
    for (const IngestTrack& t : Tracks)
        has_video = has_video || t.Video();

    if (!StartedFlag)
    {
        // The stream starts at the first video keyframe (audio-only: the first audio frame).
        if ((has_video && !(track.Video() && message.Key)))
        {
            Dropped++;
            return true;
        }
        std::vector<std::string> privates(Tracks.size());
        Facts = TopCopyFacts{};
        Facts.Framed = true;
        Facts.KeyframeMs = int(KeyframeMs);
        Facts.VideoBitrate = VideoBitrate;
        for (size_t i = 0; i < Tracks.size(); i++)
        {
            const IngestTrack& t = Tracks[i];
            if (t.Codec == IngestCodec::H264AnnexB && !BuildAvcC(message.Payload, message.PayloadSize, privates[i]))
                return Fail("the first keyframe has no SPS and PPS");
            if (t.Codec == IngestCodec::H264AnnexB)
            {
                Facts.H264 = true;
                Facts.Width = t.Width;
                Facts.Height = t.Height;
                Facts.ProfileIdc = uint8_t(privates[i][1]);
            }
            if (t.Codec == IngestCodec::Opus)
                privates[i] = OpusHead(t.Channels, t.SampleRate);
            if (t.Codec == IngestCodec::AacLc && !AacLcAudioSpecificConfig(t.SampleRate, t.Channels, privates[i]))
                return Fail("no AAC configuration for this sample rate and channel count");
        }
        Copy = has_video && KeyframeMs > 0 && Decide && Decide(DecideContext, Facts);
        out += WriteMatroskaHeader(Tracks, privates);
        StartedFlag = true;
        AnchorUs = message.CaptureUs;
    }
    if (message.CaptureUs < AnchorUs)
    {
        Dropped++; // captured before the stream's start (audio a little ahead of the first keyframe)
        return true;
    }
    uint64_t at_ms = uint64_t((message.CaptureUs - AnchorUs + 500) / 1000);
    if (track.Codec != IngestCodec::H264AnnexB)
    {
        if (Held.empty())
            WriteBlock(index, at_ms, true, 0, message.Payload, message.PayloadSize, out);
        else
        {
            Held.push_back(HeldFrame{index, at_ms, true, std::string(reinterpret_cast<const char*>(message.Payload), message.PayloadSize)});
            if (Held.size() > HeldMaxFrames || at_ms > Held.front().AtMs + HeldMaxMs)
                FlushHeld(Held.front().AtMs + (LastVideoDurationMs > 0 ? LastVideoDurationMs : 33), out); // video stalled
        }
        return true;
    }
    std::string units = AnnexBToLengthPrefixed(message.Payload, message.PayloadSize);
    if (units.empty())
    {
        Dropped++;
        return true;
    }
    if (HaveVideo && at_ms <= LastVideoMs)
        at_ms = LastVideoMs + 1; // video times strictly increase (a copied stream's muxer needs it)
    bool key = message.Key;
    if (Copy)
    {
        // The promised cadence: window w = [w × KeyframeMs, (w + 1) × KeyframeMs) of media time.
        const int64_t window = int64_t(at_ms / KeyframeMs);
        const int64_t late = int64_t(at_ms) - window * int64_t(KeyframeMs); // ms after the window's boundary
        if (!HaveVideo)
            KeyWindow = 0; // the first key frame is media time 0
        else if (window > KeyWindow)
        {
            if (key)
                KeyWindow = window;
            else if (late > KeyframeLateMaxMs)
                return Fail("no key frame within " + std::to_string(KeyframeLateMaxMs) + " ms of the " + std::to_string(window * int64_t(KeyframeMs)) +
                            " ms boundary (the stream promised one every " + std::to_string(KeyframeMs) + " ms)");
        }
        else if (key && int64_t(at_ms) >= (KeyWindow + 1) * int64_t(KeyframeMs) - KeyframeEarlyMaxMs)
            KeyWindow++; // a little early (jitter): the next window's key frame
        else if (key)
        {
            key = false; // off the cadence: not a segment start
            ClearedKeys++;
        }
    }
    HaveVideo = true;
    LastVideoMs = at_ms;
    if (!Copy)
    {
        WriteBlock(index, at_ms, key, 0, reinterpret_cast<const uint8_t*>(units.data()), units.size(), out);
        return true;
    }
    FlushHeld(at_ms, out); // the held frame's duration is known now
    Held.push_back(HeldFrame{index, at_ms, key, std::move(units)});
    return true;
}

} // namespace livescope
