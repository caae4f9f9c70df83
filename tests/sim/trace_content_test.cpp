// What a recorded trace says about an execution: the values atomics read and wrote, a CAS's
// outcome, the plain-data accesses (notes) that make up a data race, and the names the program
// gave its objects, in the report, the trace and `weft show`. Replay follows the steps only.
#include <weft/core/os_platform.hpp>
#include <weft/sim/explore.hpp>
#include <weft/sim/platform.hpp>
#include <weft/traces/swimlane.hpp>
#include <weft/traces/trace.hpp>
#include <weft/traces/trace_io.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace {

namespace sim = weft::sim;
namespace wt = weft::traces;

sim::options opts(std::uint64_t iterations = 200) {
  sim::options o;
  o.iterations = iterations;
  o.seed = 0x5eed;
  o.write_trace = false;
  return o;
}

// The failing execution of `body` as a trace (the body must fail in every execution).
template <class F>
wt::trace failing_trace(F&& body, std::uint64_t iterations = 200) {
  const sim::options o = opts(iterations);
  const sim::report r = sim::explore(o, std::forward<F>(body));
  EXPECT_FALSE(r.ok());
  return sim::to_trace(r, o.runtime);
}

std::vector<wt::step> steps_of_kind(const wt::trace& t, const std::string& kind) {
  std::vector<wt::step> out;
  for (const wt::step& s : t.steps) {
    if (s.kind == kind) out.push_back(s);
  }
  return out;
}

TEST(TraceContent, ADataRaceShowsBothAccessesWithTheirLocations) {
  std::uint32_t child_line = 0;
  std::uint32_t parent_line = 0;
  const wt::trace t = failing_trace([&] {
    sim::var<int> balance{100};
    sim::thread child("child", [&] {
      child_line = __LINE__ + 1;
      balance.store(90);
    });
    parent_line = __LINE__ + 1;
    balance.store(80);
    child.join();
  });
  ASSERT_TRUE(t.failure);
  EXPECT_EQ(t.failure->kind, "data-race");
  std::optional<wt::step> child_write;
  std::optional<wt::step> parent_write;
  for (const wt::step& n : t.notes) {
    EXPECT_EQ(n.kind, "var.write");
    if (n.thread == 1) child_write = n;
    if (n.thread == 0) parent_write = n;
    EXPECT_LE(n.index, t.steps.size());
  }
  ASSERT_TRUE(child_write) << wt::to_text(t);
  ASSERT_TRUE(parent_write) << wt::to_text(t);
  EXPECT_EQ(child_write->where.line, child_line);
  EXPECT_EQ(parent_write->where.line, parent_line);
  EXPECT_EQ(child_write->object, parent_write->object);
  EXPECT_NE(child_write->object, 0u);
  EXPECT_EQ(child_write->written, std::optional<std::uint64_t>(90));
  EXPECT_EQ(parent_write->written, std::optional<std::uint64_t>(80));
  // The access that raced is the failing thread's last entry, so `show` marks it.
  const wt::step& racing = t.failure->thread == 1 ? *child_write : *parent_write;
  const std::string view = wt::render_swimlane(t);
  const std::size_t mark = view.find("<-- FAIL: data-race");
  ASSERT_NE(mark, std::string::npos) << view;
  const std::size_t line_start = view.rfind('\n', mark) + 1;
  const std::string marked = view.substr(line_start, mark - line_start);
  EXPECT_NE(marked.find("var.write o" + std::to_string(racing.object) + " w=" +
                        std::to_string(*racing.written)),
            std::string::npos)
      << view;
  EXPECT_EQ(marked.rfind("     -", 0), 0u) << "a note has no step index\n" << view;
}

