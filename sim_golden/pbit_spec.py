"""The Spec of the p-bit array primitive: the single source of truth.

An array of ``n`` independent p-bits.  Every enabled clock each p-bit draws one word
from its own RNG stream and emits

    m = +1  if  (word >> (word_bits - prob_bits)) < LUT[I_q]  else  -1,

where ``I_q`` is its quantized input (``input_bits`` two's complement with
``input_frac_bits`` fraction bits) and the LUT holds
``P(m = +1 | I) = (1 + tanh(beta * I)) / 2`` rounded to ``prob_bits`` bits.
The tie rule is strict: a random number equal to the LUT entry gives -1, so
``P(m = +1) = LUT[I_q] / 2**prob_bits`` exactly.  LUT entries are clamped to
``[1, 2**prob_bits - 1]``: a p-bit is never frozen, as a real superparamagnetic
MTJ never is, and the clamp keeps ``P(-I) = 1 - P(I)``.

SMTJ-calibrated sigmoid (``sigmoid = "smtj"``)
-----------------------------------------------
The LUT then holds a calibrated device's transfer curve
``P(m = +1) = (1 + tanh(sigmoid_slope * (I_dev - sigmoid_centre))) / 2`` (a
:class:`~.calibration.SigmoidFit`: centre in A, slope in 1/A; ``m = +1`` is AP).
The fixed-point input is mapped onto the device current by one constant,
``current_unit`` (A): the dimensionless drive ``x = beta * I`` (``I`` the real value
of the quantised input) is the current ``I_dev = x * current_unit``.  One input LSB
is therefore ``beta * current_unit * 2**-input_frac_bits`` amperes
(:attr:`PBitArraySpec.input_lsb`).  With ``current_unit = 1 / sigmoid_slope`` and
``sigmoid_centre = 0`` the table is exactly the ``tanh`` one;
:func:`smtj_sigmoid_fields` makes the fields from a fit.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .regmap import Access, Register, RegisterMap
from .rng import LFSR_TAPS, LFSRModel, RNGKind, RNGModel, Xoshiro128ppModel
from .validate import SpecError, check_enum, check_float, check_int, check_lfsr_leap, check_lfsr_taps

__all__ = [
    "SigmoidKind",
    "PBitArraySpec",
    "PBIT_ARRAY_IDENT",
    "MAX_PBITS",
    "smtj_sigmoid",
    "smtj_sigmoid_fields",
]

#: Value of the ``ID`` register of the p-bit array core ("PBIT").
PBIT_ARRAY_IDENT = 0x50424954
#: Largest array the primitive generator accepts.
MAX_PBITS = 4096


class SigmoidKind(enum.Enum):
    """Which activation the LUT holds."""

    TANH = "tanh"
    SMTJ = "smtj"


def smtj_sigmoid(x, *, centre: float, slope: float, current_unit: float) -> np.ndarray:
    """``P(m = +1)`` of a calibrated SMTJ at dimensionless drive ``x`` (``I_dev = x * current_unit``).

    ``(1 + tanh(slope * (x * current_unit - centre))) / 2``; see the module docstring.
    """
    i_dev = np.asarray(x, dtype=np.float64) * current_unit
    return 0.5 * (1.0 + np.tanh(slope * (i_dev - centre)))


def smtj_sigmoid_fields(fit, *, current_unit: float | None = None) -> dict:
    """Spec keyword arguments for ``sigmoid = "smtj"`` from a :class:`~.calibration.SigmoidFit`.

    Parameters
    ----------
    fit : SigmoidFit
        Any object with ``centre`` (A) and ``slope`` (1/A).
    current_unit : float, optional
        Amperes per unit of ``beta * I``; default ``1 / fit.slope`` (so that ``beta`` is
        the device's own inverse temperature and ``I = 1`` is one device current scale).

    Returns
    -------
    dict
        ``{"sigmoid": "smtj", "sigmoid_centre", "sigmoid_slope", "current_unit"}``; works
        for :class:`PBitArraySpec` and :class:`~.pbit_net_spec.PBitNetSpec`.
    """
    centre, slope = float(fit.centre), float(fit.slope)
    if not (math.isfinite(slope) and slope > 0):
        raise ValueError(f"fit.slope must be a finite number > 0, not {fit.slope!r}")
    if not math.isfinite(centre):
        raise ValueError(f"fit.centre must be finite, not {fit.centre!r}")
    cu = 1.0 / slope if current_unit is None else float(current_unit)
    if not (math.isfinite(cu) and cu > 0):
        raise ValueError(f"current_unit must be a finite number > 0, not {current_unit!r}")
    return {"sigmoid": "smtj", "sigmoid_centre": centre, "sigmoid_slope": slope, "current_unit": cu}


@dataclass(frozen=True, kw_only=True)
class PBitArraySpec:
    """Spec of an array of ``n`` independent p-bits.

    Parameters
    ----------
    n : int
        Number of p-bits, 1..4096.
    rng : RNGKind or str
        ``"lfsr"`` or ``"xoshiro128pp"``.
    lfsr_width : int
        LFSR state bits, 3..32 (``rng = "lfsr"`` only).
    lfsr_taps : tuple of int or None
        Feedback taps numbered 1..width; ``None`` takes the maximal-length table entry.
    lfsr_leap : int or None
        Single-bit shifts per clock, 1..64, coprime with the period ``2**lfsr_width - 1``
        (otherwise the sequence would repeat early); ``None`` means the smallest such
        leap ``>= lfsr_width`` (every bit of the word new each clock).
    input_bits, input_frac_bits : int
        Two's-complement width of the input ``I`` (2..12) and its fraction bits.
    prob_bits : int
        Width of LUT entries and of the compared random number (2..32).
    sigmoid : SigmoidKind or str
        Activation; ``"tanh"`` or ``"smtj"`` (a calibrated device, module docstring).
    beta : float
        Inverse temperature applied to ``I`` in the LUT, > 0.
    sigmoid_centre : float
        ``sigmoid = "smtj"``: the device's centre current (A), finite.
    sigmoid_slope : float
        ``sigmoid = "smtj"``: the device's slope (1/A), > 0.
    current_unit : float
        ``sigmoid = "smtj"``: amperes per unit of ``beta * I``, > 0.
    seed : int
        Master seed of the RNG streams baked in as the reset state, 0..2**64-1.
    """

    n: int
    rng: RNGKind = RNGKind.XOSHIRO128PP
    lfsr_width: int = 32
    lfsr_taps: tuple[int, ...] | None = None
    lfsr_leap: int | None = None
    input_bits: int = 8
    input_frac_bits: int = 4
    prob_bits: int = 16
    sigmoid: SigmoidKind = SigmoidKind.TANH
    beta: float = 1.0
    seed: int = 1
    sigmoid_centre: float = 0.0
    sigmoid_slope: float = 1.0e5
    current_unit: float = 1.0e-5

    def __post_init__(self):
        set_ = object.__setattr__
        check_int("n", self.n, 1, MAX_PBITS)
        set_(self, "rng", check_enum("rng", self.rng, RNGKind))
        check_int("lfsr_width", self.lfsr_width, 3, 32)
        if self.lfsr_taps is None:
            set_(self, "lfsr_taps", LFSR_TAPS[self.lfsr_width])
        else:
            set_(self, "lfsr_taps", check_lfsr_taps("lfsr_taps", self.lfsr_taps, self.lfsr_width))
        period = (1 << self.lfsr_width) - 1
        if self.lfsr_leap is None:
            leap = self.lfsr_width
            while math.gcd(leap, period) != 1:
                leap += 1
            set_(self, "lfsr_leap", leap)
        if self.rng is RNGKind.LFSR:
            check_lfsr_leap("lfsr_leap", self.lfsr_leap, self.lfsr_width, 64)
        else:
            check_int("lfsr_leap", self.lfsr_leap, 1, 64)
        check_int("input_bits", self.input_bits, 2, 12)
        check_int("input_frac_bits", self.input_frac_bits, 0, self.input_bits - 1)
        word_bits = self.lfsr_width if self.rng is RNGKind.LFSR else 32
        check_int("prob_bits", self.prob_bits, 2, min(32, word_bits))
        set_(self, "sigmoid", check_enum("sigmoid", self.sigmoid, SigmoidKind))
        set_(self, "beta", check_float("beta", self.beta, 0.0, lo_open=True))
        set_(self, "sigmoid_centre", check_float("sigmoid_centre", self.sigmoid_centre))
        set_(self, "sigmoid_slope", check_float("sigmoid_slope", self.sigmoid_slope, 0.0, lo_open=True))
        set_(self, "current_unit", check_float("current_unit", self.current_unit, 0.0, lo_open=True))
        check_int("seed", self.seed, 0, (1 << 64) - 1)
        if self.rng is RNGKind.LFSR and self.n > (1 << self.lfsr_width) - 1:
            raise SpecError(
                "n", self.n, f"at most {(1 << self.lfsr_width) - 1} streams for a {self.lfsr_width}-bit LFSR"
            )

    # -- RNG ------------------------------------------------------------------------
    @cached_property
    def rng_model(self) -> RNGModel:
        """Golden model of one p-bit's RNG."""
        if self.rng is RNGKind.LFSR:
            return LFSRModel(width=self.lfsr_width, taps=self.lfsr_taps, leap=self.lfsr_leap)
        return Xoshiro128ppModel()

    def rng_states(self, seed: int | None = None) -> np.ndarray:
        """Initial RNG states ``(n, state_words)`` for ``seed`` (default: the Spec's)."""
        return self.rng_model.stream_states(self.seed if seed is None else seed, self.n)

    def seed_chain_words(self, seed: int) -> list[int]:
        """Words to write, in order, to the ``SEED`` register to load ``seed``.

        The gateware shifts each written word into state word 0 of p-bit 0 and moves
        every word one place up the chain (p-bit ``i`` word ``k`` sits at chain
        position ``i * state_words + k``), so the last word written lands at position 0.
        """
        states = self.rng_states(seed)
        chain = states.reshape(-1)  # position p = i * state_words + k
        return [int(w) for w in chain[::-1]]

    # -- fixed point and LUT ----------------------------------------------------------
    @property
    def input_range(self) -> tuple[float, float]:
        """Smallest and largest representable input, real units."""
        scale = 1 << self.input_frac_bits
        return (-(1 << (self.input_bits - 1)) / scale, ((1 << (self.input_bits - 1)) - 1) / scale)

    def quantize_inputs(self, values) -> np.ndarray:
        """Round real inputs to the input grid (half away from zero); reject out-of-range.

        Raises
        ------
        SpecError
            For a non-finite value or one outside :attr:`input_range`, naming its index.
        """
        arr = np.asarray(values, dtype=np.float64)
        scale = 1 << self.input_frac_bits
        lo, hi = -(1 << (self.input_bits - 1)), (1 << (self.input_bits - 1)) - 1
        q = np.sign(arr) * np.floor(np.abs(arr) * scale + 0.5)
        for idx in np.ndindex(arr.shape):
            v = arr[idx]
            if not math.isfinite(v) or not lo <= q[idx] <= hi:
                rlo, rhi = self.input_range
                raise SpecError(
                    f"I[{', '.join(map(str, idx))}]",
                    float(v),
                    f"a value in [{rlo}, {rhi}] (input_bits={self.input_bits}, "
                    f"input_frac_bits={self.input_frac_bits})",
                )
        return q.astype(np.int64)

    def probability(self, i_real) -> np.ndarray:
        """Ideal ``P(m = +1 | I)`` of the configured sigmoid, before quantization."""
        x = self.beta * np.asarray(i_real, dtype=np.float64)
        if self.sigmoid is SigmoidKind.SMTJ:
            return smtj_sigmoid(
                x, centre=self.sigmoid_centre, slope=self.sigmoid_slope, current_unit=self.current_unit
            )
        return 0.5 * (1.0 + np.tanh(x))

    @property
    def input_lsb(self) -> float:
        """Device current (A) of one input LSB for ``sigmoid = "smtj"``."""
        return self.beta * self.current_unit / (1 << self.input_frac_bits)

    @cached_property
    def lut(self) -> np.ndarray:
        """LUT contents, indexed by the input's raw two's-complement bits (uint32)."""
        size = 1 << self.input_bits
        raw = np.arange(size)
        signed = np.where(raw >= size // 2, raw - size, raw)
        p = self.probability(signed / (1 << self.input_frac_bits))
        q = np.floor(p * (1 << self.prob_bits) + 0.5)
        q = np.clip(q, 1, (1 << self.prob_bits) - 1)
        return q.astype(np.uint32)

    def lut_probability(self, i_q) -> np.ndarray:
        """Exact ``P(m = +1)`` the hardware realises at quantized input ``i_q``."""
        idx = np.asarray(i_q, dtype=np.int64) & ((1 << self.input_bits) - 1)
        return self.lut[idx] / float(1 << self.prob_bits)

    @property
    def word_bits(self) -> int:
        return self.rng_model.word_bits

    # -- registers ------------------------------------------------------------------
    @cached_property
    def regmap(self) -> RegisterMap:
        """The core's AXI4-Lite register map."""
        sample_words = -(-self.n // 32)
        return RegisterMap(
            core="pbit_array",
            ident=PBIT_ARRAY_IDENT,
            registers=(
                Register(name="N", width=16, access=Access.RO, doc="number of p-bits"),
                Register(
                    name="CTRL", width=1, access=Access.RW, doc="bit 0 RUN: advance every clock while set"
                ),
                Register(
                    name="STATUS", width=1, access=Access.RO, doc="bit 0 BUSY: the array advances this clock"
                ),
                Register(
                    name="STEP",
                    width=32,
                    access=Access.WO,
                    doc="write k: advance exactly k samples, then hold",
                ),
                Register(
                    name="STEPS_LEFT",
                    width=32,
                    access=Access.RO,
                    doc="samples still to produce from the last STEP write",
                ),
                Register(
                    name="COUNT",
                    width=32,
                    access=Access.RO,
                    doc="samples produced since reset (wraps at 2**32)",
                ),
                Register(
                    name="SEED",
                    width=32,
                    access=Access.WO,
                    doc="shift one word into the RNG seed chain (see seed_chain_words)",
                ),
                Register(
                    name="INPUT",
                    width=self.input_bits,
                    access=Access.RW,
                    count=self.n,
                    signed=True,
                    offset=0x40,
                    doc=f"input I_q of each p-bit, s{self.input_bits - self.input_frac_bits}."
                    f"{self.input_frac_bits} fixed point",
                ),
                Register(
                    name="SAMPLE",
                    width=min(32, self.n),
                    access=Access.RO,
                    count=sample_words,
                    doc="latest sample, bit i of word k = p-bit 32k+i is +1",
                ),
            ),
        )

    @classmethod
    def from_dict(cls, data: dict) -> PBitArraySpec:
        """Inverse of :meth:`to_dict` (e.g. from ``manifest.json`` on a board)."""
        kw = {k: v for k, v in data.items() if k != "kind"}
        if kw.get("lfsr_taps") is not None:
            kw["lfsr_taps"] = tuple(kw["lfsr_taps"])
        return cls(**kw)

    def to_dict(self) -> dict:
        """Plain-data form (for manifests and cache keys)."""
        return {
            "kind": "pbit_array",
            "n": self.n,
            "rng": self.rng.value,
            "lfsr_width": self.lfsr_width,
            "lfsr_taps": list(self.lfsr_taps),
            "lfsr_leap": self.lfsr_leap,
            "input_bits": self.input_bits,
            "input_frac_bits": self.input_frac_bits,
            "prob_bits": self.prob_bits,
            "sigmoid": self.sigmoid.value,
            "beta": self.beta,
            "seed": self.seed,
            "sigmoid_centre": self.sigmoid_centre,
            "sigmoid_slope": self.sigmoid_slope,
            "current_unit": self.current_unit,
        }
