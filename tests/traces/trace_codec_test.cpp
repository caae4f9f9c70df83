// Tests of the weft trace text format: round trips, malformed input with
// exact line numbers, trace files and the swimlane view.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>

#include "weft/traces/swimlane.hpp"
#include "weft/traces/trace.hpp"
#include "weft/traces/trace_io.hpp"

namespace wt = weft::traces;

namespace {

// A trace that uses every feature of the format, with awkward text everywhere.
wt::trace rich_trace() {
  wt::trace t;
  t.scenario = "lost-update";
  t.weft_version = "0.1.0";
  t.platform = "sim";
  t.strategy = "pct";
  t.params = {{"seed", "0x9e3779b97f4a7c15"},
              {"execution", "1284"},
              {"note", "  leading and trailing spaces  "},
              {"empty", ""},
              {"tricky", "a\\b\tc\r\nd #not-a-comment \x7f"}};
  std::string message = "data race on var o3: write by t2\nsecond line; all bytes follow: ";
  for (int b = 0; b < 256; ++b) {
    message.push_back(static_cast<char>(b));
  }
  t.failure = wt::failure_info{"data-race", message, {"sim/src/runtime.cpp", 212}, 2};
  t.threads = {{0, "main"}, {1, "producer 1"}, {2, "back\\slash and\ttab"}, {3, ""}};
  t.steps = {
      {0, 0, "spawn", 1, "-", 0, {"tests/x.cpp", 12}, {}, {}, {}},
      {1, 1, "atomic.load", 3, "acquire", 0, {"dir with spaces/my file.cpp", 20}, {}, {}, {}},
      {2, 1, "random", 0, "-", 5, {}, {}, {}, {}},
      {3, 2, "atomic.store", 3, "seq_cst", UINT64_MAX, {"C:\\src\\a:b.cpp", 4294967295U}, {}, {}, {}},
      {4, 3, "mutex.lock", 4294967295U, "acq_rel", 1, {"", 7}, {}, {}, {}},
      {5, 0, "cas_weak.spurious", 9, "relaxed", 0x8000000000000000ULL, {"-", 0}, {}, {}, {}},
      {6, 2, "atomic.load", 3, "consume", 0, {"\xc3\xa9t\xc3\xa9.cpp", 1}, {}, {}, {}},
      {7, 2, "atomic.store", 3, "release", 2, {"tests/x.cpp", 30}, {}, {}, {}},
  };
  return t;
}

// The text of a small valid trace with three threads and three steps; the
// malformed-input tests edit it. Line numbers are given on the right.
const std::string small_text =
    "weft-trace 1\n"                          // 1
    "scenario lost-update\n"                  // 2
    "weft-version 0.1.0\n"                    // 3
    "platform sim\n"                          // 4
    "strategy pct\n"                          // 5
    "param seed 0x9e3779b97f4a7c15\n"         // 6
    "param execution 1284\n"                  // 7
    "thread 0 main\n"                         // 8
    "thread 1 producer\\x201\n"               // 9
    "thread 2 consumer\n"                     // 10
    "steps 3\n"                               // 11
    "0 t0 spawn o1 - 0 tests/x.cpp:12\n"      // 12
    "1 t1 atomic.load o3 acquire 0 tests/x.cpp:20\n"  // 13
    "2 t1 random o0 - 5 -\n"                  // 14
    "end\n";                                  // 15

std::string replace_line(const std::string& text, int line_number, const std::string& replacement) {
  std::string out;
  int n = 1;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl - pos);
    out += (n == line_number ? replacement : line) + "\n";
    pos = nl + 1;
    ++n;
  }
  return out;
}

// Parses text expecting a parse_error on line_number whose message contains problem.
void expect_error(const std::string& text, std::size_t line_number, const std::string& problem) {
  try {
    (void)wt::parse(text, "t.wtrace");
    ADD_FAILURE() << "parsed without error; expected line " << line_number << ": " << problem;
  } catch (const wt::parse_error& e) {
    EXPECT_EQ(e.line, line_number) << e.what();
    EXPECT_EQ(e.source, "t.wtrace");
    EXPECT_NE(std::string(e.what()).find(problem), std::string::npos)
        << "message: " << e.what() << "\nexpected to contain: " << problem;
    EXPECT_EQ(std::string(e.what()).rfind("t.wtrace:" + std::to_string(line_number) + ": ", 0), 0U) << e.what();
  }
}

// A fresh empty directory under the system temp directory.
std::filesystem::path fresh_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("weft_traces_test_" + std::to_string(::getpid()) + "_" + name);
  std::filesystem::remove_all(dir);
  return dir;
}

TEST(TraceCodec, SmallTextParses) {
  wt::trace t = wt::parse(small_text);
  EXPECT_EQ(t.scenario, "lost-update");
  EXPECT_EQ(t.strategy, "pct");
  ASSERT_NE(t.param("seed"), nullptr);
  EXPECT_EQ(*t.param("seed"), "0x9e3779b97f4a7c15");
  EXPECT_EQ(t.param("missing"), nullptr);
  ASSERT_EQ(t.threads.size(), 3U);
  EXPECT_EQ(t.threads[1].name, "producer 1");
  ASSERT_EQ(t.steps.size(), 3U);
  EXPECT_EQ(t.steps[1].kind, "atomic.load");
  EXPECT_EQ(t.steps[1].order, "acquire");
  EXPECT_EQ(t.steps[1].where, (wt::location{"tests/x.cpp", 20}));
  EXPECT_EQ(t.steps[2].value, 5U);
  EXPECT_EQ(t.steps[2].where, wt::location{});
  EXPECT_FALSE(t.failure.has_value());
  EXPECT_EQ(wt::to_text(t), small_text);
}

