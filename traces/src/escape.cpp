// Escaping of free text in trace files and in messages meant for people.
#include "escape.hpp"

#include <algorithm>

namespace weft::traces::detail {

namespace {

constexpr std::string_view hex_digits = "0123456789abcdef";

void append_hex_escape(std::string& out, unsigned char c) {
  out.append("\\x");
  out.push_back(hex_digits[c >> 4]);
  out.push_back(hex_digits[c & 0xfu]);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// True for bytes that append_escaped() copies as they are (spaces aside).
bool plain(unsigned char c, escape_mode mode) {
  return c > ' ' && c != '\\' && c != 0x7f && (c < 0x80 || mode != escape_mode::display);
}

}  // namespace

void append_escaped(std::string& out, std::string_view s, escape_mode mode) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (plain(c, mode)) {
      // Copy the whole run of plain bytes at once.
      std::size_t end = i + 1;
      while (end < s.size() && plain(static_cast<unsigned char>(s[end]), mode)) {
        ++end;
      }
      out.append(s.substr(i, end - i));
      i = end - 1;
      continue;
    }
    switch (c) {
      case '\\':
        out.append("\\\\");
        continue;
      case '\n':
        out.append("\\n");
        continue;
      case '\r':
        out.append("\\r");
        continue;
      case '\t':
        out.append("\\t");
        continue;
      case ' ':
        if (mode == escape_mode::field || (mode == escape_mode::text && (i == 0 || i + 1 == s.size()))) {
          append_hex_escape(out, c);
        } else {
          out.push_back(' ');
        }
        continue;
      default:
        break;
    }
    if (c < 0x20 || c == 0x7f || (c >= 0x80 && mode == escape_mode::display)) {
      append_hex_escape(out, c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
}

std::optional<std::string> unescape(std::string_view raw, escape_mode mode, std::string& out) {
  out.clear();
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    auto c = static_cast<unsigned char>(raw[i]);
    if (plain(c, escape_mode::text)) {
      // Copy the whole run of bytes that need no decoding at once.
      std::size_t end = i + 1;
      while (end < raw.size() && plain(static_cast<unsigned char>(raw[end]), escape_mode::text)) {
        ++end;
      }
      out.append(raw.substr(i, end - i));
      i = end - 1;
      continue;
    }
    if (c < 0x20 || c == 0x7f || (c == ' ' && mode == escape_mode::field)) {
      std::string problem = "raw byte ";
      append_hex_escape(problem, c);
      problem.append(" (write it as an escape such as ");
      append_hex_escape(problem, c);
      problem.append(")");
      return problem;
    }
    if (c != '\\') {
      out.push_back(static_cast<char>(c));
      continue;
    }
    if (i + 1 == raw.size()) {
      return std::string("lone backslash at the end (write a backslash as \\\\)");
    }
    char e = raw[++i];
    switch (e) {
      case '\\':
        out.push_back('\\');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'x': {
        int hi = i + 1 < raw.size() ? hex_value(raw[i + 1]) : -1;
        int lo = i + 2 < raw.size() ? hex_value(raw[i + 2]) : -1;
        if (hi < 0 || lo < 0) {
          return "bad escape " + quote(raw.substr(i - 1, std::min<std::size_t>(4, raw.size() - (i - 1)))) +
                 " (\\x needs two hex digits)";
        }
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        break;
      }
      default:
        return "bad escape " + quote(raw.substr(i - 1, 2)) + " (known escapes: \\\\ \\n \\r \\t \\xHH)";
    }
  }
  return std::nullopt;
}

std::string printable(std::string_view s) {
  std::string out;
  append_escaped(out, s, escape_mode::display);
  return out;
}

std::string quote(std::string_view s) {
  constexpr std::size_t max_shown = 60;
  std::string out = "\"";
  append_escaped(out, s.substr(0, std::min(s.size(), max_shown)), escape_mode::display);
  if (s.size() > max_shown) {
    out.append("...");
  }
  out.push_back('"');
  return out;
}

}  // namespace weft::traces::detail
