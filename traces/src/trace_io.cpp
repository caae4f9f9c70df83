// The text format of weft traces (versions 1 and 2): writer, reader and trace files.
#include "weft/traces/trace_io.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <map>
#include <system_error>
#include <utility>

#include "escape.hpp"
#include "weft/traces/numbers.hpp"

namespace weft::traces {

const std::string* trace::param(std::string_view key) const {
  for (const auto& [k, v] : params) {
    if (k == key) {
      return &v;
    }
  }
  return nullptr;
}

const std::string* trace::object_name(std::uint32_t id) const {
  for (const object_info& o : objects) {
    if (o.id == id) {
      return &o.name;
    }
  }
  return nullptr;
}

namespace {

constexpr std::array<std::string_view, 6> memory_orders = {"relaxed", "consume", "acquire",
                                                           "release", "acq_rel", "seq_cst"};

// Shortest possible step or note line plus its line end: "0 t0 a o0 - 0 -\n".
constexpr std::size_t min_step_line_bytes = 16;

// The optional fields of a step or note line (version 2), in the order the writer puts them.
constexpr std::string_view read_key = "r=";
constexpr std::string_view written_key = "w=";
constexpr std::string_view ok_key = "ok=";

// True if the trace needs version 2 of the format.
bool needs_version_2(const trace& t) {
  if (!t.notes.empty() || !t.objects.empty()) {
    return true;
  }
  return std::any_of(t.steps.begin(), t.steps.end(),
                     [](const step& s) { return s.read || s.written || s.succeeded; });
}

std::string format_what(const std::string& source, std::size_t line, const std::string& problem) {
  if (line == 0) {
    return source + ": " + problem;
  }
  return source + ":" + std::to_string(line) + ": " + problem;
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && is_blank(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

// Splits a line into whitespace-separated fields. Stores at most out.size()
// of them and returns how many there are in all.
template <std::size_t N>
std::size_t split_fields(std::string_view line, std::array<std::string_view, N>& out) {
  std::size_t count = 0;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_blank(line[i])) {
      ++i;
    }
    if (i == line.size()) {
      break;
    }
    std::size_t start = i;
    while (i < line.size() && !is_blank(line[i])) {
      ++i;
    }
    if (count < N) {
      out[count] = line.substr(start, i - start);
    }
    ++count;
  }
  return count;
}

// Everything after the first field of a line, without surrounding blanks.
std::string_view rest_after_key(std::string_view line) {
  line = trim(line);
  std::size_t i = 0;
  while (i < line.size() && !is_blank(line[i])) {
    ++i;
  }
  return trim(line.substr(i));
}

std::string_view first_field(std::string_view line) {
  line = trim(line);
  std::size_t i = 0;
  while (i < line.size() && !is_blank(line[i])) {
    ++i;
  }
  return line.substr(0, i);
}

void append_number(std::string& out, std::uint64_t v) {
  std::array<char, 24> buf{};
  auto res = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  out.append(buf.data(), res.ptr);
}

void append_hex16(std::string& out, std::uint64_t v) {
  static constexpr std::string_view digits = "0123456789abcdef";
  for (int shift = 60; shift >= 0; shift -= 4) {
    out.push_back(digits[(v >> shift) & 0xfu]);
  }
}

void append_location(std::string& out, const location& where) {
  if (where.file.empty() && where.line == 0) {
    out.push_back('-');
    return;
  }
  detail::append_escaped(out, where.file, detail::escape_mode::field);
  out.push_back(':');
  append_number(out, where.line);
}

// Appends "<key>" or "<key> <escaped text>" and a line end.
void append_text_line(std::string& out, std::string_view key, std::string_view value) {
  out.append(key);
  if (!value.empty()) {
    out.push_back(' ');
    detail::append_escaped(out, value, detail::escape_mode::text);
  }
  out.push_back('\n');
}

// A step line, or a note line (whose first field is "-") when note is true.
void append_step_line(std::string& out, const step& s, bool note = false) {
  if (note) {
    out.push_back('-');
  } else {
    append_number(out, s.index);
  }
  out.append(" t");
  append_number(out, s.thread);
  out.push_back(' ');
  out.append(s.kind);
  out.append(" o");
  append_number(out, s.object);
  out.push_back(' ');
  out.append(s.order);
  out.push_back(' ');
  append_number(out, s.value);
  out.push_back(' ');
  append_location(out, s.where);
  if (s.read) {
    out.push_back(' ');
    out.append(read_key);
    append_number(out, *s.read);
  }
  if (s.written) {
    out.push_back(' ');
    out.append(written_key);
    append_number(out, *s.written);
  }
  if (s.succeeded) {
    out.push_back(' ');
    out.append(ok_key);
    out.push_back(*s.succeeded ? '1' : '0');
  }
  out.push_back('\n');
}

[[noreturn]] void invalid(const std::string& what) {
  throw std::invalid_argument("weft trace: " + what);
}

// Reads a trace line by line; every error goes through fail().
class reader {
 public:
  reader(std::string_view text, std::string_view source) : text_(text), source_(source) {}

