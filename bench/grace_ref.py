"""GRACE and GCA (degree scheme) on Planetoid Cora in plain PyTorch.

A reference for pare's ops/ssl GRACE and GCA, written from the method
descriptions of Zhu et al. (GRACE, arXiv:2006.04131; GCA,
arXiv:2010.14945) and the settings of CRIPAC-DIG/GRACE config.yaml
(section Cora) and CRIPAC-DIG/GCA train.py (default drop rates):

- encoder: GCN in -> 2*128 -> 128, ReLU after both layers, Glorot weights,
  zero bias; projection 128 -> 128 (ELU) -> 128, torch.nn.Linear init;
- views: every directed edge entry dropped independently (GRACE) or with
  GCA's degree-adaptive probabilities (cap 0.7), self loops added and
  D^-1/2 (A + I) D^-1/2 recomputed per view; feature COLUMNS masked;
  GCA's feature weights come once from the clean graph;
- loss: symmetric InfoNCE with intra-view negatives, tau 0.4;
- Adam lr 5e-4, weight decay 1e-5, 200 epochs, last weights;
- evaluation: embeddings of the clean graph, logistic regression with Adam
  (lr 0.01, weight decay 0, 100 steps, Xavier init) on the public split,
  refit 20 times, on raw and on L2-normalised embeddings; and GRACE's
  eval.py protocol (L2-normalised, liblinear, C by 5-fold CV on the
  training nodes) on the public split.

Usage: /usr/bin/python3 bench/grace_ref.py DATA_DIR --method grace --seeds 0,1,2,3,4
Prints the loss every 20 epochs and one result line per seed. With
--score FILE.npy ... it only scores saved embeddings (for example pare's,
from bench/ssl_embeddings.star) the same three ways.
"""
import argparse
import math

import numpy as np
import torch
import torch.nn.functional as F


def load_cora(data_dir):
    z = np.load(f"{data_dir}/graph/planetoid-cora.npz")
    n, f = (int(v) for v in z["attr_shape"])
    x = np.zeros((n, f), dtype=np.float32)
    indptr, indices = z["attr_indptr"], z["attr_indices"]
    for i in range(n):
        x[i, indices[indptr[i]:indptr[i + 1]]] = z["attr_data"][indptr[i]:indptr[i + 1]]
    rows = np.repeat(np.arange(n), np.diff(z["adj_indptr"]))
    edge_index = torch.tensor(np.stack([rows, z["adj_indices"]]), dtype=torch.long)
    split = {k: torch.tensor(z[k + "_idx"]) for k in ("train", "val", "test")}
    return torch.from_numpy(x), edge_index, torch.tensor(z["labels"]), split, n


def gcn_norm(edge_index, n):
    """D^-1/2 (A + I) D^-1/2 with D the row sums of A + I, as a sparse tensor."""
    loops = torch.arange(n)
    ei = torch.cat([edge_index, torch.stack([loops, loops])], dim=1)
    w = torch.ones(ei.size(1))
    deg = torch.zeros(n).scatter_add_(0, ei[0], w)
    dinv = deg.pow(-0.5)
    return torch.sparse_coo_tensor(ei, dinv[ei[0]] * w * dinv[ei[1]], (n, n)).coalesce()


def glorot(fan_in, fan_out):
    bound = math.sqrt(6.0 / (fan_in + fan_out))
    return torch.nn.Parameter(torch.empty(fan_in, fan_out).uniform_(-bound, bound))


class Model(torch.nn.Module):
    def __init__(self, f, hidden=128, proj=128, tau=0.4):
        super().__init__()
        self.w1, self.b1 = glorot(f, 2 * hidden), torch.nn.Parameter(torch.zeros(2 * hidden))
        self.w2, self.b2 = glorot(2 * hidden, hidden), torch.nn.Parameter(torch.zeros(hidden))
        self.fc1 = torch.nn.Linear(hidden, proj)
        self.fc2 = torch.nn.Linear(proj, hidden)
        self.tau = tau

    def encode(self, a, x):
        h = F.relu(torch.sparse.mm(a, x @ self.w1) + self.b1)
        return F.relu(torch.sparse.mm(a, h @ self.w2) + self.b2)

    def half(self, u, v):
        u, v = F.normalize(u), F.normalize(v)
        between = torch.exp(u @ v.t() / self.tau)
        within = torch.exp(u @ u.t() / self.tau)
        return -torch.log(between.diag() / (between.sum(1) + within.sum(1) - within.diag()))

    def loss(self, v1, v2):
        z1 = self.fc2(F.elu(self.fc1(self.encode(*v1))))
        z2 = self.fc2(F.elu(self.fc1(self.encode(*v2))))
        return 0.5 * (self.half(z1, z2) + self.half(z2, z1)).mean()


def adaptive(s, p, cap):
    w = (s.max() - s) / (s.max() - s.mean())
    return (w / w.mean() * p).clamp(max=cap)


