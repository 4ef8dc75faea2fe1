"""The generated C++ shim of the native Verilator model (gen/native.py), without building it.

A tick evaluates the model once: the falling edge only resets Verilator's edge detector,
which is right for designs clocked on the rising edge alone; a design with any
``negedge`` must keep the full evaluation at ``clk = 0``.  (The bit-exact golden-vs-RTL
tests run the built shims.)
"""

from __future__ import annotations

import re

from spinemu.gen.native import _shim_source
from spinemu.gen.verilog import Port, VerilogDesign

__all__: list[str] = []

PORTS = (Port("clk", 1, "in"), Port("rst", 1, "in"), Port("d", 8, "in"), Port("q", 8, "out"))


def _tick_body(source: str) -> str:
    return re.search(r"static inline void tick\(Sim\* s\) \{(.*?)\n\}", source, re.S).group(1)


def _shim(tmp_path, verilog: str) -> str:
    path = tmp_path / "top.v"
    path.write_text(verilog)
    return _shim_source(VerilogDesign(top="top", path=path, ports=PORTS, digest="x"))


def test_rising_edge_design_skips_the_falling_evaluation(tmp_path):
    body = _tick_body(_shim(tmp_path, "module top(input clk, input rst, input [7:0] d, output reg [7:0] q);\n"
                                      "  always @(posedge clk) q <= rst ? 8'h0 : d;\nendmodule\n"))
    assert "clk = 1; eval_edge(s->top);" in body
    assert "fall_fast(s->top, s->top->rootp, 0);" in body
    assert "->eval()" not in body.split("s->cycles++")[0]  # one evaluation per edge


def test_negedge_design_evaluates_the_falling_edge(tmp_path):
    body = _tick_body(_shim(tmp_path, "module top(input clk, input rst, input [7:0] d, output reg [7:0] q);\n"
                                      "  always @(negedge clk) q <= d;\nendmodule\n"))
    assert "fall_eval(s->top);" in body and "fall_fast" not in body


def test_every_input_change_is_evaluated_before_the_next_edge(tmp_path):
    """The edge skips Verilator's input-dependent logic, so a direct write of an input port
    in the shim must be followed by a full evaluation before any tick (here: the reset,
    and the AXI helpers' timeouts, which the designs with a bus get)."""
    path = tmp_path / "top.v"
    path.write_text("module top(input clk); endmodule\n")
    axi = PORTS + (Port("s_axi_awaddr", 4, "in"), Port("s_axi_rdata", 32, "out"))
    src = _shim_source(VerilogDesign(top="top", path=path, ports=axi, digest="x"))
    reset = re.search(r'extern "C" void sim_reset\(.*?\n\}', src, re.S).group(0)
    assert reset.index("rst = 1; s->top->eval();") < reset.index("tick(s)")
    timeouts = re.findall(r"\n(    t->s_axi_\w+ = 0;[^\n]*)\n    return -1;", src)
    assert len(timeouts) == 2 and all(line.endswith("t->eval();") for line in timeouts)


def test_build_flags_follow_the_size_of_the_logic(tmp_path):
    """Small logic is optimised (-O2), mid-sized keeps Verilator's -Os, huge logic (the
    1,024-p-bit parallel network) is built unoptimised: its compile, not its run,
    dominates a check of a few thousand sweeps."""
    from spinemu.gen.native import (
        CXX_FLAGS,
        HUGE_DESIGN_BYTES,
        HUGE_DESIGN_CXX_FLAGS,
        SMALL_DESIGN_BYTES,
        SMALL_DESIGN_CXX_FLAGS,
        cxx_flags,
    )

    line = b"  assign y = a + b;\n"
    flags = []
    mid = (SMALL_DESIGN_BYTES + HUGE_DESIGN_BYTES) // 2
    for size in (SMALL_DESIGN_BYTES // 2, mid, HUGE_DESIGN_BYTES * 2):
        path = tmp_path / f"top{size}.v"
        path.write_bytes(line * (size // len(line)))
        flags.append(cxx_flags(VerilogDesign(top="top", path=path, ports=(), digest=str(size))))
    assert flags == [SMALL_DESIGN_CXX_FLAGS, CXX_FLAGS, HUGE_DESIGN_CXX_FLAGS]
