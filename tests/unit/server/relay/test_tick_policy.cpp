// Unit tests for the adaptive tick: the pure TickPolicy, RelayCore driven on a simulated clock as the edge
// drives it (a Tick at NextTickMs() or right after the bus's wakeup) beside the fixed 200 ms tick, and the live
// relay woken by its bus.
#include <doctest/doctest.h>

#include <livescope/server/relay/relay_core.h>
#include <livescope/server/relay/server.h>
#include <livescope/server/relay/tick_policy.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace livescope;

namespace {
constexpr int64_t T0 = 1764000000000; // ms since the epoch

// A RelayCore on a simulated millisecond clock, ticked the way server.cpp ticks it: with the fixed tick every
// TickMs; with the adaptive one at NextTickMs() and as soon as the bus wakes it.
struct Simulation
{
    InProcessRoomBus Bus;
    RelayCore Core;
    int64_t Now = T0; // ms
    bool Woken = false;
    std::map<ConnId, int64_t> Frames;             // broadcast frames received per connection (welcomes excluded)
    std::map<std::string, int64_t> SentAt;         // comment text -> ms it was posted
    std::vector<int64_t> Latencies;                // ms from post to another member's receipt, one per delivery
    int64_t HeartTaps = 0;                         // taps seen by the first member, in hearts windows
    ConnId Watcher = 0;                            // whose hearts are counted

    explicit Simulation(RelayConfig config) : Core(std::move(config), Bus)
    {
        Bus.SetWakeup([this] { Woken = true; });
    }

    static RelayConfig Config(bool adaptive)
    {
        RelayConfig c;
        c.Seed = 7;
        c.AdaptiveTick = adaptive;
        c.CommentRate = 1000; // the simulation's senders are not the subject: lift their budgets
        c.CommentBurst = 1000;
        c.AddressCommentRate = 1e6;
        c.AddressCommentBurst = 1e6;
        c.AddressJoinBurst = 1e6;
        c.MaxConnsPerAddress = 100000;
        return c;
    }

    void Take()
    {
        for (const Outgoing& o : Core.TakeOutgoing())
        {
            const auto decoded = DecodeServerFrame(*o.Frame);
            REQUIRE_MESSAGE(decoded.Ok(), *o.Frame);
            bool welcome = false;
            for (const ServerMessage& m : decoded.Value)
            {
                welcome = welcome || std::holds_alternative<Welcome>(m) || std::holds_alternative<ErrorMessage>(m);
                if (const Comment* c = std::get_if<Comment>(&m); c && SentAt.count(c->Text))
                    Latencies.push_back(Now - SentAt[c->Text]);
                if (const HeartsWindow* w = std::get_if<HeartsWindow>(&m); w && o.Conn == Watcher)
                    for (const HeartCount& hc : w->Counts)
                        HeartTaps += hc.Count;
            }
            if (!welcome)
                Frames[o.Conn]++;
        }
        Core.TakeCloses();
    }

    std::vector<ConnId> Join(const std::string& room, int members)
    {
        std::vector<ConnId> ids;
        for (int i = 0; i < members; i++)
        {
            const ConnId id = Core.Open();
            Core.Receive(id, EncodeClientMessage(livescope::Join{room, std::nullopt, std::nullopt}), Now);
            ids.push_back(id);
        }
        Take();
        return ids;
    }

    void Post(ConnId from, const std::string& text)
    {
        SentAt[text] = Now;
        Core.Receive(from, EncodeClientMessage(CommentPost{text, std::nullopt}), Now);
        Take();
    }

    void Tap(ConnId from, int64_t taps)
    {
        Core.Receive(from, EncodeClientMessage(HeartsTap{taps}), Now);
        Take();
    }

    // One simulated millisecond: the Tick the edge would run at this time, if any.
    void Step()
    {
        const bool adaptive = Core.Config().AdaptiveTick;
        if (Now >= Core.NextTickMs() || (adaptive && Woken))
        {
            Woken = false;
            Core.Tick(Now);
            Take();
        }
        Now++;
    }

    void RunFor(int64_t ms)
    {
        for (const int64_t end = Now + ms; Now < end;)
            Step();
    }

