// Unit tests for the relay's pure core: joins, fan-out, limits, tokens, moderation and the batching tick (no sockets).
#include <doctest/doctest.h>

#include "relay/relay_core.h"
#include "relay/token.h"

#include <map>
#include <string>
#include <vector>

using namespace livescope;

namespace
{
constexpr int64_t T0 = 1764000000000; // ms since the epoch

// Drives a RelayCore and sorts what it sends by connection, decoded.
struct Harness
{
    InProcessRoomBus Bus;
    RelayCore Core;
    std::map<ConnId, std::vector<ServerMessage>> Inbox;
    std::map<ConnId, int> FrameCount;
    std::vector<CloseRequest> Closes;

    explicit Harness(RelayConfig config = MakeConfig()) : Core(std::move(config), Bus) {}

    static RelayConfig MakeConfig()
    {
        RelayConfig c;
        c.Secret = "test-secret";
        c.Seed = 7;
        return c;
    }

    void Pump()
    {
        for (const Outgoing& o : Core.TakeOutgoing())
        {
            FrameCount[o.Conn]++;
            const auto decoded = DecodeServerFrame(*o.Frame);
            REQUIRE_MESSAGE(decoded.Ok(), *o.Frame);
            for (const ServerMessage& m : decoded.Value)
                Inbox[o.Conn].push_back(m);
        }
        for (CloseRequest& c : Core.TakeCloses())
            Closes.push_back(std::move(c));
    }

    void Send(ConnId id, const ClientMessage& m, int64_t now_ms)
    {
        Core.Receive(id, EncodeClientMessage(m), now_ms);
        Pump();
    }

    void Tick(int64_t now_ms)
    {
        Core.Tick(now_ms);
        Pump();
    }

    ConnId Joined(const std::string& room, std::optional<std::string> token = std::nullopt, int64_t now_ms = T0)
    {
        const ConnId id = Core.Open();
        Send(id, Join{room, std::move(token), std::nullopt}, now_ms);
        return id;
    }

    template <class T>
    std::vector<T> Taken(ConnId id)
    {
        std::vector<T> out;
        for (ServerMessage& m : Inbox[id])
            if (T* t = std::get_if<T>(&m))
                out.push_back(std::move(*t));
        std::erase_if(Inbox[id], [](const ServerMessage& m) { return std::holds_alternative<T>(m); });
        return out;
    }

    std::vector<ErrorCode> Errors(ConnId id)
    {
        std::vector<ErrorCode> codes;
        for (const ErrorMessage& e : Taken<ErrorMessage>(id))
            codes.push_back(e.Code);
        return codes;
    }

    std::string Broadcaster() const
    {
        return MintToken("test-secret", TokenClaims{"Host", Role::Broadcaster, T0 / 1000 + 3600, std::string("host"), std::nullopt});
    }
};
} // namespace

TEST_CASE("[relay_core] join answers with a welcome carrying a guest identity and counts")
{
    Harness h;
    const ConnId a = h.Joined("room1");
    const auto welcomes = h.Taken<Welcome>(a);
    REQUIRE(welcomes.size() == 1);
    const Welcome& w = welcomes[0];
    CHECK(w.You.Name.rfind("Guest ", 0) == 0);
    CHECK(IsValidColor(w.You.Color));
    CHECK(w.YourRole == Role::Viewer);
    CHECK(w.Counts == Viewers{1, 1});
    CHECK(w.Comments.empty());
    CHECK_FALSE(w.Pinned.has_value());
}

TEST_CASE("[relay_core] the same client id keeps its guest name across reconnects and counts once in total")
{
    Harness h;
    const ConnId a = h.Core.Open();
    h.Send(a, Join{"r", std::nullopt, std::string("browser-1")}, T0);
    const User first = h.Taken<Welcome>(a).at(0).You;
    h.Core.Close(a, T0 + 10);
    const ConnId b = h.Core.Open();
    h.Send(b, Join{"r", std::nullopt, std::string("browser-1")}, T0 + 20);
    const Welcome again = h.Taken<Welcome>(b).at(0);
    CHECK(again.You == first);
    CHECK(again.Counts == Viewers{1, 1});
}

