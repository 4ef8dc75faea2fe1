"""What the two memory fabrics of the p-bit network share: the multiplexed
(:mod:`.pbit_mux`) and the streaming (:mod:`.pbit_stream`) one.

Both have the same register map (:func:`~spinemu.sim_golden.pbit_net_regmap.network_regmap`
of a memory fabric): spin and clamp words of ``lanes`` slots selected by ``WORD_SEL``,
an RNG-state window, a weight window, and probability tables rewritten per β by one
:class:`~.prob_table_engine.ProbTableEngine` between sweeps.  The pieces here build
those parts of a top level from its bank's ``csr``.
"""

from __future__ import annotations

from amaranth import Cat, Const, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ..sim_golden.pbit_net_spec import Fabric, PBitNetSpec
from .axil import AXI4LiteSignature, CSRBank
from .pbit_net import READ_SETTLE

__all__ = [
    "MemoryFabricTop",
    "delayed",
    "encode_field", "state_value", "probability_tables", "bus_spin_words", "clamp_writes", "seed_window",
    "read_side",
]


class MemoryFabricTop(wiring.Component):
    """A memory fabric behind an AXI4-Lite register bank, with a stream of spin words.

    Subclasses set :attr:`FABRIC` and build the datapath in ``elaborate``, starting with
    :meth:`bank`.

    Attributes
    ----------
    s_axi : In(AXI4LiteSignature)
        Register access (map: ``spec.regmap``).
    sample : Out(lanes)
        A word of ``lanes`` new spins (bit ``l`` = slot ``lanes * w + l`` of word ``w``;
        1 = +1).
    sample_valid : Out(1)
        ``sample`` holds the next word of the sweep in progress (words in slot order).
    """

    #: The fabric this top level builds.
    FABRIC: Fabric

    def __init__(self, *, spec: PBitNetSpec):
        if not isinstance(spec, PBitNetSpec) or spec.fabric is not self.FABRIC:
            raise TypeError(f"spec must be a PBitNetSpec with fabric = {self.FABRIC.value!r}, not {spec!r}")
        self.spec = spec
        super().__init__(
            {
                "s_axi": In(AXI4LiteSignature(addr_width=spec.regmap.addr_width)),
                "sample": Out(spec.lanes),
                "sample_valid": Out(1),
            }
        )

    def bank(self, m) -> CSRBank:
        """The register bank (``m.submodules.bank``), connected to ``s_axi``."""
        m.submodules.bank = bank = CSRBank(regmap=self.spec.regmap, read_hold=True)
        wiring.connect(m, wiring.flipped(self.s_axi), bank.bus)
        return bank


def delayed(m, value, name: str, first: int, last: int):
    """``value`` (valid in clock ``t + first - 1``) registered into clock ``t + last``."""
    for k in range(first, last + 1):
        q = Signal(len(value), name=f"{name}{k}")
        m.d.sync += q.eq(value)
        value = q
    return value


def encode_field(m, spec: PBitNetSpec, total, width: int):
    """The field ``total`` (``width``-bit two's complement, exact) saturated to
    ``acc_bits`` and encoded as a probability-table index, registered: ``(index,
    negative)``.  With symmetric tables the index is ``|I|`` and ``negative`` its sign
    (the comparison is then inverted); otherwise the index is ``I`` and ``negative`` 0."""
    from ..sim_golden.pbit_net_tables import prob_index_bits
    from .fixed import saturate_symmetric

    a = spec.acc_bits
    field = saturate_symmetric(m, total, width, a, "field")
    index = Signal(prob_index_bits(spec), name="index")
    negative = Signal(name="negative")
    if spec.symmetric:
        m.d.sync += [
            negative.eq(field[a - 1]),
            index.eq(Mux(field[a - 1], (~field + 1)[: a - 1], field[: a - 1])),
        ]
    else:
        m.d.sync += index.eq(field)
    return index, negative


def state_value(words) -> int:
    """An RNG state from its 32-bit words (word 0 lowest)."""
    return sum(int(w) << (32 * k) for k, w in enumerate(words))


