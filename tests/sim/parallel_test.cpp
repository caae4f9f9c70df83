// Every core and every machine: options::jobs runs the executions on several OS threads,
// options::shard_index / shard_count splits them between runs. A parallel run reports what
// the serial run reports (the same first failure, its index, seed and trace, and the same
// count), and the shards of a run together are the serial run: no gap, no overlap.
#include <weft/sim/explore.hpp>
#include <weft/sim/platform.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace {

namespace sim = weft::sim;

sim::options opts(const std::string& strategy, std::uint64_t iterations, const std::string& dir) {
  sim::options o;
  o.strategy.name = strategy;
  o.iterations = iterations;
  o.seed = 0x70b5;
  o.scenario = "parallel";
  o.trace_dir = std::filesystem::path(::testing::TempDir()) / "weft-parallel-test" / dir;
  return o;
}

// Fails rarely (one execution in about 1,500 under every strategy: a drawn value, behind two
// threads that race for a counter), so that the first failure lies past the first few blocks
// of 256 executions and other workers run blocks above and below it.
void rare_bug() {
  sim::atomic<int> counter{0, "counter"};
  sim::thread a("a", [&] { counter.fetch_add(1); });
  sim::thread b("b", [&] { counter.fetch_add(1); });
  a.join();
  b.join();
  const std::uint64_t drawn = sim::random(1500);
  sim::check(drawn != 1234, "drew the one value in 1,500 that fails");
}

void clean_body() {
  sim::atomic<int> counter{0, "counter"};
  sim::thread a("a", [&] { counter.fetch_add(1); });
  counter.fetch_add(1);
  a.join();
  sim::check(counter.load() == 2, "both increments");
}

class SimParallel : public ::testing::TestWithParam<const char*> {};

