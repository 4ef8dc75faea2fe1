"""The compiled (numba) golden kernels against the numpy reference, bit for bit.

Random Specs and runs (hypothesis): every RNG kind and LFSR shape (narrow, wide, leaps
longer than the smallest tap, many taps), saturating accumulators, telegraph devices
with per-p-bit compensation, clamps, every record mode and β schedule, reads chained
through the RNG streams, and the worker count.  Skipped only where numba does not
import (the numpy-only PYNQ venv), which runs the rest of the golden suite instead.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from spinemu.sim_golden.jit import numba_available, resolve_kernel
from spinemu.sim_golden.pbit_net import BetaRegisters, PBitNetGolden
from spinemu.sim_golden.pbit_net_spec import PBitNetSpec, telegraph_fields
from spinemu.sim_golden.rng import LFSR_TAPS, LFSRModel, Xoshiro128ppModel
from spinemu.sim_golden.smtj import SMTJPopulation
from spinemu.sim_golden.validate import SpecError

__all__: list[str] = []

pytestmark = pytest.mark.skipif(not numba_available(), reason="numba is not installed (numpy-only venv)")

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def test_kernel_selection_and_errors(monkeypatch):
    assert resolve_kernel("auto") == "numba"
    monkeypatch.setenv("SPINEMU_KERNEL", "numpy")
    assert resolve_kernel("auto") == "numpy" and resolve_kernel("numba") == "numba"
    monkeypatch.setenv("SPINEMU_KERNEL", "fast")
    with pytest.raises(ValueError, match="SPINEMU_KERNEL must be one of auto, numba, numpy, not 'fast'"):
        resolve_kernel()
    with pytest.raises(ValueError, match="kernel must be one of 'auto', 'numba', 'numpy', not 'jit'"):
        PBitNetGolden(PBitNetSpec(n=2, edges=[(0, 1)]), kernel="jit")


@st.composite
def _lfsr_models(draw):
    width = draw(st.integers(3, 32))
    taps = draw(st.sampled_from([LFSR_TAPS[width], (width,) + tuple(range(1, min(width, 6)))]))
    leap = draw(st.integers(1, width))
    return LFSRModel(width=width, taps=tuple(sorted(set(taps), reverse=True)), leap=leap)


@settings(max_examples=60, **SETTINGS)
@given(model=st.one_of(_lfsr_models(), st.just(Xoshiro128ppModel())), n=st.integers(1, 40),
       count=st.integers(0, 300), seed=st.integers(0, 2**64 - 1), workers=st.integers(1, 3))
def test_rng_generate_matches_numpy(model, n, count, seed, workers):
    """Words and final states of every stream, for any width, taps and leap."""
    from spinemu.sim_golden.rng_kernel import generate_numba

    assume(model.word_bits == 32 or n <= (1 << model.word_bits) - 1)  # distinct streams
    states = model.stream_states(seed, n)
    w1, f1 = model.generate(states, count)
    w2, f2 = generate_numba(model, states, count, num_workers=workers)
    assert np.array_equal(w1, w2) and np.array_equal(f1, f2)


def _graph(draw, n: int) -> tuple:
    k = draw(st.integers(0, 3 * n))
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), min_size=k, max_size=k))
    return tuple({(min(a, b), max(a, b)) for a, b in pairs if a != b})


@st.composite
def _specs(draw):
    n = draw(st.integers(1, 24))
    hw = {}
    hw["h_bits"] = draw(st.integers(2, 8))
    hw["j_bits"] = draw(st.integers(2, 8))
    hw["acc_bits"] = draw(st.one_of(st.none(), st.integers(max(hw["h_bits"], hw["j_bits"]), 10)))
    hw["frac_bits"] = draw(st.integers(0, min(hw["h_bits"], hw["j_bits"]) - 1))
    hw["rng"] = draw(st.sampled_from(["lfsr", "xoshiro128pp"]))
    if hw["rng"] == "lfsr":
        hw["lfsr_width"] = draw(st.sampled_from([8, 16, 20, 32]))
        hw["lfsr_leap"] = draw(st.one_of(st.none(), st.integers(1, hw["lfsr_width"])))
        hw["prob_bits"] = draw(st.integers(2, min(16, hw["lfsr_width"])))
    else:
        hw["prob_bits"] = draw(st.integers(2, 24))
    if draw(st.booleans()):
        pop = SMTJPopulation(
            n=n, delta_spread=0.05, ic_spread=0.1, offset_spread=2e-6, seed=draw(st.integers(0, 9))
        )
        hw.update(telegraph_fields(pop, dt=2e-6), compensation=draw(st.booleans()))
    dense = n <= 8 and draw(st.booleans())
    edges = None if dense else _graph(draw, n)
    try:
        replicas = draw(st.sampled_from([1, 1, 2, 3]))
        return PBitNetSpec(n=n, edges=edges, dense=dense, sample_buffer_depth=0, replicas=replicas, **hw)
    except SpecError:
        assume(False)


@settings(max_examples=80, **SETTINGS)
@given(spec=_specs(), data=st.data())
def test_pbit_net_numba_equals_numpy(spec, data):
    draw = data.draw
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    lo, hi = spec._range(spec.h_bits)
    h = rng.choice([lo, hi, *rng.integers(lo, hi + 1, 3)], spec.n)  # extremes saturate the field
    lo, hi = spec._range(spec.j_bits)
    j = rng.choice([lo, hi, *rng.integers(lo, hi + 1, 3)], spec.num_edges)
    reads, sweeps = draw(st.integers(1, 6)), draw(st.integers(0, 60))
    kind = draw(st.sampled_from(["constant", "linear", "geometric", "custom"]))
    b0, b1 = draw(st.floats(0.01, 6.0)), draw(st.floats(0.01, 6.0))
    if kind == "custom":
        beta = [int(v) for v in rng.choice([spec.beta_to_acc(b0), spec.beta_to_acc(b1), 0], size=sweeps)]
    else:
        try:
            beta = BetaRegisters.from_dict(spec.beta_registers(kind, (b0, b1), max(sweeps, 1)))
        except ValueError:  # a geometric ratio per sweep that BETA_MULT cannot hold
            assume(False)
    kw = dict(
        num_sweeps=sweeps,
        beta=beta,
        num_reads=reads,
        initial_states=rng.choice([-1, 1], (reads, spec.n)),
        clamp_mask=rng.random(spec.n) < draw(st.sampled_from([0.0, 0.3])),
        clamp_values=rng.choice([-1, 1], spec.n),
        record=draw(st.sampled_from(["none", "all", "best"])),
    )
    if spec.compensation:
        olo, ohi = spec._range(spec.offset_bits)
        kw.update(
            gain_q=rng.integers(0, 1 << spec.gain_bits, spec.n), offset_q=rng.integers(olo, ohi + 1, spec.n)
        )
    seed = draw(st.integers(0, 2**64 - 1))
    runs = {}
    for kernel, workers in (("numpy", 1), ("numba", draw(st.integers(1, 3)))):
        g = PBitNetGolden(spec, seed=seed, kernel=kernel)
        first = g.run(h, j, num_workers=workers, **kw)
        second = g.run(h, j, num_sweeps=3, beta=BetaRegisters(spec.beta_to_acc(b1)), num_reads=2)
        runs[kernel] = (first, second, g.states)
    (a1, a2, sa), (b1_, b2, sb) = runs["numpy"], runs["numba"]
    for x, y in ((a1, b1_), (a2, b2)):
        assert x.beta_acc == y.beta_acc
        for name in ("states", "samples", "best_states", "best_energies"):
            u, v = getattr(x, name), getattr(y, name)
            assert (u is None) == (v is None), name
            if u is not None:
                diff = np.argwhere(np.asarray(u) != np.asarray(v))
                assert not diff.size, f"{name}: first mismatch at {tuple(diff[0])} ({len(diff)} in all)"
    assert np.array_equal(sa, sb)  # the streams continue from the same place


def test_pbit_net_results_do_not_depend_on_workers():
    """64 reads of a 12x12 lattice: 1, 2 and 4 threads give the same samples."""
    from spinemu.sim_golden.problems import lattice_2d

    p = lattice_2d(12)
    spec = PBitNetSpec(n=p.n, edges=tuple(map(tuple, p.edges.tolist())))
    j = spec.quantize(np.ones(spec.num_edges), spec.j_bits, "J")
    beta = BetaRegisters.from_dict(spec.beta_registers("geometric", (0.1, 2.0), 50))
    out = [
        PBitNetGolden(spec, seed=5).run(np.zeros(spec.n, int), j, num_sweeps=50, beta=beta, num_reads=64,
                                        record="all", num_workers=w).samples
        for w in (1, 2, 4)
    ]
    assert out[0].std() > 0 and all(np.array_equal(out[0], o) for o in out[1:])
    with pytest.raises(ValueError, match="num_workers must be an integer >= 1, not 0"):
        PBitNetGolden(spec).run(np.zeros(spec.n, int), j, num_sweeps=1, beta=beta, num_workers=0)


def test_pbit_array_numba_equals_numpy():
    """The p-bit array's samples through both RNG paths, over two calls (state carried)."""
    from spinemu.sim_golden.pbit_array import PBitArrayGolden
    from spinemu.sim_golden.pbit_spec import PBitArraySpec

    for rng in ("lfsr", "xoshiro128pp"):
        spec = PBitArraySpec(n=6, rng=rng)
        i_q = np.array([-100, -3, 0, 2, 7, 100])
        a = PBitArrayGolden(spec, seed=9, kernel="numpy")
        b = PBitArrayGolden(spec, seed=9, kernel="numba", num_workers=2)
        for samples in (500, 37):
            sa, sb = a.run(i_q, samples), b.run(i_q, samples)
            assert sa.std() > 0 and np.array_equal(sa, sb)
        assert np.array_equal(a.states, b.states)


