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

// Newest version of the text format. parse() reads versions 1 and 2; to_text() writes
// version 1 when the trace uses nothing of version 2 (values, CAS outcomes, notes, object
// names), so that older readers still read it, and version 2 otherwise.
inline constexpr int format_version = 2;

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

// One scheduled operation, in execution order; also the form of a note (see trace::notes).
struct step {
  std::uint64_t index = 0;   // steps: 0, 1, 2, ... consecutive; notes: the index of the next step
  std::uint32_t thread = 0;  // id of the thread performing the operation
  std::string kind;          // token [a-z0-9._-]+, e.g. "atomic.load", "mutex.lock", "spawn", "random"
  std::uint32_t object = 0;  // object id, 0 = none
  std::string order = "-";   // "-" or relaxed|consume|acquire|release|acq_rel|seq_cst
  std::uint64_t value = 0;   // decision value (random draw, spurious flag...), 0 if none
  location where;
  // What the operation saw and did, where the platform could record it (format version 2):
  // the value it read (loads, read-modify-writes, CAS) and the value it wrote (stores,
  // read-modify-writes, a CAS that succeeded), as 64 bits (see traces/README.md), and a
  // CAS's outcome. Absent: not recorded (an old trace, or a value that has no 64-bit form).
  std::optional<std::uint64_t> read;
  std::optional<std::uint64_t> written;
  std::optional<bool> succeeded;

  bool operator==(const step&) const = default;
};

// A name the program gave an object ("ready" for o3).
struct object_info {
  std::uint32_t id = 0;  // not 0
  std::string name;      // not empty

  bool operator==(const object_info&) const = default;
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
  std::vector<object_info> objects;  // named objects only, ids ascending
  std::vector<step> steps;
  // Non-scheduling entries, in execution order: what threads did between two steps that is
  // no decision (today reads and writes of plain data, kinds "var.read" and "var.write").
  // A note's index is the index of the step that follows it (steps.size() after the last
  // one), so notes and steps merge into one timeline; replay ignores notes.
  std::vector<step> notes;

  // Value of the parameter named key, or nullptr if absent.
  const std::string* param(std::string_view key) const;
  // Name given to object `id`, or nullptr.
  const std::string* object_name(std::uint32_t id) const;

  bool operator==(const trace&) const = default;
};

}  // namespace weft::traces
