"""The ``spinemu`` command line.

Exit codes: 0 success, 1 a verification mismatch (or lint warning), 2 a user error
(bad config, bad arguments, missing tool) reported in one line without a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .errors import UserError

__all__ = ["main", "build_parser", "DEMO_CONFIG", "PLUGIN_COMMANDS"]

#: Further subcommands, each a module ``spinemu.gen.cmd_<name>`` with
#: ``register(subparsers)`` that adds its parser and sets ``func`` (skipped if absent).
PLUGIN_COMMANDS = ("synth", "build", "run")

#: The design ``spinemu demo`` generates and verifies.
DEMO_CONFIG = """\
name = "pbit_demo"
[core]
kind = "pbit"
[pbit]
n = 8
rng = "xoshiro128pp"
input_bits = 8
input_frac_bits = 4
prob_bits = 16
sigmoid = "tanh"
beta = 1.0
seed = 1
[stimulus]
I = [-2.0, -1.0, -0.5, 0.0, 0.25, 0.5, 1.0, 2.0]
"""

_EPILOG = """\
examples:
  spinemu gen pbit.toml -o build/pbit          Verilog, regmap.json/.h/.md, manifest.json
  spinemu sim pbit.toml --backend rtl --cycles 100000 --seed 7 -o m.npz
  spinemu verify pbit.toml --cycles 1000000 -o build/pbit/verify
  spinemu demo                                 all three cores: generate, verify, run, report

A config is a TOML file; see `spinemu gen --help` for its layout.
"""

_CONFIG_HELP = """\
config layout (p-bit array primitive):
  name = "pbit_demo"
  [core]
  kind = "pbit"
  [pbit]
  n = 8                      number of p-bits (1..4096)
  rng = "xoshiro128pp"       or "lfsr" (+ lfsr_width 3..32, lfsr_leap 1..64, lfsr_taps)
  input_bits = 8             two's-complement width of the input I
  input_frac_bits = 4        fraction bits of I
  prob_bits = 16             LUT entry / compared random-number width
  sigmoid = "tanh"           P(m=+1) = (1 + tanh(beta*I)) / 2
  beta = 1.0
  seed = 1                   master seed baked in as the reset state
  [stimulus]
  I = [-2.0, ..., 2.0]       constant input per p-bit, real units (default 0)
"""


def _load(path):
    from .config import load_config

    return load_config(path)


def _cmd_gen(args) -> int:
    from .artifacts import generate

    config = _load(args.config)
    if args.tb_samples is not None and args.tb_samples < 1:
        raise UserError(f"--tb-samples must be >= 1, not {args.tb_samples}")
    manifest = generate(config, args.output, testbench=not args.no_tb, tb_samples=args.tb_samples)
    if not args.quiet:
        print(f"wrote {len(manifest['files']) + 1} files to {args.output}:")
        for name, digest in manifest["files"].items():
            print(f"  {name:28s} sha256 {digest[:16]}")
        print("  manifest.json")
        if "machine" in manifest:
            print(f"{manifest['machine']['devices']} devices: wire them as machine.json's links say; "
                  "no cocotb "
                  "testbench for a machine (spinemu verify co-simulates one native model per device)")
        elif not args.no_tb:
            print(f"cocotb testbench: python {args.output}/tb/run.py (or pytest {args.output}/tb)")
    return 0


#: Runs longer than this are first sized with a golden probe of PROBE_SAMPLES samples.
MEMORY_CHECK_FROM = 200_000
PROBE_SAMPLES = 2_000


def _available_memory() -> int:
    """Bytes of memory available to a new allocation (MemAvailable, else free pages)."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def _check_memory(plugin, config, cycles: int, seed) -> None:
    """Refuse, before allocating, a run whose samples cannot fit in memory.

    The growth of the peak memory (numpy allocations, traced) between golden runs of
    ``PROBE_SAMPLES`` and twice as many samples, per sample, times ``cycles`` is compared
    with the memory available now, with a margin of 2 (a 2e6-cycle run of the example
    array peaked at 1.6 times the probe's estimate: larger runs are generated in larger
    blocks).
    """
    if cycles <= MEMORY_CHECK_FROM:
        return
    import tracemalloc

    peaks = []
    for samples in (PROBE_SAMPLES, 2 * PROBE_SAMPLES):
        tracemalloc.start()
        try:
            plugin.run(config.spec, config.stimulus, samples, seed=seed, backend="golden")
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    per_sample = 2 * max(peaks[1] - peaks[0], peaks[1] / 4) / PROBE_SAMPLES
    need, have = per_sample * cycles, _available_memory()
    if need > have:
        raise UserError(
            f"--cycles {cycles:,} would need about {need / 2**30:,.1f} GiB of memory "
            f"({per_sample:,.0f} bytes per sample) and {have / 2**30:,.1f} GiB are available: "
            f"ask for at most {int(have / per_sample):,} cycles per run"
        )


