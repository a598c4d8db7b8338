"""Built-in callbacks: each stops exactly when it should, and never prints."""

import doctest
import io
import math
import pathlib
import pickle
import subprocess
import sys
from types import SimpleNamespace

import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.tree import DecisionTreeClassifier

from gahpo import GeneticSearchCV, callbacks
from gahpo.callbacks import (
    EarlyStopping,
    GenerationTable,
    MLflowLogger,
    ProgressBar,
    TargetScore,
    TimeBudget,
)

X, Y = load_iris(return_X_y=True)


def records(best_scores, *, elapsed=None):
    return [
        {
            "generation": i,
            "best_score": s,
            "mean_score": s,
            "std_score": 0.0,
            "n_evaluated": 4,
            "n_cached": 0,
            "elapsed": float(i + 1) if elapsed is None else elapsed[i],
        }
        for i, s in enumerate(best_scores)
    ]


def drive(callback, recs, search=None):
    """Call ``callback`` like the search does; return the answers."""
    search = search or SimpleNamespace(generations=len(recs), history_=[])
    getattr(callback, "on_start", lambda s: None)(search)
    answers = []
    for rec in recs:
        search.history_.append(rec)
        answers.append(bool(callback(search, rec)))
    getattr(callback, "on_end", lambda s: None)(search)
    return answers


def tiny_search(space=None, generations=2, **kwargs):
    return GeneticSearchCV(
        DecisionTreeClassifier(random_state=0),
        space or {"max_depth": [1, 2, 3, 4, 5, 6], "min_samples_leaf": [1, 2, 4, 8]},
        population_size=4,
        generations=generations,
        cv=3,
        random_state=0,
        **kwargs,
    )


# -- EarlyStopping ------------------------------------------------------------


@pytest.mark.parametrize(
    "scores, patience, tolerance, expected",
    [
        ([0.5, 0.6, 0.7, 0.8], 1, 0.0, [False] * 4),
        ([0.5, 0.5, 0.5, 0.5], 1, 0.0, [False, True, True, True]),
        ([0.5, 0.5, 0.5, 0.5], 3, 0.0, [False, False, False, True]),
        ([0.5, 0.5, 0.6, 0.6, 0.6], 2, 0.0, [False, False, False, False, True]),
        # small gains do not reset the count until they add up to > tolerance
        ([0.5, 0.503, 0.506, 0.509], 3, 0.01, [False, False, False, True]),
        (
            [0.5, 0.504, 0.508, 0.512, 0.513],
            2,
            0.01,
            [False, False, True, False, False],
        ),
        ([0.5, 0.505, 0.52, 0.525], 2, 0.01, [False, False, False, False]),
        # a gain equal to the tolerance is not "more than" it
        ([0.5, 0.75, 1.0], 1, 0.25, [False, True, False]),
        # failures: NaN is never an improvement, a first valid score always is
        ([math.nan, math.nan, 0.5, 0.5], 1, 0.0, [False, False, False, True]),
    ],
)
def test_early_stopping_on_records(scores, patience, tolerance, expected):
    assert drive(EarlyStopping(patience, tolerance), records(scores)) == expected


def test_early_stopping_resets_between_fits_and_resumes_from_history():
    stop = EarlyStopping(patience=2)
    assert drive(stop, records([0.5, 0.5, 0.5])) == [False, False, True]
    assert drive(stop, records([0.5, 0.5])) == [False, False]  # fresh start
    # a resumed search: two stalled generations already in history_
    resumed = SimpleNamespace(generations=5, history_=records([0.9, 0.9]))
    stop.on_start(resumed)
    assert stop.wait_ == 1
    assert stop(resumed, records([0.9, 0.9, 0.9])[-1]) is True


def test_early_stopping_matches_the_search_patience():
    # two candidates only: generation 1 is fully cached and cannot improve
    space = {"max_depth": [1, 2]}
    by_callback = tiny_search(space, generations=10, callbacks=[EarlyStopping(1)]).fit(
        X, Y
    )
    by_param = tiny_search(space, generations=10, patience=1).fit(X, Y)
    assert by_callback.n_generations_ == by_param.n_generations_ == 2
    # a search that improves every generation is not stopped early
    stop = EarlyStopping(patience=5)
    assert tiny_search(generations=3, callbacks=[stop]).fit(X, Y).n_generations_ == 3


