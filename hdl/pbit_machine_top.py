"""A whole partitioned p-bit machine on one chip: its devices joined by FIFO links.

For testing a machine before its boards are wired (and for a board that has room for
all of it): every device of ``plans`` is a :class:`~.pbit_device.PBitDeviceTop`; each
device's ``tx`` stream is broadcast to a FIFO per device that reads it, whose output is
that device's ``rx<k>``.  One AXI4-Lite port reaches every device's registers through
:class:`~.axil_decoder.AXI4LiteDecoder`: device ``k``'s register map at
``k << device_addr_width``.  It samples as the machine of separate boards would (the
links' delay costs clocks, never samples).

A FIFO holds :data:`~spinemu.sim_golden.pbit_net_device.LINK_SETS` boundary sets, so
the exchange latency must stay within
:func:`~spinemu.sim_golden.pbit_net_device.max_link_latency` (the driver checks).
"""

from __future__ import annotations

from amaranth import Cat, Module, Signal
from amaranth.lib import wiring
from amaranth.lib.fifo import SyncFIFOBuffered
from amaranth.lib.wiring import In, Out

from ..sim_golden.pbit_net_device import LINK_SETS, DevicePlan
from .axil import AXI4LiteSignature
from .axil_decoder import AXI4LiteDecoder
from .pbit_device import PBitDeviceTop

__all__ = ["PBitMachineTop", "device_window_bits"]


def device_window_bits(plans) -> int:
    """Address bits of one device's window: the widest device register map."""
    return max(plan.spec.regmap.addr_width for plan in plans)


class PBitMachineTop(wiring.Component):
    """Every device of a machine and the links between them (module docstring).

    Attributes
    ----------
    s_axi : In(AXI4LiteSignature)
        Device ``k``'s registers at ``k << device_window_bits(plans)``.
    sample : Out(machine p-bits)
        The machine's spins, bit ``i`` = machine p-bit ``i``.
    sample_valid : Out(devices)
        Bit ``k``: device ``k`` completed a sweep (its ``sample_valid``).
    """

    def __init__(self, *, plans):
        plans = tuple(plans)
        if not plans or not all(isinstance(p, DevicePlan) for p in plans):
            raise TypeError(f"plans must be DevicePlans (device_plans), not {plans!r}")
        if any(not p.spec.ghosts for p in plans):
            raise ValueError("every device of a one-chip machine must exchange spins (a connected network)")
        self.plans = plans
        self.window_bits = device_window_bits(plans)
        self.decoder = AXI4LiteDecoder(port_addr_width=self.window_bits, count=len(plans))
        n = plans[0].spec.place.machine_pbits
        super().__init__({
            "s_axi": In(AXI4LiteSignature(addr_width=len(self.decoder.bus.awaddr))),
            "sample": Out(n),
            "sample_valid": Out(len(plans)),
        })

    def elaborate(self, platform):
        m = Module()
        m.submodules.decoder = decoder = self.decoder
        wiring.connect(m, wiring.flipped(self.s_axi), decoder.bus)
        devices = []
        for plan in self.plans:
            dev = PBitDeviceTop(plan=plan)
            m.submodules[f"device{plan.device}"] = dev
            devices.append(dev)
            port = decoder.ports[plan.device]
            sub = dev.s_axi
            aw = plan.spec.regmap.addr_width
            m.d.comb += [
                sub.awaddr.eq(port.awaddr[:aw]), sub.awprot.eq(port.awprot), sub.awvalid.eq(port.awvalid),
                port.awready.eq(sub.awready), sub.wdata.eq(port.wdata), sub.wstrb.eq(port.wstrb),
                sub.wvalid.eq(port.wvalid), port.wready.eq(sub.wready), port.bresp.eq(sub.bresp),
                port.bvalid.eq(sub.bvalid), sub.bready.eq(port.bready),
                sub.araddr.eq(port.araddr[:aw]), sub.arprot.eq(port.arprot), sub.arvalid.eq(port.arvalid),
                port.arready.eq(sub.arready), port.rdata.eq(sub.rdata), port.rresp.eq(sub.rresp),
                port.rvalid.eq(sub.rvalid), sub.rready.eq(port.rready),
            ]  # fmt: skip
            for local, machine_index in enumerate(plan.pbits.tolist()):
                m.d.comb += self.sample[machine_index].eq(dev.sample[local])
        m.d.comb += self.sample_valid.eq(Cat(*(d.sample_valid for d in devices)))
        # -- links: each tx broadcast to one FIFO per receiving port ------------------------
        for src, dev in zip(self.plans, devices, strict=True):
            readers = [
                (p.device, k) for p in self.plans for k, s in enumerate(p.sources) if s.device == src.device
            ]
            fifos = []
            for d, k in readers:
                fifo = SyncFIFOBuffered(width=32, depth=LINK_SETS * src.boundary_words)
                m.submodules[f"link{src.device}_to{d}_rx{k}"] = fifo
                rx = getattr(devices[d], f"rx{k}")
                m.d.comb += [rx.payload.eq(fifo.r_data), rx.valid.eq(fifo.r_rdy), fifo.r_en.eq(rx.ready)]
                fifos.append(fifo)
            room = Signal(name=f"link{src.device}_room")
            m.d.comb += [room.eq(Cat(*(f.w_rdy for f in fifos)).all()), dev.tx.ready.eq(room)]
            for fifo in fifos:
                m.d.comb += [fifo.w_data.eq(dev.tx.payload), fifo.w_en.eq(dev.tx.valid & room)]
        return m
