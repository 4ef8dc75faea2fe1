"""A p-bit network split over several devices that exchange 1-bit boundary spins.

Every device holds its own p-bits, their weights, and a *ghost* copy of each remote
neighbour's spin (a neighbour held by another device).  All devices run the network's
colors in lock step (the coloring is the whole network's, so it stays consistent across
parts).  A local field adds the local neighbours' current spins and the remote
neighbours' ghosts:

* the ghosts are refreshed every ``exchange_period`` color phases ``E``: after phases
  ``E, 2E, ...`` of a read (counted over its sweeps) every device sends the spins of its
  boundary p-bits;
* they arrive ``link_latency`` phases ``D`` later: the spins sent after phase ``p`` are
  the ghosts of phases ``p + D`` onwards (every device sends the same spin to all the
  devices that hold its ghost, so a p-bit's ghosts agree everywhere);
* at the start of a read the ghosts hold the read's initial states (the host loads them
  with the states).

``E = 1, D = 0`` refreshes every ghost before the next phase reads it, so every field is
the monolithic machine's and so is every sample (the RNG streams are the whole
network's, one per p-bit): :func:`partition_network` and
:meth:`~.pbit_net.PBitNetGolden.run` with ``exchange=`` are checked against that in the
suite.  ``η = f_comm / f_p-bit`` is ``1 / E`` boundary refreshes per color phase.

Partitioning (:func:`partition_network`) uses METIS (``pymetis``): balanced parts with
few cut edges is exactly its multilevel k-way objective, it is the reference
partitioner of the field and its Python binding ships wheels for every platform.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .pbit_net_spec import PBitNetSpec

__all__ = ["MachinePartition", "partition_network", "Exchange"]


@dataclass(frozen=True)
class MachinePartition:
    """The devices of a partitioned network (:func:`partition_network`).

    Attributes
    ----------
    devices : int
    part_of : ndarray (n,)
        The device of each p-bit.
    cut : ndarray (n_cut,)
        Indices (into ``spec.edges``) of the edges between devices.
    """

    devices: int
    part_of: np.ndarray
    cut: np.ndarray

    def pbits(self, device: int) -> np.ndarray:
        """The p-bits ``device`` holds, in index order."""
        return np.flatnonzero(self.part_of == device)

    def ghosts(self, spec: PBitNetSpec, device: int) -> np.ndarray:
        """The remote neighbours whose spins ``device`` keeps a ghost of (sorted)."""
        e = spec.edge_array[self.cut]
        mine = self.part_of[e] == device
        return np.unique(np.concatenate([e[mine[:, 0], 1], e[mine[:, 1], 0]]))


def partition_network(spec: PBitNetSpec, devices: int, *, seed: int = 0) -> MachinePartition:
    """Split ``spec``'s network over ``devices`` devices, balanced in p-bits with few cut
    edges (METIS k-way through ``pymetis``; deterministic for a ``seed``)."""
    if not isinstance(spec, PBitNetSpec):
        raise TypeError(f"spec must be a PBitNetSpec, not {spec!r}")
    if isinstance(devices, bool) or not isinstance(devices, int) or not 1 <= devices <= spec.n:
        raise ValueError(f"devices must be an integer in 1..n = {spec.n}, not {devices!r}")
    e = spec.edge_array
    if devices == 1:
        part = np.zeros(spec.n, np.int64)
    else:
        import pymetis

        adjacency = [[] for _ in range(spec.n)]
        for a, b in e.tolist():
            adjacency[a].append(b)
            adjacency[b].append(a)
        opts = pymetis.Options(seed=seed)
        _, membership = pymetis.part_graph(devices, adjacency=adjacency, options=opts)
        part = np.asarray(membership, np.int64)
        if len(np.unique(part)) != devices:  # METIS may leave a part empty on tiny graphs
            part = np.arange(spec.n, dtype=np.int64) * devices // spec.n
    cut = np.flatnonzero(part[e[:, 0]] != part[e[:, 1]]) if len(e) else np.zeros(0, np.int64)
    for a in (part, cut):
        a.flags.writeable = False
    return MachinePartition(devices, part, cut)


@dataclass(frozen=True)
class Exchange:
    """How the devices of ``partition`` refresh their ghosts: every ``period`` color
    phases, arriving ``latency`` phases later (module docstring)."""

    partition: MachinePartition
    period: int = 1
    latency: int = 0

    def __post_init__(self):
        if not isinstance(self.partition, MachinePartition):
            raise TypeError(f"partition must be a MachinePartition, not {self.partition!r}")
        for name, lo in (("period", 1), ("latency", 0)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < lo:
                raise ValueError(f"exchange {name} must be an integer >= {lo}, not {v!r}")
