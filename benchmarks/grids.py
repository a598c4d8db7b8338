#!/usr/bin/env python
"""Dense grids with a known optimum, and a lookup estimator that replays them.

``quality.py`` needs spaces whose best configuration is known: here every
configuration of a finite grid is cross-validated once (3-fold
``StratifiedKFold(shuffle=True, random_state=0)``, accuracy) and stored in
``benchmarks/data/grid_<task>.json`` (mean and per-fold accuracies, mean fit
time, build time, versions, machine). The searches then run on
:class:`Lookup`, whose ``score`` is the stored accuracy of its parameters.
Tasks (``GRIDS``, ``load_task_data``, ``make_task_estimator``): ``svc`` (SVC
on digits, C x gamma, 484 configurations), ``mlp`` (the study's MLP space on
800 digits, 360) and ``gbm`` (HistGradientBoosting on make_classification,
360); ``benchmarks/README.md`` describes them.

    python benchmarks/grids.py --build svc      # or mlp, gbm, all
    python benchmarks/grids.py --show           # spread of the stored grids
"""

import _harness as H  # noqa: I001  (first: pins BLAS/OpenMP threads)
import argparse
import datetime
import itertools
import json
import math
import os
import time
import warnings
import zlib

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
N_SPLITS = 3
CV_SEED = 0

# --------------------------------------------------------------------------
# Task definitions: the grid (parameter name -> list of values, in a fixed
# order), the data and the estimator. Only these three functions know about
# real models; everything else works on the stored tables.
# --------------------------------------------------------------------------


def _mlp_shapes():
    """1- and 2-layer tuples of widths 16, 64, 256, and 3 equal-width 3-layer ones."""
    widths = (16, 64, 256)
    one = [(w,) for w in widths]
    two = list(itertools.product(widths, repeat=2))
    three = [(w, w, w) for w in widths]
    return one + two + three  # 3 + 9 + 3 = 15


GRIDS = {
    "svc": {
        "C": [float(v) for v in np.logspace(-2, 4, 22)],
        "gamma": [float(v) for v in np.logspace(-6, 0, 22)],
    },
    "mlp": {
        "batch_size": [16, 32, 64, 128, 256, 512],
        "hidden_layer_sizes": _mlp_shapes(),
        "activation": ["identity", "logistic", "tanh", "relu"],
    },
    "gbm": {
        "learning_rate": [float(v) for v in np.logspace(-2, math.log10(0.5), 6)],
        "max_leaf_nodes": [4, 8, 16, 32, 64],
        "min_samples_leaf": [2, 10, 40],
        "l2_regularization": [0.0, 1.0, 10.0, 100.0],
    },
}

DESCRIPTIONS = {
    "svc": "SVC(kernel='rbf') on digits (1797 x 64), C x gamma, 22 x 22 log-spaced",
    "mlp": (
        "MLPClassifier(adam, max_iter=60) on 800 digits (stratified subsample, "
        "pixels/16): batch_size x hidden_layer_sizes (15 shapes) x activation"
    ),
    "gbm": (
        "HistGradientBoostingClassifier(max_iter=100, early_stopping=False) on "
        "make_classification(2000 x 20, 8 informative, flip_y=0.05): "
        "learning_rate x max_leaf_nodes x min_samples_leaf x l2_regularization"
    ),
}


def load_task_data(task):
    """``(X, y, description)`` of a task's data set; deterministic."""
    from sklearn.datasets import load_digits, make_classification
    from sklearn.model_selection import train_test_split

    if task == "svc":
        X, y = load_digits(return_X_y=True)
        return X, y, "load_digits(): 1797 samples, 64 features (0..16), 10 classes"
    if task == "mlp":
        X, y = load_digits(return_X_y=True)
        X, _, y, _ = train_test_split(
            X / 16.0, y, train_size=800, stratify=y, random_state=0
        )
        return (
            X,
            y,
            (
                "load_digits() / 16, stratified subsample of 800 "
                "(train_test_split(train_size=800, stratify=y, random_state=0))"
            ),
        )
    if task == "gbm":
        X, y = make_classification(
            n_samples=2000, n_features=20, n_informative=8, flip_y=0.05, random_state=0
        )
        return (
            X,
            y,
            (
                "make_classification(n_samples=2000, n_features=20, n_informative=8, "
                "flip_y=0.05, random_state=0)"
            ),
        )
    raise ValueError(f"unknown task {task!r}; choose from {sorted(GRIDS)}")


