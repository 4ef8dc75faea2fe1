"""What one p-bit of the parallel p-bit network costs on a 7-series part, from its Spec alone.

A structural model of :mod:`spinemu.hdl.pbit_cells`, used where running yosys would be
too slow (``spinemu build`` checks a design against the board before writing anything,
and says how many p-bits of the same kind would fit):

* LUT RAM: a table of ``depth`` entries of ``width`` bits with one write and one read
  port is ``ceil(width / 6)`` RAM32M (4 LUTs each) when ``depth <= 32``, else
  ``ceil(depth / 64) * ceil(width / 3)`` RAM64M (UG474).
* The comparator of ``prob_bits`` bits: ``prob_bits / 2`` LUTs on the carry chain.
* A leaped LFSR whose new bits are single XORs of old bits: one LUT per new bit (the
  XOR and the seed-chain multiplexer); otherwise two.  xoshiro128++: 160 LUTs.
* Spin, clamp, load and table-select logic: 8 LUTs.
* Flip-flops: the RNG state, the spin and the clamp flag, and a share of the
  probability-table write registered once per 32 p-bits (enable, address and data; the
  one-hot p-bit select too where the tables are not broadcast).
* With ``replicas = P > 1``: ``P - 1`` more spins (an enable LUT and a flip-flop each;
  one data LUT serves all), the replica multiplexers (``ceil(P / 3)`` LUTs each: the
  spin offered to the neighbours, the spin shown, in telegraph mode its own), and the
  pipeline's flip-flops (the neighbours' spins, the field code, the comparison, its
  sense and the replica it is written to, the p-bit's own copies of the issued,
  written and shown replica and of its color's update, and the registered spin it
  shows).

:data:`MEASURED` holds the yosys figures the model is checked against (the benchmark
``bench_pbit_scale`` prints them again; a test bounds the slope): the model must stay
within 10 % of them.
"""

from __future__ import annotations

import math

from ..sim_golden.pbit_net_spec import PBitMode, PBitNetSpec
from ..sim_golden.pbit_net_tables import partial_bits, prob_index_bits
from ..sim_golden.rng import RNGKind

__all__ = ["lutram_luts", "pbit_cost", "network_cost", "max_pbits", "FIXED_COST", "MEASURED"]

#: The rest of the core (register bank, beta schedule with its 32 x 32 multiplier, table
#: engine, windows), measured with yosys synth_xilinx on small designs.
FIXED_COST = {"lut": 800, "ff": 600}

#: yosys synth_xilinx, default hardware (6-bit h and J, 16-bit probabilities, LFSR):
#: (problem, n, degree, replicas) -> (LUT, FF) of the whole core.
MEASURED = {
    ("lattice_3d", 512, 6, 1): (28_265, 18_449),
    ("lattice_3d", 512, 6, 4): (32_926, 36_445),
}


def lutram_luts(depth: int, width: int) -> int:
    """LUTs of a ``depth`` x ``width`` simple-dual-port LUT RAM (7-series)."""
    if depth <= 32:
        return 4 * math.ceil(width / 6)
    return 4 * math.ceil(depth / 64) * math.ceil(width / 3)


def pbit_cost(spec: PBitNetSpec, degree: int | None = None) -> dict[str, float]:
    """LUTs and flip-flops of one p-bit of ``degree`` neighbours (default: the Spec's maximum)."""
    d = spec.max_degree if degree is None else degree
    groups = max(1, math.ceil(d / 6))
    single = groups == 1
    width = spec.acc_bits if single else partial_bits(spec)
    lut = 0.0
    for g in range(groups):
        size = min(6, d - 6 * g) if d else 1
        lut += lutram_luts(1 << max(1, size), width)
    if not single:  # adder tree, saturation and encoding of the partial sums
        lut += (groups - 1) * (width + 1) + 2 * spec.acc_bits
    prob_rows = 1 << prob_index_bits(spec)
    lut += lutram_luts(prob_rows, spec.prob_bits)
    lut += spec.prob_bits / 2 + 1
    if spec.rng is RNGKind.LFSR:
        cheap = spec.lfsr_leap <= min(spec.lfsr_taps) and spec.lfsr_leap < spec.lfsr_width
        lut += spec.lfsr_leap if cheap else 2 * spec.lfsr_width
        ff = spec.lfsr_width
    else:
        lut += 160
        ff = 128
    lut += 8
    ff += 2.0
    table_write = 1 + prob_index_bits(spec) + spec.prob_bits + (0 if spec.broadcast_tables else 32)
    ff += table_write / 32
    P = spec.replicas
    if P > 1:
        # the other replicas' spins with their write logic, the replica multiplexers
        # (offered to the neighbours, shown; telegraph: its own), and the pipeline
        # registers: the neighbours' spins, the field code, the comparison with its sense
        # and the replica it is written to (the spins' one data LUT and P enables replace
        # the single spin's logic of the 8 above: P more)
        muxes = 2 + (spec.mode is PBitMode.TELEGRAPH)
        lut += P + muxes * math.ceil(P / 3)
        ff += (P - 1) + d + spec.acc_bits + 3 * P + 2 + (2 + P)
    return {"lut": lut, "ff": ff}


def network_cost(spec: PBitNetSpec) -> dict[str, float]:
    """Estimated LUTs and flip-flops of the whole core (every p-bit at its own degree)."""
    degrees = [len(nb) for nb in spec.neighbours]
    lut = ff = 0.0
    for d in set(degrees):
        c = pbit_cost(spec, d)
        k = degrees.count(d)
        lut += k * c["lut"]
        ff += k * c["ff"]
    return {"lut": lut + FIXED_COST["lut"], "ff": ff + FIXED_COST["ff"]}


def max_pbits(spec: PBitNetSpec, resources: dict, degree: int | None = None) -> int:
    """How many p-bits like ``spec``'s (of ``degree`` neighbours) fit ``resources`` (lut, ff)."""
    c = pbit_cost(spec, degree)
    fits = [
        (resources[k] - FIXED_COST[k]) / c[k] for k in ("lut", "ff") if k in resources and c[k] > 0
    ]
    return max(0, int(min(fits)))
