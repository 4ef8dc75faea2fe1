"""Fidelity report of the STNO reservoir core: task, fixed point vs float, device physics.

Three sections, each computed from the config's :class:`~spinemu.sim_golden.reservoir_spec.ReservoirSpec`
(its reset-state registers and mask: the design as generated):

1. **NARMA10** (REFERENCE.md section 4): the bit-exact fixed-point golden model
   (:class:`~spinemu.sim_golden.reservoir_fixed.ReservoirFixed`, which ``verify`` has just
   proven identical to the RTL) is driven by the NARMA10 input, a ridge readout is trained
   on the first two thirds and the prediction on the last third is scored by NRMSE; also
   the on-chip readout (weights quantized to the core's formats) and the float physics
   model with the same weights.  The NRMSE depends on the reservoir size (the anchor,
   0.12-0.15, is for 400 nodes); it is reported, not judged.  The verdict is the derived
   consistency ``|NRMSE_fixed - NRMSE_float| <= sum_i |w_i| * max_n bound_n / std(y)``
   (the RMSE is a norm, so it moves by at most the largest prediction difference, and
   the predictions differ by at most ``sum |w| * max |x_fixed - x_float|``).
2. **Fixed point vs float state deviation**: every node state of the fixed-point model
   against the float model with the identical (dequantized) parameters, on the config's
   stimulus, against the rigorous bound :func:`deviation_bound` propagated along the
   float trajectory, including the delay-line feedback.
3. **STNO physics**: the float :class:`~spinemu.sim_golden.stno.STNO` (RK4) against the
   closed-form large-signal relaxation ``p(t) = p0 / (1 + (p0/p_init - 1) exp(-2 Gamma_p t))``
   (the power equation is logistic), the steady state ``p0 = (zeta - 1)/(zeta + Q)`` and the
   small-signal rate ``2 Gamma_p = 2 Gamma_G (zeta - 1)``; and the fixed-point core (feedback
   off, no input) settling to ``p0`` within the derived fixed-vs-float bound.
"""

from __future__ import annotations

import math

import numpy as np

from ..sim_golden.reservoir_fixed import ReservoirFixed, dequantize_params, readout_fixed
from ..sim_golden.reservoir_float import ridge_fit, ridge_predict, run_reservoir
from ..sim_golden.reservoir_spec import A_MIN, A_SPAN_LOG2, LOOKAHEAD, MAP_FRAC_BITS, ReservoirSpec
from ..sim_golden.stno import STNO
from ..sim_golden.validate import SpecError
from ..sw.tasks import narma10, nrmse
from .report import Section, figure_from_matplotlib, have_matplotlib

__all__ = ["fidelity", "deviation_bound", "NARMA10_ANCHOR"]

#: NRMSE of a 400-node single-STNO delay reservoir on NARMA10 (REFERENCE.md section 4).
NARMA10_ANCHOR = (0.12, 0.15)


