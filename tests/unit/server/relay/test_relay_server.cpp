// Live relay tests: the relay runs in-process on an ephemeral 127.0.0.1 port; a Beast WebSocket client drives it.
// Every wait is bounded (a test that can hang is a bug).
#include <doctest/doctest.h>

#include <livescope/server/relay/server.h>
#include <livescope/server/common/token.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>

using namespace livescope;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace {
// The relay on its own thread; stopped (close frames, then io stop) on destruction.
struct LiveRelay
{
    asio::io_context Io{1};
    RelayServer Server;
    std::thread Thread;

    explicit LiveRelay(RelayServerOptions options = Options()) : Server(Io, std::move(options))
    {
        std::string error;
        REQUIRE_MESSAGE(Server.Start(error), error);
        Thread = std::thread([this] { Io.run(); });
    }
    ~LiveRelay()
    {
        asio::post(Io, [this] { Server.Shutdown([this] { Io.stop(); }, 1000); });
        Thread.join();
    }
    static RelayServerOptions Options()
    {
        RelayServerOptions o;
        o.Host = "127.0.0.1";
        o.Port = 0;
        o.Core.Secret = "live-secret";
        o.Core.Seed = 11;
        return o;
    }
};

// A WebSocket client whose every operation runs its own io_context for a bounded time.
class Client
{
public:
    // `receive_buffer`: bytes of SO_RCVBUF, 0 for the system's (a small one makes a slow consumer quickly).
    bool Connect(uint16_t port, const std::string& origin = std::string(), int receive_buffer = 0)
    {
        bool done = false;
        beast::error_code result;
        tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
        if (receive_buffer > 0)
        {
            beast::error_code ec;
            beast::get_lowest_layer(Ws).socket().open(tcp::v4(), ec);
            beast::get_lowest_layer(Ws).socket().set_option(asio::socket_base::receive_buffer_size(receive_buffer), ec);
        }
        beast::get_lowest_layer(Ws).async_connect(endpoint, [&](beast::error_code ec) {
            if (ec)
            {
                result = ec;
                done = true;
                return;
            }
            Ws.set_option(websocket::stream_base::decorator([origin](websocket::request_type& req) {
                if (!origin.empty())
                    req.set(http::field::origin, origin);
            }));
            Ws.async_handshake("127.0.0.1", "/ws", [&](beast::error_code hec) {
                result = hec;
                done = true;
            });
        });
        return Run(done, 5s) && !result;
    }

    bool Send(const std::string& text)
    {
        bool done = false;
        beast::error_code result;
        Ws.async_write(asio::buffer(text), [&](beast::error_code ec, size_t) {
            result = ec;
            done = true;
        });
        return Run(done, 5s) && !result;
    }

    bool Send(const ClientMessage& m) { return Send(EncodeClientMessage(m)); }

    // The next frame's messages, or nullopt on timeout or close (then Closed/CloseCode tell which).
    std::optional<std::vector<ServerMessage>> RecvFrame(std::chrono::milliseconds timeout = 5s)
    {
        bool done = false;
        beast::error_code result;
        Buffer.clear();
        Ws.async_read(Buffer, [&](beast::error_code ec, size_t) {
            result = ec;
            done = true;
        });
        if (!Run(done, timeout))
            return std::nullopt;
        if (result)
        {
            Closed = true;
            CloseCode = Ws.reason().code;
            return std::nullopt;
        }
        const auto decoded = DecodeServerFrame(beast::buffers_to_string(Buffer.data()));
        REQUIRE_MESSAGE(decoded.Ok(), beast::buffers_to_string(Buffer.data()));
        return decoded.Value;
    }

    // Reads until a message of type T passing `accept` arrives; every message read on the way is counted by `seen`.
    template <class T>
    std::optional<T> Await(std::function<bool(const T&)> accept = nullptr, std::function<void(const ServerMessage&)> seen = nullptr,
                           std::chrono::milliseconds timeout = 5s)
    {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline)
        {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            auto frame = RecvFrame(left);
            if (!frame)
                return std::nullopt;
            std::optional<T> found;
            for (ServerMessage& m : *frame)
            {
                if (seen)
                    seen(m);
                if (const T* t = std::get_if<T>(&m); t && !found && (!accept || accept(*t)))
                    found = *t;
            }
            if (found)
                return found;
        }
        return std::nullopt;
    }

    std::optional<ErrorCode> AwaitError()
    {
        const auto e = Await<ErrorMessage>();
        return e ? std::optional<ErrorCode>(e->Code) : std::nullopt;
    }

    std::optional<Welcome> JoinRoom(const std::string& room, std::optional<std::string> token = std::nullopt)
    {
        if (!Send(Join{room, std::move(token), std::nullopt}))
            return std::nullopt;
        return Await<Welcome>();
    }

    // Proves the connection still works: ping, then wait for pong.
    bool Alive()
    {
        return Send(Ping{}) && Await<Pong>().has_value();
    }

    bool Closed = false;
    uint16_t CloseCode = 0;

private:
    bool Run(bool& done, std::chrono::milliseconds timeout)
    {
        Io.restart();
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!done && std::chrono::steady_clock::now() < deadline)
            Io.run_one_for(deadline - std::chrono::steady_clock::now());
        if (done)
            return true;
        // Timed out: abort the pending operation and let its handler run (bounded).
        beast::error_code ec;
        beast::get_lowest_layer(Ws).socket().close(ec);
        Io.restart();
        Io.run_for(1s);
        return false;
    }

    asio::io_context Io{1};
    websocket::stream<beast::tcp_stream> Ws{Io};
    beast::flat_buffer Buffer;
};
} // namespace

