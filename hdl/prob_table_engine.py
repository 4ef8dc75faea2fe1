"""The shared engine that rewrites the p-bits' probability tables when β changes.

One multiplier (two with compensation) and one ROM serve every p-bit: for each table
entry (:func:`~spinemu.sim_golden.pbit_net_tables.prob_tables`) it decodes the field
``I`` (and the spin in telegraph mode), computes the LUT address
:meth:`~spinemu.sim_golden.pbit_net_spec.PBitNetSpec.lut_address` of ``I``, the latched
β and the row's ``GAIN``/``OFFSET``, reads the ROM (the sigmoid LUT, or the telegraph
flip tables of the row's device) and writes the entry.  One entry per clock after a
six-stage pipeline: ``rows * 2**prob_index_bits + 6`` clocks per β, ``rows`` = 1 when
every p-bit's table is the same (broadcast write), else ``n``.

It also holds the per-p-bit ``GAIN`` and ``OFFSET`` memories of compensation Specs.
"""

from __future__ import annotations

import numpy as np
from amaranth import Cat, Const, Module, Signal
from amaranth.lib import wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from ..sim_golden.pbit_net_spec import PBitMode, PBitNetSpec
from ..sim_golden.pbit_net_tables import prob_index_bits, prob_rows
from .fixed import one_hot, round_shift, saturate, sign_extend
from .pbit_cells import select_widths

__all__ = ["ProbTableEngine", "rom_contents"]


def rom_contents(spec: PBitNetSpec) -> np.ndarray:
    """The engine's ROM: the sigmoid LUT, or ``[device][FROM_P, FROM_AP][address]`` flattened."""
    if spec.mode is PBitMode.TELEGRAPH:
        t_p, t_ap = spec.telegraph_luts
        return np.stack([t_p, t_ap], axis=1).reshape(-1)
    return np.asarray(spec.lut)


