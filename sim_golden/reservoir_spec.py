"""The Spec of the time-multiplexed STNO reservoir core: the single source of truth.

One spin-torque oscillator (power ``p``) is time multiplexed into ``n_virtual`` virtual
nodes.  For input sample ``u(k)`` and node ``i`` (node stream index ``n = k N + i``) the
core computes, in the fixed-point formats fixed here (all rounding is
*round half up*: ``rs(x, s) = floor((x + 2**(s-1)) / 2**s)``, an arithmetic shift)::

    gmu = rs(GAIN * m_i * u,         gain_f + mask_f + input_f - zeta_f)
    fbt = rs(FB * (x[n - D] - PDC),  gain_f + state_f - zeta_f)   (0 while n < D)
    z   = sat_zeta(BIAS + gmu + fbt)                               D = N + feedback_offset
    a   = sat_coef(rs(C * (z - 1),   c_f + zeta_f - coef_f))
    b   = sat_coef(rs(C * (z + Q),   c_f + zeta_f - coef_f))
    repeat SUBSTEPS times (0 counts as 1):
        p = sat_state(p + rs((a - rs(b * p, state_f)) * p, coef_f))
    x[n] = p

which is the explicit Euler step ``p <- p + (a - b p) p`` of
:mod:`spinemu.sim_golden.reservoir_float` with ``a = 2 Gamma_G h (zeta - 1)``,
``b = 2 Gamma_G h (Q + zeta)``, ``h = theta / substeps``, i.e. ``C = 2 Gamma_G h``.
``sat_*`` clamp to the format's range, except the state: it is unsigned with no
integer bit and clamps to ``[2**-state_f, 1 - 2**-state_f]`` (raw ``[1, 2**state_f - 1]``),
so both an Euler undershoot below 0 (a current far below threshold) and ``p >= 1``
saturate.  The floor of one LSB (not 0) is deliberate: ``p = 0`` is an absorbing state
of the noise-free power equation (``dp/dt`` is proportional to ``p``), so one strongly
negative input would silence the emulated oscillator for good; one LSB plays the role
of the thermal fluctuations that restart a real one.

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

__all__ = ["MaskKind", "ReservoirSpec", "RESERVOIR_IDENT", "MAX_VIRTUAL", "REG_NAMES", "rshift_round"]

#: Value of the ``ID`` register of the reservoir core ("STNO").
RESERVOIR_IDENT = 0x53544E4F
#: Largest number of virtual nodes (mask / weight / delay memory depth).
MAX_VIRTUAL = 4096
#: Run-time parameter registers the golden model takes (see :meth:`ReservoirSpec.reset_regs`).
REG_NAMES = ("BIAS", "GAIN", "FB", "PDC", "C", "Q", "SUBSTEPS")


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
    substeps : int
        Reset value of ``SUBSTEPS``: Euler steps per node duration, 1..255.
    theta : float
        Node duration (s) setting the reset value of ``C = 2 gamma_g theta / substeps``.
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
        Signed format of the Euler coefficients ``a`` and ``b``.
    readout : bool
        Include the on-chip linear readout (weight memory + multiply-accumulate).
    weight_bits, weight_frac_bits : int
        Signed format of the readout weights.
    out_bits, out_frac_bits : int
        Signed format of the prediction and of ``W_BIAS``.
    """

    n_virtual: int = 16
    feedback_offset: int = 1
    substeps: int = 4
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
    c_bits: int = 18
    c_frac_bits: int = 17
    coef_bits: int = 30
    coef_frac_bits: int = 24
    readout: bool = True
    weight_bits: int = 24
    weight_frac_bits: int = 12
    out_bits: int = 32
    out_frac_bits: int = 16

    def __post_init__(self):
        check_int("n_virtual", self.n_virtual, 2, MAX_VIRTUAL)
        check_int("feedback_offset", self.feedback_offset, 0, 64)
        check_int("substeps", self.substeps, 1, 255)
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
    def coefficient_c(self, theta: float, substeps: int) -> float:
        """``C = 2 gamma_g theta / substeps`` (real units)."""
        return 2.0 * self.gamma_g * theta / substeps

    def p_steady(self, zeta: float) -> float:
        """Steady-state power ``(zeta - 1) / (zeta + Q)`` (0 below threshold)."""
        return (zeta - 1.0) / (zeta + self.q) if zeta > 1.0 else 0.0

    def param_regs(
        self,
        *,
        theta: float | None = None,
        substeps: int | None = None,
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
        substeps = self.substeps if substeps is None else check_int("substeps", substeps, 1, 255)
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
            "C": _fit(
                "C = 2 gamma_g theta / substeps",
                self.coefficient_c(theta, substeps),
                self.c_bits,
                self.c_frac_bits,
                False,
            ),
            "Q": _fit("q", qq, self.zeta_bits, self.zeta_frac_bits, True),
            "SUBSTEPS": substeps,
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
                doc="bit 0 BUSY (a sample is being processed), bit 1 FULL (an INPUT is "
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
                doc="abort, set p = PDC, empty the delay line and the input, clear OVERRUN",
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
                doc=f"feedback centre and RESTART state, u0.{self.state_frac_bits}",
            ),
            Register(
                name="C",
                width=self.c_bits,
                access=Access.RW,
                reset=reset["C"],
                doc=f"Euler coefficient 2 Gamma_G theta / substeps, u.{self.c_frac_bits}",
            ),
            Register(
                name="Q",
                width=self.zeta_bits,
                access=Access.RW,
                signed=True,
                reset=reset["Q"] & ((1 << self.zeta_bits) - 1),
                doc=f"nonlinear damping Q, s.{self.zeta_frac_bits}",
            ),
            Register(
                name="SUBSTEPS",
                width=8,
                access=Access.RW,
                reset=reset["SUBSTEPS"],
                doc="Euler steps per node duration theta (0 counts as 1)",
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
