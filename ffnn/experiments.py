"""Experiments: train one network per configuration of a grid and compare them in one table.

Introduced in the Experiments chapter.

    data = load_data("mnist")                                   # train / validation / test
    results = sweep({"hidden": [128, 64], "epochs": 5},          # what every run shares
                    {"learning_rate": [0.01, 0.1, 1.0]},         # what varies
                    data, seeds=(0, 1))
    results                  # a table: one row per configuration, mean ± std over the seeds
    results.plot_curves()    # training and validation loss per epoch, one colour per configuration

A configuration is a dict of :class:`ffnn.FFNN` and :meth:`ffnn.FFNN.fit` arguments (see
:data:`KEYS`), plus three shorthands: ``hidden`` (the hidden widths; ``layer_sizes`` becomes
``[n_in, *hidden, n_out]``), ``activation`` (every hidden layer's activation) and ``output`` (the
output layer's). Each run is trained on the training set, watched on the validation set, and
scored once on the test set. Runs are independent, so :func:`sweep` hands them to ``joblib``: on
one machine they run in worker processes (loky), and a Dask or Ray cluster runs them after
``with joblib.parallel_backend("dask"): ...``.

:func:`compare_with_sklearn` trains the same configuration with scikit-learn's ``MLPClassifier``
(:func:`to_sklearn_params` translates it), and :class:`SweepExplorer` is the widget that shows
one configuration's curves at a time.
"""
import copy
import html
import itertools
import math
import numbers
import time
from collections import namedtuple

import numpy as np

from .history import History
from .network import FFNN, DivergenceError

__all__ = ["Split", "load_data", "sweep", "Results", "Table", "SweepExplorer", "KEYS", "DEFAULTS",
           "to_sklearn_params", "compare_with_sklearn", "Comparison", "confusion_matrix"]

MODEL_KEYS = ("layer_sizes", "activations", "loss", "init", "regularization", "rmsnorm", "dtype", "eps")
FIT_KEYS = ("batch_size", "learning_rate", "epochs", "optimizer", "patience", "shuffle", "restore_best")
SHORTHANDS = ("hidden", "activation", "output")
KEYS = SHORTHANDS + MODEL_KEYS + FIT_KEYS
#: What a run uses for every key the base configuration and the grid leave out.
DEFAULTS = {"hidden": [128, 64], "activation": "relu", "loss": "categorical_crossentropy",
            "init": "he_normal", "regularization": None, "rmsnorm": False, "dtype": "float32",
            "batch_size": 128, "learning_rate": 0.1, "epochs": 5, "optimizer": "sgd"}
# A key given at one level replaces these keys from the levels below it (defaults < base < grid).
_REPLACES = {"hidden": ("layer_sizes",), "layer_sizes": ("hidden",),
             "activations": ("activation", "output"), "activation": ("activations",),
             "output": ("activations",)}
_OUTPUT_FOR_LOSS = {"categorical_crossentropy": "softmax", "binary_crossentropy": "sigmoid", "mse": "linear"}
METRICS = ("epochs", "train_loss", "val_loss", "val_accuracy", "test_loss", "test_accuracy", "train_time")

Split = namedtuple("Split", "X_train y_train X_val y_val X_test y_test")
Split.__doc__ = "Training, validation and test arrays: X (N, n_in) float32, y (N,) int labels."


def load_data(name="mnist", n_val=None, n_train=None, seed=0):
    """Load a dataset and hold out a validation set from its training set.

    ``name`` is ``"mnist"`` (:func:`ffnn.datasets.load_mnist`, 60 000 / 10 000) or ``"digits"``
    (:func:`ffnn.datasets.load_digits`, 1 347 / 450). The training rows are shuffled with
    ``seed`` and the last ``n_val`` of them become the validation set (default: one sixth, i.e.
    10 000 for MNIST). ``n_train`` keeps only the first ``n_train`` of the remaining rows, for
    quick runs. The test set is untouched. Returns a :class:`Split`.
    """
    from . import datasets
    loaders = {"mnist": datasets.load_mnist, "digits": datasets.load_digits}
    if name not in loaders:
        raise ValueError(f"name: expected one of {', '.join(loaders)}, got {name!r}")
    X, y, X_test, y_test = loaders[name]()
    n_val = len(X) // 6 if n_val is None else n_val
    if isinstance(n_val, bool) or not isinstance(n_val, numbers.Integral) or not 0 < n_val < len(X):
        raise ValueError(f"n_val: expected an integer in 1..{len(X) - 1}, got {n_val!r}")
    order = np.random.default_rng(seed).permutation(len(X))
    train, val = order[:len(X) - n_val], order[len(X) - n_val:]
    if n_train is not None:
        if isinstance(n_train, bool) or not isinstance(n_train, numbers.Integral) or n_train < 1:
            raise ValueError(f"n_train: expected a positive integer, got {n_train!r}")
        train = train[:n_train]
    return Split(X[train], y[train], X[val], y[val], X_test, y_test)


