"""Registers that directly follow a block RAM or a multiplier belong in the block itself.

Block RAMs of both families have an output register: ECP5 ``DP16KD`` (``REGMODE_A/B =
"OUTREG"``) and Xilinx 7-series ``RAMB18E1``/``RAMB36E1`` (``DOA_REG``/``DOB_REG = 1``).
So has the ECP5 multiplier ``MULT18X18D`` (``REG_OUTPUT_CLK``).  Vendor synthesis moves a
register that follows such a block into it; yosys keeps it in the fabric (for the xc7
``DSP48E1`` yosys packs the registers itself).  On ECP5 that costs timing as well as
flip-flops: block RAM read data then leaves the block 5.8 ns after the clock instead of
0.97 ns (speed grade 6, prjtrellis timing; YosysHQ/yosys#5814), and a registered 18x18
product between fabric flip-flops takes 7.0-7.5 ns (135-142 MHz; 190 MHz with the
product register in the block, measured with nextpnr-ecp5).  Gateware that wants the
fold registers a block's output with nothing in between (``hdl/hopfield.py``'s synapse
banks, ``hdl/pipelined_mul.py``'s partial products).

:func:`absorb_output_registers` rewrites yosys' ECP5 netlist before nextpnr: a port
whose every used data bit drives exactly one ``TRELLIS_FF`` (same clock, no reset, a
common clock enable) gets its output register switched on, clocked and enabled as the
flip-flops were, its data pins take over the flip-flops' outputs, and the flip-flops
go; the function is the same clock for clock.  :func:`foldable_xc7_registers` counts
the ``FDRE`` flip-flops Vivado would fold into block RAMs the same way (the xc7 estimate
has no place and route, so counting is enough).
"""

from __future__ import annotations

from collections import defaultdict

__all__ = ["absorb_output_registers", "foldable_xc7_registers"]


def _param(cell: dict, name: str, default: str) -> str:
    """A cell parameter as text (yosys' JSON pads string values with a space)."""
    return str(cell["parameters"].get(name, default)).strip()


def _sinks(module: dict) -> dict:
    """Net bit -> [(cell, input port)] of a module (top-level outputs count as a load)."""
    sinks = defaultdict(list)
    for name, cell in module.get("cells", {}).items():
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
    return sinks


def _port_flops(cells: dict, sinks: dict, data_bits, accept):
    """The flip-flops right after one block RAM read port, or None if they cannot fold.

    ``data_bits`` are the port's data nets in pin order; ``accept(ff)`` returns the
    flip-flop's enable bit when it may fold (same clock, no reset, ...) and None
    otherwise.  Returns ``(enable, [(pin index, flip-flop name)])`` (None when no data
    bit is used, a used bit has another load, or the enables differ).
    """
    folded, enables = [], set()
    for k, bit in enumerate(data_bits):
        if not (isinstance(bit, int) and sinks.get(bit)):
            continue
        loads = sinks[bit]
        if len(loads) != 1 or loads[0][0] not in cells:
            return None
        name, pin = loads[0]
        enable = accept(cells[name], pin)
        if enable is None:
            return None
        enables.add(enable)
        folded.append((k, name))
    if not folded or len(enables) != 1:
        return None
    return enables.pop(), folded


# -- ECP5: rewrite ------------------------------------------------------------------------------
_DP16KD_BITS = 18  # DOA0..17 / DOB0..17


def _ecp5_accept(clock):
    def accept(ff: dict, pin: str):
        conns = ff["connections"]
        if (
            ff["type"] != "TRELLIS_FF"
            or pin != "DI"
            or conns.get("CLK") != clock
            or _param(ff, "CLKMUX", "CLK") != "CLK"
            or _param(ff, "REGSET", "RESET") != "RESET"
        ):
            return None
        if _param(ff, "LSRMUX", "LSR") != "0" and conns.get("LSR", ["0"]) not in (["0"], ["x"]):
            return None  # a reset: not folded
        mux = _param(ff, "CEMUX", "CE")
        if mux == "1":
            return "1"
        if mux != "CE":
            return None  # an inverted enable: not folded
        (bit,) = conns.get("CE", ["1"])
        return bit

    return accept


