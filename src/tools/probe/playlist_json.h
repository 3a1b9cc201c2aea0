// Playlist to JSON (camelCase keys) for livescope-probe.
#pragma once

#include <livescope/player/hls/m3u8.h>

#include <nlohmann/json.hpp>

namespace livescope {

nlohmann::json PlaylistToJson(const HlsPlaylist& pl);

} // namespace livescope