TEST_SUITE_BEGIN("relay/relay_server");

TEST_CASE("two clients in one room see 2 viewers and a comment reaches the other exactly once")
{
    LiveRelay relay;
    Client a, b;
    REQUIRE(a.Connect(relay.Server.Port()));
    REQUIRE(b.Connect(relay.Server.Port()));
    REQUIRE(a.JoinRoom("stage").has_value());
    const auto wb = b.JoinRoom("stage");
    REQUIRE(wb.has_value());
    CHECK(wb->Counts.Live == 2);
    CHECK(a.Await<Viewers>([](const Viewers& v) { return v.Live == 2; }).has_value());

    REQUIRE(b.Send(CommentPost{"hello from b", int64_t{1764000000000}}));
    int hello_count = 0;
    auto count_hello = [&](const ServerMessage& m) {
        if (const Comment* c = std::get_if<Comment>(&m); c && c->Text == "hello from b")
            hello_count++;
    };
    const auto got = a.Await<Comment>([](const Comment& c) { return c.Text == "hello from b"; }, count_hello);
    REQUIRE(got.has_value());
    CHECK(got->StreamTime == int64_t{1764000000000});
    CHECK(got->Author == wb->You);
    // Let at least one more tick pass (a hearts window comes in a later frame), then a marker comment: everything
    // a saw up to it holds the first comment exactly once.
    REQUIRE(b.Send(HeartsTap{1}));
    REQUIRE(a.Await<HeartsWindow>(nullptr, count_hello).has_value());
    REQUIRE(b.Send(CommentPost{"marker", std::nullopt}));
    REQUIRE(a.Await<Comment>([](const Comment& c) { return c.Text == "marker"; }, count_hello).has_value());
    CHECK(hello_count == 1);
}

TEST_CASE("over-limit comments get rate_limited and the relay keeps serving others")
{
    LiveRelay relay;
    Client spammer, other;
    REQUIRE(spammer.Connect(relay.Server.Port()));
    REQUIRE(other.Connect(relay.Server.Port()));
    REQUIRE(spammer.JoinRoom("r").has_value());
    REQUIRE(other.JoinRoom("r").has_value());
    for (int i = 0; i < 4; i++)
        REQUIRE(spammer.Send(CommentPost{"spam " + std::to_string(i), std::nullopt}));
    CHECK(spammer.AwaitError() == ErrorCode::RateLimited);
    CHECK(spammer.Alive()); // an honest burst is not disconnected
    REQUIRE(other.Send(CommentPost{"still here", std::nullopt}));
    CHECK(other.Await<Comment>([](const Comment& c) { return c.Text == "still here"; }).has_value());
}

TEST_CASE("an oversize frame over 4 KiB gets too_large, over the read limit closes that client only")
{
    LiveRelay relay;
    Client big, huge, other;
    REQUIRE(big.Connect(relay.Server.Port()));
    REQUIRE(huge.Connect(relay.Server.Port()));
    REQUIRE(other.Connect(relay.Server.Port()));
    REQUIRE(other.JoinRoom("r").has_value());
    REQUIRE(big.Send("{\"type\":\"comment\",\"v\":1,\"text\":\"" + std::string(5000, 'x') + "\"}"));
    CHECK(big.AwaitError() == ErrorCode::TooLarge);
    CHECK(big.Alive());
    // The relay may close while this client is still writing the 200 KiB (a race the kernel decides): then
    // the write fails, which is the same outcome seen from the other side. Either way no frame comes back.
    const bool sent = huge.Send(std::string(200 * 1024, 'x'));
    CHECK_FALSE(huge.RecvFrame().has_value());
    if (sent)
    {
        CHECK(huge.Closed);
        CHECK(huge.CloseCode == static_cast<uint16_t>(websocket::close_code::too_big));
    }
    CHECK(other.Alive());
}

