"""The feed-forward network: a stack of dense layers, a loss, and mini-batch training.

Introduced in chapter 1 (forward), chapter 2 (backward) and chapter 3 (fit).
"""
import copy
import math

import numpy as np

from . import activations as _activations
from . import init as _init
from . import losses as _losses
from . import optim as _optim
from . import regularization as _regularization
from . import schedules as _schedules
from ._validation import (as_array, check_array, check_bool, check_choice, check_consistent_length,
                          check_dtype, check_int, check_labels, check_positive, check_real)
from .history import History
from .layers import NORMALIZATIONS, Dense
from .monitor import Monitor
from .progress import Progress

__all__ = ["FFNN", "DivergenceError"]

class DivergenceError(FloatingPointError):
    """Training produced a non-finite loss (usually: the learning rate is too large)."""


class FFNN:
    """A feed-forward neural network.

    Its layers are ``model.layers[0]``, ``model.layers[1]``, ..., the last one the output layer,
    and ffnn numbers them that way everywhere: parameter names (``layers[0].W``), history keys of
    ``fit(monitor=True)`` (``layers[0].update_ratio``), plot titles and error messages.

    Parameters
    ----------
    layer_sizes : list of int
        ``[n_in, hidden..., n_out]``; at least two entries.
    activations : str, Activation, or list of them
        One per non-input layer, or one for all of them. Activation objects are used as given
        (``model.layers[i].activation``); ``model.activations`` lists their names.
    loss : {"mse", "binary_crossentropy", "categorical_crossentropy"} or Loss
        Cross-entropies need probabilities: softmax outputs for categorical_crossentropy, sigmoid
        (or softmax) outputs for binary_crossentropy.
    init : str, Initializer, or list of them (one per layer)
    regularization : None, ffnn.L1(lam) or ffnn.L2(lam)
    rmsnorm : bool
        Shorthand for ``normalization="rmsnorm"``.
    seed : int
        Seeds the initialisers (unless they have their own seed), the shuffling and the dropout
        masks.
    dtype : "float64" or "float32"
    eps : float
        The normalisation's epsilon, inside the square root.
    normalization : None, "rmsnorm", "layernorm" or "batchnorm"
        Normalises every hidden layer's product X W + b before its activation.
    dropout : float in [0, 1), or one per hidden layer
        Inverted dropout on the hidden layers' outputs while training.
    """

    def __init__(self, layer_sizes, activations="relu", loss="mse", init="he_normal",
                 regularization=None, rmsnorm=False, seed=0, dtype="float64", eps=1e-6,
                 normalization=None, dropout=0.0):
        if isinstance(layer_sizes, (str, bytes)) or not hasattr(layer_sizes, "__len__"):
            raise TypeError(f"layer_sizes: expected a list of positive integers, got {layer_sizes!r}")
        if len(layer_sizes) < 2:
            raise ValueError(f"layer_sizes: expected at least [n_in, n_out], got {list(layer_sizes)!r}")
        self.layer_sizes = [check_int(n, f"layer_sizes[{i}]") for i, n in enumerate(layer_sizes)]
        n_layers = len(self.layer_sizes) - 1
        acts = self._per_layer(activations, "activations", _activations.get)
        self.activations = [a.name for a in acts]
        self.loss_fn = _losses.get(loss)
        _check_output(self.loss_fn.name, self.activations[-1])
        if self.loss_fn.name == "categorical_crossentropy" and self.layer_sizes[-1] < 2:
            raise ValueError("layer_sizes: categorical_crossentropy needs at least 2 outputs; "
                             "use binary_crossentropy with one sigmoid output")
        inits = self._per_layer(init, "init", _init.get)
        self.regularization = _regularization.get(regularization)
        if check_bool(rmsnorm, "rmsnorm") and normalization not in (None, "rmsnorm"):
            raise ValueError(f"rmsnorm: rmsnorm=True means normalization='rmsnorm', "
                             f"got normalization={normalization!r} as well")
        if rmsnorm:
            normalization = "rmsnorm"
        self.normalization = None if normalization is None else \
            check_choice(normalization, "normalization", NORMALIZATIONS)
        self.dropout = _check_dropout(dropout, n_layers - 1)
        self.eps = check_positive(eps, "eps")
        self.seed = check_int(seed, "seed", minimum=0)
        self.dtype = check_dtype(dtype)
        # Separate streams for the initial weights, the shuffling and the dropout masks, so that
        # none depends on how many numbers another drew; the last two are saved with the model.
        init_rng = np.random.default_rng(self.seed)
        self.rng = np.random.default_rng([self.seed, 1])
        self.dropout_rng = np.random.default_rng([self.seed, 2])
        # Normalisation and dropout act on the hidden layers only, never on the output layer.
        rates = self.dropout if isinstance(self.dropout, list) else [self.dropout] * (n_layers - 1)
        try:
            self.layers = [
                Dense(self.layer_sizes[i], self.layer_sizes[i + 1], acts[i], inits[i],
                      normalization=self.normalization if i < n_layers - 1 else None,
                      dropout=rates[i] if i < n_layers - 1 else 0.0, eps=self.eps, dtype=self.dtype,
                      rng=init_rng, index=i, dropout_rng=self.dropout_rng)
                for i in range(n_layers)]
        except (MemoryError, OverflowError, ValueError) as exc:  # every argument is checked by now
            n = sum(a * b + b for a, b in zip(self.layer_sizes, self.layer_sizes[1:]))
            raise ValueError(f"layer_sizes: {self.layer_sizes} needs {n:,} weights and biases, more than "
                             f"NumPy can allocate ({type(exc).__name__}: {exc})") from None
        self.history = History()
        self.optimizer = None
        self.lr_schedule = None

    def _per_layer(self, value, argname, getter):
        n_layers = len(self.layer_sizes) - 1
        if isinstance(value, (list, tuple)):
            if len(value) != n_layers:
                raise ValueError(f"{argname}: expected {n_layers} entries (one per non-input layer of "
                                 f"layer_sizes={self.layer_sizes}), got {len(value)}")
            return [getter(v, f"{argname}[{i}]") for i, v in enumerate(value)]
        return [getter(value, argname) for _ in range(n_layers)]

    # ------------------------------------------------------------------ properties
    @property
    def rmsnorm(self):
        return self.normalization == "rmsnorm"

    @property
    def loss_name(self):
        return self.loss_fn.name

    @property
    def n_in(self):
        return self.layer_sizes[0]

    @property
    def n_out(self):
        return self.layer_sizes[-1]

    @property
    def is_classifier(self):
        """True when the network outputs class probabilities (softmax or sigmoid + cross-entropy)."""
        return self.loss_fn.name in _losses.PROBABILITY_OUTPUTS

    def parameters(self):
        """[(name, array)] of every trainable array, e.g. ``("layers[0].W", W)``."""
        return [(f"layers[{i}].{name}", p) for i, layer in enumerate(self.layers)
                for name, p in layer.parameters()]

    def gradients(self):
        """[(name, array)] of the gradients, in the order of :meth:`parameters`."""
        return [(f"layers[{i}].{name}", d) for i, layer in enumerate(self.layers)
                for name, d in layer.gradients()]

    def n_parameters(self):
        return int(sum(p.size for _, p in self.parameters()))

    # ------------------------------------------------------------------ targets
    def _check_X(self, X, argname="X"):
        return check_array(X, argname, n_features=self.n_in, dtype=self.dtype)

    def _check_Y(self, Y, n_rows=None, argname="Y"):
        """Targets as an (N, n_out) array of the model's dtype (see :func:`ffnn.losses.targets`)."""
        arr = _losses.targets(Y, self.n_out, self.loss_fn, self.dtype, argname)
        if n_rows is not None and arr.shape[0] != n_rows:
            raise ValueError(f"{argname}: expected {n_rows} rows to match X, got {arr.shape[0]}")
        return arr

    # ------------------------------------------------------------------ forward / backward
    def _forward(self, X, training):
        for layer in self.layers:
            X = layer.forward(X, training)
        return X

    def forward(self, X, training=True):
        """ŷ for X (N, n_in), caching every layer's intermediate values for :meth:`backward`.

        ``training=True`` is the pass ``fit`` makes: dropout masks from ``dropout_rng`` and
        BatchNorm with the batch's statistics. ``training=False`` is the pass ``predict`` makes.
        """
        return self._forward(self._check_X(X), check_bool(training, "training"))

    def predict(self, X, batch_size=4096):
        """Network output ŷ (N, n_out), computed in chunks so large X fits in memory."""
        X = self._check_X(X)
        batch_size = check_int(batch_size, "batch_size")
        out = np.concatenate([self._forward(X[i:i + batch_size], training=False)
                              for i in range(0, X.shape[0], batch_size)])
        for layer in self.layers:
            layer.clear_cache()
        return out

    def predict_classes(self, X):
        """Class index per row: argmax of ŷ, or ŷ ≥ 0.5 for a single output. Shape (N,)."""
        return _predicted_labels(self.predict(X)).astype(np.int64)

    def accuracy(self, X, y):
        """Fraction of rows whose predicted class (:meth:`predict_classes`) equals y.

        ``y``: integer labels (N,) in 0..n_out-1 (0 or 1 for a single output), or rows (N, n_out)
        such as one-hot rows, read as :meth:`evaluate` reads them (argmax, or ≥ 0.5 for one column).
        """
        X = self._check_X(X)
        labels = as_array(y, "y") if y is not None else None
        if labels is not None and labels.ndim == 1:
            labels = check_labels(labels.astype(np.int64) if labels.dtype == bool else labels, "y")
            check_consistent_length(X, labels, "X", "y")
            n_classes = max(self.n_out, 2)
            if labels.max() >= n_classes:
                raise ValueError(f"y: expected labels in 0..{n_classes - 1} for {self.n_out} output(s), "
                                 f"got label {labels.max()}")
        else:
            labels = _predicted_labels(self._check_Y(y, X.shape[0], "y"))
        return float(np.mean(self.predict_classes(X) == labels))

    def _fused(self):
        """True when the output activation is the loss's own (softmax for CCE, sigmoid for BCE,
        linear for MSE): then the loss is computed from z and backward starts from dz."""
        return self.loss_fn.output_activation == self.layers[-1].activation.name

    def _data_loss(self, y_hat, Y):
        if self._fused():
            return self.loss_fn.value_from_z(self.layers[-1].z, Y)
        return self.loss_fn.value(y_hat, Y)

    def penalty(self):
        """The regularisation term λ Σ|W| or λ Σ W² over all weight matrices (0 without one)."""
        if self.regularization is None:
            return 0.0
        return float(sum(self.regularization.penalty(layer.W) for layer in self.layers))

    def loss(self, X, Y, training=False):
        """Mean data loss on (X, Y) plus the penalty, as a float, after a forward pass in
        evaluation mode. ``training=True`` makes the training pass, as :meth:`forward` does: it
        draws dropout masks and moves BatchNorm's running statistics."""
        X = self._check_X(X)
        Y = self._check_Y(Y, X.shape[0])
        return self._data_loss(self._forward(X, check_bool(training, "training")), Y) + self.penalty()

    def _backward(self, Y):
        last = self.layers[-1]
        need_dX = len(self.layers) > 1
        if self._fused():
            grad = last.backward_from_z(self.loss_fn.dz_from_y_hat(last.a, Y), need_dX)
        else:
            grad = last.backward(self.loss_fn.grad(last.a, Y), need_dX)
        for i in range(len(self.layers) - 2, -1, -1):
            grad = self.layers[i].backward(grad, need_dX=i > 0)
        if self.regularization is not None:
            for layer in self.layers:
                layer.dW += self.regularization.grad(layer.W)

    def backward(self, Y):
        """Fill every layer's dW, db (and dg) with ∂(loss + penalty)/∂θ for the last forward(X).

        Gradients are overwritten, not accumulated, and no parameter moves. "The last forward" is
        whatever last filled the layers' caches: :meth:`loss` runs a forward pass too, while
        :meth:`predict` and :meth:`fit` clear the caches, so call ``forward(X)`` right before
        ``backward(Y)``.
        """
        last = self.layers[-1]
        if last.a is None:
            raise RuntimeError("backward: call forward(X) first")
        self._backward(self._check_Y(Y, last.a.shape[0]))

    # ------------------------------------------------------------------ training
    def fit(self, X, Y, batch_size=32, learning_rate=0.01, epochs=10, validation_data=None, verbose=1,
            optimizer="sgd", patience=None, shuffle=True, restore_best=True, lr_schedule=None,
            monitor=False):
        """Mini-batch gradient descent on the mean loss plus penalty.

        Each epoch visits every row of X once in batches of ``batch_size`` (shuffled with the
        model's generator when ``shuffle``). ``history["loss"]`` is the mean of the batch losses
        seen during the epoch (the data loss plus penalty *before* each update, weighted by batch
        size); ``val_loss`` is measured on ``validation_data`` after the epoch, also with the
        penalty (as in Keras). ``data_loss`` and ``val_data_loss`` are the same without the penalty,
        so regularised runs can be compared on the data alone (without regularization they equal
        ``loss`` and ``val_loss``; the progress display then leaves them out).

        With ``patience=k``, training stops once ``val_loss`` (the penalised loss, as the
        optimiser minimises it) has not improved for k epochs, and with ``restore_best`` the
        best epoch's parameters are put back.

        ``lr_schedule`` (see :mod:`ffnn.schedules`) sets the rate of each epoch, starting from
        ``learning_rate``; without one the rate stays ``learning_rate``. It is stepped after every
        epoch (ReduceLROnPlateau with ``val_loss``, else ``loss``), ``history["lr"]`` records the
        rate each epoch used, and the schedule is kept as ``model.lr_schedule``: pass it again to
        a later ``fit`` to continue where it stopped.

        ``monitor=True`` (or a :class:`ffnn.monitor.Monitor`) also records per-layer diagnostics
        each epoch: update-to-weight ratio, gradient norm, activation mean and std, and the
        fraction of dead ReLU or saturated sigmoid/tanh units (see :mod:`ffnn.monitor`).

        Returns the model's :class:`History`, which accumulates over calls.
        """
        X = self._check_X(X)
        Y = self._check_Y(Y, X.shape[0])
        batch_size = check_int(batch_size, "batch_size")
        lr = check_positive(learning_rate, "learning_rate")
        epochs = check_int(epochs, "epochs", minimum=0)
        verbose = check_int(int(verbose) if isinstance(verbose, bool) else verbose, "verbose", 0, 2)
        shuffle = check_bool(shuffle, "shuffle")
        restore_best = check_bool(restore_best, "restore_best")
        if not isinstance(monitor, (Monitor, bool, np.bool_)):
            raise TypeError(f"monitor: expected True, False or an ffnn.monitor.Monitor, got {monitor!r}")
        if not isinstance(monitor, Monitor):
            monitor = Monitor() if monitor else None
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise TypeError("validation_data: expected a tuple (X_val, Y_val)")
            X_val = self._check_X(validation_data[0], "validation_data[0]")
            Y_val = self._check_Y(validation_data[1], X_val.shape[0], "validation_data[1]")
        if self.normalization == "batchnorm" and (batch_size == 1 or X.shape[0] % batch_size == 1):
            raise ValueError(f"batch_size: batchnorm needs at least 2 rows in every training batch; "
                             f"{X.shape[0]} rows in batches of {batch_size} leave a batch of 1")
        if patience is not None:
            patience = check_int(patience, "patience")
            if validation_data is None:
                raise ValueError("patience: early stopping watches val_loss, so validation_data is required")
        schedule = _schedules.get(lr_schedule, "lr_schedule")
        if not schedule.started:
            schedule.start(lr)
        opt = _optim.get(optimizer)
        if not opt.fits([p for _, p in self.parameters()]):
            raise ValueError(f"optimizer: {opt!r} has state (momentum, moments) for parameters of other "
                             "shapes, from training another model; pass a new optimizer or its name")
        # A name that matches the current optimizer keeps its state (momentum, Adam's moments), so
        # a second fit continues the first; an Optimizer object is used as given.
        if isinstance(optimizer, _optim.Optimizer) or self.optimizer is None \
                or not self.optimizer.same_config(opt):
            self.optimizer = opt
        self.lr_schedule = schedule

        best, best_params, wait = np.inf, None, 0
        progress = Progress(epochs, verbose)
        try:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                for epoch in range(epochs):
                    metrics = self._train_epoch(X, Y, batch_size, schedule.lr, shuffle, epoch, monitor)
                    if validation_data is not None:
                        metrics.update(self._evaluate(X_val, Y_val, prefix="val_"))
                    metrics["lr"] = schedule.lr
                    self.history.append(**metrics)
                    if monitor is not None:
                        self.history.append(**monitor.end_epoch(self.layers))
                    schedule.step(metrics.get("val_loss", metrics["loss"]))
                    progress.update(epoch, metrics if self.regularization is not None else
                                    {k: v for k, v in metrics.items() if not k.endswith("data_loss")})
                    if patience is not None:
                        if metrics["val_loss"] < best:
                            best, wait = metrics["val_loss"], 0
                            if restore_best:
                                best_params = [p.copy() for _, p in self.parameters()]
                        else:
                            wait += 1
                            if wait >= patience:
                                break
        finally:
            progress.close()
            for layer in self.layers:
                layer.clear_cache()
        if best_params is not None:
            for (_, p), saved in zip(self.parameters(), best_params):
                p[...] = saved
        return self.history

    def _train_epoch(self, X, Y, batch_size, lr, shuffle, epoch, monitor=None):
        """One pass over the data, chapter 3's loop: for every batch forward, loss, backward,
        optimizer step. A ``monitor`` only reads the layers after the backward pass and the step.

        Returns the epoch's mean batch loss (and accuracy for classifiers), each batch's value
        taken before its update and weighted by its size.
        """
        N = X.shape[0]
        order = self.rng.permutation(N) if shuffle else np.arange(N)
        params = [p for _, p in self.parameters()]
        total, data_total, correct = 0.0, 0.0, 0
        for b, start in enumerate(range(0, N, batch_size)):
            idx = order[start:start + batch_size]
            Xb, Yb = X[idx], Y[idx]
            y_hat = self._forward(Xb, training=True)
            data_loss = self._data_loss(y_hat, Yb)
            batch_loss = data_loss + self.penalty()
            if not math.isfinite(batch_loss):
                raise DivergenceError(
                    f"training diverged: the loss became {batch_loss} in epoch {epoch + 1}, batch {b + 1} "
                    f"(learning_rate={lr:g}). Try a smaller learning_rate, scaling X, or another init.")
            total += batch_loss * len(idx)
            data_total += data_loss * len(idx)
            if self.is_classifier:
                correct += np.count_nonzero(_predicted_labels(y_hat) == _predicted_labels(Yb))
            self._backward(Yb)
            if monitor is not None:
                monitor.after_backward(self.layers)
            self.optimizer.step(params, [d for _, d in self.gradients()], lr)
            if monitor is not None:
                monitor.after_step(self.layers)
        metrics = {"loss": total / N, "data_loss": data_total / N}
        if self.is_classifier:
            metrics["accuracy"] = correct / N
        return metrics

    def _evaluate(self, X, Y, prefix="", batch_size=4096):
        """Loss with and without the penalty (and accuracy) on checked (X, Y), in chunks so
        large X fits in memory."""
        total, correct = 0.0, 0
        for i in range(0, X.shape[0], batch_size):
            Xb, Yb = X[i:i + batch_size], Y[i:i + batch_size]
            y_hat = self._forward(Xb, training=False)
            total += self._data_loss(y_hat, Yb) * Xb.shape[0]
            if self.is_classifier:
                correct += np.count_nonzero(_predicted_labels(y_hat) == _predicted_labels(Yb))
        data_loss = total / X.shape[0]
        out = {f"{prefix}loss": data_loss + self.penalty(), f"{prefix}data_loss": data_loss}
        if self.is_classifier:
            out[f"{prefix}accuracy"] = correct / X.shape[0]
        return out

    def evaluate(self, X, Y):
        """{"loss": ..., "data_loss": ..., "accuracy": ...} on (X, Y) without changing the model.

        ``loss`` includes the penalty, ``data_loss`` does not; ``accuracy`` only for classifiers."""
        X = self._check_X(X)
        return self._evaluate(X, self._check_Y(Y, X.shape[0]))

    # ------------------------------------------------------------------ copies, saving, plots
    def copy(self, dtype=None):
        """A deep copy, optionally cast to another dtype (used by gradcheck for float64).

        A cast copy has every parameter, gradient and buffer in the new dtype and no optimizer
        (its state is in the old one)."""
        dtype = None if dtype is None else check_dtype(dtype)
        clone = copy.deepcopy(self)
        if dtype is not None and dtype != self.dtype:
            clone.dtype = dtype
            clone.optimizer = None
            for layer in clone.layers:
                layer.dtype = dtype
                for name, arr in layer.parameters() + layer.gradients() + layer.buffers():
                    setattr(layer, name, arr.astype(dtype))
                layer.clear_cache()
        return clone

    def save(self, path):
        """Write the model to ``path`` (.npz, no pickles): see :func:`ffnn.saving.save`."""
        from .saving import save
        save(self, path)

    @classmethod
    def load(cls, path):
        """Read a model written by :meth:`save`: see :func:`ffnn.saving.load`."""
        from .saving import load
        return load(path, cls)

    def plot_graph(self, **kwargs):
        """Draw the network as a layered graph: see :func:`ffnn.plot.graph`."""
        from . import plot
        return plot.graph(self, **kwargs)

    def plot_weights(self, layers=None, **kwargs):
        """Histograms of the chosen layers' weights: see :func:`ffnn.plot.weights`."""
        from . import plot
        return plot.weights(self, layers=layers, **kwargs)

    def plot_gradients(self, layers=None, **kwargs):
        """Histograms of the chosen layers' last gradients: see :func:`ffnn.plot.gradients`."""
        from . import plot
        return plot.gradients(self, layers=layers, **kwargs)

    def plot_history(self, **kwargs):
        """Training and validation loss per epoch: see :func:`ffnn.plot.history`."""
        from . import plot
        return plot.history(self.history, **kwargs)

    def __repr__(self):
        extra = f", regularization={self.regularization!r}" if self.regularization is not None else ""
        extra += f", normalization={self.normalization!r}" if self.normalization else ""
        extra += f", dropout={self.dropout!r}" if self.dropout else ""
        return (f"FFNN(layer_sizes={self.layer_sizes}, activations={self.activations}, "
                f"loss={self.loss_name!r}{extra}, dtype={self.dtype.name!r})")


