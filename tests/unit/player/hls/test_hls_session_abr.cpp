// HlsSession's ABR at the live edge, driven with fake responses and a fake clock: hinted parts stream at the encoding
// rate and measure nothing, so the session probes the link with a part fetched whole (abr.h, HlsAbrWantsProbe).
#include <doctest/doctest.h>

#include <livescope/player/hls/hls_session.h>

#include "session_harness.h"

#include <string>

using namespace livescope;
using livescope::test::Harness;

namespace {
const std::string kRoot = "http://127.0.0.1:9/live/";

// LL playlist of the 360p rendition: segments [first, first+n) of 4 parts (0.5 s; even parts independent), `tail` parts
// of segment first+n, a preload hint for the next part, blocking reloads.
std::string EdgePl(int first, int n, int tail)
{
    std::string s = "#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:2\n#EXT-X-PART-INF:PART-TARGET=0.5\n"
                    "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.0\n#EXT-X-MEDIA-SEQUENCE:" +
                    std::to_string(first) + "\n#EXT-X-MAP:URI=\"init.mp4\"\n";
    auto part = [](int m, int p) {
        return "#EXT-X-PART:DURATION=0.5,URI=\"p" + std::to_string(m) + "." + std::to_string(p) + ".m4s\"" + (p % 2 == 0 ? ",INDEPENDENT=YES" : "") + "\n";
    };
    for (int m = first; m < first + n; m++)
    {
        for (int p = 0; p < 4; p++) s += part(m, p);
        s += "#EXTINF:2.0,\ns" + std::to_string(m) + ".m4s\n";
    }
    for (int p = 0; p < tail; p++) s += part(first + n, p);
    s += "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"p" + std::to_string(first + n) + "." + std::to_string(tail) + ".m4s\"\n";
    return s;
}

// A body of `bytes` whose bytes take `seconds` after the first one.
void Serve(Harness& h, const HlsLoadRequest& r, size_t bytes, double seconds)
{
    h.S.OnResponse(r.Id, 200, h.Now);
    h.Pull();
    h.Data(r.Id, std::string(bytes / 2, 'x'));
    h.Now += seconds;
    h.Data(r.Id, std::string(bytes - bytes / 2, 'x'));
    h.S.OnComplete(r.Id, h.Now);
    h.Pull();
}
} // namespace

TEST_SUITE_BEGIN("player_hls/hls_session_abr");

TEST_CASE("at the live edge a link faster than the encoder is measured by a part fetched whole, and ABR steps up on it")
{
    HlsSessionConfig cfg;
    cfg.MediaLookahead = 0; // the start's two parts one after the other: each one a throughput sample
    Harness h(cfg);
    h.S.Start(kRoot + "master.m3u8", h.Now);
    h.Pull();
    h.Respond(h.Take(HlsRequestKind::Multivariant), "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1500000,RESOLUTION=1280x720\n720p/index.m3u8\n"
                                                    "#EXT-X-STREAM-INF:BANDWIDTH=600000,RESOLUTION=640x360\n360p/index.m3u8\n");
    h.Respond(h.Take(HlsRequestKind::MediaPlaylist, "360p"), EdgePl(10, 3, 2)); // the lowest first; start at 13.0
    h.Respond(h.Take(HlsRequestKind::Map, "360p/init.mp4"), "INIT");
    // The start point is behind the edge: 13.0 and 13.1 are listed and come whole, at 1 Mbit/s (360p only).
    Serve(h, h.Take(HlsRequestKind::Part, "360p/p13.0"), 10000, 0.08);
    Serve(h, h.Take(HlsRequestKind::Part, "360p/p13.1"), 10000, 0.08);
    const int64_t start_samples = h.S.Stats().ThroughputSamples;
    CHECK(start_samples == 2);
    CHECK(h.S.Stats().CurrentVariant == 1);

    // Then the edge: each part streams from its hint over its 0.5 s as it is made, then the playlist lists it.
    int m = 13, k = 2;
    int hinted = 0, whole = 0;
    for (int step = 0; step < 20 && h.Count(HlsEvent::VariantSwitchStarted) == 0; step++)
    {
        const std::string name = "360p/p" + std::to_string(m) + "." + std::to_string(k) + ".m4s";
        const HlsLoadRequest* hint = h.Find(HlsRequestKind::PreloadPart, name);
        const uint64_t hid = hint ? hint->Id : 0;
        if (hid)
        {
            hinted++;
            h.S.OnResponse(hid, 200, h.Now);
            h.Pull();
        }
        for (int i = 0; i < 5; i++)
        {
            h.Now += 0.1;
            if (hid) h.Data(hid, std::string(3750, 'x')); // 600 kbit/s, as encoded
            h.S.Tick(h.Now);
            h.Pull();
        }
        if (++k == 4)
        {
            k = 0;
            m++;
        }
        h.Respond(h.Take(HlsRequestKind::MediaPlaylist, "360p"), EdgePl(10, m - 10, k)); // the blocking reload answers
        if (hid)
        {
            h.S.OnComplete(hid, h.Now);
            h.Pull();
        }
        if (const HlsLoadRequest* part = h.Find(HlsRequestKind::Part, name)) // not hinted: fetched whole once listed
        {
            whole++;
            Serve(h, *part, 20000, 0.001); // 160 Mbit/s
        }
    }
    CHECK(hinted >= 3);
    CHECK(whole >= 1);
    CHECK(h.S.Stats().AbrProbes >= 1);
    CHECK(h.S.Stats().ThroughputSamples == start_samples + whole); // the hinted parts measured nothing
    REQUIRE(h.Count(HlsEvent::VariantSwitchStarted) == 1);
    CHECK(h.Find(HlsRequestKind::MediaPlaylist, "720p"));
    CHECK(h.S.Stats().AbrUpSwitches == 1);
}

TEST_CASE("with ABR off no part is fetched whole to probe")
{
    HlsSessionConfig cfg;
    cfg.AutoAbr = false;
    Harness h(cfg);
    h.S.Start(kRoot + "master.m3u8", h.Now);
    h.Pull();
    h.Respond(h.Take(HlsRequestKind::Multivariant), "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=600000\n360p/index.m3u8\n"
                                                    "#EXT-X-STREAM-INF:BANDWIDTH=1500000\n720p/index.m3u8\n");
    h.Respond(h.Take(HlsRequestKind::MediaPlaylist, "360p"), EdgePl(10, 3, 2));
    h.Respond(h.Take(HlsRequestKind::Map), "INIT");
    Serve(h, h.Take(HlsRequestKind::Part, "p13.0"), 10000, 0.08);
    Serve(h, h.Take(HlsRequestKind::Part, "p13.1"), 10000, 0.08);
    int m = 13, k = 2;
    for (int step = 0; step < 12; step++)
    {
        const std::string name = "p" + std::to_string(m) + "." + std::to_string(k) + ".m4s";
        REQUIRE(h.Find(HlsRequestKind::PreloadPart, name)); // always hinted
        const uint64_t hid = h.Find(HlsRequestKind::PreloadPart, name)->Id;
        h.S.OnResponse(hid, 200, h.Now);
        h.Now += 0.5;
        h.Data(hid, std::string(18750, 'x'));
        if (++k == 4)
        {
            k = 0;
            m++;
        }
        h.Respond(h.Take(HlsRequestKind::MediaPlaylist, "360p"), EdgePl(10, m - 10, k));
        h.S.OnComplete(hid, h.Now);
        h.Pull();
    }
    CHECK(h.S.Stats().AbrProbes == 0);
}

TEST_SUITE_END();
