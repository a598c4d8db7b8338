"""Callbacks for :class:`~gahpo.GeneticSearchCV`.

A callback is any callable ``callback(search, record)``: the search calls it
after every generation with itself and that generation's ``history_`` record
(``generation``, ``best_score``, ``mean_score``, ``std_score``,
``n_evaluated``, ``n_cached``, ``elapsed``). Returning True stops the search
after the current generation. Optional ``on_start(search)`` and
``on_end(search)`` methods are called when ``fit`` starts and ends.

The callbacks below keep a little state between generations (the best score
seen, a progress bar); ``on_start`` resets it, so one instance can serve
several fits, one after the other. They never print: the progress bar writes
through tqdm, to ``sys.stderr`` unless told otherwise.

>>> from gahpo.callbacks import EarlyStopping, TargetScore
>>> callbacks = [EarlyStopping(patience=5), TargetScore(0.99)]
"""

import math
import time
from numbers import Integral, Real

__all__ = ["EarlyStopping", "ProgressBar", "TargetScore", "TimeBudget"]


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


def _improves(score, reference, tolerance):
    """Whether ``score`` beats ``reference`` by more than ``tolerance`` (NaN never does)."""
    if math.isnan(score):
        return False
    if reference is None or math.isnan(reference):
        return True
    return score > reference + tolerance


class EarlyStopping:
    """Stop when the best score has not improved for ``patience`` generations.

    An improvement counts only when it exceeds the best score at the last
    improvement by more than ``tolerance``, so a search that creeps up by
    tiny steps stops too. With ``tolerance=0`` this is the search's own
    ``patience`` parameter.

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
        self.best_score_ = None
        self.wait_ = 0

    def on_start(self, search):
        """Forget previous fits; a resumed search starts from its history."""
        self.best_score_, self.wait_ = None, 0
        for record in getattr(search, "history_", None) or ():
            self._update(record)

    def _update(self, record):
        score = float(record["best_score"])
        if _improves(score, self.best_score_, self.tolerance):
            self.best_score_, self.wait_ = score, 0
        elif self.best_score_ is None:
            self.wait_ = 0  # no valid score yet (every candidate failed)
        else:
            self.wait_ += 1

    def __call__(self, search, record):
        """Record the generation; return True to stop."""
        self._update(record)
        return self.wait_ >= self.patience

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
        return elapsed >= self.seconds

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


class ProgressBar:
    """A progress bar over generations, with the best score so far.

    Uses ``tqdm.auto``: the notebook widget in Jupyter, a text bar in a
    terminal. The bar counts generations up to ``search.generations`` and
    shows the best score, the candidates fitted (``evaluated``) and the
    scores reused from the cache (``cached``) since ``fit`` began. It closes
    when the search ends, early or not.

    tqdm is an optional dependency, imported when the search starts:
    ``pip install "sklearn-gahpo[progress]"``.

    Parameters
    ----------
    **tqdm_kwargs : dict
        Passed to ``tqdm`` (e.g. ``file=``, ``desc=``, ``leave=``,
        ``disable=``); they override the defaults ``total=search.generations``,
        ``desc="GeneticSearchCV"`` and ``unit="gen"``.

    Examples
    --------
    >>> import io
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from gahpo import GeneticSearchCV
    >>> from gahpo.callbacks import ProgressBar
    >>> X, y = load_iris(return_X_y=True)
    >>> out = io.StringIO()
    >>> search = GeneticSearchCV(
    ...     DecisionTreeClassifier(random_state=0), {"max_depth": [1, 2, 3, 4]},
    ...     population_size=4, generations=2, random_state=0,
    ...     callbacks=[ProgressBar(file=out)],
    ... ).fit(X, y)
    >>> "2/2" in out.getvalue()
    True
    """

    def __init__(self, **tqdm_kwargs):
        self.tqdm_kwargs = tqdm_kwargs
        self._bar = None
        self._evaluated = self._cached = 0

    def on_start(self, search):
        """Open the bar; a resumed search starts at the generations already run."""
        self._close()
        history = getattr(search, "history_", None) or []
        self._evaluated = sum(int(r.get("n_evaluated", 0)) for r in history)
        self._cached = sum(int(r.get("n_cached", 0)) for r in history)
        self._bar = self._open(search, initial=len(history))
        if history:
            self._set_postfix(history[-1])

    def __call__(self, search, record):
        """Advance the bar by one generation; never stops the search."""
        if self._bar is None:  # called without on_start
            self._bar = self._open(search, initial=0)
        self._evaluated += int(record.get("n_evaluated", 0))
        self._cached += int(record.get("n_cached", 0))
        self._set_postfix(record, refresh=False)
        self._bar.update(1)
        return False

    def on_end(self, search):
        """Close the bar."""
        self._close()

    def _open(self, search, *, initial):
        try:
            from tqdm.auto import tqdm
        except ImportError:
            raise ImportError(
                "ProgressBar needs tqdm, an optional dependency of gahpo: "
                'pip install "sklearn-gahpo[progress]"'
            ) from None
        kwargs = {
            "total": getattr(search, "generations", None),
            "desc": "GeneticSearchCV",
            "unit": "gen",
            "initial": initial,
        }
        kwargs.update(self.tqdm_kwargs)
        return tqdm(**kwargs)

    def _set_postfix(self, record, refresh=True):
        best = float(record.get("best_score", math.nan))
        self._bar.set_postfix(
            {
                "best": f"{best:.4g}",
                "evaluated": self._evaluated,
                "cached": self._cached,
            },
            refresh=refresh,
        )

    def _close(self):
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __getstate__(self):
        # an open bar holds a stream: never pickle or deep-copy it
        state = self.__dict__.copy()
        state["_bar"] = None
        return state

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.tqdm_kwargs.items())
        return f"ProgressBar({args})"
