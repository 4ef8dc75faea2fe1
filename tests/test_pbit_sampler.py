"""PBitSampler: dimod conventions, parameters, errors and quantisation reports.

Physics checks use closed forms (two-spin Boltzmann weights in dimod's convention,
single-spin probabilities) with binomial tolerances; the golden/RTL identity of whole
SampleSets is checked on the dense n = 5 design shared with test_pbit_net_rtl.py.
"""

from __future__ import annotations

import dimod
import numpy as np
import pytest
from spinemu.sw import logic
from spinemu.sw.pbit_sampler import PBitSampler

__all__: list[str] = []


def test_dimod_sign_convention_and_constant_beta():
    """dimod: E = h s + J s s.  Two spins, J = -1 (ferromagnetic in dimod), h = 0 at
    constant beta = 1: P(aligned) = e^1 / (e^1 + e^-1) = 0.8808 (final states of
    independent reads; 60 sweeps >> mixing time)."""
    bqm = dimod.BinaryQuadraticModel({"x": 0.0, "y": 0.0}, {("x", "y"): -1.0}, 0.0, dimod.SPIN)
    reads = 4000
    expect = np.e / (np.e + 1 / np.e)
    for auto in (False, True):  # J = -1 as it is, or scaled to the range edge at beta / s
        ss = PBitSampler().sample(
            bqm, num_reads=reads, num_sweeps=60, beta_range=(1.0, 1.0), seed=1, auto_scale=auto
        )
        s = ss.record.sample
        aligned = np.mean(s[:, 0] == s[:, 1])
        assert abs(aligned - expect) < 5 * np.sqrt(expect * (1 - expect) / reads)
        # energies are dimod's, computed from the BQM
        assert np.allclose(ss.record.energy, bqm.energies((s, ss.variables)))
    ss = PBitSampler().sample(bqm, num_reads=4, num_sweeps=6, beta_range=(1, 1), seed=1, auto_scale=False)
    assert np.all(ss.info["beta_used"] == 1.0) and ss.info["beta_max_abs_error"] == 0.0
    # h > 0 in dimod favours s = -1: P(+1) = 1 / (1 + e^{2 beta h}) at beta = 1, h = 0.5
    one = dimod.BinaryQuadraticModel({"z": 0.5}, {}, 0.0, dimod.SPIN)
    ss = PBitSampler().sample(one, num_reads=reads, num_sweeps=5, beta_range=(1, 1), seed=2)
    p = np.mean(ss.record.sample[:, 0] == 1)
    expect = 1 / (1 + np.e)
    assert abs(p - expect) < 5 * np.sqrt(expect * (1 - expect) / reads)


def test_seed_reproducibility_qubo_and_initial_states():
    s = PBitSampler()
    bqm = logic.full_adder()
    a = s.sample(bqm, num_reads=20, num_sweeps=50, seed=7)
    b = s.sample(bqm, num_reads=20, num_sweeps=50, seed=7)
    c = s.sample(bqm, num_reads=20, num_sweeps=50, seed=8)
    assert (a.record.sample == b.record.sample).all()
    assert (a.record.sample != c.record.sample).any()
    # QUBO: x = 1 costs -1, so x = 1 at high beta; results are binary
    q = s.sample_qubo({("x", "x"): -1.0}, num_reads=50, num_sweeps=20, beta_range=(5, 5), seed=1)
    assert q.vartype is dimod.BINARY and set(np.unique(q.record.sample)) <= {0, 1}
    assert q.record.sample.mean() > 0.9
    # zero sweeps return the initial states unchanged
    init = np.array([[1, -1, 1, -1, 1], [-1, -1, -1, 1, 1]])
    ss = s.sample(bqm, num_sweeps=0, initial_states=(init, list(bqm.variables)), seed=3)
    cols = [ss.variables.index(v) for v in bqm.variables]
    assert len(ss) == 2 and (ss.record.sample[:, cols] == init).all()
    # sample_ising from the dimod base class
    si = s.sample_ising({0: 1.0}, {}, num_reads=3, num_sweeps=5, seed=1)
    assert len(si) == 3


