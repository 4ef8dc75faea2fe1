"""Gateware of the time-multiplexed STNO reservoir core and its AXI4-Lite top level.

Semantics are those of :class:`spinemu.sim_golden.reservoir_fixed.ReservoirFixed`; the
arithmetic (formats, rounding, saturation) is stated in
:mod:`spinemu.sim_golden.reservoir_spec`, and the register map is ``spec.regmap``.

Schedule of one virtual node (``3 + SUBSTEPS`` clocks)::

    LOAD   mask[i], weight[i] and delay[ptr] are read (synchronous memories)
    ZETA   z = sat(BIAS + rs(GAIN m u) + rs(FB (x[n-D] - PDC)))
    COEF   a = sat(rs(C (z - 1))), b = sat(rs(C (z + Q)))
    SUB    one Euler sub-step per clock; the last one writes the state to the delay
           line, to the ``state`` stream (valid on the next clock) and to the readout
    HOLD   (only with CTRL.HOLD) wait for a NEXT write, so software can read every
           state through the STATE register

The ``state`` stream (``state_payload``/``state_valid``/``state_ready``/``state_last``,
AXI4-Stream rules) has backpressure: a word stays valid, unchanged, until ``ready`` takes
it, and the last sub-step of the next node waits (the whole datapath stalls) while the
previous word is still unaccepted.  Only the order of the states is architectural, so
stalls never change them.  ``state_last`` marks the last node of each input sample (one
packet per sample: what a DMA S2MM transfer ends on).  With ``CTRL.HOLD`` the stream is
silent and ignores ``ready`` (states are read through ``STATE``; switching to HOLD drops
an unaccepted word).  ``state_ready`` tied high gives the old free-running timing.

Input samples arrive through the ``INPUT`` register or the ``input`` stream
(``input_payload``/``input_valid``/``input_ready``, raw signed ``input_bits``): both fill
the one-sample holding register, which the datapath empties when it starts a sample, so
the stream keeps the core busy with no bus access per sample (a DMA MM2S channel on a
board).  ``input_ready`` is low while the holding register is full, in the clock of an
``INPUT`` write (the register wins) and of ``RESTART``.

The readout multiply-accumulate runs on the clock after each state; after the last node
of a sample it emits ``pred`` / ``pred_valid`` (a plain pulse, no backpressure: one per
sample, also readable through ``PRED``/``PRED_COUNT``).
"""

from __future__ import annotations

from amaranth import Cat, Module, Mux, Signal, signed, unsigned
from amaranth.lib import enum, wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from ..sim_golden.reservoir_spec import ReservoirSpec
from .axil import AXI4LiteSignature, CSRBank

__all__ = ["ReservoirTop", "Phase"]


class Phase(enum.Enum, shape=3):
    """Datapath phase of the node schedule."""

    IDLE = 1
    LOAD = 2
    ZETA = 3
    COEF = 4
    SUB = 5
    HOLD = 6


def _rs(x, s: int):
    """Round-half-up arithmetic right shift (``s >= 0``), as ``rshift_round``."""
    return x if s == 0 else (x + (1 << (s - 1))) >> s


def _clamp(x, lo: int, hi: int):
    """``x`` clamped to ``[lo, hi]``."""
    return Mux(x < lo, lo, Mux(x > hi, hi, x))


