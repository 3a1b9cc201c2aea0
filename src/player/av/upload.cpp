// Video upload path: texImage2D from a WebCodecs VideoFrame, or its I420 planes copied out (docs/playback.md).
#include <livescope/player/av/upload.h>

#include <cctype>
#include <string>

namespace livescope {

VideoUploadMode VideoUploadModeOf(std::string_view option)
{
    if (option == "frame") return VideoUploadMode::Frame;
    if (option == "planes") return VideoUploadMode::Planes;
    return VideoUploadMode::Auto;
}

bool IsSoftwareGlRenderer(std::string_view renderer)
{
    std::string lower(renderer);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const char* name : {"swiftshader", "llvmpipe", "softpipe", "software", "basic render"})
        if (lower.find(name) != std::string::npos) return true;
    return false;
}

VideoUploadPath VideoUploadPathOf(VideoUploadMode mode, bool software_gl, const VideoFrameLayout& f)
{
    if (mode == VideoUploadMode::Frame || (mode == VideoUploadMode::Auto && !software_gl)) return VideoUploadPath::Frame;
    const bool even = f.VisibleX % 2 == 0 && f.VisibleY % 2 == 0 && f.VisibleWidth % 2 == 0 && f.VisibleHeight % 2 == 0;
    const bool square = f.DisplayWidth == f.VisibleWidth && f.DisplayHeight == f.VisibleHeight;
    if (!f.I420 || f.VisibleWidth <= 0 || f.VisibleHeight <= 0 || f.VisibleX < 0 || f.VisibleY < 0 || !even || !square)
        return VideoUploadPath::Frame;
    return VideoUploadPath::Planes;
}

int I420Bytes(int width, int height)
{
    if (width <= 0 || height <= 0) return 0;
    const int cw = (width + 1) / 2, ch = (height + 1) / 2;
    return width * height + 2 * cw * ch;
}

} // namespace livescope
