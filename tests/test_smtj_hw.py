"""SMTJ-calibrated hardware p-bits: smtj sigmoid LUTs, compensation registers, telegraph mode.

Golden-only tests check the tables and the fixed-point arithmetic against
independently written formulas (REFERENCE.md section 1: Neel-Arrhenius dwell times,
exact two-state Markov transition probabilities; exact rational arithmetic for the
compensation address).  The RTL tests use one small design, ``SPEC_AND``: the AND
gate's triangle with three *different* emulated SMTJs (an ``SMTJPopulation`` with
spread), telegraph mode and compensation registers; it is driven only through its
AXI4-Lite registers and its ``sample`` stream (native Verilator model, cached build).
The same Spec is what :class:`~spinemu.sw.pbit_sampler.PBitSampler` builds for the AND
gate with these hardware fields, so the sampler test reuses the build.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from spinemu.sim_golden.calibration import SigmoidFit, calibrate_device, calibrate_population, compensation
from spinemu.sim_golden.pbit_array import PBitArrayGolden
from spinemu.sim_golden.pbit_net import BetaRegisters, PBitNetGolden
from spinemu.sim_golden.pbit_net_spec import PBitMode, PBitNetSpec, telegraph_fields
from spinemu.sim_golden.pbit_net_tables import rewrite_clocks
from spinemu.sim_golden.pbit_spec import PBitArraySpec, smtj_sigmoid_fields
from spinemu.sim_golden.smtj import SMTJ, SMTJPopulation
from spinemu.sim_golden.validate import SpecError

__all__: list[str] = []

I0 = 1e-5  # ic / delta of the nominal device (100 uA / 10): the current_unit
DT = 1.5e-6  # emulated seconds per sweep; tau_c(0) = tau0 e^10 / 2 = 11 us, so tau_c/dt ~ 7
POP = SMTJPopulation(n=3, delta_spread=0.05, ic_spread=0.1, offset_spread=3e-6, seed=7)
EDGES = ((0, 1), (0, 2), (1, 2))
HW = dict(compensation=True, sample_buffer_depth=0, **telegraph_fields(POP, dt=DT))
SPEC_AND = PBitNetSpec(n=3, edges=EDGES, **HW)

# AND gate (REFERENCE.md section 3), physics convention E = -(h.m + sum J m m)
H_AND = np.array([1, 1, -2])
J_AND = {(0, 1): -1, (0, 2): 2, (1, 2): 2}


def _and_exact(beta=1.0):
    states = np.array(list(itertools.product([-1, 1], repeat=3)))
    e = -(states @ H_AND + sum(w * states[:, i] * states[:, j] for (i, j), w in J_AND.items()))
    p = np.exp(-beta * e)
    return p / p.sum()


def _and_q(spec):
    scale = 1 << spec.frac_bits
    return H_AND * scale, np.array([J_AND[e] * scale for e in spec.edges])


def _tvd(samples, p_exact):
    idx = ((np.asarray(samples) > 0) * np.array([4, 2, 1])).sum(-1).ravel()
    f = np.bincount(idx, minlength=8) / idx.size
    return 0.5 * float(np.abs(f - p_exact).sum())


# -- independent device formulas (REFERENCE.md section 1) ------------------------------
def _taus(tau0, delta, ic, offset, i):
    x = (np.asarray(i, float) - offset) / ic
    return tau0 * np.exp(delta * (1 - x)), tau0 * np.exp(delta * (1 + x))


def _device_formulas(k, i):
    """``(p_AP, tau_c)`` of population device ``k`` at current ``i`` from the dwell times."""
    tp, tap = _taus(POP.nominal.tau0, POP.deltas[k], POP.ics[k], POP.offsets[k], i)
    return tap / (tp + tap), 1.0 / (1.0 / tp + 1.0 / tap)


# -- sigmoid = "smtj" ------------------------------------------------------------------
def test_smtj_sigmoid_luts_follow_the_calibrated_device():
    dev = SMTJ(delta=8.0, ic=80e-6, offset=2e-6)
    fit = calibrate_device(dev, np.linspace(-3, 3, 25) * dev.ic / dev.delta, t_end=0.05, seed=5)
    # fit within 5 sigma of the injected sigmoid (slope delta / ic, centre = offset)
    assert abs(fit.centre - 2e-6) < 5 * fit.centre_err
    assert abs(fit.slope - dev.delta / dev.ic) < 5 * fit.slope_err
    kw = smtj_sigmoid_fields(fit, current_unit=I0)
    arr = PBitArraySpec(n=2, beta=0.5, **kw)
    net = PBitNetSpec(n=2, edges=((0, 1),), **kw)
    # every entry is the fitted curve at I_dev = beta I current_unit, to half an LSB
    for spec, x, frac in (
        (arr, 0.5 * np.arange(-128, 128) / 16, arr.input_frac_bits),
        (net, np.arange(-512, 512) / 64, net.lut_frac_bits),
    ):
        p = 0.5 * (1 + np.tanh(fit.slope * (x * I0 - fit.centre)))
        idx = np.round(x / (0.5 if spec is arr else 1.0) * (1 << frac)).astype(np.int64)
        want = np.clip(p * (1 << spec.prob_bits), 1, (1 << spec.prob_bits) - 1)
        assert np.max(np.abs(spec.lut[idx & ((1 << len(spec.lut).bit_length() - 1) - 1)] - want)) <= 0.5
    assert arr.input_lsb == pytest.approx(0.5 * I0 / 16)
    assert net.input_lsb == pytest.approx(I0 / 64)
    # a centred fit with current_unit = 1/slope is exactly the tanh table
    ideal = SigmoidFit(centre=0.0, slope=2e5, centre_err=0.0, slope_err=0.0, n_points=3)
    assert np.array_equal(
        PBitNetSpec(n=1, edges=(), **smtj_sigmoid_fields(ideal)).lut, PBitNetSpec(n=1, edges=()).lut
    )
    # the array primitive samples the device: P(+1) at I = 1 (I_dev = 5 uA) within 4 sigma
    m = PBitArrayGolden(arr, seed=3).run(arr.quantize_inputs([1.0, -1.0]), 40000)
    p_dev = dev.p_ap(np.array([0.5, -0.5]) * I0)
    freq = (np.asarray(m) > 0).mean(axis=0)
    assert np.all(
        np.abs(freq - p_dev) < 4 * np.sqrt(p_dev * (1 - p_dev) / 40000) + 5 * fit.centre_err * fit.slope
    )
    with pytest.raises(SpecError, match="sigmoid_slope"):
        PBitArraySpec(n=1, sigmoid="smtj", sigmoid_slope=-1.0)


# -- telegraph tables ------------------------------------------------------------------
def test_telegraph_tables_are_the_exact_markov_flip_probabilities():
    spec = SPEC_AND
    t_p, t_ap = spec.telegraph_luts
    assert t_p.shape == (3, 1 << spec.lut_bits) and not spec.telegraph_shared
    a = np.arange(1 << spec.lut_bits)
    signed = np.where(a >= 1 << (spec.lut_bits - 1), a - (1 << spec.lut_bits), a)
    i_dev = signed / 64 * I0
    scale = 1 << spec.prob_bits
    for k in range(3):
        p_ap, tau_c = _device_formulas(k, i_dev)
        leave = 1 - np.exp(-DT / tau_c)
        for table, p in ((t_p[k], p_ap * leave), (t_ap[k], (1 - p_ap) * leave)):
            want = np.clip(p * scale, 1, scale - 1)  # never frozen: clamp to [1, 2**pb - 1]
            assert np.max(np.abs(table - want)) <= 0.5
    # one device for all p-bits -> one shared pair of tables
    shared = PBitNetSpec(n=4, edges=((0, 1),), **telegraph_fields(SMTJ(), dt=DT))
    assert shared.telegraph_shared and shared.telegraph_luts[0].shape[0] == 1
    assert shared.mode is PBitMode.TELEGRAPH and PBitNetSpec.from_dict(SPEC_AND.to_dict()) == SPEC_AND
    with pytest.raises(SpecError, match=r"smtj_delta\[1\]"):
        PBitNetSpec(n=2, edges=(), mode="telegraph", smtj_delta=(10.0, -1.0))
    with pytest.raises(SpecError, match="smtj_ic"):
        PBitNetSpec(n=2, edges=(), smtj_ic=(1e-4,))
    with pytest.raises(SpecError, match="mode"):
        PBitNetSpec(n=2, edges=(), mode="analog")


def test_isolated_telegraph_pbit_golden_matches_device():
    """Quick golden check of mean state and lag-1 correlation of one device (coarse)."""
    spec = PBitNetSpec(n=1, edges=(), **telegraph_fields(SMTJ(), dt=4e-6))
    s = (
        PBitNetGolden(spec, seed=2)
        .run([1 << (spec.frac_bits - 1)], [], num_sweeps=25000, beta=BetaRegisters(spec.beta_to_acc(1.0)),
             record="all")
        .samples[0, :, 0]
        .astype(float)
    )
    tp, tap = _taus(1e-9, 10.0, 1e-4, 0.0, 0.5 * I0)
    p, tc = tap / (tp + tap), 1 / (1 / tp + 1 / tap)
    lam = math.exp(-4e-6 / tc)
    # var of the mean of a two-state chain: p(1-p)/N (1+lam)/(1-lam); 5 sigma
    assert abs((s > 0).mean() - p) < 5 * math.sqrt(p * (1 - p) / s.size * (1 + lam) / (1 - lam))
    # P(flip) per step from P and from AP are the exact Markov ones, binomial 5 sigma
    up = (s[:-1] < 0) & (s[1:] > 0)
    n_p = (s[:-1] < 0).sum()
    want = p * (1 - lam)
    assert abs(up.sum() / n_p - want) < 5 * math.sqrt(want * (1 - want) / n_p)


# -- compensation arithmetic -------------------------------------------------------------
def test_compensated_address_is_exact_rational_rounding():
    spec = PBitNetSpec(n=4, edges=((0, 1), (2, 3)), compensation=True, gain_bits=12, gain_frac_bits=9)
    rng = np.random.default_rng(4)
    lo, hi = spec.acc_range
    field = rng.integers(lo, hi + 1, 4000)
    gain = rng.integers(0, 1 << spec.gain_bits, 4000)
    off = rng.integers(-(1 << (spec.offset_bits - 1)), 1 << (spec.offset_bits - 1), 4000)
    for beta_m in (1 << spec.beta_mul_frac_bits, 737, 5000):
        addr = spec.lut_address(field, beta_m, gain, off)
        llo, lhi = spec._range(spec.lut_bits)
        for k in range(0, 4000, 7):
            # x = GAIN beta I + OFFSET in LUT units, rounded half up once, saturated
            x = (
                Fraction(int(gain[k]), 1 << spec.gain_frac_bits)
                * Fraction(beta_m, 1 << spec.beta_mul_frac_bits)
                * Fraction(int(field[k]), 1 << spec.frac_bits)
                + Fraction(int(off[k]), 1 << spec.offset_frac_bits)
            ) * (1 << spec.lut_frac_bits)
            want = min(max(math.floor(x + Fraction(1, 2)), llo), lhi) & ((1 << spec.lut_bits) - 1)
            assert addr[k] == want, (field[k], gain[k], off[k], beta_m)
        # reset values (gain 1, offset 0) give the uncompensated address
        plain = PBitNetSpec(n=4, edges=((0, 1), (2, 3)))
        assert np.array_equal(spec.lut_address(field, beta_m), plain.lut_address(field, beta_m))
    # the register helper: quantised map, range errors name the p-bit
    g, o = spec.compensation_registers(([1.0, 0.5, 2.0, 1.25], [0.0, 1e-6, -2.5e-6, 3.3e-6]))
    assert g.tolist() == [512, 256, 1024, 640]
    assert o.tolist() == [0, round(0.1 * 256), round(-0.25 * 256), round(0.33 * 256)]
    with pytest.raises(ValueError, match="gain of p-bit 2"):
        spec.compensation_registers(([1.0, 1.0, 9.0, 1.0], [0.0] * 4))
    with pytest.raises(ValueError, match="offset of p-bit 0"):
        spec.compensation_registers(([1.0] * 4, [1e-3, 0, 0, 0]))
    with pytest.raises(ValueError, match="compensation"):
        PBitNetSpec(n=1, edges=()).compensation_registers(([1.0], [0.0]))


def _calibrated_registers():
    fits = calibrate_population(POP, np.linspace(-2.5, 2.5, 21) * I0, t_end=0.05, seed=3)
    # fits agree with the injected device sigmoids (slope delta/ic, centre offset), 5 sigma
    for k, f in enumerate(fits):
        assert abs(f.slope - POP.deltas[k] / POP.ics[k]) < 5 * f.slope_err
        assert abs(f.centre - POP.offsets[k]) < 5 * f.centre_err
    return SPEC_AND.compensation_registers(compensation(fits, target_slope=1 / I0))


def test_and_gate_with_device_spread_needs_compensation():
    """TVD to the exact AND distribution at beta = 1, telegraph p-bits with spread.

    Tolerance: 400 reads x 1800 kept sweeps; the chain decorrelates in ~tens of sweeps,
    so >= 1e4 effective samples and the TVD noise is ~sum_s sqrt(p_s / (2 pi N)) < 0.01
    (the compensated value measured ~0.005, well inside 0.02).
    """
    gq, oq = _calibrated_registers()
    assert not np.all(gq == SPEC_AND.gain_one)
    h, j = _and_q(SPEC_AND)
    p = _and_exact(1.0)
    beta = BetaRegisters(SPEC_AND.beta_to_acc(1.0))
    res = {}
    for name, kw in (("compensated", dict(gain_q=gq, offset_q=oq)), ("raw", {})):
        run = PBitNetGolden(SPEC_AND, seed=11).run(
            h, j, num_sweeps=2000, beta=beta, num_reads=400, record="all", **kw
        )
        res[name] = _tvd(run.samples[:, 200:], p)
    print(
        f"AND gate TVD with device spread: compensated {res['compensated']:.4f}, "
        f"uncompensated {res['raw']:.4f}"
    )
    assert res["compensated"] < 0.02
    assert res["raw"] > res["compensated"] + 0.05


# -- RTL -----------------------------------------------------------------------------------
def _model(spec):
    from spinemu.sw.pbit_sampler import _native_model

    return _native_model(spec)


def _rtl(spec, h, j, *, sweeps, seed=None, init=None, gain_q=None, offset_q=None, clamp=None):
    """Spins after every sweep, driven over the bus only."""
    from spinemu.sw.mmio import VerilatorMMIO
    from spinemu.sw.pbit_sampler import PBitNetDriver, _unpack

    model = _model(spec)
    model.reset()
    drv = PBitNetDriver(VerilatorMMIO(model), spec)
    drv.load_problem(h, j)
    if spec.compensation:  # a memory: reset does not restore it, so always write it
        if gain_q is None:
            gain_q, offset_q = np.full(spec.n, spec.gain_one), np.zeros(spec.n, np.int64)
        drv.set_compensation(gain_q, offset_q)
    if clamp is not None:
        drv.set_clamp(*clamp)
    if seed is not None:
        drv.load_seed(seed)
    drv.set_schedule(BetaRegisters(spec.beta_to_acc(1.0)))
    drv.load_state(-np.ones(spec.n) if init is None else init)
    model.record("sample", "sample_valid", sweeps)
    drv.sweep(sweeps)
    # constant beta: the tables are rewritten at most twice (reset, compensation write)
    model.run_until_recorded(sweeps, max_cycles=sweeps * spec.num_colors + 2 * rewrite_clocks(spec) + 1000)
    return _unpack(model.stop_recording(), spec.n)


def _golden(spec, h, j, *, sweeps, seed=None, init=None, gain_q=None, offset_q=None, clamp=None):
    kw = {} if clamp is None else dict(clamp_mask=clamp[0], clamp_values=clamp[1])
    return (
        PBitNetGolden(spec, seed=seed)
        .run(
            h,
            j,
            num_sweeps=sweeps,
            beta=BetaRegisters(spec.beta_to_acc(1.0)),
            record="all",
            initial_states=init,
            gain_q=gain_q,
            offset_q=offset_q,
            **kw,
        )
        .samples[0]
    )


def _weights(rng, bits, size):
    """Random raw ``bits``-bit two's-complement values; the first two are the extremes."""
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    out = rng.integers(lo, hi + 1, size)
    out[:2] = [lo, hi][: min(2, size)]
    return out


