"""Calibration of SMTJ sigmoids and per-device input compensation.

Every SMTJ p-bit has its own transfer curve ``<m>(I) = tanh(slope (I - centre))``
(REFERENCE.md section 1).  This module

1. measures that curve from a simulated device (:func:`measure_sigmoid`,
   exact event-driven time averages) or reads it from a CSV file of measured
   data (:func:`read_sigmoid_csv`),
2. fits ``centre`` and ``slope`` with standard errors (:func:`fit_sigmoid`,
   weighted least squares with a small Levenberg-Marquardt loop in numpy; no
   scipy needed at run time),
3. computes a per-device linear input map ``I -> a_i I + b_i`` that puts every
   device on one target sigmoid (:func:`compensation`; the gain and offset
   registers of a hardware p-bit), and
4. evaluates ``P(m = +1)`` of a fitted device (:func:`smtj_probability`), which
   the hardware LUT builder uses for ``sigmoid = "smtj"``.

CSV format (:func:`read_sigmoid_csv`)
-------------------------------------
Comma-separated text.  Blank lines and lines whose first non-blank character is
``#`` are skipped.  The first remaining line is the header; column names are
case-insensitive and may be padded with spaces:

- ``current`` (required): drive current in amperes;
- exactly one of ``mean_state`` (time-averaged m in [-1, 1], +1 = AP) or
  ``p_ap`` (time-averaged probability of AP in [0, 1]);
- ``stderr`` (optional): standard error of the value in the state column, in
  that column's units (must be > 0);
- any other column is ignored.

Example::

    # device 7, 300 K
    current,mean_state,stderr
    -2e-05,-0.962,0.004
    0.0,0.011,0.010

A malformed row raises :class:`CalibrationDataError` naming the data row
(1-based, header excluded), the file line, and the offending text.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "CalibrationDataError",
    "Compensation",
    "SigmoidFit",
    "calibrate_device",
    "calibrate_population",
    "compensation",
    "fit_csv",
    "fit_sigmoid",
    "measure_sigmoid",
    "read_sigmoid_csv",
    "smtj_probability",
]


class CalibrationDataError(ValueError):
    """Malformed calibration data (bad CSV header or row, too few points)."""


@dataclass(frozen=True)
class SigmoidFit:
    """Fitted device sigmoid ``<m>(I) = tanh(slope (I - centre))``.

    Attributes
    ----------
    centre : float
        Current (A) at which ``<m> = 0``.
    slope : float
        Slope (1/A); ``1 / slope`` is the current scale ``I0 = ic / delta``.
    centre_err, slope_err : float
        One-sigma standard errors.
    n_points : int
        Number of data points used.
    """

    centre: float
    slope: float
    centre_err: float
    slope_err: float
    n_points: int

    def mean_state(self, I):
        """``tanh(slope (I - centre))``."""
        return np.tanh(self.slope * (np.asarray(I, dtype=float) - self.centre))

    def p_ap(self, I):
        """``(1 + tanh(slope (I - centre))) / 2``."""
        return smtj_probability(I, self)


@dataclass(frozen=True)
class Compensation:
    """Per-device input map ``I_i = gain[i] * I + offset[i]``.

    Iterating yields ``(gain, offset)``, so ``a, b = compensation(...)`` works.

    Attributes
    ----------
    gain, offset : ndarray
        ``a_i`` (dimensionless) and ``b_i`` (A), one per fit.
    gain_err, offset_err : ndarray
        Standard errors propagated from the fits (centre/slope covariance
        neglected; exact for ``target_centre = 0`` where ``offset = centre``).
    target_slope, target_centre : float
        The sigmoid every compensated device follows.
    """

    gain: np.ndarray
    offset: np.ndarray
    gain_err: np.ndarray
    offset_err: np.ndarray
    target_slope: float
    target_centre: float

    def __iter__(self) -> Iterator[np.ndarray]:
        yield self.gain
        yield self.offset

    def apply(self, I):
        """Per-device drive currents, shape ``(n_devices, *shape(I))``."""
        i = np.asarray(I, dtype=float)
        shape = (self.gain.size,) + (1,) * i.ndim
        return self.gain.reshape(shape) * i[None, ...] + self.offset.reshape(shape)


# --------------------------------------------------------------------------- fitting
def _as_1d(name, x):
    try:
        a = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a 1-d array of numbers, not {x!r}") from None
    if a.ndim != 1:
        raise ValueError(f"{name} must be 1-d, not shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite, not {a[~np.isfinite(a)][0]!r}")
    return a


def _initial_guess(x, m, w):
    """Weighted straight line through arctanh(m) (clipped) -> (centre, slope)."""
    keep = np.abs(m) < 0.9
    if keep.sum() < 2:
        keep = np.ones_like(m, dtype=bool)
    y = np.arctanh(np.clip(m[keep], -0.95, 0.95))
    xk, wk = x[keep], w[keep]
    a = np.vstack([xk, np.ones_like(xk)]).T * np.sqrt(wk)[:, None]
    (s, b), *_ = np.linalg.lstsq(a, y * np.sqrt(wk), rcond=None)
    if not np.isfinite(s) or s == 0.0:
        s = 1.0
    return -b / s, s


def fit_sigmoid(currents, mean_states, stderr=None, *, max_iter=200):
    """Fit ``<m> = tanh(slope (I - centre))`` by weighted least squares.

    Parameters
    ----------
    currents : array_like, shape (k,)
        Drive currents (A), at least 3 distinct values.
    mean_states : array_like, shape (k,)
        Measured time-averaged states in [-1, 1].
    stderr : array_like, shape (k,), optional
        Standard errors of ``mean_states`` (> 0).  If given, the parameter
        errors use them as absolute; if not, the fit is unweighted and the
        errors are scaled by the residual variance (``chi2 / (k - 2)``).
    max_iter : int
        Levenberg-Marquardt iteration limit.

    Returns
    -------
    SigmoidFit

    Raises
    ------
    CalibrationDataError
        Fewer than 3 distinct currents, fewer than 2 unsaturated points
        (``|m| < 0.95``; a step does not bound the slope), or data that do not
        constrain a sigmoid.
    ValueError
        Non-finite or mismatched inputs.
    """
    i = _as_1d("currents", currents)
    m = _as_1d("mean_states", mean_states)
    if m.shape != i.shape:
        raise ValueError(f"mean_states shape {m.shape} != currents shape {i.shape}")
    if np.any(np.abs(m) > 1.0):
        raise ValueError(f"mean_states must lie in [-1, 1], not {m[np.abs(m) > 1][0]!r}")
    if np.unique(i).size < 3:
        raise CalibrationDataError(
            f"need at least 3 distinct currents to fit a sigmoid, not {np.unique(i).size}"
        )
    if np.sum(np.abs(m) < 0.95) < 2:
        raise CalibrationDataError(
            "sweep does not resolve the transition: need at least 2 points with "
            f"|mean_state| < 0.95, got {int(np.sum(np.abs(m) < 0.95))}"
        )
    if stderr is None:
        sig = np.ones_like(m)
    else:
        sig = _as_1d("stderr", stderr)
        if sig.shape != i.shape:
            raise ValueError(f"stderr shape {sig.shape} != currents shape {i.shape}")
        if np.any(sig <= 0):
            raise ValueError(f"stderr must be > 0, not {sig[sig <= 0][0]!r}")
    w = 1.0 / sig**2
    # work in scaled units so both parameters are O(1)
    scale = float(np.std(i)) or 1.0
    x = i / scale
    c, s = _initial_guess(x, m, w)

    def chi2(c, s):
        return float(np.sum(w * (m - np.tanh(s * (x - c))) ** 2))

    def jac(c, s):
        t = np.tanh(s * (x - c))
        d = 1.0 - t**2
        return t, np.vstack([-s * d, (x - c) * d]).T  # d/dc, d/ds

    lam = 1e-3
    cur = chi2(c, s)
    for _ in range(max_iter):
        t, jm = jac(c, s)
        a = jm.T @ (w[:, None] * jm)
        g = jm.T @ (w * (m - t))
        step = np.linalg.solve(a + lam * np.diag(np.diag(a) + 1e-12), g)
        new = chi2(c + step[0], s + step[1])
        if new <= cur:
            c, s = c + step[0], s + step[1]
            done = cur - new <= 1e-12 * max(cur, 1e-300)
            cur = new
            lam = max(lam / 10.0, 1e-12)
            if done:
                break
        else:
            lam *= 10.0
            if lam > 1e12:
                break
    _, jm = jac(c, s)
    a = jm.T @ (w[:, None] * jm)
    if not np.all(np.isfinite(a)) or abs(np.linalg.det(a)) < 1e-300 or s == 0.0:
        raise CalibrationDataError("data do not constrain a sigmoid (all points saturated?)")
    cov = np.linalg.inv(a)
    if stderr is None:
        dof = i.size - 2
        cov = cov * (cur / dof if dof > 0 else np.inf)
    return SigmoidFit(
        centre=float(c * scale),
        slope=float(s / scale),
        centre_err=float(math.sqrt(max(cov[0, 0], 0.0)) * scale),
        slope_err=float(math.sqrt(max(cov[1, 1], 0.0)) / scale),
        n_points=int(i.size),
    )


# --------------------------------------------------------------------------- simulated devices
def _stderr_from_window(m, counts):
    # Time average of a telegraph signal over T >> tau_c has variance
    # 2 var(m) tau_c / T = 8 tau_P^2 tau_AP^2 / ((tau_P + tau_AP)^3 T); with
    # p = tau_AP/(tau_P+tau_AP) and N = 2T/(tau_P+tau_AP) switches this is
    # (1 - m^2)^2 / N.  Floors keep zero-switch / saturated points uninformative.
    n = np.maximum(counts, 1)
    return np.maximum(1.0 - m**2, 1.0 / (n + 1.0)) / np.sqrt(n)


def measure_sigmoid(device, currents, *, t_end, seed):
    """Measure a simulated device's transfer curve by exact telegraph time averages.

    Parameters
    ----------
    device : SMTJ
        Any object with ``window_statistics(I, t_end, seed)``.
    currents : array_like, shape (k,)
        Sweep currents (A).
    t_end : float
        Averaging window per current (s).
    seed : int, numpy.random.Generator or None

    Returns
    -------
    currents, mean_states, stderr : ndarray, shape (k,)
        ``stderr = (1 - m**2) / sqrt(N)`` with ``N`` the observed number of
        switches (the asymptotic standard error of a telegraph time average).
    """
    i = _as_1d("currents", currents)
    counts, m = device.window_statistics(i, t_end, seed)
    return i, m, _stderr_from_window(m, counts)


def calibrate_device(device, currents, *, t_end, seed):
    """Fit a simulated device's sigmoid: :func:`measure_sigmoid` + :func:`fit_sigmoid`."""
    return fit_sigmoid(*measure_sigmoid(device, currents, t_end=t_end, seed=seed))


