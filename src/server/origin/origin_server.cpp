// The livescope-origin edge: the Origin object that ties the ffmpeg child (encoder_process.h), the live windows
// (live_playlist.h), the HTTP sessions (http_session.h) and the pure router (router.h) together; plus /control/.
// [SECTION] Declarations
// [SECTION] Encoder runs
// [SECTION] Media ingest
// [SECTION] Requests
// [SECTION] Run
#include "origin_server.h"

#include "control.h"
#include "encoder_process.h"
#include "faults.h"
#include "fmp4.h"
#include "http_session.h"
#include "live_playlist.h"
#include "router.h"

#include <utility> // Boost 1.74 asio/awaitable.hpp needs std::exchange under C++20

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

namespace livescope {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = boost::asio::ip::tcp;

constexpr int AcceptRetryMs = 50; // ms between accept attempts while accept fails (as the relay)

// [SECTION] Declarations

namespace {

int64_t WallNowMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

struct RenditionState
{
    RenditionSpec Spec;
    LiveRendition Live;
    Fmp4StreamSplitter Splitter;
    Mp4InitInfo Init;
    bool HaveInit = false;
    uint64_t FragmentsThisGeneration = 0;
};

RouteDecision ControlReply(int status, std::string body)
{
    RouteDecision decision;
    decision.Status = status;
    decision.ContentType = "application/json";
    decision.CacheControl = "no-store";
    decision.Body = std::move(body);
    return decision;
}

class Origin : public SessionHost, public std::enable_shared_from_this<Origin>
{
public:
    Origin(asio::io_context& io, const OriginOptions& options);
    bool Start(std::string& error);
    void Stop();
    int ExitCode() const { return ExitCodeValue; }

    // SessionHost
    RouteDecision Evaluate(const PendingRequest& request, bool timed_out) override;
    void AddWaiter(const std::shared_ptr<HeldRequest>& waiter) override { Waiters.push_back(waiter); }
    double HoldTimeout() const override; // seconds
    bool ReadPart(size_t rendition, uint64_t number, size_t offset, std::vector<uint8_t>& out, bool& complete) const override
    {
        return rendition < Renditions.size() && Renditions[rendition]->Live.ReadPartBytes(number, offset, out, complete);
    }
    bool Stopping() const override { return StoppingFlag; }
    const std::string& ControlToken() const override { return Options.ControlToken; }

private:
    void StartEncoder();
    bool OnEncoderBytes(size_t index, const uint8_t* data, size_t size);
    void OnPipeClosed(size_t index, const std::string& why);
    void OnAllPipesClosed();
    void OnEncoderExited(int status);
    void OnChunk(size_t index, Fmp4Chunk& chunk);
    void NotifyWaiters();
    void CheckReady();
    void DoAccept();
    RouteDecision EvaluateControl(const PendingRequest& request);

