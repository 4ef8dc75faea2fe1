"""The multiplexed p-bit fabric: its layout, windows and register map, and golden == RTL.

The RTL is driven only through its registers (:class:`PBitNetDriver` over
:class:`VerilatorMMIO`) plus the recorded ``sample`` stream (one group of lane spins
per word) and compared with :class:`~spinemu.sim_golden.pbit_net.PBitNetGolden`, the
golden model of both fabrics, sample for sample.  Three designs are built (cached):
a random degree-6 graph on 4 lanes (LFSR, tanh tables on |I|), an irregular graph
with a degree-7 p-bit on 8 lanes (xoshiro128++, a calibrated SMTJ sigmoid: two's
complement tables, 9-bit saturating field), and a dense network of 5 on one lane
(every p-bit its own color).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from spinemu.sim_golden.pbit_net import BetaRegisters
from spinemu.sim_golden.pbit_net_mux import mux_stages, weight_bits
from spinemu.sim_golden.pbit_net_regmap import pack_spins, seed_writes, unpack_spins, window_writes
from spinemu.sim_golden.pbit_net_spec import PBitNetSpec
from spinemu.sim_golden.problems import lattice_2d
from spinemu.sim_golden.validate import SpecError
from spinemu.sw import logic
from test_pbit_net_rtl import (
    _EDGES_A,
    _bounded_degree_graph,
    _golden_equals_rtl,
    _model,
    _runs,
    boltzmann_tvd_rtl,
    factors_35_as_golden,
)

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
#: Dense n = 5 on one lane: every p-bit its own color (also the Boltzmann TVD design).
MUX_C = PBitNetSpec(n=5, dense=True, rng="xoshiro128pp", fabric="multiplexed", lanes=1)


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
    assert lay.sweep_cycles == lay.groups + (mux_stages(lay.degree) - 1) * spec.num_colors


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
    i = spec.n - 2
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
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(run=_runs(MUX_A, max_reads=6, max_sweeps=200))
def test_golden_equals_rtl_random_degree6_graph_four_lanes(run):
    """Extreme weights saturate the +-15.5 field; every schedule kind, clamps, seeds."""
    _golden_equals_rtl(MUX_A, run)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(run=_runs(MUX_B, max_reads=6, max_sweeps=200))
def test_golden_equals_rtl_xoshiro_smtj_sigmoid_eight_lanes(run):
    """Two's-complement tables (no sign symmetry), a degree-7 p-bit, a 9-bit field."""
    _golden_equals_rtl(MUX_B, run)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(run=_runs(MUX_C, max_reads=4, max_sweeps=100))
def test_golden_equals_rtl_one_lane_dense(run):
    """One lane, one p-bit per color: every update waits for the one before."""
    _golden_equals_rtl(MUX_C, run)


@pytest.mark.parametrize("make", [logic.and_gate, logic.full_adder])
def test_boltzmann_tvd_rtl_dense(make):
    """The same TVD bound (< 0.03, statistical ~0.01) as the parallel fabric, on the dense
    n = 5 multiplexed design."""
    assert boltzmann_tvd_rtl(MUX_C, make()) < 0.03


def test_golden_equals_rtl_when_every_sweep_needs_new_tables():
    """A linear schedule whose beta changes the probability tables at every sweep end: each
    sweep must wait for its tables (a stale "tables ready" once let a sweep start on the
    previous beta's tables)."""
    from test_pbit_net_rtl import _assert_same, _both

    rng = np.random.default_rng(0)
    h, j = rng.integers(-8, 8, MUX_A.n), rng.integers(-8, 8, MUX_A.num_edges)
    beta = BetaRegisters.from_dict(MUX_A.beta_registers("linear", (0.2, 1.5), 50))
    gold, rtl = _both(MUX_A, h, j, num_sweeps=50, beta=beta, num_reads=3, seed=5, record="all")
    _assert_same(gold, rtl)
    beta_m = np.array(gold.beta_acc) >> (MUX_A.beta_frac_bits - MUX_A.beta_mul_frac_bits)
    assert (np.diff(beta_m) != 0).sum() >= 40  # the tables change at (almost) every sweep


