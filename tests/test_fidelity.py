"""Fidelity sections of the three cores: figures, known answers, and checks that can fail.

Each fidelity function is run on a small budget; the ``ok`` criteria are then shown to
fail on a deliberately broken model (monkeypatched RTL stream, LUT probability, golden
fixed-point model or Hebbian engine), and ``spinemu verify`` of the example configs is
shown to embed the figures in ``report.html``.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import math
import tomllib
from pathlib import Path

import numpy as np
import pytest
from spinemu.gen import fidelity_hopfield, fidelity_pbit_array, fidelity_reservoir
from spinemu.gen.config import Config, load_config, parse_config
from spinemu.sim_golden.hopfield_fixed import HopfieldFixed
from spinemu.sim_golden.pbit_array import PBitArrayGolden
from spinemu.sim_golden.pbit_spec import PBitArraySpec
from spinemu.sim_golden.reservoir_fixed import ReservoirFixed
from spinemu.sim_golden.reservoir_spec import ReservoirSpec
from spinemu.sim_golden.smtj import SMTJ

__all__: list[str] = []

ROOT = Path(__file__).resolve().parent.parent
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _quiet(*_args):
    pass


def _check_figures(sections):
    for s in sections:
        assert s.figures, f"section {s.title!r} has no figure"
        for f in s.figures:
            assert f.png.startswith(PNG_MAGIC) and len(f.png) > 5000


# --------------------------------------------------------------------------- p-bit array
@pytest.fixture(scope="module")
def pbit_config(demo_config_text):
    return parse_config(tomllib.loads(demo_config_text), source="demo")


def test_device_current_maps_the_sigmoid_onto_the_smtj():
    """REFERENCE.md section 1: Delta = 10, I = 0.1 Ic gives p_AP = 0.8808; the mapping
    I_dev = beta I Ic / Delta must send the LUT's input beta I = 1 there."""
    dev = SMTJ(delta=10.0, ic=100e-6)
    spec = PBitArraySpec(n=1, beta=0.5)
    i_dev = fidelity_pbit_array.device_current(spec, 2.0, dev)
    assert i_dev == pytest.approx(0.1 * dev.ic)
    assert dev.p_ap(i_dev) == pytest.approx(0.8808, abs=5e-5)
    assert spec.probability(2.0) == pytest.approx(0.8808, abs=5e-5)


def test_pbit_fidelity_passes_on_the_rtl(pbit_config):
    (sec,) = fidelity_pbit_array.fidelity(pbit_config, log=_quiet, samples=50_000, sweep_samples=10_000)
    _check_figures([sec])
    assert sec.ok is True
    # With independent samples |z| > 4 has probability 6e-5 per input: 8 inputs all inside.
    assert sec.metrics["max_abs_z_rtl_vs_lut"] <= 4.0
    # The LUT is the sigmoid rounded to 16 bits: within 1 LSB (clamped) everywhere.
    assert sec.metrics["lut_max_error_lsb"] <= 1.0
    assert sec.metrics["lut_entries_checked"] == 256
    # RTL vs the ideal sigmoid: 4 binomial sigma at p = 1/2 and 5e4 samples is 9e-3.
    assert sec.metrics["max_abs_rtl_minus_ideal"] < 4 * math.sqrt(0.25 / 50_000)
    assert len(sec.table) == 1 + pbit_config.spec.n


def test_pbit_fidelity_fails_on_a_biased_rtl(pbit_config, monkeypatch):
    """An RTL whose sigmoid is 5 % too steep (beta 1.05) must fail the 4-sigma criterion:
    at I = 1 the probability moves by 0.05 * 0.21 = 0.011, 9 sigma at 5e4 samples."""
    steep = dataclasses.replace(pbit_config.spec, beta=1.05)

    def broken(spec, i_q, samples, *, seed=None, backend="golden"):
        return PBitArrayGolden(steep, seed=seed).run(i_q, samples)

    monkeypatch.setattr(fidelity_pbit_array, "simulate_pbit_array", broken)
    (sec,) = fidelity_pbit_array.fidelity(pbit_config, log=_quiet, samples=50_000, sweep_samples=0)
    assert sec.ok is False
    assert sec.metrics["max_abs_z_rtl_vs_lut"] > 4.0


