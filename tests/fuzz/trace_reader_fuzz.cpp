// libFuzzer target for the trace reader: parse() may only ever throw
// parse_error, and whatever it accepts must survive to_text() and parse()
// again unchanged, with to_text() idempotent.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  weft::traces::trace t;
  try {
    t = weft::traces::parse(text, "fuzz");
  } catch (const weft::traces::parse_error& e) {
    check(e.line >= 1 && e.line <= line_count(text), "parse_error blames a line outside the input");
    check(!e.problem.empty(), "parse_error without a problem");
    return 0;
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
