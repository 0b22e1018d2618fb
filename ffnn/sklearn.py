"""ffnn as scikit-learn estimators: :class:`FFNNClassifier` and :class:`FFNNRegressor`.

Introduced in the chapter "ffnn in the scikit-learn ecosystem" (book/sklearn.md).

Each estimator builds an :class:`ffnn.FFNN` with ``layer_sizes = [n_features_in_,
*hidden_layer_sizes, n_out]`` in ``fit`` and trains it with :meth:`ffnn.FFNN.fit`; the trained
network is ``model_``. They pass scikit-learn's ``check_estimator``, so they work in ``Pipeline``,
``GridSearchCV``, ``cross_val_score`` and ``clone``. scikit-learn (>= 1.6) is only needed by this
module: ``pip install 'ffnn[sklearn]'``.

Output layer and loss follow the task, as in scikit-learn's ``MLPClassifier``/``MLPRegressor``:

- two classes: one sigmoid output + ``binary_crossentropy``; ``predict_proba`` is [1 - ŷ, ŷ]
- K > 2 classes: K softmax outputs + ``categorical_crossentropy``
- regression: ``output_activation`` (default linear) + ``mse``, one output per column of y

Parameter mapping to ``MLPClassifier``: ``learning_rate`` is its ``learning_rate_init``,
``epochs`` its ``max_iter`` (always run in full unless ``early_stopping``), ``patience`` its
``n_iter_no_change``, ``optimizer`` its ``solver``. Its ``alpha`` adds alpha/(2B) ΣW² to the mean
loss of a batch of B rows, which is ``regularization=ffnn.L2(alpha / (2 * B))`` for classifiers
and ``ffnn.L2(alpha / B)`` for regressors (its squared error is half of ffnn's MSE).
"""
import copy

import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.model_selection import train_test_split
    from sklearn.utils import check_random_state
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import check_is_fitted, validate_data
except ImportError as exc:  # scikit-learn missing, or older than 1.6 (no validate_data)
    raise ImportError("ffnn.sklearn needs scikit-learn >= 1.6: pip install 'ffnn[sklearn]'") from exc

from ._validation import check_bool, check_choice, check_dtype, check_int, check_real, check_seed, is_int
from .network import FFNN

__all__ = ["FFNNClassifier", "FFNNRegressor"]

_PARAMS_DOC = """
    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(100,)
        Width of each hidden layer; ``()`` gives no hidden layer.
    activation : str or list of str, default="relu"
        Hidden-layer activation, one name for all or one per hidden layer.
    init : str, ffnn.init.Initializer or list of them, default="he_normal"
        As ``FFNN(init=...)``, one per layer including the output layer when a list.
    regularization : None, ffnn.L1(lam) or ffnn.L2(lam), default=None
        Penalty lam Σ|W| or lam ΣW² added to the mean loss of every mini-batch.
    rmsnorm : bool, default=False
        RMSNorm on every hidden layer (the same as ``normalization="rmsnorm"``).
    normalization : None, "rmsnorm", "layernorm" or "batchnorm", default=None
        As ``FFNN(normalization=...)``.
    dropout : float or list of float, default=0.0
        As ``FFNN(dropout=...)``: inverted dropout on the hidden layers while training.
    optimizer : str (a name in ``ffnn.optim.NAMES``) or ffnn.optim.Optimizer, default="adam"
        An Optimizer object is copied at each ``fit``, so the parameter itself never changes.
    learning_rate : float, default=1e-3
    lr_schedule : None or ffnn.schedules.Schedule, default=None
        As ``FFNN.fit(lr_schedule=...)``; copied at each ``fit`` and continued by ``partial_fit``.
    batch_size : int or "auto", default="auto"
        Rows per mini-batch; "auto" is min(200, n_samples).
    epochs : int, default=200
        Passes over the training set made by ``fit`` (``partial_fit`` makes one).
    shuffle : bool, default=True
        Reshuffle the rows before every epoch.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows (stratified for classifiers), stop once the
        validation loss has not improved for ``patience`` epochs and keep the best epoch's weights.
    validation_fraction : float, default=0.1
    patience : int, default=10
    random_state : None, int or numpy.random.RandomState, default=None
        An int is the FFNN's ``seed`` (initial weights, shuffling, validation split); otherwise a
        seed is drawn from it.
    dtype : {"float64", "float32"}, default="float64"
    verbose : {0, 1, 2}, default=0
        As ``FFNN.fit``: silent, a progress bar, or one line per epoch.
"""

