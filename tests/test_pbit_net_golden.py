"""Physics and semantics of the fixed-point golden p-bit network (no amaranth needed).

Known answers: exact Boltzmann distributions by enumeration (AND gate, full adder),
Onsager/Yang's 2D Ising energies and magnetisations (REFERENCE.md §3), brute-force
Max-Cut optima, factor pairs, closed-form p-bit probabilities
``(1 + tanh(beta * I)) / 2`` with the documented saturation, and the reference RNG
implementations of :mod:`spinemu.sim_golden.rng`.
"""

from __future__ import annotations

import collections
import itertools

import numpy as np
import pytest
from spinemu.sim_golden.coloring import is_proper_coloring
from spinemu.sim_golden.gf2 import gf2_matmul, gf2_matpow
from spinemu.sim_golden.jit import numba_available
from spinemu.sim_golden.pbit_net import BetaRegisters, PBitNetGolden, quantized_energy
from spinemu.sim_golden.pbit_net_spec import (
    BETA_MULT_FRAC,
    PBitNetSpec,
    beta_sequence,
)
from spinemu.sim_golden.problems import (
    cut_value,
    from_bqm,
    lattice_2d,
    maxcut_to_ising,
    random_maxcut_graph,
)
from spinemu.sim_golden.rng import LFSRModel, Xoshiro128ppModel
from spinemu.sim_golden.validate import SpecError
from spinemu.sw import logic
from spinemu.sw.pbit_sampler import PBitSampler

__all__: list[str] = []


def _spec_for(problem, **hw) -> PBitNetSpec:
    return PBitNetSpec(n=problem.n, edges=tuple(map(tuple, problem.edges.tolist())), **hw)


def _load(spec, problem):
    """Quantised (h_q, j_q) of an IsingProblem on a spec with the same edge order."""
    j = np.zeros(spec.num_edges)
    for (a, b), w in zip(problem.edges.tolist(), problem.weights, strict=True):
        j[spec.edge_index[(a, b)]] = w
    return spec.quantize(problem.h, spec.h_bits, "h"), spec.quantize(j, spec.j_bits, "J")


# -- Spec ---------------------------------------------------------------------------------
def test_spec_validation_and_derived_fields():
    spec = PBitNetSpec(n=4, edges=[(1, 0), (2, 1), (0, 1), (3, 2)])
    assert spec.edges == ((0, 1), (1, 2), (2, 3))  # oriented, merged, sorted
    assert is_proper_coloring(spec.edge_array, spec.colors) and spec.num_colors == 2
    seq = PBitNetSpec(n=4, edges=spec.edges, update_order="sequential")
    assert list(seq.colors) == [0, 1, 2, 3]
    dense = PBitNetSpec(n=5, dense=True)
    assert dense.num_edges == 10 and dense.num_colors == 5
    assert spec.acc_bits == 6 and spec.lfsr_leap == spec.prob_bits == 16  # defaults: s4.1, fresh bits
    assert PBitNetSpec.from_dict(spec.to_dict()) == spec
    with pytest.raises(SpecError, match=r"edges\[0\] = \(0, 0\)"):
        PBitNetSpec(n=2, edges=[(0, 0)])
    with pytest.raises(SpecError, match="n = 65 is not allowed"):
        PBitNetSpec(n=65, dense=True)
    with pytest.raises(SpecError, match="acc_bits = 6 is not allowed"):
        PBitNetSpec(n=2, edges=(), h_bits=8, acc_bits=6)
    with pytest.raises(SpecError, match="acc_bits = 11 is not allowed"):
        PBitNetSpec(n=2, edges=(), acc_bits=11)
    with pytest.raises(SpecError, match="lfsr_leap = 33 is not allowed"):
        PBitNetSpec(n=2, edges=(), lfsr_leap=33)
    with pytest.raises(SpecError, match="update_order = 'random'"):
        PBitNetSpec(n=2, edges=(), update_order="random")
    with pytest.raises(ValueError, match=r"h of 'x' is 100.0, outside the hardware range"):
        spec.quantize([100.0], spec.h_bits, "h", ["x"])


