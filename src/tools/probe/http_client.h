// Minimal HTTP/1.1 client for the probe (Boost.Beast, one thread per request) reporting streamed events.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace livescope {

struct HttpEvent
{
    enum class Type
    {
        Response,
        Data,
        Complete,
        Error
    };
    Type Kind = Type::Error;
    uint64_t Id = 0;
    int Status = 0;     // Response
    std::string Bytes;  // Data
    std::string Reason; // Error
    double Time = 0.0;  // seconds since the pool's epoch
};

struct HttpUrl
{
    std::string Host, Port, Target; // Target = path + query
};

// Parses "http://host[:port]/path?query". Returns nullopt (and sets `reason`) otherwise.
std::optional<HttpUrl> ParseHttpUrl(const std::string& url, std::string& reason);

// Runs GET requests concurrently. Thread: Start/Cancel/Wait from one thread; workers only post events.
class HttpPool
{
public:
    HttpPool();
    ~HttpPool();        // cancels and joins every worker
    double Now() const; // seconds since construction (steady clock)
    // Starts GET `url` (optional "bytes=" range: offset, length or -1 for open-ended).
    void Start(uint64_t id, const std::string& url, int64_t range_offset = -1, int64_t range_length = -1);
    void Cancel(uint64_t id); // later events for `id` are dropped
    // Waits until an event is queued or `until` (pool time) passes; returns every queued event.
    std::vector<HttpEvent> Wait(double until);

private:
    struct Conn;
    void Post(HttpEvent e);
    void Run(std::shared_ptr<Conn> conn);
    std::mutex Mutex;
    std::condition_variable Cond;
    std::deque<HttpEvent> Queue;
    std::map<uint64_t, std::shared_ptr<Conn>> Conns;
    std::vector<std::thread> Threads;
    double Epoch = 0.0;
};

// One blocking GET for the non-follow mode. Returns false with `error` on transport failure or HTTP >= 400.
bool HttpGet(const std::string& url, std::string& body, std::string& error);

} // namespace livescope
