// A user's test of their own type (account.hpp), as it would be written outside weft's tree:
// the simulator must find the seeded bug, replay it, and pass the fixed twin.
#include "account.hpp"

#include <weft/sim/gtest.hpp>
#include <weft/sim/platform.hpp>

template <class Account>
void two_withdrawals() {
  Account a;
  weft::sim::thread other([&] { a.withdraw(80); });
  a.withdraw(80);
  other.join();
  weft::sim::check(a.balance.load() >= 0, "the balance never goes below zero");
}

TEST(Consumer, TheSeededBugIsFoundAndReplayed) {
  weft::sim::testing::expect_failure(two_withdrawals<account<weft::sim::platform>>,
                                     weft::sim::failure_kind::assertion,
                                     "the balance never goes below zero");
}

TEST(Consumer, TheFixedTwinPasses) {
  weft::sim::testing::check(two_withdrawals<account_fixed<weft::sim::platform>>);
}
