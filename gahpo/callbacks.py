"""Callbacks for :class:`~gahpo.GeneticSearchCV`.

A callback is any callable ``callback(search, record)``: the search calls it
after every generation with itself and that generation's ``history_`` record
(``generation``, ``best_score``, ``mean_score``, ``std_score``,
``n_evaluated``, ``n_cached``, ``elapsed``). Returning True stops the search
after the current generation. Optional ``on_start(search)`` and
``on_end(search)`` methods are called when ``fit`` starts and ends.

The callbacks below keep a little state between generations (the best score
seen, a progress bar, an MLflow run); ``on_start`` resets it, so one instance
can serve several fits, one after the other. They never print: the progress
bar writes through tqdm, to ``sys.stderr`` unless told otherwise;
:class:`GenerationTable` writes to the stream it is given (``sys.stdout`` by
default, as scikit-learn's ``verbose`` output); :class:`MLflowLogger` writes
to an MLflow tracking store.

>>> from gahpo.callbacks import EarlyStopping, TargetScore
>>> callbacks = [EarlyStopping(patience=5), TargetScore(0.99)]
"""

import math
import sys
import time
import warnings
from numbers import Integral, Real

__all__ = [
    "EarlyStopping",
    "GenerationTable",
    "MLflowLogger",
    "ProgressBar",
    "TargetScore",
    "TimeBudget",
]


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
    terminal. The bar counts generations up to ``search.generations`` (or
    the cap that ``n_candidates`` sets) and shows the best score, the
    candidates fitted (``evaluated``) and the scores reused from the cache
    (``cached``) since ``fit`` began. It closes when the search ends, early
    or not.

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
            # during fit the search knows its cap after the n_candidates rules
            "total": getattr(search, "_max_generations", None)
            or getattr(search, "generations", None),
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


class GenerationTable:
    """Write one line per generation: a table like DEAP's logbook.

    A header, then for each generation its number, the candidates fitted
    (``evaluated``) and reused from the cache (``cached``), the best score so
    far, the mean and standard deviation of the generation's scores, the
    population's ``diversity`` and ``duplicate_rate``, and the seconds since
    ``fit`` began. A resumed search first writes the generations restored
    from its checkpoint. This is what ``verbose >= 2`` shows.

    While a tqdm progress bar is open, lines go through ``tqdm.write`` so the
    bar stays whole.

    Parameters
    ----------
    file : file-like, default=None
        Where to write; ``sys.stdout`` (looked up at each line) if None.

    See Also
    --------
    ProgressBar : A progress bar over generations.

    Examples
    --------
    >>> table = GenerationTable()
    >>> table.on_start(None)
    gen evaluated cached      best      mean       std diversity duplicates elapsed
    >>> record = {"generation": 0, "best_score": 0.96, "mean_score": 0.9,
    ...           "std_score": 0.05, "n_evaluated": 4, "n_cached": 0,
    ...           "diversity": 1.0, "duplicate_rate": 0.0, "elapsed": 0.42}
    >>> table(None, record)
      0         4      0      0.96       0.9      0.05      1.00       0.00    0.4s
    False
    """

    #: ``(header, record key, format)`` of each column.
    columns = (
        ("gen", "generation", "{:d}"),
        ("evaluated", "n_evaluated", "{:d}"),
        ("cached", "n_cached", "{:d}"),
        ("best", "best_score", "{:.5g}"),
        ("mean", "mean_score", "{:.5g}"),
        ("std", "std_score", "{:.5g}"),
        ("diversity", "diversity", "{:.2f}"),
        ("duplicates", "duplicate_rate", "{:.2f}"),
        ("elapsed", "elapsed", "{:.1f}s"),
    )
    _widths = (3, 9, 6, 9, 9, 9, 9, 10, 7)

    def __init__(self, file=None):
        self.file = file
        self._header_written = False

    def on_start(self, search):
        """Write the header, and the rows of a resumed search's history."""
        self._header_written = False
        self._write_header()
        for record in getattr(search, "history_", None) or ():
            self._write(self.format_row(record))

    def __call__(self, search, record):
        """Write the generation's row; never stops the search."""
        self._write_header()
        self._write(self.format_row(record))
        return False

    def format_header(self):
        """The header line."""
        return " ".join(
            f"{header:>{w}}" for (header, _, _), w in zip(self.columns, self._widths)
        )

    def format_row(self, record):
        """One record as a line of the table (``-`` for a missing entry)."""
        cells = []
        for (_, key, fmt), width in zip(self.columns, self._widths):
            value = record.get(key)
            try:
                text = fmt.format(int(value) if fmt == "{:d}" else float(value))
            except (TypeError, ValueError):
                text = "-"
            cells.append(f"{text:>{width}}")
        return " ".join(cells)

    def _write_header(self):
        if not self._header_written:
            self._header_written = True
            self._write(self.format_header())

    def _write(self, line):
        file = self.file if self.file is not None else sys.stdout
        if "tqdm" in sys.modules:  # a bar may be open: clear it, write, redraw
            from tqdm import tqdm

            tqdm.write(line, file=file)
        else:
            file.write(line + "\n")
        file.flush()

    def __getstate__(self):
        # a stream does not pickle; the default (sys.stdout) needs no state
        state = self.__dict__.copy()
        if state["file"] is not None and not _picklable(state["file"]):
            state["file"] = None
        return state

    def __repr__(self):
        return (
            "GenerationTable()"
            if self.file is None
            else f"GenerationTable(file={self.file!r})"
        )


