"""Ground states of the invertible-logic BQMs are exactly the truth tables.

Truth tables are computed here from Python integer arithmetic (independent of the
BQM construction); energies are evaluated by dimod itself (``bqm.energies``) or by a
brute-force / exact variable-elimination minimisation written in this file.
"""

import itertools

import dimod
import numpy as np
import pytest
from spinemu.sw import logic


def _bits(x, k):
    return [(x >> i) & 1 for i in range(k)]


def _spin(bit):
    return 1 if bit else -1


def _named_min_energies(bqm, named, rows):
    """Exact min over the auxiliaries of E(named=row, aux) for every row, vectorised.

    E(x, y) = E_xx(x) + (h_y + x J_xy) . y + y J_yy y, enumerated over all y.
    """
    aux = [v for v in bqm.variables if v not in set(named)]
    order = list(named) + aux
    lin, (ir, ic, q), off = bqm.to_numpy_vectors(variable_order=order)
    n, nx = len(order), len(named)
    Jm = np.zeros((n, n))
    np.add.at(Jm, (ir, ic), q)
    Jm = np.triu(Jm + Jm.T)  # each pair once, upper triangle
    X = np.asarray(rows, dtype=np.float64)
    exx = X @ lin[:nx] + np.einsum("ri,ij,rj->r", X, Jm[:nx, :nx], X) + off
    if not aux:
        return exx
    Y = np.array(list(itertools.product([-1.0, 1.0], repeat=len(aux))))
    qyy = np.einsum("ai,ij,aj->a", Y, Jm[nx:, nx:], Y)
    lin_y = lin[nx:] + X @ (Jm[:nx, nx:])  # (rows, ny)
    out = np.empty(len(X))
    for k in range(0, len(X), 256):
        e = lin_y[k : k + 256] @ Y.T + qyy[None, :]
        out[k : k + 256] = exx[k : k + 256] + e.min(axis=1)
    return out


def _check_exact(bqm, named, valid_rows):
    """Every valid row reaches the ground energy, every other row is >= GAP above it."""
    rows = np.array(list(itertools.product([-1, 1], repeat=len(named))))
    valid = {tuple(r) for r in valid_rows}
    is_valid = np.array([tuple(r) in valid for r in rows.tolist()])
    assert is_valid.sum() == len(valid)
    e = _named_min_energies(bqm, named, rows)
    ground = e.min()
    assert ground == pytest.approx(0.0)
    assert np.allclose(e[is_valid], ground)
    assert (e[~is_valid] >= ground + logic.GAP - 1e-9).all()


def _rows_gate(fn):
    return [(_spin(a), _spin(b), _spin(fn(a, b))) for a in (0, 1) for b in (0, 1)]


@pytest.mark.parametrize(
    "make, fn",
    [
        (logic.and_gate, lambda a, b: a & b),
        (logic.or_gate, lambda a, b: a | b),
        (logic.xor_gate, lambda a, b: a ^ b),
    ],
)
def test_gates_exact(make, fn):
    bqm = make()
    assert bqm.vartype is dimod.SPIN
    _check_exact(bqm, ["a0", "b0", "s0"], _rows_gate(fn))
    aux = [v for v in bqm.variables if v not in ("a0", "b0", "s0")]
    assert all(str(v).startswith("aux_") for v in aux)


def test_and_gate_is_reference_with_dimod_signs():
    # REFERENCE.md §3 (physics convention): h = [1, 1, -2], J_AB = -1, J_AC = J_BC = 2.
    bqm = logic.and_gate()
    assert [bqm.linear[v] for v in ("a0", "b0", "s0")] == [-1, -1, 2]
    assert bqm.quadratic[("a0", "b0")] == 1
    assert bqm.quadratic[("a0", "s0")] == bqm.quadratic[("b0", "s0")] == -2
    # valid rows -3, invalid 1, 1, 1, 9 in the reference; here shifted by +3
    es = dimod.ExactSolver().sample(bqm)
    assert sorted(es.record.energy.tolist()) == [0, 0, 0, 0, 4, 4, 4, 12]


def test_full_adder_exact():
    rows = []
    for a, b, c in itertools.product((0, 1), repeat=3):
        t = a + b + c
        rows.append(tuple(map(_spin, (a, b, c, t & 1, t >> 1))))
    _check_exact(logic.full_adder(), ["a0", "b0", "cin", "s0", "cout"], rows)


@pytest.mark.parametrize("n, carry_in", [(1, False), (2, False), (2, True), (3, False)])
def test_adder_exact(n, carry_in):
    named = [f"a{i}" for i in range(n)] + [f"b{i}" for i in range(n)]
    named += ["cin"] if carry_in else []
    named += [f"s{i}" for i in range(n)] + ["cout"]
    rows = []
    for a, b, c in itertools.product(range(2**n), range(2**n), (0, 1) if carry_in else (0,)):
        t = a + b + c
        bits = _bits(a, n) + _bits(b, n) + ([c] if carry_in else []) + _bits(t, n) + [t >> n]
        rows.append(tuple(map(_spin, bits)))
    bqm = logic.adder(n, carry_in=carry_in)
    assert set(bqm.variables) - set(named) == {f"aux_c{i}" for i in range(1, n)}
    _check_exact(bqm, named, rows)


def _mult_named(na, nb):
    return [f"a{i}" for i in range(na)] + [f"b{i}" for i in range(nb)] + [f"p{i}" for i in range(na + nb)]


