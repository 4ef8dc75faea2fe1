"""An AXI4-Lite decoder: one manager port to ``count`` subordinate windows.

Window ``k`` holds the addresses ``k << port_addr_width .. (k + 1) << port_addr_width
- 1``; a subordinate sees the low ``port_addr_width`` bits.  One write and one read are
in flight at a time (each is taken whole, forwarded, and answered before the next): a
register interface has no use for more.  An address beyond the last window is answered
``DECERR`` without reaching any subordinate.
"""

from __future__ import annotations

from amaranth import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from .axil import AXI4LiteSignature

__all__ = ["AXI4LiteDecoder", "DECERR"]

#: AXI response code of an address that decodes to no subordinate.
DECERR = 3


class AXI4LiteDecoder(wiring.Component):
    """Routes ``bus`` to ``ports[k]`` by the address bits above ``port_addr_width``.

    Parameters
    ----------
    port_addr_width : int
        Address bits of each window (3..30).
    count : int
        Windows (>= 1).

    Attributes
    ----------
    bus : In(AXI4LiteSignature(addr_width))
        ``addr_width = port_addr_width + max(1, ceil(log2(count)))``.
    ports : Out(AXI4LiteSignature(port_addr_width)).array(count)
    """

    def __init__(self, *, port_addr_width: int, count: int):
        pw = port_addr_width
        if isinstance(pw, bool) or not isinstance(pw, int) or not 3 <= pw <= 30:
            raise ValueError(f"port_addr_width must be an integer in 3..30, not {port_addr_width!r}")
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError(f"count must be an integer >= 1, not {count!r}")
        self.port_addr_width = port_addr_width
        self.count = count
        self.select_bits = max(1, (count - 1).bit_length())
        super().__init__({
            "bus": In(AXI4LiteSignature(addr_width=port_addr_width + self.select_bits)),
            "ports": Out(AXI4LiteSignature(addr_width=port_addr_width)).array(count),
        })

    def elaborate(self, platform):
        m = Module()
        bus, pw = self.bus, self.port_addr_width

        # -- writes: take address and data, forward both, wait for the answer ----------------
        aw_full, w_full, aw_sent, w_sent, b_valid = (Signal(name=n) for n in (
            "aw_full", "w_full", "aw_sent", "w_sent", "b_valid"))  # fmt: skip
        aw_addr = Signal(len(bus.awaddr))
        w_data, w_strb, b_resp = Signal(32), Signal(4), Signal(2)
        w_sel = aw_addr[pw:]
        w_hit = w_sel < self.count
        m.d.comb += [
            bus.awready.eq(~aw_full), bus.wready.eq(~w_full), bus.bvalid.eq(b_valid), bus.bresp.eq(b_resp),
        ]  # fmt: skip
        with m.If(bus.awvalid & ~aw_full):
            m.d.sync += [aw_full.eq(1), aw_addr.eq(bus.awaddr)]
        with m.If(bus.wvalid & ~w_full):
            m.d.sync += [w_full.eq(1), w_data.eq(bus.wdata), w_strb.eq(bus.wstrb)]
        forwarding = aw_full & w_full & ~b_valid & w_hit
        for k, port in enumerate(self.ports):
            mine = forwarding & (w_sel == k)
            m.d.comb += [
                port.awaddr.eq(aw_addr[:pw]),
                port.awvalid.eq(mine & ~aw_sent),
                port.wdata.eq(w_data),
                port.wstrb.eq(w_strb),
                port.wvalid.eq(mine & ~w_sent),
                port.bready.eq(mine & aw_sent & w_sent),
            ]
            with m.If(port.awvalid & port.awready):
                m.d.sync += aw_sent.eq(1)
            with m.If(port.wvalid & port.wready):
                m.d.sync += w_sent.eq(1)
            with m.If(port.bready & port.bvalid):
                m.d.sync += [b_valid.eq(1), b_resp.eq(port.bresp)]
        with m.If(aw_full & w_full & ~b_valid & ~w_hit):
            m.d.sync += [b_valid.eq(1), b_resp.eq(DECERR)]
        with m.If(b_valid & bus.bready):
            m.d.sync += [b_valid.eq(0), aw_full.eq(0), w_full.eq(0), aw_sent.eq(0), w_sent.eq(0)]

        # -- reads -----------------------------------------------------------------------------
        ar_full, ar_sent, r_valid = Signal(name="ar_full"), Signal(name="ar_sent"), Signal(name="r_valid")
        ar_addr = Signal(len(bus.araddr))
        r_data, r_resp = Signal(32), Signal(2)
        r_sel = ar_addr[pw:]
        r_hit = r_sel < self.count
        m.d.comb += [
            bus.arready.eq(~ar_full), bus.rvalid.eq(r_valid), bus.rdata.eq(r_data), bus.rresp.eq(r_resp),
        ]  # fmt: skip
        with m.If(bus.arvalid & ~ar_full):
            m.d.sync += [ar_full.eq(1), ar_addr.eq(bus.araddr)]
        for k, port in enumerate(self.ports):
            mine = ar_full & ~r_valid & r_hit & (r_sel == k)
            m.d.comb += [
                port.araddr.eq(ar_addr[:pw]),
                port.arvalid.eq(mine & ~ar_sent),
                port.rready.eq(mine & ar_sent),
            ]
            with m.If(port.arvalid & port.arready):
                m.d.sync += ar_sent.eq(1)
            with m.If(port.rready & port.rvalid):
                m.d.sync += [r_valid.eq(1), r_data.eq(port.rdata), r_resp.eq(port.rresp)]
        with m.If(ar_full & ~r_valid & ~r_hit):
            m.d.sync += [r_valid.eq(1), r_data.eq(0), r_resp.eq(DECERR)]
        with m.If(r_valid & bus.rready):
            m.d.sync += [r_valid.eq(0), ar_full.eq(0), ar_sent.eq(0)]
        return m
