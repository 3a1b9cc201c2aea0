// Unit tests for HlsSession, driven with fake responses and a fake clock (no I/O).
#include <doctest/doctest.h>

#include <livescope/player/hls/hls_session.h>

#include "session_harness.h"

#include <algorithm>
#include <cmath>
#include <string>

using namespace livescope;
using livescope::test::Harness;

namespace {
const std::string kRoot = "http://127.0.0.1:9/live/";
const std::string kMaster = kRoot + "master.m3u8";
const std::string kV0 = kRoot + "720p/index.m3u8";
const std::string kV1 = kRoot + "360p/index.m3u8";

// LL playlist for a rendition dir: segments [first, first+n) of 4 parts (0.5 s; even parts independent),
// `tail` trailing parts of segment first+n, and a preload hint for the next part.
std::string LivePl(int first, int n, int tail, bool hint = true, const std::string& extra = "", bool block = true)
{
    std::string s = "#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:2\n#EXT-X-PART-INF:PART-TARGET=0.5\n";
    if (block) s += "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.0,CAN-SKIP-UNTIL=12\n";
    s += extra;
    s += "#EXT-X-MEDIA-SEQUENCE:" + std::to_string(first) + "\n#EXT-X-MAP:URI=\"init.mp4\"\n";
    auto part = [](int m, int p) {
        return "#EXT-X-PART:DURATION=0.5,URI=\"p" + std::to_string(m) + "." + std::to_string(p) + ".m4s\"" + (p % 2 == 0 ? ",INDEPENDENT=YES" : "") + "\n";
    };
    for (int m = first; m < first + n; m++)
    {
        for (int p = 0; p < 4; p++) s += part(m, p);
        s += "#EXTINF:2.0,\ns" + std::to_string(m) + ".m4s\n";
    }
    for (int p = 0; p < tail; p++) s += part(first + n, p);
    if (hint)
    {
        const int m = first + n, p = tail;
        s += "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"p" + std::to_string(m) + "." + std::to_string(p) + ".m4s\"\n";
    }
    return s;
}


// Starts on a media playlist URL and answers the first load plus the init segment.
void Boot(Harness& h, const std::string& pl)
{
    h.S.Start(kV0, h.Now);
    h.Pull();
    h.Respond(h.Take(HlsRequestKind::Multivariant), pl);
    h.Respond(h.Take(HlsRequestKind::Map, "init.mp4"), "INIT");
}
} // namespace

TEST_SUITE_BEGIN("player_hls/hls_session");

TEST_CASE("the first request is the start URL")
{
    Harness h;
    h.S.Start(kMaster, 0.0);
    h.Pull();
    REQUIRE(h.Open.size() == 1);
    CHECK(h.Open[0].Kind == HlsRequestKind::Multivariant);
    CHECK(h.Open[0].Url == kMaster);
    CHECK(h.Open[0].Id != 0);
}

TEST_CASE("without ABR a multivariant playlist leads to the first variant's media playlist only")
{
    HlsSessionConfig cfg;
    cfg.AutoAbr = false;
    Harness h(cfg);
    h.S.Start(kMaster, 0.0);
    h.Pull();
    h.Respond(h.Take(HlsRequestKind::Multivariant),
              "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=2000000\n720p/index.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=600000\n360p/index.m3u8\n");
    REQUIRE(h.Open.size() == 1);
    CHECK(h.Open[0].Kind == HlsRequestKind::MediaPlaylist);
    CHECK(h.Open[0].Url == kV0);
    CHECK_FALSE(h.Open[0].Blocking);
    CHECK(h.S.Stats().CurrentVariant == 0);
    CHECK(h.Count(HlsEvent::MultivariantLoaded) == 1);
}

TEST_CASE("with ABR a multivariant playlist leads to the lowest variant's media playlist only")
{
    Harness h;
    h.S.Start(kMaster, 0.0);
    h.Pull();
    h.Respond(h.Take(HlsRequestKind::Multivariant),
              "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=2000000\n720p/index.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=600000\n360p/index.m3u8\n");
    REQUIRE(h.Open.size() == 1);
    CHECK(h.Open[0].Kind == HlsRequestKind::MediaPlaylist);
    CHECK(h.Open[0].Url.find("360p/index.m3u8") != std::string::npos);
    CHECK(h.S.Stats().CurrentVariant == 1);
}

TEST_CASE("the blocking reload and the preload-hint part are requested together")
{
    Harness h;
    h.S.Start(kV0, 0.0);
    h.Pull();
    h.Respond(h.Take(HlsRequestKind::Multivariant), LivePl(10, 3, 2));
    const HlsLoadRequest* pl = h.Find(HlsRequestKind::MediaPlaylist);
    REQUIRE(pl);
    CHECK(pl->Blocking);
    CHECK(pl->Url == kV0 + "?_HLS_msn=13&_HLS_part=2&_HLS_skip=YES");
    CHECK(pl->Expect == HlsPosition{13, 2});
    const HlsLoadRequest* hint = h.Find(HlsRequestKind::PreloadPart);
    REQUIRE(hint);
    CHECK(hint->Url == kRoot + "720p/p13.2.m4s");
    CHECK(h.S.Stats().HintsRequested == 1);
    // Start point: edge 7.0 s, PART-HOLD-BACK 1.0 -> 6.0 s = msn 13 part 0; its init segment and the part itself go out
    // together (the first frame needs both: no round trip chained on the other).
    CHECK(h.Count(HlsEvent::StartPointChosen) == 1);
    CHECK(h.Find(HlsRequestKind::Map, "init.mp4"));
    CHECK(h.Find(HlsRequestKind::Part, "p13.0.m4s"));
    // In that order: the media first, then what the origin holds open (the reload, the hint).
    std::vector<HlsRequestKind> order;
    for (const HlsLoadRequest& r : h.Open) order.push_back(r.Kind);
    CHECK(order == std::vector<HlsRequestKind>{HlsRequestKind::Map, HlsRequestKind::Part, HlsRequestKind::MediaPlaylist, HlsRequestKind::PreloadPart});
}

TEST_CASE("the start point's part is requested beside its init segment and its bytes wait for the init segment's")
{
    Harness h;
    h.S.Start(kV0, 0.0);
    h.Pull();
    h.Respond(h.Take(HlsRequestKind::Multivariant), LivePl(10, 3, 2));
    const HlsLoadRequest init = h.Take(HlsRequestKind::Map, "init.mp4");
    const HlsLoadRequest part = h.Take(HlsRequestKind::Part, "p13.0.m4s"); // before the init segment answered
    h.Now = 0.05;
    h.Respond(part, "PART"); // the part answers first: nothing goes out yet
    CHECK(h.Media.empty());
    h.Now = 0.08;
    h.S.OnResponse(init.Id, 200, h.Now);
    h.Data(init.Id, "IN");
    CHECK(h.MediaText(false).empty()); // an init segment in progress holds the part back
    h.Data(init.Id, "IT");
    h.S.OnComplete(init.Id, h.Now);
    h.Pull();
    CHECK(h.MediaText(true) == "INIT");
    CHECK(h.MediaText(false) == "PART");
    // Order: every init chunk before the part's first.
    size_t last_init = 0, first_part = h.Media.size();
    for (size_t i = 0; i < h.Media.size(); i++)
    {
        if (h.Media[i].IsInit) last_init = i;
        else first_part = std::min(first_part, i);
    }
    CHECK(last_init < first_part);
    CHECK(h.S.Stats().PartsLoaded == 1);
}