def _assert_same(g, r):
    diff = np.argwhere(g != r)
    assert not diff.size, (
        f"first mismatch at sweep/p-bit {tuple(diff[0])}: golden {g[tuple(diff[0])]}, rtl {r[tuple(diff[0])]}"
    )


def test_telegraph_golden_equals_rtl_with_compensation_registers():
    gq, oq = _calibrated_registers()
    h, j = _and_q(SPEC_AND)
    rng = np.random.default_rng(1)
    cases = [
        dict(sweeps=4000, gain_q=gq, offset_q=oq, seed=12345),
        dict(sweeps=3000),  # reset state: gain 1, offset 0, baked-in seed
        # extreme registers saturate the address; a clamped p-bit; random problem
        dict(
            sweeps=2000,
            gain_q=np.array([4095, 0, 1500]),
            offset_q=np.array([-2048, 2047, 300]),
            seed=7,
            init=np.array([1, -1, 1]),
            clamp=(np.array([False, True, False]), np.array([1, 1, -1])),
        ),
    ]
    hr = _weights(rng, SPEC_AND.h_bits, 3)
    jr = _weights(rng, SPEC_AND.j_bits, 3)
    for k, case in enumerate(cases):
        hh, jj = (hr, jr) if k == 2 else (h, j)
        g = _golden(SPEC_AND, hh, jj, **case)
        r = _rtl(SPEC_AND, hh, jj, **case)
        _assert_same(g, r)
        assert 0 < (g > 0).mean() < 1 or k == 2


