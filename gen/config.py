"""TOML configuration files: parsing and validation into a Spec.

A config names the design, the core kind and its Spec table, plus an optional
stimulus.  Every problem is reported as a :class:`ConfigError` that names the key,
echoes the bad value and says what is allowed; the CLI prints it and exits with 2.

Example (the p-bit array primitive)::

    name = "pbit_demo"
    [core]
    kind = "pbit"
    [pbit]
    n = 8
    rng = "xoshiro128pp"      # or "lfsr" (+ lfsr_width, lfsr_leap)
    input_bits = 8            # two's complement width of I
    input_frac_bits = 4       # fraction bits of I
    prob_bits = 16
    sigmoid = "tanh"
    beta = 1.0
    seed = 1
    [stimulus]                # constant input per p-bit, real units
    I = [-2.0, -1.0, -0.5, 0.0, 0.25, 0.5, 1.0, 2.0]
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..sim_golden.pbit_spec import PBitArraySpec
from ..sim_golden.validate import SpecError

__all__ = ["ConfigError", "Config", "load_config", "parse_config", "CORE_KINDS"]

#: Core kinds this version can generate.
CORE_KINDS = ("pbit",)


class ConfigError(ValueError):
    """A configuration file is invalid; the message is meant for the user as is."""


@dataclass(frozen=True)
class Config:
    """A validated configuration.

    Attributes
    ----------
    name : str
        Design name (used for file names).
    kind : str
        Core kind, one of :data:`CORE_KINDS`.
    spec : PBitArraySpec
        The Spec of the core.
    stimulus : dict
        Validated stimulus; for ``pbit``: ``I`` (real inputs) and ``I_q`` (quantized).
    source : str
        Where the config came from.
    """

    name: str
    kind: str
    spec: PBitArraySpec
    stimulus: dict
    source: str


def _where(source: str) -> str:
    return f"{source}: " if source else ""


def _check_keys(table: dict, allowed: set[str], path: str, source: str) -> None:
    for key in table:
        if key not in allowed:
            raise ConfigError(
                f"{_where(source)}unknown key {path}{key!r}; allowed keys: {', '.join(sorted(allowed))}")


def _require_table(data: dict, key: str, source: str) -> dict:
    value = data.get(key)
    if value is None:
        raise ConfigError(f"{_where(source)}missing table [{key}]")
    if not isinstance(value, dict):
        raise ConfigError(f"{_where(source)}[{key}] must be a table, not {value!r}")
    return value


def _parse_pbit(data: dict, source: str) -> tuple[PBitArraySpec, dict]:
    table = _require_table(data, "pbit", source)
    fields = {f.name for f in dataclasses.fields(PBitArraySpec)}
    _check_keys(table, fields, "pbit.", source)
    if "n" not in table:
        raise ConfigError(f"{_where(source)}missing key pbit.n (the number of p-bits)")
    kwargs = dict(table)
    if "lfsr_taps" in kwargs:
        taps = kwargs["lfsr_taps"]
        if not isinstance(taps, list):
            raise ConfigError(f"{_where(source)}pbit.lfsr_taps = {taps!r} is not allowed: expected a list "
                              "of integers")
        kwargs["lfsr_taps"] = tuple(taps)
    for key in ("rng", "sigmoid"):
        if key in kwargs and not isinstance(kwargs[key], str):
            raise ConfigError(f"{_where(source)}pbit.{key} = {kwargs[key]!r} is not allowed: expected a string")
    try:
        spec = PBitArraySpec(**kwargs)
    except SpecError as exc:
        raise ConfigError(f"{_where(source)}pbit.{exc}") from None

    stim = data.get("stimulus", {})
    if not isinstance(stim, dict):
        raise ConfigError(f"{_where(source)}[stimulus] must be a table, not {stim!r}")
    _check_keys(stim, {"I"}, "stimulus.", source)
    values = stim.get("I", [0.0] * spec.n)
    if not isinstance(values, list) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        raise ConfigError(f"{_where(source)}stimulus.I = {values!r} is not allowed: expected a list of "
                          f"{spec.n} numbers")
    if len(values) != spec.n:
        raise ConfigError(f"{_where(source)}stimulus.I has {len(values)} values but pbit.n = {spec.n}: "
                          "give one input per p-bit")
    try:
        i_q = spec.quantize_inputs(values)
    except SpecError as exc:
        raise ConfigError(f"{_where(source)}stimulus.{exc}") from None
    return spec, {"I": [float(v) for v in values], "I_q": np.asarray(i_q, dtype=np.int64)}


_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")


def parse_config(data: dict, *, source: str = "") -> Config:
    """Validate a parsed TOML document."""
    _check_keys(data, {"name", "core", "pbit", "stimulus"}, "", source)
    name = data.get("name")
    if name is None:
        raise ConfigError(f"{_where(source)}missing key name (the design name)")
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ConfigError(f"{_where(source)}name = {name!r} is not allowed: expected a letter followed by "
                          "up to 63 letters, digits, '_' or '-'")
    core = _require_table(data, "core", source)
    _check_keys(core, {"kind"}, "core.", source)
    kind = core.get("kind")
    if kind not in CORE_KINDS:
        raise ConfigError(f"{_where(source)}core.kind = {kind!r} is not allowed: expected one of "
                          f"{', '.join(map(repr, CORE_KINDS))}")
    spec, stimulus = _parse_pbit(data, source)
    return Config(name=name, kind=kind, spec=spec, stimulus=stimulus, source=source)


def load_config(path) -> Config:
    """Read and validate a TOML config file."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"config file {p} not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{p} is a folder, not a config file") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{p}: not a UTF-8 text file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: invalid TOML: {exc}") from None
    return parse_config(data, source=str(p))
