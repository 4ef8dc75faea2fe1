"""Core plugin of ``kind = "hopfield"`` (see :mod:`spinemu.gen.cores`).

Config layout::

    name = "hopfield_letters"
    [core]
    kind = "hopfield"
    [hopfield]                 # HopfieldSpec fields
    n_neurons = 9
    lanes = 2
    n_levels = 16
    nonlinearity = 3.0
    spread = 0.5
    device_seed = 3
    [stimulus]
    patterns = [[1, -1, ...], ...]   # +-1 rows of n_neurons (default: 3 random, seed 0)
    flips = 1                        # bits flipped in each recall cue
    mode = "async"                   # or "sync"
    max_sweeps = 50

The workload (``spinemu sim``/``verify``): store the patterns with the on-chip Hebbian
engine, then one recall per sample (see :func:`spinemu.sw.hopfield.simulate_hopfield`).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..sim_golden.hopfield_spec import HopfieldSpec
from ..sim_golden.validate import SpecError
from .config import ConfigError, check_keys, require_table, where
from .fidelity_hopfield import fidelity

__all__ = [
    "KIND", "TABLES", "SPEC_TYPES", "parse", "top_name", "make_top", "run", "extras", "summary", "fidelity",
]

KIND = "hopfield"
TABLES = ("hopfield", "stimulus")
SPEC_TYPES = (HopfieldSpec,)


def parse(data: dict, source: str):
    """Validate ``[hopfield]`` and ``[stimulus]``; return ``(spec, stimulus)``."""
    table = require_table(data, "hopfield", source)
    fields = {f.name for f in dataclasses.fields(HopfieldSpec)}
    check_keys(table, fields, "hopfield.", source)
    if "n_neurons" not in table:
        raise ConfigError(f"{where(source)}missing key hopfield.n_neurons (the number of neurons)")
    try:
        spec = HopfieldSpec(**table)
    except SpecError as exc:
        raise ConfigError(f"{where(source)}hopfield.{exc}") from None

    stim = data.get("stimulus", {})
    if not isinstance(stim, dict):
        raise ConfigError(f"{where(source)}[stimulus] must be a table, not {stim!r}")
    check_keys(stim, {"patterns", "flips", "mode", "max_sweeps"}, "stimulus.", source)
    n = spec.n_neurons
    if "patterns" in stim:
        pats = stim["patterns"]
        if not isinstance(pats, list) or not pats or not all(isinstance(r, list) for r in pats):
            raise ConfigError(
                f"{where(source)}stimulus.patterns = {pats!r} is not allowed: expected a "
                f"list of rows of {n} values +1/-1"
            )
        for k, row in enumerate(pats):
            if len(row) != n or any(v not in (1, -1) or isinstance(v, bool) for v in row):
                raise ConfigError(
                    f"{where(source)}stimulus.patterns[{k}] = {row!r} is not allowed: "
                    f"expected {n} values +1/-1"
                )
        xi = np.array(pats, dtype=np.int8)
    else:
        xi = np.random.default_rng(0).choice(
            np.array([-1, 1], dtype=np.int8), size=(min(3, spec.max_patterns), n)
        )
    if len(xi) > spec.max_patterns:
        raise ConfigError(
            f"{where(source)}stimulus.patterns has {len(xi)} patterns, more than the "
            f"hardware holds ({spec.max_patterns} = n_levels - 1)"
        )
    flips = stim.get("flips", 1)
    if isinstance(flips, bool) or not isinstance(flips, int) or not 0 <= flips <= n:
        raise ConfigError(
            f"{where(source)}stimulus.flips = {flips!r} is not allowed: expected an integer in 0..{n}"
        )
    mode = stim.get("mode", "async")
    if mode not in ("async", "sync"):
        raise ConfigError(
            f"{where(source)}stimulus.mode = {mode!r} is not allowed: expected 'async' or 'sync'"
        )
    max_sweeps = stim.get("max_sweeps", 50)
    if isinstance(max_sweeps, bool) or not isinstance(max_sweeps, int) or not 1 <= max_sweeps < 1 << 16:
        raise ConfigError(
            f"{where(source)}stimulus.max_sweeps = {max_sweeps!r} is not allowed: "
            "expected an integer in 1..65535"
        )
    return spec, {"patterns": xi, "flips": flips, "mode": mode, "max_sweeps": max_sweeps}


def top_name(spec: HopfieldSpec) -> str:
    return "spinemu_hopfield"


def make_top(spec: HopfieldSpec):
    from ..hdl.hopfield import HopfieldTop

    return HopfieldTop(spec=spec)


def run(spec: HopfieldSpec, stimulus: dict, samples: int, *, seed=None, backend="golden"):
    from ..sw.hopfield import simulate_hopfield

    return simulate_hopfield(spec, stimulus, samples, seed=seed, backend=backend)


def extras(spec: HopfieldSpec, stimulus: dict):
    return {"patterns": np.asarray(stimulus["patterns"], dtype=np.int8)}


def summary(spec: HopfieldSpec, stimulus: dict, streams: dict) -> list[str]:
    xi = np.asarray(stimulus["patterns"])
    states = streams["state"]
    target = xi[np.arange(len(states)) % len(xi)]
    exact = np.all(states == target, axis=1)
    return [
        f"exact recall: {exact.mean():.4f} of {len(states)} cues ({stimulus['flips']} bits flipped, "
        f"{stimulus['mode']})",
        f"mean sweeps: {streams['sweeps'].mean():.2f}, converged: {streams['converged'].mean():.4f}, "
        f"2-cycles: {streams['cycle2'].mean():.4f}",
    ]
