"""Multi-fidelity: rungs, promotion, n_resources rows, best at full resource."""

import math

import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from gahpo import GeneticSearchCV
from gahpo._engine import GeneticEngine
from gahpo._fidelity import check_ladder, promote
from gahpo._validation import check_folds
from gahpo.space import Real, SearchSpace

#: (a, max_iter, n_train) of every fit in this process (n_jobs=1)
FITS = []
#: fits after which the next one raises KeyboardInterrupt (None: never)
CRASH_AFTER = [None]


class Budgeted(RegressorMixin, BaseEstimator):
    """Scores ``quality(a)``, a little less with fewer iterations or samples.

    ``overfit=True`` reverses the resource's effect (more is worse), to check
    that the best is chosen at the full resource even so.
    """

    def __init__(self, a=1.0, max_iter=100, overfit=False):
        self.a = a
        self.max_iter = max_iter
        self.overfit = overfit

    def fit(self, X, y=None):
        if CRASH_AFTER[0] is not None and len(FITS) >= CRASH_AFTER[0]:
            raise KeyboardInterrupt("the machine went down")
        FITS.append((self.a, self.max_iter, len(X)))
        self.n_train_ = len(X)
        return self

    def predict(self, X):
        return np.zeros(len(X))

    def score(self, X, y=None):
        quality = -((math.log10(self.a) - 1.0) ** 2)
        cost = 1.0 / self.max_iter + 10.0 / self.n_train_
        return quality + (cost if self.overfit else -cost)


X, Y = np.arange(400.0).reshape(200, 2), np.zeros(200)
SPACE = {"a": Real(1e-2, 1e4, log=True)}


@pytest.fixture(autouse=True)
def _clear_fits():
    FITS.clear()
    yield
    FITS.clear()
    CRASH_AFTER[0] = None


def _search(**kw):
    params = dict(
        resource="max_iter",
        min_resources=1,
        max_resources=9,
        factor=3,
        population_size=9,
        generations=3,
        cv=2,
        random_state=0,
        surrogate=None,
    )
    params.update(kw)
    estimator = params.pop("estimator", Budgeted())
    return GeneticSearchCV(estimator, params.pop("space", SPACE), **params)


def _rows(search, generation):
    res = search.cv_results_
    rows = np.flatnonzero(np.asarray(res["generation"]) == generation)
    return [(res["params"][i]["a"], res["n_resources"][i]) for i in rows]


def test_rungs_and_promotion_from_a_fixed_seed():
    search = _search().fit(X, Y)
    first = _rows(search, 0)
    by_rung = {r: [a for a, n in first if n == r] for r in (1, 3, 9)}
    assert [len(by_rung[r]) for r in (1, 3, 9)] == [9, 3, 1]
    quality = lambda a: -((math.log10(a) - 1.0) ** 2)  # noqa: E731
    # the best third of a rung goes up, and only those
    assert sorted(by_rung[3]) == sorted(sorted(by_rung[1], key=quality)[-3:])
    assert by_rung[9] == [max(by_rung[3], key=quality)]
    # later generations promote against every score seen at the rung, and
    # at most a third of the generation's candidates at each rung
    for generation in (1, 2):
        rows = _rows(search, generation)
        counts = [sum(n == r for _, n in rows) for r in (1, 3, 9)]
        assert sum(counts) == len(rows)
        assert counts[1] <= math.ceil(counts[0] / 3)
        assert counts[2] <= math.ceil(counts[1] / 3)


def test_a_promoted_candidate_is_never_fitted_again_at_a_rung_it_passed():
    _search(refit=False).fit(X, Y)
    per_candidate_rung = [(a, it) for a, it, _ in FITS]
    # two folds per (candidate, rung), never more
    counts = {key: per_candidate_rung.count(key) for key in set(per_candidate_rung)}
    assert set(counts.values()) == {2}


def test_cv_results_have_a_row_per_candidate_and_resource():
    search = _search().fit(X, Y)
    res = search.cv_results_
    n_rows = len(res["params"])
    assert len(res["n_resources"]) == len(res["generation"]) == n_rows
    assert all(p["max_iter"] == n for p, n in zip(res["params"], res["n_resources"]))
    candidates = {p["a"] for p in res["params"]}
    assert len(candidates) == sum(r["n_evaluated"] for r in search.history_)
    assert n_rows > len(candidates)


