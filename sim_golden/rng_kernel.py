"""Compiled twins of the RNG models in :mod:`.rng` (numba; see :mod:`.jit`).

A model is described to a kernel by plain arrays (:func:`rng_params`): its kind, the
LFSR width, and the leap split into chunks no longer than the smallest tap, so that
each chunk is one word-level step: every new bit is an XOR of old bits only (the bit
that ends at position ``p`` of an ``L``-bit chunk is ``XOR_t s[t - L + p]``), so a chunk
is ``s << L | (XOR_t s >> (t - L)) mod 2**L``.  The shifts ``t - L`` of every chunk are a
row padded to a multiple of four (a padding tap is a shift by 63, which gives 0).
All arithmetic is on ``int64`` holding 32-bit values, masked after every operation.
Loops over small arrays are written with indices (``for x in array`` made the step
four times slower).
"""

from __future__ import annotations

import numpy as np
from numba import prange

from .jit import check_workers, njit, with_workers
from .rng import LFSRModel, RNGModel, Xoshiro128ppModel

__all__ = ["RNG_LFSR", "RNG_XOSHIRO", "rng_params", "generate_numba", "rng_output_step"]

#: Kind codes of :func:`rng_params`.
RNG_LFSR, RNG_XOSHIRO = 0, 1

_M32 = 0xFFFFFFFF


def rng_params(model: RNGModel) -> tuple[int, int, np.ndarray, np.ndarray]:
    """``(kind, width, shifts, chunks)`` of ``model`` for the kernels.

    ``chunks[c]`` is the length of chunk ``c`` of an LFSR leap and ``shifts[c]`` its tap
    shifts ``t - chunks[c]``, padded to a multiple of four.
    """
    if isinstance(model, LFSRModel):
        step = min(min(model.taps), model.width)
        chunks = [step] * (model.leap // step) + ([model.leap % step] if model.leap % step else [])
        shifts = np.full((len(chunks), -(-len(model.taps) // 4) * 4), 63, np.int64)
        for c, size in enumerate(chunks):
            shifts[c, : len(model.taps)] = [t - size for t in model.taps]
        return RNG_LFSR, model.width, shifts, np.asarray(chunks, np.int64)
    if isinstance(model, Xoshiro128ppModel):
        return RNG_XOSHIRO, 32, np.zeros((0, 4), np.int64), np.zeros(0, np.int64)
    raise TypeError(f"no compiled kernel for {type(model).__name__}")


@njit(inline="always")
def rng_output_step(kind, width, shifts, chunks, st, i):
    """Return the output word of stream ``st[i]`` (uint32 rows) and step it in place.

    (Indexing ``st[i, k]`` rather than taking a row view keeps reference counting out
    of the innermost loop.)
    """
    if kind == RNG_LFSR:
        s = np.int64(st[i, 0])
        out = s
        wmask = (np.int64(1) << width) - 1
        if chunks.shape[0] == 1 and shifts.shape[1] == 4:  # the common leap: one word step
            L = chunks[0]
            fb = (s >> shifts[0, 0]) ^ (s >> shifts[0, 1]) ^ (s >> shifts[0, 2]) ^ (s >> shifts[0, 3])
            st[i, 0] = np.uint32(((s << L) | (fb & ((np.int64(1) << L) - 1))) & wmask)
            return out
        for c in range(chunks.shape[0]):
            L = chunks[c]
            fb = np.int64(0)
            for g in range(0, shifts.shape[1], 4):
                fb ^= (s >> shifts[c, g]) ^ (s >> shifts[c, g + 1])
                fb ^= (s >> shifts[c, g + 2]) ^ (s >> shifts[c, g + 3])
            s = ((s << L) | (fb & ((np.int64(1) << L) - 1))) & wmask
        st[i, 0] = np.uint32(s)
        return out
    s0 = np.int64(st[i, 0])
    s1 = np.int64(st[i, 1])
    s2 = np.int64(st[i, 2])
    s3 = np.int64(st[i, 3])
    x = (s0 + s3) & _M32
    out = ((((x << 7) | (x >> 25)) & _M32) + s0) & _M32
    t = (s1 << 9) & _M32
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = ((s3 << 11) | (s3 >> 21)) & _M32
    st[i, 0] = np.uint32(s0)
    st[i, 1] = np.uint32(s1)
    st[i, 2] = np.uint32(s2)
    st[i, 3] = np.uint32(s3)
    return out


@njit(parallel=True)
def _generate(kind, width, shifts, chunks, states, count, words):
    for i in prange(states.shape[0]):
        for t in range(count):
            words[t, i] = np.uint32(rng_output_step(kind, width, shifts, chunks, states, i))


def generate_numba(model: RNGModel, states: np.ndarray, count: int, *, num_workers=None):
    """:meth:`.rng.RNGModel.generate` compiled: the same words and final states."""
    workers = check_workers(num_workers)
    st = np.array(states, dtype=np.uint32, order="C")
    count = max(0, int(count))
    words = np.empty((count, st.shape[0]), np.uint32)
    with_workers(workers, _generate, *rng_params(model), st, count, words)
    return words, st
