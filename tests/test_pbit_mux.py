"""The multiplexed p-bit fabric: its layout, windows and register map, and golden == RTL.

The RTL is driven only through its registers (:class:`PBitNetDriver` over
:class:`VerilatorMMIO`) plus the recorded ``sample`` stream (one group of lane spins
per word) and compared with :class:`~spinemu.sim_golden.pbit_net.PBitNetGolden`, the
golden model of both fabrics, sample for sample.  Three designs are built (cached):
a random degree-6 graph on 4 lanes (LFSR, tanh tables on |I|), an irregular graph
with a degree-7 p-bit on 8 lanes (xoshiro128++, a calibrated SMTJ sigmoid: two's
complement tables, 9-bit saturating field), and a lattice on one lane in sequential
order (every p-bit its own color).
"""

from __future__ import annotations

import collections

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from spinemu.sim_golden.pbit_net import BetaRegisters
from spinemu.sim_golden.pbit_net_mux import (
    MUX_GAP,
    pack_spins,
    seed_writes,
    unpack_spins,
    weight_bits,
    window_writes,
)
from spinemu.sim_golden.pbit_net_spec import PBitNetSpec
from spinemu.sim_golden.problems import lattice_2d
from spinemu.sim_golden.validate import SpecError
from test_pbit_net_rtl import _EDGES_A, _bounded_degree_graph, _golden_equals_rtl, _model, _runs

__all__: list[str] = []

MUX_A = PBitNetSpec(n=45, edges=_bounded_degree_graph(45, 6, seed=21), fabric="multiplexed", lanes=4)
MUX_B = PBitNetSpec(
    n=10,
    edges=_EDGES_A,
    h_bits=8,
    j_bits=8,
    acc_bits=9,
    frac_bits=3,
    lut_bits=9,
    lut_frac_bits=5,
    sigmoid="smtj",
    sigmoid_centre=2e-6,
    sigmoid_slope=3e5,
    rng="xoshiro128pp",
    fabric="multiplexed",
    lanes=8,
    seed=5,
)
_LATTICE = lattice_2d(3)
MUX_C = PBitNetSpec(
    n=9,
    edges=tuple(map(tuple, _LATTICE.edges.tolist())),
    update_order="sequential",
    fabric="multiplexed",
    lanes=1,
)


# -- layout, windows, registers (no simulation) -----------------------------------------
@pytest.mark.parametrize("spec", [MUX_A, MUX_B, MUX_C], ids=["A", "B", "C"])
def test_layout_groups_are_uncoupled_and_hold_every_pbit_once(spec):
    lay = spec.mux_layout
    real = lay.pbit_of[lay.pbit_of >= 0]
    assert sorted(real.tolist()) == list(range(spec.n))
    assert (lay.pbit_of[lay.slot_of] == np.arange(spec.n)).all()
    groups = lay.pbit_of.reshape(lay.groups, lay.lanes)
    coupled = {frozenset(e) for e in spec.edges}
    for row in groups:
        members = [int(i) for i in row if i >= 0]
        assert len({int(spec.colors[i]) for i in members}) <= 1  # one color per group
        assert not any(frozenset((a, b)) in coupled for a in members for b in members if a < b)
    # colors in order, each padded to whole groups
    first = [int(spec.colors[[i for i in row if i >= 0][0]]) for row in groups if (row >= 0).any()]
    assert first == sorted(first) and sum(lay.color_groups) == lay.groups
    assert lay.sweep_cycles == lay.groups + MUX_GAP * spec.num_colors


def _apply_window(spec, names, values) -> np.ndarray:
    """What the weight memories hold after the writes, as ``(slots, D + 1)`` signed values:
    a model of the TBL_ADDR/TBL_DATA pointer as hdl/pbit_mux.py documents it."""
    lay = spec.mux_layout
    wb = weight_bits(spec)
    mem = np.zeros((lay.slots, lay.degree + 1), np.int64)
    slot, field, staged = 0, 0, [0] * (lay.degree + 1)
    for name, v in zip(names, values, strict=True):
        if name == "TBL_ADDR":
            slot, field = v, 0
            continue
        staged[field] = v - (1 << wb) if v >> (wb - 1) else v
        if field == lay.degree:
            mem[slot] = staged
            slot, field = slot + 1, 0
        else:
            field += 1
    return mem


