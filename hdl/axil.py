"""AXI4-Lite slave register bank generated from a :class:`~spinemu.sim_golden.regmap.RegisterMap`.

amaranth-soc has no AXI, so this is spinemu's own bridge.  Behaviour:

* AW and W are accepted independently (``awready``/``wready`` high while the
  respective holding register is empty); the write commits on the cycle both are
  held and no response is pending, and B follows on the next cycle.
* AR is accepted whenever no read response is pending; R follows on the next cycle.
  Reads and writes proceed independently (a read during a write sees the old value).
* ``wstrb`` byte lanes are honoured for ``rw`` registers; ``wo`` registers receive
  the strobed bytes (unstrobed bytes read as 0).
* Unmapped addresses, writes to ``ro`` and reads of ``wo`` registers answer SLVERR;
  reads of an error return 0.  Address bits [1:0] are ignored.
"""

from __future__ import annotations

from amaranth import Cat, Module, Signal
from amaranth.lib import enum, wiring
from amaranth.lib.wiring import In, Out

from ..sim_golden.regmap import Access, RegisterMap

__all__ = ["AXI4LiteSignature", "AXIResp", "CSRBank", "ONE_HOT_WRITE_DECODE", "csr_signature"]

#: A bank of at most this many words decodes a write address into a one-hot register
#: when it is accepted (one flip-flop per word); a larger one compares at the commit.
ONE_HOT_WRITE_DECODE = 64


class AXIResp(enum.Enum, shape=2):
    """AXI response codes."""

    OKAY = 0b00
    EXOKAY = 0b01
    SLVERR = 0b10
    DECERR = 0b11


class AXI4LiteSignature(wiring.Signature):
    """AXI4-Lite, from the manager's point of view (a slave uses ``In(...)``).

    Parameters
    ----------
    addr_width : int
        Address bits, 3..32.
    """

    def __init__(self, *, addr_width: int):
        if not isinstance(addr_width, int) or not 3 <= addr_width <= 32:
            raise ValueError(f"addr_width must be an integer in 3..32, not {addr_width!r}")
        self.addr_width = addr_width
        super().__init__({
            "awaddr": Out(addr_width), "awprot": Out(3), "awvalid": Out(1), "awready": In(1),
            "wdata": Out(32), "wstrb": Out(4), "wvalid": Out(1), "wready": In(1),
            "bresp": In(2), "bvalid": In(1), "bready": Out(1),
            "araddr": Out(addr_width), "arprot": Out(3), "arvalid": Out(1), "arready": In(1),
            "rdata": In(32), "rresp": In(2), "rvalid": In(1), "rready": Out(1),
        })

    def __eq__(self, other):
        return isinstance(other, AXI4LiteSignature) and other.addr_width == self.addr_width

    def __repr__(self):
        return f"AXI4LiteSignature(addr_width={self.addr_width})"


def csr_signature(regmap: RegisterMap) -> wiring.Signature:
    """Core-side ports of the bank, from the bank's point of view.

    For each register ``NAME`` (arrays get one element per index):

    * ``rw``: ``NAME`` (Out, the stored value) and ``NAME_wstb`` (Out, a one-cycle
      pulse when software writes it; the new value shows on the next cycle);
    * ``wo``: ``NAME`` (Out, the written data, valid only with ``NAME_wstb``) and
      ``NAME_wstb``;
    * ``ro``: ``NAME`` (In, driven by the core).
    """
    members = {}
    for r in regmap.registers:
        shape = r.width
        if r.access is Access.RO:
            m = In(shape)
        elif r.access is Access.RW:
            m = Out(shape, init=r.reset)
        else:
            m = Out(shape)
        members[r.name] = m.array(r.count) if r.count > 1 else m
        if r.access is not Access.RO:
            stb = Out(1)
            members[f"{r.name}_wstb"] = stb.array(r.count) if r.count > 1 else stb
    return wiring.Signature(members)


