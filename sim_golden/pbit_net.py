"""Bit-exact fixed-point golden model of the p-bit network (see :mod:`.pbit_net_spec`).

:class:`PBitNetGolden` runs ``num_reads`` independent chains the way the gateware
runs them one after the other: read ``r`` starts from its initial state with the RNG
streams where read ``r - 1`` left them (the master state jumped ``r * num_sweeps``
steps), runs ``num_sweeps`` sweeps of the on-chip β schedule, and ends.  The reads
are therefore simulated **together** (vectorised over reads and over the p-bits of a
color): their RNG start states come from GF(2) jumps and the words from the RNG
model's ``generate`` in blocks of sweeps.

Per color the local fields of all its p-bits and all reads are one sparse-dense
product (``float64``, exact for these integers), then saturated, multiplied by
``beta_m``, shifted to a LUT address and compared with the random numbers, exactly as
the gateware does in one clock.

With per-p-bit compensation (``GAIN``/``OFFSET``) or in telegraph mode the address
comes from :meth:`~.pbit_net_spec.PBitNetSpec.lut_address`; in telegraph mode each
p-bit compares its word with its device's ``FROM_P`` or ``FROM_AP`` table entry
(chosen by its own current state) and flips on success
(:attr:`~.pbit_net_spec.PBitNetSpec.telegraph_luts`).

That is the numpy reference path.  With ``kernel="numba"`` (the default where numba
imports, :mod:`.jit`) the sweeps run in :mod:`.pbit_net_kernel` instead, one p-bit at
a time with exact incremental fields and reads on ``num_workers`` threads; the two
paths are tested identical on random Specs.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .gf2 import gf2_matmul
from .jit import check_workers, resolve_kernel, with_workers
from .pbit_net_spec import (
    BETA_MULT_FRAC,
    BetaMode,
    PBitMode,
    PBitNetSpec,
    beta_sequence,
)
from .pbit_net_tables import prob_index_bits, prob_rows, prob_tables
from .rng import Xoshiro128ppModel

__all__ = ["PBitNetGolden", "NetRun", "BetaRegisters", "quantized_energy", "replica_groups"]


class BetaRegisters(NamedTuple):
    """The β-schedule registers of one run (see :func:`~.pbit_net_spec.beta_sequence`)."""

    start: int
    mode: int = int(BetaMode.CONSTANT)
    step: int = 0
    mult: int = 1 << BETA_MULT_FRAC

    @classmethod
    def from_dict(cls, regs: dict) -> BetaRegisters:
        return cls(regs["BETA"], regs["BETA_MODE"], regs["BETA_STEP"], regs["BETA_MULT"])


class NetRun(NamedTuple):
    """Result of :meth:`PBitNetGolden.run`.

    Attributes
    ----------
    states : ndarray, shape (num_reads, n), int8 of +-1
        Final spins (clamps applied).
    samples : ndarray, shape (num_reads, num_sweeps, n), int8, or None
        The spins after every sweep (``record="all"``).
    best_states : ndarray, shape (num_reads, n), or None
        Lowest-energy state each read visited after a sweep (``record="best"``; the
        initial state counts when ``num_sweeps == 0``).
    best_energies : ndarray, shape (num_reads,), int64, or None
        Their quantised energies (:func:`quantized_energy`).
    beta_acc : list of int
        ``beta_acc`` of every sweep.
    """

    states: np.ndarray
    samples: np.ndarray | None
    best_states: np.ndarray | None
    best_energies: np.ndarray | None
    beta_acc: list


def quantized_energy(spec: PBitNetSpec, h_q, j_q, states) -> np.ndarray:
    """Integer energy ``-(h_q . m + sum_e J_q[e] m_i m_j)`` of states ``(k, n)``."""
    s = np.atleast_2d(np.asarray(states, dtype=np.int64))
    e = spec.edge_array
    out = -(s @ np.asarray(h_q, dtype=np.int64))
    if len(e):
        out -= (s[:, e[:, 0]] * s[:, e[:, 1]]) @ np.asarray(j_q, dtype=np.int64)
    return out


def replica_groups(spec: PBitNetSpec, init) -> tuple[int, np.ndarray]:
    """Reads run in groups of ``spec.replicas``: ``(groups, init)`` with the initial
    states ``init`` (reads, n) of the last group filled up with all -1 replicas (whose
    results are dropped).  The golden model and the drivers share this rule."""
    init = np.asarray(init, np.int8)
    groups = -(-len(init) // spec.replicas)
    spare = -np.ones((groups * spec.replicas - len(init), spec.n), np.int8)
    return groups, np.concatenate([init, spare])


def _first_reads(run: NetRun, reads: int) -> NetRun:
    """``run`` without the replicas that only fill up the last group."""
    if len(run.states) == reads:
        return run
    cut = [None if x is None else x[:reads] for x in run[:4]]
    return NetRun(*cut, run.beta_acc)


def _xoshiro_step(st: np.ndarray, out: np.ndarray) -> None:
    """One xoshiro128++ output (into ``out``) and state update, in place on ``(4, k)``.

    The same arithmetic as :class:`~.rng.Xoshiro128ppModel` (``output`` then ``step``),
    written with in-place operations on contiguous rows.
    """
    s0, s1, s2, s3 = st
    np.add(s0, s3, out=out)
    tmp = out >> np.uint32(25)
    out <<= np.uint32(7)
    out |= tmp
    out += s0
    t = s1 << np.uint32(9)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    np.right_shift(s3, np.uint32(21), out=tmp)
    s3 <<= np.uint32(11)
    s3 |= tmp


def _generate(model, states: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """``model.generate(states, count)`` with BLAS-free jumps (identical words and states).

    Few streams are stepped as several time segments side by side (start states from
    cached GF(2) jumps), so each numpy operation works on at least ~16k words.
    """
    p = states.shape[0]
    segs = max(1, min(count, 16384 // max(1, p)))
    seg_len = -(-count // segs)
    segs = -(-count // seg_len)
    starts = [states]
    if segs > 1:
        jump = model.jump_matrix(seg_len)
        for _ in range(1, segs):
            starts.append(model.apply_matrix(jump, starts[-1]))
    cur = np.concatenate(starts)
    out = np.empty((seg_len, segs * p), dtype=np.uint32)
    last = count - (segs - 1) * seg_len  # steps of the last segment that count
    final = None
    if isinstance(model, Xoshiro128ppModel):
        st = np.ascontiguousarray(cur.T)  # (4, streams): rows are s0..s3
        for t in range(seg_len):
            if t == last:
                final = np.ascontiguousarray(st[:, (segs - 1) * p :].T)
            _xoshiro_step(st, out[t])
        cur = np.ascontiguousarray(st.T)
    else:
        for t in range(seg_len):
            if t == last:
                final = cur[(segs - 1) * p :].copy()
            out[t] = model.output(cur)
            cur = model.step(cur)
    if final is None:
        final = cur[(segs - 1) * p :].copy()
    words = out.reshape(seg_len, segs, p).transpose(1, 0, 2).reshape(-1, p)[:count]
    return np.ascontiguousarray(words), final


class PBitNetGolden:
    """Golden p-bit network.

    Parameters
    ----------
    spec : PBitNetSpec
    seed : int or None
        Master seed of the RNG streams; ``None`` uses ``spec.seed`` (the reset state).
    kernel : {"auto", "numba", "numpy"}
        Which path runs the sweeps (:mod:`.jit`): both give the same bits.

    Attributes
    ----------
    states : ndarray, shape (n, state_words)
        The RNG stream states (advanced by every :meth:`run`).
    """

    def __init__(self, spec: PBitNetSpec, *, seed: int | None = None, kernel: str = "auto"):
        if not isinstance(spec, PBitNetSpec):
            raise TypeError(f"spec must be a PBitNetSpec, not {spec!r}")
        if spec.ghosts:
            raise ValueError(
                "a device with ghosts runs as part of its machine: the golden model is the whole "
                "network's, run with exchange= (spinemu.sim_golden.pbit_net_partition)"
            )
        self.spec = spec
        self.kernel = resolve_kernel(kernel)
        self.states = spec.rng_states(seed)
        e = spec.edge_array
        self._perm = np.argsort(spec.colors, kind="stable")
        counts = np.bincount(spec.colors, minlength=spec.num_colors)
        edges_c = np.concatenate([[0], np.cumsum(counts)]).tolist()
        self._bounds = [(edges_c[c], edges_c[c + 1]) for c in range(spec.num_colors)]
        import scipy.sparse as sp

        n = spec.n
        rows = np.concatenate([e[:, 0], e[:, 1]]) if len(e) else np.zeros(0, np.int64)
        cols = np.concatenate([e[:, 1], e[:, 0]]) if len(e) else np.zeros(0, np.int64)
        eid = np.concatenate([np.arange(len(e)), np.arange(len(e))])
        pattern = sp.csr_matrix((np.arange(rows.size, dtype=np.float64) + 1, (rows, cols)), shape=(n, n))
        pattern.sort_indices()
        # position in pattern.data -> edge index
        perm = pattern.data.astype(np.int64) - 1
        self._data_edge = eid[perm]
        self._pattern = pattern

    @property
    def _dtype(self):
        """float32 when every partial sum of the local field is exact in it, else float64."""
        spec = self.spec
        bound = (1 << (spec.h_bits - 1)) + spec.max_degree * (1 << (spec.j_bits - 1))
        return np.float32 if bound < 1 << 24 else np.float64

    def _matrix(self, j_q: np.ndarray):
        m = self._pattern.copy()
        m.data = j_q[self._data_edge].astype(self._dtype)
        return m

    def _check_values(self, h_q, j_q):
        spec = self.spec
        h = np.asarray(h_q, dtype=np.int64).reshape(-1)
        j = np.asarray(j_q, dtype=np.int64).reshape(-1)
        if h.shape != (spec.n,):
            raise ValueError(f"h_q must have shape ({spec.n},), not {h.shape}")
        if j.shape != (spec.num_edges,):
            raise ValueError(f"j_q must have shape ({spec.num_edges},), not {j.shape}")
        for name, arr, bits in (("h_q", h, spec.h_bits), ("j_q", j, spec.j_bits)):
            lo, hi = spec._range(bits)
            bad = (arr < lo) | (arr > hi)
            if bad.any():
                k = int(np.argmax(bad))
                raise ValueError(f"{name}[{k}] = {arr[k]} does not fit {bits} signed bits")
        return h, j

    def run(
        self,
        h_q,
        j_q,
        *,
        num_sweeps: int,
        beta: BetaRegisters,
        num_reads: int = 1,
        initial_states=None,
        clamp_mask=None,
        clamp_values=None,
        record: str = "none",
        gain_q=None,
        offset_q=None,
        num_workers: int | None = None,
        exchange=None,
    ) -> NetRun:
        """Run ``num_reads`` reads of ``num_sweeps`` sweeps each.

        Parameters
        ----------
        h_q, j_q : array of int
            Raw ``H`` (n,) and ``J`` (num_edges,) register values.
        num_sweeps : int
        beta : BetaRegisters or sequence of int
            ``BETA`` (loaded at the start of every read), mode, step and ratio; or
            an explicit ``beta_acc`` for every sweep (a custom schedule, which the
            driver realises by loading ``BETA`` between runs of constant β).
        num_reads : int
        initial_states : array, shape (num_reads, n) or (n,), of +-1, optional
            Default all -1 (the reset state of the spin registers).
        clamp_mask, clamp_values : array of bool / +-1, shape (n,), optional
            Clamped p-bits and their values.
        record : {"none", "all", "best"}
            Also return every sweep's sample, or the best state each read visited.
        gain_q, offset_q : array of int, shape (n,), optional
            ``GAIN`` and ``OFFSET`` register values (``spec.compensation`` only;
            default their reset values 1.0 and 0, see
            :meth:`~.pbit_net_spec.PBitNetSpec.compensation_registers`).
        num_workers : int, optional
            Threads that run reads side by side (numba path; default 1).  Reads are
            independent chains, so the result does not depend on it.
        exchange : Exchange, optional
            Run the network split over devices that see each other's spins through
            ghosts refreshed every ``exchange.period`` color phases, ``exchange.latency``
            phases late (:mod:`.pbit_net_partition`; one chain, numpy path).

        Returns
        -------
        NetRun
        """
        spec = self.spec
        n = spec.n
        h, j = self._check_values(h_q, j_q)
        if isinstance(num_sweeps, bool) or not isinstance(num_sweeps, int | np.integer) or num_sweeps < 0:
            raise ValueError(f"num_sweeps must be an integer >= 0, not {num_sweeps!r}")
        if isinstance(num_reads, bool) or not isinstance(num_reads, int | np.integer) or num_reads < 1:
            raise ValueError(f"num_reads must be an integer >= 1, not {num_reads!r}")
        if record not in ("none", "all", "best"):
            raise ValueError(f"record must be 'none', 'all' or 'best', not {record!r}")
        S, reads = int(num_sweeps), int(num_reads)
        if initial_states is None:
            init = -np.ones((reads, n), dtype=np.int8)
        else:
            init = np.asarray(initial_states)
            if init.ndim == 1:
                init = np.broadcast_to(init, (reads, n))
            if init.shape != (reads, n) or not np.isin(init, (-1, 1)).all():
                raise ValueError(f"initial_states must be +-1 of shape ({reads}, {n}) or ({n},)")
        P = spec.replicas
        G, init = replica_groups(spec, init)
        R = G * P
        cmask = np.zeros(n, bool) if clamp_mask is None else np.asarray(clamp_mask, bool)
        cval = -np.ones(n) if clamp_values is None else np.asarray(clamp_values, np.float64)
        if not np.isin(cval, (-1, 1)).all():
            raise ValueError("clamp_values must be -1 or +1")
        if cmask.shape != (n,) or cval.shape != (n,):
            raise ValueError(f"clamp_mask and clamp_values must have shape ({n},)")

        if exchange is not None:
            from .pbit_net_partition import Exchange

            if not isinstance(exchange, Exchange):
                raise TypeError(f"exchange must be an Exchange, not {exchange!r}")
            if len(exchange.partition.part_of) != n or P != 1:
                raise ValueError("exchange needs a partition of this network's p-bits and replicas = 1")
        gain, offset = self._check_compensation(gain_q, offset_q)
        workers = check_workers(num_workers)
        telegraph = spec.mode is PBitMode.TELEGRAPH
        symmetric = spec.symmetric

        dt = self._dtype
        # Internally p-bits are permuted so that every color is a contiguous block of
        # rows, and stream (p-bit i, read r) is column i * R + r of the RNG words.
        order, bounds = self._perm, self._bounds
        M = np.ascontiguousarray(init.T[order], dtype=dt)  # (n, R), permuted rows
        cm_p, cv_p = cmask[order], cval[order].astype(dt)
        M[cm_p] = cv_p[cm_p, None]
        if isinstance(beta, BetaRegisters):
            betas = beta_sequence(beta.start, beta.mode, beta.step, beta.mult, S)
        else:
            betas = [int(b) for b in beta]
            if len(betas) != S or any(not 0 <= b < 1 << 32 for b in betas):
                raise ValueError(f"beta must give {S} beta_acc values in 0..2**32-1")
        shift_b = spec.beta_frac_bits - spec.beta_mul_frac_bits
        comp = (gain, offset) if spec.compensation else (None, None)  # prob_tables' GAIN/OFFSET
        model = spec.rng_model
        sw = model.state_words
        # Stream states of every group: group g starts g * S * P steps further on.
        starts = np.empty((G, n, sw), dtype=np.uint32)
        starts[0] = self.states
        if G > 1:  # doubling: groups [b, 2b) are groups [0, b) jumped b * S * P steps
            jump = model.jump_matrix(S * P)
            b = 1
            while b < G:
                m = min(b, G - b)
                starts[b : b + m] = model.apply_matrix(jump, starts[:m].reshape(m * n, sw)).reshape(m, n, sw)
                b += m
                if b < G:
                    jump = gf2_matmul(jump, jump)
        if self.kernel == "numba" and exchange is None:
            run = self._run_numba(h, j, init, cmask, cval, betas, shift_b, starts, record, comp, workers)
            return _first_reads(run, reads)
        cur = np.ascontiguousarray(starts[:, order].transpose(1, 0, 2)).reshape(n * G, sw)

        mat = self._matrix(j)
        mat_p = mat[order][:, order].tocsr()
        blocks = [mat_p[x:z] for x, z in bounds]
        if exchange is not None:  # local couplings read M, remote ones the ghosts
            part_p = exchange.partition.part_of[order]
            coo = mat_p.tocoo()
            far = part_p[coo.row] != part_p[coo.col]
            local = type(mat_p)((coo.data * ~far, (coo.row, coo.col)), shape=mat_p.shape)
            blocks = [local[x:z] for x, z in bounds]
            # the ghosts: the spins of the p-bits some other device reads (boundary rows)
            boundary = np.unique(coo.col[far])
            remote = type(mat_p)((coo.data * far, (coo.row, coo.col)), shape=mat_p.shape).tocsc()[:, boundary]
            far_blocks = [remote.tocsr()[x:z] for x, z in bounds]
            ghosts, in_flight, phase = M[boundary], [], 0
        h_p = h[order].astype(dt)
        lim = spec.field_limit
        a = spec.acc_bits
        code_mask = np.int64((1 << a) - 1)
        rnd_shift = np.uint32(spec.word_bits - spec.prob_bits)
        inv = np.empty(n, np.int64)
        inv[order] = np.arange(n)
        plus, minus = dt(1), dt(-1)
        # probability tables per beta_m (pbit_net_tables), and each permuted p-bit's row
        per_pbit = prob_rows(spec) > 1
        row_p = order.astype(np.intp)[:, None]
        tables: dict = {}

        samples = np.empty((R, S, n), dtype=np.int8) if record == "all" else None
        if record == "best":
            jsym = mat_p
            best_e = self._energy(h_p, jsym, M)
            best_s = M.T.astype(np.int8).copy()
        chunk = max(1, min(S, (1 << 22) // max(1, R * n)))
        k = 0
        while k < S:
            T = min(chunk, S - k)
            words, cur = _generate(model, cur, T * P)
            words >>= rnd_shift
            # word t P + r of stream (i, g) is replica r of group g (column g P + r)
            rnd = words.reshape(T, P, n, G).transpose(0, 2, 3, 1).reshape(T, n, R)
            for t in range(T):
                bm = int(betas[k + t] >> shift_b)
                tab = tables.get(bm)
                if tab is None:
                    tab = tables[bm] = prob_tables(spec, bm, *comp)
                for c, (x, z) in enumerate(bounds):
                    field = blocks[c] @ M
                    if exchange is not None:
                        while in_flight and in_flight[0][0] <= phase:  # ghosts that arrived
                            ghosts = in_flight.pop(0)[1]
                        field += far_blocks[c] @ ghosts
                    field += h_p[x:z, None]
                    np.clip(field, -lim, lim, out=field)
                    f = field.astype(np.int64)
                    if symmetric:
                        idx = np.abs(f)
                    else:
                        idx = f & code_mask
                    if telegraph:
                        up = M[x:z] > 0
                        idx |= up.astype(np.int64) << a
                    thr = tab[row_p[x:z], idx] if per_pbit else tab[0][idx]
                    hit = rnd[t, x:z] < thr
                    if symmetric:
                        hit ^= f < 0
                    elif telegraph:
                        hit ^= up
                    new = np.where(hit, plus, minus)
                    cm = cm_p[x:z]
                    if cm.any():
                        new[cm] = cv_p[x:z][cm, None]
                    M[x:z] = new
                    if exchange is not None:
                        phase += 1
                        if phase % exchange.period == 0:  # boundary spins sent, seen D later
                            in_flight.append((phase + exchange.latency, M[boundary]))
                if samples is not None:
                    samples[:, k + t] = M[inv].T
                if record == "best":
                    e = self._energy(h_p, jsym, M)
                    better = e < best_e
                    if better.any():
                        best_e = np.where(better, e, best_e)
                        best_s[better] = M.T[better]
            k += T
        if S:
            last = cur.reshape(n, G, sw)[:, G - 1]
            self.states = np.empty_like(last)
            self.states[order] = last
        final = M[inv].T.astype(np.int8)
        if record == "best":
            return _first_reads(NetRun(final, None, best_s[:, inv], best_e.astype(np.int64), betas), reads)
        return _first_reads(NetRun(final, samples, None, None, betas), reads)

    def _run_numba(self, h, j, init, cmask, cval, betas, shift_b, starts, record, comp, workers) -> NetRun:
        """The sweeps of :meth:`run` in the compiled kernel (:mod:`.pbit_net_kernel`)."""
        from .pbit_net_kernel import RECORD_ALL, RECORD_BEST, RECORD_NONE, net_sweeps
        from .rng_kernel import rng_params

        spec = self.spec
        R, n = init.shape
        S = len(betas)
        spins = np.array(init, dtype=np.int8, order="C")
        spins[:, cmask] = cval[cmask].astype(np.int8)
        states = np.ascontiguousarray(starts, dtype=np.uint32)
        pat = self._pattern
        indptr, nbrs = pat.indptr.astype(np.uint32), pat.indices.astype(np.uint32)
        wts = np.asarray(j, np.int32)[self._data_edge]
        bms = np.array([int(b) >> shift_b for b in betas], dtype=np.int64)
        rng = rng_params(spec.rng_model)
        rnd_shift = spec.word_bits - spec.prob_bits
        rows = prob_rows(spec)
        row_of = np.arange(n, dtype=np.uint32) if rows > 1 else np.zeros(n, np.uint32)
        # at most ~64 MB of tables per call: a long schedule of per-p-bit tables runs in chunks
        per_chunk = max(1, (1 << 24) // (rows << prob_index_bits(spec)))
        code = {"none": RECORD_NONE, "all": RECORD_ALL, "best": RECORD_BEST}[record]
        samples = np.empty((R, S, n), np.int8) if record == "all" else None
        best_s = spins.copy()
        best_e = quantized_energy(spec, h, j, spins)
        none3 = np.zeros((0, 0, 0), np.int8)
        free = self._perm[~cmask[self._perm]].astype(np.uint32)
        fixed = np.flatnonzero(cmask).astype(np.uint32)
        for k in range(0, S, per_chunk):
            uniq, tsel = np.unique(bms[k : k + per_chunk], return_inverse=True)
            tables = np.stack([prob_tables(spec, int(b), *comp) for b in uniq])
            with_workers(
                workers, net_sweeps,
                indptr, nbrs, wts, np.asarray(h, np.int32), free,
                spins, states, spec.replicas, *rng, rnd_shift,
                tables, tsel.astype(np.uint32).reshape(-1), row_of,
                spec.field_limit, (1 << spec.acc_bits) - 1, spec.acc_bits,
                spec.symmetric, spec.mode is PBitMode.TELEGRAPH, fixed,
                code, none3 if samples is None else samples[:, k : k + per_chunk], best_s, best_e,
            )  # fmt: skip
        if S:
            self.states = states[-1].copy()
        if record == "best":
            return NetRun(spins, None, best_s, best_e, betas)
        return NetRun(spins, samples, None, None, betas)

    def _check_compensation(self, gain_q, offset_q) -> tuple[np.ndarray, np.ndarray]:
        spec = self.spec
        n = spec.n
        if not spec.compensation:
            if gain_q is not None or offset_q is not None:
                raise ValueError("gain_q/offset_q need a Spec with compensation = true")
            return np.full(n, 1, np.int64), np.zeros(n, np.int64)
        gain = np.full(n, spec.gain_one, np.int64) if gain_q is None else np.asarray(gain_q, np.int64)
        offset = np.zeros(n, np.int64) if offset_q is None else np.asarray(offset_q, np.int64)
        if gain.shape != (n,) or offset.shape != (n,):
            raise ValueError(f"gain_q and offset_q must have shape ({n},), not {gain.shape}, {offset.shape}")
        olo, ohi = spec._range(spec.offset_bits)
        for name, arr, lo_, hi_ in (
            ("gain_q", gain, 0, (1 << spec.gain_bits) - 1),
            ("offset_q", offset, olo, ohi),
        ):
            bad = (arr < lo_) | (arr > hi_)
            if bad.any():
                k = int(np.argmax(bad))
                raise ValueError(f"{name}[{k}] = {arr[k]} is outside its register range [{lo_}, {hi_}]")
        return gain, offset

    @staticmethod
    def _energy(h_f, jsym, M) -> np.ndarray:
        m64 = M.astype(np.float64)
        return -np.einsum("i,ij->j", h_f.astype(np.float64), m64) - 0.5 * np.einsum(
            "ij,ij->j", m64, (jsym @ M).astype(np.float64)
        )
