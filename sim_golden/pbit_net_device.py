"""The devices of a partitioned p-bit machine: what each one's gateware holds and sends.

A machine (:func:`~.pbit_net_partition.partition_network`) splits a network over
``K`` devices.  :func:`device_plans` turns it into one :class:`DevicePlan` per device:

* its **Spec** (:attr:`DevicePlan.spec`): the device's own p-bits with the machine's
  colors and RNG streams, and edges to *ghosts*, spin inputs of the gateware
  (:class:`~.pbit_net_spec.MachinePlace`);
* its **boundary**: its p-bits that some other device keeps a ghost of, in machine
  order.  After every ``E`` color phases the device sends them all, packed 32 to a word
  (bit ``b`` of the set is bit ``b % 32`` of word ``b // 32``), on its one boundary
  stream, the same words to every device that reads them;
* its **sources**: for each device it keeps ghosts of, the words of that device's set
  and the bit of each ghost in it.

The exchange (which set a device applies before which phase) is the golden model's,
:class:`~.pbit_net_partition.Exchange`; the gateware holds a color phase until the set
due before it has arrived, so a slow link delays the machine but never changes its
samples (:mod:`spinemu.hdl.pbit_exchange`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from .pbit_net_partition import MachinePartition
from .pbit_net_spec import Fabric, MachinePlace, PBitNetSpec

__all__ = ["GhostSource", "DevicePlan", "device_plans", "boundary_words", "LINK_SETS", "max_link_latency"]

#: Boundary sets a link FIFO of the one-chip machine holds
#: (:mod:`spinemu.hdl.pbit_machine_top`).
LINK_SETS = 4


def max_link_latency(period: int, link_sets: int = LINK_SETS) -> int:
    """The largest ``EXCH_LATENCY`` links of ``link_sets`` sets take at ``EXCH_PERIOD``
    ``period``: two devices wait for each other's full links only if ``D > (link_sets +
    1) E`` (a device runs at most ``D / E`` sets ahead of one it reads; a full link and
    its receiver's pending set hold ``link_sets + 1``)."""
    return (link_sets + 1) * period

#: Spin fields of a Spec that hold one value per p-bit (sliced per device).
_PER_PBIT = ("smtj_tau0", "smtj_delta", "smtj_ic", "smtj_offset")


def boundary_words(count: int) -> int:
    """32-bit words of a boundary set of ``count`` spins."""
    return -(-count // 32)


@dataclass(frozen=True)
class GhostSource:
    """The ghosts one device keeps of another's boundary set.

    Attributes
    ----------
    device : int
        The device that sends the set.
    words : int
        Words of its set.
    bits : tuple of (int, int)
        ``(ghost, bit)``: ghost ``ghost`` (0-based among the receiver's ghosts, spin
        input ``n + ghost``) is bit ``bit`` of the set.
    """

    device: int
    words: int
    bits: tuple


@dataclass(frozen=True)
class DevicePlan:
    """One device of a machine (:func:`device_plans`).

    Attributes
    ----------
    device : int
    spec : PBitNetSpec
        The device's network (own p-bits ``0 .. n - 1``, ghosts ``n ..``).
    pbits : ndarray
        Machine index of each own p-bit (sorted).
    ghost_ids : ndarray
        Machine index of each ghost (sorted).
    edge_ids : ndarray
        Machine edge (``J`` register) of each of the device's edges.
    boundary : tuple of int
        Own p-bits (device indices) the device sends, in machine order.
    sources : tuple of GhostSource
        One per device it keeps ghosts of, in device order.
    """

    device: int
    spec: PBitNetSpec
    pbits: np.ndarray
    ghost_ids: np.ndarray
    edge_ids: np.ndarray
    boundary: tuple
    sources: tuple

    @property
    def boundary_words(self) -> int:
        """Words of the set this device sends."""
        return boundary_words(len(self.boundary))

    def local_values(self, h_q, j_q) -> tuple[np.ndarray, np.ndarray]:
        """The machine's ``H`` (n,) and ``J`` (num_edges,) registers this device holds."""
        return np.asarray(h_q)[self.pbits], np.asarray(j_q)[self.edge_ids]

    def to_dict(self) -> dict:
        """Plain data for ``machine.json``."""
        return {
            "device": self.device,
            "pbits": self.pbits.tolist(),
            "ghosts": self.ghost_ids.tolist(),
            "boundary": [int(self.pbits[i]) for i in self.boundary],
            "boundary_words": self.boundary_words,
            "sources": [
                {"device": s.device, "words": s.words, "ghost_bits": [list(b) for b in s.bits]}
                for s in self.sources
            ],
        }


def device_plans(spec: PBitNetSpec, partition: MachinePartition) -> tuple[DevicePlan, ...]:
    """One :class:`DevicePlan` per device of ``partition`` (a partition of ``spec``)."""
    if not isinstance(spec, PBitNetSpec):
        raise TypeError(f"spec must be a PBitNetSpec, not {spec!r}")
    if not isinstance(partition, MachinePartition):
        raise TypeError(f"partition must be a MachinePartition, not {partition!r}")
    if len(partition.part_of) != spec.n:
        raise ValueError(f"the partition has {len(partition.part_of)} p-bits, the network {spec.n}")
    if spec.fabric is not Fabric.PARALLEL or spec.replicas != 1 or spec.place is not None:
        raise ValueError(
            "a machine of several devices is built from the parallel fabric with one chain "
            f"(fabric = {spec.fabric.value!r}, replicas = {spec.replicas})"
        )
    part = partition.part_of
    e = spec.edge_array
    cut = e[partition.cut]
    sent = [np.unique(cut[part[cut] == d]) for d in range(partition.devices)]  # boundary, machine ids
    plans = []
    for d in range(partition.devices):
        ids = partition.pbits(d)
        ghosts = partition.ghosts(spec, d)
        local = np.full(spec.n, -1, np.int64)
        local[ids] = np.arange(len(ids))
        local[ghosts] = len(ids) + np.arange(len(ghosts))
        touching = np.flatnonzero((part[e] == d).any(axis=1))
        pairs = np.sort(local[e[touching]], axis=1)
        order = np.lexsort((pairs[:, 1], pairs[:, 0]))
        pairs, edge_ids = pairs[order], touching[order]
        extra = {}
        for name in _PER_PBIT:
            v = getattr(spec, name, None)
            if isinstance(v, tuple):
                extra[name] = tuple(v[i] for i in ids.tolist())
        place = MachinePlace(
            machine_pbits=spec.n,
            ids=tuple(ids.tolist()),
            colors=tuple(spec.colors[ids].tolist()),
            num_colors=spec.num_colors,
            ghosts=len(ghosts),
        )
        local_spec = dataclasses.replace(spec, n=len(ids), edges=pairs, place=place, **extra)
        position = {int(g): k for k, g in enumerate(ghosts.tolist())}
        sources = []
        for s in range(partition.devices):
            if s == d:
                continue
            bits = tuple(
                (position[int(g)], b) for b, g in enumerate(sent[s].tolist()) if int(g) in position
            )
            if bits:
                sources.append(GhostSource(device=s, words=boundary_words(len(sent[s])), bits=bits))
        for a in (ids, ghosts, edge_ids):
            a.flags.writeable = False
        plans.append(
            DevicePlan(
                device=d,
                spec=local_spec,
                pbits=ids,
                ghost_ids=ghosts,
                edge_ids=edge_ids,
                boundary=tuple(local[sent[d]].tolist()),
                sources=tuple(sources),
            )
        )
    return tuple(plans)
