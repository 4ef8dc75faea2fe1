"""Board definitions: the shipped TOML files, their Python API and the fit check.

Known answers come from the parts' architecture, not from the files under test:
every 7-series and UltraScale+ CLB pairs each 6-input LUT with two flip-flops (so a
part has exactly twice as many FFs as LUTs), the part-number prefix fixes the Zynq
family and so the PS IP, and the four parts order by size ZU7EV > K26 > ZU3EG > Z-7020.
"""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

import pytest
from spinemu.boards.catalog import (
    BOARD_FILES,
    Board,
    Resources,
    UnknownBoardError,
    get_board,
    list_boards,
    load_board,
    parse_board,
)
from spinemu.boards.ip import core_vlnv, parse_vlnv

__all__: list[str] = []

BOARDS_DIR = Path(__file__).resolve().parent.parent / "boards"

#: The parts issue 7 names.
EXPECTED_PARTS = {
    "pynq-z2": "xc7z020clg400-1",
    "zcu104": "xczu7ev-ffvc1156-2-e",
    "kv260": "xck26-sfvc784-2LV-c",
    "ultra96-v2": "xczu3eg-sbva484-1-e",
}


def test_shipped_boards_and_parts():
    assert set(list_boards()) == set(EXPECTED_PARTS)
    for name, part in EXPECTED_PARTS.items():
        assert get_board(name).part == part
    assert len(BOARD_FILES) == len(list(BOARDS_DIR.glob("*.toml")))


@pytest.mark.parametrize("name", sorted(EXPECTED_PARTS))
def test_family_and_ps_follow_from_the_part(name):
    b = get_board(name)
    zynq7 = b.part.startswith("xc7z")
    assert b.family == ("zynq" if zynq7 else "zynquplus")
    assert b.ps.ip == ("processing_system7" if zynq7 else "zynq_ultra_ps_e")
    assert b.ps.master == ("M_AXI_GP0" if zynq7 else "M_AXI_HPM0_FPD")
    assert b.ps.pl_clk == ("FCLK_CLK0" if zynq7 else "pl_clk0")
    # Two flip-flops per LUT in every CLB of these families.
    assert b.resources.ff == 2 * b.resources.lut
    assert 0 < b.pl_mhz <= b.pl_max_mhz


def test_parts_order_by_size():
    lut = {n: get_board(n).resources.lut for n in EXPECTED_PARTS}
    assert lut["zcu104"] > lut["kv260"] > lut["ultra96-v2"] > lut["pynq-z2"]


def test_aliases_are_case_insensitive_and_unique():
    assert get_board("PYNQ-Z2") is get_board("pynq_z2") is get_board("pynqz2")
    assert get_board("Ultra96V2").name == "ultra96-v2"
    seen = {}
    for name in list_boards():
        for alias in get_board(name).names:
            key = alias.lower().replace("_", "-")
            assert seen.setdefault(key, name) == name, f"{alias} names two boards"


def test_unknown_board_lists_the_known_ones():
    with pytest.raises(UnknownBoardError, match="unknown board 'zedboard'; known boards: pynq-z2"):
        get_board("zedboard")
    with pytest.raises(UnknownBoardError, match="non-empty"):
        get_board("")


def test_user_board_file(tmp_path):
    data = tomllib.loads((BOARDS_DIR / "pynq_z2.toml").read_text())
    text = (BOARDS_DIR / "pynq_z2.toml").read_text().replace('name = "pynq-z2"', 'name = "my-z7"')
    path = tmp_path / "my.toml"
    path.write_text(text)
    mine = get_board(str(path))
    assert mine.name == "my-z7" and mine.part == data["part"]
    with pytest.raises(FileNotFoundError, match="not found"):
        load_board(tmp_path / "nope.toml")


def test_bad_board_files_are_named():
    data = tomllib.loads((BOARDS_DIR / "zcu104.toml").read_text())
    bad = dict(data, family="zynq")  # an MPSoC part with a Zynq-7000 family
    with pytest.raises(ValueError, match="x.toml: a zynq board has a processing_system7 PS"):
        parse_board(bad, source="x.toml")
    bad = dict(data, ps=dict(data["ps"], core_base=0xA0000004))
    with pytest.raises(ValueError, match="core_base must be a 4 KiB-aligned address"):
        parse_board(bad, source="x.toml")
    bad = {k: v for k, v in data.items() if k != "clocks"}
    with pytest.raises(ValueError, match="missing key 'clocks'"):
        parse_board(bad, source="x.toml")
    with pytest.raises(ValueError, match="lut must be a non-negative integer, not -1"):
        Resources(lut=-1, ff=0, dsp=0, bram36=0)


