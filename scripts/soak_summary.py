#!/usr/bin/env python3
"""The verdict of `make soak` (scripts/soak.sh), from its samples.

    soak_summary.py RESULTS_DIR [--warmup-s 300] [--rss-limit-mb-per-h 5]
                    [--fd-tolerance N] [--thread-tolerance N] [--meta KEY=VALUE ...]

Reads RESULTS_DIR/samples.csv (elapsed_s,rss_kb,fds,threads,requests_ok,requests_failed) and, when
present, RESULTS_DIR/proc.csv (extra columns: rss_anon_kb, rss_file_kb, cpu_s, ...), writes
RESULTS_DIR/summary.txt and RESULTS_DIR/summary.json, prints the text, and exits 0 on PASS, 1 on
FAIL, 2 when there are too few samples to judge.

The goal: after the warm-up, RSS grows by less than --rss-limit-mb-per-h, measured as the
least-squares slope of RSS over every post-warm-up sample (one late sample cannot decide it, as
end-minus-start would let it); open file descriptors and threads are flat: max - min after the
warm-up at most the stated tolerance.
"""

import argparse
import csv
import json
import os
import sys


def slope(xs, ys):
    """Least-squares slope of ys over xs (units of y per unit of x), and R²."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0:
        return 0.0, 0.0
    b = sxy / sxx
    r2 = (sxy * sxy) / (sxx * syy) if syy > 0 else 1.0
    return b, r2


def read_csv(path):
    with open(path, newline="") as f:
        return [{k: float(v) for k, v in row.items() if v not in ("", None)} for row in csv.DictReader(f)]


def mb_per_h(kb_per_s):
    return kb_per_s * 3600 / 1024


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("results")
    p.add_argument("--warmup-s", type=float, default=300)
    p.add_argument("--rss-limit-mb-per-h", type=float, default=5.0)
    p.add_argument("--fd-tolerance", type=int, default=0)
    p.add_argument("--thread-tolerance", type=int, default=0)
    p.add_argument("--meta", action="append", default=[], help="KEY=VALUE copied into the summary")
    a = p.parse_args()

    samples = read_csv(os.path.join(a.results, "samples.csv"))
    proc_path = os.path.join(a.results, "proc.csv")
    proc = read_csv(proc_path) if os.path.exists(proc_path) else []
    meta = dict(kv.split("=", 1) for kv in a.meta)

    post = [s for s in samples if s["elapsed_s"] >= a.warmup_s]
    summary = {"meta": meta, "samples": len(samples), "warmupSeconds": a.warmup_s,
               "goal": {"rssGrowthMBPerHourBelow": a.rss_limit_mb_per_h,
                        "fdMaxMinusMinAtMost": a.fd_tolerance, "threadMaxMinusMinAtMost": a.thread_tolerance}}
    lines = []
    if len(post) < 3:
        summary["verdict"] = "INSUFFICIENT"
        summary["reason"] = f"{len(post)} samples after the {a.warmup_s:.0f} s warm-up; at least 3 are needed"
        lines.append(f"soak: INSUFFICIENT DATA — {summary['reason']}")
    else:
        first, last = post[0], post[-1]
        xs = [s["elapsed_s"] for s in post]
        rss_slope, rss_r2 = slope(xs, [s["rss_kb"] for s in post])
        # The second half of the post-warm-up window alone: near zero while the whole-window slope
        # is not means growth that levels off (a cache filling up), not one that goes on (a leak).
        half = [s for s in post if s["elapsed_s"] >= (first["elapsed_s"] + last["elapsed_s"]) / 2]
        late_slope = slope([s["elapsed_s"] for s in half], [s["rss_kb"] for s in half])[0] if len(half) >= 3 else None
        fds = [int(s["fds"]) for s in post]
        threads = [int(s["threads"]) for s in post]
        rss_ok = mb_per_h(rss_slope) < a.rss_limit_mb_per_h
        fd_ok = max(fds) - min(fds) <= a.fd_tolerance
        thread_ok = max(threads) - min(threads) <= a.thread_tolerance
        end = samples[-1]
        ok_reqs, failed_reqs = int(end.get("requests_ok", 0)), int(end.get("requests_failed", 0))
        duration = end["elapsed_s"]
        summary.update({
            "durationSeconds": duration,
            "rss": {
                "startKB": int(samples[0]["rss_kb"]), "warmupEndKB": int(first["rss_kb"]),
                "warmupEndElapsedSeconds": first["elapsed_s"], "endKB": int(last["rss_kb"]),
                "maxKB": int(max(s["rss_kb"] for s in post)),
                "growthAfterWarmupKB": int(last["rss_kb"] - first["rss_kb"]),
                "slopeMBPerHour": round(mb_per_h(rss_slope), 3), "slopeR2": round(rss_r2, 3),
                "secondHalfSlopeMBPerHour": None if late_slope is None else round(mb_per_h(late_slope), 3),
                "pass": rss_ok,
            },
            "fds": {"min": min(fds), "max": max(fds), "start": int(samples[0]["fds"]), "pass": fd_ok},
            "threads": {"min": min(threads), "max": max(threads), "start": int(samples[0]["threads"]), "pass": thread_ok},
            "requests": {"ok": ok_reqs, "failed": failed_reqs,
                         "perSecond": round((ok_reqs + failed_reqs) / duration, 2) if duration > 0 else 0},
        })
        if proc:
            pp = [r for r in proc if r["elapsed_s"] >= a.warmup_s]
            if len(pp) >= 3:
                px = [r["elapsed_s"] for r in pp]
                extra = {}
                for col in ("rss_anon_kb", "rss_file_kb"):
                    if col in pp[0]:
                        extra[col.replace("_kb", "")] = {
                            "warmupEndKB": int(pp[0][col]), "endKB": int(pp[-1][col]),
                            "slopeMBPerHour": round(mb_per_h(slope(px, [r[col] for r in pp])[0]), 3)}
                if "cpu_s" in pp[-1]:
                    extra["cpuSeconds"] = round(pp[-1]["cpu_s"], 1)
                    extra["cpuPercentAfterWarmup"] = round(100 * (pp[-1]["cpu_s"] - pp[0]["cpu_s"]) / max(1e-9, px[-1] - px[0]), 1)
                for col in ("log_bytes", "state_db_bytes", "target_db_bytes"):
                    if col in pp[-1]:
                        extra[col.replace("_bytes", "") + "MB"] = round(pp[-1][col] / 1e6, 1)
                summary["process"] = extra
        verdict = "PASS" if rss_ok and fd_ok and thread_ok else "FAIL"
        summary["verdict"] = verdict
        r = summary["rss"]
        mins = lambda s: f"{s / 60:.1f} min"
        lines += [
            f"soak {verdict}: {mins(duration)}, {summary['samples']} samples, warm-up {mins(a.warmup_s)}"
            + (f", {', '.join(f'{k}={v}' for k, v in meta.items())}" if meta else ""),
            f"  RSS      start {r['startKB'] / 1024:.1f} MB, at warm-up end ({mins(first['elapsed_s'])}) {r['warmupEndKB'] / 1024:.1f} MB,"
            f" end {r['endKB'] / 1024:.1f} MB (max {r['maxKB'] / 1024:.1f} MB)",
            f"           growth after warm-up {r['growthAfterWarmupKB'] / 1024:+.1f} MB; least-squares slope {r['slopeMBPerHour']:+.2f} MB/h"
            f" (R² {r['slopeR2']:.2f}; second half alone "
            + ("n/a" if r["secondHalfSlopeMBPerHour"] is None else f"{r['secondHalfSlopeMBPerHour']:+.2f} MB/h")
            + f") — goal < {a.rss_limit_mb_per_h:g} MB/h: {'ok' if rss_ok else 'NOT MET'}",
            f"  fds      after warm-up min {min(fds)}, max {max(fds)} (start {summary['fds']['start']}) — goal max-min <= {a.fd_tolerance}:"
            f" {'ok' if fd_ok else 'NOT MET'}",
            f"  threads  after warm-up min {min(threads)}, max {max(threads)} (start {summary['threads']['start']}) — goal max-min <= {a.thread_tolerance}:"
            f" {'ok' if thread_ok else 'NOT MET'}",
            f"  requests ok {ok_reqs}, failed {failed_reqs} ({summary['requests']['perSecond']}/s)",
        ]
        if "process" in summary:
            x = summary["process"]
            parts = []
            for key in ("rss_anon", "rss_file"):
                if key in x:
                    parts.append(f"{key} {x[key]['warmupEndKB'] / 1024:.1f} → {x[key]['endKB'] / 1024:.1f} MB ({x[key]['slopeMBPerHour']:+.2f} MB/h)")
            if "cpuPercentAfterWarmup" in x:
                parts.append(f"CPU {x['cpuPercentAfterWarmup']} % of a core after warm-up")
            files = [f"{k[:-2]} {v} MB" for k, v in x.items() if k.endswith("MB")]
            lines.append("  process  " + "; ".join(parts) + (f"; files: {', '.join(files)}" if files else ""))
    text = "\n".join(lines) + "\n"
    with open(os.path.join(a.results, "summary.txt"), "w") as f:
        f.write(text)
    with open(os.path.join(a.results, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")
    sys.stdout.write(text)
    return {"PASS": 0, "FAIL": 1}.get(summary["verdict"], 2)


if __name__ == "__main__":
    sys.exit(main())
