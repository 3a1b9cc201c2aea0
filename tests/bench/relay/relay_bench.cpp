// livescope-relay-bench: a one-thread Beast/asio load client for livescope-relay on loopback. Prints figures; never
// fails on numbers. Every phase is bounded in count and time. --ports spreads the clients over several relay nodes
// (round robin); --watch NAME:PID reports other processes' CPU over a fan-out window (tests/bench/relay/relay_scale.mjs).
// [SECTION] Client
// [SECTION] Modes
// [SECTION] main
#include <livescope/protocol/messages.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace livescope {
namespace {

int64_t NowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

//-----------------------------------------------------------------------------
// [SECTION] Client
//-----------------------------------------------------------------------------

struct BenchClient : std::enable_shared_from_this<BenchClient>
{
    explicit BenchClient(asio::io_context& io) : Ws(io) {}

    websocket::stream<beast::tcp_stream> Ws;
    beast::flat_buffer Buffer;
    std::deque<std::string> Outbox;
    bool Writing = false;
    bool Joined = false;
    bool Closed = false;
    int64_t Frames = 0;   // frames received after the welcome
    int64_t Messages = 0; // messages in those frames (a batch counts its items)
    std::function<void(BenchClient&, std::string_view)> OnFrame;
    std::function<void(BenchClient&, bool)> OnJoined; // true: welcome received; false: failed

    void Start(const tcp::endpoint& endpoint, const std::string& room)
    {
        auto self = shared_from_this();
        beast::get_lowest_layer(Ws).expires_after(std::chrono::seconds(30));
        beast::get_lowest_layer(Ws).async_connect(endpoint, [self, room](beast::error_code ec) {
            if (ec)
                return self->Fail();
            beast::get_lowest_layer(self->Ws).expires_never();
            self->Ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
            self->Ws.async_handshake("127.0.0.1", "/ws", [self, room](beast::error_code hec) {
                if (hec)
                    return self->Fail();
                self->Send(EncodeClientMessage(Join{room, std::nullopt, std::nullopt}));
                self->Read();
            });
        });
    }

    void Send(std::string text)
    {
        if (Closed)
            return;
        Outbox.push_back(std::move(text));
        if (!Writing)
            Write();
    }

    void Close()
    {
        if (Closed)
            return;
        beast::error_code ec;
        beast::get_lowest_layer(Ws).socket().close(ec);
        Closed = true;
    }

private:
    void Fail()
    {
        const bool was_joined = Joined;
        Closed = true;
        if (!was_joined && OnJoined)
        {
            auto cb = std::move(OnJoined);
            OnJoined = nullptr;
            cb(*this, false);
        }
    }

    void Write()
    {
        Writing = true;
        auto self = shared_from_this();
        Ws.async_write(asio::buffer(Outbox.front()), [self](beast::error_code ec, size_t) {
            self->Outbox.pop_front();
            self->Writing = false;
            if (ec)
                return self->Fail();
            if (!self->Outbox.empty())
                self->Write();
        });
    }

