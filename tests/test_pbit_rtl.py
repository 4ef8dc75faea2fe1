"""Golden vs RTL tests of the p-bit array through the native Verilator model.

Every test drives the generated top level only through its AXI4-Lite port (the
register map of ``spec.regmap``) and records the ``sample`` stream, then compares
with :class:`spinemu.sim_golden.pbit_array.PBitArrayGolden` sample for sample, or
(for P(m = +1 | I)) against the LUT probability with a binomial tolerance.

Each distinct Spec costs one Verilator build (about 10 s, cached in build/cache).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spinemu.sim_golden.pbit_array import PBitArrayGolden
from spinemu.sim_golden.pbit_spec import PBitArraySpec

__all__: list[str] = []


#: The 8-input stimulus of issue 2's example config (real units).
ISSUE2_STIMULUS = [-2.0, -1.0, -0.5, 0.0, 0.25, 0.5, 1.0, 2.0]


# -- helpers ----------------------------------------------------------------------------------
def _native(spec: PBitArraySpec):
    """A fresh native model of ``spec`` (the build is cached by content)."""
    from spinemu.gen.native import build_native
    from spinemu.gen.verilog import design_for_spec

    return build_native(design_for_spec(spec))


def _write_inputs(m, spec: PBitArraySpec, i_q) -> None:
    reg = spec.regmap["INPUT"]
    for i, v in enumerate(i_q):
        m.axil_write(reg.address(i), int(v) & 0xFFFFFFFF)


def _reg(m, spec, name: str) -> int:
    return m.axil_read(spec.regmap[name].address(0))[0]


def _to_pm(words: np.ndarray, n: int) -> np.ndarray:
    """Records (T, words) -> samples (T, n) of +-1 (bit i of the port = p-bit i is +1)."""
    words = np.asarray(words, dtype=np.uint32)
    bits = (words[:, :, None] >> np.arange(32, dtype=np.uint32)) & np.uint32(1)
    bits = bits.reshape(words.shape[0], 32 * words.shape[1])[:, :n]
    return np.where(bits == 1, 1, -1).astype(np.int8)


def _run(m, spec: PBitArraySpec, samples: int) -> np.ndarray:
    """Set RUN, record ``samples`` samples from the first advance on, clear RUN."""
    m.record("sample", "sample_valid", samples)
    m.axil_write(spec.regmap["CTRL"].address(0), 1)
    m.run_until_recorded(samples)
    words = m.stop_recording()
    m.axil_write(spec.regmap["CTRL"].address(0), 0)
    return _to_pm(words, spec.n)


def _assert_same(golden: np.ndarray, rtl: np.ndarray, what: str = "") -> None:
    """Equal streams, or a message naming the first mismatching sample and p-bit."""
    assert golden.shape == rtl.shape, f"{what}shape golden {golden.shape} != rtl {rtl.shape}"
    diff = np.nonzero(golden != rtl)
    if diff[0].size:
        order = np.lexsort((diff[1], diff[0]))
        t, i = int(diff[0][order[0]]), int(diff[1][order[0]])
        raise AssertionError(
            f"{what}first mismatch at sample {t}, p-bit {i}: golden {int(golden[t, i]):+d}, "
            f"rtl {int(rtl[t, i]):+d} ({diff[0].size} mismatches in {golden.size})"
        )


def _random_inputs(spec: PBitArraySpec, seed: int) -> np.ndarray:
    half = 1 << (spec.input_bits - 1)
    rng = np.random.default_rng(seed)
    i_q = rng.integers(-half, half, size=spec.n)
    # always include both extremes and zero when there is room
    i_q[: min(spec.n, 3)] = [-half, half - 1, 0][: min(spec.n, 3)]
    return i_q


def test_assert_same_reports_first_mismatch():
    """The comparison helper names sample, p-bit and both values."""
    g = np.ones((10, 4), dtype=np.int8)
    r = g.copy()
    r[7, 1] = -1
    r[3, 2] = -1
    with pytest.raises(AssertionError, match=r"sample 3, p-bit 2: golden \+1, rtl -1"):
        _assert_same(g, r)


# -- (1) bit-exact golden == RTL ----------------------------------------------------------------
@pytest.fixture(scope="module")
def issue2_run():
    """10**6 RTL samples of the issue-2 example array (xoshiro128++, n = 8)."""
    spec = PBitArraySpec(
        n=8,
        rng="xoshiro128pp",
        input_bits=8,
        input_frac_bits=4,
        prob_bits=16,
        sigmoid="tanh",
        beta=1.0,
        seed=1,
    )
    i_q = spec.quantize_inputs(ISSUE2_STIMULUS)
    m = _native(spec)
    _write_inputs(m, spec, i_q)
    rtl = _run(m, spec, 10**6)
    return spec, i_q, rtl


def test_golden_equals_rtl_1e6_xoshiro(issue2_run):
    spec, i_q, rtl = issue2_run
    _assert_same(PBitArrayGolden(spec).run(i_q, len(rtl)), rtl)


RTL_CASES = [
    (
        dict(
            n=5, rng="lfsr", lfsr_width=8, lfsr_leap=1, prob_bits=8, input_bits=4, input_frac_bits=1, seed=3
        ),
        50_000,
    ),
    (
        dict(
            n=33,
            rng="lfsr",
            lfsr_width=16,
            lfsr_leap=7,
            prob_bits=12,
            input_bits=6,
            input_frac_bits=3,
            beta=0.8,
            seed=77,
        ),
        100_000,
    ),
    (
        dict(
            n=1,
            rng="lfsr",
            lfsr_width=32,
            prob_bits=16,
            input_bits=10,
            input_frac_bits=5,
            beta=2.0,
            seed=2**63 + 5,
        ),
        200_000,
    ),
    (
        dict(
            n=5, rng="lfsr", lfsr_width=32, lfsr_leap=1, prob_bits=9, input_bits=8, input_frac_bits=4, seed=9
        ),
        50_000,
    ),
    (
        dict(n=33, rng="xoshiro128pp", prob_bits=14, input_bits=7, input_frac_bits=3, beta=0.5, seed=12345),
        100_000,
    ),
    (dict(n=1, rng="xoshiro128pp", prob_bits=8, input_bits=5, input_frac_bits=2, beta=1.5, seed=0), 200_000),
]
RTL_IDS = [
    "lfsr8-leap1-n5",
    "lfsr16-leap7-n33",
    "lfsr32-leap32-n1",
    "lfsr32-leap1-n5",
    "xoshiro-n33",
    "xoshiro-n1",
]


@pytest.mark.parametrize("kwargs,samples", RTL_CASES, ids=RTL_IDS)
def test_golden_equals_rtl(kwargs, samples):
    spec = PBitArraySpec(**kwargs)
    i_q = _random_inputs(spec, seed=spec.seed % 1000)
    m = _native(spec)
    _write_inputs(m, spec, i_q)
    rtl = _run(m, spec, samples)
    _assert_same(PBitArrayGolden(spec).run(i_q, samples), rtl, f"{spec.to_dict()}: ")


# -- (2) random configurations ------------------------------------------------------------------
@st.composite
def pbit_specs(draw):
    kind = draw(st.sampled_from(["lfsr", "xoshiro128pp"]))
    n = draw(st.integers(1, 16))
    input_bits = draw(st.integers(2, 12))
    kw = dict(
        n=n,
        rng=kind,
        input_bits=input_bits,
        input_frac_bits=draw(st.integers(0, input_bits - 1)),
        beta=draw(st.floats(0.05, 8.0)),
        seed=draw(st.integers(0, 2**64 - 1)),
    )
    if kind == "lfsr":
        width = draw(st.integers(max(3, n.bit_length()), 32))
        kw.update(lfsr_width=width, lfsr_leap=draw(st.integers(1, 64)))
        word_bits = width
    else:
        word_bits = 32
    kw["prob_bits"] = draw(st.integers(2, min(32, word_bits)))
    return PBitArraySpec(**kw)


@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(spec=pbit_specs(), input_seed=st.integers(0, 2**32 - 1))
def test_golden_equals_rtl_random_specs(spec, input_seed):
    # derandomize=True: the same few Specs every run, so their builds stay cached
    i_q = _random_inputs(spec, input_seed)
    m = _native(spec)
    _write_inputs(m, spec, i_q)
    samples = 20_000
    rtl = _run(m, spec, samples)
    _assert_same(PBitArrayGolden(spec).run(i_q, samples), rtl, f"{spec.to_dict()}: ")


# -- (3) seed loading through the SEED register ---------------------------------------------------
SEED_SPECS = [RTL_CASES[0][0], dict(n=8)]


@pytest.mark.parametrize("kwargs", SEED_SPECS, ids=["lfsr8-n5", "xoshiro-n8"])
@pytest.mark.parametrize("seed", [0, 987654321, 2**64 - 1])
def test_seed_register_loads_streams(kwargs, seed):
    spec = PBitArraySpec(**kwargs)
    i_q = np.zeros(spec.n, dtype=np.int64)  # P = 1/2: the samples are the RNG's top bits
    m = _native(spec)
    _write_inputs(m, spec, i_q)
    m.step(17)  # idle cycles must not matter
    for word in spec.seed_chain_words(seed):
        m.axil_write(spec.regmap["SEED"].address(0), word)
    assert _reg(m, spec, "COUNT") == 0  # seed writes do not advance the array
    samples = 20_000
    rtl = _run(m, spec, samples)
    golden = PBitArrayGolden(spec, seed=seed).run(i_q, samples)
    _assert_same(golden, rtl, f"seed {seed}: ")
    if seed != spec.seed:  # and it is not simply the reset stream
        assert not np.array_equal(PBitArrayGolden(spec).run(i_q, samples), rtl)


# -- (4) P(m = +1 | I) against the LUT -------------------------------------------------------------
def test_probability_matches_lut(issue2_run):
    """Each p-bit's fraction of +1 over N = 10**6 RTL samples is Binomial(N, p)/N with p
    the LUT probability; it must lie within 4 standard deviations sqrt(p(1-p)/N)."""
    spec, i_q, rtl = issue2_run
    n_samples = len(rtl)
    assert n_samples >= 10**5
    p_hat = (rtl == 1).mean(axis=0)
    p = spec.lut_probability(i_q)
    sd = np.sqrt(p * (1 - p) / n_samples)
    z = (p_hat - p) / sd
    assert np.all(np.abs(z) < 4), {
        "I": ISSUE2_STIMULUS,
        "p_lut": p.tolist(),
        "p_rtl": p_hat.tolist(),
        "z": z.tolist(),
    }
    # and the LUT realises the tanh sigmoid to half an LSB
    ideal = spec.probability(np.asarray(ISSUE2_STIMULUS))
    assert np.all(np.abs(p - ideal) <= 0.5 / (1 << spec.prob_bits))


# -- (5) STEP / STEPS_LEFT / COUNT -----------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [RTL_CASES[0][0], dict(n=8)], ids=["lfsr8-n5", "xoshiro-n8"])
def test_step_register_advances_exactly(kwargs):
    spec = PBitArraySpec(**kwargs)
    i_q = _random_inputs(spec, 5)
    m = _native(spec)
    _write_inputs(m, spec, i_q)
    step = spec.regmap["STEP"].address(0)
    assert _reg(m, spec, "COUNT") == 0 and _reg(m, spec, "STEPS_LEFT") == 0
    golden = PBitArrayGolden(spec)
    total = 0
    for k in (1, 0, 1000, 37):
        m.record("sample", "sample_valid", k + 1000)
        m.axil_write(step, k)
        if k >= 100:
            left = _reg(m, spec, "STEPS_LEFT")
            assert 0 < left < k
            assert _reg(m, spec, "STATUS") & 1 == 1  # BUSY while stepping
        m.step(k + 200)  # far more cycles than needed: the array must hold after k
        got = m.stop_recording()
        assert len(got) == k, f"STEP {k} produced {len(got)} samples"
        total += k
        assert _reg(m, spec, "COUNT") == total
        assert _reg(m, spec, "STEPS_LEFT") == 0
        assert _reg(m, spec, "STATUS") & 1 == 0
        _assert_same(golden.run(i_q, k), _to_pm(got, spec.n), f"STEP {k}: ")


# -- (6) reset ---------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [RTL_CASES[0][0], dict(n=8)], ids=["lfsr8-n5", "xoshiro-n8"])
def test_reset_restores_spec_seed(kwargs):
    spec = PBitArraySpec(**kwargs)
    i_q = _random_inputs(spec, 11)
    m = _native(spec)
    _write_inputs(m, spec, i_q)
    _run(m, spec, 1234)
    for word in spec.seed_chain_words(4242):  # even a reseeded array comes back
        m.axil_write(spec.regmap["SEED"].address(0), word)
    _run(m, spec, 321)
    m.reset()
    assert _reg(m, spec, "COUNT") == 0
    assert _reg(m, spec, "CTRL") == 0
    _write_inputs(m, spec, i_q)
    samples = 5000
    rtl = _run(m, spec, samples)
    _assert_same(PBitArrayGolden(spec, seed=None).run(i_q, samples), rtl, "after reset: ")
