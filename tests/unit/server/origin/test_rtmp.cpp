// Tests for the origin's RTMP ingest rules (src/server/origin/rtmp.h): nginx.conf and argv, the puller's argv,
// nginx-rtmp callbacks, publish plans and update answers.
#include <livescope/server/origin/rtmp.h>

#include <livescope/server/common/token.h>

#include <doctest/doctest.h>

#include <algorithm>

using namespace livescope;

namespace {

const char* const Secret = "rtmp-test-secret-0123456789";
constexpr int64_t Now = 1'700'000'000; // s

std::string Key(const std::string& name, Role role = Role::Broadcaster, int64_t ttl = 600, const char* secret = Secret)
{
    TokenClaims claims;
    claims.Name = name;
    claims.UserRole = role;
    claims.ExpiresAt = Now + ttl;
    return MintToken(secret, claims);
}

NginxRtmpConfig Config()
{
    NginxRtmpConfig config;
    config.ModulePath = "/usr/lib/nginx/modules/ngx_rtmp_module.so";
    config.Dir = "/tmp/livescope-rtmp-Ab12_x";
    config.Host = "127.0.0.1";
    config.Port = 19350;
    config.CallbackUrl = "http://127.0.0.1:40000/rtmp/0123abcd";
    return config;
}

// The value after `option` in argv (empty when absent).
std::string ArgAfter(const std::vector<std::string>& args, const std::string& option)
{
    const auto it = std::find(args.begin(), args.end(), option);
    return it == args.end() || it + 1 == args.end() ? std::string() : *(it + 1);
}

bool Contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

RtmpCallback Publish(const std::string& key, const std::string& title = "")
{
    RtmpCallback callback;
    callback.Call = RtmpCall::Publish;
    callback.App = "live";
    callback.ClientId = "7";
    callback.Key = key;
    callback.Title = title;
    return callback;
}

} // namespace

TEST_SUITE_BEGIN("origin/rtmp");

TEST_CASE("nginx.conf loads the module, runs one foreground process with its files in the private folder, and has no http block")
{
    std::string text, error;
    REQUIRE(BuildNginxRtmpConfig(Config(), text, error));
    CHECK(text.rfind("# Generated", 0) == 0);
    CHECK(Contains(text, "load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;\n"));
    CHECK(Contains(text, "daemon off;\n"));
    CHECK(Contains(text, "master_process off;\n"));
    CHECK(Contains(text, "pid /tmp/livescope-rtmp-Ab12_x/nginx.pid;\n"));
    CHECK(Contains(text, "error_log /tmp/livescope-rtmp-Ab12_x/error.log warn;\n"));
    CHECK_FALSE(Contains(text, "http {"));
    CHECK(Contains(text, "listen 127.0.0.1:19350;\n"));
    CHECK(Contains(text, "application live {\n"));
    CHECK(Contains(text, "live on;\n"));
    // Players (the origin's puller) start at a video keyframe with audio alongside, so the encoder's probe sees both.
    CHECK(Contains(text, "wait_key on;\n"));
    CHECK(Contains(text, "wait_video on;\n"));
    // Braces balance: nothing was cut off or injected.
    CHECK(std::count(text.begin(), text.end(), '{') == std::count(text.begin(), text.end(), '}'));
}

TEST_CASE("nginx.conf sends every callback to the one secret URL and updates often enough to cut a dropped publisher")
{
    std::string text, error;
    REQUIRE(BuildNginxRtmpConfig(Config(), text, error));
    CHECK(Contains(text, "on_publish http://127.0.0.1:40000/rtmp/0123abcd;\n"));
    CHECK(Contains(text, "on_publish_done http://127.0.0.1:40000/rtmp/0123abcd;\n"));
    CHECK(Contains(text, "on_update http://127.0.0.1:40000/rtmp/0123abcd;\n"));
    CHECK(Contains(text, "notify_update_timeout " + std::to_string(RtmpUpdateS) + "s;\n"));
    CHECK(Contains(text, "drop_idle_publisher " + std::to_string(RtmpIdlePublisherS) + "s;\n"));
    CHECK(Contains(text, "timeout " + std::to_string(RtmpTimeoutS) + "s;\n"));
}

