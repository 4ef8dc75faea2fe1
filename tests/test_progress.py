"""Progress bars of the CLI (spinemu.gen.progress): shown when asked, silent with --quiet."""

from __future__ import annotations

import time
from pathlib import Path

from spinemu.gen.progress import activity, enabled

__all__: list[str] = []

ROOT = Path(__file__).resolve().parent.parent


def test_activity_shows_the_step_and_its_elapsed_time(monkeypatch, capsys):
    monkeypatch.setenv("SPINEMU_PROGRESS", "1")
    with activity("building the model"):
        time.sleep(0.6)  # at least one refresh of the ticker
    err = capsys.readouterr().err
    assert "building the model: 00:00" in err


def test_quiet_and_the_environment_switch_bars_off(monkeypatch, capsys):
    monkeypatch.setenv("SPINEMU_PROGRESS", "1")
    with activity("hidden", quiet=True):
        pass
    monkeypatch.setenv("SPINEMU_PROGRESS", "0")
    with activity("hidden"):
        pass
    assert capsys.readouterr().err == ""
    assert enabled(quiet=False) is False
    monkeypatch.delenv("SPINEMU_PROGRESS")
    assert enabled(quiet=False) is None and enabled(quiet=True) is False  # None: terminals only


def test_cli_sim_shows_a_bar_unless_quiet(monkeypatch, capsys, tmp_path):
    from spinemu.gen.cli import main

    monkeypatch.setenv("SPINEMU_PROGRESS", "1")
    cfg = str(ROOT / "examples" / "pbit_array.toml")
    assert main(["sim", cfg, "--cycles", "200", "-o", str(tmp_path / "a.npz")]) == 0
    assert "golden: 200 samples of" in capsys.readouterr().err
    assert main(["sim", cfg, "--cycles", "200", "-o", str(tmp_path / "b.npz"), "-q"]) == 0
    assert capsys.readouterr().err == ""