class ProbTableEngine(wiring.Component):
    """Computes and writes every probability-table entry for one β.

    Attributes
    ----------
    start : In(1)
        Begin a rewrite for ``beta_m`` (ignored while ``busy``).
    beta_m : In(beta_mul_bits)
        β on the multiplier grid (latched at ``start``, shown on ``table_beta``).
    busy : Out(1)
    done : Out(1)
        One-cycle pulse with the last write.
    table_beta : Out(beta_mul_bits)
        The β of the rewrite in progress (or last finished).
    we, addr, data, hi, lo : Out
        The table write (registered): entry ``addr`` of the p-bit selected by ``hi``/``lo`` (every
        p-bit for a broadcast Spec).
    comp_sel, gain_we, offset_we, comp_data : In
        Write ``GAIN[comp_sel]`` or ``OFFSET[comp_sel]`` (compensation Specs only).
    """

    def __init__(self, *, spec: PBitNetSpec):
        if not isinstance(spec, PBitNetSpec):
            raise TypeError(f"spec must be a PBitNetSpec, not {spec!r}")
        self.spec = spec
        hi, lo = select_widths(spec.n)
        super().__init__(
            {
                "start": In(1),
                "beta_m": In(spec.beta_mul_bits),
                "busy": Out(1),
                "done": Out(1),
                "table_beta": Out(spec.beta_mul_bits),
                "we": Out(1),
                "addr": Out(prob_index_bits(spec)),
                "data": Out(spec.prob_bits),
                "hi": Out(hi),
                "lo": Out(lo),
                "comp_sel": In(range(max(2, spec.n))),
                "gain_we": In(1),
                "offset_we": In(1),
                "comp_data": In(32),
            }
        )

    def elaborate(self, platform):
        m = Module()
        spec = self.spec
        a = spec.acc_bits
        rows = prob_rows(spec)
        index_bits = prob_index_bits(spec)
        entries = 1 << index_bits
        telegraph = spec.mode is PBitMode.TELEGRAPH
        comp = spec.compensation

        # -- stage 0: the entry counter ------------------------------------------------
        running = Signal()
        row0 = Signal(range(max(2, rows)))  # (a 0-bit signal would not lint)
        idx0 = Signal(index_bits)
        last0 = Signal()
        m.d.comb += last0.eq((row0 == rows - 1) & (idx0 == entries - 1))
        with m.If(self.start & ~self.busy):
            m.d.sync += [running.eq(1), row0.eq(0), idx0.eq(0), self.table_beta.eq(self.beta_m)]
        with m.Elif(running):
            m.d.sync += idx0.eq(idx0 + 1)
            with m.If(idx0 == entries - 1):
                m.d.sync += row0.eq(row0 + 1)
            with m.If(last0):
                m.d.sync += running.eq(0)
        beta = self.table_beta

        # -- compensation memories (read at stage 0, data at stage 1) ----------------------
        if comp:
            gain_mem = Memory(shape=spec.gain_bits, depth=spec.n, init=[spec.gain_one] * spec.n)
            offset_mem = Memory(shape=spec.offset_bits, depth=spec.n, init=[])
            m.submodules.gain = gain_mem
            m.submodules.offset = offset_mem
            for mem, we in ((gain_mem, self.gain_we), (offset_mem, self.offset_we)):
                wp = mem.write_port()
                m.d.comb += [wp.addr.eq(self.comp_sel), wp.data.eq(self.comp_data), wp.en.eq(we)]
            gain_rd, offset_rd = gain_mem.read_port(), offset_mem.read_port()
            m.d.comb += [gain_rd.addr.eq(row0), offset_rd.addr.eq(row0)]

        def stage(name, value, width):
            sig = Signal(width, name=name)
            m.d.sync += sig.eq(value)
            return sig

        # -- stage 1: decode the field ----------------------------------------------------
        v1 = stage("valid1", running, 1)
        l1 = stage("last1", running & last0, 1)
        row1 = stage("row1", row0, len(row0))
        idx1 = stage("idx1", idx0, index_bits)
        wp = a + spec.beta_mul_bits + 2
        if spec.symmetric:
            field1 = Cat(idx1[: a - 1], Const(0, wp - (a - 1)))
        else:
            field1 = sign_extend(idx1[:a], wp)

        # -- stage 2: beta_m * I ------------------------------------------------------------
        v2, l2 = stage("valid2", v1, 1), stage("last2", l1, 1)
        row2, idx2 = stage("row2", row1, len(row1)), stage("idx2", idx1, index_bits)
        prod2 = stage("prod2", (field1 * Cat(beta, Const(0, wp - spec.beta_mul_bits)))[:wp], wp)
        shift = spec.lut_shift

        # -- stage 3: compensation z = GAIN * p + OFFSET << s_o ------------------------------
        v3, l3 = stage("valid3", v2, 1), stage("last3", l2, 1)
        row3, idx3 = stage("row3", row2, len(row2)), stage("idx3", idx2, index_bits)
        if comp:
            gain2 = stage("gain2", gain_rd.data, spec.gain_bits)
            offset2 = stage("offset2", offset_rd.data, spec.offset_bits)
            s_o = spec.frac_bits + spec.beta_mul_frac_bits + spec.gain_frac_bits - spec.offset_frac_bits
            wz = max(wp + spec.gain_bits, spec.offset_bits + s_o) + 2
            gain = Cat(gain2, Const(0, wz - spec.gain_bits))
            off = sign_extend(offset2, wz - s_o)
            off = Cat(Const(0, s_o), off) if s_o else off
            z3 = stage("z3", ((sign_extend(prod2, wz) * gain)[:wz] + off)[:wz], wz)
            shift += spec.gain_frac_bits
        else:
            wz = wp
            z3 = stage("z3", prod2, wp)

        # -- stage 4: round, saturate to the LUT address; ROM read ---------------------------
        rounded = round_shift(m, z3, wz, shift, "rounded")
        address = saturate(m, rounded, wz, spec.lut_bits, "lut_address")
        v4, l4 = stage("valid4", v3, 1), stage("last4", l3, 1)
        row4, idx4 = stage("row4", row3, len(row3)), stage("idx4", idx3, index_bits)
        addr4 = stage("addr4", address, spec.lut_bits)
        rom = Memory(shape=spec.prob_bits, depth=len(rom_contents(spec)), init=rom_contents(spec).tolist())
        m.submodules.rom = rom
        rom_rd = rom.read_port()
        rom_index = addr4
        if telegraph:
            rom_index = Cat(addr4, idx4[a])
            if not spec.telegraph_shared:
                rom_index = Cat(rom_index, row4)
        m.d.comb += rom_rd.addr.eq(rom_index)

        # -- stage 5: ROM data; stage 6: registered write (the write fans out to every
        # p-bit, so it starts at a flip-flop rather than at the block RAM's slow output) --
        v5, l5 = stage("valid5", v4, 1), stage("last5", l4, 1)
        idx5, row5 = stage("idx5", idx4, index_bits), stage("row5", row4, len(row4))
        v6, l6 = stage("valid6", v5, 1), stage("last6", l5, 1)
        hi_w, lo_w = select_widths(spec.n)
        m.d.sync += [
            self.we.eq(v5),
            self.addr.eq(idx5),
            self.data.eq(rom_rd.data),
            self.hi.eq(one_hot(row5 >> 5, hi_w)),
            self.lo.eq(one_hot(row5[:5], lo_w)),
        ]
        m.d.comb += [
            self.done.eq(l6),
            self.busy.eq(running | v1 | v2 | v3 | v4 | v5 | v6),
        ]
        return m
