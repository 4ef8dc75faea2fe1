"""The reservoir datapath's pipeline (:class:`spinemu.hdl.reservoir._LinePipeline`) against
the plain :class:`~spinemu.hdl.pipeline.Pipeline`, clock for clock in Amaranth's simulator.

``_LinePipeline`` holds narrow delays and the valid bits in shift registers of up to 64
bits and adds same-width tree terms unsigned (both for the speed of the native Verilator
model); every tap, valid bit and sum must equal the per-stage registers' on every clock,
across RESTART-style clears, with lines long enough to span several registers.
"""

from __future__ import annotations

import numpy as np
from amaranth import Module, Signal, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out
from amaranth.sim import Simulator
from spinemu.hdl.pipeline import Pipeline
from spinemu.hdl.reservoir import _LinePipeline

__all__: list[str] = []

TAPS = {"a": (1, 2, 9, 63, 64, 65, 70), "b": (3, 21, 22, 30), "c": (2, 5)}  # stages asked for
VALID = (0, 1, 2, 40, 64, 65, 71)
TERMS = 5


class _Probe(wiring.Component):
    """One pipeline of ``kind`` fed from the ports; every tap, valid bit and sum out."""

    def __init__(self, kind):
        self.kind = kind
        members = {
            "v": In(1),
            "clear": In(1),
            "a": In(1),
            "b": In(signed(3)),
            "c": In(20),
            "terms": In(signed(12)).array(TERMS),
            "sum_same": Out(signed(12)),
            "sum_wide": Out(signed(15)),
        }
        for name, stages in TAPS.items():
            for k in stages:
                members[f"{name}_{k}"] = Out(3 if name == "b" else 20 if name == "c" else 1)
        for k in VALID:
            members[f"valid_{k}"] = Out(1)
        super().__init__(members)

    def elaborate(self, platform):
        m = Module()
        pipe = self.kind(clear=self.clear)
        m.submodules.pipe = pipe.m
        v0 = Signal()
        m.d.sync += v0.eq(self.v & ~self.clear)
        pipe.start(v0)
        src = {}
        for name in TAPS:
            port = getattr(self, name)
            src[name] = pipe.reg(f"{name}0", port, 0)
        for name, stages in TAPS.items():
            for k in stages:
                m.d.comb += getattr(self, f"{name}_{k}").eq(pipe.at(src[name], k))
        for k in VALID:
            m.d.comb += getattr(self, f"valid_{k}").eq(pipe.valid_at(k))
        terms = [pipe.reg(f"t{i}", t, 0) for i, t in enumerate(self.terms)]
        (same,), _ = pipe.tree("same", terms + [-7], 1, signed(12))  # wraps: only the low bits count
        (wide,), _ = pipe.tree("wide", terms, 1, signed(15))  # the first level sign-extends
        m.d.comb += [self.sum_same.eq(same), self.sum_wide.eq(wide)]
        if hasattr(pipe, "finish"):
            pipe.finish()
        return m


def _trace(kind, stim):
    dut = _Probe(kind)
    outs = [n for n in dut.signature.members if n not in ("v", "clear", "a", "b", "c", "terms")]
    rows = []

    async def bench(ctx):
        for t in range(len(stim["v"])):
            for name in ("v", "clear", "a", "b", "c"):
                ctx.set(getattr(dut, name), int(stim[name][t]))
            for i in range(TERMS):
                ctx.set(dut.terms[i], int(stim["terms"][t, i]))
            await ctx.tick()
            rows.append([ctx.get(getattr(dut, n)) for n in outs])

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()
    return outs, np.array(rows, dtype=np.int64)


def test_line_pipeline_equals_per_stage_registers():
    rng = np.random.default_rng(7)
    n = 260
    stim = {
        "v": rng.random(n) < 0.8,
        "clear": rng.random(n) < 0.02,
        "a": rng.integers(0, 2, n),
        "b": rng.integers(-4, 4, n),
        "c": rng.integers(0, 1 << 20, n),
        "terms": rng.integers(-2048, 2048, (n, TERMS)),
    }
    names, ref = _trace(Pipeline, stim)
    names2, got = _trace(_LinePipeline, stim)
    assert names == names2
    for j, name in enumerate(names):
        bad = np.flatnonzero(ref[:, j] != got[:, j])
        assert bad.size == 0, f"{name} differs first at clock {bad[0]}: {got[bad[0], j]} != {ref[bad[0], j]}"
    # the stimulus exercises what it should: clears in the middle of a run, both valid values
    # at the far taps, carries out of the same-width sums
    assert stim["clear"][80:].any() and 0 < ref[:, names.index("valid_71")].mean() < 1
    assert ref[:, names.index("a_70")].any()