@st.composite
def _reservoirs(draw):
    from spinemu.sim_golden.reservoir_spec import REG_NAMES, ReservoirSpec

    spec = ReservoirSpec(
        n_virtual=draw(st.integers(2, 24)),
        feedback_offset=draw(st.integers(0, 5)),
        mask_kind=draw(st.sampled_from(["binary", "real"])),
        state_frac_bits=draw(st.sampled_from([8, 16, 24, 30])),
        readout=False,
    )
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    regs = {}
    for name in REG_NAMES:  # random values, extremes included, for a random subset
        reg = spec.regmap[name]
        lo, hi = spec.signed_range(reg.width) if reg.signed else (0, (1 << reg.width) - 1)
        if draw(st.booleans()):
            regs[name] = int(rng.choice([lo, hi, rng.integers(lo, hi + 1)]))
    lo, hi = spec.signed_range(spec.mask_bits)
    mask = rng.integers(lo, hi + 1, spec.n_virtual) if draw(st.booleans()) else None
    return spec, regs, mask, rng


@settings(max_examples=60, **SETTINGS)
@given(case=_reservoirs(), lengths=st.lists(st.integers(0, 40), min_size=1, max_size=3))
def test_reservoir_numba_equals_numpy(case, lengths):
    """Random formats, registers (saturating extremes), masks and inputs, over several
    calls that carry the delay line (short calls leave it partly from earlier calls)."""
    from spinemu.sim_golden.reservoir_fixed import ReservoirFixed

    spec, regs, mask, rng = case
    a = ReservoirFixed(spec, mask_q=mask, regs=regs, kernel="numpy")
    b = ReservoirFixed(spec, mask_q=mask, regs=regs, kernel="numba")
    lo, hi = spec.signed_range(spec.input_bits)
    for t in lengths:
        u = rng.choice([lo, hi, *rng.integers(lo, hi + 1, 4)], t)
        xa, xb = a.run(u), b.run(u)
        diff = np.argwhere(xa != xb)
        assert not diff.size, f"first mismatch at {tuple(diff[0])} ({len(diff)} in all)"
    assert a.p == b.p and a.count == b.count and np.array_equal(a._hist, b._hist)
    assert a._w == b._w and np.array_equal(a._maps, b._maps) and np.array_equal(a._pairs, b._pairs)


