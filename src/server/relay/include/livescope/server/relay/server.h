// RelayServer: the network edge of the relay. Boost.Beast WebSocket + /healthz on one port, single-threaded asio.
#pragma once
#include <livescope/server/relay/relay_core.h>

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace livescope {

struct RelayServerOptions
{
    std::string Host = "127.0.0.1";
    uint16_t Port = 0;                                  // 0: any free port
    std::vector<std::string> AllowOrigins;              // empty: any Origin, or none; else the Origin header must match one exactly
    size_t ReadMessageMax = 64 * 1024;                  // bytes; larger frames close the connection (1009). The codec caps at 4 KiB.
    size_t MaxQueuedFrames = 512;                       // frames; a client this far behind is dropped at once (slow consumer)
    size_t MaxQueuedBytes = size_t{1} << 20;            // bytes queued for one connection; beyond it: slow consumer
    size_t MaxQueuedBytesPerAddress = size_t{64} << 20; // bytes queued over all connections of one address
    int SocketSendBuffer = 0;                           // bytes, SO_SNDBUF of each client socket; 0: the system's (tests use a small one)
    std::vector<std::string> TrustedProxies;            // peers whose X-Forwarded-For names the client (--trust-proxy); empty: none
    RelayConfig Core;
    RoomLog* Log = nullptr; // the room log (not owned; outlives the server); null: no log (--no-log), the HTTP log endpoints answer 503.
                            // Its FirstCommentNumber replaces Core.FirstCommentNumber.
    RoomBus* Bus = nullptr; // scale-out: the bus shared with other nodes (not owned; outlives the server); null: in-process
};

class RelayServer
{
public:
    // Everything runs on `io`; call every member from the thread running it (Start may run before it starts).
    RelayServer(boost::asio::io_context& io, RelayServerOptions options);
    ~RelayServer();
    RelayServer(const RelayServer&) = delete;
    RelayServer& operator=(const RelayServer&) = delete;

    // Binds, listens and starts the tick. Returns false with `error` set when the address cannot be bound.
    bool Start(std::string& error);
    // The bound port (valid after Start).
    uint16_t Port() const;
    // Stops accepting, sends a close frame (1001 going away) to every client, then calls `done` once all are
    // closed or after `grace_ms`, whichever is first.
    void Shutdown(std::function<void()> done, int64_t grace_ms = 2000);
    // Counters of the core, plus open sockets.
    RelayStats Stats() const;

    struct Impl;

private:
    std::shared_ptr<Impl> State;
};

} // namespace livescope
