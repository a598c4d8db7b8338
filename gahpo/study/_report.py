"""The study's report: the table, the candidates, ``cv_results.csv``, the figure."""

import csv

import numpy as np

__all__ = [
    "format_individuals",
    "format_table",
    "save_fitness_plot",
    "write_cv_results",
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