def test_edges_as_an_array_give_the_same_spec_and_errors():
    """An integer (E, 2) array (how large problems arrive) takes a vectorised path."""
    rng = np.random.default_rng(4)
    pairs = rng.integers(0, 50, (400, 2))
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    a = PBitNetSpec(n=50, edges=pairs)
    b = PBitNetSpec(n=50, edges=[tuple(p) for p in pairs.tolist()])
    assert a == b and a.edges == tuple(sorted({(min(i, j), max(i, j)) for i, j in pairs.tolist()}))
    for bad, k in (([[0, 1], [2, 2]], 1), ([[0, 1], [1, 2], [3, 50]], 2), ([[-1, 3]], 0)):
        with pytest.raises(SpecError, match=rf"edges\[{k}\] = \({bad[k][0]}, {bad[k][1]}\)"):
            PBitNetSpec(n=50, edges=np.array(bad))
        with pytest.raises(SpecError, match=rf"edges\[{k}\] = \({bad[k][0]}, {bad[k][1]}\)"):
            PBitNetSpec(n=50, edges=bad)


def test_gf2_and_streams_match_naive_definitions():
    """The packed GF(2) products, the table-driven matrix application, stream seeding by
    doubling and the network's own segmented generator all equal naive definitions."""
    from spinemu.sim_golden.pbit_net import _generate

    rng = np.random.default_rng(0)
    a = rng.integers(0, 2, (37, 70)).astype(np.uint8)
    b = rng.integers(0, 2, (70, 45)).astype(np.uint8)
    assert (gf2_matmul(a, b) == (a.astype(np.int64) @ b.astype(np.int64)) % 2).all()
    m = rng.integers(0, 2, (40, 40)).astype(np.uint8)
    naive = np.eye(40, dtype=np.int64)
    for _ in range(13):
        naive = (naive @ m) % 2
    assert (gf2_matpow(m, 13) == naive).all()
    for model in (Xoshiro128ppModel(), LFSRModel(width=20, taps=(20, 17), leap=5)):
        st = model.stream_states(3, 4)
        jump = gf2_matpow(model.step_matrix, 12345)
        bits = model.to_bits(st).astype(np.int64)
        naive_apply = model.from_bits(((jump.astype(np.int64) @ bits.T) % 2).T.astype(np.uint8))
        assert (model.apply_matrix(jump, st) == naive_apply).all()
        # a jump of 37 steps equals 37 calls of step()
        cur = st.copy()
        for _ in range(37):
            cur = model.step(cur)
        assert (model.jump(st, 37) == cur).all()
        # streams by doubling == the sequential definition (stream i+1 = stream i jumped D)
        for n in (1, 2, 5, 33):
            streams = model.stream_states(99, n)
            unit = model.shift_matrix if isinstance(model, LFSRModel) else model.step_matrix
            d = gf2_matpow(unit, model.stream_distance(n))
            seq = [np.asarray(model.master_state(99), np.uint32).reshape(1, -1)]
            for _ in range(1, n):
                seq.append(model.apply_matrix(d, seq[-1]))
            assert (streams == np.concatenate(seq)).all()
        for count in (1, 63, 700):
            w1, f1 = model.generate(st, count)
            w2, f2 = _generate(model, st, count)
            assert (w1 == w2).all() and (f1 == f2).all()


