"""Tests of the memristive synapse model (spinemu.sim_golden.memristor).

Expected values are closed forms of the model stated in the module docstring
(linear grid, geometric step ratio of the exponential-saturation curve, the
differential-pair weight formula), or sampling statistics of the seeded spread.
"""

import math

import numpy as np
import pytest
from spinemu.sim_golden.memristor import (
    DifferentialSynapseArray,
    Memristor,
    MemristorArray,
    SynapsePair,
    level_curve,
)


def test_linear_device_is_an_equally_spaced_grid_and_saturates():
    m = Memristor(n_levels=5, g_min=1.0, g_max=3.0, nonlinearity=0.0)
    assert m.level == 0 and m.conductance == 1.0
    seen = [m.conductance]
    for _ in range(6):  # two pulses beyond the top
        m.apply_pulses(1)
        seen.append(m.conductance)
    # G_k = g_min + k (g_max - g_min)/(L - 1), saturating at L - 1 = 4
    assert seen == pytest.approx([1.0, 1.5, 2.0, 2.5, 3.0, 3.0, 3.0], abs=1e-15)
    assert m.level == 4
    assert m.apply_pulses(-3) == pytest.approx(1.5)
    assert m.level == 1
    m.apply_pulses(-10)
    assert m.level == 0 and m.conductance == 1.0
    assert isinstance(m.level, int) and isinstance(m.conductance, float)
    assert m.pulse_count == 6 + 3 + 10


@pytest.mark.parametrize("nu", [0.5, 3.0, 8.0, -2.0])
def test_nonlinear_steps_follow_exponential_saturation(nu):
    L, gmin, gmax = 12, 2e-6, 9e-6
    m = Memristor(n_levels=L, g_min=gmin, g_max=gmax, nonlinearity=nu)
    g = [m.conductance]
    for _ in range(L - 1):
        g.append(m.apply_pulses(1))
    g = np.array(g)
    # end points are exact
    assert g[0] == pytest.approx(gmin, rel=1e-12)
    assert g[-1] == pytest.approx(gmax, rel=1e-12)
    dg = np.diff(g)
    # closed form: successive steps shrink by the constant ratio exp(-nu/(L-1)) ...
    assert dg[1:] / dg[:-1] == pytest.approx(np.full(L - 2, math.exp(-nu / (L - 1))), rel=1e-9)
    # ... and each step is proportional to the distance to the asymptote G_inf
    g_inf = gmin + (gmax - gmin) / (1 - math.exp(-nu))
    assert dg == pytest.approx((1 - math.exp(-nu / (L - 1))) * (g_inf - g[:-1]), rel=1e-9)
    if nu > 0:  # saturating: the first step is the largest
        assert dg[0] > dg[-1]
    # depression retraces the same levels
    back = [m.apply_pulses(-1) for _ in range(L - 1)]
    assert np.array(back) == pytest.approx(g[-2::-1], rel=1e-12)


def test_level_curve_linear_limit():
    x = np.linspace(0, 1, 11)
    assert level_curve(x, 0.0) == pytest.approx(x)
    # small nu converges to the linear curve (first-order term nu x (1 - x) / 2)
    assert level_curve(x, 1e-6) == pytest.approx(x, abs=1e-6)


def test_spread_statistics_and_reproducibility():
    n, sigma = 20000, 0.2
    a = MemristorArray((n,), g_min=1e-6, g_max=1e-5, nonlinearity=3.0, spread=sigma, seed=5)
    for dev, nominal in ((a.g_min_dev, 1e-6), (a.g_max_dev, 1e-5), (a.nu_dev, 3.0)):
        z = np.log(dev / nominal) / sigma  # should be N(0, 1)
        # mean: standard error 1/sqrt(n); std: standard error ~ 1/sqrt(2 n); 4 sigma bands
        assert abs(z.mean()) < 4 / math.sqrt(n)
        assert abs(z.std() - 1) < 4 / math.sqrt(2 * n)
    b = MemristorArray((n,), g_min=1e-6, g_max=1e-5, nonlinearity=3.0, spread=sigma, seed=5)
    c = MemristorArray((n,), g_min=1e-6, g_max=1e-5, nonlinearity=3.0, spread=sigma, seed=6)
    assert np.array_equal(a.g_min_dev, b.g_min_dev)
    assert not np.array_equal(a.g_min_dev, c.g_min_dev)
    # zero spread gives nominal devices
    d = MemristorArray((4,), spread=0.0, nonlinearity=2.0, seed=1)
    assert np.all(d.g_min_dev == 1e-6) and np.all(d.nu_dev == 2.0)


def test_array_pulses_are_vectorised_and_match_level_table():
    a = MemristorArray((2, 3), n_levels=6, nonlinearity=2.0, spread=0.3, seed=2)
    n = np.array([[1, 2, 3], [7, -1, 0]])
    a.apply_pulses(n)
    expected_levels = np.clip(n, 0, 5)
    assert np.array_equal(a.level, expected_levels)
    table = a.level_table()
    assert table.shape == (2, 3, 6)
    picked = np.take_along_axis(table, expected_levels[..., None], axis=-1)[..., 0]
    assert a.conductance == pytest.approx(picked, rel=1e-12)
    # the per-device curve spans that device's own window
    assert table[..., 0] == pytest.approx(a.g_min_dev)
    assert table[..., -1] == pytest.approx(a.g_max_dev)
    # a (3,) count broadcasts over the rows; a (4,) count does not
    a.apply_pulses(np.array([-1, -1, -1]))
    assert np.array_equal(a.level, np.clip(expected_levels - 1, 0, 5))
    with pytest.raises(ValueError, match=r"\(4,\)"):
        a.apply_pulses(np.ones(4, dtype=int))