TEST_CASE("malformed JSON and unknown types get their errors; invalid UTF-8 text closes that client only")
{
    LiveRelay relay;
    Client c;
    REQUIRE(c.Connect(relay.Server.Port()));
    REQUIRE(c.Send("{\"type\":\"join\""));
    CHECK(c.AwaitError() == ErrorCode::BadJson);
    REQUIRE(c.Send("{\"type\":\"teleport\",\"v\":1}"));
    CHECK(c.AwaitError() == ErrorCode::UnknownType);
    CHECK(c.JoinRoom("r").has_value());
    // A text frame that is not UTF-8 breaks the WebSocket protocol itself: the relay closes with 1007.
    Client bad;
    REQUIRE(bad.Connect(relay.Server.Port()));
    REQUIRE(bad.Send("{\"type\":\"comment\",\"v\":1,\"text\":\"\xC3(\"}"));
    CHECK_FALSE(bad.RecvFrame().has_value());
    CHECK(bad.Closed);
    CHECK(bad.CloseCode == static_cast<uint16_t>(websocket::close_code::bad_payload));
    CHECK(c.Alive());
}

TEST_CASE("a forged token gets bad_token; a minted broadcaster token gets the role")
{
    LiveRelay relay;
    const int64_t exp = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count() + 600;
    Client forger, host;
    REQUIRE(forger.Connect(relay.Server.Port()));
    REQUIRE(forger.Send(Join{"r", MintToken("not-the-secret", TokenClaims{"Boss", Role::Broadcaster, exp, std::nullopt, std::nullopt}), std::nullopt}));
    CHECK(forger.AwaitError() == ErrorCode::BadToken);
    CHECK(forger.Alive());
    REQUIRE(host.Connect(relay.Server.Port()));
    const auto w = host.JoinRoom("r", MintToken("live-secret", TokenClaims{"Boss", Role::Broadcaster, exp, std::nullopt, std::nullopt}));
    REQUIRE(w.has_value());
    CHECK(w->YourRole == Role::Broadcaster);
    CHECK(w->You.Name == "Boss");
}

TEST_CASE("a moderation action by a non-broadcaster gets forbidden; the broadcaster's pin reaches viewers")
{
    LiveRelay relay;
    const int64_t exp = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count() + 600;
    Client host, viewer;
    REQUIRE(host.Connect(relay.Server.Port()));
    REQUIRE(viewer.Connect(relay.Server.Port()));
    REQUIRE(host.JoinRoom("r", MintToken("live-secret", TokenClaims{"Host", Role::Broadcaster, exp, std::nullopt, std::nullopt})).has_value());
    REQUIRE(viewer.JoinRoom("r").has_value());
    REQUIRE(viewer.Send(CommentPost{"question?", std::nullopt}));
    const auto comment = viewer.Await<Comment>();
    REQUIRE(comment.has_value());
    REQUIRE(viewer.Send(PinRequest{comment->Id}));
    CHECK(viewer.AwaitError() == ErrorCode::Forbidden);
    REQUIRE(viewer.Send(MuteRequest{"u-someone"}));
    CHECK(viewer.AwaitError() == ErrorCode::Forbidden);
    REQUIRE(host.Await<Comment>().has_value());
    REQUIRE(host.Send(PinRequest{comment->Id}));
    const auto pinned = viewer.Await<Pinned>();
    REQUIRE(pinned.has_value());
    CHECK(pinned->Item.Id == comment->Id);
}

TEST_CASE("the Origin allow-list refuses other origins at the handshake")
{
    RelayServerOptions options = LiveRelay::Options();
    options.AllowOrigins = {"http://127.0.0.1:8080"};
    LiveRelay relay(options);
    Client good, bad, none;
    CHECK(good.Connect(relay.Server.Port(), "http://127.0.0.1:8080"));
    CHECK_FALSE(bad.Connect(relay.Server.Port(), "http://evil.example"));
    CHECK_FALSE(none.Connect(relay.Server.Port()));
    CHECK(good.JoinRoom("r").has_value());
}