TEST_CASE("[relay_core] two viewers see 2 live and a comment reaches the other exactly once")
{
    Harness h;
    const ConnId a = h.Joined("room1");
    const ConnId b = h.Joined("room1");
    CHECK(h.Taken<Welcome>(b).at(0).Counts.Live == 2);
    h.Tick(T0 + 200);
    CHECK(h.Taken<Viewers>(a).back() == Viewers{2, 2});
    h.Send(b, CommentPost{"hello", int64_t{T0 - 1500}}, T0 + 250);
    CHECK(h.Taken<Comment>(a).empty()); // batched: nothing until the tick
    h.Tick(T0 + 400);
    h.Tick(T0 + 600);
    const auto comments = h.Taken<Comment>(a);
    REQUIRE(comments.size() == 1);
    CHECK(comments[0].Text == "hello");
    CHECK(comments[0].StreamTime == int64_t{T0 - 1500});
    CHECK(comments[0].ServerTime == T0 + 250);
    CHECK(h.Taken<Comment>(b).size() == 1); // the sender sees it too, with its server id
}

TEST_CASE("[relay_core] late joiners get the last 50 comments in their welcome")
{
    RelayConfig config = Harness::MakeConfig();
    config.CommentRate = 1000;
    config.CommentBurst = 1000;
    Harness h(config);
    const ConnId a = h.Joined("r");
    for (int i = 0; i < 60; i++)
        h.Send(a, CommentPost{"c" + std::to_string(i), std::nullopt}, T0 + i);
    h.Tick(T0 + 200);
    const ConnId late = h.Joined("r", std::nullopt, T0 + 300);
    const Welcome w = h.Taken<Welcome>(late).at(0);
    REQUIRE(w.Comments.size() == 50);
    CHECK(w.Comments.front().Text == "c10");
    CHECK(w.Comments.back().Text == "c59");
}

TEST_CASE("[relay_core] comments are limited to a burst of 3 then 1 per second, with an error for the excess")
{
    Harness h;
    const ConnId a = h.Joined("r");
    for (int i = 0; i < 4; i++)
        h.Send(a, CommentPost{"spam", std::nullopt}, T0);
    CHECK(h.Errors(a) == std::vector<ErrorCode>{ErrorCode::RateLimited});
    h.Send(a, CommentPost{"later", std::nullopt}, T0 + 1000);
    CHECK(h.Errors(a).empty());
    CHECK(h.Core.Stats().CommentsAccepted == 4);
    CHECK(h.Closes.empty()); // an honest burst is never disconnected
}

TEST_CASE("[relay_core] hearts over 20 per second are counted, not broadcast, and aggregated per window")
{
    Harness h;
    const ConnId a = h.Joined("r");
    const ConnId b = h.Joined("r");
    h.Tick(T0 + 200);
    h.Inbox.clear();
    h.Send(a, HeartsTap{15}, T0 + 210);
    h.Send(a, HeartsTap{15}, T0 + 220);
    h.Send(b, HeartsTap{3}, T0 + 230);
    CHECK(h.Errors(a) == std::vector<ErrorCode>{ErrorCode::RateLimited});
    h.Tick(T0 + 400);
    const auto windows = h.Taken<HeartsWindow>(b);
    REQUIRE(windows.size() == 1);
    CHECK(windows[0].WindowMs == 200);
    int64_t total = 0;
    for (const HeartCount& c : windows[0].Counts)
        total += c.Count;
    CHECK(total == 20 + 3);
    CHECK(h.Core.Stats().HeartsExcess == 10);
}

