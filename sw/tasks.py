"""Benchmark tasks for reservoir computers.

* :func:`narma10` -- the standard NARMA10 system (Atiya & Parlos 2000; Appeltant 2011),
  REFERENCE.md section 4, *not* reservoirpy's ``narma`` default.
* :func:`sine_square` -- sine/square waveform classification (Markovic et al. 2019).
* :func:`mackey_glass` -- the Mackey-Glass delay differential equation.
* :func:`memory_capacity` -- short-term memory capacity (Jaeger 2002) of any
  ``transform(u) -> states`` callable.
* :func:`nrmse` -- RMSE normalised by the standard deviation of the target.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from spinemu.sim_golden.reservoir_float import ridge_fit, ridge_predict, validate_input

__all__ = [
    "MemoryCapacity",
    "mackey_glass",
    "memory_capacity",
    "narma10",
    "nrmse",
    "sine_square",
]


def _check_int(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name} must be an integer, not {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, not {value!r}")
    return int(value)


def narma10(
    T: int,
    seed=None,
    *,
    washout: int = 200,
    max_tries: int = 100,
    bound: float = 10.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Generate a NARMA10 input/target pair.

    ``y(t+1) = 0.3 y(t) + 0.05 y(t) sum_{i=0..9} y(t-i) + 1.5 u(t-9) u(t) + 0.1`` with
    ``u(t) ~ U[0, 0.5]`` i.i.d. and ``y = 0`` before the start.

    Parameters
    ----------
    T : int
        Number of returned samples (after the washout).
    seed : int, numpy.random.Generator or None
        Seed for ``numpy.random.default_rng``.
    washout : int, default 200
        Number of initial samples generated and discarded (start-up transient).
    max_tries : int, default 100
        The rare sequences for which ``|y|`` exceeds `bound` (NARMA10 can diverge) are
        redrawn from the same generator, up to this many times.
    bound : float, default 10.0
        Divergence threshold on ``|y|`` (a non-diverging NARMA10 stays below ~1.5).

    Returns
    -------
    u : numpy.ndarray, shape (T,)
        Input.
    y : numpy.ndarray, shape (T,)
        Target, aligned so that ``y[k] = y(t+1)`` for ``u[k] = u(t)``: ``y[k]`` depends on
        ``u[k]`` and ``u[k-9]`` and is to be predicted from ``u[0..k]``.
    """
    T = _check_int("T", T, 1)
    washout = _check_int("washout", washout, 0)
    max_tries = _check_int("max_tries", max_tries, 1)
    if not np.isfinite(bound) or bound <= 0:
        raise ValueError(f"bound must be > 0, not {bound!r}")
    rng = np.random.default_rng(seed)
    n = T + washout
    for _ in range(max_tries):
        u = rng.uniform(0.0, 0.5, size=n)
        ul = u.tolist()
        # ys[j] holds y(j); y(t) = 0 for t <= 0 .. and the sum uses y(t-i) = 0 for t-i < 0.
        ys = [0.0] * (n + 1)
        ok = True
        for t in range(n):
            yt = ys[t]
            s = sum(ys[max(0, t - 9) : t + 1])
            u9 = ul[t - 9] if t >= 9 else 0.0
            nxt = 0.3 * yt + 0.05 * yt * s + 1.5 * u9 * ul[t] + 0.1
            if not abs(nxt) < bound:  # also catches NaN
                ok = False
                break
            ys[t + 1] = nxt
        if ok:
            y = np.asarray(ys[1:])
            return u[washout:].copy(), y[washout:].copy()
    raise RuntimeError(f"NARMA10 diverged (|y| >= {bound}) in {max_tries} tries")


def nrmse(y, yhat) -> float:
    """Normalised root-mean-square error ``RMSE(y, yhat) / std(y)``.

    Parameters
    ----------
    y, yhat : array_like
        Target and prediction of the same shape (non-constant target).

    Returns
    -------
    float
        NRMSE (0 is perfect; 1 is predicting the mean).
    """
    a = validate_input(y, "y", ndim=(1, 2))
    b = validate_input(yhat, "yhat", ndim=(1, 2))
    if a.shape != b.shape:
        raise ValueError(f"y and yhat must have the same shape, not {a.shape} and {b.shape}")
    sd = float(np.std(a))
    if sd == 0.0:
        raise ValueError("y is constant: NRMSE is undefined")
    return float(np.sqrt(np.mean((a - b) ** 2)) / sd)


