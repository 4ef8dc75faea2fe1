"""Output registers of block RAMs and multipliers: the ECP5 netlist rewrite and the xc7 count
(gen/outreg_fold.py)."""

from __future__ import annotations

import copy
from pathlib import Path
from types import SimpleNamespace

import pytest
from spinemu.gen.outreg_fold import absorb_output_registers, foldable_xc7_registers

CLK, OTHER_CLK, CE = 2, 3, 4


def _netlist(ff_params=None, ff_conns=None, loads_per_bit=1, bits=2):
    """One DP16KD whose port B data bits each drive ``loads_per_bit`` TRELLIS_FFs."""
    bram = {
        "type": "DP16KD",
        "parameters": {"REGMODE_A": "NOREG", "REGMODE_B": "NOREG", "CLKBMUX": "CLKB"},
        "port_directions": {"CLKB": "input", "OCEB": "input", **{f"DOB{i}": "output" for i in range(bits)}},
        "connections": {"CLKB": [CLK], "OCEB": ["1"], **{f"DOB{i}": [10 + i] for i in range(bits)}},
    }
    cells = {"ram": bram}
    params = {"CEMUX": "1 ", "CLKMUX": "CLK", "LSRMUX": "LSR", "REGSET": "RESET", **(ff_params or {})}
    dirs = {"CLK": "input", "DI": "input", "LSR": "input", "CE": "input", "Q": "output"}
    for i in range(bits):
        for k in range(loads_per_bit):
            conns = {"CLK": [CLK], "DI": [10 + i], "LSR": ["0"], "Q": [20 + 2 * i + k], **(ff_conns or {})}
            cells[f"ff{i}_{k}"] = {
                "type": "TRELLIS_FF",
                "parameters": dict(params),
                "port_directions": dirs,
                "connections": conns,
            }
    return {"modules": {"top": {"ports": {}, "cells": cells}}}


def test_register_after_block_ram_is_folded():
    net = _netlist()
    assert absorb_output_registers(net) == 2
    cells = net["modules"]["top"]["cells"]
    assert set(cells) == {"ram"}
    ram = cells["ram"]
    assert ram["parameters"]["REGMODE_B"] == "OUTREG" and ram["parameters"]["REGMODE_A"] == "NOREG"
    assert ram["connections"]["DOB0"] == [20] and ram["connections"]["DOB1"] == [22]  # the FFs' outputs
    assert ram["connections"]["OCEB"] == ["1"]


def test_common_clock_enable_becomes_the_output_enable():
    net = _netlist(ff_params={"CEMUX": "CE"}, ff_conns={"CE": [CE]})
    assert absorb_output_registers(net) == 2
    assert net["modules"]["top"]["cells"]["ram"]["connections"]["OCEB"] == [CE]


@pytest.mark.parametrize(
    "kwargs, why",
    [
        ({"ff_conns": {"LSR": [7]}}, "a synchronous reset"),
        ({"ff_conns": {"CLK": [OTHER_CLK]}}, "another clock"),
        ({"ff_params": {"CLKMUX": "INV"}}, "the inverted clock"),
        ({"ff_params": {"REGSET": "SET"}}, "a set (not reset) initial value"),
        ({"ff_params": {"CEMUX": "INV"}, "ff_conns": {"CE": [CE]}}, "an inverted enable"),
        ({"loads_per_bit": 2}, "a data bit with two loads"),
    ],
)
def test_what_is_not_folded(kwargs, why):
    net = _netlist(**kwargs)
    before = copy.deepcopy(net)
    assert absorb_output_registers(net) == 0, why
    assert net == before


def test_mixed_enables_and_logic_loads_are_not_folded():
    net = _netlist(ff_params={"CEMUX": "CE"}, ff_conns={"CE": [CE]})
    net["modules"]["top"]["cells"]["ff1_0"]["connections"]["CE"] = [CE + 1]
    assert absorb_output_registers(net) == 0
    net = _netlist()
    lut = net["modules"]["top"]["cells"].pop("ff1_0")
    lut.update(type="LUT4", connections={"A": [11], "Z": [30]}, port_directions={"A": "input", "Z": "output"})
    net["modules"]["top"]["cells"]["lut"] = lut
    assert absorb_output_registers(net) == 0