TEST(TraceCodec, RichTraceRoundTrips) {
  const wt::trace t = rich_trace();
  const std::string text = wt::to_text(t);
  const wt::trace back = wt::parse(text);
  EXPECT_EQ(back, t);
  EXPECT_EQ(wt::to_text(back), text);
  // The text itself stays line-oriented: no raw control bytes.
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    EXPECT_TRUE(c == '\n' || (u >= 0x20 && u != 0x7f)) << "raw byte " << int{u};
  }
  EXPECT_NE(text.find("thread 1 producer\\x201\n"), std::string::npos);
  EXPECT_NE(text.find("dir\\x20with\\x20spaces/my\\x20file.cpp:20"), std::string::npos);
  EXPECT_NE(text.find("param note \\x20 leading and trailing spaces \\x20\n"), std::string::npos);
}

TEST(TraceCodec, EveryByteRoundTripsInEveryTextField) {
  std::string all;
  for (int b = 0; b < 256; ++b) {
    all.push_back(static_cast<char>(b));
  }
  for (const std::string& s : {all, std::string(" "), std::string("\\"), std::string("x "), std::string(" x"),
                               std::string("-"), std::string(":"), std::string("a:1"), std::string("#")}) {
    wt::trace t;
    t.scenario = s;
    t.weft_version = s;
    t.platform = s;
    t.strategy = s;
    t.params = {{"k", s}};
    t.failure = wt::failure_info{"x", s, {s, 3}, 0};
    t.threads = {{0, s}};
    t.steps = {{0, 0, "k", 0, "-", 0, {s, 0}, {}, {}, {}}};
    const std::string text = wt::to_text(t);
    EXPECT_EQ(wt::parse(text), t) << text;
  }
}

TEST(TraceCodec, AcceptsCrlfCommentsBlankLinesAndHex) {
  const wt::trace t = rich_trace();
  std::string text = wt::to_text(t);
  std::string crlf;
  for (char c : text) {
    if (c == '\n') {
      crlf += "\r\n";
    } else {
      crlf += c;
    }
  }
  EXPECT_EQ(wt::parse(crlf), t);

  std::string commented = "# a comment before everything\n\n" + replace_line(small_text, 12, "  # comment among steps\n\t\n0 t0 spawn o1 - 0x0 tests/x.cpp:12") +
                          "\n# trailing comment\n   \n";
  EXPECT_EQ(wt::parse(commented), wt::parse(small_text));

  std::string hex = replace_line(small_text, 14, "2 t1 random o0 - 0X5 -");
  EXPECT_EQ(wt::parse(hex).steps[2].value, 5U);
  // Extra blanks between fields are fine too.
  std::string spaced = replace_line(small_text, 13, "  1\tt1  atomic.load o3   acquire 0 tests/x.cpp:20   ");
  EXPECT_EQ(wt::parse(spaced), wt::parse(small_text));
}

TEST(TraceCodec, ReadmeExampleParses) {
  const std::string text =
      "weft-trace 1\n"
      "scenario lost-update\n"
      "weft-version 0.1.0\n"
      "platform sim\n"
      "strategy pct\n"
      "param seed 0x9e3779b97f4a7c15\n"
      "param execution 1284\n"
      "failure data-race\n"
      "failure-message data race on var o3: write by t2 races with read by t1\n"
      "failure-location sim/src/runtime.cpp:212\n"
      "failure-thread 2\n"
      "thread 0 main\n"
      "thread 1 producer\\x201\n"
      "thread 2 consumer\n"
      "steps 3\n"
      "0 t0 spawn o1 - 0 tests/x.cpp:12\n"
      "1 t1 atomic.load o3 acquire 0 tests/x.cpp:20\n"
      "2 t2 random o0 - 5 -\n"
      "end\n";
  wt::trace t = wt::parse(text);
  ASSERT_TRUE(t.failure.has_value());
  EXPECT_EQ(t.failure->kind, "data-race");
  EXPECT_EQ(t.failure->thread, 2U);
  EXPECT_EQ(t.failure->where, (wt::location{"sim/src/runtime.cpp", 212}));
  EXPECT_EQ(wt::to_text(t), text);
}

// --- malformed input: one test per case, each checking the line blamed ---

TEST(TraceErrors, ForeignFile) {
  expect_error("hello\nworld\n", 1, "not a weft trace (expected \"weft-trace 1\", got \"hello\")");
}

TEST(TraceErrors, WrongVersion) {
  expect_error(replace_line(small_text, 1, "weft-trace 7"), 1,
               "unsupported trace format version 7 (this weft reads versions 1 and 2)");
  expect_error(replace_line(small_text, 1, "weft-trace 3"), 1,
               "unsupported trace format version 3 (this weft reads versions 1 and 2)");
  expect_error(replace_line(small_text, 1, "weft-trace 99999999999999999999999"), 1,
               "unsupported trace format version");
  expect_error(replace_line(small_text, 1, "weft-trace one"), 1, "bad trace format version \"one\"");
}

TEST(TraceErrors, TruncatedSteps) {
  std::string text = replace_line(small_text, 11, "steps 61");
  text = text.substr(0, text.find("end\n"));  // 14 lines, 3 steps
  expect_error(text, 14, "truncated: expected 61 steps, file ends after 3");
  expect_error(replace_line(small_text, 11, "steps 61"), 15, "truncated: expected 61 steps, got \"end\" after 3");
}

