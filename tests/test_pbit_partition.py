"""A p-bit network split over devices (sim_golden/pbit_net_partition.py): the partition
and the golden model of the exchange of boundary spins.

The exchange is checked against the monolithic machine: with a refresh after every color
phase and no latency, every sample is the monolithic one (the module docstring argues
why; here it is shown on random graphs, schedules, clamps and seeds); slower or late
exchange must change the samples (the ghosts are really read) and must equal an
independent per-phase model of stale ghosts written here.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spinemu.sim_golden.pbit_net import BetaRegisters, PBitNetGolden
from spinemu.sim_golden.pbit_net_partition import Exchange, partition_network
from spinemu.sim_golden.pbit_net_spec import PBitNetSpec
from spinemu.sim_golden.problems import edwards_anderson_3d
from test_pbit_net_rtl import _bounded_degree_graph, _runs

__all__: list[str] = []

SPEC = PBitNetSpec(n=40, edges=_bounded_degree_graph(40, 5, seed=8))


@pytest.mark.parametrize("devices", [1, 2, 3, 8])
def test_parts_cover_every_pbit_once_and_each_cut_edge_is_one_ghost_per_side(devices):
    g = edwards_anderson_3d(6, seed=2)
    spec = PBitNetSpec(n=g.n, edges=tuple(map(tuple, g.edges.tolist())))
    part = partition_network(spec, devices)
    held = np.concatenate([part.pbits(d) for d in range(devices)])
    assert sorted(held.tolist()) == list(range(spec.n))
    assert all(len(part.pbits(d)) > 0 for d in range(devices))
    e = spec.edge_array
    for k in part.cut.tolist():
        a, b = e[k]
        assert part.part_of[a] != part.part_of[b]
        assert a in part.ghosts(spec, part.part_of[b]) and b in part.ghosts(spec, part.part_of[a])
    # a ghost is a remote neighbour, and every remote neighbour has one
    for d in range(devices):
        mine = set(part.pbits(d).tolist())
        remote = {int(j) for i in mine for j, _ in spec.neighbours[i] if j not in mine}
        assert set(part.ghosts(spec, d).tolist()) == remote
    if devices > 1:  # METIS: balanced, and far fewer cut edges than a random split
        sizes = np.bincount(part.part_of, minlength=devices)
        assert sizes.max() <= 1.1 * spec.n / devices + 1
        random_cut = spec.num_edges * (1 - 1 / devices)
        assert len(part.cut) < 0.6 * random_cut


@pytest.mark.parametrize(
    ("devices", "message"), [(0, "1..n = 40"), (41, "1..n = 40"), (2.0, "integer"), (True, "integer")]
)
def test_bad_device_counts_are_refused(devices, message):
    with pytest.raises(ValueError, match="devices must be") as err:
        partition_network(SPEC, devices)
    assert message in str(err.value)


@pytest.mark.parametrize(("period", "latency"), [(0, 0), (1, -1), (1.5, 0)])
def test_bad_exchange_is_refused(period, latency):
    with pytest.raises(ValueError, match="exchange"):
        Exchange(partition_network(SPEC, 2), period=period, latency=latency)


def _run(spec, run, exchange=None, kernel="numpy"):
    run = dict(run)
    h, j = run.pop("h"), run.pop("j")
    seed = run.pop("seed")
    return PBitNetGolden(spec, seed=seed, kernel=kernel).run(h, j, exchange=exchange, **run)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(run=_runs(SPEC, max_reads=4, max_sweeps=60), devices=st.integers(2, 5))
def test_exchange_after_every_phase_without_latency_is_the_monolithic_machine(run, devices):
    mono = _run(SPEC, run, kernel="auto")
    split = _run(SPEC, run, Exchange(partition_network(SPEC, devices), period=1, latency=0))
    for name in ("states", "samples", "best_states", "best_energies"):
        a, b = getattr(mono, name), getattr(split, name)
        assert (a is None and b is None) or (np.asarray(a) == np.asarray(b)).all(), name


def _stale_ghost_model(spec, part, h, j, init, betas, seed, period, latency):
    """The partitioned machine phase by phase, written from the module docstring alone:
    one read, every p-bit its own loop, ghosts as a queue of sent snapshots."""
    from spinemu.sim_golden.pbit_net_tables import prob_tables

    rng = PBitNetGolden(spec, seed=seed)  # only for its RNG streams
    model = spec.rng_model
    states = rng.states.copy()
    shift = spec.word_bits - spec.prob_bits
    m = np.array(init, np.int64)
    ghosts, queue, phase, samples = m.copy(), [], 0, []
    for b in betas:
        tab = prob_tables(spec, int(b) >> (spec.beta_frac_bits - spec.beta_mul_frac_bits))[0]
        for c in range(spec.num_colors):
            while queue and queue[0][0] <= phase:
                ghosts = queue.pop(0)[1]
            old = m.copy()
            for i in np.flatnonzero(spec.colors == c).tolist():
                field = int(h[i])
                for nb, e in spec.neighbours[i]:
                    seen = old[nb] if part.part_of[nb] == part.part_of[i] else ghosts[nb]
                    field += int(j[e]) * int(seen)
                field = max(-spec.field_limit, min(spec.field_limit, field))
                words, states[i : i + 1] = model.generate(states[i : i + 1], 1)
                r = int(words[0, 0]) >> shift
                up = (r < tab[abs(field)]) ^ (field < 0)
                m[i] = 1 if up else -1
            phase += 1
            if phase % period == 0:
                queue.append((phase + latency, m.copy()))
        samples.append(m.copy())
    return np.array(samples)


@pytest.mark.parametrize(("period", "latency"), [(1, 1), (2, 0), (3, 2)])
def test_slow_or_late_exchange_reads_stale_ghosts_as_documented(period, latency):
    """Against the independent model above (one read, 30 sweeps, an annealing schedule):
    equal sample for sample, and different from the monolithic machine."""
    rng = np.random.default_rng(period * 10 + latency)
    h = rng.integers(-8, 8, SPEC.n)
    j = rng.integers(-12, 12, SPEC.num_edges)
    init = np.where(rng.random(SPEC.n) < 0.5, 1, -1)
    beta = BetaRegisters.from_dict(SPEC.beta_registers("linear", (0.2, 2.0), 30))
    part = partition_network(SPEC, 3)
    ex = Exchange(part, period=period, latency=latency)
    split = PBitNetGolden(SPEC, seed=4, kernel="numpy").run(
        h, j, num_sweeps=30, beta=beta, initial_states=init, record="all", exchange=ex
    )
    mono = PBitNetGolden(SPEC, seed=4).run(h, j, num_sweeps=30, beta=beta, initial_states=init, record="all")
    ref = _stale_ghost_model(SPEC, part, h, j, init, split.beta_acc, 4, period, latency)
    assert (split.samples[0] == ref).all()
    assert (split.samples[0] != mono.samples[0]).any()


def test_sampler_on_several_devices():
    """PBitSampler(devices=K): one machine's SampleSet with exchange after every phase,
    a different one with a slower exchange; info names the machine; the rtl backend gives
    the golden samples; a board and bad values are refused with the reason."""
    from spinemu.sim_golden.problems import to_bqm
    from spinemu.sw.pbit_sampler import PBitSampler

    g = edwards_anderson_3d(4, seed=5)
    bqm = to_bqm(g)
    kw = dict(num_reads=4, num_sweeps=50, seed=3)
    one = PBitSampler().sample(bqm, **kw)
    split = PBitSampler(devices=4).sample(bqm, **kw)
    slow = PBitSampler(devices=4, exchange_period=3, link_latency=2).sample(bqm, **kw)
    assert (one.record.sample == split.record.sample).all()
    assert (one.record.sample != slow.record.sample).any()
    assert split.info["devices"] == 4 and split.info["eta"] == 1.0 and split.info["cut_edges"] > 0
    assert slow.info["eta"] == pytest.approx(1 / 3) and one.info["devices"] == 1
    # the rtl backend: one native model per device, joined by links, the same samples
    small = to_bqm(edwards_anderson_3d(3, seed=5))
    kw = dict(num_reads=2, num_sweeps=30, seed=4)
    rtl = PBitSampler(backend="rtl", devices=2, exchange_period=2, link_latency=1).sample(small, **kw)
    gold = PBitSampler(devices=2, exchange_period=2, link_latency=1).sample(small, **kw)
    assert (rtl.record.sample == gold.record.sample).all() and rtl.info["devices"] == 2
    with pytest.raises(ValueError, match="golden and rtl backends"):
        PBitSampler(backend="pynq", devices=2)
    with pytest.raises(ValueError, match="exchange_period must be an integer >= 1"):
        PBitSampler(devices=2, exchange_period=0)
    with pytest.raises(ValueError, match="more than the problem's 64 p-bits"):
        PBitSampler(devices=65).sample(bqm, num_reads=1, num_sweeps=1)
