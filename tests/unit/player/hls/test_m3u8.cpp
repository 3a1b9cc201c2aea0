// Unit tests for the M3U8 parser: one case per tag, table-driven edge cases and rejected input.
#include <doctest/doctest.h>

#include <livescope/player/hls/m3u8.h>

#include <cmath>
#include <string>

using namespace livescope;

namespace {
const char* kBase = "http://127.0.0.1:8080/live/720p/index.m3u8";

HlsPlaylist MustParse(const std::string& text, const char* base = kBase)
{
    HlsParseResult r = ParsePlaylist(text, base);
    INFO("line " << r.Error.Line << ": " << r.Error.Reason);
    REQUIRE(r.Ok);
    return r.Playlist;
}

HlsParseError MustFail(const std::string& text, HlsParseErrorKind kind = HlsParseErrorKind::Invalid)
{
    HlsParseResult r = ParsePlaylist(text, kBase);
    REQUIRE_FALSE(r.Ok);
    CHECK_FALSE(r.Error.Reason.empty());
    CHECK(HlsParseErrorKindName(r.Error.Kind) == std::string(HlsParseErrorKindName(kind)));
    return r.Error;
}

std::string Media(const std::string& body) { return "#EXTM3U\n#EXT-X-TARGETDURATION:2\n" + body; }
} // namespace

TEST_SUITE_BEGIN("player_hls/m3u8");

TEST_CASE("EXT-X-STREAM-INF carries bandwidth, codecs, resolution, frame rate and audio")
{
    HlsPlaylist pl = MustParse(
        "#EXTM3U\n#EXT-X-INDEPENDENT-SEGMENTS\n"
        "#EXT-X-STREAM-INF:BANDWIDTH=2500000,AVERAGE-BANDWIDTH=2000000,CODECS=\"avc1.64001f,mp4a.40.2\",RESOLUTION=1280x720,FRAME-RATE=29.970,AUDIO=\"aud\"\n"
        "720p/index.m3u8\n"
        "#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\nhttp://cdn.example/360p.m3u8\n",
        "http://127.0.0.1:8080/live/master.m3u8");
    CHECK(pl.Kind == HlsPlaylistKind::Multivariant);
    CHECK(pl.IndependentSegments);
    REQUIRE(pl.Variants.size() == 2);
    const HlsVariant& v = pl.Variants[0];
    CHECK(v.Uri == "http://127.0.0.1:8080/live/720p/index.m3u8");
    CHECK(v.Bandwidth == 2500000);
    CHECK(v.AverageBandwidth == 2000000);
    CHECK(v.Codecs == "avc1.64001f,mp4a.40.2");
    REQUIRE(v.Resolution);
    CHECK(v.Resolution->Width == 1280);
    CHECK(v.Resolution->Height == 720);
    CHECK(*v.FrameRate == doctest::Approx(29.97));
    CHECK(v.Audio == "aud");
    CHECK(pl.Variants[1].Uri == "http://cdn.example/360p.m3u8");
}

TEST_CASE("EXT-X-MEDIA renditions are kept with their group and resolved URI")
{
    HlsPlaylist pl = MustParse(
        "#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",NAME=\"English\",LANGUAGE=\"en\",DEFAULT=YES,AUTOSELECT=YES,URI=\"audio/en.m3u8\"\n"
        "#EXT-X-MEDIA:TYPE=CLOSED-CAPTIONS,GROUP-ID=\"cc\",NAME=\"CC1\",INSTREAM-ID=\"CC1\"\n"
        "#EXT-X-STREAM-INF:BANDWIDTH=1000,AUDIO=\"aud\"\nv.m3u8\n",
        "http://h/live/master.m3u8");
    REQUIRE(pl.Media.size() == 2);
    CHECK(pl.Media[0].Type == "AUDIO");
    CHECK(pl.Media[0].GroupId == "aud");
    CHECK(pl.Media[0].Name == "English");
    CHECK(pl.Media[0].Default);
    CHECK(pl.Media[0].Uri == "http://h/live/audio/en.m3u8");
    CHECK(pl.Media[1].Uri.empty());
}

TEST_CASE("EXT-X-I-FRAME-STREAM-INF is kept but not playable")
{
    HlsPlaylist pl = MustParse("#EXTM3U\n#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=90000,URI=\"iframe.m3u8\"\n#EXT-X-STREAM-INF:BANDWIDTH=1000\nv.m3u8\n", "http://h/a/m.m3u8");
    REQUIRE(pl.IFrameVariants.size() == 1);
    CHECK(pl.IFrameVariants[0].IFrameOnly);
    CHECK(pl.IFrameVariants[0].Uri == "http://h/a/iframe.m3u8");
    CHECK(pl.Variants.size() == 1);
}

