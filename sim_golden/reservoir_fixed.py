"""Bit-exact fixed-point golden model of the STNO reservoir core.

The arithmetic is defined in :mod:`spinemu.sim_golden.reservoir_spec` (formats, round
half up, saturation); this module executes it on Python integers, node by node, exactly
as the gateware does.  The per-sample current terms are computed vectorised with numpy
``int64`` (every product fits: the Spec's formats keep them below 2**62); only the Euler
sub-steps, which chain through the state, run as a scalar loop.

Rounding statement: every right shift ``>> s`` is ``rs(x, s) = (x + 2**(s-1)) >> s``
(round half towards +inf, arithmetic shift); every ``sat`` clamps to the format's range.
"""

from __future__ import annotations

import numpy as np

from .jit import resolve_kernel
from .reservoir_spec import ReservoirSpec, rshift_round

__all__ = ["ReservoirFixed", "readout_fixed", "dequantize_params"]


class ReservoirFixed:
    """Stateful fixed-point twin of the reservoir core (what it holds after ``RESTART``).

    Parameters
    ----------
    spec : ReservoirSpec
        The core.
    mask_q : array of int, shape (n_virtual,), optional
        Raw mask (default: the reset-state mask ``spec.mask_q()``).
    regs : dict, optional
        Raw parameter registers (:data:`~spinemu.sim_golden.reservoir_spec.REG_NAMES`);
        missing ones take their reset values.
    kernel : {"auto", "numba", "numpy"}
        Which path integrates (:mod:`.jit`); both give the same bits.
    """

    def __init__(self, spec: ReservoirSpec, *, mask_q=None, regs: dict | None = None, kernel: str = "auto"):
        if not isinstance(spec, ReservoirSpec):
            raise TypeError(f"spec must be a ReservoirSpec, not {spec!r}")
        self.spec = spec
        self.kernel = resolve_kernel(kernel)
        self.regs = spec.check_regs(regs or {})
        if mask_q is None:
            mask_q = spec.mask_q()
        m = np.asarray(mask_q)
        lo, hi = spec.signed_range(spec.mask_bits)
        if (
            m.shape != (spec.n_virtual,)
            or not np.issubdtype(m.dtype, np.integer)
            or m.min() < lo
            or m.max() > hi
        ):
            raise ValueError(f"mask_q must be {spec.n_virtual} integers in {lo}..{hi}")
        self.mask_q = m.astype(np.int64)
        self.restart()

    def restart(self) -> None:
        """``RESTART``: ``p = PDC``, the delay line empty (no feedback for ``D`` nodes)."""
        self.p = int(self.regs["PDC"])
        self._hist = np.zeros(self.spec.delay, dtype=np.int64)  # last D states, oldest first
        self.count = 0  # nodes produced since restart

    def run(self, u_q) -> np.ndarray:
        """Process raw input samples; return the raw states, shape ``(T, n_virtual)``.

        The model keeps its state between calls, as the core does between INPUT writes.
        """
        s = self.spec
        u = np.asarray(u_q)
        if u.ndim != 1 or not np.issubdtype(u.dtype, np.integer):
            raise ValueError(f"u_q must be a 1-D integer array, not {u.dtype} of shape {u.shape}")
        lo, hi = s.signed_range(s.input_bits)
        if u.size and (u.min() < lo or u.max() > hi):
            raise ValueError(f"u_q values must lie in {lo}..{hi} (input_bits={s.input_bits})")
        r = self.regs
        n_v, d = s.n_virtual, s.delay
        zlo, zhi = s.signed_range(s.zeta_bits)
        klo, khi = s.signed_range(s.coef_bits)
        one = 1 << s.zeta_frac_bits
        fs, ks = s.state_frac_bits, s.coef_frac_bits
        hf, hk = 1 << (fs - 1), 1 << (ks - 1)
        pmax = s.state_max
        nsub = max(1, r["SUBSTEPS"])
        c, q, bias, gain, fb, pdc = r["C"], r["Q"], r["BIAS"], r["GAIN"], r["FB"], r["PDC"]
        gm = gain * self.mask_q  # int64, < 2**(gain_bits + mask_bits)
        out = np.empty((u.shape[0], n_v), dtype=np.int64)
        if self.kernel == "numba":
            from .reservoir_kernel import integrate

            fmt = (s.shift_gmu, s.shift_fb, s.shift_coef, zlo, zhi, klo, khi, one, fs, ks, pmax)
            self.p = int(integrate(u.astype(np.int64), gm, self._hist, self.count, np.int64(self.p), out,
                                   np.array([c, q, bias, fb, pdc, nsub], np.int64), np.array(fmt, np.int64)))
            self._hist = np.concatenate([self._hist, out.reshape(-1)])[-d:]
            self.count += out.size
            return out
        hist = self._hist
        p = self.p
        for k in range(u.shape[0]):
            z = bias + rshift_round(gm * int(u[k]), s.shift_gmu)
            # x[n - D] for n = count .. count + n_v - 1 is hist[0 .. n_v - 1] (oldest first).
            n0 = self.count
            fbt = rshift_round(fb * (hist[:n_v] - pdc), s.shift_fb)
            fbt[np.arange(n0, n0 + n_v) < d] = 0
            z = np.clip(z + fbt, zlo, zhi)
            a = np.clip(rshift_round(c * (z - one), s.shift_coef), klo, khi).tolist()
            b = np.clip(rshift_round(c * (z + q), s.shift_coef), klo, khi).tolist()
            row = out[k]
            xs = [0] * n_v
            for i in range(n_v):
                ai, bi = a[i], b[i]
                for _ in range(nsub):
                    bp = (bi * p + hf) >> fs
                    p += ((ai - bp) * p + hk) >> ks
                    if p < 1:
                        p = 1
                    elif p > pmax:
                        p = pmax
                xs[i] = p
            row[:] = xs
            hist = np.concatenate([hist[n_v:], row])
            self.count += n_v
        self._hist = hist
        self.p = p
        return out

    def states_real(self, x_q) -> np.ndarray:
        """Raw states to real powers ``p``."""
        return np.asarray(x_q, dtype=np.float64) / (1 << self.spec.state_frac_bits)


