"""Tests of SMTJ sigmoid calibration, CSV parsing and spread compensation.

Tolerances: 4 standard errors (derived per assertion) unless a fixed accuracy
requirement (the 2% of issue 4) is being checked.
"""

import math

import numpy as np
import pytest
from spinemu.sim_golden.calibration import (
    CalibrationDataError,
    Compensation,
    SigmoidFit,
    calibrate_device,
    calibrate_population,
    compensation,
    fit_csv,
    fit_sigmoid,
    read_sigmoid_csv,
    smtj_probability,
)
from spinemu.sim_golden.smtj import SMTJ, SMTJPopulation

Z = 4.0


# --------------------------------------------------------------------------- fitting
def test_fit_exact_data_is_exact():
    i = np.linspace(-30e-6, 50e-6, 9)
    m = np.tanh(1.3e5 * (i - 7e-6))
    fit = fit_sigmoid(i, m)
    assert fit.centre == pytest.approx(7e-6, rel=1e-8)
    assert fit.slope == pytest.approx(1.3e5, rel=1e-8)
    assert fit.n_points == 9


def test_fit_errors_are_calibrated():
    # Monte Carlo: with Gaussian noise of known sigma, (estimate - truth) / err
    # must have sd 1.  The sample sd of K pulls has SE ~ 1/sqrt(2K).
    rng = np.random.default_rng(0)
    i = np.linspace(-40e-6, 40e-6, 15)
    truth_c, truth_s = -4e-6, 6e4
    sigma = 0.02 * np.ones_like(i)
    k = 300
    pulls = []
    for _ in range(k):
        m = np.clip(np.tanh(truth_s * (i - truth_c)) + sigma * rng.standard_normal(i.size), -1, 1)
        f = fit_sigmoid(i, m, sigma)
        pulls.append(((f.centre - truth_c) / f.centre_err, (f.slope - truth_s) / f.slope_err))
    pulls = np.array(pulls)
    assert np.all(np.abs(pulls.mean(axis=0)) < Z / math.sqrt(k))
    assert np.all(np.abs(pulls.std(axis=0) - 1) < Z / math.sqrt(2 * k))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"delta": 10.0, "ic": 100e-6, "offset": 20e-6},
        {"delta": 5.0, "ic": 60e-6, "offset": -15e-6, "h_field": 6e3, "hk": 8e4},
    ],
)
def test_calibration_recovers_injected_sigmoid(kwargs):
    dev = SMTJ(**kwargs)
    width = 1 / dev.slope
    currents = dev.centre + width * np.linspace(-2.5, 2.5, 13)
    fit = calibrate_device(dev, currents, t_end=4_000 / dev.rate(dev.centre), seed=3)
    # issue 4 requirement: within 2 %
    assert fit.centre == pytest.approx(dev.centre, rel=0.02)
    assert fit.slope == pytest.approx(dev.slope, rel=0.02)
    # and consistent with the fit's own propagated errors
    assert abs(fit.centre - dev.centre) < Z * fit.centre_err
    assert abs(fit.slope - dev.slope) < Z * fit.slope_err


def test_population_calibration_pulls():
    pop = SMTJPopulation(n=24, delta_spread=0.15, ic_spread=0.1, offset_spread=8e-6, seed=12)
    fits = calibrate_population(pop, np.linspace(-50e-6, 50e-6, 21), t_end=0.1, seed=13)
    pc = np.array([(f.centre - c) / f.centre_err for f, c in zip(fits, pop.centres, strict=True)])
    ps = np.array([(f.slope - s) / f.slope_err for f, s in zip(fits, pop.slopes, strict=True)])
    # each pull ~ N(0, 1); max of 48 |N(0,1)| exceeds 4 with prob ~3e-3
    assert np.all(np.abs(pc) < Z) and np.all(np.abs(ps) < Z)
    # the errors are realistic: pull sd close to 1 (SE of sd ~ 1/sqrt(2*24) = 0.14)
    assert abs(np.concatenate([pc, ps]).std() - 1) < Z * 0.1


