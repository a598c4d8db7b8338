"""The harness every benchmark script uses: threads, timing, peers, results.

Import it first, before numpy, scipy or scikit-learn: importing it pins BLAS
and OpenMP to one thread per process (``GAHPO_BENCH_THREADS`` overrides the
count, for timing.py's BLAS ablation), through environment variables that
joblib's workers inherit. Then:

* ``run = start(title)``: threadpoolctl limits in this process, and a header
  (threads, machine, load, commit) printed; ``run.write(path, payload)``
  writes the JSON with the same metadata for every script: benchmark,
  command, date, machine, versions, source (commit, uncommitted files in
  ``gahpo/``, a hash of its source), threads, load average before and after,
  total seconds.
* Spaces: ``Int``, ``Float``, ``Choice``, written once and encoded in each
  library's own best form by ``encode(space, method)``.
* Peers: ``make_search(method, ...)`` for ``METHODS`` (gahpo,
  RandomizedSearchCV, HalvingRandomSearchCV, Optuna's TPE, sklearn-genetic-opt),
  ``fit(method, search, X, y)`` (wall seconds) and ``evaluations(method,
  search)`` (every candidate scored, in order).
* Timing: ``timed(fn)``, ``rotate(items, k)``; ``markdown_table``,
  ``mean_std``, ``fmt``; ``run_child`` and ``traced`` for fresh-process and
  peak-memory measurements.
"""

import os
import sys

THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)
BLAS_THREADS = int(os.environ.get("GAHPO_BENCH_THREADS", "1"))


def _pin_env(n_threads):
    wanted = {name: str(n_threads) for name in THREAD_VARIABLES}
    late = any(os.environ.get(k) != v for k, v in wanted.items())
    if "numpy" in sys.modules and late:
        # a joblib worker inherits the variables; anything else imported too late
        raise RuntimeError("import _harness before numpy, or BLAS ignores the pinning")
    overridden = []
    for name in THREAD_VARIABLES:
        old = os.environ.get(name)
        if old is not None and old != str(n_threads):
            overridden.append(f"{name}={old}")
        os.environ[name] = str(n_threads)
    return overridden


OVERRIDDEN = _pin_env(BLAS_THREADS)  # before numpy, scipy, sklearn

import contextlib  # noqa: E402
import datetime  # noqa: E402
import hashlib  # noqa: E402
import importlib.metadata  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import random as pyrandom  # noqa: E402
import signal  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
METHODS = ("gahpo", "random", "halving", "tpe", "ga-peer")
VERSIONED = (
    "sklearn-gahpo",
    "scikit-learn",
    "numpy",
    "scipy",
    "joblib",
    "deap",
    "threadpoolctl",
    "optuna",
    "optuna-integration",
    "sklearn-genetic-opt",
    "pandas",
)


# -- the run: threads, provenance, JSON ---------------------------------------


def thread_pools():
    from threadpoolctl import threadpool_info

    return [
        f"{p.get('internal_api')} ({p.get('user_api')}): "
        f"{p.get('num_threads')} thread(s)"
        for p in threadpool_info()
    ]


