"""``spinemu verify``: prove a generated design bit-exact with its golden model.

For each run (the reset state baked into the bitstream, then each requested seed
loaded through the register bus) the same stimulus drives the golden model and the
native Verilator model of the generated Verilog, and every sample is compared.
The Verilog is also linted with ``verilator --lint-only -Wall``.

Then the core's plugin may add fidelity sections (``fidelity(config, log=...)``):
the RTL, the fixed-point golden model and the float physics against known answers.
A fidelity section with ``ok = False`` fails the verification like a mismatch.
With ``synth_target`` set, a resource section from yosys is added.
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass, field
from pathlib import Path

from .compare import Comparison, compare_streams
from .config import Config
from .report import Section, render_html, write_json

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
    sections: list[Section] = field(default_factory=list)

    @property
    def bit_exact(self) -> bool:
        return all(r.comparison.ok for r in self.runs)

    @property
    def ok(self) -> bool:
        return (not self.lint_warnings and self.bit_exact
                and all(s.ok is not False for s in self.sections))

    def to_dict(self) -> dict:
        return {
            "name": self.name, "kind": self.kind, "top": self.top, "ok": self.ok,
            "bit_exact": self.bit_exact,
            "lint": {"clean": not self.lint_warnings, "warnings": self.lint_warnings},
            "runs": [{
                "label": r.label, "seed": r.seed, "samples": r.samples,
                "rtl_seconds": round(r.rtl_seconds, 4), "golden_seconds": round(r.golden_seconds, 4),
                "rtl_samples_per_second": round(r.samples / r.rtl_seconds) if r.rtl_seconds else None,
                **r.comparison.to_dict(),
            } for r in self.runs],
            "fidelity": [s.to_dict() for s in self.sections],
        }


def _resource_section(config: Config, target: str, log) -> Section:
    from .synth import estimate, flips_per_ns, pbit_update_rate

    log(f"[verify] resource estimate with yosys ({target}); the first call compiles the tools")
    res = estimate(config.spec, target=target)
    rows = [["resource", "used", "available on " + res.device],
            ["LUT", res.lut, res.device_info.lut], ["FF", res.ff, res.device_info.ff],
            ["DSP", res.dsp, res.device_info.dsp], ["BRAM", res.bram, res.device_info.bram]]
    metrics = {"fmax_mhz": res.fmax_mhz}
    rate = pbit_update_rate(config.spec)
    if rate is not None and res.fmax_mhz:
        metrics["flips_per_ns"] = round(flips_per_ns(rate[0], res.fmax_mhz, rate[1]), 3)
    return Section(title=f"Resources ({target}, {res.device})", table=rows, metrics=metrics,
                   text="yosys estimate of the generated Verilog (LUT counts include inverters: "
                        "an upper bound).")


def _cocotb_section(config: Config, folder) -> Section:
    """Generate ``config`` with its testbench into ``folder``, run it, and report each test."""
    from ..sw.cocotb_bus import read_last_run
    from .artifacts import generate
    from .cocotb_run import CocotbRunError
    from .testbench import TB_DIR, run_testbench

    title = "cocotb testbench (Verilator)"
    tb = Path(folder) / TB_DIR
    generate(config, folder, testbench=True)
    try:
        res = run_testbench(tb)
    except CocotbRunError as exc:  # a crash or a timeout is a failed section, not a traceback
        return Section(title=title, text=str(exc), ok=False)
    rows = [["test", "result", "simulated time (us)", "message"]]
    rows += [[t.name, "PASS" if t.passed else "FAIL", round(t.sim_time_ns / 1000, 1), t.message]
             for t in res.tests]
    metrics = {"tests": res.n_tests, "failed": len(res.failures)}
    run = read_last_run(tb)  # what test_workload measured
    if run is not None:
        metrics.update({"golden vs RTL": run["comparison"], "clocks": run["clocks"],
                        "bus transactions": run["bus_transactions"],
                        "stream stall clocks": ", ".join(f"{k} {v}" for k, v in run["stream_stalls"].items())
                        or "no streams"})
    return Section(
        title=title,
        text=f"The testbench spinemu gen writes ({tb}), run on the generated Verilog: "
             "the core's workload through its AXI4-Lite driver (cocotbext-axi), streams drained with "
             "random backpressure, against the golden vectors stored beside it. Rerun it with "
             f"python {tb / 'run.py'}.",
        table=rows, metrics=metrics, ok=res.passed)


def verify(config: Config, *, samples: int = 100_000, seeds=(12345,), golden_fn=None,
           log=print, fidelity: bool = True, synth_target: str | None = None,
           progress: bool = False, cocotb_dir=None) -> VerifyResult:
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
    fidelity : bool
        Add the plugin's fidelity sections (plots against physics and known answers).
    synth_target : {"xc7", "ecp5"} or None
        Add a resource section estimated with yosys.
    progress : bool
        Show a bar with the elapsed time of each long step (:mod:`.progress`).
    cocotb_dir : path or None
        Generate the design with its cocotb testbench there (``spinemu gen``'s output)
        and run the testbench under Verilator; a section reports each test.
    """
    from .cores import plugin_for_kind
    from .native import lint
    from .progress import activity
    from .verilog import design_for_spec

    plugin = plugin_for_kind(config.kind)

    def golden(cfg, n, seed):
        return plugin.run(cfg.spec, cfg.stimulus, n, seed=seed, backend="golden")

    golden_fn = golden_fn or golden
    quiet = not progress
    with activity(f"{config.name}: generating Verilog", quiet=quiet):
        # (a plugin's `designs` gives several tops, as the devices of a p-bit machine)
        many = getattr(plugin, "designs", None)
        designs = many(config.spec, config.stimulus) if many else [design_for_spec(config.spec)]
    names = ", ".join(sorted({f"{d.top}.v" for d in designs}))
    count = f" ({len(designs)} devices)" if len(designs) > 1 else ""
    log(f"[verify] {config.name}: linting {names}{count} with verilator -Wall")
    warnings = []
    with activity("verilator --lint-only -Wall", quiet=quiet):
        for design in designs:
            warnings += lint(design)
    result = VerifyResult(name=config.name, kind=config.kind, top=designs[0].top, lint_warnings=warnings)
    runs = (None, *seeds)
    for k, seed in enumerate(runs, 1):
        label = "reset state" if seed is None else f"seed {seed} loaded over the bus"
        log(f"[verify] run {k}/{len(runs)}, {label}: {samples} samples, golden vs RTL (native Verilator)")
        t0 = time.perf_counter()
        with activity(f"run {k}/{len(runs)}: RTL ({samples:,} samples; built on first use)", quiet=quiet):
            rtl = plugin.run(config.spec, config.stimulus, samples, seed=seed, backend="rtl")
        t1 = time.perf_counter()
        with activity(f"run {k}/{len(runs)}: golden model", quiet=quiet):
            gold = golden_fn(config, samples, seed)
        t2 = time.perf_counter()
        cmp_ = compare_streams(gold, rtl)
        log(f"[verify]   {cmp_}")
        result.runs.append(VerifyRun(label, seed, samples, cmp_, t1 - t0, t2 - t1))
    if fidelity and hasattr(plugin, "fidelity"):
        log("[verify] fidelity: RTL and golden model against physics and known answers")
        with activity("fidelity sections", quiet=quiet):
            result.sections.extend(plugin.fidelity(config, log=log))
        for s in result.sections:
            if s.ok is not None:
                log(f"[verify]   {s.title}: {'PASS' if s.ok else 'FAIL'}")
    if cocotb_dir is not None:
        log(f"[verify] cocotb testbench: generating {cocotb_dir} and running tb/run.py (Verilator)")
        with activity("cocotb testbench (Verilator; built on first use)", quiet=quiet):
            result.sections.append(_cocotb_section(config, cocotb_dir))
        log(f"[verify]   {result.sections[-1].title}: {'PASS' if result.sections[-1].ok else 'FAIL'}")
    if synth_target:
        with activity(f"yosys estimate ({synth_target})", quiet=quiet):
            result.sections.append(_resource_section(config, synth_target, log))
    return result


