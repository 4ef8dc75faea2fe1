"""Fidelity report of the p-bit network (Ising machine): Boltzmann, annealing, Onsager.

Three sections for a ``kind = "pbit"`` config with a ``[problem]`` table:

**Boltzmann histogram** (problems with ``n <= 20`` spins).  The golden model and the
RTL (native Verilator model, a shorter run) sample the quantised problem at a constant
β; the histograms of the ``2**n`` states are compared with the exact enumerated
distribution ``P(m) ~ exp(-beta E_q(m))``, where ``E_q`` is the energy of the
*quantised* ``h``/``J`` (the register values) and β is the β the hardware applies.
β is the configured constant β (or 1 for an annealing schedule) moved to the nearest
value at which every product ``beta * I`` lands exactly on the LUT address grid
(:func:`lut_exact_beta`): there the colored sweep is exact Gibbs sampling of the
quantised problem, and the only remaining deviation is the rounding of each LUT
entry to ``2**-prob_bits`` (at most one LSB of a conditional probability, far below
the sampling noise).  Every sample is the final state of an independent read
(random initial state, ``burn_in`` sweeps), so the histogram is a multinomial
sample of ``N`` draws and the pass rule follows from ``N`` alone:

* the expected TVD of a multinomial sample is
  ``E[TVD] = 1/(2N) sum_x E|X_x - N p_x|`` with the exact binomial mean absolute
  deviation ``E|X - Np| = 2 nu (1 - p) Binom(nu; N, p)``, ``nu = floor(Np) + 1``
  (de Moivre; :func:`expected_tvd`);
* moving one sample changes the TVD by at most ``1/N``, so McDiarmid's inequality
  gives ``P(TVD >= E[TVD] + t) <= exp(-2 N t**2)``; with a false-alarm probability
  ``ALPHA = 1e-6`` the margin is ``t = sqrt(ln(1/ALPHA) / (2N))``
  (:func:`tvd_threshold`).

**Energy during annealing.**  A few reads under the configured ``[anneal]`` schedule
(the β registers of :meth:`~spinemu.sim_golden.pbit_net_spec.PBitNetSpec.beta_registers`),
energy per spin after every sweep, golden model and RTL on the same seed and initial
states.  Pass: the RTL's samples are identical to the golden model's, sweep for sweep.

**Onsager comparison** (only for a periodic 2D ferromagnetic lattice, ``h = 0``).  At
each configured temperature (the constant β, or both ends of the range, on the LUT
grid as above) independent golden reads start ordered, relax, and measure the energy
per spin ``u`` and ``|M|``.  Pass:

* ``|u - u_L(T)| <= N_SIGMA sigma_u``, where ``u_L`` is the exact energy of the finite
  ``L x L`` torus (Kaufman's partition function, :func:`kaufman_energy`) and
  ``sigma_u`` the standard error over independent reads; the infinite-lattice Onsager
  value ``u(T)`` (:func:`onsager_energy`) is reported with the exact finite-size shift
  ``u_L - u``;
* ``|<|M|> - M(T)| <= N_SIGMA sigma_M + 2 s_M``: Yang's ``M(T)``
  (:func:`onsager_magnetization`) must lie within two per-sample standard deviations
  ``s_M`` of ``|M|`` (the finite-size fluctuation scale: on a finite lattice
  ``<|M|>`` is nonzero above ``T_c``, of order ``s_M``) plus the statistical band.

**Partitioned machine** (a ``[machine]`` config): residual energy against sweeps for
the monolithic machine, splits into 2, 4 and 8 devices at several exchange rates, and
the configured machine (:mod:`.fidelity_partition`; informative, no verdict).

Plots: sampled vs exact probabilities (states and energy levels), energy per spin
vs sweep with the β schedule, ``u(T)``/``|M|(T)`` with the exact Onsager curves, and
the residual energy of the partitioned machines (log-log).
"""

from __future__ import annotations

import math

import numpy as np

from ..sim_golden.pbit_net import BetaRegisters, PBitNetGolden, quantized_energy
from ..sim_golden.pbit_net_spec import PBitNetSpec
from ..sim_golden.problems import lattice_2d
from ..sw.pbit_sampler import run_network
from .report import Section, figure_from_matplotlib, have_matplotlib

