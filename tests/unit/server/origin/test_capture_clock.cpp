// Tests for where a broadcast's PROGRAM-DATE-TIME comes from (src/server/origin/include/.../capture_clock.h).
#include <livescope/server/origin/capture_clock.h>

#include <doctest/doctest.h>

using namespace livescope;

TEST_SUITE_BEGIN("origin/capture_clock");

TEST_CASE("a publisher's capture stamp becomes the anchor of media time 0")
{
    // The origin's own anchor is later than the capture by the ingest path (here 1.2 s).
    const MediaAnchor anchor = ChooseMediaAnchor(1'700'000'001'200, true, 1'700'000'000'000);
    CHECK(anchor.FromCapture);
    CHECK(anchor.WallMs == 1'700'000'000'000);
}

TEST_CASE("without a capture stamp the origin's clock is the anchor")
{
    const MediaAnchor anchor = ChooseMediaAnchor(1'700'000'001'200, false, 1'700'000'000'000);
    CHECK_FALSE(anchor.FromCapture);
    CHECK(anchor.WallMs == 1'700'000'001'200);
}

TEST_CASE("a capture stamp later than the origin's anchor is not trusted")
{
    // The publisher's clock runs ahead: a frame cannot be encoded before it was captured.
    const MediaAnchor anchor = ChooseMediaAnchor(1'700'000'000'000, true, 1'700'000'000'001);
    CHECK_FALSE(anchor.FromCapture);
    CHECK(anchor.WallMs == 1'700'000'000'000);
    CHECK(ChooseMediaAnchor(1'700'000'000'000, true, 1'700'000'000'000).FromCapture);
}

TEST_CASE("a capture stamp more than the lag window older than the origin's anchor is not trusted")
{
    const int64_t output = 1'700'000'100'000;
    CHECK(ChooseMediaAnchor(output, true, output - CaptureClockMaxLagMs).FromCapture);
    const MediaAnchor stale = ChooseMediaAnchor(output, true, output - CaptureClockMaxLagMs - 1);
    CHECK_FALSE(stale.FromCapture);
    CHECK(stale.WallMs == output);
}

TEST_CASE("without a capture stamp the arrival of the run's first input bytes is the anchor")
{
    // ffmpeg probed about 1 s of MPEG-TS before its first fragment: the output anchor is late by that much.
    const int64_t output = 1'700'000'001'000;
    const MediaAnchor anchor = ChooseMediaAnchor(output, false, 0, output - 950);
    CHECK(anchor.FromInput);
    CHECK_FALSE(anchor.FromCapture);
    CHECK(anchor.WallMs == output - 950);
    // A capture stamp still wins over the arrival time.
    CHECK(ChooseMediaAnchor(output, true, output - 1200, output - 950).FromCapture);
}

TEST_CASE("an arrival time after the output anchor, too far before it, or unknown is not trusted")
{
    const int64_t output = 1'700'000'001'000;
    CHECK_FALSE(ChooseMediaAnchor(output, false, 0, output + 1).FromInput);
    CHECK(ChooseMediaAnchor(output, false, 0, output - InputArrivalMaxLeadMs).FromInput);
    const MediaAnchor queued = ChooseMediaAnchor(output, false, 0, output - InputArrivalMaxLeadMs - 1);
    CHECK_FALSE(queued.FromInput);
    CHECK(queued.WallMs == output);
    CHECK(ChooseMediaAnchor(output, false, 0, 0).WallMs == output);
}

TEST_CASE("the publisher's text message carries the capture stamp")
{
    int64_t capture = 0;
    std::string error;
    CHECK(ParseIngestControl(R"({"capture_ms":1700000000123})", capture, error));
    CHECK(capture == 1'700'000'000'123);
    CHECK(error.empty());
    capture = 0;
    CHECK_FALSE(ParseIngestControl(R"({"hello":1})", capture, error)); // no stamp: not an error
    CHECK(error.empty());
    CHECK(capture == 0);
}

TEST_CASE("a malformed text message or stamp is an error")
{
    int64_t capture = 0;
    std::string error;
    for (const char* text : {"", "not json", "[1,2]", "\"x\"", R"({"capture_ms":-5})", R"({"capture_ms":"1700"})", R"({"capture_ms":1.5})"})
    {
        CAPTURE(text);
        CHECK_FALSE(ParseIngestControl(text, capture, error));
        CHECK_FALSE(error.empty());
    }
    CHECK(capture == 0);
}

TEST_SUITE_END();
