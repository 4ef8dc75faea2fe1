"""Golden vs RTL tests of the STNO reservoir core through the native Verilator model.

The generated top level is driven only through its AXI4-Lite port (``spec.regmap``);
states are drained from the ``state`` stream (or read through ``STATE`` in HOLD mode)
and predictions from the ``pred`` stream, then compared with
:class:`~spinemu.sim_golden.reservoir_fixed.ReservoirFixed` value for value.

Two designs are built (cached in build/cache): 16 nodes (everything below) and 400
nodes (the NARMA10 window).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spinemu.sim_golden.reservoir_spec import ReservoirSpec
from spinemu.sw.reservoir import ReservoirDriver, STNOReservoir, simulate_reservoir
from spinemu.sw.tasks import narma10, nrmse, sine_square

__all__: list[str] = []


SPEC = ReservoirSpec(n_virtual=16)


def _native(spec):
    from spinemu.gen.native import build_native
    from spinemu.gen.verilog import design_for_spec

    return build_native(design_for_spec(spec))


@pytest.fixture(scope="module")
def model():
    m = _native(SPEC)
    yield m
    m.close()


def _both(model, u_q, **kw):
    rtl = simulate_reservoir(SPEC, u_q, backend="rtl", model=model, **kw)
    gold = simulate_reservoir(SPEC, u_q, backend="golden", **kw)
    return gold, rtl


def _signed_ints(bits):
    return st.integers(-(1 << (bits - 1)), (1 << (bits - 1)) - 1)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    u=st.lists(_signed_ints(SPEC.input_bits), min_size=1, max_size=5),
    mask=st.lists(_signed_ints(SPEC.mask_bits), min_size=16, max_size=16),
    bias=_signed_ints(SPEC.zeta_bits),
    gain=_signed_ints(SPEC.gain_bits),
    fb=_signed_ints(SPEC.gain_bits),
    q=_signed_ints(SPEC.zeta_bits),
    c=st.integers(0, (1 << SPEC.c_bits) - 1),
    pdc=st.integers(0, SPEC.state_max),
    w=st.lists(_signed_ints(SPEC.weight_bits), min_size=16, max_size=16),
    w_bias=_signed_ints(SPEC.out_bits),
)
def test_golden_equals_rtl_random(model, u, mask, bias, gain, fb, q, c, pdc, w, w_bias):
    """Any registers, inputs, masks and weights (full ranges: mostly saturating)."""
    regs = {"BIAS": bias, "GAIN": gain, "FB": fb, "Q": q, "C": c, "PDC": pdc}
    gold, rtl = _both(model, np.array(u), mask_q=np.array(mask), regs=regs, w_q=np.array(w), bias_q=w_bias)
    np.testing.assert_array_equal(rtl["x"], gold["x"])
    np.testing.assert_array_equal(rtl["y"], gold["y"])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    u=st.lists(st.floats(-1, 1), min_size=20, max_size=40), seed=st.integers(0, 2**32), fb=st.floats(-6, 6)
)
def test_golden_equals_rtl_physical(model, u, seed, fb):
    """Physical operating points (delay loop on, real masks) over several samples."""
    regs = SPEC.param_regs(feedback=fb)
    gold, rtl = _both(model, SPEC.quantize_inputs(u), mask_q=SPEC.mask_q(seed, "real"), regs=regs)
    np.testing.assert_array_equal(rtl["x"], gold["x"])


def test_saturation_is_exercised_and_bit_exact(model):
    """Large currents: the current clamp, the table's A clamp at both ends and the state's
    upper clamp and one-LSB floor are hit, and golden and RTL still agree bit for bit."""
    lo, hi = SPEC.signed_range(SPEC.input_bits)
    # z = 2 + 7.9 m u with feedback: far beyond the s.20 current range (+-32) both ways;
    # z + Q < 0 makes the damping negative and w collapse: p at the upper clamp.
    u_q = np.array([hi, lo, hi, 0, lo, hi], dtype=np.int64)
    regs = SPEC.param_regs(input_scaling=7.9, theta=150e-9, feedback=5.0)
    gold, rtl = _both(model, u_q, mask_q=SPEC.mask_q(seed=2), regs=regs)
    np.testing.assert_array_equal(rtl["x"], gold["x"])
    assert (gold["x"] == SPEC.state_max).any()
    assert 2.0 + 7.9 * 1.0 * 8.0 > 2 ** (SPEC.zeta_bits - SPEC.zeta_frac_bits - 1)
    # z = 2 - 0.25 * 8 = 0 on every node (mask +1): A = -6 clamps to -1, w grows by e per
    # node and reaches its clamp: the one-LSB floor (p = 0 would be absorbing).
    ones = np.full(SPEC.n_virtual, 1 << SPEC.mask_frac_bits)
    u_q = np.array([lo, lo, lo, hi, 0], dtype=np.int64)
    regs = SPEC.param_regs(input_scaling=0.25, theta=150e-9)
    gold, rtl = _both(model, u_q, mask_q=ones, regs=regs)
    np.testing.assert_array_equal(rtl["x"], gold["x"])
    assert (gold["x"] == 1).any()


def test_bus_path_registers_and_overrun(model):
    """HOLD mode reads every state through STATE; ID, N, COUNT; OVERRUN is flagged."""
    from spinemu.sw.mmio import VerilatorMMIO

    u_q = SPEC.quantize_inputs(np.linspace(-1, 1, 4))
    mask = SPEC.mask_q(seed=9, kind="real")
    regs = SPEC.param_regs(feedback=2.0)
    bus = simulate_reservoir(SPEC, u_q, mask_q=mask, regs=regs, backend="rtl", via_bus=True, model=model)
    gold = simulate_reservoir(SPEC, u_q, mask_q=mask, regs=regs, backend="golden")
    np.testing.assert_array_equal(bus["x"], gold["x"])
    drv = ReservoirDriver(VerilatorMMIO(model), SPEC)
    assert drv.regs.read("N") == 16
    assert drv.regs.read("COUNT") == 4 * 16
    drv.restart()
    assert drv.regs.read("COUNT") == 0 and not drv.status()["overrun"]
    drv.push(1)
    drv.push(2)  # waits in the holding register
    drv.push(3)  # written while FULL: dropped and flagged
    assert drv.status()["overrun"]
    drv.restart()


def test_sine_square_classification_rtl():
    """16 nodes, theta = 10 ns, delay loop of gain 0.5, on the RTL: >= 99% accuracy
    (Markovic 2019); 2000 test samples, so at most 20 errors."""
    for seed in (1, 2):
        res = STNOReservoir(
            16,
            theta=10e-9,
            input_scaling=0.5,
            feedback=0.5 / (2 / 9),
            mask="binary",
            seed=seed,
            backend="rtl",
        )
        u, labels = sine_square(4000, seed=100 + seed)
        res.fit(u[:2000], labels[:2000], ridge=1e-8, washout=100)
        acc = np.mean((res.predict(u)[2000:] > 0.5) == labels[2000:])
        res.close()
        print(f"sine/square accuracy on rtl (mask seed {seed}) = {acc:.4f}")
        assert acc >= 0.99


def test_narma10_window_400_nodes_identical_on_rtl():
    """The 400-node NARMA10 reservoir: on a 150-sample window the RTL's states and its
    on-chip predictions equal the golden model's, bit for bit."""
    kw = dict(
        theta=40e-9,
        input_scaling=0.25,
        feedback=0.7 / (2 / 9),
        mask="real",
        seed=0,
        readout="chip",
    )
    u, y = narma10(1200, seed=7)
    gold = STNOReservoir(400, backend="golden", **kw).fit(u[:1000], y[:1000], ridge=1e-8, washout=100)
    rtl = STNOReservoir(400, backend="rtl", **kw)
    rtl.weights_ = gold.weights_
    win = u[1000:1150]
    np.testing.assert_array_equal(rtl.transform_raw(win), gold.transform_raw(win))
    p_rtl, p_gold = rtl.predict(win), gold.predict(win)
    rtl.close()
    np.testing.assert_array_equal(p_rtl, p_gold)
    # The windowed prediction starts from RESTART (no history): judge it after a washout.
    print(f"on-chip readout NRMSE on the window (after 20 samples) = {nrmse(y[1020:1150], p_gold[20:]):.3f}")