__all__ = [
    "fidelity",
    "fidelity_pbit",
    "exact_boltzmann",
    "state_index",
    "expected_tvd",
    "tvd_threshold",
    "lut_exact_beta",
    "lattice_side",
    "onsager_energy",
    "onsager_magnetization",
    "kaufman_energy",
    "ALPHA",
    "N_SIGMA",
    "MAX_EXACT_SPINS",
    "T_C",
]

#: False-alarm probability of the TVD pass rule (McDiarmid margin).
ALPHA = 1e-6
#: Pass band of the Onsager comparison, in standard errors.
N_SIGMA = 4.0
#: Largest network whose distribution is enumerated.
MAX_EXACT_SPINS = 20
#: Critical temperature of the square-lattice ferromagnet (J = 1): 2 / ln(1 + sqrt 2).
T_C = 2.0 / math.log(1.0 + math.sqrt(2.0))


# --------------------------------------------------------------------------- exact answers
def onsager_energy(T, J: float = 1.0) -> np.ndarray:
    """Energy per spin of the infinite square-lattice ferromagnet (Onsager).

    ``u = -J coth(2K) [1 + (2/pi)(2 tanh^2(2K) - 1) K1(k)]``, ``K = J/T``,
    ``k = 2 sinh(2K) / cosh^2(2K)``, ``K1`` the complete elliptic integral of the
    first kind (``u(T_c) = -sqrt(2) J``).
    """
    from scipy.special import ellipk

    t = np.asarray(T, dtype=np.float64) / J
    if np.any(t <= 0):
        raise ValueError(f"T must be > 0, not {T!r}")
    K = 1.0 / t
    k = 2.0 * np.sinh(2 * K) / np.cosh(2 * K) ** 2
    m = np.minimum(k * k, 1.0)
    crit = np.isclose(m, 1.0, rtol=0, atol=1e-15)
    el = np.where(crit, 0.0, ellipk(np.where(crit, 0.5, m)))
    u = -1.0 / np.tanh(2 * K) * (1.0 + 2.0 / np.pi * (2.0 * np.tanh(2 * K) ** 2 - 1.0) * el)
    return J * np.where(crit, -math.sqrt(2.0), u)


def onsager_magnetization(T, J: float = 1.0) -> np.ndarray:
    """Spontaneous magnetisation ``(1 - sinh(2J/T)**-4)**(1/8)`` below ``T_c``, else 0 (Yang)."""
    t = np.asarray(T, dtype=np.float64) / J
    if np.any(t <= 0):
        raise ValueError(f"T must be > 0, not {T!r}")
    x = 1.0 - np.sinh(2.0 / t) ** -4.0
    return np.where(x > 0, np.abs(x) ** 0.125, 0.0)


def _kaufman_log_z(L: int, K: float) -> float:
    """``ln Z`` of the ``L x L`` periodic ferromagnet at coupling ``K = J/T`` (Kaufman 1949)."""
    r = np.arange(L)
    c = np.cosh(2 * K) / np.tanh(2 * K)
    g_odd = np.arccosh(c - np.cos(np.pi * (2 * r + 1) / L))
    g_even = np.arccosh(np.maximum(c - np.cos(np.pi * (2 * r) / L), 1.0))
    g_even[0] = 2 * K + math.log(math.tanh(K))  # gamma_0 keeps its sign
    half = 0.5 * L
    terms = []  # (sign, log |Z_i|)
    terms.append((1.0, np.sum(np.log(2 * np.cosh(half * g_odd)))))
    terms.append((1.0, np.sum(np.log(2 * np.sinh(half * g_odd)))))
    terms.append((1.0, np.sum(np.log(2 * np.cosh(half * g_even)))))
    s4 = 2 * np.sinh(half * g_even)
    terms.append((float(np.prod(np.sign(s4))), np.sum(np.log(np.abs(s4)))))
    top = max(t[1] for t in terms)
    total = sum(s * math.exp(lg - top) for s, lg in terms)
    return math.log(0.5) + 0.5 * L * L * math.log(2 * math.sinh(2 * K)) + top + math.log(total)


