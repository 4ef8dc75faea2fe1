"""Backend-agnostic register driver built on a register map.

:class:`RegisterDriver` knows nothing of the core: it reads ``regmap.json`` (or takes a
:class:`~spinemu.sim_golden.regmap.RegisterMap`), checks the ``ID`` register, and
offers named, range-checked, sign-aware register access over any :class:`MMIO`.
"""

from __future__ import annotations

from pathlib import Path

from ..sim_golden.regmap import Access, RegisterMap
from .mmio import MMIO, BusError

__all__ = ["RegisterDriver", "load_regmap"]


def load_regmap(path) -> RegisterMap:
    """Read a ``regmap.json`` written by ``spinemu gen``."""
    p = Path(path)
    try:
        text = p.read_text()
    except FileNotFoundError:
        raise FileNotFoundError(f"register map {p} not found; generate it with `spinemu gen`") from None
    return RegisterMap.from_json(text)


class RegisterDriver:
    """Named register access.

    Parameters
    ----------
    mmio : MMIO
        ``pynq.MMIO``, :class:`~spinemu.sw.mmio.VerilatorMMIO`, or anything with
        ``read(offset)`` / ``write(offset, value)``.
    regmap : RegisterMap or path
        The core's register map (or the path of its ``regmap.json``).
    check_ident : bool
        Read ``ID`` and raise :class:`BusError` if it is not the map's identifier.
    """

    def __init__(self, mmio: MMIO, regmap, *, check_ident: bool = True):
        if not isinstance(regmap, RegisterMap):
            regmap = load_regmap(regmap)
        if not (hasattr(mmio, "read") and hasattr(mmio, "write")):
            raise TypeError(f"mmio must have read(offset) and write(offset, value), not {mmio!r}")
        self.mmio = mmio
        self.regmap = regmap
        if check_ident and "ID" in regmap.by_name:
            ident = self.mmio.read(regmap["ID"].offset)
            if ident != regmap.ident:
                raise BusError(
                    f"ID register reads {ident:#010x}, expected {regmap.ident:#010x} for a "
                    f"{regmap.core} core: wrong base address, wrong bitstream, or stale regmap.json")

    def read(self, name: str, index: int = 0) -> int:
        """Read a register; signed registers are sign-extended from their width."""
        reg = self.regmap[name]
        if reg.access is Access.WO:
            raise BusError(f"register {name} is write-only")
        raw = int(self.mmio.read(reg.address(index))) & ((1 << reg.width) - 1)
        if reg.signed and raw >> (reg.width - 1):
            raw -= 1 << reg.width
        return raw

    def write(self, name: str, value: int, index: int = 0) -> None:
        """Write a register, checking that ``value`` fits its width (and sign)."""
        reg = self.regmap[name]
        if reg.access is Access.RO:
            raise BusError(f"register {name} is read-only")
        value = int(value)
        lo, hi = ((-(1 << (reg.width - 1)), (1 << (reg.width - 1)) - 1) if reg.signed
                  else (0, (1 << reg.width) - 1))
        if not lo <= value <= hi:
            raise ValueError(f"{name} takes values in {lo}..{hi}, not {value}")
        self.mmio.write(reg.address(index), value & ((1 << reg.width) - 1))

    def write_many(self, names, values) -> None:
        """Write ``values[k]`` to register ``names[k]`` (element 0), in order.

        Values are range-checked per register like :meth:`write`; the writes go to the
        MMIO's ``write_many(offsets, values)`` when it has one (the simulated bus: one
        call), else one ``write`` each (``pynq.MMIO``).
        """
        import numpy as np

        names = list(names)
        vals = np.asarray(values, dtype=np.int64).reshape(-1)
        if len(names) != vals.size:
            raise ValueError(f"{len(names)} register names for {vals.size} values")
        offsets = np.empty(vals.size, np.int64)
        raw = np.empty(vals.size, np.int64)
        for name in set(names):
            reg = self.regmap[name]
            if reg.access is Access.RO:
                raise BusError(f"register {name} is read-only")
            sel = np.fromiter((x == name for x in names), bool, len(names))
            v = vals[sel]
            lo, hi = ((-(1 << (reg.width - 1)), (1 << (reg.width - 1)) - 1) if reg.signed
                      else (0, (1 << reg.width) - 1))
            bad = (v < lo) | (v > hi)
            if bad.any():
                raise ValueError(f"{name} takes values in {lo}..{hi}, not {int(v[np.argmax(bad)])}")
            offsets[sel] = reg.address(0)
            raw[sel] = v & ((1 << reg.width) - 1)
        bulk = getattr(self.mmio, "write_many", None)
        if bulk is not None:
            bulk(offsets, raw)
            return
        for off, v in zip(offsets.tolist(), raw.tolist(), strict=True):
            self.mmio.write(off, v)

    def write_array(self, name: str, values) -> None:
        """Write every element of an array register."""
        values = list(values)
        reg = self.regmap[name]
        if len(values) != reg.count:
            raise ValueError(f"{name} has {reg.count} elements, got {len(values)} values")
        for i, v in enumerate(values):
            self.write(name, v, i)

    def read_array(self, name: str) -> list[int]:
        """Read every element of an array register."""
        return [self.read(name, i) for i in range(self.regmap[name].count)]
