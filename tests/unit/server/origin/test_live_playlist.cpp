// Tests for the origin's live window, playlist text and request decisions (src/server/origin/live_playlist.h).
#include <livescope/server/origin/live_playlist.h>

#include <doctest/doctest.h>

using namespace livescope;

namespace {

constexpr int64_t T0 = 1764000000000; // ms, 2025-11-24T16:00:00.000Z

SharedBytes Payload(uint8_t fill, size_t size = 10) { return std::make_shared<const std::vector<uint8_t>>(size, fill); }

// Feeds `parts` parts of 0.2 s with a keyframe every 10 (2 s segments).
void Feed(LiveRendition& rendition, int parts, int first = 0)
{
    for (int i = first; i < first + parts; i++)
        rendition.AddPart(Payload(uint8_t(i)), 0.2, i % 10 == 0, T0 + int64_t(i) * 200);
}

LiveRendition Started(LiveWindowConfig config = {})
{
    LiveRendition rendition(config);
    rendition.SetInit(Payload(0xee), 1);
    return rendition;
}

size_t Count(const std::string& text, const std::string& needle)
{
    size_t count = 0;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
        count++;
    return count;
}

} // namespace

TEST_SUITE_BEGIN("origin/live_playlist");

TEST_CASE("in the live window keyframe parts start segments and part numbers run on")
{
    LiveRendition rendition = Started();
    Feed(rendition, 25);
    REQUIRE(rendition.Segments().size() == 3);
    CHECK(rendition.CompleteSegmentCount() == 2);
    CHECK(rendition.Segments()[0].Msn == 0);
    CHECK(rendition.Segments()[0].Duration == doctest::Approx(2.0));
    CHECK(rendition.Segments()[0].ProgramDateTimeMs == T0);
    CHECK(rendition.Segments()[1].ProgramDateTimeMs == T0 + 2000);
    CHECK(rendition.Segments()[2].Parts.size() == 5);
    CHECK(rendition.NextPartNumber() == 25);
    uint64_t msn = 0, part = 0;
    REQUIRE(rendition.LastPosition(msn, part));
    CHECK(msn == 2);
    CHECK(part == 4);
    REQUIRE(rendition.FindPart(13) != nullptr);
    CHECK((*rendition.FindPart(13)->Bytes)[0] == 13);
    CHECK(rendition.FindPart(25) == nullptr);
}

TEST_CASE("parts before the first init are ignored by the live window")
{
    LiveRendition rendition;
    Feed(rendition, 5);
    CHECK(rendition.Segments().empty());
    CHECK_FALSE(rendition.HasInit());
}

TEST_CASE("the live window slides, keeps WindowSegments complete segments and frees the rest")
{
    LiveWindowConfig config;
    config.WindowSegments = 3;
    LiveRendition rendition = Started(config);
    Feed(rendition, 65);
    CHECK(rendition.CompleteSegmentCount() == 3);
    CHECK(rendition.Segments().front().Msn == 3);
    CHECK(rendition.FindSegment(2) == nullptr);
    CHECK(rendition.FindPart(29) == nullptr);
    CHECK(rendition.FindPart(30) != nullptr);
}

TEST_CASE("a new init closes the segment and tags a discontinuity")
{
    LiveWindowConfig config;
    config.WindowSegments = 2;
    LiveRendition rendition = Started(config);
    Feed(rendition, 15);
    rendition.SetInit(Payload(0xdd), 2);
    CHECK(rendition.Segments().back().Complete);
    CHECK(rendition.Segments().back().Duration == doctest::Approx(1.0));
    Feed(rendition, 5);
    CHECK(rendition.Segments().back().Discontinuity);
    CHECK(rendition.Segments().back().InitId == 2);
    CHECK(rendition.FindInit(1) != nullptr);

    const std::string text = RenderMediaPlaylist(rendition, "s", SkipMode::None, {});
    CHECK(Count(text, "#EXT-X-DISCONTINUITY\n") == 1);
    CHECK(text.find("#EXT-X-MAP:URI=\"init-s-1.mp4\"") < text.find("#EXT-X-DISCONTINUITY\n"));
    CHECK(text.find("#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"init-s-2.mp4\"") != std::string::npos);

    // Once the discontinuity segment slides out, the sequence counts it and the old init is freed.
    Feed(rendition, 40, 5);
    CHECK(rendition.DiscontinuitySequence() == 1);
    CHECK(rendition.FindInit(1) == nullptr);
    CHECK(RenderMediaPlaylist(rendition, "s", SkipMode::None, {}).find("#EXT-X-DISCONTINUITY-SEQUENCE:1\n") != std::string::npos);
}

