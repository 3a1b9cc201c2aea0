// Tests for the origin's recordings: segment log, recording.json, run ids, /vod/ paths, VOD playlists, recovery and
// retention (src/server/origin/recording.h).
#include <livescope/server/origin/recording.h>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace livescope;

namespace {

constexpr int64_t T0 = 1764000000000; // ms, 2025-11-24T16:00:00.000Z

size_t Count(const std::string& text, const std::string& needle)
{
    size_t count = 0;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
        count++;
    return count;
}

RecordingMeta Meta(std::string name, std::string id, bool ended, int64_t ended_ms)
{
    RecordingMeta meta;
    meta.Name = std::move(name);
    meta.Id = std::move(id);
    meta.StartedMs = T0;
    meta.Ended = ended;
    meta.EndedMs = ended_ms;
    return meta;
}

} // namespace

TEST_SUITE_BEGIN("origin/recording");

TEST_CASE("run ids are the start time in UTC, with a suffix when taken")
{
    CHECK(AllocateRecordingId(T0, {}) == "20251124t160000z");
    CHECK(AllocateRecordingId(T0 + 999, {"20251124t160000z"}) == "20251124t160000z-2");
    CHECK(AllocateRecordingId(T0, {"20251124t160000z", "20251124t160000z-2"}) == "20251124t160000z-3");
    CHECK(ValidRecordingId(AllocateRecordingId(T0, {})));
    CHECK_FALSE(ValidRecordingId(""));
    CHECK_FALSE(ValidRecordingId(".."));
    CHECK_FALSE(ValidRecordingId("a/b"));
    CHECK_FALSE(ValidRecordingId(std::string(65, 'a')));
    CHECK(ValidRenditionName("720p"));
    CHECK_FALSE(ValidRenditionName("7-20p"));
}

TEST_CASE("segment log lines round-trip; a line cut by a crash is ignored, a bad one is an error")
{
    const DvrSegment a{0, 2.0, T0, false, 1, 1234};
    const DvrSegment b{1, 1.96667, T0 + 2000, true, 2, 99};
    std::string log = SegmentLogLine(a) + SegmentLogLine(b);
    CHECK(SegmentLogLine(a) == "0 2.00000 1764000000000 0 1 1234\n");
    std::vector<DvrSegment> parsed;
    std::string error;
    REQUIRE(ParseSegmentLog(log + "2 2.000 17640", parsed, error));
    REQUIRE(parsed.size() == 2);
    CHECK(parsed[1].Msn == 1);
    CHECK(parsed[1].Duration == doctest::Approx(1.96667));
    CHECK(parsed[1].ProgramDateTimeMs == T0 + 2000);
    CHECK(parsed[1].Discontinuity);
    CHECK(parsed[1].InitId == 2);
    CHECK(parsed[1].ByteSize == 99);

    CHECK_FALSE(ParseSegmentLog(log + "x 2.0 1 0 1 1\n", parsed, error));
    CHECK(parsed.size() == 2); // what came before the bad line is kept
    CHECK(error.find("line 3") != std::string::npos);
    CHECK_FALSE(ParseSegmentLog(log + SegmentLogLine(a), parsed, error)); // msns must increase
    CHECK_FALSE(ParseSegmentLog("0 2.0 1 2 1 1\n", parsed, error));       // discontinuity 0|1
    CHECK_FALSE(ParseSegmentLog("0 2.0 1 0 1\n", parsed, error));         // five fields
    CHECK_FALSE(ParseSegmentLog("0 -2.0 1 0 1 1\n", parsed, error));
    CHECK(ParseSegmentLog("", parsed, error));
    CHECK(parsed.empty());
}

