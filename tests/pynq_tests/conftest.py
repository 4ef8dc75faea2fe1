"""Driver tests against the real pynq package; they run in ``.venv-pynq`` (``make test-pynq``).

pynq 4.0.0 pins ``numpy<2``, so it cannot live in the main environment: the main suite
(``make test``'s pytest run in ``.venv``) skips collecting this folder when pynq does
not import, and ``make test-pynq`` runs it in its own venv.
"""

from __future__ import annotations

try:
    import pynq  # noqa: F401
except Exception:  # noqa: BLE001 - not installed, or broken by numpy 2
    collect_ignore_glob = ["test_*.py"]
