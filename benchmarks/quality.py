#!/usr/bin/env python
"""Search quality: regret to a known optimum at 30, 60 and 120 candidates.

For the same number of distinct candidates, how close does each method get
to the best configuration of a space? The spaces are the grids of
``grids.py`` (every configuration cross-validated once, the optimum known);
the searches run on ``grids.Lookup``, whose score is the stored accuracy, so
a fit is free. Every method is given each parameter as a categorical list of
the grid's values, in its own library's form. A method's result at budget B
is the best score among the first B *distinct* configurations it evaluated;
generation-based methods are stopped after the generation that reaches B.
Regret = (optimum - best) x 100, mean ± s.e. over the seeds.

``--encoding ordered`` gives every method the numeric grids as integers over
their indices (Optuna's IntDistribution, the GA peer's Integer), the order
each can use; ``lists`` (the default, the committed ``results/quality.json``)
gives lists. ``--noisy`` makes a search see one fold's score of the three
(fixed per candidate and seed), as a real search sees noisy CV scores; its
result is the candidate with the best score it saw, and regret is measured on
that candidate's true mean (the winner's curse shows there). The defaults
were tuned on seeds 0-49: ``--first-seed 50`` reports on seeds never looked
at while tuning.

Methods: ``gahpo`` (``GeneticSearchCV(n_iter=B)``, every other setting at its
default), ``gahpo-plain`` (the same with ``surrogate=None``), ``random``,
``tpe``, ``ga-peer`` (``GASearchCV`` with population 10); the ablations
``gahpo-ei`` and ``gahpo-sqrt-pop`` run only when named. A gahpo variant is
one more row of ``GAHPO_METHODS``. ``benchmarks/README.md`` has the details.

Asynchronous methods, run only when named (``ASYNC_METHODS``):
``gahpo-async`` and ``gahpo-async32`` simulate ``GeneticSearchCV(n_iter=B,
scheme="steady_state")`` on 8 and 32 workers with a simulated clock: the
engine is the one ``fit`` would build (``check_search``, ``make_engine``),
every candidate takes its configuration's stored 3-fold fit time
(``grids.Table.fit_times`` x 3), and each score is told when its fit would
finish, so the candidates bred depend on the finish order as in a real run
(:func:`run_async`). The controls ``gahpo-async-equal`` (every fit takes the
same time: asynchrony without the bias to fast fits) and
``gahpo-async-fifo`` (scores told in dispatch order) isolate the
evaluation-time bias; ``gahpo-async-scored`` and ``gahpo-async32-scored``
run without its counter (``SteadyState(parents="scored")``; the default,
``"dispatched"``, lets candidates in flight be parents, ranked at the best
score so far); ``gahpo-async-median`` and ``gahpo-async32-median`` rank
them at the median, the rule before. ``gahpo-async-wall`` and
``gahpo-async32-wall`` compare at the same (simulated) wall clock instead
of the same candidates: ``n_iter=4 B``, and only the candidates scored by
the time the generational mode at B ends on as many workers count; that
reference, ``gahpo-w8`` or ``gahpo-w32``, is ``gahpo`` with the population
``fit`` derives on 8 or 32 workers. Next to the
regret, every method reports the mean simulated duration of the
candidates it evaluated (the bias) and the simulated wall time on W
workers.

Run::

    python benchmarks/quality.py                      # 100 seeds, every task
    python benchmarks/quality.py --seeds 5 --tasks svc --methods gahpo random
    python benchmarks/quality.py --methods gahpo-ei gahpo-sqrt-pop --json a.json
    python benchmarks/quality.py --first-seed 50 --seeds 50 --encoding ordered
    python benchmarks/quality.py --first-seed 50 --seeds 50 --noisy
    python benchmarks/quality.py --first-seed 50 --seeds 50 --n-jobs 2 \
        --methods gahpo gahpo-async gahpo-async-scored gahpo-async32 \
        gahpo-async32-scored --json results/quality_async.json
"""

import _harness as H  # noqa: I001  (first: pins BLAS/OpenMP threads)
import argparse
import heapq
import itertools
import math
import time
import warnings
from collections import deque

import numpy as np
from joblib import Parallel, delayed

import grids

BUDGETS = (30, 60, 120)
CV = 2  # two folds of the dummy data: the mean of two equal floats is exact
GA_POPULATION = 10  # sklearn-genetic-opt: 30 candidates are 3 generations


class per_budget:
    """A keyword override computed from the budget B, shown as ``text``."""

    def __init__(self, func, text):
        self.func, self.text = func, text

    def __repr__(self):
        return self.text


def _ei():
    from gahpo.surrogate import ExtraTreesSurrogate

    return ExtraTreesSurrogate(acquisition="ei")


