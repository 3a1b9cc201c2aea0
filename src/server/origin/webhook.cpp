// Webhook POSTs: resolve, connect, write, read the status, log anything but 2xx; never retried.
#include "webhook.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cstdio>
#include <memory>

namespace livescope {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

int InFlight = 0; // the io_context's thread only

class WebhookPost : public std::enable_shared_from_this<WebhookPost>
{
public:
    WebhookPost(asio::io_context& io, const HttpUrl& url) : Resolver(io), Stream(io), Url(url) {}

    void Start(const std::string& secret, std::string body)
    {
        InFlight++;
        Request.method(http::verb::post);
        Request.target(Url.Target);
        Request.version(11);
        Request.set(http::field::host, Url.Host + ":" + Url.Port);
        Request.set(http::field::user_agent, "livescope-origin");
        Request.set(http::field::content_type, "application/json");
        Request.set("X-Livescope-Signature", WebhookSignature(secret, body));
        Request.keep_alive(false);
        Request.body() = std::move(body);
        Request.prepare_payload();
        Stream.expires_after(std::chrono::milliseconds(WebhookTimeoutMs));
        Resolver.async_resolve(Url.Host, Url.Port, [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type results) {
            if (ec)
                return self->Fail("resolve", ec);
            self->Stream.async_connect(results, [self](beast::error_code connect_ec, const tcp::endpoint&) {
                if (connect_ec)
                    return self->Fail("connect", connect_ec);
                http::async_write(self->Stream, self->Request, [self](beast::error_code write_ec, size_t) {
                    if (write_ec)
                        return self->Fail("write", write_ec);
                    http::async_read(self->Stream, self->Buffer, self->Response, [self](beast::error_code read_ec, size_t) {
                        if (read_ec)
                            return self->Fail("read", read_ec);
                        if (self->Response.result_int() / 100 != 2)
                            std::fprintf(stderr, "livescope-origin: webhook %s answered %u\n", self->Url.Target.c_str(), self->Response.result_int());
                        self->Done();
                    });
                });
            });
        });
    }

private:
    void Fail(const char* step, const beast::error_code& ec)
    {
        std::fprintf(stderr, "livescope-origin: webhook to %s:%s failed (%s: %s); not retried\n", Url.Host.c_str(), Url.Port.c_str(), step,
                     ec.message().c_str());
        Done();
    }

    void Done()
    {
        beast::error_code ignored;
        Stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        Stream.close();
        InFlight--;
    }

    tcp::resolver Resolver;
    beast::tcp_stream Stream;
    HttpUrl Url;
    http::request<http::string_body> Request;
    http::response<http::string_body> Response;
    beast::flat_buffer Buffer;
};

} // namespace

void PostWebhook(asio::io_context& io, const HttpUrl& url, const std::string& secret, std::string body)
{
    if (InFlight >= WebhookMaxInFlight)
    {
        std::fprintf(stderr, "livescope-origin: %d webhook POSTs in flight; dropping one\n", InFlight);
        return;
    }
    std::make_shared<WebhookPost>(io, url)->Start(secret, std::move(body));
}

} // namespace livescope
