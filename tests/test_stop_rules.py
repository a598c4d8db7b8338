"""The stop rules: one implementation for the search and its callbacks."""

import doctest
import math
import warnings

import numpy as np
import pytest
from conftest import Quadratic
from sklearn.exceptions import FitFailedWarning

from gahpo import GeneticSearchCV, _stop_rules
from gahpo._stop_rules import no_improvement, out_of_time, stall
from gahpo.callbacks import EarlyStopping, TimeBudget
from gahpo.space import Integer

NAN = math.nan


# -- no_improvement -------------------------------------------------------------


@pytest.mark.parametrize(
    "best_scores, patience, tolerance, expected",
    [
        ([], 1, 0.0, False),
        ([0.5], 1, 0.0, False),
        ([0.5, 0.5], 1, 0.0, True),
        ([0.5, 0.6], 1, 0.0, False),
        ([0.5, 0.6, 0.6], 2, 0.0, False),
        ([0.5, 0.6, 0.6, 0.6], 2, 0.0, True),
        # the search's old rule: more than `patience` records and the last best
        # not greater than the one `patience` generations before
        ([0.5, 0.5, 0.5, 0.5], 3, 0.0, True),
        ([0.5, 0.5, 0.5], 3, 0.0, False),
        # a gain equal to the tolerance is not "more than" it
        ([0.5, 0.75], 1, 0.25, True),
        ([0.5, 0.76], 1, 0.25, False),
        # small gains count once they add up to more than the tolerance
        ([0.5, 0.504, 0.508], 2, 0.01, True),
        ([0.5, 0.504, 0.508, 0.512], 2, 0.01, False),
        # NaN: never an improvement, and nothing counts before the first score
        ([NAN], 1, 0.0, False),
        ([NAN, NAN, NAN, NAN], 1, 0.0, False),
        ([NAN, 0.5], 1, 0.0, False),
        ([NAN, NAN, 0.5, 0.5], 1, 0.0, True),
        ([0.5, NAN], 1, 0.0, True),
        # patience=None is no rule
        ([0.5, 0.5, 0.5], None, 0.0, False),
    ],
)
def test_no_improvement(best_scores, patience, tolerance, expected):
    assert no_improvement(best_scores, patience, tolerance) is expected


def test_no_improvement_takes_numpy_scores():
    assert no_improvement(np.array([0.5, 0.5, np.nan]), 2) is True
    assert no_improvement([np.float64(0.5), np.float64(0.7)], 1) is False


def test_stall_reports_the_reference_and_the_wait():
    assert stall([]) == (None, 0)
    assert stall([NAN, NAN]) == (None, 0)
    assert stall([NAN, 0.5, 0.5, NAN]) == (0.5, 2)
    assert stall([0.5, 0.504, 0.508, 0.512, 0.513], tolerance=0.01) == (0.512, 1)


# -- out_of_time ----------------------------------------------------------------


@pytest.mark.parametrize(
    "elapsed, seconds, expected",
    [
        (0.0, 1.0, False),
        (0.999, 1.0, False),
        (1.0, 1.0, True),  # the budget is spent once reached
        (1.5, 1.0, True),
        (NAN, 1.0, False),
        (1e9, None, False),
    ],
)
def test_out_of_time(elapsed, seconds, expected):
    assert out_of_time(elapsed, seconds) is expected


def test_doctests():
    result = doctest.testmod(_stop_rules)
    assert result.attempted > 0 and result.failed == 0


# -- the search and the callbacks agree -------------------------------------------


