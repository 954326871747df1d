#!/usr/bin/python3
"""Time pare's optimal-transport solvers next to POT and SciPy in one run.

Run from the repository root with Debian's interpreter (python3-pot,
python3-scipy, python3-numpy installed):

    /usr/bin/python3 bench/ot_compare.py [--count 5] [--points 512,1024,2048,4096]
                                         [--pot-points 512,1024] [--only-go-pot]

The Go side runs the fixed-shape benchmarks of pare/ops/ot through
`go test -bench` (GOMAXPROCS = all cores). For EMD and Sinkhorn the Python
side rebuilds the benchmarks' instances bit for bit (a SplitMix64 generator
that ops/ot/bench_test.go implements too), so both libraries solve the same
problems and the Sinkhorn iteration counts must agree. For linear assignment
and the free-support barycenter it times the same shapes on data from the
same distributions but NumPy's generator, so those instances differ. Every figure is the median of --count runs, as
wall time and as process CPU time (all threads; on a machine shared with
other jobs CPU time varies less). Ratios are reference / pare, so above 1
means pare is faster.
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
    """Run go test -bench; return {name: [wall s/op, ...]} and {name: {unit: [value, ...]}}."""
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
        for value, unit in re.findall(r"([\d.e+-]+) (\S+)", m.group(3)):
            metrics.setdefault(name, {}).setdefault(unit, []).append(float(value))
    return times, metrics


def py_time(fn, count):
    """Return the median wall and process CPU seconds of fn over count runs, and its last result."""
    walls, cpus = [], []
    out = None
    for _ in range(count):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus), out


class SplitMix64:
    """Steele, Lea and Flood's SplitMix64, as splitMix64 in ops/ot/bench_test.go."""

    MASK = (1 << 64) - 1

    def __init__(self, seed):
        self.state = seed

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & self.MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & self.MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & self.MASK
        return z ^ (z >> 31)

    def float(self):
        return (self.next() >> 11) * 2.0 ** -53


def bench_instance(seed, n, m, uniform):
    """Return a, b, M exactly as benchInstance in ops/ot/bench_test.go does."""
    rng = SplitMix64(seed)

    def points(k):
        return np.array([[rng.float(), rng.float()] for _ in range(k)])

    x, y = points(n), points(m)
    dx = x[:, None, 0] - y[None, :, 0]
    dy = x[:, None, 1] - y[None, :, 1]
    M = dx * dx + dy * dy

    def weights(k):
        if uniform:
            return ot.unif(k)
        w = [rng.float() + 0.05 for _ in range(k)]
        total = 0.0
        for x_ in w:
            total += x_
        return np.array([x_ / total for x_ in w])

    a = weights(n)
    b = weights(m)
    return a, b, M


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
    ap.add_argument("--only-go-pot", action="store_true",
                    help="time only EMD and Sinkhorn (skip linear assignment and the barycenters)")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    rows = []
    load_start = os.getloadavg()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())

    pattern = "EMD1000|Sinkhorn2000" if args.only_go_pot else "LinearAssignment2048|EMD1000|Sinkhorn2000"
    times, metrics = go_bench(pattern, args.count)

    def go_row(label, name, ref, py):
        wall, cpu = statistics.median(times[name]), statistics.median(metrics[name]["cpu-s/op"])
        rows.append((label, wall, cpu, ref, py[0], py[1]))

    if not args.only_go_pot:
        c = rng.random((2048, 2048))
        go_row("linear assignment 2048×2048, uniform [0,1) costs", "BenchmarkLinearAssignment2048",
               "scipy.optimize.linear_sum_assignment", py_time(lambda: linear_sum_assignment(c), args.count))

    u, _, M = bench_instance(2, 1000, 1000, True)
    go_row("EMD 1000×1000, uniform marginals, squared distances of uniform points in the unit square",
           "BenchmarkEMD1000Uniform", "ot.emd", py_time(lambda: ot.emd(u, u, M), args.count))
    a, b, M = bench_instance(2, 1000, 1000, False)
    go_row("EMD 1000×1000, random marginals, same kind of costs (pivots: pare %d)"
           % metrics["BenchmarkEMD1000Random"]["pivots"][0], "BenchmarkEMD1000Random", "ot.emd",
           py_time(lambda: ot.emd(a, b, M), args.count))

    u, _, M = bench_instance(3, 2000, 2000, True)
    M /= M.max()
    py = py_time(lambda: ot.sinkhorn(u, u, M, 1e-2, log=True), args.count)
    go_it = metrics["BenchmarkSinkhorn2000"]["iters"][0]
    # POT's log["niter"] is the 0-based index of its last iteration.
    pot_it = py[2][1]["niter"] + 1
    if go_it != pot_it:
        print("warning: Sinkhorn iterations differ: pare %d, POT %d" % (go_it, pot_it), file=sys.stderr)
    go_row("Sinkhorn 2000×2000, reg 1e-2, max(M) = 1, stopThr 1e-9 (iterations: pare %d, POT %d)"
           % (go_it, pot_it), "BenchmarkSinkhorn2000", "ot.sinkhorn (numpy backend)", py)

    for pts in [] if args.only_go_pot else [int(p) for p in args.points.split(",") if p]:
        t, m = go_bench("FreeSupportBarycenter", 1, {"PARE_OT_BENCH_POINTS": str(pts)})
        name = "BenchmarkFreeSupportBarycenter/points=%d" % pts
        py = (None, None)
        pot_iters = ""
        if str(pts) in args.pot_points.split(","):
            experts = planted_experts(rng, pts)
            w = [ot.unif(pts)] * len(experts)
            py = py_time(lambda: ot.lp.free_support_barycenter(
                experts, w, experts[0].copy(), numItermax=100, log=True), 1)
            pot_iters = ", POT %d" % len(py[2][1]["displacement_square_norms"])
        label = "free-support barycenter, 8 measures × %d points × width 1536 (iterations: pare %d%s)" % (
            pts, m[name]["iters"][0], pot_iters)
        rows.append((label, t[name][0], m[name]["cpu-s/op"][0],
                     "ot.lp.free_support_barycenter" if py[0] is not None else "", py[0], py[1]))

    print("POT %s, SciPy %s, NumPy %s, %d CPU cores, started %s, 1-minute load average %.1f at start "
          "and %.1f at end" % (ot.__version__, scipy.__version__, np.__version__, os.cpu_count(), started,
                               load_start[0], os.getloadavg()[0]))
    print()
    print("| problem | pare wall (s) | pare CPU (s) | reference | reference wall (s) | reference CPU (s) "
          "| wall ratio | CPU ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for label, wall, cpu, ref, rwall, rcpu in rows:
        if rwall is None:
            print("| %s | %.3f | %.3f | | | | | |" % (label, wall, cpu))
        else:
            print("| %s | %.3f | %.3f | %s | %.3f | %.3f | %.2f | %.2f |"
                  % (label, wall, cpu, ref, rwall, rcpu, rwall / wall, rcpu / cpu))

if __name__ == "__main__":
    main()
