"""The golden-vs-RTL comparison utility locates the first mismatch exactly."""

from __future__ import annotations

import json

import numpy as np
import pytest
from spinemu.gen.compare import compare_streams


def test_identical_streams_pass():
    a = np.arange(60).reshape(20, 3)
    c = compare_streams({"x": a, "y": a[:, 0]}, {"x": a.copy(), "y": a[:, 0].copy()})
    assert c.ok and c.first_mismatch is None
    assert c.compared == {"x": 60, "y": 20}
    assert json.loads(c.to_json())["ok"] is True


def test_first_mismatch_is_earliest_over_all_signals():
    g = {"m": np.zeros((100, 4), dtype=np.int8), "s": np.zeros(100, dtype=np.int64)}
    r = {"m": g["m"].copy(), "s": g["s"].copy()}
    r["m"][57, 2] = 1
    r["m"][80, 0] = -1
    r["s"][40] = 7
    c = compare_streams(g, r)
    assert not c.ok
    fm = c.first_mismatch
    assert (fm.index, fm.signal, fm.element, fm.golden, fm.rtl) == (40, "s", (), 0, 7)
    assert c.mismatches == {"m": 2, "s": 1}
    r["s"][40] = 0
    fm = compare_streams(g, r).first_mismatch
    assert (fm.index, fm.signal, fm.element, fm.golden, fm.rtl) == (57, "m", (2,), 0, 1)
    assert "sample 57" in str(fm) and "m[2]" in str(fm)
    d = json.loads(compare_streams(g, r).to_json())
    assert d["first_mismatch"] == {"index": 57, "signal": "m", "element": [2], "golden": 0, "rtl": 1}


def test_length_difference_is_a_mismatch():
    g = {"m": np.ones((10, 2))}
    r = {"m": np.ones((8, 2))}
    c = compare_streams(g, r)
    assert not c.ok and c.first_mismatch.index == 8 and c.first_mismatch.rtl == "missing"


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="names differ"):
        compare_streams({"a": np.zeros(3)}, {"b": np.zeros(3)})
    with pytest.raises(ValueError, match="element shapes"):
        compare_streams({"a": np.zeros((3, 2))}, {"a": np.zeros((3, 3))})
