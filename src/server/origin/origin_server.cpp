// The livescope-origin edge: Beast HTTP sessions (keep-alive, held requests without a thread each), the ffmpeg child
// (pipes, PR_SET_PDEATHSIG, restart with a discontinuity) and the routing onto the pure LiveRendition window.
// [SECTION] Declarations
// [SECTION] Encoder process
// [SECTION] Media ingest
// [SECTION] HTTP routing
// [SECTION] HTTP session
// [SECTION] Run
#include "origin_server.h"

#include "control.h"
#include "faults.h"
#include "fmp4.h"
#include "live_playlist.h"

#include <utility> // Boost 1.74 asio/awaitable.hpp needs std::exchange under C++20

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace livescope {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr int AcceptRetryMs = 50; // ms between accept attempts while accept fails (as the relay)

// [SECTION] Declarations

namespace {

int64_t WallNowMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

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

// A request waiting for media: re-evaluated on every ingest event until it can be answered or times out.
struct PendingRequest
{
    std::string Path;   // "/live/720p/index.m3u8"
    std::string Query;  // without '?'
    bool Head = false;
    bool Control = false; // a /control/ path: its responses carry no CORS headers
    bool KeepAlive = true;
    unsigned Version = 11;
    Clock::time_point Deadline;
};

// What the router decided for a request.
struct Outcome
{
    enum class Kind
    {
        Respond,
        Hold,
        Drop,
        StreamPart, // chunked response of a part still being built (StreamRendition, StreamNumber)
    };
    Kind OutcomeKind = Kind::Respond;
    Response Message;
    uint32_t DelayMs = 0; // ms, fault injection
    size_t StreamRendition = 0;
    uint64_t StreamNumber = 0;
};

class HttpSession;
class Origin;

} // namespace

// [SECTION] Encoder process

namespace {

struct RenditionState
{
    RenditionSpec Spec;
    LiveRendition Live;
    Fmp4StreamSplitter Splitter;
    Mp4InitInfo Init;
    bool HaveInit = false;
    std::unique_ptr<asio::posix::stream_descriptor> Pipe;
    std::vector<uint8_t> ReadBuffer = std::vector<uint8_t>(64 * 1024);
    uint64_t FragmentsThisGeneration = 0;
};

class Origin : public std::enable_shared_from_this<Origin>
{
public:
    Origin(asio::io_context& io, const OriginOptions& options);
    bool Start(std::string& error);
    void Stop();
    int ExitCode() const { return ExitCodeValue; }

    Outcome Evaluate(const PendingRequest& request, bool timed_out);
    void AddWaiter(const std::shared_ptr<HttpSession>& session) { Waiters.push_back(session); }
    double HoldTimeout() const; // seconds
    // Bytes of a part from `offset` on (see LiveRendition::ReadPartBytes).
    bool ReadPart(size_t rendition, uint64_t number, size_t offset, std::vector<uint8_t>& out, bool& complete) const
    {
        return rendition < Renditions.size() && Renditions[rendition]->Live.ReadPartBytes(number, offset, out, complete);
    }
    bool Stopping() const { return StoppingFlag; }
    const std::string& ControlToken() const { return Options.ControlToken; }

private:
    void StartEncoder();
    void ReadPipe(size_t index);
    void OnPipeClosed(size_t index, const std::string& why);
    void ReapEncoder(int attempts_left);
    void OnEncoderExited(int status);
    void OnChunk(size_t index, Fmp4Chunk& chunk);
    void NotifyWaiters();
    void CheckReady();
    void DoAccept();

    Outcome MakeText(http::status status, std::string body, const char* type, const char* cache) const;
    Outcome ServeMedia(std::string body, const char* type, bool is_fragment);
    Outcome EvaluateControl(const PendingRequest& request);

    asio::io_context& Io;
    OriginOptions Options;
    tcp::acceptor Acceptor;
    asio::signal_set Signals;
    asio::steady_timer ReapTimer;
    asio::steady_timer RestartTimer;
    asio::steady_timer AcceptRetry;    // backoff after a failed accept (out of file descriptors)
    std::string Session;   // boot id in URIs
    std::string BaseUrl;   // http://host:port
    std::vector<std::unique_ptr<RenditionState>> Renditions;
    std::vector<std::weak_ptr<HttpSession>> Waiters;
    FaultPlan Faults;

    pid_t EncoderPid = -1;
    size_t OpenPipes = 0;
    uint32_t Generation = 0;           // encoder runs so far; also the init id
    bool GenerationProducedMedia = false;
    bool RestartRequested = false;     // this run was stopped by /control/restart-encoder
    bool AcceptFailing = false;        // logged the current run of accept errors
    int ConsecutiveFailures = 0;
    bool HaveAnchor = false;
    int64_t AnchorWallMs = 0;          // ms since epoch at media time 0 of this generation
    bool ReadyPrinted = false;
    bool StoppingFlag = false;
    int ExitCodeValue = 0;
};

} // namespace

// [SECTION] HTTP session

namespace {

class HttpSession : public std::enable_shared_from_this<HttpSession>
{
public:
    HttpSession(tcp::socket socket, std::shared_ptr<Origin> origin)
        : Stream(std::move(socket)), OriginRef(std::move(origin)), HoldTimer(Stream.get_executor())
    {
    }

    void Start() { DoRead(); }

    // Wakes a held request so it re-evaluates (called by the origin on new media).
    void Wake() { HoldTimer.cancel(); }

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
        Pending.KeepAlive = request.keep_alive();
        Pending.Version = request.version();
        Pending.Deadline = Clock::now() + std::chrono::milliseconds(int64_t(OriginRef->HoldTimeout() * 1000));
        Pending.Control = Pending.Path.rfind("/control/", 0) == 0;
        if (Pending.Control)
        {
            const ControlMethod method = request.method() == http::verb::post      ? ControlMethod::Post
                                         : request.method() == http::verb::options ? ControlMethod::Options
                                                                                   : ControlMethod::Other;
            if (!GateControl(DecideControlAccess(OriginRef->ControlToken(), method, request[http::field::authorization])))
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
        Outcome outcome = OriginRef->Evaluate(Pending, timed_out);
        if (outcome.OutcomeKind == Outcome::Kind::Hold)
        {
            OriginRef->AddWaiter(shared_from_this());
            HoldTimer.expires_at(Pending.Deadline);
            HoldTimer.async_wait([self = shared_from_this()](beast::error_code) {
                if (self->OriginRef->Stopping())
                    return;
                self->Evaluate(Clock::now() >= self->Pending.Deadline);
            });
            return;
        }
        if (outcome.OutcomeKind == Outcome::Kind::StreamPart)
        {
            StartStream(outcome.StreamRendition, outcome.StreamNumber);
            return;
        }
        if (outcome.DelayMs > 0)
        {
            auto shared = std::make_shared<Outcome>(std::move(outcome));
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

    void Finish(Outcome outcome)
    {
        if (outcome.OutcomeKind == Outcome::Kind::Drop)
        {
            Close();
            return;
        }
        Send(std::move(outcome.Message));
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
        response.set(http::field::access_control_expose_headers, "Content-Length, Content-Type, Cache-Control, Age, Date, Last-Modified");
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
            self->PumpStream();
        });
    }

    void PumpStream()
    {
        bool complete = false;
        if (!OriginRef->ReadPart(StreamRendition, StreamNumber, StreamOffset, StreamChunk, complete))
        {
            Close(); // the part vanished (encoder stopped mid-part): the client sees a truncated response
            return;
        }
        Stream.expires_after(std::chrono::seconds(60));
        if (!StreamChunk.empty())
        {
            asio::async_write(Stream, http::make_chunk(asio::buffer(StreamChunk)), [self = shared_from_this()](beast::error_code ec, size_t) {
                if (ec)
                {
                    self->Close();
                    return;
                }
                self->StreamOffset += self->StreamChunk.size();
                self->PumpStream();
            });
            return;
        }
        if (complete)
        {
            asio::async_write(Stream, http::make_chunk_last(), [self = shared_from_this()](beast::error_code ec, size_t) {
                self->StreamHeader.reset();
                self->StreamSerializer.reset();
                if (ec || !self->Pending.KeepAlive || self->OriginRef->Stopping())
                {
                    self->Close();
                    return;
                }
                self->DoRead();
            });
            return;
        }
        Stream.expires_never();
        OriginRef->AddWaiter(shared_from_this());
        HoldTimer.expires_after(std::chrono::milliseconds(int64_t(OriginRef->HoldTimeout() * 1000)));
        HoldTimer.async_wait([self = shared_from_this()](beast::error_code ec) {
            if (self->OriginRef->Stopping())
                return;
            if (!ec)
            {
                self->Close(); // no new bytes for 3 target durations
                return;
            }
            self->PumpStream();
        });
    }

    void Send(Response response)
    {
        SetCommonHeaders(response);
        const size_t length = response.body().size();
        if (Pending.Head)
            response.body().clear();
        response.content_length(length);
        Message = std::make_shared<Response>(std::move(response));
        Stream.expires_after(std::chrono::seconds(60));
        http::async_write(Stream, *Message, [self = shared_from_this()](beast::error_code ec, size_t) {
            self->Message.reset();
            if (ec || !self->Pending.KeepAlive || self->OriginRef->Stopping())
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
    }

    beast::tcp_stream Stream;
    beast::flat_buffer Buffer;
    std::optional<http::request_parser<http::empty_body>> Parser;
    std::shared_ptr<Origin> OriginRef;
    asio::steady_timer HoldTimer;
    PendingRequest Pending;
    std::shared_ptr<Response> Message;
    // Streaming state (StartStream/PumpStream).
    size_t StreamRendition = 0;
    uint64_t StreamNumber = 0;
    size_t StreamOffset = 0; // bytes of the part already sent
    std::vector<uint8_t> StreamChunk;
    std::shared_ptr<http::response<http::empty_body>> StreamHeader;
    std::shared_ptr<http::response_serializer<http::empty_body>> StreamSerializer;
};

} // namespace

// [SECTION] Encoder process

namespace {

Origin::Origin(asio::io_context& io, const OriginOptions& options)
    : Io(io), Options(options), Acceptor(io), Signals(io, SIGINT, SIGTERM), ReapTimer(io), RestartTimer(io), AcceptRetry(io)
{
    char session[24];
    std::snprintf(session, sizeof(session), "%llx", static_cast<unsigned long long>(WallNowMs()));
    Session = session;
    LiveWindowConfig window;
    window.PartTarget = Options.Encoder.PartMs / 1000.0;
    window.SegmentTarget = Options.Encoder.SegmentMs / 1000.0;
    window.WindowSegments = Options.WindowSegments;
    for (const RenditionSpec& spec : Options.Encoder.Renditions)
    {
        auto state = std::make_unique<RenditionState>();
        state->Spec = spec;
        state->Live = LiveRendition(window);
        Renditions.push_back(std::move(state));
    }
}

double Origin::HoldTimeout() const
{
    return Renditions.empty() ? 6.0 : 3.0 * Renditions.front()->Live.TargetDuration();
}

bool Origin::Start(std::string& error)
{
    beast::error_code ec;
    const auto address = asio::ip::make_address(Options.Host, ec);
    if (ec)
    {
        error = "bad --host '" + Options.Host + "': " + ec.message();
        return false;
    }
    const tcp::endpoint endpoint(address, Options.Port);
    Acceptor.open(endpoint.protocol(), ec);
    if (!ec)
        Acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec)
        Acceptor.bind(endpoint, ec);
    if (!ec)
        Acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
    {
        error = "cannot listen on " + Options.Host + ":" + std::to_string(Options.Port) + ": " + ec.message();
        return false;
    }
    ::fcntl(Acceptor.native_handle(), F_SETFD, FD_CLOEXEC);
    const uint16_t port = Acceptor.local_endpoint().port();
    const std::string host = address.is_v6() ? "[" + Options.Host + "]" : Options.Host;
    BaseUrl = "http://" + host + ":" + std::to_string(port);
    std::printf("livescope-origin listening on %s\n", BaseUrl.c_str());
    std::fflush(stdout);

    Signals.async_wait([self = shared_from_this()](beast::error_code signal_ec, int signal_number) {
        if (signal_ec)
            return;
        std::fprintf(stderr, "livescope-origin: signal %d, stopping\n", signal_number);
        self->Stop();
    });
    DoAccept();
    StartEncoder();
    return true;
}

void Origin::StartEncoder()
{
    if (StoppingFlag)
        return;
    const std::vector<std::string> args = BuildFfmpegArgs(Options.Encoder);
    const size_t count = Renditions.size();
    std::vector<int> read_ends(count, -1), write_ends(count, -1);
    for (size_t i = 0; i < count; i++)
    {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0)
        {
            std::fprintf(stderr, "livescope-origin: pipe: %s\n", std::strerror(errno));
            ExitCodeValue = 1;
            Stop();
            return;
        }
        read_ends[i] = fds[0];
        write_ends[i] = fds[1];
    }
    std::vector<char*> argv;
    for (const std::string& arg : args)
        argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0)
    {
        // Child: only async-signal-safe calls until exec.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent)
            ::_exit(127);
        ::signal(SIGPIPE, SIG_DFL);
        const int null_fd = ::open("/dev/null", O_RDONLY);
        if (null_fd >= 0)
            ::dup2(null_fd, 0);
        // Move the write ends above every target number first, then onto 3, 4, ...
        std::vector<int> high(count);
        for (size_t i = 0; i < count; i++)
            high[i] = ::fcntl(write_ends[i], F_DUPFD, 100);
        for (size_t i = 0; i < count; i++)
            ::dup2(high[i], int(3 + i));
        ::syscall(SYS_close_range, static_cast<unsigned>(3 + count), ~0u, 0u);
        ::execvp(argv[0], argv.data());
        const char message[] = "livescope-origin: cannot exec ffmpeg\n";
        [[maybe_unused]] const ssize_t written = ::write(2, message, sizeof(message) - 1);
        ::_exit(127);
    }
    for (int fd : write_ends)
        ::close(fd);
    if (pid < 0)
    {
        std::fprintf(stderr, "livescope-origin: fork: %s\n", std::strerror(errno));
        for (int fd : read_ends)
            ::close(fd);
        ExitCodeValue = 1;
        Stop();
        return;
    }
    EncoderPid = pid;
    Generation++;
    GenerationProducedMedia = false;
    RestartRequested = false;
    HaveAnchor = false;
    OpenPipes = count;
    std::fprintf(stderr, "livescope-origin: ffmpeg started (pid %d, run %u, %zu rendition(s), source %s)\n", int(pid), Generation, count,
                 Options.Encoder.Source.c_str());
    for (size_t i = 0; i < count; i++)
    {
        RenditionState& state = *Renditions[i];
        state.Splitter.Reset();
        state.HaveInit = false;
        state.FragmentsThisGeneration = 0;
        state.Pipe = std::make_unique<asio::posix::stream_descriptor>(Io, read_ends[i]);
        ReadPipe(i);
    }
}

void Origin::ReadPipe(size_t index)
{
    RenditionState& state = *Renditions[index];
    state.Pipe->async_read_some(asio::buffer(state.ReadBuffer), [self = shared_from_this(), index](beast::error_code ec, size_t size) {
        RenditionState& rendition = *self->Renditions[index];
        if (ec)
        {
            self->OnPipeClosed(index, ec == asio::error::eof ? "end of stream" : ec.message());
            return;
        }
        std::vector<Fmp4Chunk> chunks;
        if (!rendition.Splitter.Feed(rendition.ReadBuffer.data(), size, chunks))
        {
            std::fprintf(stderr, "livescope-origin: %s: bad fMP4 from ffmpeg: %s\n", rendition.Spec.Name.c_str(), rendition.Splitter.ErrorReason().c_str());
            if (self->EncoderPid > 0)
                ::kill(self->EncoderPid, SIGTERM);
        }
        for (Fmp4Chunk& chunk : chunks)
            self->OnChunk(index, chunk);
        if (!chunks.empty())
        {
            self->NotifyWaiters();
            self->CheckReady();
        }
        if (rendition.Splitter.Failed())
        {
            self->OnPipeClosed(index, "bad stream");
            return;
        }
        self->ReadPipe(index);
    });
}

void Origin::OnPipeClosed(size_t index, const std::string& why)
{
    RenditionState& state = *Renditions[index];
    if (!state.Pipe)
        return;
    beast::error_code ignored;
    state.Pipe->close(ignored);
    state.Pipe.reset();
    if (!StoppingFlag && why != "end of stream")
        std::fprintf(stderr, "livescope-origin: %s: pipe closed: %s\n", state.Spec.Name.c_str(), why.c_str());
    if (OpenPipes > 0 && --OpenPipes == 0)
    {
        for (auto& rendition : Renditions)
            rendition->Live.CloseOpenSegment();
        NotifyWaiters();
        ReapEncoder(60);
    }
}

// Polls waitpid for up to attempts x 50 ms, then SIGKILLs.
void Origin::ReapEncoder(int attempts_left)
{
    if (EncoderPid <= 0)
        return;
    int status = 0;
    const pid_t done = ::waitpid(EncoderPid, &status, WNOHANG);
    if (done == EncoderPid || (done < 0 && errno == ECHILD))
    {
        EncoderPid = -1;
        OnEncoderExited(status);
        return;
    }
    if (attempts_left <= 0)
    {
        ::kill(EncoderPid, SIGKILL);
        ::waitpid(EncoderPid, &status, 0);
        EncoderPid = -1;
        OnEncoderExited(status);
        return;
    }
    if (attempts_left == 40 && OpenPipes > 0)
        ::kill(EncoderPid, SIGTERM);
    ReapTimer.expires_after(std::chrono::milliseconds(50));
    ReapTimer.async_wait([self = shared_from_this(), attempts_left](beast::error_code ec) {
        if (!ec)
            self->ReapEncoder(attempts_left - 1);
    });
}

void Origin::OnEncoderExited(int status)
{
    for (auto& rendition : Renditions)
        if (rendition->Pipe)
        {
            beast::error_code ignored;
            rendition->Pipe->close(ignored);
            rendition->Pipe.reset();
        }
    OpenPipes = 0;
    if (StoppingFlag)
    {
        Io.stop();
        return;
    }
    char how[64];
    if (WIFEXITED(status))
        std::snprintf(how, sizeof(how), "exit status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        std::snprintf(how, sizeof(how), "signal %d", WTERMSIG(status));
    else
        std::snprintf(how, sizeof(how), "status %d", status);
    const EncoderExitDecision decision = DecideEncoderExit(ConsecutiveFailures, GenerationProducedMedia, RestartRequested, Options.MaxEncoderFailures);
    ConsecutiveFailures = decision.ConsecutiveFailures;
    if (decision.GiveUp)
    {
        std::fprintf(stderr, "livescope-origin: error: ffmpeg (%s) exited (%s) %d times without producing media; giving up\n",
                     Options.Encoder.FfmpegPath.c_str(), how, ConsecutiveFailures);
        ExitCodeValue = 2;
        Stop();
        return;
    }
    std::fprintf(stderr, "livescope-origin: ffmpeg exited (%s%s); restarting in 1 s (the stream continues after a discontinuity)\n", how,
                 RestartRequested ? ", restart asked for" : "");
    RestartTimer.expires_after(std::chrono::seconds(1));
    RestartTimer.async_wait([self = shared_from_this()](beast::error_code ec) {
        if (!ec)
            self->StartEncoder();
    });
}

void Origin::Stop()
{
    if (StoppingFlag)
        return;
    StoppingFlag = true;
    beast::error_code ignored;
    Acceptor.close(ignored);
    Signals.cancel(ignored);
    RestartTimer.cancel();
    AcceptRetry.cancel();
    for (auto& weak : Waiters)
        if (auto session = weak.lock())
            session->Wake();
    Waiters.clear();
    if (EncoderPid > 0)
    {
        ::kill(EncoderPid, SIGTERM);
        ReapTimer.cancel();
        ReapEncoder(60); // SIGKILL after 3 s
    }
    else
        Io.stop();
}

// [SECTION] Media ingest

void Origin::OnChunk(size_t index, Fmp4Chunk& chunk)
{
    RenditionState& state = *Renditions[index];
    auto bytes = std::make_shared<const std::vector<uint8_t>>(std::move(chunk.Bytes));
    Mp4Error error;
    if (chunk.ChunkKind == Fmp4Chunk::Kind::Init)
    {
        Mp4InitInfo info;
        if (!ParseMp4Init(bytes->data(), bytes->size(), info, error))
        {
            std::fprintf(stderr, "livescope-origin: %s: bad init segment: %s\n", state.Spec.Name.c_str(), error.Reason.c_str());
            return;
        }
        state.Init = info;
        state.HaveInit = true;
        state.Live.SetInit(bytes, Generation);
        return;
    }
    if (!state.HaveInit)
        return;
    Mp4FragmentInfo info;
    if (!ParseMp4Fragment(bytes->data(), bytes->size(), state.Init, info, error))
    {
        std::fprintf(stderr, "livescope-origin: %s: bad fragment: %s\n", state.Spec.Name.c_str(), error.Reason.c_str());
        return;
    }
    const int64_t now = WallNowMs();
    const bool has_video = info.SampleCount > 0;
    if (!HaveAnchor && has_video)
    {
        // The first fragment leaves the encoder right after its last frame was produced (-re paces input at real time).
        AnchorWallMs = now - int64_t((info.StartTime + info.Duration) * 1000.0 + 0.5);
        HaveAnchor = true;
    }
    GenerationProducedMedia = true;
    state.FragmentsThisGeneration++;
    state.Live.AppendChunk(bytes->data(), bytes->size(), info.Duration, has_video, info.Independent,
                           AnchorWallMs + int64_t(info.StartTime * 1000.0 + 0.5));
}

void Origin::NotifyWaiters()
{
    std::vector<std::weak_ptr<HttpSession>> waiters;
    waiters.swap(Waiters);
    for (auto& weak : waiters)
        if (auto session = weak.lock())
            session->Wake();
}

void Origin::CheckReady()
{
    if (ReadyPrinted)
        return;
    for (auto& rendition : Renditions)
        if (rendition->Live.CompleteSegmentCount() == 0)
            return;
    ReadyPrinted = true;
    std::printf("livescope-origin ready %s/live/master.m3u8\n", BaseUrl.c_str());
    std::fflush(stdout);
}

void Origin::DoAccept()
{
    Acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
        if (self->StoppingFlag || ec == asio::error::operation_aborted || !self->Acceptor.is_open())
            return;
        if (ec)
        {
            // Out of file descriptors (EMFILE/ENFILE) or similar: the pending connection stays in the backlog, so
            // retrying at once would spin. Wait, as the relay does, and log once per run of failures.
            if (!self->AcceptFailing)
                std::fprintf(stderr, "livescope-origin: accept: %s; retrying every %d ms\n", ec.message().c_str(), AcceptRetryMs);
            self->AcceptFailing = true;
            self->AcceptRetry.expires_after(std::chrono::milliseconds(AcceptRetryMs));
            self->AcceptRetry.async_wait([self](beast::error_code wait_ec) {
                if (!wait_ec)
                    self->DoAccept();
            });
            return;
        }
        if (self->AcceptFailing)
            std::fprintf(stderr, "livescope-origin: accept works again\n");
        self->AcceptFailing = false;
        ::fcntl(socket.native_handle(), F_SETFD, FD_CLOEXEC);
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        std::make_shared<HttpSession>(std::move(socket), self)->Start();
        self->DoAccept();
    });
}

