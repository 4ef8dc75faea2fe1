"""Gateware of the p-bit network (Ising machine) and its AXI4-Lite top level.

Semantics are those of :class:`spinemu.sim_golden.pbit_net.PBitNetGolden`; the
arithmetic, update order, β schedule and register map are documented in
:mod:`spinemu.sim_golden.pbit_net_spec` and come from the Spec only.

Datapath (:class:`PBitNet`): every p-bit has its RNG, its local-field adder tree over
its neighbours' (clamped) spins at full precision, a saturation to ``acc_bits``, a
multiplier by ``beta_m``, a rounding shift and saturation to the LUT address, and a
port of the shared sigmoid ROM.  On a clock with ``update`` high, the p-bits of the
color selected by the one-hot ``phase`` register their new spin and advance their RNG;
all of them read the same old state, so one clock updates one whole color class.
All arithmetic is on unsigned vectors holding two's-complement numbers at a width that
cannot overflow (see :func:`_sx`), so the emitted Verilog lints clean under
``verilator -Wall``.  The datapath is combinational (one color per clock, no
pipeline): fine for simulation and small designs; a pipelined variant for timing
closure at large degree is future work.

With ``spec.compensation`` each p-bit multiplies its β-scaled field by its ``GAIN``
register and adds its ``OFFSET`` register before the single rounding shift to the LUT
address (exact arithmetic of :meth:`~spinemu.sim_golden.pbit_net_spec.PBitNetSpec.lut_address`).
In telegraph mode the sigmoid ROM is replaced by two ROMs of flip probabilities
(``FROM_P``/``FROM_AP``, one pair shared by all p-bits or one pair per p-bit when the
emulated devices differ); an updated p-bit keeps its spin unless its random number is
below the entry for its current state, in which case it flips.

Control (:class:`PBitNetTop`): ``SWEEPS`` starts ``k`` sweeps of ``num_colors`` clocks;
at the end of each sweep ``beta_acc`` follows ``BETA_MODE``, ``sample_valid`` pulses for
one cycle with ``sample`` holding the new state, and with ``CTRL.CAPTURE`` set the
state is written to the next slot of the capture buffer (drained over the bus through
``BUF_SEL``/``BUF_DATA``).
"""

from __future__ import annotations

from amaranth import Cat, Const, Module, Mux, Signal, signed
from amaranth.lib import wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from ..sim_golden.pbit_net_spec import BETA_MULT_FRAC, BetaMode, PBitMode, PBitNetSpec
from .axil import AXI4LiteSignature, CSRBank
from .rng import rng_for
from .sigmoid import SigmoidLUT

__all__ = ["PBitNet", "PBitNetTop"]


def _sx(value, width: int):
    """Sign-extend (or truncate) the two's-complement bits of ``value`` to ``width`` bits.

    All datapath arithmetic is done on unsigned bit vectors holding two's-complement
    numbers modulo ``2**width`` (wide enough never to overflow), which keeps the
    generated Verilog free of mixed-width ``$signed`` operators (lint-clean).
    """
    v = value.as_unsigned()
    if width <= len(v):
        return v[:width]
    return Cat(v, v[-1].replicate(width - len(v)))


def _wire(m, value, width: int, name: str):
    sig = Signal(width, name=name)
    m.d.comb += sig.eq(_sx(value, width))
    return sig


def _tree_sum(m, values, width: int, name: str):
    """Balanced adder tree modulo ``2**width``."""
    vals = list(values)
    level = 0
    while len(vals) > 1:
        nxt = []
        for k in range(0, len(vals) - 1, 2):
            s = Signal(width, name=f"{name}_l{level}_{k // 2}")
            m.d.comb += s.eq((vals[k] + vals[k + 1])[:width])
            nxt.append(s)
        if len(vals) % 2:
            nxt.append(vals[-1])
        vals = nxt
        level += 1
    return vals[0]


def _saturate(m, value, width: int, bits: int, name: str):
    """Raw ``bits``-bit two's complement of the ``width``-bit number ``value``, clipped.

    Overflow is read off the top bits (no constant compares): positive overflow when
    the sign is 0 and any of bits ``bits-1 .. width-2`` is set, negative when the sign
    is 1 and not all of them are.
    """
    if width <= bits:
        return _wire(m, value, bits, name)
    top = value[bits - 1 : width - 1]
    sign = value[width - 1]
    out = Signal(bits, name=name)
    with m.If(~sign & top.any()):
        m.d.comb += out.eq(Cat(Const(-1, bits - 1), Const(0, 1)))
    with m.Elif(sign & ~top.all()):
        m.d.comb += out.eq(Cat(Const(0, bits - 1), Const(1, 1)))
    with m.Else():
        m.d.comb += out.eq(value[:bits])
    return out


