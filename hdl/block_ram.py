"""Block-RAM building blocks whose read data leave through the block's own output register.

A block RAM's read data without its output register are slow: 5.8 ns clock-to-out on
ECP5 (``DP16KD``, 0.96 ns with ``REGMODE = OUTREG``).  Vendor tools and ``spinemu synth``
(:mod:`spinemu.gen.outreg_fold`) move a flip-flop into that register when it follows the
read data with nothing in between; the blocks here are written so that it does.
"""

from __future__ import annotations

from amaranth import Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

__all__ = ["NO_RW_CHECK", "RegisteredFIFO"]

#: Memory attribute: no read in a clock that writes the same word is ever used, so yosys
#: adds no collision (bypass) logic after the block.
NO_RW_CHECK = {"no_rw_check": 1}


class RegisteredFIFO(wiring.Component):
    """A first-word-fall-through FIFO whose output word is a register loaded straight from
    the block RAM (foldable into its output register).

    ``depth`` words in all: ``depth - 2`` in the memory, one in the memory's read latch
    and one in the output register.  A word written at clock ``t`` is offered from
    ``t + 3``; with ``r_ready`` high one word leaves per clock.

    Parameters
    ----------
    width : int
        Bits per word.
    depth : int
        Capacity, at least 4 (so that a full memory means a full FIFO: ``w_rdy`` is low
        exactly when ``depth`` words are held).

    Attributes
    ----------
    w_data, w_en : In
        Write ``w_data`` on a clock with ``w_en`` high (ignored while ``w_rdy`` is low).
    w_rdy : Out(1)
        Fewer than ``depth`` words are held.
    r_data, r_valid : Out
        The oldest word, when ``r_valid``.
    r_ready : In(1)
        The word leaves on a clock with ``r_valid`` and ``r_ready`` high.
    """

    def __init__(self, *, width: int, depth: int):
        if isinstance(width, bool) or not isinstance(width, int) or width < 1:
            raise ValueError(f"width must be a positive int, not {width!r}")
        if isinstance(depth, bool) or not isinstance(depth, int) or depth < 4:
            raise ValueError(f"depth must be an int of at least 4, not {depth!r}")
        self.width, self.depth = width, depth
        super().__init__(
            {
                "w_data": In(width),
                "w_en": In(1),
                "w_rdy": Out(1),
                "r_data": Out(width),
                "r_valid": Out(1),
                "r_ready": In(1),
            }
        )

    def elaborate(self, platform):
        m = Module()
        inner = self.depth - 2
        m.submodules.storage = mem = Memory(shape=self.width, depth=inner, init=[], attrs=NO_RW_CHECK)
        wp = mem.write_port()
        rp = mem.read_port(domain="sync")
        produce = Signal(range(inner))
        consume = Signal(range(inner))
        level = Signal(range(inner + 1))  # words in the memory
        stocked = Signal()  # level != 0, kept as a flip-flop (it decides the read)
        latched = Signal()  # the read latch (rp.data) holds a word
        out = Signal(self.width, reset_less=True)
        out_valid = Signal()

        load = ~out_valid | self.r_ready  # the output register takes the latch's word (if any)
        write = self.w_en & self.w_rdy
        # A read may be issued when the latch is empty or moves on this clock.  It never
        # meets a write of the same word: the addresses meet only with the memory empty
        # (no read) or full (no write).
        read = stocked & (~latched | load)
        m.d.comb += [
            self.w_rdy.eq(level != inner),
            wp.addr.eq(produce),
            wp.data.eq(self.w_data),
            wp.en.eq(write),
            rp.addr.eq(consume),
            rp.en.eq(read),
            self.r_data.eq(out),
            self.r_valid.eq(out_valid),
        ]
        with m.If(write):
            m.d.sync += produce.eq(_next(produce, inner))
        with m.If(read):
            m.d.sync += consume.eq(_next(consume, inner))
        m.d.sync += [
            level.eq(level + write - read),
            stocked.eq(write | (level > 1) | ((level == 1) & ~read)),
        ]
        with m.If(read):
            m.d.sync += latched.eq(1)
        with m.Elif(load):
            m.d.sync += latched.eq(0)
        with m.If(load):  # the register right after the block's read data
            m.d.sync += [out.eq(rp.data), out_valid.eq(latched)]
        return m


def _next(pointer: Signal, depth: int):
    return Mux(pointer == depth - 1, 0, pointer + 1)
