"""Errors a user can fix: the CLI prints them in one line and exits with code 2."""

from __future__ import annotations

__all__ = ["UserError"]


class UserError(Exception):
    """A mistake in the command line or its inputs (not a bug); printed without a traceback."""
