"""The streaming p-bit fabric behind its AXI4-Lite register bank.

Semantics are those of :class:`spinemu.sim_golden.pbit_net.PBitNetGolden`; the slot
order, the memories and the schedule are documented in
:mod:`spinemu.sim_golden.pbit_net_streaming`, the register windows in
:mod:`spinemu.sim_golden.pbit_net_regmap`.

Beat ``b`` of slot ``s`` issued in clock ``t`` (``W = lanes``, ``T`` the adder tree's
stages, :func:`~spinemu.sim_golden.pbit_net_streaming.stream_tree_stages`):

========= ===================================================================
clock     what happens
========= ===================================================================
t         the weight memory reads word ``s * beats + b``, the spin memory word
          ``b``; ``h``, the RNG state and the clamp word of ``s`` are read
t + 1     the memories' data registered (their block RAM output registers)
t + 2     each spin selects ``+J`` or ``-J`` (``~J``, plus the count of down
          spins); registered.  The RNG word and next state are computed
t + 3     the adder tree (``T`` clocks, a register every two levels); on the
          last beat the RNG state is written back
t + 3 + T the accumulator: ``h`` plus the beat's sum on the first beat, the
          running sum plus it on the others
t + 4 + T (last beat) the field is saturated and encoded
t + 5 + T the probability table is read and compared; the new spin (or the
          clamp value) registered
t + 6 + T the spin is written (one bit of word ``s // W``) and the word it
          completes leaves on ``sample``
========= ===================================================================

so a spin is written :func:`~spinemu.sim_golden.pbit_net_streaming.stream_latency`
clocks after its slot's last beat.  ``sample`` carries a word of ``W`` new spins when
its last slot is written (``sample_valid``), ``beats`` words per sweep in slot order,
as the multiplexed fabric's groups.  Memories keep their contents through a reset
(:mod:`.pbit_mux`).
"""

from __future__ import annotations

from amaranth import Cat, Const, Module, Mux, Signal
from amaranth.lib.memory import Memory

from ..sim_golden.pbit_net_mux import weight_bits
from ..sim_golden.pbit_net_spec import Fabric
from ..sim_golden.pbit_net_streaming import TREE_LEVELS_PER_STAGE, stream_tree_stages
from ..sim_golden.pbit_net_tables import prob_index_bits
from .fixed import pipelined_tree_sum, sign_extend, tree_sum
from .memory_fabric import (
    MemoryFabricTop,
    bus_spin_words,
    clamp_writes,
    delayed,
    encode_field,
    probability_tables,
    read_side,
    seed_window,
    state_value,
)
from .pbit_stream_control import StreamSweepControl
from .prob_table_engine import ProbTableEngine
from .rng import rng_next
from .sweep_control import connect_schedule

__all__ = ["PBitStreamTop"]