TEST_CASE("EXT-X-START gives a signed time offset and PRECISE")
{
    HlsPlaylist pl = MustParse(Media("#EXT-X-START:TIME-OFFSET=-4.5,PRECISE=YES\n#EXTINF:2,\na.ts\n"));
    REQUIRE(pl.Start);
    CHECK(pl.Start->TimeOffset == doctest::Approx(-4.5));
    CHECK(pl.Start->Precise);
}

TEST_CASE("EXTINF, TARGETDURATION, MEDIA-SEQUENCE number the segments")
{
    HlsPlaylist pl = MustParse("#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:41\n#EXTINF:5.5,first\nseg41.ts\n#EXTINF:6\nseg42.ts\n");
    CHECK(pl.Kind == HlsPlaylistKind::Media);
    CHECK(pl.Version == 9);
    CHECK(pl.TargetDuration == 6);
    CHECK(pl.MediaSequence == 41);
    REQUIRE(pl.Segments.size() == 2);
    CHECK(pl.Segments[0].Msn == 41);
    CHECK(pl.Segments[0].Duration == doctest::Approx(5.5));
    CHECK(pl.Segments[0].Title == "first");
    CHECK(pl.Segments[0].Uri == "http://127.0.0.1:8080/live/720p/seg41.ts");
    CHECK(pl.Segments[1].Msn == 42);
}

TEST_CASE("EXT-X-DISCONTINUITY and DISCONTINUITY-SEQUENCE give each segment its serial")
{
    HlsPlaylist pl = MustParse(Media("#EXT-X-DISCONTINUITY-SEQUENCE:7\n#EXTINF:2,\na.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:2,\nb.ts\n#EXTINF:2,\nc.ts\n"));
    CHECK(pl.DiscontinuitySequence == 7);
    CHECK(pl.Segments[0].DiscontinuitySeq == 7);
    CHECK_FALSE(pl.Segments[0].Discontinuity);
    CHECK(pl.Segments[1].Discontinuity);
    CHECK(pl.Segments[1].DiscontinuitySeq == 8);
    CHECK(pl.Segments[2].DiscontinuitySeq == 8);
}

TEST_CASE("EXT-X-PROGRAM-DATE-TIME is epoch seconds and is extrapolated to later segments")
{
    HlsPlaylist pl = MustParse(Media("#EXT-X-PROGRAM-DATE-TIME:2024-01-02T03:04:05.500Z\n#EXTINF:2,\na.ts\n#EXTINF:2,\nb.ts\n"));
    REQUIRE(pl.Segments[0].ProgramDateTime);
    CHECK(*pl.Segments[0].ProgramDateTime == doctest::Approx(1704164645.5));
    CHECK(*pl.Segments[1].ProgramDateTime == doctest::Approx(1704164647.5));
}

TEST_CASE("EXT-X-MAP with BYTERANGE applies to the following segments")
{
    HlsPlaylist pl = MustParse(Media("#EXT-X-MAP:URI=\"init.mp4\",BYTERANGE=\"720@0\"\n#EXTINF:2,\na.m4s\n#EXT-X-MAP:URI=\"init2.mp4\"\n#EXTINF:2,\nb.m4s\n"));
    REQUIRE(pl.Segments[0].Map);
    CHECK(pl.Segments[0].Map->Uri == "http://127.0.0.1:8080/live/720p/init.mp4");
    REQUIRE(pl.Segments[0].Map->Range);
    CHECK(pl.Segments[0].Map->Range->Length == 720);
    CHECK(pl.Segments[1].Map->Uri == "http://127.0.0.1:8080/live/720p/init2.mp4");
    CHECK_FALSE(pl.Segments[1].Map->Range);
}

TEST_CASE("EXT-X-BYTERANGE resolves implicit offsets from the previous sub-range")
{
    HlsPlaylist pl = MustParse(Media("#EXTINF:2,\n#EXT-X-BYTERANGE:1000@500\nall.ts\n#EXTINF:2,\n#EXT-X-BYTERANGE:300\nall.ts\n"));
    CHECK(pl.Segments[0].Range->Offset == 500);
    CHECK(pl.Segments[1].Range->Offset == 1500);
    CHECK(pl.Segments[1].Range->Length == 300);
}

TEST_CASE("EXT-X-KEY METHOD=NONE is accepted, SAMPLE-AES is unsupported encryption")
{
    CHECK_FALSE(MustParse(Media("#EXT-X-KEY:METHOD=NONE\n#EXTINF:2,\na.ts\n")).Segments[0].Key);
    HlsParseError e = MustFail(Media("#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"k\"\n#EXTINF:2,\na.ts\n"), HlsParseErrorKind::Unsupported);
    CHECK(e.Line == 3);
    CHECK(e.Reason.find("unsupported encryption") != std::string::npos);
    CHECK(e.Kind == HlsParseErrorKind::Unsupported);
}

