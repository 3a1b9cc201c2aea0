// Tests for the origin's broadcast rules (src/server/origin/broadcasts.h): names, life, admission, path split, index,
// stream keys, webhook bodies and signatures, and the ended playlist.
#include <livescope/base/query.h>
#include <livescope/server/origin/broadcasts.h>
#include <livescope/server/origin/live_playlist.h>

#include <livescope/server/common/token.h>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace livescope;

namespace {

constexpr int64_t T0 = 1764000000000; // ms
const char* const Secret = "shared-secret-for-tests";

std::string Key(std::string name, Role role, int64_t expires_s, std::optional<std::string> room = std::nullopt)
{
    TokenClaims claims;
    claims.Name = std::move(name);
    claims.UserRole = role;
    claims.ExpiresAt = expires_s;
    claims.Room = std::move(room);
    return MintToken(Secret, claims);
}

} // namespace

TEST_SUITE_BEGIN("origin/broadcasts");

TEST_CASE("a name is 1 to 64 of a-z, 0-9 and '-'")
{
    CHECK(ValidBroadcastName("a"));
    CHECK(ValidBroadcastName("my-show-2"));
    CHECK(ValidBroadcastName(std::string(64, 'x')));
    CHECK_FALSE(ValidBroadcastName(""));
    CHECK_FALSE(ValidBroadcastName(std::string(65, 'x')));
    CHECK_FALSE(ValidBroadcastName("Show"));
    CHECK_FALSE(ValidBroadcastName("a_b"));
    CHECK_FALSE(ValidBroadcastName("a/b"));
    CHECK_FALSE(ValidBroadcastName("a.b"));
    CHECK_FALSE(ValidBroadcastName(".."));
}

TEST_CASE("a broadcast starts at the PROGRAM-DATE-TIME of its first part, so its stream times lie after its start")
{
    BroadcastLife life;
    life.PublisherConnected();
    CHECK(life.PartArrived(T0 + 1500, T0)); // the first part's frames were dated when their bytes arrived
    CHECK(life.StartedMs == T0);
    BroadcastLife future;
    future.PublisherConnected();
    CHECK(future.PartArrived(T0, T0 + 10)); // a PDT in the future is not a start time
    CHECK(future.StartedMs == T0);
}

TEST_CASE("live from the first part, stalled when the publisher drops, live again when it returns")
{
    BroadcastLife life;
    life.PublisherConnected();
    CHECK(life.Phase == BroadcastPhase::Starting);
    CHECK(life.PartArrived(T0));
    CHECK_FALSE(life.PartArrived(T0 + 100)); // announced once
    CHECK(life.Phase == BroadcastPhase::Live);
    CHECK(life.StartedMs == T0);
    CHECK_FALSE(life.PublisherGone(T0 + 5000));
    CHECK(life.Phase == BroadcastPhase::Stalled);
    CHECK(std::string(BroadcastStateName(life.Phase)) == "live");
    CHECK_FALSE(life.Expire(T0 + 5000 + 29999, 30000)); // within the grace
    life.PublisherConnected();
    CHECK(life.Phase == BroadcastPhase::Live);
    CHECK_FALSE(life.Expire(T0 + 100000, 30000)); // publishing: never expires
}

TEST_CASE("past the grace without a publisher the broadcast ends, once")
{
    BroadcastLife life;
    life.PublisherConnected();
    life.PartArrived(T0);
    life.PublisherGone(T0 + 1000);
    CHECK(life.Expire(T0 + 31000, 30000));
    CHECK(life.Phase == BroadcastPhase::Ended);
    CHECK(life.EndedMs == T0 + 31000);
    CHECK_FALSE(life.Expire(T0 + 99000, 30000));
    CHECK_FALSE(life.Active());
}

TEST_CASE("a publisher that leaves before the first part leaves nothing behind")
{
    BroadcastLife life;
    life.PublisherConnected();
    CHECK(life.PublisherGone(T0));
}

TEST_CASE("admission refuses bad names, a second publisher and more than the maximum; resumes a stalled one")
{
    CHECK(DecidePublish("Bad", nullptr, 0, 3) == PublishVerdict::BadName);
    CHECK(DecidePublish("a", nullptr, 0, 3) == PublishVerdict::Start);
    CHECK(DecidePublish("a", nullptr, 3, 3) == PublishVerdict::Full);
    BroadcastLife live;
    live.PublisherConnected();
    live.PartArrived(T0);
    CHECK(DecidePublish("a", &live, 3, 3) == PublishVerdict::Busy);
    live.PublisherGone(T0 + 1);
    CHECK(DecidePublish("a", &live, 3, 3) == PublishVerdict::Resume); // it counts already
    live.Expire(T0 + 60000, 30000);
    CHECK(DecidePublish("a", &live, 2, 3) == PublishVerdict::Start); // a new life
    CHECK(DecidePublish("a", &live, 3, 3) == PublishVerdict::Full);
    CHECK(PublishRefusal(PublishVerdict::Full, "a", 3).find("--max-broadcasts") != std::string::npos);
    CHECK(PublishRefusal(PublishVerdict::Busy, "a", 3).find("already has a publisher") != std::string::npos);
}

