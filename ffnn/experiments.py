"""Experiments: train one network per configuration of a grid and compare them in one table.

Introduced in the Experiments chapter.

    data = load_data("mnist")                                   # train / validation / test
    results = sweep({"hidden": [128, 64], "epochs": 5},          # what every run shares
                    {"learning_rate": [0.01, 0.1, 1.0]},         # what varies
                    data, seeds=(0, 1))
    results                  # a table: one row per configuration, mean ± std over the seeds
    results.plot_curves()    # training and validation loss per epoch, one colour per configuration

A configuration is a dict of model and ``fit`` settings (:mod:`ffnn.config`). Each run is trained
on the training set, watched on the validation set, and scored once on the test set. Runs are
independent, so :func:`sweep` hands them to ``joblib``: on one machine they run in worker
processes (loky), and a Dask or Ray cluster runs them after
``with joblib.parallel_backend("dask"): ...``.

A :class:`Results` shows itself as a :class:`ffnn.table.Table`; :class:`ffnn.widgets.SweepExplorer`
shows one configuration's curves at a time, and :mod:`ffnn.comparison` trains a configuration in
ffnn and in scikit-learn side by side.
"""
import copy
import itertools
import math
import time
from collections import namedtuple

import numpy as np

from ._validation import check_bool, check_choice, check_int, is_int, is_real
from .config import REPLACES, check_keys, check_seeds, model_and_fit_kwargs, n_outputs, resolve
from .history import History
from .network import FFNN, DivergenceError
from .table import Table, format_value, mean_std

__all__ = ["Split", "load_data", "sweep", "Results", "mean_history", "parallel_map"]

METRICS = ("epochs", "train_loss", "val_loss", "val_accuracy", "test_loss", "test_accuracy", "train_time")

Split = namedtuple("Split", "X_train y_train X_val y_val X_test y_test")
Split.__doc__ = "Training, validation and test arrays: X (N, n_in) float32, y (N,) int labels."


def load_data(name="mnist", n_val=None, n_train=None, seed=0):
    """Load a dataset and hold out a validation set from its training set.

    ``name`` is ``"mnist"`` (:func:`ffnn.datasets.load_mnist`, 60 000 / 10 000),
    ``"fashion-mnist"`` (:func:`ffnn.datasets.load_fashion_mnist`, 60 000 / 10 000) or ``"digits"``
    (:func:`ffnn.datasets.load_digits`, 1 347 / 450). The training rows are shuffled with
    ``seed`` and the last ``n_val`` of them become the validation set (default: one sixth, i.e.
    10 000 for MNIST). ``n_train`` keeps only the first ``n_train`` of the remaining rows, for
    quick runs. The test set is untouched. Returns a :class:`Split`.
    """
    from . import datasets
    loaders = {"mnist": datasets.load_mnist, "fashion-mnist": datasets.load_fashion_mnist,
               "digits": datasets.load_digits}
    check_choice(name, "name", tuple(loaders))
    seed = check_int(seed, "seed", minimum=0)
    if n_train is not None:
        n_train = check_int(n_train, "n_train")
    X, y, X_test, y_test = loaders[name]()
    n_val = check_int(len(X) // 6 if n_val is None else n_val, "n_val", minimum=1, maximum=len(X) - 1)
    order = np.random.default_rng(seed).permutation(len(X))
    train, val = order[:len(X) - n_val], order[len(X) - n_val:]
    if n_train is not None:
        train = train[:n_train]
    return Split(X[train], y[train], X[val], y[val], X_test, y_test)


# ---------------------------------------------------------------------------- grids
def _expand(grid):
    """The list of grid points (dicts) and the keys that vary, in order of first appearance."""
    if grid is None:
        return [{}], []
    if isinstance(grid, dict):
        check_keys(grid, "grid")
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
            check_keys(point, f"grid[{i}]")
            keys += [k for k in point if k not in keys]
        return [dict(p) for p in grid], keys
    raise TypeError(f"grid: expected a dict of lists or a list of dicts, got {type(grid).__name__}")


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
           "val_data_loss": h.get("val_data_loss", [math.nan])[-1] if h.epochs else math.nan,
           "val_accuracy": h.get("val_accuracy", [math.nan])[-1] if h.epochs else math.nan,
           "test_loss": math.nan, "test_accuracy": math.nan, "train_time": train_time}
    if status == "ok":
        with np.errstate(over="ignore", invalid="ignore"):
            scores = model.evaluate(X_test, y_test)
        # The test loss is the data loss alone, so runs with and without a penalty compare.
        row["test_loss"] = scores["data_loss"]
        row["test_accuracy"] = scores.get("accuracy", math.nan)
    row["penalty"] = model.penalty() if status == "ok" else math.nan
    if measure is not None:
        row.update(measure(model))
    return row, h, (model if keep_model else None)


