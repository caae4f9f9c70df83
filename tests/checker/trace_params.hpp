// For tests that hand the simulator a trace with an edited parameter.
#pragma once

#include <weft/traces/trace.hpp>

#include <string>

namespace weft::testing {

// `t` with its parameter `key` set to `value`, added at the end when `t` has none.
inline traces::trace with_trace_param(traces::trace t, const std::string& key,
                                      const std::string& value) {
  for (auto& [k, v] : t.params) {
    if (k == key) {
      v = value;
      return t;
    }
  }
  t.params.emplace_back(key, value);
  return t;
}

}  // namespace weft::testing
