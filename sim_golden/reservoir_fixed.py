"""Bit-exact fixed-point golden model of the STNO reservoir core.

The arithmetic is defined in :mod:`spinemu.sim_golden.reservoir_spec` (formats, round
half up, saturation, the node maps and their composition); this module executes it
exactly as the gateware does.  Everything up to the composite node maps depends only on
the input and on states at least ``n_virtual`` nodes old, so it is computed for a whole
input sample at once with numpy ``int64`` (every product fits: the Spec's formats keep
them below ``2**63``); only the loop ``w_n = E w_{n-6} + beta``, whose product is wider
than 64 bits, runs per node (Python integers, or the compiled kernel of
:mod:`.reservoir_kernel`, which splits the product).

Rounding statement: every right shift ``>> s`` is ``rs(x, s) = (x + 2**(s-1)) >> s``
(round half towards +inf, arithmetic shift); every ``sat`` clamps to the format's range.
"""

from __future__ import annotations

import numpy as np

from .jit import resolve_kernel
from .reservoir_spec import LOOKAHEAD, MAP_FRAC_BITS, ReservoirSpec, rshift_round

__all__ = ["ReservoirFixed", "readout_fixed", "dequantize_params", "node_maps", "compose_maps"]

_IDENTITY = (1 << MAP_FRAC_BITS, 0)


def node_maps(spec: ReservoirSpec, regs: dict, z) -> tuple[np.ndarray, np.ndarray]:
    """The node maps ``(E, beta)`` (int64 arrays) of raw currents ``z`` under ``regs``."""
    z = np.asarray(z, dtype=np.int64)
    klo, khi = spec.signed_range(spec.coef_bits)
    alo, ahi = spec.a_range
    c = int(regs["C"])
    one = 1 << spec.zeta_frac_bits
    a = np.clip(np.clip(rshift_round(c * (z - one), spec.shift_coef), klo, khi), alo, ahi)
    b = np.clip(rshift_round(c * (z + int(regs["Q"])), spec.shift_coef), klo, khi)
    et, de, gt, dg = spec.node_tables
    sf = spec.shift_table
    off = a - alo
    j = off >> sf
    f = off & ((1 << sf) - 1)
    e = et[j] + rshift_round(de[j] * f, sf)
    g = gt[j] + rshift_round(dg[j] * f, sf)
    return e, rshift_round(b * g, spec.coef_frac_bits)


