"""Cycles per second of the same p-bit array through three simulators, in one run.

- cocotb 2 + Verilator (Python coroutine per clock, the sample read every cycle),
- the native Verilator model (C++ loop, the sample stream recorded every cycle),
- Amaranth's Python simulator (the same component, the sample read every cycle),
- and the golden numpy model for reference (samples per second).

Printed, not asserted: run ``python benchmarks/bench_pbit_array.py``.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from spinemu.gen.toolchain import ensure_path
from spinemu.gen.verilog import design_for_spec
from spinemu.sim_golden.pbit_array import PBitArrayGolden
from spinemu.sim_golden.pbit_spec import PBitArraySpec

__all__ = ["run"]


def _native(spec, cycles):
    from spinemu.gen.native import build_native

    model = build_native(design_for_spec(spec))
    model.axil_write(spec.regmap["CTRL"].offset, 1)
    t0 = time.perf_counter()
    model.collect("sample", "sample_valid", cycles)
    return cycles / (time.perf_counter() - t0)


def _cocotb(spec, cycles):
    from spinemu.gen.cocotb_run import run_cocotb

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "rate.json"
        res = run_cocotb(design_for_spec(spec),
                         test_module=Path(__file__).parent / "cocotb_bench" / "pbit_rate.py",
                         env={"SPINEMU_BENCH_CYCLES": cycles, "SPINEMU_BENCH_OUT": out})
        if not res.passed:
            raise RuntimeError(res.summary())
        data = json.loads(out.read_text())
    return data["cycles"] / data["seconds"]


def _amaranth(spec, cycles):
    from amaranth.sim import Simulator
    from spinemu.hdl.pbit_array import PBitArray

    dut = PBitArray(spec=spec)
    elapsed = {}

    async def bench(ctx):
        ctx.set(dut.en, 1)
        t0 = time.perf_counter()
        acc = 0
        for _ in range(cycles):
            await ctx.tick()
            acc ^= ctx.get(dut.sample)
        elapsed["s"] = time.perf_counter() - t0

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    return cycles / elapsed["s"]


def _golden(spec, cycles):
    g = PBitArrayGolden(spec)
    i_q = np.zeros(spec.n, dtype=np.int64)
    t0 = time.perf_counter()
    g.run(i_q, cycles)
    return cycles / (time.perf_counter() - t0)


def run(n: int = 8, *, quick: bool = False) -> list[dict]:
    """Measure every simulator on an ``n``-p-bit xoshiro128++ array; return table rows."""
    ensure_path()
    spec = PBitArraySpec(n=n)
    scale = 10 if quick else 1
    rows = []
    for name, fn, cycles in (
        ("native Verilator (ctypes)", _native, 5_000_000 // scale),
        ("cocotb 2 + Verilator", _cocotb, 50_000 // scale),
        ("Amaranth Python simulator", _amaranth, 10_000 // scale),
        ("golden numpy model", _golden, 2_000_000 // scale),
    ):
        rate = fn(spec, cycles)
        rows.append({"simulator": name, "cycles": cycles, "cycles_per_s": rate,
                     "pbit_updates_per_s": rate * n})
        print(f"  {name:28s} {rate:14,.0f} cycles/s", flush=True)
    base = next(r for r in rows if r["simulator"].startswith("cocotb"))["cycles_per_s"]
    for r in rows:
        r["vs_cocotb"] = r["cycles_per_s"] / base
    return rows


def markdown(rows: list[dict], n: int) -> str:
    lines = [f"### p-bit array, n = {n}, xoshiro128++: cycles per second (one run, one process)", "",
             "| simulator | cycles run | cycles/s | p-bit updates/s | × cocotb |", "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['simulator']} | {r['cycles']:,} | {r['cycles_per_s']:,.0f} | "
                     f"{r['pbit_updates_per_s']:,.0f} | {r['vs_cocotb']:.1f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    n = int(os.environ.get("SPINEMU_BENCH_N", "8"))
    rows = run(n)
    print()
    print(markdown(rows, n))
