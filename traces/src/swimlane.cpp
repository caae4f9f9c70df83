// Terminal rendering of a trace as one column per thread.
#include "weft/traces/swimlane.hpp"

#include <algorithm>
#include <optional>
#include <string_view>

#include "escape.hpp"

namespace weft::traces {

namespace {

constexpr std::size_t index_width = 7;

// s made printable and cut or padded to exactly width characters.
std::string cell(std::string_view s, std::size_t width) {
  std::string text = detail::printable(s);
  if (text.size() > width) {
    text.resize(width - 2);
    text.append("..");
  }
  text.resize(width, ' ');
  return text;
}

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

std::string step_text(const step& s) {
  std::string text = s.kind;
  if (s.object != 0) {
    text.append(" o").append(std::to_string(s.object));
  }
  if (s.order != "-") {
    text.append(" ").append(s.order);
  }
  if (s.value != 0) {
    text.append(" =").append(std::to_string(s.value));
  }
  return text;
}

void trim_trailing_spaces(std::string& line) {
  while (!line.empty() && line.back() == ' ') {
    line.pop_back();
  }
}

}  // namespace

std::string render_swimlane(const trace& t, std::size_t max_steps) {
  const std::size_t w = swimlane_column_width;
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
  std::optional<std::size_t> failing_step;
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
    for (std::size_t i = t.steps.size(); i-- > 0;) {
      if (t.steps[i].thread == f.thread) {
        failing_step = i;
        break;
      }
    }
  }

  std::size_t first = 0;
  if (max_steps != 0 && t.steps.size() > max_steps) {
    first = t.steps.size() - max_steps;
  }
  out.append(std::to_string(t.threads.size())).append(t.threads.size() == 1 ? " thread, " : " threads, ");
  out.append(std::to_string(t.steps.size())).append(t.steps.size() == 1 ? " step" : " steps");
  if (first > 0) {
    out.append(" (showing the last ").append(std::to_string(t.steps.size() - first)).append(")");
  }
  out.append("\n\n");

  // Column headers and rule.
  std::string line = right_aligned("step", index_width - 1) + " ";
  std::string rule(index_width, '-');
  for (const thread_info& th : t.threads) {
    std::string title = "t";
    title.append(std::to_string(th.id)).append(" ").append(th.name);
    line.append("| ").append(cell(title, w)).append(" ");
    rule.append("+").append(w + 2, '-');
  }
  line.append("| at");
  rule.append("+---");
  out.append(line).append("\n").append(rule).append("\n");

  if (first > 0) {
    out.append(right_aligned("...", index_width - 1))
        .append(" (")
        .append(std::to_string(first))
        .append(first == 1 ? " earlier step elided)\n" : " earlier steps elided)\n");
  }
  const std::string empty_cell(w, ' ');
  for (std::size_t i = first; i < t.steps.size(); ++i) {
    const step& s = t.steps[i];
    line = right_aligned(std::to_string(s.index), index_width - 1) + " ";
    for (const thread_info& th : t.threads) {
      line.append("| ").append(th.id == s.thread ? cell(step_text(s), w) : empty_cell).append(" ");
    }
    line.append("| ").append(location_text(s.where));
    if (failing_step && *failing_step == i) {
      line.append("  <-- FAIL: ").append(detail::printable(t.failure->kind));
    }
    trim_trailing_spaces(line);
    out.append(line).append("\n");
  }
  if (t.failure && (!failing_step || *failing_step < first)) {
    out.append("<-- FAIL: ").append(detail::printable(t.failure->kind));
    out.append(" (t").append(std::to_string(t.failure->thread));
    out.append(failing_step ? " has no step among those shown)\n" : " performed no step)\n");
  }
  return out;
}

}  // namespace weft::traces