TEST_CASE("/live/ paths split into a broadcast and a single-broadcast path; the old paths are the demo's")
{
    LivePath p = SplitLivePath("/live/show/master.m3u8");
    CHECK(p.PathKind == LivePath::Kind::Broadcast);
    CHECK(p.Broadcast == "show");
    CHECK(p.Inner == "/live/master.m3u8");
    p = SplitLivePath("/live/show/720p/index.m3u8");
    CHECK(p.Broadcast == "show");
    CHECK(p.Inner == "/live/720p/index.m3u8");
    p = SplitLivePath("/live/show/360p/part-abc-12.m4s");
    CHECK(p.Inner == "/live/360p/part-abc-12.m4s");
    p = SplitLivePath("/live/master.m3u8");
    CHECK(p.Broadcast == "demo");
    CHECK(p.Inner == "/live/master.m3u8");
    p = SplitLivePath("/live/720p/index.m3u8");
    CHECK(p.Broadcast == "demo");
    CHECK(p.Inner == "/live/720p/index.m3u8");
    CHECK(SplitLivePath("/live/index.json").PathKind == LivePath::Kind::Index);
    CHECK(SplitLivePath("/healthz").PathKind == LivePath::Kind::Other);
    CHECK(SplitLivePath("/live/").PathKind == LivePath::Kind::Other);
    CHECK(SplitLivePath("/live//master.m3u8").PathKind == LivePath::Kind::Other);
    CHECK(SplitLivePath("/live/a/b/c/d").PathKind == LivePath::Kind::Other);
}

TEST_CASE("index.json lists live and ended broadcasts, not starting ones")
{
    std::vector<BroadcastSummary> list = {
        {"show", "My \"show\"", BroadcastPhase::Live, true, T0, 0, "", "", "copy"},
        {"old", "old", BroadcastPhase::Ended, false, T0, T0 + 60000, "20261124t141022z", "/vod/old/20261124t141022z/master.m3u8", "transcode"},
        {"soon", "soon", BroadcastPhase::Starting, true, 0, 0, "", "", ""},
        {"away", "away", BroadcastPhase::Stalled, false, T0, 0, "", "", ""},
    };
    const nlohmann::json index = nlohmann::json::parse(RenderBroadcastIndex(list));
    const auto& items = index["broadcasts"];
    REQUIRE(items.size() == 3);
    CHECK(items[0]["name"] == "show");
    CHECK(items[0]["title"] == "My \"show\"");
    CHECK(items[0]["state"] == "live");
    CHECK(items[0]["started_at"] == FormatProgramDateTime(T0));
    CHECK(items[0]["top"] == "copy"); // the top rendition's video path (a studio's H.264 copied)
    CHECK(items[1]["top"] == "transcode");
    CHECK_FALSE(items[2].contains("top")); // the demo's is not said
    CHECK_FALSE(items[0].contains("ended_at"));
    CHECK(items[0]["master"] == "/live/show/master.m3u8");
    CHECK(items[1]["state"] == "ended");
    CHECK(items[1]["ended_at"] == FormatProgramDateTime(T0 + 60000));
    CHECK(items[2]["state"] == "live");
    CHECK(items[2]["publishing"] == false);
}

TEST_CASE("a stream key is a broadcaster token for this broadcast, signed and not expired")
{
    const int64_t now = T0 / 1000;
    CHECK(CheckStreamKey(Secret, Key("show", Role::Broadcaster, now + 60), "show", now).Status == 200);
    CHECK(CheckStreamKey(Secret, Key("x", Role::Broadcaster, now + 60, "show"), "show", now).Status == 200); // room names it
    CHECK(CheckStreamKey(Secret, Key("show", Role::Broadcaster, now + 60, "other"), "show", now).Status == 403);
    CHECK(CheckStreamKey(Secret, Key("other", Role::Broadcaster, now + 60), "show", now).Status == 403);
    CHECK(CheckStreamKey(Secret, Key("show", Role::Viewer, now + 60), "show", now).Status == 403);
    const KeyCheck expired = CheckStreamKey(Secret, Key("show", Role::Broadcaster, now - 1), "show", now);
    CHECK(expired.Status == 401);
    CHECK(expired.Message.find("expired") != std::string::npos);
    CHECK(CheckStreamKey("another-secret", Key("show", Role::Broadcaster, now + 60), "show", now).Status == 401);
    CHECK(CheckStreamKey(Secret, "", "show", now).Status == 401);
    CHECK(CheckStreamKey(Secret, "garbage", "show", now).Status == 401);
    CHECK(CheckStreamKey("", Key("show", Role::Broadcaster, now + 60), "show", now).Status == 503);
}