def test_fit_validation():
    with pytest.raises(CalibrationDataError, match="3 distinct"):
        fit_sigmoid([0.0, 0.0, 1.0], [0.0, 0.1, 0.2])
    with pytest.raises(ValueError, match="mean_states must lie in"):
        fit_sigmoid([0.0, 1.0, 2.0], [0.0, 1.5, 0.2])
    with pytest.raises(ValueError, match="stderr must be > 0"):
        fit_sigmoid([0.0, 1.0, 2.0], [0.0, 0.5, 0.7], [0.1, 0.0, 0.1])
    with pytest.raises(ValueError, match="finite"):
        fit_sigmoid([0.0, np.nan, 2.0], [0.0, 0.5, 0.7])
    # a step (saturated everywhere but one point) does not bound the slope
    with pytest.raises(CalibrationDataError, match="does not resolve"):
        fit_sigmoid([-2.0, -1.0, 0.0, 1.0, 2.0], [-1.0, -1.0, 0.0, 1.0, 1.0])


# --------------------------------------------------------------------------- CSV
def _write(tmp_path, text, name="dev.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_csv_mean_state_and_p_ap_forms(tmp_path):
    i = np.linspace(-20e-6, 30e-6, 11)
    m = np.tanh(1e5 * (i - 4e-6))
    body = "\n".join(f"{a!r}, {b!r}, 0.01" for a, b in zip(i.tolist(), m.tolist(), strict=True))
    p1 = _write(tmp_path, f"# a comment\n\n Current , Mean_State, stderr\n{body}\n", "a.csv")
    cur, ms, err = read_sigmoid_csv(p1)
    np.testing.assert_array_equal(cur, i)
    np.testing.assert_array_equal(ms, m)
    np.testing.assert_array_equal(err, 0.01)
    fit = fit_csv(p1)
    assert fit.centre == pytest.approx(4e-6, rel=1e-6)
    assert fit.slope == pytest.approx(1e5, rel=1e-6)
    # p_ap column, extra column ignored, no stderr
    body = "\n".join(f"7,{a!r},{(1 + b) / 2!r}" for a, b in zip(i.tolist(), m.tolist(), strict=True))
    p2 = _write(tmp_path, f"device,current,p_ap\n{body}\n", "b.csv")
    cur, ms, err = read_sigmoid_csv(p2)
    assert err is None
    np.testing.assert_allclose(ms, m, atol=1e-15)
    assert fit_csv(p2).slope == pytest.approx(1e5, rel=1e-6)


GOOD = "current,mean_state\n-1e-5,-0.7\n0.0,0.0\n1e-5,0.7\n"


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("current,mean_state\n-1e-5,-0.7\n0.0,abc\n1e-5,0.7\n", r"row 2 \(line 3\).*'abc'"),
        ("current,mean_state\n-1e-5,-0.7\n0.0,0.0\n1x-5,0.7\n", r"row 3 \(line 4\).*'1x-5'"),
        ("current,mean_state\n# c\n-1e-5,-0.7\n0.0\n1e-5,0.7\n", r"row 2 \(line 4\).*'0.0'"),
        ("current,mean_state\n-1e-5,-0.7\n0.0,1.2\n1e-5,0.7\n", r"row 2 .*'1.2'"),
        ("current,p_ap\n-1e-5,-0.1\n0.0,0.5\n1e-5,0.7\n", r"row 1 .*'-0.1'"),
        ("current,mean_state\n-1e-5,-0.7\nnan,0.0\n1e-5,0.7\n", r"row 2 .*'nan'"),
        ("current,mean_state,stderr\n-1e-5,-0.7,0.1\n0,0,-1\n1e-5,0.7,0.1\n", r"row 2 .*'-1'"),
        ("curr,mean_state\n-1e-5,-0.7\n0.0,0.0\n1e-5,0.7\n", "current"),
        ("current,mean_state,p_ap\n-1e-5,-0.7,0.1\n", "exactly one"),
        ("current,mean_state\n-1e-5,-0.7\n0.0,0.0\n", "at least 3"),
        ("# only a comment\n", "no header"),
    ],
)
def test_csv_bad_rows_are_named(tmp_path, text, pattern):
    p = _write(tmp_path, text)
    with pytest.raises(CalibrationDataError, match=pattern) as info:
        read_sigmoid_csv(p)
    assert isinstance(info.value, ValueError)
    assert str(p) in str(info.value)


def test_csv_good_minimal(tmp_path):
    cur, ms, err = read_sigmoid_csv(_write(tmp_path, GOOD))
    assert cur.tolist() == [-1e-5, 0.0, 1e-5] and err is None