# gahpo configurations: name -> keyword overrides of GeneticSearchCV's defaults,
# which already include n_iter=B. The runner adds only the estimator, the
# space, cv, random_state=seed, n_jobs=1 and a callback that stops the run
# after the generation reaching B distinct candidates.
GAHPO_METHODS = {
    "gahpo": {},  # the default search given only a budget
    "gahpo-plain": {"surrogate": None},  # the plain genetic algorithm
}
# Ablations, run only when named: the surrogate ranking by expected
# improvement, and the earlier budget rule's larger populations.
ABLATION_METHODS = {
    "gahpo-ei": {
        "surrogate": per_budget(
            lambda b: _ei(), "ExtraTreesSurrogate(acquisition='ei')"
        )
    },
    "gahpo-sqrt-pop": {
        "population_size": per_budget(
            lambda b: min(25, max(5, round(math.sqrt(b)) + 1)),
            "min(25, max(5, round(sqrt(B)) + 1))",
        )
    },
}
GAHPO_METHODS.update(ABLATION_METHODS)


def sized_population(budget, workers):
    """The population ``fit`` derives for ``n_iter=budget`` on ``workers``.

    ``gahpo._validation.size_to_workers`` (generational, from 8 workers), on
    the settings ``fit`` resolves: the derived population grown to fill the
    workers. A simulated worker runs a whole candidate (its 3 folds), as 3
    joblib workers would with ``cv=3``, for which ``fit`` sizes the
    population as for one fold per candidate on W workers.
    """
    from gahpo._validation import check_search, size_to_workers

    mode = Mode()  # the derived population depends on n_iter alone
    search = H.make_search(
        "gahpo",
        mode.estimator("svc", 0),
        mode.space(grids.get_table("svc")),
        budget=budget,
        cv=CV,
        n_jobs=workers,
        seed=0,
        scheme="generational",
    )
    search._validate_params()  # as fit does
    settings = size_to_workers(search, check_search(search), n_folds=1)
    return settings["population_size"]


# The generational mode as fit runs it on 8 and 32 workers, the references of
# the asynchronous runs at the same wall clock; run only when named.
WORKER_METHODS = {
    f"gahpo-w{w}": {
        "population_size": per_budget(
            lambda b, w=w: sized_population(b, w),
            f"the derived population sized to fill {w} simulated workers",
        )
    }
    for w in (8, 32)
}
GAHPO_METHODS.update(WORKER_METHODS)
PEER_METHODS = ("random", "tpe", "ga-peer")
DEFAULT_METHODS = ("gahpo", "gahpo-plain") + PEER_METHODS

# The asynchronous mode, simulated (run_async), run only when named: name ->
# workers W; `durations` "table" (each configuration's stored 3-fold fit
# time) or "equal" (every fit 1 s: finish order = dispatch order, the
# asynchrony without its bias to fast fits); `tell` "finish" (each score
# told when its fit ends, as the runner does) or "dispatch" (a score waits
# until every candidate dispatched before it is told: a counter to the bias).
ASYNC_METHODS = {
    "gahpo-async": {"workers": 8},
    "gahpo-async32": {"workers": 32},
    "gahpo-async-equal": {"workers": 8, "durations": "equal"},
    "gahpo-async-fifo": {"workers": 8, "tell": "dispatch"},
    # controls without the counter to evaluation-time bias (parents="dispatched",
    # the default since it measured better on seeds 0-49: results/
    # quality_async_parents_dev.json, where the default was "scored" and the
    # counter ran as gahpo-async-liar / gahpo-async32-liar)
    "gahpo-async-scored": {"workers": 8, "parents": "scored"},
    "gahpo-async32-scored": {"workers": 32, "parents": "scored"},
    # controls with the rule before: candidates in flight ranked at the median
    # score rather than the best (SteadyStateEngine.in_flight_score)
    "gahpo-async-median": {"workers": 8, "in_flight": "median"},
    "gahpo-async32-median": {"workers": 32, "in_flight": "median"},
    # the same wall clock instead of the same candidates: n_iter = 4 B, and
    # only the candidates scored by the time the generational search at B
    # ends on as many workers (its simulated wall time, same seed) count
    "gahpo-async-wall": {"workers": 8, "wall": 4, "reference": "gahpo-w8"},
    "gahpo-async32-wall": {"workers": 32, "wall": 4, "reference": "gahpo-w32"},
}
ASYNC_DEFAULTS = {
    "durations": "table",
    "tell": "finish",
    "parents": None,
    "in_flight": None,
    "wall": None,
    "reference": "gahpo",  # compare_async's
}
IN_FLIGHT = {"median": np.nanmedian}
ALL_METHODS = (
    DEFAULT_METHODS
    + tuple(ABLATION_METHODS)
    + tuple(WORKER_METHODS)
    + tuple(ASYNC_METHODS)
)
#: Workers for which the generational runs' simulated wall time is reported
SIMULATED_WORKERS = (8, 32)


#: How the grids are given to every method (``--encoding``)
ENCODINGS = {
    "lists": "every parameter a list of the grid's values (categorical for "
    "Optuna and the GA peer; gahpo orders numeric lists itself)",
    "ordered": "numeric grids as integers over the grid's indices for every "
    "method (IntDistribution for Optuna, Integer for the GA peer and gahpo, "
    "randint for random search); other parameters as lists",
}


