"""Compiled DSATUR (numba; see :mod:`.jit`): the same algorithm, heap and tie-breaking as
:func:`~.coloring.dsatur`, so the same colors, for graphs of millions of vertices.

Neighbour colors are kept in an ``(n, max_degree + 1)`` table of flags (a vertex never
needs a color above its degree), so :func:`~.coloring.dsatur` uses this kernel only when
that table is small.
"""

from __future__ import annotations

import heapq

import numpy as np

from .jit import njit

__all__ = ["dsatur_csr"]


@njit
def dsatur_csr(indptr, nbrs, width):
    """Colors of the graph with CSR adjacency ``indptr``/``nbrs`` (no duplicate entries);
    ``width`` = max degree + 1."""
    n = indptr.shape[0] - 1
    colors = np.full(n, -1, np.int64)
    seen = np.zeros((n, width), np.bool_)
    sat = np.zeros(n, np.int64)
    heap = [(np.int64(0), np.int64(-(indptr[v + 1] - indptr[v])), np.int64(v)) for v in range(n)]
    heapq.heapify(heap)
    while len(heap):
        neg_sat, neg_deg, v = heapq.heappop(heap)
        if colors[v] >= 0 or -neg_sat != sat[v]:
            continue  # stale entry
        c = 0
        while c < width and seen[v, c]:
            c += 1
        colors[v] = c
        for e in range(indptr[v], indptr[v + 1]):
            u = nbrs[e]
            if colors[u] < 0 and not seen[u, c]:
                seen[u, c] = True
                sat[u] += 1
                heapq.heappush(heap, (-sat[u], np.int64(-(indptr[u + 1] - indptr[u])), np.int64(u)))
    return colors
