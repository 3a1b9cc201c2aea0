// FFmpeg error codes as text (see av_error.h).
#include "av_error.h"

extern "C" {
#include <libavutil/error.h>
}

namespace livescope {

std::string AvErrorString(int err)
{
    char buf[AV_ERROR_MAX_STRING_SIZE] = {};
    av_strerror(err, buf, sizeof(buf));
    return buf;
}

} // namespace livescope
