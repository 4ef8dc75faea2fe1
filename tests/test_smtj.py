"""Tests of the SMTJ device model against REFERENCE.md section 1 and closed forms.

Statistical tolerances are derived from the sampling distribution of each
estimator (stated next to each assertion); 4 standard errors are used, which a
correct model violates with probability ~6e-5 per comparison.
"""

import math

import numpy as np
import pytest
from scipy import optimize, stats
from spinemu.sim_golden.smtj import (
    SMTJ,
    SMTJPopulation,
    dwell_times,
    sample_states,
    time_average,
)

Z = 4.0  # tolerance in standard errors


# --------------------------------------------------------------------------- reference numbers
def test_reference_p_ap_at_tenth_ic():
    dev = SMTJ(tau0=1e-9, delta=10.0, ic=100e-6)
    # REFERENCE.md: delta = 10, I = 0.1 Ic -> p_AP = 0.8808 (4 digits quoted)
    assert dev.p_ap(0.1 * dev.ic) == pytest.approx(0.8808, abs=5e-5)
    assert dev.mean_state(0.1 * dev.ic) == pytest.approx(2 * 0.8808 - 1, abs=1e-4)


def test_reference_rate_at_zero_current():
    dev = SMTJ(tau0=1e-9, delta=10.0, ic=100e-6)
    # REFERENCE.md: tau0 = 1 ns, delta = 10, I = 0 -> r = 4.54e4 /s (3 digits quoted)
    assert dev.rate(0.0) == pytest.approx(4.54e4, abs=50)


def test_positive_current_favours_ap_and_tau_formulas():
    dev = SMTJ(tau0=2e-9, delta=7.0, ic=50e-6)
    i = np.array([-30e-6, -5e-6, 0.0, 12e-6, 40e-6])
    # REFERENCE.md dwell-time formulas, written out independently
    tp = 2e-9 * np.exp(7.0 * (1 - i / 50e-6))
    tap = 2e-9 * np.exp(7.0 * (1 + i / 50e-6))
    np.testing.assert_allclose(dev.tau_p(i), tp, rtol=1e-12)
    np.testing.assert_allclose(dev.tau_ap(i), tap, rtol=1e-12)
    np.testing.assert_allclose(dev.p_ap(i), tap / (tp + tap), rtol=1e-12)
    np.testing.assert_allclose(dev.p_ap(i), (1 + np.tanh(7.0 * i / 50e-6)) / 2, rtol=1e-12)
    np.testing.assert_allclose(dev.rate(i), 2 / (tp + tap), rtol=1e-12)
    np.testing.assert_allclose(dev.rate(i), np.exp(-7.0) / (2e-9 * np.cosh(7.0 * i / 50e-6)), rtol=1e-12)
    np.testing.assert_allclose(dev.tau_c(i), 1 / (1 / tp + 1 / tap), rtol=1e-12)
    assert dev.p_ap(10e-6) > 0.5 > dev.p_ap(-10e-6)
    t = np.array([0.0, 1e-6, 5e-5])
    p = tap[3] / (tp[3] + tap[3])
    np.testing.assert_allclose(
        dev.autocorrelation(i[3], t),
        4 * p * (1 - p) * np.exp(-t / (1 / (1 / tp[3] + 1 / tap[3]))),
        rtol=1e-12,
    )


def test_field_term_keeps_tanh_with_documented_centre_and_slope():
    dev = SMTJ(delta=10.0, ic=100e-6, h_field=2e4, hk=8e4, offset=3e-6)
    hr = 0.25
    i = np.linspace(-80e-6, 80e-6, 9)
    # barriers written out: delta (1 -+ h/hk)^2 (1 -+ (I - offset)/ic)
    b_p = 10 * (1 - hr) ** 2 * (1 - (i - 3e-6) / 100e-6)
    b_ap = 10 * (1 + hr) ** 2 * (1 + (i - 3e-6) / 100e-6)
    np.testing.assert_allclose(dev.tau_p(i), 1e-9 * np.exp(b_p), rtol=1e-12)
    np.testing.assert_allclose(dev.tau_ap(i), 1e-9 * np.exp(b_ap), rtol=1e-12)
    np.testing.assert_allclose(
        dev.mean_state(i), np.tanh(dev.slope * (i - dev.centre)), rtol=1e-10, atol=1e-14
    )
    assert dev.mean_state(dev.centre) == pytest.approx(0.0, abs=1e-12)
    # a positive field favours AP, so it moves the centre to lower currents
    assert dev.centre < 3e-6


