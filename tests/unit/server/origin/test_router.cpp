// Tests for the origin's pure router (src/server/origin/router.h): paths, holds, streaming, faults on media only.
#include <livescope/server/origin/router.h>

#include "mp4_builder.h"

#include <doctest/doctest.h>

using namespace livescope;

namespace {

constexpr int64_t T0 = 1764000000000; // ms

SharedBytes Payload(uint8_t fill, size_t size = 10) { return std::make_shared<const std::vector<uint8_t>>(size, fill); }

// One rendition, "360p", fed `parts` parts of 0.2 s with a keyframe every 10 (2 s segments).
struct Fixture
{
    RenditionSpec Spec{"360p", 640, 360, 800, 96};
    LiveRendition Live;
    Mp4InitInfo Init;
    FaultPlan Faults;
    RouterState State;

    explicit Fixture(int parts, bool ready = true)
    {
        Live.SetInit(Payload(0xee), 1);
        for (int i = 0; i < parts; i++)
            Live.AddPart(Payload(uint8_t(i)), 0.2, i % 10 == 0, T0 + int64_t(i) * 200);
        State.Session = "abc";
        State.Ready = ready;
        State.Renditions.push_back(RouterRendition{&Spec, &Live, &Init, false, nullptr, {}});
    }

    RouteDecision Get(std::string_view path, std::string_view query = {}, bool timed_out = false)
    {
        RouterRequest request;
        request.Path = path;
        request.Query = query;
        request.TimedOut = timed_out;
        return Route(request, State, Faults);
    }
};

} // namespace

TEST_SUITE_BEGIN("origin/router");

TEST_CASE("unknown paths are 404, /healthz is ok, /control/ is left to the origin")
{
    Fixture f(25);
    CHECK(f.Get("/nope").Status == 404);
    CHECK(f.Get("/live/").Status == 404);
    CHECK(f.Get("/live/1080p/index.m3u8").Status == 404);
    CHECK(f.Get("/live/360p/part-zzz-3.m4s").Status == 404);
    const RouteDecision health = f.Get("/healthz");
    CHECK(health.Status == 200);
    CHECK(health.Body == "ok\n");
    CHECK(health.CacheControl == "no-store");
    CHECK(f.Get("/control/faults").DecisionKind == RouteDecision::Kind::Control);
}

TEST_CASE("the multivariant playlist is held until ready, then lists every rendition")
{
    Fixture early(3, false);
    CHECK(early.Get("/live/master.m3u8").DecisionKind == RouteDecision::Kind::Hold);
    CHECK(early.Get("/live/master.m3u8", {}, true).Status == 503);
    Fixture f(25);
    const RouteDecision master = f.Get("/live/master.m3u8");
    CHECK(master.Status == 200);
    CHECK(master.ContentType == "application/vnd.apple.mpegurl");
    CHECK(master.Body.find("360p/index.m3u8") != std::string::npos);
    CHECK(master.Body.find("RESOLUTION=640x360") != std::string::npos);
    CHECK(master.Body.find("CODECS=\"avc1.42c01f,mp4a.40.2\"") != std::string::npos);
}

TEST_CASE("media playlists answer, hold blocking requests and refuse bad queries")
{
    Fixture f(25); // segments 0, 1 complete; segment 2 has parts 0..4
    const RouteDecision playlist = f.Get("/live/360p/index.m3u8");
    CHECK(playlist.Status == 200);
    CHECK(playlist.Body.find("seg-abc-0.m4s") != std::string::npos);
    CHECK(playlist.CacheControl == "public, max-age=0");
    const RouteDecision blocking = f.Get("/live/360p/index.m3u8", "_HLS_msn=2&_HLS_part=4");
    CHECK(blocking.Status == 200);
    CHECK(blocking.CacheControl == "public, max-age=12");
    CHECK(f.Get("/live/360p/index.m3u8", "_HLS_msn=2&_HLS_part=5").DecisionKind == RouteDecision::Kind::Hold);
    CHECK(f.Get("/live/360p/index.m3u8", "_HLS_msn=2&_HLS_part=5", true).Status == 503);
    CHECK(f.Get("/live/360p/index.m3u8", "_HLS_part=1").Status == 400);
    CHECK(f.Get("/live/360p/index.m3u8", "_HLS_msn=x").Status == 400);
    CHECK(f.Get("/live/360p/index.m3u8", "_HLS_msn=9").Status == 400);
}

