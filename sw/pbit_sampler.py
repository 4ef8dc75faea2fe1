"""The p-bit network as a dimod sampler, and its register-level driver.

:class:`PBitSampler` is a :class:`dimod.Sampler` whose ``sample`` follows
dwave-samplers' ``SimulatedAnnealingSampler`` (``num_reads``, ``num_sweeps``,
``beta_range``, ``beta_schedule_type``, ``beta_schedule``, ``seed``,
``initial_states``) in **dimod's sign convention** (``E = sum h s + sum J s s``; a
ferromagnetic coupling is ``J < 0``), converted internally to the hardware's physics
convention (``h_hw = -h``, ``J_hw = -J``).  Two backends give identical SampleSets
for the same seed:

``"golden"``
    :class:`~spinemu.sim_golden.pbit_net.PBitNetGolden`, vectorised over reads.
``"rtl"``
    The generated Verilog as a native Verilator model (built once per hardware
    Spec and kept loaded), driven only through its AXI4-Lite registers by
    :class:`PBitNetDriver` over :class:`~spinemu.sw.mmio.VerilatorMMIO`; the per-sweep
    samples come from the recorded ``sample`` stream.

How a run maps to the hardware: the master RNG seed is loaded through the seed chain
(derived from ``seed`` with ``numpy.random.default_rng``, as are the random initial
states), ``h``/``J`` are quantised to the Spec's fixed point and written, then every
read loads its initial state, ``BETA`` and runs ``num_sweeps`` sweeps; the RNG streams
continue from read to read.  ``linear``/``geometric`` schedules run on chip from the
registers (:meth:`~spinemu.sim_golden.pbit_net_spec.PBitNetSpec.beta_registers`);
``custom`` schedules load ``BETA`` before each run of equal β.  β is applied on the
grid ``2**-beta_mul_frac_bits``; ``SampleSet.info`` reports the β each sweep used and
the largest quantisation errors of β, ``h`` and ``J``.

Max-Cut and similar optimisation: ``return_best=True`` returns, per read, the lowest-
energy state visited after any sweep (the per-sweep samples are captured anyway)
instead of the final state.  On small frustrated graphs the final state of an
anneal misses the optimum in a few percent of reads even for dwave-samplers, while
the best visited state reaches it.
"""

from __future__ import annotations

import math
from dataclasses import fields

import numpy as np

from ..sim_golden.jit import check_workers
from ..sim_golden.pbit_net import BetaRegisters, NetRun, PBitNetGolden, replica_groups
from ..sim_golden.pbit_net_regmap import STATUS_BUSY, unpack_spins
from ..sim_golden.pbit_net_spec import MAX_NET_PBITS, BetaMultError, PBitNetSpec
from ..sim_golden.pbit_net_tables import reference_fmax_mhz, run_clocks, sweep_clocks
from ..sim_golden.validate import SpecError
from .pbit_net_driver import (  # noqa: F401 - _native_model and _unpack: for tests and benchmarks
    PBitNetDriver,
    _group_states,
    _load_compensation,
    _load_group,
    _load_schedule,
    _native_model,
    _net_result,
    _run_inputs,
    _unpack,
    clear_model_cache,
)

__all__ = ["PBitSampler", "PBitNetDriver", "run_network", "BACKENDS", "clear_model_cache", "choose_fabric"]

BACKENDS = ("golden", "rtl")

