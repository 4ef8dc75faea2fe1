"""``spinemu build CONFIG --board NAME -o DIR``: a Vivado project that makes a PYNQ overlay.

Writes the generated design, its Vivado wrapper, IP-packaging and block-design Tcl,
``build.tcl`` and ``build.sh`` (see :mod:`spinemu.gen.vivado`).  If ``vivado`` is on
PATH (and ``--no-run`` is not given) it runs ``build.sh``; otherwise it prints the
command to run on a machine with Vivado and exits 0.

Before writing anything the design is checked against the board's part: first with a
structural figure (every RNG state bit of a p-bit array is a flip-flop; a p-bit
network costs what :mod:`spinemu.gen.pbit_cost` says per p-bit), then with the yosys
estimate of :mod:`spinemu.gen.synth` when that is installed (``--estimate auto``, the
default) or required (``--estimate yes``).  A p-bit network too large for the board is
refused with the number of such p-bits that does fit.
"""

from __future__ import annotations

import dataclasses
import math
import shutil

from .errors import UserError

__all__ = ["register", "cmd_build", "lower_bound", "structural_usage", "check_fits"]


def lower_bound(spec) -> dict[str, int]:
    """Resources the core of ``spec`` needs at the very least (empty if unknown).

    Each p-bit (of an array or a network) keeps its RNG state in flip-flops:
    ``lfsr_width`` bits for an LFSR, 128 for xoshiro128++.  Synthesis cannot share or
    remove them (every state bit feeds the next state and the seed chain).
    """
    from ..sim_golden.pbit_net_spec import PBitNetSpec
    from ..sim_golden.pbit_spec import PBitArraySpec
    from ..sim_golden.rng import RNGKind

    if isinstance(spec, PBitNetSpec) and spec.multiplexed:
        return {}  # its RNG states live in memories (see structural_usage)
    if isinstance(spec, PBitArraySpec | PBitNetSpec):
        bits = spec.lfsr_width if spec.rng is RNGKind.LFSR else spec.rng_model.state_bits
        return {"ff": spec.n * bits}
    return {}


def structural_usage(spec, board=None) -> tuple[dict, str]:
    """``(usage, what)``: the structural resource figure of ``spec`` (on ``board``'s kinds
    of memory, when given) and how to call it."""
    from ..sim_golden.hopfield_spec import HopfieldSpec
    from ..sim_golden.pbit_net_spec import PBitNetSpec

    if isinstance(spec, PBitNetSpec) and spec.multiplexed:
        from .pbit_mux_cost import mux_cost
        from .pbit_stream_cost import stream_cost

        uram = board is not None and bool(board.resources.as_dict().get("uram"))
        cost = (stream_cost if spec.streaming else mux_cost)(spec, uram=uram)
        return {k: math.ceil(v) for k, v in cost.items()}, f"the {spec.fabric.value} fabric's model estimates"
    if isinstance(spec, PBitNetSpec):
        from .pbit_cost import network_cost

        return {k: round(v) for k, v in network_cost(spec).items()}, "the per-p-bit model estimates"
    if isinstance(spec, HopfieldSpec):
        from .hopfield_cost import memory_usage

        return memory_usage(spec), "its memories need"
    return lower_bound(spec), "it needs at least"


def _fit_hint(spec, board) -> str:
    """For a p-bit network or a Hopfield core: how many p-bits or neurons the board holds."""
    from ..sim_golden.hopfield_spec import HopfieldSpec
    from ..sim_golden.pbit_net_spec import PBitNetSpec

    have = board.resources.as_dict()
    if isinstance(spec, HopfieldSpec):
        from .hopfield_cost import max_neurons

        hint = f"; {board.title} holds at most {max_neurons(spec, have):,} neurons with this [hopfield] setup"
        other = "ultra" if spec.synapse_ram == "block" else "block"
        if other == "block" or have["uram"]:
            most = max_neurons(dataclasses.replace(spec, synapse_ram=other), have)
            hint += f' ({most:,} with hopfield.synapse_ram = "{other}")'
        return hint
    if not isinstance(spec, PBitNetSpec):
        return ""
    if spec.streaming:
        from .pbit_stream_cost import max_stream_pbits

        most = max_stream_pbits(spec, have)
        return (
            f"; {board.title} holds at most {most:,} all-to-all p-bits on {spec.lanes} lanes "
            "with this [pbit] setup"
        )
    if spec.multiplexed:
        from .pbit_mux_cost import max_mux_pbits

        most = max_mux_pbits(spec, have)
        return (
            f"; {board.title} holds at most {most:,} p-bits of degree {spec.max_degree} on "
            f"{spec.lanes} lanes with this [pbit] setup"
        )
    from .pbit_cost import max_pbits

    most = max_pbits(spec, have)
    return f"; {board.title} holds at most {most:,} p-bits of degree {spec.max_degree} with this [pbit] setup"