class Run:
    """One benchmark run: thread limits, provenance, the log and the JSON."""

    def __init__(self, name, title, argv=None):
        import sklearn.tree  # noqa: F401  (load the OpenMP runtime for threadpoolctl)
        from threadpoolctl import threadpool_limits

        self.name = name
        self.limiter = threadpool_limits(limits=BLAS_THREADS)
        self.pools = thread_pools()
        self.started = time.perf_counter()
        self.load_before = load_average()
        self.machine = machine_info()
        self.source = source_state()
        args = sys.argv[1:] if argv is None else list(argv)
        self.command = "python " + " ".join([os.path.relpath(sys.argv[0])] + args)
        self.date = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
        self.log(f"# {title}")
        self.log(pinning_line(self.pools))
        m = self.machine
        self.log(
            f"Machine: {m['cpu_count']} CPUs, load average "
            f"{m['load_average_1_5_15']}, Python {m['python']}, scikit-learn "
            f"{m['scikit-learn']}, numpy {m['numpy']}, gahpo {m['gahpo']}."
        )
        dirty = self.source["gahpo_dirty_files"]
        self.log(
            f"Source: commit {(self.source['commit'] or '?')[:12]}"
            + (
                f", {len(dirty)} uncommitted file(s) in gahpo/"
                if dirty
                else ", gahpo/ clean"
            )
            + "."
        )

    @staticmethod
    def log(message=""):
        print(message, flush=True)

    def metadata(self):
        return {
            "benchmark": self.name,
            "command": self.command,
            "date": self.date,
            "machine": self.machine,
            "versions": versions(),
            "source": self.source,
            "source_after": source_state(),
            "threads": {
                "pinned_to": BLAS_THREADS,
                "variables": list(THREAD_VARIABLES),
                "variables_overridden": OVERRIDDEN,
                "pools": self.pools,
            },
            "load_average_before_after": [self.load_before, load_average()],
            "total_seconds": round(time.perf_counter() - self.started, 1),
        }

    def write(self, path, payload):
        """Write ``payload`` plus the metadata to ``path`` (skipped if '')."""
        load = load_average()
        self.log(
            f"\nTotal {time.perf_counter() - self.started:.0f}s. Load average "
            f"(1 min) before {self.load_before[0]:.2f}, after {load[0]:.2f}."
        )
        if path:
            write_json(path, {**self.metadata(), **payload})
            self.log(f"Results written to {path}")
        self.limiter.restore_original_limits()


def start(name, title, argv=None):
    return Run(name, title, argv)


def pinning_line(pools):
    return (
        f"Threads pinned to {BLAS_THREADS}: "
        + ", ".join(f"{v}={BLAS_THREADS}" for v in THREAD_VARIABLES)
        + " set before importing numpy (inherited by joblib workers)"
        + (f", overriding {', '.join(OVERRIDDEN)}" if OVERRIDDEN else "")
        + f"; threadpoolctl.threadpool_limits({BLAS_THREADS}) here: "
        + ("; ".join(pools) or "no thread pool loaded")
        + "."
    )


def load_average():
    try:
        return list(os.getloadavg())
    except OSError:  # pragma: no cover - not on every platform
        return [float("nan")] * 3


def dist_version(dist):
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def versions():
    return {dist: dist_version(dist) for dist in VERSIONED}


def machine_info():
    """What a reader needs to judge a timing: CPU, load, versions."""
    import joblib
    import scipy
    import sklearn

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "load_average_1_5_15": load_average(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "joblib": joblib.__version__,
        "gahpo": dist_version("sklearn-gahpo"),
        "thread_variables": {name: os.environ.get(name) for name in THREAD_VARIABLES},
    }


def source_hash(package_dir=None):
    """Short sha256 of every ``.py`` file of gahpo (or ``package_dir``)."""
    if package_dir is None:  # the gahpo that `import gahpo` finds, not imported
        import importlib.util

        package_dir = importlib.util.find_spec("gahpo").submodule_search_locations[0]
    digest = hashlib.sha256()
    for dirpath, dirnames, filenames in sorted(os.walk(package_dir)):
        dirnames.sort()
        for name in sorted(f for f in filenames if f.endswith(".py")):
            path = os.path.join(dirpath, name)
            digest.update(os.path.relpath(path, package_dir).encode())
            with open(path, "rb") as f:
                digest.update(f.read())
    return digest.hexdigest()[:16]


