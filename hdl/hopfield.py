"""Gateware of the Hopfield core with memristive synapses, behind an AXI4-Lite bank.

Semantics are those of :class:`spinemu.sim_golden.hopfield_fixed.HopfieldFixed`; the
register map is ``spec.regmap`` and every constant comes from the
:class:`~spinemu.sim_golden.hopfield_spec.HopfieldSpec`.

Datapath
--------
* **Synapse memory** (inferred block RAM in banks one block deep, registered address,
  synchronous read, each bank's word registered (the block's own output register) and
  once more on its way to the lanes, then the selected bank's: five clocks per read;
  registered writes): row ``i * C + c``
  (``C = ceil(N / lanes)``) holds ``lanes`` fields, lane ``k`` being entry
  ``(i, c * lanes + k)`` as ``{level d (level_bits), weight w (weight_bits)}``.  Per
  synapse nothing else is stored.
* **MAC pipeline**: a neuron's ``C`` rows are read one per clock, back to back across
  neurons; each word's lanes form ``+-w`` from state bits registered the clock before, a
  registered adder tree (``log2(lanes)`` levels) sums them, an accumulator adds the
  chunks, the field's sign and zero flags are registered, and a decision stage sets the
  neuron.  So that an asynchronous update is seen
  by every later field, a neuron reads the word holding the previous neuron's column
  last; the pipeline depth is ``spec.mac_stages`` and a neuron takes
  ``spec.cycles_per_field()`` clocks (``C`` when ``C > mac_stages``).
* **Device classes**: one ROM of ``2 M L`` quantized conductances
  (``spec.class_tables``); the pulse engine hashes the pair ``(min(i, j), max(i, j))``
  (``pair_hash``, two multiplies) into its ``+`` and ``-`` classes and reads the two
  conductances of a new level.
* **Pulse engine**: ``HEBB``, ``LEARN``, ``CLEAR`` and ``LEVEL`` writes walk the entries
  (read row, hash, new level with saturation, class-ROM look-ups, lane write; 13 clocks
  per entry), so the weight the neurons read is always its devices' at the pair's level.
* **Order**: a permutation ROM, read from flip-flops only (the next position's entry
  while a sweep runs, the rotation's between sweeps), rotated per asynchronous sweep by a
  16-bit LFSR (:class:`spinemu.hdl.rng.LFSR`).
* ``LEVEL_RD``/``WEIGHT`` read the registered lane of ``(WI, WJ)``; the register bank
  holds reads back (``read_hold``) for the seven clocks it takes to arrive.

Every sweep end sends the new state on the ``sweep`` stream (``sweep_payload``, bit
``i`` set = neuron ``i`` is +1; ``sweep_valid``/``sweep_ready``/``sweep_last``, AXI4-Stream
rules), so every intermediate state can be recorded.  The stream has backpressure: a
word stays valid, unchanged, until ``sweep_ready`` takes it, and the next sweep end
waits (the core stalls in ``SEND``) while it is not taken; a stall changes only the
timing, never the states.  ``sweep_last`` marks the final sweep of a recall (one packet
per recall: what a DMA S2MM transfer ends on).  ``sweep_ready`` tied high gives the old
free-running timing.
"""

from __future__ import annotations

import numpy as np
from amaranth import Cat, Const, Module, Mux, Signal, signed
from amaranth.lib import wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from ..sim_golden.hopfield_spec import (
    AMP_BITS,
    HASH_MULTIPLIERS,
    HASH_SHIFTS,
    MINUS_CLASS_SHIFT,
    ORDER_LFSR,
    SWEEP_BITS,
    SYNAPSE_READ_LATENCY,
    Command,
    HopfieldSpec,
)
from .axil import AXI4LiteSignature, CSRBank
from .block_ram import NO_RW_CHECK
from .rng import LFSR

__all__ = ["HopfieldTop", "memory_images"]


def memory_images(spec: HopfieldSpec) -> tuple[list[int], list[int], int]:
    """Initial synapse-memory words, class-ROM contents and the ROM's level bits ``KB``.

    Every entry starts at level 0, its weight ``q+[0] - q-[0]`` of its classes.  The
    class ROM holds ``class_tables[pol, c, k]`` at ``(pol << (CB + KB)) | (c << KB) | k``.
    """
    n, p, c_n = spec.n_neurons, spec.lanes, spec.chunks
    wb, lb = spec.weight_bits, spec.level_bits
    e = wb + lb
    kb = spec.rom_level_bits
    w0 = spec.weights_of(np.zeros((n, n), dtype=np.int64)) & ((1 << wb) - 1)
    w0 = np.pad(w0, ((0, 0), (0, c_n * p - n))).reshape(n * c_n, p)
    shifts = [k * e for k in range(p)]
    syn = [sum(int(v) << sh for v, sh in zip(row, shifts, strict=True)) for row in w0.tolist()]
    tables = spec.class_tables
    rom_rows = np.zeros((2, spec.device_classes, 1 << kb), dtype=np.int64)
    rom_rows[:, :, : spec.n_levels] = tables
    return syn, rom_rows.reshape(-1).tolist(), kb


def _select_bit(m: Module, vec, index, name: str):
    """``vec[index]`` through three registers (the index, a word of 16, then its bit):
    three clocks late, for a wide ``vec`` whose one-clock multiplexer would limit the clock.
    (The index is registered here, beside the multiplexer: the word's select then starts at
    a flip-flop, not at the index's logic, and ``cur``'s bits are spread over the die.)"""
    width = 16 if len(vec) > 16 else len(vec)
    at = Signal.like(index, name=f"{name}_index")
    word = Signal(width, name=f"{name}_word")
    bit = Signal(name=f"{name}_bit")
    lo = Signal(4, name=f"{name}_lo")
    m.d.sync += [
        at.eq(index),
        word.eq(vec.word_select(at >> 4, width) if len(vec) > 16 else vec),
        lo.eq(at[:4]),
        bit.eq(word.bit_select(lo, 1)),
    ]
    return bit