TEST_CASE("the media playlist carries every LL-HLS server tag for a given state")
{
    LiveRendition rendition = Started();
    Feed(rendition, 32);
    const std::string text = RenderMediaPlaylist(rendition, "abc", SkipMode::None, {RenditionReport{"../360p/index.m3u8", 3, 1}});
    CHECK(text.rfind("#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:2\n", 0) == 0);
    CHECK(text.find("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=12.000,PART-HOLD-BACK=0.600\n") != std::string::npos);
    CHECK(text.find("#EXT-X-PART-INF:PART-TARGET=0.200\n") != std::string::npos);
    CHECK(text.find("#EXT-X-MEDIA-SEQUENCE:0\n") != std::string::npos);
    CHECK(text.find("#EXT-X-MAP:URI=\"init-abc-1.mp4\"\n") != std::string::npos);
    CHECK(text.find("#EXT-X-PROGRAM-DATE-TIME:2025-11-24T16:00:00.000Z\n") != std::string::npos);
    CHECK(text.find("#EXT-X-PROGRAM-DATE-TIME:2025-11-24T16:00:02.000Z\n") != std::string::npos);
    CHECK(Count(text, "#EXTINF:2.00000,\n") == 3);
    CHECK(text.find("seg-abc-2.m4s\n") != std::string::npos);
    // Parts are listed for the last three segments (two complete, one open) only: 10 + 10 + 2.
    CHECK(Count(text, "#EXT-X-PART:") == 22);
    CHECK(text.find("part-abc-9.m4s") == std::string::npos);
    CHECK(text.find("#EXT-X-PART:DURATION=0.20000,URI=\"part-abc-10.m4s\",INDEPENDENT=YES\n") != std::string::npos);
    CHECK(text.find("#EXT-X-PART:DURATION=0.20000,URI=\"part-abc-31.m4s\"\n") != std::string::npos);
    CHECK(text.find("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part-abc-32.m4s\"\n") != std::string::npos);
    CHECK(text.find("#EXT-X-RENDITION-REPORT:URI=\"../360p/index.m3u8\",LAST-MSN=3,LAST-PART=1\n") != std::string::npos);
    CHECK(text.find("#EXT-X-SKIP") == std::string::npos);
    // The open segment has parts but no EXTINF yet.
    CHECK(text.find("seg-abc-3.m4s") == std::string::npos);
}

TEST_CASE("delta updates of the media playlist skip old segments but keep CAN-SKIP-UNTIL at the end")
{
    LiveRendition rendition = Started();
    Feed(rendition, 105); // 10 complete segments (0..9) and an open one with 5 parts
    const std::string full = RenderMediaPlaylist(rendition, "s", SkipMode::None, {});
    const std::string delta = RenderMediaPlaylist(rendition, "s", SkipMode::Yes, {});
    // Remaining after the skip must span >= 12 s: segments 4..9 (12 s) + 1 s open => skip 0..3.
    CHECK(delta.find("#EXT-X-SKIP:SKIPPED-SEGMENTS=4\n") != std::string::npos);
    CHECK(delta.find("#EXT-X-MEDIA-SEQUENCE:0\n") != std::string::npos);
    CHECK(delta.find("seg-s-3.m4s") == std::string::npos);
    CHECK(delta.find("seg-s-4.m4s") != std::string::npos);
    CHECK(full.find("seg-s-0.m4s") != std::string::npos);
    // The init segment is still named after the skip.
    CHECK(delta.find("#EXT-X-SKIP:SKIPPED-SEGMENTS=4\n#EXT-X-MAP:URI=\"init-s-1.mp4\"\n") != std::string::npos);
    CHECK(delta.size() < full.size());
    CHECK(RenderMediaPlaylist(rendition, "s", SkipMode::V2, {}).find("SKIPPED-SEGMENTS=4") != std::string::npos);

    // A short playlist has nothing old enough to skip.
    LiveRendition young = Started();
    Feed(young, 40);
    CHECK(RenderMediaPlaylist(young, "s", SkipMode::Yes, {}).find("#EXT-X-SKIP") == std::string::npos);
}

