// The origin's one fork/exec (see child_process.h).
#include "child_process.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace livescope {

pid_t SpawnChild(const ChildSpec& spec, std::string& error)
{
    // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
    std::vector<char*> argv;
    for (const std::string& arg : spec.Args)
        argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    const size_t outputs = spec.OutputFds.size();
    std::vector<int> high(outputs, -1);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0)
    {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent)
            ::_exit(127);
        ::signal(SIGPIPE, SIG_DFL);
        const int null_fd = ::open("/dev/null", O_RDWR);
        if (spec.StdinFd >= 0)
            ::dup2(spec.StdinFd, 0); // dup2 clears FD_CLOEXEC on the copy
        else if (null_fd >= 0)
            ::dup2(null_fd, 0);
        if (spec.StdoutToNull && null_fd >= 0)
            ::dup2(null_fd, 1);
        // Move the outputs above every target number first, then onto 3, 4, ...
        for (size_t i = 0; i < outputs; i++)
            high[i] = ::fcntl(spec.OutputFds[i], F_DUPFD, 100);
        for (size_t i = 0; i < outputs; i++)
            ::dup2(high[i], int(3 + i));
        ::syscall(SYS_close_range, static_cast<unsigned>(3 + outputs), ~0u, 0u);
        if (spec.SearchPath)
            ::execvp(argv[0], argv.data());
        else
            ::execv(argv[0], argv.data());
        [[maybe_unused]] const ssize_t written = ::write(2, spec.ExecFailMessage, std::strlen(spec.ExecFailMessage));
        ::_exit(127);
    }
    if (pid < 0)
        error = std::string("fork: ") + std::strerror(errno);
    return pid;
}

} // namespace livescope