def _cmd_sim(args) -> int:
    import numpy as np

    from .cores import plugin_for_kind
    from .progress import activity

    config = _load(args.config)
    if args.cycles < 1:
        raise UserError(f"--cycles must be >= 1, not {args.cycles}")
    if args.seed is not None and not 0 <= args.seed < 1 << 64:
        raise UserError(f"--seed must be in 0..2**64-1, not {args.seed}")
    plugin = plugin_for_kind(config.kind)
    _check_memory(plugin, config, args.cycles, args.seed)
    with activity(f"{args.backend}: {args.cycles:,} samples of {config.name}", quiet=args.quiet):
        streams = plugin.run(config.spec, config.stimulus, args.cycles, seed=args.seed, backend=args.backend)
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(out, **streams, **plugin.extras(config.spec, config.stimulus))
    if not args.quiet:
        print(f"{args.backend}: {args.cycles} samples of {config.name} -> {out}")
        for line in plugin.summary(config.spec, config.stimulus, streams):
            print("  " + line)
    return 0


def _cmd_verify(args) -> int:
    from .verify import verify, write_report

    config = _load(args.config)
    if args.cycles < 1:
        raise UserError(f"--cycles must be >= 1, not {args.cycles}")
    log = (lambda *a: None) if args.quiet else print
    result = verify(config, samples=args.cycles, seeds=args.seed or (12345,), log=log,
                    fidelity=not args.no_fidelity, synth_target=args.synth, progress=not args.quiet,
                    cocotb_dir=Path(args.output) / "design" if args.cocotb else None)
    jpath, hpath = write_report(result, args.output)
    print(f"{'PASS' if result.ok else 'FAIL'}: {config.name} — report in {hpath} and {jpath}")
    return 0 if result.ok else 1


