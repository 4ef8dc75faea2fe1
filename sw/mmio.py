"""The MMIO protocol every spinemu driver talks through, and its simulated implementation.

A driver needs only ``read(offset) -> int`` and ``write(offset, value)`` on 32-bit
words at byte offsets.  ``pynq.MMIO`` already has exactly this interface, so on a
board a driver is handed a ``pynq.MMIO`` (or a pynq ``DefaultIP``); in simulation it
is handed a :class:`VerilatorMMIO`, which runs each access as an AXI4-Lite
transaction on the native Verilator model of the generated top level.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

__all__ = ["MMIO", "VerilatorMMIO", "BusError", "WindowMMIO"]


class BusError(RuntimeError):
    """A register access failed (error response, timeout, or a read-back mismatch)."""


@runtime_checkable
class MMIO(Protocol):
    """Minimal memory-mapped register access (the subset of ``pynq.MMIO`` drivers use)."""

    def read(self, offset: int) -> int: ...

    def write(self, offset: int, value: int) -> None: ...


class VerilatorMMIO:
    """MMIO over the AXI4-Lite port of a native Verilator model.

    Parameters
    ----------
    model : spinemu.gen.native.NativeModel
        The simulated top level (must have an ``s_axi`` port).

    Notes
    -----
    Error responses (SLVERR for unmapped addresses, writes to read-only and reads of
    write-only registers) raise :class:`BusError`, as a board's bus error would.
    """

    def __init__(self, model):
        if not getattr(model, "has_axi", False):
            raise ValueError(f"{model!r} has no AXI4-Lite port")
        self.model = model

    def read(self, offset: int) -> int:
        data, resp = self.model.axil_read(offset, check=False)
        if resp:
            raise BusError(f"read of offset {offset:#x} answered {_RESP[resp]}")
        return data

    def write(self, offset: int, value: int) -> None:
        if not 0 <= int(value) < 1 << 32:
            raise ValueError(f"value must fit 32 unsigned bits, not {value}")
        resp = self.model.axil_write(offset, int(value), check=False)
        if resp:
            raise BusError(f"write of {value:#x} to offset {offset:#x} answered {_RESP[resp]}")

    def write_many(self, offsets, values) -> None:
        """``write(offsets[k], values[k])`` for every ``k`` in order, in one call into the model."""
        done, resp = self.model.axil_write_many(offsets, values)
        if resp:
            raise BusError(
                f"write of {int(values[done]):#x} to offset {int(offsets[done]):#x} answered {_RESP[resp]}"
            )


class WindowMMIO:
    """The registers of one core behind a shared bus: offsets moved up by ``base``
    (the devices of a one-chip machine; ``pynq.MMIO`` or :class:`VerilatorMMIO` below)."""

    def __init__(self, mmio, base: int):
        if isinstance(base, bool) or not isinstance(base, int) or base < 0 or base % 4:
            raise ValueError(f"base must be a non-negative multiple of 4, not {base!r}")
        self.mmio, self.base = mmio, base

    def read(self, offset: int) -> int:
        return self.mmio.read(self.base + offset)

    def write(self, offset: int, value: int) -> None:
        self.mmio.write(self.base + offset, value)

    def write_many(self, offsets, values) -> None:
        bulk = getattr(self.mmio, "write_many", None)
        if bulk is None:
            for off, v in zip(offsets, values, strict=True):
                self.mmio.write(self.base + int(off), int(v))
        else:
            bulk([self.base + int(o) for o in offsets], values)


_RESP = {1: "EXOKAY", 2: "SLVERR", 3: "DECERR"}
