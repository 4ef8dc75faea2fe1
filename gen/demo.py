"""``spinemu demo``: the three cores, generated for a board, verified, and put to work.

For each core (p-bit network, STNO reservoir, Hopfield memory) the demo

1. generates the Verilog, register map and Vivado project for the board (PYNQ-Z2 by
   default; Vivado itself is not needed to write the scripts),
2. verifies the RTL bit-exact against the golden model and checks fidelity
   (``spinemu verify``: report.html and report.json per core),
3. runs a small workload on the RTL (native Verilator model, through the register
   bus): an annealed invertible multiplier that factors a number, a NARMA10
   prediction, and a Hopfield recall of corrupted patterns,

and writes ``report.html`` linking the three reports with the workload results.
"""

from __future__ import annotations

import collections
import html
import json
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["DemoCore", "run_demo", "PBIT_CONFIG", "RESERVOIR_CONFIG", "HOPFIELD_CONFIG"]

#: Product the p-bit demo factors with a 3x3-bit invertible multiplier.
FACTOR_TARGET = 35

PBIT_CONFIG = """\
name = "pbit_factor35"
[core]
kind = "pbit"
[problem]
type = "bqm-json"          # the 3x3 multiplier with its product clamped (written by the demo)
file = "multiplier_3x3_p35.json"
[pbit]
seed = 1
[anneal]
beta = 1.0
"""

RESERVOIR_CONFIG = """\
name = "stno_reservoir"
[core]
kind = "reservoir"
[reservoir]
n_virtual = 32
theta = 60e-9
zeta_dc = 2.2
input_scaling = 0.2
feedback = 4.0
mask_kind = "real"
mask_seed = 0
readout = true
[stimulus]
signal = "uniform"
low = -1.0
high = 1.0
seed = 1
weights_seed = 1
"""

HOPFIELD_CONFIG = """\
name = "hopfield_letters"
[core]
kind = "hopfield"
[hopfield]
n_neurons = 9
lanes = 2
n_levels = 16
weight_bits = 10
nonlinearity = 3.0
spread = 0.5
device_seed = 3
order_seed = 0
[stimulus]
patterns = [
  [1, -1, 1, -1, 1, -1, 1, -1, 1],
  [1, 1, 1, -1, 1, -1, -1, 1, -1],
  [1, -1, -1, 1, -1, -1, 1, 1, 1],
]
flips = 1
mode = "async"
max_sweeps = 50
"""

LETTERS = {"X": 0, "T": 1, "L": 2}


@dataclass
class DemoCore:
    """What the demo did for one core."""

    name: str
    kind: str
    verified: bool
    report: str
    workload: str
    results: dict = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.verified and bool(self.results.get("ok", True))


def _factor_bqm():
    from ..sw.logic import multiplier

    bqm = multiplier(3, 3)
    bqm.fix_variables({f"p{k}": 1 if (FACTOR_TARGET >> k) & 1 else -1 for k in range(6)})
    return bqm


