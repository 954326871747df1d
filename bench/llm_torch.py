"""PyTorch reference timings for the LLM runtime benchmarks.

Builds a randomly initialised Llama with the shapes of pare's benchmarks
(d 768, 12 layers, 12 heads, MLP 2048, vocab 32000: the synthetic 125M
model) in plain PyTorch, float32 on the CPU, and times
  - forward + backward of the cross-entropy loss on 4 x 128 tokens,
  - forward on 1 x 512 tokens,
  - greedy decoding with a KV cache (tokens per second),
  - a 1 GiB memory copy, for the memory-bandwidth bound of decoding.
The attention is the eager matmul-softmax-matmul of Hugging Face's Llama
(torch 1.13 has no fused attention). Usage:
  /usr/bin/python3 bench/llm_torch.py [threads]
"""
import math
import sys
import time

import torch

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
torch.set_num_threads(threads)
torch.manual_seed(0)

D, L, H, HIDDEN, V = 768, 12, 12, 2048, 32000
HD = D // H


class RMSNorm(torch.nn.Module):
    def __init__(self, d):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(d))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * self.weight


def rope_tables(t):
    inv = 1.0 / (10000 ** (torch.arange(0, HD, 2).float() / HD))
    ang = torch.outer(torch.arange(t).float(), inv)
    emb = torch.cat([ang, ang], dim=-1)
    return emb.cos(), emb.sin()


def rotate_half(x):
    a, b = x[..., : HD // 2], x[..., HD // 2 :]
    return torch.cat([-b, a], dim=-1)


class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.attn_norm = RMSNorm(D)
        self.q = torch.nn.Linear(D, D, bias=False)
        self.k = torch.nn.Linear(D, D, bias=False)
        self.v = torch.nn.Linear(D, D, bias=False)
        self.o = torch.nn.Linear(D, D, bias=False)
        self.mlp_norm = RMSNorm(D)
        self.gate = torch.nn.Linear(D, HIDDEN, bias=False)
        self.up = torch.nn.Linear(D, HIDDEN, bias=False)
        self.down = torch.nn.Linear(HIDDEN, D, bias=False)

    def forward(self, x, cos, sin, cache=None):
        b, t, _ = x.shape
        h = self.attn_norm(x)
        q = self.q(h).view(b, t, H, HD).transpose(1, 2)
        k = self.k(h).view(b, t, H, HD).transpose(1, 2)
        v = self.v(h).view(b, t, H, HD).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if cache is not None:
            if cache[0] is not None:
                k = torch.cat([cache[0], k], dim=2)
                v = torch.cat([cache[1], v], dim=2)
            cache[0], cache[1] = k, v
        s = q @ k.transpose(-1, -2) / math.sqrt(HD)
        if t > 1:
            s = s + torch.full((t, t), float("-inf")).triu(1)
        a = torch.softmax(s, dim=-1) @ v
        x = x + self.o(a.transpose(1, 2).reshape(b, t, D))
        h = self.mlp_norm(x)
        return x + self.down(torch.nn.functional.silu(self.gate(h)) * self.up(h))


class Llama(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Embedding(V, D)
        self.blocks = torch.nn.ModuleList([Block() for _ in range(L)])
        self.norm = RMSNorm(D)
        self.head = torch.nn.Linear(D, V, bias=False)

    def forward(self, ids, pos=0, caches=None):
        t = ids.shape[1]
        cos, sin = rope_tables(pos + t)
        cos, sin = cos[pos:], sin[pos:]
        x = self.embed(ids)
        for i, blk in enumerate(self.blocks):
            x = blk(x, cos, sin, None if caches is None else caches[i])
        return self.head(self.norm(x))


def timeit(fn, min_seconds=3.0, min_reps=3):
    """Return the median wall time and the median CPU time (process-wide,
    all threads) of fn, after one warm-up call."""
    fn()
    times, cpu = [], []
    start = time.perf_counter()
    while len(times) < min_reps or time.perf_counter() - start < min_seconds:
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    times.sort()
    cpu.sort()
    return times[len(times) // 2], cpu[len(cpu) // 2]


model = Llama()
params = sum(p.numel() for p in model.parameters())
print(f"torch {torch.__version__}, {threads} threads, {params} parameters")

ids4 = torch.randint(0, V, (4, 128))


def fwd_bwd():
    model.zero_grad(set_to_none=False)
    logits = model(ids4)
    loss = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, V), ids4[:, 1:].reshape(-1))
    loss.backward()


ids1 = torch.randint(0, V, (1, 512))


def fwd():
    with torch.no_grad():
        model(ids1)


DECODE = 32


def decode():
    with torch.no_grad():
        caches = [[None, None] for _ in range(L)]
        nxt = torch.tensor([[1]])
        for pos in range(DECODE):
            logits = model(nxt, pos, caches)
            nxt = logits[:, -1].argmax(-1, keepdim=True)


def copy_bandwidth():
    a = torch.ones(1 << 28)
    b = torch.empty_like(a)
    t, _ = timeit(lambda: b.copy_(a), min_seconds=1.0)
    return 2 * a.numel() * 4 / t


t_fb = timeit(fwd_bwd)
t_f = timeit(fwd)
t_dec = timeit(decode, min_seconds=5.0)
bw = copy_bandwidth()
weight_bytes = 4 * (params - V * D)  # the embedding is read one row per token
print(f"forward+backward 4x128: {t_fb[0] * 1e3:.1f} ms wall, {t_fb[1]:.2f} cpu-s")
print(f"forward 1x512: {t_f[0] * 1e3:.1f} ms wall, {t_f[1]:.2f} cpu-s")
print(f"greedy decode: {DECODE / t_dec[0]:.2f} tokens/s, {t_dec[1]:.2f} cpu-s per {DECODE} tokens")
print(f"memory copy: {bw / 1e9:.2f} GB/s (read + write); decode bound {bw / weight_bytes:.2f} tokens/s for {weight_bytes / 1e6:.0f} MB of weights per token")
