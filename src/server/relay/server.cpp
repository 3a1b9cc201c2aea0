// RelayServer implementation: accept, HTTP upgrade or /healthz, WebSocket sessions with bounded write queues, the tick.
// [SECTION] Sessions
// [SECTION] Server state
// [SECTION] HTTP
// [SECTION] RelayServer
#include <livescope/server/relay/server.h>
#include <livescope/server/relay/client_address.h>
#include <livescope/server/relay/room_log_http.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <unordered_map>

namespace livescope {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {
int64_t WallClockMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}
} // namespace

class WsSession;

//-----------------------------------------------------------------------------
// [SECTION] Server state
//-----------------------------------------------------------------------------

struct RelayServer::Impl : std::enable_shared_from_this<RelayServer::Impl>
{
    Impl(asio::io_context& io, RelayServerOptions options)
        : Io(io), Options(std::move(options)), Acceptor(io), AcceptRetry(io), TickTimer(io), GraceTimer(io), Core(Options.Core, Options.Bus ? *Options.Bus : LocalBus)
    {
        if (RoomLog* log = Options.Log)
            Core.EnableLog([log](const std::string& room) { return log->Restore(room); });
    }

    asio::io_context& Io;
    RelayServerOptions Options;
    tcp::acceptor Acceptor;
    asio::steady_timer AcceptRetry;
    asio::steady_timer TickTimer;
    asio::steady_timer GraceTimer;
    InProcessRoomBus LocalBus; // the bus unless Options.Bus names another
    RelayCore Core;
    std::unordered_map<ConnId, std::shared_ptr<WsSession>> Sessions;
    std::unordered_map<std::string, size_t> QueuedByAddress; // bytes queued for each address's connections
    std::unordered_map<std::string, size_t> PendingByPeer;   // connections still in HTTP (before any upgrade), per peer
    std::chrono::steady_clock::time_point NextTick;
    std::atomic<bool> TickPosted{false}; // adaptive tick: a Tick is posted after a bus wakeup
    std::chrono::steady_clock::time_point LastRun; // the last Tick (adaptive tick)
    static constexpr int64_t WakeGapMs = 5;        // ms; wakeups run at most one Tick per this: a Tick walks every room
    int64_t LastLogMs = 0;               // ms; the room log's last batch (one per TickMs at most)
    std::function<void()> ShutdownDone;
    bool ShuttingDown = false;
    uint16_t BoundPort = 0;

    void DoAccept();
    void ScheduleTick();
    void RunTick();
    void WakeTick();
    void ArmTick(std::chrono::steady_clock::time_point at);
    RoomBus& Bus() { return Options.Bus ? *Options.Bus : LocalBus; }
    void Flush();
    void AppendLog();
    void Register(const std::shared_ptr<WsSession>& session);
    void Unregister(ConnId id);
    bool OriginAllowed(std::string_view origin) const;
    void FinishShutdown();
};

//-----------------------------------------------------------------------------
// [SECTION] Sessions
//-----------------------------------------------------------------------------

class WsSession : public std::enable_shared_from_this<WsSession>
{
public:
    WsSession(tcp::socket socket, std::shared_ptr<RelayServer::Impl> server, ConnId id, std::string address)
        : Id(id), Ws(std::move(socket)), Server(std::move(server)), Address(std::move(address)), CloseTimer(Ws.get_executor())
    {
    }

    const ConnId Id;

    void Accept(http::request<http::string_body> request)
    {
        Ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
        Ws.set_option(websocket::stream_base::decorator([](websocket::response_type& res) { res.set(http::field::server, "livescope-relay"); }));
        Ws.read_message_max(Server->Options.ReadMessageMax);
        Ws.text(true);
        Ws.async_accept(request, [self = shared_from_this()](beast::error_code ec) {
            if (ec || self->Server->ShuttingDown)
            {
                self->Server->Core.Close(self->Id, WallClockMs()); // opened in the core before the handshake
                return;
            }
            self->Server->Register(self);
            self->DoRead();
        });
    }