class Mode:
    """How a run sees the grid: its encoding and its noise.

    ``noisy``: a candidate's score is one fold's of the stored three, the fold
    fixed per candidate and seed (:meth:`grids.Table.noisy_score`); a method
    returns the candidate with the best score it saw, and its regret is
    measured on that candidate's true mean.
    """

    def __init__(self, encoding="lists", noisy=False):
        self.encoding, self.noisy = encoding, noisy

    def space(self, table):
        """The grid, in this mode's encoding (Optuna's layer tuples as text)."""
        out = {}
        for name, values in table.values.items():
            if self.encoding == "ordered" and name in table.numeric:
                out[name] = H.Int(0, len(values) - 1)
            else:
                texts = None
                if name == "hidden_layer_sizes":
                    texts = [grids.encode_layers(v) for v in values]
                out[name] = H.Choice(values, texts)
        return out

    def estimator(self, task, seed):
        return grids.Lookup(
            task=task,
            indexed=self.encoding == "ordered",
            noise=seed if self.noisy else None,
        )

    def key(self, table, params):
        if self.encoding == "ordered":
            params = table.from_indices(params)
        return table.key(params)

    def seen(self, table, key, seed):
        """The score a search sees for ``key``."""
        if self.noisy:
            return table.noisy_score(key, seed)
        return table.scores[key]

    def __repr__(self):
        return f"Mode(encoding={self.encoding!r}, noisy={self.noisy})"


def run_gahpo(task, overrides, budget, seed, mode):
    """``(params, scores, wall, extra)`` of one gahpo search, in evaluation order."""
    kwargs = {
        k: v.func(budget) if isinstance(v, per_budget) else v
        for k, v in overrides.items()
    }

    def stop_at_budget(search, record):
        # record["n_evaluated"] counts the generation's new (distinct) fits
        stop_at_budget.seen += record["n_evaluated"]
        return stop_at_budget.seen >= budget

    stop_at_budget.seen = 0
    search = H.make_search(
        "gahpo",
        mode.estimator(task, seed),
        mode.space(grids.get_table(task)),
        budget=budget,
        cv=CV,
        seed=seed,
        callbacks=[stop_at_budget],
        **kwargs,
    )
    wall = H.fit(search, *grids.dummy_data())
    res = search.cv_results_  # rows in evaluation order (sorted by generation)
    assert np.all(np.diff(res["generation"]) >= 0), "rows not in generation order"
    return (
        list(res["params"]),
        list(res["mean_test_score"]),
        wall,
        # "_generation" (each row's) gives the simulated wall time; not stored
        {"n_generations": int(search.n_generations_), "_generation": res["generation"]},
    )


def duration(table, key, durations="table"):
    """Simulated seconds of one candidate: its 3-fold CV's fit time, or 1 s.

    ``"table"``: the mean fit time stored when the grid was built, times the
    grid's 3 folds (the real cost of cross-validating it on one core, score
    time excluded, as ``real_fit_seconds_of_counted``); ``"equal"``: 1 s.
    """
    if durations == "equal":
        return 1.0
    return grids.N_SPLITS * table.fit_times[key]