class Steps(Quadratic):
    """Improves in steps of 100 of ``d``, then stalls: a search stops early."""

    def score(self, X, y=None, sample_weight=None):
        return float(self.d // 100)


class FailsBelow(Steps):
    """Every candidate with ``d < 600`` fails (NaN score)."""

    def fit(self, X, y=None, sample_weight=None):
        if self.d < 600:
            raise ValueError("this candidate fails")
        return super().fit(X, y, sample_weight)


def steps_search(estimator, generations=30, random_state=0, **kwargs):
    return GeneticSearchCV(
        estimator,
        {"d": Integer(0, 999)},
        cv=2,
        population_size=4,
        generations=generations,
        refit=False,
        random_state=random_state,
        **kwargs,
    )


@pytest.mark.parametrize("estimator", [Steps(), FailsBelow()], ids=["steps", "fails"])
@pytest.mark.parametrize("patience", [1, 2, 3])
def test_search_patience_and_early_stopping_stop_at_the_same_generation(
    estimator, patience
):
    X, y = np.zeros((6, 1)), np.zeros(6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitFailedWarning)
        warnings.simplefilter("ignore", UserWarning)
        by_param = steps_search(estimator, patience=patience).fit(X, y)
        by_callback = steps_search(estimator, callbacks=[EarlyStopping(patience)]).fit(
            X, y
        )
    best = [r["best_score"] for r in by_param.history_]
    assert [r["best_score"] for r in by_callback.history_] == pytest.approx(
        best, nan_ok=True
    )
    assert by_param.n_generations_ == by_callback.n_generations_ < 30
    # the first generation at which the rule holds is the last one run
    stops = [no_improvement(best[: i + 1], patience) for i in range(len(best))]
    assert stops.index(True) == len(best) - 1


class FailsOneFold(Steps):
    """Candidates with ``d < 950`` fail on one fold of two: a NaN mean score,
    yet not every fit of a generation fails (the search raises on that)."""

    def fit(self, X, y=None, sample_weight=None):
        if self.d < 950 and np.min(X) == 0:
            raise ValueError("this candidate fails on the first rows")
        return super().fit(X, y, sample_weight)


def test_search_patience_waits_for_a_first_valid_score():
    X, y = np.arange(6.0).reshape(-1, 1), np.zeros(6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitFailedWarning)
        warnings.simplefilter("ignore", UserWarning)
        for seed in range(50):  # a run whose first two generations all fail
            best = [
                r["best_score"]
                for r in steps_search(FailsOneFold(), random_state=seed)
                .fit(X, y)
                .history_
            ]
            if np.isnan(best[:2]).all() and not np.isnan(best).all():
                break
        else:
            pytest.skip("no seed with two failed generations first")
        by_param = steps_search(FailsOneFold(), random_state=seed, patience=1)
        by_callback = steps_search(
            FailsOneFold(), random_state=seed, callbacks=[EarlyStopping(1)]
        )
        by_param.fit(X, y)
        by_callback.fit(X, y)
    # two generations without a score do not count as two without improvement
    assert by_param.n_generations_ == by_callback.n_generations_ > 2


def test_search_max_time_and_time_budget_stop_at_the_same_generation():
    X, y = np.zeros((6, 1)), np.zeros(6)
    by_param = steps_search(Steps(), max_time=1e-9).fit(X, y)
    by_callback = steps_search(Steps(), callbacks=[TimeBudget(1e-9)]).fit(X, y)
    assert by_param.n_generations_ == by_callback.n_generations_ == 1


# -- a time budget shrinks the generation that would cross it ---------------


@pytest.mark.parametrize(
    "time_left, history, min_size, expected",
    [
        (None, [{"elapsed": 1.0, "n_evaluated": 10}], 1, None),
        (5.0, [], 1, None),  # no pace yet
        (5.0, [{"elapsed": 10.0, "n_evaluated": 10}], 1, 5),
        (0.1, [{"elapsed": 10.0, "n_evaluated": 10}], 2, 2),  # one round at least
        # the pace of the last generations that fitted anything, averaged
        (
            6.0,
            [
                {"elapsed": 2.0, "n_evaluated": 4},
                {"elapsed": 2.0, "n_evaluated": 0},
                {"elapsed": 8.0, "n_evaluated": 4},
            ],
            1,
            6,
        ),
    ],
)
def test_last_generation_size(time_left, history, min_size, expected):
    assert _stop_rules.last_generation_size(time_left, history, min_size) == expected


class SlowQuadratic(Quadratic):
    """``Quadratic`` whose fit takes ``seconds``."""

    seconds = 0.05

    def fit(self, X, y=None, sample_weight=None):
        import time

        time.sleep(self.seconds)
        return super().fit(X, y, sample_weight)


def test_max_time_cuts_the_generation_that_would_cross_it():
    # 10 candidates x 2 folds x 0.05 s: a generation takes ~1 s. With 1.5 s,
    # the second generation is cut to the ~5 candidates the time left holds.
    X, y = np.zeros((6, 1)), np.zeros(6)
    space = {"a": Integer(1, 1000), "d": Integer(1, 1000)}
    search = GeneticSearchCV(
        SlowQuadratic(),
        space,
        population_size=10,
        generations=5,
        cv=2,
        max_time=1.5,
        surrogate=None,
        random_state=0,
    ).fit(X, y)
    evaluated = [r["n_evaluated"] for r in search.history_]
    assert evaluated[0] == 10
    assert len(evaluated) >= 2 and 1 <= evaluated[1] < 9
    assert len(search.cv_results_["params"]) == sum(evaluated)


def test_without_max_time_no_generation_is_cut():
    X, y = np.zeros((6, 1)), np.zeros(6)
    space = {"a": Integer(1, 1000), "d": Integer(1, 1000)}
    search = GeneticSearchCV(
        Quadratic(),
        space,
        population_size=10,
        generations=4,
        cv=2,
        surrogate=None,
        random_state=0,
    ).fit(X, y)
    assert search.history_[0]["n_evaluated"] == 10
    assert all(r["n_evaluated"] + r["n_cached"] == 10 for r in search.history_)
