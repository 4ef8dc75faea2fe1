"""spinemu: emulate spintronic neuromorphic hardware on FPGAs.

Importing :mod:`spinemu` needs numpy only (no amaranth), so the same package runs
on a Zynq board.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
