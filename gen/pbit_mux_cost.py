"""What the multiplexed p-bit fabric costs on a Xilinx part, from its Spec alone.

The multiplexed fabric (:mod:`spinemu.hdl.pbit_mux`) is logic per lane plus memories
whose size follows the network: per lane a neighbour ROM, a weight RAM and an RNG-state
RAM of one word per group, and a probability table; a copy of the spin memory for every
lane's neighbour and one for the bus; the clamp memories.  :func:`mux_memories` lists
them; a memory goes to LUT RAM when small (:data:`LUTRAM_MAX_LUTS`, as yosys
chooses), else to 36 Kb block RAMs, or UltraRAM where the board has it and the memory
is deep and wide (:data:`URAM_MIN_DEPTH`, :data:`URAM_MIN_WIDTH`).  The logic
(register bank, table engine, sweep control, each lane's pipeline and adder tree) is a
fixed cost plus a cost per lane,
calibrated on yosys (:data:`MEASURED`); it does not grow with the number of p-bits.

``spinemu build`` checks a multiplexed design against the board with :func:`mux_cost`
and names, when it is refused, the largest network of the same degree that fits
(:func:`max_mux_pbits`).
"""

from __future__ import annotations

import math

from ..sim_golden.pbit_net_mux import weight_bits
from ..sim_golden.pbit_net_spec import PBitNetSpec
from ..sim_golden.pbit_net_tables import prob_index_bits
from .hopfield_cost import uram_blocks
from .pbit_cost import lutram_luts

__all__ = [
    "mux_memories", "mux_cost", "uram_memories", "max_mux_pbits", "LUTRAM_MAX_LUTS", "URAM_MIN_DEPTH",
    "MEASURED", "add_memories", "largest",
]

#: A memory that fits this many LUTs of LUT RAM is LUT RAM (yosys' choice on these designs:
#: a 128 x 32 RNG memory, 88 LUTs, is LUT RAM; a 128 x 41 neighbour ROM, 112 LUTs, and a
#: 512 x 8 spin copy, 96 LUTs, are block RAM).
LUTRAM_MAX_LUTS = 88
#: A memory at least this deep and this wide goes to UltraRAM (4K x 72) on parts that have
#: it (a narrow one, such as a spin copy, would waste most of each UltraRAM).
URAM_MIN_DEPTH = 4096
URAM_MIN_WIDTH = 32
#: Logic apart from memories: the fixed part (bank, engine, control, windows) and per
#: lane, per neighbour entry of a lane (spin select, +-J, adder tree, its registers) and
#: per RNG state bit of a lane (next-state logic and register), fitted to the 4,096-p-bit
#: design of :data:`MEASURED` (where every memory but the probability tables is block RAM).
FIXED = {"lut": 800, "ff": 600}
PER_LANE = {"lut": 40, "ff": 40}
PER_ENTRY = {"lut": 22.5, "ff": 16.75}
PER_STATE_BIT = {"lut": 1.0, "ff": 1.0}
#: yosys synth_xilinx on 2D periodic lattices (degree 4), default hardware, 8 lanes:
#: n -> (LUT, FF, BRAM36) of the whole core.
MEASURED = {
    256: (2731, 2456, 0.5),
    1024: (3070, 2053, 8.5),
    4096: (2195, 1711, 34.0),
}


def mux_memories(spec: PBitNetSpec, groups: int | None = None) -> list[tuple[str, int, int, int]]:
    """``(name, width, depth, copies)`` of every memory of ``spec``'s multiplexed core (or
    of the same core with ``groups`` groups)."""
    lay = spec.mux_layout
    K, D = lay.lanes, lay.degree
    G = max(2, lay.groups if groups is None else groups)
    slot_bits = max(1, (G * K - 1).bit_length())
    return [
        ("neighbours", 1 + D * slot_bits, G, K),
        ("weights", (D + 1) * weight_bits(spec), G, K),
        ("rng", spec.rng_model.state_bits, G, K),
        ("probability table", spec.prob_bits, 1 << prob_index_bits(spec), K),
        ("spins", K, G, K * D + 1),
        ("clamps", K, G, 3),
        ("sigmoid ROM", spec.prob_bits, 1 << spec.lut_bits, 1),
    ]