def deviation_bound(spec: ReservoirSpec, regs: dict, mask_q, u_q) -> tuple[np.ndarray, np.ndarray]:
    """Float node states and a rigorous bound on ``|x_fixed - x_float|``, node by node.

    The float model is the exact node map (``integrator="exact"``) with the registers'
    exact (dequantized) parameters; the bound follows it in the ``w = 1/p`` domain, where a
    node is the linear map ``m_n(w) = E_n w + beta_n``.  Exactly composed, the core's six
    fixed-point maps ``m~`` take ``w~[n-6]`` through the intermediate values
    ``v_j = m~_j(v_{j-1})``, so with float intermediates ``w[j]``::

        |v_j - w[j]| <= E~_j |v_{j-1} - w[j-1]| + |m~_j(w[j-1]) - m_j(w[j-1])|

    and the core's result differs from ``v_n`` only by the roundings of the composition
    (``R = 2**-25`` per product, propagated through the second level) and of the loop.
    ``m~_j - m_j`` at ``w`` comes from the current error ``dz`` (``2**-(zeta_frac_bits+1)``
    for the rounded input term and, with feedback, ``|FB| (e_x[n-D] + |PDC - p_dc|) +
    2**-(zeta_frac_bits+1)`` more), which moves ``A`` and ``B`` by ``C dz`` (plus ``H =
    2**-(coef_frac_bits+1)`` each for their rounding), and from the table:

    * first order in ``dz`` the signed derivative ``C (-E w + B G'(A) + G)`` -- ``E w`` and
      ``beta`` move in opposite directions, which keeps the bound close to the true
      sensitivity (and finite with a contracting delay loop);
    * second order: ``(C dz + H)**2 / 2 (E e**|dA| w + |B| (e - 2) + 2)``, from ``|G''| <=
      e - 2`` and ``|G'| <= 1`` on the table's ``[-1, 15)``;
    * the table (step ``h``, linear interpolation of rounded points, rounded products):
      ``(h**2/8 e**h E + 2R) w + |B| (h**2/8 (e - 2) + 2R) + R``;
    * a float ``A`` outside ``[-1, 15)`` adds the map's change under the clamp.

    The state ``x = min(floor(2**(F + 24) / w) / 2**F, 1 - 2**-F)``
    (``F = state_frac_bits``) then deviates by at most ``e_w / (w (w - e_w)) + 2**-F`` (plus
    any excess of the float over the clamps).  The start error is ``|w~0 - 1/p_dc|``.
    (``z``, ``B`` and the composite maps are assumed not to saturate their registers; they
    are sized for it.)

    Returns
    -------
    x_float, bound : ndarray, shape (T, n_virtual)
    """
    F, K, Z = spec.state_frac_bits, spec.coef_frac_bits, spec.zeta_frac_bits
    pf = dequantize_params(spec, regs, mask_q)
    c = regs["C"] / (1 << spec.c_frac_bits)
    qf = regs["Q"] / (1 << Z)
    fb = pf.feedback
    p_dc = pf.p_dc()
    e_pdc = abs(regs["PDC"] / (1 << F) - p_dc)
    u = np.asarray(u_q, dtype=np.float64) / (1 << spec.input_frac_bits)
    z0 = (pf.zeta_dc + pf.input_scaling * np.outer(u, pf.mask_array())).reshape(-1).tolist()
    n_v, d = spec.n_virtual, spec.delay
    hz, hk, r = 2.0 ** -(Z + 1), 2.0 ** -(K + 1), 2.0 ** -(MAP_FRAC_BITS + 1)
    lsb = 2.0**-F
    h = (1 << A_SPAN_LOG2) / (1 << spec.table_bits)
    interp_e, interp_g = h * h / 8.0 * math.exp(h), h * h / 8.0 * (math.e - 2.0)
    a_lo, a_hi = float(A_MIN), float(A_MIN + (1 << A_SPAN_LOG2))
    w_max = spec.w_max / float(1 << MAP_FRAC_BITS)
    p_max = spec.state_max * lsb

    def g_of(a):
        return -math.expm1(-a) / a if abs(a) > 1e-6 else 1.0 - a / 2.0 + a * a / 6.0

    def g_prime(a):
        return (math.exp(-a) * (a + 1.0) - 1.0) / (a * a) if abs(a) > 1e-4 else -0.5 + a / 3.0

    w0 = 1.0 / p_dc
    e_w0 = abs(spec.w_restart(regs["PDC"]) / float(1 << MAP_FRAC_BITS) - w0)
    total = len(z0)
    # per node (4 leading entries for the RESTART state): float w, its error bound, an
    # upper bound of E~ and the map error |m~ - m| at the map's argument
    ahead = LOOKAHEAD
    ws, ews = [w0] * ahead + [0.0] * total, [e_w0] * ahead + [0.0] * total
    e_up, dm = [1.0] * ahead + [0.0] * total, [0.0] * ahead + [0.0] * total
    maps = [(1.0, 0.0)] * ahead + [(0.0, 0.0)] * total  # float (E, beta)
    pairs = [(1.0, 0.0)] * ahead + [(0.0, 0.0)] * total
    xs = [0.0] * total
    es = [0.0] * total
    for n, z in enumerate(z0):
        k = n + ahead  # index into the per-node lists
        dz = hz
        if fb != 0.0 and n >= d:
            z += fb * (xs[n - d] - p_dc)
            dz += abs(fb) * (es[n - d] + e_pdc) + hz
        a, b = c * (z - 1.0), c * (qf + z)
        ac = min(max(a, a_lo), a_hi)
        e_n, g_n, g1 = math.exp(-ac), g_of(ac), g_prime(ac)
        w_in = ws[k - 1]  # the map's argument: float w[n-1]
        da = c * dz + hk
        first = c * dz * abs(-e_n * w_in + b * g1 + g_n) + hk * (e_n * w_in + abs(b * g1) + g_n)
        second = 0.5 * da * da * (e_n * math.exp(da) * w_in + abs(b) * (math.e - 2.0) + 2.0)
        table = (interp_e * e_n + 2 * r) * w_in + abs(b) * (interp_g + 2 * r) + r
        clamp = abs((math.exp(-a) - e_n) * w_in + b * (g_of(a) - g_n)) if a != ac else 0.0
        maps[k] = (math.exp(-a), b * g_of(a))
        e_up[k] = e_n * math.exp(da) + interp_e * e_n + 2 * r
        dm[k] = first + second + table + clamp
        m1, m0 = maps[k], maps[k - 1]
        pairs[k] = (m1[0] * m0[0], m1[0] * m0[1] + m1[1])
        p1, p0, p4 = pairs[k], pairs[k - 2], pairs[k - 4]
        quad = (p1[0] * p0[0], p1[0] * p0[1] + p1[1])
        comp = (quad[0] * p4[0], quad[0] * p4[1] + quad[1])
        w = comp[0] * ws[k - ahead] + comp[1]
        e_v = ews[k - ahead]
        for j in range(k - ahead + 1, k + 1):
            e_v = e_up[j] * e_v + dm[j]
        # roundings of the composition (the pairs P_n, P_{n-2}, P_{n-4}, the product of the
        # first two and that with the third; 0.1 % margin for evaluating them at float
        # instead of fixed-point maps) and of the loop
        de4 = 1.001 * r * (p1[0] + p0[0]) + r * r + r
        db4 = 1.001 * r * (p1[0] + abs(p0[1])) + r * r + 2 * r
        de6 = 1.001 * (de4 * p4[0] + quad[0] * r) + de4 * r + r
        db6 = 1.001 * (de4 * abs(p4[1]) + quad[0] * r) + de4 * r + db4 + r
        e_w = e_v + de6 * (ws[k - ahead] + ews[k - ahead]) + db6 + r + abs(w - min(max(w, 0.0), w_max))
        ws[k], ews[k] = w, e_w
        x = 1.0 / w
        gap = max(w - e_w, 1e-300)
        xs[n] = x
        es[n] = e_w / (w * gap) + lsb + abs(x - min(x, p_max)) + 1e-12
    shape = (len(u), n_v)
    return np.asarray(xs).reshape(shape), np.asarray(es).reshape(shape)