    void Read()
    {
        auto self = shared_from_this();
        Ws.async_read(Buffer, [self](beast::error_code ec, size_t bytes) {
            if (ec)
                return self->Fail();
            const auto data = self->Buffer.cdata();
            const std::string_view text(static_cast<const char*>(data.data()), data.size());
            if (!self->Joined)
            {
                if (text.find("\"type\":\"welcome\"") != std::string_view::npos)
                {
                    self->Joined = true;
                    if (self->OnJoined)
                    {
                        auto cb = std::move(self->OnJoined);
                        self->OnJoined = nullptr;
                        cb(*self, true);
                    }
                }
            }
            else
            {
                self->Frames++;
                int64_t items = 0;
                for (size_t at = text.find("\"type\":"); at != std::string_view::npos; at = text.find("\"type\":", at + 7))
                    items++;
                self->Messages += text.rfind("{\"type\":\"batch\"", 0) == 0 ? items - 1 : items;
                if (self->OnFrame)
                    self->OnFrame(*self, text);
            }
            self->Buffer.consume(bytes);
            if (!self->Closed)
                self->Read();
        });
    }
};

using Endpoints = std::vector<tcp::endpoint>; // relay nodes; client i goes to node i % size

// Connects `count` clients to `room`, at most `concurrency` handshakes at a time, spread over `endpoints`. Runs `io`
// until all have joined or failed, or `timeout` passes. Returns the joined ones.
std::vector<std::shared_ptr<BenchClient>> ConnectMany(asio::io_context& io, const Endpoints& endpoints, const std::string& room,
                                                      int count, int concurrency, std::chrono::seconds timeout, int& failed,
                                                      double& seconds)
{
    std::vector<std::shared_ptr<BenchClient>> all;
    all.reserve(static_cast<size_t>(count));
    int started = 0, finished = 0, joined = 0;
    failed = 0;
    std::function<void()> start_next = [&] {
        if (started >= count)
            return;
        auto c = std::make_shared<BenchClient>(io);
        all.push_back(c);
        started++;
        c->OnJoined = [&](BenchClient&, bool ok) {
            finished++;
            (ok ? joined : failed)++;
            start_next();
        };
        c->Start(endpoints[static_cast<size_t>(started - 1) % endpoints.size()], room);
    };
    const auto t0 = Clock::now();
    for (int i = 0; i < concurrency && i < count; i++)
        start_next();
    const auto deadline = t0 + timeout;
    while (finished < count && Clock::now() < deadline)
        io.run_one_for(std::chrono::milliseconds(100));
    seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    std::vector<std::shared_ptr<BenchClient>> ok;
    for (auto& c : all)
    {
        if (c->Joined && !c->Closed)
            ok.push_back(c);
        else
        {
            // Still connecting at the timeout: its callback refers to this frame's counters, which are gone once we
            // return, and its pending operation still completes (with an error) later.
            c->OnJoined = nullptr;
            c->Close();
        }
    }
    failed = count - static_cast<int>(ok.size());
    return ok;
}

// Runs `io` for `duration`, calling `every` each `period` (if set).
void RunFor(asio::io_context& io, std::chrono::milliseconds duration, std::chrono::milliseconds period = std::chrono::milliseconds(0),
            const std::function<void()>& every = nullptr)
{
    const auto end = Clock::now() + duration;
    auto next = Clock::now();
    while (Clock::now() < end)
    {
        if (every && Clock::now() >= next)
        {
            every();
            next += period;
        }
        const auto until = every ? std::min(next, end) : end;
        io.run_one_until(until);
    }
}

double Percentile(std::vector<double>& v, double p)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5));
    return v[i];
}

void CloseAll(asio::io_context& io, std::vector<std::shared_ptr<BenchClient>>& clients)
{
    for (auto& c : clients)
        c->Close();
    clients.clear();
    RunFor(io, std::chrono::milliseconds(300));
}

//-----------------------------------------------------------------------------
// [SECTION] Modes
//-----------------------------------------------------------------------------

struct Args
{
    std::string Mode;
    int Clients = 1000;
    int Senders = 100;
    int Rate = 100;        // comments per second (fanout)
    int DurationS = 10;    // seconds of measurement
    int Concurrency = 256; // handshakes in flight
    int HoldS = 3;         // seconds (connections)
    int TimeoutS = 60;     // seconds to connect everyone
    int TapsPerMessage = 2;
    int MessagesPerS = 5; // hearts messages per client per second
    int Questions = 50;   // votes mode: questions on the board
    int VotesPerS = 1;    // votes mode: votes per client per second
    int RelayPid = 0;     // votes and chat modes: the relay's pid, for its CPU time (0: not measured)
    int CommentEveryS = 10; // chat mode: seconds between one viewer's comments
    int ReceiverHeartsPerS = 0; // fanout mode: hearts messages per receiver per second during the run (the tick bench)
    bool RandomPhase = false;   // fanout mode: each comment at a random moment of its period (not in step with a tick)
    bool HoldUntilEof = false; // connections mode: hold until stdin closes (several client processes held together)
    std::vector<uint16_t> Ports;                        // --port / --ports: the relay nodes
    std::vector<std::pair<std::string, int>> Watched; // --watch NAME:PID: CPU over the fan-out window
    std::string Label;
};

// CPU seconds (user + system) the process `pid` used so far; negative when unknown.
double ProcessCpuSeconds(int pid)
{
    if (pid <= 0)
        return -1.0;
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(in, line))
        return -1.0;
    const size_t close = line.rfind(')'); // the command name may hold spaces
    if (close == std::string::npos)
        return -1.0;
    std::istringstream fields(line.substr(close + 2));
    std::string f;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> f; i++)
    {
        if (i == 14)
            utime = std::strtoull(f.c_str(), nullptr, 10);
        if (i == 15)
            stime = std::strtoull(f.c_str(), nullptr, 10);
    }
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

