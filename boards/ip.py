"""Identity of the Vivado IP every spinemu core is packaged as.

The VLNV (vendor:library:name:version) ties the three sides together: ``spinemu build``
packages a core's Verilog under it, the block design instantiates it, Vivado writes it
into the ``.hwh`` file, and PYNQ binds the core's ``DefaultIP`` driver to it
(``bindto``).  The name is the core name of the register map (``RegisterMap.core``,
e.g. ``"pbit_array"``), which a board knows from ``regmap.json`` alone.
"""

from __future__ import annotations

__all__ = ["IP_VENDOR", "IP_LIBRARY", "IP_VERSION", "core_vlnv", "parse_vlnv"]

IP_VENDOR = "spinemu.org"
IP_LIBRARY = "spinemu"
#: Bumped when the packaged interface (ports, register-map schema) changes incompatibly.
IP_VERSION = "1.0"


def core_vlnv(core: str) -> str:
    """VLNV of the IP of register-map core ``core``, e.g. ``spinemu.org:spinemu:pbit_array:1.0``."""
    if not isinstance(core, str) or not core.isidentifier():
        raise ValueError(f"core must be an identifier such as 'pbit_array', not {core!r}")
    return f"{IP_VENDOR}:{IP_LIBRARY}:{core}:{IP_VERSION}"


def parse_vlnv(vlnv: str) -> tuple[str, str, str, str]:
    """Split a VLNV into (vendor, library, name, version)."""
    parts = str(vlnv).split(":")
    if len(parts) != 4 or not all(parts):
        raise ValueError(f"a VLNV has four non-empty parts vendor:library:name:version, not {vlnv!r}")
    return tuple(parts)
