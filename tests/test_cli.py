"""``python -m gahpo``: the study's experiment from the command line.

One real run in a subprocess (tiny budget: 300 rows of digits, 15 epochs per
fit); everything else in-process through ``main(argv)`` on a small CSV.
"""

import csv
import importlib.util
import json
import os
import subprocess
import sys
from urllib.error import URLError

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_classification
from sklearn.model_selection import ParameterSampler
from threadpoolctl import threadpool_info

from gahpo.study import (
    BLAS_VARS,
    build_parser,
    format_table,
    main,
    random_search_space,
    read_csv,
    search_space,
    single_threaded_blas,
    split,
    write_cv_results,
)
from gahpo.study._run import first_rung

HAS_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None
ROWS = (
    "| GeneticSearchCV, tuned MLP |",
    "| MLP with no hidden layer |",
    "| MLPClassifier defaults |",
    "| RandomizedSearchCV, ",
)
TINY = ["--max-iter", "10", "--n-jobs", "1", "--quiet"]


def table_rows(stdout):
    """``{first cell: [other cells]}`` of the markdown table's body rows."""
    lines = [line for line in stdout.splitlines() if line.startswith("| ")]
    assert lines[0] == "| model | CV score | test accuracy | fits | wall time (s) |"
    return {
        cells[0]: cells[1:]
        for cells in (
            [c.strip() for c in line.strip("|").split("|")] for line in lines[1:]
        )
    }


def read_results(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def table_csv(tmp_path):
    """A small user table: 4 numeric features, a string class column in the middle."""
    X, y = make_classification(
        n_samples=90,
        n_features=4,
        n_informative=3,
        n_redundant=0,
        n_classes=3,
        random_state=0,
    )
    path = tmp_path / "table.csv"
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["f0", "f1", "label", "f2", "f3"])
        for row, label in zip(X, y):
            writer.writerow([*row[:2], "abc"[label], *row[2:]])
    return path


# -- the real command -------------------------------------------------------------