def _loaded_driver(model, regs, w_q, bias_q) -> ReservoirDriver:
    """A bus driver with parameters, reset-state mask and weights loaded, RESTARTed, with
    ``state_ready`` low (the test drives the handshakes clock by clock)."""
    from spinemu.sw.mmio import VerilatorMMIO

    model.set("state_ready", 0)
    drv = ReservoirDriver(VerilatorMMIO(model), SPEC)
    drv.set_params(regs)
    drv.load_mask(SPEC.mask_q())
    drv.load_weights(w_q, bias_q)
    drv.restart()
    return drv


def test_random_backpressure_keeps_every_state(model):
    """``state_ready`` driven at random: same states as golden, AXI4-Stream rules kept.

    A cocotb-free harness: before each clock edge it draws ``ready`` (p = 0.35), and a
    word is taken on an edge with ``valid`` and ``ready`` high.  Bus writes run with
    ``ready`` low so that every transfer is seen.  While a word waits, ``valid`` must stay
    high and the payload unchanged; the core must stall (not drop or duplicate).
    """

    rng = np.random.default_rng(3)
    u_q = SPEC.quantize_inputs(rng.uniform(-1, 1, 5))
    regs = {"FB": SPEC.param_regs(feedback=1.5)["FB"]}
    w_q, bias_q = rng.integers(-(1 << 20), 1 << 20, 16), 12345
    gold = simulate_reservoir(SPEC, u_q, regs=regs, w_q=w_q, bias_q=bias_q, backend="golden")
    drv = _loaded_driver(model, regs, w_q, bias_q)
    got, last, preds, stalls = [], [], [], 0
    held = None
    n_v = SPEC.n_virtual
    pushed = 0
    for _ in range(20_000):
        if pushed < len(u_q) and len(got) >= max(0, (pushed - 1) * n_v + 1):
            model.set("state_ready", 0)
            drv.push(int(u_q[pushed]))  # the previous sample has started: the slot is free
            pushed += 1
        ready = int(rng.random() < 0.35)
        model.set("state_ready", ready)
        valid, data = model.get("state_valid"), model.get("state_payload")
        if held is not None:  # a word that waited must still be there, unchanged
            assert valid and data == held
        if valid and ready:
            got.append(data)
            last.append(model.get("state_last"))
            held = None
        elif valid:
            held, stalls = data, stalls + 1
        model.step(1)
        if model.get("pred_valid"):
            preds.append(model.get("pred"))
        if len(got) == len(u_q) * n_v:
            break
    for _ in range(16):  # the last prediction follows the last state by a few clocks
        model.step(1)
        if model.get("pred_valid"):
            preds.append(model.get("pred"))
    model.set("state_ready", 1)
    assert stalls > 50, stalls  # ~65% of the offered words wait at least one edge
    np.testing.assert_array_equal(np.array(got).reshape(len(u_q), n_v), gold["x"])
    # TLAST on the last node of every sample (one DMA packet per sample).
    assert last == ([0] * (n_v - 1) + [1]) * len(u_q)
    y = np.array(preds, dtype=np.int64)
    y = np.where(y >= 1 << (SPEC.out_bits - 1), y - (1 << SPEC.out_bits), y)
    np.testing.assert_array_equal(y, gold["y"])
    drv.check_overrun()