TEST(TraceErrors, TruncatedHeader) {
  expect_error("weft-trace 1\nscenario x\n", 2, "truncated: missing \"weft-version\" line");
  expect_error("weft-trace 1\nscenario x\nweft-version 1\nplatform sim\nstrategy s\nthread 0 main\n", 6,
               "truncated: missing \"steps\" line");
}

TEST(TraceErrors, MissingEnd) {
  expect_error(small_text.substr(0, small_text.find("end\n")), 14, "missing \"end\" line");
  expect_error(small_text.substr(0, small_text.find("end\n")) + "# just a comment\n", 15, "missing \"end\" line");
}

TEST(TraceErrors, BadNumber) {
  expect_error(replace_line(small_text, 14, "2 t1 random o0 - 12x -"), 14, "bad step value \"12x\" (not a decimal number)");
  expect_error(replace_line(small_text, 14, "2 t1 random o0 - -5 -"), 14, "signs are not allowed");
  expect_error(replace_line(small_text, 14, "2 t1 random o0 - +5 -"), 14, "signs are not allowed");
  expect_error(replace_line(small_text, 14, "2 t1 random o0 - 0x -"), 14, "no digits after 0x");
  expect_error(replace_line(small_text, 14, "2 t1 random o0 - 0xfg -"), 14, "not a hex number");
  expect_error(replace_line(small_text, 13, "1 t1 atomic.load o3 acquire 0 tests/x.cpp:2a"), 13,
               "bad step location line number \"2a\"");
  expect_error(replace_line(small_text, 13, "1 t1 atomic.load o3 acquire 0 tests/x.cpp:"), 13,
               "missing step location line number");
  expect_error(replace_line(small_text, 11, "steps three"), 11, "bad step count \"three\"");
}

TEST(TraceErrors, Overflow) {
  expect_error(replace_line(small_text, 14, "2 t1 random o0 - 18446744073709551616 -"), 14,
               "step value \"18446744073709551616\" is out of range");
  expect_error(replace_line(small_text, 14, "2 t1 random o0 - 0x10000000000000000 -"), 14, "is out of range");
  expect_error(replace_line(small_text, 14, "2 t1 random o4294967296 - 5 -"), 14,
               "object id \"4294967296\" is out of range (the maximum is 4294967295)");
  expect_error(replace_line(small_text, 13, "1 t1 atomic.load o3 acquire 0 x.cpp:4294967296"), 13, "is out of range");
  expect_error(replace_line(small_text, 14, "2 t99999999999999999999999 random o0 - 5 -"), 14, "is out of range");
  // Largest values are fine.
  wt::trace t = wt::parse(replace_line(small_text, 14, "2 t1 random o4294967295 - 18446744073709551615 x:4294967295"));
  EXPECT_EQ(t.steps[2].value, UINT64_MAX);
  EXPECT_EQ(t.steps[2].object, 4294967295U);
}

TEST(TraceErrors, UnknownThread) {
  expect_error(replace_line(small_text, 14, "2 t5 random o0 - 5 -"), 14,
               "step refers to thread t5 but only 3 threads are declared");
  expect_error(replace_line(small_text, 14, "2 x1 random o0 - 5 -"), 14, "bad thread \"x1\" (expected t<id>)");
  expect_error(replace_line(small_text, 10, "thread 5 consumer"), 10, "thread id 5 out of order (expected 2)");
  std::string with_failure = replace_line(small_text, 7, "param execution 1284\nfailure deadlock\nfailure-message stuck\n"
                                                         "failure-location -\nfailure-thread 3");
  expect_error(with_failure, 11, "failure-thread 3 is not a declared thread (3 threads are declared)");
}

TEST(TraceErrors, OutOfOrderIndex) {
  expect_error(replace_line(small_text, 13, "2 t1 atomic.load o3 acquire 0 tests/x.cpp:20"), 13,
               "step index 2 out of order (expected 1)");
}

TEST(TraceErrors, JunkAfterEnd) {
  expect_error(small_text + "\n# fine\nhello\n", 18, "unexpected content after \"end\": \"hello\"");
  expect_error(small_text + "end\n", 16, "unexpected content after \"end\"");
}

TEST(TraceErrors, MoreStepsThanDeclared) {
  expect_error(replace_line(small_text, 11, "steps 2"), 14, "more step lines than declared (\"steps 2\" on line 11)");
}

TEST(TraceErrors, EmptyFile) {
  expect_error("", 1, "empty file");
  expect_error("\n\n# only comments\n", 1, "only blank and comment lines");
}

TEST(TraceErrors, BinaryGarbage) {
  std::mt19937_64 rng(42);
  for (int round = 0; round < 200; ++round) {
    std::string junk;
    std::size_t n = 1 + rng() % 300;
    for (std::size_t i = 0; i < n; ++i) {
      junk.push_back(static_cast<char>(rng() & 0xff));
    }
    try {
      (void)wt::parse(junk, "t.wtrace");
      ADD_FAILURE() << "garbage parsed";
    } catch (const wt::parse_error& e) {
      EXPECT_GE(e.line, 1U);
    }
  }
  expect_error(std::string("\x7f" "ELF\x02\x01\x01\0\0\0", 10), 1, "not a weft trace (expected \"weft-trace 1\", got \"\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\")");
}

