// Medians and quantiles of a run's figures.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace mailbox_bench {

inline double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// The element at fraction p (0..1) of the sorted values (the nearest rank); reorders v.
template <class T>
T quantile(std::vector<T>& v, double p) {
  if (v.empty()) return T{};
  const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

// The cycle count at fraction p of the sorted values, in ns; reorders cycles.
inline double percentile_ns(std::vector<std::uint32_t>& cycles, double p, double tsc_per_ns) {
  return static_cast<double>(quantile(cycles, p)) / tsc_per_ns;
}

}  // namespace mailbox_bench
