// Redraw gate: redraw the canvas only when the video frame, the overlay's draw data or the size changed.
#include <livescope/player/av/redraw.h>

namespace livescope {

bool RedrawNeeded(RedrawGate& gate, bool video_changed, uint64_t overlay_hash, int fb_width, int fb_height)
{
    const bool needed = gate.Force || video_changed || fb_width != gate.LastWidth || fb_height != gate.LastHeight ||
                        overlay_hash != gate.LastOverlay;
    if (!needed)
    {
        ++gate.Skips;
        return false;
    }
    gate.Force = false;
    gate.LastOverlay = overlay_hash;
    gate.LastWidth = fb_width;
    gate.LastHeight = fb_height;
    ++gate.Redraws;
    return true;
}

uint64_t RedrawHash(uint64_t hash, const void* data, size_t size)
{
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < size; ++i)
    {
        hash ^= p[i];
        hash *= 1099511628211ULL;
    }
    return hash;
}

} // namespace livescope
