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
for a whole process (the suite uses it to run the golden tests without the JIT).

Why numba: it compiles the scalar loops of these models (a p-bit update, an Euler
sub-step, an asynchronous neuron update) to machine code with no build step for the
user, ships wheels for CPython 3.11 on x86-64 and aarch64, and runs ``prange`` loops on
several cores; Cython or a C extension would need a compiler at install time, and
vectorised numpy alone cannot express the sequential dependencies of a Gibbs sweep
without per-color temporaries.
"""

from __future__ import annotations

import os

__all__ = ["KERNELS", "numba_available", "resolve_kernel", "check_workers", "njit", "prange", "with_workers"]

#: Accepted values of every golden model's ``kernel`` argument.
KERNELS = ("auto", "numba", "numpy")

try:  # pragma: no branch - which branch runs depends on the install
    import numba as _numba
except ImportError:  # numpy-only install (e.g. a PYNQ image)
    _numba = None


def numba_available() -> bool:
    """True when numba imports in this Python."""
    return _numba is not None


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
    if kernel == "numba" and _numba is None:
        raise ValueError("kernel='numba' needs numba (pip install 'spinemu[fast]'); 'numpy' needs nothing")
    if kernel == "auto":
        return "numba" if _numba is not None else "numpy"
    return kernel


def check_workers(num_workers) -> int:
    """Validate ``num_workers`` (``None`` = 1) and return it as an int >= 1."""
    if num_workers is None:
        return 1
    if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 1:
        raise ValueError(f"num_workers must be an integer >= 1, not {num_workers!r}")
    return num_workers


if _numba is not None:

    def njit(*args, **kwargs):
        """``numba.njit`` with the on-disk cache on (compiled once per machine)."""
        kwargs.setdefault("cache", True)
        kwargs.setdefault("nogil", True)
        return _numba.njit(*args, **kwargs)

    prange = _numba.prange

    def with_workers(num_workers: int, func, *args):
        """Call ``func(*args)`` with numba's parallel loops on ``num_workers`` threads."""
        limit = min(num_workers, _numba.config.NUMBA_NUM_THREADS)
        previous = _numba.get_num_threads()
        _numba.set_num_threads(limit)
        try:
            return func(*args)
        finally:
            _numba.set_num_threads(previous)

else:

    def njit(*args, **kwargs):
        """Without numba: the decorated function stays plain Python (never called by the
        numpy path, but importable so that modules need no conditional definitions)."""
        if len(args) == 1 and callable(args[0]) and not kwargs:
            return args[0]
        return lambda f: f

    prange = range

    def with_workers(num_workers: int, func, *args):
        return func(*args)
