"""K devices of a partitioned p-bit machine as K native Verilator models joined by a link
model (sw/pbit_machine.py), against the golden model of the whole machine.

Each device is the gateware of hdl/pbit_device.py built from its plan
(sim_golden/pbit_net_device.py): its own p-bits, ghost inputs, a boundary stream out and
one stream in per device it reads.  The co-simulation must give the golden model's
samples (``PBitNetGolden.run(exchange=...)``) sample for sample at every exchange period
and latency, whatever the link's delay in clocks; with an exchange after every phase and
no latency it must give the monolithic machine's.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spinemu.sim_golden.pbit_net import BetaRegisters, PBitNetGolden
from spinemu.sim_golden.pbit_net_device import device_plans
from spinemu.sim_golden.pbit_net_partition import Exchange, partition_network
from spinemu.sim_golden.pbit_net_spec import MachinePlace, PBitNetSpec
from spinemu.sim_golden.validate import SpecError
from test_pbit_net_rtl import _bounded_degree_graph, _runs

__all__: list[str] = []

#: Two devices whose boundary sets take two words each (41 boundary p-bits a side).
SPEC_2 = PBitNetSpec(n=120, edges=_bounded_degree_graph(120, 5, seed=5), sample_buffer_depth=0)
#: Three devices, degree 6, each reading both others.
SPEC_3 = PBitNetSpec(n=48, edges=_bounded_degree_graph(48, 6, seed=6), sample_buffer_depth=0)
MACHINES = {"two": (SPEC_2, 2), "three": (SPEC_3, 3)}


def _golden(spec, part, run, period, latency):
    extra = {k: run[k] for k in ("gain_q", "offset_q") if k in run}
    return PBitNetGolden(spec, seed=run["seed"]).run(
        run["h"], run["j"], num_sweeps=run["num_sweeps"], beta=run["beta"], num_reads=run["num_reads"],
        initial_states=run["initial_states"], clamp_mask=run["clamp_mask"], clamp_values=run["clamp_values"],
        record=run["record"], exchange=Exchange(part, period=period, latency=latency), **extra,
    )  # fmt: skip


def _rtl(spec, part, run, period, latency, link_clocks):
    from spinemu.sw.pbit_machine import run_machine

    extra = {k: run[k] for k in ("gain_q", "offset_q") if k in run}
    return run_machine(
        spec, part, run["h"], run["j"], num_sweeps=run["num_sweeps"], beta=run["beta"],
        num_reads=run["num_reads"], seed=run["seed"], initial_states=run["initial_states"],
        clamp_mask=run["clamp_mask"], clamp_values=run["clamp_values"], record=run["record"],
        exchange_period=period, link_latency=latency, link_clocks=link_clocks, **extra,
    )  # fmt: skip


def _same(a, b):
    assert np.array_equal(a.states, b.states)
    for x, y in ((a.samples, b.samples), (a.best_states, b.best_states), (a.best_energies, b.best_energies)):
        assert (x is None) == (y is None)
        if x is not None:
            assert np.array_equal(x, y)
    assert list(a.beta_acc) == list(b.beta_acc)


def _on_chip(spec):
    return _runs(spec, max_reads=3, max_sweeps=40).filter(lambda r: isinstance(r["beta"], BetaRegisters))


@pytest.mark.parametrize("machine", sorted(MACHINES))
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_devices_cosimulated_equal_the_golden_machine(machine, data):
    spec, devices = MACHINES[machine]
    part = partition_network(spec, devices)
    run = data.draw(_on_chip(spec))
    period = data.draw(st.integers(1, 5), label="exchange_period")
    latency = data.draw(st.integers(0, 6), label="link_latency")
    link_clocks = data.draw(st.integers(0, 7), label="link_clocks")
    _same(_rtl(spec, part, run, period, latency, link_clocks), _golden(spec, part, run, period, latency))


def test_exchange_every_phase_without_latency_is_the_monolithic_machine():
    spec, devices = MACHINES["three"]
    part = partition_network(spec, devices)
    rng = np.random.default_rng(3)
    h, j = rng.integers(-32, 32, spec.n), rng.integers(-32, 32, spec.num_edges)
    beta = BetaRegisters.from_dict(spec.beta_registers("geometric", (0.1, 3.0), 60))
    from spinemu.sw.pbit_machine import run_machine

    kw = dict(num_sweeps=60, beta=beta, num_reads=2, record="all")
    mono = PBitNetGolden(spec, seed=9).run(h, j, **kw)
    _same(run_machine(spec, part, h, j, exchange_period=1, link_latency=0, link_clocks=3, seed=9, **kw), mono)
    # and a slower exchange is a different machine (the ghosts are really read)
    late = run_machine(spec, part, h, j, exchange_period=3, link_latency=2, seed=9, **kw)
    assert not np.array_equal(late.samples, mono.samples)


def test_link_delay_costs_clocks_never_samples():
    import spinemu.sw.pbit_machine as pm

    spec, devices = MACHINES["two"]
    part = partition_network(spec, devices)
    rng = np.random.default_rng(4)
    h, j = rng.integers(-32, 32, spec.n), rng.integers(-32, 32, spec.num_edges)
    beta = BetaRegisters(spec.beta_to_acc(1.0))
    kw = dict(num_sweeps=20, beta=beta, seed=2, record="all", exchange_period=2)
    runs, clocks = [], []
    for delay in (0, 12):
        runs.append(pm.run_machine(spec, part, h, j, link_clocks=delay, **kw))
        clocks.append(pm.last_stats.clocks)
    _same(*runs)
    # the 40 exchanges (20 sweeps of 4 phases, E = 2, D = 0) each wait for the link: most of
    # the extra 12 clocks show (the sender's own pipeline overlaps a little of them)
    exchanges = 20 * spec.num_colors // 2
    assert clocks[1] - clocks[0] >= 0.75 * 12 * exchanges
    # two words a set (41 boundary p-bits a side), sets 0 .. 39 from each device
    assert pm.last_stats.words == 2 * 2 * (20 * spec.num_colors // 2)
    assert pm.last_stats.sets == 2 * (20 * spec.num_colors // 2)  # tx_last closes every set


def test_device_plans_hold_each_cut_edge_once_on_each_side():
    for spec, devices in MACHINES.values():
        part = partition_network(spec, devices)
        plans = device_plans(spec, part)
        e = spec.edge_array
        seen = np.zeros(spec.num_edges, int)
        for plan in plans:
            local = plan.spec.edge_array
            ids = np.concatenate([plan.pbits, plan.ghost_ids])
            # every device edge is the machine edge it says, in the machine's J order
            assert np.array_equal(np.sort(ids[local], axis=1), e[plan.edge_ids])
            seen[plan.edge_ids] += 1
            assert list(plan.spec.colors) == spec.colors[plan.pbits].tolist()
            assert plan.spec.num_colors == spec.num_colors
            # a ghost's bit in its source's set is that p-bit's place in the source's boundary
            for src in plan.sources:
                sent = plans[src.device].pbits[list(plans[src.device].boundary)]
                for ghost, bit in src.bits:
                    assert sent[bit] == plan.ghost_ids[ghost]
            assert sum(len(s.bits) for s in plan.sources) == plan.spec.ghosts
        cut = np.zeros(spec.num_edges, bool)
        cut[part.cut] = True
        assert np.array_equal(seen, np.where(cut, 2, 1))  # a cut edge on both sides, others once


def test_device_specs_refuse_what_a_machine_cannot_be():
    place = MachinePlace(machine_pbits=4, ids=(0, 1), colors=(0, 1), num_colors=2, ghosts=2)
    PBitNetSpec(n=2, edges=((0, 1), (0, 2), (1, 3)), place=place)
    with pytest.raises(SpecError, match="one of the device's own p-bits"):
        PBitNetSpec(n=2, edges=((0, 1), (2, 3)), place=place)
    with pytest.raises(SpecError, match="different colors"):
        PBitNetSpec(n=2, edges=((0, 1),), place=MachinePlace(4, (0, 1), (1, 1), 2, 0))
    with pytest.raises(SpecError, match="parallel"):
        PBitNetSpec(n=2, edges=((0, 1),), place=place, fabric="multiplexed")
    with pytest.raises(SpecError, match="replicas"):
        PBitNetSpec(n=2, edges=((0, 1),), place=place, replicas=2)
    with pytest.raises(SpecError, match="place"):
        PBitNetSpec(n=2, edges=((0, 1),), place={"ghosts": 2})
    with pytest.raises(ValueError, match="as part of its machine"):
        PBitNetGolden(PBitNetSpec(n=2, edges=((0, 1), (0, 2)), place=place))


def test_machine_runs_refuse_bad_arguments():
    from spinemu.sw.pbit_machine import run_machine

    spec, devices = MACHINES["three"]
    part = partition_network(spec, devices)
    h, j = np.zeros(spec.n, int), np.zeros(spec.num_edges, int)
    with pytest.raises(ValueError, match="on-chip schedules"):
        run_machine(spec, part, h, j, num_sweeps=2, beta=[1, 2])
    with pytest.raises(ValueError, match="exchange_period must be an integer in 1..65535"):
        run_machine(spec, part, h, j, num_sweeps=2, beta=BetaRegisters(0), exchange_period=0)
    with pytest.raises(ValueError, match="partition has 40 p-bits"):
        other = partition_network(PBitNetSpec(n=40, edges=_bounded_degree_graph(40, 3, seed=1)), 2)
        run_machine(spec, other, h, j, num_sweeps=2, beta=BetaRegisters(0))


#: The three-device machine on one chip: capture buffers deep enough for a whole run.
SPEC_CHIP = PBitNetSpec(n=48, edges=_bounded_degree_graph(48, 6, seed=6), sample_buffer_depth=40)


@pytest.fixture(scope="module")
def chip():
    from spinemu.gen.native import build_native
    from spinemu.gen.pbit_machine import machine_design

    part = partition_network(SPEC_CHIP, 3)
    return part, build_native(machine_design(device_plans(SPEC_CHIP, part)))


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_machine_on_one_chip_equals_the_golden_machine(chip, data):
    """Every device on one chip, FIFO links between them, driven through one register bus
    (the board runner over the native model): the golden machine's samples."""
    from spinemu.sim_golden.pbit_net_device import max_link_latency
    from spinemu.sw.mmio import VerilatorMMIO
    from spinemu.sw.pbit_machine import run_machine_on_chip

    part, model = chip
    run = data.draw(_runs(SPEC_CHIP, max_reads=3, max_sweeps=40).filter(
        lambda r: isinstance(r["beta"], BetaRegisters)))  # fmt: skip
    period = data.draw(st.integers(1, 4), label="exchange_period")
    latency = data.draw(st.integers(0, max_link_latency(period)), label="link_latency")
    model.reset()
    hw = run_machine_on_chip(
        VerilatorMMIO(model), SPEC_CHIP, part, run["h"], run["j"], num_sweeps=run["num_sweeps"],
        beta=run["beta"], num_reads=run["num_reads"], seed=run["seed"],
        initial_states=run["initial_states"], clamp_mask=run["clamp_mask"],
        clamp_values=run["clamp_values"], record=run["record"], exchange_period=period,
        link_latency=latency, advance=lambda: model.step(64),
    )  # fmt: skip
    _same(hw, _golden(SPEC_CHIP, part, run, period, latency))


