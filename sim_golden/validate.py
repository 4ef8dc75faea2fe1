"""Eager validation helpers shared by every Spec.

Each failure raises :class:`SpecError`, which names the field, echoes the bad value
and says what is allowed; the CLI turns it into a one-line message and exit code 2.
"""

from __future__ import annotations

import enum
import math

__all__ = [
    "SpecError",
    "check_int",
    "check_float",
    "check_enum",
    "check_bool",
    "check_lfsr_taps",
    "check_lfsr_leap",
]


class SpecError(ValueError):
    """A Spec field has a bad value.

    Attributes
    ----------
    field : str
        Name of the offending field.
    value : object
        The rejected value.
    allowed : str
        What would have been accepted.
    """

    def __init__(self, field: str, value, allowed: str):
        self.field = field
        self.value = value
        self.allowed = allowed
        super().__init__(f"{field} = {value!r} is not allowed: expected {allowed}")


def check_int(field: str, value, lo: int | None = None, hi: int | None = None) -> int:
    """Return ``value`` if it is an int in ``[lo, hi]`` (bools are rejected)."""
    allowed = "an integer" + (
        f" in {lo}..{hi}" if lo is not None and hi is not None
        else f" >= {lo}" if lo is not None else f" <= {hi}" if hi is not None else "")
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(field, value, allowed)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise SpecError(field, value, allowed)
    return value


def check_float(field: str, value, lo: float | None = None, hi: float | None = None,
                *, lo_open: bool = False) -> float:
    """Return ``float(value)`` if it is a finite real in the given range."""
    lo_txt = "" if lo is None else (f" > {lo}" if lo_open else f" >= {lo}")
    hi_txt = "" if hi is None else f" <= {hi}"
    allowed = "a finite number" + lo_txt + ("," if lo_txt and hi_txt else "") + hi_txt
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SpecError(field, value, allowed)
    v = float(value)
    if not math.isfinite(v):
        raise SpecError(field, value, allowed)
    if lo is not None and (v <= lo if lo_open else v < lo):
        raise SpecError(field, value, allowed)
    if hi is not None and v > hi:
        raise SpecError(field, value, allowed)
    return v


def check_enum(field: str, value, enum_cls: type[enum.Enum]) -> enum.Enum:
    """Coerce a member or its value to ``enum_cls``."""
    if isinstance(value, enum_cls):
        return value
    try:
        return enum_cls(value)
    except ValueError:
        choices = ", ".join(repr(m.value) for m in enum_cls)
        raise SpecError(field, value, f"one of {choices}") from None


def check_bool(field: str, value) -> bool:
    if not isinstance(value, bool):
        raise SpecError(field, value, "true or false")
    return value


def check_lfsr_taps(field: str, taps, width: int) -> tuple[int, ...]:
    """Return ``taps`` as a tuple: distinct integers in ``1..width`` that include ``width``."""
    try:
        t = tuple(taps)
    except TypeError:
        t = ()
    if (
        not t
        or width not in t
        or len(set(t)) != len(t)
        or any(isinstance(x, bool) or not isinstance(x, int) or not 1 <= x <= width for x in t)
    ):
        raise SpecError(field, taps, f"distinct integers in 1..{width} including {width}")
    return t


def check_lfsr_leap(field: str, leap, width: int, hi: int) -> int:
    """Return ``leap`` if it is in ``1..hi`` and coprime with the period ``2**width - 1``."""
    check_int(field, leap, 1, hi)
    period = (1 << width) - 1
    g = math.gcd(leap, period)
    if g != 1:
        raise SpecError(
            field,
            leap,
            f"a leap coprime with the period 2**{width} - 1 = {period} "
            f"(gcd {g} would shorten the period to {period // g} clocks)",
        )
    return leap
