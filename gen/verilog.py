"""Amaranth elaboration to Verilog, cached by content.

Ports of the top level are named by joining the signature path with a single
underscore (``s_axi_awaddr``), the convention Vivado's interface inference and
cocotbext-axi expect, plus Amaranth's ``clk`` and ``rst`` (active high, synchronous).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .cache import cache_root, content_key, locked, source_digest

__all__ = ["Port", "VerilogDesign", "elaborate_verilog", "design_for_spec"]


@dataclass(frozen=True)
class Port:
    """A top-level port."""

    name: str
    width: int
    direction: str  # "in" or "out"

    @property
    def words(self) -> int:
        return -(-self.width // 32)


@dataclass(frozen=True)
class VerilogDesign:
    """A generated Verilog top level.

    Attributes
    ----------
    top : str
        Module name.
    path : Path
        The ``.v`` file (in the cache).
    ports : tuple of Port
    digest : str
        Content key of the Verilog text.
    """

    top: str
    path: Path
    ports: tuple[Port, ...]
    digest: str

    @property
    def text(self) -> str:
        return self.path.read_text()

    def port(self, name: str) -> Port:
        for p in self.ports:
            if p.name == name:
                return p
        raise KeyError(f"{self.top} has no port {name!r}")


def _convert(component, top: str) -> tuple[str, tuple[Port, ...]]:
    from amaranth.back import verilog
    from amaranth.hdl import ValueCastable
    from amaranth.hdl._ir import PortDirection
    from amaranth.lib import wiring

    ports = {}
    port_list = [Port("clk", 1, "in"), Port("rst", 1, "in")]
    for path, member, value in component.signature.flatten(component):
        if isinstance(value, ValueCastable):
            value = value.as_value()
        name = "_".join(map(str, path))
        inward = member.flow == wiring.In
        ports[name] = (value, PortDirection.Input if inward else PortDirection.Output)
        port_list.append(Port(name, len(value), "in" if inward else "out"))
    text = verilog.convert(component, name=top, ports=ports, emit_src=False)
    return text, tuple(port_list)


def elaborate_verilog(make_component, *, top: str, key_parts) -> VerilogDesign:
    """Return the Verilog of ``make_component()``, from the cache when unchanged.

    Parameters
    ----------
    make_component : callable
        Builds the Amaranth top-level component (called only on a cache miss).
    top : str
        Verilog module name.
    key_parts : JSON-serialisable
        Everything the design depends on besides the gateware sources (e.g. the Spec).
    """
    import amaranth

    key = content_key(top, key_parts, source_digest("hdl", "sim_golden"), amaranth.__version__)
    folder = cache_root() / "verilog" / key
    vpath, meta = folder / f"{top}.v", folder / "ports.json"
    with locked(cache_root() / "verilog" / f"{key}.lock"):
        if not (vpath.exists() and meta.exists()):
            text, ports = _convert(make_component(), top)
            folder.mkdir(parents=True, exist_ok=True)
            vpath.write_text(text)
            meta.write_text(json.dumps([p.__dict__ for p in ports]))
    ports = tuple(Port(**p) for p in json.loads(meta.read_text()))
    return VerilogDesign(top=top, path=vpath, ports=ports, digest=content_key(vpath.read_text()))


def design_for_spec(spec) -> VerilogDesign:
    """Verilog top level of any core's Spec (through its plugin, see :mod:`.cores`)."""
    from .cores import plugin_for_spec

    plugin = plugin_for_spec(spec)
    return elaborate_verilog(lambda: plugin.make_top(spec), top=plugin.top_name(spec),
                             key_parts=spec.to_dict())
