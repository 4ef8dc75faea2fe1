"""Superparamagnetic magnetic tunnel junction (SMTJ) device model.

A superparamagnetic MTJ is a two-state telegraph process: its free layer sits
either parallel (P, resistance low) or antiparallel (AP) to the reference layer
and hops between the two by thermal activation (REFERENCE.md section 1).  We
encode the state as ``m = +1`` for AP and ``m = -1`` for P.

Dwell times (Neel-Arrhenius with spin-transfer torque and an optional easy-axis
field ``h``, barrier in units of kT)::

    b_P(I)  = delta * (1 - h/hk)**2 * (1 - (I - offset)/ic)
    b_AP(I) = delta * (1 + h/hk)**2 * (1 + (I - offset)/ic)
    tau_P   = tau0 * exp(b_P),   tau_AP = tau0 * exp(b_AP)

With ``h = 0`` and ``offset = 0`` these are exactly the REFERENCE.md formulas
``tau_P = tau0 exp(delta (1 - I/ic))`` and ``tau_AP = tau0 exp(delta (1 + I/ic))``.
A positive current lengthens the AP dwell and shortens the P dwell, so it
favours AP: ``p_AP = tau_AP / (tau_P + tau_AP) = (1 + tanh(delta I / ic)) / 2``.
The field factor is the Stoner-Wohlfarth ``(1 -+ h/hk)**2`` barrier modulation;
a positive field deepens the AP well.  The time-averaged state stays an exact
``tanh`` in the current, with

    <m>(I) = tanh(slope * (I - centre)),
    slope  = delta * (1 + (h/hk)**2) / ic,
    centre = offset - 2 (h/hk) ic / (1 + (h/hk)**2).

The STT term is linear in the current for all currents; for ``|I - offset| >= ic``
the barrier formula is extrapolated (dwell times shorter than ``tau0``), which
the model allows but which is outside its physical range.

Derived quantities (all exact for the two-state Markov process):

- switching rate ``r = 2 / (tau_P + tau_AP)`` (a sech-shaped tuning curve),
- correlation time ``tau_c = (1/tau_P + 1/tau_AP)**-1``,
- autocovariance ``<m(0) m(t)> - <m>**2 = 4 p (1 - p) exp(-|t| / tau_c)``.

Simulation:

- :meth:`SMTJ.telegraph` is exact and event-driven (exponential dwell times).
- :meth:`SMTJ.fixed_step` samples the process on a grid of step ``dt``.  By
  default it uses the exact transition probabilities of the continuous-time chain
  over one step (``scheme="exact"``), so mean state and autocorrelation at the
  grid times are exact for any ``dt``; ``scheme="first_flip"`` uses
  ``1 - exp(-dt/tau)`` per state, which is exact only to first order in
  ``dt / tau_c`` (see :meth:`SMTJ.flip_probabilities`).

All physical quantities are SI: seconds, amperes, and the field ``h_field`` and
anisotropy field ``hk`` in A/m (only their ratio enters).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = [
    "SMTJ",
    "SMTJPopulation",
    "dwell_times",
    "sample_states",
    "time_average",
]

_FLIP_SCHEMES = ("exact", "first_flip")


# --------------------------------------------------------------------------- validation
def _positive(name, value):
    """Return ``value`` as float after checking it is finite and > 0."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a finite number > 0, not {value!r}") from None
    if not math.isfinite(v) or v <= 0.0:
        raise ValueError(f"{name} must be a finite number > 0, not {value!r}")
    return v


