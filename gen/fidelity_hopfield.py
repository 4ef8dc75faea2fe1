"""Fidelity report of the Hopfield core: retrieval vs noise against theory, and the design's recall.

Two sections, both computed with the bit-exact golden model
(:class:`~spinemu.sim_golden.hopfield_fixed.HopfieldFixed`, which ``verify`` has just
proven identical to the RTL):

1. **Retrieval vs noise at N = 100, P = 10** (REFERENCE.md section 5: 0 %: 0.96,
   10 %: 0.945, 20 %: 0.90, 30 %: 0.66, 40 %: 0.16 exact retrieval, asynchronous
   Hebbian).  The config's hardware (levels, weight bits, quantization) is scaled to
   100 neurons three ways: ideal linear devices (``nonlinearity = 0``, ``spread = 0``:
   weights exactly ``4 (L-1)//P * sum xi xi``, i.e. Hebbian); the config's imperfect
   devices with open-loop Hebbian pulses; and the same devices after in-situ relearning
   with the on-chip ``LEARN`` engine (Borders 2017).  Many random pattern sets are
   averaged (one set alone is lumpy).  Pass: the ideal-device golden model agrees with
   the reference at every noise level within 4 standard errors, where the standard error
   is the larger of the set-to-set (cluster) one and the binomial
   ``sqrt(p_ref (1 - p_ref) / trials)``.  The device curves are reported, not judged:
   imperfect synapses degrade an open-loop memory (the physics the report shows).
2. **The configured design**: every stored pattern cued with ``0..flips`` bits flipped
   (all combinations when few, otherwise a random subset), on the configured devices
   open loop (the ``spinemu sim``/``verify`` workload), after in-situ relearning, and on
   ideal devices.  Reported, not judged.
"""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np

from ..sim_golden.hopfield_fixed import HopfieldFixed
from ..sim_golden.hopfield_spec import HopfieldSpec
from .report import Section, figure_from_matplotlib, have_matplotlib

__all__ = ["fidelity", "REFERENCE_RETRIEVAL", "retrieval_curve"]

#: Exact-retrieval probability vs fraction of flipped bits, N = 100, P = 10, async Hebbian.
REFERENCE_RETRIEVAL = {0.0: 0.96, 0.1: 0.945, 0.2: 0.90, 0.3: 0.66, 0.4: 0.16}
N_SIGMA = 4.0
_N, _P = 100, 10


def _store(spec: HopfieldSpec, xi: np.ndarray) -> HopfieldFixed:
    """Open-loop Hebbian store, as the core's workload does it (CLEAR, one HEBB per pattern)."""
    m = HopfieldFixed(spec)
    m.clear()
    amp = spec.level_max // len(xi)
    for x in xi:
        m.load_state(x)
        m.hebb(amp)
    return m


def _relearn(m: HopfieldFixed, xi: np.ndarray, max_iters: int = 20) -> int:
    """In-situ relearning with ``LEARN`` until every pattern is stable; returns the rounds."""
    for it in range(max_iters):
        counts = []
        for x in xi:
            m.load_state(x)
            counts.append(m.learn(1))
        if not any(counts):
            return it
    return max_iters


def _recall_ok(m: HopfieldFixed, cue, target, mode="async", max_sweeps=100) -> bool:
    m.load_state(cue)
    return bool(np.array_equal(m.recall(mode, max_sweeps).state, target))


def retrieval_curve(spec: HopfieldSpec, noises, *, sets: int, probes: int, seed=0, relearn=False):
    """Exact-retrieval fraction vs noise on the golden model, averaged over random pattern sets.

    Parameters
    ----------
    spec : HopfieldSpec
        The network (``n_neurons`` neurons; ``P = 10`` patterns are stored).
    noises : sequence of float
        Fractions of bits flipped in each cue.
    sets, probes : int
        Random pattern sets, and cues per set and noise level (pattern ``k mod P``).
    seed : int
        Seed of patterns and cues.
    relearn : bool
        Apply in-situ ``LEARN`` rounds after the open-loop store.

    Returns
    -------
    mean, per_set : ndarray of shape (len(noises),) and (len(noises), sets)
    """
    rng = np.random.default_rng(seed)
    n = spec.n_neurons
    per_set = np.zeros((len(noises), sets))
    for s in range(sets):
        xi = rng.choice(np.array([-1, 1], dtype=np.int8), size=(_P, n))
        m = _store(spec, xi)
        if relearn:
            _relearn(m, xi)
        for a, nz in enumerate(noises):
            hits = 0
            for k in range(probes):
                cue = xi[k % _P].copy()
                idx = rng.choice(n, size=int(round(nz * n)), replace=False)
                cue[idx] = -cue[idx]
                hits += _recall_ok(m, cue, xi[k % _P])
            per_set[a, s] = hits / probes
    return per_set.mean(axis=1), per_set