// A start 3 s behind the edge (EXT-X-START), so that more parts are listed after it than the lookahead.
const std::string kBehind = "#EXT-X-START:TIME-OFFSET=-3.0\n";

TEST_CASE("behind the live edge the listed parts after the cursor's are requested at once, up to the lookahead, and go out in order")
{
    HlsSessionConfig cfg;
    cfg.MediaLookahead = 2;
    Harness h(cfg);
    h.S.Start(kV0, 0.0);
    h.Pull();
    // Edge 7.5 s - 3.0 = 4.5 s: the start is the independent msn 12 part 0; 12.1 ... 13.2 are listed after it.
    h.Respond(h.Take(HlsRequestKind::Multivariant), LivePl(10, 3, 3, true, kBehind));
    h.Respond(h.Take(HlsRequestKind::Map, "init.mp4"), "I");
    CHECK_FALSE(h.Find(HlsRequestKind::Part, "p12.1.m4s")); // nothing ahead before a first item has loaded
    h.Respond(h.Take(HlsRequestKind::Part, "p12.0.m4s"), "A");
    const HlsLoadRequest p1 = h.Take(HlsRequestKind::Part, "p12.1.m4s"); // the cursor's
    const HlsLoadRequest p2 = h.Take(HlsRequestKind::Part, "p12.2.m4s"); // ahead
    const HlsLoadRequest p3 = h.Take(HlsRequestKind::Part, "p12.3.m4s"); // ahead
    CHECK_FALSE(h.Find(HlsRequestKind::Part)); // no more than the lookahead
    CHECK(h.S.Stats().PartsRequestedAhead == 2);
    // Answers in any order; the bytes go out in the playlist's order.
    h.Respond(p3, "D");
    h.Respond(p2, "C");
    CHECK(h.MediaText(false) == "A");
    h.Respond(p1, "B");
    CHECK(h.MediaText(false) == "ABCD");
    CHECK(h.S.Stats().PartsLoaded == 4);
    CHECK(h.Find(HlsRequestKind::Part, "p13.0.m4s")); // and on: the cursor's, then two ahead again
    CHECK(h.Find(HlsRequestKind::Part, "p13.2.m4s"));
    CHECK_FALSE(h.Find(HlsRequestKind::Part, "p13.3.m4s")); // the hint's (not listed yet)

    HlsSessionConfig one;
    one.MediaLookahead = 0;
    Harness s(one);
    s.S.Start(kV0, 0.0);
    s.Pull();
    s.Respond(s.Take(HlsRequestKind::Multivariant), LivePl(10, 3, 3, true, kBehind));
    s.Respond(s.Take(HlsRequestKind::Map, "init.mp4"), "I");
    s.Respond(s.Take(HlsRequestKind::Part, "p12.0.m4s"), "A");
    CHECK(s.Find(HlsRequestKind::Part, "p12.1.m4s"));
    CHECK_FALSE(s.Find(HlsRequestKind::Part, "p12.2.m4s"));
}

TEST_CASE("no part is requested ahead while media requests fail")
{
    Harness h;
    h.S.Start(kV0, 0.0);
    h.Pull();
    h.Respond(h.Take(HlsRequestKind::Multivariant), LivePl(10, 3, 3, true, kBehind));
    h.Respond(h.Take(HlsRequestKind::Map, "init.mp4"), "I");
    h.Respond(h.Take(HlsRequestKind::Part, "p12.0.m4s"), "A");
    h.Respond(h.Take(HlsRequestKind::Part, "p12.1.m4s"), "", 500); // the cursor's fails: the two ahead stay, no more
    CHECK(h.S.Stats().PartsRequestedAhead == 2);
    CHECK_FALSE(h.Find(HlsRequestKind::Part, "p13.0.m4s"));
    h.Respond(h.Take(HlsRequestKind::Part, "p12.2.m4s"), "C"); // a part loads again: the lookahead resumes, into the
    CHECK(h.Find(HlsRequestKind::Part, "p13.0.m4s"));                 // next segment
    CHECK(h.Find(HlsRequestKind::Part, "p13.1.m4s"));
}

TEST_CASE("parts requested ahead that the cursor will not reach are dropped")
{
    Harness h;
    h.S.Start(kV0, 0.0);
    h.Pull();
    h.Respond(h.Take(HlsRequestKind::Multivariant), LivePl(10, 3, 3, true, kBehind));
    h.Respond(h.Take(HlsRequestKind::Map, "init.mp4"), "I");
    h.Respond(h.Take(HlsRequestKind::Part, "p12.0.m4s"), "A");
    const HlsLoadRequest p2 = h.Take(HlsRequestKind::Part, "p12.2.m4s");
    const HlsLoadRequest p3 = h.Take(HlsRequestKind::Part, "p12.3.m4s");
    h.Respond(p3, "D"); // complete, waiting for the cursor
    h.S.Seek(0.0, h.Now); // the cursor leaves: both are dropped (one in flight, one complete and held)
    h.Pull();
    CHECK(std::find(h.Cancelled.begin(), h.Cancelled.end(), p2.Id) != h.Cancelled.end());
    CHECK(h.MediaText(false).find('D') == std::string::npos);
}

TEST_CASE("a part that fails while its init segment loads is skipped and the init segment still serves the next part")
{
    Harness h;
    h.S.Start(kV0, 0.0);
    h.Pull();
    h.Respond(h.Take(HlsRequestKind::Multivariant), LivePl(10, 3, 2));
    const HlsLoadRequest init = h.Take(HlsRequestKind::Map, "init.mp4");
    h.Respond(h.Take(HlsRequestKind::Part, "p13.0.m4s"), "", 404);
    CHECK(h.Count(HlsEvent::MediaSkipped) == 1);
    CHECK(h.Cancelled.end() == std::find(h.Cancelled.begin(), h.Cancelled.end(), init.Id)); // same map: kept
    CHECK_FALSE(h.Find(HlsRequestKind::Map)); // not asked twice
    h.Respond(init, "INIT");
    h.Respond(h.Take(HlsRequestKind::Part, "p13.1.m4s"), "B");
    CHECK(h.MediaText(true) == "INIT");
    CHECK(h.MediaText(false) == "B");
}

TEST_CASE("media bytes stream out as they arrive, init first, in order")
{
    Harness h;
    Boot(h, LivePl(10, 3, 2));
    CHECK(h.MediaText(true) == "INIT");
    HlsLoadRequest p0 = h.Take(HlsRequestKind::Part, "p13.0.m4s");
    h.S.OnResponse(p0.Id, 200, h.Now);
    h.Data(p0.Id, "aa");
    REQUIRE_FALSE(h.Media.empty());
    CHECK(h.MediaText(false) == "aa"); // before completion
    const HlsMediaChunk& c = h.Media.back();
    CHECK(c.Msn == 13);
    CHECK(c.Part == 0);
    CHECK(c.Independent);
    CHECK(c.First);
    CHECK_FALSE(c.Last);
    h.Data(p0.Id, "bb");
    h.S.OnComplete(p0.Id, h.Now);
    h.Pull();
    CHECK(h.MediaText(false) == "aabb");
    CHECK(h.Media.back().Last);
    CHECK(h.S.Stats().PartsLoaded == 1);
    // The next part is requested once the previous one is complete.
    CHECK(h.Find(HlsRequestKind::Part, "p13.1.m4s"));
}

