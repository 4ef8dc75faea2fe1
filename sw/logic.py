"""Invertible logic as Ising models: gates, adders and multipliers.

Every function returns a SPIN :class:`dimod.BinaryQuadraticModel` in **dimod's sign
convention** (``E = sum h s + sum J s s + offset``) whose ground states are exactly
the valid truth-table rows: for every valid assignment of the named variables there
is an assignment of the auxiliaries at the ground energy, and no invalid row
reaches it. The offsets are chosen so that the **ground energy is 0** and every
violated gate costs at least ``GAP = 4``.

Bit ``1`` is spin ``+1``, bit ``0`` is spin ``-1``.

Names
-----
- inputs ``a0, a1, ...`` and ``b0, b1, ...`` (LSB first; single gates use ``a0``, ``b0``);
- the output of a single gate (AND, OR, XOR) and the sum bits of adders are
  ``s0, s1, ...``; the adder's carry out is ``cout``, its optional carry in ``cin``;
- multiplier product bits are ``p0 .. p{na+nb-1}``;
- everything else starts with ``aux_`` (``aux_pp_i_j`` partial products,
  ``aux_c...`` internal carries, ``aux_s...`` internal sums).

Construction
------------
Penalty composition. Each gate is a quadratic penalty that is 0 exactly on its
valid rows and >= ``GAP`` elsewhere; a circuit is the sum of the penalties of its
gates, sharing the wire variables. Because each circuit is feed-forward, every
input has exactly one consistent wire assignment (energy 0) and any named row that
is not a valid truth-table row violates at least one gate (energy >= ``GAP``).

- AND: REFERENCE.md §3's gate with its signs flipped to dimod's convention
  (``h = [-1, -1, 2]``, ``J_ab = 1``, ``J_as = J_bs = -2``, offset 3).
- OR: the AND with every spin inverted (De Morgan).
- Full adder: ``4 (a + b + cin - s - 2 cout)^2`` in bits, which is quadratic and
  needs no auxiliary; in spins ``h = 0``, ``J_ij = 2 c_i c_j`` with
  ``c = (1, 1, 1, -1, -2)``.
- Half adder / XOR: ``4 (a + b - s - 2 c)^2``; the XOR is a half adder whose carry
  ``c`` is the auxiliary ``aux_c`` (an XOR has no auxiliary-free Ising form).
- ``adder(n)``: ripple of full adders (half adder in bit 0 without ``cin``).
- ``multiplier(na, nb)``: ``na * nb`` AND gates for the partial products, then
  ``nb - 1`` ripple rows of half/full adders (an array multiplier). 4x4 has 48 spins.
"""

from __future__ import annotations

import dimod

__all__ = [
    "GAP",
    "and_gate",
    "or_gate",
    "xor_gate",
    "half_adder",
    "full_adder",
    "adder",
    "multiplier",
]

#: Minimum energy above the ground state (0) of any invalid row.
GAP = 4.0


def _sum_penalty(bqm: dimod.BinaryQuadraticModel, coeffs: dict) -> None:
    """Add ``4 * (sum_k c_k x_k)^2`` (bits ``x = (1 + s) / 2``) to ``bqm`` in SPIN form.

    With ``C = sum c`` the penalty is ``(C + sum c_k s_k)^2``, i.e.
    ``h_k = 2 C c_k``, ``J_kl = 2 c_k c_l``, offset ``C^2 + sum c_k^2``.
    """
    labels = list(coeffs)
    c_total = sum(coeffs.values())
    for k, u in enumerate(labels):
        cu = coeffs[u]
        bqm.add_linear(u, 2.0 * c_total * cu)
        for v in labels[k + 1 :]:
            bqm.add_quadratic(u, v, 2.0 * cu * coeffs[v])
    bqm.offset += c_total**2 + sum(c * c for c in coeffs.values())


def _add_and(bqm: dimod.BinaryQuadraticModel, a, b, out) -> None:
    """Add the AND penalty ``out = a AND b`` (REFERENCE.md §3, dimod signs, offset 3)."""
    bqm.add_linear(a, -1.0)
    bqm.add_linear(b, -1.0)
    bqm.add_linear(out, 2.0)
    bqm.add_quadratic(a, b, 1.0)
    bqm.add_quadratic(a, out, -2.0)
    bqm.add_quadratic(b, out, -2.0)
    bqm.offset += 3.0


def _add_half(bqm, a, b, s, c) -> None:
    """``a + b = s + 2 c``."""
    _sum_penalty(bqm, {a: 1.0, b: 1.0, s: -1.0, c: -2.0})


def _add_full(bqm, a, b, cin, s, cout) -> None:
    """``a + b + cin = s + 2 cout``."""
    _sum_penalty(bqm, {a: 1.0, b: 1.0, cin: 1.0, s: -1.0, cout: -2.0})


def _new() -> dimod.BinaryQuadraticModel:
    return dimod.BinaryQuadraticModel(dimod.SPIN)


def and_gate() -> dimod.BinaryQuadraticModel:
    """``s0 = a0 AND b0``; 3 spins, ground energy 0, invalid rows 4, 4, 4, 12."""
    bqm = _new()
    _add_and(bqm, "a0", "b0", "s0")
    return bqm


