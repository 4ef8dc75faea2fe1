"""The spinemu drivers in a cocotb simulation: the third transport beside a board and the native model.

A core's PYNQ binding (:mod:`spinemu.sw.pynq_driver`) names its driver factory, its
streams and its ``spinemu run`` workload.  Here the same driver and the same workload run
inside a cocotb 2 testbench:

* :class:`CocotbMMIO` is the driver's MMIO: every ``read``/``write`` is an AXI4-Lite
  transaction of cocotbext-axi's ``AxiLiteMaster`` on the design's ``s_axi`` port (error
  responses raise :class:`~spinemu.sw.mmio.BusError`, as on a board);
* :class:`CocotbStreamSink` drains an output stream (``<stem>_payload``/``_valid``/
  ``_ready``/``_last``) with random backpressure, in the packet protocol of the board's
  DMA sink (``start(count)``, ``finish()``);
* :class:`CocotbStreamSource` feeds an input stream with random gaps in ``valid``.

The driver code is blocking Python; :func:`run_workload` runs it in a cocotb
``bridge`` thread, whose bus accesses ``resume`` the simulation until they complete.

A generated testbench (``spinemu gen``'s ``tb/``) keeps its workload in two files:
``workload.json`` (core, Spec, stimulus, sample count, seed) and ``golden.npz`` (what the
golden model produced for it); :func:`save_workload` and :func:`load_workload` write and
read them.  Importing this module needs neither cocotb nor Amaranth; the cocotb parts
import it when they run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .mmio import BusError

__all__ = [
    "WORKLOAD_FILE",
    "GOLDEN_FILE",
    "LAST_RUN_FILE",
    "read_last_run",
    "Workload",
    "save_workload",
    "load_workload",
    "CocotbMMIO",
    "CocotbStreamSink",
    "CocotbStreamSource",
    "start_bench",
    "WorkloadRun",
    "run_workload",
]

WORKLOAD_FILE = "workload.json"
GOLDEN_FILE = "golden.npz"
#: What a generated testbench's ``test_workload`` measured (comparison, clocks, stalls).
LAST_RUN_FILE = "last_run.json"
_ARRAY_TAG = "__ndarray__"


# -- the workload files -----------------------------------------------------------------------
def _encode(value):
    """JSON form of a stimulus value: arrays become ``{"__ndarray__": list, "dtype": str}``."""
    if isinstance(value, np.ndarray):
        return {_ARRAY_TAG: value.tolist(), "dtype": str(value.dtype)}
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _decode(value):
    if isinstance(value, dict):
        if _ARRAY_TAG in value:
            return np.asarray(value[_ARRAY_TAG], dtype=value["dtype"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


@dataclass(frozen=True)
class Workload:
    """What a generated testbench runs and what it expects.

    Attributes
    ----------
    core : str
        Register-map core name (selects the PYNQ binding: driver, streams, workload).
    spec : dict
        ``spec.to_dict()`` of the design.
    stimulus : dict
        The config's stimulus, as its core plugin parsed it.
    samples : int
        Samples the workload produces.
    seed : int or None
        Seed loaded at run time (``None``: the reset state baked into the design).
    golden : dict of str to ndarray
        The golden model's output for this workload.
    top : str
        Top-level module name of the design.
    verilog : str
        Its Verilog file, relative to the workload's folder.
    """

    core: str
    spec: dict
    stimulus: dict
    samples: int
    seed: int | None
    golden: dict
    top: str
    verilog: str


def save_workload(folder, workload: Workload) -> list[str]:
    """Write ``workload.json`` and ``golden.npz`` into ``folder``; return the file names."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    doc = {
        "top": workload.top,
        "verilog": workload.verilog,
        "core": workload.core,
        "spec": workload.spec,
        "stimulus": _encode(workload.stimulus),
        "samples": int(workload.samples),
        "seed": workload.seed,
        "outputs": {k: list(np.asarray(v).shape) for k, v in workload.golden.items()},
    }
    (out / WORKLOAD_FILE).write_text(json.dumps(doc, indent=1) + "\n")
    np.savez(out / GOLDEN_FILE, **{k: np.asarray(v) for k, v in workload.golden.items()})
    return [WORKLOAD_FILE, GOLDEN_FILE]


