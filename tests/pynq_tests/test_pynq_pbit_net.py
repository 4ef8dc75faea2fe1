"""The p-bit network core on PYNQ: ``spinemu build`` / ``spinemu run``, ``PBitSampler(backend="pynq")``.

Runs through the real pynq package with no board, with ``test_pynq_driver.py``'s
:class:`NativeDevice` (a ``pynq.Device`` routing MMIO to the native Verilator model of
the generated core).  The network's ``sample`` port has no backpressure, so there is no
DMA: every per-sweep sample is read over the bus from the capture buffer (or, without
one, from ``STATE`` after each single sweep).

Known answers: the golden model (:class:`~spinemu.sim_golden.pbit_net.PBitNetGolden`,
an independent numpy implementation of the Spec's integer arithmetic) is bit-exact with
the gateware, so ``spinemu run`` must write exactly what ``spinemu sim --backend golden``
writes, and the board sampler must return exactly the golden sampler's SampleSet for
the same seed.  The error tests check the messages name the real cause.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from spinemu.gen.cli import main
from spinemu.gen.config import load_config
from spinemu.gen.native import build_native
from spinemu.gen.verilog import design_for_spec
from spinemu.sim_golden.pbit_net_spec import REPLICA_STAGES
from spinemu.sw import pynq_driver as pd
from spinemu.sw.logic import and_gate, xor_gate
from spinemu.sw.mmio import BusError
from spinemu.sw.pbit_sampler import PBitNetDriver, PBitSampler, run_pbit_net_board
from test_pynq_driver import NativeDevice, active_devices, build_overlay, ip_description

__all__: list[str] = []

try:  # the golden network's sparse local fields need scipy, which .venv-pynq may lack
    import scipy.sparse  # noqa: F401

    #: Reference backend: the golden model; without scipy the ``rtl`` backend, which
    #: drives the same Verilog natively from reset and records its ``sample`` stream at
    #: full speed (no bus sampling, no capture buffer) and is itself bit-exact with the
    #: golden model (tests/test_pbit_net_rtl.py in the main environment).
    REF_BACKEND = "golden"
except ImportError:
    REF_BACKEND = "rtl"

#: A 4x4 periodic lattice (2 colors), capture buffer of 8 < the sweeps of a run, so a
#: run is drained in several chunks; a geometric anneal, so β changes every sweep.
LATTICE_TOML = """\
name = "lattice4"
[core]
kind = "pbit"
[problem]
type = "lattice2d"
L = 4
J = 1.0
h = 0.25
[pbit]
sample_buffer_depth = 8
[anneal]
beta_range = [0.2, 1.5]
schedule = "geometric"
"""

#: The same lattice with three interleaved replicas: a sweep captures three samples, so
#: the 8-deep buffer is drained every two sweeps.
REPLICAS_TOML = LATTICE_TOML.replace('name = "lattice4"', 'name = "lattice4r"').replace(
    "sample_buffer_depth = 8", "sample_buffer_depth = 8\nreplicas = 3"
)

#: The AND gate (3 p-bits, a triangle: 3 colors) without a capture buffer.
AND_TOML = """\
name = "and_gate"
[core]
kind = "pbit"
[problem]
type = "bqm-json"
file = "and.json"
[pbit]
sample_buffer_depth = 0
"""


def test_spec_rng_states_under_numpy1():
    """The Spec's RNG streams (seed chain) compute on a PYNQ image's numpy (< 2), and
    equal the stream states of the generic GF(2) model in sim_golden/rng.py."""
    from spinemu.sim_golden.pbit_net_spec import PBitNetSpec

    spec = PBitNetSpec(n=3, edges=((0, 1),), seed=12345, rng="xoshiro128pp")
    words = spec.seed_chain_words(7)
    assert len(words) == 3 * 4 and any(words)  # xoshiro128++: 4 words per stream, never all 0
    states = spec.rng_model.stream_states(7, 3)
    assert words == [int(w) for w in states.reshape(-1)[::-1]]
    # the default LFSR chain moves lfsr_leap (16) bits per write: 3 x 32 bits in 6 writes
    lfsr = PBitNetSpec(n=3, edges=((0, 1),), seed=12345)
    words = lfsr.seed_chain_words(7)
    assert len(words) == 6 and all(0 <= w < 1 << 16 for w in words)
    chain = 0
    for w in words:
        chain = (chain << 16) | w
    states = lfsr.rng_model.stream_states(7, 3)
    assert [(chain >> (32 * i)) & 0xFFFFFFFF for i in range(3)] == [int(x) for x in states[:, 0]]


def _build(folder, name, text):
    """`spinemu build` of a config, plus the placeholder files Vivado would write."""
    cfg = folder / f"{name}.toml"
    cfg.write_text(text)
    dest, info = build_overlay(cfg)
    return cfg, load_config(cfg), dest, info


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    lattice = _build(tmp_path_factory.mktemp("lattice"), "lattice4", LATTICE_TOML)
    folder = tmp_path_factory.mktemp("and")
    (folder / "and.json").write_text(json.dumps(and_gate().to_serializable()))
    replicas = _build(tmp_path_factory.mktemp("replicas"), "lattice4r", REPLICAS_TOML)
    return {"lattice": lattice, "and": _build(folder, "and_gate", AND_TOML), "replicas": replicas}


@pytest.fixture()
def activate():
    """Make a NativeDevice of a built overlay pynq's active device (restored afterwards)."""
    with active_devices() as use:

        def use_entry(entry):
            _, config, _, info = entry
            dev = NativeDevice(build_native(design_for_spec(config.spec)), info["core_base"])
            dev.ip_dict = ip_description(info["vlnv"], phys_addr=info["core_base"], name="core")
            return use(dev)

        yield use_entry


