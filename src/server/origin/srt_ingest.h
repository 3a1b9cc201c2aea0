// SRT ingest (libsrt): one UDP port for every publisher, `srt://HOST:PORT?streamid=<stream key>`. libsrt's listen
// callback checks the key and asks the origin to admit the publisher before the connection is accepted, so refusals
// happen at connect time with an SRT reject reason; accepted connections carry MPEG-TS (live mode) that is fed to the
// origin as a Publisher (http_session.h), on the io_context's thread, with a bounded backlog.
#pragma once
#include "http_session.h"

#include <utility> // Boost 1.74 asio/awaitable.hpp needs std::exchange under C++20

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace livescope {

constexpr size_t SrtBacklogMaxBytes = 4 * 1024 * 1024; // bytes received but not yet taken by the encoder, per connection
constexpr int SrtIdleTimeoutMs = 15000;                 // ms without media before a connected publisher is dropped
constexpr int SrtAdmitWaitMs = 1000;                    // ms the listen callback waits for the origin's answer
constexpr size_t SrtConnectionsMax = 64;                // SRT publisher connections at once (admitted or being admitted)

class SrtIngest
{
public:
    virtual ~SrtIngest() = default;
    virtual uint16_t Port() const = 0; // the UDP port listened on
    // Closes the listener and every connection and joins the SRT thread. Thread: the io_context's.
    virtual void Stop() = 0;
};

// Listens on `address`:`port` (0 = pick a free one). Thread: the io_context's; libsrt's threads and one SRT thread of
// ours run beside it and reach the origin only by posting to `io`. nullptr with `error` set when it cannot listen.
std::unique_ptr<SrtIngest> StartSrtIngest(boost::asio::io_context& io, std::shared_ptr<SessionHost> host, const std::string& address,
                                          uint16_t port, const std::string& secret, std::string& error);

} // namespace livescope
