"""PYNQ drivers: every spinemu core as a ``pynq.DefaultIP`` bound to its VLNV.

A core plugs in through four things, gathered in a :class:`CoreBinding`:

* its **core name** (``RegisterMap.core``, e.g. ``"pbit_array"``), from which the IP's
  VLNV follows (:func:`spinemu.boards.ip.core_vlnv`, what ``spinemu build`` packages);
* its **config kind** (``[core] kind``, e.g. ``"pbit"``) and a ``spec_from_dict``
  that rebuilds the Spec from ``manifest.json`` on the board;
* a **driver factory** ``(mmio, spec) -> driver``: the same backend-agnostic driver
  that runs on :class:`~spinemu.sw.mmio.VerilatorMMIO` in simulation (the DefaultIP
  itself is the MMIO: it has ``read(offset)`` and ``write(offset, value)``);
* optionally a **workload** ``(driver, spec, stimulus, samples, *, seed, timeout,
  allocate) -> dict of arrays``, what ``spinemu run`` calls: it must return the same
  arrays as the core plugin's ``run`` (``spinemu sim``).

:func:`register_core` records a binding and, when ``pynq`` imports, defines a
``DefaultIP`` subclass with ``bindto = [vlnv]`` (so ``pynq.Overlay`` hands out that
driver for the core's IP).  The p-bit array is registered here.  The other cores hook
in from their own modules, at import time::

    # at the end of sw/pbit_sampler.py (RegisterMap.core "pbit_net")
    from .pynq_driver import register_core
    register_core(core="pbit_net", kind="pbit", spec_from_dict=PBitNetSpec.from_dict,
                  driver_factory=PBitNetDriver, workload=_run_on_board, class_name="PBitNetIP")
    # PBitSampler(backend="pynq", overlay=ov) then gets its driver with
    #     driver = open_core(ov, "pbit_net", spec=spec)   # pynq DefaultIP + PBitNetDriver
    # sw/reservoir.py:  core="reservoir", kind="reservoir", ReservoirSpec, ReservoirDriver
    # sw/hopfield.py:   core="hopfield",  kind="hopfield",  HopfieldSpec,  HopfieldDriver
    # A core that streams (ports <name>_payload/_valid/_ready[/_last]) gets an AXI DMA
    # `dma_<name>` from `spinemu build`; register it with streams=("<name>",) and its
    # driver factory is called as factory(mmio, spec, streams={"<name>": sink}), sink a
    # DMAStreamSink (pynq.allocate buffers; NativeStreamSink in simulation).

Those modules are listed in :data:`BINDING_MODULES`, which :func:`binding_for` (and
so ``spinemu run``) imports.  A workload must return what the core plugin's ``run``
returns for ``spinemu sim``, so both write the same ``.npz``.
Every on-board error is a clear exception: :class:`DeploymentError` (bitfile or
``.hwh`` missing, no PYNQ, IP not in the overlay), :class:`~spinemu.sw.mmio.BusError`
(register read-back mismatch, wrong ``ID``) and :class:`DoneTimeout` (a done flag
that never comes).

This module imports neither amaranth nor ``spinemu.gen``; pynq only if installed.
"""

from __future__ import annotations

import importlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

import numpy as np

from ..boards.ip import core_vlnv
from ..sim_golden.regmap import Access, RegisterMap
from .mmio import BusError

try:  # a board, or the test venv; the main development venv has no pynq
    import pynq
    from pynq import DefaultIP
except Exception:  # noqa: BLE001 - pynq absent, or broken by an incompatible numpy
    pynq = None
    DefaultIP = None

__all__ = [
    "PYNQ_AVAILABLE",
    "BINDING_MODULES",
    "DeploymentError",
    "DoneTimeout",
    "CoreBinding",
    "ReadBackMMIO",
    "register_core",
    "binding_for",
    "ip_class",
    "wait_until",
    "check_overlay_files",
    "open_overlay",
    "find_core_ip",
    "open_core",
    "load_manifest",
    "overlay_spec",
    "overlay_and_spec",
    "spec_diff",
    "run_pbit_array",
    "dma_cell",
    "NativeStreamSink",
    "DMAStreamSink",
    "NativeStreamSource",
    "DMAStreamSource",
    "find_stream_dma",
]

