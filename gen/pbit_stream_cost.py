"""What the streaming p-bit fabric costs on a Xilinx part, from its Spec alone.

The streaming fabric (:mod:`spinemu.hdl.pbit_stream`) is one datapath of ``W = lanes``
coupling terms per clock plus memories: the rows of ``J`` (``n * beats`` words of ``W``
couplings), ``h``, the RNG states, two spin copies and the clamp words
(:func:`stream_memories`).  They are placed as the multiplexed fabric's are
(:func:`~.pbit_mux_cost.add_memories`: LUT RAM when small, else block RAM, or UltraRAM
where the board has it).  The logic is a fixed part (register bank, table engine,
control, windows) plus a part per lane (a ``+-J`` select, the adder tree, the window's
staging register), calibrated on yosys (:data:`MEASURED`); it does not grow with ``n``.
"""

from __future__ import annotations

import math

from ..sim_golden.pbit_net_mux import weight_bits
from ..sim_golden.pbit_net_spec import PBitNetSpec
from ..sim_golden.pbit_net_tables import prob_index_bits
from .pbit_mux_cost import add_memories, largest

__all__ = ["stream_memories", "stream_cost", "max_stream_pbits", "MEASURED"]

#: Logic apart from memories: a fixed part (bank, engine, control, windows; as the
#: multiplexed fabric's), a part per coupling bit of a beat (``lanes * weight bits``:
#: the +-J select, the adder tree and its registers, the window's staging register), and
#: a part per doubling of the weight memory's depth (its address counters and the
#: multiplexer between its blocks).  Fitted to :data:`MEASURED` (the 256-p-bit design
#: has a 2,048-word weight memory).
FIXED = {"lut": 900, "ff": 600}
PER_LANE_BIT = {"lut": (1816 - 900) / 192, "ff": (2211 - 600) / 192}
REFERENCE_DEPTH = 2048
_DOUBLINGS_TO_800 = math.log2(20000 / REFERENCE_DEPTH)  # 800 p-bits: 20,000 words
PER_DEPTH_DOUBLING = {"lut": (2254 - 1816) / _DOUBLINGS_TO_800, "ff": (2271 - 2211) / _DOUBLINGS_TO_800}
#: yosys synth_xilinx (xc7z020), dense networks, 6-bit weights, 32 lanes:
#: n -> (LUT, FF, BRAM36) of the whole core.  Memories in LUT RAM at 256 p-bits: 140
#: LUTs at 256, 108 at 800 (the model's figures), the rest is logic.
MEASURED = {
    256: (1956, 2211, 12.0),
    800: (2362, 2271, 112.0),
}


def stream_memories(spec: PBitNetSpec, n: int | None = None) -> list[tuple[str, int, int, int]]:
    """``(name, width, depth, copies)`` of every memory of ``spec``'s streaming core (or
    of the same core with ``n`` p-bits)."""
    n = spec.n if n is None else n
    W = spec.lanes
    beats = math.ceil(n / W)
    return [
        ("weights", W * spec.j_bits, max(2, n * beats), 1),
        ("h", weight_bits(spec), max(2, n), 1),
        ("rng", spec.rng_model.state_bits, max(2, beats * W), 1),
        ("probability table", spec.prob_bits, 1 << prob_index_bits(spec), 1),
        ("spins", W, max(2, beats), 2),
        ("clamps", W, max(2, beats), 2),
        ("sigmoid ROM", spec.prob_bits, 1 << spec.lut_bits, 1),
    ]


def stream_cost(spec: PBitNetSpec, *, uram: bool = False, n: int | None = None) -> dict[str, float]:
    """Estimated ``lut``, ``ff``, ``bram36`` (and ``uram`` with ``uram=True``) of the core
    (or of the same core with ``n`` p-bits)."""
    if not spec.streaming:
        raise ValueError("stream_cost needs a Spec with fabric = 'streaming'")
    memories = stream_memories(spec, n)
    bits = spec.lanes * weight_bits(spec)
    doublings = math.log2(max(2, memories[0][2]) / REFERENCE_DEPTH)
    cost = {k: FIXED[k] + bits * PER_LANE_BIT[k] + doublings * PER_DEPTH_DOUBLING[k] for k in ("lut", "ff")}
    return add_memories(cost, memories, uram=uram)


def max_stream_pbits(spec: PBitNetSpec, resources: dict) -> int:
    """The largest all-to-all network (``n`` p-bits, ``spec``'s lanes and fields) that fits
    ``resources`` (lut, ff, bram36, uram); 0 if none."""
    uram = bool(resources.get("uram"))

    def fits(n: int) -> bool:
        need = stream_cost(spec, uram=uram, n=max(1, n))
        return all(v <= resources.get(k, 0) for k, v in need.items() if v)

    return largest(fits)