def test_the_network_is_bound_to_its_vlnv(built):
    info = built["lattice"][3]
    assert info["vlnv"] == "spinemu.org:spinemu:pbit_net:1.0"
    assert pd.ip_class("pbit_net").bindto == [info["vlnv"]]
    assert pd.ip_class("pbit_net").__name__ == "PBitNetIP"
    assert pd.binding_for("pbit_net").workload is run_pbit_net_board
    # No backpressured stream: no DMA in the design, samples come over the bus.
    assert info["streams"] == []


@pytest.mark.parametrize("seed", [None, 5])
def test_build_then_run_writes_what_sim_writes(built, activate, seed, tmp_path, capsys):
    cfg, config, dest, info = built["lattice"]
    dev = activate(built["lattice"])
    bit = dest / info["bitfile"]
    run_out, sim_out = tmp_path / "run.npz", tmp_path / "sim.npz"
    # 30 sweeps with an 8-deep buffer: 4 chunks (8, 8, 8, 6) drained over the bus.
    argv = ["--cycles", "30", *(["--seed", str(seed)] if seed is not None else []), "-o"]
    assert main(["run", str(cfg), "--board", "pynq-z2", "--bitfile", str(bit), *argv, str(run_out)]) == 0
    assert dev.downloads == 1
    assert main(["sim", str(cfg), "--backend", REF_BACKEND, *argv, str(sim_out)]) == 0
    ran, sim = np.load(run_out), np.load(sim_out)
    assert sorted(ran.files) == sorted(sim.files) == ["colors", "edges", "h_q", "j_q", "m"]
    for key in sim.files:
        assert ran[key].dtype == sim[key].dtype, key
        np.testing.assert_array_equal(ran[key], sim[key], err_msg=key)
    assert ran["m"].shape == (30, 16)
    assert "energy (physics convention" in capsys.readouterr().out


def test_workload_rewrites_all_state_a_board_keeps(built, activate):
    """A board keeps registers, spins, RNG streams and a running sweep between runs.

    Dirty every piece of state the workload depends on, leave the core sweeping, then
    run the workload on the same (not reset) core: it must still equal the golden run.
    """
    cfg, config, dest, info = built["lattice"]
    spec, stim = config.spec, config.stimulus
    activate(built["lattice"])
    ov = pd.open_overlay(dest / info["bitfile"])
    drv = pd.open_core(ov, "pbit_net", spec=spec)
    assert isinstance(drv, PBitNetDriver)
    drv.load_problem(-np.asarray(stim["h_q"]), -np.asarray(stim["j_q"]))
    drv.set_clamp(np.arange(spec.n) % 3 == 0, np.ones(spec.n, np.int8))
    drv.load_seed(99)
    drv.regs.write("BETA_MODE", 1)
    drv.regs.write("BETA_STEP", -12345)
    drv.regs.write("BETA_MULT", 3 << 29)
    drv.capture(False)
    drv.load_state(np.ones(spec.n, np.int8))
    drv.regs.write("BUF_SEL", 5)
    drv.sweep(0xFFFF_FFFF)  # still running when the workload starts
    assert drv.busy()
    from spinemu.gen.core_pbit import run as sim_run

    for seed in (None, 7):
        got = run_pbit_net_board(drv, spec, stim, 20, seed=seed)
        want = sim_run(spec, stim, 20, seed=seed, backend=REF_BACKEND)
        assert got.keys() == want.keys()
        assert got["m"].dtype == want["m"].dtype == np.int8
        np.testing.assert_array_equal(got["m"], want["m"])
    assert not drv.busy()


