// Webhook POSTs (Boost.Beast HTTP client): fire and forget, one connection per event, bounded in time and in number.
#pragma once
#include <livescope/server/origin/broadcasts.h>

#include <utility> // Boost 1.74 asio/awaitable.hpp needs std::exchange under C++20

#include <boost/asio/io_context.hpp>

#include <string>

namespace livescope {

constexpr int WebhookTimeoutMs = 5000; // ms for one POST (resolve, connect, write, read)
constexpr int WebhookMaxInFlight = 64; // POSTs at once; past it an event is logged and dropped

// POSTs `body` (JSON) to `url` with X-Livescope-Signature: WebhookSignature(secret, body). Failures go to stderr.
void PostWebhook(boost::asio::io_context& io, const HttpUrl& url, const std::string& secret, std::string body);

} // namespace livescope
