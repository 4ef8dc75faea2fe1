"""The per-p-bit tables, the seed chain and the register map of the p-bit network (no amaranth).

The tables are an exact reformulation of the Spec's arithmetic: every field-table entry
is checked against the plain sum ``sat(h + sum J m)`` of its neighbour configuration,
every probability-table entry against the documented LUT formula computed here with
exact rationals, and the seed chain against a bit-level simulation of the shift
register it describes.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from spinemu.sim_golden.pbit_net_regmap import network_regmap
from spinemu.sim_golden.pbit_net_spec import FIELD_GROUP, PBitNetSpec
from spinemu.sim_golden.pbit_net_tables import (
    field_code,
    field_groups,
    field_table_writes,
    partial_bits,
    prob_index_bits,
    prob_tables,
    table_layout,
)
from spinemu.sim_golden.problems import lattice_2d, lattice_3d

__all__: list[str] = []

#: p-bit 0 has degree 8 (two field groups); the others 1..4.
EDGES = tuple((0, k) for k in range(1, 9)) + ((1, 2), (2, 3), (3, 4), (5, 6), (7, 8), (8, 9), (4, 9))


def _signed(value: int, bits: int) -> int:
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


@pytest.mark.parametrize("hw", [{}, dict(sigmoid="smtj"), dict(h_bits=8, j_bits=7, acc_bits=9, frac_bits=3)])
def test_field_tables_hold_the_saturated_field_of_every_neighbour_configuration(hw):
    spec = PBitNetSpec(n=10, edges=EDGES, **hw)
    rng = np.random.default_rng(5)
    lo_h, hi_h = spec._range(spec.h_bits)
    lo_j, hi_j = spec._range(spec.j_bits)
    h = rng.integers(lo_h, hi_h + 1, spec.n)
    j = rng.integers(lo_j, hi_j + 1, spec.num_edges)
    h[0], j[:4] = hi_h, hi_j  # p-bit 0 saturates when its first neighbours are +1
    addrs, vals = field_table_writes(spec, h, j)
    table = dict(zip(addrs.tolist(), vals.tolist(), strict=True))
    group_bits, pattern_bits = table_layout(spec)
    assert group_bits == 1 and pattern_bits == FIELD_GROUP
    lim = spec.field_limit
    saturated = 0
    for i, groups in enumerate(field_groups(spec)):
        nbs = [nb for nb, _ in spec.neighbours[i]]
        for spins in itertools.product([-1, 1], repeat=len(nbs)):
            couplings = [int(j[spec.edge_index[tuple(sorted((i, b)))]]) for b in nbs]
            exact = h[i] + sum(c * s for c, s in zip(couplings, spins, strict=True))
            want = max(-lim, min(lim, exact))
            saturated += want != exact
            # read every group's entry at the pattern of its neighbours' spins
            parts = []
            for g in range(len(groups)):
                chunk = spins[FIELD_GROUP * g : FIELD_GROUP * (g + 1)]
                pattern = sum(1 << k for k, s in enumerate(chunk) if s > 0)
                parts.append(table[(i << (group_bits + pattern_bits)) | (g << pattern_bits) | pattern])
            if len(groups) == 1:
                assert parts[0] == field_code(spec, want)
            else:
                total = sum(_signed(v, partial_bits(spec)) for v in parts)
                assert total == exact and max(-lim, min(lim, total)) == want
    assert saturated  # the extreme values did saturate somewhere
    # sign-magnitude codes for the symmetric tanh Spec, two's complement otherwise
    if spec.symmetric:
        assert field_code(spec, -5) == (1 << (spec.acc_bits - 1)) | 5
    else:
        assert field_code(spec, -5) == (1 << spec.acc_bits) - 5


def _lut_entry(spec, x: Fraction) -> int:
    """LUT of the Spec at the real input x = beta I, by the documented formula."""
    s_addr = x * (1 << spec.lut_frac_bits)
    a = math.floor(s_addr + Fraction(1, 2))
    lo, hi = spec._range(spec.lut_bits)
    a = min(max(a, lo), hi)
    p = 0.5 * (1 + math.tanh(a / (1 << spec.lut_frac_bits)))
    return int(min(max(math.floor(p * (1 << spec.prob_bits) + 0.5), 1), (1 << spec.prob_bits) - 1))


def test_probability_tables_follow_the_documented_formula():
    spec = PBitNetSpec(n=3, edges=((0, 1), (1, 2)), h_bits=8, j_bits=8, acc_bits=9, frac_bits=3)
    assert spec.symmetric and prob_index_bits(spec) == spec.acc_bits - 1
    for beta in (0.0, 0.3, 1.0, 2.75):
        bm = spec.beta_to_acc(beta) >> (spec.beta_frac_bits - spec.beta_mul_frac_bits)
        table = prob_tables(spec, bm)
        assert table.shape == (1, 1 << (spec.acc_bits - 1))
        for k in range(0, 1 << (spec.acc_bits - 1), 7):
            x = Fraction(bm, 1 << spec.beta_mul_frac_bits) * Fraction(k, 1 << spec.frac_bits)
            assert table[0, k] == _lut_entry(spec, x), (beta, k)
    # signed tables (no symmetry) cover negative fields with their own entries
    signed = PBitNetSpec(
        n=3, edges=((0, 1), (1, 2)), sigmoid="smtj", sigmoid_centre=2e-6, sigmoid_slope=1.5e5
    )
    assert not signed.symmetric and prob_index_bits(signed) == signed.acc_bits
    table = prob_tables(signed, 1 << signed.beta_mul_frac_bits)
    a = signed.acc_bits
    for code in range(1 << a):
        field = _signed(code, a)
        addr = signed.lut_address(np.array([field]), 1 << signed.beta_mul_frac_bits)[0]
        assert table[0, code] == signed.lut[addr]


def _simulate_chain(spec, words) -> list[int]:
    """Bit-level model of the seed chain: one big shift register, chain_bits per write."""
    width = spec.lfsr_width if spec.rng.value == "lfsr" else spec.rng_model.state_bits
    total = spec.n * width
    reg = 0
    for w in words:
        reg = ((reg << spec.chain_bits) | int(w)) & ((1 << total) - 1)
    return [(reg >> (width * i)) & ((1 << width) - 1) for i in range(spec.n)]


@pytest.mark.parametrize("hw", [{}, dict(lfsr_leap=13, prob_bits=12), dict(rng="xoshiro128pp")])
def test_seed_chain_loads_every_stream(hw):
    spec = PBitNetSpec(n=7, edges=((0, 1), (2, 3)), **hw)
    words = spec.seed_chain_words(4242)
    assert all(0 <= w < 1 << spec.chain_bits for w in words)
    states = spec.rng_states(4242)
    want = [sum(int(x) << (32 * k) for k, x in enumerate(row)) for row in states.tolist()]
    assert _simulate_chain(spec, words) == want


def test_register_map_does_not_grow_with_n():
    """Same registers at the same offsets for 16 and 4,096 p-bits (2D) and 4,096 (3D)."""
    maps = []
    for problem in (lattice_2d(4), lattice_2d(64), lattice_3d(16)):
        spec = PBitNetSpec(n=problem.n, edges=tuple(map(tuple, problem.edges.tolist())))
        maps.append(network_regmap(spec))
    layout = [[(r.name, r.offset, r.count) for r in m.registers] for m in maps]
    assert layout[0] == layout[1] == layout[2]
    assert maps[0].size == maps[2].size and maps[0].addr_width == maps[2].addr_width
    assert all(r.count == 1 for r in maps[2].registers)
