"""The feed-forward network: a stack of dense layers, a loss, and mini-batch training.

Introduced in chapter 1 (forward), chapter 2 (backward) and chapter 3 (fit).
"""
import copy
import math

import numpy as np

from . import _aligned
from . import activations as _activations
from . import init as _init
from . import losses as _losses
from . import optim as _optim
from . import regularization as _regularization
from ._blas import write_back
from ._validation import check_array, check_consistent_length, check_int, check_positive
from .history import History
from .layers import Dense
from .progress import Progress

__all__ = ["FFNN", "DivergenceError"]

# Output activations that produce probabilities, which the cross-entropies need.
_PROBABILITY_OUTPUTS = {"binary_crossentropy": ("sigmoid", "softmax"),
                        "categorical_crossentropy": ("softmax", "sigmoid")}


class DivergenceError(FloatingPointError):
    """Training produced a non-finite loss (usually: the learning rate is too large)."""


class FFNN:
    """A feed-forward neural network.

    Parameters
    ----------
    layer_sizes : list of int
        ``[n_in, hidden..., n_out]``; at least two entries.
    activations : str or list of str
        One per non-input layer, or one name for all of them.
    loss : {"mse", "binary_crossentropy", "categorical_crossentropy"}
    init : str, Initializer, or list of them (one per layer)
    regularization : None, ffnn.L1(lam) or ffnn.L2(lam)
    rmsnorm : bool
        RMSNorm on every hidden layer's pre-activation.
    seed : int
        Seeds the initialisers (unless they have their own seed) and the shuffling.
    dtype : "float64" or "float32"
    """

    def __init__(self, layer_sizes, activations="relu", loss="mse", init="he_normal",
                 regularization=None, rmsnorm=False, seed=0, dtype="float64", eps=1e-6):
        if isinstance(layer_sizes, (str, bytes)) or not hasattr(layer_sizes, "__len__"):
            raise TypeError(f"layer_sizes: expected a list of positive integers, got {layer_sizes!r}")
        if len(layer_sizes) < 2:
            raise ValueError(f"layer_sizes: expected at least [n_in, n_out], got {list(layer_sizes)!r}")
        self.layer_sizes = [check_int(n, f"layer_sizes[{i}]") for i, n in enumerate(layer_sizes)]
        n_layers = len(self.layer_sizes) - 1
        self.activations = [a.name for a in self._per_layer(activations, "activations", _activations.get)]
        self.loss_fn = _losses.get(loss)
        out = self.activations[-1]
        if self.loss_fn.name in _PROBABILITY_OUTPUTS and out not in _PROBABILITY_OUTPUTS[self.loss_fn.name]:
            raise ValueError(f"activations: loss={self.loss_fn.name!r} needs probabilities, so the output "
                             f"activation must be one of {_PROBABILITY_OUTPUTS[self.loss_fn.name]}, got {out!r}")
        if self.loss_fn.name == "categorical_crossentropy" and self.layer_sizes[-1] < 2:
            raise ValueError("layer_sizes: categorical_crossentropy needs at least 2 outputs; "
                             "use binary_crossentropy with one sigmoid output")
        inits = self._per_layer(init, "init", _init.get)
        self.regularization = _regularization.get(regularization)
        if not isinstance(rmsnorm, (bool, np.bool_)):
            raise TypeError(f"rmsnorm: expected True or False, got {rmsnorm!r}")
        self.rmsnorm = bool(rmsnorm)
        self.eps = check_positive(eps, "eps")
        self.seed = check_int(seed, "seed", minimum=0)
        try:
            self.dtype = np.dtype(dtype)
        except TypeError:
            raise TypeError(f"dtype: expected 'float32' or 'float64', got {dtype!r}") from None
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype: expected 'float32' or 'float64', got {dtype!r}")
        init_rng = np.random.default_rng(self.seed)
        self.layers = [
            Dense(self.layer_sizes[i], self.layer_sizes[i + 1], self.activations[i], inits[i],
                  rmsnorm=self.rmsnorm and i < n_layers - 1, eps=self.eps, dtype=self.dtype, rng=init_rng,
                  index=i)
            for i in range(n_layers)]
        # A separate stream for shuffling, so training order does not depend on how many numbers
        # the initialisers drew; its state is saved with the model.
        self.rng = np.random.default_rng([self.seed, 1])
        self.history = History()
        self.optimizer = None

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
        return self.loss_fn.name in _PROBABILITY_OUTPUTS

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

    def _check_Y(self, Y, n_rows=None, argname="Y", with_labels=False):
        """Targets as an (N, n_out) array of the model's dtype; integer labels become one-hot.

        ``with_labels=True`` returns (Y, classes): the target class of each row (N,) for a
        classifier, taken from the integer labels when given so, else None.
        """
        K = self.n_out
        classes = None
        arr = np.asarray(Y) if Y is not None else None
        if arr is None or arr.dtype.kind not in "biuf":
            raise TypeError(f"{argname}: expected an array of numbers, got "
                            f"{'None' if arr is None else arr.dtype}")
        if arr.ndim == 1 and self.loss_fn.name == "categorical_crossentropy":
            if arr.dtype.kind == "f":
                if not np.isfinite(arr).all() or not np.array_equal(arr, np.round(arr)):
                    raise ValueError(f"{argname}: integer class labels expected, got non-integer values")
            if arr.size and (arr.min() < 0 or arr.max() >= K):
                raise ValueError(f"{argname}: class labels must be in 0..{K - 1} for {K} outputs, "
                                 f"got labels in {arr.min()}..{arr.max()}")
            classes = arr.astype(np.intp)
            arr = np.zeros((classes.shape[0], K), dtype=self.dtype)
            arr[np.arange(classes.shape[0]), classes] = 1
        elif arr.ndim == 1 and K == 1:
            arr = arr.reshape(-1, 1)
        elif arr.ndim != 2:
            raise ValueError(f"{argname}: expected a 2-D array of shape (N, {K}) to match the output layer, "
                             f"got shape {arr.shape}")
        arr = check_array(arr, argname, dtype=self.dtype)
        if arr.shape[1] != K:
            raise ValueError(f"{argname}: expected shape (N, {K}) to match the output layer"
                             + (" or integer labels of shape (N,)" if self.loss_fn.name == "categorical_crossentropy"
                                else "") + f", got {np.shape(Y)}")
        if n_rows is not None and arr.shape[0] != n_rows:
            raise ValueError(f"{argname}: expected {n_rows} rows to match X, got {arr.shape[0]}")
        if self.loss_fn.name in _PROBABILITY_OUTPUTS and (arr.min() < 0 or arr.max() > 1):
            raise ValueError(f"{argname}: {self.loss_fn.name} targets must lie in [0, 1], "
                             f"got values in [{arr.min():g}, {arr.max():g}]")
        if with_labels:
            if classes is None and self.is_classifier:
                classes = _predicted_labels(arr)
            return arr, classes
        return arr

    # ------------------------------------------------------------------ forward / backward
    def _forward(self, X):
        for layer in self.layers:
            X = layer.forward(X)
        return X

    def forward(self, X):
        """ŷ for X (N, n_in), caching every layer's intermediate values for :meth:`backward`."""
        return self._forward(self._check_X(X))

    def predict(self, X, batch_size=4096):
        """Network output ŷ (N, n_out), computed in chunks so large X fits in memory."""
        X = self._check_X(X)
        batch_size = check_int(batch_size, "batch_size")
        out = np.concatenate([self._forward(X[i:i + batch_size]) for i in range(0, X.shape[0], batch_size)])
        for layer in self.layers:
            layer.clear_cache()
        return out

    def predict_classes(self, X):
        """Class index per row: argmax of ŷ, or ŷ ≥ 0.5 for a single output. Shape (N,)."""
        return _predicted_labels(self.predict(X)).astype(np.int64)

    def accuracy(self, X, y):
        """Fraction of rows whose predicted class equals y (integer labels or one-hot rows)."""
        X = self._check_X(X)
        y = np.asarray(y) if y is not None else None
        if y is None or y.dtype.kind not in "biuf":
            raise TypeError(f"y: expected integer labels or one-hot rows, got "
                            f"{'None' if y is None else f'an array of dtype {y.dtype}'}")
        if y.ndim == 2 and y.shape[1] > 1:
            y = y.argmax(axis=1)
        y = y.reshape(-1)
        check_consistent_length(X, y, "X", "y")
        return float(np.mean(self.predict_classes(X) == y))

    def _fused(self):
        return self.loss_fn.fused_activation == self.layers[-1].activation.name

    def _data_loss(self, y_hat, Y):
        if self._fused():
            return self.loss_fn.value_from_logits(self.layers[-1].r, Y)
        return self.loss_fn.value(y_hat, Y)

    def penalty(self):
        """The regularisation term λ Σ|W| or λ Σ W² over all weight matrices (0 without one)."""
        if self.regularization is None:
            return 0.0
        return float(sum(self.regularization.penalty(layer.W) for layer in self.layers))

    def loss(self, X, Y):
        """Mean data loss on (X, Y) plus the penalty, as a float."""
        X = self._check_X(X)
        Y = self._check_Y(Y, X.shape[0])
        return self._data_loss(self._forward(X), Y) + self.penalty()

    def _backward(self, Y, lr=None):
        """Fill the gradients; with ``lr``, take plain SGD's step instead (for :meth:`fit`).

        The step, W ← W - lr (Xᵀdz + ∂penalty/∂W), is taken layer by layer as the backward pass
        reaches it, with the penalty's gradient from W before the step (see
        :meth:`Dense.backward_from_preactivation`).
        """
        last = self.layers[-1]
        penalty_grads = None
        if lr is not None and self.regularization is not None:
            penalty_grads = [self.regularization.grad(layer.W) for layer in self.layers]
        step = {} if lr is None else {"lr": lr}  # layers written before lr existed still work
        if self._fused():
            grad = last.backward_from_preactivation(self.loss_fn.grad_from_logits(last.a, Y),
                                                    need_dX=len(self.layers) > 1, **step)
        else:
            grad = last.backward(self.loss_fn.grad(last.a, Y), need_dX=len(self.layers) > 1, **step)
        for i in range(len(self.layers) - 2, -1, -1):
            grad = self.layers[i].backward(grad, need_dX=i > 0, **step)
        if self.regularization is None:
            return
        if lr is None:
            for layer in self.layers:
                layer.dW += self.regularization.grad(layer.W)
            return
        for layer, d in zip(self.layers, penalty_grads):  # W was just written on several cores
            d *= layer.dtype.type(-lr)
            write_back(layer.W, np.add(layer.W, d, out=d))

    def backward(self, Y):
        """Fill every layer's dW, db (and dg) with ∂(loss + penalty)/∂θ for the last forward(X).

        Gradients are overwritten, not accumulated. "The last forward" is whatever last filled the
        layers' caches: :meth:`loss` runs a forward pass too, while :meth:`predict` and :meth:`fit`
        clear the caches, so call ``forward(X)`` right before ``backward(Y)``.
        """
        last = self.layers[-1]
        if last.a is None:
            raise RuntimeError("backward: call forward(X) first")
        self._backward(self._check_Y(Y, last.a.shape[0]))

    # ------------------------------------------------------------------ training
    def fit(self, X, Y, batch_size=32, learning_rate=0.01, epochs=10, validation_data=None, verbose=1,
            optimizer="sgd", patience=None, shuffle=True, restore_best=True):
        """Mini-batch gradient descent on the mean loss plus penalty.

        Each epoch visits every row of X once in batches of ``batch_size`` (shuffled with the
        model's generator when ``shuffle``). ``history["loss"]`` is the mean of the batch losses
        seen during the epoch (the data loss plus penalty *before* each update, weighted by batch
        size); ``val_loss`` is measured on ``validation_data`` after the epoch. With
        ``patience=k``, training stops once ``val_loss`` has not improved for k epochs, and with
        ``restore_best`` the best epoch's parameters are put back.

        Returns the model's :class:`History`, which accumulates over calls.
        """
        X = self._check_X(X)
        Y, labels = self._check_Y(Y, X.shape[0], with_labels=True)
        batch_size = check_int(batch_size, "batch_size")
        lr = check_positive(learning_rate, "learning_rate")
        epochs = check_int(epochs, "epochs", minimum=0)
        if verbose not in (0, 1, 2) and verbose is not True and verbose is not False:
            raise ValueError(f"verbose: expected 0, 1 or 2, got {verbose!r}")
        verbose = int(verbose)
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise TypeError("validation_data: expected a tuple (X_val, Y_val)")
            X_val = self._check_X(validation_data[0], "validation_data[0]")
            Y_val, labels_val = self._check_Y(validation_data[1], X_val.shape[0], "validation_data[1]",
                                              with_labels=True)
        if patience is not None:
            patience = check_int(patience, "patience")
            if validation_data is None:
                raise ValueError("patience: early stopping watches val_loss, so validation_data is required")
        opt = _optim.get(optimizer)
        # A name that matches the current optimizer keeps its state (momentum, Adam's moments), so
        # a second fit continues the first; an Optimizer object is used as given.
        if isinstance(optimizer, _optim.Optimizer) or self.optimizer is None \
                or not self.optimizer.same_config(opt):
            self.optimizer = opt
        opt = self.optimizer

        params = [p for _, p in self.parameters()]
        grads = [d for _, d in self.gradients()]
        batches = _Batches(X, Y, labels, batch_size, self.rng if shuffle else None)
        best, best_params, wait = np.inf, None, 0
        progress = Progress(epochs, verbose)
        try:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                for epoch in range(epochs):
                    metrics = self._train_epoch(batches, opt, params, grads, lr, epoch)
                    if validation_data is not None:
                        metrics.update(self._evaluate(X_val, Y_val, labels_val, prefix="val_"))
                    self.history.append(**metrics)
                    progress.update(epoch, metrics)
                    if patience is not None:
                        if metrics["val_loss"] < best:
                            best, wait = metrics["val_loss"], 0
                            if restore_best:
                                best_params = [p.copy() for p in params]
                        else:
                            wait += 1
                            if wait >= patience:
                                break
        finally:
            progress.close()
            for layer in self.layers:
                layer.clear_cache()
        if best_params is not None:
            for p, saved in zip(params, best_params):
                p[...] = saved
        return self.history

    def _steps_in_backward(self, opt):
        """True when fit may take opt's step inside the backward pass: plain SGD, and layers whose
        backward is Dense's own. A subclass that overrides it (as chapter 2's exercises do) gets
        its own backward and then the optimiser's step, as before."""
        return type(opt) is _optim.SGD and all(
            type(layer).backward is Dense.backward
            and type(layer).backward_from_preactivation is Dense.backward_from_preactivation
            for layer in self.layers)

    def _train_epoch(self, batches, opt, params, grads, lr, epoch):
        """One pass over the data: for every batch forward, loss, backward, optimizer step.

        Returns the epoch's mean batch loss (and accuracy for classifiers), each batch's value
        taken before its update and weighted by its size.
        """
        total, correct = 0.0, 0
        # Plain SGD steps inside the backward pass, which adds each Xᵀdz straight into W instead
        # of writing dW first (about 10 % faster on MNIST). The last batch of each epoch goes the
        # long way, so after fit every dW, db holds the gradient of the last batch, as before.
        sgd_in_backward = self._steps_in_backward(opt)
        last = len(batches) - 1
        for b, (Xb, Yb, labels) in enumerate(batches):
            y_hat = self._forward(Xb)
            batch_loss = self._data_loss(y_hat, Yb)
            if self.regularization is not None:
                batch_loss += self.penalty()
            if not math.isfinite(batch_loss):
                raise DivergenceError(
                    f"training diverged: the loss became {batch_loss} in epoch {epoch + 1}, batch {b + 1} "
                    f"(learning_rate={lr:g}). Try a smaller learning_rate, scaling X, or another init.")
            total += batch_loss * Xb.shape[0]
            if labels is not None:
                correct += np.count_nonzero(_predicted_labels(y_hat) == labels)
            if sgd_in_backward and b < last:
                self._backward(Yb, lr=lr)
                opt.t += 1  # counted as opt.step would
            else:
                self._backward(Yb)
                opt.step(params, grads, lr)
            # Drop this batch's cached arrays now, so the next batch's can reuse their memory
            # (still in cache) instead of new memory: 2 % faster per MNIST epoch.
            for layer in self.layers:
                layer.clear_cache()
        metrics = {"loss": total / batches.N}
        if self.is_classifier:
            metrics["accuracy"] = correct / batches.N
        return metrics

    def _evaluate(self, X, Y, labels, prefix="", batch_size=4096):
        """Loss (and accuracy) on checked (X, Y); ``labels``: target classes from _check_Y."""
        total, correct = 0.0, 0
        for i in range(0, X.shape[0], batch_size):
            Xb, Yb = X[i:i + batch_size], Y[i:i + batch_size]
            y_hat = self._forward(Xb)
            total += self._data_loss(y_hat, Yb) * Xb.shape[0]
            if labels is not None:
                correct += np.count_nonzero(_predicted_labels(y_hat) == labels[i:i + batch_size])
        out = {f"{prefix}loss": total / X.shape[0] + self.penalty()}
        if self.is_classifier:
            out[f"{prefix}accuracy"] = correct / X.shape[0]
        return out

    def evaluate(self, X, Y):
        """{"loss": ..., "accuracy": ...} on (X, Y) without changing the model."""
        X = self._check_X(X)
        return self._evaluate(X, *self._check_Y(Y, X.shape[0], with_labels=True))

    # ------------------------------------------------------------------ copies, saving, plots
    def copy(self, dtype=None):
        """A deep copy, optionally cast to another dtype (used by gradcheck for float64)."""
        if dtype is not None and np.dtype(dtype) not in (np.float32, np.float64):
            raise ValueError(f"dtype: expected 'float32' or 'float64', got {dtype!r}")
        clone = copy.deepcopy(self)
        cast = dtype is not None and np.dtype(dtype) != self.dtype
        if cast:
            clone.dtype = np.dtype(dtype)
            clone.optimizer = None
        for layer in clone.layers:  # deepcopy does not keep the arrays on cache lines (ffnn._aligned)
            layer.dtype = clone.dtype
            for attr in ("W", "b", "dW", "db", "g", "dg"):
                if getattr(layer, attr) is not None:
                    setattr(layer, attr, _aligned.copy(getattr(layer, attr).astype(clone.dtype, copy=False)))
            if cast:
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
        return load(path)

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
        reg = f", regularization={self.regularization!r}" if self.regularization is not None else ""
        norm = ", rmsnorm=True" if self.rmsnorm else ""
        return (f"FFNN(layer_sizes={self.layer_sizes}, activations={self.activations}, "
                f"loss={self.loss_name!r}{reg}{norm}, dtype={self.dtype.name!r})")


