"""Save and load a search's state after every generation.

A checkpoint is one pickle file written atomically (temporary file in the
same folder, flush, fsync, ``os.replace``), so a crash at any moment leaves
either the previous or the new generation's state on disk, never half of one.
"""

import os
import pickle
import tempfile

__all__ = ["CheckpointError", "FORMAT_VERSION", "check_fingerprint", "load", "save"]

#: Bumped whenever the layout of the saved state changes.
FORMAT_VERSION = 1
_MAGIC = "gahpo-checkpoint"


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
    payload = {"format": _MAGIC, "version": FORMAT_VERSION, "state": state}
    fd, tmp = tempfile.mkstemp(prefix=".gahpo-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            pickle.dump(payload, f, protocol=pickle.HIGHEST_PROTOCOL)
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
    """Read the state saved at ``path``.

    Raises
    ------
    CheckpointError
        If the file is truncated, corrupt, not a gahpo checkpoint, or written
        by an incompatible format version.
    """
    path = os.fspath(path)
    fresh = f"Delete {path!r} or pass another `checkpoint` path to start afresh."
    try:
        with open(path, "rb") as f:
            payload = pickle.load(f)
    except (EOFError, pickle.UnpicklingError, AttributeError, ImportError,
            IndexError, TypeError, ValueError) as exc:
        raise CheckpointError(
            f"checkpoint={path!r} is truncated or corrupt and cannot be resumed "
            f"({type(exc).__name__}: {exc}). {fresh}"
        ) from exc
    if not isinstance(payload, dict) or payload.get("format") != _MAGIC:
        raise CheckpointError(f"checkpoint={path!r} is not a gahpo checkpoint. {fresh}")
    if payload.get("version") != FORMAT_VERSION:
        raise CheckpointError(
            f"checkpoint={path!r} has format version {payload.get('version')!r}; "
            f"this gahpo reads version {FORMAT_VERSION}. {fresh}"
        )
    return payload["state"]


def check_fingerprint(path, saved, current):
    """Raise a :class:`CheckpointError` naming every part that differs."""
    differ = sorted(k for k in set(saved) | set(current) if saved.get(k) != current.get(k))
    if differ:
        raise CheckpointError(
            f"checkpoint={os.fspath(path)!r} belongs to a different search: its "
            f"{', '.join(differ)} differ from this one's. Delete the file or pass "
            "another `checkpoint` path to start afresh, or restore the original "
            "settings to resume it."
        )