TEST_CASE("a hinted part's bytes are held until the previous part is complete")
{
    Harness h;
    Boot(h, LivePl(10, 3, 2));
    HlsLoadRequest hint = h.Take(HlsRequestKind::PreloadPart, "p13.2.m4s");
    h.S.OnResponse(hint.Id, 200, h.Now);
    h.Now = 0.1;
    h.Data(hint.Id, "HH");
    CHECK(h.MediaText(false).empty());
    // The playlist update lists p13.2 (the hinted part): the hint becomes that part, no new request.
    h.Now = 0.4;
    HlsLoadRequest pl = h.Take(HlsRequestKind::MediaPlaylist);
    h.Respond(pl, LivePl(10, 3, 3));
    CHECK(h.S.Stats().HintLeadCount == 1);
    CHECK(h.S.Stats().HintLeadSum == doctest::Approx(0.3));
    h.Respond(h.Take(HlsRequestKind::Part, "p13.0.m4s"), "00");
    CHECK(h.MediaText(false) == "00");
    h.Respond(h.Take(HlsRequestKind::Part, "p13.1.m4s"), "11");
    CHECK(h.MediaText(false) == "0011HH");
    CHECK_FALSE(h.Find(HlsRequestKind::Part, "p13.2.m4s"));
    h.S.OnComplete(hint.Id, h.Now);
    h.Pull();
    CHECK(h.S.Stats().HintsUsed == 1);
    CHECK(h.S.Stats().PartsLoaded == 3);
    // The new hint (p13.3) is already in flight.
    CHECK(h.Find(HlsRequestKind::PreloadPart, "p13.3.m4s"));
}

TEST_CASE("a hinted request the update does not reference is cancelled and discarded")
{
    Harness h;
    Boot(h, LivePl(10, 3, 2));
    HlsLoadRequest hint = h.Take(HlsRequestKind::PreloadPart, "p13.2.m4s");
    h.Data(hint.Id, "XX");
    // The server moved on with different names: p13.2 is not listed.
    std::string pl = LivePl(10, 3, 2, false) + "#EXT-X-PART:DURATION=0.5,URI=\"other.m4s\"\n#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"other2.m4s\"\n";
    h.Respond(h.Take(HlsRequestKind::MediaPlaylist), pl);
    CHECK(std::find(h.Cancelled.begin(), h.Cancelled.end(), hint.Id) != h.Cancelled.end());
    CHECK(h.S.Stats().HintsCancelled == 1);
    CHECK(h.Count(HlsEvent::HintCancelled) == 1);
    CHECK(h.Find(HlsRequestKind::PreloadPart, "other2.m4s"));
    h.Respond(h.Take(HlsRequestKind::Part, "p13.0"), "a");
    h.Respond(h.Take(HlsRequestKind::Part, "p13.1"), "b");
    h.Respond(h.Take(HlsRequestKind::Part, "other.m4s"), "c");
    CHECK(h.MediaText(false) == "abc"); // the cancelled hint's bytes never appear
}

TEST_CASE("a delta update is merged, and an unmergeable one triggers a full reload")
{
    Harness h;
    Boot(h, LivePl(10, 6, 0));
    HlsLoadRequest pl = h.Take(HlsRequestKind::MediaPlaylist);
    CHECK(pl.Url.find("_HLS_skip=YES") != std::string::npos);
    // Good delta: skips 10..13 (held), lists 14, 15, and a part of 16.
    std::string delta = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-PART-INF:PART-TARGET=0.5\n#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.0,CAN-SKIP-UNTIL=12\n"
                        "#EXT-X-MEDIA-SEQUENCE:10\n#EXT-X-MAP:URI=\"init.mp4\"\n#EXT-X-SKIP:SKIPPED-SEGMENTS=4\n#EXTINF:2.0,\ns14.m4s\n#EXTINF:2.0,\ns15.m4s\n"
                        "#EXT-X-PART:DURATION=0.5,URI=\"p16.0.m4s\",INDEPENDENT=YES\n";
    h.Respond(pl, delta);
    REQUIRE(h.S.MediaPlaylist());
    CHECK(h.S.MediaPlaylist()->Segments.size() == 7);
    CHECK(h.S.Stats().DeltaUpdates == 1);
    CHECK(h.S.Stats().DeltaMergeFailures == 0);
    // Bad delta: claims to skip segments we never had.
    HlsLoadRequest pl2 = h.Take(HlsRequestKind::MediaPlaylist);
    std::string bad = delta;
    bad.replace(bad.find("MEDIA-SEQUENCE:10"), 17, "MEDIA-SEQUENCE:90");
    h.Respond(pl2, bad);
    CHECK(h.S.Stats().DeltaMergeFailures == 1);
    const HlsLoadRequest* full = h.Find(HlsRequestKind::MediaPlaylist);
    REQUIRE(full);
    CHECK(full->Url.find("_HLS_skip") == std::string::npos);
}

TEST_CASE("a blocking reload answered without the asked part counts as a miss")
{
    Harness h;
    Boot(h, LivePl(10, 3, 2));
    HlsLoadRequest pl = h.Take(HlsRequestKind::MediaPlaylist);
    h.Respond(pl, LivePl(10, 3, 2));
    CHECK(h.S.Stats().BlockingMisses == 1);
    CHECK(h.Count(HlsEvent::BlockingMiss) == 1);
    CHECK(h.Count(HlsEvent::PlaylistUnchanged) == 1);
}

TEST_CASE("without blocking support, reloads follow the target duration rule")
{
    Harness h;
    Boot(h, LivePl(10, 3, 0, false, "", false));
    CHECK_FALSE(h.Find(HlsRequestKind::MediaPlaylist));
    CHECK(h.S.NextWakeup() == doctest::Approx(2.0));
    h.Now = 2.0;
    h.S.Tick(h.Now);
    h.Pull();
    HlsLoadRequest pl = h.Take(HlsRequestKind::MediaPlaylist);
    CHECK(pl.Url == kV0);
    h.Now = 2.1;
    h.Respond(pl, LivePl(10, 3, 0, false, "", false)); // unchanged: half the target duration
    CHECK(h.S.NextWakeup() == doctest::Approx(3.0));
}

TEST_CASE("a stale blocking reload is replaced by a plain reload after 1.5 x target duration")
{
    Harness h;
    Boot(h, LivePl(10, 3, 2));
    HlsLoadRequest pl = h.Take(HlsRequestKind::MediaPlaylist);
    CHECK(h.S.NextWakeup() == doctest::Approx(3.0).epsilon(0.01));
    h.Now = 3.01;
    h.S.Tick(h.Now);
    h.Pull();
    CHECK(h.Count(HlsEvent::PlaylistStale) == 1);
    CHECK(std::find(h.Cancelled.begin(), h.Cancelled.end(), pl.Id) != h.Cancelled.end());
    const HlsLoadRequest* plain = h.Find(HlsRequestKind::MediaPlaylist);
    REQUIRE(plain);
    CHECK(plain->Url == kV0);
    CHECK_FALSE(plain->Blocking);
}

