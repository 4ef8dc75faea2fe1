"""Gateware of the p-bit array primitive and its AXI4-Lite top level.

Semantics are those of :class:`spinemu.sim_golden.pbit_array.PBitArrayGolden`; the
register map is ``spec.regmap``.
"""

from __future__ import annotations

from amaranth import Module, Signal, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ..sim_golden.pbit_spec import PBitArraySpec
from .axil import AXI4LiteSignature, CSRBank
from .rng import rng_for
from .sigmoid import SigmoidLUT

__all__ = ["PBitArray", "PBitArrayTop"]


class PBitArray(wiring.Component):
    """``n`` independent p-bits.

    On each clock with ``en`` high, p-bit ``i`` sets ``sample[i]`` (1 means +1) to
    ``rng_i.word >> (word_bits - prob_bits) < LUT[inputs[i]]`` and advances its RNG.
    With ``seed_shift`` high, ``seed_in`` is shifted into the RNG seed chain instead.

    Parameters
    ----------
    spec : PBitArraySpec
    """

    def __init__(self, *, spec: PBitArraySpec):
        if not isinstance(spec, PBitArraySpec):
            raise TypeError(f"spec must be a PBitArraySpec, not {spec!r}")
        self.spec = spec
        super().__init__({
            "en": In(1),
            "inputs": In(signed(spec.input_bits)).array(spec.n),
            "sample": Out(spec.n),
            "seed_shift": In(1),
            "seed_in": In(32),
        })

    def elaborate(self, platform):
        m = Module()
        spec = self.spec
        m.submodules.lut = lut = SigmoidLUT(table=spec.lut, prob_bits=spec.prob_bits, n_ports=spec.n)
        states = spec.rng_states()
        shift = spec.word_bits - spec.prob_bits
        chain_in = self.seed_in
        for i in range(spec.n):
            rng = rng_for(spec.rng_model, [int(w) for w in states[i]])
            m.submodules[f"rng{i}"] = rng
            m.d.comb += [
                rng.en.eq(self.en),
                rng.shift.eq(self.seed_shift),
                rng.shift_in.eq(chain_in),
                lut.addr[i].eq(self.inputs[i].as_unsigned()),
            ]
            chain_in = rng.shift_out
            with m.If(self.en & ~self.seed_shift):
                m.d.sync += self.sample[i].eq(rng.word[shift:] < lut.prob[i])
        return m


class PBitArrayTop(wiring.Component):
    """The p-bit array behind an AXI4-Lite register bank, with a sample stream.

    Attributes
    ----------
    s_axi : In(AXI4LiteSignature)
        Register access (map: ``spec.regmap``).
    sample : Out(n)
        The latest sample (bit ``i`` set means p-bit ``i`` is +1).
    sample_valid : Out(1)
        High for one cycle after each advance: ``sample`` holds a new sample.
    """

    def __init__(self, *, spec: PBitArraySpec):
        if not isinstance(spec, PBitArraySpec):
            raise TypeError(f"spec must be a PBitArraySpec, not {spec!r}")
        self.spec = spec
        super().__init__({
            "s_axi": In(AXI4LiteSignature(addr_width=spec.regmap.addr_width)),
            "sample": Out(spec.n),
            "sample_valid": Out(1),
        })

    def elaborate(self, platform):
        m = Module()
        spec = self.spec
        m.submodules.bank = bank = CSRBank(regmap=spec.regmap)
        m.submodules.array = array = PBitArray(spec=spec)
        wiring.connect(m, wiring.flipped(self.s_axi), bank.bus)
        csr = bank.csr

        steps_left = Signal(32)
        count = Signal(32)
        advance = Signal()
        m.d.comb += advance.eq((csr.CTRL[0] | (steps_left != 0)) & ~csr.SEED_wstb)
        with m.If(csr.STEP_wstb):
            m.d.sync += steps_left.eq(csr.STEP)
        with m.Elif(advance & (steps_left != 0)):
            m.d.sync += steps_left.eq(steps_left - 1)
        with m.If(advance):
            m.d.sync += count.eq(count + 1)
        m.d.sync += self.sample_valid.eq(advance)

        m.d.comb += [
            array.en.eq(advance),
            array.seed_shift.eq(csr.SEED_wstb),
            array.seed_in.eq(csr.SEED),
            self.sample.eq(array.sample),
            csr.ID.eq(spec.regmap.ident),
            csr.N.eq(spec.n),
            csr.STATUS.eq(advance),
            csr.STEPS_LEFT.eq(steps_left),
            csr.COUNT.eq(count),
        ]
        inputs = csr.INPUT if spec.n > 1 else [csr.INPUT]
        for i in range(spec.n):
            m.d.comb += array.inputs[i].eq(inputs[i].as_signed())
        words = csr.SAMPLE if spec.regmap["SAMPLE"].count > 1 else [csr.SAMPLE]
        for k, word in enumerate(words):
            m.d.comb += word.eq(array.sample[32 * k : 32 * (k + 1)])
        return m
