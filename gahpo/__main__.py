"""``python -m gahpo``: the study's experiment, on your machine.

A multi-layer perceptron (Adam, cross-entropy) has its batch size, number of
hidden layers, units per layer and activation tuned by
:class:`~gahpo.GeneticSearchCV` (population 25, 25 generations, as in the
study), then is compared on a held-out test set with the network with no
hidden layer, scikit-learn's default ``MLPClassifier`` and
``RandomizedSearchCV`` given the same number of candidates. The data is
scikit-learn's digits by default (embedded, offline); ``--dataset mnist`` or
``cifar10`` downloads from OpenML, ``--data FILE.csv --target COLUMN`` reads
your own table.

Run ``python -m gahpo --help`` for the options. The search's ``cv_results_``
go to ``OUT/cv_results.csv`` and, when matplotlib is installed, the best and
mean score per generation to ``OUT/fitness.png``.
"""

import argparse
import contextlib
import csv
import http.client
import math
import os
import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import (
    RandomizedSearchCV,
    StratifiedKFold,
    cross_val_score,
    train_test_split,
)
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from threadpoolctl import threadpool_limits

from . import __version__
from ._checkpoint import CheckpointError
from ._search import GeneticSearchCV
from .callbacks import ProgressBar
from .space import Categorical, Integer, LayerSizes

__all__ = ["main"]

#: OpenML names of the downloadable datasets.
OPENML = {"mnist": "mnist_784", "cifar10": "CIFAR_10"}
#: Rows kept from the OpenML datasets unless --max-samples says otherwise: the
#: full 60-70k rows would take many hours at the study's budget.
OPENML_DEFAULT_SAMPLES = 10_000
#: Environment variables that set the threads of BLAS and OpenMP.
BLAS_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
#: Cross-validation folds, for every method in the comparison, unless --cv says
#: otherwise. Two folds, not three: the genetic search drifts to its best
#: networks, which on digits are also its slowest (three wide layers, batches
#: of 16-50 rows, ~1 s a fit against ~0.4 s for a random one), and 3-fold CV
#: made the default study ~25 minutes on two cores; 2-fold CV trains on half
#: the rows per candidate instead of three times two thirds (0.43x the time
#: measured over seven generations).
N_SPLITS = 2
ACTIVATIONS = ["identity", "logistic", "tanh", "relu"]


class _Offline(Exception):
    """A dataset could not be downloaded."""