TEST_CASE("parts and segments are served immutable, the next part is held, an unknown one is 404")
{
    Fixture f(25);
    const RouteDecision part = f.Get("/live/360p/part-abc-13.m4s");
    CHECK(part.Status == 200);
    CHECK(part.ContentType == "video/mp4");
    CHECK(part.CacheControl == "public, max-age=31536000, immutable");
    CHECK(part.Body == std::string(10, char(13)));
    const RouteDecision segment = f.Get("/live/360p/seg-abc-1.m4s");
    CHECK(segment.Status == 200);
    CHECK(segment.Body.size() == 100);
    CHECK(f.Get("/live/360p/seg-abc-2.m4s").DecisionKind == RouteDecision::Kind::Hold);
    CHECK(f.Get("/live/360p/seg-abc-2.m4s", {}, true).Status == 503);
    CHECK(f.Get("/live/360p/part-abc-25.m4s").DecisionKind == RouteDecision::Kind::Hold);
    CHECK(f.Get("/live/360p/part-abc-25.m4s", {}, true).Status == 503);
    CHECK(f.Get("/live/360p/part-abc-900.m4s").Status == 404);
    const RouteDecision init = f.Get("/live/360p/init-abc-1.mp4");
    CHECK(init.Status == 200);
    CHECK(init.Body == std::string(10, char(0xee)));
    CHECK(f.Get("/live/360p/init-abc-7.mp4").Status == 404);
}

TEST_CASE("a part being built is streamed over HTTP/1.1, but waited for by HEAD, HTTP/1.0 and pending faults")
{
    Fixture f(25);
    const auto fragment = livescope::test::Fragment(0, 6, true, 400);
    f.Live.AppendChunk(fragment.data(), fragment.size(), 0.033, true, true, T0 + 25 * 200);
    const RouteDecision stream = f.Get("/live/360p/part-abc-25.m4s");
    REQUIRE(stream.DecisionKind == RouteDecision::Kind::StreamPart);
    CHECK(stream.StreamRendition == 0);
    CHECK(stream.StreamNumber == 25);
    RouterRequest head;
    head.Path = "/live/360p/part-abc-25.m4s";
    head.Head = true;
    CHECK(Route(head, f.State, f.Faults).DecisionKind == RouteDecision::Kind::Hold);
    RouterRequest old;
    old.Path = "/live/360p/part-abc-25.m4s";
    old.Version = 10;
    CHECK(Route(old, f.State, f.Faults).DecisionKind == RouteDecision::Kind::Hold);
    std::string error;
    REQUIRE(f.Faults.Configure("drop=1", error));
    CHECK(f.Get("/live/360p/part-abc-25.m4s").DecisionKind == RouteDecision::Kind::Hold);
}

TEST_CASE("faults hit parts and segments, never playlists or init segments")
{
    Fixture f(25);
    std::string error;
    REQUIRE(f.Faults.Configure("drop=1&status=503&corrupt=1&delay_ms=300&count=1", error));
    CHECK(f.Get("/live/360p/index.m3u8").Status == 200);
    CHECK(f.Get("/live/360p/init-abc-1.mp4").Status == 200);
    CHECK_FALSE(f.Faults.Idle());
    const RouteDecision dropped = f.Get("/live/360p/part-abc-3.m4s");
    CHECK(dropped.DecisionKind == RouteDecision::Kind::Drop);
    CHECK(dropped.DelayMs == 300);
    const RouteDecision failed = f.Get("/live/360p/seg-abc-0.m4s");
    CHECK(failed.Status == 503);
    CHECK(failed.Body == "injected fault\n");
    CHECK(failed.DelayMs == 0);
    const RouteDecision corrupt = f.Get("/live/360p/part-abc-4.m4s");
    CHECK(corrupt.Status == 200);
    CHECK(corrupt.CacheControl == "no-store");
    CHECK(f.Faults.Idle());
    CHECK(f.Get("/live/360p/part-abc-4.m4s").CacheControl == "public, max-age=31536000, immutable");
}

TEST_CASE("a stopping origin answers 503 to everything")
{
    Fixture f(25);
    f.State.Stopping = true;
    CHECK(f.Get("/healthz").Status == 503);
    CHECK(f.Get("/live/360p/index.m3u8").Status == 503);
    CHECK(f.Get("/control/status").Status == 503);
}