def test_one_chip_bus_and_limits(chip, tmp_path):
    """An address past the last device is DECERR; a latency the link FIFOs cannot hold and
    bad machine descriptions are refused with the reason."""
    import json

    from spinemu.gen.machine_artifacts import machine_description
    from spinemu.sw.mmio import BusError, VerilatorMMIO
    from spinemu.sw.pbit_machine import load_machine, run_machine_on_chip

    part, model = chip
    model.reset()
    mmio = VerilatorMMIO(model)
    window = max(p.spec.regmap.addr_width for p in device_plans(SPEC_CHIP, part))
    assert mmio.read(0) == mmio.read(2 << window) == SPEC_CHIP.regmap.ident  # ID of devices 0, 2
    with pytest.raises(BusError, match="DECERR"):
        mmio.read(3 << window)
    with pytest.raises(BusError, match="DECERR"):
        mmio.write(3 << window, 1)
    h, j = np.zeros(SPEC_CHIP.n, int), np.zeros(SPEC_CHIP.num_edges, int)
    with pytest.raises(ValueError, match="link_latency = 11 exceeds 10"):
        run_machine_on_chip(mmio, SPEC_CHIP, part, h, j, num_sweeps=2, beta=BetaRegisters(0),
                            exchange_period=2, link_latency=11)  # fmt: skip
    with pytest.raises(ValueError, match="exceeds sample_buffer_depth = 40"):
        run_machine_on_chip(mmio, SPEC_CHIP, part, h, j, num_sweeps=41, beta=BetaRegisters(0), record="all")
    # machine.json round trip, then broken copies of it
    desc = json.loads(json.dumps(machine_description(SPEC_CHIP, Exchange(part))))
    assert np.array_equal(load_machine(desc, SPEC_CHIP).part_of, part.part_of)
    path = tmp_path / "machine.json"
    path.write_text(json.dumps(desc))
    assert np.array_equal(load_machine(path, SPEC_CHIP).cut, part.cut)
    bad = json.loads(json.dumps(desc))
    gone = bad["links"].pop(0)
    missing = f"link from device {gone['from']} to device {gone['to']}.*is missing"
    with pytest.raises(ValueError, match=missing):
        load_machine(bad, SPEC_CHIP)
    bad = json.loads(json.dumps(desc))
    bad["device"][1]["pbits"].append(bad["device"][0]["pbits"][0])
    with pytest.raises(ValueError, match="is on devices 0 and 1"):
        load_machine(bad, SPEC_CHIP)
    bad = dict(desc, devices=49)
    with pytest.raises(ValueError, match="devices must be an integer in 1..n = 48"):
        load_machine(bad, SPEC_CHIP)
    bad = json.loads(json.dumps(desc))
    bad["device"][2]["pbits"].pop()
    with pytest.raises(ValueError, match="is on no device"):
        load_machine(bad, SPEC_CHIP)
