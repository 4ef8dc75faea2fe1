"""Driver and user API of the Hopfield core with memristive synapses.

:class:`HopfieldDriver` runs the core through its registers only (``pynq.MMIO`` on a
board, :class:`~spinemu.sw.mmio.VerilatorMMIO` in simulation) and offers the same
operations as the bit-exact golden :class:`~spinemu.sim_golden.hopfield_fixed.HopfieldFixed`.
:class:`HopfieldNetwork` is the user API on top of either (``backend="golden"|"rtl"``,
or ``"pynq"``: the core on a PYNQ board), or of the float device model (``backend="float"``).

The ``sweep`` stream of the core (one word per sweep, ``sweep_last`` on the final one,
with backpressure) is drained by a stream sink: the native model's recorder with ready
tied high in simulation, an AXI DMA into ``pynq.allocate`` buffers on a board
(:mod:`spinemu.sw.pynq_driver`, where the core is registered as ``HopfieldIP`` with the
``spinemu run`` workload :func:`run_hopfield_board`).
"""

from __future__ import annotations

import numbers
import time
from dataclasses import dataclass

import numpy as np

from ..sim_golden.hopfield_fixed import FixedRecall, HopfieldFixed
from ..sim_golden.hopfield_float import _check_patterns, _check_spins, energy
from ..sim_golden.hopfield_spec import STATUS_BUSY, STATUS_CONVERGED, STATUS_CYCLE2, Command, HopfieldSpec
from .driver import RegisterDriver
from .mmio import BusError

__all__ = [
    "HopfieldDriver",
    "HopfieldNetwork",
    "HopfieldRecall",
    "InSituReport",
    "BACKENDS",
    "simulate_hopfield",
    "hopfield_workload",
    "run_hopfield_board",
    "HopfieldIP",
]

BACKENDS = ("golden", "rtl", "float", "pynq")


def _check_recall(mode: str, max_sweeps: int) -> None:
    """Validate a recall's ``mode`` (``"async"``/``"sync"``) and ``max_sweeps`` (1..65535)."""
    if mode not in ("async", "sync"):
        raise ValueError(f"mode must be 'async' or 'sync', not {mode!r}")
    if (
        isinstance(max_sweeps, bool)
        or not isinstance(max_sweeps, numbers.Integral)
        or not 1 <= max_sweeps < 1 << 16
    ):
        raise ValueError(f"max_sweeps must be an int in 1..65535, not {max_sweeps!r}")


