// Pure demuxed media: stream parameters and packets with no FFmpeg types (what the pure fMP4 and MPEG-TS demuxers give).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace livescope {

enum class MediaCodec
{
    Unknown, // a stream the pure demuxers do not handle (the worker: a fatal unsupported-codec error)
    H264,
    Hevc,
    Aac,
};

// Parameters of one demuxed stream. Compared field by field to decide whether they changed (Generation bumps then).
struct MediaStreamInfo
{
    bool Video = true; // false: audio
    MediaCodec Codec = MediaCodec::Unknown;
    // fMP4: the sample entry's avcC / hvcC payload (video) or the esds AudioSpecificConfig (audio).
    // MPEG-TS: empty for video (Annex B, parameter sets in band); for AAC the AudioSpecificConfig built from the first
    // ADTS header (2 bytes), since the packets carry raw AAC frames with their ADTS headers stripped.
    std::vector<uint8_t> Extradata;
    bool AnnexB = false;  // video packets use start codes (MPEG-TS) rather than length prefixes (fMP4)
    int Width = 0;        // pixels (0 when unknown: MPEG-TS before an SPS is parsed, if the demuxer does not parse it)
    int Height = 0;       // pixels
    int SampleRate = 0;   // Hz (audio)
    int Channels = 0;     // audio
    uint32_t Timescale = 0; // ticks per second of the container's timestamps (fMP4: mdhd; MPEG-TS: 90000)
    int Generation = 0;   // bumps when any field above changes for this stream (a new init segment, a new PMT)
    // Codec Unknown: the codec the container declares for the stream, which this demuxer could not read, and why (TS:
    // AAC whose ADTS header has channel configuration 0). The worker then switches to FFmpeg's demuxer (demux_switch.h).
    MediaCodec Refused = MediaCodec::Unknown;
    std::string RefusedWhy;

    bool SameParams(const MediaStreamInfo& o) const
    {
        return Video == o.Video && Codec == o.Codec && Extradata == o.Extradata && AnnexB == o.AnnexB && Width == o.Width &&
               Height == o.Height && SampleRate == o.SampleRate && Channels == o.Channels && Timescale == o.Timescale &&
               Refused == o.Refused && RefusedWhy == o.RefusedWhy;
    }
};

// One demuxed packet (an access unit: one video frame, or one raw AAC frame). Valid until the next ReadPacket() or
// Reset() of the demuxer that returned it.
struct MediaPacket
{
    const MediaStreamInfo* Info = nullptr; // owned by the demuxer
    std::span<const uint8_t> Data;         // owned by the demuxer
    double Pts = 0.0;                      // seconds, stream time
    double Dts = 0.0;                      // seconds, stream time
    double Duration = 0.0;                 // seconds; 0 if unknown
    bool Keyframe = false;                 // video: a sync sample / IDR access unit; audio: always true
    int Serial = 0;                        // the serial the bytes were pushed with
    int64_t Tag = 0;                       // the Push() tag of the bytes the packet (fMP4: its fragment) starts in
};

} // namespace livescope