#: Whether ``pynq`` imported (the DefaultIP subclasses exist only then).
PYNQ_AVAILABLE = pynq is not None

#: Modules whose import registers a core binding (``spinemu run`` imports them all).
BINDING_MODULES = (
    "spinemu.sw.pynq_driver",
    "spinemu.sw.pbit_sampler",
    "spinemu.sw.reservoir",
    "spinemu.sw.hopfield",
)


class DeploymentError(RuntimeError):
    """The overlay cannot be used: missing files, no PYNQ, or the core's IP is absent."""


class DoneTimeout(BusError):
    """A core's done flag did not come within the timeout."""


@dataclass(frozen=True)
class CoreBinding:
    """How a core plugs into PYNQ (see the module docstring)."""

    core: str
    kind: str
    spec_from_dict: Callable
    driver_factory: Callable
    workload: Callable | None = None
    streams: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    @property
    def vlnv(self) -> str:
        return core_vlnv(self.core)


_BINDINGS: dict[str, CoreBinding] = {}
_IP_CLASSES: dict[str, type] = {}


def register_core(
    *,
    core: str,
    kind: str,
    spec_from_dict,
    driver_factory,
    workload=None,
    class_name: str | None = None,
    streams: tuple[str, ...] = (),
    sources: tuple[str, ...] = (),
):
    """Register a core; return its ``DefaultIP`` subclass (``None`` without pynq).

    ``class_name`` names the subclass (default: the core name in CamelCase + ``IP``).
    ``streams`` names the core's output streams drained by an AXI DMA on a board (the
    stems of its ``<stem>_payload``/``_valid``/``_ready`` ports); with streams the
    driver factory is called as ``driver_factory(mmio, spec, streams={stem: sink})``.
    ``sources`` names its input streams, fed by an AXI DMA (MM2S): the factory then also
    gets ``sources={stem: source}``.
    Registering the same core again replaces the binding (and pynq's driver).
    """
    binding = CoreBinding(
        core=core,
        kind=kind,
        spec_from_dict=spec_from_dict,
        driver_factory=driver_factory,
        workload=workload,
        streams=tuple(streams),
        sources=tuple(sources),
    )
    _BINDINGS[core] = binding
    if not PYNQ_AVAILABLE:
        return None
    name = class_name or "".join(part.title() for part in core.split("_")) + "IP"
    cls = type(
        name,
        (SpinemuIP,),
        {
            "bindto": [binding.vlnv],
            "binding": binding,
            "__module__": __name__,
            "__doc__": f"PYNQ driver of the spinemu {core} core ({binding.vlnv}).",
        },
    )
    _IP_CLASSES[core] = cls
    return cls


def binding_for(core: str) -> CoreBinding:
    """The binding of ``core`` (importing :data:`BINDING_MODULES` first)."""
    if core not in _BINDINGS:
        for mod in BINDING_MODULES:
            try:
                importlib.import_module(mod)
            except ImportError:
                continue
    try:
        return _BINDINGS[core]
    except KeyError:
        raise DeploymentError(
            f"no PYNQ driver is registered for core {core!r}; known: {', '.join(sorted(_BINDINGS)) or 'none'}"
        ) from None


def ip_class(core: str) -> type:
    """The ``DefaultIP`` subclass of ``core``."""
    _need_pynq()
    binding_for(core)
    return _IP_CLASSES[core]


def _need_pynq():
    if not PYNQ_AVAILABLE:
        raise DeploymentError(
            "the pynq package is not installed (or does not import): run this on a "
            "PYNQ board image, or `pip install pynq 'numpy<2'`; on a development "
            "machine use the golden or rtl backend (`spinemu sim`)"
        )