_MULT18_BITS = 36  # P0..P35
_MULT18_IN_BITS = 18  # A0..A17, B0..B17
_MULT18_REGS = ("INPUTA", "INPUTB", "PIPELINE", "OUTPUT")


def _absorb_mult18(cells: dict, sinks: dict, mult: dict) -> int:
    """Fold the flip-flops after one ``MULT18X18D`` into its output register (``CLK0``/``CE0``)."""
    conns = mult["connections"]
    if any(_param(mult, f"REG_{r}_CLK", "NONE") != "NONE" for r in _MULT18_REGS):
        return 0
    clocks = set()

    def accept(ff: dict, pin: str):
        clock = ff["connections"].get("CLK")
        enable = _ecp5_accept(clock)(ff, pin)
        if enable is None:
            return None
        clocks.add(tuple(clock))
        return (tuple(clock), enable)

    pins = [f"P{i}" for i in range(_MULT18_BITS)]
    found = _port_flops(cells, sinks, [conns.get(p, ["x"])[0] for p in pins], accept)
    if found is None or len(clocks) != 1:
        return 0
    (clock, enable), flops = found
    for k, name in flops:
        conns[pins[k]] = cells.pop(name)["connections"]["Q"]
    mult["parameters"].update(REG_OUTPUT_CLK="CLK0", REG_OUTPUT_CE="CE0", REG_OUTPUT_RST="RST0")
    conns.update(CLK0=list(clock), CE0=[enable], RST0=["0"])
    mult.setdefault("port_directions", {}).update(CLK0="input", CE0="input", RST0="input")
    return len(flops)


def absorb_output_registers(netlist: dict) -> int:
    """Fold the registers after ECP5 block RAMs and multipliers into them (in place);
    return how many."""
    total = 0
    for module in netlist.get("modules", {}).values():
        cells = module.get("cells", {})
        brams = [c for c in cells.values() if c["type"] == "DP16KD"]
        mults = [c for c in cells.values() if c["type"] == "MULT18X18D"]
        if not brams and not mults:
            continue
        sinks = _sinks(module)
        for mult in mults:
            total += _absorb_mult18(cells, sinks, mult)
        for bram in brams:
            total += _absorb_dp16kd(cells, sinks, bram)
        total += _absorb_mult18_inputs(module, mults)
    return total


def _drivers(module: dict) -> dict:
    """Net bit -> (cell, output port) of a module."""
    out = {}
    for name, cell in module.get("cells", {}).items():
        for port, direction in cell.get("port_directions", {}).items():
            if direction == "output":
                for bit in cell["connections"].get(port, []):
                    if isinstance(bit, int):
                        out[bit] = (name, port)
    return out


def _absorb_mult18_inputs(module: dict, mults: list) -> int:
    """Fold the flip-flops that drive ``MULT18X18D`` operands into its input registers.

    A port (``A0..17`` or ``B0..17``) whose every non-constant pin is the output of a
    ``TRELLIS_FF`` (one clock, no reset, one enable, the same as the multiplier's other
    folded registers) gets ``REG_INPUTA``/``REG_INPUTB``: its pins take the flip-flops'
    data inputs, so the block holds a copy of each (as Diamond duplicates a register into
    every multiplier it feeds).  Flip-flops left with no load go; returns how many."""
    cells = module["cells"]
    drivers = _drivers(module)
    touched = set()
    for mult in mults:
        conns = mult["connections"]
        for port in ("A", "B"):
            if _param(mult, f"REG_INPUT{port}_CLK", "NONE") != "NONE":
                continue
            flops, keys = {}, set()
            for i in range(_MULT18_IN_BITS):
                bit = conns.get(f"{port}{i}", ["x"])[0]
                if not isinstance(bit, int):
                    continue  # a constant
                name, out_port = drivers.get(bit, (None, None))
                ff = cells.get(name)
                if ff is None or ff["type"] != "TRELLIS_FF" or out_port != "Q":
                    break
                clock = ff["connections"].get("CLK")
                enable = _ecp5_accept(clock)(ff, "DI")
                if enable is None:
                    break
                flops[f"{port}{i}"] = name
                keys.add((tuple(clock), enable))
            else:
                if len(keys) != 1:
                    continue
                ((clock, enable),) = keys
                if conns.get("CLK0", list(clock)) != list(clock) or conns.get("CE0", [enable]) != [enable]:
                    continue
                for pin, name in flops.items():
                    conns[pin] = list(cells[name]["connections"]["DI"])
                    touched.add(name)
                regs = {"CLK": "CLK0", "CE": "CE0", "RST": "RST0"}
                mult["parameters"].update({f"REG_INPUT{port}_{k}": v for k, v in regs.items()})
                conns.update(CLK0=list(clock), CE0=[enable], RST0=["0"])
                mult.setdefault("port_directions", {}).update(CLK0="input", CE0="input", RST0="input")
    sinks = _sinks(module)
    idle = [n for n in touched if not any(sinks.get(b) for b in cells[n]["connections"]["Q"])]
    for name in idle:
        del cells[name]
    return len(idle)


