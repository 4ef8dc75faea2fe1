"""Fidelity of a partitioned p-bit machine: does splitting it change how it anneals?

For a problem, :func:`partition_study` anneals the monolithic machine and the machine
split over ``K`` devices (:func:`~spinemu.sim_golden.pbit_net_partition.partition_network`)
at several exchange periods ``E`` (``η = 1 / E`` boundary refreshes per color phase),
under the same geometric schedule (β 0.1 -> 3) and the same seeds, for runs of
``t`` sweeps, and measures the residual energy per spin ``ρ(t) = (<E(t)> - E_0) / n``
(``E_0`` the lowest energy any run found: residual energies are then upper bounds).
It fits ``ρ(t) ~ t^-κ`` (least squares in log-log, with the standard error of κ).

Two thresholds, each the smallest η tested from which up every ``K`` passes:

* **exponent**: κ within two standard errors of the monolithic κ;
* **residual energy**: the largest gap ``|ρ - ρ_mono|`` over the run lengths within two
  of its standard errors (both means over independent reads): run-to-run noise.

Stale ghosts can keep the exponent yet raise ρ itself, so the second is the stricter.

Used by ``benchmarks/bench_partition.py`` (3D ±J glasses L = 8 and 16, a 2D glass) and
by ``spinemu verify`` of a ``[machine]`` config (:func:`machine_section`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..sim_golden.pbit_net import BetaRegisters, PBitNetGolden, quantized_energy
from ..sim_golden.pbit_net_partition import Exchange, partition_network
from ..sim_golden.pbit_net_spec import PBitNetSpec
from .report import Section, figure_from_matplotlib, have_matplotlib

__all__ = ["StudyRow", "PartitionStudy", "ising_spec", "partition_study", "study_table", "machine_section",
           "BETA_RANGE"]  # fmt: skip

#: The annealing schedule of every run (geometric).
BETA_RANGE = (0.1, 3.0)


@dataclass
class StudyRow:
    """One machine of a study: ``devices = 1`` is the monolithic one."""

    label: str
    devices: int
    eta: float | None
    rho: np.ndarray  # residual energy per spin at each run length
    sem: np.ndarray  # its standard error
    kappa: float
    kappa_err: float
    gap: float = 0.0  # largest |rho - rho_mono| / (combined standard error)


@dataclass
class PartitionStudy:
    """Result of :func:`partition_study`."""

    name: str
    n: int
    colors: int
    sweeps: tuple
    reads: int
    ground: float
    rows: list
    threshold: float | None
    energy_threshold: float | None

    @property
    def monolithic(self) -> StudyRow:
        return self.rows[0]


def ising_spec(problem, **hardware) -> tuple[PBitNetSpec, np.ndarray, np.ndarray]:
    """``(spec, h_q, j_q)`` of an integer-valued :class:`~spinemu.sim_golden.problems.IsingProblem`
    (``frac_bits = 0``: a ±J glass is exact)."""
    spec = PBitNetSpec(n=problem.n, edges=tuple(map(tuple, problem.edges.tolist())), frac_bits=0, **hardware)
    j = np.zeros(spec.num_edges)
    for (a, b), w in zip(problem.edges.tolist(), problem.weights, strict=True):
        j[spec.edge_index[(a, b)]] = w
    h_q = spec.quantize(np.asarray(problem.h, float), spec.h_bits, "h")
    return spec, h_q, spec.quantize(j, spec.j_bits, "J")


def _final_energies(spec, h_q, j_q, exchange, t: int, reads: int) -> np.ndarray:
    beta = BetaRegisters.from_dict(spec.beta_registers("geometric", BETA_RANGE, t))
    init = np.where(np.random.default_rng(t).random((reads, spec.n)) < 0.5, 1, -1)
    run = PBitNetGolden(spec, seed=t, kernel="numpy" if exchange else "auto").run(
        h_q, j_q, num_sweeps=t, beta=beta, num_reads=reads, initial_states=init, exchange=exchange
    )
    return quantized_energy(spec, h_q, j_q, run.states) / float(1 << spec.frac_bits)


def _fit(sweeps, rho) -> tuple[float, float]:
    ok = rho > 0
    if ok.sum() < 3:
        return float("nan"), float("nan")
    (slope, _), cov = np.polyfit(np.log(np.asarray(sweeps, float)[ok]), np.log(rho[ok]), 1, cov=True)
    return float(-slope), float(np.sqrt(cov[0, 0]))


def partition_study(
    spec: PBitNetSpec,
    h_q,
    j_q,
    *,
    name: str,
    sweeps=(10, 30, 100, 300, 1000),
    reads: int = 16,
    periods=(1, 4, 16, 64),
    devices=(2, 4, 8),
    extra=None,
    log=lambda *a: None,
) -> PartitionStudy:
    """Anneal the monolithic machine and every ``devices`` x ``periods`` split of it.

    ``extra`` adds one more machine, ``(label, Exchange)`` (the configured one).
    """
    machines = [("monolithic", 1, None)]
    for K in devices:
        part = partition_network(spec, K)
        machines += [(f"K = {K}, E = {e}", K, Exchange(part, period=e)) for e in periods]
    if extra is not None:
        label, ex = extra
        machines.append((label, ex.partition.devices, ex))
    energies = {}
    for label, _, ex in machines:
        log(f"[fidelity]   partition study, {name}: {label}")
        energies[label] = [_final_energies(spec, h_q, j_q, ex, t, reads) for t in sweeps]
    ground = min(float(np.min(e)) for es in energies.values() for e in es)
    rows = []
    for label, K, ex in machines:
        e = np.asarray(energies[label])  # (len(sweeps), reads)
        rho = (e.mean(axis=1) - ground) / spec.n
        sem = e.std(axis=1, ddof=1) / np.sqrt(reads) / spec.n
        kappa, err = _fit(sweeps, rho)
        rows.append(StudyRow(label, K, None if ex is None else 1 / ex.period, rho, sem, kappa, err))
    mono = rows[0]
    for row in rows[1:]:
        scale = np.hypot(row.sem, mono.sem)
        row.gap = float(np.max(np.abs(row.rho - mono.rho) / np.where(scale > 0, scale, np.inf)))
    thresholds = []
    for same in (
        lambda r: abs(r.kappa - mono.kappa) <= 2 * np.hypot(r.kappa_err, mono.kappa_err),  # exponent
        lambda r: r.gap <= 2,  # residual energy at every run length
    ):
        found = None
        for e in sorted(periods, reverse=True):  # from the slowest exchange up
            group = [r for r in rows if r.label in {f"K = {K}, E = {e}" for K in devices}]
            if all(same(r) for r in group):
                found = 1 / e
                break
        thresholds.append(found)
    return PartitionStudy(name, spec.n, spec.num_colors, tuple(sweeps), reads, ground, rows, *thresholds)


def study_table(study: PartitionStudy) -> list[list]:
    """Rows (header first): machine, η, ρ at each run length, κ ± s.e., largest gap."""
    head = ["machine", "η", *(f"ρ, t = {t}" for t in study.sweeps), "κ ± s.e.", "max |Δρ| / σ"]
    out = [head]
    for r in study.rows:
        eta = "-" if r.eta is None else f"{r.eta:.3g}"
        gap = "-" if r.devices == 1 else f"{r.gap:.1f}"
        out.append([r.label, eta, *(f"{x:.4f}" for x in r.rho), f"{r.kappa:.3f} ± {r.kappa_err:.3f}", gap])
    return out


def _plot(study: PartitionStudy, highlight: str | None):
    from matplotlib.figure import Figure as MplFigure

    fig = MplFigure(figsize=(8, 4.5))
    ax = fig.subplots()
    t = np.asarray(study.sweeps)
    etas = sorted({r.eta for r in study.rows if r.eta is not None}, reverse=True)
    cmap = {eta: c for eta, c in zip(etas, ("tab:blue", "tab:orange", "tab:red", "tab:purple", "tab:brown"),
                                      strict=False)}  # fmt: skip
    marks = {2: "o", 4: "s", 8: "^"}
    for r in study.rows:
        if r.devices == 1:
            ax.errorbar(t, r.rho, yerr=r.sem, color="k", lw=2.2, zorder=5,
                        label=f"monolithic (κ = {r.kappa:.2f})")  # fmt: skip
        elif r.label == highlight:
            ax.errorbar(t, r.rho, yerr=r.sem, color="tab:green", lw=2, ls="--",
                        label=f"{r.label} (this config)")  # fmt: skip
        else:
            ax.plot(t, r.rho, color=cmap.get(r.eta, "0.5"), marker=marks.get(r.devices, "x"), lw=0.8, ms=4,
                    alpha=0.8, label=f"{r.label} (κ = {r.kappa:.2f})")  # fmt: skip
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("sweeps t")
    ax.set_ylabel("residual energy per spin ρ(t)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=6.5, ncol=2, loc="lower left")
    return fig


def machine_section(config, *, log=print, sweeps=(10, 30, 100, 300), reads: int = 16, periods=(1, 2, 4, 16),
                    devices=(2, 4, 8)) -> Section | None:  # fmt: skip
    """The verify-report section of a ``[machine]`` config: the study on its own problem,
    with its machine as an extra row (``None`` without a machine)."""
    machine = config.stimulus.get("machine") if isinstance(config.stimulus, dict) else None
    if machine is None:
        return None
    spec, stim = config.spec, config.stimulus
    K, E, D = machine.partition.devices, machine.period, machine.latency
    label = f"K = {K}, E = {E}, D = {D}"
    log(f"[fidelity] partitioned machine: {label} against the monolithic machine and K = 2, 4, 8")
    study = partition_study(spec, stim["h_q"], stim["j_q"], name=config.name, sweeps=sweeps, reads=reads,
                            periods=periods, devices=devices, extra=(label, machine), log=log)  # fmt: skip
    mine = study.rows[-1]
    mono = study.monolithic
    within = abs(mine.kappa - mono.kappa) <= 2 * np.hypot(mine.kappa_err, mono.kappa_err)
    def _eta(x):
        return "none of the η tested" if x is None else f"η = {x:.3g}"

    text = (
        f"Residual energy per spin after annealing runs of t sweeps (geometric β {BETA_RANGE[0]} → "
        f"{BETA_RANGE[1]}, {reads} reads each, golden model of the partitioned machine), for the "
        f"monolithic machine and splits into K = {', '.join(map(str, devices))} devices refreshing "
        f"their ghosts every E color phases (η = 1/E), and for this config's machine. ρ is measured "
        f"from the lowest energy any run found ({study.ground:.6g}). Every K keeps the monolithic "
        f"exponent κ = {mono.kappa:.3f} ± {mono.kappa_err:.3f} (within two standard errors) from "
        f"{_eta(study.threshold)} up, and its residual energy at every t (within two standard "
        f"errors) from {_eta(study.energy_threshold)} up. This config's machine ({label}, "
        f"η = {1 / E:.3g}) has κ = {mine.kappa:.3f} ± {mine.kappa_err:.3f}: "
        f"{'within' if within else 'outside'} two standard errors of the "
        f"monolithic machine; its largest residual-energy gap is {mine.gap:.1f} σ."
    )
    figures = []
    if have_matplotlib():
        figures.append(figure_from_matplotlib(
            _plot(study, label), "Residual energy against sweeps (log-log)",
            "Black: monolithic machine; colors: η; markers: K; dashed green: this config's machine.",
        ))  # fmt: skip
    metrics = {
        "kappa_monolithic": round(mono.kappa, 4),
        "kappa_machine": round(mine.kappa, 4),
        "eta_threshold_exponent": study.threshold,
        "eta_threshold_energy": study.energy_threshold,
        "machine_gap_sigma": round(mine.gap, 2),
    }
    return Section(title="Partitioned machine against the monolithic one", text=text, metrics=metrics,
                   table=study_table(study), figures=figures, ok=None)  # fmt: skip
