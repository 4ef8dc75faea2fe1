"""The two per-p-bit tables of the p-bit network, and how their contents follow from h, J and β.

The gateware of :mod:`spinemu.hdl.pbit_net` keeps no adder tree, multiplier or sigmoid
ROM per p-bit.  Each p-bit has:

*field tables*
    one per group of at most :data:`~.pbit_net_spec.FIELD_GROUP` neighbours (in the
    order of :attr:`~.pbit_net_spec.PBitNetSpec.neighbours`), indexed by the group's
    spins (bit ``k`` = neighbour ``k`` is +1).  A p-bit with a single group stores the
    saturated local field already encoded as a probability-table index
    (:func:`field_code`); with several groups each table holds a partial sum (group 0
    includes ``h``) as ``partial_bits`` two's complement, and the gateware adds them,
    saturates and encodes.  Written by the host through the ``TBL_ADDR``/``TBL_DATA``
    window whenever ``h`` or ``J`` change (:func:`field_table_writes`).
*a probability table*
    indexed by the field code (and, in telegraph mode, the p-bit's own spin), holding the
    ``prob_bits`` threshold its random number is compared with.  Rewritten by one shared
    engine whenever the β in use changes (:func:`prob_tables`): a single broadcast
    write when every p-bit's table is the same (ideal mode without compensation, or one
    shared telegraph device), one table per p-bit otherwise.

Both are exact reformulations of the arithmetic in :mod:`.pbit_net_spec`; the golden
model uses :func:`prob_tables` directly and the tests check the field tables against
the plain sum.
"""

from __future__ import annotations

import numpy as np

from .pbit_net_spec import FIELD_GROUP, REPLICA_STAGES, PBitMode, PBitNetSpec

__all__ = [
    "field_groups",
    "field_code",
    "field_table_writes",
    "prob_index_bits",
    "prob_rows",
    "prob_tables",
    "rewrite_clocks",
    "sweep_clocks",
    "run_clocks",
    "reference_fmax_mhz",
    "SCHEDULE_WAIT",
    "BETA_PIPELINE",
    "partial_bits",
    "table_layout",
]


def field_groups(spec: PBitNetSpec) -> tuple[tuple[tuple[int, ...], ...], ...]:
    """For each p-bit, its neighbour groups: tuples of edge indices, ``FIELD_GROUP`` at most.

    Group ``g`` of p-bit ``i`` holds neighbours ``6 g .. 6 g + 5`` of
    ``spec.neighbours[i]``; a p-bit without neighbours has one empty group (its table is
    ``h`` alone).
    """
    out = []
    for nb in spec.neighbours:
        edges = [e for _, e in nb]
        groups = [tuple(edges[k : k + FIELD_GROUP]) for k in range(0, len(edges), FIELD_GROUP)]
        out.append(tuple(groups) or ((),))
    return tuple(out)


def partial_bits(spec: PBitNetSpec) -> int:
    """Two's-complement width of a partial sum ``[h] + sum of up to FIELD_GROUP J m`` (never overflows)."""
    widest = max(spec.h_bits, spec.j_bits)
    return widest + (FIELD_GROUP + 1 - 1).bit_length()


def table_layout(spec: PBitNetSpec) -> tuple[int, int]:
    """``(group_bits, pattern_bits)`` of a field-table window address.

    The window address of entry ``s`` of group ``g`` of p-bit ``i`` is
    ``(i << (group_bits + pattern_bits)) | (g << pattern_bits) | s``; ``pattern_bits``
    is ``min(FIELD_GROUP, max_degree)`` (at least 1) and ``group_bits`` counts the
    groups of the p-bit with the most (0 when every p-bit has one).
    """
    groups = max(len(g) for g in field_groups(spec))
    pattern_bits = max(1, min(FIELD_GROUP, spec.max_degree))
    return (groups - 1).bit_length(), pattern_bits


