"""The spinemu command line: gen, sim, verify, demo, and clear errors for bad input."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from spinemu.gen.cli import main


def _spinemu(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "spinemu.gen.cli", *map(str, args)], cwd=cwd, capture_output=True, text=True
    )


@pytest.fixture
def config(tmp_path, demo_config_text):
    p = tmp_path / "pbit.toml"
    p.write_text(demo_config_text)
    return p


def test_help_on_every_command():
    out = _spinemu("--help")
    assert out.returncode == 0
    for cmd in ("gen", "sim", "verify", "demo"):
        assert cmd in out.stdout
        sub = _spinemu(cmd, "--help")
        assert sub.returncode == 0 and "usage: spinemu " + cmd in sub.stdout


def test_gen_writes_artifacts_with_hashes(config, tmp_path):
    out = tmp_path / "gen"
    assert main(["gen", str(config), "-o", str(out), "-q"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    tb = {f"tb/{f}" for f in ("workload.json", "golden.npz", "tb_design.py", "run.py",
                              "test_generated_design.py", "README.md")}
    assert set(manifest["files"]) == {"spinemu_pbit_array.v", "regmap.json", "regmap.h", "regmap.md", *tb}
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
    assert manifest["spec"]["n"] == 8 and manifest["tools"]["amaranth"].startswith("0.5")
    assert "module spinemu_pbit_array" in (out / "spinemu_pbit_array.v").read_text()
    regmap = json.loads((out / "regmap.json").read_text())
    assert regmap["registers"][0]["name"] == "ID"


def test_sim_golden_and_rtl_identical(config, tmp_path):
    for backend in ("golden", "rtl"):
        assert (
            main(
                [
                    "sim",
                    str(config),
                    "--backend",
                    backend,
                    "--cycles",
                    "5000",
                    "--seed",
                    "9",
                    "-o",
                    str(tmp_path / f"{backend}.npz"),
                    "-q",
                ]
            )
            == 0
        )
    g, r = np.load(tmp_path / "golden.npz"), np.load(tmp_path / "rtl.npz")
    assert g["m"].dtype == np.int8 and g["m"].shape == (5000, 8)
    assert set(np.unique(g["m"])) <= {-1, 1}
    assert np.array_equal(g["m"], r["m"])
    # I_q is the quantized stimulus: I * 2**4 for the demo's 4 fraction bits.
    assert g["I_q"].tolist() == [-32, -16, -8, 0, 4, 8, 16, 32]


def test_verify_passes_and_writes_reports(config, tmp_path):
    out = tmp_path / "verify"
    assert main(["verify", str(config), "--cycles", "20000", "-o", str(out), "-q"]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["ok"] and report["lint"]["clean"]
    assert [r["samples"] for r in report["runs"]] == [20000, 20000]
    assert all(r["compared"]["m"] == 20000 * 8 for r in report["runs"])
    assert "PASS" in (out / "report.html").read_text()


def test_verify_catches_a_broken_golden_model(config, tmp_path):
    """Fault injection: flip one p-bit of one sample in the golden stream."""
    from spinemu.gen.config import load_config
    from spinemu.gen.cores import plugin_for_kind
    from spinemu.gen.verify import verify, write_report

    cfg = load_config(config)
    plugin = plugin_for_kind(cfg.kind)

    def broken(c, samples, seed):
        streams = plugin.run(c.spec, c.stimulus, samples, seed=seed, backend="golden")
        streams["m"] = streams["m"].copy()
        streams["m"][1234, 5] *= -1
        return streams

    result = verify(cfg, samples=3000, seeds=(), golden_fn=broken, log=lambda *a: None)
    assert not result.ok
    fm = result.runs[0].comparison.first_mismatch
    assert (fm.index, fm.signal, fm.element) == (1234, "m", (5,))
    assert fm.golden == -fm.rtl
    _, html = write_report(result, tmp_path / "r")
    text = html.read_text()
    assert "FAIL" in text and "sample 1234" in text


BAD_CONFIGS = [
    ("n = 8", "n = 9", "stimulus.I has 8 values but pbit.n = 9"),
    ("n = 8", 'n = "8"', "pbit.n = '8' is not allowed"),
    ("n = 8", "n = 0", "pbit.n = 0 is not allowed: expected an integer in 1..4096"),
    ("2.0]", "20.0]", "stimulus.I[7] = 20.0 is not allowed"),
    ("beta = 1.0", "bta = 1.0", "unknown key pbit.bta"),
    ("beta = 1.0", "beta = -1.0", "pbit.beta = -1.0 is not allowed"),
    ('rng = "xoshiro128pp"', 'rng = "mt19937"', "pbit.rng = 'mt19937' is not allowed"),
    ('kind = "pbit"', 'kind = "quantum"', "core.kind = 'quantum' is not allowed"),
    ("prob_bits = 16", "prob_bits = 40", "pbit.prob_bits = 40 is not allowed"),
    ('name = "pbit_demo"', 'name = "1 bad name"', "name = '1 bad name' is not allowed"),
    ("[stimulus]", "[stimulus]\nfoo = 1", "unknown key stimulus.foo"),
    ("n = 8", "n = ", "invalid TOML"),
]


@pytest.mark.parametrize("old, new, message", BAD_CONFIGS, ids=[b[2][:30] for b in BAD_CONFIGS])
def test_bad_config_is_one_clear_line(tmp_path, demo_config_text, old, new, message):
    assert old in demo_config_text
    bad = tmp_path / "bad.toml"
    bad.write_text(demo_config_text.replace(old, new, 1))
    out = _spinemu("gen", bad, "-o", tmp_path / "out")
    assert out.returncode == 2
    assert message in out.stderr
    assert "Traceback" not in out.stderr and out.stderr.count("\n") == 1


def test_missing_config_and_bad_arguments(tmp_path, config):
    out = _spinemu("sim", tmp_path / "nope.toml", "-o", tmp_path / "x.npz")
    assert out.returncode == 2 and "not found" in out.stderr and "Traceback" not in out.stderr
    out = _spinemu("sim", config, "--cycles", "0", "-o", tmp_path / "x.npz")
    assert out.returncode == 2 and "--cycles must be >= 1" in out.stderr
    out = _spinemu("sim", config, "--backend", "fpga", "-o", tmp_path / "x.npz")
    assert out.returncode == 2 and "invalid choice" in out.stderr


def test_sim_refuses_a_run_that_cannot_fit_in_memory(capsys):
    """10**10 samples of the example array (about a terabyte): one line, exit 2, before
    anything large is allocated; the number it suggests is a run that does fit."""
    import re
    from pathlib import Path

    from spinemu.gen.cli import _available_memory, main

    cfg = Path(__file__).resolve().parent.parent / "examples" / "pbit_array.toml"
    assert main(["sim", str(cfg), "--cycles", "10000000000", "-o", "/nonexistent/x.npz"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "GiB of memory" in err and "available" in err
    most = int(re.search(r"at most ([\d,]+) cycles", err).group(1).replace(",", ""))
    assert 0 < most < 10**10
    # the estimate is per sample: the int8 samples alone (8 p-bits) must fit the suggestion
    assert most * 8 <= _available_memory()


@pytest.mark.parametrize(
    "argv",
    [
        ["gen", "{cfg}", "-o", "{file}"],
        ["sim", "{cfg}", "--cycles", "5", "-o", "{file}/out.npz"],
        ["verify", "{cfg}", "--cycles", "5", "-o", "{file}"],
        ["demo", "-o", "{file}"],
        ["synth", "{file}"],
        ["build", "{cfg}", "--board", "pynq-z2", "-o", "{file}"],
        ["sim", "{cfg}", "--cycles", "5", "-o", "/proc/no/such/dir/out.npz"],
    ],
)
def test_cli_path_errors_are_one_line(argv, tmp_path, capsys):
    """An output path that cannot be a folder or a file: exit 2, one line naming the path,
    no traceback, for every command that writes."""
    from spinemu.gen.cli import main

    file = tmp_path / "a_file"
    file.write_text("x")
    cfg = Path(__file__).resolve().parent.parent / "examples" / "pbit_array.toml"
    args = [a.format(cfg=cfg, file=file) for a in argv]
    assert main([*args, *(["-q"] if argv[0] in ("gen", "verify") else [])]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"spinemu {argv[0]}: error: "), err
    assert "Traceback" not in err[0] and ("a_file" in err[0] or "/proc/no" in err[0])


def test_gen_testbench_options(tmp_path, capsys):
    """``--tb-samples`` sets the testbench's workload; 0 is one line, exit 2; ``--no-tb`` skips it."""
    import json

    from spinemu.gen.cli import main

    cfg = Path(__file__).resolve().parent.parent / "examples" / "reservoir.toml"
    assert main(["gen", str(cfg), "-o", str(tmp_path / "a"), "--tb-samples", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["spinemu gen: error: --tb-samples must be >= 1, not 0"]
    assert main(["gen", str(cfg), "-o", str(tmp_path / "b"), "--tb-samples", "3", "-q"]) == 0
    work = json.loads((tmp_path / "b" / "tb" / "workload.json").read_text())
    assert work["samples"] == 3 and work["outputs"] == {"x": [3, 32], "y": [3]}
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert "tb/golden.npz" in manifest["files"] and "tb/run.py" in manifest["files"]
    assert main(["gen", str(cfg), "-o", str(tmp_path / "c"), "--no-tb", "-q"]) == 0
    assert not (tmp_path / "c" / "tb").exists()


def test_cli_interrupt_is_one_line(monkeypatch, capsys):
    """Ctrl-C in any command: exit 130, one line."""
    from spinemu.gen import cli

    def interrupted(args):
        raise KeyboardInterrupt

    parser = cli.build_parser()
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    for action in parser._subparsers._group_actions[0].choices.values():
        action.set_defaults(func=interrupted)
    assert cli.main(["gen", "x.toml", "-o", "y"]) == 130
    assert capsys.readouterr().err.strip() == "spinemu gen: interrupted"
