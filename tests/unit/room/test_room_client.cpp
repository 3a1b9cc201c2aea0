// Tests of room_client.h: join on open, welcome resync without repeats, ping/pong, hearts and comments
// out, bad frames ignored, reconnect scheduling.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <livescope/room/room_client.h>

#include <livescope/protocol/messages.h>

using namespace livescope;

namespace {

Comment MakeComment(const std::string& id, const std::string& text, int64_t server_time = 1700000000000)
{
    Comment c;
    c.Id = id;
    c.Author = User{"u-" + id, "Guest " + id, "#00ff80"};
    c.Text = text;
    c.ServerTime = server_time;
    return c;
}

std::string WelcomeFrame(std::vector<Comment> history, int64_t live = 2)
{
    Welcome w;
    w.You = User{"me", "Guest 1", "#ff0000"};
    w.Counts = Viewers{live, live + 3};
    w.Comments = std::move(history);
    return EncodeServerMessage(w);
}

RoomClient Joined(std::vector<Comment> history = {})
{
    RoomClient c;
    RoomClientInit(c, RoomClientConfig{"lobby", "", "client-1", 5});
    REQUIRE(RoomClientWantsConnect(c, 0.0));
    RoomClientOnOpen(c);
    RoomClientOnFrame(c, WelcomeFrame(std::move(history)));
    return c;
}

std::vector<std::string> CommentIds(const std::vector<RoomUpdate>& updates)
{
    std::vector<std::string> ids;
    for (const RoomUpdate& u : updates)
        if (u.Kind == RoomUpdateKind::Comment) ids.push_back(u.Id);
    return ids;
}

} // namespace

TEST_SUITE_BEGIN("room/room_client");

TEST_CASE("opening the socket sends join with the room and client id")
{
    RoomClient c;
    RoomClientInit(c, RoomClientConfig{"lobby", "tok.sig", "client-1", 5});
    CHECK(RoomClientWantsConnect(c, 0.0));
    CHECK_FALSE(RoomClientWantsConnect(c, 0.0)); // once
    RoomClientOnOpen(c);
    const std::vector<std::string> out = RoomClientTakeOutgoing(c);
    REQUIRE(out.size() == 1);
    const Decoded<ClientMessage> d = DecodeClientMessage(out[0]);
    REQUIRE(d.Ok());
    const Join* j = std::get_if<Join>(&d.Value);
    REQUIRE(j != nullptr);
    CHECK(j->Room == "lobby");
    CHECK(j->Token == std::optional<std::string>("tok.sig"));
    CHECK(j->ClientId == std::optional<std::string>("client-1"));
}

TEST_CASE("welcome gives identity, counts and the history as comments")
{
    RoomClient c = Joined({MakeComment("c1", "hello"), MakeComment("c2", "h\xC3\xA9llo @you")});
    CHECK(c.State == RoomConnState::Joined);
    const std::vector<RoomUpdate> u = RoomClientTakeUpdates(c);
    REQUIRE(u.size() == 4);
    CHECK(u[0].Kind == RoomUpdateKind::Welcome);
    CHECK(u[0].Author == "Guest 1");
    CHECK(u[0].AuthorRgb == 0xFF0000u);
    CHECK(u[1].Kind == RoomUpdateKind::Viewers);
    CHECK(u[1].Live == 2);
    CHECK(u[1].Total == 5);
    CHECK(u[2].Text == "hello");
    CHECK(u[2].AuthorRgb == 0x00FF80u);
    CHECK(u[3].Text == "h\xC3\xA9llo @you");
}

TEST_CASE("a resync welcome after a reconnect shows no comment twice")
{
    RoomClient c = Joined({MakeComment("c1", "one"), MakeComment("c2", "two")});
    RoomClientOnFrame(c, EncodeServerMessage(MakeComment("c3", "three")));
    CHECK(CommentIds(RoomClientTakeUpdates(c)) == std::vector<std::string>{"c1", "c2", "c3"});

    RoomClientOnClose(c, 10.0);
    CHECK(c.State == RoomConnState::Waiting);
    CHECK_FALSE(RoomClientWantsConnect(c, 10.0)); // not before the backoff delay
    CHECK(RoomClientWantsConnect(c, 10.0 + c.Backoff.MaxDelay));
    RoomClientOnOpen(c);
    // History now holds what was seen plus what was missed while away.
    RoomClientOnFrame(c, WelcomeFrame({MakeComment("c2", "two"), MakeComment("c3", "three"), MakeComment("c4", "four")}));
    CHECK(CommentIds(RoomClientTakeUpdates(c)) == std::vector<std::string>{"c4"});
    // The same comment arriving live again is dropped too.
    RoomClientOnFrame(c, EncodeServerMessage(MakeComment("c4", "four")));
    CHECK(CommentIds(RoomClientTakeUpdates(c)).empty());
}

TEST_CASE("a restarted relay that reuses comment ids still gets its new comments shown")
{
    RoomClient c = Joined({MakeComment("1", "old one", 1000), MakeComment("2", "old two", 2000)});
    RoomClientTakeUpdates(c);
    RoomClientOnClose(c, 5.0);
    REQUIRE(RoomClientWantsConnect(c, 100.0));
    RoomClientOnOpen(c);
    // The new process numbers from 1 again; its history holds one new comment.
    RoomClientOnFrame(c, WelcomeFrame({MakeComment("1", "new one", 9000)}));
    RoomClientOnFrame(c, EncodeServerMessage(MakeComment("2", "new two", 9500)));
    std::vector<std::string> texts;
    for (const RoomUpdate& u : RoomClientTakeUpdates(c))
        if (u.Kind == RoomUpdateKind::Comment) texts.push_back(u.Text);
    CHECK(texts == std::vector<std::string>{"new one", "new two"});
}