  trace run();

 private:
  // One meaningful (not blank, not comment) line.
  struct line {
    std::string_view text;  // without line end and trailing '\r'
    std::size_t number = 0;
  };

  [[noreturn]] void fail(std::size_t line_number, const std::string& problem) const {
    throw parse_error(std::string(source_), line_number, problem);
  }

  // Line to blame for problems found at the end of the text.
  std::size_t end_line() const { return std::max<std::size_t>(line_count_, 1); }

  bool next(line& out);
  line expect_key(std::string_view key, std::string_view what_for);
  std::string text_value(const line& l, std::string_view what);
  std::string field_value(std::string_view raw, std::size_t line_number, std::string_view what);
  std::uint64_t decimal(std::string_view raw, std::uint64_t max, std::size_t line_number,
                        std::string_view what);
  std::uint64_t number(std::string_view raw, std::size_t line_number, std::string_view what);
  location parse_location(std::string_view raw, std::size_t line_number, std::string_view what);
  void check_token(std::string_view raw, std::size_t line_number, std::string_view what);
  void parse_header(trace& t);
  void parse_step(const line& l, std::uint64_t expected_index, const trace& t, step& s);
  void parse_objects(line& l, trace& t, std::string_view& expected);
  void needs_v2(std::size_t line_number, std::string_view what) const;

  int version_ = 1;

