"""Sigmoid look-up table shared by a group of p-bits.

The table contents come from the Spec (``spec.lut``, computed by the golden model);
the gateware never re-derives them.  Reads are asynchronous (combinational), so
yosys maps the ROM to LUTs or distributed RAM.
"""

from __future__ import annotations

import numpy as np
from amaranth import Module
from amaranth.lib import wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

__all__ = ["SigmoidLUT"]


class SigmoidLUT(wiring.Component):
    """A ROM of probabilities with ``n_ports`` asynchronous read ports.

    Parameters
    ----------
    table : array of int
        Entries, indexed by the raw (two's-complement) bits of the input; its length
        must be a power of two.
    prob_bits : int
        Width of each entry.
    n_ports : int
        Number of independent read ports.

    Attributes
    ----------
    addr : In(log2(len(table))).array(n_ports)
    prob : Out(prob_bits).array(n_ports)
    """

    def __init__(self, *, table, prob_bits: int, n_ports: int):
        table = np.asarray(table)
        depth = len(table)
        if depth < 2 or depth & (depth - 1):
            raise ValueError(f"table length must be a power of two >= 2, not {depth}")
        if not isinstance(n_ports, int) or n_ports < 1:
            raise ValueError(f"n_ports must be a positive integer, not {n_ports!r}")
        if int(table.max()) >= 1 << prob_bits or int(table.min()) < 0:
            raise ValueError(f"table entries must fit {prob_bits} unsigned bits")
        self.table = [int(x) for x in table]
        self.prob_bits = prob_bits
        self.addr_bits = depth.bit_length() - 1
        super().__init__({
            "addr": In(self.addr_bits).array(n_ports),
            "prob": Out(prob_bits).array(n_ports),
        })

    def elaborate(self, platform):
        m = Module()
        m.submodules.rom = rom = Memory(shape=self.prob_bits, depth=len(self.table), init=self.table)
        for addr, prob in zip(self.addr, self.prob, strict=True):
            port = rom.read_port(domain="comb")
            m.d.comb += [port.addr.eq(addr), prob.eq(port.data)]
        return m
