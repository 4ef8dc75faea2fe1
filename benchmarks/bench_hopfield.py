"""Hopfield core benchmark: neuron updates per second on the RTL, recall latency in cycles.

Prints these Markdown tables:

1. **Throughput on rtl**: for each built design, random recalls through the register
   driver on the native Verilator model; neuron updates per second of wall-clock time
   (simulation plus bus traffic), per simulated clock cycle, and at a nominal 100 MHz
   FPGA clock.
2. **Recall latency** (busy cycles of one sweep) versus N and lanes: the measured
   ``CYCLES`` register of the built designs next to the Spec's cycle model
   ``HopfieldSpec.recall_cycles`` (``N max(C, log2(lanes) + 4) + log2(lanes) + 10``,
   ``C = ceil(N / lanes)``: reads back to back), the model for larger grids and its
   lane use ``N^2 / (lanes x cycles)``.
3. **Device classes vs per-synapse devices**: exact retrieval at N = 100, P = 10, 10 %
   noise (float model, 600 probes per row) with every synapse its own device (the model
   before the class library) and with libraries of 1, 8, 64 (the default) and 4,096
   classes; the standard error of a row is about 0.02.
4. **Resources** (unless ``--no-synth``; needs ``spinemu[synth]``): yosys ``synth_xilinx`` of
   N = 64, 256 and 1,024 (16 lanes; and 64 lanes at 1,024) with LUT/FF/BRAM36/DSP per
   neuron and per lane and the synthesis time; nextpnr's ECP5 Fmax at N = 256; and the
   largest N (16 lanes) that fits each board, with the synapse memory in block RAM or
   UltraRAM (``hopfield.synapse_ram``), from :mod:`spinemu.gen.hopfield_cost`.

Run: ``.venv/bin/python benchmarks/bench_hopfield.py [--recalls 200] [--build N:LANES ...] [--no-synth]``
"""

from __future__ import annotations

import argparse
import dataclasses
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
    ap.add_argument("--no-synth", action="store_true", help="skip the synthesis tables (minutes when cold)")
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


    device_class_table()
    if not args.no_synth:
        from spinemu.gen.synth import SynthError

        try:
            synth_tables()
        except SynthError as exc:
            print(f"\n(no resource tables: {exc})")


def _retrieval(classes: int, spread: float, nu: float, *, per_pair: bool, sets=30, probes=20) -> float:
    """Exact-retrieval rate, N = 100, P = 10 Hebbian, 10 % noise, float devices."""
    from spinemu.sim_golden.memristor import DifferentialSynapseArray
    from spinemu.sw.hopfield import HopfieldNetwork

    ok = 0
    for s in range(sets):
        net = HopfieldNetwork(
            100, backend="float", seed=s, spread=spread, nonlinearity=nu, device_seed=1000 + s,
            device_classes=classes,
        )
        if per_pair:  # every synapse its own pair of devices, drawn one by one
            sp = net.spec
            net.devices = DifferentialSynapseArray(
                (sp.n_pairs,), n_levels=sp.n_levels, g_min=sp.g_min, g_max=sp.g_max,
                nonlinearity=nu, spread=spread, seed=sp.device_seed,
            )
        rng = np.random.default_rng(s)
        xi = rng.choice([-1, 1], size=(10, 100))
        net.store(xi)
        for k in range(probes):
            x = xi[k % 10].copy()
            x[rng.choice(100, 10, replace=False)] *= -1
            ok += np.array_equal(net.recall(x).state, xi[k % 10])
    return ok / (sets * probes)


def device_class_table() -> None:
    """Print the retrieval rates of per-synapse devices and of class libraries."""
    print("\n## Device classes: exact retrieval, N = 100, P = 10, 10 % noise (float model, 600 probes)\n")
    print("| devices | per-synapse | 1 class | 8 classes | 64 classes | 4,096 classes |")
    print("|---|---|---|---|---|---|")
    for spread, nu in ((0.5, 3.0), (0.2, 2.0)):
        cells = [f"{_retrieval(4096, spread, nu, per_pair=True):.3f}"]
        cells += [f"{_retrieval(m, spread, nu, per_pair=False):.3f}" for m in (1, 8, 64, 4096)]
        print(f"| spread {spread}, nonlinearity {nu} | " + " | ".join(cells) + " |")