int ModeConnections(asio::io_context& io, const Endpoints& ep, const Args& a)
{
    int failed = 0;
    double seconds = 0;
    auto clients = ConnectMany(io, ep, "bench-conn", a.Clients, a.Concurrency, std::chrono::seconds(a.TimeoutS), failed, seconds);
    std::printf("connections%s: %zu of %d joined in %.1f s (%.0f joins/s), %d failed\n", a.Label.c_str(), clients.size(), a.Clients,
                seconds, static_cast<double>(clients.size()) / std::max(seconds, 1e-9), failed);
    std::fflush(stdout);
    for (auto& c : clients)
        c->Frames = c->Messages = 0;
    const auto held_from = Clock::now();
    if (a.HoldUntilEof)
    {
        // A detached reader: it returns at EOF (the driver closed our stdin) and only sets the flag.
        static std::atomic<bool> eof{false};
        std::thread([] {
            char buf[256];
            while (read(0, buf, sizeof buf) > 0)
            {
            }
            eof = true;
        }).detach();
        while (!eof)
            RunFor(io, std::chrono::milliseconds(100));
    }
    else
        RunFor(io, std::chrono::seconds(a.HoldS));
    const double held_s = std::chrono::duration<double>(Clock::now() - held_from).count();
    size_t open = 0;
    int64_t frames = 0;
    for (auto& c : clients)
    {
        open += c->Closed ? 0 : 1;
        frames += c->Frames;
    }
    std::printf("connections%s: %zu still open after holding %.0f s; %.2f frames/s per client while held\n", a.Label.c_str(), open, held_s,
                clients.empty() ? 0.0 : static_cast<double>(frames) / static_cast<double>(clients.size()) / held_s);
    std::fflush(stdout);
    CloseAll(io, clients);
    return 0;
}

