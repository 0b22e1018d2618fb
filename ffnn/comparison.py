"""Comparison with scikit-learn: train one configuration in ffnn and in ``MLPClassifier``.

Introduced in the Experiments chapter (book/experiments/sklearn_comparison.md).

:func:`to_sklearn_params` translates a run configuration (see :mod:`ffnn.config`) into
``MLPClassifier`` arguments that train the same network the same way, and
:func:`compare_with_sklearn` trains both, epoch by epoch, on the same split and returns a
:class:`Comparison`: accuracies, per-class accuracy, confusion matrices, times and curves.
"""
import time

import numpy as np

from . import losses, metrics, optim, regularization
from ._validation import check_bool
from .config import check_keys, check_seeds, hidden_widths, model_and_fit_kwargs, n_outputs, resolve
from .experiments import mean_history, parallel_map
from .history import History
from .network import FFNN
from .table import Table, format_value, mean_std

__all__ = ["to_sklearn_params", "compare_with_sklearn", "Comparison"]

_SK_ACTIVATIONS = {"relu": "relu", "sigmoid": "logistic", "tanh": "tanh", "linear": "identity"}
#: MLPClassifier's output layers: softmax for K > 2 classes, one logistic unit for 2.
_SK_OUTPUTS = ("categorical_crossentropy", "binary_crossentropy")