TEST_CASE("with a DVR window, segments and inits older than the live window are sent from the recording")
{
    Fixture f(255); // segments 0..24 complete, the live window keeps 15..24 and the open one
    DvrWindow dvr(3600.0);
    for (uint64_t msn = 0; msn < 25; msn++)
        dvr.Add(DvrSegment{msn, 2.0, T0 + int64_t(msn) * 2000, false, 1, 10});
    REQUIRE(f.Live.Segments().front().Msn == 15);
    CHECK(f.Get("/live/360p/seg-abc-3.m4s").Status == 404); // not recorded: as before
    f.State.Renditions[0].Dvr = &dvr;
    f.State.Renditions[0].RecordDir = "/data/show/r1/360p";
    const RouteDecision old = f.Get("/live/360p/seg-abc-3.m4s");
    CHECK(old.DecisionKind == RouteDecision::Kind::SendFile);
    CHECK(old.FilePath == "/data/show/r1/360p/seg-3.m4s");
    CHECK(f.Get("/live/360p/seg-abc-20.m4s").DecisionKind == RouteDecision::Kind::Respond); // still in memory
    CHECK(f.Get("/live/360p/seg-abc-99.m4s").Status == 404);
    CHECK(f.Get("/live/360p/init-abc-1.mp4").DecisionKind == RouteDecision::Kind::Respond);
    const RouteDecision init = f.Get("/live/360p/init-abc-7.mp4"); // an old encoder run's init, gone from memory
    CHECK(init.DecisionKind == RouteDecision::Kind::SendFile);
    CHECK(init.FilePath == "/data/show/r1/360p/init-7.mp4");
    const RouteDecision playlist = f.Get("/live/360p/index.m3u8");
    CHECK(playlist.Body.find("#EXT-X-MEDIA-SEQUENCE:0\n") != std::string::npos);
    CHECK(playlist.Body.find("seg-abc-0.m4s") != std::string::npos);
}

TEST_CASE("a Range header picks one byte range of a recorded file: a-b, a- and the suffix -n")
{
    ByteRange r = ParseByteRange("bytes=0-99", 1000);
    CHECK(r.RangeKind == ByteRange::Kind::Partial);
    CHECK(r.First == 0);
    CHECK(r.Last == 99);
    r = ParseByteRange("bytes=900-", 1000);
    CHECK(r.RangeKind == ByteRange::Kind::Partial);
    CHECK(r.First == 900);
    CHECK(r.Last == 999);
    r = ParseByteRange("bytes=-100", 1000);
    CHECK(r.RangeKind == ByteRange::Kind::Partial);
    CHECK(r.First == 900);
    CHECK(r.Last == 999);
    r = ParseByteRange("bytes=-5000", 1000); // a suffix longer than the file: all of it
    CHECK(r.First == 0);
    CHECK(r.Last == 999);
    r = ParseByteRange("Bytes=990-5000", 1000); // a last byte past the end is cut to it; the unit in any case
    CHECK(r.RangeKind == ByteRange::Kind::Partial);
    CHECK(r.First == 990);
    CHECK(r.Last == 999);
}

TEST_CASE("a Range header that cannot be met is refused, and one we do not take is ignored")
{
    for (const char* bad : {"bytes=1000-", "bytes=1000-1001", "bytes=5-2", "bytes=-0", "bytes=abc", "bytes=1-x", "bytes=",
                            "bytes=-", "bytes=99999999999999999999-", "bytes=+1-2"})
    {
        CAPTURE(bad);
        CHECK(ParseByteRange(bad, 1000).RangeKind == ByteRange::Kind::Unsatisfiable);
    }
    CHECK(ParseByteRange("bytes=0-", 0).RangeKind == ByteRange::Kind::Unsatisfiable); // an empty file has no byte 0
    for (const char* whole : {"", "  ", "items=0-1", "bytes=0-1,5-6", "byte"})
    {
        CAPTURE(whole);
        CHECK(ParseByteRange(whole, 1000).RangeKind == ByteRange::Kind::Whole);
    }
}

TEST_CASE("a file reply answers a range with 206 and Content-Range, a bad one with 416, none with the whole file")
{
    RouteDecision file;
    file.Status = 200;
    file.ContentType = "video/mp4";
    file.Body = "0123456789";
    const RouteDecision part = ApplyByteRange(file, "bytes=2-4");
    CHECK(part.Status == 206);
    CHECK(part.Body == "234");
    CHECK(part.ContentRange == "bytes 2-4/10");
    CHECK(part.ContentType == "video/mp4");
    CHECK(part.AcceptRanges);
    const RouteDecision refused = ApplyByteRange(file, "bytes=10-");
    CHECK(refused.Status == 416);
    CHECK(refused.ContentRange == "bytes */10");
    const RouteDecision whole = ApplyByteRange(file, "");
    CHECK(whole.Status == 200);
    CHECK(whole.Body == "0123456789");
    CHECK(whole.ContentRange.empty());
    CHECK(whole.AcceptRanges);
    RouteDecision missing = file;
    missing.Status = 404;
    missing.Body = "no such recorded file\n";
    CHECK(ApplyByteRange(missing, "bytes=0-1").Status == 404); // only a file that is there is sliced
}

TEST_SUITE_END();
