"""Sweep and β-schedule control of the streaming p-bit fabric: which beat issues when.

A sweep issues slot 0, 1, ... ``n - 1`` (:mod:`spinemu.sim_golden.pbit_net_streaming`),
one every :attr:`~spinemu.sim_golden.pbit_net_streaming.StreamLayout.period` clocks;
slot ``s`` issues its ``beats`` beats on consecutive clocks, beginning at the word after
the previous slot's word and wrapping around, then idles until the period ends.  After
the last slot's beats the control waits until its spin is written, then ends the sweep.
The β schedule, the sweep counters and when a sweep may start are those of the
multiplexed fabric (:func:`~.pbit_mux_control.schedule_logic`).
"""

from __future__ import annotations

from amaranth import Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import Out

from ..sim_golden.pbit_net_spec import PBitNetSpec
from .pbit_mux_control import Phase, next_sweep, schedule_logic
from .sweep_control import schedule_ports

__all__ = ["StreamSweepControl"]


class StreamSweepControl(wiring.Component):
    """Issues beats, keeps ``beta_acc`` and the counters.

    Attributes
    ----------
    sweeps, sweeps_write, beta, beta_write, beta_mode, beta_step, beta_mult,
    schedule_write, tables_ready, tables_beta : In
        As :class:`~spinemu.hdl.pbit_mux_control.MuxSweepControl`.
    issue : Out(1)
        Beat ``beat`` of slot ``slot`` is issued this clock.
    slot : Out(range(n))
    beat : Out(range(beats))
        The word of the row (and of the spins) this beat reads.
    row_addr : Out
        Its weight-memory word, ``slot * beats + beat``.
    first, last : Out(1)
        The beat is the slot's first, last.
    sweep_end, active, beta_acc, beta_m, sweeps_left, sweep_count, running : Out
        As :class:`~spinemu.hdl.pbit_mux_control.MuxSweepControl`.
    """

    def __init__(self, *, spec: PBitNetSpec):
        if not isinstance(spec, PBitNetSpec) or not spec.streaming:
            raise TypeError(f"spec must be a PBitNetSpec with fabric = 'streaming', not {spec!r}")
        self.spec = spec
        lay = spec.mux_layout
        super().__init__(
            {
                **schedule_ports(spec),
                "issue": Out(1),
                "slot": Out(range(max(2, spec.n))),
                "beat": Out(range(max(2, lay.beats))),
                "row_addr": Out(range(max(2, spec.n * lay.beats))),
                "first": Out(1),
                "last": Out(1),
                "active": Out(1),
            }
        )

    def elaborate(self, platform):
        m = Module()
        spec = self.spec
        lay = spec.mux_layout
        n, beats, period, latency = spec.n, lay.beats, lay.period, lay.latency
        word_shift = (lay.lanes - 1).bit_length()
        scheduled_valid, same_beta, tables_ok, more_sweeps = schedule_logic(m, self)

        phase = Signal(Phase)
        clock = Signal(range(period), name="period_clock")  # clock of the slot's period
        gap = Signal(range(latency + 1))
        last_slot = Signal(name="last_slot")  # registered: slot == n - 1
        row_base = Signal.like(self.row_addr, name="row_base")  # slot * beats
        slot_word = self.slot[word_shift:]
        m.d.comb += [
            self.issue.eq((phase == Phase.ISSUE) & (clock < beats)),
            self.first.eq(clock == 0),
            self.last.eq(clock == beats - 1),
            self.active.eq(phase != Phase.IDLE),
            # the sweep ends once its last spin is written and the next beta is known
            self.sweep_end.eq((phase == Phase.GAP) & (gap == 0) & scheduled_valid),
        ]

        def start_sweep():
            m.d.sync += [
                phase.eq(Phase.ISSUE),
                clock.eq(0),
                self.slot.eq(0),
                self.beat.eq(0),  # slot n - 1, the previous one, is in the last word
                self.row_addr.eq(0),
                row_base.eq(0),
                last_slot.eq(n == 1),
            ]

        with m.Switch(phase):
            with m.Case(Phase.IDLE):
                with m.If(self.running & tables_ok):
                    start_sweep()
            with m.Case(Phase.ISSUE):
                with m.If(self.issue):
                    wrap = self.beat == beats - 1
                    m.d.sync += [
                        self.beat.eq(Mux(wrap, 0, self.beat + 1)),
                        self.row_addr.eq(Mux(wrap, row_base, self.row_addr + 1)),
                    ]
                with m.If(self.last & last_slot):
                    m.d.sync += [phase.eq(Phase.GAP), gap.eq(latency - 1)]
                with m.Elif(clock == period - 1):
                    # the next slot begins at the word after this slot's word
                    begin = Mux(slot_word == beats - 1, 0, slot_word + 1)
                    m.d.sync += [
                        clock.eq(0),
                        self.slot.eq(self.slot + 1),
                        last_slot.eq(self.slot == n - 2),
                        self.beat.eq(begin),
                        row_base.eq(row_base + beats),
                        self.row_addr.eq(row_base + beats + begin),
                    ]
                with m.Else():
                    m.d.sync += clock.eq(clock + 1)
            with m.Case(Phase.GAP):
                with m.If(gap != 0):
                    m.d.sync += gap.eq(gap - 1)
                with m.Elif(self.sweep_end):
                    next_sweep(m, phase, more_sweeps & same_beta, start_sweep)
        return m
