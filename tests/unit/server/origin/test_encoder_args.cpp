// Tests for the origin's rendition presets and ffmpeg argv (src/server/origin/encoder_args.h).
#include <livescope/server/origin/encoder_args.h>

#include <doctest/doctest.h>

#include <algorithm>

using namespace livescope;

namespace {

bool Has(const std::vector<std::string>& args, const std::string& value) { return std::find(args.begin(), args.end(), value) != args.end(); }

std::string After(const std::vector<std::string>& args, const std::string& key)
{
    auto it = std::find(args.begin(), args.end(), key);
    return it != args.end() && it + 1 != args.end() ? *(it + 1) : std::string();
}

} // namespace

TEST_SUITE_BEGIN("origin/encoder_args");

TEST_CASE("rendition lists are parsed and sorted highest first")
{
    std::vector<RenditionSpec> renditions;
    std::string error;
    REQUIRE(ParseRenditionList("360p,720p", renditions, error));
    REQUIRE(renditions.size() == 2);
    CHECK(renditions[0].Name == "720p");
    CHECK(renditions[0].Width == 1280);
    CHECK(renditions[1].Name == "360p");
    CHECK_FALSE(ParseRenditionList("720p,4k", renditions, error));
    CHECK(error.find("4k") != std::string::npos);
    CHECK_FALSE(ParseRenditionList("720p,720p", renditions, error));
    CHECK_FALSE(ParseRenditionList("", renditions, error));
}

TEST_CASE("the default testsrc command writes one fragmented MP4 per rendition to fds 3 and 4")
{
    EncoderConfig config;
    std::string error;
    REQUIRE(ParseRenditionList("720p,360p", config.Renditions, error));
    REQUIRE(ValidateEncoderConfig(config, error));
    const std::vector<std::string> args = BuildFfmpegArgs(config);
    CHECK(args.front() == "ffmpeg");
    CHECK(Has(args, "pipe:3"));
    CHECK(Has(args, "pipe:4"));
    CHECK_FALSE(Has(args, "pipe:5"));
    CHECK(Has(args, "testsrc2=size=1280x720:rate=30"));
    CHECK(Has(args, "sine=frequency=440:sample_rate=48000"));
    CHECK(After(args, "-frag_duration") == "33333"); // one CMAF chunk per frame; the origin groups them into parts
    CHECK(Has(args, "keyint=60:min-keyint=60:scenecut=0"));
    CHECK(After(args, "-preset") == "ultrafast");
    CHECK(After(args, "-tune") == "zerolatency");
    const std::string graph = After(args, "-filter_complex");
    CHECK(graph.find("drawtext=fontfile=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf") != std::string::npos);
    CHECK(graph.find("localtime") != std::string::npos);
    CHECK(graph.find("scale=640:360") != std::string::npos);
}

TEST_CASE("the encoder's file and camera sources, and bad configurations")
{
    EncoderConfig config;
    std::string error;
    REQUIRE(ParseRenditionList("360p", config.Renditions, error));
    config.Source = "file:/tmp/a.mp4";
    REQUIRE(ValidateEncoderConfig(config, error));
    std::vector<std::string> args = BuildFfmpegArgs(config);
    CHECK(Has(args, "/tmp/a.mp4"));
    CHECK(Has(args, "-stream_loop"));
    CHECK(Has(args, "0:a:0?"));
    CHECK_FALSE(Has(args, "pipe:4"));
    config.Source = "v4l2:/dev/video0";
    REQUIRE(ValidateEncoderConfig(config, error));
    args = BuildFfmpegArgs(config);
    CHECK(After(args, "-f") == "v4l2");

    config.Source = "rtmp://x";
    CHECK_FALSE(ValidateEncoderConfig(config, error));
    config.Source = "testsrc";
    config.PartMs = 210; // not a whole number of frames at 30 fps
    config.SegmentMs = 2100;
    CHECK_FALSE(ValidateEncoderConfig(config, error));
    config.PartMs = 200;
    config.SegmentMs = 2100; // not a multiple of the part
    CHECK_FALSE(ValidateEncoderConfig(config, error));
    config.SegmentMs = 1000;
    CHECK(ValidateEncoderConfig(config, error));
    CHECK(Has(BuildFfmpegArgs(config), "keyint=30:min-keyint=30:scenecut=0"));
    config.FrameRate = 25;
    REQUIRE(ValidateEncoderConfig(config, error));
    CHECK(After(BuildFfmpegArgs(config), "-frag_duration") == "40000"); // one chunk per 40 ms frame
}

TEST_CASE("a publisher's stream is read from stdin at its own pace, with its own audio when it has any")
{
    EncoderConfig config;
    std::string error;
    REQUIRE(ParseRenditionList("720p,360p", config.Renditions, error));
    config.Source = "pipe";
    CHECK(ValidateEncoderConfig(config, error));
    const std::vector<std::string> args = BuildFfmpegArgs(config);
    CHECK(Has(args, "pipe:0"));
    CHECK_FALSE(Has(args, "-re")); // the publisher paces the input
    CHECK_FALSE(Has(args, "lavfi"));
    CHECK(Has(args, "0:a:0?")); // audio from the stream, optional
    CHECK(Has(args, "pipe:3"));
    CHECK(Has(args, "pipe:4"));
    config.Source = "pipe:1";
    CHECK_FALSE(ValidateEncoderConfig(config, error));
}

TEST_CASE("an audio-only stream gets black video at the top size, a video-only stream silence, both ending with the stream")
{
    EncoderConfig config;
    std::string error;
    REQUIRE(ParseRenditionList("720p,360p", config.Renditions, error));
    config.Source = "pipe";
    config.InputVideo = false;
    std::vector<std::string> args = BuildFfmpegArgs(config);
    CHECK(Has(args, "color=c=black:size=1280x720:rate=30"));
    CHECK(After(args, "-filter_complex").rfind("[1:v]", 0) == 0);  // the picture comes from the made-up input
    CHECK(Has(args, "0:a:0?"));                                    // the sound from the stream
    CHECK(std::count(args.begin(), args.end(), "-shortest") == 2); // each rendition ends with the stream
    CHECK_FALSE(Has(args, "-re"));

    config.InputVideo = true;
    config.InputAudio = false;
    args = BuildFfmpegArgs(config);
    CHECK(Has(args, "anullsrc=r=48000:cl=stereo"));
    CHECK(After(args, "-filter_complex").rfind("[0:v]", 0) == 0);
    CHECK(Has(args, "1:a:0"));
    CHECK_FALSE(Has(args, "0:a:0?"));
    CHECK(std::count(args.begin(), args.end(), "-shortest") == 2);

    config.InputAudio = true; // both: nothing is made up
    args = BuildFfmpegArgs(config);
    CHECK_FALSE(Has(args, "-shortest"));
    CHECK_FALSE(Has(args, "lavfi"));
}

TEST_SUITE_END();
