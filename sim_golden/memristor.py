"""Memristive (spintronic) synapse model: few levels, nonlinear steps, device spread.

A device is a finite-state machine with ``n_levels`` conductance states indexed
``k = 0 .. L-1`` (``L = n_levels``). A potentiating pulse moves it one level up, a
depressing pulse one level down; pulses beyond the ends saturate (level ``0`` is the
fully reset state, ``L-1`` the fully set state). The conductance of level ``k`` follows
the common exponential-saturation curve (e.g. NeuroSim's nonlinear weight-update model)

.. math::

    G_k = g_\\mathrm{min} + (g_\\mathrm{max} - g_\\mathrm{min})
          \\frac{1 - e^{-\\nu k/(L-1)}}{1 - e^{-\\nu}},

so that ``G_0 = g_min`` and ``G_{L-1} = g_max`` exactly, and every potentiating step is
proportional to the remaining distance to the curve's asymptote,

.. math::

    G_{k+1} - G_k = (1 - e^{-\\nu/(L-1)})\\,(G_\\infty - G_k),\\qquad
    G_\\infty = g_\\mathrm{min} + \\frac{g_\\mathrm{max} - g_\\mathrm{min}}{1 - e^{-\\nu}}.

``nu = 0`` is the linear (ideal) device; ``nu > 0`` gives large first steps that shrink
toward ``g_max`` (saturating); ``nu < 0`` the opposite. Because the state is the level
index, a depressing pulse retraces the same curve (no hysteresis), which keeps the
model a finite set of levels and easy to mirror in hardware (an integer level per
device plus a per-device conductance look-up table, :meth:`MemristorArray.level_table`).

Device-to-device spread: each device draws its own ``g_min``, ``g_max`` and ``nu`` from
a log-normal around the nominal values, ``x_dev = x * exp(spread * z)`` with
``z ~ N(0, 1)`` independent per parameter and device, from ``seed``.

Signed weights use a differential pair (:class:`DifferentialSynapseArray`):
``w = w_max (G+ - G-) / (g_max - g_min)`` with the *nominal* ``g_max - g_min`` (the
read-out gain of the circuit is fixed; it does not know each device), so a pair of
ideal devices spans ``[-w_max, w_max]`` in ``2L - 1`` equal steps.
:meth:`DifferentialSynapseArray.program` writes targets open loop, with pulse counts
computed for an ideal device; real devices (spread, nonlinearity) then hold imperfect
weights, which in-situ learning corrects.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "DifferentialSynapseArray",
    "Memristor",
    "MemristorArray",
    "SynapsePair",
    "level_curve",
]


def level_curve(x, nonlinearity):
    """Normalised conductance ``(G - g_min)/(g_max - g_min)`` at normalised level ``x``.

    Parameters
    ----------
    x : array_like
        Normalised level ``k / (L - 1)`` in ``[0, 1]``.
    nonlinearity : array_like
        Nonlinearity ``nu`` (broadcast against ``x``); ``0`` is linear.

    Returns
    -------
    numpy.ndarray
        ``(1 - exp(-nu x)) / (1 - exp(-nu))``, or ``x`` where ``nu == 0``.
    """
    x = np.asarray(x, dtype=float)
    nu = np.asarray(nonlinearity, dtype=float)
    nu_b, x_b = np.broadcast_arrays(nu, x)
    out = np.array(x_b, dtype=float, copy=True)
    nz = nu_b != 0.0
    if np.any(nz):
        out[nz] = np.expm1(-nu_b[nz] * x_b[nz]) / np.expm1(-nu_b[nz])
    return out


def _check_shape(shape):
    if isinstance(shape, numbers.Integral):
        shape = (int(shape),)
    try:
        shape = tuple(int(s) for s in shape)
    except TypeError:
        raise ValueError(f"shape must be a tuple of non-negative ints, not {shape!r}") from None
    if any(s < 0 for s in shape):
        raise ValueError(f"shape must be a tuple of non-negative ints, not {shape!r}")
    return shape


def _check_common(n_levels, g_min, g_max, nonlinearity, spread):
    if not isinstance(n_levels, numbers.Integral) or isinstance(n_levels, bool) or n_levels < 2:
        raise ValueError(f"n_levels must be an int >= 2, not {n_levels!r}")
    if not (np.isfinite(g_min) and g_min > 0):
        raise ValueError(f"g_min must be finite and > 0, not {g_min!r}")
    if not (np.isfinite(g_max) and g_max > g_min):
        raise ValueError(f"g_max must be finite and > g_min = {g_min!r}, not {g_max!r}")
    if not (np.isfinite(nonlinearity) and abs(nonlinearity) <= 50):
        raise ValueError(f"nonlinearity must be finite with |nu| <= 50, not {nonlinearity!r}")
    if not (np.isfinite(spread) and 0 <= spread <= 1):
        raise ValueError(f"spread must be in [0, 1], not {spread!r}")


def _pulse_counts(n, shape) -> np.ndarray:
    """Validate signed pulse counts (integers) and broadcast them to ``shape`` as int64."""
    n = np.asarray(n)
    if n.dtype.kind not in "iub":
        if not np.all(np.isfinite(n)) or np.any(n != np.round(n)):
            raise ValueError(f"pulse counts must be integers, not {n!r}")
    try:
        return np.broadcast_to(n.astype(np.int64), shape)
    except ValueError:
        raise ValueError(f"pulse counts of shape {n.shape} do not broadcast to {shape}") from None


class MemristorArray:
    """An array of independent multilevel memristive devices.

    Parameters
    ----------
    shape : int or tuple of int, optional
        Array shape (``()`` for a single device).
    n_levels : int, optional
        Number of conductance levels ``L`` (>= 2).
    g_min, g_max : float, optional
        Nominal lowest/highest conductance (siemens), ``0 < g_min < g_max``.
    nonlinearity : float, optional
        Nominal nonlinearity ``nu`` of the level curve (``0`` = linear, ``|nu| <= 50``).
    spread : float, optional
        Log-normal device-to-device spread (sigma of ``ln``) of ``g_min``, ``g_max``
        and ``nu``, in ``[0, 1]``.
    seed : int, numpy.random.SeedSequence or None, optional
        Seed of the spread draw.
    level : int or array_like, optional
        Initial level (default ``0``, the reset state).

    Attributes
    ----------
    g_min_dev, g_max_dev, nu_dev : numpy.ndarray
        Per-device parameters (shape ``shape``).
    pulse_count : numpy.ndarray
        Cumulative number of pulses applied to each device (both polarities).
    """

    def __init__(
        self,
        shape=(),
        *,
        n_levels=16,
        g_min=1e-6,
        g_max=1e-5,
        nonlinearity=0.0,
        spread=0.0,
        seed=None,
        level=0,
    ):
        self.shape = _check_shape(shape)
        _check_common(n_levels, g_min, g_max, nonlinearity, spread)
        self.n_levels = int(n_levels)
        self.g_min = float(g_min)
        self.g_max = float(g_max)
        self.nonlinearity = float(nonlinearity)
        self.spread = float(spread)
        rng = np.random.default_rng(seed)
        z = rng.standard_normal((3, *self.shape))
        self.g_min_dev = self.g_min * np.exp(self.spread * z[0])
        g_max_dev = self.g_max * np.exp(self.spread * z[1])
        # A device whose window collapsed is not physical; keep a minimal window.
        self.g_max_dev = np.maximum(g_max_dev, self.g_min_dev * (1.0 + 1e-3))
        self.nu_dev = self.nonlinearity * np.exp(self.spread * z[2])
        self._level = np.zeros(self.shape, dtype=np.int64)
        self.pulse_count = np.zeros(self.shape, dtype=np.int64)
        self.set_level(level)

    def take(self, indices):
        """New devices that are copies of devices ``indices`` of this array (at level 0).

        A small array used this way is a library of device classes: every device of the
        result has the parameters (``g_min``, ``g_max``, ``nu``) of the class it picks.

        Parameters
        ----------
        indices : array_like of int
            Indices into this (1-d) array; the result has their shape.

        Returns
        -------
        MemristorArray
        """
        if len(self.shape) != 1:
            raise ValueError(f"take needs a 1-d library of devices, not shape {self.shape}")
        idx = np.asarray(indices)
        if idx.dtype.kind not in "iu" or (idx.size and (idx.min() < 0 or idx.max() >= self.shape[0])):
            raise ValueError(f"indices must be integers in [0, {self.shape[0]}), not {indices!r}")
        out = MemristorArray(
            idx.shape,
            n_levels=self.n_levels,
            g_min=self.g_min,
            g_max=self.g_max,
            nonlinearity=self.nonlinearity,
            spread=0.0,
        )
        out.spread = self.spread
        out.g_min_dev = self.g_min_dev[idx]
        out.g_max_dev = self.g_max_dev[idx]
        out.nu_dev = self.nu_dev[idx]
        return out

    # -- state ---------------------------------------------------------------
    @property
    def level(self):
        """Current level index (int array, or int for a single device)."""
        return self._out(self._level.copy())

    @property
    def conductance(self):
        """Current conductance in siemens (float array, or float for a single device)."""
        return self._out(self._conductance_of(self._level))

    def _out(self, a):
        if self.shape == ():
            return a.item()
        return a

    def _conductance_of(self, level):
        x = np.asarray(level, dtype=float) / (self.n_levels - 1)
        return self.g_min_dev + (self.g_max_dev - self.g_min_dev) * level_curve(x, self.nu_dev)

    def level_table(self):
        """Conductance of every level of every device, shape ``shape + (n_levels,)``.

        Row ``[..., k]`` is what a device reads at level ``k``; this is the per-device
        look-up table a hardware emulation of the device would hold.
        """
        k = np.arange(self.n_levels) / (self.n_levels - 1)
        gmin = self.g_min_dev[..., None]
        gmax = self.g_max_dev[..., None]
        return gmin + (gmax - gmin) * level_curve(k, self.nu_dev[..., None])

    def set_level(self, level):
        """Force the level (e.g. a known initial state); no pulses are counted.

        Raises
        ------
        ValueError
            If a level is outside ``[0, n_levels - 1]`` or not an integer.
        """
        lv = np.asarray(level)
        if lv.dtype.kind not in "iub":
            if not np.all(np.isfinite(lv)) or np.any(lv != np.round(lv)):
                raise ValueError(f"level must be integer, not {level!r}")
        lv = np.broadcast_to(lv.astype(np.int64), self.shape)
        if np.any((lv < 0) | (lv > self.n_levels - 1)):
            bad = lv[(lv < 0) | (lv > self.n_levels - 1)].flat[0]
            raise ValueError(f"level must be in [0, {self.n_levels - 1}], not {int(bad)}")
        self._level = lv.copy()

    def reset(self):
        """Fully reset every device (``n_levels - 1`` depressing pulses each)."""
        return self.apply_pulses(-(self.n_levels - 1))

    def apply_pulses(self, n):
        """Apply a signed number of pulses to each device.

        Parameters
        ----------
        n : int or array_like of int
            Pulses per device (broadcast to ``shape``): ``> 0`` potentiating,
            ``< 0`` depressing. The level saturates at ``0`` and ``n_levels - 1``.

        Returns
        -------
        float or numpy.ndarray
            The new conductance.
        """
        n = _pulse_counts(n, self.shape)
        self._level = np.clip(self._level + n, 0, self.n_levels - 1)
        self.pulse_count = self.pulse_count + np.abs(n)
        return self.conductance


class Memristor(MemristorArray):
    """A single multilevel memristive device (a 0-d :class:`MemristorArray`).

    Parameters are those of :class:`MemristorArray` without ``shape``;
    :attr:`conductance` and :attr:`level` are Python scalars.

    Examples
    --------
    >>> m = Memristor(n_levels=4, g_min=1.0, g_max=4.0)
    >>> m.apply_pulses(2), m.level
    (3.0, 2)
    """

    def __init__(
        self,
        *,
        n_levels=16,
        g_min=1e-6,
        g_max=1e-5,
        nonlinearity=0.0,
        spread=0.0,
        seed=None,
        level=0,
    ):
        super().__init__(
            (),
            n_levels=n_levels,
            g_min=g_min,
            g_max=g_max,
            nonlinearity=nonlinearity,
            spread=spread,
            seed=seed,
            level=level,
        )


class DifferentialSynapseArray:
    """Signed synapses, each a differential pair of memristors ``(G+, G-)``.

    The weight is ``w = w_max (G+ - G-) / (g_max - g_min)`` with the nominal window
    ``g_max - g_min``. Both devices of all pairs come from one seed (independent
    streams for the ``+`` and ``-`` arrays).

    Parameters
    ----------
    shape : int or tuple of int, optional
        Shape of the synapse array.
    n_levels, g_min, g_max, nonlinearity, spread
        Device parameters, see :class:`MemristorArray`.
    w_max : float, optional
        Weight of an ideal pair at ``(L-1, 0)``, > 0.
    seed : int, numpy.random.SeedSequence or None, optional
        Seed of the device spread.

    Attributes
    ----------
    plus, minus : MemristorArray
        The two device arrays.
    """

    def __init__(
        self,
        shape=(),
        *,
        n_levels=16,
        g_min=1e-6,
        g_max=1e-5,
        nonlinearity=0.0,
        spread=0.0,
        w_max=1.0,
        seed=None,
    ):
        if not (np.isfinite(w_max) and w_max > 0):
            raise ValueError(f"w_max must be finite and > 0, not {w_max!r}")
        self.w_max = float(w_max)
        ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        s_plus, s_minus = ss.spawn(2)
        kw = dict(
            n_levels=n_levels,
            g_min=g_min,
            g_max=g_max,
            nonlinearity=nonlinearity,
            spread=spread,
        )
        self.plus = MemristorArray(shape, seed=s_plus, **kw)
        self.minus = MemristorArray(shape, seed=s_minus, **kw)
        self.shape = self.plus.shape
        self.n_levels = self.plus.n_levels

    def take(self, plus_indices, minus_indices):
        """Pairs built from this (1-d) array's devices used as a library of classes.

        Pair ``k`` of the result has the ``+`` device of class ``plus_indices[k]`` and the
        ``-`` device of class ``minus_indices[k]`` (see :meth:`MemristorArray.take`); all
        devices start at level 0.

        Returns
        -------
        DifferentialSynapseArray
        """
        plus = self.plus.take(plus_indices)
        minus = self.minus.take(minus_indices)
        if plus.shape != minus.shape:
            raise ValueError(f"plus and minus indices differ in shape: {plus.shape} vs {minus.shape}")
        out = object.__new__(DifferentialSynapseArray)
        out.w_max = self.w_max
        out.plus, out.minus = plus, minus
        out.shape = plus.shape
        out.n_levels = self.n_levels
        return out

    @property
    def weight_step(self):
        """Weight change of one pulse on an ideal (linear, nominal) pair."""
        return self.w_max / (self.n_levels - 1)

    @property
    def weights(self):
        """Current signed weights (float array, or float for a single pair)."""
        g_plus = np.asarray(self.plus.conductance)
        g_minus = np.asarray(self.minus.conductance)
        w = self.w_max * (g_plus - g_minus) / (self.plus.g_max - self.plus.g_min)
        return w.item() if self.shape == () else w

    @property
    def level_difference(self):
        """Signed level difference ``k+ - k-`` (integer state of the pair)."""
        d = np.asarray(self.plus.level) - np.asarray(self.minus.level)
        return d.item() if self.shape == () else d

    def reset(self):
        """Fully reset both devices of every pair (weight ~ 0)."""
        self.plus.reset()
        self.minus.reset()
        return self.weights

    def apply_pulses(self, n):
        """Apply signed weight-update pulses to each pair.

        A positive count raises the weight: it first depresses ``G-`` (down to level
        0), then potentiates ``G+`` with the remaining pulses; a negative count does
        the mirror image. Starting from a reset pair, one of the two devices therefore
        always sits at level 0, and the pair is a signed counter
        ``k+ - k- in [-(L-1), L-1]``.

        Parameters
        ----------
        n : int or array_like of int
            Signed pulse count per pair, broadcast to ``shape``.

        Returns
        -------
        float or numpy.ndarray
            The new weights.
        """
        n = _pulse_counts(n, self.shape)
        kp = np.asarray(self.plus.level)
        km = np.asarray(self.minus.level)
        up = np.maximum(n, 0)
        down = np.maximum(-n, 0)
        dep_minus = np.minimum(up, km)
        dep_plus = np.minimum(down, kp)
        self.minus.apply_pulses(-dep_minus + (down - dep_plus))
        self.plus.apply_pulses(-dep_plus + (up - dep_minus))
        return self.weights

    def ideal_pulses(self, target_weights, *, model="linear", clip=False):
        """Signed level differences that write ``target_weights`` on an ideal pair.

        Parameters
        ----------
        target_weights : array_like
            Target weights, broadcast to ``shape``; ``|w| <= w_max`` unless ``clip``.
        model : {"linear", "nominal"}, optional
            ``"linear"``: an ideal linear device, ``d = round(w (L-1) / w_max)``.
            ``"nominal"``: a device with the nominal nonlinearity but no spread; ``d``
            is the level whose nominal weight is closest to the target.
        clip : bool, optional
            Clip targets to ``[-w_max, w_max]`` instead of raising.

        Returns
        -------
        numpy.ndarray of int64
            ``d`` in ``[-(L-1), L-1]``; ``d > 0`` means ``G+`` at level ``d``.
        """
        w = np.asarray(target_weights, dtype=float)
        try:
            w = np.broadcast_to(w, self.shape)
        except ValueError:
            raise ValueError(
                f"target_weights of shape {w.shape} do not broadcast to {self.shape}"
            ) from None
        if not np.all(np.isfinite(w)):
            raise ValueError("target_weights must be finite")
        if clip:
            w = np.clip(w, -self.w_max, self.w_max)
        elif np.any(np.abs(w) > self.w_max * (1 + 1e-12)):
            bad = w[np.abs(w) > self.w_max * (1 + 1e-12)].flat[0]
            raise ValueError(f"target weight {bad!r} exceeds w_max = {self.w_max!r}")
        lm = self.n_levels - 1
        if model == "linear":
            # round half away from zero, as a hardware rounder would
            return (np.sign(w) * np.floor(np.abs(w) * lm / self.w_max + 0.5)).astype(np.int64)
        if model == "nominal":
            table = self.w_max * level_curve(np.arange(self.n_levels) / lm, self.plus.nonlinearity)
            k = np.abs(np.abs(w)[..., None] - table).argmin(axis=-1)
            return (np.sign(w) * k).astype(np.int64)
        raise ValueError(f"model must be 'linear' or 'nominal', not {model!r}")

    def program(self, target_weights, *, model="linear", clip=False):
        """Write target weights open loop: reset, then the ideal-device pulse counts.

        Each pair is reset (both devices to level 0) and receives
        ``d = ideal_pulses(target)`` potentiating pulses on ``G+`` (``d > 0``) or
        ``-d`` on ``G-`` (``d < 0``). No read-back: device spread and nonlinearity
        leave the written weights imperfect.

        Parameters
        ----------
        target_weights : array_like
            Target weights (see :meth:`ideal_pulses`).
        model : {"linear", "nominal"}, optional
            Device model used to compute the pulse counts.
        clip : bool, optional
            Clip out-of-range targets instead of raising.

        Returns
        -------
        numpy.ndarray of int64
            The programmed signed level differences.
        """
        d = self.ideal_pulses(target_weights, model=model, clip=clip)
        self.reset()
        self.plus.apply_pulses(np.maximum(d, 0))
        self.minus.apply_pulses(np.maximum(-d, 0))
        return d


class SynapsePair(DifferentialSynapseArray):
    """A single differential synapse (a 0-d :class:`DifferentialSynapseArray`).

    Parameters are those of :class:`DifferentialSynapseArray` without ``shape``.
    """

    def __init__(
        self,
        *,
        n_levels=16,
        g_min=1e-6,
        g_max=1e-5,
        nonlinearity=0.0,
        spread=0.0,
        w_max=1.0,
        seed=None,
    ):
        super().__init__(
            (),
            n_levels=n_levels,
            g_min=g_min,
            g_max=g_max,
            nonlinearity=nonlinearity,
            spread=spread,
            w_max=w_max,
            seed=seed,
        )
