// SRT ingest (libsrt): the listener and its pre-accept check, our SRT thread (accepts, reads, closes: the only thread of
// ours that calls libsrt besides the listen callback), and SrtPublisher, the origin's view of one connection, which lives
// on the io_context's thread. Threads talk by posting to the io_context (SRT thread -> origin) and through SrtShared
// under its mutex (origin -> SRT thread: close requests; listen callback -> SRT thread: admitted connections).
#include "srt_ingest.h"

#include <livescope/server/origin/srt_streamid.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>

#include <srt/srt.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syslog.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace livescope {

namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr int PollMs = 100;                  // ms our SRT thread waits for events before it looks at close requests
constexpr int PendingAcceptMs = 5000;        // ms an admitted connection may take to come out of srt_accept
constexpr size_t ReadChunkBytes = 256 * 1024; // bytes read from one connection before they are posted to the origin
constexpr int ListenBacklog = 16;

int64_t WallNowS()
{
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string PeerText(const sockaddr* peer)
{
    char text[INET6_ADDRSTRLEN] = "?";
    if (!peer)
        return text;
    if (peer->sa_family == AF_INET)
    {
        const auto* v4 = reinterpret_cast<const sockaddr_in*>(peer);
        ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof(text));
        return std::string(text) + ":" + std::to_string(ntohs(v4->sin_port));
    }
    if (peer->sa_family == AF_INET6)
    {
        const auto* v6 = reinterpret_cast<const sockaddr_in6*>(peer);
        ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof(text));
        return "[" + std::string(text) + "]:" + std::to_string(ntohs(v6->sin6_port));
    }
    return text;
}

// What the io thread, libsrt's listen callback and our SRT thread share.
struct SrtShared
{
    std::mutex Mutex;
    std::vector<SRTSOCKET> CloseRequests; // from SrtPublisher::Kick
};

// One publisher's connection as the origin sees it. Name, Key, Peer and Socket never change; InFlight is shared with the
// SRT thread; everything else belongs to the io thread.
class SrtPublisher : public Publisher, public std::enable_shared_from_this<SrtPublisher>
{
public:
    SrtPublisher(SRTSOCKET socket, std::string name, std::string key, std::string peer, std::shared_ptr<SessionHost> host,
                 std::shared_ptr<SrtShared> shared)
        : Socket(socket), Name(std::move(name)), Key(std::move(key)), Peer(std::move(peer)), Host(std::move(host)), Shared(std::move(shared))
    {
    }

    void Kick(const std::string& reason) override
    {
        if (GoneFlag || Kicked)
            return;
        Kicked = true;
        std::fprintf(stderr, "livescope-origin: srt publisher for %s (%s) closed: %s\n", Name.c_str(), Peer.c_str(), reason.c_str());
        std::lock_guard<std::mutex> lock(Shared->Mutex);
        Shared->CloseRequests.push_back(Socket);
    }

    // Media bytes read by the SRT thread (counted in InFlight until the encoder took them).
    void OnBytes(std::shared_ptr<const std::string> bytes)
    {
        if (!Admitted || GoneFlag || Kicked)
        {
            InFlight -= bytes->size();
            return;
        }
        Queue.push_back(std::move(bytes));
        Pump();
    }

    // The connection is closed (by the peer, a timeout, a kick or the origin stopping).
    void Gone()
    {
        if (GoneFlag)
            return;
        GoneFlag = true;
        Queue.clear();
        if (Admitted)
            Host->PublisherGone(Name, this);
    }

    const SRTSOCKET Socket;
    const std::string Name;
    const std::string Key;
    const std::string Peer;
    std::atomic<size_t> InFlight{0}; // bytes posted by the SRT thread and not yet taken by the encoder
    bool Admitted = false;

private:
    void Pump()
    {
        if (Writing || Queue.empty() || GoneFlag)
            return;
        std::shared_ptr<const std::string> bytes = std::move(Queue.front());
        Queue.pop_front();
        Writing = true;
        const size_t size = bytes->size();
        Host->PublisherBytes(Name, this, std::move(bytes), [self = shared_from_this(), size](bool ok) {
            self->InFlight -= size;
            self->Writing = false;
            if (!ok)
            {
                self->Kick("this broadcast takes no more media from this connection");
                return;
            }
            self->Pump();
        });
    }

