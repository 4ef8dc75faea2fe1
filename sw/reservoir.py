"""Driver and scikit-learn-style API of the STNO reservoir core.

* :class:`ReservoirDriver` runs the core through its registers only (``pynq.MMIO`` on a
  board, :class:`~spinemu.sw.mmio.VerilatorMMIO` in simulation).
* :func:`simulate_reservoir` is what ``spinemu sim``/``verify`` call: the ``golden``
  backend runs :class:`~spinemu.sim_golden.reservoir_fixed.ReservoirFixed`, the ``rtl``
  backend the native Verilator model of the generated Verilog, fed through the bus and
  drained through the ``state`` (or ``pred``) stream with ``state_ready`` tied high.
* :func:`run_reservoir_driver` runs the same workload through any driver whose
  ``state`` stream is drained by a sink (an AXI DMA on a board, one packet per input
  sample, ended by ``state_last``); predictions are read through ``PRED``.
* :class:`STNOReservoir` is the user API: ``transform``, ``fit``, ``predict``, ``score``
  on the ``golden`` (fixed point), ``rtl`` (bit-exact gateware), ``float`` or ``pynq``
  (a PYNQ overlay built by ``spinemu build``) backend.

On a board the core is registered with :func:`spinemu.sw.pynq_driver.register_core`
(``ReservoirIP``, workload :func:`run_reservoir_board` for ``spinemu run``).
"""

from __future__ import annotations

import numpy as np

from ..sim_golden.reservoir_fixed import ReservoirFixed, dequantize_params, readout_fixed
from ..sim_golden.reservoir_float import make_mask, ridge_fit, ridge_predict, run_reservoir
from ..sim_golden.reservoir_float import validate_input as _validate
from ..sim_golden.reservoir_spec import ReservoirSpec
from .driver import RegisterDriver
from .mmio import BusError

__all__ = [
    "ReservoirDriver",
    "simulate_reservoir",
    "run_reservoir_driver",
    "run_reservoir_board",
    "STNOReservoir",
    "BACKENDS",
    "HARDWARE_FIELDS",
    "ReservoirIP",
]

BACKENDS = ("golden", "rtl", "float", "pynq")

#: ReservoirSpec fields that shape the gateware (the rest are register reset values).
HARDWARE_FIELDS = (
    "n_virtual",
    "feedback_offset",
    "readout",
    *(f"{x}_bits" for x in ("state_frac", "input", "input_frac", "mask", "mask_frac", "zeta")),
    *(f"{x}_bits" for x in ("zeta_frac", "gain", "gain_frac", "c", "c_frac", "coef", "coef_frac")),
    *(f"{x}_bits" for x in ("weight", "weight_frac", "out", "out_frac")),
)