    void Send(const std::shared_ptr<const std::string>& frame)
    {
        if (CloseWanted || Dead)
            return;
        const size_t bytes = frame->size();
        size_t& address_bytes = Server->QueuedByAddress[Address];
        if (Queue.size() >= Server->Options.MaxQueuedFrames || QueuedBytes + bytes > Server->Options.MaxQueuedBytes ||
            address_bytes + bytes > Server->Options.MaxQueuedBytesPerAddress)
        {
            Abort(); // slow consumer
            return;
        }
        Queue.push_back(frame);
        QueuedBytes += bytes;
        address_bytes += bytes;
        if (!Writing)
            DoWrite();
    }

    // Closes once the queued frames are written. `count_out`: the room forgets this connection now (viewer count,
    // budgets) rather than when the close handshake ends; the socket goes within CloseGraceMs either way.
    void Close(websocket::close_code code, std::string reason, bool count_out)
    {
        if (CloseWanted || Dead)
            return;
        CloseWanted = true;
        CloseReason = websocket::close_reason(code, reason);
        CloseTimer.expires_after(std::chrono::milliseconds(CloseGraceMs));
        CloseTimer.async_wait([self = shared_from_this()](beast::error_code ec) {
            if (!ec)
                self->Abort();
        });
        if (!Writing)
            DoClose();
        if (count_out)
            Server->Unregister(Id);
    }

    // Drops the connection at once, without a close handshake (a peer that does not read cannot take part in one),
    // and counts it out of its room.
    void Abort()
    {
        if (Dead)
            return;
        Dead = true;
        ReleaseQueue();
        CloseTimer.cancel();
        beast::error_code ec;
        beast::get_lowest_layer(Ws).socket().shutdown(tcp::socket::shutdown_both, ec);
        beast::get_lowest_layer(Ws).socket().close(ec);
        Server->Unregister(Id);
    }

private:
    static constexpr int64_t CloseGraceMs = 5000; // ms a closing client has to finish the close handshake

    void ReleaseQueue()
    {
        const auto it = Server->QueuedByAddress.find(Address);
        if (it != Server->QueuedByAddress.end())
        {
            it->second -= std::min(it->second, QueuedBytes);
            if (it->second == 0)
                Server->QueuedByAddress.erase(it);
        }
        QueuedBytes = 0;
        Queue.clear();
    }

    void DoRead()
    {
        Ws.async_read(Buffer, [self = shared_from_this()](beast::error_code ec, size_t bytes) { self->OnRead(ec, bytes); });
    }

    void OnRead(beast::error_code ec, size_t bytes)
    {
        if (ec)
        {
            if (!Dead)
            {
                Dead = true;
                ReleaseQueue();
                CloseTimer.cancel();
            }
            Server->Unregister(Id);
            return;
        }
        if (!Dead && !CloseWanted)
        {
            const auto data = Buffer.cdata();
            const std::string_view text(static_cast<const char*>(data.data()), data.size());
            Server->Core.Receive(Id, text, WallClockMs());
        }
        Buffer.consume(bytes);
        Server->Flush();
        DoRead(); // after a close request too, so the close handshake completes
    }

    void DoWrite()
    {
        Writing = true;
        Ws.async_write(asio::buffer(*Queue.front()), [self = shared_from_this()](beast::error_code ec, size_t) {
            self->Writing = false;
            if (self->Dead)
                return; // the queue was released
            const size_t bytes = self->Queue.front()->size();
            self->Queue.pop_front();
            self->QueuedBytes -= bytes;
            if (auto it = self->Server->QueuedByAddress.find(self->Address); it != self->Server->QueuedByAddress.end())
            {
                it->second -= std::min(it->second, bytes);
                if (it->second == 0)
                    self->Server->QueuedByAddress.erase(it);
            }
            if (ec)
            {
                self->Dead = true;
                self->ReleaseQueue();
                self->CloseTimer.cancel();
                return;
            }
            if (!self->Queue.empty())
                self->DoWrite();
            else if (self->CloseWanted)
                self->DoClose();
        });
    }

