"""Population coding example: SMTJ rate tuning curves decode non-linear functions."""

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest

_PATH = Path(__file__).resolve().parents[1] / "examples" / "population_coding.py"


@pytest.fixture(scope="module")
def example():
    spec = importlib.util.spec_from_file_location("population_coding_example", _PATH)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look the module up while executing it
    try:
        spec.loader.exec_module(mod)
        yield mod
    finally:
        sys.modules.pop(spec.name, None)


@pytest.mark.parametrize("target", ["sin", "square"])
def test_population_decodes_nonlinear_function(example, target):
    res = example.population_coding(target=target, n_devices=20, window=10e-3, seed=1)
    # Error measure: NRMSE = RMSE / std(target) on held-out inputs.  The readout is
    # limited by counting noise: at the tuning-curve peaks (~4.5e4 switches/s) a
    # 10 ms window gives ~450 counts, i.e. ~5 % relative rate noise per device, so
    # an NRMSE of order 0.05 is expected; 0.15 leaves a 3x margin.
    assert res.nrmse < 0.15
    # Recompute the error from the returned arrays (guards the reported number).
    rmse = math.sqrt(np.mean((res.y_pred - res.y_test) ** 2))
    assert res.nrmse == pytest.approx(rmse / np.std(res.y_test), rel=1e-12)
    # A linear readout of x itself cannot represent these targets: least squares of
    # y on [x, 1] leaves NRMSE = sqrt(1 - corr(x, y)^2), ~0.6 for sin(pi x) and ~1 for
    # x^2 on U(-1, 1); the population must beat it by a wide margin.
    a = np.vstack([res.x_test, np.ones_like(res.x_test)]).T
    coef, *_ = np.linalg.lstsq(a, res.y_test, rcond=None)
    baseline = math.sqrt(np.mean((a @ coef - res.y_test) ** 2)) / np.std(res.y_test)
    assert baseline > 0.5
    assert res.nrmse < baseline / 4


def test_tuning_curves_are_bells(example):
    res = example.population_coding(target="sin", n_devices=6, n_train=20, n_test=10, seed=2)
    assert res.tuning_rates.shape == (6, res.tuning_x.size)
    assert np.all(res.tuning_rates > 0)
    # a sech bell is unimodal: along x the rate rises, then falls (at most one + to - turn)
    for row in res.tuning_rates:
        signs = np.sign(np.diff(row))
        assert np.all(np.diff(signs) <= 0)


def test_more_counting_time_decodes_better(example):
    # Counting noise scales as 1/sqrt(window): 10x the window must lower the error.
    short = example.population_coding(target="square", window=1e-3, seed=3).nrmse
    long = example.population_coding(target="square", window=10e-3, seed=3).nrmse
    assert long < short


def test_validation(example):
    with pytest.raises(ValueError, match="target"):
        example.population_coding(target="cube")
    with pytest.raises(ValueError, match="window must be > 0, not -1.0"):
        example.population_coding(window=-1.0)