def run_async(task, spec, budget, seed, mode):
    """``(params, scores, wall, extra)`` of one simulated asynchronous search.

    ``GeneticSearchCV(n_iter=B, scheme="steady_state", n_jobs=W)`` with every
    other setting at its default, run on W simulated workers: the engine is
    the one ``fit`` builds (``check_search`` then ``make_engine`` with
    ``check_random_state(seed)``), and an event loop replaces joblib, the
    fits and the clock, mirroring ``gahpo._asynchronous.SteadyRun``: W
    candidates run at once; when the earliest ends (ties: the first
    dispatched), its score is told (``tell_one``, cost = its fit time per
    fold) and the next candidate is dispatched from the queue of bred ones,
    which ``engine.ask(room)`` refills when empty, ``room`` keeping one
    candidate of the budget in reserve; a record is closed every
    ``population_size`` scores; once nothing can be dispatched the running
    ones finish, and the reserved candidate (the queue's next, else
    ``ask(1)``, bred from every score) is fitted last, alone, as the runner's
    ``evaluate_candidates`` batch. Rows are in the order scored.
    """
    from sklearn.utils import check_random_state

    from gahpo._steady import SteadyStateEngine
    from gahpo._validation import check_search, make_engine
    from gahpo.schemes import SteadyState

    spec = {**ASYNC_DEFAULTS, **spec}
    workers, table = spec["workers"], grids.get_table(task)
    deadline = math.inf
    if spec["wall"]:  # the generational search's simulated time at B
        deadline = generational_wall(
            task, spec["reference"], budget, seed, mode, workers
        )
    search = H.make_search(
        "gahpo",
        mode.estimator(task, seed),
        mode.space(table),
        budget=budget * (spec["wall"] or 1),
        cv=CV,
        n_jobs=workers,
        seed=seed,
        scheme=SteadyState(**({"parents": spec["parents"]} if spec["parents"] else {})),
    )
    start = time.perf_counter()
    search._validate_params()  # as fit does, then the same settings and engine
    settings = check_search(search)
    engine = make_engine(search, settings, check_random_state(search.random_state))
    assert isinstance(engine, SteadyStateEngine), type(engine)
    if spec["in_flight"]:
        engine.in_flight_score = IN_FLIGHT[spec["in_flight"]]
    space, reserve = settings["space"], 1  # SteadyRun.reserve
    queue, running, order = deque(), [], itertools.count()
    ready = {}  # tell="dispatch": order -> finished, waiting for earlier ones
    params_out, scores_out, finished = [], [], []
    told_order = itertools.count()  # the next dispatch order to tell
    state = {"stopped": False, "clock": 0.0, "next_told": next(told_order)}

    def next_individual():  # SteadyRun._next (no multi-fidelity, no max_time)
        spent = len(engine.cache) + len(engine.in_flight)
        cap = settings["generations"] * engine.population_size  # in candidates
        if not queue and spent < cap:
            room = engine.max_evaluations - reserve - spent
            if room > 0:
                queue.extend(engine.ask(room))
        return queue.popleft() if queue else None

    def start_fit(ind, now):
        params = space.decode(ind)
        key = mode.key(table, params)
        seconds = duration(table, key, spec["durations"])
        heapq.heappush(running, (now + seconds, next(order), ind, params, key, seconds))

    def tell(ind, params, key, seconds):
        score = mode.seen(table, key, seed)  # what Lookup scores, every fold
        engine.tell_one(ind, score, cost=seconds / grids.N_SPLITS)
        params_out.append(params)
        scores_out.append(score)
        finished.append(state["clock"])
        if engine.n_told >= engine.population_size:
            engine.record()  # SteadyRun._record: nothing stops a default search

    def dispatch(now):
        # joblib asks the generator for the next fit when a worker frees; once
        # the generator has returned (nothing to dispatch), it is never asked again
        if state["stopped"]:
            return False
        ind = next_individual()
        if ind is None:
            state["stopped"] = True
            return False
        start_fit(ind, now)
        return True

    while len(running) < workers and dispatch(0.0):
        pass
    while running:
        finish, n, ind, params, key, seconds = heapq.heappop(running)
        state["clock"] = finish
        if spec["tell"] == "finish":
            tell(ind, params, key, seconds)
        else:  # told in dispatch order: wait for every earlier candidate
            ready[n] = (ind, params, key, seconds)
            while state["next_told"] in ready:
                tell(*ready.pop(state["next_told"]))
                state["next_told"] = next(told_order)
        dispatch(finish)
    assert not ready and len(engine.in_flight) == len(queue)
    # SteadyRun._last_batch: one more candidate, bred from every score
    fresh = list(queue)[:1] or engine.ask(1)
    if fresh:
        params = space.decode(fresh[0])
        key = mode.key(table, params)
        seconds = duration(table, key, spec["durations"])
        state["clock"] += seconds
        tell(fresh[0], params, key, seconds)
    if engine.n_told:
        engine.record()
    wall = time.perf_counter() - start
    extra = {
        "workers": workers,
        "n_batches": int(engine.generation),  # initial population included
        "simulated_seconds": state["clock"],
    }
    if spec["wall"]:  # what was scored by the deadline counts
        n = int(np.searchsorted(finished, deadline, side="right"))
        params_out, scores_out = params_out[:n], scores_out[:n]
        extra.update(
            deadline_seconds=deadline,
            simulated_seconds=min(state["clock"], deadline),
            n_scored_by_deadline=n,
            _limit=n,
        )
    return params_out, scores_out, wall, extra


def generational_wall(task, method, budget, seed, mode, workers):
    """The simulated wall time of ``method`` at ``budget`` on ``workers``."""
    params, _, _, extra = run_gahpo(task, GAHPO_METHODS[method], budget, seed, mode)
    table = grids.get_table(task)
    seconds = [duration(table, mode.key(table, p)) for p in params[:budget]]
    return generational_seconds(seconds, extra["_generation"][:budget], workers)


def generational_seconds(durations, generations, workers):
    """Simulated wall time of generations run one after another on ``workers``.

    Each generation's candidates go, in order, to the first free worker, and
    the next generation starts when its slowest ends (the barrier).
    """
    total, by_generation = 0.0, {}
    for seconds, g in zip(durations, generations):
        by_generation.setdefault(int(g), []).append(seconds)
    for _, batch in sorted(by_generation.items()):
        free = [0.0] * workers
        for seconds in batch:
            heapq.heapreplace(free, free[0] + seconds)
        total += max(free)
    return total


