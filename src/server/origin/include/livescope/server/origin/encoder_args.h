// Pure encoder configuration: renditions and the ffmpeg command line that writes one CMAF fMP4 stream per rendition to pipe:3, pipe:4, ...
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace livescope {

struct RenditionSpec
{
    std::string Name;   // "720p": also the playlist directory
    int Width = 0;      // pixels
    int Height = 0;     // pixels
    int VideoKbps = 0;  // kbit/s, x264 target and cap
    int AudioKbps = 96; // kbit/s, AAC-LC
};

// Known names: 1080p, 720p, 540p, 360p, 240p. Parses "720p,360p" (highest first after sorting). False with a reason on error.
bool ParseRenditionList(std::string_view list, std::vector<RenditionSpec>& out, std::string& error);

struct EncoderConfig
{
    std::string FfmpegPath = "ffmpeg";
    std::string Source = "testsrc"; // testsrc | file:PATH | v4l2:/dev/videoN | pipe (a publisher's stream on stdin)
    int PartMs = 200;               // ms, fragment (part) duration
    int SegmentMs = 2000;           // ms, keyframe interval and segment duration
    int FrameRate = 30;             // frames per second
    std::vector<RenditionSpec> Renditions;
    std::string FontFile = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
    std::string LogLevel = "warning";
    // Source pipe: what the publisher's stream carries (input_probe.h). Without video the encoder adds black video at the
    // top rendition's size; without audio, silence; the run then ends with the publisher's stream (-shortest).
    bool InputVideo = true;
    bool InputAudio = true;
    // Source pipe: the publisher's H.264 goes into the top rendition as it is (-c:v copy); the lower renditions are
    // transcoded from it. Set per publisher from DecideTopRenditionCopy; AllowTopCopy false (--top-copy off) never copies.
    bool TopCopy = false;
    bool AllowTopCopy = true;
};

// Checks the configuration (part/segment sizes, source syntax). False with a reason when it cannot work.
bool ValidateEncoderConfig(const EncoderConfig& config, std::string& error);

// argv (argv[0] = FfmpegPath) for one ffmpeg writing rendition i to file descriptor 3 + i (source pipe: reading fd 0).
std::vector<std::string> BuildFfmpegArgs(const EncoderConfig& config);

// [SECTION] Top rendition copy
// What the origin knows of a publisher's video before its encoder starts (the studio's livescope-frames stream header
// and first key frame, ingest_frames.h). Other inputs (MediaRecorder WebM, MPEG-TS, RTMP, SRT) give no facts (Framed false).
struct TopCopyFacts
{
    bool Framed = false;       // a livescope-frames stream (WebCodecs): codec, size and key frames are declared
    bool H264 = false;         // the video track is H.264
    int Width = 0;             // pixels
    int Height = 0;            // pixels
    int ProfileIdc = 0;        // H.264 profile_idc of the first SPS (66: Baseline, which has no B-frames)
    int KeyframeMs = 0;        // ms: the publisher promises a key frame at each multiple of this from media time 0 (0: none)
    int64_t VideoBitrate = 0;  // bit/s asked of the publisher's encoder (0: unknown)
};

struct TopCopyDecision
{
    bool Copy = false;
    std::string Reason; // one line: why it is copied, or why not
};

// Copy when the stream fits the top rendition exactly: framed H.264 Baseline (no frame reordering), the top
// rendition's width and height (a smaller picture would make RESOLUTION lie and could sit below a lower rendition),
// key frames promised at every segment boundary (--segment-ms), a bitrate within the top rendition's. Else transcode.
TopCopyDecision DecideTopRenditionCopy(const TopCopyFacts& facts, const EncoderConfig& config);

// Peak bandwidth for the multivariant playlist, bits per second.
unsigned RenditionBandwidth(const RenditionSpec& spec);

} // namespace livescope