TEST_CASE("only the origin's own pullers may play: loopback, or the bound address when it is a specific one")
{
    std::string text, error;
    REQUIRE(BuildNginxRtmpConfig(Config(), text, error));
    CHECK(Contains(text, "allow play 127.0.0.1;\n"));
    CHECK(Contains(text, "deny play all;\n"));
    CHECK(text.find("allow play 127.0.0.1;") < text.find("deny play all;"));
    NginxRtmpConfig wildcard = Config();
    wildcard.Host = "0.0.0.0";
    REQUIRE(BuildNginxRtmpConfig(wildcard, text, error));
    CHECK(Contains(text, "listen 0.0.0.0:19350;\n"));
    CHECK_FALSE(Contains(text, "allow play 0.0.0.0;"));
    NginxRtmpConfig lan = Config();
    lan.Host = "192.168.1.20";
    REQUIRE(BuildNginxRtmpConfig(lan, text, error));
    CHECK(Contains(text, "allow play 192.168.1.20;\n"));
    NginxRtmpConfig v6 = Config();
    v6.Host = "::1";
    REQUIRE(BuildNginxRtmpConfig(v6, text, error));
    CHECK(Contains(text, "listen [::1]:19350;\n"));
}

TEST_CASE("a value that could end its directive or open a block is refused, not written")
{
    std::string text, error;
    NginxRtmpConfig bad = Config();
    bad.Dir = "/tmp/x; daemon on";
    CHECK_FALSE(BuildNginxRtmpConfig(bad, text, error));
    CHECK(Contains(error, "folder"));
    bad = Config();
    bad.ModulePath = "/m.so;}\nhttp {";
    CHECK_FALSE(BuildNginxRtmpConfig(bad, text, error));
    bad = Config();
    bad.CallbackUrl = "http://127.0.0.1:1/rtmp/a b";
    CHECK_FALSE(BuildNginxRtmpConfig(bad, text, error));
    bad = Config();
    bad.Dir = "";
    CHECK_FALSE(BuildNginxRtmpConfig(bad, text, error));
    bad = Config();
    bad.Port = 0;
    CHECK_FALSE(BuildNginxRtmpConfig(bad, text, error));
}

TEST_CASE("nginx runs the generated file with its prefix and early error log in the private folder")
{
    const std::vector<std::string> args = BuildNginxArgs("/usr/sbin/nginx", "/tmp/d");
    CHECK(args == std::vector<std::string>{"/usr/sbin/nginx", "-p", "/tmp/d/", "-e", "/tmp/d/error.log", "-c", "/tmp/d/nginx.conf"});
}

TEST_CASE("the puller plays the key from the local nginx and copies it as MPEG-TS to fd 3")
{
    const std::vector<std::string> args = BuildRtmpPullArgs("ffmpeg", "warning", "0.0.0.0", 19350, "abc.def");
    REQUIRE(args.size() > 4);
    CHECK(args.front() == "ffmpeg");
    CHECK(args.back() == "pipe:3");
    const auto at = [&](const std::string& option) { return ArgAfter(args, option); };
    CHECK(at("-i") == "rtmp://127.0.0.1:19350/live/abc.def");
    CHECK(at("-c") == "copy");
    CHECK(at("-f") == "mpegts");
    CHECK(at("-loglevel") == "warning");
    CHECK(std::find(args.begin(), args.end(), "-nostdin") != args.end());
    CHECK(ArgAfter(BuildRtmpPullArgs("ffmpeg", "error", "::", 1935, "k"), "-i") == "rtmp://[::1]:1935/live/k");
}

TEST_CASE("the puller writes once both tracks are found, without first reading frames to estimate the frame rate")
{
    // Its first bytes date the broadcast (capture_clock.h: the input-arrival anchor). ffmpeg's stream probe would
    // otherwise read 40 H.264 frames (capped by -analyzeduration: about 0.8 s of real-time media) before writing any,
    // and every RTMP broadcast's PROGRAM-DATE-TIME would run that far ahead of the clock.
    const std::vector<std::string> args = BuildRtmpPullArgs("ffmpeg", "warning", "127.0.0.1", 1935, "k");
    const auto input = std::find(args.begin(), args.end(), "-i");
    REQUIRE(input != args.end());
    const std::vector<std::string> input_options(args.begin(), input); // options before -i apply to the input
    CHECK(ArgAfter(input_options, "-fpsprobesize") == "0");
    // The bound stays for a stream that declares a track it never sends (video only, nginx's metadata naming audio).
    CHECK(ArgAfter(input_options, "-analyzeduration") == "1000000");
}