TEST_CASE("EXT-X-GAP marks the segment")
{
    HlsPlaylist pl = MustParse(Media("#EXT-X-GAP\n#EXTINF:2,\na.ts\n#EXTINF:2,\nb.ts\n"));
    CHECK(pl.Segments[0].Gap);
    CHECK_FALSE(pl.Segments[1].Gap);
}

TEST_CASE("EXT-X-ENDLIST and EXT-X-PLAYLIST-TYPE are read")
{
    HlsPlaylist pl = MustParse(Media("#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:2,\na.ts\n#EXT-X-ENDLIST\n"));
    CHECK(pl.EndList);
    CHECK(pl.PlaylistType == "VOD");
    MustFail(Media("#EXT-X-PLAYLIST-TYPE:LIVE\n"));
}

TEST_CASE("EXT-X-DATERANGE keeps id, class, start date, duration and all attributes")
{
    HlsPlaylist pl = MustParse(Media("#EXT-X-DATERANGE:ID=\"ad1\",CLASS=\"com.x\",START-DATE=\"2024-01-01T00:00:00Z\",DURATION=15.0,X-COM-FOO=\"bar\"\n#EXTINF:2,\na.ts\n"));
    REQUIRE(pl.DateRanges.size() == 1);
    CHECK(pl.DateRanges[0].Id == "ad1");
    CHECK(pl.DateRanges[0].Class == "com.x");
    CHECK(*pl.DateRanges[0].StartDate == doctest::Approx(1704067200.0));
    CHECK(*pl.DateRanges[0].Duration == doctest::Approx(15.0));
    CHECK(pl.DateRanges[0].Attributes.size() == 5);
}

TEST_CASE("EXT-X-PART-INF and EXT-X-PART, with trailing parts in a final entry without a URI")
{
    HlsPlaylist pl = MustParse(Media(
        "#EXT-X-PART-INF:PART-TARGET=0.2\n#EXT-X-MEDIA-SEQUENCE:10\n"
        "#EXT-X-PART:DURATION=0.2,URI=\"p10.0.m4s\",INDEPENDENT=YES\n#EXT-X-PART:DURATION=0.2,URI=\"p10.1.m4s\"\n"
        "#EXTINF:0.4,\ns10.m4s\n"
        "#EXT-X-PART:DURATION=0.2,URI=\"p11.0.m4s\",INDEPENDENT=YES\n#EXT-X-PART:DURATION=0.2,URI=\"gap.m4s\",GAP=YES\n"));
    CHECK(*pl.PartTarget == doctest::Approx(0.2));
    REQUIRE(pl.Segments.size() == 2);
    CHECK(pl.Segments[0].Parts.size() == 2);
    CHECK(pl.Segments[0].Parts[0].Independent);
    CHECK_FALSE(pl.Segments[0].Parts[1].Independent);
    const HlsSegment& tail = pl.Segments[1];
    CHECK_FALSE(tail.IsComplete());
    CHECK(tail.Msn == 11);
    CHECK(tail.Parts.size() == 2);
    CHECK(tail.Parts[1].Gap);
    CHECK(tail.Duration == doctest::Approx(0.4));
}

TEST_CASE("LL-HLS EXT-X-PART BYTERANGE takes implicit offsets")
{
    HlsPlaylist pl = MustParse(Media("#EXT-X-PART-INF:PART-TARGET=0.2\n#EXT-X-PART:DURATION=0.2,URI=\"s.m4s\",BYTERANGE=\"100@0\"\n#EXT-X-PART:DURATION=0.2,URI=\"s.m4s\",BYTERANGE=\"50\"\n"));
    CHECK(pl.Segments[0].Parts[1].Range->Offset == 100);
    CHECK(pl.Segments[0].Parts[1].Range->Length == 50);
}

TEST_CASE("LL-HLS EXT-X-PRELOAD-HINT of TYPE PART and MAP is read with byte ranges")
{
    HlsPlaylist pl = MustParse(Media("#EXT-X-PART-INF:PART-TARGET=0.2\n#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"next.m4s\",BYTERANGE-START=400,BYTERANGE-LENGTH=100\n#EXT-X-PRELOAD-HINT:TYPE=MAP,URI=\"init.mp4\"\n"));
    REQUIRE(pl.PreloadHints.size() == 2);
    CHECK(pl.PreloadHints[0].Type == HlsHintType::Part);
    CHECK(pl.PreloadHints[0].ByteRangeStart == 400);
    CHECK(*pl.PreloadHints[0].ByteRangeLength == 100);
    CHECK(pl.PreloadHints[1].Type == HlsHintType::Map);
    CHECK_FALSE(pl.PreloadHints[1].ByteRangeLength);
}