def _scaled(spec: HopfieldSpec, **kw) -> HopfieldSpec:
    # N = 100 needs (L - 1) // P >= 1 pulse per pattern: at least P + 1 levels.
    return dataclasses.replace(spec, n_neurons=_N, n_levels=max(spec.n_levels, _P + 1), **kw)


def _noise_section(spec: HopfieldSpec, log, sets: int, probes: int) -> Section:
    noises = sorted(REFERENCE_RETRIEVAL)
    ref = np.array([REFERENCE_RETRIEVAL[x] for x in noises])
    curves = {}
    variants = (
        ("ideal devices", _scaled(spec, nonlinearity=0.0, spread=0.0), False),
        ("configured devices, open loop", _scaled(spec), False),
        ("configured devices, in-situ relearned", _scaled(spec), True),
    )
    for label, sp, relearn in variants:
        log(f"[fidelity]   N={_N}, P={_P}, {label}: {sets} sets x {probes} cues x {len(noises)} noise levels")
        curves[label] = retrieval_curve(sp, noises, sets=sets, probes=probes, seed=0, relearn=relearn)
    mean, per_set = curves["ideal devices"]
    se_cluster = per_set.std(axis=1, ddof=1) / math.sqrt(sets)
    se_binom = np.sqrt(ref * (1 - ref) / (sets * probes))
    se = np.maximum(se_cluster, se_binom)
    z = (mean - ref) / se
    ok = bool(np.all(np.abs(z) <= N_SIGMA))
    head = [
        "noise",
        "reference",
        "ideal devices (± SE)",
        "z",
        "pass",
        "devices open loop",
        "devices relearned",
    ]
    table = [head]
    for a, nz in enumerate(noises):
        table.append(
            [
                f"{nz:.0%}",
                f"{ref[a]:.3f}",
                f"{mean[a]:.3f} ± {se[a]:.3f}",
                f"{z[a]:+.2f}",
                "yes" if abs(z[a]) <= N_SIGMA else "NO",
                f"{curves['configured devices, open loop'][0][a]:.3f}",
                f"{curves['configured devices, in-situ relearned'][0][a]:.3f}",
            ]
        )
    metrics = {
        "trials_per_point": sets * probes,
        "pattern_sets": sets,
        "max_abs_z_ideal_vs_reference": round(float(np.max(np.abs(z))), 3),
        "retrieval_10pct_ideal": round(float(mean[1]), 4),
        "retrieval_10pct_devices_open_loop": round(float(curves["configured devices, open loop"][0][1]), 4),
        "retrieval_10pct_devices_relearned": round(
            float(curves["configured devices, in-situ relearned"][0][1]), 4
        ),
    }
    log(f"[fidelity]   ideal devices vs reference: max |z| = {metrics['max_abs_z_ideal_vs_reference']}")
    figures = []
    if have_matplotlib():
        from matplotlib.figure import Figure as MplFigure

        fig = MplFigure(figsize=(7, 4.5))
        ax = fig.subplots()
        x = 100 * np.array(noises)
        ax.plot(x, ref, "k-s", lw=2, label="REFERENCE.md (async Hebbian)")
        ax.errorbar(
            x,
            mean,
            yerr=N_SIGMA * se,
            fmt="o-",
            color="tab:green",
            capsize=3,
            label=f"golden, ideal devices (±{N_SIGMA:g} SE)",
        )
        ax.plot(
            x,
            curves["configured devices, open loop"][0],
            "v--",
            color="tab:red",
            label="golden, configured devices, open loop",
        )
        ax.plot(
            x,
            curves["configured devices, in-situ relearned"][0],
            "^--",
            color="tab:blue",
            label="golden, configured devices, relearned (LEARN)",
        )
        ax.set_xlabel("bits flipped in the cue (%)")
        ax.set_ylabel("exact retrieval")
        ax.set_ylim(-0.03, 1.03)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
        figures.append(
            figure_from_matplotlib(
                fig,
                f"Retrieval vs noise, N = {_N}, P = {_P}",
                f"{sets} random pattern sets x {probes} cues per point on the bit-exact golden model "
                "with the config's levels and weight format scaled to 100 neurons.",
            )
        )
    sp = variants[1][1]
    return Section(
        title=f"Hopfield: retrieval vs noise (N = {_N}, P = {_P})",
        text=(
            f"Golden fixed-point model at N = {_N} with the config's hardware ({sp.n_levels} levels, "
            f"{sp.weight_bits}-bit weights, nonlinearity {spec.nonlinearity:g}, spread {spec.spread:g}). "
            f"Pass: with ideal devices the exact-retrieval fraction matches REFERENCE.md within "
            f"{N_SIGMA:g} SE at every noise level (SE = max(set-to-set, binomial)). The device curves "
            "are informative: open-loop Hebbian pulses on nonlinear, non-uniform devices lose patterns; "
            "in-situ relearning restores them."
        ),
        metrics=metrics,
        table=table,
        figures=figures,
        ok=ok,
    )


