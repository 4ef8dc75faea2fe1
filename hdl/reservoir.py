"""Gateware of the time-multiplexed STNO reservoir core and its AXI4-Lite top level.

Semantics are those of :class:`spinemu.sim_golden.reservoir_fixed.ReservoirFixed`; the
arithmetic (formats, rounding, saturation, the node maps and their composition) is
stated in :mod:`spinemu.sim_golden.reservoir_spec`, and the register map is
``spec.regmap``.

A new virtual node enters the datapath every clock.  The datapath is a free-running
pipeline (:class:`~spinemu.hdl.pipeline.Pipeline`, no enable): the current ``z``, the
exponents ``A``/``B``, the table lookup with interpolation, the node map, its
composition with the previous five maps, the six-clock state loop ``w_n = E w_{n-6} +
beta`` and a pipelined divider ``x = 2**(state_f + 24) // w``; :func:`latency` clocks
from issue to the state.  Nodes are issued in order while three conditions hold:

* the delay line already holds ``x[n - D]`` (fewer than ``D`` nodes in flight, checked
  a clock ahead: with ``D > latency + 1`` one node per clock, otherwise ``D - 1`` nodes
  per ``latency + 1`` clocks);
* the output FIFO has room for every node in flight (credits), so backpressure on the
  ``state`` stream never stops the pipeline;
* ``CTRL.HOLD`` is clear, or the previous node has been read (``NEXT``).

The ``state`` stream (``state_payload``/``state_valid``/``state_ready``/``state_last``,
AXI4-Stream rules) comes out of the FIFO (:class:`~spinemu.hdl.block_ram.RegisteredFIFO`,
whose output register is the block RAM's own): a word stays valid, unchanged, until ``ready``
takes it; only the order of the states is architectural, so stalls never change them.
``state_last`` marks the last node of each input sample (one packet per sample: what a
DMA S2MM transfer ends on).  With ``CTRL.HOLD`` the stream is silent (states are read
through ``STATE``; the FIFO is emptied).

Input samples arrive through the ``INPUT`` register or the ``input`` stream
(``input_payload``/``input_valid``/``input_ready``, raw signed ``input_bits``): both fill
the one-sample holding register, which the issue logic empties when it starts a sample.
``input_ready`` is low while the holding register is full, in the clock of an ``INPUT``
or ``RESTART`` write and the next (the register wins; both act a clock after the write).

``RESTART`` clears the pipeline and computes ``w = 2**(state_f + 24) // PDC`` with a
sequential divider (``BUSY`` for ``state_f + 25`` clocks); the same happens after reset.

The readout multiply-accumulate follows the states as they are delivered (as they leave
the FIFO, or the pipeline in register mode), so a prediction never runs ahead of its
states: after the last node of a sample has been taken it emits ``pred`` /
``pred_valid`` (a plain pulse, no backpressure: one per sample, also readable through
``PRED``/``PRED_COUNT``), and ``PRED`` holds it until the next sample's last state is taken.
"""

from __future__ import annotations

from amaranth import Array, Cat, Const, Module, Mux, ResetInserter, Signal, signed, unsigned
from amaranth.lib import wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from ..sim_golden.reservoir_spec import A_SPAN_LOG2, LOOKAHEAD, MAP_FRAC_BITS, ReservoirSpec
from .axil import AXI4LiteSignature, CSRBank
from .block_ram import NO_RW_CHECK, RegisteredFIFO
from .fixed import one_hot, saturate
from .pipeline import Pipeline

__all__ = ["ReservoirTop", "OUTPUT_FIFO_DEPTH", "ROM_BANK_DEPTH", "latency"]

#: Depth of the output FIFO; the issue logic keeps at most this many nodes unread.
OUTPUT_FIFO_DEPTH = 128
#: Words per bank of the node-map ROM: 2K x 9 is a native shape of an ECP5 DP16KD and
#: 2K x 18 of an xc7 RAMB36, so a bank needs no depth cascade (and no mux) inside.
ROM_BANK_DEPTH = 2048


# The memories carry NO_RW_CHECK (no read-during-write logic between a block RAM and the
# register that folds into it): the delay line never reads the entry written in the same
# clock (a node issues only after the state D nodes back is written), and a MASK_DATA or
# W_DATA write that lands on the entry a running sample reads in that clock gives that
# node either value (load masks and weights between samples).