TEST_CASE("the multivariant playlist lists renditions with bandwidth, resolution and codecs")
{
    const std::string text = RenderMultivariantPlaylist({VariantEntry{"720p/index.m3u8", 2300000, 1280, 720, 30.0, "avc1.42c01f,mp4a.40.2"},
                                                         VariantEntry{"360p/index.m3u8", 800000, 640, 360, 30.0, "avc1.42c01e,mp4a.40.2"}});
    CHECK(text.find("#EXT-X-STREAM-INF:BANDWIDTH=2300000,RESOLUTION=1280x720,FRAME-RATE=30.000,CODECS=\"avc1.42c01f,mp4a.40.2\"\n720p/index.m3u8\n") !=
          std::string::npos);
    CHECK(text.find("360p/index.m3u8") != std::string::npos);
    CHECK(text.find("#EXT-X-INDEPENDENT-SEGMENTS") != std::string::npos);
}

TEST_CASE("the playlist query's _HLS_msn, _HLS_part and _HLS_skip parse; bad values are errors")
{
    PlaylistRequest request;
    std::string error;
    REQUIRE(ParsePlaylistQuery("_HLS_msn=12&_HLS_part=3&_HLS_skip=YES&x=1", request, error));
    CHECK(request.HasMsn);
    CHECK(request.Msn == 12);
    CHECK(request.HasPart);
    CHECK(request.Part == 3);
    CHECK(request.Skip == SkipMode::Yes);
    REQUIRE(ParsePlaylistQuery("_HLS_skip=v2", request, error));
    CHECK(request.Skip == SkipMode::V2);
    CHECK_FALSE(request.HasMsn);
    CHECK_FALSE(ParsePlaylistQuery("_HLS_msn=abc", request, error));
    CHECK_FALSE(ParsePlaylistQuery("_HLS_msn=-1", request, error));
    CHECK_FALSE(ParsePlaylistQuery("_HLS_part=2", request, error));
    CHECK(error == "_HLS_part without _HLS_msn");
    CHECK_FALSE(ParsePlaylistQuery("_HLS_skip=no", request, error));
    REQUIRE(ParsePlaylistQuery("", request, error));
    CHECK_FALSE(request.HasMsn);
}

TEST_CASE("a blocking reload serves what exists, holds the next part and rejects what is too far ahead")
{
    LiveRendition rendition = Started();
    std::string reason;
    PlaylistRequest request;
    request.HasMsn = true;
    CHECK(DecidePlaylistRequest(rendition, request, reason) == RequestVerdict::Hold); // nothing yet
    Feed(rendition, 23);                                                              // segments 0, 1 complete; segment 2 open with parts 0..2

    auto decide = [&](uint64_t msn, bool has_part, uint64_t part) {
        PlaylistRequest r;
        r.HasMsn = true;
        r.Msn = msn;
        r.HasPart = has_part;
        r.Part = part;
        return DecidePlaylistRequest(rendition, r, reason);
    };
    CHECK(decide(1, false, 0) == RequestVerdict::Serve);
    CHECK(decide(2, false, 0) == RequestVerdict::Hold); // segment 2 is not complete
    CHECK(decide(2, true, 2) == RequestVerdict::Serve);
    CHECK(decide(2, true, 3) == RequestVerdict::Hold); // the hinted part
    CHECK(decide(3, true, 0) == RequestVerdict::Hold);
    CHECK(decide(4, false, 0) == RequestVerdict::Hold); // last msn + 2 is still allowed
    CHECK(decide(5, false, 0) == RequestVerdict::BadRequest);
    CHECK(reason.find("two segments") != std::string::npos);
    CHECK(decide(2, true, 2 + rendition.AdvancePartLimit() + 1) == RequestVerdict::BadRequest);
    CHECK(decide(1, true, 10) == RequestVerdict::Serve); // past the end of segment 1 = part 0 of segment 2
    CHECK(decide(0, true, 99) == RequestVerdict::Serve);

    PlaylistRequest plain;
    CHECK(DecidePlaylistRequest(rendition, plain, reason) == RequestVerdict::Serve);
    PlaylistRequest part_only;
    part_only.HasPart = true;
    CHECK(DecidePlaylistRequest(rendition, part_only, reason) == RequestVerdict::BadRequest);

    // The held request becomes servable when the part arrives.
    Feed(rendition, 1, 23);
    CHECK(decide(2, true, 3) == RequestVerdict::Serve);
}

