"""The asynchronous steady-state mode (``scheme="steady_state"``).

Fits that only sleep stand in for real ones: they let a test count how many
fits run at once and how long workers wait, on any machine.
"""

import os
import pickle
import time
import warnings

import joblib
import numpy as np
import pytest
from conftest import Quadratic, TaskRecorder, quadratic_objective
from scipy.stats import loguniform
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import FitFailedWarning

from gahpo import GeneticSearchCV
from gahpo._steady import SteadyStateEngine
from gahpo.schemes import SteadyState
from gahpo.space import Categorical, Integer, Real, SearchSpace

QUADRATIC_SPACE = {
    "a": loguniform(1e-2, 1e3),
    "b": Real(0.0, 1.0),
    "c": Categorical(["x", "y"]),
    "d": Integer(1, 10),
}


class Sleeper(ClassifierMixin, BaseEstimator):
    """Sleeps ``seconds`` per fit; logs ``start end pid`` lines to ``log``.

    Its score falls with ``seconds``; ``fail_above`` makes slower fits fail.
    """

    def __init__(self, seconds=0.01, log=None, fail_above=None):
        self.seconds = seconds
        self.log = log
        self.fail_above = fail_above

    def fit(self, X, y):
        start = time.time()
        if self.fail_above is not None and self.seconds > self.fail_above:
            raise ValueError(f"too slow: seconds={self.seconds}")
        time.sleep(self.seconds)
        if self.log:
            with open(self.log, "a") as f:
                f.write(f"{start} {time.time()} {os.getpid()} {self.seconds}\n")
        self.classes_ = np.unique(y)
        self.n_features_in_ = np.shape(X)[1]
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])

    def score(self, X, y):
        return 1.0 / (1.0 + self.seconds)


def _spans(log):
    rows = [line.split() for line in log.read_text().splitlines()]
    return np.array([[float(r[0]), float(r[1])] for r in rows])


def _busy_share(spans, workers):
    """Share of worker time busy from the first fit to the last fit's start.

    Before the last fit starts there is always a child to breed, so an
    asynchronous search should keep every worker busy until then.
    """
    t0, t1 = spans[:, 0].min(), spans[:, 0].max()
    busy = np.clip(np.minimum(spans[:, 1], t1) - np.maximum(spans[:, 0], t0), 0, None)
    return busy.sum() / (workers * (t1 - t0))


def test_engine_breeds_batches_and_takes_scores_in_any_order():
    space = SearchSpace({"x": Real(-5, 5)})
    engine = SteadyStateEngine(space, population_size=8, batch_size=4, rng=0)
    first = engine.ask()
    assert len(first) == 8  # the initial population
    for ind in first[::-1]:  # told in reverse order
        engine.tell_one(ind, -(space.decode(ind)["x"] ** 2))
    keys = {space.key(i) for i in first}
    second = engine.ask()
    assert len(second) == 4
    assert not keys & {space.key(i) for i in second}
    assert set(engine.in_flight) == {space.key(i) for i in second}
    third = engine.ask()  # bred while the second batch is in flight
    assert not {space.key(i) for i in second} & {space.key(i) for i in third}
    record = engine.record()
    assert record["n_evaluated"] == 8 and record["n_in_flight"] == 8
    assert record["best_score"] == max(-(space.decode(i)["x"] ** 2) for i in first)


def test_engine_never_asks_beyond_its_budget():
    space = SearchSpace({"x": Real(-5, 5)})
    engine = SteadyStateEngine(space, population_size=6, max_evaluations=10, rng=0)
    asked = engine.ask()
    asked += engine.ask()  # four more while six are in flight
    assert len(asked) == 10 and engine.ask() == []
    for ind in asked:
        engine.tell_one(ind, 0.0)
    assert engine.exhausted


def test_results_are_scikit_learns_and_consistent():
    X, y = np.zeros((40, 2)), np.arange(40) % 2
    search = GeneticSearchCV(
        Quadratic(),
        QUADRATIC_SPACE,
        n_iter=40,
        cv=2,
        scheme="steady_state",
        n_jobs=2,
        random_state=0,
    ).fit(X, y)
    results = search.cv_results_
    params = results["params"]
    assert len(params) == 40
    assert len({tuple(sorted(p.items())) for p in params}) == 40  # all distinct
    best = search.best_index_
    assert search.best_score_ == results["mean_test_score"][best]
    assert results["rank_test_score"][best] == 1
    assert search.best_score_ == pytest.approx(
        quadratic_objective(**search.best_params_)
    )
    assert search.best_estimator_.get_params()["a"] == search.best_params_["a"]
    assert np.all(np.diff(results["generation"]) >= 0)
    assert sum(r["n_evaluated"] for r in search.history_) == 40
    assert all("n_in_flight" in r for r in search.history_)
    # better than the space-filling start: evolution happened
    first = results["mean_test_score"][results["generation"] == 0]
    assert search.best_score_ > first.max()


