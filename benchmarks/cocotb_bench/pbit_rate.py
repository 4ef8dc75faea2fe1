"""cocotb testbench that measures how many clock cycles per second cocotb drives."""

import json
import os
import time

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ReadOnly, RisingEdge


@cocotb.test()
async def cycles_per_second(dut):
    cycles = int(os.environ["SPINEMU_BENCH_CYCLES"])
    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
    dut.rst.value = 1
    for name in ("awvalid", "wvalid", "bready", "arvalid", "rready"):
        getattr(dut, f"s_axi_{name}").value = 0
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    dut.rst.value = 0
    t0 = time.perf_counter()
    seen = 0
    for _ in range(cycles):
        await RisingEdge(dut.clk)
        await ReadOnly()
        seen ^= int(dut.sample.value)  # read the output every cycle, as a checker would
    dt = time.perf_counter() - t0
    with open(os.environ["SPINEMU_BENCH_OUT"], "w") as fh:
        json.dump({"cycles": cycles, "seconds": dt}, fh)
