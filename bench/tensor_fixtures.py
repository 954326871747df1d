"""Write the small files that builtins/tensor's load tests read.

Run from the repository root with Debian's NumPy:
    /usr/bin/python3 bench/tensor_fixtures.py
The safetensors file is written by hand, because the safetensors package is
not installed here. Its layout follows https://github.com/huggingface/safetensors:
an 8-byte little-endian header length, the JSON header, then the raw
little-endian data.
"""
import json
import struct

import numpy as np

OUT = "builtins/tensor/testdata/io/"

# NumPy .npy of float64, converted to float32 on load.
np.save(OUT + "f8.npy", np.arange(6, dtype=np.float64).reshape(2, 3) * 0.5)

# NumPy .npz with a float16 and an int32 member, deflated.
np.savez_compressed(OUT + "pair.npz",
                    a=np.array([1.5, -2.0], dtype=np.float16),
                    b=np.array([[1, 2]], dtype=np.int32))


def bf16_bytes(values):
    """Truncate float32 values that are exact in bfloat16 to their top 16 bits."""
    raw = np.array(values, dtype=np.float32).view(np.uint32)
    assert np.all(raw & 0xFFFF == 0), "values must be exact in bfloat16"
    return (raw >> 16).astype("<u2").tobytes()


w = bf16_bytes([1.0, -0.5, 3.0])
x = np.array([[1, 2], [3, 4]], dtype="<f4").tobytes()
header = {
    "x": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, len(x)]},
    "w": {"dtype": "BF16", "shape": [3], "data_offsets": [len(x), len(x) + len(w)]},
}
h = json.dumps(header).encode()
h += b" " * (-len(h) % 8)
with open(OUT + "mixed.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h + x + w)

# A truncated .npy: a valid header whose data stops early.
with open(OUT + "f8.npy", "rb") as f:
    whole = f.read()
with open(OUT + "truncated.npy", "wb") as f:
    f.write(whole[:-8])
