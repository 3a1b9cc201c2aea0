// A publisher's WebSocket connection (Boost.Beast): /ingest/<name>?token=<stream key> (or the key offered in
// Sec-WebSocket-Protocol); binary messages carry the media byte stream, piped to the broadcast's encoder with
// backpressure (the next message is read once the encoder took the last one). Admission is the origin's.
#pragma once
#include "http_session.h"

#include <utility> // Boost 1.74 asio/awaitable.hpp needs std::exchange under C++20

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>

#include <memory>

namespace livescope {

constexpr size_t IngestMessageMaxBytes = 4 * 1024 * 1024; // bytes, one WebSocket message of media

// Takes over a connection whose request `request` asked for a WebSocket upgrade to /ingest/<name>.
void StartIngestSession(boost::asio::ip::tcp::socket socket, boost::beast::http::request<boost::beast::http::empty_body> request,
                        std::shared_ptr<SessionHost> host);

} // namespace livescope