@contextlib.contextmanager
def single_threaded_blas():
    """One BLAS/OpenMP thread per process while the experiment runs.

    The fits here are small (MLPs on a few thousand rows): with threaded BLAS
    on a small machine they run 10-100x slower, as BLAS threads fight over
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


# -- command line ---------------------------------------------------------------


def _int_at_least(low):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"must be an integer, got {text!r}"
            ) from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be an integer >= {low}, got {text}")
        return value

    return parse


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a number of seconds, got {text!r}"
        ) from None
    if not value > 0 or math.isinf(value):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text}")
    return value


def _n_jobs(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None
    if value == 0:
        raise argparse.ArgumentTypeError(
            "must not be 0: use a number of workers, or -1 for all processors"
        )
    return value


def build_parser():
    """The argument parser of ``python -m gahpo``."""
    parser = argparse.ArgumentParser(
        prog="python -m gahpo",
        description=(
            "Tune an MLP's batch size, hidden layers, units per layer and "
            "activation with a genetic algorithm (GeneticSearchCV), and compare "
            "it on held-out data with the network with no hidden layer, the "
            "default MLPClassifier and RandomizedSearchCV at the same number of "
            "candidates."
        ),
        epilog="Example: python -m gahpo --population 10 --generations 5 --out results",
    )
    data = parser.add_argument_group("data")
    data.add_argument(
        "--dataset",
        choices=["digits", *OPENML],
        default=None,
        help="digits (default; embedded in scikit-learn, offline), or mnist / "
        "cifar10 downloaded from OpenML",
    )
    data.add_argument(
        "--data",
        metavar="FILE.csv",
        help="your own table instead: a CSV file with a header row and numeric "
        "features (needs --target)",
    )
    data.add_argument("--target", metavar="COLUMN", help="the class column of --data")
    data.add_argument(
        "--max-samples",
        type=_int_at_least(20),
        metavar="N",
        help="use a stratified random subset of N rows (default: every row of "
        f"digits and --data, {OPENML_DEFAULT_SAMPLES} rows of mnist and cifar10)",
    )
    search = parser.add_argument_group("search")
    search.add_argument(
        "--population",
        type=_int_at_least(2),
        default=25,
        metavar="N",
        help="candidates per generation (default: 25, the study's)",
    )
    search.add_argument(
        "--generations",
        type=_int_at_least(1),
        default=25,
        metavar="N",
        help="maximum number of generations (default: 25, the study's)",
    )
    search.add_argument(
        "--max-time",
        type=_positive_float,
        metavar="SECONDS",
        help="stop the genetic search after the generation that crosses this "
        "wall-clock budget",
    )
    search.add_argument(
        "--cv",
        type=_int_at_least(2),
        default=N_SPLITS,
        metavar="K",
        help=f"stratified K-fold cross-validation for every method (default: {N_SPLITS})",
    )
    search.add_argument(
        "--max-iter",
        type=_int_at_least(1),
        default=200,
        metavar="N",
        help="maximum epochs of each MLP fit (default: 200)",
    )
    search.add_argument(
        "--n-jobs",
        type=_n_jobs,
        default=-1,
        metavar="N",
        help="parallel worker processes; -1 uses every processor (default)",
    )
    search.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seeds the test split, the networks and both searches (default: 0)",
    )
    search.add_argument(
        "--checkpoint",
        metavar="FILE",
        help="save the genetic search after every generation, and resume from "
        "FILE if it exists",
    )
    output = parser.add_argument_group("output")
    output.add_argument(
        "--out",
        default="gahpo-output",
        metavar="DIR",
        help="folder for cv_results.csv and fitness.png (default: gahpo-output)",
    )
    output.add_argument(
        "--quiet", action="store_true", help="no progress bar or status lines"
    )
    output.add_argument("--version", action="version", version=f"gahpo {__version__}")
    return parser


def _check_args(parser, args):
    """Rules argparse cannot express; each failure exits with code 2."""
    if args.data is None and args.target is not None:
        parser.error("--target needs --data FILE.csv")
    if args.data is not None:
        if args.target is None:
            parser.error("--data needs --target COLUMN, the name of the class column")
        if args.dataset is not None:
            parser.error("give either --dataset or --data, not both")
        if not os.path.isfile(args.data):
            parser.error(f"--data: no such file: {args.data!r}")
    if os.path.exists(args.out) and not os.path.isdir(args.out):
        parser.error(f"--out: {args.out!r} exists and is not a folder")
    if args.checkpoint is not None:
        folder = os.path.dirname(os.path.abspath(args.checkpoint))
        if not os.path.isdir(folder):
            parser.error(f"--checkpoint: the folder {folder!r} does not exist")
        if os.path.isdir(args.checkpoint):
            parser.error(
                f"--checkpoint: {args.checkpoint!r} is a folder, give a file name"
            )


# -- data -------------------------------------------------------------------------


def read_csv(path, target):
    """Numeric features and a class column from a CSV file with a header row.

    Returns ``X`` (float array), ``y`` (ints when every label is an integer,
    strings otherwise) and the feature names. Raises ``ValueError`` with the
    row and column of the first bad cell.
    """
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if not header:
            raise ValueError(f"{path!r} is empty; it needs a header row and data rows")
        header = [name.strip() for name in header]
        if target not in header:
            raise ValueError(
                f"no column {target!r} in {path!r}; its columns are {header}"
            )
        t = header.index(target)
        features = [name for i, name in enumerate(header) if i != t]
        if not features:
            raise ValueError(f"{path!r} has no feature column besides {target!r}")
        X, y = [], []
        for line, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue  # blank line
            if len(row) != len(header):
                raise ValueError(
                    f"line {line} of {path!r} has {len(row)} cells, the header has {len(header)}"
                )
            values = []
            for i, cell in enumerate(row):
                if i == t:
                    continue
                try:
                    value = float(cell)
                except ValueError:
                    value = math.nan
                if not math.isfinite(value):
                    raise ValueError(
                        f"column {header[i]!r}, line {line} of {path!r}: features must be "
                        f"finite numbers, got {cell!r}"
                    )
                values.append(value)
            label = row[t].strip()
            if not label:
                raise ValueError(
                    f"column {target!r}, line {line} of {path!r}: missing class"
                )
            X.append(values)
            y.append(label)
    if len(y) < 4:
        raise ValueError(f"{path!r} has {len(y)} data rows; at least 4 are needed")
    if len(set(y)) < 2:
        raise ValueError(
            f"column {target!r} of {path!r} holds a single class, {y[0]!r}"
        )
    try:
        numbers = np.array([float(v) for v in y])
        if np.all(numbers == np.round(numbers)):
            y = numbers.astype(int)
    except ValueError:
        pass
    return np.array(X, dtype=float), np.asarray(y), features


def fetch_openml_dataset(name):
    """``X, y`` of an OpenML dataset; raises :class:`_Offline` when it cannot download."""
    from sklearn.datasets import fetch_openml

    try:
        import pandas  # noqa: F401

        parser = "auto"
    except ImportError:  # pandas is not a dependency of gahpo
        parser = "liac-arff"
    try:
        X, y = fetch_openml(
            OPENML[name], version=1, return_X_y=True, as_frame=False, parser=parser
        )
    except (OSError, http.client.HTTPException) as exc:  # URLError, timeouts, DNS, ...
        raise _Offline(
            f"could not download {OPENML[name]!r} from OpenML ({type(exc).__name__}: {exc}). "
            "Check the network connection, or run offline with the embedded digits "
            "dataset (the default) or your own table (--data FILE.csv --target COLUMN)."
        ) from exc
    return np.asarray(X, dtype=np.float32), np.asarray(y)


def load_data(args, parser):
    """``X, y, description`` for the options given."""
    if args.data is not None:
        try:
            X, y, _ = read_csv(args.data, args.target)
        except (ValueError, UnicodeDecodeError, csv.Error) as exc:
            parser.error(f"--data: {exc}")
        name = os.path.basename(args.data)
    elif args.dataset in OPENML:
        X, y = fetch_openml_dataset(args.dataset)
        name = args.dataset
    else:
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
        name = "digits"
    max_samples = args.max_samples
    if max_samples is None and args.dataset in OPENML:
        max_samples = OPENML_DEFAULT_SAMPLES
    if max_samples is not None and max_samples < len(y):
        X, _, y, _ = _split(X, y, train_size=max_samples, seed=args.seed)
        name += f" (subset of {max_samples} rows)"
    return X, y, name


def _split(X, y, *, seed, **size):
    """Stratified split when every class allows it, plain otherwise."""
    try:
        return train_test_split(X, y, stratify=y, random_state=seed, **size)
    except ValueError:  # a class with a single row
        return train_test_split(X, y, random_state=seed, **size)


# -- the experiment -----------------------------------------------------------------


def make_network(seed, max_iter, **params):
    """The study's network: Adam on the cross-entropy, features standardized.

    MLPs need scaled inputs (scikit-learn's user guide says so); the scaler is
    inside the pipeline, so it is fitted on each training fold only. Each
    network stops when its score on a held-out tenth of its training data
    stops improving (``early_stopping``): on digits that is 3-5x fewer epochs
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
    data = _split(X, y, test_size=0.25, seed=args.seed)
    X_train, X_test, y_train, y_test = data
    # the same folds for every method: StratifiedKFold without shuffling
    cv = StratifiedKFold(args.cv)
    _status(
        args,
        f"gahpo {__version__}: {name}, {X.shape[1]} features, {len(np.unique(y))} classes; "
        f"{len(y_train)} rows to tune on ({args.cv}-fold CV), {len(y_test)} held out.",
    )
    network = make_network(args.seed, args.max_iter)
    rows = []
    start_workers(args.n_jobs)

    _status(
        args,
        f"GeneticSearchCV: population {args.population}, up to {args.generations} generations.",
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
            n_candidates * args.cv + 1,
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
        f"RandomizedSearchCV: {n_candidates} candidates, as many as the genetic search.",
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


# -- reporting --------------------------------------------------------------------


def format_table(rows):
    """A markdown table of (name, CV score, test accuracy, fits, seconds) rows."""
    lines = [
        "| model | CV score | test accuracy | fits | wall time (s) |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, cv_score, test, fits, seconds in rows:
        lines.append(
            f"| {name} | {cv_score:.4f} | {test:.4f} | {fits} | {seconds:.1f} |"
        )
    return "\n".join(lines)


def _describe(params):
    return ", ".join(
        f"{key.split('__')[-1]}={value!r}" for key, value in params.items()
    )


def format_individuals(search):
    """The best and worst candidates of the genetic search, and their batch sizes."""
    results = search.cv_results_
    scores = np.asarray(results["mean_test_score"], dtype=float)
    params = results["params"]
    finite = np.flatnonzero(np.isfinite(scores))
    best = search.best_index_
    lines = [f"Best individual:  {_describe(params[best])} (CV {scores[best]:.4f})"]
    if finite.size:
        worst = finite[np.argmin(scores[finite])]
        lines.append(
            f"Worst individual: {_describe(params[worst])} (CV {scores[worst]:.4f})"
        )
    if finite.size >= 8:
        order = finite[np.argsort(-scores[finite], kind="stable")]
        quarter = max(2, finite.size // 4)
        top = np.median([params[i]["mlp__batch_size"] for i in order[:quarter]])
        bottom = np.median([params[i]["mlp__batch_size"] for i in order[-quarter:]])
        lines.append(
            f"Median batch size of the best {quarter} candidates: {top:g}; "
            f"of the worst {quarter}: {bottom:g}."
        )
    lines.append(
        "(The study saw a batch size near 100 for the best runs, near 500 for the worst.)"
    )
    return "\n".join(lines)


def _cell(value):
    if value is np.ma.masked:
        return ""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def write_cv_results(path, cv_results):
    """``cv_results_`` as CSV: one row per candidate, masked cells empty."""
    columns = list(cv_results)
    n_rows = len(cv_results["params"])
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        for i in range(n_rows):
            writer.writerow([_cell(cv_results[column][i]) for column in columns])


def plot_fitness(path, history):
    """Best and mean CV score per generation, as a PNG; False without matplotlib.

    Uses a bare ``Figure`` (no pyplot): no backend or style is changed for
    the rest of the process.
    """
    try:
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        return False
    generation = [r["generation"] for r in history]
    best = np.array([r["best_score"] for r in history], dtype=float)
    mean = np.array([r["mean_score"] for r in history], dtype=float)
    std = np.array([r["std_score"] for r in history], dtype=float)
    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.add_subplot()
    ax.fill_between(
        generation, mean - std, mean + std, alpha=0.2, label="population mean ± std"
    )
    ax.plot(generation, mean, marker="o", label="population mean")
    ax.plot(generation, best, marker="o", label="best so far")
    ax.set_xlabel("generation")
    ax.set_ylabel("CV accuracy")
    ax.set_title("GeneticSearchCV: fitness over generations")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="lower right")
    fig.savefig(path, dpi=100)
    return True


def main(argv=None):
    """Entry point of ``python -m gahpo`` and the ``gahpo`` command.

    Parameters
    ----------
    argv : list of str, default=None
        Command-line arguments without the program name; ``sys.argv[1:]``
        if None.

    Returns
    -------
    status : int
        0 on success, 1 when a dataset cannot be downloaded or a checkpoint
        does not match, 130 when interrupted. Bad options exit with code 2
        (``SystemExit``), as argparse does.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    _check_args(parser, args)
    try:
        os.makedirs(args.out, exist_ok=True)
    except OSError as exc:
        parser.error(f"--out: cannot create the folder {args.out!r}: {exc}")

    try:
        with (
            single_threaded_blas(),
            warnings.catch_warnings(),
        ):
            # Short budgets leave some networks unconverged: the scores say so
            # already. scikit-learn forwards these filters to its workers.
            warnings.simplefilter("ignore", category=ConvergenceWarning)
            # batch sizes above the training fold's size are clipped to it
            warnings.filterwarnings("ignore", message="Got `batch_size` less than 1")
            rows, search, _ = run(args, parser)
    except _Offline as exc:
        print(f"gahpo: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        hint = (
            f" Run the same command again to resume from {args.checkpoint!r}."
            if args.checkpoint
            else " Use --checkpoint FILE to be able to resume."
        )
        print(f"\ngahpo: interrupted.{hint}", file=sys.stderr)
        return 130
    except CheckpointError as exc:  # a file from another search, or corrupt
        print(f"gahpo: error: {exc}", file=sys.stderr)
        return 1

    csv_path = os.path.join(args.out, "cv_results.csv")
    write_cv_results(csv_path, search.cv_results_)
    png_path = os.path.join(args.out, "fitness.png")
    plotted = plot_fitness(png_path, search.history_)

    print(format_table(rows))
    print()
    print(f"GeneticSearchCV ran {search.n_generations_} generations.")
    print(format_individuals(search))
    print()
    print(f"Wrote {csv_path}")
    if plotted:
        print(f"Wrote {png_path}")
    else:
        print(
            'No fitness plot: matplotlib is not installed (pip install "sklearn-gahpo[plot]").'
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
