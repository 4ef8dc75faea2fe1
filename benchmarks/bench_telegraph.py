"""Telegraph-mode (emulated SMTJ) p-bits vs ideal p-bits: throughput and emulated device time.

Prints Markdown tables (printed, not asserted) for a 64-p-bit network (2D lattice
L = 8, periodic, J = 1, β = 0.44, 2 colours):

1. the ``rtl`` backend (native Verilator model driven over its AXI4-Lite bus, per-sweep
   samples recorded): p-bit updates per second and clock cycles per second of the
   ideal p-bit design, the telegraph design with one shared emulated SMTJ, and the
   telegraph design with 64 different devices (``SMTJPopulation``, one pair of flip
   tables per p-bit) and compensation registers; the first run builds each design
   (~1-2 minutes each);
2. the same for the bit-exact golden model (64 reads vectorised);
3. emulated device time per wall-clock second of the 64-SMTJ network: Verilator, golden,
   and an FPGA at 100 MHz (``telegraph_dt * f_clk / num_colors``).

Usage: ``python benchmarks/bench_telegraph.py [--no-rtl] [--dt SECONDS]``
"""

from __future__ import annotations

import sys
import time

import numpy as np
from spinemu.sim_golden.pbit_net import BetaRegisters, PBitNetGolden
from spinemu.sim_golden.pbit_net_spec import PBitNetSpec, telegraph_fields
from spinemu.sim_golden.problems import lattice_2d
from spinemu.sim_golden.smtj import SMTJ, SMTJPopulation

__all__ = ["main"]

F_CLK = 100e6


def _designs(dt: float):
    p = lattice_2d(8)
    # as bench_pbit_net's RTL design: 256-entry LUTs keep the Verilated model small
    base = dict(
        n=p.n, edges=tuple(map(tuple, p.edges.tolist())), sample_buffer_depth=0, lut_bits=8, lut_frac_bits=4
    )
    pop = SMTJPopulation(n=p.n, delta_spread=0.05, ic_spread=0.05, offset_spread=1e-6, seed=1)
    return p, [
        ("ideal p-bit", PBitNetSpec(**base)),
        ("telegraph, one shared SMTJ", PBitNetSpec(**base, **telegraph_fields(SMTJ(), dt=dt))),
        (
            "telegraph, 64 different SMTJs + compensation",
            PBitNetSpec(**base, compensation=True, **telegraph_fields(pop, dt=dt)),
        ),
    ]


def _problem(p, spec):
    j = spec.quantize(np.ones(spec.num_edges), spec.j_bits, "J")
    return np.zeros(spec.n, np.int64), j, BetaRegisters(spec.beta_to_acc(0.44))


def _rtl_rate(spec, h, j, beta, sweeps):
    from spinemu.sw.pbit_sampler import _native_model, run_network

    t = time.perf_counter()
    model = _native_model(spec)
    build = time.perf_counter() - t
    run_network(spec, h, j, num_sweeps=100, beta=beta, seed=1, backend="rtl")  # warm up
    c0 = model.cycles
    t = time.perf_counter()
    run_network(spec, h, j, num_sweeps=sweeps, beta=beta, seed=1, backend="rtl")
    wall = time.perf_counter() - t
    return sweeps / wall, (model.cycles - c0) / wall, build


def _golden_rate(spec, h, j, beta, sweeps, reads):
    g = PBitNetGolden(spec, seed=1)
    t = time.perf_counter()
    g.run(h, j, num_sweeps=sweeps, beta=beta, num_reads=reads)
    return sweeps * reads / (time.perf_counter() - t)


def main(argv=None) -> None:
    """Run the benchmark and print the tables."""
    argv = sys.argv[1:] if argv is None else argv
    dt = float(argv[argv.index("--dt") + 1]) if "--dt" in argv else 1e-6
    p, designs = _designs(dt)
    print(
        f"# Telegraph-mode p-bits: 2D lattice L=8 ({p.n} p-bits), telegraph_dt = {dt:g} s per sweep, "
        f"nominal SMTJ tau0 = 1 ns, delta = 10, ic = 100 uA (tau_c(0) = {SMTJ().tau_c(0.0):.3g} s)\n"
    )
    rows_rtl, rows_gold, rows_time = [], [], []
    for name, spec in designs:
        h, j, beta = _problem(p, spec)
        c = spec.num_colors
        tele = spec.mode.value == "telegraph"
        gs = _golden_rate(spec, h, j, beta, sweeps=200, reads=64)
        rows_gold.append(
            f"| {name} | {gs * spec.n:.3g} | {gs * dt:.3g} s |"
            if tele
            else f"| {name} | {gs * spec.n:.3g} | - |"
        )
        if "--no-rtl" not in argv:
            sweeps_s, cyc_s, build = _rtl_rate(spec, h, j, beta, sweeps=100000)
            rows_rtl.append(f"| {name} | {sweeps_s * spec.n:.3g} | {cyc_s:.3g} | {c} | {build:.1f} |")
            if tele:
                rows_time.append(
                    f"| {name} | {sweeps_s * dt:.3g} s | {gs * dt:.3g} s | {F_CLK / c * dt:.3g} s |"
                )
    if rows_rtl:
        print("## RTL backend (native Verilator, bus-driven, samples recorded)\n")
        print("| design | p-bit updates / s | clock cycles / s | colors | model ready in s |")
        print("|---|---|---|---|---|")
        print("\n".join(rows_rtl))
        print(
            f"\nOn an FPGA at 100 MHz every design updates N f / C = {p.n * F_CLK / 2:.3g} p-bits / s "
            "(telegraph mode keeps the one-clock-per-colour datapath; only the ROMs differ)."
        )
        ideal = float(rows_rtl[0].split("|")[2])
        for r in rows_rtl[1:]:
            print(
                f"\n{r.split('|')[1].strip()}: {float(r.split('|')[2]) / ideal:.2f} x the ideal p-bit's rate"
            )
    print("\n## Golden model (64 reads vectorised, one process)\n")
    print("| design | p-bit updates / s | emulated device time / wall s (summed over the 64 reads) |")
    print("|---|---|---|")
    print("\n".join(rows_gold))
    if rows_time:
        print(f"\n## Emulated device time per wall-clock second, {p.n}-SMTJ network\n")
        print("| design | Verilator | golden (64 reads summed) | FPGA at 100 MHz |")
        print("|---|---|---|---|")
        print("\n".join(rows_time))
        c = designs[1][1].num_colors
        print(
            f"\nOn the FPGA every p-bit takes one telegraph step of {dt:g} s per sweep of "
            f"{c} clocks: the 64 devices run {F_CLK / c * dt:.3g}x faster than real time."
        )


if __name__ == "__main__":
    main()
