"""The multiplexed p-bit fabric behind its AXI4-Lite register bank.

Semantics are those of :class:`spinemu.sim_golden.pbit_net.PBitNetGolden` (the same
as the parallel fabric of :mod:`.pbit_net`); where each p-bit's data lives, the slot
and group order and the register windows are documented in
:mod:`spinemu.sim_golden.pbit_net_mux`.

Pieces:

* :class:`MuxLane` (``lanes`` of them): the per-slot memories of one lane (neighbour
  ROM, weights, RNG states, probability table) and its update pipeline;
* the spin memory (one word of ``lanes`` spins per group, a read port per lane and
  neighbour), the clamp memories, the register windows: this top level;
* :class:`~spinemu.hdl.pbit_mux_control.MuxSweepControl` (which group issues when)
  and :class:`~spinemu.hdl.prob_table_engine.ProbTableEngine` (probability tables per
  β, one broadcast write for every lane).

Update of group ``g`` issued in clock ``t`` (every lane at once):

====== ======================================================================
clock  what happens
====== ======================================================================
t      the lane memories read row ``g``; the clamp memories word ``g``
t + 1  the neighbour slots address the spin memory; the RNG word and next
       state are computed and registered
t + 2  the neighbours' spins select ``+J`` or ``-J`` (registered, with ``h`` and
       the count of down neighbours); the RNG state is written back
t + 3  the adder tree, a register every two levels (``tree_stages`` clocks)
s - 2  the field is saturated and encoded (table index and sign registered)
s - 1  the probability table is read and compared with the random number; the
       new spin (or the clamp value) is registered
s      the group's spins are written (word ``g``) and leave on ``sample``
====== ======================================================================

with ``s = t + stages`` (:func:`~spinemu.sim_golden.pbit_net_mux.mux_stages`: 7 for
degree 3 to 14).

``sample`` carries one group per clock (``sample_valid``), ``groups`` words per
sweep in slot order (:func:`~spinemu.sim_golden.pbit_net_regmap.unpack_spins`).  Writes
that load state (``STATE_IN``, ``CLAMP_*``, ``TBL_*``, ``SEED*``) are for an idle
core (``STATUS.BUSY`` low); reads wait ``READ_SETTLE`` clocks after any write.

Unlike the parallel fabric's flip-flops, memories keep their contents through a reset:
only the configuration of the FPGA sets them (spins -1, no clamps, weights 0, the RNG
streams of ``spec.seed``).  A host that wants the reset streams back loads
``spec.seed`` through the seed window (:func:`~spinemu.sw.pbit_sampler.run_network`
always loads a seed on this fabric).
"""

from __future__ import annotations

from amaranth import Cat, Const, Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from ..sim_golden.pbit_net_mux import TREE_LEVELS_PER_STAGE, weight_bits
from ..sim_golden.pbit_net_spec import Fabric, PBitNetSpec
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
from .pbit_mux_control import MuxSweepControl
from .prob_table_engine import ProbTableEngine
from .rng import rng_next
from .sweep_control import connect_schedule

__all__ = ["PBitMuxTop", "MuxLane"]


def _depth(groups: int) -> int:
    """Memory depth of ``groups`` rows (at least 2: a one-word memory has no address)."""
    return max(2, groups)


