"""Bit-exact integer twin of the Hopfield core (semantics in :mod:`.hopfield_spec`).

:class:`HopfieldFixed` holds what the gateware holds -- the level ``d_ij`` of every
directed synapse entry, the neuron state and the order LFSR -- and offers the same
operations as the core's commands: ``clear``, ``set_level``, ``hebb``, ``learn`` and
``recall`` (async or sync). Weights are the quantized conductance differences
``spec.weights_of(levels)``, fields are exact integers, and ties keep the state.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .hopfield_float import _check_spins
from .hopfield_spec import ORDER_LFSR, HopfieldSpec
from .jit import resolve_kernel

__all__ = ["HopfieldFixed", "FixedRecall", "visit_async"]


@dataclass
class FixedRecall:
    """Outcome of :meth:`HopfieldFixed.recall`.

    Attributes
    ----------
    states : numpy.ndarray of int8, shape (sweeps + 1, N)
        The cue and the state after every sweep.
    flips : numpy.ndarray of int64
        Neurons flipped in each sweep.
    converged : bool
        The last sweep flipped nothing.
    cycle2 : bool
        Synchronous mode: the last sweep returned to the state of two sweeps earlier.
    """

    states: np.ndarray
    flips: np.ndarray
    converged: bool
    cycle2: bool

    @property
    def state(self) -> np.ndarray:
        return self.states[-1]

    @property
    def sweeps(self) -> int:
        return len(self.flips)


def visit_async(wt, s, h, order, r: int) -> int:
    """Visit the neurons in ``order`` rotated by ``r``; return the flips (in place on ``s``, ``h``).

    Each neuron takes the sign of its field (a zero field keeps the state); a flip adds
    ``2 s_i W[:, i]`` (row ``i`` of ``wt``) to every field.  Plain Python on numpy arrays
    here; :mod:`.hopfield_kernel` compiles this same function.
    """
    n = s.shape[0]
    flips = 0
    for k in range(n):
        i = order[(r + k) % n]
        hi = h[i]
        if hi == 0:
            continue
        new = 1 if hi > 0 else -1
        if new != s[i]:
            s[i] = new
            h += 2 * new * wt[i]
            flips += 1
    return flips


class HopfieldFixed:
    """Golden model of one Hopfield core, state for state.

    Parameters
    ----------
    spec : HopfieldSpec
        The core.
    kernel : {"auto", "numba", "numpy"}
        Which path runs recalls (:mod:`.jit`); both give the same bits.

    Attributes
    ----------
    levels : numpy.ndarray of int64, shape (N, N)
        Synapse levels (all zero after :meth:`clear`; the diagonal stays zero).
    state : numpy.ndarray of int8
        Neuron state (+1/-1), all -1 after reset.
    lfsr_state : int
        State of the order LFSR.
    """

    def __init__(self, spec: HopfieldSpec, *, kernel: str = "auto"):
        if not isinstance(spec, HopfieldSpec):
            raise TypeError(f"spec must be a HopfieldSpec, not {spec!r}")
        self.spec = spec
        self.kernel = resolve_kernel(kernel)
        n = spec.n_neurons
        self.levels = np.zeros((n, n), dtype=np.int64)
        self.state = -np.ones(n, dtype=np.int8)
        self.lfsr_state = spec.lfsr_seed
        self._w = None

    # -- synapses -------------------------------------------------------------------------
    @property
    def weights(self) -> np.ndarray:
        """Quantized weights ``w_ij = T_ij[d_ij]`` (int64, zero diagonal)."""
        if self._w is None:
            self._w = self.spec.weights_of(self.levels)
        return self._w

    def _set_levels(self, d) -> None:
        lm = self.spec.level_max
        d = np.clip(d, -lm, lm)
        np.fill_diagonal(d, 0)
        self.levels = d
        self._w = None

    def clear(self) -> None:
        """``CLEAR``: reset every device pair (``d = 0``)."""
        self._set_levels(np.zeros_like(self.levels))

    def set_level(self, i: int, j: int, d: int) -> None:
        """A ``LEVEL`` write to entry ``(i, j)`` (saturated; the diagonal is ignored)."""
        n = self.spec.n_neurons
        if not (0 <= i < n and 0 <= j < n):
            raise ValueError(f"entry ({i}, {j}) is outside a {n}-neuron network")
        if i != j:
            lm = self.spec.level_max
            self.levels[i, j] = min(lm, max(-lm, int(d)))
            self._w = None

    def load_state(self, s) -> None:
        """Write the ``CUE`` registers."""
        s = _check_spins(np.asarray(s), "state")
        if s.shape != (self.spec.n_neurons,):
            raise ValueError(f"state must have shape ({self.spec.n_neurons},), not {s.shape}")
        self.state = s.copy()

    def load_order_seed(self, lfsr_state: int) -> None:
        """Write ``ORDER_SEED`` (the raw 16-bit LFSR state)."""
        self.lfsr_state = int(lfsr_state) & 0xFFFF

    def hebb(self, amp: int = 1) -> None:
        """``HEBB``: ``amp * s_i s_j`` pulses on every pair, ``s`` the current state."""
        s = self.state.astype(np.int64)
        self._set_levels(self.levels + int(amp) * np.outer(s, s))

    def learn(self, amp: int = 1) -> int:
        """``LEARN``: perceptron correction towards the current state; return ``UNSTABLE``."""
        s = self.state.astype(np.int64)
        margin = s * (self.weights @ s)
        n_unstable = int(np.count_nonzero(margin < 0))
        if n_unstable:
            u = (margin <= 0).astype(np.int64)
            self._set_levels(self.levels + int(amp) * np.outer(s, s) * (u[:, None] + u[None, :]))
        return n_unstable

    # -- dynamics ---------------------------------------------------------------------------
    def _next_lfsr(self) -> int:
        x = self.lfsr_state
        self.lfsr_state = int(ORDER_LFSR.step(np.array([[x]], dtype=np.uint32))[0, 0])
        return x

    def recall(self, mode: str = "async", max_sweeps: int = 100) -> FixedRecall:
        """Run a recall from the current state (``CMD`` 1 or 2); the state is updated.

        Parameters
        ----------
        mode : {"async", "sync"}
        max_sweeps : int
            The ``MAX_SWEEPS`` register, 1..65535.
        """
        if mode not in ("async", "sync"):
            raise ValueError(f"mode must be 'async' or 'sync', not {mode!r}")
        if (
            isinstance(max_sweeps, bool)
            or not isinstance(max_sweeps, (int, np.integer))
            or not 1 <= max_sweeps < 1 << 16
        ):
            raise ValueError(f"max_sweeps must be an int in 1..65535, not {max_sweeps!r}")
        spec = self.spec
        n = spec.n_neurons
        W = self.weights
        perm = spec.permutation
        states = [self.state.copy()]
        flips = []
        converged = cycle2 = False
        if self.kernel == "numba":
            from .hopfield_kernel import async_sweep, sync_sweep

            w32 = W.astype(np.int32)
            wt32 = np.ascontiguousarray(w32.T)
            s = self.state.astype(np.int8)
            h = np.empty(n, np.int64)

            def sweep():
                if mode == "async":
                    return async_sweep(w32, wt32, s, h, perm, spec.rotation(self._next_lfsr()))
                return sync_sweep(w32, s, h)
        else:
            Wt = np.ascontiguousarray(W.T)
            order = perm.tolist()
            s = self.state.astype(np.int64)

            def sweep():
                nonlocal s
                if mode == "async":
                    r = spec.rotation(self._next_lfsr())
                    return visit_async(Wt, s, W @ s, order, r)
                h = W @ s
                new = np.where(h > 0, 1, np.where(h < 0, -1, s))
                nflip = int(np.count_nonzero(new != s))
                s = new
                return nflip

        for t in range(max_sweeps):
            nflip = sweep()
            states.append(s.astype(np.int8))
            flips.append(nflip)
            if nflip == 0:
                converged = True
                break
            if mode == "sync" and t >= 1 and np.array_equal(states[-1], states[-3]):
                cycle2 = True
                break
        self.state = s.astype(np.int8)
        return FixedRecall(
            states=np.asarray(states),
            flips=np.asarray(flips, dtype=np.int64),
            converged=converged,
            cycle2=cycle2,
        )