def _estimate(config, mode: str, log, board=None):
    """The yosys estimate as a resource dict, or None (mode ``auto`` and no tool)."""
    if mode == "no":
        return None
    try:
        from . import synth
    except ImportError:
        if mode == "yes":
            raise UserError("--estimate yes needs spinemu.gen.synth, which this installation lacks") from None
        return None
    spec, in_uram = _yosys_variant(config.spec, board)
    try:
        result = synth.estimate(spec, target="xc7", check_fit=False, log=log)
    except UserError:
        if mode == "yes":
            raise
        log("no resource estimate (synthesis tools unavailable); checking the lower bound only")
        return None
    usage = {"lut": result.lut, "ff": result.ff, "dsp": result.dsp, "bram36": result.bram}
    if in_uram:  # the synapse memory, estimated as block RAM, goes to UltraRAM
        usage["bram36"] = max(0.0, usage["bram36"] - in_uram["bram36"])
        usage["uram"] = in_uram["uram"]
    return usage


def _yosys_variant(spec, board=None):
    """``(spec to synthesise, {"bram36", "uram"} moved to UltraRAM or None)``.

    yosys maps no UltraRAM: a Hopfield core with ``synapse_ram = "ultra"`` is estimated
    with its synapse memory in block RAM, and that memory's blocks are moved over; so
    are the deep memories of a multiplexed p-bit fabric on a board with UltraRAM
    (:func:`~spinemu.gen.pbit_mux_cost.uram_memories`)."""
    from ..sim_golden.hopfield_spec import HopfieldSpec
    from ..sim_golden.pbit_net_spec import PBitNetSpec

    if isinstance(spec, PBitNetSpec) and spec.multiplexed:
        from .pbit_mux_cost import uram_memories

        has_uram = board is not None and bool(board.resources.as_dict().get("uram"))
        moved = uram_memories(spec) if has_uram else None
        return spec, moved if moved and moved["uram"] else None

    if not (isinstance(spec, HopfieldSpec) and spec.synapse_ram == "ultra"):
        return spec, None
    from .hopfield_cost import bram36_blocks, uram_blocks

    shape = spec.synapse_memory_shape
    return dataclasses.replace(spec, synapse_ram="block"), {
        "bram36": bram36_blocks(*shape),
        "uram": uram_blocks(*shape),
    }


def check_fits(config, board, usage: dict, *, what: str) -> None:
    """Raise :class:`UserError` if ``usage`` exceeds ``board``'s part."""
    over = board.resources.overflows(usage)
    if over:
        detail = ", ".join(
            f"{need:g} {name.upper()} (the part has {have})" for name, (need, have) in over.items()
        ) + _fit_hint(getattr(config, "spec", None), board)
        bigger = [b for b in _boards() if not b.resources.overflows(_usage_on(config, b, usage))]
        hint = (
            f"; boards it fits: {', '.join(b.name for b in bigger)}"
            if bigger
            else "; it fits none of the known boards: make the design smaller"
        )
        raise UserError(
            f"design {config.name} is too large for {board.title} ({board.part}): {what} {detail}{hint}"
        )


def _usage_on(config, board, usage: dict) -> dict:
    """``usage`` as it would be on ``board``: a memory fabric's deep memories go to
    UltraRAM where the board has it (its model's figures then)."""
    from ..sim_golden.pbit_net_spec import PBitNetSpec

    spec = getattr(config, "spec", None)
    if isinstance(spec, PBitNetSpec) and spec.multiplexed and board.resources.as_dict().get("uram"):
        return structural_usage(spec, board)[0]
    return usage


def _boards():
    from ..boards.catalog import get_board, list_boards

    return [get_board(n) for n in list_boards()]


