"""Fast float reference p-bit (Gibbs) sampler, vectorised over colors and reads.

This is the *float* reference of the p-bit array: no quantization, exact Gibbs
sampling of the Boltzmann distribution ``P(m) ~ exp(-beta E(m))`` with the physics
energy ``E = -(h.m + sum_{i<j} J_ij m_i m_j)`` (REFERENCE.md §1). The p-bits are
grouped by a proper graph coloring (DSATUR by default); all p-bits of one color
update together, colors in turn, each with

    m_i = +1 with probability sigmoid(2 beta I_i),   I_i = h_i + sum_j J_ij m_j,

implemented as ``m_i = sgn(tanh(beta I_i) - r)``, ``r ~ U(-1, 1)``. One sweep
updates every p-bit once; one ``beta`` per sweep.

Speed: spins live in a ``(n + 1, reads)`` float32 array permuted so that each color
is a contiguous block of rows; the extra row is a constant ``+1`` whose column in
the CSR coupling matrix holds ``h``, so one sparse-dense product gives the local
fields of a whole color for a block of reads. Reads are processed in cache-sized
blocks. Random numbers come from a ``numpy.random.SFC64`` stream seeded from
``numpy.random.default_rng(seed)``.

``beta_schedule`` follows dwave-samplers' ``SimulatedAnnealingSampler``: one
``beta`` per sweep (``num_sweeps_per_beta`` repeats), ``linear`` = ``linspace``,
``geometric`` = ``geomspace`` over ``beta_range``, a single beta is
``beta_range[-1]``, and ``beta_range=(b, b)`` is a constant ``b``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .coloring import dsatur
from .problems import IsingProblem, energy

__all__ = ["FloatSamples", "beta_schedule", "default_beta_range", "sample_float"]


class FloatSamples(NamedTuple):
    """Result of :func:`sample_float`.

    Attributes
    ----------
    states : numpy.ndarray of int8, shape (num_reads, n)
        Final spins, columns in the problem's variable order.
    energies : numpy.ndarray of float64, shape (num_reads,)
        Physics energies of ``states`` (without the problem's offset).
    trace_sweeps : numpy.ndarray of int or None
        Sweep counts (1-based) at which the trace was recorded.
    trace_energies : numpy.ndarray of float64, shape (records, num_reads), or None
    trace_magnetization : numpy.ndarray of float64, shape (records, num_reads), or None
        Mean spin of every read at each record.
    """

    states: np.ndarray
    energies: np.ndarray
    trace_sweeps: np.ndarray | None = None
    trace_energies: np.ndarray | None = None
    trace_magnetization: np.ndarray | None = None


def _check_int(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, not {value!r}")
    return int(value)


def beta_schedule(
    num_sweeps: int | None,
    beta_range=None,
    kind: str = "geometric",
    schedule=None,
    *,
    num_sweeps_per_beta: int = 1,
) -> np.ndarray:
    """One inverse temperature per sweep, with dwave-samplers' semantics.

    Parameters
    ----------
    num_sweeps : int or None
        Number of sweeps. ``None`` means 1000 for ``linear``/``geometric`` and
        ``len(schedule) * num_sweeps_per_beta`` for ``custom``.
    beta_range : (float, float)
        ``(beta_start, beta_end)`` for ``linear`` / ``geometric``; for ``custom``
        it must be None or equal ``(schedule[0], schedule[-1])``.
    kind : {"geometric", "linear", "custom"}
    schedule : array_like of float, optional
        The betas for ``kind="custom"`` (one per ``num_sweeps_per_beta`` sweeps).
    num_sweeps_per_beta : int, keyword-only
        Sweeps at each beta (default 1).

    Returns
    -------
    numpy.ndarray of float64, shape (num_sweeps,)

    Raises
    ------
    ValueError
        On inconsistent arguments, echoing the bad value.
    """
    nspb = _check_int("num_sweeps_per_beta", num_sweeps_per_beta, 1)
    if kind == "custom":
        if schedule is None:
            raise ValueError("schedule must be given for kind='custom', not None")
        betas = np.asarray(schedule, dtype=np.float64).ravel()
        if num_sweeps is not None and num_sweeps != betas.size * nspb:
            raise ValueError(
                f"num_sweeps must be None or len(schedule) * num_sweeps_per_beta = "
                f"{betas.size * nspb}, not {num_sweeps!r}"
            )
        if beta_range is not None and (
            betas.size == 0
            or len(beta_range) != 2
            or beta_range[0] != betas[0]
            or beta_range[-1] != betas[-1]
        ):
            raise ValueError(
                f"beta_range must be None or match the schedule's ends, not {beta_range!r}"
            )
    elif kind in ("linear", "geometric"):
        if schedule is not None:
            raise ValueError(f"schedule must be None for kind={kind!r}, not {schedule!r}")
        num_sweeps = 1000 if num_sweeps is None else _check_int("num_sweeps", num_sweeps, 0)
        num_betas, rem = divmod(num_sweeps, nspb)
        if rem:
            raise ValueError(
                f"num_sweeps must be divisible by num_sweeps_per_beta={nspb}, not {num_sweeps}"
            )
        if beta_range is None or len(beta_range) != 2:
            raise ValueError(
                f"beta_range must be a pair (beta_start, beta_end), not {beta_range!r}"
            )
        b0, b1 = float(beta_range[0]), float(beta_range[1])
        if not (np.isfinite(b0) and np.isfinite(b1)) or min(b0, b1) < 0:
            raise ValueError(f"beta_range must hold finite values >= 0, not {beta_range!r}")
        if num_betas == 1:
            betas = np.array([b1])
        elif kind == "linear":
            betas = np.linspace(b0, b1, num=num_betas)
        else:
            if min(b0, b1) <= 0:
                raise ValueError(f"beta_range must be > 0 for kind='geometric', not {beta_range!r}")
            betas = np.geomspace(b0, b1, num=num_betas)
    else:
        raise ValueError(f"kind must be 'geometric', 'linear' or 'custom', not {kind!r}")
    if betas.size and (not np.isfinite(betas).all() or betas.min() < 0):
        raise ValueError(f"betas must be finite and >= 0, not {betas!r}")
    return np.repeat(betas, nspb)


def default_beta_range(problem: IsingProblem) -> tuple[float, float]:
    """dwave-samplers' default ``beta_range`` heuristic, for an :class:`IsingProblem`.

    Hot: every spin flips with probability >= 1/2 under Metropolis,
    ``log 2 / (2 max_i (|h_i| + sum_j |J_ij|))``. Cold: the expected number of
    excitations in the last sweep is 0.01, from the smallest non-zero bias per spin.
    """
    absw = np.abs(problem.weights)
    total = np.abs(problem.h).copy()
    np.add.at(total, problem.edges[:, 0], absw)
    np.add.at(total, problem.edges[:, 1], absw)
    mins = np.where(problem.h != 0, np.abs(problem.h), np.inf)
    nz = absw != 0
    for col in (0, 1):
        np.minimum.at(mins, problem.edges[nz, col], absw[nz])
    finite = mins[np.isfinite(mins)]
    if finite.size == 0:
        return (0.1, 1.0)
    hot = np.log(2) / (2 * total.max())
    mmin = finite.min()
    cold = np.log(np.sum(finite == mmin) / 0.01) / (2 * mmin)
    return (float(hot), float(cold))


def _check_colors(problem: IsingProblem, colors) -> np.ndarray:
    if colors is None:
        return dsatur(problem.n, problem.edges)
    c = np.asarray(colors)
    if c.shape != (problem.n,) or not np.issubdtype(c.dtype, np.integer):
        raise ValueError(f"colors must be an integer array of shape ({problem.n},), not {c!r}")
    e = problem.edges
    clash = c[e[:, 0]] == c[e[:, 1]]
    if clash.any():
        i, j = e[int(np.argmax(clash))]
        raise ValueError(
            f"colors is not a proper coloring: coupled variables {problem.labels[i]!r} and "
            f"{problem.labels[j]!r} both have color {c[i]}"
        )
    return c.astype(np.int64)


def _block_size(n: int, num_reads: int) -> int:
    """Reads per block: keep the (n+1, block) float32 state near 2 MiB (cache)."""
    rb = (2 << 20) // (4 * (n + 1))
    rb = int(min(max(rb, 16), 8192))
    return min(rb, num_reads)


def sample_float(
    problem: IsingProblem,
    *,
    num_reads: int,
    num_sweeps: int,
    betas,
    seed=None,
    initial_states=None,
    colors=None,
    record_every: int | None = None,
) -> FloatSamples:
    """Gibbs-sample (or anneal) an Ising problem with colored parallel p-bit updates.

    Parameters
    ----------
    problem : IsingProblem
        Physics convention (``J > 0`` ferromagnetic); see :func:`~.problems.from_bqm`.
    num_reads : int
        Independent chains (>= 1).
    num_sweeps : int
        Sweeps per chain (>= 0); each updates every p-bit once, color by color.
    betas : float or array_like of shape (num_sweeps,)
        Inverse temperature of every sweep (a scalar means constant), e.g. from
        :func:`beta_schedule`.
    seed : int, numpy.random.Generator or None
        Passed to ``numpy.random.default_rng``; same seed, same result.
    initial_states : array_like, shape (num_reads, n) or (n,), optional
        Starting spins in {-1, +1} (problem order); default uniformly random.
    colors : array_like of int, shape (n,), optional
        A proper coloring fixing the update order (default :func:`~.coloring.dsatur`).
    record_every : int, optional
        Record every read's energy and magnetization after every
        ``record_every``-th sweep.

    Returns
    -------
    FloatSamples
    """
    if not isinstance(problem, IsingProblem):
        raise TypeError(f"problem must be an IsingProblem, not {type(problem).__name__}")
    num_reads = _check_int("num_reads", num_reads, 1)
    num_sweeps = _check_int("num_sweeps", num_sweeps, 0)
    b = np.asarray(betas, dtype=np.float64)
    if b.ndim == 0:
        b = np.full(num_sweeps, float(b))
    if b.shape != (num_sweeps,):
        raise ValueError(f"betas must be a scalar or have shape ({num_sweeps},), not {b.shape}")
    if num_sweeps and (not np.isfinite(b).all() or b.min() < 0):
        raise ValueError(f"betas must be finite and >= 0, not {betas!r}")
    if record_every is not None:
        record_every = _check_int("record_every", record_every, 1)
    n = problem.n
    rng = np.random.default_rng(seed)
    if initial_states is None:
        init = np.where(rng.random((num_reads, n)) < 0.5, 1, -1).astype(np.int8)
    else:
        init = np.asarray(initial_states)
        if init.ndim == 1:
            init = np.broadcast_to(init, (num_reads, n))
        if init.shape != (num_reads, n):
            raise ValueError(
                f"initial_states must have shape ({num_reads}, {n}) or ({n},), not {init.shape}"
            )
        if not np.isin(init, (-1, 1)).all():
            raise ValueError("initial_states must contain only -1 and +1")
        init = init.astype(np.int8)
    fast = np.random.Generator(np.random.SFC64(int(rng.integers(0, 2**63))))

    colors = _check_colors(problem, colors)
    order = np.argsort(colors, kind="stable")
    inv = np.empty(n, dtype=np.int64)
    inv[order] = np.arange(n)
    bounds = np.searchsorted(colors[order], np.unique(colors)).tolist() + [n]

    import scipy.sparse as sp

    e = inv[problem.edges] if problem.num_edges else problem.edges
    w = problem.weights
    h_p = problem.h[order]
    rows = np.concatenate([e[:, 0], e[:, 1], np.arange(n)])
    cols = np.concatenate([e[:, 1], e[:, 0], np.full(n, n)])
    data = np.concatenate([w, w, h_p]).astype(np.float32)
    field = sp.csr_matrix((data, (rows, cols)), shape=(n, n + 1))
    field.sort_indices()
    blocks = [field[a:z] for a, z in zip(bounds[:-1], bounds[1:], strict=True)]
    base = [blk.data.copy() for blk in blocks]
    jsym = problem.coupling_matrix()[order][:, order] if record_every else None

    n_rec = num_sweeps // record_every if record_every else 0
    tr_e = np.empty((n_rec, num_reads)) if record_every else None
    tr_m = np.empty((n_rec, num_reads)) if record_every else None
    out = np.empty((num_reads, n), dtype=np.int8)
    rb = _block_size(n, num_reads)
    f32 = np.float32(2.0**-31)
    for r0 in range(0, num_reads, rb):
        r1 = min(r0 + rb, num_reads)
        R = r1 - r0
        S = np.ones((n + 1, R), dtype=np.float32)  # last row: constant +1 (field column)
        S[:n] = init[r0:r1, order].T
        v = np.empty(
            (max(z - a for a, z in zip(bounds[:-1], bounds[1:], strict=True)), R), np.float32
        )
        last_beta = None
        for k in range(num_sweeps):
            beta = b[k]
            if beta != last_beta:
                for blk, bd in zip(blocks, base, strict=True):
                    np.multiply(bd, np.float32(beta), out=blk.data)
                last_beta = beta
            for c, blk in enumerate(blocks):
                a, z = bounds[c], bounds[c + 1]
                loc = blk @ S  # beta * I for this color, shape (z - a, R)
                np.tanh(loc, out=loc)
                cnt = (z - a) * R
                raw = fast.bit_generator.random_raw((cnt + 1) // 2).view(np.int32)[:cnt]
                vv = v[: z - a]
                np.multiply(raw.reshape(z - a, R), f32, out=vv, dtype=np.float32, casting="unsafe")
                loc -= vv
                np.copysign(np.float32(1.0), loc, out=S[a:z])
            if record_every and (k + 1) % record_every == 0:
                spins = S[:n].astype(np.float64)
                q = np.einsum("ij,ij->j", spins, jsym @ spins)
                tr_e[(k + 1) // record_every - 1, r0:r1] = -(h_p @ spins) - 0.5 * q
                tr_m[(k + 1) // record_every - 1, r0:r1] = spins.mean(axis=0)
        out[r0:r1][:, order] = S[:n].T.astype(np.int8)
    energies = np.atleast_1d(energy(problem, out))
    if record_every:
        sweeps = np.arange(1, n_rec + 1) * record_every
        return FloatSamples(out, energies, sweeps, tr_e, tr_m)
    return FloatSamples(out, energies)
