"""The generated-testbench cases shared by tests/test_generated_tb*.py.

One example config per core kind, and for each a fault: a regular expression matching
one constant of the generated Verilog that the core's workload depends on, and the
value that replaces it (only the last match is replaced: where Amaranth writes an
expression several times, e.g. for a saturation's compares and its value, the last
copy is the value).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: core -> (example config, Verilog file, fault regex with one group, replacement of the group)
CASES = {
    # The sigmoid ROM entry of I = 0 (P = 0.5): p-bit 3 of the example has I = 0.
    "pbit_array": ("pbit_array.toml", "spinemu_pbit_array.v", r"rom\[0\] = 16'h(8000);", "0000"),
    # The shared sigmoid ROM the table engine copies into every p-bit: field 0.
    "pbit_net": ("ising_lattice.toml", "spinemu_pbit_net.v", r"rom\[0\] = 16'h(8000);", "0000"),
    # The same core on the multiplexed fabric (the same engine ROM).
    "pbit_mux": ("pbit_multiplexed.toml", "spinemu_pbit_net.v", r"rom\[0\] = 16'h(8000);", "0000"),
    # The oscillation threshold (zeta - 1) in the coefficient a: 1.0 becomes 0.75.
    "reservoir": (
        "reservoir.toml", "spinemu_reservoir.v", r"\$signed\(z\) - \$signed\(22'h(100000)\)", "0c0000"
    ),
    # The first entry of the asynchronous update order: neuron 4 becomes neuron 5 (updated twice).
    "hopfield": ("hopfield.toml", "spinemu_hopfield.v", r"perm\[0\] = 4'h(4);", "5"),
}


def generate(core: str, folder: Path) -> Path:
    """``spinemu gen`` of the core's example into ``folder``; return it."""
    from spinemu.gen.cli import main

    assert main(["gen", str(ROOT / "examples" / CASES[core][0]), "-o", str(folder), "-q"]) == 0
    return folder


def inject_fault(folder: Path, core: str) -> str:
    """Replace the core's fault constant (last match) in the Verilog; return what changed."""
    _, vname, pattern, value = CASES[core]
    path = folder / vname
    text = path.read_text()
    found = list(re.finditer(pattern, text))
    assert found, f"fault site {pattern!r} not in {vname}: update tests/tb_cases.py"
    m = found[-1]
    path.write_text(text[: m.start(1)] + value + text[m.end(1) :])
    return f"{m.group(0)} -> {value}"


def run_tb(
    folder: Path, *args: str, cwd: Path | None = None, path: str | None = None
) -> subprocess.CompletedProcess:
    """``python tb/run.py ARGS`` in a subprocess, as a user runs it (from ``cwd``).

    ``path`` replaces ``$PATH`` (default: this interpreter's folder, then ``$PATH``).
    """
    if path is None:
        path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    env = {**os.environ, "PATH": path}
    return subprocess.run(
        [sys.executable, str(folder / "tb" / "run.py"), *args],
        cwd=cwd or folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def copy_design(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst
