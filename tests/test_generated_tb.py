"""``spinemu gen`` writes a cocotb testbench (tb/) that passes on the generated design.

For each core kind (p-bit array, p-bit network, reservoir, Hopfield) the example config
is generated into a fresh folder and ``python tb/run.py`` runs there in a subprocess,
as a user runs it: both cocotb tests pass, the workload's outputs equal the golden
vectors, and the design saw backpressure on every output stream.  The faulty designs
are in tests/test_generated_tb_faults.py (another pytest-xdist worker).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from spinemu.gen.testbench import TB_TEMPLATES, tb_samples
from spinemu.sw.cocotb_bus import load_workload
from spinemu.sw.pynq_driver import binding_for
from tb_cases import CASES, copy_design, generate, run_tb


@pytest.mark.parametrize("core", list(CASES))
def test_generated_testbench_passes(core, tmp_path):
    folder = generate(core, tmp_path / "design")
    tb = folder / "tb"
    assert {p.name for p in tb.iterdir()} >= {*TB_TEMPLATES, "workload.json", "golden.npz", "README.md"}
    # It runs from the output folder alone: copied elsewhere, started from another folder.
    moved = copy_design(folder, tmp_path / "elsewhere")
    proc = run_tb(moved, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "PASS test_registers" in proc.stdout and "PASS test_workload" in proc.stdout
    last = json.loads((moved / "tb" / "last_run.json").read_text())
    work = load_workload(moved / "tb")
    assert last["ok"]
    total = sum(int(np.asarray(v).size) for v in work.golden.values())
    assert last["comparison"].startswith(f"PASS: {total} values identical")
    assert work.samples == tb_samples(binding_for(work.core).spec_from_dict(work.spec))
    # Every stream saw backpressure (ready low while valid) or gaps (valid held back).
    streams = binding_for(work.core).streams + binding_for(work.core).sources
    assert set(last["stream_stalls"]) == set(streams)
    assert all(v > 0 for v in last["stream_stalls"].values()), last
    assert last["bus_transactions"] > 0 and last["clocks"] > 0
    # The testbench imports the installed package only, never the project's tests.
    for f in tb.glob("*.py"):
        assert "import tests" not in f.read_text() and "from tests" not in f.read_text()


def test_pytest_entry_and_options(tmp_path):
    """``pytest tb/`` runs it too; ``--ready`` changes the backpressure; bad options exit 2."""
    folder = generate("reservoir", tmp_path / "design")
    env = {**os.environ, "PATH": f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder / "tb")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout
    stalls_half = json.loads((folder / "tb" / "last_run.json").read_text())["stream_stalls"]["state"]
    proc = run_tb(folder, "--ready", "0.1", "--seed", "3")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    stalls_low = json.loads((folder / "tb" / "last_run.json").read_text())["stream_stalls"]["state"]
    assert stalls_low > 2 * stalls_half
    slow = run_tb(folder, "--timeout", "0.5")  # killed: one line naming the log, exit 2
    assert slow.returncode == 2 and len(slow.stderr.strip().splitlines()) == 1, slow.stderr
    assert "exceeded 0.5 s and was killed; log " in slow.stderr and slow.stderr.strip().endswith("sim.log")
    bad = run_tb(folder, "--ready", "0")
    assert bad.returncode == 2 and bad.stderr.strip() == "run.py: error: --ready must be in (0, 1], not 0.0"
    # Without iverilog on PATH, --simulator icarus says what to do in one line.
    missing = run_tb(folder, "--simulator", "icarus", path=os.path.dirname(sys.executable))
    assert missing.returncode == 2 and len(missing.stderr.strip().splitlines()) == 1
    assert "Icarus Verilog (iverilog) is not on PATH" in missing.stderr
    (folder / "spinemu_reservoir.v").unlink()
    gone = run_tb(folder)
    assert gone.returncode == 2 and "is missing" in gone.stderr and "Traceback" not in gone.stderr


def test_verify_cocotb_section(tmp_path):
    """``spinemu verify --cocotb`` runs the generated testbench and reports each test."""
    from spinemu.gen.cli import main
    from tb_cases import ROOT

    out = tmp_path / "verify"
    rc = main(["verify", str(ROOT / "examples" / "hopfield.toml"), "--cycles", "4", "--no-fidelity",
               "--cocotb", "-o", str(out), "-q"])
    assert rc == 0
    report = json.loads((out / "report.json").read_text())
    (section,) = [s for s in report["fidelity"] if s["title"].startswith("cocotb testbench")]
    assert section["ok"] is True
    rows = [row[:2] for row in section["table"][1:]]
    assert rows == [["test_registers", "PASS"], ["test_workload", "PASS"]]
    assert section["metrics"]["golden vs RTL"].startswith("PASS: 72 values identical")  # 6 recalls of 9 + 3
    assert (out / "design" / "tb" / "run.py").is_file()
    assert "cocotb testbench" in (out / "report.html").read_text()


@pytest.mark.skipif(shutil.which("iverilog") is None, reason="Icarus Verilog is not installed")
def test_icarus_runs_the_same_testbench(tmp_path):
    """With iverilog on PATH, ``--simulator icarus`` passes too, in as many clocks as Verilator.

    The reservoir is the design whose state decode stayed X under Icarus until the
    runner triggered the combinational blocks at time zero.
    """
    folder = generate("reservoir", tmp_path / "design")
    clocks = {}
    for sim in ("verilator", "icarus"):
        proc = run_tb(folder, "--simulator", sim)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        clocks[sim] = json.loads((folder / "tb" / "last_run.json").read_text())["clocks"]
    assert clocks["icarus"] == clocks["verilator"]
