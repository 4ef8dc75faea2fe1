"""Shared fixtures: tool paths and cached designs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("XDG_CACHE_HOME", str(ROOT / "build" / "cache" / "xdg"))


@pytest.fixture(scope="session", autouse=True)
def _toolchain_on_path():
    from spinemu.gen.toolchain import ensure_path

    ensure_path()


@pytest.fixture(scope="session")
def demo_spec():
    from spinemu.sim_golden.pbit_spec import PBitArraySpec

    return PBitArraySpec(n=8)


@pytest.fixture(scope="session")
def demo_config_text():
    from spinemu.gen.cli import DEMO_CONFIG

    return DEMO_CONFIG