def _round_shift(m, value, width: int, s: int, name: str):
    """``(value + 2**(s-1)) >> s`` (arithmetic; round half up) of a ``width``-bit number."""
    if not s:
        return value
    rounded = Signal(width, name=name)
    # (the round bit is zero-extended with a masked vector so that yosys keeps both
    # operands at full width: lint-clean Verilog)
    m.d.comb += rounded.eq(
        (
            Cat(value[s:], value[-1].replicate(s))
            + Cat(value[s - 1], value[-1].replicate(width - 1) & Const(0, width - 1))
        )[:width]
    )
    return rounded


class PBitNet(wiring.Component):
    """``n`` coupled p-bits on ``spec.edges`` with colored updates.

    Attributes
    ----------
    update : In(1)
        Update the color whose bit is set in ``phase`` this clock.
    phase : In(num_colors)
        One-hot color.
    beta_m : In(beta_mul_bits)
        β on the multiplier grid.
    h : In(signed(h_bits)).array(n); j : In(signed(j_bits)).array(max(1, E))
    clamp_en, clamp_val : In(n)
    load_en, load_val : In(n)
        Load spin ``i`` with ``load_val[i]`` where ``load_en[i]`` (wins over ``update``).
    spins : Out(n)
        Current spins with clamps applied (1 = +1).
    seed_shift, seed_in : In(1), In(32)
        The RNG seed chain.
    gain : In(gain_bits).array(n); offset : In(signed(offset_bits)).array(n)
        Per-p-bit input compensation (only with ``spec.compensation``).
    """

    def __init__(self, *, spec: PBitNetSpec):
        if not isinstance(spec, PBitNetSpec):
            raise TypeError(f"spec must be a PBitNetSpec, not {spec!r}")
        self.spec = spec
        super().__init__(
            {
                "update": In(1),
                "phase": In(spec.num_colors),
                "beta_m": In(spec.beta_mul_bits),
                "h": In(signed(spec.h_bits)).array(spec.n),
                "j": In(signed(spec.j_bits)).array(max(1, spec.num_edges)),
                "clamp_en": In(spec.n),
                "clamp_val": In(spec.n),
                "load_en": In(spec.n),
                "load_val": In(spec.n),
                "spins": Out(spec.n),
                "seed_shift": In(1),
                "seed_in": In(32),
                **(
                    {
                        "gain": In(spec.gain_bits).array(spec.n),
                        "offset": In(signed(spec.offset_bits)).array(spec.n),
                    }
                    if spec.compensation
                    else {}
                ),
            }
        )

    def _tables(self, m):
        """ROM ports: ``(ideal_prob, from_p, from_ap)`` lists of ``n`` signals (or None)."""
        spec = self.spec
        n = spec.n
        if spec.mode is not PBitMode.TELEGRAPH:
            m.submodules.lut = lut = SigmoidLUT(table=spec.lut, prob_bits=spec.prob_bits, n_ports=n)
            return [lut] * n, None
        t_p, t_ap = spec.telegraph_luts
        if spec.telegraph_shared:
            m.submodules.lut_p = lp = SigmoidLUT(table=t_p[0], prob_bits=spec.prob_bits, n_ports=n)
            m.submodules.lut_ap = la = SigmoidLUT(table=t_ap[0], prob_bits=spec.prob_bits, n_ports=n)
            return [lp] * n, [la] * n
        lps, las = [], []
        for i in range(n):
            lp = SigmoidLUT(table=t_p[i], prob_bits=spec.prob_bits, n_ports=1)
            la = SigmoidLUT(table=t_ap[i], prob_bits=spec.prob_bits, n_ports=1)
            m.submodules[f"lut_p{i}"], m.submodules[f"lut_ap{i}"] = lp, la
            lps.append(lp)
            las.append(la)
        return lps, las

    def elaborate(self, platform):
        m = Module()
        spec = self.spec
        n = spec.n
        luts, luts_ap = self._tables(m)
        telegraph = luts_ap is not None
        reg = Signal(n)
        eff = Signal(n)
        m.d.comb += [
            eff.eq((reg & ~self.clamp_en) | (self.clamp_val & self.clamp_en)),
            self.spins.eq(eff),
        ]
        states = spec.rng_states()
        rshift = spec.word_bits - spec.prob_bits
        s = spec.lut_shift
        chain_in = self.seed_in
        deg = spec.max_degree
        wf = max(spec.h_bits, spec.j_bits + 1, spec.acc_bits) + (deg + 1).bit_length() + 1
        wp = spec.acc_bits + spec.beta_mul_bits + 2
        comp = spec.compensation
        if comp:
            gf = spec.gain_frac_bits
            s_o = spec.frac_bits + spec.beta_mul_frac_bits + gf - spec.offset_frac_bits
            wz = max(wp + spec.gain_bits, spec.offset_bits + s_o) + 2
        for i in range(n):
            terms = [_wire(m, self.h[i], wf, f"h{i}")]
            for nb, e in spec.neighbours[i]:
                jv = _wire(m, self.j[e], wf, f"j{i}_{e}")
                t = Signal(wf, name=f"t{i}_{e}")
                m.d.comb += t.eq(Mux(eff[nb], jv, (~jv + 1)[:wf]))
                terms.append(t)
            total = _tree_sum(m, terms, wf, f"sum{i}")
            i_sat = _saturate(m, total, wf, spec.acc_bits, f"i_sat{i}")
            prod = Signal(wp, name=f"prod{i}")
            m.d.comb += prod.eq((_sx(i_sat, wp) * Cat(self.beta_m, Const(0, wp - spec.beta_mul_bits)))[:wp])
            if comp:
                # z = GAIN * prod + OFFSET << s_o, then one rounding shift by s + G
                z = Signal(wz, name=f"comp{i}")
                gain = Cat(self.gain[i], Const(0, wz - spec.gain_bits))
                off = _sx(self.offset[i], wz - s_o)
                off = Cat(Const(0, s_o), off) if s_o else off
                m.d.comb += z.eq(((_sx(prod, wz) * gain)[:wz] + off)[:wz])
                shifted = _round_shift(m, z, wz, s + gf, f"rnd{i}")
                addr = _saturate(m, shifted, wz, spec.lut_bits, f"addr{i}")
            else:
                # round half up: (prod >> s) + bit s-1 of prod
                shifted = _round_shift(m, prod, wp, s, f"rnd{i}")
                addr = _saturate(m, shifted, wp, spec.lut_bits, f"addr{i}")
            rng = rng_for(spec.rng_model, [int(w) for w in states[i]])
            m.submodules[f"rng{i}"] = rng
            upd = Signal(name=f"upd{i}")
            m.d.comb += [
                upd.eq(self.update & self.phase[int(spec.colors[i])]),
                rng.en.eq(upd),
                rng.shift.eq(self.seed_shift),
                rng.shift_in.eq(chain_in),
            ]
            port = 0 if telegraph and not spec.telegraph_shared else i
            m.d.comb += luts[i].addr[port].eq(addr)
            chain_in = rng.shift_out
            if telegraph:
                m.d.comb += luts_ap[i].addr[port].eq(addr)
                thr = Signal(spec.prob_bits, name=f"thr{i}")
                m.d.comb += thr.eq(Mux(eff[i], luts_ap[i].prob[port], luts[i].prob[port]))
                flip = rng.word[rshift:] < thr
                new = Mux(self.clamp_en[i], self.clamp_val[i], eff[i] ^ flip)
            else:
                new = Mux(self.clamp_en[i], self.clamp_val[i], rng.word[rshift:] < luts[i].prob[port])
            with m.If(self.load_en[i]):
                m.d.sync += reg[i].eq(self.load_val[i])
            with m.Elif(upd & ~self.seed_shift):
                m.d.sync += reg[i].eq(new)
        return m