def read_last_run(folder) -> dict | None:
    """What the testbench in ``folder`` measured in its last finished ``test_workload``:
    ``comparison`` (text), ``ok``, ``clocks``, ``bus_transactions``, ``stream_stalls``;
    None when there is none."""
    path = Path(folder) / LAST_RUN_FILE
    return json.loads(path.read_text()) if path.is_file() else None


def load_workload(folder) -> Workload:
    """Read the files :func:`save_workload` wrote.

    Raises
    ------
    FileNotFoundError
        Naming the missing file.
    """
    folder = Path(folder)
    doc = json.loads((folder / WORKLOAD_FILE).read_text())
    with np.load(folder / GOLDEN_FILE) as data:
        golden = {k: data[k] for k in data.files}
    return Workload(
        core=doc["core"],
        spec=doc["spec"],
        stimulus=_decode(doc["stimulus"]),
        samples=int(doc["samples"]),
        seed=doc["seed"],
        golden=golden,
        top=doc["top"],
        verilog=doc["verilog"],
    )


# -- cocotb transports -------------------------------------------------------------------------
class CocotbMMIO:
    """MMIO through cocotbext-axi's ``AxiLiteMaster``, callable from a ``bridge`` thread.

    Parameters
    ----------
    axi : cocotbext.axi.AxiLiteMaster
        On the design's ``s_axi`` port.
    """

    def __init__(self, axi):
        from cocotb.task import resume

        self.axi = axi
        self.transactions = 0
        self._read = resume(self._read_async)
        self._write = resume(self._write_async)

    async def _read_async(self, offset: int):
        return await self.axi.read(offset, 4)

    async def _write_async(self, offset: int, value: int):
        return await self.axi.write(offset, value.to_bytes(4, "little"))

    def read(self, offset: int) -> int:
        r = self._read(int(offset))
        self.transactions += 1
        if int(r.resp):
            raise BusError(f"read of offset {offset:#x} answered {r.resp.name}")
        return int.from_bytes(r.data, "little")

    def write(self, offset: int, value: int) -> None:
        if not 0 <= int(value) < 1 << 32:
            raise ValueError(f"value must fit 32 unsigned bits, not {value}")
        w = self._write(int(offset), int(value))
        self.transactions += 1
        if int(w.resp):
            raise BusError(f"write of {int(value):#x} to offset {offset:#x} answered {w.resp.name}")


def _words(value: int, k: int) -> list[int]:
    return [(value >> (32 * j)) & 0xFFFFFFFF for j in range(k)]


class _CocotbStream:
    """What a stream sink and source share: the ports, the draws, the bounded wait."""

    def __init__(self, dut, stem: str, *, rng, probability: float, what: str, max_cycles: int):
        if not 0 < probability <= 1:
            raise ValueError(f"{what} must be in (0, 1], not {probability!r}")
        self.dut = dut
        self.stem = stem
        self.payload = getattr(dut, f"{stem}_payload")
        self.valid = getattr(dut, f"{stem}_valid")
        self.ready = getattr(dut, f"{stem}_ready")
        self.rng = rng
        self.p = probability
        self.max_cycles = max_cycles
        self.stalls = 0

    async def _wait_for(self, done, describe) -> None:
        from cocotb.triggers import RisingEdge

        for _ in range(self.max_cycles):
            if done():
                return
            await RisingEdge(self.dut.clk)
        from .pynq_driver import DoneTimeout

        raise DoneTimeout(describe())

    def _block_until(self, done, describe) -> None:
        """From a ``bridge`` thread: run the simulation until ``done()`` (bounded)."""
        from cocotb.task import resume

        resume(self._wait_for)(done, describe)