class ReservoirTop(wiring.Component):
    """The reservoir datapath behind an AXI4-Lite register bank, with output streams.

    Parameters
    ----------
    spec : ReservoirSpec

    Attributes
    ----------
    s_axi : In(AXI4LiteSignature)
        Register access (map: ``spec.regmap``).
    state_payload, state_valid, state_ready, state_last
        Stream of the virtual-node states ``p`` (raw ``u0.state_frac_bits``); ``ready``
        is an input (backpressure), ``last`` marks the last node of each sample.
    input_payload, input_valid, input_ready
        Stream of raw input samples (signed ``input_bits``), the bus-free alternative
        to ``INPUT``.
    pred, pred_valid : Out
        Each on-chip prediction (raw, signed ``out_bits``), once per input sample
        (only if ``spec.readout``).
    """

    def __init__(self, *, spec: ReservoirSpec):
        if not isinstance(spec, ReservoirSpec):
            raise TypeError(f"spec must be a ReservoirSpec, not {spec!r}")
        self.spec = spec
        members = {
            "s_axi": In(AXI4LiteSignature(addr_width=spec.regmap.addr_width)),
            "state_payload": Out(spec.state_frac_bits),
            "state_valid": Out(1),
            "state_ready": In(1),
            "state_last": Out(1),
            "input_payload": In(spec.input_bits),
            "input_valid": In(1),
            "input_ready": Out(1),
        }
        if spec.readout:
            members["pred"] = Out(spec.out_bits)
            members["pred_valid"] = Out(1)
        super().__init__(members)

    def elaborate(self, platform):
        m = Module()
        s = self.spec
        n_v, d = s.n_virtual, s.delay
        fs, ks = s.state_frac_bits, s.coef_frac_bits
        reset = s.reset_regs()
        m.submodules.bank = bank = CSRBank(regmap=s.regmap)
        wiring.connect(m, wiring.flipped(self.s_axi), bank.bus)
        csr = bank.csr

        # -- memories -------------------------------------------------------------------
        m.submodules.mask_mem = mask_mem = Memory(
            shape=signed(s.mask_bits), depth=n_v, init=[int(v) for v in s.mask_q()]
        )
        mask_w = mask_mem.write_port()
        mask_r = mask_mem.read_port()
        m.submodules.delay_mem = delay_mem = Memory(shape=unsigned(fs), depth=d, init=[])
        dl_w = delay_mem.write_port()
        dl_r = delay_mem.read_port()

        # -- control state -----------------------------------------------------------------
        phase = Signal(Phase, init=Phase.IDLE)
        node = Signal(range(n_v))
        ptr = Signal(range(d))
        seen = Signal(range(d + 1))  # min(nodes since restart, D)
        count = Signal(32)
        sub = Signal(8)
        p = Signal(fs, init=reset["PDC"])
        u_cur = Signal(signed(s.input_bits))
        pend = Signal()
        pend_u = Signal(signed(s.input_bits))
        overrun = Signal()
        z = Signal(signed(s.zeta_bits))
        a = Signal(signed(s.coef_bits))
        b = Signal(signed(s.coef_bits))
        mask_ptr = Signal(range(n_v))

        restart = csr.RESTART_wstb
        bias = csr.BIAS.as_signed()
        gain = csr.GAIN.as_signed()
        fb = csr.FB.as_signed()
        q = csr.Q.as_signed()
        nsub_last = Signal(8)
        m.d.comb += nsub_last.eq(Mux(csr.SUBSTEPS.any(), csr.SUBSTEPS - 1, 0))

        m.d.comb += [
            mask_r.addr.eq(node),
            dl_r.addr.eq(ptr),
            mask_w.addr.eq(mask_ptr),
            mask_w.data.eq(csr.MASK_DATA.as_signed()),
            mask_w.en.eq(csr.MASK_DATA_wstb),
        ]
        with m.If(csr.MASK_ADDR_wstb):
            m.d.sync += mask_ptr.eq(csr.MASK_ADDR)
        with m.Elif(csr.MASK_DATA_wstb):
            m.d.sync += mask_ptr.eq(Mux(mask_ptr == n_v - 1, 0, mask_ptr + 1))

        # -- input holding register ---------------------------------------------------------
        # Phase decodes come from the Switch below (no == on the enum: lint-clean Verilog).
        is_idle, is_sub, is_hold = Signal(), Signal(), Signal()
        take = Signal()
        m.d.comb += take.eq(is_idle & pend)
        m.d.comb += self.input_ready.eq(~pend & ~csr.INPUT_wstb & ~csr.RESTART_wstb)
        with m.If(csr.INPUT_wstb):
            with m.If(pend & ~take):
                m.d.sync += overrun.eq(1)
            with m.Else():
                m.d.sync += [pend.eq(1), pend_u.eq(csr.INPUT.as_signed())]
        with m.Elif(self.input_valid & self.input_ready):
            m.d.sync += [pend.eq(1), pend_u.eq(self.input_payload.as_signed())]
        with m.Elif(take):
            m.d.sync += pend.eq(0)

        # -- datapath -------------------------------------------------------------------------
        # Amaranth arithmetic is exact (results widen), so only the saturations truncate.
        gmu = _rs(gain * mask_r.data * u_cur, s.shift_gmu)
        fbt = Mux(seen == d, _rs(fb * (dl_r.data - csr.PDC), s.shift_fb), 0)
        zlo, zhi = s.signed_range(s.zeta_bits)
        klo, khi = s.signed_range(s.coef_bits)
        one = 1 << s.zeta_frac_bits
        z_next = _clamp(bias + gmu + fbt, zlo, zhi)
        a_next = _clamp(_rs(csr.C * (z - one), s.shift_coef), klo, khi)
        b_next = _clamp(_rs(csr.C * (z + q), s.shift_coef), klo, khi)
        bp = _rs(b * p, fs)
        p_next = Signal(fs)
        m.d.comb += p_next.eq(_clamp(p + _rs((a - bp) * p, ks), 1, s.state_max))
        last_sub = Signal()
        m.d.comb += last_sub.eq(is_sub & (sub == nsub_last))
        # Backpressure: the node's result waits while the previous word is not accepted
        # (never in HOLD mode, where the stream is off).
        hold_mode = csr.CTRL[0]
        stall = Signal()
        fire = Signal()
        m.d.comb += [
            stall.eq(last_sub & self.state_valid & ~self.state_ready & ~hold_mode),
            fire.eq(last_sub & ~stall),
        ]

        m.d.comb += [
            dl_w.addr.eq(ptr),
            dl_w.data.eq(p_next),
            dl_w.en.eq(fire & ~restart),
        ]
        with m.If(self.state_ready | hold_mode):
            m.d.sync += self.state_valid.eq(0)

        with m.Switch(phase):
            with m.Case(Phase.IDLE):
                m.d.comb += is_idle.eq(1)
                with m.If(take):
                    m.d.sync += [u_cur.eq(pend_u), phase.eq(Phase.LOAD)]
            with m.Case(Phase.HOLD):
                m.d.comb += is_hold.eq(1)
                # The node counter has already advanced: 0 means the sample is complete.
                with m.If(csr.NEXT_wstb):
                    m.d.sync += phase.eq(Mux(node.any(), Phase.LOAD, Phase.IDLE))
            with m.Case(Phase.LOAD):
                m.d.sync += phase.eq(Phase.ZETA)
            with m.Case(Phase.ZETA):
                m.d.sync += [z.eq(z_next), phase.eq(Phase.COEF)]
            with m.Case(Phase.COEF):
                m.d.sync += [a.eq(a_next), b.eq(b_next), sub.eq(0), phase.eq(Phase.SUB)]
            with m.Case(Phase.SUB):
                m.d.comb += is_sub.eq(1)
                with m.If(~stall):
                    m.d.sync += [p.eq(p_next), sub.eq(sub + 1)]
                with m.If(fire):
                    m.d.sync += [
                        self.state_payload.eq(p_next),
                        self.state_valid.eq(~hold_mode),
                        self.state_last.eq(node == n_v - 1),
                        count.eq(count + 1),
                        ptr.eq(Mux(ptr == d - 1, 0, ptr + 1)),
                        node.eq(Mux(node == n_v - 1, 0, node + 1)),
                        phase.eq(Mux(csr.CTRL[0], Phase.HOLD, Mux(node == n_v - 1, Phase.IDLE, Phase.LOAD))),
                    ]
                    with m.If(seen != d):
                        m.d.sync += seen.eq(seen + 1)

        # -- optional readout -------------------------------------------------------------------
        if s.readout:
            m.submodules.w_mem = w_mem = Memory(shape=signed(s.weight_bits), depth=n_v, init=[])
            w_w = w_mem.write_port()
            w_r = w_mem.read_port()
            w_ptr = Signal(range(n_v))
            m.d.comb += [
                w_r.addr.eq(node),
                w_w.addr.eq(w_ptr),
                w_w.data.eq(csr.W_DATA.as_signed()),
                w_w.en.eq(csr.W_DATA_wstb),
            ]
            with m.If(csr.W_ADDR_wstb):
                m.d.sync += w_ptr.eq(csr.W_ADDR)
            with m.Elif(csr.W_DATA_wstb):
                m.d.sync += w_ptr.eq(Mux(w_ptr == n_v - 1, 0, w_ptr + 1))

            acc_bits = s.weight_bits + fs + 1 + max(1, n_v.bit_length())
            acc = Signal(signed(acc_bits))
            mac_go = Signal()
            mac_last = Signal()
            mac_w = Signal(signed(s.weight_bits))
            pred_count = Signal(32)
            olo, ohi = s.signed_range(s.out_bits)
            total = acc + mac_w * self.state_payload
            y = _clamp(_rs(total, s.shift_out) + csr.W_BIAS.as_signed(), olo, ohi)
            m.d.sync += [mac_go.eq(fire), self.pred_valid.eq(0)]
            with m.If(fire):
                m.d.sync += [mac_w.eq(w_r.data), mac_last.eq(node == n_v - 1)]
            with m.If(mac_go):
                with m.If(mac_last):
                    m.d.sync += [
                        self.pred.eq(y),
                        self.pred_valid.eq(1),
                        acc.eq(0),
                        pred_count.eq(pred_count + 1),
                    ]
                with m.Else():
                    m.d.sync += acc.eq(total)
            with m.If(restart):
                m.d.sync += [acc.eq(0), mac_go.eq(0), pred_count.eq(0), self.pred_valid.eq(0)]
            m.d.comb += [csr.PRED.eq(self.pred), csr.PRED_COUNT.eq(pred_count)]

        # RESTART wins over everything above (later assignments take priority).
        with m.If(restart):
            m.d.sync += [
                phase.eq(Phase.IDLE),
                node.eq(0),
                ptr.eq(0),
                seen.eq(0),
                count.eq(0),
                p.eq(csr.PDC),
                pend.eq(0),
                overrun.eq(0),
                self.state_valid.eq(0),
            ]

        m.d.comb += [
            csr.ID.eq(s.regmap.ident),
            csr.N.eq(n_v),
            csr.STATUS.eq(Cat(~is_idle, pend, overrun, is_hold)),
            csr.COUNT.eq(count),
            csr.STATE.eq(self.state_payload),
        ]
        return m
