#!/usr/bin/env python
"""The overhead benchmark's reference at scale: RandomizedSearchCV, n_jobs 1 vs 2.

``overhead.py``'s 10,000-candidate round at ``n_jobs=2`` did not finish in
10 minutes, and the search that did not finish was the reference: this script
times ``RandomizedSearchCV`` alone on the same problem (a decision tree on
``make_classification(1000 x 20)``, ``cv=3``, ``refit=False``) at several
numbers of candidates, with ``n_jobs`` 1 and 2, one run each, so that the
growth of its time with ``n_iter`` can be seen.

Run::

    python benchmarks/random_njobs.py                 # 500, 1000, 3000 candidates
    python benchmarks/random_njobs.py --sizes 500 --json ''
"""

import _harness as H  # noqa: I001  (first: pins BLAS/OpenMP threads)
import argparse

from sklearn.datasets import make_classification
from sklearn.model_selection import RandomizedSearchCV
from sklearn.tree import DecisionTreeClassifier

from overhead import CV, SPACE


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[500, 1000, 3000])
    parser.add_argument("--n-jobs", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--json", default=H.results_path("random_njobs.json"))
    args = parser.parse_args(argv)
    run = H.start("random_njobs", "RandomizedSearchCV: time against n_iter", argv)
    X, y = make_classification(n_samples=1000, n_features=20, random_state=0)
    space = H.encode(SPACE, "random")
    rows, out = [], []
    for size in args.sizes:
        times = {}
        for n_jobs in args.n_jobs:
            search = RandomizedSearchCV(
                DecisionTreeClassifier(random_state=0),
                space,
                n_iter=size,
                cv=CV,
                refit=False,
                random_state=0,
                n_jobs=n_jobs,
            )
            times[n_jobs], _, _ = H.timed(search.fit, X, y)
            out.append({"size": size, "n_jobs": n_jobs, "seconds": times[n_jobs]})
            run.log(f"{size} candidates, n_jobs={n_jobs}: {times[n_jobs]:.1f} s")
        rows.append(
            [size]
            + [f"{times[j]:.1f}" for j in args.n_jobs]
            + [f"{1000 * times[j] / size:.1f}" for j in args.n_jobs]
        )
    header = ["candidates"] + [f"n_jobs={j} (s)" for j in args.n_jobs]
    header += [f"n_jobs={j} (ms / candidate)" for j in args.n_jobs]
    run.log("\n" + H.markdown_table(header, rows))
    run.write(args.json, {"cv": CV, "results": out})


if __name__ == "__main__":
    main()
