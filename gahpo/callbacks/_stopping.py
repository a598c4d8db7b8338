"""Callbacks that stop the search: on a stall, a time budget or a target score.

Each decides with the stop rules of :mod:`gahpo._stop_rules`, the ones the
search's own ``patience`` and ``max_time`` parameters use.
"""

import math
import time
from numbers import Integral, Real

from .._stop_rules import no_improvement, out_of_time, stall

__all__ = ["EarlyStopping", "TargetScore", "TimeBudget"]


def _check_number(owner, name, value, *, integral=False, low=0, closed=False):
    """Raise a ValueError/TypeError naming the parameter, the rule and the value."""
    kind = Integral if integral else Real
    if isinstance(value, bool) or not isinstance(value, kind):
        what = "an integer" if integral else "a real number"
        raise TypeError(
            f"{owner}: `{name}` must be {what}, got {name}={value!r} "
            f"of type {type(value).__name__}."
        )
    if math.isnan(value) or (value < low if closed else value <= low):
        rule = f"{name} >= {low}" if closed else f"{name} > {low}"
        raise ValueError(f"{owner}: `{rule}` must hold, got {name}={value!r}.")


class EarlyStopping:
    """Stop when the best score has not improved for ``patience`` generations.

    An improvement counts only when it exceeds the best score at the last
    improvement by more than ``tolerance``, so a search that creeps up by
    tiny steps stops too. A generation whose every candidate failed (NaN
    best score) is never an improvement, and the generations before the
    first valid score are not counted: a search that has no score yet is
    not stopped. With ``tolerance=0`` this is the search's own ``patience``
    parameter: both decide with the same function.

    Parameters
    ----------
    patience : int
        Generations without improvement after which the search stops (>= 1).
    tolerance : float, default=0.0
        Smallest gain of the best score that counts as an improvement (>= 0).

    Attributes
    ----------
    best_score_ : float or None
        Best score at the last improvement.
    wait_ : int
        Generations since the last improvement.

    See Also
    --------
    TargetScore : Stop once a score is reached.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from gahpo import GeneticSearchCV
    >>> from gahpo.callbacks import EarlyStopping
    >>> X, y = load_iris(return_X_y=True)
    >>> search = GeneticSearchCV(
    ...     DecisionTreeClassifier(random_state=0), {"max_depth": [1, 2, 3, 4]},
    ...     population_size=4, generations=2, random_state=0,
    ...     callbacks=[EarlyStopping(patience=1)],
    ... ).fit(X, y)
    >>> search.n_generations_
    2

    It can be driven by hand with records:

    >>> stop = EarlyStopping(patience=2, tolerance=0.01)
    >>> [stop(None, {"best_score": s}) for s in (0.90, 0.95, 0.955, 0.958)]
    [False, False, False, True]
    """

    def __init__(self, patience, tolerance=0.0):
        _check_number(
            "EarlyStopping", "patience", patience, integral=True, low=1, closed=True
        )
        _check_number("EarlyStopping", "tolerance", tolerance, low=0, closed=True)
        self.patience = patience
        self.tolerance = tolerance
        self._scores = []

    @property
    def best_score_(self):
        return stall(self._scores, self.tolerance)[0]

    @property
    def wait_(self):
        return stall(self._scores, self.tolerance)[1]

    def on_start(self, search):
        """Forget previous fits; a resumed search starts from its history."""
        history = getattr(search, "history_", None) or ()
        self._scores = [float(record["best_score"]) for record in history]

    def __call__(self, search, record):
        """Record the generation; return True to stop."""
        self._scores.append(float(record["best_score"]))
        return no_improvement(self._scores, self.patience, self.tolerance)

    def __repr__(self):
        return (
            f"EarlyStopping(patience={self.patience!r}, tolerance={self.tolerance!r})"
        )


class TimeBudget:
    """Stop after the generation during which ``seconds`` of wall time passed.

    Time is counted from the start of ``fit`` (the ``elapsed`` entry of each
    record, which includes the time spent before a resumed checkpoint). A
    generation is never interrupted, so the search can overrun the budget by
    up to one generation. This is the search's own ``max_time`` parameter,
    as a callback.

    Parameters
    ----------
    seconds : float
        Wall-clock budget in seconds (> 0).

    See Also
    --------
    EarlyStopping : Stop when the search stalls.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from gahpo import GeneticSearchCV
    >>> from gahpo.callbacks import TimeBudget
    >>> X, y = load_iris(return_X_y=True)
    >>> search = GeneticSearchCV(
    ...     DecisionTreeClassifier(random_state=0), {"max_depth": [1, 2, 3, 4]},
    ...     population_size=4, generations=2, random_state=0,
    ...     callbacks=[TimeBudget(1e-9)],
    ... ).fit(X, y)
    >>> search.n_generations_
    1
    """

    def __init__(self, seconds):
        _check_number("TimeBudget", "seconds", seconds)
        self.seconds = seconds
        self._start = None

    def on_start(self, search):
        """Start the clock (used only for records without ``elapsed``)."""
        self._start = time.monotonic()

    def __call__(self, search, record):
        """Return True once the budget is spent."""
        elapsed = record.get("elapsed")
        if elapsed is None:
            if self._start is None:
                self._start = time.monotonic()
            elapsed = time.monotonic() - self._start
        return out_of_time(elapsed, self.seconds)

    def __repr__(self):
        return f"TimeBudget(seconds={self.seconds!r})"


class TargetScore:
    """Stop once the best score reaches ``score``.

    Parameters
    ----------
    score : float
        Stop after the first generation whose best score (greater is
        better, as for every scikit-learn scorer) is ``>= score``. For an
        error metric such as ``"neg_mean_squared_error"`` the target is
        negative too.

    See Also
    --------
    EarlyStopping : Stop when the search stalls.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from gahpo import GeneticSearchCV
    >>> from gahpo.callbacks import TargetScore
    >>> X, y = load_iris(return_X_y=True)
    >>> search = GeneticSearchCV(
    ...     DecisionTreeClassifier(random_state=0), {"max_depth": [1, 2, 3, 4]},
    ...     population_size=4, generations=2, random_state=0,
    ...     callbacks=[TargetScore(0.9)],
    ... ).fit(X, y)
    >>> search.n_generations_, bool(search.best_score_ >= 0.9)
    (1, True)
    """

    def __init__(self, score):
        if isinstance(score, bool) or not isinstance(score, Real):
            raise TypeError(
                f"TargetScore: `score` must be a real number, got score={score!r} "
                f"of type {type(score).__name__}."
            )
        if math.isnan(score):
            raise ValueError("TargetScore: `score` must not be NaN, got score=nan.")
        self.score = score

    def __call__(self, search, record):
        """Return True once the best score reaches the target."""
        best = float(record["best_score"])
        return not math.isnan(best) and best >= self.score

    def __repr__(self):
        return f"TargetScore(score={self.score!r})"