TEST_CASE("LL-HLS EXT-X-SERVER-CONTROL attributes are read")
{
    HlsPlaylist pl = MustParse(Media("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,HOLD-BACK=6,PART-HOLD-BACK=0.6,CAN-SKIP-UNTIL=12,CAN-SKIP-DATERANGES=YES\n"));
    CHECK(pl.HasServerControl);
    CHECK(pl.ServerControl.CanBlockReload);
    CHECK(*pl.ServerControl.HoldBack == 6);
    CHECK(*pl.ServerControl.PartHoldBack == doctest::Approx(0.6));
    CHECK(*pl.ServerControl.CanSkipUntil == 12);
    CHECK(pl.ServerControl.CanSkipDateRanges);
}

TEST_CASE("EXT-X-SKIP numbers the first listed segment after the skipped ones")
{
    HlsPlaylist pl = MustParse(Media("#EXT-X-SERVER-CONTROL:CAN-SKIP-UNTIL=12\n#EXT-X-MEDIA-SEQUENCE:100\n#EXT-X-SKIP:SKIPPED-SEGMENTS=3,RECENTLY-REMOVED-DATERANGES=\"a\tb\"\n#EXTINF:2,\ns103.ts\n"));
    REQUIRE(pl.Skip);
    CHECK(pl.Skip->SkippedSegments == 3);
    CHECK(pl.Skip->RecentlyRemovedDateRanges == std::vector<std::string>{"a", "b"});
    CHECK(pl.Segments[0].Msn == 103);
}

TEST_CASE("LL-HLS EXT-X-RENDITION-REPORT is read")
{
    HlsPlaylist pl = MustParse(Media("#EXTINF:2,\na.ts\n#EXT-X-RENDITION-REPORT:URI=\"../360p/index.m3u8\",LAST-MSN=42,LAST-PART=3\n"));
    REQUIRE(pl.RenditionReports.size() == 1);
    CHECK(pl.RenditionReports[0].Uri == "http://127.0.0.1:8080/live/360p/index.m3u8");
    CHECK(*pl.RenditionReports[0].LastMsn == 42);
    CHECK(*pl.RenditionReports[0].LastPart == 3);
}

TEST_CASE("unknown tags and comments are ignored")
{
    HlsPlaylist pl = MustParse(Media("# a comment\n#EXT-X-FUTURE-TAG:FOO=1\n#EXTINF:2,\na.ts\n"));
    CHECK(pl.Segments.size() == 1);
}

TEST_CASE("CRLF line endings and a UTF-8 BOM are accepted")
{
    HlsPlaylist pl = MustParse("\xEF\xBB\xBF#EXTM3U\r\n#EXT-X-TARGETDURATION:2\r\n#EXTINF:2,\r\na.ts\r\n");
    CHECK(pl.Segments[0].Uri == "http://127.0.0.1:8080/live/720p/a.ts");
}

TEST_CASE("negative cases the spec requires a client to reject are rejected with a line number")
{
    struct Row
    {
        const char* Name;
        std::string Text;
        int Line;
        const char* Needle;
    };
    const Row rows[] = {
        {"missing header", "#EXT-X-TARGETDURATION:2\n", 1, "EXTM3U"},
        {"empty input", "", 1, "EXTM3U"},
        {"duplicate PART-INF", Media("#EXT-X-PART-INF:PART-TARGET=0.2\n#EXT-X-PART-INF:PART-TARGET=0.2\n"), 4, "duplicate EXT-X-PART-INF"},
        {"duplicate SERVER-CONTROL", Media("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES\n#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES\n"), 4, "duplicate EXT-X-SERVER-CONTROL"},
        {"PART without PART-INF", Media("#EXT-X-PART:DURATION=0.2,URI=\"p.m4s\"\n"), 3, "without EXT-X-PART-INF"},
        {"duplicate TARGETDURATION", Media("#EXT-X-TARGETDURATION:2\n"), 3, "duplicate"},
        {"missing TARGETDURATION", "#EXTM3U\n#EXTINF:2,\na.ts\n", 0, "TARGETDURATION"},
        {"truncated after EXTINF", Media("#EXTINF:2,\n"), 3, "truncated"},
        {"truncated STREAM-INF", "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n", 2, "truncated"},
        {"negative duration", Media("#EXTINF:-1,\na.ts\n"), 3, "negative"},
        {"NaN duration", Media("#EXTINF:nan,\na.ts\n"), 3, "EXTINF"},
        {"inf duration", Media("#EXTINF:inf,\na.ts\n"), 3, "EXTINF"},
        {"NaN part duration", Media("#EXT-X-PART-INF:PART-TARGET=0.2\n#EXT-X-PART:DURATION=NaN,URI=\"p\"\n"), 4, "DURATION"},
        {"STREAM-INF without BANDWIDTH", "#EXTM3U\n#EXT-X-STREAM-INF:CODECS=\"x\"\nv.m3u8\n", 2, "BANDWIDTH"},
        {"mixed playlist", "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n", 3, "multivariant"},
        {"URI without EXTINF", Media("a.ts\n"), 3, "without EXTINF"},
        {"unterminated quote", Media("#EXT-X-MAP:URI=\"init.mp4\n"), 3, "unterminated"},
        {"duplicate attribute", Media("#EXT-X-MAP:URI=\"a\",URI=\"b\"\n"), 3, "duplicate attribute"},
        {"attribute without value", Media("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD\n"), 3, "no value"},
        {"two PART hints", Media("#EXT-X-PART-INF:PART-TARGET=0.2\n#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"a\"\n#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"b\"\n"), 5, "more than one"},
        {"bad hint type", Media("#EXT-X-PRELOAD-HINT:TYPE=SEGMENT,URI=\"a\"\n"), 3, "TYPE"},
        {"SKIP without CAN-SKIP-UNTIL", Media("#EXT-X-SKIP:SKIPPED-SEGMENTS=2\n"), 3, "CAN-SKIP-UNTIL"},
        {"MEDIA-SEQUENCE after a segment", Media("#EXTINF:2,\na.ts\n#EXT-X-MEDIA-SEQUENCE:4\n"), 5, "after the first"},
        {"bad date", Media("#EXT-X-PROGRAM-DATE-TIME:yesterday\n"), 3, "ISO 8601"},
        {"implicit byterange with no previous", Media("#EXTINF:2,\n#EXT-X-BYTERANGE:100\na.ts\n"), 5, "BYTERANGE"},
        {"binary garbage", std::string("#EXTM3U\n\x01\x02\xff\x00zz", 13), 2, "binary"},
        {"unresolvable URI", Media("#EXTINF:2,\nbad uri with spaces\n"), 4, "unresolvable"},
        {"zero PART-TARGET", Media("#EXT-X-PART-INF:PART-TARGET=0\n"), 3, "positive"},
    };
    for (const Row& row : rows)
    {
        CAPTURE(row.Name);
        HlsParseResult r = ParsePlaylist(row.Text, kBase);
        CHECK_FALSE(r.Ok);
        CHECK(r.Error.Line == row.Line);
        CHECK(r.Error.Reason.find(row.Needle) != std::string::npos);
    }
}

