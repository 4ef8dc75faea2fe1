"""Core plugin of ``kind = "reservoir"`` (see :mod:`spinemu.gen.cores`).

A config holds the :class:`~spinemu.sim_golden.reservoir_spec.ReservoirSpec` fields in
``[reservoir]`` and a generated input in ``[stimulus]``::

    name = "stno_reservoir"
    [core]
    kind = "reservoir"
    [reservoir]
    n_virtual = 16
    theta = 10e-9            # node duration (s): reset value of C = 2 gamma_g theta
    zeta_dc = 2.0            # DC current / threshold current
    input_scaling = 0.5
    feedback = 2.0           # delay-line feedback gain
    mask_kind = "binary"     # reset-state mask ("binary" or "real"), drawn from mask_seed
    mask_seed = 0
    readout = true           # on-chip linear readout
    [stimulus]
    signal = "uniform"       # or "sine_square", "narma10"
    low = -1.0               # uniform range (real units)
    high = 1.0
    seed = 1                 # input seed
    weights_seed = 1         # random readout weights (checks the on-chip MAC)

``spinemu sim``/``verify`` with ``--seed S`` load the random mask of seed ``S`` (of
``mask_kind``) over the bus; without it the reset-state mask is used.  ``--cycles`` is
the number of input samples.  Streams: ``x`` (raw states, samples x n_virtual) and, with
the readout, ``y`` (raw predictions, one per sample).

``substeps`` (Euler steps per node) is accepted with a warning and ignored: the core
solves each node's power equation exactly since it takes one node per clock.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from ..sim_golden.reservoir_spec import ReservoirSpec
from ..sim_golden.validate import SpecError
from .config import ConfigError, check_keys, require_table, where
from .fidelity_reservoir import fidelity

__all__ = [
    "KIND",
    "TABLES",
    "SPEC_TYPES",
    "parse",
    "top_name",
    "make_top",
    "run",
    "extras",
    "summary",
    "stimulus_input",
    "random_weights",
    "fidelity",
]

KIND = "reservoir"
TABLES = ("reservoir", "stimulus")
SPEC_TYPES = (ReservoirSpec,)

_SIGNALS = ("uniform", "sine_square", "narma10")


def parse(data: dict, source: str):
    """Validate ``[reservoir]`` and ``[stimulus]``; return ``(spec, stimulus)``."""
    table = require_table(data, "reservoir", source)
    if "substeps" in table:
        table = {k: v for k, v in table.items() if k != "substeps"}
        warnings.warn(
            f"{where(source)}reservoir.substeps is ignored: the core solves each node's power "
            "equation exactly (one virtual node per clock); delete the key",
            UserWarning,
            stacklevel=2,
        )
    fields = {f.name for f in dataclasses.fields(ReservoirSpec)}
    check_keys(table, fields, "reservoir.", source)
    try:
        spec = ReservoirSpec(**table)
    except SpecError as exc:
        raise ConfigError(f"{where(source)}reservoir.{exc}") from None

    stim = data.get("stimulus", {})
    if not isinstance(stim, dict):
        raise ConfigError(f"{where(source)}[stimulus] must be a table, not {stim!r}")
    check_keys(stim, {"signal", "low", "high", "seed", "weights_seed"}, "stimulus.", source)
    out = {
        "signal": stim.get("signal", "uniform"),
        "low": stim.get("low", -1.0),
        "high": stim.get("high", 1.0),
        "seed": stim.get("seed", 1),
        "weights_seed": stim.get("weights_seed", 1),
    }
    if out["signal"] not in _SIGNALS:
        raise ConfigError(
            f"{where(source)}stimulus.signal = {out['signal']!r} is not allowed: "
            f"expected one of {', '.join(map(repr, _SIGNALS))}"
        )
    for key in ("low", "high"):
        v = out[key]
        if isinstance(v, bool) or not isinstance(v, int | float) or not np.isfinite(v):
            raise ConfigError(
                f"{where(source)}stimulus.{key} = {v!r} is not allowed: expected a finite number"
            )
    lo, hi = spec.input_range
    if not lo <= out["low"] < out["high"] <= hi:
        raise ConfigError(
            f"{where(source)}stimulus.low/high = {out['low']!r}/{out['high']!r} is "
            f"not allowed: expected {lo} <= low < high <= {hi} (the input format)"
        )
    for key in ("seed", "weights_seed"):
        v = out[key]
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise ConfigError(
                f"{where(source)}stimulus.{key} = {v!r} is not allowed: expected an integer >= 0"
            )
    return spec, out


def stimulus_input(spec: ReservoirSpec, stimulus: dict, samples: int) -> np.ndarray:
    """The raw input samples of a stimulus."""
    from ..sw.tasks import narma10, sine_square

    sig = stimulus["signal"]
    if sig == "uniform":
        u = np.random.default_rng(stimulus["seed"]).uniform(stimulus["low"], stimulus["high"], samples)
    elif sig == "sine_square":
        u = sine_square(samples, seed=stimulus["seed"])[0]
    else:
        u = narma10(samples, seed=stimulus["seed"])[0]
    return spec.quantize_inputs(u)


def random_weights(spec: ReservoirSpec, seed: int) -> tuple[np.ndarray, int]:
    """Random raw readout weights (a quarter of the range) and bias, from ``seed``."""
    rng = np.random.default_rng(seed)
    half = 1 << (spec.weight_bits - 3)
    bias = int(rng.integers(-(1 << (spec.out_bits - 3)), 1 << (spec.out_bits - 3)))
    return rng.integers(-half, half, spec.n_virtual), bias


def top_name(spec: ReservoirSpec) -> str:
    return "spinemu_reservoir"


def make_top(spec: ReservoirSpec):
    from ..hdl.reservoir import ReservoirTop

    return ReservoirTop(spec=spec)


def run(spec: ReservoirSpec, stimulus: dict, samples: int, *, seed=None, backend="golden"):
    from ..sw.reservoir import simulate_reservoir

    u_q = stimulus_input(spec, stimulus, samples)
    mask_q = None if seed is None else spec.mask_q(seed)
    w_q, bias_q = random_weights(spec, stimulus["weights_seed"]) if spec.readout else (None, 0)
    return simulate_reservoir(spec, u_q, mask_q=mask_q, w_q=w_q, bias_q=bias_q, backend=backend)


def extras(spec: ReservoirSpec, stimulus: dict):
    return {"mask_q": spec.mask_q()}


def summary(spec: ReservoirSpec, stimulus: dict, streams: dict) -> list[str]:
    x = streams["x"] / float(1 << spec.state_frac_bits)
    lines = [
        f"{x.shape[0]} samples x {spec.n_virtual} virtual nodes; state p: mean {x.mean():.4f}, "
        f"min {x.min():.4f}, max {x.max():.4f}; steady state at zeta_dc "
        f"{spec.p_steady(spec.zeta_dc):.4f}"
    ]
    if "y" in streams:
        y = streams["y"] / float(1 << spec.out_frac_bits)
        lines.append(f"on-chip predictions: mean {y.mean():.4f}, std {y.std():.4f}")
    return lines
