// Unit tests for the pure playlist logic: delta merge, start point, live edge, media items, reload URLs, staleness, ABR.
#include <doctest/doctest.h>

#include <livescope/player/hls/playlist_logic.h>

#include <string>

using namespace livescope;

namespace {
const char* kUrl = "http://127.0.0.1:1/live/720p/index.m3u8";

HlsPlaylist P(const std::string& body)
{
    HlsParseResult r = ParsePlaylist("#EXTM3U\n" + body, kUrl);
    INFO("line " << r.Error.Line << ": " << r.Error.Reason);
    REQUIRE(r.Ok);
    return r.Playlist;
}

// A live LL playlist: segments first..first+n-1 of 2 s (4 parts of 0.5 s each), then `tail` trailing parts.
std::string Live(int first, int n, int tail, const std::string& extra = "", int disc_at = -1)
{
    std::string s = "#EXT-X-TARGETDURATION:2\n#EXT-X-PART-INF:PART-TARGET=0.5\n"
                    "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.5,CAN-SKIP-UNTIL=12\n" +
                    extra +
                    "#EXT-X-MEDIA-SEQUENCE:" + std::to_string(first) + "\n";
    for (int m = first; m < first + n; m++)
    {
        if (m == disc_at) s += "#EXT-X-DISCONTINUITY\n";
        for (int p = 0; p < 4; p++) s += "#EXT-X-PART:DURATION=0.5,URI=\"p" + std::to_string(m) + "." + std::to_string(p) + ".m4s\"" + (p % 2 == 0 ? ",INDEPENDENT=YES" : "") + "\n";
        s += "#EXTINF:2.0,\ns" + std::to_string(m) + ".m4s\n";
    }
    for (int p = 0; p < tail; p++) s += "#EXT-X-PART:DURATION=0.5,URI=\"p" + std::to_string(first + n) + "." + std::to_string(p) + ".m4s\"" + (p % 2 == 0 ? ",INDEPENDENT=YES" : "") + "\n";
    return s;
}
} // namespace

TEST_SUITE_BEGIN("player_hls/playlist_logic");

TEST_CASE("merging a full update replaces the playlist")
{
    HlsMergeResult m = MergePlaylistUpdate(P(Live(0, 3, 0)), P(Live(1, 3, 1)));
    REQUIRE(m.Ok);
    CHECK(m.Playlist.Segments.front().Msn == 1);
}

TEST_CASE("a merged EXT-X-SKIP update takes the skipped segments from the previous playlist")
{
    HlsPlaylist old = P(Live(10, 6, 2));
    std::string delta = "#EXT-X-TARGETDURATION:2\n#EXT-X-PART-INF:PART-TARGET=0.5\n#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=12\n"
                        "#EXT-X-MEDIA-SEQUENCE:11\n#EXT-X-SKIP:SKIPPED-SEGMENTS=4\n#EXTINF:2.0,\ns15.m4s\n#EXTINF:2.0,\ns16.m4s\n"
                        "#EXT-X-PART:DURATION=0.5,URI=\"p17.0.m4s\",INDEPENDENT=YES\n";
    HlsPlaylist d = P(delta);
    CHECK(d.Segments.front().Msn == 15);
    HlsMergeResult m = MergePlaylistUpdate(old, d);
    REQUIRE(m.Ok);
    const auto& segs = m.Playlist.Segments;
    REQUIRE(segs.size() == 7);
    CHECK(segs[0].Msn == 11);
    CHECK(segs[0].Uri == "http://127.0.0.1:1/live/720p/s11.m4s");
    CHECK(segs[0].Parts.size() == 4); // parts of skipped segments survive
    CHECK(segs[4].Msn == 15);
    CHECK(segs[6].Msn == 17);
    CHECK_FALSE(segs[6].IsComplete());
    CHECK_FALSE(m.Playlist.Skip);
}

