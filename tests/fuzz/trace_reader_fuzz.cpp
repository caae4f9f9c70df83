// libFuzzer target for the trace reader: parse() may only ever throw
// parse_error, and whatever it accepts must survive to_text() and parse()
// again unchanged, with to_text() idempotent. The same bytes also go through
// read_fd(), the bounded reading path of read_file(), from a pipe and with a
// byte limit taken from the first input byte: input over the limit must be
// refused as such, input within it must read exactly as parse() reads it.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <optional>
#include <string_view>

#include "weft/traces/swimlane.hpp"
#include "weft/traces/trace.hpp"
#include "weft/traces/trace_io.hpp"

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "trace_reader_fuzz: %s\n", what);
    std::abort();
  }
}

std::size_t line_count(std::string_view text) {
  std::size_t lines = 0;
  for (char c : text) {
    lines += c == '\n' ? 1 : 0;
  }
  if (!text.empty() && text.back() != '\n') {
    ++lines;
  }
  return lines == 0 ? 1 : lines;
}

// Bytes a pipe takes without a reader (Linux: 64 KiB); longer inputs skip read_fd().
constexpr std::size_t pipe_room = 60000;

// The limit for read_fd(): near the input's size (one below or equal) when the
// first byte is 0xf0 or more, otherwise 16 times the first byte.
std::size_t limit_for(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  if (data[0] >= 0xf0) {
    return size - (data[0] & 1u);
  }
  return std::size_t{data[0]} * 16;
}

// read_fd() of text through a pipe with the given limit, against what parse()
// made of it: the trace, or the parse_error's what().
void check_bounded_read(std::string_view text, std::size_t limit,
                        const std::optional<weft::traces::trace>& parsed, const std::string& parse_what) {
  int fds[2];
  check(::pipe(fds) == 0, "pipe() failed");
  check(::write(fds[1], text.data(), text.size()) == static_cast<ssize_t>(text.size()), "write() to the pipe failed");
  ::close(fds[1]);
  std::optional<weft::traces::trace> read;
  std::string read_what;
  std::size_t read_line = 0;
  try {
    read = weft::traces::read_fd(fds[0], "fuzz", limit);
  } catch (const weft::traces::parse_error& e) {
    read_what = e.what();
    read_line = e.line;
  }
  // What is left in the pipe: read_fd() stops one byte past the limit.
  std::size_t left = 0;
  char buf[4096];
  for (ssize_t n = 0; (n = ::read(fds[0], buf, sizeof buf)) > 0;) {
    left += static_cast<std::size_t>(n);
  }
  ::close(fds[0]);
  if (text.size() > limit) {
    check(!read, "read_fd() accepted input over its limit");
    check(read_line == 0, "read_fd() blamed a line for input over its limit");
    check(read_what == "fuzz: more than " + std::to_string(limit) +
                           " bytes (the limit for a trace); stopped reading there",
          "read_fd() refused input over its limit with the wrong message");
    check(left == text.size() - limit - 1, "read_fd() did not stop one byte past its limit");
    return;
  }
  check(left == 0, "read_fd() stopped before the end of input within its limit");
  check(read.has_value() == parsed.has_value(), "read_fd() and parse() disagree on the input");
  if (parsed) {
    check(*read == *parsed, "read_fd() read a different trace than parse()");
  } else {
    check(read_what == parse_what, "read_fd() and parse() give different errors");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  weft::traces::trace t;
  try {
    t = weft::traces::parse(text, "fuzz");
  } catch (const weft::traces::parse_error& e) {
    check(e.line >= 1 && e.line <= line_count(text), "parse_error blames a line outside the input");
    check(!e.problem.empty(), "parse_error without a problem");
    if (size <= pipe_room) {
      check_bounded_read(text, limit_for(data, size), std::nullopt, e.what());
    }
    return 0;
  }
  if (size <= pipe_room) {
    check_bounded_read(text, limit_for(data, size), t, "");
  }
  const std::string once = weft::traces::to_text(t);  // must not throw for a parsed trace
  weft::traces::trace again;
  try {
    again = weft::traces::parse(once, "fuzz-roundtrip");
  } catch (const weft::traces::parse_error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    check(false, "to_text() wrote text that parse() rejects");
  }
  check(again == t, "parse(to_text(t)) differs from t");
  check(weft::traces::to_text(again) == once, "to_text() is not idempotent");
  (void)weft::traces::render_swimlane(t, size % 4);
  return 0;
}
