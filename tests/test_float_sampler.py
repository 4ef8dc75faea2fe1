"""Physics checks of the float reference p-bit sampler against known answers.

Exact Boltzmann distributions come from enumerating all states here; the 2D Ising
numbers are Onsager/Yang's (REFERENCE.md §3); Max-Cut optima come from brute force.
"""

import collections
import itertools

import numpy as np
import pytest
from spinemu.sim_golden.float_sampler import (
    beta_schedule,
    default_beta_range,
    sample_float,
)
from spinemu.sim_golden.problems import (
    cut_value,
    energy,
    from_bqm,
    lattice_2d,
    maxcut_to_ising,
    random_maxcut_graph,
)
from spinemu.sw import logic


def test_beta_schedule_follows_dwave_semantics():
    assert np.allclose(beta_schedule(4, (1.0, 8.0), "geometric"), [1, 2, 4, 8])
    assert np.allclose(beta_schedule(3, (0.0, 1.0), "linear"), [0, 0.5, 1])
    assert np.allclose(beta_schedule(5, (0.7, 0.7)), 0.7)  # constant beta
    assert np.allclose(beta_schedule(1, (0.1, 3.0)), [3.0])  # one sweep: the target beta
    assert np.allclose(beta_schedule(4, (1.0, 2.0), "linear", num_sweeps_per_beta=2), [1, 1, 2, 2])
    assert np.allclose(beta_schedule(None, None, "custom", [1, 2]), [1, 2])
    assert beta_schedule(None, (1.0, 2.0)).size == 1000
    with pytest.raises(ValueError, match="not 'cubic'"):
        beta_schedule(10, (1, 2), "cubic")
    with pytest.raises(ValueError, match="must be > 0 for kind='geometric'"):
        beta_schedule(10, (0.0, 2.0), "geometric")
    with pytest.raises(ValueError, match="schedule must be given"):
        beta_schedule(10, None, "custom")
    with pytest.raises(ValueError, match="not 3"):
        beta_schedule(3, None, "custom", [1.0, 2.0])


