// weft/relacy/runner.hpp — runs a weft scenario under Relacy.
//
// A scenario is a plain struct, constructed afresh by Relacy for every iteration:
//
//   struct my_scenario {
//     static constexpr int thread_count = 2;          // Relacy's static threads
//     static constexpr int dynamic_thread_count = 0;  // optional: platform::threads it spawns
//     weft::relacy::platform::atomic<int> flag{0};     // platform objects as members
//     void before() {}                                 // optional: runs first, single-threaded
//     void thread(unsigned index) { ... }              // each of the thread_count threads
//     void after() {}                                  // optional: runs last, single-threaded
//     void invariant() {}                              // optional: Relacy checks it between steps
//   };
//
//   weft::relacy::check<my_scenario>(weft::relacy::random_params(20000));   // true: passed
//   weft::relacy::run_context_bound<my_scenario>(2);
//   weft::relacy::outcome o = weft::relacy::run<my_scenario>(params);     // result, iterations, time
//
// Relacy's own output (its failure report and the execution history) is captured in a bounded
// buffer, never printed on the fly; run() prints it when the run failed and the environment
// variable WEFT_RELACY_VERBOSE is set (and not "0"), and last_report() returns it.
//
// Thread-safety: Relacy keeps its context in a process-wide global and replaces the global
// operator new/delete while it runs: one run at a time per process, and no other thread of the
// process may allocate meanwhile.
#pragma once

#include <weft/relacy/platform.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <ostream>
#include <streambuf>
#include <string>

namespace weft::relacy {

namespace detail {

template <class S>
constexpr unsigned dynamic_threads_of() {
  if constexpr (requires { S::dynamic_thread_count; }) {
    static_assert(S::dynamic_thread_count >= 0, "dynamic_thread_count must not be negative");
    return static_cast<unsigned>(S::dynamic_thread_count);
  } else {
    return 0;
  }
}

// Resets the platform's per-iteration state before the scenario's members are constructed.
struct iteration_start {
  explicit iteration_start(unsigned dynamic_thread_count) noexcept {
    begin_iteration(dynamic_thread_count);
  }
};

// Relacy's output goes here: a fixed buffer, so capturing allocates nothing (an
// std::ostringstream would allocate from Relacy's heap and be freed outside it: a double free).
class capture_buffer : public std::streambuf {
 public:
  static constexpr std::size_t capacity = 64 * 1024;
  void clear() noexcept {
    size_ = 0;
    truncated_ = false;
    text_[0] = '\0';
  }
  const char* text() const noexcept { return text_; }
  bool truncated() const noexcept { return truncated_; }

 protected:
  int_type overflow(int_type ch) override {
    if (traits_type::eq_int_type(ch, traits_type::eof())) return traits_type::not_eof(ch);
    put(traits_type::to_char_type(ch));
    return ch;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    for (std::streamsize i = 0; i < n; ++i) put(s[i]);
    return n;
  }

 private:
  void put(char c) noexcept {
    if (size_ + 1 < capacity) {
      text_[size_++] = c;
      text_[size_] = '\0';
    } else {
      truncated_ = true;
    }
  }
  char text_[capacity] = {};
  std::size_t size_ = 0;
  bool truncated_ = false;
};

inline capture_buffer& capture() {
  static capture_buffer buffer;
  return buffer;
}
inline std::ostream& capture_stream() {
  static std::ostream stream(&capture());
  return stream;
}
// A null streambuf sets badbit: every insertion is a cheap no-op.
inline std::ostream& null_stream() {
  static std::ostream stream(nullptr);
  return stream;
}

inline bool verbose() noexcept {
  const char* v = std::getenv("WEFT_RELACY_VERBOSE");
  return v != nullptr && v[0] != '\0' && std::strcmp(v, "0") != 0;
}

}  // namespace detail

// The Relacy test suite that runs Scenario; usable with rl::simulate directly as well.
template <class Scenario>
struct suite : rl::test_suite<suite<Scenario>, Scenario::thread_count>, detail::iteration_start {
  static_assert(Scenario::thread_count >= 1, "a scenario needs at least one thread");
  static const rl::thread_id_t dynamic_thread_count = detail::dynamic_threads_of<Scenario>();

  suite() : detail::iteration_start(detail::dynamic_threads_of<Scenario>()) {
    // Relacy allocates the suite with malloc (16-byte alignment): place the scenario by hand so
    // over-aligned members (alignas(64) in weft's queues) get their alignment.
    scenario_ = ::new (aligned_storage()) Scenario();
  }
  ~suite() { scenario_->~Scenario(); }
  suite(const suite&) = delete;
  suite& operator=(const suite&) = delete;

  void before() {
    if constexpr (requires(Scenario& s) { s.before(); }) scenario_->before();
  }
  void thread(unsigned index) { scenario_->thread(index); }
  void after() {
    if constexpr (requires(Scenario& s) { s.after(); }) scenario_->after();
  }
  void invariant() {
    if constexpr (requires(Scenario& s) { s.invariant(); }) scenario_->invariant();
  }

