// Probe HTTP client: Boost.Beast synchronous GETs, one worker thread per request, streamed body events.
#include "http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <limits>
#include <sys/socket.h>

namespace livescope {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace {
double SteadySeconds()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
} // namespace

std::optional<HttpUrl> ParseHttpUrl(const std::string& url, std::string& reason)
{
    const std::string scheme = "http://";
    if (url.rfind("https://", 0) == 0)
    {
        reason = "https is not supported by livescope-probe (use http://)";
        return std::nullopt;
    }
    if (url.rfind(scheme, 0) != 0)
    {
        reason = "not an http:// URL: " + url;
        return std::nullopt;
    }
    HttpUrl u;
    const size_t host_start = scheme.size();
    size_t path = url.find_first_of("/?#", host_start);
    if (path == std::string::npos) path = url.size();
    std::string authority = url.substr(host_start, path - host_start);
    if (authority.empty())
    {
        reason = "URL has no host: " + url;
        return std::nullopt;
    }
    const size_t colon = authority.rfind(':');
    if (colon != std::string::npos && authority.find(']') == std::string::npos)
    {
        u.Host = authority.substr(0, colon);
        u.Port = authority.substr(colon + 1);
    }
    else
    {
        u.Host = authority;
        u.Port = "80";
    }
    if (u.Host.size() > 2 && u.Host.front() == '[') u.Host = u.Host.substr(1, u.Host.size() - 2);
    std::string target = url.substr(path);
    if (size_t h = target.find('#'); h != std::string::npos) target.resize(h);
    if (target.empty() || target[0] != '/') target = "/" + target;
    u.Target = target;
    return u;
}

struct HttpPool::Conn
{
    uint64_t Id = 0;
    std::string Url;
    int64_t RangeOffset = -1, RangeLength = -1;
    std::atomic<bool> Cancelled{false};
    std::mutex SocketMutex;
    int Fd = -1;
};

HttpPool::HttpPool() : Epoch(SteadySeconds()) {}

HttpPool::~HttpPool()
{
    {
        std::lock_guard<std::mutex> lock(Mutex);
        for (auto& [id, c] : Conns)
        {
            c->Cancelled = true;
            std::lock_guard<std::mutex> sl(c->SocketMutex);
            if (c->Fd >= 0) ::shutdown(c->Fd, SHUT_RDWR);
        }
    }
    for (std::thread& t : Threads)
        if (t.joinable()) t.join();
}

double HttpPool::Now() const { return SteadySeconds() - Epoch; }

void HttpPool::Start(uint64_t id, const std::string& url, int64_t range_offset, int64_t range_length)
{
    auto c = std::make_shared<Conn>();
    c->Id = id;
    c->Url = url;
    c->RangeOffset = range_offset;
    c->RangeLength = range_length;
    {
        std::lock_guard<std::mutex> lock(Mutex);
        Conns[id] = c;
    }
    Threads.emplace_back([this, c] { Run(c); });
}

void HttpPool::Cancel(uint64_t id)
{
    std::lock_guard<std::mutex> lock(Mutex);
    auto it = Conns.find(id);
    if (it == Conns.end()) return;
    it->second->Cancelled = true;
    std::lock_guard<std::mutex> sl(it->second->SocketMutex);
    if (it->second->Fd >= 0) ::shutdown(it->second->Fd, SHUT_RDWR);
    Conns.erase(it);
}

void HttpPool::Post(HttpEvent e)
{
    std::lock_guard<std::mutex> lock(Mutex);
    auto it = Conns.find(e.Id);
    if (it == Conns.end() || it->second->Cancelled) return;
    e.Time = Now();
    if (e.Kind == HttpEvent::Type::Complete || e.Kind == HttpEvent::Type::Error) Conns.erase(it);
    Queue.push_back(std::move(e));
    Cond.notify_one();
}

std::vector<HttpEvent> HttpPool::Wait(double until)
{
    std::unique_lock<std::mutex> lock(Mutex);
    const double wait = until - Now();
    if (Queue.empty() && wait > 0)
    {
        Cond.wait_for(lock, std::chrono::duration<double>(std::min(wait, 3600.0)), [this] { return !Queue.empty(); });
    }
    std::vector<HttpEvent> out(std::make_move_iterator(Queue.begin()), std::make_move_iterator(Queue.end()));
    Queue.clear();
    return out;
}

void HttpPool::Run(std::shared_ptr<Conn> c)
{
    auto fail = [&](const std::string& reason) {
        HttpEvent e;
        e.Kind = HttpEvent::Type::Error;
        e.Id = c->Id;
        e.Reason = reason;
        Post(std::move(e));
    };
    std::string reason;
    std::optional<HttpUrl> u = ParseHttpUrl(c->Url, reason);
    if (!u)
    {
        fail(reason);
        return;
    }
    try
    {
        asio::io_context ioc;
        tcp::resolver resolver(ioc);
        tcp::socket socket(ioc);
        struct FdGuard
        { // forget the descriptor before the socket closes it
            Conn& C;
            ~FdGuard()
            {
                std::lock_guard<std::mutex> sl(C.SocketMutex);
                C.Fd = -1;
            }
        } guard{*c};
        beast::error_code ec;
        auto endpoints = resolver.resolve(u->Host, u->Port, ec);
        if (ec)
        {
            fail("cannot resolve " + u->Host + ": " + ec.message());
            return;
        }
        asio::connect(socket, endpoints, ec);
        if (ec)
        {
            fail("cannot connect to " + u->Host + ":" + u->Port + ": " + ec.message());
            return;
        }
        {
            std::lock_guard<std::mutex> sl(c->SocketMutex);
            c->Fd = socket.native_handle();
            if (c->Cancelled) return;
        }
        http::request<http::empty_body> req(http::verb::get, u->Target, 11);
        req.set(http::field::host, u->Host + ":" + u->Port);
        req.set(http::field::user_agent, "livescope-probe");
        if (c->RangeOffset >= 0)
        {
            std::string range = "bytes=" + std::to_string(c->RangeOffset) + "-";
            if (c->RangeLength >= 0) range += std::to_string(c->RangeOffset + c->RangeLength - 1);
            req.set(http::field::range, range);
        }
        http::write(socket, req, ec);
        if (ec)
        {
            fail("write: " + ec.message());
            return;
        }
        beast::flat_buffer buffer;
        http::response_parser<http::buffer_body> parser;
        parser.body_limit(std::numeric_limits<std::uint64_t>::max());
        http::read_header(socket, buffer, parser, ec);
        if (ec)
        {
            if (!c->Cancelled) fail("read header: " + ec.message());
            return;
        }
        {
            HttpEvent e;
            e.Kind = HttpEvent::Type::Response;
            e.Id = c->Id;
            e.Status = static_cast<int>(parser.get().result_int());
            Post(std::move(e));
        }
        std::vector<char> chunk(64 * 1024);
        while (!parser.is_done())
        {
            parser.get().body().data = chunk.data();
            parser.get().body().size = chunk.size();
            http::read_some(socket, buffer, parser, ec);
            if (ec == http::error::need_buffer) ec = {};
            const size_t n = chunk.size() - parser.get().body().size;
            if (n > 0)
            {
                HttpEvent e;
                e.Kind = HttpEvent::Type::Data;
                e.Id = c->Id;
                e.Bytes.assign(chunk.data(), n);
                Post(std::move(e));
            }
            if (ec)
            {
                if (!c->Cancelled) fail("read body: " + ec.message());
                return;
            }
        }
        HttpEvent e;
        e.Kind = HttpEvent::Type::Complete;
        e.Id = c->Id;
        Post(std::move(e));
    }
    catch (const std::exception& ex)
    {
        fail(std::string("exception: ") + ex.what());
    }
}

bool HttpGet(const std::string& url, std::string& body, std::string& error)
{
    HttpPool pool;
    pool.Start(1, url);
    int status = 0;
    for (;;)
    {
        for (HttpEvent& e : pool.Wait(pool.Now() + 60.0))
        {
            switch (e.Kind)
            {
                case HttpEvent::Type::Response: status = e.Status; break;
                case HttpEvent::Type::Data: body += e.Bytes; break;
                case HttpEvent::Type::Error: error = e.Reason; return false;
                case HttpEvent::Type::Complete:
                    if (status >= 400)
                    {
                        error = "HTTP " + std::to_string(status) + " for " + url;
                        return false;
                    }
                    return true;
            }
        }
        if (pool.Now() > 60.0)
        {
            error = "timed out fetching " + url;
            return false;
        }
    }
}

} // namespace livescope
