"""NumPy figures to set next to pare's tensor benchmarks in
docs/benchmarks.md (Tensor section).

Run from the repository root with Debian's NumPy:
    /usr/bin/python3 bench/tensor_numpy_bench.py
Like the Go benchmarks, each figure is the fastest of interleaved runs, so
other work on a shared machine disturbs it as little as possible. NumPy uses
one thread for elementwise work.
"""
import time

import numpy as np

N = 16 << 20
rng = np.random.default_rng(1)
a = rng.random(N, dtype=np.float32)
b = rng.random(N, dtype=np.float32)
out = np.empty_like(a)
dst = np.empty_like(a)


def best(fn, runs):
    t = float("inf")
    for _ in range(runs):
        s = time.perf_counter()
        fn()
        t = min(t, time.perf_counter() - s)
    return t


times = {"add": [], "add_out": [], "copyto": [], "copy": []}
for _ in range(30):
    times["add"].append(best(lambda: np.add(a, b), 1))
    times["add_out"].append(best(lambda: np.add(a, b, out=out), 1))
    times["copyto"].append(best(lambda: np.copyto(dst, a), 1))
    times["copy"].append(best(lambda: a.copy(), 1))
ms = {k: min(v) * 1e3 for k, v in times.items()}
print("numpy %s, 16M float32 (ms, fastest of 30):" % np.__version__)
for k, v in ms.items():
    print("  %-8s %.2f" % (k, v))
print("  add/copyto %.2f  add_out/copyto %.2f  add/copy %.2f"
      % (ms["add"] / ms["copyto"], ms["add_out"] / ms["copyto"], ms["add"] / ms["copy"]))

# Per-call cost of a 16-element operation from Python.
x = np.arange(16, dtype=np.float32)
y = np.ones(16, dtype=np.float32)
calls = 2000


def loop(fn):
    def run():
        for _ in range(calls):
            fn()
    return run


bodies = {
    "noop": loop(lambda: None),
    "np.add": loop(lambda: np.add(x, y)),
    "x + y": loop(lambda: x + y),
    "np.exp": loop(lambda: np.exp(x)),
    "x.sum()": loop(lambda: x.sum()),
}
per = {k: [] for k in bodies}
for _ in range(50):
    for k, fn in bodies.items():
        per[k].append(best(fn, 1))
print("16-element calls (ns per call, fastest batch of %d, 50 batches):" % calls)
for k, v in per.items():
    print("  %-8s %.0f" % (k, min(v) / calls * 1e9))