def test_stream_sink_driver_path_matches_golden(model):
    """The board code path (:func:`run_reservoir_driver`) on the native stream sink."""
    from spinemu.sw.mmio import VerilatorMMIO
    from spinemu.sw.pynq_driver import NativeStreamSink
    from spinemu.sw.reservoir import run_reservoir_driver

    rng = np.random.default_rng(8)
    u_q = SPEC.quantize_inputs(rng.uniform(-1, 1, 4))
    mask_q = SPEC.mask_q(seed=9)
    w_q = rng.integers(-(1 << 18), 1 << 18, 16)
    drv = ReservoirDriver(VerilatorMMIO(model), SPEC, stream=NativeStreamSink(model, "state"))
    out = run_reservoir_driver(drv, u_q, mask_q=mask_q, w_q=w_q, bias_q=-7)
    gold = simulate_reservoir(SPEC, u_q, mask_q=mask_q, w_q=w_q, bias_q=-7, backend="golden")
    np.testing.assert_array_equal(out["x"], gold["x"])
    np.testing.assert_array_equal(out["y"], gold["y"])


def test_driver_stream_path_predictions_wait_for_their_states(model):
    """The board protocol with an input stream: every sample sent at once, the state sink
    armed for one packet at a time (a DMA transfer), ``PRED`` read after each packet.

    The pipeline could run up to the output FIFO's depth (8 samples of 16 nodes) ahead of
    the sink; the readout follows the delivered states, so ``PRED`` still holds the
    prediction of the packet just received (it once held a later sample's)."""
    from spinemu.sw.pynq_driver import NativeStreamSink, NativeStreamSource

    rng = np.random.default_rng(12)
    u_q = SPEC.quantize_inputs(rng.uniform(-1, 1, 12))
    regs = {"FB": SPEC.param_regs(feedback=1.5)["FB"]}
    w_q, bias_q = rng.integers(-(1 << 20), 1 << 20, 16), 77
    drv = _loaded_driver(model, regs, w_q, bias_q)
    drv.stream = NativeStreamSink(model, "state")
    drv.source = NativeStreamSource(model, "input")
    try:
        out = drv.run_stream(u_q)
    finally:
        model.stop_feeding()
        model.set("state_ready", 1)
    gold = simulate_reservoir(SPEC, u_q, regs=regs, w_q=w_q, bias_q=bias_q, backend="golden")
    np.testing.assert_array_equal(out["x"], gold["x"])
    np.testing.assert_array_equal(out["y"], gold["y"])
    assert len(set(gold["y"].tolist())) == len(u_q)  # distinct predictions: a shift would show


