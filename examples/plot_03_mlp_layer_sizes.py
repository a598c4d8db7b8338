"""
===================================
The study's network: ``LayerSizes``
===================================

gahpo comes from a study that tuned a neural network with a genetic
algorithm: its batch size, its number of hidden layers, the units of each
layer and the activation, against a network with no hidden layer. This is
that search in miniature, on a subset of scikit-learn's digits, with a few
dozen short trainings instead of the study's 25 generations of 25 networks.

:class:`~gahpo.space.LayerSizes` is the gene for ``hidden_layer_sizes``: a
tuple of a variable length. Mutation adds, removes or resizes a layer, and
crossover recombines the layer lists of two parents.
"""

# %%
# The data and the network
# ------------------------
#
# 600 training images, the rest held out. The networks train for at most 30
# epochs with early stopping, so some stop before they converge: they warn,
# and their scores say so. The same three folds serve every model below.

import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from gahpo import GeneticSearchCV
from gahpo.plots import plot_search_space
from gahpo.space import Categorical, Integer, LayerSizes

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, train_size=600, stratify=y, random_state=0
)
cv = StratifiedKFold(3)


def network(**params):
    mlp = MLPClassifier(max_iter=30, early_stopping=True, random_state=0)
    return Pipeline([("scale", StandardScaler()), ("mlp", mlp)]).set_params(**params)


# %%
# The baseline: no hidden layer
# -----------------------------
#
# ``hidden_layer_sizes=()`` is a network with no hidden layer, a multinomial
# logistic regression trained by Adam: the study's point of comparison. With
# 30 epochs at the default batch size of 200 (two steps per epoch on these
# 400-image folds) it is far from converged, so, to be fair to it, its batch
# size is tuned too, by a small search of its own.

with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    default_cv = cross_val_score(
        network(mlp__hidden_layer_sizes=()), X_train, y_train, cv=cv
    ).mean()
    baseline = GeneticSearchCV(
        network(mlp__hidden_layer_sizes=()),
        {"mlp__batch_size": Integer(16, 256, log=True)},
        cv=cv,
        population_size=6,
        generations=2,
        n_jobs=2,
        random_state=0,
    ).fit(X_train, y_train)
print(f"no hidden layer, batch size 200: CV accuracy {default_cv:.4f}")
print(
    f"no hidden layer, batch size {baseline.best_params_['mlp__batch_size']}: "
    f"CV accuracy {baseline.best_score_:.4f}, "
    f"test {baseline.score(X_test, y_test):.4f}"
)

# %%
# The search
# ----------
#
# One to two hidden layers of 16 to 128 units (sampled on a log scale), the
# batch size (the study found the best runs near 100, the worst near 500)
# and the activation. Six networks per generation for four generations: at
# most 24 networks, each trained three times.

space = {
    "mlp__hidden_layer_sizes": LayerSizes(1, 2, 16, 128),
    "mlp__batch_size": Integer(16, 256, log=True),
    "mlp__activation": Categorical(["identity", "logistic", "tanh", "relu"]),
}
search = GeneticSearchCV(
    network(),
    space,
    cv=cv,
    population_size=6,
    generations=4,  # the study: 25 and 25
    n_jobs=2,
    random_state=0,
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    search.fit(X_train, y_train)

print("best parameters:", search.best_params_)
print(f"networks trained: {len(search.cv_results_['params'])} (x 3 folds)")
test_accuracy = search.score(X_test, y_test)
print(f"best network: CV accuracy {search.best_score_:.4f}, test {test_accuracy:.4f}")

# %%
# The candidates, best first
# --------------------------

results = search.cv_results_
for i in results["rank_test_score"].argsort()[:8]:
    params = results["params"][i]
    print(
        f"gen {results['generation'][i]}  "
        f"layers={str(params['mlp__hidden_layer_sizes']):10s} "
        f"batch={params['mlp__batch_size']:3d}  "
        f"{params['mlp__activation']:8s}  "
        f"accuracy={results['mean_test_score'][i]:.4f}"
    )

# %%
# With so small a budget, this run says little about which architecture is
# best in general; it shows how a variable number of layers is searched.
# The score against each parameter, by generation:

plot_search_space(search)
plt.show()
