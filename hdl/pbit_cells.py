"""The p-bits of the network: per p-bit two table reads, one comparator and an RNG.

Semantics: :mod:`spinemu.sim_golden.pbit_net_spec`; table contents:
:mod:`spinemu.sim_golden.pbit_net_tables`.  Every p-bit ``i`` holds

* its **field tables** (LUT RAM, one per group of at most six neighbours): read
  asynchronously at the address made of its neighbours' spins, they give the code of
  its saturated local field (single group) or partial sums that a small adder tree
  adds, saturates and encodes (p-bits of degree > 6);
* its **probability table** (LUT RAM) read at that code (plus its own spin in
  telegraph mode), giving the ``prob_bits`` threshold;
* its RNG (a leaped LFSR inline, or a xoshiro128++ submodule), whose top ``prob_bits``
  bits are compared with the threshold;
* its spin and clamp flip-flops.

On a clock with ``fire[c]`` high the p-bits of color ``c`` take their new spin (unless
clamped) and advance their RNG; all of them read
the same old spins, so one clock updates one whole color class.  Writes to the tables
come already decoded: a p-bit is selected by ``hi[i // 32] & lo[i % 32]``.

With ``spec.replicas = P > 1`` a p-bit holds ``P`` spins and the update is a pipeline
of :data:`~spinemu.sim_golden.pbit_net_spec.REPLICA_STAGES` clocks, so that no path
runs from a neighbour's flip-flop through both tables and the comparator: in the
issue clock each p-bit offers its spin of the issued replica (``nb_out``, one
multiplexer) and registers its neighbours' offers; the next clock registers the field
code read from the field tables at those spins; the third reads the probability table,
compares, registers the new spin beside the comparator and steps the RNG; the fourth
writes that replica's spin.  The sweep control issues replica ``0 .. P - 1`` of a color
on consecutive clocks and the next color only when replica 0 of this one has been
written (:attr:`~.PBitNetSpec.color_window`), so every update still reads current
spins: exact Gibbs for each of the ``P`` chains.

The probability-table writes of the shared engine (:mod:`.prob_table_engine`) are
registered once per 32 p-bits, so that their fan-out to every p-bit starts close to it.

Each p-bit is its own component (:class:`PBitCell`), so the generated Verilog has one
small module per p-bit: synthesis maps each module's memories on their own (yosys'
``memory_libmap`` is quadratic in the size of one flat module) and a p-bit's cost can
be read off its module.
"""

from __future__ import annotations

from amaranth import Cat, Const, Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from ..sim_golden.pbit_net_regmap import table_data_bits
from ..sim_golden.pbit_net_spec import REPLICA_STAGES, PBitMode, PBitNetSpec
from ..sim_golden.pbit_net_tables import field_groups, partial_bits, prob_index_bits, table_layout
from ..sim_golden.rng import RNGKind
from .fixed import saturate_symmetric, sign_extend, tree_sum
from .rng import lfsr_logic, rng_for

__all__ = ["PBitCell", "PBitCells", "select_widths"]

#: The attribute on each p-bit's (or word's) own copy of a broadcast: synthesis would
#: otherwise merge the copies back into one flip-flop of high fan-out (gen/synth.py moves
#: ``keep`` onto yosys' flip-flops; Vivado honours it on registers).
_KEEP = {"keep": "true"}


def _replica_ports(replicas: int) -> dict:
    """The ports a p-bit of an interleaved network adds (one-hot replica selects)."""
    return {
        "nb_out": Out(1),
        "issue_next": In(replicas),
        "write_next": In(replicas),
        "view_next": In(replicas),
        "load_hot": In(replicas),
    }


