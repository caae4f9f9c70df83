#include "reports.hpp"
#include "text.hpp"


namespace weft::sim::detail {

std::string thread_label(std::uint32_t t, const char* name) {
  if (name != nullptr && name[0] != '\0') return detail::text("t{} \"{}\"", t, name);
  return detail::text("t{}", t);
}

std::string where_text(const weft::source_location& where) {
  if (where.file_name() == nullptr || where.file_name()[0] == '\0') return "unknown location";
  return detail::text("{}:{}", where.file_name(), where.line());
}

std::string describe_wait(const thread_table& threads, const object_names& names, std::uint32_t t) {
  const thread_slot& s = threads[t];
  switch (s.state) {
    case thread_state::free: return "not started";
    case thread_state::finished: return "finished";
    case thread_state::runnable: return "runnable";
    case thread_state::blocked: break;
  }
  const std::string at = where_text(s.blocked_at);
  switch (s.reason) {
    case wait_reason::mutex:
      if (s.wait_owner != no_thread) {
        return detail::text("waits for mutex {} held by {} at {}", names.label(s.wait_object),
                           thread_label(s.wait_owner, threads[s.wait_owner].name), at);
      }
      return detail::text("waits for mutex {} at {}", names.label(s.wait_object), at);
    case wait_reason::condition:
      return detail::text("waits on condition_variable {}{} at {}", names.label(s.wait_object),
                         s.deadline_ns >= 0 ? " (timed)" : "", at);
    case wait_reason::join:
      return detail::text("joins {} at {}", thread_label(s.wait_object, threads[s.wait_object].name),
                         at);
    case wait_reason::park: return detail::text("parked on {} at {}", names.label(s.wait_object), at);
    case wait_reason::atomic_wait:
      return detail::text("waits on atomic {} (atomic wait, no notify came) at {}",
                         names.label(s.wait_object), at);
    case wait_reason::sleep: return detail::text("sleeps at {}", at);
    case wait_reason::none: break;
  }
  return "blocked";
}

std::string deadlock_report(const thread_table& threads, const object_names& names) {
  std::string text = "every thread is blocked and no timer is pending";
  for (std::uint32_t t = 0; t < threads.count(); ++t) {
    if (threads[t].state == thread_state::blocked) {
      text += detail::text("\n  {} {}", thread_label(t, threads[t].name), describe_wait(threads, names, t));
    }
  }
  return text;
}

std::string leak_report(const thread_table& threads, const object_names& names) {
  std::string leaked;
  for (std::uint32_t i = 1; i < threads.count(); ++i) {
    if (threads[i].state != thread_state::finished) {
      leaked += detail::text("\n  {} spawned at {}: {}", thread_label(i, threads[i].name),
                            where_text(threads[i].spawned_at), describe_wait(threads, names, i));
    }
  }
  if (leaked.empty()) return leaked;
  return "threads still running when the test body returned (join every thread):" + leaked;
}

std::string race_report(const thread_table& threads, const std::string& object, bool write_write,
                        bool current_writes, std::uint32_t current,
                        const weft::source_location& where, std::uint32_t other,
                        const weft::source_location& other_where) {
  const char* mine = current_writes ? "write" : "read";
  const char* theirs = (write_write || !current_writes) ? "write" : "read";
  return detail::text(
      "data race on var {}: {} by {} at {} is not ordered with the earlier {} by {} at {} (no "
      "happens-before: publish with release/acquire, or use one mutex)",
      object, mine, thread_label(current, threads[current].name), where_text(where), theirs,
      thread_label(other, threads[other].name), where_text(other_where));
}

std::string bad_pick_report(std::string_view strategy_name, std::uint32_t picked,
                            std::span<const std::uint8_t> runnable, std::uint64_t step) {
  std::string ids;
  for (const std::uint8_t t : runnable) ids += detail::text("{}t{}", ids.empty() ? "" : " ", t);
  return detail::text(
      "internal error: strategy '{}' chose t{} at step {}, which is not runnable (runnable: {}); "
      "the execution was stopped instead of switching to it",
      strategy_name, picked, step, ids.empty() ? "none" : ids);
}

}  // namespace weft::sim::detail
