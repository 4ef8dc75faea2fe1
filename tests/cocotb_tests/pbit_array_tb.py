"""cocotb testbench of the ``spinemu_pbit_array`` top level (AXI4-Lite bus + sample stream).

Run through :func:`spinemu.gen.cocotb_run.run_cocotb`; parameters come from the
environment:

``SPINEMU_TB_SPEC``
    JSON of ``PBitArraySpec.to_dict()`` (the design under test).
``SPINEMU_TB_PARAMS``
    JSON object: ``window`` (samples of the bit-exact window, default 10000),
    ``seeds`` (seeds loaded through the SEED register, default ``[7]``),
    ``seed_samples`` (samples compared per loaded seed, default 1000),
    ``input_seed`` (seed of the random inputs, default 0).

Every test resets the DUT, so tests are independent; the reset state of the RNG
streams is that of ``spec.seed``.  Expected values come from the Spec's register map
and from :class:`~spinemu.sim_golden.pbit_array.PBitArrayGolden`, never from the RTL.
"""

from __future__ import annotations

import json
import logging
import os
import warnings

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.simtime import get_sim_time
from cocotb.triggers import ClockCycles, ReadOnly, RisingEdge
from cocotbext.axi import AxiLiteBus, AxiLiteMaster, AxiResp
from spinemu.sim_golden.pbit_array import PBitArrayGolden
from spinemu.sim_golden.pbit_spec import PBitArraySpec

__all__ = [
    "load_spec",
    "load_params",
    "SampleMonitor",
    "decode_samples",
    "first_mismatch",
    "test_id_and_reset_values",
    "test_back_to_back_writes",
    "test_reads_during_writes",
    "test_wrong_addresses",
    "test_byte_strobes",
    "test_step_count",
    "test_seed_loading",
    "test_bitexact_window",
]

CLOCK_NS = 10

# cocotbext-axi 0.1.28 still passes data through cocotb Events (deprecated in cocotb 2).
warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"cocotbext\.axi")


def load_spec() -> PBitArraySpec:
    """The Spec of the design under test, from ``$SPINEMU_TB_SPEC``."""
    data = json.loads(os.environ["SPINEMU_TB_SPEC"])
    data.pop("kind", None)
    if data.get("lfsr_taps") is not None:
        data["lfsr_taps"] = tuple(data["lfsr_taps"])
    return PBitArraySpec(**data)


def load_params() -> dict:
    """Testbench parameters from ``$SPINEMU_TB_PARAMS`` with their defaults."""
    params = {"window": 10_000, "seeds": [7], "seed_samples": 1000, "input_seed": 0}
    params.update(json.loads(os.environ.get("SPINEMU_TB_PARAMS", "{}")))
    return params


def _value(handle) -> int:
    v = handle.value
    return v.to_unsigned() if hasattr(v, "to_unsigned") else int(v)


class SampleMonitor:
    """Records ``sample`` on every clock edge after which ``sample_valid`` is high.

    Parameters
    ----------
    dut
        The cocotb handle of the top level.
    """

    def __init__(self, dut):
        self.dut = dut
        self.samples: list[int] = []
        self.cycles = 0
        self._task = None
        self._target = None
        self._reached = cocotb.triggers.Event()

    async def _run(self):
        dut = self.dut
        while True:
            await RisingEdge(dut.clk)
            await ReadOnly()
            self.cycles += 1
            if dut.sample_valid.value == 1:
                self.samples.append(_value(dut.sample))
                if self._target is not None and len(self.samples) >= self._target:
                    self._reached.set()

    def start(self) -> None:
        self._task = cocotb.start_soon(self._run())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def wait_for(self, count: int) -> None:
        """Return once ``count`` samples are recorded."""
        if len(self.samples) >= count:
            return
        self._target = count
        self._reached.clear()
        await self._reached.wait()
        self._target = None


