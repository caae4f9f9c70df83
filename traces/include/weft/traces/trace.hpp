// In-memory form of a weft trace: everything needed to describe, replay and
// display one execution of a scenario. The text form is in trace_io.hpp and
// specified in traces/README.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace weft::traces {

// Version of the text format written by to_text() and the only one parse() accepts.
inline constexpr int format_version = 1;

// A source position. An empty file means "unknown" (written as "-" when line is 0 too).
struct location {
  std::string file;
  std::uint32_t line = 0;

  bool operator==(const location&) const = default;
};

// One thread of the execution; ids are 0, 1, 2, ... in declaration order.
struct thread_info {
  std::uint32_t id = 0;
  std::string name;

  bool operator==(const thread_info&) const = default;
};

// One scheduled operation, in execution order.
struct step {
  std::uint64_t index = 0;   // 0, 1, 2, ... consecutive within a trace
  std::uint32_t thread = 0;  // id of the thread performing the operation
  std::string kind;          // token [a-z0-9._-]+, e.g. "atomic.load", "mutex.lock", "spawn", "random"
  std::uint32_t object = 0;  // object id, 0 = none
  std::string order = "-";   // "-" or relaxed|consume|acquire|release|acq_rel|seq_cst
  std::uint64_t value = 0;   // decision value (random draw, spurious flag...), 0 if none
  location where;

  bool operator==(const step&) const = default;
};

// What went wrong in a failing execution.
struct failure_info {
  std::string kind;          // token [a-z0-9._-]+, e.g. "data-race", "deadlock", "assertion"
  std::string message;       // free text, may span several lines
  location where;
  std::uint32_t thread = 0;  // a declared thread id

  bool operator==(const failure_info&) const = default;
};

// A whole recorded execution: header, optional failure, threads and steps.
struct trace {
  std::string scenario;      // name of the scenario, normally without whitespace
  std::string weft_version;
  std::string platform;      // e.g. "sim"
  std::string strategy;      // e.g. "random", "pct"
  std::vector<std::pair<std::string, std::string>> params;  // ordered; keys are unique tokens, values free text
  std::optional<failure_info> failure;
  std::vector<thread_info> threads;
  std::vector<step> steps;

  // Value of the parameter named key, or nullptr if absent.
  const std::string* param(std::string_view key) const;

  bool operator==(const trace&) const = default;
};

}  // namespace weft::traces
