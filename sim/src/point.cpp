#include <weft/sim/point.hpp>

#include <array>

namespace weft::sim {
namespace {

constexpr std::array<std::string_view, point_kind_count> point_names = {
    "spawn",         "join",          "finish",       "yield",         "block",
    "atomic.load",   "atomic.store",  "atomic.rmw",   "atomic.cas",    "atomic.cas-weak",
    "fence",         "mutex.lock",    "mutex.try-lock", "mutex.unlock", "cv.wait",
    "cv.wait-timed", "cv.notify-one", "cv.notify-all", "park",         "unpark",
    "sleep",         "now",           "random",        "var.read",      "var.write",
};
static_assert(static_cast<std::size_t>(point_kind::var_write) + 1 == point_kind_count);

constexpr std::array<std::string_view, 6> order_names = {"relaxed", "consume", "acquire",
                                                          "release", "acq_rel", "seq_cst"};

constexpr std::array<std::string_view, 9> failure_names = {
    "none", "assertion", "exception", "data-race", "leak", "deadlock", "livelock",
    "nondeterminism", "internal-error"};
static_assert(static_cast<std::size_t>(failure_kind::internal) + 1 == failure_names.size());

}  // namespace

std::string_view to_string(point_kind kind) noexcept {
  return point_names[static_cast<std::size_t>(kind)];
}

bool parse_point_kind(std::string_view name, point_kind& out) noexcept {
  for (std::size_t i = 0; i < point_names.size(); ++i) {
    if (point_names[i] == name) {
      out = static_cast<point_kind>(i);
      return true;
    }
  }
  return false;
}

std::string_view order_name(std::uint8_t order) noexcept {
  if (order < order_names.size()) return order_names[order];
  return "-";
}

bool parse_order(std::string_view name, std::uint8_t& out) noexcept {
  if (name == "-") {
    out = order_none;
    return true;
  }
  for (std::size_t i = 0; i < order_names.size(); ++i) {
    if (order_names[i] == name) {
      out = static_cast<std::uint8_t>(i);
      return true;
    }
  }
  return false;
}

std::string_view to_string(failure_kind kind) noexcept {
  return failure_names[static_cast<std::size_t>(kind)];
}

bool parse_failure_kind(std::string_view name, failure_kind& out) noexcept {
  for (std::size_t i = 0; i < failure_names.size(); ++i) {
    if (failure_names[i] == name) {
      out = static_cast<failure_kind>(i);
      return true;
    }
  }
  return false;
}

int exit_code(failure_kind kind) noexcept {
  switch (kind) {
    case failure_kind::none: return 0;
    case failure_kind::assertion:
    case failure_kind::exception:
    case failure_kind::data_race:
    case failure_kind::leak: return 1;
    case failure_kind::deadlock:
    case failure_kind::livelock: return 2;
    case failure_kind::nondeterminism:
    case failure_kind::internal: return 3;
  }
  return 1;
}

}  // namespace weft::sim