int ModeFanout(asio::io_context& io, const Endpoints& ep, const Args& a)
{
    int failed = 0;
    double seconds = 0;
    auto receivers = ConnectMany(io, ep, "bench-fanout", a.Clients, a.Concurrency, std::chrono::seconds(a.TimeoutS), failed, seconds);
    auto senders = ConnectMany(io, ep, "bench-fanout", a.Senders, a.Concurrency, std::chrono::seconds(a.TimeoutS), failed, seconds);
    RunFor(io, std::chrono::milliseconds(500)); // let join presence and counts settle
    std::vector<double> latencies_ms;
    latencies_ms.reserve(static_cast<size_t>(a.Rate) * static_cast<size_t>(a.DurationS) * receivers.size());
    const std::string marker = "\"text\":\"t=";
    for (auto& r : receivers)
    {
        r->OnFrame = [&](BenchClient&, std::string_view text) {
            const int64_t now = NowNs();
            for (size_t at = text.find(marker); at != std::string_view::npos; at = text.find(marker, at + 1))
            {
                const long long sent = std::strtoll(text.data() + at + marker.size(), nullptr, 10);
                latencies_ms.push_back(static_cast<double>(now - sent) / 1e6);
            }
        };
    }
    int64_t sent = 0;
    size_t next_sender = 0;
    const int period_ms = std::max(1, 1000 / std::max(1, a.Rate));
    const int64_t total = static_cast<int64_t>(a.Rate) * a.DurationS;
    // Hearts from the receivers (--receiver-hearts-per-s), spread evenly over the periods.
    const std::string tap = EncodeClientMessage(HeartsTap{a.TapsPerMessage});
    const double hearts_per_period = static_cast<double>(receivers.size()) * a.ReceiverHeartsPerS * period_ms / 1000.0;
    double hearts_owed = 0;
    size_t next_tapper = 0;
    int64_t hearts_sent = 0;
    for (auto& r : receivers)
        r->Frames = r->Messages = 0;
    std::mt19937 phase_rng(4242);
    const auto t_send = Clock::now();
    const double relay_cpu0 = ProcessCpuSeconds(a.RelayPid);
    std::vector<double> cpu0;
    for (const auto& [name, pid] : a.Watched)
        cpu0.push_back(ProcessCpuSeconds(pid));
    const double self0 = ProcessCpuSeconds(static_cast<int>(getpid()));
    const auto window_from = Clock::now();
    RunFor(io, std::chrono::milliseconds(a.DurationS * 1000), std::chrono::milliseconds(period_ms), [&] {
        for (hearts_owed += hearts_per_period; hearts_owed >= 1.0 && !receivers.empty(); hearts_owed -= 1.0, hearts_sent++)
            receivers[next_tapper++ % receivers.size()]->Send(tap);
        if (senders.empty() || sent >= total)
            return;
        auto& s = senders[next_sender++ % senders.size()];
        sent++;
        if (!a.RandomPhase)
        {
            s->Send(EncodeClientMessage(CommentPost{"t=" + std::to_string(NowNs()), std::nullopt}));
            return;
        }
        auto timer = std::make_shared<asio::steady_timer>(io, std::chrono::milliseconds(phase_rng() % static_cast<unsigned>(period_ms)));
        timer->async_wait([timer, s](beast::error_code) { s->Send(EncodeClientMessage(CommentPost{"t=" + std::to_string(NowNs()), std::nullopt})); });
    });
    const double send_s = std::chrono::duration<double>(Clock::now() - t_send).count();
    const double relay_cpu1 = ProcessCpuSeconds(a.RelayPid);
    std::vector<double> frames_per_s;
    for (auto& r : receivers)
        frames_per_s.push_back(static_cast<double>(r->Frames) / send_s);
    const double window_s = std::chrono::duration<double>(Clock::now() - window_from).count();
    std::string cpu_line;
    for (size_t i = 0; i < a.Watched.size(); i++)
    {
        const double c1 = ProcessCpuSeconds(a.Watched[i].second);
        cpu_line += (i ? ", " : "") + a.Watched[i].first + " " +
                    (cpu0[i] < 0 || c1 < 0 ? std::string("?") : std::to_string(static_cast<int>(100.0 * (c1 - cpu0[i]) / window_s + 0.5)) + "%");
    }
    cpu_line += std::string(a.Watched.empty() ? "" : ", ") + "this client " +
                std::to_string(static_cast<int>(100.0 * (ProcessCpuSeconds(static_cast<int>(getpid())) - self0) / window_s + 0.5)) + "%";
    RunFor(io, std::chrono::milliseconds(1000)); // drain the last ticks
    const size_t expected = static_cast<size_t>(sent) * receivers.size();
    const size_t got = latencies_ms.size();
    const double p50 = Percentile(latencies_ms, 0.50);
    const double p99 = Percentile(latencies_ms, 0.99);
    const double pmax = latencies_ms.empty() ? 0.0 : latencies_ms.back();
    std::printf("fanout%s: %lld comments sent at %d/s by %zu senders to %zu receivers; %zu of %zu deliveries (%.1f%%)\n", a.Label.c_str(),
                static_cast<long long>(sent), a.Rate, senders.size(), receivers.size(), got, expected,
                expected ? 100.0 * static_cast<double>(got) / static_cast<double>(expected) : 0.0);
    std::printf("fanout%s: latency send->receive p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", a.Label.c_str(), p50, p99, pmax);
    std::printf("fanout%s: frames received per client per second p50 %.1f, max %.1f (%lld hearts messages sent by the receivers); relay CPU %s\n",
                a.Label.c_str(), Percentile(frames_per_s, 0.5), frames_per_s.empty() ? 0.0 : frames_per_s.back(), static_cast<long long>(hearts_sent),
                relay_cpu0 < 0 || relay_cpu1 < 0 ? "not measured (--relay-pid)" : (std::to_string(static_cast<int>(100.0 * (relay_cpu1 - relay_cpu0) / send_s + 0.5)) + "% of one core").c_str());
    std::printf("fanout%s: CPU over the %.1f s window (%% of one core): %s\n", a.Label.c_str(), window_s, cpu_line.c_str());
    std::fflush(stdout);
    CloseAll(io, receivers);
    CloseAll(io, senders);
    return 0;
}