TEST_CASE("GET /healthz answers 200 on the WebSocket port")
{
    LiveRelay relay;
    asio::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(5s);
    beast::error_code ec;
    stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), relay.Server.Port()), ec);
    REQUIRE_FALSE(ec);
    http::request<http::empty_body> req(http::verb::get, "/healthz", 11);
    req.set(http::field::host, "127.0.0.1");
    http::write(stream, req, ec);
    REQUIRE_FALSE(ec);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res, ec); // the relay closes after answering; bounded by its 15 s read timeout at worst
    REQUIRE_FALSE(ec);
    CHECK(res.result() == http::status::ok);
}

TEST_CASE("shutdown sends every client a going-away close frame")
{
    Client c;
    {
        LiveRelay relay;
        REQUIRE(c.Connect(relay.Server.Port()));
        REQUIRE(c.JoinRoom("r").has_value());
    }
    for (int i = 0; i < 10 && c.RecvFrame(3s).has_value(); i++)
    {
        // frames queued before the close frame (counts, presence)
    }
    CHECK(c.Closed);
    CHECK(c.CloseCode == static_cast<uint16_t>(websocket::close_code::going_away));
}

TEST_CASE("a slow consumer the relay drops leaves the viewer count at once")
{
    RelayServerOptions options = LiveRelay::Options();
    options.MaxQueuedBytes = 64 * 1024;
    options.SocketSendBuffer = 8 * 1024;
    options.Core.ViewersEveryMs = 0;
    options.Core.CommentRate = options.Core.CommentBurst = 10000;
    options.Core.FrameRate = options.Core.FrameBurst = 10000;
    options.Core.AddressCommentRate = options.Core.AddressCommentBurst = 10000;
    LiveRelay relay(options);
    Client slow, watcher, speaker;
    REQUIRE(slow.Connect(relay.Server.Port(), std::string(), 4096));
    REQUIRE(slow.JoinRoom("r").has_value()); // then never reads again
    REQUIRE(watcher.Connect(relay.Server.Port()));
    REQUIRE(speaker.Connect(relay.Server.Port()));
    REQUIRE(watcher.JoinRoom("r").has_value());
    REQUIRE(speaker.JoinRoom("r").has_value());
    REQUIRE(watcher.Await<Viewers>([](const Viewers& v) { return v.Live == 3; }).has_value());

    std::string long_text;
    for (int i = 0; i < 280; i++)
        long_text += "\xF0\x9F\x98\x80"; // 1120 bytes
    bool counted_out = false;
    auto watch = [&](const ServerMessage& m) {
        if (const Viewers* v = std::get_if<Viewers>(&m); v && v->Live == 2)
            counted_out = true;
    };
    // Batches of 20 comments until the watcher sees 2 live; both readers drain each batch, so only `slow` lags.
    for (int batch = 0; batch < 200 && !counted_out; batch++)
    {
        const std::string last = "end of batch " + std::to_string(batch);
        for (int i = 0; i < 19; i++)
            REQUIRE(speaker.Send(CommentPost{long_text, std::nullopt}));
        REQUIRE(speaker.Send(CommentPost{last, std::nullopt}));
        REQUIRE(watcher.Await<Comment>([&](const Comment& c) { return c.Text == last; }, watch).has_value());
        REQUIRE(speaker.Await<Comment>([&](const Comment& c) { return c.Text == last; }).has_value());
    }
    if (!counted_out)
        counted_out = watcher.Await<Viewers>([](const Viewers& v) { return v.Live == 2; }).has_value();
    CHECK(counted_out);
    CHECK(watcher.Alive());
}

TEST_CASE("connections that never send their HTTP request are capped per address")
{
    RelayServerOptions options = LiveRelay::Options();
    options.Core.MaxConnsPerAddress = 2;
    LiveRelay relay(options);
    asio::io_context io;
    std::vector<tcp::socket> idle;
    for (int i = 0; i < 2; i++)
    {
        idle.emplace_back(io);
        beast::error_code ec;
        idle.back().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), relay.Server.Port()), ec);
        REQUIRE_FALSE(ec);
    }
    Client refused;
    CHECK_FALSE(refused.Connect(relay.Server.Port())); // closed at accept: two sockets of this address wait already
    for (tcp::socket& s : idle)
        s.close();
    // The relay notices the closed sockets on its own; retry (bounded) until a client gets in.
    bool joined = false;
    for (int attempt = 0; attempt < 200 && !joined; attempt++)
    {
        Client again;
        joined = again.Connect(relay.Server.Port()) && again.JoinRoom("r").has_value();
    }
    CHECK(joined);
}

TEST_SUITE_END();