TEST_CASE("a one-track RTMP stream is dated the puller's whole probe before its first bytes; one with both tracks is not restamped")
{
    InputLayout both;
    both.LayoutKind = InputLayout::Kind::Known;
    both.Video = both.Audio = true;
    CHECK(RtmpMediaStartMs(1'800'000'000'000, both) == 0); // written at once: the arrival anchor stands
    InputLayout video_only = both;
    video_only.Audio = false;
    CHECK(RtmpMediaStartMs(1'800'000'000'000, video_only) == 1'800'000'000'000 - RtmpPullProbeMs);
    CHECK(RtmpPullProbeMs == 1000);
    CHECK(ArgAfter(BuildRtmpPullArgs("ffmpeg", "warning", "127.0.0.1", 1935, "k"), "-analyzeduration") == std::to_string(RtmpPullProbeMs * 1000));
    InputLayout audio_only = both;
    audio_only.Video = false;
    CHECK(RtmpMediaStartMs(1'800'000'000'000, audio_only) == 1'800'000'000'000 - RtmpPullProbeMs);
    // Not known yet, not readable, no track, or no arrival time: no stamp.
    CHECK(RtmpMediaStartMs(1'800'000'000'000, InputLayout{}) == 0);
    InputLayout unknown;
    unknown.LayoutKind = InputLayout::Kind::Unknown;
    unknown.Video = true;
    CHECK(RtmpMediaStartMs(1'800'000'000'000, unknown) == 0);
    InputLayout none = both;
    none.Video = none.Audio = false;
    CHECK(RtmpMediaStartMs(1'800'000'000'000, none) == 0);
    CHECK(RtmpMediaStartMs(0, video_only) == 0);
}

TEST_CASE("listen and local addresses bracket IPv6 and map wildcards to loopback")
{
    CHECK(RtmpListenAddress("127.0.0.1", 1935) == "127.0.0.1:1935");
    CHECK(RtmpListenAddress("::", 1935) == "[::]:1935");
    CHECK(RtmpListenAddress("[::1]", 1935) == "[::1]:1935");
    CHECK(RtmpLocalHost("0.0.0.0") == "127.0.0.1");
    CHECK(RtmpLocalHost("::") == "::1");
    CHECK(RtmpLocalHost("10.0.0.2") == "10.0.0.2");
}

TEST_CASE("only the exact secret callback path is authorized")
{
    CHECK(RtmpCallbackPath("s3cret") == "/rtmp/s3cret");
    CHECK(RtmpCallbackAuthorized("/rtmp/s3cret", "s3cret"));
    CHECK_FALSE(RtmpCallbackAuthorized("/rtmp/s3cre", "s3cret"));
    CHECK_FALSE(RtmpCallbackAuthorized("/rtmp/s3cret/", "s3cret"));
    CHECK_FALSE(RtmpCallbackAuthorized("/rtmp/s3cret?x=1", "s3cret"));
    CHECK_FALSE(RtmpCallbackAuthorized("/rtmp/", ""));
    CHECK_FALSE(RtmpCallbackAuthorized("", ""));
}

TEST_CASE("a publish callback is read as nginx writes it, with the publisher's title after the key")
{
    // A body as nginx-rtmp 1.2.2 sends it for "rtmp://host/live/KEY?title=My%20show".
    const RtmpCallback callback = ParseRtmpCallback(
        "app=live&flashver=FMLE/3.0%20(compatible%3B%20Lavf59.27&swfurl=&tcurl=rtmp://127.0.0.1:19350/live&pageurl=&addr=127.0.0.1"
        "&clientid=2&call=publish&name=KEYabc.def&type=live&title=My%20show");
    CHECK(callback.Call == RtmpCall::Publish);
    CHECK(callback.App == "live");
    CHECK(callback.ClientId == "2");
    CHECK(callback.Key == "KEYabc.def");
    CHECK(callback.Title == "My show");
    CHECK(callback.Address == "127.0.0.1");
    CHECK(ParseRtmpCallback("app=live&clientid=2&call=publish_done&name=K").Call == RtmpCall::PublishDone);
    CHECK(ParseRtmpCallback("app=live&clientid=2&call=update_publish&time=2&timestamp=1856&name=K").Call == RtmpCall::UpdatePublish);
    CHECK(ParseRtmpCallback("app=live&clientid=1&call=update_play&time=2&name=K").Call == RtmpCall::UpdatePlay);
    CHECK(ParseRtmpCallback("call=connect").Call == RtmpCall::Other);
    CHECK(ParseRtmpCallback("").Call == RtmpCall::Other);
}

