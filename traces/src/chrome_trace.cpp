#include "weft/traces/chrome_trace.hpp"

#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

namespace weft::traces {
namespace {

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c == '\n') {
      out.append("\\n");
    } else if (c < 0x20 || c >= 0x7f) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(c));
      out.append(buffer);
    } else {
      out.push_back(ch);
    }
  }
  out.push_back('"');
}

std::string location_text(const location& where) {
  if (where.file.empty() && where.line == 0) return "-";
  return where.file + ":" + std::to_string(where.line);
}

class events {
 public:
  void begin(std::string_view name, std::string_view ph, std::uint32_t tid, std::uint64_t ts) {
    out_.append(first_ ? "\n  {" : ",\n  {");
    first_ = false;
    out_.append("\"name\": ");
    append_json_string(out_, name);
    out_.append(", \"ph\": \"").append(ph).append("\", \"pid\": 1, \"tid\": ");
    out_.append(std::to_string(tid)).append(", \"ts\": ").append(std::to_string(ts));
  }
  void field(std::string_view key, std::string_view raw) {
    out_.append(", \"").append(key).append("\": ").append(raw);
  }
  void string_field(std::string_view key, std::string_view value) {
    out_.append(", \"").append(key).append("\": ");
    append_json_string(out_, value);
  }
  void args_begin() { out_.append(", \"args\": {"); args_first_ = true; }
  void arg(std::string_view key, std::string_view value) {
    out_.append(args_first_ ? "" : ", ");
    args_first_ = false;
    append_json_string(out_, key);
    out_.append(": ");
    append_json_string(out_, value);
  }
  void arg_number(std::string_view key, std::uint64_t value) {
    out_.append(args_first_ ? "" : ", ");
    args_first_ = false;
    append_json_string(out_, key);
    out_.append(": ").append(std::to_string(value));
  }
  void args_end() { out_.append("}"); }
  void end() { out_.append("}"); }
  std::string& text() { return out_; }

 private:
  std::string out_;
  bool first_ = true;
  bool args_first_ = true;
};

// Steps and notes in execution order (the notes with index i just before step i); each gets
// its position as its time stamp.
struct row {
  const step* s;
  bool note;
};

std::vector<row> timeline(const trace& t) {
  std::vector<row> rows;
  rows.reserve(t.steps.size() + t.notes.size());
  std::size_t n = 0;
  for (const step& s : t.steps) {
    for (; n < t.notes.size() && t.notes[n].index <= s.index; ++n) rows.push_back(row{&t.notes[n], true});
    rows.push_back(row{&s, false});
  }
  for (; n < t.notes.size(); ++n) rows.push_back(row{&t.notes[n], true});
  return rows;
}

}  // namespace

std::string render_chrome_trace(const trace& t) {
  const std::vector<row> rows = timeline(t);
  std::set<std::uint32_t> shown;
  for (const row& r : rows) shown.insert(r.s->thread);
  if (t.failure) shown.insert(t.failure->thread);

  events e;
  e.text().append("{\"displayTimeUnit\": \"ns\", \"otherData\": {\"scenario\": ");
  append_json_string(e.text(), t.scenario);
  e.text().append(", \"strategy\": ");
  append_json_string(e.text(), t.strategy);
  e.text().append(", \"params\": {");
  bool first_param = true;
  for (const auto& [key, value] : t.params) {
    e.text().append(first_param ? "" : ", ");
    first_param = false;
    append_json_string(e.text(), key);
    e.text().append(": ");
    append_json_string(e.text(), value);
  }
  e.text().append("}},\n\"traceEvents\": [");

  e.begin("process_name", "M", 0, 0);
  e.args_begin();
  e.arg("name", "weft " + t.scenario);
  e.args_end();
  e.end();
  for (const thread_info& th : t.threads) {
    if (shown.count(th.id) == 0) continue;
    e.begin("thread_name", "M", th.id, 0);
    e.args_begin();
    e.arg("name", "t" + std::to_string(th.id) + (th.name.empty() ? "" : " " + th.name));
    e.args_end();
    e.end();
    e.begin("thread_sort_index", "M", th.id, 0);
    e.args_begin();
    e.arg_number("sort_index", th.id);
    e.args_end();
    e.end();
  }

  // Blocked spans: from a thread's block step to its next step.
  // Only threads that run have a track, and only they can be blocked.
  std::map<std::uint32_t, std::optional<std::uint64_t>> blocked_since;
  const auto close_span = [&e, &rows](std::uint32_t thread, std::uint64_t from, std::uint64_t to) {
    e.begin("blocked", "X", thread, from);
    e.field("dur", std::to_string(to - from));
    e.args_begin();
    e.arg("at", location_text(rows[from].s->where));
    e.args_end();
    e.end();
  };
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const step& s = *rows[i].s;
    const bool note = rows[i].note;
    if (auto it = blocked_since.find(s.thread); it != blocked_since.end() && it->second) {
      close_span(s.thread, *it->second, i);
      it->second.reset();
    }
    e.begin(s.kind, "i", s.thread, i);
    e.string_field("s", "t");
    e.args_begin();
    if (note) {
      e.arg("note", "not a scheduling step");
    } else {
      e.arg_number("step", s.index);
    }
    if (s.object != 0) {
      e.arg("object", "o" + std::to_string(s.object));
      if (const std::string* name = t.object_name(s.object)) e.arg("name", *name);
    }
    if (s.order != "-") e.arg("order", s.order);
    if (!note) e.arg_number("value", s.value);
    if (s.read) e.arg_number("read", *s.read);
    if (s.written) e.arg_number("written", *s.written);
    if (s.succeeded) e.arg("cas", *s.succeeded ? "ok" : "failed");
    e.arg("at", location_text(s.where));
    e.args_end();
    e.end();
    if (s.kind == "block" && !note) blocked_since[s.thread] = i;
  }
  const std::uint64_t end = rows.size();
  for (const auto& [th, since] : blocked_since) {
    if (since) close_span(th, *since, end);
  }
  if (t.failure) {
    e.begin("FAIL: " + t.failure->kind, "i", t.failure->thread, end);
    e.string_field("s", "t");
    e.args_begin();
    e.arg("kind", t.failure->kind);
    e.arg("message", t.failure->message);
    e.arg("at", location_text(t.failure->where));
    e.args_end();
    e.end();
  }
  e.text().append("\n]}\n");
  return std::move(e.text());
}

}  // namespace weft::traces