class MuxLane(wiring.Component):
    """One lane: the memories of slots ``lane, lane + K, ...`` and their update pipeline.

    Attributes
    ----------
    issue, group : In
        Update row ``group`` (clock ``t``).
    nbr_addr : Out(degree * group bits)
        Spin-memory words of the neighbours (clock ``t + 1``).
    nbr_words : In(degree * lanes)
        Those words (clock ``t + 2``).
    clamp_en, clamp_val : In(1)
        The slot's clamp (clock ``t + stages - 1``, ``stages`` of the layout).
    spin : Out(1)
        The new spin (1 = +1), registered: valid in clock ``t + stages``.
    pt_we, pt_addr, pt_data : In
        Probability-table write (broadcast).
    w_we, w_row, w_data : In
        Write a row of the weight memory: ``h`` lowest, then ``J`` of neighbour 0, 1...
    s_we, s_row, s_data : In
        Write a row of the RNG-state memory (seed loads).
    """

    def __init__(self, *, spec: PBitNetSpec, lane: int):
        if not isinstance(spec, PBitNetSpec) or spec.fabric is not Fabric.MULTIPLEXED:
            raise TypeError(f"spec must be a multiplexed PBitNetSpec, not {spec!r}")
        lay = spec.mux_layout
        if not isinstance(lane, int) or not 0 <= lane < lay.lanes:
            raise ValueError(f"lane must be an integer in 0..{lay.lanes - 1}, not {lane!r}")
        self.spec, self.lane = spec, lane
        self.group_bits = len(Signal(range(_depth(lay.groups))))
        super().__init__(
            {
                "issue": In(1),
                "group": In(self.group_bits),
                "nbr_addr": Out(lay.degree * self.group_bits),
                "nbr_words": In(lay.degree * lay.lanes),
                "clamp_en": In(1),
                "clamp_val": In(1),
                "spin": Out(1),
                "pt_we": In(1),
                "pt_addr": In(prob_index_bits(spec)),
                "pt_data": In(spec.prob_bits),
                "w_we": In(1),
                "w_row": In(self.group_bits),
                "w_data": In((lay.degree + 1) * weight_bits(spec)),
                "s_we": In(1),
                "s_row": In(self.group_bits),
                "s_data": In(spec.rng_model.state_bits),
            }
        )

    def _rom_rows(self) -> tuple[list[int], int]:
        """Rows ``g`` (bit 0: the slot holds a p-bit; then the neighbour slots) and slot bits."""
        lay, lane = self.spec.mux_layout, self.lane
        slot_bits = self.group_bits + (lay.lanes - 1).bit_length()
        rows = []
        for g in range(lay.groups):
            s = g * lay.lanes + lane
            value = int(lay.pbit_of[s] >= 0)
            for d, nb in enumerate(lay.neighbour_slots[s].tolist()):
                value |= nb << (1 + d * slot_bits)
            rows.append(value)
        return rows, slot_bits

    def _rng_rows(self) -> list[int]:
        spec, lay, lane = self.spec, self.spec.mux_layout, self.lane
        states = spec.rng_states()
        rows = []
        for g in range(lay.groups):
            i = lay.pbit_of[g * lay.lanes + lane]
            rows.append(state_value(states[i]) if i >= 0 else 0)
        return rows

    def elaborate(self, platform):
        m = Module()
        spec = self.spec
        lay = spec.mux_layout
        K, D, gb = lay.lanes, lay.degree, self.group_bits
        wb = weight_bits(spec)
        lane_bits = (K - 1).bit_length()
        depth = _depth(lay.groups)
        stages = lay.stages

        rom_rows, slot_bits = self._rom_rows()
        m.submodules.nbrs = nbrs = Memory(shape=1 + D * slot_bits, depth=depth, init=rom_rows)
        m.submodules.weights = weights = Memory(shape=(D + 1) * wb, depth=depth, init=[])
        m.submodules.rng = rng = Memory(shape=spec.rng_model.state_bits, depth=depth, init=self._rng_rows())
        m.submodules.prob = prob = Memory(shape=spec.prob_bits, depth=1 << prob_index_bits(spec), init=[])

        # clock t: read row `group`
        nbr_rd, w_rd, rng_rd = (mem.read_port(transparent_for=()) for mem in (nbrs, weights, rng))
        for rd in (nbr_rd, w_rd, rng_rd):
            m.d.comb += rd.addr.eq(self.group)
        v1, v2 = Signal(name="valid1"), Signal(name="valid2")
        row1, row2 = Signal(gb, name="row1"), Signal(gb, name="row2")
        m.d.sync += [v1.eq(self.issue), v2.eq(v1), row1.eq(self.group), row2.eq(row1)]

        # clock t + 1: neighbour addresses, RNG word and next state, weights registered
        real1 = nbr_rd.data[0]
        sel2 = []
        for d in range(D):
            nb = nbr_rd.data[1 + d * slot_bits : 1 + (d + 1) * slot_bits]
            m.d.comb += self.nbr_addr[d * gb : (d + 1) * gb].eq(nb[lane_bits:])
            sel = Signal(max(1, lane_bits), name=f"nbr_bit{d}")
            if lane_bits:
                m.d.sync += sel.eq(nb[:lane_bits])
            sel2.append(sel)
        word, nxt = rng_next(spec.rng_model, rng_rd.data)
        shift = spec.word_bits - spec.prob_bits
        next2 = Signal(spec.rng_model.state_bits, name="rng_next")
        w2 = Signal((D + 1) * wb, name="weights2")
        real2 = Signal(name="real2")
        m.d.sync += [next2.eq(nxt), w2.eq(w_rd.data), real2.eq(real1)]
        # what the last stages need, carried along: the random number, "holds a p-bit", valid
        carried = {
            "random": delayed(m, word[shift:], "random", 2, stages - 1),
            "real": delayed(m, real2, "real", 3, stages - 1),
            "valid": delayed(m, v2, "valid", 3, stages - 1),
        }

        # clock t + 2: the terms of the field (h, +-J), and the RNG state written back.
        # -J is ~J + 1: the +1s of the down neighbours are added once, as their count.
        width = wb + (D + 1).bit_length() + 1
        terms = [sign_extend(w2[:wb], width)]
        downs = []
        for d in range(D):
            w = sign_extend(w2[(d + 1) * wb : (d + 2) * wb], width)
            up = self.nbr_words[d * K : (d + 1) * K].bit_select(sel2[d], 1) if K > 1 else self.nbr_words[d]
            terms.append(Mux(up, w, ~w))
            downs.append(~up)
        cb = D.bit_length()
        count = tree_sum(m, [Cat(down, Const(0, cb - 1)) for down in downs], cb, "downs")
        terms.append(Cat(count, Const(0, width - len(count))))
        terms3 = [Signal(width, name=f"term3_{k}") for k in range(len(terms))]
        m.d.sync += [q.eq(t) for q, t in zip(terms3, terms, strict=True)]
        # clocks t + 3 ...: the adder tree, registered every TREE_LEVELS_PER_STAGE levels
        field_q = pipelined_tree_sum(m, terms3, width, "field_sum", TREE_LEVELS_PER_STAGE)
        rng_wr = rng.write_port()
        m.d.comb += [
            rng_wr.addr.eq(Mux(self.s_we, self.s_row, row2)),
            rng_wr.data.eq(Mux(self.s_we, self.s_data, next2)),
            rng_wr.en.eq(self.s_we | (v2 & real2)),
        ]

        # clock t + stages - 2: saturate and encode; the table index and the sign registered
        index, negative = encode_field(m, spec, field_q, width)

        # clock t + stages - 1: look up, compare; the new spin (or the clamp value) registered
        prob_rd = prob.read_port(domain="comb")
        m.d.comb += prob_rd.addr.eq(index)
        hit = carried["random"] < prob_rd.data
        new = Mux(self.clamp_en, self.clamp_val, hit ^ negative)
        m.d.sync += self.spin.eq(new & carried["real"] & carried["valid"])

        for mem, we, row, data in (
            (prob, self.pt_we, self.pt_addr, self.pt_data),
            (weights, self.w_we, self.w_row, self.w_data),
        ):
            wr = mem.write_port()
            m.d.comb += [wr.addr.eq(row), wr.data.eq(data), wr.en.eq(we)]
        return m


