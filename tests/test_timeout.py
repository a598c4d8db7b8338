"""fit_timeout: a fit still running at the limit is stopped and fails, the rest go on.

The mechanism is tested through a small ``GridSearchCV`` subclass wired as
``GeneticSearchCV`` wires it (``time_limited_fits`` around ``fit``,
``limit.lift()`` when the evaluation loop ends), so the candidates are fixed;
``GeneticSearchCV(fit_timeout=...)`` itself is tested at the end.
"""

import os
import subprocess
import sys
import time
import warnings
from numbers import Real

import joblib
import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone, is_classifier
from sklearn.datasets import load_iris
from sklearn.exceptions import FitFailedWarning
from sklearn.model_selection import GridSearchCV, ParameterGrid
from sklearn.svm import SVC

from gahpo import GeneticSearchCV
from gahpo._compat import Interval
from gahpo._timeout import (
    FitTimeLimit,
    FitTimeoutError,
    TimeLimitedEstimator,
    _Timeout,
    run_with_timeout,
    time_limited_fits,
)

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX tests")

LIMIT = 0.5
#: A stopped fit ends before LIMIT + SLACK (kill, reaping, a busy machine).
SLACK = 1.5
N_IRIS = 150


class Sleepy(ClassifierMixin, BaseEstimator):
    """Fits in ``seconds`` (``refit_seconds`` on all of iris), sleeping or spinning.

    Its score is fixed by its parameters, so any run gives the same scores.
    Each fit appends its process id to ``pid_file``; with ``start_worker`` it
    first starts a process of its own (and logs its id too).
    """

    def __init__(
        self,
        seconds=0.0,
        refit_seconds=None,
        spin=False,
        pid_file=None,
        start_worker=False,
    ):
        self.seconds = seconds
        self.refit_seconds = refit_seconds
        self.spin = spin
        self.pid_file = pid_file
        self.start_worker = start_worker

    def fit(self, X, y):
        pids = [os.getpid()]
        if self.start_worker:
            worker = subprocess.Popen(
                [sys.executable, "-c", "import time; time.sleep(60)"]
            )
            pids.append(worker.pid)
        if self.pid_file:
            with open(self.pid_file, "a") as f:
                f.write("".join(f"{pid}\n" for pid in pids))
        seconds = self.seconds
        if self.refit_seconds is not None and len(X) == N_IRIS:
            seconds = self.refit_seconds
        end = time.monotonic() + seconds
        if self.spin:
            while time.monotonic() < end:
                pass
        else:
            time.sleep(seconds)
        self.classes_ = np.unique(y)
        self.n_features_in_ = np.shape(X)[1]
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])

    def score(self, X, y):
        return 1.0 / (1.0 + self.seconds) + (0.01 if self.spin else 0.0)


class Failing(Sleepy):
    def fit(self, X, y):
        raise ValueError(f"Failing cannot fit seconds={self.seconds}")


class LimitedGridSearch(GridSearchCV):
    """GridSearchCV with ``fit_timeout``, wired as GeneticSearchCV wires it."""

    _parameter_constraints = {
        **GridSearchCV._parameter_constraints,
        "fit_timeout": [Interval(Real, 0, None, closed="neither"), None],
    }

    def __init__(
        self,
        estimator,
        param_grid,
        *,
        fit_timeout=None,
        cv=2,
        n_jobs=None,
        refit=True,
        error_score=np.nan,
    ):
        super().__init__(
            estimator,
            param_grid,
            cv=cv,
            n_jobs=n_jobs,
            refit=refit,
            error_score=error_score,
        )
        self.fit_timeout = fit_timeout

    def fit(self, X, y=None, **params):
        with time_limited_fits(self, self.fit_timeout) as limit:
            self._fit_limit = limit
            return super().fit(X, y, **params)

    def _run_search(self, evaluate_candidates):
        try:
            evaluate_candidates(ParameterGrid(self.param_grid))
        finally:
            self._fit_limit.lift()


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


def _pids(path):
    return [int(line) for line in path.read_text().split()] if path.exists() else []


