#!/usr/bin/python3
"""Recompute NIRVANA, SNIP and magnitude unit scores of stories260K in PyTorch.

An independent float64 implementation of the llama2.c forward pass (the
checkpoint's interleaved rotary layout, no weight permutation) on the
calibration windows that bench/prune_reference.star exported with pare's
scores, then the same unit sums. Prints the largest relative difference per
criterion and the time of one float32 and one float64 scoring pass.

    PARE_DATA=<data> pare run bench/prune_reference.star --out /tmp/prune-ref
    /usr/bin/python3 bench/prune_reference.py /tmp/prune-ref/scores.json <data>/llm/stories260K.bin [threads]
"""
import json
import struct
import sys
import time

import numpy as np
import torch


def load(path, dtype):
    raw = open(path, "rb").read()
    dim, hidden, layers, heads, kv, vocab, seq = struct.unpack("7i", raw[:28])
    shared = vocab > 0
    vocab = abs(vocab)
    hd = dim // heads
    x = np.frombuffer(raw[28:], dtype=np.float32)
    off = 0

    def take(*shape):
        nonlocal off
        n = int(np.prod(shape))
        t = torch.tensor(x[off:off + n].reshape(shape), dtype=dtype)
        off += n
        return t

    w = {"emb": take(vocab, dim), "rms_att": take(layers, dim), "wq": take(layers, heads * hd, dim),
         "wk": take(layers, kv * hd, dim), "wv": take(layers, kv * hd, dim), "wo": take(layers, dim, heads * hd),
         "rms_ffn": take(layers, dim), "w1": take(layers, hidden, dim), "w2": take(layers, dim, hidden),
         "w3": take(layers, hidden, dim), "rms_final": take(dim)}
    take(seq, hd // 2)
    take(seq, hd // 2)
    w["cls"] = w["emb"] if shared else take(vocab, dim)
    cfg = dict(dim=dim, hidden=hidden, layers=layers, heads=heads, kv=kv, vocab=vocab, hd=hd)
    return cfg, w


def rms(x, g):
    return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + 1e-5) * g


def rope(x, hd):
    # Interleaved pairs (2j, 2j+1), as llama2.c stores q and k.
    T = x.shape[1]
    inv = 1.0 / (10000.0 ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
    ang = torch.arange(T, dtype=torch.float64)[:, None] * inv[None, :]
    cos, sin = torch.cos(ang).to(x.dtype), torch.sin(ang).to(x.dtype)
    a, b = x[..., 0::2], x[..., 1::2]
    out = torch.empty_like(x)
    out[..., 0::2] = a * cos[None, :, None, :] - b * sin[None, :, None, :]
    out[..., 1::2] = a * sin[None, :, None, :] + b * cos[None, :, None, :]
    return out


def forward(cfg, p, ids):
    B, T = ids.shape
    H, KV, hd = cfg["heads"], cfg["kv"], cfg["hd"]
    x = p["emb"][ids]
    mask = torch.full((T, T), float("-inf"), dtype=x.dtype).triu(1)
    for l in range(cfg["layers"]):
        h = rms(x, p["rms_att"][l])
        q = (h @ p["wq"][l].T).view(B, T, H, hd)
        k = (h @ p["wk"][l].T).view(B, T, KV, hd)
        v = (h @ p["wv"][l].T).view(B, T, KV, hd)
        q, k = rope(q, hd), rope(k, hd)
        k = k.repeat_interleave(H // KV, dim=2)
        v = v.repeat_interleave(H // KV, dim=2)
        s = torch.einsum("bthd,buhd->bhtu", q, k) / hd ** 0.5 + mask
        a = torch.einsum("bhtu,buhd->bthd", s.softmax(-1), v).reshape(B, T, H * hd)
        x = x + a @ p["wo"][l].T
        h = rms(x, p["rms_ffn"][l])
        x = x + (torch.nn.functional.silu(h @ p["w1"][l].T) * (h @ p["w3"][l].T)) @ p["w2"][l].T
    return rms(x, p["rms_final"]) @ p["cls"].T


def unit_scores(cfg, p, g):
    G, hd = cfg["heads"] // cfg["kv"], cfg["hd"]
    attn, mlp = [], []
    for l in range(cfg["layers"]):
        sq = (p["wq"][l] * g["wq"][l]).abs()
        sk = (p["wk"][l] * g["wk"][l]).abs()
        sv = (p["wv"][l] * g["wv"][l]).abs()
        so = (p["wo"][l] * g["wo"][l]).abs()
        attn.append([float(sq[j * G * hd:(j + 1) * G * hd].sum() + sk[j * hd:(j + 1) * hd].sum()
                           + sv[j * hd:(j + 1) * hd].sum() + so[:, j * G * hd:(j + 1) * G * hd].sum())
                     for j in range(cfg["kv"])])
        s1 = (p["w1"][l] * g["w1"][l]).abs().sum(1)
        s3 = (p["w3"][l] * g["w3"][l]).abs().sum(1)
        s2 = (p["w2"][l] * g["w2"][l]).abs().sum(0)
        mlp.append((s1 + s3 + s2).tolist())
    return attn, mlp


def score(cfg, w, ids, criterion):
    p = {k: v.clone().requires_grad_(k not in ("emb", "cls")) for k, v in w.items()}
    if w["cls"] is w["emb"]:
        p["cls"] = p["emb"]
    if criterion == "magnitude":
        g = {k: torch.ones_like(v) for k, v in p.items()}
        return unit_scores(cfg, {k: v.detach() for k, v in p.items()}, g)
    z = forward(cfg, p, ids)
    if criterion == "nirvana":
        f = z.max(dim=1).values.mean()
    else:
        f = torch.nn.functional.cross_entropy(z[:, :-1].reshape(-1, z.shape[-1]), ids[:, 1:].reshape(-1))
    f.backward()
    g = {k: v.grad for k, v in p.items() if v.grad is not None}
    return unit_scores(cfg, {k: v.detach() for k, v in p.items()}, g)


def max_rel(a, b):
    a, b = np.asarray(sum(a, [])), np.asarray(sum(b, []))
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-30)))


def main():
    exported = json.load(open(sys.argv[1]))
    ids = torch.tensor(exported["calib"])
    torch.set_num_threads(int(sys.argv[3]) if len(sys.argv) > 3 else 2)
    cfg64, w64 = load(sys.argv[2], torch.float64)
    for crit in ["nirvana", "snip", "magnitude"]:
        attn, mlp = score(cfg64, w64, ids, crit)
        print("%-9s max relative difference, pare vs PyTorch float64: KV groups %.2e, MLP channels %.2e"
              % (crit, max_rel(exported[crit]["attn"], attn), max_rel(exported[crit]["mlp"], mlp)))
    for dtype in (torch.float32, torch.float64):
        cfg, w = load(sys.argv[2], dtype)
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            score(cfg, w, ids, "nirvana")
            times.append(time.perf_counter() - t0)
        print("PyTorch %s NIRVANA scoring of 32 x 128 tokens: %s s (%d threads)"
              % (str(dtype).replace("torch.", ""), ", ".join("%.3f" % t for t in times), torch.get_num_threads()))


if __name__ == "__main__":
    main()
