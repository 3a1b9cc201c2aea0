// Unit tests for replay (VOD) playback and seeking: SeekPointAt, PlaylistPositionOfPdt, TimelineOf and HlsSession's
// Seek / SetHold / SetPlayhead, driven with fake responses and a fake clock (no I/O).
#include <doctest/doctest.h>

#include <livescope/player/hls/hls_session.h>

#include "session_harness.h"

#include <algorithm>
#include <cstdio>
#include <string>

using namespace livescope;
using livescope::test::Harness;

namespace {
const std::string kUrl = "http://127.0.0.1:9/vod/a/index.m3u8";
constexpr double kPdt0 = 1800000000.0; // epoch seconds of the first segment

// A VOD playlist of `n` 2-second segments s0..s{n-1}, each with its PDT; `vod` false = a live window without ENDLIST.
std::string VodPl(int n, bool vod = true, int first = 0, const std::string& gap_at = "")
{
    std::string s = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n";
    if (vod) s += "#EXT-X-PLAYLIST-TYPE:VOD\n";
    s += "#EXT-X-MEDIA-SEQUENCE:" + std::to_string(first) + "\n#EXT-X-MAP:URI=\"init.mp4\"\n";
    for (int i = first; i < first + n; i++)
    {
        // ISO date of kPdt0 + 2 i: 2027-01-15T08:00:00Z is 1800000000.
        const int sec = 2 * i;
        char iso[64];
        std::snprintf(iso, sizeof iso, "2027-01-15T%02d:%02d:%02d.000Z", 8 + sec / 3600, sec / 60 % 60, sec % 60);
        s += std::string("#EXT-X-PROGRAM-DATE-TIME:") + iso + "\n";
        if (gap_at == std::to_string(i)) s += "#EXT-X-GAP\n";
        s += "#EXTINF:2.0,\ns" + std::to_string(i) + ".m4s\n";
    }
    if (vod) s += "#EXT-X-ENDLIST\n";
    return s;
}

HlsPlaylist Parse(const std::string& text)
{
    HlsParseResult r = ParsePlaylist(text, kUrl);
    REQUIRE(r.Ok);
    return r.Playlist;
}

} // namespace

TEST_SUITE_BEGIN("player_hls/replay_seek");

TEST_CASE("a playlist with ENDLIST or PLAYLIST-TYPE VOD is a replay, a live window is not")
{
    CHECK(IsReplayPlaylist(Parse(VodPl(3))));
    CHECK_FALSE(IsReplayPlaylist(Parse(VodPl(3, false))));
    CHECK(IsReplayPlaylist(Parse(VodPl(3, false) + "#EXT-X-ENDLIST\n")));
}

TEST_CASE("a seek lands on the segment that holds the target, with the target's PDT")
{
    const HlsPlaylist pl = Parse(VodPl(30));
    const HlsSeekPoint sp = SeekPointAt(pl, 41.0, false);
    REQUIRE(sp.Ok);
    CHECK(sp.Position.Msn == 20);
    CHECK(sp.Position.Part == -1);
    CHECK(sp.Offset == doctest::Approx(40.0));
    CHECK(sp.Target == doctest::Approx(41.0));
    REQUIRE(sp.TargetPdt);
    CHECK(*sp.TargetPdt == doctest::Approx(kPdt0 + 41.0));
    // Before the start and past the end clamp into the playlist.
    CHECK(SeekPointAt(pl, -5.0, false).Position.Msn == 0);
    CHECK(SeekPointAt(pl, 500.0, false).Position.Msn == 29);
    // Low-latency mode asks for part 0 (a segment without parts is then loaded whole).
    CHECK(SeekPointAt(pl, 41.0, true).Position.Part == 0);
}

TEST_CASE("a seek into a gap moves on to the next usable segment")
{
    const HlsPlaylist pl = Parse(VodPl(10, true, 0, "3"));
    const HlsSeekPoint sp = SeekPointAt(pl, 7.0, false);
    REQUIRE(sp.Ok);
    CHECK(sp.Position.Msn == 4);
    CHECK(sp.Target == doctest::Approx(8.0));
}

TEST_CASE("positions map to and from PDT over a sliding window")
{
    const HlsPlaylist pl = Parse(VodPl(10, false, 100));
    const HlsTimeline tl = TimelineOf(pl);
    CHECK_FALSE(tl.Replay);
    CHECK(tl.Duration == doctest::Approx(20.0));
    REQUIRE(tl.StartPdt);
    CHECK(*tl.StartPdt == doctest::Approx(kPdt0 + 200.0));
    CHECK(*tl.EndPdt == doctest::Approx(kPdt0 + 220.0));
    CHECK(*PlaylistPositionOfPdt(pl, kPdt0 + 205.5) == doctest::Approx(5.5));
    CHECK(*PlaylistPositionOfPdt(pl, kPdt0 + 10.0) == doctest::Approx(0.0));
    CHECK(*PlaylistPositionOfPdt(pl, kPdt0 + 900.0) == doctest::Approx(20.0));
    CHECK_FALSE(PlaylistPositionOfPdt(Parse("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\na.ts\n#EXT-X-ENDLIST\n"), kPdt0));
}

