"""Distributed: the same search runs its fits on Dask workers through joblib.

Needs the ``dask`` extra (``pip install "sklearn-gahpo[dask]"``), which the
``all`` extra used by the README's test command installs.
"""

import contextlib
import os

import joblib
import numpy as np
import pytest
from sklearn.tree import DecisionTreeClassifier

from gahpo import GeneticSearchCV
from gahpo.space import Integer

distributed = pytest.importorskip(
    "distributed", reason="the dask extra is not installed"
)


class PidTree(DecisionTreeClassifier):
    """Appends the id of the process that fitted it to $GAHPO_PID_LOG."""

    def fit(self, X, y, **kwargs):
        with open(os.environ["GAHPO_PID_LOG"], "a") as f:
            f.write(f"{os.getpid()}\n")
        return super().fit(X, y, **kwargs)


@contextlib.contextmanager
def local_cluster():
    """A two-process Dask cluster and its client; yields the workers' pids."""
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield set(client.run(os.getpid).values())


def test_fits_run_on_a_local_cluster_and_match_local(
    small_classification, tmp_path, monkeypatch
):
    log = tmp_path / "pids.log"
    monkeypatch.setenv("GAHPO_PID_LOG", str(log))  # inherited by the workers
    X, y = small_classification
    space = {"max_depth": Integer(1, 12), "min_samples_leaf": Integer(1, 20)}
    kw = dict(population_size=6, generations=3, random_state=0, cv=3, refit=False)
    local = GeneticSearchCV(DecisionTreeClassifier(random_state=0), space, **kw).fit(
        X, y
    )

    with local_cluster() as worker_pids, joblib.parallel_backend("dask"):
        remote = GeneticSearchCV(PidTree(random_state=0), space, n_jobs=-1, **kw).fit(
            X, y
        )

    pids = [int(line) for line in log.read_text().split()]
    n_fits = 3 * len(remote.cv_results_["params"])
    assert len(pids) == n_fits  # no refit: every fit is a search fit
    assert set(pids) <= worker_pids and os.getpid() not in pids
    assert remote.cv_results_["params"] == local.cv_results_["params"]
    np.testing.assert_allclose(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )


def test_asynchronous_mode_runs_on_a_local_cluster(
    small_classification, tmp_path, monkeypatch
):
    log = tmp_path / "pids.log"
    monkeypatch.setenv("GAHPO_PID_LOG", str(log))
    X, y = small_classification
    space = {"max_depth": Integer(1, 12), "min_samples_leaf": Integer(1, 20)}
    with local_cluster() as worker_pids, joblib.parallel_backend("dask"):
        search = GeneticSearchCV(
            PidTree(random_state=0),
            space,
            n_iter=15,
            population_size=5,
            cv=3,
            scheme="steady_state",
            n_jobs=-1,
            refit=False,
            random_state=0,
        ).fit(X, y)
    pids = [int(line) for line in log.read_text().split()]
    assert len(search.cv_results_["params"]) == 15
    # the last candidate goes through scikit-learn's evaluate_candidates batch
    assert len(pids) == 3 * 15
    assert set(pids) <= worker_pids and os.getpid() not in pids
    assert np.isfinite(search.best_score_)
