// weft/core/format.hpp — weft::format_message, a small "{}" formatter for check messages.
//
//   weft::format_message("got {}, expected {}", 3, 2)   ->  "got 3, expected 2"
//
// Only the standard library: every argument is written with its operator<< (bool as
// true/false), so a failure message can say what it saw without the user linking fmt.
// The rules:
//   {}            the next argument;
//   {{ and }}     a literal { and };
//   a {} with no argument left is kept as "{}", and arguments left over are written after the
//   text, each after a space, so a miscounted message still shows every value.
// Anything else between braces (such as "{:x}") is not a placeholder and is copied as it is.
//
// Thread-safety: a pure function of its arguments.
#pragma once

#include <cstddef>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>

namespace weft {

namespace detail {

template <class T>
concept ostreamable = requires(std::ostream& os, const T& value) { os << value; };

using format_writer = void (*)(std::ostream&, const void*);

template <class T>
void write_argument(std::ostream& os, const void* value) {
  os << *static_cast<const T*>(value);
}

inline std::string format_erased(std::string_view text, const format_writer* writers,
                                 const void* const* values, std::size_t count) {
  std::ostringstream out;
  out << std::boolalpha;
  std::size_t next = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool has_next = i + 1 < text.size();
    if (c == '{' && has_next && text[i + 1] == '{') {
      out << '{';
      ++i;
    } else if (c == '}' && has_next && text[i + 1] == '}') {
      out << '}';
      ++i;
    } else if (c == '{' && has_next && text[i + 1] == '}' && next < count) {
      writers[next](out, values[next]);
      ++next;
      ++i;
    } else {
      out << c;
    }
  }
  for (; next < count; ++next) {
    out << ' ';
    writers[next](out, values[next]);
  }
  return std::move(out).str();
}

}  // namespace detail

template <class... Args>
std::string format_message(std::string_view text, const Args&... args) {
  static_assert((detail::ostreamable<Args> && ...),
                "weft::format_message: every argument needs "
                "operator<<(std::ostream&, const T&)");
  if constexpr (sizeof...(Args) == 0) {
    return detail::format_erased(text, nullptr, nullptr, 0);
  } else {
    const detail::format_writer writers[] = {&detail::write_argument<Args>...};
    const void* const values[] = {static_cast<const void*>(&args)...};
    return detail::format_erased(text, writers, values, sizeof...(Args));
  }
}

}  // namespace weft
