// Tests of what the trace reader refuses before or while reading: files that
// are not regular files, files and streams over max_file_size, and of the one
// number parser (numbers.hpp) that the reader and the simulator share.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>

#include "weft/traces/numbers.hpp"
#include "weft/traces/trace.hpp"
#include "weft/traces/trace_io.hpp"

namespace wt = weft::traces;
namespace fs = std::filesystem;

namespace {

const std::string valid_text =
    "weft-trace 1\n"
    "scenario s\n"
    "weft-version 0.1.0\n"
    "platform sim\n"
    "strategy random\n"
    "thread 0 main\n"
    "steps 1\n"
    "0 t0 spawn o1 - 0 x.cpp:1\n"
    "end\n";

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("weft-reader-limits-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// The parse_error that read_file(path) throws; fails the test if it throws none.
wt::parse_error read_error(const fs::path& path) {
  try {
    (void)wt::read_file(path);
  } catch (const wt::parse_error& e) {
    return e;
  }
  ADD_FAILURE() << "read_file(" << path << ") threw no parse_error";
  return wt::parse_error(path.string(), 0, "none");
}

// A pipe whose write end has `bytes` written to it and is then closed.
struct filled_pipe {
  int read_end = -1;
  explicit filled_pipe(std::string_view bytes) {
    int fds[2];
    EXPECT_EQ(::pipe(fds), 0);
    read_end = fds[0];
    EXPECT_LE(bytes.size(), 60000U) << "more than a pipe holds without a reader";
    EXPECT_EQ(::write(fds[1], bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    ::close(fds[1]);
  }
  ~filled_pipe() { ::close(read_end); }
  filled_pipe(const filled_pipe&) = delete;
  filled_pipe& operator=(const filled_pipe&) = delete;

  std::size_t bytes_left() const {
    std::size_t left = 0;
    char buf[4096];
    for (ssize_t n = 0; (n = ::read(read_end, buf, sizeof buf)) > 0;) left += static_cast<std::size_t>(n);
    return left;
  }
};

}  // namespace

// --- files that are not regular files ---

TEST(TraceReaderLimits, RefusesAFifoWithoutOpeningIt) {
  const fs::path dir = fresh_dir("fifo");
  const fs::path fifo = dir / "pipe.wtrace";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  // A writer that blocks in open() until someone opens the FIFO for reading. Should
  // read_file() open it, the writer gets through and closes it at once, so read_file()
  // sees an empty file and this test fails on the message instead of hanging.
  std::thread writer([&] {
    const int fd = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd >= 0) ::close(fd);
  });
  const wt::parse_error e = read_error(fifo);
  // Let the writer through.
  const int unblock = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  writer.join();
  ::close(unblock);
  EXPECT_EQ(e.line, 0U);
  EXPECT_EQ(std::string(e.what()), fifo.string() + ": is a FIFO, not a trace file");
  fs::remove_all(dir);
}

TEST(TraceReaderLimits, RefusesDevicesDirectoriesAndSockets) {
  EXPECT_EQ(std::string(read_error("/dev/zero").what()), "/dev/zero: is a character device, not a trace file");
  EXPECT_EQ(std::string(read_error("/dev/null").what()), "/dev/null: is a character device, not a trace file");

  const fs::path dir = fresh_dir("kinds");
  EXPECT_EQ(std::string(read_error(dir).what()), dir.string() + ": is a directory, not a trace file");

  const fs::path sock = dir / "s.sock";
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  ::sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  ASSERT_LT(sock.string().size(), sizeof addr.sun_path);
  std::strcpy(addr.sun_path, sock.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<const ::sockaddr*>(&addr), sizeof addr), 0) << std::strerror(errno);
  EXPECT_EQ(std::string(read_error(sock).what()), sock.string() + ": is a socket, not a trace file");
  ::close(fd);

  // A symbolic link is followed: to a regular file it reads, to a FIFO it is refused.
  std::ofstream(dir / "t.wtrace") << valid_text;
  fs::create_symlink(dir / "t.wtrace", dir / "link.wtrace");
  EXPECT_EQ(wt::read_file(dir / "link.wtrace"), wt::parse(valid_text));
  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
  fs::create_symlink(dir / "fifo", dir / "fifo-link.wtrace");
  EXPECT_EQ(read_error(dir / "fifo-link.wtrace").problem, "is a FIFO, not a trace file");
  fs::remove_all(dir);
}

// --- size ---

TEST(TraceReaderLimits, RefusesAFileOverTheLimitBeforeReadingIt) {
  const fs::path dir = fresh_dir("big");
  const fs::path big = dir / "big.wtrace";
  std::ofstream(big) << valid_text;
  fs::resize_file(big, wt::max_file_size + 1);  // sparse: costs no disk
  const wt::parse_error e = read_error(big);
  EXPECT_EQ(e.line, 0U);
  EXPECT_EQ(e.problem, "the file is 67108865 bytes, more than the limit of 67108864 bytes for a trace");
  fs::remove_all(dir);
}

TEST(TraceReaderLimits, AFileOfExactlyTheLimitIsRead) {
  const fs::path dir = fresh_dir("exact");
  const fs::path exact = dir / "exact.wtrace";
  {
    // The trace, then comment lines of the longest length allowed up to the limit.
    std::ofstream out(exact, std::ios::binary);
    out << valid_text;
    const std::string comment = "#" + std::string(wt::max_line_length - 1, 'c') + "\n";
    std::size_t left = wt::max_file_size - valid_text.size();
    for (; left >= comment.size(); left -= comment.size()) out << comment;
    out << std::string(left, '\n');
  }
  ASSERT_EQ(fs::file_size(exact), wt::max_file_size);
  EXPECT_EQ(wt::read_file(exact), wt::parse(valid_text));
  fs::remove_all(dir);
}

TEST(TraceReaderLimits, ReadFdStopsOneByteAfterTheLimit) {
  const std::string input = valid_text + std::string(4000, '#');
  filled_pipe p(input);
  try {
    (void)wt::read_fd(p.read_end, "pipe", 100);
    FAIL() << "no error";
  } catch (const wt::parse_error& e) {
    EXPECT_EQ(e.line, 0U);
    EXPECT_EQ(std::string(e.what()), "pipe: more than 100 bytes (the limit for a trace); stopped reading there");
  }
  EXPECT_EQ(p.bytes_left(), input.size() - 101);
}

TEST(TraceReaderLimits, ReadFdReadsInputOfExactlyTheLimit) {
  filled_pipe p(valid_text);
  EXPECT_EQ(wt::read_fd(p.read_end, "pipe", valid_text.size()), wt::parse(valid_text));

  // No limit at all (SIZE_MAX) reads to the end too.
  filled_pipe unlimited(valid_text);
  EXPECT_EQ(wt::read_fd(unlimited.read_end, "pipe", SIZE_MAX), wt::parse(valid_text));

  filled_pipe q(valid_text);
  try {
    (void)wt::read_fd(q.read_end, "pipe", valid_text.size() - 1);
    FAIL() << "no error";
  } catch (const wt::parse_error& e) {
    EXPECT_EQ(e.line, 0U);
  }

  // Parse errors name the source given.
  filled_pipe r("hello\n");
  try {
    (void)wt::read_fd(r.read_end, "<stdin>");
    FAIL() << "no error";
  } catch (const wt::parse_error& e) {
    EXPECT_EQ(std::string(e.what()), "<stdin>:1: not a weft trace (expected \"weft-trace 1\", got \"hello\")");
  }
}

TEST(TraceReaderLimits, ReadFdOfAnEndlessSourceStops) {
  const int fd = ::open("/dev/zero", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  try {
    (void)wt::read_fd(fd, "/dev/zero", 1 << 20);
    FAIL() << "no error";
  } catch (const wt::parse_error& e) {
    EXPECT_EQ(e.problem, "more than 1048576 bytes (the limit for a trace); stopped reading there");
  }
  ::close(fd);
}

TEST(TraceReaderLimits, ToTextRefusesATraceOverTheFileLimit) {
  wt::trace t = wt::parse(valid_text);
  // 65 params of just under 1 MiB each: every line is within its limit, the whole is not.
  for (int i = 0; i < 65; ++i) {
    t.params.emplace_back("p" + std::to_string(i), std::string(wt::max_line_length - 16, 'x'));
  }
  try {
    (void)wt::to_text(t);
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("bytes long; the limit is 67108864"), std::string::npos) << e.what();
  }
  t.params.resize(63);
  EXPECT_LE(wt::to_text(t).size(), wt::max_file_size);
}

// --- numbers ---

static_assert(wt::parse_u64("18446744073709551615").value == UINT64_MAX);
static_assert(wt::parse_u64("0xFFffFFffFFffFFff").value == UINT64_MAX);
static_assert(wt::parse_u64("0x").error == wt::number_error::no_hex_digits);

TEST(TraceNumbers, ParseU64AcceptsDecimalAndHex) {
  EXPECT_EQ(wt::parse_u64("0").value, 0U);
  EXPECT_EQ(wt::parse_u64("000123").value, 123U);
  EXPECT_EQ(wt::parse_u64("0x9e3779b97f4a7c15").value, 0x9e3779b97f4a7c15ULL);
  EXPECT_EQ(wt::parse_u64("0X00ff").value, 255U);
  EXPECT_TRUE(wt::parse_u64("0x0000000000000000000001").ok());
  EXPECT_EQ(wt::parse_u64("4294967295", wt::number_syntax::decimal, UINT32_MAX).value, UINT32_MAX);
}

TEST(TraceNumbers, ParseU64NamesTheError) {
  using wt::number_error;
  const auto error = [](std::string_view text, wt::number_syntax syntax = wt::number_syntax::decimal_or_hex,
                        std::uint64_t max = UINT64_MAX) {
    const wt::number_result r = wt::parse_u64(text, syntax, max);
    EXPECT_EQ(r.value, 0U) << text;
    return r.error;
  };
  EXPECT_EQ(error(""), number_error::empty);
  EXPECT_EQ(error("-1"), number_error::sign);
  EXPECT_EQ(error("+1"), number_error::sign);
  EXPECT_EQ(error("-x"), number_error::sign);
  EXPECT_EQ(error(" 1"), number_error::bad_digit);
  EXPECT_EQ(error("1 "), number_error::bad_digit);
  EXPECT_EQ(error("12x"), number_error::bad_digit);
  EXPECT_EQ(error("0x-1"), number_error::bad_digit);
  EXPECT_EQ(error("0xg"), number_error::bad_digit);
  EXPECT_EQ(error("ff"), number_error::bad_digit);
  EXPECT_EQ(error("0x10", wt::number_syntax::decimal), number_error::bad_digit);
  EXPECT_EQ(error("0x"), number_error::no_hex_digits);
  EXPECT_EQ(error("0X"), number_error::no_hex_digits);
  EXPECT_EQ(error("0x", wt::number_syntax::decimal), number_error::bad_digit);
  EXPECT_EQ(error("18446744073709551616"), number_error::out_of_range);
  EXPECT_EQ(error("99999999999999999999999"), number_error::out_of_range);
  EXPECT_EQ(error("99999999999999999999999x"), number_error::bad_digit);
  EXPECT_EQ(error("0x10000000000000000"), number_error::out_of_range);
  EXPECT_EQ(error("4294967296", wt::number_syntax::decimal, UINT32_MAX), number_error::out_of_range);
  EXPECT_EQ(error("5", wt::number_syntax::decimal, 3), number_error::out_of_range);
  EXPECT_EQ(error("1", wt::number_syntax::decimal, 0), number_error::out_of_range);
  EXPECT_TRUE(wt::parse_u64("0", wt::number_syntax::decimal, 0).ok());
  EXPECT_TRUE(wt::parse_u64("3", wt::number_syntax::decimal, 3).ok());
}

TEST(TraceNumbers, ParseNumberIsParseU64) {
  for (const std::string_view text : {"0", "1284", "0x9e3779b97f4a7c15", "0x", "-1", "18446744073709551616", "1 "}) {
    const wt::number_result r = wt::parse_u64(text);
    EXPECT_EQ(wt::parse_number(text), r.ok() ? std::optional<std::uint64_t>(r.value) : std::nullopt) << text;
  }
}

// The size stat() gives is only used to refuse a file early: reading goes to
// the file's end. Files of /proc are regular files that stat() says are empty.
TEST(TraceReaderLimits, AFileIsReadToItsEndNotToItsStatedSize) {
  struct ::stat st {};
  ASSERT_EQ(::stat("/proc/self/status", &st), 0);
  ASSERT_TRUE(S_ISREG(st.st_mode));
  ASSERT_EQ(st.st_size, 0);
  const wt::parse_error e = read_error("/proc/self/status");
  EXPECT_EQ(e.line, 1U);
  EXPECT_EQ(e.problem.rfind("not a weft trace (expected \"weft-trace 1\", got \"Name:", 0), 0U) << e.what();
}
