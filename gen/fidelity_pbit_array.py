"""Fidelity report of the p-bit array primitive: RTL vs LUT vs sigmoid vs SMTJ device.

Three curves of ``P(m = +1)`` against the input ``I`` are compared:

* **RTL**: the fraction of +1 samples the native Verilator model of the generated
  Verilog produces (the ``rtl`` backend of :func:`~spinemu.sw.pbit_array.simulate_pbit_array`),
  at the config's stimulus inputs and on a sweep of the input grid.
* **LUT**: the exact probability the hardware realises, ``LUT[I_q] / 2**prob_bits``
  (:meth:`~spinemu.sim_golden.pbit_spec.PBitArraySpec.lut_probability`).
* **Ideal sigmoid / SMTJ device**: ``(1 + tanh(beta I)) / 2``, which is the
  time-averaged AP probability of a superparamagnetic MTJ,
  ``p_AP = (1 + tanh(Delta I_dev / Ic)) / 2`` (REFERENCE.md section 1), once the
  dimensionless input is mapped onto the device current by
  ``I_dev = beta I Ic / Delta`` (one input unit is ``I0 / beta`` with ``I0 = Ic / Delta``).
  The device curve is drawn from :class:`~spinemu.sim_golden.smtj.SMTJ` (default
  device: ``Delta = 10``, ``Ic = 100 uA``, ``tau0 = 1 ns``) and, at the stimulus inputs,
  measured from exact event-driven telegraph runs of that device.

Pass criteria (``ok``):

* at every stimulus input the RTL estimate lies within 4 binomial standard errors
  ``sqrt(p (1 - p) / S)`` of the LUT probability (``S`` samples; two-sided false-alarm
  probability 6e-5 per input for independent samples), and
* every LUT entry is the ideal sigmoid rounded to ``prob_bits`` bits: within half an
  LSB, or one LSB where the entry is clamped to ``[1, 2**prob_bits - 1]``.
"""

from __future__ import annotations

import numpy as np

from ..sim_golden.pbit_spec import PBitArraySpec
from ..sim_golden.smtj import SMTJ
from ..sw.pbit_array import simulate_pbit_array
from .report import Section, figure_from_matplotlib, have_matplotlib

__all__ = ["fidelity", "device_current", "N_SIGMA"]

#: Pass band of the RTL-vs-LUT comparison, in binomial standard errors.
N_SIGMA = 4.0
#: Largest number of input-grid points in the RTL sweep.
_SWEEP_POINTS = 65


def device_current(spec: PBitArraySpec, i_real, device: SMTJ) -> np.ndarray:
    """The SMTJ current (A) whose ``p_AP`` equals the LUT's ideal sigmoid at input ``i_real``.

    ``(1 + tanh(beta I)) / 2 = (1 + tanh(Delta I_dev / Ic)) / 2`` gives
    ``I_dev = beta I Ic / Delta`` (the device's own slope, with no field or offset).
    """
    return spec.beta * np.asarray(i_real, dtype=np.float64) / device.slope


