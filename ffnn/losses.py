"""Loss functions L(ŷ, Y) and their gradients ∂L/∂ŷ.

Introduced in chapter 2 (the chain rule and backprop).

Conventions (ŷ and Y both (N, K)):

- MSE  = 1/(N K) Σ_{n,k} (ŷ - y)²                       (mean over all N×K elements)
- BCE  = 1/(N K) Σ_{n,k} -[y log ŷ + (1 - y) log(1 - ŷ)]  (mean over all elements)
- CCE  = 1/N Σ_n -Σ_k y_k log ŷ_k                        (mean over the N rows)

Each loss has a natural output activation, ``output_activation``: linear for MSE, sigmoid for
BCE, softmax for CCE. With it the loss has a *fused* form that starts from the output layer's z
(the activation's input) instead of ŷ: ``value_from_z`` evaluates the loss with log-sum-exp /
softplus, so it never takes log(0), and ``dz_from_y_hat`` gives ∂L/∂z, which collapses to
(ŷ - Y) divided by the number of averaged terms.
"""
import numpy as np

from ._registry import Registry
from ._validation import as_array, check_array, check_int, check_labels
from .activations import log_softmax, softplus

__all__ = ["Loss", "MSE", "BinaryCrossEntropy", "CategoricalCrossEntropy", "one_hot", "targets", "for_output",
           "get", "NAMES", "PROBABILITY_OUTPUTS"]

#: The output activations a cross-entropy accepts. Both need probabilities; CCE needs them to sum
#: to 1 over the classes, so that raising the true class's probability lowers the others'. With
#: independent sigmoids nothing pushes the wrong classes down and every output drifts to 1.
PROBABILITY_OUTPUTS = {"binary_crossentropy": ("sigmoid", "softmax"), "categorical_crossentropy": ("softmax",)}


def one_hot(y, n_classes=None, dtype=np.float64, argname="y"):
    """One-hot encode integer labels: ``Y[i, y[i]] = 1``, every other entry 0.

    ``y`` is array-like of shape (N,) with integer labels >= 0 (floats are accepted only if
    whole numbers). ``n_classes`` K defaults to ``max(y) + 1``. Returns ``Y`` of shape (N, K).
    Error messages name ``argname``.
    """
    y = check_labels(y, argname)
    y_max = int(y.max()) if y.size else -1
    if n_classes is None:
        n_classes = y_max + 1
    n_classes = check_int(n_classes, "n_classes")
    if y_max >= n_classes:
        raise ValueError(f"{argname}: expected labels in 0..{n_classes - 1} for n_classes={n_classes}, "
                         f"got label {y_max}")
    Y = np.zeros((y.shape[0], n_classes), dtype=dtype)
    Y[np.arange(y.shape[0]), y] = 1
    return Y


def targets(Y, n_out, loss, dtype=np.float64, argname="Y"):
    """Targets as an (N, n_out) array of ``dtype``: the one rule ``FFNN`` and ``ffnn.autograd`` share.

    An (N, n_out) array is taken as it is. Labels of shape (N,) are one-hot encoded for categorical
    cross-entropy (``loss``, a Loss) and become one column for a single output. Cross-entropy
    targets must lie in [0, 1]. Error messages name ``argname``.
    """
    if Y is None:
        raise TypeError(f"{argname}: expected an array of numbers, got None")
    arr = as_array(Y, argname)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{argname}: expected an array of numbers, got {arr.dtype}")
    if arr.ndim == 1 and loss.name == "categorical_crossentropy":
        arr = one_hot(arr, n_out, dtype=dtype, argname=argname)
    elif arr.ndim == 1 and n_out == 1:
        arr = arr.reshape(-1, 1)
    elif arr.ndim != 2:
        raise ValueError(f"{argname}: expected a 2-D array of shape (N, {n_out}) to match the output layer, "
                         f"got shape {arr.shape}")
    arr = check_array(arr, argname, dtype=dtype)
    if arr.shape[1] != n_out:
        raise ValueError(f"{argname}: expected shape (N, {n_out}) to match the output layer"
                         + (" or integer labels of shape (N,)" if loss.name == "categorical_crossentropy"
                            else "") + f", got {np.shape(Y)}")
    if loss.name in PROBABILITY_OUTPUTS and (arr.min() < 0 or arr.max() > 1):
        raise ValueError(f"{argname}: {loss.name} targets must lie in [0, 1], "
                         f"got values in [{arr.min():g}, {arr.max():g}]")
    return arr


