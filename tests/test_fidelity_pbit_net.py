"""Fidelity report of the p-bit network: Boltzmann histogram, annealing, Onsager.

Known answers are REFERENCE.md §3 (Onsager/Yang values, the AND gate's Boltzmann
probabilities) and exact enumerations done here; statistical tolerances are derived
in comments.
"""

from __future__ import annotations

import functools
import json
import math

import numpy as np
import pytest
from spinemu.gen import fidelity_pbit_array
from spinemu.gen import fidelity_pbit_net as F
from spinemu.gen.config import load_config
from spinemu.sim_golden.problems import energy, lattice_2d

__all__: list[str] = []

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# Small runs keep the file well under a minute (the RTL model is cached on disk).
FAST = dict(reads=6000, rtl_reads=2000, burn_in=128, anneal_sweeps=150, onsager_reads=32, onsager_sweeps=300)

LATTICE = 'name = "lat4"\n[core]\nkind = "pbit"\n[problem]\ntype = "lattice2d"\nL = 4\n[anneal]\nbeta = 0.5\n'
AND_GATE = (
    'name = "and"\n[core]\nkind = "pbit"\n[problem]\ntype = "bqm-json"\nfile = "and.json"\n'
    "[anneal]\nbeta = 1.0\n"
)


def _quiet(*_args):
    pass


def _write(tmp, text):
    import dimod

    # REFERENCE.md §3 AND gate in dimod's convention (h_dimod = -h, J_dimod = -J).
    bqm = dimod.BinaryQuadraticModel(
        {"A": -1.0, "B": -1.0, "C": 2.0}, {("A", "B"): 1.0, ("A", "C"): -2.0, ("B", "C"): -2.0}, 0.0, "SPIN"
    )
    (tmp / "and.json").write_text(json.dumps(bqm.to_serializable()))
    path = tmp / "net.toml"
    path.write_text(text)
    return load_config(path)


def _enumerate_lattice(L, T):
    """Exact <E>/N and <|M|> of the L x L torus by brute force (independent of the module)."""
    n = L * L
    k = np.arange(1 << n)
    m = np.where((k[:, None] >> np.arange(n)) & 1, 1, -1)
    e = energy(lattice_2d(L), m)
    w = np.exp(-(e - e.min()) / T)
    w /= w.sum()
    return float(w @ e) / n, float(w @ np.abs(m.mean(axis=1)))


def _check_png(sections):
    for s in sections:
        for f in s.figures:
            assert f.png.startswith(PNG_MAGIC) and len(f.png) > 5000


# --------------------------------------------------------------------------- closed forms
def test_onsager_closed_forms_match_reference():
    # REFERENCE.md §3 gives six decimals.
    u = F.onsager_energy([1.5, 2.0, 3.0])
    m = F.onsager_magnetization([1.5, 2.0, 3.0])
    np.testing.assert_allclose(u, [-1.951117, -1.745565, -0.817310], atol=1.5e-6)
    np.testing.assert_allclose(m, [0.986500, 0.911319, 0.0], atol=1.5e-6)
    assert abs(F.T_C - 2.269185) < 1e-6
    assert float(F.onsager_energy(F.T_C)) == pytest.approx(-math.sqrt(2), abs=1e-9)
    # continuous through T_c (the elliptic term vanishes there)
    assert float(F.onsager_energy(F.T_C * (1 + 1e-7))) == pytest.approx(-math.sqrt(2), abs=1e-3)
    assert float(F.onsager_energy(4.0, J=2.0)) == pytest.approx(2.0 * float(F.onsager_energy(2.0)))


@pytest.mark.parametrize("L", [3, 4])
@pytest.mark.parametrize("T", [1.5, 2.269185, 3.0])
def test_kaufman_energy_matches_enumeration(L, T):
    u_enum, _ = _enumerate_lattice(L, T)
    # central difference of ln Z: truncation and round-off errors are ~1e-10
    assert F.kaufman_energy(L, T) == pytest.approx(u_enum, abs=1e-7)


