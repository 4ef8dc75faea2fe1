"""The streaming cores (reservoir, Hopfield) on PYNQ: AXI DMA, ``spinemu run``, user APIs.

Runs through the real pynq package with no board, like ``test_pynq_driver.py``:
:class:`StreamingDevice` adds to that file's ``NativeDevice`` an emulated AXI DMA in
simple (direct register) mode, driven by pynq's own ``pynq.lib.dma.DMA`` driver, so the
registers it touches are those of PG021: ``S2MM_DMACR`` (0x30, bit 0 run), ``S2MM_DMASR``
(0x34, bit 0 halted, bit 1 idle), ``S2MM_DA`` (0x48/0x4C) and ``S2MM_LENGTH`` (0x58,
writing it starts a transfer; it reads back the bytes received).  While a transfer runs
the core's ``<stem>_ready`` is high and the native model records the stream (each
status read lets the model run 32 clock cycles, as the fabric runs on while software
polls); the
transfer ends, as in hardware, when the length is reached or the word marked
``<stem>_last`` (TLAST) has been taken, and the words land in the ``pynq.allocate``
buffer at ``S2MM_DA``.  Outside a transfer ``ready`` is low, so the core stalls on its
stream exactly as it would behind an idle DMA.

Known answers: the golden models (bit-exact) and ``spinemu sim`` for the same config.
"""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import numpy as np
import pytest
from spinemu.gen.cli import main
from spinemu.gen.native import build_native
from spinemu.gen.verilog import design_for_spec
from spinemu.gen.vivado import find_streams
from spinemu.sw import pynq_driver as pd
from spinemu.sw.mmio import BusError
from test_pynq_driver import NativeDevice, active_devices, build_overlay, ip_description

__all__: list[str] = []

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
DMA_VLNV = "xilinx.com:ip:axi_dma:7.1"


class NativeDMA:
    """AXI DMA S2MM channel (simple mode) emulated on a stream of the native model."""

    def __init__(self, device, stream):
        self.device, self.stream = device, stream
        self.model = device.model
        self.words = stream.tdata_width // 32
        self.dmacr = 0
        self.da = 0
        self.length = 0
        self.busy = False
        self.never_ready = False  # fault injection: the DMA never accepts a word
        self.transfers = 0
        self._pre: list = []

    def reset(self):
        self.dmacr, self.busy, self.length = 0, False, 0
        self.model.set(self.stream.ready, 0)

    def _finish(self):
        rec = self.model.stop_recording()
        words = [*self._pre, *rec[:, : self.words]]
        n = len(words)
        raw = np.zeros((n, self.words), dtype=np.uint32)
        for k, w in enumerate(words):
            raw[k, : len(w)] = w
        self.device.write_memory(self.da, raw.tobytes())
        self.length = n * 4 * self.words
        self.busy = False
        self.model.set(self.stream.ready, 0)

    def _poll(self):
        if not self.busy:
            return
        # The fabric runs on while software polls the DMA: 32 clocks, one at a time,
        # because the DMA drops tready right after the TLAST word (a core fed by an
        # input stream has the next sample's words ready soon after).
        last = self.stream.last
        for _ in range(32):
            self.model.step(1)
            n = len(self._pre) + self.model.recorded
            ended = n > 0 and last and self.model.get(last) and not self.model.get(self.stream.valid)
            if n >= self.capacity:
                # the recorder saw the last word as it became valid: the DMA takes it
                # at the next edge, then drops tready
                self.model.step(1)
                self._finish()
                return
            if ended:
                self._finish()
                return

    def read(self, offset):
        if offset == 0x30:
            return self.dmacr
        if offset == 0x34:
            self._poll()
            run = self.dmacr & 1
            return (0 if run else 1) | (2 if run and not self.busy else 0)
        if offset == 0x58:
            return self.length
        return 0

    def write(self, offset, value):
        if offset == 0x30:
            self.dmacr = value
            if not value & 1 and self.busy:
                self._finish()
        elif offset == 0x48:
            self.da = (self.da & ~0xFFFFFFFF) | value
        elif offset == 0x4C:
            self.da = (self.da & 0xFFFFFFFF) | (value << 32)
        elif offset == 0x58:
            assert self.dmacr & 1 and not self.busy, "S2MM_LENGTH written while halted or busy"
            self.capacity = value // (4 * self.words)
            self.busy = True
            self.transfers += 1
            if self.never_ready:
                self.model.record(self.stream.data, self.stream.valid, 1)
                return
            # A word already valid is taken at the next edge (the recorder sees later ones).
            self._pre = [self.model.get(self.stream.data)] if self.model.get(self.stream.valid) else []
            self._pre = [
                np.array([(w >> (32 * j)) & 0xFFFFFFFF for j in range(self.words)]) for w in self._pre
            ]
            self.model.set(self.stream.ready, 1)
            self.model.record(self.stream.data, self.stream.valid, max(1, self.capacity - len(self._pre)))


