"""The AXI4-Lite register map of the p-bit network core, and what a host writes through it.

Its size does not depend on the number of p-bits: per-p-bit data goes through
windows.  Field tables (h and J) through ``TBL_ADDR``/``TBL_DATA``
(:func:`~.pbit_net_tables.field_table_writes`); spins, clamps and captured samples 32
p-bits at a time through the word selected by ``WORD_SEL``; compensation gains and
offsets through ``COMP_SEL``.
"""

from __future__ import annotations

import numpy as np

from .pbit_net_mux import weight_bits
from .pbit_net_spec import BETA_MULT_FRAC, PBIT_NET_IDENT, PBitNetSpec
from .pbit_net_streaming import stream_rows
from .pbit_net_tables import field_table_writes, partial_bits, table_layout
from .regmap import Access, Register, RegisterMap

__all__ = [
    "network_regmap", "STATUS_BUSY", "STATUS_TABLES", "CTRL_CAPTURE", "table_data_bits", "window_writes",
    "seed_writes", "pack_spins", "unpack_spins", "EXCHANGE_FIELD_BITS",
]

#: ``STATUS`` bit 0: sweeps are running (or waiting for the probability tables).
STATUS_BUSY = 1
#: ``STATUS`` bit 1: the table engine is rewriting the probability tables.
STATUS_TABLES = 2
#: ``CTRL`` bit 0: write each sweep's state into the capture buffer.
CTRL_CAPTURE = 1


#: Width of the exchange registers ``EXCH_PERIOD`` and ``EXCH_LATENCY`` of a device of a
#: machine (:mod:`.pbit_net_device`).
EXCHANGE_FIELD_BITS = 16


def table_data_bits(spec: PBitNetSpec) -> int:
    """Width of ``TBL_DATA``: a field code, or a partial sum where a p-bit has several groups."""
    group_bits, _ = table_layout(spec)
    return partial_bits(spec) if group_bits else spec.acc_bits


#: ``STATUS`` (both fabrics).
_STATUS = Register(
    name="STATUS",
    width=2,
    access=Access.RO,
    doc="bit 0 BUSY: sweeping (or waiting for tables); bit 1 TABLES: rewriting "
    "the probability tables for a new beta",
)


def _bits(count: int) -> int:
    return max(1, (count - 1).bit_length())