def calibrate_population(population, currents, *, t_end, seed):
    """Fit every device of an :class:`~spinemu.sim_golden.smtj.SMTJPopulation`.

    All devices are swept over the same ``currents`` (one vectorised exact
    simulation) and fitted independently.

    Returns
    -------
    list of SigmoidFit
    """
    i = _as_1d("currents", currents)
    counts, m = population.window_statistics(i, t_end, seed)
    err = _stderr_from_window(m, counts)
    return [fit_sigmoid(i, m[k], err[k]) for k in range(m.shape[0])]


# --------------------------------------------------------------------------- CSV
def _csv_number(where, fields, col, idx):
    text = fields[idx]
    try:
        v = float(text)
    except ValueError:
        raise CalibrationDataError(f"{where}: bad {col} {text!r}") from None
    if not math.isfinite(v):
        raise CalibrationDataError(f"{where}: {col} must be finite, not {text!r}")
    return v


def read_sigmoid_csv(path):
    """Read measured ``current`` vs time-averaged state (format: module docstring).

    Returns
    -------
    currents, mean_states : ndarray
        ``p_ap`` columns are converted to ``mean_state = 2 p_ap - 1``.
    stderr : ndarray or None
        Standard errors of ``mean_states`` (``2 *`` the ``p_ap`` error), or None.

    Raises
    ------
    CalibrationDataError
        Missing/ambiguous header, wrong field count, unparsable or non-finite
        numbers, out-of-range states, non-positive stderr, or < 3 rows.
    """
    name = os.fspath(path)
    with open(name, newline="") as fh:
        lines = fh.read().splitlines()
    header = None
    rows = []
    for lineno, raw in enumerate(lines, start=1):
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        fields = [f.strip() for f in next(csv.reader([raw]))]
        if header is None:
            header = [f.lower() for f in fields]
            header_line = lineno
            continue
        rows.append((lineno, raw, fields))
    if header is None:
        raise CalibrationDataError(f"{name}: no header line found")
    if "current" not in header:
        raise CalibrationDataError(
            f"{name}: line {header_line}: header needs a 'current' column, got {header!r}"
        )
    kinds = [k for k in ("mean_state", "p_ap") if k in header]
    if len(kinds) != 1:
        raise CalibrationDataError(
            f"{name}: line {header_line}: header needs exactly one of 'mean_state' or "
            f"'p_ap', got {header!r}"
        )
    kind = kinds[0]
    for col in {"current", kind, "stderr"}:
        if header.count(col) > 1:
            raise CalibrationDataError(
                f"{name}: line {header_line}: duplicate column {col!r} in header"
            )
    ci, si = header.index("current"), header.index(kind)
    ei = header.index("stderr") if "stderr" in header else None
    lo, hi = (-1.0, 1.0) if kind == "mean_state" else (0.0, 1.0)
    cur, val, err = [], [], []
    for row, (lineno, raw, fields) in enumerate(rows, start=1):
        where = f"{name}: row {row} (line {lineno})"
        if len(fields) != len(header):
            raise CalibrationDataError(
                f"{where}: expected {len(header)} fields, got {len(fields)}: {raw!r}"
            )
        c = _csv_number(where, fields, "current", ci)
        v = _csv_number(where, fields, kind, si)
        if not lo <= v <= hi:
            raise CalibrationDataError(
                f"{where}: {kind} must be in [{lo:g}, {hi:g}], not {fields[si]!r}"
            )
        cur.append(c)
        val.append(v)
        if ei is not None:
            e = _csv_number(where, fields, "stderr", ei)
            if e <= 0:
                raise CalibrationDataError(f"{where}: stderr must be > 0, not {fields[ei]!r}")
            err.append(e)
    if len(cur) < 3:
        raise CalibrationDataError(f"{name}: need at least 3 data rows, got {len(cur)}")
    c_arr, v_arr = np.array(cur), np.array(val)
    e_arr = np.array(err) if ei is not None else None
    if kind == "p_ap":
        v_arr = 2.0 * v_arr - 1.0
        e_arr = None if e_arr is None else 2.0 * e_arr
    return c_arr, v_arr, e_arr