def cmd_build(args) -> int:
    """Implementation of ``spinemu build``."""
    from ..boards.catalog import UnknownBoardError, get_board
    from .config import load_config
    from .vivado import VivadoError, run_vivado_build, write_vivado_project

    log = (lambda *a: None) if args.quiet else print
    try:
        board = get_board(args.board)
    except (UnknownBoardError, FileNotFoundError) as exc:
        raise UserError(str(exc)) from None
    except ValueError as exc:
        raise UserError(f"bad board file: {exc}") from None
    config = load_config(args.config)
    if isinstance(config.stimulus, dict) and config.stimulus.get("machine") is not None:
        return _build_machine(config, board, args, log)
    if args.one_board:
        raise UserError("--one-board needs a config with a [machine] table (devices >= 2)")
    usage, what = structural_usage(config.spec, board)
    check_fits(config, board, usage, what=what)
    usage = _estimate(config, args.estimate, log, board)
    if usage is not None:
        check_fits(config, board, usage, what="yosys estimates")
        log(
            "estimate: "
            + ", ".join(f"{k.upper()} {v:g}/{getattr(board.resources, k)}" for k, v in usage.items())
        )
    try:
        project = write_vivado_project(config, board, args.output, pl_mhz=args.clock)
    except VivadoError as exc:
        raise UserError(str(exc)) from None
    for note in project.notes:
        log(f"note: {note}")
    log(
        f"wrote the Vivado project of {config.name} for {board.title} ({board.part}) to "
        f"{project.folder}; core IP {project.vlnv}"
    )
    vivado = shutil.which("vivado")
    if vivado and not args.no_run:
        log(f"running {project.command}")
        code = run_vivado_build(project, vivado=vivado)
        if code:
            raise UserError(f"Vivado build failed (exit {code}); see {project.folder / 'build.log'}")
        log(f"overlay: {project.bitfile} and {project.bitfile.with_suffix('.hwh')}")
        return 0
    why = "vivado is not on PATH" if not vivado else "--no-run given"
    print(
        f"{why}: to make the bitstream and .hwh, run on a machine with Vivado:\n"
        f"  {project.command}\n"
        f"then copy {project.folder / 'overlay'} to the board and run:\n"
        f"  spinemu run {args.config} --board {board.name} --bitfile overlay/{project.name}.bit"
    )
    return 0


def _device_configs(config):
    """``(plan, config)`` of every device of a ``[machine]`` config: each device's
    config names it ``<name>_device<k>`` and holds its Spec."""
    from ..sim_golden.pbit_net_device import device_plans

    stim = {k: v for k, v in config.stimulus.items() if k != "machine"}
    plans = device_plans(config.spec, config.stimulus["machine"].partition)
    return [
        (plan, dataclasses.replace(config, name=f"{config.name}_device{k}", spec=plan.spec, stimulus=stim))
        for k, plan in enumerate(plans)
    ]


def _build_one_board(config, board, args, log) -> int:
    """``spinemu build --one-board`` of a ``[machine]``: every device on one chip, joined
    by FIFO links (:class:`~spinemu.hdl.pbit_machine_top.PBitMachineTop`), one project."""
    import json
    import shutil as sh
    from pathlib import Path

    from ..sim_golden.pbit_net_device import LINK_SETS
    from .artifacts import write_manifest
    from .machine_artifacts import machine_description
    from .pbit_machine import machine_design
    from .vivado import run_vivado_build

    devices = _device_configs(config)
    usage: dict = {}
    for _, dev in devices:
        part, what = structural_usage(dev.spec, board)
        for k, v in part.items():
            usage[k] = usage.get(k, 0) + v
    try:
        check_fits(config, board, usage, what=f"its {len(devices)} devices together: {what}")
    except UserError as exc:
        raise UserError(f"{exc}; or build one project per device (without --one-board)") from None
    plans = [plan for plan, _ in devices]
    window = max(plan.spec.regmap.addr_width for plan in plans)
    design = machine_design(plans)
    aw = next(p.width for p in design.ports if p.name == "s_axi_awaddr")
    if aw > 16:
        raise UserError(f"the {len(plans)} devices' registers need {aw} address bits; one core has 16")
    out = Path(args.output)
    gen_dir = out / "gen"
    gen_dir.mkdir(parents=True, exist_ok=True)
    sh.copyfile(design.path, gen_dir / f"{design.top}.v")
    files = [f"{design.top}.v"]
    for plan, dev in devices:
        stem = f"regmap_device{plan.device}"
        (gen_dir / f"{stem}.json").write_text(plan.spec.regmap.to_json() + "\n")
        (gen_dir / f"{stem}.md").write_text(plan.spec.regmap.to_markdown(title=dev.name))
        files += [f"{stem}.json", f"{stem}.md"]
    description = machine_description(config.spec, config.stimulus["machine"])
    description["one_chip"] = {"window_bits": window, "link_sets": LINK_SETS}
    for plan in plans:
        description["device"][plan.device]["base_offset"] = plan.device << window
    (gen_dir / "regmap.json").write_text(json.dumps(
        {"core": "pbit_machine", "windows": [
            {"device": p.device, "offset": p.device << window, "regmap": f"regmap_device{p.device}.json"}
            for p in plans
        ]}, indent=1) + "\n")  # fmt: skip
    (gen_dir / "machine.json").write_text(json.dumps(description, indent=1) + "\n")
    files += ["regmap.json", "machine.json"]
    manifest = write_manifest(gen_dir, name=config.name, kind=config.kind, design=design, spec=config.spec,
                              files=files)  # fmt: skip
    project = _vivado_project(config, board, out, args.clock, manifest)
    sh.copyfile(gen_dir / "machine.json", out / "overlay" / "machine.json")
    (out / "README.md").write_text(
        f"# {config.name}: {len(plans)} devices on one {board.title}\n\n"
        f"Every device of the machine on one chip (`gen/{design.top}.v`), each device's `tx` broadcast "
        f"to an AXI-Stream FIFO per device that reads it ({LINK_SETS} boundary packets deep), "
        f"the FIFO feeding that device's `rx<k>`. Device k's registers are at the core's base + "
        f"(k << {window}) (`gen/regmap.json`, `gen/regmap_device<k>.json`).\n\n"
        "On a machine with Vivado (settings64.sh sourced):\n\n    bash build.sh\n\n"
        "On the board, with the overlay loaded (`pynq.Overlay('overlay/<name>.bit')`), pass its core "
        "IP as the MMIO of `spinemu.sw.pbit_machine.run_machine_on_chip(ip, spec, partition, h_q, "
        "j_q, ...)`: the same run the suite checks sample for sample against the golden machine on "
        "the native model of this Verilog. `EXCH_LATENCY` must stay within "
        f"({LINK_SETS} + 1) x `EXCH_PERIOD` (the FIFOs' depth).\n"
    )
    log(
        f"wrote the Vivado project of {config.name} for {board.title} ({board.part}) to {project.folder}: "
        f"its {len(plans)} devices on one chip, device k's registers at 0x{board.ps.core_base:08X} + "
        f"(k << {window}); run it with spinemu.sw.pbit_machine.run_machine_on_chip"
    )
    vivado = shutil.which("vivado")
    if vivado and not args.no_run:
        code = run_vivado_build(project, vivado=vivado)
        if code:
            raise UserError(f"Vivado build failed (exit {code}); see {project.folder / 'build.log'}")
        return 0
    print(f"to make the bitstream and .hwh, run on a machine with Vivado:\n  {project.command}")
    return 0