def _same_sampleset(a, b):
    assert list(a.variables) == list(b.variables)
    np.testing.assert_array_equal(a.record.sample, b.record.sample)
    np.testing.assert_array_equal(a.record.energy, b.record.energy)
    np.testing.assert_array_equal(a.record.num_occurrences, b.record.num_occurrences)
    ia, ib = dict(a.info), dict(b.info)
    assert (ia.pop("backend"), ib.pop("backend")) == ("pynq", REF_BACKEND)
    np.testing.assert_array_equal(ia.pop("beta_used"), ib.pop("beta_used"))
    assert ia == ib


def test_sampler_on_the_board_equals_golden(built, activate):
    cfg, config, dest, info = built["and"]
    activate(built["and"])
    bqm = and_gate()
    board = PBitSampler(
        backend="pynq", overlay=str(dest / info["bitfile"]), topology=bqm, sample_buffer_depth=0
    )
    gold = PBitSampler(topology=bqm, sample_buffer_depth=0, backend=REF_BACKEND)
    assert board.properties["num_pbits"] == 3 and board.properties["num_colors"] == 3
    runs = [
        dict(num_reads=12, num_sweeps=40, seed=3),
        # Best visited state: every sweep's sample is read back (STATE after each sweep).
        dict(num_reads=6, num_sweeps=25, seed=4, beta_range=(0.3, 3.0), return_best=True),
        # Custom schedule: BETA reloaded per run of equal β; plus a clamp.
        dict(
            num_reads=5,
            beta_schedule_type="custom",
            beta_schedule=[0.5] * 4 + [1.0] * 6 + [2.0] * 5,
            seed=8,
            clamp={"s0": 1},
        ),
    ]
    for kw in runs:
        _same_sampleset(board.sample(bqm, **kw), gold.sample(bqm, **kw))
    # Clamping the output to +1 forces both inputs to +1 in the AND gate's ground state:
    # at β = 2 the lowest excitation (ΔE >= 4 in dimod units) has Boltzmann weight <= e^-8.
    clamped = board.sample(bqm, **runs[2])
    assert (clamped.record.sample[:, list(clamped.variables).index("s0")] == 1).all()


def test_sampler_with_replicas_on_the_board_equals_golden(built, activate):
    """Three replicas: reads go in groups of three (the last one filled up), every
    sweep's three samples come through the capture buffer two sweeps at a time."""
    import dimod

    cfg, config, dest, info = built["replicas"]
    spec = config.spec
    assert spec.replicas == 3
    activate(built["replicas"])
    board = PBitSampler(backend="pynq", overlay=dest / info["bitfile"])
    bqm = dimod.BinaryQuadraticModel({k: 0.25 for k in range(16)}, {e: -1.0 for e in spec.edges}, 0.0, "SPIN")
    gold = PBitSampler(
        topology=list(spec.edges), n=16, sample_buffer_depth=8, replicas=3, backend=REF_BACKEND
    )
    best = dict(num_reads=4, num_sweeps=9, seed=2, return_best=True)
    for kw in (best, dict(num_reads=3, num_sweeps=20, seed=5)):
        a, b = board.sample(bqm, **kw), gold.sample(bqm, **kw)
        _same_sampleset(a, b)
        # two colors, each a window of max(3, REPLICA_STAGES) clocks
        assert a.info["replicas"] == 3 and a.info["clocks_per_sweep"] == 2 * max(3, REPLICA_STAGES)


def test_sampler_takes_the_overlays_hardware(built, activate):
    """Without a topology the sampler runs on the overlay's graph, p-bits 0 .. n-1."""
    import dimod

    cfg, config, dest, info = built["lattice"]
    spec = config.spec
    activate(built["lattice"])
    board = PBitSampler(backend="pynq", overlay=dest / info["bitfile"])
    assert board.properties["num_pbits"] == 16 and board.properties["num_colors"] == 2
    bqm = dimod.BinaryQuadraticModel({k: 0.5 for k in range(16)}, {e: -1.0 for e in spec.edges}, 0.0, "SPIN")
    gold = PBitSampler(topology=list(spec.edges), n=16, sample_buffer_depth=8, backend=REF_BACKEND)
    kw = dict(num_reads=4, num_sweeps=30, seed=2, return_best=True)
    _same_sampleset(board.sample(bqm, **kw), gold.sample(bqm, **kw))