def kaufman_energy(L: int, T: float, J: float = 1.0) -> float:
    """Exact energy per spin of the finite ``L x L`` periodic ferromagnet at ``T``.

    ``u_L = -(J / L**2) d ln Z / dK`` from Kaufman's exact partition function of the
    torus (central difference, step ``1e-5 K``; error ~1e-9).
    """
    if int(L) != L or L < 3:
        raise ValueError(f"L must be an integer >= 3, not {L!r}")
    if not T > 0:
        raise ValueError(f"T must be > 0, not {T!r}")
    K = J / float(T)
    dk = 1e-5 * K
    d = (_kaufman_log_z(int(L), K + dk) - _kaufman_log_z(int(L), K - dk)) / (2 * dk)
    return -J * d / (L * L)


def exact_boltzmann(spec: PBitNetSpec, h_q, j_q, beta: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact distribution of the quantised problem: ``(p, E)`` over all ``2**n`` states.

    State ``k`` has ``m_i = +1`` iff bit ``i`` of ``k`` is set; ``E`` is the real
    energy ``quantized_energy / 2**frac_bits`` and ``p ~ exp(-beta E)``.
    """
    n = spec.n
    if n > MAX_EXACT_SPINS:
        raise ValueError(f"n must be <= {MAX_EXACT_SPINS} to enumerate, not {n}")
    e = np.empty(1 << n)
    chunk = 1 << 15
    for a in range(0, 1 << n, chunk):
        k = np.arange(a, min(a + chunk, 1 << n))
        m = np.where((k[:, None] >> np.arange(n)) & 1, 1, -1)
        e[a : a + k.size] = quantized_energy(spec, h_q, j_q, m)
    e /= float(1 << spec.frac_bits)
    w = np.exp(-beta * (e - e.min()))
    return w / w.sum(), e


def state_index(m) -> np.ndarray:
    """Index of each ``+-1`` state row (bit ``i`` set iff ``m_i = +1``)."""
    m = np.asarray(m)
    return ((m > 0).astype(np.int64) << np.arange(m.shape[-1])).sum(axis=-1)


def expected_tvd(p, N: int) -> float:
    """Exact expected TVD between a multinomial sample of ``N`` draws and ``p``."""
    from scipy.stats import binom

    p = np.asarray(p, dtype=np.float64)
    nu = np.floor(N * p) + 1
    mad = 2 * nu * (1 - p) * binom.pmf(nu, N, p)
    return float(mad.sum() / (2 * N))


def tvd_threshold(p, N: int, alpha: float = ALPHA) -> tuple[float, float]:
    """``(E[TVD], E[TVD] + sqrt(ln(1/alpha) / (2N)))``: the pass rule of the histogram."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), not {alpha}")
    e = expected_tvd(p, N)
    return e, e + math.sqrt(math.log(1 / alpha) / (2 * N))


def lut_exact_beta(spec: PBitNetSpec, h_q, j_q, beta: float) -> tuple[float, int]:
    """Nearest β (> 0) at which ``beta * I`` lands exactly on the LUT address grid.

    The address is ``(beta_m I_q + 2**(s-1)) >> s``; every reachable field ``I_q`` is
    a multiple of ``g = gcd(h_q, J_q)``, so ``beta_m`` a multiple of
    ``2**s / gcd(2**s, g)`` makes the shift exact.  Returns ``(beta, beta_acc)``.
    """
    s = spec.lut_shift
    vals = np.abs(np.concatenate([np.asarray(h_q, np.int64), np.asarray(j_q, np.int64)]))
    g = int(np.gcd.reduce(vals[vals > 0])) if np.any(vals > 0) else 1 << s
    q = (1 << s) // math.gcd(1 << s, g)
    bm = max(1, round(beta * (1 << spec.beta_mul_frac_bits) / q)) * q
    acc = bm << (spec.beta_frac_bits - spec.beta_mul_frac_bits)
    if acc > (1 << 32) - 1:
        raise ValueError(f"beta {beta!r} is beyond the beta register")
    return float(spec.beta_used(acc)), int(acc)


def lattice_side(spec: PBitNetSpec, h_q, j_q) -> int | None:
    """``L`` if the loaded problem is the periodic ``L x L`` ferromagnet with ``h = 0``."""
    L = math.isqrt(spec.n)
    if L * L != spec.n or L < 3:
        return None
    j = np.asarray(j_q)
    if np.any(np.asarray(h_q) != 0) or j.size == 0 or np.any(j != j[0]) or j[0] <= 0:
        return None
    ref = {tuple(sorted(map(int, e))) for e in lattice_2d(L).edges.tolist()}
    return L if set(spec.edges) == ref else None


