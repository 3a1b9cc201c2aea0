// Pure encoder configuration: renditions and the ffmpeg command line that writes one CMAF fMP4 stream per rendition to pipe:3, pipe:4, ...
#pragma once
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
};

// Checks the configuration (part/segment sizes, source syntax). False with a reason when it cannot work.
bool ValidateEncoderConfig(const EncoderConfig& config, std::string& error);

// argv (argv[0] = FfmpegPath) for one ffmpeg writing rendition i to file descriptor 3 + i (source pipe: reading fd 0).
std::vector<std::string> BuildFfmpegArgs(const EncoderConfig& config);

// Peak bandwidth for the multivariant playlist, bits per second.
unsigned RenditionBandwidth(const RenditionSpec& spec);

} // namespace livescope
