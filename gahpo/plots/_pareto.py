"""The candidates of a multi-objective search and its Pareto front."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .._objectives import objective_column
from ._common import axes_or_new, directions, import_pyplot

__all__ = ["plot_pareto_front"]


def _natural_column(search, name):
    """The ``cv_results_`` column of ``name`` in its natural units."""
    try:
        return objective_column(search.cv_results_, name)
    except ValueError as exc:
        raise ValueError(f"plot_pareto_front: cannot plot {name!r}. {exc}") from None


def plot_pareto_front(search, x=None, y=None, *, ax=None):
    """Plot the candidates of a multi-objective search and its Pareto front.

    Every candidate is a grey point; the candidates of ``pareto_front_``
    (which no other candidate beats on every objective) are drawn on top and
    joined in order of ``x``, and the candidate chosen by ``refit`` is
    starred. Values are in their natural units (times in seconds, scores as
    scikit-learn reports them). With more than two objectives the front is
    projected: some of its points may look dominated in the two shown.

    Parameters
    ----------
    search : GeneticSearchCV
        A search fitted with ``objectives=``.
    x, y : str, default=None
        Objectives (or other metrics of the search, or ``"fit_time"`` /
        ``"score_time"``) on each axis; the first and second objectives if
        None.
    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure if None.

    Returns
    -------
    ax : matplotlib Axes
        The Axes drawn on.

    Raises
    ------
    ValueError
        If the search has no ``pareto_front_`` (it was fitted without
        ``objectives``) or a name is not a metric of the search.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from gahpo import GeneticSearchCV
    >>> from gahpo.plots import plot_pareto_front
    >>> X, y = load_iris(return_X_y=True)
    >>> search = GeneticSearchCV(
    ...     DecisionTreeClassifier(random_state=0), {"max_depth": list(range(1, 9))},
    ...     objectives=["score", "fit_time"],
    ...     population_size=4, generations=3, cv=3, random_state=0,
    ... ).fit(X, y)
    >>> ax = plot_pareto_front(search)
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('score (maximize)', 'fit_time (minimize)')
    """
    check_is_fitted(search, "history_")
    if not hasattr(search, "pareto_front_"):
        raise ValueError(
            "plot_pareto_front needs a multi-objective search, but this "
            f"{type(search).__name__} has no `pareto_front_`: fit it with "
            "`objectives=`, e.g. objectives=['score', 'fit_time']."
        )
    objectives = directions(search)
    names = [name for name, _ in objectives]
    if x is None or y is None:
        rest = [n for n in names if n not in (x, y)]
        if x is None:
            x = rest.pop(0) if rest else None
        if y is None:
            y = rest.pop(0) if rest else None
        if x is None or y is None:
            raise ValueError(
                f"plot_pareto_front needs two objectives to plot; the search has "
                f"{names}: pass `x=` and `y=`."
            )
    plt = import_pyplot("plot_pareto_front")
    ax = axes_or_new(plt, ax)
    xs, ys = _natural_column(search, x), _natural_column(search, y)
    ok = np.isfinite(xs) & np.isfinite(ys)
    front = np.asarray(search.pareto_front_, dtype=int)
    front = front[ok[front]]
    order = front[np.argsort(xs[front], kind="stable")]

    ax.scatter(xs[ok], ys[ok], color="0.6", s=18, alpha=0.7, label="candidates")
    (line,) = ax.plot(xs[order], ys[order], linewidth=1.2, label="_front line")
    ax.scatter(
        xs[order],
        ys[order],
        color=line.get_color(),
        s=36,
        zorder=3,
        label="Pareto front",
    )
    best = getattr(search, "best_index_", None)
    if best is not None and ok[best]:
        ax.scatter(
            [xs[best]],
            [ys[best]],
            marker="*",
            s=180,
            color="tab:red",
            edgecolors="black",
            linewidths=0.5,
            zorder=4,
            label="refit choice",
        )
    direction_of = dict(objectives)
    ax.set_xlabel(f"{x} ({direction_of[x]})" if x in direction_of else x)
    ax.set_ylabel(f"{y} ({direction_of[y]})" if y in direction_of else y)
    ax.set_title("Pareto front")
    ax.legend(loc="best")
    return ax
