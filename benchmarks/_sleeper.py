"""An estimator whose fit only sleeps, for ``scaling.py``.

A fit that sleeps uses no CPU, so a 2-core machine can run 32 of them at
once and stand in for a cluster of 32 workers: what is measured is how well
a search keeps its workers busy, not how fast they compute.

It lives in its own module (like ``_timed.py`` and ``_flatmlp.py``) so that
joblib's workers, loky's and Dask's alike, unpickle it by reference
(``import _sleeper``, found through the ``sys.path`` the workers copy from the
parent process), not by value from a ``__main__`` module.
"""

import math
import os
import time

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin

#: The fastest and slowest fit, in seconds (at ``time_scale=1``).
LOW, HIGH = 0.02, 2.0
#: Where the score peaks: a fit of ``BEST_SECONDS`` with ``shape=BEST_SHAPE``.
#: 0.5 s lies above the log-uniform law's median (0.2 s): the optimum is
#: neither the fastest corner nor the middle of the draws, so a search that
#: favours fast candidates pays for it in score.
BEST_SECONDS, BEST_SHAPE = 0.5, 0.7


def true_score(seconds, shape):
    """The score of a candidate: smooth, deterministic, 1 at the optimum.

    ``1 - (log10(seconds / 0.5) / 2) ** 2 - (shape - 0.7) ** 2``: a parabola
    in ``log10(seconds)`` (a factor 10 from 0.5 s costs 0.25) and in
    ``shape``; from 0.51 (0.02 s, shape 0) to 1.
    """
    return (
        1.0 - (math.log10(seconds / BEST_SECONDS) / 2) ** 2 - (shape - BEST_SHAPE) ** 2
    )


class Sleeper(RegressorMixin, BaseEstimator):
    """``fit`` sleeps ``seconds * time_scale``; ``score`` is :func:`true_score`.

    Parameters
    ----------
    seconds : float, default=0.1
        The fit's sleep (at ``time_scale=1``); searched log-uniform in
        [0.02, 2].
    shape : float, default=0.5
        A second parameter that costs nothing; searched uniform in [0, 1].
    time_scale : float, default=1.0
        Multiplies every sleep (``--quick`` shortens them); not searched, and
        not part of the score.
    trace : str, default=None
        A file to which every fit appends one line, ``start end pid``
        (``time.time()`` seconds around the sleep): when each fit ran, on
        which worker. One short ``write`` in append mode per line, so lines
        from concurrent workers do not mix. Not searched.
    """

    def __init__(self, seconds=0.1, shape=0.5, time_scale=1.0, trace=None):
        self.seconds = seconds
        self.shape = shape
        self.time_scale = time_scale
        self.trace = trace

    def fit(self, X, y=None):
        start = time.time()
        time.sleep(float(self.seconds) * float(self.time_scale))
        end = time.time()
        if self.trace:
            with open(self.trace, "a") as f:
                f.write(f"{start:.6f} {end:.6f} {os.getpid()}\n")
        self.n_features_in_ = len(X[0])
        return self

    def predict(self, X):
        return [0.0] * len(X)

    def score(self, X, y=None, sample_weight=None):
        return true_score(float(self.seconds), float(self.shape))


def read_trace(path):
    """The fits of a trace file: an array of rows ``(start, end, pid)``."""
    rows = np.loadtxt(path, ndmin=2) if os.path.getsize(path) else np.empty((0, 3))
    return rows[np.argsort(rows[:, 0])]


def warm_up(seconds=0.0):
    """Import what a search's fits need, in a worker; sleep; return the pid.

    Unpickling a fit imports scikit-learn's model selection (and, for the
    asynchronous mode, gahpo): the warm-up does it before the clock starts.
    """
    import sklearn.model_selection  # noqa: F401

    import gahpo._compat  # noqa: F401

    time.sleep(seconds)
    return os.getpid()