def _saturation_free(spec: PBitNetSpec, h_q, j_q) -> bool:
    """True if no local field can reach the accumulator's saturation."""
    bound = np.abs(np.asarray(h_q, np.int64)).copy()
    for (a, b), v in zip(spec.edges, np.abs(np.asarray(j_q, np.int64)), strict=True):
        bound[a] += v
        bound[b] += v
    lo, hi = spec.acc_range
    return bool(bound.max(initial=0) <= hi)


# --------------------------------------------------------------------------- sections
def _random_states(rng, reads: int, n: int) -> np.ndarray:
    return np.where(rng.random((reads, n)) < 0.5, 1, -1).astype(np.int8)


def _target_beta(stimulus: dict) -> float:
    kind, (b0, b1) = stimulus["anneal"]
    return b1 if kind == "constant" else 1.0


def _boltzmann(config, *, reads, rtl_reads, burn_in, seed, log) -> Section:
    spec, st = config.spec, config.stimulus
    h_q, j_q = st["h_q"], st["j_q"]
    title = "Boltzmann histogram: sampled vs exact"
    if spec.n > MAX_EXACT_SPINS:
        return Section(
            title=title, text=f"Skipped: {spec.n} spins (exact enumeration up to {MAX_EXACT_SPINS})."
        )
    want = _target_beta(st)
    beta, acc = lut_exact_beta(spec, h_q, j_q, want)
    p, e = exact_boltzmann(spec, h_q, j_q, beta)
    regs = BetaRegisters(acc)
    rng = np.random.default_rng(seed)
    runs = {}
    for name, backend, R in (("golden", "golden", reads), ("RTL", "rtl", rtl_reads)):
        log(f"[fidelity]   Boltzmann: {R} {name} reads x {burn_in} sweeps at beta = {beta:g}")
        init = _random_states(rng, R, spec.n)
        res = run_network(
            spec,
            h_q,
            j_q,
            num_sweeps=burn_in,
            beta=regs,
            num_reads=R,
            seed=int(rng.integers(0, 2**63)),
            initial_states=init,
            backend=backend,
        )
        counts = np.bincount(state_index(res.states), minlength=p.size)
        tvd = 0.5 * float(np.abs(counts / R - p).sum())
        e_tvd, thr = tvd_threshold(p, R)
        runs[name] = (counts, tvd, e_tvd, thr, R)
    ok = all(r[1] <= r[3] for r in runs.values())
    metrics = {
        "beta_configured": want,
        "beta_used": beta,
        "states": int(p.size),
        "saturation_free": _saturation_free(spec, h_q, j_q),
    }
    for name, (_, tvd, e_tvd, thr, R) in runs.items():
        metrics.update(
            {
                f"{name}_samples": R,
                f"{name}_tvd": round(tvd, 5),
                f"{name}_expected_tvd": round(e_tvd, 5),
                f"{name}_tvd_threshold": round(thr, 5),
            }
        )
    order = np.argsort(-p, kind="stable")
    table = [["state (m_0..m_n-1)", "E", "exact P", "golden", "RTL"]]
    for k in order[: min(p.size, 16)]:
        bits = "".join("+" if (k >> i) & 1 else "-" for i in range(spec.n))
        table.append(
            [
                bits,
                f"{e[k]:g}",
                f"{p[k]:.5f}",
                f"{runs['golden'][0][k] / reads:.5f}",
                f"{runs['RTL'][0][k] / rtl_reads:.5f}",
            ]
        )
    figures = []
    if have_matplotlib():
        figures.append(
            figure_from_matplotlib(
                _plot_boltzmann(p, e, runs, order),
                "Sampled vs exact Boltzmann distribution",
                f"Left: the {min(p.size, 40)} most probable states (exact bars, golden and RTL "
                "frequencies with ±2 binomial σ). Right: probability of each energy level.",
            )
        )
    text = (
        f"{spec.n} spins, {spec.num_colors} colors; β = {beta:g} (configured {want:g}, moved to the "
        "nearest β with β·I exactly on the LUT grid, where the colored sweep is exact Gibbs sampling of "
        "the quantised problem up to the 2^-prob_bits rounding of the LUT). Each sample is the final state "
        f"of an independent read (random start, {burn_in} sweeps). Pass: TVD ≤ E[TVD] + "
        f"sqrt(ln(1/α)/(2N)), α = {ALPHA:g}: E[TVD] is the exact expected TVD of a multinomial sample "
        "of N draws from the exact distribution (binomial mean absolute deviations), the margin "
        "McDiarmid's bound (one sample moves the TVD by at most 1/N)."
    )
    if not metrics["saturation_free"]:
        text += " Warning: some local fields can saturate the accumulator; the exact reference ignores it."
    log(
        f"[fidelity]   Boltzmann TVD golden {runs['golden'][1]:.4f}, RTL {runs['RTL'][1]:.4f} "
        f"(thresholds {runs['golden'][3]:.4f}, {runs['RTL'][3]:.4f})"
    )
    return Section(title=title, text=text, metrics=metrics, table=table, figures=figures, ok=ok)


