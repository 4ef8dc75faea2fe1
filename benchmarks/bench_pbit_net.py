"""p-bit network: fixed-point golden and RTL throughput, and dwave-samplers side by side.

Prints Markdown tables (printed, not asserted):

1. flips/ns (spin updates per second / 1e9, one process) of the bit-exact fixed-point
   golden model (:class:`~spinemu.sim_golden.pbit_net.PBitNetGolden`: its compiled
   kernel on one and two threads, and its numpy reference path), the float reference
   sampler and dwave-samplers' ``SimulatedAnnealingSampler`` (Metropolis and Gibbs,
   one thread) on 2D lattices L = 64, 128 and an 800-node G-set-like random graph, at
   equal reads, sweeps and geometric β schedule (dwave-samplers' default range), and
   the time of one sweep of a 10^6-p-bit 3D lattice;
2. best cut at equal sweeps on the 800-node graph (golden vs dwave-samplers);
3. the ``rtl`` backend: p-bit updates per second through the native Verilator model
   (an 8x8 lattice, 64 p-bits; the first run builds it, ~1-2 minutes), and what the
   same design does on an FPGA at 100 MHz (N f / C).

dwave-samplers is a benchmark peer only (``pip install dwave-samplers``).

Usage: ``python benchmarks/bench_pbit_net.py [--no-rtl | --rtl-only]``
"""

from __future__ import annotations

import sys
import time

import numpy as np
from _peers import run_dwave, run_float, throughput_cases
from spinemu.sim_golden.float_sampler import default_beta_range
from spinemu.sim_golden.jit import numba_available
from spinemu.sim_golden.pbit_net import BetaRegisters, PBitNetGolden
from spinemu.sim_golden.pbit_net_spec import PBitNetSpec
from spinemu.sim_golden.problems import (
    cut_value,
    lattice_2d,
    lattice_3d,
    maxcut_to_ising,
    random_maxcut_graph,
    to_bqm,
)

__all__ = ["main"]


def _spec(p, **hw):
    return PBitNetSpec(n=p.n, edges=tuple(map(tuple, p.edges.tolist())), **hw)


def _golden(p, spec, *, reads, sweeps, beta_range, seed, kernel="auto", workers=1):
    j = np.zeros(spec.num_edges)
    for (a, b), w in zip(p.edges.tolist(), p.weights, strict=True):
        j[spec.edge_index[(a, b)]] = w
    h_q, j_q = spec.quantize(p.h, spec.h_bits, "h"), spec.quantize(j, spec.j_bits, "J")
    beta = BetaRegisters.from_dict(spec.beta_registers("geometric", beta_range, sweeps))
    init = np.where(np.random.default_rng(seed).random((reads, p.n)) < 0.5, 1, -1)
    golden = PBitNetGolden(spec, seed=seed, kernel=kernel)
    # compile (or load the compiled kernel) outside the timing, on another instance
    PBitNetGolden(spec, kernel=kernel).run(h_q, j_q, num_sweeps=1, beta=beta, num_workers=workers)
    t = time.perf_counter()
    run = golden.run(
        h_q, j_q, num_sweeps=sweeps, beta=beta, num_reads=reads, initial_states=init, num_workers=workers
    )
    return run, time.perf_counter() - t


