// Pure first look at a publisher's byte stream (MPEG-TS or Matroska/WebM): does it carry video, audio, or both? The
// origin reads this before starting the stream's encoder, so that an audio-only stream gets black video and a
// video-only stream gets silence (encoder_args.h). No I/O: callers feed the bytes received so far.
#pragma once
#include <cstddef>
#include <string_view>

namespace livescope {

constexpr size_t InputProbeMaxBytes = 1024 * 1024; // bytes; past this the stream's layout is called unknown

struct InputLayout
{
    enum class Kind
    {
        NeedMore, // not decided yet: feed more bytes (always decided at InputProbeMaxBytes)
        Known,    // Video and Audio say what the stream carries
        Unknown,  // not a container this probe reads, or its tracks come too late: let ffmpeg decide (video needed)
    };
    Kind LayoutKind = Kind::NeedMore;
    bool Video = false;
    bool Audio = false;
};

// The layout of the stream whose first bytes are `bytes` (the whole prefix received so far).
InputLayout ProbeInputLayout(std::string_view bytes);

} // namespace livescope