    std::shared_ptr<SessionHost> Host;
    std::shared_ptr<SrtShared> Shared;
    std::deque<std::shared_ptr<const std::string>> Queue;
    bool Writing = false;
    bool Kicked = false;
    bool GoneFlag = false;
};

// The listen callback's wait for the origin's answer.
struct AdmitWait
{
    std::mutex Mutex;
    std::condition_variable Answered;
    bool Done = false;
    bool Abandoned = false; // the callback stopped waiting: an admission made after that is undone
    IngestAdmission Result;
};

class SrtIngestImpl final : public SrtIngest
{
public:
    SrtIngestImpl(asio::io_context& io, std::shared_ptr<SessionHost> host, std::string secret)
        : Io(io), Host(std::move(host)), Secret(std::move(secret)), Shared(std::make_shared<SrtShared>())
    {
    }
    ~SrtIngestImpl() override { Stop(); }

    bool Listen(const std::string& address, uint16_t port, std::string& error);
    uint16_t Port() const override { return BoundPort; }
    void Stop() override;

private:
    struct PendingConnection
    {
        std::shared_ptr<SrtPublisher> Who;
        SteadyClock::time_point Since;
        bool Kicked = false;
    };
    struct Connection
    {
        std::shared_ptr<SrtPublisher> Who;
        SteadyClock::time_point LastMedia;
    };

    static int ListenCallback(void* opaque, SRTSOCKET socket, int hs_version, const sockaddr* peer, const char* stream_id);
    int OnConnect(SRTSOCKET socket, const sockaddr* peer, const char* stream_id);
    void Run();
    void AcceptAll();
    void Read(SRTSOCKET socket, Connection& connection);
    bool Deliver(SRTSOCKET socket, Connection& connection, std::string& chunk);
    void Close(SRTSOCKET socket, const char* why);
    void PostGone(std::shared_ptr<SrtPublisher> who);

    asio::io_context& Io;
    std::shared_ptr<SessionHost> Host;
    const std::string Secret;
    std::shared_ptr<SrtShared> Shared;
    SRTSOCKET Listener = SRT_INVALID_SOCK;
    int Epoll = -1;
    uint16_t BoundPort = 0;
    bool LibraryStarted = false;
    bool Stopped = false;
    std::atomic<bool> StopFlag{false};
    std::thread Thread;
    // Guarded by Shared->Mutex: admitted by the callback, not yet out of srt_accept; and the connection count.
    std::map<SRTSOCKET, PendingConnection> Pending;
    size_t ConnectionCount = 0; // pending + open + being admitted
    // The SRT thread's own.
    std::map<SRTSOCKET, Connection> Connections;
};

bool SrtIngestImpl::Listen(const std::string& address, uint16_t port, std::string& error)
{
    boost::system::error_code ec;
    const asio::ip::address ip = asio::ip::make_address(address, ec);
    if (ec)
    {
        error = "bad --host '" + address + "': " + ec.message();
        return false;
    }
    if (srt_startup() < 0)
    {
        error = std::string("cannot start libsrt: ") + srt_getlasterror_str();
        return false;
    }
    LibraryStarted = true;
    srt_setloglevel(LOG_CRIT); // refusals and broken links are logged by us, one line each
    Listener = srt_create_socket();
    const bool no = false;
    const int live = SRTT_LIVE;
    const asio::ip::udp::endpoint endpoint(ip, port);
    const auto fail = [&](const char* what) {
        error = std::string(what) + " " + address + ":" + std::to_string(port) + ": " + srt_getlasterror_str();
        return false;
    };
    if (Listener == SRT_INVALID_SOCK)
        return fail("cannot create an SRT socket for");
    if (srt_setsockflag(Listener, SRTO_TRANSTYPE, &live, sizeof(live)) < 0 || srt_setsockflag(Listener, SRTO_RCVSYN, &no, sizeof(no)) < 0 ||
        srt_setsockflag(Listener, SRTO_SNDSYN, &no, sizeof(no)) < 0)
        return fail("cannot set SRT options for");
    if (srt_bind(Listener, endpoint.data(), int(endpoint.size())) < 0)
        return fail("cannot listen for SRT on");
    if (srt_listen_callback(Listener, &SrtIngestImpl::ListenCallback, this) < 0 || srt_listen(Listener, ListenBacklog) < 0)
        return fail("cannot listen for SRT on");
    sockaddr_storage bound{};
    int bound_size = sizeof(bound);
    if (srt_getsockname(Listener, reinterpret_cast<sockaddr*>(&bound), &bound_size) < 0)
        return fail("cannot read the SRT port of");
    BoundPort = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port)
                                            : ntohs(reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);
    Epoll = srt_epoll_create();
    const int events = SRT_EPOLL_IN | SRT_EPOLL_ERR;
    if (Epoll < 0 || srt_epoll_add_usock(Epoll, Listener, &events) < 0)
        return fail("cannot poll the SRT listener on");
    Thread = std::thread([this]() { Run(); });
    return true;
}

