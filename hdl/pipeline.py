"""A free-running pipeline whose registers are placed by stage number, and its multipliers.

A datapath that takes one item per clock and never stalls (backpressure is handled
before items enter, by credits) is a chain of registers with no enable.  :class:`Pipeline`
keeps, for every value, the stage whose register holds it, and delays values to the
stage where they are used (:meth:`Pipeline.at`), so a datapath is written as "compute
this at stage k" without counting delay registers by hand.

Products wider than one hardware multiplier are split into limbs that each fit one
(17-bit unsigned limbs, the top limb of a signed operand signed and up to 18 bits: an
ECP5 ``MULT18X18D`` or the 25x18 of an xc7 ``DSP48E1``).  The operands are copied into
registers right before the multipliers and each partial product is registered right
after, with nothing in between, so synthesis folds both into the multiplier's input and
output registers (``spinemu synth`` does this for ECP5, see
:mod:`spinemu.gen.outreg_fold`; yosys packs them into the xc7 ``DSP48E1``); the partial
products are summed by a tree of two-input adders, one level per stage.
"""

from __future__ import annotations

from amaranth import Module, Shape, Signal

__all__ = ["Pipeline", "LIMB_BITS", "limbs"]

#: Width of the unsigned limbs of a split product (17 bits, so that a limb is a
#: non-negative 18-bit signed multiplier operand).
LIMB_BITS = 17


def limbs(value) -> list[tuple[object, int]]:
    """``value`` as ``[(limb, shift)]``: unsigned 17-bit limbs, the top limb signed
    (up to 18 bits) when ``value`` is signed; ``sum(limb << shift) == value``."""
    shape = value.shape()
    width = shape.width
    if shape.signed and width <= LIMB_BITS + 1:
        return [(value, 0)]
    out, lo = [], 0
    while True:
        top = width - lo <= (LIMB_BITS + 1 if shape.signed else LIMB_BITS)
        if top:
            piece = value[lo:width]
            out.append((piece.as_signed() if shape.signed else piece, lo))
            return out
        out.append((value[lo : lo + LIMB_BITS], lo))
        lo += LIMB_BITS


