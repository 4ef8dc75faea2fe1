"""Compiled fixed-point integrator of the STNO reservoir golden model (numba; see :mod:`.jit`).

The arithmetic of :meth:`~.reservoir_fixed.ReservoirFixed.run`, node by node in one
compiled loop: ``z = sat(BIAS + rs(GAIN mask_i u, shift_gmu) + rs(FB (x[n - D] - PDC),
shift_fb))`` (the feedback term is 0 while ``n < D``), the clipped coefficients ``a`` and
``b``, and ``SUBSTEPS`` Euler sub-steps chained through the power ``p``.  ``rs`` rounds
half up (an arithmetic shift of ``x + 2**(s-1)``); every product fits ``int64`` (the
Spec's formats keep them below ``2**62``).  The delay line is the previous call's last
``D`` states followed by this call's output, read at ``n - D``.
"""

from __future__ import annotations

import numpy as np

from .jit import njit

__all__ = ["integrate"]


@njit
def _rs(x, s):
    if s == 0:
        return x
    return (x + (np.int64(1) << (s - 1))) >> s


@njit
def integrate(u, gm, hist, count, p, out, regs, fmt):
    """Fill ``out`` (T, n_v) with the states for inputs ``u``; return the final ``p``.

    ``regs = (C, Q, BIAS, FB, PDC, SUBSTEPS)``; ``fmt = (shift_gmu, shift_fb, shift_coef,
    zeta_lo, zeta_hi, coef_lo, coef_hi, zeta_one, state_frac_bits, coef_frac_bits,
    state_max)``; ``gm = GAIN * mask`` (int64), ``hist`` the last ``D`` states (oldest
    first) and ``count`` the nodes produced since ``RESTART``.
    """
    c, q, bias, fb, pdc, nsub = regs[0], regs[1], regs[2], regs[3], regs[4], regs[5]
    sh_gmu, sh_fb, sh_coef = fmt[0], fmt[1], fmt[2]
    zlo, zhi, klo, khi, one = fmt[3], fmt[4], fmt[5], fmt[6], fmt[7]
    fs, ks, pmax = fmt[8], fmt[9], fmt[10]
    hf = np.int64(1) << (fs - 1)
    hk = np.int64(1) << (ks - 1)
    d = hist.shape[0]
    n_v = gm.shape[0]
    flat = out.reshape(-1)
    for k in range(u.shape[0]):
        uk = np.int64(u[k])
        for i in range(n_v):
            j = k * n_v + i
            z = bias + _rs(gm[i] * uk, sh_gmu)
            if count + j >= d:
                past = hist[j] if j < d else flat[j - d]
                z += _rs(fb * (past - pdc), sh_fb)
            z = min(max(z, zlo), zhi)
            a = min(max(_rs(c * (z - one), sh_coef), klo), khi)
            b = min(max(_rs(c * (z + q), sh_coef), klo), khi)
            for _ in range(nsub):
                bp = (b * p + hf) >> fs
                p += ((a - bp) * p + hk) >> ks
                p = min(max(p, np.int64(1)), pmax)
            flat[j] = p
    return p
