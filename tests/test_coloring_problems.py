"""DSATUR coloring, IsingProblem conversions, lattices and the G-set parser."""

import itertools

import dimod
import numpy as np
import pytest
from spinemu.sim_golden.coloring import color_classes, dsatur, is_proper_coloring
from spinemu.sim_golden.problems import (
    IsingProblem,
    ProblemFormatError,
    cut_value,
    energy,
    from_bqm,
    lattice_2d,
    maxcut_to_ising,
    random_maxcut_graph,
    read_gset,
    to_bqm,
)


def test_dsatur_known_chromatic_numbers():
    # bipartite graphs (even cycle, periodic even lattice) are 2-colored by DSATUR
    ring = [(i, (i + 1) % 10) for i in range(10)]
    assert dsatur(10, ring).max() + 1 == 2
    lat = lattice_2d(8)
    assert dsatur(lat.n, lat.edges).max() + 1 == 2
    # odd cycle needs 3, complete graph K5 needs 5
    assert dsatur(7, [(i, (i + 1) % 7) for i in range(7)]).max() + 1 == 3
    assert dsatur(5, list(itertools.combinations(range(5), 2))).max() + 1 == 5


def test_dsatur_proper_and_deterministic_on_random_graphs():
    rng = np.random.default_rng(0)
    for _ in range(20):
        n = int(rng.integers(2, 60))
        g = random_maxcut_graph(n, float(rng.random()), seed=int(rng.integers(1 << 30)))
        c = dsatur(n, g.edges)
        assert is_proper_coloring(g.edges, c)
        assert np.array_equal(c, dsatur(n, g.edges[::-1]))  # order-independent input
        # greedy bound: colors <= max degree + 1
        deg = np.bincount(g.edges.ravel(), minlength=n)
        assert c.max() + 1 <= deg.max() + 1
        assert sum(len(k) for k in color_classes(c)) == n


def test_is_proper_coloring_detects_clash():
    assert not is_proper_coloring([(0, 1), (1, 2)], [0, 1, 1])
    assert is_proper_coloring([(0, 1), (1, 2)], [0, 1, 0])
    with pytest.raises(ValueError, match="self-loop"):
        dsatur(3, [(1, 1)])


def test_bqm_roundtrip_and_sign_convention():
    bqm = dimod.BinaryQuadraticModel({"x": 0.5, "y": -1.0}, {("x", "y"): -2.0}, 1.5, dimod.SPIN)
    p = from_bqm(bqm)
    assert p.labels == ["x", "y"]
    assert p.h.tolist() == [-0.5, 1.0]
    assert p.weights.tolist() == [2.0]  # dimod's ferromagnetic -2 is physics +2
    for s in itertools.product([-1, 1], repeat=2):
        assert bqm.energy(dict(zip("xy", s, strict=True))) == pytest.approx(energy(p, np.array(s)) + p.offset)
    assert to_bqm(p) == bqm
    # BINARY input is converted to SPIN with the same energies
    qb = dimod.BinaryQuadraticModel({"a": 1.0}, {("a", "b"): -3.0}, 0.0, dimod.BINARY)
    pq = from_bqm(qb)
    for x in itertools.product([0, 1], repeat=2):
        s = np.array([2 * v - 1 for v in x])
        assert qb.energy(dict(zip("ab", x, strict=True))) == pytest.approx(energy(pq, s) + pq.offset)


def test_problem_validation_echoes_bad_values():
    with pytest.raises(ValueError, match="self-loop"):
        IsingProblem(h=[0, 0], edges=[(1, 1)], weights=[1.0])
    with pytest.raises(ValueError, match="outside 0..1"):
        IsingProblem(h=[0, 0], edges=[(0, 2)], weights=[1.0])
    with pytest.raises(ValueError, match=r"h\[1\] must be finite, not nan"):
        IsingProblem(h=[0, np.nan], edges=[], weights=[])
    with pytest.raises(ValueError, match="L must be a positive integer, not 0"):
        lattice_2d(0)
    # duplicates are merged by summing
    p = IsingProblem(h=[0, 0], edges=[(0, 1), (1, 0)], weights=[1.0, 2.0])
    assert p.edges.tolist() == [[0, 1]] and p.weights.tolist() == [3.0]


