"""The p-bit network's register-level driver and the pieces of a hardware run.

:class:`PBitNetDriver` programs a p-bit network core through its registers, on a board
(``pynq.MMIO``) or a native Verilator model (:class:`~spinemu.sw.mmio.VerilatorMMIO`);
the helpers below turn a run's arguments into register writes and its recorded samples
into the :class:`~spinemu.sim_golden.pbit_net.NetRun` the golden model returns.  Used by
the rtl and board runners of :mod:`.pbit_sampler` and by the machine runner of
:mod:`.pbit_machine`.
"""

from __future__ import annotations

import numpy as np

from ..sim_golden.pbit_net import BetaRegisters, NetRun, PBitNetGolden, quantized_energy
from ..sim_golden.pbit_net_regmap import STATUS_BUSY, pack_spins, seed_writes, unpack_spins, window_writes
from ..sim_golden.pbit_net_spec import PBitNetSpec
from .driver import RegisterDriver

__all__ = ["PBitNetDriver", "clear_model_cache"]

_MODELS: dict = {}


def clear_model_cache() -> None:
    """Close and forget the native models kept by the ``rtl`` backend."""
    for model in _MODELS.values():
        model.close()
    _MODELS.clear()


def _native_model(spec: PBitNetSpec):
    """The native Verilator model of ``spec``, built (cached on disk) and kept loaded."""
    key = spec
    if key not in _MODELS:
        from ..gen.native import build_native  # development machines only
        from ..gen.verilog import design_for_spec

        _MODELS[key] = build_native(design_for_spec(spec))
    return _MODELS[key]


def _unpack(words, n: int) -> np.ndarray:
    """Spins (+-1) of the parallel fabric's ``sample`` port recorded as 32-bit words."""
    w = np.ascontiguousarray(np.asarray(words, dtype=np.uint32))
    bits = np.unpackbits(w.view(np.uint8).reshape(*w.shape[:-1], -1), axis=-1, bitorder="little")
    return (2 * bits[..., :n].astype(np.int8) - 1).astype(np.int8)