def test_workers_stay_busy_while_children_can_be_bred(tmp_path, small_classification):
    X, y = small_classification
    shares = {}
    for scheme in ("steady_state", "generational"):
        log = tmp_path / f"{scheme}.log"
        with joblib.parallel_backend("threading", n_jobs=4):
            GeneticSearchCV(
                Sleeper(log=str(log)),
                {"seconds": loguniform(0.02, 0.3)},
                n_iter=40,
                population_size=8,
                cv=2,
                scheme=scheme,
                surrogate=None,
                refit=False,
                random_state=0,
            ).fit(X, y)
        shares[scheme] = _busy_share(_spans(log), 4)
    assert shares["steady_state"] > 0.85, shares
    assert shares["steady_state"] > shares["generational"] + 0.1, shares


def test_failed_fits_score_error_score_and_the_search_goes_on(small_classification):
    X, y = small_classification
    search = GeneticSearchCV(
        Sleeper(),
        {"seconds": Real(0.0, 0.02), "fail_above": [None, 0.01]},
        n_iter=20,
        population_size=6,
        cv=2,
        scheme="steady_state",
        n_jobs=2,
        random_state=0,
    )
    with pytest.warns(FitFailedWarning, match="fits failed"):
        search.fit(X, y)
    results = search.cv_results_
    failed = np.isnan(results["mean_test_score"])
    assert failed.any() and not failed.all()
    assert len(results["params"]) == 20
    assert not np.isnan(search.best_score_)
    with pytest.raises(ValueError, match="too slow"):
        search.set_params(error_score="raise").fit(X, y)


def test_fit_timeout_stops_slow_fits(small_classification):
    X, y = small_classification
    search = GeneticSearchCV(
        Sleeper(),
        {"seconds": [0.0, 0.01, 30.0]},
        n_iter=3,
        population_size=3,
        cv=2,
        scheme="steady_state",
        n_jobs=2,
        fit_timeout=0.5,
        random_state=0,
    )
    start = time.monotonic()
    with pytest.warns(FitFailedWarning):
        search.fit(X, y)
    assert time.monotonic() - start < 10
    results = search.cv_results_
    slow = [i for i, p in enumerate(results["params"]) if p["seconds"] == 30.0]
    assert slow and np.isnan(results["mean_test_score"][slow[0]])
    assert search.best_params_["seconds"] == 0.0


class _Crash:
    """A callback that raises after ``after`` records: a search that dies."""

    def __init__(self, after):
        self.after = after

    def __call__(self, search, record):
        if len(search.history_) >= self.after:
            raise KeyboardInterrupt("the machine went down")


def _key(params):
    return tuple(params[name] for name in "abcd")


def test_resume_from_a_checkpoint_refits_nothing(tmp_path, fit_log):
    X, y = np.zeros((30, 2)), np.arange(30) % 2
    path = tmp_path / "search.ckpt"
    kw = dict(
        n_iter=30,
        population_size=6,
        cv=2,
        scheme="steady_state",
        random_state=0,
        checkpoint=str(path),
    )
    crashing = GeneticSearchCV(
        Quadratic(), QUADRATIC_SPACE, callbacks=[_Crash(2)], **kw
    )
    with pytest.raises(KeyboardInterrupt):
        crashing.fit(X, y)
    assert path.exists()  # nothing computed is lost
    before = {_key(p) for p in fit_log}
    assert len(before) == 12  # two records of six candidates
    fit_log.clear()
    search = GeneticSearchCV(Quadratic(), QUADRATIC_SPACE, **kw).fit(X, y)
    results = search.cv_results_
    assert len(results["params"]) == 30
    assert {_key(p) for p in results["params"]} >= before
    assert not before & {_key(p) for p in fit_log}  # none fitted again
    assert search.history_[:2] == crashing.history_
    pickle.loads(pickle.dumps(search))


