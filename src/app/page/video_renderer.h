// WebGL2 video renderer: I420 planes as three R8 textures (YUV -> RGB in a shader), or a browser VideoFrame uploaded as one RGBA texture; letterboxed.
#pragma once

#include <cstdint>

namespace livescope {

struct VideoRect
{
    int X = 0, Y = 0, Width = 0, Height = 0; // framebuffer pixels, origin bottom left (GL)
};

// The largest rect of aspect `frame_aspect` (width / height) centred in `fb_width` x `fb_height`.
VideoRect LetterboxRect(int fb_width, int fb_height, double frame_aspect);

// YUV -> RGB for `matrix` (601 or 709) and range: rows of a 3x3 matrix (column-major for GL) and offsets.
struct YuvConversion
{
    float Matrix[9]; // column-major: rgb = Matrix * (yuv - Offset)
    float Offset[3]; // subtracted from (y, u, v) in 0..1 units
};
YuvConversion YuvConversionFor(int matrix, bool full_range);

// Thread: the page's main thread, with this widget's GL context current. Owns its GL objects.
struct VideoRenderer
{
    unsigned Program = 0, Vao = 0, Textures[3] = {0, 0, 0};
    unsigned ProgramRgb = 0, TextureRgb = 0; // the VideoFrame path: the browser converts to RGB in texImage2D
    bool Rgb = false;                        // the last upload was a VideoFrame
    int LocMatrix = -1, LocOffset = -1;
    int TexWidth = 0, TexHeight = 0; // luma size of the allocated textures, pixels
    int FrameWidth = 0, FrameHeight = 0;
    int ColorMatrix = 601;
    bool FullRange = false;
    bool HasFrame = false;
    bool Lost = false; // GL context lost: no GL calls until Restore()
};

// Creates the program and textures. Returns false when the shader does not compile.
bool VideoRendererInit(VideoRenderer& r);
void VideoRendererShutdown(VideoRenderer& r);
// Uploads a tightly packed I420 frame (`data` holds w*h luma then two (w+1)/2 x (h+1)/2 chroma planes).
void VideoRendererUpload(VideoRenderer& r, const uint8_t* data, int width, int height, int matrix, bool full_range);
// Uploads the browser VideoFrame the page JS put in Module.lsVideoFrame (web/emlib/library_livescope_webgl.js:
// texImage2D straight from the VideoFrame, no I420 copy). Returns false when there was none or it failed.
bool VideoRendererUploadVideoFrame(VideoRenderer& r, int width, int height);
// Draws the last uploaded frame letterboxed (black bars). Leaves the viewport at the whole framebuffer.
void VideoRendererDraw(VideoRenderer& r, int fb_width, int fb_height);
// Context loss: forget GL objects (they are gone) and, on restore, rebuild them.
void VideoRendererOnLost(VideoRenderer& r);
bool VideoRendererOnRestored(VideoRenderer& r);

} // namespace livescope
