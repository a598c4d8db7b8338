"""The study's report: the table, the candidates, ``cv_results.csv``, the figure."""

import csv
import datetime
import json
import os
import platform

import numpy as np

__all__ = [
    "format_individuals",
    "format_table",
    "save_fitness_plot",
    "write_cv_results",
    "write_summary",
]


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
        "(The study saw a batch size near 100 for the best runs, "
        "near 500 for the worst.)"
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


def save_fitness_plot(path, search):
    """:func:`gahpo.plots.plot_fitness` of ``search``, as a PNG; False without
    matplotlib.

    Draws on a bare ``Figure`` (not a pyplot figure): no figure is left open
    and no style is changed for the rest of the process.
    """
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return False
    from ..plots import plot_fitness

    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = plot_fitness(search, ax=fig.add_subplot())
    ax.set_title("GeneticSearchCV: fitness over generations")
    fig.savefig(path, dpi=100)
    return True


def write_summary(path, rows, search, args, blas_pinned=None):
    """The run as JSON: the table's rows, the settings, the machine, the date.

    What a page that quotes a run's numbers points to: every row of the
    table (CV score, test accuracy, fits, wall seconds), the options given,
    the search's generations and best parameters, and the versions and
    processors it ran with.
    """
    from importlib.metadata import PackageNotFoundError, version

    def installed(name):
        try:
            return version(name)
        except PackageNotFoundError:
            return None

    summary = {
        "command": "python -m gahpo",
        "options": {k: v for k, v in vars(args).items() if k != "quiet"},
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "rows": [
            {
                "model": name,
                "cv_score": float(cv_score),
                "test_accuracy": float(test),
                "fits": int(fits),
                "wall_seconds": round(float(seconds), 2),
            }
            for name, cv_score, test, fits, seconds in rows
        ],
        "genetic_search": {
            "n_generations": int(search.n_generations_),
            "n_rows": len(search.cv_results_["params"]),
            "best_params": {k: repr(v) for k, v in search.best_params_.items()},
            "best_score": float(search.best_score_),
        },
        "machine": {
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            # True: gahpo ran BLAS/OpenMP with one thread per process; False:
            # the user's OMP_NUM_THREADS (or friends) stood
            "blas_one_thread_per_process": blas_pinned,
        },
        "versions": {
            name: installed(name)
            for name in ("sklearn-gahpo", "scikit-learn", "numpy", "scipy", "deap")
        },
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")
