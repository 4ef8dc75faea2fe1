"""``spinemu verify``: prove a generated design bit-exact with its golden model.

For each run (the reset state baked into the bitstream, then each requested seed
loaded through the register bus) the same stimulus drives the golden model and the
native Verilator model of the generated Verilog, and every sample is compared.
The Verilog is also linted with ``verilator --lint-only -Wall``.
"""

from __future__ import annotations

import html
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from .compare import Comparison, compare_streams
from .config import Config

__all__ = ["VerifyRun", "VerifyResult", "verify", "write_report"]


@dataclass
class VerifyRun:
    """One golden-vs-RTL comparison."""

    label: str
    seed: int | None
    samples: int
    comparison: Comparison
    rtl_seconds: float
    golden_seconds: float


@dataclass
class VerifyResult:
    """Everything ``verify`` measured."""

    name: str
    kind: str
    top: str
    lint_warnings: list[str]
    runs: list[VerifyRun] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.lint_warnings and all(r.comparison.ok for r in self.runs)

    def to_dict(self) -> dict:
        return {
            "name": self.name, "kind": self.kind, "top": self.top, "ok": self.ok,
            "lint": {"clean": not self.lint_warnings, "warnings": self.lint_warnings},
            "runs": [{
                "label": r.label, "seed": r.seed, "samples": r.samples,
                "rtl_seconds": round(r.rtl_seconds, 4), "golden_seconds": round(r.golden_seconds, 4),
                "rtl_samples_per_second": round(r.samples / r.rtl_seconds) if r.rtl_seconds else None,
                **r.comparison.to_dict(),
            } for r in self.runs],
        }


def verify(config: Config, *, samples: int = 100_000, seeds=(12345,), golden_fn=None,
           log=print) -> VerifyResult:
    """Verify ``config``'s generated design against its golden model.

    Parameters
    ----------
    config : Config
    samples : int
        Samples compared per run.
    seeds : sequence of int
        Seeds loaded at run time (after a run from the reset state).
    golden_fn : callable or None
        ``(config, samples, seed) -> dict of streams``; replaces the golden model
        (the test suite uses it to inject a fault and check that it is caught).
    log : callable
        Progress messages (``lambda *a: None`` to silence).
    """
    from .cores import plugin_for_kind
    from .native import lint
    from .verilog import design_for_spec

    plugin = plugin_for_kind(config.kind)

    def golden(cfg, n, seed):
        return plugin.run(cfg.spec, cfg.stimulus, n, seed=seed, backend="golden")

    golden_fn = golden_fn or golden
    design = design_for_spec(config.spec)
    log(f"[verify] {config.name}: linting {design.top}.v with verilator -Wall")
    result = VerifyResult(name=config.name, kind=config.kind, top=design.top, lint_warnings=lint(design))
    for seed in (None, *seeds):
        label = "reset state" if seed is None else f"seed {seed} loaded over the bus"
        log(f"[verify] {label}: {samples} samples, golden vs RTL (native Verilator)")
        t0 = time.perf_counter()
        rtl = plugin.run(config.spec, config.stimulus, samples, seed=seed, backend="rtl")
        t1 = time.perf_counter()
        gold = golden_fn(config, samples, seed)
        t2 = time.perf_counter()
        cmp_ = compare_streams(gold, rtl)
        log(f"[verify]   {cmp_}")
        result.runs.append(VerifyRun(label, seed, samples, cmp_, t1 - t0, t2 - t1))
    return result


def write_report(result: VerifyResult, outdir) -> tuple[Path, Path]:
    """Write ``report.json`` and a self-contained ``report.html``."""
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    data = result.to_dict()
    jpath = out / "report.json"
    jpath.write_text(json.dumps(data, indent=2) + "\n")
    rows = []
    for r in data["runs"]:
        fm = r["first_mismatch"]
        detail = "identical" if r["ok"] else html.escape(
            f"{sum(r['mismatches'].values())} values differ; first at sample {fm['index']}: "
            f"{fm['signal']}{fm['element']} golden={fm['golden']} rtl={fm['rtl']}")
        rows.append(f"<tr class={'ok' if r['ok'] else 'bad'}><td>{html.escape(r['label'])}</td>"
                    f"<td>{r['samples']}</td><td>{sum(r['compared'].values())}</td><td>{detail}</td>"
                    f"<td>{r['rtl_samples_per_second'] or ''}</td></tr>")
    lint_html = ("clean" if data["lint"]["clean"] else
                 "<pre>" + html.escape("\n".join(data["lint"]["warnings"])) + "</pre>")
    verdict = "PASS" if data["ok"] else "FAIL"
    hpath = out / "report.html"
    hpath.write_text(f"""<!doctype html><html><head><meta charset="utf-8">
<title>spinemu verify: {html.escape(result.name)}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}td,th{{padding:.3em .8em;
border-bottom:1px solid #ccc}}.ok td:first-child{{border-left:4px solid #2a2}}
.bad td:first-child{{border-left:4px solid #c22}}.bad{{background:#fee}}</style></head><body>
<h1>{html.escape(result.name)}: {verdict}</h1>
<p>Core <code>{html.escape(result.kind)}</code>, top <code>{html.escape(result.top)}</code>.
Golden model vs the native Verilator model of the generated Verilog, compared sample for
sample with no tolerance.</p>
<h2>Bit-exact runs</h2>
<table><tr><th>run</th><th>samples</th><th>values compared</th><th>result</th><th>RTL samples/s</th></tr>
{''.join(rows)}</table>
<h2>Lint (verilator --lint-only -Wall)</h2><p>{lint_html}</p>
</body></html>
""")
    return jpath, hpath