def test_pbit_fidelity_fails_on_a_wrong_lut(pbit_config, monkeypatch):
    """A LUT whose entries are off by 1 % of the range fails the LUT-vs-sigmoid check and
    the RTL-vs-LUT comparison (the RTL still realises the right LUT)."""
    right = PBitArraySpec.lut_probability

    def wrong(self, i_q):
        return np.clip(right(self, i_q) + 0.01, 0.0, 1.0 - 2.0**-16)

    monkeypatch.setattr(PBitArraySpec, "lut_probability", wrong)
    (sec,) = fidelity_pbit_array.fidelity(pbit_config, log=_quiet, samples=20_000, sweep_samples=0)
    assert sec.ok is False
    assert sec.metrics["lut_max_error_lsb"] > 100


def test_pbit_fidelity_skips_other_specs():
    cfg = Config(name="x", kind="pbit", spec=object(), stimulus={}, source="")
    assert fidelity_pbit_array.fidelity(cfg, log=_quiet) == []


# --------------------------------------------------------------------------- reservoir
@pytest.fixture(scope="module")
def reservoir_config():
    return load_config(ROOT / "examples" / "reservoir.toml")


@pytest.fixture(scope="module")
def reservoir_sections(reservoir_config):
    return fidelity_reservoir.fidelity(reservoir_config, log=_quiet, narma_samples=1200, stimulus_samples=80)


def test_reservoir_fidelity_sections(reservoir_sections, reservoir_config):
    narma, dev, stno = reservoir_sections
    _check_figures(reservoir_sections)
    assert [s.ok for s in reservoir_sections] == [True, True, True]
    m = narma.metrics
    # A 32-node reservoir is far from the 400-node anchor, but with the tuned defaults and
    # its delay loop it must beat a linear readout of the last ten inputs (issue 13).
    assert 0.0 < m["nrmse_fixed_point"] < m["nrmse_linear_on_u(t..t-9)"] < m["nrmse_linear_on_u(t)"] < 1.0
    assert abs(m["nrmse_fixed_point"] - m["nrmse_float_same_weights"]) <= m["nrmse_difference_bound"]
    # Deviation: within the derived bound, and the bound itself is meaningful (< 0.1 % of
    # the state's range): 2**-24 * 2000 = 1.2e-4.
    assert dev.metrics["nodes_over_bound"] == 0
    assert dev.metrics["max_bound_lsb"] < 2000
    assert dev.metrics["nodes_compared"] == 80 * reservoir_config.spec.n_virtual
    # STNO: the fixed-point steady state is (zeta - 1) / (zeta + Q) (computed here).
    q = reservoir_config.spec.q
    for row in stno.table[1:]:
        zeta = float(row[0])
        assert float(row[2]) == pytest.approx((zeta - 1) / (zeta + q), abs=1e-5)


def test_deviation_bound_without_feedback_is_tight_and_holds():
    """No feedback: the bound is a few LSB (the node maps contract) and every fixed-point
    state lies inside it."""
    spec = ReservoirSpec(n_virtual=16, feedback=0.0, mask_kind="real", mask_seed=3)
    regs, mask_q = spec.reset_regs(), spec.mask_q()
    u_q = spec.quantize_inputs(np.random.default_rng(4).uniform(-1, 1, 60))
    x_fix = ReservoirFixed(spec, mask_q=mask_q, regs=regs).run(u_q) / (1 << spec.state_frac_bits)
    x_flt, bound = fidelity_reservoir.deviation_bound(spec, regs, mask_q, u_q)
    assert np.all(np.abs(x_fix - x_flt) <= bound)
    assert bound.max() < 20 * 2.0**-spec.state_frac_bits


def test_reservoir_fidelity_fails_on_a_perturbed_golden_model(reservoir_config, monkeypatch):
    """A fixed-point model that skips the table's linear interpolation (E and G from the
    point below A: a relative error up to one table step, 2**-9) must fail the deviation
    bound."""

    class _NoInterpolation:
        def __init__(self, spec):
            self._spec = spec
            et, de, gt, dg = spec.node_tables
            self.node_tables = (et, 0 * de, gt, 0 * dg)

        def __getattr__(self, name):
            return getattr(self._spec, name)

    class Perturbed(ReservoirFixed):
        def __init__(self, spec, *, mask_q=None, regs=None):
            super().__init__(spec, mask_q=mask_q, regs=regs, kernel="numpy")
            self.spec = _NoInterpolation(spec)

    monkeypatch.setattr(fidelity_reservoir, "ReservoirFixed", Perturbed)
    narma, dev, _ = fidelity_reservoir.fidelity(
        reservoir_config, log=_quiet, narma_samples=600, stimulus_samples=40
    )
    assert dev.ok is False and dev.metrics["nodes_over_bound"] > 0
    assert narma.metrics["nrmse_fixed_point"] != narma.metrics["nrmse_float_same_weights"]


