// weft/core/source_location.hpp — the caller's file and line, on every supported compiler.
//
// std::source_location needs __builtin_source_location, which clang 14 (the sanitizer compiler
// here) lacks when paired with libstdc++ 12, so weft carries its own: the same shape (file_name,
// line, current() as a default argument), built on __builtin_FILE and __builtin_LINE, which GCC
// and clang both evaluate at the call site when used in a default argument. Two words, cheap to
// pass and to store in a trace step.
#pragma once

#include <cstdint>

namespace weft {

class source_location {
 public:
  constexpr source_location() noexcept = default;
  static constexpr source_location current(const char* file = __builtin_FILE(),
                                           std::uint_least32_t line = __builtin_LINE()) noexcept {
    source_location here;
    here.file_ = file;
    here.line_ = line;
    return here;
  }
  constexpr const char* file_name() const noexcept { return file_; }
  constexpr std::uint_least32_t line() const noexcept { return line_; }

 private:
  const char* file_ = "";
  std::uint_least32_t line_ = 0;
};

}  // namespace weft
