"""Tests of the user API spinemu.sw.hopfield.HopfieldNetwork (golden and float backends).

The letter experiment follows REFERENCE.md §5 (Borders 2017: 9 neurons, 3x3 patterns,
36 spin-orbit-torque synapses, imperfect written weights repaired by Hebbian relearning
with the devices in the loop within ~20 iterations). The rtl backend is exercised in
test_hopfield_rtl.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from spinemu.sim_golden.hopfield_float import flip_bits, hebbian
from spinemu.sw.hopfield import HopfieldNetwork

__all__: list[str] = []

LETTERS = np.array(
    [
        [1, -1, 1, -1, 1, -1, 1, -1, 1],  # X
        [1, 1, 1, -1, 1, -1, -1, 1, -1],  # T
        [1, -1, -1, 1, -1, -1, 1, 1, 1],  # L
    ]
)
DEVICE = dict(n_levels=16, nonlinearity=3.0, spread=0.5, lanes=2)
DEVICE_SEEDS = range(20)


def test_input_errors():
    net = HopfieldNetwork(9, seed=0)
    with pytest.raises(ValueError, match=r"must contain only \+1/-1, found 0 at index \(0, 2\)"):
        net.store([[1, -1, 0, 1, 1, 1, 1, 1, 1]])
    with pytest.raises(ValueError, match="patterns have length 8 but the network has 9 neurons"):
        net.store(np.ones((2, 8)))
    with pytest.raises(ValueError, match="16 patterns are more than the hardware holds: at most 15"):
        net.store(np.ones((16, 9)))
    with pytest.raises(ValueError, match="rule must be 'hebbian' or 'storkey', not 'oja'"):
        net.store(LETTERS, rule="oja")
    with pytest.raises(ValueError, match=r"cue must have shape \(9,\), not \(3,\)"):
        net.recall([1, 1, 1])
    with pytest.raises(ValueError, match="mode must be 'async' or 'sync', not 'random'"):
        net.recall(LETTERS[0], mode="random")
    with pytest.raises(ValueError, match="max_sweeps must be an int in 1..65535, not 0"):
        net.recall(LETTERS[0], max_sweeps=0)
    with pytest.raises(ValueError, match="backend must be one of golden, rtl, float, pynq, not 'gpu'"):
        HopfieldNetwork(9, backend="gpu")
    with pytest.raises(ValueError, match="n_neurons = 1 is not allowed"):
        HopfieldNetwork(1)


def test_store_hebbian_uses_the_level_range():
    net = HopfieldNetwork(9, seed=1)
    net.store(LETTERS)
    # three patterns in 15 levels: 5 pulses per pattern, d = 5 J; ideal devices read 4 d
    J = hebbian(LETTERS, normalize=False)
    assert np.array_equal(net.levels, 5 * J) and np.array_equal(net.weights, 20 * J)
    for x in LETTERS:
        r = net.recall(x)
        assert r.converged and r.sweeps == 1 and np.array_equal(r.state, x)


def test_letters_in_situ_learning_golden():
    """Written once, imperfect devices break a letter on many device seeds; in-situ learning
    recovers all three within 20 iterations on every seed."""
    n_failed = 0
    for ds in DEVICE_SEEDS:
        net = HopfieldNetwork(9, seed=ds, device_seed=ds, **DEVICE)
        rep = net.train_in_situ(LETTERS, max_iters=20)
        assert rep.converged and rep.recalled.all() and rep.iterations <= 20, ds
        assert np.array_equal(rep.final_states, LETTERS)
        if not rep.initial_recalled.all():
            n_failed += 1
            assert rep.iterations >= 1
        # with 1-bit-flipped cues the repaired memory still returns each letter or at
        # least settles in a fixed point (no guarantee of basin size at N = 9)
        for mu, x in enumerate(LETTERS):
            r = net.recall(flip_bits(x, 1, seed=mu))
            assert r.converged
    # the devices really break the open-loop write on a sizeable share of seeds
    assert n_failed >= len(DEVICE_SEEDS) // 4
    # control: ideal devices store the letters open loop (margins 4, 2, 2 > 0)
    ideal = HopfieldNetwork(9, seed=0).train_in_situ(LETTERS)
    assert ideal.initial_recalled.all() and ideal.iterations == 0


def test_float_backend_same_devices():
    # the float backend holds the very devices the Spec quantizes (same device seed)
    fails = 0
    for ds in range(6):
        net = HopfieldNetwork(9, backend="float", seed=ds, device_seed=ds, **DEVICE)
        rep = net.train_in_situ(LETTERS, max_iters=20)
        assert rep.converged and rep.recalled.all()
        fails += not rep.initial_recalled.all()
        gold = HopfieldNetwork(9, seed=ds, device_seed=ds, **DEVICE)
        gold.store(LETTERS)
        net.store(LETTERS)
        assert np.array_equal(gold.levels, net.levels)  # same level counters after the write
        # quantized weights within one count of the float weights (x g_counts / w_max)
        assert np.all(np.abs(gold.weights - gold.spec.g_counts * net.weights) <= 1 + 1e-9)
    assert fails >= 1


def _sync_map(W, s):
    h = W @ s
    return np.where(h > 0, 1, np.where(h < 0, -1, s))


def test_sync_two_cycle_reported():
    """Hebbian N = 20, P = 6, random cues: synchronous runs end in a fixed point or a
    2-cycle (Goles-Olivos for symmetric W), each report checked against the synchronous
    map applied independently to the weights; asynchronous runs always converge."""
    rng = np.random.default_rng(0)
    net = HopfieldNetwork(20, seed=0)
    net.store(rng.choice([-1, 1], size=(6, 20)))
    W = net.weights
    n_cycles = 0
    for _ in range(50):
        cue = rng.choice([-1, 1], size=20)
        r = net.recall(cue, mode="sync", max_sweeps=50)
        assert r.cycle2 != r.converged
        s = r.state.astype(int)
        t = _sync_map(W, s)
        if r.cycle2:
            n_cycles += 1
            assert not np.array_equal(t, s) and np.array_equal(_sync_map(W, t), s)
            assert np.array_equal(r.states[-1], r.states[-3])
        else:
            assert np.array_equal(t, s)
        a = net.recall(cue, mode="async")
        assert a.converged and not a.cycle2 and np.all(np.diff(a.energies) <= 0)
    assert n_cycles >= 1


def test_storkey_retrieval_golden():
    """Storkey weights written to the levels over the bus: exact retrieval ~1.00 at
    N = 100, P = 10, 10 % noise (REFERENCE.md §5). With 400 probes and a true rate of
    at least 0.98 (allowing for the 31-level quantization), failures are at most
    mean + 3 sigma of Binomial(400, 0.02)."""
    rng = np.random.default_rng(8)
    n_sets, p = 40, 10
    fails = 0
    for k in range(n_sets):
        net = HopfieldNetwork(100, seed=k)
        xi = rng.choice([-1, 1], size=(p, 100))
        net.store(xi, rule="storkey")
        for mu in range(p):
            r = net.recall(flip_bits(xi[mu], 10, seed=rng))
            fails += not np.array_equal(r.state, xi[mu])
    n = n_sets * p
    assert fails <= 0.02 * n + 3 * math.sqrt(n * 0.02 * 0.98)


def test_recall_result_is_the_final_state_as_an_array():
    net = HopfieldNetwork(9, seed=0)
    net.store(np.array([[1, -1, 1, -1, 1, -1, 1, -1, 1], [1, 1, 1, -1, 1, -1, -1, 1, -1]]))
    rec = net.recall([1, -1, 1, -1, 1, -1, 1, 1, 1])
    arr = np.asarray(rec)
    assert arr.shape == (9,) and np.array_equal(arr, rec.state) and np.array_equal(arr, rec.states[-1])
    assert np.asarray(rec, dtype=np.float64).dtype == np.float64
    arr[0] = -arr[0]  # a copy: the result is unchanged
    assert rec.state[0] == -arr[0]