TEST_CASE("a failed playlist request is retried after the retry delay")
{
    Harness h;
    h.S.Start(kV0, 0.0);
    h.Pull();
    h.Respond(h.Take(HlsRequestKind::Multivariant), "", 503);
    CHECK(h.S.Stats().Errors == 1);
    CHECK(h.Open.empty());
    CHECK(h.S.NextWakeup() == doctest::Approx(0.5));
    h.Now = 0.5;
    h.S.Tick(h.Now);
    h.Pull();
    CHECK(h.Find(HlsRequestKind::Multivariant));
}

TEST_CASE("a playlist that does not parse is an event with the line number, not a crash")
{
    Harness h;
    h.S.Start(kV0, 0.0);
    h.Pull();
    h.Respond(h.Take(HlsRequestKind::Multivariant), "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"k\"\n");
    REQUIRE(h.Count(HlsEvent::ParseFailed) == 1);
    const auto it = std::find_if(h.Events.begin(), h.Events.end(), [](const HlsEventRecord& e) { return e.Type == HlsEvent::ParseFailed; });
    CHECK(it->Detail.find("line 3: unsupported encryption") == 0);
}

TEST_CASE("a GAP part is skipped without a request")
{
    Harness h;
    std::string pl = LivePl(10, 3, 0, false);
    pl += "#EXT-X-PART:DURATION=0.5,URI=\"p13.0.m4s\",INDEPENDENT=YES\n#EXT-X-PART:DURATION=0.5,URI=\"gap.m4s\",GAP=YES\n#EXT-X-PART:DURATION=0.5,URI=\"p13.2.m4s\",INDEPENDENT=YES\n";
    Boot(h, pl);
    h.Respond(h.Take(HlsRequestKind::Part, "p13.0"), "a");
    CHECK_FALSE(h.Find(HlsRequestKind::Part, "gap.m4s"));
    h.Respond(h.Take(HlsRequestKind::Part, "p13.2"), "c");
    CHECK(h.MediaText(false) == "ac");
    CHECK(h.Count(HlsEvent::MediaSkipped) == 1);
}

TEST_CASE("program date-time and discontinuity serials travel with the chunks")
{
    Harness h;
    Boot(h, LivePl(10, 3, 2, true, "#EXT-X-DISCONTINUITY-SEQUENCE:4\n"));
    // PDT is not set in LivePl; make a playlist that has it.
    Harness h2;
    std::string pl = LivePl(10, 3, 2);
    pl.insert(pl.find("#EXT-X-PART:"), "#EXT-X-PROGRAM-DATE-TIME:2024-01-01T00:00:00Z\n");
    Boot(h2, pl);
    h2.Respond(h2.Take(HlsRequestKind::Part, "p13.0"), "a");
    h2.Respond(h2.Take(HlsRequestKind::Part, "p13.1"), "b");
    REQUIRE(h2.Media.back().ProgramDateTime);
    CHECK(*h2.Media.back().ProgramDateTime == doctest::Approx(1704067200.0 + 6.5));
    h.Respond(h.Take(HlsRequestKind::Part, "p13.0"), "a");
    CHECK(h.Media.back().DiscontinuitySeq == 4);
    CHECK(h.Media.back().Duration == doctest::Approx(0.5));
}

TEST_CASE("byte-range parts ask for ranges, and a server that ignores Range is handled")
{
    Harness h;
    std::string pl = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-PART-INF:PART-TARGET=0.5\n#EXT-X-MAP:URI=\"init.mp4\",BYTERANGE=\"4@0\"\n"
                     "#EXT-X-PART:DURATION=0.5,URI=\"s0.m4s\",BYTERANGE=\"3@0\",INDEPENDENT=YES\n#EXT-X-PART:DURATION=0.5,URI=\"s0.m4s\",BYTERANGE=\"3\"\n"
                     "#EXTINF:1.0,\n#EXT-X-BYTERANGE:6@0\ns0.m4s\n#EXT-X-ENDLIST\n";
    h.S.Start(kV0, 0.0);
    h.Pull();
    h.Respond(h.Take(HlsRequestKind::Multivariant), pl);
    HlsLoadRequest map = h.Take(HlsRequestKind::Map);
    REQUIRE(map.Range);
    CHECK(*map.Range->Length == 4);
    h.Respond(map, "INIT");
    HlsLoadRequest p0 = h.Take(HlsRequestKind::Part);
    REQUIRE(p0.Range);
    CHECK(p0.Range->Offset == 0);
    h.Respond(p0, "abc");
    HlsLoadRequest p1 = h.Take(HlsRequestKind::Part);
    CHECK(p1.Range->Offset == 3);
    h.Respond(p1, "abcdef"); // 200 with the whole file: the first 3 bytes are dropped
    CHECK(h.MediaText(false) == "abcdef");
    CHECK(h.S.Ended());
    CHECK(h.Count(HlsEvent::EndOfStream) == 1);
}

TEST_CASE("switching variants uses the rendition report and happens at an independent part")
{
    HlsSessionConfig cfg;
    cfg.AutoAbr = false;
    Harness h(cfg);
    h.S.Start(kMaster, 0.0);
    h.Pull();
    h.Respond(h.Take(HlsRequestKind::Multivariant),
              "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=2000000\n720p/index.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=600000\n360p/index.m3u8\n");
    h.Respond(h.Take(HlsRequestKind::MediaPlaylist, "720p"), LivePl(10, 3, 2, true, "") + "#EXT-X-RENDITION-REPORT:URI=\"../360p/index.m3u8\",LAST-MSN=13,LAST-PART=1\n");
    h.Respond(h.Take(HlsRequestKind::Map, "720p/init.mp4"), "I7");
    h.Respond(h.Take(HlsRequestKind::Part, "720p/p13.0"), "a");
    h.S.SelectVariant(1, h.Now);
    h.Pull();
    const HlsLoadRequest* sw = h.Find(HlsRequestKind::MediaPlaylist, "360p");
    REQUIRE(sw);
    CHECK(sw->Url == kV1 + "?_HLS_msn=13&_HLS_part=1");
    CHECK(sw->Blocking);
    h.Respond(*sw, LivePl(10, 3, 3));
    // The cursor is at 13.1 which is not independent: 13.1 still comes from 720p, then 13.2 from 360p.
    h.Respond(h.Take(HlsRequestKind::Part, "720p/p13.1"), "b");
    CHECK(h.S.Stats().CurrentVariant == 1);
    CHECK(h.Count(HlsEvent::VariantSwitched) == 1);
    CHECK_FALSE(h.Find(HlsRequestKind::MediaPlaylist, "720p")); // old rendition's playlist is no longer loaded
    CHECK(h.Find(HlsRequestKind::MediaPlaylist, "360p"));
    h.Respond(h.Take(HlsRequestKind::Map, "360p/init.mp4"), "I3");
    h.Respond(h.Take(HlsRequestKind::Part, "360p/p13.2"), "c");
    CHECK(h.MediaText(false) == "abc");
    CHECK(h.MediaText(true) == "I7I3");
    CHECK(h.Media.back().Variant == 1);
}