TEST_CASE("arguments a publisher appends cannot override nginx's own fields")
{
    // "rtmp://host/live/KEY?name=other&call=update_play&clientid=9": nginx's fields come first and win.
    const RtmpCallback callback = ParseRtmpCallback("app=live&addr=10.0.0.9&clientid=3&call=publish&name=KEY&type=live&name=other&call=update_play&clientid=9");
    CHECK(callback.Call == RtmpCall::Publish);
    CHECK(callback.Key == "KEY");
    CHECK(callback.ClientId == "3");
}

TEST_CASE("a valid broadcaster key is planned for admission under its name, with the title")
{
    const std::string key = Key("alpha");
    const RtmpPublishPlan plan = PlanRtmpPublish(Secret, Publish(key, "Alpha & co"), Now);
    CHECK(plan.Status == 200);
    CHECK(plan.Broadcast == "alpha");
    CHECK(plan.Query == "token=" + key + "&title=Alpha%20%26%20co");
    CHECK(PlanRtmpPublish(Secret, Publish(key), Now).Query == "token=" + key);
}

TEST_CASE("a key with a room claim publishes that room")
{
    TokenClaims claims;
    claims.Name = "Host";
    claims.UserRole = Role::Broadcaster;
    claims.ExpiresAt = Now + 60;
    claims.Room = "show-1";
    const RtmpPublishPlan plan = PlanRtmpPublish(Secret, Publish(MintToken(Secret, claims)), Now);
    CHECK(plan.Status == 200);
    CHECK(plan.Broadcast == "show-1");
}

TEST_CASE("wrong, expired, missing and oversized keys are refused before admission")
{
    CHECK(PlanRtmpPublish(Secret, Publish(Key("alpha", Role::Broadcaster, 600, "another-secret-entirely")), Now).Status == 401);
    const RtmpPublishPlan expired = PlanRtmpPublish(Secret, Publish(Key("alpha", Role::Broadcaster, -10)), Now);
    CHECK(expired.Status == 401);
    CHECK(Contains(expired.Message, "stream key refused"));
    CHECK(PlanRtmpPublish(Secret, Publish("not-a-token"), Now).Status == 401);
    CHECK(PlanRtmpPublish(Secret, Publish(""), Now).Status == 401);
    CHECK(PlanRtmpPublish(Secret, Publish(std::string(RtmpKeyMaxBytes + 1, 'a')), Now).Status == 400);
    CHECK(PlanRtmpPublish("", Publish(Key("alpha")), Now).Status == 503);
    RtmpCallback other_app = Publish(Key("alpha"));
    other_app.App = "vod";
    CHECK(PlanRtmpPublish(Secret, other_app, Now).Status == 400);
    // A viewer's token verifies: its role is the admission's check (403 there), as for WebSocket ingest.
    CHECK(PlanRtmpPublish(Secret, Publish(Key("alpha", Role::Viewer)), Now).Status == 200);
}

TEST_CASE("updates cut unknown and dropped publishers and leave players alone")
{
    CHECK(RtmpUpdateStatus(RtmpCall::UpdatePublish, true, false) == 200);
    CHECK(RtmpUpdateStatus(RtmpCall::UpdatePublish, true, true) == 403);
    CHECK(RtmpUpdateStatus(RtmpCall::UpdatePublish, false, false) == 403);
    CHECK(RtmpUpdateStatus(RtmpCall::UpdatePlay, false, false) == 200);
    CHECK(RtmpUpdateStatus(RtmpCall::Other, false, false) == 200);
}

TEST_CASE("percent-encoding keeps unreserved characters and escapes the rest")
{
    CHECK(PercentEncode("aZ09-._~") == "aZ09-._~");
    CHECK(PercentEncode("a b&c=d/é") == "a%20b%26c%3Dd%2F%C3%A9");
    CHECK(PercentEncode("") == "");
}

TEST_SUITE_END();