# -- TimeBudget ---------------------------------------------------------------


def test_time_budget_on_records():
    recs = records([0.5] * 4, elapsed=[1.0, 2.9, 3.0, 4.0])
    assert drive(TimeBudget(3), recs) == [False, False, True, True]
    assert drive(TimeBudget(10), recs) == [False] * 4


def test_time_budget_without_elapsed_uses_its_own_clock():
    budget = TimeBudget(3600)
    budget.on_start(None)
    assert budget(None, {"best_score": 0.5}) is False
    budget._start -= 7200  # two hours ago
    assert budget(None, {"best_score": 0.5}) is True


def test_time_budget_in_a_search():
    assert (
        tiny_search(generations=3, callbacks=[TimeBudget(1e-9)])
        .fit(X, Y)
        .n_generations_
        == 1
    )
    assert (
        tiny_search(generations=3, callbacks=[TimeBudget(3600)])
        .fit(X, Y)
        .n_generations_
        == 3
    )


# -- TargetScore --------------------------------------------------------------


def test_target_score_on_records():
    recs = records([math.nan, 0.8, 0.9, 0.95])
    assert drive(TargetScore(0.9), recs) == [False, False, True, True]
    assert drive(TargetScore(0.96), recs) == [False] * 4
    # negated error metrics: the target is negative too
    assert drive(TargetScore(-1.0), records([-3.0, -1.0])) == [False, True]


def test_target_score_in_a_search():
    reached = tiny_search(generations=3, callbacks=[TargetScore(0.5)]).fit(X, Y)
    assert reached.n_generations_ == 1 and reached.best_score_ >= 0.5
    missed = tiny_search(generations=3, callbacks=[TargetScore(1.01)]).fit(X, Y)
    assert missed.n_generations_ == 3


# -- ProgressBar --------------------------------------------------------------


def test_progress_bar_shows_generations_and_postfix():
    out = io.StringIO()
    bar = ProgressBar(file=out, mininterval=0)
    search = tiny_search(generations=2, callbacks=[bar]).fit(X, Y)
    text = out.getvalue()
    assert "2/2" in text
    assert "GeneticSearchCV" in text
    evaluated = sum(r["n_evaluated"] for r in search.history_)
    cached = sum(r["n_cached"] for r in search.history_)
    assert f"best={search.best_score_:.4g}" in text
    assert f"evaluated={evaluated}" in text and f"cached={cached}" in text
    assert bar._bar is None  # closed by on_end


def test_progress_bar_stops_short_when_the_search_does():
    out = io.StringIO()
    tiny_search(generations=5, callbacks=[TargetScore(0.5), ProgressBar(file=out)]).fit(
        X, Y
    )
    assert "1/5" in out.getvalue() and "5/5" not in out.getvalue()


def test_progress_bar_kwargs_override_defaults_and_resume():
    out = io.StringIO()
    bar = ProgressBar(file=out, desc="tuning", mininterval=0)
    search = SimpleNamespace(generations=4, history_=records([0.5, 0.6]))
    assert drive(bar, records([0.5, 0.6, 0.7])[2:], search) == [False]
    text = out.getvalue()
    assert "tuning" in text and "3/4" in text and "evaluated=12" in text