TEST_CASE("part and segment requests are served, the hinted part is held, the rest is 404")
{
    LiveRendition rendition = Started();
    Feed(rendition, 13);
    CHECK(DecidePartRequest(rendition, 12) == RequestVerdict::Serve);
    CHECK(DecidePartRequest(rendition, 13) == RequestVerdict::Hold);
    CHECK(DecidePartRequest(rendition, 13 + rendition.AdvancePartLimit()) == RequestVerdict::NotFound);
    CHECK(DecideSegmentRequest(rendition, 0) == RequestVerdict::Serve);
    CHECK(DecideSegmentRequest(rendition, 1) == RequestVerdict::Hold);
    CHECK(DecideSegmentRequest(rendition, 2) == RequestVerdict::Hold);
    CHECK(DecideSegmentRequest(rendition, 3) == RequestVerdict::NotFound);

    LiveWindowConfig config;
    config.WindowSegments = 2;
    LiveRendition small = Started(config);
    Feed(small, 45);
    CHECK(DecidePartRequest(small, 0) == RequestVerdict::NotFound);
    CHECK(DecideSegmentRequest(small, 0) == RequestVerdict::NotFound);
}

TEST_CASE("media URIs round-trip, and other sessions' names are invalid")
{
    MediaUri uri = ParseMediaUri(PartUri("19a", 42), "19a");
    CHECK(uri.UriKind == MediaUri::Kind::Part);
    CHECK(uri.Number == 42);
    uri = ParseMediaUri(SegmentUri("19a", 7), "19a");
    CHECK(uri.UriKind == MediaUri::Kind::Segment);
    CHECK(uri.Number == 7);
    uri = ParseMediaUri(InitUri("19a", 3), "19a");
    CHECK(uri.UriKind == MediaUri::Kind::Init);
    CHECK(uri.Number == 3);
    CHECK(ParseMediaUri(PartUri("19b", 42), "19a").UriKind == MediaUri::Kind::Invalid);
    CHECK(ParseMediaUri("part-19a-.m4s", "19a").UriKind == MediaUri::Kind::Invalid);
    CHECK(ParseMediaUri("part-19a-1x.m4s", "19a").UriKind == MediaUri::Kind::Invalid);
    CHECK(ParseMediaUri("../../etc/passwd", "19a").UriKind == MediaUri::Kind::Invalid);
    CHECK(ParseMediaUri("", "19a").UriKind == MediaUri::Kind::Invalid);
}

TEST_CASE("the program date time is formatted in UTC with milliseconds")
{
    CHECK(FormatProgramDateTime(0) == "1970-01-01T00:00:00.000Z");
    CHECK(FormatProgramDateTime(T0 + 1234) == "2025-11-24T16:00:01.234Z");
}

namespace {

// Feeds `frames` one-frame chunks of 1/30 s; every 60th frame is a keyframe. Chunk bytes are the frame index.
void FeedFrames(LiveRendition& rendition, int frames, int first = 0)
{
    for (int i = first; i < first + frames; i++)
    {
        const uint8_t byte = uint8_t(i);
        rendition.AppendChunk(&byte, 1, 1.0 / 30.0, true, i % 60 == 0, T0 + int64_t(i) * 1000 / 30);
    }
}

} // namespace

