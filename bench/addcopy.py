#!/usr/bin/env python3
"""Time NumPy's float32 add of two n-element arrays against copying, the
NumPy counterpart of bench/addcopy (same rows, same round structure).

    /usr/bin/python3 bench/addcopy.py -n 16777216 -rounds 15

NumPy runs these loops on one thread. "copy" is np.copyto of one operand;
"copy, same bytes" copies 1.5·n values, so that the bytes read plus the
bytes written equal the add's. "np.add(out=)" writes into an existing
array; "x + y" allocates its result, as pare's tensor `+` does.
"""
import argparse
import time

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=1 << 24)
    ap.add_argument("-rounds", type=int, default=15)
    ap.add_argument("-reps", type=int, default=5)
    a = ap.parse_args()

    n, m = a.n, a.n + a.n // 2
    idx = np.arange(n)
    x = (idx % 1000).astype(np.float32)
    y = (idx % 777).astype(np.float32)
    dst = np.ones(n, np.float32)
    x2 = (np.arange(m) % 1000).astype(np.float32)
    dst2 = np.ones(m, np.float32)

    ops = [
        ("copy", lambda: np.copyto(dst, x)),
        ("copy, same bytes", lambda: np.copyto(dst2, x2)),
        ("np.add(out=)", lambda: np.add(x, y, out=dst)),
        ("x + y", lambda: x + y),
    ]

    times = {name: [] for name, _ in ops}
    for _ in range(a.rounds):
        for name, run in ops:
            calls = []
            for _ in range(a.reps):
                t0 = time.perf_counter()
                run()
                calls.append((time.perf_counter() - t0) * 1e3)
            times[name].append(float(np.median(calls)))

    print("# NumPy %s, n=%d float32 per array, %d rounds of %d calls" % (np.__version__, n, a.rounds, a.reps))
    print("| operation | median ms | min ms | np.add(out=) time / this time |")
    print("|---|---|---|---|")
    add = float(np.median(times["np.add(out=)"]))
    for name, _ in ops:
        t = times[name]
        print("| %s | %.2f | %.2f | %.2f |" % (name, np.median(t), min(t), add / np.median(t)))


if __name__ == "__main__":
    main()
