// Unit tests for limits across relay nodes: two RelayCores on the in-process twin of the Redis bus (InProcessBusHub)
// share a user's comment, heart and vote budgets, one vote per user per question, mutes and slow mode (also for a node
// that starts serving the room later); unlinked (Redis down), each node keeps its own limits.
#include <doctest/doctest.h>

#include <livescope/server/common/token.h>
#include <livescope/server/relay/relay_core.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

using namespace livescope;

namespace {
constexpr int64_t T0 = 1764000000000; // ms since the epoch

// One relay node: a RelayCore on one of the hub's buses, and what it sent, decoded.
struct Node
{
    RelayCore Core;
    std::map<ConnId, std::vector<ServerMessage>> Inbox;

    Node(RoomBus& bus, uint64_t seed) : Core(MakeConfig(seed), bus) {}

    static RelayConfig MakeConfig(uint64_t seed)
    {
        RelayConfig c;
        c.Secret = "test-secret";
        c.Seed = seed; // each node its own (as each process start)
        return c;
    }
    void Pump()
    {
        for (const Outgoing& o : Core.TakeOutgoing())
        {
            const auto decoded = DecodeServerFrame(*o.Frame);
            REQUIRE_MESSAGE(decoded.Ok(), *o.Frame);
            for (const ServerMessage& m : decoded.Value)
                Inbox[o.Conn].push_back(m);
        }
        Core.TakeCloses();
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
    ConnId JoinAs(Role role, const std::string& subject, int64_t now_ms = T0)
    {
        const ConnId id = Core.Open();
        Send(id, Join{"room", MintToken("test-secret", TokenClaims{subject, role, T0 / 1000 + 36000, subject, std::nullopt}), std::nullopt}, now_ms);
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
};

// Two nodes on one hub, each ticked as a relay would.
struct Cluster
{
    InProcessBusHub Hub{2};
    Node A{Hub.Node(0), 7};
    Node B{Hub.Node(1), 8};
    void Tick(int64_t now_ms)
    {
        A.Tick(now_ms);
        B.Tick(now_ms);
    }
};

CommentPost Say(const std::string& text, bool question = false)
{
    CommentPost p;
    p.Text = text;
    p.Question = question;
    return p;
}
} // namespace

TEST_SUITE_BEGIN("relay/limits_across_nodes");

TEST_CASE("a user's comment burst spent on node A is refused on node B")
{
    Cluster c;
    const ConnId on_a = c.A.JoinAs(Role::Viewer, "alice");
    const ConnId on_b = c.B.JoinAs(Role::Viewer, "alice");
    for (int i = 0; i < 3; i++) // the burst (3)
        c.A.Send(on_a, Say("a" + std::to_string(i)), T0 + 10);
    CHECK(c.A.Errors(on_a).empty());
    c.Tick(T0 + 200); // A reports its usage; B hears it
    c.B.Send(on_b, Say("b"), T0 + 210);
    CHECK(c.B.Errors(on_b) == std::vector<ErrorCode>{ErrorCode::RateLimited});
    CHECK(c.B.Core.Stats().CommentsAccepted == 0);
    // The shared budget refills at the shared rate (1 per second) on both nodes.
    c.Tick(T0 + 1300);
    c.B.Send(on_b, Say("b again"), T0 + 1310);
    CHECK(c.B.Errors(on_b).empty());
    c.Tick(T0 + 1500);
    c.A.Send(on_a, Say("a again"), T0 + 1510);
    CHECK(c.A.Errors(on_a) == std::vector<ErrorCode>{ErrorCode::RateLimited});
}

TEST_CASE("a user sending on two nodes at once gets the shared rate plus at most one burst per other node, not double")
{
    Cluster c;
    const ConnId on_a = c.A.JoinAs(Role::Viewer, "alice");
    const ConnId on_b = c.B.JoinAs(Role::Viewer, "alice");
    constexpr int64_t span_ms = 20000;
    // 5 comments per second on each node for 20 s (200 tries), ticks every 200 ms.
    for (int64_t t = 0; t < span_ms; t += 200)
    {
        c.A.Send(on_a, Say("a"), T0 + t + 10);
        c.B.Send(on_b, Say("b"), T0 + t + 110);
        c.Tick(T0 + t + 200);
    }
    const int64_t accepted = c.A.Core.Stats().CommentsAccepted + c.B.Core.Stats().CommentsAccepted;
    // Bound (docs/relay.md): burst + rate * span + (nodes - 1) * (burst + rate * one tick) = 3 + 20 + 3.2.
    CHECK(accepted <= 26);
    CHECK(accepted >= 20); // the shared rate still gets through
    // Each node alone would let 3 + 20 through: 46 in all.
}

TEST_CASE("with the nodes cut off from each other (Redis down) each node keeps its own limits")
{
    Cluster c;
    c.Hub.SetLinked(false);
    const ConnId on_a = c.A.JoinAs(Role::Viewer, "alice");
    const ConnId on_b = c.B.JoinAs(Role::Viewer, "alice");
    for (int i = 0; i < 4; i++)
        c.A.Send(on_a, Say("a"), T0 + 10);
    c.Tick(T0 + 200);
    for (int i = 0; i < 4; i++)
        c.B.Send(on_b, Say("b"), T0 + 210);
    CHECK(c.A.Core.Stats().CommentsAccepted == 3);
    CHECK(c.B.Core.Stats().CommentsAccepted == 3);
    CHECK(c.A.Errors(on_a) == std::vector<ErrorCode>{ErrorCode::RateLimited});
    CHECK(c.B.Errors(on_b) == std::vector<ErrorCode>{ErrorCode::RateLimited});
}

TEST_CASE("two connections of one user on one node share one budget")
{
    Cluster c;
    const ConnId first = c.A.JoinAs(Role::Viewer, "alice");
    const ConnId second = c.A.JoinAs(Role::Viewer, "alice");
    for (int i = 0; i < 3; i++)
        c.A.Send(first, Say("one"), T0 + 10);
    c.A.Send(second, Say("two"), T0 + 20);
    CHECK(c.A.Errors(second) == std::vector<ErrorCode>{ErrorCode::RateLimited});
    // Another user is not charged.
    const ConnId bob = c.A.JoinAs(Role::Viewer, "bob");
    c.A.Send(bob, Say("bob"), T0 + 30);
    CHECK(c.A.Errors(bob).empty());
}

TEST_CASE("hearts tapped on node A count against the same user's hearts on node B")
{
    Cluster c;
    const ConnId on_a = c.A.JoinAs(Role::Viewer, "alice");
    const ConnId on_b = c.B.JoinAs(Role::Viewer, "alice");
    c.A.Send(on_a, HeartsTap{20}, T0 + 10); // the whole burst (20)
    c.Tick(T0 + 200);
    c.B.Send(on_b, HeartsTap{20}, T0 + 210);
    // B's budget for alice was charged A's 20 taps at the tick: 10 ms of refill later, nothing is left.
    CHECK(c.B.Core.Stats().HeartsAccepted == 0);
    CHECK(c.B.Core.Stats().HeartsExcess == 20);
}

TEST_CASE("votes: the vote rate is shared across nodes and one user's vote on two nodes counts once")
{
    Cluster c;
    const ConnId host = c.A.JoinAs(Role::Broadcaster, "host");
    const ConnId on_a = c.A.JoinAs(Role::Viewer, "alice");
    const ConnId on_b = c.B.JoinAs(Role::Viewer, "alice");
    const ConnId watcher = c.B.JoinAs(Role::Viewer, "watcher");
    c.A.Send(host, Say("Where are you?", true), T0 + 10);
    c.Tick(T0 + 200);
    const auto boards = c.B.Taken<Board>(watcher);
    REQUIRE_FALSE(boards.empty());
    REQUIRE(boards.back().State.Open.size() == 1);
    const std::string question = boards.back().State.Open[0].Id;

    c.A.Send(on_a, VoteRequest{question, true}, T0 + 300);
    c.B.Send(on_b, VoteRequest{question, true}, T0 + 310);
    c.Tick(T0 + 400);
    c.Tick(T0 + 600);
    const auto on_b_boards = c.B.Taken<Board>(watcher);
    REQUIRE_FALSE(on_b_boards.empty());
    CHECK(on_b_boards.back().State.Open.at(0).Votes == 1);
    const auto on_a_boards = c.A.Taken<Board>(host);
    REQUIRE_FALSE(on_a_boards.empty());
    CHECK(on_a_boards.back().State.Open.at(0).Votes == 1);

    // The vote budget (burst 10) is shared: 10 votes on A (budget full again) leave none for B.
    c.Tick(T0 + 3000);
    for (int i = 0; i < 10; i++)
        c.A.Send(on_a, VoteRequest{question, i % 2 == 1}, T0 + 3010);
    CHECK(c.A.Core.Stats().VotesDropped == 0);
    c.Tick(T0 + 3200);
    c.B.Send(on_b, VoteRequest{question, false}, T0 + 3210);
    c.B.Send(on_b, VoteRequest{question, true}, T0 + 3210);
    CHECK(c.B.Core.Stats().VotesDropped == 2);
}

TEST_CASE("a mute set by the broadcaster on node A refuses the user's comments on node B")
{
    Cluster c;
    const ConnId host = c.A.JoinAs(Role::Broadcaster, "host");
    const ConnId on_b = c.B.JoinAs(Role::Viewer, "alice");
    c.A.Send(host, MuteRequest{"u-alice"}, T0 + 10);
    c.Tick(T0 + 200);
    c.B.Send(on_b, Say("still here?"), T0 + 210);
    CHECK(c.B.Errors(on_b) == std::vector<ErrorCode>{ErrorCode::Muted});
    CHECK(c.B.Core.Stats().CommentsAccepted == 0);
}

TEST_CASE("slow mode set on node A holds for a user commenting on both nodes")
{
    Cluster c;
    const ConnId host = c.A.JoinAs(Role::Broadcaster, "host");
    const ConnId on_a = c.A.JoinAs(Role::Viewer, "alice");
    const ConnId on_b = c.B.JoinAs(Role::Viewer, "alice");
    ModesRequest slow;
    slow.SlowS = 30;
    c.A.Send(host, slow, T0 + 10);
    c.Tick(T0 + 200);
    c.A.Send(on_a, Say("first"), T0 + 1000);
    CHECK(c.A.Errors(on_a).empty());
    c.Tick(T0 + 1200); // the comment reaches B
    c.B.Send(on_b, Say("second, on the other node"), T0 + 5000);
    CHECK(c.B.Errors(on_b) == std::vector<ErrorCode>{ErrorCode::SlowMode});
    c.Tick(T0 + 31200);
    c.B.Send(on_b, Say("after the slow period"), T0 + 31210);
    CHECK(c.B.Errors(on_b).empty());
}

TEST_CASE("a node that starts serving a room later learns its modes and mutes from the nodes already serving it")
{
    Cluster c;
    const ConnId host = c.A.JoinAs(Role::Broadcaster, "host");
    ModesRequest modes;
    modes.SlowS = 30;
    modes.BlockedWords = std::vector<std::string>{"spam"};
    c.A.Send(host, modes, T0 + 10);
    c.A.Send(host, MuteRequest{"u-alice"}, T0 + 20);
    c.Tick(T0 + 200); // B does not serve the room yet: it hears nothing of this
    const ConnId alice = c.B.JoinAs(Role::Viewer, "alice", T0 + 300); // B creates the room and asks
    const ConnId carol = c.B.JoinAs(Role::Viewer, "carol", T0 + 310);
    c.Tick(T0 + 400); // A answers
    c.Tick(T0 + 600); // B applies the answer (and sends its members the room's modes)
    const auto told = c.B.Taken<ModesChanged>(carol);
    REQUIRE(told.size() == 1);
    CHECK(told[0].Modes.SlowS == 30);
    c.B.Send(alice, Say("hello?"), T0 + 700);
    CHECK(c.B.Errors(alice) == std::vector<ErrorCode>{ErrorCode::Muted});
    c.B.Send(carol, Say("buy spam"), T0 + 710);
    CHECK(c.B.Errors(carol) == std::vector<ErrorCode>{ErrorCode::Blocked});
    c.B.Send(carol, Say("first"), T0 + 720);
    CHECK(c.B.Errors(carol).empty());
    c.B.Send(carol, Say("second"), T0 + 730);
    CHECK(c.B.Errors(carol) == std::vector<ErrorCode>{ErrorCode::SlowMode});
    // A's own members got no second modes message (the answer is for B only).
    c.Tick(T0 + 800);
    CHECK(c.A.Taken<ModesChanged>(host).size() == 1);
}