TEST_CASE("ABR estimates throughput without time to first byte and switches down")
{
    HlsSessionConfig cfg;
    cfg.MinSwitchInterval = 0.0;
    cfg.StartVariant = 0; // the top variant
    Harness h(cfg);
    h.S.Start(kMaster, 0.0);
    h.Pull();
    h.Respond(h.Take(HlsRequestKind::Multivariant),
              "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=8000000\n720p/index.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=600000\n360p/index.m3u8\n");
    h.Respond(h.Take(HlsRequestKind::MediaPlaylist, "720p"), LivePl(10, 6, 0, false, "#EXT-X-SERVER-CONTROL:PART-HOLD-BACK=3.0\n", false));
    h.Respond(h.Take(HlsRequestKind::Map), "I");
    const std::string chunk(10000, 'x');
    for (int i = 0; i < 3; i++)
    {
        HlsLoadRequest r = h.Take(HlsRequestKind::Part);
        h.S.OnResponse(r.Id, 200, h.Now);
        h.Now += 5.0; // long time to first byte: excluded
        h.Data(r.Id, chunk);
        h.Now += 0.1; // 10 kB in 0.1 s after the first byte = 0.8 Mbit/s... measured from the first chunk
        h.Data(r.Id, chunk);
        h.S.OnComplete(r.Id, h.Now);
        h.Pull();
    }
    CHECK(h.S.Stats().ThroughputEstimate == doctest::Approx(1.6e6).epsilon(0.01));
    CHECK(h.Count(HlsEvent::VariantSwitchStarted) == 1);
    CHECK(h.Find(HlsRequestKind::MediaPlaylist, "360p"));
}

TEST_CASE("with preload hints off (hls.js behaviour) parts wait for the playlist, and the edge delay shows it")
{
    HlsSessionConfig cfg;
    cfg.UsePreloadHints = false;
    Harness h(cfg);
    Boot(h, LivePl(10, 3, 2));
    CHECK_FALSE(h.Find(HlsRequestKind::PreloadPart));
    CHECK(h.S.Stats().HintsRequested == 0);
    h.Respond(h.Take(HlsRequestKind::Part, "p13.0"), "a");
    h.Respond(h.Take(HlsRequestKind::Part, "p13.1"), "b");
    CHECK_FALSE(h.Find(HlsRequestKind::Part, "p13.2")); // not listed yet
    h.Now = 1.0;
    h.Respond(h.Take(HlsRequestKind::MediaPlaylist), LivePl(10, 3, 3));
    HlsLoadRequest p2 = h.Take(HlsRequestKind::Part, "p13.2");
    h.Now = 1.25;
    h.Respond(p2, "c");
    CHECK(h.MediaText(false) == "abc");
    CHECK(h.S.Stats().PartEdgeDelayCount == 1); // parts of the first playlist are not counted
    CHECK(h.S.Stats().PartEdgeDelaySum == doctest::Approx(0.25));
}

TEST_CASE("a media request without progress times out and the part is skipped")
{
    HlsSessionConfig cfg;
    cfg.Limits.MediaProgressTimeout = 7.0; // above the target duration (2 s), so it applies
    cfg.Limits.BodyDeadline = 60.0;        // this case is about progress only
    cfg.MediaLookahead = 0;                // one media request open (the parts after it would time out too)
    Harness h(cfg);
    Boot(h, LivePl(10, 3, 2, false, "", false)); // no blocking: only media requests stay open
    HlsLoadRequest p0 = h.Take(HlsRequestKind::Part, "p12.2");
    h.S.OnResponse(p0.Id, 200, h.Now);
    h.Now = 4.0;
    h.Data(p0.Id, "x"); // progress resets the clock
    CHECK(h.S.NextWakeup() <= 11.0);
    h.Now = 10.9;
    h.S.Tick(h.Now);
    h.Pull();
    CHECK(h.S.Stats().Errors == 0);
    h.Now = 11.0;
    h.S.Tick(h.Now);
    h.Pull();
    CHECK(h.S.Stats().Errors == 1);
    CHECK(std::find(h.Cancelled.begin(), h.Cancelled.end(), p0.Id) != h.Cancelled.end());
    CHECK(h.Count(HlsEvent::MediaSkipped) == 1);
    CHECK(h.Find(HlsRequestKind::Part, "p12.3")); // playback moves on
}

TEST_CASE("a listed hinted part that leaves the playlist unused is dropped")
{
    Harness h;
    Boot(h, LivePl(10, 3, 2));
    HlsLoadRequest hint = h.Take(HlsRequestKind::PreloadPart, "p13.2");
    h.Respond(h.Take(HlsRequestKind::MediaPlaylist), LivePl(10, 3, 3)); // lists p13.2: kept
    CHECK(std::find(h.Cancelled.begin(), h.Cancelled.end(), hint.Id) == h.Cancelled.end());
    h.Respond(h.Take(HlsRequestKind::MediaPlaylist), LivePl(14, 3, 0)); // segment 13 is gone
    CHECK(std::find(h.Cancelled.begin(), h.Cancelled.end(), hint.Id) != h.Cancelled.end());
    CHECK(h.S.Stats().HintsCancelled == 1); // only p13.3, hinted but never listed, counts as a wrong hint
}

// [SECTION] Limits: caps, timeouts, backoff, no-media watchdog

TEST_CASE("a playlist may have 4 MiB, an init segment the floor, media what its bitrate allows within floor and ceiling")
{
    const HlsLimits l;
    CHECK(HlsResponseCap(HlsRequestKind::Multivariant, 8e6, 2.0, 2.0, l) == 4 << 20);
    CHECK(HlsResponseCap(HlsRequestKind::MediaPlaylist, 0.0, 0.0, 0.0, l) == 4 << 20);
    CHECK(HlsResponseCap(HlsRequestKind::Map, 8e6, 2.0, 2.0, l) == 4 << 20);
    // 4 x 8 Mbit/s x 2 s / 8 = 8 MB: between floor and ceiling.
    CHECK(HlsResponseCap(HlsRequestKind::Segment, 8e6, 2.0, 2.0, l) == 8000000);
    // A part is measured over the target duration, not its own (a key-frame part may be most of a segment).
    CHECK(HlsResponseCap(HlsRequestKind::Part, 8e6, 0.2, 2.0, l) == 8000000);
    CHECK(HlsResponseCap(HlsRequestKind::PreloadPart, 1e6, 0.2, 2.0, l) == 4 << 20);  // floor
    CHECK(HlsResponseCap(HlsRequestKind::Segment, 50e6, 6.0, 6.0, l) == 16 << 20);    // ceiling
    CHECK(HlsResponseCap(HlsRequestKind::Segment, 0.0, 6.0, 6.0, l) == 16 << 20);     // bandwidth unknown: ceiling
    CHECK(HlsResponseCap(HlsRequestKind::Segment, 1e300, 1e300, 0.0, l) == 16 << 20); // no overflow
}

