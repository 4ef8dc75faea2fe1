"""The generated Vivado Tcl, run under a real ``tclsh`` with stub Vivado commands.

Every command the scripts call must be one of ``VIVADO_COMMANDS`` (transcribed from
the Vivado Design Suite Tcl Command Reference, UG835) or a Tcl built-in: anything
else is an "invalid command name" error in ``tclsh``.  The stubs record each call,
and the tests check the recorded calls against facts independent of the generator:
the board's part, the Xilinx PS IP of the part's family, the PS master port's
address window (Zynq-7000 and Zynq UltraScale+ TRMs), the wrapper's actual ports (parsed
from its Verilog), and the set of generated source files on disk.  The wrapper itself
is linted by Verilator against the core it instantiates.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from spinemu.boards.catalog import get_board, list_boards
from spinemu.gen.cli import DEMO_CONFIG, main
from spinemu.gen.config import parse_config
from spinemu.gen.vivado import (
    TCL_PROCS,
    block_design_tcl,
    find_streams,
    package_ip_tcl,
    wrapper_verilog,
    write_vivado_project,
)

__all__: list[str] = []

TCLSH = shutil.which("tclsh")
pytestmark = pytest.mark.skipif(TCLSH is None, reason="tclsh (Debian package tcl) is not installed")

#: Vivado Tcl commands the scripts may call (UG835, Vivado 2023.x).
VIVADO_COMMANDS = (
    "create_project",
    "close_project",
    "current_project",
    "current_fileset",
    "set_property",
    "get_property",
    "get_board_parts",
    "add_files",
    "get_files",
    "update_compile_order",
    "update_ip_catalog",
    "get_ipdefs",
    "create_bd_design",
    "create_bd_cell",
    "get_bd_cells",
    "apply_bd_automation",
    "get_bd_pins",
    "get_bd_intf_pins",
    "connect_bd_net",
    "connect_bd_intf_net",
    "assign_bd_address",
    "get_bd_addr_spaces",
    "get_bd_addr_segs",
    "validate_bd_design",
    "save_bd_design",
    "make_wrapper",
    "generate_target",
    "launch_runs",
    "wait_on_run",
    "get_runs",
    "open_run",
    "report_utilization",
    "report_timing_summary",
    "write_hw_platform",
    "ipx::package_project",
    "ipx::current_core",
    "ipx::associate_bus_interfaces",
    "ipx::get_address_blocks",
    "ipx::get_memory_maps",
    "ipx::create_xgui_files",
    "ipx::update_checksums",
    "ipx::check_integrity",
    "ipx::save_core",
)

#: PS IP of each Zynq family, and the address window of the PS master the cores hang off.
PS_OF_PART = {
    "xc7z": ("processing_system7", 0x4000_0000, 0x8000_0000),  # M_AXI_GP0
    "xczu": ("zynq_ultra_ps_e", 0xA000_0000, 0xB000_0000),  # M_AXI_HPM0_FPD
    "xck2": ("zynq_ultra_ps_e", 0xA000_0000, 0xB000_0000),
}

SEP = "\x1f"
STUBS = r"""
set ::stub_log [open $::env(STUB_LOG) w]
proc stub_record {name argv} { puts $::stub_log [join [concat [list $name] $argv] "\x1f"]; flush $::stub_log }
namespace eval ipx {}
foreach cmd $::env(STUB_COMMANDS) {
    proc ::$cmd {args} "stub_record $cmd \$args; return \[stub_answer $cmd \$args\]"
}
proc stub_answer {cmd argv} {
    switch -- $cmd {
        create_bd_cell { return [lindex $argv end] }
        get_ipdefs { return [string map {* 9.9} [lindex $argv end]] }
        get_board_parts { if {$::env(STUB_BOARD_FILES)} { return [lindex $argv end] } else { return "" } }
        get_property {
            switch -- [lindex $argv 0] { PROGRESS { return "100%" } DIRECTORY { return /stub/impl_1 } }
            return ""
        }
        ipx::current_core { return core_object }
        current_project { return stub_project }
        current_fileset { return sources_1 }
        get_bd_pins - get_bd_intf_pins - get_bd_cells - get_bd_addr_spaces - get_bd_addr_segs -
        get_files - get_runs - ipx::get_memory_maps - ipx::get_address_blocks { return $argv }
    }
    return ""
}
rename glob _tcl_glob
proc glob {args} { stub_record glob $args; return [list /stub/found.file] }
rename file _tcl_file
proc file {sub args} {
    if {$sub eq "copy"} { stub_record file_copy $args; return }
    return [_tcl_file $sub {*}$args]
}
"""


def run_tcl(folder: Path, script: str, *, board_files: bool) -> list[list[str]]:
    """Source ``script`` (in ``folder``) under the stubs; return the recorded calls."""
    log = folder / f"calls-{script}-{int(board_files)}.txt"
    driver = folder / "stub_driver.tcl"
    driver.write_text(STUBS + f"source [_tcl_file join [pwd] {script}]\nclose $::stub_log\n")
    env = dict(
        os.environ,
        STUB_LOG=str(log),
        STUB_COMMANDS=" ".join(VIVADO_COMMANDS),
        STUB_BOARD_FILES="1" if board_files else "0",
    )
    proc = subprocess.run(
        [TCLSH, str(driver)], cwd=folder, capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.returncode == 0, f"tclsh failed on {script}:\n{proc.stdout}\n{proc.stderr}"
    return [line.split(SEP) for line in log.read_text().splitlines()]


def calls_of(calls, name):
    return [c[1:] for c in calls if c[0] == name]


def opt(argv, flag):
    return argv[argv.index(flag) + 1]


def wrapper_ports(text: str) -> set[str]:
    return set(re.findall(r"^\s*(?:input|output)\s+wire\s+(?:\[\d+:\d+\]\s+)?(\w+)", text, re.M))


def assert_lints_clean(folder: Path, top: str, sources, *flags: str) -> None:
    """Assert that Verilator lints ``sources`` (top module ``top``) clean.

    Runs ``verilator --lint-only -Wall`` plus ``flags`` in ``folder`` with spinemu's
    ``LINT_WAIVERS``; any message fails.
    """
    from spinemu.gen.native import LINT_WAIVERS
    from spinemu.gen.toolchain import ensure_path

    waivers = folder / "waivers.vlt"
    waivers.write_text("`verilator_config\n" + "".join(f"lint_off -rule {r}\n" for r in LINT_WAIVERS))
    proc = subprocess.run(
        ["verilator", "--lint-only", "-Wall", *flags, "--top-module", top, str(waivers), *map(str, sources)],
        cwd=folder,
        capture_output=True,
        text=True,
        env=ensure_path(),
    )
    assert proc.returncode == 0 and "%" not in proc.stdout + proc.stderr, proc.stderr


def build_checked(config, gen_dir: Path, manifest: dict, board, folder: Path):
    """``(project, calls)``: ``config``'s Vivado project for ``board`` and its build.tcl calls.

    ``gen_dir`` and ``manifest`` are ``spinemu gen``'s output, copied to ``folder/gen``;
    build.tcl runs under the stubs without board files.  Checked on the way, for every
    core: both projects target the board's part, and every generated HDL file (the core
    and its wrapper) is added, and only those.
    """
    shutil.copytree(gen_dir, folder / "gen")
    proj = write_vivado_project(config, board, folder, manifest=manifest)
    calls = run_tcl(folder, "build.tcl", board_files=False)
    assert {opt(a, "-part") for a in calls_of(calls, "create_project")} == {board.part}
    added = {Path(p).resolve() for a in calls_of(calls, "add_files") for p in a[-1].split()}
    hdl = {p.resolve() for p in [*folder.glob("gen/*.v"), *folder.glob("src/*.v")]}
    assert len(hdl) == 2 and added == hdl
    return proj, calls


@pytest.fixture(scope="module")
def demo_config():
    return parse_config(tomllib.loads(DEMO_CONFIG), source="demo")


@pytest.fixture(scope="module")
def generated(demo_config, tmp_path_factory):
    from spinemu.gen.artifacts import generate

    folder = tmp_path_factory.mktemp("gen")
    return folder, generate(demo_config, folder)


def _project(demo_config, generated, board, tmp_path):
    gen_dir, manifest = generated
    shutil.copytree(gen_dir, tmp_path / "gen")
    return write_vivado_project(demo_config, board, tmp_path, manifest=manifest)


@pytest.mark.parametrize("board_name", list_boards())
@pytest.mark.parametrize("board_files", [True, False])
def test_build_tcl_for_every_board(board_name, board_files, demo_config, generated, tmp_path):
    board = get_board(board_name)
    proj = _project(demo_config, generated, board, tmp_path)
    calls = run_tcl(tmp_path, "build.tcl", board_files=board_files)

    # Both projects (IP packaging and the overlay) target the board's part.
    projects = calls_of(calls, "create_project")
    assert len(projects) == 2 and all(opt(a, "-part") == board.part for a in projects)

    # Every generated HDL source is added, and every added file exists.
    added = [Path(p) for a in calls_of(calls, "add_files") for p in a[-1].split()]
    assert all(p.exists() for p in added), added
    hdl = {p.resolve() for p in [*tmp_path.glob("gen/*.v"), *tmp_path.glob("src/*.v")]}
    assert hdl and hdl == {p.resolve() for p in added}

    # The IP packaged is the IP instantiated: rebuild its VLNV from the packaging calls.
    pkg = calls_of(calls, "ipx::package_project")[0]
    props = {a[0]: a[1] for a in calls_of(calls, "set_property") if a[-1] == "core_object"}
    packaged = f"{opt(pkg, '-vendor')}:{opt(pkg, '-library')}:{props['name']}:{props['version']}"
    cells = {a[-1]: opt(a, "-vlnv") for a in calls_of(calls, "create_bd_cell")}
    assert cells["core"] == packaged == proj.vlnv
    assert props["name"] == demo_config.spec.regmap.core

    # The PS of the part's family.
    ps_ip, lo, hi = PS_OF_PART[board.part[:4].lower()]
    assert cells["ps"].split(":")[2] == ps_ip

    # Every pin of the core the block design touches is a port (or bus) of the wrapper.
    ports = wrapper_ports(proj.files["wrapper"].read_text())
    pins = [p for name in ("get_bd_pins", "get_bd_intf_pins") for a in calls_of(calls, name) for p in a]
    core_pins = {p.split("/")[1] for p in pins if p.startswith("core/")}
    assert core_pins, "the block design connects nothing of the core"
    assert all(p in ports or f"{p}_awaddr" in ports for p in core_pins), core_pins - ports
    assert {"s_axi", "s_axi_aclk", "s_axi_aresetn"} <= core_pins

    # The register bank lands inside the PS master's window, 64 KiB, in the PS address space.
    addr = [a for a in calls_of(calls, "assign_bd_address") if "-offset" in a]
    core_addr = [a for a in addr if a[-1].startswith("core/s_axi")]
    assert len(core_addr) == 1
    base = int(opt(core_addr[0], "-offset"), 16)
    assert lo <= base and base + 0x10000 <= hi and base % 0x10000 == 0
    assert opt(core_addr[0], "-target_address_space") == "ps/Data"

    # Board files: the board part and its preset; otherwise spinemu's own PS configuration.
    boardpart = [a for a in calls_of(calls, "set_property") if a[0] == "board_part"]
    if board_files:
        assert boardpart == [["board_part", board.board_part, "stub_project"]]
    else:
        assert not boardpart
        assert any(
            a[0] == "-dict" and a[-1] == "ps" and "DDR" in a[1] for a in calls_of(calls, "set_property")
        )

    # Bitstream and hardware handoff end up in overlay/ under the same stem (PYNQ pairs them).
    copies = [a[-1] for a in calls_of(calls, "file_copy")]
    assert str(tmp_path / "overlay" / f"{proj.name}.bit") in copies
    assert str(tmp_path / "overlay" / f"{proj.name}.hwh") in copies
    assert (tmp_path / "overlay" / "regmap.json").exists()


def test_build_sh_is_valid_bash(demo_config, generated, tmp_path):
    proj = _project(demo_config, generated, "pynq-z2", tmp_path)
    sh = proj.files["build.sh"]
    assert sh.stat().st_mode & stat.S_IXUSR
    subprocess.run(["bash", "-n", str(sh)], check=True)
    # Without Vivado it stops with a clear message instead of failing obscurely.
    proc = subprocess.run(
        ["bash", str(sh)], capture_output=True, text=True, env=dict(os.environ, VIVADO="no-such-vivado")
    )
    assert proc.returncode == 2 and "no-such-vivado not found" in proc.stderr


def test_wrapper_lints_clean_with_the_core(generated, tmp_path):
    """Verilator sees every core port connected, with matching widths."""
    gen_dir, manifest = generated
    top = manifest["top"]
    wrapper = tmp_path / f"{top}_axi.v"
    wrapper.write_text(wrapper_verilog(top, manifest["ports"]))
    assert_lints_clean(tmp_path, f"{top}_axi", [gen_dir / f"{top}.v", wrapper])


FAKE_STREAM_CORE = """\
module fake_core (input wire clk, input wire rst,
  input wire [11:0] s_axi_awaddr, input wire [2:0] s_axi_awprot, input wire s_axi_awvalid,
  output wire s_axi_awready, input wire [31:0] s_axi_wdata, input wire [3:0] s_axi_wstrb,
  input wire s_axi_wvalid, output wire s_axi_wready, output wire [1:0] s_axi_bresp,
  output wire s_axi_bvalid, input wire s_axi_bready, input wire [11:0] s_axi_araddr,
  input wire [2:0] s_axi_arprot, input wire s_axi_arvalid, output wire s_axi_arready,
  output wire [31:0] s_axi_rdata, output wire [1:0] s_axi_rresp, output wire s_axi_rvalid,
  input wire s_axi_rready,
  output wire [39:0] states_payload, output wire states_valid, input wire states_ready,
  output wire states_last,
  input wire [15:0] drive_tdata, input wire drive_tvalid, output wire drive_tready);
