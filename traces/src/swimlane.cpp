// Terminal rendering of a trace as one column per thread.
#include "weft/traces/swimlane.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "escape.hpp"

namespace weft::traces {

namespace {

constexpr std::size_t index_width = 7;
constexpr std::size_t min_lane_width = 8;

// One row of the table: a step, or a note (no index of its own).
struct row {
  const step* s = nullptr;
  bool note = false;
};

std::string right_aligned(std::string s, std::size_t width) {
  if (s.size() < width) {
    s.insert(0, width - s.size(), ' ');
  }
  return s;
}

std::string location_text(const location& where) {
  if (where.file.empty() && where.line == 0) {
    return "-";
  }
  std::string_view file = where.file;
  if (auto slash = file.rfind('/'); slash != std::string_view::npos) {
    file.remove_prefix(slash + 1);  // the base name is enough in a table
  }
  std::string out = detail::printable(file.empty() ? std::string_view("?") : file);
  out.push_back(':');
  out.append(std::to_string(where.line));
  return out;
}

// A recorded value: small ones in decimal, large ones in hex, the top half of the range as
// negative (signed values are recorded sign-extended).
std::string value_text(std::uint64_t v) {
  if (v >= (std::uint64_t{1} << 63)) {
    return "-" + std::to_string(~v + 1);
  }
  if (v < 1000000) {
    return std::to_string(v);
  }
  static constexpr std::string_view digits = "0123456789abcdef";
  std::string hex;
  for (; v != 0; v >>= 4) {
    hex.insert(hex.begin(), digits[v & 0xfu]);
  }
  return "0x" + hex;
}

std::string object_text(const trace& t, std::uint32_t id) {
  if (const std::string* name = t.object_name(id)) {
    return detail::printable(*name);
  }
  return "o" + std::to_string(id);
}

std::string step_text(const trace& t, const step& s) {
  std::string text = detail::printable(s.kind);
  if (s.object != 0) {
    text.append(" ").append(object_text(t, s.object));
  }
  if (s.order != "-") {
    text.append(" ").append(s.order);
  }
  if (s.value != 0) {
    text.append(" =").append(std::to_string(s.value));
  }
  if (s.read) {
    text.append(" r=").append(value_text(*s.read));
  }
  if (s.written) {
    text.append(" w=").append(value_text(*s.written));
  }
  if (s.succeeded) {
    text.append(*s.succeeded ? " ok" : " failed");
  }
  return text;
}

std::vector<std::string_view> words_of(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') {
      ++i;
    }
    std::size_t start = i;
    while (i < text.size() && text[i] != ' ') {
      ++i;
    }
    if (i > start) {
      words.push_back(text.substr(start, i - start));
    }
  }
  return words;
}

// The width text needs in a lane: all of it up to the lane maximum, and its longest word.
std::size_t width_needed(std::string_view text) {
  std::size_t longest = 0;
  for (std::string_view w : words_of(text)) {
    longest = std::max(longest, std::min(w.size(), swimlane_max_word));
  }
  return std::max(std::min(text.size(), swimlane_column_width), longest);
}

// text broken into lines of at most width characters at spaces; a word longer than
// swimlane_max_word is cut and ends in "..".
std::vector<std::string> wrap(std::string_view text, std::size_t width) {
  std::vector<std::string> lines;
  std::string current;
  for (std::string_view w : words_of(text)) {
    std::string word(w);
    if (word.size() > swimlane_max_word) {
      word.resize(swimlane_max_word - 2);
      word.append("..");
    }
    if (!current.empty() && current.size() + 1 + word.size() > width) {
      lines.push_back(std::move(current));
      current.clear();
    }
    if (!current.empty()) {
      current.push_back(' ');
    }
    current.append(word);
  }
  if (!current.empty() || lines.empty()) {
    lines.push_back(std::move(current));
  }
  return lines;
}