class NativeMM2S:
    """AXI DMA MM2S channel (simple mode) emulated on an input stream of the native model.

    PG021's registers: ``MM2S_DMACR`` (0x00, bit 0 run), ``MM2S_DMASR`` (0x04, bit 0
    halted, bit 1 idle), ``MM2S_SA`` (0x18/0x1C) and ``MM2S_LENGTH`` (0x28, writing it
    starts the transfer).  The words are read from the ``pynq.allocate`` buffer at
    ``MM2S_SA`` and offered to the core (the native model's feed, ``valid`` high while
    words remain); each status read lets the model run 32 clock cycles.
    """

    def __init__(self, device, stream):
        self.device, self.stream = device, stream
        self.model = device.model
        self.words = stream.tdata_width // 32
        self.dmacr = 0
        self.sa = 0
        self.length = 0
        self.busy = False
        self.transfers = 0
        self.count = 0

    def reset(self):
        self.dmacr, self.busy, self.length = 0, False, 0
        self.model.stop_feeding()

    def _poll(self):
        if not self.busy:
            return
        self.model.step(32)
        if self.model.fed >= self.count:
            self.model.stop_feeding()
            self.busy = False

    def read(self, offset):
        if offset == 0x00:
            return self.dmacr
        if offset == 0x04:
            self._poll()
            run = self.dmacr & 1
            return (0 if run else 1) | (2 if run and not self.busy else 0)
        if offset == 0x28:
            return self.length
        return 0

    def write(self, offset, value):
        if offset == 0x00:
            self.dmacr = value
            if not value & 1 and self.busy:
                self.model.stop_feeding()
                self.busy = False
        elif offset == 0x18:
            self.sa = (self.sa & ~0xFFFFFFFF) | value
        elif offset == 0x1C:
            self.sa = (self.sa & 0xFFFFFFFF) | (value << 32)
        elif offset == 0x28:
            assert self.dmacr & 1 and not self.busy, "MM2S_LENGTH written while halted or busy"
            raw = np.frombuffer(self.device.read_memory(self.sa, value), np.uint32).reshape(-1, self.words)
            self.count = raw.shape[0]
            self.length = value
            self.busy = True
            self.transfers += 1
            # the core's port is narrower than the DMA's word: its low bits
            low = raw[:, 0].astype(np.int64)
            self.model.feed(self.stream.data, self.stream.valid, self.stream.ready, low)


class StreamingDevice(NativeDevice):
    """``NativeDevice`` plus one emulated AXI DMA per stream of the core (S2MM for an
    output stream, MM2S for an input stream)."""

    def __init__(self, model, base: int, dma_bases: dict):
        super().__init__(model, base)
        streams = {s.stem: s for s in find_streams(model.design.ports)}
        self.dmas = {
            b: (NativeDMA if streams[stem].direction == "out" else NativeMM2S)(self, streams[stem])
            for stem, b in dma_bases.items()
        }
        self.objects = []

    def download(self, bitstream, parser=None):
        super().download(bitstream, parser)
        for dma in self.dmas.values():
            dma.reset()

    def _dma(self, address):
        for b, dma in self.dmas.items():
            if b <= address < b + 0x10000:
                return dma, address - b
        return None, None

    def read_registers(self, address, length):
        dma, off = self._dma(address)
        if dma is None:
            return super().read_registers(address, length)
        return struct.pack("<I", dma.read(off))

    def write_registers(self, address, data):
        dma, off = self._dma(address)
        if dma is None:
            return super().write_registers(address, data)
        (value,) = struct.unpack("<I", bytes(data))
        dma.write(off, value)

    def allocate(self, shape, dtype, **kwargs):
        buf = super().allocate(shape, dtype, **kwargs)
        self.objects.append(buf)
        return buf

    def _buffer_at(self, address, nbytes):
        for buf in self.objects:
            start = buf.device_address
            if start <= address and address + nbytes <= start + buf.nbytes:
                return np.asarray(buf).reshape(-1).view(np.uint8), address - start
        raise AssertionError(f"DMA access to {address:#x} outside every allocated buffer")

    def read_memory(self, address, nbytes) -> bytes:
        flat, off = self._buffer_at(address, nbytes)
        return flat[off : off + nbytes].tobytes()

    def write_memory(self, address, data: bytes):
        flat, off = self._buffer_at(address, len(data))
        flat[off : off + len(data)] = np.frombuffer(data, np.uint8)