def _fig(**kw):
    from matplotlib.figure import Figure as MplFigure

    return MplFigure(**kw)


# --------------------------------------------------------------------------- NARMA10
def _narma_section(spec: ReservoirSpec, log, samples: int) -> Section:
    log(f"[fidelity] reservoir: NARMA10, {samples} samples, {spec.n_virtual} nodes (golden fixed point)")
    u, y = narma10(samples, seed=1)
    lo, hi = spec.input_range
    gain = 1.0 if hi >= 0.5 else hi / 0.5  # NARMA10 inputs are in [0, 0.5]
    u_q = spec.quantize_inputs(gain * u)
    regs, mask_q = spec.reset_regs(), spec.mask_q()
    x_q = ReservoirFixed(spec, mask_q=mask_q, regs=regs).run(u_q)
    x_fix = x_q / float(1 << spec.state_frac_bits)
    log("[fidelity]   float model with the same parameters and the fixed-point error bound")
    x_flt, bound = deviation_bound(spec, regs, mask_q, u_q)
    ref = run_reservoir(dequantize_params(spec, regs, mask_q), u_q / float(1 << spec.input_frac_bits))
    inline_err = float(np.max(np.abs(ref - x_flt)))
    washout, n_train = 100, (2 * samples) // 3
    tr, te = slice(washout, n_train), slice(n_train, samples)
    ridge = 1e-8
    w = ridge_fit(x_fix[tr], y[tr], ridge)
    yhat_fix = ridge_predict(x_fix[te], w)
    yhat_flt_same = ridge_predict(x_flt[te], w)
    e_fix, e_flt_same = nrmse(y[te], yhat_fix), nrmse(y[te], yhat_flt_same)
    e_flt_own = nrmse(y[te], ridge_predict(x_flt[te], ridge_fit(x_flt[tr], y[tr], ridge)))
    tol = float(np.sum(np.abs(w[:-1])) * bound[te].max() / np.std(y[te]))
    ok = abs(e_fix - e_flt_same) <= tol and inline_err < 1e-9
    metrics = {
        "nrmse_fixed_point": round(e_fix, 4),
        "nrmse_float_same_weights": round(e_flt_same, 4),
        "nrmse_float_own_fit": round(e_flt_own, 4),
        "nrmse_difference_bound": float(f"{tol:.3g}"),
    }
    yhat_chip = None
    if spec.readout:
        w_q, bias_q = spec.quantize_weights(w[:-1]), spec.quantize_out(w[-1])
        yhat_chip = readout_fixed(spec, x_q[te], w_q, bias_q) / float(1 << spec.out_frac_bits)
        metrics["nrmse_on_chip_readout"] = round(nrmse(y[te], yhat_chip), 4)
    # Baselines with the same ridge readout: the current input alone, and 10 delayed inputs.
    base = {}
    for taps in (1, 10):
        U = np.stack([np.roll(u, k) for k in range(taps)], axis=1)
        base[taps] = nrmse(y[te], ridge_predict(U[te], ridge_fit(U[tr], y[tr], ridge)))
    metrics["nrmse_linear_on_u(t)"] = round(base[1], 4)
    metrics["nrmse_linear_on_u(t..t-9)"] = round(base[10], 4)
    metrics["anchor_400_nodes"] = f"{NARMA10_ANCHOR[0]}-{NARMA10_ANCHOR[1]}"
    log(f"[fidelity]   NARMA10 NRMSE {e_fix:.4f} (float {e_flt_same:.4f}, bound on the difference {tol:.3g})")
    figures = []
    if have_matplotlib():
        fig = _fig(figsize=(9, 6))
        ax, axb = fig.subplots(2, 1, gridspec_kw={"height_ratios": [2, 1.2]})
        k = np.arange(n_train, min(samples, n_train + 150))
        ax.plot(k, y[k], "k-", lw=1.5, label="NARMA10 target")
        ax.plot(k, yhat_fix[: k.size], "-", color="tab:red", lw=1, label=f"fixed point (NRMSE {e_fix:.3f})")
        if yhat_chip is not None:
            ax.plot(k, yhat_chip[: k.size], ":", color="tab:blue", lw=1.2, label="on-chip readout")
        ax.set_xlabel("sample (test set)")
        ax.set_ylabel("y")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
        names = ["fixed point", "float", "linear u(t)", "linear u(t..t-9)"]
        vals = [e_fix, e_flt_same, base[1], base[10]]
        if yhat_chip is not None:
            names.insert(1, "on-chip")
            vals.insert(1, metrics["nrmse_on_chip_readout"])
        axb.barh(names, vals, color=["tab:red", "tab:blue", "tab:cyan", "0.6", "0.6"][: len(vals)])
        axb.axvspan(*NARMA10_ANCHOR, color="tab:green", alpha=0.3, label="400-node STNO anchor")
        axb.set_xlabel("NRMSE (test set)")
        axb.legend(fontsize=8, loc="lower right")
        axb.grid(alpha=0.3, axis="x")
        figures.append(
            figure_from_matplotlib(
                fig,
                "NARMA10 prediction vs target",
                f"{spec.n_virtual} virtual nodes, ridge readout trained on samples {washout}-{n_train}, "
                f"tested on {n_train}-{samples}. Bars: NRMSE of the reservoir and of linear readouts of "
                "the raw input (no reservoir); green band: the 400-node anchor.",
            )
        )
    return Section(
        title="Reservoir: NARMA10 prediction (NRMSE)",
        text=(
            f"The configured reservoir ({spec.n_virtual} virtual nodes, reset-state registers and mask) "
            f"on NARMA10 (u ~ U[0, 0.5]{'' if gain == 1 else f' scaled by {gain:g}'}). The NRMSE is "
            f"reported, not judged: it depends on the size (the anchor {NARMA10_ANCHOR[0]}-"
            f"{NARMA10_ANCHOR[1]} is for 400 nodes). Pass: the fixed-point NRMSE equals the float "
            "model's with the same readout weights within sum|w| * max(derived state-error bound) / "
            "std(y), a rigorous bound."
        ),
        metrics=metrics,
        figures=figures,
        ok=bool(ok),
    )