def _absorb_dp16kd(cells: dict, sinks: dict, bram: dict) -> int:
    """Fold the flip-flops after one ``DP16KD``'s read ports into its output registers.

    In the 36-bit mode (``DATA_WIDTH_B = 36``, Diamond's ``PDPW16KD``) port B reads a word
    that leaves on ``DOA0..17`` and ``DOB0..17`` alike; the word's register is one setting
    there, so both halves fold together (``REGMODE_A`` and ``REGMODE_B``)."""
    params, conns = bram["parameters"], bram["connections"]
    wide = _width(bram, "B") == 36
    groups = [("B", ("A", "B"))] if wide else [("A", ("A",)), ("B", ("B",))]
    total = 0
    for port, halves in groups:
        clock = conns.get(f"CLK{port}")
        if (
            any(_param(bram, f"REGMODE_{h}", "NOREG") != "NOREG" for h in halves)
            or _param(bram, f"CLK{port}MUX", f"CLK{port}") != f"CLK{port}"
            or conns.get(f"OCE{port}") != ["1"]
        ):
            continue
        pins = [f"DO{h}{i}" for h in halves for i in range(_DP16KD_BITS)]
        found = _port_flops(cells, sinks, [conns.get(p, ["x"])[0] for p in pins], _ecp5_accept(clock))
        if found is None:
            continue
        enable, flops = found
        for k, name in flops:
            conns[pins[k]] = cells.pop(name)["connections"]["Q"]
        for h in halves:
            params[f"REGMODE_{h}"] = "OUTREG"
            conns[f"OCE{h}"] = [enable]
        total += len(flops)
    return total


def _width(bram: dict, port: str) -> int:
    """``DATA_WIDTH_<port>`` of a DP16KD (yosys writes it as a binary string)."""
    text = _param(bram, f"DATA_WIDTH_{port}", "18")
    return int(text, 2) if len(text) > 8 else int(text)


# -- xc7: count ---------------------------------------------------------------------------------
_XC7_PORTS = {"A": ("CLKARDCLK", ("DOADO", "DOPADOP")), "B": ("CLKBWRCLK", ("DOBDO", "DOPBDOP"))}


def _xc7_accept(clock):
    def accept(ff: dict, pin: str):
        conns = ff["connections"]
        if ff["type"] != "FDRE" or pin != "D" or conns.get("C") != clock or conns.get("R") != ["0"]:
            return None
        if str(ff["parameters"].get("INIT", "0")).strip("0 ") not in ("", "x"):
            return None
        (bit,) = conns.get("CE", ["1"])
        return bit

    return accept


def foldable_xc7_registers(netlist: dict) -> int:
    """``FDRE`` flip-flops right after a RAMB18E1/RAMB36E1 read port that Vivado folds into
    the block (``DO*_REG``): every used data bit drives only one, same clock, no reset,
    one common enable, and the block's output register is still free."""
    total = 0
    for module in netlist.get("modules", {}).values():
        cells = module.get("cells", {})
        brams = [c for c in cells.values() if c["type"] in ("RAMB18E1", "RAMB36E1")]
        if not brams:
            continue
        sinks = _sinks(module)
        for bram in brams:
            conns = bram["connections"]
            for port, (clk_pin, data_pins) in _XC7_PORTS.items():
                if _param(bram, f"DO{port}_REG", "0").strip("0") not in ("",):
                    continue
                bits = [b for p in data_pins for b in conns.get(p, [])]
                found = _port_flops(cells, sinks, bits, _xc7_accept(conns.get(clk_pin)))
                if found is not None:
                    total += len(found[1])
    return total