def _plot_boltzmann(p, e, runs, order):
    from matplotlib.figure import Figure as MplFigure

    fig = MplFigure(figsize=(10, 4.2))
    ax, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    top = order[: min(p.size, 40)]
    x = np.arange(top.size)
    ax.bar(x, p[top], color="0.8", label="exact")
    for (name, (counts, *_rest, R)), dx, col in zip(
        runs.items(), (-0.18, 0.18), ("tab:blue", "tab:red"), strict=True
    ):
        f = counts[top] / R
        ax.errorbar(
            x + dx,
            f,
            yerr=2 * np.sqrt(p[top] * (1 - p[top]) / R),
            fmt="o",
            ms=3,
            color=col,
            label=f"{name} (N = {R})",
        )
    ax.set_xlabel("state rank (by exact probability)")
    ax.set_ylabel("probability")
    ax.legend(fontsize=8)
    levels, inv = np.unique(np.round(e, 9), return_inverse=True)
    ax2.plot(levels, np.bincount(inv, weights=p), "k_", ms=14, mew=2, label="exact")
    for (name, (counts, *_rest, R)), col in zip(runs.items(), ("tab:blue", "tab:red"), strict=True):
        ax2.plot(levels, np.bincount(inv, weights=counts / R), "o", ms=4, color=col, label=name)
    ax2.set_yscale("log")
    ax2.set_xlabel("energy E (quantised)")
    ax2.set_ylabel("P(E)")
    ax2.legend(fontsize=8)
    for a in (ax, ax2):
        a.grid(alpha=0.3)
    return fig


def _anneal(config, *, reads, sweeps, seed, log) -> Section:
    spec, st = config.spec, config.stimulus
    h_q, j_q = st["h_q"], st["j_q"]
    kind, br = st["anneal"]
    regs = BetaRegisters.from_dict(spec.beta_registers(kind, br, sweeps))
    rng = np.random.default_rng(seed)
    init = _random_states(rng, reads, spec.n)
    master = int(rng.integers(0, 2**63))
    out = {}
    for backend in ("golden", "rtl"):
        log(f"[fidelity]   anneal: {reads} {backend} reads x {sweeps} sweeps ({kind} {br})")
        out[backend] = run_network(
            spec,
            h_q,
            j_q,
            num_sweeps=sweeps,
            beta=regs,
            num_reads=reads,
            seed=master,
            initial_states=init,
            record="all",
            backend=backend,
        )
    gs, rs = out["golden"].samples, out["rtl"].samples
    identical = bool(np.array_equal(gs, rs))
    diff = np.argwhere(np.any(gs != rs, axis=2)) if not identical else None
    scale = float(1 << spec.frac_bits) * spec.n
    u = quantized_energy(spec, h_q, j_q, gs.reshape(-1, spec.n)).reshape(reads, sweeps) / scale
    betas = spec.beta_used(out["golden"].beta_acc)
    ground = None
    if spec.n <= MAX_EXACT_SPINS:
        _, e = exact_boltzmann(spec, h_q, j_q, 1.0)
        ground = float(e.min()) / spec.n
    L = lattice_side(spec, h_q, j_q)
    if L is not None:
        ground = -2.0 * float(j_q[0]) / (1 << spec.frac_bits)
    metrics = {
        "reads": reads,
        "sweeps": sweeps,
        "rtl_identical_to_golden": identical,
        "beta_first": float(betas[0]),
        "beta_last": float(betas[-1]),
        "final_energy_per_spin_mean": round(float(u[:, -1].mean()), 5),
        "lowest_energy_per_spin": round(float(u.min()), 5),
    }
    if ground is not None:
        metrics["ground_energy_per_spin"] = round(ground, 5)
    if diff is not None:
        r, s = diff[0]
        metrics["first_mismatch"] = f"read {r}, sweep {s}"
    figures = []
    if have_matplotlib():
        figures.append(
            figure_from_matplotlib(
                _plot_anneal(u, betas, ground),
                "Energy per spin during annealing",
                "Thin lines: individual golden reads (the RTL's are identical); thick: their mean; dashed: "
                "the ground-state energy; grey (right axis): the β each sweep applied.",
            )
        )
    text = (
        f"{reads} reads of {sweeps} sweeps under the configured schedule ({kind}, β {br[0]:g} → "
        f"{br[1]:g}; applied {betas[0]:g} → {betas[-1]:g} on the β grid) from random states, golden "
        "model and RTL with the same master seed and initial states. Pass: the RTL's spins equal "
        "the golden model's after every sweep of every read."
    )
    log(f"[fidelity]   anneal: RTL identical to golden: {identical}")
    return Section(title="Energy during annealing", text=text, metrics=metrics, figures=figures, ok=identical)


