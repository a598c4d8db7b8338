"""Crash safety: a killed or interrupted search resumes where it stopped."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from conftest import Quadratic

from gahpo import GeneticSearchCV, _checkpoint
from gahpo.space import Integer, Real

SPACE = {"a": Real(1e-2, 1e2, log=True), "b": Real(0, 1), "d": Integer(0, 20)}
SETTINGS = dict(cv=2, population_size=6, generations=6, refit=False, random_state=7)

CHILD = textwrap.dedent(
    """
    import json, sys, time
    sys.path.insert(0, {tests!r})
    import numpy as np
    from conftest import Quadratic
    from gahpo import GeneticSearchCV
    from gahpo.space import Integer, Real

    class Logged(Quadratic):
        # every fit appends its parameters to a log shared across processes
        def fit(self, X, y=None, sample_weight=None):
            with open({log!r}, "a") as f:
                f.write(json.dumps([self.a, self.b, self.d]) + "\\n")
            time.sleep({sleep})
            return super().fit(X, y)

    space = {{"a": Real(1e-2, 1e2, log=True), "b": Real(0, 1), "d": Integer(0, 20)}}
    search = GeneticSearchCV(Logged(), space, checkpoint={ckpt!r}, cv=2,
                             population_size=6, generations=6, refit=False,
                             random_state=7, n_jobs=1)
    search.fit(np.zeros((8, 1)), np.zeros(8))
    print(json.dumps(search.cv_results_["params"]))
    """
)


def _child(tmp_path, sleep):
    code = CHILD.format(
        tests=os.path.dirname(__file__),
        log=str(tmp_path / "fits.log"),
        ckpt=str(tmp_path / "search.ckpt"),
        sleep=sleep,
    )
    return [sys.executable, "-c", code]


def _fits(tmp_path):
    path = tmp_path / "fits.log"
    return (
        [tuple(json.loads(line)) for line in path.read_text().splitlines()]
        if path.exists()
        else []
    )


def _generations_saved(path):
    try:
        return len(_checkpoint.load(path)["history"])
    except (OSError, ValueError):
        return 0


def test_sigkill_during_generation_3_then_resume(tmp_path):
    ckpt = tmp_path / "search.ckpt"
    proc = subprocess.Popen(
        _child(tmp_path, sleep=0.05), stdout=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 120
    while _generations_saved(ckpt) < 3:  # generations 0, 1, 2 are on disk
        assert proc.poll() is None, "the search ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    time.sleep(0.1)  # well inside generation 3 (about 0.6 s of fits)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    saved = _checkpoint.load(ckpt)
    assert len(saved["history"]) == 3
    done = {(p["a"], p["b"], p["d"]) for p in saved["rows"][0]}
    n_before = len(_fits(tmp_path))

    resumed = subprocess.run(
        _child(tmp_path, sleep=0.0), capture_output=True, text=True
    )
    assert resumed.returncode == 0, resumed.stderr
    after = _fits(tmp_path)[n_before:]
    assert after, "the resumed search fitted nothing"
    assert not done & set(after), "a candidate of a saved generation was fitted again"

    reference = GeneticSearchCV(Quadratic(), SPACE, **SETTINGS).fit(
        np.zeros((8, 1)), np.zeros(8)
    )
    params = json.loads(resumed.stdout.strip().splitlines()[-1])
    assert params == reference.cv_results_["params"]


def test_keyboard_interrupt_leaves_a_usable_checkpoint(tmp_path):
    ckpt = tmp_path / "search.ckpt"
    X, y = np.zeros((8, 1)), np.zeros(8)

    def interrupt(search, record):
        if record["generation"] == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        GeneticSearchCV(
            Quadratic(), SPACE, checkpoint=ckpt, callbacks=[interrupt], **SETTINGS
        ).fit(X, y)
    assert _generations_saved(ckpt) == 3
    resumed = GeneticSearchCV(Quadratic(), SPACE, checkpoint=ckpt, **SETTINGS).fit(X, y)
    reference = GeneticSearchCV(Quadratic(), SPACE, **SETTINGS).fit(X, y)
    assert resumed.cv_results_["params"] == reference.cv_results_["params"]
    assert [r["generation"] for r in resumed.history_] == list(range(6))


def test_checkpoint_write_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "state.ckpt"
    _checkpoint.save(path, {"x": 1})

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(_checkpoint.os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        _checkpoint.save(path, {"x": 2})
    assert _checkpoint.load(path) == {"x": 1}  # the old state survives
    assert [p.name for p in tmp_path.iterdir()] == ["state.ckpt"]  # no temp left


def test_foreign_file_and_future_version_are_refused(tmp_path):
    import pickle

    path = tmp_path / "x.ckpt"
    path.write_bytes(pickle.dumps({"hello": "world"}))
    with pytest.raises(ValueError, match="not a gahpo checkpoint"):
        _checkpoint.load(path)
    payload = pickle.dumps({})
    path.write_bytes(b"gahpo-checkpoint 999 %d 0\n" % len(payload) + payload)
    with pytest.raises(ValueError, match="format version '999'"):
        _checkpoint.load(path)


def test_custom_operators_resume_in_a_new_process(tmp_path):
    # repr() of a partial holds a memory address; the fingerprint must not,
    # or a second run (here: a second, equal partial) could never resume
    import functools

    from gahpo.operators import select_tournament

    kw = dict(SETTINGS, generations=2)
    search = GeneticSearchCV(
        Quadratic(),
        SPACE,
        checkpoint=tmp_path / "c.ckpt",
        selection=functools.partial(select_tournament, tournament_size=2),
        **kw,
    )
    search.fit(np.zeros((8, 1)), np.zeros(8))
    again = GeneticSearchCV(
        Quadratic(),
        SPACE,
        checkpoint=tmp_path / "c.ckpt",
        selection=functools.partial(select_tournament, tournament_size=2),
        **kw,
    ).fit(np.zeros((8, 1)), np.zeros(8))
    assert again.cv_results_["params"] == search.cv_results_["params"]


# -- tampering: any change to the file is refused before anything is unpickled --


def _tampered(data, how):
    middle = len(data) // 2
    if how == "first byte":
        return bytes([data[0] ^ 0x01]) + data[1:]
    if how == "header byte":
        return data[:20] + bytes([data[20] ^ 0x01]) + data[21:]
    if how == "middle byte":
        return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]
    if how == "last byte":
        return data[:-1] + bytes([data[-1] ^ 0x01])
    if how == "truncated":
        return data[:-7]
    if how == "appended":
        return data + b"\x00junk"
    raise AssertionError(how)


@pytest.mark.parametrize(
    "how",
    ["first byte", "header byte", "middle byte", "last byte", "truncated", "appended"],
)
def test_a_changed_checkpoint_is_refused_never_resumed(tmp_path, fit_log, how):
    path = tmp_path / "search.ckpt"
    kw = dict(SETTINGS, generations=2)
    GeneticSearchCV(Quadratic(), SPACE, checkpoint=path, **kw).fit(
        np.zeros((8, 1)), np.zeros(8)
    )
    path.write_bytes(_tampered(path.read_bytes(), how))
    fit_log.clear()
    with pytest.raises(_checkpoint.CheckpointError, match=str(path)):
        GeneticSearchCV(Quadratic(), SPACE, checkpoint=path, **kw).fit(
            np.zeros((8, 1)), np.zeros(8)
        )
    assert fit_log == []  # refused before any model was fitted


def test_a_changed_payload_is_not_unpickled(tmp_path, monkeypatch):
    import pickle

    path = tmp_path / "x.ckpt"
    _checkpoint.save(path, {"a": 1})
    data = path.read_bytes()
    path.write_bytes(data[:-1] + bytes([data[-1] ^ 0x01]))
    loads = []
    monkeypatch.setattr(pickle, "loads", lambda *a, **k: loads.append(1))
    with pytest.raises(_checkpoint.CheckpointError, match="checksum"):
        _checkpoint.load(path)
    assert loads == []
