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

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ConfigError", "Config", "load_config", "parse_config", "check_keys", "require_table",
           "where"]


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
        Core kind (see :mod:`spinemu.gen.cores`).
    spec : object
        The Spec of the core (e.g. :class:`~spinemu.sim_golden.pbit_spec.PBitArraySpec`).
    stimulus : dict
        Validated stimulus, as the core's plugin defines it.
    source : str
        Where the config came from.
    """

    name: str
    kind: str
    spec: object
    stimulus: dict
    source: str


def where(source: str) -> str:
    """Prefix naming the config file in an error message."""
    return f"{source}: " if source else ""


def check_keys(table: dict, allowed, path: str, source: str) -> None:
    """Reject keys of ``table`` not in ``allowed``; ``path`` prefixes them (``"pbit."``)."""
    for key in table:
        if key not in allowed:
            raise ConfigError(
                f"{where(source)}unknown key {path}{key}; allowed keys: {', '.join(sorted(allowed))}")


def require_table(data: dict, key: str, source: str) -> dict:
    """Return table ``[key]`` or raise a ConfigError saying it is missing or not a table."""
    value = data.get(key)
    if value is None:
        raise ConfigError(f"{where(source)}missing table [{key}]")
    if not isinstance(value, dict):
        raise ConfigError(f"{where(source)}[{key}] must be a table, not {value!r}")
    return value


_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")


def parse_config(data: dict, *, source: str = "") -> Config:
    """Validate a parsed TOML document (dispatching the core's tables to its plugin)."""
    from .cores import available_kinds, plugin_for_kind

    core = require_table(data, "core", source)
    check_keys(core, {"kind"}, "core.", source)
    kind = core.get("kind")
    if kind not in available_kinds():
        raise ConfigError(f"{where(source)}core.kind = {kind!r} is not allowed: expected one of "
                          f"{', '.join(map(repr, available_kinds()))}")
    plugin = plugin_for_kind(kind)
    check_keys(data, {"name", "core", *plugin.TABLES}, "", source)
    name = data.get("name")
    if name is None:
        raise ConfigError(f"{where(source)}missing key name (the design name)")
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ConfigError(f"{where(source)}name = {name!r} is not allowed: expected a letter followed "
                          "by up to 63 letters, digits, '_' or '-'")
    spec, stimulus = plugin.parse(data, source)
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