TEST_CASE("a replay starts at 0 and loads ahead of the playhead only up to MaxBufferAhead")
{
    HlsSessionConfig cfg;
    cfg.MaxBufferAhead = 6.0;
    Harness h(cfg);
    h.S.Start(kUrl, 0.0);
    h.Pull();
    h.Respond(h.Take(HlsRequestKind::Multivariant), VodPl(30));
    CHECK(h.S.IsReplay());
    h.S.SetPlayhead(kPdt0, h.Now);
    std::vector<std::string> served;
    for (int i = 0; i < 40; i++)
    {
        const std::string n = h.Serve();
        if (n.empty()) break;
        served.push_back(n);
    }
    // init, s0..s3 (s3 starts 6 s after the playhead), then nothing until the playhead moves.
    REQUIRE(served.size() == 5);
    CHECK(served[0] == "init.mp4");
    CHECK(served[1] == "s0.m4s");
    CHECK(served.back() == "s3.m4s");
    CHECK(h.Open.empty());
    h.S.SetPlayhead(kPdt0 + 4.0, h.Now);
    h.Pull();
    CHECK(h.Serve() == "s4.m4s");
    CHECK(h.Serve() == "s5.m4s");
    CHECK(h.Serve().empty());
    CHECK_FALSE(h.S.Ended());
}

TEST_CASE("a seek cancels the segment in flight, sends the init again and restarts at the target's segment")
{
    Harness h;
    h.S.Start(kUrl, 0.0);
    h.Pull();
    h.Respond(h.Take(HlsRequestKind::Multivariant), VodPl(30));
    CHECK(h.Serve() == "init.mp4");
    CHECK(h.Serve() == "s0.m4s");
    const HlsLoadRequest* inflight = h.Find(HlsRequestKind::Segment);
    REQUIRE(inflight);
    const uint64_t old_id = inflight->Id;
    const HlsSeekPoint sp = h.S.Seek(40.5, h.Now);
    h.Pull();
    REQUIRE(sp.Ok);
    CHECK(std::find(h.Cancelled.begin(), h.Cancelled.end(), old_id) != h.Cancelled.end());
    REQUIRE(sp.TargetPdt);
    CHECK(*sp.TargetPdt == doctest::Approx(kPdt0 + 40.5));
    h.Media.clear();
    CHECK(h.Serve() == "init.mp4");
    CHECK(h.Serve() == "s20.m4s");
    REQUIRE(h.Media.size() >= 2);
    CHECK(h.Media.front().IsInit);
    CHECK(h.Media.back().Msn == 20);
}

TEST_CASE("a seek after the end clears Ended and plays again")
{
    Harness h;
    h.S.Start(kUrl, 0.0);
    h.Pull();
    h.Respond(h.Take(HlsRequestKind::Multivariant), VodPl(3));
    for (int i = 0; i < 10 && !h.Serve().empty(); i++) {}
    CHECK(h.S.Ended());
    h.S.Seek(0.0, h.Now);
    h.Pull();
    CHECK_FALSE(h.S.Ended());
    CHECK(h.Serve() == "init.mp4");
    CHECK(h.Serve() == "s0.m4s");
}

TEST_CASE("a seek asked before the playlist loads replaces the start point")
{
    Harness h;
    h.S.Start(kUrl, 0.0);
    h.Pull();
    CHECK_FALSE(h.S.Seek(10.0, 0.0).Ok);
    h.Respond(h.Take(HlsRequestKind::Multivariant), VodPl(30));
    CHECK(h.Serve() == "init.mp4");
    CHECK(h.Serve() == "s5.m4s");
}

TEST_CASE("a hold cancels the media in flight and issues nothing until a seek")
{
    Harness h;
    h.S.Start(kUrl, 0.0);
    h.Pull();
    h.Respond(h.Take(HlsRequestKind::Multivariant), VodPl(30));
    CHECK(h.Serve() == "init.mp4");
    REQUIRE(h.Find(HlsRequestKind::Segment));
    h.S.SetHold(true, h.Now);
    h.Pull();
    CHECK(h.Open.empty());
    h.Now += 5.0;
    h.S.Tick(h.Now);
    h.Pull();
    CHECK(h.Open.empty());
    h.S.Seek(6.0, h.Now);
    h.Pull();
    CHECK(h.Serve() == "init.mp4");
    CHECK(h.Serve() == "s3.m4s");
}

TEST_CASE("a live DVR window seeks back and keeps reloading")
{
    Harness h;
    h.S.Start(kUrl, 0.0);
    h.Pull();
    h.Respond(h.Take(HlsRequestKind::Multivariant), VodPl(60, false, 0));
    CHECK_FALSE(h.S.IsReplay());
    const HlsTimeline tl = h.S.Timeline();
    CHECK(tl.Duration == doctest::Approx(120.0));
    // 30 s back from the edge.
    const HlsSeekPoint sp = h.S.Seek(tl.Duration - 30.0, h.Now);
    h.Pull();
    REQUIRE(sp.Ok);
    CHECK(sp.Position.Msn == 45);
    CHECK(h.Serve() == "init.mp4");
    CHECK(h.Serve() == "s45.m4s");
}
