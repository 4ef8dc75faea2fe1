"""The layering docs/ARCHITECTURE.md states, held by reading every module's imports (AST).

* ``sim_golden`` imports nothing of the project but itself, and never amaranth;
* ``hdl`` imports only ``hdl`` and ``sim_golden``;
* ``sw`` never imports ``hdl`` (it reaches gateware only through ``gen``, lazily, for the
  rtl backend: :mod:`spinemu.sw.pbit_sampler` and the other front ends).

Imports inside functions count too: a lazy import is still a dependency.  (Not held yet,
so not tested: ``sw`` and ``gen`` import each other, and within ``sim_golden`` four pairs
of modules do, lazily: the p-bit network's Spec and its layout and register-map modules,
the Hopfield model and its kernel.)
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

__all__: list[str] = []

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("sim_golden", "hdl", "gen", "sw", "boards")


def _imports(layer: str) -> dict[str, set[str]]:
    """Module (``layer.name``) -> the project modules (``layer.name``) and top-level
    packages it imports."""
    out = {}
    for path in sorted((ROOT / layer).glob("*.py")):
        mod = f"{layer}.{path.stem}"
        deps = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom):
                if node.level == 0:
                    parts = (node.module or "").split(".")
                    if parts[0] == "spinemu" and len(parts) > 1:
                        parts = parts[1:]
                    deps.add(".".join(parts[:2]) if parts[0] in LAYERS else parts[0])
                    continue
                if node.level == 1:  # from .x import y / from . import x
                    names = [node.module] if node.module else [a.name for a in node.names]
                    deps.update(f"{layer}.{n.split('.')[0]}" for n in names)
                else:  # from ..other.x import y
                    parts = (node.module or "").split(".")
                    deps.add(".".join(parts[:2]))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    parts = alias.name.split(".")
                    if parts[0] == "spinemu" and len(parts) > 1:
                        parts = parts[1:]
                    deps.add(".".join(parts[:2]) if parts[0] in LAYERS else parts[0])
        out[mod] = deps
    return out


@pytest.mark.parametrize(
    ("layer", "allowed"), [("sim_golden", {"sim_golden"}), ("hdl", {"hdl", "sim_golden"})]
)
def test_lower_layers_import_only_themselves_and_below(layer, allowed):
    bad = {
        (mod, dep)
        for mod, deps in _imports(layer).items()
        for dep in deps
        if dep.split(".")[0] in LAYERS and dep.split(".")[0] not in allowed
    }
    assert not bad, f"{layer} reaches up the layers: {sorted(bad)}"


def test_golden_models_never_import_amaranth_and_sw_never_imports_hdl():
    assert not {m for m, d in _imports("sim_golden").items() if "amaranth" in d}
    assert not {(m, x) for m, d in _imports("sw").items() for x in d if x.startswith("hdl")}


def test_the_checks_see_a_violation(tmp_path, monkeypatch):
    """The reader finds an upward import, a lazy one included (so the tests above can fail),
    and a cycle's both directions."""
    pkg = tmp_path / "sim_golden"
    pkg.mkdir()
    (pkg / "a.py").write_text("from .b import x\n\ndef f():\n    from ..gen import cli\n")
    (pkg / "b.py").write_text("import numpy as np\nfrom .a import f\n")
    monkeypatch.setattr(__import__(__name__), "ROOT", tmp_path)
    deps = _imports("sim_golden")
    assert deps["sim_golden.a"] == {"sim_golden.b", "gen"}
    assert deps["sim_golden.b"] == {"numpy", "sim_golden.a"}
    with pytest.raises(AssertionError, match="reaches up"):
        test_lower_layers_import_only_themselves_and_below("sim_golden", {"sim_golden"})
