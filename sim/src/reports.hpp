// reports.hpp (private to the simulator) — the text of the runtime's failure reports.
//
// Each function formats one kind of report from the thread table (and the objects' names: a
// named object is called by its name, others o<id>); the runtime decides when a
// failure happens and records it (failure_state.hpp).
#pragma once

#include <weft/sim/detail/object_names.hpp>
#include <weft/sim/detail/thread_table.hpp>

#include <weft/core/source_location.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace weft::sim::detail {

// "t2" or "t2 \"producer\"".
std::string thread_label(std::uint32_t t, const char* name);
// "file:line", or "unknown location".
std::string where_text(const weft::source_location& where);
// What thread t is doing, for deadlock and leak reports ("waits for mutex o3 held by t2 at ...").
std::string describe_wait(const thread_table& threads, const object_names& names, std::uint32_t t);
// Every blocked thread, one per line, after the deadlock's headline.
std::string deadlock_report(const thread_table& threads, const object_names& names);
// The threads that had not finished when the body returned; empty if every one had.
std::string leak_report(const thread_table& threads, const object_names& names);
// A data race on var `object` (its label: "o3" or its name): thread `current` makes the access
// at `where`, unordered with the earlier access by `other` at `other_where`.
std::string race_report(const thread_table& threads, const std::string& object, bool write_write,
                        bool current_writes, std::uint32_t current,
                        const weft::source_location& where, std::uint32_t other,
                        const weft::source_location& other_where);
// The strategy answered pick_thread at decision `step` with `picked`, which is not runnable.
std::string bad_pick_report(std::string_view strategy_name, std::uint32_t picked,
                            std::span<const std::uint8_t> runnable, std::uint64_t step);
}  // namespace weft::sim::detail