def _default_samples(n: int) -> int:
    # 2e5 samples give a binomial standard error <= 1.1e-3; keep big arrays to ~2e7 bits.
    return int(max(20_000, min(200_000, 20_000_000 // n)))


def _rtl_sweep(spec: PBitArraySpec, samples: int, log) -> tuple[np.ndarray, np.ndarray]:
    """RTL ``P(m = +1)`` on (a subsample of) the input grid; returns ``(i_q, p_hat)``."""
    lo, hi = -(1 << (spec.input_bits - 1)), (1 << (spec.input_bits - 1)) - 1
    grid = np.unique(np.round(np.linspace(lo, hi, min(_SWEEP_POINTS, hi - lo + 1))).astype(np.int64))
    p_hat = np.empty(grid.size)
    chunks = [grid[k : k + spec.n] for k in range(0, grid.size, spec.n)]
    for k, chunk in enumerate(chunks):
        i_q = np.resize(chunk, spec.n)  # fill every p-bit; only the first len(chunk) are used
        # The reset-state streams (loading a seed costs GF(2) jumps); different inputs per run.
        m = simulate_pbit_array(spec, i_q, samples, backend="rtl")
        p_hat[k * spec.n : k * spec.n + chunk.size] = (m[:, : chunk.size] == 1).mean(axis=0)
    log(f"[fidelity]   RTL sweep: {grid.size} inputs x {samples} samples in {len(chunks)} runs")
    return grid, p_hat


def _lut_check(spec: PBitArraySpec) -> tuple[bool, float, int]:
    """Every LUT entry vs the ideal sigmoid: ``(ok, max |error| in LSB, entries checked)``."""
    size = 1 << spec.input_bits
    raw = np.arange(size)
    signed = np.where(raw >= size // 2, raw - size, raw)
    ideal = spec.probability(signed / (1 << spec.input_frac_bits))
    lsb = 2.0**-spec.prob_bits
    lut = spec.lut_probability(signed)
    clamped = (ideal < 0.5 * lsb) | (ideal > 1.0 - 0.5 * lsb)
    allowed = np.where(clamped, lsb, 0.5 * lsb) * (1 + 1e-9)
    err = np.abs(lut - ideal)
    return bool(np.all(err <= allowed)), float(err.max() / lsb), int(size)


def _device_points(spec: PBitArraySpec, i_real, device: SMTJ, log):
    """Exact telegraph time averages of the device at the stimulus inputs: ``(p, sigma, t_end)``."""
    i_dev = device_current(spec, i_real, device)
    # ~4000 switches at the fastest input keeps the run short; slower (biased) inputs switch less.
    t_end = 4000.0 / float(np.max(device.rate(i_dev)))
    _, m = device.window_statistics(np.atleast_1d(i_dev), t_end, seed=1)
    p = 0.5 * (1.0 + m)
    # Var of the time average of a telegraph signal (t_end >> tau_c): 2 p (1 - p) tau_c / t_end.
    pt = np.asarray(device.p_ap(i_dev))
    sigma = np.sqrt(2.0 * pt * (1.0 - pt) * np.asarray(device.tau_c(i_dev)) / t_end)
    log(f"[fidelity]   SMTJ telegraph runs of {t_end:.3g} s at {np.size(i_dev)} currents")
    return p, sigma, t_end


def _plot(spec, device, i_stim, p_stim, sig_stim, p_lut_stim, sweep, dev_pts):
    from matplotlib.figure import Figure as MplFigure

    scale = 1 << spec.input_frac_bits
    lo, hi = spec.input_range
    x = np.linspace(lo, hi, 800)
    fig = MplFigure(figsize=(8, 6.5))
    ax, axr = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1.3]})
    ax.plot(x, spec.probability(x), color="k", lw=1, label=r"ideal sigmoid $(1+\tanh\beta I)/2$")
    ax.plot(
        x,
        device.p_ap(device_current(spec, x, device)),
        color="tab:orange",
        ls="--",
        lw=1.5,
        label=r"SMTJ $p_{AP}$, $I_{dev} = \beta I\, I_c/\Delta$",
    )
    raw = np.arange(-(1 << (spec.input_bits - 1)), 1 << (spec.input_bits - 1))
    p_raw = spec.lut_probability(raw)
    ax.step(raw / scale, p_raw, where="mid", color="tab:blue", lw=0.8, label="LUT (exact)")
    if sweep is not None:
        ax.plot(sweep[0] / scale, sweep[1], ".", color="tab:green", ms=4, label="RTL sweep")
    ax.errorbar(
        i_stim,
        p_stim,
        yerr=N_SIGMA * sig_stim,
        fmt="o",
        color="tab:red",
        ms=5,
        capsize=3,
        label=f"RTL at stimulus (±{N_SIGMA:g}σ)",
    )
    if dev_pts is not None:
        ax.errorbar(
            i_stim,
            dev_pts[0],
            yerr=N_SIGMA * dev_pts[1],
            fmt="s",
            mfc="none",
            color="tab:purple",
            ms=7,
            capsize=2,
            label="SMTJ exact telegraph (±4σ)",
        )
    ax.set_ylabel("P(m = +1)")
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3)
    i0 = 1e6 / (device.slope * 1.0)  # uA per unit of beta I
    top = ax.secondary_xaxis("top", functions=(lambda v: v * spec.beta * i0, lambda v: v / (spec.beta * i0)))
    top.set_xlabel(f"SMTJ current (µA), Δ = {device.delta:g}, Ic = {device.ic * 1e6:g} µA")
    z = (p_stim - p_lut_stim) / sig_stim
    axr.axhspan(-N_SIGMA, N_SIGMA, color="tab:green", alpha=0.15)
    axr.plot(i_stim, z, "o", color="tab:red")
    if sweep is not None:
        p_l = spec.lut_probability(sweep[0])
        s = np.sqrt(p_l * (1 - p_l) / sweep[2])
        axr.plot(sweep[0] / scale, (sweep[1] - p_l) / s, ".", color="tab:green", ms=4)
    axr.set_ylabel("(RTL − LUT) / σ")
    axr.set_xlabel("input I (real units)")
    axr.grid(alpha=0.3)
    return fig