class PBitMuxTop(MemoryFabricTop):
    """The multiplexed p-bit fabric behind an AXI4-Lite register bank (ports:
    :class:`~.memory_fabric.MemoryFabricTop`; ``sample``: a group of lanes slots per word)."""

    FABRIC = Fabric.MULTIPLEXED

    def elaborate(self, platform):
        m = Module()
        spec = self.spec
        lay = spec.mux_layout
        K, D, G = lay.lanes, lay.degree, lay.groups
        stages = lay.stages
        bank = self.bank(m)
        csr = bank.csr
        m.submodules.control = control = MuxSweepControl(spec=spec)
        m.submodules.engine = engine = ProbTableEngine(spec=spec)
        lanes = [MuxLane(spec=spec, lane=lane) for lane in range(K)]
        for lane, unit in enumerate(lanes):
            m.submodules[f"lane{lane}"] = unit
        gb = lanes[0].group_bits
        depth = _depth(G)

        # -- pipeline bookkeeping: valid bits and the group of each stage ---------------------
        valid = [control.issue]
        rows = [control.group]
        for k in range(1, stages + 1):
            v, r = Signal(name=f"valid{k}"), Signal(gb, name=f"row{k}")
            m.d.sync += [v.eq(valid[-1]), r.eq(rows[-1])]
            valid.append(v)
            rows.append(r)
        in_flight = Cat(*valid[1:]).any()

        # -- probability tables (broadcast to every lane), sweeps and the beta schedule ------
        pt = probability_tables(m, engine, control, in_flight)
        connect_schedule(m, control, csr)

        # -- spins: one word per group, a copy per reader (each lane's neighbour d, and the
        # bus); every copy takes every write.  (One memory with all the read ports would be
        # the same thing, but yosys' memory_libmap fails on it.)
        spin_we, spin_addr = Signal(name="spin_we"), Signal(gb, name="spin_addr")
        spin_data = Signal(K, name="spin_data")

        def spin_copy(name):
            m.submodules[name] = mem = Memory(shape=K, depth=depth, init=[])
            wr = mem.write_port()
            m.d.comb += [wr.en.eq(spin_we), wr.addr.eq(spin_addr), wr.data.eq(spin_data)]
            return mem.read_port(transparent_for=())

        m.submodules.clamp_en = clamp_en = Memory(shape=K, depth=depth, init=[])
        m.submodules.clamp_val = clamp_val = Memory(shape=K, depth=depth, init=[])
        word_sel = csr.WORD_SEL
        # the bus side: the word at WORD_SEL (spins, clamp enables) and its new value
        old_rd = spin_copy("spins_bus")
        en_rd = clamp_en.read_port(transparent_for=())
        m.d.comb += [old_rd.addr.eq(word_sel), en_rd.addr.eq(word_sel)]
        old = old_rd.data
        bus_write, bus_spins = bus_spin_words(m, csr, old, en_rd.data)

        # the datapath side: group issued at t, clamps in the clock before the spins are written
        new_group = Cat(*(unit.spin for unit in lanes))
        m.d.comb += [
            spin_addr.eq(Mux(bus_write, word_sel, rows[stages])),
            spin_data.eq(Mux(bus_write, bus_spins, new_group)),
            spin_we.eq(bus_write | valid[stages]),
            self.sample.eq(new_group),
            self.sample_valid.eq(valid[stages]),
        ]
        clamp_writes(m, csr, clamp_en, clamp_val, old)
        clamp_rd = [mem.read_port(transparent_for=()) for mem in (clamp_en, clamp_val)]
        clamp_q = []
        for rd, name in zip(clamp_rd, ("clamp_en", "clamp_val"), strict=True):
            m.d.comb += rd.addr.eq(control.group)
            clamp_q.append(delayed(m, rd.data, name, 2, stages - 1))

        # -- lanes --------------------------------------------------------------------------
        # weight window: TBL_ADDR sets the slot; TBL_DATA fills h, J0, J1, ... and stores
        wb = weight_bits(spec)
        slot = Signal(len(csr.TBL_ADDR), name="tbl_slot")
        field = Signal(range(D + 1), name="tbl_field")
        staged = Signal(D * wb, name="tbl_staged")
        store = csr.TBL_DATA_wstb & (field == D)
        with m.If(csr.TBL_ADDR_wstb):
            m.d.sync += [slot.eq(csr.TBL_ADDR), field.eq(0)]
        with m.Elif(csr.TBL_DATA_wstb):
            with m.If(store):
                m.d.sync += [slot.eq(slot + 1), field.eq(0)]
            with m.Else():
                m.d.sync += [field.eq(field + 1), staged.word_select(field, wb).eq(csr.TBL_DATA)]
        seed_store, seed_slot, seed_state = seed_window(m, csr, spec)
        lane_bits = (K - 1).bit_length()

        def lane_of(s):
            return s[:lane_bits] if lane_bits else Const(0, 1)

        # the window writes reach the lanes a clock after the bus strobe, registered here
        # (decoded per lane), so that the bank's commit logic does not reach every memory
        w_row, s_row = Signal(gb, name="w_row"), Signal(gb, name="s_row")
        w_data = Signal(len(lanes[0].w_data), name="w_data")
        s_data = Signal(len(lanes[0].s_data), name="s_data")
        m.d.sync += [
            w_row.eq(slot[lane_bits:]),
            w_data.eq(Cat(staged, csr.TBL_DATA[:wb])),
            s_row.eq(seed_slot[lane_bits:]),
            s_data.eq(seed_state),
        ]
        for lane, unit in enumerate(lanes):
            w_we, s_we = Signal(name=f"w_we{lane}"), Signal(name=f"s_we{lane}")
            m.d.sync += [
                w_we.eq(store & (lane_of(slot) == lane)),
                s_we.eq(seed_store & (lane_of(seed_slot) == lane)),
            ]
            m.d.comb += [
                unit.issue.eq(control.issue),
                unit.group.eq(control.group),
                unit.clamp_en.eq(clamp_q[0][lane]),
                unit.clamp_val.eq(clamp_q[1][lane]),
                unit.pt_we.eq(pt[0]),
                unit.pt_addr.eq(pt[1]),
                unit.pt_data.eq(pt[2]),
                unit.w_we.eq(w_we),
                unit.w_row.eq(w_row),
                unit.w_data.eq(w_data),
                unit.s_we.eq(s_we),
                unit.s_row.eq(s_row),
                unit.s_data.eq(s_data),
            ]
            for d in range(D):
                rd = spin_copy(f"spins_l{lane}_n{d}")
                m.d.comb += [
                    rd.addr.eq(unit.nbr_addr[d * gb : (d + 1) * gb]),
                    unit.nbr_words[d * K : (d + 1) * K].eq(rd.data),
                ]

        read_side(m, bank, self.s_axi, spec, busy=control.running | control.active | in_flight,
                  tables_busy=engine.busy)  # fmt: skip
        return m