TEST(TraceErrors, NulAndControlBytes) {
  expect_error(replace_line(small_text, 2, std::string("scenario lost\0update", 20)), 2, "raw byte \\x00");
  expect_error(replace_line(small_text, 9, "thread 1 pro\x01" "ducer"), 9, "raw byte \\x01 (write it as an escape");
  expect_error(replace_line(small_text, 2, "scenario a\tb"), 2, "raw byte \\x09");
  expect_error(replace_line(small_text, 12, std::string("0 t0 spawn\0 o1 - 0 tests/x.cpp:12", 33)), 12,
               "bad step kind");
}

TEST(TraceErrors, BadEscapes) {
  expect_error(replace_line(small_text, 9, "thread 1 producer\\q"), 9, "bad escape \"\\\\q\"");
  expect_error(replace_line(small_text, 9, "thread 1 producer\\x2"), 9, "\\x needs two hex digits");
  expect_error(replace_line(small_text, 9, "thread 1 producer\\"), 9, "lone backslash");
}

TEST(TraceErrors, HeaderOrder) {
  expect_error(replace_line(small_text, 2, "platform sim"), 2, "expected \"scenario\" line, got \"platform\"");
  expect_error(replace_line(small_text, 8, "bogus 1"), 8,
               "unexpected \"bogus\" line (expected \"param\", \"failure\", \"thread\" or \"steps\")");
  expect_error(replace_line(small_text, 9, "param late 1"), 9,
               "unexpected \"param\" line (expected \"thread\" or \"steps\")");
  expect_error(replace_line(small_text, 7, "param seed 1"), 7, "duplicate param \"seed\" (first given on line 6)");
  expect_error(replace_line(small_text, 7, "param Bad 1"), 7, "bad param key \"Bad\"");
  expect_error(replace_line(small_text, 7, "failure deadlock\nthread 0 main"), 8,
               "expected \"failure-message\" line, got \"thread\"");
}

TEST(TraceErrors, BadStepFields) {
  expect_error(replace_line(small_text, 14, "2 t1 random o0 - 5"), 14, "step line has 6 fields, expected 7");
  expect_error(replace_line(small_text, 14, "2 t1 Random o0 - 5 -"), 14, "bad step kind \"Random\"");
  expect_error(replace_line(small_text, 14, "2 t1 random 0 - 5 -"), 14, "bad object \"0\" (expected o<id>)");
  expect_error(replace_line(small_text, 14, "2 t1 random o0 acq 5 -"), 14, "bad memory order \"acq\"");
  expect_error(replace_line(small_text, 14, "2 t1 random o0 - 5 nowhere"), 14, "bad step location \"nowhere\"");
}

TEST(TraceErrors, AbsurdSizesAreRejectedWithoutAllocating) {
  expect_error(replace_line(small_text, 11, "steps 67108865"), 11, "too many steps: 67108865 (the limit is 67108864)");
  // The maximum is allowed, but must not be reserved up front.
  expect_error(replace_line(small_text, 11, "steps 67108864"), 15,
               "truncated: expected 67108864 steps, got \"end\" after 3");
  std::string long_line = "scenario " + std::string(std::size_t{1} << 20, 'x');
  expect_error(replace_line(small_text, 2, long_line), 2, "line too long");
}

TEST(TraceErrors, LineLimitHoldsForWhatTheWriterWouldWrite) {
  const std::string head = "weft-trace 1\nscenario s\nweft-version v\nplatform p\nstrategy s\nthread 0\nsteps 1\n";
  // A step line of exactly the limit is fine...
  std::string prefix = "0 t0 k o0 - 18446744073709551615 ";
  std::string line = prefix + std::string(wt::max_line_length - prefix.size() - 2, 'f') + ":1";
  ASSERT_EQ(line.size(), wt::max_line_length);
  wt::trace t = wt::parse(head + line + "\nend\n");
  EXPECT_EQ(wt::parse(wt::to_text(t)), t);
  // ...but not if writing the value in decimal would make it longer.
  prefix = "0 t0 k o0 - 0xffffffffffffffff ";
  line = prefix + std::string(wt::max_line_length - prefix.size() - 2, 'f') + ":1";
  ASSERT_EQ(line.size(), wt::max_line_length);
  expect_error(head + line + "\nend\n", 8, "line too long once the value is written in decimal");
  // A line one byte over the limit is rejected outright, a trailing \r aside.
  expect_error(head + line + "x\nend\n", 8, "line too long (1048577 bytes; the limit is 1048576)");
  std::string fits = "failure-message " + std::string(wt::max_line_length - 16, 'm');
  ASSERT_EQ(fits.size(), wt::max_line_length);
  EXPECT_NO_THROW((void)wt::parse(replace_line(small_text, 7, "param execution 1284\nfailure x\n" + fits +
                                                                  "\r\nfailure-location -\nfailure-thread 0")));
}

TEST(TraceErrors, ManyThreadsHitTheLimit) {
  std::string text = "weft-trace 1\nscenario s\nweft-version v\nplatform p\nstrategy s\n";
  for (std::size_t i = 0; i <= wt::max_trace_threads; ++i) {
    text += "thread " + std::to_string(i) + "\n";
  }
  text += "steps 0\nend\n";
  expect_error(text, 5 + wt::max_trace_threads + 1, "too many threads (the limit is 65536)");
}

// --- writer side ---