def _running(pids, wait=2.0):
    """Those of ``pids`` still running after up to ``wait`` seconds.

    A killed process is gone once reaped: by us for the fit's process, by
    init for the processes the fit started (orphaned when it was killed). A
    zombie counts as running only if it is ours to reap.
    """
    deadline = time.monotonic() + wait
    while True:
        running = [pid for pid in pids if _is_running(pid)]
        if not running or time.monotonic() > deadline:
            return running
        time.sleep(0.05)


def _is_running(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    state, parent = fields[0], int(fields[1])
    return state != "Z" or parent == os.getpid()


def _children():
    """This process's descendants but joblib's workers and resource tracker."""
    try:
        import psutil
    except ImportError:
        pytest.skip("psutil is not installed")
    out = set()
    for proc in psutil.Process().children(recursive=True):
        try:
            cmdline = " ".join(proc.cmdline())
            if "loky" not in cmdline and "resource_tracker" not in cmdline:
                out.add(proc.pid)
        except psutil.NoSuchProcess:
            pass
    return out


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode()
    except OSError:
        return "?"


def _slow_grid(**extra):
    return {"seconds": [0.0, 30.0], "spin": [False, True], **extra}


def _search(n_jobs=1, **kw):
    kw.setdefault("fit_timeout", LIMIT)
    return LimitedGridSearch(Sleepy(), _slow_grid(), n_jobs=n_jobs, **kw)


# -- the wrapper ----------------------------------------------------------------
def test_wrapper_is_transparent(iris):
    X, y = iris
    limit = FitTimeLimit(5.0)
    wrapped = TimeLimitedEstimator(SVC(C=2.0), limit)
    assert wrapped.get_params() == SVC(C=2.0).get_params()
    assert wrapped.set_params(C=3.0) is wrapped and wrapped.estimator.C == 3.0
    assert is_classifier(wrapped)
    assert not hasattr(wrapped, "predict_proba")  # SVC(probability=False)
    copy = clone(wrapped)
    assert isinstance(copy, TimeLimitedEstimator) and copy.limit is limit
    assert copy.estimator is not wrapped.estimator and copy.get_params()["C"] == 3.0
    assert "SVC(C=3.0)" in repr(wrapped) and "seconds=5.0" in repr(wrapped)

    wrapped.fit(X, y)  # in a child process
    assert wrapped.estimator_ is not wrapped.estimator
    np.testing.assert_array_equal(wrapped.classes_, [0, 1, 2])
    assert wrapped.n_features_in_ == 4
    np.testing.assert_array_equal(wrapped.predict(X), SVC(C=3.0).fit(X, y).predict(X))
    assert wrapped.score(X, y) == SVC(C=3.0).fit(X, y).score(X, y)


def test_tags_and_routing_are_the_wrapped_estimators():
    sklearn_get_tags = pytest.importorskip("sklearn.utils").__dict__.get("get_tags")
    wrapped = TimeLimitedEstimator(SVC(), FitTimeLimit(1.0))
    if sklearn_get_tags is not None:
        assert sklearn_get_tags(wrapped) == sklearn_get_tags(SVC())
    assert repr(wrapped.get_metadata_routing()) == repr(SVC().get_metadata_routing())


def test_lifted_limit_fits_in_this_process(iris, tmp_path):
    X, y = iris
    log = tmp_path / "pids"
    limit = FitTimeLimit(LIMIT)
    limit.lift()
    wrapped = TimeLimitedEstimator(
        Sleepy(seconds=LIMIT + 0.3, pid_file=str(log)), limit
    )
    assert wrapped.fit(X, y).estimator_ is wrapped.estimator  # no limit, no copy
    assert _pids(log) == [os.getpid()]


def test_exception_in_the_child_is_raised_with_its_message(iris):
    wrapped = TimeLimitedEstimator(Failing(seconds=7), FitTimeLimit(10.0))
    with pytest.raises(ValueError, match="Failing cannot fit seconds=7"):
        wrapped.fit(*iris)


def test_openmp_after_fork_does_not_hang():
    # GNU OpenMP hangs in a forked child once the parent used its threads.
    from sklearn.datasets import make_classification
    from sklearn.ensemble import HistGradientBoostingClassifier

    X, y = make_classification(500, 10, random_state=0)
    with joblib.parallel_config(backend="threading"):  # no-op, keeps threads on
        HistGradientBoostingClassifier(max_iter=5).fit(X, y)
    wrapped = TimeLimitedEstimator(
        HistGradientBoostingClassifier(max_iter=5), FitTimeLimit(20)
    )
    start = time.monotonic()
    wrapped.fit(X, y)
    assert time.monotonic() - start < 10


def test_spawn_start_method_returns_and_stops():
    assert run_with_timeout(divmod, (7, 2), 30, start_method="spawn") == (3, 1)
    start = time.monotonic()
    with pytest.raises(_Timeout):
        run_with_timeout(time.sleep, (30,), LIMIT, start_method="spawn")
    assert time.monotonic() - start < LIMIT + SLACK
    with pytest.raises(ValueError, match="start_method must be 'fork' or 'spawn'"):
        run_with_timeout(divmod, (7, 2), 1, start_method="thread")


# -- the context manager ------------------------------------------------------
def test_none_wraps_nothing(iris, tmp_path):
    log = tmp_path / "pids"
    search = LimitedGridSearch(
        Sleepy(pid_file=str(log)), {"seconds": [0.0]}, fit_timeout=None
    )
    with time_limited_fits(search, None) as limit:
        assert search.estimator.__class__ is Sleepy
        limit.lift()  # a no-op
    search.fit(*iris)
    assert set(_pids(log)) == {os.getpid()}


def test_estimator_restored_on_error():
    search = LimitedGridSearch(Sleepy(), {"seconds": [0.0]})
    original = search.estimator
    with pytest.raises(RuntimeError, match="boom"):
        with time_limited_fits(search, 1.0):
            assert isinstance(search.estimator, TimeLimitedEstimator)
            raise RuntimeError("boom")
    assert search.estimator is original


# -- searches -------------------------------------------------------------------
def test_slow_fits_are_stopped_and_fail_fast_ones_are_kept(iris):
    search = _search()
    start = time.monotonic()
    with pytest.warns(
        FitFailedWarning, match=r"fit stopped after fit_timeout=0\.5 s"
    ) as rec:
        search.fit(*iris)
    elapsed = time.monotonic() - start
    res = search.cv_results_
    slow = np.array([p["seconds"] > 0 for p in res["params"]])
    assert np.isnan(res["mean_test_score"][slow]).all()
    np.testing.assert_allclose(res["mean_test_score"][~slow], [1.0, 1.01])
    assert (res["rank_test_score"][slow] > res["rank_test_score"][~slow].max()).all()
    # each stopped fit ended within the tolerance of the limit
    assert (
        (res["mean_fit_time"][slow] >= LIMIT)
        & (res["mean_fit_time"][slow] < LIMIT + SLACK)
    ).all()
    assert elapsed < 4 * (LIMIT + SLACK)  # 2 slow candidates x 2 folds
    message = str(rec[0].message)
    assert "'seconds': 30.0" in message and "spin" in message  # names the candidate
    assert isinstance(search.best_estimator_, Sleepy)
    assert search.estimator.__class__ is Sleepy
    assert search.best_params_ == {"seconds": 0.0, "spin": True}


def test_same_results_across_n_jobs(iris):
    results = []
    for n_jobs in (1, 2):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FitFailedWarning)
            results.append(_search(n_jobs=n_jobs, refit=False).fit(*iris).cv_results_)
    assert results[0]["params"] == results[1]["params"]
    np.testing.assert_array_equal(
        results[0]["mean_test_score"], results[1]["mean_test_score"]
    )
    np.testing.assert_array_equal(
        results[0]["rank_test_score"], results[1]["rank_test_score"]
    )


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_no_process_left_behind(iris, tmp_path, n_jobs):
    log = tmp_path / "pids"
    estimator = Sleepy(pid_file=str(log), start_worker=True)
    grid = {"seconds": [0.0, 30.0]}
    search = LimitedGridSearch(
        estimator, grid, fit_timeout=LIMIT, n_jobs=n_jobs, refit=False
    )
    before = _children()
    with pytest.warns(FitFailedWarning):
        search.fit(*iris)
    pids = _pids(log)
    assert len(pids) == 2 * 2 * 2  # 4 fits, each in its own process, each with a worker
    assert os.getpid() not in pids
    assert _running(pids) == []  # fit processes and their workers
    new = _children() - before
    assert not new, [_cmdline(pid) for pid in new]


