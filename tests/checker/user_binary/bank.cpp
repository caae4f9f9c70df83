// A user's own test binary: two scenarios registered with weft, main handed to weft::cli::main.
// It offers the weft tool's commands over "bug" (a seeded lost update: a deposit reads the
// balance, then writes it back, in two atomic steps) and "fixed" (one fetch_add).
#include <weft/checker/cli.hpp>
#include <weft/checker/registry.hpp>
#include <weft/sim/platform.hpp>

#include <atomic>

namespace sim = weft::sim;

namespace {

void two_deposits(bool fixed) {
  sim::atomic<int> balance{100};
  auto deposit = [&] {
    if (fixed) {
      balance.fetch_add(10, std::memory_order_acq_rel);
    } else {
      const int seen = balance.load(std::memory_order_acquire);
      balance.store(seen + 10, std::memory_order_release);
    }
  };
  sim::thread a("deposit-a", deposit);
  sim::thread b("deposit-b", deposit);
  a.join();
  b.join();
  const int got = balance.load(std::memory_order_acquire);
  sim::check(got == 120, "got {}, expected {}", got, 120);
}

// By a call: a summary, and what explore is to expect (the bug, an assertion).
[[maybe_unused]] const bool bug_registered = weft::checker::register_scenario(
    {"bug", "two deposits read and write the balance in two steps", true,
     sim::failure_kind::assertion, [] { two_deposits(false); }});

}  // namespace

// By the macro: a clean scenario.
WEFT_SCENARIO(fixed) { two_deposits(true); }

int main(int argc, char** argv) { return weft::cli::main(argc, argv); }