    void DoClose()
    {
        if (Closing || Dead)
            return;
        Closing = true;
        Ws.async_close(CloseReason, [self = shared_from_this()](beast::error_code) {});
    }

    websocket::stream<beast::tcp_stream> Ws;
    beast::flat_buffer Buffer;
    std::deque<std::shared_ptr<const std::string>> Queue;
    std::shared_ptr<RelayServer::Impl> Server;
    std::string Address;    // client address key (budgets)
    size_t QueuedBytes = 0; // bytes in Queue
    asio::steady_timer CloseTimer;
    websocket::close_reason CloseReason;
    bool Writing = false;
    bool CloseWanted = false;
    bool Closing = false;
    bool Dead = false;
};

void RelayServer::Impl::Register(const std::shared_ptr<WsSession>& session)
{
    Sessions.emplace(session->Id, session);
}

void RelayServer::Impl::Unregister(ConnId id)
{
    const auto it = Sessions.find(id);
    if (it == Sessions.end())
        return;
    Sessions.erase(it);
    Core.Close(id, WallClockMs());
    if (ShuttingDown && Sessions.empty())
        FinishShutdown();
}

void RelayServer::Impl::Flush()
{
    for (const Outgoing& o : Core.TakeOutgoing())
    {
        const auto it = Sessions.find(o.Conn);
        if (it != Sessions.end())
        {
            const auto session = it->second; // Send may unregister it
            session->Send(o.Frame);
        }
    }
    for (const CloseRequest& c : Core.TakeCloses())
    {
        const auto it = Sessions.find(c.Conn);
        if (it != Sessions.end())
        {
            const auto session = it->second;
            session->Close(static_cast<websocket::close_code>(c.Code), c.Reason, true);
        }
    }
}

void RelayServer::Impl::AppendLog()
{
    // One transaction per tick with everything the tick applied (docs/relay.md "Room log": what a kill -9 can lose).
    std::vector<LogRecord> records = Core.TakeLogRecords();
    if (Options.Log && !records.empty())
        Options.Log->Append(records);
}

void RelayServer::Impl::RunTick()
{
    LastRun = std::chrono::steady_clock::now();
    const int64_t now = WallClockMs();
    Core.Tick(now);
    // The room log keeps its batches of one TickMs whatever the rooms' flush rate (one transaction each), except for
    // comments, votes and moderation: written before the frames that show them go out (a kill -9 loses none of them).
    if (!Options.Core.AdaptiveTick || Core.LogHasUrgent() || now - LastLogMs >= Options.Core.TickMs)
    {
        LastLogMs = now;
        AppendLog();
    }
    Flush();
    ScheduleTick();
}

void RelayServer::Impl::ScheduleTick()
{
    if (Options.Core.AdaptiveTick)
    {
        // The adaptive tick: wake when the first room is due (or TickMs after the last Tick, or the log's batch).
        const int64_t due = std::min(Core.NextTickMs(), LastLogMs + Options.Core.TickMs);
        ArmTick(std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max<int64_t>(0, due - WallClockMs())));
        return;
    }
    NextTick += std::chrono::milliseconds(Options.Core.TickMs);
    const auto now = std::chrono::steady_clock::now();
    if (NextTick < now)
        NextTick = now; // fell behind (a long stall): do not burst to catch up
    TickTimer.expires_at(NextTick);
    TickTimer.async_wait([self = shared_from_this()](beast::error_code ec) {
        if (ec || self->ShuttingDown)
            return;
        self->Core.Tick(WallClockMs());
        self->AppendLog(); // before the frames go out: what viewers see is in the log
        self->Flush();
        self->ScheduleTick();
    });
}

void RelayServer::Impl::ArmTick(std::chrono::steady_clock::time_point at)
{
    TickTimer.expires_at(at);
    TickTimer.async_wait([self = shared_from_this()](beast::error_code ec) {
        if (!ec && !self->ShuttingDown)
            self->RunTick();
    });
}

