// The origin's one fork/exec: a supervised child (ffmpeg encoders, the nginx-rtmp child) with chosen stdin, stdout and
// output pipes, dying with the origin (PR_SET_PDEATHSIG).
#pragma once

#include <string>
#include <vector>

#include <sys/types.h>

namespace livescope {

struct ChildSpec
{
    std::vector<std::string> Args; // Args[0]: a path, or a program looked up in PATH when SearchPath
    bool SearchPath = false;
    int StdinFd = -1;          // becomes the child's fd 0; -1: /dev/null
    bool StdoutToNull = false; // false: the child shares the origin's stdout
    std::vector<int> OutputFds; // moved onto fds 3, 4, ... in the child, in order
    const char* ExecFailMessage = "livescope-origin: cannot exec a child\n"; // written to stderr when exec fails
};

// Forks and execs spec. Returns the child's pid, or -1 with a reason in error (fork failed). Every other descriptor is
// closed in the child, so the caller's fds (its ends of pipes included) never leak into it. The caller still owns and
// closes its copies of StdinFd and OutputFds. Thread: any; only async-signal-safe calls run in the child before exec.
pid_t SpawnChild(const ChildSpec& spec, std::string& error);

} // namespace livescope