# ---------------------------------------------------------------------------- configurations
def _check_keys(config, where):
    if not isinstance(config, dict):
        raise TypeError(f"{where}: expected a dict of configuration values, got {type(config).__name__}")
    for key in config:
        if key == "seed":
            raise ValueError(f"{where}: key 'seed' is set by sweep(..., seeds=[...]), not by the configuration")
        if key not in KEYS:
            raise ValueError(f"{where}: unknown key {key!r}; expected one of {', '.join(KEYS)}")


def _merge(*levels):
    """Later levels win; a key also removes the keys it replaces from the levels before it."""
    out = {}
    for level in levels:
        for key in level:
            for other in _REPLACES.get(key, ()):
                out.pop(other, None)
        out.update(level)
    return out


def _expand(grid):
    """The list of grid points (dicts) and the keys that vary, in order of first appearance."""
    if grid is None:
        return [{}], []
    if isinstance(grid, dict):
        _check_keys(grid, "grid")
        for key, values in grid.items():
            if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
                raise TypeError(f"grid[{key!r}]: expected a list of values, got {values!r}")
            if len(list(values)) == 0:
                raise ValueError(f"grid[{key!r}]: expected at least one value, got an empty list")
        keys = list(grid)
        return [dict(zip(keys, combo)) for combo in itertools.product(*(list(grid[k]) for k in keys))], keys
    if isinstance(grid, (list, tuple)):
        if not grid:
            raise ValueError("grid: expected at least one configuration, got an empty list")
        keys = []
        for i, point in enumerate(grid):
            _check_keys(point, f"grid[{i}]")
            keys += [k for k in point if k not in keys]
        return [dict(p) for p in grid], keys
    raise TypeError(f"grid: expected a dict of lists or a list of dicts, got {type(grid).__name__}")


def _n_outputs(loss, ys):
    if loss == "categorical_crossentropy" and all(np.ndim(y) == 1 for y in ys):
        return int(max(np.max(y) for y in ys)) + 1
    return 1 if np.ndim(ys[0]) == 1 else int(np.shape(ys[0])[1])


def _model_and_fit_kwargs(config, n_in, n_out):
    """Split a merged configuration into FFNN(...) and fit(...) keyword arguments."""
    config = copy.deepcopy(config)  # optimiser and initialiser objects must not be shared by runs
    loss = config.get("loss", DEFAULTS["loss"])
    model = {k: config[k] for k in MODEL_KEYS if k in config}
    if "layer_sizes" not in model:
        hidden = config.get("hidden", [])
        hidden = [hidden] if isinstance(hidden, numbers.Integral) else list(hidden)
        model["layer_sizes"] = [n_in, *hidden, n_out]
    if "activations" not in model:
        n_hidden = len(model["layer_sizes"]) - 2
        output = config.get("output", _OUTPUT_FOR_LOSS.get(loss, "linear"))
        model["activations"] = [config.get("activation", "relu")] * n_hidden + [output]
    return model, {k: config[k] for k in FIT_KEYS if k in config}