void SrtIngestImpl::Stop()
{
    if (Stopped)
        return;
    Stopped = true;
    StopFlag = true;
    if (Thread.joinable())
        Thread.join(); // it closes every connection, each posting its Gone
    if (Epoll >= 0)
        srt_epoll_release(Epoll);
    Epoll = -1;
    if (Listener != SRT_INVALID_SOCK)
        srt_close(Listener);
    Listener = SRT_INVALID_SOCK;
    {
        std::lock_guard<std::mutex> lock(Shared->Mutex);
        for (auto& [socket, pending] : Pending)
            PostGone(std::move(pending.Who));
        Pending.clear();
    }
    if (LibraryStarted)
        srt_cleanup(); // joins libsrt's threads: no listen callback runs after this
    LibraryStarted = false;
    Host.reset(); // the origin owns this object: no cycle once stopped
}

int SrtIngestImpl::ListenCallback(void* opaque, SRTSOCKET socket, int, const sockaddr* peer, const char* stream_id)
{
    return static_cast<SrtIngestImpl*>(opaque)->OnConnect(socket, peer, stream_id);
}

// Thread: libsrt's (it receives the handshake). Returns 0 to accept, -1 to refuse with the reject reason set.
int SrtIngestImpl::OnConnect(SRTSOCKET socket, const sockaddr* peer, const char* stream_id)
{
    const std::string from = PeerText(peer);
    const auto refuse = [&](int status, const std::string& name, const std::string& message) {
        std::fprintf(stderr, "livescope-origin: srt publisher%s%s from %s refused (reject %d): %s\n", name.empty() ? "" : " for ", name.c_str(),
                     from.c_str(), SrtRejectReason(status), message.c_str());
        srt_setrejectreason(socket, SrtRejectReason(status));
        return -1;
    };
    if (StopFlag)
        return refuse(503, {}, "the origin is stopping");
    const SrtKeyCheck check = CheckSrtStreamId(Secret, stream_id ? std::string_view(stream_id) : std::string_view(), WallNowS());
    if (check.Status != 200)
        return refuse(check.Status, check.Name, check.Message);
    {
        std::lock_guard<std::mutex> lock(Shared->Mutex);
        if (ConnectionCount >= SrtConnectionsMax)
            return refuse(503, check.Name, "too many SRT connections (" + std::to_string(SrtConnectionsMax) + ")");
        ConnectionCount++;
    }
    const auto release = [this]() {
        std::lock_guard<std::mutex> lock(Shared->Mutex);
        ConnectionCount--;
    };
    // The origin's own admission (a second publisher, --max-broadcasts), on its thread; we wait for the answer.
    auto who = std::make_shared<SrtPublisher>(socket, check.Name, check.Key, from, Host, Shared);
    auto wait = std::make_shared<AdmitWait>();
    asio::post(Io, [host = Host, who, wait]() {
        {
            std::lock_guard<std::mutex> lock(wait->Mutex);
            if (wait->Abandoned)
                return;
        }
        const IngestAdmission admission = host->AdmitPublisher(who->Name, "token=" + who->Key, std::string(), who);
        who->Admitted = admission.Status == 101;
        bool abandoned = false;
        {
            std::lock_guard<std::mutex> lock(wait->Mutex);
            wait->Result = admission;
            wait->Done = true;
            abandoned = wait->Abandoned;
        }
        wait->Answered.notify_one();
        if (abandoned)
            who->Gone(); // the callback gave up meanwhile and refused the connection
    });
    IngestAdmission admission;
    {
        std::unique_lock<std::mutex> lock(wait->Mutex);
        if (!wait->Answered.wait_for(lock, std::chrono::milliseconds(SrtAdmitWaitMs), [&]() { return wait->Done; }))
        {
            wait->Abandoned = true;
            lock.unlock();
            release();
            return refuse(503, check.Name, "the origin did not answer within " + std::to_string(SrtAdmitWaitMs) + " ms; try again");
        }
        admission = wait->Result;
    }
    if (admission.Status != 101)
    {
        release();
        return refuse(admission.Status, check.Name, admission.Message);
    }
    std::fprintf(stderr, "livescope-origin: srt publisher for %s connected from %s\n", check.Name.c_str(), from.c_str());
    std::lock_guard<std::mutex> lock(Shared->Mutex);
    Pending[socket] = PendingConnection{std::move(who), SteadyClock::now(), false};
    return 0;
}