def probability_tables(m, engine, control, in_flight) -> list[Signal]:
    """Start ``engine`` whenever the tables are not those of ``control``'s β and no sweep
    is under way or in flight; tell ``control`` when they are ready.  Returns the
    engine's writes registered once (``we``, ``addr``, ``data``), for every table."""
    tables_valid = Signal()
    tables_beta = Signal.like(control.tables_beta)
    m.d.comb += [
        engine.beta_m.eq(control.beta_m),
        engine.start.eq(
            ~engine.busy & ~(tables_valid & (tables_beta == control.beta_m)) & ~control.active & ~in_flight
        ),
        control.tables_ready.eq(tables_valid & ~engine.busy),
        control.tables_beta.eq(tables_beta),
    ]
    with m.If(engine.done):
        m.d.sync += [tables_valid.eq(1), tables_beta.eq(engine.table_beta)]
    pt = [Signal.like(engine.we, name="pt_we"), Signal.like(engine.addr, name="pt_addr"),
          Signal.like(engine.data, name="pt_data")]  # fmt: skip
    m.d.sync += [pt[0].eq(engine.we), pt[1].eq(engine.addr), pt[2].eq(engine.data)]
    return pt


def bus_spin_words(m, csr, old, en):
    """The spin word a bus write stores at ``WORD_SEL`` (``old``: its spins, ``en``: its
    clamp enables, both read at ``WORD_SEL``), and ``STATE`` registered from ``old``.

    ``STATE_IN`` loads the unclamped slots (clamped ones keep their spin); ``CLAMP_VAL``
    sets the clamped ones (unclamped ones keep theirs).  Returns ``(write, word)``.
    """
    loaded = (en & old) | (~en & csr.STATE_IN)
    clamped = (en & csr.CLAMP_VAL) | (~en & old)
    m.d.sync += csr.STATE.eq(old)
    return csr.STATE_IN_wstb | csr.CLAMP_VAL_wstb, Mux(csr.STATE_IN_wstb, loaded, clamped)


def clamp_writes(m, csr, clamp_en, clamp_val, old):
    """The bus writes of the clamp memories (word ``WORD_SEL``; ``old``: its spins)."""
    en_wr, val_wr = clamp_en.write_port(), clamp_val.write_port()
    word_sel = csr.WORD_SEL
    m.d.comb += [
        en_wr.addr.eq(word_sel),
        en_wr.en.eq(csr.CLAMP_EN_wstb),
        en_wr.data.eq(csr.CLAMP_EN),
        # a new clamp keeps its spin as its value; CLAMP_VAL sets value and spin
        val_wr.addr.eq(word_sel),
        val_wr.en.eq(csr.CLAMP_EN_wstb | csr.CLAMP_VAL_wstb),
        val_wr.data.eq(Mux(csr.CLAMP_VAL_wstb, csr.CLAMP_VAL, old)),
    ]


def seed_window(m, csr, spec: PBitNetSpec):
    """The RNG-state window: ``SEED_ADDR`` sets the word pointer (slot * words + word),
    ``SEED`` writes there and advances.  Returns ``(store, slot, state)``: the write of
    the slot's last word stores ``state`` (all its words) at ``slot``."""
    sw = spec.rng_model.state_words
    seed_ptr = Signal(len(csr.SEED_ADDR), name="seed_ptr")
    seed_staged = Signal(32 * (sw - 1), name="seed_staged") if sw > 1 else None
    seed_part = seed_ptr[: (sw - 1).bit_length()] if sw > 1 else Const(0, 1)
    seed_slot = seed_ptr[(sw - 1).bit_length() :]
    store = csr.SEED_wstb & (seed_part == sw - 1)
    with m.If(csr.SEED_ADDR_wstb):
        m.d.sync += seed_ptr.eq(csr.SEED_ADDR)
    with m.Elif(csr.SEED_wstb):
        m.d.sync += seed_ptr.eq(seed_ptr + 1)
        if sw > 1:
            m.d.sync += seed_staged.word_select(seed_part, 32).eq(csr.SEED)
    state = Cat(seed_staged, csr.SEED) if sw > 1 else csr.SEED[: spec.rng_model.state_bits]
    return store, seed_slot, state


def read_side(m, bank, s_axi, spec: PBitNetSpec, *, busy, tables_busy):
    """Reads wait ``READ_SETTLE`` clocks after any write (``STATE`` is two registers on);
    the read-only registers."""
    csr = bank.csr
    wrote = Signal(READ_SETTLE)
    m.d.sync += wrote.eq(Cat(s_axi.wvalid & s_axi.wready, wrote))
    m.d.comb += [
        bank.read_hold.eq(wrote.any()),
        csr.ID.eq(spec.regmap.ident),
        csr.N.eq(spec.n),
        csr.NCOLORS.eq(spec.num_colors),
        csr.LANES.eq(spec.lanes),
        csr.GROUPS.eq(spec.mux_layout.groups),
        csr.STATUS.eq(Cat(busy, tables_busy)),
    ]