TEST_CASE("a relative URI without a base URL is a clear error, not a crash")
{
    HlsParseResult r = ParsePlaylist(Media("#EXTINF:2,\na.ts\n"), "");
    REQUIRE_FALSE(r.Ok);
    CHECK(r.Error.Reason.find("without a base URL") != std::string::npos);
}

TEST_CASE("huge attribute lists and overlong lines are rejected")
{
    std::string attrs = "#EXT-X-DATERANGE:ID=\"x\"";
    for (int i = 0; i < 400; i++) attrs += ",X-A" + std::to_string(i) + "=1";
    HlsParseError e = MustFail(Media(attrs + "\n"), HlsParseErrorKind::Unsupported);
    CHECK(e.Reason.find("too long") != std::string::npos);
    std::string line(70000, 'a');
    CHECK(MustFail(Media("#EXTINF:2,\n" + line + "\n"), HlsParseErrorKind::Unsupported).Reason.find("line too long") != std::string::npos);
}

TEST_CASE("every prefix of a valid LL-HLS playlist parses or fails cleanly")
{
    const std::string full = Media(
        "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0.6\n#EXT-X-PART-INF:PART-TARGET=0.2\n#EXT-X-MAP:URI=\"init.mp4\"\n"
        "#EXT-X-PROGRAM-DATE-TIME:2024-01-01T00:00:00Z\n#EXT-X-PART:DURATION=0.2,URI=\"a.0.m4s\",INDEPENDENT=YES\n#EXTINF:2.0,\na.m4s\n"
        "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"b.0.m4s\"\n#EXT-X-RENDITION-REPORT:URI=\"../360p/index.m3u8\",LAST-MSN=1,LAST-PART=0\n");
    int ok = 0;
    for (size_t n = 0; n <= full.size(); n++)
    {
        HlsParseResult r = ParsePlaylist(std::string_view(full).substr(0, n), kBase);
        if (r.Ok)
            ok++;
        else
            CHECK_FALSE(r.Error.Reason.empty());
    }
    CHECK(ok > 0);
}

// [SECTION] Playlists that real servers write (issue 9): tolerance, refusals, error kinds, AES-128

TEST_CASE("EXT-X-PART may take an unquoted BYTERANGE, as in Apple's byte-range low-latency examples")
{
    HlsPlaylist pl = MustParse(Media("#EXT-X-PART-INF:PART-TARGET=0.2\n#EXT-X-PART:DURATION=0.2,URI=\"s.mp4\",BYTERANGE=100@0\n"
                                     "#EXT-X-PART:DURATION=0.2,URI=\"s.mp4\",BYTERANGE=50\n"));
    REQUIRE(pl.Segments[0].Parts.size() == 2);
    CHECK(pl.Segments[0].Parts[0].Range == HlsByteRange{0, 100});
    CHECK(pl.Segments[0].Parts[1].Range == HlsByteRange{100, 50});
}

