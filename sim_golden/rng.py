"""Golden models of the p-bit random-number generators.

Two kinds, both bit-exact with the gateware in :mod:`spinemu.hdl.rng`:

``lfsr``
    A Fibonacci LFSR of ``width`` bits (3..32) that shifts left, feeding back the XOR
    of the tapped bits (taps numbered 1..width, XAPP052 style) into bit 0.  Each
    enabled clock advances it ``leap`` single-bit steps, so ``leap = 1`` is the plain
    shift register whose successive words are strongly correlated
    (``r' = (2 r + b) mod 2**w``) and ``leap = width`` refreshes every bit.
    Its output word is the state itself.
``xoshiro128pp``
    xoshiro128++ (Blackman & Vigna): 128 bits of state in four 32-bit words, output
    ``rotl(s0 + s3, 7) + s0``.

Per-p-bit streams come from one master seed: the master state is drawn with
splitmix64 and stream ``i`` is the master state jumped ``i * D`` steps ahead on the
same sequence, with ``D = 2**64`` for xoshiro128++ (its published jump distance) and,
for an LFSR, the largest ``D <= (2**width - 1) // n`` single-bit steps that is coprime
with the period (:meth:`LFSRModel.stream_distance` says why).  Streams are therefore
never identical and never overlap before ``D`` steps.

State layout, shared with the seed chain of the gateware: a state is ``state_words``
uint32 words, word 0 least significant (xoshiro ``s[0]`` is word 0).
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .gf2 import gf2_matmul, gf2_matpow, pack_rows

__all__ = [
    "RNGKind",
    "LFSR_TAPS",
    "LFSR_LEAP_TAPS",
    "lfsr_default_taps",
    "RNGModel",
    "LFSRModel",
    "Xoshiro128ppModel",
    "splitmix64",
    "XOSHIRO_JUMP_DISTANCE",
]

_M32 = np.uint32(0xFFFFFFFF)

#: Maximal-length tap sets for Fibonacci LFSRs (Xilinx XAPP052, taps numbered from 1).
LFSR_TAPS: dict[int, tuple[int, ...]] = {
    3: (3, 2), 4: (4, 3), 5: (5, 3), 6: (6, 5), 7: (7, 6), 8: (8, 6, 5, 4), 9: (9, 5),
    10: (10, 7), 11: (11, 9), 12: (12, 6, 4, 1), 13: (13, 4, 3, 1), 14: (14, 5, 3, 1),
    15: (15, 14), 16: (16, 15, 13, 4), 17: (17, 14), 18: (18, 11), 19: (19, 6, 2, 1),
    20: (20, 17), 21: (21, 19), 22: (22, 21), 23: (23, 18), 24: (24, 23, 22, 17),
    25: (25, 22), 26: (26, 6, 2, 1), 27: (27, 5, 2, 1), 28: (28, 25), 29: (29, 27),
    30: (30, 6, 4, 1), 31: (31, 28), 32: (32, 22, 2, 1),
}

#: Maximal-length tap sets whose every tap is large, for LFSRs that leap many bits per
#: clock: with all taps ``> L`` each of the ``L`` new bits of a leap of ``L <= min(taps)``
#: shifts is the XOR of old state bits only (one 4-input XOR, one LUT, per new bit),
#: while XAPP052's low taps (e.g. 32, 22, 2, 1) make the new bits depend on each other.
#: Found by search and proved primitive in the test suite (tests/test_rng.py).
LFSR_LEAP_TAPS: dict[int, tuple[int, ...]] = {32: (32, 31, 26, 18)}


def lfsr_default_taps(width: int, leap: int) -> tuple[int, ...]:
    """Taps for a ``width``-bit LFSR leaping ``leap`` bits per clock.

    :data:`LFSR_LEAP_TAPS` where it has a set whose smallest tap is ``>= leap`` (cheap
    leaps in gateware), else :data:`LFSR_TAPS`.
    """
    fast = LFSR_LEAP_TAPS.get(width)
    if fast is not None and leap <= min(fast):
        return fast
    return LFSR_TAPS[width]


#: Distance between consecutive xoshiro128++ streams (the published ``jump()``).
XOSHIRO_JUMP_DISTANCE = 1 << 64


class RNGKind(enum.Enum):
    """Kind of random-number generator behind each p-bit."""

    LFSR = "lfsr"
    XOSHIRO128PP = "xoshiro128pp"


_POWERS: dict = {}


def _cached_power(model: RNGModel, unit: str, exponent: int) -> np.ndarray:
    """``M**exponent`` of the model's step (``unit="step"``) or shift matrix, cached."""
    key = (model, unit, exponent)
    if key not in _POWERS:
        base = model.shift_matrix if unit == "shift" else model.step_matrix
        _POWERS[key] = gf2_matpow(base, exponent)
    return _POWERS[key]