def test_input_stream_with_random_gaps_and_backpressure(model):
    """Inputs through the ``input`` stream with random ``valid`` gaps, ``state_ready`` at
    random: the same states and predictions as golden, every offered sample taken exactly
    once, ``input_ready`` low while the holding register is full."""

    rng = np.random.default_rng(5)
    u_q = SPEC.quantize_inputs(rng.uniform(-1, 1, 6))
    regs = {"FB": SPEC.param_regs(feedback=1.5)["FB"]}
    w_q, bias_q = rng.integers(-(1 << 20), 1 << 20, 16), -321
    gold = simulate_reservoir(SPEC, u_q, regs=regs, w_q=w_q, bias_q=bias_q, backend="golden")
    drv = _loaded_driver(model, regs, w_q, bias_q)
    n_v = SPEC.n_virtual
    got, preds, sent, refused = [], [], 0, 0
    for _ in range(40_000):
        offer = sent < len(u_q) and rng.random() < 0.5
        model.set("input_valid", int(offer))
        if offer:
            model.set("input_payload", int(u_q[sent]) & 0xFFFF)
        ready = int(rng.random() < 0.4)
        model.set("state_ready", ready)
        if offer:
            if model.get("input_ready"):
                sent += 1
            else:
                refused += 1
        if model.get("state_valid") and ready:
            got.append(model.get("state_payload"))
        model.step(1)
        if model.get("pred_valid"):
            preds.append(model.get("pred"))
        if len(got) == len(u_q) * n_v:
            break
    for _ in range(16):
        model.step(1)
        if model.get("pred_valid"):
            preds.append(model.get("pred"))
    model.set("input_valid", 0)
    model.set("state_ready", 1)
    assert sent == len(u_q) and refused > 0  # the core pushed back while it held a sample
    np.testing.assert_array_equal(np.array(got).reshape(len(u_q), n_v), gold["x"])
    y = np.array(preds, dtype=np.int64)
    y = np.where(y >= 1 << (SPEC.out_bits - 1), y - (1 << SPEC.out_bits), y)
    np.testing.assert_array_equal(y, gold["y"])
    drv.check_overrun()


def _stream_cycles(model, spec, samples: int, seed: int) -> int:
    """Clocks that ``samples`` stream-fed samples take, setup writes included; checks the
    states against golden on the way."""
    u_q = spec.quantize_inputs(np.random.default_rng(seed).uniform(-1, 1, samples))
    regs = spec.param_regs(feedback=2.0)
    c0 = model.cycles
    rtl = simulate_reservoir(spec, u_q, regs=regs, backend="rtl", model=model)
    np.testing.assert_array_equal(rtl["x"], simulate_reservoir(spec, u_q, regs=regs, backend="golden")["x"])
    return model.cycles - c0


