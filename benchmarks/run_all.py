"""Run every benchmark script and collect its printed tables under build/bench/.

Each ``benchmarks/bench_*.py`` measures spinemu and its peers side by side in one
process (so their ratio holds on a noisy machine); this driver runs them one after
another and writes ``build/bench/<name>.md``, all tables together in
``build/bench/README.md``, and ``build/bench/summary.json`` (exit code, time, and every printed
table as rows of named columns).  ``python benchmarks/run_all.py bench_pbit_array`` runs just the named ones.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["main", "markdown_tables"]

HERE = Path(__file__).resolve().parent


def markdown_tables(text: str) -> list[dict]:
    """Every Markdown table in ``text`` as ``{"title", "columns", "rows"}`` (rows as dicts)."""
    tables, lines = [], text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].lstrip().startswith("|") and i + 1 < len(lines) and set(
                lines[i + 1].replace("|", "").strip()) <= set("-: ") and "-" in lines[i + 1]:
            title = next((lines[k].strip("# ").strip() for k in range(i - 1, -1, -1)
                          if lines[k].strip()), "")
            cols = [c.strip() for c in lines[i].strip().strip("|").split("|")]
            rows = []
            i += 2
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                rows.append(dict(zip(cols, cells, strict=False)))
                i += 1
            tables.append({"title": title, "columns": cols, "rows": rows})
        else:
            i += 1
    return tables


def main(argv=None) -> int:
    out = HERE.parent / "build" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    only = set(argv if argv is not None else sys.argv[1:])
    summary = {}
    from spinemu.gen.progress import activity

    for script in sorted(HERE.glob("bench_*.py")):
        name = script.stem
        if only and name not in only:
            continue
        print(f"== {name}", flush=True)
        t0 = time.perf_counter()
        with activity(name):
            proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        text = proc.stdout + (f"\n\nstderr:\n{proc.stderr[-3000:]}" if proc.returncode else "")
        (out / f"{name}.md").write_text(text)
        print(proc.stdout, flush=True)
        if proc.returncode:
            print(proc.stderr[-3000:], file=sys.stderr)
        summary[name] = {"exit": proc.returncode, "seconds": round(seconds, 1),
                         "output": f"build/bench/{name}.md", "tables": markdown_tables(proc.stdout)}
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    combined = ["# spinemu benchmarks", "",
                "Each section is one script, run in one process so spinemu and its peers see the "
                "same machine load.", ""]
    for name in summary:
        combined += [f"## {name}", "", (out / f"{name}.md").read_text().strip(), ""]
    (out / "README.md").write_text("\n".join(combined) + "\n")
    failed = [k for k, v in summary.items() if v["exit"]]
    print(f"benchmarks written to {out}" + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