# -- β schedule ------------------------------------------------------------------------
def test_beta_registers_land_on_linspace_and_geomspace():
    spec = PBitNetSpec(n=2, edges=())
    S = 1000
    lin = spec.beta_registers("linear", (0.1, 5.0), S)
    acc = beta_sequence(lin["BETA"], lin["BETA_MODE"], lin["BETA_STEP"], lin["BETA_MULT"], S)
    real = np.array(acc) / 2.0**spec.beta_frac_bits
    # start and step each round by <= 2**-25: after k steps the error is <= (k+1) 2**-25
    assert np.max(np.abs(real - np.linspace(0.1, 5.0, S))) <= (S + 1) * 2.0**-25
    geo = spec.beta_registers("geometric", (0.1, 5.0), S)
    acc = beta_sequence(geo["BETA"], geo["BETA_MODE"], geo["BETA_STEP"], geo["BETA_MULT"], S)
    rel = np.array(acc) / 2.0**spec.beta_frac_bits / np.geomspace(0.1, 5.0, S) - 1
    # ratio rounding 2**-31 relative per step, truncation 2**-24 / 0.1 per step
    assert np.max(np.abs(rel)) < S * (2.0**-31 + 2.0**-24 / 0.1) + 1e-6
    # the β the multiplier uses is the truncation onto the 2**-beta_mul_frac_bits grid
    used = spec.beta_used(acc)
    assert np.all((used <= np.array(acc) / 2.0**24) & (used > np.array(acc) / 2.0**24 - 2**-10))
    const = spec.beta_registers("geometric", (2.0, 2.0), S)
    assert const["BETA_MODE"] == 0 and const["BETA"] == 2 << 24
    # a negative linear step saturates at 0 instead of wrapping
    assert beta_sequence(5, 1, -3, 0, 4) == [5, 2, 0, 0]
    # the geometric update saturates at 2**32 - 1
    assert beta_sequence(2**31, 2, 0, 3 << BETA_MULT_FRAC, 3)[-1] == 2**32 - 1


# -- single-p-bit semantics: tanh, β grid and saturation ------------------------------
def test_pbit_probability_and_accumulator_saturation():
    """Star: centre 0, six clamped +1 (or -1) leaves; the centre's field saturates.

    Expected P(+1) = (1 + tanh(beta * clip(h + sum J, acc range))) / 2 from the documented
    semantics, by hand: with acc_bits = 10 and frac_bits = 4 the field saturates
    symmetrically at +-511/16; beta = 1/16 puts beta*I on the LUT grid at +-2.0 (511/256
    rounds to 128/64).  A wrapping accumulator would give 249/16 (P = 0.875) and no
    saturation 0.99995.
    """
    spec = PBitNetSpec(
        n=7, edges=[(0, k) for k in range(1, 7)], h_bits=10, j_bits=8, acc_bits=10, frac_bits=4
    )
    g = PBitNetGolden(spec, seed=11)
    clamp = np.array([False] + [True] * 6)
    reads, sweeps = 400, 100
    beta = BetaRegisters(spec.beta_to_acc(1 / 16))
    for h0, jv in ((511, 127), (-512, -128)):
        run = g.run(
            [h0] + [0] * 6,
            [jv] * 6,
            num_sweeps=sweeps,
            beta=beta,
            num_reads=reads,
            clamp_mask=clamp,
            clamp_values=np.ones(7),
            record="all",
        )
        p = (run.samples[:, :, 0] == 1).mean()
        i_sat = np.clip(h0 + 6 * jv, -511, 511) / 16
        expect = (1 + np.tanh(i_sat / 16)) / 2
        n = reads * sweeps  # independent: the centre's neighbours are clamped
        assert abs(p - expect) < 5 * np.sqrt(expect * (1 - expect) / n)
        assert (run.samples[:, :, 1:] == 1).all()  # clamped leaves never move
    # free p-bit, beta = 0.5, h = -1.25: off the LUT grid only through the 1/64 rounding
    free = PBitNetSpec(n=1, edges=(), h_bits=10, frac_bits=4)
    run = PBitNetGolden(free, seed=2).run(
        [-20], [], num_sweeps=200, num_reads=200, beta=BetaRegisters(free.beta_to_acc(0.5)), record="all"
    )
    p, expect = (run.samples == 1).mean(), (1 + np.tanh(-0.625)) / 2
    assert abs(p - expect) < 5 * np.sqrt(expect * (1 - expect) / 40000) + 2**-16


def test_reads_continue_the_rng_streams_and_seeds_reproduce():
    """Two reads at once equal two one-read runs back to back (RNG streams continue)."""
    p = lattice_2d(4)
    spec = _spec_for(p)
    h, j = _load(spec, p)
    beta = BetaRegisters.from_dict(spec.beta_registers("linear", (0.2, 1.0), 30))
    init = np.where(np.random.default_rng(0).random((2, spec.n)) < 0.5, 1, -1)
    both = PBitNetGolden(spec, seed=5).run(
        h, j, num_sweeps=30, beta=beta, num_reads=2, initial_states=init, record="all"
    )
    g = PBitNetGolden(spec, seed=5)
    one = [g.run(h, j, num_sweeps=30, beta=beta, initial_states=init[r], record="all") for r in range(2)]
    assert (both.samples[0] == one[0].samples[0]).all()
    assert (both.samples[1] == one[1].samples[0]).all()
    other = PBitNetGolden(spec, seed=6).run(
        h, j, num_sweeps=30, beta=beta, num_reads=2, initial_states=init, record="all"
    )
    assert (other.samples != both.samples).any()


