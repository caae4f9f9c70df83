#!/usr/bin/env python3
"""Markdown tables from weft_mailbox_bench's JSON (the tables of docs/perf/mailbox.md).

    python3 bench/mailbox_tables.py RESULT.json [--section throughput|work|latency|alloc|stall|steady|zeroize|targets]

Python 3 standard library only.
"""

import argparse
import json

ORDER = ["weft", "weft_zeroize", "weft_single", "mc_bounded", "mc_bounded_token", "mc_unbounded", "aq2",
         "aq_atomic", "aq2_spsc", "boost_queue", "boost_spsc", "tbb", "mutex_deque", "vyukov"]


def configs_of(rows):
    out = []
    for r in rows:
        c = (r["producers"], r["payload"], r["capacity"])
        if c not in out:
            out.append(c)
    return out


def cname(c):
    return "%s %dB/%d" % ("SPSC" if c[0] == 1 else "MPSC", c[1], c[2])


def throughput(res, section):
    rows = [r for r in res.get("throughput", []) if r["section"] == section]
    if not rows:
        return
    cfgs = configs_of(rows)
    labels = {r["queue"]: r["label"] for r in rows}
    send_batch = rows[0].get("send_batch", 1)
    if send_batch > 1:
        print("Producers send batches of %d: weft with try_send_batch, moodycamel with its bulk enqueue "
              "(all or nothing), boost::lockfree::spsc_queue with push(array), std::mutex + std::deque "
              "under one lock; the others one message at a time.\n" % send_batch)
    print("| queue (M msg/s, median; min-max) | " + " | ".join(cname(c) for c in cfgs) + " |")
    print("|---|" + "---:|" * len(cfgs))
    for q in [q for q in ORDER if q in labels]:
        cells = []
        for c in cfgs:
            r = next((x for x in rows if x["queue"] == q and (x["producers"], x["payload"], x["capacity"]) == c), None)
            if r is None:
                cells.append("—")
            elif r.get("stalled_runs"):
                cells.append("stalled %d/%d" % (r["stalled_runs"], r["stalled_runs"] + len(r["runs_msgs_per_s"])))
            else:
                runs = r["runs_msgs_per_s"]
                flag = " (FIFO broken)" if r.get("order_errors") else ""
                cells.append("%.1f (%.0f-%.0f)%s" % (r["median_msgs_per_s"] / 1e6, min(runs) / 1e6, max(runs) / 1e6, flag))
        name = "**%s**" % labels[q] if q == "weft" else labels[q]
        print("| %s | %s |" % (name, " | ".join(cells)))
    print()
    print("| weft / peer | " + " | ".join(cname(c) for c in cfgs) + " |")
    print("|---|" + "---:|" * len(cfgs))
    for q in [q for q in ORDER if q in labels and not q.startswith("weft")]:
        cells = []
        for c in cfgs:
            r = next((x for x in rows if x["queue"] == q and (x["producers"], x["payload"], x["capacity"]) == c), None)
            cells.append("—" if r is None or not r["median_msgs_per_s"] else "%.2fx" % r["weft_ratio"])
        print("| %s | %s |" % (labels[q], " | ".join(cells)))
    print()