# shared-device telegraph tables (one multi-port ROM pair), leaped LFSR
SPEC_RING = PBitNetSpec(
    n=4,
    edges=((0, 1), (1, 2), (2, 3), (0, 3)),
    rng="lfsr",
    lfsr_width=24,
    sample_buffer_depth=0,
    **telegraph_fields(SMTJ(delta=6.0, ic=60e-6, offset=1e-6), dt=3e-7),
)
# ideal mode with a calibrated-SMTJ sigmoid LUT and compensation registers
SPEC_SMTJ = PBitNetSpec(
    n=4,
    edges=((0, 1), (1, 2), (2, 3)),
    compensation=True,
    gain_bits=10,
    gain_frac_bits=7,
    offset_frac_bits=5,
    sample_buffer_depth=0,
    **smtj_sigmoid_fields(
        SigmoidFit(centre=1.5e-6, slope=1.1e5, centre_err=0, slope_err=0, n_points=9), current_unit=I0
    ),
)


def test_shared_telegraph_and_smtj_sigmoid_designs_golden_equals_rtl():
    from spinemu.sw.pbit_sampler import run_network

    rng = np.random.default_rng(8)
    _model(SPEC_RING)
    h = _weights(rng, SPEC_RING.h_bits, 4)
    j = _weights(rng, SPEC_RING.j_bits, 4)
    beta = BetaRegisters.from_dict(SPEC_RING.beta_registers("linear", (0.2, 2.0), 500))
    kw = dict(num_sweeps=500, beta=beta, num_reads=3, seed=99, record="all")
    g = run_network(SPEC_RING, h, j, backend="golden", **kw)
    r = run_network(SPEC_RING, h, j, backend="rtl", **kw)
    _assert_same(g.samples, r.samples)
    assert SPEC_RING.telegraph_shared and 0 < (g.samples > 0).mean() < 1
    # ideal mode, smtj LUT, compensation registers with random values
    h = _weights(rng, SPEC_SMTJ.h_bits, 4)
    j = _weights(rng, SPEC_SMTJ.j_bits, 3)
    gq = rng.integers(0, 1 << SPEC_SMTJ.gain_bits, 4)
    oq = rng.integers(-(1 << (SPEC_SMTJ.offset_bits - 1)), 1 << (SPEC_SMTJ.offset_bits - 1), 4)
    for case in (dict(gain_q=gq, offset_q=oq, seed=5), dict()):
        _assert_same(
            _golden(SPEC_SMTJ, h, j, sweeps=2000, **case), _rtl(SPEC_SMTJ, h, j, sweeps=2000, **case)
        )