def _mult_netlist(bits=3, ff_conns=None, clocks=(CLK,)):
    """One MULT18X18D whose product bits P0.. each drive one TRELLIS_FF (clock by bit from
    ``clocks``, cycled)."""
    mult = {
        "type": "MULT18X18D",
        "parameters": {},
        "port_directions": {f"P{i}": "output" for i in range(36)},
        "connections": {f"P{i}": [10 + i] for i in range(bits)},
    }
    cells = {"mult": mult}
    dirs = {"CLK": "input", "DI": "input", "LSR": "input", "CE": "input", "Q": "output"}
    for i in range(bits):
        conns = {"CLK": [clocks[i % len(clocks)]], "DI": [10 + i], "LSR": ["0"], "Q": [60 + i]}
        conns.update(ff_conns or {})
        params = {"CEMUX": "CE" if "CE" in conns else "1 ", "CLKMUX": "CLK", "LSRMUX": "LSR"}
        params["REGSET"] = "RESET"
        cells[f"ff{i}"] = {
            "type": "TRELLIS_FF",
            "parameters": params,
            "port_directions": dirs,
            "connections": conns,
        }
    return {"modules": {"top": {"ports": {}, "cells": cells}}}


def test_register_after_multiplier_becomes_its_output_register():
    net = _mult_netlist(ff_conns={"CE": [CE]})
    assert absorb_output_registers(net) == 3
    cells = net["modules"]["top"]["cells"]
    assert set(cells) == {"mult"}
    mult = cells["mult"]
    assert mult["parameters"]["REG_OUTPUT_CLK"] == "CLK0" and mult["parameters"]["REG_OUTPUT_CE"] == "CE0"
    assert mult["connections"]["CLK0"] == [CLK] and mult["connections"]["CE0"] == [CE]
    assert [mult["connections"][f"P{i}"] for i in range(3)] == [[60], [61], [62]]
    assert mult["port_directions"]["CLK0"] == "input"


@pytest.mark.parametrize(
    "kwargs, why",
    [
        ({"ff_conns": {"LSR": [7]}}, "a synchronous reset"),
        ({"clocks": (CLK, OTHER_CLK)}, "two clocks"),
    ],
)
def test_what_is_not_folded_into_a_multiplier(kwargs, why):
    net = _mult_netlist(**kwargs)
    before = copy.deepcopy(net)
    assert absorb_output_registers(net) == 0, why
    assert net == before


MULT_THEN_REGISTER = """\
module mult_then_register(input clk, input [17:0] a, input [17:0] b, output reg [35:0] y);
  reg signed [17:0] ar, br;
  reg signed [35:0] p;
  always @(posedge clk) begin
    ar <= a; br <= b;
    p <= ar * br;
    y <= p;
  end
endmodule
"""


def test_ecp5_estimate_times_a_registered_product_inside_the_multiplier(tmp_path, monkeypatch):
    """Through yosys and nextpnr: the 36 flip-flops of p go into the MULT18X18D's output
    register and the 36 of ar and br into its input registers, so the multiplier's 3.5 ns
    lie between two of its own registers (142 MHz with all three in the fabric, 190 MHz
    with the output register folded, over 500 MHz with all, measured on this design)."""
    from spinemu.gen.synth import estimate

    monkeypatch.setenv("SPINEMU_CACHE_DIR", str(tmp_path / "cache"))
    vpath = tmp_path / "mult_then_register.v"
    vpath.write_text(MULT_THEN_REGISTER)
    res = estimate(SimpleNamespace(path=vpath, top="mult_then_register"), target="ecp5", device="25k")
    assert res.outreg_ffs == 72 and res.dsp == 1
    assert res.ff == 36  # only y stays in the fabric
    assert res.fmax_mhz > 400