TEST_CASE("recording.json round-trips and rejects names that could leave the data directory")
{
    RecordingMeta meta = Meta("show", "20251124t160000z", true, T0 + 60000);
    meta.Title = "My \"show\"";
    meta.Renditions.push_back(RecordedRendition{"720p", 3000000, 1280, 720, 30.0, "avc1.64001f,mp4a.40.2"});
    RecordingMeta back;
    std::string error;
    REQUIRE(ParseRecordingMeta(RenderRecordingMeta(meta), back, error));
    CHECK(back.Name == "show");
    CHECK(back.Title == meta.Title);
    CHECK(back.Ended);
    CHECK(back.EndedMs == T0 + 60000);
    REQUIRE(back.Renditions.size() == 1);
    CHECK(back.Renditions[0].Codecs == "avc1.64001f,mp4a.40.2");
    CHECK(back.Renditions[0].Height == 720);

    meta.Ended = false;
    REQUIRE(ParseRecordingMeta(RenderRecordingMeta(meta), back, error));
    CHECK_FALSE(back.Ended);
    CHECK_FALSE(ParseRecordingMeta("{\"name\":\"../x\",\"id\":\"a\",\"started\":1,\"renditions\":[]}", back, error));
    CHECK_FALSE(ParseRecordingMeta("not json", back, error));
    // A rendition named like a path is dropped.
    REQUIRE(ParseRecordingMeta("{\"name\":\"a\",\"id\":\"b\",\"started\":1,\"renditions\":[{\"name\":\"../etc\"},{\"name\":\"360p\"}]}", back, error));
    REQUIRE(back.Renditions.size() == 1);
    CHECK(back.Renditions[0].Name == "360p");
}

TEST_CASE("/vod/ paths split into index, recording, master, media playlist and recorded files only")
{
    CHECK(SplitVodPath("/vod/index.json").PathKind == VodPath::Kind::Index);
    VodPath path = SplitVodPath("/vod/show/20251124t160000z");
    CHECK(path.PathKind == VodPath::Kind::Recording);
    CHECK(path.Name == "show");
    CHECK(path.Id == "20251124t160000z");
    CHECK(SplitVodPath("/vod/show/r1/master.m3u8").PathKind == VodPath::Kind::Master);
    path = SplitVodPath("/vod/show/r1/720p/index.m3u8");
    CHECK(path.PathKind == VodPath::Kind::Media);
    CHECK(path.Rendition == "720p");
    path = SplitVodPath("/vod/show/r1/720p/seg-12.m4s");
    CHECK(path.PathKind == VodPath::Kind::File);
    CHECK(path.File == "seg-12.m4s");
    CHECK(SplitVodPath("/vod/show/r1/720p/init-3.mp4").PathKind == VodPath::Kind::File);
    for (const char* bad : {"/vod/", "/vod/show", "/vod/show/r1/x.m3u8", "/vod/../r1/master.m3u8", "/vod/show/../720p/index.m3u8",
                            "/vod/show/r1/720p/seg-012.m4s", "/vod/show/r1/720p/seg-.m4s", "/vod/show/r1/720p/segments.log",
                            "/vod/show/r1/720p/../recording.json", "/vod/show/r1/720p/seg-1.m4s/x", "/vod/show/r1/7.2/index.m3u8",
                            "/vod/show/r1/720p/init-99999999999.mp4", "/live/show/r1/master.m3u8"})
        CHECK_MESSAGE(SplitVodPath(bad).PathKind == VodPath::Kind::Invalid, bad);
    CHECK(ReplayPath("show", "r1") == "/vod/show/r1/master.m3u8");
}