@pytest.mark.parametrize("delta", [10.0, 4.0])
def test_rate_fwhm(delta):
    dev = SMTJ(delta=delta, ic=100e-6)
    half = dev.rate(0.0) / 2
    hi = optimize.brentq(lambda x: dev.rate(x) - half, 0.0, dev.ic)
    lo = optimize.brentq(lambda x: dev.rate(x) - half, -dev.ic, 0.0)
    # REFERENCE.md: FWHM = 2.634 Ic / delta (4 digits; 2 arccosh 2 = 2.63392)
    assert (hi - lo) / (dev.ic / delta) == pytest.approx(2.634, abs=5e-4)


# --------------------------------------------------------------------------- simulation
def test_dwell_times_are_exponential_with_right_means():
    dev = SMTJ(delta=10.0, ic=100e-6)
    i = 0.05 * dev.ic
    t_end = 20_000 / dev.rate(i)  # ~20k switches
    sw, st = dev.telegraph(i, t_end, seed=11)
    assert np.all(np.diff(sw) > 0) and sw[0] == 0.0 and sw[-1] < t_end
    assert np.all(st[1:] == -st[:-1])
    d_p, d_ap = dwell_times(sw, st, t_end)
    for d, tau in ((d_p, dev.tau_p(i)), (d_ap, dev.tau_ap(i))):
        assert d.size > 5000
        # KS against the *model* exponential (mean not fitted)
        assert stats.kstest(d, "expon", args=(0.0, tau)).pvalue > 1e-3
        # mean of n exponentials: standard error tau / sqrt(n)
        assert abs(d.mean() - tau) < Z * tau / math.sqrt(d.size)
        # coefficient of variation 1 (REFERENCE.md); sd of sample sd ~ tau/sqrt(n)
        # (var of exponential sample variance ~ 8 tau^4 / n -> sd(s) ~ sqrt(2) tau/sqrt(n))
        assert abs(d.std() - tau) < Z * math.sqrt(2) * tau / math.sqrt(d.size)


def _count_se(dev, i, t):
    # Alternating renewal process: a cycle (P dwell + AP dwell) has mean
    # tau_P + tau_AP and variance tau_P^2 + tau_AP^2; the renewal CLT gives
    # Var(cycles) ~ T var / mean^3, and switches = 2 cycles.
    tp, tap = dev.tau_p(i), dev.tau_ap(i)
    return math.sqrt(4 * t * (tp**2 + tap**2) / (tp + tap) ** 3)


def test_rate_curve_from_telegraph_matches_sech():
    dev = SMTJ(delta=10.0, ic=100e-6)
    currents = np.array([-0.25, -0.1, 0.0, 0.05, 0.15, 0.3]) * dev.ic
    for k, i in enumerate(currents):
        t_end = 8_000 / dev.rate(i)
        sw, _ = dev.telegraph(i, t_end, seed=100 + k)
        n = sw.size - 1
        sech = math.exp(-10.0) / (1e-9 * math.cosh(10.0 * i / dev.ic))
        assert abs(n - sech * t_end) < Z * _count_se(dev, i, t_end), (i, n / t_end, sech)


def test_window_statistics_match_rate_and_mean_state():
    dev = SMTJ(delta=6.0, ic=80e-6, offset=5e-6)
    currents = np.linspace(-30e-6, 40e-6, 8)
    t_end = 0.02
    counts, m = dev.window_statistics(currents, t_end, seed=5)
    assert counts.shape == m.shape == currents.shape
    for i, c, mm in zip(currents, counts, m, strict=True):
        assert abs(c - dev.rate(i) * t_end) < Z * _count_se(dev, i, t_end)
        # time average: Var = 2 var(m) tau_c / T (T >> tau_c)
        var = 1 - dev.mean_state(i) ** 2
        assert abs(mm - dev.mean_state(i)) < Z * math.sqrt(2 * var * dev.tau_c(i) / t_end)