def test_expected_tvd_matches_multinomial_monte_carlo():
    rng = np.random.default_rng(5)
    p = rng.dirichlet(np.ones(6))
    N, reps = 400, 4000
    tvd = 0.5 * np.abs(rng.multinomial(N, p, size=reps) / N - p).sum(axis=1)
    # the Monte Carlo mean has standard error sd/sqrt(reps); 4 of them
    assert abs(tvd.mean() - F.expected_tvd(p, N)) <= 4 * tvd.std() / math.sqrt(reps)
    e, thr = F.tvd_threshold(p, N)
    assert thr - e == pytest.approx(math.sqrt(math.log(1 / F.ALPHA) / (2 * N)))
    assert (tvd > thr).mean() == 0.0  # McDiarmid: P(TVD > thr) <= 1e-6
    with pytest.raises(ValueError, match="alpha must be in"):
        F.tvd_threshold(p, N, alpha=0.0)


def test_lut_exact_beta_lands_on_the_lut_grid(tmp_path):
    cfg = _write(tmp_path, LATTICE)
    spec, st = cfg.spec, cfg.stimulus
    beta, acc = F.lut_exact_beta(spec, st["h_q"], st["j_q"], 1 / 1.5)
    bm = acc >> (spec.beta_frac_bits - spec.beta_mul_frac_bits)
    fields = np.arange(-4, 5) * int(st["j_q"][0])  # every local field of the lattice
    assert np.all((bm * fields) % (1 << spec.lut_shift) == 0)
    assert abs(beta - 1 / 1.5) <= 0.5 / 64  # grid step 2**(frac_bits - lut_frac_bits) = 1/64
    assert F.lattice_side(spec, st["h_q"], st["j_q"]) == 4


# --------------------------------------------------------------------------- whole sections
@pytest.fixture(scope="module")
def and_sections(tmp_path_factory):
    cfg = _write(tmp_path_factory.mktemp("and"), AND_GATE)
    return cfg, F.fidelity(cfg, log=_quiet, **FAST)


def test_and_gate_boltzmann_matches_reference(and_sections):
    cfg, sections = and_sections
    boltz, anneal, onsager = sections
    assert boltz.ok is True and anneal.ok is True and onsager.ok is None
    assert "Skipped" in onsager.text and not onsager.figures
    assert boltz.metrics["beta_used"] == 1.0 and boltz.metrics["states"] == 8
    # REFERENCE.md §3: valid rows E = -3, invalid 1, 1, 1, 9; P = e^{-beta E} / Z at beta = 1
    z = 4 * math.exp(3) + 3 * math.exp(-1) + math.exp(-9)
    rows = boltz.table[1:]
    assert len(rows) == 8
    for bits, _e, p_exact, p_gold, p_rtl in rows:
        a, b, c = (1 if ch == "+" else -1 for ch in bits)
        e_ref = -(a + b - 2 * c - a * b + 2 * a * c + 2 * b * c)
        p_ref = math.exp(-e_ref) / z
        assert float(p_exact) == pytest.approx(p_ref, abs=1e-5)
        for freq, n in ((float(p_gold), FAST["reads"]), (float(p_rtl), FAST["rtl_reads"])):
            # binomial standard error of a frequency from n independent reads; 4.5 sigma
            # (1e-5 absolute for the rows of probability ~1e-6)
            assert abs(freq - p_ref) <= 4.5 * math.sqrt(p_ref * (1 - p_ref) / n) + 1e-5
    for who in ("golden", "RTL"):
        assert boltz.metrics[f"{who}_tvd"] <= boltz.metrics[f"{who}_tvd_threshold"]
    assert anneal.metrics["rtl_identical_to_golden"] is True
    assert anneal.metrics["ground_energy_per_spin"] == pytest.approx(-1.0)  # -3 / 3 spins
    assert len(boltz.figures) == 1 and len(anneal.figures) == 1
    _check_png(sections)


