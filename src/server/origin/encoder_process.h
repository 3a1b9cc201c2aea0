// The origin's ffmpeg child: fork/exec with one pipe per rendition on fds 3, 4, ... (PR_SET_PDEATHSIG, so it dies with
// the origin), asynchronous reads of those pipes, and reaping (SIGTERM, then SIGKILL after 3 s).
#pragma once
#include <utility> // Boost 1.74 asio/awaitable.hpp needs std::exchange under C++20

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <sys/types.h>

namespace livescope {

// One encoder run at a time. Thread: the io_context's; the events are called from its handlers, which hold `this`,
// so the owner must outlive the io_context's run.
class EncoderProcess
{
public:
    struct Events
    {
        // Bytes from rendition `index`'s pipe. Return false to stop reading it (it is then closed as "bad stream").
        std::function<bool(size_t index, const uint8_t* data, size_t size)> OnBytes;
        // Rendition `index`'s pipe closed: `why` is "end of stream", "bad stream" or the read error.
        std::function<void(size_t index, const std::string& why)> OnPipeClosed;
        // Every pipe of the run has closed; reaping starts.
        std::function<void()> OnAllPipesClosed;
        // The child was reaped; `status` as from waitpid.
        std::function<void(int status)> OnExited;
    };

    EncoderProcess(boost::asio::io_context& io, Events events);
    // Forks and execs args (args[0] looked up in PATH) writing output i to fd 3 + i. False with a reason (pipe, fork).
    // input_pipe: the child's stdin is a pipe fed by WriteInput (else /dev/null).
    bool Start(const std::vector<std::string>& args, size_t outputs, std::string& error, bool input_pipe = false);
    // Writes bytes to the child's stdin; `done(true)` once all are written, `done(false)` when the pipe is gone. One write
    // at a time (the caller waits for done: that is the publisher's backpressure).
    void WriteInput(std::shared_ptr<const std::string> bytes, std::function<void(bool ok)> done);
    // Closes the child's stdin (end of input: ffmpeg flushes and exits).
    void CloseInput();
    bool InputOpen() const { return Input != nullptr; }
    bool Running() const { return Pid > 0; }
    pid_t ProcessId() const { return Pid; }
    void Signal(int signal_number) const; // nothing when no child runs
    // SIGTERM now, then reap (SIGKILL after 3 s); OnExited follows. False when no child runs.
    bool Terminate();

private:
    void ReadPipe(size_t index);
    void ClosePipe(size_t index, const std::string& why);
    void Reap(int attempts_left); // polls waitpid every 50 ms; SIGKILL when attempts run out
    void Reaped(int status);

    boost::asio::io_context& Io;
    Events Callbacks;
    boost::asio::steady_timer ReapTimer;
    pid_t Pid = -1;
    size_t OpenPipes = 0;
    std::vector<std::unique_ptr<boost::asio::posix::stream_descriptor>> Pipes;
    std::vector<std::vector<uint8_t>> ReadBuffers;
    std::unique_ptr<boost::asio::posix::stream_descriptor> Input; // the child's stdin, when input_pipe
};

} // namespace livescope
