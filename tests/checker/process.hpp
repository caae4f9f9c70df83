// Helpers for tests that run a program as a separate process: run a shell command and capture
// its output and exit status, read a whole file, make an empty directory, list a directory,
// take the text after a label in a report. Defining WEFT_CLI (the path of the `weft` binary)
// before including adds run_weft().
#pragma once

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace weft::testing {

struct command_result {
  int code = -1;    // exit status; -1 when the process could not start or did not exit normally
  std::string out;  // stdout and stderr together
};

// Runs `command` through the shell with stderr sent to stdout, and waits for it to end.
inline command_result run_command(const std::string& command) {
  const std::string cmd = command + " 2>&1";
  command_result r;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return r;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) r.out.append(buffer, n);
  const int status = ::pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

#ifdef WEFT_CLI
// Runs the `weft` tool with `args` (split by the shell).
inline command_result run_weft(const std::string& args) {
  return run_command(std::string(WEFT_CLI) + " " + args);
}

// The same under timeout(1): stopped after `seconds`, with exit status 124, so a command that
// blocks or reads without end fails its test instead of hanging it.
inline command_result run_weft(const std::string& args, int seconds) {
  return run_command("timeout " + std::to_string(seconds) + " " + std::string(WEFT_CLI) + " " + args);
}
#endif

// The file's bytes; empty when it cannot be read.
inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// An empty directory named `name` under the test temporary directory, removing what was there.
inline std::filesystem::path fresh_dir(const std::string& name) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// The entries of `dir`, sorted by path.
inline std::vector<std::filesystem::path> files_in(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// The text of the first line of `out` that contains `label` (e.g. "  replay  "), from after the
// label to the end of the line; empty when no line has it.
inline std::string line_after(const std::string& out, const std::string& label) {
  const std::size_t at = out.find(label);
  if (at == std::string::npos) return {};
  const std::size_t from = at + label.size();
  return out.substr(from, out.find('\n', from) - from);
}

}  // namespace weft::testing