def test_errors_name_the_variable_and_the_limit():
    bqm = dimod.BinaryQuadraticModel(
        {0: 0.0, 1: 0.0, 2: 0.0, 3: 0.0}, {(0, 1): 1.0, (2, 3): 1.0}, 0.0, dimod.SPIN
    )
    small = PBitSampler(topology="dense", n=3)
    with pytest.raises(ValueError, match="4 variables but the hardware has 3 p-bits"):
        small.sample(bqm, num_sweeps=1)
    ring = PBitSampler(topology=[(0, 1), (1, 2), (2, 3)], n=4)
    with pytest.raises(ValueError, match=r"coupling \((0, 3|3, 0)\)") as exc:
        ring.sample(dimod.BinaryQuadraticModel({}, {(0, 3): 1.0}, 0.0, dimod.SPIN), num_sweeps=1)
    assert "not in the hardware topology" in str(exc.value)
    with pytest.raises(
        ValueError,
        match=r"h of 'big' is -40.0, outside the hardware range "
        r"\[-16.0, 15.5\]",
    ):
        PBitSampler().sample(dimod.BinaryQuadraticModel({"big": 40.0}, {}, 0, dimod.SPIN), auto_scale=False)
    with pytest.raises(
        ValueError,
        match=r"J of .*'u'.*'v'.* outside the hardware range "
        r"\[-16.0, 15.5\]",
    ):
        PBitSampler().sample(
            dimod.BinaryQuadraticModel({}, {("u", "v"): 17.0}, 0, dimod.SPIN), auto_scale=False
        )
    with pytest.raises(ValueError, match="unknown hardware parameter 'j_width'"):
        PBitSampler(j_width=8)
    with pytest.raises(ValueError, match="beta 1000.0 is outside the hardware range"):
        PBitSampler().sample(logic.and_gate(), beta_range=(1000.0, 1000.0), num_sweeps=2, auto_scale=False)
    with pytest.raises(ValueError, match=r"beta 100000.0 is outside .* \(auto_scale multiplied the biases"):
        PBitSampler().sample(logic.and_gate(), beta_range=(1e5, 1e5), num_sweeps=2)
    with pytest.raises(ValueError, match="auto_scale must be True or False, not 'yes'"):
        PBitSampler().sample(logic.and_gate(), num_sweeps=2, auto_scale="yes")
    with pytest.raises(ValueError, match="variable 'q' is not a p-bit"):
        PBitSampler(topology=logic.and_gate()).sample(
            dimod.BinaryQuadraticModel({"q": 1.0}, {}, 0, dimod.SPIN), num_sweeps=1
        )


def test_quantisation_reported_in_info():
    """h = 0.03 on the 1/16 grid rounds to 0 (error 0.03); J = 0.55 (8.8 steps) rounds to 0.5625."""
    bqm = dimod.BinaryQuadraticModel({"a": 0.03, "b": 0.0}, {("a", "b"): 0.55}, 0, dimod.SPIN)
    ss = PBitSampler(h_bits=10, j_bits=8, frac_bits=4).sample(
        bqm, num_reads=2, num_sweeps=10, beta_range=(0.3, 2.9), beta_schedule_type="linear", seed=0,
        auto_scale=False,
    )
    assert ss.info["h_quantization_max_error"] == pytest.approx(0.03)
    assert ss.info["J_quantization_max_error"] == pytest.approx(0.5625 - 0.55)
    assert ss.info["value_grid"] == 1 / 16 and ss.info["beta_grid"] == 2**-10
    ideal = np.linspace(0.3, 2.9, 10)
    assert np.all(np.abs(ss.info["beta_used"] - ideal) <= 2**-10 + 1e-6)  # truncation onto the grid
    assert ss.info["beta_max_abs_error"] == pytest.approx(np.max(np.abs(ss.info["beta_used"] - ideal)))
    # auto_scale (the default): J = 0.55 becomes the range edge 7.9375 (s = 14.43), h = 0.03
    # becomes 0.433 -> 0.4375: errors in the problem's units shrink by s
    ss = PBitSampler(h_bits=10, j_bits=8, frac_bits=4).sample(
        bqm, num_reads=2, num_sweeps=10, beta_range=(0.3, 2.9), beta_schedule_type="linear", seed=0
    )
    s = ss.info["scale"]
    assert s == pytest.approx(7.9375 / 0.55) and ss.info["J_quantization_max_error"] < 1e-9
    assert ss.info["h_quantization_max_error"] == pytest.approx(abs(round(0.03 * s * 16) / 16 / s - 0.03))
    assert ss.info["value_grid"] == pytest.approx(1 / (16 * s))
    assert ss.info["beta_grid"] == pytest.approx(s * 2**-10)
    assert np.all(np.abs(ss.info["beta_used"] - ideal) <= s * 2**-10 + 1e-6)


def test_hardware_clamp_holds_variables():
    bqm = logic.and_gate()
    ss = PBitSampler().sample(bqm, num_reads=200, num_sweeps=200, beta_range=(1, 1), seed=4, clamp={"s0": 1})
    col = {v: k for k, v in enumerate(ss.variables)}
    s = ss.record.sample
    assert (s[:, col["s0"]] == 1).all()
    # with the output clamped to 1 the only ground state is a0 = b0 = 1
    assert np.mean((s[:, col["a0"]] == 1) & (s[:, col["b0"]] == 1)) > 0.9


