"""The p-bit network (Ising machine) behind its AXI4-Lite register bank.

Semantics are those of :class:`spinemu.sim_golden.pbit_net.PBitNetGolden`; the
arithmetic, update order, β schedule and register map are documented in
:mod:`spinemu.sim_golden.pbit_net_spec` and come from the Spec only.

Pieces:

* :class:`~spinemu.hdl.pbit_cells.PBitCells`: the p-bits, each with its field and
  probability tables in LUT RAM, an RNG and a comparator;
* :class:`~spinemu.hdl.prob_table_engine.ProbTableEngine`: rewrites the probability
  tables whenever the β in use changes (sweeps wait for it);
* :class:`~spinemu.hdl.sweep_control.SweepControl`: sweeps, the β schedule and the
  registered per-color enables;
* this top level: the register bank, the windows
  through which per-p-bit data is written (so the bank has the same registers
  whatever ``n`` is), and the capture buffer.

Control: ``SWEEPS`` starts ``k`` sweeps of ``num_colors`` clocks; a sweep clock runs
only while the probability tables hold the current β.  At the end of each sweep
``beta_acc`` follows ``BETA_MODE``, ``sample_valid`` pulses for one cycle with
``sample`` holding the new state, and with ``CTRL.CAPTURE`` set the state is written
to the next slot of the capture buffer (drained over the bus through
``BUF_SEL``/``WORD_SEL``/``BUF_DATA``).

With replicas (``spec.replicas = P > 1``) a sweep of all ``P`` chains takes
``num_colors * color_window`` clocks; ``sample_valid`` pulses once per replica, the clock
after its last color is written, with ``sample`` holding that replica's spins (captured
alike, replica 0 first); ``REPLICA`` selects the replica ``STATE_IN`` loads and
``STATE`` shows.  ``STATUS.BUSY`` stays high until the last issued update is written,
and the table engine waits for that too; a ``SEED`` word shifts in once the updates
issued before its write have stepped the RNGs.
"""

from __future__ import annotations

from amaranth import Cat, Const, Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from ..sim_golden.pbit_net_regmap import CTRL_CAPTURE, EXCHANGE_FIELD_BITS
from ..sim_golden.pbit_net_spec import REPLICA_STAGES, PBitNetSpec
from ..sim_golden.pbit_net_tables import table_layout
from .axil import AXI4LiteSignature, CSRBank
from .fixed import one_hot
from .pbit_cells import PBitCells, select_widths
from .prob_table_engine import ProbTableEngine
from .sweep_control import SweepControl, connect_schedule

__all__ = ["PBitNetTop"]


#: Clocks reads wait after a register write (see the readout in :class:`PBitNetTop`).
READ_SETTLE = 3


