"""Bit-exact golden model of the p-bit array primitive (see :mod:`.pbit_spec`)."""

from __future__ import annotations

import numpy as np

from .jit import check_workers, resolve_kernel
from .pbit_spec import PBitArraySpec

__all__ = ["PBitArrayGolden", "compare_words"]


def compare_words(spec: PBitArraySpec, words: np.ndarray, i_q: np.ndarray) -> np.ndarray:
    """Apply the p-bit rule to RNG words: +1 where the random number is below the LUT."""
    r = np.asarray(words, dtype=np.uint32) >> np.uint32(spec.word_bits - spec.prob_bits)
    thresh = spec.lut[np.asarray(i_q, dtype=np.int64) & ((1 << spec.input_bits) - 1)]
    return np.where(r < thresh, 1, -1).astype(np.int8)


class PBitArrayGolden:
    """Golden p-bit array: RNG streams plus the LUT comparison, sample for sample.

    Parameters
    ----------
    spec : PBitArraySpec
        The array.
    seed : int or None
        Master seed; ``None`` uses ``spec.seed`` (the reset state of the gateware).
    kernel : {"auto", "numba", "numpy"}
        Which path generates the random words (:mod:`.jit`); both give the same bits.
    num_workers : int, optional
        Threads that step the streams (numba path; default 1).
    """

    def __init__(
        self, spec: PBitArraySpec, *, seed: int | None = None, kernel: str = "auto", num_workers=None
    ):
        self.spec = spec
        self.kernel = resolve_kernel(kernel)
        self.num_workers = check_workers(num_workers)
        self.states = spec.rng_states(seed)

    def run(self, i_q, samples: int) -> np.ndarray:
        """Produce ``samples`` samples at constant quantized inputs ``i_q`` (shape (n,)).

        Returns
        -------
        ndarray, shape (samples, n), int8 of +-1
        """
        i_q = np.asarray(i_q, dtype=np.int64)
        if i_q.shape != (self.spec.n,):
            raise ValueError(f"i_q must have shape ({self.spec.n},), not {i_q.shape}")
        model = self.spec.rng_model
        if self.kernel == "numba":
            from .rng_kernel import generate_numba

            words, self.states = generate_numba(model, self.states, samples, num_workers=self.num_workers)
        else:
            words, self.states = model.generate(self.states, samples)
        return compare_words(self.spec, words, i_q[None, :])
