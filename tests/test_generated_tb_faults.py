"""The generated cocotb testbench fails on a design with one injected fault, naming the
first mismatch (tests/tb_cases.py says which constant is flipped per core)."""

from __future__ import annotations

import re

import pytest
from tb_cases import CASES, generate, inject_fault, run_tb


# (pbit_mux is the p-bit network's testbench and fault on the other fabric: not repeated)
@pytest.mark.parametrize("core", [c for c in CASES if c != "pbit_mux"])
def test_testbench_catches_a_flipped_constant(core, tmp_path):
    folder = generate(core, tmp_path / "design")
    what = inject_fault(folder, core)
    proc = run_tb(folder)
    assert proc.returncode == 1, f"{what}: {proc.stdout}{proc.stderr}"
    assert "PASS test_registers" in proc.stdout
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("FAIL test_workload"))
    assert re.search(r"first mismatch at sample \d+: \w+(\[\d+(, \d+)*\])? golden=\S+ rtl=\S+", line), line
    assert "Traceback" not in proc.stdout + proc.stderr


def test_testbench_catches_a_wrong_identifier(tmp_path):
    """test_registers checks ID against the register map: a design answering another ID fails it."""
    folder = generate("pbit_array", tmp_path / "design")
    path = folder / "spinemu_pbit_array.v"
    text = path.read_text()
    ident = 0x50424954  # "PBIT", the array's regmap identifier
    assert f"32'd{ident};" in text
    path.write_text(text.replace(f"32'd{ident};", f"32'd{ident ^ 1};"))
    proc = run_tb(folder)
    assert proc.returncode == 1
    assert "FAIL test_registers: ID reads 0x50424955, expected 0x50424954" in proc.stdout, proc.stdout