def _picklable(obj):
    import pickle

    try:
        pickle.dumps(obj)
    except (TypeError, AttributeError, pickle.PicklingError):
        return False
    return True


def _import_mlflow():
    try:
        import mlflow
    except ImportError:
        raise ImportError(
            "MLflowLogger needs mlflow, an optional dependency of gahpo: "
            'pip install mlflow (or pip install "sklearn-gahpo[mlflow]")'
        ) from None
    return mlflow


def _param_value(value, limit=500):
    """A parameter value as MLflow stores it: a string, shortened if long."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class MLflowLogger:
    """Log every generation of a search to an MLflow run.

    Each generation's record (``best_score``, ``mean_score``, ``std_score``,
    ``n_evaluated``, ``n_cached``, ``elapsed``, ``diversity``,
    ``duplicate_rate``) is logged as metrics at ``step=generation``, so the
    MLflow UI charts the search as it runs. When the search ends, the best
    score is logged as ``best_cv_score`` (with ``n_generations``) and the
    best parameters as run parameters ``best_<name>``, as MLflow's own
    scikit-learn autologging names them.

    The run: with ``tracking_uri=None``, the active MLflow run if there is
    one (``with mlflow.start_run(): search.fit(X, y)``; it is left open),
    otherwise a new run started with ``mlflow.start_run`` in MLflow's current
    experiment and ended when the search ends. With a ``tracking_uri``, a new
    run in that store, in ``experiment_name`` (default ``"Default"``). A run
    the logger started ends as ``FINISHED``, ``KILLED`` (interrupted) or
    ``FAILED`` (an error).

    mlflow is an optional dependency, imported when the search starts:
    ``pip install mlflow`` (or ``pip install "sklearn-gahpo[mlflow]"``).

    Parameters
    ----------
    run_name : str, default=None
        Name of a run the logger starts; MLflow makes one up if None.
    tracking_uri : str, default=None
        Tracking store to log to (``"file:/path/to/mlruns"``,
        ``"sqlite:///mlflow.db"``, ``"http://host:5000"``); MLflow's current
        one (``mlflow.set_tracking_uri``, ``MLFLOW_TRACKING_URI``) if None.
    log_params : bool, default=True
        Log the search's settings (``population_size``, ``generations``,
        ``scoring``, ...) when the run starts and the best parameters when it
        ends, as run parameters. A value that the run already holds with a
        different value (an active run reused for several fits) is skipped
        with a warning, as MLflow parameters cannot change.
    experiment_name : str, default=None
        Experiment of a run the logger starts, created if missing. None:
        MLflow's current experiment (``mlflow.set_experiment``), or
        ``"Default"`` with a ``tracking_uri``.

    Attributes
    ----------
    run_id_ : str or None
        ID of the run that the last (or current) fit logged to.

    See Also
    --------
    ProgressBar : A progress bar over generations.

    Examples
    --------
    >>> from gahpo.callbacks import MLflowLogger
    >>> logger = MLflowLogger(run_name="svc", tracking_uri="sqlite:///mlflow.db")
    >>> logger
    MLflowLogger(run_name='svc', tracking_uri='sqlite:///mlflow.db')

    Pass it as ``GeneticSearchCV(..., callbacks=[logger])``, then read the run
    back with ``mlflow.MlflowClient(tracking_uri).get_run(logger.run_id_)``.
    """

    def __init__(
        self, run_name=None, tracking_uri=None, log_params=True, experiment_name=None
    ):
        for name, value in (
            ("run_name", run_name),
            ("tracking_uri", tracking_uri),
            ("experiment_name", experiment_name),
        ):
            if value is not None and not isinstance(value, str):
                raise TypeError(
                    f"MLflowLogger: `{name}` must be a str or None, got "
                    f"{name}={value!r} of type {type(value).__name__}."
                )
        self.run_name = run_name
        self.tracking_uri = tracking_uri
        self.log_params = log_params
        self.experiment_name = experiment_name
        self.run_id_ = None
        self._client = None
        self._owns_run = self._fluent = False
        self._stale_best = self._error_before = None

    # -- the search's hooks -----------------------------------------------------

    def on_start(self, search):
        """Open the run (or take the active one) and log the search's settings."""
        mlflow = _import_mlflow()
        from mlflow import MlflowClient

        client = MlflowClient(tracking_uri=self.tracking_uri)
        active = mlflow.active_run() if self.tracking_uri is None else None
        tags = {
            "estimator_name": type(getattr(search, "estimator", None)).__name__,
            "search": type(search).__name__,
        }
        if active is not None:
            run_id, owns, fluent = active.info.run_id, False, False
        elif self.tracking_uri is None:
            experiment_id = (
                self._experiment_id(client) if self.experiment_name else None
            )
            run = mlflow.start_run(
                run_name=self.run_name, experiment_id=experiment_id, tags=tags
            )
            run_id, owns, fluent = run.info.run_id, True, True
        else:
            run = client.create_run(
                self._experiment_id(client), run_name=self.run_name, tags=tags
            )
            run_id, owns, fluent = run.info.run_id, True, False
        self._client, self.run_id_ = client, run_id
        self._owns_run, self._fluent = owns, fluent
        # best_params_ of an earlier fit, not to be taken for this one's
        self._stale_best = getattr(search, "best_params_", None)
        # an error already being handled when fit began (fit called in an
        # `except` block) is not this fit's failure
        self._error_before = sys.exc_info()[1]
        try:
            if self.log_params and hasattr(search, "get_params"):
                self._log_params(
                    {
                        name: value
                        for name, value in search.get_params(deep=False).items()
                        if name != "callbacks"
                    }
                )
            if owns:  # a resumed search: its restored generations first
                for record in getattr(search, "history_", None) or ():
                    self._log_record(record)
        except BaseException:
            self._end_run()  # as FAILED: the search will not call on_end
            raise

    def __call__(self, search, record):
        """Log the generation's record at ``step=generation``; never stops."""
        if self._client is None:  # called without on_start
            self.on_start(search)
        self._log_record(record)
        return False

    def on_end(self, search):
        """Log the best score and parameters; end the run if the logger started it."""
        if self._client is None:
            return
        try:
            best_params = getattr(search, "best_params_", None)
            if best_params is self._stale_best:
                best_params = None  # set by an earlier fit, or not yet by this one
            best_score = getattr(search, "best_score_", None) if best_params else None
            history = getattr(search, "history_", None) or []
            if best_score is None and history:
                best_score = history[-1].get("best_score")
            metrics = {"n_generations": len(history)}
            if best_score is not None:
                metrics["best_cv_score"] = best_score
            self._log_metrics(metrics, step=max(len(history) - 1, 0))
            if self.log_params and best_params:
                self._log_params({f"best_{k}": v for k, v in best_params.items()})
        finally:
            self._end_run()

    # -- helpers -----------------------------------------------------------------

    def _experiment_id(self, client):
        name = self.experiment_name or "Default"
        experiment = client.get_experiment_by_name(name)
        if experiment is not None:
            return experiment.experiment_id
        return client.create_experiment(name)

    def _log_record(self, record):
        step = int(record.get("generation", 0))
        self._log_metrics(
            {k: v for k, v in record.items() if k != "generation"}, step=step
        )

    def _log_metrics(self, values, *, step):
        from mlflow.entities import Metric

        timestamp = int(time.time() * 1000)
        metrics = [
            Metric(key, float(value), timestamp, step)
            for key, value in values.items()
            if isinstance(value, Real) and not isinstance(value, bool)
        ]
        if metrics:
            self._client.log_batch(self.run_id_, metrics=metrics)

    def _log_params(self, params):
        from mlflow.entities import Param

        logged = self._client.get_run(self.run_id_).data.params
        new, clashes = [], []
        for key, value in params.items():
            value = _param_value(value)
            if key not in logged:
                new.append(Param(key, value))
            elif logged[key] != value:
                clashes.append(key)
        if clashes:
            warnings.warn(
                f"MLflowLogger: run {self.run_id_} already holds parameters "
                f"{clashes} with other values (MLflow parameters cannot change); "
                "they are not logged again. Use a new run for each fit, e.g. "
                "one MLflowLogger without an active run.",
                UserWarning,
                stacklevel=2,
            )
        if new:
            self._client.log_batch(self.run_id_, params=new)

    def _end_run(self):
        client, self._client = self._client, None
        if not self._owns_run:
            return
        error = sys.exc_info()[1]  # on_end runs in the search's `finally`
        if error is None or error is self._error_before:
            status = "FINISHED"
        elif isinstance(error, KeyboardInterrupt):
            status = "KILLED"
        else:
            status = "FAILED"
        if self._fluent:
            mlflow = _import_mlflow()
            active = mlflow.active_run()
            if active is not None and active.info.run_id == self.run_id_:
                mlflow.end_run(status=status)
                return
        client.set_terminated(self.run_id_, status=status)

    def __getstate__(self):
        # an open client holds connections: never pickle or deep-copy it
        state = self.__dict__.copy()
        state["_client"] = state["_stale_best"] = state["_error_before"] = None
        return state

    def __repr__(self):
        args = [
            f"{name}={getattr(self, name)!r}"
            for name, default in (
                ("run_name", None),
                ("tracking_uri", None),
                ("log_params", True),
                ("experiment_name", None),
            )
            if getattr(self, name) != default
        ]
        return f"MLflowLogger({', '.join(args)})"
