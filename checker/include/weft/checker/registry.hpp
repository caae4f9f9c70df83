// weft/checker/registry.hpp — scenarios a binary offers to weft::cli::main.
//
//   #include <weft/checker/registry.hpp>
//   #include <weft/checker/cli.hpp>
//
//   WEFT_SCENARIO(queue_keeps_every_item) {   // a clean scenario: explore expects a pass
//     /* spawn sim::threads, sim::check(...) */
//   }
//
//   // Or by a call, with a summary and what explore is to expect of it:
//   static const bool registered = weft::checker::register_scenario(
//       {"queue-race", "the seeded bug", true, weft::sim::failure_kind::data_race, [] { ... }});
//
//   int main(int argc, char** argv) { return weft::cli::main(argc, argv); }
//
// The binary then offers the weft tool's commands (list, explore, replay, show, minimize,
// export) over its own scenarios. It sees only the scenarios registered in it: the weft tool's
// built-in catalogue comes in only through register_catalogue().
//
// Thread-safety: registration is meant for static initialisation and main() before the
// commands run; register_scenario, registered_scenarios and find_registered lock one mutex,
// and a scenario registered stays at its address until the process ends.
#pragma once

#include <weft/sim/point.hpp>

#include <deque>
#include <functional>
#include <string>
#include <string_view>

namespace weft::checker {

struct scenario {
  std::string name;                                       // a word: letters, digits, - _ .
  std::string summary;
  bool buggy = false;                                     // a bug the checker must find
  sim::failure_kind expected = sim::failure_kind::none;   // its kind, when buggy
  std::function<void()> body;
};

// Adds `s` to this binary's registry and returns true. Throws std::invalid_argument when the
// name is empty, has a character outside letters, digits and - _ . (a trace names its scenario
// in one word), or is already registered, or when the body is empty.
bool register_scenario(scenario s);
// Registers every scenario of the built-in catalogue (catalogue.hpp), as the weft tool does.
// Registering it twice is a no-op.
void register_catalogue();
// The registered scenarios, in the order of registration.
const std::deque<scenario>& registered_scenarios();
// nullptr when no scenario of that name is registered.
const scenario* find_registered(std::string_view name);

}  // namespace weft::checker

#define WEFT_DETAIL_SCENARIO_CAT2(a, b) a##b
#define WEFT_DETAIL_SCENARIO_CAT(a, b) WEFT_DETAIL_SCENARIO_CAT2(a, b)

// WEFT_SCENARIO(name) { body }: registers a clean scenario called `name` (an identifier) whose
// body is the block that follows. Use register_scenario for a seeded bug or a summary.
#define WEFT_SCENARIO(name)                                                                  \
  static void WEFT_DETAIL_SCENARIO_CAT(weft_scenario_body_, name)();                         \
  [[maybe_unused]] static const bool WEFT_DETAIL_SCENARIO_CAT(weft_scenario_registered_, name) = \
      ::weft::checker::register_scenario(::weft::checker::scenario{                          \
          #name, "", false, ::weft::sim::failure_kind::none,                                 \
          &WEFT_DETAIL_SCENARIO_CAT(weft_scenario_body_, name)});                            \
  static void WEFT_DETAIL_SCENARIO_CAT(weft_scenario_body_, name)()