def or_gate() -> dimod.BinaryQuadraticModel:
    """``s0 = a0 OR b0``; 3 spins (the AND with all spins inverted)."""
    bqm = _new()
    bqm.add_linear("a0", 1.0)
    bqm.add_linear("b0", 1.0)
    bqm.add_linear("s0", -2.0)
    bqm.add_quadratic("a0", "b0", 1.0)
    bqm.add_quadratic("a0", "s0", -2.0)
    bqm.add_quadratic("b0", "s0", -2.0)
    bqm.offset += 3.0
    return bqm


def xor_gate() -> dimod.BinaryQuadraticModel:
    """``s0 = a0 XOR b0``; 4 spins, the auxiliary ``aux_c`` holds ``a0 AND b0``."""
    bqm = _new()
    _add_half(bqm, "a0", "b0", "s0", "aux_c")
    return bqm


def half_adder() -> dimod.BinaryQuadraticModel:
    """``a0 + b0 = s0 + 2 cout``; 4 spins, no auxiliary."""
    bqm = _new()
    _add_half(bqm, "a0", "b0", "s0", "cout")
    return bqm


def full_adder() -> dimod.BinaryQuadraticModel:
    """``a0 + b0 + cin = s0 + 2 cout``; 5 spins, no auxiliary, ``h = 0``."""
    bqm = _new()
    _add_full(bqm, "a0", "b0", "cin", "s0", "cout")
    return bqm


def _check_width(name: str, value) -> int:
    if isinstance(value, bool) or int(value) != value or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, not {value!r}")
    return int(value)


def adder(n: int, *, carry_in: bool = False) -> dimod.BinaryQuadraticModel:
    """Ripple-carry adder ``a + b (+ cin) = s + 2^n cout`` on ``n``-bit words.

    Parameters
    ----------
    n : int
        Word width (>= 1). Variables ``a0..a{n-1}``, ``b0..b{n-1}``,
        ``s0..s{n-1}``, ``cout`` and, with ``carry_in``, ``cin``; internal carries
        ``aux_c1 .. aux_c{n-1}``.
    carry_in : bool, keyword-only
        Add a carry-in ``cin`` (bit 0 is then a full adder, else a half adder).

    Returns
    -------
    dimod.BinaryQuadraticModel
        ``3n + 1 (+1)`` spins, ground energy 0.
    """
    n = _check_width("n", n)
    bqm = _new()
    carry = "cin" if carry_in else None
    for k in range(n):
        cout = "cout" if k == n - 1 else f"aux_c{k + 1}"
        if carry is None:
            _add_half(bqm, f"a{k}", f"b{k}", f"s{k}", cout)
        else:
            _add_full(bqm, f"a{k}", f"b{k}", carry, f"s{k}", cout)
        carry = cout
    return bqm


def multiplier(na: int, nb: int) -> dimod.BinaryQuadraticModel:
    """Array multiplier ``p = a * b`` for an ``na``-bit ``a`` and an ``nb``-bit ``b``.

    Parameters
    ----------
    na, nb : int
        Widths (>= 1). Variables ``a0..``, ``b0..``, ``p0..p{na+nb-1}``; the
        auxiliaries are the partial products ``aux_pp_i_j = a_i AND b_j`` and the
        internal sums/carries ``aux_s_j_k`` / ``aux_c_j_k`` of adder row ``j``.

    Returns
    -------
    dimod.BinaryQuadraticModel
        Ground energy 0. Sizes: 2x2 12 spins, 3x3 27, 4x4 48.

    Notes
    -----
    Clamp the product with ``bqm.fix_variables({"p0": ..., ...})`` and sample: the
    unclamped ``a``, ``b`` of a ground state are a factor pair.
    """
    na = _check_width("na", na)
    nb = _check_width("nb", nb)
    bqm = _new()
    width = na + nb
    pp = {}
    for j in range(nb):
        for i in range(na):
            pp[i, j] = f"aux_pp_{i}_{j}"
            _add_and(bqm, f"a{i}", f"b{j}", pp[i, j])
    # acc maps weight -> wire holding that bit of the running sum of rows 0..j.
    acc = {i: pp[i, 0] for i in range(na)}
    final: dict[int, str] = {0: acc.pop(0)}  # bit 0 of the product is a0 AND b0
    for j in range(1, nb):
        carry = None
        for w in range(j, j + na):
            ins = [x for x in (acc.pop(w, None), pp[w - j, j], carry) if x is not None]
            if len(ins) == 1:  # na == 1: nothing to add, the wire passes through
                acc[w], carry = ins[0], None
                continue
            s, c = f"aux_s_{j}_{w}", f"aux_c_{j}_{w}"
            if len(ins) == 3:
                _add_full(bqm, *ins, s, c)
            else:  # two inputs: the row's first bit, or the top bit (no acc bit there)
                _add_half(bqm, *ins, s, c)
            acc[w], carry = s, c
        if carry is not None:
            acc[j + na] = carry
        final[j] = acc.pop(j)
    final.update(acc)  # the remaining bits j+1 .. na+nb-1 of the last row
    rename = {}
    for w in range(width):
        if w in final:
            rename[final[w]] = f"p{w}"
        else:  # na == 1 or nb == 1: the top product bit is always 0
            bqm.add_linear(f"p{w}", GAP / 2)
            bqm.offset += GAP / 2
    bqm.relabel_variables(rename, inplace=True)
    return bqm