def _plot_anneal(u, betas, ground):
    from matplotlib.figure import Figure as MplFigure

    fig = MplFigure(figsize=(8, 4))
    ax = fig.subplots()
    x = np.arange(1, u.shape[1] + 1)
    for row in u:
        ax.plot(x, row, lw=0.6, alpha=0.6)
    ax.plot(x, u.mean(axis=0), color="k", lw=2, label="mean of reads")
    if ground is not None:
        ax.axhline(ground, color="tab:green", ls="--", label="ground state")
    ax.set_xlabel("sweep")
    ax.set_ylabel("energy per spin")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper right")
    axb = ax.twinx()
    axb.plot(x, betas, color="0.5", lw=1)
    axb.set_ylabel("β", color="0.5")
    return fig


def _onsager(config, *, reads, sweeps, seed, log) -> Section:
    spec, st = config.spec, config.stimulus
    h_q, j_q = st["h_q"], st["j_q"]
    title = "Onsager comparison: 2D Ising ferromagnet"
    L = lattice_side(spec, h_q, j_q)
    if L is None:
        return Section(
            title=title,
            text="Skipped: the problem is not a periodic 2D ferromagnetic "
            "lattice with uniform J > 0 and h = 0.",
        )
    J = float(j_q[0]) / (1 << spec.frac_bits)
    kind, br = st["anneal"]
    targets = sorted({b for b in br if b > 0})
    burn = 200 + 2 * L * L  # ordered start; relaxation ~L^2 sweeps near T_c
    rng = np.random.default_rng(seed)
    rows, pts, ok = [], [], True
    table = [
        [
            "T",
            "β",
            "u (sampled)",
            "u_L exact (Kaufman)",
            "u Onsager (L=∞)",
            "|M| (sampled)",
            "M Onsager",
            "pass",
        ]
    ]
    for want in targets:
        beta, acc = lut_exact_beta(spec, h_q, j_q, want)
        T = 1.0 / beta
        log(f"[fidelity]   Onsager: L = {L}, T = {T:.4g}: {reads} reads x ({burn} + {sweeps}) sweeps")
        gold = PBitNetGolden(spec, seed=int(rng.integers(0, 2**63)))
        regs = BetaRegisters(acc)
        start = np.ones((reads, spec.n), np.int8)
        warm = gold.run(h_q, j_q, num_sweeps=burn, beta=regs, num_reads=reads, initial_states=start)
        res = gold.run(
            h_q, j_q, num_sweeps=sweeps, beta=regs, num_reads=reads, initial_states=warm.states, record="all"
        )
        s = res.samples
        e = quantized_energy(spec, h_q, j_q, s.reshape(-1, spec.n)).reshape(reads, sweeps)
        e = e / float(1 << spec.frac_bits) / spec.n
        mabs = np.abs(s.mean(axis=2, dtype=np.float64))
        u_r, m_r = e.mean(axis=1), mabs.mean(axis=1)
        u, su = float(u_r.mean()), float(u_r.std(ddof=1) / math.sqrt(reads))
        m, sm = float(m_r.mean()), float(m_r.std(ddof=1) / math.sqrt(reads))
        s_m = float(mabs.std())
        u_l, u_inf = kaufman_energy(L, T, J), float(onsager_energy(T, J))
        m_inf = float(onsager_magnetization(T, J))
        pass_u = abs(u - u_l) <= N_SIGMA * su
        pass_m = abs(m - m_inf) <= N_SIGMA * sm + 2 * s_m
        ok = ok and pass_u and pass_m
        rows.append(
            {
                "T": T,
                "beta": beta,
                "u": u,
                "sigma_u": su,
                "u_L": u_l,
                "u_onsager": u_inf,
                "finite_size_shift": u_l - u_inf,
                "abs_M": m,
                "sigma_M": sm,
                "sd_abs_M": s_m,
                "M_onsager": m_inf,
                "pass_u": pass_u,
                "pass_M": pass_m,
            }
        )
        table.append(
            [
                f"{T:.5g}",
                f"{beta:g}",
                f"{u:.5f} ± {su:.5f}",
                f"{u_l:.5f}",
                f"{u_inf:.5f}",
                f"{m:.4f} ± {sm:.4f} (sd {s_m:.3f})",
                f"{m_inf:.5f}",
                "yes" if pass_u and pass_m else "NO",
            ]
        )
        pts.append((T, u, su, m, sm))
    metrics = {"L": L, "J": J, "reads": reads, "burn_in_sweeps": burn, "measured_sweeps": sweeps}
    for r in rows:
        key = f"T={r['T']:.4g}"
        metrics[f"{key} u"] = round(r["u"], 5)
        metrics[f"{key} sigma_u"] = round(r["sigma_u"], 6)
        metrics[f"{key} u-u_L [sigma]"] = round(float((r["u"] - r["u_L"]) / r["sigma_u"]), 2)
        metrics[f"{key} u_L-u_onsager"] = round(float(r["finite_size_shift"]), 5)
        metrics[f"{key} |M|"] = round(r["abs_M"], 5)
        metrics[f"{key} sigma_M"] = round(r["sigma_M"], 6)
        metrics[f"{key} M_onsager"] = round(r["M_onsager"], 5)
    figures = []
    if have_matplotlib():
        figures.append(
            figure_from_matplotlib(
                _plot_onsager(L, J, pts),
                "Energy per spin and |M| vs temperature with Onsager's solution",
                f"Lines: the exact infinite-lattice u(T) and M(T) (Onsager, Yang) and the exact u(T) of the "
                f"{L}x{L} torus (Kaufman); points: golden model ±{N_SIGMA:g}σ.",
            )
        )
    text = (
        f"{L}x{L} periodic lattice, J = {J:g}, h = 0; golden model at each configured temperature (β on "
        f"the LUT grid), {reads} independent reads started ordered, {burn} sweeps to relax, {sweeps} "
        f"measured. Pass: |u − u_L| ≤ {N_SIGMA:g}σ_u with u_L the exact energy of the finite torus "
        "(Kaufman) — the finite-size shift u_L − u_Onsager is listed — and |⟨|M|⟩ − M_Onsager| ≤ "
        f"{N_SIGMA:g}σ_M + 2·sd(|M|) (finite-size magnetisation fluctuations). σ: standard error over reads."
    )
    for r in rows:
        log(
            f"[fidelity]   T = {r['T']:.4g}: u = {r['u']:.5f} ± {r['sigma_u']:.5f} (exact L = {L}: "
            f"{r['u_L']:.5f}, Onsager {r['u_onsager']:.5f}); |M| = {r['abs_M']:.4f} (Onsager "
            f"{r['M_onsager']:.4f})"
        )
    return Section(title=title, text=text, metrics=metrics, table=table, figures=figures, ok=ok)