def network_regmap(spec: PBitNetSpec) -> RegisterMap:
    """The register map of ``spec``'s core (``spec.regmap``)."""
    if spec.multiplexed:
        return _mux_regmap(spec)
    group_bits, pattern_bits = table_layout(spec)
    addr_bits = _bits(spec.n) + group_bits + pattern_bits
    regs = [
        Register(name="N", width=32, access=Access.RO, doc="number of p-bits"),
        Register(
            name="NCOLORS",
            width=16,
            access=Access.RO,
            doc="colors = clocks per sweep" if spec.replicas == 1 else
            f"colors (a sweep of every replica is NCOLORS phases of {spec.color_window} clocks)",
        ),
        Register(
            name="CTRL",
            width=1,
            access=Access.RW,
            doc="bit 0 CAPTURE: write each sweep's state into the sample buffer",
        ),
        _STATUS,
        *_control_registers(spec),
        Register(
            name="TBL_ADDR",
            width=addr_bits,
            access=Access.WO,
            doc=f"field-table window pointer: (p-bit << {group_bits + pattern_bits}) | "
            f"(group << {pattern_bits}) | pattern",
        ),
        Register(
            name="TBL_DATA",
            width=table_data_bits(spec),
            access=Access.WO,
            doc="write the field-table entry at the pointer, then advance the pointer by one",
        ),
        Register(
            name="WORD_SEL",
            width=_bits(spec.state_words),
            access=Access.RW,
            doc="word k of the spin vectors (p-bits 32k..32k+31) for CLAMP_*, STATE*, BUF_DATA",
        ),
        Register(
            name="CLAMP_EN",
            width=32,
            access=Access.WO,
            doc="bit i: p-bit 32k+i (k = WORD_SEL) is clamped: it keeps its spin",
        ),
        Register(
            name="CLAMP_VAL",
            width=32,
            access=Access.WO,
            doc="bit i: set the spin of the clamped p-bit 32k+i (1 = +1); unclamped ones keep theirs",
        ),
        Register(
            name="STATE_IN",
            width=32,
            access=Access.WO,
            doc="bit i: load the spin of the unclamped p-bit 32k+i (1 = +1); clamped ones keep theirs",
        ),
        Register(
            name="STATE",
            width=32,
            access=Access.RO,
            doc="spins 32k..32k+31 (k = WORD_SEL), bit i = p-bit 32k+i",
        ),
    ]
    if spec.replicas > 1:
        regs += [
            Register(name="REPLICAS", width=4, access=Access.RO, doc="interleaved chains (spins per p-bit)"),
            Register(
                name="REPLICA",
                width=_bits(spec.replicas),
                access=Access.RW,
                doc="replica whose spins STATE_IN loads and STATE shows",
            ),
        ]
    if spec.sample_buffer_depth:
        regs += [
            Register(
                name="BUF_COUNT",
                width=32,
                access=Access.RO,
                doc=f"samples captured since reset (one per replica per sweep, replica 0 first); "
                f"slot = count % {spec.sample_buffer_depth}",
            ),
            Register(
                name="BUF_SEL",
                width=_bits(spec.sample_buffer_depth),
                access=Access.RW,
                doc="buffer slot shown in BUF_DATA",
            ),
            Register(
                name="BUF_DATA",
                width=32,
                access=Access.RO,
                doc="word WORD_SEL of the captured spins of slot BUF_SEL",
            ),
        ]
    if spec.compensation:
        gi, gf = spec.gain_bits - spec.gain_frac_bits, spec.gain_frac_bits
        regs += [
            Register(
                name="COMP_SEL",
                width=_bits(spec.n),
                access=Access.RW,
                doc="p-bit whose GAIN/OFFSET a write sets",
            ),
            Register(
                name="GAIN",
                width=spec.gain_bits,
                access=Access.WO,
                doc=f"input gain of p-bit COMP_SEL, u{gi}.{gf} (applied to beta*I before the LUT; "
                "power-up 1.0, kept through reset)",
            ),
            Register(
                name="OFFSET",
                width=spec.offset_bits,
                access=Access.WO,
                signed=True,
                doc=f"input offset of p-bit COMP_SEL, s{spec.offset_bits - spec.offset_frac_bits}."
                f"{spec.offset_frac_bits} in units of current_unit (power-up 0, kept through reset)",
            ),
        ]
    if spec.ghosts:
        regs += [
            Register(
                name="EXCH_PERIOD",
                width=EXCHANGE_FIELD_BITS,
                access=Access.RW,
                reset=1,
                doc="ghost refresh period E in color phases (>= 1): boundary spins are sent after "
                "phases E, 2E, ... of a run (read at the SWEEPS write)",
            ),
            Register(
                name="EXCH_LATENCY",
                width=EXCHANGE_FIELD_BITS,
                access=Access.RW,
                doc="link latency D in color phases: the spins sent after phase p are the ghosts "
                "from phase p + D on",
            ),
        ]
    return RegisterMap(core="pbit_net", ident=PBIT_NET_IDENT, registers=tuple(regs))


def _control_registers(spec: PBitNetSpec) -> list[Register]:
    """Sweeps, seed and β schedule: the same on both fabrics."""
    return [
        Register(name="SWEEPS", width=32, access=Access.WO, doc="write k: run exactly k sweeps, then hold"),
        Register(
            name="SWEEPS_LEFT",
            width=32,
            access=Access.RO,
            doc="sweeps still to run from the last SWEEPS write",
        ),
        Register(
            name="SWEEP_COUNT",
            width=32,
            access=Access.RO,
            doc="sweeps completed since reset (wraps at 2**32)",
        ),
        Register(
            name="SEED",
            width=32,
            access=Access.WO,
            doc="shift one word into the RNG seed chain (see seed_chain_words)",
        ),
        Register(
            name="BETA",
            width=32,
            access=Access.WO,
            doc=f"load beta_acc (u{32 - spec.beta_frac_bits}.{spec.beta_frac_bits})",
        ),
        Register(
            name="BETA_NOW", width=32, access=Access.RO, doc="beta_acc, the beta of the current/next sweep"
        ),
        Register(
            name="BETA_MODE",
            width=2,
            access=Access.RW,
            doc="per-sweep beta update: 0 constant, 1 linear, 2 geometric",
        ),
        Register(
            name="BETA_STEP",
            width=32,
            access=Access.RW,
            signed=True,
            doc="linear: added to beta_acc after each sweep (saturating)",
        ),
        Register(
            name="BETA_MULT",
            width=32,
            access=Access.RW,
            reset=1 << BETA_MULT_FRAC,
            doc="geometric: beta_acc = beta_acc * BETA_MULT >> 30 after each sweep",
        ),
    ]