def latency(res):
    rows = res.get("latency", [])
    if not rows:
        return
    print("| queue | payload | p50 ns | p95 ns | p99 ns | weft p95 / peer p95 | calls busy | timer p95 |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for p in sorted({r["payload"] for r in rows}):
        for q in ORDER:
            r = next((x for x in rows if x["queue"] == q and x["payload"] == p), None)
            if r is None:
                continue
            if r.get("stalled_runs") and not r["p95_ns"]:
                print("| %s | %dB | stalled | | | | | |" % (r["label"], p))
                continue
            name = "**%s**" % r["label"] if q == "weft" else r["label"]
            print("| %s | %dB | %.0f | %.0f | %.0f | %s | %.1f%% | %.0f |" % (
                name, p, r["p50_ns"], r["p95_ns"], r["p99_ns"], "—" if q == "weft" else "%.2f" % r["weft_p95_ratio"],
                100 * r["busy_fraction_of_calls"], r.get("timer_p95_ns", 0)))
    print()


def alloc(res):
    rows = [r for r in res.get("throughput", []) if r["section"] == "throughput"]
    if not rows:
        return
    print("| queue | allocations per message (all raw-throughput runs) | worst configuration |")
    print("|---|---:|---|")
    for q in ORDER:
        rs = [r for r in rows if r["queue"] == q]
        if not rs:
            continue
        total = sum(r["allocs"] for r in rs)
        msgs = sum(r["allocs"] / r["allocs_per_msg"] if r["allocs_per_msg"] else 0 for r in rs)
        worst = max(rs, key=lambda r: r["allocs_per_msg"])
        per = total / msgs if msgs else 0.0
        print("| %s | %s | %s |" % (rs[0]["label"], "0" if total == 0 else "%.2e" % per,
                                    "—" if total == 0 else "%s: %.2e" % (cname((worst["producers"], worst["payload"], worst["capacity"])), worst["allocs_per_msg"])))
    print()


def stall(res):
    rows = res.get("stall", [])
    if not rows:
        return
    print("| queue | capacity | progress | received | sent by producer 0 + 1 | detail |")
    print("|---|---:|---|---:|---|---|")
    for r in rows:
        print("| %s | %d | %s | %d | %s | %s |" % (r["label"], r["capacity"], "yes" if r["progress"] else "**STALLED**",
                                                  r["received"], " + ".join(str(x) for x in r["sent_per_producer"]),
                                                  r.get("stall_detail", "").strip("; ")))
    print()


def steady(res):
    st = res.get("steady")
    if not st:
        return
    print("| queue | rate target | achieved | busy at first try | busy calls (retries incl.) | CPU, % of one core | max RSS | allocs/msg | other load |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in st["at_1M"]:
        print("| %s | %.0f/s | %.0f/s | %.3f%% | %.3f%% | %.1f%% | %.1f MiB | %.3f | %.2f |" % (
            r["label"], r["rate_target"], r["rate_achieved"], 100 * r["busy_msg_fraction"], 100 * r["busy_call_fraction"],
            100 * r["cpu_fraction_of_one_core"], r["max_rss_mib"], r["allocs_per_msg"], r.get("foreign_load_cores", 0)))
    print()
    off = [r["cpu_fraction_of_one_core"] for r in st["zeroize_10k"] if not r["zeroize"]]
    on = [r["cpu_fraction_of_one_core"] for r in st["zeroize_10k"] if r["zeroize"]]
    pairs = st.get("zeroize_10k_cpu_pair_ratios")
    if pairs:  # newer results: many pairs, summarised
        ps = sorted(pairs)
        q = lambda f: ps[int(f * (len(ps) - 1) + 0.5)]
        print("weft at 10k msg/s, %d alternating pairs: CPU %% of one core, median zeroize off %.3f%% "
              "(%.3f-%.3f), on %.3f%% (%.3f-%.3f), on/off %.3f; each pair's on/off: median %.3f, "
              "quartiles %.3f-%.3f, range %.3f-%.3f" % (
                  len(pairs), 100 * st["zeroize_10k_cpu_off"], 100 * min(off), 100 * max(off),
                  100 * st["zeroize_10k_cpu_on"], 100 * min(on), 100 * max(on),
                  st["zeroize_10k_cpu_ratio"], st["zeroize_10k_cpu_paired_ratio"], q(0.25), q(0.75),
                  ps[0], ps[-1]))
    else:
        print("weft at 10k msg/s, CPU %% of one core: zeroize off %s (median %.3f%%), on %s (median %.3f%%), on/off %.3f" % (
            ", ".join("%.3f" % (100 * x) for x in off), 100 * st["zeroize_10k_cpu_off"],
            ", ".join("%.3f" % (100 * x) for x in on), 100 * st["zeroize_10k_cpu_on"], st["zeroize_10k_cpu_ratio"]))
    print()


def zeroize(res):
    rows = res.get("zeroize", [])
    for r in rows:
        print("- one thread, capacity %d, %dB payload: off %.2f ns, on %.2f ns per message (%+.2f ns)" % (
            r.get("capacity", 512), r["payload"], r["off_ns_per_msg"], r["on_ns_per_msg"],
            r["on_ns_per_msg"] - r["off_ns_per_msg"]))
    tp = res.get("throughput", [])
    for section in ("throughput", "work"):
        rows = [r for r in tp if r["section"] == section]
        pairs = []
        for z in rows:
            if z["queue"] != "weft_zeroize":
                continue
            w = next(x for x in rows if x["queue"] == "weft" and (x["producers"], x["payload"], x["capacity"]) ==
                     (z["producers"], z["payload"], z["capacity"]))
            if w["median_msgs_per_s"]:
                pairs.append((cname((z["producers"], z["payload"], z["capacity"])),
                              z["median_msgs_per_s"] / w["median_msgs_per_s"]))
        if pairs:
            print("- %s, zeroize on / off: %s" % (section, ", ".join("%s %.2f" % p for p in pairs)))
    print()


def targets(res):
    t = res.get("summary", {}).get("targets", [])
    if not t:
        return
    print("| target | met | figure |")
    print("|---|---|---|")
    for x in t:
        print("| %s | %s | %s |" % (x["target"], "met" if x["met"] else "**not met**", x["figure"]))
    print()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("result")
    ap.add_argument("--section", default="all")
    a = ap.parse_args()
    with open(a.result) as f:
        res = json.load(f)
    s = a.section
    if s in ("all", "targets"):
        targets(res)
    if s in ("all", "throughput"):
        throughput(res, "throughput")
    if s in ("all", "work"):
        throughput(res, "work")
    if s in ("all", "latency"):
        latency(res)
    if s in ("all", "alloc"):
        alloc(res)
    if s in ("all", "stall"):
        stall(res)
    if s in ("all", "steady"):
        steady(res)
    if s in ("all", "zeroize"):
        zeroize(res)


if __name__ == "__main__":
    main()