def _vivado_project(config, board, folder, clock, manifest):
    """:func:`~.vivado.write_vivado_project` of an already generated design; a
    :class:`~.vivado.VivadoError` becomes the user's error."""
    from .vivado import VivadoError, write_vivado_project

    try:
        return write_vivado_project(config, board, folder, pl_mhz=clock, manifest=manifest)
    except VivadoError as exc:
        raise UserError(str(exc)) from None


def _build_machine(config, board, args, log) -> int:
    """``spinemu build`` of a ``[machine]`` config: a Vivado project per device
    (``device<k>/``), ``machine.json`` and a README on how the boards are wired."""
    import json
    from pathlib import Path

    if args.one_board:
        return _build_one_board(config, board, args, log)

    from .artifacts import write_design, write_manifest
    from .machine_artifacts import machine_description
    from .pbit_machine import device_design

    devices = _device_configs(config)
    more = f"; or split the network over more devices (machine.devices = {len(devices)} now)"
    for _, dev in devices:  # every device must fit before anything is written
        usage, what = structural_usage(dev.spec, board)
        try:
            check_fits(dev, board, usage, what=what)
        except UserError as exc:
            raise UserError(f"{exc}{more}") from None
    largest = max(devices, key=lambda d: (d[1].spec.n, d[1].spec.ghosts))[1]
    usage = _estimate(largest, args.estimate, log, board)
    if usage is not None:
        check_fits(largest, board, usage, what="yosys estimates")
        log(
            f"estimate of the largest device ({largest.name}): "
            + ", ".join(f"{k.upper()} {v:g}/{getattr(board.resources, k)}" for k, v in usage.items())
        )
    out = Path(args.output)
    description = machine_description(config.spec, config.stimulus["machine"])
    commands = []
    for plan, dev in devices:
        folder = out / f"device{plan.device}"
        gen_dir = folder / "gen"
        gen_dir.mkdir(parents=True, exist_ok=True)
        design = device_design(plan)
        files = write_design(design, plan.spec.regmap, gen_dir, dev.name)
        manifest = write_manifest(gen_dir, name=dev.name, kind=dev.kind, design=design, spec=plan.spec,
                                  files=files)  # fmt: skip
        project = _vivado_project(dev, board, folder, args.clock, manifest)
        description["device"][plan.device].update(
            folder=folder.name, top=design.top, vlnv=project.vlnv,
            dma={s.stem: s.dma_cell for s in project.streams},
        )  # fmt: skip
        commands.append(f"(cd {folder} && {project.command})")
    (out / "machine.json").write_text(json.dumps(description, indent=1) + "\n")
    (out / "README.md").write_text(_machine_readme(config, board, description))
    log(
        f"wrote {len(devices)} Vivado projects of {config.name} for {board.title} ({board.part}) to {out}: "
        f"one per device, boundary streams on AXI DMA channels (see {out / 'README.md'})"
    )
    print(
        "vivado is not run for a machine of several devices: on a machine with Vivado run\n"
        + "\n".join(f"  {c}" for c in commands)
    )
    return 0


