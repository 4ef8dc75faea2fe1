"""Register map: JSON, C header and driver agree; the driver over the simulated AXI bus."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest
from spinemu.gen.native import build_native
from spinemu.gen.verilog import design_for_spec
from spinemu.sim_golden.pbit_spec import PBitArraySpec
from spinemu.sim_golden.regmap import Access, Register, RegisterMap
from spinemu.sw.driver import RegisterDriver, load_regmap
from spinemu.sw.mmio import BusError, VerilatorMMIO


@pytest.fixture(scope="module")
def spec40():
    return PBitArraySpec(n=40, rng="lfsr", lfsr_width=16, input_bits=10, input_frac_bits=3, prob_bits=12)


@pytest.fixture(scope="module")
def model40(spec40):
    m = build_native(design_for_spec(spec40))
    yield m
    m.close()


def test_json_round_trip(spec40, tmp_path):
    rm = spec40.regmap
    path = tmp_path / "regmap.json"
    path.write_text(rm.to_json())
    back = load_regmap(path)
    assert back.registers == rm.registers
    assert back.ident == rm.ident and back.addr_width == rm.addr_width


def test_c_header_agrees_with_json(spec40, tmp_path):
    rm = spec40.regmap
    (tmp_path / "regmap.h").write_text(rm.to_c_header(prefix="demo"))
    lines = []
    for r in rm.registers:
        lines.append(
            f'printf("{r.name} %u %u %d\\n", DEMO_{r.name}_OFFSET, DEMO_{r.name}_WIDTH, '
            f"DEMO_{r.name}_ACCESS_{r.access.name});"
        )
        if r.count > 1:
            lines.append(
                f'printf("{r.name}[last] %u %u\\n", DEMO_{r.name}({r.count - 1}), DEMO_{r.name}_COUNT);'
            )
    (tmp_path / "main.c").write_text(
        '#include <stdio.h>\n#include "regmap.h"\nint main(void) {\n'
        + "\n".join(lines)
        + '\nprintf("IDENT %u\\n", DEMO_IDENT);\nreturn 0;\n}\n'
    )
    subprocess.run(["gcc", "-Wall", "-Werror", "-o", "main", "main.c"], cwd=tmp_path, check=True)
    out = subprocess.run(["./main"], cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    data = json.loads(rm.to_json())
    got = {}
    for line in out.splitlines():
        parts = line.split()
        got[parts[0]] = [int(x) for x in parts[1:]]
    assert got["IDENT"] == [data["ident"]]
    for r in data["registers"]:
        assert got[r["name"]][:2] == [r["offset"], r["width"]]
        if r["count"] > 1:
            assert got[r["name"] + "[last]"] == [r["offset"] + 4 * (r["count"] - 1), r["count"]]


def test_markdown_lists_every_register(spec40):
    md = spec40.regmap.to_markdown(title="demo")
    for r in spec40.regmap.registers:
        assert f"| {r.name}" in md


def test_regmap_rejects_bad_declarations():
    with pytest.raises(ValueError, match="width"):
        Register(name="X", width=33, access=Access.RW, doc="")
    with pytest.raises(ValueError, match="upper-case"):
        Register(name="x", width=3, access=Access.RW, doc="")
    with pytest.raises(ValueError, match="duplicate"):
        RegisterMap(
            core="c",
            ident=1,
            registers=(
                Register(name="A", width=1, access=Access.RO, doc=""),
                Register(name="A", width=1, access=Access.RO, doc=""),
            ),
        )
    with pytest.raises(ValueError, match="schema"):
        RegisterMap.from_json('{"schema": 99}')
    with pytest.raises(ValueError, match="ID is derived from ident"):
        RegisterMap(core="c", ident=1, registers=(Register(name="ID", width=32, access=Access.RO, doc=""),))


def test_id_register_is_derived_from_the_ident():
    rm = RegisterMap(core="c", ident=0x50424954, registers=(Register(name="A", width=3, access=Access.RW,
                                                                       doc="a"),))
    assert [(r.name, r.offset) for r in rm.registers] == [("ID", 0), ("A", 4)]
    assert rm["ID"].access is Access.RO and "0x50424954 ('PBIT')" in rm["ID"].doc


def test_driver_round_trips_every_rw_register(spec40, model40):
    drv = RegisterDriver(VerilatorMMIO(model40), spec40.regmap)
    assert drv.read("N") == 40
    rng = np.random.default_rng(1)
    values = rng.integers(-512, 512, 40).tolist()
    drv.write_array("INPUT", values)
    assert drv.read_array("INPUT") == values  # signed read-back, 10-bit two's complement
    # The raw bus view agrees with the offsets of regmap.json.
    data = json.loads(spec40.regmap.to_json())
    inp = next(r for r in data["registers"] if r["name"] == "INPUT")
    raw = model40.axil_read(inp["offset"] + 4 * 3)[0]
    assert raw == values[3] & 0x3FF


def test_driver_errors(spec40, model40):
    mmio = VerilatorMMIO(model40)
    drv = RegisterDriver(mmio, spec40.regmap)
    with pytest.raises(ValueError, match="-512..511"):
        drv.write("INPUT", 600, 0)
    with pytest.raises(BusError, match="read-only"):
        drv.write("N", 1)
    with pytest.raises(BusError, match="write-only"):
        drv.read("STEP")
    with pytest.raises(KeyError, match="no register 'NOPE'"):
        drv.read("NOPE")
    # The bus itself answers SLVERR for an unmapped address and for a write to a RO register.
    with pytest.raises(BusError, match="SLVERR"):
        mmio.read(spec40.regmap.size + 0x100)
    with pytest.raises(BusError, match="SLVERR"):
        mmio.write(spec40.regmap["N"].offset, 3)
    assert drv.read("N") == 40
    # A register map of another core is refused by the ID check.
    other = RegisterMap(core="other", ident=0x12345678, registers=())
    with pytest.raises(BusError, match="ID register reads 0x50424954"):
        RegisterDriver(mmio, other)
