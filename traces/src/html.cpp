#include "weft/traces/html.hpp"

#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

namespace weft::traces {
namespace {

std::string esc(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '&': out.append("&amp;"); break;
      case '<': out.append("&lt;"); break;
      case '>': out.append("&gt;"); break;
      case '"': out.append("&quot;"); break;
      case '\'': out.append("&#39;"); break;
      default:
        if (c == '\n') {
          out.push_back('\n');
        } else if (c < 0x20 || c >= 0x7f) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\x%02x", static_cast<unsigned>(c));
          out.append(buffer);
        } else {
          out.push_back(ch);
        }
    }
  }
  return out;
}

std::string location_text(const location& where) {
  if (where.file.empty() && where.line == 0) return "-";
  return where.file + ":" + std::to_string(where.line);
}

// Thread ids written "t<digits>" in the message, in order, each with what follows up to the
// line's end.
std::vector<std::pair<std::uint32_t, std::size_t>> thread_mentions(std::string_view m) {
  std::vector<std::pair<std::uint32_t, std::size_t>> out;
  for (std::size_t i = 0; i + 1 < m.size(); ++i) {
    if (m[i] != 't' || (i > 0 && m[i - 1] != ' ') || m[i + 1] < '0' || m[i + 1] > '9') continue;
    std::uint64_t id = 0;
    std::size_t j = i + 1;
    while (j < m.size() && m[j] >= '0' && m[j] <= '9' && id < (1u << 20)) id = id * 10 + static_cast<std::uint64_t>(m[j++] - '0');
    if (j < m.size() && m[j] != ' ' && m[j] != ',' && m[j] != ':') continue;
    out.emplace_back(static_cast<std::uint32_t>(id), i);
  }
  return out;
}