TEST_CASE("timeouts scale with the target duration above their floors")
{
    const HlsLimits l;
    HlsRequestTimeouts t = HlsTimeoutsFor(HlsRequestKind::Multivariant, 0.0, l);
    CHECK(t.Progress == 6.0);
    CHECK(t.Deadline == 10.0);
    t = HlsTimeoutsFor(HlsRequestKind::MediaPlaylist, 4.0, l);
    CHECK(t.Progress == 12.0); // 3 x target duration: a blocking reload may be held that long
    CHECK(t.Deadline == 12.0);
    t = HlsTimeoutsFor(HlsRequestKind::Part, 2.0, l);
    CHECK(t.Progress == 4.0);
    CHECK(t.Deadline == 10.0);
    t = HlsTimeoutsFor(HlsRequestKind::Segment, 6.0, l);
    CHECK(t.Progress == 6.0);
    CHECK(t.Deadline == 18.0);
}

TEST_CASE("backoff doubles from the base up to the maximum, and jitter only shortens it by up to half")
{
    const HlsLimits l;
    CHECK(HlsBackoffDelay(0, 0.3, l) == 0.0);
    CHECK(HlsBackoffDelay(1, 0.9, l) == 0.5); // the first retry is prompt and exact
    CHECK(HlsBackoffDelay(2, 0.0, l) == 1.0);
    CHECK(HlsBackoffDelay(3, 0.0, l) == 2.0);
    CHECK(HlsBackoffDelay(5, 0.0, l) == 8.0);
    CHECK(HlsBackoffDelay(50, 0.0, l) == 8.0);
    CHECK(HlsBackoffDelay(2, 0.5, l) == doctest::Approx(0.75));
    for (int n = 2; n < 12; n++)
    {
        const double full = HlsBackoffDelay(n, 0.0, l);
        CHECK(HlsBackoffDelay(n, 0.999999, l) > full * 0.5 - 1e-9);
        CHECK(HlsBackoffDelay(n, 0.999999, l) <= full);
    }
    CHECK(HlsBackoffDelay(3, std::nan(""), l) == 2.0); // a broken random source does not break the delay
}

TEST_CASE("the watchdog makes no media for 15 s an error named by the last source problem, and media again recovers")
{
    HlsMediaWatchdog w;
    w.Start(0.0);
    CHECK(w.NextWakeup() == 15.0);
    w.OnProblem(HlsErrorCode::Undecodable, "demux: invalid data", 1.0);
    w.OnProblem(HlsErrorCode::Network, "playlist http://x/: network error", 2.0);
    CHECK_FALSE(w.Tick(14.9));
    const auto failed = w.Tick(15.0);
    REQUIRE(failed);
    CHECK(failed->Failed);
    CHECK(failed->Code == HlsErrorCode::Network); // a source problem names the error before a decode one
    CHECK(std::string(HlsErrorCodeName(failed->Code)) == "source-unreachable");
    CHECK(failed->Message.find("No video for 15 s") == 0);
    CHECK(failed->Message.find("cannot be reached") != std::string::npos);
    CHECK_FALSE(w.Tick(40.0)); // once per outage
    CHECK(w.Failed());
    w.OnMedia(41.0);
    const auto back = w.Tick(41.0);
    REQUIRE(back);
    CHECK_FALSE(back->Failed);
    CHECK_FALSE(w.Failed());
    CHECK_FALSE(w.Tick(55.9));
    const auto again = w.Tick(56.0); // a second outage is a second error
    REQUIRE(again);
    CHECK(again->Code == HlsErrorCode::NoMedia); // the problems before the media came back are forgotten
}

TEST_CASE("media keeps the watchdog quiet, a decode problem alone names the error, and an ended stream is quiet only if it had media")
{
    HlsMediaWatchdog w(15.0);
    w.Start(0.0);
    for (double t = 1.0; t < 60.0; t += 1.0)
    {
        w.OnMedia(t);
        CHECK_FALSE(w.Tick(t));
    }
    w.OnProblem(HlsErrorCode::Undecodable, "demux: invalid data", 60.0);
    const auto c = w.Tick(74.0);
    REQUIRE(c);
    CHECK(c->Code == HlsErrorCode::Undecodable);
    HlsMediaWatchdog ended(15.0);
    ended.Start(0.0);
    ended.OnMedia(1.0);
    ended.OnEnded();
    CHECK_FALSE(ended.Tick(100.0));
    CHECK(std::isinf(ended.NextWakeup()));
    HlsMediaWatchdog ended_empty(15.0); // e.g. every segment of a short VOD stream failed to decode
    ended_empty.Start(0.0);
    ended_empty.OnProblem(HlsErrorCode::Undecodable, "demux: invalid data", 1.0);
    ended_empty.OnEnded();
    const auto e = ended_empty.Tick(15.0);
    REQUIRE(e);
    CHECK(e->Code == HlsErrorCode::Undecodable);
}

TEST_CASE("a playlist body over 4 MiB is aborted as it streams, and never stored past the cap")
{
    Harness h;
    h.S.Start(kV0, 0.0);
    h.Pull();
    HlsLoadRequest r = h.Take(HlsRequestKind::Multivariant);
    h.S.OnResponse(r.Id, 200, h.Now);
    const std::string mib(1 << 20, '#');
    for (int i = 0; i < 4; i++) h.Data(r.Id, mib);
    CHECK(h.S.Stats().Errors == 0); // exactly at the cap is allowed
    h.Data(r.Id, "#");
    CHECK(h.S.Stats().Errors == 1);
    CHECK(std::find(h.Cancelled.begin(), h.Cancelled.end(), r.Id) != h.Cancelled.end()); // the caller aborts the fetch
    const auto it = std::find_if(h.Events.begin(), h.Events.end(), [](const HlsEventRecord& e) { return e.Type == HlsEvent::RequestFailed; });
    REQUIRE(it != h.Events.end());
    CHECK(it->Code == HlsErrorCode::TooLarge);
    CHECK(it->Detail.find("cap of 4194304 bytes") != std::string::npos);
    h.Data(r.Id, mib); // late bytes for the aborted request are ignored
    CHECK(h.S.Stats().Errors == 1);
    CHECK(h.S.NextWakeup() == doctest::Approx(0.5)); // retried after the backoff
}

TEST_CASE("a part far above its variant's bitrate is aborted at its cap, having handed out no more")
{
    Harness h;
    h.S.Start(kMaster, 0.0);
    h.Pull();
    h.Respond(h.Take(HlsRequestKind::Multivariant), "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000000\n720p/index.m3u8\n");
    h.Respond(h.Take(HlsRequestKind::MediaPlaylist), LivePl(10, 3, 2, false, "", false));
    h.Respond(h.Take(HlsRequestKind::Map), "INIT");
    HlsLoadRequest p = h.Take(HlsRequestKind::Part, "p12.2");
    h.S.OnResponse(p.Id, 200, h.Now);
    const std::string chunk(256 << 10, 'm');
    for (int i = 0; i < 40 && h.S.Stats().Errors == 0; i++) h.Data(p.Id, chunk); // up to 10 MiB
    CHECK(h.S.Stats().Errors == 1);
    CHECK(h.MediaText(false).size() == static_cast<size_t>(4 << 20)); // the 1 Mbit/s variant's cap is the 4 MiB floor
    CHECK(std::find(h.Cancelled.begin(), h.Cancelled.end(), p.Id) != h.Cancelled.end());
    CHECK(h.Count(HlsEvent::MediaSkipped) == 1);
    CHECK(h.Media.back().Last == false); // the aborted part never ends as complete
}

