"""Where spinemu keeps its build caches, and how cache keys are made.

Caches live in ``build/cache`` of the source checkout (an ignored folder), or in
``$SPINEMU_CACHE_DIR`` when set, or ``~/.cache/spinemu`` for an installed package.
Builds that share a cache directory take a file lock, so parallel test workers never
build the same thing twice or read a half-written result.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
from pathlib import Path

__all__ = ["cache_root", "content_key", "locked", "source_digest"]

_PKG_ROOT = Path(__file__).resolve().parent.parent


def cache_root() -> Path:
    """Return (and create) the root folder of all spinemu caches."""
    env = os.environ.get("SPINEMU_CACHE_DIR")
    if env:
        root = Path(env)
    elif (_PKG_ROOT / "pyproject.toml").exists():
        root = _PKG_ROOT / "build" / "cache"
    else:
        root = Path.home() / ".cache" / "spinemu"
    root.mkdir(parents=True, exist_ok=True)
    return root


def source_digest(*folders: str) -> str:
    """Digest of every ``.py`` file below the named package folders (e.g. ``"hdl"``)."""
    h = hashlib.sha256()
    for folder in folders:
        for path in sorted((_PKG_ROOT / folder).rglob("*.py")):
            h.update(str(path.relative_to(_PKG_ROOT)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def content_key(*parts) -> str:
    """A short stable hash of JSON-serialisable parts."""
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:20]


@contextlib.contextmanager
def locked(path: Path):
    """Hold an exclusive lock on ``path`` (created if missing) for the block."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
