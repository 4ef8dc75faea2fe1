"""Hyperparameter search for :class:`~spinemu.sw.reservoir.STNOReservoir` on a user's task.

:func:`tune_reservoir` searches the node duration, input scaling, DC bias and delay-line
feedback with optuna's TPE sampler (seeded, so a search is reproducible), scoring each
candidate on a validation split that the readout never trains on.  The reservoir's
defaults are always the first trial, so the result is never worse than the defaults on
that split.  optuna is the ``tune`` extra (``pip install 'spinemu[tune]'``); it is a
well-kept library with a tested TPE sampler and progress reporting, where a grid over
four continuous parameters would need thousands of runs.

The defaults themselves came from the same search on NARMA10 and sine/square
(``benchmarks/search_reservoir_defaults.py``, documented in docs/reservoir_defaults.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .reservoir import STNOReservoir
from .tasks import nrmse

__all__ = ["SEARCH_SPACE", "TuneResult", "tune_reservoir", "suggest"]

#: The searched parameters of :class:`STNOReservoir`: ``name: (low, high, log scale)``.
SEARCH_SPACE: dict[str, tuple[float, float, bool]] = {
    "theta": (5e-9, 200e-9, True),
    "input_scaling": (0.02, 1.5, True),
    "zeta_dc": (1.05, 4.0, False),
    "feedback": (0.0, 4.4, False),
}

_TASKS = ("regression", "classification")


@dataclass(frozen=True)
class TuneResult:
    """Outcome of :func:`tune_reservoir`.

    Attributes
    ----------
    params : dict
        The best parameters: pass them to :class:`STNOReservoir` (``**params``).
    value : float
        Their validation score (NRMSE, or error rate for classification; lower is better).
    default_value : float
        The score of the reservoir's defaults (the first trial) on the same split.
    metric : str
        ``"nrmse"`` or ``"error rate"``.
    trials : int
        Completed trials (candidates the Spec refused are not counted).
    """

    params: dict
    value: float
    default_value: float
    metric: str
    trials: int


def suggest(trial, space: dict | None = None) -> dict:
    """Draw one candidate from ``space`` (default :data:`SEARCH_SPACE`) for an optuna trial."""
    return {
        name: trial.suggest_float(name, lo, hi, log=log)
        for name, (lo, hi, log) in (SEARCH_SPACE if space is None else space).items()
    }


def _init_defaults() -> dict:
    """Every keyword argument of :class:`STNOReservoir` with its default."""
    import inspect

    params = inspect.signature(STNOReservoir.__init__).parameters
    return {name: p.default for name, p in params.items() if name not in ("self", "n_virtual")}


def tune_reservoir(
    u,
    y,
    *,
    n_virtual: int = 400,
    task: str = "regression",
    n_trials: int = 60,
    validation: float = 0.25,
    washout: int = 100,
    ridge: float = 1e-8,
    seed: int = 0,
    space: dict | None = None,
    progress: bool = True,
    **fixed,
) -> TuneResult:
    """Search reservoir parameters for the task ``u -> y``.

    Parameters
    ----------
    u : array_like, shape (T,)
        Input sequence.
    y : array_like, shape (T,)
        Targets (``"regression"``) or 0/1 labels (``"classification"``, scored by the
        error rate of ``predict > 0.5``).
    n_virtual : int
        Virtual nodes.
    task : {"regression", "classification"}
    n_trials : int
        Candidates to evaluate (each one runs the reservoir over ``u`` once).
    validation : float
        Fraction of ``u`` at its end held out for scoring (0 < validation < 1).
    washout, ridge : int, float
        Passed to :meth:`STNOReservoir.fit`.
    seed : int
        Seed of the search and, unless ``mask_seed`` is given, of the random mask.
    space : dict, optional
        ``{name: (low, high, log)}`` over :class:`STNOReservoir` keyword arguments;
        default :data:`SEARCH_SPACE`.
    progress : bool
        Show optuna's progress bar.
    **fixed
        Further :class:`STNOReservoir` arguments held fixed (``backend``, ``mask``,
        ``feedback_offset``, the mask ``seed`` as ``mask_seed`` ...).

    Returns
    -------
    TuneResult
    """
    try:
        import optuna
    except ImportError:
        raise ImportError("tune_reservoir needs optuna: pip install 'spinemu[tune]'") from None
    if task not in _TASKS:
        raise ValueError(f"task must be one of {', '.join(map(repr, _TASKS))}, not {task!r}")
    if not (isinstance(validation, float | int) and 0 < validation < 1):
        raise ValueError(f"validation must be a fraction in (0, 1), not {validation!r}")
    if isinstance(n_trials, bool) or not isinstance(n_trials, int) or n_trials < 1:
        raise ValueError(f"n_trials must be an integer >= 1, not {n_trials!r}")
    space = SEARCH_SPACE if space is None else dict(space)
    defaults = _init_defaults()
    unknown = sorted(set(space) - set(defaults))
    if unknown:
        raise ValueError(f"space names {unknown[0]!r}, which is not an STNOReservoir argument")
    if "seed" in fixed:
        raise ValueError("give the mask seed as mask_seed= (seed= is the search's seed)")
    both = sorted(set(space) & set(fixed))
    if both:
        raise ValueError(f"{both[0]!r} is both searched (space) and fixed")
    uu = np.asarray(u, dtype=np.float64)
    yy = np.asarray(y, dtype=np.float64)
    if uu.ndim != 1 or yy.shape != uu.shape:
        raise ValueError(f"u and y must be 1-D of equal length, not {uu.shape} and {yy.shape}")
    split = int(round(len(uu) * (1 - validation)))
    if split <= washout or split >= len(uu):
        raise ValueError(
            f"{len(uu)} samples leave {split} for training after a washout of {washout}: give more data"
        )
    mask_seed = fixed.pop("mask_seed", seed)

    def score(params: dict) -> float:
        res = STNOReservoir(n_virtual, seed=mask_seed, **fixed, **params)
        try:
            res.fit(uu[:split], yy[:split], ridge=ridge, washout=washout)
            pred = res.predict(uu)[split:]
        finally:
            res.close()
        if task == "regression":
            return nrmse(yy[split:], pred)
        return float(np.mean((pred > 0.5) != (yy[split:] > 0.5)))

    def objective(trial) -> float:
        params = suggest(trial, space)
        try:
            return score(params)
        except ValueError as exc:  # the Spec refused the candidate (a register out of range)
            raise optuna.TrialPruned(str(exc)) from None

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
    study.enqueue_trial({name: defaults[name] for name in space}, skip_if_exists=True)
    study.optimize(objective, n_trials=n_trials, show_progress_bar=progress)
    done = [t for t in study.trials if t.value is not None]
    first = study.trials[0]
    default_value = first.value if first.value is not None else float("nan")
    return TuneResult(
        params=dict(study.best_params),
        value=float(study.best_value),
        default_value=float(default_value),
        metric="nrmse" if task == "regression" else "error rate",
        trials=len(done),
    )

