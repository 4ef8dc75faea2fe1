"""``spinemu run CONFIG --board NAME --bitfile F``: run a core's workload on a PYNQ board.

Loads the overlay (``F`` and the ``.hwh`` next to it), finds the core's IP by its
VLNV (and the AXI DMA of each stream the core's driver drains), drives it through the
PYNQ driver of :mod:`spinemu.sw.pynq_driver` and writes
the same ``.npz`` (and prints the same summary) as ``spinemu sim``.  Without pynq, or
without a board, it stops with a clear message (exit 2).
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import UserError

__all__ = ["register", "cmd_run"]


def cmd_run(args) -> int:
    """Implementation of ``spinemu run``."""
    import numpy as np

    from ..boards.catalog import UnknownBoardError, get_board
    from ..sw import pynq_driver as pd
    from ..sw.mmio import BusError
    from .config import load_config
    from .cores import plugin_for_kind

    try:
        board = get_board(args.board)
    except (UnknownBoardError, FileNotFoundError, ValueError) as exc:
        raise UserError(str(exc)) from None
    config = load_config(args.config)
    if isinstance(config.stimulus, dict) and config.stimulus.get("machine") is not None:
        raise UserError(
            "spinemu run drives one core; a [machine] built with --one-board runs through "
            "spinemu.sw.pbit_machine.run_machine_on_chip (the overlay's core IP as its MMIO)"
        )
    if args.cycles < 1:
        raise UserError(f"--cycles must be >= 1, not {args.cycles}")
    if args.seed is not None and not 0 <= args.seed < 1 << 64:
        raise UserError(f"--seed must be in 0..2**64-1, not {args.seed}")
    if not args.timeout > 0:
        raise UserError(f"--timeout must be > 0, not {args.timeout}")
    log = (lambda *a: None) if args.quiet else print
    spec = config.spec
    core = spec.regmap.core
    try:
        if not pd.PYNQ_AVAILABLE:
            pd.ip_class(core)  # raises the "no pynq" DeploymentError
        bit, _ = pd.check_overlay_files(args.bitfile)
        manifest = Path(bit).with_name("manifest.json")
        if manifest.is_file():
            built = pd.load_manifest(bit).get("spec")
            if built is not None and built != spec.to_dict():
                raise UserError(
                    f"{bit} was built from a different design than {args.config} "
                    f"(manifest.json next to it has another spec): rebuild, or pass the "
                    "config it was built from"
                )
        binding = pd.binding_for(core)
        if binding.workload is None:
            raise UserError(f"the {core} core has no on-board workload for `spinemu run` yet")
        here = os.environ.get("BOARD")  # set by PYNQ images
        if here and here.lower() != board.pynq_name.lower():
            log(f"warning: this board reports BOARD={here}, not {board.pynq_name}")
        overlay = pd.open_overlay(bit)
        driver = pd.open_core(
            overlay,
            core,
            spec=spec,
            check_writes=not args.no_check_writes,
            allocate=pd.pynq.allocate,
            timeout=args.timeout,
        )
        streams = binding.workload(
            driver,
            spec,
            config.stimulus,
            args.cycles,
            seed=args.seed,
            timeout=args.timeout,
            allocate=pd.pynq.allocate,
        )
    except (pd.DeploymentError, BusError) as exc:
        raise UserError(f"on {board.title}: {exc}") from None
    plugin = plugin_for_kind(config.kind)
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(out, **{k: np.asarray(v) for k, v in streams.items()}, **plugin.extras(spec, config.stimulus))
    log(f"pynq ({board.name}): {args.cycles} samples of {config.name} -> {out}")
    for line in plugin.summary(spec, config.stimulus, streams):
        log("  " + line)
    return 0


def register(subparsers) -> None:
    """Add the ``run`` subcommand."""
    p = subparsers.add_parser(
        "run",
        help="run the design on a PYNQ board",
        description="Load the overlay built by `spinemu build` (the .bit and the .hwh next to "
        "it), drive the core through its PYNQ driver and save the same .npz file as "
        "`spinemu sim`. Needs a PYNQ board (pynq installed, the FPGA present).",
    )
    p.add_argument("config", help="TOML config file the overlay was built from")
    p.add_argument("--board", required=True, help="pynq-z2, zcu104, kv260, ultra96-v2")
    p.add_argument("--bitfile", required=True, help="overlay .bit file (its .hwh must sit next to it)")
    p.add_argument("--cycles", type=int, default=10_000, help="samples to produce (default 10000)")
    p.add_argument(
        "--seed", type=int, default=None, help="master RNG seed loaded at run time (default: the reset state)"
    )
    p.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for a done flag")
    p.add_argument("--no-check-writes", action="store_true", help="skip reading back register writes")
    p.add_argument("-o", "--output", default="run.npz", help="output .npz file (default run.npz)")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    p.set_defaults(func=cmd_run)
