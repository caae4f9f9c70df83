// A test binary of the user's own scenarios on an installed weft::cli: the same two
// withdrawals (account.hpp) as consumer_test.cpp, offered to the weft tool's commands (list, explore, replay,
// show, minimize, export). tests/package drives it: `explore withdraw-bug` must exit 1 and its
// trace replay with this binary; `explore withdraw-fixed` must exit 0.
#include "account.hpp"

#include <weft/checker/cli.hpp>
#include <weft/checker/registry.hpp>
#include <weft/sim/platform.hpp>

namespace {

template <class Account>
void two_withdrawals() {
  Account a;
  weft::sim::thread other("other", [&] { a.withdraw(80); });
  a.withdraw(80);
  other.join();
  weft::sim::check(a.balance.load() >= 0, "the balance never goes below zero, got {}", a.balance.load());
}

[[maybe_unused]] const bool registered =
    weft::checker::register_scenario({"withdraw-bug", "check, then subtract", true,
                                      weft::sim::failure_kind::assertion, two_withdrawals<account<weft::sim::platform>>}) &&
    weft::checker::register_scenario({"withdraw-fixed", "one compare-and-swap", false,
                                      weft::sim::failure_kind::none, two_withdrawals<account_fixed<weft::sim::platform>>});

}  // namespace

int main(int argc, char** argv) { return weft::cli::main(argc, argv); }
