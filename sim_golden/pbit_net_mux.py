"""The multiplexed p-bit fabric: where each p-bit's data lives and how the host writes it.

The multiplexed fabric (``fabric = "multiplexed"``) computes exactly what the parallel
one does (:mod:`.pbit_net_spec`: same colors, same per-p-bit RNG streams, same tables,
so :class:`~.pbit_net.PBitNetGolden` is the golden model of both), but instead of
logic per p-bit it has ``K = lanes`` update units and memories:

*slots*
    The p-bits of color 0 (in index order), then those of color 1, ..., each color
    padded to a multiple of ``K``: slot ``s`` holds one p-bit or is padding.  Slots
    ``g K .. g K + K - 1`` form *group* ``g``, updated by lanes ``0 .. K - 1`` in one
    clock (lane ``l`` owns the slots ``s = l (mod K)``); a group never mixes colors, so
    its p-bits are uncoupled and one clock is an exact Gibbs update of all of them.
*per lane, one word per group* (row ``g`` of lane ``l`` belongs to slot ``g K + l``)
    the slots of its ``D = max(1, max_degree)`` neighbours and whether the slot holds
    a p-bit (a ROM: the topology is fixed at generation); ``h`` and the ``D``
    couplings (RAM, written through the ``TBL_*`` window); the RNG state (RAM, initial
    contents the Spec's streams, reloaded through ``SEED_ADDR``/``SEED``); the
    probability table (LUT RAM, one broadcast write per β as on the parallel fabric).
*spins*
    one memory of ``groups`` words of ``K`` bits (word ``g`` = group ``g``), read by
    every lane at each of its ``D`` neighbours (one read port each) and written with a
    whole group's new spins.  ``STATE``/``STATE_IN``/``CLAMP_*`` words are these words
    (:mod:`.pbit_net_regmap` has the register writes of both fabrics).

The update of group ``g`` is a pipeline of :func:`mux_stages` clocks (read the group's
words; read the neighbours' spins; select ``+J`` or ``-J``; add them up in an adder
tree registered every :data:`TREE_LEVELS_PER_STAGE` levels; saturate and encode; look
up and compare; then write), and the next color starts only when the last group of
this one is written: a color of ``k`` groups costs ``k + stages - 1`` clocks, a sweep
:attr:`MuxLayout.sweep_cycles`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .pbit_net_spec import PBitNetSpec

__all__ = [
    "TREE_LEVELS_PER_STAGE",
    "tree_stages",
    "mux_stages",
    "MuxLayout",
    "mux_layout",
    "weight_bits",
]

#: Adder levels of a lane's field sum between two registers.
TREE_LEVELS_PER_STAGE = 2


def tree_stages(degree: int) -> int:
    """Register stages of the adder tree over ``h``, ``degree`` couplings and the count of
    down neighbours."""
    levels = (degree + 2 - 1).bit_length()
    return max(1, -(-levels // TREE_LEVELS_PER_STAGE))


def mux_stages(degree: int) -> int:
    """Clocks from issuing a group to writing its spins: read the rows, read the spins,
    select the terms, the adder tree, encode, compare."""
    return 5 + tree_stages(degree)


@dataclass(frozen=True)
class MuxLayout:
    """Where every p-bit of a multiplexed Spec lives (:func:`mux_layout`).

    Attributes
    ----------
    lanes : int
    groups : int
        Words per lane memory (slots / lanes).
    degree : int
        Neighbour entries per slot, ``D = max(1, max_degree)``.
    stages : int
        Pipeline depth, :func:`mux_stages` of ``degree``.
    slot_of : ndarray (n,)
        The slot of each p-bit.
    pbit_of : ndarray (groups * lanes,)
        The p-bit of each slot, -1 for padding.
    neighbour_slots : ndarray (groups * lanes, D)
        Slots of each slot's neighbours (``spec.neighbours`` order; 0 where none).
    neighbour_edges : ndarray (groups * lanes, D)
        Their ``J`` indices, -1 where none.
    color_groups : tuple of int
        Groups of each color.
    """

    lanes: int
    groups: int
    degree: int
    stages: int
    slot_of: np.ndarray
    pbit_of: np.ndarray
    neighbour_slots: np.ndarray
    neighbour_edges: np.ndarray
    color_groups: tuple

    @property
    def slots(self) -> int:
        return self.groups * self.lanes

    @property
    def gap(self) -> int:
        """Idle clocks after a color's last group, until its spins are written."""
        return self.stages - 1

    @property
    def sweep_cycles(self) -> int:
        """Clocks of a sweep at constant β: every group, plus :attr:`gap` per color."""
        return self.groups + self.gap * len(self.color_groups)

    @property
    def efficiency(self) -> float:
        """p-bit updates per clock of a sweep, over ``lanes`` (1.0: every lane busy)."""
        return (self.pbit_of >= 0).sum() / (self.lanes * self.sweep_cycles)


def mux_layout(spec: PBitNetSpec) -> MuxLayout:
    """The slot layout of ``spec`` (use the cached ``spec.mux_layout``)."""
    if not spec.multiplexed:
        raise ValueError("mux_layout needs a Spec with fabric = 'multiplexed'")
    K = spec.lanes
    colors = spec.colors
    pbit_of, color_groups = [], []
    for c in range(spec.num_colors):
        members = np.flatnonzero(colors == c)
        pad = -len(members) % K
        pbit_of.append(np.concatenate([members, -np.ones(pad, np.int64)]))
        color_groups.append((len(members) + pad) // K)
    pbit_of = np.concatenate(pbit_of).astype(np.int64)
    slot_of = np.empty(spec.n, np.int64)
    real = pbit_of >= 0
    slot_of[pbit_of[real]] = np.flatnonzero(real)
    D = max(1, spec.max_degree)
    nslots = np.zeros((len(pbit_of), D), np.int64)
    nedges = -np.ones((len(pbit_of), D), np.int64)
    for s, i in enumerate(pbit_of.tolist()):
        if i < 0:
            continue
        for d, (j, e) in enumerate(spec.neighbours[i]):
            nslots[s, d] = slot_of[j]
            nedges[s, d] = e
    for a in (slot_of, pbit_of, nslots, nedges):
        a.flags.writeable = False
    groups = len(pbit_of) // K
    return MuxLayout(K, groups, D, mux_stages(D), slot_of, pbit_of, nslots, nedges, tuple(color_groups))


def weight_bits(spec: PBitNetSpec) -> int:
    """Width of one ``h`` or ``J`` entry in a lane's weight memory (and of ``TBL_DATA``)."""
    return max(spec.h_bits, spec.j_bits)