TEST_CASE("a playlist that trickles one byte every 3 s fails at its whole-body deadline")
{
    Harness h;
    h.S.Start(kV0, 0.0);
    h.Pull();
    HlsLoadRequest r = h.Take(HlsRequestKind::Multivariant);
    h.S.OnResponse(r.Id, 200, h.Now);
    for (h.Now = 1.0; h.Now < 10.0; h.Now += 3.0)
    {
        h.Data(r.Id, "#");
        h.S.Tick(h.Now);
        h.Pull();
    }
    CHECK(h.S.Stats().Errors == 0); // each byte is progress: the progress timeout alone never fires
    CHECK(h.S.NextWakeup() == doctest::Approx(10.0));
    h.Now = 10.0;
    h.S.Tick(h.Now);
    h.Pull();
    CHECK(h.S.Stats().Errors == 1);
    const auto it = std::find_if(h.Events.begin(), h.Events.end(), [](const HlsEventRecord& e) { return e.Type == HlsEvent::RequestFailed; });
    REQUIRE(it != h.Events.end());
    CHECK(it->Code == HlsErrorCode::TimedOut);
    CHECK(it->Detail.find("body not complete after 10.0 s") != std::string::npos);
}

TEST_CASE("repeated playlist failures back off exponentially with the injected jitter, and a load resets it")
{
    HlsSessionConfig cfg;
    double u = 0.0;
    cfg.Random = [&u] { return u; };
    Harness h(cfg);
    h.S.Start(kV0, 0.0);
    h.Pull();
    std::vector<double> waits;
    for (int i = 0; i < 7; i++)
    {
        h.S.OnError(h.Take(HlsRequestKind::Multivariant).Id, "network error: Failed to fetch", h.Now);
        h.Pull();
        waits.push_back(h.S.NextWakeup() - h.Now);
        h.Now = h.S.NextWakeup();
        h.S.Tick(h.Now);
        h.Pull();
    }
    CHECK(waits == std::vector<double>{0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0});
    CHECK(std::count_if(h.Events.begin(), h.Events.end(), [](const HlsEventRecord& e) { return e.Code == HlsErrorCode::Network; }) == 7);
    u = 0.5; // jitter: three quarters of the delay
    h.S.OnError(h.Take(HlsRequestKind::Multivariant).Id, "network error", h.Now);
    h.Pull();
    CHECK(h.S.NextWakeup() - h.Now == doctest::Approx(6.0));
    h.Now = h.S.NextWakeup();
    h.S.Tick(h.Now);
    h.Pull();
    u = 0.0;
    h.Respond(h.Take(HlsRequestKind::Multivariant), LivePl(10, 3, 2, false)); // blocking reloads: at once
    std::vector<double> reload_waits;
    for (int i = 0; i < 4; i++)
    {
        HlsLoadRequest reload = h.Take(HlsRequestKind::MediaPlaylist);
        if (i == 2)
            h.Respond(reload, LivePl(10, 3, 2, false)); // a load in between resets the count
        else
            h.Respond(reload, "", 503);
        for (int guard = 0; guard < 100 && !h.Find(HlsRequestKind::MediaPlaylist); guard++)
        {
            const double next = h.S.NextWakeup();
            if (i != 2 && !h.Find(HlsRequestKind::MediaPlaylist) && guard == 0) reload_waits.push_back(next - h.Now);
            h.Now = next;
            h.S.Tick(h.Now);
            h.Pull();
        }
    }
    CHECK(reload_waits == std::vector<double>{0.5, 1.0, 0.5});
}

TEST_CASE("request failures carry their code: HTTP status, transport error, parse error")
{
    Harness h;
    h.S.Start(kV0, 0.0);
    h.Pull();
    h.Respond(h.Take(HlsRequestKind::Multivariant), "", 404);
    h.Now = h.S.NextWakeup();
    h.S.Tick(h.Now);
    h.Pull();
    h.S.OnError(h.Take(HlsRequestKind::Multivariant).Id, "network error", h.Now);
    h.Pull();
    h.Now = h.S.NextWakeup();
    h.S.Tick(h.Now);
    h.Pull();
    h.Respond(h.Take(HlsRequestKind::Multivariant), "not a playlist");
    std::vector<HlsErrorCode> codes;
    for (const HlsEventRecord& e : h.Events)
        if (e.Code != HlsErrorCode::None) codes.push_back(e.Code);
    CHECK(codes == std::vector<HlsErrorCode>{HlsErrorCode::Http, HlsErrorCode::Network, HlsErrorCode::Invalid});
}

TEST_CASE("repeated media failures back off from the second one, and a loaded part resets it")
{
    HlsSessionConfig cfg;
    cfg.Random = [] { return 0.0; };
    cfg.MediaLookahead = 0; // each failure is the cursor's (a part requested ahead would be a second one at once)
    Harness h(cfg);
    Boot(h, LivePl(10, 3, 2, false, "", false));
    h.Respond(h.Take(HlsRequestKind::Part, "p12.2"), "", 500);
    CHECK(h.Find(HlsRequestKind::Part, "p12.3")); // the first failure moves on at once
    h.Respond(h.Take(HlsRequestKind::Part, "p12.3"), "", 500);
    CHECK_FALSE(h.Find(HlsRequestKind::Part));
    CHECK(h.S.NextWakeup() == doctest::Approx(0.5));
    h.Now = 0.5;
    h.S.Tick(h.Now);
    h.Pull();
    h.Respond(h.Take(HlsRequestKind::Part, "p13.0"), "", 500);
    CHECK(h.S.NextWakeup() == doctest::Approx(1.5)); // 0.5 + 1.0
    h.Now = 1.5;
    h.S.Tick(h.Now);
    h.Pull();
    h.Respond(h.Take(HlsRequestKind::Part, "p13.1"), "ok");
    CHECK(h.MediaText(false) == "ok");
}

// [SECTION] Broadcast state: starting, live, reconnecting, ended (docs/states.md)

namespace {
// What the Worker does each wakeup (src/app/worker/worker_hls.cpp): the watchdog is told when the source explains
// why there is no media. Answers every open playlist request with `status` and `body`; returns the watchdog's failure.
bool RunWaiting(Harness& h, HlsMediaWatchdog& w, double until, int status, const std::string& body, bool tell_watchdog)
{
    bool failed = false;
    for (; h.Now <= until; h.Now += 0.25)
    {
        h.S.Tick(h.Now);
        h.Pull();
        while (const HlsLoadRequest* r = h.Find(HlsRequestKind::Multivariant)) h.Respond(h.Take(r->Kind), body, status);
        while (const HlsLoadRequest* r = h.Find(HlsRequestKind::MediaPlaylist)) h.Respond(h.Take(r->Kind), body, status);
        if (tell_watchdog && (h.S.WaitingForStart() || h.S.PublisherAway(h.Now))) w.OnSourceWaiting(h.Now);
        if (auto c = w.Tick(h.Now); c && c->Failed) failed = true;
    }
    return failed;
}
const std::string kEmptyLive = "#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:2\n#EXT-X-PART-INF:PART-TARGET=0.5\n#EXT-X-MEDIA-SEQUENCE:0\n";
} // namespace