_ATTRIBUTES_DOC = """
    Attributes
    ----------
    model_ : ffnn.FFNN
        The trained network.
    n_features_in_ : int
    loss_curve_ : list of float
        Training loss (mean data loss + penalty) of every epoch the model has seen.
    validation_loss_curve_ : list of float or None
        Validation loss per epoch with ``early_stopping``, else None.
    n_iter_ : int
        Number of epochs the model has been trained for (``len(loss_curve_)``), counting the
        ``patience`` epochs after the best one when early stopping restored it.
"""


class _BaseFFNN(BaseEstimator):
    """Shared fit/partial_fit logic; subclasses say how y becomes the FFNN's targets."""

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, init="he_normal",
                 regularization=None, rmsnorm=False, optimizer="adam", learning_rate=1e-3,
                 batch_size="auto", epochs=200, shuffle=True, early_stopping=False,
                 validation_fraction=0.1, patience=10, random_state=None, dtype="float64", verbose=0,
                 normalization=None, dropout=0.0, lr_schedule=None):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.init = init
        self.regularization = regularization
        self.rmsnorm = rmsnorm
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.shuffle = shuffle
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.random_state = random_state
        self.dtype = dtype
        self.verbose = verbose
        self.normalization = normalization
        self.dropout = dropout
        self.lr_schedule = lr_schedule

    # --------------------------------------------------------------- checked parameters
    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        if is_int(sizes):
            sizes = (sizes,)
        if isinstance(sizes, str) or not hasattr(sizes, "__iter__"):
            raise TypeError(f"hidden_layer_sizes: expected an int or a tuple of positive ints, "
                            f"got {self.hidden_layer_sizes!r}")
        return [check_int(n, f"hidden_layer_sizes[{i}]") for i, n in enumerate(sizes)]

    def _activations(self, n_hidden, output):
        act = self.activation
        if isinstance(act, (list, tuple)):
            if len(act) != n_hidden:
                raise ValueError(f"activation: expected one name per hidden layer ({n_hidden}), "
                                 f"got {len(act)}: {act!r}")
            return [*act, output]
        return [act] * n_hidden + [output]

    def _seed(self):
        rs = self.random_state
        if is_int(rs):
            return check_seed(rs, "random_state")
        if not (rs is None or isinstance(rs, np.random.RandomState)):
            raise TypeError(f"random_state: expected None, an integer >= 0 or a numpy.random.RandomState, "
                            f"got {rs!r}")
        return int(check_random_state(rs).randint(np.iinfo(np.int32).max))

    # --------------------------------------------------------------- training
    def _fit(self, X, y, incremental, classes=None):
        first = not (incremental and hasattr(self, "model_"))
        dtype = check_dtype(self.dtype) if first else self.model_.dtype
        X, y = validate_data(self, X, y, reset=first, dtype=dtype, **self._y_validation)
        Y, n_out, strata = self._targets(y, first, classes)
        if first:
            hidden = self._hidden_sizes()
            output, loss = self._output_and_loss(n_out)
            model = FFNN([X.shape[1], *hidden, n_out], self._activations(len(hidden), output),
                         loss=loss, init=copy.deepcopy(self.init), regularization=self.regularization,
                         rmsnorm=self.rmsnorm, seed=self._seed(), dtype=dtype,
                         normalization=self.normalization, dropout=copy.deepcopy(self.dropout))
        else:
            model = self.model_
        kwargs = {}
        if check_bool(self.early_stopping, "early_stopping") and not incremental:
            X, X_val, Y, Y_val = self._validation_split(X, Y, strata, model.seed)
            kwargs = {"validation_data": (X_val, Y_val), "patience": self.patience}
        if incremental and model.optimizer is not None:
            # keep Adam's moments / momentum and the schedule's progress across calls
            optimizer, schedule = model.optimizer, model.lr_schedule
        else:  # copies, never mutating a constructor parameter
            optimizer, schedule = copy.deepcopy(self.optimizer), copy.deepcopy(self.lr_schedule)
        if isinstance(self.batch_size, str):
            check_choice(self.batch_size, "batch_size", ("auto",))
            batch_size = min(200, X.shape[0])
        else:
            batch_size = check_int(self.batch_size, "batch_size")
        model.fit(X, Y, batch_size=batch_size, learning_rate=self.learning_rate,
                  epochs=1 if incremental else self.epochs, verbose=self.verbose,
                  optimizer=optimizer, shuffle=self.shuffle, lr_schedule=schedule, **kwargs)
        self.model_ = model  # only now: a fit that raised leaves no half-built model behind
        self.loss_curve_ = list(model.history.get("loss", []))
        val = model.history.get("val_loss")
        self.validation_loss_curve_ = list(val) if val else None
        self.n_iter_ = len(self.loss_curve_)
        return self

    def _validation_split(self, X, Y, strata, seed):
        frac = check_real(self.validation_fraction, "validation_fraction", 0, 1,
                          low_open=True, high_open=True)
        try:
            return train_test_split(X, Y, test_size=frac, random_state=seed, stratify=strata)
        except ValueError:
            if strata is None:
                raise
            # Too few rows to give every class a place in both parts: split without strata.
            return train_test_split(X, Y, test_size=frac, random_state=seed)

    def fit(self, X, y):
        """Build a new network and train it for ``epochs`` epochs on X (N, n_features) and y.

        Returns self.
        """
        return self._fit(X, y, incremental=False)

    def _predict_raw(self, X):
        """ŷ (N, n_out) = ``model_.predict(X)`` after scikit-learn's input checks."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=self.model_.dtype)
        return self.model_.predict(X)


class FFNNClassifier(ClassifierMixin, _BaseFFNN):
    __doc__ = ("""A feed-forward network classifier backed by :class:`ffnn.FFNN`.

    Two classes use one sigmoid output with binary cross-entropy (like ``MLPClassifier``); more
    classes use a softmax output with categorical cross-entropy. Labels may be any sortable
    values (ints, strings); ``classes_`` holds them in sorted order and the network is trained
    on their indices.
