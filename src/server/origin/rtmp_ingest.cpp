// RTMP ingest: the nginx child (start, readiness, supervision, stop), the callback endpoint and the pullers.
#include "rtmp_ingest.h"

#include "child_process.h"
#include "encoder_process.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

namespace livescope {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

constexpr int SuperviseMs = 500;     // ms between checks that nginx still runs
constexpr int RestartDelayMs = 1000; // ms before nginx is started again after it died
constexpr int QuickExitS = 10;       // s: an nginx run shorter than this counts as a failed start
constexpr int MaxQuickExits = 3;     // failed starts in a row before RTMP ingest gives up (the origin goes on)
constexpr int CallbackTimeoutS = 5;  // s nginx has to send a callback request
constexpr int AcceptRetryMs = 50;    // ms between accept attempts while accept fails
constexpr size_t ErrorLogTailBytes = 600;

int64_t NowSeconds()
{
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string RandomHex(size_t bytes)
{
    std::string raw(bytes, '\0');
    size_t got = 0;
    while (got < bytes)
    {
        const ssize_t n = ::getrandom(raw.data() + got, bytes - got, 0);
        if (n <= 0)
            continue; // EINTR; getrandom does not fail otherwise once the pool is ready
        got += size_t(n);
    }
    static const char* const Hex = "0123456789abcdef";
    std::string out;
    for (const char c : raw)
    {
        out += Hex[static_cast<unsigned char>(c) >> 4];
        out += Hex[static_cast<unsigned char>(c) & 15];
    }
    return out;
}

std::string DescribeStatus(int status)
{
    if (WIFEXITED(status))
        return "exit status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status))
        return "signal " + std::to_string(WTERMSIG(status));
    return "status " + std::to_string(status);
}

// The last lines of nginx's error log, on one line, for a message.
std::string ErrorLogTail(const std::string& dir)
{
    std::ifstream file(dir + "/error.log", std::ios::binary);
    std::ostringstream text;
    text << file.rdbuf();
    std::string tail = text.str();
    if (tail.size() > ErrorLogTailBytes)
        tail = "..." + tail.substr(tail.size() - ErrorLogTailBytes);
    for (char& c : tail)
        if (c == '\n' || c == '\r')
            c = ' ';
    while (!tail.empty() && tail.back() == ' ')
        tail.pop_back();
    return tail.empty() ? "(nothing in its error log)" : tail;
}

// Binds host:port (port 0: the kernel picks) to check it is free; the port it got in `chosen`.
bool ProbePort(asio::io_context& io, const std::string& host, uint16_t port, uint16_t& chosen, std::string& error)
{
    beast::error_code ec;
    const auto address = asio::ip::make_address(host, ec);
    if (ec)
    {
        error = "bad address '" + host + "': " + ec.message();
        return false;
    }
    tcp::acceptor probe(io);
    const tcp::endpoint endpoint(address, port);
    probe.open(endpoint.protocol(), ec);
    if (!ec)
        probe.set_option(asio::socket_base::reuse_address(true), ec); // as nginx binds
    if (!ec)
        probe.bind(endpoint, ec);
    if (ec)
    {
        error = "cannot listen on " + RtmpListenAddress(host, port) + " for RTMP: " + ec.message();
        return false;
    }
    chosen = probe.local_endpoint().port();
    return true;
}

class RtmpIngestImpl;

// The answer to one nginx callback.
struct CallbackAnswer
{
    CallbackAnswer(int status, std::string message, std::string location = {})
        : Status(status), Message(std::move(message)), Location(std::move(location))
    {
    }
    int Status = 200;
    std::string Message;  // one line, for the log of whoever reads it
    std::string Location; // with a 3xx to a publish: the stream's new name inside nginx
};

// One admitted RTMP publisher, seen by the origin as a Publisher: the ffmpeg puller's MPEG-TS goes to the broadcast
// in order, one write at a time, queued (at most RtmpQueueMaxBytes) while the encoder takes the last one.
class RtmpPublisher : public Publisher, public std::enable_shared_from_this<RtmpPublisher>
{
public:
    RtmpPublisher(asio::io_context& io, std::weak_ptr<SessionHost> host, std::weak_ptr<RtmpIngestImpl> owner, std::string name, std::string key)
        : Name(std::move(name)), Key(std::move(key)), Host(std::move(host)), Owner(std::move(owner)),
          DrainTimer(io), FirstMediaTimer(io), Puller(io, EncoderProcess::Events{
                                                              [this](size_t, const uint8_t* data, size_t size) { return OnBytes(data, size); },
                                                              [this](size_t, const std::string& why) {
                                                                  if (why != "end of stream" && !Dropped)
                                                                      std::fprintf(stderr, "livescope-origin: rtmp: %s: puller pipe closed: %s\n", Name.c_str(), why.c_str());
                                                              },
                                                              []() {},
                                                              [this](int status) { OnExited(status); },
                                                          })
    {
    }

    ~RtmpPublisher() override
    {
        Puller.Signal(SIGKILL); // only at exit: otherwise destroyed once reaped
        if (Admitted && !GoneSent)
            if (auto host = Host.lock())
                host->PublisherGone(Name, this);
    }

    bool Start(const std::vector<std::string>& args, std::string& error)
    {
        if (!Puller.Start(args, 1, error))
            return false;
        // nginx sends nothing before a video keyframe (wait_key, wait_video): a stream without one is cut.
        FirstMediaTimer.expires_after(std::chrono::seconds(RtmpFirstMediaS));
        FirstMediaTimer.async_wait([weak = weak_from_this()](beast::error_code ec) {
            auto self = weak.lock();
            if (!ec && self && !self->GotMedia)
                self->Kick("no video keyframe within " + std::to_string(RtmpFirstMediaS) + " s (RTMP ingest needs video, keyframes every 1 to 2 s)");
        });
        return true;
    }

    void Kick(const std::string& reason) override
    {
        if (Kicked)
            return;
        Kicked = true;
        Dropped = true; // nginx cuts the RTMP connection at its next update
        if (!PullerExited)
            std::fprintf(stderr, "livescope-origin: rtmp: publisher for %s cut: %s\n", Name.c_str(), reason.c_str());
        if (Puller.Running())
            Puller.Signal(SIGKILL); // its pipe closes, then it is reaped: OnExited sends Gone
        else
            SendGone();
    }

    // nginx says this publisher's stream ended (publish_done, or nginx itself died).
    void NginxDone()
    {
        if (NginxFinished)
            return;
        NginxFinished = true;
        if (!Puller.Running())
        {
            Dropped = true;
            CheckFinished();
            return;
        }
        // What the puller still holds reaches the encoder; then it is ended (it would wait for more) and the
        // broadcast's grace starts.
        DrainTimer.expires_after(std::chrono::milliseconds(RtmpDrainMs));
        DrainTimer.async_wait([self = shared_from_this()](beast::error_code) {
            self->Dropped = true;
            self->Puller.Signal(SIGKILL);
        });
    }

    // The publisher is back (a new publish for this broadcast) while this one's puller still drains: end it now, so
    // that the new connection resumes the broadcast instead of being refused as a second publisher.
    void FinishNow()
    {
        if (!NginxFinished || GoneSent)
            return;
        DrainTimer.cancel();
        Dropped = true;
        Puller.Signal(SIGKILL);
        SendGone();
    }

    bool Finished() const { return NginxFinished && PullerExited && (GoneSent || !Admitted); }

    const std::string Name; // the broadcast
    const std::string Key;  // in RtmpIngestImpl::Publishers: nginx run and client id
    bool Admitted = false;
    bool Dropped = false; // the origin no longer takes this publisher: an update cuts it

    void SendGone()
    {
        if (GoneSent || !Admitted)
            return;
        GoneSent = true;
        Queue.clear();
        if (auto host = Host.lock())
            host->PublisherGone(Name, this);
        CheckFinished();
    }

private:
    bool OnBytes(const uint8_t* data, size_t size)
    {
        if (Dropped || GoneSent)
            return true; // drained until the puller exits
        if (!GotMedia)
        {
            GotMedia = true;
            FirstMediaTimer.cancel();
        }
        ReadLayout(data, size);
        Queue.append(reinterpret_cast<const char*>(data), size);
        if (Queue.size() > RtmpQueueMaxBytes)
        {
            Kick("the encoder does not keep up with this stream");
            return true;
        }
        Flush();
        return true;
    }

    // The stream's tracks, from the puller's first bytes: a stream with one track was held by the puller's whole probe,
    // so the origin is told when its media started (RtmpMediaStartMs; the PDT anchor, capture_clock.h).
    void ReadLayout(const uint8_t* data, size_t size)
    {
        if (LayoutRead)
            return;
        if (FirstBytesMs == 0)
            FirstBytesMs = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
        LayoutBytes.append(reinterpret_cast<const char*>(data), size);
        const InputLayout layout = ProbeInputLayout(LayoutBytes);
        if (layout.LayoutKind == InputLayout::Kind::NeedMore)
            return;
        LayoutRead = true;
        std::string().swap(LayoutBytes);
        const int64_t start_ms = RtmpMediaStartMs(FirstBytesMs, layout);
        if (start_ms <= 0)
            return;
        if (auto host = Host.lock())
            host->PublisherCaptureClock(Name, this, start_ms);
        std::fprintf(stderr, "livescope-origin: rtmp: %s: one track: its media started %d ms before the puller's first bytes (its probe)\n",
                     Name.c_str(), int(RtmpPullProbeMs));
    }

    void Flush()
    {
        if (Writing || Queue.empty() || GoneSent)
            return;
        auto host = Host.lock();
        if (!host)
            return;
        Writing = true;
        auto bytes = std::make_shared<const std::string>(std::move(Queue));
        Queue.clear();
        host->PublisherBytes(Name, this, std::move(bytes), [self = shared_from_this()](bool ok) {
            self->Writing = false;
            if (!ok)
            {
                self->Kick("this broadcast takes no more media from this connection");
                return;
            }
            self->Flush();
            if (self->PullerExited && !self->Writing)
                self->SendGone();
        });
    }

    void OnExited(int status)
    {
        PullerExited = true;
        if (!Dropped)
            std::fprintf(stderr, "livescope-origin: rtmp: %s: puller ffmpeg exited (%s)\n", Name.c_str(), DescribeStatus(status).c_str());
        Dropped = true;
        if (!Kicked)
            Flush(); // what it wrote last still reaches the encoder; Gone follows that write
        if (Kicked || !Writing)
            SendGone();
        CheckFinished();
    }

    void CheckFinished();

    std::weak_ptr<SessionHost> Host;
    std::weak_ptr<RtmpIngestImpl> Owner;
    asio::steady_timer DrainTimer;
    asio::steady_timer FirstMediaTimer;
    EncoderProcess Puller;
    std::string Queue;
    bool Writing = false;
    bool GotMedia = false;
    bool LayoutRead = false;  // the puller's first bytes told the stream's tracks (ReadLayout)
    int64_t FirstBytesMs = 0; // ms since the epoch: when the puller's first bytes arrived
    std::string LayoutBytes;  // the puller's first bytes until then (at most InputProbeMaxBytes + one read)
    bool Kicked = false;
    bool PullerExited = false;
    bool NginxFinished = false;
    bool GoneSent = false;
};

class RtmpIngestImpl : public RtmpIngest, public std::enable_shared_from_this<RtmpIngestImpl>
{
public:
    RtmpIngestImpl(asio::io_context& io, const std::shared_ptr<SessionHost>& host, const RtmpOptions& options, std::string listen_host,
                   std::string secret, const EncoderConfig& encoder)
        : Io(io), Host(host), Options(options), ListenHost(std::move(listen_host)), Secret(std::move(secret)), FfmpegPath(encoder.FfmpegPath),
          FfmpegLogLevel(encoder.LogLevel), CallbackSecret(RandomHex(24)), Acceptor(io), SuperviseTimer(io), AcceptRetry(io)
    {
    }

    ~RtmpIngestImpl() override
    {
        KillNginx(0);
        RemoveDir();
    }

    bool Start(std::string& error);
    void Stop() override;
    const std::string& Url() const override { return PublicUrl; }

    // A publisher whose puller was reaped and whose stream nginx closed is forgotten, after the handlers already queued.
    void Forget(const std::string& key)
    {
        const auto it = Publishers.find(key);
        if (it == Publishers.end() || !it->second->Finished())
            return;
        std::shared_ptr<RtmpPublisher> publisher = std::move(it->second);
        Publishers.erase(it);
        asio::post(Io, [publisher, &io = Io]() { asio::post(io, [publisher]() {}); });
    }

    // The answer to one callback request: status and a one-line message.
    CallbackAnswer Answer(const http::request<http::string_body>& request);

private:
    bool SpawnNginx(std::string& error);
    bool WaitNginxReady(std::string& error);
    void Supervise();
    void NginxExited(int status);
    void KillNginx(int wait_ms);
    void RemoveDir();
    void DoAccept();
    CallbackAnswer OnPublish(const RtmpCallback& callback);

    asio::io_context& Io;
    std::weak_ptr<SessionHost> Host;
    RtmpOptions Options;
    std::string ListenHost;
    std::string Secret;
    std::string FfmpegPath;
    std::string FfmpegLogLevel;
    const std::string CallbackSecret;
    tcp::acceptor Acceptor; // 127.0.0.1, nginx's callbacks
    asio::steady_timer SuperviseTimer;
    asio::steady_timer AcceptRetry;
    std::string Dir;
    std::string PublicUrl;
    uint16_t Port = 0;
    pid_t NginxPid = -1;
    std::chrono::steady_clock::time_point NginxStarted;
    int QuickExits = 0;
    bool StoppingFlag = false;
    uint64_t NginxRuns = 0;                                           // nginx runs so far: client ids restart with each
    std::map<std::string, std::shared_ptr<RtmpPublisher>> Publishers; // by PublisherKey (run and client id)
    std::string PublisherKey(const std::string& client) const { return std::to_string(NginxRuns) + "/" + client; }
};

void RtmpPublisher::CheckFinished()
{
    if (!Finished())
        return;
    if (auto owner = Owner.lock())
        owner->Forget(Key);
}

// One callback connection from nginx: read one request, answer, close.
class CallbackConnection : public std::enable_shared_from_this<CallbackConnection>
{
public:
    CallbackConnection(tcp::socket socket, std::shared_ptr<RtmpIngestImpl> owner) : Stream(std::move(socket)), Owner(std::move(owner)) {}

    void Start()
    {
        Parser.body_limit(RtmpCallbackMaxBytes);
        Stream.expires_after(std::chrono::seconds(CallbackTimeoutS));
        http::async_read(Stream, Buffer, Parser, [self = shared_from_this()](beast::error_code ec, size_t) {
            if (ec)
            {
                self->Close();
                return;
            }
            self->Reply();
        });
    }

private:
    void Reply()
    {
        const auto& request = Parser.get();
        const CallbackAnswer answer = Owner->Answer(request);
        auto response = std::make_shared<http::response<http::string_body>>(http::status(answer.Status), request.version());
        response->set(http::field::server, "livescope-origin");
        response->set(http::field::content_type, "text/plain");
        if (!answer.Location.empty())
            response->set(http::field::location, answer.Location);
        response->keep_alive(false);
        response->body() = answer.Message + "\n";
        response->prepare_payload();
        http::async_write(Stream, *response, [self = shared_from_this(), response](beast::error_code, size_t) { self->Close(); });
    }

    void Close()
    {
        beast::error_code ignored;
        Stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        Stream.socket().close(ignored);
    }

    beast::tcp_stream Stream;
    beast::flat_buffer Buffer;
    http::request_parser<http::string_body> Parser;
    std::shared_ptr<RtmpIngestImpl> Owner;
};

bool RtmpIngestImpl::Start(std::string& error)
{
    if (!ProbePort(Io, ListenHost, Options.Port, Port, error))
        return false;
    // The callback endpoint: loopback only, an ephemeral port.
    beast::error_code ec;
    const tcp::endpoint local(asio::ip::make_address("127.0.0.1"), 0);
    Acceptor.open(local.protocol(), ec);
    if (!ec)
        Acceptor.bind(local, ec);
    if (!ec)
        Acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
    {
        error = "cannot listen on 127.0.0.1 for nginx's RTMP callbacks: " + ec.message();
        return false;
    }
    ::fcntl(Acceptor.native_handle(), F_SETFD, FD_CLOEXEC);
    // The private folder: nginx.conf, pid file and error log.
    std::error_code fs_ec;
    std::string pattern = (std::filesystem::temp_directory_path(fs_ec) / "livescope-rtmp-XXXXXX").string();
    if (fs_ec || !::mkdtemp(pattern.data()))
    {
        error = std::string("cannot make a temp folder for nginx: ") + std::strerror(errno);
        return false;
    }
    Dir = pattern;
    NginxRtmpConfig config;
    config.ModulePath = Options.ModulePath;
    config.Dir = Dir;
    config.Host = ListenHost;
    config.Port = Port;
    config.CallbackUrl = "http://127.0.0.1:" + std::to_string(Acceptor.local_endpoint().port()) + RtmpCallbackPath(CallbackSecret);
    std::string text;
    if (!BuildNginxRtmpConfig(config, text, error))
        return false;
    {
        std::ofstream file(Dir + "/nginx.conf", std::ios::binary | std::ios::trunc);
        file << text;
        if (!file)
        {
            error = "cannot write " + Dir + "/nginx.conf";
            return false;
        }
    }
    if (::access(Options.NginxPath.c_str(), X_OK) != 0)
    {
        error = "nginx (" + Options.NginxPath + ") is missing (Debian package nginx)";
        return false;
    }
    if (::access(Options.ModulePath.c_str(), R_OK) != 0)
    {
        error = "nginx's RTMP module " + Options.ModulePath + " is missing (Debian package libnginx-mod-rtmp)";
        return false;
    }
    if (!SpawnNginx(error) || !WaitNginxReady(error))
        return false;
    PublicUrl = "rtmp://" + RtmpListenAddress(ListenHost, Port) + "/" + RtmpApplication;
    DoAccept();
    Supervise();
    return true;
}

bool RtmpIngestImpl::SpawnNginx(std::string& error)
{
    // nginx runs as one process (master_process off), so the parent-death signal reaches everything it runs.
    ChildSpec spec;
    spec.Args = BuildNginxArgs(Options.NginxPath, Dir);
    spec.StdoutToNull = true;
    spec.ExecFailMessage = "livescope-origin: cannot exec nginx\n";
    const pid_t pid = SpawnChild(spec, error);
    if (pid < 0)
        return false;
    NginxPid = pid;
    NginxRuns++;
    NginxStarted = std::chrono::steady_clock::now();
    std::fprintf(stderr, "livescope-origin: rtmp: nginx started (pid %d, %s)\n", int(pid), (Dir + "/nginx.conf").c_str());
    return true;
}

bool RtmpIngestImpl::WaitNginxReady(std::string& error)
{
    // Blocking, at start only: the origin serves nothing before RunOrigin's loop anyway.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(RtmpStartTimeoutMs);
    const tcp::endpoint target(asio::ip::make_address(RtmpLocalHost(ListenHost)), Port);
    while (std::chrono::steady_clock::now() < deadline)
    {
        int status = 0;
        if (::waitpid(NginxPid, &status, WNOHANG) == NginxPid)
        {
            NginxPid = -1;
            error = "nginx (" + Options.NginxPath + ") exited at start (" + DescribeStatus(status) + "): " + ErrorLogTail(Dir);
            return false;
        }
        tcp::socket probe(Io);
        beast::error_code ec;
        probe.connect(target, ec);
        if (!ec)
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    error = "nginx did not accept RTMP connections on " + RtmpListenAddress(ListenHost, Port) + " within " + std::to_string(RtmpStartTimeoutMs) +
            " ms: " + ErrorLogTail(Dir);
    KillNginx(1000);
    return false;
}

void RtmpIngestImpl::Supervise()
{
    SuperviseTimer.expires_after(std::chrono::milliseconds(SuperviseMs));
    SuperviseTimer.async_wait([weak = weak_from_this()](beast::error_code ec) {
        auto self = weak.lock();
        if (ec || !self || self->StoppingFlag)
            return;
        int status = 0;
        if (self->NginxPid > 0 && ::waitpid(self->NginxPid, &status, WNOHANG) == self->NginxPid)
        {
            self->NginxPid = -1;
            self->NginxExited(status);
            return;
        }
        self->Supervise();
    });
}

void RtmpIngestImpl::NginxExited(int status)
{
    const auto ran = std::chrono::steady_clock::now() - NginxStarted;
    QuickExits = ran < std::chrono::seconds(QuickExitS) ? QuickExits + 1 : 1;
    std::fprintf(stderr, "livescope-origin: rtmp: nginx exited (%s): %s\n", DescribeStatus(status).c_str(), ErrorLogTail(Dir).c_str());
    // Its publishers are gone with it: their broadcasts' grace starts.
    std::vector<std::shared_ptr<RtmpPublisher>> publishers;
    for (const auto& [client, publisher] : Publishers)
        publishers.push_back(publisher);
    for (const auto& publisher : publishers)
        publisher->NginxDone();
    if (QuickExits >= MaxQuickExits)
    {
        std::fprintf(stderr, "livescope-origin: rtmp: error: nginx failed %d times in a row; RTMP ingest is off\n", QuickExits);
        return;
    }
    SuperviseTimer.expires_after(std::chrono::milliseconds(RestartDelayMs));
    SuperviseTimer.async_wait([weak = weak_from_this()](beast::error_code ec) {
        auto self = weak.lock();
        if (ec || !self || self->StoppingFlag)
            return;
        // Publishers of the old run are forgotten once their pullers are reaped; client ids restart (PublisherKey).
        std::string error;
        if (!self->SpawnNginx(error))
        {
            std::fprintf(stderr, "livescope-origin: rtmp: error: cannot restart nginx: %s; RTMP ingest is off\n", error.c_str());
            return;
        }
        self->Supervise();
    });
}

void RtmpIngestImpl::KillNginx(int wait_ms)
{
    if (NginxPid <= 0)
        return;
    int status = 0;
    ::kill(NginxPid, wait_ms > 0 ? SIGTERM : SIGKILL);
    for (int waited = 0; waited < wait_ms; waited += 10)
    {
        if (::waitpid(NginxPid, &status, WNOHANG) == NginxPid)
        {
            NginxPid = -1;
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(NginxPid, SIGKILL);
    ::waitpid(NginxPid, &status, 0);
    NginxPid = -1;
}

void RtmpIngestImpl::RemoveDir()
{
    if (Dir.empty())
        return;
    std::error_code ignored;
    std::filesystem::remove_all(Dir, ignored);
    Dir.clear();
}

void RtmpIngestImpl::Stop()
{
    if (StoppingFlag)
        return;
    StoppingFlag = true;
    beast::error_code ignored;
    Acceptor.close(ignored);
    SuperviseTimer.cancel();
    AcceptRetry.cancel();
    for (const auto& [client, publisher] : Publishers)
        publisher->Kick("the origin is stopping");
    KillNginx(1000);
    RemoveDir();
}

void RtmpIngestImpl::DoAccept()
{
    Acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
        if (self->StoppingFlag || ec == asio::error::operation_aborted || !self->Acceptor.is_open())
            return;
        if (ec)
        {
            self->AcceptRetry.expires_after(std::chrono::milliseconds(AcceptRetryMs));
            self->AcceptRetry.async_wait([self](beast::error_code wait_ec) {
                if (!wait_ec)
                    self->DoAccept();
            });
            return;
        }
        ::fcntl(socket.native_handle(), F_SETFD, FD_CLOEXEC);
        std::make_shared<CallbackConnection>(std::move(socket), self)->Start();
        self->DoAccept();
    });
}

CallbackAnswer RtmpIngestImpl::Answer(const http::request<http::string_body>& request)
{
    if (!RtmpCallbackAuthorized(std::string_view(request.target()), CallbackSecret))
        return {404, "not found"};
    if (request.method() != http::verb::post)
        return {405, "POST only"};
    const RtmpCallback callback = ParseRtmpCallback(request.body());
    if (StoppingFlag)
        return {503, "the origin is stopping"};
    const auto it = Publishers.find(PublisherKey(callback.ClientId));
    const bool known = it != Publishers.end();
    switch (callback.Call)
    {
        case RtmpCall::Publish:
            return OnPublish(callback);
        case RtmpCall::PublishDone:
            if (known)
            {
                std::shared_ptr<RtmpPublisher> publisher = it->second;
                publisher->NginxDone();
            }
            return {200, "ok"};
        case RtmpCall::UpdatePublish:
        case RtmpCall::UpdatePlay: {
            const int status = RtmpUpdateStatus(callback.Call, known, known && it->second->Dropped);
            return {status, status == 200 ? "ok" : "this publisher is no longer taken"};
        }
        case RtmpCall::Other:
            break;
    }
    return {200, "ok"};
}

CallbackAnswer RtmpIngestImpl::OnPublish(const RtmpCallback& callback)
{
    auto host = Host.lock();
    if (!host)
        return {503, "the origin is stopping"};
    const RtmpPublishPlan plan = PlanRtmpPublish(Secret, callback, NowSeconds());
    if (plan.Status != 200)
    {
        std::fprintf(stderr, "livescope-origin: rtmp: publisher from %s refused: %s\n", callback.Address.c_str(), plan.Message.c_str());
        return {plan.Status, plan.Message};
    }
    const std::string key = PublisherKey(callback.ClientId);
    if (callback.ClientId.empty() || Publishers.count(key))
        return {409, "this RTMP connection already publishes"};
    std::vector<std::shared_ptr<RtmpPublisher>> draining;
    for (const auto& [other_key, other] : Publishers)
        if (other->Name == plan.Broadcast)
            draining.push_back(other);
    for (const auto& other : draining)
        other->FinishNow();
    auto publisher = std::make_shared<RtmpPublisher>(Io, Host, weak_from_this(), plan.Broadcast, key);
    const IngestAdmission admission = host->AdmitPublisher(plan.Broadcast, plan.Query, "", publisher);
    if (admission.Status != 101)
        return {admission.Status, admission.Message}; // the origin logged why
    publisher->Admitted = true;
    std::string error;
    // Inside nginx the stream takes a random name (the 302's Location): the key never shows in the puller's argv
    // (`ps`) or in its messages.
    const std::string stream = RandomHex(16);
    if (!publisher->Start(BuildRtmpPullArgs(FfmpegPath, FfmpegLogLevel, ListenHost, Port, stream), error))
    {
        std::fprintf(stderr, "livescope-origin: rtmp: %s: cannot start the puller: %s\n", plan.Broadcast.c_str(), error.c_str());
        publisher->SendGone();
        return {503, "cannot start the puller: " + error};
    }
    Publishers[key] = publisher;
    std::fprintf(stderr, "livescope-origin: rtmp: publisher for %s from %s (client %s) admitted\n", plan.Broadcast.c_str(), callback.Address.c_str(),
                 callback.ClientId.c_str());
    return {RtmpRenameStatus, "admitted", stream};
}

} // namespace

std::shared_ptr<RtmpIngest> StartRtmpIngest(asio::io_context& io, const std::shared_ptr<SessionHost>& host, const RtmpOptions& options,
                                            const std::string& listen_host, const std::string& secret, const EncoderConfig& encoder,
                                            std::string& error)
{
    auto ingest = std::make_shared<RtmpIngestImpl>(io, host, options, listen_host, secret, encoder);
    if (!ingest->Start(error))
        return nullptr;
    return ingest;
}

} // namespace livescope