TEST_P(SimParallel, JobsReportTheSerialRunsFirstFailure) {
  const sim::report serial = sim::explore(opts(GetParam(), 100'000, "serial"), rare_bug);
  ASSERT_FALSE(serial.ok()) << serial.text();
  ASSERT_GT(serial.failing_execution, 256u) << "the bug should lie past the first block";
  for (const std::uint32_t jobs : {2u, 3u, 4u}) {
    sim::options o = opts(GetParam(), 100'000, "jobs" + std::to_string(jobs));
    o.jobs = jobs;
    const sim::report r = sim::explore(o, rare_bug);
    SCOPED_TRACE("jobs " + std::to_string(jobs));
    EXPECT_EQ(r.failed.kind, serial.failed.kind) << r.text();
    EXPECT_EQ(r.failed.message, serial.failed.message);
    EXPECT_EQ(r.failing_execution, serial.failing_execution);
    EXPECT_EQ(r.failing_execution_seed, serial.failing_execution_seed);
    EXPECT_EQ(r.executions, serial.executions);
    EXPECT_EQ(r.params, serial.params);
    ASSERT_EQ(r.steps.size(), serial.steps.size());
    for (std::size_t i = 0; i < r.steps.size(); ++i) {
      EXPECT_EQ(r.steps[i].thread, serial.steps[i].thread) << "step " << i;
      EXPECT_EQ(r.steps[i].kind, serial.steps[i].kind) << "step " << i;
      EXPECT_EQ(r.steps[i].value, serial.steps[i].value) << "step " << i;
    }
    EXPECT_TRUE(r.reproduced_from_seed);
    EXPECT_TRUE(r.reproduced_from_trace) << r.text();
  }
}

TEST_P(SimParallel, JobsRunEveryExecutionOfAPass) {
  sim::options o = opts(GetParam(), 3'000, "pass");
  o.jobs = 3;
  const sim::report r = sim::explore(o, clean_body);
  EXPECT_TRUE(r.ok()) << r.text();
  EXPECT_EQ(r.executions, 3'000u);
}

// N shards: each runs its blocks; the lowest failing index among them is the serial run's, and
// a passing run's shards add up to every execution once.
TEST_P(SimParallel, ShardsTogetherAreTheSerialRun) {
  const sim::report serial = sim::explore(opts(GetParam(), 100'000, "serial"), rare_bug);
  ASSERT_FALSE(serial.ok()) << serial.text();
  for (const std::uint32_t count : {2u, 3u, 7u}) {
    std::uint64_t lowest = UINT64_MAX;
    std::uint64_t covered = 0;
    for (std::uint32_t index = 0; index < count; ++index) {
      sim::options o = opts(GetParam(), 100'000, "shard");
      o.shard_index = index;
      o.shard_count = count;
      o.jobs = index % 2 + 1;  // sharding and jobs compose
      const sim::report r = sim::explore(o, rare_bug);
      EXPECT_EQ(r.shard_index, index);
      EXPECT_EQ(r.shard_count, count);
      covered += r.iterations;
      if (r.ok()) continue;
      EXPECT_EQ(r.failed.kind, serial.failed.kind) << r.text();
      // Its failure lies in its own blocks.
      EXPECT_EQ((r.failing_execution / 256) % count, index) << r.text();
      lowest = std::min(lowest, r.failing_execution);
      if (r.failing_execution == serial.failing_execution) {
        EXPECT_EQ(r.failed.message, serial.failed.message);
        EXPECT_EQ(r.failing_execution_seed, serial.failing_execution_seed);
      }
    }
    EXPECT_EQ(lowest, serial.failing_execution) << count << " shards";
    EXPECT_EQ(covered, 100'000u) << count << " shards cover every execution once";
  }
  // A pass: the shards' executions add up to the serial run's.
  std::uint64_t executed = 0;
  for (std::uint32_t index = 0; index < 3; ++index) {
    sim::options o = opts(GetParam(), 1'000, "shard-pass");
    o.shard_index = index;
    o.shard_count = 3;
    const sim::report r = sim::explore(o, clean_body);
    EXPECT_TRUE(r.ok()) << r.text();
    EXPECT_EQ(r.executions, r.iterations);
    executed += r.executions;
  }
  EXPECT_EQ(executed, 1'000u);
}

INSTANTIATE_TEST_SUITE_P(Seeded, SimParallel, ::testing::Values("random", "pct", "pos", "surw"),
                         [](const auto& param) { return std::string(param.param); });

TEST(SimParallelInput, RefusesWhatItCannotDo) {
  sim::options o = opts("random", 10, "bad");
  o.jobs = 0;
  EXPECT_THROW(sim::explore(o, clean_body), std::invalid_argument);
  o.jobs = 1;
  o.shard_count = 0;
  EXPECT_THROW(sim::explore(o, clean_body), std::invalid_argument);
  o.shard_count = 3;
  o.shard_index = 3;
  EXPECT_THROW(sim::explore(o, clean_body), std::invalid_argument);
  o.shard_index = 1;
  o.strategy.name = "dpor";
  try {
    sim::explore(o, clean_body);
    ADD_FAILURE() << "a search was sharded";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("cannot be split in shards"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(sim::parse_shard("3", "--shard"), std::invalid_argument);
  EXPECT_THROW(sim::parse_shard("3/3", "--shard"), std::invalid_argument);
  EXPECT_THROW(sim::parse_shard("0/0", "--shard"), std::invalid_argument);
  EXPECT_THROW(sim::parse_shard("a/2", "--shard"), std::invalid_argument);
  EXPECT_EQ(sim::parse_shard("2/5", "--shard").index, 2u);
  EXPECT_EQ(sim::parse_shard("2/5", "--shard").count, 5u);
}

// A search given jobs runs on one thread and reports exactly what it reports alone.
TEST(SimParallelInput, ASearchWithJobsIsTheSerialSearch) {
  sim::options one = opts("dpor", 100'000, "dpor");
  sim::options two = one;
  two.jobs = 2;
  const sim::report a = sim::explore(one, clean_body);
  const sim::report b = sim::explore(two, clean_body);
  EXPECT_TRUE(a.search.complete);
  EXPECT_EQ(a.executions, b.executions);
  EXPECT_EQ(a.search.complete, b.search.complete);
}

}  // namespace

namespace {

// Two kinds of failure at two places, each in about one execution in 40.
void two_bugs() {
  const std::uint64_t drawn = sim::random(80);
  sim::check(drawn != 3, "the first bug");
  sim::check(drawn != 7, "the second bug");
}

// keep_going: every execution runs, the failures come in one group per kind and place, each
// with its trace; jobs report the same groups, counts and first executions.
TEST(SimKeepGoing, GroupsEveryFailureByKindAndPlaceEachWithItsTrace) {
  sim::options o = opts("random", 4'000, "keep-going");
  o.keep_going = true;
  const sim::report r = sim::explore(o, two_bugs);
  ASSERT_FALSE(r.ok()) << r.text();
  EXPECT_EQ(r.executions, 4'000u) << "it went on after the first failure";
  ASSERT_EQ(r.groups.size(), 2u) << r.text();
  EXPECT_EQ(r.groups[0].first_execution, r.failing_execution);
  EXPECT_LT(r.groups[0].first_execution, r.groups[1].first_execution);
  EXPECT_NE(r.groups[0].failed.line, r.groups[1].failed.line);
  EXPECT_EQ(r.groups[0].count + r.groups[1].count, r.failures);
  // One in 40 each: about 100 of each in 4,000 (a count below 40 has odds far below 1e-9).
  EXPECT_GT(r.groups[0].count, 40u);
  EXPECT_GT(r.groups[1].count, 40u);
  for (const sim::failure_group& g : r.groups) {
    EXPECT_FALSE(g.trace_path.empty()) << g.trace_error;
    EXPECT_TRUE(g.reproduced_from_seed);
    EXPECT_TRUE(g.reproduced_from_trace);
    const sim::report again = sim::replay_file(g.trace_path, two_bugs);
    EXPECT_EQ(again.failed.message, g.failed.message);
  }
  EXPECT_NE(r.text().find("failed, in 2 groups"), std::string::npos) << r.text();

  sim::options parallel = o;
  parallel.jobs = 3;
  parallel.trace_dir = o.trace_dir / "jobs";
  const sim::report p = sim::explore(parallel, two_bugs);
  EXPECT_EQ(p.executions, r.executions);
  EXPECT_EQ(p.failures, r.failures);
  ASSERT_EQ(p.groups.size(), r.groups.size());
  for (std::size_t g = 0; g < r.groups.size(); ++g) {
    EXPECT_EQ(p.groups[g].first_execution, r.groups[g].first_execution);
    EXPECT_EQ(p.groups[g].count, r.groups[g].count);
    EXPECT_EQ(p.groups[g].failed.message, r.groups[g].failed.message);
  }
  EXPECT_EQ(p.failing_execution, r.failing_execution);
}

// A search goes on too: dpor visits every execution, and every failing one is counted.
TEST(SimKeepGoing, ASearchGoesOnToTheEnd) {
  const auto body = [] {
    sim::atomic<int> x{0, "x"};
    sim::thread a([&] { x.store(1); });
    sim::thread b([&] { x.store(2); });
    a.join();
    b.join();
    sim::check(x.load() != 2, "b stored last");
  };
  sim::options o = opts("dpor", 1'000, "keep-going-dpor");
  o.keep_going = true;
  const sim::report r = sim::explore(o, body);
  ASSERT_FALSE(r.ok()) << r.text();
  EXPECT_EQ(r.executions, 2u) << r.text();
  EXPECT_EQ(r.failures, 1u) << r.text();
  EXPECT_TRUE(r.search.complete) << r.text();
}

}  // namespace
