"""The study's MLP with a flat parameter space, for ``timing.py``.

Optuna and sklearn-genetic-opt cannot sample a variable-length tuple such as
``hidden_layer_sizes``, so every tool in ``timing.py`` (gahpo included) tunes
:class:`FlatMLP`, whose parameters are flat: ``batch_size``, ``n_layers``,
``units_1`` .. ``units_3`` (only the first ``n_layers`` are used) and
``activation``. Its ``fit`` builds the network of ``python -m gahpo``
(:func:`gahpo.study.make_network`: features standardized, Adam, early
stopping) and fits it.

It lives in its own module rather than in ``timing.py`` so that joblib's
worker processes unpickle it by reference (``import _flatmlp``, found through
the ``sys.path`` that loky copies from the parent process), not by value from
a ``__main__`` module.
"""

import os
import warnings

import _harness as H  # noqa: I001  (first: pins BLAS/OpenMP threads)
import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted

from gahpo.study import ACTIVATIONS, make_network

MAX_LAYERS = 3
#: The study's space in FlatMLP's parameters: log scales where a library has
#: them, the number of layers and each layer's width as integers.
SPACE = {
    "batch_size": H.Int(16, 512, log=True),
    "n_layers": H.Int(1, MAX_LAYERS),
    "units_1": H.Int(16, 256, log=True),
    "units_2": H.Int(16, 256, log=True),
    "units_3": H.Int(16, 256, log=True),
    "activation": H.Choice(ACTIVATIONS),
}


class FlatMLP(ClassifierMixin, BaseEstimator):
    """``make_network`` with 1 to 3 hidden layers given as flat parameters.

    The defaults are ``MLPClassifier``'s: one layer of 100 units, ReLU, and
    batches of 200 rows (what ``batch_size="auto"`` means on 200 rows or
    more); gahpo puts the estimator's defaults in its first population.

    Parameters
    ----------
    batch_size : int, default=200
    n_layers : int, default=1
        Hidden layers; ``units_1`` .. ``units_{n_layers}`` are their widths
        and the others are ignored.
    units_1, units_2, units_3 : int, default=100
    activation : {"identity", "logistic", "tanh", "relu"}, default="relu"
    max_iter : int, default=200
        Epochs at most (each network stops early on a held-out tenth).
    random_state : int, default=0
        Seed of the network (weights, batches, early-stopping split).
    """

    def __init__(
        self,
        batch_size=200,
        n_layers=1,
        units_1=100,
        units_2=100,
        units_3=100,
        activation="relu",
        max_iter=200,
        random_state=0,
    ):
        self.batch_size = batch_size
        self.n_layers = n_layers
        self.units_1 = units_1
        self.units_2 = units_2
        self.units_3 = units_3
        self.activation = activation
        self.max_iter = max_iter
        self.random_state = random_state

    def network_params(self):
        """The parameters of the pipeline ``make_network`` builds."""
        units = (self.units_1, self.units_2, self.units_3)[: int(self.n_layers)]
        return {
            "mlp__batch_size": int(self.batch_size),
            "mlp__hidden_layer_sizes": tuple(int(u) for u in units),
            "mlp__activation": self.activation,
        }

    def fit(self, X, y):
        self.network_ = make_network(
            self.random_state, self.max_iter, **self.network_params()
        )
        self.network_.fit(X, y)
        self.classes_ = self.network_.classes_
        self.n_features_in_ = self.network_.n_features_in_
        return self

    def predict(self, X):
        check_is_fitted(self, "network_")
        return self.network_.predict(X)

    def predict_proba(self, X):
        check_is_fitted(self, "network_")
        return self.network_.predict_proba(X)

    def score(self, X, y, sample_weight=None):
        check_is_fitted(self, "network_")
        return self.network_.score(X, y, sample_weight=sample_weight)


def warm_up():
    """Import what the fits need and fit one tiny network, in a worker."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = np.arange(60) % 2
    with warnings.catch_warnings():  # plain joblib: no filters from the parent
        warnings.simplefilter("ignore", ConvergenceWarning)
        FlatMLP(batch_size=16, max_iter=2).fit(X, y)
    return os.getpid()


def start_pool(n_jobs):
    """Start (or keep alive) joblib's workers; each imports and fits a tiny FlatMLP.

    Before every timed fit with workers: loky stops workers idle for 300 s.
    """
    from joblib import Parallel, delayed, effective_n_jobs

    n_workers = effective_n_jobs(n_jobs)
    if n_workers > 1:
        Parallel(n_jobs=n_jobs)(delayed(warm_up)() for _ in range(2 * n_workers))


def worker_threads():
    """``(pid, thread pools)`` of a worker process, as ``"api: n"`` strings."""
    import numpy  # noqa: F401  (BLAS loaded)
    from threadpoolctl import threadpool_info

    return os.getpid(), sorted(
        {f"{p.get('internal_api')}: {p.get('num_threads')}" for p in threadpool_info()}
    )