def sine_square(T: int, seed=None, *, points_per_period: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Random sequence of sine and square periods for waveform classification.

    Each period is, with probability 1/2, one period of ``sin(2 pi j / P)`` or of the
    square wave ``+1`` for ``j < P/2`` and ``-1`` otherwise (``j = 0..P-1``).

    Parameters
    ----------
    T : int
        Number of samples (the last period is truncated if needed).
    seed : int, numpy.random.Generator or None
        Seed for ``numpy.random.default_rng``.
    points_per_period : int, default 8
        Samples per period (even, >= 2).

    Returns
    -------
    u : numpy.ndarray, shape (T,)
        Waveform.
    labels : numpy.ndarray of int, shape (T,)
        0 for a sine sample, 1 for a square sample.
    """
    T = _check_int("T", T, 1)
    ppp = _check_int("points_per_period", points_per_period, 2)
    if ppp % 2:
        raise ValueError(f"points_per_period must be even, not {ppp}")
    rng = np.random.default_rng(seed)
    n_periods = -(-T // ppp)
    kinds = rng.integers(0, 2, size=n_periods)
    j = np.arange(ppp)
    sine = np.sin(2.0 * np.pi * j / ppp)
    square = np.where(j < ppp // 2, 1.0, -1.0)
    u = np.where(kinds[:, None] == 1, square[None, :], sine[None, :]).reshape(-1)[:T]
    labels = np.repeat(kinds, ppp)[:T].astype(np.int64)
    return u, labels


def mackey_glass(
    T: int,
    tau: float = 17.0,
    *,
    beta: float = 0.2,
    gamma: float = 0.1,
    n: float = 10.0,
    dt: float = 0.1,
    sample_every: float = 1.0,
    x0: float = 1.2,
    washout: int = 0,
    seed=None,
) -> np.ndarray:
    """Sample the Mackey-Glass system ``dx/dt = beta x_tau / (1 + x_tau^n) - gamma x``.

    Integrated with classical RK4 at step `dt` (``tau / dt`` rounded to an integer number
    of steps; the delayed value at half steps is the mean of the two neighbouring grid
    values).  The history for ``t <= 0`` is ``x0`` (plus, if `seed` is given, a small
    i.i.d. perturbation of size 0.01 so that different seeds give different orbits).

    Parameters
    ----------
    T : int
        Number of returned samples.
    tau : float, default 17
        Delay (chaotic for tau >= ~17 with the default parameters).
    beta, gamma, n : float
        Model parameters (defaults 0.2, 0.1, 10).
    dt : float, default 0.1
        Integration step.
    sample_every : float, default 1.0
        Time between returned samples (a multiple of `dt`).
    x0 : float, default 1.2
        Constant initial history.
    washout : int, default 0
        Number of initial samples to discard.
    seed : int, numpy.random.Generator or None
        Seed of the history perturbation (None: exact constant history).

    Returns
    -------
    numpy.ndarray
        ``x`` at times ``(washout + k) * sample_every``, shape ``(T,)``.
    """
    T = _check_int("T", T, 1)
    washout = _check_int("washout", washout, 0)
    for name, v in (("tau", tau), ("dt", dt), ("sample_every", sample_every)):
        if not np.isfinite(v) or v <= 0:
            raise ValueError(f"{name} must be > 0, not {v!r}")
    for name, v in (("beta", beta), ("gamma", gamma), ("n", n), ("x0", x0)):
        if not np.isfinite(v):
            raise ValueError(f"{name} must be finite, not {v!r}")
    lag = int(round(tau / dt))
    stride = int(round(sample_every / dt))
    if lag < 1 or abs(lag * dt - tau) > 1e-9 * max(1.0, tau):
        raise ValueError(f"tau / dt must be a positive integer, not {tau / dt!r}")
    if stride < 1 or abs(stride * dt - sample_every) > 1e-9 * max(1.0, sample_every):
        raise ValueError(f"sample_every / dt must be a positive integer, not {sample_every / dt!r}")
    hist = np.full(lag + 1, float(x0))
    if seed is not None:
        hist += 0.01 * np.random.default_rng(seed).standard_normal(lag + 1)
    n_steps = (T + washout - 1) * stride
    x = np.empty(lag + 1 + n_steps)
    x[: lag + 1] = hist
    xs = x.tolist()

    def rhs(xv: float, xd: float) -> float:
        return beta * xd / (1.0 + xd**n) - gamma * xv

    for k in range(lag, lag + n_steps):
        xv = xs[k]
        d0 = xs[k - lag]
        d1 = xs[k - lag + 1]
        dm = 0.5 * (d0 + d1)
        k1 = rhs(xv, d0)
        k2 = rhs(xv + 0.5 * dt * k1, dm)
        k3 = rhs(xv + 0.5 * dt * k2, dm)
        k4 = rhs(xv + dt * k3, d1)
        xs[k + 1] = xv + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
    out = np.asarray(xs[lag:])[::stride]
    return out[washout : washout + T].copy()


@dataclass(frozen=True)
class MemoryCapacity:
    """Result of :func:`memory_capacity`.

    Attributes
    ----------
    total : float
        ``MC = sum_k r^2(u(t-k), yhat_k(t))`` over ``k = min_delay..max_delay``.
    per_delay : numpy.ndarray
        ``r^2`` for each delay.
    delays : numpy.ndarray
        The delays ``min_delay..max_delay``.
    """

    total: float
    per_delay: np.ndarray
    delays: np.ndarray

    def __float__(self) -> float:
        return self.total


def memory_capacity(
    transform: Callable[[np.ndarray], np.ndarray],
    *,
    n_train: int = 2000,
    n_test: int = 1000,
    max_delay: int = 40,
    ridge: float = 1e-8,
    seed=None,
    washout: int = 100,
    low: float = -1.0,
    high: float = 1.0,
    min_delay: int = 1,
) -> MemoryCapacity:
    """Short-term memory capacity of a reservoir (Jaeger 2002).

    An i.i.d. input ``u ~ U[low, high]`` is fed to ``transform``; for each delay
    ``k = min_delay..max_delay`` a ridge readout (with bias) is trained to output ``u(t-k)`` on
    the training part and ``r^2`` (squared Pearson correlation) is measured on the test
    part.  ``MC = sum_k r^2`` (at most the number of features).

    Parameters
    ----------
    transform : callable
        ``transform(u)`` with ``u`` of shape ``(T,)`` returns states of shape
        ``(T, n_features)`` -- any reservoir backend.
    n_train, n_test : int
        Lengths of the training and test parts (after the washout).
    max_delay : int
        Largest delay.
    ridge : float
        Ridge parameter of the readouts.
    seed : int, numpy.random.Generator or None
        Seed of the input.
    washout : int
        Initial samples discarded (also >= the delays, so every target exists).
    low, high : float
        Input range.
    min_delay : int, default 1
        Smallest delay (Jaeger's definition starts at 1; some STNO papers include 0).

    Returns
    -------
    MemoryCapacity
        Total and per-delay capacity.
    """
    if not callable(transform):
        raise ValueError(f"transform must be callable, not {type(transform).__name__}")
    n_train = _check_int("n_train", n_train, 2)
    n_test = _check_int("n_test", n_test, 2)
    max_delay = _check_int("max_delay", max_delay, 1)
    min_delay = _check_int("min_delay", min_delay, 0)
    if min_delay > max_delay:
        raise ValueError(f"min_delay ({min_delay}) must be <= max_delay ({max_delay})")
    washout = _check_int("washout", washout, 0)
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(f"need finite low < high, not low={low!r}, high={high!r}")
    start = max(washout, max_delay)
    rng = np.random.default_rng(seed)
    u = rng.uniform(low, high, size=start + n_train + n_test)
    states = validate_input(transform(u), "transform(u)", ndim=2)
    if states.shape[0] != u.shape[0]:
        raise ValueError(
            f"transform(u) must return one row per input sample ({u.shape[0]}), not {states.shape[0]}"
        )
    tr = slice(start, start + n_train)
    te = slice(start + n_train, start + n_train + n_test)
    delays = np.arange(min_delay, max_delay + 1)
    # All delays share the design matrix: one multi-output ridge fit.
    targets = np.stack([np.roll(u, k) for k in delays], axis=1)
    w = ridge_fit(states[tr], targets[tr], ridge)
    pred = ridge_predict(states[te], w)
    yt = targets[te]
    yc = yt - yt.mean(axis=0)
    pc = pred - pred.mean(axis=0)
    denom = np.sqrt((yc**2).sum(axis=0) * (pc**2).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(denom > 0, (yc * pc).sum(axis=0) / denom, 0.0)
    r2 = r**2
    return MemoryCapacity(total=float(r2.sum()), per_delay=r2, delays=delays)