@settings(max_examples=60, **SETTINGS)
@given(n=st.integers(2, 40), levels=st.sampled_from([2, 4, 16, 64]), seed=st.integers(0, 2**32 - 1),
       mode=st.sampled_from(["async", "sync"]), max_sweeps=st.integers(1, 30))
def test_hopfield_numba_equals_numpy(n, levels, seed, mode, max_sweeps):
    """Random level matrices (asymmetric, saturated), cues and order seeds: every state,
    flip count and flag of repeated recalls, and the order LFSR after them."""
    from spinemu.sim_golden.hopfield_fixed import HopfieldFixed
    from spinemu.sim_golden.hopfield_spec import HopfieldSpec

    spec = HopfieldSpec(n_neurons=n, n_levels=levels)
    rng = np.random.default_rng(seed)
    lm = spec.level_max
    d = rng.integers(-lm, lm + 1, (n, n))
    cores = [HopfieldFixed(spec, kernel=k) for k in ("numpy", "numba")]
    for core in cores:
        core._set_levels(d.copy())
        core.load_order_seed(int(rng.integers(1, 1 << 16)) if core is cores[0] else cores[0].lfsr_state)
    for _ in range(3):
        cue = rng.choice([-1, 1], n)
        out = []
        for core in cores:
            core.load_state(cue)
            out.append(core.recall(mode, max_sweeps))
        a, b = out
        assert np.array_equal(a.states, b.states) and np.array_equal(a.flips, b.flips)
        assert (a.converged, a.cycle2) == (b.converged, b.cycle2)
        assert cores[0].lfsr_state == cores[1].lfsr_state


@settings(max_examples=60, **SETTINGS)
@given(n=st.integers(1, 60), data=st.data())
def test_compiled_dsatur_gives_the_same_colors(n, data):
    """The compiled DSATUR (used from 20,000 vertices) against the Python one on random
    graphs with duplicate and reversed edges: the same heap order, the same colors."""
    from spinemu.sim_golden import coloring

    k = data.draw(st.integers(0, 4 * n))
    vertex = st.integers(0, n - 1)
    pairs = data.draw(st.lists(st.tuples(vertex, vertex), min_size=k, max_size=k))
    e = np.array([p for p in pairs if p[0] != p[1]], dtype=np.int64).reshape(-1, 2)
    want = coloring.dsatur(n, e)
    saved, coloring.COMPILED_FROM = coloring.COMPILED_FROM, 0
    try:
        got = coloring.dsatur(n, e)
    finally:
        coloring.COMPILED_FROM = saved
    assert np.array_equal(got, want) and coloring.is_proper_coloring(e, got)