def compose_maps(e1, b1, e2, b2):
    """``m1 o m2`` (apply ``m2`` first): ``(rs(E1 E2, F), rs(E1 beta2, F) + beta1)``."""
    return rshift_round(e1 * e2, MAP_FRAC_BITS), rshift_round(e1 * b2, MAP_FRAC_BITS) + b1


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
        Which path runs the state loop (:mod:`.jit`); both give the same bits.
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
        """``RESTART``: ``w = 1/PDC``, identity maps, the delay line empty."""
        w0 = self.spec.w_restart(self.regs["PDC"])
        self._w = [w0] * LOOKAHEAD  # w_{n-6} .. w_{n-1}, oldest first
        # m_{n-1} and the pairs P_{n-4} .. P_{n-1} (P_k = m_k o m_{k-1}), oldest first.
        self._maps = np.array([_IDENTITY], dtype=np.int64).T.copy()
        self._pairs = np.array([_IDENTITY] * 4, dtype=np.int64).T.copy()
        self._hist = np.zeros(self.spec.delay, dtype=np.int64)  # last D states, oldest first
        self.count = 0  # nodes produced since restart
        self.p = self.spec.state_of(w0)

    def _currents(self, u_k: int, n0: int) -> np.ndarray:
        """Raw ``z`` of the nodes of one sample (``n0`` = index of its first node)."""
        s, r, n_v = self.spec, self.regs, self.spec.n_virtual
        z = r["BIAS"] + rshift_round(r["GAIN"] * self.mask_q * u_k, s.shift_gmu)
        if n0 + n_v > s.delay:  # x[n - D] for the nodes n >= D is hist[i] (oldest first)
            fbt = rshift_round(r["FB"] * (self._hist[:n_v] - r["PDC"]), s.shift_fb)
            fbt[np.arange(n0, n0 + n_v) < s.delay] = 0
            z = z + fbt
        return np.clip(z, *s.signed_range(s.zeta_bits))

    def _composite(self, e, b) -> tuple[np.ndarray, np.ndarray]:
        """``M_i = (P_i o P_{i-2}) o P_{i-4}``, ``P_i = m_i o m_{i-1}``, for one sample's maps."""
        e_ext = np.concatenate([self._maps[0], e])
        b_ext = np.concatenate([self._maps[1], b])
        pe, pb = compose_maps(e_ext[1:], b_ext[1:], e_ext[:-1], b_ext[:-1])
        pe_ext = np.concatenate([self._pairs[0], pe])
        pb_ext = np.concatenate([self._pairs[1], pb])
        qe, qb = compose_maps(pe_ext[4:], pb_ext[4:], pe_ext[2:-2], pb_ext[2:-2])
        self._maps = np.stack([e_ext[-1:], b_ext[-1:]])
        self._pairs = np.stack([pe_ext[-4:], pb_ext[-4:]])
        return compose_maps(qe, qb, pe_ext[:-4], pb_ext[:-4])

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
        n_v = s.n_virtual
        out = np.empty((u.shape[0], n_v), dtype=np.int64)
        if self.kernel == "numba":
            self._run_compiled(u, out)
        else:
            whi = s.w_max
            half = 1 << (MAP_FRAC_BITS - 1)
            ws = list(self._w)
            for k in range(u.shape[0]):
                e4, b4 = self._composite(*node_maps(s, self.regs, self._currents(int(u[k]), self.count)))
                row = out[k]
                for i, (e, b) in enumerate(zip(e4.tolist(), b4.tolist(), strict=True)):
                    x = min(max(((e * ws[i % LOOKAHEAD] + half) >> MAP_FRAC_BITS) + b, 0), whi)
                    ws[i % LOOKAHEAD] = x
                    row[i] = x
                shift = n_v % LOOKAHEAD  # ws[0] is again w_{n-6} of the next sample's node 0
                ws = ws[shift:] + ws[:shift]
                row[:] = s.state_of(row)
                self._hist = np.concatenate([self._hist[n_v:], row])  # D >= n_virtual
                self.count += n_v
            self._w = ws
        if out.size:
            self.p = int(out[-1, -1])
        return out

    def _run_compiled(self, u, out) -> None:
        """:meth:`run` through the compiled kernel (same bits as the numpy path)."""
        from .reservoir_kernel import integrate

        s, r = self.spec, self.regs
        zlo, zhi = s.signed_range(s.zeta_bits)
        klo, khi = s.signed_range(s.coef_bits)
        alo, ahi = s.a_range
        fmt = (s.shift_gmu, s.shift_fb, s.shift_coef, zlo, zhi, alo, ahi, klo, khi, 1 << s.zeta_frac_bits,
               s.shift_table, s.coef_frac_bits, s.w_max, s.w_one, s.state_max)
        regs = np.array([r["C"], r["Q"], r["BIAS"], r["FB"], r["PDC"]], np.int64)
        w = np.array(self._w, dtype=np.int64)
        integrate(u.astype(np.int64), r["GAIN"] * self.mask_q, self._hist, self.count, w, self._maps,
                  self._pairs, out, regs, np.array(fmt, np.int64), *s.node_tables)
        shift = out.size % LOOKAHEAD
        self._w = w.tolist()[shift:] + w.tolist()[:shift]
        self._hist = np.concatenate([self._hist, out.reshape(-1)])[-s.delay :]
        self.count += out.size

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

    ``theta = C / (2 gamma_g)`` and the exact node map (``integrator="exact"``, what the
    core computes); the remaining keywords go to ``ReservoirParams`` (e.g.
    ``integrator="euler"``; ``feedback_offset`` is taken from the Spec).
    """
    from .reservoir_float import ReservoirParams
    from .stno import STNO

    r = spec.check_regs(regs or {})
    m = spec.mask_q() if mask_q is None else np.asarray(mask_q)
    c = r["C"] / (1 << spec.c_frac_bits)
    zf = 1 << spec.zeta_frac_bits
    kw = {"integrator": "exact", **float_kw}
    return ReservoirParams(
        n_virtual=spec.n_virtual,
        theta=c / (2.0 * spec.gamma_g),
        input_scaling=r["GAIN"] / (1 << spec.gain_frac_bits),
        zeta_dc=r["BIAS"] / zf,
        mask=tuple((m / (1 << spec.mask_frac_bits)).tolist()),
        feedback=r["FB"] / (1 << spec.gain_frac_bits),
        feedback_offset=spec.feedback_offset,
        device=STNO(gamma_g=spec.gamma_g, q=r["Q"] / zf),
        **kw,
    )
