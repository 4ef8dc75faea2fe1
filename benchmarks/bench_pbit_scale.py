"""The parallel p-bit network at FPGA scale: resources per p-bit, board fit, Fmax, flips/ns, simulation.

Four tables, side by side with the anchors of REFERENCE.md §2:

1. **Resources** (yosys ``synth_xilinx``, out of context) of the default hardware (6-bit
   h and J, s4.1; 16-bit probabilities; 32-bit LFSR) for N = 64, 256, 1,024 and 4,096
   at degree 4 (periodic square lattice) and degree 6 (periodic triangular lattice),
   plus the issue's goal case, a 3D periodic +-J glass with L = 8 (512 p-bits, degree
   6).  Per p-bit = (total - fixed) / N with the fixed part (register bank, beta engine)
   of :data:`spinemu.gen.pbit_cost.FIXED_COST`; the structural model of
   :mod:`spinemu.gen.pbit_cost` beside it.  Anchor: the published p-computer RTL, about
   100-150 LUTs and 60-80 FFs per p-bit (8,400 p-bits on a VU9P).
2. **Fmax** (yosys ``synth_ecp5`` + ``nextpnr-ecp5``, LFE5U-85F) of N = 256 at degree 4,
   with one chain and with four interleaved replicas (:data:`REPLICAS`).
3. **Fit and throughput per board**: the largest degree-6 network the per-p-bit model
   puts on each board, and its flips/ns = N * replicas * f / (colors * color window)
   with the 2 colors of an even-sided cubic lattice, at the board's fabric clock and at
   the ECP5 Fmax of the same design.  yosys has no timing model of Xilinx parts: the
   ECP5 figure stands in until Vivado reports.
4. **rtl backend** (native Verilator model through the register bus): Verilog
   generation, Verilator build and peak memory, each in a fresh process, and p-bit
   updates per second while sweeping, for 32 x 32 and 64 x 64 lattices.

Every synthesis result is cached (``build/cache/synth``); a cold run of the whole script
takes about two hours on this 2-core machine (each ECP5 place and route of the
256-p-bit lattice 25-40 minutes).  ``--quick``: N = 64 and 256 only.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
import time

from spinemu.sim_golden.pbit_net_spec import REPLICA_STAGES

__all__ = ["main"]

SIZES = (64, 256, 1024, 4096)
#: Interleaved chains per p-bit compared: one (a one-clock p-bit loop) and
#: REPLICA_STAGES (the pipeline issuing one replica per clock, no idle slot).
REPLICAS = (1, REPLICA_STAGES)


def _flips_per_ns(spec, n: int, mhz: float, colors: int | None = None) -> float:
    """p-bit updates per ns of ``n`` p-bits like ``spec``'s at ``mhz``: ``n * replicas``
    updates every ``colors * color_window`` clocks (the Spec's colors unless given)."""
    from spinemu.gen.synth import flips_per_ns

    c = spec.num_colors if colors is None else colors
    return flips_per_ns(n * spec.replicas, mhz, c * spec.color_window)


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _triangular(side: int):
    import numpy as np

    idx = np.arange(side * side).reshape(side, side)
    diag = np.roll(np.roll(idx, -1, axis=0), -1, axis=1)
    pairs = [(idx, np.roll(idx, -1, axis=1)), (idx, np.roll(idx, -1, axis=0)), (idx, diag)]
    return [(int(a), int(b)) for u, v in pairs for a, b in zip(u.ravel(), v.ravel(), strict=True)]


def _cases(sizes):
    from spinemu.sim_golden.pbit_net_spec import PBitNetSpec
    from spinemu.sim_golden.problems import edwards_anderson_3d, lattice_2d

    out = []
    for n in sizes:
        side = int(round(n**0.5))
        sq = lattice_2d(side)
        out.append(
            (f"square lattice {side}x{side}", 4, PBitNetSpec(n=n, edges=tuple(map(tuple, sq.edges.tolist()))))
        )
    for n in sizes:
        side = int(round(n**0.5))
        out.append((f"triangular lattice {side}x{side}", 6, PBitNetSpec(n=n, edges=_triangular(side))))
    glass = edwards_anderson_3d(8, seed=1)
    edges = tuple(map(tuple, glass.edges.tolist()))
    out.append(("3D +-J glass L=8 (goal)", 6, PBitNetSpec(n=glass.n, edges=edges)))
    out.append(
        (
            f"3D +-J glass L=8, {REPLICA_STAGES} replicas",
            6,
            PBitNetSpec(n=glass.n, edges=edges, replicas=REPLICA_STAGES),
        )
    )
    return out


_RTL_PROBE = r"""
import json, resource, sys, time
import numpy as np
from spinemu.sim_golden.pbit_net_spec import PBitNetSpec
from spinemu.sim_golden.problems import lattice_2d
L = int(sys.argv[1])
p = lattice_2d(L)
spec = PBitNetSpec(n=p.n, edges=tuple(map(tuple, p.edges.tolist())), sample_buffer_depth=0)
t0 = time.perf_counter()
from spinemu.gen.verilog import design_for_spec
d = design_for_spec(spec)
t1 = time.perf_counter()
from spinemu.gen.native import build_native
m = build_native(d)
t2 = time.perf_counter()
from spinemu.sw.mmio import VerilatorMMIO
from spinemu.sw.pbit_sampler import PBitNetDriver
m.reset()
drv = PBitNetDriver(VerilatorMMIO(m), spec)
drv.load_problem(np.zeros(spec.n, int), np.full(spec.num_edges, 2))
t3 = time.perf_counter()
drv.set_beta(spec.beta_to_acc(0.44))
drv.sweep(10**9)
m.step(500)
cycles = 4000
t = time.perf_counter(); m.step(cycles); dt = time.perf_counter() - t
usage = (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
peak = max(u.ru_maxrss for u in usage)
print(json.dumps({"n": spec.n, "colors": spec.num_colors, "verilog_s": t1 - t0, "build_s": t2 - t1,
                  "load_s": t3 - t2, "cycles_per_s": cycles / dt,
                  "updates_per_s": cycles / dt * spec.n / spec.num_colors, "peak_gb": peak / 1e6}))
"""


def _rtl_row(side: int) -> dict:
    proc = subprocess.run([sys.executable, "-c", _RTL_PROBE, str(side)], capture_output=True, text=True)
    if proc.returncode:
        return {"n": side * side, "error": (proc.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv=None) -> dict:
    from spinemu.boards.catalog import get_board, list_boards
    from spinemu.gen.pbit_cost import FIXED_COST, max_pbits, pbit_cost
    from spinemu.gen.synth import SynthError, estimate

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="N = 64 and 256 only; no 64 x 64 rtl build")
    ap.add_argument("--json", help="also write the numbers to this JSON file")
    args = ap.parse_args(argv)
    sizes = SIZES[:2] if args.quick else SIZES
    t_start = time.perf_counter()
    out: dict = {"resources": [], "ecp5": [], "boards": [], "rtl": []}

    for label, degree, spec in _cases(sizes):
        _log(f"[bench_pbit_scale] xc7: {label} (N = {spec.n}) ...")
        t = time.perf_counter()
        r = estimate(spec, target="xc7", check_fit=False, log=_log)
        model = pbit_cost(spec)
        out["resources"].append(
            {
                "design": label,
                "n": spec.n,
                "degree": degree,
                "colors": spec.num_colors,
                "lut": r.lut,
                "ff": r.ff,
                "bram": r.bram,
                "dsp": r.dsp,
                "lut_per_pbit": (r.lut - FIXED_COST["lut"]) / spec.n,
                "ff_per_pbit": (r.ff - FIXED_COST["ff"]) / spec.n,
                "model_lut": model["lut"],
                "model_ff": model["ff"],
                "seconds": None if r.cached else time.perf_counter() - t,
            }
        )

    lattice = next(s for label, d, s in _cases(sizes[:2]) if d == 4 and s.n == 256)
    for reps in REPLICAS:
        spec = dataclasses.replace(lattice, replicas=reps)
        _log(f"[bench_pbit_scale] ecp5: square lattice 16x16, {reps} replica(s), on the LFE5U-85F ...")
        try:
            e = estimate(spec, target="ecp5", device="85k", log=_log)
            out["ecp5"].append(
                {
                    "n": 256,
                    "replicas": reps,
                    "clocks": spec.sweep_cycles,
                    "lut4": e.lut,
                    "ff": e.ff,
                    "fmax_mhz": e.fmax_mhz,
                    "flips_per_ns": _flips_per_ns(spec, spec.n, e.fmax_mhz),
                }
            )
        except SynthError as exc:
            out["ecp5"].append({"n": 256, "replicas": reps, "clocks": spec.sweep_cycles, "error": str(exc)})

    deg6 = next(s for label, d, s in _cases(sizes[:1]) if d == 6)
    for e in out["ecp5"]:
        spec = dataclasses.replace(deg6, replicas=e["replicas"])
        fmax = e.get("fmax_mhz")
        for name in list_boards():
            board = get_board(name)
            most = max_pbits(spec, board.resources.as_dict(), degree=6)
            clock = board.pl_mhz
            out["boards"].append(
                {
                    "board": board.title,
                    "part": board.part,
                    "replicas": e["replicas"],
                    "lut": board.resources.lut,
                    "max_pbits": most,
                    "clock_mhz": clock,
                    "flips_per_ns_clock": _flips_per_ns(spec, most, clock, colors=2),
                    "flips_per_ns_fmax": _flips_per_ns(spec, most, fmax, colors=2) if fmax else None,
                }
            )

    for side in (32,) if args.quick else (32, 64):
        _log(f"[bench_pbit_scale] rtl backend: {side}x{side} lattice (fresh process) ...")
        out["rtl"].append(_rtl_row(side))

    print("\n### Resources per p-bit (yosys synth_xilinx, default hardware: 6-bit h/J, 16-bit P, LFSR)\n")
    print(
        "| design | N | degree | colors | LUTs | FFs | BRAM36 | LUT / p-bit | FF / p-bit | model LUT / FF |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in out["resources"]:
        print(
            f"| {r['design']} | {r['n']:,} | {r['degree']} | {r['colors']} | {r['lut']:,} | {r['ff']:,} "
            f"| {r['bram']:g} | {r['lut_per_pbit']:.1f} | {r['ff_per_pbit']:.1f} "
            f"| {r['model_lut']:.0f} / {r['model_ff']:.0f} |"
        )
    print("| anchor: published p-computer RTL (VU9P, 8,400 p-bits) | | 6 | | | | | 100-150 | 60-80 | |")
    print(
        f"\nPer p-bit = (total - fixed {FIXED_COST['lut']} LUT / {FIXED_COST['ff']} FF) / N.  "
        "Goal: <= 60 LUT and <= 64 FF per p-bit at degree 6 (the 512-p-bit glass)."
    )
    print("\n### Fmax (yosys synth_ecp5 + nextpnr-ecp5, LFE5U-85F, out of context)\n")
    print("| design | N | replicas | clocks / sweep | LUT4 | FFs | Fmax (MHz) | flips/ns |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for e in out["ecp5"]:
        reps, clocks = e["replicas"], e["clocks"]
        if "error" in e:
            print(f"| square lattice 16x16 | 256 | {reps} | {clocks} | | | {e['error']} | |")
        else:
            print(
                f"| square lattice 16x16 | 256 | {reps} | {clocks} | {e['lut4']:,} | {e['ff']:,} "
                f"| {e['fmax_mhz']:.1f} | {e['flips_per_ns']:.1f} |"
            )
    print(
        f"\nGoal: >= 150 MHz at N = 256, degree 4.  With {REPLICA_STAGES} replicas a sweep of all "
        f"of them takes {REPLICA_STAGES} clocks per color: the same updates per clock as one chain, "
        "at the pipeline's clock."
    )
    print("\n### Largest degree-6 network per board (per-p-bit model) and its throughput (2 colors)\n")
    print(
        "| board | part | LUTs | replicas | p-bits | flips/ns at the board clock "
        "| flips/ns at the ECP5 Fmax |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    for b in out["boards"]:
        at_f = f"{b['flips_per_ns_fmax']:.0f}" if b["flips_per_ns_fmax"] else "-"
        print(
            f"| {b['board']} | {b['part']} | {b['lut']:,} | {b['replicas']} | {b['max_pbits']:,} "
            f"| {b['flips_per_ns_clock']:.0f} ({b['clock_mhz']:g} MHz) | {at_f} |"
        )
    print(
        "| anchor: 6 VCU118 (VU9P), 50,653 p-bits at 15 MHz per p-bit | | 1,182,240 each | | 8,442 each "
        "| ~127 per chip | |"
    )
    print("\nGoal: >= 50 flips/ns on a PYNQ-Z2-sized design.")
    print("\n### rtl backend (native Verilator model, fresh process each)\n")
    print("| lattice | N | Verilog (s) | Verilator build (s) | peak memory (GB) | p-bit updates/s |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in out["rtl"]:
        side = int(round(r["n"] ** 0.5))
        if "error" in r:
            print(f"| {side}x{side} | {r['n']:,} | {r['error']} | | | |")
        else:
            print(
                f"| {side}x{side} | {r['n']:,} | {r['verilog_s']:.0f} | {r['build_s']:.0f} "
                f"| {r['peak_gb']:.1f} | {r['updates_per_s'] / 1e6:.1f} M |"
            )
    print(
        "\nGoals: 32x32 generated and built in < 5 min and < 4 GB; 64x64 in < 15 min and < 8 GB "
        "with >= 20 M p-bit updates/s.  (A cached design skips generation and build: their "
        "times are then ~0.)"
    )
    print(f"\n({time.perf_counter() - t_start:.0f} s)")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=1, default=str)
    return out


if __name__ == "__main__":
    main()