def test_config_problem_tables(tmp_path):
    """Config parsing: lattice2d runs on the golden backend; a bad G-set file reports its
    line; unknown problem types and keys are rejected."""
    from spinemu.gen.cli import main
    from spinemu.gen.config import ConfigError, load_config

    cfg = tmp_path / "lat.toml"
    cfg.write_text(
        'name = "lat"\n[core]\nkind = "pbit"\n[problem]\ntype = "lattice2d"\nL = 4\n[anneal]\nbeta = 0.5\n'
    )
    conf = load_config(cfg)
    assert conf.spec.n == 16 and conf.spec.num_edges == 32 and conf.spec.num_colors == 2
    assert main(["sim", str(cfg), "--cycles", "50", "-o", str(tmp_path / "m.npz"), "-q"]) == 0
    assert np.load(tmp_path / "m.npz")["m"].shape == (50, 16)
    (tmp_path / "bad.txt").write_text("3 2\n1 2 1\n1 4 1\n")
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\n[core]\nkind = "pbit"\n[problem]\ntype = "gset"\nfile = "bad.txt"\n')
    with pytest.raises(ConfigError, match=r"line 3: vertex 4 outside 1..3"):
        load_config(bad)
    bad.write_text('name = "bad"\n[core]\nkind = "pbit"\n[problem]\ntype = "torus"\n')
    with pytest.raises(ConfigError, match="problem.type = 'torus' is not allowed"):
        load_config(bad)
    bad.write_text(
        'name = "bad"\n[core]\nkind = "pbit"\n[problem]\ntype = "lattice2d"\nL = 4\n[pbit]\nn = 3\n'
    )
    with pytest.raises(ConfigError, match="unknown key pbit.n"):
        load_config(bad)
    assert main(["sim", str(bad), "-o", str(tmp_path / "x.npz")]) == 2
    # a dimod BQM file keeps dimod's sign convention
    import json

    bqm = dimod.BinaryQuadraticModel({0: 0.5}, {(0, 1): -1.0}, 0, dimod.SPIN)
    (tmp_path / "p.json").write_text(json.dumps(bqm.to_serializable()))
    ok = tmp_path / "bqm.toml"
    ok.write_text('name = "b"\n[core]\nkind = "pbit"\n[problem]\ntype = "bqm-json"\nfile = "p.json"\n')
    conf = load_config(ok)
    f = 1 << conf.spec.frac_bits  # physics convention: h = -0.5, J = +1
    assert list(conf.stimulus["h_q"]) == [-f // 2, 0] and list(conf.stimulus["j_q"]) == [f]


def test_golden_and_rtl_give_identical_samplesets_dense():
    """Custom schedule, clamp, initial states, sample_qubo: identical on both backends."""

    bqm = logic.full_adder()
    bqm.relabel_variables({v: k for k, v in enumerate(bqm.variables)}, inplace=True)
    kw = dict(
        num_reads=30,
        beta_schedule_type="custom",
        beta_schedule=[0.1] * 20 + [0.7] * 30 + [2.0] * 50,
        seed=99,
        clamp={0: 1},
    )
    g = PBitSampler(backend="golden", topology="dense", n=5)
    r = PBitSampler(backend="rtl", topology="dense", n=5)
    ss_r = r.sample(bqm, **kw)
    ss_g = g.sample(bqm, **kw)
    assert (ss_g.record.sample == ss_r.record.sample).all()
    assert (ss_g.record.sample[:, ss_g.variables.index(0)] == 1).all()
    qubo = {(0, 0): -1.0, (0, 1): 2.0, (1, 1): -1.0}
    a = g.sample_qubo(qubo, num_reads=10, num_sweeps=40, seed=1, return_best=True)
    b = r.sample_qubo(qubo, num_reads=10, num_sweeps=40, seed=1, return_best=True)
    assert (a.record.sample == b.record.sample).all() and a.vartype is dimod.BINARY


def _tvd_exact(bqm, beta, samples, variables):
    """Total-variation distance between sample frequencies and exp(-beta E) by enumeration."""
    import itertools

    order = list(bqm.variables)
    col = [list(variables).index(v) for v in order]
    states = np.array(list(itertools.product([-1, 1], repeat=len(order))))
    e = bqm.energies((states, order))
    p = np.exp(-beta * (e - e.min()))
    p /= p.sum()
    idx = {tuple(s): k for k, s in enumerate(states.tolist())}
    q = np.bincount([idx[tuple(r)] for r in samples[:, col].tolist()], minlength=len(states)) / len(samples)
    return 0.5 * np.abs(p - q).sum()


def test_auto_scale_samples_the_boltzmann_distribution_of_huge_biases():
    """J in [-1000, 1000], h in [-500, 500] (six spins, all coupled): auto-scaled onto the
    hardware at beta / s, the samples follow exp(-beta E) of the problem the hardware
    holds (the biases on its grid, back in the problem's units), and a copy divided by
    1000 gives the very same samples (same hardware values, same seed).  Bound:
    multinomial noise 3 sqrt(K / (2 pi N)) = 0.068 for K = 64 states and N = 20,000
    reads, plus 0.02 for the sigmoid table's input grid (beta I on a 1/64 grid moves each
    conditional probability by at most 1/256).  The scale keeps every local field below
    the accumulator's saturation, which would distort the distribution.  Without the
    beta adjustment the samples are nearly uniform (TVD > 0.3)."""
    rng = np.random.default_rng(3)
    n = 6
    big = dimod.BinaryQuadraticModel(
        {k: rng.uniform(-500, 500) for k in range(n)},
        {(a, b): rng.uniform(-1000, 1000) for a in range(n) for b in range(a + 1, n)},
        0.0,
        dimod.SPIN,
    )
    small = big.copy()
    small.scale(1e-3)
    beta = 1 / 700
    sampler = PBitSampler(h_bits=10, j_bits=10, frac_bits=4, beta_mul_frac_bits=16)
    kw = dict(num_reads=20000, num_sweeps=20, seed=11)
    a = sampler.sample(big, beta_range=(beta, beta), **kw)
    b = sampler.sample(small, beta_range=(beta * 1000, beta * 1000), **kw)
    assert a.info["scale"] == pytest.approx(b.info["scale"] / 1000)
    assert np.array_equal(a.record.sample, b.record.sample)
    scale, grid = a.info["scale"], 16.0  # frac_bits = 4
    held = dimod.BinaryQuadraticModel(
        {v: np.round(b * scale * grid) / grid / scale for v, b in big.linear.items()},
        {uv: np.round(b * scale * grid) / grid / scale for uv, b in big.quadratic.items()},
        0.0,
        dimod.SPIN,
    )
    tvd = _tvd_exact(held, beta, a.record.sample, a.variables)
    assert tvd < 0.068 + 0.02, tvd
    # without the adjustment (the problem's beta applied to the scaled biases): far off
    wrong = sampler.sample(big, beta_range=(beta * a.info["scale"],) * 2, **kw)
    assert _tvd_exact(big, beta, wrong.record.sample, wrong.variables) > 0.3
    with pytest.raises(ValueError, match="outside the hardware range"):
        sampler.sample(big, auto_scale=False, num_sweeps=1)
    props = sampler.properties
    assert props["h_range"] == (-32.0, 31.9375) and props["j_range"] == (-32.0, 31.9375)
    assert "auto_scale" in sampler.parameters


def test_any_schedule_runs_host_stepped_when_beta_mult_cannot_hold_it():
    """dwave-samplers' default range over 2 sweeps is a geometric ratio of ~80 per sweep,
    beyond BETA_MULT (u2.30): the host loads beta sweep by sweep, with the same samples as
    that schedule given explicitly, and info says so."""
    bqm = logic.full_adder()
    ss = PBitSampler().sample(bqm, num_reads=50, num_sweeps=2, seed=4)
    assert ss.info["beta_schedule_mode"] == "host-stepped"
    b0, b1 = ss.info["beta_range"]
    custom = PBitSampler().sample(
        bqm, num_reads=50, beta_schedule_type="custom", beta_schedule=[b0, b1], seed=4
    )
    assert np.array_equal(ss.record.sample, custom.record.sample)
    on_chip = PBitSampler().sample(bqm, num_reads=5, num_sweeps=200, seed=4)
    assert on_chip.info["beta_schedule_mode"] == "on-chip"


def test_works_under_dimod_composites():
    """Ocean's composites: dimod's TrackingComposite and dwave-preprocessing's
    SpinReversalTransformComposite (where dimod's moved in 0.10)."""
    from dwave.preprocessing import SpinReversalTransformComposite

    bqm = logic.and_gate()
    tracked = dimod.TrackingComposite(PBitSampler())
    ss = tracked.sample(bqm, num_reads=20, num_sweeps=100, seed=1)
    assert tracked.input["num_reads"] == 20 and len(ss) == 20
    srt = SpinReversalTransformComposite(PBitSampler())
    ss = srt.sample(bqm, num_reads=20, num_sweeps=200, seed=2, num_spin_reversal_transforms=3)
    assert len(ss) == 60 and np.allclose(ss.record.energy, bqm.energies(ss))
    assert ss.first.energy == pytest.approx(min(bqm.energies(ss)))
