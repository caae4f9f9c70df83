// Reading and writing weft traces in the text format, versions 1 and 2 (see
// traces/README.md for the format itself).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "weft/traces/trace.hpp"

namespace weft::traces {

// Hard limits; input beyond them is rejected with a parse_error instead of
// being allocated, and to_text() refuses to write traces beyond them.
inline constexpr std::size_t max_trace_threads = std::size_t{1} << 16;
inline constexpr std::size_t max_named_objects = std::size_t{1} << 16;  // "object" lines
inline constexpr std::size_t max_steps = std::size_t{1} << 26;
inline constexpr std::size_t max_params = std::size_t{1} << 16;
inline constexpr std::size_t max_line_length = std::size_t{1} << 20;  // bytes, without the line end
// Bytes in a whole trace text (64 MiB: close to a million step lines of 70 bytes).
// read_file() refuses a larger file before reading it and stops reading any
// input at this many bytes plus one, so it never holds more in memory.
inline constexpr std::size_t max_file_size = std::size_t{64} << 20;

// File name extension used by write_new_file().
inline constexpr std::string_view file_extension = ".wtrace";

// Error from parse() or read_file(): where (source and 1-based line, 0 for
// problems not tied to a line such as I/O errors) and what went wrong.
// what() is "<source>:<line>: <problem>", or "<source>: <problem>" for line 0.
struct parse_error : std::runtime_error {
  parse_error(std::string source_name, std::size_t line_number, std::string problem_text);

  std::string source;
  std::size_t line;
  std::string problem;
};

// The trace as text: version 1 if it uses nothing of version 2 (notes, object
// names, values, CAS outcomes), else version 2. Throws std::invalid_argument
// (see validate()) if the trace breaks a rule of the format, if a line would
// exceed max_line_length or the whole text max_file_size, so that everything
// written can be read back.
std::string to_text(const trace& t);

// Throws std::invalid_argument naming the first broken rule: thread ids not
// 0..n-1 in order, step indices not 0..n-1, a step or the failure naming an
// undeclared thread, a kind, failure kind or param key that is not a token
// [a-z0-9._-]+, an unknown memory order, duplicate param keys, notes whose
// indices are not ascending or exceed the step count, named objects with id 0,
// an empty name or ids not ascending, or more threads, steps, notes, named
// objects or params than the limits above.
void validate(const trace& t);

// Parses version 1 or 2 text. Throws parse_error for anything malformed; never
// crashes, hangs or allocates without bound on hostile input.
trace parse(std::string_view text, std::string_view source_name = "<memory>");

// Reads and parses a trace file, or standard input if path is "-" (named
// "<stdin>" in errors). Throws parse_error; problems with the file itself have
// line 0 and name the path: missing or unreadable; not a regular file (a
// directory, FIFO, device or socket is refused without being opened, so
// read_file() never blocks on one); larger than max_file_size, whether it is
// so from the start or grows while being read. Standard input may be a pipe or
// terminal; it is read to its end, up to max_file_size bytes.
trace read_file(const std::filesystem::path& path);

// Reads fd to its end and parses what it read, with source_name in errors.
// Reads at most max_bytes + 1 bytes: input longer than max_bytes is a
// parse_error with line 0, found without holding more than that in memory.
// Leaves fd open. read_file() reads through this.
trace read_fd(int fd, std::string_view source_name, std::size_t max_bytes = max_file_size);

// "<scenario>-<strategy>-seed<16 hex digits>-e<execution>", from the "seed"
// and "execution" params (decimal or 0x-hex). A param that is absent or not a
// number appears as "none" or as its text. Not yet sanitised for use as a
// file name; write_new_file() does that.
std::string file_base_name(const trace& t);

// Writes the trace to a new file in dir (created if needed) named
// "<base_name>.wtrace", or "<base_name>-1.wtrace", "-2", ... if that exists;
// never overwrites (O_CREAT|O_EXCL), so racing writers each get their own
// file. Characters of base_name outside [A-Za-z0-9._-] become '_'. Returns
// the path written. Throws std::invalid_argument (as to_text()) or
// std::filesystem::filesystem_error.
std::filesystem::path write_new_file(const std::filesystem::path& dir, std::string_view base_name,
                                     const trace& t);

// A number as written in values and params: decimal, or hex with a 0x/0X
// prefix; no sign, no surrounding space, no junk, no overflow. The value of
// parse_u64() (numbers.hpp), without the reason when there is none.
std::optional<std::uint64_t> parse_number(std::string_view text);

// True if text matches [a-z0-9._-]+ (step kinds, failure kinds, param keys).
bool is_token(std::string_view text);

// True if text is "-" or one of relaxed, consume, acquire, release, acq_rel, seq_cst.
bool is_memory_order(std::string_view text);

}  // namespace weft::traces