class ReadBackMMIO:
    """MMIO that reads back every write to a read-write register and compares.

    Parameters
    ----------
    mmio : MMIO
        ``pynq.MMIO``, a DefaultIP, or any ``read``/``write`` object.
    regmap : RegisterMap
        Tells which offsets are ``rw`` and how many bits they hold.

    Raises
    ------
    BusError
        On a mismatch, naming the register, the offset and both values: the bitstream
        does not match the register map, or the bus is not reaching the core.
    """

    def __init__(self, mmio, regmap: RegisterMap):
        self.mmio = mmio
        self.regmap = regmap

    def read(self, offset: int) -> int:
        return int(self.mmio.read(offset))

    def write(self, offset: int, value: int) -> None:
        self.mmio.write(offset, int(value))
        hit = self.regmap.decode(offset)
        if hit is None or hit[0].access is not Access.RW:
            return
        reg, index = hit
        mask = (1 << reg.width) - 1
        back = int(self.mmio.read(offset)) & mask
        if back != int(value) & mask:
            name = reg.name + (f"[{index}]" if reg.count > 1 else "")
            raise BusError(
                f"register read-back mismatch: wrote {int(value) & mask:#x} to {name} "
                f"(offset {offset:#x}) but read {back:#x}; the bitstream does not match "
                "regmap.json, or the register is not reaching the core"
            )


def wait_until(read: Callable[[], int], done: Callable[[int], bool], *, timeout: float, what: str) -> int:
    """Poll ``read()`` until ``done(value)``; return the value.

    Raises
    ------
    DoneTimeout
        After ``timeout`` seconds, naming ``what`` and the last value read.
    """
    if not timeout > 0:
        raise ValueError(f"timeout must be > 0, not {timeout}")
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise DoneTimeout(
                f"{what} did not come within {timeout:g} s (last read {value}); "
                "is the core clocked and out of reset?"
            )


# -- overlays --------------------------------------------------------------------------------
def check_overlay_files(bitfile) -> tuple[Path, Path]:
    """Return ``(bitfile, hwh)``; raise :class:`DeploymentError` if either is missing."""
    bit = Path(bitfile)
    if bit.suffix != ".bit":
        raise DeploymentError(f"bitfile must be a .bit file, not {bit}")
    if not bit.is_file():
        raise DeploymentError(
            f"bitfile {bit} not found; build it with `spinemu build` and Vivado "
            "and copy the overlay/ folder to the board"
        )
    hwh = bit.with_suffix(".hwh")
    if not hwh.is_file():
        raise DeploymentError(
            f"hardware handoff {hwh} not found: PYNQ needs the .hwh next to the "
            f".bit with the same name (build.tcl copies both to overlay/)"
        )
    return bit, hwh


def open_overlay(bitfile, *, download: bool = True, device=None):
    """Load ``bitfile`` with ``pynq.Overlay`` after checking its files."""
    _need_pynq()
    bit, _ = check_overlay_files(bitfile)
    try:
        return pynq.Overlay(str(bit), download=download, device=device)
    except RuntimeError as exc:
        if "No Devices Found" in str(exc):
            raise DeploymentError("pynq found no FPGA device: run on a PYNQ board") from None
        raise


def find_core_ip(overlay, core: str) -> str:
    """Name of the (single) IP of ``core`` in ``overlay.ip_dict``.

    Raises
    ------
    DeploymentError
        If the overlay has no such IP (listing what it has), or several.
    """
    vlnv = core_vlnv(core)
    vln = vlnv.rpartition(":")[0]
    ips = getattr(overlay, "ip_dict", {})
    hits = [n for n, d in ips.items() if d.get("type") == vlnv]
    if not hits:
        other = [n for n, d in ips.items() if str(d.get("type", "")).startswith(vln + ":")]
        if other:
            raise DeploymentError(
                f"the overlay has {core} IP of another version "
                f"({ips[other[0]]['type']}), this spinemu drives {vlnv}: "
                "rebuild the overlay"
            )
        found = ", ".join(f"{n} ({d.get('type')})" for n, d in ips.items()) or "none"
        raise DeploymentError(f"IP {vlnv} is not in the overlay; its IPs: {found}")
    if len(hits) > 1:
        raise DeploymentError(f"the overlay has {len(hits)} {core} cores ({', '.join(hits)}); pass ip_name")
    return hits[0]


