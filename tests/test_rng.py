"""Tests of the golden p-bit random-number generators (:mod:`spinemu.sim_golden.rng`).

* xoshiro128++ against Vigna's public-domain C reference, compiled here with gcc;
* the fast segmented ``generate`` against word-by-word stepping;
* maximal length of every LFSR tap set, proved with GF(2) matrix powers;
* stream seeding (distinct, deterministic, spaced as documented);
* statistical quality with thresholds derived from the sampling distribution,
  including the known failure of the plain 1-bit-shift LFSR read as a word.
"""

from __future__ import annotations

import ctypes
import math
import shutil
import subprocess

import numpy as np
import pytest
from spinemu.sim_golden.rng import (
    LFSR_LEAP_TAPS,
    LFSR_TAPS,
    XOSHIRO_JUMP_DISTANCE,
    LFSRModel,
    Xoshiro128ppModel,
)

__all__: list[str] = []

# Vigna's xoshiro128plusplus.c (https://prng.di.unimi.it/xoshiro128plusplus.c),
# next() and jump() verbatim; the small accessors after it are ours.
XOSHIRO128PP_C = r"""
/*  Written in 2019 by David Blackman and Sebastiano Vigna (vigna@acm.org)

To the extent possible under law, the author has dedicated all copyright
and related and neighboring rights to this software to the public domain
worldwide. This software is distributed without any warranty.

See <http://creativecommons.org/publicdomain/zero/1.0/>. */

#include <stdint.h>

/* This is xoshiro128++ 1.0, one of our 32-bit all-purpose, rock-solid
   generators. It has excellent speed, a state size (128 bits) that is
   large enough for mild parallelism, and it passes all tests we are aware
   of.

   For generating just single-precision (i.e., 32-bit) floating-point
   numbers, xoshiro128+ is even faster.

   The state must be seeded so that it is not everywhere zero. */


static inline uint32_t rotl(const uint32_t x, int k) {
	return (x << k) | (x >> (32 - k));
}


static uint32_t s[4];

uint32_t next(void) {
	const uint32_t result = rotl(s[0] + s[3], 7) + s[0];

	const uint32_t t = s[1] << 9;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];

	s[2] ^= t;

	s[3] = rotl(s[3], 11);

	return result;
}


/* This is the jump function for the generator. It is equivalent
   to 2^64 calls to next(); it can be used to generate 2^64
   non-overlapping subsequences for parallel computations. */

void jump(void) {
	static const uint32_t JUMP[] = { 0x8764000b, 0xf542d2d3, 0x6fa035c3, 0x77f2db5b };

	uint32_t s0 = 0;
	uint32_t s1 = 0;
	uint32_t s2 = 0;
	uint32_t s3 = 0;
	for(int i = 0; i < sizeof JUMP / sizeof *JUMP; i++)
		for(int b = 0; b < 32; b++) {
			if (JUMP[i] & UINT32_C(1) << b) {
				s0 ^= s[0];
				s1 ^= s[1];
				s2 ^= s[2];
				s3 ^= s[3];
			}
			next();
		}

	s[0] = s0;
	s[1] = s1;
	s[2] = s2;
	s[3] = s3;
}

/* --- test accessors (not part of the reference) --- */
void ref_set(const uint32_t* in) { for (int i = 0; i < 4; i++) s[i] = in[i]; }
void ref_get(uint32_t* out) { for (int i = 0; i < 4; i++) out[i] = s[i]; }
void ref_fill(uint32_t* out, uint64_t n) { for (uint64_t i = 0; i < n; i++) out[i] = next(); }
"""