def test_progress_bar_without_tqdm(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # makes the import fail
    with pytest.raises(ImportError, match=r'pip install "sklearn-gahpo\[progress\]"'):
        ProgressBar().on_start(SimpleNamespace(generations=2, history_=[]))


def test_importing_callbacks_does_not_import_tqdm_or_mlflow():
    code = (
        "import sys, gahpo.callbacks; "
        "print('tqdm' in sys.modules, 'mlflow' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False False"


def test_a_fitted_search_with_a_progress_bar_pickles():
    import pickle

    search = tiny_search(callbacks=[ProgressBar(file=io.StringIO())]).fit(X, Y)
    assert pickle.loads(pickle.dumps(search)).best_params_ == search.best_params_


# -- all of them --------------------------------------------------------------


def test_callbacks_never_print(capsys):
    tiny_search(
        generations=2,
        callbacks=[
            EarlyStopping(1),
            TimeBudget(3600),
            TargetScore(1.01),
            ProgressBar(file=io.StringIO()),
        ],
    ).fit(X, Y)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


@pytest.mark.parametrize(
    "make, error, match",
    [
        (
            lambda: EarlyStopping(0),
            ValueError,
            r"EarlyStopping: `patience >= 1` must hold, got patience=0",
        ),
        (
            lambda: EarlyStopping(2.5),
            TypeError,
            r"`patience` must be an integer, got patience=2.5",
        ),
        (
            lambda: EarlyStopping(2, tolerance=-0.1),
            ValueError,
            r"`tolerance >= 0` must hold",
        ),
        (
            lambda: TimeBudget(0),
            ValueError,
            r"TimeBudget: `seconds > 0` must hold, got seconds=0",
        ),
        (
            lambda: TimeBudget("60"),
            TypeError,
            r"`seconds` must be a real number, got seconds='60'",
        ),
        (
            lambda: TargetScore("0.9"),
            TypeError,
            r"`score` must be a real number, got score='0.9'",
        ),
        (lambda: TargetScore(math.nan), ValueError, r"`score` must not be NaN"),
        (
            lambda: MLflowLogger(run_name=3),
            TypeError,
            r"MLflowLogger: `run_name` must be a str or None, got run_name=3",
        ),
        (
            lambda: MLflowLogger(tracking_uri=pathlib.Path("mlruns")),
            TypeError,
            r"`tracking_uri` must be a str or None, got tracking_uri=.*Path",
        ),
    ],
)
def test_bad_arguments_name_the_parameter(make, error, match):
    with pytest.raises(error, match=match):
        make()


@pytest.mark.parametrize(
    "module",
    [callbacks, callbacks._stopping, callbacks._display, callbacks._mlflow],
    ids=lambda module: module.__name__,
)
def test_doctests(module):
    result = doctest.testmod(
        module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    )
    assert result.attempted > 0 and result.failed == 0


# -- ProgressBar with a budget ------------------------------------------------


def test_progress_bar_counts_to_the_n_iter_cap():
    out = io.StringIO()
    search = GeneticSearchCV(
        DecisionTreeClassifier(random_state=0),
        {"max_depth": [1, 2, 3, 4, 5, 6, 7, 8]},
        n_iter=8,  # population 6, at most 5 generations (not 25)
        cv=3,
        random_state=0,
        callbacks=[ProgressBar(file=out, mininterval=0)],
    ).fit(X, Y)
    text = out.getvalue()
    assert f"{search.n_generations_}/5" in text and "/25" not in text


# -- GenerationTable ----------------------------------------------------------

HEADER = ["gen", "evaluated", "cached", "best", "mean", "std"]


def test_generation_table_writes_a_row_per_generation():
    out = io.StringIO()
    search = tiny_search(generations=3, callbacks=[GenerationTable(file=out)]).fit(X, Y)
    header, *rows = out.getvalue().splitlines()
    assert header.split() == HEADER + ["diversity", "duplicates", "elapsed"]
    assert len(rows) == search.n_generations_ == 3
    for row, record in zip(rows, search.history_):
        cells = row.split()
        assert [int(c) for c in cells[:3]] == [
            record["generation"],
            record["n_evaluated"],
            record["n_cached"],
        ]
        expected = [record[k] for k in ("best_score", "mean_score", "std_score")]
        assert [float(c) for c in cells[3:6]] == pytest.approx(expected, rel=1e-4)
        assert float(cells[6]) == pytest.approx(record["diversity"], abs=0.005)
        assert cells[8].endswith("s")
    widths = {len(line) for line in [header, *rows]}
    assert len(widths) == 1  # aligned columns


def test_generation_table_resumes_and_tolerates_missing_entries():
    out = io.StringIO()
    table = GenerationTable(file=out)
    search = SimpleNamespace(generations=4, history_=records([0.5, 0.6]))
    assert drive(table, records([0.5, 0.6, math.nan])[2:], search) == [False]
    header, *rows = out.getvalue().splitlines()
    assert header.split()[:6] == HEADER
    assert [row.split()[0] for row in rows] == ["0", "1", "2"]  # restored first
    assert rows[2].split()[3:5] == ["nan", "nan"]
    assert rows[2].split()[6:8] == ["-", "-"]  # no diversity in these records
    assert "GenerationTable(" in repr(table)


def test_generation_table_writes_around_an_open_progress_bar(capsys):
    out, bar_out = io.StringIO(), io.StringIO()
    tiny_search(
        generations=2,
        callbacks=[ProgressBar(file=bar_out, mininterval=0), GenerationTable(file=out)],
    ).fit(X, Y)
    lines = out.getvalue().splitlines()
    assert len(lines) == 3 and lines[0].split()[:2] == ["gen", "evaluated"]
    assert "2/2" in bar_out.getvalue()
    assert capsys.readouterr().out == ""


def test_generation_table_defaults_to_stdout(capsys):
    table = GenerationTable()
    drive(table, records([0.5]))
    assert capsys.readouterr().out.splitlines()[0].split()[:6] == HEADER
    search = tiny_search(callbacks=[table]).fit(X, Y)
    capsys.readouterr()
    assert pickle.loads(pickle.dumps(search)).best_params_ == search.best_params_


# -- MLflowLogger -------------------------------------------------------------

RECORD_METRICS = [
    "best_score",
    "mean_score",
    "std_score",
    "n_evaluated",
    "n_cached",
    "elapsed",
    "diversity",
    "duplicate_rate",
]


@pytest.fixture
def mlflow_store(tmp_path, monkeypatch):
    """mlflow and the URI of a fresh local file store."""
    # mlflow 3 keeps the file store in maintenance mode behind this switch
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("MLFLOW_EXPERIMENT_NAME", raising=False)
    monkeypatch.delenv("MLFLOW_RUN_ID", raising=False)
    mlflow = pytest.importorskip("mlflow")
    yield mlflow, (tmp_path / "mlruns").as_uri()
    while mlflow.active_run() is not None:
        mlflow.end_run()


def metric_history(client, run_id, key):
    history = sorted(client.get_metric_history(run_id, key), key=lambda m: m.step)
    return [m.step for m in history], [m.value for m in history]


def test_mlflow_logger_logs_every_generation(mlflow_store):
    mlflow, uri = mlflow_store
    logger = MLflowLogger(run_name="tiny", tracking_uri=uri)
    search = tiny_search(generations=3, callbacks=[logger]).fit(X, Y)

    client = mlflow.MlflowClient(tracking_uri=uri)
    run = client.get_run(logger.run_id_)
    assert run.info.run_name == "tiny" and run.info.status == "FINISHED"
    assert client.get_experiment(run.info.experiment_id).name == "Default"
    generations = [r["generation"] for r in search.history_]
    for key in RECORD_METRICS:
        steps, values = metric_history(client, logger.run_id_, key)
        assert steps == generations == [0, 1, 2], key
        expected = [float(r[key]) for r in search.history_]
        assert values == pytest.approx(expected, nan_ok=True), key
    assert "generation" not in run.data.metrics
    assert run.data.metrics["best_cv_score"] == pytest.approx(search.best_score_)
    assert run.data.metrics["n_generations"] == 3
    params = run.data.params
    assert params["population_size"] == "4" and params["generations"] == "3"
    assert params["estimator"] == "DecisionTreeClassifier(random_state=0)"
    assert "callbacks" not in params
    assert run.data.tags["estimator_name"] == "DecisionTreeClassifier"
    # nothing left open; the fitted search pickles
    assert mlflow.active_run() is None and logger._client is None
    assert pickle.loads(pickle.dumps(search)).best_params_ == search.best_params_


def test_mlflow_logger_logs_best_params_of_the_fitted_search(mlflow_store):
    # on_end as it runs when the search calls it after refit (best_params_ set)
    mlflow, uri = mlflow_store
    fitted = tiny_search(generations=2).fit(X, Y)
    logger = MLflowLogger(tracking_uri=uri, experiment_name="replay")
    logger.on_start(clone(fitted))
    for record in fitted.history_:
        logger(fitted, record)
    logger.on_end(fitted)

    client = mlflow.MlflowClient(tracking_uri=uri)
    run = client.get_run(logger.run_id_)
    assert client.get_experiment(run.info.experiment_id).name == "replay"
    best = {
        k[len("best_") :]: v
        for k, v in run.data.params.items()
        if k.startswith("best_")
    }
    assert best == {k: repr(v) for k, v in fitted.best_params_.items()}
    assert run.data.metrics["best_cv_score"] == pytest.approx(fitted.best_score_)


def test_mlflow_logger_uses_the_active_run_and_leaves_it_open(
    mlflow_store, monkeypatch
):
    mlflow, uri = mlflow_store
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    logger = MLflowLogger(run_name="ignored")
    with mlflow.start_run(run_name="outer") as outer:
        tiny_search(generations=2, callbacks=[logger]).fit(X, Y)
        assert logger.run_id_ == outer.info.run_id
        assert mlflow.active_run().info.run_id == outer.info.run_id
        # a second fit with other settings: parameters cannot change, metrics add up
        with pytest.warns(
            UserWarning, match=r"already holds parameters \['generations'\]"
        ):
            tiny_search(generations=1, callbacks=[logger]).fit(X, Y)
    client = mlflow.MlflowClient(tracking_uri=uri)
    run = client.get_run(outer.info.run_id)
    assert run.info.run_name == "outer" and run.info.status == "FINISHED"
    assert run.data.params["generations"] == "2"
    assert metric_history(client, outer.info.run_id, "best_score")[0] == [0, 0, 1]


def test_mlflow_logger_starts_and_ends_a_run_of_the_current_store(
    mlflow_store, monkeypatch
):
    mlflow, uri = mlflow_store
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    logger = MLflowLogger(run_name="own", experiment_name="tuning", log_params=False)
    tiny_search(generations=2, callbacks=[logger]).fit(X, Y)
    assert mlflow.active_run() is None
    run = mlflow.MlflowClient().get_run(logger.run_id_)
    assert run.info.run_name == "own" and run.info.status == "FINISHED"
    assert mlflow.get_experiment(run.info.experiment_id).name == "tuning"
    assert run.data.params == {}
    assert run.data.metrics["n_generations"] == 2
    first = logger.run_id_
    tiny_search(generations=2, callbacks=[logger]).fit(X, Y)  # a new run per fit
    assert logger.run_id_ != first


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.FitFailedWarning")
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_mlflow_logger_marks_a_failed_search(mlflow_store):
    mlflow, uri = mlflow_store
    logger = MLflowLogger(tracking_uri=uri)
    with pytest.raises(ValueError, match="fits failed"):
        tiny_search({"max_depth": [-1, -2]}, callbacks=[logger]).fit(X, Y)
    run = mlflow.MlflowClient(tracking_uri=uri).get_run(logger.run_id_)
    assert run.info.status == "FAILED"
    # a fit inside an `except` block is not a failure
    try:
        raise KeyError("handled by the caller")
    except KeyError:
        tiny_search(generations=1, callbacks=[logger]).fit(X, Y)
    run = mlflow.MlflowClient(tracking_uri=uri).get_run(logger.run_id_)
    assert run.info.status == "FINISHED"


def test_mlflow_logger_without_mlflow(monkeypatch):
    monkeypatch.setitem(sys.modules, "mlflow", None)  # makes the import fail
    with pytest.raises(ImportError, match=r"pip install mlflow"):
        MLflowLogger().on_start(SimpleNamespace(generations=2, history_=[]))


def test_mlflow_logger_repr():
    assert repr(MLflowLogger()) == "MLflowLogger()"
    assert (
        repr(MLflowLogger("a", log_params=False))
        == "MLflowLogger(run_name='a', log_params=False)"
    )