  std::string_view text_;
  std::string_view source_;
  std::size_t pos_ = 0;
  std::size_t line_count_ = 0;
};

bool reader::next(line& out) {
  while (pos_ < text_.size()) {
    std::size_t end = text_.find('\n', pos_);
    std::size_t stop = end == std::string_view::npos ? text_.size() : end;
    std::string_view raw = text_.substr(pos_, stop - pos_);
    pos_ = end == std::string_view::npos ? text_.size() : end + 1;
    ++line_count_;
    if (!raw.empty() && raw.back() == '\r') {
      raw.remove_suffix(1);
    }
    if (raw.size() > max_line_length) {
      fail(line_count_, "line too long (" + std::to_string(raw.size()) + " bytes; the limit is " +
                            std::to_string(max_line_length) + ")");
    }
    std::string_view content = trim(raw);
    if (content.empty() || content.front() == '#') {
      continue;
    }
    out.text = raw;
    out.number = line_count_;
    return true;
  }
  return false;
}

reader::line reader::expect_key(std::string_view key, std::string_view what_for) {
  line l;
  if (!next(l)) {
    fail(end_line(), "truncated: missing \"" + std::string(key) + "\" line" + std::string(what_for));
  }
  std::string_view got = first_field(l.text);
  if (got != key) {
    fail(l.number, "expected \"" + std::string(key) + "\" line, got " + detail::quote(got));
  }
  return l;
}

std::string reader::text_value(const line& l, std::string_view what) {
  std::string out;
  if (auto problem = detail::unescape(rest_after_key(l.text), detail::escape_mode::text, out)) {
    fail(l.number, *problem + " in " + std::string(what));
  }
  return out;
}

std::string reader::field_value(std::string_view raw, std::size_t line_number, std::string_view what) {
  std::string out;
  if (auto problem = detail::unescape(raw, detail::escape_mode::field, out)) {
    fail(line_number, *problem + " in " + std::string(what));
  }
  return out;
}

std::uint64_t reader::decimal(std::string_view raw, std::uint64_t max, std::size_t line_number,
                              std::string_view what) {
  const number_result r = parse_u64(raw, number_syntax::decimal, max);
  switch (r.error) {
    case number_error::none:
      return r.value;
    case number_error::empty:
      fail(line_number, "missing " + std::string(what));
    case number_error::sign:
      fail(line_number, "bad " + std::string(what) + " " + detail::quote(raw) + " (signs are not allowed)");
    case number_error::out_of_range:
      fail(line_number, std::string(what) + " " + detail::quote(raw) + " is out of range (the maximum is " +
                            std::to_string(max) + ")");
    case number_error::bad_digit:
    case number_error::no_hex_digits:
      break;
  }
  fail(line_number, "bad " + std::string(what) + " " + detail::quote(raw) + " (not a decimal number)");
}

std::uint64_t reader::number(std::string_view raw, std::size_t line_number, std::string_view what) {
  if (!has_hex_prefix(raw)) {
    return decimal(raw, UINT64_MAX, line_number, what);
  }
  const number_result r = parse_u64(raw, number_syntax::decimal_or_hex);
  switch (r.error) {
    case number_error::none:
      return r.value;
    case number_error::no_hex_digits:
      fail(line_number, "bad " + std::string(what) + " " + detail::quote(raw) + " (no digits after 0x)");
    case number_error::out_of_range:
      fail(line_number, std::string(what) + " " + detail::quote(raw) +
                            " is out of range (the maximum is 0xffffffffffffffff)");
    case number_error::empty:
    case number_error::sign:
    case number_error::bad_digit:
      break;
  }
  fail(line_number, "bad " + std::string(what) + " " + detail::quote(raw) + " (not a hex number)");
}

location reader::parse_location(std::string_view raw, std::size_t line_number, std::string_view what) {
  location where;
  if (raw == "-") {
    return where;
  }
  std::size_t colon = raw.rfind(':');
  if (colon == std::string_view::npos) {
    fail(line_number, "bad " + std::string(what) + " " + detail::quote(raw) +
                          " (expected \"-\" or <file>:<line>)");
  }
  where.file = field_value(raw.substr(0, colon), line_number, std::string(what) + " file name");
  where.line = static_cast<std::uint32_t>(
      decimal(raw.substr(colon + 1), UINT32_MAX, line_number, std::string(what) + " line number"));
  return where;
}

void reader::check_token(std::string_view raw, std::size_t line_number, std::string_view what) {
  if (!is_token(raw)) {
    fail(line_number, "bad " + std::string(what) + " " + detail::quote(raw) +
                          " (expected a token of characters a-z 0-9 . _ -)");
  }
}

void reader::parse_header(trace& t) {
  line l;
  if (!next(l)) {
    fail(1, text_.empty() ? "empty file (expected \"weft-trace 1\")"
                          : "no \"weft-trace 1\" line (the file has only blank and comment lines)");
  }
  std::array<std::string_view, 3> f;
  std::size_t n = split_fields(l.text, f);
  if (f[0] != "weft-trace" || n != 2) {
    fail(l.number, "not a weft trace (expected \"weft-trace 1\", got " + detail::quote(trim(l.text)) + ")");
  }
  bool digits = std::all_of(f[1].begin(), f[1].end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits) {
    fail(l.number, "bad trace format version " + detail::quote(f[1]) + " (this weft reads versions 1 and 2)");
  }
  if (f[1] != "1" && f[1] != "2") {
    std::string shown = f[1].size() > 20 ? std::string(f[1].substr(0, 20)) + "..." : std::string(f[1]);
    fail(l.number, "unsupported trace format version " + shown + " (this weft reads versions 1 and 2)");
  }
  version_ = f[1] == "2" ? 2 : 1;

  t.scenario = text_value(expect_key("scenario", ""), "scenario");
  t.weft_version = text_value(expect_key("weft-version", ""), "weft version");
  t.platform = text_value(expect_key("platform", ""), "platform");
  t.strategy = text_value(expect_key("strategy", ""), "strategy");
}

void reader::needs_v2(std::size_t line_number, std::string_view what) const {
  if (version_ < 2) {
    fail(line_number, std::string(what) + " needs trace format version 2 (this trace says \"weft-trace 1\")");
  }
}

// A step line, or a note line ("-" in place of the index), whose index becomes expected_index.
void reader::parse_step(const line& l, std::uint64_t expected_index, const trace& t, step& s) {
  std::array<std::string_view, 10> f;
  std::size_t n = split_fields(l.text, f);
  const bool note = f[0] == "-";
  if (n < 7 || (version_ < 2 && n > 7)) {
    fail(l.number, "step line has " + std::to_string(n) +
                       " fields, expected 7: <index> t<thread> <kind> o<object> <order> <value> <location>" +
                       (version_ < 2 ? "" : " [r=<value>] [w=<value>] [ok=1|0]"));
  }
  if (n > f.size()) {
    fail(l.number, "step line has " + std::to_string(n) + " fields, at most 10 are allowed");
  }
  if (note) {
    needs_v2(l.number, "a note line (\"-\" in place of the step index)");
    s.index = expected_index;
  } else {
    s.index = decimal(f[0], UINT64_MAX, l.number, "step index");
    if (s.index != expected_index) {
      fail(l.number, "step index " + std::to_string(s.index) + " out of order (expected " +
                         std::to_string(expected_index) + ")");
    }
  }
  if (f[1].front() != 't') {
    fail(l.number, "bad thread " + detail::quote(f[1]) + " (expected t<id>)");
  }
  s.thread = static_cast<std::uint32_t>(decimal(f[1].substr(1), UINT32_MAX, l.number, "thread id"));
  if (s.thread >= t.threads.size()) {
    fail(l.number, "step refers to thread t" + std::to_string(s.thread) + " but only " +
                       std::to_string(t.threads.size()) + " threads are declared");
  }
  check_token(f[2], l.number, "step kind");
  s.kind.assign(f[2]);
  if (f[3].front() != 'o') {
    fail(l.number, "bad object " + detail::quote(f[3]) + " (expected o<id>)");
  }
  s.object = static_cast<std::uint32_t>(decimal(f[3].substr(1), UINT32_MAX, l.number, "object id"));
  if (!is_memory_order(f[4])) {
    fail(l.number, "bad memory order " + detail::quote(f[4]) +
                       " (expected -, relaxed, consume, acquire, release, acq_rel or seq_cst)");
  }
  s.order.assign(f[4]);
  s.value = number(f[5], l.number, "step value");
  s.where = parse_location(f[6], l.number, "step location");
  for (std::size_t i = 7; i < n; ++i) {
    std::string_view field = f[i];
    if (field.substr(0, read_key.size()) == read_key && !s.read) {
      s.read = number(field.substr(read_key.size()), l.number, "value read (r=)");
    } else if (field.substr(0, written_key.size()) == written_key && !s.written) {
      s.written = number(field.substr(written_key.size()), l.number, "value written (w=)");
    } else if ((field == "ok=1" || field == "ok=0") && !s.succeeded) {
      s.succeeded = field == "ok=1";
    } else {
      fail(l.number, "bad or repeated step field " + detail::quote(field) +
                         " (expected r=<value>, w=<value> or ok=1|0, each at most once)");
    }
  }
}

// "object <id> <name>" lines: ids ascending, not 0; names not empty.
void reader::parse_objects(line& l, trace& t, std::string_view& expected) {
  while (first_field(l.text) == "object") {
    needs_v2(l.number, "an \"object\" line");
    std::array<std::string_view, 3> f;
    if (split_fields(l.text, f) != 3) {
      fail(l.number, "expected \"object <id> <name>\" (spaces in names are written \\x20)");
    }
    auto id = decimal(f[1], UINT32_MAX, l.number, "object id");
    if (id == 0 || (!t.objects.empty() && id <= t.objects.back().id)) {
      fail(l.number, "object id " + std::to_string(id) + " out of order (ids are above 0 and ascending)");
    }
    if (t.objects.size() == max_named_objects) {
      fail(l.number, "too many named objects (the limit is " + std::to_string(max_named_objects) + ")");
    }
    object_info o;
    o.id = static_cast<std::uint32_t>(id);
    o.name = field_value(f[2], l.number, "object name");
    t.objects.push_back(std::move(o));
    expected = "\"object\" or \"steps\"";
    if (!next(l)) {
      fail(end_line(), "truncated: missing \"steps\" line");
    }
  }
}

trace reader::run() {
  trace t;
  parse_header(t);

  // params, optional failure block, threads, then "steps N".
  std::map<std::string, std::size_t, std::less<>> param_lines;
  std::size_t failure_thread_line = 0;
  std::string_view expected = "\"param\", \"failure\", \"thread\" or \"steps\"";
  line l;
  auto advance = [&] {
    if (!next(l)) {
      fail(end_line(), "truncated: missing \"steps\" line");
    }
  };
  advance();
  while (first_field(l.text) == "param") {
    if (t.params.size() == max_params) {
      fail(l.number, "too many params (the limit is " + std::to_string(max_params) + ")");
    }
    std::array<std::string_view, 2> f;
    if (split_fields(l.text, f) < 2) {
      fail(l.number, "\"param\" line without a key (expected \"param <key> <value>\")");
    }
    check_token(f[1], l.number, "param key");
    if (auto it = param_lines.find(f[1]); it != param_lines.end()) {
      fail(l.number, "duplicate param " + detail::quote(f[1]) + " (first given on line " +
                         std::to_string(it->second) + ")");
    }
    param_lines.emplace(std::string(f[1]), l.number);
    std::string_view rest = rest_after_key(rest_after_key(l.text));
    std::string value;
    if (auto problem = detail::unescape(rest, detail::escape_mode::text, value)) {
      fail(l.number, *problem + " in value of param " + detail::quote(f[1]));
    }
    t.params.emplace_back(std::string(f[1]), std::move(value));
    advance();
  }
  if (first_field(l.text) == "failure") {
    failure_info fi;
    std::array<std::string_view, 2> f;
    if (split_fields(l.text, f) != 2) {
      fail(l.number, "expected \"failure <kind>\"");
    }
    check_token(f[1], l.number, "failure kind");
    fi.kind.assign(f[1]);
    fi.message = text_value(expect_key("failure-message", " after \"failure\""), "failure message");

    line loc = expect_key("failure-location", " after \"failure\"");
    if (split_fields(loc.text, f) != 2) {
      fail(loc.number, "expected \"failure-location -\" or \"failure-location <file>:<line>\"");
    }
    fi.where = parse_location(f[1], loc.number, "failure location");

    line th = expect_key("failure-thread", " after \"failure\"");
    if (split_fields(th.text, f) != 2) {
      fail(th.number, "expected \"failure-thread <id>\"");
    }
    fi.thread = static_cast<std::uint32_t>(decimal(f[1], UINT32_MAX, th.number, "failure thread"));
    failure_thread_line = th.number;
    t.failure = std::move(fi);
    expected = "\"thread\" or \"steps\"";
    advance();
  }
  while (first_field(l.text) == "thread") {
    std::array<std::string_view, 3> f;
    std::size_t n = split_fields(l.text, f);
    if (n < 2 || n > 3) {
      fail(l.number, "expected \"thread <id> <name>\" (spaces in names are written \\x20)");
    }
    auto id = decimal(f[1], UINT32_MAX, l.number, "thread id");
    if (id != t.threads.size()) {
      fail(l.number, "thread id " + std::to_string(id) + " out of order (expected " +
                         std::to_string(t.threads.size()) + ")");
    }
    if (t.threads.size() == max_trace_threads) {
      fail(l.number, "too many threads (the limit is " + std::to_string(max_trace_threads) + ")");
    }
    thread_info ti;
    ti.id = static_cast<std::uint32_t>(id);
    if (n == 3) {
      ti.name = field_value(f[2], l.number, "thread name");
    }
    t.threads.push_back(std::move(ti));
    expected = "\"thread\" or \"steps\"";
    advance();
  }
  parse_objects(l, t, expected);
  std::string_view key = first_field(l.text);
  if (key != "steps") {
    fail(l.number, "unexpected " + detail::quote(key) + " line (expected " + std::string(expected) + ")");
  }
  if (t.failure && t.failure->thread >= t.threads.size()) {
    fail(failure_thread_line, "failure-thread " + std::to_string(t.failure->thread) +
                                  " is not a declared thread (" + std::to_string(t.threads.size()) +
                                  " threads are declared)");
  }

  std::array<std::string_view, 2> sf;
  if (split_fields(l.text, sf) != 2) {
    fail(l.number, "expected \"steps <count>\"");
  }
  const std::size_t steps_line = l.number;
  std::uint64_t count = decimal(sf[1], UINT64_MAX, l.number, "step count");
  if (count > max_steps) {
    fail(l.number, "too many steps: " + std::to_string(count) + " (the limit is " +
                       std::to_string(max_steps) + ")");
  }
  // Never reserve more steps than the rest of the text could hold.
  std::size_t remaining = text_.size() - pos_;
  t.steps.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(count, remaining / min_step_line_bytes + 1)));
  // Reads one step or note line; returns false for a note.
  auto read_entry = [&](std::uint64_t i) {
    step s;
    parse_step(l, i, t, s);
    const bool note = first_field(l.text) == "-";
    // Reading turns hex values into decimal, which may lengthen a line by up
    // to two bytes per number; make sure what to_text() would write is still readable.
    if (l.text.size() + 6 > max_line_length) {
      std::string canonical;
      append_step_line(canonical, s, note);
      if (canonical.size() - 1 > max_line_length) {
        fail(l.number, "line too long once the value is written in decimal (the limit is " +
                           std::to_string(max_line_length) + " bytes)");
      }
    }
    if (note) {
      if (t.notes.size() == max_steps) {
        fail(l.number, "too many notes (the limit is " + std::to_string(max_steps) + ")");
      }
      t.notes.push_back(std::move(s));
      return false;
    }
    t.steps.push_back(std::move(s));
    return true;
  };
  for (std::uint64_t i = 0; i < count;) {
    if (!next(l)) {
      fail(end_line(), "truncated: expected " + std::to_string(count) + " steps, file ends after " +
                           std::to_string(i));
    }
    if (first_field(l.text) == "end") {
      fail(l.number, "truncated: expected " + std::to_string(count) + " steps, got \"end\" after " +
                         std::to_string(i));
    }
    if (read_entry(i)) {
      ++i;
    }
  }

