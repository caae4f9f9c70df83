// A child process for tests that talk to it while it runs: its stdout and stderr come through
// one pipe, read as they arrive, and it can be sent a signal. Every wait has a deadline, so a
// child that never answers fails the test instead of hanging it (the deadline is a guard, not
// a measurement).
#pragma once

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

namespace weft::testing {

class child_process {
 public:
  // Runs argv[0] (a path) with argv, in `cwd` when not empty, with `env` ("NAME=value") added
  // to this process's environment.
  explicit child_process(const std::vector<std::string>& argv, const std::string& cwd = {},
                         const std::vector<std::string>& env = {}) {
    int fds[2];
    if (::pipe(fds) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], STDOUT_FILENO);
      ::dup2(fds[1], STDERR_FILENO);
      ::close(fds[0]);
      ::close(fds[1]);
      if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(126);
      for (const std::string& e : env) ::putenv(const_cast<char*>(e.c_str()));
      std::vector<char*> args;
      for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    fd_ = fds[0];
  }
  ~child_process() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    if (fd_ >= 0) ::close(fd_);
  }
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  bool started() const { return pid_ > 0 && fd_ >= 0; }
  const std::string& output() const { return out_; }

  // Reads until the output contains `text` or the pipe closes; false if the deadline came first
  // or the child ended without printing it.
  bool wait_for(const std::string& text, std::chrono::seconds deadline = std::chrono::seconds(60)) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (out_.find(text) == std::string::npos) {
      if (!read_some(until)) return out_.find(text) != std::string::npos;
    }
    return true;
  }

  void send(int signal) const { ::kill(pid_, signal); }

  // Reads to the end and reaps the child: its exit code, 128 + N when signal N ended it, or -1
  // when the deadline came first (the child is then killed).
  int finish(std::chrono::seconds deadline = std::chrono::seconds(120)) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (read_some(until)) {
    }
    if (std::chrono::steady_clock::now() >= until) return -1;
    int status = 0;
    if (::waitpid(pid_, &status, 0) != pid_) return -1;
    reaped_ = true;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
  }

 private:
  // One read; false at the end of the output or past the deadline.
  bool read_some(std::chrono::steady_clock::time_point until) {
    if (fd_ < 0) return false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) return true;
    if (ready <= 0) return false;
    char buffer[4096];
    const ssize_t n = ::read(fd_, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) return true;
    if (n <= 0) return false;
    out_.append(buffer, static_cast<std::size_t>(n));
    return true;
  }

  pid_t pid_ = -1;
  int fd_ = -1;
  bool reaped_ = false;
  std::string out_;
};

// The exit code (as child_process::finish gives it) and the output of a child run to its end.
struct shell_result {
  int code = -1;
  std::string out;
};

// Runs argv[0] (a path) with argv in `cwd`, with `env` added, to its end.
inline shell_result run_process(const std::vector<std::string>& argv, const std::string& cwd = {},
                                const std::vector<std::string>& env = {}) {
  child_process c(argv, cwd, env);
  shell_result r;
  r.code = c.finish();
  r.out = c.output();
  return r;
}

// Runs `command` with /bin/sh -c in `cwd`; its exit code and output.
inline shell_result run_shell(const std::string& command, const std::string& cwd = {},
                              const std::vector<std::string>& env = {}) {
  return run_process({"/bin/sh", "-c", command}, cwd, env);
}

}  // namespace weft::testing
