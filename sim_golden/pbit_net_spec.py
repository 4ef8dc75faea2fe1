"""The Spec of the p-bit network (Ising machine): the single source of truth.

``n`` p-bits coupled on a topology fixed at generation (an edge list, or all-to-all
``dense`` for small ``n``); the values of ``h`` and ``J`` are loaded at run time
through the register bus, so one bitstream serves every problem on that graph.

Arithmetic (all integers; the golden model :mod:`.pbit_net` and the gateware
:mod:`spinemu.hdl.pbit_net` implement exactly this)
-------------------------------------------------------------------------------
Physics convention of REFERENCE.md §1: ``E = -(sum h m + sum_{i<j} J m m)``.

* ``h_q`` (``h_bits``) and ``J_q`` (``j_bits``) are two's complement with the same
  ``frac_bits`` fraction bits: ``h = h_q / 2**frac_bits``.
* Local field ``I_i = sat(h_q[i] + sum_{j ~ i} J_q[ij] * m_j)``: the sum is taken at
  full precision (no intermediate can overflow) and then saturated **symmetrically**
  to ``+-(2**(acc_bits - 1) - 1)`` (same ``frac_bits``), never wrapped.
* β lives in the 32-bit register ``beta_acc`` as ``u(32 - beta_frac_bits).beta_frac_bits``.
  The sigmoid sees ``beta_m = beta_acc >> (beta_frac_bits - beta_mul_frac_bits)``,
  i.e. **β is used on the grid of step 2**-beta_mul_frac_bits** (truncated).
* For a field value ``I``, the LUT address is ``a = sat_lut((beta_m * I + 2**(s-1)) >>
  s)`` (round half up; no rounding when ``s = 0``) with ``s = frac_bits +
  beta_mul_frac_bits - lut_frac_bits`` and ``sat_lut`` saturating to ``lut_bits`` two's
  complement: ``a`` is ``β I`` on the grid of step ``2**-lut_frac_bits``
  (:meth:`PBitNetSpec.lut_address`).
* ``LUT[a] = clip(round(2**prob_bits * (1 + tanh(a / 2**lut_frac_bits)) / 2), 1,
  2**prob_bits - 1)``.  With ``r = word >> (word_bits - prob_bits)`` the p-bit's random
  number, ``m_i = +1`` iff ``r < LUT[a(I)]`` (strict).  For the tanh sigmoid
  (``symmetric``: ideal mode, no compensation) the negative half uses the symmetry
  ``P(-I) = 1 - P(I)`` instead: ``m_i = +1`` iff ``(r < LUT[a(|I|)]) XOR (I < 0)``, i.e.
  ``P(m=+1) = 1 - LUT[a(|I|)] / 2**prob_bits`` for ``I < 0``; the gateware then keeps
  one table on ``|I|`` per p-bit.  When ``β h`` and ``β J`` lie on the LUT grid the
  sampler is exact Gibbs of the quantised problem up to the ``2**-prob_bits`` rounding.

How the gateware computes it (:mod:`.pbit_net_tables`): every p-bit holds two small
tables in LUT RAM.  Its *field table*, indexed by the spins of its (at most
:data:`FIELD_GROUP`) neighbours, holds the saturated field already encoded as the
index of its *probability table*, which holds ``LUT[a(I)]`` for the current β.  The
host writes the field tables through a memory window when ``h``/``J`` change; one
shared engine rewrites the probability tables (all p-bits at once when they are
equal) whenever the β in use changes.  A p-bit of degree ``d > FIELD_GROUP`` has
``ceil(d / FIELD_GROUP)`` field tables of partial sums, added before the saturation.
Per-p-bit logic is therefore two table reads, one comparator and the RNG, whatever
the β schedule.

Update order
------------
``update_order = "colored"`` colors the topology with DSATUR
(:func:`~.coloring.dsatur`); ``"sequential"`` gives every p-bit its own color.  One
clock updates every p-bit of one color (all read the same old state: exact Gibbs,
since no two of them are coupled); colors go in turn ``0 .. C-1``; a sweep is ``C``
clocks.  Every p-bit draws exactly one RNG word per sweep (clamped ones too), so
word ``k`` of stream ``i`` is used in sweep ``k`` of p-bit ``i``.

Replicas
--------
With ``replicas = P > 1`` the network runs ``P`` independent chains interleaved: each
p-bit holds ``P`` spins, and each color phase updates replica ``0, 1, .. P - 1`` of
its p-bits in turn, every update an exact Gibbs update of that replica from its own
spins.  A p-bit still has one RNG stream, which steps once per update, so word
``k P + r`` of stream ``i`` is used in sweep ``k`` of replica ``r`` of p-bit ``i``
(clamped p-bits draw their ``P`` words too).  Replicas share ``h``, ``J``, β, the
schedule and the clamps; ``num_reads`` reads run ``ceil(num_reads / P)`` groups of
``P`` replicas, group ``g`` starting where group ``g - 1`` left the streams.  ``P = 1``
is the single chain above.

Clamping: a p-bit with its ``CLAMP_EN`` bit set *is* ``CLAMP_VAL`` (the override
acts on its output, so neighbours always see the clamped value).

β schedule (per sweep, on chip)
-------------------------------
Sweep ``k`` uses ``beta_acc_k``; after each sweep ``beta_acc`` is updated by
``BETA_MODE``: 0 constant; 1 linear ``beta_acc += BETA_STEP`` (signed, saturating to
``0 .. 2**32 - 1``); 2 geometric ``beta_acc = min(2**32 - 1, (beta_acc * BETA_MULT) >>
30)`` (``BETA_MULT`` is ``u2.30``).  Writing ``BETA`` loads ``beta_acc``.
:meth:`PBitNetSpec.beta_registers` turns a float schedule into these registers and
:func:`beta_sequence` gives the β each sweep really uses.

Sigmoid (``mode = "ideal"``)
----------------------------
``sigmoid = "tanh"`` is the table above.  ``sigmoid = "smtj"`` tabulates a calibrated
SMTJ instead: ``LUT[a] = clip(round(2**prob_bits * (1 + tanh(sigmoid_slope * (x *
current_unit - sigmoid_centre))) / 2), 1, 2**prob_bits - 1)`` with ``x = a /
2**lut_frac_bits``: the LUT input ``x = beta I`` drives the device with the current
``I_dev = x * current_unit`` amperes, so one LUT-address LSB is
``current_unit * 2**-lut_frac_bits`` A (:attr:`PBitNetSpec.input_lsb`); see
:mod:`.pbit_spec` and :func:`~.pbit_spec.smtj_sigmoid_fields`.

Per-p-bit input compensation (``compensation = true``)
------------------------------------------------------
Each p-bit gets run-time registers ``GAIN[i]`` (unsigned,
``u(gain_bits - gain_frac_bits).gain_frac_bits``, reset 1.0) and ``OFFSET[i]``
(two's complement, ``offset_bits`` wide, ``offset_frac_bits`` fraction bits in units
of ``current_unit``, reset 0).  They act on the β-scaled local field, before the LUT:
with ``p = beta_m * I_i`` (``F = frac_bits + beta_mul_frac_bits`` fraction bits) and
``G = gain_frac_bits``::

    z = GAIN[i] * p + OFFSET[i] * 2**(F + G - offset_frac_bits)     (exact, no overflow)
    a = sat_lut((z + 2**(s2 - 1)) >> s2),   s2 = lut_shift + G      (no rounding if s2 = 0)

so ``a ~ GAIN * beta I + OFFSET`` on the LUT grid, rounded once and saturated (never
wrapped) to ``lut_bits``.  With the reset values this is exactly the uncompensated
address.  In device units the p-bit's SMTJ sees ``a_i I_dev + b_i`` with
``GAIN = a_i`` and ``OFFSET = b_i / current_unit``: the linear map of
:func:`~.calibration.compensation`, which
:meth:`PBitNetSpec.compensation_registers` turns into register values.

Telegraph mode (``mode = "telegraph"``)
---------------------------------------
Every p-bit is an emulated superparamagnetic MTJ (:class:`~.smtj.SMTJ` with the
``smtj_*`` parameters, one device per p-bit or one shared device) that *holds* its
state and flips with per-update probabilities.  Two tables per device, indexed by the
LUT address ``a`` (device current ``I_dev = (a / 2**lut_frac_bits) * current_unit``):
``FROM_P[a]`` and ``FROM_AP[a]``, the exact one-step transition probabilities of the
device's two-state Markov chain over the emulated time ``telegraph_dt``
(:meth:`~.smtj.SMTJ.flip_probabilities`, ``scheme="exact"``:
``p_P->AP = p_AP (1 - exp(-dt / tau_c))``, ``p_AP->P = (1 - p_AP)(1 - exp(-dt / tau_c))``),
rounded to ``prob_bits`` and clamped to ``[1, 2**prob_bits - 1]``.  On an update,
p-bit ``i`` (state ``m``, ``+1`` = AP) flips iff ``word >> (word_bits - prob_bits) <
(FROM_AP if m = +1 else FROM_P)[a]`` (strict compare, one RNG word per update as in
ideal mode).  A clamped p-bit stays at its clamp value.

Telegraph update order: the colouring is kept.  One sweep (``num_colors`` clocks)
advances every device by ``telegraph_dt`` of emulated time; within a sweep the colour
classes take their step in turn, each seeing its neighbours' current states.  Why not
every p-bit on every clock (the "physical" synchronous picture)?  Coupled p-bits
flipping in the same step see stale neighbour states: the synchronous chain's
stationary distribution is not Boltzmann (an ``O(dt / tau_c)`` bias, and oscillations
for large ``dt``).  With colours, one colour's step is a product of independent
two-state kernels whose stationary law is ``p_AP(I_i)``, i.e. each kernel satisfies
detailed balance with respect to the conditional Boltzmann distribution (for a
compensated device ``p_AP = (1 + tanh(beta I_i)) / 2``), so the network samples the
Boltzmann distribution *exactly* for any ``telegraph_dt``; the dynamics is a
Lie-Trotter splitting of the continuous-time coupled devices, accurate to
``O(dt / tau_c)``, and an isolated device (no couplings) is emulated exactly: mean
state ``p_AP(I)`` and autocorrelation ``exp(-k dt / tau_c)``.  For ``dt >> tau_c`` the
tables tend to ``p_AP`` / ``1 - p_AP`` and telegraph mode becomes ideal Gibbs sampling.
Emulated device time per wall-clock second is ``telegraph_dt * f_clk / num_colors``.

RNG
---
As the p-bit array (:mod:`.rng`): a leaped LFSR (default: 32 bits advancing
``prob_bits`` bits per update, with taps :func:`~.rng.lfsr_default_taps` so that each
new bit is one XOR of old bits) or xoshiro128++ per p-bit; stream ``i`` = master state
jumped ``i * D``.  ``SEED`` shifts a seed chain (:meth:`PBitNetSpec.seed_chain_words`)
so any master seed loads at run time: an LFSR moves ``lfsr_leap`` bits per shift (its
leap's own shift path), xoshiro128++ one 32-bit word.

LFSR streams of one polynomial are shifted copies of one sequence, about
``(2**32 - 1) / n`` single-bit shifts apart (:meth:`~.rng.LFSRModel.stream_distance`):
p-bit ``i + 1`` replays p-bit ``i``'s numbers after
``(2**32 - 1) / (n * lfsr_leap)`` sweeps (65,535 sweeps for 4,096 p-bits at a leap of
16).  Runs longer than that should use ``rng = "xoshiro128pp"`` (128 flip-flops per
p-bit instead of 32).
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, fields
from functools import cached_property

import numpy as np

from .coloring import dsatur
from .pbit_spec import SigmoidKind, smtj_sigmoid
from .rng import LFSRModel, RNGKind, RNGModel, Xoshiro128ppModel, lfsr_default_taps
from .smtj import SMTJ
from .validate import (
    SpecError,
    check_bool,
    check_enum,
    check_float,
    check_int,
    check_lfsr_leap,
    check_lfsr_taps,
)

__all__ = [
    "PBitNetSpec",
    "BetaMultError",
    "PBitMode",
    "UpdateOrder",
    "telegraph_fields",
    "BetaMode",
    "PBIT_NET_IDENT",
    "MAX_NET_PBITS",
    "MAX_DENSE_PBITS",
    "MAX_STREAMING_DENSE_PBITS",
    "BETA_MULT_FRAC",
    "MAX_ACC_BITS",
    "FIELD_GROUP",
    "MAX_REPLICAS",
    "REPLICA_STAGES",
    "Fabric",
    "MAX_LANES",
    "DEFAULT_LANES",
    "DEFAULT_SAMPLE_BUFFER_DEPTH",
    "beta_sequence",
    "MachinePlace",
]

#: Value of the ``ID`` register of the p-bit network core ("PBNT").
PBIT_NET_IDENT = 0x50424E54
#: Largest network the generator accepts.
MAX_NET_PBITS = 1 << 20
#: Largest all-to-all network.
MAX_DENSE_PBITS = 64
#: Fraction bits of ``BETA_MULT`` (geometric schedule ratio, u2.30).
BETA_MULT_FRAC = 30
#: Widest saturated local field: the probability table of a p-bit has up to
#: ``2**(acc_bits + 1)`` entries, so each bit doubles its LUT RAM.
MAX_ACC_BITS = 10
#: Neighbours per field table: a table on ``FIELD_GROUP`` spins has 64 entries, one
#: LUT6 deep in LUT RAM.
FIELD_GROUP = 6
#: Most interleaved chains (spins per p-bit) a network runs.
MAX_REPLICAS = 8
#: Clocks from issuing a replica's update to writing its spin when ``replicas > 1``:
#: the neighbours' spins are registered at the p-bit, then its field code, then the
#: comparison (table read and compare), then the spin, so no path crosses the fabric
#: and two tables at once, and none runs from the comparator to a distant neighbour.
REPLICA_STAGES = 4

_U32 = (1 << 32) - 1


#: Most lanes of the multiplexed fabric (a register word holds one group of lane spins).
MAX_LANES = 32
#: Lanes of the multiplexed fabric when the Spec does not say.
DEFAULT_LANES = 8
#: Most p-bits of a ``dense`` network on the streaming fabric (on the others:
#: :data:`MAX_DENSE_PBITS`).
MAX_STREAMING_DENSE_PBITS = 4096
#: Capture-buffer depth of the parallel fabric when the Spec does not say.
DEFAULT_SAMPLE_BUFFER_DEPTH = 16


class Fabric(enum.Enum):
    """How the gateware holds the network (see :mod:`.pbit_net_mux` for the multiplexed one)."""

    #: Every p-bit its own logic; a color updates in one clock.
    PARALLEL = "parallel"
    #: ``lanes`` update units; weights, spins and RNG states in memories.
    MULTIPLEXED = "multiplexed"
    #: One p-bit at a time, its row of ``J`` streamed from memory ``lanes`` couplings a
    #: clock (dense graphs; :mod:`.pbit_net_streaming`).
    STREAMING = "streaming"


@dataclass(frozen=True)
class MachinePlace:
    """Where one device's network sits in a machine of several (:mod:`.pbit_net_device`).

    The device's p-bits are p-bits ``ids`` of the machine's network: they draw the
    machine's RNG streams (``machine_pbits`` of them) and update in the machine's color
    phases.  Indices ``n .. n + ghosts - 1`` of the device's edges are *ghosts*: the
    spins of remote neighbours, inputs of the gateware refreshed by the exchange
    (:mod:`.pbit_net_partition`).

    Attributes
    ----------
    machine_pbits : int
    ids : tuple of int
        Machine index of each of the device's p-bits.
    colors : tuple of int
        Machine color of each of the device's p-bits.
    num_colors : int
        Colors (phases of a sweep) of the machine.
    ghosts : int
    """

    machine_pbits: int
    ids: tuple
    colors: tuple
    num_colors: int
    ghosts: int

    def __post_init__(self):
        check_int("place.machine_pbits", self.machine_pbits, 1, MAX_NET_PBITS)
        check_int("place.num_colors", self.num_colors, 1, MAX_NET_PBITS)
        check_int("place.ghosts", self.ghosts, 0, MAX_NET_PBITS)
        for name, hi in (("ids", self.machine_pbits - 1), ("colors", self.num_colors - 1)):
            v = tuple(getattr(self, name))
            for k, x in enumerate(v):
                check_int(f"place.{name}[{k}]", x, 0, hi)
            object.__setattr__(self, name, v)
        if len(self.ids) != len(self.colors) or len(set(self.ids)) != len(self.ids):
            raise SpecError("place.ids", "...", "distinct machine indices, one color each")

    def to_dict(self) -> dict:
        return {"machine_pbits": self.machine_pbits, "ids": list(self.ids), "colors": list(self.colors),
                "num_colors": self.num_colors, "ghosts": self.ghosts}  # fmt: skip


class UpdateOrder(enum.Enum):
    """How p-bits are grouped into clocks."""

    COLORED = "colored"
    SEQUENTIAL = "sequential"


class PBitMode(enum.Enum):
    """What a p-bit is: an ideal sigmoid sampler or an emulated telegraph device."""

    IDEAL = "ideal"
    TELEGRAPH = "telegraph"


_SMTJ_FIELDS = ("smtj_tau0", "smtj_delta", "smtj_ic", "smtj_offset")


def telegraph_fields(devices, *, dt: float, current_unit: float | None = None) -> dict:
    """Spec keyword arguments for ``mode = "telegraph"`` emulating given devices.

    Parameters
    ----------
    devices : SMTJ, SMTJPopulation or sequence of SMTJ
        One device shared by every p-bit, or one per p-bit (a population of ``n``).
    dt : float
        Emulated device time per sweep (s), > 0.
    current_unit : float, optional
        Amperes per unit of ``beta * I``; default ``ic / delta`` of the (nominal)
        device, so that the ideal device follows ``tanh(beta I)``.

    Returns
    -------
    dict
        ``mode``, ``telegraph_dt``, ``current_unit`` and the ``smtj_*`` fields
        (scalars for one device, tuples for several).

    Raises
    ------
    ValueError
        A device with a non-zero easy-axis field (the Spec has no field term; it
        changes barrier and slope together and cannot be folded into the offset).
    """
    nominal = getattr(devices, "nominal", None)
    devs = list(getattr(devices, "devices", [devices] if isinstance(devices, SMTJ) else devices))
    if not devs or not all(isinstance(d, SMTJ) for d in devs):
        raise ValueError(f"devices must be an SMTJ, an SMTJPopulation or SMTJs, not {devices!r}")
    for d in devs:
        if d.h_field != 0.0:
            raise ValueError(f"device field h_field must be 0 in a telegraph Spec, not {d.h_field!r}")
    ref = nominal if nominal is not None else devs[0]
    cu = ref.ic / ref.delta if current_unit is None else current_unit
    out = {"mode": "telegraph", "telegraph_dt": dt, "current_unit": cu}
    for name, attr in zip(_SMTJ_FIELDS, ("tau0", "delta", "ic", "offset"), strict=True):
        vals = tuple(float(getattr(d, attr)) for d in devs)
        out[name] = vals[0] if len(vals) == 1 else vals
    return out


class BetaMode(enum.IntEnum):
    """Values of the ``BETA_MODE`` register."""

    CONSTANT = 0
    LINEAR = 1
    GEOMETRIC = 2


def beta_sequence(start: int, mode: int, step: int, mult: int, num_sweeps: int) -> list[int]:
    """The ``beta_acc`` value of every sweep (exactly the gateware's update rule).

    Parameters
    ----------
    start : int
        ``BETA`` (u32).
    mode : int
        ``BETA_MODE`` (:class:`BetaMode`).
    step : int
        ``BETA_STEP`` as a signed integer.
    mult : int
        ``BETA_MULT`` (u2.30).
    num_sweeps : int
    """
    out = []
    acc = int(start)
    for _ in range(num_sweeps):
        out.append(acc)
        if mode == BetaMode.LINEAR:
            acc = min(max(acc + int(step), 0), _U32)
        elif mode == BetaMode.GEOMETRIC:
            acc = min((acc * int(mult)) >> BETA_MULT_FRAC, _U32)
    return out


def _canonical_edges(n: int, edges) -> tuple[tuple[int, int], ...]:
    """Sorted ``i < j`` pairs without duplicates; vectorised for an integer ``(E, 2)`` array
    (a 10^6-p-bit lattice's 3 x 10^6 edges), pair by pair otherwise (precise errors)."""
    arr = None
    if isinstance(edges, np.ndarray) and np.issubdtype(edges.dtype, np.integer) and edges.ndim == 2:
        arr = edges.astype(np.int64, copy=False)
    if arr is None or arr.shape[1] != 2:
        out = set()
        for k, e in enumerate(edges):
            try:
                i, j = (int(x) for x in e)
            except (TypeError, ValueError):
                raise SpecError(f"edges[{k}]", e, "a pair of p-bit indices") from None
            if not (0 <= i < n and 0 <= j < n) or i == j:
                raise SpecError(f"edges[{k}]", tuple(e), f"two different indices in 0..{n - 1}")
            out.add((min(i, j), max(i, j)))
        return tuple(sorted(out))
    bad = (arr < 0).any(axis=1) | (arr >= n).any(axis=1) | (arr[:, 0] == arr[:, 1])
    if bad.any():
        k = int(np.argmax(bad))
        raise SpecError(f"edges[{k}]", tuple(arr[k].tolist()), f"two different indices in 0..{n - 1}")
    pairs = np.unique(np.sort(arr, axis=1), axis=0)  # sorted rows: lexicographic order
    return tuple(map(tuple, pairs.tolist()))


class BetaMultError(ValueError):
    """A geometric schedule whose per-sweep ratio the ``BETA_MULT`` register cannot hold
    (software can still run it by loading β sweep by sweep)."""


@dataclass(frozen=True, kw_only=True)
class PBitNetSpec:
    """Spec of a network of ``n`` coupled p-bits.

    Parameters
    ----------
    n : int
        Number of p-bits, 1..65536 (1..64 when ``dense``, 1..4096 dense on the streaming fabric).
    edges : tuple of (int, int) or None
        The couplings present in the hardware (0-based, any degree).  Normalised to
        sorted ``i < j`` pairs without duplicates.  ``None`` with ``dense=True``.
    dense : bool
        All-to-all coupling (``edges`` is then every pair).
    h_bits, j_bits : int
        Two's-complement widths of ``h`` and ``J`` (2..10; default 6, the s4.1 of
        published p-computers with ``frac_bits = 1``).
    acc_bits : int or None
        Width of the saturated local field (``max(h_bits, j_bits)`` ..
        :data:`MAX_ACC_BITS`; default ``max(h_bits, j_bits)``).  Each extra bit doubles
        every p-bit's probability table.
    frac_bits : int
        Fraction bits shared by ``h``, ``J`` and the field (default 1).
    beta_frac_bits : int
        Fraction bits of the 32-bit β register ``beta_acc`` (8..30).
    beta_mul_frac_bits : int
        Fraction bits of β at the multiplier (1..``beta_frac_bits``): the β grid.
    lut_bits, lut_frac_bits : int
        LUT address width (2..14) and fraction bits of ``β I`` at the address.
    prob_bits : int
        LUT entry / compared random number width.
    rng, lfsr_width, lfsr_taps, lfsr_leap : see :class:`~.pbit_spec.PBitArraySpec`
        Here ``rng`` defaults to ``"lfsr"``, ``lfsr_leap`` to ``prob_bits`` (every
        compared number is made of fresh bits; at most ``lfsr_width``) and
        ``lfsr_taps`` to :func:`~.rng.lfsr_default_taps`.
    update_order : UpdateOrder or str
        ``"colored"`` (DSATUR) or ``"sequential"``.
    sample_buffer_depth : int or None
        Per-sweep samples kept in the on-chip capture buffer (0 = no buffer, max 4096;
        one per replica per sweep, so 0 or at least ``replicas``).  Default
        :data:`DEFAULT_SAMPLE_BUFFER_DEPTH` on the parallel fabric, 0 (none) on the
        multiplexed one, whose samples leave through the ``sample`` stream only.
    seed : int
        Master seed of the RNG streams baked in as the reset state.
    mode : PBitMode or str
        ``"ideal"`` (sigmoid sampler) or ``"telegraph"`` (emulated SMTJs; module docstring).
    sigmoid : SigmoidKind or str
        Ideal mode LUT: ``"tanh"`` or ``"smtj"`` (``sigmoid_centre``/``sigmoid_slope``).
    sigmoid_centre, sigmoid_slope : float
        A calibrated device's sigmoid: centre (A, finite) and slope (1/A, > 0).
    current_unit : float
        Amperes of device current per unit of the LUT input ``beta I`` (> 0).
    smtj_tau0, smtj_delta, smtj_ic, smtj_offset : float or tuple of float
        Telegraph mode devices (:class:`~.smtj.SMTJ` ``tau0``, ``delta``, ``ic``,
        ``offset``): one value for every p-bit or a tuple of ``n`` (device spread).
    telegraph_dt : float
        Emulated device time per sweep (s), > 0.
    compensation : bool
        Per-p-bit gain and offset before the LUT (written through the ``COMP_*``
        window; see the module docstring).
    gain_bits, gain_frac_bits : int
        Width (2..16) and fraction bits (0..gain_bits) of the unsigned ``GAIN``.
    offset_bits, offset_frac_bits : int
        Width (2..24) and fraction bits (0..``frac_bits + beta_mul_frac_bits +
        gain_frac_bits``) of the signed ``OFFSET`` (units of ``current_unit``).
    replicas : int
        Independent chains the network runs interleaved, 1..:data:`MAX_REPLICAS`
        (default 1).  Each p-bit keeps one spin per replica and one RNG: in every color
        phase it updates replica 0, 1, ... ``replicas - 1`` on consecutive clocks, each
        update taking the next word of its stream (see the module docstring).
    fabric : Fabric or str
        ``"parallel"`` (default: every p-bit its own logic) or ``"multiplexed"``
        (``lanes`` update units reading weights, spins and RNG states from memories;
        same samples, see :mod:`.pbit_net_mux`) or ``"streaming"`` (one p-bit at a
        time, its row of ``J`` read from block RAM ``lanes`` couplings per clock: dense
        graphs, :mod:`.pbit_net_streaming`).  Both run one chain (``replicas = 1``) of
        ideal p-bits without compensation.
    lanes : int or None
        Update units of the multiplexed fabric, couplings per clock of the streaming one:
        a power of two in 1..:data:`MAX_LANES` (default :data:`DEFAULT_LANES`); ``None``
        on the parallel fabric.
    place : MachinePlace or None
        The device's place in a machine of several (:mod:`.pbit_net_device`): its
        colors and RNG streams are the machine's, and its edges may reach ``ghosts``
        spin inputs.  ``None`` (default): a network of its own.
    """

    n: int
    edges: tuple | None = None
    dense: bool = False
    h_bits: int = 6
    j_bits: int = 6
    acc_bits: int | None = None
    frac_bits: int = 1
    beta_frac_bits: int = 24
    beta_mul_frac_bits: int = 10
    lut_bits: int = 10
    lut_frac_bits: int = 6
    prob_bits: int = 16
    rng: RNGKind = RNGKind.LFSR
    lfsr_width: int = 32
    lfsr_taps: tuple[int, ...] | None = None
    lfsr_leap: int | None = None
    update_order: UpdateOrder = UpdateOrder.COLORED
    sample_buffer_depth: int | None = None
    seed: int = 1
    mode: PBitMode = PBitMode.IDEAL
    sigmoid: SigmoidKind = SigmoidKind.TANH
    sigmoid_centre: float = 0.0
    sigmoid_slope: float = 1.0e5
    current_unit: float = 1.0e-5
    smtj_tau0: float | tuple = 1.0e-9
    smtj_delta: float | tuple = 10.0
    smtj_ic: float | tuple = 100e-6
    smtj_offset: float | tuple = 0.0
    telegraph_dt: float = 1.0e-6
    compensation: bool = False
    gain_bits: int = 12
    gain_frac_bits: int = 10
    offset_bits: int = 12
    offset_frac_bits: int = 8
    replicas: int = 1
    fabric: Fabric = Fabric.PARALLEL
    lanes: int | None = None
    place: MachinePlace | None = None

    def __post_init__(self):
        set_ = object.__setattr__
        if self.place is not None and not isinstance(self.place, MachinePlace):
            raise SpecError("place", self.place, "a MachinePlace or None")
        if not isinstance(self.dense, bool):
            raise SpecError("dense", self.dense, "true or false")
        set_(self, "fabric", check_enum("fabric", self.fabric, Fabric))
        dense_max = MAX_STREAMING_DENSE_PBITS if self.fabric is Fabric.STREAMING else MAX_DENSE_PBITS
        if self.dense and isinstance(self.n, int) and MAX_DENSE_PBITS < self.n <= MAX_STREAMING_DENSE_PBITS:
            if self.fabric is not Fabric.STREAMING:
                raise SpecError(
                    "n",
                    self.n,
                    f"1..{MAX_DENSE_PBITS} when dense "
                    f'(up to {MAX_STREAMING_DENSE_PBITS} on fabric = "streaming")',
                )
        check_int("n", self.n, 1, dense_max if self.dense else MAX_NET_PBITS)
        if self.dense:
            if self.edges is not None:
                raise SpecError("edges", "...", "None when dense is true (every pair is coupled)")
            edges = tuple((i, j) for i in range(self.n) for j in range(i + 1, self.n))
        else:
            if self.edges is None:
                raise SpecError("edges", None, "an edge list (or dense = true)")
            edges = _canonical_edges(self.n + self.ghosts, self.edges)
        set_(self, "edges", edges)
        check_int("h_bits", self.h_bits, 2, MAX_ACC_BITS)
        check_int("j_bits", self.j_bits, 2, MAX_ACC_BITS)
        if self.acc_bits is None:
            set_(self, "acc_bits", max(self.h_bits, self.j_bits))
        check_int("acc_bits", self.acc_bits, max(self.h_bits, self.j_bits), MAX_ACC_BITS)
        check_int("frac_bits", self.frac_bits, 0, min(self.h_bits, self.j_bits) - 1)
        check_int("beta_frac_bits", self.beta_frac_bits, 8, 30)
        check_int("beta_mul_frac_bits", self.beta_mul_frac_bits, 1, self.beta_frac_bits)
        check_int("lut_bits", self.lut_bits, 2, 14)
        check_int("lut_frac_bits", self.lut_frac_bits, 0, self.frac_bits + self.beta_mul_frac_bits)
        set_(self, "rng", check_enum("rng", self.rng, RNGKind))
        check_int("lfsr_width", self.lfsr_width, 3, 32)
        word_bits = self.lfsr_width if self.rng is RNGKind.LFSR else 32
        check_int("prob_bits", self.prob_bits, 2, min(32, word_bits))
        if self.lfsr_leap is None:
            set_(self, "lfsr_leap", self.prob_bits if self.rng is RNGKind.LFSR else self.lfsr_width)
        check_lfsr_leap("lfsr_leap", self.lfsr_leap, self.lfsr_width, self.lfsr_width)
        period = (1 << self.lfsr_width) - 1
        if self.lfsr_taps is None:
            set_(self, "lfsr_taps", lfsr_default_taps(self.lfsr_width, self.lfsr_leap))
        else:
            set_(self, "lfsr_taps", check_lfsr_taps("lfsr_taps", self.lfsr_taps, self.lfsr_width))
        if self.rng is RNGKind.LFSR and self.stream_count > period:
            raise SpecError(
                "n", self.stream_count, f"at most {period} streams for a {self.lfsr_width}-bit LFSR"
            )
        set_(self, "update_order", check_enum("update_order", self.update_order, UpdateOrder))
        if self.sample_buffer_depth is None:
            set_(self, "sample_buffer_depth", 0 if self.multiplexed else DEFAULT_SAMPLE_BUFFER_DEPTH)
        check_int("sample_buffer_depth", self.sample_buffer_depth, 0, 4096)
        check_int("seed", self.seed, 0, (1 << 64) - 1)
        set_(self, "mode", check_enum("mode", self.mode, PBitMode))
        set_(self, "sigmoid", check_enum("sigmoid", self.sigmoid, SigmoidKind))
        set_(self, "sigmoid_centre", check_float("sigmoid_centre", self.sigmoid_centre))
        set_(self, "sigmoid_slope", check_float("sigmoid_slope", self.sigmoid_slope, 0.0, lo_open=True))
        set_(self, "current_unit", check_float("current_unit", self.current_unit, 0.0, lo_open=True))
        for name in _SMTJ_FIELDS:
            set_(self, name, self._device_values(name, getattr(self, name), name != "smtj_offset"))
        set_(self, "telegraph_dt", check_float("telegraph_dt", self.telegraph_dt, 0.0, lo_open=True))
        check_bool("compensation", self.compensation)
        check_int("gain_bits", self.gain_bits, 2, 16)
        check_int("gain_frac_bits", self.gain_frac_bits, 0, self.gain_bits)
        check_int("offset_bits", self.offset_bits, 2, 24)
        f_all = self.frac_bits + self.beta_mul_frac_bits + self.gain_frac_bits
        check_int("offset_frac_bits", self.offset_frac_bits, 0, f_all)
        if self.compensation:
            # golden arithmetic in int64: |GAIN * beta_m * I| < 2**(acc + beta_mul + gain - 1)
            if self.acc_bits + self.beta_mul_bits + self.gain_bits > 62:
                raise SpecError(
                    "gain_bits",
                    self.gain_bits,
                    f"at most {62 - self.acc_bits - self.beta_mul_bits} (acc_bits + beta_mul_bits + "
                    "gain_bits must be <= 62)",
                )
            if self.offset_bits - 1 + f_all - self.offset_frac_bits > 61:
                raise SpecError("offset_bits", self.offset_bits, "a narrower offset (int64 overflow)")
        check_int("replicas", self.replicas, 1, MAX_REPLICAS)
        if 0 < self.sample_buffer_depth < self.replicas:
            raise SpecError(
                "sample_buffer_depth",
                self.sample_buffer_depth,
                f"0 or at least replicas = {self.replicas} (a sweep captures one sample per replica)",
            )
        if self.mode is PBitMode.TELEGRAPH:
            self.telegraph_luts  # noqa: B018 - evaluate now: bad device values raise here
        self._check_fabric()
        self._check_place()

    def _check_place(self):
        """A device of a machine: the parallel fabric, one chain, machine colors."""
        pl = self.place
        if pl is None:
            return
        if len(pl.ids) != self.n:
            raise SpecError("place.ids", f"{len(pl.ids)} indices", f"one per p-bit (n = {self.n})")
        for name, value, ok, allowed in (
            ("fabric", self.fabric.value, self.fabric is Fabric.PARALLEL,
             '"parallel" on a device of a machine'),
            ("replicas", self.replicas, self.replicas == 1, "1 on a device of a machine"),
            ("dense", self.dense, not self.dense, "false on a device of a machine"),
            ("update_order", self.update_order.value, self.update_order is UpdateOrder.COLORED,
             '"colored" on a device of a machine'),
        ):  # fmt: skip
            if not ok:
                raise SpecError(name, value, allowed)
        e = self.edge_array
        ghost_pair = (e >= self.n).all(axis=1)
        if ghost_pair.any():
            k = int(np.argmax(ghost_pair))
            raise SpecError(f"edges[{k}]", self.edges[k], "an edge with one of the device's own p-bits")
        own = (e < self.n).all(axis=1)
        c = np.asarray(pl.colors)
        clash = own & (c[np.minimum(e[:, 0], self.n - 1)] == c[np.minimum(e[:, 1], self.n - 1)])
        if clash.any():
            k = int(np.argmax(clash))
            raise SpecError("place.colors", self.edges[k], "different colors for coupled p-bits")

    @property
    def ghosts(self) -> int:
        """Spin inputs of a device of a machine (edge indices ``n ..``; 0 otherwise)."""
        return 0 if self.place is None else self.place.ghosts

    @property
    def stream_count(self) -> int:
        """RNG streams the master seed is split into: the machine's p-bits, or ``n``."""
        return self.n if self.place is None else self.place.machine_pbits

    def _check_fabric(self):
        """``lanes`` and what the multiplexed fabric does not (yet) implement."""
        if self.fabric is Fabric.PARALLEL:
            if self.lanes is not None:
                raise SpecError(
                    "lanes",
                    self.lanes,
                    'unset on the parallel fabric (lanes need fabric = "multiplexed" or "streaming")',
                )
            return
        if self.lanes is None:
            object.__setattr__(self, "lanes", DEFAULT_LANES)
        check_int("lanes", self.lanes, 1, MAX_LANES)
        if self.lanes & (self.lanes - 1):
            raise SpecError("lanes", self.lanes, f"a power of two in 1..{MAX_LANES}")
        on = f"on the {self.fabric.value} fabric"
        unsupported = (
            ("replicas", self.replicas, self.replicas != 1, f"1 {on}"),
            ("mode", self.mode.value, self.mode is not PBitMode.IDEAL, f'"ideal" {on}'),
            ("compensation", self.compensation, self.compensation, f"false {on}"),
            (
                "sample_buffer_depth",
                self.sample_buffer_depth,
                self.sample_buffer_depth != 0,
                f"0 {on} (samples leave through the sample stream)",
            ),
        )
        for name, value, bad, allowed in unsupported:
            if bad:
                raise SpecError(name, value, allowed)

    def _device_values(self, name: str, value, positive: bool):
        """A device parameter: a number for every p-bit, or a tuple of ``n`` numbers."""
        lo = 0.0 if positive else None
        if isinstance(value, (list, tuple, np.ndarray)):
            vals = tuple(value)
            if len(vals) != self.n:
                raise SpecError(name, value, f"a number or a list of n = {self.n} numbers")
            return tuple(check_float(f"{name}[{k}]", v, lo, lo_open=positive) for k, v in enumerate(vals))
        return check_float(name, value, lo, lo_open=positive)

    # -- topology ---------------------------------------------------------------------
    @property
    def num_edges(self) -> int:
        return len(self.edges)

    @cached_property
    def edge_array(self) -> np.ndarray:
        """Edges as an ``(E, 2)`` int64 array (row ``e`` is coupling register ``J[e]``)."""
        return np.asarray(self.edges, dtype=np.int64).reshape(-1, 2)

    @cached_property
    def edge_index(self) -> dict:
        """``(i, j)`` with ``i < j`` -> index of its ``J`` register."""
        return {e: k for k, e in enumerate(self.edges)}

    @cached_property
    def neighbours(self) -> tuple[tuple[tuple[int, int], ...], ...]:
        """For each p-bit, its ``(neighbour, edge index)`` pairs in edge order."""
        nb = [[] for _ in range(self.n + self.ghosts)]
        for k, (i, j) in enumerate(self.edges):
            nb[i].append((j, k))
            nb[j].append((i, k))
        return tuple(tuple(x) for x in nb[: self.n])

    @property
    def max_degree(self) -> int:
        return max((len(x) for x in self.neighbours), default=0)

    @cached_property
    def colors(self) -> np.ndarray:
        """Color (update slot) of every p-bit, ``0 .. num_colors - 1``."""
        if self.place is not None:
            c = np.asarray(self.place.colors, dtype=np.int64)
        elif self.update_order is UpdateOrder.SEQUENTIAL or self.dense:
            c = np.arange(self.n, dtype=np.int64)  # (DSATUR's coloring of a complete graph)
        else:
            c = dsatur(self.n, self.edge_array)
        c.flags.writeable = False
        return c

    @property
    def num_colors(self) -> int:
        return self.place.num_colors if self.place is not None else int(self.colors.max()) + 1

    @property
    def color_window(self) -> int:
        """Clocks of one color phase: 1 for a single chain; with replicas
        ``max(replicas, REPLICA_STAGES)``, so that replica ``r`` of the next color is
        issued only once replica ``r`` of this one has been written."""
        return 1 if self.replicas == 1 else max(self.replicas, REPLICA_STAGES)

    @property
    def multiplexed(self) -> bool:
        """Whether the network lives in memories, updated a group or a p-bit at a time: the
        multiplexed (:mod:`.pbit_net_mux`) or the streaming (:mod:`.pbit_net_streaming`)
        fabric.  Both have register words of ``lanes`` slots and a ``sample`` stream."""
        return self.fabric is not Fabric.PARALLEL

    @property
    def streaming(self) -> bool:
        """Whether this is the streaming fabric (:mod:`.pbit_net_streaming`)."""
        return self.fabric is Fabric.STREAMING

    @cached_property
    def mux_layout(self):
        """Slots and words of a memory fabric: :func:`~.pbit_net_mux.mux_layout` (groups,
        neighbour tables) or :func:`~.pbit_net_streaming.stream_layout`."""
        if self.streaming:
            from .pbit_net_streaming import stream_layout

            return stream_layout(self)
        from .pbit_net_mux import mux_layout

        return mux_layout(self)

    @property
    def sweep_cycles(self) -> int:
        """Clocks in which every replica completes one sweep (steady state, constant β)."""
        if self.multiplexed:
            return self.mux_layout.sweep_cycles
        return self.num_colors * self.color_window

    # -- RNG (as the p-bit array) ---------------------------------------------------
    @cached_property
    def rng_model(self) -> RNGModel:
        if self.rng is RNGKind.LFSR:
            return LFSRModel(width=self.lfsr_width, taps=self.lfsr_taps, leap=self.lfsr_leap)
        return Xoshiro128ppModel()

    @property
    def word_bits(self) -> int:
        return self.rng_model.word_bits

    def rng_states(self, seed: int | None = None) -> np.ndarray:
        """Initial RNG states ``(n, state_words)`` for ``seed`` (default: the Spec's)."""
        states = self.rng_model.stream_states(self.seed if seed is None else seed, self.stream_count)
        return states if self.place is None else np.ascontiguousarray(states[list(self.place.ids)])

    @property
    def chain_bits(self) -> int:
        """Bits one ``SEED`` write shifts into the seed chain: ``lfsr_leap`` or 32 (xoshiro)."""
        return self.lfsr_leap if self.rng is RNGKind.LFSR else 32

    def seed_chain_words(self, seed: int) -> list[int]:
        """Values to write, in order, to ``SEED`` to load master ``seed``'s streams.

        The chain is one shift register of ``n * state_bits`` bits (p-bit ``i``'s state at
        bits ``i * state_bits ..``, word 0 lowest) that every write moves up by
        :attr:`chain_bits`, filling the bottom from ``SEED``.  Enough words are written
        to push the whole target in; the first ones partly fall off the far end.
        """
        states = self.rng_states(seed)
        width = self.lfsr_width if self.rng is RNGKind.LFSR else self.rng_model.state_bits
        target = 0
        for i, st in enumerate(states.tolist()):
            value = 0
            for k, w in enumerate(st):
                value |= int(w) << (32 * k)
            target |= value << (width * i)
        cb = self.chain_bits
        shifts = -(-(self.n * width) // cb)
        mask = (1 << cb) - 1
        return [(target >> (cb * (shifts - t))) & mask for t in range(1, shifts + 1)]

    # -- fixed point ----------------------------------------------------------------
    @staticmethod
    def _range(bits: int) -> tuple[int, int]:
        return -(1 << (bits - 1)), (1 << (bits - 1)) - 1

    @property
    def h_range(self) -> tuple[float, float]:
        lo, hi = self._range(self.h_bits)
        return lo / (1 << self.frac_bits), hi / (1 << self.frac_bits)

    @property
    def j_range(self) -> tuple[float, float]:
        lo, hi = self._range(self.j_bits)
        return lo / (1 << self.frac_bits), hi / (1 << self.frac_bits)

    @property
    def field_limit(self) -> int:
        """Symmetric saturation limit of the local field: ``2**(acc_bits - 1) - 1`` (raw)."""
        return (1 << (self.acc_bits - 1)) - 1

    @property
    def acc_range(self) -> tuple[int, int]:
        """Saturation limits of the local field, raw integers (symmetric)."""
        return -self.field_limit, self.field_limit

    @property
    def symmetric(self) -> bool:
        """Whether ``P(-I) = 1 - P(I)`` is used: ideal tanh sigmoid without compensation."""
        return self.mode is PBitMode.IDEAL and self.sigmoid is SigmoidKind.TANH and not self.compensation

    @property
    def broadcast_tables(self) -> bool:
        """Whether every p-bit's probability table is the same (one engine write serves all)."""
        if self.compensation:
            return False
        return self.mode is PBitMode.IDEAL or self.telegraph_shared

    @property
    def lut_shift(self) -> int:
        """``s``: right shift from ``beta_m * I`` to the LUT address."""
        return self.frac_bits + self.beta_mul_frac_bits - self.lut_frac_bits

    @property
    def beta_mul_bits(self) -> int:
        """Width of ``beta_m`` (unsigned)."""
        return 32 - (self.beta_frac_bits - self.beta_mul_frac_bits)

    @property
    def beta_max(self) -> float:
        return _U32 / float(1 << self.beta_frac_bits)

    def quantize(self, values, bits: int, what: str, names=None) -> np.ndarray:
        """Round real values to the ``frac_bits`` grid (half away from zero).

        Raises
        ------
        ValueError
            For a non-finite value or one outside the ``bits`` range, naming the
            element (``names[k]`` when given) and the limit.
        """
        arr = np.asarray(values, dtype=np.float64).reshape(-1)
        scale = 1 << self.frac_bits
        q = np.sign(arr) * np.floor(np.abs(arr) * scale + 0.5)
        lo, hi = self._range(bits)
        bad = ~np.isfinite(arr) | (q < lo) | (q > hi)
        if bad.any():
            k = int(np.argmax(bad))
            name = names[k] if names is not None else k
            raise ValueError(
                f"{what} of {name!r} is {float(arr[k])!r}, outside the hardware range "
                f"[{lo / scale}, {hi / scale}] ({bits}-bit two's complement with "
                f"{self.frac_bits} fraction bits)"
            )
        return q.astype(np.int64)

    @cached_property
    def lut(self) -> np.ndarray:
        """LUT contents indexed by the raw ``lut_bits`` address bits (uint32)."""
        size = 1 << self.lut_bits
        raw = np.arange(size)
        signed = np.where(raw >= size // 2, raw - size, raw)
        x = signed / float(1 << self.lut_frac_bits)
        if self.sigmoid is SigmoidKind.SMTJ:
            p = smtj_sigmoid(
                x, centre=self.sigmoid_centre, slope=self.sigmoid_slope, current_unit=self.current_unit
            )
        else:
            p = 0.5 * (1.0 + np.tanh(x))
        return self._quantize_prob(p)

    def _quantize_prob(self, p) -> np.ndarray:
        q = np.clip(np.floor(np.asarray(p) * (1 << self.prob_bits) + 0.5), 1, (1 << self.prob_bits) - 1)
        return q.astype(np.uint32)

    @property
    def lut_inputs(self) -> np.ndarray:
        """``x = a / 2**lut_frac_bits`` (``beta I``) of every raw LUT address ``a``."""
        size = 1 << self.lut_bits
        raw = np.arange(size)
        return np.where(raw >= size // 2, raw - size, raw) / float(1 << self.lut_frac_bits)

    @property
    def input_lsb(self) -> float:
        """Device current (A) of one LUT-address LSB: ``current_unit * 2**-lut_frac_bits``."""
        return self.current_unit / float(1 << self.lut_frac_bits)

    # -- telegraph mode -----------------------------------------------------------------
    @cached_property
    def device_params(self) -> np.ndarray:
        """``(n, 4)`` array of every p-bit's device ``(tau0, delta, ic, offset)``."""
        cols = [np.broadcast_to(np.asarray(getattr(self, f), np.float64), (self.n,)) for f in _SMTJ_FIELDS]
        out = np.stack(cols, axis=1)
        out.flags.writeable = False
        return out

    @property
    def telegraph_shared(self) -> bool:
        """Whether every p-bit emulates the same device (one pair of tables for all)."""
        return bool(np.all(self.device_params == self.device_params[0]))

    @cached_property
    def devices(self) -> tuple:
        """The emulated :class:`~.smtj.SMTJ` of every p-bit (length 1 if shared)."""
        rows = self.device_params[:1] if self.telegraph_shared else self.device_params
        return tuple(SMTJ(tau0=t, delta=d, ic=c, offset=o) for t, d, c, o in rows.tolist())

    def device_current(self, addr) -> np.ndarray:
        """Device current (A) of signed LUT addresses ``addr``: ``addr * input_lsb``."""
        return np.asarray(addr, dtype=np.float64) * self.input_lsb

    @cached_property
    def telegraph_luts(self) -> tuple[np.ndarray, np.ndarray]:
        """``(FROM_P, FROM_AP)``, each ``(rows, 2**lut_bits)`` uint32; ``rows`` is 1 if shared else n.

        Entry ``[d, a]`` is device ``d``'s exact flip probability over ``telegraph_dt``
        at current ``I_dev(a)``, on the ``2**-prob_bits`` grid (module docstring).
        """
        i_dev = self.lut_inputs * self.current_unit
        from_p, from_ap = [], []
        for dev in self.devices:
            pp, pa = dev.flip_probabilities(i_dev, self.telegraph_dt, scheme="exact")
            from_p.append(self._quantize_prob(pp))
            from_ap.append(self._quantize_prob(pa))
        a, b = np.stack(from_p), np.stack(from_ap)
        a.flags.writeable = False
        b.flags.writeable = False
        return a, b

    # -- compensation -----------------------------------------------------------------------
    @property
    def gain_one(self) -> int:
        """``GAIN`` register value of gain 1.0 (its reset value)."""
        return 1 << self.gain_frac_bits

    def lut_address(self, field, beta_m: int, gain_q=None, offset_q=None) -> np.ndarray:
        """Raw LUT address of saturated local fields (the exact hardware arithmetic).

        Parameters
        ----------
        field : array of int
            ``I_i`` already saturated to ``acc_bits`` (raw integers).
        beta_m : int
            β on the multiplier grid.
        gain_q, offset_q : array of int, optional
            ``GAIN``/``OFFSET`` values broadcasting against ``field`` (only with
            ``compensation``; default the reset values).

        Returns
        -------
        ndarray of int64
            Address bits ``0 .. 2**lut_bits - 1``.
        """
        z = np.asarray(field, dtype=np.int64) * np.int64(beta_m)
        s2 = self.lut_shift
        if self.compensation:
            g = self.gain_one if gain_q is None else np.asarray(gain_q, dtype=np.int64)
            o = 0 if offset_q is None else np.asarray(offset_q, dtype=np.int64)
            s_o = self.frac_bits + self.beta_mul_frac_bits + self.gain_frac_bits - self.offset_frac_bits
            z = z * g + (o << np.int64(s_o))
            s2 += self.gain_frac_bits
        if s2:
            z = (z + np.int64(1 << (s2 - 1))) >> np.int64(s2)
        lo, hi = self._range(self.lut_bits)
        return np.clip(z, lo, hi) & np.int64((1 << self.lut_bits) - 1)

    def compensation_registers(self, comp) -> tuple[np.ndarray, np.ndarray]:
        """``GAIN`` and ``OFFSET`` register values realising a per-device input map.

        Parameters
        ----------
        comp : Compensation or (gain, offset)
            From :func:`~.calibration.compensation`: device ``i`` is driven with
            ``gain[i] * I_dev + offset[i]`` (offset in A); ``n`` entries each.

        Returns
        -------
        gain_q, offset_q : ndarray of int64
            ``round(gain * 2**gain_frac_bits)`` and
            ``round(offset / current_unit * 2**offset_frac_bits)``.

        Raises
        ------
        ValueError
            Wrong length, non-finite values, or a value outside its register
            (naming the p-bit).
        """
        if not self.compensation:
            raise ValueError("this Spec has no compensation registers (compensation = false)")
        gain, offset = (np.asarray(x, dtype=np.float64).reshape(-1) for x in comp)
        if gain.shape != (self.n,) or offset.shape != (self.n,):
            raise ValueError(f"gain and offset need {self.n} values, not {gain.size} and {offset.size}")
        g = np.floor(gain * (1 << self.gain_frac_bits) + 0.5)
        o = offset / self.current_unit * (1 << self.offset_frac_bits)
        o = np.sign(o) * np.floor(np.abs(o) + 0.5)
        olo, ohi = self._range(self.offset_bits)
        for i in range(self.n):
            if not (np.isfinite(g[i]) and 0 <= g[i] < 1 << self.gain_bits):
                hi = ((1 << self.gain_bits) - 1) / (1 << self.gain_frac_bits)
                raise ValueError(f"gain of p-bit {i} must be in [0, {hi}], not {gain[i]!r}")
            if not (np.isfinite(o[i]) and olo <= o[i] <= ohi):
                lim = self.current_unit * (1 << (self.offset_bits - 1)) / (1 << self.offset_frac_bits)
                raise ValueError(f"offset of p-bit {i} must be within +-{lim:.4g} A, not {offset[i]!r}")
        return g.astype(np.int64), o.astype(np.int64)

    # -- β -----------------------------------------------------------------------------
    def beta_to_acc(self, beta: float) -> int:
        """Nearest ``beta_acc`` value of a real β (raises beyond the register)."""
        if not math.isfinite(beta) or beta < 0 or beta > self.beta_max:
            raise ValueError(f"beta {beta!r} is outside the hardware range [0, {self.beta_max:.6g}]")
        return min(int(round(beta * (1 << self.beta_frac_bits))), _U32)

    def beta_used(self, beta_acc) -> np.ndarray:
        """The β the hardware applies for register values ``beta_acc`` (on the β grid)."""
        a = np.asarray(beta_acc, dtype=np.int64) >> (self.beta_frac_bits - self.beta_mul_frac_bits)
        return a / float(1 << self.beta_mul_frac_bits)

    def beta_registers(self, kind: str, beta_range, num_sweeps: int) -> dict:
        """Registers realising a ``"constant"``/``"linear"``/``"geometric"`` schedule.

        ``linear``: ``linspace(b0, b1, num_sweeps)`` as ``start + k * step``;
        ``geometric``: ``geomspace`` as ``start * ratio**k`` (ratio on the u2.30 grid).
        A single sweep, or ``b0 == b1``, is the constant ``b1`` (dwave-samplers'
        convention).  Returns ``{"BETA", "BETA_MODE", "BETA_STEP", "BETA_MULT"}``.
        """
        b0, b1 = float(beta_range[0]), float(beta_range[1])
        regs = {
            "BETA": self.beta_to_acc(b1),
            "BETA_MODE": int(BetaMode.CONSTANT),
            "BETA_STEP": 0,
            "BETA_MULT": 1 << BETA_MULT_FRAC,
        }
        self.beta_to_acc(b0)
        if kind == "constant" or num_sweeps <= 1 or b0 == b1:
            return regs
        regs["BETA"] = self.beta_to_acc(b0)
        if kind == "linear":
            step = round((b1 - b0) / (num_sweeps - 1) * (1 << self.beta_frac_bits))
            regs.update(BETA_MODE=int(BetaMode.LINEAR), BETA_STEP=int(step))
        elif kind == "geometric":
            if b0 <= 0:
                raise ValueError(f"beta_range must be > 0 for a geometric schedule, not {beta_range!r}")
            ratio = (b1 / b0) ** (1.0 / (num_sweeps - 1))
            mult = round(ratio * (1 << BETA_MULT_FRAC))
            if not 0 < mult <= _U32:
                raise BetaMultError(f"geometric ratio {ratio!r} per sweep does not fit BETA_MULT (u2.30)")
            regs.update(BETA_MODE=int(BetaMode.GEOMETRIC), BETA_MULT=int(mult))
        else:
            raise ValueError(f"kind must be 'constant', 'linear' or 'geometric', not {kind!r}")
        return regs

    # -- registers ------------------------------------------------------------------
    @property
    def word_spins(self) -> int:
        """Spins in one ``STATE``/``STATE_IN``/``CLAMP_*`` word: 32, or ``lanes`` (one group)
        on the multiplexed fabric."""
        return self.lanes if self.multiplexed else 32

    @property
    def state_words(self) -> int:
        """Register words of one spin vector (1 = +1).  Parallel fabric: bit ``i % 32`` of
        word ``i // 32``; multiplexed: slot order (:func:`~.pbit_net_regmap.pack_spins`)."""
        if self.multiplexed:
            return self.mux_layout.groups
        return -(-self.n // 32)

    @cached_property
    def regmap(self):
        """The core's AXI4-Lite register map (:func:`~.pbit_net_regmap.network_regmap`)."""
        from .pbit_net_regmap import network_regmap

        return network_regmap(self)

    # -- serialisation --------------------------------------------------------------
    def to_dict(self) -> dict:
        """Plain-data form (for manifests and cache keys): every field, tuples as lists."""
        out = {"kind": "pbit_net"}
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name == "edges" and self.dense:
                v = None
            elif f.name == "place":
                v = None if v is None else v.to_dict()
            elif isinstance(v, enum.Enum):
                v = v.value
            elif isinstance(v, tuple):
                v = [list(x) if isinstance(x, tuple) else x for x in v]
            out[f.name] = v
        return out

    @classmethod
    def from_dict(cls, data: dict) -> PBitNetSpec:
        """Inverse of :meth:`to_dict`."""
        kw = {k: v for k, v in data.items() if k != "kind"}
        if kw.get("edges") is not None:
            kw["edges"] = tuple(tuple(e) for e in kw["edges"])
        if kw.get("place") is not None:
            kw["place"] = MachinePlace(**kw["place"])
        if kw.get("lfsr_taps") is not None:
            kw["lfsr_taps"] = tuple(kw["lfsr_taps"])
        return cls(**kw)
