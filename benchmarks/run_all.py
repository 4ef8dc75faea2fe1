"""Run every benchmark script and collect its printed tables under build/bench/.

Each ``benchmarks/bench_*.py`` measures spinemu and its peers side by side in one
process (so their ratio holds on a noisy machine); this driver runs them one after
another and writes ``build/bench/<name>.md``, all tables together in
``build/bench/README.md``, and ``build/bench/summary.json`` (exit code, time, output of
each).  ``python benchmarks/run_all.py bench_pbit_array`` runs just the named ones.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["main"]

HERE = Path(__file__).resolve().parent


def main(argv=None) -> int:
    out = HERE.parent / "build" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    only = set(argv if argv is not None else sys.argv[1:])
    summary = {}
    for script in sorted(HERE.glob("bench_*.py")):
        name = script.stem
        if only and name not in only:
            continue
        print(f"== {name}", flush=True)
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        text = proc.stdout + (f"\n\nstderr:\n{proc.stderr[-3000:]}" if proc.returncode else "")
        (out / f"{name}.md").write_text(text)
        print(proc.stdout, flush=True)
        if proc.returncode:
            print(proc.stderr[-3000:], file=sys.stderr)
        summary[name] = {"exit": proc.returncode, "seconds": round(seconds, 1),
                         "output": f"build/bench/{name}.md"}
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
