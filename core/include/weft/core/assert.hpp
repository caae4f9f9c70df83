// weft/core/assert.hpp — assertions that go through the platform.
//
// WEFT_ASSERT(P, cond, message) checks `cond` and, when it is false, calls
// P::assert_failed("cond", message, location). On the real platform that prints the message
// with its location and aborts; in the simulator it becomes a reported failure with a seed and
// a trace. Assertions are always on: they are how the simulator finds bugs, and they cost a
// predictable branch on real threads. One condition per assert, so a failure says which.
#pragma once

#include <weft/core/source_location.hpp>

#define WEFT_ASSERT(P, cond, message)                                                   \
  do {                                                                                  \
    if (!(cond)) [[unlikely]] {                                                         \
      P::assert_failed(#cond, (message), weft::source_location::current());              \
    }                                                                                   \
  } while (false)

#define WEFT_UNREACHABLE(P, message) \
  P::assert_failed("unreachable", (message), weft::source_location::current())
