// Video upload path: how a WebCodecs VideoFrame reaches the page's WebGL textures (docs/playback.md, Upload path).
#pragma once

#include <string_view>

namespace livescope {

// The widget's `videoUpload` option: 'auto' (default), 'frame' or 'planes'.
enum class VideoUploadMode
{
    Auto,   // planes on a software GL renderer, else the frame
    Frame,  // always texImage2D from the VideoFrame
    Planes, // I420 planes whenever the frame allows it
};

enum class VideoUploadPath
{
    Frame,  // texImage2D(VideoFrame) into one RGBA texture: the browser converts (on the GPU where it has one)
    Planes, // VideoFrame.copyTo() into a tightly packed I420 buffer, then the three R8 textures of the wasm path
};

// What the page knows about a decoded frame (VideoFrame.format, .visibleRect, .displayWidth/.displayHeight).
struct VideoFrameLayout
{
    bool I420 = false;       // format 'I420' (not NV12, I420A, RGBX, ...)
    int VisibleX = 0;        // pixels, visibleRect
    int VisibleY = 0;
    int VisibleWidth = 0;
    int VisibleHeight = 0;
    int DisplayWidth = 0;    // pixels; differs from the visible size for non-square pixels
    int DisplayHeight = 0;
};

// 'frame' / 'planes' name a mode; anything else (empty, 'auto', unknown) is Auto.
VideoUploadMode VideoUploadModeOf(std::string_view option);

// True for a renderer string (WEBGL_debug_renderer_info's UNMASKED_RENDERER_WEBGL) that names a software rasterizer:
// SwiftShader, llvmpipe, softpipe, Microsoft Basic Render, or one that says "software".
bool IsSoftwareGlRenderer(std::string_view renderer);

// The path for one frame. Planes needs a frame that copyTo() packs as this renderer's I420 layout: format I420, an even
// visible rectangle (the chroma planes start on a sample) and square pixels (the textures' size is the display size).
// Auto picks planes on a software GL renderer: there texImage2D(VideoFrame) converts the frame through the GPU process
// (a shared image and a draw, in software), and in headless Chromium with SwiftShader the page got 2-3x fewer
// requestAnimationFrame callbacks than with three texSubImage2D of the planes (docs/playback.md); a real GPU does it
// cheaply, and copyTo() of a GPU-backed frame would be a read-back.
VideoUploadPath VideoUploadPathOf(VideoUploadMode mode, bool software_gl, const VideoFrameLayout& frame);

// Bytes of the tightly packed I420 buffer for a width x height frame (Y, then U and V at half size, rounded up).
int I420Bytes(int width, int height);

} // namespace livescope