def make_task_estimator(task, params):
    """The real estimator of a task, with one configuration of its grid."""
    if task == "svc":
        from sklearn.svm import SVC

        return SVC(kernel="rbf", **params)
    if task == "mlp":
        from sklearn.neural_network import MLPClassifier

        return MLPClassifier(solver="adam", max_iter=60, random_state=0, **params)
    if task == "gbm":
        from sklearn.ensemble import HistGradientBoostingClassifier

        return HistGradientBoostingClassifier(
            max_iter=100, early_stopping=False, random_state=0, **params
        )
    raise ValueError(f"unknown task {task!r}; choose from {sorted(GRIDS)}")


# --------------------------------------------------------------------------
# Building and loading the tables
# --------------------------------------------------------------------------


def grid_path(task):
    return os.path.join(DATA_DIR, f"grid_{task}.json")


def configurations(task):
    """Every configuration of a task's grid, as dicts, in a fixed order."""
    grid = GRIDS[task]
    names = list(grid)
    return [dict(zip(names, values)) for values in itertools.product(*grid.values())]


def to_json(value):
    return list(value) if isinstance(value, tuple) else value


def _from_json(name, value):
    return tuple(value) if name == "hidden_layer_sizes" else value


def _evaluate(task, params, X, y):
    """3-fold CV of one configuration: per-fold accuracies and mean fit time."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import StratifiedKFold, cross_validate

    cv = StratifiedKFold(n_splits=N_SPLITS, shuffle=True, random_state=CV_SEED)
    with warnings.catch_warnings():
        # max_iter=60 is a budget, not a bug: MLPs are stopped before convergence
        warnings.simplefilter("ignore", category=ConvergenceWarning)
        res = cross_validate(make_task_estimator(task, params), X, y, cv=cv, n_jobs=1)
    return [float(s) for s in res["test_score"]], float(np.mean(res["fit_time"]))


def build(task, n_jobs=2):
    """Cross-validate every configuration of ``task`` and write its JSON table."""
    from joblib import Parallel, delayed

    X, y, data_description = load_task_data(task)
    configs = configurations(task)
    print(
        f"[{task}] {len(configs)} configurations x {N_SPLITS} folds, "
        f"n_jobs={n_jobs} ...",
        flush=True,
    )
    start = time.perf_counter()
    results = Parallel(n_jobs=n_jobs, verbose=5)(
        delayed(_evaluate)(task, params, X, y) for params in configs
    )
    seconds = time.perf_counter() - start
    rows = []
    for params, (folds, fit_time) in zip(configs, results):
        rows.append(
            {
                "params": {k: to_json(v) for k, v in params.items()},
                "mean_test_score": float(np.mean(folds)),
                "fold_scores": folds,
                "mean_fit_time": fit_time,
            }
        )
    scores = np.array([r["mean_test_score"] for r in rows])
    best = int(np.argmax(scores))
    table = {
        "task": task,
        "description": DESCRIPTIONS[task],
        "data": data_description,
        "estimator": repr(make_task_estimator(task, {})),
        "cv": f"StratifiedKFold(n_splits={N_SPLITS}, shuffle=True, "
        f"random_state={CV_SEED})",
        "scoring": "accuracy",
        "grid": {k: [to_json(v) for v in values] for k, values in GRIDS[task].items()},
        "n_configurations": len(rows),
        "optimum": {
            "params": rows[best]["params"],
            "mean_test_score": float(scores[best]),
        },
        "spread": _spread(scores),
        "rows": rows,
        "build": {
            "seconds": round(seconds, 1),
            "n_jobs": n_jobs,
            "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "command": "python benchmarks/grids.py --build " + task,
            "machine": H.machine_info(),
        },
    }
    os.makedirs(DATA_DIR, exist_ok=True)
    with open(grid_path(task), "w") as f:
        json.dump(table, f, indent=1)
    print(f"[{task}] built in {seconds:.1f} s -> {grid_path(task)}")
    print(f"[{task}] {_spread_line(table)}", flush=True)
    return table


def _spread(scores):
    scores = np.sort(np.asarray(scores))[::-1]
    return {
        "min": float(scores[-1]),
        "median": float(np.median(scores)),
        "max": float(scores[0]),
        "q90": float(np.quantile(scores, 0.9)),
        # how crowded the top is: configurations within 0.5 / 1 point of the optimum
        "n_within_0.5pt": int(np.sum(scores >= scores[0] - 0.005)),
        "n_within_1pt": int(np.sum(scores >= scores[0] - 0.01)),
        "second_best": float(scores[1]),
    }


def _spread_line(table):
    s = table["spread"]
    return (
        f"{table['n_configurations']} configs: min {s['min']:.4f}, median "
        f"{s['median']:.4f}, 90th pct {s['q90']:.4f}, max {s['max']:.4f} "
        f"(2nd best {s['second_best']:.4f}; {s['n_within_0.5pt']} within 0.5 pt, "
        f"{s['n_within_1pt']} within 1 pt); optimum {table['optimum']['params']}"
    )


class Table:
    """A stored grid: ``score(params)`` and the optimum."""

    def __init__(self, task):
        path = grid_path(task)
        if not os.path.exists(path):
            raise FileNotFoundError(
                f"{path} is missing: python benchmarks/grids.py --build {task}"
            )
        with open(path) as f:
            data = json.load(f)
        self.task = task
        self.data = data
        self.names = list(data["grid"])
        self.values = {
            k: [_from_json(k, v) for v in vs] for k, vs in data["grid"].items()
        }
        # key: tuple of *indices* into each parameter's list of values, so that
        # a float that went through a library (np.float64, a copy) still matches
        self.scores, self.fit_times, self.fold_scores = {}, {}, {}
        for row in data["rows"]:
            key = tuple(
                self._index(k, _from_json(k, row["params"][k])) for k in self.names
            )
            self.scores[key] = row["mean_test_score"]
            self.fit_times[key] = row["mean_fit_time"]
            self.fold_scores[key] = row["fold_scores"]
        #: parameters whose grid is a list of numbers (an order to use)
        self.numeric = [
            k
            for k, vs in self.values.items()
            if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vs)
        ]
        if len(self.scores) != data["n_configurations"]:
            raise ValueError(f"{path}: duplicate configurations")
        self.optimum = max(self.scores.values())

    def _index(self, name, value):
        values = self.values[name]
        if isinstance(value, str) and name == "hidden_layer_sizes":
            value = decode_layers(value)
        for i, v in enumerate(values):
            if v == value:
                return i
        if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
            for i, v in enumerate(values):
                if isinstance(v, (int, float)) and math.isclose(v, value, rel_tol=1e-9):
                    return i
        raise KeyError(f"{name}={value!r} is not in the {self.task} grid {values}")

    def key(self, params):
        """The index tuple of a configuration (a dict of parameter values)."""
        return tuple(self._index(k, params[k]) for k in self.names)

    def score(self, params):
        return self.scores[self.key(params)]

    def from_indices(self, params):
        """Parameters whose numeric grids are given as indices, as values."""
        return {
            k: self.values[k][int(v)] if k in self.numeric else v
            for k, v in params.items()
        }

    def noisy_score(self, key, noise):
        """One fold's score of ``key``, the fold fixed by ``(key, noise)``.

        What a search sees when it cannot average the folds away: the noise
        of cross-validation among near-equal configurations.
        """
        folds = self.fold_scores[key]
        return folds[zlib.crc32(repr((key, noise)).encode()) % len(folds)]


_TABLES = {}


def get_table(task):
    """The stored table of ``task``, loaded once per process."""
    if task not in _TABLES:
        _TABLES[task] = Table(task)
    return _TABLES[task]


# --------------------------------------------------------------------------
# The lookup estimator
# --------------------------------------------------------------------------


def encode_layers(shape):
    """``(64, 256)`` -> ``"64-256"``: a primitive stand-in for Optuna's categoricals."""
    return "-".join(str(int(u)) for u in shape)