void SrtIngestImpl::PostGone(std::shared_ptr<SrtPublisher> who)
{
    asio::post(Io, [who = std::move(who)]() { who->Gone(); });
}

// Thread: ours.
void SrtIngestImpl::Run()
{
    std::vector<SRT_EPOLL_EVENT> events(64);
    while (!StopFlag)
    {
        std::vector<SRTSOCKET> closing;
        {
            std::lock_guard<std::mutex> lock(Shared->Mutex);
            closing.swap(Shared->CloseRequests);
            // Kicked before srt_accept returned them: closed when it does. Admitted but never returned (the handshake
            // failed after the callback): gone.
            for (const SRTSOCKET socket : closing)
                if (auto it = Pending.find(socket); it != Pending.end())
                    it->second.Kicked = true;
            const SteadyClock::time_point now = SteadyClock::now();
            for (auto it = Pending.begin(); it != Pending.end();)
                if (now - it->second.Since > std::chrono::milliseconds(PendingAcceptMs))
                {
                    std::fprintf(stderr, "livescope-origin: srt publisher for %s (%s): the connection never completed\n", it->second.Who->Name.c_str(),
                                 it->second.Who->Peer.c_str());
                    PostGone(std::move(it->second.Who));
                    it = Pending.erase(it);
                    ConnectionCount--;
                }
                else
                    ++it;
        }
        for (const SRTSOCKET socket : closing)
            if (Connections.count(socket))
                Close(socket, nullptr); // Kick logged why
        const int count = srt_epoll_uwait(Epoll, events.data(), int(events.size()), PollMs);
        if (count < 0 && srt_getlasterror(nullptr) != SRT_ETIMEOUT)
            std::this_thread::sleep_for(std::chrono::milliseconds(PollMs)); // never spin on an error
        for (int i = 0; i < count; i++)
        {
            const SRTSOCKET socket = events[size_t(i)].fd;
            if (socket == Listener)
            {
                AcceptAll();
                continue;
            }
            const auto it = Connections.find(socket);
            if (it == Connections.end())
                continue;
            if (events[size_t(i)].events & SRT_EPOLL_IN)
                Read(socket, it->second); // reads what is left, then closes a broken connection
            else if (events[size_t(i)].events & SRT_EPOLL_ERR)
                Close(socket, "the connection broke");
        }
        const SteadyClock::time_point now = SteadyClock::now();
        std::vector<SRTSOCKET> idle;
        for (const auto& [socket, connection] : Connections)
            if (now - connection.LastMedia > std::chrono::milliseconds(SrtIdleTimeoutMs))
                idle.push_back(socket);
        for (const SRTSOCKET socket : idle)
            Close(socket, "no media for 15 s");
    }
    std::vector<SRTSOCKET> open;
    for (const auto& [socket, connection] : Connections)
        open.push_back(socket);
    for (const SRTSOCKET socket : open)
        Close(socket, nullptr);
}