def test_the_best_is_chosen_at_the_full_resource_only():
    # more resource scores *worse* here, so the best row overall is a cheap one
    search = _search(estimator=Budgeted(overfit=True)).fit(X, Y)
    res = search.cv_results_
    overall = int(np.nanargmax(res["mean_test_score"]))
    assert res["n_resources"][overall] < 9
    assert res["n_resources"][search.best_index_] == 9
    full = np.flatnonzero(np.asarray(res["n_resources"]) == 9)
    assert search.best_score_ == np.max(res["mean_test_score"][full])
    assert search.best_params_ == res["params"][search.best_index_]
    assert search.best_estimator_.max_iter == 9
    assert all(math.isfinite(r["best_score"]) for r in search.history_)


def test_n_samples_subsamples_the_training_folds():
    search = _search(
        resource="n_samples", min_resources=20, max_resources="auto", refit=False
    )
    search.fit(X, Y)
    # 180 would be within sqrt(3) of the 200 samples: the full resource instead
    assert sorted(set(search.cv_results_["n_resources"])) == [20, 60, 200]
    # HalvingRandomSearchCV's fitted attributes, "auto" resolved
    assert search.n_resources_ == [20, 60, 200]
    assert (search.min_resources_, search.max_resources_) == (20, 200)
    trained = {n for _, _, n in FITS}
    # each training fold holds half of the data (cv=2): a rung keeps its share
    assert trained == {10, 30, 100}


@pytest.mark.parametrize("finalists", [None, 2])
def test_n_samples_below_all_samples_fits_that_many(finalists):
    # as HalvingRandomSearchCV: a rung of r samples keeps r / n_samples of
    # each training fold, the last one too when max_resources < n_samples
    search = _search(
        resource="n_samples",
        min_resources=20,
        max_resources=100,
        finalists=finalists,
        refit=False,
    )
    search.fit(X, Y)
    res = search.cv_results_
    assert sorted(set(res["n_resources"])) == [20, 100]
    assert {n for _, _, n in FITS} == {10, 50}
    assert res["n_resources"][search.best_index_] == 100
    assert search.max_resources_ == 100


def test_no_resources_attributes_without_multi_fidelity():
    search = _search(min_resources=None).fit(X, Y)
    assert not hasattr(search, "n_resources_")
    assert not hasattr(search, "max_resources_")


@pytest.mark.parametrize(
    "min_resources, max_resources, factor, rungs",
    [
        (149, 1347, 3, [149, 447, 1347]),  # not 1341 then 1347
        (100, 1000, 3, [100, 300, 1000]),
        (100, 800, 3, [100, 300, 800]),
        (1, 9, 3, [1, 3, 9]),
        (1, 27, 3, [1, 3, 9, 27]),
        (10, 10, 3, [10]),
        (10, 25, 2, [10, 25]),
    ],
)
def test_rungs(min_resources, max_resources, factor, rungs):
    search = _search(
        resource="max_iter",
        min_resources=min_resources,
        max_resources=max_resources,
        factor=factor,
    )
    assert check_ladder(search, 2000, 2).rungs == rungs


def test_smallest_is_scikit_learns_rule():
    # 2 samples per fold, times the number of classes for a classifier
    X3, y3 = np.zeros((60, 2)), np.repeat([0, 1, 2], 20)
    for estimator, expected in [(LogisticRegression(), 2 * 2 * 3), (Ridge(), 2 * 2)]:
        search = GeneticSearchCV(
            estimator,
            {"alpha" if expected == 4 else "C": Real(0.1, 10.0)},
            min_resources="smallest",
            cv=2,
        )
        ladder = check_folds(search, X3, y3, {})[3]
        assert ladder.rungs[0] == expected


