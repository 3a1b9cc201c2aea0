// Overlay drawing with Dear ImGui: hearts, comment stream, compose box, header and viewer counter,
// all as ImDrawList primitives (no textures besides the font atlas), plus font loading.
//
// Several overlays can coexist, each in its own ImGui context; nothing here touches a global. The
// draw list must be one of the current context's lists (its font atlas texture is bound).
#pragma once

#include <livescope/overlay/overlay_core.h>
#include <livescope/overlay/playback_bar.h>

#include <imgui.h>

#include <cstddef>

namespace livescope {

// Adds the embedded DejaVu Sans subset (Latin-1, Latin Extended-A, punctuation, U+2665) to io.Fonts
// at base_size * dpi_scale pixels, with FontDataOwnedByAtlas = false (the bytes are static), and
// sets the font's Scale to 1 / dpi_scale so layout stays in CSS pixels. Returns the font (owned by
// the atlas), or nullptr if the atlas refused it. The app builds the atlas texture afterwards.
ImFont* OverlayLoadFonts(ImGuiIO& io, float dpi_scale, float base_size = 16.0f);

// Bytes of the embedded font subset.
std::size_t OverlayFontDataSize();

// Draws the overlay over the `size` area at `origin` (pixels, draw-list coordinates). `font` null
// means ImGui::GetFont() of the current context. Call after OverlayNewFrame; updates o.Layout to the
// font's size, so input hit-tests and OverlayComposeRect match what was drawn.
void OverlayDraw(Overlay& o, ImDrawList* draw_list, const ImVec2& origin, const ImVec2& size, ImFont* font = nullptr);

// Draws only the broadcast card (OverlayBroadcastMessage, centred, with the title above it when set): OverlayDraw
// draws it too; the page calls this alone when no room or title makes the rest of the overlay visible.
void OverlayDrawBroadcast(Overlay& o, ImDrawList* draw_list, const ImVec2& origin, const ImVec2& size, ImFont* font = nullptr);

// Draws the replay / DVR bar (playback_bar.h) exactly as laid out in `l`: a translucent backing, the play button
// (triangle, two bars, or a circular arrow when ended), the track with the heat strip (hearts as columns whose
// height and opacity follow their weight, answered questions as yellow ticks), the played part and the knob, the
// time, and "−30 s" / "Live" (Live filled red at the edge). `hot_seek` draws the knob larger (pointer on the bar).
void OverlayDrawPlaybackBar(ImDrawList* draw_list, const ImVec2& origin, const PlaybackBarLayout& l, const PlaybackBarState& s,
                            bool hot_seek, ImFont* font = nullptr);

// The compose box in overlay coordinates (add the canvas position for the page): the hidden <input>
// glue places its element here. Zero-sized when comments are disabled.
inline OverlayRect OverlayComposeRect(const Overlay& o) { return o.Layout.Compose; }

} // namespace livescope