def readout_fixed(spec: ReservoirSpec, x_q, w_q, bias_q: int = 0) -> np.ndarray:
    """The on-chip readout: ``sat_out(rs(sum_i W_i x_i, shift_out) + W_BIAS)`` per sample.

    Parameters
    ----------
    spec : ReservoirSpec
    x_q : array of int, shape (T, n_virtual)
        Raw states.
    w_q : array of int, shape (n_virtual,)
        Raw weights.
    bias_q : int
        Raw ``W_BIAS``.

    Returns
    -------
    numpy.ndarray of int64, shape (T,)
    """
    x = np.asarray(x_q)
    w = np.asarray(w_q)
    if x.ndim != 2 or x.shape[1] != spec.n_virtual or w.shape != (spec.n_virtual,):
        raise ValueError(
            f"need x_q of shape (T, {spec.n_virtual}) and w_q of shape "
            f"({spec.n_virtual},), not {x.shape} and {w.shape}"
        )
    # Exact sums: Python ints (object arrays) in case the accumulator exceeds 63 bits.
    acc = x.astype(object) @ w.astype(object)
    lo, hi = spec.signed_range(spec.out_bits)
    y = [min(max(rshift_round(int(v), spec.shift_out) + int(bias_q), lo), hi) for v in acc]
    return np.asarray(y, dtype=np.int64)


def dequantize_params(spec: ReservoirSpec, regs: dict | None = None, mask_q=None, **float_kw):
    """The float :class:`~spinemu.sim_golden.reservoir_float.ReservoirParams` whose
    parameters are exactly the fixed-point registers' values.

    ``theta = C * SUBSTEPS / (2 gamma_g)``; the remaining keywords go to ``ReservoirParams``
    (e.g. ``feedback_offset`` is taken from the Spec).
    """
    from .reservoir_float import ReservoirParams
    from .stno import STNO

    r = spec.check_regs(regs or {})
    m = spec.mask_q() if mask_q is None else np.asarray(mask_q)
    nsub = max(1, r["SUBSTEPS"])
    c = r["C"] / (1 << spec.c_frac_bits)
    zf = 1 << spec.zeta_frac_bits
    return ReservoirParams(
        n_virtual=spec.n_virtual,
        theta=c * nsub / (2.0 * spec.gamma_g),
        substeps=nsub,
        input_scaling=r["GAIN"] / (1 << spec.gain_frac_bits),
        zeta_dc=r["BIAS"] / zf,
        mask=tuple((m / (1 << spec.mask_frac_bits)).tolist()),
        feedback=r["FB"] / (1 << spec.gain_frac_bits),
        feedback_offset=spec.feedback_offset,
        device=STNO(gamma_g=spec.gamma_g, q=r["Q"] / zf),
        **float_kw,
    )