def _mul32(m: Module, x, mult: int, name: str):
    """``(x * mult) mod 2^32`` in two registered steps: three 16 x 16 products (one
    multiplier block each), then their sum.  The products have no reset (they are
    recomputed every clock), so that ``spinemu synth`` folds them into the ECP5
    multipliers' output registers, as vendor synthesis does.  (The operand keeps its
    reset: folded into the multiplier's input register, whose setup time is 3.5 ns, its
    XOR and compare in front would be the slowest path.)"""
    lo, hi = mult & 0xFFFF, mult >> 16
    products = [Signal(32, name=f"{name}_p{k}", reset_less=True) for k in range(3)]
    m.d.sync += [
        products[0].eq(x[:16] * lo),
        products[1].eq(x[:16] * hi),
        products[2].eq(x[16:32] * lo),
    ]
    out = Signal(32, name=name, reset_less=True)
    m.d.sync += out.eq((products[0] + ((products[1] + products[2]) << 16))[:32])
    return out


def _pair_hash(m: Module, i, j, seed: int):
    """:func:`~spinemu.sim_golden.hopfield_spec.pair_hash` of the pair ``{i, j}``, free
    running: the hash of the ``(i, j)`` held six clocks earlier (the pulse engine reads it
    eight clocks after an entry's pair is set).  Both multiplies take registered inputs."""
    lo, hi = Mux(i < j, i, j), Mux(i < j, j, i)
    key = Signal(32)
    x0 = Cat(hi, Const(0, 16 - len(hi)), lo) ^ Const(seed, 32)  # lo << 16 | hi
    s0, s1, s2 = HASH_SHIFTS
    m.d.sync += key.eq(x0 ^ (x0 >> s0))
    x1 = _mul32(m, key, HASH_MULTIPLIERS[0], "hash_m1")
    key2 = Signal(32)
    m.d.sync += key2.eq(x1 ^ (x1 >> s1))
    x2 = _mul32(m, key2, HASH_MULTIPLIERS[1], "hash_m2")
    return x2 ^ (x2 >> s2)


class _SynapseWrite:
    """The synapse memory's write port: row, word and per-lane enables."""

    def __init__(self, rows: int, lanes: int, field: int):
        self.addr = Signal(range(rows), name="syn_waddr")
        self.data = Signal(lanes * field, name="syn_wdata")
        self.en = Signal(lanes, name="syn_wen")