TEST_CASE("the VOD playlist is VOD with ENDLIST, a PDT on every segment, its maps and discontinuities")
{
    std::vector<DvrSegment> segments;
    for (uint64_t msn = 0; msn < 6; msn++)
        segments.push_back(DvrSegment{msn, msn == 2 ? 1.4 : 2.0, T0 + int64_t(msn) * 2000, msn == 3, msn < 3 ? 1u : 2u, 10});
    segments[0].Discontinuity = true; // a first segment's tag is left out
    const std::string text = RenderVodMediaPlaylist(segments);
    CHECK(text.rfind("#EXTM3U\n", 0) == 0);
    CHECK(text.find("#EXT-X-PLAYLIST-TYPE:VOD\n") != std::string::npos);
    CHECK(text.find("#EXT-X-TARGETDURATION:2\n") != std::string::npos);
    CHECK(text.find("#EXT-X-MEDIA-SEQUENCE:0\n") != std::string::npos);
    CHECK(text.substr(text.size() - 15) == "#EXT-X-ENDLIST\n");
    CHECK(Count(text, "#EXT-X-PROGRAM-DATE-TIME:") == 6);
    CHECK(Count(text, "#EXTINF:") == 6);
    CHECK(Count(text, "#EXT-X-DISCONTINUITY\n") == 1);
    CHECK(text.find("#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"init-2.mp4\"\n#EXT-X-PROGRAM-DATE-TIME:2025-11-24T16:00:06.000Z\n#EXTINF:2.00000,\nseg-3.m4s\n") !=
          std::string::npos);
    CHECK(text.find("#EXT-X-MAP:URI=\"init-1.mp4\"\n#EXT-X-PROGRAM-DATE-TIME:2025-11-24T16:00:00.000Z\n") != std::string::npos);
    CHECK(text.find("#EXT-X-PART") == std::string::npos);
    CHECK(text.find("PRELOAD-HINT") == std::string::npos);

    RecordingMeta meta = Meta("show", "r1", true, T0);
    meta.Renditions.push_back(RecordedRendition{"720p", 3000000, 1280, 720, 30.0, "avc1.64001f,mp4a.40.2"});
    meta.Renditions.push_back(RecordedRendition{"360p", 800000, 640, 360, 30.0, ""}); // never got an init: left out
    const std::string master = RenderVodMaster(meta);
    CHECK(master.find("720p/index.m3u8") != std::string::npos);
    CHECK(master.find("360p") == std::string::npos);
    CHECK(master.find("RESOLUTION=1280x720") != std::string::npos);
}

TEST_CASE("a recording left open ends at the end of its last segment, or at its start when empty")
{
    const RecordingMeta meta = Meta("show", "r1", false, 0);
    CHECK(RecoveredEndMs(meta, {}) == T0);
    CHECK(RecoveredEndMs(meta, {{}, {DvrSegment{0, 2.0, T0 + 10000, false, 1, 1}}, {DvrSegment{0, 1.5, T0 + 4000, false, 1, 1}}}) == T0 + 12000);
}

TEST_CASE("/vod/index.json lists recordings newest first with their replay once ended")
{
    std::vector<RecordingSummary> list = {{Meta("a", "r1", true, T0 + 1000), 500}, {Meta("b", "r2", false, 0), 7}};
    list[1].Meta.StartedMs = T0 + 5000;
    const nlohmann::json index = nlohmann::json::parse(RenderVodIndex(list));
    const auto& items = index["recordings"];
    REQUIRE(items.size() == 2);
    CHECK(items[0]["name"] == "b");
    CHECK(items[0]["state"] == "recording");
    CHECK(items[0]["ended"].is_null());
    CHECK_FALSE(items[0].contains("replay"));
    CHECK(items[1]["replay"] == "/vod/a/r1/master.m3u8");
    CHECK(items[1]["bytes"] == 500);
    CHECK(items[1]["ended"] == T0 + 1000);
}

TEST_CASE("retention deletes ended recordings older than the retention, never live ones, nothing when 0")
{
    const std::vector<RecordingMeta> list = {Meta("a", "old", true, T0), Meta("a", "new", true, T0 + 50000), Meta("b", "live", false, 0)};
    CHECK(ExpiredRecordings(list, T0 + 60000, 30000) == std::vector<size_t>{0});
    CHECK(ExpiredRecordings(list, T0 + 600000, 30000) == std::vector<size_t>{0, 1});
    CHECK(ExpiredRecordings(list, T0 + 600000, 0).empty());
    CHECK(RetentionSweepMs(10000) == 5000);
    CHECK(RetentionSweepMs(100) == 1000);
    CHECK(RetentionSweepMs(86400000) == 60000);
}

TEST_SUITE_END();
