"""The generated Vivado Tcl of a p-bit network config, under ``tclsh`` with stub Vivado commands.

Reuses the stubs of ``test_vivado_tcl.py`` (every Vivado command the scripts call must
be one of UG835's; anything else is an "invalid command name" error in ``tclsh``).
Known answers are independent of the generator: the board's part, the set of generated
source files on disk, the wrapper's ports parsed from its Verilog, the register map
of the Spec, and the fact that the network's ``sample`` port has no ``ready`` (so no
AXI DMA may be instantiated: its samples are read over the bus).
"""

from __future__ import annotations

import json
import shutil

import pytest
from spinemu.boards.catalog import get_board, list_boards
from spinemu.gen.config import load_config
from spinemu.gen.vivado import find_streams
from test_vivado_tcl import assert_lints_clean, build_checked, calls_of, opt, wrapper_ports

__all__: list[str] = []

pytestmark = pytest.mark.skipif(shutil.which("tclsh") is None, reason="tclsh is not installed")

LATTICE_TOML = """\
name = "lattice4"
[core]
kind = "pbit"
[problem]
type = "lattice2d"
L = 4
[pbit]
sample_buffer_depth = 8
[anneal]
beta = 0.5
"""


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    """The 4x4 lattice config and its ``spinemu gen`` output (generated once)."""
    from spinemu.gen.artifacts import generate

    folder = tmp_path_factory.mktemp("pbit_net")
    cfg = folder / "lattice4.toml"
    cfg.write_text(LATTICE_TOML)
    config = load_config(cfg)
    gen_dir = folder / "gen"
    return config, gen_dir, generate(config, gen_dir)


@pytest.mark.parametrize("board_name", list_boards())
def test_network_build_tcl(network, board_name, tmp_path):
    config, gen_dir, manifest = network
    spec = config.spec
    # Both projects target the board's part; every generated HDL file is added, and only those.
    proj, calls = build_checked(config, gen_dir, manifest, get_board(board_name), tmp_path)

    # The packaged IP is the network core, the one the block design instantiates.
    pkg = calls_of(calls, "ipx::package_project")[0]
    props = {a[0]: a[1] for a in calls_of(calls, "set_property") if a[-1] == "core_object"}
    packaged = f"{opt(pkg, '-vendor')}:{opt(pkg, '-library')}:{props['name']}:{props['version']}"
    cells = {a[-1]: opt(a, "-vlnv") for a in calls_of(calls, "create_bd_cell")}
    assert props["name"] == "pbit_net" == spec.regmap.core
    assert cells["core"] == packaged == proj.vlnv == "spinemu.org:spinemu:pbit_net:1.0"

    # sample/sample_valid have no ready: not a stream, no DMA; they stay plain wrapper outputs.
    assert proj.streams == () == find_streams(manifest["ports"])
    assert not [c for c, v in cells.items() if v.startswith("xilinx.com:ip:axi_dma:")]
    ports = wrapper_ports(proj.files["wrapper"].read_text())
    assert {"sample", "sample_valid"} <= ports and not any(p.startswith("m_axis_") for p in ports)
    pins = [p for name in ("get_bd_pins", "get_bd_intf_pins") for a in calls_of(calls, name) for p in a]
    core_pins = {p.split("/")[1] for p in pins if p.startswith("core/")}
    assert {"s_axi", "s_axi_aclk", "s_axi_aresetn"} <= core_pins
    assert all(p in ports or f"{p}_awaddr" in ports for p in core_pins), core_pins - ports

    # One 64 KiB register window; build.json says where (what `spinemu run` and the .hwh use).
    addr = [a for a in calls_of(calls, "assign_bd_address") if "-offset" in a]
    assert len(addr) == 1 and addr[0][-1].startswith("core/s_axi")
    info = json.loads((tmp_path / "build.json").read_text())
    assert int(opt(addr[0], "-offset"), 16) == info["core_base"] and info["streams"] == []

    # overlay/ carries what the board-side driver checks: the Spec and the register map.
    overlay = tmp_path / "overlay"
    assert json.loads((overlay / "manifest.json").read_text())["spec"] == spec.to_dict()
    regmap = json.loads((overlay / "regmap.json").read_text())
    text = json.dumps(regmap)
    for reg in spec.regmap.registers:
        assert f'"{reg.name}"' in text
    copies = [a[-1] for a in calls_of(calls, "file_copy")]
    assert str(overlay / f"{proj.name}.bit") in copies and str(overlay / f"{proj.name}.hwh") in copies


