// Public path of src/player/hls/playlist_logic.h (<livescope/player/hls/playlist_logic.h>). Forwards to the header, which stays beside
// its source until the parser rework in flight lands; then it moves here and this file goes.
#pragma once
#include "../../../../playlist_logic.h" // IWYU pragma: export
