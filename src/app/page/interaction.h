// Page-side interaction: joins the overlay (hearts, comments, counter, compose) with the room protocol.
#pragma once

namespace livescope {

struct PageApp;
struct PageInteraction; // defined in interaction.cpp

PageInteraction* PageInteractionCreate(PageApp* app);
void PageInteractionDestroy(PageInteraction* interaction);
// Called inside the ImGui frame, after the video: draws the overlay over the whole canvas (CSS pixels).
void PageInteractionDraw(PageInteraction* interaction, double now, float css_width, float css_height);

} // namespace livescope