def run_peer(task, method, budget, seed, mode):
    table = grids.get_table(task)
    kwargs, fit_params, seen = {}, {}, set()
    if method == "tpe":

        def stop_at_budget(study, trial):
            # TPE may propose a configuration again (and fits it again)
            seen.add(mode.key(table, trial.params))
            if len(seen) >= budget:
                study.stop()

        kwargs = {"n_trials": 20 * budget, "callbacks": [stop_at_budget]}  # a cap
    elif method == "ga-peer":
        from sklearn_genetic.callbacks.base import BaseCallback

        class StopAtBudget(BaseCallback):
            def on_step(self, record=None, logbook=None, estimator=None):
                rows = estimator.logbook.chapters["parameters"]
                return len({mode.key(table, r) for r in rows}) >= budget

        kwargs = {"population_size": GA_POPULATION, "generations": 20 * budget}
        fit_params = {"callbacks": [StopAtBudget()]}
    search = H.make_search(
        method,
        mode.estimator(task, seed),
        mode.space(table),
        budget=budget,
        cv=CV,
        seed=seed,
        **kwargs,
    )
    wall = H.fit(search, *grids.dummy_data(), **fit_params)
    evals = H.evaluations(method, search)
    params, scores = [e["params"] for e in evals], [e["score"] for e in evals]
    extra = {}
    if method == "tpe":  # what n_trials=B gives (duplicates included)
        extra["best_score_n_trials_eq_budget"] = float(max(scores[:budget]))
    elif method == "ga-peer":
        extra["n_generations"] = int(search._n_iterations)
    return params, scores, wall, extra


def run_one(task, method, budget, seed, mode):
    """One search; its record (regret, counts, time)."""
    if method in GAHPO_METHODS:
        params, scores, wall, extra = run_gahpo(
            task, GAHPO_METHODS[method], budget, seed, mode
        )
    elif method in ASYNC_METHODS:
        params, scores, wall, extra = run_async(
            task, ASYNC_METHODS[method], budget, seed, mode
        )
    else:
        params, scores, wall, extra = run_peer(task, method, budget, seed, mode)
    table = grids.get_table(task)
    first = {}  # key -> score seen, in order of first evaluation
    for p, s in zip(params, scores):
        k = mode.key(table, p)
        expected = mode.seen(table, k, seed)
        if not math.isclose(s, expected, rel_tol=0, abs_tol=1e-12):
            raise AssertionError(f"{method}: score {s} != table {expected}")
        first.setdefault(k, s)
    # the first `budget` distinct (at the same wall clock: those scored in time)
    counted = list(first.items())[: extra.pop("_limit", budget)]
    best_key, seen_best = max(counted, key=lambda kv: kv[1])
    best = table.scores[best_key]  # its true mean (the same without noise)
    record = {
        "seed": seed,
        "budget": budget,
        "regret": (table.optimum - best) * 100,
        "best_score": best,
        "best_score_seen": seen_best,
        "best_params": {
            n: grids.to_json(table.values[n][i]) for n, i in zip(table.names, best_key)
        },
        "n_distinct_counted": len(counted),
        "n_distinct_evaluated": len(first),
        "n_evaluations": len(params),
        "wall_seconds": wall,
        # what the real 3-fold fits of these candidates cost when the grid was built
        "real_fit_seconds_of_counted": sum(3 * table.fit_times[k] for k, _ in counted),
    }
    # evaluation-time bias: the mean simulated duration of the counted
    # candidates (duration(): their 3-fold fit time), and for generational
    # runs the simulated wall time on W workers (each generation waits for
    # its slowest fit); asynchronous runs report their own (simulated_seconds)
    record["mean_duration_of_counted"] = record["real_fit_seconds_of_counted"] / len(
        counted
    )
    generations = extra.pop("_generation", None)
    if generations is not None:
        seconds = [duration(table, mode.key(table, p)) for p in params[:budget]]
        for w in SIMULATED_WORKERS:
            extra[f"simulated_seconds_w{w}"] = generational_seconds(
                seconds, generations[:budget], w
            )
    if "best_score_n_trials_eq_budget" in extra:
        extra["regret_n_trials_eq_budget"] = (
            table.optimum - extra["best_score_n_trials_eq_budget"]
        ) * 100
        if mode.noisy:  # the true mean of the best seen in the first B trials
            del extra["regret_n_trials_eq_budget"]
    return {**record, **extra}