def test_board_errors(built, activate, tmp_path):
    cfg, config, dest, info = built["and"]
    bit = dest / info["bitfile"]
    # The backend and the overlay go together.
    with pytest.raises(ValueError, match="overlay is needed by"):
        PBitSampler(backend="pynq", topology=and_gate())
    with pytest.raises(ValueError, match="overlay is needed by"):
        PBitSampler(topology=and_gate(), overlay=bit)
    # Other hardware than the overlay's: a clear error naming the fields, before any bus access.
    dev = activate(built["and"])
    with pytest.raises(pd.DeploymentError, match=r"other hardware: .*j_bits 6 \(here 8\)"):
        PBitSampler(backend="pynq", overlay=bit, topology=and_gate(), sample_buffer_depth=0, j_bits=8)
    with pytest.raises(pd.DeploymentError, match=r"other hardware: n 3 \(here 4\)"):
        PBitSampler(backend="pynq", overlay=bit, topology=xor_gate(), sample_buffer_depth=0)
    assert dev.transactions == 0
    # Another core's overlay.
    manifest = dest / "overlay" / "manifest.json"
    saved = manifest.read_text()
    manifest.write_text(json.dumps({"spec": {"kind": "hopfield"}}))
    with pytest.raises(pd.DeploymentError, match="holds a hopfield core, not a p-bit network"):
        PBitSampler(backend="pynq", overlay=bit)
    # Without manifest.json the core itself says it is other hardware (N, NCOLORS registers).
    manifest.unlink()
    try:
        with pytest.raises(pd.DeploymentError, match="no manifest.json"):
            PBitSampler(backend="pynq", overlay=bit)
        with pytest.raises(ValueError, match="the core has 3 p-bits in 3 colors but the spec says 4"):
            PBitSampler(backend="pynq", overlay=bit, topology=xor_gate(), sample_buffer_depth=0)
    finally:
        manifest.write_text(saved)
    # The IP is not in the overlay.
    dev = activate(built["and"])
    dev.ip_dict = ip_description("xilinx.com:ip:axi_gpio:2.0", name="gpio")
    with pytest.raises(pd.DeploymentError, match="IP spinemu.org:spinemu:pbit_net:1.0 is not in the overlay"):
        PBitSampler(backend="pynq", overlay=bit, topology=and_gate(), sample_buffer_depth=0)
    # A register write that does not reach the core.
    dev = activate(built["and"])
    spec = config.spec
    dev.stuck_low[spec.regmap["BETA_MULT"].address()] = 1 << 30
    board = PBitSampler(backend="pynq", overlay=bit, topology=and_gate(), sample_buffer_depth=0)
    # a geometric schedule's ratio (u2.30) in [1, 2) has bit 30 set; stuck low, the
    # core holds the value without it.
    with pytest.raises(BusError, match=r"wrote 0x[4-7][0-9a-f]{7} to BETA_MULT .* but read 0x[0-9a-f]+"):
        board.sample(and_gate(), num_reads=1, num_sweeps=5, seed=1, beta_range=(0.5, 2.0))
    # A done flag that does not come in time: 10**6 sweeps of 3 clocks take far more than
    # 0.2 s of model time at a few clocks per bus poll.  The next run still equals golden
    # (the driver first stops the core at the end of its current sweep).
    dev.stuck_low.clear()
    board = PBitSampler(backend="pynq", overlay=bit, topology=and_gate(), sample_buffer_depth=0, timeout=0.2)
    with pytest.raises(
        pd.DoneTimeout, match=r"STATUS.BUSY == 0 after 1000000 sweeps did not come within 0.2 s"
    ):
        board.sample(and_gate(), num_sweeps=10**6, beta_range=(1.0, 1.0), beta_schedule_type="linear", seed=1)
    assert board._board.busy()
    gold = PBitSampler(topology=and_gate(), sample_buffer_depth=0, backend=REF_BACKEND)
    kw = dict(num_reads=3, num_sweeps=10, seed=6)
    _same_sampleset(board.sample(and_gate(), **kw), gold.sample(and_gate(), **kw))
