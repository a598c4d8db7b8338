"""Shared helpers for the benchmark scripts.

Import this module, and call :func:`pin_threads_env`, *before* numpy, scipy or
scikit-learn are imported: BLAS and OpenMP read their thread counts when they
are loaded. On small machines (2 cores) a threaded BLAS can make tiny fits an
order of magnitude slower and turn a timing into a measure of thread
contention, so every benchmark runs with one BLAS/OpenMP thread per process.
"""

import os
import platform
import sys

# Environment variables read by the thread pools of OpenBLAS, MKL, BLIS,
# Apple Accelerate, numexpr and OpenMP (scikit-learn's Cython code).
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


def pin_threads_env(n_threads=1):
    """Set every thread-count variable to ``n_threads``; call before importing numpy.

    The variables are inherited by joblib's worker processes too. Returns the
    names of variables that were overridden from a different value.
    """
    if "numpy" in sys.modules:
        raise RuntimeError(
            "pin_threads_env() must run before numpy is imported, or BLAS ignores it."
        )
    overridden = []
    for name in THREAD_VARIABLES:
        old = os.environ.get(name)
        if old is not None and old != str(n_threads):
            overridden.append(f"{name}={old}")
        os.environ[name] = str(n_threads)
    return overridden


def pin_threads_runtime(n_threads=1):
    """Limit the already-loaded thread pools with threadpoolctl, and describe them.

    Returns ``(limiter, pools)``: keep ``limiter`` alive for the whole run;
    ``pools`` is a list of ``"library (api): n threads"`` strings.
    """
    from threadpoolctl import threadpool_info, threadpool_limits

    import numpy  # noqa: F401  (load BLAS so that threadpoolctl sees it)
    import sklearn.tree  # noqa: F401  (load scikit-learn's OpenMP runtime)

    limiter = threadpool_limits(limits=n_threads)
    pools = [
        f"{p.get('internal_api')} ({p.get('user_api')}): {p.get('num_threads')} thread(s)"
        for p in threadpool_info()
    ]
    return limiter, pools


def machine_info():
    """What a reader needs to judge a timing: CPU, load, versions."""
    import joblib
    import numpy
    import scipy
    import sklearn

    try:
        import gahpo

        gahpo_version = gahpo.__version__
    except Exception:  # pragma: no cover - benchmark still describes the machine
        gahpo_version = None
    try:
        load = os.getloadavg()
    except OSError:  # pragma: no cover - not on every platform
        load = None
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "load_average_1_5_15": load,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "joblib": joblib.__version__,
        "gahpo": gahpo_version,
        "thread_variables": {name: os.environ.get(name) for name in THREAD_VARIABLES},
    }


def load_average():
    """The 1-minute load average, or None where the platform lacks it."""
    try:
        return os.getloadavg()[0]
    except OSError:  # pragma: no cover
        return None


def markdown_table(header, rows):
    """A GitHub-flavoured markdown table, columns right-aligned except the first."""
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]

    def line(row):
        return "| " + " | ".join(c.rjust(w) for c, w in zip(row, widths)) + " |"

    rule = "|" + "|".join(
        "-" * (w + 1) + ":" if i else ":" + "-" * (w + 1) for i, w in enumerate(widths)
    ) + "|"
    return "\n".join([line(cells[0]), rule] + [line(row) for row in cells[1:]])


def default_results_path(name):
    """``benchmarks/results/<name>``, next to this file whatever the working directory."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", name)


def source_state():
    """The commit measured and whether gahpo/ has uncommitted changes (read-only git)."""
    import subprocess

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

    def git(*args):
        try:
            out = subprocess.run(
                ["git", "--no-optional-locks", "-C", root, *args],
                capture_output=True, text=True, timeout=30, check=True,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return out.stdout.strip()

    dirty = git("status", "--porcelain", "--", "gahpo")
    return {
        "commit": git("rev-parse", "HEAD"),
        "gahpo_dirty_files": dirty.splitlines() if dirty else [],
    }


def _json_default(value):
    """numpy scalars and arrays as plain JSON numbers and lists."""
    import numpy as np

    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def write_json(path, payload):
    """Write ``payload`` to ``path`` (folders made as needed), numpy values included."""
    import json

    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump(payload, f, indent=1, default=_json_default)


def dist_version(dist):
    """The installed version of the distribution ``dist``, or None."""
    import importlib.metadata

    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def pinning_line(overridden, pools):
    """One sentence saying which thread variables were pinned and the pools seen."""
    return (
        "Threads pinned to 1: "
        + ", ".join(f"{name}=1" for name in THREAD_VARIABLES)
        + " set before importing numpy (inherited by joblib workers)"
        + (f", overriding {', '.join(overridden)}" if overridden else "")
        + "; threadpoolctl.threadpool_limits(1) in this process: "
        + ("; ".join(pools) if pools else "no thread pool loaded")
        + "."
    )


def available_methods(names, unavailable_reason, say=print):
    """``(methods that can run, {skipped method: why})``, saying each skip."""
    methods, skipped = [], {}
    for name in names:
        reason = unavailable_reason(name)
        if reason:
            skipped[name] = reason
            say(f"note: skipping {name}: {reason}")
        else:
            methods.append(name)
    return methods, skipped
