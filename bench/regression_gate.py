#!/usr/bin/env python3
"""Regression gate for weft::mailbox: reruns weft_mailbox_bench and compares with a baseline.

    bench/regression_gate.py build/release/bench/weft_mailbox_bench
    bench/regression_gate.py BINARY --baseline bench/baselines/mailbox.json --tolerance 0.10
    bench/regression_gate.py BINARY --update          # measure and store a new baseline
    bench/regression_gate.py --from-json result.json  # compare a result already measured

What is compared (absolute rates drift on shared machines; ratios measured in one run do not):

  - throughput: weft's messages/s over each peer's, per configuration (producers, payload,
    capacity), from the benchmark's `throughput` section. A ratio that fell by more than the
    tolerance (default 10%) fails.
  - latency: weft's try_send p95 over each peer's p95, MPSC, per payload. A ratio that rose by
    more than the tolerance fails.
  - allocations: any allocation in a weft run fails (the mailbox allocates only at construction).
  - a weft run that stalled or delivered a message out of order fails.

The verdict on throughput (and on p95) is the median of the changes of all weft-to-peer ratios
(every peer, every configuration): a slower weft moves all of them, while on a 2-vCPU machine a
single configuration can flip between a fast and a slow regime from one run to the next and move
its ratios by 2-4x. Per-peer medians and single ratios beyond the tolerance are printed as
warnings; --strict turns them into failures (for a quiet machine with a core per thread).

When the ratios fail, the gate runs the benchmark again (--confirm, once by default) and fails
only if every run fails: on the 2-vCPU machine the median ratio change between two runs of the
same code reached 24% in one of three pairs, a real regression fails every time.

Exit status: 0 pass, 1 regression, 2 usage error, the benchmark could not run, or its run is not
comparable with the baseline (pinned or not, batch sends or not).
Python 3 standard library only.
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

DEFAULT_BASELINE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "baselines", "mailbox.json")
# What the gate runs unless the baseline says otherwise (the baseline stores the arguments it
# was measured with, so that a comparison always uses the same ones).
# weft against the peers that matter for the ratios (the stalling moodycamel-with-token mode and
# weft's own variants are left out: they add minutes and no ratio the gate judges).
DEFAULT_BENCH_ARGS = ["--sections", "throughput,latency", "--reps", "5", "--messages", "4000000",
                      "--min-run-seconds", "0.3",
                      "--queues", "mc_bounded,mc_unbounded,aq2,boost_queue,boost_spsc,tbb,mutex_deque"]


def throughput_ratios(result):
    """{(peer, producers, payload, capacity): weft msg/s / peer msg/s} from the throughput section."""
    rows = [r for r in result.get("throughput", []) if r.get("section") == "throughput"]
    weft = {(r["producers"], r["payload"], r["capacity"]): r["median_msgs_per_s"]
            for r in rows if r["queue"] == "weft"}
    out = {}
    for r in rows:
        if r.get("weft"):
            continue
        key = (r["producers"], r["payload"], r["capacity"])
        if key in weft and r["median_msgs_per_s"] > 0 and weft[key] > 0:
            out[(r["queue"],) + key] = weft[key] / r["median_msgs_per_s"]
    return out


def p95_ratios(result):
    """{(peer, payload, capacity): weft p95 / peer p95} from the latency section."""
    rows = result.get("latency", [])
    weft = {(r["payload"], r["capacity"]): r["p95_ns"] for r in rows if r["queue"] == "weft"}
    out = {}
    for r in rows:
        if r.get("weft"):
            continue
        key = (r["payload"], r["capacity"])
        if key in weft and r["p95_ns"] > 0 and weft[key] > 0:
            out[(r["queue"],) + key] = weft[key] / r["p95_ns"]
    return out


def weft_health(result):
    """Failures that need no baseline: allocations, stalls, order errors in weft's runs."""
    problems = []
    for r in result.get("throughput", []):
        if not r.get("weft"):
            continue
        where = "%s %s p=%d %dB cap %d" % (r["section"], r["queue"], r["producers"], r["payload"], r["capacity"])
        if r.get("allocs", 0) > 0:
            problems.append("%s: %d allocations (%.2e per message)" % (where, r["allocs"], r["allocs_per_msg"]))
        if r.get("stalled_runs", 0) > 0:
            problems.append("%s: %d stalled runs" % (where, r["stalled_runs"]))
        if r.get("order_errors", 0) > 0:
            problems.append("%s: %d messages out of order" % (where, r["order_errors"]))
    for r in result.get("latency", []):
        if r.get("weft") and r.get("stalled_runs", 0) > 0:
            problems.append("latency %s %dB: %d stalled runs" % (r["queue"], r["payload"], r["stalled_runs"]))
    return problems