def test_one_virtual_node_per_clock():
    """With a delay line longer than the pipeline (80 nodes: D = 81 > latency + 1), a
    stream-fed core takes one virtual node per clock in steady state: 40 more samples
    cost exactly 40 x 80 more clocks (the setup writes, RESTART and the pipeline's fill
    are the same constant in both runs)."""
    from spinemu.hdl.reservoir import latency

    spec = ReservoirSpec(n_virtual=80)
    assert spec.delay > latency(spec) + 1
    model = _native(spec)
    try:
        short, long_ = _stream_cycles(model, spec, 20, 1), _stream_cycles(model, spec, 60, 2)
    finally:
        model.close()
    print(f"20 samples: {short} clocks, 60 samples: {long_} clocks (latency {latency(spec)})")
    assert long_ - short == 40 * spec.n_virtual


def test_short_delay_line_limits_the_node_rate(model):
    """16 nodes (D = 17) are fewer than the pipeline holds: a node waits for the state D
    nodes back, so the core takes D - 1 to D nodes (the issue check runs a clock ahead) per
    pipeline round trip of latency + 1 clocks."""
    from spinemu.hdl.reservoir import latency

    lat = latency(SPEC)
    short, long_ = _stream_cycles(model, SPEC, 10, 3), _stream_cycles(model, SPEC, 40, 4)
    per_node = (long_ - short) / (30 * SPEC.n_virtual)
    lo, hi = (lat + 1) / SPEC.delay, (lat + 1) / (SPEC.delay - 1)
    print(f"{per_node:.3f} clocks per node; (latency + 1) / D = {lo:.3f}, / (D - 1) = {hi:.3f}")
    assert lo <= per_node <= hi


def test_reservoir_shorter_than_the_state_loop():
    """3 nodes (D = 4) against a six-clock state loop: the first six nodes after each
    RESTART take RESTART's w, the later ones the loop's; golden == RTL over runs on one
    model with different PDC (so a different w each time, from both of the RESTART
    divider's first steps: divisor 1 or larger)."""
    spec = ReservoirSpec(n_virtual=3)
    model = _native(spec)
    try:
        u_q = spec.quantize_inputs(np.random.default_rng(5).uniform(-1, 1, 9))
        for pdc in (spec.param_regs()["PDC"], spec.state_max // 3, 0, 1, 2):  # 0, 1: divisor 1
            regs = spec.param_regs(feedback=1.0) | {"PDC": pdc}
            rtl = simulate_reservoir(spec, u_q, regs=regs, backend="rtl", model=model)
            gold = simulate_reservoir(spec, u_q, regs=regs, backend="golden")
            np.testing.assert_array_equal(rtl["x"], gold["x"])
    finally:
        model.close()


def test_native_build_flags_count_logic_not_memory_contents():
    """The 400-node design's Verilog is mostly its node-map ROM's initialiser (about
    445 of 627 kB); that is loaded once, so the design still counts as small and gets
    the optimised C++ build, while the same bytes of logic would not."""
    from spinemu.gen.native import SMALL_DESIGN_BYTES, SMALL_DESIGN_CXX_FLAGS, cxx_flags, logic_bytes
    from spinemu.gen.verilog import design_for_spec

    design = design_for_spec(ReservoirSpec(n_virtual=400))
    text = design.path.read_bytes()
    assert len(text) > SMALL_DESIGN_BYTES > logic_bytes(text)
    assert cxx_flags(design) == SMALL_DESIGN_CXX_FLAGS
    rom = b"  reg [7:0] rom [1:0];\n  initial begin\n    rom[0] = 8'h3f;\n    rom[1] = 8'd200;\n  end\n"
    logic = b"  assign y = rom[a] + 8'h3f;\n"
    assert logic_bytes(rom + logic) == len(rom + logic) - len(b"    rom[0] = 8'h3f;\n    rom[1] = 8'd200;\n")
    assert logic_bytes(logic * 3) == len(logic * 3)