def test_multi_fidelity_promotes_asynchronously(small_classification):
    X, y = small_classification
    search = GeneticSearchCV(
        Sleeper(),
        {"seconds": Real(0.0, 0.02)},
        n_iter=24,
        population_size=6,
        cv=2,
        scheme="steady_state",
        min_resources=20,
        factor=2,
        n_jobs=2,
        random_state=0,
    ).fit(X, y)
    results = search.cv_results_
    n_resources = np.asarray(results["n_resources"])
    assert set(n_resources) <= {20, 40, 80, 120}
    assert (n_resources == 120).any()
    rows = [
        (tuple(sorted(p.items())), n) for p, n in zip(results["params"], n_resources)
    ]
    assert len(rows) == len(set(rows))  # never fitted twice at one rung
    assert n_resources[search.best_index_] == 120
    distinct = {tuple(sorted(p.items())) for p in results["params"]}
    assert len(distinct) == 24


def test_auto_is_asynchronous_from_eight_workers(small_classification):
    X, y = small_classification
    kw = dict(n_iter=12, population_size=6, cv=2, scheme="auto", random_state=0)
    small = GeneticSearchCV(Sleeper(), {"seconds": Real(0, 0.01)}, n_jobs=2, **kw)
    assert "n_in_flight" not in small.fit(X, y).history_[0]
    with joblib.parallel_backend("threading", n_jobs=8):
        large = GeneticSearchCV(Sleeper(), {"seconds": Real(0, 0.01)}, **kw).fit(X, y)
    assert "n_in_flight" in large.history_[0]