class Loss:
    """Base class. ``value`` returns a Python float; ``grad`` returns dŷ with the shape of ŷ."""

    name = "loss"
    #: the output activation this loss is made for; with it, the fused forms below apply
    output_activation = None

    def value(self, y_hat, Y):
        raise NotImplementedError

    def grad(self, y_hat, Y):
        raise NotImplementedError

    def value_from_z(self, z, Y):
        """The loss computed from the output layer's z, where ŷ = output_activation(z)."""
        raise NotImplementedError

    def dz_from_y_hat(self, y_hat, Y):
        """dz = ∂L/∂z of the output layer, given ŷ = output_activation(z)."""
        raise NotImplementedError

    def __call__(self, y_hat, Y):
        return self.value(y_hat, Y)

    def __repr__(self):
        return f"{type(self).__name__}()"


class MSE(Loss):
    """L = mean((ŷ - Y)²) over all N×K elements; ∂L/∂ŷ = 2(ŷ - Y)/(N K)."""

    name = "mse"
    output_activation = "linear"

    def value(self, y_hat, Y):
        d = y_hat - Y
        return float(np.mean(d * d))

    def grad(self, y_hat, Y):
        return (y_hat - Y) * y_hat.dtype.type(2.0 / y_hat.size)

    # A linear output has ŷ = z and dz = dŷ: the fused forms are the plain ones.
    value_from_z = value
    dz_from_y_hat = grad


def _eps(dtype):
    # Clip probabilities this far from 0 and 1 so log stays finite in the unfused path.
    return np.finfo(dtype).eps


class BinaryCrossEntropy(Loss):
    """L = mean(-[Y log ŷ + (1-Y) log(1-ŷ)]) over all N×K elements.

    ∂L/∂ŷ = (ŷ - Y) / (ŷ (1 - ŷ) N K). Fused with sigmoid: L = mean(softplus(z) - Y z) and
    ∂L/∂z = (ŷ - Y)/(N K).
    """

    name = "binary_crossentropy"
    output_activation = "sigmoid"

    def value(self, y_hat, Y):
        eps = _eps(y_hat.dtype)
        p = np.clip(y_hat, eps, 1 - eps)
        return float(-np.mean(Y * np.log(p) + (1 - Y) * np.log1p(-p)))

    def grad(self, y_hat, Y):
        eps = _eps(y_hat.dtype)
        p = np.clip(y_hat, eps, 1 - eps)
        return (p - Y) / (p * (1 - p) * y_hat.size)

    def value_from_z(self, z, Y):
        return float(np.mean(softplus(z) - Y * z))

    def dz_from_y_hat(self, y_hat, Y):
        return (y_hat - Y) * y_hat.dtype.type(1.0 / y_hat.size)


class CategoricalCrossEntropy(Loss):
    """L = -1/N Σ_n Σ_k Y_nk log ŷ_nk with Y one-hot (or soft) rows.

    ∂L/∂ŷ = -Y / (N ŷ). Fused with softmax: L = 1/N Σ_n (logsumexp(z_n) - Σ_k Y_nk z_nk)
    and ∂L/∂z = (ŷ - Y)/N.
    """

    name = "categorical_crossentropy"
    output_activation = "softmax"

    def value(self, y_hat, Y):
        p = np.maximum(y_hat, _eps(y_hat.dtype))
        return float(-np.sum(Y * np.log(p)) / y_hat.shape[0])

    def grad(self, y_hat, Y):
        p = np.maximum(y_hat, _eps(y_hat.dtype))
        return -Y / (p * y_hat.shape[0])

    def value_from_z(self, z, Y):
        return float(-np.sum(Y * log_softmax(z)) / z.shape[0])

    def dz_from_y_hat(self, y_hat, Y):
        return (y_hat - Y) * y_hat.dtype.type(1.0 / y_hat.shape[0])


_REGISTRY = Registry("loss", Loss, (MSE, BinaryCrossEntropy, CategoricalCrossEntropy), aliases={
    "bce": "binary_crossentropy", "cce": "categorical_crossentropy", "mean_squared_error": "mse",
    "crossentropy": "categorical_crossentropy", "cross_entropy": "categorical_crossentropy",
    "binary_cross_entropy": "binary_crossentropy", "categorical_cross_entropy": "categorical_crossentropy"},
    required=("value", "grad"))
NAMES = _REGISTRY.names


def get(loss, argname="loss"):
    """Return a Loss instance for a name such as ``"mse"`` or a Loss object."""
    return _REGISTRY.get(loss, argname)


def for_output(activation):
    """The name of the loss made for the output ``activation`` (a name): ``"mse"`` for linear,
    ``"binary_crossentropy"`` for sigmoid, ``"categorical_crossentropy"`` for softmax; else None."""
    made_for = {cls.output_activation: name for name, cls in _REGISTRY.classes.items()}
    return made_for.get(activation)