class ReservoirDriver:
    """Register-level control of a reservoir core.

    Parameters
    ----------
    mmio : MMIO
        Bus access to the core.
    spec : ReservoirSpec
        The generated core's Spec (from ``manifest.json`` on a board).
    stream : stream sink or None
        Drains the ``state`` stream (:class:`~spinemu.sw.pynq_driver.DMAStreamSink` on a
        board, :class:`~spinemu.sw.pynq_driver.NativeStreamSink` in simulation); needed
        by :meth:`run_stream`.
    streams : dict or None
        ``{"state": sink}``, the form :func:`~spinemu.sw.pynq_driver.open_core` passes.
    sources : dict or None
        ``{"input": source}``: feeds the ``input`` stream
        (:class:`~spinemu.sw.pynq_driver.DMAStreamSource` on a board); with it
        :meth:`run_stream` sends all samples at once instead of one ``INPUT`` write each.
    timeout : float
        Seconds to wait for a prediction in :meth:`run_stream`.
    """

    def __init__(
        self, mmio, spec: ReservoirSpec, *, stream=None, streams=None, sources=None, timeout: float = 5.0
    ):
        if not isinstance(spec, ReservoirSpec):
            raise TypeError(f"spec must be a ReservoirSpec, not {spec!r}")
        if not timeout > 0:
            raise ValueError(f"timeout must be > 0, not {timeout}")
        self.spec = spec
        self.stream = stream if stream is not None else (streams or {}).get("state")
        self.source = (sources or {}).get("input")
        self.timeout = timeout
        self.regs = RegisterDriver(mmio, spec.regmap)
        n = self.regs.read("N")
        if n != spec.n_virtual:
            raise ValueError(f"the core has {n} virtual nodes but the spec says {spec.n_virtual}")

    def set_params(self, regs: dict) -> None:
        """Write raw parameter registers (``BIAS``, ``GAIN``, ``FB``, ``PDC``, ``C``, ...)."""
        for name, value in self.spec.check_regs(regs).items():
            self.regs.write(name, value)

    def load_mask(self, mask_q) -> None:
        """Write the raw mask (shape ``(n_virtual,)``) through ``MASK_ADDR``/``MASK_DATA``."""
        mask_q = np.asarray(mask_q, dtype=np.int64)
        if mask_q.shape != (self.spec.n_virtual,):
            raise ValueError(f"mask_q must have shape ({self.spec.n_virtual},), not {mask_q.shape}")
        self.regs.write("MASK_ADDR", 0)
        for v in mask_q.tolist():
            self.regs.write("MASK_DATA", v)

    def load_weights(self, w_q, bias_q: int = 0) -> None:
        """Write the raw readout weights and ``W_BIAS`` (cores with ``readout`` only)."""
        if not self.spec.readout:
            raise ValueError("this core has no on-chip readout (spec.readout is false)")
        w_q = np.asarray(w_q, dtype=np.int64)
        if w_q.shape != (self.spec.n_virtual,):
            raise ValueError(f"w_q must have shape ({self.spec.n_virtual},), not {w_q.shape}")
        self.regs.write("W_ADDR", 0)
        for v in w_q.tolist():
            self.regs.write("W_DATA", v)
        self.regs.write("W_BIAS", int(bias_q))

    def restart(self) -> None:
        """``RESTART``: w = 1/PDC, empty pipeline, delay line and input, counters cleared."""
        self.regs.write("RESTART", 1)

    def status(self) -> dict[str, bool]:
        """Decoded ``STATUS``."""
        v = self.regs.read("STATUS")
        return {"busy": bool(v & 1), "full": bool(v & 2), "overrun": bool(v & 4), "held": bool(v & 8)}

    def push(self, u_q: int) -> None:
        """Queue one raw input sample (the core holds one while it processes another)."""
        self.regs.write("INPUT", int(u_q))

    def check_overrun(self) -> None:
        if self.status()["overrun"]:
            raise BusError("reservoir OVERRUN: an INPUT was written while one was waiting")

    def run_via_bus(self, u_q, *, max_polls: int = 10_000) -> np.ndarray:
        """Process samples reading every state through ``STATE`` (``CTRL.HOLD`` mode).

        Slow (several bus accesses per node) but needs nothing but the register bus.
        """
        n_v = self.spec.n_virtual
        u_q = np.asarray(u_q, dtype=np.int64)
        out = np.empty((u_q.shape[0], n_v), dtype=np.int64)
        self.regs.write("CTRL", 1)
        try:
            for k, v in enumerate(u_q.tolist()):
                self.push(v)
                for i in range(n_v):
                    for _ in range(max_polls):
                        if self.regs.read("STATUS") & 8:
                            break
                    else:
                        raise BusError(f"node {i} of sample {k} never reached HOLD")
                    out[k, i] = self.regs.read("STATE")
                    self.regs.write("NEXT", 1)
        finally:
            self.regs.write("CTRL", 0)
        self.check_overrun()
        return out

    def run_stream(self, u_q) -> dict[str, np.ndarray]:
        """Process samples, draining states from the stream sink (one packet per sample).

        With an input source every sample is sent at once through the ``input`` stream;
        otherwise each is written to ``INPUT``.  For each sample: arm the sink for
        ``n_virtual`` words, (push the input,) wait for the packet (``state_last``); with
        the readout, wait for ``PRED_COUNT`` and read ``PRED``.  The core may stall on
        either stream at any time (backpressure), which changes no state.

        Returns
        -------
        dict
            ``"x"`` raw states ``(T, n_virtual)``; ``"y"`` raw predictions ``(T,)`` if the
            core has the readout.

        Raises
        ------
        BusError
            A packet of the wrong length, or OVERRUN.
        DoneTimeout
            A packet or a prediction that never comes.
        """
        from .pynq_driver import wait_until

        if self.stream is None:
            raise ValueError("run_stream needs a stream sink for the state stream (stream=...)")
        spec = self.spec
        n_v = spec.n_virtual
        u_q = np.asarray(u_q, dtype=np.int64)
        x = np.empty((u_q.shape[0], n_v), dtype=np.int64)
        y = np.empty(u_q.shape[0], dtype=np.int64) if spec.readout else None
        self.regs.write("CTRL", 0)
        pc0 = self.regs.read("PRED_COUNT") if spec.readout else 0
        if self.source is not None:
            self.source.send(u_q)
        for k, v in enumerate(u_q.tolist()):
            self.stream.start(n_v)
            if self.source is None:
                self.push(v)
            words = self.stream.finish()
            if len(words) != n_v:
                raise BusError(f"sample {k}: the state stream delivered {len(words)} of {n_v} states")
            x[k] = words[:, 0].astype(np.int64) & spec.state_max
            if y is not None:
                want = k + 1
                wait_until(
                    lambda: (self.regs.read("PRED_COUNT") - pc0) & 0xFFFFFFFF,
                    lambda c, want=want: c >= want,
                    timeout=self.timeout,
                    what=f"PRED_COUNT == {want}",
                )
                y[k] = self.regs.read("PRED")
        if self.source is not None:
            self.source.wait()
        self.check_overrun()
        out = {"x": x}
        if y is not None:
            out["y"] = y
        return out


