"""Python reference vs RTL on single blocks, in Amaranth's own simulator (Glasgow style)."""

from __future__ import annotations

import numpy as np
import pytest
from amaranth.sim import Simulator
from spinemu.hdl.rng import LFSR, Xoshiro128pp
from spinemu.hdl.sigmoid import SigmoidLUT
from spinemu.sim_golden.rng import LFSR_TAPS, LFSRModel, Xoshiro128ppModel


def _run_rng(dut, cycles, enable_pattern):
    words = []

    async def bench(ctx):
        for t in range(cycles):
            ctx.set(dut.en, int(enable_pattern[t]))
            words.append(ctx.get(dut.word))
            await ctx.tick()

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()
    return np.array(words, dtype=np.uint64)


@pytest.mark.parametrize(
    "model",
    [
        LFSRModel(width=16, taps=LFSR_TAPS[16], leap=1),
        LFSRModel(width=16, taps=LFSR_TAPS[16], leap=16),
        LFSRModel(width=13, taps=LFSR_TAPS[13], leap=5),
        Xoshiro128ppModel(),
    ],
    ids=["lfsr16-leap1", "lfsr16-leap16", "lfsr13-leap5", "xoshiro128pp"],
)
def test_rng_matches_golden_with_stalls(model):
    states = model.stream_states(99, 1)
    init = [int(w) for w in states[0]]
    dut = (
        LFSR(model=model, init_words=init) if isinstance(model, LFSRModel) else Xoshiro128pp(init_words=init)
    )
    rng = np.random.default_rng(0)
    enable = rng.random(300) < 0.7
    got = _run_rng(dut, 300, enable)
    # Golden: the word shown at cycle t is the output of the state after sum(enable[:t]) steps.
    steps = int(enable.sum())
    words, _ = model.generate(states, steps + 1)
    expected = words[np.concatenate([[0], np.cumsum(enable)[:-1]]), 0]
    assert np.array_equal(got, expected.astype(np.uint64)), (
        f"first mismatch at cycle {int(np.argmax(got != expected))}"
    )


def test_rng_rejects_zero_state():
    with pytest.raises(ValueError, match="zero"):
        LFSR(model=LFSRModel(width=8, taps=LFSR_TAPS[8], leap=8), init_words=[0])
    with pytest.raises(ValueError, match="zeros"):
        Xoshiro128pp(init_words=[0, 0, 0, 0])


def test_sigmoid_lut_reads_every_entry():
    table = np.array([(7 * k + 3) % 64 for k in range(32)])
    dut = SigmoidLUT(table=table, prob_bits=6, n_ports=2)
    seen = []

    async def bench(ctx):
        for k in range(32):
            ctx.set(dut.addr[0], k)
            ctx.set(dut.addr[1], 31 - k)
            seen.append((ctx.get(dut.prob[0]), ctx.get(dut.prob[1])))

    sim = Simulator(dut)
    sim.add_testbench(bench)
    sim.run()
    assert [a for a, _ in seen] == list(table)
    assert [b for _, b in seen] == list(table[::-1])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"table": np.arange(3), "prob_bits": 4, "n_ports": 1}, "power of two"),
        ({"table": np.arange(4), "prob_bits": 1, "n_ports": 1}, "fit 1"),
        ({"table": np.arange(4), "prob_bits": 4, "n_ports": 0}, "n_ports"),
    ],
)
def test_sigmoid_lut_validates(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SigmoidLUT(**kwargs)


@pytest.mark.parametrize("depth", [4, 5, 8])
def test_registered_fifo_against_a_queue(depth):
    """RegisteredFIFO against a Python deque, random writes and reads: every word comes out
    once, in order; it takes exactly ``depth`` words (``w_rdy`` low when ``depth`` are
    held); ``r_valid`` exactly when the reference holds a word that has had three clocks;
    and with both sides always on, one word per clock."""
    from collections import deque

    from spinemu.hdl.block_ram import RegisteredFIFO

    dut = RegisteredFIFO(width=8, depth=depth)
    rng = np.random.default_rng(depth)
    out, out_t, ref, issues = [], [], deque(), []

    async def bench(ctx):
        nxt, t_ready = 0, []  # clock from which each held word may be offered
        for t in range(3000):
            steady = t >= 2800  # both sides always on
            w_en = int(steady or rng.random() < 0.5)
            r_ready = int(steady or rng.random() < 0.5)
            ctx.set(dut.w_data, nxt & 0xFF)
            ctx.set(dut.w_en, w_en)
            ctx.set(dut.r_ready, r_ready)
            w_rdy, r_valid, r_data = ctx.get(dut.w_rdy), ctx.get(dut.r_valid), ctx.get(dut.r_data)
            if w_rdy != (len(ref) < depth) or r_valid != bool(t_ready and t_ready[0] <= t):
                issues.append((t, w_rdy, r_valid, len(ref)))
            if r_valid and r_ready:
                out.append(r_data)
                out_t.append(t)
                assert r_data == ref.popleft()
                t_ready.pop(0)
            if w_en and w_rdy:
                ref.append(nxt & 0xFF)
                t_ready.append(t + 3)
                nxt += 1
            await ctx.tick()

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()
    assert not issues, issues[:5]
    assert out == [k & 0xFF for k in range(len(out))]
    assert len(out) > 1000
    assert sum(t >= 2810 for t in out_t) == 190  # one per clock once the pipe is full


def test_registered_fifo_validates():
    from spinemu.hdl.block_ram import RegisteredFIFO

    with pytest.raises(ValueError, match="depth must be an int of at least 4, not 3"):
        RegisteredFIFO(width=8, depth=3)
    with pytest.raises(ValueError, match="width must be a positive int, not 0"):
        RegisteredFIFO(width=0, depth=4)