constexpr std::string_view style = R"(
body{font:13px/1.35 system-ui,sans-serif;margin:1em;color:#222;background:#fff}
h1{font-size:18px;margin:0 0 .3em}
.meta{color:#555}
.failure{border:2px solid #c00;background:#fff0f0;padding:.5em;margin:.6em 0}
.failure pre{margin:.3em 0 0;white-space:pre-wrap}
.wrap{position:relative}
.grid{display:grid;gap:2px 6px;align-items:start}
.lane{background:#f3f5f8;border-radius:4px;min-height:100%;align-self:stretch}
.lane-head{z-index:1;font-weight:600;padding:4px;background:#dde3ea;border-radius:4px 4px 0 0;position:sticky;top:0}
.idx{color:#888;text-align:right;padding:3px 4px;font-family:monospace}
.step{background:#fff;border:1px solid #c8d0da;border-radius:3px;padding:2px 4px;margin:0 3px;font-family:monospace;z-index:1;position:relative}
.step .loc{color:#777;font-size:11px;overflow-wrap:anywhere}
.step.note{border-style:dashed}
.step.fail{background:#ffd6d6;border:2px solid #c00}
.step.involved{background:#fff2c6;border:2px solid #d08c00}
svg#links{position:absolute;left:0;top:0;pointer-events:none;z-index:2}
.link-line{stroke:#c00;stroke-width:2;fill:none}
)";

constexpr std::string_view script = R"(
(function(){
  var wrap=document.getElementById('wrap');
  var svg=document.getElementById('links');
  var ns='http://www.w3.org/2000/svg';
  svg.setAttribute('width',wrap.scrollWidth);svg.setAttribute('height',wrap.scrollHeight);
  var base=wrap.getBoundingClientRect();
  var links=document.querySelectorAll('#link-data .link');
  var drawn=0;
  for(var i=0;i<links.length;i++){
    var a=document.getElementById(links[i].getAttribute('data-from'));
    var b=document.getElementById(links[i].getAttribute('data-to'));
    if(!a||!b)continue;
    var ra=a.getBoundingClientRect(),rb=b.getBoundingClientRect();
    var x1=ra.left+ra.width/2-base.left,y1=ra.top+ra.height/2-base.top;
    var x2=rb.left+rb.width/2-base.left,y2=rb.top+rb.height/2-base.top;
    var line=document.createElementNS(ns,'line');
    line.setAttribute('class','link-line');
    line.setAttribute('x1',x1);line.setAttribute('y1',y1);line.setAttribute('x2',x2);line.setAttribute('y2',y2);
    line.setAttribute('marker-end','url(#arrow)');
    var title=document.createElementNS(ns,'title');title.textContent=links[i].getAttribute('data-label');
    line.appendChild(title);svg.appendChild(line);drawn++;
  }
  document.body.setAttribute('data-links-drawn',String(drawn));
})();
)";


// One row of the page: a step (id "s<position in steps>") or a note ("n<position in notes>").
struct row {
  const step* s;
  bool note;
  std::size_t position;
};

// Steps and notes in execution order: the notes with index i come just before step i.
std::vector<row> timeline(const trace& t) {
  std::vector<row> rows;
  rows.reserve(t.steps.size() + t.notes.size());
  std::size_t n = 0;
  for (std::size_t i = 0; i < t.steps.size(); ++i) {
    for (; n < t.notes.size() && t.notes[n].index <= t.steps[i].index; ++n) rows.push_back(row{&t.notes[n], true, n});
    rows.push_back(row{&t.steps[i], false, i});
  }
  for (; n < t.notes.size(); ++n) rows.push_back(row{&t.notes[n], true, n});
  return rows;
}

std::string row_id(const row& r) { return (r.note ? "n" : "s") + std::to_string(r.position); }

std::string value_text(std::uint64_t v) {
  if (v >= (std::uint64_t{1} << 63)) return "-" + std::to_string(~v + 1);
  if (v < 1000000) return std::to_string(v);
  char buffer[24];
  std::snprintf(buffer, sizeof buffer, "0x%llx", static_cast<unsigned long long>(v));
  return buffer;
}

}  // namespace

std::string render_html(const trace& t) {
  const std::vector<row> rows = timeline(t);
  std::set<std::uint32_t> shown;
  std::map<std::uint32_t, std::size_t> last_step;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    shown.insert(rows[i].s->thread);
    last_step[rows[i].s->thread] = i;
  }
  if (t.failure) shown.insert(t.failure->thread);
  std::map<std::uint32_t, std::size_t> column;
  for (const std::uint32_t th : shown) column.emplace(th, column.size() + 2);

  std::optional<std::size_t> failing;
  std::set<std::size_t> involved;
  std::vector<std::pair<std::size_t, std::size_t>> links;
  std::vector<std::string> labels;
  const auto last_of = [&last_step](std::uint32_t th) -> std::optional<std::size_t> {
    const auto it = last_step.find(th);
    if (it == last_step.end()) return std::nullopt;
    return it->second;
  };
  if (t.failure) {
    failing = last_of(t.failure->thread);
    const std::string& m = t.failure->message;
    const auto mentions = thread_mentions(m);
    if (t.failure->kind == "data-race") {
      for (const auto& [th, pos] : mentions) {
        if (pos < 3 || m.compare(pos - 3, 3, "by ") != 0 || th == t.failure->thread) continue;
        // The other access: that thread's last access to the same var before the failing one
        // (with notes recorded), else its last row.
        std::optional<std::size_t> other;
        if (failing && rows[*failing].note) {
          for (std::size_t i = *failing; i-- > 0;) {
            if (rows[i].note && rows[i].s->thread == th && rows[i].s->object == rows[*failing].s->object) {
              other = i;
              break;
            }
          }
        }
        if (!other) other = last_of(th);
        if (const auto s = other) {
          involved.insert(*s);
          if (failing) {
            links.emplace_back(*s, *failing);
            labels.push_back("data race");
          }
        }
        break;
      }
    } else {
      // Lines "  t<N> ... (held by|joins) t<K> ...": N's last step waits for K's.
      std::size_t line_start = 0;
      while (line_start <= m.size()) {
        const std::size_t nl = m.find('\n', line_start);
        const std::size_t line_end = nl == std::string::npos ? m.size() : nl;
        std::optional<std::uint32_t> waiter;
        for (const auto& [th, pos] : mentions) {
          if (pos < line_start || pos >= line_end) continue;
          if (!waiter) {
            if (pos == line_start + 2) {
              waiter = th;
              if (const auto s = last_of(th)) involved.insert(*s);
            }
            continue;
          }
          const bool held = pos >= 8 && m.compare(pos - 8, 8, "held by ") == 0;
          const bool joins = pos >= 6 && m.compare(pos - 6, 6, "joins ") == 0;
          if (!held && !joins) continue;
          const auto from = last_of(*waiter);
          const auto to = last_of(th);
          if (from && to && *from != *to) {
            links.emplace_back(*from, *to);
            labels.push_back(held ? "waits for a mutex held by" : "joins");
          }
        }
        if (nl == std::string::npos) break;
        line_start = nl + 1;
      }
    }
    if (failing) involved.erase(*failing);
  }

  std::string out;
  out.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>weft trace: ");
  out.append(esc(t.scenario)).append("</title>\n<style>").append(style).append("</style></head>\n<body>\n");
  out.append("<h1>").append(esc(t.scenario)).append("</h1>\n<div class=\"meta\">strategy ");
  out.append(esc(t.strategy)).append(" &middot; platform ").append(esc(t.platform));
  out.append(" &middot; weft ").append(esc(t.weft_version));
  for (const auto& [key, value] : t.params) out.append(" &middot; ").append(esc(key)).append("=").append(esc(value));
  out.append("</div>\n");
  if (t.failure) {
    out.append("<div class=\"failure\" id=\"failure\"><b>FAILURE ").append(esc(t.failure->kind));
    out.append("</b> in t").append(std::to_string(t.failure->thread)).append(" at ");
    out.append(esc(location_text(t.failure->where))).append("<pre>").append(esc(t.failure->message));
    out.append("</pre></div>\n");
  }
  out.append("<div class=\"meta\">").append(std::to_string(shown.size())).append(" threads, ");
  out.append(std::to_string(t.steps.size())).append(" steps");
  if (!t.notes.empty()) out.append(", ").append(std::to_string(t.notes.size())).append(" notes");
  out.append("</div>\n");
  out.append("<div class=\"wrap\" id=\"wrap\"><div class=\"grid\" style=\"grid-template-columns:4em repeat(");
  out.append(std::to_string(shown.size())).append(",minmax(14em,1fr))\">\n");
  const std::string row_span = std::to_string(rows.size() + 1);
  std::map<std::uint32_t, std::string> names;
  for (const thread_info& th : t.threads) names[th.id] = th.name;
  for (const std::uint32_t th : shown) {
    out.append("<div class=\"lane\" data-thread=\"").append(std::to_string(th));
    out.append("\" style=\"grid-column:").append(std::to_string(column[th]));
    out.append(";grid-row:1 / span ").append(row_span).append("\"></div><div class=\"lane-head\" style=\"grid-column:");
    out.append(std::to_string(column[th])).append(";grid-row:1\">t");
    out.append(std::to_string(th)).append(" ").append(esc(names[th])).append("</div>\n");
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const step& s = *rows[i].s;
    const std::string row = std::to_string(i + 2);
    out.append("<div class=\"idx\" style=\"grid-column:1;grid-row:").append(row).append("\">");
    out.append(rows[i].note ? std::string("&middot;") : std::to_string(s.index)).append("</div><div class=\"step");
    if (rows[i].note) out.append(" note");
    if (failing && *failing == i) out.append(" fail");
    if (involved.count(i) != 0) out.append(" involved");
    out.append("\" id=\"").append(row_id(rows[i])).append("\" style=\"grid-column:");
    out.append(std::to_string(column[s.thread])).append(";grid-row:").append(row).append("\">");
    out.append("<b>").append(esc(s.kind)).append("</b>");
    if (s.object != 0) {
      const std::string* name = t.object_name(s.object);
      out.append(" ").append(name != nullptr ? esc(*name) : "o" + std::to_string(s.object));
    }
    if (s.order != "-") out.append(" ").append(esc(s.order));
    if (!rows[i].note) out.append(" =").append(std::to_string(s.value));
    if (s.read) out.append(" r=").append(value_text(*s.read));
    if (s.written) out.append(" w=").append(value_text(*s.written));
    if (s.succeeded) out.append(*s.succeeded ? " ok" : " failed");
    if (failing && *failing == i) out.append(" <b>&larr; FAIL: ").append(esc(t.failure->kind)).append("</b>");
    out.append("<div class=\"loc\">").append(esc(location_text(s.where))).append("</div></div>\n");
  }
  out.append("</div><svg id=\"links\"><defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" "
             "markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#c00\"/>"
             "</marker></defs></svg></div>\n<div id=\"link-data\" hidden>");
  for (std::size_t i = 0; i < links.size(); ++i) {
    out.append("<span class=\"link\" data-from=\"").append(row_id(rows[links[i].first]));
    out.append("\" data-to=\"").append(row_id(rows[links[i].second])).append("\" data-label=\"");
    out.append(esc(labels[i])).append("\"></span>");
  }
  out.append("</div>\n<script>").append(script).append("</script>\n</body></html>\n");
  return out;
}

}  // namespace weft::traces
