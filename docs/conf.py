"""Sphinx configuration of gahpo's documentation.

Build strictly (warnings are errors) from the repository root::

    sphinx-build -W --keep-going -b html docs docs/_build/html

The build needs no network: there is no intersphinx, and the gallery's
figures come from a tiny search run at build time by matplotlib's plot
directive (a few seconds with one BLAS thread). The examples gallery
(sphinx-gallery) runs every ``examples/plot_*.py`` at build time too, about
70 seconds in all on 2 cores; ``-D plot_gallery=0`` skips running them.
"""

import os
import sys

# The gallery runs small searches at build time: one BLAS thread per process,
# as in the tests, is much faster on small machines. Set before numpy loads.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

# Build from a checkout without installing: the package is one folder up.
sys.path.insert(0, os.path.abspath(".."))

import matplotlib  # noqa: E402

matplotlib.use("Agg")  # no display at build time

import gahpo  # noqa: E402

project = "gahpo"
author = "The gahpo developers"
copyright = "The gahpo developers"  # noqa: A001 - Sphinx's name
release = gahpo.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.viewcode",
    "numpydoc",
    "matplotlib.sphinxext.plot_directive",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
root_doc = "index"
default_role = "literal"  # `x` in the prose is code, never a guessed reference

# -- API reference -----------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"  # numpydoc sections already give the types
# numpydoc's own member tables would duplicate autosummary's and point to
# pages that do not exist; the class template lists the members instead.
numpydoc_show_class_members = False
numpydoc_show_inherited_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False


# -- plots rendered at build time (gallery) ---------------------------------
plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 96)]
plot_rcparams = {"figure.figsize": (6.4, 4.0), "figure.dpi": 96}
plot_pre_code = ""  # each gallery page imports what it uses

# -- examples gallery (sphinx-gallery) ---------------------------------------
# Every examples/plot_*.py is run at build time (a failing one fails the
# build), its output and figures captured, and offered as a .py and a .ipynb
# download; the first figure of each is its thumbnail. The backreferences let
# the API pages list "Examples using ..." (the minigallery in
# _templates/autosummary/class.rst and function.rst).
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": "/plot_",  # run them all
    # the numbers in the file names give the order (quickstart first)
    "within_subsection_order": "FileNameSortKey",
    "backreferences_dir": "gen_modules/backreferences",
    "doc_module": ("gahpo",),
    "min_reported_time": 0,
    "remove_config_comments": True,
    "download_all_examples": True,
    "show_signature": False,
    "matplotlib_animations": False,
}

# -- HTML ---------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"gahpo {release}"
html_static_path = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_sidebars = {"index": [], "coming_from": [], "benchmarks": []}
html_show_sourcelink = False