def _lag_corr(x, k):
    x = x - x.mean()
    return float(np.dot(x[:-k], x[k:]) / np.dot(x, x))


def test_rtl_telegraph_autocorrelation_and_mean_match_device_formulas():
    """Three isolated devices (J = 0) at three currents each, measured on the RTL.

    Estimators and the samples they need for 5 % (taken as 4 sigma, i.e. 1.25 % rel.):

    * ``tau_c`` from the lag-k autocorrelation r_k = exp(-k dt / tau_c), k ~ T = tau_c/dt.
      Bartlett's formula for an AR(1)-correlated series (the two-state chain's
      autocorrelation is exactly geometric) gives var(r_k) ~ 0.594 T / N at k = T, and
      d tau / tau = d r / (r |ln r|) = e d r, so N >= 0.594 T (4 e / 0.05)**2 = 28100 T.
    * ``p_AP`` from the time average: var = p (1 - p) / N (1 + l) / (1 - l), l = e^(-1/T),
      so N >= 2 T (1 - p) / (p 0.0125**2).
    The run length is the largest of these over devices and currents (~1e6 sweeps).
    """
    spec = SPEC_AND
    currents = np.array([-0.5, 0.0, 0.5])  # in units of current_unit (h on the LUT grid at beta = 1)
    need = 0
    for k in range(3):
        p, tc = _device_formulas(k, currents * I0)
        t = tc / DT
        need = max(need, int(np.max(28100 * t)), int(np.max(2 * t * (1 - p) / (p * 0.0125**2))))
    sweeps = need + 1000
    j0 = np.zeros(spec.num_edges, np.int64)
    first = None
    for shift in range(3):  # device k sees current (k + shift) % 3
        cur = np.roll(currents, -shift)
        h = (cur * (1 << spec.frac_bits)).astype(np.int64)
        s = _rtl(spec, h, j0, sweeps=sweeps, seed=100 + shift).astype(float)
        if first is None:
            first = (h, s[:3000])
        for k in range(3):
            p, tc = _device_formulas(k, cur[k] * I0)
            x = s[1000:, k]
            lag = max(1, round(tc / DT))
            tau_hat = -lag * DT / math.log(_lag_corr(x, lag))
            p_hat = (x > 0).mean()
            print(
                f"device {k} I = {cur[k] * I0 * 1e6:+.1f} uA: tau_c rtl/formula {tau_hat / tc:.4f} "
                f"(tau_c = {tc * 1e6:.2f} us), p_AP rtl/formula {p_hat / p:.4f} (p_AP = {p:.3f}), "
                f"{x.size} sweeps"
            )
            assert abs(tau_hat / tc - 1) < 0.05, (k, cur[k], tau_hat, tc)
            assert abs(p_hat / p - 1) < 0.05, (k, cur[k], p_hat, p)
    # and those RTL samples are the golden twin's
    h, s = first
    _assert_same(_golden(spec, h, j0, sweeps=3000, seed=100).astype(float), s)