void SrtIngestImpl::AcceptAll()
{
    for (;;)
    {
        sockaddr_storage peer{};
        int peer_size = sizeof(peer);
        const SRTSOCKET socket = srt_accept(Listener, reinterpret_cast<sockaddr*>(&peer), &peer_size);
        if (socket == SRT_INVALID_SOCK)
            return; // nothing more to accept now
        PendingConnection pending;
        bool found = false;
        {
            std::lock_guard<std::mutex> lock(Shared->Mutex);
            if (auto it = Pending.find(socket); it != Pending.end())
            {
                pending = std::move(it->second);
                Pending.erase(it);
                found = true;
            }
        }
        if (!found)
        {
            srt_close(socket); // the callback admits every connection libsrt queues: never expected
            continue;
        }
        const bool no = false;
        const int events = SRT_EPOLL_IN | SRT_EPOLL_ERR;
        if (pending.Kicked || srt_setsockflag(socket, SRTO_RCVSYN, &no, sizeof(no)) < 0 || srt_epoll_add_usock(Epoll, socket, &events) < 0)
        {
            srt_close(socket);
            PostGone(std::move(pending.Who));
            std::lock_guard<std::mutex> lock(Shared->Mutex);
            ConnectionCount--;
            continue;
        }
        Connections[socket] = Connection{std::move(pending.Who), SteadyClock::now()};
    }
}

void SrtIngestImpl::Read(SRTSOCKET socket, Connection& connection)
{
    char buffer[1500]; // one live-mode message (1316 bytes by default, at most 1456)
    std::string chunk;
    for (;;)
    {
        const int got = srt_recvmsg(socket, buffer, int(sizeof(buffer)));
        if (got > 0)
        {
            chunk.append(buffer, size_t(got));
            connection.LastMedia = SteadyClock::now();
            if (chunk.size() >= ReadChunkBytes && !Deliver(socket, connection, chunk))
                return;
            continue;
        }
        const int code = got < 0 ? srt_getlasterror(nullptr) : 0;
        if (got < 0 && code == SRT_EASYNCRCV)
        {
            Deliver(socket, connection, chunk);
            return;
        }
        // Closed by the peer, broken (no packet for SRTO_PEERIDLETIMEO) or another error: what was read goes first.
        if (!Deliver(socket, connection, chunk))
            return;
        Close(socket, code == SRT_ECONNLOST || got == 0 ? "the publisher closed the connection or the link broke" : srt_getlasterror_str());
        return;
    }
}

bool SrtIngestImpl::Deliver(SRTSOCKET socket, Connection& connection, std::string& chunk)
{
    if (chunk.empty())
        return true;
    SrtPublisher& who = *connection.Who;
    const size_t behind = who.InFlight.load();
    if (behind + chunk.size() > SrtBacklogMaxBytes)
    {
        std::fprintf(stderr,
                     "livescope-origin: srt publisher for %s (%s): the encoder is %zu bytes behind (limit %zu): it cannot keep up "
                     "with this stream; closing\n",
                     who.Name.c_str(), who.Peer.c_str(), behind, SrtBacklogMaxBytes);
        Close(socket, nullptr);
        return false;
    }
    who.InFlight += chunk.size();
    auto bytes = std::make_shared<const std::string>(std::move(chunk));
    chunk.clear();
    asio::post(Io, [who = connection.Who, bytes = std::move(bytes)]() mutable { who->OnBytes(std::move(bytes)); });
    return true;
}

void SrtIngestImpl::Close(SRTSOCKET socket, const char* why)
{
    const auto it = Connections.find(socket);
    if (it == Connections.end())
        return;
    std::shared_ptr<SrtPublisher> who = std::move(it->second.Who);
    Connections.erase(it);
    srt_epoll_remove_usock(Epoll, socket);
    srt_close(socket);
    if (why)
        std::fprintf(stderr, "livescope-origin: srt publisher for %s (%s) gone: %s\n", who->Name.c_str(), who->Peer.c_str(), why);
    PostGone(std::move(who));
    std::lock_guard<std::mutex> lock(Shared->Mutex);
    ConnectionCount--;
}

} // namespace

std::unique_ptr<SrtIngest> StartSrtIngest(asio::io_context& io, std::shared_ptr<SessionHost> host, const std::string& address, uint16_t port,
                                          const std::string& secret, std::string& error)
{
    auto ingest = std::make_unique<SrtIngestImpl>(io, std::move(host), secret);
    if (!ingest->Listen(address, port, error))
        return nullptr; // the destructor stops what was started
    return ingest;
}

} // namespace livescope