def fidelity(config, *, log=print, samples: int | None = None, sweep_samples: int = 50_000) -> list[Section]:
    """Fidelity sections of a p-bit array config (see the module docstring).

    Parameters
    ----------
    config : Config
        A ``kind = "pbit"`` config; p-bit network configs (no array) give ``[]``.
    log : callable
        Progress messages.
    samples : int or None
        RTL samples at the stimulus inputs (default: 2e5, fewer for very wide arrays).
    sweep_samples : int
        RTL samples per point of the input-grid sweep (0 skips the sweep).

    Returns
    -------
    list of Section
    """
    spec = config.spec
    if not isinstance(spec, PBitArraySpec):
        log("[fidelity] p-bit array fidelity skipped: not a p-bit array config")
        return []
    samples = _default_samples(spec.n) if samples is None else int(samples)
    if samples < 1:
        raise ValueError(f"samples must be >= 1, not {samples}")
    i_q = np.asarray(config.stimulus["I_q"], dtype=np.int64)
    i_real = i_q / float(1 << spec.input_frac_bits)
    log(f"[fidelity] p-bit array: {samples} RTL samples at {spec.n} stimulus inputs (native Verilator)")
    m = simulate_pbit_array(spec, i_q, samples, backend="rtl")
    p_hat = (m == 1).mean(axis=0)
    p_lut = spec.lut_probability(i_q)
    p_ideal = spec.probability(i_real)
    sigma = np.sqrt(p_lut * (1.0 - p_lut) / samples)
    z = (p_hat - p_lut) / sigma
    rtl_ok = bool(np.all(np.abs(z) <= N_SIGMA))
    lut_ok, lut_err_lsb, lut_n = _lut_check(spec)
    device = SMTJ()
    p_dev = device.p_ap(device_current(spec, i_real, device))
    dev_pts = _device_points(spec, i_real, device, log)
    sweep = None
    if sweep_samples > 0:
        grid, p_sw = _rtl_sweep(spec, int(sweep_samples), log)
        sweep = (grid, p_sw, int(sweep_samples))
    table = [
        ["I", "I_q", "RTL P(+1)", "LUT P(+1)", "ideal sigmoid", "SMTJ p_AP", "SMTJ telegraph", "z", "pass"]
    ]
    for k in range(spec.n):
        table.append(
            [
                f"{i_real[k]:g}",
                int(i_q[k]),
                f"{p_hat[k]:.5f}",
                f"{p_lut[k]:.5f}",
                f"{p_ideal[k]:.5f}",
                f"{float(np.atleast_1d(p_dev)[k]):.5f}",
                f"{dev_pts[0][k]:.4f} ± {dev_pts[1][k]:.4f}",
                f"{z[k]:+.2f}",
                "yes" if abs(z[k]) <= N_SIGMA else "NO",
            ]
        )
    metrics = {
        "samples_per_input": samples,
        "max_abs_z_rtl_vs_lut": round(float(np.max(np.abs(z))), 3),
        "max_abs_rtl_minus_ideal": float(np.max(np.abs(p_hat - p_ideal))),
        "lut_max_error_lsb": round(lut_err_lsb, 4),
        "lut_entries_checked": lut_n,
        "smtj_i0_per_input_unit_uA": round(1e6 / (device.slope * spec.beta), 4),
    }
    if sweep is not None:
        p_l = spec.lut_probability(sweep[0])
        zs = (sweep[1] - p_l) / np.sqrt(p_l * (1 - p_l) / sweep[2])
        metrics["sweep_points"] = int(sweep[0].size)
        metrics["sweep_max_abs_z"] = round(float(np.max(np.abs(zs))), 3)
    figures = []
    if have_matplotlib():
        fig = _plot(spec, device, i_real, p_hat, sigma, p_lut, sweep, dev_pts)
        figures.append(
            figure_from_matplotlib(
                fig,
                "p-bit sigmoid: RTL vs LUT vs ideal vs SMTJ device",
                f"Red: RTL estimate at the config's inputs with ±{N_SIGMA:g} binomial σ; green: "
                "RTL on the input grid; blue: the LUT's exact probability; black: the ideal "
                "sigmoid; orange: the SMTJ device curve on the top axis (I_dev = β I Ic/Δ); purple: "
                "exact telegraph time averages of that device. Lower panel: RTL − LUT in σ.",
            )
        )
    text = (
        f"{spec.n} p-bits, {spec.rng.value} RNG, {spec.input_bits}-bit input "
        f"({spec.input_frac_bits} fraction bits), {spec.prob_bits}-bit LUT, beta = {spec.beta:g}. "
        f"Pass: the RTL's P(m=+1) within {N_SIGMA:g} binomial σ = sqrt(p(1-p)/S) of the LUT's exact "
        "probability at every stimulus input, and every LUT entry within half an LSB of the ideal "
        "sigmoid (one LSB where clamped to [1, 2^prob_bits - 1]). The SMTJ curve is the same "
        "function once the input is mapped to the device current I_dev = β I Ic/Δ "
        f"(one input unit = {metrics['smtj_i0_per_input_unit_uA']:g} µA for Δ = {device.delta:g}, "
        f"Ic = {device.ic * 1e6:g} µA)."
    )
    log(
        f"[fidelity]   max |RTL - LUT| = {metrics['max_abs_z_rtl_vs_lut']} σ; "
        f"LUT vs sigmoid max {lut_err_lsb:.3f} LSB"
    )
    return [
        Section(
            title="p-bit sigmoid: RTL vs LUT vs SMTJ device",
            text=text,
            metrics=metrics,
            table=table,
            figures=figures,
            ok=rtl_ok and lut_ok,
        )
    ]
