"""The study's experiment: the network, the space, the searches, the baselines."""

import contextlib
import os
import sys
import time

import numpy as np
from sklearn.model_selection import (
    RandomizedSearchCV,
    StratifiedKFold,
    cross_val_score,
)
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from threadpoolctl import threadpool_limits

from .. import __version__
from .._search import GeneticSearchCV
from ..callbacks import ProgressBar
from ..space import Categorical, Integer, LayerSizes
from ._data import load_data, split

__all__ = [
    "ACTIVATIONS",
    "BLAS_VARS",
    "FINALISTS",
    "N_SPLITS",
    "make_network",
    "random_search_space",
    "run",
    "search_space",
    "single_threaded_blas",
    "start_workers",
]

#: Environment variables that set the threads of BLAS and OpenMP.
BLAS_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
#: Cross-validation folds, for every method in the comparison, unless --cv says
#: otherwise. Two folds, not three: the genetic search drifts to its best
#: networks, which on digits are also its slowest (three wide layers, batches
#: of 16-50 rows), and 2-fold CV trains on half the rows per candidate
#: instead of three times two thirds, which keeps the default study within
#: minutes on two cores.
N_SPLITS = 2
ACTIVATIONS = ["identity", "logistic", "tanh", "relu"]
#: Finalists scored again on new folds (``finalists=``), unless --finalists
#: says otherwise: none, as on the development splits of benchmarks/study.py
#: they did not improve the held-out accuracy of the multi-fidelity search.
FINALISTS = 0
#: Multi-fidelity's first rung is this share of the training rows (and
#: MIN_ROWS_PER_CLASS rows per class at least), unless --min-resources says
#: otherwise: rungs n/9, n/3 and n with factor 3, the ladder that
#: benchmarks/study.py measured ("gahpo-mf").
MIN_RESOURCES_SHARE = 1 / 9
MIN_ROWS_PER_CLASS = 10


@contextlib.contextmanager
def single_threaded_blas():
    """One BLAS/OpenMP thread per process while the experiment runs.

    The fits here are small (MLPs on a few thousand rows): with threaded BLAS
    on a small machine they run several times slower (more than 5x in
    ``benchmarks/results/timing.json``), as BLAS threads fight over
    the cores that the joblib worker processes already use. Parallelism
    comes from the ``--n-jobs`` worker processes instead.

    BLAS reads ``OMP_NUM_THREADS`` and friends once, when numpy loads, and
    ``python -m gahpo`` imports the ``gahpo`` package (hence numpy) before
    this module: setting them here, even at the top of the file, would be too
    late for this process. So this process is limited at run time with
    threadpoolctl (a scikit-learn dependency), and the variables are set for
    the worker processes started meanwhile, which inherit them. If the user
    set any of the variables, their choice stands and nothing is changed.
    Yields whether the threads were pinned.
    """
    if any(var in os.environ for var in BLAS_VARS):
        yield False
        return
    os.environ.update(dict.fromkeys(BLAS_VARS, "1"))
    try:
        with threadpool_limits(limits=1):
            yield True
    finally:
        for var in BLAS_VARS:
            os.environ.pop(var, None)


def first_rung(y):
    """The default first rung for training targets ``y``; 0 turns it off.

    A ninth of the rows (``MIN_RESOURCES_SHARE``), at least
    ``MIN_ROWS_PER_CLASS`` per class; off when that leaves fewer than two
    rungs.

    >>> first_rung(np.repeat(np.arange(10), 135)), first_rung(np.arange(40) % 2)
    (150, 0)
    """
    n_rows, n_classes = len(y), len(np.unique(y))
    rows = max(int(n_rows * MIN_RESOURCES_SHARE), MIN_ROWS_PER_CLASS * n_classes)
    return rows if 3 * rows <= n_rows else 0


def make_network(seed, max_iter, **params):
    """The study's network: Adam on the cross-entropy, features standardized.

    MLPs need scaled inputs (scikit-learn's user guide says so); the scaler is
    inside the pipeline, so it is fitted on each training fold only. Each
    network stops when its score on a held-out tenth of its training data
    stops improving (``early_stopping``): on digits that is far fewer epochs
    than ``max_iter`` for the same accuracy, which is what lets the study's
    1,200 networks x 2 folds (the search and random search at the same
    budget) run in minutes on two cores.
    """
    mlp = MLPClassifier(
        solver="adam", max_iter=max_iter, early_stopping=True, random_state=seed
    )
    return Pipeline([("scale", StandardScaler()), ("mlp", mlp)]).set_params(**params)


def search_space():
    """The study's space, as gahpo genes."""
    return {
        "mlp__batch_size": Integer(16, 512, log=True),
        "mlp__hidden_layer_sizes": LayerSizes(1, 3, 16, 256),
        "mlp__activation": Categorical(ACTIVATIONS),
    }


