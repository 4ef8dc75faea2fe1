"""Random-number generators of the p-bits, bit-exact with :mod:`spinemu.sim_golden.rng`.

Each generator exposes its current output ``word`` (the golden ``output(state)``),
advances one golden ``step`` per clock with ``en`` high, and takes part in the seed
chain: with ``shift`` high its state, read as one bit vector (word 0 least significant),
moves up by ``chain_bits`` places, ``shift_in`` fills the bottom ``chain_bits`` bits and
the bits shifted out of the top appear on ``shift_out`` (``shift`` wins over ``en``).
xoshiro128++ shifts whole words (``chain_bits = 32``); an LFSR shifts ``chain_bits``
bits (its full width by default; the p-bit network uses its leap, so that seeding
reuses the leap's shift path and only the new-bit positions need a multiplexer).
"""

from __future__ import annotations

from amaranth import Cat, Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ..sim_golden.rng import LFSRModel, RNGModel, Xoshiro128ppModel

__all__ = ["LFSR", "Xoshiro128pp", "rng_for", "lfsr_logic", "lfsr_step", "xoshiro_next", "rng_next"]


def _init_state(model: RNGModel, init_words) -> int:
    value = 0
    for k, w in enumerate(init_words):
        value |= int(w) << (32 * k)
    return value


class _RNGBase(wiring.Component):
    def __init__(self, *, model: RNGModel, init_words):
        if len(init_words) != model.state_words:
            raise ValueError(f"init_words must have {model.state_words} words, not {len(init_words)}")
        self.model = model
        self._init = _init_state(model, init_words)
        super().__init__({
            "en": In(1),
            "word": Out(model.word_bits),
            "shift": In(1),
            "shift_in": In(32),
            "shift_out": Out(32),
        })


class LFSR(_RNGBase):
    """Fibonacci LFSR advancing ``model.leap`` single-bit shifts per enabled clock.

    Parameters
    ----------
    model : LFSRModel
        Width, taps and leap.
    init_words : sequence of int
        Reset state (one word; must be nonzero).
    chain_bits : int, optional
        Bits moved per seed-chain shift, ``1 .. width`` (default the width: the whole
        state is replaced by ``shift_in``).
    """

    def __init__(self, *, model: LFSRModel, init_words, chain_bits: int | None = None):
        if not isinstance(model, LFSRModel):
            raise TypeError(f"model must be an LFSRModel, not {model!r}")
        if not int(init_words[0]) & ((1 << model.width) - 1):
            raise ValueError("an LFSR state of zero never leaves zero; seed it with a nonzero word")
        cb = model.width if chain_bits is None else chain_bits
        if isinstance(cb, bool) or not isinstance(cb, int) or not 1 <= cb <= model.width:
            raise ValueError(f"chain_bits must be an integer in 1..{model.width}, not {chain_bits!r}")
        self.chain_bits = cb
        super().__init__(model=model, init_words=init_words)

    def elaborate(self, platform):
        m = Module()
        state = lfsr_logic(
            m,
            model=self.model,
            init=self._init,
            chain_bits=self.chain_bits,
            en=self.en,
            shift=self.shift,
            shift_in=self.shift_in,
            name="state",
        )
        m.d.comb += [self.word.eq(state), self.shift_out.eq(state[self.model.width - self.chain_bits :])]
        return m


def lfsr_step(model: LFSRModel, state):
    """The state after one step (``model.leap`` single-bit shifts) of LFSR ``state``.

    A linear map over GF(2): row ``j`` of the golden model's step matrix lists the
    current bits XORed into next bit ``j``.
    """
    w, leap = model.width, model.leap
    if leap <= min(model.taps) and leap < w:
        # Every new bit is an XOR of old bits only: new bit p (0 = newest) is the XOR over
        # the taps t of old bit t - leap + p, i.e. one word-level XOR of state slices
        # (a few Verilog expressions instead of one per bit: faster in Verilator too).
        fresh = state[model.taps[0] - leap : model.taps[0]]
        for t in model.taps[1:]:
            fresh = fresh ^ state[t - leap : t]
        return Cat(fresh, state[: w - leap])
    matrix = model.step_matrix
    bits = []
    for j in range(w):
        terms = [state[k] for k in range(w) if matrix[j, k]]
        bit = terms[0]
        for t in terms[1:]:
            bit = bit ^ t
        bits.append(bit)
    return Cat(*bits)


