"""Compiled sweeps of the p-bit network golden model (numba; see :mod:`.jit`).

The same arithmetic as the numpy path of :class:`~.pbit_net.PBitNetGolden`, one p-bit
at a time: groups of replicas run in parallel (``prange``), each replica keeps its
spins, each group the RNG states of its streams, and each replica the exact integer
local field ``h_i + sum_j J_ij m_j`` of
every p-bit, updated when a spin flips (as CPU annealers do: a flip costs the degree,
a non-flip nothing; measured faster than summing the neighbours at every read even on
degree-4 lattices, 7.7 against 9.5 ns per update).  The field is saturated only where
it is read, so the incremental sums are exact.  The spin update is branch-free (a
branch on a random flip is mispredicted half the time), and every index array is
unsigned (numba checks signed indices for wraparound, which doubled the cost of the
neighbour loop).  A color's p-bits
are an independent set, so updating them one after another is the gateware's parallel
update.  Energies for ``record="best"`` change by ``-2 m_new I_i`` per flip.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from .jit import njit
from .rng_kernel import rng_output_step

__all__ = ["RECORD_NONE", "RECORD_ALL", "RECORD_BEST", "net_sweeps"]

#: ``record`` codes of :func:`net_sweeps`.
RECORD_NONE, RECORD_ALL, RECORD_BEST = 0, 1, 2


@njit(parallel=True)
def net_sweeps(
    indptr, nbrs, wts, h, members,
    spins, states, P,
    kind, width, shifts, chunks, rnd_shift,
    tables, tsel, row_of,
    lim, code_mask, acc_bits, symmetric, telegraph, fixed,
    record, samples, best_s, best_e,
):  # fmt: skip
    """Run ``len(tsel)`` sweeps of every read, in place.

    Parameters
    ----------
    indptr, nbrs : uint32 arrays
        Symmetric CSR adjacency.
    wts : int32 array
        The raw J of every CSR entry.
    h : int32 (n,)
    members : uint32
        The free (unclamped) p-bits, color after color (the gateware's phase order).
    fixed : uint32
        The clamped p-bits: their spins stay, their streams still step every sweep.
    spins : int8 (G P, n)
        Current spins of every read (clamps already applied); updated.  Reads
        ``g P .. g P + P - 1`` are the replicas of group ``g``.
    states : uint32 (G, n, state_words)
        RNG stream states of every group; advanced ``P`` steps per p-bit per sweep, one
        per replica in turn.
    P : int
        Replicas per group.
    kind, width, shifts, chunks
        The RNG (:func:`~.rng_kernel.rng_params`); ``rnd_shift`` keeps ``prob_bits``.
    tables : uint32 (K, rows, entries)
        Probability tables; sweep ``t`` uses ``tables[tsel[t]]`` and p-bit ``i`` its
        row ``row_of[i]`` (``tsel``, ``row_of``: uint32).
    record : int
        :data:`RECORD_NONE`, :data:`RECORD_ALL` (``samples[r, t] =`` spins after sweep
        ``t``) or :data:`RECORD_BEST` (``best_s``/``best_e`` updated on a strictly lower
        energy).
    """
    n = spins.shape[1]
    G = states.shape[0]
    T = tsel.shape[0]
    for g in prange(G):
        st = states[g]
        field = np.empty((P, n), np.int64)
        energy = np.zeros(P, np.int64)
        for r in range(P):
            m = spins[g * P + r]
            for i in range(np.uint32(n)):
                f = np.int64(h[i])
                for e in range(indptr[i], indptr[i + 1]):
                    f += wts[e] * m[nbrs[e]]
                field[r, i] = f
                energy[r] -= m[i] * (h[i] + f)
            energy[r] //= 2  # -(h.m) - 1/2 sum_i m_i sum_j J_ij m_j, exact (the sum is even)
        for t in range(T):
            tab = tables[tsel[t]]
            for k in range(members.shape[0]):
                i = members[k]
                for r in range(P):
                    row = g * P + r
                    word = rng_output_step(kind, width, shifts, chunks, st, i) >> rnd_shift
                    f0 = field[r, i]
                    f = min(max(f0, -lim), lim)
                    old = spins[row, i]
                    if symmetric:
                        idx = f if f >= 0 else -f
                    else:
                        idx = f & code_mask
                    if telegraph and old > 0:
                        idx |= np.int64(1) << acc_bits
                    hit = np.int64(word < np.int64(tab[row_of[i], np.uint64(idx)]))
                    if symmetric:
                        hit ^= np.int64(f < 0)
                    elif telegraph:
                        hit ^= np.int64(old > 0)
                    new = 2 * hit - 1
                    if new != old:
                        spins[row, i] = new
                        energy[r] -= 2 * new * f0
                        for e in range(indptr[i], indptr[i + 1]):
                            field[r, nbrs[e]] += 2 * new * wts[e]
            for k in range(fixed.shape[0]):
                for _ in range(P):
                    rng_output_step(kind, width, shifts, chunks, st, fixed[k])
            for r in range(P):
                row = g * P + r
                if record == 1:
                    samples[row, t] = spins[row]
                elif record == 2 and energy[r] < best_e[row]:
                    best_e[row] = energy[r]
                    best_s[row] = spins[row]