TEST_CASE("ping is answered with pong")
{
    RoomClient c = Joined();
    RoomClientTakeOutgoing(c);
    RoomClientOnFrame(c, EncodeServerMessage(Ping{}));
    const std::vector<std::string> out = RoomClientTakeOutgoing(c);
    REQUIRE(out.size() == 1);
    CHECK(nlohmann::json::parse(out[0]).at("type") == "pong");
}

TEST_CASE("hearts and comments go out only while joined; comments wait for welcome")
{
    RoomClient c;
    RoomClientInit(c, RoomClientConfig{"lobby", "", "", 1});
    RoomClientSendHearts(c, 3);
    RoomClientSendComment(c, "early question");
    CHECK(c.Outgoing.empty());
    REQUIRE(RoomClientWantsConnect(c, 0.0));
    RoomClientOnOpen(c);
    RoomClientOnFrame(c, WelcomeFrame({}));
    std::vector<std::string> out = RoomClientTakeOutgoing(c);
    REQUIRE(out.size() == 2); // join, then the queued comment
    CHECK(nlohmann::json::parse(out[1]).at("text") == "early question");

    RoomClientSendHearts(c, 250);
    out = RoomClientTakeOutgoing(c);
    REQUIRE(out.size() == 3); // 100 + 100 + 50: the protocol's per-message cap
    CHECK(nlohmann::json::parse(out[2]).at("count") == 50);
}

TEST_CASE("hearts windows become neutral colour counts")
{
    RoomClient c = Joined();
    RoomClientTakeUpdates(c);
    HeartsWindow w;
    w.WindowMs = 200;
    w.Counts = {HeartCount{"#112233", 4}, HeartCount{"#abcdef", 1}};
    RoomClientOnFrame(c, EncodeServerMessage(w));
    const std::vector<RoomUpdate> u = RoomClientTakeUpdates(c);
    REQUIRE(u.size() == 1);
    CHECK(u[0].Kind == RoomUpdateKind::Hearts);
    CHECK(u[0].WindowMs == 200.0);
    REQUIRE(u[0].Hearts.size() == 2);
    CHECK(u[0].Hearts[0].Rgb == 0x112233u);
    CHECK(u[0].Hearts[0].Count == 4u);
    CHECK(u[0].Hearts[1].Rgb == 0xABCDEFu);
}

TEST_CASE("malformed frames and messages before welcome are ignored")
{
    RoomClient c;
    RoomClientInit(c, RoomClientConfig{"lobby", "", "", 1});
    REQUIRE(RoomClientWantsConnect(c, 0.0));
    RoomClientOnOpen(c);
    RoomClientOnFrame(c, "{not json");
    RoomClientOnFrame(c, std::string("\xFF\xFE", 2));
    RoomClientOnFrame(c, "");
    RoomClientOnFrame(c, EncodeServerMessage(MakeComment("early", "x")));
    CHECK(c.BadFrames == 3);
    CHECK(RoomClientTakeUpdates(c).empty());
    RoomClientOnFrame(c, WelcomeFrame({MakeComment("early", "x")}));
    CHECK(CommentIds(RoomClientTakeUpdates(c)) == std::vector<std::string>{"early"});
}

TEST_CASE("presence of others, pins, deletes, mutes and errors become updates")
{
    RoomClient c = Joined();
    RoomClientTakeUpdates(c);
    RoomClientOnFrame(c, EncodeServerMessage(Presence{PresenceEvent::Joined, User{"me", "Guest 1", "#ff0000"}}));
    RoomClientOnFrame(c, EncodeServerMessage(Presence{PresenceEvent::Joined, User{"u9", "Ana", "#00ff00"}}));
    RoomClientOnFrame(c, EncodeServerMessage(Pinned{MakeComment("c7", "pinned?")}));
    RoomClientOnFrame(c, EncodeServerMessage(Deleted{"c7"}));
    RoomClientOnFrame(c, EncodeServerMessage(Muted{"u9"}));
    RoomClientOnFrame(c, EncodeServerMessage(ErrorMessage{ErrorCode::RateLimited, "slow down"}));
    const std::vector<RoomUpdate> u = RoomClientTakeUpdates(c);
    REQUIRE(u.size() == 5); // own presence is not shown
    CHECK(u[0].Kind == RoomUpdateKind::Presence);
    CHECK(u[0].Author == "Ana");
    CHECK(u[1].Kind == RoomUpdateKind::Pinned);
    CHECK(u[2].Kind == RoomUpdateKind::Deleted);
    CHECK(u[3].Kind == RoomUpdateKind::Muted);
    CHECK(u[4].Kind == RoomUpdateKind::Error);
    CHECK(u[4].Code == "rate_limited");
}

TEST_CASE("colours parse as #rrggbb, anything else falls back")
{
    CHECK(RoomParseColor("#FF3b5C", 0) == 0xFF3B5Cu);
    CHECK(RoomParseColor("FF3B5C", 7) == 7u);
    CHECK(RoomParseColor("#FF3B5", 7) == 7u);
    CHECK(RoomParseColor("#GG0000", 7) == 7u);
}

TEST_SUITE_END();