def to_sklearn_params(config, seed=0):
    """The ``sklearn.neural_network.MLPClassifier`` arguments that train ``config`` the same way.

    ``config`` is a run configuration (missing keys from :data:`ffnn.config.DEFAULTS`). The
    translation:

    - ``hidden`` → ``hidden_layer_sizes``; ``activation`` → ``activation`` (relu, tanh,
      sigmoid → "logistic", linear → "identity").
    - The output: MLPClassifier trains K softmax outputs with cross-entropy for K > 2 classes
      (``loss="categorical_crossentropy"``, the default) and one logistic output with binary
      cross-entropy for two (``out_activation_ == "logistic"``), which is ffnn's
      ``output="sigmoid"`` with ``loss="binary_crossentropy"`` (naming the output alone picks
      that loss). The binary configuration needs data with labels 0 and 1.
    - ``optimizer="sgd"`` → ``solver="sgd", momentum=0``; ``"momentum"`` (β) → ``solver="sgd",
      momentum=β, nesterovs_momentum=False`` (scikit-learn's v ← βv − lr dθ, θ ← θ + v takes the
      same steps as ffnn's v ← βv + dθ, θ ← θ − lr v at a constant rate); ``"nesterov"`` →
      the same with ``nesterovs_momentum=True``; ``"adam"`` → ``solver="adam"`` with the same
      β₁, β₂, eps. scikit-learn has no AdamW, RMSprop or AdaGrad. ``learning_rate`` → ``learning_rate_init``
      with a constant schedule; ``batch_size``, ``shuffle``; ``epochs`` → ``max_iter``, with
      early stopping off.
    - L2: on a mini-batch of n rows scikit-learn minimises mean loss + (alpha / 2n) ΣW², while
      ffnn's ``L2(lam)`` adds lam ΣW², so ``alpha = 2 · lam · batch_size``. (The gradients
      alpha W / n and 2 lam W then agree on every full batch; only the last, smaller batch of an
      epoch differs.) scikit-learn has no L1.
    - ``init`` must be ``"xavier_uniform"``: MLPClassifier always draws W from
      U(±√(6/(n_in+n_out))) (the Glorot/Xavier uniform range; ±√(2/(n_in+n_out)) for logistic),
      and, unlike ffnn, b from the same range.

    Raises ValueError, naming the key, for what MLPClassifier cannot do (L1, normalisation,
    dropout, learning-rate schedules, other activations, other losses, early stopping).
    """
    check_keys(config, "config")
    c = resolve(config)
    if "layer_sizes" in c:
        raise ValueError("layer_sizes: give hidden=[...] instead (n_in and n_out come from the data)")
    if "activations" in c:
        raise ValueError("activations: give activation=... (one for every hidden layer) instead")
    if c["activation"] not in _SK_ACTIVATIONS:
        raise ValueError(f"activation: MLPClassifier has no {c['activation']!r}; expected one of "
                         f"{', '.join(_SK_ACTIVATIONS)}")
    loss = losses.get(c["loss"])
    if loss.name not in _SK_OUTPUTS or c.get("output", loss.output_activation) != loss.output_activation:
        raise ValueError(f"loss: MLPClassifier trains softmax outputs with categorical_crossentropy (K > 2 "
                         f"classes) or one sigmoid output with binary_crossentropy (2 classes); got "
                         f"loss={loss.name!r} with a {c.get('output', loss.output_activation)!r} output")
    init = c["init"] if isinstance(c["init"], str) else getattr(c["init"], "name", c["init"])
    if init not in ("xavier_uniform", "glorot_uniform"):
        raise ValueError(f"init: MLPClassifier always uses Glorot (Xavier) uniform initialisation; "
                         f"set init='xavier_uniform' to compare like with like, got {c['init']!r}")
    if c.get("rmsnorm"):
        raise ValueError("rmsnorm: MLPClassifier has no normalisation layers; expected rmsnorm=False")
    if c.get("normalization") is not None:
        raise ValueError(f"normalization: MLPClassifier has no normalisation layers; expected None, "
                         f"got {c['normalization']!r}")
    if c.get("dropout", 0.0) not in (0, 0.0):
        raise ValueError(f"dropout: MLPClassifier has no dropout; expected 0.0, got {c['dropout']!r}")
    if c.get("lr_schedule") is not None:
        raise ValueError("lr_schedule: MLPClassifier's sgd schedules ('invscaling', 'adaptive') are not "
                         "ffnn's; expected None for a constant rate")
    if c.get("patience") is not None:
        raise ValueError("patience: MLPClassifier's early stopping holds out its own validation "
                         "set; expected patience=None")
    reg = regularization.get(c["regularization"])
    if reg is not None and reg.name != "l2":
        raise ValueError(f"regularization: MLPClassifier has only an L2 penalty, got {reg!r}")
    params = {"hidden_layer_sizes": tuple(hidden_widths(c["hidden"])), "activation": _SK_ACTIVATIONS[c["activation"]],
              "batch_size": c["batch_size"], "learning_rate_init": c["learning_rate"],
              "learning_rate": "constant", "max_iter": c["epochs"],
              "shuffle": check_bool(c.get("shuffle", True), "shuffle"),
              "alpha": 0.0 if reg is None else 2 * reg.lam * c["batch_size"],
              "early_stopping": False, "n_iter_no_change": max(c["epochs"], 1), "tol": 0.0,
              "random_state": seed}
    opt = optim.get(c["optimizer"])
    if opt.name == "adam":
        params.update(solver="adam", beta_1=opt.beta1, beta_2=opt.beta2, epsilon=opt.eps)
    elif opt.name in ("sgd", "momentum", "nesterov"):
        params.update(solver="sgd", momentum=getattr(opt, "beta", 0.0),
                      nesterovs_momentum=getattr(opt, "nesterov", False))
    else:
        raise ValueError(f"optimizer: MLPClassifier has sgd, momentum, nesterov and adam, got {opt.name!r}")
    return params


def _class_probabilities(P):
    """P (N, K) as MLPClassifier's ``predict_proba`` gives it: [1 - p, p] for one sigmoid output."""
    return np.hstack([1 - P, P]) if P.shape[1] == 1 else P


def _cross_entropy(P, y):
    """The categorical cross-entropy of probabilities P (N, K) for integer labels y (N,)."""
    return losses.get("categorical_crossentropy").value(P, losses.one_hot(y, P.shape[1], dtype=P.dtype))


def _train_ffnn_epochwise(config, seed, data):
    """ffnn, one fit(epochs=1) per epoch, timing only the fit calls (as for scikit-learn)."""
    X, y, X_val, y_val, X_test, y_test = data
    config = resolve(config)
    model_kwargs, fit_kwargs = model_and_fit_kwargs(config, X.shape[1], n_outputs(config["loss"], [y, y_test]))
    epochs = fit_kwargs.pop("epochs")
    model = FFNN(**model_kwargs, seed=seed)
    h, seconds = History(), 0.0
    for _ in range(epochs):
        start = time.perf_counter()
        model.fit(X, y, epochs=1, verbose=0, **fit_kwargs)
        seconds += time.perf_counter() - start
        val = model.evaluate(X_val, y_val) if X_val is not None else {}
        h.append(loss=model.history["loss"][-1], **{f"val_{k}": v for k, v in val.items()})
    P = _class_probabilities(model.predict(X_test))
    return {"history": h, "train_time": seconds, "proba": P, "penalty": model.penalty()}