# ---------------------------------------------------------------------------- one run
def _run(model_kwargs, fit_kwargs, seed, data, keep_model, measure):
    """Train one model; return its table row, its history and (optionally) the model."""
    X_train, y_train, X_val, y_val, X_test, y_test = data
    model = FFNN(**model_kwargs, seed=seed)
    validation = None if X_val is None else (X_val, y_val)
    status = "ok"
    start = time.perf_counter()
    try:
        model.fit(X_train, y_train, validation_data=validation, verbose=0, **fit_kwargs)
    except DivergenceError:
        status = "diverged"
    train_time = time.perf_counter() - start
    h = model.history
    row = {"seed": seed, "status": status, "epochs": h.epochs,
           "train_loss": h["loss"][-1] if h.epochs else math.nan,
           "val_loss": h.get("val_loss", [math.nan])[-1] if h.epochs else math.nan,
           "val_accuracy": h.get("val_accuracy", [math.nan])[-1] if h.epochs else math.nan,
           "test_loss": math.nan, "test_accuracy": math.nan, "train_time": train_time}
    if status == "ok":
        with np.errstate(over="ignore", invalid="ignore"):
            scores = model.evaluate(X_test, y_test)
        # The test loss is the data loss alone, so runs with and without a penalty compare.
        row["test_loss"] = scores["loss"] - model.penalty()
        row["test_accuracy"] = scores.get("accuracy", math.nan)
    row["penalty"] = model.penalty() if status == "ok" else math.nan
    if measure is not None:
        row.update(measure(model))
    return row, h, (model if keep_model else None)


def _parallel_map(func, tasks, n_jobs):
    """[func(*t) for t in tasks], in joblib workers when n_jobs != 1 and joblib is installed."""
    if n_jobs != 1:
        try:
            import joblib
        except ImportError:  # joblib is optional: fall back to one process
            n_jobs = 1
    if n_jobs == 1 or len(tasks) == 1:
        with _one_blas_thread():
            return [func(*t) for t in tasks]
    return joblib.Parallel(n_jobs=n_jobs)(joblib.delayed(func)(*t) for t in tasks)