# --------------------------------------------------------------------------- deviation
def _deviation_section(spec: ReservoirSpec, stimulus: dict, log, samples: int) -> Section:
    from .core_reservoir import stimulus_input

    log(f"[fidelity] reservoir: fixed point vs float state deviation, {samples} samples of the stimulus")
    u_q = stimulus_input(spec, stimulus, samples)
    regs, mask_q = spec.reset_regs(), spec.mask_q()
    x_fix = ReservoirFixed(spec, mask_q=mask_q, regs=regs).run(u_q) / float(1 << spec.state_frac_bits)
    x_flt, bound = deviation_bound(spec, regs, mask_q, u_q)
    dev = np.abs(x_fix - x_flt)
    lsb = 2.0**-spec.state_frac_bits
    ok = bool(np.all(dev <= bound))
    metrics = {
        "nodes_compared": int(dev.size),
        "max_deviation_lsb": round(float(dev.max() / lsb), 3),
        "max_bound_lsb": round(float(bound.max() / lsb), 3),
        "nodes_over_bound": int(np.count_nonzero(dev > bound)),
        "state_std": float(f"{x_flt.std():.4g}"),
        "loop_gain": round(float(dequantize_params(spec, regs, mask_q).loop_gain), 4),
    }
    log(f"[fidelity]   |fixed - float| {metrics['max_deviation_lsb']} LSB, bound {metrics['max_bound_lsb']}")
    figures = []
    if have_matplotlib():
        fig = _fig(figsize=(9, 4))
        ax = fig.subplots()
        n = np.arange(dev.size)
        shown = np.maximum(dev.reshape(-1), lsb / 16) / lsb  # exact zeros drawn at 1/16 LSB
        ax.semilogy(n, shown, ".", ms=2, color="tab:red", label="|fixed − float|")
        ax.semilogy(n, bound.reshape(-1) / lsb, "-", color="k", lw=1, label="derived bound")
        ax.set_xlabel("virtual node (stream index)")
        ax.set_ylabel(f"state error (LSB = 2^-{spec.state_frac_bits})")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3, which="both")
        figures.append(
            figure_from_matplotlib(
                fig,
                "Fixed point vs float: node-state deviation",
                "Every node state of the bit-exact fixed-point model against the float model with the "
                "same (dequantized) parameters, and the bound propagated along the float trajectory "
                "(rounding of currents, coefficients and states; delay-line feedback included).",
            )
        )
    return Section(
        title="Reservoir: fixed point vs float deviation",
        text=(
            f"The config's stimulus ({stimulus['signal']}) through the reset-state design. Pass: every "
            "node's |fixed - float| is within the rigorous error bound derived from the formats "
            "(see spinemu.gen.fidelity_reservoir.deviation_bound)."
        ),
        metrics=metrics,
        figures=figures,
        ok=ok,
    )