TEST_CASE("a blank after the colon of a tag value is skipped")
{
    HlsPlaylist pl = MustParse("#EXTM3U\n#EXT-X-TARGETDURATION: 4\n#EXT-X-MEDIA-SEQUENCE: 0\n#EXT-X-VERSION:\t3\n#EXTINF: 4.0,\na.ts\n"
                               "#EXT-X-KEY: METHOD=NONE\n#EXTINF:4,\nb.ts\n");
    CHECK(pl.TargetDuration == 4);
    CHECK(pl.MediaSequence == 0);
    CHECK(pl.Version == 3);
    CHECK(pl.Segments[0].Duration == doctest::Approx(4.0));
}

TEST_CASE("a blank after a comma in an attribute list is skipped")
{
    HlsPlaylist mv = MustParse("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000, RESOLUTION=640x360, CODECS=\"avc1.4d401e,mp4a.40.2\"\nv.m3u8\n");
    CHECK(mv.Variants[0].Bandwidth == 800000);
    CHECK(mv.Variants[0].Resolution->Width == 640);
    CHECK(mv.Variants[0].Codecs == "avc1.4d401e,mp4a.40.2");
    HlsPlaylist pl = MustParse(Media("#EXT-X-PART-INF:PART-TARGET=0.2\n#EXT-X-PART:DURATION=0.2, URI=\"p.m4s\", INDEPENDENT=YES\n"));
    CHECK(pl.Segments[0].Parts[0].Independent);
    CHECK(pl.Segments[0].Parts[0].Uri == "http://127.0.0.1:8080/live/720p/p.m4s");
}

TEST_CASE("EXT-X-SESSION-DATA and EXT-X-SESSION-KEY mixed with media tags are refused")
{
    const std::string data = "#EXT-X-SESSION-DATA:DATA-ID=\"com.example.title\",VALUE=\"t\"\n";
    const std::string key = "#EXT-X-SESSION-KEY:METHOD=AES-128,URI=\"k.key\"\n";
    for (const std::string& tag : {data, key})
    {
        CAPTURE(tag);
        CHECK(MustFail("#EXTM3U\n" + tag + "#EXT-X-TARGETDURATION:2\n#EXTINF:2,\na.ts\n").Reason.find("media playlist tag in a multivariant playlist") != std::string::npos);
        CHECK(MustFail(Media("#EXTINF:2,\na.ts\n" + tag)).Reason.find("multivariant tag in a media playlist") != std::string::npos);
        // In a multivariant playlist they are fine.
        CHECK(MustParse("#EXTM3U\n" + tag + "#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n").Kind == HlsPlaylistKind::Multivariant);
    }
    CHECK(MustFail("#EXTM3U\n#EXT-X-SESSION-KEY:METHOD=NONE\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n").Reason.find("NONE") != std::string::npos);
    CHECK(MustFail("#EXTM3U\n#EXT-X-SESSION-DATA:DATA-ID=\"x\"\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n").Reason.find("VALUE and URI") != std::string::npos);
}

TEST_CASE("a duplicate EXT-X-START is refused")
{
    HlsParseError e = MustFail(Media("#EXT-X-START:TIME-OFFSET=-3\n#EXT-X-START:TIME-OFFSET=-6\n#EXTINF:2,\na.ts\n"));
    CHECK(e.Line == 4);
    CHECK(e.Reason == "duplicate EXT-X-START");
}

TEST_CASE("a duplicate EXT-X-INDEPENDENT-SEGMENTS is refused")
{
    HlsParseError e = MustFail("#EXTM3U\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n");
    CHECK(e.Line == 3);
    CHECK(e.Reason == "duplicate EXT-X-INDEPENDENT-SEGMENTS");
}

TEST_CASE("a duplicate EXT-X-ENDLIST is refused")
{
    HlsParseError e = MustFail(Media("#EXTINF:2,\na.ts\n#EXT-X-ENDLIST\n#EXT-X-ENDLIST\n"));
    CHECK(e.Line == 6);
    CHECK(e.Reason == "duplicate EXT-X-ENDLIST");
}

TEST_CASE("a duplicate EXT-X-I-FRAMES-ONLY is refused (one is a media playlist tag)")
{
    CHECK(MustParse(Media("#EXT-X-I-FRAMES-ONLY\n#EXTINF:2,\na.ts\n")).IFramesOnly);
    HlsParseError e = MustFail(Media("#EXT-X-I-FRAMES-ONLY\n#EXT-X-I-FRAMES-ONLY\n#EXTINF:2,\na.ts\n"));
    CHECK(e.Line == 4);
    CHECK(e.Reason == "duplicate EXT-X-I-FRAMES-ONLY");
    CHECK(MustFail("#EXTM3U\n#EXT-X-I-FRAMES-ONLY\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n").Reason.find("multivariant tag in a media playlist") != std::string::npos);
}