class _GeneSampler:
    """A gahpo gene seen as a scipy-like distribution, for RandomizedSearchCV.

    ``RandomizedSearchCV`` samples any object with ``rvs(random_state=)``, but
    not gahpo genes, and scipy has no distribution for a variable-length tuple
    of layer sizes or a log-uniform *integer* batch size. Drawing through the
    genes themselves gives random search exactly the space (bounds, log
    scales, layer counts) and sampling distribution of the genetic search's
    genes, with nothing tuned in either's favour.
    """

    def __init__(self, gene):
        self.gene = gene

    def rvs(self, random_state=None):
        return self.gene.decode(self.gene.sample(check_random_state(random_state)))

    def __repr__(self):
        return f"_GeneSampler({self.gene!r})"


def random_search_space():
    """The same space, for ``RandomizedSearchCV``."""
    return {name: _GeneSampler(gene) for name, gene in search_space().items()}


def _status(args, message):
    if not args.quiet:
        print(message, file=sys.stderr, flush=True)


def _warm_up():
    """Import what the fits need, in a worker."""
    import sklearn.neural_network
    import sklearn.pipeline  # noqa: F401

    return os.getpid()


def start_workers(n_jobs):
    """Start joblib's worker processes before anything is timed.

    Whoever runs first would otherwise pay for starting the pool and
    importing scikit-learn in every worker (seconds on a small machine); the
    pool is then reused by every later ``n_jobs`` call of the same size.
    """
    from joblib import Parallel, delayed, effective_n_jobs

    n_workers = effective_n_jobs(n_jobs)
    if n_workers > 1:
        Parallel(n_jobs=n_jobs)(delayed(_warm_up)() for _ in range(2 * n_workers))


def _baseline(name, estimator, data, cv, n_jobs):
    X_train, X_test, y_train, y_test = data
    start = time.perf_counter()
    cv_score = cross_val_score(estimator, X_train, y_train, cv=cv, n_jobs=n_jobs).mean()
    estimator.fit(X_train, y_train)
    test = estimator.score(X_test, y_test)
    return name, cv_score, test, cv.get_n_splits() + 1, time.perf_counter() - start


def run(args, parser):
    """Run the experiment; return the table's rows and the two fitted searches."""
    X, y, name = load_data(args, parser)
    data = split(X, y, test_size=0.25, seed=args.seed)
    X_train, X_test, y_train, y_test = data
    # the same folds for every method: StratifiedKFold without shuffling
    cv = StratifiedKFold(args.cv)
    _status(
        args,
        f"gahpo {__version__}: {name}, {X.shape[1]} features, "
        f"{len(np.unique(y))} classes; "
        f"{len(y_train)} rows to tune on ({args.cv}-fold CV), {len(y_test)} held out.",
    )
    network = make_network(args.seed, args.max_iter)
    rows = []
    start_workers(args.n_jobs)

    min_resources = args.min_resources
    if min_resources is None:
        min_resources = first_rung(y_train)
    _status(
        args,
        f"GeneticSearchCV: population {args.population}, "
        f"up to {args.generations} generations"
        + (f", multi-fidelity from {min_resources} rows" if min_resources else "")
        + (f", {args.finalists} finalists" if args.finalists else "")
        + ".",
    )
    callbacks = [] if args.quiet else [ProgressBar(desc="GeneticSearchCV", unit="gen")]
    search = GeneticSearchCV(
        network,
        search_space(),
        cv=cv,
        n_jobs=args.n_jobs,
        population_size=args.population,
        generations=args.generations,
        max_time=args.max_time,
        min_resources=min_resources or None,
        factor=3,
        finalists=args.finalists or None,
        checkpoint=args.checkpoint,
        callbacks=callbacks,
        random_state=args.seed,
    )
    start = time.perf_counter()
    search.fit(X_train, y_train)
    # a resumed search also ran before this process started: count that time
    ga_time = max(
        time.perf_counter() - start, search.history_[-1]["elapsed"] + search.refit_time_
    )
    n_candidates = sum(record["n_evaluated"] for record in search.history_)
    rows.append(
        (
            "GeneticSearchCV, tuned MLP",
            search.best_score_,
            search.score(X_test, y_test),
            len(search.cv_results_["params"]) * args.cv + 1,  # rungs too
            ga_time,
        )
    )

    _status(args, "Baselines: the MLP with no hidden layer, the default MLPClassifier.")
    rows.append(
        _baseline(
            "MLP with no hidden layer",
            make_network(args.seed, args.max_iter, mlp__hidden_layer_sizes=()),
            data,
            cv,
            args.n_jobs,
        )
    )
    rows.append(
        _baseline(
            "MLPClassifier defaults",
            make_network(args.seed, args.max_iter),
            data,
            cv,
            args.n_jobs,
        )
    )

    _status(
        args,
        f"RandomizedSearchCV: {n_candidates} candidates, "
        "as many as the genetic search.",
    )
    random_search = RandomizedSearchCV(
        network,
        random_search_space(),
        n_iter=n_candidates,
        cv=cv,
        n_jobs=args.n_jobs,
        random_state=args.seed,
    )
    start = time.perf_counter()
    random_search.fit(X_train, y_train)
    rows.append(
        (
            f"RandomizedSearchCV, {n_candidates} candidates",
            random_search.best_score_,
            random_search.score(X_test, y_test),
            n_candidates * args.cv + 1,
            time.perf_counter() - start,
        )
    )
    return rows, search, random_search