def test_refit_is_not_limited(iris):
    # the best candidate fits in no time on a fold, but takes longer than the
    # limit on the whole data: its refit still happens
    grid = {"seconds": [0.0], "refit_seconds": [LIMIT + 0.5]}
    search = LimitedGridSearch(Sleepy(), grid, fit_timeout=LIMIT).fit(*iris)
    assert search.refit_time_ >= LIMIT + 0.5
    assert isinstance(search.best_estimator_, Sleepy) and hasattr(
        search.best_estimator_, "classes_"
    )
    assert not np.isnan(search.cv_results_["mean_test_score"]).any()


def test_error_score_raise(iris):
    search = _search(error_score="raise")
    with pytest.raises(
        FitTimeoutError, match=r"fit_timeout=0\.5 s \(parameters: \{'seconds': 30\.0"
    ):
        search.fit(*iris)
    assert search.estimator.__class__ is Sleepy


def test_slow_fit_stopped_under_dask(iris):
    distributed = pytest.importorskip(
        "distributed", reason="the dask extra is not installed"
    )
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        search = LimitedGridSearch(
            Sleepy(), {"seconds": [0.0, 30.0]}, fit_timeout=LIMIT, n_jobs=-1
        )
        start = time.monotonic()
        with (
            joblib.parallel_backend("dask"),
            pytest.warns(FitFailedWarning, match="fit_timeout"),
        ):
            search.fit(*iris)
        assert time.monotonic() - start < 2 * (LIMIT + SLACK) + 5
    scores = search.cv_results_["mean_test_score"]
    assert scores[0] == 1.0 and np.isnan(scores[1])