class PBitNetDriver:
    """Register-level control of a p-bit network core (board or simulation).

    Parameters
    ----------
    mmio : MMIO
        ``pynq.MMIO`` or :class:`~spinemu.sw.mmio.VerilatorMMIO`.
    spec : PBitNetSpec
        The generated core's Spec.
    """

    def __init__(self, mmio, spec: PBitNetSpec):
        self.spec = spec
        self.regs = RegisterDriver(mmio, spec.regmap)
        n, c = self.regs.read("N"), self.regs.read("NCOLORS")
        p = self.regs.read("REPLICAS") if spec.replicas > 1 else 1
        if (n, c, p) != (spec.n, spec.num_colors, spec.replicas):

            def shape(n, c, p):
                return f"{n} p-bits in {c} colors" + (f" with {p} replicas" if p > 1 else "")

            want = shape(spec.n, spec.num_colors, spec.replicas)
            raise ValueError(f"the core has {shape(n, c, p)} but the spec says {want}")

    def _write_words(self, name: str, words) -> None:
        """Write 32-p-bit word ``k`` of ``name`` (``CLAMP_EN``, ``CLAMP_VAL``, ``STATE_IN``) for every k."""
        names, values = [], []
        for k, w in enumerate(words):
            names += ["WORD_SEL", name]
            values += [k, int(w)]
        self.regs.write_many(names, values)

    def load_problem(self, h_q, j_q) -> None:
        """Write raw ``h`` (n,) and ``J`` (num_edges,) through the ``TBL_*`` window
        (:func:`~spinemu.sim_golden.pbit_net_regmap.window_writes`)."""
        self.regs.write_many(*window_writes(self.spec, h_q, j_q))

    def load_seed(self, seed: int) -> None:
        """Load the RNG streams of master ``seed`` (seed chain, or the multiplexed fabric's
        state window: :func:`~spinemu.sim_golden.pbit_net_regmap.seed_writes`)."""
        self.regs.write_many(*seed_writes(self.spec, seed))

    def set_schedule(self, beta: BetaRegisters) -> None:
        """Write the β schedule registers (``BETA`` last: it loads ``beta_acc``)."""
        self.regs.write("BETA_MODE", beta.mode)
        self.regs.write("BETA_STEP", beta.step)
        self.regs.write("BETA_MULT", beta.mult)
        self.regs.write("BETA", beta.start)

    def set_beta(self, beta_acc: int) -> None:
        """Load ``beta_acc``."""
        self.regs.write("BETA", int(beta_acc))

    def set_clamp(self, mask, values) -> None:
        """Clamp the p-bits in ``mask`` (bool, (n,)) to ``values`` (+-1, (n,)).

        ``CLAMP_EN`` before ``CLAMP_VAL``: the latter sets the spins of clamped p-bits only.
        """
        self._write_words("CLAMP_EN", pack_spins(self.spec, np.where(np.asarray(mask, bool), 1, -1)))
        self._write_words("CLAMP_VAL", pack_spins(self.spec, values))

    def set_compensation(self, gain_q, offset_q) -> None:
        """Write every p-bit's ``GAIN`` and ``OFFSET`` (``compensation = true``).

        Values are register units: see
        :meth:`~spinemu.sim_golden.pbit_net_spec.PBitNetSpec.compensation_registers`.
        """
        if not self.spec.compensation:
            raise ValueError("this core has no compensation registers (compensation = false)")
        names, values = [], []
        for i, (g, o) in enumerate(zip(gain_q, offset_q, strict=True)):
            names += ["COMP_SEL", "GAIN", "OFFSET"]
            values += [i, int(g), int(o)]
        self.regs.write_many(names, values)

    def select_replica(self, replica: int) -> None:
        """Choose the replica that :meth:`load_state` loads and :meth:`state` reads."""
        P = self.spec.replicas
        if isinstance(replica, bool) or not isinstance(replica, int | np.integer) or not 0 <= replica < P:
            raise ValueError(f"replica must be an integer in 0..{P - 1}, not {replica!r}")
        if P > 1:
            self.regs.write("REPLICA", int(replica))

    def load_state(self, spins) -> None:
        """Load the spins (+-1, (n,)) of the unclamped p-bits (of the selected replica)."""
        self._write_words("STATE_IN", pack_spins(self.spec, spins))

    def _read_words(self, name: str) -> list[int]:
        out = []
        for k in range(self.spec.state_words):
            self.regs.write("WORD_SEL", k)
            out.append(self.regs.read(name))
        return out

    def state(self) -> np.ndarray:
        """The current spins (of the selected replica) as +-1."""
        words = self._read_words("STATE")
        return unpack_spins(self.spec, words)

    def sweep(self, k: int) -> None:
        """Start ``k`` sweeps (returns at once; see :meth:`wait`)."""
        self.regs.write("SWEEPS", int(k))

    def busy(self) -> bool:
        return bool(self.regs.read("STATUS") & STATUS_BUSY)

    def wait(self, *, max_polls: int = 10**9) -> None:
        """Poll ``STATUS`` until the sweeps are done."""
        for _ in range(max_polls):
            if not self.busy():
                return
        raise TimeoutError("the p-bit network is still sweeping")

    def capture(self, enable: bool = True) -> None:
        """Write each sweep's state into the capture buffer (``CTRL.CAPTURE``).  A core
        without ``CTRL`` (the multiplexed fabric) has no buffer: ``enable`` must be false."""
        if self.spec.multiplexed:
            if enable:
                raise ValueError("the multiplexed fabric has no capture buffer (its samples are a stream)")
            return
        self.regs.write("CTRL", int(bool(enable)))

    def drain(self, since: int = 0) -> np.ndarray:
        """Captured samples ``since .. BUF_COUNT - 1`` still in the buffer, oldest first
        (with replicas, one per replica per sweep: replica 0 first)."""
        depth = self.spec.sample_buffer_depth
        if not depth:
            raise ValueError("this core has no capture buffer (sample_buffer_depth = 0)")
        count = self.regs.read("BUF_COUNT")
        first = max(since, count - depth)
        out = []
        for t in range(first, count):
            self.regs.write("BUF_SEL", t % depth)
            out.append(self._read_words("BUF_DATA"))
        return unpack_spins(self.spec, np.array(out, np.uint32).reshape(-1, self.spec.state_words))