def _one_blas_thread():
    """Run in-process work with one BLAS thread, as joblib's workers do.

    The matrices of a mini-batch are small, so a second BLAS thread gains little, and on a busy
    machine OpenBLAS threads that wait for a core make an epoch many times slower. One thread
    also makes a run's numbers independent of n_jobs.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # threadpoolctl comes with scikit-learn; without it, leave BLAS alone
        import contextlib
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def sweep(base=None, grid=None, data=None, seeds=(0,), n_jobs=-1, keep_models=True, measure=None):
    """Train one network per (grid point, seed) and collect the outcomes in a :class:`Results`.

    Parameters
    ----------
    base : dict
        What every run shares, e.g. ``{"hidden": [128, 64], "epochs": 5}``; keys from
        :data:`KEYS`, and :data:`DEFAULTS` fills in the rest.
    grid : dict of lists, or list of dicts
        ``{"learning_rate": [0.01, 0.1]}`` runs every combination of the lists (a Cartesian
        product); ``[{"hidden": [64]}, {"hidden": [32, 32]}]`` runs exactly those points. A grid
        value overrides the base value, and ``hidden``/``layer_sizes`` (and ``activation``,
        ``output``/``activations``) replace each other.
    data : Split or tuple
        ``(X_train, y_train, X_val, y_val, X_test, y_test)`` (see :func:`load_data`), or
        ``(X_train, y_train, X_test, y_test)`` for no validation set.
    seeds : list of int
        Every grid point is trained once per seed (the model's ``seed``: its initial weights and
        the order of its mini-batches).
    n_jobs : int
        Worker processes for ``joblib.Parallel`` (-1: one per core; 1: no workers, no joblib).
        The active joblib backend is used, so ``with joblib.parallel_backend("dask"):`` sends the
        runs to a Dask cluster.
    keep_models : bool
        Keep the trained models in ``results.models`` (for weight plots); False saves memory.
    measure : callable, optional
        ``measure(model) -> dict`` of extra columns computed from each trained model.

    The result does not depend on ``n_jobs``: a run depends only on its configuration and seed.
    """
    base = {} if base is None else base
    _check_keys(base, "base")
    points, grid_keys = _expand(grid)
    if data is None or not isinstance(data, (tuple, list)) or len(data) not in (4, 6):
        raise TypeError("data: expected (X_train, y_train, X_val, y_val, X_test, y_test) or "
                        "(X_train, y_train, X_test, y_test), e.g. from ffnn.experiments.load_data()")
    data = tuple(data) if len(data) == 6 else (data[0], data[1], None, None, data[2], data[3])
    if isinstance(seeds, numbers.Integral):
        seeds = [seeds]
    seeds = list(seeds)
    if not seeds or any(isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 0 for s in seeds):
        raise ValueError(f"seeds: expected a non-empty list of non-negative integers, got {seeds!r}")
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral) or n_jobs == 0:
        raise ValueError(f"n_jobs: expected a non-zero integer (-1 for all cores), got {n_jobs!r}")
    if measure is not None and not callable(measure):
        raise TypeError(f"measure: expected a function model -> dict, got {measure!r}")

    n_in = int(np.shape(data[0])[1])
    configs, tasks = [], []
    for point in points:
        config = _merge(DEFAULTS, base, point)
        loss = config.get("loss", DEFAULTS["loss"])
        ys = [y for y in (data[1], data[3], data[5]) if y is not None]
        model_kwargs, fit_kwargs = _model_and_fit_kwargs(config, n_in, _n_outputs(loss, ys))
        # Build one model now, so a bad value fails here with FFNN's message, not in a worker.
        FFNN(**model_kwargs)
        for seed in seeds:
            configs.append({**config, "seed": seed})
            tasks.append((model_kwargs, fit_kwargs, seed, data, keep_models, measure))
    outcomes = _parallel_map(_run, tasks, n_jobs)
    fixed = {k: v for k, v in _merge(DEFAULTS, base).items() if k not in grid_keys
             and not any(o in grid_keys for o in _REPLACES.get(k, ()))}
    return Results(configs, [o[0] for o in outcomes], [o[1] for o in outcomes],
                   [o[2] for o in outcomes], grid_keys, fixed, tasks_kwargs=[t[:2] for t in tasks])


# ---------------------------------------------------------------------------- tables
def format_value(key, value):
    """How a configuration value is written in tables and legends."""
    if value is None:
        return "none"
    if key in ("hidden", "layer_sizes") and isinstance(value, (list, tuple)):
        return "-".join(str(v) for v in value) if value else "(none)"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(format_value(None, v) for v in value) + "]"
    return value if isinstance(value, str) else repr(value)


def _format_metric(column, value, std=None):
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if not isinstance(value, numbers.Real):
        return format_value(column, value)
    if column.endswith("accuracy"):
        body, unit, value, std = "{:.2f}", " %", 100 * value, None if std is None else 100 * std
    elif column.endswith("time"):
        body, unit = "{:.2f}", " s"
    elif isinstance(value, numbers.Integral):
        body, unit = "{}", ""
    else:
        body, unit = "{:.4f}", ""
    if std is None or std == 0 and isinstance(value, numbers.Integral):
        return body.format(value) + unit
    return body.format(value) + " ± " + body.format(std) + unit


class Table:
    """A small tidy table: ``rows`` (list of dicts) shown in the order of ``columns``.

    ``table["test_accuracy"]`` is one column as a list. Numbers are formatted by column name
    (accuracies in %, times in s); a ``(mean, std)`` pair is shown as ``mean ± std``.
    """

    def __init__(self, rows, columns, caption="", config_columns=()):
        self.rows, self.columns, self.caption = list(rows), list(columns), caption
        self.config_columns = set(config_columns)

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, column):
        if column not in self.columns and not any(column in r for r in self.rows):
            raise KeyError(f"column: {column!r} is not in the table; columns: {', '.join(self.columns)}")
        return [_mean_of(r.get(column)) for r in self.rows]

    def _cells(self):
        return [[format_value(c, r.get(c)) if c in self.config_columns else _format_metric(c, *_pair(r.get(c)))
                 for c in self.columns] for r in self.rows]

    def __repr__(self):
        cells = [self.columns] + self._cells()
        widths = [max(len(row[i]) for row in cells) for i in range(len(self.columns))]
        lines = ["  ".join(v.ljust(w) if i < 1 else v.rjust(w) for i, (v, w) in enumerate(zip(row, widths)))
                 for row in cells]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return (self.caption + "\n" if self.caption else "") + "\n".join(lines)

    def to_markdown(self):
        """The table as a GitHub/MyST pipe table."""
        out = ["| " + " | ".join(self.columns) + " |",
               "|" + "|".join(":---" if i == 0 else "---:" for i in range(len(self.columns))) + "|"]
        out += ["| " + " | ".join(row) + " |" for row in self._cells()]
        return "\n".join(out)

    def _repr_html_(self):
        # Configuration columns read left to right; numbers line up on the right.
        align = ["left" if c in self.config_columns or i == 0 else "right" for i, c in enumerate(self.columns)]
        cell = 'style="text-align:{}; white-space:nowrap; padding:2px 8px"'
        head = "".join(f"<th {cell.format(a)}>{html.escape(c)}</th>" for c, a in zip(self.columns, align))
        body = "".join("<tr>" + "".join(f"<td {cell.format(a)}>{html.escape(v)}</td>"
                                        for v, a in zip(row, align)) + "</tr>" for row in self._cells())
        caption = (f'<caption style="caption-side:bottom; text-align:left; font-size:smaller">'
                   f"{html.escape(self.caption)}</caption>" if self.caption else "")
        return (f'<table class="ffnn-table" style="font-size:0.85em">{caption}<thead><tr>{head}</tr></thead>'
                f"<tbody>{body}</tbody></table>")

    def to_pandas(self):
        """A pandas DataFrame of the rows (needs pandas; means only, for (mean, std) cells)."""
        import pandas as pd
        return pd.DataFrame([{c: _mean_of(r.get(c)) for c in self.columns} for r in self.rows])


def _pair(v):
    return v if isinstance(v, tuple) else (v,)


def _mean_of(v):
    return v[0] if isinstance(v, tuple) else v


def _mean_std(values):
    values = [float(v) for v in values]
    if len(values) == 1:
        return values[0], None
    return float(np.mean(values)), float(np.std(values, ddof=1))


# ---------------------------------------------------------------------------- results
class Results:
    """What :func:`sweep` returns: one row, history and (optionally) model per run.

    A *run* is one (configuration, seed) pair; runs of the same configuration share a *label*
    such as ``"learning_rate=0.1"``. Attributes, one entry per run, in grid order with the seeds
    innermost:

    - ``rows``: dicts with the grid values, ``seed``, ``status`` ("ok" or "diverged"),
      ``epochs``, ``train_loss``, ``val_loss``, ``val_accuracy`` (the last epoch's, from the
      history, so with the penalty when regularised), ``test_loss`` (data loss only),
      ``test_accuracy``, ``train_time`` (seconds in ``fit``), ``penalty`` and any ``measure``
      columns;
    - ``histories``: the :class:`ffnn.History` of each run; ``models``: the trained models (or
      None); ``configs``: the full configuration of each run, defaults included.

    Shown in a notebook it is :meth:`summary`: one row per configuration, ``mean ± std`` over
    the seeds when there are several.
    """

    def __init__(self, configs, rows, histories, models, grid_keys, fixed, tasks_kwargs=None):
        self.configs, self.histories, self.models = configs, histories, models
        self.grid_keys, self.fixed = list(grid_keys), fixed
        self._kwargs = tasks_kwargs
        self.rows = [{**{k: c.get(k) for k in self.grid_keys}, **r} for c, r in zip(configs, rows)]
        labels = [", ".join(f"{k}={format_value(k, c.get(k))}" for k in self.grid_keys) or "base"
                  for c in configs]
        # Two grid points that print alike still need their own label.
        seen, self.run_labels = {}, []
        for label, c in zip(labels, configs):
            key = (label, c["seed"])
            seen[key] = seen.get(key, 0) + 1
            self.run_labels.append(label if seen[key] == 1 else f"{label} #{seen[key]}")
        self.labels = list(dict.fromkeys(self.run_labels))

    @property
    def seeds(self):
        return sorted({c["seed"] for c in self.configs})

    def __len__(self):
        return len(self.rows)

    def _columns(self):
        extra = [k for k in self.rows[0] if k not in self.grid_keys and k not in METRICS
                 and k not in ("seed", "status", "penalty")] if self.rows else []
        penalty = ["penalty"] if any(r.get("penalty", 0) for r in self.rows) else []
        status = ["status"] if any(r["status"] != "ok" for r in self.rows) else []
        return list(METRICS) + penalty + extra, status

    def _caption(self):
        fixed = ", ".join(f"{k}={format_value(k, v)}" for k, v in self.fixed.items())
        seeds = ", ".join(map(str, self.seeds))
        return (f"{len(self.labels)} configurations × {len(self.seeds)} seed(s) ({seeds}); "
                f"fixed: {fixed}")

    @property
    def table(self):
        """A :class:`Table` with one row per run."""
        metrics, status = self._columns()
        seed = ["seed"] if len(self.seeds) > 1 else []
        return Table(self.rows, self.grid_keys + seed + status + metrics, self._caption(), self.grid_keys)

    def _indices(self, label):
        idx = [i for i, lab in enumerate(self.run_labels) if lab == label]
        if not idx:
            raise KeyError(f"label: {label!r} is not a configuration of this sweep; labels: "
                           + "; ".join(self.labels))
        return idx

    def summary(self):
        """A :class:`Table` with one row per configuration: ``(mean, std)`` over the seeds."""
        metrics, status = self._columns()
        rows = []
        for label in self.labels:
            group = [self.rows[i] for i in self._indices(label)]
            row = {k: group[0][k] for k in self.grid_keys}
            row["runs"] = len(group)
            bad = sum(r["status"] != "ok" for r in group)
            row["status"] = "ok" if not bad else f"diverged {bad}/{len(group)}"
            for m in metrics:
                values = [r[m] for r in group if not (isinstance(r[m], float) and math.isnan(r[m]))]
                if not values:
                    row[m] = math.nan
                elif all(v == values[0] for v in values) and not isinstance(values[0], float):
                    row[m] = values[0]  # the same count, label, ... for every seed
                elif not all(isinstance(v, numbers.Real) for v in values):
                    row[m] = "varies"
                else:
                    row[m] = _mean_std(values) if len(values) > 1 else float(values[0])
            rows.append(row)
        runs = ["runs"] if len(self.seeds) > 1 else []
        return Table(rows, self.grid_keys + runs + status + metrics, self._caption(), self.grid_keys)

    def metric(self, name):
        """``{label: value}`` of one column, averaged over the seeds (NaN for diverged runs)."""
        out = {}
        for label in self.labels:
            values = [self.rows[i][name] for i in self._indices(label)]
            out[label] = float(np.mean(values))
        return out

    def history(self, label):
        """The per-epoch mean of the histories of ``label``'s runs (over seeds), as a History."""
        hs = [self.histories[i] for i in self._indices(label)]
        n = min(h.epochs for h in hs)
        mean = History()
        for key in hs[0]:
            for e in range(n):
                mean.setdefault(key, []).append(float(np.mean([h[key][e] for h in hs])))
        return mean

    def model(self, label, seed=None):
        """The trained model of ``label`` (the first seed's, unless ``seed`` is given)."""
        idx = [i for i in self._indices(label) if seed is None or self.configs[i]["seed"] == seed]
        if not idx:
            raise KeyError(f"seed: {label!r} was not run with seed {seed!r}; seeds: {self.seeds}")
        if self.models[idx[0]] is None:
            raise ValueError("model: the sweep ran with keep_models=False; use new_model() for an untrained one")
        return self.models[idx[0]]

    def new_model(self, label, seed=None):
        """A fresh, untrained model built exactly like ``label``'s run (same seed: same initial W)."""
        idx = [i for i in self._indices(label) if seed is None or self.configs[i]["seed"] == seed]
        if not idx:
            raise KeyError(f"seed: {label!r} was not run with seed {seed!r}; seeds: {self.seeds}")
        model_kwargs, _ = self._kwargs[idx[0]]
        return FFNN(**copy.deepcopy(model_kwargs), seed=self.configs[idx[0]]["seed"])

    def plot_curves(self, labels=None, **kwargs):
        """Loss (and accuracy) per epoch of every configuration: :func:`ffnn.plot.history`.

        With several seeds each curve is the mean over the seeds.
        """
        from . import plot
        if labels is None:
            # A configuration that diverged in its first epoch has no curve to draw.
            labels = [label for label in self.labels if self.history(label).epochs] or self.labels
        return plot.history({label: self.history(label) for label in labels}, **kwargs)

    def __repr__(self):
        return repr(self.summary())

    def _repr_html_(self):
        return self.summary()._repr_html_()

    def to_markdown(self):
        return self.summary().to_markdown()

    def to_pandas(self):
        """One row per run as a pandas DataFrame (needs pandas)."""
        import pandas as pd
        return pd.DataFrame(self.rows)