  // Notes after the last step.
  bool more = next(l);
  while (more && first_field(l.text) == "-") {
    read_entry(count);
    more = next(l);
  }
  if (!more) {
    fail(end_line(), "missing \"end\" line");
  }
  std::array<std::string_view, 2> ef;
  if (split_fields(l.text, ef) != 1 || ef[0] != "end") {
    if (!ef[0].empty() && ef[0].front() >= '0' && ef[0].front() <= '9') {
      fail(l.number, "more step lines than declared (\"steps " + std::to_string(count) + "\" on line " +
                         std::to_string(steps_line) + "); expected \"end\"");
    }
    fail(l.number, "expected \"end\", got " + detail::quote(trim(l.text)));
  }
  if (next(l)) {
    fail(l.number, "unexpected content after \"end\": " + detail::quote(trim(l.text)));
  }
  return t;
}

[[noreturn]] void throw_io(const std::string& source, const std::string& what, int err) {
  throw parse_error(source, 0, what + ": " + std::generic_category().message(err));
}

// What kind of file st describes, for "<path>: is <kind>, not a trace file".
const char* file_kind(const struct ::stat& st) {
  if (S_ISDIR(st.st_mode)) return "a directory";
  if (S_ISFIFO(st.st_mode)) return "a FIFO";
  if (S_ISCHR(st.st_mode)) return "a character device";
  if (S_ISBLK(st.st_mode)) return "a block device";
  if (S_ISSOCK(st.st_mode)) return "a socket";
  return "not a regular file";
}