def run_reservoir_driver(
    driver: ReservoirDriver, u_q, *, mask_q=None, regs: dict | None = None, w_q=None, bias_q: int = 0
) -> dict[str, np.ndarray]:
    """Load everything, ``RESTART`` and :meth:`ReservoirDriver.run_stream` (board path).

    Unlike :func:`simulate_reservoir` nothing is left at its reset value: the parameter
    registers (``regs``, missing ones from the Spec), the mask (``mask_q``, default the
    Spec's reset-state mask) and the weights are all written, so the result does not
    depend on what ran on the board before.  Returns what :func:`simulate_reservoir`
    returns for the same arguments (``"y"`` only if ``w_q`` is given).
    """
    spec = driver.spec
    if w_q is not None and not spec.readout:
        raise ValueError("weights given but the core has no on-chip readout")
    driver.regs.write("CTRL", 0)
    driver.set_params(regs or {})
    driver.load_mask(spec.mask_q() if mask_q is None else mask_q)
    if spec.readout:
        driver.load_weights(np.zeros(spec.n_virtual, dtype=np.int64) if w_q is None else w_q, bias_q)
    driver.restart()
    out = driver.run_stream(u_q)
    if w_q is None:
        out.pop("y", None)
    return out


def run_reservoir_board(
    driver, spec, stimulus, samples: int, *, seed=None, timeout: float = 5.0, allocate=None
):
    """The ``spinemu run`` workload: what ``spinemu sim`` computes for a reservoir config.

    Uses the config plugin's stimulus and random weights (:mod:`spinemu.gen.core_reservoir`,
    the single source of both), the mask of ``seed`` (default: the reset-state mask).
    ``allocate`` is unused (the driver's DMA sink has its own).
    """
    from ..gen.core_reservoir import random_weights, stimulus_input  # no amaranth

    if not isinstance(samples, int) or samples < 0:
        raise ValueError(f"samples must be a non-negative integer, not {samples!r}")
    driver.timeout = timeout
    if hasattr(driver.stream, "timeout"):
        driver.stream.timeout = timeout
    u_q = stimulus_input(spec, stimulus, samples)
    mask_q = None if seed is None else spec.mask_q(seed)
    w_q, bias_q = random_weights(spec, stimulus["weights_seed"]) if spec.readout else (None, 0)
    return run_reservoir_driver(driver, u_q, mask_q=mask_q, w_q=w_q, bias_q=bias_q)