// [SECTION] HTTP routing

Outcome Origin::MakeText(http::status status, std::string body, const char* type, const char* cache) const
{
    Outcome outcome;
    outcome.Message.result(status);
    outcome.Message.set(http::field::content_type, type);
    outcome.Message.set(http::field::cache_control, cache);
    outcome.Message.body() = std::move(body);
    return outcome;
}

Outcome Origin::ServeMedia(std::string body, const char* type, bool is_fragment)
{
    // Faults apply to parts and segments only; init segments are always served.
    const FaultAction fault = is_fragment ? Faults.Next() : FaultAction{};
    Outcome outcome;
    outcome.DelayMs = fault.DelayMs;
    if (fault.Drop)
    {
        outcome.OutcomeKind = Outcome::Kind::Drop;
        return outcome;
    }
    if (fault.Status != 0)
    {
        Outcome error = MakeText(http::status::service_unavailable, "injected fault\n", "text/plain", "no-store");
        error.Message.result(unsigned(fault.Status));
        error.DelayMs = fault.DelayMs;
        return error;
    }
    if (fault.Corrupt && is_fragment)
    {
        // A segment is several moof+mdat: corrupt the first one's mdat.
        CorruptMdat(body);
    }
    outcome.Message.result(http::status::ok);
    outcome.Message.set(http::field::content_type, type);
    outcome.Message.set(http::field::cache_control, fault.Corrupt ? "no-store" : "public, max-age=31536000, immutable");
    outcome.Message.body() = std::move(body);
    return outcome;
}

