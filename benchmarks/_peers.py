"""What the p-bit benchmarks share: the problems they time and the timed peer samplers.

``bench_float_sampler.py`` and ``bench_pbit_net.py`` time the same problems (2D
lattices L = 64, 128 and an 800-node random graph) against the same peers:
dwave-samplers' ``SimulatedAnnealingSampler`` and spinemu's float reference sampler,
both with a geometric β schedule.  The scripts run as ``python benchmarks/bench_*.py``,
so this folder is on ``sys.path`` and they import this module by its name.
"""

from __future__ import annotations

import time

from spinemu.sim_golden.float_sampler import beta_schedule, sample_float
from spinemu.sim_golden.problems import lattice_2d, maxcut_to_ising, random_maxcut_graph

__all__ = ["throughput_cases", "run_dwave", "run_float"]


def throughput_cases() -> list[tuple]:
    """``(name, problem, reads, sweeps)`` of the throughput tables."""
    return [
        ("2D lattice L=64", lattice_2d(64), 64, 200),
        ("2D lattice L=128", lattice_2d(128), 32, 100),
        ("random graph n=800, p=0.06", maxcut_to_ising(random_maxcut_graph(800, 0.06, seed=1)), 64, 200),
    ]


def run_dwave(bqm, *, reads, sweeps, beta_range, seed, criterion="Metropolis"):
    """dwave-samplers' simulated annealing on ``bqm``: ``(SampleSet, seconds)``."""
    from dwave.samplers import SimulatedAnnealingSampler

    t = time.perf_counter()
    ss = SimulatedAnnealingSampler().sample(
        bqm,
        num_reads=reads,
        num_sweeps=sweeps,
        beta_range=beta_range,
        beta_schedule_type="geometric",
        seed=seed,
        proposal_acceptance_criteria=criterion,
    )
    return ss, time.perf_counter() - t


def run_float(p, *, reads, sweeps, beta_range, seed):
    """spinemu's float reference sampler on problem ``p``: ``(result, seconds)``."""
    t = time.perf_counter()
    r = sample_float(
        p, num_reads=reads, num_sweeps=sweeps, betas=beta_schedule(sweeps, beta_range, "geometric"), seed=seed
    )
    return r, time.perf_counter() - t
