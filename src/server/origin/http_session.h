// The origin's HTTP/1.1 connections (Boost.Beast): keep-alive reads, held requests on timers (no thread each), chunked
// streaming of a part while it is built, the /control/ gate (control.h) and the common (CORS) headers. What to answer
// comes from the SessionHost (the origin, which routes with router.h).
#pragma once
#include "router.h"

#include <utility> // Boost 1.74 asio/awaitable.hpp needs std::exchange under C++20

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace livescope {

// A request as the session holds it while it waits for media: re-evaluated on every ingest event until answered.
struct PendingRequest
{
    std::string Path;     // "/live/720p/index.m3u8"
    std::string Query;    // without '?'
    bool Head = false;
    bool Control = false; // a /control/ path: its responses carry no CORS headers
    bool KeepAlive = true;
    unsigned Version = 11;
    std::chrono::steady_clock::time_point Deadline;
};

// A session waiting for media; the host wakes it when media arrives (or the origin stops).
class HeldRequest
{
public:
    virtual ~HeldRequest() = default;
    virtual void Wake() = 0;
};

// What a session needs from the origin. Thread: all calls on the io_context's thread.
class SessionHost
{
public:
    virtual ~SessionHost() = default;
    // The answer to a request (routing and /control/ endpoints); timed_out: the hold deadline has passed.
    virtual RouteDecision Evaluate(const PendingRequest& request, bool timed_out) = 0;
    // Wake `waiter` on the next media event.
    virtual void AddWaiter(const std::shared_ptr<HeldRequest>& waiter) = 0;
    virtual double HoldTimeout() const = 0; // seconds
    // Bytes of a part from `offset` on (see LiveRendition::ReadPartBytes).
    virtual bool ReadPart(size_t rendition, uint64_t number, size_t offset, std::vector<uint8_t>& out, bool& complete) const = 0;
    virtual bool Stopping() const = 0;
    virtual const std::string& ControlToken() const = 0; // empty: control off
};

// Serves one accepted connection until it closes; the session keeps itself alive.
void StartHttpSession(boost::asio::ip::tcp::socket socket, std::shared_ptr<SessionHost> host);

} // namespace livescope
