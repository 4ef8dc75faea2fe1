"""Reservoir-computing benchmark tasks (public alias of :mod:`spinemu.sw.tasks`)."""

from spinemu.sw.tasks import *  # noqa: F403
from spinemu.sw.tasks import __all__  # noqa: F401
