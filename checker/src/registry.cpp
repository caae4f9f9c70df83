#include <weft/checker/registry.hpp>

#include <weft/checker/catalogue.hpp>

#include <algorithm>
#include <mutex>
#include <stdexcept>

namespace weft::checker {
namespace {

std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}

// A deque: registering never moves the scenarios already handed out by address.
std::deque<scenario>& registry() {
  static std::deque<scenario> scenarios;
  return scenarios;
}

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

}  // namespace

bool register_scenario(scenario s) {
  if (s.name.empty() || !std::all_of(s.name.begin(), s.name.end(), name_char)) {
    throw std::invalid_argument("weft: scenario name \"" + s.name +
                                "\" must be one word of letters, digits, '-', '_' and '.'");
  }
  if (!s.body) throw std::invalid_argument("weft: scenario \"" + s.name + "\" has no body");
  const std::lock_guard lock(registry_mutex());
  for (const scenario& r : registry()) {
    if (r.name == s.name) {
      throw std::invalid_argument("weft: scenario \"" + s.name + "\" is registered twice");
    }
  }
  registry().push_back(std::move(s));
  return true;
}

void register_catalogue() {
  for (const scenario& s : catalogue()) {
    if (find_registered(s.name) == nullptr) register_scenario(s);
  }
}

const std::deque<scenario>& registered_scenarios() {
  const std::lock_guard lock(registry_mutex());
  return registry();
}

const scenario* find_registered(std::string_view name) {
  const std::lock_guard lock(registry_mutex());
  for (const scenario& s : registry()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

}  // namespace weft::checker
