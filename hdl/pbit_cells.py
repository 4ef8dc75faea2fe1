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

On a clock with ``update`` high the p-bits of the color selected by the one-hot
``phase`` take their new spin (unless clamped) and advance their RNG; all of them read
the same old spins, so one clock updates one whole color class.  Writes to the tables
come already decoded: a p-bit is selected by ``hi[i // 32] & lo[i % 32]``.
"""

from __future__ import annotations

from amaranth import Cat, Const, Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from ..sim_golden.pbit_net_regmap import table_data_bits
from ..sim_golden.pbit_net_spec import PBitMode, PBitNetSpec
from ..sim_golden.pbit_net_tables import field_groups, partial_bits, prob_index_bits, table_layout
from ..sim_golden.rng import RNGKind
from .fixed import saturate_symmetric, sign_extend, tree_sum
from .rng import lfsr_logic, rng_for

__all__ = ["PBitCells", "select_widths"]


def select_widths(n: int) -> tuple[int, int]:
    """Widths of the ``(hi, lo)`` one-hot p-bit selects: ``ceil(n / 32)`` and ``min(n, 32)``."""
    return -(-n // 32), min(n, 32)


class PBitCells(wiring.Component):
    """All ``n`` p-bits of ``spec`` with their tables.

    Attributes
    ----------
    update : In(1)
        Update the color whose bit is set in ``phase`` this clock.
    phase : In(num_colors)
        One-hot color.
    seed_shift, seed_in : In(1), In(32)
        Shift ``seed_in`` into the RNG seed chain (``chain_bits`` bits per clock).
    ft_en, ft_hi, ft_lo, ft_group, ft_pattern, ft_data
        Field-table write: entry ``ft_pattern`` of group ``ft_group`` of the selected p-bit.
    pt_en, pt_hi, pt_lo, pt_addr, pt_data
        Probability-table write: entry ``pt_addr`` of the selected p-bit's table, or of
        every p-bit's when ``spec.broadcast_tables`` (``pt_hi``/``pt_lo`` are then unused).
    word_hot : In(state_words)
        One-hot 32-p-bit word for the three loads below.
    load_state, load_clamp_en, load_clamp_val, word_data : In(1), In(1), In(1), In(32)
        Load spins of the unclamped p-bits of the word, their clamp flags, or the spins
        of the clamped ones, from ``word_data`` (bit ``i`` = p-bit ``32k + i``).
    spins : Out(n)
        Current spins (1 = +1).
    """

    def __init__(self, *, spec: PBitNetSpec):
        if not isinstance(spec, PBitNetSpec):
            raise TypeError(f"spec must be a PBitNetSpec, not {spec!r}")
        self.spec = spec
        hi, lo = select_widths(spec.n)
        group_bits, pattern_bits = table_layout(spec)
        super().__init__(
            {
                "update": In(1),
                "phase": In(spec.num_colors),
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
            }
        )

    def _field_code(self, m, i: int, groups, spins, ft_select):
        """The probability-table code of p-bit ``i``'s saturated field (its field tables)."""
        spec = self.spec
        neighbour_of = {e: nb for nb, e in spec.neighbours[i]}
        single = len(groups) == 1
        width = spec.acc_bits if single else partial_bits(spec)
        reads = []
        for g, edges in enumerate(groups):
            bits = max(1, len(edges))
            table = Memory(shape=width, depth=1 << bits, init=[])
            m.submodules[f"field{i}_{g}"] = table
            write = table.write_port()
            read = table.read_port(domain="comb")
            pattern = [spins[neighbour_of[e]] for e in edges] or [Const(0, 1)]
            en = ft_select if single else ft_select & (self.ft_group == g)
            m.d.comb += [
                read.addr.eq(Cat(*pattern)),
                write.addr.eq(self.ft_pattern[:bits]),
                write.data.eq(self.ft_data[:width]),
                write.en.eq(en),
            ]
            reads.append(read.data)
        if single:
            return reads[0]
        a = spec.acc_bits
        wide = width + (len(groups) - 1).bit_length()
        total = tree_sum(m, [sign_extend(r, wide) for r in reads], wide, f"field{i}_sum")
        field = saturate_symmetric(m, total, wide, a, f"field{i}")
        if not spec.symmetric:
            return field
        code = Signal(a, name=f"field{i}_code")
        sign = field[a - 1]
        magnitude = Mux(sign, (~field + 1)[: a - 1], field[: a - 1])
        m.d.comb += code.eq(Cat(magnitude, sign))
        return code

    def elaborate(self, platform):
        m = Module()
        spec = self.spec
        n, a = spec.n, spec.acc_bits
        telegraph = spec.mode is PBitMode.TELEGRAPH
        spins = Signal(n)
        m.d.comb += self.spins.eq(spins)
        color_update = [Signal(name=f"update_color{c}") for c in range(spec.num_colors)]
        for c, sig in enumerate(color_update):
            m.d.comb += sig.eq(self.update & self.phase[c])
        rng_states = spec.rng_states()
        rng_model = spec.rng_model
        random_shift = spec.word_bits - spec.prob_bits
        chain_in = self.seed_in
        all_groups = field_groups(spec)
        index_bits = prob_index_bits(spec)
        for i in range(n):
            word, bit = divmod(i, 32)
            hi, lo = i // 32, i % 32
            ft_select = self.ft_en & self.ft_hi[hi] & self.ft_lo[lo]
            code = self._field_code(m, i, all_groups[i], spins, ft_select)

            # probability table at the code (+ own spin in telegraph mode)
            table = Memory(shape=spec.prob_bits, depth=1 << index_bits, init=[])
            m.submodules[f"prob{i}"] = table
            write = table.write_port()
            read = table.read_port(domain="comb")
            if spec.symmetric:
                index, negative = code[: a - 1], code[a - 1]
            else:
                index, negative = code, 0
            if telegraph:
                index = Cat(index, spins[i])
            pt_select = self.pt_en if spec.broadcast_tables else self.pt_en & self.pt_hi[hi] & self.pt_lo[lo]
            m.d.comb += [
                read.addr.eq(index),
                write.addr.eq(self.pt_addr),
                write.data.eq(self.pt_data),
                write.en.eq(pt_select),
            ]

            # RNG: advances on every update of the p-bit's color (clamped or not)
            update = color_update[int(spec.colors[i])]
            init = [int(x) for x in rng_states[i]]
            if spec.rng is RNGKind.LFSR:
                state = lfsr_logic(
                    m,
                    model=rng_model,
                    init=init[0],
                    chain_bits=spec.chain_bits,
                    en=update,
                    shift=self.seed_shift,
                    shift_in=chain_in,
                    name=f"rng{i}",
                )
                random, chain_in = state[random_shift:], state[spec.lfsr_width - spec.chain_bits :]
            else:
                rng = rng_for(rng_model, init)
                m.submodules[f"rng{i}"] = rng
                m.d.comb += [rng.en.eq(update), rng.shift.eq(self.seed_shift), rng.shift_in.eq(chain_in)]
                random, chain_in = rng.word[random_shift:], rng.shift_out
            hit = random < read.data
            new = spins[i] ^ hit if telegraph else hit ^ negative

            # spin and clamp flip-flops
            clamped = Signal(name=f"clamped{i}")
            mine = self.word_hot[word]
            with m.If(self.load_clamp_en & mine):
                m.d.sync += clamped.eq(self.word_data[bit])
            with m.If(mine & Mux(clamped, self.load_clamp_val, self.load_state)):
                m.d.sync += spins[i].eq(self.word_data[bit])
            with m.Elif(update & ~clamped):
                m.d.sync += spins[i].eq(new)
        return m
