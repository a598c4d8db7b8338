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

The pieces: ``_data`` loads the data (digits, OpenML, a CSV file),
``_run`` runs the experiment, ``_report`` writes the table,
``cv_results.csv`` and the figure, and ``_cli`` parses the options and
ties them together in :func:`main`.
"""

from ._cli import build_parser, main
from ._data import read_csv, split
from ._report import format_table, write_cv_results
from ._run import (
    ACTIVATIONS,
    BLAS_VARS,
    N_SPLITS,
    make_network,
    random_search_space,
    search_space,
    single_threaded_blas,
)

__all__ = [
    "ACTIVATIONS",
    "BLAS_VARS",
    "N_SPLITS",
    "build_parser",
    "format_table",
    "main",
    "make_network",
    "random_search_space",
    "read_csv",
    "search_space",
    "single_threaded_blas",
    "split",
    "write_cv_results",
]