def _mux_regmap(spec: PBitNetSpec) -> RegisterMap:
    """The multiplexed fabric's map (:mod:`.pbit_net_mux`): words are groups of ``lanes`` slots."""
    lay = spec.mux_layout
    K = spec.lanes
    state_bits = spec.rng_model.state_words
    if spec.streaming:  # a whole row (pbit_net_streaming)
        row, to = lay.slots, f"slot 0..{lay.slots - 1} (0 past slot {spec.n - 1})"
    else:
        row, to = lay.degree, f"neighbour 0..{lay.degree - 1}"
    regs = [
        Register(name="N", width=32, access=Access.RO, doc="number of p-bits"),
        Register(name="NCOLORS", width=32, access=Access.RO, doc="colors (phases of a sweep)"),
        Register(name="LANES", width=8, access=Access.RO, doc="update lanes = spins per word"),
        Register(name="GROUPS", width=32, access=Access.RO, doc="groups (words) of lanes slots"),
        _STATUS,
        *_control_registers(spec),
        Register(
            name="SEED_ADDR",
            width=_bits(lay.slots * state_bits),
            access=Access.WO,
            doc=f"RNG state window pointer: slot * {state_bits} + word (SEED writes there, then advances)",
        ),
        Register(
            name="TBL_ADDR",
            width=_bits(lay.slots),
            access=Access.WO,
            doc=f"weight window pointer: a slot (then TBL_DATA writes its h and {row} couplings)",
        ),
        Register(
            name="TBL_DATA",
            width=weight_bits(spec),
            access=Access.WO,
            doc=f"h, then J of {to} of the slot at the pointer; the last stores the slot and moves "
            "to the next",
        ),
        Register(
            name="WORD_SEL",
            width=_bits(lay.groups),
            access=Access.RW,
            doc=f"group g (slots {K}g..{K}g+{K - 1}) for CLAMP_*, STATE*",
        ),
        Register(
            name="CLAMP_EN",
            width=K,
            access=Access.WO,
            doc="bit l: slot K g + l (g = WORD_SEL) is clamped: it keeps its spin",
        ),
        Register(
            name="CLAMP_VAL",
            width=K,
            access=Access.WO,
            doc="bit l: set the spin of the clamped slot K g + l (1 = +1); unclamped ones keep theirs",
        ),
        Register(
            name="STATE_IN",
            width=K,
            access=Access.WO,
            doc="bit l: load the spin of the unclamped slot K g + l (1 = +1); clamped ones keep theirs",
        ),
        Register(
            name="STATE", width=K, access=Access.RO, doc="spins of group WORD_SEL, bit l = slot K g + l"
        ),
    ]
    return RegisterMap(core="pbit_net", ident=PBIT_NET_IDENT, registers=tuple(regs))


