"""The boundary exchange of one device of a partitioned p-bit machine.

Semantics: :class:`~spinemu.sim_golden.pbit_net_partition.Exchange` (which set of
boundary spins is the ghosts of which color phase); layout of the sets:
:mod:`spinemu.sim_golden.pbit_net_device`.  Phases are counted from the ``SWEEPS``
write that starts a run (``start``), ``total = sweeps * num_colors`` of them.

* **Sending.**  Set 0 is the spins at the start of the run; set ``k >= 1`` the spins
  after phase ``k E``, sent only if some device applies it (``k E + D < total``).  A
  set is copied into a buffer the clock its spins are complete, then leaves on ``tx``,
  word after word.  The next phase is held while a set is due to be copied and the
  buffer is still sending the previous one.
* **Receiving.**  Each source's words fill a shadow of the ghosts it feeds; set 0 is
  applied before phase 0, set ``k >= 1`` before phase ``k E + D``.  The ghosts change
  between the two phases (a registered copy the clock before the phase may fire), and
  the phase is held while its set is incomplete.  A complete shadow refuses further
  words until it is applied (the link buffers them).

So every device applies exactly the sets the golden model does, whatever the link's
delay in clocks: that delay only holds phases.  A run must be let finish on every
device (no set is then left in a link); a new ``SWEEPS`` write while one runs breaks
the count, as on the board (reset the machine).
"""

from __future__ import annotations

from amaranth import Cat, Module, Mux, Signal
from amaranth.lib import stream, wiring
from amaranth.lib.wiring import In, Out

from ..sim_golden.pbit_net_device import DevicePlan
from ..sim_golden.pbit_net_regmap import EXCHANGE_FIELD_BITS

__all__ = ["BoundaryExchange", "PHASE_BITS", "link_ports"]

#: Width of the phase counters: ``SWEEPS`` (32 bits) times the colors.
PHASE_BITS = 48


def link_ports(plan: DevicePlan) -> dict:
    """The stream members of a device of ``plan``: ``tx`` and ``tx_last`` (if it sends a
    boundary) and ``rx<k>`` for each of ``plan.sources``."""
    members = {}
    if plan.boundary:
        members["tx"] = Out(stream.Signature(32))
        members["tx_last"] = Out(1)
    for k in range(len(plan.sources)):
        members[f"rx{k}"] = In(stream.Signature(32))
    return members