def test_sampler_passes_telegraph_fields_and_backends_agree():
    from spinemu.sw.logic import and_gate
    from spinemu.sw.pbit_sampler import PBitSampler

    _model(SPEC_AND)
    out = []
    for backend in ("golden", "rtl"):
        # per-device tuples need the topology up front (n = 3 p-bits)
        sampler = PBitSampler(backend=backend, topology=and_gate(), **HW)
        assert sampler.spec_for(and_gate())[1] == SPEC_AND
        ss = sampler.sample(and_gate(), num_reads=4, num_sweeps=300, beta_range=(1.0, 1.0), seed=9)
        out.append(np.asarray(ss.record.sample))
    assert np.array_equal(out[0], out[1])


def test_example_config_builds_a_telegraph_network():
    from pathlib import Path

    from spinemu.gen.config import load_config
    from spinemu.gen.core_pbit import run

    cfg = load_config(Path(__file__).resolve().parent.parent / "examples" / "smtj_network.toml")
    spec = cfg.spec
    assert spec.mode is PBitMode.TELEGRAPH and spec.compensation and spec.telegraph_shared
    assert spec.n == 16 and spec.telegraph_dt == 2e-6
    out = run(spec, cfg.stimulus, 50, seed=1, backend="golden")
    m = np.asarray(out["m"])
    assert m.shape == (50, 16) and set(np.unique(m)) <= {-1, 1}
    # a bad device value in a config is a SpecError naming the field
    with pytest.raises(SpecError, match="smtj_delta"):
        PBitNetSpec(n=2, edges=(), smtj_delta=[10.0])


