"""NARMA10 benchmark: spinemu STNO reservoir (fixed-point golden and RTL) vs a reservoirpy ESN.

Same node count (400), same data and split; prints a Markdown table of NRMSE and
samples/s, the RTL's virtual nodes and clocks per second (native Verilator), the
defaults over five seeds against a tuned ESN, the resources per virtual node and per
reservoir, and the node rate at the ECP5 Fmax (one virtual node per clock) against a
physical STNO at theta = 100 ns.

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
KW = dict(seed=0)  # STNOReservoir's defaults


def _stno(backend: str, u, y, n_train: int):
    res = STNOReservoir(N, backend=backend, **KW)
    res.transform(u[:2])  # build the native model / compile the kernel outside the timing
    model = res._model_rtl() if backend == "rtl" else None
    c0 = model.cycles if model is not None else 0
    t0, cpu0 = time.perf_counter(), time.thread_time()
    x = res.transform(u)
    t_states, cpu_states = time.perf_counter() - t0, time.thread_time() - cpu0
    # clocks per second of wall time, and of this thread's CPU time (the machine is shared)
    cps = (model.cycles - c0) / t_states if model is not None else float("nan")
    cps_cpu = (model.cycles - c0) / cpu_states if model is not None else float("nan")
    w = ridge_fit(x[WASHOUT:n_train], y[WASHOUT:n_train], 1e-10)
    err = nrmse(y[n_train:], ridge_predict(x[n_train:], w))
    res.close()
    return err, len(u) / (time.perf_counter() - t0), len(u) * N / t_states, cps, cps_cpu


def _esn(u, y, n_train: int, seed: int):
    from reservoirpy.nodes import Reservoir, Ridge

    t0 = time.perf_counter()
    esn = Reservoir(units=N, lr=1.0, sr=0.9, input_scaling=0.5, seed=seed) >> Ridge(ridge=1e-7)
    esn.fit(u[:n_train, None], y[:n_train, None], warmup=WASHOUT)
    pred = np.asarray(esn.run(u[n_train:, None]))[:, 0]
    return nrmse(y[n_train:], pred), len(u) / (time.perf_counter() - t0)


def _esn_tuned(trials: int = 40) -> dict:
    """reservoirpy ESN hyperparameters (leak rate, spectral radius, input scaling, ridge)
    from a seeded TPE search on the defaults search's NARMA10 seeds (11, 12)."""
    import optuna
    from reservoirpy.nodes import Reservoir, Ridge

    data = [narma10(4200, seed=s) for s in (11, 12)]

    def objective(trial):
        kw = dict(lr=trial.suggest_float("lr", 0.05, 1.0, log=True), sr=trial.suggest_float("sr", 0.1, 1.5),
                  input_scaling=trial.suggest_float("input_scaling", 0.05, 2.0, log=True))
        ridge = trial.suggest_float("ridge", 1e-10, 1e-3, log=True)
        errs = []
        for k, (u, y) in enumerate(data):
            esn = Reservoir(units=N, seed=31 + k, **kw) >> Ridge(ridge=ridge)
            esn.fit(u[:3200, None], y[:3200, None], warmup=WASHOUT)
            errs.append(nrmse(y[3200:], np.asarray(esn.run(u[3200:, None]))[:, 0]))
        return float(np.mean(errs))

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
    study.enqueue_trial(dict(lr=1.0, sr=0.9, input_scaling=0.5, ridge=1e-7))
    study.optimize(objective, n_trials=trials)
    return dict(study.best_params)


def _defaults_over_seeds(seeds=range(5)) -> None:
    """NARMA10 at 400 nodes with STNOReservoir's defaults (no argument but the mask seed)
    against the tuned ESN, on 5 data seeds the defaults search did not use."""
    from reservoirpy.nodes import Reservoir, Ridge

    esn_kw = _esn_tuned()
    ridge = esn_kw.pop("ridge")
    stno, esn = [], []
    for s in seeds:
        u, y = narma10(4200, seed=1000 + s)
        res = STNOReservoir(N, seed=s).fit(u[:3200], y[:3200], washout=WASHOUT)
        stno.append(nrmse(y[3200:], res.predict(u)[3200:]))
        net = Reservoir(units=N, seed=s, **esn_kw) >> Ridge(ridge=ridge)
        net.fit(u[:3200, None], y[:3200, None], warmup=WASHOUT)
        esn.append(nrmse(y[3200:], np.asarray(net.run(u[3200:, None]))[:, 0]))
    print(f"\n## NARMA10, {N} nodes, defaults only, 5 seeds (data 1000-1004, train 3200, test 1000)\n")
    print("| model | " + " | ".join(f"seed {s}" for s in seeds) + " | median |")
    print("|---|" + "---|" * (len(seeds) + 1))
    tuned = ", ".join(f"{k} {v:.3g}" for k, v in esn_kw.items()) + f", ridge {ridge:.2g}"
    rows = (("spinemu STNOReservoir defaults (golden)", stno), (f"reservoirpy ESN, tuned ({tuned})", esn))
    for name, errs in rows:
        print(f"| {name} | " + " | ".join(f"{e:.3f}" for e in errs) + f" | {np.median(errs):.3f} |")