 private:
  void* aligned_storage() noexcept {
    auto p = reinterpret_cast<std::uintptr_t>(storage_);
    const std::uintptr_t a = alignof(Scenario);
    return reinterpret_cast<void*>((p + a - 1) / a * a);
  }
  alignas(16) unsigned char storage_[sizeof(Scenario) + alignof(Scenario)];
  Scenario* scenario_ = nullptr;
};

// What a run found.
struct outcome {
  bool passed = false;                                  // Relacy found nothing
  rl::test_result_e result = rl::test_result_success;   // what it found (see result_name)
  std::uint64_t iterations = 0;  // iterations run (up to and including the failing one)
  double seconds = 0;            // wall time of the run, the replay of a failure included
  const char* result_name() const noexcept { return rl::test_result_str(result); }
  double iterations_per_second() const noexcept {
    return seconds > 0 ? static_cast<double>(iterations) / seconds : 0.0;
  }
};

// Parameters for Relacy's random scheduler: `iterations` random interleavings (and random
// choices of the value each relaxed load reads, of spurious wake-ups and timeouts).
inline rl::test_params random_params(std::uint64_t iterations) {
  rl::test_params params;
  params.search_type = rl::random_scheduler_type;
  params.iteration_count = iterations != 0 ? iterations : 1;  // Relacy divides by it
  return params;
}

// Parameters for Relacy's context-bound scheduler: every execution with at most `bound`
// preemptions, exhaustively (Relacy names it rl::fair_context_bound_scheduler_type).
inline rl::test_params context_bound_params(unsigned bound) {
  rl::test_params params;
  params.search_type = rl::fair_context_bound_scheduler_type;
  params.context_bound = bound;
  return params;
}

// Relacy's report of the last run (test name, and on failure the failure, the iteration and the
// execution history). Valid until the next run.
inline const char* last_report() noexcept { return detail::capture().text(); }

// Prints last_report() to stdout.
inline void print_last_report() {
  std::fputs(last_report(), stdout);
  if (detail::capture().truncated()) std::fputs("[Relacy's report truncated]\n", stdout);
  std::fflush(stdout);
}

// Runs Scenario under Relacy with `params` (the output streams are replaced: Relacy's report is
// captured, see above). When the run fails and `print_failure` is true (by default: when
// WEFT_RELACY_VERBOSE is set), the report is printed to stdout.
template <class Scenario>
outcome run(rl::test_params params, bool print_failure = detail::verbose()) {
  detail::capture().clear();
  params.output_stream = &detail::capture_stream();
  params.progress_stream = &detail::null_stream();
  if (params.search_type == rl::random_scheduler_type && params.iteration_count == 0) {
    params.iteration_count = 1;
  }
  const auto start = std::chrono::steady_clock::now();
  const bool ok = rl::simulate<suite<Scenario>>(params);
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  outcome o;
  o.passed = ok;
  o.result = params.test_result;
  o.iterations = static_cast<std::uint64_t>(params.stop_iteration);
  o.seconds = elapsed.count();
  if (!ok && print_failure) print_last_report();
  return o;
}

// Whether Scenario passes under Relacy with `params`.
template <class Scenario>
bool check(rl::test_params params) {
  return run<Scenario>(params).passed;
}

template <class Scenario>
bool run_random(std::uint64_t iterations) {
  return check<Scenario>(random_params(iterations));
}

template <class Scenario>
bool run_context_bound(unsigned bound) {
  return check<Scenario>(context_bound_params(bound));
}

// The checks of one Relacy executable. expect_pass / expect_failure run a scenario and print a
// line each (name, scheduler, expectation, result, iterations, speed, time; Relacy's report too
// when the result is unexpected, or on any failure with WEFT_RELACY_VERBOSE); finish() prints
// "N passed, M failed" and returns the exit status.
class checklist {
 public:
  explicit checklist(int name_width = 48) : name_width_(name_width) {}

  template <class Scenario>
  void expect_pass(const char* name, const rl::test_params& params) {
    const outcome o = run<Scenario>(params, false);
    report(name, params, o, "pass", o.passed);
  }

  // Relacy must fail the scenario, with `kind` (any failure when kind is success).
  template <class Scenario>
  void expect_failure(const char* name, const rl::test_params& params, rl::test_result_e kind) {
    const outcome o = run<Scenario>(params, false);
    const bool ok = !o.passed && (kind == rl::test_result_success || o.result == kind);
    report(name, params, o,
           kind == rl::test_result_success ? "a failure" : rl::test_result_str(kind), ok);
  }

  int finish() const {
    std::printf("%d passed, %d failed\n", passed_, failed_);
    return failed_ == 0 ? 0 : 1;
  }

 private:
  void report(const char* name, const rl::test_params& params, const outcome& o,
              const char* expectation, bool ok) {
    const std::string how = params.search_type == rl::fair_context_bound_scheduler_type
                                ? "context-bound " + std::to_string(params.context_bound)
                                : "random " + std::to_string(params.iteration_count);
    std::printf("%-*s %-16s expect %-26s got %-26s %8llu it %9.0f it/s %6.2f s  %s\n",
                name_width_, name, how.c_str(), expectation, o.passed ? "pass" : o.result_name(),
                static_cast<unsigned long long>(o.iterations), o.iterations_per_second(),
                o.seconds, ok ? "ok" : "UNEXPECTED");
    std::fflush(stdout);
    if (!o.passed && (!ok || detail::verbose())) print_last_report();
    (ok ? passed_ : failed_) += 1;
  }

  int name_width_;
  int passed_ = 0;
  int failed_ = 0;
};

}  // namespace weft::relacy
