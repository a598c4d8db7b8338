#!/usr/bin/env python
"""Peak memory of a genetic search relative to a single fit of the same estimator.

Does GeneticSearchCV keep the training data, every fitted model, or anything
that grows with the candidates? Each measurement runs in a fresh process
(so peaks do not mix) on the same 10,000 x 40 data, with ``tracemalloc``
(peak heap allocated after the data was loaded, and what is retained) and
the process's peak RSS: one fit of a decision tree (the reference),
``GeneticSearchCV(n_iter=200, cv=3, n_jobs=1)`` and ``RandomizedSearchCV``
with as many candidates; plus the size of the pickled fitted search.

Usage: ``python benchmarks/memory.py [--candidates 200] [--json PATH]``
"""

import _harness as H  # noqa: I001  (first: pins BLAS/OpenMP threads)
import argparse
import json
import pickle
import sys

SPACE = {
    "max_depth": H.Int(2, 30),
    "min_samples_leaf": H.Int(1, 200, log=True),
    "max_features": H.Float(0.05, 0.5),
}


def child(mode, n_candidates):
    """In a fresh process: one measurement, printed as a JSON line."""
    from sklearn.datasets import make_classification
    from sklearn.tree import DecisionTreeClassifier

    X, y = make_classification(
        n_samples=10000, n_features=40, n_informative=10, random_state=0
    )
    estimator = DecisionTreeClassifier(random_state=0)
    if mode == "single":
        fitted, peak, retained, rss = H.traced(lambda: estimator.fit(X, y))
    else:
        search = H.make_search(
            "gahpo" if mode == "search" else "random",
            estimator,
            SPACE,
            budget=n_candidates,
            cv=3,
            seed=0,
        )
        fitted, peak, retained, rss = H.traced(lambda: search.fit(X, y))
        n_candidates = len(fitted.cv_results_["params"])
    print(
        json.dumps(
            {
                "mode": mode,
                "candidates": n_candidates,
                "data_mb": (X.nbytes + y.nbytes) / 2**20,
                "peak_extra_mb": peak,
                "retained_mb": retained,
                "max_rss_mb": rss,
                "pickle_kb": len(pickle.dumps(fitted)) / 1024,
            }
        )
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--json", default=H.results_path("memory.json"))
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.child[0], int(args.child[1]))

    run = H.start("memory", "Peak memory of a search vs one fit", argv)

    def measure(mode, n):
        return H.child_json([sys.executable, __file__, "--child", mode, str(n)])

    single = measure("single", 0)
    search = measure("search", args.candidates)
    random = measure("random", search["candidates"])
    rows = [
        [
            name,
            m["candidates"] or 1,
            f"{m['peak_extra_mb']:.1f}",
            f"{m['peak_extra_mb'] / single['peak_extra_mb']:.2f}",
            f"{m['retained_mb']:.2f}",
            f"{m['max_rss_mb']:.0f}",
            f"{m['pickle_kb']:.0f}",
        ]
        for name, m in (
            ("single fit", single),
            ("GeneticSearchCV", search),
            ("RandomizedSearchCV", random),
        )
    ]
    run.log(
        f"Data: {single['data_mb']:.1f} MB (10000 x 40 float64), "
        "DecisionTreeClassifier, cv=3, n_jobs=1.\n"
    )
    run.log(
        H.markdown_table(
            [
                "run",
                "candidates",
                "peak extra MB",
                "x single fit",
                "retained MB",
                "max RSS MB",
                "pickle KB",
            ],
            rows,
        )
    )
    ratio = search["peak_extra_mb"] / single["peak_extra_mb"]
    run.log(f"\nGeneticSearchCV peak / single fit peak: {ratio:.2f}")
    run.write(
        args.json,
        {
            "single": single,
            "search": search,
            "random": random,
            "ratio_search_to_single": ratio,
        },
    )


if __name__ == "__main__":
    main()
