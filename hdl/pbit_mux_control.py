"""Sweep and β-schedule control of the multiplexed p-bit fabric: which group issues when.

A sweep issues the groups of color 0 on consecutive clocks, waits
:attr:`~spinemu.sim_golden.pbit_net_mux.MuxLayout.gap` clocks (until the color's last
spins are written), then color 1, and so on (:mod:`spinemu.sim_golden.pbit_net_mux`).
The groups left in a color come from a ROM of group counts per color, read one color
ahead.  The β schedule, the sweep counters and the conditions under which a sweep may
start (tables for the current β, the next scheduled β computed) are those of
:class:`~spinemu.hdl.sweep_control.SweepControl`; semantics are the golden model's.
"""

from __future__ import annotations

from amaranth import Module, Signal
from amaranth.lib import enum, wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import Out

from ..sim_golden.pbit_net_spec import BetaMode, Fabric, PBitNetSpec
from ..sim_golden.pbit_net_tables import BETA_PIPELINE
from .sweep_control import SweepControl, beta_age, schedule_ports

__all__ = ["MuxSweepControl", "Phase", "schedule_logic", "next_sweep"]


class Phase(enum.Enum, shape=2):
    """What the control does this clock."""

    IDLE = 0
    ISSUE = 1
    GAP = 2


class MuxSweepControl(wiring.Component):
    """Issues groups, keeps ``beta_acc`` and the counters.

    Attributes
    ----------
    sweeps, sweeps_write, beta, beta_write, beta_mode, beta_step, beta_mult,
    schedule_write, tables_ready, tables_beta : In
        As :class:`~spinemu.hdl.sweep_control.SweepControl`.  Unlike it, this control
        does not hold an update for a bus write in the same clock: every write but
        ``SWEEPS`` and ``BETA`` at the start of a run is for an idle core (the decisions
        start at flip-flops, not at the register bank).
    issue : Out(1)
        Group ``group`` is issued this clock.
    group : Out(range(groups))
    sweep_end : Out(1)
        This clock ends a sweep (its last group was issued ``gap`` clocks ago).
    active : Out(1)
        A sweep is under way (issuing or waiting between colors).
    beta_acc, beta_m, sweeps_left, sweep_count, running : Out
    """

    def __init__(self, *, spec: PBitNetSpec):
        if not isinstance(spec, PBitNetSpec) or spec.fabric is not Fabric.MULTIPLEXED:
            raise TypeError(f"spec must be a multiplexed PBitNetSpec, not {spec!r}")
        self.spec = spec
        groups = spec.mux_layout.groups
        super().__init__(
            {
                **schedule_ports(spec),
                "issue": Out(1),
                "group": Out(range(max(2, groups))),
                "active": Out(1),
            }
        )

    def elaborate(self, platform):
        m = Module()
        spec = self.spec
        counts = spec.mux_layout.color_groups
        ncol = len(counts)
        scheduled_valid, same_beta, tables_ok, more_sweeps = schedule_logic(m, self)

        phase = Signal(Phase)
        color = Signal(range(max(2, ncol)))
        left = Signal(range(max(counts) + 1), init=counts[0])  # groups of this color not issued
        gap_clocks = spec.mux_layout.gap
        gap = Signal(range(gap_clocks + 1))
        # group counts per color, read one color ahead
        m.submodules.counts = rom = Memory(shape=len(left), depth=max(2, ncol), init=counts)
        ahead = rom.read_port(transparent_for=())
        m.d.comb += ahead.addr.eq(color + 1)

        last_color = color == ncol - 1
        m.d.comb += [
            self.issue.eq(phase == Phase.ISSUE),
            self.active.eq(phase != Phase.IDLE),
            # the sweep ends once its last spins are written and the next beta is known
            self.sweep_end.eq((phase == Phase.GAP) & (gap == 0) & last_color & scheduled_valid),
        ]

        def start_sweep():
            m.d.sync += [phase.eq(Phase.ISSUE), color.eq(0), left.eq(counts[0]), self.group.eq(0)]

        with m.Switch(phase):
            with m.Case(Phase.IDLE):
                with m.If(self.running & tables_ok):
                    start_sweep()
            with m.Case(Phase.ISSUE):
                with m.If(self.issue):
                    m.d.sync += [self.group.eq(self.group + 1), left.eq(left - 1)]
                    with m.If(left == 1):
                        m.d.sync += [phase.eq(Phase.GAP), gap.eq(gap_clocks - 1)]
            with m.Case(Phase.GAP):
                with m.If(gap != 0):
                    m.d.sync += gap.eq(gap - 1)
                with m.Elif(~last_color):
                    m.d.sync += [phase.eq(Phase.ISSUE), color.eq(color + 1), left.eq(ahead.data)]
                with m.Elif(self.sweep_end):
                    next_sweep(m, phase, more_sweeps & same_beta, start_sweep)
        return m


