// render_html() without a browser: everything from the trace is escaped, one lane per thread
// that appears, the failing step marked, and a data race links its two threads' steps.
#include <weft/traces/html.hpp>
#include <weft/traces/trace.hpp>

#include <gtest/gtest.h>

#include <string>

namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(Html, EscapesTraceTextAndMarksARace) {
  weft::traces::trace t;
  t.scenario = "<b>scen</b>";
  t.strategy = "random";
  t.params = {{"k", "\"'&<>"}};
  t.threads = {{0, "main"}, {1, "<img src=x onerror=alert(1)>"}, {2, "w2"}, {3, "never-runs"}};
  for (std::uint32_t th : {0u, 1u, 2u, 1u}) {
    weft::traces::step s;
    s.index = t.steps.size();
    s.thread = th;
    s.kind = "atomic.load";
    s.where = {"</div><script>x()</script>.cpp", 3};
    t.steps.push_back(s);
  }
  weft::traces::failure_info f;
  f.kind = "data-race";
  f.message = "data race on var o1: write by t2 at a.cpp:1 is not ordered with the earlier write by t1 \"<img>\" at b.cpp:2";
  f.thread = 2;
  t.failure = f;
  const std::string page = weft::traces::render_html(t);
  EXPECT_EQ(page.find("<img"), std::string::npos);
  EXPECT_EQ(page.find("<b>scen"), std::string::npos);
  EXPECT_EQ(page.find("<script>x()"), std::string::npos);
  EXPECT_NE(page.find("&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
  EXPECT_NE(page.find("&quot;&#39;&amp;&lt;&gt;"), std::string::npos);
  EXPECT_EQ(count(page, "class=\"lane\""), 3u);
  EXPECT_EQ(count(page, "class=\"step fail\""), 1u);
  EXPECT_NE(page.find("class=\"step fail\" id=\"s2\""), std::string::npos);
  EXPECT_NE(page.find("class=\"step involved\" id=\"s3\""), std::string::npos);
  EXPECT_NE(page.find("data-from=\"s3\" data-to=\"s2\""), std::string::npos);
  EXPECT_EQ(page.find("http://"), page.find("http://www.w3.org/2000/svg"));  // nothing fetched
}

// A trace declaring 65,536 threads, four of which run: lanes only for those.
weft::traces::trace many_threads() {
  weft::traces::trace t;
  t.scenario = "many";
  for (std::uint32_t i = 0; i < 65536; ++i) t.threads.push_back({i, "worker-" + std::to_string(i)});
  for (std::uint32_t th : {7u, 70000u % 65536u, 9u, 65535u}) {
    weft::traces::step s;
    s.index = t.steps.size();
    s.thread = th;
    s.kind = "yield";
    t.steps.push_back(s);
  }
  return t;
}

TEST(Html, ManyDeclaredThreadsDrawLanesOnlyForThoseThatRun) {
  const std::string page = weft::traces::render_html(many_threads());
  EXPECT_LT(page.size(), 64u * 1024) << page.size();
  EXPECT_EQ(count(page, "class=\"lane\""), 4u);
  EXPECT_NE(page.find("t65535 worker-65535"), std::string::npos);
  EXPECT_EQ(page.find("worker-8<"), std::string::npos);
}

TEST(Html, NotesAreRowsAndARaceLinksTheTwoAccesses) {
  weft::traces::trace t;
  t.scenario = "race";
  t.threads = {{0, "main"}, {1, "w"}};
  t.objects = {{5, "payload"}};
  for (std::uint32_t th : {0u, 1u, 0u}) {
    weft::traces::step s;
    s.index = t.steps.size();
    s.thread = th;
    s.kind = "atomic.load";
    s.object = 4;
    s.read = 1;
    t.steps.push_back(s);
  }
  weft::traces::step w;
  w.index = 1;
  w.thread = 1;
  w.kind = "var.write";
  w.object = 5;
  w.written = 42;
  weft::traces::step r = w;
  r.index = 3;
  r.thread = 0;
  r.kind = "var.read";
  r.written.reset();
  r.read = 42;
  t.notes = {w, r};
  weft::traces::failure_info f;
  f.kind = "data-race";
  f.message = "data race on var payload: read by t0 at a.cpp:1 is not ordered with the earlier write by t1 at b.cpp:2";
  f.thread = 0;
  t.failure = f;
  const std::string page = weft::traces::render_html(t);
  EXPECT_EQ(count(page, "class=\"step note"), 2u);
  EXPECT_NE(page.find("class=\"step note fail\" id=\"n1\""), std::string::npos) << page;
  EXPECT_NE(page.find("class=\"step note involved\" id=\"n0\""), std::string::npos) << page;
  EXPECT_NE(page.find("data-from=\"n0\" data-to=\"n1\""), std::string::npos) << page;
  EXPECT_NE(page.find("<b>var.write</b> payload w=42"), std::string::npos) << page;
  EXPECT_NE(page.find("<b>atomic.load</b> o4 =0 r=1"), std::string::npos) << page;
  EXPECT_NE(page.find("3 steps, 2 notes"), std::string::npos) << page;
}

}  // namespace