endmodule
"""


def _fake_ports():
    return [
        {"name": n, "width": int(msb) + 1 if msb else 1, "direction": "in" if d == "input" else "out"}
        for d, msb, n in re.findall(r"(input|output) wire (?:\[(\d+):0\] )?(\w+)", FAKE_STREAM_CORE)
    ]


@pytest.mark.parametrize("board_name", list_boards())
def test_streaming_core_gets_dma(board_name, tmp_path):
    """A core with streams gets one AXI DMA per stream, wired to the PS's HP port."""
    board = get_board(board_name)
    ports = _fake_ports()
    streams = find_streams(ports)
    assert {(s.stem, s.direction, s.width) for s in streams} == {("states", "out", 40), ("drive", "in", 16)}
    (tmp_path / "bd.tcl").write_text(
        block_design_tcl(board=board, bd_name="x_bd", core="fake", streams=streams, pl_mhz=100.0)
    )
    calls = run_tcl(tmp_path, "bd.tcl", board_files=False)
    cells = {a[-1]: opt(a, "-vlnv") for a in calls_of(calls, "create_bd_cell")}
    assert cells["dma_states"].startswith("xilinx.com:ip:axi_dma:")
    assert cells["dma_drive"].startswith("xilinx.com:ip:axi_dma:")
    intf = [tuple(a) for a in calls_of(calls, "connect_bd_intf_net")]
    assert ("core/m_axis_states", "dma_states/S_AXIS_S2MM") in intf
    assert ("dma_drive/M_AXIS_MM2S", "core/s_axis_drive") in intf
    assert ("axi_mem/M00_AXI", f"ps/{board.ps.slave}") in intf
    # The DMA's stream width is the payload rounded up to 32-bit words (40 -> 64 bits).
    dma_props = " ".join(a[1] for a in calls_of(calls, "set_property") if a[-1] == "dma_states")
    assert "CONFIG.c_s_axis_s2mm_tdata_width 64" in dma_props
    # The PS's high-performance slave is enabled, and the DMA registers sit in the master window.
    ps_props = " ".join(a[1] for a in calls_of(calls, "set_property") if a[-1] == "ps")
    assert any(f"CONFIG.{k} 1" in ps_props for k in board.ps.enable_slave)
    _, lo, hi = PS_OF_PART[board.part[:4].lower()]
    offsets = [int(opt(a, "-offset"), 16) for a in calls_of(calls, "assign_bd_address") if "-offset" in a]
    assert len(set(offsets)) == 3 and all(lo <= o < hi for o in offsets)


