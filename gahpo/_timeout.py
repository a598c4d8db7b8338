"""A per-fit time limit that really stops the fit: ``fit_timeout``.

A fit that overruns cannot be interrupted from inside the process that runs
it (a thread cannot be killed, and a signal is not seen while C code runs), so
each limited fit runs in a child process that is killed when the limit
passes. scikit-learn's ``BaseSearchCV.fit`` clones ``search.estimator`` once
and every cross-validation fit is ``_fit_and_score(clone(that), ...)`` in a
joblib worker, so wrapping the estimator is enough to limit every CV fit,
whatever the joblib backend:

- :class:`TimeLimitedEstimator` is transparent: its parameters, tags, type
  and fitted attributes are those of the estimator it wraps; only ``fit``
  differs, and only while its :class:`FitTimeLimit` is active.
- :func:`time_limited_fits` wraps ``search.estimator`` for the duration of
  ``fit`` and unwraps ``best_estimator_`` afterwards; the search calls
  ``limit.lift()`` once its evaluation loop is over, so the refit of the best
  candidate runs in the main process, without a limit.

How the child is started. POSIX ``fork`` where it is safe (Linux and other
Unix systems but macOS): cheap (the data are not copied), and it works in a
Dask worker, which is a daemonic process where :mod:`multiprocessing` (and so
pebble and pynisher, both built on it) refuses to start children. Elsewhere
(Windows, macOS) a fresh interpreter started with :mod:`subprocess`, which
also works in a daemonic process but pays for an interpreter start, the
imports and the pickling of the data on every fit. The child leads its own
process group (its own session elsewhere), so the processes a fit starts are
stopped with it.
"""

import io
import os
import pickle
import select
import signal
import subprocess
import sys
import time
import traceback
import warnings
from contextlib import contextmanager

from sklearn.base import BaseEstimator, clone

try:  # scikit-learn >= 1.6 reads tags through __sklearn_tags__
    from sklearn.utils import get_tags as _sklearn_get_tags
except ImportError:  # scikit-learn < 1.6 reads them through _get_tags()
    _sklearn_get_tags = None

__all__ = [
    "FitTimeoutError",
    "FitTimeLimit",
    "TimeLimitedEstimator",
    "time_limited_fits",
]

#: How limited fits start their child: "fork" where fork is safe, else "spawn".
START_METHOD = "fork" if hasattr(os, "fork") and sys.platform != "darwin" else "spawn"

# Attributes of the wrapper itself: never looked up on the wrapped estimator.
_OWN = frozenset({"estimator", "limit", "estimator_", "_candidate_params"})


class FitTimeoutError(TimeoutError):
    """A fit was stopped because it ran longer than ``fit_timeout``."""


class FitTimeLimit:
    """The time limit shared by every clone of a :class:`TimeLimitedEstimator`.

    Parameters
    ----------
    seconds : float or None
        The limit of one fit, in seconds; ``None`` for no limit.

    Attributes
    ----------
    active : bool
        Whether fits are limited: true when ``seconds`` is set, until
        :meth:`lift` is called.
    """

    def __init__(self, seconds):
        self.seconds = seconds
        self.active = seconds is not None

    def lift(self):
        """Let every estimator sharing this limit fit in-process, unlimited."""
        self.active = False

    def __repr__(self):
        state = "active" if self.active else "lifted"
        return f"FitTimeLimit(seconds={self.seconds!r}, {state})"