class PBitStreamTop(MemoryFabricTop):
    """The streaming p-bit fabric behind an AXI4-Lite register bank (ports:
    :class:`~.memory_fabric.MemoryFabricTop`; ``sample``: a word of lanes slots when its
    last slot is written)."""

    FABRIC = Fabric.STREAMING

    def elaborate(self, platform):
        m = Module()
        spec = self.spec
        lay = spec.mux_layout
        n, W, beats, lat = spec.n, lay.lanes, lay.beats, lay.latency
        tree = stream_tree_stages(W)
        wb, jb = weight_bits(spec), spec.j_bits
        lane_bits = (W - 1).bit_length()
        bank = self.bank(m)
        csr = bank.csr
        m.submodules.control = control = StreamSweepControl(spec=spec)
        m.submodules.engine = engine = ProbTableEngine(spec=spec)

        # -- pipeline bookkeeping: stage k holds the beat issued k clocks ago --------------
        valid, first, last, slot = [control.issue], [control.first], [control.last], [control.slot]
        for k in range(1, lat + 1):
            v, f, la = Signal(name=f"valid{k}"), Signal(name=f"first{k}"), Signal(name=f"last{k}")
            s = Signal.like(control.slot, name=f"slot{k}")
            m.d.sync += [v.eq(valid[-1]), f.eq(first[-1]), la.eq(last[-1]), s.eq(slot[-1])]
            valid.append(v)
            first.append(f)
            last.append(la)
            slot.append(s)
        in_flight = Cat(*valid[1:]).any()

        pt = probability_tables(m, engine, control, in_flight)
        connect_schedule(m, control, csr)

        def word_of(s):
            return s[lane_bits:]

        def bit_of(s):
            return s[:lane_bits] if lane_bits else Const(0, 1)

        # -- memories -----------------------------------------------------------------------
        m.submodules.weights = weights = Memory(shape=W * jb, depth=max(2, n * beats), init=[])
        m.submodules.h = h_mem = Memory(shape=wb, depth=max(2, n), init=[])
        states = spec.rng_states()
        m.submodules.rng = rng = Memory(
            shape=spec.rng_model.state_bits,
            depth=max(2, lay.slots),
            init=[state_value(states[i]) if i >= 0 else 0 for i in lay.pbit_of.tolist()],
        )
        m.submodules.prob = prob = Memory(shape=spec.prob_bits, depth=1 << prob_index_bits(spec), init=[])
        m.submodules.clamp_en = clamp_en = Memory(shape=W, depth=max(2, beats), init=[])
        m.submodules.clamp_val = clamp_val = Memory(shape=W, depth=max(2, beats), init=[])
        spin_we, spin_addr = Signal(W, name="spin_we"), Signal(len(control.beat), name="spin_addr")
        spin_data = Signal(W, name="spin_data")

        def spin_copy(name):  # every copy takes every write (a bit per slot)
            m.submodules[name] = mem = Memory(shape=W, depth=max(2, beats), init=[])
            wr = mem.write_port(granularity=1)
            m.d.comb += [wr.en.eq(spin_we), wr.addr.eq(spin_addr), wr.data.eq(spin_data)]
            return mem.read_port(transparent_for=())

        # -- clock t: read -------------------------------------------------------------------
        w_rd, spin_rd = weights.read_port(transparent_for=()), spin_copy("spins_row")
        h_rd, rng_rd = h_mem.read_port(transparent_for=()), rng.read_port(transparent_for=())
        clamp_rd = [mem.read_port(transparent_for=()) for mem in (clamp_en, clamp_val)]
        m.d.comb += [
            w_rd.addr.eq(control.row_addr),
            spin_rd.addr.eq(control.beat),
            h_rd.addr.eq(control.slot),
            rng_rd.addr.eq(control.slot),
            *(rd.addr.eq(word_of(control.slot)) for rd in clamp_rd),
        ]

        # -- clock t + 1: every memory's data registered (block RAM output registers) ------
        w_q = delayed(m, w_rd.data, "row", 2, 2)
        up = delayed(m, spin_rd.data, "spins", 2, 2)
        rng_q = delayed(m, rng_rd.data, "rng_state", 2, 2)
        clamp_q = [delayed(m, rd.data, name, 2, 2)
                   for rd, name in zip(clamp_rd, ("clamp_en", "clamp_val"), strict=True)]  # fmt: skip
        h_q = delayed(m, h_rd.data, "h", 2, 3 + tree)

        # -- clock t + 2: the terms (-J is ~J + 1: the +1s added once, as the count of downs)
        width = wb + (n + 1).bit_length() + 1
        terms = []
        for k in range(W):
            w = sign_extend(w_q[k * jb : (k + 1) * jb], width)
            terms.append(Mux(up[k], w, ~w))
        cb = W.bit_length()
        count = tree_sum(m, [Cat(~up[k], Const(0, cb - 1)) for k in range(W)], cb, "downs")
        terms.append(Cat(count, Const(0, width - cb)))
        terms3 = [Signal(width, name=f"term3_{k}") for k in range(len(terms))]
        m.d.sync += [q.eq(t) for q, t in zip(terms3, terms, strict=True)]
        word, nxt = rng_next(spec.rng_model, rng_q)
        next3 = Signal(spec.rng_model.state_bits, name="rng_next")
        m.d.sync += next3.eq(nxt)
        shift = spec.word_bits - spec.prob_bits
        random = delayed(m, word[shift:], "random", 3, lat - 1)
        clamp_bits = [delayed(m, q.bit_select(bit_of(slot[2]), 1), f"{q.name}_bit", 3, lat - 1)
                      for q in clamp_q]  # fmt: skip

        # -- clocks t + 3 ...: the beat's adder tree; on the last beat the RNG state written
        beat_sum = pipelined_tree_sum(m, terms3, width, "beat_sum", TREE_LEVELS_PER_STAGE)
        seed_store, seed_slot, seed_state = seed_window(m, csr, spec)
        s_we, s_row = Signal(name="s_we"), Signal(len(seed_slot), name="s_row")
        s_data = Signal(spec.rng_model.state_bits, name="s_data")
        m.d.sync += [s_we.eq(seed_store), s_row.eq(seed_slot), s_data.eq(seed_state)]
        rng_wr = rng.write_port()
        m.d.comb += [
            rng_wr.addr.eq(Mux(s_we, s_row, slot[3])),
            rng_wr.data.eq(Mux(s_we, s_data, next3)),
            rng_wr.en.eq(s_we | (valid[3] & last[3])),
        ]

        # -- clock t + 3 + T: accumulate the beats onto h ------------------------------------
        a = 3 + tree
        field_acc = Signal(width, name="field_acc")
        with m.If(valid[a]):
            m.d.sync += field_acc.eq(Mux(first[a], sign_extend(h_q, width), field_acc) + beat_sum)

        # -- clock t + 4 + T: saturate and encode -------------------------------------------
        index, negative = encode_field(m, spec, field_acc, width)

        # -- clock t + 5 + T: look up, compare; the new spin (or the clamp value) ------------
        prob_rd = prob.read_port(domain="comb")
        m.d.comb += prob_rd.addr.eq(index)
        new = Signal(name="new_spin")
        m.d.sync += new.eq(Mux(clamp_bits[0], clamp_bits[1], (random < prob_rd.data) ^ negative))
        prob_wr = prob.write_port()
        m.d.comb += [prob_wr.en.eq(pt[0]), prob_wr.addr.eq(pt[1]), prob_wr.data.eq(pt[2])]

        # -- clock t + 6 + T: write the spin; a completed word leaves on the stream ----------
        done, s_done = valid[lat] & last[lat], slot[lat]
        assembled = Signal(W, name="assembled")  # this word's new spins so far
        word_now = Signal(W, name="word_now")
        m.d.comb += word_now.eq(assembled)
        m.d.comb += word_now.bit_select(bit_of(s_done), 1).eq(new)
        with m.If(done):
            m.d.sync += assembled.eq(word_now)
        m.d.comb += [
            self.sample.eq(word_now),
            self.sample_valid.eq(done & ((bit_of(s_done) == W - 1) | (s_done == n - 1))),
        ]

        # the bus side: the word at WORD_SEL (spins, clamp enables) and its new value
        old_rd = spin_copy("spins_bus")
        en_rd = clamp_en.read_port(transparent_for=())
        m.d.comb += [old_rd.addr.eq(csr.WORD_SEL), en_rd.addr.eq(csr.WORD_SEL)]
        bus_write, bus_spins = bus_spin_words(m, csr, old_rd.data, en_rd.data)
        clamp_writes(m, csr, clamp_en, clamp_val, old_rd.data)
        all_ones = Const((1 << W) - 1, W)
        one_hot = Signal(W, name="spin_bit")
        m.d.comb += one_hot.bit_select(bit_of(s_done), 1).eq(1)
        m.d.comb += [
            spin_addr.eq(Mux(bus_write, csr.WORD_SEL, word_of(s_done))),
            spin_data.eq(Mux(bus_write, bus_spins, Mux(new, all_ones, 0))),
            spin_we.eq(Mux(bus_write, all_ones, Mux(done, one_hot, 0))),
        ]

        # -- weight window: TBL_ADDR = a slot; TBL_DATA = h, then its row of beats * W
        # couplings; a memory word is stored every W of them (a shift register stages them)
        t_slot = Signal(len(csr.TBL_ADDR), name="tbl_slot")
        t_addr = Signal(len(control.row_addr), name="tbl_word")  # weight word of the next store
        need_h = Signal(name="tbl_need_h")
        lane = Signal(range(W), name="tbl_lane")
        beat = Signal(range(max(2, beats)), name="tbl_beat")
        staged = Signal((W - 1) * jb, name="tbl_staged")
        h_we, w_we = Signal(name="h_we"), Signal(name="w_we")
        h_row, w_row = Signal(len(h_rd.addr), name="h_row"), Signal(len(t_addr), name="w_row")
        h_data, w_data = Signal(wb, name="h_data"), Signal(W * jb, name="w_data")
        value = csr.TBL_DATA
        m.d.sync += [h_we.eq(0), w_we.eq(0)]
        with m.If(csr.TBL_ADDR_wstb):
            m.d.sync += [
                t_slot.eq(csr.TBL_ADDR),
                t_addr.eq(csr.TBL_ADDR * beats),
                need_h.eq(1),
                lane.eq(0),
                beat.eq(0),
            ]
        with m.Elif(csr.TBL_DATA_wstb & need_h):
            m.d.sync += [need_h.eq(0), h_we.eq(1), h_row.eq(t_slot), h_data.eq(value[:wb])]
        with m.Elif(csr.TBL_DATA_wstb):
            if W > 1:
                m.d.sync += staged.eq(Cat(staged[jb:], value[:jb]))
            with m.If(lane == W - 1):
                m.d.sync += [
                    lane.eq(0),
                    w_we.eq(1),
                    w_row.eq(t_addr),
                    w_data.eq(Cat(staged, value[:jb])),
                    t_addr.eq(t_addr + 1),
                ]
                with m.If(beat == beats - 1):
                    m.d.sync += [beat.eq(0), need_h.eq(1), t_slot.eq(t_slot + 1)]
                with m.Else():
                    m.d.sync += beat.eq(beat + 1)
            with m.Else():
                m.d.sync += lane.eq(lane + 1)
        for mem, we, row, data in ((h_mem, h_we, h_row, h_data), (weights, w_we, w_row, w_data)):
            wr = mem.write_port()
            m.d.comb += [wr.en.eq(we), wr.addr.eq(row), wr.data.eq(data)]

        read_side(m, bank, self.s_axi, spec, busy=control.running | control.active | in_flight,
                  tables_busy=engine.busy)  # fmt: skip
        return m