def splitmix64(seed: int, count: int) -> list[int]:
    """Return ``count`` outputs of splitmix64 started from ``seed`` (Vigna's reference)."""
    out = []
    x = seed & 0xFFFFFFFFFFFFFFFF
    for _ in range(count):
        x = (x + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
        z = x
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
        out.append(z ^ (z >> 31))
    return out


@dataclass(frozen=True)
class RNGModel:
    """Base class: a linear-state RNG with a (possibly nonlinear) output function.

    Subclasses define :attr:`state_words`, :attr:`word_bits`, :meth:`step`,
    :meth:`output` and :meth:`master_state`.
    """

    @property
    def state_bits(self) -> int:
        return 32 * self.state_words

    # -- the two primitives every kind defines ------------------------------------
    def step(self, states: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def output(self, states: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- GF(2) view ---------------------------------------------------------------
    def to_bits(self, states: np.ndarray) -> np.ndarray:
        """Unpack states ``(..., state_words)`` into bit vectors ``(..., state_bits)``."""
        s = np.asarray(states, dtype=np.uint32)
        bits = (s[..., :, None] >> np.arange(32, dtype=np.uint32)) & np.uint32(1)
        return bits.reshape(*s.shape[:-1], self.state_bits).astype(np.uint8)

    def from_bits(self, bits: np.ndarray) -> np.ndarray:
        """Pack bit vectors ``(..., state_bits)`` into states ``(..., state_words)``."""
        b = np.asarray(bits, dtype=np.uint32).reshape(*bits.shape[:-1], self.state_words, 32)
        return (b << np.arange(32, dtype=np.uint32)).sum(axis=-1, dtype=np.uint64).astype(
            np.uint32
        )

    @cached_property
    def step_matrix(self) -> np.ndarray:
        """The transition of one :meth:`step` as a GF(2) matrix (built from :meth:`step`)."""
        basis = np.eye(self.state_bits, dtype=np.uint8)
        columns = self.to_bits(self.step(self.from_bits(basis)))
        return np.ascontiguousarray(columns.T)

    def jump_matrix(self, steps: int) -> np.ndarray:
        """GF(2) matrix of ``steps`` calls of :meth:`step` (cached per model and distance)."""
        return _cached_power(self, "step", steps)

    def jump(self, states: np.ndarray, steps: int) -> np.ndarray:
        """Advance states ``(n, state_words)`` by ``steps`` calls of :meth:`step`."""
        return self.apply_matrix(self.jump_matrix(steps), states)

    def apply_matrix(self, matrix: np.ndarray, states: np.ndarray) -> np.ndarray:
        """Apply a GF(2) matrix to states ``(n, state_words)`` ("four Russians" tables).

        For every byte of the state a 256-entry table holds the XOR of the matrix
        columns its set bits select; a product is then one look-up and XOR per byte.
        """
        s = np.ascontiguousarray(np.asarray(states, dtype="<u4"))
        k = self.state_bits
        cols = pack_rows(np.ascontiguousarray(np.asarray(matrix, np.uint8)[:k, :k].T))  # (k, words)
        nbytes = k // 8
        tables = np.zeros((nbytes, 256, cols.shape[1]), np.uint32)
        idx = np.arange(256)
        for b in range(8):
            has = (idx & (1 << b)) != 0
            tables[:, has] = tables[:, idx[has] ^ (1 << b)] ^ cols[b::8][:nbytes, None, :]
        by = s.view(np.uint8).reshape(s.shape[0], -1)[:, :nbytes]
        out = np.zeros((s.shape[0], cols.shape[1]), np.uint32)
        for q in range(nbytes):
            out ^= tables[q][by[:, q]]
        return out

    # -- streams --------------------------------------------------------------------
    def stream_distance(self, n: int) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def master_state(self, seed: int) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    #: Which matrix ``stream_distance`` counts in ("step", or "shift" for LFSRs).
    stream_unit = "step"

    def stream_states(self, seed: int, n: int) -> np.ndarray:
        """Initial states ``(n, state_words)`` of ``n`` streams derived from ``seed``.

        Stream ``i`` is the master state advanced ``i * stream_distance(n)`` units of
        :attr:`stream_unit` (calls of :meth:`step`; single-bit shifts for an LFSR).
        Computed by doubling: streams ``[b, 2b)`` are streams ``[0, b)`` jumped ``b``
        stream distances.
        """
        if not isinstance(seed, int) or not 0 <= seed < 1 << 64:
            raise ValueError(f"seed must be an integer in [0, 2**64), not {seed!r}")
        jump = _cached_power(self, self.stream_unit, self.stream_distance(n))
        states = np.asarray(self.master_state(seed), dtype=np.uint32).reshape(1, -1)
        while states.shape[0] < n:
            states = np.concatenate([states, self.apply_matrix(jump, states)])
            if states.shape[0] < n:
                jump = gf2_matmul(jump, jump)
        return np.ascontiguousarray(states[:n])

    # -- generation -------------------------------------------------------------------
    def generate(self, states: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
        """Return ``count`` output words of each stream and the states after them.

        Parameters
        ----------
        states : ndarray, shape (n, state_words)
            Current state of each stream.
        count : int
            Number of words (one per enabled clock) to produce.

        Returns
        -------
        words : ndarray, shape (count, n), uint32
            ``words[t, i]`` is the output of stream ``i`` before its ``t``-th step.
        final : ndarray, shape (n, state_words)
            The states after ``count`` steps.

        Notes
        -----
        Long runs are split into segments whose start states are found by GF(2)
        jumps, and all segments are stepped together; the result is identical to
        stepping one word at a time (a test checks this).
        """
        states = np.asarray(states, dtype=np.uint32)
        n = states.shape[0]
        if count <= 0:
            return np.empty((0, n), dtype=np.uint32), states.copy()
        segments = int(min(count, max(1, 16384 // max(n, 1)), max(1, count // 64)))
        seg_len = -(-count // segments)
        starts = np.empty((segments, n, self.state_words), dtype=np.uint32)
        starts[0] = states
        if segments > 1:
            jump = self.jump_matrix(seg_len)
            for k in range(1, segments):
                starts[k] = self.apply_matrix(jump, starts[k - 1])
        cur = starts.reshape(segments * n, self.state_words).copy()
        out = np.empty((seg_len, segments * n), dtype=np.uint32)
        for t in range(seg_len):
            out[t] = self.output(cur)
            cur = self.step(cur)
        words = out.reshape(seg_len, segments, n).transpose(1, 0, 2).reshape(-1, n)[:count]
        final = self.jump(states, count) if segments > 1 else cur.reshape(n, -1)
        return np.ascontiguousarray(words), final


@dataclass(frozen=True)
class LFSRModel(RNGModel):
    """Fibonacci LFSR advancing ``leap`` bits per clock; see the module docstring."""

    width: int = 32
    taps: tuple[int, ...] = LFSR_TAPS[32]
    leap: int = 32

    state_words = 1

    @property
    def word_bits(self) -> int:
        return self.width

    def _shift1(self, s: np.ndarray) -> np.ndarray:
        fb = np.zeros_like(s)
        for t in self.taps:
            fb ^= (s >> np.uint32(t - 1)) & np.uint32(1)
        mask = np.uint32((1 << self.width) - 1)
        return ((s << np.uint32(1)) | fb) & mask

    def step(self, states: np.ndarray) -> np.ndarray:
        s = np.asarray(states, dtype=np.uint32)[..., 0]
        for _ in range(self.leap):
            s = self._shift1(s)
        return s[..., None]

    def output(self, states: np.ndarray) -> np.ndarray:
        return np.asarray(states, dtype=np.uint32)[..., 0]

    @cached_property
    def shift_matrix(self) -> np.ndarray:
        """GF(2) matrix of one single-bit shift (a leap of 1)."""
        single = LFSRModel(width=self.width, taps=self.taps, leap=1)
        return single.step_matrix

    def stream_distance(self, n: int) -> int:
        """The largest ``D <= (2**w - 1) // n`` coprime with the period ``2**w - 1``.

        Streams ``0, D, 2D, ...`` of one m-sequence are ``Tr(c alpha**(i D) alpha**t)``;
        if ``alpha**D`` has a small order they are linearly dependent: with ``D = (2**32 -
        1) / 3`` stream 2 is exactly stream 0 XOR stream 1 (``1 + w + w**2 = 0`` for a
        cube root of unity), which biases a 3-p-bit network.  A ``D`` coprime with the
        period makes ``alpha**D`` primitive, so no ``w`` consecutive streams are dependent.
        """
        period = (1 << self.width) - 1
        if n > period:
            raise ValueError(f"{n} streams do not fit an LFSR of period {period}")
        d = period // n
        while d > 1 and math.gcd(d, period) != 1:
            d -= 1
        return d

    #: LFSR streams are spaced in single-bit shifts (about D / leap clocks apart).
    stream_unit = "shift"

    def master_state(self, seed: int) -> np.ndarray:
        s = splitmix64(seed, 1)[0] & ((1 << self.width) - 1)
        return np.array([s or 1], dtype=np.uint32)


@dataclass(frozen=True)
class Xoshiro128ppModel(RNGModel):
    """xoshiro128++ 1.0 (public-domain reference by Blackman and Vigna)."""

    state_words = 4
    word_bits = 32

    @staticmethod
    def _rotl(x: np.ndarray, k: int) -> np.ndarray:
        return (x << np.uint32(k)) | (x >> np.uint32(32 - k))

    def output(self, states: np.ndarray) -> np.ndarray:
        s = np.asarray(states, dtype=np.uint32)
        return self._rotl(s[..., 0] + s[..., 3], 7) + s[..., 0]

    def step(self, states: np.ndarray) -> np.ndarray:
        s = np.asarray(states, dtype=np.uint32)
        s0, s1, s2, s3 = (s[..., i].copy() for i in range(4))
        t = s1 << np.uint32(9)
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = self._rotl(s3, 11)
        return np.stack([s0, s1, s2, s3], axis=-1)

    def stream_distance(self, n: int) -> int:
        return XOSHIRO_JUMP_DISTANCE

    def master_state(self, seed: int) -> np.ndarray:
        a, b = splitmix64(seed, 2)
        words = [a & 0xFFFFFFFF, a >> 32, b & 0xFFFFFFFF, b >> 32]
        if not any(words):
            words[0] = 1
        return np.array(words, dtype=np.uint32)