def _tv_vs_boltzmann(bqm, seed):
    p = from_bqm(bqm)
    states = np.array(list(itertools.product([-1, 1], repeat=p.n)))
    w = np.exp(-(energy(p, states) - energy(p, states).min()))  # beta = 1 (dimod units)
    exact = w / w.sum()
    # 2e5 independent chains, 300 sweeps each at beta = 1: the slowest mode (hopping
    # between valid rows over a barrier of GAP = 4) has rate ~ e^-4 per sweep, so 300
    # sweeps relax it by ~ exp(-300 * 0.018) < 0.5 %. Final states are i.i.d. samples.
    r = sample_float(p, num_reads=200_000, num_sweeps=300, betas=1.0, seed=seed)
    idx = ((r.states + 1) // 2) @ (2 ** np.arange(p.n)[::-1])
    hist = np.bincount(idx, minlength=2**p.n) / len(idx)
    # sampling noise alone: E[TV] ~ sum_k sqrt(p_k / (2 pi N)) ~ 0.002-0.004 here
    return 0.5 * np.abs(hist - exact).sum(), exact


def test_and_gate_boltzmann_tv():
    tv, exact = _tv_vs_boltzmann(logic.and_gate(), seed=1)
    # closed form of REFERENCE.md §3 for the valid rows at beta = 1
    b = 1.0
    pv = np.exp(3 * b) / (4 * np.exp(3 * b) + 3 * np.exp(-b) + np.exp(-9 * b))
    assert np.sort(exact)[-4:] == pytest.approx([pv] * 4)
    assert tv < 0.01


def test_full_adder_boltzmann_tv():
    tv, _ = _tv_vs_boltzmann(logic.full_adder(), seed=2)
    assert tv < 0.01


ONSAGER = {1.5: (-1.951117, 0.986500), 2.0: (-1.745565, 0.911319), 3.0: (-0.817310, 0.0)}


@pytest.mark.parametrize("T", [1.5, 2.0, 3.0])
def test_2d_ising_onsager(T):
    L = 32
    p = lattice_2d(L)
    reads, burn, sweeps, every = 64, 400, 1600, 8
    # below T_c start ordered (equilibrium is the same; avoids metastable stripes)
    init = np.ones(p.n, dtype=np.int8) if T < 2.269 else None
    r = sample_float(
        p,
        num_reads=reads,
        num_sweeps=burn + sweeps,
        betas=1.0 / T,
        seed=int(T * 10),
        initial_states=init,
        record_every=every,
    )
    keep = slice(burn // every, None)
    u_read = (r.trace_energies[keep] / p.n).mean(axis=0)  # one mean per independent chain
    m_read = np.abs(r.trace_magnetization[keep]).mean(axis=0)
    u, m = u_read.mean(), m_read.mean()
    u_se = u_read.std(ddof=1) / np.sqrt(reads)
    m_se = m_read.std(ddof=1) / np.sqrt(reads)
    u_ref, m_ref = ONSAGER[T]
    # the tolerance (1%) must dwarf the statistical error for the test to be meaningful
    assert 4 * u_se < 0.01 * abs(u_ref)
    assert abs(u - u_ref) < 0.01 * abs(u_ref)
    if T < 2.269:
        assert 4 * m_se < 0.02 * m_ref
        assert abs(m - m_ref) < 0.02 * m_ref
    else:
        # above T_c |M| ~ N^-1/2 (finite size): 1/sqrt(1024) ~ 0.03 times a susceptibility
        # factor; well below the ordered values
        assert m < 0.15


def _factor(na, nb, N, *, reads, sweeps, seed):
    bqm = logic.multiplier(na, nb)
    bqm.fix_variables({f"p{k}": 1 if (N >> k) & 1 else -1 for k in range(na + nb)})
    p = from_bqm(bqm)
    betas = beta_schedule(sweeps, (0.2, 1.5), "linear")
    r = sample_float(p, num_reads=reads, num_sweeps=sweeps, betas=betas, seed=seed)
    col = {v: k for k, v in enumerate(p.labels)}
    a = sum(((r.states[:, col[f"a{i}"]] + 1) // 2) << i for i in range(na))
    b = sum(((r.states[:, col[f"b{i}"]] + 1) // 2) << i for i in range(nb))
    return collections.Counter(zip(a.tolist(), b.tolist(), strict=True))


def test_invertible_multiplier_3x3_factors_35():
    counts = _factor(3, 3, 35, reads=500, sweeps=1000, seed=5)
    (a, b), _ = counts.most_common(1)[0]
    assert a * b == 35


def test_invertible_multiplier_4x4_factors_143():
    counts = _factor(4, 4, 143, reads=500, sweeps=3000, seed=6)
    (a, b), _ = counts.most_common(1)[0]
    assert a * b == 143 and {a, b} == {11, 13}


def _brute_max_cut(g):
    s = np.array(list(itertools.product([-1, 1], repeat=g.n - 1)), dtype=np.int8)
    s = np.hstack([np.ones((len(s), 1), np.int8), s])  # fix node 0: cut symmetry
    best = -np.inf
    for k in range(0, len(s), 1 << 16):
        best = max(best, cut_value(g, s[k : k + (1 << 16)]).max())
    return best


@pytest.mark.parametrize(
    "n, density, weights, seed",
    [(16, 0.5, (1,), 0), (19, 0.4, (1,), 3), (20, 0.5, (-1, 1), 5), (20, 0.3, (-1, 1, 2), 7)],
)
def test_maxcut_anneal_reaches_optimum(n, density, weights, seed):
    g = random_maxcut_graph(n, density, weights=weights, seed=seed)
    best = _brute_max_cut(g)
    p = maxcut_to_ising(g)
    hot, cold = default_beta_range(p)
    sweeps, reads = 2000, 200
    r = sample_float(
        p,
        num_reads=reads,
        num_sweeps=sweeps,
        betas=beta_schedule(sweeps, (0.1, max(cold, 4.0)), "geometric"),
        seed=seed,
        record_every=1,
    )
    # "reached": the best cut a read visits during its anneal (energy at every sweep)
    reached = (g.weights.sum() - r.trace_energies.min(axis=0)) / 2
    assert reached.max() <= best + 1e-9  # sanity: nothing beats the brute-force optimum
    frac = np.mean(np.isclose(reached, best))
    # >= 95 % demanded; with 200 reads a true rate of 0.95 would be seen above 0.97
    # only rarely, so require 0.95 on the sample directly.
    assert frac >= 0.95
    assert np.isclose(cut_value(g, r.states), best).mean() > 0.5  # final states too


def test_seed_reproducible_and_initial_state_validation():
    p = lattice_2d(6)
    a = sample_float(p, num_reads=5, num_sweeps=10, betas=0.4, seed=9)
    b = sample_float(p, num_reads=5, num_sweeps=10, betas=0.4, seed=9)
    assert np.array_equal(a.states, b.states)
    assert np.allclose(a.energies, energy(p, a.states))
    # zero sweeps return the initial states
    init = np.where(np.arange(36) % 2, 1, -1)
    z = sample_float(p, num_reads=2, num_sweeps=0, betas=[], seed=0, initial_states=init)
    assert (z.states == init).all()
    with pytest.raises(ValueError, match="betas must be a scalar or have shape"):
        sample_float(p, num_reads=1, num_sweeps=3, betas=[1.0, 2.0])
    with pytest.raises(ValueError, match="not a proper coloring"):
        sample_float(p, num_reads=1, num_sweeps=1, betas=1.0, colors=np.zeros(36, int))
    with pytest.raises(ValueError, match="num_reads must be an integer >= 1, not 0"):
        sample_float(p, num_reads=0, num_sweeps=1, betas=1.0)