# -- what a host writes and reads, on either fabric ------------------------------------
def window_writes(spec: PBitNetSpec, h_q, j_q) -> tuple[list[str], list[int]]:
    """Register writes (names, values) that load raw ``h_q`` (n,) and ``J_q`` (num_edges,).

    Parallel fabric: the field tables (:func:`~.pbit_net_tables.field_table_writes`),
    with a ``TBL_ADDR`` at every gap of the window address.  Multiplexed: ``TBL_ADDR``
    = a slot, then per slot ``TBL_DATA`` = ``h``, ``J`` of neighbour ``0 .. D - 1``
    (two's complement in :func:`weight_bits`); the ``D + 1``-th write stores the slot's
    word and moves the pointer to the next slot.  Padding slots are skipped.
    Streaming: the same with the slot's whole row, ``J`` to slot ``0 .. beats * W - 1``
    (:func:`~.pbit_net_streaming.stream_rows`; 0 past slot ``n - 1``): every ``W``-th
    write stores a memory word.
    """
    if not spec.multiplexed:
        addrs, values = field_table_writes(spec, h_q, j_q)
        return _pointer_writes(addrs.tolist(), values.tolist())
    lay = spec.mux_layout
    h = np.asarray(h_q, np.int64).reshape(-1)
    mask = (1 << weight_bits(spec)) - 1
    real = np.flatnonzero(lay.pbit_of >= 0)
    if spec.streaming:
        rows = stream_rows(spec, j_q)
    else:
        j = np.concatenate([np.asarray(j_q, np.int64).reshape(-1), [0]])  # index -1: no neighbour
        rows = j[lay.neighbour_edges[real]]
    words = np.concatenate([h[lay.pbit_of[real], None], rows], axis=1) & mask
    names, values, expected = [], [], None
    for s, row in zip(real.tolist(), words.tolist(), strict=True):
        if s != expected:
            names.append("TBL_ADDR")
            values.append(s)
        names += ["TBL_DATA"] * len(row)
        values += row
        expected = s + 1
    return names, values


def _pointer_writes(addrs: list[int], values: list[int]) -> tuple[list[str], list[int]]:
    """``TBL_DATA`` for every value, ``TBL_ADDR`` where the address does not follow on."""
    names, words, expected = [], [], None
    for addr, value in zip(addrs, values, strict=True):
        if addr != expected:  # a gap: move the window pointer (TBL_DATA advances it)
            names.append("TBL_ADDR")
            words.append(addr)
        names.append("TBL_DATA")
        words.append(value)
        expected = addr + 1
    return names, words


def seed_writes(spec: PBitNetSpec, seed: int) -> tuple[list[str], list[int]]:
    """Register writes that load master ``seed``'s RNG streams.

    Parallel fabric: the seed chain (:meth:`~.pbit_net_spec.PBitNetSpec.seed_chain_words`).
    Multiplexed: ``SEED_ADDR = 0``, then every slot's state, 32-bit word 0 first
    (padding slots 0); the last word of a slot stores its state.
    """
    if not spec.multiplexed:
        words = spec.seed_chain_words(seed)
        return ["SEED"] * len(words), words
    lay = spec.mux_layout
    states = np.zeros((lay.slots, spec.rng_model.state_words), np.int64)
    real = lay.pbit_of >= 0
    states[real] = spec.rng_states(seed)[lay.pbit_of[real]]
    words = states.reshape(-1).tolist()
    return ["SEED_ADDR"] + ["SEED"] * len(words), [0] + words


def pack_spins(spec: PBitNetSpec, spins) -> list[int]:
    """Register words of spins (+-1, (n,)): :attr:`~.PBitNetSpec.word_spins` per word."""
    up = np.asarray(spins).reshape(-1) > 0
    if spec.multiplexed:
        lay = spec.mux_layout
        bits = np.zeros(lay.slots, bool)
        bits[lay.slot_of] = up
    else:
        bits = np.zeros(32 * spec.state_words, bool)
        bits[: spec.n] = up
    per = bits.reshape(-1, spec.word_spins)
    return (per.astype(np.uint64) << np.arange(spec.word_spins, dtype=np.uint64)).sum(axis=1).tolist()


def unpack_spins(spec: PBitNetSpec, words) -> np.ndarray:
    """Inverse of :func:`pack_spins` on ``(..., state_words)`` words: ``(..., n)`` int8 +-1."""
    w = np.asarray(words, np.uint64)
    bits = (w[..., None] >> np.arange(spec.word_spins, dtype=np.uint64)) & np.uint64(1)
    bits = bits.reshape(*w.shape[:-1], -1)
    bits = bits[..., spec.mux_layout.slot_of] if spec.multiplexed else bits[..., : spec.n]
    return np.where(bits == 1, 1, -1).astype(np.int8)