TEST_CASE("[relay_core] each client gets at most one broadcast frame per tick, however busy the room")
{
    Harness h;
    std::vector<ConnId> conns;
    for (int i = 0; i < 100; i++)
        conns.push_back(h.Joined("busy"));
    h.Tick(T0 + 200);
    h.FrameCount.clear();
    h.Inbox.clear();
    for (ConnId c : conns)
    {
        h.Send(c, CommentPost{"hi", std::nullopt}, T0 + 250);
        h.Send(c, HeartsTap{5}, T0 + 260);
    }
    h.Tick(T0 + 400);
    for (ConnId c : conns)
        CHECK(h.FrameCount[c] == 1);
    CHECK(h.Taken<Comment>(conns[0]).size() == 50); // the rest wait for the next tick
    h.Tick(T0 + 600);
    for (ConnId c : conns)
        CHECK(h.FrameCount[c] == 2);
    CHECK(h.Taken<Comment>(conns[0]).size() == 50);
    CHECK(h.Core.Stats().CommentsDropped == 0);
}

TEST_CASE("[relay_core] a comment backlog beyond its cap drops the oldest and says how many")
{
    RelayConfig config = Harness::MakeConfig();
    config.MaxCommentsPerTick = 2;
    config.MaxCommentBacklog = 4;
    Harness h(config);
    std::vector<ConnId> conns;
    for (int i = 0; i < 6; i++)
        conns.push_back(h.Joined("r"));
    h.Tick(T0 + 200);
    for (int i = 0; i < 6; i++)
        h.Send(conns[static_cast<size_t>(i)], CommentPost{"n" + std::to_string(i), std::nullopt}, T0 + 210);
    h.Tick(T0 + 400);
    const auto first = h.Taken<Comment>(conns[0]);
    REQUIRE(first.size() == 2);
    CHECK(first[0].Text == "n2"); // n0, n1 dropped
    CHECK(h.Core.Stats().CommentsDropped == 2);
    h.Tick(T0 + 600);
    const auto second = h.Taken<Comment>(conns[0]);
    REQUIRE(second.size() == 2);
    CHECK(second[1].Text == "n5");
}

TEST_CASE("[relay_core] messages before join get not_joined and bad frames get their decode error")
{
    Harness h;
    const ConnId a = h.Core.Open();
    h.Send(a, CommentPost{"early", std::nullopt}, T0);
    CHECK(h.Errors(a) == std::vector<ErrorCode>{ErrorCode::NotJoined});
    h.Core.Receive(a, "{oops", T0);
    h.Core.Receive(a, R"({"type":"teleport","v":1})", T0);
    h.Pump();
    CHECK(h.Errors(a) == std::vector<ErrorCode>{ErrorCode::BadJson, ErrorCode::UnknownType});
    h.Send(a, Ping{}, T0);
    CHECK(h.Taken<Pong>(a).size() == 1);
}

TEST_CASE("[relay_core] a forged token is refused and the connection may still join as a guest")
{
    Harness h;
    const std::string forged = MintToken("wrong-secret", TokenClaims{"Mallory", Role::Broadcaster, T0 / 1000 + 60, std::nullopt, std::nullopt});
    const ConnId a = h.Joined("r", forged);
    CHECK(h.Errors(a) == std::vector<ErrorCode>{ErrorCode::BadToken});
    h.Send(a, Join{"r", std::nullopt, std::nullopt}, T0);
    CHECK(h.Taken<Welcome>(a).at(0).YourRole == Role::Viewer);
    const std::string expired = MintToken("test-secret", TokenClaims{"Old", Role::Viewer, T0 / 1000 - 1, std::nullopt, std::nullopt});
    const ConnId b = h.Joined("r", expired);
    CHECK(h.Errors(b) == std::vector<ErrorCode>{ErrorCode::BadToken});
}

