#include <weft/checker/cli.hpp>

#include "trace_commands.hpp"

#include <weft/checker/catalogue.hpp>
#include <weft/checker/registry.hpp>
#include <weft/sim/explore.hpp>
#include <weft/traces/swimlane.hpp>
#include <weft/traces/trace_io.hpp>
#include <weft/version.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <limits.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <system_error>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace weft::checker {
namespace {

struct explore_args {
  std::vector<std::string> scenarios;
  std::string strategy = "random";
  bool strategy_given = false;  // the demonstration runs both strategies unless one is named
  bool depth_given = false;
  std::uint32_t depth = 3;
  std::uint64_t iterations = 0;  // 0: the default for the mode
  std::string seed;
  std::string time_limit;
  std::string trace_dir = "weft-traces";
  std::uint32_t fault_per_mille = 50;
  std::uint64_t steps_max = 20000;
  std::uint32_t livelock_repeats = 1;
  std::uint32_t jobs = 0;  // 0: every hardware thread
  bool keep_going = false;
  std::string shard;
  std::string json_file;
  // The strategy options the registry offers as --<key> (besides --depth and
  // --fault-per-mille), by key, as given; checked against the chosen strategy's options.
  std::vector<std::pair<std::string, std::string>> strategy_options;
};

constexpr std::uint64_t default_iterations = 100'000;

namespace fs = std::filesystem;

// How the user runs this binary: its bare name when PATH finds this very file under it, else
// its absolute path. Both as a shell word.
std::string program_word;

std::string self_exe() {
  char buffer[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  if (n <= 0) return {};
  return std::string(buffer, static_cast<std::size_t>(n));
}

bool plain_word(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.';
  });
}

