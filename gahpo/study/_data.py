"""The study's data: scikit-learn's digits, OpenML downloads, a user's CSV."""

import csv
import http.client
import math
import os

import numpy as np
from sklearn.model_selection import train_test_split

__all__ = ["Offline", "fetch_openml_dataset", "load_data", "read_csv", "split"]

#: OpenML names of the downloadable datasets.
OPENML = {"mnist": "mnist_784", "cifar10": "CIFAR_10"}
#: Rows kept from the OpenML datasets unless --max-samples says otherwise: the
#: full 60-70k rows would take many hours at the study's budget.
OPENML_DEFAULT_SAMPLES = 10_000


class Offline(Exception):
    """A dataset could not be downloaded."""


def read_csv(path, target):
    """Numeric features and a class column from a CSV file with a header row.

    Returns ``X`` (float array), ``y`` (ints when every label is an integer,
    strings otherwise) and the feature names. Raises ``ValueError`` with the
    row and column of the first bad cell.
    """
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if not header:
            raise ValueError(f"{path!r} is empty; it needs a header row and data rows")
        header = [name.strip() for name in header]
        if target not in header:
            raise ValueError(
                f"no column {target!r} in {path!r}; its columns are {header}"
            )
        t = header.index(target)
        features = [name for i, name in enumerate(header) if i != t]
        if not features:
            raise ValueError(f"{path!r} has no feature column besides {target!r}")
        X, y = [], []
        for line, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue  # blank line
            if len(row) != len(header):
                raise ValueError(
                    f"line {line} of {path!r} has {len(row)} cells, "
                    f"the header has {len(header)}"
                )
            values = []
            for i, cell in enumerate(row):
                if i == t:
                    continue
                try:
                    value = float(cell)
                except ValueError:
                    value = math.nan
                if not math.isfinite(value):
                    raise ValueError(
                        f"column {header[i]!r}, line {line} of {path!r}: "
                        f"features must be finite numbers, got {cell!r}"
                    )
                values.append(value)
            label = row[t].strip()
            if not label:
                raise ValueError(
                    f"column {target!r}, line {line} of {path!r}: missing class"
                )
            X.append(values)
            y.append(label)
    if len(y) < 4:
        raise ValueError(f"{path!r} has {len(y)} data rows; at least 4 are needed")
    if len(set(y)) < 2:
        raise ValueError(
            f"column {target!r} of {path!r} holds a single class, {y[0]!r}"
        )
    try:
        numbers = np.array([float(v) for v in y])
        if np.all(numbers == np.round(numbers)):
            y = numbers.astype(int)
    except ValueError:
        pass
    return np.array(X, dtype=float), np.asarray(y), features


def fetch_openml_dataset(name):
    """``X, y`` of an OpenML dataset; :class:`Offline` if it cannot download."""
    from sklearn.datasets import fetch_openml

    try:
        import pandas  # noqa: F401

        parser = "auto"
    except ImportError:  # pandas is not a dependency of gahpo
        parser = "liac-arff"
    try:
        X, y = fetch_openml(
            OPENML[name], version=1, return_X_y=True, as_frame=False, parser=parser
        )
    except (OSError, http.client.HTTPException) as exc:  # URLError, timeouts, DNS, ...
        raise Offline(
            f"could not download {OPENML[name]!r} from OpenML "
            f"({type(exc).__name__}: {exc}). "
            "Check the network connection, or run offline with the embedded digits "
            "dataset (the default) or your own table (--data FILE.csv --target COLUMN)."
        ) from exc
    return np.asarray(X, dtype=np.float32), np.asarray(y)


def load_data(args, parser):
    """``X, y, description`` for the options given."""
    if args.data is not None:
        try:
            X, y, _ = read_csv(args.data, args.target)
        except (ValueError, UnicodeDecodeError, csv.Error) as exc:
            parser.error(f"--data: {exc}")
        name = os.path.basename(args.data)
    elif args.dataset in OPENML:
        X, y = fetch_openml_dataset(args.dataset)
        name = args.dataset
    else:
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
        name = "digits"
    max_samples = args.max_samples
    if max_samples is None and args.dataset in OPENML:
        max_samples = OPENML_DEFAULT_SAMPLES
    if max_samples is not None and max_samples < len(y):
        X, _, y, _ = split(X, y, train_size=max_samples, seed=args.seed)
        name += f" (subset of {max_samples} rows)"
    return X, y, name


def split(X, y, *, seed, **size):
    """Stratified split when every class allows it, plain otherwise."""
    try:
        return train_test_split(X, y, stratify=y, random_state=seed, **size)
    except ValueError:  # a class with a single row
        return train_test_split(X, y, random_state=seed, **size)
