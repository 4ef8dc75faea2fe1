"""Tests of the p-bit Spec: LUT, tie rule, quantisation and validation.

Reference values are derived here from the definitions in the module docstring of
:mod:`spinemu.sim_golden.pbit_spec` (P = (1 + tanh(beta I)) / 2, round half up to
``prob_bits`` bits, clamp to [1, 2**prob_bits - 1], strict comparison) and from exact
enumeration of the random number.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from spinemu.sim_golden.pbit_array import PBitArrayGolden, compare_words
from spinemu.sim_golden.pbit_spec import PBitArraySpec
from spinemu.sim_golden.validate import SpecError

__all__: list[str] = []

SPECS = [
    PBitArraySpec(n=4),
    PBitArraySpec(n=3, input_bits=6, input_frac_bits=2, prob_bits=8, beta=0.7),
    PBitArraySpec(n=2, rng="lfsr", lfsr_width=16, input_bits=10, input_frac_bits=6, prob_bits=12, beta=2.5),
    PBitArraySpec(n=2, rng="lfsr", lfsr_width=8, input_bits=4, input_frac_bits=1, prob_bits=8, beta=3.0),
]
SPEC_IDS = ["default", "x6.2p8", "l16i10p12", "l8i4p8"]


def _signed_codes(spec):
    size = 1 << spec.input_bits
    return np.arange(-(size // 2), size // 2)


def _reference_lut(spec, i_q):
    """LUT entry from the docstring definition, computed per value with math.tanh."""
    scale = 1 << spec.prob_bits
    x = i_q / (1 << spec.input_frac_bits)
    p = 0.5 * (1.0 + math.tanh(spec.beta * x))
    return min(max(math.floor(p * scale + 0.5), 1), scale - 1)


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_lut_matches_definition(spec):
    scale = 1 << spec.prob_bits
    codes = _signed_codes(spec)
    ref = np.array([_reference_lut(spec, int(c)) for c in codes])
    got = spec.lut[codes & ((1 << spec.input_bits) - 1)].astype(np.int64)
    np.testing.assert_array_equal(got, ref)
    # unclamped entries are within half an LSB of the ideal sigmoid
    ideal = spec.probability(codes / (1 << spec.input_frac_bits))
    inside = (ref > 1) & (ref < scale - 1)
    assert np.all(np.abs(got[inside] / scale - ideal[inside]) <= 0.5 / scale + 1e-15)
    # monotone non-decreasing in I, and exactly 1/2 at I = 0
    assert np.all(np.diff(got) >= 0)
    assert spec.lut_probability(0) == 0.5
    np.testing.assert_array_equal(spec.lut_probability(codes), got / scale)


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_tie_rule_handcrafted_words(spec):
    """m = +1 iff the random number r < LUT: r = LUT - 1 gives +1, r = LUT gives -1,
    whatever the low (discarded) bits of the word are."""
    shift = spec.word_bits - spec.prob_bits
    low_ones = (1 << shift) - 1
    for c in _signed_codes(spec)[:: max(1, len(_signed_codes(spec)) // 37)]:
        lut = int(spec.lut[int(c) & ((1 << spec.input_bits) - 1)])
        i_q = np.array([c, c])
        for r, expect in ((lut - 1, 1), (lut, -1)):
            words = np.array([[r << shift, (r << shift) | low_ones]], dtype=np.uint32)
            np.testing.assert_array_equal(compare_words(spec, words, i_q[None, :]), [[expect] * 2])


@pytest.mark.parametrize("spec", [s for s in SPECS if s.prob_bits <= 12], ids=["p8", "p12", "l8p8"])
def test_probability_is_exactly_lut_over_scale(spec):
    """Enumerating every random number r in [0, 2**prob_bits): the count of +1 is LUT."""
    shift = spec.word_bits - spec.prob_bits
    r = np.arange(1 << spec.prob_bits, dtype=np.uint64)
    words = (r << np.uint64(shift)).astype(np.uint32)[:, None]
    for c in _signed_codes(spec):
        m = compare_words(spec, words, np.array([[c]]))
        plus = int((m == 1).sum())
        assert plus == int(spec.lut[int(c) & ((1 << spec.input_bits) - 1)])
        assert plus / (1 << spec.prob_bits) == spec.lut_probability(c)


@pytest.mark.parametrize("pb", [2, 4, 8, 16])
def test_clamping_keeps_pbits_alive(pb):
    """With a steep sigmoid the extremes clamp to 1 and 2**pb - 1 (never frozen)."""
    spec = PBitArraySpec(n=1, prob_bits=pb, beta=50.0)
    assert int(spec.lut.min()) == 1
    assert int(spec.lut.max()) == (1 << pb) - 1
    lo, hi = spec.input_range
    assert spec.lut_probability(spec.quantize_inputs([lo]))[0] == 1 / (1 << pb)
    assert spec.lut_probability(spec.quantize_inputs([hi]))[0] == 1 - 1 / (1 << pb)
    # every entry is in [1, 2**pb - 1]
    assert np.all((spec.lut >= 1) & (spec.lut <= (1 << pb) - 1))


@pytest.mark.parametrize(
    "spec",
    SPECS + [PBitArraySpec(n=1, prob_bits=pb, beta=b) for pb in (2, 5, 16) for b in (0.3, 50.0)],
)
def test_symmetry(spec):
    """P(-I) = 1 - P(I) on the whole grid except the most negative code (no mirror)."""
    scale = 1 << spec.prob_bits
    codes = _signed_codes(spec)[1:]  # drop -2**(input_bits-1)
    p = spec.lut_probability(codes)
    pm = spec.lut_probability(-codes)
    np.testing.assert_array_equal(p + pm, np.ones_like(p))
    # the LUT entries themselves sum to 2**prob_bits (exact integers)
    mask = (1 << spec.input_bits) - 1
    assert np.all(spec.lut[codes & mask].astype(np.int64) + spec.lut[(-codes) & mask] == scale)


def test_quantize_inputs_rounding():
    spec = PBitArraySpec(n=1)  # s4.4: LSB = 1/16
    lsb = 1 / 16
    vals = [
        0.0,
        lsb / 2,
        -lsb / 2,
        lsb / 2 - 1e-9,
        3 * lsb / 2,
        -3 * lsb / 2,
        1.0,
        -2.0,
        0.26,
        -0.26,
        7.9375,
        -8.0,
    ]
    expect = [0, 1, -1, 0, 2, -2, 16, -32, 4, -4, 127, -128]
    np.testing.assert_array_equal(spec.quantize_inputs(vals), expect)
    # the issue-2 stimulus is on the grid
    stim = [-2.0, -1.0, -0.5, 0.0, 0.25, 0.5, 1.0, 2.0]
    np.testing.assert_array_equal(spec.quantize_inputs(stim), np.array(stim) * 16)
    # shape is preserved
    assert spec.quantize_inputs(np.zeros((2, 3))).shape == (2, 3)
    # range: half an LSB above the top rounds out of range; just below -8 rounds in
    assert spec.input_range == (-8.0, 7.9375)
    assert spec.quantize_inputs([-8.0 - lsb / 2 + 1e-9])[0] == -128


@pytest.mark.parametrize(
    "values,index,bad",
    [
        ([0.0, 100.0], "I[1]", "100.0"),
        ([7.96875], "I[0]", "7.96875"),
        ([1.0, 2.0, -8.03125], "I[2]", "-8.03125"),
        ([0.0, float("nan")], "I[1]", "nan"),
        ([[0.0, 1.0], [float("inf"), 0.0]], "I[1, 0]", "inf"),
    ],
)
def test_quantize_inputs_out_of_range_names_index(values, index, bad):
    spec = PBitArraySpec(n=2)
    with pytest.raises(SpecError) as err:
        spec.quantize_inputs(values)
    msg = str(err.value)
    assert index in msg and bad in msg, msg
    assert "-8.0" in msg and "7.9375" in msg  # says what is allowed
    assert err.value.field == index


@pytest.mark.parametrize(
    "kwargs,field,shown",
    [
        ({"n": 0}, "n", "0"),
        ({"n": 4097}, "n", "4097"),
        ({"n": 2.0}, "n", "2.0"),
        ({"n": 2, "rng": "mersenne"}, "rng", "'mersenne'"),
        ({"n": 2, "lfsr_width": 33}, "lfsr_width", "33"),
        ({"n": 2, "lfsr_leap": 0}, "lfsr_leap", "0"),
        ({"n": 2, "lfsr_taps": (5, 3)}, "lfsr_taps", "(5, 3)"),
        ({"n": 2, "input_bits": 13}, "input_bits", "13"),
        ({"n": 2, "input_bits": 6, "input_frac_bits": 6}, "input_frac_bits", "6"),
        ({"n": 2, "prob_bits": 33}, "prob_bits", "33"),
        ({"n": 2, "rng": "lfsr", "lfsr_width": 12, "prob_bits": 13}, "prob_bits", "13"),
        ({"n": 2, "beta": 0.0}, "beta", "0.0"),
        ({"n": 2, "beta": float("nan")}, "beta", "nan"),
        ({"n": 2, "beta": True}, "beta", "True"),
        ({"n": 2, "sigmoid": "relu"}, "sigmoid", "'relu'"),
        ({"n": 2, "seed": -1}, "seed", "-1"),
        ({"n": 2, "seed": 2**64}, "seed", str(2**64)),
        ({"n": 8, "rng": "lfsr", "lfsr_width": 3, "prob_bits": 3}, "n", "8"),
    ],
)
def test_spec_validation_echoes_value(kwargs, field, shown):
    with pytest.raises(SpecError) as err:
        PBitArraySpec(**kwargs)
    assert isinstance(err.value, ValueError)
    assert err.value.field == field
    msg = str(err.value)
    assert field in msg and shown in msg, msg


def test_spec_is_keyword_only_and_frozen():
    with pytest.raises(TypeError):
        PBitArraySpec(8)  # type: ignore[misc]
    spec = PBitArraySpec(n=2)
    with pytest.raises(AttributeError):
        spec.n = 3  # type: ignore[misc]


def test_golden_run_checks_shape_and_is_resumable():
    spec = PBitArraySpec(n=3, rng="lfsr", lfsr_width=16, prob_bits=16)
    with pytest.raises(ValueError, match=r"\(3,\)"):
        PBitArrayGolden(spec).run(np.zeros(2), 5)
    i_q = np.array([-16, 0, 16])
    whole = PBitArrayGolden(spec).run(i_q, 500)
    g = PBitArrayGolden(spec)
    np.testing.assert_array_equal(np.concatenate([g.run(i_q, 123), g.run(i_q, 377)]), whole)
    # seed=None is the Spec's seed
    np.testing.assert_array_equal(PBitArrayGolden(spec, seed=spec.seed).run(i_q, 500), whole)
    assert whole.dtype == np.int8 and set(np.unique(whole)) <= {-1, 1}


def test_lfsr_leap_keeps_the_full_period():
    """The default leap is the smallest >= width coprime with 2**w - 1; others are refused."""
    import math

    for w in range(3, 33):
        spec = PBitArraySpec(n=1, rng="lfsr", lfsr_width=w, prob_bits=min(w, 3))
        period = (1 << w) - 1
        assert spec.lfsr_leap >= w and math.gcd(spec.lfsr_leap, period) == 1
        assert all(math.gcd(k, period) > 1 for k in range(w, spec.lfsr_leap))
    with pytest.raises(SpecError, match="shorten the period to 1365"):
        PBitArraySpec(n=1, rng="lfsr", lfsr_width=12, lfsr_leap=12, prob_bits=8)