void check_regular_file(const std::string& source, const struct ::stat& st) {
  if (!S_ISREG(st.st_mode)) {
    throw parse_error(source, 0, std::string("is ") + file_kind(st) + ", not a trace file");
  }
}

// Appends what fd yields until its end to out, reading at most limit + 1
// bytes in all (out included). Returns false if there was more than limit.
bool read_bounded(int fd, const std::string& source, std::size_t limit, std::string& out) {
  constexpr std::size_t chunk = std::size_t{1} << 16;
  while (out.size() <= limit) {
    const std::size_t want = std::min(chunk - 1, limit - out.size()) + 1;  // no overflow at SIZE_MAX
    const std::size_t old = out.size();
    out.resize(old + want);
    const ssize_t got = ::read(fd, out.data() + old, want);
    out.resize(old + (got > 0 ? static_cast<std::size_t>(got) : 0));
    if (got == 0) {
      return true;
    }
    if (got < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK) {  // a non-blocking pipe or socket: wait for it
        ::pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, -1) >= 0 || errno == EINTR) {
          continue;
        }
      }
      throw_io(source, "cannot read trace file", errno);
    }
  }
  return false;
}

std::string sanitize_base_name(std::string_view base) {
  constexpr std::size_t max_base = 200;  // leaves room for "-<n>.wtrace" within NAME_MAX
  std::string out;
  for (char c : base.substr(0, std::min(base.size(), max_base))) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-';
    out.push_back(ok ? c : '_');
  }
  if (out.empty()) {
    out = "trace";
  }
  if (out.front() == '.') {
    out.front() = '_';  // no hidden files, no "." or ".."
  }
  return out;
}

}  // namespace

