"""A p-bit machine split over devices: partitions, golden speed, fidelity against η, and the
aggregate throughput of K boards.

Run as ``python benchmarks/bench_partition.py`` (part of ``make bench``).  Tables:

1. **Partitions** (METIS through pymetis) of 3D +-J glasses: cut edges, the most ghosts a
   device keeps (boundary spins it receives), balance.
2. **Golden speed** of the partitioned machine (numpy path, p-bit updates/s) against the
   monolithic golden model (numba), on a K = 8 split of a 32^3 glass (the issue's goal:
   >= 10^7).
3. **Fidelity against η = 1 / exchange_period** (:mod:`spinemu.gen.fidelity_partition`,
   the study the verify report of a ``[machine]`` config runs): residual energy per spin
   after annealing runs of t = 10 ... 1,000 sweeps (geometric β 0.1 -> 3, 16 reads), for
   the monolithic machine and K = 2, 4, 8 at several exchange periods, on 3D glasses
   (L = 8 and 16) and a 2D glass (L = 24); the fitted power law ``rho(t) ~ t^-kappa``
   and its standard error; two thresholds: the smallest η from which every K's exponent
   lies within two standard errors of the monolithic one, and from which its residual
   energy does at every t.  Ground-state energies are the lowest found by any run (an
   estimate: residual energies are upper bounds).
5. **What the exchange costs** in logic: a device with and without its exchange (yosys).
4. **Aggregate throughput**: K boards at their board clock, each holding the most p-bits of
   degree 6 it fits (``gen/pbit_cost.py``), as flips/ns; an upper bound that assumes the
   boundary exchange hides behind the sweeps.
"""

from __future__ import annotations

import time

import numpy as np
from spinemu.gen.fidelity_partition import ising_spec, partition_study, study_table
from spinemu.sim_golden.pbit_net import BetaRegisters, PBitNetGolden
from spinemu.sim_golden.pbit_net_partition import Exchange, partition_network
from spinemu.sim_golden.pbit_net_spec import PBitNetSpec
from spinemu.sim_golden.problems import IsingProblem, edwards_anderson_3d, lattice_2d

__all__ = ["main"]

SWEEPS = (10, 30, 100, 300, 1000)
READS = 16
PERIODS = (1, 2, 4, 16, 64)
DEVICES = (2, 4, 8)


def _spec(p) -> tuple[PBitNetSpec, np.ndarray]:
    spec, _, j = ising_spec(p)
    return spec, j


def _glass_2d(L: int, seed: int) -> IsingProblem:
    base = lattice_2d(L)
    signs = np.where(np.random.default_rng(seed).random(base.weights.size) < 0.5, -1.0, 1.0)
    return IsingProblem(h=base.h, edges=base.edges, weights=signs)


def _partitions() -> None:
    print("## Partitions of 3D +-J glasses (METIS k-way)\n")
    print("| L | p-bits | edges | K | cut edges | cut % | most ghosts per device | largest / mean part |")
    print("|---|---|---|---|---|---|---|---|")
    for L in (16, 32):
        spec, _ = _spec(edwards_anderson_3d(L, seed=1))
        for K in (2, 4, 8):
            part = partition_network(spec, K)
            ghosts = max(len(part.ghosts(spec, d)) for d in range(K))
            sizes = np.bincount(part.part_of, minlength=K)
            cut = f"{len(part.cut):,} | {100 * len(part.cut) / spec.num_edges:.1f}"
            print(
                f"| {L} | {spec.n:,} | {spec.num_edges:,} | {K} | {cut} | {ghosts:,} | "
                f"{sizes.max() / sizes.mean():.3f} |"
            )


def _speed() -> None:
    spec, j = _spec(edwards_anderson_3d(32, seed=1))
    h = np.zeros(spec.n, np.int64)
    part = partition_network(spec, 8)
    sweeps, reads = 40, 4
    beta = BetaRegisters.from_dict(spec.beta_registers("geometric", (0.1, 3.0), sweeps))
    print("\n## Golden speed, 32^3 glass (32,768 p-bits), K = 8, 4 reads x 40 sweeps\n")
    print("| model | p-bit updates / s |")
    print("|---|---|")
    PBitNetGolden(spec, seed=1).run(h, j, num_sweeps=2, beta=[beta.start] * 2)  # compile numba
    runs = [("monolithic (numba)", None, "auto")]
    for e in (1, 4, 16):
        runs.append((f"K = 8, exchange every {e} phase(s) (numpy)", Exchange(part, period=e), "numpy"))
    for label, ex, kernel in runs:
        t = time.perf_counter()
        PBitNetGolden(spec, seed=1, kernel=kernel).run(
            h, j, num_sweeps=sweeps, beta=beta, num_reads=reads, exchange=ex
        )
        rate = sweeps * reads * spec.n / (time.perf_counter() - t)
        print(f"| {label} | {rate:.3g} |")