def _operand_netlist(n_mults=2, extra_load=False, lsr="0"):
    """One TRELLIS_FF per operand bit A0..A1 shared by ``n_mults`` MULT18X18Ds."""
    cells = {}
    for k in range(n_mults):
        cells[f"mult{k}"] = {
            "type": "MULT18X18D",
            "parameters": {},
            "port_directions": {"A0": "input", "A1": "input", "B0": "input"},
            "connections": {"A0": [30], "A1": [31], "A2": ["0"], "B0": [40]},  # B0 from a port
        }
    dirs = {"CLK": "input", "DI": "input", "LSR": "input", "Q": "output"}
    params = {"CEMUX": "1 ", "CLKMUX": "CLK", "LSRMUX": "LSR", "REGSET": "RESET"}
    for i in range(2):
        conns = {"CLK": [CLK], "DI": [20 + i], "LSR": [lsr], "Q": [30 + i]}
        cells[f"ff{i}"] = {"type": "TRELLIS_FF", "parameters": dict(params), "port_directions": dirs,
                           "connections": conns}
    if extra_load:
        cells["lut"] = {"type": "LUT4", "parameters": {}, "port_directions": {"A": "input", "Z": "output"},
                        "connections": {"A": [30], "Z": [50]}}
    return {"modules": {"top": {"ports": {"b": {"direction": "input", "bits": [40]}}, "cells": cells}}}


def test_operand_registers_are_copied_into_every_multiplier_they_feed():
    net = _operand_netlist()
    assert absorb_output_registers(net) == 2  # both flip-flops, now inside both multipliers
    cells = net["modules"]["top"]["cells"]
    assert set(cells) == {"mult0", "mult1"}
    for mult in cells.values():
        assert mult["parameters"]["REG_INPUTA_CLK"] == "CLK0" and "REG_INPUTB_CLK" not in mult["parameters"]
        assert mult["connections"]["A0"] == [20] and mult["connections"]["A1"] == [21]  # the D inputs
        assert mult["connections"]["A2"] == ["0"] and mult["connections"]["CLK0"] == [CLK]


def test_operand_register_with_another_load_stays_and_reset_is_not_folded():
    net = _operand_netlist(extra_load=True)
    assert absorb_output_registers(net) == 1  # ff0 also drives a LUT: copied, kept
    assert "ff0" in net["modules"]["top"]["cells"]
    net = _operand_netlist(lsr=7)
    before = copy.deepcopy(net)
    assert absorb_output_registers(net) == 0
    assert net == before


def test_x36_block_ram_folds_both_halves():
    """In the 36-bit mode port B reads the word on DOA and DOB: both halves fold."""
    net = _netlist(bits=2)
    ram = net["modules"]["top"]["cells"]["ram"]
    x36 = format(36, "032b")  # as yosys writes the parameter
    ram["parameters"].update(DATA_WIDTH_A=x36, DATA_WIDTH_B=x36)
    ram["connections"].update(DOA0=[12], OCEA=["0"])
    ram["port_directions"]["DOA0"] = "output"
    net["modules"]["top"]["cells"]["ffa"] = {
        "type": "TRELLIS_FF",
        "parameters": {"CEMUX": "1 ", "CLKMUX": "CLK", "LSRMUX": "LSR", "REGSET": "RESET"},
        "port_directions": {"CLK": "input", "DI": "input", "LSR": "input", "Q": "output"},
        "connections": {"CLK": [CLK], "DI": [12], "LSR": ["0"], "Q": [29]},
    }
    assert absorb_output_registers(net) == 3
    assert ram["parameters"]["REGMODE_A"] == ram["parameters"]["REGMODE_B"] == "OUTREG"
    assert ram["connections"]["DOA0"] == [29] and ram["connections"]["OCEA"] == ["1"]


BRAM_THEN_REGISTER = """\
module bram_then_register(input clk, input [9:0] ra, input [9:0] wa, input [17:0] wd, input we,
                          input [17:0] x, output reg [17:0] y);
  (* no_rw_check *) reg [17:0] mem [0:1023];
  reg [17:0] rd;
  reg [17:0] rd_q;
  always @(posedge clk) begin
    if (we) mem[wa] <= wd;
    rd <= mem[ra];
    rd_q <= rd;
    y <= rd_q + x;
  end
endmodule
"""


