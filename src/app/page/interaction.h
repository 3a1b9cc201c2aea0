// Page-side interaction: joins the overlay (hearts, comments, counter, compose) with the room protocol.
// The web edge (web/runtime/room.js) drives it through the ls_room_* C API in interaction.cpp: socket
// events and frames in, one JSON poll per frame out (frames to send, widget events, DOM control rects).
// Threading: page main thread only. Ownership: the PageApp owns its PageInteraction.
#pragma once

namespace livescope {

struct PageApp;
struct PageInteraction; // defined in interaction.cpp

// Creates the interaction state and adds the overlay font to the current ImGui context's atlas (before
// the renderer's first frame builds it). Draws nothing until ls_room_configure sets a room or title.
PageInteraction* PageInteractionCreate(PageApp* app);
void PageInteractionDestroy(PageInteraction* interaction);
// Called inside the ImGui frame, after the video: draws the overlay over the whole canvas (CSS pixels).
void PageInteractionDraw(PageInteraction* interaction, double now, float css_width, float css_height);

} // namespace livescope