def decode_layers(text):
    """``"64-256"`` -> ``(64, 256)``."""
    return tuple(int(u) for u in text.split("-"))


class Lookup(ClassifierMixin, BaseEstimator):
    """An estimator that "fits" for free and scores from a stored grid.

    ``score`` returns the stored mean 3-fold CV accuracy of the configuration
    given by the estimator's parameters, whatever data it is given. A search
    that cross-validates it (on any dummy data) therefore sees, for every
    fold, exactly the stored number, and ``mean_test_score`` equals the table
    value (with 2 folds the mean of two equal floats is exact).

    The parameters are the union of the three tasks' grids; only those of
    ``task`` are read. Their defaults are None, which lies in no grid, so a
    search that seeds its first population with the estimator's defaults
    (gahpo does) gets no hint from them.

    ``hidden_layer_sizes`` may be a tuple or its string form ``"64-256"``
    (Optuna's categorical distributions want primitive choices). With
    ``indexed=True`` the numeric parameters are indices into their grids
    (``C=3`` is the fourth value of C), so that every tool can be given the
    grids' order as integers. With ``noise`` (an int) the score is one
    fold's, fixed per configuration and ``noise``.
    """

    def __init__(
        self,
        task="svc",
        C=None,
        gamma=None,
        batch_size=None,
        hidden_layer_sizes=None,
        activation=None,
        learning_rate=None,
        max_leaf_nodes=None,
        min_samples_leaf=None,
        l2_regularization=None,
        indexed=False,
        noise=None,
    ):
        self.task = task
        self.C = C
        self.gamma = gamma
        self.batch_size = batch_size
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.indexed = indexed
        self.noise = noise

    def fit(self, X, y=None):
        self.classes_ = np.unique(y) if y is not None else np.array([0, 1])
        self.n_features_in_ = np.shape(X)[1]
        self.score_ = self.table_score()
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])

    def table_key(self):
        table = get_table(self.task)
        params = {name: getattr(self, name) for name in table.names}
        return table.key(table.from_indices(params) if self.indexed else params)

    def table_score(self):
        """The stored mean score, or with ``noise`` one fold's (see ``noisy_score``)."""
        table, key = get_table(self.task), self.table_key()
        if self.noise is None:
            return table.scores[key]
        return table.noisy_score(key, self.noise)

    def score(self, X, y=None, sample_weight=None):
        return self.table_score()


