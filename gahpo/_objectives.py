"""What the search optimises: the guiding metric, or several objectives.

One place for the rules that the search (its fitness), the plots (their axes)
and the checkpoints agree on. Scores here are scikit-learn's ``cv_results_``
columns; nothing else of scikit-learn is needed.
"""

import numpy as np
from deap import tools

from .space import Individual

__all__ = ["guiding_metric", "objective_columns", "parse_objectives", "pareto_front"]

#: Objectives read from ``mean_<name>`` (seconds, minimized by default).
TIMINGS = ("fit_time", "score_time")


def parse_objectives(objectives, scoring):
    """The objectives as ``[(name, sign)]``, or None for a single metric.

    Parameters
    ----------
    objectives : list of str, dict or None
        Metric names of ``scoring`` (maximized) and ``"fit_time"`` /
        ``"score_time"`` (minimized), or a dict mapping names to
        ``"maximize"`` or ``"minimize"``.
    scoring : str, callable, list, tuple, dict or None
        The search's ``scoring``: it says which metric names exist (a callable
        is checked only once it has run, by :func:`objective_columns`).

    Returns
    -------
    list of (str, float) or None
        Each objective's name and sign (``1.0`` to maximize, ``-1.0`` to
        minimize).

    Examples
    --------
    >>> parse_objectives(["accuracy", "fit_time"], ["accuracy", "f1"])
    [('accuracy', 1.0), ('fit_time', -1.0)]
    """
    if objectives is None:
        return None
    if isinstance(objectives, dict):
        items = list(objectives.items())
    else:
        items = [(name, None) for name in objectives]
    if not items:
        raise ValueError("`objectives` must name at least one objective, got [].")
    if callable(scoring):
        metrics = None  # known only once the scorer has run
    elif isinstance(scoring, (list, tuple, dict)):
        metrics = list(scoring)
    else:
        metrics = ["score"]
    out = []
    for name, direction in items:
        timing = name in TIMINGS
        if not isinstance(name, str) or (
            not timing and metrics is not None and name not in metrics
        ):
            raise ValueError(
                f"`objectives` must name metrics of `scoring` ({metrics}) or "
                f"'fit_time' / 'score_time', got {name!r}."
            )
        if direction is None:
            direction = "minimize" if timing else "maximize"
        if direction not in ("maximize", "minimize"):
            raise ValueError(
                f"`objectives[{name!r}]` must be 'maximize' or 'minimize', "
                f"got {direction!r}."
            )
        out.append((name, 1.0 if direction == "maximize" else -1.0))
    return out


def guiding_metric(results, refit, scoring):
    """The metric whose ``mean_test_<name>`` column guides a single-objective search.

    ``"score"`` for a single metric; with several, the ``refit`` metric when
    ``refit`` names one, else the first metric of ``scoring``.

    Examples
    --------
    >>> guiding_metric({"mean_test_f1": [], "mean_test_acc": []}, True, ["acc", "f1"])
    'acc'
    """
    if "mean_test_score" in results:
        return "score"
    if isinstance(refit, str) and f"mean_test_{refit}" in results:
        return refit
    if isinstance(scoring, (list, tuple, dict)):
        return next(iter(scoring))
    return next(k[len("mean_test_") :] for k in results if k.startswith("mean_test_"))


def objective_column(results, name):
    """The ``cv_results_`` column of one objective, in its natural units."""
    key = f"mean_{name}" if name in TIMINGS else f"mean_test_{name}"
    if key not in results:
        metrics = sorted(k[10:] for k in results if k.startswith("mean_test_"))
        raise ValueError(
            f"`objectives`: {name!r} is neither a metric of the search "
            f"({metrics}) nor 'fit_time' / 'score_time'."
        )
    return np.asarray(results[key], dtype=float)


def objective_columns(results, objectives):
    """Greater-is-better values, one column per ``(name, sign)`` objective."""
    return np.column_stack(
        [sign * objective_column(results, name) for name, sign in objectives]
    )


def pareto_front(values):
    """Indices of the rows of ``values`` (all maximized) that none dominates.

    >>> pareto_front([[1, 0], [0, 1], [0, 0]]).tolist()
    [0, 1]
    """
    individuals = []
    for i, row in enumerate(np.atleast_2d(values)):
        ind = Individual([i])
        ind.set_score(row)
        individuals.append(ind)
    front = tools.sortNondominated(individuals, len(individuals), first_front_only=True)
    return np.array(sorted(ind[0] for ind in front[0]), dtype=int)