def mux_cost(spec: PBitNetSpec, *, uram: bool = False, groups: int | None = None) -> dict[str, float]:
    """Estimated ``lut``, ``ff``, ``bram36`` (and ``uram`` with ``uram=True``) of the core
    (or of the same core with ``groups`` groups)."""
    if not spec.multiplexed or spec.streaming:
        raise ValueError("mux_cost needs a Spec with fabric = 'multiplexed'")
    lay = spec.mux_layout
    K, D = lay.lanes, lay.degree
    state = spec.rng_model.state_bits
    cost = {
        k: FIXED[k] + K * (PER_LANE[k] + D * PER_ENTRY[k] + state * PER_STATE_BIT[k]) for k in ("lut", "ff")
    }
    return add_memories(cost, mux_memories(spec, groups), uram=uram)


def add_memories(cost: dict, memories, *, uram: bool) -> dict[str, float]:
    """``cost`` (``lut``, ``ff``) plus ``memories`` (``(name, width, depth, copies)``) in
    LUT RAM, block RAM (``bram36``) or, with ``uram``, UltraRAM (``uram``)."""
    cost = {**cost, "bram36": 0.0}
    if uram:
        cost["uram"] = 0
    for _, width, depth, copies in memories:
        if lutram_luts(depth, width) <= LUTRAM_MAX_LUTS:
            cost["lut"] += copies * lutram_luts(depth, width)
        elif uram and _in_uram(width, depth):
            cost["uram"] += copies * uram_blocks(width, depth)
        else:
            cost["bram36"] += copies * _bram_halves(width, depth) / 2
    return cost


def _in_uram(width: int, depth: int) -> bool:
    return depth >= URAM_MIN_DEPTH and width >= URAM_MIN_WIDTH


def uram_memories(spec: PBitNetSpec) -> dict[str, float]:
    """``{"bram36", "uram"}``: the block RAMs of the memories that go to UltraRAM on a part
    that has it, and the UltraRAMs they take instead (yosys maps none: ``spinemu build``
    moves them from its estimate).  Either memory fabric."""
    if spec.streaming:
        from .pbit_stream_cost import stream_memories

        memories = stream_memories(spec)
    else:
        memories = mux_memories(spec)
    moved = {"bram36": 0.0, "uram": 0}
    for _, width, depth, copies in memories:
        if lutram_luts(depth, width) > LUTRAM_MAX_LUTS and _in_uram(width, depth):
            moved["bram36"] += copies * _bram_halves(width, depth) / 2
            moved["uram"] += copies * uram_blocks(width, depth)
    return moved


#: Simple-dual-port shapes (width, depth) of an 18 Kb block-RAM half (7-series).
BRAM18_SHAPES = ((36, 512), (18, 1024), (9, 2048), (4, 4096), (2, 8192), (1, 16384))


def _bram_halves(width: int, depth: int) -> int:
    """18 Kb halves of the cheapest tiling of a ``width`` x ``depth`` memory."""
    return min(math.ceil(width / w) * math.ceil(depth / d) for w, d in BRAM18_SHAPES)


def max_mux_pbits(spec: PBitNetSpec, resources: dict) -> int:
    """The largest ``n`` whose network of ``spec``'s degree, lanes and fields fits
    ``resources`` (lut, ff, bram36, uram), estimated on a lattice-like layout of ``n``
    p-bits in as many colors as ``spec`` (0 if none fits)."""
    uram = bool(resources.get("uram"))

    colors, lanes = len(spec.mux_layout.color_groups), spec.lanes

    def fits(n: int) -> bool:
        need = mux_cost(spec, uram=uram, groups=colors * math.ceil(n / colors / lanes))
        return all(v <= resources.get(k, 0) for k, v in need.items() if v)

    return largest(fits)


def largest(fits) -> int:
    """The largest ``n`` (0 .. 2**22) with ``fits(n)``, ``fits`` monotone."""
    lo, hi = 0, 1
    while hi <= 1 << 22 and fits(hi):
        lo, hi = hi, 2 * hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    return lo
