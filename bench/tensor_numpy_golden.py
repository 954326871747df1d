"""Write ops/tensor/testdata/numpy_golden.json: inputs and NumPy/SciPy
results that ops/tensor's TestNumPyGolden compares against.

Run from the repository root with Debian's packages:
    /usr/bin/python3 bench/tensor_numpy_golden.py
Inputs are float32; references are computed in float64 from those float32
values, so the Go results (float32, accumulated in float64) should match to
about 1e-6 relative.
"""
import json

import numpy as np
from scipy import special

rng = np.random.default_rng(20261204)


def f32(shape, lo=-3.0, hi=3.0):
    return rng.uniform(lo, hi, size=shape).astype(np.float32)


def enc(a):
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "data": [float(v) for v in a.ravel()]}


cases = []


def add(op, inputs, expected, **params):
    cases.append({
        "op": op,
        "params": params,
        "inputs": [enc(x) for x in inputs],
        "expected": enc(expected),
    })


x = f32((3, 4, 5))
x64 = x.astype(np.float64)
for axis in [None, 0, 1, 2, -1]:
    for keepdims in [False, True]:
        add("sum", [x], x64.sum(axis=axis, keepdims=keepdims), axis=axis, keepdims=keepdims)
        add("mean", [x], x64.mean(axis=axis, keepdims=keepdims), axis=axis, keepdims=keepdims)
        add("max", [x], x64.max(axis=axis, keepdims=keepdims), axis=axis, keepdims=keepdims)
        add("min", [x], x64.min(axis=axis, keepdims=keepdims), axis=axis, keepdims=keepdims)
        add("logsumexp", [x], special.logsumexp(x64, axis=axis, keepdims=keepdims), axis=axis, keepdims=keepdims)
        for ddof in [0, 1]:
            add("var", [x], x64.var(axis=axis, ddof=ddof, keepdims=keepdims), axis=axis, ddof=ddof, keepdims=keepdims)
            add("std", [x], x64.std(axis=axis, ddof=ddof, keepdims=keepdims), axis=axis, ddof=ddof, keepdims=keepdims)
    if axis is not None:
        add("argmax", [x], np.argmax(x64, axis=axis), axis=axis)
        add("argmin", [x], np.argmin(x64, axis=axis), axis=axis)
        add("softmax", [x], special.softmax(x64, axis=axis), axis=axis)
        add("log_softmax", [x], special.log_softmax(x64, axis=axis), axis=axis)
        add("cumsum", [x], np.cumsum(x64, axis=axis), axis=axis)
        add("sort", [x], np.sort(x64, axis=axis, kind="stable"), axis=axis)
        add("argsort", [x], np.argsort(x64, axis=axis, kind="stable"), axis=axis)
for axis in [[0, 2], [1, 2]]:
    add("sum", [x], x64.sum(axis=tuple(axis)), axis=axis, keepdims=False)
for ord_ in [1, 2, 3]:
    add("norm", [x], np.sum(np.abs(x64) ** ord_, axis=-1) ** (1 / ord_), ord=ord_, axis=-1)

# Matmul: plain, batched with broadcasting, and vector cases.
for a_shape, b_shape in [((4, 3), (3, 5)), ((2, 1, 4, 3), (3, 3, 2)), ((3,), (2, 3, 4)), ((5, 3), (3,))]:
    a, b = f32(a_shape), f32(b_shape)
    add("matmul", [a, b], np.matmul(a.astype(np.float64), b.astype(np.float64)))

# Elementwise functions with broadcasting.
a, b = f32((3, 1, 4), 0.5, 2.0), f32((2, 4), 0.5, 2.0)
a64, b64 = a.astype(np.float64), b.astype(np.float64)
add("add", [a, b], a64 + b64)
add("sub", [a, b], a64 - b64)
add("mul", [a, b], a64 * b64)
add("div", [a, b], a64 / b64)
add("pow", [a, b], a64 ** b64)
add("maximum", [a, b], np.maximum(a64, b64))
u = f32((4, 5), -6.0, 6.0)
u64 = u.astype(np.float64)
add("exp", [u], np.exp(u64))
add("tanh", [u], np.tanh(u64))
add("sigmoid", [u], special.expit(u64))
add("silu", [u], u64 * special.expit(u64))
add("gelu", [u], 0.5 * u64 * (1 + special.erf(u64 / np.sqrt(2))))
add("abs", [u], np.abs(u64))
add("linspace", [], np.linspace(-1.5, 2.0, 7))
add("arange", [], np.arange(0.5, 3.0, 0.3))

with open("ops/tensor/testdata/numpy_golden.json", "w") as f:
    json.dump({"numpy": np.__version__, "scipy": __import__("scipy").__version__, "cases": cases}, f)
print(len(cases), "cases")
