"""A p-bit machine split over devices: partitions, golden speed, fidelity against η, and the
aggregate throughput of K boards.

Run as ``python benchmarks/bench_partition.py`` (part of ``make bench``).  Tables:

1. **Partitions** (METIS through pymetis) of 3D +-J glasses: cut edges, the most ghosts a
   device keeps (boundary spins it receives), balance.
2. **Golden speed** of the partitioned machine (numpy path, p-bit updates/s) against the
   monolithic golden model (numba), on a K = 8 split of a 32^3 glass (the issue's goal:
   >= 10^7).
3. **Fidelity against η = 1 / exchange_period**: residual energy per spin after
   annealing runs of t = 10 ... 1,000 sweeps (geometric β 0.1 -> 3, 16 reads), for the
   monolithic machine and K = 2, 4, 8 at several exchange periods, on a 3D glass (L = 8)
   and a 2D glass (L = 24); the fitted power law ``rho(t) ~ t^-kappa`` and its standard
   error; the threshold η is the smallest at which every K's exponent lies within two
   standard errors of the monolithic one.  Ground-state energies are the lowest found
   by any run (an estimate: residual energies are upper bounds).
4. **Aggregate throughput**: K boards at their board clock, each holding the most p-bits of
   degree 6 it fits (``gen/pbit_cost.py``), as flips/ns; an upper bound that assumes the
   boundary exchange hides behind the sweeps.
"""

from __future__ import annotations

import time

import numpy as np
from spinemu.sim_golden.pbit_net import BetaRegisters, PBitNetGolden
from spinemu.sim_golden.pbit_net_partition import Exchange, partition_network
from spinemu.sim_golden.pbit_net_spec import PBitNetSpec
from spinemu.sim_golden.problems import IsingProblem, edwards_anderson_3d, energy, lattice_2d

__all__ = ["main"]

SWEEPS = (10, 30, 100, 300, 1000)
READS = 16
PERIODS = (1, 4, 16, 64)
DEVICES = (2, 4, 8)


def _spec(p) -> tuple[PBitNetSpec, np.ndarray]:
    spec = PBitNetSpec(n=p.n, edges=tuple(map(tuple, p.edges.tolist())), frac_bits=0)
    j = np.zeros(spec.num_edges)
    for (a, b), w in zip(p.edges.tolist(), p.weights, strict=True):
        j[spec.edge_index[(a, b)]] = w
    return spec, spec.quantize(j, spec.j_bits, "J")


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


def _energies(spec, j, exchange, t: int) -> np.ndarray:
    beta = BetaRegisters.from_dict(spec.beta_registers("geometric", (0.1, 3.0), t))
    init = np.where(np.random.default_rng(t).random((READS, spec.n)) < 0.5, 1, -1)
    run = PBitNetGolden(spec, seed=t, kernel="numpy" if exchange else "auto").run(
        np.zeros(spec.n, np.int64), j, num_sweeps=t, beta=beta, num_reads=READS, initial_states=init,
        exchange=exchange,
    )
    return run.states


def _fidelity(name: str, p) -> None:
    spec, j = _spec(p)
    configs = [("monolithic", None, None)]
    for K in DEVICES:
        part = partition_network(spec, K)
        configs += [(f"K = {K}, E = {e}", K, Exchange(part, period=e)) for e in PERIODS]
    finals = {label: [energy(p, _energies(spec, j, ex, t)) for t in SWEEPS] for label, _, ex in configs}
    e0 = min(float(np.min(e)) for es in finals.values() for e in es)
    print(f"\n## Residual energy per spin, {name} ({spec.n} p-bits, {spec.num_colors} colors)\n")
    print(f"Ground state estimate {e0:.0f} (lowest found); {READS} reads; geometric β 0.1 -> 3.\n")
    head = " | ".join(f"t = {t}" for t in SWEEPS)
    print(f"| machine | η | {head} | kappa ± s.e. |")
    print("|---|---|" + "---|" * len(SWEEPS) + "---|")
    kappas = {}
    for label, _, ex in configs:
        rho = np.array([(np.mean(e) - e0) / spec.n for e in finals[label]])
        ok = rho > 0
        (slope, _), cov = np.polyfit(np.log(np.array(SWEEPS)[ok]), np.log(rho[ok]), 1, cov=True)
        kappa, err = -slope, float(np.sqrt(cov[0, 0]))
        kappas[label] = (kappa, err, None if ex is None else 1 / ex.period)
        eta = "-" if ex is None else f"{1 / ex.period:.3g}"
        cells = " | ".join(f"{r:.4f}" for r in rho)
        print(f"| {label} | {eta} | {cells} | {kappa:.3f} ± {err:.3f} |")
    k0, e0_err, _ = kappas["monolithic"]
    threshold = None
    for e in sorted(PERIODS, reverse=True):  # from the slowest exchange up
        rows = [kappas[f"K = {K}, E = {e}"] for K in DEVICES]
        if all(abs(k - k0) <= 2 * np.hypot(err, e0_err) for k, err, _ in rows):
            threshold = 1 / e
            break
    print(
        f"\nThreshold: every K matches the monolithic exponent ({k0:.3f}) from η = "
        f"{'none tested' if threshold is None else f'{threshold:.3g}'} up (of η in "
        f"{', '.join(f'{1 / e:.3g}' for e in PERIODS)})."
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


def main() -> None:
    _partitions()
    _speed()
    _fidelity("3D +-J glass L = 8", edwards_anderson_3d(8, seed=2))
    _fidelity("2D +-J glass L = 24", _glass_2d(24, seed=2))
    _aggregate()


if __name__ == "__main__":
    main()
