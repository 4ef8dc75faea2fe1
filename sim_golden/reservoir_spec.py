"""The Spec of the time-multiplexed STNO reservoir core: the single source of truth.

One spin-torque oscillator (power ``p``) is time multiplexed into ``n_virtual`` virtual
nodes.  Within one node the current ``z`` is constant, so the power equation
``dp/dt = 2 Gamma_G ((z - 1) - (z + Q) p) p`` is logistic and ``w = 1 / p`` obeys a
*linear* equation; over a node of duration ``theta`` it is solved exactly by::

    w' = E w + beta,   E = exp(-A),   beta = B (1 - E) / A,
    A = 2 Gamma_G theta (z - 1),   B = 2 Gamma_G theta (z + Q)

(the float twin is ``integrator="exact"`` of :mod:`spinemu.sim_golden.reservoir_float`).
Everything but ``w' = E w + beta`` depends only on ``z`` (the input and a state at least
``n_virtual`` nodes old), and maps compose, so the core takes one node per clock: the
state ``w_n`` is computed from ``w_{n-6}`` through the composite of the last six node
maps (a six-clock loop).  For input sample ``u(k)`` and node ``i`` (node stream index
``n = k N + i``) the core computes, in the fixed-point formats fixed here (all rounding
is *round half up*: ``rs(x, s) = floor((x + 2**(s-1)) / 2**s)``, an arithmetic shift;
``F = MAP_FRAC_BITS = 24``)::

    gmu = rs(GAIN * m_i * u,         gain_f + mask_f + input_f - zeta_f)
    fbt = rs(FB * (x[n - D] - PDC),  gain_f + state_f - zeta_f)   (0 while n < D)
    z   = sat_zeta(BIAS + gmu + fbt)                               D = N + feedback_offset
    A   = clamp(sat_coef(rs(C * (z - 1), c_f + zeta_f - coef_f)), A_MIN, A_MIN + 16)
    B   = sat_coef(rs(C * (z + Q),       c_f + zeta_f - coef_f))
    j, f = (A - A_MIN) >> sf, (A - A_MIN) mod 2**sf                sf = coef_f + 4 - table_bits
    E   = ET[j] + rs(DE[j] * f, sf)        G = GT[j] + rs(DG[j] * f, sf)
    beta = rs(B * G, coef_f)
    m_n = (E, beta)                        (m1 o m2) = (rs(E1 E2, F), rs(E1 beta2, F) + beta1)
    P_n = m_n o m_{n-1},   M_n = (P_n o P_{n-2}) o P_{n-4}
    w_n = clamp(rs(M_n.E * w_{n-6}, F) + M_n.beta, 0, 2**(state_f + F) - 1)
    x[n] = min(floor(2**(state_f + F) / max(w_n, 1)), 2**state_f - 1)

``ET``/``GT`` hold ``exp(-a)`` and ``(1 - exp(-a)) / a`` (1 at ``a = 0``) on ``2**table_bits``
points ``a_j = A_MIN + 16 j / 2**table_bits``, ``DE``/``DG`` the differences to the next
point (:meth:`ReservoirSpec.node_tables`): linear interpolation.  ``A`` is clamped to
``[-1, 15)``: a node can lose at most a factor ``e`` of power to a current below threshold
(the composite ``E`` stays below ``e**6``), and above 15 the oscillator has relaxed.
The clamps keep ``x`` in ``[2**-state_f, 1 - 2**-state_f]`` (raw ``[1, 2**state_f - 1]``)
and cost no comparator in the loop (``w`` saturates on its sign and overflow bits).  The
floor of one LSB (not 0) is deliberate: ``p = 0`` is an absorbing state of the noise-free power
equation, so one strongly negative input would silence the emulated oscillator for good;
one LSB plays the role of the thermal fluctuations that restart a real one.

``RESTART`` sets ``w_{-1..-6} = min(floor(2**(state_f + F) / max(PDC, 1)), 2**(state_f + F) - 1)``
and ``m_{-1}``, ``P_{-1..-4}`` to the identity ``(2**F, 0)``.  The composition is by node index, so
stalls and bubbles never change a state.

The optional on-chip readout adds, after the last node of each sample::

    y(k) = sat_out(rs(sum_i W_i x_{k,i}, weight_f + state_f - out_f) + W_BIAS)

Every upper-case name is a run-time register (:attr:`ReservoirSpec.regmap`); the Spec
holds their reset values (from the physical parameters ``theta``, ``zeta_dc``, ...),
the formats, the memory sizes and the reset-state mask (``mask_kind``, ``mask_seed``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .regmap import Access, Register, RegisterMap
from .reservoir_float import make_mask
from .validate import SpecError, check_bool, check_enum, check_float, check_int

__all__ = [
    "MaskKind",
    "ReservoirSpec",
    "RESERVOIR_IDENT",
    "MAX_VIRTUAL",
    "REG_NAMES",
    "MAP_FRAC_BITS",
    "A_MIN",
    "A_SPAN_LOG2",
    "LOOKAHEAD",
    "rshift_round",
]

#: Value of the ``ID`` register of the reservoir core ("STNO").
RESERVOIR_IDENT = 0x53544E4F
#: Largest number of virtual nodes (mask / weight / delay memory depth).
MAX_VIRTUAL = 4096
#: Run-time parameter registers the golden model takes (see :meth:`ReservoirSpec.reset_regs`).
REG_NAMES = ("BIAS", "GAIN", "FB", "PDC", "C", "Q")
#: Fraction bits of the node maps (``E``, ``G``, ``beta``) and of the loop state ``w = 1/p``.
MAP_FRAC_BITS = 24
#: Lower end of the node-map table over ``A`` (real units); the table spans ``2**A_SPAN_LOG2``.
A_MIN = -1
A_SPAN_LOG2 = 4
#: Nodes the state loop looks back: ``w_n`` from ``w_{n - LOOKAHEAD}`` (the loop's clocks).
LOOKAHEAD = 6


class MaskKind(enum.Enum):
    """Distribution of the reset-state input mask."""

    BINARY = "binary"
    REAL = "real"


def rshift_round(x, s: int):
    """Round-half-up arithmetic right shift ``floor((x + 2**(s-1)) / 2**s)`` (``s >= 0``).

    Works on Python ints and on integer numpy arrays (``s = 0`` returns ``x``).
    """
    if s == 0:
        return x
    return (x + (1 << (s - 1))) >> s


def _fit(field: str, value: float, bits: int, frac: int, signed: bool) -> int:
    """Round a real to ``frac`` fraction bits; raise SpecError if it does not fit."""
    q = int(np.floor(value * (1 << frac) + 0.5))
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    if not lo <= q <= hi:
        raise SpecError(
            field,
            value,
            f"a value in [{lo / (1 << frac)}, {hi / (1 << frac)}] "
            f"({'s' if signed else 'u'}{bits} with {frac} fraction bits)",
        )
    return q


@dataclass(frozen=True, kw_only=True)
class ReservoirSpec:
    """Spec of the time-multiplexed STNO reservoir core.

    Parameters
    ----------
    n_virtual : int
        Virtual nodes per input sample, 2..4096 (depth of the mask and weight memories).
    feedback_offset : int
        Delay-line length is ``n_virtual + feedback_offset`` nodes, 0..64.
    theta : float
        Node duration (s) setting the reset value of ``C = 2 gamma_g theta``.
    gamma_g, q : float
        Oscillator damping rate (1/s) and nonlinear damping ``Q`` (reset of ``Q``).
    zeta_dc, input_scaling, feedback : float
        Reset values of ``BIAS`` (DC current / threshold), ``GAIN`` and ``FB``.
    mask_kind : MaskKind or str
        ``"binary"`` (+-1) or ``"real"`` (U[-1, 1]) reset-state mask.
    mask_seed : int
        Seed of the reset-state mask (the same draws as ``reservoir_float.make_mask``).
    state_frac_bits : int
        Bits of the unsigned state ``p`` in ``[0, 1)``, 8..30.  The default 24 matters:
        NARMA10 with 400 nodes reaches NRMSE 0.14 at 24 bits (float: 0.13), 0.18 at 22
        and 0.34 at 18, because the ridge readout uses small state differences.
    input_bits, input_frac_bits : int
        Signed format of the input ``u``.
    mask_bits, mask_frac_bits : int
        Signed format of the mask entries.
    zeta_bits, zeta_frac_bits : int
        Signed format of the normalised current ``z`` and of ``BIAS`` and ``Q``.
    gain_bits, gain_frac_bits : int
        Signed format of ``GAIN`` and ``FB``.
    c_bits, c_frac_bits : int
        Unsigned format of ``C``.
    coef_bits, coef_frac_bits : int
        Signed format of the node exponents ``A`` and ``B``; ``coef_bits - coef_frac_bits``
        (integer bits with the sign) is 5..7, so ``A`` reaches the table's range
        ``[-1, 15)`` and every product of the node maps fits 64 bits.
    table_bits : int
        ``log2`` of the points of the ``E``/``G`` tables over ``A`` (6..14, at most
        ``coef_frac_bits + 4``).  The default 13 matches the float exact map on NARMA10
        (NRMSE 0.0972 vs 0.0973); 10 is about 5 % worse
        (``benchmarks/study_reservoir_node_map.py``).
    readout : bool
        Include the on-chip linear readout (weight memory + multiply-accumulate).
    weight_bits, weight_frac_bits : int
        Signed format of the readout weights.
    out_bits, out_frac_bits : int
        Signed format of the prediction and of ``W_BIAS``.
    """

    n_virtual: int = 16
    feedback_offset: int = 1
    theta: float = 10e-9
    gamma_g: float = 2e7
    q: float = 1.0
    zeta_dc: float = 2.0
    input_scaling: float = 0.5
    feedback: float = 0.0
    mask_kind: MaskKind = MaskKind.BINARY
    mask_seed: int = 0
    state_frac_bits: int = 24
    input_bits: int = 16
    input_frac_bits: int = 12
    mask_bits: int = 8
    mask_frac_bits: int = 6
    zeta_bits: int = 26
    zeta_frac_bits: int = 20
    gain_bits: int = 18
    gain_frac_bits: int = 12
    c_bits: int = 17
    c_frac_bits: int = 13
    coef_bits: int = 30
    coef_frac_bits: int = 24
    table_bits: int = 13
    readout: bool = True
    weight_bits: int = 24
    weight_frac_bits: int = 12
    out_bits: int = 32
    out_frac_bits: int = 16

    def __post_init__(self):
        check_int("n_virtual", self.n_virtual, 2, MAX_VIRTUAL)
        check_int("feedback_offset", self.feedback_offset, 0, 64)
        check_int("mask_seed", self.mask_seed, 0, (1 << 64) - 1)
        object.__setattr__(self, "mask_kind", check_enum("mask_kind", self.mask_kind, MaskKind))
        check_bool("readout", self.readout)
        check_int("state_frac_bits", self.state_frac_bits, 8, 30)
        for name, lo, hi in (
            ("input", 2, 32),
            ("mask", 2, 16),
            ("zeta", 4, 32),
            ("gain", 2, 32),
            ("c", 2, 32),
            ("coef", 4, 40),
            ("weight", 2, 32),
            ("out", 2, 32),
        ):
            bits = check_int(f"{name}_bits", getattr(self, f"{name}_bits"), lo, hi)
            check_int(
                f"{name}_frac_bits", getattr(self, f"{name}_frac_bits"), 0, bits if name == "c" else bits - 1
            )
        # Every rescaling shift must be >= 0 (the datapath only shifts right).
        for name, s in (
            ("gain_frac_bits + mask_frac_bits + input_frac_bits - zeta_frac_bits", self.shift_gmu),
            ("gain_frac_bits + state_frac_bits - zeta_frac_bits", self.shift_fb),
            ("c_frac_bits + zeta_frac_bits - coef_frac_bits", self.shift_coef),
            ("weight_frac_bits + state_frac_bits - out_frac_bits", self.shift_out),
        ):
            if s < 0:
                raise SpecError(name, s, "a value >= 0 (formats must only shift right)")
        if not 5 <= self.coef_bits - self.coef_frac_bits <= 7:
            raise SpecError(
                "coef_bits - coef_frac_bits",
                self.coef_bits - self.coef_frac_bits,
                "5..7 integer bits (A reaches the table range [-1, 15); the node maps fit)",
            )
        check_int("table_bits", self.table_bits, 6, min(14, self.coef_frac_bits + A_SPAN_LOG2))
        object.__setattr__(self, "theta", check_float("theta", self.theta, 0.0, lo_open=True))
        object.__setattr__(self, "gamma_g", check_float("gamma_g", self.gamma_g, 0.0, lo_open=True))
        object.__setattr__(self, "q", check_float("q", self.q, -1.0, lo_open=True))
        for name in ("zeta_dc", "input_scaling", "feedback"):
            object.__setattr__(self, name, check_float(name, getattr(self, name)))
        self.reset_regs()  # raises SpecError if a reset value does not fit its register

    # -- formats ----------------------------------------------------------------------
    @property
    def shift_gmu(self) -> int:
        return self.gain_frac_bits + self.mask_frac_bits + self.input_frac_bits - self.zeta_frac_bits

    @property
    def shift_fb(self) -> int:
        return self.gain_frac_bits + self.state_frac_bits - self.zeta_frac_bits

    @property
    def shift_coef(self) -> int:
        return self.c_frac_bits + self.zeta_frac_bits - self.coef_frac_bits

    @property
    def shift_out(self) -> int:
        return self.weight_frac_bits + self.state_frac_bits - self.out_frac_bits

    @property
    def shift_table(self) -> int:
        """Fraction bits of ``A`` below a table step (the interpolation shift ``sf``)."""
        return self.coef_frac_bits + A_SPAN_LOG2 - self.table_bits

    @property
    def w_one(self) -> int:
        """``2**(state_frac_bits + MAP_FRAC_BITS)``: ``x = w_one // w``."""
        return 1 << (self.state_frac_bits + MAP_FRAC_BITS)

    @property
    def w_max(self) -> int:
        """Largest loop state ``w`` (the clamp of the loop; ``x >= 1`` below it)."""
        return self.w_one - 1

    def state_of(self, w):
        """``x = min(w_one // max(w, 1), state_max)`` of raw loop states (int or array)."""
        if isinstance(w, np.ndarray):
            return np.minimum(self.w_one // np.maximum(w, 1), self.state_max)
        return min(self.w_one // max(int(w), 1), self.state_max)

    @property
    def a_range(self) -> tuple[int, int]:
        """Raw clamp of ``A``: ``[A_MIN, A_MIN + 16)`` in ``coef_frac_bits``."""
        lo = A_MIN << self.coef_frac_bits
        return lo, lo + (1 << (A_SPAN_LOG2 + self.coef_frac_bits)) - 1

    def w_restart(self, pdc: int) -> int:
        """The loop state ``RESTART`` sets from the raw ``PDC``."""
        return min(self.w_one // max(int(pdc), 1), self.w_max)

    @cached_property
    def node_tables(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(ET, DE, GT, DG)``, int64 arrays of ``2**table_bits`` entries (``MAP_FRAC_BITS``).

        ``ET[j] = round(exp(-a_j) 2**F)``, ``GT[j] = round((1 - exp(-a_j)) / a_j 2**F)``
        (1 at ``a_j = 0``), ``a_j = A_MIN + 16 j / 2**table_bits``; ``DE``/``DG`` are the
        differences to the next point, which interpolate linearly.
        """
        n = 1 << self.table_bits
        a = A_MIN + np.arange(n + 1, dtype=np.float64) * ((1 << A_SPAN_LOG2) / n)
        safe = np.where(a == 0.0, 1.0, a)
        g = np.where(a == 0.0, 1.0, -np.expm1(-a) / safe)
        scale = float(1 << MAP_FRAC_BITS)
        et = np.floor(np.exp(-a) * scale + 0.5).astype(np.int64)
        gt = np.floor(g * scale + 0.5).astype(np.int64)
        out = (et[:-1], np.diff(et), gt[:-1], np.diff(gt))
        for arr in out:
            arr.setflags(write=False)
        return out

    @cached_property
    def map_bounds(self) -> dict[str, int]:
        """Largest ``|E|`` and ``|beta|`` of a node map (``e1``, ``b1``), of a pair of them
        (``e2``, ``b2``), of four (``e4``, ``b4``) and of the composite of six (``e6``,
        ``b6``), raw: what the gateware sizes its registers by (rigorous, rounding
        included)."""
        et, _, gt, _ = self.node_tables
        f = MAP_FRAC_BITS
        e1, g1 = int(et.max()) + 1, int(gt.max()) + 1
        b1 = -(-(1 << (self.coef_bits - 1)) * g1 >> self.coef_frac_bits) + 1
        out = {"e1": e1, "b1": b1}
        for k, (x, y) in {2: (1, 1), 4: (2, 2), 6: (4, 2)}.items():
            e1_, b1_, e2_, b2_ = out[f"e{x}"], out[f"b{x}"], out[f"e{y}"], out[f"b{y}"]
            out[f"e{k}"] = (-(-e1_ * e2_ >> f)) + 1
            out[f"b{k}"] = (-(-e1_ * b2_ >> f)) + 1 + b1_
        return out

    @property
    def delay(self) -> int:
        """Delay-line length ``D = n_virtual + feedback_offset`` in nodes."""
        return self.n_virtual + self.feedback_offset

    @property
    def state_max(self) -> int:
        """Largest raw state (``1 - 2**-state_frac_bits``)."""
        return (1 << self.state_frac_bits) - 1

    @staticmethod
    def signed_range(bits: int) -> tuple[int, int]:
        return -(1 << (bits - 1)), (1 << (bits - 1)) - 1

    # -- quantization -----------------------------------------------------------------
    @property
    def input_range(self) -> tuple[float, float]:
        """Smallest and largest representable input, real units."""
        lo, hi = self.signed_range(self.input_bits)
        return lo / (1 << self.input_frac_bits), hi / (1 << self.input_frac_bits)

    def quantize_inputs(self, u, name: str = "u") -> np.ndarray:
        """Round real inputs to the input format (half up); raise on NaN/inf or overflow.

        Raises
        ------
        ValueError
            Naming the first bad index and the allowed range.
        """
        arr = np.asarray(u, dtype=np.float64)
        bad = ~np.isfinite(arr)
        if bad.any():
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            raise ValueError(f"{name} contains NaN or inf (first at index {idx})")
        q = np.floor(arr * (1 << self.input_frac_bits) + 0.5)
        lo, hi = self.signed_range(self.input_bits)
        out = (q < lo) | (q > hi)
        if out.any():
            idx = tuple(int(i) for i in np.argwhere(out)[0])
            rlo, rhi = self.input_range
            raise ValueError(
                f"{name}{list(idx)} = {float(arr[idx])!r} is outside the input range "
                f"[{rlo}, {rhi}] (input_bits={self.input_bits}, "
                f"input_frac_bits={self.input_frac_bits}); scale the input"
            )
        return q.astype(np.int64)

    def quantize_mask(self, mask) -> np.ndarray:
        """Round a real mask of shape ``(n_virtual,)`` to the mask format (half up)."""
        arr = np.asarray(mask, dtype=np.float64)
        if arr.shape != (self.n_virtual,):
            raise ValueError(f"mask must have shape ({self.n_virtual},), not {arr.shape}")
        if not np.all(np.isfinite(arr)):
            raise ValueError("mask contains NaN or inf")
        q = np.floor(arr * (1 << self.mask_frac_bits) + 0.5)
        lo, hi = self.signed_range(self.mask_bits)
        if np.any((q < lo) | (q > hi)):
            raise ValueError(
                f"mask values must lie in [{lo / (1 << self.mask_frac_bits)}, "
                f"{hi / (1 << self.mask_frac_bits)}] (mask_bits={self.mask_bits}, "
                f"mask_frac_bits={self.mask_frac_bits})"
            )
        return q.astype(np.int64)

    def mask_q(self, seed: int | None = None, kind: MaskKind | str | None = None) -> np.ndarray:
        """Quantized random mask of ``seed`` (default: the reset-state mask of the Spec)."""
        kind = self.mask_kind if kind is None else check_enum("mask_kind", kind, MaskKind)
        m = make_mask(self.n_virtual, kind.value, self.mask_seed if seed is None else seed)
        return self.quantize_mask(m)

    def quantize_weights(self, w) -> np.ndarray:
        """Round readout weights (shape ``(n_virtual,)``) to the weight format, saturating."""
        arr = np.asarray(w, dtype=np.float64)
        if arr.shape != (self.n_virtual,) or not np.all(np.isfinite(arr)):
            raise ValueError(f"weights must be {self.n_virtual} finite numbers, not shape {arr.shape}")
        lo, hi = self.signed_range(self.weight_bits)
        return np.clip(np.floor(arr * (1 << self.weight_frac_bits) + 0.5), lo, hi).astype(np.int64)

    def quantize_out(self, value: float) -> int:
        """Round a real to the output format, saturating (for ``W_BIAS``)."""
        lo, hi = self.signed_range(self.out_bits)
        return int(np.clip(np.floor(float(value) * (1 << self.out_frac_bits) + 0.5), lo, hi))

    # -- registers --------------------------------------------------------------------
    def coefficient_c(self, theta: float) -> float:
        """``C = 2 gamma_g theta`` (real units)."""
        return 2.0 * self.gamma_g * theta

    def p_steady(self, zeta: float) -> float:
        """Steady-state power ``(zeta - 1) / (zeta + Q)`` (0 below threshold)."""
        return (zeta - 1.0) / (zeta + self.q) if zeta > 1.0 else 0.0

    def param_regs(
        self,
        *,
        theta: float | None = None,
        zeta_dc: float | None = None,
        input_scaling: float | None = None,
        feedback: float | None = None,
        q: float | None = None,
    ) -> dict[str, int]:
        """Raw register values for physical parameters (defaults: the Spec's).

        Raises
        ------
        SpecError
            If a value does not fit its register.
        """
        theta = self.theta if theta is None else check_float("theta", theta, 0.0, lo_open=True)
        zeta = self.zeta_dc if zeta_dc is None else check_float("zeta_dc", zeta_dc)
        gain = self.input_scaling if input_scaling is None else check_float("input_scaling", input_scaling)
        fb = self.feedback if feedback is None else check_float("feedback", feedback)
        qq = self.q if q is None else check_float("q", q, -1.0, lo_open=True)
        p_dc = (zeta - 1.0) / (zeta + qq) if zeta > 1.0 else 0.0
        return {
            "BIAS": _fit("zeta_dc", zeta, self.zeta_bits, self.zeta_frac_bits, True),
            "GAIN": _fit("input_scaling", gain, self.gain_bits, self.gain_frac_bits, True),
            "FB": _fit("feedback", fb, self.gain_bits, self.gain_frac_bits, True),
            "PDC": min(
                _fit("p_dc", p_dc, self.state_frac_bits + 1, self.state_frac_bits, False), self.state_max
            ),
            "C": _fit("C = 2 gamma_g theta", self.coefficient_c(theta), self.c_bits, self.c_frac_bits, False),
            "Q": _fit("q", qq, self.zeta_bits, self.zeta_frac_bits, True),
        }

    def reset_regs(self) -> dict[str, int]:
        """Raw reset values of the parameter registers (:data:`REG_NAMES`)."""
        return self.param_regs()

    def check_regs(self, regs: dict) -> dict[str, int]:
        """Validate a dict of raw parameter registers; fill missing ones with reset values."""
        out = dict(self.reset_regs())
        for k, v in dict(regs).items():
            if k not in REG_NAMES:
                raise ValueError(f"unknown register {k!r}; parameter registers: {', '.join(REG_NAMES)}")
            reg = self.regmap[k]
            lo, hi = self.signed_range(reg.width) if reg.signed else (0, (1 << reg.width) - 1)
            if isinstance(v, bool) or not isinstance(v, int | np.integer) or not lo <= v <= hi:
                raise ValueError(f"register {k} takes integers in {lo}..{hi}, not {v!r}")
            out[k] = int(v)
        return out

    @cached_property
    def regmap(self) -> RegisterMap:
        """The core's AXI4-Lite register map."""
        addr_bits = max(1, (self.n_virtual - 1).bit_length())
        reset = self.reset_regs()
        regs = [
            Register(name="N", width=16, access=Access.RO, doc="number of virtual nodes"),
            Register(
                name="CTRL",
                width=1,
                access=Access.RW,
                doc="bit 0 HOLD: pause after every virtual node until NEXT is written",
            ),
            Register(
                name="STATUS",
                width=4,
                access=Access.RO,
                doc="bit 0 BUSY (a sample or RESTART is in progress), bit 1 FULL (an INPUT is "
                "waiting), bit 2 OVERRUN (INPUT written while FULL; sticky until "
                "RESTART), bit 3 HELD (paused after a node, see CTRL.HOLD)",
            ),
            Register(name="NEXT", width=1, access=Access.WO, doc="continue after a HOLD pause"),
            Register(
                name="INPUT",
                width=self.input_bits,
                access=Access.WO,
                signed=True,
                doc=f"queue one input sample u, s.{self.input_frac_bits} fixed point "
                "(the input stream fills the same holding register without the bus)",
            ),
            Register(
                name="RESTART",
                width=1,
                access=Access.WO,
                doc="abort, set w = 1/PDC, empty the pipeline, the delay line and the input, "
                "clear OVERRUN (BUSY for state_frac_bits + 26 clocks)",
            ),
            Register(
                name="COUNT",
                width=32,
                access=Access.RO,
                doc="virtual-node states produced since RESTART (wraps)",
            ),
            Register(
                name="STATE",
                width=self.state_frac_bits,
                access=Access.RO,
                doc=f"latest virtual-node state p, u0.{self.state_frac_bits}",
            ),
            Register(
                name="BIAS",
                width=self.zeta_bits,
                access=Access.RW,
                signed=True,
                reset=reset["BIAS"] & ((1 << self.zeta_bits) - 1),
                doc=f"DC current zeta_dc, s.{self.zeta_frac_bits}",
            ),
            Register(
                name="GAIN",
                width=self.gain_bits,
                access=Access.RW,
                signed=True,
                reset=reset["GAIN"] & ((1 << self.gain_bits) - 1),
                doc=f"input scaling, s.{self.gain_frac_bits}",
            ),
            Register(
                name="FB",
                width=self.gain_bits,
                access=Access.RW,
                signed=True,
                reset=reset["FB"] & ((1 << self.gain_bits) - 1),
                doc=f"delay-line feedback gain, s.{self.gain_frac_bits}",
            ),
            Register(
                name="PDC",
                width=self.state_frac_bits,
                access=Access.RW,
                reset=reset["PDC"],
                doc=f"feedback centre and RESTART state (w = 1/PDC), u0.{self.state_frac_bits}",
            ),
            Register(
                name="C",
                width=self.c_bits,
                access=Access.RW,
                reset=reset["C"],
                doc=f"node exponent 2 Gamma_G theta, u.{self.c_frac_bits}",
            ),
            Register(
                name="Q",
                width=self.zeta_bits,
                access=Access.RW,
                signed=True,
                reset=reset["Q"] & ((1 << self.zeta_bits) - 1),
                doc=f"nonlinear damping Q, s.{self.zeta_frac_bits}",
            ),
            Register(name="MASK_ADDR", width=addr_bits, access=Access.WO, doc="set the mask write pointer"),
            Register(
                name="MASK_DATA",
                width=self.mask_bits,
                access=Access.WO,
                signed=True,
                doc=f"write mask[pointer], s.{self.mask_frac_bits}; the pointer increments",
            ),
        ]
        if self.readout:
            regs += [
                Register(
                    name="W_ADDR",
                    width=addr_bits,
                    access=Access.WO,
                    doc="set the readout-weight write pointer",
                ),
                Register(
                    name="W_DATA",
                    width=self.weight_bits,
                    access=Access.WO,
                    signed=True,
                    doc=f"write weight[pointer], s.{self.weight_frac_bits}; the pointer increments",
                ),
                Register(
                    name="W_BIAS",
                    width=self.out_bits,
                    access=Access.RW,
                    signed=True,
                    doc=f"readout bias, s.{self.out_frac_bits}",
                ),
                Register(
                    name="PRED",
                    width=self.out_bits,
                    access=Access.RO,
                    signed=True,
                    doc=f"latest on-chip prediction, s.{self.out_frac_bits}",
                ),
                Register(
                    name="PRED_COUNT",
                    width=32,
                    access=Access.RO,
                    doc="predictions produced since RESTART (wraps)",
                ),
            ]
        return RegisterMap(core="reservoir", ident=RESERVOIR_IDENT, registers=tuple(regs))

    # -- serialisation ----------------------------------------------------------------
    def to_dict(self) -> dict:
        """Plain-data form (for manifests and cache keys)."""
        from dataclasses import fields

        d = {"kind": "reservoir"}
        for f in fields(self):
            v = getattr(self, f.name)
            d[f.name] = v.value if isinstance(v, enum.Enum) else v
        return d

    @classmethod
    def from_dict(cls, data: dict) -> ReservoirSpec:
        """Inverse of :meth:`to_dict`."""
        return cls(**{k: v for k, v in data.items() if k != "kind"})