TEST_CASE("EXT-X-DISCONTINUITY-SEQUENCE after the first segment or after an EXT-X-DISCONTINUITY is refused")
{
    HlsParseError e = MustFail(Media("#EXTINF:2,\na.ts\n#EXT-X-DISCONTINUITY-SEQUENCE:3\n#EXTINF:2,\nb.ts\n"));
    CHECK(e.Line == 5);
    CHECK(e.Reason.find("after the first media segment") != std::string::npos);
    e = MustFail(Media("#EXT-X-DISCONTINUITY\n#EXT-X-DISCONTINUITY-SEQUENCE:3\n#EXTINF:2,\na.ts\n"));
    CHECK(e.Line == 4);
    CHECK(e.Reason.find("after an EXT-X-DISCONTINUITY") != std::string::npos);
    // EXT-X-SKIP stands for the first segments.
    e = MustFail(Media("#EXT-X-SERVER-CONTROL:CAN-SKIP-UNTIL=12\n#EXT-X-SKIP:SKIPPED-SEGMENTS=2\n#EXT-X-DISCONTINUITY-SEQUENCE:3\n#EXTINF:2,\na.ts\n"));
    CHECK(e.Line == 5);
    CHECK(e.Reason.find("after the first media segment") != std::string::npos);
}

TEST_CASE("every tag that may appear once is refused on its second line, and repeatable tags are not")
{
    struct Row
    {
        const char* Tag;
        const char* Before;
        int Line;
    };
    const Row rows[] = {
        {"#EXT-X-VERSION:3", "", 4},
        {"#EXT-X-INDEPENDENT-SEGMENTS", "", 4},
        {"#EXT-X-START:TIME-OFFSET=0", "", 4},
        {"#EXT-X-TARGETDURATION:2", "", 3}, // Media() has one on line 2
        {"#EXT-X-MEDIA-SEQUENCE:1", "", 4},
        {"#EXT-X-DISCONTINUITY-SEQUENCE:1", "", 4},
        {"#EXT-X-ENDLIST", "", 4},
        {"#EXT-X-PLAYLIST-TYPE:VOD", "", 4},
        {"#EXT-X-I-FRAMES-ONLY", "", 4},
        {"#EXT-X-PART-INF:PART-TARGET=0.5", "", 4},
        {"#EXT-X-SERVER-CONTROL:CAN-SKIP-UNTIL=12", "", 4},
        {"#EXT-X-SKIP:SKIPPED-SEGMENTS=1", "#EXT-X-SERVER-CONTROL:CAN-SKIP-UNTIL=12\n", 5},
    };
    for (const Row& row : rows)
    {
        CAPTURE(row.Tag);
        const std::string tag = row.Tag;
        const std::string before = row.Before;
        HlsParseError e = MustFail(Media(before + tag + "\n" + tag + "\n"));
        CHECK(e.Line == row.Line);
        CHECK(e.Reason == "duplicate " + tag.substr(1, tag.find(':') == std::string::npos ? std::string::npos : tag.find(':') - 1));
    }
    HlsPlaylist pl = MustParse(Media("#EXT-X-DISCONTINUITY\n#EXT-X-DISCONTINUITY\n#EXT-X-BITRATE:1\n#EXT-X-BITRATE:2\n"
                                     "#EXT-X-KEY:METHOD=NONE\n#EXT-X-KEY:METHOD=NONE\n#EXT-X-GAP\n#EXT-X-GAP\n#EXTINF:2,\na.ts\n"
                                     "#EXT-X-DATERANGE:ID=\"a\"\n#EXT-X-DATERANGE:ID=\"b\"\n#EXTM3U\n"));
    CHECK(pl.Segments.size() == 1);
    CHECK(pl.DateRanges.size() == 2);
}

TEST_CASE("a multivariant playlist without a variant says so (not 'missing EXT-X-TARGETDURATION')")
{
    for (const char* text : {"#EXTM3U\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-SESSION-DATA:DATA-ID=\"a\",VALUE=\"b\"\n",
                             "#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"a\",NAME=\"en\",URI=\"a.m3u8\"\n",
                             "#EXTM3U\n#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=9,URI=\"i.m3u8\"\n"})
    {
        CAPTURE(text);
        HlsParseError e = MustFail(text);
        CHECK(e.Line == 0);
        CHECK(e.Reason.find("multivariant playlist without a variant stream") != std::string::npos);
        CHECK(e.Reason.find("TARGETDURATION") == std::string::npos);
    }
    HlsParseError e = MustFail("#EXTM3U\n#EXT-X-VERSION:3\n");
    CHECK(e.Reason.find("empty playlist") != std::string::npos);
}