def load_manifest(bitfile) -> dict:
    """``manifest.json`` next to ``bitfile`` (written there by ``spinemu build``)."""
    path = Path(bitfile).with_name("manifest.json")
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise DeploymentError(f"{path} not found: copy the whole overlay/ folder to the board") from None


def overlay_spec(overlay) -> dict | None:
    """The ``spec`` of ``manifest.json`` next to the overlay's bitfile, if there is one."""
    name = getattr(overlay, "bitfile_name", None)
    if name is None:
        return None
    path = Path(name).with_name("manifest.json")
    if not path.is_file():
        return None
    return json.loads(path.read_text()).get("spec")


def overlay_and_spec(overlay) -> tuple[object, dict | None]:
    """``(overlay, spec)``: the overlay and the ``spec`` of its ``manifest.json``.

    ``overlay`` is a loaded overlay, or a ``.bit`` path (``str`` or path-like) that
    :func:`open_overlay` loads; ``spec`` is :func:`overlay_spec` of it (``None``
    without a manifest).
    """
    ov = open_overlay(overlay) if isinstance(overlay, str | PathLike) else overlay
    return ov, overlay_spec(ov)


def spec_diff(built: dict, want: dict, keys=None) -> list[str]:
    """``"<field> <built value> (here <wanted value>)"`` for every field that differs.

    ``built`` is an overlay's Spec dict (:func:`overlay_spec`), ``want`` the Spec dict
    the caller drives; ``keys`` (default: all of ``want``'s) are the fields compared.
    """
    return [
        f"{k} {built.get(k)!r} (here {want[k]!r})"
        for k in (want if keys is None else keys)
        if built.get(k) != want[k]
    ]


def open_core(
    overlay,
    core: str,
    *,
    spec,
    ip_name: str | None = None,
    check_writes: bool = True,
    allocate=None,
    timeout: float = 5.0,
):
    """The driver of the ``core`` IP in ``overlay``, built on its ``DefaultIP``.

    Parameters
    ----------
    overlay : pynq.Overlay
        Or anything with ``ip_dict`` and the IPs as attributes.
    core : str
        Register-map core name.
    spec : Spec
        The core's Spec (e.g. from the config, or ``load_manifest``).
    ip_name : str or None
        Instance name; found by VLNV when None.
    check_writes : bool
        Read back every ``rw`` register write (:class:`ReadBackMMIO`).
    allocate : callable or None
        ``allocate(shape, dtype)`` for DMA buffers (default ``pynq.allocate``).
    timeout : float
        Seconds a stream's DMA transfer may take (:class:`DMAStreamSink`).

    Raises
    ------
    DeploymentError
        The IP is missing, or a stream of the core has no AXI DMA in the overlay.
    """
    binding = binding_for(core)
    name = ip_name or find_core_ip(overlay, core)
    ip = getattr(overlay, name)
    if PYNQ_AVAILABLE and not isinstance(ip, _IP_CLASSES[core]):
        raise DeploymentError(
            f"IP {name} got driver {type(ip).__name__}, not the spinemu "
            f"{_IP_CLASSES[core].__name__}: import spinemu.sw.pynq_driver before "
            "loading the overlay"
        )
    extra = {}
    if binding.streams or binding.sources:
        if allocate is None:
            _need_pynq()
            allocate = pynq.allocate
    if binding.streams:
        extra["streams"] = {
            stem: DMAStreamSink(find_stream_dma(overlay, core, stem), allocate=allocate, timeout=timeout)
            for stem in binding.streams
        }
    if binding.sources:
        extra["sources"] = {
            stem: DMAStreamSource(
                find_stream_dma(overlay, core, stem, direction="in"), allocate=allocate, timeout=timeout
            )
            for stem in binding.sources
        }
    if hasattr(ip, "driver"):
        return ip.driver(spec, check_writes=check_writes, **extra)
    mmio = ReadBackMMIO(ip, spec.regmap) if check_writes else ip
    return binding.driver_factory(mmio, spec, **extra)