# --------------------------------------------------------------------------- STNO physics
def _zetas(spec: ReservoirSpec) -> list[float]:
    return [z for z in sorted({1.1, 1.5, round(float(spec.zeta_dc), 6), 3.0}) if z > 1.0]


def _stno_section(spec: ReservoirSpec, log) -> Section:
    log("[fidelity] reservoir: STNO steady state and relaxation vs closed forms")
    dev = STNO(gamma_g=spec.gamma_g, q=spec.q)
    F = spec.state_frac_bits
    rows = [
        [
            "zeta",
            "p0 closed form",
            "p0 fixed point",
            "|Δ| / band",
            "2Γp closed (1/s)",
            "2Γp float fit",
            "float vs logistic (max rel)",
        ]
    ]
    traces = []
    ok = True
    worst_rel = 0.0
    zetas = _zetas(spec)
    for zeta in zetas:
        p0 = dev.steady_state(zeta)
        rate = dev.relaxation_rate(zeta)
        # Large signal, float RK4: the power equation is logistic, solved in closed form.
        p_init = 0.25 * p0
        h = 0.01 / rate  # RK4 global error ~ (rate h)**4 = 1e-8 relative
        tr = dev.integrate(zeta, h, p_init, n_steps=2000, method="rk4")
        exact = p0 / (1.0 + (p0 / p_init - 1.0) * np.exp(-rate * tr.t))
        rel = float(np.max(np.abs(tr.p - exact) / exact))
        worst_rel = max(worst_rel, rel)
        # Small signal: a 1e-4 relative deviation decays at 2 Gamma_p (the quadratic term
        # changes the fitted rate by ~1e-4 (Q + zeta) p0 / (zeta - 1) relative).
        small = dev.integrate(zeta, h, p0 * (1 + 1e-4), n_steps=300, method="rk4")
        fit = -np.polyfit(small.t, np.log(np.abs(small.p - p0)), 1)[0]
        # Fixed point: feedback off, no input, start at p0/4; 25 relaxation times.
        try:
            regs = spec.param_regs(zeta_dc=zeta, feedback=0.0)
        except SpecError as exc:  # a narrow current format: skip this operating point
            log(f"[fidelity]   zeta {zeta:g} skipped: {exc}")
            continue
        regs["PDC"] = max(1, int(round(p_init * (1 << F))))
        nodes = math.ceil(25.0 / (rate * spec.theta))
        n_samp = max(2, math.ceil(nodes / spec.n_virtual))
        u0 = np.zeros(n_samp, dtype=np.int64)
        gold = ReservoirFixed(spec, regs=regs)
        x = gold.states_real(gold.run(u0)).reshape(-1)
        zf = regs["BIAS"] / (1 << spec.zeta_frac_bits)
        qf = regs["Q"] / (1 << spec.zeta_frac_bits)
        p0q = (zf - 1) / (zf + qf)
        # The band: the derived fixed-vs-float bound at the last node (the float exact map
        # has settled to p0 after 25 relaxation times, to within exp(-25)).
        band = float(deviation_bound(spec, regs, spec.mask_q(), u0)[1].reshape(-1)[-1])
        err = abs(x[-1] - p0q)
        good = rel < 1e-6 and abs(fit / rate - 1) < 1e-2 and err <= band
        ok = ok and good
        rows.append(
            [
                f"{zeta:g}",
                f"{p0:.6f}",
                f"{x[-1]:.6f}",
                f"{err / band:.3f}",
                f"{rate:.4g}",
                f"{fit:.4g}",
                f"{rel:.2e}",
            ]
        )
        traces.append((zeta, p0, rate, tr, exact, x))
        log(f"[fidelity]   zeta {zeta:g}: p0 {p0:.5f}, fixed {x[-1]:.5f}; rate {fit / rate:.5f} x 2 Gamma_p")
    figures = []
    if have_matplotlib() and traces:
        fig = _fig(figsize=(10, 4.2))
        ax, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.6, 1]})
        for k, (zeta, p0, _rate, tr, exact, x) in enumerate(traces):
            col = f"C{k}"
            t_ns = tr.t * 1e9
            ax.plot(t_ns, exact, "-", color=col, lw=1.2, label=f"ζ = {zeta:g}: closed form")
            ax.plot(t_ns[::100], tr.p[::100], "o", color=col, mfc="none", ms=5)
            tn = (np.arange(x.size) + 1) * spec.theta * 1e9
            keep = tn <= t_ns[-1]
            ax.plot(tn[keep], x[keep], ".", color=col, ms=3)
            ax.axhline(p0, color=col, ls=":", lw=0.8)
        ax.set_xscale("log")
        ax.set_xlabel("time (ns)")
        ax.set_ylabel("power p")
        ax.set_title("relaxation from p0/4: line closed form, o float RK4, · fixed point", fontsize=9)
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
        zz = np.linspace(0.5, max(zetas) + 0.5, 200)
        ax2.plot(zz, dev.steady_state(zz), "k-", lw=1, label="(ζ−1)/(ζ+Q)")
        ax2.plot([t[0] for t in traces], [t[3].p[-1] for t in traces], "o", mfc="none", label="float RK4")
        zs = [t[0] for t in traces]
        ax2.plot(zs, [t[5][-1] for t in traces], "x", color="tab:red", label="fixed point")
        ax2.set_xlabel("ζ = I / I_th")
        ax2.set_ylabel("steady-state power p0")
        ax2.legend(fontsize=8)
        ax2.grid(alpha=0.3)
        figures.append(
            figure_from_matplotlib(
                fig,
                "STNO steady state and relaxation",
                f"Γ_G = {spec.gamma_g:g} /s, Q = {spec.q:g}. Fixed-point states are node ends "
                f"(θ = {spec.theta * 1e9:g} ns): the core solves each node's power equation exactly "
                "(the logistic map in w = 1/p), so its points sit on the closed form.",
            )
        )
    return Section(
        title="Reservoir: STNO steady state and relaxation",
        text=(
            "The float STNO model (RK4, step 0.01/(2Γp)) against the closed-form logistic relaxation "
            "p(t) = p0 / (1 + (p0/p_init − 1) exp(−2Γp t)) (max relative error < 1e-6) and the "
            "small-signal rate 2Γp = 2Γ_G(ζ − 1) (fitted, within 1 %); the fixed-point core with "
            "feedback off settles to p0 = (ζ − 1)/(ζ + Q) within the derived fixed-vs-float bound."
        ),
        metrics={"zetas": [float(z) for z in zetas], "float_vs_logistic_max_rel": float(f"{worst_rel:.3g}")},
        table=rows,
        figures=figures,
        ok=bool(ok and traces),
    )


