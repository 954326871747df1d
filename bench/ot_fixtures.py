#!/usr/bin/python3
"""Generate the reference fixtures of pare/ops/ot from POT 0.8.2 and SciPy.

Run once from the repository root with Debian's interpreter, which has the
python3-pot, python3-scipy and python3-numpy packages:

    /usr/bin/python3 bench/ot_fixtures.py [GROUP ...]

With GROUP names (dist, lsa, emd, sinkhorn, barycenter, free_support,
sinkhorn_default) only those groups are written. The groups before
sinkhorn_default share one random generator, so write them together.
Each case is written to ops/ot/testdata/<name>.npz holding the inputs and the
reference outputs. The cases are small so the files stay a few kilobytes.
"""
import os
import sys

import numpy as np
import ot
import scipy
from scipy.optimize import linear_sum_assignment

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ops", "ot", "testdata")


def save(name, **arrays):
    path = os.path.join(OUT, name + ".npz")
    np.savez_compressed(path, **{k: np.asarray(v) for k, v in arrays.items()})
    print(path)


def dist_cases(rng):
    x = rng.normal(size=(6, 4))
    y = rng.normal(size=(5, 4))
    out = {"x": x, "y": y}
    for metric in ["sqeuclidean", "euclidean", "cityblock", "cosine"]:
        out[metric] = ot.dist(x, y, metric=metric)
    save("dist", **out)


def lsa_cases(rng):
    cases = {
        "lsa_square": rng.random((9, 9)),
        "lsa_square64": rng.normal(size=(64, 64)),
        "lsa_wide": rng.random((7, 12)),
        "lsa_tall": rng.random((12, 7)),
        # Small integer costs have many optimal assignments; only the cost
        # is unique.
        "lsa_ties": rng.integers(0, 4, size=(30, 30)).astype(np.float64),
    }
    for name, c in cases.items():
        for maximize in (False, True):
            r, k = linear_sum_assignment(c, maximize=maximize)
            suffix = "_max" if maximize else ""
            save(name + suffix, cost=c, maximize=np.array(maximize), row_ind=r, col_ind=k,
                 total=c[r, k].sum())


def emd_case(name, a, b, M):
    G, log = ot.emd(a, b, M, log=True)
    save(name, a=a, b=b, M=M, G=G, cost=log["cost"], u=log["u"], v=log["v"])


def emd_cases(rng):
    n, m = 7, 10
    a = rng.random(n); a /= a.sum()
    b = rng.random(m); b /= b.sum()
    M = ot.dist(rng.normal(size=(n, 2)), rng.normal(size=(m, 2)))
    emd_case("emd_random", a, b, M)

    n = 12
    emd_case("emd_uniform", ot.unif(n), ot.unif(n), ot.dist(rng.normal(size=(n, 3)), rng.normal(size=(n, 3))))

    n, m = 40, 55
    a = rng.random(n); a /= a.sum()
    b = rng.random(m); b /= b.sum()
    emd_case("emd_medium", a, b, rng.random((n, m)))

    # Zero weights on both sides and a mass of 2.
    a = np.array([0.5, 0.0, 0.7, 0.3, 0.5])
    b = np.array([0.4, 0.6, 0.0, 1.0])
    emd_case("emd_zeros", a, b, rng.random((5, 4)))


def sinkhorn_cases(rng):
    n, m = 20, 25
    a = rng.random(n); a /= a.sum()
    b = rng.random(m); b /= b.sum()
    M = ot.dist(rng.normal(size=(n, 2)), rng.normal(size=(m, 2)))
    M /= M.max()
    for reg, tag in [(0.1, "1e-1"), (0.01, "1e-2")]:
        G = ot.sinkhorn(a, b, M, reg, method="sinkhorn_log", numItermax=200000, stopThr=1e-13)
        cost = ot.sinkhorn2(a, b, M, reg, method="sinkhorn_log", numItermax=200000, stopThr=1e-13)
        save("sinkhorn_" + tag, a=a, b=b, M=M, reg=np.array(reg), G=G, cost=np.array(cost))