def _check_output(loss, out):
    """Refuse an output activation that does not give ``loss`` (a name) the probabilities it needs."""
    allowed = _losses.PROBABILITY_OUTPUTS.get(loss)
    if allowed is None or out in allowed:
        return
    hint = ("; use softmax with categorical_crossentropy, or sigmoid with binary_crossentropy "
            "(nothing pushes the wrong classes' sigmoids down, so every output drifts to 1)"
            if out == "sigmoid" else "")
    raise ValueError(f"activations: loss={loss!r} needs probabilities, so the output activation must be "
                     f"{' or '.join(map(repr, allowed))}, got {out!r}{hint}")


def _check_dropout(dropout, n_hidden):
    """A rate in [0, 1) for every hidden layer, or a list of one per hidden layer."""
    if isinstance(dropout, (list, tuple)):
        if len(dropout) != n_hidden:
            raise ValueError(f"dropout: expected one rate per hidden layer ({n_hidden}), got {len(dropout)}")
        return [check_real(p, f"dropout[{i}]", 0, 1, high_open=True) for i, p in enumerate(dropout)]
    return check_real(dropout, "dropout", 0, 1, high_open=True)


def _predicted_labels(y_hat):
    """Class per row of outputs or targets (N, K): argmax, or ≥ 0.5 for a single column."""
    if y_hat.shape[1] == 1:
        return y_hat[:, 0] >= 0.5
    return y_hat.argmax(axis=1)