""" + _PARAMS_DOC + _ATTRIBUTES_DOC + """    classes_ : ndarray of shape (n_classes,)
""")

    _y_validation = {}

    def _targets(self, y, first, classes):
        check_classification_targets(y)  # refuses continuous y: "Unknown label type"
        if first:
            self.classes_ = np.unique(y if classes is None else np.asarray(classes))
            if len(self.classes_) < 2:
                raise ValueError(f"y: a classifier needs at least 2 classes, got 1 class "
                                 f"({self.classes_[0]!r})")
        elif classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(f"classes: expected the classes of the first partial_fit call "
                             f"{self.classes_.tolist()}, got {np.unique(classes).tolist()}")
        K = len(self.classes_)
        idx = np.searchsorted(self.classes_, y)
        unknown = (idx == K) | (self.classes_[np.minimum(idx, K - 1)] != y)
        if unknown.any():
            raise ValueError(f"y: labels {np.unique(y[unknown]).tolist()} are not in classes "
                             f"{self.classes_.tolist()}")
        # Integer labels: FFNN one-hots them for softmax and reads them as 0/1 for one sigmoid.
        return idx, (1 if K == 2 else K), idx

    @staticmethod
    def _output_and_loss(n_out):
        if n_out == 1:
            return "sigmoid", "binary_crossentropy"
        return "softmax", "categorical_crossentropy"

    def partial_fit(self, X, y, classes=None):
        """Train for one epoch on (X, y), building the network on the first call.

        ``classes`` (every label that will ever appear) is required on the first call. A run of
        k ``partial_fit`` calls on the same data equals ``fit`` with ``epochs=k`` (same
        random_state, no early stopping): the shuffling generator and the optimizer state carry
        over between calls. Returns self.
        """
        if not hasattr(self, "model_") and classes is None:
            raise ValueError("classes: must be passed on the first call to partial_fit")
        return self._fit(X, y, incremental=True, classes=classes)

    def predict_proba(self, X):
        """Class probabilities (N, n_classes), columns in the order of ``classes_``."""
        y_hat = self._predict_raw(X)
        if y_hat.shape[1] == 1:
            return np.hstack([1 - y_hat, y_hat])
        return y_hat

    def predict_log_proba(self, X):
        """log of :meth:`predict_proba` (-inf where a probability is exactly 0)."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """The most probable class of each row, shape (N,), values from ``classes_``."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