@pytest.fixture(scope="module")
def xoshiro_ref(tmp_path_factory):
    """The C reference as a ctypes library."""
    cc = shutil.which("gcc") or shutil.which("cc")
    assert cc is not None, "a C compiler is required (the README lists g++)"
    folder = tmp_path_factory.mktemp("xoshiro_ref")
    src, lib = folder / "xoshiro128plusplus.c", folder / "libxoshiro_ref.so"
    src.write_text(XOSHIRO128PP_C)
    subprocess.run([cc, "-O2", "-shared", "-fPIC", "-o", str(lib), str(src)], check=True)
    dll = ctypes.CDLL(str(lib))
    u32p = ctypes.POINTER(ctypes.c_uint32)
    dll.ref_set.argtypes = [u32p]
    dll.ref_get.argtypes = [u32p]
    dll.ref_fill.argtypes = [u32p, ctypes.c_uint64]
    dll.jump.argtypes = []
    return dll


def _ptr(a: np.ndarray):
    return a.ctypes.data_as(ctypes.POINTER(ctypes.c_uint32))


def _ref_state(dll) -> np.ndarray:
    out = np.zeros(4, dtype=np.uint32)
    dll.ref_get(_ptr(out))
    return out


# -- (a) xoshiro128++ against the published reference --------------------------------------
@pytest.mark.parametrize(
    "state",
    [(1, 2, 3, 4), (0x9E3779B9, 0x7F4A7C15, 0xF39CC060, 0x5CEDC834), (0, 0, 0, 1)],
)
def test_xoshiro_matches_reference_outputs(xoshiro_ref, state):
    count = 5000
    s = np.array(state, dtype=np.uint32)
    xoshiro_ref.ref_set(_ptr(s))
    ref = np.zeros(count, dtype=np.uint32)
    xoshiro_ref.ref_fill(_ptr(ref), count)
    model = Xoshiro128ppModel()
    # word-by-word stepping of the model
    cur = s[None, :].copy()
    mine = np.empty(count, dtype=np.uint32)
    for t in range(count):
        mine[t] = model.output(cur)[0]
        cur = model.step(cur)
    np.testing.assert_array_equal(mine, ref)
    np.testing.assert_array_equal(cur[0], _ref_state(xoshiro_ref))
    # and the fast generator
    words, final = model.generate(s[None, :], count)
    np.testing.assert_array_equal(words[:, 0], ref)
    np.testing.assert_array_equal(final[0], _ref_state(xoshiro_ref))


@pytest.mark.parametrize("state", [(1, 2, 3, 4), (0xDEADBEEF, 0x01234567, 0x89ABCDEF, 0xCAFEF00D)])
def test_xoshiro_jump_matches_reference(xoshiro_ref, state):
    s = np.array(state, dtype=np.uint32)
    xoshiro_ref.ref_set(_ptr(s))
    xoshiro_ref.jump()
    ref_jumped = _ref_state(xoshiro_ref)
    model = Xoshiro128ppModel()
    assert XOSHIRO_JUMP_DISTANCE == 2**64
    np.testing.assert_array_equal(model.jump(s[None, :], 2**64)[0], ref_jumped)
    # outputs after the jump also agree (state layout s[0] = word 0)
    ref = np.zeros(100, dtype=np.uint32)
    xoshiro_ref.ref_fill(_ptr(ref), 100)
    words, _ = model.generate(ref_jumped[None, :], 100)
    np.testing.assert_array_equal(words[:, 0], ref)


def test_small_jumps_equal_stepping():
    """``jump(k)`` equals ``k`` calls of ``step`` for small k (both kinds)."""
    for model in (Xoshiro128ppModel(), LFSRModel(width=13, taps=LFSR_TAPS[13], leap=5)):
        rng = np.random.default_rng(3)
        s = rng.integers(1, 2**13, size=(3, model.state_words), dtype=np.uint32)
        cur = s.copy()
        for k in range(1, 40):
            cur = model.step(cur)
            np.testing.assert_array_equal(model.jump(s, k), cur)


# -- (b) fast generate == stepping -----------------------------------------------------------
def _step_words(model, states, count):
    cur = np.asarray(states, dtype=np.uint32).copy()
    out = np.empty((count, cur.shape[0]), dtype=np.uint32)
    for t in range(count):
        out[t] = model.output(cur)
        cur = model.step(cur)
    return out, cur


