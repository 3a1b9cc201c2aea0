// Tests for the video upload path (src/player/av/upload.cpp): which WebCodecs frames go up as I420 planes.
#include <doctest/doctest.h>
#include <livescope/player/av/upload.h>

using namespace livescope;

namespace {
VideoFrameLayout I420Frame(int w, int h)
{
    VideoFrameLayout f;
    f.I420 = true;
    f.VisibleWidth = f.DisplayWidth = w;
    f.VisibleHeight = f.DisplayHeight = h;
    return f;
}
} // namespace

TEST_SUITE_BEGIN("player_av/upload");

TEST_CASE("on a software GL renderer an I420 frame goes up as planes, on a GPU as the frame")
{
    const VideoFrameLayout f = I420Frame(640, 360);
    CHECK(VideoUploadPathOf(VideoUploadMode::Auto, true, f) == VideoUploadPath::Planes);
    CHECK(VideoUploadPathOf(VideoUploadMode::Auto, false, f) == VideoUploadPath::Frame);
}

TEST_CASE("the videoUpload option forces either path, planes only where the frame allows it")
{
    VideoFrameLayout f = I420Frame(1280, 720);
    CHECK(VideoUploadPathOf(VideoUploadMode::Frame, true, f) == VideoUploadPath::Frame);
    CHECK(VideoUploadPathOf(VideoUploadMode::Planes, false, f) == VideoUploadPath::Planes);
    f.I420 = false; // NV12 from a hardware decoder
    CHECK(VideoUploadPathOf(VideoUploadMode::Planes, false, f) == VideoUploadPath::Frame);
    CHECK(VideoUploadModeOf("frame") == VideoUploadMode::Frame);
    CHECK(VideoUploadModeOf("planes") == VideoUploadMode::Planes);
    CHECK(VideoUploadModeOf("auto") == VideoUploadMode::Auto);
    CHECK(VideoUploadModeOf("") == VideoUploadMode::Auto);
    CHECK(VideoUploadModeOf("Planes!") == VideoUploadMode::Auto);
}

TEST_CASE("frames whose copy would not match the plane textures keep the frame path")
{
    SUBCASE("odd visible size")
    {
        VideoFrameLayout f = I420Frame(641, 360);
        CHECK(VideoUploadPathOf(VideoUploadMode::Auto, true, f) == VideoUploadPath::Frame);
    }
    SUBCASE("odd visible origin")
    {
        VideoFrameLayout f = I420Frame(640, 360);
        f.VisibleY = 1;
        CHECK(VideoUploadPathOf(VideoUploadMode::Auto, true, f) == VideoUploadPath::Frame);
    }
    SUBCASE("non-square pixels")
    {
        VideoFrameLayout f = I420Frame(1440, 1080);
        f.DisplayWidth = 1920;
        CHECK(VideoUploadPathOf(VideoUploadMode::Auto, true, f) == VideoUploadPath::Frame);
    }
    SUBCASE("an empty or negative rectangle")
    {
        CHECK(VideoUploadPathOf(VideoUploadMode::Planes, true, I420Frame(0, 0)) == VideoUploadPath::Frame);
        VideoFrameLayout f = I420Frame(640, 360);
        f.VisibleX = -2;
        CHECK(VideoUploadPathOf(VideoUploadMode::Planes, true, f) == VideoUploadPath::Frame);
    }
}

TEST_CASE("software renderers are told from GPU ones by their renderer string")
{
    CHECK(IsSoftwareGlRenderer("ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)"));
    CHECK(IsSoftwareGlRenderer("Google SwiftShader"));
    CHECK(IsSoftwareGlRenderer("llvmpipe (LLVM 15.0.6, 256 bits)"));
    CHECK(IsSoftwareGlRenderer("ANGLE (Microsoft, Microsoft Basic Render Driver Direct3D11 vs_5_0 ps_5_0)"));
    CHECK_FALSE(IsSoftwareGlRenderer("ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 ps_5_0, D3D11)"));
    CHECK_FALSE(IsSoftwareGlRenderer("Apple M1"));
    CHECK_FALSE(IsSoftwareGlRenderer("")); // unknown (no WEBGL_debug_renderer_info): the frame path
}

TEST_CASE("the I420 buffer holds Y and two half-size chroma planes")
{
    CHECK(I420Bytes(640, 360) == 640 * 360 * 3 / 2);
    CHECK(I420Bytes(3, 3) == 9 + 2 * 4);
    CHECK(I420Bytes(0, 360) == 0);
}
