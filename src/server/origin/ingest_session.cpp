// A publisher's WebSocket connection: admission, the handshake, reading media with backpressure, kicks; the studio's
// framed WebCodecs messages (subprotocol livescope-frames) muxed into Matroska; capture-clock stamps to the origin.
#include "ingest_session.h"

#include <livescope/server/origin/capture_clock.h>
#include <livescope/server/origin/ingest_frames.h>
#include <livescope/server/origin/ingest_close.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <optional>

namespace livescope {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;

namespace {

constexpr int KickCloseMs = 2000; // ms a kicked publisher has to answer the close frame

class IngestSession : public Publisher, public std::enable_shared_from_this<IngestSession>
{
public:
    IngestSession(tcp::socket socket, http::request<http::empty_body> request, std::shared_ptr<SessionHost> host)
        : Ws(std::move(socket)), Request(std::move(request)), Host(std::move(host)), KickTimer(Ws.get_executor())
    {
    }

    ~IngestSession() override
    {
        // Safety net: a connection that ends without Gone (no handler left) still frees its broadcast.
        if (Admitted && !GoneFlag)
            Host->PublisherGone(Name, this);
    }

    void Start()
    {
        const std::string target(Request.target());
        const size_t question = target.find('?');
        const std::string path = target.substr(0, question);
        const std::string query = question == std::string::npos ? std::string() : target.substr(question + 1);
        Name = path.substr(8); // after "/ingest/"
        bool frames_offered = false;
        const std::string protocols = RemoveFramesSubprotocol(std::string(Request[http::field::sec_websocket_protocol]), frames_offered);
        IngestAdmission admission = Host->AdmitPublisher(Name, query, protocols, shared_from_this());
        if (admission.Status != 101)
        {
            Refuse(admission);
            return;
        }
        Admitted = true;
        if (frames_offered)
        {
            // The publisher sends framed encoded frames (ingest_frames.h), which this connection muxes into Matroska;
            // the origin's first message tells it the segment cadence and the top rendition (IngestHelloMessage).
            Frames = true;
            admission.Subprotocol = IngestFramesSubprotocol;
            Hello = Host->IngestHello();
            Muxer.SetCopyDecider(
                [](void* context, const TopCopyFacts& facts) {
                    auto* self = static_cast<IngestSession*>(context);
                    return self->Host->PublisherCopyTop(self->Name, self, facts);
                },
                this);
        }
        websocket::stream_base::timeout timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
        timeouts.idle_timeout = std::chrono::seconds(15); // a publisher that sends nothing (and answers no ping) is gone
        Ws.set_option(timeouts);
        const std::string subprotocol = admission.Subprotocol;
        Ws.set_option(websocket::stream_base::decorator([subprotocol](websocket::response_type& response) {
            response.set(http::field::server, "livescope-origin");
            if (!subprotocol.empty())
                response.set(http::field::sec_websocket_protocol, subprotocol);
        }));
        Ws.read_message_max(IngestMessageMaxBytes);
        Ws.async_accept(Request, [self = shared_from_this()](beast::error_code ec) {
            if (ec)
            {
                self->Gone();
                return;
            }
            if (self->Hello.empty())
            {
                self->DoRead();
                return;
            }
            self->Writing = true;
            self->Ws.text(true);
            self->Ws.async_write(asio::buffer(self->Hello), [self](beast::error_code write_ec, size_t) {
                self->Writing = false;
                if (self->DeferredClose)
                {
                    self->CloseWith(*self->DeferredClose);
                    return;
                }
                if (write_ec)
                {
                    self->Gone();
                    return;
                }
                self->Ws.binary(true);
                self->DoRead();
            });
        });
    }

    void Kick(const std::string& reason) override
    {
        if (Closing || GoneFlag)
            return;
        websocket::close_reason why(websocket::close_code::going_away);
        why.reason = reason.substr(0, 120); // a close frame's reason is at most 123 bytes
        CloseWith(why);
    }

private:
    void CloseWith(const websocket::close_reason& why)
    {
        Closing = true;
        if (Writing)
        {
            DeferredClose = why; // one write at a time: close once the hello is out
            return;
        }
        Ws.async_close(why, [self = shared_from_this()](beast::error_code) {
            self->KickTimer.cancel();
            self->Gone();
        });
        // A publisher that does not answer the close frame is cut after KickCloseMs.
        KickTimer.expires_after(std::chrono::milliseconds(KickCloseMs));
        KickTimer.async_wait([self = shared_from_this()](beast::error_code ec) {
            if (ec || self->GoneFlag)
                return;
            beast::error_code ignored;
            self->Ws.next_layer().socket().shutdown(tcp::socket::shutdown_both, ignored);
            self->Ws.next_layer().socket().close(ignored); // the pending close completes with an error: Gone
        });
    }

