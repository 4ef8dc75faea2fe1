"""Fold the register that follows an ECP5 block RAM into the block's output register.

An ECP5 ``DP16KD`` has an optional output register (``REGMODE_A/B = "OUTREG"``): the
read data then leaves the block 0.97 ns after the clock instead of 5.8 ns (speed grade
6, prjtrellis timing), for one more clock of read latency.  Lattice's own synthesis
moves a register that follows a block RAM into it; yosys' ``synth_ecp5`` always writes
``NOREG`` and keeps the register in the fabric (YosysHQ/yosys#5814), where nextpnr
places it wherever it likes.  The gateware therefore registers each block RAM's read
data with nothing in between (see ``hdl/hopfield.py``'s synapse banks), and
:func:`absorb_output_registers` rewrites yosys' netlist before nextpnr: a port whose
every used data bit drives exactly one ``TRELLIS_FF`` (same clock, no reset, a common
clock enable) gets ``REGMODE = OUTREG``, its output clock enable (``OCE``) takes the
flip-flops' enable, its data pins take over the flip-flops' outputs, and the flip-flops
go.  The function is the same clock for clock; only where the register sits changes.
"""

from __future__ import annotations

from collections import defaultdict

__all__ = ["absorb_output_registers"]

_PORT_BITS = 18  # DOA0..17 / DOB0..17


def _param(cell: dict, name: str, default: str) -> str:
    """A cell parameter as text (yosys' JSON pads string values with a space)."""
    return str(cell["parameters"].get(name, default)).strip()


def _active_reset(ff: dict) -> bool:
    if _param(ff, "LSRMUX", "LSR") == "0":
        return False
    return ff["connections"].get("LSR", ["0"]) not in (["0"], ["x"])


def _enable(ff: dict):
    """The flip-flop's clock enable as a netlist bit ("1" when always enabled), or None."""
    mux = _param(ff, "CEMUX", "CE")
    if mux == "1":
        return "1"
    if mux != "CE":
        return None  # inverted enable: not folded
    (bit,) = ff["connections"].get("CE", ["1"])
    return bit


def _fold_port(cells: dict, sinks: dict, bram: dict, port: str) -> list[str]:
    """Fold the flip-flops after port ``port`` of ``bram``; return their names (or [])."""
    params, conns = bram["parameters"], bram["connections"]
    if _param(bram, f"REGMODE_{port}", "NOREG") != "NOREG":
        return []
    clock = conns.get(f"CLK{port}")
    if _param(bram, f"CLK{port}MUX", f"CLK{port}") != f"CLK{port}" or conns.get(f"OCE{port}") != ["1"]:
        return []
    pins = []
    for i in range(_PORT_BITS):
        pin = f"DO{port}{i}"
        (bit,) = conns.get(pin, ["x"])
        if isinstance(bit, int) and sinks.get(bit):
            pins.append((pin, bit))
    if not pins:
        return []
    folded, enables = [], set()
    for pin, bit in pins:
        loads = sinks[bit]
        if len(loads) != 1 or loads[0][1] != "DI":
            return []
        name = loads[0][0]
        ff = cells[name]
        if (
            ff["type"] != "TRELLIS_FF"
            or ff["connections"].get("CLK") != clock
            or _param(ff, "CLKMUX", "CLK") != "CLK"
            or _param(ff, "REGSET", "RESET") != "RESET"
            or _active_reset(ff)
        ):
            return []
        enable = _enable(ff)
        if enable is None:
            return []
        enables.add(enable)
        folded.append((pin, name))
    if len(enables) != 1:
        return []
    for pin, name in folded:
        conns[pin] = cells[name]["connections"]["Q"]
        del cells[name]
    params[f"REGMODE_{port}"] = "OUTREG"
    conns[f"OCE{port}"] = [enables.pop()]
    return [name for _, name in folded]


def absorb_output_registers(netlist: dict) -> int:
    """Rewrite a yosys ECP5 JSON netlist in place; return the number of flip-flops folded."""
    total = 0
    for module in netlist.get("modules", {}).values():
        cells = module.get("cells", {})
        brams = [c for c in cells.values() if c["type"] == "DP16KD"]
        if not brams:
            continue
        sinks = defaultdict(list)  # net bit -> [(cell, input port)]
        for name, cell in cells.items():
            dirs = cell.get("port_directions", {})
            for port, bits in cell["connections"].items():
                if dirs.get(port) == "output":
                    continue
                for bit in bits:
                    if isinstance(bit, int):
                        sinks[bit].append((name, port))
        for port_bits in module.get("ports", {}).values():
            if port_bits.get("direction") != "input":
                for bit in port_bits["bits"]:
                    if isinstance(bit, int):
                        sinks[bit].append(("$port", "out"))
        for bram in brams:
            for port in ("A", "B"):
                total += len(_fold_port(cells, sinks, bram, port))
    return total