# -- streams ---------------------------------------------------------------------------------
# A stream sink drains one output stream of a core (``<stem>_payload``/``_valid``/
# ``_ready``/``_last``): ``start(count)`` arms it for a packet of at most ``count`` words,
# ``finish()`` waits until the packet ended (``last`` taken, or ``count`` words) and
# returns the words as a ``(words, k)`` uint32 array, word ``j`` of a row holding payload
# bits ``32j..32j+31``; ``abort()`` drops a transfer after an error.


def dma_cell(stem: str) -> str:
    """Block-design cell name of the AXI DMA draining stream ``stem`` (``bd.tcl``'s ``dma_<stem>``)."""
    return f"dma_{stem}"


def find_stream_dma(overlay, core: str, stem: str, *, direction: str = "out"):
    """The AXI DMA of stream ``stem`` in ``overlay`` (a ``pynq.lib.dma.DMA``).

    ``direction`` is the stream's: ``"out"`` (core to memory, the S2MM channel) or
    ``"in"`` (memory to core, MM2S).

    Raises
    ------
    DeploymentError
        If the overlay has no such DMA, or it lacks the channel.
    """
    name = dma_cell(stem)
    desc = getattr(overlay, "ip_dict", {}).get(name)
    if desc is None or not str(desc.get("type", "")).startswith("xilinx.com:ip:axi_dma:"):
        raise DeploymentError(
            f"the overlay has no AXI DMA {name} for the {stem} stream of the {core} core: "
            "rebuild the overlay with `spinemu build` (the core stalls when its stream is "
            "not drained)"
        )
    dma = getattr(overlay, name)
    if direction == "out" and getattr(dma, "recvchannel", None) is None:
        raise DeploymentError(f"the AXI DMA {name} has no S2MM (stream to memory) channel")
    if direction == "in" and getattr(dma, "sendchannel", None) is None:
        raise DeploymentError(f"the AXI DMA {name} has no MM2S (memory to stream) channel")
    return dma


def _dma_words(dma, parameter: str) -> int:
    """32-bit words per transfer of a DMA channel, from its ``.hwh`` stream width."""
    params = {str(k).lower(): v for k, v in getattr(dma, "description", {}).get("parameters", {}).items()}
    bits = int(params.get(parameter, 32))
    if bits % 32:
        raise DeploymentError(f"DMA stream width {bits} is not a multiple of 32 bits")
    return bits // 32


class NativeStreamSink:
    """A stream of a native Verilator model (simulation), drained as a DMA would: ``ready``
    is high from :meth:`start` until ``count`` words have been taken, then low until the
    next :meth:`start` (words beyond the transfer wait in the core).

    Parameters
    ----------
    model : NativeModel
    stem : str
        Stream name: ports ``<stem>_payload``, ``_valid``, ``_ready`` and ``_last``.
    max_cycles : int
        Clock cycles :meth:`finish` may run the model before giving up.
    """

    def __init__(self, model, stem: str, *, max_cycles: int = 10_000_000):
        self.model = model
        self.data, self.valid, self.ready, self.last = (
            f"{stem}_{x}" for x in ("payload", "valid", "ready", "last")
        )
        self.max_cycles = max_cycles
        self._count = 0
        model.set(self.ready, 1)

    def start(self, count: int) -> None:
        self.model.set(self.ready, 1)
        self._count = int(count)
        self.model.record(self.data, self.valid, max(1, self._count), ready=self.ready, last=self.last)

    def _ended(self) -> bool:
        return self.model.record_ended

    def finish(self) -> np.ndarray:
        ran = 0
        while not self._ended():
            if ran >= self.max_cycles:
                self.abort()
                raise DoneTimeout(f"the {self.data} packet did not end within {self.max_cycles} cycles")
            self.model.step(64)
            ran += 64
        return self.model.stop_recording()[: self._count]

    def abort(self) -> None:
        try:
            self.model.stop_recording()
        except RuntimeError:
            pass