TEST_CASE("a playlist that answers 404 is a broadcast not started yet, polled with backoff and never a no-media error")
{
    Harness h;
    HlsMediaWatchdog w;
    h.S.Start(kMaster, 0.0);
    w.Start(0.0);
    h.Pull();
    CHECK_FALSE(h.S.WaitingForStart()); // nothing answered yet
    CHECK_FALSE(RunWaiting(h, w, 25.0, 404, "", true));
    CHECK(h.S.WaitingForStart());
    CHECK_FALSE(w.Failed());
    const int64_t polls = h.S.Stats().Requests;
    CHECK(polls >= 4);
    CHECK(polls <= 10); // backoff: 0.5, 1, 2, 4, 8, 8 s apart, not one poll per wakeup
    // The same source without the start rule is the no-media error of 15 s (what the rule changes).
    Harness plain;
    HlsMediaWatchdog w2;
    plain.S.Start(kMaster, 0.0);
    w2.Start(0.0);
    plain.Pull();
    CHECK(RunWaiting(plain, w2, 25.0, 404, "", false));
    // Other failures are not "not started": a 503 is the usual error.
    Harness busy;
    busy.S.Start(kMaster, 0.0);
    busy.Pull();
    busy.Respond(busy.Take(HlsRequestKind::Multivariant), "", 503);
    CHECK_FALSE(busy.S.WaitingForStart());
}

TEST_CASE("a live playlist with no media yet is a broadcast starting, and the first part makes it live by itself")
{
    Harness h;
    HlsMediaWatchdog w;
    h.S.Start(kV0, 0.0);
    w.Start(0.0);
    h.Pull();
    CHECK_FALSE(RunWaiting(h, w, 20.0, 200, kEmptyLive, true));
    CHECK(h.S.WaitingForStart());
    CHECK_FALSE(h.S.MediaSeen());
    // The publisher's first parts arrive: the next reload lists them and the session fetches them.
    for (int i = 0; i < 40 && !h.Find(HlsRequestKind::MediaPlaylist); i++)
    {
        h.Now += 0.25;
        h.S.Tick(h.Now);
        h.Pull();
    }
    h.Respond(h.Take(HlsRequestKind::MediaPlaylist), LivePl(0, 0, 2));
    CHECK_FALSE(h.S.WaitingForStart());
    h.Respond(h.Take(HlsRequestKind::Map, "init.mp4"), "INIT");
    h.Respond(h.Take(HlsRequestKind::Part, "p0.0.m4s"), "media");
    CHECK(h.S.MediaSeen());
    BroadcastSignals s;
    s.WaitingForStart = h.S.WaitingForStart();
    s.MediaSeen = h.S.MediaSeen();
    s.PublisherAway = h.S.PublisherAway(h.Now);
    CHECK(BroadcastStateOf(s) == BroadcastState::Live);
}

TEST_CASE("a live playlist that stops growing after media is the publisher away, until ENDLIST")
{
    Harness h;
    Boot(h, LivePl(10, 3, 2));
    h.Respond(h.Take(HlsRequestKind::Part, "p13.0.m4s"), "media");
    REQUIRE(h.S.MediaSeen());
    CHECK(h.S.PublisherAwayAfter() == doctest::Approx(2.5)); // 5 x PART-TARGET 0.5 s, at least 2 s
    CHECK_FALSE(h.S.PublisherAway(h.Now + 2.4));
    CHECK(h.S.PublisherAway(h.Now + 2.6));
    CHECK_FALSE(h.S.WaitingForStart()); // media was seen: never "starting" again
    {
        // A server that stops answering is not a publisher away: the watchdog's error names it.
        Harness gone;
        Boot(gone, LivePl(10, 3, 2));
        gone.Respond(gone.Take(HlsRequestKind::Part, "p13.0.m4s"), "media");
        const HlsLoadRequest reload = gone.Take(HlsRequestKind::MediaPlaylist);
        gone.S.OnError(reload.Id, "network error", gone.Now);
        CHECK_FALSE(gone.S.PublisherAway(gone.Now + 10.0));
    }
    // The watchdog stays quiet while the publisher is away (the grace period may be longer than 15 s).
    HlsMediaWatchdog w;
    w.Start(h.Now);
    w.OnMedia(h.Now);
    bool failed = false;
    for (double t = h.Now; t < h.Now + 30.0; t += 0.5)
    {
        if (h.S.PublisherAway(t)) w.OnSourceWaiting(t);
        if (auto c = w.Tick(t); c && c->Failed) failed = true;
    }
    CHECK_FALSE(failed);
    // The origin ends the broadcast after its grace: ENDLIST is not "away".
    h.Now += 3.0;
    h.S.Tick(h.Now);
    h.Pull();
    while (const HlsLoadRequest* r = h.Find(HlsRequestKind::MediaPlaylist)) h.Respond(h.Take(r->Kind), LivePl(10, 3, 2, false, "") + "#EXT-X-ENDLIST\n");
    REQUIRE(h.S.MediaPlaylist());
    CHECK(h.S.MediaPlaylist()->EndList);
    CHECK_FALSE(h.S.PublisherAway(h.Now + 10.0));
}

TEST_CASE("the broadcast state puts errors first, then ended, then starting, then reconnecting, else live")
{
    CHECK(std::string(BroadcastStateName(BroadcastStateOf({}))) == "starting");
    BroadcastSignals live;
    live.MediaSeen = true;
    CHECK(std::string(BroadcastStateName(BroadcastStateOf(live))) == "live");
    BroadcastSignals away = live;
    away.PublisherAway = true;
    CHECK(std::string(BroadcastStateName(BroadcastStateOf(away))) == "reconnecting");
    BroadcastSignals ended = away;
    ended.Ended = true;
    CHECK(std::string(BroadcastStateName(BroadcastStateOf(ended))) == "ended");
    BroadcastSignals failed = ended;
    failed.WatchdogFailed = true;
    CHECK(std::string(BroadcastStateName(BroadcastStateOf(failed))) == "error");
    BroadcastSignals fatal;
    fatal.Fatal = true;
    fatal.WaitingForStart = true;
    CHECK(BroadcastStateOf(fatal) == BroadcastState::Error);
    BroadcastSignals waiting = live;
    waiting.WaitingForStart = true;
    CHECK(BroadcastStateOf(waiting) == BroadcastState::Starting);
}

TEST_CASE("the watchdog reports a failure over once the source explains it, and its clock restarts")
{
    HlsMediaWatchdog w(15.0);
    w.Start(0.0);
    REQUIRE(w.Tick(15.0));
    CHECK(w.Failed());
    w.OnSourceWaiting(16.0);
    const auto over = w.Tick(16.0);
    REQUIRE(over);
    CHECK_FALSE(over->Failed);
    CHECK_FALSE(w.Tick(30.9));
    CHECK(w.Tick(31.0)); // 15 s after the source last explained it
}

TEST_SUITE_END();