def _stream_run(model, driver: ReservoirDriver, u_q, *, port: str) -> np.ndarray:
    """Feed ``u_q`` through the ``input`` stream and record ``port`` ("state" or "pred")
    at native speed (no bus access per sample)."""
    spec = driver.spec
    n_v = spec.n_virtual
    per = 1 if port == "pred" else n_v
    total = len(u_q) * per
    # cycles per sample, with margin: one node per clock when the delay line is at least
    # as long as the pipeline, otherwise D nodes per pipeline latency (hdl/reservoir.py)
    budget = 4 * n_v + 2000
    model.set("state_ready", 1)  # the simulation drains the state stream at full speed
    model.record("state_payload" if port == "state" else port, f"{port}_valid", max(total, 1))
    try:
        model.feed("input_payload", "input_valid", "input_ready", np.asarray(u_q, dtype=np.int64))
        if total:
            model.run_until_recorded(total, max_cycles=budget * len(u_q))
    finally:
        model.stop_feeding()
        raw = model.stop_recording()
    driver.check_overrun()
    raw = raw[:total, 0].astype(np.int64)
    if port == "pred":  # sign-extend
        bits = spec.out_bits
        raw = np.where(raw >= 1 << (bits - 1), raw - (1 << bits), raw)
        return raw
    return raw.reshape(len(u_q), n_v)


def _native(spec: ReservoirSpec):
    from ..gen.native import build_native  # development machines only
    from ..gen.verilog import design_for_spec

    return build_native(design_for_spec(spec))


def simulate_reservoir(
    spec: ReservoirSpec,
    u_q,
    *,
    mask_q=None,
    regs: dict | None = None,
    w_q=None,
    bias_q: int = 0,
    backend: str = "golden",
    via_bus: bool = False,
    model=None,
) -> dict[str, np.ndarray]:
    """Run the reservoir core from ``RESTART`` on raw inputs.

    Parameters
    ----------
    spec : ReservoirSpec
    u_q : array of int, shape (T,)
        Raw input samples (``spec.quantize_inputs``).
    mask_q : array of int or None
        Raw mask loaded over the bus; ``None`` keeps the reset-state mask.
    regs : dict or None
        Raw parameter registers (missing: reset values).
    w_q, bias_q : array of int, int
        Raw readout weights and bias (``spec.readout`` only); ``None`` skips the readout.
    backend : {"golden", "rtl"}
    via_bus : bool
        ``rtl`` only: read every state through the ``STATE`` register.
    model : NativeModel or None
        ``rtl`` only: a model of ``spec`` to reuse (otherwise one is built and closed).

    Returns
    -------
    dict
        ``"x"``: raw states ``(T, n_virtual)``; ``"y"``: raw predictions ``(T,)`` if
        weights were given.
    """
    if backend not in ("golden", "rtl"):
        raise ValueError(f"backend must be 'golden' or 'rtl', not {backend!r}")
    u_q = np.asarray(u_q, dtype=np.int64)
    if w_q is not None and not spec.readout:
        raise ValueError("weights given but the core has no on-chip readout")
    if backend == "golden":
        gold = ReservoirFixed(spec, mask_q=mask_q, regs=regs)
        x = gold.run(u_q)
        out = {"x": x}
        if w_q is not None:
            out["y"] = readout_fixed(spec, x, w_q, bias_q)
        return out

    from .mmio import VerilatorMMIO

    own = model is None
    model = _native(spec) if own else model
    try:
        driver = ReservoirDriver(VerilatorMMIO(model), spec)
        driver.set_params(regs or {})
        if mask_q is not None:
            driver.load_mask(mask_q)
        if w_q is not None:
            driver.load_weights(w_q, bias_q)
        driver.restart()
        if via_bus:
            out = {"x": driver.run_via_bus(u_q)}
        else:
            out = {"x": _stream_run(model, driver, u_q, port="state")}
        if w_q is not None:
            driver.restart()
            out["y"] = _stream_run(model, driver, u_q, port="pred")
        return out
    finally:
        if own:
            model.close()