std::string find_program_word(const char* argv0) {
  std::string exe = self_exe();
  if (exe.empty()) {
    std::error_code ec;
    exe = fs::absolute(argv0 != nullptr ? argv0 : "weft", ec).string();
  }
  const std::string name = fs::path(exe).filename().string();
  if (const char* path = std::getenv("PATH"); path != nullptr && plain_word(name)) {
    std::string_view rest = path;
    while (true) {
      const std::size_t colon = rest.find(':');
      const std::string_view dir = rest.substr(0, colon);
      // A relative entry ("." or empty) makes what the bare name runs depend on the directory
      // it is typed in: then only the absolute path works pasted anywhere.
      if (!dir.starts_with('/')) break;
      const fs::path candidate = fs::path(std::string(dir)) / name;
      std::error_code ec;
      if (fs::is_regular_file(candidate, ec) && ::access(candidate.c_str(), X_OK) == 0) {
        // The first one PATH finds is what the bare name runs.
        if (fs::equivalent(candidate, exe, ec)) return name;
        break;
      }
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  return sim::shell_quote(exe);
}

// The signal that asked explore to stop (SIGINT, SIGTERM), 0 while none has.
volatile std::sig_atomic_t stop_signal = 0;

extern "C" void on_stop_signal(int signal) { stop_signal = signal; }

// Installs the SIGINT and SIGTERM handlers for the life of one explore command.
class stop_on_signals {
 public:
  stop_on_signals() {
    stop_signal = 0;
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    ::sigaction(SIGINT, &action, &old_int_);
    ::sigaction(SIGTERM, &action, &old_term_);
  }
  ~stop_on_signals() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
  }
  stop_on_signals(const stop_on_signals&) = delete;
  stop_on_signals& operator=(const stop_on_signals&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

bool stop_requested() { return stop_signal != 0; }

const char* signal_name(int signal) { return signal == SIGINT ? "SIGINT" : "SIGTERM"; }

std::uint64_t draw_seed() {
  std::random_device device;
  return (std::uint64_t{device()} << 32) ^ device();
}

// The line that keeps a run's seed even if the run is lost.
void print_seed_line(std::string_view what, std::string_view strategies, std::uint64_t seed) {
  std::fprintf(stderr, "weft: explore %.*s strategy %.*s seed %s (resume with --seed %s)\n",
               static_cast<int>(what.size()), what.data(), static_cast<int>(strategies.size()),
               strategies.data(), sim::format_seed(seed).c_str(), sim::format_seed(seed).c_str());
  std::fflush(stderr);
}

// What explore ran before a signal stopped it.
int interrupted(std::uint64_t executions, std::uint64_t failures, std::uint64_t seed) {
  const int signal = stop_signal;
  std::cout << fmt::format(
      "weft: STOPPED by {} after {} executions, {} failing; run seed {} (resume with --seed {})\n",
      signal_name(signal), executions, failures, sim::format_seed(seed), sim::format_seed(seed));
  std::cout.flush();
  return 128 + signal;
}

void write_json_reports(const std::string& file, const std::vector<std::string>& reports) {
  if (file.empty()) return;
  sim::write_json(file, reports);
}

// "30", "30s", "500ms", "2m" -> seconds.
double parse_duration(const std::string& text) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    throw std::invalid_argument(fmt::format("--time-limit: \"{}\" is not a duration", text));
  }
  const std::string unit = text.substr(used);
  double scale = 1;
  if (unit.empty() || unit == "s") {
    scale = 1;
  } else if (unit == "ms") {
    scale = 1e-3;
  } else if (unit == "m" || unit == "min") {
    scale = 60;
  } else {
    throw std::invalid_argument(
        fmt::format("--time-limit: unknown unit \"{}\" (use s, ms or m)", unit));
  }
  if (!std::isfinite(value)) {
    throw std::invalid_argument(fmt::format("--time-limit: \"{}\" is not a finite duration", text));
  }
  if (value < 0) throw std::invalid_argument("--time-limit must not be negative");
  return value * scale;
}

sim::options make_options(const explore_args& a) {
  sim::options o;
  o.strategy.name = a.strategy;
  o.strategy.depth = a.depth;
  o.strategy.fault_per_mille = a.fault_per_mille;
  o.strategy.options = a.strategy_options;
  o.iterations = a.iterations == 0 ? default_iterations : a.iterations;
  if (!a.seed.empty()) o.seed = sim::parse_u64(a.seed, "--seed");
  if (!a.time_limit.empty()) o.time_limit_s = parse_duration(a.time_limit);
  o.trace_dir = a.trace_dir;
  o.runtime.steps_max = a.steps_max;
  o.runtime.livelock_repeats = a.livelock_repeats;
  o.jobs = a.jobs != 0 ? a.jobs : std::max(1u, std::thread::hardware_concurrency());
  o.keep_going = a.keep_going;
  if (!a.shard.empty()) {
    const sim::shard s = sim::parse_shard(a.shard, "--shard");
    o.shard_index = s.index;
    o.shard_count = s.count;
  }
  o.should_stop = stop_requested;
  // The bug depth is PCT's parameter: given with the random strategy it would be ignored.
  if (a.depth_given && a.strategy_given && a.strategy != "pct") {
    throw std::invalid_argument(
        fmt::format("--depth is the pct strategy's bug depth; it has no effect with --strategy {}",
                    a.strategy));
  }
  // Validate the strategy settings now, as a usage error, not mid-run.
  const std::unique_ptr<sim::strategy> strategy = sim::make_strategy(o.strategy);
  if (o.shard_count > 1 && !strategy->seeded()) {
    throw std::invalid_argument(fmt::format(
        "--shard: strategy {} is a search: it cannot be split in shards (its executions follow "
        "from the ones before); shard a sampling strategy",
        strategy->name()));
  }
  return o;
}

bool stderr_is_tty() { return ::isatty(STDERR_FILENO) == 1; }

void attach_progress(sim::options& o, const std::string& label) {
  if (!stderr_is_tty()) return;
  o.on_progress = [label](const sim::progress& p) {
    const double rate = p.seconds > 0 ? static_cast<double>(p.executions) / p.seconds : 0;
    std::fprintf(stderr, "\r\033[K  %s  %llu/%llu executions  %.0f/s  0 failures", label.c_str(),
                 static_cast<unsigned long long>(p.executions),
                 static_cast<unsigned long long>(p.iterations), rate);
    std::fflush(stderr);
  };
}

void clear_progress() {
  if (stderr_is_tty()) std::fprintf(stderr, "\r\033[K");
}

int cmd_list() {
  std::size_t width = 0;
  for (const scenario& s : registered_scenarios()) width = std::max(width, s.name.size());
  for (const scenario& s : registered_scenarios()) {
    std::cout << fmt::format("{:<{}}  {:<14}  {}\n", s.name, width,
                             s.buggy ? fmt::format("bug:{}", sim::to_string(s.expected)) : "clean",
                             s.summary);
  }
  return 0;
}

// weft strategies: every registered strategy, what it is, and its options.
int cmd_strategies() {
  for (const sim::strategy_info& info : sim::registered_strategies()) {
    std::cout << fmt::format("{}  ({}){}\n  {}\n", info.name,
                             info.exhaustive ? "a search" : "sampling",
                             info.exhaustive ? ": --max-executions bounds it; complete is a proof"
                                             : "",
                             info.summary);
    for (const sim::strategy_option& o : info.options) {
      const std::string range =
          o.max == UINT64_MAX ? fmt::format("{}..", o.min) : fmt::format("{}..{}", o.min, o.max);
      const std::string def = o.default_value == UINT64_MAX ? std::string("none")
                                                            : std::to_string(o.default_value);
      std::cout << fmt::format("    --{:<18} {:<14} default {:<6} (env {})\n      {}\n", o.key,
                               range, def, sim::option_env_name(o.key), o.help);
    }
  }
  return 0;
}

int explore_named(explore_args a) {
  std::vector<const scenario*> chosen;
  for (const std::string& name : a.scenarios) {
    const scenario* s = find_registered(name);
    if (s == nullptr) {
      std::cerr << fmt::format("weft: unknown scenario \"{}\" ({} list shows them)\n", name,
                               program_word);
      return exit_usage;
    }
    chosen.push_back(s);
  }
  static_cast<void>(make_options(a));  // usage errors before the seed line
  const stop_on_signals handlers;
  if (a.seed.empty()) a.seed = sim::format_seed(draw_seed());
  const std::uint64_t seed = sim::parse_u64(a.seed, "--seed");
  int worst = 0;
  std::uint64_t executions = 0;
  std::uint64_t failures = 0;
  std::vector<std::string> json;
  for (const scenario* s : chosen) {
    if (stop_requested()) break;
    sim::options o = make_options(a);
    o.scenario = s->name;
    print_seed_line(o.scenario, a.strategy, seed);
    attach_progress(o, o.scenario);
    const sim::report r = sim::explore(o, s->body);
    clear_progress();
    executions += r.executions;
    failures += r.ok() ? 0 : 1;
    if (!a.json_file.empty()) json.push_back(sim::to_json(r));
    std::cout << r.text();
    worst = std::max(worst, r.exit_code());
  }
  write_json_reports(a.json_file, json);
  if (stop_requested()) return interrupted(executions, failures, seed);
  return worst;
}

// The demonstration: every scenario under random and surw, checked against its expectation
// (not pct: it cannot find the catalogue's livelock, which needs the threads in lockstep).
int explore_catalogue(explore_args a) {
  const std::vector<std::string> strategies =
      a.strategy_given ? std::vector<std::string>{a.strategy}
                       : std::vector<std::string>{"random", "surw"};
  static_cast<void>(make_options(a));
  const stop_on_signals handlers;
  if (a.seed.empty()) a.seed = sim::format_seed(draw_seed());
  const std::uint64_t seed = sim::parse_u64(a.seed, "--seed");
  print_seed_line("every scenario", a.strategy_given ? a.strategy : "random and surw", seed);
  std::cout << fmt::format("{:<30} {:<7} {:<16} {:<28} {:>10} {:>9}\n", "scenario", "strategy",
                           "expected", "outcome", "executions", "time");
  bool all_held = true;
  std::vector<std::string> traces;
  std::vector<std::string> json;
  std::uint64_t executions = 0;
  std::uint64_t failures = 0;
  for (const scenario& s : registered_scenarios()) {
    for (const std::string& strategy : strategies) {
      if (stop_requested()) break;
      explore_args per = a;
      per.strategy = strategy;
      sim::options o = make_options(per);
      o.scenario = s.name;
      if (s.buggy && s.expected == sim::failure_kind::livelock &&
          !sim::detail::livelock_check_supported) {
        // Found by the fair-cycle check, which this build (a sanitizer's) does not have.
        std::cout << fmt::format("{:<30} {:<7} {:<16} {:<28}\n", s.name, strategy,
                                 fmt::format("bug: {}", sim::to_string(s.expected)),
                                 "skipped: no fair-cycle check in this build");
        continue;
      }
      attach_progress(o, fmt::format("{} {}", s.name, strategy));
      const sim::report r = sim::explore(o, s.body);
      clear_progress();
      executions += r.executions;
      failures += r.ok() ? 0 : 1;
      if (!a.json_file.empty()) json.push_back(sim::to_json(r));
      if (r.ok() && !r.complete() && r.stopped_by == sim::stop_reason::requested) break;
      const bool held = s.buggy ? r.failed.kind == s.expected : r.ok();
      all_held = all_held && held;
      const std::string expected =
          s.buggy ? fmt::format("bug: {}", sim::to_string(s.expected)) : "clean";
      std::string outcome =
          r.ok() ? "clean" : fmt::format("found {}", sim::to_string(r.failed.kind));
      if (r.ok() && !r.complete()) outcome += " (time limit)";
      std::cout << fmt::format("{:<30} {:<7} {:<16} {:<28} {:>10} {:>8.3f}s\n", s.name, strategy,
                               expected, outcome + (held ? "" : "  UNEXPECTED"), r.executions,
                               r.seconds);
      if (!r.trace_path.empty()) traces.push_back(r.trace_path.string());
      if (!held && !r.ok()) std::cout << r.text();
    }
  }
  write_json_reports(a.json_file, json);
  if (stop_requested()) return interrupted(executions, failures, seed);
  if (!traces.empty()) {
    std::cout << fmt::format("\n{} traces written; replay one with: {}\n", traces.size(),
                             sim::replay_command_for(traces.front()));
  }
  std::cout << (all_held ? "weft: every expectation held\n"
                         : "weft: some expectations did NOT hold\n");
  return all_held ? 0 : 1;
}

int cmd_replay(const std::string& file, const std::string& json_file) {
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
        "weft: {}: the trace is of scenario \"{}\", which {} does not have registered "
        "(replay it with the binary that wrote it: its report names the command)\n",
        file, t.scenario, program_word);
    return exit_usage;
  }
  sim::report r;
  try {
    r = sim::replay_trace(t, s->body);
  } catch (const std::invalid_argument& e) {
    std::cerr << fmt::format("weft: {}: {}\n", file, e.what());
    return exit_usage;
  }
  std::error_code ec;
  r.trace_path = fs::absolute(file, ec);
  if (ec) r.trace_path = file;
  if (!json_file.empty()) write_json_reports(json_file, {sim::to_json(r)});
  if (r.failed.kind == sim::failure_kind::nondeterminism) {
    std::cout << fmt::format("weft: REPLAY DIVERGED {}  {}\n  {}\n", t.scenario, file,
                             r.failed.message);
    return 3;
  }
  if (r.ok()) {
    std::cout << fmt::format("weft: REPLAY {}: the recorded pass came back ({} steps)\n",
                             t.scenario, r.failing_steps);
    return 0;
  }
  std::cout << fmt::format(
      "weft: REPLAY {}: reproduced {} at step {} of {}\n  {}\n  at {}:{} in thread {}\n"
      "  replay again {}\n",
      t.scenario, sim::to_string(r.failed.kind), r.failed.step, r.failing_steps, r.failed.message,
      r.failed.file.empty() ? "-" : r.failed.file, r.failed.line, r.failed.thread,
      sim::replay_command_for(r.trace_path));
  return r.exit_code();
}