def field_code(spec: PBitNetSpec, field) -> np.ndarray:
    """Probability-table code of saturated fields: what a single-group field table stores.

    Symmetric Specs (:attr:`~.pbit_net_spec.PBitNetSpec.symmetric`) use sign and
    magnitude, ``(I < 0) << (acc_bits - 1) | |I|``; the others the ``acc_bits`` two's
    complement of ``I``.
    """
    f = np.asarray(field, dtype=np.int64)
    a = spec.acc_bits
    if spec.symmetric:
        return ((f < 0).astype(np.int64) << (a - 1)) | np.abs(f)
    return f & ((1 << a) - 1)


def field_table_writes(spec: PBitNetSpec, h_q, j_q) -> tuple[np.ndarray, np.ndarray]:
    """Window addresses and values of every field-table entry for ``h_q``, ``J_q``.

    Returns
    -------
    addresses, values : ndarray of int64
        In increasing address order (consecutive within each p-bit's group), so a host
        writes ``TBL_ADDR`` at each gap and ``TBL_DATA`` for every value.
    """
    h = np.asarray(h_q, dtype=np.int64).reshape(-1)
    j = np.asarray(j_q, dtype=np.int64).reshape(-1)
    group_bits, pattern_bits = table_layout(spec)
    lim = spec.field_limit
    pmask = (1 << partial_bits(spec)) - 1
    addrs, vals = [], []
    for i, groups in enumerate(field_groups(spec)):
        single = len(groups) == 1
        for g, edges in enumerate(groups):
            d = len(edges)
            pats = np.arange(1 << d, dtype=np.int64)
            # spin of neighbour k in pattern s: +1 if bit k is set
            spins = 2 * ((pats[:, None] >> np.arange(d)) & 1) - 1
            total = spins @ j[list(edges)] if d else np.zeros(1, np.int64)
            if g == 0:
                total = total + h[i]
            val = field_code(spec, np.clip(total, -lim, lim)) if single else total & pmask
            base = (i << (group_bits + pattern_bits)) | (g << pattern_bits)
            addrs.append(base + pats)
            vals.append(val)
    return np.concatenate(addrs), np.concatenate(vals)


def prob_index_bits(spec: PBitNetSpec) -> int:
    """Address bits of a probability table.

    ``acc_bits - 1`` (the magnitude) for a symmetric Spec, ``acc_bits`` (the two's
    complement field) otherwise, plus one (the p-bit's spin, the top bit) in telegraph mode.
    """
    bits = spec.acc_bits - 1 if spec.symmetric else spec.acc_bits
    return bits + (spec.mode is PBitMode.TELEGRAPH)


def prob_rows(spec: PBitNetSpec) -> int:
    """Distinct probability tables: 1 (broadcast to every p-bit) or ``n``."""
    return 1 if spec.broadcast_tables else spec.n


def prob_tables(spec: PBitNetSpec, beta_m: int, gain_q=None, offset_q=None) -> np.ndarray:
    """Every probability table at β ``beta_m``: ``(prob_rows, 2**prob_index_bits)`` uint32.

    Entry ``e`` of row ``r``: ``m = e >> acc_bits`` (telegraph) and the field ``I`` of the
    rest (magnitude, or two's complement); the value is the Spec's LUT (ideal mode) or
    ``FROM_AP`` / ``FROM_P`` of the row's device (telegraph, ``m = 1`` / ``0``) at
    :meth:`~.pbit_net_spec.PBitNetSpec.lut_address` of ``I``, ``beta_m`` and the row's
    ``GAIN``/``OFFSET`` (compensation; per p-bit rows).
    """
    a = spec.acc_bits
    size = 1 << prob_index_bits(spec)
    idx = np.arange(size, dtype=np.int64)
    if spec.symmetric:
        field = idx
    else:
        code = idx & ((1 << a) - 1)
        field = np.where(code >= 1 << (a - 1), code - (1 << a), code)
    rows = prob_rows(spec)
    if spec.compensation:
        g = spec.gain_one if gain_q is None else np.asarray(gain_q, np.int64).reshape(-1, 1)
        o = 0 if offset_q is None else np.asarray(offset_q, np.int64).reshape(-1, 1)
        addr = spec.lut_address(field[None, :], int(beta_m), g, o)
        addr = np.broadcast_to(addr, (rows, size))
    else:
        addr = np.broadcast_to(spec.lut_address(field, int(beta_m)), (rows, size))
    if spec.mode is PBitMode.TELEGRAPH:
        t_p, t_ap = spec.telegraph_luts
        dev = np.zeros(rows, np.int64) if spec.telegraph_shared else np.arange(rows)
        state = (idx >> a) & 1
        out = np.where(state[None, :] == 1, t_ap[dev[:, None], addr], t_p[dev[:, None], addr])
    else:
        out = spec.lut[addr]
    return np.ascontiguousarray(out, dtype=np.uint32)