def test_network_wrapper_lints_clean(network, tmp_path):
    """Verilator sees every port of the network core connected, with matching widths."""
    from spinemu.gen.vivado import wrapper_verilog

    config, gen_dir, manifest = network
    top = manifest["top"]
    assert top == "spinemu_pbit_net"
    wrapper = tmp_path / f"{top}_axi.v"
    wrapper.write_text(wrapper_verilog(top, manifest["ports"]))
    assert_lints_clean(tmp_path, f"{top}_axi", [gen_dir / f"{top}.v", wrapper])


MACHINE_TOML = LATTICE_TOML.replace('name = "lattice4"', 'name = "lattice_machine"').replace(
    "L = 4", "L = 6"
) + "[machine]\ndevices = 3\nexchange_period = 2\n"


def test_machine_build_gives_each_device_dma_links(tmp_path):
    """`spinemu build` of a [machine]: one project per device whose tx stream (with TLAST)
    and rx streams are AXI DMA channels, wired as machine.json says; the wrapper lints."""
    from spinemu.gen.cli import main
    from spinemu.gen.vivado import wrapper_verilog
    from test_vivado_tcl import run_tcl

    cfg = tmp_path / "machine.toml"
    cfg.write_text(MACHINE_TOML)
    out = tmp_path / "build"
    assert main(["build", str(cfg), "--board", "pynq-z2", "-o", str(out), "--estimate", "no", "-q"]) == 0
    desc = json.loads((out / "machine.json").read_text())
    assert desc["devices"] == 3 and "Not generated" in (out / "README.md").read_text()
    for dev in desc["device"]:
        folder = out / dev["folder"]
        info = json.loads((folder / "build.json").read_text())
        sources = [s["device"] for s in dev["sources"]]
        streams = {s["stem"]: s for s in info["streams"]}
        assert set(streams) == {"tx", *(f"rx{k}" for k in range(len(sources)))}
        assert streams["tx"]["direction"] == "out" and streams["tx"]["last"]
        assert all(streams[f"rx{k}"]["direction"] == "in" for k in range(len(sources)))
        assert dev["dma"] == {stem: s["dma_cell"] for stem, s in streams.items()}
        calls = run_tcl(folder, "bd.tcl", board_files=False)
        cells = {a[-1]: opt(a, "-vlnv") for a in calls_of(calls, "create_bd_cell")}
        assert {s["dma_cell"] for s in streams.values()} <= set(cells)
        manifest = json.loads((folder / "gen" / "manifest.json").read_text())
        top = manifest["top"]
        (tmp_path / f"{top}_axi.v").write_text(wrapper_verilog(top, manifest["ports"]))
        assert_lints_clean(tmp_path, f"{top}_axi", [folder / "gen" / f"{top}.v", tmp_path / f"{top}_axi.v"])
    # the links of machine.json join every receiver port to its source device
    for link in desc["links"]:
        assert desc["device"][link["to"]]["sources"][int(link["port"][2:])]["device"] == link["from"]


def test_machine_on_one_board_is_one_core_with_device_windows(tmp_path):
    """`spinemu build --one-board`: one packaged core holding every device and the links,
    its register windows in gen/regmap.json and machine.json in the overlay; no DMA."""
    from spinemu.gen.cli import main
    from spinemu.gen.vivado import wrapper_verilog
    from test_vivado_tcl import run_tcl

    cfg = tmp_path / "machine.toml"
    cfg.write_text(MACHINE_TOML)
    out = tmp_path / "build"
    argv = ["build", str(cfg), "--board", "pynq-z2", "-o", str(out), "--estimate", "no", "--one-board", "-q"]
    assert main(argv) == 0
    calls = run_tcl(out, "bd.tcl", board_files=False)
    cells = {a[-1]: opt(a, "-vlnv") for a in calls_of(calls, "create_bd_cell")}
    assert "core" in cells and not [c for c, v in cells.items() if v.startswith("xilinx.com:ip:axi_dma:")]
    windows = json.loads((out / "gen" / "regmap.json").read_text())["windows"]
    desc = json.loads((out / "overlay" / "machine.json").read_text())
    assert [w["offset"] for w in windows] == [d["base_offset"] for d in desc["device"]]
    assert len(windows) == desc["devices"] == 3
    assert windows[1]["offset"] == 1 << desc["one_chip"]["window_bits"]
    manifest = json.loads((out / "gen" / "manifest.json").read_text())
    top = manifest["top"]
    (tmp_path / f"{top}_axi.v").write_text(wrapper_verilog(top, manifest["ports"]))
    assert_lints_clean(tmp_path, f"{top}_axi", [out / "gen" / f"{top}.v", tmp_path / f"{top}_axi.v"])