    int64_t WorstLatency() const { return Latencies.empty() ? -1 : *std::max_element(Latencies.begin(), Latencies.end()); }
};

// A room of 10 where one viewer posts once a second, 10 s, posts landing at varied offsets from the tick.
Simulation QuietRoom(bool adaptive)
{
    Simulation s(Simulation::Config(adaptive));
    const std::vector<ConnId> ids = s.Join("quiet", 10);
    s.RunFor(1500); // join presence and counts go out
    s.Latencies.clear();
    for (int i = 0; i < 10; i++)
    {
        s.Post(ids[0], "comment " + std::to_string(i));
        s.RunFor(1000 + 37); // 37: the next post lands elsewhere in the fixed tick's period
    }
    return s;
}
} // namespace

TEST_SUITE_BEGIN("relay/tick_policy");

TEST_CASE("a room with news and no frame for a while flushes at once, whatever its size")
{
    const TickLimits limits;
    for (const size_t members : {size_t(2), size_t(10), size_t(1000), size_t(100000)})
        CHECK(FlushAtMs(limits, members, T0, PendingOutput::Urgent, T0) <= T0 + 1000);
    CHECK(FlushAtMs(limits, 10, 0, PendingOutput::Urgent, T0) <= T0); // never flushed
}

TEST_CASE("a big room waits 100 ms after its last frame and a small one 25 ms")
{
    const TickLimits limits;
    CHECK(FlushAtMs(limits, 1000, T0, PendingOutput::Urgent, T0) == T0 + 100);
    CHECK(FlushAtMs(limits, 51, T0, PendingOutput::Urgent, T0) == T0 + 100);
    CHECK(FlushAtMs(limits, 50, T0, PendingOutput::Urgent, T0) == T0 + 25);
    CHECK(FlushAtMs(limits, 3, T0, PendingOutput::Urgent, T0) == T0 + 25);
    CHECK(FlushGapMs(limits, 1000) == 100); // 10 frames/s per client at most
}

TEST_CASE("hearts, presence and counts alone wait 200 ms after the last frame so taps keep aggregating")
{
    const TickLimits limits;
    CHECK(FlushAtMs(limits, 10, T0, PendingOutput::Lazy, T0) == T0 + 200);
    CHECK(FlushAtMs(limits, 1000, T0, PendingOutput::Lazy, T0 + 20) == T0 + 200);
    CHECK(FlushAtMs(limits, 10, T0, PendingOutput::None, T0) == NeverMs);
}

TEST_CASE("a lone heart in a room quiet for a while waits 50 ms so taps sent together share a frame")
{
    const TickLimits limits;
    CHECK(FlushAtMs(limits, 10, T0, PendingOutput::Lazy, T0 + 5000) == T0 + 5050);
    CHECK(FlushAtMs(limits, 10, 0, PendingOutput::Lazy, T0) == T0 + 50); // never flushed
    CHECK(FlushAtMs(limits, 10, T0, PendingOutput::Urgent, T0 + 5000) == T0 + 25); // a comment does not wait for it
}

TEST_CASE("a flush carries comments in proportion to the time since the last one, so a room shows at most 250 a second")
{
    CHECK(CommentsPerFlush(50, 200, 200) == 50);
    CHECK(CommentsPerFlush(50, 200, 100000) == 50);
    CHECK(CommentsPerFlush(50, 200, 100) == 25);
    CHECK(CommentsPerFlush(50, 200, 25) == 7); // rounded up
    CHECK(CommentsPerFlush(50, 200, 0) == 1);  // always at least one
    CHECK(CommentsPerFlush(0, 200, 100) == 0);
}

TEST_CASE("a comment in a small quiet room reaches the others at once, where the fixed tick holds it up to 200 ms")
{
    Simulation adaptive = QuietRoom(true);
    REQUIRE(adaptive.Latencies.size() == 100); // 10 comments to 10 members
    CHECK(adaptive.WorstLatency() <= 1);

    // The same room on the fixed 200 ms tick: the comment waits for the next tick.
    Simulation fixed = QuietRoom(false);
    REQUIRE(fixed.Latencies.size() == 100);
    CHECK(fixed.WorstLatency() > 100);
}

TEST_CASE("a big busy room sends each client at most 10 frames a second however often the relay ticks")
{
    Simulation s(Simulation::Config(true));
    const std::vector<ConnId> ids = s.Join("busy", 200);
    s.Watcher = ids[199];
    s.RunFor(1500);
    s.Frames.clear();
    s.Latencies.clear();
    int64_t taps = 0;
    int posted = 0;
    for (int ms = 0; ms < 2000; ms++)
    {
        if (ms % 10 == 0) // 100 comments/s, each waking the relay
        {
            s.Post(ids[static_cast<size_t>(posted % 100)], "busy " + std::to_string(posted));
            posted++;
        }
        if (ms % 5 == 0) // 200 hearts messages/s
        {
            s.Tap(ids[static_cast<size_t>(100 + ms % 50)], 1);
            taps++;
        }
        s.Step();
    }
    s.RunFor(300);
    REQUIRE(s.Frames.size() == ids.size());
    for (const auto& [conn, frames] : s.Frames)
        CHECK(frames <= 2 * 10 + 1); // 2 s (+1 for the drain after)
    CHECK(s.Latencies.size() == static_cast<size_t>(posted) * ids.size()); // every comment, to everyone
    CHECK(s.WorstLatency() <= 100);
    CHECK(s.HeartTaps == taps); // aggregated, none lost
}

