"""Golden Hopfield associative memory (float reference, explicit integer path).

Conventions (REFERENCE.md §5)
-----------------------------
* Patterns and states are ``+1/-1`` vectors; ``patterns`` has shape ``(P, N)``.
* Hebbian weights ``W_ij = (1/N) sum_mu xi_i^mu xi_j^mu``, ``W_ii = 0``
  (:func:`hebbian`; ``normalize=False`` gives the integer matrix ``N W``).
* Storkey weights, one pattern at a time:
  ``W_ij += (1/N)(xi_i xi_j - xi_i h_ji - h_ij xi_j)``,
  ``h_ij = sum_{k != i, j} W_ik xi_k``, ``W_ii = 0`` (:func:`storkey`).
* Local field ``h_i = sum_j W_ij s_j``; update ``s_i <- sgn(h_i)`` and **keep the
  current state on a zero field** (tie rule).
* Energy ``E(s) = -1/2 s^T W s``.

Integer path (what a hardware twin mirrors)
-------------------------------------------
The update depends only on the sign of the field, so any positive rescaling of ``W``
gives identical dynamics. ``hebbian(patterns, normalize=False)`` (entries
``sum_mu xi_i xi_j``), :func:`quantize_weights` (integer level indices) and
:func:`sign_weights` all return integer matrices; :func:`recall` on an integer matrix
computes integer fields exactly (``int64``) and the tie ``h_i == 0`` is exact. For a
float matrix, a field with ``|h_i| <= atol`` counts as zero (default ``atol`` is a few
hundred ulps of the largest possible field), so that a field that is exactly zero in
exact arithmetic (common for Hebbian weights ``k/N``) is not decided by rounding.

Update orders
-------------
``mode="async"``: one sweep visits every neuron once, in a fresh random permutation
drawn per sweep from ``numpy.random.default_rng(seed)`` (``rng.permutation(N)``); each
update uses the current state (Glauber-style, zero temperature). Converged = a full
sweep with no flip. ``mode="sync"``: all neurons update at once from the same state;
converged = no flip; a 2-cycle (``s_{t+1} == s_{t-1} != s_t``) stops the run with
``cycle2=True`` (symmetric ``W`` allows only fixed points and 2-cycles).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "InSituResult",
    "QuantizedWeights",
    "RecallResult",
    "energy",
    "flip_bits",
    "hebbian",
    "hebbian_step",
    "is_fixed_point",
    "local_fields",
    "matrix_to_pairs",
    "pairs_to_matrix",
    "quantize_weights",
    "recall",
    "sign_weights",
    "storkey",
    "train_in_situ",
]


# ---------------------------------------------------------------------------
# validation helpers
# ---------------------------------------------------------------------------
def _check_spins(a, name):
    """Return ``a`` as int8 after checking every entry is +1 or -1."""
    arr = np.asarray(a)
    if arr.dtype.kind not in "iufb":
        raise ValueError(f"{name} must be numeric +1/-1, not dtype {arr.dtype}")
    bad = (arr != 1) & (arr != -1)
    if np.any(bad):
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{name} must contain only +1/-1, found {arr[idx].item()!r} at index "
            f"{idx if len(idx) > 1 else idx[0]}"
        )
    return arr.astype(np.int8)


def _check_patterns(patterns, n=None):
    arr = np.asarray(patterns)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 2:
        raise ValueError(
            f"patterns must have shape (P, N) with P >= 1, N >= 2, not {np.shape(patterns)}"
        )
    if n is not None and arr.shape[1] != n:
        raise ValueError(f"patterns have length {arr.shape[1]} (shape {arr.shape}), expected {n}")
    return _check_spins(arr, "patterns")


def _check_weights(W):
    if isinstance(W, QuantizedWeights):
        W = W.levels
    arr = np.asarray(W)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.shape[0] < 1:
        raise ValueError(f"W must be a square (N, N) matrix, not shape {arr.shape}")
    if arr.dtype.kind in "iub":
        return arr.astype(np.int64)
    if arr.dtype.kind != "f":
        raise ValueError(f"W must be numeric, not dtype {arr.dtype}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("W must be finite")
    return arr.astype(float)


def _check_state(s, n, name="cue"):
    arr = np.asarray(s)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ValueError(f"{name} must have shape ({n},) to match W, not {arr.shape}")
    return _check_spins(arr, name)


def _atol(W, atol):
    if W.dtype.kind == "i":
        return 0
    if atol is None:
        # largest possible |h_i| is sum_j |W_ij|; rounding error of a length-N dot
        # product is below N ulps of that; use a generous multiple.
        scale = float(np.max(np.sum(np.abs(W), axis=1))) if W.size else 0.0
        return 64.0 * W.shape[0] * np.finfo(float).eps * max(scale, np.finfo(float).tiny)
    if not (np.isfinite(atol) and atol >= 0):
        raise ValueError(f"atol must be >= 0, not {atol!r}")
    return float(atol)


# ---------------------------------------------------------------------------
# learning rules and weight transforms
# ---------------------------------------------------------------------------
def hebbian(patterns, *, normalize=True):
    """Hebbian weights ``W_ij = (1/N) sum_mu xi_i xi_j``, ``W_ii = 0``.

    Parameters
    ----------
    patterns : array_like, shape (P, N)
        ``+1/-1`` patterns (a single pattern of shape ``(N,)`` is accepted).
    normalize : bool, optional
        If ``False`` return the integer matrix ``sum_mu xi_i xi_j`` (``= N W``).

    Returns
    -------
    numpy.ndarray
        ``(N, N)`` float (``normalize=True``) or int64 matrix.
    """
    xi = _check_patterns(patterns).astype(np.int64)
    J = xi.T @ xi
    np.fill_diagonal(J, 0)
    if normalize:
        return J / xi.shape[1]
    return J


def storkey(patterns):
    """Storkey-rule weights (REFERENCE.md §5), learned one pattern at a time.

    ``W_ij += (1/N)(xi_i xi_j - xi_i h_ji - h_ij xi_j)`` with
    ``h_ij = sum_{k != i, j} W_ik xi_k`` evaluated on the weights before the pattern is
    added, starting from ``W = 0``; the diagonal is kept at zero.

    Parameters
    ----------
    patterns : array_like, shape (P, N)

    Returns
    -------
    numpy.ndarray
        ``(N, N)`` symmetric float matrix.
    """
    xi = _check_patterns(patterns).astype(float)
    n = xi.shape[1]
    W = np.zeros((n, n))
    for x in xi:
        hw = W @ x  # sum_k W_ik x_k (W_ii = 0)
        # h[i, j] = sum_{k != i, j} W_ik x_k = hw_i - W_ij x_j
        h = hw[:, None] - W * x[None, :]
        dW = (np.outer(x, x) - x[:, None] * h.T - h * x[None, :]) / n
        W = W + dW
        np.fill_diagonal(W, 0.0)
    return W


def hebbian_step(n_patterns, n_neurons, *, factor=0.65, normalize=True):
    """Quantizer step for Hebbian weights: ``factor * sqrt(P)``, divided by ``N`` if normalized.

    REFERENCE.md §5 quotes the 3-bit step ``0.65 sqrt(P)`` in units of the integer
    Hebbian matrix ``sum_mu xi_i xi_j`` (whose entries have standard deviation
    ``sqrt(P)``); in the ``1/N`` normalisation of :func:`hebbian` it is
    ``0.65 sqrt(P) / N``.
    """
    if not (isinstance(n_patterns, numbers.Integral) and n_patterns >= 1):
        raise ValueError(f"n_patterns must be an int >= 1, not {n_patterns!r}")
    if not (isinstance(n_neurons, numbers.Integral) and n_neurons >= 1):
        raise ValueError(f"n_neurons must be an int >= 1, not {n_neurons!r}")
    step = factor * np.sqrt(n_patterns)
    return step / n_neurons if normalize else step


@dataclass(frozen=True)
class QuantizedWeights:
    """Weights quantized to ``n_levels`` symmetric integer levels.

    Attributes
    ----------
    levels : numpy.ndarray of int64
        Level index per weight, in ``[-(n_levels-1)/2, (n_levels-1)/2]``.
    step : float
        Weight value of one level (same units as the input ``W``).
    n_levels : int
        Number of levels (odd).
    """

    levels: np.ndarray
    step: float
    n_levels: int

    @property
    def values(self):
        """Dequantized weights ``levels * step``."""
        return self.levels * self.step


def quantize_weights(W, *, bits=None, levels=None, step=None):
    """Uniform symmetric quantizer with a zero level.

    ``q = clip(round_half_away(W / step), -m, m)``, ``m = (levels - 1) / 2``.
    ``bits=b`` means ``levels = 2**b - 1`` (3 bits = 7 levels ``-3..3``; the
    two's-complement code ``-4`` is unused to keep the levels symmetric).
    :func:`recall` on ``result.levels`` (integers) is identical to recall on
    ``result.values`` because ``step > 0``.

    Parameters
    ----------
    W : array_like
        Weights to quantize.
    bits : int, optional
        Bits per weight (>= 2); exclusive with ``levels``.
    levels : int, optional
        Odd number of levels (>= 3); exclusive with ``bits``.
    step : float, optional
        Quantizer step in the units of ``W``. Default: ``0.65`` times the RMS of the
        off-diagonal entries of ``W``, which for :func:`hebbian` weights equals
        :func:`hebbian_step` ``= 0.65 sqrt(P)/N`` in expectation. Pass
        ``hebbian_step(P, N)`` for the REFERENCE.md value exactly.

    Returns
    -------
    QuantizedWeights
    """
    W = np.asarray(W, dtype=float)
    if (bits is None) == (levels is None):
        raise ValueError(
            f"give exactly one of bits or levels, not bits={bits!r}, levels={levels!r}"
        )
    if bits is not None:
        if not (isinstance(bits, numbers.Integral) and bits >= 2):
            raise ValueError(f"bits must be an int >= 2, not {bits!r}")
        levels = 2**bits - 1
    if not (isinstance(levels, numbers.Integral) and levels >= 3 and levels % 2 == 1):
        raise ValueError(f"levels must be an odd int >= 3, not {levels!r}")
    if step is None:
        n = W.shape[0]
        off = W[~np.eye(n, dtype=bool)] if W.ndim == 2 and W.shape == (n, n) else W
        step = 0.65 * float(np.sqrt(np.mean(off**2)))
        if step == 0:
            raise ValueError("cannot derive a step from an all-zero W; pass step")
    if not (np.isfinite(step) and step > 0):
        raise ValueError(f"step must be > 0, not {step!r}")
    m = (levels - 1) // 2
    x = W / step
    q = np.sign(x) * np.floor(np.abs(x) + 0.5)
    q = np.clip(q, -m, m).astype(np.int64)
    return QuantizedWeights(levels=q, step=float(step), n_levels=int(levels))


def sign_weights(W):
    """Clipped (binary) synapses ``sgn(W_ij)`` as int64; ``sgn(0) = 0`` keeps zeros."""
    W = np.asarray(W)
    return np.sign(W).astype(np.int64)


def pairs_to_matrix(w, n):
    """Symmetric ``(n, n)`` matrix with zero diagonal from its upper triangle.

    ``w`` lists ``W_ij`` for ``i < j`` in :func:`numpy.triu_indices` order
    (row-major), ``n (n - 1) / 2`` entries.
    """
    w = np.asarray(w)
    m = n * (n - 1) // 2
    if w.shape != (m,):
        raise ValueError(f"pair vector must have shape ({m},) for n = {n}, not {w.shape}")
    W = np.zeros((n, n), dtype=w.dtype)
    iu = np.triu_indices(n, 1)
    W[iu] = w
    W[(iu[1], iu[0])] = w
    return W


def matrix_to_pairs(W):
    """Upper triangle (``i < j``, row-major) of a square matrix.

    Inverse of :func:`pairs_to_matrix`.
    """
    W = np.asarray(W)
    if W.ndim != 2 or W.shape[0] != W.shape[1]:
        raise ValueError(f"W must be square, not shape {W.shape}")
    return W[np.triu_indices(W.shape[0], 1)]


# ---------------------------------------------------------------------------
# dynamics
# ---------------------------------------------------------------------------
def local_fields(W, s):
    """Local fields ``h = W s`` (int64 for an integer ``W``)."""
    W = _check_weights(W)
    s = _check_state(s, W.shape[0], "s")
    return W @ s.astype(W.dtype)


def energy(W, s):
    """Hopfield energy ``E = -1/2 s^T W s`` (no thresholds).

    Returns a float; for an integer ``W`` the value is exact (a half-integer).
    """
    W = _check_weights(W)
    s = _check_state(s, W.shape[0], "s")
    sv = s.astype(W.dtype)
    return -0.5 * float(sv @ (W @ sv))


def is_fixed_point(W, s, *, atol=None):
    """True if no neuron would flip: ``s_i h_i >= 0`` for all ``i`` (ties keep state)."""
    W = _check_weights(W)
    s = _check_state(s, W.shape[0], "s")
    tol = _atol(W, atol)
    h = W @ s.astype(W.dtype)
    # a neuron flips only if its field has the opposite sign and |h| > tol
    return bool(np.all(s * h >= -tol))


def flip_bits(pattern, n_flip, *, seed=None):
    """Copy of ``pattern`` with exactly ``n_flip`` distinct random bits flipped."""
    p = _check_spins(np.asarray(pattern), "pattern")
    if p.ndim != 1:
        raise ValueError(f"pattern must be 1-d, not shape {p.shape}")
    if not (isinstance(n_flip, numbers.Integral) and 0 <= n_flip <= p.size):
        raise ValueError(f"n_flip must be an int in [0, {p.size}], not {n_flip!r}")
    rng = np.random.default_rng(seed)
    out = p.copy()
    idx = rng.choice(p.size, size=n_flip, replace=False)
    out[idx] = -out[idx]
    return out


@dataclass
class RecallResult:
    """Outcome of :func:`recall`.

    Attributes
    ----------
    state : numpy.ndarray of int8
        Final state.
    sweeps : int
        Sweeps performed (async: full passes over the neurons; sync: parallel
        updates), including the final sweep that found no flip.
    converged : bool
        A sweep ended with no flip (the state is a fixed point).
    cycle2 : bool
        Synchronous mode only: the run ended in a 2-cycle.
    energies : numpy.ndarray
        Energy of the cue and after every sweep (length ``sweeps + 1``).
    states : numpy.ndarray of int8
        Cue and state after every sweep, shape ``(sweeps + 1, N)``.
    flips : numpy.ndarray of int64
        Number of neurons that flipped in each sweep (length ``sweeps``).
    """

    state: np.ndarray
    sweeps: int
    converged: bool
    cycle2: bool
    energies: np.ndarray
    states: np.ndarray
    flips: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def recall(W, cue, *, mode="async", max_sweeps=100, seed=None, atol=None):
    """Run the Hopfield dynamics from ``cue``.

    Parameters
    ----------
    W : array_like or QuantizedWeights
        ``(N, N)`` weights; integer matrices use exact integer fields.
    cue : array_like, shape (N,)
        ``+1/-1`` initial state.
    mode : {"async", "sync"}, optional
        Update order (see module docstring).
    max_sweeps : int, optional
        Sweep limit (>= 1).
    seed : int, numpy.random.Generator or None, optional
        Seed of the asynchronous update order (unused by ``"sync"``).
    atol : float, optional
        Zero-field tolerance for float ``W`` (ignored for integer ``W``).

    Returns
    -------
    RecallResult
    """
    W = _check_weights(W)
    n = W.shape[0]
    s = _check_state(cue, n).astype(np.int64)
    if mode not in ("async", "sync"):
        raise ValueError(f"mode must be 'async' or 'sync', not {mode!r}")
    if not (isinstance(max_sweeps, numbers.Integral) and max_sweeps >= 1):
        raise ValueError(f"max_sweeps must be an int >= 1, not {max_sweeps!r}")
    tol = _atol(W, atol)

    def _energy(v):
        vv = v.astype(W.dtype)
        return -0.5 * float(vv @ (W @ vv))

    states = [s.astype(np.int8)]
    energies = [_energy(s)]
    flips = []
    converged = False
    cycle2 = False
    if mode == "async":
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        Wt = np.ascontiguousarray(W.T)  # column i of W: fields change by W[:, i] * ds_i
        for _ in range(max_sweeps):
            order = rng.permutation(n)
            h = W @ s.astype(W.dtype)  # refreshed every sweep (exact for integer W)
            nflip = 0
            for i in order.tolist():
                hi = h[i]
                if hi > tol:
                    new = 1
                elif hi < -tol:
                    new = -1
                else:
                    continue  # tie: keep the current state
                if new != s[i]:
                    s[i] = new
                    h += (2 * new) * Wt[i]
                    nflip += 1
            states.append(s.astype(np.int8))
            energies.append(_energy(s))
            flips.append(nflip)
            if nflip == 0:
                converged = True
                break
    else:
        for t in range(max_sweeps):
            h = W @ s.astype(W.dtype)
            new = np.where(h > tol, 1, np.where(h < -tol, -1, s))
            nflip = int(np.count_nonzero(new != s))
            s = new.astype(np.int64)
            states.append(s.astype(np.int8))
            energies.append(_energy(s))
            flips.append(nflip)
            if nflip == 0:
                converged = True
                break
            if t >= 1 and np.array_equal(states[-1], states[-3]):
                cycle2 = True
                break
    return RecallResult(
        state=s.astype(np.int8),
        sweeps=len(flips),
        converged=converged,
        cycle2=cycle2,
        energies=np.asarray(energies),
        states=np.asarray(states),
        flips=np.asarray(flips, dtype=np.int64),
    )


# ---------------------------------------------------------------------------
# in-situ learning with devices in the loop
# ---------------------------------------------------------------------------
@dataclass
class InSituResult:
    """Outcome of :func:`train_in_situ`.

    Attributes
    ----------
    iterations : int
        Correction rounds applied (0 if the open-loop write already stored every
        pattern as a fixed point).
    converged : bool
        Every pattern is a fixed point of the final device weights.
    fixed_point : numpy.ndarray of bool
        Per pattern, final: the pattern is a fixed point (recall from it returns it).
    cue_recalled : numpy.ndarray of bool or None
        Per pattern, final: asynchronous recall from ``cues[mu]`` returns pattern mu
        (``None`` if no cues were given).
    initial_fixed_point : numpy.ndarray of bool
        Per pattern, after the open-loop write (before any correction).
    history : numpy.ndarray of bool
        ``fixed_point`` after the write and after every round, shape
        ``(iterations + 1, P)``.
    pulses : int
        Total correction pulses (sum of ``|n|`` over pairs and rounds).
    weights : numpy.ndarray
        Final ``(N, N)`` weight matrix read from the devices.
    """

    iterations: int
    converged: bool
    fixed_point: np.ndarray
    cue_recalled: np.ndarray | None
    initial_fixed_point: np.ndarray
    history: np.ndarray
    pulses: int
    weights: np.ndarray


def _device_matrix(devices, n):
    w = np.asarray(devices.weights, dtype=float)
    if devices.shape == (n * (n - 1) // 2,):
        return pairs_to_matrix(w, n)
    W = w.copy()
    np.fill_diagonal(W, 0.0)
    return W


def train_in_situ(
    devices,
    patterns,
    *,
    max_iters=20,
    rule="perceptron",
    pulses_per_update=1,
    program=True,
    program_model="linear",
    cues=None,
    max_sweeps=100,
    seed=None,
):
    """Store patterns in memristive synapses, then relearn with the devices in the loop.

    1. Program (open loop, :meth:`DifferentialSynapseArray.program`) the Hebbian
       weights scaled to the device range, ``target_ij = w_max sum_mu xi_i xi_j / P``.
    2. Read the device weights and test every pattern: is it a fixed point?
    3. For each pattern that is not, run asynchronous recall from it to the state
       ``s`` the network falls into and accumulate corrective pulses:

       * ``rule="perceptron"`` (default): a Hebbian pulse ``xi_i xi_j`` on every
         synapse of each unstable neuron (``xi_i h_i <= 0``),
         ``n_ij += xi_i xi_j ([i unstable] + [j unstable])``;
       * ``rule="contrastive"``: ``n_ij += (xi_i xi_j - s_i s_j) / 2`` with ``s`` the
         state that asynchronous recall from the pattern falls into (a Hebbian pulse
         for the pattern, an anti-Hebbian one for the wrong state; only pairs with
         exactly one endpoint among the wrong bits change). When ``s`` is another
         stored pattern, this rule unlearns it and can trap the loop in a
         learning 2-cycle (pattern A fixed, B broken, and back); the perceptron rule
         does not, which is why it is the default.

       Apply ``pulses_per_update * n_ij`` signed pulses to pair ``(i, j)``
       (:meth:`DifferentialSynapseArray.apply_pulses`).
    4. Repeat 2–3 until every pattern is a fixed point or ``max_iters`` rounds.

    Parameters
    ----------
    devices : DifferentialSynapseArray
        Either ``N (N - 1) / 2`` pairs (one per neuron pair, symmetric weights, order
        of :func:`pairs_to_matrix`) or ``(N, N)`` pairs (directed weights; the
        diagonal pairs are ignored).
    patterns : array_like, shape (P, N)
        ``+1/-1`` patterns.
    max_iters : int, optional
        Maximum number of correction rounds (>= 0).
    rule : {"contrastive", "perceptron"}, optional
        Corrective rule.
    pulses_per_update : int, optional
        Pulses per unit of correction (>= 1).
    program : bool, optional
        If ``False`` skip step 1 (continue from the devices' current state).
    program_model : {"linear", "nominal"}, optional
        Ideal-device model used for the open-loop pulse counts.
    cues : array_like, shape (P, N), optional
        If given, also report whether recall from ``cues[mu]`` returns pattern mu.
    max_sweeps : int, optional
        Sweep limit of the recall runs.
    seed : int or None, optional
        Seed of the asynchronous update orders.

    Returns
    -------
    InSituResult
    """
    xi = _check_patterns(patterns).astype(np.int64)
    p, n = xi.shape
    shape = tuple(devices.shape)
    m = n * (n - 1) // 2
    if shape == (m,):
        symmetric = True
    elif shape == (n, n):
        symmetric = False
    else:
        raise ValueError(
            f"devices must have shape ({m},) or ({n}, {n}) for N = {n} neurons, not {shape}"
        )
    if not (isinstance(max_iters, numbers.Integral) and max_iters >= 0):
        raise ValueError(f"max_iters must be an int >= 0, not {max_iters!r}")
    if rule not in ("contrastive", "perceptron"):
        raise ValueError(f"rule must be 'contrastive' or 'perceptron', not {rule!r}")
    if not (isinstance(pulses_per_update, numbers.Integral) and pulses_per_update >= 1):
        raise ValueError(f"pulses_per_update must be an int >= 1, not {pulses_per_update!r}")
    if cues is not None:
        cues = _check_patterns(cues, n)
        if cues.shape[0] != p:
            raise ValueError(f"cues must have shape ({p}, {n}), not {cues.shape}")
    rng = np.random.default_rng(seed)

    if program:
        J = hebbian(xi, normalize=False)
        target = devices.w_max * J / p
        devices.program(matrix_to_pairs(target) if symmetric else target, model=program_model)

    def _test():
        W = _device_matrix(devices, n)
        return W, np.array([is_fixed_point(W, x) for x in xi])

    W, fp = _test()
    history = [fp]
    initial = fp.copy()
    total = 0
    it = 0
    while not fp.all() and it < max_iters:
        it += 1
        tol = _atol(W, None)
        corr = np.zeros((n, n), dtype=np.int64)
        for mu in np.flatnonzero(~fp):
            x = xi[mu]
            if rule == "contrastive":
                s = recall(W, x, mode="async", max_sweeps=max_sweeps, seed=rng).state
                s = s.astype(np.int64)
                corr += (np.outer(x, x) - np.outer(s, s)) // 2
            else:
                h = W @ x
                unstable = (x * h <= tol).astype(np.int64)
                corr += np.outer(x, x) * (unstable[:, None] + unstable[None, :])
        np.fill_diagonal(corr, 0)
        pulses = pulses_per_update * (matrix_to_pairs(corr) if symmetric else corr)
        devices.apply_pulses(pulses)
        total += int(np.abs(pulses).sum())
        W, fp = _test()
        history.append(fp)

    cue_ok = None
    if cues is not None:
        cue_ok = np.array(
            [
                np.array_equal(recall(W, c, mode="async", max_sweeps=max_sweeps, seed=rng).state, x)
                for c, x in zip(cues, xi, strict=True)
            ]
        )
    return InSituResult(
        iterations=it,
        converged=bool(fp.all()),
        fixed_point=fp,
        cue_recalled=cue_ok,
        initial_fixed_point=initial,
        history=np.asarray(history),
        pulses=total,
        weights=W,
    )