def _train_sklearn_epochwise(params, data):
    """MLPClassifier, one partial_fit per epoch (one pass over the data, like one ffnn epoch)."""
    import warnings
    from sklearn.neural_network import MLPClassifier
    X, y, X_val, y_val, X_test, y_test = data
    classes = np.arange(n_outputs("categorical_crossentropy", [y, y_test]))
    clf = MLPClassifier(**params)
    lam = params["alpha"] / (2 * params["batch_size"])  # the same penalty ffnn reports
    h, seconds = History(), 0.0
    for _ in range(params["max_iter"]):
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf.partial_fit(X, y, classes=classes)
        seconds += time.perf_counter() - start
        penalty = lam * sum(float(np.vdot(W, W)) for W in clf.coefs_)
        metrics = {"loss": clf.loss_}
        if X_val is not None:
            P = clf.predict_proba(X_val)
            data_loss = _cross_entropy(P, y_val)
            metrics.update(val_loss=data_loss + penalty, val_data_loss=data_loss,
                           val_accuracy=float(np.mean(classes[P.argmax(1)] == y_val)))
        h.append(**metrics)
    return {"history": h, "train_time": seconds, "proba": clf.predict_proba(X_test), "penalty": penalty}


def _compare_task(library, config, seed, data):
    if library == "ffnn":
        return _train_ffnn_epochwise(config, seed, data)
    return _train_sklearn_epochwise(to_sklearn_params(config, seed), data)


def compare_with_sklearn(config, data, seeds=(0,), n_jobs=-1):
    """Train ``config`` with ffnn and with scikit-learn's MLPClassifier on the same data.

    ``config`` as for :func:`ffnn.experiments.sweep` (translated by :func:`to_sklearn_params`);
    ``data`` a :class:`ffnn.experiments.Split` or a 6-tuple. Both libraries see the same training
    rows in mini-batches of the same size, for the same number of epochs, one
    ``fit``/``partial_fit`` call per epoch; only those calls are timed. Two classes with
    ``{"output": "sigmoid"}`` (binary cross-entropy) compare one logistic output on both sides. With ``n_jobs != 1`` the
    runs go to joblib workers (one BLAS thread each), so the two libraries train side by side on
    a two-core machine. Returns a :class:`Comparison`.
    """
    to_sklearn_params(config)  # fail early, naming the key that cannot be translated
    if not isinstance(data, (tuple, list)) or len(data) != 6:
        raise TypeError("data: expected (X_train, y_train, X_val, y_val, X_test, y_test)")
    if losses.get(resolve(config)["loss"]).name == "binary_crossentropy":
        K = n_outputs("categorical_crossentropy", [y for y in data[1::2] if y is not None])
        if K != 2:
            raise ValueError(f"loss: binary_crossentropy with one sigmoid output is for two classes "
                             f"(labels 0 and 1), but the data has {K}; use categorical_crossentropy")
    seeds = check_seeds(seeds)
    tasks = [(lib, config, s, tuple(data)) for s in seeds for lib in ("ffnn", "scikit-learn")]
    outcomes = parallel_map(_compare_task, tasks, n_jobs)
    return Comparison(config, seeds, [t[0] for t in tasks], outcomes, data[5])