int ModeHearts(asio::io_context& io, const Endpoints& ep, const Args& a)
{
    int failed = 0;
    double seconds = 0;
    auto clients = ConnectMany(io, ep, "bench-hearts", a.Clients, a.Concurrency, std::chrono::seconds(a.TimeoutS), failed, seconds);
    RunFor(io, std::chrono::milliseconds(500));
    int64_t hearts_seen = 0; // taps reported in windows, as seen by client 0
    const std::string count_key = "\"count\":";
    if (!clients.empty())
    {
        clients[0]->OnFrame = [&](BenchClient&, std::string_view text) {
            for (size_t at = text.find(count_key); at != std::string_view::npos; at = text.find(count_key, at + 1))
                hearts_seen += std::strtoll(text.data() + at + count_key.size(), nullptr, 10);
        };
    }
    for (auto& c : clients)
        c->Frames = c->Messages = 0;
    int64_t taps_sent = 0;
    const std::string tap = EncodeClientMessage(HeartsTap{a.TapsPerMessage});
    const int period_ms = std::max(1, 1000 / std::max(1, a.MessagesPerS));
    RunFor(io, std::chrono::milliseconds(a.DurationS * 1000), std::chrono::milliseconds(period_ms), [&] {
        for (auto& c : clients)
        {
            c->Send(tap);
            taps_sent += a.TapsPerMessage;
        }
    });
    RunFor(io, std::chrono::milliseconds(600));
    std::vector<double> frames_per_s, messages_per_s;
    size_t open = 0;
    for (auto& c : clients)
    {
        open += c->Closed ? 0 : 1;
        frames_per_s.push_back(static_cast<double>(c->Frames) / a.DurationS);
        messages_per_s.push_back(static_cast<double>(c->Messages) / a.DurationS);
    }
    std::printf("hearts%s: %zu clients sent %lld taps (%d msgs/s each, %d taps per msg); %zu still open\n", a.Label.c_str(), clients.size(),
                static_cast<long long>(taps_sent), a.MessagesPerS, a.TapsPerMessage, open);
    std::printf("hearts%s: frames received per client per second p50 %.1f, max %.1f; messages per client per second p50 %.1f, max %.1f\n",
                a.Label.c_str(), Percentile(frames_per_s, 0.5), frames_per_s.empty() ? 0.0 : frames_per_s.back(),
                Percentile(messages_per_s, 0.5), messages_per_s.empty() ? 0.0 : messages_per_s.back());
    std::printf("hearts%s: taps shown to one client %lld of %lld sent (%.1f%%)\n", a.Label.c_str(), static_cast<long long>(hearts_seen),
                static_cast<long long>(taps_sent), taps_sent ? 100.0 * static_cast<double>(hearts_seen) / static_cast<double>(taps_sent) : 0.0);
    std::fflush(stdout);
    CloseAll(io, clients);
    return 0;
}

// Room log load: `Clients` viewers in one room chat and tap hearts for `DurationS`, every message with a stream_time:
// each viewer sends one hearts message a second (`TapsPerMessage` taps) and one comment every `CommentEveryS`
// seconds, spread evenly over 100 ms steps. Reports what was sent and the relay's CPU (run it once with --no-log
// and once with --log-db FILE, the same invocation otherwise: tests/bench/relay.sh phase 5).
int ModeChat(asio::io_context& io, const Endpoints& ep, const Args& a)
{
    int failed = 0;
    double seconds = 0;
    auto clients = ConnectMany(io, ep, "bench-chat", a.Clients, a.Concurrency, std::chrono::seconds(a.TimeoutS), failed, seconds);
    RunFor(io, std::chrono::milliseconds(1500));
    for (auto& c : clients)
        c->Frames = c->Messages = 0;
    const auto wall_ms = [] { return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count(); };
    const int step_ms = 100;
    const int comment_steps = std::max(1, a.CommentEveryS * 1000 / step_ms); // steps between one viewer's comments
    const int heart_steps = 1000 / step_ms;                                  // one hearts message a second
    int64_t comments_sent = 0, hearts_sent = 0;
    int64_t step = 0;
    const double cpu0 = ProcessCpuSeconds(a.RelayPid);
    const auto t0 = Clock::now();
    RunFor(io, std::chrono::milliseconds(a.DurationS * 1000), std::chrono::milliseconds(step_ms), [&] {
        const int64_t pdt = wall_ms() - 4000; // the viewers watch 4 s behind
        for (size_t i = 0; i < clients.size(); i++)
        {
            if (static_cast<int64_t>(i) % heart_steps == step % heart_steps)
            {
                HeartsTap tap;
                tap.Count = a.TapsPerMessage;
                tap.StreamTime = pdt;
                clients[i]->Send(EncodeClientMessage(tap));
                hearts_sent++;
            }
            if (static_cast<int64_t>(i) % comment_steps == step % comment_steps)
            {
                CommentPost post;
                post.Text = "bench comment " + std::to_string(comments_sent) + " from viewer " + std::to_string(i);
                post.StreamTime = pdt;
                clients[i]->Send(EncodeClientMessage(post));
                comments_sent++;
            }
        }
        step++;
    });
    const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
    const double cpu1 = ProcessCpuSeconds(a.RelayPid);
    RunFor(io, std::chrono::milliseconds(600));
    size_t open = 0;
    for (auto& c : clients)
        open += c->Closed ? 0 : 1;
    std::printf("chat%s: %zu viewers (%zu open, %d failed to join), %.1f s: %lld comments (%.0f/s), %lld hearts messages (%.0f/s); relay CPU %s\n",
                a.Label.c_str(), clients.size(), open, failed, wall, static_cast<long long>(comments_sent), static_cast<double>(comments_sent) / wall,
                static_cast<long long>(hearts_sent), static_cast<double>(hearts_sent) / wall,
                cpu0 < 0 || cpu1 < 0 ? "not measured (--relay-pid)" : (std::to_string(static_cast<int>(100.0 * (cpu1 - cpu0) / wall + 0.5)) + "% of one core").c_str());
    std::fflush(stdout);
    CloseAll(io, clients);
    return 0;
}

