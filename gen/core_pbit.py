"""Core plugin of ``kind = "pbit"`` (see :mod:`spinemu.gen.cores`).

Without a ``[problem]`` table the config describes the p-bit array primitive:
``n`` independent p-bits at constant inputs given by ``[stimulus] I``.

With a ``[problem]`` table it describes the p-bit network (Ising machine,
:class:`~spinemu.sim_golden.pbit_net_spec.PBitNetSpec`): the problem fixes the
topology (and the h/J values loaded at run time), ``[pbit]`` holds the hardware
fields, ``[anneal]`` the β of ``spinemu sim``/``verify`` runs (one read, one sample per
sweep)::

    name = "ising_demo"
    [core]
    kind = "pbit"
    [problem]
    type = "lattice2d"        # or "lattice3d", "ea3d" (+ seed), "gset" (file = "G1.txt"),
    L = 8                     # "bqm-json" (file = "p.json"); lattices: side, J = 1.0, h = 0.0,
                              # periodic = true; ea3d: +-1 couplings drawn from seed
    [pbit]                    # PBitNetSpec fields except n/edges (dense = true allowed)
    j_bits = 8
    frac_bits = 4
    [anneal]
    beta = 0.5                # constant; or beta_range = [0.1, 2.0] + schedule = "geometric"
    [machine]                 # optional: the network split over several boards
    devices = 4               # parts (METIS, pymetis); 1 = one board (the default)
    exchange_period = 1       # E: color phases between boundary refreshes (eta = 1 / E)
    link_latency = 0          # D: color phases before a refresh is seen
    partition_seed = 0        # METIS seed

With ``devices > 1`` ``spinemu gen`` writes one design per device (``device<k>/``) and
``machine.json`` (:mod:`.machine_artifacts`); ``sim``/``verify`` run the machine: the
golden model of the whole machine, or one native model per device joined by links.

``file`` paths are relative to the config file; G-set errors carry the line number.
G-set graphs become Max-Cut Ising problems (``J = -w``); ``bqm-json`` is dimod's
``BinaryQuadraticModel.to_serializable()`` as JSON, in dimod's sign convention.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..sim_golden.pbit_net_spec import MAX_NET_PBITS, PBitNetSpec
from ..sim_golden.pbit_spec import PBitArraySpec
from ..sim_golden.validate import SpecError
from .config import ConfigError, check_keys, require_table, where
from .fidelity_pbit_net import fidelity_pbit as fidelity

__all__ = [
    "KIND", "TABLES", "SPEC_TYPES", "parse", "top_name", "make_top", "run", "extras", "summary",
    "fidelity", "designs",
]

KIND = "pbit"
TABLES = ("pbit", "stimulus", "problem", "anneal", "machine")
SPEC_TYPES = (PBitArraySpec, PBitNetSpec)


def parse(data: dict, source: str):
    """Validate ``[pbit]`` and ``[stimulus]``; return ``(spec, {"I": ..., "I_q": ...})``.

    With a ``[problem]`` table: the p-bit network (see the module docstring).
    """
    if "problem" in data:
        return _parse_net(data, source)
    if "anneal" in data:
        raise ConfigError(f"{where(source)}[anneal] needs a [problem] table (the p-bit network)")
    table = require_table(data, "pbit", source)
    fields = {f.name for f in dataclasses.fields(PBitArraySpec)}
    check_keys(table, fields, "pbit.", source)
    if "n" not in table:
        raise ConfigError(f"{where(source)}missing key pbit.n (the number of p-bits)")
    kwargs = dict(table)
    if "lfsr_taps" in kwargs:
        taps = kwargs["lfsr_taps"]
        if not isinstance(taps, list):
            raise ConfigError(
                f"{where(source)}pbit.lfsr_taps = {taps!r} is not allowed: expected a list of integers"
            )
        kwargs["lfsr_taps"] = tuple(taps)
    for key in ("rng", "sigmoid"):
        if key in kwargs and not isinstance(kwargs[key], str):
            raise ConfigError(
                f"{where(source)}pbit.{key} = {kwargs[key]!r} is not allowed: expected a string"
            )
    try:
        spec = PBitArraySpec(**kwargs)
    except SpecError as exc:
        raise ConfigError(f"{where(source)}pbit.{exc}") from None

    stim = data.get("stimulus", {})
    if not isinstance(stim, dict):
        raise ConfigError(f"{where(source)}[stimulus] must be a table, not {stim!r}")
    check_keys(stim, {"I"}, "stimulus.", source)
    values = stim.get("I", [0.0] * spec.n)
    if not isinstance(values, list) or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in values
    ):
        raise ConfigError(
            f"{where(source)}stimulus.I = {values!r} is not allowed: expected a list of {spec.n} numbers"
        )
    if len(values) != spec.n:
        raise ConfigError(
            f"{where(source)}stimulus.I has {len(values)} values but pbit.n = "
            f"{spec.n}: give one input per p-bit"
        )
    try:
        i_q = spec.quantize_inputs(values)
    except SpecError as exc:
        raise ConfigError(f"{where(source)}stimulus.{exc}") from None
    return spec, {"I": [float(v) for v in values], "I_q": np.asarray(i_q, dtype=np.int64)}


_PROBLEM_KEYS = {
    "lattice2d": {"type", "L", "J", "h", "periodic"},
    "lattice3d": {"type", "L", "J", "h", "periodic"},
    "ea3d": {"type", "L", "seed", "periodic"},
    "sk": {"type", "n", "seed"},
    "gset": {"type", "file"},
    "bqm-json": {"type", "file"},
}


def _problem(table: dict, source: str):
    """The :class:`~spinemu.sim_golden.problems.IsingProblem` of a ``[problem]`` table."""
    from pathlib import Path

    from ..sim_golden import problems

    kind = table.get("type")
    if kind not in _PROBLEM_KEYS:
        raise ConfigError(
            f"{where(source)}problem.type = {kind!r} is not allowed: expected one "
            f"of {', '.join(map(repr, _PROBLEM_KEYS))}"
        )
    check_keys(table, _PROBLEM_KEYS[kind], "problem.", source)
    if kind in ("lattice2d", "lattice3d", "ea3d"):
        if "L" not in table:
            raise ConfigError(f"{where(source)}missing key problem.L (the lattice side)")
        periodic = table.get("periodic", True)
        try:
            if kind == "ea3d":
                seed = table.get("seed", 0)
                if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
                    raise ValueError(f"seed must be an integer >= 0, not {seed!r}")
                return problems.edwards_anderson_3d(table["L"], seed=seed, periodic=periodic)
            make = problems.lattice_2d if kind == "lattice2d" else problems.lattice_3d
            return make(table["L"], J=table.get("J", 1.0), periodic=periodic, h=table.get("h", 0.0))
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"{where(source)}problem: {exc}") from None
    if kind == "sk":
        try:
            return problems.sherrington_kirkpatrick(table.get("n"), seed=table.get("seed", 0))
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"{where(source)}problem: {exc}") from None
    if not isinstance(table.get("file"), str):
        raise ConfigError(
            f"{where(source)}problem.file = {table.get('file')!r} is not allowed: "
            "expected a path (relative to the config file)"
        )
    path = Path(table["file"])
    if not path.is_absolute():
        path = (Path(source).parent if source else Path.cwd()) / path
    if not path.is_file():
        raise ConfigError(f"{where(source)}problem.file: {path} not found")
    if kind == "gset":
        try:
            graph = problems.read_gset(path)
        except problems.ProblemFormatError as exc:
            raise ConfigError(f"{where(source)}problem.file {path}: {exc}") from None
        return problems.maxcut_to_ising(graph)
    import json

    import dimod

    try:
        bqm = dimod.BinaryQuadraticModel.from_serializable(json.loads(path.read_text()))
    except Exception as exc:  # noqa: BLE001 - any parse failure is the user's file
        raise ConfigError(
            f"{where(source)}problem.file {path}: not a dimod BQM JSON ({type(exc).__name__}: {exc})"
        ) from None
    prob = problems.from_bqm(bqm)
    if any(lab != k for k, lab in enumerate(prob.labels)):
        prob = problems.IsingProblem(h=prob.h, edges=prob.edges, weights=prob.weights)
    return prob


def _parse_net(data: dict, source: str):
    """``(PBitNetSpec, {"h_q", "j_q", "anneal"})`` of a p-bit network config."""
    from ..sim_golden.pbit_net_spec import PBitNetSpec

    prob = _problem(require_table(data, "problem", source), source)
    hw = data.get("pbit", {})
    if not isinstance(hw, dict):
        raise ConfigError(f"{where(source)}[pbit] must be a table, not {hw!r}")
    allowed = {f.name for f in dataclasses.fields(PBitNetSpec)} - {"n", "edges"}
    check_keys(hw, allowed, "pbit.", source)
    kwargs = dict(hw)
    if "lfsr_taps" in kwargs:
        kwargs["lfsr_taps"] = (
            tuple(kwargs["lfsr_taps"]) if isinstance(kwargs["lfsr_taps"], list) else kwargs["lfsr_taps"]
        )
    if not kwargs.get("dense", False):
        kwargs["edges"] = tuple(map(tuple, prob.edges.tolist()))
    try:
        spec = PBitNetSpec(n=prob.n, **kwargs)
    except SpecError as exc:
        raise ConfigError(f"{where(source)}pbit.{exc}") from None
    j = np.zeros(spec.num_edges)
    for (a, b), w in zip(prob.edges.tolist(), prob.weights, strict=True):
        j[spec.edge_index[(a, b)]] = w
    try:
        h_q = spec.quantize(prob.h, spec.h_bits, "h", prob.labels)
        j_q = spec.quantize(j, spec.j_bits, "J", [str(e) for e in spec.edges])
    except ValueError as exc:
        raise ConfigError(f"{where(source)}problem: {exc}") from None
    if "stimulus" in data:
        raise ConfigError(
            f"{where(source)}[stimulus] is for the p-bit array; a [problem] config takes [anneal]"
        )
    machine = _parse_machine(data.get("machine", {}), spec, source)
    ann = data.get("anneal", {})
    if not isinstance(ann, dict):
        raise ConfigError(f"{where(source)}[anneal] must be a table, not {ann!r}")
    check_keys(ann, {"beta", "beta_range", "schedule"}, "anneal.", source)
    if "beta_range" in ann:
        br, kind = ann["beta_range"], ann.get("schedule", "geometric")
        if "beta" in ann:
            raise ConfigError(f"{where(source)}give anneal.beta or anneal.beta_range, not both")
        if not (
            isinstance(br, list)
            and len(br) == 2
            and all(isinstance(b, int | float) and not isinstance(b, bool) for b in br)
        ):
            raise ConfigError(
                f"{where(source)}anneal.beta_range = {br!r} is not allowed: expected [beta_start, beta_end]"
            )
        if kind not in ("linear", "geometric"):
            raise ConfigError(
                f"{where(source)}anneal.schedule = {kind!r} is not allowed: expected 'linear' or 'geometric'"
            )
        anneal = (kind, (float(br[0]), float(br[1])))
    else:
        b = ann.get("beta", 1.0)
        if isinstance(b, bool) or not isinstance(b, int | float):
            raise ConfigError(f"{where(source)}anneal.beta = {b!r} is not allowed: expected a number")
        anneal = ("constant", (float(b), float(b)))
    try:
        for b in anneal[1]:
            spec.beta_to_acc(b)
        if anneal[0] == "geometric" and min(anneal[1]) <= 0:
            raise ValueError(f"beta_range must be > 0 for a geometric schedule, not {anneal[1]}")
    except ValueError as exc:
        raise ConfigError(f"{where(source)}anneal: {exc}") from None
    return spec, {"h_q": h_q, "j_q": j_q, "anneal": anneal, "machine": machine}


#: Keys of ``[machine]`` and their defaults.
MACHINE_DEFAULTS = {"devices": 1, "exchange_period": 1, "link_latency": 0, "partition_seed": 0}


def _parse_machine(table, spec: PBitNetSpec, source: str):
    """The :class:`~spinemu.sim_golden.pbit_net_partition.Exchange` of ``[machine]``
    (``None`` for one device)."""
    if not isinstance(table, dict):
        raise ConfigError(f"{where(source)}[machine] must be a table, not {table!r}")
    check_keys(table, set(MACHINE_DEFAULTS), "machine.", source)
    values = {**MACHINE_DEFAULTS, **table}
    from ..sim_golden.pbit_net_regmap import EXCHANGE_FIELD_BITS

    top = (1 << EXCHANGE_FIELD_BITS) - 1  # the EXCH_* registers
    ranges = {"devices": (1, MAX_NET_PBITS), "exchange_period": (1, top), "link_latency": (0, top),
              "partition_seed": (0, 2**31 - 1)}  # fmt: skip
    for key, v in values.items():
        lo, hi = ranges[key]
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise ConfigError(
                f"{where(source)}machine.{key} = {v!r} is not allowed: expected an integer in {lo}..{hi}"
            )
    if values["devices"] == 1:
        return None
    if values["devices"] > spec.n:
        raise ConfigError(
            f"{where(source)}machine.devices = {values['devices']} is more than the network's {spec.n} p-bits"
        )
    if spec.fabric.value != "parallel" or spec.replicas != 1:
        raise ConfigError(
            f"{where(source)}machine.devices = {values['devices']} needs the parallel fabric with one chain "
            f"(pbit.fabric = {spec.fabric.value!r}, pbit.replicas = {spec.replicas})"
        )
    from ..sim_golden.pbit_net_partition import Exchange, partition_network

    part = partition_network(spec, values["devices"], seed=values["partition_seed"])
    try:
        return Exchange(part, period=values["exchange_period"], latency=values["link_latency"])
    except ValueError as exc:
        raise ConfigError(f"{where(source)}machine: {exc}") from None


def designs(spec, stimulus: dict) -> list:
    """The Verilog tops a config builds: one per device of a ``[machine]``, else one."""
    from .verilog import design_for_spec

    machine = stimulus.get("machine") if isinstance(spec, PBitNetSpec) else None
    if machine is None:
        return [design_for_spec(spec)]
    from ..sim_golden.pbit_net_device import device_plans
    from .pbit_machine import device_design

    return [device_design(plan) for plan in device_plans(spec, machine.partition)]


def top_name(spec) -> str:
    return "spinemu_pbit_net" if isinstance(spec, PBitNetSpec) else "spinemu_pbit_array"


def make_top(spec):
    if isinstance(spec, PBitNetSpec) and spec.streaming:
        from ..hdl.pbit_stream import PBitStreamTop

        return PBitStreamTop(spec=spec)
    if isinstance(spec, PBitNetSpec) and spec.multiplexed:
        from ..hdl.pbit_mux import PBitMuxTop

        return PBitMuxTop(spec=spec)
    if isinstance(spec, PBitNetSpec):
        from ..hdl.pbit_net import PBitNetTop

        return PBitNetTop(spec=spec)
    from ..hdl.pbit_array import PBitArrayTop

    return PBitArrayTop(spec=spec)


def run(spec, stimulus: dict, samples: int, *, seed=None, backend="golden"):
    """Array: ``{"m": samples x n}``.  Network: one read of ``samples`` sweeps from the
    all -1 reset state, ``{"m": the spins after every sweep}``."""
    if isinstance(spec, PBitNetSpec):
        from ..sim_golden.pbit_net import BetaRegisters
        from ..sw.pbit_sampler import run_network

        kind, br = stimulus["anneal"]
        beta = BetaRegisters.from_dict(spec.beta_registers(kind, br, samples))
        res = run_network(
            spec,
            stimulus["h_q"],
            stimulus["j_q"],
            num_sweeps=samples,
            beta=beta,
            num_reads=1,
            seed=seed,
            record="all",
            backend=backend,
            exchange=stimulus.get("machine"),
        )
        return {"m": res.samples[0]}
    from ..sw.pbit_array import simulate_pbit_array

    return {"m": simulate_pbit_array(spec, stimulus["I_q"], samples, seed=seed, backend=backend)}


def extras(spec, stimulus: dict):
    if isinstance(spec, PBitNetSpec):
        machine = stimulus.get("machine")
        return {
            "h_q": np.asarray(stimulus["h_q"]),
            "j_q": np.asarray(stimulus["j_q"]),
            "edges": spec.edge_array,
            "colors": np.asarray(spec.colors),
            **({} if machine is None else {"device_of": np.asarray(machine.partition.part_of)}),
        }
    return {"I_q": np.asarray(stimulus["I_q"], dtype=np.int64)}


def summary(spec, stimulus: dict, streams: dict) -> list[str]:
    if isinstance(spec, PBitNetSpec):
        from ..sim_golden.pbit_net import quantized_energy

        m = streams["m"]
        e = quantized_energy(spec, stimulus["h_q"], stimulus["j_q"], m) / float(1 << spec.frac_bits)
        tail = slice(len(m) // 2, None)
        machine = stimulus.get("machine")
        split = [] if machine is None else [
            f"on {machine.partition.devices} devices ({len(machine.partition.cut)} cut couplings), boundary "
            f"spins refreshed every {machine.period} color phases (eta {1 / machine.period:.3g}), "
            f"seen {machine.latency} phases late"
        ]
        return [
            *split,
            f"{spec.n} p-bits, {spec.num_edges} couplings, {spec.num_colors} colors"
            + (f", {spec.replicas} replicas (this run reads replica 0)" if spec.replicas > 1 else "")
            + f"; anneal {stimulus['anneal'][0]} beta {stimulus['anneal'][1]}",
            f"energy (physics convention, quantised h/J): last {e[-1]:.4g}, min {e.min():.4g}, "
            f"mean of the second half {e[tail].mean():.4g}",
            f"mean |magnetisation| of the second half: {np.abs(m[tail].mean(axis=1)).mean():.4f}",
        ]
    m = streams["m"]
    p = (m == 1).mean(axis=0)
    return [
        "P(m=+1) measured: " + " ".join(f"{x:.4f}" for x in p),
        "P(m=+1) LUT:      " + " ".join(f"{x:.4f}" for x in spec.lut_probability(stimulus["I_q"])),
    ]