@pytest.mark.parametrize("spec", [MUX_A, MUX_B], ids=["A", "B"])
def test_window_writes_put_h_and_each_coupling_beside_its_neighbour(spec):
    rng = np.random.default_rng(3)
    lo_h, lo_j = -(1 << (spec.h_bits - 1)), -(1 << (spec.j_bits - 1))
    h = rng.integers(lo_h, -lo_h, spec.n)
    j = rng.integers(lo_j, -lo_j, spec.num_edges)
    mem = _apply_window(spec, *window_writes(spec, h, j))
    lay = spec.mux_layout
    for i in range(spec.n):
        s = lay.slot_of[i]
        assert mem[s, 0] == h[i]
        for d, (nb, e) in enumerate(spec.neighbours[i]):
            assert lay.neighbour_slots[s, d] == lay.slot_of[nb]
            assert mem[s, 1 + d] == j[e]
        assert (mem[s, 1 + len(spec.neighbours[i]) :] == 0).all()  # no neighbour: weight 0


def test_seed_writes_give_every_slot_its_pbit_stream():
    names, values = seed_writes(MUX_B, 1234)
    assert names[0] == "SEED_ADDR" and values[0] == 0
    words = np.array(values[1:], np.int64).reshape(MUX_B.mux_layout.slots, 4)
    lay = MUX_B.mux_layout
    states = MUX_B.rng_states(1234)
    assert (words[lay.slot_of] == states).all()
    assert (words[lay.pbit_of < 0] == 0).all()


@pytest.mark.parametrize("spec", [MUX_A, MUX_C], ids=["A", "C"])
def test_packed_words_hold_slots_in_group_order(spec):
    spins = np.where(np.random.default_rng(2).random(spec.n) < 0.5, 1, -1)
    words = pack_spins(spec, spins)
    assert len(words) == spec.state_words == spec.mux_layout.groups
    assert all(0 <= w < 1 << spec.lanes for w in words)
    assert (unpack_spins(spec, np.array(words)) == spins).all()
    i = 7
    s = spec.mux_layout.slot_of[i]
    assert (words[s // spec.lanes] >> (s % spec.lanes)) & 1 == (spins[i] > 0)


def test_register_map_does_not_grow_with_n():
    """The same registers at 64 and 4,096 p-bits (only pointer widths grow)."""
    maps = []
    for side in (8, 64):
        p = lattice_2d(side)
        spec = PBitNetSpec(n=p.n, edges=tuple(map(tuple, p.edges.tolist())), fabric="multiplexed", lanes=16)
        maps.append(spec.regmap)
    assert [r.name for r in maps[0].registers] == [r.name for r in maps[1].registers]
    assert maps[0].addr_width == maps[1].addr_width


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        (dict(lanes=4), "lanes", "parallel fabric"),
        (dict(fabric="multiplexed", lanes=12), "lanes", "power of two"),
        (dict(fabric="multiplexed", lanes=64), "lanes", "32"),
        (dict(fabric="multiplexed", replicas=2), "replicas", "multiplexed"),
        (dict(fabric="multiplexed", compensation=True), "compensation", "multiplexed"),
        (dict(fabric="multiplexed", sample_buffer_depth=8), "sample_buffer_depth", "stream"),
        (dict(fabric="wide"), "fabric", "parallel"),
    ],
)
def test_spec_names_what_the_multiplexed_fabric_does_not_take(kwargs, field, message):
    with pytest.raises(SpecError, match=field) as err:
        PBitNetSpec(n=4, edges=((0, 1), (1, 2)), **kwargs)
    assert message in str(err.value)


def test_fabric_defaults():
    par = PBitNetSpec(n=4, edges=((0, 1),))
    mux = PBitNetSpec(n=4, edges=((0, 1),), fabric="multiplexed")
    assert (par.lanes, par.sample_buffer_depth) == (None, 16)
    assert (mux.lanes, mux.sample_buffer_depth) == (8, 0)
    assert PBitNetSpec.from_dict(mux.to_dict()) == mux


