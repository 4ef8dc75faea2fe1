"""Verilog of the devices of a partitioned p-bit machine.

:func:`device_design` gives device ``plan.device``'s top level:
:class:`~spinemu.hdl.pbit_device.PBitDeviceTop` (the network, its ghosts and boundary
streams), or a plain :class:`~spinemu.hdl.pbit_net.PBitNetTop` for a device that
shares no edge with another.  :func:`machine_design` puts every device on one chip,
joined by FIFO links (:class:`~spinemu.hdl.pbit_machine_top.PBitMachineTop`).
"""

from __future__ import annotations

from ..sim_golden.pbit_net_device import DevicePlan
from .verilog import VerilogDesign, design_for_spec, elaborate_verilog

__all__ = ["device_design", "machine_design", "DEVICE_TOP", "MACHINE_TOP"]

#: Verilog module name of a device that exchanges boundary spins.
DEVICE_TOP = "spinemu_pbit_device"
#: Verilog module name of a whole machine on one chip.
MACHINE_TOP = "spinemu_pbit_machine"


def device_design(plan: DevicePlan) -> VerilogDesign:
    """The Verilog top level of one device of a machine (cached like every design)."""
    if not isinstance(plan, DevicePlan):
        raise TypeError(f"plan must be a DevicePlan, not {plan!r}")
    if not plan.spec.ghosts:
        return design_for_spec(plan.spec)

    def make():
        from ..hdl.pbit_device import PBitDeviceTop

        return PBitDeviceTop(plan=plan)

    key = {"spec": plan.spec.to_dict(), "plan": plan.to_dict()}
    return elaborate_verilog(make, top=DEVICE_TOP, key_parts=key)


def machine_design(plans) -> VerilogDesign:
    """The Verilog of every device of a machine on one chip, joined by FIFO links
    (:class:`~spinemu.hdl.pbit_machine_top.PBitMachineTop`)."""
    plans = tuple(plans)

    def make():
        from ..hdl.pbit_machine_top import PBitMachineTop

        return PBitMachineTop(plans=plans)

    key = {"devices": [{"spec": p.spec.to_dict(), "plan": p.to_dict()} for p in plans]}
    return elaborate_verilog(make, top=MACHINE_TOP, key_parts=key)