class STNOReservoir:
    """Time-multiplexed spin-torque-oscillator reservoir, scikit-learn style.

    Parameters
    ----------
    n_virtual : int
        Virtual nodes (2..4096).
    theta : float
        Node duration in s (each node's power equation is solved exactly over it).
    input_scaling, zeta_dc : float
        Input gain and DC current (in units of the threshold current).
    feedback : float
        Delay-line feedback gain (0: the bare oscillator).

        The defaults of ``theta``, ``input_scaling``, ``zeta_dc`` and ``feedback`` come
        from a seeded TPE search on NARMA10 (400 nodes) and sine/square (60 nodes)
        (docs/reservoir_defaults.md); :func:`~spinemu.sw.tuning.tune_reservoir` runs the
        same search on your own task.
    feedback_offset : int
        Delay line of ``n_virtual + feedback_offset`` nodes.
    mask : {"binary", "real"} or array_like
        Random mask kind (drawn from `seed`) or an explicit mask of ``n_virtual`` values.
    gamma_g, q : float
        Oscillator damping rate (1/s) and nonlinear damping.
    readout : {"software", "chip"}
        ``"chip"``: ``predict`` on the golden/rtl backends uses the fixed-point on-chip
        readout (quantized weights); ``"software"``: float ridge readout on the states.
    backend : {"golden", "rtl", "float", "pynq"}
        Fixed-point golden model, the bit-exact gateware (native Verilator), the float
        physics model with exactly the same (quantized) parameters, or the gateware on
        a PYNQ board (``overlay``).
    overlay : pynq.Overlay, str or path, optional
        ``pynq`` backend only: the overlay, or its ``.bit`` file (the ``.hwh`` next to
        it), built by ``spinemu build`` from a reservoir with the same hardware fields
        (:data:`HARDWARE_FIELDS`: ``n_virtual``, ``feedback_offset``, ``formats``).
    seed : int or None
        Seed of the random mask.
    formats : dict or None
        Extra :class:`ReservoirSpec` fields (fixed-point formats).

    Notes
    -----
    Every call of :meth:`transform` starts from ``RESTART`` (steady state, empty delay
    line), so equal inputs give equal states.
    """

    def __init__(
        self,
        n_virtual: int = 400,
        *,
        theta: float = 60e-9,
        input_scaling: float = 0.2,
        zeta_dc: float = 2.2,
        feedback: float = 4.0,
        feedback_offset: int = 1,
        mask="real",
        gamma_g: float = 2e7,
        q: float = 1.0,
        readout: str = "software",
        backend: str = "golden",
        seed=None,
        formats: dict | None = None,
        overlay=None,
    ):
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
        if readout not in ("software", "chip"):
            raise ValueError(f"readout must be 'software' or 'chip', not {readout!r}")
        if isinstance(n_virtual, bool) or not isinstance(n_virtual, int | np.integer) or n_virtual < 2:
            raise ValueError(f"n_virtual must be an integer >= 2, not {n_virtual!r}")
        self.backend = backend
        self.readout = readout
        # The hardware Spec holds only what shapes the gateware; everything else is a
        # run-time register, so one generated design serves every theta, gain and seed
        # (and both readouts: the on-chip one is always built, and used with "chip").
        self.spec = ReservoirSpec(
            n_virtual=int(n_virtual), feedback_offset=feedback_offset, gamma_g=gamma_g, **(formats or {})
        )
        self.regs = self.spec.param_regs(
            theta=theta,
            zeta_dc=zeta_dc,
            input_scaling=input_scaling,
            feedback=feedback,
            q=q,
        )
        if isinstance(mask, str):
            if mask not in ("binary", "real"):
                raise ValueError(f"mask must be 'binary', 'real' or an array, not {mask!r}")
            mask_real = make_mask(self.spec.n_virtual, mask, seed)
        else:
            mask_real = _validate(mask, "mask", ndim=1)
        self.mask_q = self.spec.quantize_mask(mask_real)
        self.params = dequantize_params(self.spec, self.regs, self.mask_q)
        self.seed = seed
        self.weights_ = None
        self._model = None
        self._driver = None
        if (overlay is None) != (backend != "pynq"):
            raise ValueError(
                "overlay is needed by (and only by) the pynq backend; "
                f"backend={backend!r}, overlay={overlay!r}"
            )
        if backend == "pynq":
            self._driver = _open_board(self.spec, overlay)

    # -- plumbing -------------------------------------------------------------------------
    @property
    def n_virtual(self) -> int:
        return self.spec.n_virtual

    def _model_rtl(self):
        if self._model is None:
            self._model = _native(self.spec)
        return self._model

    def close(self) -> None:
        """Release the native model (rtl backend)."""
        if self._model is not None:
            self._model.close()
            self._model = None

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    def _input(self, u, name: str = "u") -> np.ndarray:
        arr = _validate(u, name, ndim=(1, 2))
        if arr.ndim == 2:
            if arr.shape[1] != 1:
                raise ValueError(f"{name} must have shape (T,) or (T, 1), not {arr.shape}")
            arr = arr[:, 0]
        return arr

    def _run(self, u, w_q=None, bias_q=0) -> dict:
        u_q = self.spec.quantize_inputs(u)
        if self.backend == "pynq":
            return run_reservoir_driver(
                self._driver, u_q, mask_q=self.mask_q, regs=self.regs, w_q=w_q, bias_q=bias_q
            )
        model = self._model_rtl() if self.backend == "rtl" else None
        return simulate_reservoir(
            self.spec,
            u_q,
            mask_q=self.mask_q,
            regs=self.regs,
            w_q=w_q,
            bias_q=bias_q,
            backend=self.backend,
            model=model,
        )

    # -- public API -----------------------------------------------------------------------
    def transform(self, u) -> np.ndarray:
        """Virtual-node states (power ``p``) for input ``u`` of shape ``(T,)`` or ``(T, 1)``.

        Returns
        -------
        numpy.ndarray, shape (T, n_virtual)
        """
        arr = self._input(u)
        if self.backend == "float":
            # The same quantized input (and range check) as the hardware.
            u_q = self.spec.quantize_inputs(arr)
            return run_reservoir(self.params, u_q / float(1 << self.spec.input_frac_bits))
        x = self._run(arr)["x"]
        return x / float(1 << self.spec.state_frac_bits)

    def transform_raw(self, u) -> np.ndarray:
        """Raw fixed-point states (golden/rtl/pynq backends)."""
        if self.backend == "float":
            raise ValueError("the float backend has no raw fixed-point states")
        return self._run(self._input(u))["x"]

    def fit(self, u, y, *, ridge: float = 1e-8, washout: int = 0) -> STNOReservoir:
        """Train the linear readout (ridge regression with bias) on ``transform(u)``.

        Parameters
        ----------
        u : array_like, shape (T,)
        y : array_like, shape (T,) or (T, n_outputs)
        ridge : float
        washout : int
            Initial samples left out of the fit.
        """
        arr = self._input(u)
        yy = _validate(y, "y", ndim=(1, 2))
        if yy.shape[0] != arr.shape[0]:
            raise ValueError(f"u and y must have the same length, not {arr.shape[0]} and {yy.shape[0]}")
        if isinstance(washout, bool) or not isinstance(washout, int) or not 0 <= washout < arr.shape[0] - 1:
            raise ValueError(f"washout must be an integer in 0..{arr.shape[0] - 2}, not {washout!r}")
        if self.readout == "chip" and yy.ndim != 1:
            raise ValueError("the on-chip readout has one output: y must be 1-D")
        states = self.transform(arr)
        self.weights_ = ridge_fit(states[washout:], yy[washout:], ridge)
        return self

    def _check_fitted(self):
        if self.weights_ is None:
            raise RuntimeError("call fit(u, y) before predict/score")

    def predict(self, u) -> np.ndarray:
        """Readout predictions for input ``u`` (on-chip fixed point with ``readout='chip'``)."""
        self._check_fitted()
        arr = self._input(u)
        if self.readout == "chip" and self.backend != "float":
            w_q, bias_q = self.chip_weights()
            y_q = self._run(arr, w_q, bias_q)["y"]
            return y_q / float(1 << self.spec.out_frac_bits)
        return ridge_predict(self.transform(arr), self.weights_)

    def chip_weights(self) -> tuple[np.ndarray, int]:
        """The fitted readout quantized for the core: ``(w_q, bias_q)``."""
        self._check_fitted()
        w = np.asarray(self.weights_)
        if w.ndim != 1:
            raise ValueError("the on-chip readout has one output")
        return self.spec.quantize_weights(w[:-1]), self.spec.quantize_out(w[-1])

    def score(self, u, y) -> float:
        """Coefficient of determination ``R^2`` of :meth:`predict` (scikit-learn convention)."""
        yy = _validate(y, "y", ndim=(1, 2))
        pred = self.predict(u)
        if pred.shape != yy.shape:
            raise ValueError(f"y must have shape {pred.shape}, not {yy.shape}")
        ss_tot = float(((yy - yy.mean(axis=0)) ** 2).sum())
        if ss_tot == 0.0:
            raise ValueError("y is constant: R^2 is undefined")
        return 1.0 - float(((yy - pred) ** 2).sum()) / ss_tot

    def __repr__(self) -> str:
        return (
            f"STNOReservoir(n_virtual={self.n_virtual}, backend={self.backend!r}, "
            f"readout={self.readout!r}, seed={self.seed!r})"
        )


def _open_board(spec: ReservoirSpec, overlay) -> ReservoirDriver:
    """The driver of the reservoir in ``overlay`` (an Overlay or a ``.bit`` path)."""
    from . import pynq_driver as pd

    ov, built = pd.overlay_and_spec(overlay)
    if built is not None:
        if built.get("kind") != "reservoir":
            raise pd.DeploymentError(f"the overlay holds a {built.get('kind')} core, not a reservoir")
        diff = pd.spec_diff(built, spec.to_dict(), HARDWARE_FIELDS)
        if diff:
            raise pd.DeploymentError(
                "the overlay's reservoir was built with other hardware: " + ", ".join(diff)
            )
    return pd.open_core(ov, "reservoir", spec=spec)


def _register():
    from .pynq_driver import register_core

    return register_core(
        core="reservoir",
        kind="reservoir",
        spec_from_dict=ReservoirSpec.from_dict,
        driver_factory=ReservoirDriver,
        workload=run_reservoir_board,
        class_name="ReservoirIP",
        streams=("state",),
        sources=("input",),
    )


#: The pynq ``DefaultIP`` subclass bound to the reservoir's VLNV (None without pynq).
ReservoirIP = _register()
