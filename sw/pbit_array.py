"""Driver and user API of the p-bit array primitive.

:class:`PBitArrayDriver` runs the core through its registers only, so it works the
same on a board (``pynq.MMIO``) and in simulation (:class:`~spinemu.sw.mmio.VerilatorMMIO`).
:func:`simulate_pbit_array` is what ``spinemu sim`` calls: the ``golden`` backend runs
the numpy model, the ``rtl`` backend generates the Verilog (lazily, development
machines only), builds the native Verilator model and drives it through the driver.
"""

from __future__ import annotations

import numpy as np

from ..sim_golden.pbit_array import PBitArrayGolden
from ..sim_golden.pbit_spec import PBitArraySpec
from .driver import RegisterDriver

__all__ = ["PBitArrayDriver", "simulate_pbit_array", "BACKENDS"]

BACKENDS = ("golden", "rtl")


class PBitArrayDriver:
    """Register-level control of a p-bit array core.

    Parameters
    ----------
    mmio : MMIO
        Bus access to the core.
    spec : PBitArraySpec
        The generated core's Spec (from ``manifest.json`` on a board).
    """

    def __init__(self, mmio, spec: PBitArraySpec):
        self.spec = spec
        self.regs = RegisterDriver(mmio, spec.regmap)
        n = self.regs.read("N")
        if n != spec.n:
            raise ValueError(f"the core has {n} p-bits but the spec says {spec.n}")

    def set_inputs(self, i_q) -> None:
        """Write the quantized inputs (one per p-bit)."""
        i_q = np.asarray(i_q, dtype=np.int64)
        if i_q.shape != (self.spec.n,):
            raise ValueError(f"i_q must have shape ({self.spec.n},), not {i_q.shape}")
        self.regs.write_array("INPUT", i_q.tolist())

    def load_seed(self, seed: int) -> None:
        """Load the RNG streams of master ``seed`` through the seed chain."""
        for word in self.spec.seed_chain_words(seed):
            self.regs.write("SEED", word)

    def run(self, enable: bool = True) -> None:
        """Start (or stop) free-running sampling: one sample per clock."""
        self.regs.write("CTRL", int(bool(enable)))

    def step(self, k: int) -> None:
        """Advance exactly ``k`` samples."""
        self.regs.write("STEP", k)

    def sample(self) -> np.ndarray:
        """The latest sample as an int8 array of +-1."""
        words = self.regs.read_array("SAMPLE") if self.spec.regmap["SAMPLE"].count > 1 \
            else [self.regs.read("SAMPLE")]
        bits = np.array([(words[i // 32] >> (i % 32)) & 1 for i in range(self.spec.n)], dtype=np.int8)
        return 2 * bits - 1

    def read_samples(self, count: int) -> np.ndarray:
        """Produce ``count`` samples one STEP at a time, reading each over the bus."""
        out = np.empty((count, self.spec.n), dtype=np.int8)
        for t in range(count):
            self.step(1)
            out[t] = self.sample()
        return out


def _words_to_pm1(words: np.ndarray, n: int) -> np.ndarray:
    bits = np.unpackbits(np.ascontiguousarray(words).view(np.uint8), axis=1, bitorder="little")
    return (2 * bits[:, :n].astype(np.int8) - 1).astype(np.int8)


def simulate_pbit_array(spec: PBitArraySpec, i_q, samples: int, *, seed: int | None = None,
                        backend: str = "golden", via_bus: bool = False) -> np.ndarray:
    """Run the p-bit array for ``samples`` samples at constant inputs.

    Parameters
    ----------
    spec : PBitArraySpec
    i_q : array of int, shape (n,)
        Quantized inputs (see ``spec.quantize_inputs``).
    samples : int
        Number of samples.
    seed : int or None
        Master seed; ``None`` keeps the reset state baked into the gateware.
    backend : {"golden", "rtl"}
        Numpy model, or the native Verilator model of the generated Verilog.
    via_bus : bool
        ``rtl`` only: read every sample through the SAMPLE registers (slow) instead of
        the sample stream.

    Returns
    -------
    ndarray, shape (samples, n), int8 of +-1
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
    if not isinstance(samples, int) or samples < 0:
        raise ValueError(f"samples must be a non-negative integer, not {samples!r}")
    if backend == "golden":
        return PBitArrayGolden(spec, seed=seed).run(i_q, samples)

    from ..gen.native import build_native  # development machines only
    from ..gen.verilog import design_for_spec
    from .mmio import VerilatorMMIO

    model = build_native(design_for_spec(spec))
    try:
        driver = PBitArrayDriver(VerilatorMMIO(model), spec)
        driver.set_inputs(i_q)
        if seed is not None:
            driver.load_seed(seed)
        if via_bus:
            return driver.read_samples(samples)
        model.record("sample", "sample_valid", samples)
        driver.run(True)
        model.run_until_recorded(samples)
        driver.run(False)
        words = model.stop_recording()
        return _words_to_pm1(words[:samples], spec.n)
    finally:
        model.close()