def _workload_pbit(log) -> dict:
    from ..sw.pbit_sampler import PBitSampler

    bqm = _factor_bqm()
    kw = dict(num_reads=100, num_sweeps=1000, beta_range=(0.2, 1.5), beta_schedule_type="linear", seed=5)
    log(f"[demo] p-bit: annealing the 3x3 multiplier with p = {FACTOR_TARGET} clamped, "
        f"{kw['num_reads']} reads x {kw['num_sweeps']} sweeps on the RTL")
    ss = PBitSampler(backend="rtl").sample(bqm, **kw)
    col = {v: k for k, v in enumerate(ss.variables)}
    s = ss.record.sample
    a = sum(((s[:, col[f"a{i}"]] + 1) // 2) << i for i in range(3))
    b = sum(((s[:, col[f"b{i}"]] + 1) // 2) << i for i in range(3))
    counts = collections.Counter(zip(a.tolist(), b.tolist(), strict=True))
    (fa, fb), top = counts.most_common(1)[0]
    ok = fa * fb == FACTOR_TARGET
    return {"ok": ok, "product": FACTOR_TARGET, "most_frequent": [fa, fb], "count": top,
            "reads": kw["num_reads"],
            "top5": [[int(x), int(y), c] for (x, y), c in counts.most_common(5)],
            "summary": f"{FACTOR_TARGET} = {fa} x {fb} (most frequent input pair, {top} of "
                       f"{kw['num_reads']} reads){'' if ok else ' — NOT a factor pair'}"}


def _workload_reservoir(log) -> dict:
    from ..sim_golden.reservoir_float import ridge_fit, ridge_predict
    from ..sw.reservoir import STNOReservoir
    from ..sw.tasks import narma10, nrmse

    n_virtual, t_train, t_test = 50, 1200, 300
    u, y = narma10(t_train + t_test, seed=3)
    log(f"[demo] reservoir: NARMA10 with {n_virtual} virtual nodes, {t_train} training and "
        f"{t_test} test samples on the RTL")
    res = STNOReservoir(n_virtual, backend="rtl", seed=0)  # the tuned defaults (docs/reservoir_defaults.md)
    try:
        res.fit(u[:t_train], y[:t_train], ridge=1e-10, washout=100)
        pred = res.predict(u)[t_train:]
    finally:
        res.close()
    err = float(nrmse(y[t_train:], pred))
    # The baseline a reservoir must beat: the same ridge readout on the last ten inputs.
    taps = np.stack([np.roll(u, k) for k in range(10)], axis=1)
    w = ridge_fit(taps[100:t_train], y[100:t_train], 1e-10)
    base = float(nrmse(y[t_train:], ridge_predict(taps[t_train:], w)))
    ok = err < base
    return {"ok": ok, "n_virtual": n_virtual, "nrmse": round(err, 4),
            "nrmse_linear_10_inputs": round(base, 4),
            "summary": f"NARMA10 NRMSE {err:.3f} with {n_virtual} virtual nodes on the RTL, against "
                       f"{base:.3f} for a linear readout of the last ten inputs (400 nodes reach a "
                       "median of 0.098 on the golden model: make bench)"}


def _workload_hopfield(config, log) -> dict:
    from ..sw.hopfield import HopfieldNetwork

    pats = np.asarray(config.stimulus["patterns"], dtype=np.int8)
    rng = np.random.default_rng(11)
    log("[demo] hopfield: store X, T, L on imperfect synapses, relearn in situ, recall noisy cues on the RTL")
    net = HopfieldNetwork(9, backend="rtl", spec=config.spec, seed=0)
    try:
        report = net.train_in_situ(pats, max_iters=20)
        recalls = {}
        for name, k in LETTERS.items():
            cue = pats[k].copy()
            cue[rng.choice(9, size=1, replace=False)] *= -1
            r = net.recall(cue, max_sweeps=20, mode="async")
            recalls[name] = bool(np.array_equal(np.asarray(r.state), pats[k]))
    finally:
        net.close()
    ok = all(recalls.values())
    return {"ok": ok, "in_situ_iterations": int(report.iterations), "recalled": recalls,
            "summary": f"after {report.iterations} in-situ relearning round(s), 1-bit-corrupted cues "
                       f"recall {sum(recalls.values())}/3 letters ("
                       + ", ".join(f"{k}: {'yes' if v else 'no'}" for k, v in recalls.items()) + ")"}


def _one_core(text: str, out: Path, board: str, samples: int, log, extra_files=None) -> DemoCore:
    from .config import parse_config
    from .verify import verify, write_report
    from .vivado import write_vivado_project

    out.mkdir(parents=True, exist_ok=True)
    for name, content in (extra_files or {}).items():
        (out / name).write_text(content)
    cfg_path = out / "config.toml"
    cfg_path.write_text(text)
    config = parse_config(tomllib.loads(text), source=str(cfg_path))
    t0 = time.perf_counter()
    log(f"[demo] {config.name}: Verilog, register map and Vivado project for {board}")
    write_vivado_project(config, board, out / "build")
    result = verify(config, samples=samples, seeds=(7,), log=log)
    write_report(result, out / "verify")
    return DemoCore(name=config.name, kind=config.kind, verified=result.ok,
                    report=str((out / "verify" / "report.html").relative_to(out.parent)),
                    workload="", seconds=time.perf_counter() - t0), config


def run_demo(outdir, *, board: str = "pynq-z2", log=print) -> list[DemoCore]:
    """Run the demo into ``outdir``; return what each core did (see the module docstring)."""
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    cores = []

    bqm = _factor_bqm()
    core, _ = _one_core(PBIT_CONFIG, out / "pbit", board, 2000, log,
                        {"multiplier_3x3_p35.json": json.dumps(bqm.to_serializable())})
    t0 = time.perf_counter()
    core.workload, core.results = "annealed invertible multiplier (factoring)", _workload_pbit(log)
    core.seconds += time.perf_counter() - t0
    cores.append(core)

    core, _ = _one_core(RESERVOIR_CONFIG, out / "reservoir", board, 300, log)
    t0 = time.perf_counter()
    core.workload, core.results = "NARMA10 prediction", _workload_reservoir(log)
    core.seconds += time.perf_counter() - t0
    cores.append(core)

    core, config = _one_core(HOPFIELD_CONFIG, out / "hopfield", board, 100, log)
    t0 = time.perf_counter()
    core.workload, core.results = "associative recall", _workload_hopfield(config, log)
    core.seconds += time.perf_counter() - t0
    cores.append(core)

    _write_index(out, cores, board)
    return cores


def _write_index(out: Path, cores: list[DemoCore], board: str) -> None:
    rows = "".join(
        f"<tr><td>{html.escape(c.name)}</td><td>{html.escape(c.kind)}</td>"
        f"<td><a href=\"{html.escape(c.report)}\">{'PASS' if c.verified else 'FAIL'}</a></td>"
        f"<td>{html.escape(c.workload)}: {html.escape(c.results.get('summary', ''))}</td>"
        f"<td>{'PASS' if c.ok else 'FAIL'}</td><td>{c.seconds:.0f} s</td></tr>"
        for c in cores)
    verdict = all(c.ok for c in cores)
    (out / "report.html").write_text(f"""<!doctype html><html><head><meta charset="utf-8">
<title>spinemu demo</title><style>body{{font-family:sans-serif;max-width:64em;margin:2em auto}}
td,th{{padding:.3em .7em;border-bottom:1px solid #ccc;text-align:left;vertical-align:top}}</style>
</head><body><h1>spinemu demo: {'PASS' if verdict else 'FAIL'}</h1>
<p>Three cores generated for <b>{html.escape(board)}</b> (Verilog, register maps, Vivado
scripts under each core's <code>build/</code>; run its <code>build.sh</code> where Vivado is
installed), each verified bit-exact against its golden model with fidelity checks, and
each running a workload on its RTL through the register bus.</p>
<table><tr><th>design</th><th>core</th><th>verify report</th><th>workload</th><th>result</th>
<th>time</th></tr>{rows}</table></body></html>
""")
    (out / "demo.json").write_text(json.dumps(
        [{"name": c.name, "kind": c.kind, "verified": c.verified, "report": c.report,
          "workload": c.workload, "results": c.results, "seconds": round(c.seconds, 1)} for c in cores],
        indent=2, default=str) + "\n")
