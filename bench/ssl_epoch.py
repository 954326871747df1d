"""Time DGI and GRACE training epochs on Planetoid Cora in plain PyTorch.

This is the reference side of bench/ssl_epoch.sh, which runs pare's Go
benchmarks (ops/ssl BenchmarkDGIEpochCora, BenchmarkGRACEEpochCora) in the
same session on the same threads. The models match pare's:

- DGI: one GCN layer 1433 -> 512 with per-channel PReLU, bilinear
  discriminator, BCE-with-logits; features row-L1-normalised; negative view
  = shuffled feature rows encoded again (as PyG's DeepGraphInfomax does).
- GRACE: GCN 1433 -> 512 -> 256 with PReLU, projection 256 -> 32 -> 256 with
  ELU, tau 0.4, InfoNCE in row blocks of 1024; per step, edge dropping
  (0.2 / 0.4) and feature-column masking (0.3 / 0.4), views renormalised.

Usage: /usr/bin/python3 bench/ssl_epoch.py DATA_DIR [--threads 2] [--epochs 20]
Prints one line per model: name, median and min epoch time in ms.
"""
import argparse
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from grace_ref import gcn_norm, load_cora  # noqa: E402


def glorot(shape):
    bound = (6.0 / (shape[0] + shape[1])) ** 0.5
    return torch.nn.Parameter(torch.empty(shape).uniform_(-bound, bound))


class DGI(torch.nn.Module):
    def __init__(self, f, h):
        super().__init__()
        self.w = glorot((f, h))
        self.b = torch.nn.Parameter(torch.zeros(h))
        self.act = torch.nn.PReLU(h)
        self.disc = glorot((h, h))
        self.disc_b = torch.nn.Parameter(torch.zeros(1))

    def encode(self, a, x):
        return self.act(torch.sparse.mm(a, x @ self.w) + self.b)

    def loss(self, a, x):
        h = self.encode(a, x)
        hn = self.encode(a, x[torch.randperm(x.size(0))])
        s = torch.sigmoid(h.mean(0))
        ws = self.disc @ s
        logits = torch.cat([h @ ws, hn @ ws]) + self.disc_b
        labels = torch.cat([torch.ones(h.size(0)), torch.zeros(hn.size(0))])
        return F.binary_cross_entropy_with_logits(logits, labels)


class GRACE(torch.nn.Module):
    def __init__(self, f, hidden=(512, 256), proj=32, tau=0.4):
        super().__init__()
        sizes = (f,) + hidden
        self.ws = torch.nn.ParameterList([glorot((sizes[i], sizes[i + 1])) for i in range(len(hidden))])
        self.bs = torch.nn.ParameterList([torch.nn.Parameter(torch.zeros(s)) for s in hidden])
        self.acts = torch.nn.ModuleList([torch.nn.PReLU(s) for s in hidden])
        self.p1 = torch.nn.Linear(hidden[-1], proj)
        self.p2 = torch.nn.Linear(proj, hidden[-1])
        self.tau = tau

    def encode(self, a, x):
        for w, b, act in zip(self.ws, self.bs, self.acts):
            x = act(torch.sparse.mm(a, x @ w) + b)
        return x

    def project(self, z):
        return self.p2(F.elu(self.p1(z)))

    def semi_loss(self, z1, z2, block=1024):
        n = z1.size(0)
        z1, z2 = F.normalize(z1), F.normalize(z2)
        losses = []
        for i in range(0, n, block):
            idx = torch.arange(i, min(i + block, n))
            refl = torch.exp(z1[idx] @ z1.t() / self.tau)
            betw = torch.exp(z1[idx] @ z2.t() / self.tau)
            pos = betw[:, i:i + len(idx)].diag()
            den = refl.sum(1) + betw.sum(1) - refl[:, i:i + len(idx)].diag()
            losses.append(-torch.log(pos / den))
        return torch.cat(losses)

    def loss(self, v1, v2):
        z1 = self.project(self.encode(*v1))
        z2 = self.project(self.encode(*v2))
        return 0.5 * (self.semi_loss(z1, z2) + self.semi_loss(z2, z1)).mean()


def view(edge_index, x, n, pe, pf):
    keep = torch.rand(edge_index.size(1)) >= pe
    mask = (torch.rand(x.size(1)) >= pf).float()
    return gcn_norm(edge_index[:, keep], n), x * mask


def timed(step, epochs):
    times = []
    for _ in range(epochs + 2):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    times = sorted(times[2:])
    return 1e3 * times[len(times) // 2], 1e3 * times[0]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("data")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--epochs", type=int, default=20)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x, edge_index, _, _, n = load_cora(args.data)
    xn = x / x.sum(1, keepdim=True).clamp(min=1)
    a = gcn_norm(edge_index, n)

    dgi = DGI(x.size(1), 512)
    opt = torch.optim.Adam(dgi.parameters(), lr=1e-3)

    def dgi_step():
        opt.zero_grad()
        dgi.loss(a, xn).backward()
        opt.step()

    med, best = timed(dgi_step, args.epochs)
    print(f"torch dgi_epoch_ms median={med:.1f} min={best:.1f} threads={args.threads}")

    grace = GRACE(x.size(1))
    gopt = torch.optim.Adam(grace.parameters(), lr=1e-3)

    def grace_step():
        v1 = view(edge_index, x, n, 0.2, 0.3)
        v2 = view(edge_index, x, n, 0.4, 0.4)
        gopt.zero_grad()
        grace.loss(v1, v2).backward()
        gopt.step()

    med, best = timed(grace_step, max(3, args.epochs // 4))
    print(f"torch grace_epoch_ms median={med:.1f} min={best:.1f} threads={args.threads}")


if __name__ == "__main__":
    main()