def test_fixed_step_flip_probabilities_closed_forms():
    dev = SMTJ(delta=10.0, ic=100e-6)
    i = np.array([-0.1, 0.0, 0.07]) * dev.ic
    dt = 3e-6
    p1, p2 = dev.flip_probabilities(i, dt)
    # exact sampled chain: stationary p_AP = p1/(p1+p2), eigenvalue 1-p1-p2 = exp(-dt/tau_c)
    np.testing.assert_allclose(p1 / (p1 + p2), dev.p_ap(i), rtol=1e-12)
    np.testing.assert_allclose(1 - p1 - p2, np.exp(-dt / dev.tau_c(i)), rtol=1e-12)
    q1, q2 = dev.flip_probabilities(i, dt, scheme="first_flip")
    np.testing.assert_allclose(q1, 1 - np.exp(-dt / dev.tau_p(i)), rtol=1e-12)
    np.testing.assert_allclose(q2, 1 - np.exp(-dt / dev.tau_ap(i)), rtol=1e-12)
    # both schemes agree to first order in dt / tau
    p1s, _ = dev.flip_probabilities(i, 1e-9)
    q1s, _ = dev.flip_probabilities(i, 1e-9, scheme="first_flip")
    np.testing.assert_allclose(p1s, q1s, rtol=1e-3)


def _chain_estimates(x, dt):
    """Mean state and tau_c (with standard errors) of a sampled two-state chain."""
    a, b = x[:-1], x[1:]
    n_p, n_ap = np.sum(a < 0), np.sum(a > 0)
    p1 = np.sum((a < 0) & (b > 0)) / n_p
    p2 = np.sum((a > 0) & (b < 0)) / n_ap
    lam = 1 - p1 - p2
    # MLE of Markov transition probabilities: binomial variance p(1-p)/n_from
    var_lam = p1 * (1 - p1) / n_p + p2 * (1 - p2) / n_ap
    tc = -dt / math.log(lam)
    tc_se = dt / (lam * math.log(lam) ** 2) * math.sqrt(var_lam)
    m = x.mean()
    # correlated mean: Var = var(m)/n * (1 + lam)/(1 - lam) for geometric decay lam^k
    m_se = math.sqrt((1 - m**2) / x.size * (1 + lam) / (1 - lam))
    return m, m_se, tc, tc_se


def _event_estimates(dev, i, t_end, seed):
    sw, st = dev.telegraph(i, t_end, seed=seed)
    m = time_average(sw, st, t_end)
    d_p, d_ap = dwell_times(sw, st, t_end)
    tp, tap = d_p.mean(), d_ap.mean()
    tc = tp * tap / (tp + tap)
    # delta method: d tc / d tp = tap^2/(tp+tap)^2, SE(tp) = tp/sqrt(n)
    tc_se = math.hypot(
        tap**2 / (tp + tap) ** 2 * tp / math.sqrt(d_p.size),
        tp**2 / (tp + tap) ** 2 * tap / math.sqrt(d_ap.size),
    )
    m_se = math.sqrt(2 * (1 - m**2) * tc / t_end)
    return m, m_se, tc, tc_se


@pytest.mark.parametrize("frac", [-0.08, 0.0, 0.12])
def test_fixed_step_and_event_driven_agree(frac):
    dev = SMTJ(delta=10.0, ic=100e-6)
    i = frac * dev.ic
    tc_true = dev.tau_c(i)
    dt = tc_true / 3  # coarse on purpose: the exact scheme has no dt bias
    n_steps = 600_000
    x = dev.fixed_step(i, dt, n_steps, seed=21)
    assert x.dtype == np.int8 and x.shape == (n_steps,)
    fm, fm_se, ftc, ftc_se = _chain_estimates(x, dt)
    em, em_se, etc, etc_se = _event_estimates(dev, i, n_steps * dt, seed=22)
    m_true = dev.mean_state(i)
    assert abs(fm - m_true) < Z * fm_se
    assert abs(em - m_true) < Z * em_se
    assert abs(fm - em) < Z * math.hypot(fm_se, em_se)
    assert abs(ftc - tc_true) < Z * ftc_se
    assert abs(etc - tc_true) < Z * etc_se
    assert abs(ftc - etc) < Z * math.hypot(ftc_se, etc_se)
    # and the precision is good enough to mean something (~1%)
    assert ftc_se / tc_true < 0.02 and etc_se / tc_true < 0.02