TEST_CASE("discontinuity serials continue across merged skipped segments")
{
    HlsPlaylist old = P(Live(10, 6, 0, "#EXT-X-DISCONTINUITY-SEQUENCE:3\n", 12));
    CHECK(old.Segments[2].DiscontinuitySeq == 4);
    HlsPlaylist d = P("#EXT-X-TARGETDURATION:2\n#EXT-X-SERVER-CONTROL:CAN-SKIP-UNTIL=12\n#EXT-X-MEDIA-SEQUENCE:11\n#EXT-X-DISCONTINUITY-SEQUENCE:3\n"
                      "#EXT-X-SKIP:SKIPPED-SEGMENTS=5\n#EXT-X-DISCONTINUITY\n#EXTINF:2.0,\ns16.m4s\n#EXTINF:2.0,\ns17.m4s\n");
    HlsMergeResult m = MergePlaylistUpdate(old, d);
    REQUIRE(m.Ok);
    CHECK(m.Playlist.Segments[4].DiscontinuitySeq == 4); // s15, after the discontinuity at 12
    CHECK(m.Playlist.Segments[5].Msn == 16);
    CHECK(m.Playlist.Segments[5].DiscontinuitySeq == 5);
    CHECK(m.Playlist.Segments[6].DiscontinuitySeq == 5);
}

TEST_CASE("a merge fails (so the caller does a full reload) when skipped segments are missing")
{
    HlsPlaylist old = P(Live(10, 3, 0));
    HlsPlaylist d = P("#EXT-X-TARGETDURATION:2\n#EXT-X-SERVER-CONTROL:CAN-SKIP-UNTIL=12\n#EXT-X-MEDIA-SEQUENCE:11\n#EXT-X-SKIP:SKIPPED-SEGMENTS=5\n#EXTINF:2.0,\ns16.m4s\n");
    HlsMergeResult m = MergePlaylistUpdate(old, d);
    CHECK_FALSE(m.Ok);
    CHECK(m.Reason.find("lacks") != std::string::npos);
    HlsPlaylist d2 = P("#EXT-X-TARGETDURATION:2\n#EXT-X-SERVER-CONTROL:CAN-SKIP-UNTIL=12\n#EXT-X-MEDIA-SEQUENCE:11\n#EXT-X-DISCONTINUITY-SEQUENCE:9\n#EXT-X-SKIP:SKIPPED-SEGMENTS=1\n#EXTINF:2.0,\ns12.m4s\n");
    CHECK(MergePlaylistUpdate(old, d2).Reason.find("discontinuity") != std::string::npos);
}

TEST_CASE("a merge drops removed date ranges and keeps the others")
{
    HlsPlaylist old = P("#EXT-X-TARGETDURATION:2\n#EXT-X-DATERANGE:ID=\"a\"\n#EXT-X-DATERANGE:ID=\"b\"\n#EXTINF:2,\ns0.ts\n#EXTINF:2,\ns1.ts\n");
    HlsPlaylist d = P("#EXT-X-TARGETDURATION:2\n#EXT-X-SERVER-CONTROL:CAN-SKIP-UNTIL=12,CAN-SKIP-DATERANGES=YES\n#EXT-X-SKIP:SKIPPED-SEGMENTS=2,RECENTLY-REMOVED-DATERANGES=\"a\"\n#EXT-X-DATERANGE:ID=\"c\"\n#EXTINF:2,\ns2.ts\n");
    HlsMergeResult m = MergePlaylistUpdate(old, d);
    REQUIRE(m.Ok);
    REQUIRE(m.Playlist.DateRanges.size() == 2);
    CHECK(m.Playlist.DateRanges[0].Id == "b");
    CHECK(m.Playlist.DateRanges[1].Id == "c");
}

TEST_CASE("the playlist duration up to the live edge includes trailing parts")
{
    CHECK(PlaylistDuration(P(Live(0, 3, 3))) == doctest::Approx(7.5));
}