def test_sampler_applies_compensation_identically_on_golden_and_rtl():
    """PBitSampler(compensation=...) writes GAIN/OFFSET on the RTL and passes them to the
    golden model: identical SampleSets, and the registers change the samples."""
    from spinemu.sw.logic import and_gate
    from spinemu.sw.pbit_sampler import PBitSampler

    bqm = and_gate()
    gq, oq = _calibrated_registers()
    kw = dict(num_reads=30, num_sweeps=60, beta_range=(1.0, 1.0), seed=3)
    golden = PBitSampler(backend="golden", topology=bqm, **HW)
    rtl = PBitSampler(backend="rtl", topology=bqm, **HW)
    _model(rtl.spec_for(bqm)[1])
    comp = golden.sample(bqm, compensation=(gq, oq), **kw)
    assert (comp.record.sample == rtl.sample(bqm, compensation=(gq, oq), **kw).record.sample).all()
    plain = golden.sample(bqm, **kw)
    assert not (plain.record.sample == comp.record.sample).all()
    with pytest.raises(ValueError, match="compensation = true"):
        PBitSampler(backend="golden").sample(bqm, compensation=(gq, oq), **kw)


def test_array_primitive_with_smtj_sigmoid_is_bit_exact_on_rtl():
    """The array primitive built with a calibrated SMTJ table (shifted centre, its own
    slope): the RTL equals the golden model sample for sample, and the table is not tanh."""
    from spinemu.sw.pbit_array import simulate_pbit_array

    fit = SigmoidFit(centre=3e-6, slope=9.0e4, centre_err=0.0, slope_err=0.0, n_points=21)
    spec = PBitArraySpec(n=3, input_bits=6, input_frac_bits=2, prob_bits=12,
                         **smtj_sigmoid_fields(fit, current_unit=I0))
    assert not np.array_equal(spec.lut, PBitArraySpec(n=3, input_bits=6, input_frac_bits=2,
                                                       prob_bits=12).lut)
    i_q = np.array([-5, 0, 7])
    g = simulate_pbit_array(spec, i_q, 20_000, seed=4, backend="golden")
    r = simulate_pbit_array(spec, i_q, 20_000, seed=4, backend="rtl")
    assert np.array_equal(g, r)