def test_first_flip_scheme_bias_is_what_theory_says():
    # With p = 1 - exp(-dt/tau) the stationary p_AP is q1/(q1+q2), not tau_AP/(tau_P+tau_AP);
    # at dt = tau_c the difference is large enough to detect, which proves the
    # simulator really uses the scheme it is given.
    dev = SMTJ(delta=10.0, ic=100e-6)
    i = 0.15 * dev.ic
    dt = dev.tau_c(i)
    q1, q2 = dev.flip_probabilities(i, dt, scheme="first_flip")
    m_biased = 2 * q1 / (q1 + q2) - 1
    x = dev.fixed_step(i, dt, 400_000, seed=3, scheme="first_flip")
    m, m_se, _, _ = _chain_estimates(x, dt)
    assert abs(m_biased - dev.mean_state(i)) > 10 * m_se  # resolvable bias
    assert abs(m - m_biased) < Z * m_se


def test_fixed_step_time_varying_current():
    dev = SMTJ(delta=10.0, ic=100e-6)
    i1, i2 = -0.1 * dev.ic, 0.1 * dev.ic
    dt = min(dev.tau_c(i1), dev.tau_c(i2)) / 2
    n = 100_000
    current = np.concatenate([np.full(n, i1), np.full(n, i2)])
    x = dev.fixed_step(current, dt, 2 * n, seed=9, initial_state=-1)
    # drop a burn-in of 200 correlation times after each change (exp(-200) ~ 0)
    burn = int(200 * dev.tau_c(i2) / dt) + 1
    for seg, i in ((x[burn:n], i1), (x[n + burn :], i2)):
        m, m_se, tc, tc_se = _chain_estimates(seg, dt)
        assert abs(m - dev.mean_state(i)) < Z * m_se
        assert abs(tc - dev.tau_c(i)) < Z * tc_se


def test_autocovariance_of_event_driven_signal():
    dev = SMTJ(delta=10.0, ic=100e-6)
    i = 0.06 * dev.ic
    tc = dev.tau_c(i)
    dt = tc / 10
    t_end = 20_000 * tc
    sw, st = dev.telegraph(i, t_end, seed=31)
    x = sample_states(sw, st, np.arange(0.0, t_end, dt)).astype(float)
    m = dev.mean_state(i)
    lags = np.array([0, 5, 10, 20])
    # batch means: 40 blocks of 500 tau_c are ~independent; SE = sd(blocks)/sqrt(40)
    blocks = np.array_split(x, 40)
    est = np.array([[np.mean((b[: b.size - k] - m) * (b[k:] - m)) for k in lags] for b in blocks])
    mean, se = est.mean(axis=0), est.std(axis=0, ddof=1) / math.sqrt(len(blocks))
    expected = dev.autocorrelation(i, lags * dt)
    assert np.all(np.abs(mean - expected) < Z * se), (mean, expected, se)
    assert expected[0] == pytest.approx(1 - m**2)


def test_telegraph_initial_state_and_sampling_helpers():
    dev = SMTJ(delta=3.0)
    sw, st = dev.telegraph(0.0, 1e-6, seed=1, initial_state=-1)
    assert st[0] == -1
    t = np.array([0.0, *(sw[1:3] + 1e-15)]) if sw.size > 2 else np.array([0.0])
    np.testing.assert_array_equal(sample_states(sw, st, t), st[: t.size])
    # same seed -> same trajectory
    sw2, st2 = dev.telegraph(0.0, 1e-6, seed=1, initial_state=-1)
    np.testing.assert_array_equal(sw, sw2)
    np.testing.assert_array_equal(st, st2)


# --------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("kwargs", "text"),
    [
        ({"delta": -1.0}, "delta must be a finite number > 0, not -1.0"),
        ({"tau0": 0.0}, "tau0"),
        ({"ic": float("nan")}, "ic"),
        ({"h_field": 9e4, "hk": 8e4}, "h_field"),
        ({"offset": float("inf")}, "offset"),
    ],
)
def test_constructor_validation(kwargs, text):
    with pytest.raises(ValueError, match=text):
        SMTJ(**kwargs)


