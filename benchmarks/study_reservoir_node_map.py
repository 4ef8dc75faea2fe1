"""Design study for a one-node-per-clock reservoir datapath (issue 13): not a benchmark.

Within one virtual node the current ``z`` is constant, so the power equation
``dp/dt = (a - b p) p`` is logistic and ``w = 1/p`` obeys a *linear* equation,
``dw/dt = -a w + b``.  Over a node of duration ``theta`` it is solved exactly by::

    w' = E w + beta,   E = exp(-A),   beta = B (1 - E) / A,
    A = 2 Gamma_G theta (z - 1),   B = 2 Gamma_G theta (z + Q)

Everything but the one multiply-add ``w' = E w + beta`` depends only on ``z``, i.e. on
the input and on the state ``D >= N`` nodes back, so it can be computed a whole sample
ahead and pipelined freely.  Maps compose (``(E1, b1) o (E2, b2) = (E1 E2, E1 b2 + b1)``),
so the serial loop can be cut with look-ahead: ``w_n`` from ``w_{n-k}`` through the
composite of the last ``k`` maps, which gives the loop ``k`` clocks.  Composing by *node
index* (the history of maps and of ``w`` advance only when a node is issued) keeps the
rounding independent of stalls and bubbles, so golden and RTL stay bit-exact under
backpressure.  ``p = 1 / w`` leaves the loop (a pipelined divider).

This script compares, on NARMA10 with 400 nodes and STNOReservoir's default parameters
(data seeds 1000-1002, mask seeds 0-2, train 3200, test 1000, washout 200):

``euler``   the present model, 8 explicit Euler sub-steps (float);
``exact``   the exact node map (float);
``fixed``   the exact node map in fixed point with 4-deep node-indexed look-ahead,
            ``E`` and ``(1 - E)/A`` from a table over ``A`` with linear interpolation
            (``--table-bits``), ``w`` with 24 fraction bits, ``p`` = floor(2^48 / w).

Measured (2026-12-01): euler 0.0979 / 0.0917 / 0.1121; exact 0.0973 / 0.0942 / 0.1123;
fixed with a 2^13-entry table 0.0972 / 0.0943 / 0.1124 (the float exact map), with a
2^10-entry table 0.1031 / 0.1008 / 0.1161 (about 5 % worse); look-ahead 1 and 4 agree to
the fourth digit.

    python benchmarks/study_reservoir_node_map.py [--table-bits 13] [--models euler exact fixed]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from spinemu.sim_golden.reservoir_float import make_mask, ridge_fit, ridge_predict
from spinemu.sw.tasks import narma10, nrmse

N, THETA, GAIN, ZDC, FB, OFFSET = 400, 60e-9, 0.2, 2.2, 4.0, 1  # STNOReservoir defaults
GAMMA2, Q, SUBSTEPS, WASHOUT = 2 * 2e7, 1.0, 8, 200
C_TOT = GAMMA2 * THETA


def _p0(z: float) -> float:
    return (z - 1.0) / (z + Q)


def _currents(zin_row, stream, n: int, pdc: float) -> np.ndarray:
    """``z`` of the N nodes of one sample: input term plus delay-line feedback (0 before D)."""
    d = N + OFFSET
    past = np.array([stream[n + i - d] if n + i >= d else pdc for i in range(N)])
    return zin_row + FB * (past - pdc)


def run_float(u, mask, *, exact: bool) -> np.ndarray:
    pdc = _p0(ZDC)
    x = np.empty(len(u) * N)
    p = pdc
    zin = ZDC + GAIN * np.outer(u, mask)
    for k in range(len(u)):
        z = _currents(zin[k], x, k * N, pdc)
        a_tot, b_tot = C_TOT * (z - 1.0), C_TOT * (z + Q)
        if exact:
            e = np.exp(-a_tot)
            g = np.where(np.abs(a_tot) > 1e-12, (1 - e) / np.where(a_tot == 0, 1, a_tot), 1.0)
            beta = b_tot * g
            for i in range(N):
                p = 1.0 / (e[i] / p + beta[i])
                x[k * N + i] = p
        else:
            a, b = a_tot / SUBSTEPS, b_tot / SUBSTEPS
            for i in range(N):
                for _ in range(SUBSTEPS):
                    p += (a[i] - b[i] * p) * p
                x[k * N + i] = p
    return x.reshape(len(u), N)


def _rs(x: int, s: int) -> int:
    return (x + (1 << (s - 1))) >> s


def run_fixed(u, mask, *, table_bits: int, ahead: int = 4, fs: int = 24, wf: int = 24, ef: int = 24):
    """The exact node map in fixed point (Python ints), node-indexed look-ahead ``ahead``."""
    a_lo, a_hi, frac = -4.0, 12.0, 16
    grid = np.linspace(a_lo, a_hi, (1 << table_bits) + 1)
    e_tab = np.exp(-grid)
    g_tab = np.where(np.abs(grid) > 1e-12, (1 - e_tab) / np.where(grid == 0, 1, grid), 1.0)
    e_q = [round(v * (1 << ef)) for v in e_tab]
    g_q = [round(v * (1 << ef)) for v in g_tab]
    step = (a_hi - a_lo) / (1 << table_bits)
    pdc = _p0(ZDC)
    one = 1 << (fs + wf)
    w_max, w_min = one, -(-one // ((1 << fs) - 1))
    pdc_q = round(pdc * (1 << fs))
    w_hist = [one // pdc_q] * ahead
    ident = (1 << ef, 0)
    maps = [ident] * 3  # M_{n-1}, M_{n-2}, M_{n-3}
    pairs = [ident] * 2  # (M_{n-1} o M_{n-2}), (M_{n-2} o M_{n-3})

    def compose(a, b):
        return _rs(a[0] * b[0], ef), _rs(a[0] * b[1], ef) + a[1]

    x = np.zeros(len(u) * N)
    zin = ZDC + GAIN * np.outer(u, mask)
    for k in range(len(u)):
        z = _currents(zin[k], x, k * N, pdc)
        a_tot = np.clip(C_TOT * (z - 1.0), a_lo, a_hi - 1e-9)
        b_q = np.round(C_TOT * (z + Q) * (1 << 20)).astype(np.int64)
        pos = (a_tot - a_lo) / step
        idx = np.floor(pos).astype(np.int64)
        fr = np.floor((pos - idx) * (1 << frac)).astype(np.int64)
        for i in range(N):
            n = k * N + i
            j, f = int(idx[i]), int(fr[i])
            e = e_q[j] + _rs((e_q[j + 1] - e_q[j]) * f, frac)
            g = g_q[j] + _rs((g_q[j + 1] - g_q[j]) * f, frac)
            m = (e, _rs(int(b_q[i]) * g, 20 + ef - wf))
            pair = compose(m, maps[0])
            comp = m if ahead == 1 else (pair if ahead == 2 else compose(pair, pairs[1]))
            maps, pairs = [m, maps[0], maps[1]], [pair, pairs[0]]
            w = _rs(comp[0] * w_hist[n % ahead], ef) + comp[1]
            w = min(max(w, w_min), w_max)
            w_hist[n % ahead] = w
            x[n] = min(max(one // w, 1), (1 << fs) - 1) / (1 << fs)
    return x.reshape(len(u), N)


def _score(states, y, n_train: int = 3200) -> float:
    w = ridge_fit(states[WASHOUT:n_train], y[WASHOUT:n_train], 1e-8)
    return nrmse(y[n_train:], ridge_predict(states[n_train:], w))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--table-bits", type=int, default=13)
    ap.add_argument("--ahead", type=int, choices=(1, 2, 4), default=4)
    models = ("euler", "exact", "fixed")
    ap.add_argument("--models", nargs="+", choices=models, default=list(models))
    args = ap.parse_args()
    print("| data/mask seed | " + " | ".join(args.models) + " |")
    print("|---|" + "---|" * len(args.models))
    for s in range(3):
        u, y = narma10(4200, seed=1000 + s)
        mask = make_mask(N, "real", s)
        cells = []
        for name in args.models:
            t0 = time.perf_counter()
            if name == "fixed":
                states = run_fixed(u, mask, table_bits=args.table_bits, ahead=args.ahead)
            else:
                states = run_float(u, mask, exact=name == "exact")
            cells.append(f"{_score(states, y):.4f} ({time.perf_counter() - t0:.0f} s)")
        print(f"| {s} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