class BoundaryExchange(wiring.Component):
    """Sends a device's boundary spins and keeps its ghosts (module docstring).

    Attributes
    ----------
    boundary : In(len(plan.boundary))
        The device's boundary spins, in set order.
    fired : In(1)
        A color phase fires this clock (its spins are written at the next edge).
    start, sweeps : In(1), In(32)
        A run of ``sweeps`` sweeps starts (the ``SWEEPS`` write).
    period, latency : In(16), In(16)
        ``EXCH_PERIOD`` (E) and ``EXCH_LATENCY`` (D), read at ``start``.
    hold : Out(1)
        The next clock must not fire a phase.
    ghosts : Out(plan.spec.ghosts)
    tx : Out(stream.Signature(32))
        The boundary sets (absent if the device sends none).
    tx_last : Out(1)
        ``tx`` offers the last word of a set (AXI-Stream ``TLAST``: a set is a packet).
    rx<k> : In(stream.Signature(32))
        The sets of ``plan.sources[k].device``.
    """

    def __init__(self, *, plan: DevicePlan):
        if not isinstance(plan, DevicePlan):
            raise TypeError(f"plan must be a DevicePlan, not {plan!r}")
        self.plan = plan
        members = {
            "boundary": In(max(1, len(plan.boundary))),
            "fired": In(1),
            "start": In(1),
            "sweeps": In(32),
            "period": In(EXCHANGE_FIELD_BITS),
            "latency": In(EXCHANGE_FIELD_BITS),
            "hold": Out(1),
            "ghosts": Out(max(1, plan.spec.ghosts)),
            **link_ports(plan),
        }
        super().__init__(members)

    def elaborate(self, platform):
        m = Module()
        plan = self.plan
        ncol = plan.spec.num_colors
        fired_count = Signal(PHASE_BITS)  # phases fired in this run (counts at the spins' edge)
        total = Signal(PHASE_BITS)
        period = Signal(EXCHANGE_FIELD_BITS, init=1)
        latency = Signal(EXCHANGE_FIELD_BITS)
        next_phase = Signal(PHASE_BITS)  # the phase a fire on the next clock would be
        m.d.comb += next_phase.eq(fired_count + self.fired)
        with m.If(self.start):
            m.d.sync += [
                fired_count.eq(0),
                total.eq(self.sweeps * ncol),
                period.eq(Mux(self.period == 0, 1, self.period)),
                latency.eq(self.latency),
            ]
        with m.Elif(self.fired):
            m.d.sync += fired_count.eq(fired_count + 1)
        holds = []

        # -- sending ---------------------------------------------------------------------
        if plan.boundary:
            words = plan.boundary_words
            send_due = Signal(PHASE_BITS)  # phase count after which the next set is taken
            pending = Signal()  # that set is still to be taken
            busy = Signal()
            word = Signal(range(max(2, words)))
            buf = Signal(32 * words)
            take = Signal()
            done = Signal()
            tx = self.tx
            m.d.comb += [
                take.eq(pending & ~busy & (fired_count == send_due) & ~self.start),
                tx.valid.eq(busy),
                tx.payload.eq(buf.word_select(word, 32) if words > 1 else buf),
                self.tx_last.eq(word == words - 1),
                done.eq(tx.valid & tx.ready & self.tx_last),
            ]
            nxt = send_due + period
            with m.If(self.start):
                m.d.sync += [send_due.eq(0), pending.eq(self.sweeps != 0)]
            with m.Elif(take):
                m.d.sync += [
                    buf.eq(self.boundary),
                    send_due.eq(nxt),
                    pending.eq(nxt + latency < total),
                ]
            with m.If(take):
                m.d.sync += [busy.eq(1), word.eq(0)]
            with m.Elif(done):
                m.d.sync += busy.eq(0)
            with m.Elif(tx.valid & tx.ready):
                m.d.sync += word.eq(word + 1)
            # the next phase waits if the set due after it cannot be taken before it fires
            # (the registers' values after this clock: a set taken now makes the next one due)
            busy_next = (busy & ~done) | take
            pending_next = Mux(take, nxt + latency < total, pending)
            due_next = Mux(take, nxt, send_due)
            holds.append(pending_next & (next_phase >= due_next) & busy_next)

        # -- receiving -------------------------------------------------------------------
        ghosts = self.ghosts
        for k, src in enumerate(plan.sources):
            rx = getattr(self, f"rx{k}")
            shadow = Signal(len(src.bits), name=f"shadow{k}")
            count = Signal(range(src.words + 1), name=f"rx_words{k}")
            due = Signal(PHASE_BITS, name=f"due{k}")
            expect = Signal(name=f"expect{k}")
            first = Signal(name=f"first{k}")
            full = count == src.words
            apply = Signal(name=f"apply{k}")
            m.d.comb += [
                rx.ready.eq(~full),
                apply.eq(expect & full & (due <= next_phase) & ~self.start),
            ]
            with m.If(rx.valid & rx.ready):
                m.d.sync += count.eq(count + 1)
                for s, (_, bit) in enumerate(src.bits):
                    w, b = divmod(bit, 32)
                    with m.If(count == w):
                        m.d.sync += shadow[s].eq(rx.payload[b])
            new_due = due + Mux(first, period + latency, period)
            with m.If(self.start):
                m.d.sync += [due.eq(0), expect.eq(self.sweeps != 0), first.eq(1)]
            with m.Elif(apply):
                m.d.sync += [count.eq(0), due.eq(new_due), first.eq(0), expect.eq(new_due < total)]
                for s, (ghost, _) in enumerate(src.bits):
                    m.d.sync += ghosts[ghost].eq(shadow[s])
            # (after an apply the next set is due at least E phases later: no hold from it)
            holds.append(expect & (due <= next_phase) & ~full)
        m.d.comb += self.hold.eq(Cat(*holds).any() if holds else 0)
        return m