int cmd_show(const std::string& file, std::size_t last) {
  try {
    std::cout << traces::render_swimlane(traces::read_file(file), last);
  } catch (const traces::parse_error& e) {
    std::cerr << "weft: " << e.what() << "\n";
    return exit_usage;
  }
  return 0;
}

// The commands, for the message that answers an unknown or a missing one.
constexpr std::string_view command_names =
    "list, strategies, explore, replay, show, minimize, export";

// A whole number written in decimal digits only: CLI11 would read "-1" into an unsigned option
// as its wrapped value.
std::string whole_number(const std::string& text) {
  if (!text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return {};
  }
  return fmt::format("\"{}\" is not a whole number", text);
}

}  // namespace

int run_cli(int argc, char** argv) {
  register_catalogue();
  return cli::main(argc, argv);
}

}  // namespace weft::checker

namespace weft::cli {

using namespace weft::checker;

int main(int argc, char** argv) {
  program_word = find_program_word(argc > 0 ? argv[0] : nullptr);
  sim::set_replay_program(program_word + " replay");
  CLI::App app{"weft: deterministic exploration of concurrent code"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("weft ") + WEFT_VERSION_STRING);

  auto* list = app.add_subcommand("list", "list the scenarios this binary has");

  explore_args ea;
  auto* explore = app.add_subcommand(
      "explore", "explore scenarios (all of them, as a demonstration, when none is named)");
  explore->add_option("scenarios", ea.scenarios, "scenario names (see weft list)");
  std::vector<std::string> strategy_names;
  std::string strategy_list;
  for (const sim::strategy_info& info : sim::registered_strategies()) {
    strategy_names.push_back(info.name);
    strategy_list += (strategy_list.empty() ? "" : ", ") + info.name;
  }
  explore->add_option("--strategy", ea.strategy,
                      fmt::format("{} (default random; weft strategies says more)", strategy_list))
      ->check(CLI::IsMember(strategy_names));
  explore->add_option("--depth", ea.depth, "pct: bug depth d (1-64)")
      ->check(whole_number)
      ->check(CLI::Range(1, 64));
  explore->add_option("--iterations", ea.iterations, "executions per scenario (default 100000)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40));
  explore->add_option("--seed", ea.seed, "run seed, decimal or 0x-hex (default: random)");
  explore->add_option("--time-limit", ea.time_limit, "stop each scenario after T (30s, 500ms, 2m)");
  explore->add_option("--trace-dir", ea.trace_dir, "where failing traces go (default ./weft-traces)");
  explore->add_option("--fault-per-mille", ea.fault_per_mille,
                      "chance of a spurious wake-up or CAS failure (0-1000, default 50)")
      ->check(CLI::Range(0, 1000));
  explore->add_option("--steps-max", ea.steps_max, "livelock bound per execution (default 20000)")
      ->check(CLI::Range(std::uint64_t{1}, sim::max_steps_per_execution));
  explore->add_option("--livelock-repeats", ea.livelock_repeats,
                      "report a livelock when the program's state comes back this many times "
                      "under a fair schedule (default 1; 0 turns the check off)")
      ->check(CLI::Range(std::uint32_t{0}, sim::max_livelock_repeats));
  explore->add_option("--jobs", ea.jobs,
                      "run the executions on N OS threads (default: every hardware thread; a "
                      "search runs on one)")
      ->check(CLI::Range(std::uint32_t{1}, std::uint32_t{1024}));
  explore->add_flag("--keep-going", ea.keep_going,
                    "go on after a failure: group the failures by kind and place, one trace each");
  explore->add_option("--shard", ea.shard,
                      "run shard I of N (I/N, I from 0): N machines cover one run together");
  explore->add_option("--json", ea.json_file, "also write the reports to FILE as JSON");
  explore->add_option("--max-executions", ea.iterations,
                      "the most executions per scenario: a search stops there, not complete "
                      "(the same as --iterations)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40))
      ->excludes("--iterations");
  // Every other option of a registered strategy, as --<key> VALUE (weft strategies lists them).
  std::vector<std::pair<std::string, std::string>> option_values;  // key, value as given
  std::vector<std::string> option_keys;
  for (const sim::strategy_info& info : sim::registered_strategies()) {
    for (const sim::strategy_option& o : info.options) {
      if (o.key == "depth" || o.key == "fault-per-mille") continue;  // declared above
      if (std::find(option_keys.begin(), option_keys.end(), o.key) != option_keys.end()) continue;
      option_keys.push_back(o.key);
    }
  }
  option_values.reserve(option_keys.size());
  for (const std::string& key : option_keys) {
    std::vector<std::string> owners;
    std::string help;
    for (const sim::strategy_info& info : sim::registered_strategies()) {
      for (const sim::strategy_option& o : info.options) {
        if (o.key != key) continue;
        owners.push_back(info.name);
        if (help.empty()) help = o.help;
      }
    }
    option_values.emplace_back(key, std::string());
    explore->add_option("--" + key, option_values.back().second,
                        fmt::format("{}: {}", fmt::join(owners, ", "), help))
        ->check(whole_number);
  }

  auto* strategies = app.add_subcommand("strategies", "list the strategies and their options");

  std::string replay_file;
  auto* replay = app.add_subcommand("replay", "replay a trace file and check it reproduces");
  replay->add_option("file", replay_file, "trace file")->required();
  std::string replay_json;
  replay->add_option("--json", replay_json, "also write the report to FILE as JSON");

  std::string show_file;
  std::size_t show_last = 0;
  auto* show = app.add_subcommand("show", "print a trace as per-thread swimlanes");
  show->add_option("file", show_file, "trace file")->required();
  show->add_option("--last", show_last, "show only the last N steps")->check(whole_number);
  bool show_html = false;
  show->add_flag("--html", show_html, "write one self-contained HTML page to stdout instead");

  std::string minimize_file;
  std::string minimize_out;
  std::string minimize_time = "10s";
  auto* minimize = app.add_subcommand("minimize", "shrink a failing trace (same failure, fewer preemptions and steps)");
  minimize->add_option("file", minimize_file, "trace file")->required();
  minimize->add_option("-o,--output", minimize_out, "where the minimal trace goes (default FILE.min.wtrace beside it)");
  minimize->add_option("--time-limit", minimize_time, "stop searching after T (default 10s)");

  std::string export_file;
  auto* export_cmd = app.add_subcommand("export", "convert a trace for other viewers");
  export_cmd->add_option("--chrome-trace", export_file,
                         "write FILE as Chrome trace-event JSON (Perfetto, chrome://tracing) to stdout")
      ->required();

  if (argc < 2) {
    std::cerr << "weft: a command is required: " << command_names << " (weft --help says more)\n";
    return exit_usage;
  }
  const std::string_view first = argv[1];
  const auto is_command = [&app](std::string_view name) {
    const auto commands = app.get_subcommands({});
    return std::any_of(commands.begin(), commands.end(),
                       [name](const CLI::App* c) { return c->get_name() == name; });
  };
  if (!first.starts_with('-') && !is_command(first)) {
    std::cerr << fmt::format("weft: unknown command \"{}\"; the commands are {} (weft --help says more)\n",
                             first, command_names);
    return exit_usage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return exit_usage;
  }

  ea.strategy_given = explore->count("--strategy") > 0;
  ea.depth_given = explore->count("--depth") > 0;
  for (const auto& [key, value] : option_values) {
    if (explore->count("--" + key) > 0) ea.strategy_options.emplace_back(key, value);
  }
  try {
    if (*list) return cmd_list();
    if (*strategies) return cmd_strategies();
    if (*explore) return ea.scenarios.empty() ? explore_catalogue(ea) : explore_named(ea);
    if (*replay) return cmd_replay(replay_file, replay_json);
    if (*show) return show_html ? cmd_show_html(show_file) : cmd_show(show_file, show_last);
    if (*export_cmd) return cmd_export_chrome(export_file);
    if (*minimize) return cmd_minimize(minimize_file, minimize_out, parse_duration(minimize_time));
  } catch (const std::invalid_argument& e) {
    std::cerr << "weft: " << e.what() << "\n";
    return exit_usage;
  } catch (const std::runtime_error& e) {  // a --json file that cannot be written
    std::cerr << "weft: " << e.what() << "\n";
    return exit_usage;
  }
  return exit_usage;
}

}  // namespace weft::cli
