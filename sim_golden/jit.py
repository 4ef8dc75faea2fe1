"""The optional compiled kernels of the golden models: which path runs, and on how many cores.

Every golden model has two paths that give the same bits:

``"numpy"``
    The reference: vectorised numpy, always available (it is what runs on a PYNQ image,
    where numba may be missing on 32-bit ARM).
``"numba"``
    Compiled loops (numba, the ``fast`` extra, part of the dev install).  They follow
    the same integer arithmetic element by element; the suite checks on random configs
    that both paths agree bit for bit.

``kernel="auto"`` (the default everywhere) takes numba when it imports and
``SPINEMU_KERNEL`` is not ``numpy``; ``SPINEMU_KERNEL=numpy`` forces the reference path
for a whole process.  The suite runs the golden tests without numba in ``.venv-pynq``.

Why numba: it compiles the scalar loops of these models (a p-bit update, an Euler
sub-step, an asynchronous neuron update) to machine code with no build step for the
user, ships wheels for CPython 3.11 on x86-64 and aarch64, and runs ``prange`` loops on
several cores; Cython or a C extension would need a compiler at install time, and
vectorised numpy alone cannot express the sequential dependencies of a Gibbs sweep
without per-color temporaries.
"""

from __future__ import annotations

import functools
import importlib.util
import os

__all__ = ["KERNELS", "numba_available", "resolve_kernel", "check_workers", "njit", "with_workers"]

#: Accepted values of every golden model's ``kernel`` argument.
KERNELS = ("auto", "numba", "numpy")


@functools.cache
def numba_available() -> bool:
    """True when numba can be imported here (checked without importing it: numba pulls in
    scipy, which importing :mod:`spinemu.sw` must not)."""
    return importlib.util.find_spec("numba") is not None


def resolve_kernel(kernel: str = "auto") -> str:
    """``"numba"`` or ``"numpy"``: the path that ``kernel`` selects here.

    Raises
    ------
    ValueError
        ``kernel`` is not one of :data:`KERNELS`, or is ``"numba"`` where numba does not
        import.
    """
    if kernel not in KERNELS:
        raise ValueError(f"kernel must be one of {', '.join(map(repr, KERNELS))}, not {kernel!r}")
    if kernel == "auto":
        forced = os.environ.get("SPINEMU_KERNEL", "auto")
        if forced not in KERNELS:
            raise ValueError(f"SPINEMU_KERNEL must be one of {', '.join(KERNELS)}, not {forced!r}")
        kernel = forced
    if kernel == "numba" and not numba_available():
        raise ValueError("kernel='numba' needs numba (pip install 'spinemu[fast]'); 'numpy' needs nothing")
    if kernel == "auto":
        return "numba" if numba_available() else "numpy"
    return kernel


def check_workers(num_workers) -> int:
    """Validate ``num_workers`` (``None`` = 1) and return it as an int >= 1."""
    if num_workers is None:
        return 1
    if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 1:
        raise ValueError(f"num_workers must be an integer >= 1, not {num_workers!r}")
    return num_workers


def njit(*args, **kwargs):
    """``numba.njit`` with the on-disk cache on (compiled once per machine).

    Only the kernel modules (``sim_golden/*_kernel.py``) use it, and they are imported
    only on the numba path.
    """
    import numba

    kwargs.setdefault("cache", True)
    kwargs.setdefault("nogil", True)
    return numba.njit(*args, **kwargs)


def with_workers(num_workers: int, func, *args):
    """Call the kernel ``func(*args)`` with numba's parallel loops on ``num_workers`` threads."""
    import numba

    limit = min(num_workers, numba.config.NUMBA_NUM_THREADS)
    previous = numba.get_num_threads()
    numba.set_num_threads(limit)
    try:
        return func(*args)
    finally:
        numba.set_num_threads(previous)
