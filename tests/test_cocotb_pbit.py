"""cocotb 2 + Verilator checks of the p-bit array top level through its AXI4-Lite bus.

Each design runs all cocotb tests of ``tests/cocotb_tests/pbit_array_tb.py`` in one
simulator process: register identification, back-to-back writes, reads during writes,
wrong addresses (SLVERR), byte strobes, STEP counting, seed loading and a bit-exact
free-running window.  Expected values come from the Spec's register map and the
golden model (:class:`~spinemu.sim_golden.pbit_array.PBitArrayGolden`), never from the
RTL.  Golden comparison in total: 4 designs x (10^4 window + 2 seeds x 1000 + 293
stepped samples) ~ 5 * 10^4 samples, on 4 RNG configurations, 5 seeds each.

Verilator builds are cached in ``build/cache/cocotb`` (about 20 s per design when cold).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from spinemu.gen.cocotb_run import (  # noqa: E402
    CocotbBuildError,
    CocotbRunError,
    build_cocotb,
    cocotb_build_dir,
    run_cocotb,
)
from spinemu.gen.verilog import VerilogDesign, design_for_spec  # noqa: E402
from spinemu.sim_golden.pbit_spec import PBitArraySpec  # noqa: E402

TB = Path(__file__).parent / "cocotb_tests" / "pbit_array_tb.py"

COCOTB_TESTS = (
    "test_id_and_reset_values",
    "test_back_to_back_writes",
    "test_reads_during_writes",
    "test_wrong_addresses",
    "test_byte_strobes",
    "test_step_count",
    "test_seed_loading",
    "test_bitexact_window",
)

#: The designs under test: both RNG kinds, LFSR leap 16 and 1 (plain shift register),
#: 8- and 12-bit inputs (the 12-bit one makes two byte lanes of INPUT meaningful for
#: the strobe test) and n = 40 (SAMPLE spans two words).
SPECS = {
    "xoshiro_n8": PBitArraySpec(n=8, rng="xoshiro128pp", seed=1),
    "lfsr16_leap16_n5": PBitArraySpec(n=5, rng="lfsr", lfsr_width=16, lfsr_leap=16, prob_bits=12, seed=3),
    "lfsr16_leap1_n4": PBitArraySpec(
        n=4, rng="lfsr", lfsr_width=16, lfsr_leap=1, prob_bits=16, seed=5, beta=0.5
    ),
    "xoshiro_n40_in12": PBitArraySpec(
        n=40, rng="xoshiro128pp", input_bits=12, input_frac_bits=8, prob_bits=20, seed=11
    ),
}

#: Seeds loaded through the SEED register per design, and the window length.
PARAMS = {
    "xoshiro_n8": {"seeds": [7, 2**64 - 1], "input_seed": 0},
    "lfsr16_leap16_n5": {"seeds": [8, 123456789], "input_seed": 1},
    "lfsr16_leap1_n4": {"seeds": [9, 42], "input_seed": 2},
    "xoshiro_n40_in12": {"seeds": [10, 2**40 + 3], "input_seed": 3},
}
WINDOW = 10_000
SEED_SAMPLES = 1000


def _env(spec: PBitArraySpec, params: dict) -> dict[str, str]:
    full = {"window": WINDOW, "seed_samples": SEED_SAMPLES, **params}
    return {"SPINEMU_TB_SPEC": json.dumps(spec.to_dict()), "SPINEMU_TB_PARAMS": json.dumps(full)}


@pytest.mark.parametrize("name", list(SPECS))
def test_pbit_array_cocotb(name):
    """All cocotb tests pass on the design (each test is named with its failure message)."""
    spec = SPECS[name]
    result = run_cocotb(design_for_spec(spec), test_module=TB, env=_env(spec, PARAMS[name]), timeout_s=240)
    assert [t.name for t in result.tests] == list(COCOTB_TESTS)
    assert result.passed, result.summary()
    # The window test simulated at least WINDOW clock cycles of 10 ns.
    assert result["test_bitexact_window"].sim_time_ns >= WINDOW * 10


def test_mismatch_is_reported():
    """A golden model with another seed than the gateware's must be caught at sample 0.

    The design bakes in seed 1; the testbench is told the seed is 2, so the streams
    differ: each p-bit's bit agrees by chance with probability <= max(p, 1 - p) per
    sample, so 200 samples x 8 p-bits all agreeing is astronomically unlikely.
    """
    spec = SPECS["xoshiro_n8"]
    fake = {**spec.to_dict(), "seed": 2}
    env = {"SPINEMU_TB_SPEC": json.dumps(fake), "SPINEMU_TB_PARAMS": json.dumps({"window": 200})}
    result = run_cocotb(
        design_for_spec(spec),
        test_module=TB,
        testcase="test_bitexact_window",
        env=env,
        timeout_s=120,
        keep_run_dir=False,
    )
    assert result.n_tests == 1 and not result.passed
    msg = result["test_bitexact_window"].message
    assert "first mismatch at sample" in msg and "p-bit" in msg and "golden" in msg, msg
    assert not result.log.parent.exists()


def test_timeout_kills_the_simulation():
    """A run longer than timeout_s is killed and reported as CocotbRunError.

    10^8 samples at ~10 us per cocotb cycle would take ~15 minutes.
    """
    spec = SPECS["xoshiro_n8"]
    env = _env(spec, {"window": 10**8})
    design = design_for_spec(spec)
    build_cocotb(design)  # a cold build is not part of the timed run
    t0 = time.perf_counter()
    with pytest.raises(CocotbRunError, match="exceeded 3 s"):
        run_cocotb(
            design_for_spec(spec),
            test_module=TB,
            testcase="test_bitexact_window",
            env=env,
            timeout_s=3,
            keep_run_dir=False,
        )
    assert time.perf_counter() - t0 < 30


def test_build_is_cached():
    """An unchanged design is not re-verilated: same executable, untouched mtime, fast."""
    design = design_for_spec(SPECS["xoshiro_n8"])
    build_dir, _ = build_cocotb(design)
    exe = build_dir / design.top
    mtime = exe.stat().st_mtime_ns
    t0 = time.perf_counter()
    again, built = build_cocotb(design)
    elapsed = time.perf_counter() - t0
    assert again == build_dir == cocotb_build_dir(design)
    assert not built
    assert exe.stat().st_mtime_ns == mtime
    # A Verilator build takes ~20 s; a cache hit is a stat and a lock (< 1 s even loaded).
    assert elapsed < 1.0
    # Another build flag is another cache entry.
    assert cocotb_build_dir(design, ("-Wno-fatal",)) != build_dir


def test_build_error_is_clear(tmp_path, monkeypatch):
    """Broken Verilog raises CocotbBuildError quoting Verilator's message."""
    monkeypatch.setenv("SPINEMU_CACHE_DIR", str(tmp_path / "cache"))
    bad = tmp_path / "broken.v"
    bad.write_text("module broken(input clk, output reg q);\n  always @(posedge clk) q <= ;\nendmodule\n")
    design = VerilogDesign(top="broken", path=bad, ports=(), digest="broken-0")
    with pytest.raises(CocotbBuildError, match=r"(?s)build of broken failed.*syntax error"):
        run_cocotb(design, test_module=TB, timeout_s=30)


def test_bad_arguments():
    design = design_for_spec(SPECS["xoshiro_n8"])
    with pytest.raises(ValueError, match="timeout_s must be > 0, not -1"):
        run_cocotb(design, test_module=TB, timeout_s=-1)
    with pytest.raises(ValueError, match="not 'no such module'"):
        run_cocotb(design, test_module="no such module")
