// libFuzzer target: M3U8 parser, delta merge, start point and reload URLs, and one HlsSession step.
// Input: a playlist, optionally followed by "\n#--UPDATE--\n" and a second playlist used as an update.
#include "player/hls/hls_session.h"
#include "player/hls/m3u8.h"
#include "player/hls/playlist_logic.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace livescope;

namespace {
void Exercise(const HlsPlaylist& pl) {
  for (bool ll : {false, true}) {
    HlsStartPoint sp = ComputeStartPoint(pl, ll);
    if (sp.Ok && !(sp.Distance >= -1e-6)) std::abort();
    HlsPosition next = NextPosition(pl, ll);
    (void)PlaylistHas(pl, next);
    (void)BuildReloadUrl(pl.Url, next.Msn, next.Part, ChooseSkip(pl, 0.0));
    (void)HoldBack(pl, ll);
  }
  (void)PlaylistDuration(pl);
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string_view sep = "\n#--UPDATE--\n";
  const size_t cut = input.find(sep);
  const std::string_view first = input.substr(0, cut);
  const std::string_view second = cut == std::string_view::npos ? std::string_view() : input.substr(cut + sep.size());
  const char* base = "http://127.0.0.1:8080/live/720p/index.m3u8";

  HlsParseResult a = ParsePlaylist(first, base);
  if (!a.Ok && a.Error.Reason.empty()) std::abort(); // every error has a reason
  if (a.Ok) Exercise(a.Playlist);
  if (a.Ok && !second.empty()) {
    HlsParseResult b = ParsePlaylist(second, base);
    if (b.Ok) {
      HlsMergeResult m = MergePlaylistUpdate(a.Playlist, b.Playlist);
      if (m.Ok) Exercise(m.Playlist);
      else if (m.Reason.empty()) std::abort();
    }
  }

  // The engine must survive the same bytes as responses: start, then answer every request with them.
  HlsSession session;
  session.Start(base, 0.0);
  double now = 0.0;
  for (int round = 0; round < 4; round++) {
    for (const HlsLoadRequest& r : session.TakeRequests()) {
      const std::string_view body = (round % 2 == 0) ? first : (second.empty() ? first : second);
      session.OnResponse(r.Id, 200, now);
      session.OnData(r.Id, reinterpret_cast<const uint8_t*>(body.data()), body.size(), now);
      session.OnComplete(r.Id, now);
    }
    (void)session.TakeCancellations();
    (void)session.TakeMedia();
    (void)session.TakeEvents();
    const double wake = session.NextWakeup();
    now = std::isfinite(wake) ? std::max(now, wake) : now + 1.0;
    session.Tick(now);
  }
  return 0;
}