def test_a_parameter_of_a_pipeline_step_as_the_resource():
    pipe = Pipeline([("scale", StandardScaler()), ("model", Budgeted())])
    search = _search(
        estimator=pipe, space={"model__a": SPACE["a"]}, resource="model__max_iter"
    ).fit(X, Y)
    res = search.cv_results_
    assert {p["model__max_iter"] for p in res["params"]} == {1, 3, 9}
    assert search.best_estimator_.named_steps["model"].max_iter == 9


def test_same_rows_for_any_n_jobs():
    one = _search().fit(X, Y).cv_results_
    two = _search(n_jobs=2).fit(X, Y).cv_results_
    assert one["params"] == two["params"]
    assert list(one["n_resources"]) == list(two["n_resources"])
    np.testing.assert_array_equal(one["mean_test_score"], two["mean_test_score"])


def test_resume_from_a_checkpoint_between_two_rungs(tmp_path):
    reference = _search(refit=False).fit(X, Y).cv_results_
    n_fits = len(FITS)
    # crash in the second rung of a later generation, after its first fit
    rows = list(zip(reference["generation"], reference["n_resources"]))
    first = next(i for i, (g, n) in enumerate(rows) if g >= 1 and n == 3)
    saved = 2 * first  # fits of the rows before it (cv=2), in the checkpoint
    FITS.clear()
    path = tmp_path / "search.ckpt"
    CRASH_AFTER[0] = saved + 1
    with pytest.raises(KeyboardInterrupt):
        _search(checkpoint=path, refit=False).fit(X, Y)
    assert len(FITS) == saved + 1
    CRASH_AFTER[0] = None
    FITS.clear()
    resumed = _search(checkpoint=path, refit=False).fit(X, Y)
    assert resumed.cv_results_["params"] == reference["params"]
    assert list(resumed.cv_results_["n_resources"]) == list(reference["n_resources"])
    np.testing.assert_array_equal(
        resumed.cv_results_["mean_test_score"], reference["mean_test_score"]
    )
    # the rungs scored before the crash were not fitted again
    assert len(FITS) == n_fits - saved


def test_the_surrogate_learns_from_every_rung():
    search = _search(surrogate="auto", generations=6).fit(X, Y)
    res = search.cv_results_
    assert res["n_resources"][search.best_index_] == 9
    assert len(res["params"]) > 9 * 3


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"factor": 1}, "factor"),
        ({"factor": 0.5}, "factor"),
        ({"resource": "n_layers"}, "resource"),
        ({"min_resources": 10, "max_resources": 5}, r"min_resources <= max_resources"),
        ({"max_resources": "auto"}, "max_resources='auto'"),
        ({"space": {"a": SPACE["a"], "max_iter": [1, 2]}}, "cannot also be searched"),
        ({"resource": "n_samples", "max_resources": 500}, "at most the number"),
        ({"objectives": ["score", "fit_time"]}, "objectives"),
        ({"min_resources": 0}, "min_resources"),
    ],
)
def test_bad_multi_fidelity_settings_fail_before_any_fit(kw, match):
    with pytest.raises(ValueError, match=match):
        _search(**kw).fit(X, Y)
    assert FITS == []


def test_off_by_default_with_the_columns_of_grid_search():
    search = GeneticSearchCV(
        Budgeted(), SPACE, population_size=4, generations=2, cv=2, random_state=0
    ).fit(X, Y)
    assert "n_resources" not in search.cv_results_
    assert {it for _, it, _ in FITS} == {100}


def test_promotion_rule():
    assert promote([0.1, 0.9, 0.5], [], factor=3).tolist() == [1]
    assert promote([0.1, 0.9, 0.5], [], factor=1.5).tolist() == [1, 2]
    # against a strong history nothing (or little) goes up
    assert promote([0.1, 0.2], [0.9, 0.8, 0.7, 0.6], factor=3).tolist() == []
    assert promote([np.nan, 0.3], [], factor=2).tolist() == [1]
    # against a weak history no more than the best third of the generation
    assert promote([0.5, 0.9, 0.7, 0.8], [0.1] * 8, factor=3).tolist() == [1, 3]


