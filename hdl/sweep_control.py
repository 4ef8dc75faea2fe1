"""Sweep and β-schedule control of the p-bit network, with registered color enables.

The enable of a color class reaches every p-bit of that class (34 clock enables each),
so it must come straight from a flip-flop: :attr:`SweepControl.fire` (one per color)
is decided one clock ahead from registered state only.  Within a sweep the colors fire
on consecutive clocks; at the end of a sweep the next one starts on the next clock
when the schedule leaves the β in use unchanged (the next β comes from registered,
pipelined copies of ``beta_acc + BETA_STEP`` and ``beta_acc * BETA_MULT``), otherwise
the core waits for the probability tables of the new β.  A bus write that affects the
sweep (``SEED``, ``BETA``, ``SWEEPS``, compensation) holds the next clock's update.
With replicas a color phase is :attr:`~.PBitNetSpec.color_window` clocks, replica ``r``
issued in its clock ``r`` (:attr:`SweepControl.replica`); a sweep ends with the last
clock of the last color's window, while its last updates are still in the p-bits'
pipeline (:class:`~spinemu.hdl.pbit_cells.PBitCells` says when they are written).

Semantics (which β each sweep uses, what it samples) are those of
:func:`~spinemu.sim_golden.pbit_net_spec.beta_sequence` and the golden model; only the
clock at which things happen is decided here.
"""

from __future__ import annotations

from amaranth import Cat, Const, Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ..sim_golden.pbit_net_spec import BETA_MULT_FRAC, BetaMode, PBitNetSpec
from ..sim_golden.pbit_net_tables import BETA_PIPELINE

__all__ = ["SweepControl", "beta_age", "schedule_ports", "connect_schedule"]


def schedule_ports(spec: PBitNetSpec) -> dict:
    """The signature members every sweep control shares: the run and β-schedule
    registers in, the schedule's state and counters out (see :class:`SweepControl`)."""
    return {
        "sweeps": In(32),
        "sweeps_write": In(1),
        "beta": In(32),
        "beta_write": In(1),
        "beta_mode": In(2),
        "beta_step": In(32),
        "beta_mult": In(32),
        "schedule_write": In(1),
        "tables_ready": In(1),
        "tables_beta": In(spec.beta_mul_bits),
        "sweep_end": Out(1),
        "beta_acc": Out(32),
        "beta_m": Out(spec.beta_mul_bits),
        "sweeps_left": Out(32),
        "sweep_count": Out(32),
        "running": Out(1),
    }


def connect_schedule(m, control, csr) -> None:
    """Wire a sweep control's :func:`schedule_ports` to the register bank ``csr``."""
    m.d.comb += [
        control.sweeps.eq(csr.SWEEPS),
        control.sweeps_write.eq(csr.SWEEPS_wstb),
        control.beta.eq(csr.BETA),
        control.beta_write.eq(csr.BETA_wstb),
        control.beta_mode.eq(csr.BETA_MODE),
        control.beta_step.eq(csr.BETA_STEP),
        control.beta_mult.eq(csr.BETA_MULT),
        control.schedule_write.eq(csr.BETA_MODE_wstb | csr.BETA_STEP_wstb | csr.BETA_MULT_wstb),
        csr.SWEEPS_LEFT.eq(control.sweeps_left),
        csr.SWEEP_COUNT.eq(control.sweep_count),
        csr.BETA_NOW.eq(control.beta_acc),
    ]


def beta_age(m, changed) -> Signal:
    """Clocks (saturating at :data:`BETA_PIPELINE`) since ``changed`` (``beta_acc`` or a
    schedule register changed): the scheduled β is valid at :data:`BETA_PIPELINE`."""
    age = Signal(range(BETA_PIPELINE + 1), init=0, name="beta_age")
    with m.If(changed):
        m.d.sync += age.eq(0)
    with m.Elif(age != BETA_PIPELINE):
        m.d.sync += age.eq(age + 1)
    return age


