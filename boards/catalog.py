"""Board definitions: the Zynq boards spinemu designs are built for, as data.

Each board is a TOML file next to this module (``pynq_z2.toml``, ``zcu104.toml``,
``kv260.toml``, ``ultra96v2.toml``) with its FPGA part, Vivado board part, clocks,
processing-system IP and the AXI ports the generated block design uses, and the
programmable-logic resources of the part.  This module parses them into frozen
dataclasses; it needs the standard library only (it runs on a board).

Example
-------
>>> from spinemu.boards.catalog import get_board
>>> get_board("pynq-z2").part
'xc7z020clg400-1'
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

__all__ = [
    "Board",
    "PSConfig",
    "Resources",
    "UnknownBoardError",
    "BOARD_FILES",
    "list_boards",
    "get_board",
    "load_board",
    "parse_board",
]

_HERE = Path(__file__).resolve().parent

#: The board files shipped with spinemu.
BOARD_FILES = ("pynq_z2.toml", "zcu104.toml", "kv260.toml", "ultra96v2.toml")

_PS_IPS = ("processing_system7", "zynq_ultra_ps_e")
_FAMILIES = {"zynq": "processing_system7", "zynquplus": "zynq_ultra_ps_e"}
_INTERCONNECTS = ("axi_interconnect", "smartconnect")


class UnknownBoardError(ValueError):
    """No board of that name; the message lists the known boards."""


@dataclass(frozen=True, kw_only=True)
class Resources:
    """Programmable-logic resources of an FPGA part.

    Parameters
    ----------
    lut, ff, dsp, bram36, uram : int
        Six-input LUTs, flip-flops, DSP slices, 36 Kb block RAMs and UltraRAMs.
    """

    lut: int
    ff: int
    dsp: int
    bram36: int
    uram: int = 0

    def __post_init__(self):
        for name in ("lut", "ff", "dsp", "bram36", "uram"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer, not {value!r}")

    def as_dict(self) -> dict[str, int]:
        return {"lut": self.lut, "ff": self.ff, "dsp": self.dsp, "bram36": self.bram36, "uram": self.uram}

    def overflows(self, usage: dict) -> dict[str, tuple[float, int]]:
        """Resources ``usage`` needs beyond this part: ``{name: (needed, available)}``.

        Keys of ``usage`` that name no resource of this class are ignored.
        """
        have = self.as_dict()
        return {k: (v, have[k]) for k, v in usage.items() if k in have and v > have[k]}


@dataclass(frozen=True, kw_only=True)
class PSConfig:
    """The processing system of a board, as the block design instantiates it.

    Parameters
    ----------
    ip : str
        ``"processing_system7"`` (Zynq-7000) or ``"zynq_ultra_ps_e"`` (Zynq UltraScale+).
    vlnv : str
        VLNV of the PS IP without its version (the Tcl picks the newest installed).
    master, master_aclk : str
        The PS AXI master that reaches the cores' registers, and its clock pin.
    slave, slave_aclk : str
        The high-performance PS AXI slave DMA engines write memory through, and its clock pin.
    pl_clk, pl_resetn : str
        PS output pins of the fabric clock and its active-low reset.
    irq : str
        PS interrupt input from the fabric.
    address_space : str
        Name of the PS address space the core's registers are assigned in.
    core_base, dma_base : int
        Addresses of the core's register bank and of the DMA engine's registers.
    interconnect : str
        ``"axi_interconnect"`` or ``"smartconnect"``.
    pl_clk_property : str
        PS ``CONFIG`` property holding the fabric clock frequency in MHz.
    enable_master, enable_slave, preset : dict of str to str
        ``CONFIG`` properties enabling the master port, the slave port, and the board
        preset used when the Vivado board files are not installed.
    """

    ip: str
    vlnv: str
    master: str
    master_aclk: str
    slave: str
    slave_aclk: str
    pl_clk: str
    pl_resetn: str
    irq: str
    address_space: str
    core_base: int
    dma_base: int
    interconnect: str
    pl_clk_property: str
    enable_master: dict = field(default_factory=dict)
    enable_slave: dict = field(default_factory=dict)
    preset: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.ip not in _PS_IPS:
            raise ValueError(f"ps.ip must be one of {', '.join(_PS_IPS)}, not {self.ip!r}")
        if self.interconnect not in _INTERCONNECTS:
            raise ValueError(
                f"ps.interconnect must be one of {', '.join(_INTERCONNECTS)}, not {self.interconnect!r}"
            )
        if not self.vlnv.endswith(":" + self.ip) or self.vlnv.count(":") != 2:
            raise ValueError(f"ps.vlnv must be vendor:library:{self.ip}, not {self.vlnv!r}")
        for name in ("core_base", "dma_base"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 0 or value % 0x1000:
                raise ValueError(f"ps.{name} must be a 4 KiB-aligned address, not {value!r}")
        for name in ("enable_master", "enable_slave", "preset"):
            table = getattr(self, name)
            if not all(isinstance(k, str) and isinstance(v, str) for k, v in table.items()):
                raise ValueError(f"ps.{name} must map property names to strings, not {table!r}")


@dataclass(frozen=True, kw_only=True)
class Board:
    """A Zynq board.

    Parameters
    ----------
    name : str
        Canonical lower-case name, e.g. ``"pynq-z2"``.
    title, vendor : str
    aliases : tuple of str
        Other names :func:`get_board` accepts (case-insensitive).
    part : str
        FPGA part, e.g. ``"xc7z020clg400-1"``.
    board_part : str
        Vivado board part (applied when its board files are installed).
    board_connections : str
        Vivado ``board_connections`` (a SOM's carrier), or ``""``.
    family : str
        ``"zynq"`` or ``"zynquplus"``.
    pynq_name : str
        Board name the PYNQ image reports.
    ddr_mbytes : int
        PS memory.
    ps_ref_mhz, pl_mhz, pl_max_mhz : float
        PS reference clock, default fabric clock and the highest fabric clock accepted.
    ps : PSConfig
    resources : Resources
    """

    name: str
    title: str
    vendor: str
    aliases: tuple[str, ...]
    part: str
    board_part: str
    board_connections: str = ""
    family: str
    pynq_name: str
    ddr_mbytes: int
    ps_ref_mhz: float
    pl_mhz: float
    pl_max_mhz: float
    ps: PSConfig
    resources: Resources

    def __post_init__(self):
        if self.family not in _FAMILIES:
            raise ValueError(f"family must be one of {', '.join(_FAMILIES)}, not {self.family!r}")
        if _FAMILIES[self.family] != self.ps.ip:
            raise ValueError(f"a {self.family} board has a {_FAMILIES[self.family]} PS, not {self.ps.ip!r}")
        prefix = "xc7z" if self.family == "zynq" else ("xczu", "xck")
        if not self.part.lower().startswith(prefix):
            raise ValueError(f"part {self.part!r} is not a {self.family} part")
        for name in ("ps_ref_mhz", "pl_mhz", "pl_max_mhz"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not value > 0:
                raise ValueError(f"{name} must be > 0, not {value!r}")
        if self.pl_mhz > self.pl_max_mhz:
            raise ValueError(f"pl_mhz must be <= pl_max_mhz ({self.pl_max_mhz}), not {self.pl_mhz}")

    @property
    def names(self) -> tuple[str, ...]:
        """Every name this board answers to."""
        return (self.name, *self.aliases)

    def to_dict(self) -> dict:
        """Plain-data form (for manifests)."""
        return {
            "name": self.name,
            "title": self.title,
            "part": self.part,
            "board_part": self.board_part,
            "family": self.family,
            "pynq_name": self.pynq_name,
            "pl_mhz": self.pl_mhz,
            "ps_ip": self.ps.ip,
            "master": self.ps.master,
            "core_base": self.ps.core_base,
            "resources": self.resources.as_dict(),
        }


def _need(table: dict, key: str, where: str):
    try:
        return table[key]
    except KeyError:
        raise ValueError(f"{where}: missing key {key!r}") from None


def parse_board(data: dict, *, source: str = "<board>") -> Board:
    """Build a :class:`Board` from a parsed board TOML document.

    Raises
    ------
    ValueError
        Naming the file and the missing or bad key.
    """
    try:
        clocks = _need(data, "clocks", source)
        ps = dict(_need(data, "ps", source))
        res = _need(data, "resources", source)
        ps_cfg = PSConfig(**ps)
        return Board(
            name=_need(data, "name", source),
            title=data.get("title", data.get("name", "")),
            vendor=data.get("vendor", ""),
            aliases=tuple(data.get("aliases", ())),
            part=_need(data, "part", source),
            board_part=data.get("board_part", ""),
            board_connections=data.get("board_connections", ""),
            family=_need(data, "family", source),
            pynq_name=data.get("pynq_name", ""),
            ddr_mbytes=int(data.get("ddr_mbytes", 0)),
            ps_ref_mhz=float(_need(clocks, "ps_ref_mhz", source + " [clocks]")),
            pl_mhz=float(_need(clocks, "pl_mhz", source + " [clocks]")),
            pl_max_mhz=float(_need(clocks, "pl_max_mhz", source + " [clocks]")),
            ps=ps_cfg,
            resources=Resources(**res),
        )
    except TypeError as exc:  # unknown or missing dataclass field
        raise ValueError(f"{source}: {exc}") from None
    except ValueError as exc:
        if str(exc).startswith(source):
            raise
        raise ValueError(f"{source}: {exc}") from None


def load_board(path) -> Board:
    """Read a board TOML file (a shipped one or a user's own)."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f"board file {p} not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{p}: not valid TOML: {exc}") from None
    return parse_board(data, source=str(p))


@cache
def _shipped() -> tuple[Board, ...]:
    return tuple(load_board(_HERE / f) for f in BOARD_FILES)


def list_boards() -> tuple[str, ...]:
    """Canonical names of the shipped boards."""
    return tuple(b.name for b in _shipped())


def _key(name: str) -> str:
    return name.lower().replace("_", "-")


def get_board(name) -> Board:
    """The board called ``name`` (canonical name or alias, case-insensitive).

    A path to a ``.toml`` file loads a user-defined board.

    Raises
    ------
    UnknownBoardError
        Listing the known boards.
    """
    if isinstance(name, Board):
        return name
    if not isinstance(name, str) or not name:
        raise UnknownBoardError(f"board must be a non-empty string, not {name!r}")
    if name.endswith(".toml"):
        return load_board(name)
    for board in _shipped():
        if _key(name) in {_key(n) for n in board.names}:
            return board
    raise UnknownBoardError(
        f"unknown board {name!r}; known boards: {', '.join(list_boards())} "
        "(or the path of a board .toml file)"
    )
