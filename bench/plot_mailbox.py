#!/usr/bin/python3
"""Plots weft_mailbox_bench's JSON: throughput of every queue per configuration, and try_send p95.

    /usr/bin/python3 bench/plot_mailbox.py RESULT.json docs/perf/mailbox.png [--title TEXT]

Needs matplotlib (Debian: apt-get install -y python3-matplotlib; hence /usr/bin/python3).
"""

import argparse
import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ORDER = ["weft", "weft_zeroize", "weft_single", "mc_bounded", "mc_bounded_token", "mc_unbounded", "aq2",
         "aq_atomic", "aq2_spsc", "boost_queue", "boost_spsc", "tbb", "mutex_deque", "vyukov"]
SHORT = {
    "weft": "weft (batch)", "weft_zeroize": "weft zeroize", "weft_single": "weft (try_recv)",
    "mc_bounded": "moodycamel bounded", "mc_bounded_token": "moodycamel bounded+token",
    "mc_unbounded": "moodycamel unbounded", "aq2": "atomic_queue AQ2", "aq_atomic": "atomic_queue AQ",
    "aq2_spsc": "atomic_queue AQ2 SPSC", "boost_queue": "boost queue", "boost_spsc": "boost spsc_queue",
    "tbb": "tbb bounded", "mutex_deque": "mutex+deque", "vyukov": "Vyukov ring (reference)",
}


def config_label(r):
    return "%s\n%dB cap %d" % ("SPSC" if r["producers"] == 1 else "MPSC x2", r["payload"], r["capacity"])


def throughput_axes(ax, rows, title):
    configs = []
    for r in rows:
        c = (r["producers"], r["payload"], r["capacity"])
        if c not in configs:
            configs.append(c)
    queues = [q for q in ORDER if any(r["queue"] == q for r in rows)]
    width = 0.8 / max(1, len(queues))
    cmap = plt.get_cmap("tab20")
    for qi, q in enumerate(queues):
        xs, ys, lo, hi, broken = [], [], [], [], []
        for ci, c in enumerate(configs):
            for r in rows:
                if r["queue"] == q and (r["producers"], r["payload"], r["capacity"]) == c and r["median_msgs_per_s"] > 0:
                    med = r["median_msgs_per_s"] / 1e6
                    runs = [v / 1e6 for v in r["runs_msgs_per_s"]]
                    xs.append(ci + (qi - len(queues) / 2 + 0.5) * width)
                    ys.append(med)
                    lo.append(med - min(runs))
                    hi.append(max(runs) - med)
                    broken.append(bool(r.get("order_errors")))
        color = "black" if q == "weft" else cmap(qi % 20)
        bars = ax.bar(xs, ys, width, label=SHORT.get(q, q), color=color,
                      yerr=[lo, hi], error_kw={"elinewidth": 0.6, "capsize": 0, "ecolor": "0.35"})
        for b, br in zip(bars, broken):
            if br:
                b.set_hatch("xxx")
                b.set_edgecolor("white")
    ax.set_xticks(range(len(configs)))
    ax.set_xticklabels([config_label({"producers": c[0], "payload": c[1], "capacity": c[2]}) for c in configs],
                       fontsize=8)
    ax.set_ylabel("million messages / s\n(median; whiskers: min-max of the runs)")
    ax.set_yscale("log")
    ax.set_title(title, fontsize=10)
    ax.grid(axis="y", which="both", alpha=0.3)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("result")
    ap.add_argument("png")
    ap.add_argument("--title", default="")
    a = ap.parse_args()
    with open(a.result) as f:
        res = json.load(f)
    tp = [r for r in res.get("throughput", []) if r["section"] == "throughput"]
    work = [r for r in res.get("throughput", []) if r["section"] == "work"]
    lat = res.get("latency", [])
    panels = [p for p in (tp, work, lat) if p]
    fig, axes = plt.subplots(len(panels), 1, figsize=(13, 4.2 * len(panels)), squeeze=False)
    i = 0
    meta = res.get("meta", {})
    pin = meta.get("pin", "none")
    if tp:
        throughput_axes(axes[i][0], tp, "Raw throughput (pin: %s); hatched: per-producer FIFO broken; "
                        "missing bar: every run stalled" % pin)
        i += 1
    if work:
        throughput_axes(axes[i][0], work, "Consumer doing ~%.0f ns of work per message" % meta.get("work_ns", 50))
        i += 1
    if lat:
        ax = axes[i][0]
        queues = [q for q in ORDER if any(r["queue"] == q for r in lat)]
        payloads = sorted({r["payload"] for r in lat})
        width = 0.8 / max(1, len(payloads))
        for pi, p in enumerate(payloads):
            xs, p50, p95, p99 = [], [], [], []
            for qi, q in enumerate(queues):
                for r in lat:
                    if r["queue"] == q and r["payload"] == p:
                        xs.append(qi + (pi - len(payloads) / 2 + 0.5) * width)
                        p50.append(r["p50_ns"])
                        p95.append(r["p95_ns"])
                        p99.append(r["p99_ns"])
            ax.bar(xs, p95, width, label="p95, %dB payload" % p, alpha=0.8)
            ax.scatter(xs, p50, marker="_", color="black", s=120, zorder=3, label="p50" if pi == 0 else None)
            ax.scatter(xs, p99, marker="^", color="red", s=20, zorder=3, label="p99" if pi == 0 else None)
        ax.axhline(250, color="red", linestyle="--", linewidth=1, label="target p95 250 ns")
        ax.set_xticks(range(len(queues)))
        ax.set_xticklabels([SHORT.get(q, q) for q in queues], fontsize=8, rotation=15)
        ax.set_ylabel("ns per try_send call")
        ax.set_yscale("log")
        ax.set_title("try_send latency under MPSC load (2 producers, capacity 512; every 64th call timed)",
                     fontsize=10)
        ax.grid(axis="y", which="both", alpha=0.3)
        ax.legend(fontsize=8)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=7, fontsize=8, bbox_to_anchor=(0.5, 1.0))
    fig.suptitle(a.title or "weft::mailbox against peers, %s, %s hardware threads" % (
        meta.get("date", ""), meta.get("hardware_threads", "?")), y=1.03, fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    fig.savefig(a.png, dpi=110, bbox_inches="tight")


if __name__ == "__main__":
    main()
