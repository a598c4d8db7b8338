"""The layers under the search run without scikit-learn, and never reach up."""

import ast
import pathlib
import subprocess
import sys
import textwrap

import pytest

GAHPO = pathlib.Path(__file__).resolve().parents[1] / "gahpo"

BLOCK_SKLEARN = textwrap.dedent(
    """
    import sys

    class _Blocked:
        def find_spec(self, name, path=None, target=None):
            if name == "sklearn" or name.startswith("sklearn."):
                raise ImportError(f"scikit-learn is blocked in this test: {name}")

    sys.meta_path.insert(0, _Blocked())
    """
)


def test_engine_space_and_operators_run_an_ask_tell_loop_without_scikit_learn():
    code = BLOCK_SKLEARN + textwrap.dedent(
        """
        import gahpo
        from gahpo._engine import GeneticEngine
        from gahpo.operators import GeneWise, Tournament
        from gahpo.schemes import MuPlusLambda
        from gahpo.space import Categorical, Integer, LayerSizes, Real, SearchSpace

        space = SearchSpace({
            "x": Real(-5, 5), "n": Integer(1, 9), "c": Categorical(["a", "b"]),
            "layers": LayerSizes(1, 3, 4, 64),
        })
        for scheme in ("generational", MuPlusLambda(n_offspring=8)):
            engine = GeneticEngine(space, population_size=8, rng=0, scheme=scheme,
                                   selection=Tournament(size=2),
                                   mutation=GeneWise(strength=0.3, adaptive=True))
            for _ in range(5):
                batch = engine.ask()
                engine.tell([-space.decode(i)["x"] ** 2 for i in batch])
            assert engine.best.score > -25
        assert "sklearn" not in sys.modules
        try:
            gahpo.GeneticSearchCV
        except ImportError as exc:
            assert "blocked" in str(exc)
        else:
            raise AssertionError("the search imported without scikit-learn")
        print("ok")
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


#: module -> gahpo modules it must not import (an arrow back up the layers)
LOWER = {
    "space": ("_engine", "_search", "operators", "callbacks", "plots", "study"),
    "operators": ("_engine", "_search", "callbacks", "plots", "study"),
    "_engine": ("_search", "callbacks", "plots", "study"),
    "surrogate": ("_engine", "_search", "callbacks", "plots", "study"),
}


def _gahpo_imports(path):
    """Names of gahpo modules imported by the file at ``path`` (any depth)."""
    package = path.relative_to(GAHPO.parent).with_suffix("").parts[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ((node.module,) if node.module else ()))
            else:
                module = node.module or ""
            found.add(module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m.split(".", 2)[1] for m in found if m.startswith("gahpo.") and "." in m}


@pytest.mark.parametrize("layer", sorted(LOWER))
def test_no_arrow_back_up_the_layers(layer):
    target = GAHPO / layer
    if target.is_dir():
        files = sorted(target.rglob("*.py"))
    else:
        files = [target.with_suffix(".py")]
    for path in files:
        upward = _gahpo_imports(path) & set(LOWER[layer])
        assert not upward, f"{path.name} imports {sorted(upward)}"


def test_scikit_learn_private_names_are_imported_in_compat_only():
    for path in GAHPO.rglob("*.py"):
        if path.name == "_compat.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "sklearn"
            ):
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert "._" not in node.module and not private, (path, node.module)


def test_no_module_over_500_lines():
    long = {
        str(p.relative_to(GAHPO)): n
        for p in GAHPO.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > 500
    }
    assert not long
