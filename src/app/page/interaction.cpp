// Page-side interaction (stub until the overlay is joined with the protocol): draws nothing.
#include "interaction.h"

namespace livescope {

struct PageInteraction {
  PageApp* App = nullptr;
};

PageInteraction* PageInteractionCreate(PageApp* app) { auto* i = new PageInteraction(); i->App = app; return i; }
void PageInteractionDestroy(PageInteraction* interaction) { delete interaction; }
void PageInteractionDraw(PageInteraction*, double, float, float) {}

} // namespace livescope
