// The origin's ffmpeg child: pipes on fds 3.. (spawned by child_process), async reads, reaping.
#include "encoder_process.h"

#include "child_process.h"

#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace livescope {

namespace asio = boost::asio;

EncoderProcess::EncoderProcess(asio::io_context& io, Events events) : Io(io), Callbacks(std::move(events)), ReapTimer(io) {}

bool EncoderProcess::Start(const std::vector<std::string>& args, size_t outputs, std::string& error, bool input_pipe)
{
    int input_fds[2] = {-1, -1};
    if (input_pipe && ::pipe2(input_fds, O_CLOEXEC) != 0)
    {
        error = std::string("pipe: ") + std::strerror(errno);
        return false;
    }
    auto close_input = [&]() {
        if (input_fds[0] >= 0)
            ::close(input_fds[0]);
        if (input_fds[1] >= 0)
            ::close(input_fds[1]);
    };
    std::vector<int> read_ends(outputs, -1), write_ends(outputs, -1);
    for (size_t i = 0; i < outputs; i++)
    {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0)
        {
            error = std::string("pipe: ") + std::strerror(errno);
            for (size_t j = 0; j < i; j++)
            {
                ::close(read_ends[j]);
                ::close(write_ends[j]);
            }
            close_input();
            return false;
        }
        read_ends[i] = fds[0];
        write_ends[i] = fds[1];
    }
    ChildSpec spec;
    spec.Args = args;
    spec.SearchPath = true;
    spec.StdinFd = input_fds[0];
    spec.OutputFds = write_ends;
    spec.ExecFailMessage = "livescope-origin: cannot exec ffmpeg\n";
    const pid_t pid = SpawnChild(spec, error);
    for (int fd : write_ends)
        ::close(fd);
    if (input_fds[0] >= 0)
        ::close(input_fds[0]);
    input_fds[0] = -1;
    if (pid < 0)
    {
        for (int fd : read_ends)
            ::close(fd);
        close_input();
        return false;
    }
    Input.reset();
    if (input_fds[1] >= 0)
        Input = std::make_unique<asio::posix::stream_descriptor>(Io, input_fds[1]);
    Pid = pid;
    OpenPipes = outputs;
    Pipes.clear();
    ReadBuffers.assign(outputs, std::vector<uint8_t>(64 * 1024));
    for (size_t i = 0; i < outputs; i++)
        Pipes.push_back(std::make_unique<asio::posix::stream_descriptor>(Io, read_ends[i]));
    for (size_t i = 0; i < outputs; i++)
        ReadPipe(i);
    return true;
}

void EncoderProcess::WriteInput(std::shared_ptr<const std::string> bytes, std::function<void(bool ok)> done)
{
    if (!Input)
    {
        asio::post(Io, [done = std::move(done)]() { done(false); });
        return;
    }
    asio::async_write(*Input, asio::buffer(*bytes), [bytes, done = std::move(done)](boost::system::error_code ec, size_t) { done(!ec); });
}

void EncoderProcess::CloseInput()
{
    if (!Input)
        return;
    boost::system::error_code ignored;
    Input->close(ignored);
    Input.reset();
}

void EncoderProcess::Signal(int signal_number) const
{
    if (Pid > 0)
        ::kill(Pid, signal_number);
}

bool EncoderProcess::Terminate()
{
    if (Pid <= 0)
        return false;
    ::kill(Pid, SIGTERM);
    ReapTimer.cancel();
    Reap(60); // SIGKILL after 3 s
    return true;
}

void EncoderProcess::ReadPipe(size_t index)
{
    Pipes[index]->async_read_some(asio::buffer(ReadBuffers[index]), [this, index](boost::system::error_code ec, size_t size) {
        if (ec)
        {
            ClosePipe(index, ec == asio::error::eof ? "end of stream" : ec.message());
            return;
        }
        if (!Callbacks.OnBytes(index, ReadBuffers[index].data(), size))
        {
            ClosePipe(index, "bad stream");
            return;
        }
        ReadPipe(index);
    });
}

void EncoderProcess::ClosePipe(size_t index, const std::string& why)
{
    if (index >= Pipes.size() || !Pipes[index])
        return;
    boost::system::error_code ignored;
    Pipes[index]->close(ignored);
    Pipes[index].reset();
    Callbacks.OnPipeClosed(index, why);
    if (OpenPipes > 0 && --OpenPipes == 0)
    {
        Callbacks.OnAllPipesClosed();
        Reap(60);
    }
}

void EncoderProcess::Reap(int attempts_left)
{
    if (Pid <= 0)
        return;
    int status = 0;
    const pid_t done = ::waitpid(Pid, &status, WNOHANG);
    if (done == Pid || (done < 0 && errno == ECHILD))
    {
        Reaped(status);
        return;
    }
    if (attempts_left <= 0)
    {
        ::kill(Pid, SIGKILL);
        ::waitpid(Pid, &status, 0);
        Reaped(status);
        return;
    }
    if (attempts_left == 40 && OpenPipes > 0)
        ::kill(Pid, SIGTERM);
    ReapTimer.expires_after(std::chrono::milliseconds(50));
    ReapTimer.async_wait([this, attempts_left](boost::system::error_code ec) {
        if (!ec)
            Reap(attempts_left - 1);
    });
}

void EncoderProcess::Reaped(int status)
{
    Pid = -1;
    CloseInput();
    for (auto& pipe : Pipes)
        if (pipe)
        {
            boost::system::error_code ignored;
            pipe->close(ignored);
            pipe.reset();
        }
    OpenPipes = 0;
    Callbacks.OnExited(status);
}

} // namespace livescope