def test_ecp5_estimate_folds_and_times_the_output_register(tmp_path, monkeypatch):
    """Through yosys and nextpnr: the 18 flip-flops of rd_q go into the DP16KD, and the
    block's clock-to-out leaves the critical path (5.83 ns NOREG vs 0.96 ns OUTREG at
    speed grade 6: Fmax 145 MHz before folding, ~260 MHz after, on this design)."""
    from spinemu.gen.synth import estimate

    monkeypatch.setenv("SPINEMU_CACHE_DIR", str(tmp_path / "cache"))
    vpath = tmp_path / "bram_then_register.v"
    vpath.write_text(BRAM_THEN_REGISTER)
    res = estimate(SimpleNamespace(path=vpath, top="bram_then_register"), target="ecp5", device="25k")
    assert res.outreg_ffs == 18
    assert res.ff == 18 and res.bram == 1  # only y is left in the fabric
    assert res.fmax_mhz > 200
    log = Path(res.log_path).read_text()
    assert "clk-to-q  5.83" not in log


def _xc7_netlist(r_net="0", loads=1, doa_reg="0" * 32):
    """One RAMB18E1 whose port A data bits 0..1 each drive ``loads`` FDREs."""
    bram = {
        "type": "RAMB18E1",
        "parameters": {"DOA_REG": doa_reg, "DOB_REG": "0" * 32},
        "port_directions": {"CLKARDCLK": "input", "DOADO": "output", "DOPADOP": "output"},
        "connections": {"CLKARDCLK": [CLK], "DOADO": [10, 11], "DOPADOP": [12]},  # bit 12 unused
    }
    cells = {"ram": bram}
    for i in range(2):
        for k in range(loads):
            cells[f"ff{i}_{k}"] = {
                "type": "FDRE",
                "parameters": {"INIT": "0"},
                "port_directions": {"C": "input", "CE": "input", "D": "input", "R": "input", "Q": "output"},
                "connections": {"C": [CLK], "CE": ["1"], "D": [10 + i], "R": [r_net], "Q": [20 + 2 * i + k]},
            }
    return {"modules": {"top": {"ports": {}, "cells": cells}}}


def test_xc7_count_of_registers_vivado_folds():
    assert foldable_xc7_registers(_xc7_netlist()) == 2
    assert foldable_xc7_registers(_xc7_netlist(r_net=7)) == 0  # a reset
    assert foldable_xc7_registers(_xc7_netlist(loads=2)) == 0  # a second load
    assert foldable_xc7_registers(_xc7_netlist(doa_reg="0" * 31 + "1")) == 0  # register in use


def test_xc7_estimate_leaves_folded_registers_out(tmp_path, monkeypatch):
    """yosys keeps rd_q in FDREs; the estimate counts only y's 18 flip-flops."""
    from spinemu.gen.synth import estimate

    monkeypatch.setenv("SPINEMU_CACHE_DIR", str(tmp_path / "cache"))
    vpath = tmp_path / "bram_then_register.v"
    vpath.write_text(BRAM_THEN_REGISTER)
    res = estimate(SimpleNamespace(path=vpath, top="bram_then_register"), target="xc7")
    assert res.outreg_ffs == 18
    assert res.cells["FDRE"] == 36 and res.ff == 18


def test_synth_table_names_the_folded_registers(tmp_path, monkeypatch):
    from spinemu.gen.cmd_synth import format_table
    from spinemu.gen.synth import estimate

    monkeypatch.setenv("SPINEMU_CACHE_DIR", str(tmp_path / "cache"))
    vpath = tmp_path / "bram_then_register.v"
    vpath.write_text(BRAM_THEN_REGISTER)
    design = SimpleNamespace(path=vpath, top="bram_then_register")
    cases = (("xc7", None, "left to Vivado to fold into"), ("ecp5", "25k", "folded into"))
    for target, device, words in cases:
        d = {"design": "toy", "n_pbits": None, **estimate(design, target=target, device=device).to_dict()}
        want = f"(FF: 18 flip-flops after block RAMs/multipliers {words} their output registers)"
        assert want in format_table(d)
