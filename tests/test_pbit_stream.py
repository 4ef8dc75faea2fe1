"""The streaming p-bit fabric: its layout, weight window and schedule, and golden == RTL.

As for the multiplexed fabric (``test_pbit_mux.py``), the RTL is driven only through its
registers plus the recorded ``sample`` stream, and compared with
:class:`~spinemu.sim_golden.pbit_net.PBitNetGolden` sample for sample.  Designs (each
built once, cached):

* ``STREAM_A``: dense n = 37 on 8 lanes (5 beats per row, the last one padded; a slot's
  period is the pipeline's, not its beats), xoshiro128++, 6-bit weights;
* ``STREAM_B``: a random graph of 40 p-bits at density 0.3 on 16 lanes (several p-bits
  per color, the rows zero where there is no edge), an SMTJ sigmoid (two's-complement
  tables), a 9-bit saturating field;
* ``STREAM_C``: dense n = 5 on 4 lanes (also the Boltzmann TVD design).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from spinemu.sim_golden.pbit_net import BetaRegisters
from spinemu.sim_golden.pbit_net_regmap import pack_spins, unpack_spins, window_writes
from spinemu.sim_golden.pbit_net_spec import PBitNetSpec
from spinemu.sim_golden.pbit_net_streaming import stream_latency, stream_rows
from spinemu.sim_golden.problems import maxcut_to_ising, random_maxcut_graph
from spinemu.sim_golden.validate import SpecError
from spinemu.sw import logic
from test_pbit_mux import sweep_clocks
from test_pbit_net_rtl import (
    _assert_same,
    _both,
    _golden_equals_rtl,
    _runs,
    boltzmann_tvd_rtl,
    factors_35_as_golden,
)

__all__: list[str] = []

STREAM_A = PBitNetSpec(n=37, dense=True, rng="xoshiro128pp", fabric="streaming", lanes=8, seed=3)
_G = maxcut_to_ising(random_maxcut_graph(40, 0.3, seed=7))
STREAM_B = PBitNetSpec(
    n=40,
    edges=tuple(map(tuple, _G.edges.tolist())),
    h_bits=8,
    j_bits=8,
    acc_bits=9,
    frac_bits=3,
    lut_bits=9,
    lut_frac_bits=5,
    sigmoid="smtj",
    sigmoid_centre=2e-6,
    sigmoid_slope=3e5,
    fabric="streaming",
    lanes=16,
    seed=5,
)
STREAM_C = PBitNetSpec(n=5, dense=True, fabric="streaming", lanes=4)


# -- layout, windows, registers (no simulation) -----------------------------------------
@pytest.mark.parametrize("spec", [STREAM_A, STREAM_B, STREAM_C], ids=["A", "B", "C"])
def test_slots_follow_the_colors_and_rows_hold_each_coupling_twice(spec):
    lay = spec.mux_layout
    assert sorted(lay.pbit_of[lay.pbit_of >= 0].tolist()) == list(range(spec.n))
    assert (lay.pbit_of[: spec.n] >= 0).all() and (lay.pbit_of[spec.n :] == -1).all()
    assert (np.diff(spec.colors[lay.pbit_of[: spec.n]]) >= 0).all()  # color by color
    rng = np.random.default_rng(1)
    j = rng.integers(-30, 30, spec.num_edges)
    rows = stream_rows(spec, j)
    assert rows.shape == (spec.n, lay.slots)
    assert (rows[:, : spec.n] == rows[:, : spec.n].T).all() and (np.diag(rows) == 0).all()
    assert (rows[:, spec.n :] == 0).all()
    for e, (a, b) in enumerate(spec.edges):
        assert rows[lay.slot_of[a], lay.slot_of[b]] == j[e]
    assert lay.period == max(lay.beats, stream_latency(spec.lanes) + 1)
    assert lay.sweep_cycles == (spec.n - 1) * lay.period + lay.beats + lay.latency


def _apply_window(spec, names, values):
    """``(h, weight words)`` after the writes: a model of the TBL_ADDR/TBL_DATA pointer as
    hdl/pbit_stream.py documents it (h, then the row W couplings to a word)."""
    lay = spec.mux_layout
    wb, W = max(spec.h_bits, spec.j_bits), spec.lanes
    h = np.zeros(spec.n, np.int64)
    words = np.zeros((spec.n * lay.beats, W), np.int64)
    slot, col = 0, -1
    for name, v in zip(names, values, strict=True):
        if name == "TBL_ADDR":
            slot, col = v, -1
            continue
        v = v - (1 << wb) if v >> (wb - 1) else v
        if col < 0:
            h[slot] = v
        else:
            words[slot * lay.beats + col // W, col % W] = v
        col += 1
        if col == lay.slots:
            slot, col = slot + 1, -1
    return h, words


@pytest.mark.parametrize("spec", [STREAM_A, STREAM_B], ids=["A", "B"])
def test_window_writes_put_each_row_in_whole_words(spec):
    rng = np.random.default_rng(3)
    h = rng.integers(-(1 << (spec.h_bits - 1)), 1 << (spec.h_bits - 1), spec.n)
    j = rng.integers(-(1 << (spec.j_bits - 1)), 1 << (spec.j_bits - 1), spec.num_edges)
    names, values = window_writes(spec, h, j)
    assert names.count("TBL_ADDR") == 1 and len(names) == 1 + spec.n * (1 + spec.mux_layout.slots)
    mem_h, words = _apply_window(spec, names, values)
    lay = spec.mux_layout
    assert (mem_h == h[lay.pbit_of[: spec.n]]).all()
    assert (words.reshape(spec.n, -1) == stream_rows(spec, j)).all()


def test_packed_words_hold_slots_in_order():
    spec = STREAM_A
    spins = np.where(np.random.default_rng(2).random(spec.n) < 0.5, 1, -1)
    words = pack_spins(spec, spins)
    assert len(words) == spec.state_words == spec.mux_layout.beats == 5
    assert (unpack_spins(spec, np.array(words)) == spins).all()


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        (dict(n=100, dense=True), "n", 'up to 4096 on fabric = "streaming"'),
        (dict(n=100, dense=True, fabric="multiplexed"), "n", "streaming"),
        (dict(n=5000, dense=True, fabric="streaming"), "n", "4096"),
        (dict(n=8, dense=True, fabric="streaming", lanes=48), "lanes", "32"),
        (dict(n=8, dense=True, fabric="streaming", replicas=2), "replicas", "streaming fabric"),
        (dict(n=8, dense=True, fabric="streaming", mode="telegraph"), "mode", "streaming fabric"),
    ],
)
def test_spec_names_what_the_streaming_fabric_takes(kwargs, field, message):
    with pytest.raises(SpecError, match=field) as err:
        PBitNetSpec(**kwargs)
    assert message in str(err.value)


def test_register_map_is_the_multiplexed_one():
    """The same register names as the multiplexed fabric (one driver serves both); a dense
    network of 2,048 p-bits needs no more registers than one of 8."""
    small = PBitNetSpec(n=8, dense=True, fabric="streaming", lanes=8)
    mux = PBitNetSpec(n=8, dense=True, fabric="multiplexed", lanes=8)
    assert [r.name for r in small.regmap.registers] == [r.name for r in mux.regmap.registers]
    big = PBitNetSpec(n=2048, edges=((0, 1),), fabric="streaming", lanes=32)
    assert [r.name for r in big.regmap.registers] == [r.name for r in small.regmap.registers]


# -- golden == RTL ------------------------------------------------------------------------
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(run=_runs(STREAM_A, max_reads=4, max_sweeps=120))
def test_golden_equals_rtl_dense_37_on_8_lanes(run):
    """Extreme weights saturate the field; every schedule kind, clamps, seeds."""
    _golden_equals_rtl(STREAM_A, run)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(run=_runs(STREAM_B, max_reads=4, max_sweeps=120))
def test_golden_equals_rtl_random_graph_smtj_sigmoid_16_lanes(run):
    """Two's-complement tables (no sign symmetry), a 9-bit field, rows mostly zero."""
    _golden_equals_rtl(STREAM_B, run)


