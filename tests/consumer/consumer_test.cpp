// A user's test of their own type, as it would be written outside weft's tree: an account whose
// withdraw checks the balance and then subtracts it in two steps (the seeded bug: two
// withdrawals can both pass the check), and its fixed twin (one compare-and-swap loop).
#include <weft/sim/gtest.hpp>
#include <weft/sim/platform.hpp>

#include <atomic>

template <class P>
struct account {
  typename P::template atomic<int> balance{100};

  bool withdraw(int amount) {  // bug: the check and the subtraction are two steps
    if (balance.load() < amount) return false;
    balance.fetch_sub(amount);
    return true;
  }
};

template <class P>
struct account_fixed {
  typename P::template atomic<int> balance{100};

  bool withdraw(int amount) {
    int seen = balance.load();
    do {
      if (seen < amount) return false;
    } while (!balance.compare_exchange_weak(seen, seen - amount));
    return true;
  }
};

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