def source_state():
    """The commit measured, uncommitted files in gahpo/, its source hash."""

    def git(*args):
        try:
            return subprocess.run(
                ["git", "--no-optional-locks", "-C", ROOT, *args],
                capture_output=True,
                text=True,
                timeout=30,
                check=True,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None

    dirty = git("status", "--porcelain", "--", "gahpo")
    return {
        "commit": git("rev-parse", "HEAD"),
        "gahpo_dirty_files": dirty.splitlines() if dirty else [],
        "gahpo_sha256": source_hash(),
    }


def results_path(name):
    """``benchmarks/results/<name>``, whatever the working directory."""
    return os.path.join(HERE, "results", name)


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def write_json(path, payload):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump(payload, f, indent=1, default=_json_default)


# -- timing and statistics ------------------------------------------------------


def timed(fn, *args, **kwargs):
    """``(wall seconds, CPU seconds of this process, fn's result)``."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t0, time.process_time() - c0, out


def rotate(items, k):
    """``items`` rotated by ``k``: round k of a rotating order."""
    items = list(items)
    k %= len(items)
    return items[k:] + items[:k]


def mean_std(values):
    values = [v for v in values if v is not None and not math.isnan(v)]
    if not values:
        return None, None
    std = statistics.stdev(values) if len(values) > 1 else float("nan")
    return statistics.fmean(values), std


def mean_se(values):
    mean, std = mean_std(values)
    return mean, std / math.sqrt(len(values)) if mean is not None else None


def fmt(values, digits=2):
    """``"mean ± std"`` of the values (``"-"`` if none)."""
    mean, std = mean_std(values)
    if mean is None:
        return "-"
    return f"{mean:.{digits}f}" + ("" if math.isnan(std) else f" ± {std:.{digits}f}")


def markdown_table(header, rows):
    """A GitHub-flavoured markdown table, columns right-aligned except the first."""
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]

    def line(row):
        return "| " + " | ".join(c.rjust(w) for c, w in zip(row, widths)) + " |"

    rule = (
        "|"
        + "|".join(
            "-" * (w + 1) + ":" if i else ":" + "-" * (w + 1)
            for i, w in enumerate(widths)
        )
        + "|"
    )
    return "\n".join([line(cells[0]), rule] + [line(row) for row in cells[1:]])


# -- fresh processes and memory -------------------------------------------------


def run_child(cmd, timeout=None, env=None):
    """``(returncode, stdout, stderr)``; returncode None if stopped at ``timeout``.

    The child runs in its own session, so that on a timeout its joblib
    workers are stopped with it (by its process group).
    """
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env=None if env is None else {**os.environ, **env},
    )
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        return None, stdout, stderr
    return proc.returncode, stdout, stderr


def child_json(cmd, env=None):
    """Run ``cmd``, a script printing one JSON line last; that line, parsed."""
    code, stdout, stderr = run_child(cmd, env=env)
    if code != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {stderr.strip()[-2000:]}")
    return json.loads(stdout.strip().splitlines()[-1])


def _rss_mb():
    with open("/proc/self/statm") as f:  # Linux: resident pages, second field
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def traced(fn, heap=True):
    """``(fn's result, peak MB allocated during fn, MB still held after, max RSS MB)``.

    ``heap=True``: ``tracemalloc`` (Python and numpy allocations, exact, but it
    slows allocation-heavy code several times); ``heap=False``: the growth of
    the process's RSS, sampled every 5 ms (cheap, coarser: the allocator keeps
    pages). This process only: run it in a fresh one so that peaks do not mix.
    """
    import resource
    import tracemalloc

    def max_rss():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    if not heap:  # sample the current RSS every 5 ms in a thread
        import threading

        base, peak, done = _rss_mb(), [0.0], threading.Event()

        def sample():
            while not done.wait(0.005):
                peak[0] = max(peak[0], _rss_mb())

        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
        try:
            out = fn()
        finally:
            done.set()
            thread.join()
        now = _rss_mb()
        return out, max(peak[0], now) - base, now - base, max_rss()
    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    out = fn()
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return out, (peak - base) / 2**20, (current - base) / 2**20, max_rss()


# -- spaces, written once, encoded per library ----------------------------------


class Int:
    def __init__(self, low, high, log=False):
        self.low, self.high, self.log = low, high, log


class Float:
    def __init__(self, low, high, log=False):
        self.low, self.high, self.log = low, high, log


class Choice:
    """A list of values; ``optuna_values`` stands in for values Optuna can't hold."""

    def __init__(self, values, optuna_values=None):
        self.values, self.optuna_values = list(values), optuna_values


class LogUniformInt:
    """Integers ``low`` .. ``high`` drawn log-uniformly, for scikit-learn's searches.

    ``floor(loguniform(low, high + 1))``, the law of gahpo's log ``Integer``;
    scipy has none, and scikit-learn samples any object with ``rvs``.
    """

    def __init__(self, low, high):
        from scipy.stats import loguniform

        self.low, self.high = low, high
        self._dist = loguniform(low, high + 1)

    def rvs(self, size=None, random_state=None):
        value = np.floor(self._dist.rvs(size=size, random_state=random_state))
        value = np.clip(value, self.low, self.high).astype(int)
        return int(value) if size is None else value

    def __repr__(self):
        return f"LogUniformInt({self.low}, {self.high})"


def _encode(p, method):
    if method == "gahpo":
        from gahpo.space import Categorical, Integer, Real

        if isinstance(p, Choice):
            return Categorical(p.values)
        return (Integer if isinstance(p, Int) else Real)(p.low, p.high, log=p.log)
    if method in ("random", "halving"):
        from scipy.stats import loguniform, randint, uniform

        if isinstance(p, Choice):
            return list(p.values)
        if isinstance(p, Int):
            return LogUniformInt(p.low, p.high) if p.log else randint(p.low, p.high + 1)
        return loguniform(p.low, p.high) if p.log else uniform(p.low, p.high - p.low)
    if method == "tpe":
        from optuna import distributions as d

        if isinstance(p, Choice):
            return d.CategoricalDistribution(p.optuna_values or p.values)
        cls = d.IntDistribution if isinstance(p, Int) else d.FloatDistribution
        return cls(p.low, p.high, log=p.log)
    if method == "ga-peer":  # its Integer has no log distribution: uniform
        from sklearn_genetic import space as s

        if isinstance(p, Choice):
            return s.Categorical(list(p.values))
        if isinstance(p, Int):
            return s.Integer(p.low, p.high)
        return s.Continuous(
            p.low, p.high, distribution="log-uniform" if p.log else "uniform"
        )
    raise ValueError(f"unknown method {method!r}; choose from {METHODS}")


def encode(space, method):
    """``space`` (name -> Int/Float/Choice) in ``method``'s library's own form."""
    return {name: _encode(p, method) for name, p in space.items()}


def describe(space):
    """``repr`` of each encoded parameter, scipy frozen distributions by name."""
    return {
        k: (f"{v.dist.name}{v.args}" if hasattr(v, "dist") else repr(v))
        for k, v in space.items()
    }


# -- the peers -------------------------------------------------------------------


def unavailable_reason(method):
    """None if ``method`` can run here, else why not."""
    modules = {
        "tpe": ("optuna", "optuna_integration.sklearn"),
        "ga-peer": ("sklearn_genetic",),
    }.get(method, ())
    for module in modules:
        try:
            __import__(module)
        except ImportError as exc:
            return f"{module} is not installed ({exc}): pip install -e '.[bench]'"
    return None


def available(methods, unavailable=unavailable_reason, say=print):
    """``(methods that can run, {skipped method: why})``, saying each skip."""
    ok, skipped = [], {}
    for method in methods:
        reason = unavailable(method)
        if reason:
            skipped[method] = reason
            say(f"note: skipping {method}: {reason}")
        else:
            ok.append(method)
    return ok, skipped


def ga_peer_budget(budget, population=10):
    """``(population_size, generations, evaluations)`` of GASearchCV for budget B.

    ``eaMuPlusLambda`` evaluates P, then ``2P`` offspring per generation:
    ``P (1 + 2G)`` evaluations, cached repeats included.
    """
    population = min(population, budget)
    generations = max(0, math.floor((budget - population) / (2 * population) + 0.5))
    return population, generations, population * (1 + 2 * generations)


def make_search(method, estimator, space, *, budget, cv, n_jobs=1, seed=0, **kwargs):
    """``method``'s search of ``space`` (Int/Float/Choice) with budget B.

    The budget is ``n_iter`` for gahpo and random search, ``n_candidates`` for
    halving, ``n_trials`` for TPE, and ``ga_peer_budget(B)`` for GASearchCV
    (``population_size``/``generations`` in ``kwargs`` override it); every
    other setting is the library's default unless given in ``kwargs``.
    """
    native = encode(space, method)
    common = {"cv": cv, "n_jobs": n_jobs}
    if method == "gahpo":
        from gahpo import GeneticSearchCV

        kwargs.setdefault("n_iter", budget)
        return GeneticSearchCV(estimator, native, random_state=seed, **common, **kwargs)
    if method == "random":
        from sklearn.model_selection import RandomizedSearchCV

        return RandomizedSearchCV(
            estimator, native, n_iter=budget, random_state=seed, **common, **kwargs
        )
    if method == "halving":
        from sklearn.experimental import enable_halving_search_cv  # noqa: F401
        from sklearn.model_selection import HalvingRandomSearchCV

        return HalvingRandomSearchCV(
            estimator,
            native,
            n_candidates=budget,
            random_state=seed,
            **common,
            **kwargs,
        )
    if method == "tpe":
        import optuna
        from optuna_integration.sklearn import OptunaSearchCV

        study = optuna.create_study(
            direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed)
        )
        kwargs.setdefault("n_trials", budget)
        return OptunaSearchCV(
            estimator, native, random_state=seed, study=study, **common, **kwargs
        )
    if method == "ga-peer":
        from sklearn_genetic import GASearchCV

        population, generations, _ = ga_peer_budget(budget)
        kwargs.setdefault("population_size", population)
        kwargs.setdefault("generations", generations)
        search = GASearchCV(
            estimator, param_grid=native, verbose=False, **common, **kwargs
        )
        # No random_state: it draws from `random` (DEAP, its Categorical) and
        # numpy's global generator; Categorical() reseeds `random` when built,
        # so seed after building.
        pyrandom.seed(seed)
        np.random.seed(seed)
        return search
    raise ValueError(f"unknown method {method!r}; choose from {METHODS}")


