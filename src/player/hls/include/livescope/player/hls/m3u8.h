// Public path of src/player/hls/m3u8.h (<livescope/player/hls/m3u8.h>). Forwards to the header, which stays beside
// its source until the parser rework in flight lands; then it moves here and this file goes.
#pragma once
#include "../../../../m3u8.h" // IWYU pragma: export