_LOADED_GAHPO = None


def loaded_gahpo_hash():
    """:func:`source_hash` of gahpo as this process imported it (hashed at import).

    The repository is edited by others while benchmarks run: each worker
    process records which gahpo source it actually ran.
    """
    global _LOADED_GAHPO
    if _LOADED_GAHPO is None:
        import gahpo
        import gahpo._search  # noqa: F401  (everything GeneticSearchCV loads)

        _LOADED_GAHPO = H.source_hash(os.path.dirname(os.path.abspath(gahpo.__file__)))
    return _LOADED_GAHPO


def dummy_data(n=20):
    """Data for the searches to "fit" on: 2 balanced classes, 1 constant feature."""
    X = np.zeros((n, 1))
    y = np.arange(n) % 2
    return X, y


# --------------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--build",
        nargs="+",
        metavar="TASK",
        help=f"tasks to build: {sorted(GRIDS)} or 'all'",
    )
    parser.add_argument("--n-jobs", type=int, default=2, help="worker processes")
    parser.add_argument(
        "--show", action="store_true", help="print the spread of stored grids"
    )
    args = parser.parse_args(argv)
    if not args.build and not args.show:
        parser.error("nothing to do: give --build TASK ... or --show")
    tasks = []
    for name in args.build or ():
        if name == "all":
            tasks.extend(t for t in GRIDS if t not in tasks)
        elif name in GRIDS:
            tasks.append(name)
        else:
            parser.error(f"unknown task {name!r}; choose from {sorted(GRIDS)} or 'all'")
    if tasks:
        H.start("grids", "Grids: cross-validate every configuration", argv)
        for task in tasks:
            build(task, n_jobs=args.n_jobs)
    if args.show:
        for task in GRIDS:
            if os.path.exists(grid_path(task)):
                table = Table(task)
                print(
                    f"[{task}] built in {table.data['build']['seconds']} s; "
                    f"{_spread_line(table.data)}"
                )
            else:
                print(f"[{task}] not built")


if __name__ == "__main__":
    main()