TEST_CASE("one-frame chunks are grouped into parts of PART-TARGET, keyframes start segments")
{
    LiveRendition rendition = Started();
    FeedFrames(rendition, 125);
    // 125 frames = 20 parts of 6 frames + 5 frames being built.
    CHECK(rendition.NextPartNumber() == 20);
    REQUIRE(rendition.Segments().size() == 2);
    CHECK(rendition.Segments()[0].Parts.size() == 10);
    CHECK(rendition.Segments()[0].Duration == doctest::Approx(2.0));
    CHECK(rendition.Segments()[1].Parts.front().Independent);
    CHECK_FALSE(rendition.Segments()[1].Parts[1].Independent);
    const LivePart* part = rendition.FindPart(11);
    REQUIRE(part != nullptr);
    CHECK(*part->Bytes == std::vector<uint8_t>{66, 67, 68, 69, 70, 71});
    CHECK(part->Duration == doctest::Approx(0.2));
    CHECK(rendition.Segments()[1].ProgramDateTimeMs == T0 + 2000);
    // The part being built is not listed, but it is the preload hint.
    CHECK(rendition.IsBuildingPart(20));
    const std::string text = RenderMediaPlaylist(rendition, "s", SkipMode::None, {});
    CHECK(text.find("part-s-20.m4s\",") == std::string::npos);
    CHECK(text.find("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part-s-20.m4s\"") != std::string::npos);
}

TEST_CASE("the chunked part being built can be read as it grows, then as a complete part")
{
    LiveRendition rendition = Started();
    FeedFrames(rendition, 3);
    CHECK(DecidePartRequest(rendition, 0) == RequestVerdict::Stream);
    CHECK(DecidePartRequest(rendition, 1) == RequestVerdict::Hold);
    std::vector<uint8_t> bytes;
    bool complete = true;
    REQUIRE(rendition.ReadPartBytes(0, 0, bytes, complete));
    CHECK_FALSE(complete);
    CHECK(bytes == std::vector<uint8_t>{0, 1, 2});
    FeedFrames(rendition, 2, 3);
    REQUIRE(rendition.ReadPartBytes(0, 3, bytes, complete));
    CHECK_FALSE(complete);
    CHECK(bytes == std::vector<uint8_t>{3, 4});
    FeedFrames(rendition, 1, 5); // the sixth frame closes the part
    REQUIRE(rendition.ReadPartBytes(0, 5, bytes, complete));
    CHECK(complete);
    CHECK(bytes == std::vector<uint8_t>{5});
    CHECK(DecidePartRequest(rendition, 0) == RequestVerdict::Serve);
    CHECK_FALSE(rendition.ReadPartBytes(0, 7, bytes, complete)); // offset past the end
    CHECK_FALSE(rendition.ReadPartBytes(1, 0, bytes, complete)); // not started yet
}

TEST_CASE("audio-only chunks join the part, a lone one is dropped and its number skipped")
{
    LiveRendition rendition = Started();
    const uint8_t audio = 0xaa;
    rendition.AppendChunk(&audio, 1, 0.0, false, false, 0);
    FeedFrames(rendition, 6);
    REQUIRE(rendition.FindPart(0) != nullptr);
    CHECK(rendition.FindPart(0)->Bytes->front() == 0xaa);
    CHECK(rendition.FindPart(0)->Independent);
    CHECK(rendition.FindPart(0)->Bytes->size() == 7);

    rendition.AppendChunk(&audio, 1, 0.0, false, false, 0);
    CHECK(rendition.IsBuildingPart(1));
    rendition.SetInit(Payload(0xdd), 2); // encoder restart: the audio-only part is dropped
    CHECK_FALSE(rendition.IsBuildingPart(1));
    CHECK(rendition.FindPart(1) == nullptr);
    CHECK(rendition.NextPartNumber() == 2);
    CHECK(DecidePartRequest(rendition, 1) == RequestVerdict::NotFound);
}

TEST_CASE("a keyframe in the middle of a chunked part closes that part early")
{
    LiveRendition rendition = Started();
    FeedFrames(rendition, 63); // parts 0..9 of segment 0, part 10 (frames 60..62) being built
    const uint8_t key = 0xff;
    rendition.AppendChunk(&key, 1, 1.0 / 30.0, true, true, T0 + 2100); // an unexpected keyframe
    REQUIRE(rendition.FindPart(10) != nullptr);
    CHECK(rendition.FindPart(10)->Duration == doctest::Approx(0.1));
    CHECK(rendition.IsBuildingPart(11));
}