class CSRBank(wiring.Component):
    """AXI4-Lite slave exposing a register map to the core.

    Parameters
    ----------
    regmap : RegisterMap
        The registers; the bank decodes ``regmap.addr_width`` address bits.
    read_hold : bool
        Add an input ``read_hold``: while it is high, read requests wait (``arready``
        low), for registers whose values settle some clocks after a write.

    Attributes
    ----------
    bus : In(AXI4LiteSignature)
        The AXI4-Lite slave port.
    csr : Out(csr_signature(regmap))
        Register values and strobes towards the core.
    """

    def __init__(self, *, regmap: RegisterMap, read_hold: bool = False):
        if not isinstance(regmap, RegisterMap):
            raise TypeError(f"regmap must be a RegisterMap, not {regmap!r}")
        if not isinstance(read_hold, bool):
            raise TypeError(f"read_hold must be a bool, not {read_hold!r}")
        self.regmap = regmap
        members = {
            "bus": In(AXI4LiteSignature(addr_width=regmap.addr_width)),
            "csr": Out(csr_signature(regmap)),
        }
        if read_hold:
            members["read_hold"] = In(1)
        super().__init__(members)

    def _elements(self):
        """Yield (register, index, word address, value port, strobe port or None)."""
        for r in self.regmap.registers:
            val = getattr(self.csr, r.name)
            stb = getattr(self.csr, f"{r.name}_wstb", None)
            for i in range(r.count):
                v = val[i] if r.count > 1 else val
                s = None if stb is None else (stb[i] if r.count > 1 else stb)
                yield r, i, (r.offset >> 2) + i, v, s

    def elaborate(self, platform):
        m = Module()
        bus = self.bus
        word_bits = self.regmap.addr_width - 2

        # -- write channel --------------------------------------------------------------
        aw_full = Signal()
        aw_word = Signal(word_bits)
        w_full = Signal()
        w_data = Signal(32)
        w_strb = Signal(4)
        b_valid = Signal()
        b_resp = Signal(AXIResp)
        m.d.comb += [
            bus.awready.eq(~aw_full),
            bus.wready.eq(~w_full),
            bus.bvalid.eq(b_valid),
            bus.bresp.eq(b_resp),
        ]
        elements = list(self._elements())
        # A small bank decodes the write address as it is captured, into a one-hot of its
        # words: a strobe is then one gate after flip-flops (commit and one bit), not an
        # address compare; a bank of many words (per-element registers) compares.
        one_hot = len(elements) <= ONE_HOT_WRITE_DECODE
        aw_hit = Signal(len(elements)) if one_hot else None
        with m.If(bus.awvalid & ~aw_full):
            m.d.sync += [aw_full.eq(1), aw_word.eq(bus.awaddr[2:])]
            if one_hot:
                m.d.sync += aw_hit.eq(Cat(*(bus.awaddr[2:] == e[2] for e in elements)))
        with m.If(bus.wvalid & ~w_full):
            m.d.sync += [w_full.eq(1), w_data.eq(bus.wdata), w_strb.eq(bus.wstrb)]
        with m.If(b_valid & bus.bready):
            m.d.sync += b_valid.eq(0)

        commit = Signal()
        m.d.comb += commit.eq(aw_full & w_full & ~b_valid)
        byte_mask = Signal(32)
        m.d.comb += byte_mask.eq(Cat(*(w_strb[k].replicate(8) for k in range(4))))

        with m.If(commit):
            # SLVERR unless a writable register matches (later assignments win)
            m.d.sync += [aw_full.eq(0), w_full.eq(0), b_valid.eq(1), b_resp.eq(AXIResp.SLVERR)]
            for k, (r, _i, word, val, stb) in enumerate(elements):
                if r.access is Access.RO:
                    continue
                with m.If(aw_hit[k] if one_hot else aw_word == word):
                    m.d.sync += b_resp.eq(AXIResp.OKAY)
                    m.d.comb += stb.eq(1)
                    if r.access is Access.RW:
                        merged = (val & ~byte_mask[: r.width]) | (w_data & byte_mask)[: r.width]
                        m.d.sync += val.eq(merged)

        # Write-only registers present the strobed data combinationally.
        for r, _i, _word, val, _stb in self._elements():
            if r.access is Access.WO:
                m.d.comb += val.eq((w_data & byte_mask)[: r.width])

        # -- read channel ---------------------------------------------------------------
        # A core whose register values settle a few clocks after a write (a value read
        # from block RAM) holds ``read_hold`` high meanwhile: reads wait, none is stale.
        r_valid = Signal()
        can_take = ~r_valid
        if "read_hold" in self.signature.members:
            can_take = ~r_valid & ~self.read_hold
        r_data = Signal(32)
        r_resp = Signal(AXIResp)
        m.d.comb += [
            bus.arready.eq(can_take),
            bus.rvalid.eq(r_valid),
            bus.rdata.eq(r_data),
            bus.rresp.eq(r_resp),
        ]
        with m.If(r_valid & bus.rready):
            m.d.sync += r_valid.eq(0)
        with m.If(bus.arvalid & can_take):
            m.d.sync += r_valid.eq(1)
            with m.Switch(bus.araddr[2:]):
                for r, _i, word, val, _stb in self._elements():
                    with m.Case(word):
                        if r.access is Access.WO:
                            m.d.sync += [r_data.eq(0), r_resp.eq(AXIResp.SLVERR)]
                        else:
                            m.d.sync += [r_data.eq(val), r_resp.eq(AXIResp.OKAY)]
                with m.Default():
                    m.d.sync += [r_data.eq(0), r_resp.eq(AXIResp.SLVERR)]
        return m