TEST_CASE("the hold back is PART-HOLD-BACK in low latency, HOLD-BACK otherwise, else 3 x target duration")
{
    HlsPlaylist a = P(Live(0, 3, 0, "")); // PART-HOLD-BACK=1.5, no HOLD-BACK
    CHECK(HoldBack(a, true) == doctest::Approx(1.5));
    CHECK(HoldBack(a, false) == doctest::Approx(6.0));
    HlsPlaylist b = P("#EXT-X-TARGETDURATION:4\n#EXT-X-SERVER-CONTROL:HOLD-BACK=9\n#EXTINF:4,\na.ts\n");
    CHECK(HoldBack(b, false) == doctest::Approx(9.0));
    HlsPlaylist c = P("#EXT-X-TARGETDURATION:4\n#EXTINF:4,\na.ts\n");
    CHECK(HoldBack(c, false) == doctest::Approx(12.0));
    HlsPlaylist d = P("#EXT-X-TARGETDURATION:2\n#EXT-X-PART-INF:PART-TARGET=0.3\n#EXTINF:2,\na.ts\n");
    CHECK(HoldBack(d, true) == doctest::Approx(0.9));
}

TEST_CASE("low latency starts at the last independent part at least PART-HOLD-BACK from the edge")
{
    HlsPlaylist pl = P(Live(20, 4, 3)); // 8 s + 1.5 s = 9.5 s; target 8.0 s = msn 24 part 0
    HlsStartPoint sp = ComputeStartPoint(pl, true);
    REQUIRE(sp.Ok);
    CHECK(sp.Position == HlsPosition{24, 0});
    CHECK(sp.Distance == doctest::Approx(1.5));
    // With 2 trailing parts: edge 9.0, target 7.5 = msn 23 part 3 (not independent) -> part 2.
    HlsStartPoint sp2 = ComputeStartPoint(P(Live(20, 4, 2)), true);
    CHECK(sp2.Position == HlsPosition{23, 2});
    CHECK(sp2.Distance == doctest::Approx(2.0));
}

TEST_CASE("without low latency, the start point is a whole segment at least 3 target durations back")
{
    HlsPlaylist pl = P(Live(20, 6, 2)); // 13 s; no HOLD-BACK -> 6 s -> target 7 s -> msn 23 (starts at 6 s)
    HlsStartPoint sp = ComputeStartPoint(pl, false);
    CHECK(sp.Position == HlsPosition{23, -1});
    CHECK(sp.Distance == doctest::Approx(7.0));
}

TEST_CASE("the start point honours EXT-X-START and ENDLIST")
{
    HlsPlaylist vod = P("#EXT-X-TARGETDURATION:2\n#EXTINF:2,\na.ts\n#EXTINF:2,\nb.ts\n#EXT-X-ENDLIST\n");
    CHECK(ComputeStartPoint(vod, false).Position == HlsPosition{0, -1});
    HlsPlaylist st = P("#EXT-X-TARGETDURATION:2\n#EXT-X-START:TIME-OFFSET=-2.5\n#EXTINF:2,\na.ts\n#EXTINF:2,\nb.ts\n#EXTINF:2,\nc.ts\n");
    CHECK(ComputeStartPoint(st, false).Position == HlsPosition{1, -1});
    CHECK_FALSE(ComputeStartPoint(P("#EXT-X-TARGETDURATION:2\n"), false).Ok);
}

