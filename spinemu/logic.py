"""Invertible logic as Ising models (public alias of :mod:`spinemu.sw.logic`)."""

from spinemu.sw.logic import *  # noqa: F403
from spinemu.sw.logic import __all__  # noqa: F401