Outcome Origin::EvaluateControl(const PendingRequest& request)
{
    // Reached only for POST with the control token (HttpSession::GateControl).
    const char* json = "application/json";
    if (request.Path == "/control/faults")
    {
        std::string error;
        if (!Faults.Configure(request.Query, error))
            return MakeText(http::status::bad_request, ControlErrorJson(error), json, "no-store");
        std::fprintf(stderr, "livescope-origin: faults now %s\n", Faults.DescribeJson().c_str());
        return MakeText(http::status::ok, Faults.DescribeJson() + "\n", json, "no-store");
    }
    if (request.Path == "/control/restart-encoder")
    {
        // For player tests: the encoder restarts and the stream continues after EXT-X-DISCONTINUITY. A run stopped
        // here never counts as a failed run (DecideEncoderExit), however early it is stopped.
        const bool restarting = EncoderPid > 0;
        if (restarting)
        {
            RestartRequested = true;
            ::kill(EncoderPid, SIGTERM);
        }
        return MakeText(http::status::ok, RestartReplyJson(restarting), json, "no-store");
    }
    if (request.Path == "/control/status")
    {
        nlohmann::json renditions = nlohmann::json::array();
        for (const auto& rendition : Renditions)
        {
            const RenditionState& state = *rendition;
            uint64_t msn = 0, part = 0;
            const bool any = state.Live.LastPosition(msn, part);
            renditions.push_back({
                {"name", state.Spec.Name},
                {"codecs", state.Init.CodecsAttribute()},
                {"segments", state.Live.CompleteSegmentCount()},
                {"last_msn", any ? nlohmann::json(msn) : nlohmann::json(nullptr)},
                {"last_part", any ? nlohmann::json(part) : nlohmann::json(nullptr)},
                {"next_part", state.Live.NextPartNumber()},
            });
        }
        const nlohmann::json body = {
            {"session", Session},
            {"encoder_runs", Generation},
            {"encoder_failures", ConsecutiveFailures},
            {"ready", ReadyPrinted},
            {"renditions", std::move(renditions)},
            {"faults", nlohmann::json::parse(Faults.DescribeJson())},
        };
        return MakeText(http::status::ok, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n", json, "no-store");
    }
    return MakeText(http::status::not_found, ControlErrorJson("no such control endpoint"), json, "no-store");
}

Outcome Origin::Evaluate(const PendingRequest& request, bool timed_out)
{
    Outcome hold;
    hold.OutcomeKind = Outcome::Kind::Hold;
    const char* m3u8 = "application/vnd.apple.mpegurl";
    if (StoppingFlag)
        return MakeText(http::status::service_unavailable, "shutting down\n", "text/plain", "no-store");
    if (request.Path.rfind("/control/", 0) == 0)
        return EvaluateControl(request);
    if (request.Path == "/healthz")
        return MakeText(http::status::ok, "ok\n", "text/plain", "no-store");
    if (request.Path == "/live/master.m3u8")
    {
        std::vector<VariantEntry> variants;
        for (auto& state : Renditions)
        {
            std::string codecs = state->HaveInit ? state->Init.CodecsAttribute() : std::string();
            if (codecs.empty())
                codecs = "avc1.42c01f,mp4a.40.2";
            variants.push_back(VariantEntry{state->Spec.Name + "/index.m3u8", RenditionBandwidth(state->Spec), uint16_t(state->Spec.Width),
                                            uint16_t(state->Spec.Height), double(Options.Encoder.FrameRate), codecs});
        }
        if (!ReadyPrinted)
        {
            if (!timed_out)
                return hold; // wait for the first segments, so a player never sees an empty playlist
            return MakeText(http::status::service_unavailable, "encoder not ready\n", "text/plain", "no-store");
        }
        return MakeText(http::status::ok, RenderMultivariantPlaylist(variants), m3u8, "public, max-age=2");
    }
    if (request.Path.rfind("/live/", 0) != 0)
        return MakeText(http::status::not_found, "not found\n", "text/plain", "no-store");
    const std::string rest = request.Path.substr(6);
    const size_t slash = rest.find('/');
    if (slash == std::string::npos)
        return MakeText(http::status::not_found, "not found\n", "text/plain", "no-store");
    const std::string name = rest.substr(0, slash);
    const std::string file = rest.substr(slash + 1);
    RenditionState* state = nullptr;
    for (auto& candidate : Renditions)
        if (candidate->Spec.Name == name)
            state = candidate.get();
    if (!state)
        return MakeText(http::status::not_found, "no such rendition\n", "text/plain", "no-store");
    const LiveRendition& live = state->Live;

    if (file == "index.m3u8")
    {
        PlaylistRequest query;
        std::string reason;
        if (!ParsePlaylistQuery(request.Query, query, reason))
            return MakeText(http::status::bad_request, reason + "\n", "text/plain", "no-store");
        RequestVerdict verdict = DecidePlaylistRequest(live, query, reason);
        if (verdict == RequestVerdict::Serve && !ReadyPrinted && !query.HasMsn && live.CompleteSegmentCount() == 0)
            verdict = RequestVerdict::Hold;
        if (verdict == RequestVerdict::BadRequest)
            return MakeText(http::status::bad_request, reason + "\n", "text/plain", "no-store");
        if (verdict == RequestVerdict::Hold)
        {
            if (!timed_out)
                return hold;
            return MakeText(http::status::service_unavailable, "the requested media did not appear within 3 target durations\n", "text/plain", "no-store");
        }
        std::vector<RenditionReport> reports;
        for (auto& other : Renditions)
        {
            uint64_t msn = 0, part = 0;
            if (other.get() != state && other->Live.LastPosition(msn, part))
                reports.push_back(RenditionReport{"../" + other->Spec.Name + "/index.m3u8", msn, part});
        }
        // Blocking responses are cacheable (the query names the position); plain reloads get about half a part target.
        char cache[64];
        if (query.HasMsn)
            std::snprintf(cache, sizeof(cache), "public, max-age=%d", 6 * live.TargetDuration());
        else
            std::snprintf(cache, sizeof(cache), "public, max-age=%d", int(live.Config().PartTarget / 2.0 + 0.5));
        return MakeText(http::status::ok, RenderMediaPlaylist(live, Session, query.Skip, reports), m3u8, cache);
    }

    const MediaUri uri = ParseMediaUri(file, Session);
    switch (uri.UriKind)
    {
    case MediaUri::Kind::Init:
    {
        SharedBytes bytes = live.FindInit(uint32_t(uri.Number));
        if (!bytes)
            return MakeText(http::status::not_found, "no such init segment\n", "text/plain", "no-store");
        return ServeMedia(std::string(bytes->begin(), bytes->end()), "video/mp4", false);
    }
    case MediaUri::Kind::Part:
    {
        RequestVerdict verdict = DecidePartRequest(live, uri.Number);
        // Stream the part being built over chunked HTTP/1.1; HEAD, HTTP/1.0 and pending faults wait for the whole part.
        if (verdict == RequestVerdict::Stream && (request.Head || request.Version < 11 || !Faults.Idle()))
            verdict = RequestVerdict::Hold;
        if (verdict == RequestVerdict::Stream)
        {
            Outcome stream;
            stream.OutcomeKind = Outcome::Kind::StreamPart;
            stream.StreamNumber = uri.Number;
            for (size_t i = 0; i < Renditions.size(); i++)
                if (Renditions[i].get() == state)
                    stream.StreamRendition = i;
            return stream;
        }
        if (verdict == RequestVerdict::Hold)
            return timed_out ? MakeText(http::status::service_unavailable, "part did not appear in time\n", "text/plain", "no-store") : hold;
        const LivePart* part = live.FindPart(uri.Number);
        if (verdict != RequestVerdict::Serve || !part)
            return MakeText(http::status::not_found, "no such part\n", "text/plain", "no-store");
        return ServeMedia(std::string(part->Bytes->begin(), part->Bytes->end()), "video/mp4", true);
    }
    case MediaUri::Kind::Segment:
    {
        const RequestVerdict verdict = DecideSegmentRequest(live, uri.Number);
        if (verdict == RequestVerdict::Hold)
            return timed_out ? MakeText(http::status::service_unavailable, "segment did not complete in time\n", "text/plain", "no-store") : hold;
        const LiveSegment* segment = live.FindSegment(uri.Number);
        if (verdict != RequestVerdict::Serve || !segment)
            return MakeText(http::status::not_found, "no such segment\n", "text/plain", "no-store");
        std::string body;
        body.reserve(segment->ByteSize);
        for (const LivePart& part : segment->Parts)
            body.append(part.Bytes->begin(), part.Bytes->end());
        return ServeMedia(std::move(body), "video/mp4", true);
    }
    case MediaUri::Kind::Invalid:
        break;
    }
    return MakeText(http::status::not_found, "not found\n", "text/plain", "no-store");
}

} // namespace

// [SECTION] Run

int RunOrigin(const OriginOptions& options)
{
    std::string error;
    if (!ValidateEncoderConfig(options.Encoder, error))
    {
        std::fprintf(stderr, "livescope-origin: error: %s\n", error.c_str());
        return 2;
    }
    ::signal(SIGPIPE, SIG_IGN);
    asio::io_context io(1);
    auto origin = std::make_shared<Origin>(io, options);
    if (!origin->Start(error))
    {
        std::fprintf(stderr, "livescope-origin: error: %s\n", error.c_str());
        return 1;
    }
    io.run();
    const int code = origin->ExitCode();
    std::fprintf(stderr, "livescope-origin: stopped\n");
    return code;
}

} // namespace livescope