# --------------------------------------------------------------------------- Hopfield
@pytest.fixture(scope="module")
def hopfield_config():
    return load_config(ROOT / "examples" / "hopfield.toml")


def test_hopfield_fidelity_sections(hopfield_config):
    noise, design = fidelity_hopfield.fidelity(hopfield_config, log=_quiet, sets=10, probes=10)
    _check_figures([noise, design])
    assert noise.ok is True and design.ok is None
    m = noise.metrics
    assert m["trials_per_point"] == 100 and m["max_abs_z_ideal_vs_reference"] <= 4.0
    # Ideal devices at 10 % noise vs the reference 0.945: 4 SE of 100 trials is >= 0.09.
    assert abs(m["retrieval_10pct_ideal"] - 0.945) <= 4 * math.sqrt(0.945 * 0.055 / 100)
    # The three 3x3 letters, ideal Hebbian devices: each letter is a fixed point; checked
    # independently here from the sign of the Hebbian field sum_mu xi xi.
    xi = hopfield_config.stimulus["patterns"].astype(np.int64)
    w = xi.T @ xi
    np.fill_diagonal(w, 0)
    stable = sum(bool(np.all(x * (w @ x) > 0)) for x in xi)
    assert design.metrics["stable_patterns_ideal_devices"] == stable == 3
    # In-situ relearning makes every stored pattern a fixed point (Borders 2017).
    assert design.metrics["stable_patterns_relearned"] == 3


def test_hopfield_fidelity_fails_when_the_hebbian_engine_drops_patterns(hopfield_config, monkeypatch):
    """A Hebbian engine that skips every second HEBB command stores half the patterns: the
    others are not retrieved, far below the reference curve."""
    right = HopfieldFixed.hebb
    calls = {"n": 0}

    def skipping(self, amp=1):
        calls["n"] += 1
        if calls["n"] % 2:
            right(self, amp)

    monkeypatch.setattr(HopfieldFixed, "hebb", skipping)
    noise, _ = fidelity_hopfield.fidelity(hopfield_config, log=_quiet, sets=4, probes=10)
    assert noise.ok is False
    assert noise.metrics["retrieval_10pct_ideal"] < 0.7


# --------------------------------------------------------------------------- spinemu verify
@pytest.mark.parametrize(
    ("example", "cycles", "figures"),
    [("reservoir.toml", "40", 3), ("hopfield.toml", "30", 2)],
)
def test_verify_example_embeds_fidelity_figures(tmp_path, example, cycles, figures):
    from spinemu.gen.cli import main

    out = tmp_path / "verify"
    assert main(["verify", str(ROOT / "examples" / example), "--cycles", cycles, "-o", str(out), "-q"]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["ok"] and report["fidelity"]
    assert all(s["ok"] is not False for s in report["fidelity"])
    assert sum(len(s["figures"]) for s in report["fidelity"]) == figures
    html = (out / "report.html").read_text()
    imgs = html.split('src="data:image/png;base64,')[1:]
    assert len(imgs) == figures
    for chunk in imgs:
        assert base64.b64decode(chunk.split('"', 1)[0]).startswith(PNG_MAGIC)


def test_verify_pbit_with_fidelity_wired_in(pbit_config, tmp_path, monkeypatch):
    """What ``spinemu verify`` reports once gen/core_pbit.py imports the function (the lead
    adds that line): the demo design passes and report.html embeds the sigmoid plot."""
    import functools

    from spinemu.gen import core_pbit
    from spinemu.gen.verify import verify, write_report

    fid = functools.partial(fidelity_pbit_array.fidelity, samples=50_000, sweep_samples=10_000)
    monkeypatch.setattr(core_pbit, "fidelity", fid, raising=False)
    result = verify(pbit_config, samples=5000, seeds=(), log=_quiet)
    assert result.ok and len(result.sections) == 1
    _, hpath = write_report(result, tmp_path)
    html = hpath.read_text()
    assert html.count('src="data:image/png;base64,') == 1 and "PASS" in html