class _LinePipeline(Pipeline):
    """A :class:`~spinemu.hdl.pipeline.Pipeline` whose narrow delay lines are shift
    registers.

    A value of at most :attr:`LINE_BITS` bits that :meth:`at` carries over several stages
    (a node's slot, its first-six flag, ``fb_on``, the divider's ``w_small``, and the
    valid bits of :meth:`valid_at`) is held in shift registers of up to 64 bits, its
    stages tapped by wires.  These are the same flip-flops as a chain of per-stage
    registers, clock for clock, but a cycle-based simulator (the native Verilator model)
    updates a line with one shift of a machine word instead of one copy per stage.  Call
    :meth:`finish` once every stage has been asked for.

    :meth:`tree` adds two terms of the tree's own width as unsigned numbers: the sum is cut
    to that width, whose bits do not depend on the operands' signedness, and a simulator
    then does not sign-extend both operands first.
    """

    #: Widest value whose delays go into a shift register.
    LINE_BITS = 8

    def __init__(self, *, clear):
        super().__init__(clear=clear)
        self._lines: dict[int, tuple[Signal, int, dict[int, Signal]]] = {}
        self._finished = False

    def at(self, sig, stage: int):
        src = self.stage_of(sig)
        if src is None or stage <= src or len(sig) > self.LINE_BITS:
            return super().at(sig, stage)
        if self._finished:
            raise RuntimeError("the pipeline's delay lines are already built")
        _, _, taps = self._lines.setdefault(id(sig), (sig, src, {}))
        if stage not in taps:
            taps[stage] = self.mark(Signal(sig.shape(), name=f"{sig.name}_s{stage}"), stage)
        return taps[stage]

    def valid_at(self, stage: int):
        while len(self._valid) <= stage:
            if self._finished:
                raise RuntimeError("the pipeline's valid bits are already built")
            self._valid.append(Signal(name=f"valid_s{len(self._valid)}"))
        return self._valid[stage]

    def finish(self) -> None:
        """Build the shift registers behind the taps handed out so far."""
        if self._finished:
            return
        self._finished = True
        for sig, src, taps in self._lines.values():
            delayed = self._line(sig.name, sig, max(taps) - src, reset_less=True)
            for k, tap in taps.items():
                self.m.d.comb += tap.eq(delayed[k - src - 1])
        if len(self._valid) > 1:
            # valid_s{k} = valid_s{k-1} & ~clear, registered (with reset), for every k
            delayed = self._line("valid", self._valid[0], len(self._valid) - 1, clear=self.clear)
            for tap, bit in zip(self._valid[1:], delayed, strict=True):
                self.m.d.comb += tap.eq(bit)

    def _line(self, name: str, value, stages: int, *, reset_less: bool = False, clear=None) -> list:
        """``value`` delayed by 1 .. ``stages`` clocks (registers of at most 64 bits, each a
        shift register of whole values); returns the delayed values, the newest first."""
        w = len(value)
        per = max(1, 64 // w)  # values per register
        out, head = [], value
        for j in range(0, stages, per):
            n = min(per, stages - j)
            reg = Signal(w * n, name=f"{name}_line{j // per}", reset_less=reset_less)
            nxt = Cat(head, reg[:-w])
            self.m.d.sync += reg.eq(nxt if clear is None else Mux(clear, 0, nxt))
            out += [reg[i * w : (i + 1) * w] for i in range(n)]
            head = out[-1]
        return out

    @staticmethod
    def _add(a, b, width: int):
        """:meth:`Pipeline.tree <spinemu.hdl.pipeline.Pipeline.tree>`'s adder, with two
        terms of the tree's own width added unsigned (the same bits once cut to it)."""
        if not isinstance(a, int) and not isinstance(b, int) and len(a) == width and len(b) == width:
            return a.as_unsigned() + b.as_unsigned()
        return a + b


def _pointer_writes(m: Module, port, csr, prefix: str, *, depth: int) -> None:
    """A memory loaded over the bus: ``<prefix>_ADDR`` sets a pointer, each ``<prefix>_DATA``
    write stores at it and advances it (wrapping).  The write reaches the block one clock
    after the bus write (address, data and enable registered), so the bus decode does not
    drive the block's pins."""
    ptr = Signal(range(depth), name=f"{prefix.lower()}_ptr")
    stb = getattr(csr, f"{prefix}_DATA_wstb")
    with m.If(getattr(csr, f"{prefix}_ADDR_wstb")):
        m.d.sync += ptr.eq(getattr(csr, f"{prefix}_ADDR"))
    with m.Elif(stb):
        m.d.sync += ptr.eq(Mux(ptr == depth - 1, 0, ptr + 1))
    m.d.sync += [port.addr.eq(ptr), port.data.eq(getattr(csr, f"{prefix}_DATA").as_signed()), port.en.eq(stb)]


def _half(s: int) -> int:
    """The rounding constant of ``rs(x, s)`` (0 for ``s = 0``)."""
    return 1 << (s - 1) if s else 0


def _signed_bits(bound: int) -> int:
    """Bits of a signed register holding ``[-bound, bound]``."""
    return bound.bit_length() + 1


def _sat_unsigned(x, width: int):
    """``x`` (signed) clamped to ``[0, 2**width - 1]`` by its sign and overflow bits."""
    over = x[width:-1].any() if len(x) > width + 1 else Const(0)
    return Mux(x[-1], 0, Mux(over, (1 << width) - 1, x[:width]))


def _node_table_words(spec: ReservoirSpec) -> tuple[list[int], list[tuple[int, int, bool]]]:
    """The ROM of the node maps: one word per table point packing ``ET, DE, GT, DG``;
    returns ``(words, [(offset, width, signed)])``."""
    cols = spec.node_tables
    fields, off = [], 0
    for col, sgn in zip(cols, (False, True, False, True), strict=True):
        lo, hi = int(col.min()), int(col.max())
        width = max(_signed_bits(max(-lo, hi)) if sgn else hi.bit_length(), 1)
        fields.append((off, width, sgn))
        off += width
    words = [0] * len(cols[0])
    for col, (o, w, _) in zip(cols, fields, strict=True):
        mask = (1 << w) - 1
        for j, v in enumerate(col.tolist()):
            words[j] |= (v & mask) << o
    return words, fields


def latency(spec: ReservoirSpec) -> int:
    """Clocks from issuing a node to its state (written to the delay line and the FIFO)."""
    return ReservoirTop(spec=spec).datapath_latency()


class ReservoirTop(wiring.Component):
    """The reservoir datapath behind an AXI4-Lite register bank, with its streams.

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
        self._latency = None

    def datapath_latency(self) -> int:
        """Clocks from issue to state (elaborates the datapath once)."""
        if self._latency is None:
            self.elaborate(None)
        return self._latency

    # -- the datapath ----------------------------------------------------------------------
    def _datapath(self, m, pipe: Pipeline, regs: dict, mask_q, dl_q, issue: dict, restart):
        """Issue registers (stage 0) -> the state ``x`` and the stage that holds it."""
        s = self.spec
        fs, cf, F = s.state_frac_bits, s.coef_frac_bits, MAP_FRAC_BITS
        bounds = s.map_bounds
        u0, fb_on, slot, early = issue["u"], issue["fb_on"], issue["slot"], issue["early"]

        # z = sat(BIAS + rs(GAIN m u) + rs(FB (x[n-D] - PDC))); the memories' read data
        # are registered as they leave the blocks (their output registers)
        mask_r = pipe.reg("mask_q", mask_q, 1)
        dl_r = pipe.reg("dl_q", dl_q, 1)
        gm, st = pipe.product("gm", regs["GAIN"], mask_r, 2)
        fbd = pipe.reg("fbd", dl_r - regs["PDC"], 2, signed(fs + 1))
        gmu, st_g = pipe.product("gmu", gm, u0, st + 1, add=[_half(s.shift_gmu)])
        fbp, st_f = pipe.product("fbp", regs["FB"], fbd, 3, add=[_half(s.shift_fb)])
        k = max(st_g, st_f) + 1
        fbt = Mux(pipe.at(fb_on, k - 1), pipe.at(fbp, k - 1) >> s.shift_fb, 0)
        zt = pipe.reg("zt", (pipe.at(gmu, k - 1) >> s.shift_gmu) + fbt, k)
        zr = pipe.reg("zr", zt + regs["BIAS"], k + 1)
        z_sat = saturate(m, zr, len(zr), s.zeta_bits, "z_sat")  # by the top bits: no compares
        z = pipe.reg("z", z_sat, k + 2, signed(s.zeta_bits))
        zm = pipe.reg("zm", z - (1 << s.zeta_frac_bits), k + 3)
        zq = pipe.reg("zq", z + regs["Q"], k + 3)

        # A (as the table offset A - A_MIN) and B
        a_off = _half(s.shift_coef) - (s.a_range[0] << s.shift_coef)  # rounding, and A - A_MIN
        pa, st = pipe.product("pa", regs["C"], zm, k + 4, add=[a_off])
        pb, _ = pipe.product("pb", regs["C"], zq, k + 4, add=[_half(s.shift_coef)])
        off_bits = A_SPAN_LOG2 + cf
        off = pipe.reg("a_off", _sat_unsigned(pa >> s.shift_coef, off_bits), st + 1, unsigned(off_bits))
        b_wide = pipe.at(pb, st) >> s.shift_coef
        b = pipe.reg("b", saturate(m, b_wide, len(b_wide), s.coef_bits, "b_sat"), st + 1, signed(s.coef_bits))

        # table lookup: one ROM word per point, in banks of ROM_BANK_DEPTH words whose read
        # data are registered as they leave the blocks (their output registers), then the
        # bank is selected
        words, fields = _node_table_words(s)
        width = sum(w for _, w, _ in fields)
        sf = s.shift_table
        index = off[sf:]
        bank_bits = max(0, s.table_bits - ROM_BANK_DEPTH.bit_length() + 1)
        banks = []
        for k in range(1 << bank_bits):
            chunk = words[k * ROM_BANK_DEPTH : (k + 1) * ROM_BANK_DEPTH]
            rom = Memory(shape=unsigned(width), depth=len(chunk), init=chunk)
            m.submodules[f"node_rom{k}"] = rom
            rom_r = rom.read_port()
            m.d.comb += rom_r.addr.eq(index[: s.table_bits - bank_bits])
            pipe.mark(rom_r.data, st + 2)
            banks.append(pipe.reg(f"rom_q{k}", rom_r.data, st + 3))
        if bank_bits:
            sel = pipe.wire("rom_bank", pipe.at(off, st + 3)[sf + s.table_bits - bank_bits :], st + 3)
            rom_q = pipe.reg("rom_q", Array(banks)[sel], st + 4)
        else:
            rom_q = pipe.reg("rom_q", banks[0], st + 4)
        st += 4  # rom_q held here
        cols = []
        for name, (o, w, sgn) in zip(("et", "de", "gt", "dg"), fields, strict=True):
            piece = rom_q[o : o + w]
            cols.append(pipe.wire(name, piece.as_signed() if sgn else piece, st))
        et, de, gt, dg = cols
        frac = pipe.wire("a_frac", pipe.at(off, st)[:sf], st)
        ef, st_e = pipe.product("ef", de, frac, st + 1, add=[_half(sf)])
        gf, _ = pipe.product("gf", dg, frac, st + 1, add=[_half(sf)])
        e1_bits = bounds["e1"].bit_length()
        e = pipe.reg("e", pipe.at(et, st_e) + (ef >> sf), st_e + 1, unsigned(e1_bits))
        g = pipe.reg("g", pipe.at(gt, st_e) + (pipe.at(gf, st_e) >> sf), st_e + 1, unsigned(e1_bits))
        bg, st = pipe.product("bg", b, g, st_e + 2, add=[_half(cf)])
        beta = pipe.wire("beta", bg >> cf, st, signed(_signed_bits(bounds["b1"])))

        # composition by node index: P_n = m_n o m_{n-1}, quad_n = P_n o P_{n-2},
        # comp_n = quad_n o P_{n-4}
        e_n = pipe.at(e, st)
        ident = 1 << F
        widths = {k: (bounds[f"e{k}"].bit_length(), _signed_bits(bounds[f"b{k}"])) for k in (2, 4, 6)}
        maps = self._history(m, pipe, "maps", e_n, beta, st, depth=1, restart=restart)
        e2, b2, st = self._compose(pipe, "c1", (e_n, beta), maps[0], st, widths[2])
        pairs = self._history(m, pipe, "pairs", e2, b2, st, depth=4, restart=restart)
        e4, b4, st_q = self._compose(pipe, "c2", (e2, b2), pairs[1], st, widths[4])
        p_old = tuple(pipe.at(v, st_q) for v in pairs[3])  # P_{n-4}, carried along with node n
        e6, b6, st = self._compose(pipe, "c3", (e4, b4), p_old, st_q, widths[6])

        # the state loop: w_n = sat(rs(E6 w_{n-6}, F) + beta6), LOOKAHEAD clocks: operand
        # copies (the multipliers' input registers), partial products, three adder levels,
        # the saturation.  The operand w_{n-6} waits in a register loaded from the slot of
        # n mod 6 one clock before the copies, forwarded from the saturation when node n-6
        # writes it in that very clock, or w0 (RESTART's w) for the first six nodes: the
        # slots are written by the loop alone, so the saturation feeds one multiplexer.
        # Which of these w_prev takes is decided a clock ahead, into flip-flops (a one-hot
        # slot select, the first-six flag, the forward flag), from the nodes one stage
        # earlier in the pipeline: the slots reach w_prev through an AND-OR, not a decoder.
        w_bits = fs + F
        w_slots = Array(Signal(w_bits, name=f"w_slot{i}", reset_less=True) for i in range(LOOKAHEAD))
        w_prev = pipe.mark(Signal(w_bits, name="w_prev", reset_less=True), st)
        terms = pipe.partial_products("loop", e6, w_prev, st + 1)
        loop = st + 2  # the partial products
        bias_term = pipe.wire("loop_beta", Cat(Const(_half(F), F), pipe.at(b6, st)).as_signed(), st)
        terms.append(pipe.at(bias_term, loop))
        wide = signed((bounds["e6"] * s.w_max + (bounds["b6"] << F) + ident).bit_length() + 1)
        (w_sum,), held = pipe.tree("loop", terms, loop + 1, wide)
        if held != loop + LOOKAHEAD - 3:
            raise AssertionError(f"the state loop takes {held - loop + 3} clocks, not {LOOKAHEAD}")
        w_new = Signal(w_bits)
        m.d.comb += w_new.eq(_sat_unsigned(w_sum >> F, w_bits))
        write_slot = pipe.at(slot, held)
        with m.If(pipe.valid_at(held)):
            m.d.sync += w_slots[write_slot].eq(w_new)
        coming = pipe.at(slot, st - 2)  # the slot of the node at st - 1 next clock
        first = pipe.at(early, st - 2)
        pick = Signal(LOOKAHEAD, name="w_pick")  # one-hot: w_prev <- w_slots[k]
        pick_w0 = Signal(name="w_pick_w0")
        forward = Signal(name="w_forward")  # node n-6 writes w_{n-6} in the clock w_prev loads
        m.d.sync += [
            pick.eq(Mux(first, 0, one_hot(coming, LOOKAHEAD))),
            pick_w0.eq(first),
            forward.eq(
                pipe.valid_at(held - 1) & ~restart & (pipe.at(slot, held - 1) == coming)
            ),
        ]
        older = Mux(pick_w0, issue["w0"], 0)
        for k in range(LOOKAHEAD):
            older = older | Mux(pick[k], w_slots[k], 0)
        m.d.sync += w_prev.eq(Mux(forward, w_new, older))
        w = pipe.reg("w", w_new, held + 1)

        # the divider: x = min(w_one // max(w, 1), state_max).  Non-restoring: the partial
        # remainder r (of 2**(fs + F) by w, from r = 2**F, which is below w unless x
        # saturates) stays negative instead of being restored, and the next step adds w
        # instead of subtracting it; the quotient bit is the sign of each new remainder,
        # exactly the restoring division's bit.  One adder per step whose operand is chosen
        # by a registered sign (2r - w = (2r + 1) + ~w), no multiplexer after it; the signs
        # are kept as they come out of the adders (no inverter before their flip-flops,
        # which then share the adder's slice) and inverted once, into x.
        k = held + 2
        small = pipe.reg("w_small", w <= ident, k)
        r_shape = signed(w_bits + 3)
        r, signs = Const(ident, r_shape), None
        for i in range(fs):
            w_ext = Signal(r_shape, name=f"div_w{i}")
            step = Signal(r_shape, name=f"div_step{i}")
            neg = r[-1]
            m.d.comb += [
                w_ext.eq(pipe.at(w, k + i - 1)),
                # added unsigned: the same bits of step, and no sign extension before the add
                step.eq(Cat(~neg, r[:-1]) + Mux(neg, w_ext, ~w_ext).as_unsigned()),
            ]
            signs = step[-1] if signs is None else Cat(step[-1], signs)  # ~ this quotient bit
            r = pipe.reg(f"div_r{i}", step, k + i)
            signs = pipe.reg(f"div_q{i}", signs, k + i, unsigned(i + 1))
        x = pipe.reg("x", Mux(pipe.at(small, k + fs - 1), s.state_max, ~signs), k + fs, unsigned(fs))
        return x, k + fs

    def _history(self, m, pipe, name, e, beta, st, *, depth, restart):
        """The maps of the ``depth`` nodes before the one held at ``st``, newest first
        (identity after RESTART), each ``(E, beta)`` marked at ``st``."""
        ident = 1 << MAP_FRAC_BITS
        hist_e = [Signal(len(e), name=f"{name}_e{i}", init=ident) for i in range(depth)]
        hist_b = [Signal(beta.shape(), name=f"{name}_b{i}") for i in range(depth)]
        with m.If(pipe.valid_at(st)):
            m.d.sync += [hist_e[0].eq(e), hist_b[0].eq(beta)]
            for i in range(1, depth):
                m.d.sync += [hist_e[i].eq(hist_e[i - 1]), hist_b[i].eq(hist_b[i - 1])]
        with m.If(restart):
            m.d.sync += [h.eq(ident) for h in hist_e] + [h.eq(0) for h in hist_b]
        return [(pipe.mark(he, st), pipe.mark(hb, st)) for he, hb in zip(hist_e, hist_b, strict=True)]

    def _compose(self, pipe, name, first, then, st, widths):
        """``first o then`` (``then`` applied first), both ``(E, beta)`` held at ``st``:
        ``(rs(E1 E2, F), rs(E1 beta2, F) + beta1)``; returns ``(E, beta, stage held)``."""
        F = MAP_FRAC_BITS
        (e1, b1), (e2, b2) = first, then
        pe, st_e = pipe.product(f"{name}_e", e1, e2, st + 1, add=[_half(F)])
        bias = pipe.wire(f"{name}_b1", Cat(Const(_half(F), F), pipe.at(b1, st)).as_signed(), st)
        pb, st_b = pipe.product(f"{name}_b", e1, b2, st + 1, add=[bias])
        done = max(st_e, st_b)
        e_out = pipe.wire(f"{name}_eo", pipe.at(pe, done) >> F, done, unsigned(widths[0]))
        b_out = pipe.wire(f"{name}_bo", pipe.at(pb, done) >> F, done, signed(widths[1]))
        return e_out, b_out, done

    def elaborate(self, platform):
        m = Module()
        s = self.spec
        n_v, d = s.n_virtual, s.delay
        fs, F = s.state_frac_bits, MAP_FRAC_BITS
        reset = s.reset_regs()
        m.submodules.bank = bank = CSRBank(regmap=s.regmap)
        wiring.connect(m, wiring.flipped(self.s_axi), bank.bus)
        csr = bank.csr
        # RESTART acts on the clock after its write: the strobe leaves the bus decode
        # through one register before it fans out to the whole datapath.
        restart = Signal()
        m.d.sync += restart.eq(csr.RESTART_wstb)
        hold_mode = csr.CTRL[0]

        # -- memories ---------------------------------------------------------------------
        m.submodules.mask_mem = mask_mem = Memory(
            shape=signed(s.mask_bits), depth=n_v, init=[int(v) for v in s.mask_q()], attrs=NO_RW_CHECK
        )
        mask_w = mask_mem.write_port()
        mask_r = mask_mem.read_port()
        m.submodules.delay_mem = delay_mem = Memory(shape=unsigned(fs), depth=d, init=[], attrs=NO_RW_CHECK)
        dl_w = delay_mem.write_port()
        dl_r = delay_mem.read_port()
        _pointer_writes(m, mask_w, csr, "MASK", depth=n_v)

        # -- input holding register ----------------------------------------------------------
        active = Signal()  # a sample is being issued
        node = Signal(range(n_v))  # next node of it
        node_last = Signal()  # node == n_v - 1, as a flip-flop (it decides take)
        u_cur = Signal(signed(s.input_bits))
        pend = Signal()
        pend_u = Signal(signed(s.input_bits))
        overrun = Signal()
        issue = Signal()
        take = Signal()
        last_issue = Signal()
        # An INPUT write reaches the holding register a clock after the bus write (strobe
        # and value registered, away from the bus decode).
        input_wr = Signal()
        input_val = Signal(signed(s.input_bits), reset_less=True)
        m.d.sync += [input_wr.eq(csr.INPUT_wstb), input_val.eq(csr.INPUT.as_signed())]
        m.d.comb += [
            last_issue.eq(issue & node_last),
            take.eq(pend & (~active | last_issue)),
            self.input_ready.eq(~pend & ~csr.INPUT_wstb & ~input_wr & ~csr.RESTART_wstb & ~restart),
        ]
        with m.If(input_wr):
            with m.If(pend & ~take):
                m.d.sync += overrun.eq(1)
            with m.Else():
                m.d.sync += [pend.eq(1), pend_u.eq(input_val)]
        with m.Elif(self.input_valid & self.input_ready):
            m.d.sync += [pend.eq(1), pend_u.eq(self.input_payload.as_signed())]
        with m.Elif(take):
            m.d.sync += pend.eq(0)

        # -- RESTART: w = w_one // max(PDC, 1) by a sequential divider -------------------------
        # Restoring, one quotient bit per clock.  The dividend's only 1 is its top bit, so
        # the first step is taken with the RESTART itself (remainder 1 - div: 0 and quotient
        # bit 1 if div = 1, else 1 and 0) and every later step shifts in a 0.
        w0_steps = fs + F + 1  # quotient bits
        div0 = max(reset["PDC"], 1)
        init_busy = Signal(init=1)
        init_i = Signal(range(w0_steps), init=w0_steps - 1)  # steps left
        init_rem = Signal(fs + 1, init=int(div0 != 1))
        init_quo = Signal(w0_steps, init=int(div0 == 1))
        init_div = Signal(fs, init=div0)
        rem2 = Cat(Const(0, 1), init_rem)
        rdiff = Signal(signed(fs + 3))
        m.d.comb += rdiff.eq(rem2 - init_div)
        with m.If(init_busy):
            with m.If(init_i == 0):
                m.d.sync += init_busy.eq(0)
            with m.Else():
                m.d.sync += [
                    init_i.eq(init_i - 1),
                    init_rem.eq(Mux(rdiff[-1], rem2, rdiff)),
                    init_quo.eq(Cat(~rdiff[-1], init_quo)),
                ]
        with m.If(restart):
            m.d.sync += [
                init_busy.eq(1),
                init_i.eq(w0_steps - 1),
                init_rem.eq(csr.PDC > 1),
                init_quo.eq(csr.PDC <= 1),
                init_div.eq(Mux(csr.PDC.any(), csr.PDC, 1)),
            ]
        w0 = Signal(s.state_frac_bits + F, reset_less=True)  # settled before a node issues
        m.d.sync += w0.eq(Mux(init_quo >= s.w_one, s.w_max, init_quo))

        # -- issue ----------------------------------------------------------------------------
        pipe = _LinePipeline(clear=restart)
        m.submodules.datapath = pipe.m
        regs = {}
        for name in ("GAIN", "FB", "BIAS", "Q"):
            sig = Signal(signed(len(getattr(csr, name))), name=f"reg_{name.lower()}")
            m.d.comb += sig.eq(getattr(csr, name).as_signed())
            regs[name] = pipe.static(sig)
        for name in ("C", "PDC"):
            sig = Signal(len(getattr(csr, name)), name=f"reg_{name.lower()}")
            m.d.comb += sig.eq(getattr(csr, name))
            regs[name] = pipe.static(sig)

        v0 = Signal()
        u0 = Signal(signed(s.input_bits), reset_less=True)
        fb_on = Signal(reset_less=True)
        slot0 = Signal(range(LOOKAHEAD), reset_less=True)
        slot = Signal(range(LOOKAHEAD))  # n mod LOOKAHEAD of the next node
        ptr = Signal(range(d))  # n mod D: where x[n - D] is (and x[n] will be)
        seen = Signal(range(d + 1))  # min(n, D)
        fresh = Signal(range(LOOKAHEAD + 1))  # min(n, LOOKAHEAD)
        early0 = Signal(reset_less=True)  # n < LOOKAHEAD: w_{n-6} is RESTART's w0
        pipe.start(v0)
        for sig in (u0, fb_on, slot0, early0):
            pipe.mark(sig, 0)
        pipe.mark(mask_r.data, 0)
        pipe.mark(dl_r.data, 0)
        m.d.comb += [mask_r.addr.eq(node), dl_r.addr.eq(ptr)]
        x, out_stage = self._datapath(
            m,
            pipe,
            regs,
            mask_r.data,
            dl_r.data,
            {"u": u0, "fb_on": fb_on, "slot": slot0, "early": early0, "w0": w0},
            restart,
        )
        self._latency = out_stage
        written = pipe.valid_at(out_stage)

        # Whether the next clock may issue is one register computed from this clock's
        # registered counts, conservatively: at most one node issues meanwhile, so fewer
        # than D - 1 in flight now means fewer than D then (the delay line holds
        # x[n - D]), and more than one credit now at least one then; it also holds the
        # RESTART divider's busy flag as it will be.  The issue strobe is two registered
        # bits ANDed.
        inflight = Signal(range(out_stage + 2))
        credits = Signal(range(OUTPUT_FIFO_DEPTH + 1), init=OUTPUT_FIFO_DEPTH)
        held = Signal()
        popped = Signal()
        may_issue = Signal()
        init_busy_next = Mux(restart, 1, init_busy & (init_i != 0))
        m.d.comb += issue.eq(active & may_issue)
        m.d.sync += [
            v0.eq(issue),
            inflight.eq(inflight + issue - written),
            credits.eq(credits - issue + popped),
            held.eq(Mux(csr.NEXT_wstb, 0, held | (written & hold_mode))),
            may_issue.eq(
                Mux(hold_mode, (inflight == 0) & ~held & ~issue, (inflight < d - 1) & (credits > 1))
                & ~init_busy_next
            ),
        ]
        with m.If(issue):
            m.d.sync += [
                u0.eq(u_cur),
                fb_on.eq(seen == d),
                early0.eq(fresh != LOOKAHEAD),
                slot0.eq(slot),
                slot.eq(Mux(slot == LOOKAHEAD - 1, 0, slot + 1)),
                node.eq(Mux(node_last, 0, node + 1)),
                node_last.eq(node == n_v - 2),  # (n_v >= 2)
                ptr.eq(Mux(ptr == d - 1, 0, ptr + 1)),
            ]
            with m.If(seen != d):
                m.d.sync += seen.eq(seen + 1)
            with m.If(fresh != LOOKAHEAD):
                m.d.sync += fresh.eq(fresh + 1)
            with m.If(node_last):
                m.d.sync += active.eq(0)
        with m.If(take):
            m.d.sync += [active.eq(1), u_cur.eq(pend_u)]

        # -- output: delay line, FIFO, STATE, COUNT -------------------------------------------------
        out_node = Signal(range(n_v))
        wptr = Signal(range(d))
        count = Signal(32)
        state_reg = Signal(fs)
        out_last = Signal()
        m.d.comb += [
            out_last.eq(out_node == n_v - 1),
            dl_w.addr.eq(wptr),
            dl_w.data.eq(x),
            dl_w.en.eq(written & ~restart),
        ]
        with m.If(written):
            m.d.sync += [
                out_node.eq(Mux(out_last, 0, out_node + 1)),
                wptr.eq(Mux(wptr == d - 1, 0, wptr + 1)),
                count.eq(count + 1),
                state_reg.eq(x),
            ]
        fifo = RegisteredFIFO(width=fs + 1, depth=OUTPUT_FIFO_DEPTH)
        m.submodules.out_fifo = ResetInserter(restart)(fifo)
        delivered = Signal()
        m.d.comb += [
            fifo.w_data.eq(Cat(x, out_last)),
            fifo.w_en.eq(written & ~hold_mode),
            fifo.r_ready.eq(self.state_ready | hold_mode),
            self.state_payload.eq(fifo.r_data[:fs]),
            self.state_last.eq(fifo.r_data[fs]),
            self.state_valid.eq(fifo.r_valid & ~hold_mode),
            delivered.eq(fifo.r_valid & self.state_ready & ~hold_mode),
            popped.eq((fifo.r_valid & fifo.r_ready) | (written & hold_mode)),
        ]

        # -- optional readout ---------------------------------------------------------------------
        if s.readout:
            # The readout takes the words as they are delivered (or x itself in register
            # mode), so that a prediction never runs ahead of its states: PRED of sample k
            # is complete when k's last state has been delivered, and stays until k + 1's
            # last one is.
            self._readout(
                m,
                csr,
                Mux(hold_mode, written, delivered),
                Mux(hold_mode, x, fifo.r_data[:fs]),
                Mux(hold_mode, out_last, fifo.r_data[fs]),
                restart,
            )

        # RESTART wins over everything above (later assignments take priority).
        with m.If(restart):
            m.d.sync += [
                active.eq(0),
                node.eq(0),
                node_last.eq(0),
                slot.eq(0),
                ptr.eq(0),
                seen.eq(0),
                fresh.eq(0),
                inflight.eq(0),
                credits.eq(OUTPUT_FIFO_DEPTH),
                held.eq(0),
                out_node.eq(0),
                wptr.eq(0),
                count.eq(0),
                pend.eq(0),
                overrun.eq(0),
                v0.eq(0),
            ]

        # BUSY from flip-flops only (the issue logic's counters stay out of the read
        # multiplexer): whether nodes are in flight is kept as its own register.
        in_flight = Signal()
        m.d.sync += in_flight.eq(issue | (inflight > 1) | ((inflight == 1) & ~written))
        with m.If(restart):
            m.d.sync += in_flight.eq(0)
        m.d.comb += [
            csr.ID.eq(s.regmap.ident),
            csr.N.eq(n_v),
            csr.STATUS.eq(Cat(active | in_flight | init_busy, pend, overrun, held)),
            csr.COUNT.eq(count),
            csr.STATE.eq(state_reg),
        ]
        pipe.finish()
        return m

    def _readout(self, m, csr, take, x, last, restart):
        """``y = sat(rs(sum_i W_i x_i, shift_out) + W_BIAS)`` after each sample's last node.

        ``take`` strobes each state ``x`` as it is delivered, ``last`` marks a sample's last
        node.  A pipeline of its own: the weight is read on the clock of ``take``."""
        s = self.spec
        n_v = s.n_virtual
        w_mem = Memory(shape=signed(s.weight_bits), depth=n_v, init=[], attrs=NO_RW_CHECK)
        m.submodules.w_mem = w_mem
        w_w = w_mem.write_port()
        w_r = w_mem.read_port()
        node = Signal(range(n_v))  # the node index of the state being taken
        m.d.comb += w_r.addr.eq(node)
        _pointer_writes(m, w_w, csr, "W", depth=n_v)

        pipe = _LinePipeline(clear=restart)
        m.submodules.readout_pipe = pipe.m
        v0 = Signal()
        m.d.sync += v0.eq(take & ~restart)
        pipe.start(v0)
        with m.If(take):
            m.d.sync += node.eq(Mux(last, 0, node + 1))
        with m.If(restart):
            m.d.sync += node.eq(0)
        x0 = pipe.reg("ro_x0", x, 0, signed(s.state_frac_bits + 1))
        last0 = pipe.reg("ro_last", last, 0)
        pipe.mark(w_r.data, 0)
        w_q = pipe.reg("ro_w", w_r.data, 1)  # the block's output register
        prod, st = pipe.product("ro", w_q, x0, 2)
        acc_bits = s.weight_bits + s.state_frac_bits + 1 + max(1, n_v.bit_length())
        half = _half(s.shift_out)
        acc = Signal(signed(acc_bits), init=half)
        total = Signal(signed(acc_bits), reset_less=True)
        go = pipe.valid_at(st)
        is_last = pipe.at(last0, st)
        done1, done2 = Signal(), Signal()
        pred_count = Signal(32)
        m.d.sync += [done1.eq(go & is_last), done2.eq(done1), self.pred_valid.eq(0)]
        with m.If(go):
            m.d.sync += acc.eq(Mux(is_last, half, acc + prod))
            with m.If(is_last):
                m.d.sync += total.eq(acc + prod)
        y_next = (total >> s.shift_out) + csr.W_BIAS.as_signed()
        y = Signal(y_next.shape(), reset_less=True)
        with m.If(done1):
            m.d.sync += y.eq(y_next)
        with m.If(done2):
            m.d.sync += [
                self.pred.eq(saturate(m, y, len(y), s.out_bits, "pred_sat")),
                self.pred_valid.eq(1),
                pred_count.eq(pred_count + 1),
            ]
        with m.If(restart):
            m.d.sync += [acc.eq(half), done1.eq(0), done2.eq(0), pred_count.eq(0), self.pred_valid.eq(0)]
        m.d.comb += [csr.PRED.eq(self.pred), csr.PRED_COUNT.eq(pred_count)]
        pipe.finish()
