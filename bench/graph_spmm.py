#!/usr/bin/python3
"""Time SciPy's CSR × dense product on the same Cora products that
ops/graph's SpMM benchmarks run, for docs/benchmarks.md.

Usage: PARE_DATA=<data folder> /usr/bin/python3 bench/graph_spmm.py
SciPy's csr_matrix @ ndarray runs on one thread.
"""
import os
import time

import numpy as np
import scipy.sparse as sp

root = os.environ["PARE_DATA"]
z = np.load(os.path.join(root, "graph", "planetoid-cora.npz"))
n = int(z["adj_shape"][0])
adj = sp.csr_matrix((z["adj_data"], z["adj_indices"], z["adj_indptr"]), shape=(n, n))
feats = sp.csr_matrix((z["attr_data"], z["attr_indices"], z["attr_indptr"]), shape=tuple(z["attr_shape"]))

# Â = D^-1/2 (A + I) D^-1/2 in float32, as graph.GCNNorm builds it.
a = (adj + sp.eye(n, dtype=np.float32)).tocsr()
d = np.asarray(a.sum(axis=1)).ravel()
dinv = sp.diags((1 / np.sqrt(d)).astype(np.float32))
a_hat = (dinv @ a @ dinv).astype(np.float32).tocsr()

rng = np.random.default_rng(1)


def spmm_bytes(m, cols):
    return m.nnz * (4 * cols + 8) + m.shape[0] * (4 * cols + 8)


def bench(name, m, cols):
    x = rng.random((m.shape[1], cols), dtype=np.float32)
    m @ x
    reps, start = 0, time.perf_counter()
    while time.perf_counter() - start < 2:
        m @ x
        reps += 1
    sec = (time.perf_counter() - start) / reps
    print(f"{name}: {sec * 1e3:.2f} ms/op, {spmm_bytes(m, cols) / sec / 1e6:.0f} MB/s")


bench("scipy CoraFeatures (Â × X, 1433 cols)", a_hat, feats.shape[1])
bench("scipy CoraHidden (Â × H, 512 cols)", a_hat, 512)
bench("scipy CoraSparseFeatures (X × W, 512 cols)", feats, 512)