def _finite(name, value):
    """Return ``value`` as float after checking it is finite."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a finite number, not {value!r}") from None
    if not math.isfinite(v):
        raise ValueError(f"{name} must be a finite number, not {value!r}")
    return v


def _nonneg(name, value):
    v = _finite(name, value)
    if v < 0.0:
        raise ValueError(f"{name} must be >= 0, not {value!r}")
    return v


def _currents(current, name="I"):
    """Return ``current`` as a float ndarray; raise ValueError on non-finite entries."""
    try:
        arr = np.asarray(current, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a finite number or array, not {current!r}") from None
    if not np.all(np.isfinite(arr)):
        bad = arr[~np.isfinite(arr)].ravel()[0]
        raise ValueError(f"{name} must be finite, not {bad!r}")
    return arr


def _scalar_current(current, name="I"):
    arr = _currents(current, name)
    if arr.ndim != 0:
        raise ValueError(f"{name} must be a scalar current here, not an array of shape {arr.shape}")
    return float(arr)


def _int_ge(name, value, low):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, not {value!r}")
    return int(value)


def _initial_state(initial_state):
    if initial_state is None:
        return None
    if isinstance(initial_state, bool) or initial_state not in (-1, 1):
        raise ValueError(f"initial_state must be -1 (P), +1 (AP) or None, not {initial_state!r}")
    return int(initial_state)


# --------------------------------------------------------------------------- core formulas
def _barriers(i, delta, ic, offset, hr):
    """Barriers (b_P, b_AP) in kT; all arguments broadcast."""
    x = (i - offset) / ic
    return delta * (1.0 - hr) ** 2 * (1.0 - x), delta * (1.0 + hr) ** 2 * (1.0 + x)


def _p_ap(b_p, b_ap):
    # tau_AP / (tau_P + tau_AP) = logistic(b_AP - b_P), written with tanh (no overflow)
    return 0.5 * (1.0 + np.tanh(0.5 * (b_ap - b_p)))


def _rate(tau0, b_p, b_ap):
    # 2 / (tau_P + tau_AP) evaluated in log space
    return 2.0 / tau0 * np.exp(-np.logaddexp(b_p, b_ap))


def _tau_c(tau0, b_p, b_ap):
    # (1/tau_P + 1/tau_AP)^-1 evaluated in log space
    return tau0 * np.exp(-np.logaddexp(-b_p, -b_ap))


def _tau(tau0, b):
    with np.errstate(over="ignore"):
        return tau0 * np.exp(b)


def _ret(x):
    """Return a Python float for 0-d results, the array otherwise."""
    x = np.asarray(x)
    return float(x) if x.ndim == 0 else x


def _check_events(rate, t_end, max_events):
    expected = float(np.sum(rate) * t_end)
    if expected > max_events:
        raise ValueError(
            f"t_end = {t_end!r} gives ~{expected:.3g} switches in total, more than "
            f"max_events = {max_events!r}"
        )


def _window_statistics(tau_p, tau_ap, t_end, rng, initial=None):
    """Simulate independent telegraph processes on [0, t_end] exactly.

    Parameters
    ----------
    tau_p, tau_ap : ndarray
        Dwell-time means of each process (same shape).
    t_end : float
        Window length.
    rng : numpy.random.Generator
    initial : ndarray of int or None
        Initial states (+1 AP, -1 P); drawn from the stationary distribution if None.

    Returns
    -------
    counts : ndarray of int64
        Number of switches in (0, t_end).
    mean_state : ndarray of float
        Time average of m over the window.
    """
    tau_p = np.asarray(tau_p, dtype=float).ravel()
    tau_ap = np.asarray(tau_ap, dtype=float).ravel()
    n = tau_p.size
    with np.errstate(invalid="ignore"):
        p_ap = tau_ap / (tau_p + tau_ap)
    p_ap = np.where(np.isnan(p_ap), np.where(tau_ap > tau_p, 1.0, 0.5), p_ap)
    if initial is None:
        state = np.where(rng.random(n) < p_ap, 1, -1)
    else:
        state = np.broadcast_to(np.asarray(initial), (n,)).astype(np.int64)
    t = np.zeros(n)
    counts = np.zeros(n, dtype=np.int64)
    t_ap = np.zeros(n)
    active = np.arange(n)
    # dwells per element per chunk: expected remaining switches, bounded by memory
    while active.size:
        ta, tp = tau_ap[active], tau_p[active]
        s = state[active]
        rem = t_end - t[active]
        expected = rem * 2.0 / (ta + tp)
        k = int(min(max(8, 1.25 * np.max(expected) + 8), max(8, 4_000_000 // active.size), 65536))
        parity = np.where(np.arange(k) % 2 == 0, 1, -1)
        states = s[:, None] * parity[None, :]  # state of each dwell
        scale = np.where(states > 0, ta[:, None], tp[:, None])
        d = rng.standard_exponential((active.size, k)) * scale
        ends = np.cumsum(d, axis=1)  # end time of each dwell, relative to t
        inside = ends < rem[:, None]  # dwell j ends (with a switch) inside the window
        n_in = inside.sum(axis=1)
        done = n_in < k
        # time in AP: full AP dwells that end inside + clipped truncated dwell
        starts = np.concatenate([np.zeros((active.size, 1)), ends[:, :-1]], axis=1)
        clipped = np.clip(np.minimum(ends, rem[:, None]) - starts, 0.0, None)
        t_ap[active] += np.sum(np.where(states > 0, clipped, 0.0), axis=1)
        counts[active] += n_in
        t[active] += np.where(done, rem, ends[:, -1])
        state[active] = np.where(done, s, s * parity[k - 1] * -1)
        active = active[~done]
    return counts, 2.0 * t_ap / t_end - 1.0


# --------------------------------------------------------------------------- device
class SMTJ:
    """A single superparamagnetic MTJ (two-state telegraph device).

    Parameters
    ----------
    tau0 : float
        Attempt time in seconds (> 0).
    delta : float
        Zero-current, zero-field barrier in units of kT (> 0).
    ic : float
        Critical (STT) current in amperes (> 0).
    h_field : float
        Easy-axis field in A/m; positive favours AP.  ``|h_field| < hk``.
    hk : float
        Anisotropy field in A/m (> 0); only ``h_field / hk`` enters.
    offset : float
        Current offset in amperes: the device sees ``I - offset`` (device-to-device
        variation, e.g. a stray field or asymmetric barrier).

    Notes
    -----
    State encoding: ``m = +1`` is AP, ``m = -1`` is P.  See the module docstring
    for the formulas.  Every method accepts scalar or array currents (broadcast
    elementwise) unless it simulates a single trajectory.
    """

    def __init__(
        self,
        *,
        tau0=1e-9,
        delta=10.0,
        ic=100e-6,
        h_field=0.0,
        hk=8.0e4,
        offset=0.0,
    ):
        self.tau0 = _positive("tau0", tau0)
        self.delta = _positive("delta", delta)
        self.ic = _positive("ic", ic)
        self.hk = _positive("hk", hk)
        self.h_field = _finite("h_field", h_field)
        if abs(self.h_field) >= self.hk:
            raise ValueError(f"|h_field| must be < hk = {self.hk!r}, not {h_field!r}")
        self.offset = _finite("offset", offset)

    def __repr__(self):
        return (
            f"SMTJ(tau0={self.tau0!r}, delta={self.delta!r}, ic={self.ic!r}, "
            f"h_field={self.h_field!r}, hk={self.hk!r}, offset={self.offset!r})"
        )

    # ------------------------------------------------------------------ closed forms
    @property
    def h_ratio(self):
        """Reduced field ``h_field / hk``."""
        return self.h_field / self.hk

    @property
    def slope(self):
        """Sigmoid slope in 1/A: ``<m> = tanh(slope (I - centre))``."""
        return self.delta * (1.0 + self.h_ratio**2) / self.ic

    @property
    def centre(self):
        """Sigmoid centre in A (current where ``<m> = 0``)."""
        hr = self.h_ratio
        return self.offset - 2.0 * hr * self.ic / (1.0 + hr**2)

    def barriers(self, I):
        """Barriers ``(b_P, b_AP)`` in units of kT at current ``I``."""
        i = _currents(I)
        b_p, b_ap = _barriers(i, self.delta, self.ic, self.offset, self.h_ratio)
        return _ret(b_p), _ret(b_ap)

    def tau_p(self, I):
        """Mean dwell time in P (s): ``tau0 exp(b_P(I))``."""
        return _ret(_tau(self.tau0, self.barriers(I)[0]))

    def tau_ap(self, I):
        """Mean dwell time in AP (s): ``tau0 exp(b_AP(I))``."""
        return _ret(_tau(self.tau0, self.barriers(I)[1]))

    def p_ap(self, I):
        """Time-averaged probability of AP, ``tau_AP / (tau_P + tau_AP)``."""
        return _ret(_p_ap(*self.barriers(I)))

    def mean_state(self, I):
        """Time-averaged state ``<m> = 2 p_AP - 1`` in [-1, 1]."""
        b_p, b_ap = self.barriers(I)
        return _ret(np.tanh(0.5 * (np.asarray(b_ap) - b_p)))

    def rate(self, I):
        """Switching rate (switches per second) ``2 / (tau_P + tau_AP)``."""
        return _ret(_rate(self.tau0, *self.barriers(I)))

    def tau_c(self, I):
        """Correlation time (s) ``(1/tau_P + 1/tau_AP)**-1``."""
        return _ret(_tau_c(self.tau0, *self.barriers(I)))

    def autocorrelation(self, I, t):
        """Autocovariance of m: ``<m(0) m(t)> - <m>**2 = 4 p (1 - p) exp(-|t| / tau_c)``.

        ``I`` and ``t`` broadcast against each other; ``t`` in seconds.
        """
        t = _currents(t, "t")
        p = np.asarray(self.p_ap(I))
        tc = np.asarray(self.tau_c(I))
        return _ret(4.0 * p * (1.0 - p) * np.exp(-np.abs(t) / tc))

    def flip_probabilities(self, I, dt, *, scheme="exact"):
        """Per-step flip probabilities ``(p_flip_from_P, p_flip_from_AP)``.

        Parameters
        ----------
        I : float or array_like
            Current in A.
        dt : float
            Step (s), > 0.
        scheme : {"exact", "first_flip"}
            ``"exact"``: transition probabilities of the continuous-time chain over
            ``dt``, ``p_P->AP = (tau_c/tau_P) (1 - exp(-dt/tau_c))`` and
            ``p_AP->P = (tau_c/tau_AP) (1 - exp(-dt/tau_c))``.  The sampled chain
            then has exactly the device's stationary ``p_AP`` and lag-k
            autocorrelation ``exp(-k dt / tau_c)``.  ``"first_flip"``:
            ``1 - exp(-dt/tau)``, the probability of leaving the state within
            ``dt`` ignoring returns; its stationary ``p_AP`` is biased by
            ``O(dt/tau_c)`` and it equals the exact scheme only as ``dt -> 0``.

        Returns
        -------
        p_from_p, p_from_ap : float or ndarray
        """
        dt = _positive("dt", dt)
        if scheme not in _FLIP_SCHEMES:
            raise ValueError(f"scheme must be one of {_FLIP_SCHEMES}, not {scheme!r}")
        b_p, b_ap = (np.asarray(b) for b in self.barriers(I))
        if scheme == "first_flip":
            with np.errstate(over="ignore", under="ignore"):
                p1 = -np.expm1(-dt / _tau(self.tau0, b_p))
                p2 = -np.expm1(-dt / _tau(self.tau0, b_ap))
            return _ret(p1), _ret(p2)
        tc = _tau_c(self.tau0, b_p, b_ap)
        leave = -np.expm1(-dt / tc)
        # tau_c / tau_P = 1 / (1 + tau_P / tau_AP) = logistic(b_AP - b_P) = p_AP
        p1 = _p_ap(b_p, b_ap) * leave
        p2 = (1.0 - _p_ap(b_p, b_ap)) * leave
        return _ret(p1), _ret(p2)

    # ------------------------------------------------------------------ simulation
    def telegraph(self, I, t_end, seed, initial_state=None, *, max_events=20_000_000):
        """Exact event-driven telegraph trajectory at constant current.

        Parameters
        ----------
        I : float
            Constant current in A (scalar).
        t_end : float
            Duration in s (> 0).
        seed : int, numpy.random.Generator or None
            Passed to :func:`numpy.random.default_rng`.
        initial_state : {-1, +1, None}
            State at t = 0; drawn from the stationary distribution if None.
        max_events : int
            Refuse (ValueError) if more switches than this are expected.

        Returns
        -------
        switch_times : ndarray of float
            ``switch_times[0] = 0.0``; ``switch_times[k]`` (k >= 1) is the k-th
            switch, all ``< t_end``.
        states : ndarray of int8
            ``states[k]`` is held on ``[switch_times[k], switch_times[k+1])``
            (the last one until ``t_end``).
        """
        i = _scalar_current(I)
        t_end = _positive("t_end", t_end)
        init = _initial_state(initial_state)
        rng = np.random.default_rng(seed)
        tp, tap = self.tau_p(i), self.tau_ap(i)
        expected = t_end * self.rate(i)
        if expected > max_events:
            raise ValueError(
                f"t_end = {t_end!r} gives ~{expected:.3g} switches, more than "
                f"max_events = {max_events!r}"
            )
        s0 = init if init is not None else (1 if rng.random() < self.p_ap(i) else -1)
        chunks = []
        t = 0.0
        state = s0
        while True:
            k = int(min(max(16, 1.1 * (t_end - t) * self.rate(i) + 16), 1 << 22))
            k += k % 2  # even, so the chunk starts and ends in the same parity
            st = state * np.where(np.arange(k) % 2 == 0, 1, -1)
            d = rng.standard_exponential(k) * np.where(st > 0, tap, tp)
            ends = t + np.cumsum(d)
            n_in = int(np.searchsorted(ends, t_end, side="left"))
            chunks.append(ends[:n_in])
            if n_in < k:
                break
            t = float(ends[-1])
        sw = np.concatenate([[0.0], *chunks])
        states = (s0 * np.where(np.arange(sw.size) % 2 == 0, 1, -1)).astype(np.int8)
        return sw, states

    def window_statistics(self, I, t_end, seed, *, max_events=200_000_000):
        """Switch counts and time-averaged state of independent exact runs.

        Each element of ``I`` is an independent telegraph run of duration
        ``t_end`` started from the stationary distribution (vectorised
        event-driven simulation, no trajectory stored).

        Returns
        -------
        counts : ndarray of int64, shape of ``I``
            Switches in the window; ``counts / t_end`` estimates :meth:`rate`.
        mean_state : ndarray of float, shape of ``I``
            Time-averaged m; estimates :meth:`mean_state`.

        Raises
        ------
        ValueError
            Non-finite currents, ``t_end <= 0``, or more than ``max_events``
            switches expected in total.
        """
        i = _currents(I)
        t_end = _positive("t_end", t_end)
        _check_events(np.asarray(self.rate(i)), t_end, max_events)
        rng = np.random.default_rng(seed)
        c, m = _window_statistics(self.tau_p(i), self.tau_ap(i), t_end, rng)
        return c.reshape(i.shape), m.reshape(i.shape)

    def fixed_step(self, I, dt, n_steps, seed, initial_state=None, *, scheme="exact"):
        """Simulate the device sampled every ``dt`` (one Bernoulli flip per step).

        Parameters
        ----------
        I : float or array_like of shape (n_steps,)
            Current during each step (a scalar is held constant).
        dt : float
            Step in s (> 0).
        n_steps : int
            Number of steps (>= 1).
        seed : int, numpy.random.Generator or None
        initial_state : {-1, +1, None}
            State before the first step (stationary draw at ``I[0]`` if None).
        scheme : {"exact", "first_flip"}
            See :meth:`flip_probabilities`.

        Returns
        -------
        states : ndarray of int8, shape (n_steps,)
            ``states[k]`` is the state after step ``k`` (time ``(k + 1) dt``).
        """
        dt = _positive("dt", dt)
        n_steps = _int_ge("n_steps", n_steps, 1)
        init = _initial_state(initial_state)
        i = _currents(I)
        if i.ndim not in (0, 1) or (i.ndim == 1 and i.size != n_steps):
            raise ValueError(f"I must be a scalar or have shape ({n_steps},), not {i.shape}")
        rng = np.random.default_rng(seed)
        i0 = float(i) if i.ndim == 0 else float(i[0])
        s = init if init is not None else (1 if rng.random() < self.p_ap(i0) else -1)
        p_from_p, p_from_ap = self.flip_probabilities(i, dt, scheme=scheme)
        if i.ndim == 0:
            return _geometric_runs(float(p_from_p), float(p_from_ap), s, n_steps, rng)
        u = rng.random(n_steps)
        pp, pa = np.asarray(p_from_p).tolist(), np.asarray(p_from_ap).tolist()
        out = []
        for k, uk in enumerate(u.tolist()):
            if uk < (pa[k] if s > 0 else pp[k]):
                s = -s
            out.append(s)
        return np.array(out, dtype=np.int8)


def _geometric_runs(p_from_p, p_from_ap, s0, n_steps, rng):
    """Constant-probability fixed-step chain via geometric run lengths (exact)."""
    out = np.empty(n_steps, dtype=np.int8)
    pos = 0
    s = s0
    first = True
    big = n_steps + 1
    while pos < n_steps:
        # a block of alternating runs
        k = 64
        p_leave_s, p_leave_other = (p_from_ap, p_from_p) if s > 0 else (p_from_p, p_from_ap)
        ps = np.where(np.arange(k) % 2 == 0, p_leave_s, p_leave_other)
        runs = np.full(k, big, dtype=np.int64)
        ok = ps > 1e-15  # below this a flip within any feasible n_steps is negligible
        runs[ok] = rng.geometric(ps[ok])
        if first:
            runs[0] -= 1  # the initial state is not part of the output
            first = False
        for j, r in enumerate(runs.tolist()):
            st = s if j % 2 == 0 else -s
            end = min(n_steps, pos + r)
            out[pos:end] = st
            pos = end
            if pos >= n_steps:
                break
        # k is even, so the next block starts in state s again
    return out


# --------------------------------------------------------------------------- trajectory helpers
def _check_trajectory(switch_times, states, t_end):
    sw = np.asarray(switch_times, dtype=float)
    st = np.asarray(states)
    if sw.ndim != 1 or st.shape != sw.shape or sw.size == 0:
        raise ValueError(
            f"switch_times and states must be 1-d of equal non-zero length, not "
            f"{sw.shape} and {st.shape}"
        )
    t_end = _positive("t_end", t_end)
    if sw[-1] >= t_end:
        raise ValueError(f"t_end must exceed the last switch time {sw[-1]!r}, not {t_end!r}")
    return sw, st, t_end


def dwell_times(switch_times, states, t_end):
    """Complete dwell times of a telegraph trajectory, split by state.

    The last dwell (cut by ``t_end``) is dropped.  The first dwell is kept: with
    exponential dwells it is distributed like any other (memorylessness).

    Returns
    -------
    dwell_p, dwell_ap : ndarray of float
    """
    sw, st, _ = _check_trajectory(switch_times, states, t_end)
    d = np.diff(sw)
    s = st[:-1]
    return d[s < 0], d[s > 0]


def time_average(switch_times, states, t_end):
    """Time-averaged state of a telegraph trajectory over ``[0, t_end]``."""
    sw, st, t_end = _check_trajectory(switch_times, states, t_end)
    d = np.diff(np.append(sw, t_end))
    return float(np.sum(d * st) / (t_end - sw[0]))


def sample_states(switch_times, states, times):
    """State of a telegraph trajectory at the given ``times`` (>= switch_times[0])."""
    sw = np.asarray(switch_times, dtype=float)
    st = np.asarray(states)
    t = _currents(times, "times")
    if np.any(t < sw[0]):
        raise ValueError(f"times must be >= {sw[0]!r}, not {float(np.min(t))!r}")
    return st[np.searchsorted(sw, t, side="right") - 1]


# --------------------------------------------------------------------------- population
class SMTJPopulation:
    """A population of SMTJs with device-to-device variation.

    Parameters
    ----------
    n : int
        Number of devices (>= 1).
    delta_spread : float
        Standard deviation of ``log(delta_i)`` (lognormal around the nominal
        ``delta``; roughly the relative spread), >= 0.
    ic_spread : float
        Standard deviation of ``log(ic_i)``, >= 0.
    offset_spread : float
        Standard deviation (A) of the normal current offset added to the nominal
        ``offset``, >= 0.
    seed : int, numpy.random.Generator or None
        Seed for the draw of device parameters.
    **nominal
        Keyword arguments of :class:`SMTJ` (``tau0, delta, ic, h_field, hk,
        offset``) giving the nominal device.

    Notes
    -----
    The vectorised methods return arrays of shape ``(n, *np.shape(I))``: row
    ``k`` is device ``k`` driven with the same current ``I``.
    """

    def __init__(self, *, n, delta_spread, ic_spread, offset_spread, seed, **nominal):
        self.n = _int_ge("n", n, 1)
        self.delta_spread = _nonneg("delta_spread", delta_spread)
        self.ic_spread = _nonneg("ic_spread", ic_spread)
        self.offset_spread = _nonneg("offset_spread", offset_spread)
        self.nominal = SMTJ(**nominal)
        rng = np.random.default_rng(seed)
        z = rng.standard_normal((3, self.n))
        nom = self.nominal
        self.deltas = nom.delta * np.exp(self.delta_spread * z[0])
        self.ics = nom.ic * np.exp(self.ic_spread * z[1])
        self.offsets = nom.offset + self.offset_spread * z[2]
        self.devices = [
            SMTJ(
                tau0=nom.tau0,
                delta=float(d),
                ic=float(c),
                h_field=nom.h_field,
                hk=nom.hk,
                offset=float(o),
            )
            for d, c, o in zip(self.deltas, self.ics, self.offsets, strict=True)
        ]

    def __len__(self):
        return self.n

    def __repr__(self):
        return (
            f"SMTJPopulation(n={self.n!r}, delta_spread={self.delta_spread!r}, "
            f"ic_spread={self.ic_spread!r}, offset_spread={self.offset_spread!r}, "
            f"nominal={self.nominal!r})"
        )

    @property
    def slopes(self):
        """True sigmoid slopes (1/A), shape (n,)."""
        return np.array([d.slope for d in self.devices])

    @property
    def centres(self):
        """True sigmoid centres (A), shape (n,)."""
        return np.array([d.centre for d in self.devices])

    def _b(self, I):
        i = _currents(I)
        shape = (self.n,) + (1,) * i.ndim
        return _barriers(
            i[None, ...],
            self.deltas.reshape(shape),
            self.ics.reshape(shape),
            self.offsets.reshape(shape),
            self.nominal.h_ratio,
        )

    def p_ap(self, I):
        """``p_AP`` of every device, shape (n, *shape(I))."""
        return _p_ap(*self._b(I))

    def mean_state(self, I):
        """``<m>`` of every device, shape (n, *shape(I))."""
        b_p, b_ap = self._b(I)
        return np.tanh(0.5 * (b_ap - b_p))

    def rate(self, I):
        """Switching rate of every device (1/s), shape (n, *shape(I))."""
        return _rate(self.nominal.tau0, *self._b(I))

    def tau_c(self, I):
        """Correlation time of every device (s), shape (n, *shape(I))."""
        return _tau_c(self.nominal.tau0, *self._b(I))

    def tau_p(self, I):
        """Mean P dwell time of every device (s), shape (n, *shape(I))."""
        return _tau(self.nominal.tau0, self._b(I)[0])

    def tau_ap(self, I):
        """Mean AP dwell time of every device (s), shape (n, *shape(I))."""
        return _tau(self.nominal.tau0, self._b(I)[1])

    def window_statistics(self, I, t_end, seed, *, max_events=200_000_000):
        """Exact switch counts and time-averaged states, shape (n, *shape(I)).

        Every device is driven with the same ``I``; each (device, current) pair is
        an independent run of length ``t_end`` from the stationary distribution
        (see :meth:`SMTJ.window_statistics`).  For per-device currents use
        :meth:`window_statistics_per_device`.
        """
        t_end = _positive("t_end", t_end)
        _check_events(self.rate(I), t_end, max_events)
        rng = np.random.default_rng(seed)
        tp, tap = self.tau_p(I), self.tau_ap(I)
        c, m = _window_statistics(tp, tap, t_end, rng)
        return c.reshape(tp.shape), m.reshape(tp.shape)

    def window_statistics_per_device(self, I, t_end, seed, *, max_events=200_000_000):
        """Like :meth:`window_statistics` but ``I`` has shape (n, ...): row k drives device k."""
        i = _currents(I)
        if i.ndim < 1 or i.shape[0] != self.n:
            raise ValueError(f"I must have shape ({self.n}, ...), not {i.shape}")
        t_end = _positive("t_end", t_end)
        rng = np.random.default_rng(seed)
        shape = (self.n,) + (1,) * (i.ndim - 1)
        b_p, b_ap = _barriers(
            i,
            self.deltas.reshape(shape),
            self.ics.reshape(shape),
            self.offsets.reshape(shape),
            self.nominal.h_ratio,
        )
        tau0 = self.nominal.tau0
        _check_events(_rate(tau0, b_p, b_ap), t_end, max_events)
        c, m = _window_statistics(_tau(tau0, b_p), _tau(tau0, b_ap), t_end, rng)
        return c.reshape(i.shape), m.reshape(i.shape)