TEST_CASE("the next position follows trailing parts, a complete segment, and a last MSN of 0")
{
    CHECK(NextPosition(P(Live(5, 2, 3)), true) == HlsPosition{7, 3});
    CHECK(NextPosition(P(Live(5, 2, 0)), true) == HlsPosition{7, 0});
    CHECK(NextPosition(P(Live(5, 2, 0)), false) == HlsPosition{7, -1});
    // hls.js stalled here: only parts of msn 0 exist; the next request must be msn 0 part 2, not msn 1.
    HlsPlaylist zero = P(Live(0, 0, 2));
    CHECK(zero.Segments.size() == 1);
    CHECK(NextPosition(zero, true) == HlsPosition{0, 2});
    CHECK(BuildReloadUrl(kUrl, NextPosition(zero, true).Msn, NextPosition(zero, true).Part, HlsSkipRequest::No) ==
          std::string(kUrl) + "?_HLS_msn=0&_HLS_part=2");
    // An empty live playlist asks for its media sequence, part 0.
    CHECK(NextPosition(P("#EXT-X-TARGETDURATION:2\n#EXT-X-PART-INF:PART-TARGET=0.5\n"), true) == HlsPosition{0, 0});
}

TEST_CASE("PlaylistHas tells whether a blocking reload was answered with what it asked for")
{
    HlsPlaylist pl = P(Live(5, 2, 2));
    CHECK(PlaylistHas(pl, {6, 3}));
    CHECK(PlaylistHas(pl, {7, 1}));
    CHECK_FALSE(PlaylistHas(pl, {7, 2}));
    CHECK_FALSE(PlaylistHas(pl, {8, 0}));
    CHECK(PlaylistHas(pl, {6, 9})); // a complete segment satisfies any part of it
}

TEST_CASE("a media item lookup finds a listed segment or part Ready, with its URI, independence and date")
{
    HlsPlaylist pl = P(Live(5, 2, 2, "#EXT-X-PROGRAM-DATE-TIME:1970-01-01T00:01:40Z\n"));
    HlsItemResult r = LookupMediaItem(pl, {5, -1}, true);
    REQUIRE(r.Lookup == HlsItemLookup::Ready);
    CHECK_FALSE(r.Item.IsPart);
    CHECK(r.Item.Pos == HlsPosition{5, -1});
    CHECK(r.Item.Uri == "http://127.0.0.1:1/live/720p/s5.m4s");
    CHECK(r.Item.Independent);
    CHECK(r.Item.Duration == doctest::Approx(2.0));
    CHECK(*r.Item.ProgramDateTime == doctest::Approx(100.0));
    r = LookupMediaItem(pl, {6, 1}, true);
    REQUIRE(r.Lookup == HlsItemLookup::Ready);
    CHECK(r.Item.IsPart);
    CHECK(r.Item.Uri == "http://127.0.0.1:1/live/720p/p6.1.m4s");
    CHECK_FALSE(r.Item.Independent);
    CHECK(r.Item.Duration == doctest::Approx(0.5));
    CHECK(*r.Item.ProgramDateTime == doctest::Approx(102.5));                // its segment's date + the parts before it
    CHECK(LookupMediaItem(pl, {6, 0}, true).Item.Independent);               // a segment's first part always is
    CHECK(LookupMediaItem(pl, {7, 1}, true).Lookup == HlsItemLookup::Ready); // a trailing part
    // Part 0 of a segment without parts asks for the whole segment.
    HlsPlaylist plain = P("#EXT-X-TARGETDURATION:2\n#EXTINF:2,\na.ts\n");
    r = LookupMediaItem(plain, {0, 0}, false);
    REQUIRE(r.Lookup == HlsItemLookup::Ready);
    CHECK(r.Item.Pos == HlsPosition{0, -1});
    CHECK_FALSE(r.Item.IsPart);
}

TEST_CASE("a media item lookup says NotYet for what the playlist does not list yet or has not finished")
{
    HlsPlaylist pl = P(Live(5, 2, 2));
    CHECK(LookupMediaItem(pl, {7, 2}, true).Lookup == HlsItemLookup::NotYet);  // the next trailing part
    CHECK(LookupMediaItem(pl, {7, -1}, true).Lookup == HlsItemLookup::NotYet); // the unfinished segment whole
    CHECK(LookupMediaItem(pl, {8, 0}, true).Lookup == HlsItemLookup::NotYet);
    CHECK(LookupMediaItem(P("#EXT-X-TARGETDURATION:2\n"), {0, 0}, true).Lookup == HlsItemLookup::NotYet);
}

