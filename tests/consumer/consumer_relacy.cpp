// The same two withdrawals (account.hpp) under the Relacy Race Detector, through an installed weft::relacy:
// Relacy must find the seeded bug and pass the fixed twin. Exit 0 when both hold.
#include <weft/relacy/runner.hpp>  // first: it includes Relacy, then removes Relacy's macros

#include "account.hpp"

#include <cstdio>

template <class Account>
struct two_withdrawals {
  static constexpr int thread_count = 2;
  Account a;
  void thread(unsigned) { a.withdraw(80); }
  void after() { weft::relacy::require(a.balance.load() >= 0, "the balance never goes below zero"); }
};

int main() {
  using P = weft::relacy::platform;
  const auto bug = weft::relacy::run<two_withdrawals<account<P>>>(weft::relacy::random_params(5000));
  const auto fixed =
      weft::relacy::run<two_withdrawals<account_fixed<P>>>(weft::relacy::random_params(5000));
  std::printf("seeded bug: %s; fixed twin: %s\n", bug.passed ? "passed" : bug.result_name(),
              fixed.passed ? "passed" : fixed.result_name());
  return !bug.passed && fixed.passed ? 0 : 1;
}