TEST(TraceWriter, RejectsTracesItCouldNotReadBack) {
  auto expect_invalid = [](const wt::trace& t, const std::string& problem) {
    try {
      (void)wt::to_text(t);
      ADD_FAILURE() << "no error; expected " << problem;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(problem), std::string::npos) << e.what();
    }
  };
  wt::trace t = rich_trace();
  t.steps[3].index = 7;
  expect_invalid(t, "step 3: index is 7");
  t = rich_trace();
  t.steps[0].thread = 9;
  expect_invalid(t, "step 0: thread t9 is not declared");
  t = rich_trace();
  t.steps[0].kind = "Spawn";
  expect_invalid(t, "kind \"Spawn\" is not a token");
  t = rich_trace();
  t.steps[0].order = "";
  expect_invalid(t, "order \"\"");
  t = rich_trace();
  t.threads[1].id = 5;
  expect_invalid(t, "thread 1 has id 5");
  t = rich_trace();
  t.params.emplace_back("seed", "1");
  expect_invalid(t, "duplicate param key \"seed\"");
  t = rich_trace();
  t.failure->thread = 4;
  expect_invalid(t, "failure thread t4 is not a declared thread");
  t = rich_trace();
  t.failure->message = std::string(wt::max_line_length, '\n');
  expect_invalid(t, "the limit is 1048576");
}

TEST(TraceFiles, WriteNewFileNeverOverwrites) {
  const auto dir = fresh_dir("write") / "nested" / "deeper";
  const wt::trace t = rich_trace();
  const std::string base = wt::file_base_name(t);
  EXPECT_EQ(base, "lost-update-pct-seed9e3779b97f4a7c15-e1284");
  const auto first = wt::write_new_file(dir, base, t);
  const auto second = wt::write_new_file(dir, base, t);
  const auto third = wt::write_new_file(dir, base, t);
  EXPECT_EQ(first.filename(), "lost-update-pct-seed9e3779b97f4a7c15-e1284.wtrace");
  EXPECT_EQ(second.filename(), "lost-update-pct-seed9e3779b97f4a7c15-e1284-1.wtrace");
  EXPECT_EQ(third.filename(), "lost-update-pct-seed9e3779b97f4a7c15-e1284-2.wtrace");
  EXPECT_EQ(wt::read_file(first), t);
  EXPECT_EQ(wt::read_file(second), t);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator()), 3);
  std::filesystem::remove_all(dir.parent_path().parent_path());
}

TEST(TraceFiles, BaseNamesAreSanitised) {
  const auto dir = fresh_dir("sanitise");
  wt::trace t = rich_trace();
  const auto p = wt::write_new_file(dir, "../evil/name with spaces", t);
  EXPECT_EQ(p.parent_path(), dir);
  EXPECT_EQ(p.filename(), "_._evil_name_with_spaces.wtrace");
  const auto q = wt::write_new_file(dir, "", t);
  EXPECT_EQ(q.filename(), "trace.wtrace");
  t.params = {{"seed", "12"}};
  EXPECT_EQ(wt::file_base_name(t), "lost-update-pct-seed000000000000000c-enone");
  std::filesystem::remove_all(dir);
}

TEST(TraceFiles, ReadMissingFileNamesThePath) {
  const auto path = fresh_dir("missing") / "no-such.wtrace";
  try {
    (void)wt::read_file(path);
    FAIL() << "no error";
  } catch (const wt::parse_error& e) {
    EXPECT_EQ(e.line, 0U);
    EXPECT_EQ(std::string(e.what()), path.string() + ": cannot open trace file: No such file or directory");
  }
  try {
    (void)wt::read_file(std::filesystem::temp_directory_path());
    FAIL() << "no error";
  } catch (const wt::parse_error& e) {
    EXPECT_EQ(e.line, 0U);
    EXPECT_NE(std::string(e.what()).find("is a directory"), std::string::npos) << e.what();
  }
}

TEST(TraceFiles, ReadFileReportsLinesWithThePath) {
  const auto dir = fresh_dir("badfile");
  std::filesystem::create_directories(dir);
  const auto path = dir / "bad.wtrace";
  std::ofstream(path) << replace_line(small_text, 14, "2 t5 random o0 - 5 -");
  try {
    (void)wt::read_file(path);
    FAIL() << "no error";
  } catch (const wt::parse_error& e) {
    EXPECT_EQ(e.line, 14U);
    EXPECT_EQ(std::string(e.what()),
              path.string() + ":14: step refers to thread t5 but only 3 threads are declared");
  }
  std::filesystem::remove_all(dir);
}

TEST(TraceNumbers, ParseNumber) {
  EXPECT_EQ(wt::parse_number("0"), 0U);
  EXPECT_EQ(wt::parse_number("1284"), 1284U);
  EXPECT_EQ(wt::parse_number("0x9e3779b97f4a7c15"), 0x9e3779b97f4a7c15ULL);
  EXPECT_EQ(wt::parse_number("0XFF"), 255U);
  EXPECT_EQ(wt::parse_number("18446744073709551615"), UINT64_MAX);
  EXPECT_FALSE(wt::parse_number("18446744073709551616"));
  EXPECT_FALSE(wt::parse_number("0x1ffffffffffffffff"));
  EXPECT_FALSE(wt::parse_number(""));
  EXPECT_FALSE(wt::parse_number("0x"));
  EXPECT_FALSE(wt::parse_number("-1"));
  EXPECT_FALSE(wt::parse_number("+1"));
  EXPECT_FALSE(wt::parse_number(" 1"));
  EXPECT_FALSE(wt::parse_number("1 "));
  EXPECT_FALSE(wt::parse_number("12x"));
  EXPECT_FALSE(wt::parse_number("0x-1"));
}

// --- swimlane ---