def _cmd_demo(args) -> int:
    from .demo import run_demo

    log = (lambda *a: None) if args.quiet else print
    cores = run_demo(args.output, board=args.board, log=log)
    for c in cores:
        print(f"{'PASS' if c.ok else 'FAIL'}: {c.name:18s} verify {'PASS' if c.verified else 'FAIL'}; "
              f"{c.workload}: {c.results.get('summary', '')}")
    ok = all(c.ok for c in cores)
    print(f"{'PASS' if ok else 'FAIL'}: demo written to {args.output} (open {args.output}/report.html)")
    return 0 if ok else 1


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="spinemu",
        description="Generate FPGA gateware that emulates spintronic neuromorphic hardware, "
                    "simulate it, and verify it bit-exact against its golden model.",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"spinemu {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("gen", help="generate Verilog, register map and manifest",
                       description="Generate the Verilog top level, regmap.json/.h/.md, "
                                   "manifest.json (versions and SHA-256 of every file) and a cocotb "
                                   "testbench in tb/ (golden vectors, `python tb/run.py` or "
                                   "`pytest tb/` runs it with Verilator).",
                       epilog=_CONFIG_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config", help="TOML config file")
    p.add_argument("-o", "--output", required=True, help="output folder")
    p.add_argument("--no-tb", action="store_true", help="skip the cocotb testbench (tb/)")
    p.add_argument("--tb-samples", type=int, default=None, metavar="N",
                   help="workload samples the testbench compares (default: a few seconds of "
                        "simulation for the core)")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    p.set_defaults(func=_cmd_gen)

    p = sub.add_parser("sim", help="simulate on the golden model or the RTL",
                       description="Run the design for --cycles samples and save them to an .npz "
                                   "file with arrays m (int8, cycles x n, +-1) and I_q (the quantized "
                                   "inputs used). Same config and seed => identical m on both backends.")
    p.add_argument("config", help="TOML config file")
    p.add_argument("--backend", choices=("golden", "rtl"), default="golden",
                   help="golden: numpy model; rtl: native Verilator model of the generated Verilog")
    p.add_argument("--cycles", type=int, default=10_000, help="samples to produce (default 10000)")
    p.add_argument("--seed", type=int, default=None,
                   help="master RNG seed loaded at run time (default: the config's seed, the reset state)")
    p.add_argument("-o", "--output", required=True, help="output .npz file")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    p.set_defaults(func=_cmd_sim)

    p = sub.add_parser("verify", help="prove the RTL bit-exact with the golden model",
                       description="Lint the generated Verilog and compare golden model and RTL "
                                   "sample for sample, from the reset state and from seeds loaded "
                                   "over the bus; then check fidelity to physics and known answers. "
                                   "Writes report.json and a self-contained report.html (plots "
                                   "embedded); exits 1 on any mismatch or failed fidelity check.")
    p.add_argument("config", help="TOML config file")
    p.add_argument("--cycles", type=int, default=100_000, help="samples per run (default 100000)")
    p.add_argument("--seed", type=int, action="append",
                   help="seed to load and verify (repeatable; default 12345)")
    p.add_argument("--no-fidelity", action="store_true",
                   help="skip the fidelity sections (physics and known-answer plots)")
    p.add_argument("--synth", choices=("xc7", "ecp5"), default=None,
                   help="add a resource table estimated with yosys (needs spinemu[synth])")
    p.add_argument("--cocotb", action="store_true",
                   help="also generate the design with its cocotb testbench into OUTPUT/design and "
                        "run it (Verilator); its result joins the report")
    p.add_argument("-o", "--output", required=True, help="report folder")
    p.add_argument("-q", "--quiet", action="store_true", help="only print the verdict")
    p.set_defaults(func=_cmd_verify)

    p = sub.add_parser("demo", help="generate, verify and exercise all three cores",
                       description="Generate the p-bit network, STNO reservoir and Hopfield cores for a "
                                   "board (Verilog, register maps, Vivado scripts), verify each against "
                                   "its golden model, run a workload on each RTL (factor 35 with an "
                                   "invertible multiplier, predict NARMA10, recall corrupted letters) "
                                   "and write report.html linking the three reports.")
    p.add_argument("-o", "--output", default="build/demo", help="output folder (default build/demo)")
    p.add_argument("--board", default="pynq-z2", help="board to generate for (default pynq-z2)")
    p.add_argument("-q", "--quiet", action="store_true", help="only print the verdict")
    p.set_defaults(func=_cmd_demo)

    import importlib
    import importlib.util

    for name in PLUGIN_COMMANDS:
        module = f"spinemu.gen.cmd_{name}"
        if importlib.util.find_spec(module) is not None:
            importlib.import_module(module).register(sub)
    return parser


def main(argv=None) -> int:
    """Entry point of the ``spinemu`` console script."""
    from ..sim_golden.validate import SpecError
    from .config import ConfigError
    from .toolchain import ToolchainError

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except (UserError, ConfigError, SpecError, ToolchainError) as exc:
        print(f"spinemu {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"spinemu {args.command}: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        if exc.filename is None:  # not a path the user gave: a bug, keep its traceback
            raise
        print(f"spinemu {args.command}: error: {_path_problem(exc)}", file=sys.stderr)
        return 2


def _path_problem(exc: OSError) -> str:
    """One line naming what is wrong with a path (output folder, input file)."""
    name = exc.filename
    if isinstance(exc, FileExistsError):
        return f"{name} exists and is not a folder"
    if isinstance(exc, NotADirectoryError):
        return f"{name}: a part of this path is a file, not a folder"
    if isinstance(exc, IsADirectoryError):
        return f"{name} is a folder, not a file"
    if isinstance(exc, PermissionError):
        return f"{name}: permission denied"
    if isinstance(exc, FileNotFoundError):
        return f"{name}: no such file or folder (or its folder cannot be created)"
    return f"{name}: {exc.strerror or exc}"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
