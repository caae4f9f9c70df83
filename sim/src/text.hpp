// weft::sim::detail::text — the simulator's message text: weft::format_message ("{}"
// placeholders, "{{" and "}}" for braces; std only, so weft::sim needs no formatting library),
// with 8-bit integers (thread ids) written as numbers rather than as characters.
#pragma once

#include <weft/core/format.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace weft::sim::detail {

template <class T>
decltype(auto) printable(const T& value) {
  if constexpr (std::is_same_v<T, std::uint8_t> || std::is_same_v<T, std::int8_t>) {
    return static_cast<int>(value);
  } else {
    return (value);
  }
}

template <class... Args>
std::string text(std::string_view pattern, const Args&... args) {
  return weft::format_message(pattern, printable(args)...);
}

}  // namespace weft::sim::detail
