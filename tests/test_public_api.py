"""The public contract of DESIGN.md: names at top level, and `import spinemu` without amaranth."""

from __future__ import annotations

import subprocess
import sys

import dimod


def test_import_needs_no_amaranth_scipy_or_pynq():
    code = ("import sys, spinemu, spinemu.sw.pbit_sampler, spinemu.sw.reservoir, spinemu.sw.hopfield, "
            "spinemu.sw.pynq_driver; "
            "print(sorted(m for m in ('amaranth', 'scipy', 'pynq', 'cocotb') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_contract_names():
    import spinemu

    for name in ("PBitSampler", "STNOReservoir", "HopfieldNetwork", "logic", "tasks", "devices"):
        assert hasattr(spinemu, name), name
    assert issubclass(spinemu.PBitSampler, dimod.Sampler)
    for name in ("and_gate", "or_gate", "xor_gate", "full_adder", "adder", "multiplier"):
        bqm = getattr(spinemu.logic, name)(*((2,) if name == "adder" else (2, 2) if name == "multiplier"
                                             else ()))
        assert bqm.vartype is dimod.SPIN
    for name in ("narma10", "sine_square", "memory_capacity", "mackey_glass"):
        assert callable(getattr(spinemu.tasks, name))
    for name in ("SMTJ", "STNO", "Memristor"):
        assert hasattr(spinemu.devices, name)
    assert set(spinemu.list_boards()) >= {"pynq-z2", "zcu104", "kv260", "ultra96-v2"}