parse_error::parse_error(std::string source_name, std::size_t line_number, std::string problem_text)
    : std::runtime_error(format_what(source_name, line_number, problem_text)),
      source(std::move(source_name)),
      line(line_number),
      problem(std::move(problem_text)) {}

bool is_token(std::string_view text) {
  if (text.empty()) {
    return false;
  }
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

bool is_memory_order(std::string_view text) {
  return text == "-" || std::find(memory_orders.begin(), memory_orders.end(), text) != memory_orders.end();
}

std::optional<std::uint64_t> parse_number(std::string_view text) {
  const number_result r = parse_u64(text);
  return r.ok() ? std::optional<std::uint64_t>(r.value) : std::nullopt;
}

void validate(const trace& t) {
  if (t.params.size() > max_params) {
    invalid("too many params (" + std::to_string(t.params.size()) + "; the limit is " +
            std::to_string(max_params) + ")");
  }
  std::map<std::string_view, std::size_t> keys;
  for (std::size_t i = 0; i < t.params.size(); ++i) {
    const auto& key = t.params[i].first;
    if (!is_token(key)) {
      invalid("param key " + detail::quote(key) + " is not a token [a-z0-9._-]+");
    }
    if (!keys.emplace(key, i).second) {
      invalid("duplicate param key " + detail::quote(key));
    }
  }
  if (t.threads.size() > max_trace_threads) {
    invalid("too many threads (" + std::to_string(t.threads.size()) + "; the limit is " +
            std::to_string(max_trace_threads) + ")");
  }
  for (std::size_t i = 0; i < t.threads.size(); ++i) {
    if (t.threads[i].id != i) {
      invalid("thread " + std::to_string(i) + " has id " + std::to_string(t.threads[i].id) +
              " (ids must be 0, 1, 2, ... in order)");
    }
  }
  if (t.failure) {
    if (!is_token(t.failure->kind)) {
      invalid("failure kind " + detail::quote(t.failure->kind) + " is not a token [a-z0-9._-]+");
    }
    if (t.failure->thread >= t.threads.size()) {
      invalid("failure thread t" + std::to_string(t.failure->thread) + " is not a declared thread (" +
              std::to_string(t.threads.size()) + " threads)");
    }
  }
  if (t.objects.size() > max_named_objects) {
    invalid("too many named objects (" + std::to_string(t.objects.size()) + "; the limit is " +
            std::to_string(max_named_objects) + ")");
  }
  for (std::size_t i = 0; i < t.objects.size(); ++i) {
    const object_info& o = t.objects[i];
    if (o.id == 0 || (i > 0 && o.id <= t.objects[i - 1].id)) {
      invalid("named object o" + std::to_string(o.id) + " out of order (ids are above 0 and ascending)");
    }
    if (o.name.empty()) {
      invalid("named object o" + std::to_string(o.id) + " has an empty name");
    }
  }
  if (t.steps.size() > max_steps) {
    invalid("too many steps (" + std::to_string(t.steps.size()) + "; the limit is " +
            std::to_string(max_steps) + ")");
  }
  if (t.notes.size() > max_steps) {
    invalid("too many notes (" + std::to_string(t.notes.size()) + "; the limit is " +
            std::to_string(max_steps) + ")");
  }
  // What a step and a note must both satisfy: a declared thread, a token kind, an order.
  const auto check_entry = [&](const std::string& at, const step& s) {
    if (s.thread >= t.threads.size()) {
      invalid(at + "thread t" + std::to_string(s.thread) + " is not declared (" +
              std::to_string(t.threads.size()) + " threads)");
    }
    if (!is_token(s.kind)) {
      invalid(at + "kind " + detail::quote(s.kind) + " is not a token [a-z0-9._-]+");
    }
    if (!is_memory_order(s.order)) {
      invalid(at + "order " + detail::quote(s.order) +
              " is not -, relaxed, consume, acquire, release, acq_rel or seq_cst");
    }
  };
  for (std::size_t i = 0; i < t.notes.size(); ++i) {
    const step& s = t.notes[i];
    const std::string at = "note " + std::to_string(i) + ": ";
    if (s.index > t.steps.size() || (i > 0 && s.index < t.notes[i - 1].index)) {
      invalid(at + "index is " + std::to_string(s.index) +
              " (a note's index is that of the step after it: ascending, at most the step count)");
    }
    check_entry(at, s);
  }
  for (std::size_t i = 0; i < t.steps.size(); ++i) {
    const step& s = t.steps[i];
    const std::string at = "step " + std::to_string(i) + ": ";
    if (s.index != i) {
      invalid(at + "index is " + std::to_string(s.index) + " (indices must be 0, 1, 2, ... in order)");
    }
    check_entry(at, s);
  }
}

std::string to_text(const trace& t) {
  validate(t);
  std::string out;
  out.reserve(256 + 48 * t.steps.size());
  std::size_t line_start = 0;
  std::size_t line_number = 0;
  // Checks the line just appended against the reader's limit.
  auto check = [&](std::string_view what) {
    for (std::size_t nl = out.find('\n', line_start); nl != std::string::npos; nl = out.find('\n', line_start)) {
      ++line_number;
      if (nl - line_start > max_line_length) {
        invalid("line " + std::to_string(line_number) + " (" + std::string(what) + ") would be " +
                std::to_string(nl - line_start) + " bytes long; the limit is " + std::to_string(max_line_length));
      }
      line_start = nl + 1;
    }
  };

  out.append("weft-trace ");
  append_number(out, needs_version_2(t) ? 2u : 1u);
  out.push_back('\n');
  append_text_line(out, "scenario", t.scenario);
  append_text_line(out, "weft-version", t.weft_version);
  append_text_line(out, "platform", t.platform);
  append_text_line(out, "strategy", t.strategy);
  check("header");
  for (const auto& [key, value] : t.params) {
    out.append("param ");
    out.append(key);
    if (!value.empty()) {
      out.push_back(' ');
      detail::append_escaped(out, value, detail::escape_mode::text);
    }
    out.push_back('\n');
    check("param " + key);
  }
  if (t.failure) {
    const failure_info& f = *t.failure;
    out.append("failure ");
    out.append(f.kind);
    out.push_back('\n');
    append_text_line(out, "failure-message", f.message);
    out.append("failure-location ");
    append_location(out, f.where);
    out.append("\nfailure-thread ");
    append_number(out, f.thread);
    out.push_back('\n');
    check("failure");
  }
  for (const thread_info& th : t.threads) {
    out.append("thread ");
    append_number(out, th.id);
    if (!th.name.empty()) {
      out.push_back(' ');
      detail::append_escaped(out, th.name, detail::escape_mode::field);
    }
    out.push_back('\n');
    check("thread name");
  }
  for (const object_info& o : t.objects) {
    out.append("object ");
    append_number(out, o.id);
    out.push_back(' ');
    detail::append_escaped(out, o.name, detail::escape_mode::field);
    out.push_back('\n');
    check("object name");
  }
  out.append("steps ");
  append_number(out, t.steps.size());
  out.push_back('\n');
  std::size_t next_note = 0;
  auto notes_before = [&](std::uint64_t index) {
    for (; next_note < t.notes.size() && t.notes[next_note].index <= index; ++next_note) {
      append_step_line(out, t.notes[next_note], true);
      check("note");
    }
  };
  for (const step& s : t.steps) {
    notes_before(s.index);
    append_step_line(out, s);
    check("step");
  }
  notes_before(t.steps.size());
  out.append("end\n");
  if (out.size() > max_file_size) {
    invalid("the trace would be " + std::to_string(out.size()) + " bytes long; the limit is " +
            std::to_string(max_file_size));
  }
  return out;
}

trace read_fd(int fd, std::string_view source_name, std::size_t max_bytes) {
  const std::string source(source_name);
  std::string data;
  if (!read_bounded(fd, source, max_bytes, data)) {
    throw parse_error(source, 0, "more than " + std::to_string(max_bytes) +
                                     " bytes (the limit for a trace); stopped reading there");
  }
  return parse(data, source);
}

trace read_file(const std::filesystem::path& path) {
  if (path == "-") {
    return read_fd(STDIN_FILENO, "<stdin>");
  }
  const std::string source = path.string();
  // Look before opening: opening a FIFO for reading blocks until a writer
  // comes, and opening a device can have effects of its own.
  struct ::stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw_io(source, "cannot open trace file", errno);
  }
  check_regular_file(source, st);
  // O_NONBLOCK: should a FIFO take the file's place after the stat(), the
  // open() still returns at once and the fstat() below refuses it.
  int fd = -1;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    throw_io(source, "cannot open trace file", errno);
  }
  std::string data;
  try {
    if (::fstat(fd, &st) != 0) {
      throw_io(source, "cannot stat trace file", errno);
    }
    check_regular_file(source, st);
    if (static_cast<std::uintmax_t>(st.st_size) > max_file_size) {
      throw parse_error(source, 0, "the file is " + std::to_string(st.st_size) +
                                       " bytes, more than the limit of " + std::to_string(max_file_size) +
                                       " bytes for a trace");
    }
    data.reserve(static_cast<std::size_t>(st.st_size) + 1);
    if (!read_bounded(fd, source, max_file_size, data)) {
      throw parse_error(source, 0, "the file grew past the limit of " + std::to_string(max_file_size) +
                                       " bytes for a trace while it was read");
    }
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  return parse(data, source);
}