TEST_CASE("the key comes from ?token= or from Sec-WebSocket-Protocol")
{
    std::string subprotocol;
    CHECK(FindStreamKey("title=x&token=abc.def", "", subprotocol) == "abc.def");
    CHECK(subprotocol.empty());
    CHECK(FindStreamKey("", "livescope-ingest, abc.def", subprotocol) == "abc.def");
    CHECK(subprotocol == "livescope-ingest");
    CHECK(FindStreamKey("", "abc.def", subprotocol) == "abc.def");
    CHECK(subprotocol == "abc.def");
    CHECK(FindStreamKey("", "", subprotocol).empty());
    CHECK(QueryValue("title=My%20show+now&x=1", "title") == "My show now");
    CHECK(QueryValue("title=%zz", "title").empty());
    CHECK(QueryValue("title=%4", "title").empty());
}

TEST_CASE("webhook bodies name the event and the broadcast; the signature is HMAC-SHA256 in hex")
{
    const BroadcastSummary ended{"show", "Show", BroadcastPhase::Ended, false, T0, T0 + 5000, "", "", ""};
    const nlohmann::json body = nlohmann::json::parse(WebhookBody("broadcast.ended", ended, T0 + 5000));
    CHECK(body["event"] == "broadcast.ended");
    CHECK(body["name"] == "show");
    CHECK(body["state"] == "ended");
    CHECK(body["ended_at"] == FormatProgramDateTime(T0 + 5000));
    // RFC 4231 test case 2.
    CHECK(WebhookSignature("Jefe", "what do ya want for nothing?") == "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("webhook URLs are http://host[:port][/path]")
{
    HttpUrl url;
    std::string error;
    REQUIRE(ParseHttpUrl("http://127.0.0.1:9000/hooks?x=1", url, error));
    CHECK(url.Host == "127.0.0.1");
    CHECK(url.Port == "9000");
    CHECK(url.Target == "/hooks?x=1");
    REQUIRE(ParseHttpUrl("http://example.invalid", url, error));
    CHECK(url.Port == "80");
    CHECK(url.Target == "/");
    REQUIRE(ParseHttpUrl("http://[::1]:81/h", url, error));
    CHECK(url.Host == "::1");
    CHECK(url.Port == "81");
    CHECK_FALSE(ParseHttpUrl("https://a/", url, error));
    CHECK_FALSE(ParseHttpUrl("http://a:x/", url, error));
    CHECK_FALSE(ParseHttpUrl("http://:80/", url, error));
}

TEST_CASE("an ended rendition ends its playlist, answers at once and takes nothing more")
{
    LiveRendition live;
    auto bytes = std::make_shared<const std::vector<uint8_t>>(10, uint8_t(1));
    live.SetInit(bytes, 1);
    for (int i = 0; i < 12; i++)
        live.AddPart(bytes, 0.2, i % 10 == 0, T0 + i * 200);
    const uint64_t next = live.NextPartNumber();
    CHECK(DecidePartRequest(live, next) == RequestVerdict::Hold);
    live.End();
    CHECK(live.Ended());
    const std::string playlist = RenderMediaPlaylist(live, "s", SkipMode::None, {});
    CHECK(playlist.find("#EXT-X-ENDLIST\n") != std::string::npos);
    CHECK(playlist.find("PRELOAD-HINT") == std::string::npos);
    CHECK(DecidePartRequest(live, next) == RequestVerdict::NotFound);
    PlaylistRequest ahead;
    ahead.HasMsn = true;
    ahead.Msn = 2;
    std::string reason;
    CHECK(DecidePlaylistRequest(live, ahead, reason) == RequestVerdict::Serve);
    CHECK(DecideSegmentRequest(live, 2) == RequestVerdict::NotFound);
    live.AddPart(bytes, 0.2, true, T0 + 99999);
    CHECK(live.NextPartNumber() == next);
}

TEST_SUITE_END();

TEST_CASE("index.json and the ended webhook carry the run id, epoch times and the replay once recorded")
{
    const std::vector<BroadcastSummary> list = {
        {"live", "Live", BroadcastPhase::Live, true, T0, 0, "run-1", "", ""},
        {"old", "Old", BroadcastPhase::Ended, false, T0, T0 + 60000, "run-2", "/vod/old/run-2/master.m3u8", ""},
    };
    const nlohmann::json index = nlohmann::json::parse(RenderBroadcastIndex(list));
    const auto& items = index["broadcasts"];
    REQUIRE(items.size() == 2);
    CHECK(items[0]["id"] == "run-1");
    CHECK(items[0]["started"] == T0);
    CHECK_FALSE(items[0].contains("ended"));
    CHECK_FALSE(items[0].contains("replay"));
    CHECK(items[1]["id"] == "run-2");
    CHECK(items[1]["ended"] == T0 + 60000);
    CHECK(items[1]["replay"] == "/vod/old/run-2/master.m3u8");
    const nlohmann::json ended = nlohmann::json::parse(WebhookBody("broadcast.ended", list[1], T0 + 60000));
    CHECK(ended["replay"] == "/vod/old/run-2/master.m3u8");
    CHECK(ended["id"] == "run-2");
    const nlohmann::json started = nlohmann::json::parse(WebhookBody("broadcast.started", list[0], T0));
    CHECK_FALSE(started.contains("replay"));
}
