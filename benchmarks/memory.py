"""Peak memory of a genetic search relative to a single fit of the same estimator.

Question: does GeneticSearchCV keep the training data, every fitted model, or
anything else that grows with the number of candidates? Each measurement runs
in a fresh Python process (so peaks do not mix) that loads the same data and
reports, with ``tracemalloc``, the peak Python/numpy heap allocated *after*
the data was loaded, and the process's peak RSS:

- ``single fit``: one fit of the estimator (the reference);
- ``search``: GeneticSearchCV with a budget of 200 candidates, ``n_jobs=1``
  (all fits in the measured process), ``refit=True``;
- ``random search``: RandomizedSearchCV with ``n_iter`` equal to the same
  number of candidates, for comparison.

It also prints the size of the pickled fitted search. Threads are pinned to
one per process (see benchmarks/README.md).

Usage: ``python benchmarks/memory.py [--candidates 200] [--json PATH]``
"""

import argparse
import json
import os
import subprocess
import sys
import textwrap

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import (  # noqa: E402
    default_results_path,
    machine_info,
    markdown_table,
    pin_threads_env,
    source_state,
)

CHILD = textwrap.dedent(
    """
    import json, pickle, resource, sys, tracemalloc, warnings
    import numpy as np
    from scipy.stats import randint, uniform
    from sklearn.datasets import make_classification
    from sklearn.model_selection import RandomizedSearchCV
    from sklearn.tree import DecisionTreeClassifier
    from gahpo import GeneticSearchCV
    from gahpo.space import Integer, Real

    mode, n_candidates = sys.argv[1], int(sys.argv[2])
    X, y = make_classification(n_samples=10000, n_features=40, n_informative=10,
                               random_state=0)
    estimator = DecisionTreeClassifier(random_state=0)
    space = {"max_depth": Integer(2, 30), "min_samples_leaf": Integer(1, 200, log=True),
             "max_features": Real(0.05, 0.5)}
    dists = {"max_depth": randint(2, 31), "min_samples_leaf": randint(1, 201),
             "max_features": uniform(0.05, 0.45)}
    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    if mode == "single":
        fitted = estimator.fit(X, y)
    elif mode == "search":
        fitted = GeneticSearchCV(estimator, space, n_candidates=n_candidates, cv=3,
                                 n_jobs=1, random_state=0).fit(X, y)
        n_candidates = len(fitted.cv_results_["params"])
    else:
        fitted = RandomizedSearchCV(estimator, dists, n_iter=n_candidates, cv=3,
                                    n_jobs=1, random_state=0).fit(X, y)
    _, peak = tracemalloc.get_traced_memory()
    current, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(json.dumps({
        "mode": mode,
        "candidates": n_candidates,
        "data_mb": (X.nbytes + y.nbytes) / 2**20,
        "peak_extra_mb": (peak - base) / 2**20,
        "retained_mb": (current - base) / 2**20,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "pickle_kb": len(pickle.dumps(fitted)) / 1024,
    }))
    """
)


def measure(mode, n_candidates):
    out = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(n_candidates)],
        capture_output=True, text=True, check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--json", default=default_results_path("memory.json"))
    args = parser.parse_args(argv)

    pin_threads_env(1)  # inherited by the measuring processes
    single = measure("single", 0)
    search = measure("search", args.candidates)
    random = measure("random", search["candidates"])

    rows = []
    for name, m in (("single fit", single), ("GeneticSearchCV", search),
                    ("RandomizedSearchCV", random)):
        rows.append([
            name, m["candidates"] or 1, f"{m['peak_extra_mb']:.1f}",
            f"{m['peak_extra_mb'] / single['peak_extra_mb']:.2f}",
            f"{m['retained_mb']:.2f}", f"{m['max_rss_mb']:.0f}", f"{m['pickle_kb']:.0f}",
        ])
    print(f"Data: {single['data_mb']:.1f} MB (10000 x 40 float64), DecisionTreeClassifier, "
          "cv=3, n_jobs=1, one BLAS thread.\n")
    print(markdown_table(
        ["run", "candidates", "peak extra MB", "x single fit", "retained MB",
         "max RSS MB", "pickle KB"],
        rows,
    ))
    ratio = search["peak_extra_mb"] / single["peak_extra_mb"]
    print(f"\nGeneticSearchCV peak / single fit peak: {ratio:.2f}")
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump({"single": single, "search": search, "random": random,
                   "ratio_search_to_single": ratio, "machine": machine_info_safe(),
                   "source": source_state(), "command": " ".join(sys.argv)}, f, indent=2)
    print(f"wrote {args.json}")


def machine_info_safe():
    try:
        return machine_info()
    except Exception as exc:  # pragma: no cover
        return {"error": repr(exc)}


if __name__ == "__main__":
    main()