@pytest.mark.parametrize("make", [logic.and_gate, logic.full_adder])
def test_boltzmann_tvd_rtl_dense(make):
    """The parallel fabric's TVD bound (< 0.03, statistical ~0.01) on the dense n = 5
    streaming design."""
    assert boltzmann_tvd_rtl(STREAM_C, make()) < 0.03


def test_sweep_takes_a_period_per_slot():
    """Steady state at constant β: a sweep is exactly ``(n - 1) period + beats + latency``
    clocks (counted on the native model)."""
    lay = STREAM_A.mux_layout
    counts = sweep_clocks(STREAM_A, (20, 100))
    assert counts[0] >= 20 * lay.sweep_cycles
    assert counts[1] == 100 * lay.sweep_cycles, (counts, lay.sweep_cycles)
    assert lay.period == 9 and lay.sweep_cycles == 36 * 9 + 5 + 8  # latency 8 (a 2-stage tree)


def test_sampler_rtl_factors_35_on_the_streaming_fabric_as_golden():
    """A 3x3 invertible multiplier with the product clamped to 35 on the streaming fabric:
    the most frequent input pair on the RTL is a factor pair, and the SampleSet equals
    the golden one for the same seed."""
    ss = factors_35_as_golden(dict(fabric="streaming", lanes=8), num_reads=60, num_sweeps=600)
    assert ss.info["fabric"] == "streaming" and ss.info["lanes"] == 8