trace parse(std::string_view text, std::string_view source_name) {
  reader r(text, source_name);
  return r.run();
}

std::string file_base_name(const trace& t) {
  std::string out = t.scenario;
  out.push_back('-');
  out.append(t.strategy);
  out.append("-seed");
  if (const std::string* seed = t.param("seed")) {
    if (auto v = parse_number(*seed)) {
      append_hex16(out, *v);
    } else {
      out.append(*seed);
    }
  } else {
    out.append("none");
  }
  out.append("-e");
  if (const std::string* exec = t.param("execution")) {
    if (auto v = parse_number(*exec)) {
      append_number(out, *v);
    } else {
      out.append(*exec);
    }
  } else {
    out.append("none");
  }
  return out;
}

std::filesystem::path write_new_file(const std::filesystem::path& dir, std::string_view base_name,
                                     const trace& t) {
  const std::string text = to_text(t);
  std::filesystem::create_directories(dir);
  const std::string base = sanitize_base_name(base_name);
  constexpr unsigned max_attempts = 100000;
  for (unsigned n = 0; n < max_attempts; ++n) {
    std::string name = base;
    if (n > 0) {
      name += "-" + std::to_string(n);
    }
    name += file_extension;
    std::filesystem::path path = dir / name;
    int fd = -1;
    do {
      fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
      if (errno == EEXIST) {
        continue;
      }
      throw std::filesystem::filesystem_error("cannot create trace file", path,
                                              std::error_code(errno, std::generic_category()));
    }
    std::size_t done = 0;
    while (done < text.size()) {
      ssize_t wrote = ::write(fd, text.data() + done, text.size() - done);
      if (wrote < 0) {
        if (errno == EINTR) {
          continue;
        }
        std::error_code ec(errno, std::generic_category());
        ::close(fd);
        ::unlink(path.c_str());
        throw std::filesystem::filesystem_error("cannot write trace file", path, ec);
      }
      done += static_cast<std::size_t>(wrote);
    }
    if (::close(fd) != 0 && errno != EINTR) {  // after EINTR the descriptor is closed on Linux
      std::error_code ec(errno, std::generic_category());
      ::unlink(path.c_str());
      throw std::filesystem::filesystem_error("cannot write trace file", path, ec);
    }
    return path;
  }
  throw std::filesystem::filesystem_error("no free trace file name for " + base, dir,
                                          std::make_error_code(std::errc::file_exists));
}

}  // namespace weft::traces
