"""spinemu: emulate spintronic neuromorphic hardware on FPGAs.

Importing :mod:`spinemu` needs numpy and dimod only (no amaranth), so the same
package runs on a Zynq board.  Gateware generation lives in :mod:`spinemu.gen` and
:mod:`spinemu.hdl` and is imported only when used.

Public API
----------
- :mod:`spinemu.logic` — invertible logic gates, adders and multipliers as Ising models.
- :mod:`spinemu.devices` — SMTJ, STNO and memristor device models.
- :mod:`spinemu.tasks` — NARMA10, sine/square, Mackey–Glass, memory capacity.
- :class:`PBitSampler` — the p-bit network (Ising machine) as a dimod sampler (golden, rtl, pynq).
- :class:`PBitArraySpec`, :func:`simulate_pbit_array` — the p-bit array primitive.
- :class:`STNOReservoir` — time-multiplexed spin-torque-oscillator reservoir (golden, rtl, float, pynq).
- :class:`HopfieldNetwork` — associative memory on memristive synapses (golden, rtl, float).
- :func:`get_board`, :func:`list_boards` — Zynq board definitions.
- :class:`RegisterDriver`, :class:`VerilatorMMIO` — register access on a board or in simulation.
"""

from . import devices, logic, tasks
from .boards.catalog import get_board, list_boards
from .sim_golden.hopfield_spec import HopfieldSpec
from .sim_golden.pbit_net_spec import PBitNetSpec
from .sim_golden.pbit_spec import PBitArraySpec
from .sim_golden.problems import IsingProblem, lattice_2d, read_gset
from .sim_golden.reservoir_spec import ReservoirSpec
from .sw.driver import RegisterDriver
from .sw.hopfield import HopfieldNetwork
from .sw.mmio import VerilatorMMIO
from .sw.pbit_array import PBitArrayDriver, simulate_pbit_array
from .sw.pbit_sampler import PBitSampler
from .sw.reservoir import STNOReservoir

__version__ = "0.1.0"

__all__ = [
    "__version__", "devices", "logic", "tasks", "PBitArraySpec", "simulate_pbit_array",
    "PBitArrayDriver", "RegisterDriver", "VerilatorMMIO", "IsingProblem", "lattice_2d", "read_gset",
    "HopfieldNetwork", "HopfieldSpec", "STNOReservoir", "ReservoirSpec", "PBitSampler", "PBitNetSpec",
    "get_board", "list_boards",
]
