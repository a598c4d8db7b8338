"""``cv_results_`` formatted once: each batch formats its own rows only.

scikit-learn's ``evaluate_candidates`` formats every row after every batch,
which makes a search of many generations quadratic. gahpo formats the rows
of each batch (the engine reads only those) and the whole once, at the end:
the result must be what formatting after every batch gives.
"""

import functools

import numpy as np
import pytest
from conftest import Quadratic
from sklearn.linear_model import LogisticRegression
from sklearn.svm import SVC

import gahpo._evaluation
from gahpo import GeneticSearchCV
from gahpo.space import Categorical, Integer, Real

SPACE = {
    "a": Real(0.01, 100.0, log=True),
    "b": Real(0.0, 1.0),
    "c": Categorical(["x", "y"]),
    "d": Integer(0, 20),
}
TIMES = ("mean_fit_time", "std_fit_time", "mean_score_time", "std_score_time")


class Counting(GeneticSearchCV):
    """Counts the rows formatted, over every call."""

    def _format_rows(self, params, n_splits, out, more_results):
        self.rows_formatted_ = getattr(self, "rows_formatted_", 0) + len(params)
        return super()._format_rows(params, n_splits, out, more_results)


def _every_batch(monkeypatch):
    """Format every row after every batch, as scikit-learn does."""
    monkeypatch.setattr(gahpo._evaluation, "can_format_in_full", lambda ev: False)


def assert_same_results(a, b):
    assert sorted(a) == sorted(b)
    for key in a:
        if key in TIMES or key.startswith("split") and key.endswith("time"):
            continue
        if key == "params":
            assert a[key] == b[key]
            continue
        x, y = a[key], b[key]
        assert type(x) is type(y), key
        assert np.asarray(x).dtype == np.asarray(y).dtype, key
        np.testing.assert_array_equal(np.ma.getmaskarray(x), np.ma.getmaskarray(y))
        np.testing.assert_array_equal(np.ma.getdata(x), np.ma.getdata(y), err_msg=key)


def _fit(monkeypatch, every_batch, make, X, y):
    with monkeypatch.context() as m:
        if every_batch:
            _every_batch(m)
        return make().fit(X, y)


SEARCHES = {
    "plain": lambda: Counting(
        Quadratic(), SPACE, population_size=6, generations=5, cv=2, random_state=0
    ),
    "multimetric": lambda: Counting(
        SVC(),
        {"C": Real(0.01, 100.0, log=True), "gamma": Real(1e-3, 1.0, log=True)},
        scoring=["accuracy", "balanced_accuracy"],
        refit="balanced_accuracy",
        return_train_score=True,
        population_size=6,
        generations=4,
        cv=3,
        random_state=1,
    ),
    "multi-fidelity and finalists": lambda: Counting(
        LogisticRegression(max_iter=50),
        {"C": Real(0.01, 100.0, log=True)},
        min_resources=30,
        factor=2,
        finalists=3,
        population_size=6,
        generations=4,
        cv=3,
        random_state=2,
    ),
    "failures": lambda: Counting(
        Quadratic(),
        {**SPACE, "fail": Categorical([False, True])},
        error_score=np.nan,
        population_size=6,
        generations=4,
        cv=2,
        random_state=3,
    ),
}


@pytest.mark.filterwarnings("ignore::UserWarning")  # non-finite scores
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.FitFailedWarning")
@pytest.mark.parametrize("name", list(SEARCHES))
def test_formatted_once_same_as_every_batch(monkeypatch, iris, name):
    X, y = iris
    once = _fit(monkeypatch, False, SEARCHES[name], X, y)
    every = _fit(monkeypatch, True, SEARCHES[name], X, y)
    assert_same_results(once.cv_results_, every.cv_results_)
    assert once.best_index_ == every.best_index_
    assert once.best_params_ == every.best_params_
    assert once.best_score_ == every.best_score_
    # linear: every row once in its batch, and once in the whole
    n_rows = len(once.cv_results_["params"])
    assert once.rows_formatted_ == 2 * n_rows
    assert every.rows_formatted_ > 2 * n_rows


def test_resumed_search_formatted_in_full(monkeypatch, tmp_path):
    X, y = np.zeros((8, 1)), np.zeros(8)
    settings = dict(population_size=6, generations=6, cv=2, random_state=0)

    def interrupt(search, record):
        if record["generation"] == 2:
            raise KeyboardInterrupt

    ckpt = tmp_path / "c.ckpt"
    with pytest.raises(KeyboardInterrupt):
        GeneticSearchCV(
            Quadratic(), SPACE, checkpoint=ckpt, callbacks=[interrupt], **settings
        ).fit(X, y)
    resumed = GeneticSearchCV(Quadratic(), SPACE, checkpoint=ckpt, **settings).fit(X, y)
    with monkeypatch.context() as m:
        _every_batch(m)
        reference = GeneticSearchCV(Quadratic(), SPACE, **settings).fit(X, y)
    assert_same_results(resumed.cv_results_, reference.cv_results_)


class Wrapped(Counting):
    """Hides scikit-learn's closure behind a ``functools.partial``."""

    def _run_search(self, evaluate_candidates, **kwargs):
        return super()._run_search(functools.partial(evaluate_candidates), **kwargs)


def test_unreachable_closure_formats_every_batch(iris):
    X, y = iris
    settings = dict(population_size=6, generations=4, cv=2, random_state=0)
    wrapped = Wrapped(Quadratic(), SPACE, **settings).fit(X, y)
    plain = Counting(Quadratic(), SPACE, **settings).fit(X, y)
    assert_same_results(wrapped.cv_results_, plain.cv_results_)
    n_rows = len(plain.cv_results_["params"])
    assert plain.rows_formatted_ == 2 * n_rows
    assert wrapped.rows_formatted_ > 2 * n_rows  # the fallback: every batch
