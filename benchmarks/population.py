#!/usr/bin/env python
"""The derived population beyond a thousand candidates: capped at 25, or not?

With ``population_size=None`` and ``n_iter`` set, the population is
``round(0.7 * sqrt(n_iter)) + 1`` (at least 6), capped at 25, the study's
value, from about 1,200 candidates on. The cap was never measured. Every
generation has a fixed cost around its fits (the engine, a joblib call, a
barrier), so a capped population makes a long search pay it more often: 417
generations at 10,000 candidates instead of 141 (``overhead.py``).

Does the uncapped rule lose quality? Quality benchmarks with real fits stop
at 120 candidates (``quality.py``'s grids have 360-484 configurations), so
this drives the engine ``fit`` builds (``engine.py``: ``check_search``,
``make_engine``, surrogate on) on synthetic objectives over
``overhead.py``'s decision-tree space, with noise fixed per candidate as
cross-validation noise is. The search returns the candidate with the best
noisy score; its *true* score (without noise) is what it is judged by, so
the winner's curse counts. Paired by seed: the uncapped rule minus the
capped one, mean and 95 % interval.

Objectives, on the candidate's features ``x`` (each in [0, 1]), ``c`` a
fixed point: ``bowl`` ``1 - sum((x - c)**2)``; ``rugged`` the same plus
``0.05 * sum(cos(6 pi (x - c)) - 1)`` (local optima); noise ``0.02`` x a
standard normal draw fixed by the candidate's key and the seed.

Rule decided before the run: the uncapped rule is kept if, at 2,000 and
10,000 candidates on both objectives, its mean true score is no lower than
the capped rule's by more than one standard error of the paired difference.

Run::

    python benchmarks/population.py                      # 20 seeds
    python benchmarks/population.py --seeds 2 --sizes 2000 --json ''   # smoke
"""

import _harness as H  # noqa: I001  (first: pins BLAS/OpenMP threads)
import argparse
import math
import statistics
import time
import zlib

import numpy as np
from scipy import stats


from engine import build
from overhead import SPACE

NOISE = 0.02
OBJECTIVES = ("bowl", "rugged")


def true_score(objective, x):
    d = x - np.linspace(0.2, 0.8, len(x))
    value = 1.0 - float(np.sum(d**2))
    if objective == "rugged":
        value += 0.05 * float(np.sum(np.cos(6 * math.pi * d) - 1.0))
    return value


def noisy(objective, key, x, seed):
    draw = np.random.RandomState(zlib.crc32(f"{seed}{key!r}".encode())).normal()
    return true_score(objective, x) + NOISE * draw


def uncapped(n_iter):
    return max(6, round(0.7 * math.sqrt(n_iter)) + 1)


def run(objective, size, population, seed):
    engine = build(size, "auto", seed, population)
    space, start, engine_seconds = engine.space, time.perf_counter(), 0.0
    while len(engine.cache) < size:
        t = time.perf_counter()
        batch = engine.ask()
        engine_seconds += time.perf_counter() - t
        if not batch:
            break
        scores = [
            noisy(objective, space.key(i), np.asarray(space.features(i)), seed)
            for i in batch
        ]
        t = time.perf_counter()
        engine.tell(scores)
        engine_seconds += time.perf_counter() - t
    best = np.asarray(space.features(engine.best))
    return {
        "true_score": true_score(objective, best),
        "seen_score": float(engine.best.score),
        "generations": engine.generation,
        "candidates": len(engine.cache),
        "engine_seconds": engine_seconds,
        "seconds": time.perf_counter() - start,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 10000])
    parser.add_argument(
        "--objectives", nargs="+", choices=OBJECTIVES, default=OBJECTIVES
    )
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--json", default="results/population.json")
    args = parser.parse_args()
    run_ = H.start("population", "the derived population beyond 1,000 candidates")
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    results, summary = [], []
    for objective in args.objectives:
        for size in args.sizes:
            rules = {"capped": 25, "uncapped": uncapped(size)}
            rows = {rule: [] for rule in rules}
            for seed in seeds:
                for rule, population in rules.items():
                    out = run(objective, size, population, seed)
                    out.update(objective=objective, size=size, rule=rule, seed=seed)
                    out["population"] = population
                    rows[rule].append(out)
                    results.append(out)
                print(
                    f"{objective} {size} seed {seed}: "
                    + ", ".join(f"{r} {rows[r][-1]['true_score']:.4f}" for r in rules),
                    flush=True,
                )
            diff = [
                u["true_score"] - c["true_score"]
                for u, c in zip(rows["uncapped"], rows["capped"])
            ]
            mean = statistics.mean(diff)
            half = se = 0.0
            if len(diff) > 1:  # Student's t, paired by seed
                se = statistics.stdev(diff) / math.sqrt(len(diff))
                half = float(stats.t.ppf(0.975, len(diff) - 1)) * se
            summary.append(
                {
                    "objective": objective,
                    "size": size,
                    "population": {r: p for r, p in rules.items()},
                    "true_score": {
                        r: statistics.mean(x["true_score"] for x in rows[r])
                        for r in rules
                    },
                    "engine_seconds": {
                        r: statistics.median(x["engine_seconds"] for x in rows[r])
                        for r in rules
                    },
                    "generations": {r: rows[r][0]["generations"] for r in rules},
                    "uncapped_minus_capped": [mean, mean - half, mean + half],
                    "standard_error": se,
                    "kept": mean >= -se,
                }
            )
    table = [
        [
            s["objective"],
            s["size"],
            f"{s['population']['capped']} / {s['population']['uncapped']}",
            f"{s['generations']['capped']} / {s['generations']['uncapped']}",
            f"{s['true_score']['capped']:.4f}",
            f"{s['true_score']['uncapped']:.4f}",
            "{:+.4f} [{:+.4f}, {:+.4f}]".format(*s["uncapped_minus_capped"]),
            "{capped:.2f} / {uncapped:.2f}".format(**s["engine_seconds"]),
            "yes" if s["kept"] else "no",
        ]
        for s in summary
    ]
    print()
    print(
        H.markdown_table(
            [
                "objective",
                "size",
                "population",
                "generations",
                "capped",
                "uncapped",
                "difference [95 % CI]",
                "engine s",
                "kept",
            ],
            table,
        )
    )
    verdict = all(s["kept"] for s in summary)
    print(f"\nRule (decided before the run): uncapped kept: {verdict}")
    if args.json:
        run_.write(
            args.json,
            {
                "config": {
                    "space": H.describe(H.encode(SPACE, "gahpo")),
                    "noise": NOISE,
                    "seeds": list(seeds),
                    "rule": "uncapped kept if every mean of uncapped - capped "
                    "is >= -1 standard error of the paired difference",
                },
                "summary": summary,
                "uncapped_kept": verdict,
                "results": results,
            },
        )


if __name__ == "__main__":
    main()