def test_golden_equals_rtl_512_pbit_dense_glass_over_1e4_sweeps():
    """A Sherrington-Kirkpatrick glass (512 p-bits, all-to-all, +-1 couplings) on 32 lanes:
    every sample of 10,000 annealing sweeps identical."""
    spec = PBitNetSpec(n=512, dense=True, fabric="streaming", lanes=32, j_bits=6, h_bits=6, frac_bits=0)
    rng = np.random.default_rng(12)
    j = rng.choice([-1, 1], spec.num_edges)
    h = np.zeros(spec.n, np.int64)
    beta = BetaRegisters.from_dict(spec.beta_registers("geometric", (0.01, 0.3), 10_000))
    gold, rtl = _both(spec, h, j, num_reads=1, num_sweeps=10_000, beta=beta, seed=99, record="all")
    _assert_same(gold, rtl)
    assert rtl.samples.shape == (1, 10_000, 512)


def test_sampler_picks_streaming_for_dense_graphs_and_reports_it():
    """Above degree 96 the sampler generates the streaming fabric by itself; SampleSet.info
    names it, with its clocks per sweep and emulated time at its reference clock."""
    from spinemu.sim_golden.problems import sherrington_kirkpatrick, to_bqm
    from spinemu.sw.pbit_sampler import STREAM_ABOVE_DEGREE, PBitSampler, choose_fabric

    assert choose_fabric(200, STREAM_ABOVE_DEGREE + 1) == "streaming"
    assert choose_fabric(200, STREAM_ABOVE_DEGREE) == "multiplexed"
    bqm = to_bqm(sherrington_kirkpatrick(STREAM_ABOVE_DEGREE + 2, seed=3))
    with pytest.raises(ValueError, match="97 couplings.*give acc_bits >= 9"):
        PBitSampler().sample(bqm, num_reads=1, num_sweeps=1)  # a 6-bit field cannot hold 98 terms
    sampler = PBitSampler(acc_bits=10)
    spec = sampler.spec_for(bqm)[1]
    assert spec.streaming and spec.lanes == 8
    ss = sampler.sample(bqm, num_reads=2, num_sweeps=5, seed=1)
    assert ss.info["fabric"] == "streaming" and ss.info["clocks_per_sweep"] == spec.mux_layout.sweep_cycles
    fmax_hz = ss.info["reference_fmax_mhz"] * 1e6
    assert ss.info["emulated_seconds"] == pytest.approx(ss.info["clocks"] / fmax_hz)


def test_dense_network_too_large_for_a_board_is_refused_with_the_size_that_fits(tmp_path, capsys):
    """2,048 all-to-all p-bits with 6-bit weights on 32 lanes need 707 BRAM36 by the model:
    too many for a PYNQ-Z2 (140), whose refusal names the largest dense network it holds
    (between the one yosys fitted, 800, and the raw capacity of its blocks at 6 bits per
    coupling) and the boards that fit (the ZCU104: the rows go to its UltraRAM)."""
    import re

    from spinemu.gen.cli import main

    cfg = tmp_path / "sk.toml"
    cfg.write_text(
        'name = "sk"\n[core]\nkind = "pbit"\n[problem]\ntype = "sk"\nn = 2048\n'
        '[pbit]\ndense = true\nfabric = "streaming"\nlanes = 32\nfrac_bits = 0\n'
    )
    assert main(["build", str(cfg), "--board", "pynq-z2", "-o", str(tmp_path / "o"), "--estimate", "no"]) == 2
    err = capsys.readouterr().err
    assert "too large for" in err and "BRAM36" in err and "Traceback" not in err
    found = re.search(r"holds at most ([\d,]+) all-to-all p-bits on 32 lanes", err)
    most = int(found.group(1).replace(",", ""))
    assert 800 <= most <= int((140 * 36 * 1024 / 6) ** 0.5)
    assert "boards it fits: zcu104" in err


def test_cost_model_agrees_with_yosys_and_logic_grows_with_log_n():
    """The model `spinemu build` checks boards with reproduces yosys' counts (xc7) of dense
    networks of 256 and 800 p-bits on 32 lanes (block RAMs exactly: they decide what fits);
    its logic grows with the logarithm of the weight memory's depth: each doubling of n
    from 256 to 4,096 adds a bounded number of LUTs and flip-flops, while block RAM grows
    with n^2."""
    from spinemu.gen.pbit_stream_cost import MEASURED, stream_cost

    for n, (lut, ff, bram) in MEASURED.items():
        spec = PBitNetSpec(n=n, dense=True, fabric="streaming", lanes=32, h_bits=6, j_bits=6)
        model = stream_cost(spec)
        assert model["bram36"] == bram, (n, model)
        assert abs(model["lut"] / lut - 1) < 0.05 and abs(model["ff"] / ff - 1) < 0.05, (n, model)
    spec = PBitNetSpec(n=8, dense=True, fabric="streaming", lanes=32, h_bits=6, j_bits=6)
    costs = [stream_cost(spec, n=n) for n in (256, 512, 1024, 2048, 4096)]
    for a, b in zip(costs[:-1], costs[1:], strict=True):
        assert 0 <= b["lut"] - a["lut"] <= 500 and 0 <= b["ff"] - a["ff"] <= 100, (a, b)
        assert b["bram36"] >= 3.5 * a["bram36"]