class DMAStreamSink:
    """A stream drained into a ``pynq.allocate`` buffer by an AXI DMA (S2MM, simple mode).

    Parameters
    ----------
    dma : pynq.lib.dma.DMA
        The DMA whose ``S_AXIS_S2MM`` the stream drives (``find_stream_dma``).
    allocate : callable
        ``allocate(shape, dtype)``: ``pynq.allocate`` on a board.
    timeout : float
        Seconds a transfer may take after :meth:`start`.

    Notes
    -----
    A word is ``c_s_axis_s2mm_tdata_width`` bits (from the ``.hwh``). The transfer ends
    on the core's ``last`` (TLAST) or when the buffer is full; the DMA's length register
    then holds the bytes received.
    """

    def __init__(self, dma, *, allocate, timeout: float = 5.0):
        self.dma = dma
        self.channel = dma.recvchannel
        self.allocate = allocate
        self.timeout = timeout
        self.words = _dma_words(dma, "c_s_axis_s2mm_tdata_width")
        self._buf = None

    def start(self, count: int) -> None:
        count = int(count)
        if count < 1:
            raise ValueError(f"count must be >= 1, not {count}")
        self._buf = self.allocate((count, self.words), np.uint32)
        self.channel.transfer(self._buf)

    def finish(self) -> np.ndarray:
        if self._buf is None:
            raise RuntimeError("call start() first")
        ch = self.channel
        try:
            wait_until(
                lambda: int(ch.idle or ch.error),
                bool,
                timeout=self.timeout,
                what=f"the end of the DMA transfer of {self._buf.shape[0]} stream words",
            )
        except DoneTimeout:
            self.abort()
            raise
        if ch.error:
            self.abort()
            raise BusError("the stream's AXI DMA reports an error (DMASR error bits set)")
        ch.wait()  # idle already: invalidates the buffer, reads the length register
        n = int(ch.transferred) // (4 * self.words)
        out = np.array(self._buf[:n], dtype=np.uint32, copy=True)
        self._buf = None
        return out

    def abort(self) -> None:
        self._buf = None
        try:
            self.channel.stop()
            self.channel.start()
        except Exception:  # noqa: BLE001 - best effort after an error
            pass


# A stream source feeds one input stream of a core (``<stem>_payload``/``_valid``/
# ``_ready``): ``send(values)`` starts offering the values (one transfer each, at most
# 32 bits; negative values in two's complement) and returns at once; ``wait()`` blocks
# until the core has taken them all.


class NativeStreamSource:
    """An input stream of a native Verilator model (simulation)."""

    def __init__(self, model, stem: str, *, max_cycles: int = 100_000_000):
        self.model = model
        self.data, self.valid, self.ready = (f"{stem}_{x}" for x in ("payload", "valid", "ready"))
        self.max_cycles = max_cycles
        self._count = 0

    def send(self, values) -> None:
        vals = np.asarray(values, dtype=np.int64).reshape(-1)
        self._count = len(vals)
        self.model.feed(self.data, self.valid, self.ready, vals)

    def wait(self) -> None:
        ran = 0
        while self.model.fed < self._count:
            if ran >= self.max_cycles:
                self.model.stop_feeding()
                raise DoneTimeout(f"the core took {self.model.fed} of {self._count} {self.data} words")
            self.model.step(64)
            ran += 64
        self.model.stop_feeding()


