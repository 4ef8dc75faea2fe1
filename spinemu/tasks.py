"""Reservoir-computing benchmark tasks (public alias of :mod:`spinemu.sw.tasks`)."""

from spinemu.sw.tasks import *  # noqa: F403
from spinemu.sw.tasks import __all__ as _tasks_all
from spinemu.sw.tuning import TuneResult, tune_reservoir

__all__ = [*_tasks_all, "tune_reservoir", "TuneResult"]