# ---------------------------------------------------------------------------- widget
class SweepExplorer:
    """Pick one configuration of a sweep and see its curves against the others'.

    Left panel: training loss (solid) and validation loss (dashed) of the chosen configuration,
    over every configuration's validation loss in grey. Right panel: its training and
    validation accuracy, the same way. With several seeds each curve is the mean over the seeds
    (:meth:`Results.history`). Drive it with :meth:`show`; :meth:`widget` adds a dropdown.

    Introduced in the Experiments chapter.
    """

    def __init__(self, results, selected=0):
        if not isinstance(results, Results):
            raise TypeError(f"results: expected the Results of ffnn.experiments.sweep, got {type(results).__name__}")
        self.results = results
        self.labels = list(results.labels)
        self.histories = {label: results.history(label) for label in self.labels}
        self.summary = {label: row for label, row in zip(self.labels, results.summary().rows)}
        self._out = self._dropdown = None
        self._build_figure()
        self.show(selected)

    def _build_figure(self):
        from matplotlib.figure import Figure
        self.figure = Figure(figsize=(8.0, 3.3), layout="constrained")
        self.loss_ax, self.acc_ax = self.figure.subplots(1, 2)
        has_acc = any("accuracy" in h for h in self.histories.values())
        for label, h in self.histories.items():
            x = np.arange(1, h.epochs + 1)
            self.loss_ax.plot(x, h.get("val_loss", h.get("loss", [])), color="0.8", lw=1)
            if has_acc:
                self.acc_ax.plot(x, h.get("val_accuracy", h.get("accuracy", [])), color="0.8", lw=1)
        lines = {}
        for ax, metric in ((self.loss_ax, "loss"), (self.acc_ax, "accuracy")):
            lines[metric] = ax.plot([], [], color="tab:blue", lw=2, label="training")[0]
            lines["val_" + metric] = ax.plot([], [], color="tab:orange", lw=2, ls="--", label="validation")[0]
            ax.set_xlabel("epoch")
        self.lines = lines
        losses = [v for h in self.histories.values() for k in ("loss", "val_loss") for v in h.get(k, [])]
        if losses and min(losses) > 0 and max(losses) / min(losses) > 10:
            self.loss_ax.set_yscale("log")
        self.loss_ax.set_ylabel("loss")
        self.acc_ax.set_ylabel("accuracy")
        self.loss_ax.legend(loc="upper right", fontsize="small")
        if not has_acc:
            self.acc_ax.set_visible(False)

    @property
    def selected(self):
        """The label of the configuration being shown."""
        return self._selected

    def show(self, which):
        """Show configuration ``which`` (its label, or its index in :attr:`labels`); return the Figure."""
        if isinstance(which, numbers.Integral) and not isinstance(which, bool):
            if not -len(self.labels) <= which < len(self.labels):
                raise ValueError(f"which: index {which} is out of range for {len(self.labels)} configurations")
            which = self.labels[which]
        if which not in self.histories:
            raise ValueError(f"which: {which!r} is not a configuration of this sweep; expected an index or "
                             f"one of: {'; '.join(self.labels)}")
        self._selected = which
        h = self.histories[which]
        x = np.arange(1, h.epochs + 1)
        for key, line in self.lines.items():
            values = h.get(key)
            line.set_data((x, values) if values is not None else ([], []))
        for ax in (self.loss_ax, self.acc_ax):
            ax.relim()
            ax.autoscale_view()
        acc = _format_metric("test_accuracy", *_pair(self.summary[which].get("test_accuracy")))
        self.figure.suptitle(f"{which}   (test accuracy {acc})", fontsize="medium")
        if self._dropdown is not None and self._dropdown.value != which:
            self._dropdown.value = which
        if self._out is not None:
            from .widgets import _png_output
            self._out.outputs = (_png_output(self.figure),)
        return self.figure

    def widget(self):
        """An ipywidgets dropdown of the configurations above the figure; choosing one calls :meth:`show`."""
        from .widgets import _import_ipywidgets
        widgets = _import_ipywidgets()
        self._dropdown = widgets.Dropdown(options=self.labels, value=self.selected, description="run",
                                          layout=widgets.Layout(width="auto"))
        self._out = widgets.Output()
        self._dropdown.observe(lambda change: self.show(change["new"]), names="value")
        self.show(self.selected)
        return widgets.VBox([self._dropdown, self._out])


# The comparison with scikit-learn lives in ffnn.comparison; it is offered here too, so that
# every experiment of the chapter is one call into ffnn.experiments. Imported on first use
# (ffnn.comparison itself imports this module).
_COMPARISON = ("to_sklearn_params", "compare_with_sklearn", "Comparison", "confusion_matrix")


def __getattr__(name):
    if name in _COMPARISON:
        from . import comparison
        return getattr(comparison, name)
    raise AttributeError(f"module 'ffnn.experiments' has no attribute {name!r}")