def dma_description(stream_info, *, name):
    desc = ip_description(DMA_VLNV, phys_addr=stream_info["dma_base"], name=name)
    width = str(stream_info["tdata_width"])
    out = stream_info["direction"] == "out"
    desc[name]["parameters"] = {
        "c_include_sg": "0",
        "c_micro_dma": "0",
        "c_sg_length_width": "26",
        "c_include_s2mm": "1" if out else "0",
        "c_include_mm2s": "0" if out else "1",
    }
    if out:
        desc[name]["parameters"].update(c_s_axis_s2mm_tdata_width=width, c_m_axi_s2mm_data_width=width)
    else:
        desc[name]["parameters"].update(c_m_axis_mm2s_tdata_width=width, c_m_axi_mm2s_data_width=width)
    return desc


def _config(kind, tmp_path):
    cfg = tmp_path / f"{kind}.toml"
    shutil.copyfile(EXAMPLES / f"{kind}.toml", cfg)
    from spinemu.gen.config import load_config

    return cfg, load_config(cfg)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """`spinemu build` of both examples, with the placeholder files Vivado would write."""
    out = {}
    for kind in ("reservoir", "hopfield"):
        folder = tmp_path_factory.mktemp(kind)
        cfg, config = _config(kind, folder)
        dest, info = build_overlay(cfg)
        out[kind] = (cfg, config, dest, info)
    return out


def _device(config, info, *, with_dma=True):
    model = build_native(design_for_spec(config.spec))
    dev = StreamingDevice(
        model, info["core_base"], {s["stem"]: s["dma_base"] for s in info["streams"]} if with_dma else {}
    )
    dev.ip_dict = ip_description(info["vlnv"], phys_addr=info["core_base"], name="core")
    if with_dma:
        for s in info["streams"]:
            dev.ip_dict.update(dma_description(s, name=s["dma_cell"]))
    return dev


@pytest.fixture()
def activate():
    """``activate(dev)`` makes ``dev`` pynq's active device (restored afterwards)."""
    with active_devices() as use:
        yield use


def test_streams_of_the_cores(built):
    """Both cores stream with backpressure and TLAST, so each gets one S2MM DMA; the
    reservoir also takes its inputs as a stream (an MM2S DMA)."""
    got = {
        k: [(s["stem"], s["direction"], s["last"], s["tdata_width"]) for s in v[3]["streams"]]
        for k, v in built.items()
    }
    assert got == {
        "reservoir": [("state", "out", True, 32), ("input", "in", False, 32)],
        "hopfield": [("sweep", "out", True, 32)],
    }
    assert pd.ip_class("reservoir").bindto == [built["reservoir"][3]["vlnv"]]
    assert pd.ip_class("hopfield").bindto == [built["hopfield"][3]["vlnv"]]


@pytest.mark.parametrize("kind,cycles", [("reservoir", 6), ("hopfield", 8)])
def test_build_then_run_writes_what_sim_writes(built, activate, kind, cycles, tmp_path, capsys):
    cfg, config, dest, info = built[kind]
    dev = activate(_device(config, info))
    bit = dest / info["bitfile"]
    run_out, sim_out = tmp_path / "run.npz", tmp_path / "sim.npz"
    argv = ["--cycles", str(cycles), "--seed", "5", "-o"]
    assert main(["run", str(cfg), "--board", "pynq-z2", "--bitfile", str(bit), *argv, str(run_out)]) == 0
    assert main(["sim", str(cfg), "--backend", "golden", *argv, str(sim_out)]) == 0
    ran, sim = np.load(run_out), np.load(sim_out)
    assert sorted(ran.files) == sorted(sim.files)
    for key in sim.files:
        assert ran[key].dtype == sim[key].dtype, key
        np.testing.assert_array_equal(ran[key], sim[key], err_msg=key)
    (dma,) = [d for d in dev.dmas.values() if isinstance(d, NativeDMA)]
    # One DMA packet per input sample (reservoir) or per recall (Hopfield).
    assert dma.transfers == cycles
    # The reservoir's samples went in as one MM2S transfer.
    assert [d.transfers for d in dev.dmas.values() if isinstance(d, NativeMM2S)] == (
        [1] if kind == "reservoir" else []
    )
    assert dev.objects, "the DMA buffers did not come from pynq.allocate"