def test_streaming_wrapper_lints_clean(tmp_path):
    (tmp_path / "fake_core.v").write_text(FAKE_STREAM_CORE)
    (tmp_path / "wrap.v").write_text(wrapper_verilog("fake_core", _fake_ports()))
    assert_lints_clean(tmp_path, "fake_core_axi", ["fake_core.v", "wrap.v"], "-Wno-UNDRIVEN")
    ports = wrapper_ports((tmp_path / "wrap.v").read_text())
    assert {"m_axis_states_tdata", "m_axis_states_tlast", "s_axis_drive_tready"} <= ports


def test_package_ip_declares_every_stream_clock():
    streams = find_streams(_fake_ports())
    text = package_ip_tcl(
        top="fake_core",
        core="fake",
        part="xc7z020clg400-1",
        sources=["gen/fake_core.v", "src/fake_core_axi.v"],
        streams=streams,
    )
    for bus in ("s_axi", "m_axis_states", "s_axis_drive"):
        assert f"-busif {bus} -clock s_axi_aclk" in text
    assert set(TCL_PROCS).isdisjoint(VIVADO_COMMANDS)


# -- the CLI ---------------------------------------------------------------------------------
@pytest.fixture()
def config_file(tmp_path):
    path = tmp_path / "demo.toml"
    path.write_text(DEMO_CONFIG)
    return path