def fidelity(config, *, log=print, narma_samples: int = 3000, stimulus_samples: int = 200) -> list[Section]:
    """Fidelity sections of a reservoir config (see the module docstring).

    Parameters
    ----------
    config : Config
        A ``kind = "reservoir"`` config.
    log : callable
        Progress messages.
    narma_samples : int
        NARMA10 length (train two thirds, test one third), >= 300.
    stimulus_samples : int
        Samples of the config's stimulus for the state-deviation check, >= 1.

    Returns
    -------
    list of Section
    """
    spec = config.spec
    if not isinstance(spec, ReservoirSpec):
        raise TypeError(f"config.spec must be a ReservoirSpec, not {type(spec).__name__}")
    if isinstance(narma_samples, bool) or not isinstance(narma_samples, int) or narma_samples < 300:
        raise ValueError(f"narma_samples must be an integer >= 300, not {narma_samples!r}")
    if isinstance(stimulus_samples, bool) or not isinstance(stimulus_samples, int) or stimulus_samples < 1:
        raise ValueError(f"stimulus_samples must be an integer >= 1, not {stimulus_samples!r}")
    return [
        _narma_section(spec, log, narma_samples),
        _deviation_section(spec, config.stimulus, log, stimulus_samples),
        _stno_section(spec, log),
    ]
