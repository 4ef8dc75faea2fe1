"""Golden vs RTL tests of the Hopfield core through the native Verilator model.

The generated top level is driven only through its AXI4-Lite registers; every
intermediate state is recorded from the ``sweep_state`` stream and compared with
:class:`spinemu.sim_golden.hopfield_fixed.HopfieldFixed` sweep for sweep. Three small
designs (one Verilator build each, cached in build/cache) cover 1, 2, 4 and 8 MAC
lanes, a row that does not fill its last memory word, a row of a single word (every
neuron decides one clock after its read, and the next neuron's read must see it), ideal
and imperfect devices.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from spinemu.sim_golden.hopfield_fixed import HopfieldFixed
from spinemu.sim_golden.hopfield_spec import HopfieldSpec

__all__: list[str] = []


ROOT = Path(__file__).resolve().parent.parent
LETTERS = np.array(
    [
        [1, -1, 1, -1, 1, -1, 1, -1, 1],  # X
        [1, 1, 1, -1, 1, -1, -1, 1, -1],  # T
        [1, -1, -1, 1, -1, -1, 1, 1, 1],  # L
    ]
)
#: the design of examples/hopfield.toml (shares its build): letters on imperfect devices
LETTER_SPEC = dict(
    n_neurons=9,
    lanes=2,
    n_levels=16,
    weight_bits=10,
    nonlinearity=3.0,
    spread=0.5,
    device_seed=3,
    order_seed=0,
)
SPECS = {
    "letters_l2": LETTER_SPEC,
    "n13_l4": dict(n_neurons=13, lanes=4, n_levels=8, weight_bits=8, order_seed=5, lfsr_seed=77),
    "n7_l8": dict(n_neurons=7, lanes=8, n_levels=4, weight_bits=6, order_seed=2, lfsr_seed=9),
    "n6_l1": dict(
        n_neurons=6,
        lanes=1,
        n_levels=4,
        weight_bits=6,
        nonlinearity=-2.0,
        spread=0.3,
        device_seed=11,
        g_counts=20,
    ),
}


def _driver(spec):
    from spinemu.gen.native import build_native
    from spinemu.gen.verilog import design_for_spec
    from spinemu.sw.hopfield import HopfieldDriver
    from spinemu.sw.mmio import VerilatorMMIO

    model = build_native(design_for_spec(spec))
    return HopfieldDriver(VerilatorMMIO(model), spec, stream=model), model


@pytest.fixture(scope="module", params=sorted(SPECS))
def pair(request):
    spec = HopfieldSpec(**SPECS[request.param])
    drv, model = _driver(spec)
    yield spec, drv, model
    model.close()


def _random_levels(spec, rng):
    n, lm = spec.n_neurons, spec.level_max
    a = rng.integers(-lm, lm + 1, size=(n, n))
    return np.triu(a, 1) + np.triu(a, 1).T


def _same_recall(g, r, what):
    assert g.states.shape == r.states.shape, f"{what}: golden {g.sweeps} sweeps, rtl {r.sweeps}"
    diff = np.argwhere(g.states != r.states)
    if diff.size:
        t, i = diff[0]
        raise AssertionError(
            f"{what}: first mismatch after sweep {t}, neuron {i}: "
            f"golden {g.states[t, i]:+d}, rtl {r.states[t, i]:+d}"
        )
    assert np.array_equal(g.flips, r.flips)
    assert (g.converged, g.cycle2) == (r.converged, r.cycle2), what


def test_identity_registers(pair):
    spec, drv, _ = pair
    assert drv.regs.read("ID") == 0x484F5046
    assert drv.regs.read("LANES") == spec.lanes and drv.regs.read("LEVELS") == spec.n_levels


def test_golden_equals_rtl_random_networks_both_modes(pair):
    spec, drv, model = pair
    n = spec.n_neurons
    gold = HopfieldFixed(spec)
    rng = np.random.default_rng(spec.n_neurons)
    for net in range(3):
        levels = _random_levels(spec, rng)
        drv.clear()
        gold.clear()
        for i in range(n):
            for j in range(n):
                if levels[i, j]:
                    drv.set_level(i, j, int(levels[i, j]))
                    gold.set_level(i, j, int(levels[i, j]))
        assert np.array_equal(drv.levels, gold.levels)
        assert np.array_equal(drv.weights, gold.weights)  # device tables read back exactly
        seed_state = spec.lfsr_state_for_seed(net)
        drv.load_order_seed(seed_state)
        gold.load_order_seed(seed_state)
        for k in range(12):
            mode = ("async", "sync")[k % 2]
            cue = rng.choice([-1, 1], size=n)
            drv.load_state(cue)
            gold.load_state(cue)
            r = drv.recall(mode, 40)
            g = gold.recall(mode, 40)
            _same_recall(g, r, f"network {net}, cue {k}, {mode}")
            assert drv.regs.read("SWEEPS") == g.sweeps
            # latency model: sweeps x (N (C + 3) + 1) busy cycles
            assert drv.regs.read("CYCLES") == spec.recall_cycles(g.sweeps)
        assert np.array_equal(drv.read_state(), gold.state)


def _learn_on_both(drv, gold, patterns):
    """One LEARN pass per pattern on the RTL and the golden model: same corrective pulse
    counts, then the same levels and weights."""
    for x in patterns:
        counts = []
        for m in (drv, gold):
            m.load_state(x)
            counts.append(m.learn(1))
        assert counts[0] == counts[1]
    assert np.array_equal(drv.levels, gold.levels)
    assert np.array_equal(drv.weights, gold.weights)


def test_golden_equals_rtl_on_chip_learning(pair):
    spec, drv, _ = pair
    n = spec.n_neurons
    gold = HopfieldFixed(spec)
    rng = np.random.default_rng(7)
    drv.clear()
    gold.clear()
    xi = rng.choice([-1, 1], size=(3, n))
    for x in xi:
        for m in (drv, gold):
            m.load_state(x)
            m.hebb(2)
    assert np.array_equal(drv.levels, gold.levels)
    for _ in range(4):
        _learn_on_both(drv, gold, rng.choice([-1, 1], size=(2, n)))


def test_rtl_sync_two_cycle_and_async_convergence(pair):
    spec, drv, _ = pair
    n = spec.n_neurons
    drv.clear()
    for i in range(n):
        for j in range(n):
            if i != j:
                drv.set_level(i, j, -spec.level_max)
    if spec.spread == 0:
        # antiferromagnetic complete graph: from all +1 every field is negative
        drv.load_state(np.ones(n, dtype=int))
        r = drv.recall("sync", 50)
        assert r.cycle2 and not r.converged and r.sweeps == 2
        assert r.states.tolist() == [[1] * n, [-1] * n, [1] * n]
    # on any devices the golden model decides; the 2-cycle is seen wherever it predicts one
    gold = HopfieldFixed(spec)
    gold.levels = drv.levels
    cycles = 0
    for cue in np.random.default_rng(1).choice([-1, 1], size=(6, n)):
        drv.load_state(cue)
        gold.load_state(cue)
        r, g = drv.recall("sync", 50), gold.recall("sync", 50)
        _same_recall(g, r, "sync on -(L-1) levels")
        cycles += r.cycle2
        drv.load_state(cue)
        a = drv.recall("async", 50)
        assert a.converged and not a.cycle2
    assert cycles >= 1


def test_rtl_letters_in_situ_learning():
    """Letters on imperfect devices (device seed 3): the open-loop write breaks a letter;
    on-chip learning repairs all three within 20 rounds, as the golden model does."""
    from spinemu.sw.hopfield import HopfieldNetwork

    spec = HopfieldSpec(**LETTER_SPEC)
    reports = {}
    for backend in ("golden", "rtl"):
        net = HopfieldNetwork(9, backend=backend, spec=spec, seed=5)
        try:
            reports[backend] = net.train_in_situ(LETTERS, max_iters=20)
        finally:
            net.close()
    rtl, gold = reports["rtl"], reports["golden"]
    assert not rtl.initial_recalled.all()
    assert rtl.converged and rtl.recalled.all() and 1 <= rtl.iterations <= 20
    assert np.array_equal(rtl.final_states, LETTERS)
    assert rtl.iterations == gold.iterations and rtl.unstable == gold.unstable


def test_cli_gen_sim_verify(tmp_path):
    """``spinemu gen/sim/verify`` on examples/hopfield.toml; a wrong golden model is caught."""
    from spinemu.gen.cli import main
    from spinemu.gen.config import load_config
    from spinemu.gen.verify import verify

    cfg = ROOT / "examples" / "hopfield.toml"
    assert HopfieldSpec(**LETTER_SPEC) == load_config(cfg).spec  # shares the cached build
    assert main(["gen", str(cfg), "-o", str(tmp_path / "gen"), "-q"]) == 0
    assert {"spinemu_hopfield.v", "regmap.json", "manifest.json"} <= {
        p.name for p in (tmp_path / "gen").iterdir()
    }
    out = tmp_path / "sim.npz"
    assert (
        main(["sim", str(cfg), "--backend", "rtl", "--cycles", "30", "--seed", "4", "-o", str(out), "-q"])
        == 0
    )
    with np.load(out) as z:
        assert z["state"].shape == (30, 9) and z["patterns"].shape == (3, 9)
    code = main(["verify", str(cfg), "--cycles", "60", "-o", str(tmp_path / "verify"), "-q"])
    config = load_config(cfg)
    result = verify(config, samples=60, seeds=(3,), log=lambda *a: None)
    assert all(r.comparison.ok for r in result.runs)
    # Lint is clean with the documented waivers (gen/native.py LINT_WAIVERS).
    assert result.lint_warnings == [] and code == 0 and result.ok

    def wrong(cfg_, n, seed):
        streams = dict(config_run(cfg_, n, seed))
        streams["state"] = streams["state"].copy()
        streams["state"][n // 2, 4] *= -1
        return streams

    def config_run(cfg_, n, seed):
        from spinemu.gen.core_hopfield import run

        return run(cfg_.spec, cfg_.stimulus, n, seed=seed, backend="golden")

    bad = verify(config, samples=20, seeds=(), golden_fn=wrong, log=lambda *a: None)
    fm = bad.runs[0].comparison.first_mismatch
    assert not bad.runs[0].comparison.ok and fm.index == 10 and fm.signal == "state"


def _recall_under_backpressure(drv, model, cue, mode, max_sweeps, rng, p_ready=0.2):
    """Run a recall with ``sweep_ready`` drawn at random before every edge; check the
    AXI4-Stream rules and return ``(states after each sweep, stalls)``."""
    from spinemu.sim_golden.hopfield_spec import Command
    from spinemu.sw.hopfield import _words_to_pm1

    stream, drv.stream = drv.stream, None  # this harness drains the stream itself
    try:
        model.set("sweep_ready", 0)
        drv.load_state(cue)
        drv.regs.write("MAX_SWEEPS", max_sweeps)
        drv.regs.write("CMD", Command.START_ASYNC if mode == "async" else Command.START_SYNC)
        words, lasts, held, stalls = [], [], None, 0
        for _ in range(20_000_000):
            ready = int(rng.random() < p_ready)
            model.set("sweep_ready", ready)
            valid, data = model.get("sweep_valid"), model.get("sweep_payload")
            if held is not None:
                assert valid and data == held  # a waiting word stays valid and unchanged
            if valid and ready:
                words.append(data)
                lasts.append(model.get("sweep_last"))
                held = None
                if lasts[-1]:
                    break
            elif valid:
                held, stalls = data, stalls + 1
            model.step(1)
        model.set("sweep_ready", 1)
    finally:
        drv.stream = stream
    assert lasts == [0] * (len(words) - 1) + [1]
    n = drv.spec.n_neurons
    n_words = -(-n // 32)
    as_words = np.array([[(w >> (32 * k)) & 0xFFFFFFFF for k in range(n_words)] for w in words], np.uint32)
    assert drv.regs.read("SWEEPS") == len(words)
    return _words_to_pm1(as_words, n), stalls


SCALE_SPECS = {
    "n64_l8": dict(n_neurons=64, lanes=8, nonlinearity=2.0, spread=0.4, device_seed=6, order_seed=1),
    "n64_l64": dict(n_neurons=64, lanes=64, n_levels=8, weight_bits=8, spread=0.2, device_seed=2),
    "n256_l16": dict(n_neurons=256, lanes=16, nonlinearity=3.0, spread=0.5, device_seed=3, order_seed=4),
}


@pytest.mark.parametrize("name", sorted(SCALE_SPECS))
def test_golden_equals_rtl_at_scale(name):
    """N = 64 and 256: the pulse engine (HEBB, LEARN, LEVEL), every sweep of async and sync
    recalls with the stream drained at random, and the cycle model of full lanes."""
    spec = HopfieldSpec(**SCALE_SPECS[name])
    n = spec.n_neurons
    drv, model = _driver(spec)
    try:
        gold = HopfieldFixed(spec)
        rng = np.random.default_rng(n + spec.lanes)
        xi = rng.choice([-1, 1], size=(max(2, n // 32), n))
        for m in (drv, gold):
            m.load_order_seed(spec.lfsr_state_for_seed(3))
            m.clear()
            for x in xi:
                m.load_state(x)
                m.hebb(2)
            m.set_level(1, 0, -spec.level_max)
        assert np.array_equal(drv.levels, gold.levels)
        assert np.array_equal(drv.weights, gold.weights)
        for x in xi[:2]:
            counts = [(m.load_state(x), m.learn(1))[1] for m in (drv, gold)]
            assert counts[0] == counts[1]
        assert np.array_equal(drv.levels, gold.levels)
        stalls = 0
        for k in range(4):
            mode = ("async", "sync")[k % 2]
            cue = xi[k % len(xi)].copy()
            cue[rng.choice(n, n // 4, replace=False)] *= -1
            gold.load_state(cue)
            ref = gold.recall(mode, 20)
            if k < 2:
                got, st = _recall_under_backpressure(drv, model, cue, mode, 20, rng)
                np.testing.assert_array_equal(got, ref.states[1:], err_msg=f"cue {k}, {mode}")
                stalls += st
            else:
                drv.load_state(cue)
                _same_recall(ref, drv.recall(mode, 20), f"cue {k}, {mode}")
                assert drv.regs.read("CYCLES") == spec.recall_cycles(ref.sweeps)
            np.testing.assert_array_equal(drv.read_state(), ref.state)
        assert stalls > 0
    finally:
        model.close()


@pytest.mark.parametrize("mode", ["async", "sync"])
def test_random_backpressure_keeps_every_sweep(mode):
    """``sweep_ready`` driven at random: the golden trajectory, AXI4-Stream rules kept.

    A cocotb-free harness draws ``ready`` (p = 0.2) before every clock edge; a word is
    taken on an edge with ``valid`` and ``ready`` high.  A waiting word must stay valid
    and unchanged, the core must stall at the sweep end (never drop or duplicate a
    sweep), and ``sweep_last`` must mark exactly the final sweep.
    """
    spec = HopfieldSpec(**LETTER_SPEC)
    drv, model = _driver(spec)
    try:
        gold = HopfieldFixed(spec)
        rng = np.random.default_rng(1)
        for m in (drv, gold):
            m.load_order_seed(spec.lfsr_state_for_seed(4))
            m.clear()
            for x in LETTERS:
                m.load_state(x)
                m.hebb(spec.level_max // 3)
        total_stalls, total_words = 0, 0
        for trial in range(6):
            cue = LETTERS[trial % 3].copy()
            cue[rng.choice(9, 3, replace=False)] *= -1
            ref = (gold.load_state(cue), gold.recall(mode, 30))[1]
            traj, stalls = _recall_under_backpressure(drv, model, cue, mode, 30, rng)
            total_stalls, total_words = total_stalls + stalls, total_words + len(traj)
            np.testing.assert_array_equal(traj, ref.states[1:])
            np.testing.assert_array_equal(drv.read_state(), ref.state)
        # Each word waits a geometric number of edges (mean 4 at p = 0.2): stalls happened.
        assert total_words >= 6 and total_stalls >= total_words
    finally:
        model.close()


def _collisions_read_garbage(text: str) -> tuple[str, int]:
    """The Verilog with every synapse bank's read inverted when its row is being written.

    That is what a block RAM may return for a read of the row a write to the other
    port changes in the same clock; the banks carry ``no_rw_check`` (yosys adds no logic
    for it), so the design must never use such a read.
    """
    import re

    count = 0
    for mem in sorted(set(re.findall(r"reg \[\d+:0\] (syn\d+) \[\d+:0\];", text))):
        write = re.search(rf"if \((\S+)\[0\]\)\n\s+{mem}\[(\S+)\]\[", text)
        read = re.search(rf"(\S+) <= {mem}\[(\S+)\];", text)
        assert write and read, f"cannot find the ports of {mem} in the Verilog"
        en, waddr = write.groups()
        data, raddr = read.groups()
        hit = f"((|{en}) && {waddr} == {raddr})"
        text = text.replace(read.group(0), f"{data} <= {hit} ? ~{mem}[{raddr}] : {mem}[{raddr}];")
        count += 1
    return text, count


def test_no_read_during_a_write_is_used(tmp_path):
    """With garbage for every read that collides with a write of its row, the pulse engine
    (LEVEL, HEBB, LEARN), the LEVEL_RD/WEIGHT read-back and recalls still equal golden."""
    import dataclasses
    import hashlib

    from spinemu.gen.native import build_native
    from spinemu.gen.verilog import design_for_spec
    from spinemu.sw.hopfield import HopfieldDriver
    from spinemu.sw.mmio import VerilatorMMIO

    spec = HopfieldSpec(**SPECS["n13_l4"])
    design = design_for_spec(spec)
    text, banks = _collisions_read_garbage(design.path.read_text())
    assert banks == 1
    path = tmp_path / f"{design.top}.v"
    path.write_text(text)
    digest = hashlib.sha256(text.encode()).hexdigest()[:32]  # the native build's cache key
    model = build_native(dataclasses.replace(design, path=path, digest=digest))
    try:
        drv = HopfieldDriver(VerilatorMMIO(model), spec, stream=model)
        gold = HopfieldFixed(spec)
        rng = np.random.default_rng(3)
        n = spec.n_neurons
        for m in (drv, gold):
            m.clear()
        levels = _random_levels(spec, rng)
        for i, j in zip(*np.nonzero(np.triu(levels, 1)), strict=True):
            for m in (drv, gold):
                m.set_level(int(i), int(j), int(levels[i, j]))
        for x in rng.choice([-1, 1], size=(3, n)):
            for m in (drv, gold):
                m.load_state(x)
                m.hebb(1)
        _learn_on_both(drv, gold, rng.choice([-1, 1], size=(2, n)))
        for k in range(6):
            mode = ("async", "sync")[k % 2]
            cue = rng.choice([-1, 1], size=n)
            for m in (drv, gold):
                m.load_state(cue)
            _same_recall(gold.recall(mode, 30), drv.recall(mode, 30), f"cue {k}, {mode}")
    finally:
        model.close()