class Pipeline:
    """Registers of a free-running pipeline, by stage.

    The registers and wires go into the pipeline's own module, :attr:`m` (add it as a
    submodule), so they are unconditional even when a value is first asked for inside
    the caller's ``with m.If(...)``.

    Parameters
    ----------
    clear : Value
        Synchronous clear of the valid bits made by :meth:`valid_at` (e.g. a RESTART).
    """

    def __init__(self, *, clear):
        self.m = Module()
        self.clear = clear
        self._stage: dict[int, tuple[Signal, int]] = {}
        self._delays: dict[tuple[int, int], Signal] = {}
        self._valid: list[Signal] = []

    # -- values ------------------------------------------------------------------------
    def reg(self, name: str, expr, stage: int, shape=None) -> Signal:
        """Register ``expr`` (its operands held at ``stage - 1``); the result is held at
        ``stage``.  ``shape`` truncates or extends (default: the expression's shape)."""
        sig = Signal(Shape.cast(shape) if shape is not None else expr.shape(), name=name, reset_less=True)
        self.m.d.sync += sig.eq(expr)
        self._stage[id(sig)] = (sig, stage)
        return sig

    def mark(self, sig: Signal, stage: int) -> Signal:
        """Declare that ``sig`` (a register made elsewhere) is held at ``stage``."""
        self._stage[id(sig)] = (sig, stage)
        return sig

    def wire(self, name: str, expr, stage: int, shape=None) -> Signal:
        """A combinational view of ``expr`` (operands held at ``stage``), held at ``stage``."""
        sig = Signal(Shape.cast(shape) if shape is not None else expr.shape(), name=name)
        self.m.d.comb += sig.eq(expr)
        return self.mark(sig, stage)

    def static(self, sig: Signal) -> Signal:
        """Declare ``sig`` static while items flow (a control register): usable at any stage."""
        self._stage[id(sig)] = (sig, None)
        return sig

    def stage_of(self, sig: Signal) -> int | None:
        """The stage whose register holds ``sig`` (None for static signals)."""
        return self._stage[id(sig)][1]

    def at(self, sig: Signal, stage: int) -> Signal:
        """``sig`` delayed to be held at ``stage`` (no later than where it is made)."""
        src = self.stage_of(sig)
        if src is None:
            return sig
        if stage < src:
            raise ValueError(f"{sig.name} is held at stage {src}, not yet at {stage}")
        cur = sig
        for k in range(src + 1, stage + 1):
            key = (id(sig), k)
            if key not in self._delays:
                self._delays[key] = self.reg(f"{sig.name}_s{k}", cur, k)
            cur = self._delays[key]
        return cur

    # -- valid bits --------------------------------------------------------------------
    def start(self, valid: Signal) -> None:
        """The valid bit of stage 0 (a register with reset, made by the caller)."""
        self._valid = [valid]

    def valid_at(self, stage: int) -> Signal:
        """The valid bit held at ``stage`` (cleared by ``clear``)."""
        while len(self._valid) <= stage:
            k = len(self._valid)
            v = Signal(name=f"valid_s{k}")
            self.m.d.sync += v.eq(self._valid[-1] & ~self.clear)
            self._valid.append(v)
        return self._valid[stage]

    # -- arithmetic --------------------------------------------------------------------
    def tree(self, name: str, terms, stage: int, shape, *, to: int = 1) -> tuple[list, int]:
        """Sum ``terms`` (values held at ``stage - 1``, or int constants) with two-input
        adders, one level per stage from ``stage``, down to ``to`` terms; returns
        ``(terms, stage held)``.

        Every level is kept to ``shape``: two's-complement wrap-around is exact as long as
        the final sum fits it."""
        level = list(terms)
        while len(level) > to or (len(level) == 1 and isinstance(level[0], int)):
            nxt = []
            for k in range(0, len(level), 2):
                pair = level[k : k + 2]
                if all(isinstance(t, int) for t in pair):
                    nxt.append(sum(pair))
                    continue
                expr = pair[0] if len(pair) == 1 else self._add(pair[0], pair[1], Shape.cast(shape).width)
                nxt.append(self.reg(f"{name}_t{stage}_{k // 2}", expr, stage, shape))
            level = nxt
            stage += 1
        return level, stage - 1

    @staticmethod
    def _add(a, b, width: int):
        """One adder of :meth:`tree` (its sum is cut to ``width`` bits)."""
        return a + b

    def partial_products(self, name: str, a: Signal, b: Signal, stage: int) -> list:
        """The limb products of ``a * b``: the operands (held at ``stage - 1``) are copied
        into registers at ``stage`` and the products registered at ``stage + 1``, shifted
        into place (their sum is ``a * b``).  Synthesis folds the copies into the
        multipliers' input registers and the products into their output registers."""
        a = self.reg(f"{name}_a", self.at(a, stage - 1), stage)
        b = self.reg(f"{name}_b", self.at(b, stage - 1), stage)
        stage += 1
        terms = []
        for i, (x, sx) in enumerate(limbs(a)):
            for j, (y, sy) in enumerate(limbs(b)):
                pp = self.reg(f"{name}_pp{i}{j}", x * y, stage)
                terms.append(pp << (sx + sy) if sx + sy else pp)
        return terms

    def product(
        self, name: str, a: Signal, b: Signal, stage: int, *, add=(), shape=None
    ) -> tuple[Signal, int]:
        """``a * b + sum(add)``: operand copies at ``stage`` (the operands are delayed to
        ``stage - 1``), partial products at ``stage + 1``, then the adder tree; returns
        ``(value, stage held)``.

        ``add`` holds int constants or tracked signals (delayed to ``stage + 1``)."""
        full = self.at(a, stage - 1) * self.at(b, stage - 1)
        for t in add:
            full = full + t
        shape = full.shape() if shape is None else Shape.cast(shape)
        terms = [t if isinstance(t, int) else self.at(t, stage + 1) for t in add]
        terms += self.partial_products(name, a, b, stage)
        (value,), held = self.tree(name, terms, stage + 2, shape)
        return value, held