class HopfieldDriver:
    """Register-level control of a Hopfield core (same methods as ``HopfieldFixed``).

    Parameters
    ----------
    mmio : MMIO
        Bus access to the core.
    spec : HopfieldSpec
        The generated core's Spec.
    stream : stream sink, NativeModel or None
        Drains the ``sweep`` stream so that :meth:`recall` returns every intermediate
        state (:class:`~spinemu.sw.pynq_driver.DMAStreamSink` on a board; a NativeModel
        is wrapped in a :class:`~spinemu.sw.pynq_driver.NativeStreamSink`).  Without
        one the trajectory holds the cue and the final state only, and the core must
        have ``sweep_ready`` tied high (otherwise a recall stalls at its first sweep).
    streams : dict or None
        ``{"sweep": sink}``, the form :func:`~spinemu.sw.pynq_driver.open_core` passes.
    timeout : int
        Status polls before a command is declared hung.
    timeout_s : float or None
        Also give up after this many seconds (on a board).
    """

    def __init__(
        self,
        mmio,
        spec: HopfieldSpec,
        *,
        stream=None,
        streams=None,
        timeout: int = 10_000_000,
        timeout_s: float | None = None,
    ):
        from .pynq_driver import NativeStreamSink

        self.spec = spec
        self.regs = RegisterDriver(mmio, spec.regmap)
        if stream is None:
            stream = (streams or {}).get("sweep")
        if stream is not None and hasattr(stream, "record"):  # a NativeModel
            stream = NativeStreamSink(stream, "sweep")
        self.stream = stream
        self.timeout = timeout
        self.timeout_s = timeout_s
        n = self.regs.read("N")
        if n != spec.n_neurons:
            raise ValueError(f"the core has {n} neurons but the spec says {spec.n_neurons}")

    # -- helpers --------------------------------------------------------------------------
    def _wait(self) -> int:
        from .pynq_driver import DoneTimeout

        deadline = None if self.timeout_s is None else time.monotonic() + self.timeout_s
        for _ in range(self.timeout):
            status = self.regs.read("STATUS")
            if not status & STATUS_BUSY:
                return status
            if deadline is not None and time.monotonic() > deadline:
                break
        raise DoneTimeout(
            f"the Hopfield core stayed busy (STATUS {status:#x}) for {self.timeout} status polls"
            + ("" if deadline is None else f" or {self.timeout_s:g} s")
            + "; a recall stalls if its sweep stream is not drained"
        )

    def _command(self, code: int) -> int:
        self.regs.write("CMD", code)
        return self._wait()

    def _check_entry(self, i, j):
        n = self.spec.n_neurons
        if not (0 <= i < n and 0 <= j < n):
            raise ValueError(f"entry ({i}, {j}) is outside a {n}-neuron network")

    # -- synapses -------------------------------------------------------------------------
    def clear(self) -> None:
        self._command(Command.CLEAR)

    def set_level(self, i: int, j: int, d: int) -> None:
        self._check_entry(i, j)
        lb = self.spec.level_bits
        d = max(-(1 << (lb - 1)), min((1 << (lb - 1)) - 1, int(d)))
        self.regs.write("WI", i)
        self.regs.write("WJ", j)
        self.regs.write("LEVEL", d)
        self._wait()

    def level(self, i: int, j: int) -> int:
        self._check_entry(i, j)
        self.regs.write("WI", i)
        self.regs.write("WJ", j)
        return self.regs.read("LEVEL_RD")

    def weight(self, i: int, j: int) -> int:
        self._check_entry(i, j)
        self.regs.write("WI", i)
        self.regs.write("WJ", j)
        return self.regs.read("WEIGHT")

    @property
    def levels(self) -> np.ndarray:
        n = self.spec.n_neurons
        return np.array([[self.level(i, j) for j in range(n)] for i in range(n)], dtype=np.int64)

    @property
    def weights(self) -> np.ndarray:
        n = self.spec.n_neurons
        return np.array([[self.weight(i, j) for j in range(n)] for i in range(n)], dtype=np.int64)

    # -- state ----------------------------------------------------------------------------
    def load_state(self, s) -> None:
        s = _check_spins(np.asarray(s), "state")
        n = self.spec.n_neurons
        if s.shape != (n,):
            raise ValueError(f"state must have shape ({n},), not {s.shape}")
        bits = (s > 0).astype(np.uint64)
        for k in range(self.spec.state_words):
            chunk = bits[32 * k : 32 * (k + 1)]
            self.regs.write("CUE", int((chunk << np.arange(len(chunk), dtype=np.uint64)).sum()), k)

    def read_state(self) -> np.ndarray:
        n = self.spec.n_neurons
        words = [self.regs.read("STATE", k) for k in range(self.spec.state_words)]
        return np.array([1 if (words[i // 32] >> (i % 32)) & 1 else -1 for i in range(n)], dtype=np.int8)

    @property
    def state(self) -> np.ndarray:
        return self.read_state()

    def load_order_seed(self, lfsr_state: int) -> None:
        self.regs.write("ORDER_SEED", int(lfsr_state) & 0xFFFF)

    # -- commands -------------------------------------------------------------------------
    def hebb(self, amp: int = 1) -> None:
        self.regs.write("AMP", amp)
        self._command(Command.HEBB)

    def learn(self, amp: int = 1) -> int:
        self.regs.write("AMP", amp)
        self._command(Command.LEARN)
        return self.regs.read("UNSTABLE")

    def recall(self, mode: str = "async", max_sweeps: int = 100) -> FixedRecall:
        _check_recall(mode, max_sweeps)
        cue = self.read_state()
        self.regs.write("MAX_SWEEPS", int(max_sweeps))
        code = Command.START_ASYNC if mode == "async" else Command.START_SYNC
        if self.stream is not None:
            self.stream.start(int(max_sweeps))
        try:
            status = self._command(code)
        except BaseException:
            if self.stream is not None:
                self.stream.abort()
            raise
        words = self.stream.finish() if self.stream is not None else None
        sweeps = self.regs.read("SWEEPS")
        flips_last = self.regs.read("FLIPS")
        if words is not None:
            traj = np.concatenate([cue[None, :], _words_to_pm1(words, self.spec.n_neurons)])
            if len(traj) != sweeps + 1:
                raise BusError(f"recorded {len(traj) - 1} sweeps but SWEEPS reads {sweeps}")
            flips = np.count_nonzero(np.diff(traj.astype(np.int64), axis=0), axis=1).astype(np.int64)
        else:
            traj = np.stack([cue, self.read_state()])
            flips = np.full(sweeps, -1, dtype=np.int64)
            flips[-1] = flips_last
        return FixedRecall(
            states=traj,
            flips=flips,
            converged=bool(status & STATUS_CONVERGED),
            cycle2=bool(status & STATUS_CYCLE2),
        )


def _words_to_pm1(words: np.ndarray, n: int) -> np.ndarray:
    words = np.asarray(words, dtype=np.uint32)
    bits = np.unpackbits(np.ascontiguousarray(words).view(np.uint8), axis=1, bitorder="little")
    return (2 * bits[:, :n].astype(np.int8) - 1).astype(np.int8)


@dataclass
class HopfieldRecall:
    """Outcome of :meth:`HopfieldNetwork.recall`.

    Attributes
    ----------
    state : numpy.ndarray of int8
        Final state.
    states : numpy.ndarray of int8, shape (sweeps + 1, N)
        Cue and state after every sweep (on a board without a stream: cue and final).
    sweeps : int
    converged : bool
        The last sweep flipped nothing.
    cycle2 : bool
        Synchronous mode ended in a 2-cycle.
    flips : numpy.ndarray of int64
    energies : numpy.ndarray
        ``-1/2 s W s`` of every recorded state, ``W`` the weights the neurons read.

    Notes
    -----
    ``np.asarray(result)`` is the final state, so a numpy user needs no attribute.
    """

    state: np.ndarray
    states: np.ndarray
    sweeps: int
    converged: bool
    cycle2: bool
    flips: np.ndarray
    energies: np.ndarray

    def __array__(self, dtype=None, copy=None):
        if copy is False:
            raise ValueError("a HopfieldRecall gives its final state as a new array only")
        return np.array(self.state, dtype=dtype, copy=True)


@dataclass
class InSituReport:
    """Outcome of :meth:`HopfieldNetwork.train_in_situ`.

    Attributes
    ----------
    iterations : int
        Learning rounds that applied corrective pulses.
    converged : bool
        Every pattern is a fixed point of the final weights.
    initial_recalled : numpy.ndarray of bool
        Per pattern: recall from the pattern after the open-loop write returned it.
    recalled : numpy.ndarray of bool
        Per pattern: final recall from the pattern returned it.
    final_states : numpy.ndarray of int8, shape (P, N)
        The final recalls.
    unstable : list of list of int
        ``UNSTABLE`` per pattern in every learning round.
    """

    iterations: int
    converged: bool
    initial_recalled: np.ndarray
    recalled: np.ndarray
    final_states: np.ndarray
    unstable: list


class HopfieldNetwork:
    """Associative memory on memristive synapses, on the golden model, the RTL or floats.

    Parameters
    ----------
    n_neurons : int
        Number of neurons.
    backend : {"golden", "rtl", "float", "pynq"}
        ``golden``: the bit-exact integer twin; ``rtl``: the native Verilator model of
        the generated Verilog (development machines); ``float``: the float device model
        of :mod:`spinemu.sim_golden.hopfield_float` (same devices, unquantized);
        ``pynq``: the core in a PYNQ overlay (``overlay``).
    seed : int or None
        Seed of the asynchronous update order (loaded into the order LFSR).
    spec : HopfieldSpec or None
        Use this Spec; otherwise one is built from ``n_neurons`` and ``**hardware``.
    overlay : pynq.Overlay, str or path, optional
        ``pynq`` backend only: the overlay or its ``.bit`` file (``.hwh`` next to it),
        built by ``spinemu build`` from the same Spec (checked against the
        ``manifest.json`` next to the bitfile when there is one).
    **hardware
        Further :class:`~spinemu.sim_golden.hopfield_spec.HopfieldSpec` fields (``lanes``,
        ``n_levels``, ``weight_bits``, ``nonlinearity``, ``spread``, ``device_seed``, ...).
    """

    def __init__(
        self,
        n_neurons: int,
        *,
        backend: str = "golden",
        seed: int | None = None,
        spec: HopfieldSpec | None = None,
        overlay=None,
        **hardware,
    ):
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
        if spec is None:
            spec = HopfieldSpec(n_neurons=n_neurons, **hardware)
        elif spec.n_neurons != n_neurons or hardware:
            raise ValueError(
                f"give either spec or hardware fields; spec has {spec.n_neurons} "
                f"neurons, n_neurons = {n_neurons}"
            )
        self.spec = spec
        self.backend = backend
        self.seed = seed
        self._model = None
        self._rng = np.random.default_rng(seed)
        if (overlay is None) != (backend != "pynq"):
            raise ValueError(
                "overlay is needed by (and only by) the pynq backend; "
                f"backend={backend!r}, overlay={overlay!r}"
            )
        if backend == "float":
            self.devices = spec.devices()
            self.machine = None
            return
        if backend == "golden":
            self.machine = HopfieldFixed(spec)
        elif backend == "pynq":
            self.machine = _open_board(spec, overlay)
        else:
            from ..gen.native import build_native  # development machines only
            from ..gen.verilog import design_for_spec
            from .mmio import VerilatorMMIO

            self._model = build_native(design_for_spec(spec))
            self.machine = HopfieldDriver(VerilatorMMIO(self._model), spec, stream=self._model)
        # A board keeps the order LFSR of earlier runs: load the reset state explicitly.
        self.machine.load_order_seed(_order_state(spec, seed))
        self.machine.clear()

    def close(self) -> None:
        """Release the simulated hardware (rtl backend)."""
        if self._model is not None:
            self._model.close()
            self._model = None

    # -- validation -----------------------------------------------------------------------
    @property
    def n_neurons(self) -> int:
        return self.spec.n_neurons

    @property
    def max_patterns(self) -> int:
        """Most patterns the synapses hold (one level per pattern and pulse)."""
        return self.spec.max_patterns

    def _patterns(self, patterns) -> np.ndarray:
        arr = np.asarray(patterns)
        if arr.ndim == 1:
            arr = arr[None, :]
        if arr.ndim == 2 and arr.shape[1] != self.n_neurons:
            raise ValueError(
                f"patterns have length {arr.shape[1]} but the network has {self.n_neurons} neurons"
            )
        xi = _check_patterns(arr, self.n_neurons)
        if xi.shape[0] > self.max_patterns:
            raise ValueError(
                f"{xi.shape[0]} patterns are more than the hardware holds: at most "
                f"{self.max_patterns} (n_levels - 1 = {self.spec.level_max} levels per synapse)"
            )
        return xi

    def _cue(self, cue) -> np.ndarray:
        arr = np.asarray(cue)
        if arr.shape != (self.n_neurons,):
            raise ValueError(f"cue must have shape ({self.n_neurons},), not {arr.shape}")
        return _check_spins(arr, "cue")

    # -- weights --------------------------------------------------------------------------
    @property
    def weights(self) -> np.ndarray:
        """The weights the neurons read (integers; floats on the float backend)."""
        if self.backend == "float":
            from ..sim_golden.hopfield_float import pairs_to_matrix

            return pairs_to_matrix(np.asarray(self.devices.weights, dtype=float), self.n_neurons)
        return self.machine.weights

    @property
    def levels(self) -> np.ndarray:
        """Synapse levels ``d_ij`` (golden/rtl) or the pairs' level differences (float)."""
        if self.backend == "float":
            from ..sim_golden.hopfield_float import pairs_to_matrix

            return pairs_to_matrix(np.asarray(self.devices.level_difference), self.n_neurons)
        return self.machine.levels

    # -- public API -----------------------------------------------------------------------
    def store(self, patterns, rule: str = "hebbian") -> None:
        """Write ``patterns`` into the synapses, open loop.

        ``hebbian``: on chip, ``CLEAR`` then one ``HEBB`` per pattern with
        ``(L - 1) // P`` pulses, so ``d = (L-1)//P * sum_mu xi_i xi_j``. ``storkey``: the
        Storkey weights scaled to the level range, ``d = round(W (L-1) / max|W|)``,
        written entry by entry over the bus.
        """
        xi = self._patterns(patterns)
        if rule not in ("hebbian", "storkey"):
            raise ValueError(f"rule must be 'hebbian' or 'storkey', not {rule!r}")
        p, n = xi.shape
        lm = self.spec.level_max
        amp = lm // p
        if rule == "hebbian":
            J = xi.T.astype(np.int64) @ xi.astype(np.int64)
            np.fill_diagonal(J, 0)
            target_d = amp * J
        else:
            from ..sim_golden.hopfield_float import storkey

            W = storkey(xi)
            scale = float(np.abs(W).max()) or 1.0
            x = W * lm / scale
            target_d = (np.sign(x) * np.floor(np.abs(x) + 0.5)).astype(np.int64)
        if self.backend == "float":
            from ..sim_golden.hopfield_float import matrix_to_pairs

            self.devices.program(matrix_to_pairs(target_d) * self.devices.w_max / lm)
            return
        m = self.machine
        m.clear()
        if rule == "hebbian":
            for x in xi:
                m.load_state(x)
                m.hebb(amp)
        else:
            for i in range(n):
                for j in range(n):
                    if i != j and target_d[i, j]:
                        m.set_level(i, j, int(target_d[i, j]))

    def recall(self, cue, max_sweeps: int = 100, mode: str = "async") -> HopfieldRecall:
        """Run the network from ``cue`` until a sweep flips nothing, a 2-cycle, or ``max_sweeps``."""
        cue = self._cue(cue)
        _check_recall(mode, max_sweeps)
        if self.backend == "float":
            from ..sim_golden.hopfield_float import recall

            r = recall(self.weights, cue, mode=mode, max_sweeps=max_sweeps, seed=self._rng)
            energies = r.energies
        else:
            self.machine.load_state(cue)
            r = self.machine.recall(mode, max_sweeps)
            W = self.weights
            energies = np.array([energy(W, s) for s in r.states])
        return HopfieldRecall(
            state=r.state,
            states=r.states,
            sweeps=r.sweeps,
            converged=r.converged,
            cycle2=r.cycle2,
            flips=r.flips,
            energies=energies,
        )

    def train_in_situ(self, patterns, max_iters: int = 20) -> InSituReport:
        """Store ``patterns`` open loop, then relearn with the devices in the loop.

        Each round loads every pattern as the state and issues ``LEARN`` (one pulse per
        unit): the chip computes the fields, counts the neurons the pattern would flip
        and applies perceptron-Hebbian pulses to their synapses. Rounds repeat until one
        applies no pulse (every pattern is a fixed point) or ``max_iters`` rounds
        corrected something; recall from every pattern is reported before and after.
        """
        xi = self._patterns(patterns)
        if isinstance(max_iters, bool) or not isinstance(max_iters, numbers.Integral) or max_iters < 0:
            raise ValueError(f"max_iters must be an int >= 0, not {max_iters!r}")
        self.store(xi, rule="hebbian")
        initial = np.array([np.array_equal(self.recall(x).state, x) for x in xi])
        unstable = []
        if self.backend == "float":
            from ..sim_golden.hopfield_float import train_in_situ

            r = train_in_situ(self.devices, xi, max_iters=max_iters, program=False, seed=self._rng)
            iterations, converged = r.iterations, r.converged
            unstable = [list(map(int, ~h)) for h in r.history]
        else:
            m = self.machine
            iterations = 0
            converged = False
            while True:
                last_round = iterations >= max_iters
                counts = []
                for x in xi:
                    m.load_state(x)
                    counts.append(m.learn(0 if last_round else 1))
                unstable.append(counts)
                if not any(counts):
                    converged = True
                    break
                if last_round:
                    break
                iterations += 1
        finals = np.array([self.recall(x).state for x in xi])
        recalled = np.array([np.array_equal(f, x) for f, x in zip(finals, xi, strict=True)])
        return InSituReport(
            iterations=iterations,
            converged=converged,
            initial_recalled=initial,
            recalled=recalled,
            final_states=finals,
            unstable=unstable,
        )


def simulate_hopfield(
    spec: HopfieldSpec, stimulus: dict, samples: int, *, seed: int | None = None, backend: str = "golden"
) -> dict:
    """The workload of ``spinemu sim``/``verify``: store, then ``samples`` recalls.

    The patterns (``stimulus["patterns"]``) are written with the on-chip Hebbian engine;
    recall ``k`` starts from pattern ``k mod P`` with ``stimulus["flips"]`` random bits
    flipped (drawn from ``seed``, default 0) in ``stimulus["mode"]``. With a ``seed`` the
    order LFSR is loaded from it; without, it keeps its reset state.

    Returns
    -------
    dict
        ``state`` (samples, N) int8 final states, ``sweeps`` (samples,),
        ``converged`` and ``cycle2`` (samples,) int8.
    """
    if backend not in ("golden", "rtl"):
        raise ValueError(f"backend must be 'golden' or 'rtl', not {backend!r}")
    net = HopfieldNetwork(spec.n_neurons, backend=backend, spec=spec, seed=seed)
    try:
        return hopfield_workload(net.machine, spec, stimulus, samples, seed=seed)
    finally:
        net.close()


def _order_state(spec: HopfieldSpec, seed) -> int:
    """Order-LFSR state for ``seed`` (``None``: the reset state ``spec.lfsr_seed``)."""
    return spec.lfsr_seed if seed is None else spec.lfsr_state_for_seed(seed)


def hopfield_workload(machine, spec: HopfieldSpec, stimulus: dict, samples: int, *, seed=None) -> dict:
    """The ``spinemu sim`` workload on ``machine`` (``HopfieldFixed`` or ``HopfieldDriver``).

    Loads the order LFSR (``seed``, or its reset state), stores the patterns with the
    on-chip Hebbian engine and runs ``samples`` recalls (see :func:`simulate_hopfield`).
    """
    if isinstance(samples, bool) or not isinstance(samples, numbers.Integral) or samples < 0:
        raise ValueError(f"samples must be a non-negative integer, not {samples!r}")
    xi = np.asarray(stimulus["patterns"], dtype=np.int8)
    _check_patterns(xi, spec.n_neurons)
    machine.load_order_seed(_order_state(spec, seed))
    machine.clear()
    amp = spec.level_max // len(xi)
    for x in xi:  # HopfieldNetwork.store(rule="hebbian")
        machine.load_state(x)
        machine.hebb(amp)
    rng = np.random.default_rng(0 if seed is None else seed)
    n = spec.n_neurons
    out = {
        "state": np.empty((samples, n), dtype=np.int8),
        "sweeps": np.empty(samples, dtype=np.int64),
        "converged": np.empty(samples, dtype=np.int8),
        "cycle2": np.empty(samples, dtype=np.int8),
    }
    for k in range(samples):
        cue = xi[k % len(xi)].copy()
        idx = rng.choice(n, size=stimulus["flips"], replace=False)
        cue[idx] = -cue[idx]
        machine.load_state(cue)
        r = machine.recall(stimulus["mode"], stimulus["max_sweeps"])
        out["state"][k] = r.state
        out["sweeps"][k] = r.sweeps
        out["converged"][k] = r.converged
        out["cycle2"][k] = r.cycle2
    return out


def run_hopfield_board(
    driver, spec, stimulus, samples: int, *, seed=None, timeout: float = 5.0, allocate=None
):
    """The ``spinemu run`` workload: what ``spinemu sim`` computes for a Hopfield config.

    ``timeout`` bounds every command and every sweep-stream transfer; ``allocate`` is
    unused (the driver's DMA sink has its own).
    """
    driver.timeout_s = timeout
    if hasattr(driver.stream, "timeout"):
        driver.stream.timeout = timeout
    return hopfield_workload(driver, spec, stimulus, samples, seed=seed)


def _open_board(spec: HopfieldSpec, overlay) -> HopfieldDriver:
    """The driver of the Hopfield core in ``overlay`` (an Overlay or a ``.bit`` path)."""
    from . import pynq_driver as pd

    ov, built = pd.overlay_and_spec(overlay)
    if built is not None and built != spec.to_dict():
        diff = pd.spec_diff(built, spec.to_dict())
        raise pd.DeploymentError(
            "the overlay was built from another Hopfield Spec: " + (", ".join(diff) or repr(built))
        )
    return pd.open_core(ov, "hopfield", spec=spec)


def _register():
    from .pynq_driver import register_core

    return register_core(
        core="hopfield",
        kind="hopfield",
        spec_from_dict=HopfieldSpec.from_dict,
        driver_factory=HopfieldDriver,
        workload=run_hopfield_board,
        class_name="HopfieldIP",
        streams=("sweep",),
    )


#: The pynq ``DefaultIP`` subclass bound to the Hopfield core's VLNV (None without pynq).
HopfieldIP = _register()