def _badge(ok: bool) -> str:
    return "<span class=pass>PASS</span>" if ok else "<span class=fail>FAIL</span>"


def _summary_html(result: VerifyResult, data: dict) -> str:
    rows = []
    for r in data["runs"]:
        fm = r["first_mismatch"]
        detail = "identical" if r["ok"] else html.escape(
            f"{sum(r['mismatches'].values())} values differ; first at {r['index_name']} {fm['index']}: "
            f"{fm['signal']}{fm['element']} golden={fm['golden']} rtl={fm['rtl']}")
        rows.append(f"<tr class={'ok' if r['ok'] else 'bad'}><td>{html.escape(r['label'])}</td>"
                    f"<td>{r['samples']}</td><td>{html.escape(', '.join(r['compared']))}</td>"
                    f"<td>{sum(r['compared'].values())}</td><td>{detail}</td>"
                    f"<td>{r['rtl_samples_per_second'] or ''}</td></tr>")
    lint_html = ("clean (waivers with reasons in spinemu.gen.native.LINT_WAIVERS)" if data["lint"]["clean"]
                 else "<pre>" + html.escape("\n".join(data["lint"]["warnings"])) + "</pre>")
    verdict = "<span class=pass>PASS</span>" if data["ok"] else "<span class=fail>FAIL</span>"
    return f"""<h1>{html.escape(result.name)} {verdict}</h1>
<p>Core <code>{html.escape(result.kind)}</code>, top <code>{html.escape(result.top)}</code>.
The golden model and the native Verilator model of the generated Verilog run the same
stimulus and are compared sample for sample with no tolerance.</p>
<h2>Bit-exact runs {_badge(data['bit_exact'])}</h2>
<table><tr><th>run</th><th>samples</th><th>streams</th><th>values compared</th><th>result</th>
<th>RTL samples/s</th></tr>{''.join(rows)}</table>
<h2>Lint (verilator --lint-only -Wall)</h2><p>{lint_html}</p>"""


def write_report(result: VerifyResult, outdir) -> tuple[Path, Path]:
    """Write ``report.json`` and a self-contained ``report.html``."""
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    data = result.to_dict()
    jpath = out / "report.json"
    write_json(jpath, data)
    hpath = out / "report.html"
    hpath.write_text(render_html(f"spinemu verify: {result.name}", _summary_html(result, data),
                                 result.sections))
    return jpath, hpath