    void Refuse(const IngestAdmission& admission)
    {
        // A browser cannot read an HTTP refusal: accept the upgrade, then close at once with a 4xxx code and the reason
        // (ingest_close.h, docs/ingest.md). Nothing is published; the connection is cut KickCloseMs after the close frame.
        const std::string subprotocol = IngestRefusalSubprotocol(std::string(Request[http::field::sec_websocket_protocol]));
        Ws.set_option(websocket::stream_base::decorator([subprotocol](websocket::response_type& response) {
            response.set(http::field::server, "livescope-origin");
            if (!subprotocol.empty())
                response.set(http::field::sec_websocket_protocol, subprotocol);
        }));
        websocket::stream_base::timeout timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
        timeouts.handshake_timeout = std::chrono::seconds(10);
        Ws.set_option(timeouts);
        const websocket::close_reason why(static_cast<websocket::close_code>(IngestCloseCode(admission.Status, admission.Message)),
                                          IngestCloseReason(admission.Message));
        Ws.async_accept(Request, [self = shared_from_this(), why](beast::error_code ec) {
            if (ec)
            {
                self->Gone();
                return;
            }
            self->CloseWith(why);
        });
    }

    void DoRead()
    {
        Ws.async_read(Buffer, [self = shared_from_this()](beast::error_code ec, size_t) {
            if (ec)
            {
                self->Finish();
                return;
            }
            std::string message = beast::buffers_to_string(self->Buffer.data());
            self->Buffer.consume(self->Buffer.size());
            if (self->Closing)
                return;
            std::string why;
            if (!self->Ws.got_binary())
                self->OnText(message, why);
            else if (self->Frames)
                message = self->Mux(message, why);
            if (!why.empty())
            {
                self->Kick(why);
                return;
            }
            if (message.empty() || !self->Ws.got_binary())
            {
                self->DoRead();
                return;
            }
            auto bytes = std::make_shared<const std::string>(std::move(message));
            self->Host->PublisherBytes(self->Name, self.get(), bytes, [self](bool ok) {
                if (!ok)
                {
                    self->Kick("this broadcast takes no more media from this connection");
                    return;
                }
                self->DoRead();
            });
        });
    }

    // A text message: the publisher's control message (capture_clock.h); never media.
    void OnText(const std::string& text, std::string& why)
    {
        int64_t capture_ms = 0;
        if (ParseIngestControl(text, capture_ms, why) && !Frames) // framed streams carry their own stamps
            Host->PublisherCaptureClock(Name, this, capture_ms);
    }

    // A framed message → the Matroska bytes for the encoder (possibly none); `why` set on bad input.
    std::string Mux(const std::string& message, std::string& why)
    {
        std::string out;
        if (!Muxer.Feed(reinterpret_cast<const uint8_t*>(message.data()), message.size(), out))
        {
            why = "bad frame message: " + Muxer.Error();
            return {};
        }
        if (Muxer.Started() && !ClockReported)
        {
            ClockReported = true;
            Host->PublisherCaptureClock(Name, this, (Muxer.CaptureAnchorUs() + 500) / 1000);
        }
        return out;
    }

    // The publisher's stream ended (it closed, or the connection broke): what the muxer still holds (copy mode's last
    // video frame) goes to the encoder, then the publisher is gone.
    void Finish()
    {
        std::string tail;
        if (Frames && !Closing && !GoneFlag)
            Muxer.Finish(tail);
        if (tail.empty())
        {
            Gone();
            return;
        }
        Host->PublisherBytes(Name, this, std::make_shared<const std::string>(std::move(tail)), [self = shared_from_this()](bool) { self->Gone(); });
    }

    void Gone()
    {
        if (GoneFlag)
            return;
        GoneFlag = true;
        if (Admitted)
            Host->PublisherGone(Name, this);
        beast::error_code ignored;
        Ws.next_layer().socket().close(ignored);
    }

    websocket::stream<beast::tcp_stream> Ws;
    http::request<http::empty_body> Request;
    std::shared_ptr<SessionHost> Host;
    std::string Name;
    beast::flat_buffer Buffer;
    asio::steady_timer KickTimer;
    FrameMuxer Muxer;
    bool Frames = false;        // livescope-frames: messages are framed encoded frames, muxed here
    std::string Hello;          // livescope-frames: the origin's first message (sent before reading)
    bool Writing = false;       // the hello is being written
    std::optional<websocket::close_reason> DeferredClose;
    bool ClockReported = false; // the muxer's capture anchor was given to the origin
    bool Admitted = false;
    bool Closing = false;
    bool GoneFlag = false;
};

} // namespace

void StartIngestSession(tcp::socket socket, http::request<http::empty_body> request, std::shared_ptr<SessionHost> host)
{
    std::make_shared<IngestSession>(std::move(socket), std::move(request), std::move(host))->Start();
}

} // namespace livescope