def next_sweep(m, phase, go_on, start_sweep) -> None:
    """At a sweep's end: start the next at once when ``go_on`` (sweeps left, and the next
    keeps the beta of the tables), else go idle (the tables or the host come first)."""
    with m.If(go_on):
        start_sweep()
    with m.Else():
        m.d.sync += phase.eq(Phase.IDLE)


def schedule_logic(m, ctl) -> tuple[Signal, Signal, Signal, Signal]:
    """The β schedule and sweep counters of a memory fabric's control ``ctl`` (ports of
    :func:`~.sweep_control.schedule_ports`, plus ``running``, ``sweep_end`` driven by
    the caller's sequencing).  Returns the registered flags the sequencing decides on:
    ``(scheduled_valid, same_beta, tables_ok, more_sweeps)``: the next scheduled β is
    known, it equals this one, the tables are ready for this β, more than one sweep left.
    """
    spec = ctl.spec
    shift_b = spec.beta_frac_bits - spec.beta_mul_frac_bits
    beta_acc, sweeps_left = ctl.beta_acc, ctl.sweeps_left
    m.d.comb += ctl.beta_m.eq(beta_acc[shift_b:])
    scheduled = SweepControl.scheduled_beta(m, beta_acc, ctl.beta_mode, ctl.beta_step, ctl.beta_mult)
    scheduling = ctl.beta_mode != int(BetaMode.CONSTANT)
    changed = ctl.beta_write | ctl.schedule_write | (ctl.sweep_end & scheduling)
    # Wide compares are registered, so that the decisions start at flip-flops: the next
    # beta known and equal to this one (valid a clock after the schedule is, and nothing
    # changes them in between), the tables ready for this beta, and whether sweeps are
    # left (more than one: kept beside the counter).
    scheduled_valid, same_beta, tables_ok = Signal(), Signal(), Signal()
    more_sweeps = Signal()
    m.d.sync += [
        scheduled_valid.eq((beta_age(m, changed) == BETA_PIPELINE) & ~changed),
        same_beta.eq(scheduled[shift_b:] == ctl.beta_m),
        # (not in the clock after beta_acc changes: it compared the old beta)
        tables_ok.eq(ctl.tables_ready & (ctl.tables_beta == ctl.beta_m) & ~(ctl.sweep_end | ctl.beta_write)),
    ]
    with m.If(ctl.sweeps_write):
        m.d.sync += [
            sweeps_left.eq(ctl.sweeps),
            ctl.running.eq(ctl.sweeps != 0),
            more_sweeps.eq(ctl.sweeps > 1),
        ]
    with m.Elif(ctl.sweep_end & ctl.running):
        m.d.sync += [
            sweeps_left.eq(sweeps_left - 1),
            ctl.running.eq(more_sweeps),
            more_sweeps.eq(sweeps_left > 2),
        ]
    with m.If(ctl.sweep_end):
        m.d.sync += ctl.sweep_count.eq(ctl.sweep_count + 1)
    with m.If(ctl.beta_write):
        m.d.sync += beta_acc.eq(ctl.beta)
    with m.Elif(ctl.sweep_end):
        m.d.sync += beta_acc.eq(scheduled)
    return scheduled_valid, same_beta, tables_ok, more_sweeps