class _Batches:
    """Iterates over (X_b, Y_b, labels_b) mini-batches, in a new random order on every pass when
    given a generator (``rng.permutation``), else in row order.

    Shuffled batches are gathered into the same two buffers on every step instead of new arrays,
    so a batch is only valid until the next one is drawn.
    """

    def __init__(self, X, Y, labels, batch_size, rng=None):
        self.X, self.Y, self.labels, self.batch_size, self.rng = X, Y, labels, batch_size, rng
        self.N = X.shape[0]
        if rng is not None:
            rows = min(batch_size, self.N)
            self.Xbuf = np.empty((rows, X.shape[1]), dtype=X.dtype)
            self.Ybuf = np.empty((rows, Y.shape[1]), dtype=Y.dtype)

    def __len__(self):
        return -(-self.N // self.batch_size)

    def __iter__(self):
        order = self.rng.permutation(self.N) if self.rng is not None else None
        for start in range(0, self.N, self.batch_size):
            if order is None:
                idx = slice(start, start + self.batch_size)
                Xb, Yb = self.X[idx], self.Y[idx]
            else:
                idx = order[start:start + self.batch_size]
                # idx is part of a permutation, so always in range; mode="clip" skips the extra
                # buffered copy that np.take makes for out= under the default mode="raise"
                Xb = np.take(self.X, idx, axis=0, out=self.Xbuf[:idx.size], mode="clip")
                Yb = np.take(self.Y, idx, axis=0, out=self.Ybuf[:idx.size], mode="clip")
            yield Xb, Yb, None if self.labels is None else self.labels[idx]


def _predicted_labels(y_hat):
    """Class per row of outputs or targets (N, K): argmax, or ≥ 0.5 for a single column."""
    if y_hat.shape[1] == 1:
        return y_hat[:, 0] >= 0.5
    return y_hat.argmax(axis=1)
