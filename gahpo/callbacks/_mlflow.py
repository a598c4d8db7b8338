"""A callback that logs every generation of the search to MLflow."""

import sys
import time
import warnings
from numbers import Real

__all__ = ["MLflowLogger"]


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