TEST_CASE("[relay_core] only the broadcaster may pin, delete and mute")
{
    Harness h;
    const ConnId host = h.Joined("r", h.Broadcaster());
    const Welcome hw = h.Taken<Welcome>(host).at(0);
    CHECK(hw.YourRole == Role::Broadcaster);
    CHECK(hw.You.Name == "Host");
    const ConnId viewer = h.Joined("r");
    const User viewer_user = h.Taken<Welcome>(viewer).at(0).You;
    h.Send(viewer, CommentPost{"first", std::nullopt}, T0 + 10);
    h.Send(viewer, CommentPost{"second", std::nullopt}, T0 + 20);
    h.Tick(T0 + 200);
    const auto seen = h.Taken<Comment>(host);
    REQUIRE(seen.size() == 2);

    h.Send(viewer, PinRequest{seen[0].Id}, T0 + 210);
    h.Send(viewer, DeleteRequest{seen[0].Id}, T0 + 210);
    h.Send(viewer, MuteRequest{hw.You.Id}, T0 + 210);
    h.Send(viewer, UnpinRequest{}, T0 + 210);
    CHECK(h.Errors(viewer) == std::vector<ErrorCode>(4, ErrorCode::Forbidden));

    h.Send(host, PinRequest{seen[0].Id}, T0 + 220);
    h.Send(host, DeleteRequest{seen[1].Id}, T0 + 220);
    h.Send(host, PinRequest{"c-404"}, T0 + 220);
    CHECK(h.Errors(host) == std::vector<ErrorCode>{ErrorCode::NotFound});
    h.Tick(T0 + 400);
    const auto pins = h.Taken<Pinned>(viewer);
    REQUIRE(pins.size() == 1);
    CHECK(pins[0].Item.Text == "first");
    h.Inbox[viewer].clear();

    const ConnId late = h.Joined("r", std::nullopt, T0 + 450);
    const Welcome lw = h.Taken<Welcome>(late).at(0);
    REQUIRE(lw.Pinned.has_value());
    CHECK(lw.Pinned->Id == seen[0].Id);
    REQUIRE(lw.Comments.size() == 1); // "second" was deleted

    h.Send(host, MuteRequest{viewer_user.Id}, T0 + 500);
    h.Tick(T0 + 600);
    h.Send(viewer, CommentPost{"let me speak", std::nullopt}, T0 + 2700);
    CHECK(h.Errors(viewer) == std::vector<ErrorCode>{ErrorCode::Muted});
}

TEST_CASE("[relay_core] a flood far beyond honest rates closes the connection")
{
    Harness h;
    const ConnId a = h.Joined("r");
    for (int i = 0; i < 200; i++)
        h.Core.Receive(a, R"({"type":"ping","v":1})", T0);
    h.Pump();
    REQUIRE(h.Closes.size() >= 1);
    CHECK(h.Closes[0].Conn == a);
    CHECK(h.Closes[0].Code == 1008);
}

TEST_CASE("[relay_core] leaving lowers live but not total and tells the room")
{
    Harness h;
    const ConnId a = h.Joined("r");
    const ConnId b = h.Joined("r");
    h.Tick(T0 + 200);
    h.Inbox.clear();
    h.Core.Close(b, T0 + 250);
    h.Tick(T0 + 400);
    CHECK(h.Taken<Viewers>(a).empty()); // counts go out at most once per second
    CHECK(h.Taken<Presence>(a).at(0).Event == PresenceEvent::Left);
    h.Tick(T0 + 1200);
    CHECK(h.Taken<Viewers>(a).at(0) == Viewers{1, 2});
    h.Core.Close(b, T0 + 450); // twice: ignored
    CHECK(h.Core.Stats().Connections == 1);
}

TEST_CASE("[relay_core] rooms over the presence cap get no join lines")
{
    RelayConfig config = Harness::MakeConfig();
    config.PresenceMaxMembers = 3;
    Harness h(config);
    const ConnId a = h.Joined("r");
    h.Joined("r");
    h.Tick(T0 + 200);
    CHECK(h.Taken<Presence>(a).size() == 2);
    h.Joined("r");
    h.Joined("r");
    h.Tick(T0 + 400);
    CHECK(h.Taken<Presence>(a).empty());
}
