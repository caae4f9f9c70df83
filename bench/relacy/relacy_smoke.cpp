// Smoke test of the Relacy half of the weft-vs-Relacy benchmark: runs each
// scenario for 20000 iterations, prints executions per second, and checks that
// the correct scenarios pass and the racy one fails. Exit status 0 when they do.
#include "relacy_scenarios.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>

namespace rp = weft::bench::relacy_peer;

namespace {

bool check(const char* name, bool expect_failure, const std::function<rp::run_result()>& scenario) {
  const auto start = std::chrono::steady_clock::now();
  const rp::run_result result = scenario();
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  const double seconds = elapsed.count();
  const double rate = seconds > 0 ? static_cast<double>(result.executions) / seconds : 0.0;
  const bool ok = result.failed == expect_failure;
  std::printf("%-44s executions=%-8llu %9.3f ms %12.0f exec/s  %s  [%s]\n", name,
              static_cast<unsigned long long>(result.executions), seconds * 1e3, rate,
              result.failed ? "failed" : "passed", ok ? "ok" : "UNEXPECTED");
  return ok;
}

}  // namespace

int main() {
  constexpr std::uint64_t iterations = 20000;
  bool ok = true;
  ok &= check("mutex_counter 2 threads x 3 increments", false,
              [] { return rp::mutex_counter(2, 3, iterations); });
  ok &= check("mutex_counter 3 threads x 3 increments", false,
              [] { return rp::mutex_counter(3, 3, iterations); });
  ok &= check("bounded_buffer 2 producers x 2 msgs, cap 2", false,
              [] { return rp::bounded_buffer(2, 2, 2, iterations); });
  ok &= check("racy_counter (must fail)", true, [] { return rp::racy_counter(iterations); });
  std::printf("%s\n", ok ? "relacy smoke: OK" : "relacy smoke: FAILED");
  return ok ? 0 : 1;
}
