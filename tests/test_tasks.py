"""Tests of the reservoir benchmark tasks (spinemu.sw.tasks)."""

import numpy as np
import pytest
from spinemu.sw.tasks import mackey_glass, memory_capacity, narma10, nrmse, sine_square


def narma10_reference(u):
    """Straightforward NARMA10 from REFERENCE.md section 4 with zero-padded history.

    y(t) = 0 for t <= 0 and u(t) = 0 for t < 0.  Returns y(1..n): entry k is y(k+1),
    the output computed from u(k) and u(k-9).
    """
    n = len(u)
    up = np.concatenate([np.zeros(9), u])  # up[t + 9] = u(t)
    yp = np.zeros(n + 10)  # yp[t + 9] = y(t), t = -9..n
    for t in range(n):
        yt = yp[t + 9]
        yp[t + 10] = 0.3 * yt + 0.05 * yt * yp[t : t + 10].sum() + 1.5 * up[t] * up[t + 9] + 0.1
    return yp[10:]


def test_narma10_matches_reference():
    washout, T = 50, 500
    u, y = narma10(T, seed=42, washout=washout)
    u_all = np.random.default_rng(42).uniform(0, 0.5, T + washout)
    np.testing.assert_array_equal(u, u_all[washout:])
    y_ref = narma10_reference(u_all)
    # Our y[k] is the output that depends on u[k]: y(t+1) for u(t).
    np.testing.assert_allclose(y, y_ref[washout:], rtol=1e-12)
    assert u.min() >= 0 and u.max() <= 0.5
    # Alignment: y[k] - 0.3 y[k-1] - 0.05 y[k-1] sum(y[k-10..k-1]) - 0.1 == 1.5 u[k] u[k-9]
    k = np.arange(20, T)
    s = np.array([y[j - 10 : j].sum() for j in k])
    np.testing.assert_allclose(
        y[k] - 0.3 * y[k - 1] - 0.05 * y[k - 1] * s - 0.1, 1.5 * u[k] * u[k - 9], atol=1e-12
    )


def test_narma10_start_up_rule():
    """With washout=0 the first outputs follow y(t) = 0 for t <= 0 and u(t < 0) = 0."""
    u, y = narma10(12, seed=1, washout=0)
    assert y[0] == pytest.approx(0.1)  # y(1) = 0.3*0 + 0 + 1.5 u(-9) u(0) + 0.1 = 0.1
    assert y[9] == pytest.approx(0.3 * y[8] + 0.05 * y[8] * y[:9].sum() + 1.5 * u[0] * u[9] + 0.1)


def test_narma10_divergence_guard():
    with pytest.raises(RuntimeError, match="diverged"):
        narma10(100, seed=0, bound=0.05, max_tries=3)


def test_nrmse_known_values():
    y = np.array([1.0, 2.0, 3.0, 4.0])
    assert nrmse(y, y) == 0.0
    assert nrmse(y, np.full(4, y.mean())) == pytest.approx(1.0)
    assert nrmse(y, y + 1) == pytest.approx(1 / np.std(y))
    with pytest.raises(ValueError, match="same shape"):
        nrmse(y, y[:3])
    with pytest.raises(ValueError, match="constant"):
        nrmse(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="yhat contains NaN"):
        nrmse(y, np.array([1.0, np.nan, 0.0, 0.0]))


def test_sine_square():
    u, labels = sine_square(8000, seed=3)
    assert u.shape == labels.shape == (8000,)
    j = np.arange(8)
    sine = np.sin(2 * np.pi * j / 8)
    square = np.where(j < 4, 1.0, -1.0)
    periods = u.reshape(-1, 8)
    lab = labels.reshape(-1, 8)
    assert np.all(lab == lab[:, :1])
    for per, lb in zip(periods, lab[:, 0], strict=True):
        np.testing.assert_allclose(per, square if lb else sine, atol=1e-15)
    # 1000 fair coin flips: mean 0.5 +- 4 * 0.5 / sqrt(1000) = +- 0.063.
    assert abs(lab[:, 0].mean() - 0.5) < 0.063
    u2, l2 = sine_square(13, seed=3)
    np.testing.assert_array_equal(u2, u[:13])
    np.testing.assert_array_equal(l2, labels[:13])
    with pytest.raises(ValueError, match="points_per_period must be even"):
        sine_square(10, points_per_period=7)


def test_mackey_glass_fixed_point_for_short_delay():
    """For tau = 1 the fixed point x* = (beta / gamma - 1)^(1/n) = 1 is stable."""
    x = mackey_glass(300, tau=1.0)
    assert x[-1] == pytest.approx(1.0, abs=1e-6)


def test_mackey_glass_chaotic_and_matches_fine_euler():
    x = mackey_glass(500, tau=17.0)
    assert x[0] == pytest.approx(1.2)
    # Known attractor range for tau = 17: about 0.2 .. 1.4, with no convergence.
    assert 0.1 < x[100:].min() < 0.6 and 1.1 < x[100:].max() < 1.5
    assert x[100:].std() > 0.1
    # Independent fine-step Euler over 30 time units (before chaos amplifies errors):
    dt = 0.001
    lag = 17_000
    hist = [1.2] * (lag + 1)
    for _ in range(30_000):
        xd = hist[-1 - lag]
        hist.append(hist[-1] + dt * (0.2 * xd / (1 + xd**10) - 0.1 * hist[-1]))
    ref = np.array(hist[lag::1000][:31])
    # Euler's global error is O(dt) ~ 1e-3 over this horizon.
    np.testing.assert_allclose(x[:31], ref, atol=5e-3)


def test_memory_capacity_of_a_delay_line():
    """A transform exposing u(t), ..., u(t-9) has r^2 = 1 for delays 1..9 and ~0 after."""

    def delay_line(u):
        return np.stack([np.roll(u, k) for k in range(10)], axis=1)

    res = memory_capacity(delay_line, n_train=1000, n_test=1000, max_delay=20, seed=0)
    np.testing.assert_allclose(res.per_delay[:9], 1.0, atol=1e-9)
    # Uncorrelated delays: r^2 ~ 1/n_test each; 11 of them, 5-sigma-ish bound.
    assert res.per_delay[9:].sum() < 11 * 5 / 1000
    assert res.total == pytest.approx(9.0, abs=0.06)
    assert float(res) == res.total
    with_zero = memory_capacity(delay_line, n_train=1000, n_test=1000, max_delay=20, seed=0, min_delay=0)
    assert with_zero.delays[0] == 0
    assert with_zero.total == pytest.approx(10.0, abs=0.06)


def test_memory_capacity_validation():
    with pytest.raises(ValueError, match="transform must be callable"):
        memory_capacity(3)
    with pytest.raises(ValueError, match="max_delay must be >= 1, not 0"):
        memory_capacity(lambda u: u[:, None], max_delay=0)
    with pytest.raises(ValueError, match="one row per input sample"):
        memory_capacity(lambda u: u[:10, None], n_train=100, n_test=100)
    with pytest.raises(ValueError, match=r"transform\(u\) contains NaN"):
        memory_capacity(lambda u: np.full((u.size, 2), np.nan), n_train=100, n_test=100)


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: narma10(0), "T must be >= 1, not 0"),
        (lambda: narma10(10.5), "T must be an integer, not 10.5"),
        (lambda: mackey_glass(10, tau=-1), "tau must be > 0"),
        (lambda: mackey_glass(10, tau=17.05), "tau / dt must be a positive integer"),
        (lambda: sine_square(-3), "T must be >= 1"),
    ],
)
def test_argument_validation(call, match):
    with pytest.raises(ValueError, match=match):
        call()