def parallel_map(func, tasks, n_jobs):
    """``[func(*t) for t in tasks]``, in joblib workers when n_jobs != 1 and joblib is installed.

    ``n_jobs`` as for ``joblib.Parallel``: -1 is one worker per core, 1 is no workers.
    """
    if not is_int(n_jobs):
        raise TypeError(f"n_jobs: expected a non-zero integer (-1 for all cores), got {n_jobs!r}")
    if n_jobs == 0:
        raise ValueError("n_jobs: expected a non-zero integer (-1 for all cores), got 0")
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
        :data:`ffnn.config.KEYS`, and :data:`ffnn.config.DEFAULTS` fills in the rest.
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

    A configuration that names the output activation but no loss trains with the loss made for
    it (:func:`ffnn.config.resolve`): ``{"output": "sigmoid"}`` with binary cross-entropy.

    The result does not depend on ``n_jobs``: a run depends only on its configuration and seed.
    """
    base = {} if base is None else base
    check_keys(base, "base")
    points, grid_keys = _expand(grid)
    if data is None or not isinstance(data, (tuple, list)) or len(data) not in (4, 6):
        raise TypeError("data: expected (X_train, y_train, X_val, y_val, X_test, y_test) or "
                        "(X_train, y_train, X_test, y_test), e.g. from ffnn.experiments.load_data()")
    data = tuple(data) if len(data) == 6 else (data[0], data[1], None, None, data[2], data[3])
    seeds = check_seeds(seeds)
    keep_models = check_bool(keep_models, "keep_models")
    if measure is not None and not callable(measure):
        raise TypeError(f"measure: expected a function model -> dict, got {measure!r}")

    n_in = int(np.shape(data[0])[1])
    configs, tasks = [], []
    for point in points:
        config = resolve(base, point)
        ys = [y for y in (data[1], data[3], data[5]) if y is not None]
        # Build one model now, so a bad value fails here with FFNN's message, not in a worker.
        FFNN(**model_and_fit_kwargs(config, n_in, n_outputs(config["loss"], ys))[0])
        for seed in seeds:
            # Each run gets its own copies: optimiser and schedule objects carry state.
            model_kwargs, fit_kwargs = model_and_fit_kwargs(config, n_in, n_outputs(config["loss"], ys))
            configs.append({**config, "seed": seed})
            tasks.append((model_kwargs, fit_kwargs, seed, data, keep_models, measure))
    outcomes = parallel_map(_run, tasks, n_jobs)
    # What every run shares: the base's values that no grid key overrides (and the loss only
    # when the grid's outputs did not pick different ones).
    fixed = {k: v for k, v in resolve(base).items() if k not in grid_keys
             and not any(o in grid_keys for o in REPLACES.get(k, ()))
             and (k != "loss" or all(c["loss"] == v for c in configs))}
    return Results(configs, [o[0] for o in outcomes], [o[1] for o in outcomes],
                   [o[2] for o in outcomes], grid_keys, fixed, tasks_kwargs=[t[:2] for t in tasks])


# ---------------------------------------------------------------------------- results
def mean_history(histories):
    """The per-epoch mean of several runs' histories (one per seed), as a :class:`ffnn.History`.

    Every metric is averaged over the runs, epoch by epoch, up to the last epoch all of them
    reached (a run that diverged stops early).
    """
    n = min(h.epochs for h in histories)
    return History({key: [float(np.mean([h[key][e] for h in histories])) for e in range(n)]
                    for key in histories[0]})


class Results:
    """What :func:`sweep` returns: one row, history and (optionally) model per run.

    A *run* is one (configuration, seed) pair; runs of the same configuration share a *label*
    such as ``"learning_rate=0.1"``. Attributes, one entry per run, in grid order with the seeds
    innermost:

    - ``rows``: dicts with the grid values, ``seed``, ``status`` ("ok" or "diverged"),
      ``epochs``, ``train_loss``, ``val_loss``, ``val_accuracy`` (the last epoch's, from the
      history, so with the penalty when regularised), ``val_data_loss`` (the same without the
      penalty; a table column when some run has a penalty), ``test_loss`` (data loss only),
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
                 and k not in ("seed", "status", "penalty", "val_data_loss")] if self.rows else []
        # Only with a penalty does the validation loss differ from its data part.
        penalty = ["val_data_loss", "penalty"] if any(r.get("penalty", 0) for r in self.rows) else []
        status = ["status"] if any(r["status"] != "ok" for r in self.rows) else []
        return list(METRICS) + penalty + extra, status

    def _caption(self):
        fixed = ", ".join(f"{k}={format_value(k, v)}" for k, v in self.fixed.items())
        seeds = ", ".join(map(str, self.seeds))
        return (f"{len(self.labels)} configurations × {len(self.seeds)} seed(s) ({seeds}); "
                f"fixed: {fixed}")

    @property
    def table(self):
        """A :class:`ffnn.table.Table` with one row per run."""
        metrics, status = self._columns()
        seed = ["seed"] if len(self.seeds) > 1 else []
        return Table(self.rows, self.grid_keys + seed + status + metrics, self._caption(), self.grid_keys)

    def _indices(self, label):
        idx = [i for i, lab in enumerate(self.run_labels) if lab == label]
        if not idx:
            raise KeyError(f"label: {label!r} is not a configuration of this sweep; labels: "
                           + "; ".join(self.labels))
        return idx

    def summary(self, labels=None, test=True):
        """A :class:`ffnn.table.Table` with one row per configuration: ``(mean, std)`` over the seeds.

        ``labels`` keeps only those configurations (in the order given); ``test=False`` leaves out
        the test columns, for the tables a choice is made on (the validation set's).
        """
        metrics, status = self._columns()
        if not check_bool(test, "test"):
            metrics = [m for m in metrics if not m.startswith("test_")]
        if labels is None:
            labels = self.labels
        elif isinstance(labels, str) or not all(isinstance(label, str) for label in labels):
            raise TypeError(f"labels: expected a list of configuration labels, got {labels!r}")
        for label in labels:
            self._indices(label)          # an unknown label raises, naming the known ones
        rows = []
        for label in labels:
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
                elif not all(is_real(v) for v in values):
                    row[m] = "varies"
                else:
                    row[m] = mean_std(values)
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
        return mean_history([self.histories[i] for i in self._indices(label)])

    def _run_index(self, label, seed):
        """The index of ``label``'s run with ``seed`` (its first run for seed=None)."""
        idx = [i for i in self._indices(label) if seed is None or self.configs[i]["seed"] == seed]
        if not idx:
            raise KeyError(f"seed: {label!r} was not run with seed {seed!r}; seeds: {self.seeds}")
        return idx[0]

    def model(self, label, seed=None):
        """The trained model of ``label`` (the first seed's, unless ``seed`` is given)."""
        model = self.models[self._run_index(label, seed)]
        if model is None:
            raise ValueError("model: the sweep ran with keep_models=False; use new_model() for an untrained one")
        return model

    def new_model(self, label, seed=None):
        """A fresh, untrained model built exactly like ``label``'s run (same seed: same initial W)."""
        i = self._run_index(label, seed)
        model_kwargs, _ = self._kwargs[i]
        return FFNN(**copy.deepcopy(model_kwargs), seed=self.configs[i]["seed"])

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