namespace {

// Records every complete segment of `rendition` into `dvr` (what the origin does as segments complete).
void Record(const LiveRendition& rendition, DvrWindow& dvr)
{
    for (const LiveSegment& segment : rendition.Segments())
        if (segment.Complete && (dvr.Segments().empty() || segment.Msn > dvr.Segments().back().Msn))
            dvr.Add(DvrSegment{segment.Msn, segment.Duration, segment.ProgramDateTimeMs, segment.Discontinuity, segment.InitId, segment.ByteSize});
}

} // namespace

TEST_CASE("the DVR window keeps the recorded segments of its span and counts the discontinuities it drops")
{
    DvrWindow dvr(10.0);
    for (uint64_t msn = 0; msn < 20; msn++)
        dvr.Add(DvrSegment{msn, 2.0, T0 + int64_t(msn) * 2000, msn == 3 || msn == 12, 1, 100});
    // Keeps the newest segments that still span 10 s: 15..19.
    REQUIRE(dvr.Segments().size() == 5);
    CHECK(dvr.Segments().front().Msn == 15);
    CHECK(dvr.DiscontinuitySequence() == 2);
    CHECK(dvr.Find(16) != nullptr);
    CHECK(dvr.Find(14) == nullptr);
    CHECK_FALSE(dvr.KeepsAll());
    dvr.Add(DvrSegment{19, 2.0, 0, false, 1, 1}); // out of order: ignored
    CHECK(dvr.Segments().size() == 5);

    DvrWindow all(0.0);
    for (uint64_t msn = 0; msn < 100; msn++)
        all.Add(DvrSegment{msn, 2.0, T0, false, 1, 1});
    CHECK(all.Segments().size() == 100);
    CHECK(all.KeepsAll());
}

TEST_CASE("with a DVR window the live playlist lists old recorded segments without parts, parts only near the edge")
{
    LiveWindowConfig config;
    config.WindowSegments = 4;
    LiveRendition rendition = Started(config);
    DvrWindow dvr(3600.0);
    for (int i = 0; i < 305; i++) // 30 complete segments (0..29) and an open one
    {
        Feed(rendition, 1, i);
        Record(rendition, dvr);
    }
    REQUIRE(rendition.Segments().front().Msn == 26); // the live window slid
    const std::string without = RenderMediaPlaylist(rendition, "s", SkipMode::None, {});
    const std::string with = RenderMediaPlaylist(rendition, "s", SkipMode::None, {}, &dvr);
    CHECK(without.find("#EXT-X-MEDIA-SEQUENCE:26\n") != std::string::npos);
    CHECK(with.find("#EXT-X-MEDIA-SEQUENCE:0\n") != std::string::npos);
    CHECK(Count(with, "#EXTINF:") == 30);
    CHECK(Count(with, "#EXT-X-PROGRAM-DATE-TIME:") == 31);
    CHECK(with.find("#EXT-X-PROGRAM-DATE-TIME:2025-11-24T16:00:00.000Z\n#EXTINF:2.00000,\nseg-s-0.m4s\n") != std::string::npos);
    CHECK(Count(with, "#EXT-X-PART:") == Count(without, "#EXT-X-PART:")); // parts only in the last segments
    CHECK(with.find("#EXT-X-PLAYLIST-TYPE") == std::string::npos);        // the window slides: not EVENT
    CHECK(with.find("CAN-SKIP-UNTIL=12.000") != std::string::npos);
    // A delta update skips all but the last 12 s: as small as without the DVR window.
    const std::string delta = RenderMediaPlaylist(rendition, "s", SkipMode::Yes, {}, &dvr);
    CHECK(delta.find("#EXT-X-SKIP:SKIPPED-SEGMENTS=24\n") != std::string::npos);
    CHECK(delta.find("seg-s-23.m4s") == std::string::npos);
    CHECK(delta.find("seg-s-24.m4s") != std::string::npos);
    CHECK(Count(delta, "#EXTINF:") == 6);

    // The whole broadcast kept: EVENT.
    DvrWindow all(0.0);
    Record(rendition, all);
    CHECK(RenderMediaPlaylist(rendition, "s", SkipMode::None, {}, &all).find("#EXT-X-PLAYLIST-TYPE:EVENT\n") != std::string::npos);
}

