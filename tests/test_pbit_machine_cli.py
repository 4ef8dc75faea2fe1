"""A ``[machine]`` config through the command line: ``spinemu gen`` writes one design per
device and machine.json; ``sim`` runs the machine on both backends with the same
samples; a bad machine description is one clear line."""

from __future__ import annotations

import hashlib
import json
import re

import numpy as np
import pytest
from spinemu.gen.cli import main
from spinemu.sim_golden.pbit_net_device import device_plans
from spinemu.sim_golden.pbit_net_partition import partition_network
from test_cli import _spinemu

__all__: list[str] = []

MACHINE = """name = "glass_machine"
[core]
kind = "pbit"
[problem]
type = "ea3d"
L = 3
seed = 3
[anneal]
beta_range = [0.2, 2.0]
schedule = "geometric"
[machine]
devices = 3
exchange_period = 2
link_latency = 1
"""


@pytest.fixture
def machine_config(tmp_path):
    p = tmp_path / "machine.toml"
    p.write_text(MACHINE)
    return p


def test_gen_writes_a_design_per_device_and_the_machine(machine_config, tmp_path):
    from spinemu.gen.config import load_config

    out = tmp_path / "out"
    assert main(["gen", str(machine_config), "-o", str(out), "-q"]) == 0
    desc = json.loads((out / "machine.json").read_text())
    manifest = json.loads((out / "manifest.json").read_text())
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
    config = load_config(machine_config)
    spec = config.spec
    plans = device_plans(spec, partition_network(spec, 3))
    assert desc["devices"] == 3 and desc["exchange_period"] == 2 and desc["link_latency"] == 1
    assert desc["link_buffer_sets"] == 2  # ceil(D / E) + 1
    held = sorted(p for d in desc["device"] for p in d["pbits"])
    assert held == list(range(spec.n))
    for plan, dev in zip(plans, desc["device"], strict=True):
        assert dev["pbits"] == plan.pbits.tolist() and dev["ghosts"] == plan.ghost_ids.tolist()
        verilog = (out / dev["folder"] / f"{dev['top']}.v").read_text()
        # the top has one rx stream per source device and the tx stream
        port = r"^\s*(?:input|output)\s+(?:wire\s+|reg\s+)?(?:\[[^]]*\]\s*)?(\w+)"
        ports = set(re.findall(port, verilog, re.M))
        assert {f"rx{k}_payload" for k in range(len(plan.sources))} <= ports and "tx_payload" in ports
        assert f"rx{len(plan.sources)}_payload" not in ports
        regmap = json.loads((out / dev["folder"] / "regmap.json").read_text())
        assert {"EXCH_PERIOD", "EXCH_LATENCY"} <= {r["name"] for r in regmap["registers"]}
    # every link is a source of its receiver, with the sender's words per set
    for link in desc["links"]:
        src = plans[link["to"]].sources[int(link["port"][2:])]
        assert src.device == link["from"] and src.words == plans[link["from"]].boundary_words
    assert len(desc["links"]) == sum(len(p.sources) for p in plans)


def test_sim_runs_the_machine(machine_config, tmp_path):
    """`spinemu sim` of a [machine] runs the partitioned machine (the rtl backend takes the
    same run_network path that tests/test_pbit_partition.py checks against the golden one)."""
    from spinemu.gen.config import load_config
    from spinemu.sim_golden.pbit_net import BetaRegisters, PBitNetGolden

    out = tmp_path / "golden.npz"
    assert main(["sim", str(machine_config), "--cycles", "40", "-o", str(out), "-q"]) == 0
    got = np.load(out)
    config = load_config(machine_config)
    spec, stim = config.spec, config.stimulus
    beta = BetaRegisters.from_dict(spec.beta_registers(*stim["anneal"], 40))
    want = PBitNetGolden(spec).run(stim["h_q"], stim["j_q"], num_sweeps=40, beta=beta, record="all",
                                   exchange=stim["machine"])  # fmt: skip
    mono = PBitNetGolden(spec).run(stim["h_q"], stim["j_q"], num_sweeps=40, beta=beta, record="all")
    assert np.array_equal(got["m"], want.samples[0]) and not np.array_equal(got["m"], mono.samples[0])
    assert sorted(set(got["device_of"].tolist())) == [0, 1, 2]


BAD_MACHINES = [
    ("devices = 3", "devices = 28", "machine.devices = 28 is more than the network's 27 p-bits"),
    ("devices = 3", "devices = 0", "machine.devices = 0 is not allowed"),
    ("exchange_period = 2", "exchange_period = 0", "machine.exchange_period = 0 is not allowed"),
    ("link_latency = 1", "link_latency = 70000", "machine.link_latency = 70000 is not allowed"),
    ("link_latency = 1", "links = 1", "unknown key machine.links"),
    ("[machine]", '[pbit]\nfabric = "multiplexed"\n[machine]', "needs the parallel fabric"),
]


@pytest.mark.parametrize("old, new, message", BAD_MACHINES, ids=[b[2][:30] for b in BAD_MACHINES])
def test_bad_machine_is_one_clear_line(tmp_path, old, new, message):
    bad = tmp_path / "bad.toml"
    bad.write_text(MACHINE.replace(old, new, 1))
    out = _spinemu("gen", bad, "-o", tmp_path / "out")
    assert out.returncode == 2 and message in out.stderr
    assert "Traceback" not in out.stderr and out.stderr.count("\n") == 1


def test_verify_section_compares_the_machine_with_the_monolithic_one(tmp_path):
    """The partition study of a [machine] config: exchange after every phase reproduces the
    monolithic residual energies exactly; a much slower exchange does not."""
    from spinemu.gen.config import load_config
    from spinemu.gen.fidelity_partition import machine_section

    cfg = tmp_path / "m.toml"
    cfg.write_text(MACHINE.replace("L = 3", "L = 6").replace("exchange_period = 2", "exchange_period = 64"))
    config = load_config(cfg)
    section = machine_section(config, log=lambda *a: None, sweeps=(10, 30, 100, 300), periods=(1, 64))
    head, *rows = section.table
    assert head[0] == "machine" and len(rows) == 1 + 3 * 2 + 1
    mono = rows[0]
    for row in rows:
        if row[0].endswith("E = 1"):  # the same machine: the same numbers, no gap
            assert row[2:-1] == mono[2:-1] and row[-1] == "0.0"
    assert rows[-1][0] == "K = 3, E = 64, D = 1"
    assert section.metrics["eta_threshold_energy"] == 1.0  # E = 64 is visibly worse
    assert float(rows[-1][-1]) > 2 and section.figures


def test_build_refuses_a_machine_whose_devices_do_not_fit(tmp_path):
    cfg = tmp_path / "big.toml"
    big = MACHINE.replace("L = 3", "L = 24").replace("devices = 3", "devices = 2")
    cfg.write_text(big)
    out = _spinemu("build", cfg, "--board", "pynq-z2", "-o", tmp_path / "b", "--estimate", "no")
    assert out.returncode == 2 and "Traceback" not in out.stderr and out.stderr.count("\n") == 1
    assert "design glass_machine_device0 is too large for TUL PYNQ-Z2" in out.stderr
    assert "or split the network over more devices (machine.devices = 2 now)" in out.stderr
    assert not (tmp_path / "b").exists()  # nothing written