def _without_vivado(monkeypatch):
    monkeypatch.setenv(
        "PATH",
        os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if not (Path(p) / "vivado").exists()),
    )


def test_cli_build_without_vivado(config_file, tmp_path, monkeypatch, capsys):
    _without_vivado(monkeypatch)
    out = tmp_path / "b"
    assert main(["build", str(config_file), "--board", "kv260", "-o", str(out), "--estimate", "no"]) == 0
    printed = capsys.readouterr().out
    assert "vivado is not on PATH" in printed and f"bash {out / 'build.sh'}" in printed
    info = json.loads((out / "build.json").read_text())
    assert info["part"] == "xck26-sfvc784-2LV-c"
    for f in info["files"]:
        assert (out / f).exists()


def test_cli_build_runs_vivado_when_present(config_file, tmp_path, monkeypatch, capsys):
    """A stand-in ``vivado`` on PATH is run by build.sh with build.tcl."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    fake = bindir / "vivado"
    fake.write_text('#!/usr/bin/env bash\necho "$@" > vivado_args.txt\nexit ${FAKE_VIVADO_RC:-0}\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    out = tmp_path / "b"
    assert main(["build", str(config_file), "--board", "zcu104", "-o", str(out), "--estimate", "no"]) == 0
    assert "-mode batch" in (out / "vivado_args.txt").read_text()
    assert "-source build.tcl" in (out / "vivado_args.txt").read_text()
    monkeypatch.setenv("FAKE_VIVADO_RC", "1")
    assert main(["build", str(config_file), "--board", "zcu104", "-o", str(out), "--estimate", "no"]) == 2
    assert "Vivado build failed" in capsys.readouterr().err


def test_cli_build_errors(config_file, tmp_path, capsys):
    spinemu = [sys.executable, "-m", "spinemu.gen.cli"]
    proc = subprocess.run(
        [*spinemu, "build", str(config_file), "--board", "zedboard", "-o", str(tmp_path / "x")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "unknown board 'zedboard'" in proc.stderr and "pynq-z2" in proc.stderr
    # 4096 xoshiro p-bits hold 4096 * 128 = 524288 state flip-flops; the XC7Z020 has 106400.
    big = tmp_path / "big.toml"
    big.write_text('name = "big"\n[core]\nkind = "pbit"\n[pbit]\nn = 4096\n')
    proc = subprocess.run(
        [*spinemu, "build", str(big), "--board", "pynq-z2", "-o", str(tmp_path / "y"), "--estimate", "no"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "too large" in proc.stderr and "524288 FF" in proc.stderr and "106400" in proc.stderr
    assert not (tmp_path / "y").exists()
    # Out-of-range clock.
    assert (
        main(
            [
                "build",
                str(config_file),
                "--board",
                "pynq-z2",
                "-o",
                str(tmp_path / "z"),
                "--estimate",
                "no",
                "--clock",
                "900",
            ]
        )
        == 2
    )
    assert "clock must be in" in capsys.readouterr().err


def test_cli_run_without_pynq(config_file, tmp_path, capsys):
    """On a development machine (no pynq) `spinemu run` says what is missing, exit 2."""
    from spinemu.sw import pynq_driver

    if pynq_driver.PYNQ_AVAILABLE:
        pytest.skip("pynq is installed here; tests/pynq_tests covers the board path")
    assert not hasattr(pynq_driver, "PBitArrayIP")  # DefaultIP subclasses need pynq
    bit = tmp_path / "x.bit"
    assert main(["run", str(config_file), "--board", "pynq-z2", "--bitfile", str(bit)]) == 2
    err = capsys.readouterr().err
    assert "pynq package is not installed" in err and "spinemu sim" in err


def test_cli_build_checks_the_synthesis_estimate(config_file, tmp_path, monkeypatch, capsys):
    """With --estimate yes the yosys estimate is compared with the part (stand-in estimate here)."""
    import spinemu.gen.synth as synth

    class Estimate:  # 60000 LUTs: more than the XC7Z020's 53200, less than the ZU3EG's 70560
        lut, ff, dsp, bram = 60000, 1000, 0, 0.0

    monkeypatch.setattr(synth, "estimate", lambda *a, **k: Estimate)
    _without_vivado(monkeypatch)
    args = [str(config_file), "-o", str(tmp_path / "b"), "--estimate", "yes"]
    assert main(["build", *args, "--board", "pynq-z2"]) == 2
    err = capsys.readouterr().err
    assert "yosys estimates 60000 LUT (the part has 53200)" in err
    assert "boards it fits: zcu104, kv260, ultra96-v2" in err
    assert main(["build", *args, "--board", "ultra96-v2"]) == 0
    assert "LUT 60000/70560" in capsys.readouterr().out


def test_wrapper_behaves_like_the_core(demo_config, generated, tmp_path):
    """The wrapper, driven with s_axi_aclk / s_axi_aresetn (active low), is the core.

    A harness with the core's own ports (``rst`` active high) instantiates the wrapper with
    ``s_axi_aresetn = ~rst``; its native Verilator model, driven through the register map,
    must reproduce the golden model sample for sample.
    """
    import numpy as np
    from spinemu.gen.native import build_native
    from spinemu.gen.verilog import Port, VerilogDesign
    from spinemu.sim_golden.pbit_array import PBitArrayGolden
    from spinemu.sw.mmio import VerilatorMMIO
    from spinemu.sw.pbit_array import PBitArrayDriver

    gen_dir, manifest = generated
    top, ports = manifest["top"], manifest["ports"]
    decls = ",\n  ".join(
        f"{'input' if p['direction'] == 'in' else 'output'} wire [{p['width'] - 1}:0] {p['name']}"
        for p in ports
    )
    conns = ",\n    ".join(
        [".s_axi_aclk(clk)", ".s_axi_aresetn(~rst)"]
        + [f".{p['name']}({p['name']})" for p in ports if p["name"] not in ("clk", "rst")]
    )
    text = (
        (gen_dir / f"{top}.v").read_text()
        + wrapper_verilog(top, ports)
        + f"module harness (\n  {decls}\n);\n  {top}_axi dut (\n    {conns}\n  );\nendmodule\n"
    )
    path = tmp_path / "harness.v"
    path.write_text(text)
    design = VerilogDesign(
        top="harness",
        path=path,
        ports=tuple(Port(**p) for p in ports),
        digest=hashlib.sha256(text.encode()).hexdigest()[:20],
    )
    spec = demo_config.spec
    i_q = demo_config.stimulus["I_q"]
    with build_native(design) as model:
        drv = PBitArrayDriver(VerilatorMMIO(model), spec)
        drv.set_inputs(i_q)
        drv.load_seed(5)
        model.record("sample", "sample_valid", 500)
        drv.run(True)
        model.run_until_recorded(500)
        drv.run(False)
        words = model.stop_recording()[:500, 0]
        assert drv.regs.read("COUNT") > 0
        model.reset()  # rst high -> s_axi_aresetn low: the core's registers return to reset
        assert drv.regs.read("COUNT") == 0 and drv.regs.read_array("INPUT") == [0] * spec.n
    bits = (words[:, None] >> np.arange(spec.n)) & 1
    np.testing.assert_array_equal(2 * bits.astype(np.int8) - 1, PBitArrayGolden(spec, seed=5).run(i_q, 500))


EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(scope="module")
def example_builds(tmp_path_factory):
    """``spinemu gen`` output of the reservoir and Hopfield examples (generated once)."""
    from spinemu.gen.artifacts import generate
    from spinemu.gen.config import load_config

    out = {}
    for kind in ("reservoir", "hopfield"):
        config = load_config(EXAMPLES / f"{kind}.toml")
        folder = tmp_path_factory.mktemp(f"gen_{kind}")
        out[kind] = (config, folder, generate(config, folder))
    return out


@pytest.mark.parametrize("board_name", ["pynq-z2", "kv260"])
@pytest.mark.parametrize("kind,stem,inputs", [("reservoir", "state", ["input"]), ("hopfield", "sweep", [])])
def test_example_cores_build_with_their_dma(
    example_builds, demo_config, generated, kind, stem, inputs, board_name, tmp_path
):
    """Reservoir and Hopfield: right part, every source, one S2MM DMA per output stream
    with TLAST wired, one MM2S DMA per input stream (the reservoir's samples).

    The p-bit demo core has no backpressured stream, so its block design has no DMA:
    a DMA is present iff the core streams.
    """
    board = get_board(board_name)
    proj, calls = build_checked(*example_builds[kind], board, tmp_path)
    # The stream: ready (backpressure) and last, so the wrapper exposes a full AXI4-Stream.
    assert [(s.stem, s.direction, s.last is not None) for s in proj.streams] == [
        (stem, "out", True), *((i, "in", False) for i in inputs)
    ]
    assert not proj.notes
    ports = wrapper_ports(proj.files["wrapper"].read_text())
    assert {f"m_axis_{stem}_{x}" for x in ("tdata", "tvalid", "tready", "tlast")} <= ports
    wrapper = proj.files["wrapper"].read_text()
    assert (
        f".{stem}_ready(m_axis_{stem}_tready)" in wrapper and f".{stem}_last(m_axis_{stem}_tlast)" in wrapper
    )
    cells = {a[-1]: opt(a, "-vlnv") for a in calls_of(calls, "create_bd_cell")}
    dmas = sorted(c for c, v in cells.items() if v.startswith("xilinx.com:ip:axi_dma:"))
    assert dmas == sorted([f"dma_{stem}", *(f"dma_{i}" for i in inputs)])
    intf = [tuple(a) for a in calls_of(calls, "connect_bd_intf_net")]
    assert (f"core/m_axis_{stem}", f"dma_{stem}/S_AXIS_S2MM") in intf
    props = " ".join(a[1] for a in calls_of(calls, "set_property") if a[-1] == f"dma_{stem}")
    assert "CONFIG.c_include_s2mm 1" in props and "CONFIG.c_include_mm2s 0" in props
    assert "CONFIG.c_s_axis_s2mm_tdata_width 32" in props
    for i in inputs:
        assert {f"s_axis_{i}_{x}" for x in ("tdata", "tvalid", "tready")} <= ports
        assert (f"dma_{i}/M_AXIS_MM2S", f"core/s_axis_{i}") in intf
        props = " ".join(a[1] for a in calls_of(calls, "set_property") if a[-1] == f"dma_{i}")
        assert "CONFIG.c_include_mm2s 1" in props and "CONFIG.c_include_s2mm 0" in props
    info = json.loads((tmp_path / "build.json").read_text())
    assert [s["dma_cell"] for s in info["streams"]] == [f"dma_{stem}", *(f"dma_{i}" for i in inputs)]
    # The p-bit demo: no stream, no DMA.
    demo = tmp_path / "demo"
    demo.mkdir()
    shutil.copytree(generated[0], demo / "gen")
    pbit = write_vivado_project(demo_config, board, demo, manifest=generated[1])
    assert pbit.streams == ()
    pcalls = run_tcl(demo, "build.tcl", board_files=False)
    assert not [a for a in calls_of(pcalls, "create_bd_cell") if "axi_dma" in opt(a, "-vlnv")]


def test_dma_stream_width_is_a_power_of_two():
    """AXI DMA takes 8..1024-bit streams in powers of two: pad 40 -> 64, 72 -> 128, 9 -> 32."""
    ports = [
        {
            "name": f"s{w}_{x}",
            "width": w if x == "payload" else 1,
            "direction": "in" if x == "ready" else "out",
        }
        for w in (9, 40, 72, 1024)
        for x in ("payload", "valid", "ready")
    ]
    assert {s.width: s.tdata_width for s in find_streams(ports)} == {9: 32, 40: 64, 72: 128, 1024: 1024}