def _machine_readme(config, board, description: dict) -> str:
    """What ``spinemu build`` wrote for a machine and what it does not generate."""
    links = "\n".join(
        f"- device {ln['from']} `tx` -> device {ln['to']} `{ln['port']}` ({ln['words']} words per set)"
        for ln in description["links"]
    )
    return (
        f"# {config.name}: {description['devices']} x {board.title}\n\n"
        f"One Vivado project per device (`device<k>/`, each built with its own `build.sh`), and "
        f"`machine.json`: the partition ({description['cut_edges']} cut couplings), each device's "
        f"p-bits, ghosts and boundary, and the links below.\n\n"
        f"Every device sends its boundary spins after every E = {description['exchange_period']} "
        f"color phases as one packet of 32-bit words on its `tx` stream (`TLAST` on the last word) "
        f"and takes each source device's packets on its `rx<k>` stream; a color phase waits for the "
        f"packet due before it (D = {description['link_latency']} phases after it was sent). Program "
        f"`EXCH_PERIOD` and `EXCH_LATENCY` of every device with these values, split `h`, `J`, "
        f"clamps and states by the p-bit lists of `machine.json`, load every device with the same "
        f"seed, then write `SWEEPS` to each.\n\n"
        f"## Links\n\n{links}\n\n"
        f"Each link must buffer {description['link_buffer_sets']} packets, or a fast device waits "
        f"for a slow one's buffer.\n\n"
        f"## What is and is not generated\n\n"
        f"- Generated: each device's design, its IP and block design; `tx` and every `rx<k>` are "
        f"AXI4-Stream interfaces on AXI DMA channels (`dma_tx`, `dma_rx<k>`), so the processing "
        f"system of each board moves the packets: it reads `tx` packets into memory and sends "
        f"them to the boards that read them (over Ethernet, say), which write them to their "
        f"`rx<k>` channels.\n"
        f"- Not generated: links between boards through transceivers (Aurora over SFP+ or FMC): "
        f"the generator drives no transceiver on any board of its catalogue. Replacing a DMA "
        f"pair by such a link changes only the time a run takes, never its samples.\n"
        f"- Not generated: an AXI-Stream FIFO loopback on one board. A device's `rx<k>` expects "
        f"the packets of another device (their length is that device's boundary), so its own "
        f"`tx` looped back cannot drive it. The DMA channels serve for testing too: the host "
        f"can write any packet to `rx<k>` and read every packet of `tx`.\n"
    )


def register(subparsers) -> None:
    """Add the ``build`` subcommand."""
    p = subparsers.add_parser(
        "build",
        help="Vivado project, bitstream and .hwh for a Zynq board",
        description="Generate the design, package it as Vivado IP, and write a block design "
        "(Zynq PS + AXI interconnect + the core, plus AXI DMA where it streams), "
        "build.tcl and build.sh. Runs build.sh if vivado is on PATH; otherwise "
        "prints what to run and exits 0. Unknown boards and designs too large for "
        "the board's part exit 2.",
    )
    p.add_argument("config", help="TOML config file")
    p.add_argument(
        "--board", required=True, help="pynq-z2, zcu104, kv260, ultra96-v2 (or a board .toml file)"
    )
    p.add_argument("-o", "--output", required=True, help="output folder")
    p.add_argument("--clock", type=float, default=None, help="fabric clock in MHz (default: the board's)")
    p.add_argument(
        "--estimate",
        choices=("auto", "yes", "no"),
        default="auto",
        help="check the yosys resource estimate against the part (auto: if installed)",
    )
    p.add_argument("--no-run", action="store_true", help="only write the files, even if vivado is on PATH")
    p.add_argument(
        "--one-board",
        action="store_true",
        help="a [machine] config: put every device on one chip, joined by FIFO links, to test the "
        "machine on one board (default: one project per device, boundary streams on AXI DMA)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="print only what to run")
    p.set_defaults(func=cmd_build)