def run_network(
    spec: PBitNetSpec,
    h_q,
    j_q,
    *,
    num_sweeps: int,
    beta,
    num_reads: int = 1,
    seed: int | None = None,
    initial_states=None,
    clamp_mask=None,
    clamp_values=None,
    record: str = "none",
    gain_q=None,
    offset_q=None,
    backend: str = "golden",
    num_workers: int | None = None,
    exchange=None,
) -> NetRun:
    """Run the network on a backend; both return identical :class:`NetRun` results.

    Parameters are those of :meth:`PBitNetGolden.run` (including the compensation
    registers ``gain_q``/``offset_q``, ``num_workers`` and ``exchange``, golden only)
    plus ``seed`` (master RNG seed loaded at run time; ``None`` keeps the reset state
    ``spec.seed``) and ``backend``.
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
    if backend == "golden":
        return PBitNetGolden(spec, seed=seed).run(
            h_q,
            j_q,
            num_sweeps=num_sweeps,
            beta=beta,
            num_reads=num_reads,
            initial_states=initial_states,
            clamp_mask=clamp_mask,
            clamp_values=clamp_values,
            record=record,
            gain_q=gain_q,
            offset_q=offset_q,
            num_workers=num_workers,
            exchange=exchange,
        )
    if num_workers not in (None, 1):
        raise ValueError(f"num_workers applies to the golden backend, not {backend!r}")
    if exchange is not None:  # K device models joined by links
        from .pbit_machine import run_machine

        return run_machine(
            spec, exchange.partition, h_q, j_q, num_sweeps=num_sweeps, beta=beta, num_reads=num_reads,
            seed=seed, initial_states=initial_states, clamp_mask=clamp_mask, clamp_values=clamp_values,
            record=record, gain_q=gain_q, offset_q=offset_q, exchange_period=exchange.period,
            link_latency=exchange.latency,
        )  # fmt: skip
    from .mmio import VerilatorMMIO

    n, S, R = spec.n, int(num_sweeps), int(num_reads)
    init, cmask, cval = _run_inputs(n, R, initial_states, clamp_mask, clamp_values)
    P = spec.replicas
    G, init = replica_groups(spec, init)
    model = _native_model(spec)
    model.reset()
    drv = PBitNetDriver(VerilatorMMIO(model), spec)
    drv.load_problem(h_q, j_q)
    _load_compensation(drv, spec, gain_q, offset_q)
    drv.set_clamp(cmask, cval)
    if seed is not None or spec.multiplexed:  # (a reset does not rewind RNG memories)
        drv.load_seed(spec.seed if seed is None else seed)
    betas, runs = _load_schedule(drv, beta, S)
    finals = np.empty((G * P, n), np.int8)
    samples = np.empty((G * P, S, n), np.int8) if record in ("all", "best") else None
    for g in range(G):
        group = slice(g * P, g * P + P)
        _load_group(drv, init[group])
        if S:
            per_sweep = spec.state_words if spec.multiplexed else P  # stream words per sweep
            model.record("sample", "sample_valid", S * per_sweep)
            if runs is None:
                drv.set_beta(beta.start)
                drv.sweep(S)
                model.run_until_recorded(S * per_sweep, max_cycles=(S + 1) * sweep_clocks(spec) + 1000)
            else:
                done = 0
                for value, count in runs:
                    drv.set_beta(value)
                    drv.sweep(count)
                    done += count
                    model.run_until_recorded(
                        done * per_sweep, max_cycles=(count + 1) * sweep_clocks(spec) + 1000
                    )
            words = model.stop_recording()
            if samples is not None and spec.multiplexed:  # a group per word, in slot order
                samples[group] = unpack_spins(spec, words.reshape(S, per_sweep))[None]
            elif samples is not None:  # sweep after sweep, replica after replica
                samples[group] = _unpack(words, n).reshape(S, P, n).transpose(1, 0, 2)
        finals[group] = _group_states(drv)
    start = np.where(cmask, cval, init).astype(np.int8)
    samples = None if samples is None else samples[:R]
    return _net_result(spec, h_q, j_q, record, finals[:R], samples, start[:R], betas)


_HW_FIELDS = {f.name for f in fields(PBitNetSpec)} - {"n", "edges", "dense", "place"}

#: Above this degree :func:`choose_fabric` takes the multiplexed fabric: a parallel p-bit
#: needs a field table per six neighbours and an adder tree over them.
MUX_ABOVE_DEGREE = 12
#: Above this many p-bits :func:`choose_fabric` takes the multiplexed fabric: a parallel
#: network of more p-bits outgrows the largest supported board (ZCU104) at degree 6.
MUX_ABOVE_PBITS = 4096


#: Above this degree :func:`choose_fabric` takes the streaming fabric: a multiplexed lane
#: adds all of a p-bit's couplings in one clock (logic per neighbour entry per lane),
#: the streaming fabric adds ``lanes`` per clock of a row read from block RAM.
STREAM_ABOVE_DEGREE = 96


def _machine(devices, exchange_period, link_latency, backend) -> tuple[int, int, int]:
    """Validated ``(devices, exchange_period, link_latency)`` of a sampler."""
    for name, v, lo in (("devices", devices, 1), ("exchange_period", exchange_period, 1),
                        ("link_latency", link_latency, 0)):  # fmt: skip
        if isinstance(v, bool) or not isinstance(v, int) or v < lo:
            raise ValueError(f"{name} must be an integer >= {lo}, not {v!r}")
    if devices > 1 and backend not in ("golden", "rtl"):
        raise ValueError(
            f"devices = {devices} runs on the golden and rtl backends (one native model per device, "
            f"joined by a link model), not {backend!r}: spinemu gen --devices writes the boards' designs"
        )
    return devices, exchange_period, link_latency


def choose_fabric(n: int, max_degree: int) -> str:
    """The fabric :class:`PBitSampler` generates for a graph when not told: ``"parallel"``
    (a color per clock) for graphs of at most :data:`MUX_ABOVE_PBITS` p-bits and degree
    :data:`MUX_ABOVE_DEGREE`; ``"streaming"`` (a p-bit at a time, its row of couplings
    from block RAM) above degree :data:`STREAM_ABOVE_DEGREE`; else ``"multiplexed"``
    (weights in memory, ``lanes`` updates per clock).  All sample the same: the choice
    sets cost and speed only."""
    if max_degree > STREAM_ABOVE_DEGREE:
        return "streaming"
    return "multiplexed" if n > MUX_ABOVE_PBITS or max_degree > MUX_ABOVE_DEGREE else "parallel"


class _DimodBase:
    pass


try:  # dimod is a dependency of the sampler only
    import dimod

    _Sampler = dimod.Sampler
except ImportError:  # pragma: no cover
    dimod = None
    _Sampler = _DimodBase


class PBitSampler(_Sampler):
    """A dimod sampler running the p-bit network generator's hardware.

    Parameters
    ----------
    backend : {"golden", "rtl", "pynq"}
        Numpy fixed-point twin, the native Verilator model of the Verilog, or the core
        in a PYNQ overlay built by ``spinemu build`` (``overlay``).
    topology : None, "dense", dimod.BinaryQuadraticModel or sequence of (u, v)
        The hardware graph.  ``None``: generate hardware to fit each problem's own
        graph (one Spec per graph, cached).  A BQM: its interaction graph and variable
        labels.  A sequence of label pairs: those couplings (labels: ``0 .. n-1`` if
        ``n`` is given, else the sorted labels of the pairs).  ``"dense"``: all-to-all
        on ``n`` p-bits labelled ``0 .. n-1``.
    n : int, optional
        Number of p-bits (with ``"dense"`` or an integer edge list).
    overlay : pynq.Overlay, str or path, optional
        ``pynq`` backend only: the overlay, or its ``.bit`` file (``.hwh`` next to it).
        Its ``manifest.json`` Spec must equal the sampler's hardware; without a
        ``topology`` the sampler takes the overlay's hardware (p-bits ``0 .. n-1``).
    timeout : float
        ``pynq`` backend: seconds a wait for the core's done flag may take.
    num_workers : int, optional
        ``golden`` backend: threads that run reads side by side (default 1; the samples
        do not depend on it).
    devices, exchange_period, link_latency : int, optional
        Run the problem split over ``devices`` devices (default 1: one machine) that
        refresh each other's boundary spins every ``exchange_period`` color phases,
        seen ``link_latency`` phases late (clocks, on the parallel fabric with one
        chain): :mod:`~spinemu.sim_golden.pbit_net_partition`.  ``golden`` runs the
        whole machine's model; ``rtl`` one native model per device, joined by a link
        model (:mod:`~spinemu.sw.pbit_machine`; on-chip β schedules only), with the same
        samples.  ``SampleSet.info`` gives ``devices``, ``eta`` (refreshes per phase)
        and ``cut_edges``.  ``exchange_period = 1`` without latency samples as one
        machine.
    **hardware
        Further :class:`~spinemu.sim_golden.pbit_net_spec.PBitNetSpec` fields
        (``j_bits``, ``frac_bits``, ``rng``, ``update_order``, ``replicas`` ...).  With
        ``replicas = P`` the hardware runs ``P`` reads at once, interleaved clock by
        clock (``num_reads`` in groups of ``P``); ``SampleSet.info`` gives
        ``replicas`` and ``clocks_per_sweep``.  ``fabric = "parallel"``,
        ``"multiplexed"`` (with ``lanes``; giving ``lanes`` alone means it) or
        ``"streaming"`` picks the gateware; by default :func:`choose_fabric` picks it
        for each problem's graph.  All fabrics return the same samples.  ``SampleSet.info`` says which ran
        (``fabric``, ``lanes``), the clocks the run takes (``clocks``) and that time at the
        fabric's reference clock (``reference_fmax_mhz``, ``emulated_seconds``).

    Examples
    --------
    >>> from spinemu.sw.logic import and_gate
    >>> ss = PBitSampler().sample(and_gate(), num_reads=10, num_sweeps=100, seed=1)
    """

    def __init__(
        self,
        *,
        backend: str = "golden",
        topology=None,
        n: int | None = None,
        overlay=None,
        timeout: float = 5.0,
        num_workers: int | None = None,
        devices: int = 1,
        exchange_period: int = 1,
        link_latency: int = 0,
        **hardware,
    ):
        allowed = (*BACKENDS, "pynq")
        if backend not in allowed:
            raise ValueError(f"backend must be one of {', '.join(map(repr, allowed))}, not {backend!r}")
        self.devices, self.exchange_period, self.link_latency = _machine(
            devices, exchange_period, link_latency, backend
        )
        if (overlay is None) != (backend != "pynq"):
            raise ValueError(
                "overlay is needed by (and only by) the pynq backend; "
                f"backend={backend!r}, overlay={overlay!r}"
            )
        if not (isinstance(timeout, int | float) and timeout > 0):
            raise ValueError(f"timeout must be > 0, not {timeout!r}")
        unknown = set(hardware) - _HW_FIELDS
        if unknown:
            raise ValueError(
                f"unknown hardware parameter {sorted(unknown)[0]!r}; allowed: {', '.join(sorted(_HW_FIELDS))}"
            )
        self.backend = backend
        self.num_workers = check_workers(num_workers)
        if self.num_workers > 1 and backend != "golden":
            raise ValueError(f"num_workers applies to the golden backend, not {backend!r}")
        self.hardware = dict(hardware)
        if "lanes" in self.hardware and "fabric" not in self.hardware:
            self.hardware["fabric"] = "multiplexed"
        self._specs: dict = {}
        self._fixed = None
        if topology is None:
            if n is not None:
                raise ValueError("n needs a topology ('dense' or an edge list)")
            # Validate the hardware fields now; per-device tuples (one entry per p-bit)
            # are checked against the problem size when the topology is known.
            self._probe_spec()
        elif isinstance(topology, str):
            if topology != "dense":
                raise ValueError(f"topology must be None, 'dense', a BQM or an edge list, not {topology!r}")
            if n is None:
                raise ValueError("topology='dense' needs n")
            self._fixed = (list(range(n)), self._make_spec(n=n, dense=True))
        else:
            if dimod is not None and isinstance(topology, dimod.BinaryQuadraticModel):
                labels = list(topology.variables)
                pairs = list(topology.quadratic)
            else:
                pairs = [tuple(p) for p in topology]
                if n is not None:
                    labels = list(range(n))
                else:
                    labels = sorted({v for p in pairs for v in p}, key=repr)
            index = {v: k for k, v in enumerate(labels)}
            try:
                edges = tuple((index[u], index[v]) for u, v in pairs)
            except KeyError as exc:
                raise ValueError(f"topology names variable {exc.args[0]!r} outside 0..{n - 1}") from None
            self._fixed = (labels, self._make_spec(n=len(labels), edges=edges))
        self._board = None  # the PBitNetDriver of the overlay's core (backend "pynq")
        if backend == "pynq":
            self._board = _open_board(self, overlay, timeout)
        self.timeout = timeout

    # -- dimod Sampler interface ------------------------------------------------------
    @property
    def parameters(self) -> dict:
        return {
            "num_reads": [],
            "num_sweeps": [],
            "beta_range": [],
            "beta_schedule_type": [],
            "beta_schedule": [],
            "seed": [],
            "initial_states": [],
            "return_best": [],
            "clamp": [],
            "compensation": [],
            "auto_scale": [],
        }

    @property
    def properties(self) -> dict:
        props = {
            "backend": self.backend,
            "hardware": dict(self.hardware),
            "beta_schedule_options": ("linear", "geometric", "custom"),
        }
        # the hardware's coefficient ranges (what auto_scale=False accepts, in the units
        # of the problem) and the fabric's limits
        probe = self._fixed[1] if self._fixed is not None else self._probe_spec()
        props["h_range"] = probe.h_range
        props["j_range"] = probe.j_range
        props["max_pbits"] = MAX_NET_PBITS
        props["max_degree"] = None  # the parallel fabric takes any degree (a field table per 6)
        if self._fixed is not None:
            props["num_pbits"] = self._fixed[1].n
            props["num_colors"] = self._fixed[1].num_colors
            props["degree"] = self._fixed[1].max_degree
        return props

    def _probe_spec(self) -> PBitNetSpec:
        """A one-p-bit Spec of the hardware fields (per-device tuples are checked against
        the problem size once the topology is known)."""
        scalar = {k: v for k, v in self.hardware.items() if not isinstance(v, tuple)}
        return PBitNetSpec(n=1, edges=(), **scalar)

    def _exchange(self, spec: PBitNetSpec):
        """The :class:`~spinemu.sim_golden.pbit_net_partition.Exchange` of a run on
        ``devices`` devices (None for one)."""
        if self.devices == 1:
            return None
        from ..sim_golden.pbit_net_partition import Exchange, partition_network

        if spec.replicas != 1 or spec.multiplexed:
            raise ValueError("devices > 1 models parallel-fabric devices of one chain (replicas = 1)")
        if self.devices > spec.n:
            raise ValueError(f"devices = {self.devices} is more than the problem's {spec.n} p-bits")
        key = ("partition", spec.n, spec.edges)
        if key not in self._specs:
            self._specs[key] = partition_network(spec, self.devices)
        return Exchange(self._specs[key], period=self.exchange_period, latency=self.link_latency)

    @staticmethod
    def auto_scale_factor(bqm, spec: PBitNetSpec) -> float:
        """The factor ``s`` that auto-scaling multiplies ``bqm``'s biases by: the largest
        that keeps every ``h`` and ``J`` in the hardware range and every local field
        ``|h_i| + sum_j |J_ij|``, rounded to the hardware grid, below the accumulator's
        saturation, so that the scaled problem at ``beta / s`` has the same distribution
        (1 for an empty problem)."""
        hi_h, hi_j = spec.h_range[1], spec.j_range[1]  # the smaller magnitude of each range
        lsb = 1.0 / (1 << spec.frac_bits)
        lin = {v: abs(b) for v, b in bqm.linear.items()}
        field = dict(lin)
        terms = dict.fromkeys(lin, 1)
        for (u, v), b in bqm.quadratic.items():
            for w in (u, v):
                field[w] += abs(b)
                terms[w] += 1
        ratios = []
        for hi, values in ((hi_h, lin.values()), (hi_j, map(abs, bqm.quadratic.values()))):
            m = max(values, default=0.0)
            if not math.isfinite(m):
                raise ValueError("the problem has a bias that is not a finite number")
            if m > 0:
                ratios.append(hi / m)
        # each term of a field rounds by up to half a step: keep that much headroom
        for v, f in field.items():
            if f > 0:
                if spec.field_limit <= terms[v] / 2:
                    raise ValueError(
                        f"variable {v!r} has {terms[v] - 1} couplings: the rounding of {terms[v]} terms "
                        f"can exceed the local field's range (acc_bits = {spec.acc_bits}, "
                        f"+-{spec.field_limit} steps); give acc_bits >= {terms[v].bit_length() + 2}"
                    )
                ratios.append((spec.field_limit - terms[v] / 2) * lsb / f)
        return min(ratios) * (1 - 1e-12) if ratios else 1.0

    def spec_for(self, bqm) -> tuple[list, PBitNetSpec]:
        """The hardware (p-bit labels, Spec) that ``bqm`` runs on."""
        if self._fixed is not None:
            return self._fixed
        labels = list(bqm.variables)
        index = {v: k for k, v in enumerate(labels)}
        edges = tuple(sorted((min(index[u], index[v]), max(index[u], index[v])) for u, v in bqm.quadratic))
        key = (len(labels), edges)
        if key not in self._specs:
            self._specs[key] = self._make_spec(n=len(labels), edges=edges)
        return labels, self._specs[key]

    def _make_spec(self, **topology) -> PBitNetSpec:
        """The Spec of a topology with the sampler's hardware fields, on the fabric the
        sampler was given or else :func:`choose_fabric`'s for that graph."""
        spec = PBitNetSpec(**topology, **self.hardware)
        if "fabric" in self.hardware:
            return spec
        fabric = choose_fabric(spec.n, spec.max_degree)
        if fabric == spec.fabric.value:
            return spec
        try:
            return PBitNetSpec(**topology, **self.hardware, fabric=fabric)
        except SpecError:  # hardware the memory fabrics lack (replicas, telegraph ...)
            return spec

    def _map(self, bqm, labels, spec):
        """Quantised (h_q, j_q, variable -> p-bit) of ``bqm`` on the hardware, or raise."""
        index = {v: k for k, v in enumerate(labels)}
        if len(bqm.variables) > spec.n:
            raise ValueError(
                f"the problem has {len(bqm.variables)} variables but the hardware has {spec.n} p-bits"
            )
        for v in bqm.variables:
            if v not in index:
                raise ValueError(
                    f"variable {v!r} is not a p-bit of the hardware (p-bits: "
                    f"{labels[:8]}{' ...' if len(labels) > 8 else ''})"
                )
        pos = np.array([index[v] for v in bqm.variables], dtype=np.int64)
        h = np.zeros(spec.n)
        h[pos] = [-bqm.linear[v] for v in bqm.variables]  # dimod -> physics
        names_h = [labels[k] for k in range(spec.n)]
        h_q = spec.quantize(h, spec.h_bits, "h", names_h)
        j = np.zeros(spec.num_edges)
        names_j = [f"({labels[a]!r}, {labels[b]!r})" for a, b in spec.edges]
        for (u, v), bias in bqm.quadratic.items():
            a, b = sorted((index[u], index[v]))
            e = spec.edge_index.get((a, b))
            if e is None:
                raise ValueError(
                    f"coupling ({u!r}, {v!r}) is not in the hardware topology "
                    f"(p-bits {a} and {b} are not connected)"
                )
            j[e] = -bias
        j_q = spec.quantize(j, spec.j_bits, "J", names_j)
        scale = float(1 << spec.frac_bits)
        return h_q, j_q, pos, h, j, scale

    def sample(
        self,
        bqm,
        num_reads: int | None = None,
        num_sweeps: int | None = None,
        beta_range=None,
        beta_schedule_type: str = "geometric",
        beta_schedule=None,
        seed=None,
        initial_states=None,
        *,
        return_best: bool = False,
        clamp=None,
        compensation=None,
        auto_scale: bool = True,
        **kwargs,
    ):
        """Sample (anneal) ``bqm``; see the module docstring.

        Parameters
        ----------
        bqm : dimod.BinaryQuadraticModel
        num_reads : int, optional
            Default 1 (or the number of ``initial_states``).
        num_sweeps : int, optional
            Default 1000 (``len(beta_schedule)`` for ``custom``).
        beta_range : (float, float), optional
            Default: dwave-samplers' heuristic (``default_beta_range``).
            ``(b, b)`` samples at constant β.
        beta_schedule_type : {"geometric", "linear", "custom"}
        beta_schedule : array_like, optional
            One β per sweep for ``custom``.
        seed : int, optional
            Same seed, same samples, on either backend.
        initial_states : samples-like, optional
            Starting states (dimod ``as_samples`` format); default uniformly random.
        return_best : bool
            Return the lowest-energy state each read visited instead of its final state.
        compensation : (gain_q, offset_q) or Compensation, optional
            Per-p-bit input correction for hardware built with ``compensation = true``:
            register values in p-bit order (``sampler.spec_for(bqm)`` gives the order),
            or a :class:`~spinemu.sim_golden.calibration.Compensation` fitted from the
            devices (converted with ``spec.compensation_registers``).
        clamp : dict, optional
            ``{variable: +-1}`` held fixed by the hardware clamps.
        auto_scale : bool
            Multiply every bias by the largest factor ``s`` that fits the hardware
            ranges and never saturates a local field (:meth:`auto_scale_factor`) and run
            at ``beta / s``, which samples the same distribution (as D-Wave's
            ``auto_scale``); ``info["scale"]`` is ``s`` and
            the quantization errors are in the problem's units.  ``False``: a bias
            outside the range (``properties["h_range"]``, ``["j_range"]``) is an error.

        Returns
        -------
        dimod.SampleSet
            ``info`` says what ran: the backend, ``scale``, the β schedule and whether the
            core stepped it on chip or the host loaded β sweep by sweep
            (``beta_schedule_mode``; a geometric ratio ``BETA_MULT`` cannot hold, e.g. a
            wide range over few sweeps, is host-stepped), and the quantization errors.
        """
        for key in kwargs:
            raise ValueError(f"unknown sample() parameter {key!r}")
        from ..sim_golden.float_sampler import beta_schedule as make_schedule
        from ..sim_golden.float_sampler import default_beta_range
        from ..sim_golden.problems import from_bqm

        original = bqm
        bqm = bqm.change_vartype(dimod.SPIN, inplace=False) if bqm.vartype is not dimod.SPIN else bqm
        variables = list(bqm.variables)
        if not variables:
            return dimod.SampleSet.from_samples(([], []), dimod.SPIN, energy=[])
        labels, spec = self.spec_for(bqm)
        if not isinstance(auto_scale, bool):
            raise ValueError(f"auto_scale must be True or False, not {auto_scale!r}")
        factor = self.auto_scale_factor(bqm, spec) if auto_scale else 1.0
        hw_bqm = bqm
        if factor != 1.0:
            hw_bqm = bqm.copy()
            hw_bqm.scale(factor)
        h_q, j_q, pos, h, j, scale = self._map(hw_bqm, labels, spec)
        rng = np.random.default_rng(seed)
        master = int(rng.integers(0, 2**63))

        # initial states (problem order), then the hardware vector
        if initial_states is not None:
            arr, lab = dimod.as_samples(initial_states)
            col = {v: k for k, v in enumerate(lab)}
            try:
                init = np.asarray(arr)[:, [col[v] for v in variables]]
            except KeyError as exc:
                raise ValueError(f"initial_states lacks variable {exc.args[0]!r}") from None
            if num_reads is None:
                num_reads = init.shape[0]
            if init.shape[0] == 1:
                init = np.repeat(init, num_reads, axis=0)
            if init.shape[0] != num_reads:
                raise ValueError(f"initial_states has {init.shape[0]} states for num_reads={num_reads}")
            if original.vartype is dimod.BINARY and np.isin(init, (0, 1)).all():
                init = 2 * init - 1  # initial states are given in the problem's vartype
            if not np.isin(init, (-1, 1)).all():
                raise ValueError("initial_states must be spins (-1/+1) or, for a BINARY problem, 0/1")
        num_reads = 1 if num_reads is None else num_reads
        if isinstance(num_reads, bool) or not isinstance(num_reads, int | np.integer) or num_reads < 1:
            raise ValueError(f"num_reads must be an integer >= 1, not {num_reads!r}")
        if initial_states is None:
            init = np.where(rng.random((num_reads, len(variables))) < 0.5, 1, -1)
        hw_init = -np.ones((num_reads, spec.n), np.int8)
        hw_init[:, pos] = init
        cmask = np.zeros(spec.n, bool)
        cval = -np.ones(spec.n, np.int8)
        for v, val in (clamp or {}).items():
            if v not in bqm.variables:
                raise ValueError(f"clamp names {v!r}, which is not a variable of the problem")
            if val not in (-1, 1):
                raise ValueError(f"clamp value of {v!r} must be -1 or +1, not {val!r}")
            k = pos[variables.index(v)]
            cmask[k], cval[k] = True, val

        # β schedule, in the problem's units (``betas``), then the hardware's (``/ factor``)
        mode = "on-chip"

        def check_range(betas):
            top = float(np.max(betas)) if np.size(betas) else 0.0
            if top > spec.beta_max * factor:
                scaled = f" (auto_scale multiplied the biases by {factor:.6g})" if factor != 1.0 else ""
                raise ValueError(
                    f"beta {top!r} is outside the hardware range [0, {spec.beta_max * factor:.6g}] "
                    f"for this problem{scaled}"
                )

        if beta_schedule_type == "custom":
            betas = make_schedule(num_sweeps, beta_range, "custom", beta_schedule)
            check_range(betas)
            num_sweeps = betas.size
            beta_arg = [spec.beta_to_acc(float(b) / factor) for b in betas]
            acc = beta_arg
            mode = "host-stepped"
        elif beta_schedule_type in ("linear", "geometric"):
            if beta_range is None:
                beta_range = default_beta_range(from_bqm(bqm))
            num_sweeps = 1000 if num_sweeps is None else num_sweeps
            betas = make_schedule(num_sweeps, beta_range, beta_schedule_type)
            check_range(betas)
            hw_range = tuple(float(b) / factor for b in beta_range)
            try:
                regs = spec.beta_registers(beta_schedule_type, hw_range, num_sweeps)
                beta_arg = BetaRegisters.from_dict(regs)
                acc = None
            except BetaMultError:
                # the per-sweep ratio does not fit the on-chip multiplier: load β per sweep
                beta_arg = [spec.beta_to_acc(float(b) / factor) for b in betas]
                acc = beta_arg
                mode = "host-stepped"
        else:
            raise ValueError(
                f"beta_schedule_type must be 'linear', 'geometric' or 'custom', not {beta_schedule_type!r}"
            )
        run_kw = dict(
            num_sweeps=int(num_sweeps),
            beta=beta_arg,
            num_reads=int(num_reads),
            seed=master,
            initial_states=hw_init,
            clamp_mask=cmask,
            clamp_values=cval,
            record="best" if return_best else "none",
        )
        if compensation is not None:
            if isinstance(compensation, tuple) and len(compensation) == 2:
                gain_q, offset_q = compensation
            else:
                gain_q, offset_q = spec.compensation_registers(compensation)
            run_kw.update(gain_q=gain_q, offset_q=offset_q)
        if self._board is not None:  # backend "pynq": the core in the overlay, over the bus
            run = run_network_on_board(self._board, spec, h_q, j_q, **run_kw, timeout=self.timeout)
        else:
            workers = {"num_workers": self.num_workers} if self.backend == "golden" else {}
            exchange = self._exchange(spec)
            if exchange is not None:
                workers["exchange"] = exchange
            run = run_network(spec, h_q, j_q, **run_kw, **workers, backend=self.backend)
        acc = run.beta_acc if acc is None else acc
        used = spec.beta_used(acc) * factor if len(acc) else np.zeros(0)  # problem units
        states = run.best_states if return_best else run.states
        clocks, fmax = run_clocks(spec, acc, int(num_reads)), reference_fmax_mhz(spec)
        info = {
            "backend": self.backend,
            "auto_scale": auto_scale,
            "scale": factor,
            "beta_range": None if beta_range is None else tuple(float(b) for b in beta_range),
            "beta_schedule_type": beta_schedule_type,
            "beta_schedule_mode": mode,
            "beta_used": used,
            "beta_max_abs_error": float(np.max(np.abs(used - betas))) if len(used) else 0.0,
            "beta_grid": 2.0**-spec.beta_mul_frac_bits * factor,
            "h_quantization_max_error": float(np.max(np.abs(h_q / scale - h))) / factor,
            "J_quantization_max_error": float(np.max(np.abs(j_q / scale - j), initial=0.0)) / factor,
            "value_grid": 1.0 / (scale * factor),
            "num_pbits": spec.n,
            "num_colors": spec.num_colors,
            "fabric": spec.fabric.value,
            "lanes": spec.lanes,
            "replicas": spec.replicas,
            "clocks_per_sweep": spec.sweep_cycles,
            "clocks": clocks,
            "reference_fmax_mhz": fmax,
            "emulated_seconds": clocks / (fmax * 1e6),
            "seed": master,
            "return_best": return_best,
            "devices": self.devices,
        }
        if self.devices > 1:
            info.update(
                exchange_period=self.exchange_period,
                link_latency=self.link_latency,
                eta=1.0 / self.exchange_period,
                cut_edges=len(exchange.partition.cut),
            )
        out = states[:, pos]
        if original.vartype is dimod.BINARY:
            out = (out + 1) // 2
        return dimod.SampleSet.from_samples_bqm((out, variables), original, info=info)


