"""Fixed-point helpers for gateware that must lint clean under ``verilator -Wall``.

All arithmetic here is done on unsigned bit vectors holding two's-complement numbers
modulo ``2**width`` (wide enough never to overflow), which keeps the Verilog that
yosys emits free of mixed-width ``$signed`` operators.  Each helper adds its result
as a named combinational signal to the module ``m``.
"""

from __future__ import annotations

from amaranth import Cat, Const, Signal

__all__ = [
    "sign_extend", "wire", "tree_sum", "pipelined_tree_sum", "saturate", "saturate_symmetric", "round_shift",
    "one_hot",
]


def sign_extend(value, width: int):
    """The two's-complement bits of ``value`` sign-extended (or truncated) to ``width`` bits."""
    v = value.as_unsigned()
    if width <= len(v):
        return v[:width]
    return Cat(v, v[-1].replicate(width - len(v)))


def wire(m, value, width: int, name: str) -> Signal:
    """A ``width``-bit signal holding ``value`` sign-extended."""
    sig = Signal(width, name=name)
    m.d.comb += sig.eq(sign_extend(value, width))
    return sig


def tree_sum(m, values, width: int, name: str):
    """Balanced adder tree of ``width``-bit two's-complement values, modulo ``2**width``."""
    return _tree(m, values, width, name, levels_per_stage=None)


def pipelined_tree_sum(m, values, width: int, name: str, levels_per_stage: int) -> Signal:
    """:func:`tree_sum` with a register after every ``levels_per_stage`` adder levels and
    after the last: the sum of ``values`` appears ``ceil(levels / levels_per_stage)``
    clocks later (at least one)."""
    return _tree(m, values, width, name, levels_per_stage=levels_per_stage)


def _tree(m, values, width: int, name: str, *, levels_per_stage: int | None):
    vals = list(values)
    level = 0
    while True:
        done = len(vals) == 1
        if levels_per_stage and (done or (level and level % levels_per_stage == 0)):
            regs = [Signal(width, name=f"{name}_q{level}_{k}") for k in range(len(vals))]
            m.d.sync += [r.eq(v) for r, v in zip(regs, vals, strict=True)]
            vals = regs
        if done:
            return vals[0]
        nxt = []
        for k in range(0, len(vals) - 1, 2):
            s = Signal(width, name=f"{name}_l{level}_{k // 2}")
            m.d.comb += s.eq((vals[k] + vals[k + 1])[:width])
            nxt.append(s)
        if len(vals) % 2:
            nxt.append(vals[-1])
        vals = nxt
        level += 1


def saturate(m, value, width: int, bits: int, name: str) -> Signal:
    """``bits``-bit two's complement of the ``width``-bit number ``value``, clipped.

    Overflow is read off the top bits (no constant compares): positive overflow when
    the sign is 0 and any of bits ``bits-1 .. width-2`` is set, negative when the sign
    is 1 and not all of them are.
    """
    if width <= bits:
        return wire(m, value, bits, name)
    top = value[bits - 1 : width - 1]
    sign = value[width - 1]
    out = Signal(bits, name=name)
    with m.If(~sign & top.any()):
        m.d.comb += out.eq(Cat(Const(-1, bits - 1), Const(0, 1)))
    with m.Elif(sign & ~top.all()):
        m.d.comb += out.eq(Cat(Const(0, bits - 1), Const(1, 1)))
    with m.Else():
        m.d.comb += out.eq(value[:bits])
    return out


def saturate_symmetric(m, value, width: int, bits: int, name: str) -> Signal:
    """``value`` clipped to ``+-(2**(bits-1) - 1)``, as ``bits``-bit two's complement.

    Like :func:`saturate` but the most negative code ``-2**(bits-1)`` also becomes
    ``-(2**(bits-1) - 1)``, so the magnitude always fits ``bits - 1`` bits.
    """
    clipped = saturate(m, value, width, bits, f"{name}_asym")
    out = Signal(bits, name=name)
    most_negative = clipped[bits - 1] & ~clipped[: bits - 1].any()
    m.d.comb += out.eq(Cat(clipped[0] | most_negative, clipped[1:]))
    return out


def round_shift(m, value, width: int, s: int, name: str):
    """``(value + 2**(s-1)) >> s`` (arithmetic; round half up) of a ``width``-bit number."""
    if not s:
        return value
    rounded = Signal(width, name=name)
    # (the round bit is zero-extended with a masked vector so that yosys keeps both
    # operands at full width: lint-clean Verilog)
    m.d.comb += rounded.eq(
        (
            Cat(value[s:], value[-1].replicate(s))
            + Cat(value[s - 1], value[-1].replicate(width - 1) & Const(0, width - 1))
        )[:width]
    )
    return rounded


def one_hot(index, count: int):
    """``count``-bit one-hot of ``index`` (all zero when ``index >= count``)."""
    return (Const(1, count) << index)[:count]
