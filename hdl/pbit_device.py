"""One device of a partitioned p-bit machine: its network, ghosts and boundary streams.

:class:`PBitDeviceTop` is :class:`~.pbit_net.PBitNetTop` for the device's Spec (its own
p-bits in the machine's colors and RNG streams, its ghosts as spin inputs) with a
:class:`~.pbit_exchange.BoundaryExchange`: the register map is the network's plus
``EXCH_PERIOD``/``EXCH_LATENCY``; ``tx`` sends the device's boundary sets and ``rx<k>``
takes those of ``plan.sources[k]`` (AXI-Stream-like ``payload``/``valid``/``ready``,
fixed-length frames of :attr:`~.DevicePlan.boundary_words` words; ``tx_last`` marks a
set's last word, so that a DMA channel takes one set per packet).
"""

from __future__ import annotations

from amaranth import Cat, Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ..sim_golden.pbit_net_device import DevicePlan
from .axil import AXI4LiteSignature
from .pbit_exchange import BoundaryExchange, link_ports
from .pbit_net import PBitNetTop

__all__ = ["PBitDeviceTop"]


class PBitDeviceTop(wiring.Component):
    """Device ``plan.device`` of a machine (module docstring).

    Attributes
    ----------
    s_axi : In(AXI4LiteSignature)
    sample, sample_valid : Out(n), Out(1)
        As :class:`~.pbit_net.PBitNetTop` (the device's own p-bits).
    tx, tx_last : Out(stream.Signature(32)), Out(1)
        The boundary sets, ``tx_last`` high with the last word of each.
    rx<k> : In(stream.Signature(32))
        One per source device, in ``plan.sources`` order.
    """

    def __init__(self, *, plan: DevicePlan):
        if not isinstance(plan, DevicePlan):
            raise TypeError(f"plan must be a DevicePlan, not {plan!r}")
        if not plan.spec.ghosts:
            raise ValueError(f"device {plan.device} exchanges nothing: build it as a PBitNetTop")
        self.plan = plan
        spec = plan.spec
        members = {
            "s_axi": In(AXI4LiteSignature(addr_width=spec.regmap.addr_width)),
            "sample": Out(spec.n),
            "sample_valid": Out(1),
            **link_ports(plan),
        }
        super().__init__(members)

    def elaborate(self, platform):
        m = Module()
        plan = self.plan
        m.submodules.net = net = PBitNetTop(spec=plan.spec)
        m.submodules.exchange = ex = BoundaryExchange(plan=plan)
        wiring.connect(m, wiring.flipped(self.s_axi), net.s_axi)
        wiring.connect(m, ex.tx, wiring.flipped(self.tx))
        for k in range(len(plan.sources)):
            wiring.connect(m, wiring.flipped(getattr(self, f"rx{k}")), getattr(ex, f"rx{k}"))
        m.d.comb += [
            self.sample.eq(net.sample),
            self.sample_valid.eq(net.sample_valid),
            self.tx_last.eq(ex.tx_last),
            ex.boundary.eq(Cat(*(net.sample[i] for i in plan.boundary))),
            ex.fired.eq(net.fired),
            ex.start.eq(net.run_start),
            ex.sweeps.eq(net.run_sweeps),
            ex.period.eq(net.exchange_period),
            ex.latency.eq(net.exchange_latency),
            net.exchange_hold.eq(ex.hold),
            net.ghosts.eq(ex.ghosts),
        ]
        return m