def _fidelity(name: str, p) -> None:
    spec, h, j = ising_spec(p)
    study = partition_study(
        spec, h, j, name=name, sweeps=SWEEPS, reads=READS, periods=PERIODS, devices=DEVICES
    )
    print(f"\n## Residual energy per spin, {name} ({spec.n} p-bits, {spec.num_colors} colors)\n")
    print(f"Ground state estimate {study.ground:.0f} (lowest found); {READS} reads; geometric β 0.1 -> 3.\n")
    table = study_table(study)
    print("| " + " | ".join(table[0]) + " |")
    print("|" + "---|" * len(table[0]))
    for row in table[1:]:
        print("| " + " | ".join(row) + " |")

    def eta(x):
        return "none tested" if x is None else f"{x:.3g}"

    etas = ", ".join(f"{1 / e:.3g}" for e in PERIODS)
    print(
        f"\nThresholds (of η in {etas}): every K keeps the monolithic exponent "
        f"({study.monolithic.kappa:.3f}) from η = {eta(study.threshold)} up, and its residual energy "
        f"at every t within two standard errors from η = {eta(study.energy_threshold)} up."
    )


def _aggregate() -> None:
    from spinemu.boards.catalog import get_board
    from spinemu.gen.pbit_cost import max_pbits
    from spinemu.gen.synth import flips_per_ns

    spec, _ = _spec(edwards_anderson_3d(4, seed=1))
    print("\n## Aggregate throughput of K boards (parallel fabric, degree 6, board clock)\n")
    print("| board | p-bits per board | flips/ns per board | K = 2 | K = 4 | K = 8 |")
    print("|---|---|---|---|---|---|")
    for name in ("pynq-z2", "zcu104"):
        board = get_board(name)
        most = max_pbits(spec, board.resources.as_dict(), degree=6)
        one = flips_per_ns(most, board.pl_mhz, 2)
        print(f"| {board.title} | {most:,} | {one:.0f} | {2 * one:.0f} | {4 * one:.0f} | {8 * one:.0f} |")


def _device_cost() -> None:
    """yosys (xc7) cost of the exchange: a device of a K = 2 split of a 6^3 glass, with and
    without its BoundaryExchange and streams."""
    from spinemu.gen import synth
    from spinemu.gen.pbit_machine import device_design
    from spinemu.gen.verilog import design_for_spec
    from spinemu.sim_golden.pbit_net_device import device_plans

    spec, _ = _spec(edwards_anderson_3d(6, seed=1))
    plan = device_plans(spec, partition_network(spec, 2))[0]
    print("\n## What the exchange costs (yosys, xc7): device 0 of a K = 2 split of a 6^3 glass\n")
    print(f"{plan.spec.n} p-bits, {plan.spec.ghosts} ghosts, {len(plan.boundary)} boundary p-bits, "
          f"{len(plan.sources)} source(s)\n")  # fmt: skip
    print("| design | LUT | FF | BRAM36 | LUT / p-bit | FF / p-bit |")
    print("|---|---|---|---|---|---|")
    for name, design in (("network with ghost inputs only", design_for_spec(plan.spec)),
                         ("device: + exchange and streams", device_design(plan))):  # fmt: skip
        r = synth.estimate(design, target="xc7", check_fit=False)
        per = f"{r.lut / plan.spec.n:.1f} | {r.ff / plan.spec.n:.1f}"
        print(f"| {name} | {r.lut:,} | {r.ff:,} | {r.bram:g} | {per} |")


def main() -> None:
    _partitions()
    _speed()
    _fidelity("3D +-J glass L = 8", edwards_anderson_3d(8, seed=2))
    _fidelity("3D +-J glass L = 16", edwards_anderson_3d(16, seed=2))
    _fidelity("2D +-J glass L = 24", _glass_2d(24, seed=2))
    _aggregate()
    _device_cost()


if __name__ == "__main__":
    main()