def _plot_onsager(L, J, pts):
    from matplotlib.figure import Figure as MplFigure

    t_lo = min(0.5 * T_C * J, *(p[0] * 0.8 for p in pts))
    t_hi = max(2.0 * T_C * J, *(p[0] * 1.2 for p in pts))
    T = np.linspace(t_lo, t_hi, 400)
    fig = MplFigure(figsize=(10, 4))
    ax, ax2 = fig.subplots(1, 2)
    ax.plot(T, onsager_energy(T, J), "k", lw=1.5, label="Onsager (L = ∞)")
    ax.plot(
        T, [kaufman_energy(L, t, J) for t in T], "tab:orange", ls="--", lw=1.2, label=f"exact {L}x{L} torus"
    )
    ax2.plot(T, onsager_magnetization(T, J), "k", lw=1.5, label="Yang M(T)")
    for t, u, su, m, sm in pts:
        ax.errorbar([t], [u], yerr=[N_SIGMA * su], fmt="o", color="tab:red", capsize=3)
        ax2.errorbar([t], [m], yerr=[N_SIGMA * sm], fmt="o", color="tab:red", capsize=3)
    ax.plot([], [], "o", color="tab:red", label="golden model")
    ax2.plot([], [], "o", color="tab:red", label="golden model ⟨|M|⟩")
    for a, yl in ((ax, "energy per spin u"), (ax2, "|M| per spin")):
        a.axvline(T_C * J, color="0.6", ls=":", lw=1)
        a.set_xlabel("T")
        a.set_ylabel(yl)
        a.grid(alpha=0.3)
        a.legend(fontsize=8)
    return fig


