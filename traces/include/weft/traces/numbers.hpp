// The one parser of unsigned 64-bit numbers written as text: trace fields and
// params, strategy parameters, command-line and WEFT_* values. Standard C++
// only; callers turn the error into their own message.
#pragma once

#include <cstdint>
#include <string_view>

namespace weft::traces {

enum class number_syntax {
  decimal,         // digits 0-9 only
  decimal_or_hex,  // digits 0-9, or 0x / 0X followed by hex digits of either case
};

enum class number_error {
  none,
  empty,          // no text at all
  sign,           // starts with '+' or '-'
  bad_digit,      // a byte that is not a digit of the number's base (after any 0x)
  no_hex_digits,  // "0x" or "0X" and nothing after it
  out_of_range,   // every byte a digit, but the value is above the maximum
};

struct number_result {
  std::uint64_t value = 0;  // 0 unless error is none
  number_error error = number_error::none;

  constexpr bool ok() const noexcept { return error == number_error::none; }
};

// True if text starts with "0x" or "0X".
constexpr bool has_hex_prefix(std::string_view text) noexcept {
  return text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
}

// Parses the whole of text as a number of the given syntax that is at most
// max. No surrounding blanks, signs or suffixes are accepted; leading zeros
// are. The errors are checked in the order listed in number_error, so "-x" is
// a sign error and "12345678901234567890123x" a bad digit, not out of range.
constexpr number_result parse_u64(std::string_view text,
                                  number_syntax syntax = number_syntax::decimal_or_hex,
                                  std::uint64_t max = UINT64_MAX) noexcept {
  if (text.empty()) return {0, number_error::empty};
  if (text.front() == '+' || text.front() == '-') return {0, number_error::sign};
  std::uint64_t base = 10;
  std::string_view digits = text;
  if (syntax == number_syntax::decimal_or_hex && has_hex_prefix(text)) {
    base = 16;
    digits.remove_prefix(2);
    if (digits.empty()) return {0, number_error::no_hex_digits};
  }
  const auto digit_value = [base](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (base == 16 && c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (base == 16 && c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (const char c : digits) {
    if (digit_value(c) < 0) return {0, number_error::bad_digit};
  }
  std::uint64_t value = 0;
  for (const char c : digits) {
    const auto d = static_cast<std::uint64_t>(digit_value(c));
    if (d > max || value > (max - d) / base) return {0, number_error::out_of_range};
    value = value * base + d;
  }
  return {value, number_error::none};
}

}  // namespace weft::traces