# -- golden == RTL ------------------------------------------------------------------------
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(run=_runs(MUX_A, max_reads=6, max_sweeps=200))
def test_golden_equals_rtl_random_degree6_graph_four_lanes(run):
    """Extreme weights saturate the +-15.5 field; every schedule kind, clamps, seeds."""
    _golden_equals_rtl(MUX_A, run)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(run=_runs(MUX_B, max_reads=6, max_sweeps=200))
def test_golden_equals_rtl_xoshiro_smtj_sigmoid_eight_lanes(run):
    """Two's-complement tables (no sign symmetry), a degree-7 p-bit, a 9-bit field."""
    _golden_equals_rtl(MUX_B, run)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(run=_runs(MUX_C, max_reads=4, max_sweeps=100))
def test_golden_equals_rtl_one_lane_sequential(run):
    """One lane, one p-bit per color: every update waits for the one before."""
    _golden_equals_rtl(MUX_C, run)


def test_sweep_takes_groups_plus_gap_per_color_clocks():
    """Steady state at constant β: a sweep is exactly ``groups + MUX_GAP * colors`` clocks,
    ``lanes`` updates in every issue clock (counted on the native model)."""
    from spinemu.sw.mmio import VerilatorMMIO
    from spinemu.sw.pbit_sampler import PBitNetDriver

    spec = MUX_A
    lay = spec.mux_layout
    model = _model(spec)
    model.reset()
    drv = PBitNetDriver(VerilatorMMIO(model), spec)
    drv.load_problem(np.zeros(spec.n, int), np.ones(spec.num_edges, int))
    drv.set_schedule(BetaRegisters(spec.beta_to_acc(0.5)))
    drv.sweep(10**6)
    counts = []
    for sweeps in (50, 200):
        model.record("sample", "sample_valid", sweeps * lay.groups)
        start = model.cycles
        model.run_until_recorded(sweeps * lay.groups, max_cycles=100 * sweeps * lay.sweep_cycles)
        model.stop_recording()
        counts.append(model.cycles - start)
    assert counts[0] >= 50 * lay.sweep_cycles  # includes the table rewrite for the new beta
    assert counts[1] == 200 * lay.sweep_cycles, (counts, lay.sweep_cycles)
    assert lay.sweep_cycles == lay.groups + MUX_GAP * spec.num_colors


def test_sampler_rtl_factors_35_on_the_multiplexed_fabric_as_golden():
    """A 3x3 invertible multiplier with the product clamped to 35 on the multiplexed
    fabric: the most frequent input pair on the RTL is a factor pair, and the SampleSet
    equals the golden one for the same seed."""
    from spinemu.sw import logic
    from spinemu.sw.pbit_sampler import PBitSampler

    bqm = logic.multiplier(3, 3)
    bqm.fix_variables({f"p{k}": 1 if (35 >> k) & 1 else -1 for k in range(6)})
    kw = dict(num_reads=100, num_sweeps=1000, beta_range=(0.2, 1.5), beta_schedule_type="linear", seed=5)
    hw = dict(fabric="multiplexed", lanes=4)
    ss_r = PBitSampler(backend="rtl", **hw).sample(bqm, **kw)
    ss_g = PBitSampler(backend="golden", **hw).sample(bqm, **kw)
    assert ss_r.variables == ss_g.variables
    assert (ss_r.record.sample == ss_g.record.sample).all()
    assert np.allclose(ss_r.record.energy, ss_g.record.energy)
    assert ss_r.info["fabric"] == "multiplexed" and ss_r.info["lanes"] == 4
    col = {v: k for k, v in enumerate(ss_r.variables)}
    s = ss_r.record.sample
    a = sum(((s[:, col[f"a{i}"]] + 1) // 2) << i for i in range(3))
    b = sum(((s[:, col[f"b{i}"]] + 1) // 2) << i for i in range(3))
    (fa, fb), _ = collections.Counter(zip(a.tolist(), b.tolist(), strict=True)).most_common(1)[0]
    assert fa * fb == 35 and {fa, fb} == {5, 7}