class FFNNRegressor(RegressorMixin, _BaseFFNN):
    __doc__ = ("""A feed-forward network regressor backed by :class:`ffnn.FFNN`.

    One output per target column, trained on the mean squared error. y may be (N,) or
    (N, n_outputs); predictions are (N,) when there is a single output (like ``MLPRegressor``).
    Targets are not rescaled: standardise y yourself (e.g. ``TransformedTargetRegressor``) when
    its scale is far from 1.
""" + _PARAMS_DOC + """    output_activation : str, default="linear"
        Activation of the output layer.
""" + _ATTRIBUTES_DOC + """    n_outputs_ : int
""")

    _y_validation = {"multi_output": True, "y_numeric": True}

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, output_activation="linear",
                 init="he_normal", regularization=None, rmsnorm=False, optimizer="adam",
                 learning_rate=1e-3, batch_size="auto", epochs=200, shuffle=True,
                 early_stopping=False, validation_fraction=0.1, patience=10, random_state=None,
                 dtype="float64", verbose=0, normalization=None, dropout=0.0, lr_schedule=None):
        super().__init__(hidden_layer_sizes, activation, init=init, regularization=regularization,
                         rmsnorm=rmsnorm, optimizer=optimizer, learning_rate=learning_rate,
                         batch_size=batch_size, epochs=epochs, shuffle=shuffle,
                         early_stopping=early_stopping, validation_fraction=validation_fraction,
                         patience=patience, random_state=random_state, dtype=dtype, verbose=verbose,
                         normalization=normalization, dropout=dropout, lr_schedule=lr_schedule)
        self.output_activation = output_activation

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _targets(self, y, first, classes):
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        if first:
            self.n_outputs_ = Y.shape[1]
        elif Y.shape[1] != self.n_outputs_:
            raise ValueError(f"y: expected {self.n_outputs_} target column(s) as in the first call, "
                             f"got shape {y.shape}")
        return Y, Y.shape[1], None

    def _output_and_loss(self, n_out):
        return self.output_activation, "mse"

    def partial_fit(self, X, y):
        """Train for one epoch on (X, y), building the network on the first call.

        A run of k calls on the same data equals ``fit`` with ``epochs=k`` (same random_state,
        no early stopping). Returns self.
        """
        return self._fit(X, y, incremental=True)

    def predict(self, X):
        """ŷ of shape (N,) for a single output, else (N, n_outputs_)."""
        y_hat = self._predict_raw(X)
        return y_hat[:, 0] if y_hat.shape[1] == 1 else y_hat
