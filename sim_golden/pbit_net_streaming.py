"""The streaming p-bit fabric: rows of ``J`` streamed from block RAM, for dense graphs.

The streaming fabric (``fabric = "streaming"``) computes exactly what the parallel and
multiplexed ones do (same colors, per-p-bit RNG streams and tables, so
:class:`~.pbit_net.PBitNetGolden` is its golden model too).  It is made for graphs of
high degree (all-to-all ``dense`` problems, G-set Max-Cut), where a lane per
neighbour entry (:mod:`.pbit_net_mux`) would cost too much logic:

*slots*
    The p-bits of color 0, then color 1, ... with no padding between colors: slot ``s``
    holds p-bit ``pbit_of[s]``.  One p-bit is updated at a time, in slot order: within
    a color the p-bits are uncoupled, so the sequential order is the same Gibbs update
    as the golden model's color step.
*words*
    ``W = lanes`` consecutive slots form word ``b``; a spin vector is ``beats =
    ceil(n / W)`` words (the register words ``STATE``, ``STATE_IN``, ``CLAMP_*``).
*weights*
    Row ``s`` of ``J`` in slot order (``J[s, s] = 0``, 0 for non-edges and past the last
    slot), ``W`` couplings per memory word: word ``s * beats + b`` holds ``J[s, W b ..
    W b + W - 1]``.  ``h`` has a memory of its own.

The update of slot ``s`` reads its row one word per clock (a *beat*) together with the
spin word of the same columns, adds ``W`` terms ``+-J`` per beat in a pipelined adder
tree and accumulates the beats; the field then goes through the same saturation, table
and comparison as on the other fabrics, and the new spin is written
:func:`stream_latency` clocks after the last beat.  A p-bit may start while the
previous one is in the pipeline: the beats of slot ``s`` begin at the word after the
previous slot's word and wrap around, so the word holding the previous slot's spin is
read last.  Slots follow each other every :attr:`StreamLayout.period` clocks
(``max(beats, latency + 1)``), so that read comes after the write.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .pbit_net_spec import PBitNetSpec

__all__ = [
    "StreamLayout",
    "stream_layout",
    "stream_rows",
    "stream_tree_stages",
    "stream_latency",
    "stream_sweep_cycles",
]

#: Adder levels of the beat sum between two registers (as a multiplexed lane's tree).
TREE_LEVELS_PER_STAGE = 2


def stream_tree_stages(lanes: int) -> int:
    """Register stages of the beat's adder tree over ``lanes`` couplings and the count of
    down spins."""
    levels = lanes.bit_length()  # ceil(log2(lanes + 1))
    return max(1, -(-levels // TREE_LEVELS_PER_STAGE))


def stream_latency(lanes: int) -> int:
    """Clocks from a slot's last beat to the clock its spin is written: the row and spin
    words read, and registered, the terms registered, the adder tree, the accumulator,
    saturate and encode, look up and compare."""
    return 6 + stream_tree_stages(lanes)


def stream_sweep_cycles(n: int, lanes: int) -> int:
    """Clocks of a sweep of ``n`` p-bits on ``lanes`` lanes at constant β: a period
    (``max(beats, latency + 1)``) per slot but the last, whose beats are followed by the
    wait for its spin."""
    beats, latency = -(-n // lanes), stream_latency(lanes)
    return (n - 1) * max(beats, latency + 1) + beats + latency


@dataclass(frozen=True)
class StreamLayout:
    """Where every p-bit of a streaming Spec lives (:func:`stream_layout`).

    Attributes
    ----------
    lanes : int
        ``W``: couplings per beat, spins per word.
    groups : int
        ``beats``: words of a spin vector, beats of a row.
    latency : int
        :func:`stream_latency` of ``lanes``.
    slot_of : ndarray (n,)
        The slot of each p-bit.
    pbit_of : ndarray (groups * lanes,)
        The p-bit of each slot, -1 past the last.
    color_groups : tuple of int
        Slots of each color.
    """

    lanes: int
    groups: int
    latency: int
    slot_of: np.ndarray
    pbit_of: np.ndarray
    color_groups: tuple

    @property
    def n(self) -> int:
        return len(self.slot_of)

    @property
    def slots(self) -> int:
        return self.groups * self.lanes

    @property
    def beats(self) -> int:
        return self.groups

    @property
    def period(self) -> int:
        """Clocks between the first beats of consecutive slots."""
        return max(self.beats, self.latency + 1)

    @property
    def sweep_cycles(self) -> int:
        """Clocks of a sweep at constant β (:func:`stream_sweep_cycles`)."""
        return stream_sweep_cycles(self.n, self.lanes)

    @property
    def efficiency(self) -> float:
        """Coupling terms added per clock of a sweep, over ``lanes`` (1.0: every beat busy
        with real columns)."""
        return self.n * self.n / (self.lanes * self.sweep_cycles)


def stream_layout(spec: PBitNetSpec) -> StreamLayout:
    """The slot layout of ``spec`` (use the cached ``spec.mux_layout``)."""
    if not spec.streaming:
        raise ValueError("stream_layout needs a Spec with fabric = 'streaming'")
    W = spec.lanes
    order = np.argsort(spec.colors, kind="stable").astype(np.int64)
    beats = -(-spec.n // W)
    pbit_of = np.concatenate([order, -np.ones(beats * W - spec.n, np.int64)])
    slot_of = np.empty(spec.n, np.int64)
    slot_of[order] = np.arange(spec.n)
    counts = tuple(np.bincount(spec.colors, minlength=spec.num_colors).tolist())
    for a in (slot_of, pbit_of):
        a.flags.writeable = False
    return StreamLayout(W, beats, stream_latency(W), slot_of, pbit_of, counts)


def stream_rows(spec: PBitNetSpec, j_q) -> np.ndarray:
    """``(n, beats * W)`` int64: row ``s`` = ``J`` of slot ``s`` to every slot (0 on the
    diagonal, for non-edges and past the last slot)."""
    lay = spec.mux_layout
    j = np.asarray(j_q, np.int64).reshape(-1)
    rows = np.zeros((spec.n, lay.slots), np.int64)
    if spec.num_edges:
        a, b = lay.slot_of[spec.edge_array[:, 0]], lay.slot_of[spec.edge_array[:, 1]]
        rows[a, b] = j
        rows[b, a] = j
    return rows