TEST(Swimlane, ShowsThreadsStepsAndFailure) {
  wt::trace t = wt::parse(small_text);
  t.failure = wt::failure_info{"data-race", "data race on o3\nsecond line", {"sim/src/runtime.cpp", 212}, 1};
  const std::string view = wt::render_swimlane(t);
  EXPECT_NE(view.find("lost-update"), std::string::npos) << view;
  EXPECT_NE(view.find("pct"), std::string::npos) << view;
  EXPECT_NE(view.find("seed=0x9e3779b97f4a7c15"), std::string::npos) << view;
  EXPECT_NE(view.find("FAILURE data-race in t1 at sim/src/runtime.cpp:212"), std::string::npos) << view;
  EXPECT_NE(view.find("t0 main"), std::string::npos) << view;
  EXPECT_NE(view.find("t1 producer 1"), std::string::npos) << view;
  // t2 performs no step: it gets no lane, and the header says how many threads run.
  EXPECT_EQ(view.find("t2 consumer"), std::string::npos) << view;
  EXPECT_NE(view.find("3 threads, 3 steps; 2 threads run in the rows shown"), std::string::npos) << view;
  EXPECT_NE(view.find("atomic.load o3 acquire"), std::string::npos) << view;
  EXPECT_NE(view.find("random =5"), std::string::npos) << view;
  // The failing thread's last step (index 2) carries the marker.
  std::size_t row = view.find("\n     2 |");
  ASSERT_NE(row, std::string::npos) << view;
  std::size_t row_end = view.find('\n', row + 1);
  EXPECT_NE(view.substr(row, row_end - row).find("<-- FAIL: data-race"), std::string::npos) << view;
  for (char c : view) {
    auto u = static_cast<unsigned char>(c);
    EXPECT_TRUE(c == '\n' || (u >= 0x20 && u < 0x7f)) << "byte " << int{u};
  }
}

TEST(Swimlane, ElidesEarlyStepsAndNeverCutsAWord) {
  wt::trace t = rich_trace();
  t.threads[2].name = "a-very-long-thread-name-that-does-not-fit";
  t.objects = {{3, "the_ready_flag_of_the_mailbox"}};
  const std::string view = wt::render_swimlane(t, 3);
  EXPECT_NE(view.find("5 earlier steps elided"), std::string::npos) << view;
  EXPECT_EQ(view.find("spawn o1"), std::string::npos) << view;
  // Names and memory orders appear whole, wrapped onto a second line where they do not fit.
  EXPECT_NE(view.find("| a-very-long-thread-name-that-does-not-fit |"), std::string::npos) << view;
  EXPECT_NE(view.find("| atomic.store  "), std::string::npos) << view;
  EXPECT_NE(view.find("| the_ready_flag_of_the_mailbox release =2  "), std::string::npos) << view;
  EXPECT_NE(view.find("| atomic.load the_ready_flag_of_the_mailbox |"), std::string::npos) << view;
  EXPECT_NE(view.find("| consume  "), std::string::npos) << view;
  EXPECT_EQ(view.find(".. "), view.find("... (5 earlier steps elided)") + 1) << view;
  EXPECT_EQ(view.find("..|"), std::string::npos) << view;
  EXPECT_NE(view.find("<-- FAIL: data-race"), std::string::npos) << view;
  // Only the threads that run in the rows shown get a lane.
  EXPECT_EQ(view.find("t1 producer"), std::string::npos) << view;
  EXPECT_NE(view.find("4 threads, 8 steps (showing the last 3); 2 threads run in the rows shown"),
            std::string::npos)
      << view;
  for (char c : view) {
    auto u = static_cast<unsigned char>(c);
    EXPECT_TRUE(c == '\n' || (u >= 0x20 && u < 0x7f)) << "byte " << int{u};
  }
}

TEST(Swimlane, TextTooWideForALaneWrapsAtSpaces) {
  wt::trace t = wt::parse(small_text);
  t.objects = {{3, "ready"}};
  t.steps[1].order = "seq_cst";
  t.steps[1].read = 0x7fffffffffffffffULL;
  t.steps[1].written = UINT64_MAX;
  t.steps[1].succeeded = false;
  t.threads[1].name = "a b c d e f g h i j k l m n o p q r s t u v w x y z";
  const std::string view = wt::render_swimlane(t);
  // "atomic.load ready seq_cst r=0x7fffffffffffffff w=-1 failed" is wider than a lane.
  EXPECT_NE(view.find("| atomic.load ready seq_cst"), std::string::npos) << view;
  EXPECT_NE(view.find("| r=0x7fffffffffffffff w=-1 failed"), std::string::npos) << view;
  EXPECT_NE(view.find("| t1 a b c d e f g h i j k l m n o p q r s |"), std::string::npos) << view;
  EXPECT_NE(view.find("| t u v w x y z "), std::string::npos) << view;
  for (std::size_t at = 0, nl = view.find('\n'); nl != std::string::npos; at = nl + 1, nl = view.find('\n', at)) {
    EXPECT_LE(nl - at, 120u) << view.substr(at, nl - at);
  }
}

