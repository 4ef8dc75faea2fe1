"""Progress bars for the CLI's long runs (tqdm, on standard error).

A bar shows only where it helps: on a terminal, and not with ``--quiet``.  CI logs and
pipes stay clean (tqdm's own rule: no bar when standard error is not a terminal);
``SPINEMU_PROGRESS=1`` forces bars on (e.g. to watch a job's log), ``SPINEMU_PROGRESS=0``
turns them off.  Without tqdm installed (a board image) nothing is shown.

:func:`activity` shows one long step whose length is not known in advance (a tool
run, a simulation, a verification run): its name and the elapsed time, refreshed twice a
second, cleared when the step ends.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading

__all__ = ["activity", "enabled"]

#: Environment variable that forces bars on (``1``) or off (``0``).
ENV = "SPINEMU_PROGRESS"


def enabled(quiet: bool = False) -> bool | None:
    """tqdm's ``disable`` argument, inverted: ``False`` (off), ``True`` (on) or ``None``
    (on when standard error is a terminal)."""
    forced = os.environ.get(ENV, "").strip()
    if quiet or forced == "0":
        return False
    if forced == "1":
        return True
    return None


def _tqdm(quiet: bool, **kw):
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    on = enabled(quiet)
    if on is False:
        return None
    return tqdm(file=sys.stderr, disable=None if on is None else False, leave=False, **kw)


@contextlib.contextmanager
def activity(desc: str, *, quiet: bool = False):
    """Show ``desc`` and the elapsed time while the ``with`` block runs."""
    bar = _tqdm(quiet, desc=desc, total=None, bar_format="{desc}: {elapsed}")
    if bar is None:
        yield
        return
    done = threading.Event()

    def tick():
        while not done.wait(0.5):
            bar.refresh()

    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    try:
        yield
    finally:
        done.set()
        ticker.join()
        bar.close()
