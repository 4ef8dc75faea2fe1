"""NARMA10 benchmark: float STNO reservoir vs a reservoirpy echo-state network.

Same node count (400), same data, same train/test split, one process; prints a
Markdown table of NRMSE and throughput (input samples per second, end to end: states,
readout training and prediction).  reservoirpy is only a benchmark peer
(``pip install reservoirpy``); it is not a dependency of spinemu.

Run: ``.venv/bin/python benchmarks/bench_reservoir_float.py [--T 5200] [--seed 1]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from spinemu.sim_golden.reservoir_float import (
    ReservoirParams,
    ridge_fit,
    ridge_predict,
    run_reservoir,
)
from spinemu.sim_golden.stno import STNO
from spinemu.sw.tasks import narma10, nrmse

__all__ = ["main", "run_esn", "run_stno"]

N_NODES = 400
WASHOUT = 200


def run_stno(params: ReservoirParams, u, y, n_train: int, ridge: float = 1e-10):
    """Fit/predict NARMA10 with the float STNO reservoir; return (nrmse, seconds)."""
    t0 = time.perf_counter()
    states = run_reservoir(params, u)
    w = ridge_fit(states[WASHOUT:n_train], y[WASHOUT:n_train], ridge)
    pred = ridge_predict(states[n_train:], w)
    return nrmse(y[n_train:], pred), time.perf_counter() - t0


def run_esn(u, y, n_train: int, seed: int):
    """Fit/predict NARMA10 with a reservoirpy ESN of N_NODES units."""
    from reservoirpy.nodes import Reservoir, Ridge

    t0 = time.perf_counter()
    # Best of a small grid (lr 0.3/1, sr 0.9/0.99, input scaling 0.5/1, input
    # connectivity 0.1/1, ridge 1e-9/1e-7) on seed 1, like the STNO settings.
    res = Reservoir(units=N_NODES, lr=1.0, sr=0.9, input_scaling=0.5, seed=seed)
    ro = Ridge(ridge=1e-7)
    esn = res >> ro
    x = u[:, None]
    esn.fit(x[:n_train], y[:n_train, None], warmup=WASHOUT)
    pred = esn.run(x[n_train:])
    return nrmse(y[n_train:], np.asarray(pred)[:, 0]), time.perf_counter() - t0


def main(argv=None) -> None:
    """Run the benchmark and print the Markdown table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--T", type=int, default=5200, help="NARMA10 samples (train + test)")
    ap.add_argument("--test", type=int, default=1000, help="test samples (at the end)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    u, y = narma10(args.T, seed=args.seed)
    n_train = args.T - args.test
    slope = STNO().steady_state_slope(2.0)
    common = dict(
        n_virtual=N_NODES,
        theta=40e-9,
        substeps=10,
        input_scaling=0.25,
        zeta_dc=2.0,
        mask_kind="real",
        mask_seed=0,
    )
    delay_loop = ReservoirParams(**common, feedback=0.7 / slope, feedback_offset=1)
    bare = ReservoirParams(**common)
    rows = []
    for name, params in (
        ("spinemu STNO float, delay loop (gain 0.7)", delay_loop),
        ("spinemu STNO float, bare oscillator", bare),
    ):
        err, sec = run_stno(params, u, y, n_train)
        steps = args.T * params.n_virtual * params.substeps
        rows.append((name, err, args.T / sec, f"{steps / sec:.3g} Euler steps/s"))
    try:
        err, sec = run_esn(u, y, n_train, args.seed)
        rows.append(("reservoirpy ESN (lr 1, sr 0.9, in 0.5)", err, args.T / sec, ""))
    except ImportError:
        rows.append(("reservoirpy ESN (not installed)", float("nan"), float("nan"), ""))

    print(
        f"NARMA10, {N_NODES} nodes, T = {args.T} (train {n_train - WASHOUT} after "
        f"{WASHOUT} washout, test {args.test}), seed {args.seed}\n"
    )
    print("| model | NRMSE | samples/s | note |")
    print("|---|---|---|---|")
    for name, err, sps, note in rows:
        print(f"| {name} | {err:.3f} | {sps:,.0f} | {note} |")
    print(
        "\nsamples/s is end to end (states + ridge fit + prediction) over all T samples; "
        "a physical STNO at theta = 40 ns runs "
        f"{1 / (N_NODES * 40e-9):,.0f} samples/s with {N_NODES} virtual nodes."
    )


if __name__ == "__main__":
    main()