def fidelity(
    config,
    *,
    log=print,
    reads: int = 20_000,
    rtl_reads: int = 5_000,
    burn_in: int = 256,
    anneal_reads: int = 4,
    anneal_sweeps: int = 300,
    onsager_reads: int = 64,
    onsager_sweeps: int = 400,
    seed: int = 2024,
) -> list[Section]:
    """Fidelity sections of a p-bit network config (see the module docstring).

    Parameters
    ----------
    config : Config
        A ``kind = "pbit"`` config with a ``[problem]`` table; others give ``[]``.
    log : callable
        Progress messages.
    reads, rtl_reads : int
        Independent samples (reads) of the golden model and of the RTL for the histogram.
    burn_in : int
        Sweeps of each histogram read before its final state is taken.
    anneal_reads, anneal_sweeps : int
        Reads and sweeps of the annealing run (golden and RTL).
    onsager_reads, onsager_sweeps : int
        Independent reads and measured sweeps per temperature of the Onsager comparison.
    seed : int
        Seed of the initial states and master RNG seeds.

    Returns
    -------
    list of Section
    """
    spec = config.spec
    if not isinstance(spec, PBitNetSpec):
        log("[fidelity] p-bit network fidelity skipped: not a p-bit network config")
        return []
    for name, v in (
        ("reads", reads),
        ("rtl_reads", rtl_reads),
        ("burn_in", burn_in),
        ("anneal_reads", anneal_reads),
        ("anneal_sweeps", anneal_sweeps),
        ("onsager_reads", onsager_reads),
        ("onsager_sweeps", onsager_sweeps),
    ):
        if isinstance(v, bool) or not isinstance(v, int) or v < (2 if "reads" in name else 1):
            raise ValueError(f"{name} must be an integer >= {2 if 'reads' in name else 1}, not {v!r}")
    log(f"[fidelity] p-bit network: {spec.n} p-bits, {spec.num_edges} couplings")
    from .fidelity_partition import machine_section

    sections = [
        _boltzmann(config, reads=reads, rtl_reads=rtl_reads, burn_in=burn_in, seed=seed, log=log),
        _anneal(config, reads=anneal_reads, sweeps=anneal_sweeps, seed=seed + 1, log=log),
        _onsager(config, reads=onsager_reads, sweeps=onsager_sweeps, seed=seed + 2, log=log),
    ]
    machine = machine_section(config, log=log)  # a [machine] config: the partition study
    return sections if machine is None else [*sections, machine]


def fidelity_pbit(config, *, log=print, **net_options) -> list[Section]:
    """Fidelity of any ``kind = "pbit"`` config: the array primitive's or the network's.

    ``gen/core_pbit.py`` imports this as its ``fidelity``.  ``net_options`` go to
    :func:`fidelity` (network configs only).
    """
    if isinstance(config.spec, PBitNetSpec):
        return fidelity(config, log=log, **net_options)
    from .fidelity_pbit_array import fidelity as array_fidelity

    return array_fidelity(config, log=log)