// Q&A: `Clients` viewers in one room with `Questions` questions on the board. Phase 1: voting off (the room's
// usual traffic only); phase 2: every viewer votes `VotesPerS` times a second on random questions (toggling its
// vote), while 5 probe viewers each toggle a vote on a question of their own and time vote -> board showing it.
int ModeVotes(asio::io_context& io, const Endpoints& ep, const Args& a)
{
    int failed = 0;
    double seconds = 0;
    auto clients = ConnectMany(io, ep, "bench-votes", a.Clients, a.Concurrency, std::chrono::seconds(a.TimeoutS), failed, seconds);
    const int questions = std::max(6, a.Questions);
    if (static_cast<int>(clients.size()) < questions)
    {
        std::printf("votes%s: only %zu clients joined; need at least %d\n", a.Label.c_str(), clients.size(), questions);
        CloseAll(io, clients);
        return 0;
    }
    // Ask: one question from each of the first `questions` clients (each has a comment budget of 3).
    std::map<std::string, std::string> id_of; // text -> question id, from the board client 0 sees
    clients[0]->OnFrame = [&](BenchClient&, std::string_view text) {
        if (text.find("\"board\"") == std::string_view::npos)
            return;
        const auto d = DecodeServerFrame(text);
        for (const ServerMessage& m : d.Value)
            if (const Board* b = std::get_if<Board>(&m))
                for (const Question& q : b->State.Open)
                    id_of[q.Text] = q.Id;
    };
    for (int i = 0; i < questions; i++)
    {
        CommentPost ask;
        ask.Text = "question " + std::to_string(i) + "?";
        ask.Question = true;
        clients[static_cast<size_t>(i)]->Send(EncodeClientMessage(ask));
    }
    RunFor(io, std::chrono::milliseconds(1500));
    clients[0]->OnFrame = nullptr;
    std::vector<std::string> ids;
    for (int i = 0; i < questions; i++)
    {
        const auto it = id_of.find("question " + std::to_string(i) + "?");
        if (it != id_of.end())
            ids.push_back(it->second);
    }
    if (static_cast<int>(ids.size()) < questions)
    {
        std::printf("votes%s: only %zu of %d questions reached the board\n", a.Label.c_str(), ids.size(), questions);
        CloseAll(io, clients);
        return 0;
    }
    constexpr size_t probes = 5;
    const size_t crowd_questions = ids.size() - probes;

    const auto report = [&](const char* phase, double cpu_s, double wall_s) {
        std::vector<double> frames_per_s;
        size_t open = 0;
        for (auto& c : clients)
        {
            open += c->Closed ? 0 : 1;
            frames_per_s.push_back(static_cast<double>(c->Frames) / wall_s);
        }
        const double p50 = Percentile(frames_per_s, 0.5);
        std::printf("votes%s [%s]: %zu clients (%zu open), frames per client per second p50 %.1f, max %.1f; relay CPU %s\n", a.Label.c_str(), phase,
                    clients.size(), open, p50, frames_per_s.empty() ? 0.0 : frames_per_s.back(),
                    cpu_s < 0 ? "not measured (--relay-pid)" : (std::to_string(static_cast<int>(100.0 * cpu_s / wall_s + 0.5)) + "% of one core").c_str());
        std::fflush(stdout);
    };

    // Phase 1: voting off.
    for (auto& c : clients)
        c->Frames = c->Messages = 0;
    double cpu0 = ProcessCpuSeconds(a.RelayPid);
    auto t0 = Clock::now();
    RunFor(io, std::chrono::milliseconds(a.DurationS * 1000));
    double wall = std::chrono::duration<double>(Clock::now() - t0).count();
    double cpu1 = ProcessCpuSeconds(a.RelayPid);
    report("voting off", cpu0 < 0 ? -1.0 : cpu1 - cpu0, wall);

    // Phase 2: voting on.
    std::vector<double> latencies_ms;
    struct Probe
    {
        std::string Id;
        bool On = false;
        int64_t SentNs = 0; // 0: nothing in flight
    };
    std::vector<Probe> probe(probes);
    for (size_t j = 0; j < probes; j++)
    {
        probe[j].Id = ids[crowd_questions + j];
        auto& c = clients[clients.size() - 1 - j];
        c->OnFrame = [&, j](BenchClient&, std::string_view text) {
            if (probe[j].SentNs == 0 || text.find("\"board\"") == std::string_view::npos)
                return;
            const int64_t now = NowNs();
            const auto d = DecodeServerFrame(text);
            for (const ServerMessage& m : d.Value)
                if (const Board* b = std::get_if<Board>(&m))
                    for (const Question& q : b->State.Open)
                        if (q.Id == probe[j].Id && q.Votes == (probe[j].On ? 1 : 0))
                        {
                            latencies_ms.push_back(static_cast<double>(now - probe[j].SentNs) / 1e6);
                            probe[j].SentNs = 0;
                        }
        };
    }
    std::vector<std::vector<bool>> voted(clients.size(), std::vector<bool>(crowd_questions, false));
    std::mt19937 rng(12345);
    int64_t votes_sent = 0;
    size_t next_voter = 0;
    const size_t crowd = clients.size() - probes;
    const int step_ms = 100; // each step, a tenth of the crowd's votes for one second
    const double per_step = static_cast<double>(crowd) * a.VotesPerS * step_ms / 1000.0;
    double owed = 0;
    int step = 0;
    for (auto& c : clients)
        c->Frames = c->Messages = 0;
    cpu0 = ProcessCpuSeconds(a.RelayPid);
    t0 = Clock::now();
    RunFor(io, std::chrono::milliseconds(a.DurationS * 1000), std::chrono::milliseconds(step_ms), [&] {
        owed += per_step;
        for (; owed >= 1.0; owed -= 1.0)
        {
            const size_t who = next_voter++ % crowd;
            const size_t q = rng() % crowd_questions;
            voted[who][q] = !voted[who][q];
            clients[who]->Send(EncodeClientMessage(VoteRequest{ids[q], voted[who][q]}));
            votes_sent++;
        }
        if (step++ % 5 == 0) // probes: one toggle each every 500 ms, when the last one was seen
            for (size_t j = 0; j < probes; j++)
                if (probe[j].SentNs == 0)
                {
                    probe[j].On = !probe[j].On;
                    probe[j].SentNs = NowNs();
                    clients[clients.size() - 1 - j]->Send(EncodeClientMessage(VoteRequest{probe[j].Id, probe[j].On}));
                }
    });
    wall = std::chrono::duration<double>(Clock::now() - t0).count();
    cpu1 = ProcessCpuSeconds(a.RelayPid);
    report("voting on", cpu0 < 0 ? -1.0 : cpu1 - cpu0, wall);
    std::printf("votes%s [voting on]: %lld votes sent (%.0f/s) on %zu questions; vote -> board latency p50 %.1f ms, p99 %.1f ms (%zu probe samples)\n",
                a.Label.c_str(), static_cast<long long>(votes_sent), static_cast<double>(votes_sent) / wall, ids.size(), Percentile(latencies_ms, 0.5),
                Percentile(latencies_ms, 0.99), latencies_ms.size());
    std::fflush(stdout);
    CloseAll(io, clients);
    return 0;
}

} // namespace
} // namespace livescope

