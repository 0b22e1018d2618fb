"""Checks at the public entry points. Each error names the argument and what was expected."""
import math
import numbers
import os

import numpy as np


def check_array(X, argname="X", n_features=None, dtype="float64", ndim=2):
    """Return X as a C-contiguous array of ``dtype``, refusing anything that would fail later.

    Refuses non-numeric data, the wrong number of dimensions, empty arrays, a wrong feature count
    and NaN or inf, each with a message naming ``argname``.
    """
    if X is None:
        raise TypeError(f"{argname}: expected an array of numbers, got None")
    arr = as_array(X, argname)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{argname}: expected real numbers, got an array of dtype {arr.dtype} "
                        f"(e.g. {arr.ravel()[:1].tolist()!r})")
    if arr.ndim != ndim:
        shape_hint = "(N, n_features)" if ndim == 2 else "(N,)"
        raise ValueError(f"{argname}: expected a {ndim}-D array of shape {shape_hint}, got shape {arr.shape}"
                         + (" (use X.reshape(-1, 1) for a single feature, or X.reshape(1, -1) for one sample)"
                            if arr.ndim == 1 and ndim == 2 else ""))
    if arr.shape[0] == 0:
        raise ValueError(f"{argname}: expected at least one sample, got shape {arr.shape}")
    if n_features is not None and arr.shape[1] != n_features:
        raise ValueError(f"{argname}: expected {n_features} features (columns) to match the input layer, "
                         f"got shape {arr.shape}")
    arr = np.ascontiguousarray(arr, dtype=dtype)
    if not all_finite(arr):
        raise ValueError(f"{argname}: contains NaN or infinity; expected finite numbers")
    return arr


def as_array(value, argname):
    """``np.asarray(value)``, with ragged nested lists and the like refused by name."""
    try:
        return np.asarray(value)
    except Exception as exc:  # ragged nested lists, objects NumPy cannot convert
        raise ValueError(f"{argname}: could not be read as an array of numbers ({exc})") from None


def all_finite(arr):
    """True when every entry of arr is finite.

    A sum is NaN or inf when any entry is, so one reduction decides for almost every array; only
    a non-finite sum (which huge finite values can also produce) makes us look at every entry.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.add.reduce(arr, axis=None)
    return bool(np.isfinite(total)) or bool(np.isfinite(arr).all())


def check_labels(y, argname="y"):
    """Integer class labels >= 0 as a 1-D int64 array (whole-number floats are accepted)."""
    y = as_array(y, argname)
    if y.dtype == bool or y.dtype.kind not in "iuf":
        raise TypeError(f"{argname}: expected integer labels, got an array of dtype {y.dtype}")
    if y.ndim != 1:
        raise ValueError(f"{argname}: expected a 1-D array of integer labels, got shape {y.shape} "
                         "(use y.ravel() for a column vector)")
    if y.dtype.kind == "f":
        bad = ~np.isfinite(y) | (y != np.round(y))
        if bad.any():
            raise ValueError(f"{argname}: expected integer labels, got non-integer values "
                             f"such as {y[bad][0].item()!r}")
    y = y.astype(np.int64)
    if y.size and y.min() < 0:
        raise ValueError(f"{argname}: expected labels >= 0, got {y.min()}")
    return y


def is_int(value):
    """True for a Python or NumPy integer that is not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def is_real(value):
    """True for a Python or NumPy real number that is not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def check_int(value, argname, minimum=1, maximum=None):
    """An integer in [minimum, maximum] (bools refused): TypeError for a non-integer."""
    if not is_int(value):
        raise TypeError(f"{argname}: expected an integer, got {value!r}")
    if value < minimum or (maximum is not None and value > maximum):
        bound = f">= {minimum}" if maximum is None else f"in {minimum}..{maximum}"
        raise ValueError(f"{argname}: expected an integer {bound}, got {value!r}")
    return int(value)


def _interval(low, high, low_open, high_open):
    lo = "(-inf" if low is None else ("(" if low_open else "[") + f"{low:g}"
    hi = "inf)" if high is None else f"{high:g}" + (")" if high_open else "]")
    return f"{lo}, {hi}"


def check_real(value, argname, low=None, high=None, low_open=False, high_open=False):
    """A finite real number in the interval from ``low`` to ``high`` (None: unbounded; an open
    end excludes the bound). Returns a float; TypeError for a non-number, ValueError otherwise.

    >>> check_real(0.5, "dropout", 0, 1, high_open=True)
    0.5
    """
    where = _interval(low, high, low_open, high_open)
    if not is_real(value):
        raise TypeError(f"{argname}: expected a number in {where}, got {value!r}")
    value = float(value)
    if not (math.isfinite(value)
            and (low is None or (value > low if low_open else value >= low))
            and (high is None or (value < high if high_open else value <= high))):
        raise ValueError(f"{argname}: expected a number in {where}, got {value!r}")
    return value


def check_positive(value, argname):
    """A finite real number > 0."""
    return check_real(value, argname, low=0, low_open=True)


def check_bool(value, argname):
    """True or False (NumPy bools too): TypeError for anything else."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{argname}: expected True or False, got {value!r}")
    return bool(value)


def check_choice(value, argname, choices):
    """One of ``choices`` (strings): TypeError for a non-string, ValueError for another string."""
    listed = ", ".join(map(repr, choices))
    if not isinstance(value, str):
        raise TypeError(f"{argname}: expected one of {listed}, got {value!r}")
    if value not in choices:
        raise ValueError(f"{argname}: expected one of {listed}, got {value!r}")
    return value


def check_dtype(dtype, argname="dtype"):
    """float32 or float64, as a numpy dtype: TypeError for what is not a dtype, ValueError for another."""
    try:
        dtype = np.dtype(dtype)
    except (TypeError, ValueError):  # not a dtype at all, or a malformed structured one
        raise TypeError(f"{argname}: expected 'float32' or 'float64', got {dtype!r}") from None
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"{argname}: expected 'float32' or 'float64', got {dtype!r}")
    return dtype


def check_consistent_length(X, Y, xname="X", yname="Y"):
    if X.shape[0] != Y.shape[0]:
        raise ValueError(f"{xname}, {yname}: expected the same number of rows, "
                         f"got {X.shape[0]} and {Y.shape[0]}")


def check_seed(seed, argname="seed"):
    """A seed for ``np.random.default_rng``: an integer >= 0 (bools refused)."""
    return check_int(seed, argname, minimum=0)


def check_model(model, argname="model", methods=("parameters", "gradients")):
    """An ffnn.FFNN, or any object with ``layers`` and the named ``methods``.

    Modules that ffnn.network imports lazily (plot, saving) cannot name the class without
    importing network back, so they ask for what they use.
    """
    if not (hasattr(model, "layers") and all(callable(getattr(model, m, None)) for m in methods)):
        calls = [f"{m}()" for m in methods]
        wanted = ", ".join(["layers", *calls[:-1]]) + f" and {calls[-1]}"
        raise TypeError(f"{argname}: expected an ffnn.FFNN (an object with {wanted}), got {type(model).__name__}")
    return model


def check_path(path, argname="path"):
    """A file name: a str or an os.PathLike such as pathlib.Path."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{argname}: expected a file name (str or pathlib.Path), got {type(path).__name__}")
    if not os.fspath(path):
        raise ValueError(f"{argname}: expected a file name, got an empty string")
    return path
