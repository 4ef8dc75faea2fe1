"""NARMA10 benchmark: spinemu STNO reservoir (fixed-point golden and RTL) vs a reservoirpy ESN.

Same node count (400), same data and split; prints a Markdown table of NRMSE and
samples/s, the RTL's virtual nodes per second (native Verilator), and the rates implied
by one virtual node per FPGA clock vs a physical STNO at theta = 100 ns.

Run: ``.venv/bin/python benchmarks/bench_reservoir.py [--T 4200] [--rtl-T 600]``
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from spinemu.sim_golden.jit import numba_available
from spinemu.sim_golden.reservoir_float import ridge_fit, ridge_predict
from spinemu.sw.reservoir import STNOReservoir
from spinemu.sw.tasks import narma10, nrmse

__all__ = ["main"]

N = 400
WASHOUT = 200
KW = dict(theta=40e-9, substeps=8, input_scaling=0.25, feedback=0.7 / (2 / 9), mask="real", seed=0)


def _stno(backend: str, u, y, n_train: int):
    res = STNOReservoir(N, backend=backend, **KW)
    res.transform(u[:2])  # build the native model / compile the kernel outside the timing
    t0 = time.perf_counter()
    x = res.transform(u)
    t_states = time.perf_counter() - t0
    w = ridge_fit(x[WASHOUT:n_train], y[WASHOUT:n_train], 1e-10)
    err = nrmse(y[n_train:], ridge_predict(x[n_train:], w))
    res.close()
    return err, len(u) / (time.perf_counter() - t0), len(u) * N / t_states


def _esn(u, y, n_train: int, seed: int):
    from reservoirpy.nodes import Reservoir, Ridge

    t0 = time.perf_counter()
    esn = Reservoir(units=N, lr=1.0, sr=0.9, input_scaling=0.5, seed=seed) >> Ridge(ridge=1e-7)
    esn.fit(u[:n_train, None], y[:n_train, None], warmup=WASHOUT)
    pred = np.asarray(esn.run(u[n_train:, None]))[:, 0]
    return nrmse(y[n_train:], pred), len(u) / (time.perf_counter() - t0)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--T", type=int, default=4200, help="NARMA10 samples (golden, ESN)")
    ap.add_argument("--test", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--clock", type=float, default=100e6, help="FPGA clock for the implied rate")
    args = ap.parse_args(argv)
    u, y = narma10(args.T, seed=args.seed)
    n_train = args.T - args.test
    rows = []
    for backend, kernel in (("golden", "numba"), ("golden", "numpy"), ("rtl", "")):
        if kernel == "numba" and not numba_available():
            continue
        os.environ["SPINEMU_KERNEL"] = kernel or "auto"  # the golden twin's path (sim_golden/jit.py)
        err, sps, nps = _stno(backend, u, y, n_train)
        name = f"{backend}, {kernel}" if kernel else backend
        rows.append((f"spinemu STNO {name} (fixed point, delay loop)", err, sps, nps))
    os.environ.pop("SPINEMU_KERNEL")
    try:
        err, sps = _esn(u, y, n_train, args.seed)
        rows.append(("reservoirpy ESN (lr 1, sr 0.9)", err, sps, float("nan")))
    except ImportError:
        rows.append(("reservoirpy ESN (not installed)", float("nan"), float("nan"), float("nan")))
    print(f"NARMA10, {N} nodes, T = {args.T} (test {args.test}), seed {args.seed}\n")
    print("| model | NRMSE | samples/s | virtual nodes/s |")
    print("|---|---|---|---|")
    for name, err, sps, nps in rows:
        print(f"| {name} | {err:.3f} | {sps:,.0f} | {nps:,.0f} |")
    cycles = KW["substeps"] + 3
    print(
        f"\nThis datapath spends {cycles} clocks per virtual node ({KW['substeps']} Euler steps + "
        f"3): {args.clock / cycles:,.0f} nodes/s at {args.clock / 1e6:.0f} MHz. A pipelined "
        f"datapath at one node per clock: {args.clock:,.0f} nodes/s = "
        f"{args.clock / N:,.0f} samples/s ({N} nodes). A physical STNO at theta = 100 ns: "
        f"{1 / 100e-9:,.0f} nodes/s = {1 / (100e-9 * N):,.0f} samples/s, "
        f"{args.clock * 100e-9:.0f}x slower than one node per clock."
    )


if __name__ == "__main__":
    main()