//-----------------------------------------------------------------------------
// [SECTION] main
//-----------------------------------------------------------------------------

int main(int argc, char** argv)
{
    using namespace livescope;
    Args a;
    if (argc < 2)
    {
        std::fprintf(stderr, "usage: livescope-relay-bench connections|fanout|hearts|votes|chat --port N|--ports N,N,... [--clients N] [--senders N]\n"
                             "       [--rate N] [--duration-s N] [--concurrency N] [--hold-s N] [--timeout-s N] [--label TEXT]\n"
                             "       connections: [--hold-until-eof]; fanout: [--watch NAME:PID]... [--receiver-hearts-per-s 0] [--random-phase 0|1] [--relay-pid PID]\n"
                             "       votes: [--questions 50] [--votes-per-s 1] [--relay-pid PID]\n"
                             "       chat: [--comment-every-s 10] [--relay-pid PID]\n");
        return 2;
    }
    a.Mode = argv[1];
    for (int i = 2; i < argc; i++)
        if (std::string(argv[i]) == "--hold-until-eof") // the one flag without a value
        {
            a.HoldUntilEof = true;
            for (int j = i; j + 1 < argc; j++)
                argv[j] = argv[j + 1];
            argc--;
            break;
        }
    for (int i = 2; i + 1 < argc; i += 2)
    {
        const std::string k = argv[i];
        const char* v = argv[i + 1];
        if (k == "--port")
            a.Ports.push_back(static_cast<uint16_t>(std::atoi(v)));
        else if (k == "--ports")
        {
            std::istringstream list(v);
            for (std::string port; std::getline(list, port, ',');)
                a.Ports.push_back(static_cast<uint16_t>(std::atoi(port.c_str())));
        }
        else if (k == "--watch")
        {
            const std::string w = v;
            const size_t colon = w.rfind(':');
            if (colon == std::string::npos || colon == 0)
            {
                std::fprintf(stderr, "--watch wants NAME:PID, not %s\n", v);
                return 2;
            }
            a.Watched.emplace_back(w.substr(0, colon), std::atoi(w.c_str() + colon + 1));
        }
        else if (k == "--clients")
            a.Clients = std::atoi(v);
        else if (k == "--senders")
            a.Senders = std::atoi(v);
        else if (k == "--rate")
            a.Rate = std::atoi(v);
        else if (k == "--duration-s")
            a.DurationS = std::max(1, std::atoi(v));
        else if (k == "--concurrency")
            a.Concurrency = std::max(1, std::atoi(v));
        else if (k == "--hold-s")
            a.HoldS = std::max(1, std::atoi(v));
        else if (k == "--timeout-s")
            a.TimeoutS = std::max(1, std::atoi(v));
        else if (k == "--questions")
            a.Questions = std::atoi(v);
        else if (k == "--votes-per-s")
            a.VotesPerS = std::max(1, std::atoi(v));
        else if (k == "--comment-every-s")
            a.CommentEveryS = std::max(1, std::atoi(v));
        else if (k == "--random-phase")
            a.RandomPhase = std::atoi(v) != 0;
        else if (k == "--receiver-hearts-per-s")
            a.ReceiverHeartsPerS = std::max(0, std::atoi(v));
        else if (k == "--relay-pid")
            a.RelayPid = std::atoi(v);
        else if (k == "--label")
            a.Label = std::string(" [") + v + "]";
        else
        {
            std::fprintf(stderr, "unknown option %s\n", k.c_str());
            return 2;
        }
    }
    if (a.Ports.empty())
    {
        std::fprintf(stderr, "--port N or --ports N,N,... is required\n");
        return 2;
    }
    asio::io_context io(1);
    Endpoints ep;
    for (uint16_t port : a.Ports)
        ep.emplace_back(asio::ip::make_address("127.0.0.1"), port);
    if (a.Mode == "connections")
        return ModeConnections(io, ep, a);
    if (a.Mode == "fanout")
        return ModeFanout(io, ep, a);
    if (a.Mode == "hearts")
        return ModeHearts(io, ep, a);
    if (a.Mode == "votes")
        return ModeVotes(io, ep, a);
    if (a.Mode == "chat")
        return ModeChat(io, ep, a);
    std::fprintf(stderr, "unknown mode %s\n", a.Mode.c_str());
    return 2;
}