def run_job(task, method, seed, budgets, mode):
    """All budgets of one (task, method, seed): the unit of parallel work."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Optuna's ExperimentalWarning, DEAP's notes
        H.silence_warnings()  # Optuna's log level
        records = [run_one(task, method, b, seed, mode) for b in budgets]
    for record in records:  # the gahpo this worker imported (others edit the tree)
        record["gahpo_sha256"] = grids.loaded_gahpo_hash()
    return [(task, method, record) for record in records]


def summarize(records, budgets):
    out = {}
    for b in budgets:
        rs = [r for r in records if r["budget"] == b]
        m, se = H.mean_se([r["regret"] for r in rs])
        out[str(b)] = {
            "regret_mean": m,
            "regret_se": se,
            "n_seeds": len(rs),
            "found_optimum": sum(r["regret"] == 0 for r in rs),
            "short_of_budget": sum(r["n_distinct_counted"] < b for r in rs),
            "seconds_per_100": 100
            * sum(r["wall_seconds"] for r in rs)
            / sum(r["n_distinct_evaluated"] for r in rs),
        }
        m, se = H.mean_se([r["mean_duration_of_counted"] for r in rs])
        out[str(b)].update(duration_mean=m, duration_se=se)
        for name in ["simulated_seconds"] + [
            f"simulated_seconds_w{w}" for w in SIMULATED_WORKERS
        ]:
            if rs and name in rs[0]:
                out[str(b)][f"{name}_mean"] = H.mean_se([r[name] for r in rs])[0]
        if rs and "regret_n_trials_eq_budget" in rs[0]:
            m2, se2 = H.mean_se([r["regret_n_trials_eq_budget"] for r in rs])
            out[str(b)].update(
                regret_n_trials_eq_budget_mean=m2, regret_n_trials_eq_budget_se=se2
            )
    n = sum(r["n_distinct_evaluated"] for r in records)
    out["seconds_per_100_candidates"] = (
        100 * sum(r["wall_seconds"] for r in records) / n if n else float("nan")
    )
    return out


def task_table(task_result, methods, budgets):
    header = ["method"] + [f"regret @{b}" for b in budgets] + ["s / 100 cand."]
    rows = []
    for method in methods:
        s = task_result["methods"].get(method, {}).get("summary")
        if not s:
            continue
        rows.append(
            [method]
            + [
                f"{s[str(b)]['regret_mean']:.3f} ± {s[str(b)]['regret_se']:.3f}"
                for b in budgets
            ]
            + [f"{s['seconds_per_100_candidates']:.2f}"]
        )
        if "regret_n_trials_eq_budget_mean" in s[str(budgets[0])]:
            rows.append(
                [f"{method} (n_trials=B)"]
                + [
                    f"{s[str(b)]['regret_n_trials_eq_budget_mean']:.3f} ± "
                    f"{s[str(b)]['regret_n_trials_eq_budget_se']:.3f}"
                    for b in budgets
                ]
                + [""]
            )
    return H.markdown_table(header, rows)


def duration_table(task_result, methods, budgets):
    """Mean simulated duration of the counted candidates, and simulated wall time."""
    grid, last = task_result["grid_mean_duration"], str(budgets[-1])
    header = (
        ["method"]
        + [f"duration @{b}" for b in budgets]
        + [f"/ grid @{last}"]
        + [f"wall W={w} @{last}" for w in SIMULATED_WORKERS]
    )
    rows = []
    for method in methods:
        s = task_result["methods"].get(method, {}).get("summary")
        if not s:
            continue
        walls = {w: f"simulated_seconds_w{w}_mean" for w in SIMULATED_WORKERS}
        if method in ASYNC_METHODS:
            spec = {**ASYNC_DEFAULTS, **ASYNC_METHODS[method]}
            walls = {}  # its own workers only; 1 s fits are not comparable
            if spec["durations"] == "table":
                walls = {spec["workers"]: "simulated_seconds_mean"}
        rows.append(
            [method]
            + [
                f"{s[str(b)]['duration_mean']:.3f} ± {s[str(b)]['duration_se']:.3f}"
                for b in budgets
            ]
            + [f"{s[last]['duration_mean'] / grid:.2f}"]
            + [
                f"{s[last][walls[w]]:.1f}" if walls.get(w) in s[last] else "-"
                for w in SIMULATED_WORKERS
            ]
        )
    return H.markdown_table(header, rows)


def compare_async(tasks, budgets, on_workers=False):
    """Each asynchronous method's regret against its reference's, per cell.

    The reference is ``gahpo`` (the same candidates), or for the runs at the
    same wall clock the generational mode on as many workers (``gahpo-wW``).
    ``on_workers``: the runs at the same candidates against ``gahpo-wW``.

    ``met``: |async - reference| <= the reference's standard error (the
    target); ``better``: lower by more than that; ``not met``: higher by
    more. ``paired_se``: the standard error of the per-seed differences.
    """
    out = {}
    for task, t in tasks.items():
        for method, entry in t["methods"].items():
            if method not in ASYNC_METHODS:
                continue
            spec = {**ASYNC_DEFAULTS, **ASYNC_METHODS[method]}
            reference = spec["reference"]
            if on_workers:
                if spec["wall"]:
                    continue
                reference = f"gahpo-w{spec['workers']}"
            ref = t["methods"].get(reference)
            if ref is None:
                continue
            for b in budgets:
                r, a = ref["summary"][str(b)], entry["summary"][str(b)]
                diff = a["regret_mean"] - r["regret_mean"]
                mine = {
                    x["seed"]: x["regret"] for x in entry["runs"] if x["budget"] == b
                }
                theirs = {
                    x["seed"]: x["regret"] for x in ref["runs"] if x["budget"] == b
                }
                paired = [mine[k] - theirs[k] for k in mine if k in theirs]
                verdict = (
                    "met"
                    if abs(diff) <= r["regret_se"] + 1e-12
                    else ("better" if diff < 0 else "not met")
                )
                out.setdefault(method, {}).setdefault(task, {})[str(b)] = {
                    "reference": reference,
                    "difference": diff,
                    "reference_se": r["regret_se"],
                    "paired_se": H.mean_se(paired)[1],
                    "verdict": verdict,
                }
    return out


def comparison_table(comparison, tasks, budgets, results):
    header = ["method", "task"] + [f"@{b}" for b in budgets]
    rows = []
    for method, by_task in comparison.items():
        for task in tasks:
            if task not in by_task:
                continue
            cells = []
            for b in budgets:
                c = by_task[task][str(b)]
                s = results[task]["methods"][method]["summary"][str(b)]
                cells.append(
                    f"{s['regret_mean']:.3f} ± {s['regret_se']:.3f} "
                    f"(diff {c['difference']:+.3f} ± {c['paired_se']:.3f}; "
                    f"{c['verdict']})"
                )
            rows.append([method, task] + cells)
    return H.markdown_table(header, rows)


def describe_method(method):
    if method in ASYNC_METHODS:
        spec = {**ASYNC_DEFAULTS, **ASYNC_METHODS[method]}
        fits = {
            "table": "each candidate's stored 3-fold fit time",
            "equal": "every candidate 1 s",
        }[spec["durations"]]
        told = {
            "finish": "each score told when its fit ends",
            "dispatch": "scores told in dispatch order (a finished fit waits "
            "for every earlier one)",
        }[spec["tell"]]
        scheme = "'steady_state'"
        if spec["parents"]:
            scheme = f"SteadyState(parents={spec['parents']!r})"
        lie = ""
        if spec["in_flight"]:
            lie = f"; candidates in flight ranked at the {spec['in_flight']} score"
        if spec["wall"]:
            return (
                f"GeneticSearchCV(n_iter={spec['wall']} B, scheme={scheme}, "
                f"n_jobs={spec['workers']}), otherwise defaults, simulated on "
                f"{spec['workers']} workers with each candidate's stored fit "
                "time; only the candidates scored by the simulated wall time of "
                f"gahpo at B on {spec['workers']} workers (same seed) count"
            )
        return (
            f"GeneticSearchCV(n_iter=B, scheme={scheme}, n_jobs="
            f"{spec['workers']}), otherwise defaults, simulated on "
            f"{spec['workers']} workers: {fits}, {told}{lie}; rows in the order "
            "scored"
        )
    if method in GAHPO_METHODS:
        kw = "".join(f", {k}={v!r}" for k, v in GAHPO_METHODS[method].items())
        return (
            f"GeneticSearchCV(n_iter=B{kw}), otherwise defaults; stopped after "
            "the generation reaching B distinct"
        )
    return {
        "random": "RandomizedSearchCV(n_iter=B)",
        "tpe": "OptunaSearchCV(study=create_study(direction='maximize', "
        "sampler=TPESampler(seed=seed))), run until B distinct trials; "
        "'n_trials=B' row: best of the first B trials",
        "ga-peer": f"GASearchCV(population_size={GA_POPULATION}), otherwise "
        "defaults; stopped after the generation reaching B distinct",
    }[method]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seeds", type=int, default=100, help="N seeds from --first-seed (100)"
    )
    parser.add_argument(
        "--first-seed",
        type=int,
        default=0,
        help="the first seed (the defaults were tuned on seeds 0-49: report on "
        "50 and up)",
    )
    parser.add_argument("--encoding", choices=list(ENCODINGS), default="lists")
    parser.add_argument(
        "--noisy",
        action="store_true",
        help="searches see one fold's score; regret is on the true mean",
    )
    parser.add_argument(
        "--tasks", nargs="+", default=list(grids.GRIDS), choices=list(grids.GRIDS)
    )
    parser.add_argument(
        "--methods",
        nargs="+",
        default=list(DEFAULT_METHODS),
        choices=ALL_METHODS,
        help=f"default: {list(DEFAULT_METHODS)}",
    )
    parser.add_argument("--budgets", nargs="+", type=int, default=list(BUDGETS))
    parser.add_argument(
        "--n-jobs",
        type=int,
        default=2,
        help="worker processes, each running whole searches",
    )
    parser.add_argument(
        "--json",
        default=H.results_path("quality.json"),
        help="where to write the results ('' to skip)",
    )
    args = parser.parse_args(argv)
    if args.seeds < 2:
        parser.error("--seeds must be at least 2 (a standard error needs two)")

    run = H.start("quality", "Quality: regret to a grid's known optimum", argv)
    methods, skipped = H.available(args.methods, say=run.log)
    for task in args.tasks:
        grids.get_table(task)  # fail early if a grid is not built
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    mode = Mode(args.encoding, args.noisy)
    run.log(f"{mode}: {ENCODINGS[mode.encoding]}")
    jobs = [(t, m, s) for t in args.tasks for m in methods for s in seeds]
    run.log(
        f"{len(jobs)} jobs ({len(args.tasks)} tasks x {len(methods)} methods x "
        f"{len(seeds)} seeds, budgets {args.budgets}), n_jobs={args.n_jobs}"
    )
    results = Parallel(n_jobs=args.n_jobs)(
        delayed(run_job)(t, m, s, args.budgets, mode) for t, m, s in jobs
    )

    out = {
        "n_jobs": args.n_jobs,
        "encoding": {"name": mode.encoding, "description": ENCODINGS[mode.encoding]},
        "noisy": mode.noisy,
        "seeds": seeds,
        "budgets": args.budgets,
        "cv": CV,
        "skipped_methods": skipped,
        "tasks": {},
    }
    # every worker must have run the gahpo that was there when the run started
    ran = sorted({r["gahpo_sha256"] for job in results for _, _, r in job})
    out["gahpo_sha256_run_by_workers"] = ran
    if ran != [run.source["gahpo_sha256"]]:
        run.log(
            f"WARNING: the workers ran gahpo {ran}, the run started with "
            f"{run.source['gahpo_sha256']}: results mix versions."
        )
    for task in args.tasks:
        data = grids.get_table(task).data
        out["tasks"][task] = {
            k: data[k] for k in ("description", "n_configurations", "optimum", "spread")
        }
        out["tasks"][task]["methods"] = {}
        table = grids.get_table(task)
        # the mean simulated duration of a candidate drawn uniformly from the grid
        out["tasks"][task]["grid_mean_duration"] = float(
            np.mean([duration(table, k) for k in table.scores])
        )
    for job in results:
        for task, method, record in job:
            entry = out["tasks"][task]["methods"].setdefault(
                method, {"config": describe_method(method), "runs": []}
            )
            entry["runs"].append(record)
    seen = "one fold's score" if mode.noisy else "CV accuracy"
    run.log(
        f"\n{len(seeds)} seeds ({seeds[0]}-{seeds[-1]}); regret = (grid optimum - "
        f"true mean of the candidate with the best {seen} among the first B "
        "distinct candidates) x 100, mean ± s.e.; s / 100 cand. = wall time of "
        "the search per 100 distinct candidates (free fits)."
    )
    for task, t in out["tasks"].items():
        for entry in t["methods"].values():
            entry["runs"].sort(key=lambda r: (r["budget"], r["seed"]))
            entry["summary"] = summarize(entry["runs"], args.budgets)
        run.log(
            f"\n### {task}: {t['description']}; {t['n_configurations']} "
            f"configurations, optimum {t['optimum']['mean_test_score']:.4f}\n"
        )
        run.log(task_table(t, methods, args.budgets))
        if any(m in ASYNC_METHODS for m in methods):
            run.log(
                f"\nEvaluation-time bias: mean simulated duration (s) of the "
                f"counted candidates (their 3-fold fit time when the grid was "
                f"built; a uniform draw from the grid: "
                f"{t['grid_mean_duration']:.3f} s), its ratio to the grid's "
                f"mean, and the simulated wall time (s) of the search on W "
                f"workers (generational: each generation waits for its "
                f"slowest fit)\n"
            )
            run.log(duration_table(t, methods, args.budgets))
        short = {
            m: {b: e["summary"][str(b)]["short_of_budget"] for b in args.budgets}
            for m, e in t["methods"].items()
            if any(e["summary"][str(b)]["short_of_budget"] for b in args.budgets)
        }
        if short:
            run.log(f"\nruns that evaluated fewer than B distinct candidates: {short}")
    comparison = compare_async(out["tasks"], args.budgets)
    if comparison:
        out["async_vs_gahpo"] = comparison
        verdicts = [
            c["verdict"]
            for by_task in comparison.values()
            for cells in by_task.values()
            for c in cells.values()
        ]
        run.log(
            "\n### Asynchronous vs generational\n\nRegret, the difference to "
            "the reference's (gahpo at the same candidates; gahpo-wW, the "
            "generational mode on W workers, for the -wall runs at its wall "
            "clock) ± the s.e. of the per-seed differences, and the target: met "
            "= within one standard error of the reference's regret, better / "
            "not met = lower / higher by more than that.\n"
        )
        run.log(comparison_table(comparison, args.tasks, args.budgets, out["tasks"]))
        run.log(
            f"\n{verdicts.count('met')} met, {verdicts.count('better')} better, "
            f"{verdicts.count('not met')} not met of {len(verdicts)} cells."
        )
    on_workers = compare_async(out["tasks"], args.budgets, on_workers=True)
    if on_workers:
        out["async_vs_workers"] = on_workers
        run.log(
            "\n### Asynchronous vs generational on as many workers\n\nThe same "
            "candidates; the reference is gahpo-wW, the generational mode with "
            "the population fit derives on W workers.\n"
        )
        run.log(comparison_table(on_workers, args.tasks, args.budgets, out["tasks"]))
    run.write(args.json, out)


if __name__ == "__main__":
    main()
