"""A partitioned p-bit machine run as ``K`` native Verilator models joined by links.

:func:`run_machine` builds one model per device (:func:`~spinemu.gen.pbit_machine.device_design`),
programs each through its registers with :class:`~.pbit_net_driver.PBitNetDriver`
exactly as a board would be (its share of ``h`` and ``J``, clamps, the machine's seed,
β schedule and ``EXCH_PERIOD``/``EXCH_LATENCY``), and clocks the models side by side.
A link model carries every word a device's ``tx`` stream sends to the ``rx`` port of
each device that reads its boundary, ``link_clocks`` clocks later, in order, buffered
without bound (a board needs room for ``ceil(D / E) + 1`` sets per link: see
:mod:`spinemu.hdl.pbit_exchange`).  The devices start their runs at different clocks
(the host writes ``SWEEPS`` to one after the other), as they would on boards.

The result is the golden model's :class:`~spinemu.sim_golden.pbit_net.NetRun` of the
whole network: :meth:`~spinemu.sim_golden.pbit_net.PBitNetGolden.run` with
``exchange=Exchange(partition, period=E, latency=D)`` gives the same samples, whatever
``link_clocks`` is.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from ..sim_golden.pbit_net import BetaRegisters, NetRun, PBitNetGolden
from ..sim_golden.pbit_net_device import device_plans
from ..sim_golden.pbit_net_partition import MachinePartition
from ..sim_golden.pbit_net_regmap import EXCHANGE_FIELD_BITS
from ..sim_golden.pbit_net_spec import PBitNetSpec
from ..sim_golden.pbit_net_tables import sweep_clocks
from .pbit_net_driver import (
    PBitNetDriver,
    _load_schedule,
    _net_result,
    _run_inputs,
    _unpack,
)

__all__ = ["run_machine", "run_machine_on_chip", "load_machine", "MachineStats"]

_MACHINE_MODELS: dict = {}


@dataclass
class MachineStats:
    """Clocks of the last :func:`run_machine` (summed over reads).

    Attributes
    ----------
    clocks : int
        Co-simulated clocks after the last ``SWEEPS`` write.
    words : int
        Words the links carried.
    sets : int
        Boundary sets sent (words with ``tx_last``).
    """

    clocks: int = 0
    words: int = 0
    sets: int = 0


#: Figures of the most recent :func:`run_machine` call.
last_stats = MachineStats()


def _device_model(plan):
    """The native model of one device, built (cached on disk) and kept loaded."""
    from ..gen.native import build_native  # development machines only
    from ..gen.pbit_machine import device_design

    design = device_design(plan)
    if design.digest not in _MACHINE_MODELS:
        _MACHINE_MODELS[design.digest] = build_native(design)
    return _MACHINE_MODELS[design.digest]


def _check_link(name: str, value, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not lo <= value <= hi:
        raise ValueError(f"{name} must be an integer in {lo}..{hi}, not {value!r}")
    return int(value)


def run_machine(
    spec: PBitNetSpec,
    partition: MachinePartition,
    h_q,
    j_q,
    *,
    num_sweeps: int,
    beta: BetaRegisters,
    num_reads: int = 1,
    seed: int | None = None,
    initial_states=None,
    clamp_mask=None,
    clamp_values=None,
    record: str = "none",
    gain_q=None,
    offset_q=None,
    exchange_period: int = 1,
    link_latency: int = 0,
    link_clocks: int = 0,
) -> NetRun:
    """Run ``spec``'s network split as ``partition`` on co-simulated device models.

    Parameters are those of :func:`~.pbit_sampler.run_network` (``beta`` must be a
    :class:`~spinemu.sim_golden.pbit_net.BetaRegisters` schedule: the devices count
    color phases from one ``SWEEPS`` write), plus the exchange period ``E`` and
    latency ``D`` in color phases (:class:`~spinemu.sim_golden.pbit_net_partition.Exchange`)
    and ``link_clocks``, the links' delay in clocks (it changes the clocks a run takes,
    never its samples).
    """
    delay = _check_link("link_clocks", link_clocks, 0, 1 << 20)
    run = _MachineRun(spec, beta, record, exchange_period, link_latency, num_sweeps, num_reads)
    plans = device_plans(spec, partition)
    S, R, n = run.sweeps, run.reads, spec.n
    init, cmask, cval = _run_inputs(n, R, initial_states, clamp_mask, clamp_values)
    models, drivers = [], []
    h_q, j_q = np.asarray(h_q), np.asarray(j_q)
    for plan in plans:
        model = _device_model(plan)
        model.reset()
        drv = PBitNetDriver(_mmio(model), plan.spec)
        betas = run.program(drv, plan, h_q, j_q, cmask, cval, seed, gain_q, offset_q)
        if plan.spec.ghosts:
            model.set("tx_ready", 1)
        models.append(model)
        drivers.append(drv)
    # the links: every (receiver, port) fed by a sender, in the order of the sender's words
    links = {d: [] for d in range(len(plans))}
    for d, plan in enumerate(plans):
        for k, src in enumerate(plan.sources):
            links[src.device].append((d, k))
    queues = {(d, k): deque() for d, plan in enumerate(plans) for k in range(len(plan.sources))}

    finals = np.empty((R, n), np.int8)
    samples = np.empty((R, S, n), np.int8) if record in ("all", "best") else None
    stats = MachineStats()
    limit = (S + 2) * sweep_clocks(spec) * (8 + 4 * delay) + 100 * (S + 2) * max(
        (p.boundary_words for p in plans), default=1
    ) * spec.num_colors + 10_000
    for r in range(R):
        for plan, drv, model in zip(plans, drivers, models, strict=True):
            drv.load_state(init[r][plan.pbits])
            if S:
                model.record("sample", "sample_valid", S)
        for drv in drivers:
            if S:
                drv.set_beta(beta.start)
                drv.sweep(S)
        clock = 0
        while S and any(m.recorded < S for m in models):
            if clock > limit:
                left = [d for d, m in enumerate(models) if m.recorded < S]
                raise TimeoutError(f"devices {left} did not finish {S} sweeps in {limit} clocks")
            _tick(plans, models, queues, links, clock, delay, stats)
            clock += 1
        stats.clocks += clock
        if any(queues.values()):
            raise RuntimeError("words left in a link after the run: the devices disagree on the exchange")
        for plan, drv, model in zip(plans, drivers, models, strict=True):
            if S:
                words = model.stop_recording()
                if samples is not None:
                    samples[r][:, plan.pbits] = _unpack(words, plan.spec.n)
            finals[r, plan.pbits] = drv.state()
    global last_stats
    last_stats = stats
    start = np.where(cmask, cval, init).astype(np.int8)
    return _net_result(spec, h_q, j_q, record, finals, samples, start, betas)


def load_machine(description, spec: PBitNetSpec) -> MachinePartition:
    """The partition a ``machine.json`` (a path or its parsed dict) describes, checked
    against ``spec`` (no partitioner needed: a board's image may lack pymetis).

    Raises ``ValueError`` naming what is wrong: more devices than p-bits, a p-bit on no
    device or on two, a device count that disagrees with the list, a link missing or
    one the partition does not have.
    """
    import json
    from pathlib import Path

    if isinstance(description, str | Path):
        try:
            description = json.loads(Path(description).read_text())
        except (OSError, ValueError) as exc:
            raise ValueError(f"cannot read the machine description {description}: {exc}") from None
    if not isinstance(description, dict) or not isinstance(description.get("device"), list):
        raise ValueError("a machine description is machine.json's object, with a 'device' list")
    count = description.get("devices")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= spec.n:
        raise ValueError(f"machine.json: devices must be an integer in 1..n = {spec.n}, not {count!r}")
    if len(description["device"]) != count:
        raise ValueError(f"machine.json: devices = {count} but {len(description['device'])} device entries")
    part = np.full(spec.n, -1, np.int64)
    for d, dev in enumerate(description["device"]):
        for i in dev.get("pbits", []):
            if not isinstance(i, int) or not 0 <= i < spec.n:
                raise ValueError(f"machine.json: device {d} holds p-bit {i!r}, not one of 0..{spec.n - 1}")
            if part[i] >= 0:
                raise ValueError(f"machine.json: p-bit {i} is on devices {part[i]} and {d}")
            part[i] = d
    if (part < 0).any():
        raise ValueError(f"machine.json: p-bit {int(np.argmax(part < 0))} is on no device")
    e = spec.edge_array
    cut = np.flatnonzero(part[e[:, 0]] != part[e[:, 1]]) if len(e) else np.zeros(0, np.int64)
    partition = MachinePartition(count, part, cut)
    want = {(src.device, plan.device, f"rx{k}") for plan in device_plans(spec, partition)
            for k, src in enumerate(plan.sources)}  # fmt: skip
    links = description.get("links", [])
    have = {(ln.get("from"), ln.get("to"), ln.get("port")) for ln in links if isinstance(ln, dict)}
    for s_, d_, port in sorted(want - have):
        raise ValueError(f"machine.json: the link from device {s_} to device {d_} ({port}) is missing")
    for s_, d_, port in sorted(have - want, key=str):
        raise ValueError(
            f"machine.json: a link from device {s_} to device {d_} ({port}) that the partition does not "
            "have (they share no coupling, or the port is another source's)"
        )
    return partition


class _MachineRun:
    """The checked arguments of a machine run, and how each device is programmed."""

    def __init__(self, spec, beta, record, period, latency, sweeps, reads):
        if not isinstance(spec, PBitNetSpec):
            raise TypeError(f"spec must be a PBitNetSpec, not {spec!r}")
        if not isinstance(beta, BetaRegisters):
            raise ValueError(
                "a machine of several devices runs on-chip schedules only (BetaRegisters: constant, "
                "linear or geometric), not an explicit list of beta values"
            )
        if record not in ("none", "all", "best"):
            raise ValueError(f"record must be 'none', 'all' or 'best', not {record!r}")
        top = (1 << EXCHANGE_FIELD_BITS) - 1
        self.spec, self.beta, self.record = spec, beta, record
        self.period = _check_link("exchange_period", period, 1, top)
        self.latency = _check_link("link_latency", latency, 0, top)
        self.sweeps = _check_link("num_sweeps", sweeps, 0, (1 << 32) - 1)
        self.reads = _check_link("num_reads", reads, 1, 1 << 20)

    def program(self, drv, plan, h_q, j_q, cmask, cval, seed, gain_q, offset_q) -> list:
        """Load device ``plan``'s share of the problem, the seed, schedule and exchange;
        return the per-sweep ``beta_acc``."""
        spec = self.spec
        h_loc, j_loc = plan.local_values(h_q, j_q)
        drv.load_problem(h_loc, j_loc)
        drv.set_clamp(cmask[plan.pbits], cval[plan.pbits])
        if spec.compensation:
            gain, offset = PBitNetGolden(spec)._check_compensation(gain_q, offset_q)
            drv.set_compensation(gain[plan.pbits], offset[plan.pbits])
        elif gain_q is not None or offset_q is not None:
            raise ValueError("gain_q/offset_q need a Spec with compensation = true")
        drv.load_seed(spec.seed if seed is None else seed)
        betas, _ = _load_schedule(drv, self.beta, self.sweeps)
        if plan.spec.ghosts:
            drv.regs.write("EXCH_PERIOD", self.period)
            drv.regs.write("EXCH_LATENCY", self.latency)
        return betas


def run_machine_on_chip(
    mmio,
    spec: PBitNetSpec,
    partition,
    h_q,
    j_q,
    *,
    num_sweeps: int,
    beta: BetaRegisters,
    num_reads: int = 1,
    seed: int | None = None,
    initial_states=None,
    clamp_mask=None,
    clamp_values=None,
    record: str = "none",
    gain_q=None,
    offset_q=None,
    exchange_period: int = 1,
    link_latency: int = 0,
    advance=None,
    timeout: float = 60.0,
) -> NetRun:
    """Run a whole machine built on one chip (``spinemu build --one-board``; gateware
    :class:`~spinemu.hdl.pbit_machine_top.PBitMachineTop`) through its register bus.

    ``mmio`` reaches every device: device ``k``'s registers at ``k << window`` (the
    widest device register map).  ``partition`` is a
    :class:`~spinemu.sim_golden.pbit_net_partition.MachinePartition` or the build's
    ``machine.json`` (:func:`load_machine`).  Each device is programmed as a board would be; every
    device's capture buffer keeps its sweeps, so ``record`` ``"all"`` or ``"best"``
    needs ``num_sweeps`` within ``spec.sample_buffer_depth``.  ``advance`` (simulation:
    run the model some clocks) is called between polls of ``STATUS``; a board polls
    until ``timeout`` seconds pass.  The samples are the golden machine's.
    """
    import time

    from ..sim_golden.pbit_net_device import max_link_latency
    from .mmio import WindowMMIO

    run = _MachineRun(spec, beta, record, exchange_period, link_latency, num_sweeps, num_reads)
    if run.latency > max_link_latency(run.period):
        raise ValueError(
            f"link_latency = {run.latency} exceeds {max_link_latency(run.period)} = (LINK_SETS + 1) x "
            "exchange_period: the one-chip machine's link FIFOs would fill and its devices wait on each "
            "other"
        )
    if not isinstance(partition, MachinePartition):
        partition = load_machine(partition, spec)
    S, R, n = run.sweeps, run.reads, spec.n
    if record != "none" and S > spec.sample_buffer_depth:
        raise ValueError(
            f"record = {record!r} keeps every sweep in the devices' capture buffers: num_sweeps = {S} "
            f"exceeds sample_buffer_depth = {spec.sample_buffer_depth}"
        )
    plans = device_plans(spec, partition)
    window = max(plan.spec.regmap.addr_width for plan in plans)
    drivers = [PBitNetDriver(WindowMMIO(mmio, plan.device << window), plan.spec) for plan in plans]
    init, cmask, cval = _run_inputs(n, R, initial_states, clamp_mask, clamp_values)
    h_q, j_q = np.asarray(h_q), np.asarray(j_q)
    for plan, drv in zip(plans, drivers, strict=True):
        betas = run.program(drv, plan, h_q, j_q, cmask, cval, seed, gain_q, offset_q)
        drv.capture(record != "none")
    finals = np.empty((R, n), np.int8)
    samples = np.empty((R, S, n), np.int8) if record != "none" else None
    for r in range(R):
        counts = []
        for plan, drv in zip(plans, drivers, strict=True):
            drv.load_state(init[r][plan.pbits])
            counts.append(drv.regs.read("BUF_COUNT") if record != "none" else 0)
        for drv in drivers:
            if S:
                drv.set_beta(beta.start)
                drv.sweep(S)
        deadline = time.monotonic() + timeout
        while any(drv.busy() for drv in drivers):
            if time.monotonic() > deadline:
                left = [plan.device for plan, drv in zip(plans, drivers, strict=True) if drv.busy()]
                raise TimeoutError(f"devices {left} still sweeping after {timeout:g} s")
            if advance is not None:
                advance()
        for plan, drv, since in zip(plans, drivers, counts, strict=True):
            if samples is not None and S:
                samples[r][:, plan.pbits] = drv.drain(since)
            finals[r, plan.pbits] = drv.state()
    start = np.where(cmask, cval, init).astype(np.int8)
    return _net_result(spec, h_q, j_q, record, finals, samples, start, betas)


def _mmio(model):
    from .mmio import VerilatorMMIO

    return VerilatorMMIO(model)


def _tick(plans, models, queues, links, clock: int, delay: int, stats: MachineStats) -> None:
    """One clock of every device and link: present each link's head word, take ``tx``."""
    for d, (plan, model) in enumerate(zip(plans, models, strict=True)):
        offered = []
        for k in range(len(plan.sources)):
            q = queues[(d, k)]
            valid = bool(q) and q[0][0] <= clock
            model.set(f"rx{k}_valid", int(valid))
            if valid:
                model.set(f"rx{k}_payload", q[0][1])
                offered.append(k)
        sending = plan.spec.ghosts and model.get("tx_valid")
        word = model.get("tx_payload") if sending else None
        last = sending and model.get("tx_last")
        taken = [k for k in offered if model.get(f"rx{k}_ready")]
        model.step(1)
        for k in taken:
            queues[(d, k)].popleft()
        if sending:
            stats.words += 1
            stats.sets += bool(last)
            for receiver in links[d]:
                queues[receiver].append((clock + 1 + delay, word))
