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
from ._validation import check_int, check_labels
from .activations import log_softmax, softplus

__all__ = ["Loss", "MSE", "BinaryCrossEntropy", "CategoricalCrossEntropy", "one_hot", "get", "NAMES"]


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
    "binary_cross_entropy": "binary_crossentropy", "categorical_cross_entropy": "categorical_crossentropy"})
NAMES = _REGISTRY.names


def get(loss, argname="loss"):
    """Return a Loss instance for a name such as ``"mse"`` or a Loss object."""
    return _REGISTRY.get(loss, argname)