def decode_samples(words, n: int) -> np.ndarray:
    """Sample words (bit ``i`` = p-bit ``i`` is +1) to an int8 ±1 array ``(len, n)``."""
    out = np.empty((len(words), n), dtype=np.int8)
    for k in range(0, n, 32):
        chunk = np.array([(w >> k) & 0xFFFFFFFF for w in words], dtype=np.uint64)
        width = min(32, n - k)
        bits = (chunk[:, None] >> np.arange(width, dtype=np.uint64)) & np.uint64(1)
        out[:, k : k + width] = 2 * bits.astype(np.int8) - 1
    return out


def first_mismatch(got: np.ndarray, want: np.ndarray) -> str | None:
    """None if equal, else a message naming the first differing sample and p-bit."""
    if got.shape != want.shape:
        return f"shape {got.shape} != expected {want.shape}"
    diff = np.argwhere(got != want)
    if len(diff) == 0:
        return None
    s, i = (int(x) for x in diff[0])
    return (
        f"first mismatch at sample {s}, p-bit {i}: RTL {int(got[s, i]):+d}, golden "
        f"{int(want[s, i]):+d} ({len(diff)} differing entries in {got.shape[0]} samples)"
    )


class Bench:
    """Clock, reset, bus master and register helpers of one test."""

    def __init__(self, dut):
        self.dut = dut
        self.spec = load_spec()
        self.params = load_params()
        self.regs = self.spec.regmap
        self.axi = None

    async def start(self):
        dut = self.dut
        Clock(dut.clk, CLOCK_NS, unit="ns").start()
        dut.rst.value = 1
        # cocotbext-axi logs a banner and every transaction at INFO.
        logging.getLogger(f"cocotb.{dut._name}.s_axi").setLevel(logging.WARNING)
        self.axi = AxiLiteMaster(AxiLiteBus.from_prefix(dut, "s_axi"), dut.clk, dut.rst)
        await ClockCycles(dut.clk, 3)
        dut.rst.value = 0
        await RisingEdge(dut.clk)
        return self

    def addr(self, name: str, index: int = 0) -> int:
        return self.regs[name].address(index)

    def mask(self, name: str) -> int:
        return (1 << self.regs[name].width) - 1

    async def read(self, addr: int) -> tuple[int, AxiResp]:
        r = await self.axi.read(addr, 4)
        return int.from_bytes(r.data, "little"), r.resp

    async def write(self, addr: int, value: int) -> AxiResp:
        w = await self.axi.write(addr, (value & 0xFFFFFFFF).to_bytes(4, "little"))
        return w.resp

    async def read_ok(self, name: str, index: int = 0) -> int:
        value, resp = await self.read(self.addr(name, index))
        assert resp == AxiResp.OKAY, f"read of {name}[{index}] answered {resp!r}"
        return value

    async def write_ok(self, name: str, value: int, index: int = 0) -> None:
        resp = await self.write(self.addr(name, index), value)
        assert resp == AxiResp.OKAY, f"write of {name}[{index}] answered {resp!r}"

    def random_inputs(self) -> np.ndarray:
        """Quantized inputs with |I| <= 3 / beta (non-trivial probabilities) and both signs."""
        spec = self.spec
        rng = np.random.default_rng(self.params["input_seed"])
        lo, hi = spec.input_range
        bound = min(3.0 / spec.beta, hi)
        i_q = spec.quantize_inputs(rng.uniform(max(lo, -bound), bound, spec.n))
        i_q[0] = spec.quantize_inputs([max(lo, -bound)])[0]  # a negative input for certain
        return i_q

    async def set_inputs(self, i_q) -> None:
        mask = self.mask("INPUT")
        for i, v in enumerate(i_q):
            await self.write_ok("INPUT", int(v) & mask, i)


