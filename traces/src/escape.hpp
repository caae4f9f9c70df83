// Private helpers of weft_traces: escaping of free text in trace files and
// in messages meant for people.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace weft::traces::detail {

// How append_escaped() treats spaces and non-ASCII bytes.
enum class escape_mode {
  text,     // rest-of-line values: spaces kept except at either end (written \x20)
  field,    // whitespace-separated fields (names, file names): every space written \x20
  display,  // for people: spaces kept, bytes >= 0x80 written \xHH so the result is ASCII
};

// Appends s with \\, \n, \r, \t and \xHH escapes (control bytes and 0x7f).
void append_escaped(std::string& out, std::string_view s, escape_mode mode);

// Decodes escaped text into out. Returns a description of the problem
// (bad escape, raw control byte) if raw is malformed.
std::optional<std::string> unescape(std::string_view raw, escape_mode mode, std::string& out);

// s in double quotes, display-escaped and cut to a readable length.
std::string quote(std::string_view s);

// s display-escaped (pure printable ASCII).
std::string printable(std::string_view s);

}  // namespace weft::traces::detail