class DMAStreamSource:
    """An input stream fed from a ``pynq.allocate`` buffer by an AXI DMA (MM2S, simple mode).

    Parameters are those of :class:`DMAStreamSink`; a word is ``c_m_axis_mm2s_tdata_width``
    bits.
    """

    def __init__(self, dma, *, allocate, timeout: float = 5.0):
        self.dma = dma
        self.channel = dma.sendchannel
        self.allocate = allocate
        self.timeout = timeout
        self.words = _dma_words(dma, "c_m_axis_mm2s_tdata_width")
        self._buf = None

    def send(self, values) -> None:
        vals = np.asarray(values, dtype=np.int64).reshape(-1)
        if not len(vals):
            return
        self._buf = self.allocate((len(vals), self.words), np.uint32)
        self._buf[:] = 0
        self._buf[:, 0] = (vals & 0xFFFFFFFF).astype(np.uint32)
        self.channel.transfer(self._buf)

    def wait(self) -> None:
        if self._buf is None:
            return
        ch = self.channel
        wait_until(
            lambda: int(ch.idle or ch.error),
            bool,
            timeout=self.timeout,
            what=f"the core taking {self._buf.shape[0]} input stream words",
        )
        if ch.error:
            raise BusError("the input stream's AXI DMA reports an error (DMASR error bits set)")
        ch.wait()
        self._buf = None


if PYNQ_AVAILABLE:

    class SpinemuIP(DefaultIP):
        """Base of the spinemu core drivers (subclasses set ``bindto`` and ``binding``).

        The IP object is itself an MMIO (``read``/``write`` from ``DefaultIP``).
        """

        binding: CoreBinding | None = None

        def __init__(self, description):
            super().__init__(description)
            self.description = description

        def driver(self, spec, *, check_writes: bool = True, **extra):
            """The core's backend-agnostic driver over this IP's registers.

            ``extra`` (``streams={stem: sink}`` for a streaming core) goes to the
            binding's driver factory.
            """
            if self.binding is None:
                raise DeploymentError(f"{type(self).__name__} is not bound to a core")
            mmio = ReadBackMMIO(self, spec.regmap) if check_writes else self
            return self.binding.driver_factory(mmio, spec, **extra)

    __all__.append("SpinemuIP")


# -- the p-bit array -------------------------------------------------------------------------
def run_pbit_array(
    driver, spec, stimulus, samples: int, *, seed=None, timeout: float = 5.0, allocate=None
) -> dict:
    """The ``spinemu sim`` workload of the p-bit array on a board: ``{"m": (samples, n) int8}``.

    Each sample is one ``STEP 1`` command, a wait for ``STEPS_LEFT == 0`` (the done
    flag) and a read of the ``SAMPLE`` words, so the result equals the golden model's
    samples for the same Spec and seed.  ``allocate(shape, dtype)`` (``pynq.allocate``
    on a board) supplies the buffer the packed sample words are collected in.
    """
    if not isinstance(samples, int) or samples < 0:
        raise ValueError(f"samples must be a non-negative integer, not {samples!r}")
    driver.set_inputs(np.asarray(stimulus["I_q"], dtype=np.int64))
    if seed is not None:
        driver.load_seed(seed)
    regs = driver.regs
    sample_reg = spec.regmap["SAMPLE"]
    words = sample_reg.count
    shape = (samples, words)
    buf = allocate(shape, np.uint32) if allocate is not None else np.empty(shape, dtype=np.uint32)
    mmio = regs.mmio
    for t in range(samples):
        regs.write("STEP", 1)
        wait_until(
            lambda: regs.read("STEPS_LEFT"),
            lambda v: v == 0,
            timeout=timeout,
            what=f"STEPS_LEFT == 0 after sample {t}",
        )
        for k in range(words):
            buf[t, k] = int(mmio.read(sample_reg.address(k)))
    bits = np.unpackbits(
        np.ascontiguousarray(buf).view(np.uint8).reshape(samples, 4 * words), axis=1, bitorder="little"
    )[:, : spec.n]
    return {"m": (2 * bits.astype(np.int8) - 1).astype(np.int8)}


def _register_builtin():
    from ..sim_golden.pbit_spec import PBitArraySpec
    from .pbit_array import PBitArrayDriver

    return register_core(
        core="pbit_array",
        kind="pbit",
        spec_from_dict=PBitArraySpec.from_dict,
        driver_factory=PBitArrayDriver,
        workload=run_pbit_array,
        class_name="PBitArrayIP",
    )


PBitArrayIP = _register_builtin()
if PBitArrayIP is not None:
    __all__.append("PBitArrayIP")
else:
    del PBitArrayIP