def fit_csv(path):
    """Fit the sigmoid of measured data in a CSV file (:func:`read_sigmoid_csv`)."""
    return fit_sigmoid(*read_sigmoid_csv(path))


# --------------------------------------------------------------------------- compensation and LUT
def compensation(fits: Sequence[SigmoidFit], *, target_slope, target_centre=0.0):
    """Per-device gain and offset that map every device onto one target sigmoid.

    Device ``i`` with ``<m> = tanh(s_i (I - c_i))`` driven with ``a_i I + b_i``
    follows ``tanh(target_slope (I - target_centre))`` when

        a_i = target_slope / s_i,    b_i = c_i - a_i * target_centre.

    Parameters
    ----------
    fits : sequence of SigmoidFit
    target_slope : float
        Non-zero, finite (1/A).
    target_centre : float
        Finite (A).

    Returns
    -------
    Compensation
        Unpacks as ``(gain, offset)`` arrays of length ``len(fits)``.
    """
    fits = list(fits)
    if not fits or not all(isinstance(f, SigmoidFit) for f in fits):
        raise ValueError(f"fits must be a non-empty sequence of SigmoidFit, not {fits!r}")
    ts = float(target_slope)
    if not math.isfinite(ts) or ts == 0.0:
        raise ValueError(f"target_slope must be finite and non-zero, not {target_slope!r}")
    tc = float(target_centre)
    if not math.isfinite(tc):
        raise ValueError(f"target_centre must be finite, not {target_centre!r}")
    s = np.array([f.slope for f in fits])
    c = np.array([f.centre for f in fits])
    if np.any(s == 0):
        raise ValueError("a fit has slope 0; it cannot be compensated")
    se = np.array([f.slope_err for f in fits])
    ce = np.array([f.centre_err for f in fits])
    gain = ts / s
    gain_err = np.abs(gain) * se / np.abs(s)
    offset = c - gain * tc
    offset_err = np.sqrt(ce**2 + (tc * gain_err) ** 2)
    return Compensation(
        gain=gain,
        offset=offset,
        gain_err=gain_err,
        offset_err=offset_err,
        target_slope=ts,
        target_centre=tc,
    )


def smtj_probability(I, fit):
    """``P(m = +1) = (1 + tanh(fit.slope (I - fit.centre))) / 2`` (m = +1 is AP).

    This is the transfer function the hardware LUT builder tabulates for
    ``sigmoid = "smtj"``.  ``I`` may be an array; non-finite values raise.
    """
    if not isinstance(fit, SigmoidFit):
        raise ValueError(f"fit must be a SigmoidFit, not {fit!r}")
    i = np.asarray(I, dtype=float)
    if not np.all(np.isfinite(i)):
        raise ValueError(f"I must be finite, not {i[~np.isfinite(i)].ravel()[0]!r}")
    p = 0.5 * (1.0 + np.tanh(fit.slope * (i - fit.centre)))
    return float(p) if p.ndim == 0 else p