def test_differential_pair_weight_formula_and_pulse_routing():
    p = SynapsePair(n_levels=5, g_min=1.0, g_max=5.0, w_max=2.0)
    assert p.weights == 0.0
    p.apply_pulses(-2)  # negative: potentiate G-
    assert (p.plus.level, p.minus.level) == (0, 2)
    # w = w_max (G+ - G-)/(g_max - g_min) = 2 (1 - 3)/4
    assert p.weights == pytest.approx(-1.0)
    p.apply_pulses(3)  # depress G- by 2 first, then potentiate G+ by 1
    assert (p.plus.level, p.minus.level) == (1, 0)
    assert p.weights == pytest.approx(0.5)
    assert p.level_difference == 1
    assert p.weight_step == pytest.approx(0.5)


def test_program_ideal_device_hits_the_grid():
    rng = np.random.default_rng(0)
    L, wmax = 9, 1.5
    arr = DifferentialSynapseArray((200,), n_levels=L, w_max=wmax, seed=0)
    # targets on the ideal grid are written exactly
    d_true = rng.integers(-(L - 1), L, size=200)
    d = arr.program(d_true * wmax / (L - 1))
    assert np.array_equal(d, d_true)
    assert arr.weights == pytest.approx(d_true * wmax / (L - 1), abs=1e-12)
    # arbitrary targets: quantization error at most half an ideal step
    t = rng.uniform(-wmax, wmax, size=200)
    arr.program(t)
    assert np.max(np.abs(arr.weights - t)) <= wmax / (L - 1) / 2 + 1e-12
    with pytest.raises(ValueError, match="exceeds w_max"):
        arr.program(np.full(200, 1.6))
    arr.program(np.full(200, 1.6), clip=True)
    assert arr.weights == pytest.approx(np.full(200, wmax))


def test_open_loop_program_on_imperfect_devices_is_imperfect():
    L, wmax = 8, 1.0
    targets = np.linspace(-1, 1, 15)  # exactly the ideal grid d = -7..7
    ideal = DifferentialSynapseArray((15,), n_levels=L, seed=3)
    ideal.program(targets)
    assert ideal.weights == pytest.approx(targets, abs=1e-12)
    # nonlinear, no spread: |w(d)| = f(|d|/(L-1)) > |d|/(L-1) for nu > 0 (concave curve)
    nl = DifferentialSynapseArray((15,), n_levels=L, nonlinearity=3.0, seed=3)
    nl.program(targets)
    expected = np.sign(targets) * level_curve(np.abs(targets), 3.0)
    assert nl.weights == pytest.approx(expected, abs=1e-12)
    inner = (np.abs(targets) > 0) & (np.abs(targets) < 1)
    assert np.all(np.abs(nl.weights[inner]) > np.abs(targets[inner]))
    # nominal-model pulse counts undo the nominal nonlinearity (exact without spread)
    nl.program(expected, model="nominal")
    assert nl.weights == pytest.approx(expected, abs=1e-12)
    # with spread the written weights scatter around the targets
    sp = DifferentialSynapseArray((15,), n_levels=L, nonlinearity=3.0, spread=0.3, seed=3)
    sp.program(expected, model="nominal")
    assert np.max(np.abs(sp.weights - expected)) > wmax / (L - 1) / 2


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_levels": 1}, "n_levels must be an int >= 2, not 1"),
        ({"g_min": -1.0}, r"g_min must be finite and > 0, not -1.0"),
        ({"g_max": 1e-7}, r"g_max must be .* not 1e-07"),
        ({"spread": -0.1}, r"spread must be in \[0, 1\], not -0.1"),
        ({"nonlinearity": float("nan")}, "nonlinearity must be finite"),
    ],
)
def test_constructor_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Memristor(**kwargs)
    with pytest.raises(ValueError, match=match):
        DifferentialSynapseArray((3,), **kwargs)


def test_misc_validation():
    with pytest.raises(ValueError, match="w_max must be finite and > 0, not 0"):
        SynapsePair(w_max=0)
    m = Memristor(n_levels=4)
    with pytest.raises(ValueError, match="level must be in"):
        m.set_level(4)
    with pytest.raises(ValueError, match="integers"):
        m.apply_pulses(0.5)
    with pytest.raises(ValueError, match="model must be"):
        SynapsePair().program(0.1, model="exact")
    with pytest.raises(TypeError):
        Memristor(8)  # keyword-only


def test_take_copies_devices_of_a_library():
    lib = DifferentialSynapseArray((8,), n_levels=6, nonlinearity=2.0, spread=0.4, seed=5)
    pairs = lib.take([3, 3, 7], [0, 5, 5])
    assert pairs.shape == (3,) and np.all(np.asarray(pairs.level_difference) == 0)
    np.testing.assert_array_equal(pairs.plus.g_max_dev, lib.plus.g_max_dev[[3, 3, 7]])
    np.testing.assert_array_equal(pairs.minus.nu_dev, lib.minus.nu_dev[[0, 5, 5]])
    # a copy behaves like its class: the same conductances at every level
    pairs.apply_pulses([4, -2, 5])
    np.testing.assert_array_equal(pairs.plus.conductance[[0, 2]], lib.plus.level_table()[[3, 7], [4, 5]])
    np.testing.assert_array_equal(pairs.minus.conductance[1], lib.minus.level_table()[5, 2])
    with pytest.raises(ValueError, match=r"indices must be integers in \[0, 8\)"):
        lib.take([8], [0])
    with pytest.raises(ValueError, match="differ in shape"):
        lib.take([1, 2], [0])
    with pytest.raises(ValueError, match="1-d library"):
        MemristorArray((2, 2)).take([0])
