"""``verbose``: a progress bar from 1, the table of generations from 2,
scikit-learn's own messages from 3; callbacks' ``on_end`` after the refit."""

import sys

import pytest
from sklearn.datasets import load_iris
from sklearn.tree import DecisionTreeClassifier

from gahpo import GeneticSearchCV

X, Y = load_iris(return_X_y=True)


def tiny_search(generations=2, **kwargs):
    return GeneticSearchCV(
        DecisionTreeClassifier(random_state=0),
        {"max_depth": [1, 2, 3, 4, 5, 6], "min_samples_leaf": [1, 2, 4, 8]},
        population_size=4,
        generations=generations,
        cv=3,
        random_state=0,
        **kwargs,
    )


def test_verbose_0_is_silent(capsys):
    tiny_search(verbose=0).fit(X, Y)
    assert capsys.readouterr() == ("", "")


def test_verbose_1_shows_a_progress_bar_only(capsys):
    search = tiny_search(verbose=1).fit(X, Y)
    out, err = capsys.readouterr()
    assert "GeneticSearchCV" in err and "2/2" in err
    assert f"best={search.best_score_:.4g}" in err
    assert out == ""  # no scikit-learn line to break the bar
    assert search.verbose == 1


def test_verbose_2_adds_the_table_of_generations(capsys):
    search = tiny_search(generations=3, verbose=2).fit(X, Y)
    out, err = capsys.readouterr()
    header, *rows = out.splitlines()
    assert header.split()[:3] == ["gen", "evaluated", "cached"]
    assert [int(row.split()[0]) for row in rows] == [0, 1, 2]
    assert [float(row.split()[3]) for row in rows] == pytest.approx(
        [r["best_score"] for r in search.history_], rel=1e-4
    )
    assert "Fitting" not in out and "[CV]" not in out
    assert "3/3" in err


def test_verbose_3_and_4_add_scikit_learns_messages(capsys):
    tiny_search(verbose=3).fit(X, Y)
    out = capsys.readouterr().out
    assert out.count("Fitting 3 folds for each of") == 2 and "[CV] END" not in out
    tiny_search(verbose=4).fit(X, Y)
    assert "[CV] END" in capsys.readouterr().out


def test_verbose_without_tqdm_shows_the_table(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # makes the import fail
    tiny_search(verbose=1).fit(X, Y)
    out, err = capsys.readouterr()
    assert out.splitlines()[0].split()[0] == "gen" and len(out.splitlines()) == 3
    assert err == ""


def test_verbose_is_restored_when_fit_fails():
    search = tiny_search(verbose=2, error_score="raise")
    search.set_params(estimator__min_impurity_decrease=-1.0)
    with pytest.raises(ValueError):
        search.fit(X, Y)
    assert search.verbose == 2


def test_on_end_sees_the_refitted_search_and_runs_on_failure():
    seen = []

    class Spy:
        def __call__(self, search, record):
            return False

        def on_end(self, search):
            seen.append((getattr(search, "best_params_", None), sys.exc_info()[0]))

    search = tiny_search(callbacks=[Spy()]).fit(X, Y)
    assert seen == [(search.best_params_, None)]
    with pytest.raises(ValueError):
        tiny_search(callbacks=[Spy()], error_score="raise").set_params(
            estimator__min_impurity_decrease=-1.0
        ).fit(X, Y)
    assert seen[-1][1] is not None


def test_mlflow_logger_logs_best_params_in_a_search(tmp_path, monkeypatch):
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    mlflow = pytest.importorskip("mlflow")
    from gahpo.callbacks import MLflowLogger

    uri = (tmp_path / "mlruns").as_uri()
    logger = MLflowLogger(tracking_uri=uri)
    search = tiny_search(callbacks=[logger]).fit(X, Y)
    run = mlflow.MlflowClient(tracking_uri=uri).get_run(logger.run_id_)
    assert run.data.params["best_max_depth"] == repr(search.best_params_["max_depth"])
    assert run.data.metrics["best_cv_score"] == pytest.approx(search.best_score_)