TEST_CASE("a media item lookup says Restart for a position older than the first segment")
{
    CHECK(LookupMediaItem(P(Live(5, 2, 2)), {4, 0}, true).Lookup == HlsItemLookup::Restart);
    CHECK(LookupMediaItem(P(Live(5, 2, 2)), {4, -1}, false).Lookup == HlsItemLookup::Restart);
}

TEST_CASE("a media item lookup says Skip past gaps and past the last part of a finished segment")
{
    HlsItemResult r = LookupMediaItem(P(Live(5, 2, 2)), {6, 4}, true);
    REQUIRE(r.Lookup == HlsItemLookup::Skip);
    CHECK(r.SkipTo == HlsPosition{7, 0});
    CHECK_FALSE(r.Gap);
    HlsPlaylist gap = P("#EXT-X-TARGETDURATION:2\n#EXTINF:2,\na.ts\n#EXT-X-GAP\n#EXTINF:2,\nb.ts\n#EXTINF:2,\nc.ts\n");
    r = LookupMediaItem(gap, {1, -1}, false);
    REQUIRE(r.Lookup == HlsItemLookup::Skip);
    CHECK(r.Gap);
    CHECK(r.SkipTo == HlsPosition{2, -1});
    CHECK(LookupMediaItem(gap, {1, -1}, true).SkipTo == HlsPosition{2, 0});
    HlsPlaylist gap_part = P("#EXT-X-TARGETDURATION:2\n#EXT-X-PART-INF:PART-TARGET=0.5\n"
                             "#EXT-X-PART:DURATION=0.5,URI=\"a.m4s\",GAP=YES\n#EXT-X-PART:DURATION=0.5,URI=\"b.m4s\"\n");
    r = LookupMediaItem(gap_part, {0, 0}, true);
    REQUIRE(r.Lookup == HlsItemLookup::Skip);
    CHECK(r.Gap);
    CHECK(r.SkipTo == HlsPosition{0, 1});
}

TEST_CASE("the position after is the next part, or the next segment whole or from its part 0")
{
    CHECK(PositionAfter({5, -1}, true) == HlsPosition{6, 0});
    CHECK(PositionAfter({5, -1}, false) == HlsPosition{6, -1});
    CHECK(PositionAfter({5, 2}, true) == HlsPosition{5, 3});
}

TEST_CASE("the reload URL puts its directives in order msn, part, skip, after the existing query, replacing old ones")
{
    struct Row
    {
        std::string Url;
        std::optional<int64_t> Msn;
        int Part;
        HlsSkipRequest Skip;
        std::string Want;
    };
    const Row rows[] = {
        {"http://h/i.m3u8", 12, 3, HlsSkipRequest::No, "http://h/i.m3u8?_HLS_msn=12&_HLS_part=3"},
        {"http://h/i.m3u8", 12, -1, HlsSkipRequest::No, "http://h/i.m3u8?_HLS_msn=12"},
        {"http://h/i.m3u8", 12, 0, HlsSkipRequest::Yes, "http://h/i.m3u8?_HLS_msn=12&_HLS_part=0&_HLS_skip=YES"},
        {"http://h/i.m3u8", std::nullopt, -1, HlsSkipRequest::V2, "http://h/i.m3u8?_HLS_skip=v2"},
        {"http://h/i.m3u8?token=a&_HLS_msn=1", 2, 1, HlsSkipRequest::No, "http://h/i.m3u8?token=a&_HLS_msn=2&_HLS_part=1"},
        {"http://h/i.m3u8#frag", 2, -1, HlsSkipRequest::No, "http://h/i.m3u8?_HLS_msn=2#frag"},
    };
    for (const Row& r : rows)
    {
        CAPTURE(r.Want);
        CHECK(BuildReloadUrl(r.Url, r.Msn, r.Part, r.Skip) == r.Want);
    }
}