def sinkhorn_default_cases():
    """POT's default ot.sinkhorn run, stopped by its own test or by the cap."""
    rng = np.random.default_rng(20261205)
    n, m = 30, 40
    a = rng.random(n) + 0.05
    a /= a.sum()
    b = rng.random(m) + 0.05
    b /= b.sum()
    M = ot.dist(rng.normal(size=(n, 2)), rng.normal(size=(m, 2)))
    M /= M.max()
    reg = 0.02
    for tag, cap in [("converged", 1000), ("capped", 25)]:
        G, log = ot.sinkhorn(a, b, M, reg, numItermax=cap, log=True)
        save("sinkhorn_default_" + tag, a=a, b=b, M=M, reg=np.array(reg), max_iter=np.array(cap),
             G=G, niter=np.array(log["niter"]), err=np.array(log["err"][-1]))


def barycenter_cases(rng):
    n = 50
    grid = np.arange(n, dtype=np.float64).reshape(-1, 1)
    a1 = ot.datasets.make_1D_gauss(n, m=12, s=4)
    a2 = ot.datasets.make_1D_gauss(n, m=35, s=6)
    A = np.vstack((a1, a2)).T
    M = ot.dist(grid, grid)
    M /= M.max()
    weights = np.array([0.3, 0.7])
    reg = 2e-3
    # POT 0.8.2's default method="sinkhorn" stops at a point that violates
    # the barycenter's optimality condition at this reg (the weighted dual
    # potentials on the barycenter side vary by about 2e-2 instead of being
    # constant); its log-domain method satisfies it to 1e-10.
    bary = ot.bregman.barycenter(A, M, reg, weights, method="sinkhorn_log", numItermax=100000,
                                 stopThr=1e-13)
    save("barycenter", A=A, M=M, reg=np.array(reg), weights=weights, bary=bary)


def free_support_cases(rng):
    # Uniform measures with as many atoms as the barycenter: the case ResMoE
    # runs, where every plan is a scaled permutation.
    N, k, d = 4, 10, 3
    locs = [rng.normal(size=(k, d)) + i for i in range(N)]
    X_init = locs[0].copy()
    X, log = ot.lp.free_support_barycenter(locs, [ot.unif(k)] * N, X_init, numItermax=100,
                                           stopThr=1e-14, log=True)
    save("fsb_uniform", locations=np.stack(locs), X_init=X_init, X=X,
         displacement=np.array(log["displacement_square_norms"]))

    # Measures of different sizes and weights, non-uniform expert weights.
    sizes = [6, 9, 7]
    locs = [rng.normal(size=(s, 2)) * (i + 1) for i, s in enumerate(sizes)]
    wts = []
    for s in sizes:
        w = rng.random(s) + 0.1
        wts.append(w / w.sum())
    X_init = rng.normal(size=(5, 2))
    weights = np.array([0.5, 0.3, 0.2])
    X, log = ot.lp.free_support_barycenter(locs, wts, X_init, weights=weights, numItermax=50,
                                           stopThr=1e-14, log=True)
    out = {"X_init": X_init, "X": X, "weights": weights,
           "displacement": np.array(log["displacement_square_norms"])}
    for i in range(len(sizes)):
        out["locations_%d" % i] = locs[i]
        out["measure_weights_%d" % i] = wts[i]
    save("fsb_general", **out)


def main():
    print("POT", ot.__version__, "SciPy", scipy.__version__, "NumPy", np.__version__, file=sys.stderr)
    if ot.__version__ != "0.8.2":
        sys.exit("these fixtures are defined against POT 0.8.2, found " + ot.__version__)
    os.makedirs(OUT, exist_ok=True)
    groups = sys.argv[1:] or ["dist", "lsa", "emd", "sinkhorn", "barycenter", "free_support",
                              "sinkhorn_default"]
    rng = np.random.default_rng(20261204)
    for name, fn in [("dist", dist_cases), ("lsa", lsa_cases), ("emd", emd_cases),
                     ("sinkhorn", sinkhorn_cases), ("barycenter", barycenter_cases),
                     ("free_support", free_support_cases)]:
        if name in groups:
            fn(rng)
    if "sinkhorn_default" in groups:
        sinkhorn_default_cases()


if __name__ == "__main__":
    main()