def test_only_full_fidelity_scores_can_be_best_and_the_screen_sees_fidelity():
    space = SearchSpace({"x": Real(-5, 5)})
    engine = GeneticEngine(space, population_size=6, rng=0)
    batch = engine.ask()
    scores = [10.0] + [-abs(space.decode(i)["x"]) for i in batch[1:]]
    fidelity = [1 / 3] + [1.0] * (len(batch) - 1)
    engine.tell(scores, fidelity=fidelity)
    assert engine.best.score == max(scores[1:])  # the cheap 10.0 is not best
    from gahpo._engine import Breeder

    breeder = Breeder(engine, 0.8, 0.2, 0.2)
    assert breeder.fidelity.tolist() == fidelity


# -- finalists: the best few scored again on new folds ----------------------


def _finalist_search(**kwargs):
    from sklearn.linear_model import LogisticRegression

    return GeneticSearchCV(
        LogisticRegression(max_iter=200),
        {"C": Real(1e-3, 1e2, log=True)},
        n_iter=12,
        cv=3,
        random_state=0,
        **kwargs,
    )


def test_finalists_are_the_best_scored_again_and_the_best_is_among_them():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    search = _finalist_search(finalists=3).fit(X, y)
    r = search.cv_results_
    final = np.flatnonzero(r["finalist"])
    assert len(final) == 3 and len(r["params"]) == 12 + 3
    first = np.flatnonzero(~r["finalist"].astype(bool))
    top = first[np.argsort(-r["mean_test_score"][first], kind="stable")[:3]]
    assert [r["params"][i] for i in final] == [r["params"][i] for i in top]
    assert search.best_index_ in final
    assert search.best_score_ == r["mean_test_score"][search.best_index_]
    assert search.best_score_ == r["mean_test_score"][final].max()
    assert search.best_params_ == r["params"][search.best_index_]
    # new folds: the finalists' scores are not their first scores
    assert not np.allclose(r["mean_test_score"][final], r["mean_test_score"][top])
    # without finalists, the rule is GridSearchCV's and there is no column
    plain = _finalist_search().fit(X, y)
    assert "finalist" not in plain.cv_results_
    assert plain.best_score_ == plain.cv_results_["mean_test_score"].max()


def test_fresh_splits_draw_other_folds_of_the_same_kind():
    from sklearn.model_selection import StratifiedKFold

    from gahpo._fidelity import FreshSplits

    y = np.repeat([0, 1, 2], 20)
    X = np.zeros((60, 1))
    cv = StratifiedKFold(3)
    old = list(cv.split(X, y))
    new = list(FreshSplits(cv, seed=1).split(X, y))
    assert len(new) == 3
    for (tr0, te0), (tr1, te1) in zip(old, new):
        # every class in every test fold, within one sample: still stratified
        assert max(np.bincount(y[te1])) - min(np.bincount(y[te1])) <= 1
        assert set(tr1).isdisjoint(te1) and len(tr1) + len(te1) == 60
    assert any(set(a[1]) != set(b[1]) for a, b in zip(old, new))
    again = list(FreshSplits(cv, seed=1).split(X, y))
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(new, again))


def test_finalists_at_the_full_resource_with_multi_fidelity():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X, y = X[:600], y[:600]
    search = _finalist_search(finalists=2, min_resources=100, factor=3).fit(X, y)
    r = search.cv_results_
    final = np.flatnonzero(r["finalist"])
    assert len(final) == 2
    assert set(r["n_resources"][final]) == {600}
    assert search.best_index_ in final


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"finalists": 2, "cv": "timeseries"}, "finalists"),
        ({"finalists": 2, "objectives": ["score", "fit_time"]}, "finalists"),
        ({"finalists": 0}, "finalists"),
    ],
)
def test_bad_finalists_are_refused_before_any_fit(kwargs, match, fit_log):
    from conftest import Quadratic
    from sklearn.model_selection import TimeSeriesSplit

    if kwargs.get("cv") == "timeseries":
        kwargs["cv"] = TimeSeriesSplit(3)
    search = GeneticSearchCV(
        Quadratic(), {"a": Real(1, 10)}, n_iter=6, random_state=0, **kwargs
    )
    with pytest.raises(ValueError, match=match):
        search.fit(np.zeros((12, 1)), np.zeros(12))
    assert fit_log == []