def _cues(pattern: np.ndarray, flips: int, rng, limit: int = 200):
    """All cues with exactly ``flips`` bits flipped (a random ``limit`` of them if more)."""
    n = pattern.size
    if math.comb(n, flips) <= limit:
        sets = [list(c) for c in itertools.combinations(range(n), flips)]
    else:
        sets = [rng.choice(n, size=flips, replace=False) for _ in range(limit)]
    out = []
    for idx in sets:
        c = pattern.copy()
        c[idx] = -c[idx]
        out.append(c)
    return out


def _design_section(spec: HopfieldSpec, stimulus: dict, log) -> Section:
    xi = np.asarray(stimulus["patterns"], dtype=np.int8)
    flips, mode, max_sweeps = stimulus["flips"], stimulus["mode"], stimulus["max_sweeps"]
    log(f"[fidelity]   configured design: {len(xi)} patterns, cues with 0..{flips} bits flipped ({mode})")
    rng = np.random.default_rng(0)
    cues = {k: [_cues(x, k, rng) for x in xi] for k in range(flips + 1)}
    machines = {"open loop": _store(spec, xi)}
    m_re = _store(spec, xi)
    rounds = _relearn(m_re, xi)
    machines["relearned"] = m_re
    machines["ideal devices"] = _store(dataclasses.replace(spec, nonlinearity=0.0, spread=0.0), xi)
    res = {}
    for name, m in machines.items():
        res[name] = np.array(
            [
                [
                    np.mean([_recall_ok(m, c, x, mode, max_sweeps) for c in cues[k][mu]])
                    for mu, x in enumerate(xi)
                ]
                for k in range(flips + 1)
            ]
        )
    table = [["flipped bits", "pattern", *machines]]
    for k in range(flips + 1):
        for mu in range(len(xi)):
            table.append([k, mu, *(f"{res[name][k, mu]:.3f}" for name in machines)])
    stable = {name: int(sum(_recall_ok(m, x, x, mode, 1) for x in xi)) for name, m in machines.items()}
    metrics = {
        "patterns": len(xi),
        "stable_patterns_open_loop": stable["open loop"],
        "stable_patterns_relearned": stable["relearned"],
        "stable_patterns_ideal_devices": stable["ideal devices"],
        "relearning_rounds": rounds,
        **{
            f"recall_{flips}_flips_{name.replace(' ', '_')}": round(float(res[name][flips].mean()), 4)
            for name in machines
        },
    }
    figures = []
    if have_matplotlib():
        from matplotlib.figure import Figure as MplFigure

        fig = MplFigure(figsize=(7, 3.8))
        ax = fig.subplots()
        width = 0.8 / len(machines)
        labels = [f"{k} flipped\npattern {mu}" for k in range(flips + 1) for mu in range(len(xi))]
        pos = np.arange(len(labels))
        for j, name in enumerate(machines):
            ax.bar(pos + (j - (len(machines) - 1) / 2) * width, res[name].reshape(-1), width, label=name)
        ax.set_xticks(pos, labels, fontsize=7)
        ax.set_ylabel("exact recall")
        ax.set_ylim(0, 1.05)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3, axis="y")
        figures.append(
            figure_from_matplotlib(
                fig,
                "Configured design: recall of its stored patterns",
                f"Golden model of the configured core ({spec.n_neurons} neurons); every cue with the given "
                "number of flipped bits (up to 200 per pattern).",
            )
        )
    return Section(
        title="Hopfield: recall of the configured design's patterns",
        text=(
            f"{len(xi)} stored patterns on {spec.n_neurons} neurons, open-loop Hebbian (the sim/verify "
            f"workload), after {rounds} in-situ LEARN rounds, and on ideal devices. Reported, not judged: "
            "whether imperfect devices hold the patterns open loop is a property of the devices."
        ),
        metrics=metrics,
        table=table,
        figures=figures,
        ok=None,
    )


def fidelity(config, *, log=print, sets: int = 20, probes: int = 20) -> list[Section]:
    """Fidelity sections of a Hopfield config (see the module docstring).

    Parameters
    ----------
    config : Config
        A ``kind = "hopfield"`` config.
    log : callable
        Progress messages.
    sets, probes : int
        Random pattern sets at N = 100, and cues per set and noise level (>= 2 each).

    Returns
    -------
    list of Section
    """
    spec = config.spec
    if not isinstance(spec, HopfieldSpec):
        raise TypeError(f"config.spec must be a HopfieldSpec, not {type(spec).__name__}")
    for name, v in (("sets", sets), ("probes", probes)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 2:
            raise ValueError(f"{name} must be an integer >= 2, not {v!r}")
    log(f"[fidelity] Hopfield: retrieval vs noise at N = {_N}, P = {_P} (golden fixed point)")
    return [_noise_section(spec, log, sets, probes), _design_section(spec, config.stimulus, log)]
