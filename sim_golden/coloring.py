"""Graph coloring for the p-bit update order.

p-bits that share no coupling can update in the same clock without breaking exact
Gibbs sampling (REFERENCE.md §2). This module computes such an update order with
DSATUR (Brélaz 1979): repeatedly color the uncolored vertex with the most distinct
neighbour colors ("saturation"), ties broken by the larger degree and then by the
smaller vertex index, so the result is fully deterministic.

All functions are deterministic numpy/stdlib; graphs of at least :data:`COMPILED_FROM`
vertices are colored by the same algorithm compiled (:mod:`.coloring_kernel`) where
numba imports, with the same colors.
"""

from __future__ import annotations

import heapq

import numpy as np

__all__ = ["dsatur", "is_proper_coloring", "color_classes"]


def _as_edges(n: int, edges) -> np.ndarray:
    """Validate ``edges`` against ``n`` and return an ``(m, 2)`` int64 array."""
    if int(n) != n or n < 0:
        raise ValueError(f"n must be a non-negative integer, not {n!r}")
    e = np.asarray(edges, dtype=np.int64)
    if e.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    if e.ndim != 2 or e.shape[1] != 2:
        raise ValueError(f"edges must have shape (m, 2), not {e.shape}")
    bad = (e < 0) | (e >= n)
    if bad.any():
        k = int(np.argwhere(bad.any(axis=1))[0, 0])
        raise ValueError(f"edge {k} = {tuple(e[k].tolist())} has a vertex outside 0..{n - 1}")
    loops = e[:, 0] == e[:, 1]
    if loops.any():
        k = int(np.argmax(loops))
        raise ValueError(f"edge {k} = {tuple(e[k].tolist())} is a self-loop")
    return e


def dsatur(n: int, edges) -> np.ndarray:
    """Color a graph with the DSATUR heuristic.

    Parameters
    ----------
    n : int
        Number of vertices (labelled ``0 .. n-1``).
    edges : array_like, shape (m, 2)
        Undirected edges; duplicates are allowed, self-loops are not.

    Returns
    -------
    numpy.ndarray of int64, shape (n,)
        Color of every vertex, ``0 .. C-1``. Isolated vertices get color 0.
        Deterministic: ties in saturation are broken by larger degree, then by
        smaller vertex index.

    Raises
    ------
    ValueError
        If an edge names a vertex outside ``0 .. n-1`` or is a self-loop.

    Examples
    --------
    >>> dsatur(3, [(0, 1), (1, 2), (0, 2)]).tolist()
    [0, 1, 2]
    """
    e = _as_edges(n, edges)
    n = int(n)
    fast = _dsatur_compiled(n, e)
    if fast is not None:
        return fast
    nbrs: list[set[int]] = [set() for _ in range(n)]
    for i, j in e.tolist():
        nbrs[i].add(j)
        nbrs[j].add(i)
    degree = [len(s) for s in nbrs]
    colors = np.full(n, -1, dtype=np.int64)
    seen: list[set[int]] = [set() for _ in range(n)]  # neighbour colors
    # max-heap on (saturation, degree), then min index: store negated keys.
    heap = [(0, -degree[v], v) for v in range(n)]
    heapq.heapify(heap)
    while heap:
        neg_sat, _, v = heapq.heappop(heap)
        if colors[v] >= 0 or -neg_sat != len(seen[v]):
            continue  # stale entry
        used = seen[v]
        c = 0
        while c in used:
            c += 1
        colors[v] = c
        for u in nbrs[v]:
            if colors[u] < 0 and c not in seen[u]:
                seen[u].add(c)
                heapq.heappush(heap, (-len(seen[u]), -degree[u], u))
    return colors


#: Graphs from this many vertices are colored by the compiled kernel when numba imports.
COMPILED_FROM = 20_000
#: Largest neighbour-color table (vertices x (max degree + 1) flags) the kernel allocates.
COMPILED_TABLE_MAX = 1 << 28


def _dsatur_compiled(n: int, e: np.ndarray):
    """DSATUR in :mod:`.coloring_kernel` (same colors), or None where it does not apply."""
    from .jit import resolve_kernel

    if n < COMPILED_FROM or resolve_kernel() != "numba":
        return None
    pairs = np.unique(np.sort(e, axis=1), axis=0) if len(e) else np.zeros((0, 2), np.int64)
    both = np.concatenate([pairs, pairs[:, ::-1]])
    order = np.lexsort((both[:, 1], both[:, 0]))
    nbrs = both[order, 1].astype(np.int64)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(both[:, 0], minlength=n))]).astype(np.int64)
    width = int(np.diff(indptr).max(initial=0)) + 1
    if n * width > COMPILED_TABLE_MAX:
        return None
    from .coloring_kernel import dsatur_csr

    return dsatur_csr(indptr, nbrs, width)


def is_proper_coloring(edges, colors) -> bool:
    """Return True if no edge joins two vertices of the same color.

    Parameters
    ----------
    edges : array_like, shape (m, 2)
        Undirected edges (0-based vertex indices into ``colors``).
    colors : array_like of int, shape (n,)
        Color of every vertex; must be non-negative.

    Returns
    -------
    bool
    """
    c = np.asarray(colors)
    if c.ndim != 1:
        raise ValueError(f"colors must be 1-D, not shape {c.shape}")
    if c.size and (c.min() < 0):
        return False
    e = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    if e.size == 0:
        return True
    if e.min() < 0 or e.max() >= c.size:
        raise ValueError(f"edges name vertices outside 0..{c.size - 1}")
    return bool(np.all(c[e[:, 0]] != c[e[:, 1]]))


def color_classes(colors) -> list[np.ndarray]:
    """Split vertices into their color classes.

    Parameters
    ----------
    colors : array_like of int, shape (n,)

    Returns
    -------
    list of numpy.ndarray
        ``classes[c]`` holds the (sorted) vertex indices of color ``c``; empty
        classes are dropped.
    """
    c = np.asarray(colors, dtype=np.int64)
    if c.size == 0:
        return []
    return [np.flatnonzero(c == k) for k in np.unique(c)]
