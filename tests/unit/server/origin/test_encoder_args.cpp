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

namespace {

EncoderConfig PipeLadder()
{
    EncoderConfig config;
    config.Source = "pipe";
    std::string error;
    REQUIRE(ParseRenditionList("720p,360p", config.Renditions, error));
    return config;
}

TopCopyFacts StudioFacts()
{
    TopCopyFacts facts;
    facts.Framed = true;
    facts.H264 = true;
    facts.Width = 1280;
    facts.Height = 720;
    facts.ProfileIdc = 66;
    facts.KeyframeMs = 2000;
    facts.VideoBitrate = 2'000'000;
    return facts;
}

} // namespace

TEST_CASE("a studio's H.264 Baseline at the top rendition's size with key frames at each segment is copied")
{
    const TopCopyDecision decision = DecideTopRenditionCopy(StudioFacts(), PipeLadder());
    CHECK(decision.Copy);
    CHECK(decision.Reason.find("1280x720") != std::string::npos);
}

TEST_CASE("a stream that does not fit the top rendition is transcoded, with the reason")
{
    const EncoderConfig config = PipeLadder();
    struct Case
    {
        const char* Why;
        TopCopyFacts Facts;
        const char* Reason;
    };
    std::vector<Case> cases;
    TopCopyFacts f = StudioFacts();
    f.Framed = false; // MediaRecorder WebM, MPEG-TS, RTMP, SRT
    cases.push_back({"not framed", f, "livescope-frames"});
    f = StudioFacts();
    f.H264 = false; // HEVC or anything else
    cases.push_back({"not H.264", f, "not H.264"});
    f = StudioFacts();
    f.Width = 640, f.Height = 480;
    cases.push_back({"smaller", f, "640x480 is not the top rendition's 1280x720"});
    f = StudioFacts();
    f.Width = 1920, f.Height = 1080;
    cases.push_back({"larger", f, "1920x1080"});
    f = StudioFacts();
    f.ProfileIdc = 100; // High: B-frames possible
    cases.push_back({"High profile", f, "profile 100"});
    f = StudioFacts();
    f.KeyframeMs = 0;
    cases.push_back({"no cadence", f, "no key frame cadence"});
    f = StudioFacts();
    f.KeyframeMs = 1000;
    cases.push_back({"another cadence", f, "every 1000 ms, segments of 2000 ms"});
    f = StudioFacts();
    f.VideoBitrate = 2'500'000;
    cases.push_back({"over the bitrate", f, "2500 kbit/s"});
    f = StudioFacts();
    f.VideoBitrate = 0;
    cases.push_back({"unknown bitrate", f, "bitrate not declared"});
    for (const Case& c : cases)
    {
        INFO(c.Why);
        const TopCopyDecision decision = DecideTopRenditionCopy(c.Facts, config);
        CHECK_FALSE(decision.Copy);
        CHECK(decision.Reason.find(c.Reason) != std::string::npos);
    }
    EncoderConfig off = config;
    off.AllowTopCopy = false;
    CHECK_FALSE(DecideTopRenditionCopy(StudioFacts(), off).Copy);
    EncoderConfig other_segments = config;
    other_segments.SegmentMs = 4000;
    CHECK_FALSE(DecideTopRenditionCopy(StudioFacts(), other_segments).Copy);
    EncoderConfig testsrc = config;
    testsrc.Source = "testsrc";
    CHECK_FALSE(DecideTopRenditionCopy(StudioFacts(), testsrc).Copy);
    EncoderConfig no_video = config;
    no_video.InputVideo = false;
    CHECK_FALSE(DecideTopRenditionCopy(StudioFacts(), no_video).Copy);
}

TEST_CASE("with the top rendition copied, ffmpeg maps the input's video as it is and transcodes only the lower ones")
{
    EncoderConfig config = PipeLadder();
    config.TopCopy = true;
    const std::vector<std::string> args = BuildFfmpegArgs(config);
    const std::string graph = After(args, "-filter_complex");
    CHECK(graph == "[0:v]fps=30,format=yuv420p,scale=640:360[v1]");
    // Output 1 (fd 3): the input's video copied; output 2 (fd 4): the 360p encode.
    const auto first_map = std::find(args.begin(), args.end(), "-map");
    REQUIRE(first_map != args.end());
    CHECK(*(first_map + 1) == "0:v:0");
    CHECK(std::count(args.begin(), args.end(), "copy") == 1);
    CHECK(std::count(args.begin(), args.end(), "libx264") == 1);
    CHECK(After(args, "-c:v") == "copy");
    CHECK(After(args, "-frag_duration") == "1000"); // one frame per chunk at any frame rate
    CHECK(Has(args, "[v1]"));
    CHECK(Has(args, "pipe:3"));
    CHECK(Has(args, "pipe:4"));
    CHECK(graph.find("drawtext") == std::string::npos); // every rendition shows the same picture

    // Three renditions: the lower two split from one normalised branch.
    std::string error;
    REQUIRE(ParseRenditionList("720p,540p,360p", config.Renditions, error));
    CHECK(After(BuildFfmpegArgs(config), "-filter_complex") == "[0:v]fps=30,format=yuv420p,split=2[s1][s2];[s1]scale=960:540[v1];[s2]scale=640:360[v2]");
    // One rendition: no filter graph at all.
    REQUIRE(ParseRenditionList("720p", config.Renditions, error));
    const std::vector<std::string> single = BuildFfmpegArgs(config);
    CHECK_FALSE(Has(single, "-filter_complex"));
    CHECK(After(single, "-c:v") == "copy");
    // Without TopCopy the same ladder is all transcoded (and a stream without video never copies).
    config.TopCopy = false;
    CHECK_FALSE(Has(BuildFfmpegArgs(config), "copy"));
    config.TopCopy = true;
    config.InputVideo = false;
    CHECK_FALSE(Has(BuildFfmpegArgs(config), "copy"));
}

TEST_SUITE_END();