TEST(Swimlane, NotesSitBetweenTheStepsAndTheFailureMarksTheFailingAccess) {
  wt::trace t = wt::parse(small_text);
  t.failure = wt::failure_info{"data-race", "data race on var data", {"x.cpp", 31}, 2};
  t.objects = {{7, "data"}};
  // Step 1 is t1's; t1 writes data before step 1 and t2 reads it after the last step.
  t.notes = {{1, 1, "var.write", 7, "-", 0, {"x.cpp", 19}, std::nullopt, 42, std::nullopt},
             {3, 2, "var.read", 7, "-", 0, {"x.cpp", 31}, 42, std::nullopt, std::nullopt}};
  const std::string view = wt::render_swimlane(t);
  const std::size_t write = view.find("var.write data w=42");
  const std::size_t step1 = view.find("atomic.load o3 acquire");
  const std::size_t read = view.find("var.read data r=42");
  ASSERT_NE(write, std::string::npos) << view;
  ASSERT_NE(step1, std::string::npos) << view;
  ASSERT_NE(read, std::string::npos) << view;
  EXPECT_LT(write, step1) << view;
  EXPECT_LT(step1, read) << view;
  EXPECT_NE(view.find("3 threads, 3 steps, 2 notes"), std::string::npos) << view;
  const std::size_t read_line = view.rfind('\n', read) + 1;
  const std::string line = view.substr(read_line, view.find('\n', read) - read_line);
  EXPECT_EQ(line.rfind("     - |", 0), 0u) << line;
  EXPECT_NE(line.find("x.cpp:31  <-- FAIL: data-race"), std::string::npos) << line;
  EXPECT_EQ(view.find("<-- FAIL"), view.rfind("<-- FAIL")) << view;
}

// An 867 KB trace declaring 65,536 threads once made `weft show` print 1.6 GB: the view
// grows with the rows shown, not with the threads declared.
wt::trace many_threads(std::size_t running) {
  std::string text = "weft-trace 1\nscenario many\nweft-version 0\nplatform sim\nstrategy random\n";
  for (std::size_t i = 0; i < wt::max_trace_threads; ++i) {
    text += "thread " + std::to_string(i) + " worker-" + std::to_string(i) + "\n";
  }
  text += "steps " + std::to_string(running * 2) + "\n";
  for (std::size_t i = 0; i < running * 2; ++i) {
    const std::size_t thread = 1000 + (i % running) * 4099;
    text += std::to_string(i) + " t" + std::to_string(thread) + " atomic.load o1 acquire 0 x.cpp:" +
            std::to_string(i + 1) + "\n";
  }
  text += "end\n";
  return wt::parse(text);
}

TEST(Swimlane, ManyDeclaredThreadsDrawLanesOnlyForThoseThatRun) {
  const wt::trace t = many_threads(3);
  const std::string view = wt::render_swimlane(t);
  EXPECT_LT(view.size(), 64u * 1024) << view.size() << " bytes";
  for (const char* lane : {"t1000 worker-1000", "t5099 worker-5099", "t9198 worker-9198"}) {
    EXPECT_NE(view.find(lane), std::string::npos) << lane << "\n" << view;
  }
  EXPECT_EQ(view.find("worker-0 "), std::string::npos) << view;
  EXPECT_NE(view.find("65536 threads, 6 steps; 3 threads run in the rows shown"), std::string::npos)
      << view;
}

TEST(Swimlane, MoreThreadsThanLanesFitFallsBackToOneLinePerRow) {
  const wt::trace t = many_threads(wt::swimlane_max_lanes + 4);
  const std::string view = wt::render_swimlane(t);
  EXPECT_LT(view.size(), 64u * 1024) << view.size() << " bytes";
  EXPECT_NE(view.find("12 threads run in the rows shown, more than 8 lanes fit: one line per row"),
            std::string::npos)
      << view;
  EXPECT_NE(view.find("     0  t1000 worker-1000: atomic.load o1 acquire  @ x.cpp:1\n"),
            std::string::npos)
      << view;
  EXPECT_NE(view.find("t46089 worker-46089: atomic.load"), std::string::npos) << view;
  EXPECT_EQ(view.find("| "), std::string::npos) << view;
}

// --- format version 2 ---

// rich_trace() with everything version 2 adds.
wt::trace rich_v2_trace() {
  wt::trace t = rich_trace();
  t.objects = {{3, "ready"}, {9, "a name\twith\\escapes"}, {4294967295U, "last"}};
  t.steps[1].read = 0;
  t.steps[3].written = UINT64_MAX;
  t.steps[5].read = 1;
  t.steps[5].written = 2;
  t.steps[5].succeeded = true;
  t.steps[6].succeeded = false;
  t.notes = {{0, 0, "var.write", 5, "-", 0, {"tests/x.cpp", 11}, std::nullopt, 7, std::nullopt},
             {2, 1, "var.read", 5, "-", 0, {}, 7, std::nullopt, std::nullopt},
             {2, 2, "var.read", 5, "-", 0, {"y.cpp", 3}, std::nullopt, std::nullopt, std::nullopt},
             {8, 3, "var.write", 5, "-", 0, {"z.cpp", 4}, std::nullopt, 0, std::nullopt}};
  return t;
}

