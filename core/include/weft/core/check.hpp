// weft/core/check.hpp — weft::check<P>, a portable test check with a formatted message.
//
//   weft::check<P>(got == 2, "got {}, expected {}", got, 2);
//
// When the condition is false, the message is formatted with weft::format_message
// (weft/core/format.hpp: "{}" placeholders, arguments written with operator<<) and handed to
// P::assert_failed with the caller's file and line: under weft::sim::platform the execution
// fails (kind assertion) with a trace and a replay command; under weft::relacy::platform the
// Relacy iteration fails with its history; on weft::os the message is printed and the process
// aborts. The message is only formatted when the check fails.
//
// Thread-safety: as P::assert_failed.
#pragma once

#include <weft/core/format.hpp>
#include <weft/core/source_location.hpp>

#include <concepts>
#include <string>
#include <string_view>

namespace weft {

// A check message and where the check was written: converting the message (a string literal or
// a string_view) to it records the caller's source location as a default argument.
struct check_message {
  template <class S>
    requires std::convertible_to<const S&, std::string_view>
  check_message(const S& message,  // NOLINT: implicit, so that check(c, "text") reads naturally
                weft::source_location here = weft::source_location::current()) noexcept
      : text(message), where(here) {}
  std::string_view text;
  weft::source_location where;
};

template <class P, class... Args>
void check(bool condition, check_message message, const Args&... args) {
  if (condition) [[likely]] return;
  const std::string text = format_message(message.text, args...);
  P::assert_failed("weft::check", text.c_str(), message.where);
}

}  // namespace weft
