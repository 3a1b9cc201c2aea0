// The origin's HTTP/1.1 connections (Boost.Beast): keep-alive reads, held requests on timers (no thread each), chunked
// streaming of a part while it is built, the /control/ gate (control.h) and the common (CORS) headers. What to answer
// comes from the SessionHost (the origin, which routes with router.h).
#pragma once
#include <livescope/server/origin/router.h>
#include <livescope/server/origin/encoder_args.h>

#include <utility> // Boost 1.74 asio/awaitable.hpp needs std::exchange under C++20

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace livescope {

// A request as the session holds it while it waits for media: re-evaluated on every ingest event until answered.
struct PendingRequest
{
    std::string Path;  // "/live/720p/index.m3u8"
    std::string Query; // without '?'
    bool Head = false;
    bool Control = false; // a /control/ path: its responses carry no CORS headers
    bool KeepAlive = true;
    bool Delete = false;       // DELETE /vod/<name>/<id> (recordings; the only DELETE taken)
    std::string Authorization; // its Authorization header (DELETE only)
    std::string Range;         // its Range header (GET/HEAD of /vod/ files: ApplyByteRange)
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

// A publisher's connection (ingest_session.h), as the origin sees it.
class Publisher
{
public:
    virtual ~Publisher() = default;
    // Closes the connection with a reason (the broadcast's encoder stopped, the origin stops).
    virtual void Kick(const std::string& reason) = 0;
};

// The origin's answer to a publisher's connect request.
struct IngestAdmission
{
    int Status = 101;        // 101: accepted (the WebSocket handshake proceeds); else the HTTP status of the refusal
    std::string Message;     // the refusal, one line
    std::string Subprotocol; // Sec-WebSocket-Protocol to answer with (empty: none)
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
    // Bytes of a part of broadcast `broadcast` from `offset` on (see LiveRendition::ReadPartBytes).
    virtual bool ReadPart(const std::string& broadcast, size_t rendition, uint64_t number, size_t offset, std::vector<uint8_t>& out,
                          bool& complete) const = 0;
    // Ingest: a publisher asks to publish `name` (key in the query or in `protocols`, the Sec-WebSocket-Protocol list).
    // When accepted, `publisher` is the broadcast's publisher from now on (PublisherGone ends that).
    virtual IngestAdmission AdmitPublisher(const std::string& name, const std::string& query, const std::string& protocols,
                                           const std::shared_ptr<Publisher>& publisher) = 0;
    // Media bytes from an admitted publisher; `done(true)` when the encoder took them (read more), `done(false)` when this
    // connection is no longer the broadcast's publisher. When the encoder dies, done is dropped and the origin kicks.
    virtual void PublisherBytes(const std::string& name, const Publisher* who, std::shared_ptr<const std::string> bytes,
                                std::function<void(bool ok)> done) = 0;
    // The publisher stamps its capture clock: media time 0 of its stream was captured at `capture_ms` (ms since the
    // epoch, the publisher's clock; capture_clock.h). Default: ignored (PDT from the origin's own clock).
    virtual void PublisherCaptureClock(const std::string& name, const Publisher* who, int64_t capture_ms)
    {
        (void)name, (void)who, (void)capture_ms;
    }
    // A livescope-frames publisher's stream starts: true to copy its video into the top rendition
    // (DecideTopRenditionCopy; the origin logs the path). Default: transcode.
    virtual bool PublisherCopyTop(const std::string& name, const Publisher* who, const TopCopyFacts& facts)
    {
        (void)name, (void)who, (void)facts;
        return false;
    }
    // livescope-frames: the first text message to an admitted publisher (IngestHelloMessage). Default: none.
    virtual std::string IngestHello() const { return {}; }
    // The publisher's connection closed.
    virtual void PublisherGone(const std::string& name, const Publisher* who) = 0;
    virtual bool Stopping() const = 0;
    virtual const std::string& ControlToken() const = 0; // empty: control off
};

// Serves one accepted connection until it closes; the session keeps itself alive. A WebSocket upgrade to
// /ingest/<name> is handed to StartIngestSession (ingest_session.h).
void StartHttpSession(boost::asio::ip::tcp::socket socket, std::shared_ptr<SessionHost> host);

} // namespace livescope