void RelayServer::Impl::WakeTick()
{
    const auto at = LastRun + std::chrono::milliseconds(WakeGapMs);
    if (std::chrono::steady_clock::now() >= at)
        RunTick();
    else if (TickTimer.expiry() > at)
        ArmTick(at);
}

bool RelayServer::Impl::OriginAllowed(std::string_view origin) const
{
    if (Options.AllowOrigins.empty())
        return true;
    for (const std::string& allowed : Options.AllowOrigins)
        if (!origin.empty() && origin == allowed)
            return true;
    return false;
}

void RelayServer::Impl::FinishShutdown()
{
    GraceTimer.cancel();
    if (ShutdownDone)
    {
        auto done = std::move(ShutdownDone);
        ShutdownDone = nullptr;
        done();
    }
}

//-----------------------------------------------------------------------------
// [SECTION] HTTP
//-----------------------------------------------------------------------------

namespace {
class HttpSession : public std::enable_shared_from_this<HttpSession>
{
public:
    // `peer`: the key this connection is counted under in PendingByPeer (empty: not counted).
    HttpSession(tcp::socket socket, std::shared_ptr<RelayServer::Impl> server, std::string peer)
        : Stream(std::move(socket)), Server(std::move(server)), Peer(std::move(peer))
    {
    }
    ~HttpSession()
    {
        if (Peer.empty())
            return;
        const auto it = Server->PendingByPeer.find(Peer);
        if (it != Server->PendingByPeer.end() && --it->second == 0)
            Server->PendingByPeer.erase(it);
    }
    HttpSession(const HttpSession&) = delete;
    HttpSession& operator=(const HttpSession&) = delete;