# --------------------------------------------------------------------------- compensation
def test_compensation_algebra_with_exact_fits():
    pop = SMTJPopulation(n=6, delta_spread=0.2, ic_spread=0.2, offset_spread=1e-5, seed=2)
    fits = [SigmoidFit(c, s, 0.0, 0.0, 10) for c, s in zip(pop.centres, pop.slopes, strict=True)]
    comp = compensation(fits, target_slope=1e5, target_centre=3e-6)
    assert isinstance(comp, Compensation)
    a, b = comp
    i = np.linspace(-30e-6, 30e-6, 13)
    drive = comp.apply(i)
    np.testing.assert_allclose(drive, a[:, None] * i + b[:, None])
    compensated = np.array([d.mean_state(drive[k]) for k, d in enumerate(pop.devices)])
    np.testing.assert_allclose(
        compensated, np.broadcast_to(np.tanh(1e5 * (i - 3e-6)), compensated.shape), atol=1e-12
    )


def test_compensation_maps_spread_population_onto_target():
    pop = SMTJPopulation(n=16, delta_spread=0.15, ic_spread=0.15, offset_spread=10e-6, seed=5, delta=10.0)
    sweep = np.linspace(-60e-6, 60e-6, 25)
    fits = calibrate_population(pop, sweep, t_end=0.1, seed=6)
    target_slope, target_centre = 1e5, 0.0
    comp = compensation(fits, target_slope=target_slope, target_centre=target_centre)
    i = np.array([-15e-6, -5e-6, 0.0, 5e-6, 15e-6])
    target = np.tanh(target_slope * (i - target_centre))
    drive = comp.apply(i)

    # calibration error propagated to the compensated argument
    # x = s_i (a I + b - c_i):  dx = -t (I - tc) ds/s + s dc   (s, c the fitted values)
    s = np.array([f.slope for f in fits])[:, None]
    se = np.array([f.slope_err for f in fits])[:, None]
    ce = np.array([f.centre_err for f in fits])[:, None]
    x_err = np.hypot(target_slope * (i - target_centre) * se / s, s * ce)
    cal_se = (1 - target**2) * x_err  # d tanh = sech^2 dx

    # (1) exact device response after compensation, only calibration error
    exact = np.array([d.mean_state(drive[k]) for k, d in enumerate(pop.devices)])
    assert np.all(np.abs(exact - target) < Z * cal_se + 1e-12)

    # (2) simulated time averages (sampling error of the check + calibration error)
    t_end = 0.2
    counts, m = pop.window_statistics_per_device(drive, t_end, seed=7)
    var = 1 - exact**2
    tau_c = np.array([d.tau_c(drive[k]) for k, d in enumerate(pop.devices)])
    meas_se = np.sqrt(2 * var * tau_c / t_end)  # Var of a time average: 2 var tau_c / T
    assert np.all(np.abs(m - target) < Z * np.hypot(meas_se, cal_se))

    # without compensation the population is visibly off the target
    raw = pop.mean_state(i)
    assert np.max(np.abs(raw - target)) > 10 * np.max(np.hypot(meas_se, cal_se))


def test_compensation_validation():
    f = SigmoidFit(0.0, 1e5, 1e-8, 10.0, 5)
    with pytest.raises(ValueError, match="target_slope"):
        compensation([f], target_slope=0.0)
    with pytest.raises(ValueError, match="target_centre"):
        compensation([f], target_slope=1e5, target_centre=float("nan"))
    with pytest.raises(ValueError, match="fits"):
        compensation([], target_slope=1e5)


# --------------------------------------------------------------------------- LUT function
def test_smtj_probability_matches_device_and_reference():
    dev = SMTJ(delta=10.0, ic=100e-6)
    fit = SigmoidFit(dev.centre, dev.slope, 0.0, 0.0, 3)
    # REFERENCE.md: p_AP(0.1 Ic) = 0.8808 at delta = 10
    assert smtj_probability(0.1 * dev.ic, fit) == pytest.approx(0.8808, abs=5e-5)
    i = np.linspace(-50e-6, 50e-6, 11)
    np.testing.assert_allclose(smtj_probability(i, fit), dev.p_ap(i), rtol=1e-12)
    with pytest.raises(ValueError, match="finite"):
        smtj_probability(np.inf, fit)