def test_sweep_takes_groups_plus_gap_per_color_clocks():
    """Steady state at constant β: a sweep is exactly ``groups + gap * colors`` clocks,
    ``lanes`` updates in every issue clock (counted on the native model)."""
    lay = MUX_A.mux_layout
    counts = sweep_clocks(MUX_A, (50, 200))
    assert counts[0] >= 50 * lay.sweep_cycles  # includes the table rewrite for the new beta
    assert counts[1] == 200 * lay.sweep_cycles, (counts, lay.sweep_cycles)
    assert lay.sweep_cycles == lay.groups + 6 * MUX_A.num_colors  # seven stages at degree 6


def sweep_clocks(spec, runs) -> list[int]:
    """Clocks the native model of a memory fabric takes for each run of ``runs`` sweeps
    (counted by the words on its ``sample`` stream, a run right after the previous one,
    the first after a new β), h = 0 and J = 1."""
    from spinemu.sw.mmio import VerilatorMMIO
    from spinemu.sw.pbit_sampler import PBitNetDriver

    words = spec.state_words
    model = _model(spec)
    model.reset()
    drv = PBitNetDriver(VerilatorMMIO(model), spec)
    drv.load_problem(np.zeros(spec.n, int), np.ones(spec.num_edges, int))
    drv.set_schedule(BetaRegisters(spec.beta_to_acc(0.5)))
    drv.sweep(10**6)
    counts = []
    for sweeps in runs:
        model.record("sample", "sample_valid", sweeps * words)
        start = model.cycles
        model.run_until_recorded(sweeps * words, max_cycles=100 * sweeps * spec.sweep_cycles)
        model.stop_recording()
        counts.append(model.cycles - start)
    return counts


def test_sampler_rtl_factors_35_on_the_multiplexed_fabric_as_golden():
    """A 3x3 invertible multiplier with the product clamped to 35 on the multiplexed
    fabric: the most frequent input pair on the RTL is a factor pair, and the SampleSet
    equals the golden one for the same seed."""
    ss = factors_35_as_golden(dict(fabric="multiplexed", lanes=4), num_reads=100, num_sweeps=1000)
    assert ss.info["fabric"] == "multiplexed" and ss.info["lanes"] == 4


def test_sampler_picks_the_fabric_from_the_graph_and_names_the_hardware_limits():
    """Without ``fabric``, sparse small graphs go parallel and wide or large ones
    multiplexed; ``lanes`` alone means multiplexed; a problem larger than a fixed
    hardware topology is refused naming the hardware's size; SampleSet.info names the
    fabric and the emulated time."""
    import dimod
    from spinemu.sim_golden.problems import maxcut_to_ising, random_maxcut_graph, to_bqm
    from spinemu.sw.pbit_sampler import MUX_ABOVE_DEGREE, MUX_ABOVE_PBITS, PBitSampler, choose_fabric

    assert choose_fabric(100, 6) == "parallel"
    assert choose_fabric(100, MUX_ABOVE_DEGREE + 1) == "multiplexed"
    assert choose_fabric(MUX_ABOVE_PBITS + 1, 4) == "multiplexed"
    dense_graph = to_bqm(maxcut_to_ising(random_maxcut_graph(60, 0.5, seed=1)))
    sparse = dimod.BinaryQuadraticModel({}, {(0, 1): 1.0, (1, 2): -1.0}, 0.0, "SPIN")
    auto = PBitSampler()
    assert auto.spec_for(dense_graph)[1].multiplexed
    assert not auto.spec_for(sparse)[1].multiplexed
    assert PBitSampler(lanes=4).spec_for(sparse)[1].lanes == 4
    # replicas are a parallel-fabric feature: the automatic choice keeps it
    assert not PBitSampler(replicas=2).spec_for(dense_graph)[1].multiplexed
    fixed = PBitSampler(topology=[(0, 1), (1, 2)], fabric="multiplexed", lanes=2)
    big = dimod.BinaryQuadraticModel({}, {(0, 1): 1.0, (1, 2): 1.0, (2, 3): 1.0}, 0.0, "SPIN")
    with pytest.raises(ValueError, match="the hardware has 3 p-bits"):
        fixed.sample(big, num_reads=1, num_sweeps=1)
    ss = fixed.sample(sparse, num_reads=3, num_sweeps=10, seed=1, beta_range=(1.0, 1.0))
    spec = fixed.spec_for(sparse)[1]
    assert ss.info["fabric"] == "multiplexed" and ss.info["clocks_per_sweep"] == spec.mux_layout.sweep_cycles
    assert ss.info["clocks"] >= 3 * 10 * spec.mux_layout.sweep_cycles
    fmax_hz = ss.info["reference_fmax_mhz"] * 1e6
    assert ss.info["emulated_seconds"] == pytest.approx(ss.info["clocks"] / fmax_hz)


