// The origin's HTTP/1.1 connections: reading, holding, streaming, the /control/ gate and the common headers.
#include "http_session.h"

#include <livescope/server/origin/control.h>
#include <livescope/server/origin/faults.h>
#include "ingest_session.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <ctime>
#include <optional>

namespace livescope {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// RFC 9110 IMF-fixdate, e.g. "Tue, 24 Nov 2026 14:18:51 GMT".
std::string HttpDate()
{
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char text[64];
    std::strftime(text, sizeof(text), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return text;
}

using Response = http::response<http::string_body>;

class HttpSession : public HeldRequest, public std::enable_shared_from_this<HttpSession>
{
public:
    HttpSession(tcp::socket socket, std::shared_ptr<SessionHost> host)
        : Stream(std::move(socket)), Host(std::move(host)), HoldTimer(Stream.get_executor())
    {
    }

    void Start() { DoRead(); }

    // Wakes a held request so it re-evaluates (called by the origin on new media).
    void Wake() override { HoldTimer.cancel(); }

private:
    void DoRead()
    {
        Parser.emplace();
        Parser->body_limit(64 * 1024);
        Stream.expires_after(std::chrono::seconds(120)); // idle keep-alive limit
        http::async_read(Stream, Buffer, *Parser, [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
    }

    void OnRead(beast::error_code ec)
    {
        if (ec)
        {
            Close();
            return;
        }
        Stream.expires_never();
        const auto& request = Parser->get();
        Pending = PendingRequest{};
        const std::string target(request.target());
        const size_t question = target.find('?');
        Pending.Path = target.substr(0, question);
        Pending.Query = question == std::string::npos ? std::string() : target.substr(question + 1);
        Pending.Head = request.method() == http::verb::head;
        if (Pending.Path.rfind("/vod/", 0) == 0) Pending.Range = std::string(request[http::field::range]);
        Pending.KeepAlive = request.keep_alive();
        Pending.Version = request.version();
        Pending.Deadline = Clock::now() + std::chrono::milliseconds(int64_t(Host->HoldTimeout() * 1000));
        Pending.Control = Pending.Path.rfind("/control/", 0) == 0;
        if (Pending.Path.rfind("/ingest/", 0) == 0)
        {
            if (websocket::is_upgrade(request))
            {
                StartIngestSession(Stream.release_socket(), Parser->release(), Host);
                return;
            }
            Response response{http::status::bad_request, Pending.Version};
            response.set(http::field::content_type, "text/plain");
            response.set(http::field::cache_control, "no-store");
            response.body() = "ingest takes a WebSocket: GET /ingest/<name>?token=<stream key> with Upgrade: websocket\n";
            Send(std::move(response));
            return;
        }
        if (Pending.Control)
        {
            const ControlMethod method = request.method() == http::verb::post      ? ControlMethod::Post
                                         : request.method() == http::verb::options ? ControlMethod::Options
                                                                                   : ControlMethod::Other;
            if (!GateControl(DecideControlAccess(Host->ControlToken(), method, request[http::field::authorization])))
                return;
            Evaluate(false);
            return;
        }
        if (request.method() == http::verb::options)
        {
            Response response{http::status::no_content, Pending.Version};
            response.set(http::field::access_control_max_age, "86400");
            Send(std::move(response));
            return;
        }
        if (request.method() == http::verb::delete_ && Pending.Path.rfind("/vod/", 0) == 0)
        {
            Pending.Delete = true;
            Pending.Authorization = std::string(request[http::field::authorization]);
            Evaluate(false);
            return;
        }
        if (request.method() != http::verb::get && request.method() != http::verb::head)
        {
            Response response{http::status::method_not_allowed, Pending.Version};
            response.set(http::field::allow, "GET, HEAD, OPTIONS");
            response.body() = "method not allowed\n";
            Send(std::move(response));
            return;
        }
        Evaluate(false);
    }

    // Answers a /control/ request that may not proceed and returns false; true when it is allowed.
    bool GateControl(ControlVerdict verdict)
    {
        Response response{http::status::not_found, Pending.Version};
        response.set(http::field::cache_control, "no-store");
        switch (verdict)
        {
            case ControlVerdict::Allowed:
                return true;
            case ControlVerdict::NotFound:
                response.set(http::field::content_type, "text/plain");
                response.body() = "not found\n";
                break;
            case ControlVerdict::Preflight:
                response.result(http::status::no_content);
                response.set(http::field::allow, "POST, OPTIONS");
                break;
            case ControlVerdict::MethodNotAllowed:
                response.result(http::status::method_not_allowed);
                response.set(http::field::allow, "POST, OPTIONS");
                response.set(http::field::content_type, "application/json");
                response.body() = ControlErrorJson("control endpoints take POST only");
                break;
            case ControlVerdict::Unauthorized:
                response.result(http::status::unauthorized);
                response.set(http::field::www_authenticate, "Bearer realm=\"livescope-origin control\"");
                response.set(http::field::content_type, "application/json");
                response.body() = ControlErrorJson("Authorization: Bearer <control token> required");
                break;
            case ControlVerdict::Forbidden:
                response.result(http::status::forbidden);
                response.set(http::field::content_type, "application/json");
                response.body() = ControlErrorJson("wrong control token");
                break;
        }
        Send(std::move(response));
        return false;
    }

    void Evaluate(bool timed_out)
    {
        RouteDecision outcome = Host->Evaluate(Pending, timed_out);
        if (outcome.DecisionKind == RouteDecision::Kind::Hold)
        {
            Host->AddWaiter(shared_from_this());
            HoldTimer.expires_at(Pending.Deadline);
            HoldTimer.async_wait([self = shared_from_this()](beast::error_code) {
                if (self->Host->Stopping())
                    return;
                self->Evaluate(Clock::now() >= self->Pending.Deadline);
            });
            return;
        }
        PaceKbps = outcome.RateKbps;
        if (outcome.DecisionKind == RouteDecision::Kind::StreamPart)
        {
            StreamBroadcast = outcome.StreamBroadcast;
            StartStream(outcome.StreamRendition, outcome.StreamNumber);
            return;
        }
        if (outcome.DelayMs > 0)
        {
            auto shared = std::make_shared<RouteDecision>(std::move(outcome));
            const uint32_t delay = shared->DelayMs;
            shared->DelayMs = 0;
            HoldTimer.expires_after(std::chrono::milliseconds(delay));
            HoldTimer.async_wait([self = shared_from_this(), shared](beast::error_code ec) {
                if (ec && ec != asio::error::operation_aborted)
                    return;
                if (self->HoldTimer.expiry() > Clock::now())
                {
                    // Woken early by new media: keep stalling until the delay has passed.
                    self->HoldTimer.async_wait([self, shared](beast::error_code) { self->Finish(std::move(*shared)); });
                    return;
                }
                self->Finish(std::move(*shared));
            });
            return;
        }
        Finish(std::move(outcome));
    }

    void Finish(RouteDecision outcome)
    {
        if (outcome.DecisionKind == RouteDecision::Kind::Drop)
        {
            Close();
            return;
        }
        Response response;
        response.result(unsigned(outcome.Status));
        response.set(http::field::content_type, outcome.ContentType);
        response.set(http::field::cache_control, outcome.CacheControl);
        if (outcome.AcceptRanges) response.set(http::field::accept_ranges, "bytes");
        if (!outcome.ContentRange.empty()) response.set(http::field::content_range, outcome.ContentRange);
        response.body() = std::move(outcome.Body);
        Send(std::move(response));
    }

    template <typename Message>
    void SetCommonHeaders(Message& response) const
    {
        response.version(Pending.Version);
        response.keep_alive(Pending.KeepAlive);
        response.set(http::field::server, "livescope-origin");
        response.set(http::field::date, HttpDate());
        if (Pending.Control)
            return; // no CORS: a web page must not be able to call control (its preflight fails)
        response.set(http::field::access_control_allow_origin, "*");
        response.set(http::field::access_control_allow_methods, "GET, HEAD, OPTIONS");
        response.set(http::field::access_control_allow_headers, "Range, Content-Type, Cache-Control");
        response.set(http::field::access_control_expose_headers, "Content-Length, Content-Type, Cache-Control, Age, Date, Last-Modified, Content-Range, Accept-Ranges");
    }

    // [SECTION] Streaming a part while it is built: chunked transfer, one HTTP chunk per batch of new bytes.
    void StartStream(size_t rendition, uint64_t number)
    {
        StreamRendition = rendition;
        StreamNumber = number;
        StreamOffset = 0;
        StreamHeader = std::make_shared<http::response<http::empty_body>>(http::status::ok, Pending.Version);
        SetCommonHeaders(*StreamHeader);
        StreamHeader->set(http::field::content_type, "video/mp4");
        StreamHeader->set(http::field::cache_control, "public, max-age=31536000, immutable");
        StreamHeader->chunked(true);
        StreamSerializer = std::make_shared<http::response_serializer<http::empty_body>>(*StreamHeader);
        Stream.expires_after(std::chrono::seconds(60));
        http::async_write_header(Stream, *StreamSerializer, [self = shared_from_this()](beast::error_code ec, size_t) {
            if (ec)
            {
                self->Close();
                return;
            }
            self->PaceStart = Clock::now();
            self->PumpStream();
        });
    }

    void PumpStream()
    {
        bool complete = false;
        if (!Host->ReadPart(StreamBroadcast, StreamRendition, StreamNumber, StreamOffset, StreamChunk, complete))
        {
            Close(); // the part vanished (encoder stopped mid-part): the client sees a truncated response
            return;
        }
        Stream.expires_after(std::chrono::seconds(60));
        if (!StreamChunk.empty())
        {
            if (PaceKbps > 0 && StreamChunk.size() > PaceSliceBytes(PaceKbps))
                StreamChunk.resize(PaceSliceBytes(PaceKbps)); // fault injection: one slice per write
            asio::async_write(Stream, http::make_chunk(asio::buffer(StreamChunk)), [self = shared_from_this()](beast::error_code ec, size_t) {
                if (ec)
                {
                    self->Close();
                    return;
                }
                self->StreamOffset += self->StreamChunk.size();
                self->AfterPace(self->StreamOffset, [self] { self->PumpStream(); });
            });
            return;
        }
        if (complete)
        {
            asio::async_write(Stream, http::make_chunk_last(), [self = shared_from_this()](beast::error_code ec, size_t) {
                self->StreamHeader.reset();
                self->StreamSerializer.reset();
                if (ec || !self->Pending.KeepAlive || self->Host->Stopping())
                {
                    self->Close();
                    return;
                }
                self->DoRead();
            });
            return;
        }
        Stream.expires_never();
        Host->AddWaiter(shared_from_this());
        HoldTimer.expires_after(std::chrono::milliseconds(int64_t(Host->HoldTimeout() * 1000)));
        HoldTimer.async_wait([self = shared_from_this()](beast::error_code ec) {
            if (self->Host->Stopping())
                return;
            if (!ec)
            {
                self->Close(); // no new bytes for 3 target durations
                return;
            }
            self->PumpStream();
        });
    }

    // Runs `next` once `sent` bytes are on schedule for the pacing rate (at once when unpaced).
    template <typename Next>
    void AfterPace(uint64_t sent, Next next)
    {
        const uint32_t wait = PaceDelayMs(sent, PaceKbps, std::chrono::duration<double, std::milli>(Clock::now() - PaceStart).count());
        if (wait == 0)
        {
            next();
            return;
        }
        PaceTimer.expires_after(std::chrono::milliseconds(wait));
        PaceTimer.async_wait([self = shared_from_this(), next](beast::error_code ec) {
            if (ec || self->Host->Stopping())
            {
                self->Close();
                return;
            }
            next();
        });
    }

    // A whole body paced at PaceKbps (fault injection): the header, then slices on schedule.
    void SendPaced(Response response)
    {
        PacedBody = std::make_shared<std::string>(std::move(response.body()));
        PacedHeader = std::make_shared<http::response<http::empty_body>>(std::move(response.base()));
        PacedHeader->content_length(PacedBody->size());
        PacedSerializer = std::make_shared<http::response_serializer<http::empty_body>>(*PacedHeader);
        Stream.expires_after(std::chrono::seconds(60));
        http::async_write_header(Stream, *PacedSerializer, [self = shared_from_this()](beast::error_code ec, size_t) {
            if (ec)
            {
                self->Close();
                return;
            }
            self->PaceStart = Clock::now();
            self->PacedOffset = 0;
            self->PumpPaced();
        });
    }

    void PumpPaced()
    {
        if (PacedOffset >= PacedBody->size())
        {
            PacedBody.reset();
            PacedSerializer.reset();
            PacedHeader.reset();
            if (!Pending.KeepAlive || Host->Stopping())
            {
                Close();
                return;
            }
            DoRead();
            return;
        }
        const size_t n = std::min(PaceSliceBytes(PaceKbps), PacedBody->size() - PacedOffset);
        Stream.expires_after(std::chrono::seconds(60));
        asio::async_write(Stream, asio::buffer(PacedBody->data() + PacedOffset, n), [self = shared_from_this(), n](beast::error_code ec, size_t) {
            if (ec)
            {
                self->Close();
                return;
            }
            self->PacedOffset += n;
            self->AfterPace(self->PacedOffset, [self] { self->PumpPaced(); });
        });
    }

    void Send(Response response)
    {
        SetCommonHeaders(response);
        const size_t length = response.body().size();
        if (Pending.Head)
            response.body().clear();
        response.content_length(length);
        if (PaceKbps > 0 && !Pending.Head && length > 0)
        {
            SendPaced(std::move(response));
            return;
        }
        Message = std::make_shared<Response>(std::move(response));
        Stream.expires_after(std::chrono::seconds(60));
        http::async_write(Stream, *Message, [self = shared_from_this()](beast::error_code ec, size_t) {
            self->Message.reset();
            if (ec || !self->Pending.KeepAlive || self->Host->Stopping())
            {
                self->Close();
                return;
            }
            self->DoRead();
        });
    }

    void Close()
    {
        beast::error_code ignored;
        Stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        Stream.socket().close(ignored);
        HoldTimer.cancel();
        PaceTimer.cancel();
    }

    beast::tcp_stream Stream;
    beast::flat_buffer Buffer;
    std::optional<http::request_parser<http::empty_body>> Parser;
    std::shared_ptr<SessionHost> Host;
    asio::steady_timer HoldTimer;
    PendingRequest Pending;
    std::shared_ptr<Response> Message;
    // Streaming state (StartStream/PumpStream).
    std::string StreamBroadcast;
    size_t StreamRendition = 0;
    uint64_t StreamNumber = 0;
    size_t StreamOffset = 0; // bytes of the part already sent
    std::vector<uint8_t> StreamChunk;
    std::shared_ptr<http::response<http::empty_body>> StreamHeader;
    std::shared_ptr<http::response_serializer<http::empty_body>> StreamSerializer;
    // Pacing (fault injection, rate_kbps): the rate of the current response and when its body began.
    uint32_t PaceKbps = 0; // kbit/s, 0 = unpaced
    Clock::time_point PaceStart;
    asio::steady_timer PaceTimer{Stream.get_executor()};
    std::shared_ptr<std::string> PacedBody;
    size_t PacedOffset = 0; // bytes of PacedBody sent
    std::shared_ptr<http::response<http::empty_body>> PacedHeader;
    std::shared_ptr<http::response_serializer<http::empty_body>> PacedSerializer;
};

} // namespace

void StartHttpSession(tcp::socket socket, std::shared_ptr<SessionHost> host) { std::make_shared<HttpSession>(std::move(socket), std::move(host))->Start(); }

} // namespace livescope