TEST_CASE("a big room's comment backlog goes out 100 ms later, not a whole tick later")
{
    Simulation s(Simulation::Config(true));
    const std::vector<ConnId> ids = s.Join("backlog", 100);
    s.RunFor(1500);
    for (int i = 0; i < 60; i++)
        s.Core.Receive(ids[static_cast<size_t>(i)], EncodeClientMessage(CommentPost{"b" + std::to_string(i), std::nullopt}), s.Now);
    s.Core.Tick(s.Now);
    s.Take();
    CHECK(s.Core.NextTickMs() == s.Now + 100); // 50 went, 10 wait for the room's next frame
}

TEST_CASE("the last tick at shutdown flushes every room, due or not")
{
    Simulation s(Simulation::Config(true));
    const std::vector<ConnId> ids = s.Join("closing", 3);
    s.RunFor(1500);
    s.Post(ids[0], "first");
    s.Step(); // flushed at once
    s.Tap(ids[1], 3);
    s.Core.Tick(s.Now);
    s.Take();
    CHECK(s.HeartTaps == 0); // hearts alone wait
    s.Watcher = ids[2];
    s.Tap(ids[1], 2);
    s.Core.Tick(s.Now, true);
    s.Take();
    CHECK(s.HeartTaps == 5);
}

TEST_CASE("an event from another node arriving on the bus goes out at once, not at the next periodic tick")
{
    namespace asio = boost::asio;
    namespace beast = boost::beast;
    // The periodic tick is 5 s: only the bus's wakeup can bring the event within the 4 s this test waits.
    InProcessRoomBus bus;
    RelayServerOptions options;
    options.Host = "127.0.0.1";
    options.Port = 0;
    options.Core.TickMs = 5000;
    options.Bus = &bus;
    asio::io_context relay_io{1};
    std::optional<RelayServer> server;
    server.emplace(relay_io, options);
    std::string error;
    REQUIRE_MESSAGE(server->Start(error), error);
    std::thread thread([&] { relay_io.run(); });

    asio::io_context io{1};
    beast::websocket::stream<beast::tcp_stream> ws(io);
    beast::flat_buffer buffer;
    bool saw_welcome = false, saw_remote = false, failed = false;
    std::function<void()> read = [&] {
        ws.async_read(buffer, [&](beast::error_code ec, size_t) {
            if (ec)
            {
                failed = true;
                return;
            }
            const std::string text = beast::buffers_to_string(buffer.data());
            buffer.consume(buffer.size());
            if (text.find("\"welcome\"") != std::string::npos)
            {
                saw_welcome = true;
                asio::post(relay_io, [&bus] { // as the Redis driver delivers another node's comment
                    Comment c;
                    c.Id = "c-remote-1";
                    c.Text = "from node B";
                    c.Author = RelayCore::GuestFromSeed(99);
                    bus.Publish("woken", c);
                });
            }
            if (text.find("from node B") != std::string::npos)
                saw_remote = true;
            else
                read();
        });
    };
    ws.next_layer().async_connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), server->Port()), [&](beast::error_code ec) {
        if (ec)
            return void(failed = true);
        ws.async_handshake("127.0.0.1", "/ws", [&](beast::error_code hec) {
            if (hec)
                return void(failed = true);
            ws.text(true);
            ws.write(asio::buffer(EncodeClientMessage(Join{"woken", std::nullopt, std::nullopt})));
            read();
        });
    });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(4);
    while (!saw_remote && !failed && std::chrono::steady_clock::now() < deadline)
        io.run_one_for(std::chrono::milliseconds(50));
    CHECK(saw_welcome);
    CHECK(saw_remote);
    beast::error_code ignored;
    ws.next_layer().socket().close(ignored);
    asio::post(relay_io, [&] { server->Shutdown([&] { relay_io.stop(); }, 500); });
    thread.join();
}

TEST_SUITE_END();