def test_overflows():
    r = get_board("pynq-z2").resources
    assert r.overflows({"lut": 53200, "ff": 1}) == {}
    assert r.overflows({"lut": 53201, "bram36": 141, "carry": 10**9}) == {
        "lut": (53201, 53200),
        "bram36": (141, 140),
    }


def test_board_is_frozen_and_serialisable():
    b = get_board("kv260")
    assert isinstance(b, Board)
    with pytest.raises(dataclasses.FrozenInstanceError):
        b.part = "xc7z010"
    d = b.to_dict()
    assert d["part"] == b.part and d["resources"]["lut"] == b.resources.lut
    assert b.board_connections  # the SOM needs its carrier


def test_vlnv():
    v = core_vlnv("pbit_array")
    vendor, library, name, version = parse_vlnv(v)
    assert name == "pbit_array" and version.count(".") == 1
    with pytest.raises(ValueError, match="identifier"):
        core_vlnv("pbit array")
    with pytest.raises(ValueError, match="four"):
        parse_vlnv("a:b:c")


def test_fit_check_uses_estimate_when_given(tmp_path):
    """check_fits raises on any resource beyond the part (e.g. from a yosys estimate)."""
    from spinemu.gen.cmd_build import check_fits, lower_bound
    from spinemu.gen.errors import UserError
    from spinemu.sim_golden.pbit_spec import PBitArraySpec

    class Cfg:
        name = "d"

    board = get_board("ultra96-v2")
    check_fits(Cfg, board, {"lut": 70560, "dsp": 360}, what="estimated")
    with pytest.raises(UserError, match=r"needs 361 DSP \(the part has 360\); boards it fits: zcu104"):
        check_fits(Cfg, board, {"dsp": 361}, what="needs")
    # Lower bound: one flip-flop per RNG state bit.
    assert lower_bound(PBitArraySpec(n=10)) == {"ff": 10 * 128}
    assert lower_bound(PBitArraySpec(n=10, rng="lfsr", lfsr_width=16)) == {"ff": 160}
    assert lower_bound(object()) == {}


def test_network_too_large_for_a_board_is_refused_with_the_number_that_fits(tmp_path, capsys):
    """A 12^3 lattice (1,728 p-bits of degree 6) does not fit the PYNQ-Z2; the message says
    how many such p-bits do, and that number agrees with the yosys measurement of a
    512-p-bit degree-6 design (within 10 %)."""
    import re

    from spinemu.gen.cli import main
    from spinemu.gen.pbit_cost import FIXED_COST, MEASURED

    cfg = tmp_path / "glass.toml"
    cfg.write_text('name = "glass"\n[core]\nkind = "pbit"\n[problem]\ntype = "lattice3d"\nL = 12\n')
    out = str(tmp_path / "out")
    assert main(["build", str(cfg), "--board", "pynq-z2", "-o", out, "--estimate", "no"]) == 2
    err = capsys.readouterr().err
    assert "too large for" in err and "Traceback" not in err
    most = int(re.search(r"holds at most ([\d,]+) p-bits of degree 6", err).group(1).replace(",", ""))
    lut, _ = MEASURED[("lattice_3d", 512, 6, 1)]
    per_pbit = (lut - FIXED_COST["lut"]) / 512
    measured_most = (get_board("pynq-z2").resources.lut - FIXED_COST["lut"]) / per_pbit
    assert abs(most / measured_most - 1) < 0.1


def test_pbit_cost_model_agrees_with_yosys_with_and_without_replicas():
    """The per-p-bit model (what `spinemu build` checks boards with) is within 10 % of the
    yosys measurements of the 512-p-bit glass, for one chain and for four replicas."""
    from spinemu.gen.pbit_cost import FIXED_COST, MEASURED, network_cost
    from spinemu.sim_golden.pbit_net_spec import PBitNetSpec
    from spinemu.sim_golden.problems import edwards_anderson_3d

    glass = edwards_anderson_3d(8, seed=1)
    edges = tuple(map(tuple, glass.edges.tolist()))
    for (kind, n, degree, reps), (lut, ff) in MEASURED.items():
        assert (kind, n, degree) == ("lattice_3d", glass.n, 6)
        model = network_cost(PBitNetSpec(n=n, edges=edges, replicas=reps))
        for key, measured in (("lut", lut), ("ff", ff)):
            slope, want = (model[key] - FIXED_COST[key]) / n, (measured - FIXED_COST[key]) / n
            assert abs(slope / want - 1) < 0.1, (reps, key, slope, want)
