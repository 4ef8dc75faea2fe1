"""Every shipped example config parses and generates (what the README tells users to run)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from spinemu.gen.cli import main

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.toml"))


def test_there_are_examples_for_every_core_kind():
    from spinemu.gen.config import load_config

    kinds = {load_config(p).kind for p in EXAMPLES}
    assert kinds == {"pbit", "reservoir", "hopfield"}


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_generates(path, tmp_path):
    assert main(["gen", str(path), "-o", str(tmp_path), "-q"]) == 0
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert (tmp_path / f"{manifest['top']}.v").exists()
    regmap = json.loads((tmp_path / "regmap.json").read_text())
    assert regmap["registers"][0]["name"] == "ID"
