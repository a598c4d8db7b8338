"""Built-in callbacks: each stops exactly when it should, and never prints."""

import doctest
import io
import math
import subprocess
import sys
from types import SimpleNamespace

import pytest
from sklearn.datasets import load_iris
from sklearn.tree import DecisionTreeClassifier

from gahpo import GeneticSearchCV, callbacks
from gahpo.callbacks import EarlyStopping, ProgressBar, TargetScore, TimeBudget

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


def test_importing_callbacks_does_not_import_tqdm():
    code = "import sys, gahpo.callbacks; print('tqdm' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


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
    ],
)
def test_bad_arguments_name_the_parameter(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_doctests():
    result = doctest.testmod(
        callbacks, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    )
    assert result.attempted > 0 and result.failed == 0