def _synapse_memory(m: Module, spec: HopfieldSpec, init: list[int], addr, wr: _SynapseWrite):
    """The synapse memory; returns the word at ``addr`` three clocks after the block RAM read.

    In block RAM the memory is split into banks (``spec.synapse_banks``, one block deep), and
    each bank's read data is registered with nothing in between, a register that the
    block's own output register can hold (Vivado folds it; for yosys' ECP5 flow
    ``spinemu synth`` does, see :mod:`spinemu.gen.outreg_fold`): a block RAM's read data
    leaves it 5.8 ns after the clock on ECP5 without it, 1 ns with it.  A second register
    per bank carries its word across the die towards the lanes (a 3.9 ns route on ECP5 at
    N = 256), and the bank selected three clocks earlier then drives the word register at
    the lanes: each bank's route has a register of its own half-way, where the one
    multiplexer of all banks in front of a shared register had to sit at a single place,
    a 6 ns route from the farthest bank.  Writes are registered too (the
    write data fans out to every block): ``wr`` set in a clock is written at the end of the
    next.  The banks carry ``no_rw_check``: no word read in the clock that writes its row
    is ever used (the pulse engine's write of a row lands at the end of E_READ, its next
    read of the row at the end of E_WAIT; a LEVEL write lands in the first IDLE clock, and
    LEVEL_RD holds reads for longer; the MAC does not run meanwhile), so yosys need not add
    read-during-write logic between a block and its register.  In
    UltraRAM (``synapse_ram = "ultra"``) the memory is one array: Vivado cascades UltraRAM
    with its own registers.
    """
    width, depth = spec.synapse_memory_shape
    banks = spec.synapse_banks
    bank_depth = banks[0]
    shift = (bank_depth - 1).bit_length() if len(banks) > 1 else 0
    sel_read = Signal(range(len(banks)), name="syn_bank_read")  # bank of the word being read
    sel_held = Signal(range(len(banks)), name="syn_bank_held")  # ... now in the bank registers
    if shift:
        m.d.sync += [sel_read.eq(addr >> shift), sel_held.eq(sel_read)]
    attrs = {"ram_style": "ultra"} if spec.synapse_ram == "ultra" else NO_RW_CHECK
    w_addr = Signal.like(wr.addr, name="syn_waddr_q")
    w_data = Signal.like(wr.data, name="syn_wdata_q")
    m.d.sync += [w_addr.eq(wr.addr), w_data.eq(wr.data)]
    held = []
    for b, size in enumerate(banks):
        base = b * bank_depth
        mem = Memory(shape=width, depth=size, init=init[base : base + size], attrs=attrs)
        m.submodules[f"syn{b}"] = mem
        rd = mem.read_port()
        wp = mem.write_port(granularity=width // spec.lanes)
        # the bank's own lane enables, registered: a block's write enable then comes
        # straight from a flip-flop (the bank decoded after the register was a LUT in
        # front of each block, on the far side of a route across the die)
        hit = (wr.addr >> shift) == b if shift else 1
        w_en = Signal.like(wr.en, name=f"syn{b}_wen_q")
        m.d.sync += w_en.eq(Mux(hit, wr.en, 0))
        m.d.comb += [
            rd.addr.eq(addr[:shift] if shift else addr),
            wp.addr.eq(w_addr[:shift] if shift else w_addr),
            wp.data.eq(w_data),
            wp.en.eq(w_en),
        ]
        reg = Signal(width, name=f"syn{b}_word", reset_less=True)
        m.d.sync += reg.eq(rd.data)
        held.append(reg)
    # (no reset, as the bank registers: a reset would be one more LUT in front of a
    # register at the end of a route across the die; every use of the word waits for a read)
    carried = []
    for b, reg in enumerate(held):
        word = Signal(width, name=f"syn{b}_word_carried", reset_less=True)
        m.d.sync += word.eq(reg)
        carried.append(word)
    at_lanes = Signal(width, name="syn_word_lanes", reset_less=True)
    if len(carried) == 1:
        m.d.sync += at_lanes.eq(carried[0])
    else:
        sel_carried = Signal.like(sel_held, name="syn_bank_carried")  # ... now in the carried ones
        m.d.sync += sel_carried.eq(sel_held)
        with m.Switch(sel_carried):
            for b, word in enumerate(carried):
                with m.Case(b):
                    m.d.sync += at_lanes.eq(word)
    return at_lanes


class _Tag:
    """What travels beside a synapse word down the MAC pipeline: valid, neuron, chunk,
    whether it is the neuron's last word (``last``) and the sweep's (``final``), and the
    neuron's state before its update (``old``, filled in by the read stages)."""

    def __init__(self, n: int, chunks: int, name: str):
        self.valid = Signal(name=f"{name}_valid")
        self.ni = Signal(range(n), name=f"{name}_ni")
        self.chunk = Signal(range(chunks), name=f"{name}_chunk")
        self.last = Signal(name=f"{name}_last")
        self.final = Signal(name=f"{name}_final")
        self.old = Signal(name=f"{name}_old")
        self._n, self._chunks = n, chunks

    def delayed(self, m: Module, name: str, *, old=None) -> _Tag:
        """The same tag one clock later (registered), with ``old`` replaced if given."""
        out = _Tag(self._n, self._chunks, name)
        m.d.sync += [
            out.old.eq(self.old if old is None else old),
            out.valid.eq(self.valid),
            out.ni.eq(self.ni),
            out.chunk.eq(self.chunk),
            out.last.eq(self.last & self.valid),
            out.final.eq(self.final & self.valid),
        ]
        return out


class HopfieldTop(wiring.Component):
    """The Hopfield core behind an AXI4-Lite register bank, with a per-sweep state stream.

    Parameters
    ----------
    spec : HopfieldSpec

    Attributes
    ----------
    s_axi : In(AXI4LiteSignature)
        Register access (map: ``spec.regmap``).
    sweep_payload : Out(n_neurons)
        The state after the last sweep.
    sweep_valid : Out(1)
        High while ``sweep_payload`` holds a sweep's state not yet taken.
    sweep_ready : In(1)
        The consumer takes the word on a clock edge with ``valid`` and ``ready`` high.
    sweep_last : Out(1)
        The word is the recall's final state.
    """

    def __init__(self, *, spec: HopfieldSpec):
        if not isinstance(spec, HopfieldSpec):
            raise TypeError(f"spec must be a HopfieldSpec, not {spec!r}")
        self.spec = spec
        super().__init__(
            {
                "s_axi": In(AXI4LiteSignature(addr_width=spec.regmap.addr_width)),
                "sweep_payload": Out(spec.n_neurons),
                "sweep_valid": Out(1),
                "sweep_ready": In(1),
                "sweep_last": Out(1),
            }
        )

    def elaborate(self, platform):  # noqa: C901 - one state machine
        m = Module()
        spec = self.spec
        n, p, c_n = spec.n_neurons, spec.lanes, spec.chunks
        lm, wb, lb = spec.level_max, spec.weight_bits, spec.level_bits
        e = wb + lb
        np_ = c_n * p
        rows = n * c_n
        lg_p = (p - 1).bit_length()
        acc_bits = wb + np_.bit_length() + 2
        slot = spec.cycles_per_field()

        m.submodules.bank = bank = CSRBank(regmap=spec.regmap, read_hold=True)
        wiring.connect(m, wiring.flipped(self.s_axi), bank.bus)
        csr = bank.csr

        syn_init, rom_init, kb = memory_images(spec)
        cb = spec.class_bits
        rom_width, rom_depth = spec.class_rom_shape
        m.submodules.rom = rom = Memory(shape=signed(rom_width), depth=rom_depth, init=rom_init)
        m.submodules.perm = perm = Memory(shape=range(n), depth=n, init=spec.permutation.tolist())
        rom_a = rom.read_port()  # the device away from level 0 (or either, d = 0)
        rom_b = rom.read_port()  # the other device of the pair, at level 0
        perm_rd = perm.read_port()  # registered read, from registered addresses only (below)
        m.submodules.lfsr = lfsr = LFSR(model=ORDER_LFSR, init_words=[spec.lfsr_seed])

        cur = Signal(np_)
        nxt = Signal(np_)
        prev = Signal(np_)
        unst = Signal(np_)
        t = Signal(range(n + 1))  # neuron slot being issued (n: the sweep is draining)
        q = Signal(range(slot))  # clock within the slot
        # The neuron being issued, a flip-flop: t in a synchronous sweep, perm[pos] in an
        # asynchronous one, where pos_after = pos + 1 (mod N).  The permutation ROM reads a
        # registered address: in RUN perm[pos_after] (ready two clocks after pos_after
        # moves; a slot is >= 4 clocks), elsewhere perm[rot] for the next sweep's first
        # neuron (ready in SEND; rot settles a clock after the order LFSR steps, and the
        # earliest START after an ORDER_SEED write is three clocks later).
        iss_ni = Signal(range(n))
        perm_addr = Signal(range(n))
        pos_after = Signal(range(n))
        # the FSM is in RUN (a flip-flop beside it, for the ROM address, the synapse read
        # address and the issue)
        in_run = Signal()
        advance = Signal()  # the next neuron is issued from the next clock on
        restart = Signal()  # a sweep starts (restart_sync: a synchronous one, from neuron 0)
        restart_sync = Signal()
        c = Signal(range(c_n))  # chunk of the next read
        acc = Signal(signed(acc_bits))
        sync_mode = Signal()
        learning = Signal()
        flips = Signal(16)
        sweeps = Signal(SWEEP_BITS)
        unstable = Signal(16)
        converged = Signal()
        cycle2 = Signal()
        done = Signal()
        cycles = Signal(32)
        # pulse engine
        eop = Signal(2)  # 0 HEBB, 1 LEARN, 2 CLEAR, 3 SET
        ei = Signal(range(n))
        ec = Signal(range(c_n))
        ek = Signal(range(p))
        erow = Signal(range(rows))
        ed = Signal(signed(lb))
        evalid = Signal()
        single = Signal()
        set_val = Signal(signed(lb))

        j = Signal(range(np_))  # column of the entry the pulse engine is at
        # whether (ei, ec, ek) is the last entry of its row / chunk, registered (they change
        # only in E_WRITE and at a LEVEL write, ten clocks before the next E_WRITE)
        ek_last, ec_last, ei_last = Signal(), Signal(), Signal()
        m.d.sync += [ek_last.eq(ek == p - 1), ec_last.eq(ec == c_n - 1), ei_last.eq(ei == n - 1)]
        m.d.comb += j.eq(ec * p + ek)
        # (i, j) stay put for the thirteen clocks of an entry: the hash and the state bits
        # of the pair run free and are ready when E_LANE / E_ROM use them
        pair = _pair_hash(m, ei, j, spec.hash_seed)
        # the device classes of the entry's pair
        cls_p, cls_m = pair[:cb], pair[MINUS_CLASS_SHIFT : MINUS_CLASS_SHIFT + cb]
        si, sj = _select_bit(m, cur, ei, "si"), _select_bit(m, cur, j, "sj")
        ui, uj = _select_bit(m, unst, ei, "ui"), _select_bit(m, unst, j, "uj")
        # The engine's data registers are written before they are read in every command:
        # no reset (a reset is one more enable-like net to every bit, and a block RAM's
        # output register folds only a register without one).
        d_old = Signal(signed(lb), reset_less=True)
        pulses = Signal(signed(AMP_BITS + 2), reset_less=True)  # signed pulse count of the entry
        dnew = Signal(signed(lb + AMP_BITS + 3), reset_less=True)  # its new level before saturation
        diff = Signal(signed(spec.rom_bits + 1), reset_less=True)  # its new weight before saturation
        rom_a_q = Signal(signed(spec.rom_bits), reset_less=True)
        rom_b_q = Signal(signed(spec.rom_bits), reset_less=True)
        rom_a_q2 = Signal(signed(spec.rom_bits), reset_less=True)
        rom_b_q2 = Signal(signed(spec.rom_bits), reset_less=True)
        mag = Signal(AMP_BITS + 1, reset_less=True)  # the entry's pulse count and ...
        same_sign = Signal(reset_less=True)  # ... whether it potentiates (s_i = s_j)
        rot = Signal(range(n))
        m.d.sync += rot.eq((lfsr.word * n)[16:])
        m.d.comb += [
            lfsr.shift.eq(csr.ORDER_SEED_wstb),
            lfsr.shift_in.eq(csr.ORDER_SEED),
            perm_rd.addr.eq(perm_addr),
        ]
        m.d.sync += perm_addr.eq(Mux(in_run, pos_after, rot))
        with m.If(restart):
            m.d.sync += [
                iss_ni.eq(Mux(restart_sync, 0, perm_rd.data)),
                pos_after.eq(Mux(rot == n - 1, 0, rot + 1)),
            ]
        with m.Elif(advance):
            m.d.sync += [
                iss_ni.eq(Mux(sync_mode, t + 1, perm_rd.data)),
                pos_after.eq(Mux(pos_after == n - 1, 0, pos_after + 1)),
            ]

        def lane(word, k):
            return word.word_select(k, e)

        # -- MAC pipeline: issue -> block RAM -> output register -> terms + adder tree -> acc --
        # The read address is registered (it fans out to every block RAM of the memory), the
        # block RAM reads, its bank register holds the word, and the selected bank's word
        # crosses the die to the lanes: SYNAPSE_READ_LATENCY clocks.
        addr_next = Signal(range(rows))
        addr_q = Signal(range(rows))
        m.d.sync += addr_q.eq(addr_next)
        wr = _SynapseWrite(rows, p, e)
        word_q = _synapse_memory(m, spec, syn_init, addr_q, wr)  # (also the engine's and CSRs' view)
        issue = _Tag(n, c_n, "issue")
        m.d.comb += [
            issue.ni.eq(iss_ni),
            issue.chunk.eq(c),
            issue.last.eq(q == slot - 1),
            issue.final.eq((q == slot - 1) & (t == n - 1)),
        ]
        # the neuron's own bit cannot change before its decision: fetch it during the read
        old_word = Signal(16 if np_ > 16 else np_)
        m.d.sync += old_word.eq(cur.word_select(issue.ni >> 4, 16) if np_ > 16 else cur)
        read0 = issue.delayed(m, "read0")
        reads = [read0, read0.delayed(m, "read1", old=old_word.bit_select(read0.ni[:4], 1))]
        while len(reads) < SYNAPSE_READ_LATENCY:
            reads.append(reads[-1].delayed(m, f"read{len(reads)}"))
        at_bits = reads[-1]  # the tag of the word now in word_q
        # the state bits of the word's lanes are sampled (registered) the clock before;
        # terms and the first adder level form in this one
        bits = Signal(p)
        m.d.sync += bits.eq(cur.word_select(reads[-2].chunk, p))
        # A term s_j w_j is (w_j XOR m) + [s_j = -1] with m all ones when s_j = -1: the tree
        # adds the XORed weights (no negation on its first level) and, beside them, counts
        # the -1 states; the accumulator adds both.
        level = []
        for k in range(p):
            w = lane(word_q, k)[:wb].as_signed()
            level.append((w ^ (~bits[k]).replicate(wb).as_signed(), ~bits[k]))
        at_acc = at_bits
        for r in range(spec.adder_levels):
            sums = []
            for k in range(0, len(level), 2):
                s_k = Signal(signed(wb + r + 1), name=f"tree{r}_{k // 2}")
                n_k = Signal(r + 2, name=f"tree{r}_{k // 2}_neg")
                m.d.sync += [s_k.eq(level[k][0] + level[k + 1][0]), n_k.eq(level[k][1] + level[k + 1][1])]
                sums.append((s_k, n_k))
            level = sums
            at_acc = at_acc.delayed(m, f"tree{r}")
        chunk_sum = level[0][0] + level[0][1]
        field = Signal(signed(acc_bits))  # a neuron's complete field, at the decision stage
        no_flip, last_allowed = Signal(), Signal()  # a sweep's end flags ...
        same_as_prev = Signal()  # ... whether the state equals the last sweep's
        repeat_sync = Signal()  # ... and whether it is a synchronous recall's second sweep or later
        conv, cyc, end = Signal(), Signal(), Signal()  # ... and what they decide
        sending = Signal()  # this clock is SEND's of a recall sweep (registered)
        any_unstable = Signal()  # a learning sweep found unstable neurons (registered in CHECK)
        unst_clear = Signal()  # a LEARN was taken last clock: clear unst (N flip-flops)
        send_sync, send_async = Signal(), Signal()  # ... of a synchronous / asynchronous recall
        learn_more = Signal()  # this clock is SEND's of a learning sweep that found unstable ones
        # this clock is E_WRITE's of a walk (not a LEVEL write): the entry moves on, and
        # its last of a chunk (ewrite_ek) / of a row (ewrite_ec)
        ewrite, ewrite_ek, ewrite_ec = Signal(), Signal(), Signal()
        m.d.sync += [
            sending.eq(0),
            send_sync.eq(0),
            send_async.eq(0),
            learn_more.eq(0),
            ewrite.eq(0),
            ewrite_ek.eq(0),
            ewrite_ec.eq(0),
            unst_clear.eq(0),
        ]
        # nxt == prev but for neuron N - 1, compared in two registered steps in every clock:
        # (only a synchronous recall uses it, whose sweep decides neurons 0 .. N - 1 in order;
        # the decision of N - 2 comes a slot (>= 3 clocks) before the last, and CHECK, the
        # clock after the last, compares neuron N - 1's bit itself: one N-bit compare in one
        # clock was the slowest path)
        same_bytes = Signal(-(-(np_ - 1) // 8))
        same_but_last = Signal()
        rest_nxt, rest_prev = Cat(nxt[: n - 1], nxt[n:]), Cat(prev[: n - 1], prev[n:])
        m.d.sync += [
            same_bytes.eq(Cat(*(rest_nxt[k : k + 8] == rest_prev[k : k + 8] for k in range(0, np_ - 1, 8)))),
            same_but_last.eq(same_bytes.all()),
        ]
        at_flags = at_acc.delayed(m, "flags")  # the field's sign and zero flags, registered
        at_dec = at_flags.delayed(m, "decide")
        with m.If(restart):  # (every way into RUN)
            m.d.sync += in_run.eq(1)
        with m.Elif(at_dec.final):  # (the only way out)
            m.d.sync += in_run.eq(0)
        # The decision, registered beside the tag: the field's sign, the new state, and
        # which vector it goes to (the state vectors' write logic then starts at flip-flops).
        pos_h, neg_h, dec_new = Signal(), Signal(), Signal()
        dec_cur, dec_nxt, dec_unst = Signal(), Signal(), Signal()
        positive, negative = ~field[-1] & (field != 0), field[-1]
        m.d.sync += [
            pos_h.eq(positive),
            neg_h.eq(negative),
            dec_new.eq(Mux(positive, 1, Mux(negative, 0, at_flags.old))),
            dec_cur.eq(at_flags.last & ~learning & ~sync_mode),
            dec_nxt.eq(at_flags.last & ~learning & sync_mode),
            dec_unst.eq(at_flags.last & learning),
        ]
        # The decided neuron one-hot, decoded a clock ahead: the state vectors' N write
        # enables are then one gate each instead of an N-way decoder of at_dec.ni.
        dec_hot = Signal(np_, reset_less=True)  # (decoded every clock: no reset needed)
        m.d.sync += dec_hot.eq((Const(1, np_) << at_flags.ni)[:np_])

        def set_decided(vector, value):
            """``vector[at_dec.ni] = value`` through the one-hot."""
            return vector.eq((vector & ~dec_hot) | Mux(value, dec_hot, 0))

        with m.If(self.sweep_ready):
            m.d.sync += self.sweep_valid.eq(0)

        # Commands and LEVEL writes are registered before the state machine takes them
        # (a write taken while the core is busy is ignored, as before); STATUS.BUSY covers
        # the clock in between.
        # IDLE as a flip-flop beside the state register: BUSY, the read hold and the command
        # intake then start at a flip-flop.  It is set and cleared (below the state machine)
        # from flags registered a clock ahead, not from the state machine's transitions: its
        # enable would otherwise be the OR of every transition, five LUTs behind the state.
        idle = Signal(init=1)
        # this clock is SEND's / E_WRITE's, and the state machine goes to IDLE next (registered
        # in END / E_DIFF, whose conditions hold through the next clock)
        send_to_idle, write_to_idle = Signal(), Signal()
        # E_WRITE's lane enables, registered in E_DIFF: the write starts at flip-flops, not at
        # the decoded state (its address and data are driven in every clock)
        write_lanes = Signal(p)
        m.d.sync += [send_to_idle.eq(0), write_to_idle.eq(0), write_lanes.eq(0)]

        def go(state: str):
            m.next = state

        cmd_pending = Signal()
        level_pending, level_q = Signal(), Signal(signed(lb))
        # ... and a START/LEARN, decoded as it is registered: a sweep starts from flip-flops
        # (a pending command always finds the FSM in IDLE: bus writes are two clocks apart)
        # (the command is decoded once, here: a START or LEARN (start_q; recall_q or learn_q,
        # and start_sync_q for a synchronous one) or a HEBB/CLEAR (walk_q, walk_op_q))
        start_q, start_sync_q, learn_q = Signal(), Signal(), Signal()
        recall_q = Signal()
        walk_q, walk_op_q = Signal(), Signal(2)  # ... and a HEBB/CLEAR: the engine's walk, its op
        takes = Cat(csr.CMD == c for c in (Command.START_ASYNC, Command.START_SYNC, Command.LEARN)).any()
        m.d.sync += [
            start_q.eq(csr.CMD_wstb & idle & takes),
            start_sync_q.eq(csr.CMD != Command.START_ASYNC),
            recall_q.eq(
                csr.CMD_wstb & idle & ((csr.CMD == Command.START_ASYNC) | (csr.CMD == Command.START_SYNC))
            ),
            learn_q.eq(csr.CMD_wstb & idle & (csr.CMD == Command.LEARN)),
            walk_q.eq(csr.CMD_wstb & idle & ((csr.CMD == Command.HEBB) | (csr.CMD == Command.CLEAR))),
            walk_op_q.eq(Mux(csr.CMD == Command.HEBB, 0, 2)),
            cmd_pending.eq(csr.CMD_wstb & idle),
            level_pending.eq(csr.LEVEL_wstb & idle & (csr.WI < n) & (csr.WJ < n)),
            level_q.eq(csr.LEVEL.as_signed()),
        ]
        m.d.comb += [
            restart.eq(start_q | (sending & ~end)),
            restart_sync.eq(Mux(start_q, start_sync_q, sync_mode)),
            advance.eq(in_run & (t < n) & (q == slot - 1)),
        ]

        wj_chunk = csr.WJ >> lg_p if p > 1 else csr.WJ  # the chunk of (WI, WJ)'s row holding WJ
        # whether this clock of neuron t's slot is one of the C that read its words
        in_window = (t < n) & (q >= slot - c_n) if slot > c_n else t < n
        # What IDLE and RUN do besides their transitions, enabled by flip-flops (the pending
        # command flags, taken only in IDLE; in_run) instead of the decoded state, whose
        # logic in front of the registers' enables was the slowest path.
        with m.If(cmd_pending | level_pending):
            m.d.sync += cycles.eq(0)
        with m.If(recall_q):
            m.d.sync += [
                sync_mode.eq(start_sync_q),
                learning.eq(0),
                sweeps.eq(0),
                flips.eq(0),
                converged.eq(0),
                cycle2.eq(0),
                done.eq(0),
                t.eq(0),
                q.eq(0),
                c.eq(0),
                acc.eq(0),
            ]
            m.d.comb += lfsr.en.eq(~start_sync_q)
        with m.If(learn_q):
            m.d.sync += [
                sync_mode.eq(1),
                learning.eq(1),
                t.eq(0),
                q.eq(0),
                c.eq(0),
                acc.eq(0),
                unstable.eq(0),
                unst_clear.eq(1),  # (the first RUN clock clears unst)
            ]
        # RUN issues neuron t's C words in the last C clocks of its slot, starting one chunk
        # after the previous neuron's column, so that column's word is read last (see
        # HopfieldSpec.cycles_per_field).  (The read address and the tag are driven below the
        # state machine.)
        with m.If(in_run):
            with m.If(in_window):
                m.d.sync += c.eq(Mux(c == c_n - 1, 0, c + 1))
            with m.If(t < n):
                with m.If(q == slot - 1):
                    col_chunk = iss_ni >> lg_p if p > 1 else iss_ni
                    m.d.sync += [
                        q.eq(0),
                        t.eq(t + 1),
                        c.eq(Mux(col_chunk == c_n - 1, 0, col_chunk + 1)),
                    ]
                with m.Else():
                    m.d.sync += q.eq(q + 1)
        with m.FSM():
            with m.State("IDLE"):
                # (a START or LEARN: start_q; the entry walk of a HEBB, CLEAR or LEVEL starts below)
                with m.If(start_q):
                    go("RUN")
                with m.Elif(walk_q | level_pending):
                    go("E_READ")

            # -- neuron updates -------------------------------------------------------------
            with m.State("RUN"):
                # (issue, accumulation and decision: above and below the state machine; the
                # pipeline's tags say what they work on, and only RUN issues words)
                with m.If(at_dec.final):
                    go("CHECK")
            with m.State("CHECK"):  # the sweep's flags, registered (the N-bit compare: above)
                m.d.sync += [
                    no_flip.eq(flips == 0),
                    same_as_prev.eq(same_but_last & (nxt[n - 1] == prev[n - 1])),
                    repeat_sync.eq(sync_mode & (sweeps != 0)),
                    last_allowed.eq(sweeps + 1 >= csr.MAX_SWEEPS),
                    any_unstable.eq(unstable != 0),
                ]
                go("END")
            with m.State("END"):
                # Whether the sweep ends the recall, registered; and the stall: a recall's
                # sweep waits here until the previous sweep's word has been taken.  SEND then
                # steers the state vectors, the counters and the order ROM from flip-flops.
                ends_recall = no_flip | (repeat_sync & same_as_prev) | last_allowed
                m.d.sync += [
                    conv.eq(no_flip),
                    cyc.eq(repeat_sync & same_as_prev & ~no_flip),
                    end.eq(ends_recall),
                ]
                with m.If(learning | ~self.sweep_valid):
                    m.d.sync += [
                        send_to_idle.eq(Mux(learning, ~any_unstable, ends_recall)),
                        learn_more.eq(learning & any_unstable),
                        sending.eq(~learning),
                        send_sync.eq(~learning & sync_mode),
                        send_async.eq(~learning & ~sync_mode),
                    ]
                    go("SEND")
            with m.State("SEND"):
                # (send_to_idle: a learning sweep without unstable neurons, or a recall's end)
                with m.If(send_to_idle):
                    go("IDLE")
                with m.Elif(learning):  # (learn_more starts the entry walk)
                    go("E_READ")
                with m.Else():
                    go("RUN")

            # -- pulse engine ---------------------------------------------------------------
            with m.State("E_READ"):
                go("E_WAIT")
            with m.State("E_WAIT"):  # the row is read
                go("E_WAIT2")
            with m.State("E_WAIT2"):  # the row leaves the block RAM
                go("E_WAIT3")
            with m.State("E_WAIT3"):  # ... and reaches its bank's register
                go("E_WAIT4")
            with m.State("E_WAIT4"):  # ... and its carried one (the selected bank's: word_q next)
                # the size and sign of the entry's pulses, registered (the state bits of i and
                # j arrived three clocks after E_READ)
                amp = csr.AMP
                with m.If(eop == 0):
                    m.d.sync += mag.eq(amp)
                with m.Else():
                    m.d.sync += mag.eq(Mux(ui & uj, amp << 1, Mux(ui | uj, amp, 0)))
                m.d.sync += same_sign.eq(si == sj)
                go("E_LANE")
            with m.State("E_LANE"):  # the entry's level and the pulses it gets, registered
                m.d.sync += [
                    d_old.eq(lane(word_q, ek)[wb:].as_signed()),
                    pulses.eq(Mux(same_sign, mag, -mag)),
                ]
                go("E_SUM")
            with m.State("E_SUM"):
                with m.Switch(eop):
                    with m.Case(2):
                        m.d.sync += dnew.eq(0)
                    with m.Case(3):
                        m.d.sync += dnew.eq(set_val)
                    with m.Default():
                        m.d.sync += dnew.eq(d_old + pulses)
                go("E_CLIP")
            with m.State("E_CLIP"):
                m.d.sync += [
                    ed.eq(Mux(dnew > lm, lm, Mux(dnew < -lm, -lm, dnew))),
                    evalid.eq((j < n) & (j != ei)),
                ]
                go("E_ROM")
            with m.State("E_ROM"):
                # d >= 0: w = q+[cls_p][d] - q-[cls_m][0]; d < 0: w = q+[cls_p][0] - q-[cls_m][-d]
                # (the class ROM is addressed in every state, from flip-flops: below)
                go("E_ROMQ")
            with m.State("E_ROMQ"):  # the two conductances, registered (in the block RAM) ...
                m.d.sync += [rom_a_q.eq(rom_a.data), rom_b_q.eq(rom_b.data)]
                go("E_ROMQ2")
            with m.State("E_ROMQ2"):  # ... and once more in the fabric, beside the subtractor
                m.d.sync += [rom_a_q2.eq(rom_a_q), rom_b_q2.eq(rom_b_q)]
                go("E_DIFF")
            with m.State("E_DIFF"):  # their difference, registered
                m.d.sync += [
                    diff.eq(Mux(ed[-1], rom_b_q2 - rom_a_q2, rom_a_q2 - rom_b_q2)),
                    ewrite.eq(~single),
                    ewrite_ek.eq(~single & ek_last),
                    ewrite_ec.eq(~single & ek_last & ec_last),
                    write_to_idle.eq(single | (ek_last & ec_last & ei_last)),
                    write_lanes.eq(Mux(evalid, Const(1, p) << ek, 0)),
                ]
                go("E_WRITE")
            with m.State("E_WRITE"):  # (the write's lane enables come from write_lanes)
                with m.If(write_to_idle):  # (the counters move below)
                    go("IDLE")
                with m.Else():
                    go("E_READ")

        # (a START, LEARN, HEBB, CLEAR or LEVEL write is taken only in IDLE: it leaves it)
        with m.If(send_to_idle | write_to_idle):
            m.d.sync += idle.eq(1)
        with m.Elif(start_q | walk_q | level_pending):
            m.d.sync += idle.eq(0)

        # The pulse engine's write of the entry's lane: the enables say E_WRITE (write_lanes),
        # the row and the word (the entry's level and weight, in every lane) are the engine's.
        wmax = spec.weight_max
        weight = Mux(diff > wmax, wmax, Mux(diff < -wmax, -wmax, diff))
        m.d.comb += [
            wr.addr.eq(erow),
            wr.data.eq(Cat(*([Cat(weight[:wb], ed)] * p))),
            wr.en.eq(write_lanes),
        ]
        # The synapse read address, selected by flip-flops beside the state machine (idle,
        # in_run) rather than by its decoded state, whose logic was the slowest path into
        # addr_q: in IDLE the row of (WI, WJ), in RUN neuron t's words (the tag says which are
        # valid), in every other state the pulse engine's row.  (Outside its reads of E_READ to
        # E_WAIT4, E_ROM and E_WRITE a state's word is used by nothing: the engine takes the
        # word of E_READ in E_LANE, and LEVEL_RD/WEIGHT reads wait while the core is busy.)
        m.d.comb += [
            addr_next.eq(Mux(idle, csr.WI * c_n + wj_chunk, Mux(in_run, iss_ni * c_n + c, erow))),
            issue.valid.eq(in_run & in_window),
        ]

        # The pulse engine's entry counters, from flip-flops only: a LEVEL write, a HEBB or
        # CLEAR, or a learning sweep with unstable neurons starts the walk (each registered
        # as it is taken), E_WRITE (flagged by ewrite*) moves it on.  They never coincide.
        with m.If(level_pending):
            m.d.sync += [
                eop.eq(3),
                single.eq(1),
                set_val.eq(level_q),
                ei.eq(csr.WI),
                ec.eq(wj_chunk),
                ek.eq(csr.WJ[:lg_p] if p > 1 else 0),
                erow.eq(csr.WI * c_n + wj_chunk),
            ]
        with m.Elif(walk_q | learn_more):
            m.d.sync += [
                eop.eq(Mux(learn_more, 1, walk_op_q)),
                erow.eq(0),
                ei.eq(0),
                ec.eq(0),
                ek.eq(0),
                single.eq(0),
            ]
        with m.Else():
            with m.If(ewrite):
                m.d.sync += ek.eq(Mux(ek_last, 0, ek + 1))
            with m.If(ewrite_ek):
                m.d.sync += [erow.eq(erow + 1), ec.eq(Mux(ec_last, 0, ec + 1))]
            with m.If(ewrite_ec):
                m.d.sync += ei.eq(ei + 1)
        # d >= 0: w = q+[cls_p][d] - q-[cls_m][0]; d < 0: w = q+[cls_p][0] - q-[cls_m][-d]
        # (read in every clock; E_ROMQ takes the words addressed in E_ROM)
        up = ~ed[-1]
        m.d.comb += [
            rom_a.addr.eq(Cat(Mux(up, ed, -ed)[:kb], Mux(up, cls_p, cls_m), ~up)),
            rom_b.addr.eq(Cat(Const(0, kb), Mux(up, cls_m, cls_p), up)),
        ]

        # Accumulate; a neuron's field is registered with its tag for the decision.
        with m.If(at_acc.valid):
            total = Signal(signed(acc_bits))
            m.d.comb += total.eq(acc + chunk_sum)
            m.d.sync += [acc.eq(Mux(at_acc.last, 0, total)), field.eq(total)]
        # Decide (two clocks after the neuron's last word was accumulated).
        old = at_dec.old
        with m.If(dec_unst):
            m.d.sync += [
                set_decided(unst, Mux(old, ~pos_h, ~neg_h)),
                unstable.eq(unstable + Mux(old, neg_h, pos_h)),
            ]
        with m.If(dec_nxt):
            m.d.sync += [set_decided(nxt, dec_new), flips.eq(flips + (dec_new != old))]
        with m.If(dec_cur):
            m.d.sync += [set_decided(cur, dec_new), flips.eq(flips + (dec_new != old))]
        with m.If(unst_clear):
            m.d.sync += unst.eq(0)
        # CUE writes, registered (a START comes at least three clocks after a CUE write)
        cue_we = Signal(spec.state_words)
        cue_data = Signal(32)
        cue = csr.CUE if spec.state_words > 1 else [csr.CUE]
        cue_stb = csr.CUE_wstb if spec.state_words > 1 else [csr.CUE_wstb]
        m.d.sync += cue_we.eq(Cat(*cue_stb) & idle.replicate(spec.state_words))
        for k in range(spec.state_words):
            width = min(32, n - 32 * k)
            with m.If(cue_stb[k]):
                m.d.sync += cue_data.eq(cue[k])
            with m.If(cue_we[k]):
                m.d.sync += cur[32 * k : 32 * k + width].eq(cue_data[:width])

        # SEND of a recall sweep; its N-bit moves each under their own flip-flop
        with m.If(send_sync):
            m.d.sync += [self.sweep_payload.eq(nxt[:n]), cur.eq(nxt), prev.eq(cur)]
        with m.If(send_async):
            m.d.sync += self.sweep_payload.eq(cur[:n])
        with m.If(sending):
            m.d.sync += [
                sweeps.eq(sweeps + 1),
                self.sweep_valid.eq(1),
                self.sweep_last.eq(end),
            ]
            with m.If(end):
                m.d.sync += [converged.eq(conv), cycle2.eq(cyc), done.eq(1)]
            with m.Else():
                m.d.sync += [t.eq(0), q.eq(0), c.eq(0), flips.eq(0)]
                m.d.comb += lfsr.en.eq(~sync_mode)

        busy = Signal()
        m.d.comb += busy.eq(~idle | cmd_pending | level_pending)
        # LEVEL_RD/WEIGHT come from the registered lane of the synapse word: reads wait until
        # the lane of (WI, WJ) has arrived (a read latency and three clocks after a write of
        # WI/WJ or the end of a command).
        # A WI/WJ write holds reads from the next clock on through a flip-flop (the bus's
        # write strobe is a few gates deep), then through the count, started a clock later.
        settle = Signal(range(SYNAPSE_READ_LATENCY + 3))
        pair_written = Signal()
        m.d.sync += pair_written.eq(csr.WI_wstb | csr.WJ_wstb)
        with m.If(busy | pair_written):
            m.d.sync += settle.eq(SYNAPSE_READ_LATENCY + 2)
        with m.Elif(settle != 0):
            m.d.sync += settle.eq(settle - 1)
        # (STATUS polls pass while busy)
        m.d.comb += bank.read_hold.eq(((settle != 0) | pair_written) & ~busy)
        with m.If(~idle):
            m.d.sync += cycles.eq(cycles + 1)
        peek = Signal(e)  # the lane of (WI, WJ), registered
        m.d.sync += peek.eq(lane(word_q, csr.WJ[:lg_p]) if p > 1 else word_q)
        words = csr.STATE if spec.state_words > 1 else [csr.STATE]
        for k, word in enumerate(words):
            m.d.comb += word.eq(cur[32 * k : 32 * (k + 1)])
        m.d.comb += [
            csr.ID.eq(spec.regmap.ident),
            csr.N.eq(n),
            csr.LANES.eq(p),
            csr.LEVELS.eq(spec.n_levels),
            csr.STATUS.eq(Cat(busy, converged, cycle2, done)),
            csr.SWEEPS.eq(sweeps),
            csr.FLIPS.eq(flips),
            csr.UNSTABLE.eq(unstable),
            csr.CYCLES.eq(cycles),
            csr.LEVEL_RD.eq(peek[wb : wb + lb]),
            csr.WEIGHT.eq(peek[:wb]),
        ]
        return m