def test_golden_equals_rtl_512_pbit_glass_over_1e4_sweeps():
    """A 3D +-J glass (8^3 = 512 p-bits, degree 6) on 8 lanes: every sample of 10,000
    annealing sweeps identical."""
    from spinemu.sim_golden.problems import edwards_anderson_3d
    from test_pbit_net_rtl import _assert_same, _both

    g = edwards_anderson_3d(8, seed=4)
    spec = PBitNetSpec(n=g.n, edges=tuple(map(tuple, g.edges.tolist())), fabric="multiplexed", lanes=8)
    j = spec.quantize(np.asarray(g.weights) * 3, spec.j_bits, "J")
    h = np.zeros(spec.n, np.int64)
    beta = BetaRegisters.from_dict(spec.beta_registers("geometric", (0.05, 2.0), 10_000))
    gold, rtl = _both(spec, h, j, num_reads=1, num_sweeps=10_000, beta=beta, seed=99, record="all")
    _assert_same(gold, rtl)
    assert rtl.samples.shape == (1, 10_000, 512)


def test_cost_model_agrees_with_yosys():
    """The model `spinemu build` checks boards with, against yosys (xc7) on 2D lattices of
    256, 1,024 and 4,096 p-bits on 8 lanes: block RAMs within one 18 Kb half everywhere
    (they decide what fits at scale); LUTs and flip-flops within 10 % where it is
    calibrated (4,096) and within 45 % below (it counts some small memories yosys packs
    better as LUT RAM: an overestimate)."""
    from spinemu.gen.pbit_mux_cost import MEASURED, mux_cost

    for n, (lut, ff, bram) in MEASURED.items():
        p = lattice_2d(int(round(n**0.5)))
        spec = PBitNetSpec(n=p.n, edges=tuple(map(tuple, p.edges.tolist())), fabric="multiplexed", lanes=8)
        model = mux_cost(spec)
        assert abs(model["bram36"] - bram) <= 0.5, (n, model, bram)
        tol = 0.1 if n == 4096 else 0.45
        assert abs(model["lut"] / lut - 1) < tol and abs(model["ff"] / ff - 1) < tol, (n, model, lut, ff)
    # logic does not grow with n: the measured LUTs of 4,096 p-bits are below those of 256
    assert MEASURED[4096][0] < MEASURED[256][0] and MEASURED[4096][1] < MEASURED[256][1]


def test_multiplexed_network_too_large_for_a_board_is_refused_with_the_number_that_fits(tmp_path, capsys):
    """A 200 x 200 lattice (40,000 p-bits) on 8 lanes needs more block RAM than a PYNQ-Z2
    has; the refusal names how many p-bits of degree 4 fit.  That number lies between
    the block RAM per p-bit yosys measured at 4,096 p-bits (an upper bound on the cost:
    deeper memories fill their blocks better) and the raw capacity of the part's blocks
    at the bits a p-bit stores (neighbour slots, weights, RNG state, a spin per copy)."""
    import re

    from spinemu.boards.catalog import get_board
    from spinemu.gen.cli import main
    from spinemu.gen.pbit_mux_cost import MEASURED

    cfg = tmp_path / "big.toml"
    cfg.write_text(
        'name = "big"\n[core]\nkind = "pbit"\n[problem]\ntype = "lattice2d"\nL = 200\n'
        '[pbit]\nfabric = "multiplexed"\nlanes = 8\n'
    )
    assert main(["build", str(cfg), "--board", "pynq-z2", "-o", str(tmp_path / "o"), "--estimate", "no"]) == 2
    err = capsys.readouterr().err
    assert "too large for" in err and "BRAM36" in err and "Traceback" not in err
    found = re.search(r"holds at most ([\d,]+) p-bits of degree 4 on 8 lanes", err)
    most = int(found.group(1).replace(",", ""))
    blocks = get_board("pynq-z2").resources.bram36
    at_least = blocks / (MEASURED[4096][2] / 4096)
    bits = (1 + 4 * 15) + 5 * 6 + 32 + (8 * 4 + 1) + 3  # per p-bit at ~2^15 slots
    assert at_least <= most <= blocks * 36 * 1024 / bits, (at_least, most)
