// weft/checker/cli.hpp — the `weft` command-line tool, and the same commands in a user's binary.
//
//   weft list
//   weft explore [SCENARIO...] [--strategy random|pct] [--depth D] [--iterations N] [--seed S]
//                [--time-limit T] [--trace-dir DIR] [--fault-per-mille P] [--steps-max N]
//                [--json FILE]
//   weft replay FILE [--json FILE]
//   weft show FILE [--last N]
//   weft show --html FILE
//   weft minimize FILE [-o OUT] [--time-limit T]
//   weft export --chrome-trace FILE
//
// A test binary of your own offers the same commands over the scenarios registered in it
// (registry.hpp) when it hands main to weft:
//
//   int main(int argc, char** argv) { return weft::cli::main(argc, argv); }
//
// The weft tool is that main over the built-in catalogue.
//
// explore prints its run seed on stderr as it starts ("... seed 0x... (resume with --seed
// 0x...)"). SIGINT or SIGTERM during explore ends the run at the next execution boundary (an
// execution is never interrupted): the summary so far is printed (executions, failures, the
// seed) and the exit code is 130 (SIGINT) or 143 (SIGTERM). Every failure report ends with the
// command that replays its trace with this binary: the binary's absolute path (or its bare name
// when PATH finds this very binary under it), "replay", and the trace's absolute path, quoted
// for a POSIX shell. --json FILE also writes the reports as JSON (docs/report-json.md).
//
// Exit codes: 0 pass (or, for the demonstration, every expectation held), 1 safety failure,
// 2 deadlock or liveness failure, 3 nondeterminism or replay divergence, 64 usage error
// (bad arguments, unknown scenario, unreadable or malformed trace), 130 and 143 stopped by
// SIGINT and SIGTERM.
#pragma once

namespace weft::checker {

inline constexpr int exit_usage = 64;

// The weft tool: registers the built-in catalogue, then runs weft::cli::main.
int run_cli(int argc, char** argv);

}  // namespace weft::checker

namespace weft::cli {

// The weft commands over the scenarios registered in this binary (registry.hpp). Returns the
// exit code.
int main(int argc, char** argv);

}  // namespace weft::cli