# -- (1) identification and reset values ---------------------------------------------------
@cocotb.test()
async def test_id_and_reset_values(dut):
    """ID reads 'PBIT', N reads n, RW/RO registers read their reset values."""
    tb = await Bench(dut).start()
    assert await tb.read_ok("ID") == 0x50424954
    assert await tb.read_ok("N") == tb.spec.n
    for name in ("CTRL", "STATUS", "STEPS_LEFT", "COUNT"):
        assert await tb.read_ok(name) == 0, f"{name} is not 0 after reset"
    for i in range(tb.spec.n):
        assert await tb.read_ok("INPUT", i) == tb.regs["INPUT"].reset


# -- (2) back-to-back writes -------------------------------------------------------------
@cocotb.test()
async def test_back_to_back_writes(dut):
    """Writes queued back to back all land, in order, truncated to the register width."""
    tb = await Bench(dut).start()
    spec, mask = tb.spec, tb.mask("INPUT")
    rng = np.random.default_rng(1)
    values = [int(v) for v in rng.integers(0, 1 << 32, spec.n)]
    start = get_sim_time("ns")
    tasks = [cocotb.start_soon(tb.write(tb.addr("INPUT", i), v)) for i, v in enumerate(values)]
    # The same register written twice back to back keeps the second value.
    tasks.append(cocotb.start_soon(tb.write(tb.addr("INPUT", 0), 0x5A5A5A5A)))
    tasks.append(cocotb.start_soon(tb.write(tb.addr("INPUT", 0), 0x0F0F0F0F)))
    resps = [await t for t in tasks]
    cycles = (get_sim_time("ns") - start) / CLOCK_NS
    dut._log.info("%d queued writes took %.0f cycles", len(tasks), cycles)
    assert all(r == AxiResp.OKAY for r in resps), resps
    expected = [v & mask for v in values]
    expected[0] = 0x0F0F0F0F & mask
    got = [await tb.read_ok("INPUT", i) for i in range(spec.n)]
    assert got == expected, f"read back {got}, wrote {expected}"
    # Back-to-back reads return the same values.
    reads = [cocotb.start_soon(tb.read(tb.addr("INPUT", i))) for i in range(spec.n)]
    assert [(await t)[0] for t in reads] == expected


# -- (3) reads while writes are in flight ----------------------------------------------------
@cocotb.test()
async def test_reads_during_writes(dut):
    """A read overlapping a write of the same register sees the old or the new value."""
    tb = await Bench(dut).start()
    spec, mask = tb.spec, tb.mask("INPUT")
    rng = np.random.default_rng(2)
    last = spec.n - 1
    await tb.write_ok("INPUT", 0x3 & mask, last)
    for trial in range(12):
        i = int(rng.integers(spec.n))
        old = await tb.read_ok("INPUT", i)
        new = int(rng.integers(0, 1 << 32)) & mask
        other_before = await tb.read_ok("INPUT", last) if i != last else None
        w = cocotb.start_soon(tb.write(tb.addr("INPUT", i), new))
        if trial % 3:
            await ClockCycles(dut.clk, trial % 3)
        r = cocotb.start_soon(tb.read(tb.addr("INPUT", i)))
        # A different register read at the same time is unaffected.
        r2 = cocotb.start_soon(tb.read(tb.addr("INPUT", last))) if i != last else None
        assert await w == AxiResp.OKAY
        value, resp = await r
        assert resp == AxiResp.OKAY
        assert value in (old, new), f"trial {trial}: read {value:#x} during write {old:#x} -> {new:#x}"
        if r2 is not None:
            assert (await r2)[0] == other_before
        assert await tb.read_ok("INPUT", i) == new
        # Reads of a read-only register during a write stream stay exact.
    ident_reads = [cocotb.start_soon(tb.read(tb.addr("ID"))) for _ in range(8)]
    writes = [cocotb.start_soon(tb.write(tb.addr("INPUT", k % spec.n), k)) for k in range(8)]
    for t in writes:
        assert await t == AxiResp.OKAY
    for t in ident_reads:
        assert await t == (0x50424954, AxiResp.OKAY)


