#!/usr/bin/python3
"""Independent NumPy/SciPy implementation of APEX²-N (paper semantics, d = 1)
for cross-checking pare's per-step F1 and timing a dense update.

It follows the recurrences written out in docs/apex.md: e <- gamma*e + Delta,
Delta = q + alpha*W*q with W = S*D^-1 and S = A + A^T (triple counts),
entries of Delta <= 1e-3 dropped, heat below 1e-4 zeroed; the summary is the
subgraph induced by the shortest heat-ranked entity prefix (ties by entity
id) reaching K triples. Each update is a dense mat-vec over all entities and
a full argsort, the way the reference code works, so its time grows with the
graph.

Usage:
  /usr/bin/python3 bench/kg_apex_ref.py TRAIN.txt OUT_DIR RATIO [USERS]

OUT_DIR is the output folder of recipes/apex_fb15k237.star (queries.jsonl and
steps_<ratio>.jsonl). Prints, per user, how many per-step F1 values differ
from pare's apex2_n and the median update time of this implementation.
"""
import json
import sys
import time

import numpy as np
import scipy.sparse as sp


def load(path):
    ents, rels, triples = {}, {}, set()
    order = []
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n").rstrip("\r")
            if not line:
                continue
            h, r, t = line.split("\t")
            hi = ents.setdefault(h, len(ents))
            ri = rels.setdefault(r, len(rels))
            ti = ents.setdefault(t, len(ents))
            if (hi, ri, ti) not in triples:
                triples.add((hi, ri, ti))
    arr = np.array(sorted(triples, key=lambda x: (x[0], x[2], x[1])), dtype=np.int64)
    return ents, rels, arr


def main():
    train, out, ratio = sys.argv[1], sys.argv[2], float(sys.argv[3])
    users = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    ents, rels, T = load(train)
    n = len(ents)
    H, R, Tl = T[:, 0], T[:, 1], T[:, 2]
    k = int(np.floor(ratio * len(T)))
    ones = np.ones(len(T))
    A = sp.csr_matrix((ones, (H, Tl)), shape=(n, n))
    S = (A + A.T).tocsr()
    deg = np.asarray(S.sum(axis=0)).ravel()
    W = (S @ sp.diags(1.0 / np.maximum(deg, 1))).tocsr()
    # Triples between entity pairs, both directions, for the induced subgraph.
    pair = {}
    for i, (h, r, t) in enumerate(T):
        pair.setdefault((h, t), []).append(i)
    out_rel = {}
    for i, (h, r, t) in enumerate(T):
        out_rel.setdefault((h, r), []).append(t)

    key = ("%.10f" % ratio).rstrip("0")
    steps = {}
    with open("%s/steps_%s.jsonl" % (out, key)) as f:
        for line in f:
            s = json.loads(line)
            if s["method"] == "apex2_n":
                steps[(s["user"], s["step"])] = s["f1"]
    logs = {}
    with open("%s/queries.jsonl" % out) as f:
        for line in f:
            q = json.loads(line)
            logs.setdefault(q["user"], []).append(q)

    gamma, alpha = 0.5, 0.3
    for u in range(users):
        log = logs[u]
        e = np.zeros(n)
        times, diffs = [], 0
        for t in range(len(log) - 1):
            q = log[t]
            start = time.perf_counter()
            topic, rel = ents[q["topic"]], rels[q["relation"]]
            qe = np.zeros(n)
            qe[topic] += 1
            ans = out_rel.get((topic, rel), [])
            for a in ans:
                qe[a] += 1.0 / len(ans)
            delta = qe + alpha * (W @ qe)
            delta[delta <= 1e-3] = 0
            e = gamma * e + delta
            e[e < 1e-4] = 0
            pos = np.nonzero(e)[0]
            order = pos[np.lexsort((pos, -e[pos]))]
            chosen, summary = [], []
            for v in order:
                if len(summary) >= k:
                    break
                chosen.append(v)
                for w in chosen:
                    summary.extend(pair.get((v, w), []))
                    if w != v:
                        summary.extend(pair.get((w, v), []))
            elapsed = time.perf_counter() - start
            if t > 0:
                times.append(elapsed * 1e3)
            # Test on the next query.
            nq = log[t + 1]
            nt, nr = ents[nq["topic"]], rels[nq["relation"]]
            pred = {int(Tl[i]) for i in summary if H[i] == nt and R[i] == nr}
            gold = {ents[a] for a in nq["answers"]}
            tp = len(pred & gold)
            p = tp / len(pred) if pred else 0.0
            rc = tp / len(gold) if gold else 0.0
            f1 = 2 * p * rc / (p + rc) if p > 0 and rc > 0 else 0.0
            if abs(f1 - steps[(u, t)]) > 1e-9:
                diffs += 1
        print("user %d: %d of %d per-step F1 values differ from pare's apex2_n; "
              "median dense update %.3f ms" % (u, diffs, len(log) - 1, float(np.median(times))))


if __name__ == "__main__":
    main()