def _mult_rows(na, nb):
    return [
        tuple(map(_spin, _bits(a, na) + _bits(b, nb) + _bits(a * b, na + nb)))
        for a in range(2**na)
        for b in range(2**nb)
    ]


@pytest.mark.parametrize("na, nb", [(1, 1), (1, 3), (3, 1), (2, 2), (2, 3), (3, 3)])
def test_multiplier_exact(na, nb):
    bqm = logic.multiplier(na, nb)
    named = _mult_named(na, nb)
    assert set(named) <= set(bqm.variables)
    assert all(str(v).startswith("aux_") for v in set(bqm.variables) - set(named))
    _check_exact(bqm, named, _mult_rows(na, nb))


def test_multiplier_sizes():
    # array multiplier: na*nb ANDs + 2 spins per adder stage, (nb - 1) rows of na stages
    for na, nb in [(2, 2), (3, 3), (4, 4)]:
        assert len(logic.multiplier(na, nb)) == na + nb + na * nb + 2 * na * (nb - 1)
    assert len(logic.multiplier(4, 4)) == 48


def _min_sum_eliminate(bqm, keep=()):
    """Exact min of a SPIN BQM by variable elimination (min-sum, greedy min-degree).

    Returns the minimum energy; variables in ``keep`` must already be fixed.
    Independent of the brute force above; feasible for small treewidth.
    """
    factors = [((v,), np.array([-b, b])) for v, b in bqm.linear.items()]
    for (u, v), b in bqm.quadratic.items():
        factors.append(((u, v), np.array([[b, -b], [-b, b]])))
    total = bqm.offset
    remaining = set(bqm.variables)
    while remaining:
        scopes = {x: set().union(*[set(s) for s, _ in factors if x in s]) for x in remaining}
        v = min(remaining, key=lambda x: (len(scopes[x]), str(x)))
        sc = sorted(scopes[v] | {v}, key=str)
        mine = [(s, t) for s, t in factors if v in s]
        factors = [(s, t) for s, t in factors if v not in s]
        assert len(sc) <= 16, "treewidth too large for this test"
        table = np.zeros((2,) * len(sc))
        for s, t in mine:
            axes = [sc.index(x) for x in s]
            shape = [1] * len(sc)
            for ax in axes:
                shape[ax] = 2
            perm = np.argsort(axes)
            table = table + np.transpose(t, perm).reshape(shape)
        red = table.min(axis=sc.index(v))
        rest = tuple(x for x in sc if x != v)
        if rest:
            factors.append((rest, red))
        else:
            total += float(red)
        remaining.discard(v)
    return total


def test_multiplier_4x4_valid_rows_and_random_invalid_rows():
    na = nb = 4
    bqm = logic.multiplier(na, nb)
    # the whole model's exact minimum is 0 (variable elimination, no enumeration)
    assert _min_sum_eliminate(bqm) == pytest.approx(0.0)
    rng = np.random.default_rng(7)
    # every valid row, extended by its optimal auxiliaries, is at the ground energy 0
    for a in range(16):
        for b in range(16):
            fixed = bqm.copy()
            row = dict(zip(_mult_named(na, nb), _mult_rows(na, nb)[a * 16 + b], strict=True))
            fixed.fix_variables(row)
            assert _min_sum_eliminate(fixed) == pytest.approx(0.0)
    # random invalid rows minimised over the auxiliaries stay >= GAP above it
    for _ in range(60):
        a, b = (int(x) for x in rng.integers(0, 16, 2))
        p = int(rng.integers(0, 256))
        if p == a * b:
            continue
        fixed = bqm.copy()
        bits = _bits(a, 4) + _bits(b, 4) + _bits(p, 8)
        fixed.fix_variables(dict(zip(_mult_named(na, nb), map(_spin, bits), strict=True)))
        assert _min_sum_eliminate(fixed) >= logic.GAP - 1e-9


def test_run_multiplier_backwards_by_clamping():
    """Clamp the product of multiplier(3, 3) to 35 with fix_variables; the ground
    states (exact enumeration of the remaining 21 spins) are exactly 5x7 and 7x5."""
    bqm = logic.multiplier(3, 3)
    bqm.fix_variables({f"p{k}": _spin((35 >> k) & 1) for k in range(6)})
    assert len(bqm) == 21
    aux = [v for v in bqm.variables if str(v).startswith("aux_")]
    named = [f"a{i}" for i in range(3)] + [f"b{i}" for i in range(3)]
    rows = np.array(list(itertools.product([-1, 1], repeat=6)))
    e = _named_min_energies(bqm, named, rows)
    assert len(aux) == 15
    ground = np.flatnonzero(np.isclose(e, 0.0))
    pairs = set()
    for r in rows[ground]:
        a = sum(int(r[i] > 0) << i for i in range(3))
        b = sum(int(r[3 + i] > 0) << i for i in range(3))
        pairs.add((a, b))
    assert pairs == {(5, 7), (7, 5)}
    assert (e[~np.isclose(e, 0.0)] >= logic.GAP - 1e-9).all()
    # fix_variable one at a time gives the same model
    one = logic.multiplier(3, 3)
    for k in range(6):
        one.fix_variable(f"p{k}", _spin((35 >> k) & 1))
    assert one == bqm


def test_bad_widths():
    with pytest.raises(ValueError, match="n must be an integer >= 1, not 0"):
        logic.adder(0)
    with pytest.raises(ValueError, match="na must be an integer >= 1, not -2"):
        logic.multiplier(-2, 3)