TEST_CASE("a skip is requested only while our copy is younger than half the skip boundary")
{
    HlsPlaylist pl = P(Live(0, 3, 0)); // CAN-SKIP-UNTIL=12
    CHECK(ChooseSkip(pl, 1.0) == HlsSkipRequest::Yes);
    CHECK(ChooseSkip(pl, 6.5) == HlsSkipRequest::No);
    HlsPlaylist v2 = P("#EXT-X-TARGETDURATION:2\n#EXT-X-SERVER-CONTROL:CAN-SKIP-UNTIL=12,CAN-SKIP-DATERANGES=YES\n");
    CHECK(ChooseSkip(v2, 0.0) == HlsSkipRequest::V2);
    CHECK(ChooseSkip(P("#EXT-X-TARGETDURATION:2\n"), 0.0) == HlsSkipRequest::No);
}

TEST_CASE("without blocking, a reload waits the target duration after a change, half of it otherwise")
{
    HlsPlaylist pl = P("#EXT-X-TARGETDURATION:6\n#EXTINF:6,\na.ts\n");
    CHECK(ReloadDelay(pl, true) == doctest::Approx(6.0));
    CHECK(ReloadDelay(pl, false) == doctest::Approx(3.0));
}

TEST_CASE("a live playlist unchanged for more than 1.5 x target duration is stale")
{
    HlsPlaylist pl = P("#EXT-X-TARGETDURATION:2\n#EXTINF:2,\na.ts\n");
    CHECK_FALSE(IsPlaylistStale(pl, 10.0, 12.9));
    CHECK(IsPlaylistStale(pl, 10.0, 13.1));
    pl.EndList = true;
    CHECK_FALSE(IsPlaylistStale(pl, 10.0, 100.0));
}

TEST_CASE("the ABR estimator converges to the sample rate and reacts to drops")
{
    HlsBandwidthEstimator bw;
    CHECK(bw.Estimate() == 0.0);
    for (int i = 0; i < 20; i++) bw.AddSample(125000, 0.1); // 10 Mbit/s
    CHECK(bw.Estimate() == doctest::Approx(10e6).epsilon(0.01));
    for (int i = 0; i < 10; i++) bw.AddSample(12500, 0.1); // 1 Mbit/s
    CHECK(bw.Estimate() < 5e6);
    bw.AddSample(-1, 0.1);
    bw.AddSample(100, 0.0);
    CHECK(bw.Samples == 30);
}

TEST_CASE("ABR chooses the highest affordable variant, with a margin before switching up")
{
    std::vector<HlsVariant> v(3);
    v[0].Bandwidth = 3000000;
    v[1].Bandwidth = 1000000;
    v[2].Bandwidth = 500000;
    CHECK(ChooseVariant(v, 0, 10e6) == 0);
    CHECK(ChooseVariant(v, 0, 2e6) == 1);
    CHECK(ChooseVariant(v, 0, 0.1e6) == 2);
    CHECK(ChooseVariant(v, 1, 3.9e6) == 1); // 3.9 * 0.8 = 3.12 < 3.0 * 1.2: stay
    CHECK(ChooseVariant(v, 1, 4.6e6) == 0);
    CHECK(ChooseVariant(v, 1, 0.0) == 1); // no estimate: stay
}

TEST_CASE("an AES-128 encrypted LL playlist is played by whole segments (parts are not CBC units)")
{
    CHECK(IsLowLatency(P(Live(10, 3, 2)), true));
    HlsPlaylist enc = P(Live(10, 3, 2, "#EXT-X-KEY:METHOD=AES-128,URI=\"k.key\"\n"));
    CHECK_FALSE(IsLowLatency(enc, true));
    HlsStartPoint sp = ComputeStartPoint(enc, IsLowLatency(enc, true));
    REQUIRE(sp.Ok);
    CHECK(sp.Position.Part == -1);
}

TEST_SUITE_END();