class SweepControl(wiring.Component):
    """Decides, one clock ahead, which color updates; keeps ``beta_acc`` and the counters.

    Attributes
    ----------
    sweeps, sweeps_write : In(32), In(1)
        Run exactly ``sweeps`` sweeps from now.
    beta, beta_write : In(32), In(1)
        Load ``beta_acc``.
    beta_mode, beta_step, beta_mult : In(2), In(32), In(32)
        The schedule registers; ``schedule_write`` pulses when one of them is written.
    hold : In(1)
        A bus write that must not meet an update on the next clock (seed, compensation).
    tables_ready : In(1)
        The probability tables hold ``tables_beta`` and the engine is idle.
    tables_beta : In(beta_mul_bits)
    fire : Out(num_colors)
        Color ``c`` is issued this clock (one gate after flip-flops).
    replica : Out(replicas)
        One-hot: the replica issued this clock (if any color is; straight from flip-flops).
    replica_next : Out(replicas)
        ``replica`` of the next clock (for flip-flops that hold it then).
    sweep_end : Out(1)
        This clock's update completes a sweep.
    beta_acc, beta_m : Out(32), Out(beta_mul_bits)
    sweeps_left, sweep_count : Out(32)
    running : Out(1)
    """

    def __init__(self, *, spec: PBitNetSpec):
        if not isinstance(spec, PBitNetSpec):
            raise TypeError(f"spec must be a PBitNetSpec, not {spec!r}")
        self.spec = spec
        super().__init__(
            {
                **schedule_ports(spec),
                "hold": In(1),
                "fire": Out(spec.num_colors),
                "replica": Out(spec.replicas),
                "replica_next": Out(spec.replicas),
            }
        )

    @staticmethod
    def scheduled_beta(m, beta_acc, beta_mode, beta_step, beta_mult):
        """Registered next ``beta_acc`` of the schedule (valid :data:`BETA_PIPELINE` clocks
        after its inputs last changed, see :func:`beta_age`)."""
        linear = Signal(32, name="beta_linear")
        total = Signal(33, name="beta_linear_sum")  # beta_acc + BETA_STEP (as unsigned) with carry
        m.d.comb += total.eq(beta_acc + beta_step)
        step_negative = beta_step[31]
        # a negative step without carry underflowed; a positive one with carry overflowed
        with m.If(step_negative & ~total[32]):
            m.d.sync += linear.eq(0)
        with m.Elif(~step_negative & total[32]):
            m.d.sync += linear.eq(0xFFFFFFFF)
        with m.Else():
            m.d.sync += linear.eq(total[:32])
        # beta_acc * BETA_MULT >> 30 in two stages: four 16 x 16 partial products, then the sum
        a_lo, a_hi = beta_acc[:16], beta_acc[16:]
        b_lo, b_hi = beta_mult[:16], beta_mult[16:]
        # (no reset: a register right after a multiplier, with nothing in between, is
        # folded into the ECP5 MULT18X18D's output register by gen/outreg_fold.py; the
        # age counter below keeps the products unused until they are computed)
        parts = [Signal(32, name=f"beta_part{k}", reset_less=True) for k in range(4)]
        m.d.sync += [
            parts[0].eq(a_lo * b_lo),
            parts[1].eq(a_lo * b_hi),
            parts[2].eq(a_hi * b_lo),
            parts[3].eq(a_hi * b_hi),
        ]
        product = Signal(64, name="beta_product")
        m.d.comb += product.eq(
            parts[0] + Cat(Const(0, 16), parts[1]) + Cat(Const(0, 16), parts[2]) + Cat(Const(0, 32), parts[3])
        )
        geometric = Signal(32, name="beta_geometric")
        top = 32 + BETA_MULT_FRAC
        m.d.sync += geometric.eq(Mux(product[top:].any(), 0xFFFFFFFF, product[BETA_MULT_FRAC:top]))
        scheduled = Signal(32, name="beta_scheduled")
        with m.Switch(beta_mode):
            with m.Case(int(BetaMode.LINEAR)):
                m.d.comb += scheduled.eq(linear)
            with m.Case(int(BetaMode.GEOMETRIC)):
                m.d.comb += scheduled.eq(geometric)
            with m.Default():
                m.d.comb += scheduled.eq(beta_acc)
        return scheduled

    def elaborate(self, platform):
        m = Module()
        spec = self.spec
        ncol = spec.num_colors
        shift_b = spec.beta_frac_bits - spec.beta_mul_frac_bits
        beta_acc, sweeps_left = self.beta_acc, self.sweeps_left
        m.d.comb += [self.beta_m.eq(beta_acc[shift_b:]), self.running.eq(sweeps_left != 0)]
        scheduled = self.scheduled_beta(m, beta_acc, self.beta_mode, self.beta_step, self.beta_mult)

        # A color phase is `window` clocks; with replicas, replica r is issued in clock r
        # of its color's window (the rest of a window lets the pipeline catch up).
        window, reps = spec.color_window, spec.replicas
        phase = Signal(ncol, init=1)  # one-hot: the color of the next update
        slot = Signal(window, init=1)  # one-hot: the clock of the next update in its window
        firing = Signal()  # this clock updates color `phase` (replica `slot`)
        window_end = slot[window - 1]
        issuing = slot[:reps].any() if window > reps else 1
        m.d.comb += [
            self.fire.eq(Mux(firing & issuing, phase, 0)),
            self.replica.eq(slot[:reps]),
            self.sweep_end.eq(firing & phase[ncol - 1] & window_end),
        ]
        slot_next = Mux(firing, Cat(slot[-1], slot[:-1]), slot) if window > 1 else slot
        m.d.comb += self.replica_next.eq(slot_next[:reps])
        with m.If(firing):
            if window > 1:
                m.d.sync += slot.eq(Cat(slot[-1], slot[:-1]))
            with m.If(window_end):
                m.d.sync += phase.eq(Cat(phase[-1], phase[:-1]) if ncol > 1 else phase)
        sweep_end = self.sweep_end
        with m.If(self.sweeps_write):
            m.d.sync += sweeps_left.eq(self.sweeps)
        with m.Elif(sweep_end):
            m.d.sync += sweeps_left.eq(sweeps_left - 1)
        with m.If(sweep_end):
            m.d.sync += self.sweep_count.eq(self.sweep_count + 1)
        with m.If(self.beta_write):
            m.d.sync += beta_acc.eq(self.beta)
        with m.Elif(sweep_end):
            m.d.sync += beta_acc.eq(scheduled)

        scheduling = self.beta_mode != int(BetaMode.CONSTANT)
        changed = self.beta_write | self.schedule_write | (sweep_end & scheduling)
        age = beta_age(m, changed)
        scheduled_valid = age == BETA_PIPELINE

        # the next clock's update, from registered state (and the bus strobes that block it)
        last = phase[ncol - 1] & window_end  # the sweep's last clock
        if window > 1:
            next_is_last = phase[ncol - 1] & slot[window - 2]
        else:
            next_is_last = Cat(phase[-1], phase[:-1])[ncol - 1] if ncol > 1 else last
        # a sweep end needs the scheduled beta; decided a clock ahead, one more clock of age
        end_ok = (age >= BETA_PIPELINE - 1) & ~changed
        same_beta = scheduled[shift_b:] == self.beta_m
        mid_sweep = firing & ~last & (~next_is_last | end_ok)
        single_color_ok = end_ok if ncol * window == 1 else 1
        continue_sweeps = firing & last & (sweeps_left > 1) & scheduled_valid & same_beta & single_color_ok
        tables_ok = self.tables_ready & (self.tables_beta == self.beta_m)
        start = ~firing & self.running & tables_ok & (~last | end_ok)
        blocked = self.hold | self.beta_write | self.sweeps_write | self.schedule_write
        m.d.sync += firing.eq(~blocked & (mid_sweep | continue_sweeps | start))
        return m
