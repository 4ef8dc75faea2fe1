"""Core plugin of ``kind = "pbit"`` (see :mod:`spinemu.gen.cores`).

Without a ``[problem]`` table the config describes the p-bit array primitive:
``n`` independent p-bits at constant inputs given by ``[stimulus] I``.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..sim_golden.pbit_spec import PBitArraySpec
from ..sim_golden.validate import SpecError
from .config import ConfigError, check_keys, require_table, where

__all__ = ["KIND", "TABLES", "SPEC_TYPES", "parse", "top_name", "make_top", "run", "extras", "summary"]

KIND = "pbit"
TABLES = ("pbit", "stimulus")
SPEC_TYPES = (PBitArraySpec,)


def parse(data: dict, source: str):
    """Validate ``[pbit]`` and ``[stimulus]``; return ``(spec, {"I": ..., "I_q": ...})``."""
    table = require_table(data, "pbit", source)
    fields = {f.name for f in dataclasses.fields(PBitArraySpec)}
    check_keys(table, fields, "pbit.", source)
    if "n" not in table:
        raise ConfigError(f"{where(source)}missing key pbit.n (the number of p-bits)")
    kwargs = dict(table)
    if "lfsr_taps" in kwargs:
        taps = kwargs["lfsr_taps"]
        if not isinstance(taps, list):
            raise ConfigError(f"{where(source)}pbit.lfsr_taps = {taps!r} is not allowed: expected a "
                              "list of integers")
        kwargs["lfsr_taps"] = tuple(taps)
    for key in ("rng", "sigmoid"):
        if key in kwargs and not isinstance(kwargs[key], str):
            raise ConfigError(f"{where(source)}pbit.{key} = {kwargs[key]!r} is not allowed: expected "
                              "a string")
    try:
        spec = PBitArraySpec(**kwargs)
    except SpecError as exc:
        raise ConfigError(f"{where(source)}pbit.{exc}") from None

    stim = data.get("stimulus", {})
    if not isinstance(stim, dict):
        raise ConfigError(f"{where(source)}[stimulus] must be a table, not {stim!r}")
    check_keys(stim, {"I"}, "stimulus.", source)
    values = stim.get("I", [0.0] * spec.n)
    if not isinstance(values, list) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        raise ConfigError(f"{where(source)}stimulus.I = {values!r} is not allowed: expected a list "
                          f"of {spec.n} numbers")
    if len(values) != spec.n:
        raise ConfigError(f"{where(source)}stimulus.I has {len(values)} values but pbit.n = "
                          f"{spec.n}: give one input per p-bit")
    try:
        i_q = spec.quantize_inputs(values)
    except SpecError as exc:
        raise ConfigError(f"{where(source)}stimulus.{exc}") from None
    return spec, {"I": [float(v) for v in values], "I_q": np.asarray(i_q, dtype=np.int64)}


def top_name(spec: PBitArraySpec) -> str:
    return "spinemu_pbit_array"


def make_top(spec: PBitArraySpec):
    from ..hdl.pbit_array import PBitArrayTop

    return PBitArrayTop(spec=spec)


def run(spec: PBitArraySpec, stimulus: dict, samples: int, *, seed=None, backend="golden"):
    from ..sw.pbit_array import simulate_pbit_array

    return {"m": simulate_pbit_array(spec, stimulus["I_q"], samples, seed=seed, backend=backend)}


def extras(spec: PBitArraySpec, stimulus: dict):
    return {"I_q": np.asarray(stimulus["I_q"], dtype=np.int64)}


def summary(spec: PBitArraySpec, stimulus: dict, streams: dict) -> list[str]:
    m = streams["m"]
    p = (m == 1).mean(axis=0)
    return [
        "P(m=+1) measured: " + " ".join(f"{x:.4f}" for x in p),
        "P(m=+1) LUT:      " + " ".join(f"{x:.4f}" for x in spec.lut_probability(stimulus["I_q"])),
    ]