def median(values):
    v = sorted(values)
    n = len(v)
    return v[n // 2] if n % 2 else 0.5 * (v[n // 2 - 1] + v[n // 2])


def compare(name, base, cur, tolerance, worse_if_lower, strict):
    """Prints the comparison; returns (failures, warnings).

    The verdict is the median of the changes of every (peer, configuration) ratio: a change in
    weft moves all of them together, while one configuration flipping between the fast and the
    slow regime of a 2-vCPU run, or one noisy peer, moves only a few. Per-peer medians and single
    configurations beyond the tolerance are warnings (failures with --strict)."""
    failures, warnings = [], []
    common = sorted(set(base) & set(cur))
    if not common:
        failures.append("%s: no configuration in common with the baseline" % name)
        return failures, warnings

    def bad(change):
        return change < 1 - tolerance if worse_if_lower else change > 1 + tolerance

    by_peer = {}
    changes = []
    print("\n%s (weft / peer): baseline, now, change" % name)
    for key in common:
        change = cur[key] / base[key]
        changes.append(change)
        by_peer.setdefault(key[0], []).append(change)
        mark = "  <-- beyond tolerance" if bad(change) else ""
        if bad(change):
            (failures if strict else warnings).append(
                "%s %s: %.3f -> %.3f (%+.1f%%)" % (name, key, base[key], cur[key], 100 * (change - 1)))
        print("  %-40s %8.3f %8.3f %+7.1f%%%s" % (key, base[key], cur[key], 100 * (change - 1), mark))
    print("  per peer, median of the changes:")
    for peer, cs in sorted(by_peer.items()):
        m = median(cs)
        print("    %-24s %+7.1f%% over %d configurations%s" % (peer, 100 * (m - 1), len(cs),
                                                              "  <-- beyond tolerance" if bad(m) else ""))
        if bad(m):
            (failures if strict else warnings).append("%s vs %s: median change %+.1f%%" % (name, peer, 100 * (m - 1)))
    m = median(changes)
    verdict = bad(m)
    print("  all %d ratios, median change: %+.1f%%%s" % (len(changes), 100 * (m - 1), "  <-- REGRESSION" if verdict else ""))
    if verdict:
        failures.append("%s: median change of all %d ratios %+.1f%% (tolerance %.0f%%)"
                        % (name, len(changes), 100 * (m - 1), 100 * tolerance))
    missing = sorted(set(base) - set(cur))
    if missing:
        warnings.append("%s: %d baseline configurations not measured now (e.g. %s)" % (name, len(missing), missing[0]))
    return failures, warnings


def run_bench(binary, args):
    fd, path = tempfile.mkstemp(suffix=".json", prefix="weft_mailbox_")
    os.close(fd)
    cmd = [binary] + args + ["--json", path]
    print("running:", " ".join(cmd), flush=True)
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    except OSError as e:
        print("regression_gate: cannot run %s: %s" % (binary, e), file=sys.stderr)
        sys.exit(2)
    if proc.returncode != 0:
        print(proc.stdout)
        print("regression_gate: the benchmark exited with %d" % proc.returncode, file=sys.stderr)
        sys.exit(2)
    with open(path) as f:
        result = json.load(f)
    os.unlink(path)
    return result, proc.stdout


def judge(baseline, result, a):
    """Compares one result with the baseline. Returns (ratio_failures, health_failures)."""
    bm, rm = baseline.get("meta", {}), result.get("meta", {})
    print("baseline: %s, %s hardware threads, pin %s" % (bm.get("date"), bm.get("hardware_threads"), bm.get("pin")))
    print("now:      %s, %s hardware threads, pin %s" % (rm.get("date"), rm.get("hardware_threads"), rm.get("pin")))
    failures, warnings = [], []
    f, w = compare("throughput ratio", throughput_ratios(baseline), throughput_ratios(result), a.tolerance,
                   worse_if_lower=True, strict=a.strict)
    failures += f
    warnings += w
    if baseline.get("latency") or result.get("latency"):
        f, w = compare("p95 ratio", p95_ratios(baseline), p95_ratios(result), a.tolerance,
                       worse_if_lower=False, strict=a.strict)
        failures += f
        warnings += w
    health = weft_health(result)
    print()
    for x in warnings:
        print("warning:", x)
    for x in failures + health:
        print("FAIL:", x)
    return failures, health


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary", nargs="?", help="path to weft_mailbox_bench")
    ap.add_argument("--baseline", default=DEFAULT_BASELINE, help="baseline JSON (default: %(default)s)")
    ap.add_argument("--tolerance", type=float, default=0.10, help="allowed relative change (default 0.10)")
    ap.add_argument("--strict", action="store_true", help="fail on any single configuration beyond tolerance")
    ap.add_argument("--confirm", type=int, default=1, metavar="N",
                    help="when the ratios fail, run again up to N times and fail only if every run fails "
                         "(default 1; 0: judge the first run alone). Allocations, stalls and reordering "
                         "fail at once.")
    ap.add_argument("--update", action="store_true", help="store this run as the new baseline and exit 0")
    ap.add_argument("--from-json", metavar="RESULT", help="compare this result file instead of running")
    ap.add_argument("--save", metavar="PATH", help="also write this run's result JSON here (the last run)")
    ap.add_argument("--show-output", action="store_true", help="print the benchmark's own output")
    ap.epilog = ("The benchmark runs with the arguments the baseline was measured with (else: %s); "
                 "arguments after -- are appended (the last value of an option wins)."
                 % " ".join(DEFAULT_BENCH_ARGS))
    argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        extra = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
    a = ap.parse_args(argv)

    baseline = None
    if os.path.exists(a.baseline):
        with open(a.baseline) as f:
            baseline = json.load(f)
    elif not a.update:
        print("regression_gate: no baseline at %s (run with --update to create it)" % a.baseline, file=sys.stderr)
        return 2
    if not a.from_json and not a.binary:
        ap.error("the benchmark binary is required (or --from-json)")

    # Arguments after -- are appended: the benchmark takes the last value of an option given twice.
    bench_args = list((baseline or {}).get("gate_args") or DEFAULT_BENCH_ARGS) + extra
    attempts = 1 if (a.from_json or a.update) else 1 + max(0, a.confirm)
    for attempt in range(attempts):
        if a.from_json:
            with open(a.from_json) as f:
                result = json.load(f)
            bench_args = result.get("gate_args", [])
        else:
            result, output = run_bench(a.binary, bench_args)
            result["gate_args"] = bench_args
            if a.show_output:
                print(output)
        if a.save:
            with open(a.save, "w") as f:
                json.dump(result, f, indent=1)

        if a.update:
            os.makedirs(os.path.dirname(os.path.abspath(a.baseline)), exist_ok=True)
            with open(a.baseline, "w") as f:
                json.dump(result, f, indent=1)
                f.write("\n")
            print("baseline written to %s" % a.baseline)
            for p in weft_health(result):
                print("warning: the new baseline has a problem: %s" % p)
            return 0

        # Ratios from runs with pinned threads or batch sends are not comparable with ratios from
        # runs without: refuse instead of reporting a change the code did not make.
        for key, default in (("pin", "none"), ("send_batch", 1)):
            was, now = baseline.get("meta", {}).get(key, default), result.get("meta", {}).get(key, default)
            if was != now:
                print("regression_gate: the baseline was measured with %s %s, this run with %s %s: "
                      "not comparable" % (key, was, key, now), file=sys.stderr)
                return 2
        if baseline.get("gate_args") and bench_args != baseline["gate_args"]:
            print("note: measured with %s, the baseline with %s" % (bench_args, baseline["gate_args"]))
        failures, health = judge(baseline, result, a)
        if health:
            print("regression_gate: FAIL (%d)" % (len(failures) + len(health)))
            return 1
        if not failures:
            print("regression_gate: pass%s" % (" (run %d of %d)" % (attempt + 1, attempts) if attempt else ""))
            return 0
        if attempt + 1 < attempts:
            print("\nregression_gate: the ratios failed; running again to confirm (%d of %d)\n"
                  % (attempt + 2, attempts), flush=True)
    print("regression_gate: FAIL (%d)%s" % (len(failures), " in every one of %d runs" % attempts if attempts > 1 else ""))
    return 1


if __name__ == "__main__":
    sys.exit(main())