@pytest.mark.parametrize(
    "model",
    [
        Xoshiro128ppModel(),
        LFSRModel(width=32, taps=LFSR_TAPS[32], leap=32),
        LFSRModel(width=32, taps=LFSR_TAPS[32], leap=1),
        LFSRModel(width=11, taps=LFSR_TAPS[11], leap=7),
        LFSRModel(width=7, taps=LFSR_TAPS[7], leap=3),
    ],
    ids=["xoshiro", "lfsr32x32", "lfsr32x1", "lfsr11x7", "lfsr7x3"],
)
@pytest.mark.parametrize("count,n", [(1, 1), (63, 3), (1001, 7), (2049, 37), (3001, 2)])
def test_generate_equals_stepping(model, count, n):
    states = model.stream_states(12345 + count, n)
    words, final = model.generate(states, count)
    ref_words, ref_final = _step_words(model, states, count)
    assert words.shape == (count, n) and words.dtype == np.uint32
    np.testing.assert_array_equal(words, ref_words)
    np.testing.assert_array_equal(final, ref_final)


def test_generate_continues_seamlessly():
    """Two calls of ``generate`` chained through ``final`` equal one long call."""
    model = Xoshiro128ppModel()
    states = model.stream_states(7, 5)
    a, mid = model.generate(states, 3333)
    b, _ = model.generate(mid, 4441)
    whole, _ = model.generate(states, 3333 + 4441)
    np.testing.assert_array_equal(np.concatenate([a, b]), whole)


# -- (c) LFSR taps are maximal length ---------------------------------------------------------
def _prime_factors(x: int) -> list[int]:
    out, p = [], 2
    while p * p <= x:
        if x % p == 0:
            out.append(p)
            while x % p == 0:
                x //= p
        p += 1
    if x > 1:
        out.append(x)
    return out


def _shift_matrix_from_taps(width: int, taps) -> np.ndarray:
    """GF(2) matrix of one left shift with bit 0 = XOR of tapped bits (taps from 1)."""
    m = np.zeros((width, width), dtype=np.int64)
    for j in range(1, width):
        m[j, j - 1] = 1
    for t in taps:
        m[0, t - 1] ^= 1
    return m


def _matpow_gf2(m: np.ndarray, e: int) -> np.ndarray:
    """Independent square-and-multiply over GF(2) (int64, entries reduced mod 2)."""
    result = np.eye(m.shape[0], dtype=np.int64)
    base = m.copy()
    while e:
        if e & 1:
            result = (result @ base) & 1
        base = (base @ base) & 1
        e >>= 1
    return result


def test_prime_factors_helper():
    assert _prime_factors(2**32 - 1) == [3, 5, 17, 257, 65537]
    assert _prime_factors(2**31 - 1) == [2**31 - 1]
    assert _prime_factors(4095) == [3, 5, 7, 13]