def test_small_run_prints_the_table_and_writes_the_files(tmp_path):
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "gahpo",
        "--population",
        "4",
        "--generations",
        "2",
        "--out",
        str(out),
        "--seed",
        "0",
        "--quiet",
        "--max-samples",
        "300",
        "--max-iter",
        "15",
        "--finalists",
        "2",
    ]
    proc = subprocess.run(
        command, check=False, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr
    assert "%|" not in proc.stderr  # --quiet: no progress bar

    for prefix in ROWS:
        assert sum(line.startswith(prefix) for line in proc.stdout.splitlines()) == 1, (
            prefix
        )
    rows = table_rows(proc.stdout)
    ga = rows["GeneticSearchCV, tuned MLP"]
    random = next(v for k, v in rows.items() if k.startswith("RandomizedSearchCV"))
    for cells in rows.values():
        assert 0 <= float(cells[0]) <= 1 and 0 <= float(cells[1]) <= 1
    assert "Best individual:  batch_size=" in proc.stdout
    assert "Worst individual: batch_size=" in proc.stdout

    summary = json.loads((out / "summary.json").read_text())
    assert [row["model"] for row in summary["rows"]] == list(rows)
    assert summary["rows"][0]["test_accuracy"] == pytest.approx(float(ga[1]), abs=1e-4)
    assert summary["options"]["seed"] == 0 and summary["versions"]["scikit-learn"]
    assert summary["genetic_search"]["best_score"] == pytest.approx(
        float(ga[0]), abs=1e-4
    )

    results = read_results(out / "cv_results.csv")
    n_rows = (int(ga[2]) - 1) // 2  # 2 folds (--cv default) each, one refit
    final = [row for row in results if row["finalist"] == "True"]
    n_candidates = n_rows - len(final)
    assert len(results) == n_rows and len(final) == 2
    assert f"RandomizedSearchCV, {n_candidates} candidates" in proc.stdout
    assert int(random[2]) == n_candidates * 2 + 1
    for column in (
        "generation",
        "param_mlp__batch_size",
        "param_mlp__hidden_layer_sizes",
        "param_mlp__activation",
        "params",
        "mean_test_score",
        "rank_test_score",
    ):
        assert column in results[0]
    assert {row["generation"] for row in results} <= {"0", "1", "2"}  # 2: finalists
    assert all(16 <= int(row["param_mlp__batch_size"]) <= 512 for row in results)

    png = out / "fitness.png"
    if HAS_MATPLOTLIB:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"Wrote {png}" in proc.stdout
    else:
        assert not png.exists()


def test_bad_option_exits_with_code_2_from_the_command_line():
    proc = subprocess.run(
        [sys.executable, "-m", "gahpo", "--population", "1"],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "--population: must be an integer >= 2, got 1" in proc.stderr
    assert proc.stdout == ""


# -- options ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--population", "1"], "--population: must be an integer >= 2, got 1"),
        (["--population", "ten"], "--population: must be an integer, got 'ten'"),
        (["--generations", "0"], "--generations: must be an integer >= 1, got 0"),
        (["--max-time", "-5"], "--max-time: must be a finite number > 0, got -5"),
        (["--n-jobs", "0"], "--n-jobs: must not be 0"),
        (["--cv", "1"], "--cv: must be an integer >= 2, got 1"),
        (["--dataset", "imagenet"], "--dataset: invalid choice: 'imagenet'"),
        (["--data", "x.csv"], "--data needs --target COLUMN"),
        (["--target", "label"], "--target needs --data FILE.csv"),
        (
            ["--data", "no/such/file.csv", "--target", "y"],
            "--data: no such file: 'no/such/file.csv'",
        ),
        (["--checkpoint", "no/such/folder/ck.pkl"], "--checkpoint: the folder"),
    ],
)
def test_bad_options_exit_with_code_2_and_say_why(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "usage: python -m gahpo" in err


def test_data_and_dataset_are_exclusive(table_csv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--data", str(table_csv), "--target", "label", "--dataset", "digits"])
    assert exc.value.code == 2
    assert "give either --dataset or --data, not both" in capsys.readouterr().err


@pytest.mark.parametrize(
    "content, target, message",
    [
        ("a,b,y\n1,2,x\n", "label", "no column 'label'"),
        ("a,b,y\n1,oops,x\n" * 2, "y", "column 'b', line 2"),
        ("a,b,y\n1,,x\n", "y", "features must be finite numbers, got ''"),
        ("a,b,y\n1,2\n", "y", "line 2 of"),
        ("", "y", "is empty"),
        ("a,y\n" + "1,x\n" * 10, "y", "holds a single class"),
    ],
)
def test_bad_tables_exit_with_code_2(tmp_path, content, target, message, capsys):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(SystemExit) as exc:
        main(["--data", str(path), "--target", target, "--out", str(tmp_path / "out")])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_help_lists_the_options(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for option in (
        "--dataset",
        "--data",
        "--target",
        "--population",
        "--generations",
        "--max-time",
        "--n-jobs",
        "--seed",
        "--out",
        "--checkpoint",
        "--cv",
        "--quiet",
    ):
        assert option in out
    defaults = build_parser().parse_args([])
    assert (defaults.population, defaults.generations, defaults.n_jobs) == (25, 25, -1)
    assert defaults.cv == 2
    assert defaults.dataset is None and defaults.out == "gahpo-output"


# -- a user's table, checkpoints -----------------------------------------------------


def test_user_table_with_a_progress_bar(table_csv, tmp_path, capsys):
    out = tmp_path / "out"
    argv = [
        "--data",
        str(table_csv),
        "--target",
        "label",
        "--population",
        "3",
        "--generations",
        "2",
        "--out",
        str(out),
        "--seed",
        "1",
        "--max-iter",
        "10",
        "--n-jobs",
        "1",
        "--cv",
        "3",
    ]
    assert main(argv) == 0
    stdout, stderr = capsys.readouterr()
    assert "table.csv, 4 features, 3 classes" in stderr and "(3-fold CV)" in stderr
    assert "GeneticSearchCV" in stderr and "2/2" in stderr  # the bar, on stderr
    assert "2/2" not in stdout
    assert set(table_rows(stdout)) >= {
        "GeneticSearchCV, tuned MLP",
        "MLP with no hidden layer",
    }
    results = read_results(out / "cv_results.csv")
    assert (
        len(results)
        == (int(table_rows(stdout)["GeneticSearchCV, tuned MLP"][2]) - 1) // 3
    )  # --cv 3: three fits per candidate, plus the refit


def test_checkpoint_resumes_and_refuses_another_search(table_csv, tmp_path, capsys):
    checkpoint = tmp_path / "search.ckpt"
    argv = [
        "--data",
        str(table_csv),
        "--target",
        "label",
        "--generations",
        "2",
        "--out",
        str(tmp_path / "out"),
        "--checkpoint",
        str(checkpoint),
        *TINY,
    ]
    assert main([*argv, "--population", "3"]) == 0
    first = table_rows(capsys.readouterr().out)["GeneticSearchCV, tuned MLP"]
    assert checkpoint.exists()
    assert main([*argv, "--population", "3"]) == 0  # resumed: nothing left to evolve
    again = table_rows(capsys.readouterr().out)["GeneticSearchCV, tuned MLP"]
    assert again[0] == first[0]  # the same best CV score
    assert main([*argv, "--population", "4"]) == 1
    assert "belongs to a different search" in capsys.readouterr().err


# -- OpenML, offline ------------------------------------------------------------------


def test_openml_offline_says_so_and_exits_1(monkeypatch, tmp_path, capsys):
    import sklearn.datasets

    def offline(*args, **kwargs):
        raise URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(sklearn.datasets, "fetch_openml", offline)
    assert main(["--dataset", "mnist", "--out", str(tmp_path), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "could not download 'mnist_784' from OpenML" in err
    assert "Check the network connection" in err and "digits" in err


# -- pieces ----------------------------------------------------------------------------


def test_read_csv_types(table_csv):
    X, y, features = read_csv(table_csv, "label")
    assert X.shape == (90, 4) and X.dtype == float
    assert features == ["f0", "f1", "f2", "f3"] and set(y) == {"a", "b", "c"}


def test_integer_labels_are_read_as_integers(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("x,y\n" + "".join(f"{i},{i % 2}\n" for i in range(8)))
    _, y, _ = read_csv(path, "y")
    assert y.dtype.kind == "i" and set(y) == {0, 1}


def test_random_search_draws_from_the_same_space():
    genes = search_space()
    space = random_search_space()
    for params in ParameterSampler(space, 50, random_state=0):
        for name, value in params.items():
            assert genes[name].contains(value), (name, value)
    layers = [
        p["mlp__hidden_layer_sizes"]
        for p in ParameterSampler(space, 200, random_state=0)
    ]
    assert {len(v) for v in layers} == {1, 2, 3}


def test_write_cv_results_blanks_masked_cells(tmp_path):
    column = np.ma.MaskedArray([1, 0], mask=[False, True], dtype=object)
    path = tmp_path / "r.csv"
    write_cv_results(
        path,
        {
            "param_a": column,
            "params": [{"a": 1}, {}],
            "mean_test_score": np.array([0.5, np.nan]),
        },
    )
    assert read_results(path) == [
        {"param_a": "1", "params": "{'a': 1}", "mean_test_score": "0.5"},
        {"param_a": "", "params": "{}", "mean_test_score": "nan"},
    ]


def test_format_table():
    table = format_table([("A", 0.91234, 0.9, 7, 1.234)])
    assert table.splitlines()[2] == "| A | 0.9123 | 0.9000 | 7 | 1.2 |"


def test_blas_threads_are_pinned_unless_the_user_chose(monkeypatch):
    for var in BLAS_VARS:
        monkeypatch.delenv(var, raising=False)
    with single_threaded_blas() as pinned:
        assert pinned
        assert all(os.environ[var] == "1" for var in BLAS_VARS)  # for the workers
        assert {pool["num_threads"] for pool in threadpool_info()} <= {
            1
        }  # this process
    assert not any(var in os.environ for var in BLAS_VARS)  # restored
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    with single_threaded_blas() as pinned:
        assert not pinned and os.environ["OMP_NUM_THREADS"] == "3"
        assert "OPENBLAS_NUM_THREADS" not in os.environ


def test_default_first_rung_is_the_ladder_the_study_measured():
    # benchmarks/study.py's "gahpo-mf" starts at training rows // 9; on the
    # command line's own split of digits the default must be that ladder
    X, y = load_digits(return_X_y=True)
    _, _, y_train, _ = split(X, y, seed=0, test_size=450)
    assert first_rung(y_train) == len(y_train) // 9 == 149
    # a floor of 10 rows per class, and off without room for two rungs
    assert first_rung(np.repeat(np.arange(20), 60)) == 20 * 10  # not 1200 // 9
    assert first_rung(np.repeat(np.arange(20), 25)) == 0  # 200 rows > 500 / 3