def select_widths(n: int) -> tuple[int, int]:
    """Widths of the ``(hi, lo)`` one-hot p-bit selects: ``ceil(n / 32)`` and ``min(n, 32)``."""
    return -(-n // 32), min(n, 32)


class PBitCell(wiring.Component):
    """P-bit ``index`` of ``spec``: its tables, RNG, comparator, spin and clamp.

    Attributes
    ----------
    neighbours : In(max(1, degree))
        Spins of its neighbours, in the order of ``spec.neighbours[index]``.
    update : In(1)
        Its color updates this clock (with replicas: next clock).
    seed_shift, chain_in, chain_out
        The seed chain through its RNG (``chain_bits`` wide).
    ft_select, ft_group, ft_pattern, ft_data
        Write its field-table entry ``ft_pattern`` of group ``ft_group``.
    pt_select, pt_addr, pt_data
        Write its probability-table entry ``pt_addr``.
    word_select, load_state, load_clamp_en, load_clamp_val, word_bit
        Its 32-p-bit word is selected: load its spin (unclamped) / clamp flag / spin
        (clamped) from ``word_bit``.
    spin : Out(1)
        Its spin (with replicas: registered, of the replica ``view_next`` named two
        clocks earlier).
    nb_out, issue_next, write_next, view_next, load_hot : Out(1), In(replicas) x 4
        Only with replicas: its spin of the issued replica (to its neighbours); one-hot
        a clock ahead, into the p-bit's own flip-flops, the replica issued, the replica
        written and the replica ``spin`` shows; and the replicas a ``load_state`` writes
        (a clamp value writes them all).  Every signal that reaches all p-bits thus
        ends in a flip-flop of each: no path crosses the fabric twice.
    """

    def __init__(self, *, spec: PBitNetSpec, index: int):
        if not isinstance(spec, PBitNetSpec):
            raise TypeError(f"spec must be a PBitNetSpec, not {spec!r}")
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < spec.n:
            raise ValueError(f"index must be a p-bit of the spec (0..{spec.n - 1}), not {index!r}")
        self.spec = spec
        self.index = index
        group_bits, pattern_bits = table_layout(spec)
        super().__init__(
            {
                "neighbours": In(max(1, len(spec.neighbours[index]))),
                "update": In(1),
                "seed_shift": In(1),
                "chain_in": In(spec.chain_bits),
                "chain_out": Out(spec.chain_bits),
                "ft_select": In(1),
                "ft_group": In(max(1, group_bits)),
                "ft_pattern": In(pattern_bits),
                "ft_data": In(table_data_bits(spec)),
                "pt_select": In(1),
                "pt_addr": In(prob_index_bits(spec)),
                "pt_data": In(spec.prob_bits),
                "word_select": In(1),
                "load_state": In(1),
                "load_clamp_en": In(1),
                "load_clamp_val": In(1),
                "word_bit": In(1),
                "spin": Out(1),
                **(_replica_ports(spec.replicas) if spec.replicas > 1 else {}),
            }
        )

    def _field_code(self, m, neighbours):
        """The probability-table code of the saturated field (from the field tables read
        at the spins ``neighbours``)."""
        spec = self.spec
        groups = field_groups(spec)[self.index]
        single = len(groups) == 1
        width = spec.acc_bits if single else partial_bits(spec)
        reads = []
        first = 0
        for g, edges in enumerate(groups):
            bits = max(1, len(edges))
            table = Memory(shape=width, depth=1 << bits, init=[])
            m.submodules[f"field{g}"] = table
            write = table.write_port()
            read = table.read_port(domain="comb")
            pattern = neighbours[first : first + len(edges)] if edges else Const(0, 1)
            first += len(edges)
            en = self.ft_select if single else self.ft_select & (self.ft_group == g)
            m.d.comb += [
                read.addr.eq(pattern),
                write.addr.eq(self.ft_pattern[:bits]),
                write.data.eq(self.ft_data[:width]),
                write.en.eq(en),
            ]
            reads.append(read.data)
        if single:
            return reads[0]
        a = spec.acc_bits
        wide = width + (len(groups) - 1).bit_length()
        total = tree_sum(m, [sign_extend(r, wide) for r in reads], wide, "field_sum")
        field = saturate_symmetric(m, total, wide, a, "field")
        if not spec.symmetric:
            return field
        code = Signal(a, name="field_code")
        sign = field[a - 1]
        magnitude = Mux(sign, (~field + 1)[: a - 1], field[: a - 1])
        m.d.comb += code.eq(Cat(magnitude, sign))
        return code

    def elaborate(self, platform):
        m = Module()
        spec = self.spec
        a = spec.acc_bits
        P = spec.replicas
        if P == 1:
            spin = Signal()
            m.d.comb += self.spin.eq(spin)
            code = self._field_code(m, self.neighbours)
            update, own = self.update, spin
        else:
            # replica r's spin is spins[r]; issue: the neighbours' spins of the issued
            # replica are registered here; then the field code; then the spin is written
            spins = Signal(P)
            issue_sel, write_sel, view_sel = (
                Signal(P, name=f"{k}_sel", attrs=_KEEP) for k in ("issue", "write", "view")
            )
            update = Signal(name="update_q", attrs=_KEEP)
            m.d.sync += [
                issue_sel.eq(self.issue_next),
                write_sel.eq(self.write_next),
                view_sel.eq(self.view_next),
                update.eq(self.update),
            ]
            # the spin shown is registered here, so the readout (STATE, the sample port,
            # the capture buffer) does not pull the spins away from the neighbours
            m.d.sync += self.spin.eq((spins & view_sel).any())
            m.d.comb += self.nb_out.eq((spins & issue_sel).any())
            pattern = Signal(len(self.neighbours), name="neighbours_q")
            m.d.sync += pattern.eq(self.neighbours)
            code = Signal(a, name="code_q")
            m.d.sync += code.eq(self._field_code(m, pattern))
            own = (spins & write_sel).any()

        # probability table at the code (+ own spin in telegraph mode)
        table = Memory(shape=spec.prob_bits, depth=1 << prob_index_bits(spec), init=[])
        m.submodules.prob = table
        write = table.write_port()
        read = table.read_port(domain="comb")
        if spec.symmetric:
            index, negative = code[: a - 1], code[a - 1]
        else:
            index, negative = code, 0
        telegraph = spec.mode is PBitMode.TELEGRAPH
        if telegraph:
            index = Cat(index, own)
        m.d.comb += [
            read.addr.eq(index),
            write.addr.eq(self.pt_addr),
            write.data.eq(self.pt_data),
            write.en.eq(self.pt_select),
        ]

        # RNG: advances on every update of the p-bit's color (clamped or not)
        init = [int(x) for x in spec.rng_states()[self.index]]
        random_shift = spec.word_bits - spec.prob_bits
        if spec.rng is RNGKind.LFSR:
            state = lfsr_logic(
                m,
                model=spec.rng_model,
                init=init[0],
                chain_bits=spec.chain_bits,
                en=update,
                shift=self.seed_shift,
                shift_in=self.chain_in,
                name="rng",
            )
            random = state[random_shift:]
            m.d.comb += self.chain_out.eq(state[spec.lfsr_width - spec.chain_bits :])
        else:
            m.submodules.rng = rng = rng_for(spec.rng_model, init)
            m.d.comb += [
                rng.en.eq(update),
                rng.shift.eq(self.seed_shift),
                rng.shift_in.eq(self.chain_in),
                self.chain_out.eq(rng.shift_out),
            ]
            random = rng.word[random_shift:]
        # the new spin is (random < threshold) XOR sense: the field's sign, or in telegraph
        # mode the spin before the update (a hit flips it)
        sense = own if telegraph else negative

        # spin and clamp flip-flops
        clamped = Signal()
        with m.If(self.load_clamp_en & self.word_select):
            m.d.sync += clamped.eq(self.word_bit)
        load = self.word_select & Mux(clamped, self.load_clamp_val, self.load_state)
        if P == 1:
            with m.If(load):
                m.d.sync += spin.eq(self.word_bit)
            with m.Elif(update & ~clamped):
                m.d.sync += spin.eq((random < read.data) ^ sense)
            return m
        # The comparison is registered beside the comparator and the spin written a clock
        # later (the long route to the spins starts from that flip-flop).  The comparator's
        # carry out is registered as it is, random >= threshold, so that no LUT sits
        # between the carry chain and its flip-flop, and the sense beside it inverted to
        # make up for it.  put_sel: the replica written next clock, none if the color did
        # not update.
        miss_q, sense_q = Signal(name="miss_q"), Signal(name="sense_n_q")
        put_sel = Signal(P, name="put_sel", attrs=_KEEP)
        m.d.sync += [
            miss_q.eq(random >= read.data),
            sense_q.eq(~sense),
            put_sel.eq(Mux(update, write_sel, 0)),
        ]
        # One data input for every replica (the loaded bit, else the new spin) and an
        # enable each: a clamp value sets every replica, a state load the replicas of
        # load_hot, an update the replica of put_sel unless clamped.  (A load takes the
        # clock: an update of another replica in the same clock is dropped; loads come
        # while the network is idle.)
        data = Signal(name="spin_data")
        m.d.comb += data.eq(Mux(load, self.word_bit, miss_q ^ sense_q))
        for r in range(P):
            with m.If((load & (clamped | self.load_hot[r])) | (~load & put_sel[r] & ~clamped)):
                m.d.sync += spins[r].eq(data)
        return m


class PBitCells(wiring.Component):
    """All ``n`` p-bits of ``spec`` (one :class:`PBitCell` each), wired to their neighbours.

    Attributes
    ----------
    fire : In(num_colors)
        Color ``c`` updates this clock (registered by the sweep control).
    seed_shift, seed_in : In(1), In(32)
        Shift ``seed_in`` into the RNG seed chain (``chain_bits`` bits per clock).
    ft_en, ft_hi, ft_lo, ft_group, ft_pattern, ft_data
        Field-table write: entry ``ft_pattern`` of group ``ft_group`` of the selected p-bit.
    pt_en, pt_hi, pt_lo, pt_addr, pt_data
        Probability-table write: entry ``pt_addr`` of the selected p-bit's table, or of
        every p-bit's when ``spec.broadcast_tables`` (``pt_hi``/``pt_lo`` are then unused);
        it lands a clock later (registered per 32-p-bit word).
    word_hot : In(state_words)
        One-hot 32-p-bit word for the three loads below.
    load_state, load_clamp_en, load_clamp_val, word_data : In(1), In(1), In(1), In(32)
        Load spins of the unclamped p-bits of the word, their clamp flags, or the spins
        of the clamped ones, from ``word_data`` (bit ``i`` = p-bit ``32k + i``).
    spins : Out(n)
        Current spins (1 = +1).  With replicas registered: those of ``view_hot`` set
        two clocks earlier, or, while ``written`` is high, of the replica whose sweep
        ended.
    ghosts : In(spec.ghosts)
        Only on a device of a machine: the ghost spins (edge indices ``n ..``), read as
        neighbours like the p-bits' own spins.
    replica, replica_next, view_hot, load_hot : In(replicas)
        Only with replicas: the replica issued this clock (with ``fire``) and next clock
        (if any), the replica ``spins`` shows and the replicas a state load writes.
    written, in_flight : Out(1), Out(1)
        Only with replicas: ``spins`` is the sample of a replica that completed a sweep
        (its last color was written two clocks ago); updates are issued and not yet
        written, or a sample is on its way.
    """

    def __init__(self, *, spec: PBitNetSpec):
        if not isinstance(spec, PBitNetSpec):
            raise TypeError(f"spec must be a PBitNetSpec, not {spec!r}")
        self.spec = spec
        hi, lo = select_widths(spec.n)
        group_bits, pattern_bits = table_layout(spec)
        super().__init__(
            {
                "fire": In(spec.num_colors),
                "seed_shift": In(1),
                "seed_in": In(32),
                "ft_en": In(1),
                "ft_hi": In(hi),
                "ft_lo": In(lo),
                "ft_group": In(max(1, group_bits)),
                "ft_pattern": In(pattern_bits),
                "ft_data": In(table_data_bits(spec)),
                "pt_en": In(1),
                "pt_hi": In(hi),
                "pt_lo": In(lo),
                "pt_addr": In(prob_index_bits(spec)),
                "pt_data": In(spec.prob_bits),
                "word_hot": In(spec.state_words),
                "load_state": In(1),
                "load_clamp_en": In(1),
                "load_clamp_val": In(1),
                "word_data": In(32),
                "spins": Out(spec.n),
                **({"ghosts": In(spec.ghosts)} if spec.ghosts else {}),
                **(
                    {
                        "replica": In(spec.replicas),
                        "replica_next": In(spec.replicas),
                        "view_hot": In(spec.replicas),
                        "load_hot": In(spec.replicas),
                        "written": Out(1),
                        "in_flight": Out(1),
                    }
                    if spec.replicas > 1
                    else {}
                ),
            }
        )

    def _table_writes(self, m) -> list[tuple]:
        """The probability-table write, registered once per 32-p-bit word: ``(en, lo,
        addr, data)`` for each word, a clock after ``pt_*``.  The engine's write reaches
        every p-bit; from one flip-flop that fan-out was the slowest path of the network,
        from one per word it stays local.  (Kept, or synthesis merges the copies.)"""
        spec = self.spec
        out = []
        for w in range(spec.state_words):
            en = Signal(name=f"pt_en_w{w}", attrs=_KEEP)
            lo = Signal(len(self.pt_lo), name=f"pt_lo_w{w}", attrs=_KEEP)
            addr = Signal(len(self.pt_addr), name=f"pt_addr_w{w}", attrs=_KEEP)
            data = Signal(spec.prob_bits, name=f"pt_data_w{w}", attrs=_KEEP)
            hit = self.pt_en if spec.broadcast_tables else self.pt_en & self.pt_hi[w]
            m.d.sync += [en.eq(hit), addr.eq(self.pt_addr), data.eq(self.pt_data)]
            if not spec.broadcast_tables:
                m.d.sync += lo.eq(self.pt_lo)
            out.append((en, lo, addr, data))
        return out

    def elaborate(self, platform):
        m = Module()
        spec = self.spec
        chain = self.seed_in[: spec.chain_bits]
        cells = []
        P = spec.replicas
        update = self.fire
        if P > 1:
            # the issue's color and replica, one and two clocks on (the write stage); the
            # p-bits take the first copy into flip-flops of their own
            fire_q = [Signal(spec.num_colors, name=f"fire_q{k}") for k in range(REPLICA_STAGES - 1)]
            hot_q = [Signal(P, name=f"replica_q{k}") for k in range(REPLICA_STAGES - 1)]
            m.d.sync += [fire_q[0].eq(self.fire), hot_q[0].eq(self.replica)]
            for k in range(1, REPLICA_STAGES - 1):
                m.d.sync += [fire_q[k].eq(fire_q[k - 1]), hot_q[k].eq(hot_q[k - 1])]
            update = fire_q[0]
            # the last color's write of a replica completes its sweep; its sample is on
            # `spins` two clocks later (each p-bit registers the replica shown, then the spin)
            done = Signal(name="sweep_written")
            m.d.sync += [done.eq(fire_q[-1][-1]), self.written.eq(done)]
            m.d.comb += self.in_flight.eq(Cat(*fire_q).any() | done | self.written)
            view_next = Signal(P, name="view_next")  # the replica the p-bits will show
            m.d.comb += view_next.eq(Mux(fire_q[-1][-1], hot_q[-1], self.view_hot))
        pt_writes = self._table_writes(m)
        for i in range(spec.n):
            cell = PBitCell(spec=spec, index=i)
            m.submodules[f"pbit{i}"] = cell
            cells.append(cell)
            word, bit = divmod(i, 32)
            pt_en, pt_lo, pt_addr, pt_data = pt_writes[word]
            pt_select = pt_en if spec.broadcast_tables else pt_en & pt_lo[bit]
            m.d.comb += [
                cell.update.eq(update[int(spec.colors[i])]),
                cell.seed_shift.eq(self.seed_shift),
                cell.chain_in.eq(chain),
                cell.ft_select.eq(self.ft_en & self.ft_hi[word] & self.ft_lo[bit]),
                cell.ft_group.eq(self.ft_group),
                cell.ft_pattern.eq(self.ft_pattern),
                cell.ft_data.eq(self.ft_data),
                cell.pt_select.eq(pt_select),
                cell.pt_addr.eq(pt_addr),
                cell.pt_data.eq(pt_data),
                cell.word_select.eq(self.word_hot[word]),
                cell.load_state.eq(self.load_state),
                cell.load_clamp_en.eq(self.load_clamp_en),
                cell.load_clamp_val.eq(self.load_clamp_val),
                cell.word_bit.eq(self.word_data[bit]),
                self.spins[i].eq(cell.spin),
            ]
            chain = cell.chain_out
        for cell in cells if P > 1 else ():
            m.d.comb += [
                cell.issue_next.eq(self.replica_next),
                cell.write_next.eq(hot_q[0]),
                cell.view_next.eq(view_next),
                cell.load_hot.eq(self.load_hot),
            ]
        n = spec.n
        for i, cell in enumerate(cells):
            nbs = [
                self.ghosts[nb - n] if nb >= n else cells[nb].spin if P == 1 else cells[nb].nb_out
                for nb, _ in spec.neighbours[i]
            ]
            m.d.comb += cell.neighbours.eq(Cat(*nbs) if nbs else 0)
        return m
