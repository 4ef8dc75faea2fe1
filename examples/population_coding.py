"""Population coding with superparamagnetic tunnel junctions (after Mizrahi et al. 2018).

A scalar ``x`` in [-1, 1] is applied to every SMTJ of a population as a current
``I = x * i_span``.  Each device also gets its own bias current (so its bell-shaped
switching-rate tuning curve ``r(I) = exp(-delta) / (tau0 cosh(delta (I - c) / ic))``
is centred at a different ``c``) and has its own delta, ic and offset drawn from
a device-to-device spread.  The switching rates, *measured* by counting switches
of the exact telegraph simulation in a finite window, are the basis functions; a
linear ridge readout trained on them decodes non-linear functions of ``x``
(here ``sin(pi x)`` and ``x**2``).

Run ``python examples/population_coding.py [--out FILE.png]``.  The numbers are
always printed; the plot needs matplotlib (not a spinemu dependency).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import numpy as np
from spinemu.sim_golden.smtj import SMTJPopulation

__all__ = ["TARGETS", "PopulationCodingResult", "population_coding", "main"]

TARGETS = {
    "sin": lambda x: np.sin(np.pi * x),
    "square": lambda x: x**2,
}


@dataclass(frozen=True)
class PopulationCodingResult:
    """Outcome of :func:`population_coding`.

    Attributes
    ----------
    target : str
        Name of the decoded function (key of :data:`TARGETS`).
    nrmse : float
        Test RMSE divided by the standard deviation of the test targets.
    x_test, y_test, y_pred : ndarray
        Test inputs, true targets, decoded values.
    tuning_x : ndarray
        Inputs at which ``tuning_rates`` are evaluated.
    tuning_rates : ndarray, shape (n_devices, len(tuning_x))
        Model (noise-free) switching rates of every device, 1/s.
    weights : ndarray
        Readout weights (last entry is the bias).
    """

    target: str
    nrmse: float
    x_test: np.ndarray
    y_test: np.ndarray
    y_pred: np.ndarray
    tuning_x: np.ndarray
    tuning_rates: np.ndarray
    weights: np.ndarray


def _features(pop, bias, x, i_span, window, seed):
    """Measured rates (switch counts / window) of every device for every x; shape (len(x), n)."""
    drive = x[None, :] * i_span - bias[:, None]  # device k: I = x i_span - bias_k
    counts, _ = pop.window_statistics_per_device(drive, window, seed)
    return (counts / window).T


def population_coding(
    *,
    target="sin",
    n_devices=20,
    n_train=300,
    n_test=200,
    window=10e-3,
    i_span=40e-6,
    ridge=1e-6,
    delta=10.0,
    ic=100e-6,
    delta_spread=0.05,
    ic_spread=0.05,
    offset_spread=2e-6,
    seed=0,
):
    """Encode x in SMTJ switching rates and decode ``TARGETS[target](x)`` linearly.

    Parameters
    ----------
    target : {"sin", "square"}
        Function to decode.
    n_devices : int
        Population size; bias currents are evenly spaced over
        ``[-1.25 i_span, 1.25 i_span]``.
    n_train, n_test : int
        Number of random training and test inputs, x ~ U(-1, 1).
    window : float
        Counting window per input (s).  Relative rate noise ~ 1/sqrt(r window).
    i_span : float
        Current (A) that corresponds to x = 1.
    ridge : float
        Ridge penalty on the standardised features.
    delta, ic : float
        Nominal device parameters; ``tau0 = 1 ns``.
    delta_spread, ic_spread, offset_spread : float
        Device-to-device variation (see :class:`SMTJPopulation`).
    seed : int
        Master seed (devices, inputs and telegraph noise).

    Returns
    -------
    PopulationCodingResult
    """
    if target not in TARGETS:
        raise ValueError(f"target must be one of {sorted(TARGETS)}, not {target!r}")
    for name, v in (("n_devices", n_devices), ("n_train", n_train), ("n_test", n_test)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 2:
            raise ValueError(f"{name} must be an integer >= 2, not {v!r}")
    for name, v in (("window", window), ("i_span", i_span)):
        if not np.isfinite(v) or v <= 0:
            raise ValueError(f"{name} must be > 0, not {v!r}")
    if not np.isfinite(ridge) or ridge < 0:
        raise ValueError(f"ridge must be >= 0, not {ridge!r}")
    f = TARGETS[target]
    rng = np.random.default_rng(seed)
    s_pop, s_train, s_test = (int(s) for s in rng.integers(0, 2**63, size=3))
    pop = SMTJPopulation(
        n=n_devices,
        delta_spread=delta_spread,
        ic_spread=ic_spread,
        offset_spread=offset_spread,
        seed=s_pop,
        delta=delta,
        ic=ic,
    )
    bias = np.linspace(-1.25, 1.25, n_devices) * i_span
    x_train = rng.uniform(-1, 1, n_train)
    x_test = np.sort(rng.uniform(-1, 1, n_test))
    f_train = _features(pop, bias, x_train, i_span, window, s_train)
    f_test = _features(pop, bias, x_test, i_span, window, s_test)
    # standardise with training statistics, then ridge with an unpenalised bias
    mu, sd = f_train.mean(axis=0), f_train.std(axis=0) + 1e-30
    a = (f_train - mu) / sd
    y = f(x_train)
    w = np.linalg.solve(a.T @ a + ridge * n_train * np.eye(n_devices), a.T @ (y - y.mean()))
    y_pred = ((f_test - mu) / sd) @ w + y.mean()
    y_test = f(x_test)
    nrmse = float(np.sqrt(np.mean((y_pred - y_test) ** 2)) / np.std(y_test))
    tx = np.linspace(-1, 1, 201)
    tuning = np.array([d.rate(tx * i_span - b) for d, b in zip(pop.devices, bias, strict=True)])
    weights = np.append(w / sd, y.mean() - np.sum(w * mu / sd))
    return PopulationCodingResult(
        target=target,
        nrmse=nrmse,
        x_test=x_test,
        y_test=y_test,
        y_pred=y_pred,
        tuning_x=tx,
        tuning_rates=tuning,
        weights=weights,
    )


def main(argv=None):
    """Run both targets, print the errors and write a PNG if matplotlib is present."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="population_coding.png", help="PNG file to write")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--window", type=float, default=10e-3, help="counting window (s)")
    args = parser.parse_args(argv)
    results = [
        population_coding(target=t, seed=args.seed, window=args.window) for t in ("sin", "square")
    ]
    for r in results:
        print(
            f"target {r.target:>6}: {r.tuning_rates.shape[0]} SMTJs, window "
            f"{args.window * 1e3:g} ms, test NRMSE = {r.nrmse:.4f}"
        )
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: skipping the plot (pip install matplotlib)")
        return results
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    r0 = results[0]
    axes[0].plot(r0.tuning_x, r0.tuning_rates.T / 1e3, lw=1)
    axes[0].set_xlabel("input x")
    axes[0].set_ylabel("switching rate (kHz)")
    axes[0].set_title("SMTJ tuning curves")
    for ax, r in zip(axes[1:], results, strict=True):
        ax.plot(r.x_test, r.y_test, "k-", lw=2, label="target")
        ax.plot(r.x_test, r.y_pred, ".", ms=3, label="decoded")
        ax.set_xlabel("input x")
        ax.set_title(f"{r.target}: NRMSE {r.nrmse:.3f}")
        ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    fig.savefig(args.out, dpi=120)
    print(f"wrote {args.out}")
    return results


if __name__ == "__main__":
    main()
