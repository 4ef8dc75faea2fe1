"""Run every benchmark script and collect its printed tables under build/bench/.

Each ``benchmarks/bench_*.py`` measures spinemu and its peers side by side in one
process (so their ratio holds on a noisy machine); this driver runs them one after
another and writes ``build/bench/<name>.md`` plus ``build/bench/summary.json``.
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
    failed = [k for k, v in summary.items() if v["exit"]]
    print(f"benchmarks written to {out}" + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
