#!/usr/bin/python3
"""Write the NumPy fixtures that ops/store tests read.

Run with Debian's NumPy: /usr/bin/python3 bench/store_fixtures.py
It writes small .npy and .npz files under ops/store/testdata/ together with
expected.json, the values each file must decode to as NumPy itself sees them.
"""
import json
import os

import numpy as np
from numpy.lib import format as npformat

out = os.path.join(os.path.dirname(__file__), "..", "ops", "store", "testdata")
os.makedirs(out, exist_ok=True)

arrays = {
    "f4": np.array([[1.5, -2.25, 3.0], [0.0, 1e-8, -7.5]], dtype="<f4"),
    "f8": np.array([1.0 / 3, -1e300, 2.5], dtype="<f8"),
    "f2": np.array([1.0, 65504.0, 6e-8, -0.0, np.inf], dtype="<f2"),
    "i1": np.array([-128, 0, 127], dtype="i1"),
    "i2": np.array([-32768, 1, 32767], dtype="<i2"),
    "i4": np.array([[-2147483648, 5], [6, 2147483647]], dtype="<i4"),
    "i8": np.array([-(2**62), 0, 2**62], dtype="<i8"),
    "u1": np.array([0, 200, 255], dtype="u1"),
    "b1": np.array([True, False, True, True]),
    "U": np.array(["a", "Neural_Networks", "ünï", "𝔘"], dtype="<U15"),
    "scalar": np.array(4.5, dtype="<f4"),
    "empty": np.zeros((0, 3), dtype="<f4"),
    "fortran": np.asfortranarray(np.arange(24, dtype="<i4").reshape(2, 3, 4)),
}

expected = {}
for name, a in arrays.items():
    np.save(os.path.join(out, name + ".npy"), a)
    values = np.ascontiguousarray(a).ravel()
    if a.dtype.kind == "U":
        vals = [str(v) for v in values]
    elif a.dtype.kind == "b":
        vals = [int(v) for v in values]
    elif a.dtype.kind == "f":
        vals = [repr(float(v)) for v in values]
    else:
        vals = [int(v) for v in values]
    expected[name] = {"descr": npformat.dtype_to_descr(a.dtype), "shape": list(a.shape), "values": vals}

# Versions 2 and 3 of the header, written by NumPy's own writer.
for version in [(2, 0), (3, 0)]:
    with open(os.path.join(out, "v%d.npy" % version[0]), "wb") as f:
        npformat.write_array(f, arrays["f4"], version=version)

np.savez(os.path.join(out, "stored.npz"), f4=arrays["f4"], i8=arrays["i8"], U=arrays["U"])
np.savez_compressed(os.path.join(out, "deflated.npz"), f4=arrays["f4"], i8=arrays["i8"], U=arrays["U"])

with open(os.path.join(out, "expected.json"), "w") as f:
    json.dump(expected, f, indent=1, ensure_ascii=False)
    f.write("\n")

# float32 → float16 rounding as NumPy does it (round to nearest even), for
# values spread over the normal, subnormal and overflow ranges.
rng = np.random.default_rng(0)
bits = np.concatenate([
    rng.integers(0, 2**32, 1000, dtype=np.uint64).astype(np.uint32),
    np.array([0x33000000, 0x33000001, 0x387fc000, 0x477fe000, 0x477ff000, 0x7f800000, 0x80000000], dtype=np.uint32),
])
f32 = bits.view(np.float32)
with np.errstate(over="ignore", invalid="ignore"):
    f16 = f32.astype(np.float16).view(np.uint16)
keep = ~np.isnan(f32)
with open(os.path.join(out, "half_round.json"), "w") as f:
    json.dump([[int(a), int(b)] for a, b in zip(bits[keep], f16[keep])], f)
    f.write("\n")
