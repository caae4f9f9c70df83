// A user's own test binary, shown in the README ("Your own scenarios"): two scenarios
// registered with weft and main handed to weft::cli::main. weft_user_binary_test drives it.
#include <weft/checker/cli.hpp>
#include <weft/checker/registry.hpp>
#include <weft/sim/platform.hpp>

// Two deposits of 10 into a balance of 100. The seeded bug reads the balance and writes it
// back in two steps, so one deposit can be lost; the fixed twin adds in one step.
void two_deposits(bool fixed) {
  weft::sim::atomic<int> balance{100};
  auto deposit = [&] {
    if (fixed) {
      balance.fetch_add(10);
    } else {
      balance.store(balance.load() + 10);
    }
  };
  weft::sim::thread a("deposit-a", deposit);
  weft::sim::thread b("deposit-b", deposit);
  a.join();
  b.join();
  weft::sim::check(balance.load() == 120, "got {}, expected {}", balance.load(), 120);
}

// By a call: a summary, and what explore is to expect (this bug, as an assertion).
[[maybe_unused]] static const bool bug_registered = weft::checker::register_scenario(
    {"bug", "two deposits read and write the balance in two steps", /*buggy=*/true,
     weft::sim::failure_kind::assertion, [] { two_deposits(false); }});

// By the macro: a clean scenario named "fixed".
WEFT_SCENARIO(fixed) { two_deposits(true); }

int main(int argc, char** argv) { return weft::cli::main(argc, argv); }