def _rotl(x, k):
    return Cat(x[32 - k :], x[: 32 - k])


def xoshiro_next(s0, s1, s2, s3):
    """xoshiro128++ on state words ``s0..s3``: ``(output word, [next s0..s3])``."""
    word = (_rotl((s0 + s3)[:32], 7) + s0)[:32]
    t = (s1 << 9)[:32]
    n2 = s2 ^ s0
    n3 = s3 ^ s1
    return word, [s0 ^ n3, s1 ^ n2, n2 ^ t, _rotl(n3, 11)]


def rng_next(model: RNGModel, state):
    """``(output word, next state)`` of a generator whose state is the value ``state``
    (state word 0 in the low bits), for gateware that keeps states in memory."""
    if isinstance(model, LFSRModel):
        return state, lfsr_step(model, state)
    if isinstance(model, Xoshiro128ppModel):
        word, nxt = xoshiro_next(*(state[32 * k : 32 * k + 32] for k in range(4)))
        return word, Cat(*nxt)
    raise TypeError(f"no gateware for RNG model {model!r}")


def lfsr_logic(m, *, model: LFSRModel, init: int, chain_bits: int, en, shift, shift_in, name: str) -> Signal:
    """Add an LFSR's state register and next-state logic to ``m``; return the state.

    One clock with ``en`` is ``model.leap`` single-bit shifts, a linear map over GF(2):
    row ``j`` of the golden model's step matrix lists the current bits XORed into next
    bit ``j``.  With ``shift`` (which wins) the state moves up ``chain_bits`` places and
    ``shift_in`` fills the bottom: the seed chain (see the module docstring).  Inline
    (no submodule), so that thousands of p-bits elaborate into one flat module.
    """
    w = model.width
    state = Signal(w, init=init, name=name)
    step = lfsr_step(model, state)
    with m.If(shift):
        m.d.sync += state.eq(Cat(shift_in[:chain_bits], state[: w - chain_bits]))
    with m.Elif(en):
        m.d.sync += state.eq(step)
    return state


class Xoshiro128pp(_RNGBase):
    """xoshiro128++: one output word and one state update per enabled clock.

    Parameters
    ----------
    init_words : sequence of int
        Reset state ``s[0..3]`` (not all zero).
    """

    #: The seed chain moves whole state words.
    chain_bits = 32

    def __init__(self, *, init_words):
        if not any(int(x) for x in init_words):
            raise ValueError("a xoshiro128++ state of all zeros never leaves zero")
        super().__init__(model=Xoshiro128ppModel(), init_words=init_words)

    def elaborate(self, platform):
        m = Module()
        s = [Signal(32, name=f"s{i}", init=(self._init >> (32 * i)) & 0xFFFFFFFF) for i in range(4)]
        s0, s1, s2, s3 = s
        word, (n0, n1, n2b, n3b) = xoshiro_next(s0, s1, s2, s3)
        m.d.comb += self.word.eq(word)
        m.d.comb += self.shift_out.eq(s3)
        with m.If(self.shift):
            m.d.sync += [s0.eq(self.shift_in), s1.eq(s0), s2.eq(s1), s3.eq(s2)]
        with m.Elif(self.en):
            m.d.sync += [s0.eq(n0), s1.eq(n1), s2.eq(n2b), s3.eq(n3b)]
        return m


def rng_for(model: RNGModel, init_words, *, chain_bits: int | None = None) -> _RNGBase:
    """Instantiate the gateware generator matching a golden ``model``.

    ``chain_bits`` (LFSRs only) is the seed-chain shift per clock (default: the width).
    """
    if isinstance(model, LFSRModel):
        return LFSR(model=model, init_words=init_words, chain_bits=chain_bits)
    if isinstance(model, Xoshiro128ppModel):
        return Xoshiro128pp(init_words=init_words)
    raise TypeError(f"no gateware for RNG model {model!r}")
