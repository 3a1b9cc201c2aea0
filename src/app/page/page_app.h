// Page-side app: one widget's WebGL2 canvas, its ImGui context and (later) video + overlay. No globals.
#pragma once
#include <livescope/player/av/redraw.h>
#include <cstdint>

struct ImGuiContext;

namespace livescope {

struct PagePlayback;    // playback.h: video frames, A/V sync, YUV drawing
struct PageInteraction; // interaction.h: overlay + room protocol

struct PageAppConfig
{
    int CanvasWidth = 0;  // CSS pixels
    int CanvasHeight = 0; // CSS pixels
    float DevicePixelRatio = 1.0f;
};

struct PageApp
{
    PageAppConfig Config;
    ImGuiContext* Imgui = nullptr;
    uint64_t FrameCount = 0;                              // frames rendered since create
    double StartTime = -1.0;                              // seconds, caller clock, first frame
    float ClearColor[4] = {0.102f, 0.122f, 0.200f, 1.0f}; // #1a1f33
    bool GlReady = false;
    bool ShowStatus = true;                 // the "livescope / frame N" panel (Foundation smoke test)
    PagePlayback* Playback = nullptr;       // owned
    PageInteraction* Interaction = nullptr; // owned
    RedrawGate Redraw;                      // the canvas is redrawn only when its picture changed (docs/playback.md)
};

// Creates the app on the WebGL2 context current on this thread (the glue made it current).
PageApp* PageAppCreate(const PageAppConfig& config);
void PageAppDestroy(PageApp* app);
void PageAppResize(PageApp* app, int css_width, int css_height, float device_pixel_ratio);
// Renders one frame. `now` is seconds on the caller's clock (performance.now()/1000).
void PageAppFrame(PageApp* app, double now);

} // namespace livescope
