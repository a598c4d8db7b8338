"""gahpo: genetic-algorithm hyper-parameter search for scikit-learn.

>>> from gahpo import GeneticSearchCV
"""

from ._search import GeneticSearchCV

__version__ = "0.1.0"

__all__ = ["GeneticSearchCV", "__version__"]
