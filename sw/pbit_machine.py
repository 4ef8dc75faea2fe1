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

__all__ = ["run_machine", "MachineStats"]

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
    if not isinstance(spec, PBitNetSpec):
        raise TypeError(f"spec must be a PBitNetSpec, not {spec!r}")
    if not isinstance(beta, BetaRegisters):
        raise ValueError(
            "a machine of several devices runs on-chip schedules only (BetaRegisters: constant, linear "
            "or geometric), not an explicit list of beta values"
        )
    if record not in ("none", "all", "best"):
        raise ValueError(f"record must be 'none', 'all' or 'best', not {record!r}")
    top = (1 << EXCHANGE_FIELD_BITS) - 1
    period = _check_link("exchange_period", exchange_period, 1, top)
    latency = _check_link("link_latency", link_latency, 0, top)
    delay = _check_link("link_clocks", link_clocks, 0, 1 << 20)
    S = _check_link("num_sweeps", num_sweeps, 0, (1 << 32) - 1)
    R = _check_link("num_reads", num_reads, 1, 1 << 20)
    plans = device_plans(spec, partition)
    n = spec.n
    init, cmask, cval = _run_inputs(n, R, initial_states, clamp_mask, clamp_values)
    models, drivers = [], []
    h_q, j_q = np.asarray(h_q), np.asarray(j_q)
    for plan in plans:
        model = _device_model(plan)
        model.reset()
        drv = PBitNetDriver(_mmio(model), plan.spec)
        h_loc, j_loc = plan.local_values(h_q, j_q)
        drv.load_problem(h_loc, j_loc)
        drv.set_clamp(cmask[plan.pbits], cval[plan.pbits])
        if spec.compensation:
            gain, offset = PBitNetGolden(spec)._check_compensation(gain_q, offset_q)
            drv.set_compensation(gain[plan.pbits], offset[plan.pbits])
        elif gain_q is not None or offset_q is not None:
            raise ValueError("gain_q/offset_q need a Spec with compensation = true")
        drv.load_seed(spec.seed if seed is None else seed)
        betas, _ = _load_schedule(drv, beta, S)
        if plan.spec.ghosts:
            drv.regs.write("EXCH_PERIOD", period)
            drv.regs.write("EXCH_LATENCY", latency)
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