# -- Boltzmann ---------------------------------------------------------------------------
def _tv_golden(bqm, beta, *, reads, sweeps, burn, seed, replicas=1):
    """TVD between the per-sweep samples of the golden and exact enumeration."""
    prob = from_bqm(bqm)
    spec = _spec_for(prob, replicas=replicas)
    h, j = _load(spec, prob)
    init = np.where(np.random.default_rng(seed).random((reads, prob.n)) < 0.5, 1, -1)
    run = PBitNetGolden(spec, seed=seed).run(
        h,
        j,
        num_sweeps=sweeps,
        beta=BetaRegisters(spec.beta_to_acc(beta)),
        num_reads=reads,
        initial_states=init,
        record="all",
    )
    smp = run.samples[:, burn:].reshape(-1, prob.n)
    states = np.array(list(itertools.product([-1, 1], repeat=prob.n)))
    energies = bqm.energies((states, prob.labels))  # dimod energies of the BQM itself
    p = np.exp(-beta * (energies - energies.min()))
    p /= p.sum()
    code = ((smp + 1) // 2) @ (1 << np.arange(prob.n)[::-1])
    freq = np.bincount(code, minlength=2**prob.n) / len(code)
    return 0.5 * np.abs(freq[((states + 1) // 2) @ (1 << np.arange(prob.n)[::-1])] - p).sum(), len(code)


@pytest.mark.parametrize("replicas", [1, 3])
@pytest.mark.parametrize("make", [logic.and_gate, logic.full_adder])
def test_boltzmann_tvd_golden(make, replicas):
    """beta = 1/2 puts beta*h and beta*J (integers) exactly on the LUT grid, so the golden is
    exact Gibbs up to the 2**-16 LUT rounding.  Statistical TVD of 2e5 samples over <= 32
    states: sum_i sqrt(p_i / N) * 0.4 <~ 0.004 even with sweep-to-sweep correlation
    (mixing time at beta = 1/2 is a few sweeps), so 0.01 (the issue's bar) is meaningful.
    With three replicas the chains share each p-bit's RNG stream (interleaved words):
    they must still sample the Boltzmann distribution, independently."""
    tv, count = _tv_golden(make(), 0.5, reads=2000, sweeps=120, burn=20, seed=3, replicas=replicas)
    assert count >= 200_000
    assert tv < 0.01


# -- 2D Ising vs Onsager -----------------------------------------------------------------
ONSAGER = {1.5: (-1.951117, 0.986500), 2.0: (-1.745565, 0.911319), 3.0: (-0.817310, 0.0)}


@pytest.mark.parametrize("T", [1.5, 2.0, 3.0])
def test_2d_ising_onsager_fixed_point(T):
    """L = 32 periodic, J = 1: energy per spin within 1% of Onsager, |M| within 2% below T_c.

    beta = 1/T lands on the 2**-10 grid (error < 1e-3 in beta: < 0.1% in T) and beta*I on
    the 1/64 LUT grid; both are far below the tolerances.  Below T_c the chains start
    ordered (same equilibrium, no metastable stripes)."""
    L = 32
    p = lattice_2d(L)
    spec = _spec_for(p)
    h, j = _load(spec, p)
    reads, burn, sweeps, every = 48, 200, 600, 4
    init = (
        np.ones(p.n, np.int8)
        if T < 2.269
        else np.where(np.random.default_rng(1).random((reads, p.n)) < 0.5, 1, -1)
    )
    run = PBitNetGolden(spec, seed=int(T * 10)).run(
        h,
        j,
        num_sweeps=burn + sweeps,
        beta=BetaRegisters(spec.beta_to_acc(1 / T)),
        num_reads=reads,
        initial_states=init,
        record="all",
    )
    smp = run.samples[:, burn::every].astype(np.int64)  # (reads, records, n)
    e = quantized_energy(spec, h, j, smp.reshape(-1, p.n)).reshape(reads, -1) / (1 << spec.frac_bits) / p.n
    m = np.abs(smp.mean(axis=2))
    u_read, m_read = e.mean(axis=1), m.mean(axis=1)  # one mean per independent chain
    u, mm = u_read.mean(), m_read.mean()
    u_se, m_se = u_read.std(ddof=1) / np.sqrt(reads), m_read.std(ddof=1) / np.sqrt(reads)
    u_ref, m_ref = ONSAGER[T]
    assert 4 * u_se < 0.01 * abs(u_ref)  # the tolerance must dwarf the statistical error
    assert abs(u - u_ref) < 0.01 * abs(u_ref)
    if T < 2.269:
        assert 4 * m_se < 0.02 * m_ref
        assert abs(mm - m_ref) < 0.02 * m_ref
    else:  # above T_c |M| ~ N^-1/2 times a susceptibility factor
        assert mm < 0.15


# -- invertible logic and Max-Cut through the sampler (golden) -----------------------------
def _factor_counts(sampler, na, nb, N, **kw):
    bqm = logic.multiplier(na, nb)
    bqm.fix_variables({f"p{k}": 1 if (N >> k) & 1 else -1 for k in range(na + nb)})
    ss = sampler.sample(bqm, beta_range=(0.2, 1.5), beta_schedule_type="linear", **kw)
    col = {v: k for k, v in enumerate(ss.variables)}
    s = ss.record.sample
    a = sum(((s[:, col[f"a{i}"]] + 1) // 2) << i for i in range(na))
    b = sum(((s[:, col[f"b{i}"]] + 1) // 2) << i for i in range(nb))
    return collections.Counter(zip(a.tolist(), b.tolist(), strict=True))


def test_invertible_multiplier_3x3_factors_35_golden():
    counts = _factor_counts(PBitSampler(), 3, 3, 35, num_reads=200, num_sweeps=1000, seed=5)
    (a, b), _ = counts.most_common(1)[0]
    assert a * b == 35 and {a, b} == {5, 7}


def test_invertible_multiplier_4x4_factors_143_golden():
    counts = _factor_counts(PBitSampler(), 4, 4, 143, num_reads=200, num_sweeps=3000, seed=6)
    (a, b), _ = counts.most_common(1)[0]
    assert a * b == 143 and {a, b} == {11, 13}


def _brute_max_cut(g):
    s = np.array(list(itertools.product([-1, 1], repeat=g.n - 1)), dtype=np.int8)
    s = np.hstack([np.ones((len(s), 1), np.int8), s])  # node 0 fixed: cut symmetry
    return max(cut_value(g, s[k : k + (1 << 16)]).max() for k in range(0, len(s), 1 << 16))


@pytest.mark.parametrize(
    "n, density, weights, seed",
    [(16, 0.5, (1,), 0), (19, 0.4, (1,), 3), (20, 0.5, (-1, 1), 5), (20, 0.3, (-1, 1, 2), 7)],
)
def test_maxcut_anneal_reaches_optimum_golden(n, density, weights, seed):
    """>= 95 % of reads reach the brute-force optimum.  "Reached" = the best state a read
    visits after any sweep (``return_best``): final states alone miss it in a few percent
    of reads on some graphs even for dwave-samplers (see sw/pbit_sampler.py)."""
    import dimod

    g = random_maxcut_graph(n, density, weights=weights, seed=seed)
    best = _brute_max_cut(g)
    p = maxcut_to_ising(g)
    bqm = dimod.BinaryQuadraticModel(
        {}, {(int(a), int(b)): -w for (a, b), w in zip(p.edges, p.weights, strict=True)}, 0.0, dimod.SPIN
    )  # dimod convention: J_dimod = -J_physics = +w (antiferromagnetic)
    for v in range(n):
        bqm.add_variable(v, 0.0)
    reads = 100
    ss = PBitSampler().sample(
        bqm, num_reads=reads, num_sweeps=1000, beta_range=(0.1, 4.0), seed=seed, return_best=True
    )
    order = [ss.variables.index(v) for v in range(n)]
    cuts = cut_value(g, ss.record.sample[:, order])
    assert cuts.max() <= best + 1e-9
    assert np.mean(np.isclose(cuts, best)) >= 0.95


@pytest.mark.parametrize("kernel", ["numpy", "numba"] if numba_available() else ["numpy"])
def test_replicas_interleave_one_stream_per_pbit(kernel):
    """P = 3 replicas, 4 reads (two groups, the second filled up with a spare replica),
    against a plain loop written from the Spec's definition: in sweep k, color by color,
    replica r of p-bit i takes word k P + r of its stream (group g's streams start
    where group g - 1 left them) and goes up iff that word is below the table entry at
    |field| (the sense flipped for a negative field)."""
    from spinemu.sim_golden.pbit_net_tables import prob_tables

    p = lattice_2d(4)
    P, reads, S = 3, 4, 12
    spec = _spec_for(p, replicas=P)
    h, j = _load(spec, p)
    h = np.random.default_rng(1).integers(-8, 9, spec.n)
    beta = BetaRegisters.from_dict(spec.beta_registers("linear", (0.3, 1.5), S))
    init = np.where(np.random.default_rng(2).random((reads, spec.n)) < 0.5, 1, -1)
    g = PBitNetGolden(spec, seed=7, kernel=kernel)
    got = g.run(h, j, num_sweeps=S, beta=beta, num_reads=reads, initial_states=init, record="all")

    model, shift = spec.rng_model, spec.word_bits - spec.prob_bits
    lim = spec.field_limit
    jmat = np.zeros((spec.n, spec.n), np.int64)
    for k, (a, b) in enumerate(spec.edges):
        jmat[a, b] = jmat[b, a] = j[k]
    states = spec.rng_states(7)
    groups = -(-reads // P)
    spins = np.vstack([init, -np.ones((groups * P - reads, spec.n), int)])
    samples = np.empty((groups * P, S, spec.n), int)
    for grp in range(groups):
        words, states = model.generate(states, S * P)  # (S P, n)
        words = words >> shift
        for k in range(S):
            table = prob_tables(spec, got.beta_acc[k] >> (spec.beta_frac_bits - spec.beta_mul_frac_bits))[0]
            for c in range(spec.num_colors):
                for r in range(P):
                    m = spins[grp * P + r]
                    for i in np.flatnonzero(spec.colors == c):
                        f = int(np.clip(h[i] + jmat[i] @ m, -lim, lim))
                        up = bool(words[k * P + r, i] < table[abs(f)]) ^ (f < 0)
                        m[i] = 1 if up else -1
            samples[grp * P : grp * P + P, k] = spins[grp * P : grp * P + P]
    assert np.array_equal(got.samples, samples[:reads])
    assert np.array_equal(got.states, spins[:reads])
    assert np.array_equal(g.states, states)  # the next run goes on from groups * S * P steps


def test_replicas_are_independent_chains():
    """64 free p-bits at h = 0, three replicas, 2,000 sweeps: replica r's and r + 1's
    spins agree half the time (they draw alternate words of one stream; with the default
    LFSR leaping prob_bits = 16 bits per word they compare disjoint bits), within 4
    standard errors of 0.5 (sigma = 0.5 / sqrt(128,000) = 0.0014).  Adjacent sweeps of one
    replica agree half the time too."""
    spec = PBitNetSpec(n=64, edges=(), replicas=3)
    run = PBitNetGolden(spec, seed=21).run(
        np.zeros(64, int), [], num_sweeps=2000, beta=BetaRegisters(spec.beta_to_acc(1.0)), num_reads=3,
        record="all",
    )
    s = run.samples  # (3, 2000, 64)
    for a, b in ((0, 1), (1, 2), (0, 2)):
        assert abs((s[a] == s[b]).mean() - 0.5) < 4 * 0.5 / np.sqrt(s[a].size)
    assert abs((s[:, 1:] == s[:, :-1]).mean() - 0.5) < 4 * 0.5 / np.sqrt(s[:, 1:].size)
