"""Linear algebra over GF(2) for linear random-number generators.

Every RNG state transition used by spinemu (Fibonacci LFSRs with any leap, the
xoshiro128 state update) is linear over GF(2).  Representing it as a bit matrix
lets the golden model

* jump a stream ahead by any number of steps (``M**k`` by repeated squaring), which
  is how per-p-bit streams are placed far apart on one sequence, and
* generate long streams fast, by splitting time into segments whose start states are
  computed with jumps and then stepping all segments at once (vectorised numpy).

Matrices are ``uint8`` arrays of 0/1 acting on column vectors of state bits.  Products
are computed on packed 32-bit words (the parity of ``popcount(row & column)``, folded
with XOR), which needs no BLAS (small float products can be a hundred times slower on
a loaded machine) and no ``np.bitwise_count`` (numpy 2 only; PYNQ images pin numpy < 2).
"""

from __future__ import annotations

import numpy as np

__all__ = ["gf2_matmul", "gf2_matpow", "gf2_identity", "pack_rows"]


def gf2_identity(k: int) -> np.ndarray:
    """Return the ``k`` x ``k`` identity matrix over GF(2)."""
    return np.eye(k, dtype=np.uint8)


def pack_rows(bits: np.ndarray) -> np.ndarray:
    """0/1 rows ``(r, k)`` -> packed little-endian uint32 words ``(r, ceil(k / 32))``."""
    bits = np.asarray(bits)
    r, k = bits.shape
    pad = -k % 32
    if pad:
        bits = np.concatenate([bits, np.zeros((r, pad), np.uint8)], axis=1)
    return np.packbits(bits.astype(np.uint8), axis=1, bitorder="little").view("<u4")


def _parity_products(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``out[a, b] = parity(popcount(rows[a] & cols[b]))`` for packed words."""
    out = np.empty((rows.shape[0], cols.shape[0]), np.uint8)
    step = max(1, 65536 // max(1, cols.shape[0]))
    for a in range(0, rows.shape[0], step):
        x = np.bitwise_xor.reduce(rows[a : a + step, None, :] & cols[None, :, :], axis=-1)
        for shift in (16, 8, 4, 2, 1):
            x ^= x >> np.uint32(shift)
        out[a : a + step] = x & np.uint32(1)
    return out


def gf2_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Multiply two bit matrices (or a matrix and a block of bit columns) over GF(2)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"shapes {a.shape} and {b.shape} do not multiply")
    return _parity_products(pack_rows(a), pack_rows(np.ascontiguousarray(b.T)))


def gf2_matpow(m: np.ndarray, exponent: int) -> np.ndarray:
    """Return ``m ** exponent`` over GF(2) by repeated squaring.

    Parameters
    ----------
    m : ndarray
        Square 0/1 matrix.
    exponent : int
        Non-negative power; may be far larger than 2**64 (Python int).
    """
    if exponent < 0:
        raise ValueError(f"exponent must be >= 0, not {exponent}")
    result = gf2_identity(m.shape[0])
    base = np.asarray(m, dtype=np.uint8)
    while exponent:
        if exponent & 1:
            result = gf2_matmul(result, base)
        exponent >>= 1
        if exponent:
            base = gf2_matmul(base, base)
    return result
