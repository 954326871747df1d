#!/usr/bin/python3
"""Time pare's optimal-transport solvers next to POT and SciPy in one run.

Run from the repository root with Debian's interpreter (python3-pot,
python3-scipy, python3-numpy installed):

    /usr/bin/python3 bench/ot_compare.py [--count 5] [--points 512,1024,2048,4096]
                                         [--pot-points 512,1024]

The Go side runs the fixed-shape benchmarks of pare/ops/ot through
`go test -bench` (GOMAXPROCS = all cores); the Python side times the same
problem shapes on data drawn from the same distributions (NumPy's RNG, not
Go's, so instances differ). Every figure is the median of --count runs.
The free-support barycenter is timed once per size because one run at 4096
points takes minutes on a small machine. A Markdown table goes to stdout.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

import numpy as np
import ot
import scipy
from scipy.optimize import linear_sum_assignment


def go_bench(pattern, count, env=None):
    """Run go test -bench and return {name: [ns/op, ...]} and extra metrics."""
    cmd = ["go", "test", "./ops/ot", "-run", "^$", "-bench", pattern,
           "-benchtime", "1x", "-count", str(count), "-timeout", "60m"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True,
                         env={**os.environ, **(env or {})}).stdout
    times, metrics = {}, {}
    for line in out.splitlines():
        m = re.match(r"^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(\d+) ns/op(.*)$", line)
        if not m:
            continue
        name = m.group(1)
        times.setdefault(name, []).append(int(m.group(2)) / 1e9)
        for value, unit in re.findall(r"([\d.e+-]+) (\w+)", m.group(3)):
            metrics.setdefault(name, {})[unit] = float(value)
    return times, metrics


def py_time(fn, count):
    ts = []
    out = None
    for _ in range(count):
        t0 = time.perf_counter()
        out = fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts), out


def planted_experts(rng, n_points, d=1536, n_experts=8, noise=0.5):
    base = rng.normal(size=(n_points, d))
    experts = []
    for _ in range(n_experts):
        perm = rng.permutation(n_points)
        e = np.empty_like(base)
        e[perm] = base + noise * rng.normal(size=base.shape)
        experts.append(e)
    return experts


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=5)
    ap.add_argument("--points", default="512,1024,2048,4096")
    ap.add_argument("--pot-points", default="512,1024")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    rows = []

    times, metrics = go_bench("LinearAssignment2048|EMD1000|Sinkhorn2000", args.count)
    med = {k: statistics.median(v) for k, v in times.items()}

    c = rng.random((2048, 2048))
    t_lsa, _ = py_time(lambda: linear_sum_assignment(c), args.count)
    rows.append(("linear assignment 2048×2048, uniform [0,1) costs",
                 med["BenchmarkLinearAssignment2048"], "scipy.optimize.linear_sum_assignment", t_lsa))

    n = 1000
    M = ot.dist(rng.normal(size=(n, 2)), rng.normal(size=(n, 2)))
    u = ot.unif(n)
    t_emd_u, _ = py_time(lambda: ot.emd(u, u, M), args.count)
    rows.append(("EMD 1000×1000, uniform marginals, sqeuclidean 2-D Gaussian points",
                 med["BenchmarkEMD1000Uniform"], "ot.emd", t_emd_u))
    a = rng.random(n) + 0.05
    a /= a.sum()
    b = rng.random(n) + 0.05
    b /= b.sum()
    t_emd_r, _ = py_time(lambda: ot.emd(a, b, M), args.count)
    rows.append(("EMD 1000×1000, random marginals, same costs",
                 med["BenchmarkEMD1000Random"], "ot.emd", t_emd_r))

    n = 2000
    M = ot.dist(rng.normal(size=(n, 2)), rng.normal(size=(n, 2)))
    M /= M.max()
    u = ot.unif(n)
    t_sk, (_, log) = py_time(lambda: ot.sinkhorn(u, u, M, 1e-2, log=True), args.count)
    go_it = metrics["BenchmarkSinkhorn2000"].get("iters")
    rows.append(("Sinkhorn 2000×2000, reg 1e-2, max(M) = 1, stopThr 1e-9 "
                 "(iterations: pare %d, POT %d)" % (go_it, log["niter"]),
                 med["BenchmarkSinkhorn2000"], "ot.sinkhorn (numpy backend)", t_sk))

    for pts in [int(p) for p in args.points.split(",") if p]:
        t, m = go_bench("FreeSupportBarycenter", 1, {"PARE_OT_BENCH_POINTS": str(pts)})
        name = "BenchmarkFreeSupportBarycenter/points=%d" % pts
        t_pot = None
        pot_iters = None
        if str(pts) in args.pot_points.split(","):
            experts = planted_experts(rng, pts)
            w = [ot.unif(pts)] * len(experts)
            t_pot, (_, log) = py_time(lambda: ot.lp.free_support_barycenter(
                experts, w, experts[0].copy(), numItermax=100, log=True), 1)
            pot_iters = len(log["displacement_square_norms"])
        label = "free-support barycenter, 8 measures × %d points × width 1536 (iterations: pare %d%s)" % (
            pts, m[name]["iters"], "" if pot_iters is None else ", POT %d" % pot_iters)
        rows.append((label, t[name][0], "ot.lp.free_support_barycenter" if t_pot else "", t_pot))

    print("POT %s, SciPy %s, NumPy %s, %d CPU cores" % (ot.__version__, scipy.__version__, np.__version__,
                                                        os.cpu_count()), file=sys.stderr)
    print("| problem | pare (s) | reference | reference (s) | reference / pare |")
    print("|---|---|---|---|---|")
    for label, tg, ref, tr in rows:
        if tr is None:
            print("| %s | %.3f | | | |" % (label, tg))
        else:
            print("| %s | %.3f | %s | %.3f | %.2f |" % (label, tg, ref, tr, tr / tg))


if __name__ == "__main__":
    main()