def test_lattice_matches_exact_finite_lattice(tmp_path):
    cfg = _write(tmp_path, LATTICE)
    boltz, anneal, onsager = F.fidelity(cfg, log=_quiet, **FAST)
    assert boltz.ok is True and anneal.ok is True and onsager.ok is True
    assert boltz.metrics["states"] == 1 << 16
    m = onsager.metrics
    assert m["L"] == 4 and m["J"] == 1.0
    u_enum, mabs_enum = _enumerate_lattice(4, 2.0)
    # standard errors over independent reads (32 reads: use 4.5 sigma for the t tail)
    assert abs(m["T=2 u"] - u_enum) <= 4.5 * m["T=2 sigma_u"]
    assert abs(m["T=2 |M|"] - mabs_enum) <= 4.5 * m["T=2 sigma_M"]
    assert m["T=2 M_onsager"] == pytest.approx(0.911319, abs=1e-5)
    assert m["T=2 u_L-u_onsager"] == pytest.approx(u_enum - (-1.745565), abs=1e-5)
    assert anneal.metrics["ground_energy_per_spin"] == -2.0
    assert len(onsager.figures) == 1
    _check_png([boltz, anneal, onsager])


def test_a_broken_golden_model_fails(tmp_path, monkeypatch):
    """Fault injection: the golden model gets J with the wrong sign."""
    cfg = _write(tmp_path, AND_GATE)
    real = F.run_network

    def broken(spec, h_q, j_q, **kw):
        if kw.get("backend", "golden") == "golden":
            j_q = -np.asarray(j_q)
        return real(spec, h_q, j_q, **kw)

    monkeypatch.setattr(F, "run_network", broken)
    boltz, anneal, _ = F.fidelity(cfg, log=_quiet, **FAST)
    assert boltz.ok is False
    assert boltz.metrics["golden_tvd"] > boltz.metrics["golden_tvd_threshold"]
    assert boltz.metrics["RTL_tvd"] <= boltz.metrics["RTL_tvd_threshold"]
    assert anneal.ok is False and anneal.metrics["rtl_identical_to_golden"] is False
    assert anneal.metrics["first_mismatch"].startswith("read 0, sweep ")


def test_fidelity_pbit_dispatches(tmp_path, monkeypatch, demo_config_text):
    import tomllib

    from spinemu.gen.config import parse_config

    array_cfg = parse_config(tomllib.loads(demo_config_text), source="demo")
    assert F.fidelity(array_cfg, log=_quiet) == []
    sentinel = [object()]
    monkeypatch.setattr(fidelity_pbit_array, "fidelity", lambda config, *, log: sentinel)
    assert F.fidelity_pbit(array_cfg, log=_quiet) is sentinel
    with pytest.raises(ValueError, match="reads must be an integer >= 2, not 1"):
        F.fidelity(_write(tmp_path, AND_GATE), log=_quiet, reads=1)


def test_verify_network_config_writes_report(tmp_path, monkeypatch):
    """What ``spinemu verify`` reports once gen/core_pbit.py imports ``fidelity_pbit``
    (the lead adds that line): the 4x4 lattice passes, report.html embeds 3 plots."""
    from spinemu.gen import core_pbit
    from spinemu.gen.verify import verify, write_report

    cfg = _write(tmp_path, LATTICE)
    monkeypatch.setattr(core_pbit, "fidelity", functools.partial(F.fidelity_pbit, **FAST), raising=False)
    result = verify(cfg, samples=500, seeds=(), log=_quiet)
    assert result.ok and [s.ok for s in result.sections] == [True, True, True]
    jpath, hpath = write_report(result, tmp_path / "out")
    html = hpath.read_text()
    assert html.count('src="data:image/png;base64,') == 3 and "FAIL" not in html
    data = json.loads(jpath.read_text())
    assert [len(s["figures"]) for s in data["fidelity"]] == [1, 1, 1]