def test_reservoir_api_on_the_board(built, activate):
    from spinemu.sw.reservoir import STNOReservoir

    cfg, config, dest, info = built["reservoir"]
    spec = config.spec
    activate(_device(config, info))
    kw = dict(n_virtual=spec.n_virtual, feedback=1.5, theta=8e-9, seed=4, readout="chip")
    board = STNOReservoir(**kw, backend="pynq", overlay=str(dest / info["bitfile"]))
    gold = STNOReservoir(**kw, backend="golden")
    u = np.random.default_rng(0).uniform(-1, 1, 40)
    np.testing.assert_array_equal(board.transform_raw(u[:7]), gold.transform_raw(u[:7]))
    y = np.sin(np.arange(40) / 3.0)
    board.fit(u, y)
    gold.fit(u, y)
    np.testing.assert_array_equal(board.predict(u[:5]), gold.predict(u[:5]))  # on-chip readout
    # Other hardware than the overlay's: a clear error before anything runs.
    with pytest.raises(pd.DeploymentError, match=f"n_virtual {spec.n_virtual} \\(here 8\\)"):
        STNOReservoir(n_virtual=8, backend="pynq", overlay=str(dest / info["bitfile"]))
    with pytest.raises(ValueError, match="overlay is needed by"):
        STNOReservoir(n_virtual=16, backend="pynq")


def test_hopfield_api_on_the_board(built, activate):
    from spinemu.sw.hopfield import HopfieldNetwork

    cfg, config, dest, info = built["hopfield"]
    spec = config.spec
    dev = activate(_device(config, info))
    board = HopfieldNetwork(spec.n_neurons, spec=spec, seed=2, backend="pynq", overlay=dest / info["bitfile"])
    gold = HopfieldNetwork(spec.n_neurons, spec=spec, seed=2)
    xi = np.asarray(config.stimulus["patterns"])
    for net in (board, gold):
        net.store(xi)
    np.testing.assert_array_equal(board.levels, gold.levels)
    cue = xi[1].copy()
    cue[[0, 4, 7]] *= -1
    for mode in ("async", "sync"):
        rb, rg = board.recall(cue, mode=mode), gold.recall(cue, mode=mode)
        # Every intermediate state came through the DMA: the whole trajectory matches.
        np.testing.assert_array_equal(rb.states, rg.states)
        assert (rb.sweeps, rb.converged, rb.cycle2) == (rg.sweeps, rg.converged, rg.cycle2)
        np.testing.assert_array_equal(rb.flips, rg.flips)
    assert rb.sweeps >= 1 and dev.dmas


def test_board_errors(built, activate, tmp_path):
    from spinemu.sw.hopfield import HopfieldDriver
    from spinemu.sw.reservoir import ReservoirDriver

    cfg, config, dest, info = built["hopfield"]
    bit = dest / info["bitfile"]
    # An overlay without the DMA: the core could never drain its stream.
    activate(_device(config, info, with_dma=False))
    ov = pd.open_overlay(bit)
    with pytest.raises(pd.DeploymentError, match="no AXI DMA dma_sweep for the sweep stream"):
        pd.open_core(ov, "hopfield", spec=config.spec)
    # A DMA that never takes a word: the recall stalls, the timeout says so.
    dev = activate(_device(config, info))
    ov = pd.open_overlay(bit)
    drv = pd.open_core(ov, "hopfield", spec=config.spec, timeout=0.3)
    assert isinstance(drv, HopfieldDriver)
    drv.timeout_s = 0.3
    next(iter(dev.dmas.values())).never_ready = True
    drv.load_state(np.asarray(config.stimulus["patterns"])[0])
    with pytest.raises(pd.DoneTimeout, match="stayed busy.*sweep stream is not drained"):
        drv.recall("async", 5)
    # Reservoir: IP missing, register read-back mismatch.
    rcfg, rconfig, rdest, rinfo = built["reservoir"]
    dev = activate(_device(rconfig, rinfo))
    dev.ip_dict = ip_description("xilinx.com:ip:axi_gpio:2.0", name="gpio")
    with pytest.raises(
        pd.DeploymentError, match="IP spinemu.org:spinemu:reservoir:1.0 is not in the overlay"
    ):
        pd.open_core(pd.open_overlay(rdest / rinfo["bitfile"]), "reservoir", spec=rconfig.spec)
    dev = activate(_device(rconfig, rinfo))
    drv = pd.open_core(pd.open_overlay(rdest / rinfo["bitfile"]), "reservoir", spec=rconfig.spec)
    assert isinstance(drv, ReservoirDriver)
    dev.stuck_low[rconfig.spec.regmap["GAIN"].address(0)] = 0x4
    with pytest.raises(BusError, match="read-back mismatch: wrote 0x804 to GAIN"):
        drv.regs.write("GAIN", 0x804)
