"""Ising problems in the p-bit physics convention, and the inputs that make them.

The p-bit hardware and the golden models use the physics convention of
REFERENCE.md §1::

    E(m) = -( sum_i h_i m_i + sum_{i<j} J_ij m_i m_j ),   m_i in {-1, +1}

so a ferromagnetic coupling is ``J > 0``. dimod uses the opposite sign,
``E = sum h s + sum J s s + offset``; :func:`from_bqm` / :func:`to_bqm` flip the
signs and keep the variable labels and the offset, so that
``bqm.energy(sample) == energy(problem, m) + problem.offset``.

Inputs:

- :func:`lattice_2d` — the builtin periodic (or open) square-lattice ferromagnet;
- :func:`read_gset` — G-set / rudy Max-Cut files (``n m`` header, then 1-based
  ``i j w`` lines), with :class:`ProblemFormatError` naming the bad line;
- :func:`random_maxcut_graph` — G-set-like random graphs (rudy ``-rnd_graph``);
- :func:`maxcut_to_ising`, :func:`cut_value`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = [
    "IsingProblem",
    "MaxCutGraph",
    "ProblemFormatError",
    "from_bqm",
    "to_bqm",
    "lattice_2d",
    "sherrington_kirkpatrick",
    "lattice_3d",
    "edwards_anderson_3d",
    "read_gset",
    "random_maxcut_graph",
    "maxcut_to_ising",
    "cut_value",
    "energy",
]


class ProblemFormatError(ValueError):
    """A problem file or text is malformed; the message names the line and its text."""


def _canonical_edges(n: int, edges, weights, *, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Validate, orient (i < j), merge duplicates (summing weights) and sort edges."""
    e = np.asarray(edges, dtype=np.int64)
    w = np.asarray(weights, dtype=np.float64)
    if e.size == 0:
        e = e.reshape(0, 2)
    if e.ndim != 2 or e.shape[1] != 2:
        raise ValueError(f"{what} edges must have shape (m, 2), not {e.shape}")
    if w.shape != (e.shape[0],):
        raise ValueError(f"{what} weights must have shape ({e.shape[0]},), not {w.shape}")
    if e.shape[0]:
        bad = ((e < 0) | (e >= n)).any(axis=1)
        if bad.any():
            k = int(np.argmax(bad))
            raise ValueError(
                f"{what} edge {k} = {tuple(e[k].tolist())} names a vertex outside 0..{n - 1}"
            )
        loops = e[:, 0] == e[:, 1]
        if loops.any():
            k = int(np.argmax(loops))
            raise ValueError(f"{what} edge {k} = {tuple(e[k].tolist())} is a self-loop")
        if not np.isfinite(w).all():
            k = int(np.argmax(~np.isfinite(w)))
            raise ValueError(f"{what} weight {k} must be finite, not {w[k]}")
    e = np.sort(e, axis=1)
    key = e[:, 0] * max(n, 1) + e[:, 1]
    uniq, inverse = np.unique(key, return_inverse=True)
    merged = np.zeros(uniq.size, dtype=np.float64)
    np.add.at(merged, inverse, w)
    out = np.stack([uniq // max(n, 1), uniq % max(n, 1)], axis=1).astype(np.int64)
    return out.reshape(-1, 2), merged


@dataclass(frozen=True, eq=False)
class IsingProblem:
    """An Ising problem in the p-bit physics convention.

    ``E(m) = -(h . m + sum_k weights[k] m[edges[k, 0]] m[edges[k, 1]])``.

    Parameters
    ----------
    h : array_like of float, shape (n,)
        Local fields (biases).
    edges : array_like of int, shape (m, 2)
        Couplings as 0-based index pairs. On construction they are oriented
        ``i < j``, duplicates are merged (weights summed) and sorted.
    weights : array_like of float, shape (m,)
        Coupling strengths ``J_ij`` (> 0 is ferromagnetic).
    labels : list, optional
        Variable labels (default ``0 .. n-1``), e.g. the BQM's variables.
    offset : float, optional
        Constant added to convert back to the source energy: the dimod energy of
        a sample is ``energy(problem, m) + offset``.

    Raises
    ------
    ValueError
        On bad shapes, out-of-range or self-loop edges, non-finite values or
        duplicate labels; the message echoes the bad value.
    """

    h: np.ndarray
    edges: np.ndarray
    weights: np.ndarray
    labels: list = field(default=None)
    offset: float = 0.0

    def __post_init__(self):
        h = np.asarray(self.h, dtype=np.float64)
        if h.ndim != 1:
            raise ValueError(f"h must be 1-D, not shape {h.shape}")
        if not np.isfinite(h).all():
            k = int(np.argmax(~np.isfinite(h)))
            raise ValueError(f"h[{k}] must be finite, not {h[k]}")
        n = h.size
        e, w = _canonical_edges(n, self.edges, self.weights, what="IsingProblem")
        labels = list(range(n)) if self.labels is None else list(self.labels)
        if len(labels) != n:
            raise ValueError(f"labels must have {n} entries, not {len(labels)}")
        if len(set(labels)) != n:
            raise ValueError(f"labels must be unique, not {labels!r}")
        if not np.isfinite(self.offset):
            raise ValueError(f"offset must be finite, not {self.offset}")
        for arr in (h, e, w):
            arr.flags.writeable = False
        object.__setattr__(self, "h", h)
        object.__setattr__(self, "edges", e)
        object.__setattr__(self, "weights", w)
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "offset", float(self.offset))

    @property
    def n(self) -> int:
        """Number of spins."""
        return int(self.h.size)

    @property
    def num_edges(self) -> int:
        """Number of (merged) couplings."""
        return int(self.edges.shape[0])

    def coupling_matrix(self, dtype=np.float64):
        """Symmetric ``(n, n)`` ``scipy.sparse.csr_matrix`` of ``J`` (zero diagonal)."""
        import scipy.sparse as sp

        i, j = self.edges[:, 0], self.edges[:, 1]
        data = np.concatenate([self.weights, self.weights]).astype(dtype)
        mat = sp.csr_matrix(
            (data, (np.concatenate([i, j]), np.concatenate([j, i]))), shape=(self.n, self.n)
        )
        mat.sort_indices()
        return mat

    def degrees(self) -> np.ndarray:
        """Number of couplings of every spin, shape (n,)."""
        return np.bincount(self.edges.ravel(), minlength=self.n)


def energy(problem: IsingProblem, states) -> np.ndarray | float:
    """Physics energy ``-(h.m + sum J m m)`` of one or many states.

    Parameters
    ----------
    problem : IsingProblem
    states : array_like, shape (n,) or (k, n)
        Spins in {-1, +1}.

    Returns
    -------
    float or numpy.ndarray of shape (k,)
        Excludes ``problem.offset``.
    """
    s = np.asarray(states)
    single = s.ndim == 1
    s2 = np.atleast_2d(s).astype(np.float64)
    if s2.shape[1] != problem.n:
        raise ValueError(f"states must have {problem.n} columns, not {s2.shape[1]}")
    i, j = problem.edges[:, 0], problem.edges[:, 1]
    e = -(s2 @ problem.h)
    if problem.num_edges:
        e -= (s2[:, i] * s2[:, j]) @ problem.weights
    return float(e[0]) if single else e


def from_bqm(bqm) -> IsingProblem:
    """Convert a dimod BQM (any vartype) to an :class:`IsingProblem`.

    dimod's ``E = sum h s + sum J s s + offset`` becomes the physics convention by
    flipping the signs of ``h`` and ``J``; labels follow ``bqm.variables`` order
    and the offset is kept, so ``bqm.energy(s) == energy(p, s) + p.offset``.
    """
    spin = bqm.spin
    labels = list(spin.variables)
    ldata, (irow, icol, qdata), off = spin.to_numpy_vectors(variable_order=labels)
    edges = np.stack([np.asarray(irow, np.int64), np.asarray(icol, np.int64)], axis=1)
    return IsingProblem(
        h=-np.asarray(ldata, dtype=np.float64),
        edges=edges.reshape(-1, 2),
        weights=-np.asarray(qdata, dtype=np.float64),
        labels=labels,
        offset=float(off),
    )


def to_bqm(problem: IsingProblem):
    """Convert an :class:`IsingProblem` back to a SPIN ``dimod.BinaryQuadraticModel``."""
    import dimod

    lab = problem.labels
    bqm = dimod.BinaryQuadraticModel(dimod.SPIN)
    for v, hv in zip(lab, problem.h, strict=True):
        bqm.add_variable(v, -float(hv))
    for (i, j), w in zip(problem.edges.tolist(), problem.weights, strict=True):
        bqm.add_quadratic(lab[i], lab[j], -float(w))
    bqm.offset = problem.offset
    return bqm


def lattice_2d(L: int, J: float = 1.0, periodic: bool = True, h: float = 0.0) -> IsingProblem:
    """Square-lattice Ising model with nearest-neighbour coupling ``J``.

    Parameters
    ----------
    L : int
        Side; spins are ``r * L + c``. Periodic lattices need ``L >= 3``.
    J : float
        Coupling (physics convention: ``J > 0`` is ferromagnetic).
    periodic : bool
        Wrap around (torus) if True.
    h : float
        Uniform field.
    """
    if int(L) != L or L < 1:
        raise ValueError(f"L must be a positive integer, not {L!r}")
    L = int(L)
    if periodic and L < 3:
        raise ValueError(f"a periodic lattice needs L >= 3, not {L}")
    idx = np.arange(L * L).reshape(L, L)
    if periodic:
        right = np.stack([idx.ravel(), np.roll(idx, -1, axis=1).ravel()], axis=1)
        down = np.stack([idx.ravel(), np.roll(idx, -1, axis=0).ravel()], axis=1)
    else:
        right = np.stack([idx[:, :-1].ravel(), idx[:, 1:].ravel()], axis=1)
        down = np.stack([idx[:-1, :].ravel(), idx[1:, :].ravel()], axis=1)
    edges = np.concatenate([right, down]).reshape(-1, 2)
    return IsingProblem(
        h=np.full(L * L, float(h)), edges=edges, weights=np.full(edges.shape[0], float(J))
    )


def lattice_3d(L: int, J: float = 1.0, periodic: bool = True, h: float = 0.0) -> IsingProblem:
    """Simple-cubic Ising model with nearest-neighbour coupling ``J`` (degree 6 when periodic).

    Spins are ``(x * L + y) * L + z``; periodic lattices need ``L >= 3``.  Other
    parameters as :func:`lattice_2d`.
    """
    if int(L) != L or L < 1:
        raise ValueError(f"L must be a positive integer, not {L!r}")
    L = int(L)
    if periodic and L < 3:
        raise ValueError(f"a periodic lattice needs L >= 3, not {L}")
    idx = np.arange(L**3).reshape(L, L, L)
    parts = []
    for axis in range(3):
        if periodic:
            parts.append(np.stack([idx.ravel(), np.roll(idx, -1, axis=axis).ravel()], axis=1))
        else:
            lo = [slice(None)] * 3
            hi = [slice(None)] * 3
            lo[axis], hi[axis] = slice(None, -1), slice(1, None)
            parts.append(np.stack([idx[tuple(lo)].ravel(), idx[tuple(hi)].ravel()], axis=1))
    edges = np.concatenate(parts).reshape(-1, 2)
    return IsingProblem(h=np.full(L**3, float(h)), edges=edges, weights=np.full(edges.shape[0], float(J)))


def edwards_anderson_3d(L: int, *, seed=None, periodic: bool = True) -> IsingProblem:
    """3D Edwards-Anderson ``+-J`` spin glass: :func:`lattice_3d` with random signs ``J = +-1``.

    ``seed`` goes to ``numpy.random.default_rng``; signs are +1 or -1 with probability 1/2.
    """
    base = lattice_3d(L, periodic=periodic)
    signs = np.where(np.random.default_rng(seed).random(base.weights.size) < 0.5, -1.0, 1.0)
    return IsingProblem(h=base.h, edges=base.edges, weights=signs)


def sherrington_kirkpatrick(n: int, *, seed=None) -> IsingProblem:
    """Sherrington-Kirkpatrick ``+-J`` glass: every pair of ``n`` spins coupled with
    ``J = +-1`` (probability 1/2 each; ``seed`` goes to ``numpy.random.default_rng``),
    no fields.  Edges in the order of ``dense`` p-bit networks: ``(0, 1), (0, 2), ...``."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ValueError(f"n must be an integer >= 2, not {n!r}")
    i, j = np.triu_indices(n, 1)
    signs = np.where(np.random.default_rng(seed).random(i.size) < 0.5, -1.0, 1.0)
    return IsingProblem(h=np.zeros(n), edges=np.stack([i, j], axis=1), weights=signs)


@dataclass(frozen=True, eq=False)
class MaxCutGraph:
    """A weighted undirected graph for Max-Cut.

    Parameters
    ----------
    n : int
        Number of vertices (0-based).
    edges : array_like of int, shape (m, 2)
        Edges, merged and oriented like :class:`IsingProblem`'s.
    weights : array_like of float, shape (m,)
    """

    n: int
    edges: np.ndarray
    weights: np.ndarray

    def __post_init__(self):
        if int(self.n) != self.n or self.n < 1:
            raise ValueError(f"n must be a positive integer, not {self.n!r}")
        e, w = _canonical_edges(int(self.n), self.edges, self.weights, what="MaxCutGraph")
        e.flags.writeable = False
        w.flags.writeable = False
        object.__setattr__(self, "n", int(self.n))
        object.__setattr__(self, "edges", e)
        object.__setattr__(self, "weights", w)


def _err(lineno: int, text: str, why: str) -> ProblemFormatError:
    return ProblemFormatError(f"line {lineno}: {why}: {text.strip()!r}")


def read_gset(path_or_text) -> MaxCutGraph:
    """Read a G-set / rudy Max-Cut graph.

    Format: first non-blank line ``n m``; then exactly ``m`` lines ``i j w`` with
    1-based vertices ``1 <= i, j <= n``, ``i != j`` and a numeric weight. Blank
    lines are ignored.

    Parameters
    ----------
    path_or_text : str or os.PathLike
        A path (``pathlib.Path``, or a ``str`` without newline naming an existing
        file) or the file's text.

    Returns
    -------
    MaxCutGraph

    Raises
    ------
    ProblemFormatError
        With the 1-based line number and the offending text, e.g.
        ``line 3: vertex 801 outside 1..800: '801 2 1'``.
    """
    if isinstance(path_or_text, os.PathLike) or (
        isinstance(path_or_text, str) and "\n" not in path_or_text and Path(path_or_text).is_file()
    ):
        text = Path(path_or_text).read_text()
    elif isinstance(path_or_text, str):
        text = path_or_text
    else:
        raise TypeError(f"path_or_text must be a str or path, not {type(path_or_text).__name__}")
    lines = [(k + 1, ln) for k, ln in enumerate(text.splitlines()) if ln.strip()]
    if not lines:
        raise ProblemFormatError("line 1: empty input, expected a header 'n m'")
    lineno, header = lines[0]
    tok = header.split()
    if len(tok) != 2:
        raise _err(lineno, header, "header must be 'n m' (two integers)")
    try:
        n, m = int(tok[0]), int(tok[1])
    except ValueError:
        raise _err(lineno, header, "header must be 'n m' (two integers)") from None
    if n < 1 or m < 0:
        raise _err(lineno, header, "header needs n >= 1 and m >= 0")
    body = lines[1:]
    if len(body) != m:
        where = body[m][0] if len(body) > m else (lines[-1][0] + 1)
        got = body[m][1] if len(body) > m else "<end of file>"
        raise _err(where, got, f"header promises {m} edges, file has {len(body)}")
    edges = np.empty((m, 2), dtype=np.int64)
    weights = np.empty(m, dtype=np.float64)
    for k, (ln_no, ln) in enumerate(body):
        tok = ln.split()
        if len(tok) != 3:
            raise _err(ln_no, ln, "edge line must be 'i j w'")
        try:
            i, j = int(tok[0]), int(tok[1])
        except ValueError:
            raise _err(ln_no, ln, "vertices must be integers") from None
        try:
            w = float(tok[2])
        except ValueError:
            raise _err(ln_no, ln, "weight must be a number") from None
        if not np.isfinite(w):
            raise _err(ln_no, ln, "weight must be finite")
        for v in (i, j):
            if not 1 <= v <= n:
                raise _err(ln_no, ln, f"vertex {v} outside 1..{n}")
        if i == j:
            raise _err(ln_no, ln, "self-loop")
        edges[k] = (i - 1, j - 1)
        weights[k] = w
    return MaxCutGraph(n=n, edges=edges, weights=weights)


def random_maxcut_graph(n: int, density: float, *, weights=(1.0,), seed=None) -> MaxCutGraph:
    """G-set-like random graph (rudy ``-rnd_graph n density``).

    Every one of the ``n (n-1) / 2`` vertex pairs is an edge with probability
    ``density``; weights are drawn uniformly from ``weights`` (G1 uses ``(1,)``,
    G6 ``(-1, 1)``). G1-sized: ``n = 800, density = 0.06`` (≈ 19,176 edges).
    """
    if int(n) != n or n < 2:
        raise ValueError(f"n must be an integer >= 2, not {n!r}")
    if not 0.0 <= density <= 1.0:
        raise ValueError(f"density must be in [0, 1], not {density!r}")
    wv = np.asarray(weights, dtype=np.float64).ravel()
    if wv.size == 0:
        raise ValueError(f"weights must not be empty, not {weights!r}")
    rng = np.random.default_rng(seed)
    i, j = np.triu_indices(int(n), k=1)
    keep = rng.random(i.size) < density
    e = np.stack([i[keep], j[keep]], axis=1)
    w = wv[rng.integers(0, wv.size, size=e.shape[0])]
    return MaxCutGraph(n=int(n), edges=e, weights=w)


def maxcut_to_ising(graph: MaxCutGraph) -> IsingProblem:
    """Ising problem whose ground states are maximum cuts.

    ``J_ij = -w_ij`` (antiferromagnetic), ``h = 0``; then
    ``cut(m) = (sum w - E(m)) / 2`` with ``E`` the physics energy.
    """
    return IsingProblem(h=np.zeros(graph.n), edges=graph.edges, weights=-graph.weights)


def cut_value(graph: MaxCutGraph, states) -> np.ndarray | float:
    """Cut weight ``sum_{ij} w_ij (1 - m_i m_j) / 2`` of one or many spin states.

    Parameters
    ----------
    graph : MaxCutGraph
    states : array_like, shape (n,) or (k, n), spins in {-1, +1}

    Returns
    -------
    float or numpy.ndarray of shape (k,)
    """
    s = np.asarray(states)
    single = s.ndim == 1
    s2 = np.atleast_2d(s).astype(np.float64)
    if s2.shape[1] != graph.n:
        raise ValueError(f"states must have {graph.n} columns, not {s2.shape[1]}")
    if not np.isin(s2, (-1.0, 1.0)).all():
        raise ValueError("states must contain only -1 and +1")
    i, j = graph.edges[:, 0], graph.edges[:, 1]
    cut = ((1.0 - s2[:, i] * s2[:, j]) * 0.5) @ graph.weights
    return float(cut[0]) if single else cut
