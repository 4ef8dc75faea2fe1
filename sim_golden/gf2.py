"""Linear algebra over GF(2) for linear random-number generators.

Every RNG state transition used by spinemu (Fibonacci LFSRs with any leap, the
xoshiro128 state update) is linear over GF(2).  Representing it as a bit matrix
lets the golden model

* jump a stream ahead by any number of steps (``M**k`` by repeated squaring), which
  is how per-p-bit streams are placed far apart on one sequence, and
* generate long streams fast, by splitting time into segments whose start states are
  computed with jumps and then stepping all segments at once (vectorised numpy).

Matrices are ``uint8`` arrays of 0/1 acting on column vectors of state bits.
"""

from __future__ import annotations

import numpy as np

__all__ = ["gf2_matmul", "gf2_matpow", "gf2_identity"]


def gf2_identity(k: int) -> np.ndarray:
    """Return the ``k`` x ``k`` identity matrix over GF(2)."""
    return np.eye(k, dtype=np.uint8)


def gf2_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Multiply two bit matrices (or a matrix and a bit-column block) over GF(2).

    Uses floating-point BLAS: the inner dimension is at most a few hundred, so every
    partial sum is an exactly representable integer.
    """
    prod = a.astype(np.float64) @ b.astype(np.float64)
    return (prod.astype(np.int64) & 1).astype(np.uint8)


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
    base = m.copy()
    while exponent:
        if exponent & 1:
            result = gf2_matmul(result, base)
        exponent >>= 1
        if exponent:
            base = gf2_matmul(base, base)
    return result