class CocotbStreamSink(_CocotbStream):
    """Drains ``<stem>_payload``/``_valid``/``_ready``/``_last`` with random backpressure.

    The packet protocol of the board's DMA sink: :meth:`start` arms a packet of at most
    ``count`` words (``ready`` stays low while nothing is armed, as with an idle DMA),
    :meth:`finish` waits for it to end (``last`` taken, or ``count`` words) and returns a
    ``(words, k)`` uint32 array, word ``j`` of a row holding payload bits ``32j..32j+31``.

    Parameters
    ----------
    dut
        cocotb handle of the top level.
    stem : str
    rng : numpy.random.Generator
        Draws ``ready`` each clock.
    ready_probability : float
        Probability that ``ready`` is high in a clock while a packet is armed.
    max_cycles : int
        Clocks :meth:`finish` may wait before raising
        :class:`~spinemu.sw.pynq_driver.DoneTimeout`.
    """

    def __init__(self, dut, stem: str, *, rng, ready_probability: float = 0.5, max_cycles: int = 2_000_000):
        super().__init__(
            dut, stem, rng=rng, probability=ready_probability, what="ready_probability", max_cycles=max_cycles
        )
        self.last = getattr(dut, f"{stem}_last", None)
        self.k = max(1, -(-len(self.payload) // 32))
        self._armed = 0
        self._words: list[int] = []
        self._ended = True
        self._ready_now = 0
        self.ready.value = 0

    async def run(self) -> None:
        """The clock loop (start it with ``cocotb.start_soon``); ``stalls`` counts the
        clocks with ``valid`` high and ``ready`` low."""
        from cocotb.triggers import RisingEdge

        while True:
            await RisingEdge(self.dut.clk)
            # Values read right at the edge are those the edge sampled (cocotbext-axi's rule).
            valid = int(self.valid.value)
            if self._ready_now and valid and not self._ended:
                self._words.append(int(self.payload.value))
                if len(self._words) >= self._armed or (self.last is not None and int(self.last.value)):
                    self._ended = True
            elif valid and not self._ready_now:
                self.stalls += 1
            self._ready_now = int(not self._ended and self.rng.random() < self.p)
            self.ready.value = self._ready_now

    def start(self, count: int) -> None:
        count = int(count)
        if count < 1:
            raise ValueError(f"count must be >= 1, not {count}")
        self._armed, self._words, self._ended = count, [], False

    def finish(self) -> np.ndarray:
        try:
            self._block_until(
                lambda: self._ended,
                lambda: f"the {self.stem} packet did not end within {self.max_cycles} clocks "
                f"({len(self._words)} of {self._armed} words)",
            )
        except BaseException:
            self.abort()
            raise
        rows = [_words(v, self.k) for v in self._words]
        return np.asarray(rows, dtype=np.uint32).reshape(len(rows), self.k)

    def abort(self) -> None:
        self._ended = True


class CocotbStreamSource(_CocotbStream):
    """Feeds ``<stem>_payload``/``_valid``/``_ready`` with random gaps in ``valid``.

    :meth:`send` starts offering values (negative ones in two's complement) and returns;
    :meth:`wait` blocks until the core has taken them all.  As AXI4-Stream requires, a
    word once offered stays offered, unchanged, until the core takes it; gaps are drawn
    only between words.

    Parameters
    ----------
    dut, stem, rng, max_cycles
        As for :class:`CocotbStreamSink`.
    valid_probability : float
        Probability that a waiting word is offered in a clock.
    """

    def __init__(self, dut, stem: str, *, rng, valid_probability: float = 0.5, max_cycles: int = 2_000_000):
        super().__init__(
            dut, stem, rng=rng, probability=valid_probability, what="valid_probability", max_cycles=max_cycles
        )
        self.mask = (1 << len(self.payload)) - 1
        self._values: list[int] = []
        self.taken = 0
        self._valid_now = 0
        self.valid.value = 0

    async def run(self) -> None:
        """The clock loop (start it with ``cocotb.start_soon``); ``stalls`` counts the
        clocks a waiting word was not offered."""
        from cocotb.triggers import RisingEdge

        while True:
            await RisingEdge(self.dut.clk)
            if self._valid_now:
                if not int(self.ready.value):
                    continue  # offered and not taken: hold it
                self.taken += 1
            waiting = self.taken < len(self._values)
            self._valid_now = int(waiting and self.rng.random() < self.p)
            if waiting and not self._valid_now:
                self.stalls += 1
            if self._valid_now:
                self.payload.value = self._values[self.taken] & self.mask
            self.valid.value = self._valid_now

    def send(self, values) -> None:
        vals = [int(v) for v in np.asarray(values, dtype=np.int64).reshape(-1)]
        self._values, self.taken = vals, 0

    def wait(self) -> None:
        self._block_until(
            lambda: self.taken >= len(self._values),
            lambda: f"the core took {self.taken} of {len(self._values)} {self.stem} words",
        )


_CLOCK_STEPS: dict[int, int] = {}


def _clock_steps(dut) -> int:
    """Simulator steps per clock period of the clock :func:`start_bench` started."""
    if id(dut) not in _CLOCK_STEPS:
        raise RuntimeError("start the clock with start_bench(dut) first")
    return int(_CLOCK_STEPS[id(dut)])


async def start_bench(dut, *, clock_ns: float = 10.0, reset_cycles: int = 4):
    """Start the clock, reset the design and return an ``AxiLiteMaster`` on ``s_axi``."""
    import cocotb
    from cocotb.clock import Clock
    from cocotb.triggers import ClockCycles
    from cocotb.utils import get_sim_steps
    from cocotbext.axi import AxiLiteBus, AxiLiteMaster

    clock = Clock(dut.clk, clock_ns, unit="ns")
    _CLOCK_STEPS[id(dut)] = get_sim_steps(clock_ns, "ns")
    cocotb.start_soon(clock.start())
    dut.rst.value = 1
    axi = AxiLiteMaster(AxiLiteBus.from_prefix(dut, "s_axi"), dut.clk, dut.rst)
    await ClockCycles(dut.clk, reset_cycles)
    dut.rst.value = 0
    await ClockCycles(dut.clk, 2)
    return axi


@dataclass
class WorkloadRun:
    """What :func:`run_workload` measured.

    Attributes
    ----------
    outputs : dict of str to ndarray
        The workload's arrays (compare with ``Workload.golden``).
    stalls : dict of str to int
        Per output stream, the clocks with ``valid`` high and ``ready`` low (backpressure
        the design saw); per input stream, the clocks a waiting word was held back.
    transactions : int
        AXI4-Lite reads and writes.
    clocks : int
        Clock cycles from the start of the workload to its end.
    """

    outputs: dict
    stalls: dict
    transactions: int
    clocks: int


async def run_workload(
    dut,
    workload: Workload,
    axi,
    *,
    seed: int = 0,
    ready_probability: float = 0.5,
    valid_probability: float = 0.5,
    timeout_s: float = 600.0,
) -> dict:
    """Run ``workload`` on the design through its PYNQ driver; return the driver's arrays.

    Parameters
    ----------
    dut
        cocotb handle of the top level (after :func:`start_bench`).
    workload : Workload
    axi : cocotbext.axi.AxiLiteMaster
    seed : int
        Seeds the backpressure and gap patterns (not the design).
    ready_probability, valid_probability : float
        Of each output stream's ``ready`` and each input stream's ``valid`` per clock.
    timeout_s : float
        Wall-clock seconds the driver waits for any one done flag.

    Returns
    -------
    WorkloadRun
    """
    import cocotb
    from cocotb.simtime import get_sim_time
    from cocotb.task import bridge

    from .pynq_driver import ReadBackMMIO, binding_for

    period_steps = _clock_steps(dut)

    binding = binding_for(workload.core)
    spec = binding.spec_from_dict(workload.spec)
    rng = np.random.default_rng(seed)
    sinks = {
        s: CocotbStreamSink(dut, s, rng=rng, ready_probability=ready_probability) for s in binding.streams
    }
    sources = {
        s: CocotbStreamSource(dut, s, rng=rng, valid_probability=valid_probability) for s in binding.sources
    }
    tasks = [cocotb.start_soon(x.run()) for x in (*sinks.values(), *sources.values())]
    extra = {}
    if sinks:
        extra["streams"] = sinks
    if sources:
        extra["sources"] = sources

    bus = CocotbMMIO(axi)

    def body():
        driver = binding.driver_factory(ReadBackMMIO(bus, spec.regmap), spec, **extra)
        return binding.workload(
            driver, spec, workload.stimulus, workload.samples, seed=workload.seed, timeout=timeout_s
        )

    t0 = get_sim_time("step")
    try:
        outputs = await bridge(body)()
    finally:
        for t in tasks:
            t.cancel()
    clocks = int((get_sim_time("step") - t0) // period_steps)
    stalls = {s: x.stalls for s, x in {**sinks, **sources}.items()}
    return WorkloadRun(outputs=outputs, stalls=stalls, transactions=bus.transactions, clocks=clocks)