# -- (4) wrong addresses and access violations ------------------------------------------------
@cocotb.test()
async def test_wrong_addresses(dut):
    """Unmapped accesses, RO writes and WO reads answer SLVERR, read 0 and change nothing."""
    tb = await Bench(dut).start()
    spec, regs = tb.spec, tb.regs
    await tb.set_inputs([(i + 1) & tb.mask("INPUT") for i in range(spec.n)])
    before = [await tb.read_ok("INPUT", i) for i in range(spec.n)]
    mapped = {r.offset + 4 * k for r in regs.registers for k in range(r.count)}
    page = 1 << regs.addr_width
    unmapped = sorted({a for a in range(0, regs.size + 8, 4) if a not in mapped} | {page - 4})
    unmapped = [a for a in unmapped if a < page]
    assert unmapped, "the test needs unmapped addresses"
    for a in unmapped:
        assert await tb.read(a) == (0, AxiResp.SLVERR), f"read of unmapped {a:#x}"
        assert await tb.write(a, 0xFFFFFFFF) == AxiResp.SLVERR, f"write of unmapped {a:#x}"
    # Writes to read-only registers: SLVERR and no effect.
    for r in regs.registers:
        if r.access.value != "ro":
            continue
        for k in range(r.count):
            assert await tb.write(r.address(k), 0xFFFFFFFF) == AxiResp.SLVERR, f"write to RO {r.name}"
    assert await tb.read_ok("ID") == 0x50424954
    assert await tb.read_ok("N") == spec.n
    assert await tb.read_ok("STEPS_LEFT") == 0
    assert await tb.read_ok("COUNT") == 0, "a rejected write started the array"
    # Reads of write-only registers.
    for name in ("STEP", "SEED"):
        assert await tb.read(tb.addr(name)) == (0, AxiResp.SLVERR), f"read of WO {name}"
    # Nothing stored was touched, and the bus still works.
    assert [await tb.read_ok("INPUT", i) for i in range(spec.n)] == before
    assert await tb.read_ok("CTRL") == 0
    assert await tb.read_ok("COUNT") == 0


# -- (5) byte strobes ------------------------------------------------------------------------
@cocotb.test()
async def test_byte_strobes(dut):
    """Partial writes change exactly the strobed bytes of an RW register."""
    tb = await Bench(dut).start()
    spec = tb.spec
    mask = tb.mask("INPUT")
    rng = np.random.default_rng(3)
    lanes = [(0, 1), (1, 1), (2, 1), (3, 1), (0, 2), (1, 2), (2, 2), (0, 3), (1, 3), (0, 4)]
    for i in sorted({0, spec.n - 1}):
        addr = tb.addr("INPUT", i)
        await tb.write_ok("INPUT", 0xFFFFFFFF, i)
        model = mask
        for offset, length in lanes * 2:
            data = bytes(int(b) for b in rng.integers(0, 256, length))
            assert (await tb.axi.write(addr + offset, data)).resp == AxiResp.OKAY
            word = int.from_bytes(data, "little") << (8 * offset)
            lane_mask = ((1 << (8 * length)) - 1) << (8 * offset)
            model = ((model & ~lane_mask) | (word & lane_mask)) & mask
            got = await tb.read_ok("INPUT", i)
            assert got == model, (
                f"INPUT[{i}] after writing {data.hex()} at byte {offset}: {got:#x}, expected {model:#x}"
            )
        # Neighbours untouched.
        for j in (i - 1, i + 1):
            if 0 <= j < spec.n:
                assert await tb.read_ok("INPUT", j) == 0
    # A strobe on a byte above CTRL's single bit does not start the array.
    assert (await tb.axi.write(tb.addr("CTRL") + 1, b"\xff")).resp == AxiResp.OKAY
    assert await tb.read_ok("CTRL") == 0
    assert await tb.read_ok("COUNT") == 0
    assert (await tb.axi.write(tb.addr("CTRL"), b"\x00")).resp == AxiResp.OKAY