def _resources(sizes=(16, 400, 4096), clock_note: float = 100e-9) -> None:
    """yosys xc7 resources of the core at several node counts (per reservoir and per
    virtual node), and its ECP5 Fmax at 400 nodes: the node rate at one node per clock."""
    from spinemu.gen.synth import SynthError, estimate
    from spinemu.sim_golden.reservoir_spec import ReservoirSpec

    print("\n## Resources (yosys synth_xilinx, xc7z020; one datapath shared by every node)\n")
    print("| virtual nodes | LUT | FF | DSP | BRAM (36 Kb) | LUT / node | FF / node | BRAM / 1,000 nodes |")
    print("|---|---|---|---|---|---|---|---|")
    for n in sizes:
        try:
            r = estimate(ReservoirSpec(n_virtual=n), target="xc7", check_fit=False)
        except SynthError as exc:
            print(f"| {n} | {exc} | | | | | | |")
            continue
        print(f"| {n} | {r.lut:,} | {r.ff:,} | {r.dsp} | {r.bram:g} | {r.lut / n:.1f} | {r.ff / n:.1f} | "
              f"{1000 * r.bram / n:.2f} |")
    r = estimate(ReservoirSpec(n_virtual=400), target="ecp5")
    rate = r.fmax_mhz * 1e6
    print(
        f"\nECP5-85 (nextpnr), 400 nodes: Fmax {r.fmax_mhz:.1f} MHz, {r.lut:,} LUT4, {r.ff:,} FF, {r.dsp} "
        f"MULT18X18D, {r.bram:g} DP16KD ({r.outreg_ffs:,} flip-flops in block output registers). One "
        f"virtual node per clock: {rate / 1e6:.0f} M nodes/s = {rate / 400:,.0f} samples/s; a physical "
        f"STNO at theta = {clock_note * 1e9:.0f} ns runs {1 / clock_note / 1e6:.0f} M nodes/s "
        f"({rate * clock_note:.1f}x slower)."
    )


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--T", type=int, default=4200, help="NARMA10 samples (golden, ESN)")
    ap.add_argument("--test", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=2024)
    args = ap.parse_args(argv)
    u, y = narma10(args.T, seed=args.seed)
    n_train = args.T - args.test
    rows = []
    for backend, kernel in (("golden", "numba"), ("golden", "numpy"), ("rtl", "")):
        if kernel == "numba" and not numba_available():
            continue
        os.environ["SPINEMU_KERNEL"] = kernel or "auto"  # the golden twin's path (sim_golden/jit.py)
        err, sps, nps, cps, cps_cpu = _stno(backend, u, y, n_train)
        name = f"{backend}, {kernel}" if kernel else backend
        rows.append((f"spinemu STNO {name} (defaults)", err, sps, nps, cps, cps_cpu))
    os.environ.pop("SPINEMU_KERNEL")
    try:
        err, sps = _esn(u, y, n_train, args.seed)
        rows.append(("reservoirpy ESN (lr 1, sr 0.9)", err, sps, float("nan"), float("nan"), float("nan")))
    except ImportError:
        nan = float("nan")
        rows.append(("reservoirpy ESN (not installed)", nan, nan, nan, nan, nan))
    print(f"NARMA10, {N} nodes, T = {args.T} (test {args.test}), seed {args.seed}\n")
    print("| model | NRMSE | samples/s | virtual nodes/s | clocks/s (native Verilator) | clocks per CPU s |")
    print("|---|---|---|---|---|---|")
    for name, err, sps, nps, cps, cps_cpu in rows:
        print(f"| {name} | {err:.3f} | {sps:,.0f} | {nps:,.0f} | {cps:,.0f} | {cps_cpu:,.0f} |")
    try:
        _defaults_over_seeds()
    except ImportError as exc:
        print(f"\n(defaults table skipped: {exc})")
    _resources()


if __name__ == "__main__":
    main()
