"""Fixed-point golden model of the STNO reservoir: arithmetic, physics, deviation from float.

Anchors are independent of the code under test: exact rational arithmetic for the
rounding rule, ``math.exp`` for the tables, an RK4 integration of the power equation,
the closed forms ``p0 = (zeta - 1) / (zeta + Q)`` and ``2 Gamma_p = 2 Gamma_G (zeta - 1)``
(REFERENCE.md section 4), and an error bound derived from the formats and propagated
along the float trajectory (:func:`spinemu.gen.fidelity_reservoir.deviation_bound`).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from spinemu.gen.fidelity_reservoir import deviation_bound
from spinemu.sim_golden.reservoir_fixed import ReservoirFixed, dequantize_params, readout_fixed
from spinemu.sim_golden.reservoir_float import run_reservoir
from spinemu.sim_golden.reservoir_spec import ReservoirSpec, rshift_round
from spinemu.sim_golden.validate import SpecError
from spinemu.sw.reservoir import STNOReservoir
from spinemu.sw.tasks import memory_capacity

__all__: list[str] = []

SPEC = ReservoirSpec(n_virtual=16)


@given(st.integers(-(1 << 70), 1 << 70), st.integers(0, 40))
def test_rshift_round_is_round_half_up(x, s):
    """rs(x, s) = floor(x / 2**s + 1/2), checked with exact rationals."""
    assert rshift_round(x, s) == math.floor(Fraction(x, 1 << s) + Fraction(1, 2))


def test_node_tables_are_exp_and_g_on_their_grid():
    """ET and GT are exp(-a) and (1 - exp(-a)) / a rounded to 24 fraction bits on the grid
    a_j = -1 + 16 j / 2**table_bits (math.exp, independent of numpy), DE/DG the steps."""
    et, de, gt, dg = SPEC.node_tables
    n = 1 << SPEC.table_bits
    assert et.shape == (n,)
    for j in (0, 1, n // 16, n // 2, n - 1):
        a = -1 + 16 * j / n
        g = 1.0 if a == 0 else (1 - math.exp(-a)) / a
        assert abs(et[j] / 2**24 - math.exp(-a)) <= 2**-25 + 1e-15
        assert abs(gt[j] / 2**24 - g) <= 2**-25 + 1e-15
        if j + 1 < n:
            assert et[j] + de[j] == et[j + 1] and gt[j] + dg[j] == gt[j + 1]


def test_node_map_is_the_exact_logistic_step():
    """One node from p with constant z: p' = 1 / (E / p + B G), E = exp(-A),
    A = 2 Gamma_G theta (z - 1), B = 2 Gamma_G theta (z + Q) -- the closed-form solution of
    dp/dt = 2 Gamma_G ((z - 1) - (z + Q) p) p over theta (REFERENCE.md section 4),
    checked against a fine RK4 integration of the ODE itself: the fixed-point state after
    four nodes (the first composite) agrees to 20 LSB (table interpolation and roundings)."""
    zeta, q, theta = 2.2, 1.0, 60e-9
    regs = SPEC.param_regs(zeta_dc=zeta, q=q, theta=theta)
    regs["PDC"] = 1 << (SPEC.state_frac_bits - 3)  # p = 0.125, far from p0
    x = ReservoirFixed(SPEC, regs=regs).run(np.zeros(1, dtype=np.int64))[0] / 2**SPEC.state_frac_bits
    zf = regs["BIAS"] / 2**SPEC.zeta_frac_bits
    c = regs["C"] / 2**SPEC.c_frac_bits  # 2 Gamma_G theta as the register holds it
    p, steps = 0.125, 4000
    h = 1.0 / steps  # time in units of theta: dp/ds = c ((z - 1) - (z + Q) p) p

    def f(p):
        return c * ((zf - 1) - (zf + q) * p) * p

    for node in range(4):
        for _ in range(steps):
            k1 = f(p)
            k2 = f(p + h / 2 * k1)
            k3 = f(p + h / 2 * k2)
            k4 = f(p + h * k3)
            p += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        print(f"node {node}: fixed {x[node]:.8f}, RK4 {p:.8f}")
        assert abs(x[node] - p) <= 20 * 2.0**-SPEC.state_frac_bits


def test_steady_state_matches_closed_form():
    """With u = 0 the state settles at p0 = (zeta - 1) / (zeta + Q), within the derived
    fixed-vs-float bound (gen/fidelity_reservoir.deviation_bound), itself a few LSB."""
    for zeta, q in ((2.0, 1.0), (1.5, 0.5), (3.0, 2.0)):
        regs = SPEC.param_regs(zeta_dc=zeta, q=q, theta=10e-9)
        regs["PDC"] = 1 << (SPEC.state_frac_bits - 3)  # start far away (p = 0.125)
        u0 = np.zeros(20, dtype=np.int64)
        gold = ReservoirFixed(SPEC, regs=regs)
        x = gold.states_real(gold.run(u0))
        zf = regs["BIAS"] / (1 << SPEC.zeta_frac_bits)
        qf = regs["Q"] / (1 << SPEC.zeta_frac_bits)
        p0 = (zf - 1) / (zf + qf)
        bound = deviation_bound(SPEC, regs, SPEC.mask_q(), u0)[1][-1, -1]
        err = abs(x[-1, -1] - p0)
        print(f"zeta={zeta} Q={q}: |p - p0| = {err:.3g} (bound {bound:.3g})")
        assert err <= bound < 40 * 2.0**-SPEC.state_frac_bits


def test_relaxation_rate_is_two_gamma_p():
    """A small deviation decays by exp(-2 Gamma_p theta) per node, 2 Gamma_p =
    2 Gamma_G (zeta - 1) (REFERENCE.md section 4): the core solves each node exactly, so
    the rate matches at any theta, not only as theta -> 0 (here theta = 20 ns, 0.8
    relaxation times per node).  delta = 2e-3: the quadratic term changes the ratio by
    ~delta (Q + zeta) / (zeta - 1) ~ 0.6 %; allow 1 %."""
    zeta, q, theta = 2.0, 1.0, 20e-9
    regs = SPEC.param_regs(zeta_dc=zeta, q=q, theta=theta)
    p0 = (zeta - 1) / (zeta + q)
    delta = 2e-3
    regs["PDC"] = int(round((p0 + delta) * (1 << SPEC.state_frac_bits)))
    gold = ReservoirFixed(SPEC, regs=regs)
    x = gold.states_real(gold.run(np.zeros(1, dtype=np.int64)))[0]
    dev = x[:4] - p0
    c = regs["C"] / (1 << SPEC.c_frac_bits)
    rate = -math.log(dev[3] / dev[2]) / theta
    expected = 2 * 2e7 * (zeta - 1)
    print(f"measured decay rate {rate:.4g} /s, 2 Gamma_p = {expected:.4g} /s (C = {c:.5f})")
    assert rate == pytest.approx(expected, rel=0.01)


@pytest.mark.parametrize("feedback", [0.0, 0.7 / (2 / 9), -2.0])
def test_fixed_point_deviation_from_float_within_derived_bound(feedback):
    """Fixed point vs the float exact map with identical (dequantized) parameters, with and
    without the delay loop: every state within the rigorous bound, which is a few LSB."""
    spec = ReservoirSpec(n_virtual=16, theta=40e-9)
    regs = spec.param_regs(input_scaling=0.5, feedback=feedback)
    mask_q = spec.mask_q(seed=3, kind="real")
    u_q = spec.quantize_inputs(np.random.default_rng(4).uniform(-1, 1, 60))
    x_fix = ReservoirFixed(spec, mask_q=mask_q, regs=regs).run(u_q) / (1 << spec.state_frac_bits)
    x_flt, bound = deviation_bound(spec, regs, mask_q, u_q)
    # The bound's float trajectory is the float golden model's definition:
    ref = run_reservoir(dequantize_params(spec, regs, mask_q), u_q / (1 << spec.input_frac_bits))
    np.testing.assert_allclose(x_flt, ref, rtol=0, atol=1e-12)
    dev = np.abs(x_fix - x_flt)
    lsb = 2.0**-spec.state_frac_bits
    print(f"FB {feedback:.3g}: max |fixed - float| {dev.max() / lsb:.2f} LSB, bound {bound.max() / lsb:.2f}")
    assert np.all(dev <= bound)
    assert bound.max() < 200 * lsb


def test_readout_fixed_matches_exact_arithmetic():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 1 << SPEC.state_frac_bits, (5, 16))
    w = rng.integers(-(1 << 23), 1 << 23, 16)
    y = readout_fixed(SPEC, x, w, 77)
    for k in range(5):
        acc = sum(int(a) * int(b) for a, b in zip(x[k], w, strict=True))
        exact = math.floor(Fraction(acc, 1 << SPEC.shift_out) + Fraction(1, 2)) + 77
        lo, hi = SPEC.signed_range(SPEC.out_bits)
        assert y[k] == min(max(exact, lo), hi)


def test_spec_validation_and_regmap():
    with pytest.raises(SpecError, match="n_virtual = 1 is not allowed"):
        ReservoirSpec(n_virtual=1)
    with pytest.raises(SpecError, match="mask_kind = 'gauss'"):
        ReservoirSpec(mask_kind="gauss")
    with pytest.raises(SpecError, match="zeta_dc = 100.0"):
        ReservoirSpec(zeta_dc=100.0)
    with pytest.raises(SpecError, match="theta = -1"):
        ReservoirSpec(theta=-1)
    with pytest.raises(SpecError, match="table_bits = 15 is not allowed"):
        ReservoirSpec(table_bits=15)
    with pytest.raises(SpecError, match="coef_bits - coef_frac_bits = 4"):
        ReservoirSpec(coef_bits=28, coef_frac_bits=24)
    with pytest.raises(SpecError, match="C = 2 gamma_g theta"):
        ReservoirSpec(theta=1e-6)  # C = 40 does not fit u.13 in 17 bits
    with pytest.raises(ValueError, match=r"u\[2\] = 9.0 is outside the input range"):
        SPEC.quantize_inputs([0.0, 1.0, 9.0])
    with pytest.raises(ValueError, match="NaN or inf"):
        SPEC.quantize_inputs([0.0, np.nan])
    rm = SPEC.regmap
    assert rm["ID"].offset == 0 and rm.ident == 0x53544E4F
    assert ReservoirSpec.from_dict(SPEC.to_dict()) == SPEC
    # Binary masks are exactly +-1 in the mask format.
    assert set(np.abs(SPEC.mask_q(seed=1)).tolist()) == {1 << SPEC.mask_frac_bits}


def _mc(theta_over_tau: float):
    tau = 1 / (2 * 2e7 * (2.0 - 1))  # relaxation time at zeta = 2
    res = STNOReservoir(
        20,
        theta=theta_over_tau * tau,
        input_scaling=0.5,
        mask="real",
        seed=0,
        backend="golden",
    )
    return memory_capacity(res.transform, n_train=1000, n_test=500, max_delay=20, seed=5)


def test_memory_capacity_depends_on_theta_over_relaxation_time():
    """Fixed-point golden, bare oscillator (20 nodes): memory of past samples survives
    only through the oscillator's inertia across the sample boundary, ~exp(-theta/tau).

    theta = 10 tau: a past input's trace is e**-10 ~ 5e-5 times its effect, below the
    2**-24 state resolution after two node periods: MC ~ noise (20 delays x ~1/500 each,
    r^2 of uncorrelated data on 500 test samples), so < 0.2.  theta = tau keeps ~e**-1
    of it over the boundary node (MC > 0.5); theta = 0.1 tau (the oscillator a slow
    low-pass filter over the whole sample) keeps memory too (MC > 0.5).
    """
    short, at_tau, long_ = _mc(0.1), _mc(1.0), _mc(10.0)
    print(
        f"MC(theta=0.1 tau) = {short.total:.3f}, MC(theta=tau) = {at_tau.total:.3f}, "
        f"MC(theta=10 tau) = {long_.total:.3f}; r^2(k=2): {short.per_delay[1]:.3f}, "
        f"{at_tau.per_delay[1]:.3f}, {long_.per_delay[1]:.3f}"
    )
    assert at_tau.total > 0.5
    assert long_.total < 0.2
    assert short.total > 0.5
