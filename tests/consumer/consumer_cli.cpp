// A test binary of the user's own scenarios on an installed weft::cli: the same two
// withdrawals as consumer_test.cpp, offered to the weft tool's commands (list, explore, replay,
// show, minimize, export). tests/package drives it: `explore withdraw-bug` must exit 1 and its
// trace replay with this binary; `explore withdraw-fixed` must exit 0.
#include <weft/checker/cli.hpp>
#include <weft/checker/registry.hpp>
#include <weft/sim/platform.hpp>

namespace {

void two_withdrawals(bool fixed) {
  weft::sim::atomic<int> balance{100};
  auto withdraw = [&] {
    if (fixed) {
      int seen = balance.load();
      while (seen >= 80 && !balance.compare_exchange_weak(seen, seen - 80)) {
      }
    } else if (balance.load() >= 80) {  // bug: the check and the subtraction are two steps
      balance.fetch_sub(80);
    }
  };
  weft::sim::thread other("other", withdraw);
  withdraw();
  other.join();
  weft::sim::check(balance.load() >= 0, "the balance never goes below zero, got {}", balance.load());
}

[[maybe_unused]] const bool registered =
    weft::checker::register_scenario({"withdraw-bug", "check, then subtract", true,
                                      weft::sim::failure_kind::assertion, [] { two_withdrawals(false); }}) &&
    weft::checker::register_scenario({"withdraw-fixed", "one compare-and-swap", false,
                                      weft::sim::failure_kind::none, [] { two_withdrawals(true); }});

}  // namespace

int main(int argc, char** argv) { return weft::cli::main(argc, argv); }