def test_lattice_ground_state_energy():
    # all-up ferromagnet: E = -2 J N on a periodic lattice (2 bonds per spin)
    p = lattice_2d(5, J=1.5)
    assert p.num_edges == 50 and (p.degrees() == 4).all()
    assert energy(p, np.ones(25)) == pytest.approx(-2 * 1.5 * 25)
    q = lattice_2d(4, periodic=False)
    assert q.num_edges == 2 * 4 * 3


def test_maxcut_energy_relation_and_cut_value():
    g = random_maxcut_graph(12, 0.5, weights=(-1, 1, 2), seed=3)
    p = maxcut_to_ising(g)
    rng = np.random.default_rng(1)
    s = np.where(rng.random((50, 12)) < 0.5, 1, -1)
    # cut by definition: sum of weights of edges whose ends differ
    direct = np.array(
        [sum(w for (i, j), w in zip(g.edges, g.weights, strict=True) if r[i] != r[j]) for r in s]
    )
    assert np.allclose(cut_value(g, s), direct)
    assert np.allclose(cut_value(g, s), (g.weights.sum() - energy(p, s)) / 2)


GSET = "4 3\n1 2 1\n2 3 -1\n\n3 4 2\n"


def test_read_gset_text_and_file(tmp_path):
    g = read_gset(GSET)
    assert g.n == 4 and g.edges.tolist() == [[0, 1], [1, 2], [2, 3]]
    assert g.weights.tolist() == [1.0, -1.0, 2.0]
    f = tmp_path / "g.txt"
    f.write_text(GSET)
    assert read_gset(f).edges.tolist() == g.edges.tolist()
    assert read_gset(str(f)).weights.tolist() == g.weights.tolist()


@pytest.mark.parametrize(
    "text, message",
    [
        ("", r"line 1: empty input"),
        ("4\n1 2 1\n", r"line 1: header must be 'n m' \(two integers\): '4'"),
        ("4 x\n", r"line 1: header must be 'n m'.*: '4 x'"),
        ("4 2\n1 2 1\n", r"line 3: header promises 2 edges, file has 1: '<end of file>'"),
        ("4 1\n1 2 1\n2 3 1\n", r"line 3: header promises 1 edges, file has 2: '2 3 1'"),
        ("4 2\n1 2 1\n1 5 1\n", r"line 3: vertex 5 outside 1..4: '1 5 1'"),
        ("4 2\n1 2 1\n0 2 1\n", r"line 3: vertex 0 outside 1..4: '0 2 1'"),
        ("4 1\n2 2 1\n", r"line 2: self-loop: '2 2 1'"),
        ("4 1\n1 2\n", r"line 2: edge line must be 'i j w': '1 2'"),
        ("4 1\n1 b 1\n", r"line 2: vertices must be integers: '1 b 1'"),
        ("4 1\n1 2 w\n", r"line 2: weight must be a number: '1 2 w'"),
        ("4 1\n\n1 2 inf\n", r"line 3: weight must be finite: '1 2 inf'"),
    ],
)
def test_read_gset_errors_name_line_and_text(text, message):
    with pytest.raises(ProblemFormatError, match=message) as err:
        read_gset(text)
    assert isinstance(err.value, ValueError)


def test_random_graph_density():
    # G1-like: 800 nodes at 6% density -> 0.06 * 319600 = 19176 expected edges;
    # binomial sd = sqrt(319600 * 0.06 * 0.94) = 134, allow 5 sd.
    g = random_maxcut_graph(800, 0.06, seed=0)
    assert abs(g.edges.shape[0] - 19176) < 5 * 134