TEST_CASE("a sliding DVR window carries its discontinuity sequence and the maps of old encoder runs")
{
    LiveWindowConfig config;
    config.WindowSegments = 3;
    LiveRendition rendition = Started(config);
    DvrWindow dvr(8.0);
    for (int i = 0; i < 40; i++)
    {
        Feed(rendition, 1, i);
        Record(rendition, dvr);
    }
    rendition.SetInit(Payload(0xef), 2); // a new encoder run: discontinuity at segment 4
    Record(rendition, dvr);
    for (int i = 40; i < 121; i++)
    {
        Feed(rendition, 1, i);
        Record(rendition, dvr);
    }
    // Segments 0..11 complete; the DVR window keeps 8..11 (8 s), the live window 9..12.
    REQUIRE(dvr.Segments().front().Msn == 8);
    const std::string text = RenderMediaPlaylist(rendition, "s", SkipMode::None, {}, &dvr);
    CHECK(text.find("#EXT-X-MEDIA-SEQUENCE:8\n") != std::string::npos);
    CHECK(text.find("#EXT-X-DISCONTINUITY-SEQUENCE:1\n") != std::string::npos);
    CHECK(text.find("#EXT-X-MAP:URI=\"init-s-2.mp4\"\n#EXT-X-PROGRAM-DATE-TIME") != std::string::npos);
    CHECK(Count(text, "#EXT-X-DISCONTINUITY\n") == 0);
}

TEST_CASE("a segment that failed to record ends the DVR listing: the playlist never has a gap in its numbering")
{
    LiveWindowConfig config;
    config.WindowSegments = 3;
    LiveRendition rendition = Started(config);
    Feed(rendition, 105); // segments 0..9 complete, the live window keeps 7..9 and the open one
    DvrWindow dvr(0.0);
    for (uint64_t msn = 0; msn < 10; msn++)
        if (msn != 4) // failed to record
            dvr.Add(DvrSegment{msn, 2.0, T0 + int64_t(msn) * 2000, msn == 2, 1, 10});
    const std::string text = RenderMediaPlaylist(rendition, "s", SkipMode::None, {}, &dvr);
    CHECK(text.find("#EXT-X-MEDIA-SEQUENCE:5\n") != std::string::npos);
    CHECK(text.find("#EXT-X-DISCONTINUITY-SEQUENCE:1\n") != std::string::npos); // segment 2's tag is before the listing
    CHECK(text.find("seg-s-3.m4s") == std::string::npos);
    CHECK(Count(text, "#EXTINF:") == 5);
}

TEST_CASE("variable frame durations never make a part longer than PART-TARGET; key frames still start segments")
{
    LiveRendition rendition = Started();
    // A camera's frames: 30 to 45 ms apart, a key frame every 2 s of media time (the first frame at or after it).
    double t = 0.0, next_key = 0.0; // seconds
    const double gaps[] = {0.030, 0.045, 0.033, 0.041, 0.036};
    for (int i = 0; t < 6.5; i++)
    {
        const double gap = gaps[i % 5];
        const bool key = t + 1e-9 >= next_key;
        if (key)
            next_key += 2.0;
        const uint8_t byte = uint8_t(i);
        rendition.AppendChunk(&byte, 1, gap, true, key, T0 + int64_t(t * 1000.0));
        t += gap;
    }
    REQUIRE(rendition.Segments().size() >= 3);
    for (const LiveSegment& segment : rendition.Segments())
    {
        REQUIRE_FALSE(segment.Parts.empty());
        CHECK(segment.Parts.front().Independent);
        for (const LivePart& part : segment.Parts)
            CHECK(part.Duration <= 0.2 + 1e-6);
        if (segment.Complete)
            CHECK(segment.Duration == doctest::Approx(2.0).epsilon(0.03));
    }
}

TEST_SUITE_END();
