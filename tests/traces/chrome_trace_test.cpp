// render_chrome_trace(): the output parses as JSON and has the structure of the Chrome
// trace-event format (what Perfetto and chrome://tracing need), for ordinary and hostile traces.
#include <weft/traces/chrome_trace.hpp>
#include <weft/traces/trace.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <set>
#include <string>

namespace {

using weft::traces::trace;
using json = nlohmann::json;

trace deadlock_trace() {
  trace t;
  t.scenario = "abba";
  t.strategy = "random";
  t.params = {{"seed", "0x1"}, {"scenario", "a \"quoted\" value"}};
  t.threads = {{0, "main"}, {1, "<script>alert(1)</script>"}, {2, "b\x01\xff"}, {3, "idle"}};
  auto add = [&t](std::uint32_t thread, std::string kind, std::uint32_t object = 0) {
    weft::traces::step s;
    s.index = t.steps.size();
    s.thread = thread;
    s.kind = std::move(kind);
    s.object = object;
    s.where = {"x \"y\".cpp", static_cast<std::uint32_t>(10 + s.index)};
    t.steps.push_back(s);
  };
  add(0, "spawn");
  add(1, "mutex.lock", 1);
  add(2, "mutex.lock", 2);
  add(0, "block");
  add(1, "block", 2);
  add(2, "block", 1);
  weft::traces::failure_info f;
  f.kind = "deadlock";
  f.message = "every thread is blocked\n  t1 waits";
  f.thread = 2;
  t.failure = f;
  return t;
}

TEST(ChromeTrace, IsValidTraceEventJson) {
  const trace t = deadlock_trace();
  const json doc = json::parse(weft::traces::render_chrome_trace(t));
  ASSERT_TRUE(doc.is_object());
  ASSERT_TRUE(doc.contains("traceEvents"));
  const json& events = doc["traceEvents"];
  ASSERT_TRUE(events.is_array());
  EXPECT_EQ(doc["otherData"]["params"]["scenario"], "a \"quoted\" value");

  std::map<std::uint32_t, std::string> thread_names;
  std::size_t instants = 0;
  std::size_t slices = 0;
  std::map<std::uint32_t, double> last_ts;
  std::set<std::string> kinds;
  for (const json& e : events) {
    ASSERT_TRUE(e.is_object());
    for (const char* key : {"name", "ph", "pid", "tid", "ts"}) ASSERT_TRUE(e.contains(key)) << e;
    ASSERT_TRUE(e["name"].is_string());
    ASSERT_TRUE(e["pid"].is_number_integer());
    ASSERT_TRUE(e["tid"].is_number_integer());
    ASSERT_TRUE(e["ts"].is_number());
    EXPECT_GE(e["ts"].get<double>(), 0);
    const std::string ph = e["ph"];
    ASSERT_TRUE(ph == "M" || ph == "i" || ph == "X") << e;
    const auto tid = e["tid"].get<std::uint32_t>();
    if (ph == "M") {
      ASSERT_TRUE(e["args"].is_object());
      if (e["name"] == "thread_name") thread_names[tid] = e["args"]["name"];
      continue;
    }
    ASSERT_EQ(thread_names.count(tid), 1u) << "event before its track's thread_name: " << e;
    if (ph == "i") {
      ++instants;
      EXPECT_EQ(e["s"], "t");
      kinds.insert(e["name"].get<std::string>());
      // Instants of one track never go back in time.
      const double ts = e["ts"].get<double>();
      if (last_ts.count(tid) != 0) {
        EXPECT_GE(ts, last_ts[tid]);
      }
      last_ts[tid] = ts;
    } else {
      ++slices;
      ASSERT_TRUE(e["dur"].is_number());
      EXPECT_GT(e["dur"].get<double>(), 0);
      EXPECT_EQ(e["name"], "blocked");
    }
  }
  // Tracks for the threads that appear, not for the idle one.
  EXPECT_EQ(thread_names.size(), 3u);
  EXPECT_EQ(thread_names[1], "t1 <script>alert(1)</script>");
  EXPECT_EQ(thread_names[2], "t2 b\x01\xc3\xbf");  // \u00ff, decoded by the parser as UTF-8
  EXPECT_EQ(instants, t.steps.size() + 1);           // every step and the failure
  EXPECT_EQ(slices, 3u);                             // three threads blocked to the end
  EXPECT_TRUE(kinds.count("FAIL: deadlock"));
  EXPECT_TRUE(kinds.count("mutex.lock"));
}

TEST(ChromeTrace, BlockedSpanEndsAtTheThreadsNextStep) {
  trace t;
  t.scenario = "s";
  t.threads = {{0, "main"}, {1, "w"}};
  for (std::uint32_t th : {0u, 1u, 0u, 1u}) {
    weft::traces::step s;
    s.index = t.steps.size();
    s.thread = th;
    s.kind = s.index == 1 ? "block" : "yield";
    t.steps.push_back(s);
  }
  const json doc = json::parse(weft::traces::render_chrome_trace(t));
  std::size_t slices = 0;
  for (const json& e : doc["traceEvents"]) {
    if (e["ph"] != "X") continue;
    ++slices;
    EXPECT_EQ(e["tid"], 1);
    EXPECT_EQ(e["ts"], 1);
    EXPECT_EQ(e["dur"], 2);
  }
  EXPECT_EQ(slices, 1u);
}

TEST(ChromeTrace, ManyDeclaredThreadsGetTracksOnlyWhenTheyRun) {
  trace t;
  t.scenario = "many";
  for (std::uint32_t i = 0; i < 65536; ++i) t.threads.push_back({i, "worker-" + std::to_string(i)});
  for (std::uint32_t th : {3u, 65535u, 3u}) {
    weft::traces::step s;
    s.index = t.steps.size();
    s.thread = th;
    s.kind = s.index == 0 ? "block" : "yield";
    t.steps.push_back(s);
  }
  const std::string text = weft::traces::render_chrome_trace(t);
  EXPECT_LT(text.size(), 64u * 1024) << text.size();
  const json doc = json::parse(text);
  std::set<int> named;
  for (const json& e : doc["traceEvents"]) {
    if (e["name"] == "thread_name") named.insert(e["tid"].get<int>());
  }
  EXPECT_EQ(named, (std::set<int>{3, 65535}));
}

TEST(ChromeTrace, NotesAreInstantsWithTheirValues) {
  trace t;
  t.scenario = "s";
  t.threads = {{0, "main"}};
  t.objects = {{2, "flag"}};
  weft::traces::step s;
  s.kind = "atomic.cas";
  s.object = 2;
  s.read = 0;
  s.written = 1;
  s.succeeded = true;
  t.steps.push_back(s);
  weft::traces::step n;
  n.index = 1;
  n.kind = "var.write";
  n.object = 3;
  n.written = 9;
  t.notes.push_back(n);
  const json doc = json::parse(weft::traces::render_chrome_trace(t));
  bool cas = false;
  bool note = false;
  for (const json& e : doc["traceEvents"]) {
    if (e["name"] == "atomic.cas") {
      cas = true;
      EXPECT_EQ(e["ts"], 0);
      EXPECT_EQ(e["args"]["name"], "flag");
      EXPECT_EQ(e["args"]["read"], 0);
      EXPECT_EQ(e["args"]["written"], 1);
      EXPECT_EQ(e["args"]["cas"], "ok");
    }
    if (e["name"] == "var.write") {
      note = true;
      EXPECT_EQ(e["ts"], 1);
      EXPECT_EQ(e["args"]["written"], 9);
      EXPECT_FALSE(e["args"].contains("step"));
    }
  }
  EXPECT_TRUE(cas);
  EXPECT_TRUE(note);
}

}  // namespace
