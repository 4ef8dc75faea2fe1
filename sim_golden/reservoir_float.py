"""Float golden model of a time-multiplexed single-STNO reservoir (delay-style).

One spin-torque nano-oscillator (:class:`~spinemu.sim_golden.stno.STNO`) is time
multiplexed into ``n_virtual`` virtual nodes (Torrejon et al., Nature 547, 428 (2017);
Appeltant et al., Nat. Commun. 2, 468 (2011)).  For input sample ``u(k)`` and node ``i``::

    zeta_{k,i} = zeta_dc + input_scaling * m_i * u(k)
                 + feedback * (x[n - D] - p0(zeta_dc))        (optional delay line)

is held for the node duration ``theta``, during which the power follows
``dp/dt = 2 Gamma_G ((zeta - 1) - (Q + zeta) p) p``.  ``integrator="exact"`` solves it
exactly (logistic: ``w = 1/p`` is linear)::

    A = 2 Gamma_G theta (zeta - 1),   B = 2 Gamma_G theta (Q + zeta)
    1/p <- exp(-A) / p + B (1 - exp(-A)) / A

which is what the fixed-point core computes; ``integrator="euler"`` takes ``substeps``
explicit Euler steps of size ``h = theta / substeps`` (``a = 2 Gamma_G h (zeta - 1)``,
``b = 2 Gamma_G h (Q + zeta)``, ``p <- p + (a - b p) p``), the only choice with thermal
noise (Euler-Maruyama).

and the power at the end of the node period is the state ``x_{k,i}`` (``x[n]`` with
``n = k n_virtual + i`` in the node stream).  The oscillator is never reset, so a node
duration shorter than the relaxation time ``1 / (2 Gamma_G (zeta_dc - 1))`` couples
neighbouring virtual nodes through the oscillator's inertia.

The optional delay-line feedback mirrors the delay loop of Appeltant-style reservoirs:
the state ``D = n_virtual + feedback_offset`` nodes earlier (the same node, one input
sample earlier, for ``feedback_offset = 0``; its neighbour for ``1``) is fed back into the
current, centred on the steady-state power ``p0(zeta_dc)`` so that ``zeta_dc`` stays the
operating point.  It gives the reservoir a memory longer than one input sample, which
the bare oscillator (relaxation time ~ a few node durations) does not have.

The readout is a ridge regression with an unpenalised bias (:func:`ridge_fit`,
:func:`ridge_predict`).

Measured with the default vortex :class:`~spinemu.sim_golden.stno.STNO` (tests and
``benchmarks/bench_reservoir_float.py``): NARMA10 with 400 nodes, ``theta = 40 ns``
(1.6 relaxation times at ``zeta_dc = 2``), ``input_scaling = 0.25``, real mask,
``feedback_offset = 1`` and a loop gain of 0.7 gives NRMSE ~0.12-0.15 (4000 training
samples); the bare oscillator (``feedback = 0``) only reaches ~0.83, because it
remembers the previous input only through the node at the sample boundary (memory
capacity ~1), while NARMA10 needs ten samples of memory.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .stno import STNO

__all__ = [
    "ReservoirParams",
    "make_mask",
    "run_reservoir",
    "ridge_fit",
    "ridge_predict",
    "validate_input",
]

_MASK_KINDS = ("binary", "real")
_READOUTS = ("power", "amplitude")
_INTEGRATORS = ("euler", "exact")


def make_mask(n_virtual: int, kind: str = "binary", seed=None) -> np.ndarray:
    """Draw a random input mask.

    Parameters
    ----------
    n_virtual : int
        Number of virtual nodes.
    kind : {"binary", "real"}
        ``"binary"``: i.i.d. +-1 with probability 1/2; ``"real"``: i.i.d. U[-1, 1].
    seed : int, numpy.random.Generator or None
        Seed for ``numpy.random.default_rng``.

    Returns
    -------
    numpy.ndarray
        Mask of shape ``(n_virtual,)``.
    """
    if kind not in _MASK_KINDS:
        raise ValueError(f"mask kind must be one of {_MASK_KINDS}, not {kind!r}")
    rng = np.random.default_rng(seed)
    if kind == "binary":
        return rng.choice(np.array([-1.0, 1.0]), size=n_virtual)
    return rng.uniform(-1.0, 1.0, size=n_virtual)


@dataclass(frozen=True)
class ReservoirParams:
    """Parameters of the time-multiplexed STNO reservoir.

    Parameters
    ----------
    n_virtual : int, default 400
        Number of virtual nodes per input sample.
    theta : float, default 40e-9
        Node duration in s.
    substeps : int, default 10
        Explicit Euler steps per node duration (``integrator="euler"``).
    input_scaling : float, default 0.25
        Gain from input to normalised current.
    zeta_dc : float, default 2.0
        DC bias current over the threshold current.
    mask_kind : {"binary", "real"}, default "real"
        Distribution of the random mask (ignored if `mask` is given).
    mask_seed : int or None, default 0
        Seed of the random mask.
    mask : tuple of float or None
        Explicit mask of length `n_virtual` (overrides `mask_kind`/`mask_seed`).
    feedback : float, default 0.0
        Gain of the optional delay-line feedback (0 disables it).
    feedback_offset : int, default 1
        Delay of the feedback in nodes is ``n_virtual + feedback_offset`` (>= 0); 1
        (desynchronised loop) couples node ``i`` to node ``i - 1`` of the previous sample.
    readout : {"power", "amplitude"}, default "power"
        State sampled at the end of each node: ``p`` or ``sqrt(p)``.
    device : STNO
        The oscillator (``gamma_g`` and ``q`` enter the power equation; ``noise > 0``
        adds thermal noise, seeded by the ``seed`` of :func:`run_reservoir`).
    integrator : {"euler", "exact"}, default "euler"
        How the power advances over a node: explicit Euler sub-steps, or the exact
        solution of the noise-free equation (what the fixed-point core computes).
    """

    n_virtual: int = 400
    theta: float = 40e-9
    substeps: int = 10
    input_scaling: float = 0.25
    zeta_dc: float = 2.0
    mask_kind: str = "real"
    mask_seed: int | None = 0
    mask: tuple[float, ...] | None = None
    feedback: float = 0.0
    feedback_offset: int = 1
    readout: str = "power"
    device: STNO = field(default_factory=STNO)
    integrator: str = "euler"

    def __post_init__(self) -> None:
        def _int(name: str, value, minimum: int) -> None:
            if isinstance(value, bool) or not isinstance(value, int | np.integer):
                raise ValueError(f"{name} must be an integer, not {value!r}")
            if value < minimum:
                raise ValueError(f"{name} must be >= {minimum}, not {value!r}")

        def _finite(name: str, value) -> float:
            try:
                v = float(value)
            except (TypeError, ValueError):
                raise ValueError(f"{name} must be a real number, not {value!r}") from None
            if not np.isfinite(v):
                raise ValueError(f"{name} must be finite, not {value!r}")
            return v

        _int("n_virtual", self.n_virtual, 1)
        _int("substeps", self.substeps, 1)
        _int("feedback_offset", self.feedback_offset, 0)
        if _finite("theta", self.theta) <= 0.0:
            raise ValueError(f"theta must be > 0, not {self.theta!r}")
        _finite("input_scaling", self.input_scaling)
        _finite("zeta_dc", self.zeta_dc)
        _finite("feedback", self.feedback)
        if self.mask_kind not in _MASK_KINDS:
            raise ValueError(f"mask_kind must be one of {_MASK_KINDS}, not {self.mask_kind!r}")
        if self.readout not in _READOUTS:
            raise ValueError(f"readout must be one of {_READOUTS}, not {self.readout!r}")
        if not isinstance(self.device, STNO):
            raise ValueError(f"device must be an STNO, not {self.device!r}")
        if self.integrator not in _INTEGRATORS:
            raise ValueError(f"integrator must be one of {_INTEGRATORS}, not {self.integrator!r}")
        if self.integrator == "exact" and self.device.noise > 0.0:
            raise ValueError("integrator='exact' is noise-free; thermal noise needs integrator='euler'")
        if self.mask is not None:
            m = np.asarray(self.mask, dtype=float)
            if m.shape != (self.n_virtual,):
                raise ValueError(
                    f"mask must have shape ({self.n_virtual},) to match n_virtual, not {m.shape}"
                )
            if not np.all(np.isfinite(m)):
                raise ValueError("mask must be finite (got NaN or inf)")
            object.__setattr__(self, "mask", tuple(m.tolist()))
        # Explicit Euler on the stiffest linearisation (p = 1, zeta ~ zeta_dc) must be
        # stable: f'(1) = -2 Gamma_G (1 + zeta + 2 Q), and |1 + h f'| < 1 needs
        # h 2 Gamma_G (1 + zeta + 2 Q) < 2.
        h = self.dt
        if self.integrator == "exact":
            return
        stiff = 2.0 * self.device.gamma_g * (1.0 + abs(self.zeta_dc) + 2.0 * abs(self.device.q))
        if h * stiff >= 2.0:
            raise ValueError(
                f"theta / substeps = {h!r} s is too coarse for explicit Euler "
                f"(needs < {2.0 / stiff!r} s); increase substeps"
            )

    @property
    def dt(self) -> float:
        """Euler step ``theta / substeps`` in s."""
        return float(self.theta) / self.substeps

    def mask_array(self) -> np.ndarray:
        """The input mask as an array of shape ``(n_virtual,)``."""
        if self.mask is not None:
            return np.asarray(self.mask, dtype=float)
        return make_mask(self.n_virtual, self.mask_kind, self.mask_seed)

    @property
    def loop_gain(self) -> float:
        """Static gain of the feedback loop, ``feedback * dp0/dzeta`` at ``zeta_dc``."""
        return float(self.feedback) * float(self.device.steady_state_slope(self.zeta_dc))

    def p_dc(self) -> float:
        """Steady-state power at the DC bias (feedback centre, initial state)."""
        return float(self.device.steady_state(self.zeta_dc))


def validate_input(u, name: str = "u", *, ndim: int | tuple[int, ...] = 1) -> np.ndarray:
    """Return `u` as a float array after checking its shape and finiteness.

    Parameters
    ----------
    u : array_like
        Input.
    name : str
        Name used in the error message.
    ndim : int or tuple of int
        Allowed number(s) of dimensions.

    Returns
    -------
    numpy.ndarray
        ``u`` as float64.

    Raises
    ------
    ValueError
        If `u` is not numeric, has the wrong number of dimensions, is empty, or contains
        NaN or inf.
    """
    try:
        arr = np.asarray(u, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a numeric array, not {type(u).__name__}") from None
    allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    if arr.ndim not in allowed:
        raise ValueError(
            f"{name} must have {' or '.join(map(str, allowed))} dimension(s), not shape {arr.shape}"
        )
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty (shape {arr.shape})")
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{name} contains NaN or inf ({int(bad.sum())} value(s), first at index {idx})")
    return arr


def run_reservoir(params: ReservoirParams, u, *, p_init: float | None = None, seed=None):
    """Drive the time-multiplexed STNO reservoir with an input sequence.

    Parameters
    ----------
    params : ReservoirParams
        Reservoir parameters.
    u : array_like, shape (T,) or (T, 1)
        Input sequence.
    p_init : float, optional
        Initial power (default: steady state at ``zeta_dc``).
    seed : int, numpy.random.Generator or None
        Seed of the thermal noise (only used if ``params.device.noise > 0``).

    Returns
    -------
    numpy.ndarray
        States of shape ``(T, n_virtual)``: the power (or amplitude) at the end of each
        node duration.
    """
    if not isinstance(params, ReservoirParams):
        raise ValueError(f"params must be a ReservoirParams, not {type(params).__name__}")
    arr = validate_input(u, "u", ndim=(1, 2))
    if arr.ndim == 2:
        if arr.shape[1] != 1:
            raise ValueError(f"u must have shape (T,) or (T, 1), not {arr.shape}")
        arr = arr[:, 0]
    n_steps_t = arr.shape[0]
    n_v = params.n_virtual
    dev = params.device
    p_dc = params.p_dc()
    p = p_dc if p_init is None else float(p_init)
    if not np.isfinite(p) or p < 0.0:
        raise ValueError(f"p_init must be a finite number >= 0, not {p_init!r}")

    # Per-sample, per-node current (without feedback), computed vectorised.
    zeta = params.zeta_dc + params.input_scaling * np.outer(arr, params.mask_array())
    c = 2.0 * dev.gamma_g * params.dt
    q = dev.q
    s_range = range(params.substeps)
    exact = params.integrator == "exact"
    c_theta = 2.0 * dev.gamma_g * float(params.theta)
    fb = float(params.feedback)
    delay = n_v + params.feedback_offset
    out = np.empty((n_steps_t, n_v))
    stream = out.reshape(-1)  # node stream x[n], n = k * n_virtual + i (a view)

    noisy = dev.noise > 0.0
    if noisy:
        rng = np.random.default_rng(seed)
        diff = dev.gamma_g * dev.noise
        two_d_h = 2.0 * diff * params.dt
        amp = 2.0 * np.sqrt(diff * params.dt)

    n = 0
    for k in range(n_steps_t):
        row = zeta[k].tolist()
        if noisy:
            dw = rng.standard_normal((n_v, params.substeps)).tolist()
        for i in range(n_v):
            z = row[i]
            if fb != 0.0 and n >= delay:
                z += fb * (stream[n - delay] - p_dc)
            a = c * (z - 1.0)
            b = c * (q + z)
            if exact:
                big_a = c_theta * (z - 1.0)
                g = -math.expm1(-big_a) / big_a if big_a != 0.0 else 1.0
                p = 1.0 / (math.exp(-big_a) / p + c_theta * (q + z) * g) if p > 0.0 else 0.0
            elif noisy:
                w = dw[i]
                for j in s_range:
                    p = p + (a - b * p) * p + two_d_h + amp * (p**0.5) * w[j]
                    if p < 0.0:
                        p = 0.0
            else:
                for _ in s_range:
                    p += (a - b * p) * p
            stream[n] = p
            n += 1
    if params.readout == "amplitude":
        np.sqrt(out, out=out)
    return out


def _as_design(states, name: str = "states") -> np.ndarray:
    x = validate_input(states, name, ndim=(1, 2))
    return x[:, None] if x.ndim == 1 else x


def ridge_fit(states, y, ridge: float = 1e-8) -> np.ndarray:
    """Fit a linear readout with an unpenalised bias by ridge regression.

    Solves ``min_w ||y - [X, 1] w||^2 + ridge ||w[:-1]||^2`` by centring ``X`` and ``y``.

    Parameters
    ----------
    states : array_like, shape (T, n_features)
        Reservoir states.
    y : array_like, shape (T,) or (T, n_outputs)
        Targets.
    ridge : float
        Tikhonov regularisation (>= 0) in units of ``X^T X``.

    Returns
    -------
    numpy.ndarray
        Weights of shape ``(n_features + 1,)`` or ``(n_features + 1, n_outputs)``; the
        last row is the bias.
    """
    x = _as_design(states)
    yy = validate_input(y, "y", ndim=(1, 2))
    if yy.shape[0] != x.shape[0]:
        raise ValueError(
            f"states and y must have the same number of rows, not {x.shape[0]} and {yy.shape[0]}"
        )
    ridge = float(ridge)
    if not np.isfinite(ridge) or ridge < 0.0:
        raise ValueError(f"ridge must be a finite number >= 0, not {ridge!r}")
    x_mean = x.mean(axis=0)
    y_mean = yy.mean(axis=0)
    xc = x - x_mean
    yc = yy - y_mean
    if ridge > 0.0:
        gram = xc.T @ xc
        gram[np.diag_indices_from(gram)] += ridge
        w = np.linalg.solve(gram, xc.T @ yc)
    else:
        w = np.linalg.lstsq(xc, yc, rcond=None)[0]
    bias = y_mean - x_mean @ w
    return np.concatenate([w, bias[None, ...] if w.ndim == 2 else np.atleast_1d(bias)], axis=0)


def ridge_predict(states, weights) -> np.ndarray:
    """Apply a readout from :func:`ridge_fit`: ``[X, 1] @ weights``.

    Parameters
    ----------
    states : array_like, shape (T, n_features)
        Reservoir states.
    weights : array_like, shape (n_features + 1,) or (n_features + 1, n_outputs)
        Readout weights, bias last.

    Returns
    -------
    numpy.ndarray
        Predictions of shape ``(T,)`` or ``(T, n_outputs)``.
    """
    x = _as_design(states)
    w = validate_input(weights, "weights", ndim=(1, 2))
    if w.shape[0] != x.shape[1] + 1:
        raise ValueError(f"weights must have {x.shape[1] + 1} rows (n_features + bias), not {w.shape[0]}")
    return x @ w[:-1] + w[-1]