class Comparison:
    """ffnn against scikit-learn on one configuration: see :func:`compare_with_sklearn`.

    ``runs[library]`` is a list (one per seed) of dicts with ``history``, ``train_time``,
    ``test_accuracy``, ``test_loss``, ``y_pred`` and ``confusion`` (K × K).
    """

    LIBRARIES = ("ffnn", "scikit-learn")

    def __init__(self, config, seeds, libraries, outcomes, y_test):
        self.config, self.seeds = config, list(seeds)
        y_test = np.asarray(y_test)
        K = outcomes[0]["proba"].shape[1]
        self.runs = {lib: [] for lib in self.LIBRARIES}
        for lib, out in zip(libraries, outcomes):
            y_pred = out["proba"].argmax(axis=1)
            self.runs[lib].append({"history": out["history"], "train_time": out["train_time"],
                                   "test_accuracy": float(np.mean(y_pred == y_test)),
                                   "test_loss": _cross_entropy(out["proba"], y_test),
                                   "y_pred": y_pred, "confusion": metrics.confusion_matrix(y_test, y_pred, n_classes=K)})

    def accuracy(self, library):
        """Mean test accuracy of ``library`` over the seeds."""
        return float(np.mean([r["test_accuracy"] for r in self.runs[library]]))

    @property
    def accuracy_gap(self):
        """ffnn's mean test accuracy minus scikit-learn's (a fraction, not percentage points)."""
        return self.accuracy("ffnn") - self.accuracy("scikit-learn")

    def confusion(self, library):
        """The confusion matrix of ``library``, summed over the seeds."""
        return sum(r["confusion"] for r in self.runs[library])

    def per_class(self):
        """A :class:`ffnn.table.Table`: each class's test accuracy (recall) for both libraries."""
        C = {lib: self.confusion(lib) for lib in self.LIBRARIES}
        rows = []
        for k in range(C["ffnn"].shape[0]):
            # a class absent from the test set has no accuracy
            acc = {lib: C[lib][k, k] / C[lib][k].sum() if C[lib][k].sum() else np.nan for lib in self.LIBRARIES}
            rows.append({"class": str(k), "ffnn accuracy": acc["ffnn"],
                         "scikit-learn accuracy": acc["scikit-learn"],
                         "difference accuracy": acc["ffnn"] - acc["scikit-learn"]})
        return Table(rows, ["class", "ffnn accuracy", "scikit-learn accuracy", "difference accuracy"],
                     "per-class test accuracy (recall), summed over seeds")

    @property
    def table(self):
        rows = []
        for lib in self.LIBRARIES:
            runs = self.runs[lib]
            row = {"library": lib, "epochs": runs[0]["history"].epochs}
            for m in ("train_loss", "val_loss", "test_loss", "test_accuracy", "train_time"):
                key = {"train_loss": "loss"}.get(m, m)
                vals = [r["history"][key][-1] if key in r["history"] else r[m] for r in runs]
                row[m] = mean_std(vals)
            rows.append(row)
        fixed = ", ".join(f"{k}={format_value(k, v)}" for k, v in resolve(self.config).items())
        return Table(rows, ["library", "epochs", "train_loss", "val_loss", "test_loss", "test_accuracy",
                            "train_time"], f"seeds {self.seeds}; {fixed}")

    def history(self, library):
        """Mean over seeds of ``library``'s per-epoch history."""
        return mean_history([r["history"] for r in self.runs[library]])

    def plot_curves(self, **kwargs):
        """Both libraries' training and validation loss per epoch: :func:`ffnn.plot.history`."""
        from . import plot
        return plot.history({lib: self.history(lib) for lib in self.LIBRARIES}, **kwargs)

    def plot_confusion(self):
        """Side by side, each library's test errors: the confusion matrix without its diagonal."""
        from matplotlib.figure import Figure
        fig = Figure(figsize=(8.0, 3.6), layout="constrained")
        axes = fig.subplots(1, 2)
        errors = {lib: self.confusion(lib) * (1 - np.eye(len(self.confusion(lib)), dtype=int))
                  for lib in self.LIBRARIES}
        vmax = max(int(e.max()) for e in errors.values()) or 1
        for ax, lib in zip(axes, self.LIBRARIES):
            image = ax.imshow(errors[lib], cmap="Reds", vmin=0, vmax=vmax)
            K = len(errors[lib])
            ax.set(xticks=range(K), yticks=range(K), xlabel="predicted class", ylabel="true class",
                   title=f"{lib}: {int(errors[lib].sum())} errors")
        fig.colorbar(image, ax=axes, label="test rows (off-diagonal)")
        return fig

    def __repr__(self):
        return repr(self.table)

    def _repr_html_(self):
        return self.table._repr_html_()

    def to_markdown(self):
        return self.table.to_markdown()
