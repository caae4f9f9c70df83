// The replay line of a report: shell quoting, the replay program this process offers, and the
// names of the reasons a run stops early.
#include <weft/sim/explore.hpp>
#include "text.hpp"


#include <mutex>
#include <system_error>

namespace weft::sim {

std::string_view to_string(stop_reason r) noexcept {
  switch (r) {
    case stop_reason::none: return "none";
    case stop_reason::time_limit: return "time-limit";
    case stop_reason::requested: return "requested";
    case stop_reason::max_executions: return "max-executions";
  }
  return "none";
}

std::string shell_quote(std::string_view text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

namespace {
std::mutex replay_program_mutex;
std::string replay_program_text;  // guarded by replay_program_mutex
}  // namespace

void set_replay_program(std::string command_prefix) {
  const std::lock_guard lock(replay_program_mutex);
  replay_program_text = std::move(command_prefix);
}

std::string replay_program() {
  const std::lock_guard lock(replay_program_mutex);
  return replay_program_text;
}

std::string replay_command_for(const std::filesystem::path& trace) {
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(trace, ec);
  if (ec) absolute = trace;
  const std::string program = replay_program();
  if (program.empty()) {
    return detail::text("call weft::sim::replay_file(\"{}\", body) in this program, or run it under "
                       "weft::cli::main for a command",
                       absolute.string());
  }
  return detail::text("{} {}", program, shell_quote(absolute.string()));
}

}  // namespace weft::sim