class TimeLimitedEstimator(BaseEstimator):
    """An estimator whose ``fit`` is stopped after ``limit.seconds``.

    Everything but ``fit`` is the wrapped estimator's: ``get_params`` and
    ``set_params``, the estimator type and tags, metadata routing, and, once
    fitted, ``predict``, ``score``, ``classes_`` and every other attribute.
    While ``limit.active``, ``fit`` runs the wrapped estimator's ``fit`` in a
    child process and takes the fitted estimator back from it; a child still
    running after ``limit.seconds`` is killed together with the processes it
    started, and :class:`FitTimeoutError` is raised. Once the limit is lifted,
    ``fit`` runs in this process as usual.

    Parameters
    ----------
    estimator : estimator object
        The estimator to fit under the limit. Its fit is done on a copy (in
        the child process), so it stays unfitted while the limit is active.
    limit : FitTimeLimit
        The limit; clones share this very object, so lifting it lifts the
        limit of every clone in this process.

    Attributes
    ----------
    estimator_ : estimator object
        The fitted estimator.
    """

    def __init__(self, estimator, limit):
        self.estimator = estimator
        self.limit = limit

    # -- transparency ------------------------------------------------------
    def __sklearn_clone__(self):
        return type(self)(clone(self.estimator), self.limit)

    def get_params(self, deep=True):
        """The wrapped estimator's parameters."""
        return self.estimator.get_params(deep=deep)

    def set_params(self, **params):
        """Set the wrapped estimator's parameters; returns the wrapper."""
        self.estimator.set_params(**params)
        self.__dict__.setdefault("_candidate_params", {}).update(params)
        return self

    @property
    def _estimator_type(self):
        return getattr(self.estimator, "_estimator_type", None)

    if _sklearn_get_tags is not None:

        def __sklearn_tags__(self):
            return _sklearn_get_tags(self.estimator)

    else:  # pragma: no cover - scikit-learn < 1.6

        def _get_tags(self):
            return self.estimator._get_tags()

    def get_metadata_routing(self):
        """The wrapped estimator's metadata routing."""
        return self.estimator.get_metadata_routing()

    def __sklearn_is_fitted__(self):
        return "estimator_" in self.__dict__

    def __getattr__(self, name):
        # Only called for names the wrapper lacks. Private and special names,
        # other ways to fit, and sklearn's callback hook stay the wrapper's
        # own, so nothing bypasses the limit or reaches the child by accident.
        if (
            name.startswith("_")
            or name in _OWN
            or name.startswith("fit")
            or name in ("partial_fit", "set_callbacks")
        ):
            raise AttributeError(name)
        state = self.__dict__
        target = state.get("estimator_", state.get("estimator"))
        if target is None:
            raise AttributeError(name)
        return getattr(target, name)

    def __repr__(self, N_CHAR_MAX=700):
        return f"{type(self).__name__}({self.estimator!r}, {self.limit!r})"

    # -- fit -----------------------------------------------------------------
    def fit(self, X, y=None, **fit_params):
        """Fit the wrapped estimator, in a child process while the limit is active.

        Parameters
        ----------
        X, y, **fit_params
            Passed to the wrapped estimator's ``fit``.

        Returns
        -------
        self : TimeLimitedEstimator

        Raises
        ------
        FitTimeoutError
            When the fit ran longer than ``limit.seconds``; its message names
            ``fit_timeout`` and the candidate's parameters.
        """
        if not self.limit.active:
            self.estimator_ = self.estimator.fit(X, y, **fit_params)
            return self
        seconds = self.limit.seconds
        try:
            self.estimator_ = run_with_timeout(
                _fit_copy, (self.estimator, X, y, fit_params), seconds
            )
        except _Timeout:
            params = self.__dict__.get(
                "_candidate_params"
            ) or self.estimator.get_params(deep=False)
            raise FitTimeoutError(
                f"fit stopped after fit_timeout={seconds!r} s (parameters: {params!r})"
            ) from None
        return self


def _fit_copy(estimator, X, y, fit_params):
    """The child's task: fit and return the estimator."""
    return estimator.fit(X, y, **fit_params)


@contextmanager
def time_limited_fits(search, seconds):
    """Limit every fit of ``search`` but the refit to ``seconds``.

    Parameters
    ----------
    search : BaseSearchCV
        The search; ``search.estimator`` is wrapped in a
        :class:`TimeLimitedEstimator` for the duration of the block and
        restored on exit, even on error. On exit a wrapped
        ``best_estimator_`` is replaced by the fitted estimator it wraps.
    seconds : float or None
        The ``fit_timeout``; with ``None`` nothing is wrapped.

    Yields
    ------
    limit : FitTimeLimit
        Call ``limit.lift()`` when the evaluation of candidates is over: the
        fits after that (the refit) run in the main process, unlimited.
    """
    limit = FitTimeLimit(seconds)
    if seconds is None:
        yield limit
        return
    original = search.estimator
    search.estimator = TimeLimitedEstimator(original, limit)
    try:
        yield limit
    finally:
        limit.lift()
        search.estimator = original
        best = search.__dict__.get("best_estimator_")
        if isinstance(best, TimeLimitedEstimator):
            search.best_estimator_ = best.__dict__.get("estimator_", best.estimator)


# -- running a function in a child process ------------------------------------
class _Timeout(Exception):
    """The child was still running at the deadline (internal)."""


def run_with_timeout(func, args, seconds, *, start_method=None):
    """Return ``func(*args)`` computed in a child process, or raise at the deadline.

    Parameters
    ----------
    func : callable
        A module-level function (picklable when the child is spawned).
    args : tuple
        Its arguments.
    seconds : float
        Wall-clock limit, start of the child to result received.
    start_method : {"fork", "spawn"} or None
        ``None`` for :data:`START_METHOD`.

    Returns
    -------
    The value ``func`` returned in the child, unpickled.

    Raises
    ------
    _Timeout
        At the deadline; the child and its process group are killed and
        reaped first.
    Exception
        What ``func`` raised in the child, with the child's traceback as a note.
    """
    start_method = start_method or START_METHOD
    if start_method == "fork":
        data = _run_forked(func, args, seconds)
    elif start_method == "spawn":
        data = _run_spawned(func, args, seconds)
    else:
        raise ValueError(
            "start_method must be 'fork' or 'spawn', "
            f"got start_method={start_method!r}."
        )
    return _unpack(data)


