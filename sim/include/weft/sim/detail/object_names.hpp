// weft/sim/detail/object_names.hpp — the names the program gave objects in one execution.
//
// Objects get their ids (o1, o2, ...) on first use in each execution; an object the program
// named (`atomic<int> ready{0, "ready"}`, `name(m, "lock")`) is entered here when it gets its
// id, so reports and traces can say "ready" instead of "o3". Names are not copied: they are
// string literals or storage that outlives the run, as thread names are.
//
// Thread-safety: belongs to one runtime, used on the OS thread that runs it.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace weft::sim::detail {

class object_names {
 public:
  void clear() noexcept {
    if (!names_.empty()) names_.clear();
  }
  // Names object `id` (a later name replaces an earlier one); a null or empty name is ignored.
  void note(std::uint32_t id, const char* name) {
    if (name == nullptr || name[0] == '\0') return;
    for (auto& entry : names_) {
      if (entry.first == id) {
        entry.second = name;
        return;
      }
    }
    names_.emplace_back(id, name);
  }
  // The name of object `id`, or nullptr.
  const char* find(std::uint32_t id) const noexcept {
    for (const auto& entry : names_) {
      if (entry.first == id) return entry.second;
    }
    return nullptr;
  }
  // The name of object `id`, or "o<id>" when it has none.
  std::string label(std::uint32_t id) const {
    if (const char* name = find(id)) return name;
    return "o" + std::to_string(id);
  }
  const std::vector<std::pair<std::uint32_t, const char*>>& entries() const noexcept {
    return names_;
  }

 private:
  std::vector<std::pair<std::uint32_t, const char*>> names_;
};

}  // namespace weft::sim::detail
