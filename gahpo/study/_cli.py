"""The command line of the study: options, their checks, and ``main``."""

import argparse
import math
import os
import sys
import warnings

from sklearn.exceptions import ConvergenceWarning

from .. import __version__
from .._checkpoint import CheckpointError
from ._data import OPENML, OPENML_DEFAULT_SAMPLES, Offline
from ._report import (
    format_individuals,
    format_table,
    save_fitness_plot,
    write_cv_results,
    write_summary,
)
from ._run import FINALISTS, N_SPLITS, run, single_threaded_blas

__all__ = ["build_parser", "main"]


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
        "--min-resources",
        type=_int_at_least(0),
        default=None,
        metavar="N",
        help="multi-fidelity: training rows of the first rung, each later rung "
        "3x more (default: a ninth of the training rows, 10 per class at "
        "least; 0 turns it off)",
    )
    search.add_argument(
        "--finalists",
        type=_int_at_least(0),
        default=FINALISTS,
        metavar="K",
        help="score the K best candidates again on new folds and choose the "
        f"best among them (default: {FINALISTS}; 0 turns it off)",
    )
    search.add_argument(
        "--cv",
        type=_int_at_least(2),
        default=N_SPLITS,
        metavar="K",
        help="stratified K-fold cross-validation for every method "
        f"(default: {N_SPLITS})",
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
            single_threaded_blas() as pinned,
            warnings.catch_warnings(),
        ):
            # Short budgets leave some networks unconverged: the scores say so
            # already. scikit-learn forwards these filters to its workers.
            warnings.simplefilter("ignore", category=ConvergenceWarning)
            # batch sizes above the training fold's size are clipped to it
            warnings.filterwarnings("ignore", message="Got `batch_size` less than 1")
            rows, search, _ = run(args, parser)
    except Offline as exc:
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
    summary_path = os.path.join(args.out, "summary.json")
    write_summary(summary_path, rows, search, args, blas_pinned=pinned)
    png_path = os.path.join(args.out, "fitness.png")
    plotted = save_fitness_plot(png_path, search)

    print(format_table(rows))
    print()
    print(f"GeneticSearchCV ran {search.n_generations_} generations.")
    print(format_individuals(search))
    print()
    print(f"Wrote {csv_path}")
    print(f"Wrote {summary_path}")
    if plotted:
        print(f"Wrote {png_path}")
    else:
        print(
            "No fitness plot: matplotlib is not installed "
            '(pip install "sklearn-gahpo[plot]").'
        )
    return 0
