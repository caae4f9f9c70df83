// weft/checker/cli.hpp — the `weft` command-line tool.
//
//   weft list
//   weft explore [SCENARIO...] [--strategy random|pct] [--depth D] [--iterations N] [--seed S]
//                [--time-limit T] [--trace-dir DIR] [--fault-per-mille P] [--steps-max N]
//   weft replay FILE
//   weft show FILE [--last N]
//   weft show --html FILE
//   weft minimize FILE [-o OUT] [--time-limit T]
//   weft export --chrome-trace FILE
//
// Exit codes: 0 pass (or, for the demonstration, every expectation held), 1 safety failure,
// 2 deadlock or liveness failure, 3 nondeterminism or replay divergence, 64 usage error
// (bad arguments, unknown scenario, unreadable or malformed trace).
#pragma once

namespace weft::checker {

inline constexpr int exit_usage = 64;

int run_cli(int argc, char** argv);

}  // namespace weft::checker