TEST(TraceFormat2, RoundTripsValuesOutcomesNotesAndNames) {
  const wt::trace t = rich_v2_trace();
  const std::string text = wt::to_text(t);
  EXPECT_EQ(text.rfind("weft-trace 2\n", 0), 0U) << text;
  EXPECT_NE(text.find("\nobject 3 ready\nobject 9 a\\x20name\\twith\\\\escapes\nobject 4294967295 last\nsteps 8\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\n- t0 var.write o5 - 0 tests/x.cpp:11 w=7\n0 t0 spawn o1"), std::string::npos) << text;
  EXPECT_NE(text.find("\n1 t1 atomic.load o3 acquire 0 dir\\x20with\\x20spaces/my\\x20file.cpp:20 r=0\n"
                      "- t1 var.read o5 - 0 - r=7\n- t2 var.read o5 - 0 y.cpp:3\n2 t1 random"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(" w=18446744073709551615\n"), std::string::npos) << text;
  EXPECT_NE(text.find(" -:0 r=1 w=2 ok=1\n"), std::string::npos) << text;
  EXPECT_NE(text.find(" ok=0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\n- t3 var.write o5 - 0 z.cpp:4 w=0\nend\n"), std::string::npos) << text;
  const wt::trace back = wt::parse(text);
  EXPECT_EQ(back, t);
  EXPECT_EQ(wt::to_text(back), text);
  EXPECT_EQ(*back.object_name(9), "a name\twith\\escapes");
  EXPECT_EQ(back.object_name(5), nullptr);
}

TEST(TraceFormat2, ATraceWithoutVersion2ContentIsWrittenAsVersion1) {
  const std::string text = wt::to_text(rich_trace());
  EXPECT_EQ(text.rfind("weft-trace 1\n", 0), 0U) << text;
  EXPECT_EQ(wt::to_text(wt::parse(small_text)), small_text);
}

TEST(TraceFormat2, OptionalFieldsInAnyOrderAndHexValuesRead) {
  const std::string text = replace_line(replace_line(small_text, 1, "weft-trace 2"), 13,
                                        "1 t1 atomic.cas o3 acquire 0 tests/x.cpp:20 ok=0 r=0xff");
  const wt::trace t = wt::parse(text);
  EXPECT_EQ(t.steps[1].read, std::optional<std::uint64_t>(255));
  EXPECT_FALSE(t.steps[1].written);
  EXPECT_EQ(t.steps[1].succeeded, std::optional<bool>(false));
}

TEST(TraceFormat2, Version1RejectsWhatOnlyVersion2Has) {
  expect_error(replace_line(small_text, 13, "1 t1 atomic.load o3 acquire 0 tests/x.cpp:20 r=1"), 13,
               "step line has 8 fields, expected 7");
  expect_error(replace_line(small_text, 13, "- t1 var.read o3 - 0 tests/x.cpp:20"), 13,
               "a note line (\"-\" in place of the step index) needs trace format version 2");
  expect_error(replace_line(small_text, 10, "object 3 ready"), 10,
               "an \"object\" line needs trace format version 2");
}

TEST(TraceFormat2, MalformedVersion2Fields) {
  const std::string v2 = replace_line(small_text, 1, "weft-trace 2");
  const std::string step = "1 t1 atomic.load o3 acquire 0 tests/x.cpp:20 ";
  expect_error(replace_line(v2, 13, step + "r=1 r=2"), 13, "bad or repeated step field \"r=2\"");
  expect_error(replace_line(v2, 13, step + "ok=yes"), 13, "bad or repeated step field \"ok=yes\"");
  expect_error(replace_line(v2, 13, step + "x=1"), 13, "bad or repeated step field \"x=1\"");
  expect_error(replace_line(v2, 13, step + "r="), 13, "missing value read (r=)");
  expect_error(replace_line(v2, 13, step + "w=0x1ffffffffffffffff"), 13, "value written (w=) \"0x1ffffffffffffffff\" is out of range");
  expect_error(replace_line(v2, 13, step + "r=1 w=2 ok=1 x"), 13, "at most 10 are allowed");
  expect_error(replace_line(v2, 13, "- t7 var.read o3 - 0 -"), 13, "step refers to thread t7");
  expect_error(replace_line(v2, 10, "thread 2 consumer\nobject 3 ready\nobject 3 again"), 12,
               "object id 3 out of order");
  expect_error(replace_line(v2, 10, "thread 2 consumer\nobject 0 zero"), 11, "object id 0 out of order");
  expect_error(replace_line(v2, 10, "thread 2 consumer\nobject 3"), 11, "expected \"object <id> <name>\"");
  expect_error(replace_line(v2, 10, "object 3 ready\nthread 2 consumer"), 11,
               "unexpected \"thread\" line (expected \"object\" or \"steps\")");
  // A note may follow the last step, but nothing but "end" after it.
  EXPECT_EQ(wt::parse(replace_line(v2, 14, "2 t1 random o0 - 5 -\n- t2 var.read o3 - 0 -")).notes.size(), 1U);
  expect_error(replace_line(v2, 15, "- t2 var.read o3 - 0 -\n3 t1 yield o0 - 0 -\nend"), 16,
               "more step lines than declared");
}

TEST(TraceFormat2, ValidateRefusesBadNotesAndNames) {
  wt::trace t = rich_v2_trace();
  t.notes[1].index = 9;
  EXPECT_THROW(wt::to_text(t), std::invalid_argument);
  t = rich_v2_trace();
  t.notes[2].index = 1;  // before the note ahead of it
  EXPECT_THROW(wt::to_text(t), std::invalid_argument);
  t = rich_v2_trace();
  t.notes[0].thread = 4;
  EXPECT_THROW(wt::to_text(t), std::invalid_argument);
  t = rich_v2_trace();
  t.objects[1].name.clear();
  EXPECT_THROW(wt::to_text(t), std::invalid_argument);
  t = rich_v2_trace();
  std::swap(t.objects[0], t.objects[1]);
  EXPECT_THROW(wt::to_text(t), std::invalid_argument);
}

TEST(TraceFormat2, TheRegressionCorpusIsVersion1AndStillReads) {
  std::size_t read = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(WEFT_REGRESSION_DIR)) {
    if (entry.path().extension() != ".wtrace") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text.rfind("weft-trace 1\n", 0), 0U) << entry.path();
    const wt::trace t = wt::read_file(entry.path());
    EXPECT_FALSE(t.steps.empty()) << entry.path();
    EXPECT_TRUE(t.notes.empty());
    ++read;
  }
  EXPECT_GT(read, 0U);
}

}  // namespace