void trim_trailing_spaces(std::string& line) {
  while (!line.empty() && line.back() == ' ') {
    line.pop_back();
  }
}

std::string thread_title(const trace& t, std::uint32_t id) {
  std::string title = "t" + std::to_string(id);
  if (id < t.threads.size() && !t.threads[id].name.empty()) {
    title.append(" ").append(detail::printable(t.threads[id].name));
  }
  return title;
}

// Steps and notes in execution order: the notes with index i come just before step i.
std::vector<row> timeline(const trace& t) {
  std::vector<row> rows;
  rows.reserve(t.steps.size() + t.notes.size());
  std::size_t n = 0;
  for (const step& s : t.steps) {
    for (; n < t.notes.size() && t.notes[n].index <= s.index; ++n) {
      rows.push_back(row{&t.notes[n], true});
    }
    rows.push_back(row{&s, false});
  }
  for (; n < t.notes.size(); ++n) {
    rows.push_back(row{&t.notes[n], true});
  }
  return rows;
}

}  // namespace

std::string render_swimlane(const trace& t, std::size_t max_steps) {
  std::string out;

  out.append("scenario ").append(detail::printable(t.scenario));
  out.append("  strategy ").append(detail::printable(t.strategy));
  out.append("  platform ").append(detail::printable(t.platform));
  out.append("  weft ").append(detail::printable(t.weft_version)).append("\n");
  if (!t.params.empty()) {
    out.append("params");
    for (const auto& [key, value] : t.params) {
      out.append(" ").append(detail::printable(key)).append("=").append(detail::printable(value));
    }
    out.append("\n");
  }
  const std::vector<row> rows = timeline(t);
  std::optional<std::size_t> failing_row;
  if (t.failure) {
    const failure_info& f = *t.failure;
    out.append("FAILURE ").append(detail::printable(f.kind));
    out.append(" in t").append(std::to_string(f.thread));
    out.append(" at ").append(f.where.file.empty() && f.where.line == 0 ? std::string("?") : detail::printable(f.where.file) + ":" + std::to_string(f.where.line));
    out.append("\n");
    std::string_view message = f.message;
    while (!message.empty()) {
      std::size_t nl = message.find('\n');
      out.append("  ").append(detail::printable(message.substr(0, nl))).append("\n");
      message = nl == std::string_view::npos ? std::string_view() : message.substr(nl + 1);
    }
    // The failing thread stops at its failure: its last row (with notes, the racing access
    // itself) is where it failed.
    for (std::size_t i = rows.size(); i-- > 0;) {
      if (rows[i].s->thread == f.thread) {
        failing_row = i;
        break;
      }
    }
  }

  std::size_t first = 0;
  if (max_steps != 0 && rows.size() > max_steps) {
    first = rows.size() - max_steps;
  }
  // Lanes only for the threads that run in the rows shown, in id order.
  std::map<std::uint32_t, std::size_t> lane_width;
  for (std::size_t i = first; i < rows.size(); ++i) {
    lane_width.emplace(rows[i].s->thread, 0);
  }
  out.append(std::to_string(t.threads.size())).append(t.threads.size() == 1 ? " thread, " : " threads, ");
  out.append(std::to_string(t.steps.size())).append(t.steps.size() == 1 ? " step" : " steps");
  if (!t.notes.empty()) {
    out.append(", ").append(std::to_string(t.notes.size())).append(t.notes.size() == 1 ? " note" : " notes");
  }
  if (first > 0) {
    out.append(" (showing the last ").append(std::to_string(rows.size() - first)).append(")");
  }
  if (lane_width.size() < t.threads.size()) {
    out.append("; ").append(std::to_string(lane_width.size()));
    out.append(lane_width.size() == 1 ? " thread runs" : " threads run").append(" in the rows shown");
  }
  out.append("\n\n");

  const auto fail_mark = [&](std::size_t i, std::string& line) {
    if (failing_row && *failing_row == i) {
      line.append("  <-- FAIL: ").append(detail::printable(t.failure->kind));
    }
  };
  const auto index_text = [&](std::size_t i) {
    return rows[i].note ? std::string("-") : std::to_string(rows[i].s->index);
  };
  const auto elided = [&] {
    if (first > 0) {
      out.append(right_aligned("...", index_width - 1))
          .append(" (")
          .append(std::to_string(first))
          .append(first == 1 ? " earlier step elided)\n" : " earlier steps elided)\n");
    }
  };

  if (lane_width.size() > swimlane_max_lanes) {
    // Too many lanes to draw side by side: one line per row, naming its thread.
    out.append(std::to_string(lane_width.size()))
        .append(" threads run in the rows shown, more than ")
        .append(std::to_string(swimlane_max_lanes))
        .append(" lanes fit: one line per row\n\n");
    out.append(right_aligned("step", index_width - 1)).append("  thread: operation  @ location\n");
    elided();
    for (std::size_t i = first; i < rows.size(); ++i) {
      const step& s = *rows[i].s;
      std::string line = right_aligned(index_text(i), index_width - 1) + "  ";
      line.append(thread_title(t, s.thread)).append(": ").append(step_text(t, s));
      line.append("  @ ").append(location_text(s.where));
      fail_mark(i, line);
      out.append(line).append("\n");
    }
  } else {
    std::vector<std::string> texts(rows.size());
    for (auto& [id, width] : lane_width) {
      width = std::max(min_lane_width, width_needed(thread_title(t, id)));
    }
    for (std::size_t i = first; i < rows.size(); ++i) {
      texts[i] = step_text(t, *rows[i].s);
      std::size_t& width = lane_width[rows[i].s->thread];
      width = std::max(width, width_needed(texts[i]));
    }

    // Column headers (wrapped like cells) and rule.
    std::map<std::uint32_t, std::vector<std::string>> titles;
    std::size_t title_lines = 1;
    for (const auto& [id, width] : lane_width) {
      titles[id] = wrap(thread_title(t, id), width);
      title_lines = std::max(title_lines, titles[id].size());
    }
    std::string rule(index_width, '-');
    for (std::size_t k = 0; k < title_lines; ++k) {
      std::string line = right_aligned(k == 0 ? "step" : "", index_width - 1) + " ";
      for (const auto& [id, width] : lane_width) {
        std::string text = k < titles[id].size() ? titles[id][k] : std::string();
        text.resize(width, ' ');
        line.append("| ").append(text).append(" ");
      }
      line.append(k == 0 ? "| at" : "|");
      trim_trailing_spaces(line);
      out.append(line).append("\n");
    }
    for (const auto& [id, width] : lane_width) {
      rule.append("+").append(width + 2, '-');
    }
    rule.append("+---");
    out.append(rule).append("\n");

    elided();
    for (std::size_t i = first; i < rows.size(); ++i) {
      const step& s = *rows[i].s;
      const std::vector<std::string> lines = wrap(texts[i], lane_width[s.thread]);
      for (std::size_t k = 0; k < lines.size(); ++k) {
        std::string line = right_aligned(k == 0 ? index_text(i) : std::string(), index_width - 1) + " ";
        for (const auto& [id, width] : lane_width) {
          std::string text = id == s.thread ? lines[k] : std::string();
          text.resize(width, ' ');
          line.append("| ").append(text).append(" ");
        }
        line.append("|");
        if (k == 0) {
          line.append(" ").append(location_text(s.where));
          fail_mark(i, line);
        }
        trim_trailing_spaces(line);
        out.append(line).append("\n");
      }
    }
  }
  if (t.failure && (!failing_row || *failing_row < first)) {
    out.append("<-- FAIL: ").append(detail::printable(t.failure->kind));
    out.append(" (t").append(std::to_string(t.failure->thread));
    out.append(failing_row ? " has no step among those shown)\n" : " performed no step)\n");
  }
  return out;
}

}  // namespace weft::traces
