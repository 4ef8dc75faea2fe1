"""Compiled recall sweeps of the Hopfield golden model (numba; see :mod:`.jit`).

The arithmetic of :meth:`~.hopfield_fixed.HopfieldFixed.recall`: every sweep starts
from the exact integer fields ``h = W s`` (what the core's lanes compute), then either
visits the neurons in the rotated fixed order, each taking the sign of its field (a
zero field keeps the state) and, on a flip, adding ``2 s_i W[:, i]`` to every field
(asynchronous), or updates all neurons from the same fields (synchronous).  Weights are
``int32`` (they fit ``weight_bits <= 16``), fields ``int64``.
"""

from __future__ import annotations

import numpy as np

from .hopfield_fixed import visit_async
from .jit import njit

__all__ = ["fields", "async_sweep", "sync_sweep"]


@njit
def fields(w, s, h):
    """``h = w @ s`` for ``int32`` weights and ``int8`` states, exactly."""
    n = s.shape[0]
    for j in range(n):
        acc = np.int64(0)
        row = w[j]
        for i in range(n):
            acc += row[i] * s[i]
        h[j] = acc


_visit = njit(visit_async)


@njit
def async_sweep(w, wt, s, h, perm, r):
    """One asynchronous sweep from rotation ``r``, in place on ``s``; return the flips.

    The visit is :func:`~.hopfield_fixed.visit_async`, compiled."""
    fields(w, s, h)
    return _visit(wt, s, h, perm, r)


@njit
def sync_sweep(w, s, h):
    """One synchronous sweep, in place on ``s``; return the flips."""
    n = s.shape[0]
    fields(w, s, h)
    flips = 0
    for i in range(n):
        if h[i] != 0:
            new = 1 if h[i] > 0 else -1
            if new != s[i]:
                s[i] = new
                flips += 1
    return flips
