#!/usr/bin/env python
"""The engine's own cost per generation, without any fit.

``overhead.py`` measures the whole search against ``RandomizedSearchCV``;
this isolates what the engine does between two batches (breeding, the
surrogate's screen, the bookkeeping of every candidate scored so far), and
how it grows with the number of candidates (issue 13: 500 and 10,000).

The engine is the one ``GeneticSearchCV.fit`` builds (``check_search``,
``make_engine``) for ``overhead.py``'s decision-tree space at
``n_iter=size``, every setting at its default (surrogate on). It is driven
with ``ask``/``tell`` (generational) or ``ask``/``tell_one`` (steady state,
batches of ``population_size``) on a synthetic score: a smooth function of
the candidate's features plus noise fixed per candidate, and a synthetic fit
time, so the surrogate's score and cost models see realistic data. Nothing
is fitted but the surrogate: the time is the engine's.

Per size and scheme, ``--rounds`` rounds; the median of each round's total
engine seconds, seconds per generation, and per generation over the last
tenth of the generations (where the history is largest).

Run::

    python benchmarks/engine.py                       # 500 and 10,000, 3 rounds
    python benchmarks/engine.py --sizes 500 --rounds 1 --json ''   # smoke test
"""

import _harness as H  # noqa: I001  (first: pins BLAS/OpenMP threads)
import argparse
import statistics
import time
import zlib

import numpy as np
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils import check_random_state

from gahpo import GeneticSearchCV
from gahpo._validation import check_search, make_engine

from overhead import SPACE

SCHEMES = ("generational", "steady_state")


def synthetic(key, features):
    """A score and a fit time for one candidate, fixed by its key."""
    noise = np.random.RandomState(zlib.crc32(repr(key).encode())).normal()
    x = np.asarray(features, float)
    centre = np.linspace(0.2, 0.8, len(x))
    score = 1.0 - float(np.sum((x - centre) ** 2)) + 0.02 * noise
    seconds = 0.001 * (1.0 + 3.0 * x[0])
    return score, seconds


def build(size, scheme, seed, population=None, surrogate=True):
    """The engine ``fit`` builds for ``overhead.py``'s space at ``n_iter=size``."""
    search = GeneticSearchCV(
        DecisionTreeClassifier(random_state=0),
        H.encode(SPACE, "gahpo"),
        n_iter=size,
        population_size=population,
        scheme=scheme,
        random_state=seed,
        **({} if surrogate else {"surrogate": None}),
    )
    search._validate_params()  # as fit does
    settings = check_search(search)
    return make_engine(search, settings, check_random_state(search.random_state))


def drive(engine, scheme, size):
    """Run the engine to ``size`` candidates; engine seconds per generation."""
    space, per_generation = engine.space, []
    while len(engine.cache) < size:
        start = time.perf_counter()
        batch = engine.ask()
        seconds = time.perf_counter() - start
        if not batch:
            break
        told = [synthetic(space.key(i), space.features(i)) for i in batch]
        start = time.perf_counter()
        if scheme == "generational":
            engine.tell([s for s, _ in told], cost=[c for _, c in told])
        else:
            for ind, (score, cost) in zip(batch, told):
                engine.tell_one(ind, score, cost=cost)
            engine.record()
        per_generation.append(seconds + time.perf_counter() - start)
    return per_generation


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 10000])
    parser.add_argument("--schemes", nargs="+", choices=SCHEMES, default=SCHEMES)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--surrogates",
        nargs="+",
        choices=("default", "none"),
        default=["default"],
        help="'none': surrogate=None, the engine without its model",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", default="results/engine.json")
    args = parser.parse_args()
    run = H.start("engine", "the engine's cost per generation, no fits")
    results = []
    variants = [
        (size, scheme, surrogate)
        for size in args.sizes
        for scheme in args.schemes
        for surrogate in args.surrogates
    ]
    for size, scheme, surrogate in variants:
        rounds = []
        for r in range(args.rounds):
            engine = build(size, scheme, args.seed, surrogate=surrogate == "default")
            times = drive(engine, scheme, size)
            tail = times[-max(1, len(times) // 10) :]
            rounds.append(
                {
                    "candidates": len(engine.cache),
                    "generations": len(times),
                    "total": sum(times),
                    "per_generation": sum(times) / len(times),
                    "per_generation_last_tenth": sum(tail) / len(tail),
                    "best_score": float(engine.best.score),
                }
            )
            print(
                f"size {size:>6} {scheme:<12} surrogate {surrogate:<7} round {r}: "
                f"{rounds[-1]['total']:7.2f} s, "
                f"{1000 * rounds[-1]['per_generation']:6.2f} ms/gen, last tenth "
                f"{1000 * rounds[-1]['per_generation_last_tenth']:6.2f} ms/gen",
                flush=True,
            )
        median = {
            k: statistics.median(r[k] for r in rounds)
            for k in ("total", "per_generation", "per_generation_last_tenth")
        }
        results.append(
            {
                "size": size,
                "scheme": scheme,
                "surrogate": surrogate,
                "rounds": rounds,
                "median": median,
            }
        )
    rows = [
        [
            r["size"],
            r["scheme"],
            r["surrogate"],
            r["rounds"][0]["generations"],
            f"{r['median']['total']:.2f}",
            f"{1000 * r['median']['per_generation']:.2f}",
            f"{1000 * r['median']['per_generation_last_tenth']:.2f}",
        ]
        for r in results
    ]
    print()
    print(
        H.markdown_table(
            [
                "size",
                "scheme",
                "surrogate",
                "generations",
                "engine s",
                "ms/gen",
                "last tenth",
            ],
            rows,
        )
    )
    if args.json:
        run.write(
            args.json,
            {
                "config": {
                    "space": H.describe(H.encode(SPACE, "gahpo")),
                    "engine": "make_engine of GeneticSearchCV(n_iter=size, scheme=...)",
                    "score": "synthetic: smooth in the features, noise fixed per key",
                    "rounds": args.rounds,
                    "seed": args.seed,
                },
                "results": results,
            },
        )


if __name__ == "__main__":
    main()
