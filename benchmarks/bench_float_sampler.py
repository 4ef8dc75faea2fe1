"""Float reference p-bit sampler vs dwave-samplers' SimulatedAnnealingSampler.

Prints a Markdown table of flips/ns (spin updates per second / 1e9, both single
threaded, same reads, sweeps and beta schedule) on 2D lattices L = 64 and 128 and an
800-node random graph, and the best cut reached at equal sweeps on an 800-node
G-set-like graph (rudy ``-rnd_graph 800 6``, unit weights, like G1 but a different
random instance, so G1's best known cut 11624 is only a scale reference).
dwave-samplers is a benchmark peer only: ``pip install dwave-samplers``.
Runs in well under 2 minutes on 2 cores.

Usage: ``python benchmarks/bench_float_sampler.py``
"""

from __future__ import annotations

import numpy as np
from _peers import run_dwave, run_float, throughput_cases
from spinemu.sim_golden.float_sampler import default_beta_range
from spinemu.sim_golden.problems import cut_value, maxcut_to_ising, random_maxcut_graph, to_bqm

__all__ = ["main"]


def main() -> None:
    """Run the benchmark and print the Markdown table."""
    rows = []
    for name, p, reads, sweeps in throughput_cases():
        br = default_beta_range(p)
        bqm = to_bqm(p)
        upd = reads * sweeps * p.n
        _, tf = run_float(p, reads=reads, sweeps=sweeps, beta_range=br, seed=1)
        _, td = run_dwave(bqm, reads=reads, sweeps=sweeps, beta_range=br, seed=1)
        _, tg = run_dwave(bqm, reads=reads, sweeps=sweeps, beta_range=br, seed=1, criterion="Gibbs")
        rows.append(
            f"| {name} | {p.n} | {reads} x {sweeps} | {upd / tf / 1e9:.3f} | "
            f"{upd / td / 1e9:.3f} | {upd / tg / 1e9:.3f} | {td / tf:.1f}x |"
        )
    print("## Throughput (flips/ns = spin updates per second / 1e9, one thread)\n")
    print(
        "| problem | spins | reads x sweeps | spinemu float (Gibbs) | dwave SA Metropolis "
        "| dwave SA Gibbs | speed-up vs Metropolis |"
    )
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))

    g = random_maxcut_graph(800, 0.06, seed=2)
    p = maxcut_to_ising(g)
    bqm = to_bqm(p)
    br = default_beta_range(p)
    print(f"\n## Best cut at equal sweeps, G1-like graph (800 nodes, {g.edges.shape[0]} edges)\n")
    print("| sweeps | reads | spinemu float best / mean | time s | dwave SA best / mean | time s |")
    print("|---|---|---|---|---|---|")
    for sweeps in (100, 1000):
        reads = 16
        r, tf = run_float(p, reads=reads, sweeps=sweeps, beta_range=br, seed=3)
        cf = cut_value(g, r.states)
        ss, td = run_dwave(bqm, reads=reads, sweeps=sweeps, beta_range=br, seed=3)
        s = ss.record.sample[:, np.argsort(np.asarray(ss.variables))]
        cd = cut_value(g, s)
        print(
            f"| {sweeps} | {reads} | {cf.max():.0f} / {cf.mean():.1f} | {tf:.2f} | "
            f"{cd.max():.0f} / {cd.mean():.1f} | {td:.2f} |"
        )
    brs = tuple(round(b, 4) for b in br)
    print(f"\n(beta_range: dwave-samplers' default for each problem, here {brs})")


if __name__ == "__main__":
    main()