@pytest.mark.parametrize(
    "width, taps",
    [(w, t) for w, t in sorted(LFSR_TAPS.items())] + [(w, t) for w, t in sorted(LFSR_LEAP_TAPS.items())],
)
def test_lfsr_taps_are_maximal_length(width, taps):
    """The order of the shift matrix is exactly 2**w - 1 (a primitive polynomial)."""
    m = _shift_matrix_from_taps(width, taps)
    # the model's single-shift matrix acts on a 32-bit word: its top-left w x w block
    # is this matrix and bits >= w stay zero
    model_m = LFSRModel(width=width, taps=taps, leap=1).shift_matrix
    np.testing.assert_array_equal(model_m[:width, :width], m)
    assert not model_m[width:].any() and not model_m[:, width:].any()
    period = (1 << width) - 1
    eye = np.eye(width, dtype=np.int64)
    np.testing.assert_array_equal(_matpow_gf2(m, period), eye)
    for p in _prime_factors(period):
        assert not np.array_equal(_matpow_gf2(m, period // p), eye), (width, p)


def test_maximal_length_check_rejects_a_bad_polynomial():
    """Sanity of the method: the reducible x^8 + x^4 + 1 = (x^2 + x + 1)^4 fails it."""
    m = _shift_matrix_from_taps(8, (8, 4))  # x^8 + x^4 + 1 = (x^2 + x + 1)^4: not primitive
    period = 255
    eye = np.eye(8, dtype=np.int64)
    full_order = np.array_equal(_matpow_gf2(m, period), eye) and all(
        not np.array_equal(_matpow_gf2(m, period // p), eye) for p in _prime_factors(period)
    )
    assert not full_order


def test_lfsr_full_period_by_enumeration():
    """Brute force for a small width: all 2**w - 1 nonzero states are visited once."""
    model = LFSRModel(width=10, taps=LFSR_TAPS[10], leap=1)
    words, final = model.generate(np.array([[1]], dtype=np.uint32), 1023)
    assert len(set(words[:, 0].tolist())) == 1023 and 0 not in words
    assert int(final[0, 0]) == 1


# -- (d) stream seeding -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "model",
    [
        Xoshiro128ppModel(),
        LFSRModel(width=32, taps=LFSR_TAPS[32], leap=32),
        LFSRModel(width=16, taps=LFSR_TAPS[16], leap=7),
    ],
    ids=["xoshiro", "lfsr32", "lfsr16x7"],
)
def test_stream_seeding(model):
    n = 9
    a = model.stream_states(42, n)
    b = model.stream_states(42, n)
    c = model.stream_states(43, n)
    np.testing.assert_array_equal(a, b)  # deterministic
    assert not np.array_equal(a, c)  # seed matters
    assert len({tuple(r) for r in a.tolist()}) == n  # distinct states
    assert all(np.any(a != 0, axis=1))  # no absorbing zero state
    d = model.stream_distance(n)
    if isinstance(model, LFSRModel):
        # documented: the largest D <= (2**w - 1) // n coprime with the period
        period = (1 << model.width) - 1
        assert d <= period // n and math.gcd(d, period) == 1
        assert all(math.gcd(x, period) != 1 for x in range(d + 1, period // n + 1))
        single = LFSRModel(width=model.width, taps=model.taps, leap=1)
        for i in range(n - 1):
            np.testing.assert_array_equal(single.jump(a[i : i + 1], d), a[i + 1 : i + 2])
    else:
        assert d == 2**64
        for i in range(n - 1):
            np.testing.assert_array_equal(model.jump(a[i : i + 1], d), a[i + 1 : i + 2])
    # the first stream is the master state
    np.testing.assert_array_equal(a[0], model.master_state(42))
    # streams of different sizes share their first state
    np.testing.assert_array_equal(model.stream_states(42, 1)[0], a[0])


def test_stream_seed_validation():
    model = Xoshiro128ppModel()
    for bad in (-1, 2**64, 1.5, "1"):
        with pytest.raises(ValueError, match=repr(bad).replace("'", ".")):
            model.stream_states(bad, 2)


def test_master_state_is_splitmix64():
    """splitmix64 reference value: seed 0 gives 0xE220A8397B1DCDAF (Vigna's splitmix64.c)."""
    from spinemu.sim_golden.rng import splitmix64

    assert splitmix64(0, 1)[0] == 0xE220A8397B1DCDAF
    s = Xoshiro128ppModel().master_state(0)
    a, b = splitmix64(0, 2)
    np.testing.assert_array_equal(s, [a & 0xFFFFFFFF, a >> 32, b & 0xFFFFFFFF, b >> 32])


@pytest.mark.parametrize("n", [2, 3, 5])
def test_lfsr_streams_are_shifted_copies_w12(n):
    """Known pitfall: LFSR streams on one polynomial are the same sequence, shifted.

    For w = 12 (period 4095) we walk stream 0 over its full period with single-bit
    shifts and locate every other stream's first state: stream i must sit exactly
    ``i * D`` shifts ahead (``D`` the largest spacing <= 4095 // n coprime with 4095, as
    the module docstring states), and its outputs are stream 0's outputs delayed by that
    many shifts.
    """
    w, period = 12, 4095
    single = LFSRModel(width=w, taps=LFSR_TAPS[w], leap=1)
    streams = single.stream_states(2024, n)
    seq, _ = single.generate(streams[:1], period)
    seq = seq[:, 0]
    position = {int(v): k for k, v in enumerate(seq)}
    assert len(position) == period
    d = single.stream_distance(n)
    assert math.gcd(d, period) == 1 and period // n - d < 8
    for i in range(n):
        assert position[int(streams[i, 0])] == i * d
    # the copies: stream 1's words are stream 0's words shifted by d
    words1, _ = single.generate(streams[1:2], 200)
    np.testing.assert_array_equal(words1[:, 0], np.roll(seq, -d)[:200])
    # the leaped model (leap = w) uses the same single-shift spacing
    leaped = LFSRModel(width=w, taps=LFSR_TAPS[w], leap=w)
    np.testing.assert_array_equal(leaped.stream_states(2024, n), streams)


def test_lfsr_stream_spacing_avoids_linearly_dependent_streams():
    """The pitfall the coprime spacing avoids: with D = (2**32 - 1) / 3, alpha**D is a cube
    root of unity and stream 2 = stream 0 XOR stream 1 exactly (a 3-p-bit network sampled
    a visibly wrong distribution: AND-gate TVD 0.028 against 0.002).  With the documented
    spacing the three streams satisfy no such relation."""
    taps = LFSR_LEAP_TAPS[32]
    single = LFSRModel(width=32, taps=taps, leap=1)
    period = (1 << 32) - 1
    master = single.master_state(7).reshape(1, -1)
    bad = [master, single.jump(master, period // 3), single.jump(master, 2 * (period // 3))]
    words = [single.generate(s, 256)[0][:, 0] for s in bad]
    assert np.array_equal(words[2], words[0] ^ words[1])
    good = single.stream_states(7, 3)
    words = [single.generate(good[i : i + 1], 256)[0][:, 0] for i in range(3)]
    assert not np.array_equal(words[2], words[0] ^ words[1])
    # no XOR relation among any subset of the three streams' bit sequences either
    bits = np.stack([(w[:, None] >> np.arange(32)) & 1 for w in words]).reshape(3, -1)
    for mask in range(1, 8):
        combo = np.zeros(bits.shape[1], np.int64)
        for k in range(3):
            if mask >> k & 1:
                combo ^= bits[k]
        assert combo.any()


def test_leaped_lfsr_period_is_reduced_by_gcd():
    """Leaping L shifts per clock shortens the period to (2**w-1)/gcd(L, 2**w-1).

    w = 12, L = 12: gcd(12, 4095) = 3, so only 1365 distinct words per stream
    (documented here as a property of leap = width on widths where it divides
    the period); w = 16, L = 16: gcd = 1, full period.
    """
    for w, expect in ((12, 4095 // 3), (16, 65535)):
        model = LFSRModel(width=w, taps=LFSR_TAPS[w], leap=w)
        period = (1 << w) - 1
        assert expect == period // math.gcd(w, period)
        words, final = model.generate(np.array([[1]], dtype=np.uint32), expect)
        assert len(set(words[:, 0].tolist())) == expect
        assert int(final[0, 0]) == 1


# -- (e) statistical quality --------------------------------------------------------------------
N_STAT = 1 << 18  # words per statistic; 5/sqrt(N) = 0.0098; every stream tested has a longer period


def _serial_r(x: np.ndarray) -> float:
    x = x.astype(np.float64)
    return float(np.corrcoef(x[:-1], x[1:])[0, 1])


def _chi2_top8_pvalue(words: np.ndarray, word_bits: int) -> float:
    from scipy.stats import chi2

    top = (words >> np.uint32(word_bits - 8)).astype(np.int64)
    counts = np.bincount(top, minlength=256)
    expected = len(words) / 256
    stat = float(((counts - expected) ** 2 / expected).sum())
    return float(chi2.sf(stat, 255))


QUALITY_MODELS = {
    "xoshiro": Xoshiro128ppModel(),
    "lfsr32_leap32": LFSRModel(width=32, taps=LFSR_TAPS[32], leap=32),
    "lfsr24_leap24": LFSRModel(width=24, taps=LFSR_TAPS[24], leap=24),
}


@pytest.fixture(scope="module")
def quality_streams():
    out = {}
    for name, model in {
        **QUALITY_MODELS,
        "lfsr32_leap1": LFSRModel(width=32, taps=LFSR_TAPS[32], leap=1),
    }.items():
        states = model.stream_states(20240601, 2)
        words, _ = model.generate(states, N_STAT)
        out[name] = (model, words)
    return out


@pytest.mark.parametrize("name", [*QUALITY_MODELS, "lfsr32_leap1"])
def test_chi2_uniformity_top8(quality_streams, name):
    """256-bin chi-squared of the top 8 bits; under H0 the statistic is chi2(255).

    A p-value below 1e-4 would reject uniformity (a false alarm once in 10^4 seeds).
    All kinds, even the plain shift register, have uniform marginals.
    """
    model, words = quality_streams[name]
    for i in range(words.shape[1]):
        assert _chi2_top8_pvalue(words[:, i], model.word_bits) > 1e-4, (name, i)


@pytest.mark.parametrize("name", list(QUALITY_MODELS))
def test_serial_correlation_passes(quality_streams, name):
    """Lag-1 Pearson r of successive words: for independent words r ~ N(0, 1/N)."""
    _, words = quality_streams[name]
    bound = 5 / math.sqrt(N_STAT)
    for i in range(words.shape[1]):
        r = _serial_r(words[:, i])
        assert abs(r) < bound, (name, i, r, bound)


def test_plain_shift_lfsr_fails_serial_test(quality_streams):
    """The known pitfall: with leap = 1, r' = (2 r + b) mod 2**w, whose correlation with
    r is 1/2 for uniform r (cov(U, 2U mod 1) = 1/24 against var 1/12).  The test must
    reject it by a wide margin."""
    _, words = quality_streams["lfsr32_leap1"]
    bound = 5 / math.sqrt(N_STAT)
    for i in range(words.shape[1]):
        r = _serial_r(words[:, i])
        assert abs(r) > bound
        # r = 0.5 within 5 standard errors (delta method sd of r <= ~1/sqrt(N))
        assert abs(r - 0.5) < 5 / math.sqrt(N_STAT), r


@pytest.mark.parametrize("name", [*QUALITY_MODELS, "lfsr32_leap1"])
def test_cross_correlation_between_streams(quality_streams, name):
    """Pearson r between p-bit 0's and p-bit 1's words at equal times; |r| < 5/sqrt(N)."""
    _, words = quality_streams[name]
    r = float(np.corrcoef(words[:, 0].astype(float), words[:, 1].astype(float))[0, 1])
    assert abs(r) < 5 / math.sqrt(N_STAT), (name, r)


def test_cross_correlation_of_pbit_samples():
    """Samples of two p-bits at I = 0 (P = 1/2) are uncorrelated: |r| < 5/sqrt(N)."""
    from spinemu.sim_golden.pbit_array import PBitArrayGolden
    from spinemu.sim_golden.pbit_spec import PBitArraySpec

    for spec in (PBitArraySpec(n=2, seed=5), PBitArraySpec(n=2, rng="lfsr", seed=5)):
        m = PBitArrayGolden(spec).run(np.zeros(2, dtype=np.int64), N_STAT).astype(float)
        r = float(np.corrcoef(m[:, 0], m[:, 1])[0, 1])
        assert abs(r) < 5 / math.sqrt(N_STAT), (spec.rng, r)
