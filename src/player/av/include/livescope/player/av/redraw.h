// Redraw gate: a page frame redraws the canvas only when its picture changed (a new video frame, a different overlay,
// a new size), so a 30 fps stream on a 60 Hz display does not make the GPU process render every frame twice.
#pragma once

#include <cstddef>
#include <cstdint>

namespace livescope {

struct RedrawGate
{
    uint64_t LastOverlay = 0; // hash of the overlay's draw data at the last redraw
    int LastWidth = -1;       // pixels, framebuffer at the last redraw; -1 = never drawn
    int LastHeight = -1;
    bool Force = true; // set by a context restore or anything else that invalidates the canvas; cleared on redraw
    uint64_t Redraws = 0, Skips = 0;
};

// True when the canvas must be redrawn this frame: the first frame, after Force, when `video_changed` (a frame was
// uploaded since the last redraw), the framebuffer size changed, or the overlay's draw data hash differs. Records
// what was drawn when it returns true.
bool RedrawNeeded(RedrawGate& gate, bool video_changed, uint64_t overlay_hash, int fb_width, int fb_height);

// FNV-1a over `size` bytes, continuing from `hash` (start with kRedrawHashSeed).
constexpr uint64_t kRedrawHashSeed = 14695981039346656037ULL;
uint64_t RedrawHash(uint64_t hash, const void* data, size_t size);

} // namespace livescope
