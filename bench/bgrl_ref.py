"""BGRL on Planetoid Cora in plain PyTorch, a reference for pare's ops/ssl
BGRL with the preset of stdlib/ssl/cora.star (pyg-ssl's bgrl_photo.yml
settings; BGRL publishes no Cora configuration):

- online encoder: GCN in -> 512 -> 256, each layer D^-1/2 (A + I) D^-1/2 X W
  + b (Glorot weights, zero bias), then BatchNorm1d(momentum 0.01), then a
  PReLU with one slope per channel; predictor Linear(256 -> 256);
- target encoder: a copy of the online one, updated after every optimizer
  step by phi <- tau phi + (1 - tau) theta with
  tau_k = 1 - (1 - 0.99) (cos(pi k / K) + 1) / 2, K = epochs;
- views: each directed edge entry dropped independently (0.4 and 0.1), then
  feature columns masked (0.1 and 0.2); features row-L1-normalised once;
- loss: (2 - 2 cos(q(h1), t2)) + (2 - 2 cos(q(h2), t1)), each a mean over
  nodes; AdamW lr 1e-4, weight decay 1e-5, 4000 epochs;
- evaluation: the online encoder in eval mode on the clean graph, scored by
  the probe of bench/grace_ref.py (Adam, lr 0.01, 100 steps, 20 refits) on
  the public split. It scores the weights of the lowest-loss epoch (what
  pare's ssl.train returns), those of the last epoch, and the current ones
  every --every epochs.

Usage: /usr/bin/python3 bench/bgrl_ref.py DATA_DIR --seeds 0,1,2 [--epochs 4000] [--every 400]
"""
import argparse
import copy
import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from grace_ref import gcn_norm, glorot, load_cora, probe  # noqa: E402


class Encoder(torch.nn.Module):
    def __init__(self, dims):
        super().__init__()
        self.ws = torch.nn.ParameterList([glorot(dims[i], dims[i + 1]) for i in range(len(dims) - 1)])
        self.bs = torch.nn.ParameterList([torch.nn.Parameter(torch.zeros(d)) for d in dims[1:]])
        self.bns = torch.nn.ModuleList([torch.nn.BatchNorm1d(d, momentum=0.01) for d in dims[1:]])
        self.acts = torch.nn.ModuleList([torch.nn.PReLU(d) for d in dims[1:]])

    def forward(self, a, x):
        h = x
        for w, b, bn, act in zip(self.ws, self.bs, self.bns, self.acts):
            h = act(bn(torch.sparse.mm(a, h @ w) + b))
        return h


def byol(p, t):
    return (2 - 2 * F.cosine_similarity(p, t, dim=1)).mean()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--epochs", type=int, default=4000)
    ap.add_argument("--every", type=int, default=400)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    x, edge_index, y, split, n = load_cora(args.data)
    x = x / x.sum(1, keepdim=True).clamp(min=1)
    a = gcn_norm(edge_index, n)
    pe, pf = (0.4, 0.1), (0.1, 0.2)

    def embed(enc):
        enc.eval()
        with torch.no_grad():
            out = enc(a, x)
        enc.train()
        return out

    for seed in (int(s) for s in args.seeds.split(",")):
        torch.manual_seed(seed)
        online = Encoder([x.size(1), 512, 256])
        target = copy.deepcopy(online)
        for p in target.parameters():
            p.requires_grad_(False)
        pred = torch.nn.Linear(256, 256)
        params = list(online.parameters()) + list(pred.parameters())
        opt = torch.optim.AdamW(params, lr=1e-4, weight_decay=1e-5)
        best_loss, best_epoch, best = math.inf, -1, None
        for epoch in range(args.epochs):
            if args.every and epoch > 0 and epoch % args.every == 0:
                print(f"torch bgrl seed {seed} epoch {epoch}: raw {probe(embed(online), y, split, seed):.2f}", flush=True)
            views = []
            for i in range(2):
                keep = torch.rand(edge_index.size(1)) >= pe[i]
                cols = (torch.rand(x.size(1)) >= pf[i]).float()
                views.append((gcn_norm(edge_index[:, keep], n), x * cols))
            h = [online(*v) for v in views]
            with torch.no_grad():
                t = [target(*v) for v in views]
            loss = byol(pred(h[0]), t[1]) + byol(pred(h[1]), t[0])
            if loss.item() < best_loss:
                best_loss, best_epoch = loss.item(), epoch
                best = [p.detach().clone() for p in online.parameters()]
            opt.zero_grad()
            loss.backward()
            opt.step()
            tau = 1 - (1 - 0.99) * (math.cos(math.pi * epoch / args.epochs) + 1) / 2
            with torch.no_grad():
                for pt, po in zip(target.parameters(), online.parameters()):
                    pt.mul_(tau).add_((1 - tau) * po)
        last = probe(embed(online), y, split, seed)
        with torch.no_grad():
            for p, b in zip(online.parameters(), best):
                p.copy_(b)
        lowest = probe(embed(online), y, split, seed)
        print(f"torch bgrl seed {seed}: last loss {loss.item():.5f}, lowest {best_loss:.5f} at epoch {best_epoch}; "
              f"raw probe: last epoch {last:.2f}, lowest-loss epoch {lowest:.2f}", flush=True)


if __name__ == "__main__":
    main()
