"""Physical device models: superparamagnetic MTJs, spin-torque oscillators, memristors.

Float physics in SI units; the gateware emulates these devices and the fixed-point
golden models quantize them.
"""

from spinemu.sim_golden.calibration import (
    CalibrationDataError,
    SigmoidFit,
    calibrate_device,
    calibrate_population,
    compensation,
    fit_csv,
    fit_sigmoid,
    smtj_probability,
)
from spinemu.sim_golden.memristor import DifferentialSynapseArray, Memristor, MemristorArray, SynapsePair
from spinemu.sim_golden.smtj import SMTJ, SMTJPopulation
from spinemu.sim_golden.stno import STNO

__all__ = [
    "SMTJ", "SMTJPopulation", "STNO", "Memristor", "MemristorArray", "SynapsePair",
    "DifferentialSynapseArray", "SigmoidFit", "CalibrationDataError", "calibrate_device",
    "calibrate_population", "fit_sigmoid", "fit_csv", "compensation", "smtj_probability",
]
