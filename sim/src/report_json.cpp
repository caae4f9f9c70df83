// Reports as JSON: the schema is docs/report-json.md ("weft-report/1").
#include <weft/sim/explore.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <unistd.h>

namespace weft::sim {

std::string to_json(const report& r, std::string_view replay_command) {
  nlohmann::ordered_json j;
  j["scenario"] = r.scenario;
  j["strategy"] = r.strategy;
  nlohmann::ordered_json params = nlohmann::ordered_json::object();
  for (const auto& [key, value] : r.params) params[key] = value;
  j["params"] = params;
  j["seed"] = format_seed(r.seed);
  j["executions"] = r.executions;
  j["iterations"] = r.iterations;
  j["seconds"] = r.seconds;
  j["complete"] = r.complete();
  j["stopped_by"] = r.stopped_by == stop_reason::none ? nullptr : nlohmann::ordered_json(std::string(to_string(r.stopped_by)));
  j["result"] = r.ok() ? "pass" : "fail";
  j["exit_code"] = r.exit_code();
  nlohmann::ordered_json failures = nlohmann::ordered_json::array();
  if (!r.ok()) {
    nlohmann::ordered_json f;
    f["kind"] = std::string(to_string(r.failed.kind));
    f["message"] = r.failed.message;
    f["location"] = r.failed.file.empty()
                        ? nlohmann::ordered_json(nullptr)
                        : nlohmann::ordered_json{{"file", r.failed.file}, {"line", r.failed.line}};
    nlohmann::ordered_json thread;
    thread["index"] = r.failed.thread;
    thread["name"] = r.failed.thread < r.thread_names.size() ? r.thread_names[r.failed.thread]
                                                             : std::string();
    f["thread"] = thread;
    f["step"] = r.failed.step;
    f["steps"] = r.failing_steps;
    f["execution"] = r.failing_execution;
    f["execution_seed"] = format_seed(r.failing_execution_seed);
    f["reproduced_from_seed"] = r.reproduced_from_seed;
    f["reproduced_from_trace"] = r.reproduced_from_trace;
    if (r.trace_path.empty()) {
      f["trace"] = nullptr;
      f["trace_error"] = r.trace_error.empty() ? nlohmann::ordered_json(nullptr)
                                               : nlohmann::ordered_json(r.trace_error);
      f["replay"] = nullptr;
    } else {
      std::error_code ec;
      const std::filesystem::path absolute = std::filesystem::absolute(r.trace_path, ec);
      f["trace"] = (ec ? r.trace_path : absolute).string();
      f["trace_error"] = nullptr;
      f["replay"] =
          replay_command.empty() ? replay_command_for(r.trace_path) : std::string(replay_command);
    }
    if (!r.groups.empty()) f["count"] = r.groups.front().count;
    failures.push_back(std::move(f));
  }
  // With keep_going, each further group of failures: its first one, and how many.
  for (std::size_t g = 1; g < r.groups.size(); ++g) {
    const failure_group& group = r.groups[g];
    nlohmann::ordered_json f;
    f["kind"] = std::string(to_string(group.failed.kind));
    f["message"] = group.failed.message;
    f["location"] = group.failed.file.empty()
                        ? nlohmann::ordered_json(nullptr)
                        : nlohmann::ordered_json{{"file", group.failed.file},
                                                 {"line", group.failed.line}};
    f["execution"] = group.first_execution;
    f["execution_seed"] = format_seed(group.first_execution_seed);
    f["reproduced_from_seed"] = group.reproduced_from_seed;
    f["reproduced_from_trace"] = group.reproduced_from_trace;
    f["trace"] = group.trace_path.empty() ? nlohmann::ordered_json(nullptr)
                                          : nlohmann::ordered_json(group.trace_path.string());
    f["trace_error"] = group.trace_error.empty() ? nlohmann::ordered_json(nullptr)
                                                 : nlohmann::ordered_json(group.trace_error);
    f["replay"] = group.trace_path.empty() ? nlohmann::ordered_json(nullptr)
                                           : nlohmann::ordered_json(replay_command_for(group.trace_path));
    f["count"] = group.count;
    failures.push_back(std::move(f));
  }
  j["failures"] = std::move(failures);
  return j.dump();
}

void write_json(const std::filesystem::path& file, const std::vector<std::string>& reports_json) {
  nlohmann::ordered_json doc;
  doc["schema"] = "weft-report/1";
  nlohmann::ordered_json reports = nlohmann::ordered_json::array();
  for (const std::string& one : reports_json) reports.push_back(nlohmann::ordered_json::parse(one));
  doc["reports"] = std::move(reports);
  const std::string text = doc.dump(2) + "\n";
  std::filesystem::path temporary = file;
  temporary += ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
      std::error_code ignored;
      std::filesystem::remove(temporary, ignored);
      throw std::runtime_error("cannot write the JSON report " + file.string());
    }
  }
  std::error_code ec;
  std::filesystem::rename(temporary, file, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    throw std::runtime_error("cannot write the JSON report " + file.string() + ": " + ec.message());
  }
}

namespace {
std::mutex appended_mutex;
// Per file (absolute), every report written to it so far; guarded by appended_mutex.
std::map<std::string, std::vector<std::string>>& appended() {
  static std::map<std::string, std::vector<std::string>> reports;
  return reports;
}
}  // namespace

void append_json(const std::filesystem::path& file, const report& r,
                 std::string_view replay_command) {
  std::error_code ec;
  const std::filesystem::path absolute = std::filesystem::absolute(file, ec);
  const std::lock_guard lock(appended_mutex);
  std::vector<std::string>& reports = appended()[(ec ? file : absolute).string()];
  reports.push_back(to_json(r, replay_command));
  write_json(file, reports);
}

}  // namespace weft::sim
