// The consumer's own type, written once against a platform P: an account whose withdraw checks
// the balance and then subtracts in two steps (the seeded bug: two withdrawals can both pass the
// check), and its fixed twin (one compare-and-swap loop). consumer_test.cpp runs it under the
// simulator, consumer_relacy.cpp under Relacy.
#pragma once

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