# -- PYNQ: the p-bit network on a board ------------------------------------------------------
# The network's ``sample`` port has no backpressure, so an AXI DMA could lose samples: on a
# board every per-sweep sample is read over the bus from the capture buffer
# (``CTRL.CAPTURE``, ``BUF_COUNT``/``BUF_SEL``/``BUF_DATA``).  The core holds after the
# ``k`` sweeps of a ``SWEEPS`` write (β, RNG streams and spins stay put), so a run is cut
# into chunks of at most ``sample_buffer_depth // replicas`` sweeps, each drained before
# the next starts; without a buffer each sweep is its own chunk and ``STATE`` (of each
# replica in turn) is its sample.
__all__ += ["run_network_on_board", "run_pbit_net_board"]


def _board_wait(read, done, *, timeout: float, what: str) -> None:
    from .pynq_driver import wait_until  # imports pynq only if installed

    wait_until(read, done, timeout=timeout, what=what)


def _board_sweeps(driver: PBitNetDriver, count: int, *, capture: bool, timeout: float, out: list) -> None:
    """Run ``count`` sweeps; with ``capture`` append each sweep's spins to ``out`` (every
    replica's, replica 0 first)."""
    regs, spec = driver.regs, driver.spec
    P = spec.replicas
    chunk_max = max(1, spec.sample_buffer_depth // P) if capture else count
    left = count
    while left:
        k = min(left, chunk_max)
        before = regs.read("BUF_COUNT") if capture and spec.sample_buffer_depth else 0
        driver.sweep(k)
        _board_wait(
            lambda: regs.read("STATUS"),
            lambda v: not v & STATUS_BUSY,
            timeout=timeout,
            what=f"STATUS.BUSY == 0 after {k} sweeps",
        )
        if capture and spec.sample_buffer_depth:
            # The buffer write trails the sweep's end by one clock: wait for the count too.
            _board_wait(
                lambda: regs.read("BUF_COUNT"),
                lambda v, b=before, k=k: (v - b) % (1 << 32) >= k * P,
                timeout=timeout,
                what=f"BUF_COUNT == {(before + k * P) % (1 << 32)} (CTRL.CAPTURE set)",
            )
            got = driver.drain(since=before)
            if len(got) != k * P:
                from .mmio import BusError

                raise BusError(
                    f"the capture buffer holds {len(got)} of the {k * P} samples of this chunk "
                    f"(BUF_COUNT went from {before} to {regs.read('BUF_COUNT')})"
                )
            out.extend(got)
        elif capture:
            out.extend(_group_states(driver))
        left -= k


def run_network_on_board(
    driver: PBitNetDriver,
    spec: PBitNetSpec,
    h_q,
    j_q,
    *,
    num_sweeps: int,
    beta,
    num_reads: int = 1,
    seed: int | None = None,
    initial_states=None,
    clamp_mask=None,
    clamp_values=None,
    record: str = "none",
    gain_q=None,
    offset_q=None,
    timeout: float = 5.0,
) -> NetRun:
    """:func:`run_network` through a :class:`PBitNetDriver` on a board (or any MMIO).

    A board keeps its state between runs, so every register the run depends on is
    written: ``H``, ``J``, ``GAIN``/``OFFSET`` (with compensation), ``CLAMP_EN``/``CLAMP_VAL``,
    the β schedule (``BETA_MODE``, ``BETA_STEP``, ``BETA_MULT``, ``BETA``), ``CTRL`` and,
    per read, ``STATE_IN`` (with replicas: per group of reads, ``REPLICA`` and
    ``STATE_IN`` of each replica); the RNG streams of ``seed`` are loaded through the seed
    chain (``seed=None``: the Spec's reset seed ``spec.seed``).  A core still sweeping
    from an earlier, interrupted run is first brought to the end of its current sweep
    (``SWEEPS = 1``), so sweeps start at color 0.  The result equals the golden
    model's for the same arguments.

    Parameters
    ----------
    driver : PBitNetDriver
        The core's driver (``open_core(overlay, "pbit_net", spec=spec)`` on a board).
    timeout : float
        Seconds each wait for ``STATUS.BUSY == 0`` (or the capture count) may take.

    Other parameters are those of :func:`run_network`.

    Raises
    ------
    spinemu.sw.pynq_driver.DoneTimeout
        The core did not finish its sweeps (or capture its samples) within ``timeout``.
    """
    if record not in ("none", "all", "best"):
        raise ValueError(f"record must be 'none', 'all' or 'best', not {record!r}")
    if not timeout > 0:
        raise ValueError(f"timeout must be > 0, not {timeout}")
    n, S, R = spec.n, int(num_sweeps), int(num_reads)
    if S < 0 or R < 1:
        raise ValueError(f"num_sweeps must be >= 0 and num_reads >= 1, not {S} and {R}")
    init, cmask, cval = _run_inputs(n, R, initial_states, clamp_mask, clamp_values)
    capture = record in ("all", "best")
    regs = driver.regs
    if regs.read("STATUS") & STATUS_BUSY:  # left running: finish the current sweep, then hold
        driver.sweep(1)
        _board_wait(
            lambda: regs.read("STATUS"),
            lambda v: not v & STATUS_BUSY,
            timeout=timeout,
            what="STATUS.BUSY == 0 (stopping the core at a sweep boundary)",
        )
    driver.capture(capture and spec.sample_buffer_depth > 0)
    driver.load_problem(h_q, j_q)
    _load_compensation(driver, spec, gain_q, offset_q)
    driver.set_clamp(cmask, cval)
    driver.load_seed(spec.seed if seed is None else seed)
    betas, runs = _load_schedule(driver, beta, S)
    P = spec.replicas
    G, init = replica_groups(spec, init)
    finals = np.empty((G * P, n), np.int8)
    samples = np.empty((G * P, S, n), np.int8) if capture else None
    for g in range(G):
        group = slice(g * P, g * P + P)
        _load_group(driver, init[group])
        got: list = []
        if runs is None:
            driver.set_beta(beta.start)
            if S:
                _board_sweeps(driver, S, capture=capture, timeout=timeout, out=got)
        else:
            for value, count in runs:
                driver.set_beta(value)
                _board_sweeps(driver, count, capture=capture, timeout=timeout, out=got)
        if capture and S:  # sweep after sweep, replica after replica
            samples[group] = np.asarray(got, np.int8).reshape(S, P, n).transpose(1, 0, 2)
        finals[group] = _group_states(driver)
    start = np.where(cmask, cval, init).astype(np.int8)
    samples = None if samples is None else samples[:R]
    return _net_result(spec, h_q, j_q, record, finals[:R], samples, start[:R], betas)


def run_pbit_net_board(
    driver: PBitNetDriver,
    spec: PBitNetSpec,
    stimulus: dict,
    samples: int,
    *,
    seed=None,
    timeout=5.0,
    allocate=None,
) -> dict:
    """The ``spinemu run`` workload of a p-bit network config: what ``spinemu sim`` computes.

    One read of ``samples`` sweeps from the all -1 state with ``[anneal]``'s β schedule,
    ``{"m": (samples, n) int8}`` (the spins after every sweep), as
    :func:`spinemu.gen.core_pbit.run`.  The samples come over the bus (``allocate`` is
    accepted for the workload signature and not needed: no DMA).
    """
    if isinstance(samples, bool) or not isinstance(samples, int | np.integer) or samples < 0:
        raise ValueError(f"samples must be a non-negative integer, not {samples!r}")
    kind, beta_range = stimulus["anneal"]
    beta = BetaRegisters.from_dict(spec.beta_registers(kind, beta_range, int(samples)))
    res = run_network_on_board(
        driver,
        spec,
        stimulus["h_q"],
        stimulus["j_q"],
        num_sweeps=int(samples),
        beta=beta,
        num_reads=1,
        seed=seed,
        record="all",
        timeout=timeout,
    )
    return {"m": res.samples[0]}


def _open_board(sampler: PBitSampler, overlay, timeout: float) -> PBitNetDriver:
    """Check the overlay's p-bit network against ``sampler``'s hardware; return its driver.

    Without a topology the sampler takes the overlay's hardware (from its manifest).
    """
    from . import pynq_driver as pd

    ov, built = pd.overlay_and_spec(overlay)
    if built is not None and built.get("kind") != "pbit_net":
        raise pd.DeploymentError(f"the overlay holds a {built.get('kind')} core, not a p-bit network")
    if sampler._fixed is None:
        if built is None:
            raise pd.DeploymentError(
                "the overlay has no manifest.json with its Spec: pass topology= (and the "
                "hardware fields) the overlay was built with"
            )
        spec = PBitNetSpec.from_dict(built)
        diff = [
            f"{k} {getattr(spec, k)!r} (here {v!r})"
            for k, v in sampler.hardware.items()
            if getattr(PBitNetSpec.from_dict({**built, k: v}), k) != getattr(spec, k)
        ]
        if diff:
            raise pd.DeploymentError(
                "the overlay's p-bit network was built with other hardware: " + ", ".join(diff)
            )
        sampler._fixed = (list(range(spec.n)), spec)
    spec = sampler._fixed[1]
    if built is not None:
        diff = pd.spec_diff(built, spec.to_dict())
        if diff:
            raise pd.DeploymentError(
                "the overlay's p-bit network was built with other hardware: " + ", ".join(diff)
            )
    return pd.open_core(ov, "pbit_net", spec=spec, timeout=timeout)


def _register():
    from .pynq_driver import register_core

    return register_core(
        core="pbit_net",
        kind="pbit",
        spec_from_dict=PBitNetSpec.from_dict,
        driver_factory=PBitNetDriver,
        workload=run_pbit_net_board,
        class_name="PBitNetIP",
    )


#: The pynq ``DefaultIP`` subclass bound to the p-bit network's VLNV (None without pynq).
PBitNetIP = _register()
if PBitNetIP is not None:
    __all__.append("PBitNetIP")