def test_method_validation():
    dev = SMTJ()
    with pytest.raises(ValueError, match="t_end"):
        dev.telegraph(0.0, -1.0, seed=1)
    with pytest.raises(ValueError, match="nan"):
        dev.p_ap(float("nan"))
    with pytest.raises(ValueError, match="inf"):
        dev.rate(np.array([0.0, np.inf]))
    with pytest.raises(ValueError, match="finite"):
        dev.telegraph(float("nan"), 1e-3, seed=1)
    with pytest.raises(ValueError, match="initial_state"):
        dev.telegraph(0.0, 1e-3, seed=1, initial_state=0)
    with pytest.raises(ValueError, match="dt"):
        dev.fixed_step(0.0, 0.0, 10, seed=1)
    with pytest.raises(ValueError, match="n_steps"):
        dev.fixed_step(0.0, 1e-6, 0, seed=1)
    with pytest.raises(ValueError, match="shape"):
        dev.fixed_step(np.zeros(3), 1e-6, 10, seed=1)
    with pytest.raises(ValueError, match="scheme"):
        dev.flip_probabilities(0.0, 1e-6, scheme="euler")
    with pytest.raises(ValueError, match="max_events"):
        dev.telegraph(0.0, 1e4, seed=1)
    with pytest.raises(ValueError, match="t_end"):
        dev.window_statistics([0.0], -2.0, seed=1)
    with pytest.raises(ValueError, match="max_events"):
        dev.window_statistics([0.0, 1e-6], 1e4, seed=1)


def test_array_shapes():
    dev = SMTJ()
    i = np.zeros((2, 3))
    for f in (dev.p_ap, dev.mean_state, dev.rate, dev.tau_c, dev.tau_p, dev.tau_ap):
        assert np.shape(f(i)) == (2, 3)
        assert isinstance(f(0.0), float)


# --------------------------------------------------------------------------- population
def test_population_rows_match_devices():
    pop = SMTJPopulation(n=7, delta_spread=0.1, ic_spread=0.05, offset_spread=3e-6, seed=4, delta=8.0)
    i = np.linspace(-20e-6, 20e-6, 5)
    assert len(pop.devices) == 7
    for f in ("p_ap", "mean_state", "rate", "tau_c", "tau_p", "tau_ap"):
        out = getattr(pop, f)(i)
        assert out.shape == (7, 5)
        for k, dev in enumerate(pop.devices):
            np.testing.assert_allclose(out[k], getattr(dev, f)(i), rtol=1e-12)
    assert pop.p_ap(np.zeros((2, 3))).shape == (7, 2, 3)
    np.testing.assert_allclose(pop.centres, pop.offsets)  # no field: centre = offset
    np.testing.assert_allclose(pop.slopes, pop.deltas / pop.ics)


def test_population_spread_statistics():
    n = 4000
    pop = SMTJPopulation(n=n, delta_spread=0.1, ic_spread=0.2, offset_spread=5e-6, seed=8, delta=10.0)
    # sample sd of n normals has SE sigma / sqrt(2n); sample mean has SE sigma / sqrt(n)
    for values, sigma, mu in (
        (np.log(pop.deltas), 0.1, math.log(10.0)),
        (np.log(pop.ics), 0.2, math.log(100e-6)),
        (pop.offsets, 5e-6, 0.0),
    ):
        assert abs(values.std() - sigma) < Z * sigma / math.sqrt(2 * n)
        assert abs(values.mean() - mu) < Z * sigma / math.sqrt(n)
    # reproducible from the seed
    again = SMTJPopulation(n=n, delta_spread=0.1, ic_spread=0.2, offset_spread=5e-6, seed=8, delta=10.0)
    np.testing.assert_array_equal(pop.deltas, again.deltas)


def test_population_validation():
    with pytest.raises(ValueError, match="n must be an integer >= 1, not 0"):
        SMTJPopulation(n=0, delta_spread=0.1, ic_spread=0.1, offset_spread=0.0, seed=1)
    with pytest.raises(ValueError, match="delta_spread must be >= 0, not -0.1"):
        SMTJPopulation(n=3, delta_spread=-0.1, ic_spread=0.1, offset_spread=0.0, seed=1)
    with pytest.raises(ValueError, match="delta"):
        SMTJPopulation(n=3, delta_spread=0.1, ic_spread=0.1, offset_spread=0.0, seed=1, delta=-2)
    pop = SMTJPopulation(n=3, delta_spread=0.1, ic_spread=0.1, offset_spread=0.0, seed=1)
    with pytest.raises(ValueError, match="shape"):
        pop.window_statistics_per_device(np.zeros(2), 1e-3, seed=1)
