"""Shared fixtures: tiny data and a fast, deterministic mock estimator."""

import os

# One BLAS/OpenMP thread per process: on small machines threaded BLAS makes
# small fits several times slower (more than 5x, benchmarks/results/timing.json),
# and parallelism comes from joblib processes.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import math  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.base import BaseEstimator, RegressorMixin  # noqa: E402
from sklearn.datasets import load_iris, make_classification  # noqa: E402

#: Fits of :class:`Quadratic` in this process (n_jobs=1 only).
FIT_LOG = []


def quadratic_objective(a, b, c, d):
    """A smooth objective with a known optimum of 0 at a=10, b=0.3, c="y", d=7."""
    return -(
        (math.log10(a) - 1.0) ** 2
        + (b - 0.3) ** 2 * 4
        + (0.0 if c == "y" else 0.5)
        + ((d - 7) / 10) ** 2
    )


class Quadratic(RegressorMixin, BaseEstimator):
    """A mock estimator whose score is ``quadratic_objective`` of its params."""

    def __init__(self, a=1.0, b=0.5, c="x", d=3, fail=False):
        self.a = a
        self.b = b
        self.c = c
        self.d = d
        self.fail = fail

    def fit(self, X, y=None, sample_weight=None):
        if self.fail:
            raise ValueError("this candidate always fails")
        FIT_LOG.append(self.get_params())
        self.n_features_in_ = np.shape(X)[1]
        self.sample_weight_seen_ = sample_weight is not None
        return self

    def predict(self, X):
        return np.zeros(len(X))

    def score(self, X, y=None, sample_weight=None):
        return quadratic_objective(self.a, self.b, self.c, self.d)


@pytest.fixture
def fit_log():
    FIT_LOG.clear()
    yield FIT_LOG
    FIT_LOG.clear()


@pytest.fixture(scope="session")
def iris():
    return load_iris(return_X_y=True)


@pytest.fixture(scope="session")
def small_classification():
    return make_classification(
        n_samples=120, n_features=6, n_informative=4, random_state=0
    )


class TaskRecorder:
    """A scikit-learn 1.9 ``FitCallback`` that records the names of its tasks."""

    def __init__(self):
        self.tasks = []

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context, **kwargs):
        self.tasks.append(context.task_name)

    def on_fit_task_end(self, estimator, context, **kwargs):
        return False