class PBitNetTop(wiring.Component):
    """The p-bit network behind an AXI4-Lite register bank, with a per-sweep sample stream.

    Attributes
    ----------
    s_axi : In(AXI4LiteSignature)
        Register access (map: ``spec.regmap``).
    sample : Out(n)
        The spins (bit ``i`` set means p-bit ``i`` is +1).
    sample_valid : Out(1)
        High for one cycle after each completed sweep: ``sample`` holds its result.
    """

    def __init__(self, *, spec: PBitNetSpec):
        if not isinstance(spec, PBitNetSpec):
            raise TypeError(f"spec must be a PBitNetSpec, not {spec!r}")
        self.spec = spec
        super().__init__(
            {
                "s_axi": In(AXI4LiteSignature(addr_width=spec.regmap.addr_width)),
                "sample": Out(spec.n),
                "sample_valid": Out(1),
            }
        )

    def elaborate(self, platform):
        m = Module()
        spec = self.spec
        rm = spec.regmap
        n, w = spec.n, spec.state_words
        m.submodules.bank = bank = CSRBank(regmap=rm)
        m.submodules.net = net = PBitNet(spec=spec)
        wiring.connect(m, wiring.flipped(self.s_axi), bank.bus)
        csr = bank.csr

        def arr(name):
            v = getattr(csr, name)
            return v if rm[name.removesuffix("_wstb")].count > 1 else [v]

        # -- sweep control ------------------------------------------------------------
        ncol = spec.num_colors
        phase = Signal(ncol, init=1)  # one-hot color
        sweeps_left = Signal(32)
        sweep_count = Signal(32)
        running = Signal()
        update = Signal()
        sweep_end = Signal()
        m.d.comb += [
            running.eq(sweeps_left != 0),
            update.eq(running & ~csr.SEED_wstb),
            sweep_end.eq(update & phase[ncol - 1]),
        ]
        with m.If(update):
            m.d.sync += phase.eq(Cat(phase[-1], phase[:-1]) if ncol > 1 else phase)
        with m.If(csr.SWEEPS_wstb):
            m.d.sync += sweeps_left.eq(csr.SWEEPS)
        with m.Elif(sweep_end):
            m.d.sync += sweeps_left.eq(sweeps_left - 1)
        with m.If(sweep_end):
            m.d.sync += sweep_count.eq(sweep_count + 1)
        m.d.sync += self.sample_valid.eq(sweep_end)

        # -- β schedule ---------------------------------------------------------------
        beta_acc = Signal(32)
        lin = Signal(33)  # beta_acc + BETA_STEP (as unsigned) with its carry
        geo = Signal(64)
        m.d.comb += [
            lin.eq(beta_acc + csr.BETA_STEP),
            geo.eq(beta_acc * csr.BETA_MULT),
        ]
        with m.If(csr.BETA_wstb):
            m.d.sync += beta_acc.eq(csr.BETA)
        with m.Elif(sweep_end):
            with m.Switch(csr.BETA_MODE):
                with m.Case(int(BetaMode.LINEAR)):
                    # a negative step without carry underflowed; a positive one with
                    # carry overflowed
                    with m.If(csr.BETA_STEP[31] & ~lin[32]):
                        m.d.sync += beta_acc.eq(0)
                    with m.Elif(~csr.BETA_STEP[31] & lin[32]):
                        m.d.sync += beta_acc.eq(0xFFFFFFFF)
                    with m.Else():
                        m.d.sync += beta_acc.eq(lin[:32])
                with m.Case(int(BetaMode.GEOMETRIC)):
                    top = 32 + BETA_MULT_FRAC
                    m.d.sync += beta_acc.eq(Mux(geo[top:].any(), 0xFFFFFFFF, geo[BETA_MULT_FRAC:top]))
        shift_b = spec.beta_frac_bits - spec.beta_mul_frac_bits

        # -- datapath ------------------------------------------------------------------
        hs, js = arr("H"), arr("J")
        m.d.comb += [
            net.update.eq(update),
            net.phase.eq(phase),
            net.beta_m.eq(beta_acc[shift_b:]),
            net.clamp_en.eq(Cat(*arr("CLAMP_EN"))[:n]),
            net.clamp_val.eq(Cat(*arr("CLAMP_VAL"))[:n]),
            net.load_en.eq(Cat(*(s.replicate(32) for s in arr("STATE_IN_wstb")))[:n]),
            net.load_val.eq(Cat(*arr("STATE_IN"))[:n]),
            net.seed_shift.eq(csr.SEED_wstb),
            net.seed_in.eq(csr.SEED),
            self.sample.eq(net.spins),
        ]
        for i in range(n):
            m.d.comb += net.h[i].eq(hs[i].as_signed())
        for e in range(spec.num_edges):
            m.d.comb += net.j[e].eq(js[e].as_signed())
        if spec.compensation:
            for i, (g, o) in enumerate(zip(arr("GAIN"), arr("OFFSET"), strict=True)):
                m.d.comb += [net.gain[i].eq(g), net.offset[i].eq(o.as_signed())]
        padded = Cat(net.spins, Const(0, 32 * w - n)) if 32 * w > n else net.spins
        for k, word in enumerate(arr("STATE")):
            m.d.comb += word.eq(padded[32 * k : 32 * (k + 1)])

        # -- capture buffer --------------------------------------------------------------
        depth = spec.sample_buffer_depth
        if depth:
            m.submodules.buf = buf = Memory(shape=32 * w, depth=depth, init=[])
            wp = buf.write_port()
            rp = buf.read_port(domain="comb")
            count = Signal(32)
            slot = Signal(range(depth))
            pending = Signal()
            m.d.sync += pending.eq(sweep_end & csr.CTRL[0])
            m.d.comb += [wp.addr.eq(slot), wp.data.eq(padded), wp.en.eq(pending)]
            with m.If(pending):
                m.d.sync += [count.eq(count + 1), slot.eq(Mux(slot == depth - 1, 0, slot + 1))]
            m.d.comb += [rp.addr.eq(csr.BUF_SEL), csr.BUF_COUNT.eq(count)]
            for k, word in enumerate(arr("BUF_DATA")):
                m.d.comb += word.eq(rp.data[32 * k : 32 * (k + 1)])

        m.d.comb += [
            csr.ID.eq(rm.ident),
            csr.N.eq(n),
            csr.NCOLORS.eq(ncol),
            csr.STATUS.eq(running),
            csr.SWEEPS_LEFT.eq(sweeps_left),
            csr.SWEEP_COUNT.eq(sweep_count),
            csr.BETA_NOW.eq(beta_acc),
        ]
        return m
