"""gahpo: genetic-algorithm hyper-parameter search for scikit-learn.

>>> from gahpo import GeneticSearchCV

The names below are imported when first used (PEP 562), so that the layers
under the search (``gahpo.space``, ``gahpo.operators``, ``gahpo.schemes`` and
the ask/tell engine in ``gahpo._engine``) import and run without
scikit-learn.
"""

__version__ = "0.1.0"

__all__ = ["CheckpointError", "GeneticSearchCV", "__version__"]

_LAZY = {
    "GeneticSearchCV": "gahpo._search",
    "CheckpointError": "gahpo._checkpoint",
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # imported once
        return value
    raise AttributeError(f"module 'gahpo' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