def test_bad_batch_size_is_refused_before_any_fit():
    with pytest.raises(ValueError, match="batch_size"):
        SteadyState(batch_size=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert SteadyState(batch_size=4) == SteadyState(4)


@pytest.mark.parametrize(
    "workers, folds, expected", [(2, 3, 9), (16, 2, 16), (16, 3, 10), (32, 5, 12)]
)
def test_a_derived_generation_fills_the_workers(
    workers, folds, expected, small_classification
):
    # n_iter=120 derives 9 candidates per generation; from 8 workers the
    # generational scheme rounds them up so that its fits fill every worker
    X, y = small_classification
    with joblib.parallel_backend("threading", n_jobs=workers):
        search = GeneticSearchCV(
            Sleeper(),
            {"seconds": Real(0, 0.001)},
            n_iter=120,
            generations=1,
            cv=folds,
            scheme="generational",
            refit=False,
            random_state=0,
        ).fit(X, y)
    assert len(search.cv_results_["params"]) == expected
    rounds = -(-9 * folds // workers)  # of the derived 9: never one more
    assert -(-expected * folds // workers) == rounds


def test_scikit_learn_callbacks_see_the_search(small_classification):
    # scikit-learn 1.9's experimental callback API: the search's task, and
    # one "generation" task for the last evaluate_candidates batch
    callback = pytest.importorskip("sklearn.callback", reason="scikit-learn < 1.9")

    recorder = TaskRecorder()
    assert isinstance(recorder, callback.FitCallback)
    search = GeneticSearchCV(
        Sleeper(),
        {"seconds": Real(0, 0.001)},
        n_iter=12,
        population_size=4,
        cv=2,
        scheme="steady_state",
        random_state=0,
    )
    search.set_callbacks(recorder)
    search.fit(*small_classification)
    assert recorder.tasks.count("search") == 1
    assert recorder.tasks.count("generation") == 1


class _Logged(GeneticSearchCV):
    """A subclass that wraps evaluate_candidates, as benchmarks and loggers do."""

    def _run_search(self, evaluate_candidates, *, callback_ctx=None):
        self.batches_ = []

        def logged(*args, **kwargs):
            self.batches_.append(len(args[0]))
            return evaluate_candidates(*args, **kwargs)

        super()._run_search(logged, callback_ctx=callback_ctx)


def test_a_wrapped_evaluate_candidates_still_runs_asynchronously():
    X, y = np.zeros((20, 2)), np.arange(20) % 2
    search = _Logged(
        Quadratic(), QUADRATIC_SPACE, n_iter=10, cv=2, scheme="steady_state"
    ).fit(X, y)
    assert search.batches_ == [1] and len(search.cv_results_["params"]) == 10


class _ConfigProbe(Sleeper):
    """Scores 1 when scikit-learn's configuration of the caller reached its fit."""

    def fit(self, X, y):
        import sklearn

        warnings.warn("probe warning from fit", UserWarning)
        self.assume_finite_ = sklearn.get_config()["assume_finite"]
        return super().fit(X, y)

    def score(self, X, y):
        return float(self.assume_finite_)


@pytest.mark.parametrize("backend", ["loky", "threading"])
def test_backend_contexts_configuration_and_warning_filters_reach_the_fits(
    backend, small_classification
):
    import sklearn

    search = GeneticSearchCV(
        _ConfigProbe(),
        {"seconds": Real(0, 0.001)},
        n_iter=8,
        population_size=4,
        cv=2,
        scheme="steady_state",
        refit=False,
        random_state=0,
    )
    with (
        joblib.parallel_backend(backend, n_jobs=2),  # one backend, shared
        sklearn.config_context(assume_finite=True),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", message="probe warning")
        search.fit(*small_classification)
    assert search.cv_results_["mean_test_score"].tolist() == [1.0] * 8


def test_batches_are_never_short_while_the_space_has_room():
    # children are made new against candidates in flight too; a batch short
    # of new children used to end an asynchronous search before its budget
    space = SearchSpace(
        {"x": Categorical(list(range(20))), "y": Categorical(list(range(20)))}
    )
    engine = SteadyStateEngine(space, population_size=6, rng=0, max_evaluations=60)
    running = []
    while len(engine.cache) + len(engine.in_flight) < 60:
        room = min(8 - len(running), 60 - len(engine.cache) - len(engine.in_flight))
        batch = engine.ask(room)
        assert len(batch) == min(room, engine.batch_size)
        running.extend(batch)
        ind = running.pop(0)
        p = space.decode(ind)
        engine.tell_one(ind, -((p["x"] - 10) ** 2 + (p["y"] - 10) ** 2))
    assert len(engine.cache) + len(engine.in_flight) == 60


@pytest.mark.parametrize("seed", range(4))
def test_many_workers_spend_the_whole_budget_on_a_small_grid(seed):
    X, y = np.zeros((20, 2)), np.arange(20) % 2
    grid = {"a": [0.1, 1.0, 10.0, 100.0], "b": [0.1, 0.3, 0.5, 0.7, 0.9], "d": [3, 7]}
    with joblib.parallel_backend("threading", n_jobs=8):
        search = GeneticSearchCV(
            Quadratic(), grid, n_iter=30, cv=2, scheme="steady_state", random_state=seed
        ).fit(X, y)
    assert len(search.cv_results_["params"]) == 30


def test_dispatched_parents_rank_candidates_in_flight_at_the_best_score():
    space = SearchSpace({"x": Real(-5, 5)})
    engine = SteadyStateEngine(space, population_size=4, rng=0)  # the default
    first = engine.ask()
    for ind, score in zip(first[:3], [0.0, 1.0, 2.0]):
        engine.tell_one(ind, score)
    best = engine._best(3)  # the one in flight ranks at 2.0, after the scored 2.0
    assert [ind.score for ind in best] == [2.0, 2.0, 1.0]
    assert space.key(best[0]) == space.key(first[2])
    assert space.key(best[1]) == space.key(first[3])
    engine.in_flight_score = np.nanmedian  # the rule before: at the median, 1.0
    assert space.key(first[3]) not in {space.key(ind) for ind in engine._best(2)}
    scored_only = SteadyStateEngine(space, population_size=4, parents="scored", rng=0)
    for ind, score in zip(scored_only.ask()[:3], [0.0, 1.0, 2.0]):
        scored_only.tell_one(ind, score)
    assert len(scored_only._best(4)) == 3
    with pytest.raises(ValueError, match="parents"):
        SteadyState(parents="all")


class SeenDispatch(GeneticSearchCV):
    """Records the ``pre_dispatch`` of the ``Parallel`` the fits run in."""

    def _run_search(self, evaluate_candidates, **kwargs):
        from gahpo._compat import fit_job

        self.seen_ = fit_job(evaluate_candidates).parallel.pre_dispatch
        return super()._run_search(evaluate_candidates, **kwargs)


@pytest.mark.parametrize(
    "kw, expected",
    [
        ({}, "all"),  # a generation's fits are all known when it starts
        ({"scheme": "mu_plus_lambda"}, "all"),
        ({"pre_dispatch": "3*n_jobs"}, "3*n_jobs"),  # the user's value is kept
        ({"scheme": "steady_state"}, "2*n_jobs"),  # bred as workers free
    ],
)
def test_a_generation_is_dispatched_whole(iris, kw, expected):
    X, y = iris
    search = SeenDispatch(
        Quadratic(), {"a": Real(0.1, 10.0)}, n_iter=12, cv=2, random_state=0, **kw
    ).fit(X, y)
    assert search.seen_ == expected
    assert search.pre_dispatch == kw.get("pre_dispatch", "2*n_jobs")  # restored