def _exchange_ports(spec: PBitNetSpec) -> dict:
    """What a device of a machine offers its boundary exchange (:mod:`.pbit_exchange`)."""
    return {
        "ghosts": In(spec.ghosts),
        "exchange_hold": In(1),
        "fired": Out(1),
        "run_start": Out(1),
        "run_sweeps": Out(32),
        "exchange_period": Out(EXCHANGE_FIELD_BITS),
        "exchange_latency": Out(EXCHANGE_FIELD_BITS),
    }


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
    ghosts, exchange_hold, fired, run_start, run_sweeps, exchange_period, exchange_latency
        Only on a device of a machine (``spec.ghosts``): the ghost spins in, a hold of the
        next color phase in; out a phase firing, the ``SWEEPS`` write and value, and the
        ``EXCH_*`` registers (wired by :class:`~.pbit_device.PBitDeviceTop`).
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
                **(_exchange_ports(spec) if spec.ghosts else {}),
            }
        )

    def elaborate(self, platform):
        m = Module()
        spec = self.spec
        rm = spec.regmap
        n, words = spec.n, spec.state_words
        m.submodules.bank = bank = CSRBank(regmap=rm, read_hold=True)
        m.submodules.cells = cells = PBitCells(spec=spec)
        m.submodules.engine = engine = ProbTableEngine(spec=spec)
        wiring.connect(m, wiring.flipped(self.s_axi), bank.bus)
        csr = bank.csr
        hi_w, lo_w = select_widths(n)

        m.submodules.control = control = SweepControl(spec=spec)
        beta_m = control.beta_m
        replicas = spec.replicas > 1
        # updates issued but not yet written (replicas): the tables and the seed chain wait
        in_flight = cells.in_flight if replicas else Const(0)

        # -- probability tables: rewritten whenever they do not hold beta_m ------------------
        tables_valid = Signal()
        tables_beta = Signal(spec.beta_mul_bits)
        stale = Signal()  # compensation written during a rewrite
        comp_write = Signal()
        m.d.comb += [
            engine.beta_m.eq(beta_m),
            engine.start.eq(~engine.busy & ~(tables_valid & (tables_beta == beta_m)) & ~in_flight),
        ]
        with m.If(engine.start):
            m.d.sync += stale.eq(0)
        with m.Elif(comp_write):
            m.d.sync += stale.eq(1)
        with m.If(comp_write):
            m.d.sync += tables_valid.eq(0)
        with m.Elif(engine.done):
            # (the last entry lands a clock after `done`, as the first update can read it:
            # the cells register the write, the sweep control its fire)
            m.d.sync += [tables_valid.eq(~stale), tables_beta.eq(engine.table_beta)]
        m.d.comb += [
            cells.pt_en.eq(engine.we),
            cells.pt_hi.eq(engine.hi),
            cells.pt_lo.eq(engine.lo),
            cells.pt_addr.eq(engine.addr),
            cells.pt_data.eq(engine.data),
        ]
        if spec.compensation:
            m.d.comb += [
                comp_write.eq(csr.GAIN_wstb | csr.OFFSET_wstb),
                engine.comp_sel.eq(csr.COMP_SEL),
                engine.gain_we.eq(csr.GAIN_wstb),
                engine.offset_we.eq(csr.OFFSET_wstb),
                engine.comp_data.eq(Mux(csr.GAIN_wstb, csr.GAIN, csr.OFFSET)),
            ]

        # -- sweeps and the beta schedule (registered color enables) -----------------------
        connect_schedule(m, control, csr)
        exchange_hold = 0
        if spec.ghosts:
            exchange_hold = self.exchange_hold
            m.d.comb += [
                cells.ghosts.eq(self.ghosts),
                self.fired.eq(control.fire.any()),
                self.run_start.eq(csr.SWEEPS_wstb),
                self.run_sweeps.eq(csr.SWEEPS),
                self.exchange_period.eq(csr.EXCH_PERIOD),
                self.exchange_latency.eq(csr.EXCH_LATENCY),
            ]
        m.d.comb += [
            control.hold.eq(csr.SEED_wstb | comp_write | exchange_hold),
            control.tables_ready.eq(tables_valid & ~engine.busy),
            control.tables_beta.eq(tables_beta),
            cells.fire.eq(control.fire),
            self.sample.eq(cells.spins),
        ]
        if replicas:
            # a sample per replica, the clock after its sweep's last write
            sampled = cells.written
            m.d.comb += [
                cells.replica.eq(control.replica),
                cells.replica_next.eq(control.replica_next),
                self.sample_valid.eq(sampled),
                cells.view_hot.eq(one_hot(csr.REPLICA, spec.replicas)),
                cells.load_hot.eq(one_hot(csr.REPLICA, spec.replicas)),
                csr.REPLICAS.eq(spec.replicas),
            ]
        else:
            sampled = self.sample_valid
            m.d.sync += sampled.eq(control.sweep_end)
        # the seed chain shifts one clock after the bus write (the control holds the
        # updates issued in that clock); with replicas REPLICA_STAGES - 1 clocks later
        # still, once the updates issued before the write have stepped the RNGs
        shift, word = csr.SEED_wstb, csr.SEED
        for k in range(REPLICA_STAGES - 1 if replicas else 0):
            shift_q, word_q = Signal(name=f"seed_shift_q{k}"), Signal(32, name=f"seed_q{k}")
            m.d.sync += [shift_q.eq(shift), word_q.eq(word)]
            shift, word = shift_q, word_q
        m.d.sync += [cells.seed_shift.eq(shift), cells.seed_in.eq(word)]
        ncol = spec.num_colors

        # -- field-table window: TBL_ADDR sets the pointer, TBL_DATA writes and advances ----
        group_bits, pattern_bits = table_layout(spec)
        slot_bits = group_bits + pattern_bits
        pointer = Signal(len(csr.TBL_ADDR))
        with m.If(csr.TBL_ADDR_wstb):
            m.d.sync += pointer.eq(csr.TBL_ADDR)
        with m.Elif(csr.TBL_DATA_wstb):
            m.d.sync += pointer.eq(pointer + 1)
        pbit = pointer[slot_bits:]
        m.d.sync += [  # one register stage: decoded selects and data (fan-out to every p-bit)
            cells.ft_en.eq(csr.TBL_DATA_wstb),
            cells.ft_hi.eq(one_hot(pbit >> 5, hi_w)),
            cells.ft_lo.eq(one_hot(pbit[:5], lo_w)),
            cells.ft_pattern.eq(pointer[:pattern_bits]),
            cells.ft_data.eq(csr.TBL_DATA),
        ]
        if group_bits:
            m.d.sync += cells.ft_group.eq(pointer[pattern_bits:slot_bits])

        # -- 32-p-bit words: clamps, spin loads and reads -----------------------------------
        word_sel = csr.WORD_SEL
        m.d.sync += [
            cells.word_hot.eq(one_hot(word_sel, words)),
            cells.load_state.eq(csr.STATE_IN_wstb),
            cells.load_clamp_en.eq(csr.CLAMP_EN_wstb),
            cells.load_clamp_val.eq(csr.CLAMP_VAL_wstb),
            cells.word_data.eq(
                Mux(csr.CLAMP_EN_wstb, csr.CLAMP_EN, Mux(csr.CLAMP_VAL_wstb, csr.CLAMP_VAL, csr.STATE_IN))
            ),
        ]
        padded = Cat(cells.spins, Const(0, 32 * words - n)) if 32 * words > n else cells.spins
        # The words read (STATE, BUF_DATA) are registered here: the read multiplexer of the
        # bank then starts at flip-flops, not at p-bits and LUT RAM far across the chip.
        # Reads wait READ_SETTLE clocks after a write (a state load reaches the spins two
        # clocks after its strobe, and the register one more), so none is stale.
        m.d.sync += csr.STATE.eq(padded.word_select(word_sel, 32) if words > 1 else padded)
        wrote = Signal(READ_SETTLE)
        m.d.sync += wrote.eq(Cat(self.s_axi.wvalid & self.s_axi.wready, wrote))
        m.d.comb += bank.read_hold.eq(wrote.any())

        # -- capture buffer -----------------------------------------------------------------
        depth = spec.sample_buffer_depth
        if depth:
            m.submodules.buf = buf = Memory(shape=32 * words, depth=depth, init=[])
            wr = buf.write_port()
            rd = buf.read_port(domain="comb")
            count = Signal(32)
            slot = Signal(range(depth))
            pending = Signal()
            capture = (csr.CTRL & CTRL_CAPTURE).any()
            if replicas:
                m.d.comb += pending.eq(sampled & capture)
            else:
                m.d.sync += pending.eq(control.sweep_end & capture)
            m.d.comb += [wr.addr.eq(slot), wr.data.eq(padded), wr.en.eq(pending)]
            with m.If(pending):
                m.d.sync += [count.eq(count + 1), slot.eq(Mux(slot == depth - 1, 0, slot + 1))]
            m.d.comb += [rd.addr.eq(csr.BUF_SEL), csr.BUF_COUNT.eq(count)]
            m.d.sync += csr.BUF_DATA.eq(rd.data.word_select(word_sel, 32) if words > 1 else rd.data)

        m.d.comb += [
            csr.ID.eq(rm.ident),
            csr.N.eq(n),
            csr.NCOLORS.eq(ncol),
            csr.STATUS.eq(Cat(control.running | in_flight, engine.busy)),
        ]
        return m
