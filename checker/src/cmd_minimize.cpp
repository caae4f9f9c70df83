#include "trace_commands.hpp"

#include <weft/checker/registry.hpp>
#include <weft/sim/explore.hpp>
#include <weft/checker/cli.hpp>
#include <weft/sim/minimize.hpp>
#include <weft/traces/trace_io.hpp>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <system_error>

namespace weft::checker {

int cmd_minimize(const std::string& file, const std::string& out, double time_limit_s) {
  namespace fs = std::filesystem;
  // The minimal trace goes beside its input by default; standard input has no place beside it.
  if (file == "-" && out.empty()) {
    std::cerr << "weft: minimize - needs -o OUT: a trace read from standard input has no "
                 "directory to write FILE.min.wtrace in\n";
    return exit_usage;
  }
  traces::trace t;
  try {
    t = traces::read_file(file);
  } catch (const traces::parse_error& e) {
    std::cerr << "weft: " << e.what() << "\n";
    return exit_usage;
  }
  const scenario* s = find_registered(t.scenario);
  if (s == nullptr) {
    std::cerr << fmt::format(
        "weft: {}: the trace is of scenario \"{}\", which this binary does not have registered\n",
        file, t.scenario);
    return exit_usage;
  }
  if (!out.empty()) {
    std::error_code ec;
    if (fs::equivalent(fs::path(out), fs::path(file), ec)) {
      std::cerr << fmt::format("weft: -o {}: that is the input trace; it is never overwritten\n",
                               out);
      return exit_usage;
    }
  }
  sim::minimize_options opts;
  opts.time_limit_s = time_limit_s;
  sim::minimize_result m;
  try {
    m = sim::minimize(t, s->body, opts);
  } catch (const std::invalid_argument& e) {
    std::cerr << fmt::format("weft: {}: {}\n", file, e.what());
    return exit_usage;
  } catch (const std::runtime_error& e) {
    std::cout << fmt::format("weft: MINIMIZE {}: {}\n", file, e.what());
    return 3;
  }
  fs::path written;
  try {
    if (out.empty()) {
      const fs::path in(file);
      const fs::path dir = in.has_parent_path() ? in.parent_path() : fs::path(".");
      written = traces::write_new_file(dir, in.stem().string() + ".min", m.minimal);
    } else {
      const std::string text = traces::to_text(m.minimal);
      std::ofstream o(out, std::ios::binary | std::ios::trunc);
      o << text;
      o.close();
      if (!o) throw std::runtime_error("cannot write " + out);
      written = out;
    }
  } catch (const std::exception& e) {
    std::cerr << fmt::format("weft: {}\n", e.what());
    return exit_usage;
  }
  std::cout << fmt::format(
      "weft: MINIMIZE {}: {} kept at {}:{}\n  before  {} steps, {} switches, {} preemptions\n"
      "  after   {} steps, {} switches, {} preemptions  ({} candidate runs{})\n  written {}\n"
      "  replay  {}\n",
      t.scenario, sim::to_string(m.target.kind), m.target.file.empty() ? "-" : m.target.file,
      m.target.line, m.before.steps, m.before.switches, m.before.preemptions, m.after.steps,
      m.after.switches, m.after.preemptions, m.runs,
      m.complete ? "" : ", stopped by the bound", written.string(),
      sim::replay_command_for(written));
  return 0;
}

}  // namespace weft::checker