# -- (6) STEP k produces exactly k samples ------------------------------------------------------
@cocotb.test()
async def test_step_count(dut):
    """STEP k: k sample_valid pulses, COUNT += k, STEPS_LEFT back to 0, samples = golden."""
    tb = await Bench(dut).start()
    spec = tb.spec
    i_q = tb.random_inputs()
    await tb.set_inputs(i_q)
    mon = SampleMonitor(dut)
    mon.start()
    total = 0
    for k in (1, 2, 7, 0, 33, 250):
        await tb.write_ok("STEP", k)
        if k > 100:
            left = await tb.read_ok("STEPS_LEFT")
            assert 0 < left < k, f"STEPS_LEFT {left} right after STEP {k}"
            assert await tb.read_ok("STATUS") == 1
        while await tb.read_ok("STEPS_LEFT"):
            pass
        await ClockCycles(dut.clk, 5)
        total += k
        assert len(mon.samples) == total, f"STEP {k}: {len(mon.samples)} samples, expected {total}"
        assert await tb.read_ok("COUNT") == total
        assert await tb.read_ok("STATUS") == 0
    mon.stop()
    got = decode_samples(mon.samples, spec.n)
    want = PBitArrayGolden(spec).run(i_q, total)
    assert (msg := first_mismatch(got, want)) is None, msg
    # The SAMPLE registers hold the last sample, 32 p-bits per word.
    last = mon.samples[-1]
    for k in range(tb.regs["SAMPLE"].count):
        assert await tb.read_ok("SAMPLE", k) == (last >> (32 * k)) & 0xFFFFFFFF


# -- (7) seed loading through the SEED register -----------------------------------------------
@cocotb.test()
async def test_seed_loading(dut):
    """After shifting seed_chain_words(seed) into SEED, the stream equals Golden(seed)."""
    tb = await Bench(dut).start()
    spec, params = tb.spec, tb.params
    i_q = tb.random_inputs()
    await tb.set_inputs(i_q)
    count = 0
    for seed in params["seeds"]:
        words = spec.seed_chain_words(seed)
        tasks = [cocotb.start_soon(tb.write(tb.addr("SEED"), w)) for w in words]
        assert all([await t == AxiResp.OKAY for t in tasks])
        assert await tb.read_ok("COUNT") == count, "seed writes advanced the array"
        mon = SampleMonitor(dut)
        mon.start()
        m = params["seed_samples"]
        await tb.write_ok("STEP", m)
        await mon.wait_for(m)
        await ClockCycles(dut.clk, 3)
        mon.stop()
        count += m
        assert len(mon.samples) == m
        got = decode_samples(mon.samples, spec.n)
        want = PBitArrayGolden(spec, seed=seed).run(i_q, m)
        assert (msg := first_mismatch(got, want)) is None, f"seed {seed}: {msg}"


# -- (8) bit-exact free-running window -----------------------------------------------------------
@cocotb.test()
async def test_bitexact_window(dut):
    """CTRL.RUN = 1 from reset: every sample of a >= 10^4 window equals the golden model."""
    tb = await Bench(dut).start()
    spec, window = tb.spec, tb.params["window"]
    i_q = tb.random_inputs()
    await tb.set_inputs(i_q)
    mon = SampleMonitor(dut)
    mon.start()
    await tb.write_ok("CTRL", 1)
    await mon.wait_for(window)
    await tb.write_ok("CTRL", 0)
    await ClockCycles(dut.clk, 3)
    mon.stop()
    # Free running: one sample per clock between the RUN write and the stop.
    assert await tb.read_ok("COUNT") == len(mon.samples)
    got = decode_samples(mon.samples, spec.n)
    want = PBitArrayGolden(spec).run(i_q, len(mon.samples))
    assert (msg := first_mismatch(got, want)) is None, msg
    dut._log.info("bit-exact window: %d samples x %d p-bits", len(mon.samples), spec.n)