TEST(TraceContent, ACasRecordsWhetherItSucceeded) {
  const wt::trace t = failing_trace(
      [] {
        sim::atomic<int> a{0};
        int expected = 0;
        const bool first = a.compare_exchange_strong(expected, 1);
        expected = 0;
        const bool second = a.compare_exchange_strong(expected, 2);
        sim::check(!(first && !second), "stop here to get a trace");
      },
      1);
  const std::vector<wt::step> cas = steps_of_kind(t, "atomic.cas");
  ASSERT_EQ(cas.size(), 2u) << wt::to_text(t);
  EXPECT_EQ(cas[0].succeeded, std::optional<bool>(true));
  EXPECT_EQ(cas[0].read, std::optional<std::uint64_t>(0));
  EXPECT_EQ(cas[0].written, std::optional<std::uint64_t>(1));
  EXPECT_EQ(cas[1].succeeded, std::optional<bool>(false));
  EXPECT_EQ(cas[1].read, std::optional<std::uint64_t>(1));
  EXPECT_FALSE(cas[1].written);
  const std::string text = wt::to_text(t);
  EXPECT_EQ(text.rfind("weft-trace 2\n", 0), 0u) << text;
  EXPECT_NE(text.find(" r=0 w=1 ok=1\n"), std::string::npos) << text;
  EXPECT_NE(text.find(" r=1 ok=0\n"), std::string::npos) << text;
  const std::string view = wt::render_swimlane(t);
  EXPECT_NE(view.find("atomic.cas o1 seq_cst r=0 w=1 ok"), std::string::npos) << view;
  EXPECT_NE(view.find("atomic.cas o1 seq_cst r=1 failed"), std::string::npos) << view;
}

enum class colour : std::int8_t { red = 3, blue = -2 };
struct wide {
  std::uint64_t a;
  std::uint64_t b;
};

TEST(TraceContent, LoadsStoresAndReadModifyWritesRecordTheirValues) {
  static int cell = 0;
  const wt::trace t = failing_trace(
      [] {
        sim::atomic<int> n{0};
        n.store(7);
        static_cast<void>(n.load());
        static_cast<void>(n.fetch_add(3));
        static_cast<void>(n.exchange(-1));
        sim::atomic<colour> c{colour::red};
        static_cast<void>(c.exchange(colour::blue));
        sim::atomic<int*> p{nullptr};
        p.store(&cell);
        sim::atomic<wide> big{wide{1, 2}};
        static_cast<void>(big.load());
        sim::var<std::string> text{"hello"};
        static_cast<void>(text.load());
        sim::check(false, "stop here to get a trace");
      },
      1);
  const std::vector<wt::step> stores = steps_of_kind(t, "atomic.store");
  const std::vector<wt::step> loads = steps_of_kind(t, "atomic.load");
  const std::vector<wt::step> rmws = steps_of_kind(t, "atomic.rmw");
  ASSERT_EQ(stores.size(), 2u) << wt::to_text(t);
  ASSERT_EQ(loads.size(), 2u) << wt::to_text(t);
  ASSERT_EQ(rmws.size(), 3u) << wt::to_text(t);
  EXPECT_EQ(stores[0].written, std::optional<std::uint64_t>(7));
  EXPECT_FALSE(stores[0].read);
  EXPECT_EQ(loads[0].read, std::optional<std::uint64_t>(7));
  EXPECT_FALSE(loads[0].written);
  EXPECT_EQ(rmws[0].read, std::optional<std::uint64_t>(7));
  EXPECT_EQ(rmws[0].written, std::optional<std::uint64_t>(10));
  EXPECT_EQ(rmws[1].read, std::optional<std::uint64_t>(10));
  EXPECT_EQ(rmws[1].written, std::optional<std::uint64_t>(UINT64_MAX));  // -1, sign-extended
  EXPECT_EQ(rmws[2].read, std::optional<std::uint64_t>(3));
  EXPECT_EQ(rmws[2].written, std::optional<std::uint64_t>(static_cast<std::uint64_t>(-2)));
  EXPECT_EQ(stores[1].written,
            std::optional<std::uint64_t>(reinterpret_cast<std::uintptr_t>(&cell)));
  EXPECT_FALSE(loads[1].read) << "a 16-byte value has no 64-bit form";
  ASSERT_EQ(t.notes.size(), 1u);
  EXPECT_EQ(t.notes[0].kind, "var.read");
  EXPECT_FALSE(t.notes[0].read) << "a std::string has no 64-bit form";
  const std::string view = wt::render_swimlane(t);
  EXPECT_NE(view.find("atomic.rmw o1 seq_cst r=10 w=-1"), std::string::npos) << view;
  // What is written reads back unchanged.
  EXPECT_EQ(wt::parse(wt::to_text(t)), t);
}

