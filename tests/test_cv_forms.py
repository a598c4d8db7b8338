"""Every form of ``cv`` that GridSearchCV takes gives GridSearchCV's folds."""

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.model_selection import (
    GridSearchCV,
    GroupKFold,
    KFold,
    ShuffleSplit,
    StratifiedKFold,
)
from sklearn.tree import DecisionTreeClassifier

from gahpo import GeneticSearchCV
from gahpo.space import Integer

X, y = make_classification(n_samples=60, n_features=5, random_state=0)
GROUPS = np.repeat(np.arange(6), 10)
SPACE = {"max_depth": Integer(1, 6), "min_samples_leaf": Integer(1, 10)}
PAIRS = list(KFold(3, shuffle=True, random_state=1).split(X))


def _forms():
    return {
        "int": (lambda: 4, {}),
        "splitter": (lambda: StratifiedKFold(3, shuffle=True, random_state=0), {}),
        "shuffle split": (lambda: ShuffleSplit(3, test_size=0.3, random_state=0), {}),
        "group splitter": (lambda: GroupKFold(3), {"groups": GROUPS}),
        "list of pairs": (lambda: list(PAIRS), {}),
        "one-shot generator": (lambda: (pair for pair in PAIRS), {}),
        "iterator": (lambda: iter(PAIRS), {}),
    }


def _split_scores(results, n_splits):
    return np.column_stack([results[f"split{i}_test_score"] for i in range(n_splits)])


@pytest.mark.parametrize("form", list(_forms()))
def test_every_cv_form_matches_grid_search(form):
    make_cv, fit_params = _forms()[form]
    estimator = DecisionTreeClassifier(random_state=0)
    search = GeneticSearchCV(
        estimator,
        SPACE,
        cv=make_cv(),
        population_size=5,
        generations=3,
        random_state=0,
    ).fit(X, y, **fit_params)
    assert search.n_generations_ == 3  # later generations reuse the folds
    candidates = [{k: [v] for k, v in p.items()} for p in search.cv_results_["params"]]
    grid = GridSearchCV(estimator, candidates, cv=make_cv()).fit(X, y, **fit_params)
    assert search.n_splits_ == grid.n_splits_
    assert grid.cv_results_["params"] == search.cv_results_["params"]
    keys = {k for k in grid.cv_results_ if "time" not in k and k != "rank_test_score"}
    assert keys <= set(search.cv_results_)
    np.testing.assert_allclose(
        _split_scores(search.cv_results_, search.n_splits_),
        _split_scores(grid.cv_results_, grid.n_splits_),
    )
    assert search.best_params_ == grid.best_params_


def test_the_users_cv_is_not_replaced(fit_log=None):
    folds = (pair for pair in PAIRS)
    search = GeneticSearchCV(
        DecisionTreeClassifier(random_state=0),
        SPACE,
        cv=folds,
        population_size=4,
        generations=2,
        random_state=0,
    ).fit(X, y)
    assert search.cv is folds  # get_params() shows what the user gave