#: Pipeline stages of the table engine between its counter and its write.
ENGINE_LATENCY = 7


def rewrite_clocks(spec: PBitNetSpec) -> int:
    """Clocks the engine needs to rewrite every probability table for a new β."""
    return prob_rows(spec) * (1 << prob_index_bits(spec)) + ENGINE_LATENCY


#: Clocks after a change of ``beta_acc`` or the schedule registers before the gateware's
#: next scheduled β is valid: the partial products, then the summed product.
BETA_PIPELINE = 2
#: Clocks a sweep may wait, beyond its colors, while the next scheduled β is computed
#: (:data:`BETA_PIPELINE` and the decision register).
SCHEDULE_WAIT = BETA_PIPELINE + 1


def sweep_clocks(spec: PBitNetSpec, beta_changes: bool = True) -> int:
    """Clocks of one sweep (of every replica) at most: ``spec.sweep_cycles`` at constant β
    (exactly, in steady state); with a β schedule up to :data:`SCHEDULE_WAIT` more, plus
    the pipeline's drain and a table rewrite when the β in use changes."""
    if not beta_changes:
        return spec.sweep_cycles
    drain = REPLICA_STAGES if spec.replicas > 1 else 0
    return spec.sweep_cycles + SCHEDULE_WAIT + drain + rewrite_clocks(spec)


def run_clocks(spec: PBitNetSpec, beta_acc, num_reads: int) -> int:
    """Clocks the core spends sweeping ``num_reads`` reads of the per-sweep ``beta_acc``:
    :attr:`~.pbit_net_spec.PBitNetSpec.sweep_cycles` per sweep of every group of
    ``replicas`` reads, plus a table rewrite and the wait for the scheduled β at every
    change of the β in use (bus transfers between reads not counted)."""
    shift = spec.beta_frac_bits - spec.beta_mul_frac_bits
    used = [int(b) >> shift for b in beta_acc]
    changes = sum(1 for k, b in enumerate(used) if k == 0 or b != used[k - 1])
    drain = REPLICA_STAGES if spec.replicas > 1 else 0
    per_read = len(used) * spec.sweep_cycles + changes * (rewrite_clocks(spec) + SCHEDULE_WAIT + drain)
    return -(-int(num_reads) // spec.replicas) * per_read


#: Clock (MHz) at which a sampler run's emulated time is reported, per design kind: nextpnr
#: on an ECP5-85 (seed 1) for the 16 x 16 lattice (README, "The p-bit network"): one chain
#: 82.1 MHz, with replicas (the four-stage pipeline) 116.5 MHz, on the multiplexed fabric
#: with 8 lanes (the seven-stage pipeline) 125.7 MHz; the streaming fabric, on a dense
#: network of 256 p-bits with 32 lanes, 114.0 MHz (a weight word's block-RAM read and
#: the multiplexer between the blocks of its depth).
REFERENCE_FMAX_MHZ = {"parallel": 82.1, "replicas": 116.5, "multiplexed": 125.7, "streaming": 114.0}


def reference_fmax_mhz(spec: PBitNetSpec) -> float:
    """:data:`REFERENCE_FMAX_MHZ` of ``spec``'s kind of design."""
    if spec.multiplexed:
        return REFERENCE_FMAX_MHZ[spec.fabric.value]
    return REFERENCE_FMAX_MHZ["replicas" if spec.replicas > 1 else "parallel"]