def _throughput() -> None:
    print("## Throughput (flips/ns = spin updates per second / 1e9, one process)\n")
    print(
        "| problem | spins | colors | reads x sweeps | golden, numba 1 thread | golden, numba 2 threads "
        "| golden, numpy | spinemu float | dwave SA Metropolis | dwave SA Gibbs "
        "| golden (1 thread) / dwave Gibbs |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    jit = numba_available()
    for name, p, reads, sweeps in throughput_cases():
        br = default_beta_range(p)
        spec = _spec(p)
        bqm = to_bqm(p)
        upd = reads * sweeps * p.n
        kw = dict(reads=reads, sweeps=sweeps, beta_range=br, seed=1)
        t1 = _golden(p, spec, **kw, kernel="numba")[1] if jit else float("nan")
        t2 = _golden(p, spec, **kw, kernel="numba", workers=2)[1] if jit else float("nan")
        tn = _golden(p, spec, **kw, kernel="numpy")[1]
        _, tf = run_float(p, **kw)
        _, td = run_dwave(bqm, **kw)
        _, tg = run_dwave(bqm, **kw, criterion="Gibbs")
        rate = [upd / t / 1e9 for t in (t1, t2, tn, tf, td, tg)]
        print(
            f"| {name} | {p.n} | {spec.num_colors} | {reads} x {sweeps} | "
            + " | ".join(f"{r:.3f}" for r in rate)
            + f" | {tg / t1:.2f}x |"
        )
    if not jit:
        print("\n(numba is not installed: the compiled columns are empty.)")


def _million() -> None:
    """One sweep of a 10^6-p-bit periodic 3D lattice (L = 100) in the golden model."""
    p = lattice_3d(100)
    t = time.perf_counter()
    spec = _spec(p)
    t_spec = time.perf_counter() - t
    j = spec.quantize(np.ones(spec.num_edges), spec.j_bits, "J")
    h = np.zeros(spec.n, np.int64)
    golden = PBitNetGolden(spec, seed=1)
    beta = BetaRegisters(spec.beta_to_acc(0.2))
    golden.run(h, j, num_sweeps=1, beta=beta)  # compiled or loaded outside the timing
    print(f"\n## One sweep of a 3D lattice of {spec.n:,} p-bits (golden, {golden.kernel}, one thread)\n")
    print("| sweeps per call | seconds per call | seconds per sweep |")
    print("|---|---|---|")
    for sweeps in (1, 10):
        t = time.perf_counter()
        golden.run(h, j, num_sweeps=sweeps, beta=beta)
        dt = time.perf_counter() - t
        print(f"| {sweeps} | {dt:.3f} | {dt / sweeps:.4f} |")
    print(f"\n(Building its Spec -- edges, coloring, register map -- took {t_spec:.1f} s.)")


def _best_cut() -> None:
    g = random_maxcut_graph(800, 0.06, seed=2)
    p = maxcut_to_ising(g)
    spec = _spec(p)
    bqm = to_bqm(p)
    br = default_beta_range(p)
    print(
        f"\n## Best cut at equal sweeps, G1-like graph (800 nodes, {g.edges.shape[0]} edges; "
        "G1's best known 11624 is a scale reference only)\n"
    )
    print("| sweeps | reads | golden best / mean | time s | dwave SA best / mean | time s |")
    print("|---|---|---|---|---|---|")
    for sweeps in (100, 1000):
        reads = 16
        run, tq = _golden(p, spec, reads=reads, sweeps=sweeps, beta_range=br, seed=3)
        cq = cut_value(g, run.states)
        ss, td = run_dwave(bqm, reads=reads, sweeps=sweeps, beta_range=br, seed=3)
        cd = cut_value(g, ss.record.sample[:, np.argsort(np.asarray(ss.variables))])
        print(
            f"| {sweeps} | {reads} | {cq.max():.0f} / {cq.mean():.1f} | {tq:.2f} | "
            f"{cd.max():.0f} / {cd.mean():.1f} | {td:.2f} |"
        )


def _rtl() -> None:
    from spinemu.sw.pbit_sampler import _native_model, run_network

    # the default hardware on a small lattice (bench_pbit_scale.py times 1,024 and 4,096)
    p = lattice_2d(8)
    spec = _spec(p, sample_buffer_depth=0)
    t = time.perf_counter()
    model = _native_model(spec)
    tb = time.perf_counter() - t
    j = spec.quantize(np.ones(spec.num_edges), spec.j_bits, "J")
    h = np.zeros(spec.n, np.int64)
    beta = BetaRegisters(spec.beta_to_acc(0.44))
    rows = []
    for reads, sweeps in ((1, 20000), (100, 200)):
        c0 = model.cycles
        t = time.perf_counter()
        run_network(spec, h, j, num_sweeps=sweeps, beta=beta, num_reads=reads, seed=1, backend="rtl")
        dt = time.perf_counter() - t
        cyc = model.cycles - c0
        upd = reads * sweeps * spec.n
        rows.append(f"| {reads} x {sweeps} | {upd / dt:.3g} | {cyc / dt:.3g} | {dt:.2f} |")
    print(
        f"\n## RTL backend (native Verilator), 2D lattice L=8: {spec.n} p-bits, "
        f"{spec.num_colors} colors (model ready in {tb:.1f} s)\n"
    )
    print("| reads x sweeps | p-bit updates / s | clock cycles / s | time s |")
    print("|---|---|---|---|")
    print("\n".join(rows))
    print(
        f"\nOn an FPGA at 100 MHz this design updates N f / C = "
        f"{spec.n * 100e6 / spec.num_colors / 1e9:.1f} flips/ns."
    )


def main(argv=None) -> None:
    """Run the benchmark and print the tables."""
    argv = sys.argv[1:] if argv is None else argv
    if "--rtl-only" not in argv:
        _throughput()
        _million()
        _best_cut()
    if "--no-rtl" not in argv:
        _rtl()


if __name__ == "__main__":
    main()