#: (N, lanes) synthesised for the resource table (the 16-lane ones also give the fit)
SYNTH_DESIGNS = ((64, 4), (64, 16), (256, 16), (1024, 16), (1024, 64))


def _synth_spec(n: int, lanes: int) -> HopfieldSpec:
    return HopfieldSpec(n_neurons=n, lanes=lanes, nonlinearity=3.0, spread=0.5, device_seed=3)


def synth_tables() -> dict:
    """Print the resource, Fmax and board-fit tables; return the numbers."""
    from spinemu.boards.catalog import get_board, list_boards
    from spinemu.gen.synth import estimate

    quiet = lambda msg: None  # noqa: E731
    print("\n## Resources (yosys synth_xilinx, xc7; whole core incl. AXI4-Lite bank)\n")
    print("FF leaves out the registers right after block RAM that Vivado folds into it (column 'in BRAM').\n")
    print("| N | lanes | LUT | FF | in BRAM | BRAM36 | DSP | LUT/neuron | FF/neuron | LUT/lane | yosys s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    res = {}
    for n, lanes in SYNTH_DESIGNS:
        r = estimate(_synth_spec(n, lanes), target="xc7", check_fit=False, log=quiet)
        secs = r.seconds  # of the yosys run (also when the result comes from the cache)
        res[n, lanes] = r
        print(
            f"| {n} | {lanes} | {r.lut:,} | {r.ff:,} | {r.outreg_ffs:,} | {r.bram:g} | {r.dsp} | "
            f"{r.lut / n:.1f} | "
            f"{r.ff / n:.1f} | {r.lut / lanes:.0f} | {secs:.0f}{' (cached)' if r.cached else ''} |"
        )
    ecp5 = estimate(_synth_spec(256, 16), target="ecp5", log=quiet)
    print(f"\nECP5 (LFE5U-85F, nextpnr) at N = 256, 16 lanes: Fmax {ecp5.fmax_mhz:.1f} MHz "
          f"(goal 150), {ecp5.lut:,} LUT4, {ecp5.ff:,} FF, {ecp5.bram:g} DP16KD "
          f"({ecp5.outreg_ffs:,} flip-flops folded into their output registers)")

    # largest N at 16 lanes: memories from the model spinemu build uses, logic a + b N
    # from the yosys runs at N = 256 and 1,024 (it is never the limit)
    from spinemu.gen.hopfield_cost import max_neurons

    lo, hi = res[256, 16], res[1024, 16]
    b = (hi.lut - lo.lut) / (1024 - 256)
    print("\n## Largest network per board (16 lanes; memory model of spinemu build)\n")
    print("| board | BRAM36 | URAM | largest N (block RAM) | largest N (UltraRAM) | LUT at that N (fit) |")
    print("|---|---|---|---|---|---|")
    out = {}
    for name in list_boards():
        board = get_board(name)
        have = board.resources.as_dict()
        block = max_neurons(_synth_spec(64, 16), have)
        ultra = max_neurons(dataclasses.replace(_synth_spec(64, 16), synapse_ram="ultra"), have)
        best = max(block, ultra if have["uram"] else 0)
        lut = lo.lut + b * (best - 256)
        out[name] = {"block": block, "ultra": ultra if have["uram"] else None}
        print(
            f"| {board.title} | {have['bram36']} | {have['uram']} | {block:,} | "
            f"{f'{ultra:,}' if have['uram'] else '-'} | {lut:,.0f} of {have['lut']:,} |"
        )
    return {"xc7": {f"{n}x{k}": r.to_dict() for (n, k), r in res.items()}, "ecp5": ecp5.to_dict(), "fit": out}


if __name__ == "__main__":
    main()
