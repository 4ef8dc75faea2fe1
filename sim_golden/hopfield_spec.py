"""The Spec of the Hopfield core with memristive synapses: the single source of truth.

Hardware semantics (mirrored bit for bit by :mod:`.hopfield_fixed` and :mod:`spinemu.hdl.hopfield`)
----------------------------------------------------------------------------------------------
* ``n_neurons`` binary neurons ``s_i`` in ``{+1, -1}`` (stored as bit 1 / bit 0).
* Every ordered neuron pair ``(i, j)``, ``i != j``, has a synapse: a differential pair of
  memristive devices whose state is the signed level counter ``d_ij`` in
  ``[-(L-1), L-1]`` (``L = n_levels``; one device of the pair always sits at level 0, see
  :meth:`~.memristor.DifferentialSynapseArray.apply_pulses`). The two directed entries of a
  neuron pair share one physical device pair (their tables are equal) and every on-chip
  update is symmetric, so ``d_ij == d_ji`` unless software writes one of them alone.
* The weight the neurons read is the **quantized conductance difference** of the pair,
  ``w_ij = clip(q+[d_ij if d_ij > 0 else 0] - q-[-d_ij if d_ij < 0 else 0])`` saturated to
  ``weight_bits`` two's complement (without its most negative code), where ``q+`` and
  ``q-`` are the quantized level tables of the pair's two devices: each conductance is
  ``q = round_half_away((G - g_min) / (g_max - g_min) * g_counts)``.
* **Device classes.** The devices are not drawn one by one: a library of
  ``device_classes`` devices per polarity (``+`` and ``-``, drawn with
  :class:`~.memristor.DifferentialSynapseArray` from ``device_seed``: log-normal spread of
  ``g_min``, ``g_max`` and the nonlinearity) holds the possible devices, and the pair of
  neurons ``a < b`` uses ``+`` class ``x mod M`` and ``-`` class ``(x >> 16) mod M`` of the
  hash ``x = pair_hash(a, b)`` (:func:`pair_hash`: the 32-bit "lowbias32" integer hash of
  ``(a << 16 | b) ^ hash_seed``).  Per synapse the hardware keeps only the level and the
  weight; one shared datapath turns a new level into a weight from the class tables
  (``2 M L`` conductances), so nothing grows with ``N^2`` but the synapse memory.  The
  float model (:class:`~spinemu.sw.hopfield.HopfieldNetwork` ``backend="float"``) uses the
  same devices (:meth:`HopfieldSpec.devices`).
* Field ``h_i = sum_j w_ij s_j`` (exact integers); update ``s_i <- +1`` if ``h_i > 0``,
  ``-1`` if ``h_i < 0``, **keep** on ``h_i == 0``.
* ``async`` sweep: the neurons are visited in the order ``perm[(r + t) mod N]``,
  ``t = 0..N-1``, where ``perm`` is the fixed permutation
  ``numpy.random.default_rng(order_seed).permutation(N)`` baked into the gateware and
  ``r = (x * N) >> 16`` is a rotation drawn per sweep from a 16-bit LFSR
  (:data:`ORDER_LFSR`, ``x`` its state before it steps once); each update sees the
  current state. ``sync`` sweep: all neurons from the same state. A sweep with no flip
  converges; in sync mode a sweep that returns to the state of two sweeps earlier (and
  flipped something) is a 2-cycle; otherwise the run stops after ``MAX_SWEEPS``.
* Pulse programming (on chip): ``HEBB`` adds ``amp * s_i s_j`` pulses to every pair,
  ``LEARN`` (perceptron correction for the pattern held as the state) computes all fields,
  counts the neurons that would flip (``s_i h_i < 0``) and, if there is any, adds
  ``amp * s_i s_j (u_i + u_j)`` pulses with ``u_i = [s_i h_i <= 0]``; ``CLEAR`` resets every
  pair to ``d = 0``; a ``LEVEL`` write sets one entry. Levels saturate at ``+-(L-1)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .regmap import Access, Register, RegisterMap
from .rng import LFSR_TAPS, LFSRModel
from .validate import SpecError, check_float, check_int

__all__ = [
    "HopfieldSpec",
    "HOPFIELD_IDENT",
    "HASH_MULTIPLIERS",
    "HASH_SHIFTS",
    "MINUS_CLASS_SHIFT",
    "SYNAPSE_READ_LATENCY",
    "SYNAPSE_BANK_DEPTH",
    "pair_hash",
    "MAX_NEURONS",
    "ORDER_LFSR",
    "Command",
    "STATUS_BUSY",
    "STATUS_CONVERGED",
    "STATUS_CYCLE2",
    "STATUS_DONE",
]

#: Value of the ``ID`` register of the Hopfield core ("HOPF").
HOPFIELD_IDENT = 0x484F5046
#: Largest network the generator accepts.
MAX_NEURONS = 4096
#: Clocks from a synapse-memory address to its word at the lanes: the address register,
#: the block RAM, its bank's register, the selected bank's word register and the register
#: that carries it to the lanes.
SYNAPSE_READ_LATENCY = 5
#: Depth of one bank of the synapse memory in block RAM: one block deep (1K x 18 ECP5
#: DP16KD, 1K x 36 Xilinx RAMB36), so that a register can follow each block directly.
SYNAPSE_BANK_DEPTH = 1024
#: Where the synapse memory can go (``HopfieldSpec.synapse_ram``).
SYNAPSE_RAMS = ("block", "ultra")
#: Largest library of device classes per polarity.
MAX_DEVICE_CLASSES = 4096
#: The two odd multipliers of the "lowbias32" hash (C. Wellons' hash-prospector).
HASH_MULTIPLIERS = (0x7FEB352D, 0x846CA68B)
#: Its xor-shifts: before the first multiply, between the two, after the second.
HASH_SHIFTS = (16, 15, 16)
#: Bit offset of the ``-`` device class in the hash (the ``+`` class is its low bits).
MINUS_CLASS_SHIFT = 16
_M32 = 0xFFFFFFFF
#: The 16-bit LFSR that rotates the asynchronous order once per sweep.
ORDER_LFSR = LFSRModel(width=16, taps=LFSR_TAPS[16], leap=16)
#: Width of ``AMP`` (pulses per unit of update) and of the sweep counters.
AMP_BITS = 6
SWEEP_BITS = 16

STATUS_BUSY = 1
STATUS_CONVERGED = 2
STATUS_CYCLE2 = 4
STATUS_DONE = 8


class Command:
    """Codes written to the ``CMD`` register."""

    START_ASYNC = 1
    START_SYNC = 2
    HEBB = 3
    LEARN = 4
    CLEAR = 5


def _round_half_away(x):
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def pair_hash(a, b, seed: int):
    """The 32-bit hash that picks the device classes of the neuron pair ``a < b``.

    ``x = (a << 16 | b) ^ seed``, then ``x ^= x >> 16; x *= C1; x ^= x >> 15; x *= C2;
    x ^= x >> 16`` modulo ``2^32`` (:data:`HASH_MULTIPLIERS`); the gateware computes the
    same in its pulse engine.  ``a`` and ``b`` may be numpy arrays.
    """
    x = ((np.asarray(a, dtype=np.uint64) << np.uint64(16)) | np.asarray(b, dtype=np.uint64)) ^ np.uint64(
        seed
    )
    m = np.uint64(_M32)
    s0, s1, s2 = (np.uint64(v) for v in HASH_SHIFTS)
    x = x ^ (x >> s0)
    x = (x * np.uint64(HASH_MULTIPLIERS[0])) & m
    x = x ^ (x >> s1)
    x = (x * np.uint64(HASH_MULTIPLIERS[1])) & m
    return x ^ (x >> s2)


@dataclass(frozen=True, kw_only=True)
class HopfieldSpec:
    """Spec of a Hopfield core with differential memristive synapses.

    Parameters
    ----------
    n_neurons : int
        Number of neurons, 2..4096.
    lanes : int
        Parallel multiply-accumulate lanes (a power of two, 1..64): a field takes
        ``ceil(N / lanes)`` weight-memory reads.
    n_levels : int
        Conductance levels ``L`` per device, 2..64; a synapse holds ``d`` in ``[-(L-1), L-1]``.
    weight_bits : int
        Two's-complement width of the quantized weight the neurons read, 2..16.
    g_counts : int or None
        Quantization: weight counts spanned by the nominal conductance window
        ``g_max - g_min``; ``None`` means ``4 (L - 1)`` (an ideal linear pair then reads
        exactly ``4 d``).
    g_min, g_max, nonlinearity, spread : float
        Device model (see :class:`~spinemu.sim_golden.memristor.MemristorArray`).
    synapse_ram : {"block", "ultra"}
        Where the synapse memory goes: block RAM, or UltraRAM (Zynq UltraScale+ parts;
        the memory then carries ``ram_style = "ultra"`` for Vivado).
    device_classes : int
        Devices per polarity in the library the synapses draw from (a power of two,
        1..4096; see the module docstring).
    device_seed : int
        Seed of the device-to-device spread and of the class assignment.
    order_seed : int
        Seed of the fixed asynchronous permutation.
    lfsr_seed : int
        Reset state of the order LFSR, 1..65535.
    """

    n_neurons: int
    lanes: int = 1
    n_levels: int = 16
    weight_bits: int = 10
    g_counts: int | None = None
    g_min: float = 1e-6
    g_max: float = 1e-5
    nonlinearity: float = 0.0
    spread: float = 0.0
    synapse_ram: str = "block"
    device_classes: int = 64
    device_seed: int = 0
    order_seed: int = 0
    lfsr_seed: int = 0xACE1

    def __post_init__(self):
        check_int("n_neurons", self.n_neurons, 2, MAX_NEURONS)
        check_int("lanes", self.lanes, 1, 64)
        if self.lanes & (self.lanes - 1):
            raise SpecError("lanes", self.lanes, "a power of two in 1..64")
        check_int("n_levels", self.n_levels, 2, 64)
        check_int("weight_bits", self.weight_bits, 2, 16)
        if self.g_counts is None:
            object.__setattr__(self, "g_counts", 4 * (self.n_levels - 1))
        check_int("g_counts", self.g_counts, 1, 1 << 15)
        gmin = check_float("g_min", self.g_min, 0.0, lo_open=True)
        gmax = check_float("g_max", self.g_max, gmin, lo_open=True)
        object.__setattr__(self, "g_min", gmin)
        object.__setattr__(self, "g_max", gmax)
        object.__setattr__(self, "nonlinearity", check_float("nonlinearity", self.nonlinearity, -50.0, 50.0))
        object.__setattr__(self, "spread", check_float("spread", self.spread, 0.0, 1.0))
        if self.synapse_ram not in SYNAPSE_RAMS:
            raise SpecError("synapse_ram", self.synapse_ram, " or ".join(map(repr, SYNAPSE_RAMS)))
        check_int("device_classes", self.device_classes, 1, MAX_DEVICE_CLASSES)
        if self.device_classes & (self.device_classes - 1):
            raise SpecError(
                "device_classes", self.device_classes, f"a power of two in 1..{MAX_DEVICE_CLASSES}"
            )
        check_int("device_seed", self.device_seed, 0, (1 << 64) - 1)
        check_int("order_seed", self.order_seed, 0, (1 << 64) - 1)
        check_int("lfsr_seed", self.lfsr_seed, 1, (1 << 16) - 1)

    # -- geometry -----------------------------------------------------------------------
    @property
    def chunks(self) -> int:
        """Weight-memory words per neuron row, ``ceil(N / lanes)``."""
        return -(-self.n_neurons // self.lanes)

    @property
    def n_pairs(self) -> int:
        return self.n_neurons * (self.n_neurons - 1) // 2

    @property
    def level_max(self) -> int:
        """Largest synapse level ``L - 1``."""
        return self.n_levels - 1

    @property
    def level_bits(self) -> int:
        """Two's-complement bits of a synapse level."""
        return self.level_max.bit_length() + 1

    @property
    def weight_max(self) -> int:
        return (1 << (self.weight_bits - 1)) - 1

    @property
    def max_patterns(self) -> int:
        """Most patterns one open-loop Hebbian write holds: one pulse per pattern and level."""
        return self.level_max

    @property
    def synapse_memory_shape(self) -> tuple[int, int]:
        """``(width, depth)`` of the synapse memory: ``lanes`` fields of level and weight
        per word, ``N C`` words."""
        return self.lanes * (self.level_bits + self.weight_bits), self.n_neurons * self.chunks

    @property
    def synapse_banks(self) -> tuple[int, ...]:
        """Depths of the synapse memory's banks: one array in UltraRAM, else blocks of
        :data:`SYNAPSE_BANK_DEPTH` words (the last one what is left)."""
        depth = self.synapse_memory_shape[1]
        if self.synapse_ram == "ultra" or depth <= SYNAPSE_BANK_DEPTH:
            return (depth,)
        return tuple(min(SYNAPSE_BANK_DEPTH, depth - base) for base in range(0, depth, SYNAPSE_BANK_DEPTH))

    # -- devices ------------------------------------------------------------------------
    @property
    def class_bits(self) -> int:
        """Bits of a device-class index, ``log2(device_classes)``."""
        return (self.device_classes - 1).bit_length()

    @cached_property
    def hash_seed(self) -> int:
        """32-bit seed of :func:`pair_hash`, derived from ``device_seed``."""
        return int(np.random.SeedSequence(self.device_seed).generate_state(1, np.uint32)[0])

    def pair_classes(self, i, j) -> tuple[np.ndarray, np.ndarray]:
        """``(+ class, - class)`` of the synapse between neurons ``i`` and ``j`` (arrays allowed)."""
        i, j = np.asarray(i), np.asarray(j)
        x = pair_hash(np.minimum(i, j), np.maximum(i, j), self.hash_seed)
        mask = np.uint64(self.device_classes - 1)
        return (x & mask).astype(np.int64), ((x >> np.uint64(MINUS_CLASS_SHIFT)) & mask).astype(np.int64)

    @cached_property
    def class_library(self):
        """The device classes: a :class:`~.memristor.DifferentialSynapseArray` of shape ``(M,)``."""
        from .memristor import DifferentialSynapseArray

        return DifferentialSynapseArray(
            (self.device_classes,),
            n_levels=self.n_levels,
            g_min=self.g_min,
            g_max=self.g_max,
            nonlinearity=self.nonlinearity,
            spread=self.spread,
            seed=self.device_seed,
        )

    @cached_property
    def class_tables(self) -> np.ndarray:
        """Quantized conductances, shape ``(2, M, L)``: ``[0]`` the ``+`` classes, ``[1]`` the ``-``."""
        lib = self.class_library
        scale = self.g_counts / (self.g_max - self.g_min)
        tables = [_round_half_away((arr.level_table() - self.g_min) * scale) for arr in (lib.plus, lib.minus)]
        return np.stack(tables).astype(np.int64)

    @property
    def rom_level_bits(self) -> int:
        """Level bits of a class-ROM address: ``(pol << (CB + KB)) | (class << KB) | level``."""
        return self.level_max.bit_length()

    @property
    def class_rom_shape(self) -> tuple[int, int]:
        """``(width, depth)`` of the class ROM: ``rom_bits`` wide, ``2 M 2^KB`` deep."""
        return self.rom_bits, (2 * self.device_classes) << self.rom_level_bits

    @property
    def rom_bits(self) -> int:
        """Two's-complement width that holds every entry of :attr:`class_tables`."""
        t = self.class_tables
        return max(int(t.max()).bit_length(), int(-t.min() - 1).bit_length() if t.min() < 0 else 0) + 1

    def devices(self):
        """The network's device pairs, pair ``p`` in :func:`numpy.triu_indices` order (floats).

        Returns
        -------
        DifferentialSynapseArray
            Shape ``(n_pairs,)``, all at level 0: the devices the fixed-point tables quantize.
        """
        a, b = np.triu_indices(self.n_neurons, 1)
        cp, cm = self.pair_classes(a, b)
        return self.class_library.take(cp, cm)

    def table_weights(self, cp, cm, d) -> np.ndarray:
        """Weight read at level ``d`` by a pair of classes ``(cp, cm)`` (arrays broadcast)."""
        t = self.class_tables
        d = np.asarray(d, dtype=np.int64)
        w = t[0][cp, np.maximum(d, 0)] - t[1][cm, np.maximum(-d, 0)]
        return np.clip(w, -self.weight_max, self.weight_max)

    @property
    def pair_tables(self) -> np.ndarray:
        """Weight read at each level, shape ``(n_pairs, 2L - 1)``, column ``d + L - 1`` (int64).

        For inspection of small networks (it holds ``N^2 L`` integers)."""
        a, b = np.triu_indices(self.n_neurons, 1)
        cp, cm = self.pair_classes(a, b)
        d = np.arange(-self.level_max, self.level_max + 1)
        return self.table_weights(cp[:, None], cm[:, None], d[None, :])

    @cached_property
    def class_matrix(self) -> np.ndarray:
        """``(+ class, - class)`` of every directed entry, shape ``(2, N, N)`` (int16)."""
        n = self.n_neurons
        i, j = np.indices((n, n))
        cp, cm = self.pair_classes(i, j)
        return np.stack([cp, cm]).astype(np.int16)

    def weights_of(self, levels) -> np.ndarray:
        """Weights ``w_ij`` of a directed level matrix (diagonal 0)."""
        d = np.asarray(levels, dtype=np.int64)
        cls = self.class_matrix
        w = self.table_weights(cls[0], cls[1], d)
        np.fill_diagonal(w, 0)
        return w

    # -- asynchronous order ---------------------------------------------------------------
    @cached_property
    def permutation(self) -> np.ndarray:
        """The fixed asynchronous visiting order (before the per-sweep rotation)."""
        return np.random.default_rng(self.order_seed).permutation(self.n_neurons).astype(np.int64)

    def rotation(self, lfsr_state: int) -> int:
        """Rotation ``r = (x N) >> 16`` of a sweep that starts with LFSR state ``x``."""
        return (int(lfsr_state) * self.n_neurons) >> 16

    @staticmethod
    def lfsr_state_for_seed(seed: int) -> int:
        """The nonzero LFSR state software writes to ``ORDER_SEED`` for ``seed``."""
        return int(ORDER_LFSR.master_state(int(seed))[0])

    # -- registers ------------------------------------------------------------------------
    @property
    def state_words(self) -> int:
        return -(-self.n_neurons // 32)

    @cached_property
    def regmap(self) -> RegisterMap:
        """The core's AXI4-Lite register map."""
        words = self.state_words
        return RegisterMap(
            core="hopfield",
            ident=HOPFIELD_IDENT,
            registers=(
                Register(name="N", width=16, access=Access.RO, doc="number of neurons"),
                Register(name="LANES", width=8, access=Access.RO, doc="parallel MAC lanes"),
                Register(name="LEVELS", width=8, access=Access.RO, doc="conductance levels per device"),
                Register(
                    name="CMD",
                    width=3,
                    access=Access.WO,
                    doc="1 recall async, 2 recall sync, 3 HEBB, 4 LEARN, 5 CLEAR (ignored while busy)",
                ),
                Register(
                    name="MAX_SWEEPS",
                    width=SWEEP_BITS,
                    access=Access.RW,
                    reset=100,
                    doc="sweep limit of a recall (>= 1)",
                ),
                Register(
                    name="AMP",
                    width=AMP_BITS,
                    access=Access.RW,
                    reset=1,
                    doc="pulses per unit of HEBB/LEARN update",
                ),
                Register(
                    name="ORDER_SEED", width=16, access=Access.WO, doc="load the order LFSR state (nonzero)"
                ),
                Register(
                    name="STATUS",
                    width=4,
                    access=Access.RO,
                    doc="bit 0 BUSY, 1 CONVERGED, 2 CYCLE2, 3 DONE (last recall)",
                ),
                Register(name="SWEEPS", width=SWEEP_BITS, access=Access.RO, doc="sweeps of the last recall"),
                Register(name="FLIPS", width=16, access=Access.RO, doc="flips in the last sweep"),
                Register(
                    name="UNSTABLE",
                    width=16,
                    access=Access.RO,
                    doc="neurons with s_i h_i < 0 found by the last LEARN",
                ),
                Register(name="CYCLES", width=32, access=Access.RO, doc="clock cycles of the last command"),
                Register(name="WI", width=16, access=Access.RW, doc="row i of the synapse accessed"),
                Register(name="WJ", width=16, access=Access.RW, doc="column j of the synapse accessed"),
                Register(
                    name="LEVEL",
                    width=self.level_bits,
                    access=Access.WO,
                    signed=True,
                    doc="set level d of entry (WI, WJ) (the weight follows its device table)",
                ),
                Register(
                    name="LEVEL_RD",
                    width=self.level_bits,
                    access=Access.RO,
                    signed=True,
                    doc="level d of entry (WI, WJ)",
                ),
                Register(
                    name="WEIGHT",
                    width=self.weight_bits,
                    access=Access.RO,
                    signed=True,
                    doc="quantized weight w of entry (WI, WJ)",
                ),
                Register(
                    name="CUE",
                    width=32,
                    access=Access.WO,
                    count=words,
                    offset=0x80,
                    doc="load state word k (bit i of word k = neuron 32k+i is +1)",
                ),
                Register(
                    name="STATE",
                    width=32,
                    access=Access.RO,
                    count=words,
                    doc="current state, same layout as CUE",
                ),
            ),
        )

    # -- serialisation --------------------------------------------------------------------
    def to_dict(self) -> dict:
        """Plain-data form (for manifests and cache keys)."""
        return {
            "kind": "hopfield",
            "n_neurons": self.n_neurons,
            "lanes": self.lanes,
            "n_levels": self.n_levels,
            "weight_bits": self.weight_bits,
            "g_counts": self.g_counts,
            "g_min": self.g_min,
            "g_max": self.g_max,
            "nonlinearity": self.nonlinearity,
            "spread": self.spread,
            "synapse_ram": self.synapse_ram,
            "device_classes": self.device_classes,
            "device_seed": self.device_seed,
            "order_seed": self.order_seed,
            "lfsr_seed": self.lfsr_seed,
        }

    @classmethod
    def from_dict(cls, data: dict) -> HopfieldSpec:
        """Inverse of :meth:`to_dict`."""
        return cls(**{k: v for k, v in data.items() if k != "kind"})

    @property
    def adder_levels(self) -> int:
        """Registered levels of the lanes' adder tree, ``log2(lanes)``."""
        return (self.lanes - 1).bit_length()

    @property
    def mac_stages(self) -> int:
        """Clocks from sampling the state bits of a synapse word to a decision that the next
        sample sees: the state-bit register, the adder tree, the accumulator and the
        decision-flags register and the decision, ``adder_levels + 3``."""
        return self.adder_levels + 3

    def cycles_per_field(self) -> int:
        """Clock cycles between two neurons' decisions: ``max(C, mac_stages + 1)``.

        A neuron's ``C`` synapse words are read back to back after the previous neuron's,
        the word holding the previous neuron's column last, so the previous decision has
        left the ``mac_stages``-deep pipeline when that word samples the state; a row
        shorter than the pipeline waits the difference."""
        return max(self.chunks, self.mac_stages + 1)

    def recall_cycles(self, sweeps: int) -> int:
        """Busy cycles (the ``CYCLES`` register) of a recall that ran ``sweeps`` sweeps:
        ``N`` neuron slots, then the last word's read latency
        (:data:`SYNAPSE_READ_LATENCY`), the pipeline to the decision (``mac_stages - 1``)
        and the sweep's end (``CHECK``, ``END`` and ``SEND``, 3)."""
        tail = SYNAPSE_READ_LATENCY + self.mac_stages - 1 + 3
        return sweeps * (self.n_neurons * self.cycles_per_field() + tail)

    def __repr__(self):  # compact: the cached tables are not fields
        return (
            "HopfieldSpec(" + ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items() if k != "kind") + ")"
        )
