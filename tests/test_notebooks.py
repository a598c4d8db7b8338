"""The notebooks in ``notebooks/``: they run, and their results say what they claim.

The checks here used to be ``assert`` cells inside the notebooks; they live
here so that the notebooks show a user only what a user would write. Each test
runs one notebook's code cells in order, in this process (``exec`` in a fresh
namespace, the notebook's own small budgets), and checks the namespace they
leave. CI also re-executes the notebooks in a Jupyter kernel with nbmake.

The notebooks need pandas and matplotlib, both in the ``all`` extra that the
test suite is installed from: without them these tests fail with the command
that installs them rather than skipping.

A third test reads the committed files: they are saved executed, top to
bottom, with their outputs and figures, and those outputs hold no warnings,
progress bars or paths of the machine that ran them.
"""

import importlib.util
import json
import os
import re
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
#: every notebook, so that a new one is committed executed too
NAMES = sorted(path.name for path in NOTEBOOKS.glob("*.ipynb"))
EXECUTE = (
    "OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 "
    ".venv/bin/python -m jupyter nbconvert --to notebook --execute --inplace "
    "--ExecutePreprocessor.record_timing=False notebooks/{name} && "
    ".venv/bin/python -m jupyter nbconvert --to notebook --inplace "
    "--CoalesceStreamsPreprocessor.enabled=True notebooks/{name}"
)  # the second command merges the stream outputs of a cell into one
#: IPython lines the runner drops: plain Python has no magics, and Agg draws.
_DROPPED_MAGIC = re.compile(r"^\s*%matplotlib\b.*$", re.MULTILINE)


def _load(name):
    return json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))


def _code_cells(notebook):
    return [
        "".join(cell["source"])
        for cell in notebook["cells"]
        if cell["cell_type"] == "code"
    ]


def run_notebook(name, needs=("pandas", "matplotlib")):
    """Run a notebook's code cells in order and return their namespace.

    Fails (never skips) when a module in ``needs`` is missing, or when a cell
    uses IPython syntax other than ``%matplotlib``.
    """
    missing = [m for m in needs if importlib.util.find_spec(m) is None]
    if missing:
        pytest.fail(
            f"{name} needs {', '.join(missing)}: install the test suite's "
            "dependencies with pip install -e '.[all]'"
        )
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    namespace = {"__name__": "__main__"}
    try:
        # the notebooks set warning filters of their own: keep them in there
        with warnings.catch_warnings():
            for index, source in enumerate(_code_cells(_load(name))):
                source = _DROPPED_MAGIC.sub("", source)
                ipython = [
                    line
                    for line in source.splitlines()
                    if line.lstrip().startswith(("%", "!"))
                ]
                assert not ipython, (
                    f"{name}, code cell {index}: IPython syntax this runner "
                    f"cannot execute: {ipython}"
                )
                code = compile(source, f"{name}, code cell {index}", "exec")
                exec(code, namespace)
    finally:
        plt.close("all")
    return namespace


def test_quickstart():
    """The genetic search keeps to the random search's budget and finds a
    good model (breast cancer: an SVC above 0.9 cross-validated accuracy)."""
    ns = run_notebook("01_quickstart.ipynb")
    search = ns["search"]
    assert len(search.cv_results_["params"]) <= ns["BUDGET"]
    assert search.best_score_ >= 0.9
    # the text's claim: cv_results_ has scikit-learn's columns and `generation`
    assert "generation" in search.cv_results_
    assert set(ns["random_search"].cv_results_) <= set(search.cv_results_)


def test_mlp_layer_sizes():
    """The tuned MLP beats the network with no hidden layer in cross-validation,
    within 6 networks a generation for 4 generations."""
    ns = run_notebook("02_mlp_layer_sizes.ipynb")
    search = ns["search"]
    assert search.best_score_ > ns["no_hidden_cv"]
    assert ns["n_fitted"] == len(search.cv_results_["params"])
    assert ns["n_fitted"] <= 6 * 4
    # the searched hidden layers stay within LayerSizes(1, 2, 16, 128)
    for layers in search.cv_results_["param_mlp__hidden_layer_sizes"]:
        assert 1 <= len(layers) <= 2 and all(16 <= n <= 128 for n in layers)


@pytest.mark.parametrize("name", NAMES)
def test_committed_with_outputs(name):
    """Saved executed in order, with figures, and nothing a reader should not
    see: no assert cells, warnings, progress bars (stderr), widgets or paths."""
    notebook = _load(name)
    how = f"re-execute it (pip install nbconvert): {EXECUTE.format(name=name)}"
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    counts = [cell["execution_count"] for cell in code]
    assert counts == list(range(1, len(code) + 1)), (
        f"{name} is not saved executed top to bottom in one kernel; {how}"
    )
    outputs = [output for cell in code for output in cell["outputs"]]
    assert any("image/png" in output.get("data", {}) for output in outputs), (
        f"{name} has no figure in its outputs; {how}"
    )
    for index, source in enumerate(_code_cells(notebook)):
        assert not re.search(r"^\s*assert\b", source, re.MULTILINE), (
            f"{name}, code cell {index}: checks belong in tests/test_notebooks.py"
        )
    assert not [o for o in outputs if o.get("name") == "stderr"], (
        f"{name} prints to stderr (a warning or a progress bar); {how}"
    )
    # the text of the outputs: figures are base64, where any letters may occur
    text = json.dumps(
        [
            {k: v for k, v in output.get("data", {}).items() if "image" not in k}
            or output.get("text", "")
            for output in outputs
        ]
    )
    assert "application/vnd.jupyter.widget" not in text, (
        f"{name} saves a widget, which does not render where it is browsed"
    )
    local = {str(ROOT), os.path.expanduser("~"), "site-packages", "/home/"}
    local.discard("/")
    leaked = sorted(path for path in local if path in text)
    assert not leaked, f"{name}'s outputs show paths of a machine: {leaked}"
