"""Golden-versus-RTL stream comparison.

Streams are arrays whose first axis is the sample (or cycle) index; any further axes
are elements (p-bits, virtual nodes, neurons).  The comparison is exact: bit-exact
means bit-exact, no tolerance.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

import numpy as np

__all__ = ["Mismatch", "Comparison", "compare_streams"]


@dataclass(frozen=True)
class Mismatch:
    """The first differing value: where, and both values."""

    index: int
    signal: str
    element: tuple[int, ...]
    golden: int | float
    rtl: int | float

    def __str__(self):
        el = "" if not self.element else "[" + ", ".join(map(str, self.element)) + "]"
        return (f"first mismatch at sample {self.index}: {self.signal}{el} "
                f"golden={self.golden} rtl={self.rtl}")


@dataclass(frozen=True)
class Comparison:
    """Result of :func:`compare_streams`."""

    ok: bool
    compared: dict[str, int]
    mismatches: dict[str, int]
    first_mismatch: Mismatch | None
    index_name: str = "sample"
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        d = asdict(self)
        if self.first_mismatch is not None:
            d["first_mismatch"]["element"] = list(self.first_mismatch.element)
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def __str__(self):
        total = sum(self.compared.values())
        if self.ok:
            parts = ", ".join(f"{k}: {v}" for k, v in self.compared.items())
            return f"PASS: {total} values identical ({parts})"
        return f"FAIL: {sum(self.mismatches.values())} of {total} values differ; {self.first_mismatch}"


def _py(v):
    return v.item() if hasattr(v, "item") else v


def compare_streams(golden: Mapping[str, np.ndarray], rtl: Mapping[str, np.ndarray], *,
                    index_name: str = "sample") -> Comparison:
    """Compare named streams exactly.

    Parameters
    ----------
    golden, rtl : mapping of name to array
        The same names; arrays indexed by sample first.
    index_name : str
        What the first axis counts (``"sample"``, ``"cycle"``, ``"sweep"``).

    Returns
    -------
    Comparison
        ``ok`` when every stream has the same shape and values.  ``first_mismatch`` is
        the earliest differing index over all streams (ties: the first stream named).
        A length difference is a mismatch at the first missing index.
    """
    if set(golden) != set(rtl):
        raise ValueError(f"stream names differ: golden {sorted(golden)} vs rtl {sorted(rtl)}")
    compared, mismatches, notes = {}, {}, []
    first: Mismatch | None = None
    for name in golden:
        g, r = np.asarray(golden[name]), np.asarray(rtl[name])
        if g.shape[1:] != r.shape[1:]:
            raise ValueError(f"stream {name!r}: element shapes differ, {g.shape[1:]} vs {r.shape[1:]}")
        n = min(len(g), len(r))
        compared[name] = int(np.prod(g[:n].shape))
        diff = g[:n] != r[:n]
        count = int(diff.sum())
        cand = None
        if count:
            flat = diff.reshape(n, -1)
            row = int(np.argmax(flat.any(axis=1)))
            col = int(np.argmax(flat[row]))
            element = tuple(int(x) for x in np.unravel_index(col, g.shape[1:])) if g.ndim > 1 else ()
            cand = Mismatch(row, name, element, _py(g[row][element] if element else g[row]),
                            _py(r[row][element] if element else r[row]))
        if len(g) != len(r):
            notes.append(f"{name}: golden has {len(g)} {index_name}s, rtl has {len(r)}")
            count += abs(len(g) - len(r))
            if cand is None:
                cand = Mismatch(n, name, (), "present" if len(g) > n else "missing",
                                "present" if len(r) > n else "missing")
        mismatches[name] = count
        if cand is not None and (first is None or cand.index < first.index):
            first = cand
    ok = first is None
    return Comparison(ok=ok, compared=compared, mismatches=mismatches, first_mismatch=first,
                      index_name=index_name, notes=notes)
