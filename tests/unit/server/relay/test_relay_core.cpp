// Unit tests for the relay's pure core: joins, fan-out, limits, tokens, moderation and the batching tick (no sockets).
#include <doctest/doctest.h>

#include <livescope/server/relay/relay_core.h>
#include <livescope/server/common/token.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

using namespace livescope;

namespace {
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

    // A connection from `address` that joins `room` (0 when the address is refused).
    ConnId JoinedFrom(const std::string& address, const std::string& room, std::optional<std::string> client_id = std::nullopt,
                      int64_t now_ms = T0)
    {
        const ConnId id = Core.Open(address);
        if (id != 0)
            Send(id, Join{room, std::nullopt, std::move(client_id)}, now_ms);
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

TEST_SUITE_BEGIN("relay/relay_core");

TEST_CASE("join answers with a welcome carrying a guest identity and counts")
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

TEST_CASE("the same client id keeps its guest name across reconnects and counts once in total")
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

TEST_CASE("two viewers see 2 live and a comment reaches the other exactly once")
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

TEST_CASE("late joiners get the last 50 comments in their welcome")
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

TEST_CASE("comments are limited to a burst of 3 then 1 per second, with an error for the excess")
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

TEST_CASE("hearts over 20 per second are counted, not broadcast, and aggregated per window")
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

TEST_CASE("each client gets at most one broadcast frame per tick, however busy the room")
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

TEST_CASE("a comment backlog beyond its cap drops the oldest and says how many")
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

TEST_CASE("messages before join get not_joined and bad frames get their decode error")
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

TEST_CASE("a forged token is refused and the connection may still join as a guest")
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

TEST_CASE("only the broadcaster may pin, delete and mute")
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

TEST_CASE("a flood far beyond honest rates closes the connection")
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

TEST_CASE("leaving lowers live but not total and tells the room")
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

TEST_CASE("rooms over the presence cap get no join lines")
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

//-----------------------------------------------------------------------------
// Per-address budgets, room caps and mutes that survive a reconnect
//-----------------------------------------------------------------------------

TEST_CASE("one address with 1,000 connections, each within its own limit, cannot drown a room: all 12 honest comments get through")
{
    Harness h;
    const ConnId watcher = h.JoinedFrom("10.0.0.3", "stage");
    const ConnId honest = h.JoinedFrom("10.0.0.1", "stage");
    std::vector<ConnId> attackers;
    int refused = 0;
    for (int i = 0; i < 1000; i++)
    {
        const ConnId a = h.JoinedFrom("10.0.0.2", "stage");
        if (a == 0)
            refused++;
        else
            attackers.push_back(a);
    }
    CHECK(attackers.size() == h.Core.Config().MaxConnsPerAddress);
    CHECK(refused == 1000 - static_cast<int>(h.Core.Config().MaxConnsPerAddress));
    h.Inbox.clear();
    int honest_seen = 0;
    for (int64_t t = 0; t < 13000; t += 200)
    {
        if (t % 1000 == 0)
        {
            // Every attacking socket posts within its own 1 comment/s (3 at once first: its burst).
            for (const ConnId a : attackers)
                for (int k = 0; k < (t == 0 ? 3 : 1); k++)
                    h.Core.Receive(a, EncodeClientMessage(CommentPost{"spam", std::nullopt}), T0 + t);
            if (t < 12000)
                h.Core.Receive(honest, EncodeClientMessage(CommentPost{"honest " + std::to_string(t / 1000), std::nullopt}), T0 + t);
        }
        h.Core.Tick(T0 + t + 100);
        for (const Outgoing& o : h.Core.TakeOutgoing())
        {
            if (o.Conn != watcher)
                continue;
            for (const ServerMessage& m : DecodeServerFrame(*o.Frame).Value)
                if (const Comment* c = std::get_if<Comment>(&m); c && c->Text.rfind("honest ", 0) == 0)
                    honest_seen++;
        }
    }
    CHECK(honest_seen == 12);
    CHECK(h.Core.Stats().CommentsDropped == 0);
}

TEST_CASE("an address holds at most MaxConnsPerAddress connections and a closed one frees its slot")
{
    RelayConfig config = Harness::MakeConfig();
    config.MaxConnsPerAddress = 2;
    Harness h(config);
    const ConnId a = h.Core.Open("192.0.2.1");
    const ConnId b = h.Core.Open("192.0.2.1");
    CHECK(a != 0);
    CHECK(b != 0);
    CHECK(h.Core.Open("192.0.2.1") == 0);
    CHECK(h.Core.Open("192.0.2.9") != 0); // another address is not affected
    CHECK(h.Core.Stats().Refused == 1);
    h.Core.Close(a, T0);
    CHECK(h.Core.Open("192.0.2.1") != 0);
}

TEST_CASE("comments are budgeted per address, summed over all its connections")
{
    RelayConfig config = Harness::MakeConfig();
    config.AddressCommentBurst = 5;
    config.AddressCommentRate = 1;
    Harness h(config);
    std::vector<ConnId> conns;
    for (int i = 0; i < 10; i++)
        conns.push_back(h.JoinedFrom("198.51.100.7", "r"));
    const ConnId other = h.JoinedFrom("198.51.100.8", "r");
    int limited = 0;
    for (const ConnId c : conns)
    {
        h.Send(c, CommentPost{"hi", std::nullopt}, T0 + 10);
        limited += static_cast<int>(h.Errors(c).size());
    }
    CHECK(h.Core.Stats().CommentsAccepted == 5);
    CHECK(limited == 5);
    h.Send(other, CommentPost{"me too", std::nullopt}, T0 + 10);
    CHECK(h.Errors(other).empty());
    CHECK(h.Core.Stats().CommentsAccepted == 6);
}

TEST_CASE("hearts are budgeted per address, summed over all its connections")
{
    RelayConfig config = Harness::MakeConfig();
    config.AddressHeartBurst = 30;
    Harness h(config);
    for (int i = 0; i < 3; i++)
        h.Send(h.JoinedFrom("198.51.100.7", "r"), HeartsTap{20}, T0 + 10);
    CHECK(h.Core.Stats().HeartsAccepted == 30);
    CHECK(h.Core.Stats().HeartsExcess == 30);
}

TEST_CASE("joins are budgeted per address")
{
    RelayConfig config = Harness::MakeConfig();
    config.AddressJoinBurst = 2;
    config.AddressJoinRate = 1;
    Harness h(config);
    const ConnId a = h.JoinedFrom("203.0.113.5", "r");
    const ConnId b = h.JoinedFrom("203.0.113.5", "r");
    const ConnId c = h.JoinedFrom("203.0.113.5", "r");
    CHECK(h.Taken<Welcome>(a).size() == 1);
    CHECK(h.Taken<Welcome>(b).size() == 1);
    CHECK(h.Errors(c) == std::vector<ErrorCode>{ErrorCode::RateLimited});
    h.Send(c, Join{"r", std::nullopt, std::nullopt}, T0 + 1000); // a second later the budget has one more
    CHECK(h.Taken<Welcome>(c).size() == 1);
}

TEST_CASE("new rooms are capped per creating address and relay-wide")
{
    RelayConfig config = Harness::MakeConfig();
    config.MaxRoomsPerAddress = 3;
    config.MaxRooms = 5;
    Harness h(config);
    for (int i = 0; i < 3; i++)
        CHECK(h.Taken<Welcome>(h.JoinedFrom("203.0.113.1", "a" + std::to_string(i))).size() == 1);
    const ConnId fourth = h.JoinedFrom("203.0.113.1", "a3");
    CHECK(h.Errors(fourth) == std::vector<ErrorCode>{ErrorCode::RateLimited});
    CHECK(h.Taken<Welcome>(h.JoinedFrom("203.0.113.1", "a0")).size() == 1); // an existing room is always open
    CHECK(h.Taken<Welcome>(h.JoinedFrom("203.0.113.2", "b0")).size() == 1);
    CHECK(h.Taken<Welcome>(h.JoinedFrom("203.0.113.2", "b1")).size() == 1);
    const ConnId over = h.JoinedFrom("203.0.113.3", "c0");
    CHECK(h.Errors(over) == std::vector<ErrorCode>{ErrorCode::RateLimited});
    CHECK(h.Core.Stats().Rooms == 5);
}

TEST_CASE("10,000 rooms joined and left by one address never hold more than its room budget")
{
    Harness h;
    int64_t most = 0;
    int created = 0;
    for (int i = 0; i < 10000; i++)
    {
        const int64_t now = T0 + i * 60; // under the join budget's refill
        const ConnId c = h.Core.Open("203.0.113.66");
        h.Core.Receive(c, EncodeClientMessage(Join{"room-" + std::to_string(i), std::nullopt, std::nullopt}), now);
        for (const Outgoing& o : h.Core.TakeOutgoing())
            if (o.Frame->find("\"welcome\"") != std::string::npos)
                created++;
        most = std::max(most, h.Core.Stats().Rooms);
        h.Core.Close(c, now);
        if (i % 4 == 3)
            h.Core.Tick(now);
    }
    h.Core.Tick(T0 + 10000 * 60);
    CHECK(most <= static_cast<int64_t>(h.Core.Config().MaxRoomsPerAddress));
    CHECK(created == 10000); // empty rooms with nothing to keep go at the next tick, so the budget frees up
    CHECK(h.Core.Stats().Rooms == 0);
}

TEST_CASE("an empty room with history is kept EmptyRoomKeepMs, then dropped and its creator's budget freed")
{
    RelayConfig config = Harness::MakeConfig();
    config.MaxRoomsPerAddress = 1;
    Harness h(config);
    const ConnId a = h.JoinedFrom("203.0.113.1", "kept");
    h.Send(a, CommentPost{"remember me", std::nullopt}, T0 + 10);
    h.Tick(T0 + 200);
    h.Core.Close(a, T0 + 300);
    h.Tick(T0 + 400);
    CHECK(h.Core.Stats().Rooms == 1);
    const ConnId back = h.JoinedFrom("203.0.113.9", "kept", std::nullopt, T0 + 500);
    CHECK(h.Taken<Welcome>(back).at(0).Comments.size() == 1);
    h.Core.Close(back, T0 + 600);
    const ConnId blocked = h.JoinedFrom("203.0.113.1", "other", std::nullopt, T0 + 700);
    CHECK(h.Errors(blocked) == std::vector<ErrorCode>{ErrorCode::RateLimited});
    h.Tick(T0 + 600 + h.Core.Config().EmptyRoomKeepMs + 1);
    CHECK(h.Core.Stats().Rooms == 0);
    h.Send(blocked, Join{"other", std::nullopt, std::nullopt}, T0 + 700 + h.Core.Config().EmptyRoomKeepMs);
    CHECK(h.Taken<Welcome>(blocked).size() == 1);
}

TEST_CASE("a muted guest who reconnects without its client_id stays muted; other addresses still post")
{
    Harness h;
    const ConnId host = h.Core.Open("198.51.100.1");
    h.Send(host, Join{"r", h.Broadcaster(), std::nullopt}, T0);
    const ConnId troll = h.JoinedFrom("203.0.113.50", "r", std::string("browser-troll"));
    const User troll_user = h.Taken<Welcome>(troll).at(0).You;
    const ConnId fine = h.JoinedFrom("203.0.113.51", "r");
    h.Send(host, MuteRequest{troll_user.Id}, T0 + 100);
    h.Tick(T0 + 200);
    h.Core.Close(troll, T0 + 300);

    const ConnId again = h.JoinedFrom("203.0.113.50", "r", std::nullopt, T0 + 400); // a fresh guest id
    const User new_user = h.Taken<Welcome>(again).at(0).You;
    CHECK(new_user.Id != troll_user.Id);
    h.Send(again, CommentPost{"I'm back", std::nullopt}, T0 + 2000);
    CHECK(h.Errors(again) == std::vector<ErrorCode>{ErrorCode::Muted});
    h.Send(fine, CommentPost{"hello", std::nullopt}, T0 + 2000);
    CHECK(h.Errors(fine).empty());
    h.Tick(T0 + 2200);
    const auto seen = h.Taken<Comment>(host);
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].Text == "hello");
}

TEST_CASE("a muted signed user stays muted on a new connection from another address")
{
    Harness h;
    const ConnId host = h.Core.Open("198.51.100.1");
    h.Send(host, Join{"r", h.Broadcaster(), std::nullopt}, T0);
    const std::string token = MintToken("test-secret", TokenClaims{"Pat", Role::Viewer, T0 / 1000 + 3600, std::nullopt, std::nullopt});
    const ConnId pat = h.Core.Open("203.0.113.60");
    h.Send(pat, Join{"r", token, std::nullopt}, T0);
    const User pat_user = h.Taken<Welcome>(pat).at(0).You;
    h.Send(host, MuteRequest{pat_user.Id}, T0 + 100);
    h.Tick(T0 + 200);
    h.Core.Close(pat, T0 + 300);
    const ConnId elsewhere = h.Core.Open("192.0.2.77");
    h.Send(elsewhere, Join{"r", token, std::nullopt}, T0 + 400);
    h.Send(elsewhere, CommentPost{"new phone", std::nullopt}, T0 + 2000);
    CHECK(h.Errors(elsewhere) == std::vector<ErrorCode>{ErrorCode::Muted});
}

TEST_SUITE_END();
