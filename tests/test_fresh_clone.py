"""The README's quick start works from a clean clone: `make demo` creates its own venv.

`make test` from a fresh clone is what CI itself runs; this test covers the other
README command, in a clone of the committed tree that shares nothing with this
checkout (its own .venv, its own build/ caches).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="needs a git checkout to clone")
@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_demo_from_a_clean_clone(tmp_path):
    clone = tmp_path / "spinemu"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone)], check=True)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("VIRTUAL_ENV", "PYTEST", "SPINEMU_", "XDG_CACHE_HOME"))
    }
    # The clone must not find this checkout's venv first on PATH.
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if not p.startswith(str(ROOT))
    )
    proc = subprocess.run(["make", "demo"], cwd=clone, env=env, capture_output=True, text=True, timeout=1500)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    assert (clone / ".venv" / "bin" / "spinemu").exists()
    demo = clone / "build" / "demo"
    results = json.loads((demo / "demo.json").read_text())
    assert [r["kind"] for r in results] == ["pbit", "reservoir", "hopfield"]
    for r in results:
        assert r["verified"] and r["results"]["ok"], r
        report = json.loads((demo / r["report"].replace("report.html", "report.json")).read_text())
        assert report["ok"] and report["bit_exact"] and report["lint"]["clean"]
        assert (demo / r["report"].split("/")[0] / "build" / "build.sh").exists()
    assert "PASS: demo written" in proc.stdout