    void Run()
    {
        Parser.emplace();
        Parser->header_limit(8192);
        Parser->body_limit(4096);
        Stream.expires_after(std::chrono::seconds(15));
        http::async_read(Stream, Buffer, *Parser, [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
    }

private:
    void OnRead(beast::error_code ec)
    {
        if (ec)
            return;
        http::request<http::string_body> request = Parser->release();
        if (websocket::is_upgrade(request))
        {
            const auto origin = request[http::field::origin];
            if (!Server->OriginAllowed(std::string_view(origin.data(), origin.size())))
            {
                Respond(request, http::status::forbidden, "origin not allowed\n");
                return;
            }
            beast::error_code ec_peer;
            const auto peer = Stream.socket().remote_endpoint(ec_peer);
            const auto forwarded = request["X-Forwarded-For"];
            std::string address = ClientAddressKey(ec_peer ? std::string() : peer.address().to_string(),
                                                   std::string_view(forwarded.data(), forwarded.size()), Server->Options.TrustedProxies);
            const ConnId id = Server->Core.Open(address);
            if (id == 0)
            {
                Respond(request, http::status::too_many_requests, "too many connections from your network address\n");
                return;
            }
            Stream.expires_never();
            std::make_shared<WsSession>(Stream.release_socket(), Server, id, std::move(address))->Accept(std::move(request));
            return;
        }
        const std::string_view target(request.target().data(), request.target().size());
        if (IsRoomLogTarget(target))
        {
            AnswerLog(request, target);
            return;
        }
        if (request.method() == http::verb::get && request.target() == "/healthz")
        {
            // Scale-out: "degraded: <reason>" while the bus cannot reach the other nodes (this node still serves).
            std::string bus_health = Server->Options.Bus ? Server->Options.Bus->Health() : std::string();
            // A shared room log that cannot be written degrades the node too (it still serves; records are lost).
            const std::string log_health = Server->Options.Log ? Server->Options.Log->Health() : std::string();
            if (!log_health.empty())
                bus_health += (bus_health.empty() ? "" : "; ") + log_health;
            Respond(request, http::status::ok, bus_health.empty() ? "ok\n" : ("degraded: " + bus_health + "\n").c_str());
        }
        else
            Respond(request, http::status::not_found, "livescope-relay: WebSocket on any path, GET /healthz\n");
    }

    // GET /rooms/<room>/events|transcript (CORS *), OPTIONS (preflight), anything else 405.
    void AnswerLog(const http::request<http::string_body>& request, std::string_view target)
    {
        auto res = std::make_shared<http::response<http::string_body>>(http::status::ok, request.version());
        res->set(http::field::server, "livescope-relay");
        res->set(http::field::access_control_allow_origin, "*");
        res->set(http::field::cache_control, "no-cache");
        res->keep_alive(false);
        if (request.method() == http::verb::options)
        {
            res->result(http::status::no_content);
            res->set(http::field::access_control_allow_methods, "GET, OPTIONS");
            res->set(http::field::access_control_allow_headers, "Accept");
            res->set(http::field::access_control_max_age, "86400");
        }
        else if (request.method() != http::verb::get)
        {
            res->result(http::status::method_not_allowed);
            res->set(http::field::allow, "GET, OPTIONS");
            res->set(http::field::content_type, "application/json");
            res->body() = "{\"error\":\"the room log is read with GET\"}";
        }
        else
        {
            const auto accept = request[http::field::accept];
            RoomLogAnswer answer = AnswerRoomLog(target, std::string_view(accept.data(), accept.size()), Server->Options.Log);
            res->result(static_cast<http::status>(answer.Status));
            res->set(http::field::content_type, answer.ContentType);
            res->body() = std::move(answer.Body);
        }
        res->prepare_payload();
        http::async_write(Stream, *res, [self = shared_from_this(), res](beast::error_code, size_t) {
            beast::error_code ignored;
            self->Stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
        });
    }

    void Respond(const http::request<http::string_body>& request, http::status status, const char* body)
    {
        auto res = std::make_shared<http::response<http::string_body>>(status, request.version());
        res->set(http::field::server, "livescope-relay");
        res->set(http::field::content_type, "text/plain");
        res->keep_alive(false);
        res->body() = body;
        res->prepare_payload();
        http::async_write(Stream, *res, [self = shared_from_this(), res](beast::error_code, size_t) {
            beast::error_code ignored;
            self->Stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
        });
    }

    beast::tcp_stream Stream;
    beast::flat_buffer Buffer;
    std::optional<http::request_parser<http::string_body>> Parser;
    std::shared_ptr<RelayServer::Impl> Server;
    std::string Peer;
};
} // namespace

void RelayServer::Impl::DoAccept()
{
    Acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
        if (self->ShuttingDown || !self->Acceptor.is_open())
            return;
        if (ec)
        {
            // Out of descriptors or similar: back off instead of spinning.
            self->AcceptRetry.expires_after(std::chrono::milliseconds(50));
            self->AcceptRetry.async_wait([self](beast::error_code wait_ec) {
                if (!wait_ec)
                    self->DoAccept();
            });
            return;
        }
        beast::error_code opt_ec;
        socket.set_option(tcp::no_delay(true), opt_ec);
        if (self->Options.SocketSendBuffer > 0)
            socket.set_option(asio::socket_base::send_buffer_size(self->Options.SocketSendBuffer), opt_ec);
        // Connections that never send their request hold a socket for up to 15 s: at most MaxConnsPerAddress of
        // them per peer (a trusted proxy carries everyone's, so it is not counted).
        std::string peer;
        const auto remote = socket.remote_endpoint(opt_ec);
        if (!opt_ec)
        {
            const std::string ip = remote.address().to_string();
            if (!IsTrustedProxy(ip, self->Options.TrustedProxies))
                peer = ClientAddressKey(ip, "", {});
        }
        if (!peer.empty())
        {
            size_t& pending = self->PendingByPeer[peer];
            if (pending >= self->Options.Core.MaxConnsPerAddress)
            {
                socket.close(opt_ec);
                self->DoAccept();
                return;
            }
            pending++;
        }
        std::make_shared<HttpSession>(std::move(socket), self, std::move(peer))->Run();
        self->DoAccept();
    });
}

