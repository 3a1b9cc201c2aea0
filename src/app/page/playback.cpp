// Page-side playback (stub until the playback pipeline lands): no video yet.
#include "playback.h"

namespace livescope {

struct PagePlayback {
  PageApp* App = nullptr;
};

PagePlayback* PagePlaybackCreate(PageApp* app) { auto* p = new PagePlayback(); p->App = app; return p; }
void PagePlaybackDestroy(PagePlayback* playback) { delete playback; }
void PagePlaybackRender(PagePlayback*, double, int, int) {}
void PagePlaybackDrawUi(PagePlayback*, double) {}

} // namespace livescope
