"""What the Hopfield core's memories cost, from its Spec alone (block RAM and UltraRAM).

The core's size is its synapse memory: ``N ceil(N / lanes)`` words of ``lanes`` fields
(level and weight), :attr:`~spinemu.sim_golden.hopfield_spec.HopfieldSpec.synapse_memory_shape`.
Its logic grows with ``lanes`` and, slowly, with ``N`` (the state vectors); the
benchmark ``bench_hopfield.py`` measures it with yosys.  ``spinemu build`` uses this
model to check a design against a board before anything is written, and to say what
fits instead:

* a 36 Kb block RAM is one of ``32K x 1``, ``16K x 2``, ``8K x 4``, ``4K x 9``,
  ``2K x 18``, ``1K x 36`` or ``512 x 72`` (UG473/UG573); a memory takes the cheapest
  tiling, ``ceil(width / w) * ceil(depth / d)``, bank by bank
  (:attr:`~spinemu.sim_golden.hopfield_spec.HopfieldSpec.synapse_banks`: blocks one deep,
  so each bank's register can be the block's own; at N = 1,024 and 16 lanes that is 64
  banks of ``1K x 240`` bits, 7 blocks each: 448, against 432 for one array);
* an UltraRAM is ``4K x 72`` (UG573), cascaded in depth;
* the class ROM (``2 M 2^ceil(log2 L)`` conductances) is block RAM in either case.
"""

from __future__ import annotations

import math

from ..sim_golden.hopfield_spec import HopfieldSpec

__all__ = ["BRAM36_SHAPES", "URAM_SHAPE", "bram36_blocks", "uram_blocks", "memory_usage", "max_neurons"]

#: (width, depth) configurations of one 36 Kb block RAM.
BRAM36_SHAPES = ((1, 32768), (2, 16384), (4, 8192), (9, 4096), (18, 2048), (36, 1024), (72, 512))
#: (width, depth) of one UltraRAM.
URAM_SHAPE = (72, 4096)


def bram36_blocks(width: int, depth: int) -> int:
    """36 Kb block RAMs of the cheapest tiling of a ``width`` x ``depth`` memory."""
    return min(math.ceil(width / w) * math.ceil(depth / d) for w, d in BRAM36_SHAPES)


def uram_blocks(width: int, depth: int) -> int:
    """UltraRAMs of a ``width`` x ``depth`` memory."""
    w, d = URAM_SHAPE
    return math.ceil(width / w) * math.ceil(depth / d)


def memory_usage(spec: HopfieldSpec) -> dict[str, int]:
    """``{"bram36": ..., "uram": ...}`` of the synapse memory and the class ROM."""
    width, depth = spec.synapse_memory_shape
    rom = bram36_blocks(*spec.class_rom_shape)
    if spec.synapse_ram == "ultra":
        return {"bram36": rom, "uram": uram_blocks(width, depth)}
    return {"bram36": rom + sum(bram36_blocks(width, d) for d in spec.synapse_banks), "uram": 0}


def max_neurons(spec: HopfieldSpec, resources: dict) -> int:
    """Largest ``n_neurons`` (multiple of 32) whose memories fit ``resources``, with the
    other fields of ``spec``; 0 if none does."""
    import dataclasses

    best = 0
    for n in range(32, 4097, 32):
        need = memory_usage(dataclasses.replace(spec, n_neurons=n))
        if any(v > resources.get(k, 0) for k, v in need.items()):
            break
        best = n
    return best
