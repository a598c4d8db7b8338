"""Save and load a search's state after every generation.

A checkpoint is one file written atomically (temporary file in the same
folder, flush, fsync, ``os.replace``), so a crash at any moment leaves either
the previous or the new generation's state on disk, never half of one.

The file is a one-line header and a pickle::

    gahpo-checkpoint 2 <payload length> <SHA-256 of the payload>\n<payload>

The header is checked before a byte of the payload is unpickled, so a file
changed in any way (a flipped byte, a truncation, bytes appended, a bad
copy) is refused with a :class:`CheckpointError`, never resumed. A checksum
is no signature: loading a pickle runs code, so load only checkpoints you
wrote yourself.

Beside saving and loading, this module says what identifies a search
(:func:`fingerprint`), so that a checkpoint is resumed only by the search
that wrote it.
"""

import hashlib
import os
import pickle
import tempfile
from numbers import Integral

import joblib
import numpy as np

__all__ = [
    "CheckpointError",
    "FORMAT_VERSION",
    "check_fingerprint",
    "fingerprint",
    "load",
    "save",
    "stable_id",
]

#: Bumped whenever the layout of the file or of the saved state changes.
FORMAT_VERSION = 2
_MAGIC = b"gahpo-checkpoint"
#: The settings of a search that must match for its checkpoint to resume
#: (``generations`` may change: a finished search can be extended).
SETTINGS = (
    "population_size",
    "elitism",
    "crossover_proba",
    "mutation_proba",
    "selection",
    "crossover",
    "mutation",
    "scheme",
    "objectives",
    "initial_params",
    "n_iter",
    "surrogate",
    "resource",
    "min_resources",
    "max_resources",
    "factor",
)


class CheckpointError(ValueError):
    """A checkpoint file cannot be used for this search."""


def save(path, state):
    """Write ``state`` to ``path`` atomically.

    Parameters
    ----------
    path : str or os.PathLike
        Destination file; its folder must exist.
    state : dict
        Picklable search state.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    payload = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
    digest = hashlib.sha256(payload).hexdigest()
    header = b"%s %d %d %s\n" % (_MAGIC, FORMAT_VERSION, len(payload), digest.encode())
    fd, tmp = tempfile.mkstemp(prefix=".gahpo-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(header)
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(dir_fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(dir_fd)


def load(path):
    """Read the state saved at ``path``, after checking it byte for byte.

    Raises
    ------
    CheckpointError
        If the file is not a gahpo checkpoint, was written by an
        incompatible format version, or differs in any byte from what was
        written (truncated, extended, changed); nothing is unpickled then.
    """
    path = os.fspath(path)
    fresh = f"Delete {path!r} or pass another `checkpoint` path to start afresh."
    with open(path, "rb") as f:
        data = f.read()
    corrupt = (
        f"checkpoint={path!r} is truncated or corrupt: its content does not match "
        f"the checksum it was written with (a changed, truncated or extended "
        f"file), so it cannot be resumed. {fresh}"
    )
    if not data.startswith(_MAGIC + b" "):
        raise CheckpointError(f"checkpoint={path!r} is not a gahpo checkpoint. {fresh}")
    header, newline, payload = data.partition(b"\n")
    fields = header.split(b" ")
    if not newline or len(fields) != 4:
        raise CheckpointError(corrupt)
    version, length, digest = fields[1:]
    if version != str(FORMAT_VERSION).encode():
        raise CheckpointError(
            f"checkpoint={path!r} has format version "
            f"{version.decode(errors='replace')!r}; this gahpo reads version "
            f"{FORMAT_VERSION}. {fresh}"
        )
    if length != str(len(payload)).encode() or (
        hashlib.sha256(payload).hexdigest().encode() != digest
    ):
        raise CheckpointError(corrupt)
    try:
        return pickle.loads(payload)
    except Exception as exc:  # a matching checksum of a file we did not write
        raise CheckpointError(
            f"checkpoint={path!r} cannot be read ({type(exc).__name__}: {exc}). {fresh}"
        ) from exc


def stable_id(value):
    """An identity of a setting that is the same in another process.

    ``repr`` of a function or ``functools.partial`` holds a memory address;
    joblib hashes functions by module and name and partials by their parts.
    What cannot be pickled (a lambda, a generator) is named by module and
    qualified name.
    """
    try:
        return joblib.hash(value)
    except Exception:
        module = getattr(value, "__module__", "")
        return f"{module}.{getattr(value, '__qualname__', repr(value))}"


def fingerprint(search, space, X, y):
    """What must match for a checkpoint of ``search`` to be resumed."""
    from sklearn.base import clone

    cv = search.cv
    cv = cv if cv is None or isinstance(cv, Integral) else stable_id(cv)
    return {
        "estimator": joblib.hash(clone(search.estimator)),
        "param_distributions": repr(space),
        "cv": cv,
        "scoring": joblib.hash(search.scoring),
        "data": (
            np.shape(X),
            np.shape(y) if y is not None else None,
            joblib.hash((X, y)),
        ),
        "genetic settings": [stable_id(getattr(search, name)) for name in SETTINGS],
        "random_state": joblib.hash(search.random_state),
    }


def check_fingerprint(path, saved, current):
    """Raise a :class:`CheckpointError` naming every part that differs."""
    differ = sorted(
        k for k in set(saved) | set(current) if saved.get(k) != current.get(k)
    )
    if differ:
        raise CheckpointError(
            f"checkpoint={os.fspath(path)!r} belongs to a different search: its "
            f"{', '.join(differ)} {'differs' if len(differ) == 1 else 'differ'} "
            "from this one's. Delete the file or pass "
            "another `checkpoint` path to start afresh, or restore the original "
            "settings to resume it."
        )