    asio::io_context& Io;
    OriginOptions Options;
    tcp::acceptor Acceptor;
    asio::signal_set Signals;
    asio::steady_timer RestartTimer;
    asio::steady_timer AcceptRetry;    // backoff after a failed accept (out of file descriptors)
    EncoderProcess Encoder;
    std::string Session;   // boot id in URIs
    std::string BaseUrl;   // http://host:port
    std::vector<std::unique_ptr<RenditionState>> Renditions;
    std::vector<std::weak_ptr<HeldRequest>> Waiters;
    FaultPlan Faults;

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

// [SECTION] Encoder runs

Origin::Origin(asio::io_context& io, const OriginOptions& options)
    : Io(io), Options(options), Acceptor(io), Signals(io, SIGINT, SIGTERM), RestartTimer(io), AcceptRetry(io),
      Encoder(io, EncoderProcess::Events{
                      [this](size_t index, const uint8_t* data, size_t size) { return OnEncoderBytes(index, data, size); },
                      [this](size_t index, const std::string& why) { OnPipeClosed(index, why); },
                      [this]() { OnAllPipesClosed(); },
                      [this](int status) { OnEncoderExited(status); },
                  })
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
    const size_t count = Renditions.size();
    std::string error;
    if (!Encoder.Start(BuildFfmpegArgs(Options.Encoder), count, error))
    {
        std::fprintf(stderr, "livescope-origin: %s\n", error.c_str());
        ExitCodeValue = 1;
        Stop();
        return;
    }
    Generation++;
    GenerationProducedMedia = false;
    RestartRequested = false;
    HaveAnchor = false;
    std::fprintf(stderr, "livescope-origin: ffmpeg started (pid %d, run %u, %zu rendition(s), source %s)\n", int(Encoder.ProcessId()), Generation, count,
                 Options.Encoder.Source.c_str());
    for (auto& state : Renditions)
    {
        state->Splitter.Reset();
        state->HaveInit = false;
        state->FragmentsThisGeneration = 0;
    }
}

bool Origin::OnEncoderBytes(size_t index, const uint8_t* data, size_t size)
{
    RenditionState& rendition = *Renditions[index];
    std::vector<Fmp4Chunk> chunks;
    if (!rendition.Splitter.Feed(data, size, chunks))
    {
        std::fprintf(stderr, "livescope-origin: %s: bad fMP4 from ffmpeg: %s\n", rendition.Spec.Name.c_str(), rendition.Splitter.ErrorReason().c_str());
        Encoder.Signal(SIGTERM);
    }
    for (Fmp4Chunk& chunk : chunks)
        OnChunk(index, chunk);
    if (!chunks.empty())
    {
        NotifyWaiters();
        CheckReady();
    }
    return !rendition.Splitter.Failed();
}

void Origin::OnPipeClosed(size_t index, const std::string& why)
{
    if (!StoppingFlag && why != "end of stream")
        std::fprintf(stderr, "livescope-origin: %s: pipe closed: %s\n", Renditions[index]->Spec.Name.c_str(), why.c_str());
}

void Origin::OnAllPipesClosed()
{
    for (auto& rendition : Renditions)
        rendition->Live.CloseOpenSegment();
    NotifyWaiters();
}

void Origin::OnEncoderExited(int status)
{
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
    if (!Encoder.Terminate()) // SIGKILL after 3 s; OnEncoderExited stops the io_context
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
    std::vector<std::weak_ptr<HeldRequest>> waiters;
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
        StartHttpSession(std::move(socket), self);
        self->DoAccept();
    });
}

// [SECTION] Requests

RouteDecision Origin::EvaluateControl(const PendingRequest& request)
{
    // Reached only for POST with the control token (the HTTP session's gate).
    if (request.Path == "/control/faults")
    {
        std::string error;
        if (!Faults.Configure(request.Query, error))
            return ControlReply(400, ControlErrorJson(error));
        std::fprintf(stderr, "livescope-origin: faults now %s\n", Faults.DescribeJson().c_str());
        return ControlReply(200, Faults.DescribeJson() + "\n");
    }
    if (request.Path == "/control/restart-encoder")
    {
        // For player tests: the encoder restarts and the stream continues after EXT-X-DISCONTINUITY. A run stopped
        // here never counts as a failed run (DecideEncoderExit), however early it is stopped.
        const bool restarting = Encoder.Running();
        if (restarting)
        {
            RestartRequested = true;
            Encoder.Signal(SIGTERM);
        }
        return ControlReply(200, RestartReplyJson(restarting));
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
        return ControlReply(200, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    }
    return ControlReply(404, ControlErrorJson("no such control endpoint"));
}

RouteDecision Origin::Evaluate(const PendingRequest& request, bool timed_out)
{
    RouterRequest routed;
    routed.Path = request.Path;
    routed.Query = request.Query;
    routed.Head = request.Head;
    routed.Version = request.Version;
    routed.TimedOut = timed_out;
    RouterState state;
    state.Session = Session;
    state.Ready = ReadyPrinted;
    state.Stopping = StoppingFlag;
    state.FrameRate = Options.Encoder.FrameRate;
    for (const auto& rendition : Renditions)
        state.Renditions.push_back(RouterRendition{&rendition->Spec, &rendition->Live, &rendition->Init, rendition->HaveInit});
    RouteDecision decision = Route(routed, state, Faults);
    if (decision.DecisionKind == RouteDecision::Kind::Control)
        return EvaluateControl(request);
    return decision;
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