# -- GeneticSearchCV ----------------------------------------------------------------
_WIRED = "fit_timeout" in GeneticSearchCV(Sleepy(), {"seconds": [0.0]}).get_params()


@pytest.mark.skipif(not _WIRED, reason="GeneticSearchCV has no fit_timeout yet")
def test_genetic_search_fit_timeout(iris):
    space = {"seconds": [0.0, 0.01, 30.0], "spin": [False, True]}
    results = []
    for n_jobs in (1, 2):
        search = GeneticSearchCV(
            Sleepy(),
            space,
            fit_timeout=LIMIT,
            population_size=4,
            generations=2,
            random_state=0,
            cv=2,
            n_jobs=n_jobs,
        )
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always", FitFailedWarning)
            search.fit(*iris)
        res = search.cv_results_
        slow = np.array([p["seconds"] == 30.0 for p in res["params"]])
        assert slow.any()
        params = [tuple(sorted(p.items())) for p in res["params"]]
        assert len(params) == len(
            set(params)
        )  # a stopped candidate is never fitted again
        assert np.isnan(res["mean_test_score"][slow]).all()
        assert not np.isnan(res["mean_test_score"][~slow]).any()
        assert any("fit_timeout=0.5" in str(w.message) for w in rec)
        assert (
            res["rank_test_score"][slow] > res["rank_test_score"][~slow].max()
        ).all()
        assert isinstance(search.best_estimator_, Sleepy)
        assert search.estimator.__class__ is Sleepy
        results.append(res)
    assert results[0]["params"] == results[1]["params"]
    np.testing.assert_array_equal(
        results[0]["mean_test_score"], results[1]["mean_test_score"]
    )