TEST_CASE("errors tell unsupported (valid but not played, or over a limit) apart from invalid")
{
    CHECK(MustFail(Media("#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,URI=\"k\"\n"), HlsParseErrorKind::Unsupported).Reason.find("SAMPLE-AES-CTR") != std::string::npos);
    CHECK(MustFail(Media("#EXT-X-KEY:METHOD=AES-128,URI=\"k\",KEYFORMAT=\"com.apple.streamingkeydelivery\"\n"), HlsParseErrorKind::Unsupported).Reason.find("KEYFORMAT") != std::string::npos);
    HlsParseLimits small;
    small.MaxBytes = 10;
    HlsParseResult r = ParsePlaylist(Media("#EXTINF:2,\na.ts\n"), kBase, small);
    REQUIRE_FALSE(r.Ok);
    CHECK(r.Error.Kind == HlsParseErrorKind::Unsupported);
    CHECK(MustFail(Media("#EXT-X-KEY:METHOD=ROT13,URI=\"k\"\n"), HlsParseErrorKind::Invalid).Reason.find("METHOD") != std::string::npos);
    CHECK(MustFail(Media("#EXTINF:2,\n")).Kind == HlsParseErrorKind::Invalid);
    CHECK(std::string(HlsParseErrorKindName(HlsParseErrorKind::Invalid)) == "invalid");
    CHECK(std::string(HlsParseErrorKindName(HlsParseErrorKind::Unsupported)) == "unsupported");
}

TEST_CASE("EXT-X-KEY applies to the following segments until METHOD=NONE, with an explicit IV or none")
{
    HlsPlaylist pl = MustParse(Media("#EXT-X-MEDIA-SEQUENCE:7\n#EXTINF:2,\nclear.ts\n"
                                     "#EXT-X-KEY:METHOD=AES-128,URI=\"../keys/k1.key\",IV=0x000102030405060708090A0B0C0D0E0F\n#EXTINF:2,\na.ts\n"
                                     "#EXT-X-KEY:METHOD=AES-128,URI=\"k2.key\"\n#EXTINF:2,\nb.ts\n#EXTINF:2,\nc.ts\n"
                                     "#EXT-X-KEY:METHOD=NONE\n#EXTINF:2,\nd.ts\n"));
    REQUIRE(pl.Segments.size() == 5);
    CHECK_FALSE(pl.Segments[0].Key);
    REQUIRE(pl.Segments[1].Key);
    CHECK(pl.Segments[1].Key->Uri == "http://127.0.0.1:8080/live/keys/k1.key");
    const std::array<uint8_t, 16> explicit_iv{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    CHECK(HlsKeyIv(*pl.Segments[1].Key, pl.Segments[1].Msn) == explicit_iv);
    REQUIRE(pl.Segments[3].Key);
    CHECK(pl.Segments[3].Key->Uri == "http://127.0.0.1:8080/live/720p/k2.key");
    CHECK_FALSE(pl.Segments[3].Key->Iv);
    const std::array<uint8_t, 16> msn_iv{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10};
    CHECK(HlsKeyIv(*pl.Segments[3].Key, pl.Segments[3].Msn) == msn_iv);
    CHECK_FALSE(pl.Segments[4].Key);
    // A short IV is a number: leading zeros.
    HlsPlaylist short_iv = MustParse(Media("#EXT-X-KEY:METHOD=AES-128,URI=\"k\",IV=0x1ff\n#EXTINF:2,\na.ts\n"));
    CHECK((*short_iv.Segments[0].Key->Iv)[14] == 0x01);
    CHECK((*short_iv.Segments[0].Key->Iv)[15] == 0xff);
}

TEST_CASE("an AES-128 key without URI, a bad IV, or an encrypted EXT-X-MAP without IV is invalid")
{
    CHECK(MustFail(Media("#EXT-X-KEY:METHOD=AES-128\n")).Reason.find("URI") != std::string::npos);
    CHECK(MustFail(Media("#EXT-X-KEY:METHOD=AES-128,URI=\"k\",IV=12345\n")).Reason.find("IV") != std::string::npos);
    CHECK(MustFail(Media("#EXT-X-KEY:METHOD=AES-128,URI=\"k\",IV=0x0123456789abcdef0123456789abcdef00\n")).Reason.find("IV") != std::string::npos);
    CHECK(MustFail(Media("#EXT-X-KEY:METHOD=AES-128,URI=\"k\",IV=0xZZ\n")).Reason.find("hex") != std::string::npos);
    CHECK(MustFail(Media("#EXT-X-KEY:METHOD=AES-128,URI=\"k\"\n#EXT-X-MAP:URI=\"init.mp4\"\n")).Reason.find("EXT-X-MAP") != std::string::npos);
    HlsPlaylist pl = MustParse(Media("#EXT-X-KEY:METHOD=AES-128,URI=\"k\",IV=0x01\n#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:2,\na.m4s\n"));
    REQUIRE(pl.Segments[0].Map->Key);
    CHECK(pl.Segments[0].Map->Key->Uri == "http://127.0.0.1:8080/live/720p/k");
}

TEST_SUITE_END();
