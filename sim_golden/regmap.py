"""Register maps: declared once per core (by its Spec), emitted for every consumer.

A :class:`RegisterMap` is the single description of a core's AXI4-Lite register bank.
The gateware builds its CSR bank from it (:mod:`spinemu.hdl.axil`), ``spinemu gen``
writes it as ``regmap.json``, ``regmap.h`` and ``regmap.md``, and the drivers in
:mod:`spinemu.sw` read the JSON back.  Offsets are byte addresses of 32-bit words.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field

__all__ = ["Access", "Register", "RegisterMap", "REGMAP_SCHEMA_VERSION"]

#: Bumped whenever the JSON layout changes; drivers refuse other versions.
REGMAP_SCHEMA_VERSION = 1


class Access(enum.Enum):
    """How software may access a register.

    ``RO`` registers are driven by the core; ``RW`` registers are storage read back
    as written; ``WO`` registers are commands: a write pulses the core with the data
    and a read answers SLVERR.
    """

    RO = "ro"
    RW = "rw"
    WO = "wo"


@dataclass(frozen=True)
class Register:
    """One register (or an array of ``count`` consecutive registers).

    Parameters
    ----------
    name : str
        Upper-case identifier, unique within the map.
    width : int
        Meaningful bits, 1..32, right-aligned in the 32-bit word.
    access : Access
        See :class:`Access`.
    doc : str
        One line for the generated documentation.
    reset : int
        Value after reset (``RW`` only; raw bits).
    count : int
        Number of consecutive registers (an array when > 1), each 4 bytes apart.
    signed : bool
        Whether the bits are a two's-complement number (reads are not sign-extended).
    offset : int or None
        Byte offset; assigned by :class:`RegisterMap` when ``None``.
    """

    name: str
    width: int
    access: Access
    doc: str
    reset: int = 0
    count: int = 1
    signed: bool = False
    offset: int | None = None

    def __post_init__(self):
        if not self.name.isidentifier() or self.name.upper() != self.name:
            raise ValueError(f"register name must be an upper-case identifier, not {self.name!r}")
        if not 1 <= self.width <= 32:
            raise ValueError(f"register {self.name} width must be in 1..32, not {self.width}")
        if not isinstance(self.access, Access):
            raise ValueError(f"register {self.name} access must be an Access, not {self.access!r}")
        if self.count < 1:
            raise ValueError(f"register {self.name} count must be >= 1, not {self.count}")
        if not 0 <= self.reset < 1 << self.width:
            raise ValueError(f"register {self.name} reset {self.reset} does not fit {self.width} bits")
        if self.offset is not None and self.offset % 4:
            raise ValueError(f"register {self.name} offset must be word aligned, not {self.offset}")

    def address(self, index: int = 0) -> int:
        """Byte address of element ``index``."""
        if not 0 <= index < self.count:
            raise IndexError(f"register {self.name} has {self.count} elements, not index {index}")
        return self.offset + 4 * index

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "offset": self.offset,
            "width": self.width,
            "access": self.access.value,
            "reset": self.reset,
            "count": self.count,
            "signed": self.signed,
            "doc": self.doc,
        }


@dataclass(frozen=True)
class RegisterMap:
    """An ordered register map with automatically assigned, word-aligned offsets.

    Parameters
    ----------
    core : str
        Core kind, e.g. ``"pbit_array"``.
    ident : int
        32-bit magic number (four ASCII letters) read from the ``ID`` register, which
        the map places at offset 0 itself: Specs do not declare it.
    registers : tuple of Register
        In address order after ``ID``; ``offset=None`` registers are placed after the
        previous one.
    """

    core: str
    ident: int
    registers: tuple[Register, ...]
    by_name: dict[str, Register] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if not isinstance(self.ident, int) or not 0 <= self.ident < 1 << 32:
            raise ValueError(f"ident must be a 32-bit integer, not {self.ident!r}")
        if any(r.name == "ID" for r in self.registers):
            raise ValueError("ID is derived from ident; do not declare it")
        placed = []
        next_offset = 0
        names = set()
        for reg in (self.id_register(), *self.registers):
            if reg.name in names:
                raise ValueError(f"duplicate register name {reg.name!r}")
            names.add(reg.name)
            offset = next_offset if reg.offset is None else reg.offset
            if offset < next_offset:
                raise ValueError(f"register {reg.name} at {offset:#x} overlaps the previous one")
            placed.append(
                Register(
                    name=reg.name, width=reg.width, access=reg.access, doc=reg.doc,
                    reset=reg.reset, count=reg.count, signed=reg.signed, offset=offset,
                )
            )
            next_offset = offset + 4 * reg.count
        object.__setattr__(self, "registers", tuple(placed))
        object.__setattr__(self, "by_name", {r.name: r for r in placed})

    def id_register(self) -> Register:
        """The ``ID`` register at offset 0, read-only, holding :attr:`ident`."""
        tag = self.ident.to_bytes(4, "big").decode("ascii", errors="replace")
        return Register(name="ID", width=32, access=Access.RO, offset=0,
                        doc=f"core identifier 0x{self.ident:08X} ('{tag}')")

    def __getitem__(self, name: str) -> Register:
        try:
            return self.by_name[name]
        except KeyError:
            raise KeyError(
                f"no register {name!r} in the {self.core} map; it has {', '.join(self.by_name)}"
            ) from None

    @property
    def size(self) -> int:
        """Bytes spanned by the map."""
        last = self.registers[-1]
        return last.offset + 4 * last.count

    @property
    def addr_width(self) -> int:
        """AXI address bits decoded by the bank (at least 12: one 4 KiB page)."""
        return max(12, (self.size - 1).bit_length())

    def decode(self, addr: int) -> tuple[Register, int] | None:
        """Return ``(register, index)`` at byte address ``addr``, or None if unmapped."""
        word = addr & ~3
        for reg in self.registers:
            if reg.offset <= word < reg.offset + 4 * reg.count:
                return reg, (word - reg.offset) // 4
        return None

    # -- serialisation ----------------------------------------------------------------
    def to_json(self) -> str:
        return json.dumps(
            {
                "schema": REGMAP_SCHEMA_VERSION,
                "core": self.core,
                "ident": self.ident,
                "addr_width": self.addr_width,
                "size": self.size,
                "registers": [r.to_dict() for r in self.registers],
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> RegisterMap:
        """Parse ``regmap.json``; raise ValueError naming what is wrong."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"register map is not valid JSON: {exc}") from None
        if data.get("schema") != REGMAP_SCHEMA_VERSION:
            raise ValueError(
                f"register map schema {data.get('schema')!r} is not the supported "
                f"{REGMAP_SCHEMA_VERSION}; regenerate it with this spinemu version"
            )
        regs = tuple(
            Register(
                name=r["name"], width=r["width"], access=Access(r["access"]), doc=r["doc"],
                reset=r["reset"], count=r["count"], signed=r["signed"], offset=r["offset"],
            )
            for r in data["registers"]
            if r["name"] != "ID"
        )
        return cls(core=data["core"], ident=data["ident"], registers=regs)

    def to_c_header(self, prefix: str) -> str:
        """C header with ``#define``s for offsets, counts, widths and access."""
        p = prefix.upper()
        guard = f"SPINEMU_{p}_REGMAP_H"
        lines = [
            f"/* Register map of the spinemu {self.core} core. Generated by spinemu; do not edit. */",
            f"#ifndef {guard}",
            f"#define {guard}",
            "",
            f"#define {p}_IDENT 0x{self.ident:08X}u",
            f"#define {p}_SIZE 0x{self.size:X}u",
            "",
        ]
        for r in self.registers:
            lines.append(f"/* {r.name}: {r.doc} ({r.access.value}, {r.width} bits"
                         f"{', signed' if r.signed else ''}) */")
            lines.append(f"#define {p}_{r.name}_OFFSET 0x{r.offset:X}u")
            lines.append(f"#define {p}_{r.name}_WIDTH {r.width}u")
            lines.append(f"#define {p}_{r.name}_ACCESS_{r.access.name} 1")
            if r.count > 1:
                lines.append(f"#define {p}_{r.name}_COUNT {r.count}u")
                lines.append(f"#define {p}_{r.name}(i) (0x{r.offset:X}u + 4u * (i))")
            lines.append("")
        lines.append(f"#endif /* {guard} */")
        return "\n".join(lines) + "\n"

    def to_markdown(self, title: str) -> str:
        """Human-readable register table."""
        lines = [
            f"# {title} register map",
            "",
            f"Core `{self.core}`, ID `0x{self.ident:08X}`, {self.size} bytes, "
            f"AXI4-Lite, {self.addr_width} address bits. Unmapped addresses, writes to "
            "`ro` and reads of `wo` registers answer SLVERR.",
            "",
            "| offset | name | access | width | reset | doc |",
            "|---|---|---|---|---|---|",
        ]
        for r in self.registers:
            span = f"0x{r.offset:03X}" + (
                f"..0x{r.offset + 4 * (r.count - 1):03X}" if r.count > 1 else "")
            name = r.name + (f"[{r.count}]" if r.count > 1 else "")
            width = f"{r.width}{' (signed)' if r.signed else ''}"
            lines.append(f"| {span} | {name} | {r.access.value} | {width} | {r.reset} | {r.doc} |")
        return "\n".join(lines) + "\n"
