"""Float model of a spin-torque nano-oscillator (universal auto-oscillator model).

The oscillator is described by its normalised power ``p = |c|**2`` and phase ``phi``
(Slavin & Tiberkevich, IEEE Trans. Magn. 45, 1875 (2009)), driven by the normalised
current ``zeta = I / I_th``::

    dp/dt   = -2 Gamma_G [ (1 - zeta) + (Q + zeta) p ] p
    dphi/dt = -(omega0 + N p)

Steady state and relaxation
---------------------------
Above threshold (``zeta > 1``) the stable fixed point is ``p0 = (zeta - 1) / (zeta + Q)``;
below it, ``p0 = 0``.  Linearising ``f(p) = -2 Gamma_G [(1 - zeta) + (Q + zeta) p] p``::

    f'(p) = -2 Gamma_G [ (1 - zeta) + 2 (Q + zeta) p ]
    f'(p0) = -2 Gamma_G [ (1 - zeta) + 2 (zeta - 1) ] = -2 Gamma_G (zeta - 1)

because ``(Q + zeta) p0 = zeta - 1``.  A small *power* deviation ``dp = p - p0`` therefore
decays as ``exp(-2 Gamma_p t)`` with ``Gamma_p = Gamma_G (zeta - 1)``: the rate is
``2 Gamma_p = 2 Gamma_G (zeta - 1)`` (relaxation time ``1 / (2 Gamma_p)``).  This is the
same number as ``Gamma_p = p0 (dGamma_+/dp - dGamma_-/dp)`` of Slavin & Tiberkevich with
``Gamma_+ = Gamma_G (1 + Q p)`` and ``Gamma_- = Gamma_G zeta (1 - p)``.  The amplitude
deviation ``d|c| = dp / (2 sqrt(p0))`` is proportional to ``dp`` at linear order, so it
decays at the same rate ``2 Gamma_p`` (not ``Gamma_p``).  Below threshold the deviation
from ``p0 = 0`` decays at ``f'(0) = -2 Gamma_G (1 - zeta)``, so :meth:`STNO.relaxation_rate`
returns ``2 Gamma_G |zeta - 1|`` (zero exactly at threshold, where the decay is algebraic).

Default parameters (vortex STNO; assumptions, not fits)
-------------------------------------------------------
* ``omega0 = 2 pi * 300 MHz``: gyrotropic frequency of a vortex in a ~500 nm FeB/NiFe
  disk (Torrejon et al., Nature 547, 428 (2017); REFERENCE.md section 4).
* ``gamma_g = 2e7 /s``: linear damping rate, of the order ``alpha * omega0`` with
  ``alpha ~ 0.01``.  It makes the relaxation time ``1 / (2 Gamma_G (zeta - 1))`` equal to
  250 ns at ``zeta = 1.1`` and 25 ns at ``zeta = 2``, the 25-250 ns range quoted for
  vortex STNOs in REFERENCE.md section 4 (Torrejon 2017; Grimaldi et al., PRB 89,
  104404 (2014)).
* ``q = 1``: nonlinear-damping coefficient; order unity is typical, the exact vortex
  value is device dependent (assumed).
* ``n_nl = 2 pi * 100 MHz``: nonlinear frequency shift (blue shift of the vortex
  gyrotropic mode with orbit radius, assumed), so ``f`` spans 300-400 MHz for ``p`` in 0-1.
* ``i_th = 5 mA``: threshold current of a vortex pillar (assumed, same order as the
  ~6 mA DC bias used by Torrejon 2017).

Thermal noise
-------------
With ``noise = eta > 0`` a complex white force ``f(t)`` with ``<f f*> = 2 D delta``,
``D = Gamma_G * eta``, is added to the complex-amplitude equation; ``eta`` plays the role
of ``k_B T / E`` (thermal over oscillation energy scale).  The exact Ito equations for
``p = |c|**2`` and ``phi`` are::

    dp   = [ f(p) + 2 D ] dt + 2 sqrt(D p) dW_1
    dphi = -(omega0 + N p) dt + sqrt(D / p) dW_2

whose stationary density is ``P(p) ~ exp(-[(1 - zeta) p + (Q + zeta) p**2 / 2] / eta)``.
They are integrated with Euler-Maruyama (full truncation at ``p = 0``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["STNO", "STNOTrajectory"]

_TWO_PI = 2.0 * np.pi


@dataclass(frozen=True)
class STNOTrajectory:
    """Result of :meth:`STNO.integrate`.

    Attributes
    ----------
    t : numpy.ndarray
        Times (s), shape ``(n_steps + 1,)``, starting at 0.
    p : numpy.ndarray
        Normalised power at those times.
    phi : numpy.ndarray or None
        Phase (rad) at those times, if requested.
    """

    t: np.ndarray
    p: np.ndarray
    phi: np.ndarray | None = None


def _check_positive(name: str, value: float) -> float:
    value = float(value)
    if not np.isfinite(value) or value <= 0.0:
        raise ValueError(f"{name} must be a finite number > 0, not {value!r}")
    return value


class STNO:
    """Universal auto-oscillator model of a spin-torque nano-oscillator.

    Parameters
    ----------
    gamma_g : float, default 2e7
        Linear (Gilbert) damping rate ``Gamma_G`` in 1/s.
    q : float, default 1.0
        Nonlinear damping coefficient ``Q`` (dimensionless, > -1).
    omega0 : float, default ``2 pi * 300e6``
        Linear angular frequency in rad/s.
    n_nl : float, default ``2 pi * 100e6``
        Nonlinear frequency shift ``N`` in rad/s (``omega = omega0 + N p``).
    i_th : float, default 5e-3
        Threshold current in A (``zeta = I / i_th``).
    seed : int, numpy.random.Generator or None
        Default seed for the thermal noise in :meth:`integrate`.
    noise : float, default 0.0
        Dimensionless thermal noise strength ``eta = k_B T / E`` (``D = Gamma_G eta``).

    Notes
    -----
    See the module docstring for the equations, the linearisation and the sources of
    the default values.
    """

    def __init__(
        self,
        *,
        gamma_g: float = 2e7,
        q: float = 1.0,
        omega0: float = _TWO_PI * 300e6,
        n_nl: float = _TWO_PI * 100e6,
        i_th: float = 5e-3,
        seed: int | np.random.Generator | None = None,
        noise: float = 0.0,
    ) -> None:
        self.gamma_g = _check_positive("gamma_g", gamma_g)
        q = float(q)
        if not np.isfinite(q) or q <= -1.0:
            raise ValueError(f"q must be a finite number > -1, not {q!r}")
        self.q = q
        self.omega0 = _check_positive("omega0", omega0)
        n_nl = float(n_nl)
        if not np.isfinite(n_nl):
            raise ValueError(f"n_nl must be finite, not {n_nl!r}")
        self.n_nl = n_nl
        self.i_th = _check_positive("i_th", i_th)
        noise = float(noise)
        if not np.isfinite(noise) or noise < 0.0:
            raise ValueError(f"noise must be a finite number >= 0, not {noise!r}")
        self.noise = noise
        self.seed = seed

    def __repr__(self) -> str:
        return (
            f"STNO(gamma_g={self.gamma_g!r}, q={self.q!r}, omega0={self.omega0!r}, "
            f"n_nl={self.n_nl!r}, i_th={self.i_th!r}, noise={self.noise!r})"
        )

    # ------------------------------------------------------------------ closed forms
    def zeta(self, current: float | np.ndarray) -> float | np.ndarray:
        """Normalised current ``zeta = I / I_th`` for a current in A."""
        return np.asarray(current, dtype=float) / self.i_th

    def steady_state(self, zeta: float | np.ndarray) -> float | np.ndarray:
        """Stable steady-state power ``p0 = (zeta - 1) / (zeta + Q)`` (0 below threshold).

        Parameters
        ----------
        zeta : float or array_like
            Normalised current(s).

        Returns
        -------
        float or numpy.ndarray
            ``p0``, same shape as `zeta`.
        """
        z = np.asarray(zeta, dtype=float)
        p0 = np.where(z > 1.0, (z - 1.0) / (z + self.q), 0.0)
        return float(p0) if p0.ndim == 0 else p0

    def steady_state_slope(self, zeta: float | np.ndarray) -> float | np.ndarray:
        """Static gain ``dp0/dzeta = (Q + 1) / (zeta + Q)**2`` above threshold (0 below).

        Parameters
        ----------
        zeta : float or array_like
            Normalised current(s).

        Returns
        -------
        float or numpy.ndarray
            Slope of :meth:`steady_state`, same shape as `zeta`.
        """
        z = np.asarray(zeta, dtype=float)
        s = np.where(z > 1.0, (self.q + 1.0) / (z + self.q) ** 2, 0.0)
        return float(s) if s.ndim == 0 else s

    def relaxation_rate(self, zeta: float | np.ndarray) -> float | np.ndarray:
        """Decay rate (1/s) of a small power deviation from the steady state.

        Above threshold this is ``2 Gamma_p = 2 Gamma_G (zeta - 1)``; below threshold it is
        ``2 Gamma_G (1 - zeta)`` (decay towards ``p = 0``).  See the module docstring.

        Parameters
        ----------
        zeta : float or array_like
            Normalised current(s).

        Returns
        -------
        float or numpy.ndarray
            ``2 Gamma_G |zeta - 1|`` in 1/s.
        """
        z = np.asarray(zeta, dtype=float)
        rate = 2.0 * self.gamma_g * np.abs(z - 1.0)
        return float(rate) if rate.ndim == 0 else rate

    def relaxation_time(self, zeta: float | np.ndarray) -> float | np.ndarray:
        """Relaxation time ``1 / relaxation_rate(zeta)`` in s (inf at threshold)."""
        with np.errstate(divide="ignore"):
            tau = 1.0 / np.asarray(self.relaxation_rate(zeta), dtype=float)
        return float(tau) if tau.ndim == 0 else tau

    def derivative(self, p: float | np.ndarray, zeta: float | np.ndarray) -> float | np.ndarray:
        """Right-hand side ``dp/dt = -2 Gamma_G [(1 - zeta) + (Q + zeta) p] p`` in 1/s."""
        p_arr = np.asarray(p, dtype=float)
        z = np.asarray(zeta, dtype=float)
        d = -2.0 * self.gamma_g * ((1.0 - z) + (self.q + z) * p_arr) * p_arr
        return float(d) if d.ndim == 0 else d

    def angular_frequency(self, p: float | np.ndarray) -> float | np.ndarray:
        """Angular frequency ``omega0 + N p`` in rad/s."""
        w = self.omega0 + self.n_nl * np.asarray(p, dtype=float)
        return float(w) if w.ndim == 0 else w

    def frequency(self, p: float | np.ndarray) -> float | np.ndarray:
        """Oscillation frequency ``(omega0 + N p) / (2 pi)`` in Hz."""
        f = np.asarray(self.angular_frequency(p), dtype=float) / _TWO_PI
        return float(f) if f.ndim == 0 else f

    # ------------------------------------------------------------------ integration
    def _zeta_function(
        self, zeta_of_t: float | np.ndarray | Callable[[float], float], dt: float, n_steps
    ) -> tuple[Callable[[int, float], float], int]:
        """Return ``z(step, offset_fraction)`` and the number of steps."""
        if callable(zeta_of_t):
            if n_steps is None:
                raise ValueError("n_steps is required when zeta_of_t is a callable")

            def z_call(k: int, frac: float) -> float:
                return float(zeta_of_t((k + frac) * dt))

            return z_call, n_steps
        arr = np.asarray(zeta_of_t, dtype=float)
        if not np.all(np.isfinite(arr)):
            raise ValueError("zeta_of_t must be finite (got NaN or inf)")
        if arr.ndim == 0:
            if n_steps is None:
                raise ValueError("n_steps is required when zeta_of_t is a constant")
            const = float(arr)
            return (lambda k, frac: const), n_steps
        if arr.ndim != 1:
            raise ValueError(f"zeta_of_t array must be 1-D (one value per step), not {arr.shape}")
        if n_steps is not None and n_steps != arr.size:
            raise ValueError(f"n_steps ({n_steps}) must equal len(zeta_of_t) ({arr.size})")
        values = arr.tolist()
        return (lambda k, frac: values[k]), arr.size

    def integrate(
        self,
        zeta_of_t: float | np.ndarray | Callable[[float], float],
        dt: float,
        p0: float | None = None,
        *,
        n_steps: int | None = None,
        method: str = "euler",
        phi0: float | None = None,
        seed: int | np.random.Generator | None = None,
    ) -> STNOTrajectory:
        """Integrate the power (and optionally phase) equation.

        Parameters
        ----------
        zeta_of_t : float, array_like or callable
            Drive: a constant ``zeta``; a 1-D array with one ``zeta`` per step (held during
            the step); or a callable ``zeta(t)`` of time in s.
        dt : float
            Time step in s.
        p0 : float, optional
            Initial power (default: the steady state of the first drive value).
        n_steps : int, optional
            Number of steps (required for a constant or callable drive).
        method : {"euler", "rk4"}
            Explicit Euler (``p += dt * f(p)``, Euler-Maruyama with noise) or classical RK4
            (deterministic only).
        phi0 : float, optional
            If given, the phase is integrated too, starting from `phi0`.
        seed : int, numpy.random.Generator or None
            Noise seed; defaults to the ``seed`` given at construction.

        Returns
        -------
        STNOTrajectory
            Times, power and (optionally) phase, ``n_steps + 1`` samples each.
        """
        dt = _check_positive("dt", dt)
        if method not in ("euler", "rk4"):
            raise ValueError(f"method must be 'euler' or 'rk4', not {method!r}")
        if n_steps is not None:
            if isinstance(n_steps, bool) or int(n_steps) != n_steps or n_steps < 0:
                raise ValueError(f"n_steps must be an integer >= 0, not {n_steps!r}")
            n_steps = int(n_steps)
        if self.noise > 0.0 and method != "euler":
            raise ValueError("thermal noise (noise > 0) requires method='euler'")
        zfun, n = self._zeta_function(zeta_of_t, dt, n_steps)
        if p0 is None:
            p0 = self.steady_state(zfun(0, 0.0)) if n > 0 else 0.0
        p0 = float(p0)
        if not np.isfinite(p0) or p0 < 0.0:
            raise ValueError(f"p0 must be a finite number >= 0, not {p0!r}")
        with_phase = phi0 is not None
        g2 = 2.0 * self.gamma_g
        q = self.q
        w0, nn = self.omega0, self.n_nl
        p_out = np.empty(n + 1)
        phi_out = np.empty(n + 1) if with_phase else None
        p = p0
        phi = float(phi0) if with_phase else 0.0
        p_out[0] = p
        if with_phase:
            phi_out[0] = phi

        def f(pp: float, z: float) -> float:
            return -g2 * ((1.0 - z) + (q + z) * pp) * pp

        if self.noise > 0.0:
            rng = np.random.default_rng(self.seed if seed is None else seed)
            diff = self.gamma_g * self.noise
            sq = np.sqrt(dt)
            dw1 = rng.standard_normal(n).tolist()
            dw2 = rng.standard_normal(n).tolist() if with_phase else None
            for k in range(n):
                z = zfun(k, 0.0)
                if with_phase:
                    phi += -(w0 + nn * p) * dt + np.sqrt(diff / max(p, 1e-12)) * sq * dw2[k]
                    phi_out[k + 1] = phi
                p = p + (f(p, z) + 2.0 * diff) * dt + 2.0 * np.sqrt(diff * p) * sq * dw1[k]
                if p < 0.0:
                    p = 0.0
                p_out[k + 1] = p
        elif method == "euler":
            for k in range(n):
                z = zfun(k, 0.0)
                if with_phase:
                    phi -= (w0 + nn * p) * dt
                    phi_out[k + 1] = phi
                p = p + dt * f(p, z)
                p_out[k + 1] = p
        else:
            h2 = 0.5 * dt
            for k in range(n):
                z0, zm, z1 = zfun(k, 0.0), zfun(k, 0.5), zfun(k, 1.0)
                k1 = f(p, z0)
                k2 = f(p + h2 * k1, zm)
                k3 = f(p + h2 * k2, zm)
                k4 = f(p + dt * k3, z1)
                if with_phase:
                    # dphi/dt depends on p only: integrate it with the same RK4 stages.
                    p2, p3, p4 = p + h2 * k1, p + h2 * k2, p + dt * k3
                    phi -= dt / 6.0 * (w0 * 6.0 + nn * (p + 2.0 * p2 + 2.0 * p3 + p4))
                    phi_out[k + 1] = phi
                p = p + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
                p_out[k + 1] = p
        t = dt * np.arange(n + 1)
        return STNOTrajectory(t=t, p=p_out, phi=phi_out)
