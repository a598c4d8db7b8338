"""What every plot shares: the lazy pyplot import, Axes, columns, labels."""

import math

import numpy as np

from .._objectives import guiding_metric, parse_objectives


def import_pyplot(caller):
    """Import matplotlib.pyplot, or raise an ImportError naming the extra."""
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            f"{caller} needs matplotlib, an optional dependency of gahpo: "
            'pip install "sklearn-gahpo[plot]"'
        ) from None
    return plt


def axes_or_new(plt, ax):
    if ax is None:
        _, ax = plt.subplots()
    return ax


def history_column(history, key):
    """One entry of every ``history_`` record, as floats (NaN where missing)."""
    out = []
    for record in history:
        value = record.get(key)
        out.append(math.nan if value is None else float(value))
    return np.asarray(out, dtype=float)


def search_metric(search):
    """Name of the metric whose ``mean_test_<name>`` column guided the search."""
    return guiding_metric(search.cv_results_, search.refit, search.scoring)


def directions(search):
    """``[(name, "maximize" | "minimize")]`` of a multi-objective search."""
    return [
        (name, "maximize" if sign > 0 else "minimize")
        for name, sign in parse_objectives(search.objectives, search.scoring)
    ]


def score_label(search, *, history=False):
    """Label of a score axis: the metric's name when it has one.

    ``history_`` scores of a multi-objective search are those of the first
    objective, negated if it is minimized (greater is always better there).
    """
    objectives = getattr(search, "objectives", None)
    if history and objectives:
        name, direction = directions(search)[0]
        return name if direction == "maximize" else f"−{name} (negated)"
    name = search.scoring if isinstance(search.scoring, str) else None
    if isinstance(getattr(search, "cv_results_", None), dict):
        metric = search_metric(search)
        name = name if metric == "score" else metric
    return f"CV score ({name})" if name else "CV score"


def integer_ticks(ax):
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