def probe(emb, y, split, seed, runs=20):
    accs = []
    for r in range(runs):
        g = torch.Generator().manual_seed(seed * 1000 + r)
        d, c = emb.size(1), int(y.max()) + 1
        bound = math.sqrt(6.0 / (d + c))
        w = (torch.rand(d, c, generator=g) * 2 - 1) * bound
        w.requires_grad_()
        b = torch.zeros(c, requires_grad=True)
        opt = torch.optim.Adam([w, b], lr=0.01)
        xt, yt = emb[split["train"]], y[split["train"]]
        for _ in range(100):
            opt.zero_grad()
            F.cross_entropy(xt @ w + b, yt).backward()
            opt.step()
        pred = (emb[split["test"]] @ w + b).argmax(1)
        accs.append(100 * (pred == y[split["test"]]).float().mean().item())
    return float(np.mean(accs))


def cv_probe(emb, y, split):
    """GRACE's eval.py protocol on the public split: L2-normalised rows,
    one-vs-rest liblinear logistic regression, C from 2^-10 ... 2^9 by 5-fold
    cross-validation on the training nodes only."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.preprocessing import normalize

    x = normalize(emb.numpy(), norm="l2")
    yy = y.numpy()
    tr, te = split["train"].numpy(), split["test"].numpy()
    clf = GridSearchCV(OneVsRestClassifier(LogisticRegression(solver="liblinear")),
                       {"estimator__C": 2.0 ** np.arange(-10, 10)}, cv=5)
    clf.fit(x[tr], yy[tr])
    return 100 * float((clf.predict(x[te]) == yy[te]).mean())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("data")
    p.add_argument("--method", default="grace", choices=["grace", "gca"])
    p.add_argument("--seeds", default="0")
    p.add_argument("--epochs", type=int, default=200)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--dump", help="folder for the embeddings of each seed (.npy)")
    p.add_argument("--score", nargs="+", metavar="NPY",
                   help="score saved embeddings (one row per node) instead of training")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    x, edge_index, y, split, n = load_cora(args.data)
    if args.score:
        for path in args.score:
            emb = torch.from_numpy(np.load(path).astype(np.float32))
            raw = probe(emb, y, split, 1)
            l2 = probe(F.normalize(emb), y, split, 1)
            print(f"{path} raw {raw:.2f} l2 {l2:.2f} cv {cv_probe(emb, y, split):.2f}", flush=True)
        return
    x = x / x.sum(1, keepdim=True).clamp(min=1)
    a = gcn_norm(edge_index, n)
    if args.method == "grace":
        pe, pf = (0.2, 0.4), (0.3, 0.4)
    else:
        pe, pf = (0.3, 0.4), (0.1, 0.0)
        deg = torch.zeros(n).scatter_add_(0, edge_index[1], torch.ones(edge_index.size(1)))
        # Row edge_index[0] receives the message of edge_index[1] in
        # sparse.mm(a, h), so it plays the part of PyG's target: GCA scores an
        # edge by the degree of the node that receives it.
        edge_s = torch.log(deg[edge_index[0]])
        # Cora has one all-zero feature column, whose log weight is -inf and
        # turns every probability into NaN in GCA's code; like pare, give it
        # the smallest finite weight of the other columns.
        feat_s = torch.log((x != 0).float().t() @ deg)
        finite = torch.isfinite(feat_s)
        feat_s[~finite] = feat_s[finite].min()
    for seed in (int(s) for s in args.seeds.split(",")):
        torch.manual_seed(seed)
        model = Model(x.size(1))
        opt = torch.optim.Adam(model.parameters(), lr=5e-4, weight_decay=1e-5)
        log = []
        for epoch in range(args.epochs):
            views = []
            for i in range(2):
                if args.method == "grace":
                    keep = torch.rand(edge_index.size(1)) >= pe[i]
                    cols = (torch.rand(x.size(1)) >= pf[i]).float()
                else:
                    keep = torch.bernoulli(1 - adaptive(edge_s, pe[i], 0.7)).bool()
                    cols = 1 - torch.bernoulli(adaptive(feat_s, pf[i], 0.7))
                views.append((gcn_norm(edge_index[:, keep], n), x * cols))
            opt.zero_grad()
            loss = model.loss(*views)
            loss.backward()
            opt.step()
            if epoch % 20 == 0 or epoch == args.epochs - 1:
                log.append(f"{epoch}:{loss.item():.4f}")
        with torch.no_grad():
            emb = model.encode(a, x)
        if args.dump:
            np.save(f"{args.dump}/torch_{args.method}_seed{seed}.npy", emb.numpy())
        raw = probe(emb, y, split, seed)
        l2 = probe(F.normalize(emb), y, split, seed)
        cv = cv_probe(emb, y, split)
        print(f"torch {args.method} seed {seed} raw {raw:.2f} l2 {l2:.2f} cv {cv:.2f} mean_norm {emb.norm(dim=1).mean():.4g} losses {' '.join(log)}", flush=True)


if __name__ == "__main__":
    main()