def _pack(func, args):
    """Run ``func(*args)`` and pickle the outcome (in the child)."""
    try:
        outcome = ("ok", func(*args))
    except BaseException as exc:  # noqa: BLE001 - everything goes to the parent
        outcome = ("error", exc, traceback.format_exc())
    try:
        return pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # the result or the exception does not pickle
        what = "fitted estimator" if outcome[0] == "ok" else "exception"
        text = outcome[2] if outcome[0] == "error" else traceback.format_exc()
        message = f"the {what} could not be sent back from the fit's process: {exc!r}"
        return pickle.dumps(("error", RuntimeError(message), text))


def _unpack(data):
    if not data:
        raise RuntimeError("the fit's process ended without sending a result")
    outcome = pickle.loads(data)
    if outcome[0] == "ok":
        return outcome[1]
    exc, text = outcome[1], outcome[2]
    if hasattr(exc, "add_note"):  # Python >= 3.11
        exc.add_note(f"In the fit's process:\n{text}")
    raise exc


def _run_forked(func, args, seconds):
    for stream in (sys.stdout, sys.stderr):  # nothing buffered twice
        try:
            stream.flush()
        except Exception:  # noqa: BLE001
            pass
    read_fd, write_fd = os.pipe()
    with warnings.catch_warnings():
        # Python >= 3.12 warns on fork in a multi-threaded process (a Dask
        # worker, a process running joblib's or a progress bar's threads);
        # the child only fits, sends the result and calls os._exit.
        warnings.filterwarnings("ignore", message=".*fork", category=DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child
        code = 0
        try:
            os.close(read_fd)
            os.setpgid(0, 0)
            with _forked_child_settings():
                data = _pack(func, args)
            with os.fdopen(write_fd, "wb") as pipe:
                pipe.write(data)
            for stream in (sys.stdout, sys.stderr):
                stream.flush()
        except BaseException:  # noqa: BLE001
            code = 1
        finally:
            os._exit(code)
    # the parent
    os.close(write_fd)
    try:
        os.setpgid(pid, pid)  # also here: no window where a kill misses the group
    except OSError:
        pass
    chunks, done = [], False
    deadline = time.monotonic() + seconds
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            ready, _, _ = select.select([read_fd], [], [], remaining)
            if ready:
                chunk = os.read(read_fd, 1 << 20)
                if not chunk:
                    done = True
                    break
                chunks.append(chunk)
    finally:
        # Always: kill whatever is left of the group (the child once it has
        # sent its result, or the overrunning fit and the processes it
        # started), then reap the child so no zombie stays.
        os.close(read_fd)
        _kill_group(pid)
        os.waitpid(pid, 0)
    if not done:
        raise _Timeout
    return b"".join(chunks)


def _kill_group(pid):
    for kill, target in ((os.killpg, pid), (os.kill, pid)):
        try:
            kill(target, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


@contextmanager
def _forked_child_settings():
    """What a forked child cannot inherit safely, replaced for the fit.

    - GNU OpenMP (scikit-learn's, for one) hangs in a forked child when the
      parent has used its thread pool: the child's OpenMP runs one thread.
    - joblib's process executor and a Dask client belong to the parent (their
      threads are not in the child, their sockets are shared): nested joblib
      calls in the fit run on threads, as they do in a loky worker.
    """
    from joblib import parallel_config
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, user_api="openmp"), parallel_config(backend="threading"):
        yield


def _run_spawned(func, args, seconds):
    try:  # by value for classes defined in __main__, as loky does
        import cloudpickle
    except ImportError:
        try:
            from joblib.externals import cloudpickle
        except ImportError:
            cloudpickle = pickle
    payload = cloudpickle.dumps((func, args), protocol=pickle.HIGHEST_PROTOCOL)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    kwargs = {}
    if os.name == "posix":
        kwargs["start_new_session"] = True
    else:
        kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from gahpo._timeout import _spawned_main; _spawned_main()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
        **kwargs,
    )
    try:
        data, _ = proc.communicate(payload, timeout=seconds)
    except subprocess.TimeoutExpired:
        _kill_tree(proc)
        proc.communicate()
        raise _Timeout from None
    except BaseException:
        _kill_tree(proc)
        proc.communicate()
        raise
    _kill_tree(proc)  # the processes the fit started and left running
    return data


def _kill_tree(proc):
    if os.name == "posix":
        _kill_group(proc.pid)
    else:  # pragma: no cover - Windows
        subprocess.run(
            ["taskkill", "/F", "/T", "/PID", str(proc.pid)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        proc.kill()


def _spawned_main():
    """Entry point of a spawned child: payload on stdin, result on stdout."""
    result = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # prints go to stderr
    sys.stdout = sys.stderr
    func, args = pickle.load(io.BytesIO(sys.stdin.buffer.read()))
    result.write(_pack(func, args))
    result.close()
