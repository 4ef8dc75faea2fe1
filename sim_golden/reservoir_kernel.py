"""Compiled kernel of the STNO reservoir golden model (numba; see :mod:`.jit`).

:func:`integrate` runs the whole node computation of
:meth:`~.reservoir_fixed.ReservoirFixed.run` in one compiled loop (the numpy reference
computes a sample's maps vectorised and loops only over the state).  The state loop's
product ``E_n w`` is up to 85 bits wide, so it is split at bit ``F`` of ``w``:
``rs(E w, F) = E w_hi + rs(E w_lo, F)`` exactly (``E w_hi 2**F`` is a multiple of
``2**F``) and both partial products fit ``int64``; every other product of the Spec's
formats fits ``int64`` whole.
"""

from __future__ import annotations

import numpy as np

from .jit import njit
from .reservoir_spec import LOOKAHEAD, MAP_FRAC_BITS

__all__ = ["integrate"]


@njit
def _rs(x, s):
    if s == 0:
        return x
    return (x + (np.int64(1) << (s - 1))) >> s


@njit
def integrate(u, gm, hist, count, w, maps, pairs, out, regs, fmt, et, de, gt, dg):
    """The whole node computation of :meth:`~.reservoir_fixed.ReservoirFixed.run` for a
    call: fill ``out`` (T, n_v) with the states; update ``w`` (6 slots, oldest first at
    the call's start), ``maps`` (2 x 1: E and beta of m_{n-1}) and ``pairs`` (2 x 4:
    P_{n-4..n-1}) in place.

    ``regs = (C, Q, BIAS, FB, PDC)``; ``fmt = (shift_gmu, shift_fb, shift_coef, zeta_lo,
    zeta_hi, a_lo, a_hi, coef_lo, coef_hi, zeta_one, shift_table, coef_frac_bits, w_max,
    w_one, state_max)``; ``gm = GAIN * mask``; ``hist`` the last ``D`` states (oldest
    first); ``count`` the nodes produced since ``RESTART``.
    """
    c, q, bias, fb, pdc = regs[0], regs[1], regs[2], regs[3], regs[4]
    sh_gmu, sh_fb, sh_coef = fmt[0], fmt[1], fmt[2]
    zlo, zhi, alo, ahi, klo, khi, one = fmt[3], fmt[4], fmt[5], fmt[6], fmt[7], fmt[8], fmt[9]
    sf, cf, w_hi, w_one, pmax = fmt[10], fmt[11], fmt[12], fmt[13], fmt[14]
    f = MAP_FRAC_BITS
    low = (np.int64(1) << f) - 1
    half = np.int64(1) << (f - 1)
    fmask = (np.int64(1) << sf) - 1
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
            a = min(max(_rs(c * (z - one), sh_coef), alo), ahi)
            b = min(max(_rs(c * (z + q), sh_coef), klo), khi)
            off = a - alo
            t = off >> sf
            fr = off & fmask
            e = et[t] + _rs(de[t] * fr, sf)
            beta = _rs(b * (gt[t] + _rs(dg[t] * fr, sf)), cf)
            # P_n = m_n o m_{n-1}; quad_n = P_n o P_{n-2}; comp_n = quad_n o P_{n-4}
            pe = (e * maps[0, 0] + half) >> f
            pb = ((e * maps[1, 0] + half) >> f) + beta
            qe = (pe * pairs[0, 2] + half) >> f
            qb = ((pe * pairs[1, 2] + half) >> f) + pb
            ce = (qe * pairs[0, 0] + half) >> f
            cb = ((qe * pairs[1, 0] + half) >> f) + qb
            maps[0, 0], maps[1, 0] = e, beta
            for h in range(3):
                pairs[0, h], pairs[1, h] = pairs[0, h + 1], pairs[1, h + 1]
            pairs[0, 3], pairs[1, 3] = pe, pb
            slot = j % LOOKAHEAD
            wp = w[slot]
            x = ce * (wp >> f) + ((ce * (wp & low) + half) >> f) + cb
            x = min(max(x, np.int64(0)), w_hi)
            w[slot] = x
            flat[j] = min(w_one // max(x, np.int64(1)), pmax)