//-----------------------------------------------------------------------------
// [SECTION] RelayServer
//-----------------------------------------------------------------------------

namespace {
RelayServerOptions WithLog(RelayServerOptions options)
{
    if (options.Log)
        options.Core.FirstCommentNumber = options.Log->FirstCommentNumber();
    if (options.Bus && options.Bus->CommentNumberBase() != 0) // scale-out: this node's own block of comment ids
        options.Core.FirstCommentNumber = options.Bus->CommentNumberBase() + options.Core.FirstCommentNumber % 1000000000000ULL;
    return options;
}
} // namespace

RelayServer::RelayServer(asio::io_context& io, RelayServerOptions options) : State(std::make_shared<Impl>(io, WithLog(std::move(options)))) {}

RelayServer::~RelayServer()
{
    beast::error_code ec;
    State->ShuttingDown = true;
    State->Acceptor.close(ec);
    State->TickTimer.cancel();
    State->AcceptRetry.cancel();
    State->GraceTimer.cancel();
    if (State->Options.Core.AdaptiveTick)
        State->Bus().SetWakeup(nullptr);
    // Sessions and the state own each other while open; drop the sessions so their sockets close once the
    // io_context lets go of their handlers.
    State->Sessions.clear();
}

bool RelayServer::Start(std::string& error)
{
    beast::error_code ec;
    const auto address = asio::ip::make_address(State->Options.Host, ec);
    if (ec)
    {
        error = "bad --host " + State->Options.Host + ": " + ec.message();
        return false;
    }
    const tcp::endpoint endpoint(address, State->Options.Port);
    auto& acceptor = State->Acceptor;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec)
        acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec)
        acceptor.bind(endpoint, ec);
    if (!ec)
        acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
    {
        error = "cannot listen on " + State->Options.Host + ":" + std::to_string(State->Options.Port) + ": " + ec.message();
        return false;
    }
    State->BoundPort = acceptor.local_endpoint().port();
    State->NextTick = std::chrono::steady_clock::now();
    if (State->Options.Core.AdaptiveTick)
    {
        // Events (local or from other nodes) wake a Tick at once; TickPolicy decides which rooms flush.
        State->Bus().SetWakeup([weak = std::weak_ptr<Impl>(State), &io = State->Io] {
            auto self = weak.lock();
            if (!self || self->TickPosted.exchange(true))
                return;
            asio::post(io, [weak] {
                if (auto s = weak.lock(); s && !s->ShuttingDown)
                {
                    s->TickPosted = false;
                    s->WakeTick();
                }
            });
        });
    }
    State->DoAccept();
    State->ScheduleTick();
    return true;
}

uint16_t RelayServer::Port() const
{
    return State->BoundPort;
}

void RelayServer::Shutdown(std::function<void()> done, int64_t grace_ms)
{
    auto& s = *State;
    if (s.ShuttingDown)
        return;
    s.ShuttingDown = true;
    s.ShutdownDone = std::move(done);
    beast::error_code ec;
    s.Acceptor.close(ec);
    s.TickTimer.cancel();
    s.AcceptRetry.cancel();
    // A last tick: what was accepted since the previous one goes out and into the log.
    s.Core.Tick(WallClockMs(), true);
    s.Flush();
    s.AppendLog();
    if (s.Sessions.empty())
    {
        s.FinishShutdown();
        return;
    }
    s.GraceTimer.expires_after(std::chrono::milliseconds(grace_ms));
    s.GraceTimer.async_wait([self = State](beast::error_code wait_ec) {
        if (!wait_ec)
            self->FinishShutdown();
    });
    const auto sessions = s.Sessions; // Close may not re-enter, but keep iteration safe
    for (const auto& [id, session] : sessions)
        session->Close(websocket::close_code::going_away, "relay shutting down", false);
}

RelayStats RelayServer::Stats() const
{
    return State->Core.Stats();
}

} // namespace livescope