def _beta_runs(betas: list[int]) -> list[tuple[int, int]]:
    """Group a per-sweep ``beta_acc`` list into ``(value, count)`` runs."""
    runs = []
    for b in betas:
        if runs and runs[-1][0] == b:
            runs[-1][1] += 1
        else:
            runs.append([b, 1])
    return [(b, c) for b, c in runs]


def _load_compensation(drv, spec: PBitNetSpec, gain_q, offset_q) -> None:
    """Write the compensation registers (defaults: gain 1, offset 0), checked by the golden rules."""
    if not spec.compensation:
        if gain_q is not None or offset_q is not None:
            raise ValueError("gain_q/offset_q need a Spec with compensation = true")
        return
    gain, offset = PBitNetGolden(spec)._check_compensation(gain_q, offset_q)
    drv.set_compensation(gain, offset)


def _run_inputs(n: int, num_reads: int, initial_states, clamp_mask, clamp_values):
    """``(init, cmask, cval)`` of a run: per-read initial states, clamp mask and values.

    Defaults: every read starts from all -1; nothing clamped (clamp values -1).
    """
    init = (
        -np.ones((num_reads, n), np.int8)
        if initial_states is None
        else np.broadcast_to(np.asarray(initial_states, np.int8), (num_reads, n))
    )
    cmask = np.zeros(n, bool) if clamp_mask is None else np.asarray(clamp_mask, bool)
    cval = -np.ones(n, np.int8) if clamp_values is None else np.asarray(clamp_values, np.int8)
    return init, cmask, cval


def _load_group(driver: PBitNetDriver, states) -> None:
    """Load the initial spins of every replica of a group (``states``: (replicas, n))."""
    for r, spins in enumerate(states):
        driver.select_replica(r)
        driver.load_state(spins)


def _group_states(driver: PBitNetDriver) -> np.ndarray:
    """The spins of every replica, ``(replicas, n)``."""
    out = []
    for r in range(driver.spec.replicas):
        driver.select_replica(r)
        out.append(driver.state())
    return np.asarray(out, np.int8)


def _load_schedule(driver: PBitNetDriver, beta, num_sweeps: int):
    """Write ``beta``'s schedule registers; return ``(betas, runs)``.

    ``betas`` is the per-sweep ``beta_acc`` list.  ``runs`` is ``None`` for a
    :class:`BetaRegisters` schedule (the core steps β itself from ``beta.start``), else
    the ``(value, count)`` runs of the explicit list, each written to ``BETA`` in turn.
    """
    if isinstance(beta, BetaRegisters):
        from ..sim_golden.pbit_net_spec import beta_sequence

        driver.set_schedule(beta)
        return beta_sequence(beta.start, beta.mode, beta.step, beta.mult, num_sweeps), None
    betas = [int(b) for b in beta]
    driver.set_schedule(BetaRegisters(betas[0] if betas else 0))
    return betas, _beta_runs(betas)


def _net_result(spec, h_q, j_q, record, finals, samples, start, betas) -> NetRun:
    """The :class:`NetRun` of a hardware run, as the golden model reports it.

    ``samples`` is the ``(R, S, n)`` per-sweep spins (``None`` unless ``record`` is
    ``"all"`` or ``"best"``) and ``start`` the ``(R, n)`` initial states with the clamps
    applied; ``"best"`` keeps, per read, the lowest-energy state among ``start`` and the
    samples (the first minimum, as the golden's strict ``<``).
    """
    if record != "best":
        return NetRun(finals, samples, None, None, betas)
    R, S, n = samples.shape
    best_s, best_e = start.copy(), quantized_energy(spec, h_q, j_q, start)
    if S:
        e = quantized_energy(spec, h_q, j_q, samples.reshape(R * S, n)).reshape(R, S)
        k = np.argmin(e, axis=1)  # first minimum, as the golden's strict "<"
        ek = e[np.arange(R), k]
        better = ek < best_e
        best_e = np.where(better, ek, best_e)
        best_s[better] = samples[np.arange(R), k][better]
    return NetRun(finals, None, best_s, best_e, betas)