TEST(TraceContent, NamedObjectsAreNamedInTheReportTheTraceAndShow) {
  const sim::options o = opts();
  const sim::report r = sim::explore(o, [] {
    sim::atomic<int> ready{0, "ready"};
    sim::var<int> payload{0, "payload"};
    sim::thread writer("writer", [&] {
      payload.store(42);
      ready.store(1, std::memory_order_relaxed);
    });
    if (ready.load(std::memory_order_relaxed) == 1) static_cast<void>(payload.load());
    writer.join();
    static_cast<void>(payload.load());
  });
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.text().find("data race on var payload: "), std::string::npos) << r.text();
  const wt::trace t = sim::to_trace(r, o.runtime);
  ASSERT_EQ(t.objects.size(), 2u) << wt::to_text(t);
  EXPECT_EQ(*t.object_name(t.objects[0].id), "ready");
  EXPECT_EQ(*t.object_name(t.objects[1].id), "payload");
  const std::string text = wt::to_text(t);
  EXPECT_NE(text.find("\nobject " + std::to_string(t.objects[0].id) + " ready\n"), std::string::npos)
      << text;
  const std::string view = wt::render_swimlane(t);
  EXPECT_NE(view.find("atomic.store ready relaxed w=1"), std::string::npos) << view;
  EXPECT_NE(view.find("var.write payload w=42"), std::string::npos) << view;
}

// Platform-generic code names objects with P::name, on every platform.
template <class P>
void name_everything() {
  typename P::template atomic<int> a{0};
  typename P::atomic_flag f;
  typename P::template var<int> v{1, "v"};
  typename P::mutex m;
  typename P::condition_variable cv;
  typename P::parker pk;
  P::name(a, "a");
  P::name(f, "f");
  P::name(v, "v");
  P::name(m, "m");
  P::name(cv, "cv");
  P::name(pk, "pk");
  a.store(v.load());
}

TEST(TraceContent, ADeadlockNamesTheMutexesGivenNames) {
  const sim::options o = opts(2000);
  const sim::report r = sim::explore(o, [] {
    name_everything<sim::platform>();
    sim::mutex first;
    sim::mutex second;
    sim::platform::name(first, "first");
    sim::name(second, "second");
    sim::thread other("other", [&] {
      std::lock_guard<sim::mutex> b(second);
      std::lock_guard<sim::mutex> a(first);
    });
    {
      std::lock_guard<sim::mutex> a(first);
      std::lock_guard<sim::mutex> b(second);
    }
    other.join();
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failed.kind, sim::failure_kind::deadlock) << r.text();
  EXPECT_NE(r.failed.message.find("waits for mutex first held by"), std::string::npos) << r.text();
  EXPECT_NE(r.failed.message.find("waits for mutex second held by"), std::string::npos) << r.text();
  // On real threads naming is a no-op that compiles.
  name_everything<weft::os>();
}

TEST(TraceContent, ReplayFollowsTheStepsAndIgnoresTheNotes) {
  const sim::options o = opts();
  const auto body = [] {
    sim::atomic<int> flag{0, "flag"};
    sim::var<int> data{0};
    sim::thread writer([&] {
      data.store(1);
      flag.store(1, std::memory_order_relaxed);
    });
    if (flag.load(std::memory_order_relaxed) == 1) static_cast<void>(data.load());
    writer.join();
    static_cast<void>(data.load());
  };
  const sim::report r = sim::explore(o, body);
  ASSERT_FALSE(r.ok());
  const wt::trace t = wt::parse(wt::to_text(sim::to_trace(r, o.runtime)));
  ASSERT_FALSE(t.notes.empty());
  EXPECT_TRUE(sim::replay_trace(t, body).reproduced_from_trace);

  // Notes are no decisions: without them the trace still replays.
  wt::trace no_notes = t;
  no_notes.notes.clear();
  EXPECT_TRUE(sim::replay_trace(no_notes, body).reproduced_from_trace);

  // A changed step is still found.
  wt::trace changed = t;
  for (wt::step& s : changed.steps) {
    if (s.kind == "atomic.store") {
      s.kind = "atomic.load";
      break;
    }
  }
  const sim::report diverged = sim::replay_trace(changed, body);
  EXPECT_FALSE(diverged.reproduced_from_trace);
  EXPECT_EQ(diverged.failed.kind, sim::failure_kind::nondeterminism) << diverged.text();
  EXPECT_NE(diverged.failed.message.find("nondeterminism at step "), std::string::npos)
      << diverged.text();
}

}  // namespace
