"""Registry of core plugins: one small module per core kind.

Every core (p-bit, reservoir, Hopfield) plugs into the generic CLI, config loader,
generator and verifier through a module that defines:

``KIND``
    The ``[core] kind`` string of its configs.
``TABLES``
    Top-level config tables it owns besides ``name`` and ``core``.
``SPEC_TYPES``
    The Spec classes it elaborates.
``parse(data, source) -> (spec, stimulus)``
    Validate a parsed TOML document; raise :class:`~spinemu.gen.config.ConfigError`.
``top_name(spec) -> str`` and ``make_top(spec) -> component``
    The Verilog module name and the Amaranth top level (with an ``s_axi``
    AXI4-Lite port, plus ``clk``/``rst``).
``run(spec, stimulus, samples, *, seed, backend) -> dict[str, ndarray]``
    Run the workload on ``backend`` ("golden" or "rtl"); the arrays, indexed by
    sample first, are what ``spinemu sim`` saves and ``spinemu verify`` compares.
``extras(spec, stimulus) -> dict[str, ndarray]``
    Extra arrays ``spinemu sim`` saves (e.g. the quantized inputs).
``summary(spec, stimulus, streams) -> list[str]``
    Lines ``spinemu sim`` prints.
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["PLUGIN_MODULES", "plugin_for_kind", "plugin_for_spec", "available_kinds"]

#: kind -> module implementing it.
PLUGIN_MODULES = {
    "pbit": "spinemu.gen.core_pbit",
    "reservoir": "spinemu.gen.core_reservoir",
    "hopfield": "spinemu.gen.core_hopfield",
}


def available_kinds() -> tuple[str, ...]:
    """Kinds whose plugin module is present in this installation."""
    import importlib.util

    return tuple(k for k, mod in PLUGIN_MODULES.items() if importlib.util.find_spec(mod) is not None)


def plugin_for_kind(kind: str) -> ModuleType:
    """The plugin module of a config kind (KeyError if unknown)."""
    return importlib.import_module(PLUGIN_MODULES[kind])


def plugin_for_spec(spec) -> ModuleType:
    """The plugin module that elaborates ``spec``."""
    for kind in available_kinds():
        mod = importlib.import_module(PLUGIN_MODULES[kind])
        if isinstance(spec, tuple(mod.SPEC_TYPES)):
            return mod
    raise TypeError(f"no core plugin elaborates {type(spec).__name__}")
