// FFmpeg error codes as text, for the decode area's error messages (private to src/player/decode).
#pragma once

#include <string>

namespace livescope {

// av_strerror's text for an FFmpeg error code (AVERROR(...)), e.g. "Invalid data found when processing input".
std::string AvErrorString(int err);

} // namespace livescope
