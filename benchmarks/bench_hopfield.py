"""Hopfield core benchmark: neuron updates per second on the RTL, recall latency in cycles.

Prints two Markdown tables:

1. **Throughput on rtl**: for each built design, random recalls through the register
   driver on the native Verilator model; neuron updates per second of wall-clock time
   (simulation plus bus traffic), per simulated clock cycle, and at a nominal 100 MHz
   FPGA clock.
2. **Recall latency** (busy cycles of one sweep) versus N and lanes: the measured
   ``CYCLES`` register of the built designs next to the Spec's cycle model
   ``N ceil(N / lanes) + 2`` (reads back to back), the model for larger grids and its
   lane use ``N^2 / (lanes x cycles)``.

Resources (LUT/FF/DSP/BRAM from yosys) are reported by the synthesis benchmark.

Run: ``.venv/bin/python benchmarks/bench_hopfield.py [--recalls 200] [--build N:LANES ...]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from spinemu.sim_golden.hopfield_spec import HopfieldSpec

__all__ = ["main", "measure_rtl"]

#: (N, lanes) of the designs measured by default (ideal devices, 16 levels)
DEFAULT_DESIGNS = ((9, 2), (13, 4), (6, 1))
FPGA_CLOCK_HZ = 100e6


def measure_rtl(spec: HopfieldSpec, recalls: int, seed: int = 0) -> dict:
    """Run ``recalls`` random async recalls on a random symmetric network."""
    from spinemu.gen.native import build_native
    from spinemu.gen.verilog import design_for_spec
    from spinemu.sw.hopfield import HopfieldDriver
    from spinemu.sw.mmio import VerilatorMMIO

    model = build_native(design_for_spec(spec))
    try:
        drv = HopfieldDriver(VerilatorMMIO(model), spec, stream=model)  # sweeps drained as on a board
        rng = np.random.default_rng(seed)
        n, lm = spec.n_neurons, spec.level_max
        xi = rng.choice([-1, 1], size=(max(1, min(3, lm)), n))
        drv.clear()
        for x in xi:
            drv.load_state(x)
            drv.hebb(max(1, lm // len(xi)))
        updates = busy = sweeps1 = 0
        c0 = model.cycles
        t0 = time.perf_counter()
        for _ in range(recalls):
            drv.load_state(rng.choice([-1, 1], size=n))
            r = drv.recall("async", 100)
            updates += r.sweeps * n
            busy += drv.regs.read("CYCLES")
            if r.sweeps == 1:
                sweeps1 = drv.regs.read("CYCLES")
        wall = time.perf_counter() - t0
        total_cycles = model.cycles - c0
        return {
            "updates": updates,
            "wall": wall,
            "busy": busy,
            "total_cycles": total_cycles,
            "sweep_cycles": sweeps1 or busy * n // max(updates, 1),
        }
    finally:
        model.close()


def measure_golden(n: int, kernel: str, recalls: int = 10, seed: int = 0) -> tuple[int, float]:
    """Async recalls of noisy cues (20 % flipped) of 0.02 N stored patterns on the golden
    model: ``(sweeps, seconds)``.  A sweep is N^2 synapse operations (N fields of N terms,
    what the core's lanes compute)."""
    from spinemu.sim_golden.hopfield_fixed import HopfieldFixed

    spec = HopfieldSpec(n_neurons=n, lanes=16)
    rng = np.random.default_rng(seed)
    xi = rng.choice([-1, 1], (max(1, n // 50), n))
    core = HopfieldFixed(spec, kernel=kernel)
    for x in xi:
        core.load_state(x)
        core.hebb(1)
    core.recall("async", 1)  # compile / load the kernel outside the timing
    sweeps, t0 = 0, time.perf_counter()
    for r in range(recalls):
        core.load_state(xi[r % len(xi)] * np.where(rng.random(n) < 0.2, -1, 1))
        sweeps += core.recall("async", 100).sweeps
    return sweeps, time.perf_counter() - t0


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--recalls", type=int, default=200)
    ap.add_argument(
        "--build",
        action="append",
        default=[],
        help="extra design N:LANES to build and measure (a Verilator build each)",
    )
    args = ap.parse_args(argv)
    designs = list(DEFAULT_DESIGNS) + [tuple(map(int, b.split(":"))) for b in args.build]
    from spinemu.sim_golden.jit import numba_available

    print("## Golden model: synapse operations per second (async recalls, one thread)\n")
    print("| N | kernel | sweeps | seconds | synapse ops/s |")
    print("|---|---|---|---|---|")
    for n in (256, 1024):
        for kernel in ("numba", "numpy") if numba_available() else ("numpy",):
            sweeps, dt = measure_golden(n, kernel)
            print(f"| {n} | {kernel} | {sweeps} | {dt:.3f} | {sweeps * n * n / dt:.3g} |")
    print()

    print("## Throughput on rtl (native Verilator, async recalls through the bus driver)\n")
    print(
        "| N | lanes | updates | wall s | updates/s (wall) | updates/busy cycle | "
        "updates/s @100 MHz | sweep cycles (measured) | sweep cycles (model) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for n, lanes in designs:
        spec = HopfieldSpec(n_neurons=n, lanes=lanes)
        r = measure_rtl(spec, args.recalls)
        per_cycle = r["updates"] / r["busy"]
        print(
            f"| {n} | {lanes} | {r['updates']} | {r['wall']:.3f} | {r['updates'] / r['wall']:.3g} | "
            f"{per_cycle:.3f} | {per_cycle * FPGA_CLOCK_HZ:.3g} | {r['sweep_cycles']} | "
            f"{spec.recall_cycles(1)} |"
        )

    print("\n## Recall latency per sweep, clock cycles (cycle model, checked on rtl by the tests)\n")
    lanes_grid = (1, 4, 16, 64)
    print("| N | " + " | ".join(f"lanes={p}" for p in lanes_grid) + " |")
    print("|---|" + "---|" * len(lanes_grid))
    for n in (16, 64, 256, 1024):
        cells = []
        for p in lanes_grid:
            cyc = HopfieldSpec(n_neurons=n, lanes=p).recall_cycles(1)
            cells.append(f"{cyc} ({100 * n * n / (p * cyc):.1f} % lane use)")
        print(f"| {n} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