def fit(search, X, y, **fit_params):
    """Wall seconds of ``search.fit`` (sklearn-genetic-opt's prints swallowed)."""
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        search.fit(X, y, **fit_params)
    return time.perf_counter() - t0


def plain(params):
    """numpy scalars as Python ones (for keys and JSON)."""
    return {k: v.item() if isinstance(v, np.generic) else v for k, v in params.items()}


def key(params):
    return tuple(sorted(plain(params).items()))


def evaluations(method, search):
    """Every evaluation, in order: dicts of params, score, fit and score seconds.

    Seconds are summed over folds; ``cached`` marks sklearn-genetic-opt's
    repeats, which cost no fit. TPE and random search may evaluate a
    candidate twice (and fit it twice).
    """
    if method == "ga-peer":
        names, seen, out = list(search.space.parameters), set(), []
        for row in search.logbook.chapters["parameters"]:
            params = {n: row[n] for n in names}
            k = key(params)
            out.append(
                {
                    "params": params,
                    "score": float(row["score"]),
                    "fit_seconds": float(np.sum(row["fit_time"])),
                    "score_seconds": float(np.sum(row["score_time"])),
                    "cached": k in seen,
                }
            )
            seen.add(k)
        return out
    n_splits = search.n_splits_
    if method == "tpe":
        import optuna

        trials = sorted(
            (t for t in search.trials_ if t.state == optuna.trial.TrialState.COMPLETE),
            key=lambda t: t.number,
        )
        return [
            {
                "params": dict(t.params),
                "score": t.value,
                "fit_seconds": n_splits * t.user_attrs.get("mean_fit_time", 0.0),
                "score_seconds": n_splits * t.user_attrs.get("mean_score_time", 0.0),
                "cached": False,
            }
            for t in trials
        ]
    res = search.cv_results_
    return [
        {
            "params": p,
            "score": float(s),
            "fit_seconds": n_splits * float(f),
            "score_seconds": n_splits * float(t),
            "cached": False,
        }
        for p, s, f, t in zip(
            res["params"],
            res["mean_test_score"],
            res["mean_fit_time"],
            res["mean_score_time"],
        )
    ]


def silence_warnings():
    """Narrow warning filters for the peers; scikit-learn forwards them to workers."""
    from sklearn.exceptions import ConvergenceWarning

    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    warnings.filterwarnings(
        "ignore", message="Got `batch_size` less than 1", category=UserWarning
    )
    warnings.filterwarnings(
        "ignore",
        message="A class named '(FitnessMax|Individual)'",
        category=RuntimeWarning,
    )
    if unavailable_reason("tpe") is None:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        experimental = optuna.exceptions.ExperimentalWarning
        warnings.filterwarnings("ignore", category=experimental)
        warnings.filterwarnings(
            "ignore", message=".*optuna.terminator", category=FutureWarning
        )
